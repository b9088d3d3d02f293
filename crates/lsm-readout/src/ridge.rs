//! Ridge regression (L2-penalised least squares) in closed form, multi-output, with an
//! optional intercept and feature standardisation.
//!
//! # Model
//! With `μ`, `σ` the feature means and standard deviations (population, `1/n`) and `ȳ` the
//! target means, the standardised features are `z = (x − μ) / σ` and the coefficients `B`
//! (`n_features × n_outputs`) minimise
//!
//! `Σᵢ ‖(yᵢ − ȳ) − Bᵀzᵢ‖² + α ‖B‖²_F`,
//!
//! i.e. `B = (ZᵀZ + αI)⁻¹ ZᵀY_c`. The loss is a **sum** over samples (as in scikit-learn's
//! `Ridge` and reservoirpy's `Ridge`), so for a fixed amount of shrinkage α grows with the
//! number of samples. The fitted model is stored in original units, `ŷ = Wᵀx + b`, with
//! `W = B / σ` (row-wise) and `b = ȳ − Wᵀμ`, so prediction is one matrix product.
//!
//! * `fit_intercept = false`: no centring (`μ = 0`, `ȳ = 0`, `b = 0`); with
//!   `standardize = true` the features are then scaled by their root mean square.
//! * `standardize = false`: `σ = 1` (the penalty acts on the raw coefficients).
//! * A constant feature (`σ = 0`, or `σ < 10⁻¹⁰ |μ|`) is left unscaled; after centring it is
//!   all zeros and gets a zero weight (for `α > 0`).
//!
//! # Solvers
//! One α: Cholesky (LAPACK `dpotrf`) of `ZᵀZ + αI`. Several α (cross-validation): one
//! eigendecomposition `ZᵀZ = VΛVᵀ` (LAPACK `dsyevd`), then `B(α) = V diag(1/(λ+α)) VᵀZᵀY_c`
//! for each α at `O(p² k)` each. When the data matrix is held and has fewer rows than columns
//! (`n < p`), the dual form is used instead: `K = ZZᵀ = UΛUᵀ` (`n × n`) and
//! `B(α) = Zᵀ U diag(1/(λ+α)) UᵀY_c`, identical in exact arithmetic and much cheaper.

use crate::cv::{CvReport, Folds};
use crate::error::{check_finite2, ReadoutError, Result};
use crate::gram::{GramAccumulator, Moments};
use crate::linalg::{cholesky_solve, eigh_psd, mirror_upper, syrk_upper_add};
use linfa::dataset::{AsTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Axis, Data, Ix2};
use serde::{Deserialize, Serialize};

/// Validated ridge hyper-parameters (see [`RidgeParams`] for the builder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeValidParams {
    /// Penalty α ≥ 0 (on the standardised coefficients, loss summed over samples). Used when
    /// `alpha_grid` is `None`. Default `1.0`.
    pub alpha: f64,
    /// Fit an intercept (centre features and targets). Default `true`.
    pub fit_intercept: bool,
    /// Scale features to unit variance before penalising. Default `true`.
    pub standardize: bool,
    /// If set, α is chosen among these values (each > 0) by cross-validation, and the model is
    /// refitted on all data with the best one. Default `None`.
    pub alpha_grid: Option<Vec<f64>>,
    /// Number of folds of the shuffled k-fold cross-validation used by linfa's `fit` when
    /// `alpha_grid` is set (explicit grouped folds: [`Ridge::fit_cv`]). Range `2..`,
    /// default `5`.
    pub n_folds: usize,
    /// Seed of the fold shuffle (stream [`lsm_core::stream::READOUT`]). Default `0`.
    pub seed: u64,
}

impl Default for RidgeValidParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            fit_intercept: true,
            standardize: true,
            alpha_grid: None,
            n_folds: 5,
            seed: 0,
        }
    }
}

