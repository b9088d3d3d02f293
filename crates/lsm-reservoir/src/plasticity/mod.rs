//! Plasticity of the recurrent excitatory synapses: spike-timing-dependent (STDP, pair and
//! triplet) and rate-based rules of the Hebbian family (Hebbian, anti-Hebbian, Oja, anti-Oja,
//! BCM; [`StdpModel`]).
//!
//! # The rule (pair-based, all-to-all, with traces; Song, Miller & Abbott 2000)
//!
//! Every neuron carries a presynaptic trace `x` (time constant `τ+`) and a postsynaptic trace
//! `y` (time constant `τ−`), both 0 at the start of a sample. In step `t`, after the spikes of
//! the step went out through the synapses (with the weights as they were before the step):
//!
//! 1. `x ← x · exp(−dt/τ+)`, `y ← y · exp(−dt/τ−)` for every neuron;
//! 2. for each neuron `j` spiking at `t` (ascending) and each plastic synapse `j → i` (CSR
//!    order): depression `w ← clip(w − Δ−, 0, w_max)`, then `x_j ← x_j + 1`;
//! 3. for each neuron `i` spiking at `t` (ascending) and each plastic synapse `j → i`:
//!    potentiation `w ← clip(w + Δ+, 0, w_max)`, then `y_i ← y_i + 1`.
//!
//! with, for the additive rule (`"rule": "additive"`, hard bounds), `Δ+ = A+ · w_max · x_j`
//! and `Δ− = A− · w_max · y_i`, and for the multiplicative rule (`"multiplicative"`, soft
//! bounds, Gütig et al. 2003 with μ = 1) `Δ+ = A+ · (w_max − w) · x_j` and
//! `Δ− = A− · w · y_i`. So a presynaptic spike `k` steps before a postsynaptic one changes the
//! weight by `A+ · w_max · exp(−k·dt/τ+)` (additive), a presynaptic spike `k` steps after a
//! postsynaptic one by `−A− · w_max · exp(−k·dt/τ−)`; a pre and a post spike in the same step
//! count as pre before post (the order of Brian2's `on_pre` / `on_post` pathways in its STDP
//! example). Spike times are taken at the soma: synaptic delays do not enter the rule.
//!
//! # The triplet rule (`"model": "triplet"`; Pfister & Gerstner 2006, all-to-all)
//!
//! Two more traces, a slow presynaptic `x₂` (`τx`) and a slow postsynaptic `y₂` (`τy`), decay
//! and are incremented like `x` and `y` (in step 2 `x₂_j ← x₂_j + 1` after the depression, in
//! step 3 `y₂_i ← y₂_i + 1` after the potentiation), and the changes become
//!
//! ```text
//! Δ− = (A− + A3− · x₂_j) · w_max · y_i        Δ+ = (A+ + A3+ · y₂_i) · w_max · x_j
//! ```
//!
//! (additive; multiplicative: `w` and `w_max − w` in place of `w_max`), each slow trace read
//! before its own spike's increment (Pfister & Gerstner's `t − ε`). With `A3± = 0` this is
//! the pair rule, bit for bit. Potentiation then grows with the postsynaptic rate: a pairing
//! protocol potentiates at high pairing frequencies and depresses at low ones (their Fig. 4),
//! which the pair rule cannot do.
//!
//! # Rate-based rules (`"model": "hebbian" | "anti-hebbian" | "oja" | "anti-oja" | "bcm"`)
//!
//! The spiking counterparts of the echo state network's local rules
//! ([`crate::esn::plasticity`], reservoirpy's `LocalPlasticityReservoir`), with the same names
//! (`"anti_hebbian"` and `"anti_oja"` are accepted too). Every neuron carries a rate trace `r`
//! (time constant `τr` = `tau_rate_ms`, 0 at the start of a sample), in units of
//! `rate_ref_hz`: with `d = exp(−dt/τr)` and `s = 1` if the neuron spiked in the step,
//!
//! ```text
//! ρ ← ρ · d + (1 − d)/dt · s / rate_ref        (dt in ms, rate_ref in spikes/ms)
//! ```
//!
//! so that the mean of `ρ` over a stationary train of rate `ν` is exactly `ν / rate_ref`
//! (dimensionless; a periodic train with a spike every `P` steps gives
//! `ρ = c · d^k` `k` steps after a spike, `c = (1 − d)/dt/(1 − d^P)/rate_ref`). Weights are
//! measured by their value when plasticity started: `u = w / w0`, bounded to
//! `[0, w_max_rel]` (so `w_max` is STDP's). In every step, after the step's spikes went out
//! with the weights before the step and the traces took the step's spikes in, each plastic
//! synapse `j → i` (pre `ρ_j`, post `ρ_i`) changes by
//!
//! ```text
//! hebbian        Δu =  h · ρ_j · ρ_i
//! anti-hebbian   Δu = −h · ρ_j · ρ_i
//! oja            Δu =  h · ρ_i · (ρ_j − ρ_i · u)
//! anti-oja       Δu = −h · ρ_i · (ρ_j − ρ_i · u)
//! bcm            Δu =  h · ρ_j · ρ_i · (ρ_i − θ_i)
//! u ← clip(u + Δu, 0, w_max_rel),   w = w0 · u,   h = eta_per_s · dt / 1000
//! ```
//!
//! so `du/dt = η · f` with `η` in 1/s. Oja's rule drives `u` toward `⟨ρ_j ρ_i⟩ / ⟨ρ_i²⟩` at
//! the rate `η ⟨ρ_i²⟩`; BCM potentiates while the postsynaptic rate is above its threshold
//! and depresses below it. `θ` is `bcm_theta` (in units of `rate_ref`, so the default 1 is
//! the reference rate) for every neuron, or, with `tau_theta_ms` (`τθ`), slides toward the
//! mean square of its neuron's rate (classic BCM): `θ_i ← θ_i + dt/τθ · (ρ_i² − θ_i)` in each
//! step before the weights change, starting from `bcm_theta`. The rate traces start from 0 in
//! every sample (as STDP's traces do); a sliding `θ` carries over from sample to sample (it is
//! a slow average of the activity, like the weights it protects) and is not saved (only the
//! weights are). Every rule has the factor `ρ_i`: the synapses onto a neuron whose trace is
//! exactly 0 (one that has not spiked yet in the sample) are skipped, which changes nothing.
//! The cost is one multiply-add per plastic synapse and step, so
//! [`train_stdp`] checks steps × plastic synapses against [`lsm_core::limits::Limit::Work`].
//!
//! `w_max` is per synapse: `w_max_rel` times the synapse's weight when plasticity started.
//! Plastic synapses are the positive-weight recurrent synapses whose presynaptic neuron is
//! excitatory and, with `"synapses": "exc_to_exc"` (the default), whose postsynaptic neuron is
//! excitatory too. Which neurons are excitatory comes from the generator's `meta.excitatory`
//! or, for other network files, from the signs of their outgoing weights (a neuron is
//! excitatory unless it has a negative outgoing weight).
//!
//! Plasticity runs through [`Network::run_plastic_into`](crate::Network::run_plastic_into): the network stays immutable, the
//! evolving weights live in an [`Stdp`], and [`Stdp::to_spec`] writes them into a new network
//! file. [`train_stdp`] runs a list of samples one after another (the weights carry over from
//! sample to sample, so this is sequential by nature; every step is deterministic).

