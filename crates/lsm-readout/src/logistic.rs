//! Multinomial (softmax) logistic regression with an L2 penalty, for calibrated class
//! probabilities.
//!
//! # Model
//! Features are standardised as for ridge (`z = (x − μ)/σ`, optional); scores
//! `s = Bᵀz + c`, probabilities `p = softmax(s)`. `B` (`p × k`) and `c` (`k`, unpenalised)
//! minimise the mean penalised cross-entropy
//!
//! `L = (1/n) [ Σᵢ (log Σⱼ exp sᵢⱼ − sᵢ,yᵢ) + (α/2) ‖B‖²_F ]`,
//!
//! i.e. α = 1/C of scikit-learn's `LogisticRegression(multi_class="multinomial", C=C)`.
//! Gradient: `∂L/∂B = (Zᵀ(P − Y) + αB)/n`, `∂L/∂c = 1ᵀ(P − Y)/n` (Y one-hot).
//!
//! # Solver
//! Full-batch L-BFGS (argmin, memory 10, Moré–Thuente line search) from zero, stopping when
//! `‖∇L‖₂ ≤ tol` or after `max_iter` iterations. The loss is convex, so the result does not
//! depend on a random start. Each evaluation costs two `n × p × k` matrix products, split over
//! rayon threads in fixed row blocks whose partial sums are added in block order (the result
//! does not depend on the thread count). The fitted model is stored in original units like
//! [`crate::Ridge`].

use crate::classifier::{argmax_rows, check_labels};
use crate::error::{ReadoutError, Result};
use crate::ridge::check_xy;
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{s, Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Axis, Data, Ix2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Validated logistic-regression hyper-parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticValidParams {
    /// L2 penalty α ≥ 0 on the standardised weights (= 1/C of scikit-learn). Default `1.0`.
    pub alpha: f64,
    /// Fit unpenalised class intercepts. Default `true`.
    pub fit_intercept: bool,
    /// Standardise features (zero mean, unit variance) before fitting. Default `true`.
    pub standardize: bool,
    /// Maximum L-BFGS iterations, `1..`. Default `1000`.
    pub max_iter: u64,
    /// Stop when the gradient norm of the mean loss is below this, `> 0`. Default `1e-6`.
    pub tol: f64,
    /// Number of classes; `None` (default): the largest label + 1.
    pub n_classes: Option<usize>,
}

impl Default for LogisticValidParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            fit_intercept: true,
            standardize: true,
            max_iter: 1000,
            tol: 1e-6,
            n_classes: None,
        }
    }
}

impl LogisticValidParams {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(ReadoutError::InvalidParam {
                name: "alpha",
                msg: format!("expected a finite number >= 0, got {}", self.alpha),
            });
        }
        if self.max_iter == 0 {
            return Err(ReadoutError::InvalidParam {
                name: "max_iter",
                msg: "expected at least 1".into(),
            });
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(ReadoutError::InvalidParam {
                name: "tol",
                msg: format!("expected a finite number > 0, got {}", self.tol),
            });
        }
        if let Some(k) = self.n_classes {
            if k < 2 {
                return Err(ReadoutError::InvalidParam {
                    name: "n_classes",
                    msg: format!("expected at least 2, got {k}"),
                });
            }
        }
        Ok(())
    }
}

/// Logistic-regression hyper-parameters, unchecked (builder; linfa `ParamGuard`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams(pub LogisticValidParams);

impl LogisticParams {
    /// Defaults (see [`LogisticValidParams`]).
    pub fn new() -> Self {
        Self::default()
    }
    /// Set α.
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
    /// Set `max_iter`.
    pub fn max_iter(mut self, n: u64) -> Self {
        self.0.max_iter = n;
        self
    }
    /// Set `tol`.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
    /// Set the number of classes.
    pub fn n_classes(mut self, k: usize) -> Self {
        self.0.n_classes = Some(k);
        self
    }
    /// Validate.
    pub fn check(self) -> Result<LogisticValidParams> {
        self.0.validate()?;
        Ok(self.0)
    }
}

