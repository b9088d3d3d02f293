//! Online linear readouts, learned one sample at a time: recursive least squares (RLS) and
//! least mean squares (LMS), with reservoirpy's update rules (`reservoirpy.nodes.RLS`,
//! `reservoirpy.nodes.LMS`, version 0.4).
//!
//! The readout is `ŷ = Wᵀx + b` (`W`: features × outputs). For each sample `(x, y)`, with the
//! error `e = Wᵀx + b − y` of the weights before the update:
//!
//! * **RLS** (forgetting factor `λ`, `P₀ = I / α`, `S₀ = 0`):
//!   `k = P x`, `P ← (P − k kᵀ / (λ + xᵀk)) / λ`, `W ← W − (P x) eᵀ`; the bias follows the
//!   forgetting-weighted mean of the errors: `S ← λ S + 1`, `b ← b − e / S`.
//!   With `λ = 1` and no bias, `W` after `n` samples is exactly the ridge solution
//!   `(XᵀX + αI)⁻¹ XᵀY` of those samples. Memory `O(features²)`.
//!   [`OnlineBias::Feature`] learns the bias as the weight of a constant feature 1 inside `P`
//!   instead (standard RLS): then the pass is exactly ridge on `[x; 1]` with the bias
//!   penalised by `α` like any weight.
//! * **LMS** (learning rate `η`): `W ← W − η x eᵀ`, `b ← b − η e`. Memory `O(features)`.
//!
//! Neither holds past samples: memory does not grow with the series. [`OnlineReadout::to_ridge`]
//! gives the learned weights as a [`Ridge`], the form model files store.

use crate::{ReadoutError, Result, Ridge};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// The learning rule of an online readout.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum OnlineRule {
    /// Recursive least squares.
    Rls {
        /// `P₀ = I / alpha` (reservoirpy's `alpha`), > 0: the ridge penalty the pass matches.
        alpha: f64,
        /// Forgetting factor `λ` in (0, 1] (reservoirpy's `forgetting`).
        forgetting: f64,
    },
    /// Least mean squares.
    Lms {
        /// Learning rate `η` > 0 (reservoirpy's `learning_rate`).
        learning_rate: f64,
    },
}

