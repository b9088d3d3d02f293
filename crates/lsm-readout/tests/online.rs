//! Online readouts (RLS, LMS): reservoirpy's passes, the ridge limit of RLS, bad input.

mod common;

use common::{linear, max_abs_diff, to2};
use lsm_readout::{OnlineBias, OnlineReadout, OnlineRule, ReadoutError, Ridge, RidgeParams};
use ndarray::{concatenate, Array2, Axis};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    kind: String,
    alpha: Option<f64>,
    forgetting: Option<f64>,
    learning_rate: Option<f64>,
    fit_bias: bool,
    outputs: Vec<Vec<f64>>,
    wout: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

#[derive(Deserialize)]
struct Fixture {
    x: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    cases: Vec<Case>,
}

fn bias(fit: bool) -> OnlineBias {
    if fit {
        OnlineBias::Reservoirpy
    } else {
        OnlineBias::None
    }
}

/// Every case of the fixture: reservoirpy's per-step outputs of the learning pass (the new
/// weights with the bias before the step, as `partial_fit` returns them) and the final
/// weights and bias, within floating-point tolerance.
#[test]
fn rls_and_lms_match_reservoirpy_step_by_step() {
    let f: Fixture =
        serde_json::from_str(include_str!("fixtures/online_reservoirpy.json")).unwrap();
    let (x, y) = (to2(&f.x), to2(&f.y));
    assert_eq!(f.cases.len(), 5);
    for c in &f.cases {
        let rule = match c.kind.as_str() {
            "rls" => OnlineRule::Rls {
                alpha: c.alpha.unwrap(),
                forgetting: c.forgetting.unwrap(),
            },
            _ => OnlineRule::Lms {
                learning_rate: c.learning_rate.unwrap(),
            },
        };
        let mut r = OnlineReadout::new(rule, bias(c.fit_bias), x.ncols(), y.ncols()).unwrap();
        let mut out = vec![0.0; y.ncols()];
        let mut worst = 0.0f64;
        for (t, (xr, yr)) in x.rows().into_iter().zip(y.rows()).enumerate() {
            let b_old = r.bias().to_owned();
            r.learn(xr.as_slice().unwrap(), yr.as_slice().unwrap())
                .unwrap();
            r.predict_into(xr.as_slice().unwrap(), &mut out);
            for (j, o) in out.iter().enumerate() {
                let mine = o - r.bias()[j] + b_old[j];
                let err = (mine - c.outputs[t][j]).abs() / (1.0 + c.outputs[t][j].abs());
                worst = worst.max(err);
            }
        }
        assert!(
            worst < 1e-9,
            "{}: per-step outputs differ by {worst:e}",
            c.name
        );
        let ridge = r.to_ridge().unwrap();
        let w = to2(&c.wout);
        let dw =
            max_abs_diff(&ridge.weights, &w) / (1.0 + w.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        assert!(dw < 1e-9, "{}: weights differ by {dw:e}", c.name);
        for (a, b) in ridge.intercept.iter().zip(&c.bias) {
            assert!(
                (a - b).abs() < 1e-9 * (1.0 + b.abs()),
                "{}: bias {a} vs {b}",
                c.name
            );
        }
        assert_eq!(r.n_steps(), x.nrows());
        // The Ridge form predicts what the readout predicts.
        let p = ridge.predict(x.view()).unwrap();
        r.predict_into(x.row(3).as_slice().unwrap(), &mut out);
        for (a, b) in p.row(3).iter().zip(&out) {
            assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()));
        }
    }
}

fn no_intercept(alpha: f64) -> lsm_readout::RidgeValidParams {
    RidgeParams::new()
        .alpha(alpha)
        .fit_intercept(false)
        .standardize(false)
        .check()
        .unwrap()
}

/// RLS with forgetting 1, no bias and P₀ = I/α is ridge with penalty α and no intercept:
/// after every prefix of the data, not only asymptotically.
#[test]
fn rls_without_forgetting_is_the_ridge_solution() {
    let d = linear(120, 6, 2, 0.5, 7);
    let alpha = 3.0;
    let mut r = OnlineReadout::new(
        OnlineRule::Rls {
            alpha,
            forgetting: 1.0,
        },
        OnlineBias::None,
        6,
        2,
    )
    .unwrap();
    for (t, (xr, yr)) in d.x.rows().into_iter().zip(d.y.rows()).enumerate() {
        r.learn(xr.as_slice().unwrap(), yr.as_slice().unwrap())
            .unwrap();
        if [5, 30, 119].contains(&t) {
            let params = no_intercept(alpha);
            let n = t + 1;
            let ridge = Ridge::fit_matrix(
                d.x.slice(ndarray::s![..n, ..]),
                d.y.slice(ndarray::s![..n, ..]),
                &params,
            )
            .unwrap();
            let online = r.to_ridge().unwrap();
            let scale = ridge.weights.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = max_abs_diff(&online.weights, &ridge.weights);
            assert!(diff < 1e-8 * scale, "after {n} samples: {diff:e}");
        }
    }
    // With the bias learned as a constant feature inside P, the pass is ridge on [x; 1]
    // with the bias penalised like any weight.
    let ones = Array2::ones((d.x.nrows(), 1));
    let xb = concatenate![Axis(1), d.x, ones];
    let mut r = OnlineReadout::new(
        OnlineRule::Rls {
            alpha,
            forgetting: 1.0,
        },
        OnlineBias::Feature,
        6,
        2,
    )
    .unwrap();
    for (xr, yr) in d.x.rows().into_iter().zip(d.y.rows()) {
        r.learn(&xr.to_vec(), &yr.to_vec()).unwrap();
    }
    let params = no_intercept(alpha);
    let ridge = Ridge::fit_matrix(xb.view(), d.y.view(), &params).unwrap();
    let online = r.to_ridge().unwrap();
    assert_eq!(online.n_features(), 6);
    let scale = ridge.weights.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let w = ridge.weights.slice(ndarray::s![..6, ..]).to_owned();
    assert!(max_abs_diff(&online.weights, &w) < 1e-8 * scale);
    for j in 0..2 {
        let b = ridge.weights[[6, j]];
        assert!((online.intercept[j] - b).abs() < 1e-8 * scale, "{j}");
    }
    let p = online.predict(d.x.view()).unwrap();
    assert!(max_abs_diff(&p, &ridge.predict(xb.view()).unwrap()) < 1e-8 * scale);
}