impl ParamGuard for LogisticParams {
    type Checked = LogisticValidParams;
    type Error = ReadoutError;
    fn check_ref(&self) -> Result<&LogisticValidParams> {
        self.0.validate()?;
        Ok(&self.0)
    }
    fn check(self) -> Result<LogisticValidParams> {
        LogisticParams::check(self)
    }
}

/// Rows per parallel block of the loss evaluation.
const BLOCK: usize = 256;

/// A cached evaluation: parameters, loss, gradient.
type Evaluation = (Array1<f64>, f64, Array1<f64>);

/// The penalised mean cross-entropy on standardised features.
pub(crate) struct Objective<'a> {
    z: ArrayView2<'a, f64>,
    labels: &'a [usize],
    k: usize,
    alpha: f64,
    fit_intercept: bool,
    /// `z` is lower triangular (the kernel form): row `i` has no entries beyond column `i`.
    lower: bool,
    cache: Mutex<Option<Evaluation>>,
}

impl<'a> Objective<'a> {
    pub(crate) fn new(
        z: ArrayView2<'a, f64>,
        labels: &'a [usize],
        k: usize,
        alpha: f64,
        fit_intercept: bool,
    ) -> Self {
        Self {
            z,
            labels,
            k,
            alpha,
            fit_intercept,
            lower: false,
            cache: Mutex::new(None),
        }
    }

    /// Declare `z` lower triangular: the products skip its zero upper part (same result).
    pub(crate) fn lower_triangular(mut self) -> Self {
        self.lower = true;
        self
    }

    /// Parameter vector length: `p·k` weights (row-major `p × k`) then `k` intercepts.
    pub(crate) fn n_params(&self) -> usize {
        (self.z.ncols() + 1) * self.k
    }

    /// Loss and gradient at `theta`.
    pub(crate) fn eval(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        let (n, p) = self.z.dim();
        let k = self.k;
        let w = theta
            .slice(s![..p * k])
            .into_shape_with_order((p, k))
            .expect("contiguous");
        let b = theta.slice(s![p * k..]);
        let n_blocks = n.div_ceil(BLOCK);
        let parts: Vec<(f64, Array2<f64>, Array1<f64>)> = (0..n_blocks)
            .into_par_iter()
            .map(|bi| {
                let r0 = bi * BLOCK;
                let r1 = (r0 + BLOCK).min(n);
                // Lower-triangular z: the block's rows have no entries beyond column r1.
                let c1 = if self.lower { r1 } else { p };
                let zb = self.z.slice(s![r0..r1, ..c1]);
                let mut sc = zb.dot(&w.slice(s![..c1, ..]));
                if self.fit_intercept {
                    sc += &b;
                }
                let mut loss = 0.0;
                for (i, mut row) in sc.axis_iter_mut(Axis(0)).enumerate() {
                    let y = self.labels[r0 + i];
                    let sy = row[y];
                    let m = row.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
                    let mut sum = 0.0;
                    row.mapv_inplace(|v| {
                        let e = (v - m).exp();
                        sum += e;
                        e
                    });
                    // −log p_y = log Σ exp(s − m) − (s_y − m), with sum ≥ 1 (no underflow)
                    loss += sum.ln() - (sy - m);
                    row.mapv_inplace(|e| e / sum);
                    row[y] -= 1.0;
                }
                let gw = zb.t().dot(&sc); // c1 × k: rows past c1 are zero
                let gb = sc.sum_axis(Axis(0));
                (loss, gw, gb)
            })
            .collect();
        let mut loss = 0.0;
        let mut gw = Array2::<f64>::zeros((p, k));
        let mut gb = Array1::<f64>::zeros(k);
        for (l, g, c) in parts {
            loss += l;
            let r = g.nrows();
            let mut dst = gw.slice_mut(s![..r, ..]);
            dst += &g;
            gb += &c;
        }
        let nf = n as f64;
        loss += 0.5 * self.alpha * w.iter().map(|v| v * v).sum::<f64>();
        gw.scaled_add(self.alpha, &w);
        let mut grad = Array1::zeros(self.n_params());
        grad.slice_mut(s![..p * k])
            .assign(&gw.into_shape_with_order(p * k).expect("contiguous"));
        if self.fit_intercept {
            grad.slice_mut(s![p * k..]).assign(&gb);
        }
        (loss / nf, grad / nf)
    }