mod rate;
mod series;
mod stdp;

pub use stdp::{train_stdp, Stdp, StdpSummary};

use crate::error::{config_err, ReservoirError, Result};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Which activity a weight change depends on: spike pairs or triplets (STDP), or the rates of
/// the two neurons (the Hebbian family; the names of the ESN's [`crate::esn::LocalRule`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdpModel {
    /// Pairs of a pre- and a postsynaptic spike (Song, Miller & Abbott 2000).
    #[default]
    Pair,
    /// Pairs and triplets (Pfister & Gerstner 2006, all-to-all): two slow traces more.
    Triplet,
    /// Rate-based Hebbian: `du/dt = η ρ_j ρ_i`.
    Hebbian,
    /// Rate-based anti-Hebbian: `du/dt = −η ρ_j ρ_i`.
    #[serde(rename = "anti-hebbian", alias = "anti_hebbian")]
    AntiHebbian,
    /// Rate-based Oja: `du/dt = η ρ_i (ρ_j − ρ_i u)`.
    Oja,
    /// Rate-based anti-Oja: `du/dt = −η ρ_i (ρ_j − ρ_i u)`.
    #[serde(rename = "anti-oja", alias = "anti_oja")]
    AntiOja,
    /// Rate-based BCM: `du/dt = η ρ_j ρ_i (ρ_i − θ_i)`, fixed or sliding threshold.
    Bcm,
}

