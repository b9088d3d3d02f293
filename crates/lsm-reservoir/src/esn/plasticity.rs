//! Unsupervised learning of an echo state network before its readout is fitted: local
//! synaptic plasticity of `W` (reservoirpy 0.4.2's `LocalPlasticityReservoir`) and intrinsic
//! plasticity of a gain and a bias per unit (reservoirpy's `IPReservoir`, after Triesch 2005
//! and Schrauwen et al. 2008).
//!
//! # Notation
//! `z(t) = W·x(t−1) + W_in·u(t) + b` is the net input of the units (reservoirpy's "internal"
//! state when the leak rate is 1), `f` the activation, `a` the leak rate.
//!
//! # Local plasticity ([`Esn::learn_synaptic`])
//! Per step: the state update `x(t) = (1 − a)·x(t−1) + a·f(z(t))` with the current `W`, then
//! for every existing connection `j → i` of `W` (the sparsity pattern never changes)
//! `W_ij ← W_ij + ΔW_ij` with pre-synaptic `p = z_j(t−1)` and post-synaptic `q = z_i(t)`:
//!
//! ```text
//! hebbian        ΔW_ij =  η·q·p
//! anti-hebbian   ΔW_ij = −η·q·p
//! oja            ΔW_ij =  η·q·(p − q·W_ij)
//! anti-oja       ΔW_ij = −η·q·(p − q·W_ij)
//! bcm            ΔW_ij =  η·q·(q − θ)·p
//! ```
//!
//! then, with `synapse_normalization`, every row of `W` is divided by its L2 norm (rows of
//! norm 0 are left alone). `z(−1) = 0` and `x(−1) = 0`; the state carries over from one
//! series to the next and from one epoch to the next (as in reservoirpy, whose `fit` never
//! resets it). reservoirpy 0.4.2's `fit` does not advance its state (it computes the next
//! state and drops it, so every step sees the initial state as pre-synaptic); lsm follows
//! the order the class documents, with the state advancing (see
//! `scripts/fixtures/gen_reservoirpy_plasticity.py`).
//!
//! # Intrinsic plasticity ([`Esn::learn_intrinsic`])
//! Units `y = f(g ⊙ z + h)` with gain `g` (initially 1) and bias `h` (initially 0); per step
//! the state update `x(t) = (1 − a)·x(t−1) + a·y(t)`, then, with `p = z(t)`, `q = y(t)`:
//!
//! ```text
//! gaussian (f = tanh, target N(μ, σ²)):
//!     Δh = −(−μ/σ² + (q/σ²)·(2σ² + 1 − q² + μ·q))
//! exponential (f = sigmoid, target of mean μ):
//!     Δh = 1 − (2 + 1/μ)·q + q²/μ
//! both:  Δg = 1/g + Δh·p;   g ← g + η·Δg,  h ← h + η·Δh
//! ```
//!
//! The learned gains and biases are then folded into the weights (`W ← diag(g)·W`,
//! `W_in ← diag(g)·W_in`, `b ← g ⊙ b + h`), so the network runs and is saved as any other.
//!
//! With leak rate 1 both rules are reservoirpy's; with a leak rate below 1 reservoirpy leaks
//! the net input (`r(t) = (1 − a)·r(t−1) + a·z(t)`, `x = f(r)`) while lsm leaks the output
//! (as every lsm ESN does), so the two differ.

use super::Esn;
use crate::ReservoirError;
use lsm_core::Real;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Activation of the ESN's units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// `tanh` (every ESN but one with an exponential intrinsic-plasticity target).
    #[default]
    Tanh,
    /// The logistic sigmoid `1/(1 + e^{−s})`, computed as `(1 + tanh(s/2))/2`.
    Sigmoid,
}

impl Activation {
    /// `f(s)`.
    #[inline(always)]
    pub fn apply(self, s: Real) -> Real {
        match self {
            Self::Tanh => super::tanh_fast(s),
            Self::Sigmoid => 0.5 + 0.5 * super::tanh_fast(0.5 * s),
        }
    }
    /// `true` for [`Activation::Tanh`] (serde: the field is omitted then).
    pub fn is_tanh(&self) -> bool {
        *self == Self::Tanh
    }
}

/// A local plasticity rule (see the module doc for the equations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalRule {
    /// `η·q·p`.
    Hebbian,
    /// `−η·q·p`.
    AntiHebbian,
    /// `η·q·(p − q·w)`.
    Oja,
    /// `−η·q·(p − q·w)`.
    AntiOja,
    /// `η·q·(q − θ)·p`.
    Bcm,
}

