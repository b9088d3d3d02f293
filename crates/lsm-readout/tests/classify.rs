//! Ridge classifier and multinomial logistic regression.

mod common;

use common::{normal, to2};
use linfa::prelude::*;
use lsm_readout::{
    Folds, LogisticParams, LogisticRegression, ReadoutError, Ridge, RidgeClassifier,
    RidgeClassifierParams, RidgeParams, Scoring,
};
use ndarray::{array, Array1, Array2, Axis};

/// Gaussian blobs: class c centred at `sep * e_c` in the first k dims, plus noise dims.
fn blobs(n: usize, k: usize, p: usize, sep: f64, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut x = normal(n, p, seed);
    let labels: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % k).collect();
    for (i, &l) in labels.iter().enumerate() {
        x[[i, l]] += sep;
    }
    (x, labels)
}

fn accuracy(pred: &Array1<usize>, truth: &[usize]) -> f64 {
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

#[test]
fn ridge_classifier_separates_blobs_and_matches_zero_one_coding() {
    let (x, labels) = blobs(300, 4, 10, 4.0, 1);
    let params = RidgeClassifierParams::new().alpha(1.0).check().unwrap();
    let m =
        RidgeClassifier::fit_labels(x.view(), &labels, &params, &Folds::Groups(vec![])).unwrap();
    assert_eq!(m.n_classes, 4);
    let (xt, lt) = blobs(400, 4, 10, 4.0, 2);
    let pred = m.predict(xt.view()).unwrap();
    assert!(accuracy(&pred, &lt) > 0.95, "{}", accuracy(&pred, &lt));
    assert_eq!(m.predict_one(xt.row(3)).unwrap(), pred[3]);
    // 0/1 coding gives the same argmax (documented claim)
    let mut y01 = Array2::zeros((300, 4));
    for (i, &l) in labels.iter().enumerate() {
        y01[[i, l]] = 1.0;
    }
    let r01 = Ridge::fit_matrix(x.view(), y01.view(), &params.ridge).unwrap();
    let s01 = r01.predict(xt.view()).unwrap();
    let s = m.decision_function(xt.view()).unwrap();
    // exact affine relation: s = 2 s01 − 1
    assert!((&s - &(s01 * 2.0 - 1.0)).iter().all(|v| v.abs() < 1e-9));
}

#[test]
fn ridge_classifier_cv_by_accuracy_with_grouped_folds() {
    let (x, labels) = blobs(120, 3, 40, 3.0, 3);
    let speakers: Vec<usize> = (0..120).map(|i| i % 4).collect();
    let params = RidgeClassifierParams::new()
        .alpha_grid(vec![0.01, 1.0, 100.0, 1e4, 1e6])
        .check()
        .unwrap();
    let m =
        RidgeClassifier::fit_labels(x.view(), &labels, &params, &Folds::Groups(speakers)).unwrap();
    let cv = m.ridge.cv.as_ref().unwrap();
    assert_eq!(cv.scoring, Scoring::Accuracy);
    assert_eq!(cv.fold_sizes, vec![30; 4]);
    assert!(cv.scores.iter().all(|&a| (0.0..=1.0).contains(&a)));
    assert!(cv.scores[cv.best_index] >= cv.scores.iter().cloned().fold(0.0, f64::max));
    assert!(cv.scores[cv.best_index] > 0.8);
    assert_eq!(m.ridge.alpha, cv.best_alpha);
}

#[test]
fn classifiers_work_through_linfa_fit_and_predict() {
    let (x, labels) = blobs(90, 3, 5, 4.0, 4);
    let ds = Dataset::new(x.clone(), Array1::from(labels.clone()));
    let rc = RidgeClassifierParams::new()
        .alpha_grid(vec![0.1, 10.0])
        .n_folds(3)
        .fit(&ds)
        .unwrap();
    let p: Array1<usize> = Predict::predict(&rc, &x);
    assert!(accuracy(&p, &labels) > 0.9);
    let lr = LogisticParams::new().alpha(0.1).fit(&ds).unwrap();
    let p: Array1<usize> = Predict::predict(&lr, &x);
    assert!(accuracy(&p, &labels) > 0.9);
    let proba: Array2<f64> = Predict::predict(&lr, &x);
    assert_eq!(proba.dim(), (90, 3));
}

#[derive(serde::Deserialize)]
struct SkFixture {
    alpha: f64,
    x: Vec<Vec<f64>>,
    labels: Vec<usize>,
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
    proba: Vec<Vec<f64>>,
}

#[test]
fn logistic_matches_scikit_learn_multinomial() {
    let f: SkFixture =
        serde_json::from_str(include_str!("fixtures/logistic_sklearn.json")).unwrap();
    let x = to2(&f.x);
    let params = LogisticParams::new()
        .alpha(f.alpha)
        .standardize(false)
        .tol(1e-10)
        .check()
        .unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &f.labels, &params).unwrap();
    assert!(m.converged, "not converged after {} iterations", m.n_iter);
    let coef = to2(&f.coef).reversed_axes(); // p × k
    let err = (&m.weights - &coef)
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(err < 1e-5, "weights differ by {err}");
    // intercepts agree up to the softmax's common shift
    let sk_b = Array1::from(f.intercept.clone());
    let d = &m.intercept - &sk_b;
    let dm = d.mean().unwrap();
    assert!(d.iter().all(|v| (v - dm).abs() < 1e-5), "{d}");
    let proba = m.predict_proba(x.view()).unwrap();
    let perr = (&proba - &to2(&f.proba))
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(perr < 1e-6, "probabilities differ by {perr}");
}