impl StdpModel {
    /// The name in a config file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pair => "pair",
            Self::Triplet => "triplet",
            Self::Hebbian => "hebbian",
            Self::AntiHebbian => "anti-hebbian",
            Self::Oja => "oja",
            Self::AntiOja => "anti-oja",
            Self::Bcm => "bcm",
        }
    }

    /// Whether this is a rate-based rule (not STDP).
    pub fn is_rate_based(self) -> bool {
        !matches!(self, Self::Pair | Self::Triplet)
    }
}

/// How a weight change depends on the weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdpRule {
    /// Changes proportional to `w_max`, weights clipped to `[0, w_max]` (hard bounds).
    Additive,
    /// Potentiation proportional to `w_max − w`, depression to `w` (soft bounds).
    Multiplicative,
}

/// Which recurrent synapses are plastic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlasticSynapses {
    /// Excitatory → excitatory.
    ExcToExc,
    /// Every excitatory synapse (onto excitatory and inhibitory neurons).
    Exc,
}

/// STDP parameters (JSON object; unknown fields are refused; every field has a default).
///
/// | field | default | unit | meaning |
/// |---|---|---|---|
/// | `tau_plus_ms` | 20 | ms | potentiation window `τ+` (> 0) |
/// | `tau_minus_ms` | 20 | ms | depression window `τ−` (> 0) |
/// | `a_plus` | 0.005 | 1 | potentiation amplitude `A+` (>= 0), a fraction of `w_max` |
/// | `a_minus` | 0.00525 | 1 | depression amplitude `A−` (>= 0); Song et al.'s `A−/A+ = 1.05` |
/// | `w_max_rel` | 2 | 1 | `w_max` of a synapse / its initial weight (>= 1) |
/// | `rule` | `"additive"` | | [`StdpRule`] |
/// | `synapses` | `"exc_to_exc"` | | [`PlasticSynapses`] |
/// | `model` | `"pair"` | | [`StdpModel`]: `"pair"`, `"triplet"`, `"hebbian"`, `"anti-hebbian"`, `"oja"`, `"anti-oja"`, `"bcm"` |
/// | `tau_x_ms` ... `a3_minus` | | | read by `"triplet"` only: |
/// | `tau_x_ms` | 101 | ms | slow presynaptic trace `τx` (> 0) |
/// | `tau_y_ms` | 125 | ms | slow postsynaptic trace `τy` (> 0) |
/// | `a3_plus` | 0.0062 | 1 | triplet potentiation amplitude `A3+` (>= 0) |
/// | `a3_minus` | 0.00023 | 1 | triplet depression amplitude `A3−` (>= 0) |
/// | `eta_per_s` | 0.01 | 1/s | learning rate `η` of the rate-based models (>= 0) |
/// | `tau_rate_ms` | 50 | ms | rate trace `τr` of the rate-based models (> 0) |
/// | `rate_ref_hz` | 10 | Hz | the rate that counts as 1 in the rate-based models (> 0) |
/// | `bcm_theta` | 1 | 1 | `"bcm"`: the threshold `θ` in units of `rate_ref_hz` (>= 0), or where a sliding one starts |
/// | `tau_theta_ms` | absent (fixed `θ`) | ms | `"bcm"`: time constant of a sliding threshold `θ → ⟨ρ²⟩` (> 0) |
///
/// `w_max_rel` and `synapses` serve every model. The pair/triplet fields (`tau_plus_ms` to
/// `a3_minus`, `rule`) must keep their defaults under a rate-based model, and the rate fields
/// must be absent under `"pair"` and `"triplet"` (`bcm_theta`, `tau_theta_ms`: `"bcm"` only),
/// so a field is never silently ignored. The rate fields are omitted from the JSON when
/// absent, so every STDP config reads and writes as before.
///
/// The triplet defaults are Pfister & Gerstner's all-to-all fit to visual cortex data
/// (their Table 3, with their `τ+` 16.8 ms, `τ−` 33.7 ms, `A2+` 5e-10, `A2−` 7e-3 to be set
/// in `tau_plus_ms`, `tau_minus_ms`, `a_plus`, `a_minus`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StdpConfig {
    /// Potentiation time constant, ms.
    pub tau_plus_ms: Real,
    /// Depression time constant, ms.
    pub tau_minus_ms: Real,
    /// Potentiation amplitude (fraction of `w_max`).
    pub a_plus: Real,
    /// Depression amplitude (fraction of `w_max`).
    pub a_minus: Real,
    /// Upper bound of a weight relative to its initial value.
    pub w_max_rel: Real,
    /// Weight dependence.
    pub rule: StdpRule,
    /// Plastic synapses.
    pub synapses: PlasticSynapses,
    /// The model: pair or triplet STDP, or a rate-based rule of the Hebbian family.
    #[serde(skip_serializing_if = "is_pair")]
    pub model: StdpModel,
    /// Slow presynaptic trace time constant `τx`, ms (triplet rule).
    pub tau_x_ms: Real,
    /// Slow postsynaptic trace time constant `τy`, ms (triplet rule).
    pub tau_y_ms: Real,
    /// Triplet potentiation amplitude `A3+` (fraction of `w_max`).
    pub a3_plus: Real,
    /// Triplet depression amplitude `A3−` (fraction of `w_max`).
    pub a3_minus: Real,
    /// Learning rate `η` of the rate-based models, 1/s (`None`: 0.01).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_per_s: Option<Real>,
    /// Rate trace time constant `τr` of the rate-based models, ms (`None`: 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_rate_ms: Option<Real>,
    /// The rate that counts as 1 in the rate-based models, Hz (`None`: 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_ref_hz: Option<Real>,
    /// BCM threshold `θ` in units of `rate_ref_hz`, or the start of a sliding one (`None`: 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcm_theta: Option<Real>,
    /// Time constant of BCM's sliding threshold, ms (`None`: a fixed threshold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_theta_ms: Option<Real>,
}

