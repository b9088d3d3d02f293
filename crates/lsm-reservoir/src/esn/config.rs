//! The ESN's config (`"reservoir": {"kind": "esn", ...}`): fields, defaults, validation
//! and cost checks.

use super::plasticity::{Activation, IntrinsicConfig, SynapticConfig};
use crate::ReservoirError;
use lsm_core::limits::{self, Limit};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Distribution of the recurrent weights before rescaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EsnWeightDist {
    /// Standard normal (reservoirpy's default).
    Normal,
    /// Uniform on [−1, 1] (Jaeger's).
    Uniform,
}

/// Distribution of the input weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputDist {
    /// `U[−1, 1]·input_scaling`.
    Uniform,
    /// `±input_scaling` with equal probability (reservoirpy's default).
    Bernoulli,
}

/// Echo state network parameters (the `"reservoir": {"kind": "esn", ...}` object of a
/// time-series config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EsnConfig {
    /// Number of units N. Default 400. >= 1.
    pub n_units: usize,
    /// Recurrent connections per unit (fixed in-degree; density = in_degree / N).
    /// Default 10. 1..=N.
    pub in_degree: usize,
    /// Spectral radius of `W` after rescaling. Default 1.0. >= 0 (0 = no recurrence).
    pub spectral_radius: Real,
    /// Distribution of recurrent weights before rescaling. Default `normal`.
    pub weights: EsnWeightDist,
    /// Input weight scale. Default 0.5. >= 0.
    pub input_scaling: Real,
    /// Probability that an input–unit connection exists. Default 1.0. (0, 1].
    pub input_connectivity: Real,
    /// Input weight distribution. Default `uniform`.
    pub input_weights: InputDist,
    /// Bias scale: `b_i ~ U[−1, 1]·bias_scaling`. Default 0.2. >= 0.
    pub bias_scaling: Real,
    /// Leak rate `a`. Default 1.0 (no leak). (0, 1].
    pub leak_rate: Real,
    /// Amplitude of the uniform state noise used while collecting training states.
    /// Default 0 (none). >= 0.
    pub noise: Real,
    /// Local synaptic plasticity of `W`, learned on the training data before the readout
    /// ([`super::plasticity`]). Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plasticity: Option<SynapticConfig>,
    /// Intrinsic plasticity (a gain and a bias per unit), learned on the training data
    /// before the readout ([`super::plasticity`]); its target fixes the activation. Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intrinsic: Option<IntrinsicConfig>,
}

impl Default for EsnConfig {
    fn default() -> Self {
        Self {
            n_units: 400,
            in_degree: 10,
            spectral_radius: 1.0,
            weights: EsnWeightDist::Normal,
            input_scaling: 0.5,
            input_connectivity: 1.0,
            input_weights: InputDist::Uniform,
            bias_scaling: 0.2,
            leak_rate: 1.0,
            noise: 0.0,
            plasticity: None,
            intrinsic: None,
        }
    }
}

impl EsnConfig {
    /// Check every field, and the sizes against [`lsm_core::limits`] (`n_units` against
    /// [`Limit::Neurons`], `n_units × in_degree` against [`Limit::Synapses`]).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<(), ReservoirError> {
        let bad = |field: &str, msg: &str| {
            Err(ReservoirError::Config {
                what: "esn",
                field: String::from(field),
                msg: msg.to_string(),
            })
        };
        if self.n_units == 0 || self.n_units > i32::MAX as usize {
            return bad("n_units", "expected 1..=2^31-1 units");
        }
        esn_limit(Limit::Neurons, self.n_units as Real, "n_units", "units")?;
        esn_limit(
            Limit::Synapses,
            self.n_units as Real * self.in_degree.min(self.n_units) as Real,
            "in_degree",
            "n_units x in_degree recurrent weights",
        )?;
        if self.in_degree == 0 || self.in_degree > self.n_units {
            return bad(
                "in_degree",
                &format!(
                    "expected 1..={} (n_units), found {}",
                    self.n_units, self.in_degree
                ),
            );
        }
        if !(self.spectral_radius.is_finite() && self.spectral_radius >= 0.0) {
            return bad("spectral_radius", "expected a finite number >= 0");
        }
        if !(self.input_scaling.is_finite() && self.input_scaling >= 0.0) {
            return bad("input_scaling", "expected a finite number >= 0");
        }
        if !(self.input_connectivity > 0.0 && self.input_connectivity <= 1.0) {
            return bad("input_connectivity", "expected a probability in (0, 1]");
        }
        if !(self.bias_scaling.is_finite() && self.bias_scaling >= 0.0) {
            return bad("bias_scaling", "expected a finite number >= 0");
        }
        if !(self.leak_rate > 0.0 && self.leak_rate <= 1.0) {
            return bad("leak_rate", "expected a leak rate in (0, 1]");
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return bad("noise", "expected a finite amplitude >= 0");
        }
        if let Some(p) = &self.plasticity {
            p.validate()?;
        }
        if let Some(i) = &self.intrinsic {
            i.validate()?;
        }
        Ok(())
    }

    /// The activation of the units: sigmoid for an exponential intrinsic-plasticity
    /// target, tanh otherwise.
    pub fn activation(&self) -> Activation {
        self.intrinsic
            .as_ref()
            .map_or(Activation::Tanh, IntrinsicConfig::activation)
    }

    /// Passes of the unsupervised rules over the training data (0 without them).
    pub fn learning_epochs(&self) -> usize {
        let p = self.plasticity.as_ref().map_or(0, |p| p.epochs);
        let i = self.intrinsic.as_ref().map_or(0, |i| i.epochs);
        p.saturating_add(i)
    }

    /// [`EsnConfig::validate`], and the cost of `n_inputs` input channels (the dense input
    /// matrix `n_units × n_inputs` against [`Limit::Synapses`]) and of running `n_steps`
    /// steps in total (`n_steps × (n_units × in_degree + n_units × n_inputs)` against
    /// [`Limit::Work`], times 1 + the epochs of the unsupervised rules), and the collected states `n_steps × n_units × 8` bytes against
    /// [`Limit::MemoryBytes`]). For the time-series pipeline: call it before building.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field, the limit and how to lift it.
    pub fn validate_cost(&self, n_inputs: usize, n_steps: usize) -> Result<(), ReservoirError> {
        self.validate()?;
        let (n, k, s) = (self.n_units as Real, n_inputs as Real, n_steps as Real);
        let inputs = format!("n_units x {n_inputs} input channels: input weights");
        esn_limit(Limit::Synapses, n * k, "n_units", &inputs)?;
        let passes = self.learning_epochs().saturating_add(1);
        let work = if passes > 1 {
            format!("{passes} passes of {n_steps} steps x (recurrent + input weights)")
        } else {
            format!("{n_steps} steps x (recurrent + input weights)")
        };
        let w = s * (n * self.in_degree as Real + n * k) * passes as Real;
        esn_limit(Limit::Work, w, "n_units", &work)?;
        let states = format!("collected states of {n_steps} steps x n_units x 8");
        esn_limit(Limit::MemoryBytes, s * n * 8.0, "n_units", &states)
    }
}

/// A cost check of an ESN config field, as [`ReservoirError::Config`].
pub(super) fn esn_limit(
    l: Limit,
    amount: Real,
    field: &'static str,
    what: &str,
) -> Result<(), ReservoirError> {
    limits::check(l, amount, format!("esn: field `{field}` ({what})")).map_err(|e| {
        ReservoirError::Config {
            what: "esn",
            field: field.to_string(),
            msg: e.to_string(),
        }
    })
}