impl RidgeValidParams {
    /// Check every field (what [`RidgeParams::check`] does).
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(ReadoutError::InvalidParam {
                name: "alpha",
                msg: format!("expected a finite number >= 0, got {}", self.alpha),
            });
        }
        if let Some(g) = &self.alpha_grid {
            if g.is_empty() {
                return Err(ReadoutError::InvalidParam {
                    name: "alpha_grid",
                    msg: "expected at least one value".into(),
                });
            }
            if let Some(a) = g.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
                return Err(ReadoutError::InvalidParam {
                    name: "alpha_grid",
                    msg: format!("expected finite values > 0, got {a}"),
                });
            }
        }
        if self.n_folds < 2 {
            return Err(ReadoutError::InvalidParam {
                name: "n_folds",
                msg: format!("expected at least 2, got {}", self.n_folds),
            });
        }
        Ok(())
    }

    /// The grid sorted ascending without duplicates, or `[alpha]`.
    pub(crate) fn alphas(&self) -> Vec<f64> {
        match &self.alpha_grid {
            Some(g) => {
                let mut g = g.clone();
                g.sort_by(f64::total_cmp);
                g.dedup();
                g
            }
            None => vec![self.alpha],
        }
    }
}

/// Ridge hyper-parameters, unchecked (linfa's `ParamGuard` pattern): build with the setters,
/// then `check()` or let linfa's `fit` check them.
///
/// ```
/// use lsm_readout::RidgeParams;
/// use linfa::prelude::*;
/// use ndarray::{array, Array2};
/// let x = array![[0.0], [1.0], [2.0], [3.0]];
/// let y = array![1.0, 3.0, 5.0, 7.0];
/// let model = RidgeParams::new().alpha(1e-9).fit(&Dataset::new(x, y))?;
/// // linfa's Predict (the inherent `Ridge::predict` returns a `Result` instead)
/// let pred: Array2<f64> = Predict::predict(&model, &array![[10.0]]);
/// assert!((pred[[0, 0]] - 21.0).abs() < 1e-6);
/// # Ok::<(), lsm_readout::ReadoutError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RidgeParams(pub RidgeValidParams);

impl RidgeParams {
    /// Defaults (see [`RidgeValidParams`]).
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `alpha`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
    /// Set `fit_intercept`.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.0.fit_intercept = yes;
        self
    }
    /// Set `standardize`.
    pub fn standardize(mut self, yes: bool) -> Self {
        self.0.standardize = yes;
        self
    }
    /// Set `alpha_grid` (cross-validated α).
    pub fn alpha_grid(mut self, grid: Vec<f64>) -> Self {
        self.0.alpha_grid = Some(grid);
        self
    }
    /// Set `n_folds`.
    pub fn n_folds(mut self, k: usize) -> Self {
        self.0.n_folds = k;
        self
    }
    /// Set `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Validate into [`RidgeValidParams`] (same as linfa's `ParamGuard::check`).
    pub fn check(self) -> Result<RidgeValidParams> {
        self.0.validate()?;
        Ok(self.0)
    }
}

impl ParamGuard for RidgeParams {
    type Checked = RidgeValidParams;
    type Error = ReadoutError;
    fn check_ref(&self) -> Result<&RidgeValidParams> {
        self.0.validate()?;
        Ok(&self.0)
    }
    fn check(self) -> Result<RidgeValidParams> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// `n_alphas` from which one eigendecomposition beats one Cholesky factorisation per α.
/// Estimated from flop counts (`dpotrf`: n³/3; `dsyevd` with vectors: ≈ 3–4 n³, with a
/// BLAS-2-bound tridiagonalisation), not measured on this machine.
const EIGEN_MIN_ALPHAS: usize = 10;

/// A standardised least-squares problem: `gz = ZᵀZ`, `bz = ZᵀY_c`.
pub(crate) struct Standardized {
    pub x_center: Array1<f64>,
    pub x_scale: Array1<f64>,
    pub y_center: Array1<f64>,
    pub gz: Array2<f64>,
    pub bz: Array2<f64>,
}

fn feature_scale(sumsq: f64, n: usize, center: f64, standardize: bool) -> f64 {
    if !standardize {
        return 1.0;
    }
    let s = (sumsq.max(0.0) / n as f64).sqrt();
    if s > 0.0 && s.is_finite() && s >= 1e-10 * center.abs() {
        s
    } else {
        1.0
    }
}

impl Standardized {
    pub(crate) fn from_moments(m: Moments, standardize: bool) -> Self {
        let p = m.gxx.nrows();
        let x_scale = Array1::from_shape_fn(p, |j| {
            feature_scale(m.gxx[[j, j]], m.n, m.x_center[j], standardize)
        });
        let mut gz = m.gxx;
        let mut bz = m.gxy;
        if standardize {
            let inv = x_scale.mapv(|s| 1.0 / s);
            gz *= &inv.view().insert_axis(Axis(1));
            gz *= &inv.view().insert_axis(Axis(0));
            bz *= &inv.view().insert_axis(Axis(1));
        }
        Self {
            x_center: m.x_center,
            x_scale,
            y_center: m.y_center,
            gz,
            bz,
        }
    }