/// Default learning rate of the rate-based models, 1/s.
pub const DEFAULT_ETA_PER_S: Real = 0.01;
/// Default rate trace time constant of the rate-based models, ms.
pub const DEFAULT_TAU_RATE_MS: Real = 50.0;
/// Default reference rate of the rate-based models, Hz.
pub const DEFAULT_RATE_REF_HZ: Real = 10.0;
/// Default BCM threshold, in units of the reference rate.
pub const DEFAULT_BCM_THETA: Real = 1.0;

fn is_pair(m: &StdpModel) -> bool {
    *m == StdpModel::Pair
}

impl Default for StdpConfig {
    fn default() -> Self {
        Self {
            tau_plus_ms: 20.0,
            tau_minus_ms: 20.0,
            a_plus: 0.005,
            a_minus: 0.00525,
            w_max_rel: 2.0,
            rule: StdpRule::Additive,
            synapses: PlasticSynapses::ExcToExc,
            model: StdpModel::Pair,
            tau_x_ms: 101.0,
            tau_y_ms: 125.0,
            a3_plus: 6.2e-3,
            a3_minus: 2.3e-4,
            eta_per_s: None,
            tau_rate_ms: None,
            rate_ref_hz: None,
            bcm_theta: None,
            tau_theta_ms: None,
        }
    }
}

