//! Fits and predictions never return NaN or infinite numbers: a parameter or data out of the
//! floating-point range gives `ReadoutError::NonFiniteResult` naming the value.

use lsm_readout::{
    LogisticParams, LogisticRegression, ReadoutError, Ridge, RidgeParams, RidgeValidParams,
};
use ndarray::{array, Array2};

/// Four samples of two separable classes in two features.
fn two_classes() -> (Array2<f64>, Vec<usize>) {
    (
        array![[0.0, 1.0], [0.2, 0.9], [1.0, 0.1], [0.9, 0.0]],
        vec![0, 0, 1, 1],
    )
}

fn assert_finite(a: &Array2<f64>, what: &str) {
    assert!(a.iter().all(|v| v.is_finite()), "{what}: {a:?}");
}

#[test]
fn logistic_with_a_huge_penalty_errs_or_stays_finite() {
    let (x, labels) = two_classes();
    let params = LogisticParams::new().alpha(1e308).check().unwrap();
    for kernel in [false, true] {
        let fit = if kernel {
            LogisticRegression::fit_labels_kernel(x.view(), &labels, &params)
        } else {
            LogisticRegression::fit_labels(x.view(), &labels, &params)
        };
        match fit {
            Ok(m) => {
                assert_finite(&m.weights, "weights");
                assert_finite(&m.predict_proba(x.view()).unwrap(), "probabilities");
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    matches!(e, ReadoutError::NonFiniteResult { .. }),
                    "unexpected error: {msg}"
                );
                assert!(msg.contains("alpha = 1e308"), "{msg}");
            }
        }
    }
}

#[test]
fn ridge_on_features_that_overflow_the_gram_matrix_is_an_error_not_nan() {
    // Finite features whose squares overflow: the normal equations are infinite.
    let x = array![[1e200, 1.0], [-1e200, 2.0], [3e200, 0.5], [2e200, 1.5]];
    let y = array![[1.0], [0.0], [1.0], [0.5]];
    let params = RidgeParams::new()
        .alpha(1.0)
        .standardize(false)
        .check()
        .unwrap();
    let e = Ridge::fit_matrix(x.view(), y.view(), &params).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ReadoutError::NonFiniteResult { .. }), "{msg}");
    assert!(msg.contains("rescale the features"), "{msg}");
    // Standardising does not help: the variance itself overflows. Same error, primal
    // (n >= p) and dual (n < p) forms.
    let params = RidgeValidParams {
        standardize: true,
        ..params
    };
    let wide = array![[1e200, 1.0, 0.0], [-1e200, 2.0, 1.0]];
    let y2 = array![[1.0], [0.0]];
    for (x, y) in [(x.view(), y.view()), (wide.view(), y2.view())] {
        let e = Ridge::fit_matrix(x, y, &params).unwrap_err();
        assert!(matches!(e, ReadoutError::NonFiniteResult { .. }), "{e}");
    }
}

#[test]
fn ridge_prediction_that_overflows_is_an_error_naming_the_sample() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]];
    let y = array![[1.0], [2.0], [3.0], [5.0]];
    let params = RidgeParams::new().alpha(1e-3).check().unwrap();
    let m = Ridge::fit_matrix(x.view(), y.view(), &params).unwrap();
    assert_finite(&m.predict(x.view()).unwrap(), "training predictions");
    // Both weights are about 2 and 1: f64::MAX in both features overflows the sum.
    let big = array![[1.0, 1.0], [f64::MAX, f64::MAX]];
    let e = m.predict(big.view()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ReadoutError::NonFiniteResult { .. }), "{msg}");
    assert!(msg.contains("sample 1"), "{msg}");
    let e = m.predict_one(big.row(1)).unwrap_err();
    assert!(matches!(e, ReadoutError::NonFiniteResult { .. }), "{e}");
}

#[test]
fn logistic_scores_that_overflow_are_an_error_not_nan_probabilities() {
    let (x, labels) = two_classes();
    let params = LogisticParams::new().alpha(1.0).check().unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    let big = array![[f64::MAX, -f64::MAX]];
    for r in [
        m.predict_proba(big.view()).map(|_| ()),
        m.decision_function(big.view()).map(|_| ()),
        m.predict_proba_one(big.row(0)).map(|_| ()),
    ] {
        let e = r.unwrap_err();
        assert!(matches!(e, ReadoutError::NonFiniteResult { .. }), "{e}");
    }
}

#[test]
fn logistic_with_a_huge_tolerance_stops_at_the_start_with_finite_uniform_probabilities() {
    let (x, labels) = two_classes();
    let params = LogisticParams::new().tol(1e300).check().unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    let p = m.predict_proba(x.view()).unwrap();
    assert_finite(&p, "probabilities");
    // Stopped before any step: every probability is 1/2.
    assert!(p.iter().all(|v| (v - 0.5).abs() < 1e-12), "{p:?}");
}
