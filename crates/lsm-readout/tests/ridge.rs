//! Ridge regression: reference solutions, numerical soundness, cross-validation, errors.

mod common;

use common::{linear, max_abs_diff, normal};
use linfa::prelude::*;
use lsm_readout::{
    cross_validate_alpha, FoldedGram, Folds, GramAccumulator, ReadoutError, Ridge, RidgeParams,
    RidgeValidParams, Scoring,
};
use ndarray::{array, s, Array1, Array2, Axis};
use ndarray_linalg::Solve;

fn params(alpha: f64) -> RidgeValidParams {
    RidgeParams::new().alpha(alpha).check().unwrap()
}

#[test]
fn alpha_zero_matches_linfa_linear_ols_per_output() {
    let d = linear(120, 6, 3, 0.5, 1);
    let mut acc = GramAccumulator::new(6, 3);
    acc.add_batch(d.x.view(), d.y.view()).unwrap();
    let ridge = acc.solve(&params(0.0)).unwrap();
    for j in 0..3 {
        let ds = Dataset::new(d.x.clone(), d.y.column(j).to_owned());
        let ols = linfa_linear::LinearRegression::new().fit(&ds).unwrap();
        for i in 0..6 {
            let (a, b) = (ridge.weights[[i, j]], ols.params()[i]);
            assert!(
                (a - b).abs() < 1e-8 * (1.0 + b.abs()),
                "w[{i},{j}] {a} vs {b}"
            );
        }
        let (a, b) = (ridge.intercept[j], ols.intercept());
        assert!((a - b).abs() < 1e-7 * (1.0 + b.abs()), "b[{j}] {a} vs {b}");
    }
}

/// Direct solve of `(ZᵀZ + αI) B = ZᵀY_c` on explicitly standardised data (LU, not Cholesky).
fn direct(x: &Array2<f64>, y: &Array2<f64>, alpha: f64) -> (Array2<f64>, Array1<f64>) {
    let mu = x.mean_axis(Axis(0)).unwrap();
    let sd = x.std_axis(Axis(0), 0.0);
    let z = (x - &mu) / &sd;
    let ym = y.mean_axis(Axis(0)).unwrap();
    let yc = y - &ym;
    let mut g = z.t().dot(&z);
    g.diag_mut().mapv_inplace(|v| v + alpha);
    let rhs = z.t().dot(&yc);
    let mut w = Array2::zeros(rhs.raw_dim());
    for j in 0..rhs.ncols() {
        let b = g.solve(&rhs.column(j).to_owned()).unwrap();
        w.column_mut(j).assign(&(&b / &sd));
    }
    let b = &ym - &w.t().dot(&mu);
    (w, b)
}

#[test]
fn closed_form_matches_direct_solve_in_primal_dual_and_streaming_forms() {
    for &(n, p) in &[(80usize, 20usize), (25, 60)] {
        let d = linear(n, p, 2, 1.0, 7);
        let (w, b) = direct(&d.x, &d.y, 3.0);
        // dense (primal if n >= p, dual if n < p)
        let m = Ridge::fit_matrix(d.x.view(), d.y.view(), &params(3.0)).unwrap();
        assert!(max_abs_diff(&m.weights, &w) < 1e-9, "dense n={n} p={p}");
        assert!((&m.intercept - &b).iter().all(|v| v.abs() < 1e-8));
        // streaming, one sample at a time
        let mut acc = GramAccumulator::new(p, 2);
        for (xr, yr) in d.x.rows().into_iter().zip(d.y.rows()) {
            acc.add(xr, yr).unwrap();
        }
        let m2 = acc.solve(&params(3.0)).unwrap();
        assert!(max_abs_diff(&m2.weights, &w) < 1e-9, "stream n={n} p={p}");
        assert!((&m2.intercept - &b).iter().all(|v| v.abs() < 1e-8));
    }
}

#[test]
fn eigen_path_matches_cholesky_for_each_alpha() {
    let d = linear(60, 15, 2, 1.0, 3);
    let mut acc = GramAccumulator::new(15, 2);
    acc.add_batch(d.x.view(), d.y.view()).unwrap();
    // 12 values: above the threshold from which the eigendecomposition path is used
    let alphas: Vec<f64> = (0..12).map(|i| 10f64.powf(-2.0 + 0.5 * i as f64)).collect();
    let path = acc.solve_path(&params(1.0), &alphas).unwrap();
    assert_eq!(path.len(), 12);
    for (m, &a) in path.iter().zip(&alphas) {
        let one = acc.solve(&params(a)).unwrap();
        assert!(max_abs_diff(&m.weights, &one.weights) < 1e-9, "alpha {a}");
        assert_eq!(m.alpha, a);
    }
}

