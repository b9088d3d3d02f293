//! Unit tests of the time-series generators and the CSV reader.

use super::*;

#[test]
fn narma_first_values_by_hand() {
    // order 2 so that the window is easy to follow by hand.
    let p = Narma {
        order: 2,
        ..Narma::default()
    };
    let u = [0.1, 0.2, 0.3, 0.4];
    let y = p.response(&u).unwrap();
    // y0 = 0; y1 = 0 (window not full); y(2) = 0.3*0 + 0.05*0*0 + 1.5*u0*u1 + 0.1
    assert_eq!(y[0], 0.0);
    assert_eq!(y[1], 0.0);
    assert!((y[2] - (1.5 * 0.1 * 0.2 + 0.1)).abs() < 1e-15);
    let y2 = y[2];
    let y3 = 0.3 * y2 + 0.05 * y2 * (y2 + 0.0) + 1.5 * 0.2 * 0.3 + 0.1;
    assert!((y[3] - y3).abs() < 1e-15);
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_name() {
    let ts = TimeSeries::parse_csv("\u{feff}x,y\r\n1,2\r\n", "bom.csv").unwrap();
    assert_eq!(ts.names, ["x", "y"]);
    assert_eq!(ts.column("x").unwrap()[0], 1.0);
}