impl StdpConfig {
    /// Parse a STDP config file (a JSON object without duplicate keys; unknown fields are
    /// refused, `{}` is every default) and check it; `file` names the source in errors.
    ///
    /// # Errors
    /// [`ReservoirError::Json`], [`ReservoirError::Core`] or
    /// [`ReservoirError::Field`] (naming the file and the field).
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let c: StdpConfig = crate::error::from_json_object(text, file, "STDP config")?;
        c.check("").map_err(|e| match e {
            ReservoirError::Config { field, msg, .. } => ReservoirError::Field {
                file: file.to_string(),
                field,
                msg,
            },
            e => e,
        })?;
        Ok(c)
    }

    /// Check every field; `prefix` is prepended to field names in the error (e.g. `plasticity`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field.
    pub fn check(&self, prefix: &str) -> Result<()> {
        let f = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        for (name, v) in [
            ("tau_plus_ms", self.tau_plus_ms),
            ("tau_minus_ms", self.tau_minus_ms),
            ("tau_x_ms", self.tau_x_ms),
            ("tau_y_ms", self.tau_y_ms),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(config_err(
                    f(name),
                    format!("expected a time > 0 ms, found {v}"),
                ));
            }
        }
        for (name, v) in [
            ("a_plus", self.a_plus),
            ("a_minus", self.a_minus),
            ("a3_plus", self.a3_plus),
            ("a3_minus", self.a3_minus),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_err(
                    f(name),
                    format!("expected an amplitude >= 0, found {v}"),
                ));
            }
        }
        if !(self.w_max_rel.is_finite() && self.w_max_rel >= 1.0) {
            return Err(config_err(
                f("w_max_rel"),
                format!("expected a ratio >= 1, found {}", self.w_max_rel),
            ));
        }
        self.check_rate_fields(&f)
    }

    /// The rate-based models' fields, and that no field is set that the model does not read.
    fn check_rate_fields(&self, f: &dyn Fn(&str) -> String) -> Result<()> {
        let model = self.model.name();
        let rate_fields = [
            ("eta_per_s", self.eta_per_s),
            ("tau_rate_ms", self.tau_rate_ms),
            ("rate_ref_hz", self.rate_ref_hz),
            ("bcm_theta", self.bcm_theta),
            ("tau_theta_ms", self.tau_theta_ms),
        ];
        if !self.model.is_rate_based() {
            if let Some((name, _)) = rate_fields.iter().find(|(_, v)| v.is_some()) {
                return Err(config_err(
                    f(name),
                    format!(
                        "read by the rate-based models only (hebbian, anti-hebbian, oja, \
                         anti-oja, bcm), not by \"{model}\": remove it or set model"
                    ),
                ));
            }
            return Ok(());
        }
        let d = StdpConfig::default();
        for (name, same) in [
            ("tau_plus_ms", self.tau_plus_ms == d.tau_plus_ms),
            ("tau_minus_ms", self.tau_minus_ms == d.tau_minus_ms),
            ("a_plus", self.a_plus == d.a_plus),
            ("a_minus", self.a_minus == d.a_minus),
            ("rule", self.rule == d.rule),
            ("tau_x_ms", self.tau_x_ms == d.tau_x_ms),
            ("tau_y_ms", self.tau_y_ms == d.tau_y_ms),
            ("a3_plus", self.a3_plus == d.a3_plus),
            ("a3_minus", self.a3_minus == d.a3_minus),
        ] {
            if !same {
                return Err(config_err(
                    f(name),
                    format!(
                        "read by the pair and triplet rules only, not by \"{model}\": remove \
                         it (the rate-based models use eta_per_s, tau_rate_ms, rate_ref_hz)"
                    ),
                ));
            }
        }
        if self.model != StdpModel::Bcm {
            for (name, v) in &rate_fields[3..] {
                if v.is_some() {
                    return Err(config_err(
                        f(name),
                        format!("read by \"bcm\" only, not by \"{model}\": remove it"),
                    ));
                }
            }
        }
        for (name, v, what) in [
            ("eta_per_s", self.eta_per_s, "a learning rate >= 0 (1/s)"),
            ("tau_rate_ms", self.tau_rate_ms, "a time > 0 ms"),
            ("rate_ref_hz", self.rate_ref_hz, "a rate > 0 Hz"),
            ("bcm_theta", self.bcm_theta, "a threshold >= 0"),
            ("tau_theta_ms", self.tau_theta_ms, "a time > 0 ms"),
        ] {
            let strict = !matches!(name, "eta_per_s" | "bcm_theta");
            if let Some(v) = v {
                if !(v.is_finite() && (v > 0.0 || (!strict && v == 0.0))) {
                    return Err(config_err(f(name), format!("expected {what}, found {v}")));
                }
            }
        }
        Ok(())
    }
}