impl LocalRule {
    /// `ΔW` of one connection of weight `w`, pre-synaptic value `p`, post-synaptic `q`
    /// (the operations in reservoirpy's order).
    #[inline(always)]
    pub fn delta(self, eta: Real, theta: Real, w: Real, p: Real, q: Real) -> Real {
        match self {
            Self::Hebbian => eta * q * p,
            Self::AntiHebbian => -eta * q * p,
            Self::Oja => eta * q * (p - q * w),
            Self::AntiOja => -eta * q * (p - q * w),
            Self::Bcm => eta * q * (q - theta) * p,
        }
    }
}

/// Local synaptic plasticity of `W` (the `"plasticity"` object of an ESN config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynapticConfig {
    /// The rule. Required.
    pub rule: LocalRule,
    /// Learning rate η. Default 1e-3. Finite, >= 0.
    #[serde(default = "default_eta_local")]
    pub eta: Real,
    /// BCM threshold θ (rule `bcm` only). Default 0. Finite.
    #[serde(default)]
    pub bcm_theta: Real,
    /// Divide each row of `W` by its L2 norm after every update. Default false.
    #[serde(default)]
    pub synapse_normalization: bool,
    /// Passes over the training data. Default 1. >= 1.
    #[serde(default = "one")]
    pub epochs: usize,
}

/// Target distribution of intrinsic plasticity (it fixes the activation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IpTarget {
    /// Normal `N(μ, σ²)`, tanh units.
    Gaussian,
    /// Exponential of mean μ, sigmoid units.
    Exponential,
}

/// Intrinsic plasticity (the `"intrinsic"` object of an ESN config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicConfig {
    /// Target distribution. Required.
    pub target: IpTarget,
    /// Mean μ of the target. Default 0. Finite; > 0 for `exponential`.
    #[serde(default)]
    pub mu: Real,
    /// Standard deviation σ of the `gaussian` target. Default 1. Finite, > 0.
    #[serde(default = "one_real")]
    pub sigma: Real,
    /// Learning rate η. Default 5e-4. Finite, >= 0.
    #[serde(default = "default_eta_ip")]
    pub eta: Real,
    /// Passes over the training data. Default 1. >= 1.
    #[serde(default = "one")]
    pub epochs: usize,
}

fn default_eta_local() -> Real {
    1e-3
}
fn default_eta_ip() -> Real {
    5e-4
}
fn one() -> usize {
    1
}
fn one_real() -> Real {
    1.0
}

fn bad(field: &str, msg: &str) -> Result<(), ReservoirError> {
    Err(ReservoirError::Config {
        what: "esn",
        field: field.to_string(),
        msg: msg.to_string(),
    })
}

impl SynapticConfig {
    /// Check every field (errors name `plasticity.<field>`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<(), ReservoirError> {
        if !(self.eta.is_finite() && self.eta >= 0.0) {
            return bad("plasticity.eta", "expected a finite learning rate >= 0");
        }
        if !self.bcm_theta.is_finite() {
            return bad("plasticity.bcm_theta", "expected a finite threshold");
        }
        if self.bcm_theta != 0.0 && self.rule != LocalRule::Bcm {
            return bad(
                "plasticity.bcm_theta",
                "only the `bcm` rule has a threshold",
            );
        }
        if self.epochs == 0 {
            return bad("plasticity.epochs", "expected at least 1 epoch");
        }
        Ok(())
    }
}

impl IntrinsicConfig {
    /// Check every field (errors name `intrinsic.<field>`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<(), ReservoirError> {
        if !self.mu.is_finite() {
            return bad("intrinsic.mu", "expected a finite mean");
        }
        if self.target == IpTarget::Exponential && self.mu <= 0.0 {
            return bad(
                "intrinsic.mu",
                "the exponential target needs a mean > 0 (sigmoid units are positive)",
            );
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return bad(
                "intrinsic.sigma",
                "expected a finite standard deviation > 0",
            );
        }
        if !(self.eta.is_finite() && self.eta >= 0.0) {
            return bad("intrinsic.eta", "expected a finite learning rate >= 0");
        }
        if self.epochs == 0 {
            return bad("intrinsic.epochs", "expected at least 1 epoch");
        }
        Ok(())
    }

    /// The activation the target implies.
    pub fn activation(&self) -> Activation {
        match self.target {
            IpTarget::Gaussian => Activation::Tanh,
            IpTarget::Exponential => Activation::Sigmoid,
        }
    }

    /// `(Δg, Δh)` of one unit with net input `p`, output `q`, gain `g`.
    #[inline(always)]
    fn gradients(&self, p: Real, q: Real, g: Real) -> (Real, Real) {
        let mu = self.mu;
        let dh = match self.target {
            IpTarget::Gaussian => {
                let s2 = self.sigma * self.sigma;
                -(-(mu / s2) + (q / s2) * (2.0 * s2 + 1.0 - q * q + mu * q))
            }
            IpTarget::Exponential => 1.0 - (2.0 + 1.0 / mu) * q + (q * q) / mu,
        };
        (1.0 / g + dh * p, dh)
    }
}