    fn cached(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        let mut c = self.cache.lock().expect("cache lock");
        if let Some((t, l, g)) = c.as_ref() {
            if t == theta {
                return (*l, g.clone());
            }
        }
        let (l, g) = self.eval(theta);
        *c = Some((theta.clone(), l, g.clone()));
        (l, g)
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.cached(theta).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.cached(theta).1)
    }
}

/// Feature centre and scale as for ridge (population std; constant features unscaled).
fn standardisation(
    x: ArrayView2<'_, f64>,
    fit_intercept: bool,
    standardize: bool,
) -> (Array1<f64>, Array1<f64>) {
    let p = x.ncols();
    let mean = if fit_intercept {
        x.mean_axis(Axis(0)).expect("non-empty")
    } else {
        Array1::zeros(p)
    };
    let scale = if standardize {
        let n = x.nrows() as f64;
        Array1::from_shape_fn(p, |j| {
            let c = x.column(j);
            let m = mean[j];
            let s = (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
            if s > 0.0 && s >= 1e-10 * m.abs() {
                s
            } else {
                1.0
            }
        })
    } else {
        Array1::ones(p)
    };
    (mean, scale)
}

/// A fitted multinomial logistic regression (serde-serialisable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Weights in original feature units, `n_features × n_classes`.
    pub weights: Array2<f64>,
    /// Class intercepts (zeros without intercept).
    pub intercept: Array1<f64>,
    /// Feature centre used in fitting (informative; folded into weights and intercept).
    pub x_mean: Array1<f64>,
    /// Feature scale used in fitting (informative).
    pub x_scale: Array1<f64>,
    /// The penalty.
    pub alpha: f64,
    /// Number of classes.
    pub n_classes: usize,
    /// L-BFGS iterations run.
    pub n_iter: u64,
    /// Final mean penalised loss.
    pub loss: f64,
    /// Whether the gradient tolerance was reached (else `max_iter` or a stalled line search
    /// stopped the solver).
    pub converged: bool,
}

