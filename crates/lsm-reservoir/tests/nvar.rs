//! NVAR: reservoirpy's features, the stepping API, the stored form and bad parameters.

use lsm_reservoir::{Nvar, NvarConfig, Reservoir, ReservoirConfig, SeriesReservoir};
use ndarray::Array2;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    delay: usize,
    order: usize,
    strides: usize,
    features: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Fixture {
    u: Vec<Vec<f64>>,
    cases: Vec<Case>,
}

fn to2(v: &[Vec<f64>]) -> Array2<f64> {
    Array2::from_shape_fn((v.len(), v[0].len()), |(i, j)| v[i][j])
}

/// reservoirpy's `NVAR(delay, order, strides).run(u)` on two channels, every step from the
/// zero buffer: the same features in the same order (products of the same numbers in the
/// same order, so equal to rounding).
#[test]
fn features_match_reservoirpy() {
    let f: Fixture = serde_json::from_str(include_str!("fixtures/nvar_reservoirpy.json")).unwrap();
    let u = to2(&f.u);
    assert_eq!(f.cases.len(), 3);
    for c in &f.cases {
        let cfg = ReservoirConfig::Nvar(NvarConfig {
            delay: c.delay,
            order: c.order,
            strides: c.strides,
        });
        let res = Reservoir::build(&cfg, 2, 0).unwrap();
        let x = res.states(u.view(), 0).unwrap();
        let want = to2(&c.features);
        assert_eq!(x.dim(), want.dim(), "{:?}", cfg);
        let err = (&x - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-14, "{cfg:?}: {err:e}");
    }
}

/// The step-by-step form (push, features) and `state_after` give the rows of `run`; the
/// feature count is `d k + C(d k + p − 1, p)`.
#[test]
fn stepping_equals_the_run_and_counts_are_binomial() {
    let cfg = NvarConfig {
        delay: 3,
        order: 3,
        strides: 2,
    };
    let nv = Nvar::build(&cfg, 2).unwrap();
    // d k = 6: 6 + C(8, 3) = 6 + 56.
    assert_eq!(nv.n_features(), 62);
    assert_eq!(nv.span(), 5);
    let u = Array2::from_shape_fn((20, 2), |(t, j)| ((t * 3 + j) as f64 * 0.37).sin());
    let x = nv.run(u.view()).unwrap();
    let mut out = vec![0.0; 62];
    for t in [0, 1, 4, 5, 19] {
        let mut st = nv.state_after(u.view(), t + 1);
        nv.features(&mut st, &mut out);
        assert_eq!(out, x.row(t).to_vec(), "row {t}");
    }
    // Features of row 7: u(7), u(5), u(3), then e.g. the last monomial lin_5³ = u(3)_1³.
    let r = x.row(7);
    assert_eq!(r[0], u[[7, 0]]);
    assert_eq!(r[3], u[[5, 1]]);
    assert_eq!(r[5], u[[3, 1]]);
    assert_eq!(r[61], u[[3, 1]].powi(3));
    assert_eq!(r[6], u[[7, 0]].powi(3));
}

/// The model file keeps the parameters only, checked on load.
#[test]
fn stored_form_is_the_parameters_and_is_checked() {
    let res = Reservoir::build(&ReservoirConfig::Nvar(NvarConfig::default()), 1, 0).unwrap();
    let text = serde_json::to_string(&res).unwrap();
    assert_eq!(
        text,
        r#"{"kind":"nvar","n_inputs":1,"delay":2,"order":2,"strides":1}"#
    );
    let back: Reservoir = serde_json::from_str(&text).unwrap();
    assert_eq!(back.n_state(), 2 + 3);
    for (bad, what) in [
        (
            r#"{"kind":"nvar","n_inputs":1,"delay":0,"order":2,"strides":1}"#,
            "delay",
        ),
        (
            r#"{"kind":"nvar","n_inputs":1,"delay":2,"order":2,"strides":0}"#,
            "strides",
        ),
        (
            r#"{"kind":"nvar","n_inputs":0,"delay":2,"order":2,"strides":1}"#,
            "input channel",
        ),
        (
            r#"{"kind":"nvar","n_inputs":50,"delay":100,"order":9,"strides":1}"#,
            "order",
        ),
        (
            r#"{"kind":"nvar","n_inputs":1,"delay":2,"order":2,"strides":1,"w":1}"#,
            "unknown field",
        ),
    ] {
        let e = serde_json::from_str::<Reservoir>(bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains(what), "{bad}: {e}");
    }
    let e = ReservoirConfig::Nvar(NvarConfig {
        order: 0,
        ..NvarConfig::default()
    })
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("order"), "{e}");
    let nv = Nvar::build(&NvarConfig::default(), 2).unwrap();
    let e = nv
        .run(Array2::zeros((3, 1)).view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("2 input channels"), "{e}");
}
