//! Time-series generators pinned against reference values, and the CSV reader's errors.

use lsm_datasets::timeseries::{Lorenz, MackeyGlass, MgMethod, Narma, TimeSeries};

#[derive(serde::Deserialize)]
struct MgCase {
    name: String,
    tau: f64,
    a: f64,
    b: f64,
    n: f64,
    x0: f64,
    n_steps: usize,
    history: Vec<f64>,
    index: Vec<usize>,
    values: Vec<f64>,
}

#[derive(serde::Deserialize)]
struct MgFixture {
    cases: Vec<MgCase>,
}

/// The `reservoir-py` method reproduces reservoirpy 0.4.2's `mackey_glass` (fixture made by
/// `scripts/fixtures/gen_mackey_glass.py`) at several parameter sets.
#[test]
fn mackey_glass_matches_reservoirpy_reference() {
    let text = include_str!("fixtures/mackey_glass_reservoirpy.json");
    let fx: MgFixture = serde_json::from_str(text).unwrap();
    assert_eq!(fx.cases.len(), 3);
    for c in &fx.cases {
        let mg = MackeyGlass {
            tau: c.tau,
            a: c.a,
            b: c.b,
            n: c.n,
            x0: c.x0,
            h: 1.0,
            method: MgMethod::ReservoirPy,
            history: Some(c.history.clone()),
            ..MackeyGlass::default()
        };
        let x = mg.generate(c.n_steps, 0).unwrap();
        assert_eq!(x.len(), c.n_steps);
        for (&i, &v) in c.index.iter().zip(&c.values) {
            // Chaotic amplification of last-bit differences (powf vs numpy's **) stays tiny
            // over these lengths.
            assert!(
                (x[i] - v).abs() <= 1e-9 * v.abs().max(1.0),
                "{}: x[{i}] = {} vs reservoirpy {v}",
                c.name,
                x[i]
            );
        }
        // The first 100 samples agree to rounding.
        for (i, (xi, vi)) in x.iter().zip(&c.values).enumerate().take(100) {
            assert!((xi - vi).abs() < 1e-13, "{}: x[{i}]", c.name);
        }
    }
}

/// x* = 1 is an equilibrium for a = 2b (a·x/(1+x^n) = b·x at x = 1): a constant history
/// there stays there under both integrators.
#[test]
fn mackey_glass_equilibrium_is_fixed() {
    for method in [MgMethod::ReservoirPy, MgMethod::Rk4] {
        let mg = MackeyGlass {
            x0: 1.0,
            history: Some(vec![1.0; 17]),
            method,
            ..MackeyGlass::default()
        };
        let x = mg.generate(300, 0).unwrap();
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-14), "{method:?}");
    }
}

/// Textbook RK4 on the DDE converges: against a 160-substep reference the error over the first
/// 150 time units is < 1e-4 at 10 substeps and shrinks at least 3.5× per halving of the step
/// (second order overall: the solution has kinks at multiples of τ, where the interpolated
/// delayed value costs the scheme its fourth order). It also stays on the attractor.
#[test]
fn mackey_glass_rk4_converges() {
    let base = MackeyGlass {
        method: MgMethod::Rk4,
        history: Some(vec![1.2; 17]),
        ..MackeyGlass::default()
    };
    let run = |s: usize| {
        MackeyGlass {
            substeps: s,
            ..base.clone()
        }
        .generate(150, 0)
        .unwrap()
    };
    let reference = run(160);
    let err = |s: usize| {
        run(s)
            .iter()
            .zip(&reference)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max)
    };
    let (e10, e20, e40) = (err(10), err(20), err(40));
    assert!(e10 < 1e-4, "{e10}");
    assert!(e20 < e10 / 3.5 && e40 < e20 / 3.5, "{e10} {e20} {e40}");
    let long = base.generate(3000, 1).unwrap();
    let (lo, hi) = long[500..]
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(lo > 0.2 && lo < 0.6 && hi > 1.2 && hi < 1.5, "{lo} {hi}");
}

/// The seeded history: same seed, same series; another seed, another series.
#[test]
fn mackey_glass_seeded_history() {
    let mg = MackeyGlass::default();
    let a = mg.generate(50, 1).unwrap();
    let b = mg.generate(50, 1).unwrap();
    let c = mg.generate(50, 2).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a[0], 1.2);
    assert!(MackeyGlass {
        tau: 0.5,
        ..MackeyGlass::default()
    }
    .generate(5, 0)
    .is_err());
}

/// NARMA-10 with the classic coefficients, by hand for a fixed input:
/// y(t) = 0 for t <= 9, y(10) = 1.5·u(0)·u(9) + 0.1,
/// y(11) = 0.3·y(10) + 0.05·y(10)·(y(10)) + 1.5·u(1)·u(10) + 0.1,
/// y(12) = 0.3·y(11) + 0.05·y(11)·(y(10) + y(11)) + 1.5·u(2)·u(11) + 0.1.
/// (reservoirpy's `narma(order=10, a1=0.3, a2=0.05, b=1.5, c=0.1)` would use u(t−10) and
/// y(t−10..t−1) instead, i.e. one step earlier.)
#[test]
fn narma10_first_values_by_hand() {
    let u: Vec<f64> = (0..14).map(|t| 0.05 + 0.03 * t as f64).collect();
    let y = Narma::default().response(&u).unwrap();
    for (t, v) in y.iter().enumerate().take(10) {
        assert_eq!(*v, 0.0, "y({t})");
    }
    let y10 = 1.5 * u[0] * u[9] + 0.1;
    let y11 = 0.3 * y10 + 0.05 * y10 * y10 + 1.5 * u[1] * u[10] + 0.1;
    let y12 = 0.3 * y11 + 0.05 * y11 * (y10 + y11) + 1.5 * u[2] * u[11] + 0.1;
    let y13 = 0.3 * y12 + 0.05 * y12 * (y10 + y11 + y12) + 1.5 * u[3] * u[12] + 0.1;
    // Numbers written out, so a change of definition cannot hide in shared arithmetic.
    assert!((y10 - 0.124).abs() < 1e-15);
    assert!((y[10] - y10).abs() < 1e-15);
    assert!((y[11] - y11).abs() < 1e-15);
    assert!((y[12] - y12).abs() < 1e-15);
    assert!((y[13] - y13).abs() < 1e-15);
}