impl LogisticRegression {
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
        )?;
        if self.n_classes != self.weights.ncols() {
            return Err(ReadoutError::InvalidModel(format!(
                "`n_classes` is {}, but `weights` has {} columns",
                self.n_classes,
                self.weights.ncols()
            )));
        }
        Ok(())
    }

    /// Fit on a held feature matrix `x` (`n × p`) and labels in `0..n_classes`.
    pub fn fit_labels(
        x: ArrayView2<'_, f64>,
        labels: &[usize],
        params: &LogisticValidParams,
    ) -> Result<Self> {
        params.validate()?;
        let k = check_labels(labels, x.nrows(), params.n_classes)?;
        check_xy(x, x.slice(s![.., ..0]))?;
        let (mean, scale) = standardisation(x, params.fit_intercept, params.standardize);
        let z = (&x - &mean.view().insert_axis(Axis(0))) / scale.view().insert_axis(Axis(0));
        let p = x.ncols();
        let obj = Objective::new(z.view(), labels, k, params.alpha, params.fit_intercept);
        let init = Array1::zeros(obj.n_params());
        let (theta, n_iter, converged, loss) = run_lbfgs(obj, init, params)?;
        let bz = theta
            .slice(s![..p * k])
            .into_shape_with_order((p, k))
            .expect("contiguous")
            .to_owned();
        let c = theta.slice(s![p * k..]).to_owned();
        Self::from_standardised(bz, c, mean, scale, params, k, n_iter, loss, converged).checked()
    }

    /// [`LogisticRegression::fit_labels`] in the kernel (dual) form when there are fewer
    /// samples than features (`n < p`); otherwise it is `fit_labels`.
    ///
    /// The optimal standardised weights lie in the row space of the standardised features
    /// `Z` (`n × p`): `B = Zᵀ A`. With the Cholesky factor `Z Zᵀ + εI = L Lᵀ` (`ε` = 10⁻¹²
    /// of the mean diagonal, against round-off only) and `V = Lᵀ A`, the scores are
    /// `Z B = L V` and the penalty `‖B‖² = ‖V‖²`, so the problem is the same penalised
    /// cross-entropy on the `n × n` "features" `L`, solved by the same L-BFGS; then
    /// `A = L⁻ᵀ V` and `B = Zᵀ A`. Each loss evaluation costs `O(n² k)` instead of
    /// `O(n p k)`. The result is the same model up to the solver tolerance (tested against
    /// the primal fit).
    ///
    /// # Errors
    /// As [`LogisticRegression::fit_labels`]. A singular kernel (duplicated samples, constant
    /// features) falls back to the primal fit.
    pub fn fit_labels_kernel(
        x: ArrayView2<'_, f64>,
        labels: &[usize],
        params: &LogisticValidParams,
    ) -> Result<Self> {
        let (n, p) = x.dim();
        if n >= p {
            return Self::fit_labels(x, labels, params);
        }
        params.validate()?;
        let k = check_labels(labels, n, params.n_classes)?;
        check_xy(x, x.slice(s![.., ..0]))?;
        let (mean, scale) = standardisation(x, params.fit_intercept, params.standardize);
        let z = (&x - &mean.view().insert_axis(Axis(0))) / scale.view().insert_axis(Axis(0));
        let mut kern = crate::linalg::gram_rows(z.view());
        let eps = 1e-12 * kern.diag().sum() / n as f64;
        kern.diag_mut().mapv_inplace(|d| d + eps);
        // Duplicated samples (identical spike patterns) or constant features (a silent
        // reservoir) make the kernel singular: the primal problem, well posed with its L2
        // penalty whatever the features, is then solved instead.
        let Ok(llt) = crate::linalg::fview(kern.view()).llt(faer::Side::Lower) else {
            return Self::fit_labels(x, labels, params);
        };
        let lf = llt.L();
        let l = Array2::from_shape_fn((n, n), |(i, j)| if j <= i { lf[(i, j)] } else { 0.0 });
        drop(kern);
        let obj = Objective::new(l.view(), labels, k, params.alpha, params.fit_intercept)
            .lower_triangular();
        let init = Array1::zeros(obj.n_params());
        let (theta, n_iter, converged, loss) = run_lbfgs(obj, init, params)?;
        // A = L⁻ᵀ V by back substitution, all k columns at once.
        let v = theta
            .slice(s![..n * k])
            .into_shape_with_order((n, k))
            .expect("contiguous");
        let mut a = v.to_owned();
        for i in (0..n).rev() {
            let d = l[[i, i]];
            for c in 0..k {
                let mut acc = a[[i, c]];
                for j in i + 1..n {
                    acc -= l[[j, i]] * a[[j, c]];
                }
                a[[i, c]] = acc / d;
            }
        }
        let bz = z.t().dot(&a);
        let c = theta.slice(s![n * k..]).to_owned();
        Self::from_standardised(bz, c, mean, scale, params, k, n_iter, loss, converged).checked()
    }

    /// The model in original units from standardised weights `bz` (`p × k`) and intercepts.
    #[allow(clippy::too_many_arguments)]
    fn from_standardised(
        bz: Array2<f64>,
        c: Array1<f64>,
        mean: Array1<f64>,
        scale: Array1<f64>,
        params: &LogisticValidParams,
        k: usize,
        n_iter: u64,
        loss: f64,
        converged: bool,
    ) -> Self {
        let weights = bz / scale.view().insert_axis(Axis(1));
        let mut intercept = if params.fit_intercept {
            &c - &weights.t().dot(&mean)
        } else {
            Array1::zeros(k)
        };
        // Softmax is invariant to a common shift of the intercepts: centre them.
        let shift = intercept.mean().unwrap_or(0.0);
        if params.fit_intercept {
            intercept -= shift;
        }
        Self {
            weights,
            intercept,
            x_mean: mean,
            x_scale: scale,
            alpha: params.alpha,
            n_classes: k,
            n_iter,
            loss,
            converged,
        }
    }

    /// The fitted model if every weight and intercept is finite (see
    /// [`ReadoutError::NonFiniteResult`]).
    fn checked(self) -> Result<Self> {
        crate::error::check_fitted(
            self.weights.view(),
            self.intercept.view(),
            self.alpha,
            "logistic regression",
        )?;
        Ok(self)
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    fn check_width(&self, got: usize) -> Result<()> {
        if got != self.n_features() {
            return Err(ReadoutError::DimensionMismatch {
                what: "input features (columns of x)".into(),
                expected: self.n_features(),
                got,
            });
        }
        Ok(())
    }

    /// Class scores (logits), `n × n_classes`.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.check_width(x.ncols())?;
        let s = x.dot(&self.weights) + &self.intercept;
        crate::error::check_output(s.view(), "class score")?;
        Ok(s)
    }

    /// Class probabilities, `n × n_classes`; each row sums to 1.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let mut s = self.decision_function(x)?;
        for mut row in s.axis_iter_mut(Axis(0)) {
            softmax_inplace(row.view_mut());
        }
        Ok(s)
    }

    /// Predicted classes (argmax of the probabilities).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(self.decision_function(x)?.view()))
    }

    /// Class probabilities of one sample.
    pub fn predict_proba_one(&self, x: ArrayView1<'_, f64>) -> Result<Array1<f64>> {
        self.check_width(x.len())?;
        let mut s = self.weights.t().dot(&x) + &self.intercept;
        crate::error::check_output(s.view().insert_axis(Axis(0)), "class score")?;
        softmax_inplace(s.view_mut());
        Ok(s)
    }
}