    /// Standardised coefficients for each α (ascending order of `alphas` kept).
    pub(crate) fn solve(self, alphas: &[f64]) -> Result<(Vec<Array2<f64>>, Self)> {
        if alphas.len() < EIGEN_MIN_ALPHAS {
            let mut out = Vec::with_capacity(alphas.len());
            for &a in alphas {
                let mut g = self.gz.clone();
                g.diag_mut().mapv_inplace(|d| d + a);
                out.push(cholesky_solve(g, &self.bz)?);
            }
            Ok((out, self))
        } else {
            let (lambda, v) = eigh_psd(self.gz.clone())?;
            let q = v.t().dot(&self.bz);
            let out = alphas
                .iter()
                .map(|&a| {
                    let d = lambda.mapv(|l| 1.0 / (l + a));
                    v.dot(&(&q * &d.view().insert_axis(Axis(1))))
                })
                .collect();
            Ok((out, self))
        }
    }
}

/// A fitted ridge regression `ŷ = Wᵀx + b` (serde-serialisable, e.g. into a model file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    /// Weights in original feature units, `n_features × n_outputs`.
    pub weights: Array2<f64>,
    /// Intercept per output (zeros when `fit_intercept` was false).
    pub intercept: Array1<f64>,
    /// Feature centre μ used in fitting (means, or zeros without intercept). Informative only:
    /// already folded into `weights` and `intercept`.
    pub x_mean: Array1<f64>,
    /// Feature scale σ used in fitting (ones without standardisation). Informative only.
    pub x_scale: Array1<f64>,
    /// The penalty used (the cross-validated one when a grid was given).
    pub alpha: f64,
    /// Whether an intercept was fitted.
    pub fit_intercept: bool,
    /// Whether features were standardised.
    pub standardize: bool,
    /// The cross-validation that chose `alpha`, if any.
    pub cv: Option<CvReport>,
}

impl Ridge {
    /// Check a fitted model (typically one read from a file) before use: array sizes agree
    /// with each other, every number is finite, feature scales are > 0.
    ///
    /// # Errors
    /// [`ReadoutError::InvalidModel`] naming the array and what was expected.
    pub fn check_model(&self) -> Result<()> {
        crate::error::check_linear_model(
            self.weights.view(),
            self.intercept.view(),
            self.x_mean.view(),
            self.x_scale.view(),
            self.alpha,
        )
    }

    pub(crate) fn from_standardized(
        bz: &Array2<f64>,
        s: &Standardized,
        alpha: f64,
        params: &RidgeValidParams,
    ) -> Self {
        let weights = bz / &s.x_scale.view().insert_axis(Axis(1));
        let intercept = &s.y_center - &weights.t().dot(&s.x_center);
        Self {
            weights,
            intercept,
            x_mean: s.x_center.clone(),
            x_scale: s.x_scale.clone(),
            alpha,
            fit_intercept: params.fit_intercept,
            standardize: params.standardize,
            cv: None,
        }
    }

    /// The fitted model if every weight and intercept is finite (see
    /// [`ReadoutError::NonFiniteResult`]).
    pub(crate) fn checked(self) -> Result<Self> {
        crate::error::check_fitted(
            self.weights.view(),
            self.intercept.view(),
            self.alpha,
            "ridge model",
        )?;
        Ok(self)
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.weights.ncols()
    }