/// The gains and biases intrinsic plasticity learned (already folded into the network).
#[derive(Clone, Debug, PartialEq)]
pub struct IntrinsicParams {
    /// Gain `g` per unit.
    pub gain: Vec<Real>,
    /// Bias `h` per unit.
    pub bias: Vec<Real>,
}

/// The error of a rule whose weights left the finite numbers.
fn diverged(field: &str, epoch: usize, step: usize) -> ReservoirError {
    ReservoirError::Config {
        what: "esn",
        field: field.to_string(),
        msg: format!(
            "the learned values became non-finite at epoch {epoch}, step {step} of the \
             training data; lower the learning rate (or, for `plasticity`, enable \
             synapse_normalization)"
        ),
    }
}

impl Esn {
    /// `z = W·x + W_in·u + b` (each sum in order, as reservoirpy's sparse products).
    fn net_input(&self, x: &[Real], u: &[Real], z: &mut [Real]) {
        let k = self.n_inputs;
        for (i, zi) in z.iter_mut().enumerate() {
            let mut r = 0.0;
            for p in self.indptr[i] as usize..self.indptr[i + 1] as usize {
                r += self.values[p] * x[self.indices[p] as usize];
            }
            let mut v = 0.0;
            for (w, ui) in self.w_in[i * k..(i + 1) * k].iter().zip(u) {
                v += w * ui;
            }
            *zi = r + v + self.bias[i];
        }
    }