#[test]
fn standardisation_makes_the_fit_invariant_to_feature_scale_and_offset() {
    let d = linear(50, 8, 1, 1.0, 11);
    let m1 = Ridge::fit_matrix(d.x.view(), d.y.view(), &params(5.0)).unwrap();
    let scale = Array1::from_shape_fn(8, |j| 10f64.powi(j as i32 - 4));
    let offset = Array1::from_shape_fn(8, |j| 1e3 * j as f64);
    let x2 = &d.x * &scale + &offset;
    let m2 = Ridge::fit_matrix(x2.view(), d.y.view(), &params(5.0)).unwrap();
    let p1 = m1.predict(d.x.view()).unwrap();
    let p2 = m2.predict(x2.view()).unwrap();
    assert!(max_abs_diff(&p1, &p2) < 1e-8);
    // Without standardisation the penalty depends on the scale: predictions differ.
    let raw = RidgeParams::new()
        .alpha(5.0)
        .standardize(false)
        .check()
        .unwrap();
    let r1 = Ridge::fit_matrix(d.x.view(), d.y.view(), &raw).unwrap();
    let r2 = Ridge::fit_matrix(x2.view(), d.y.view(), &raw).unwrap();
    let q1 = r1.predict(d.x.view()).unwrap();
    let q2 = r2.predict(x2.view()).unwrap();
    assert!(max_abs_diff(&q1, &q2) > 1e-3);
}

#[test]
fn large_feature_offsets_do_not_lose_precision() {
    // Features around 1e7 with unit spread: raw Σxxᵀ − nμμᵀ would cancel ~14 digits.
    let d = linear(200, 4, 1, 0.1, 5);
    let shifted = &d.x + 1e7;
    let mut a = GramAccumulator::new(4, 1);
    a.add_batch(d.x.view(), d.y.view()).unwrap();
    let mut b = GramAccumulator::new(4, 1);
    for (xr, yr) in shifted.rows().into_iter().zip(d.y.rows()) {
        b.add(xr, yr).unwrap();
    }
    let (ma, mb) = (
        a.solve(&params(0.0)).unwrap(),
        b.solve(&params(0.0)).unwrap(),
    );
    assert!(
        max_abs_diff(&ma.weights, &mb.weights) < 1e-6,
        "{} vs {}",
        ma.weights,
        mb.weights
    );
}

#[test]
fn merged_accumulators_equal_one_shot() {
    let d = linear(300, 10, 2, 1.0, 21);
    let mut one = GramAccumulator::new(10, 2);
    one.add_batch(d.x.view(), d.y.view()).unwrap();
    // three parts: single adds (partly buffered), a batch, and a part with a different shift
    let mut p1 = GramAccumulator::new(10, 2);
    for i in 0..70 {
        p1.add(d.x.row(i), d.y.row(i)).unwrap();
    }
    let mut p2 = GramAccumulator::new(10, 2);
    p2.add_batch(d.x.slice(s![70..200, ..]), d.y.slice(s![70..200, ..]))
        .unwrap();
    let mut p3 = GramAccumulator::new(10, 2);
    for i in 200..300 {
        p3.add(d.x.row(i), d.y.row(i)).unwrap();
    }
    p3.flush();
    let mut merged = GramAccumulator::new(10, 2);
    merged.merge(&p2).unwrap();
    merged.merge(&p1).unwrap();
    merged.merge(&p3).unwrap();
    assert_eq!(merged.n_samples(), 300);
    let ma = one.solve(&params(0.5)).unwrap();
    let mb = merged.solve(&params(0.5)).unwrap();
    assert!(max_abs_diff(&ma.weights, &mb.weights) < 1e-10);
    assert!((&ma.intercept - &mb.intercept)
        .iter()
        .all(|v| v.abs() < 1e-10));
    let (xa, xb) = (one.x_mean().unwrap(), merged.x_mean().unwrap());
    assert!((&xa - &xb).iter().all(|v| v.abs() < 1e-12));
}