/// L-BFGS (memory 10, Moré–Thuente) on `obj` from `init`: `(θ, iterations, converged, loss)`.
fn run_lbfgs(
    obj: Objective<'_>,
    init: Array1<f64>,
    params: &LogisticValidParams,
) -> Result<(Array1<f64>, u64, bool, f64)> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(params.tol)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| ReadoutError::Optimizer(e.to_string()))?;
    let res = Executor::new(obj, solver)
        .configure(|s| s.param(init).max_iters(params.max_iter))
        .run()
        .map_err(|e| ReadoutError::Optimizer(e.to_string()))?;
    let state = res.state();
    let theta = state
        .get_best_param()
        .or(state.get_param())
        .cloned()
        .ok_or_else(|| ReadoutError::Optimizer("L-BFGS returned no parameters".into()))?;
    let converged = matches!(
        state.get_termination_status(),
        argmin::core::TerminationStatus::Terminated(
            argmin::core::TerminationReason::SolverConverged
        )
    );
    Ok((theta, state.get_iter(), converged, state.get_best_cost()))
}

fn softmax_inplace(mut row: ndarray::ArrayViewMut1<'_, f64>) {
    let m = row.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
    row.mapv_inplace(|v| (v - m).exp());
    let sum = row.sum();
    row /= sum;
}

impl<D, T> Fit<ArrayBase<D, Ix2>, T, ReadoutError> for LogisticValidParams
where
    D: Data<Elem = f64>,
    T: AsSingleTargets<Elem = usize>,
{
    type Object = LogisticRegression;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<LogisticRegression> {
        let labels = dataset.targets.as_single_targets().to_vec();
        LogisticRegression::fit_labels(dataset.records.view(), &labels, self)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for LogisticRegression {
    /// # Panics
    /// If `x` does not have `n_features` columns (use [`LogisticRegression::predict`]).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        let s = self
            .decision_function(x.view())
            .expect("logistic regression: wrong number of feature columns");
        y.assign(&argmax_rows(s.view()));
    }
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for LogisticRegression {
    /// Class probabilities.
    ///
    /// # Panics
    /// If `x` does not have `n_features` columns (use [`LogisticRegression::predict_proba`]).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        y.assign(
            &self
                .predict_proba(x.view())
                .expect("logistic regression: wrong number of feature columns"),
        );
    }
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.n_classes))
    }
}

#[cfg(test)]
mod tests;