    /// Check the shapes of the learning data.
    fn check_series(&self, series: &[ArrayView2<'_, Real>]) -> Result<(), ReservoirError> {
        for (s, m) in series.iter().enumerate() {
            if m.ncols() != self.n_inputs {
                return Err(ReservoirError::Input(format!(
                    "learning series {s} has {} channels, expected {}",
                    m.ncols(),
                    self.n_inputs
                )));
            }
        }
        Ok(())
    }

    /// Learn `W` by the local rule of `cfg` over `series` (each T × K, in order; the state
    /// carries over), `cfg.epochs` times (see the module doc). Deterministic and sequential.
    ///
    /// # Errors
    /// An invalid config, series of the wrong width, or weights that became non-finite.
    pub fn learn_synaptic(
        &mut self,
        cfg: &SynapticConfig,
        series: &[ArrayView2<'_, Real>],
    ) -> Result<(), ReservoirError> {
        cfg.validate()?;
        self.check_series(series)?;
        let n = self.n_units;
        let (a, f) = (self.leak_rate, self.activation);
        let (mut x, mut z, mut z_prev) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for_each_input(series, cfg.epochs, self.n_inputs, |epoch, t, u| {
            self.net_input(&x, u, &mut z);
            for (xi, zi) in x.iter_mut().zip(&z) {
                *xi = leak(a, *xi, f.apply(*zi));
            }
            for (i, &q) in z.iter().enumerate() {
                let (lo, hi) = (self.indptr[i] as usize, self.indptr[i + 1] as usize);
                for p in lo..hi {
                    let pre = z_prev[self.indices[p] as usize];
                    let w = self.values[p];
                    self.values[p] = w + cfg.rule.delta(cfg.eta, cfg.bcm_theta, w, pre, q);
                }
                if cfg.synapse_normalization {
                    let norm = self.values[lo..hi]
                        .iter()
                        .map(|w| w * w)
                        .sum::<Real>()
                        .sqrt();
                    if norm > 0.0 {
                        self.values[lo..hi].iter_mut().for_each(|w| *w /= norm);
                    }
                }
            }
            if !self.values.iter().all(|w| w.is_finite()) || !x.iter().all(|v| v.is_finite()) {
                return Err(diverged("plasticity.eta", epoch, t));
            }
            std::mem::swap(&mut z, &mut z_prev);
            Ok(())
        })?;
        self.pack();
        Ok(())
    }

    /// Learn a gain and a bias per unit by intrinsic plasticity over `series` (each T × K,
    /// in order; the state carries over), `cfg.epochs` times, then fold them into the weights
    /// (see the module doc). Returns the learned gains and biases.
    ///
    /// # Errors
    /// An invalid config, a target that does not match the network's activation, series of
    /// the wrong width, or values that became non-finite.
    pub fn learn_intrinsic(
        &mut self,
        cfg: &IntrinsicConfig,
        series: &[ArrayView2<'_, Real>],
    ) -> Result<IntrinsicParams, ReservoirError> {
        cfg.validate()?;
        self.check_series(series)?;
        let f = self.activation;
        if cfg.activation() != f {
            return Err(ReservoirError::Config {
                what: "esn",
                field: "intrinsic.target".into(),
                msg: format!(
                    "the {:?} target needs {:?} units, found {f:?}",
                    cfg.target,
                    cfg.activation()
                ),
            });
        }
        let n = self.n_units;
        let a = self.leak_rate;
        let (mut x, mut z) = (vec![0.0; n], vec![0.0; n]);
        let (mut g, mut h) = (vec![1.0; n], vec![0.0; n]);
        for_each_input(series, cfg.epochs, self.n_inputs, |epoch, t, u| {
            self.net_input(&x, u, &mut z);
            for i in 0..n {
                let y = f.apply(g[i] * z[i] + h[i]);
                x[i] = leak(a, x[i], y);
                let (dg, dh) = cfg.gradients(z[i], y, g[i]);
                g[i] += cfg.eta * dg;
                h[i] += cfg.eta * dh;
            }
            if !(g.iter().chain(&h).chain(&x)).all(|v| v.is_finite()) {
                return Err(diverged("intrinsic.eta", epoch, t));
            }
            Ok(())
        })?;
        let k = self.n_inputs;
        for i in 0..n {
            let (lo, hi) = (self.indptr[i] as usize, self.indptr[i + 1] as usize);
            self.values[lo..hi].iter_mut().for_each(|w| *w *= g[i]);
            self.w_in[i * k..(i + 1) * k]
                .iter_mut()
                .for_each(|w| *w *= g[i]);
            self.bias[i] = g[i] * self.bias[i] + h[i];
        }
        if !(self.values.iter().chain(&self.w_in).chain(&self.bias)).all(|v| v.is_finite()) {
            return Err(diverged("intrinsic.eta", cfg.epochs - 1, 0));
        }
        self.pack();
        Ok(IntrinsicParams { gain: g, bias: h })
    }

    /// The unsupervised rules of `cfg` (`intrinsic`, then `plasticity`), learned over
    /// `series`; nothing without them. Returns the intrinsic gains and biases if learned.
    ///
    /// # Errors
    /// As [`Esn::learn_intrinsic`] and [`Esn::learn_synaptic`].
    pub fn learn(
        &mut self,
        cfg: &super::EsnConfig,
        series: &[ArrayView2<'_, Real>],
    ) -> Result<Option<IntrinsicParams>, ReservoirError> {
        let ip = match &cfg.intrinsic {
            Some(ic) => Some(self.learn_intrinsic(ic, series)?),
            None => None,
        };
        if let Some(sc) = &cfg.plasticity {
            self.learn_synaptic(sc, series)?;
        }
        Ok(ip)
    }
}

/// Call `f(epoch, step, u)` with every input row of `series`, `epochs` times over (`step`
/// counts the rows of all series of an epoch), stopping at the first error.
fn for_each_input(
    series: &[ArrayView2<'_, Real>],
    epochs: usize,
    k: usize,
    mut f: impl FnMut(usize, usize, &[Real]) -> Result<(), ReservoirError>,
) -> Result<(), ReservoirError> {
    let mut u = vec![0.0; k];
    for epoch in 0..epochs {
        let mut t = 0;
        for m in series {
            for row in m.outer_iter() {
                u.iter_mut().zip(row.iter()).for_each(|(d, s)| *d = *s);
                f(epoch, t, &u)?;
                t += 1;
            }
        }
    }
    Ok(())
}

/// `(1 − a)·x + a·y`, or `y` for `a = 1` (as the step kernels).
#[inline(always)]
fn leak(a: Real, x: Real, y: Real) -> Real {
    if a == 1.0 {
        y
    } else {
        (1.0 - a) * x + a * y
    }
}