#[test]
fn folded_gram_cv_equals_dense_cv_with_the_same_folds() {
    let d = linear(90, 12, 2, 2.0, 8);
    let folds = Folds::KFold {
        n_folds: 4,
        seed: 3,
    };
    let ids = folds.fold_ids(90).unwrap();
    let p = RidgeParams::new()
        .alpha_grid(vec![0.1, 1.0, 10.0, 100.0, 1000.0])
        .check()
        .unwrap();
    let dense = cross_validate_alpha(d.x.view(), d.y.view(), &p, &folds, Scoring::Mse).unwrap();
    let mut fg = FoldedGram::new(4, 12, 2);
    for (i, &f) in ids.iter().enumerate() {
        fg.add(f, d.x.row(i), d.y.row(i)).unwrap();
    }
    let stream = fg.cross_validate(&p).unwrap();
    assert_eq!(dense.fold_sizes, stream.fold_sizes);
    for (a, b) in dense.scores.iter().zip(&stream.scores) {
        assert!((a - b).abs() < 1e-8 * a, "{a} vs {b}");
    }
    assert_eq!(dense.best_alpha, stream.best_alpha);
    let model = fg.fit(&p).unwrap();
    assert_eq!(model.alpha, stream.best_alpha);
    assert!(model.cv.is_some());
}

#[test]
fn cv_picks_an_alpha_near_the_true_test_optimum() {
    // p close to n: regularisation matters; known noise; large fresh test set.
    let (n, p) = (120, 60);
    let x = normal(n, p, 31);
    let w = normal(p, 1, 32) * 0.3;
    let y = x.dot(&w) + normal(n, 1, 33) * 2.0;
    let xt = normal(4000, p, 34);
    let yt = xt.dot(&w) + normal(4000, 1, 35) * 2.0;
    let grid: Vec<f64> = (0..13).map(|i| 10f64.powf(-1.0 + 0.5 * i as f64)).collect();
    let prm = RidgeParams::new().alpha_grid(grid.clone()).check().unwrap();
    let test_err: Vec<f64> = grid
        .iter()
        .map(|&a| {
            let m = Ridge::fit_matrix(x.view(), y.view(), &params(a)).unwrap();
            lsm_readout::cv::mse(m.predict(xt.view()).unwrap().view(), yt.view())
        })
        .collect();
    let best_true = (0..grid.len())
        .min_by(|&a, &b| test_err[a].total_cmp(&test_err[b]))
        .unwrap();
    let m = Ridge::fit_cv(
        x.view(),
        y.view(),
        &prm,
        &Folds::KFold {
            n_folds: 5,
            seed: 1,
        },
    )
    .unwrap();
    let cv = m.cv.as_ref().unwrap();
    assert!(
        (cv.best_index as i64 - best_true as i64).abs() <= 1,
        "cv chose {} (test mse {}), true optimum {} (test mse {})",
        grid[cv.best_index],
        test_err[cv.best_index],
        grid[best_true],
        test_err[best_true]
    );
    // and the optimum is interior: neither the smallest nor the largest α
    assert!(best_true > 0 && best_true < grid.len() - 1);
}

#[test]
fn grouped_folds_hold_out_each_group_once() {
    let d = linear(60, 5, 1, 1.0, 2);
    let groups: Vec<usize> = (0..60).map(|i| [7, 3, 11][i % 3]).collect();
    let folds = Folds::Groups(groups.clone());
    let ids = folds.fold_ids(60).unwrap();
    // ids are in ascending order of group id: 3 -> 0, 7 -> 1, 11 -> 2
    for (g, f) in groups.iter().zip(&ids) {
        assert_eq!(*f, [3, 7, 11].iter().position(|v| v == g).unwrap());
    }
    let p = RidgeParams::new()
        .alpha_grid(vec![1.0, 10.0])
        .check()
        .unwrap();
    let r = cross_validate_alpha(d.x.view(), d.y.view(), &p, &folds, Scoring::Mse).unwrap();
    assert_eq!(r.fold_sizes, vec![20, 20, 20]);
    assert_eq!(r.fold_scores[0].len(), 3);
    // one group only -> error; wrong length -> error
    assert!(Folds::Groups(vec![4; 60]).fold_ids(60).is_err());
    assert!(matches!(
        Folds::Groups(vec![0, 1]).fold_ids(60),
        Err(ReadoutError::DimensionMismatch { .. })
    ));
}

#[test]
fn kfold_is_seeded_and_balanced() {
    let f = Folds::KFold {
        n_folds: 4,
        seed: 9,
    };
    let a = f.fold_ids(10).unwrap();
    assert_eq!(a, f.fold_ids(10).unwrap());
    let mut counts = [0; 4];
    a.iter().for_each(|&i| counts[i] += 1);
    assert_eq!(
        counts.iter().max().unwrap() - counts.iter().min().unwrap(),
        1
    );
    let b = Folds::KFold {
        n_folds: 4,
        seed: 10,
    }
    .fold_ids(10)
    .unwrap();
    assert_ne!(a, b);
    assert!(Folds::KFold {
        n_folds: 11,
        seed: 0
    }
    .fold_ids(10)
    .is_err());
}