#[test]
fn logistic_solution_satisfies_the_optimality_conditions_with_standardisation() {
    // KKT in standardised units: Zᵀ(P − Y) + αB = 0 and 1ᵀ(P − Y) = 0.
    let (x0, labels) = blobs(150, 4, 6, 1.0, 5);
    let x = &x0 * &array![1.0, 10.0, 0.1, 3.0, 1.0, 100.0] + 50.0;
    let alpha = 3.0;
    let params = LogisticParams::new()
        .alpha(alpha)
        .tol(1e-9)
        .check()
        .unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    assert!(m.converged);
    let p = m.predict_proba(x.view()).unwrap();
    let mut r = p.clone();
    for (i, &l) in labels.iter().enumerate() {
        r[[i, l]] -= 1.0;
    }
    let z = (&x - &m.x_mean) / &m.x_scale;
    let b = &m.weights * &m.x_scale.view().insert_axis(Axis(1));
    let g = z.t().dot(&r) + &b * alpha;
    assert!(g.iter().all(|v| v.abs() < 1e-5), "{g}");
    assert!(r.sum_axis(Axis(0)).iter().all(|v| v.abs() < 1e-5));
    // probabilities: in (0, 1), rows sum to 1
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        assert!(row.iter().all(|&v| v > 0.0 && v < 1.0));
    }
    let one = m.predict_proba_one(x.row(7)).unwrap();
    assert!((&one - &p.row(7)).iter().all(|v| v.abs() < 1e-12));
}

#[test]
fn logistic_probabilities_are_calibrated_on_a_true_softmax_model() {
    let (n, p, k) = (6000, 3, 3);
    let x = normal(n, p, 6);
    let w = array![[1.5, -1.0, 0.0], [0.0, 1.0, -1.0], [0.5, 0.5, 0.5]];
    let s = x.dot(&w);
    let mut truth = s.clone();
    for mut r in truth.rows_mut() {
        let m = r.fold(f64::MIN, |a, &v| a.max(v));
        r.mapv_inplace(|v| (v - m).exp());
        let t = r.sum();
        r /= t;
    }
    // sample labels by inverse CDF with a fixed uniform stream
    let u = normal(n, 1, 7).mapv(|v| 0.5 * (1.0 + libm_erf(v / 2f64.sqrt())));
    let labels: Vec<usize> = (0..n)
        .map(|i| {
            let mut c = 0.0;
            for j in 0..k {
                c += truth[[i, j]];
                if u[[i, 0]] < c {
                    return j;
                }
            }
            k - 1
        })
        .collect();
    let params = LogisticParams::new().alpha(1e-3).check().unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    let proba = m.predict_proba(x.view()).unwrap();
    let mae = (&proba - &truth).mapv(f64::abs).mean().unwrap();
    assert!(mae < 0.02, "mean |p − p_true| = {mae}");
}

/// erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough to make uniforms.
fn libm_erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    y.copysign(x)
}

#[test]
fn logistic_on_separable_data_classifies_training_set_perfectly() {
    let (x, labels) = blobs(120, 3, 4, 8.0, 8);
    let params = LogisticParams::new().alpha(1e-2).check().unwrap();
    let m = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    assert_eq!(accuracy(&m.predict(x.view()).unwrap(), &labels), 1.0);
    let json = serde_json::to_string(&m).unwrap();
    let back: LogisticRegression = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
}

#[test]
fn classifier_bad_inputs_give_clear_errors() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let lp = LogisticParams::new().n_classes(2).check().unwrap();
    let e = LogisticRegression::fit_labels(x.view(), &[0, 1, 2], &lp).unwrap_err();
    assert!(matches!(e, ReadoutError::Labels(_)), "{e}");
    assert!(e.to_string().contains("label 2 of sample 2"), "{e}");
    let e = LogisticRegression::fit_labels(
        x.view(),
        &[0, 0, 0],
        &LogisticParams::new().check().unwrap(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("at least 2 classes"), "{e}");
    let e = LogisticRegression::fit_labels(x.view(), &[0, 1], &lp).unwrap_err();
    assert!(matches!(e, ReadoutError::DimensionMismatch { .. }), "{e}");
    let xn = array![[0.0, 1.0], [1.0, f64::INFINITY], [1.0, 1.0]];
    let e = LogisticRegression::fit_labels(xn.view(), &[0, 1, 0], &lp).unwrap_err();
    assert!(
        matches!(e, ReadoutError::NonFinite { row: 1, col: 1, .. }),
        "{e}"
    );
    let rp = RidgeClassifierParams::new().check().unwrap();
    let e = RidgeClassifier::fit_labels(xn.view(), &[0, 1, 0], &rp, &Folds::Groups(vec![]))
        .unwrap_err();
    assert!(matches!(e, ReadoutError::NonFinite { .. }), "{e}");
    let e = RidgeClassifier::fit_labels(
        x.view(),
        &[0, 5, 1],
        &RidgeClassifierParams::new().n_classes(3).check().unwrap(),
        &Folds::Groups(vec![]),
    )
    .unwrap_err();
    assert!(matches!(e, ReadoutError::Labels(_)), "{e}");
    assert!(LogisticParams::new().tol(0.0).check().is_err());
    assert!(LogisticParams::new().alpha(-1.0).check().is_err());
    assert!(RidgeClassifierParams::new().n_classes(1).check().is_err());
    let m = LogisticRegression::fit_labels(x.view(), &[0, 1, 1], &lp).unwrap();
    assert!(m.predict_proba(array![[1.0]].view()).is_err());
    let _ = RidgeParams::new();
}