    /// Predict `n × n_outputs` targets for `n × n_features` inputs.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.n_features() {
            return Err(ReadoutError::DimensionMismatch {
                what: "input features (columns of x)".into(),
                expected: self.n_features(),
                got: x.ncols(),
            });
        }
        let out = self.predict_unchecked(x);
        crate::error::check_output(out.view(), "ridge output")?;
        Ok(out)
    }

    /// Predict the targets of one sample.
    pub fn predict_one(&self, x: ArrayView1<'_, f64>) -> Result<Array1<f64>> {
        if x.len() != self.n_features() {
            return Err(ReadoutError::DimensionMismatch {
                what: "input features".into(),
                expected: self.n_features(),
                got: x.len(),
            });
        }
        let out = self.weights.t().dot(&x) + &self.intercept;
        crate::error::check_output(out.view().insert_axis(Axis(0)), "ridge output")?;
        Ok(out)
    }

    pub(crate) fn predict_unchecked(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        x.dot(&self.weights) + &self.intercept
    }

    /// Fit on a held data matrix `x` (`n × p`) and targets `y` (`n × k`). With
    /// `params.alpha_grid`, α is cross-validated over `folds` (MSE), then the model is
    /// refitted on all samples with the best α and the report is kept in [`Ridge::cv`].
    pub fn fit_cv(
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        params: &RidgeValidParams,
        folds: &Folds,
    ) -> Result<Ridge> {
        params.validate()?;
        check_xy(x, y)?;
        if params.alpha_grid.is_none() {
            return Ok(fit_dense_path(x, y, params, &[params.alpha])?.remove(0));
        }
        let ids = folds.fold_ids(x.nrows())?;
        let report =
            crate::cv::cross_validate_dense(x, y, params, &ids, crate::cv::Scoring::Mse, None)?;
        let mut model = fit_dense_path(x, y, params, &[report.best_alpha])?.remove(0);
        model.cv = Some(report);
        Ok(model)
    }

    /// Fit on a held data matrix with one α (`params.alpha`; the grid is ignored).
    pub fn fit_matrix(
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        params: &RidgeValidParams,
    ) -> Result<Ridge> {
        params.validate()?;
        check_xy(x, y)?;
        Ok(fit_dense_path(x, y, params, &[params.alpha])?.remove(0))
    }
}

/// Check shapes (same number of rows, at least one row and one column) and finiteness.
pub(crate) fn check_xy(x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(ReadoutError::NotEnoughSamples(
            "the data matrix has no rows".into(),
        ));
    }
    if x.ncols() == 0 {
        return Err(ReadoutError::DimensionMismatch {
            what: "number of features (expected at least 1)".into(),
            expected: 1,
            got: 0,
        });
    }
    if y.nrows() != x.nrows() {
        return Err(ReadoutError::DimensionMismatch {
            what: "number of target rows (samples)".into(),
            expected: x.nrows(),
            got: y.nrows(),
        });
    }
    check_finite2(x, "x")?;
    check_finite2(y, "y")?;
    Ok(())
}

/// Ridge models for each α of `alphas` on held data (no checks). Chooses the primal
/// (`p × p` Gram) or dual (`n × n` kernel) form, whichever is smaller.
pub(crate) fn fit_dense_path(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    params: &RidgeValidParams,
    alphas: &[f64],
) -> Result<Vec<Ridge>> {
    let (n, p) = x.dim();
    let dual_ok = alphas.iter().all(|&a| a > 0.0);
    if n < p && dual_ok {
        return fit_dual_path(x, y, params, alphas);
    }
    let mut acc = GramAccumulator::new(p, y.ncols());
    acc.add_batch(x, y)?;
    fit_gram_path(&acc, params, alphas)
}

/// Ridge models for each α from accumulated sums.
pub(crate) fn fit_gram_path(
    acc: &GramAccumulator,
    params: &RidgeValidParams,
    alphas: &[f64],
) -> Result<Vec<Ridge>> {
    let m = acc.moments(params.fit_intercept)?;
    crate::error::check_sums(m.gxx.view(), "sum of feature products (Gram matrix)")?;
    crate::error::check_sums(m.gxy.view(), "sum of feature-target products")?;
    let s = Standardized::from_moments(m, params.standardize);
    let (bs, s) = s.solve(alphas)?;
    bs.iter()
        .zip(alphas)
        .map(|(b, &a)| Ridge::from_standardized(b, &s, a, params).checked())
        .collect()
}