#[test]
fn linfa_fit_and_predict_on_datasets() {
    let d = linear(40, 3, 1, 0.01, 4);
    let ds = Dataset::new(d.x.clone(), d.y.column(0).to_owned());
    let m = RidgeParams::new().alpha(1e-8).fit(&ds).unwrap();
    // the inherent `Ridge::predict` (with a Result) shadows linfa's: call the trait explicitly
    let pred: Array1<f64> = Predict::predict(&m, &d.x);
    assert!((&pred - &d.y.column(0)).iter().all(|v| v.abs() < 0.1));
    let ds2 = Dataset::new(d.x.clone(), d.y.clone());
    let m2 = RidgeParams::new()
        .alpha_grid(vec![1e-6, 1e-3, 1.0])
        .n_folds(4)
        .fit(&ds2)
        .unwrap();
    let pred2: Array2<f64> = Predict::predict(&m2, &d.x);
    assert_eq!(pred2.dim(), (40, 1));
    assert!(m2.cv.is_some());
    // invalid parameters surface through linfa's fit
    let bad: Result<Ridge, ReadoutError> = RidgeParams::new().alpha(-1.0).fit(&ds);
    assert!(matches!(
        bad,
        Err(ReadoutError::InvalidParam { name: "alpha", .. })
    ));
}

#[test]
fn model_serde_round_trip() {
    let d = linear(30, 4, 2, 0.1, 6);
    let m = Ridge::fit_matrix(d.x.view(), d.y.view(), &params(1.0)).unwrap();
    let s = serde_json::to_string(&m).unwrap();
    let back: Ridge = serde_json::from_str(&s).unwrap();
    assert_eq!(m, back);
}

#[test]
fn bad_inputs_give_clear_errors() {
    let mut acc = GramAccumulator::new(3, 1);
    // empty
    let e = acc.solve(&params(1.0)).unwrap_err();
    assert!(matches!(e, ReadoutError::NotEnoughSamples(_)), "{e}");
    // dimension mismatch
    let e = acc
        .add(array![1.0, 2.0].view(), array![1.0].view())
        .unwrap_err();
    assert!(e.to_string().contains("expected 3, got 2"), "{e}");
    // NaN names row and column
    acc.add(array![1.0, 2.0, 3.0].view(), array![1.0].view())
        .unwrap();
    let e = acc
        .add(array![1.0, f64::NAN, 3.0].view(), array![1.0].view())
        .unwrap_err();
    assert!(
        matches!(e, ReadoutError::NonFinite { row: 1, col: 1, .. }),
        "{e}"
    );
    assert_eq!(acc.n_samples(), 1, "a rejected sample must not be added");
    // constant feature with alpha = 0 -> singular, with advice
    let x = array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]];
    let y = array![[1.0], [2.0], [3.0]];
    let e = Ridge::fit_matrix(x.view(), y.view(), &params(0.0)).unwrap_err();
    assert!(matches!(e, ReadoutError::Singular(_)), "{e}");
    // ... but fine with alpha > 0, and the constant feature gets weight 0
    let m = Ridge::fit_matrix(x.view(), y.view(), &params(1e-3)).unwrap();
    assert!(m.weights[[1, 0]].abs() < 1e-12);
    // bad params
    assert!(RidgeParams::new().alpha(f64::NAN).check().is_err());
    assert!(RidgeParams::new().alpha_grid(vec![]).check().is_err());
    assert!(RidgeParams::new()
        .alpha_grid(vec![1.0, 0.0])
        .check()
        .is_err());
    assert!(RidgeParams::new().n_folds(1).check().is_err());
    // grid on a single accumulator
    let e = acc
        .solve(&RidgeParams::new().alpha_grid(vec![1.0]).check().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("FoldedGram"), "{e}");
    // predict with the wrong width
    let e = m.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err();
    assert!(matches!(e, ReadoutError::DimensionMismatch { .. }));
    // rows mismatch
    let e = Ridge::fit_matrix(x.view(), array![[1.0]].view(), &params(1.0)).unwrap_err();
    assert!(matches!(e, ReadoutError::DimensionMismatch { .. }), "{e}");
}