/// NARMA-n, seeded inputs in U[0, 0.5], bounded response; NARMA-20 with saturation.
#[test]
fn narma_generate() {
    let (u, y) = Narma::default().generate(5000, 42).unwrap();
    assert_eq!(u.len(), 5000);
    assert!(u.iter().all(|&v| (0.0..=0.5).contains(&v)));
    let mean_u = u.iter().sum::<f64>() / 5000.0;
    assert!((mean_u - 0.25).abs() < 0.01, "{mean_u}");
    assert!(y.iter().all(|v| v.is_finite() && *v >= 0.0 && *v < 1.5));
    let (u2, _) = Narma::default().generate(5000, 42).unwrap();
    assert_eq!(u, u2);
    let p20 = Narma {
        order: 20,
        delta: 0.01,
        saturate: true,
        ..Narma::default()
    };
    let (_, y20) = p20.generate(3000, 1).unwrap();
    assert!(y20.iter().all(|v| v.abs() < 1.0));
    assert!(Narma {
        order: 0,
        ..Narma::default()
    }
    .generate(5, 0)
    .is_err());
}

/// Lorenz: the nontrivial equilibrium (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1) is fixed; RK4 agrees
/// with a 10× finer integration to 1e-4 over one time unit with fourth-order convergence; the attractor has its usual range.
#[test]
fn lorenz_rk4() {
    let p = Lorenz::default();
    let c = (p.beta * (p.rho - 1.0)).sqrt();
    let eq = Lorenz {
        x0: [c, c, p.rho - 1.0],
        ..p.clone()
    }
    .generate(100)
    .unwrap();
    for r in eq.rows() {
        assert!((r[0] - c).abs() < 1e-10 && (r[2] - 27.0).abs() < 1e-10);
    }
    let a = p.generate(51).unwrap();
    let fine = Lorenz {
        substeps: 40,
        ..p.clone()
    }
    .generate(51)
    .unwrap();
    let err = (&a - &fine).iter().map(|v| v.abs()).fold(0.0, f64::max);
    assert!(err < 1e-4, "{err}");
    let half = Lorenz {
        substeps: 8,
        ..p.clone()
    }
    .generate(51)
    .unwrap();
    let err2 = (&half - &fine).iter().map(|v| v.abs()).fold(0.0, f64::max);
    // Fourth order: halving the step divides the error by about 16.
    assert!(err2 < err / 10.0, "{err} {err2}");
    let long = p.generate(5000).unwrap();
    let zmax = long.column(2).iter().cloned().fold(f64::MIN, f64::max);
    let xmax = long.column(0).iter().cloned().fold(f64::MIN, f64::max);
    assert!(zmax > 40.0 && zmax < 50.0, "{zmax}");
    assert!(xmax > 15.0 && xmax < 22.0, "{xmax}");
}

#[test]
fn csv_reads_and_round_trips() {
    let ts = TimeSeries::parse_csv("t, x,y\n0,1.5,2\n\n1,-2e-3,3\n", "a.csv").unwrap();
    assert_eq!(ts.names, ["t", "x", "y"]);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts.column("x").unwrap().to_vec(), vec![1.5, -2e-3]);
    let mut buf = Vec::new();
    ts.write_csv(&mut buf).unwrap();
    let back = TimeSeries::parse_csv(std::str::from_utf8(&buf).unwrap(), "a.csv").unwrap();
    assert_eq!(back.data, ts.data);
}

#[test]
fn csv_errors_name_file_row_and_column() {
    let ts = TimeSeries::parse_csv("t,x\n0,1\n", "data/s.csv").unwrap();
    let e = ts.column("y").unwrap_err().to_string();
    assert!(
        e.contains("data/s.csv") && e.contains("`y`") && e.contains("`x`"),
        "{e}"
    );

    let e = TimeSeries::parse_csv("t,x\n0,1\n1,abc\n", "s.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("s.csv") && e.contains("row 3") && e.contains("`x`") && e.contains("abc"),
        "{e}"
    );

    let e = TimeSeries::parse_csv("t,x\n0,1\n1,NaN\n", "s.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("row 3") && e.contains("`x`") && e.contains("finite"),
        "{e}"
    );

    let e = TimeSeries::parse_csv("t,x\n0,1\n1\n", "s.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 3") && e.contains("2 fields"), "{e}");

    let e = TimeSeries::parse_csv("0,1\n", "s.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("header"), "{e}");
    let e = TimeSeries::parse_csv("", "s.csv").unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let e = TimeSeries::read_csv(std::path::Path::new("/nonexistent/q.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/q.csv"), "{e}");
}