/// A forgetting factor < 1 tracks a change of the target mapping; forgetting 1 averages
/// the two regimes.
#[test]
fn forgetting_tracks_a_changed_mapping() {
    let d = linear(400, 3, 1, 0.0, 3);
    let w2 = -&d.w;
    let fit = |forgetting: f64| {
        let mut r = OnlineReadout::new(
            OnlineRule::Rls {
                alpha: 1e-3,
                forgetting,
            },
            OnlineBias::None,
            3,
            1,
        )
        .unwrap();
        for (t, xr) in d.x.rows().into_iter().enumerate() {
            let w = if t < 200 { &d.w } else { &w2 };
            let y = xr.dot(w);
            r.learn(&xr.to_vec(), &y.to_vec()).unwrap();
        }
        max_abs_diff(&r.to_ridge().unwrap().weights, &w2)
    };
    // The first regime weighs 0.95^200 ≈ 4e-5 of the second at the end.
    assert!(fit(0.95) < 1e-3, "{}", fit(0.95));
    assert!(fit(1.0) > 0.1, "{}", fit(1.0));
}

/// LMS with a small enough rate converges to the noiseless mapping and its bias.
#[test]
fn lms_converges_on_a_noiseless_linear_map() {
    let x = common::normal(3000, 4, 11);
    let w = common::normal(4, 1, 12);
    let y = x.dot(&w) + 0.8;
    let mut r = OnlineReadout::new(
        OnlineRule::Lms {
            learning_rate: 0.02,
        },
        OnlineBias::Reservoirpy,
        4,
        1,
    )
    .unwrap();
    for (xr, yr) in x.rows().into_iter().zip(y.rows()) {
        r.learn(&xr.to_vec(), &yr.to_vec()).unwrap();
    }
    let m = r.to_ridge().unwrap();
    assert!(max_abs_diff(&m.weights, &w) < 1e-6);
    assert!((m.intercept[0] - 0.8).abs() < 1e-6);
}

#[test]
fn bad_parameters_and_input_are_errors() {
    let bad = [
        (
            OnlineRule::Rls {
                alpha: 0.0,
                forgetting: 1.0,
            },
            "alpha",
        ),
        (
            OnlineRule::Rls {
                alpha: 1.0,
                forgetting: 1.5,
            },
            "forgetting",
        ),
        (
            OnlineRule::Rls {
                alpha: 1.0,
                forgetting: 0.0,
            },
            "forgetting",
        ),
        (
            OnlineRule::Lms {
                learning_rate: f64::NAN,
            },
            "learning_rate",
        ),
    ];
    for (rule, field) in bad {
        match OnlineReadout::new(rule, OnlineBias::Reservoirpy, 2, 1) {
            Err(ReadoutError::InvalidParam { name, .. }) => assert_eq!(name, field),
            other => panic!("{rule:?}: {other:?}"),
        }
    }
    let rule = OnlineRule::Lms {
        learning_rate: 1e-3,
    };
    let mut r = OnlineReadout::new(rule, OnlineBias::Reservoirpy, 2, 1).unwrap();
    assert!(matches!(
        r.to_ridge(),
        Err(ReadoutError::NotEnoughSamples(_))
    ));
    assert!(matches!(
        r.learn(&[1.0], &[0.0]),
        Err(ReadoutError::DimensionMismatch { .. })
    ));
    r.learn(&[1.0, 2.0], &[0.5]).unwrap();
    match r.learn(&[1.0, f64::NAN], &[0.0]) {
        Err(ReadoutError::NonFinite { row, col, .. }) => assert_eq!((row, col), (1, 1)),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.n_steps(), 1);
    // A rate far too large diverges: an error naming the rate's remedy, not a NaN model.
    let mut r = OnlineReadout::new(
        OnlineRule::Lms {
            learning_rate: 10.0,
        },
        OnlineBias::Reservoirpy,
        2,
        1,
    )
    .unwrap();
    for t in 0..2000 {
        let x = [(t as f64).sin() * 3.0, 2.0];
        r.learn(&x, &[1.0]).unwrap();
    }
    match r.to_ridge() {
        Err(e @ ReadoutError::NonFiniteResult { .. }) => {
            assert!(e.to_string().contains("smaller learning rate"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
