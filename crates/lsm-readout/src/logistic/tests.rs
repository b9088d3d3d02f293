//! Unit tests of [`super`] (logistic.rs).

use super::*;

#[test]
fn gradient_matches_finite_differences() {
    let z = Array2::from_shape_fn((23, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
    let labels: Vec<usize> = (0..23).map(|i| i % 3).collect();
    for &fi in &[true, false] {
        let obj = Objective::new(z.view(), &labels, 3, 0.7, fi);
        let theta = Array1::from_shape_fn(obj.n_params(), |i| ((i * 13) % 7) as f64 / 7.0 - 0.4);
        let (_, g) = obj.eval(&theta);
        let h = 1e-6;
        for i in 0..obj.n_params() {
            let mut tp = theta.clone();
            tp[i] += h;
            let mut tm = theta.clone();
            tm[i] -= h;
            let fd = (obj.eval(&tp).0 - obj.eval(&tm).0) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-7, "param {i}: fd {fd} vs {}", g[i]);
        }
    }
}

#[test]
fn lower_triangular_products_equal_dense_ones() {
    // 600 rows: three row blocks, so the skipped upper parts differ per block.
    let n = 600;
    let z = Array2::from_shape_fn((n, n), |(i, j)| {
        if j <= i {
            ((i * 31 + j * 17) % 23) as f64 / 11.0 - 1.0
        } else {
            0.0
        }
    });
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 5).collect();
    let dense = Objective::new(z.view(), &labels, 5, 2.0, true);
    let tri = Objective::new(z.view(), &labels, 5, 2.0, true).lower_triangular();
    let theta = Array1::from_shape_fn(dense.n_params(), |i| ((i * 13) % 7) as f64 / 70.0);
    let ((ld, gd), (lt, gt)) = (dense.eval(&theta), tri.eval(&theta));
    assert!((ld - lt).abs() <= 1e-12 * ld.abs(), "{ld} vs {lt}");
    let err = (&gd - &gt).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
    assert!(err < 1e-12, "gradient differs by {err}");
}

#[test]
fn kernel_form_gives_the_primal_model() {
    // n = 40 samples, p = 90 features (n < p: the kernel path), 4 classes, features with
    // different scales and offsets so that the standardisation matters.
    let (n, p) = (40, 90);
    let x = Array2::from_shape_fn((n, p), |(i, j)| {
        let h = ((i * 2654435761 + j * 40503) % 1000) as f64 / 1000.0 - 0.5;
        (1.0 + j as f64 * 0.1) * h + j as f64 + if j % 7 == (i % 4) { 1.0 } else { 0.0 }
    });
    let labels: Vec<usize> = (0..n).map(|i| i % 4).collect();
    for &(alpha, fi) in &[(1.0, true), (10.0, true), (3.0, false)] {
        let params = LogisticValidParams {
            alpha,
            fit_intercept: fi,
            tol: 1e-10,
            max_iter: 5000,
            ..Default::default()
        };
        let primal = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
        let dual = LogisticRegression::fit_labels_kernel(x.view(), &labels, &params).unwrap();
        assert!(dual.converged, "alpha {alpha}: {} iterations", dual.n_iter);
        let (pp, pd) = (
            primal.predict_proba(x.view()).unwrap(),
            dual.predict_proba(x.view()).unwrap(),
        );
        let err = (&pp - &pd).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        assert!(
            err < 1e-6,
            "alpha {alpha}, intercept {fi}: max |Δp| = {err}"
        );
        assert!((primal.loss - dual.loss).abs() < 1e-9 * primal.loss.max(1.0));
        let werr = (&primal.weights - &dual.weights)
            .mapv(f64::abs)
            .fold(0.0f64, |m, &v| m.max(v));
        let wmax = primal.weights.mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        assert!(werr < 1e-5 * wmax, "weights differ by {werr} (max {wmax})");
    }
}

/// Found by the spike-pattern sweep: a silent reservoir (every feature zero) and repeated
/// identical samples made the kernel singular and the fit an error. The fit now gives the
/// primal model: with zero features, the class prior.
#[test]
fn a_singular_kernel_falls_back_to_the_primal_fit() {
    let (n, p) = (12, 30);
    let labels: Vec<usize> = (0..n).map(|i| usize::from(i < 4)).collect();
    let params = LogisticValidParams {
        alpha: 3.0,
        tol: 1e-10,
        max_iter: 5000,
        ..Default::default()
    };
    let zeros = Array2::<f64>::zeros((n, p));
    let m = LogisticRegression::fit_labels_kernel(zeros.view(), &labels, &params).unwrap();
    let prob = m.predict_proba(zeros.view()).unwrap();
    // The prior: 8 of class 0, 4 of class 1.
    assert!((prob[[0, 0]] - 8.0 / 12.0).abs() < 1e-6, "{prob:?}");
    // Two distinct patterns, each repeated (rank 2): the same model as the primal fit,
    // whichever path solved it.
    let x = Array2::from_shape_fn((n, p), |(i, j)| {
        if (i < 4) == (j % 2 == 0) {
            1.0 + j as f64
        } else {
            0.0
        }
    });
    let dual = LogisticRegression::fit_labels_kernel(x.view(), &labels, &params).unwrap();
    let primal = LogisticRegression::fit_labels(x.view(), &labels, &params).unwrap();
    let (pp, pd) = (
        primal.predict_proba(x.view()).unwrap(),
        dual.predict_proba(x.view()).unwrap(),
    );
    let err = (&pp - &pd).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
    assert!(err < 1e-6, "max |Δp| = {err}");
}