/// Dual form on held data: `K = ZZᵀ`, `B = Zᵀ (K + αI)⁻¹ Y_c` (requires α > 0).
fn fit_dual_path(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    params: &RidgeValidParams,
    alphas: &[f64],
) -> Result<Vec<Ridge>> {
    let (n, p) = x.dim();
    let (x_center, y_center) = if params.fit_intercept {
        (x.mean_axis(Axis(0)).unwrap(), y.mean_axis(Axis(0)).unwrap())
    } else {
        (Array1::zeros(p), Array1::zeros(y.ncols()))
    };
    let mut z = &x - &x_center.view().insert_axis(Axis(0));
    let yc = &y - &y_center.view().insert_axis(Axis(0));
    let sumsq = z.map_axis(Axis(0), |c| c.dot(&c));
    let x_scale = Array1::from_shape_fn(p, |j| {
        feature_scale(sumsq[j], n, x_center[j], params.standardize)
    });
    z /= &x_scale.view().insert_axis(Axis(0));
    let mut k = Array2::zeros((n, n));
    syrk_upper_add(&mut k, z.t());
    mirror_upper(&mut k);
    crate::error::check_sums(k.view(), "kernel of the standardised features")?;
    let s = Standardized {
        x_center,
        x_scale,
        y_center,
        gz: k,
        bz: yc,
    };
    // "Standardized" here holds the dual problem (K, Y_c): its solutions are the dual
    // coefficients A with B = Zᵀ A.
    let (duals, s) = s.solve(alphas)?;
    duals
        .iter()
        .zip(alphas)
        .map(|(a, &alpha)| {
            let b = z.t().dot(a);
            Ridge::from_standardized(&b, &s, alpha, params).checked()
        })
        .collect()
}

/// Targets of a linfa dataset as an `n × k` matrix (a 1-D target is one output).
pub(crate) fn targets_2d<T: AsTargets<Elem = f64>>(t: &T) -> Array2<f64> {
    let v = t.as_targets().into_dyn();
    match v.ndim() {
        1 => v
            .into_dimensionality::<ndarray::Ix1>()
            .expect("1-D")
            .insert_axis(Axis(1))
            .to_owned(),
        _ => v
            .into_dimensionality::<Ix2>()
            .expect("targets are 1-D or 2-D")
            .to_owned(),
    }
}

impl<D, T> Fit<ArrayBase<D, Ix2>, T, ReadoutError> for RidgeValidParams
where
    D: Data<Elem = f64>,
    T: AsTargets<Elem = f64>,
{
    type Object = Ridge;

    /// Fit on a linfa dataset (1-D targets are one output). With `alpha_grid`, α is chosen by
    /// shuffled `n_folds`-fold cross-validation (MSE) with `seed`.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Ridge> {
        let y = targets_2d(&dataset.targets);
        let folds = Folds::KFold {
            n_folds: self.n_folds,
            seed: self.seed,
        };
        Ridge::fit_cv(dataset.records.view(), y.view(), self, &folds)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for Ridge {
    /// # Panics
    /// If `x` does not have `n_features` columns (use [`Ridge::predict`] for an `Err`).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        assert_eq!(
            x.ncols(),
            self.n_features(),
            "ridge: expected {} feature columns",
            self.n_features()
        );
        y.assign(&self.predict_unchecked(x.view()));
    }
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.n_outputs()))
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<f64>> for Ridge {
    /// Single-output prediction (the first output).
    ///
    /// # Panics
    /// If `x` does not have `n_features` columns.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<f64>) {
        assert_eq!(
            x.ncols(),
            self.n_features(),
            "ridge: expected {} feature columns",
            self.n_features()
        );
        y.assign(&self.predict_unchecked(x.view()).column(0));
    }
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<f64> {
        Array1::zeros(x.nrows())
    }
}

impl GramAccumulator {
    /// Solve ridge regression with one α (`params.alpha`) from the accumulated sums.
    ///
    /// # Errors
    /// No samples; `params.alpha_grid` set (cross-validation needs per-fold sums: use
    /// [`crate::FoldedGram`]); a singular system (α = 0 with collinear or constant features).
    pub fn solve(&self, params: &RidgeValidParams) -> Result<Ridge> {
        params.validate()?;
        if params.alpha_grid.is_some() {
            return Err(ReadoutError::InvalidParam {
                name: "alpha_grid",
                msg: "a single accumulator cannot cross-validate: use FoldedGram (one \
                      accumulator per fold) or clear alpha_grid"
                    .into(),
            });
        }
        Ok(fit_gram_path(self, params, &[params.alpha])?.remove(0))
    }

    /// Solve ridge regression for each α of `alphas` (> 0), sharing one eigendecomposition.
    pub fn solve_path(&self, params: &RidgeValidParams, alphas: &[f64]) -> Result<Vec<Ridge>> {
        params.validate()?;
        let g = RidgeValidParams {
            alpha_grid: Some(alphas.to_vec()),
            ..params.clone()
        };
        g.validate()?;
        fit_gram_path(self, params, alphas)
    }
}