impl OnlineRule {
    /// The rule's short name: `rls` or `lms`.
    pub fn name(&self) -> &'static str {
        match self {
            OnlineRule::Rls { .. } => "rls",
            OnlineRule::Lms { .. } => "lms",
        }
    }

    /// The value a grid of rules varies: RLS's `alpha`, LMS's learning rate.
    pub fn grid_value(&self) -> f64 {
        match self {
            OnlineRule::Rls { alpha, .. } => *alpha,
            OnlineRule::Lms { learning_rate } => *learning_rate,
        }
    }

    /// Check the parameters.
    ///
    /// # Errors
    /// [`ReadoutError::InvalidParam`] naming the parameter.
    pub fn validate(&self) -> Result<()> {
        match *self {
            OnlineRule::Rls { alpha, forgetting } => {
                if !(alpha.is_finite() && alpha > 0.0) {
                    return Err(ReadoutError::InvalidParam {
                        name: "alpha",
                        msg: format!("the RLS regularisation (P0 = I/alpha) must be a finite number > 0, found {alpha}"),
                    });
                }
                if !(forgetting > 0.0 && forgetting <= 1.0) {
                    return Err(ReadoutError::InvalidParam {
                        name: "forgetting",
                        msg: format!(
                            "the RLS forgetting factor must be in (0, 1], found {forgetting}"
                        ),
                    });
                }
            }
            OnlineRule::Lms { learning_rate } => {
                if !(learning_rate.is_finite() && learning_rate > 0.0) {
                    return Err(ReadoutError::InvalidParam {
                        name: "learning_rate",
                        msg: format!("the LMS learning rate must be a finite number > 0, found {learning_rate}"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// How an online readout learns its bias `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnlineBias {
    /// No bias (`b = 0`; reservoirpy's `fit_bias=False`).
    None,
    /// reservoirpy's rule (`fit_bias=True`): RLS moves `b` by the forgetting-weighted mean of
    /// the errors, LMS by `η e`.
    Reservoirpy,
    /// The bias is the weight of a constant feature 1 learned with the others (for RLS,
    /// inside `P`; for LMS, the same as [`OnlineBias::Reservoirpy`]).
    Feature,
}

/// An online readout being learned (see the module doc).
///
/// ```
/// use lsm_readout::{OnlineBias, OnlineReadout, OnlineRule};
/// let rule = OnlineRule::Rls { alpha: 1e-6, forgetting: 1.0 };
/// let mut r = OnlineReadout::new(rule, OnlineBias::Feature, 2, 1)?;
/// for t in 0..50 {
///     let x = [(t as f64 * 0.7).sin(), (t as f64 * 0.3).cos()];
///     r.learn(&x, &[2.0 * x[0] - x[1] + 0.5])?;
/// }
/// let ridge = r.to_ridge()?;
/// assert!((ridge.weights[[0, 0]] - 2.0).abs() < 1e-3);
/// assert!((ridge.intercept[0] - 0.5).abs() < 1e-3);
/// # Ok::<(), lsm_readout::ReadoutError>(())
/// ```
#[derive(Clone, Debug)]
pub struct OnlineReadout {
    rule: OnlineRule,
    bias_mode: OnlineBias,
    /// Weights, outputs × features (row-major: one contiguous row per output), plus the
    /// bias column last with [`OnlineBias::Feature`].
    w: Array2<f64>,
    bias: Array1<f64>,
    /// RLS: the inverse correlation matrix estimate, features × features.
    p: Option<Array2<f64>>,
    /// RLS: the forgetting-weighted sample count of the bias update.
    s: f64,
    steps: usize,
    px: Vec<f64>,
    err: Vec<f64>,
    /// The features with the constant 1 appended ([`OnlineBias::Feature`]).
    xb: Vec<f64>,
}

impl OnlineReadout {
    /// A readout with zero weights and bias for `n_features` inputs and `n_outputs` outputs;
    /// `bias` says how the bias is learned.
    ///
    /// # Errors
    /// [`ReadoutError::InvalidParam`] for a bad rule parameter or a zero size.
    pub fn new(
        rule: OnlineRule,
        bias: OnlineBias,
        n_features: usize,
        n_outputs: usize,
    ) -> Result<Self> {
        rule.validate()?;
        if n_features == 0 || n_outputs == 0 {
            return Err(ReadoutError::InvalidParam {
                name: "n_features",
                msg: format!(
                    "expected at least one feature and one output, found {n_features} and {n_outputs}"
                ),
            });
        }
        let m = n_features + usize::from(bias == OnlineBias::Feature);
        let p = match rule {
            OnlineRule::Rls { alpha, .. } => Some(Array2::from_diag_elem(m, 1.0 / alpha)),
            OnlineRule::Lms { .. } => None,
        };
        Ok(Self {
            rule,
            bias_mode: bias,
            w: Array2::zeros((n_outputs, m)),
            bias: Array1::zeros(n_outputs),
            p,
            s: 0.0,
            steps: 0,
            px: vec![0.0; m],
            err: vec![0.0; n_outputs],
            xb: vec![1.0; m],
        })
    }

    /// Bytes an RLS readout of `n_features` holds (its `P` matrix), for cost checks before
    /// building one; 0 for LMS.
    pub fn state_bytes(rule: &OnlineRule, n_features: usize) -> f64 {
        match rule {
            OnlineRule::Rls { .. } => (n_features as f64).powi(2) * 8.0,
            OnlineRule::Lms { .. } => 0.0,
        }
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.w.ncols() - usize::from(self.bias_mode == OnlineBias::Feature)
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.w.nrows()
    }

    /// Samples learned so far.
    pub fn n_steps(&self) -> usize {
        self.steps
    }

    /// The current weights, outputs × features (the transpose of [`Ridge::weights`]; with
    /// [`OnlineBias::Feature`], the bias is the last column).
    pub fn weights(&self) -> ndarray::ArrayView2<'_, f64> {
        self.w.view()
    }

    /// The current bias, one per output (zeros with [`OnlineBias::Feature`]: see
    /// [`Self::weights`]).
    pub fn bias(&self) -> ndarray::ArrayView1<'_, f64> {
        self.bias.view()
    }

    /// The rule.
    pub fn rule(&self) -> OnlineRule {
        self.rule
    }

    /// The current prediction `Wᵀx + b` into `out`.
    ///
    /// # Panics
    /// If `x` or `out` has the wrong length (a programming error; [`Self::learn`] checks).
    pub fn predict_into(&self, x: &[f64], out: &mut [f64]) {
        let n = x.len();
        for ((o, row), b) in out.iter_mut().zip(self.w.rows()).zip(self.bias.iter()) {
            let row = row.as_slice().expect("row-major");
            *o = dot(&row[..n], x) + row.get(n).copied().unwrap_or(0.0) + b;
        }
    }

    /// Learn one sample: features `x`, target `y`.
    ///
    /// # Errors
    /// [`ReadoutError::DimensionMismatch`] for wrong lengths, [`ReadoutError::NonFinite`] for
    /// a NaN or infinite value (row = the sample's index in the pass), nothing learned then.
    pub fn learn(&mut self, x: &[f64], y: &[f64]) -> Result<()> {
        for (what, got, expected) in [
            ("online readout features", x.len(), self.n_features()),
            ("online readout targets", y.len(), self.n_outputs()),
        ] {
            if got != expected {
                return Err(ReadoutError::DimensionMismatch {
                    what: what.into(),
                    expected,
                    got,
                });
            }
        }
        for (what, v) in [
            ("online readout features", x),
            ("online readout targets", y),
        ] {
            if let Some((col, &value)) = v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ReadoutError::NonFinite {
                    what,
                    row: self.steps,
                    col,
                    value,
                });
            }
        }
        let mut err = std::mem::take(&mut self.err);
        self.predict_into(x, &mut err);
        for (e, t) in err.iter_mut().zip(y) {
            *e -= t;
        }
        let mut xb = std::mem::take(&mut self.xb);
        let x = if self.bias_mode == OnlineBias::Feature {
            xb[..x.len()].copy_from_slice(x);
            &xb[..]
        } else {
            x
        };
        let fit_bias = self.bias_mode == OnlineBias::Reservoirpy;
        match self.rule {
            OnlineRule::Rls { forgetting, .. } => {
                let p = self.p.as_mut().expect("RLS holds P");
                let n = x.len();
                for (k, row) in self.px.iter_mut().zip(p.rows()) {
                    *k = dot(row.as_slice().expect("row-major"), x);
                }
                let denom = forgetting + dot(x, &self.px);
                let inv_forgetting = 1.0 / forgetting;
                // P ← (P − k kᵀ / d) / λ, and the gain P_new x = k / d.
                let ps = p.as_slice_mut().expect("row-major");
                for i in 0..n {
                    let ki = self.px[i] / denom;
                    let row = &mut ps[i * n..(i + 1) * n];
                    for (pij, kj) in row.iter_mut().zip(&self.px) {
                        *pij = (*pij - ki * kj) * inv_forgetting;
                    }
                }
                for (mut wrow, e) in self.w.rows_mut().into_iter().zip(&err) {
                    for (wj, kj) in wrow.iter_mut().zip(&self.px) {
                        *wj -= kj / denom * e;
                    }
                }
                self.s = forgetting * self.s + 1.0;
                if fit_bias {
                    for (b, e) in self.bias.iter_mut().zip(&err) {
                        *b -= e / self.s;
                    }
                }
            }
            OnlineRule::Lms { learning_rate } => {
                for (mut wrow, e) in self.w.rows_mut().into_iter().zip(&err) {
                    for (wj, xj) in wrow.iter_mut().zip(x) {
                        *wj -= learning_rate * xj * e;
                    }
                }
                if fit_bias {
                    for (b, e) in self.bias.iter_mut().zip(&err) {
                        *b -= learning_rate * e;
                    }
                }
            }
        }
        self.err = err;
        self.xb = xb;
        self.steps += 1;
        Ok(())
    }

    /// The learned weights as a [`Ridge`] (`weights`: features × outputs, `intercept`: the
    /// bias, no centring or scaling, `alpha`: RLS's α or LMS's learning rate).
    ///
    /// # Errors
    /// [`ReadoutError::NotEnoughSamples`] before the first sample;
    /// [`ReadoutError::NonFiniteResult`] if the pass diverged (e.g. an LMS learning rate too
    /// large for the features' scale).
    pub fn to_ridge(&self) -> Result<Ridge> {
        if self.steps == 0 {
            return Err(ReadoutError::NotEnoughSamples(
                "the online readout has learned no sample".into(),
            ));
        }
        let alpha = match self.rule {
            OnlineRule::Rls { alpha, .. } => alpha,
            OnlineRule::Lms { learning_rate } => learning_rate,
        };
        let n = self.n_features();
        let (weights, intercept) = if self.bias_mode == OnlineBias::Feature {
            (
                self.w.slice(ndarray::s![.., ..n]).t().to_owned(),
                self.w.column(n).to_owned(),
            )
        } else {
            (self.w.t().to_owned(), self.bias.clone())
        };
        let r = Ridge {
            weights,
            intercept,
            x_mean: Array1::zeros(n),
            x_scale: Array1::ones(n),
            alpha,
            fit_intercept: self.bias_mode != OnlineBias::None,
            standardize: false,
            cv: None,
        };
        let hint = || match self.rule {
            OnlineRule::Rls { .. } => "the RLS pass overflowed; use a larger alpha, a forgetting \
                factor closer to 1, or rescale the features"
                .to_string(),
            OnlineRule::Lms { .. } => "the LMS pass diverged; use a smaller learning rate or \
                rescale the features"
                .to_string(),
        };
        let name = self.rule.name();
        if let Some(((f, o), value)) = crate::error::first_non_finite(r.weights.view()) {
            return Err(ReadoutError::NonFiniteResult {
                what: format!("`weights[{f}][{o}]` of the {name} readout"),
                value,
                hint: hint(),
            });
        }
        if let Some(((_, o), value)) =
            crate::error::first_non_finite(r.intercept.view().insert_axis(ndarray::Axis(0)))
        {
            return Err(ReadoutError::NonFiniteResult {
                what: format!("`intercept[{o}]` of the {name} readout"),
                value,
                hint: hint(),
            });
        }
        Ok(r)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
