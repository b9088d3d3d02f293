//! Homeostatic thresholds: intrinsic plasticity of spiking neurons toward a target rate.
//!
//! # The rule
//!
//! The network runs its training samples one after another with its weights frozen. After
//! each sample, every LIF neuron `i` moves its threshold by the distance of its rate to the
//! target:
//!
//! ```text
//! θ_i ← clip(θ_i + η · (r_i − r₀), θ_i⁰ − Δ, θ_i⁰ + Δ)
//! ```
//!
//! with `r_i` its rate over the sample (Hz), `r₀` the target (`target_hz`), `η` the step
//! (`eta_mv_per_hz`, mV per Hz), `θ_i⁰` its threshold before learning and `Δ`
//! (`max_shift_mv`) the largest shift. A neuron firing above the target becomes harder to
//! fire, one below it easier, so the rates of the population are pulled toward `r₀`
//! whatever their drive (the homeostatic intrinsic plasticity of, e.g., Diehl & Cook 2015 or
//! Zenke et al. 2013, applied between samples). The learned thresholds are written into the
//! network file, one per neuron (`v_th_mv` as an array), so the learned network is an ordinary
//! network. No label is used; every sample uses its own noise stream (`SIM_NOISE + k`), so the
//! result is deterministic.
//!
//! Only LIF neurons have a threshold to move: the Izhikevich and Hodgkin-Huxley models are
//! refused. Per-neuron thresholds leave the simulator's homogeneous fast path.

use crate::error::{config_err, ReservoirError, Result};
use crate::network::Network;
use crate::sim::{Drive, RecordSpec, Recording};
use crate::spec::{ModelKind, NetworkSpec, Param};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Homeostatic-threshold parameters (JSON object; unknown fields are refused; every field has
/// a default).
///
/// | field | default | unit | meaning |
/// |---|---|---|---|
/// | `target_hz` | 10 | Hz | target rate `r₀` (>= 0) |
/// | `eta_mv_per_hz` | 0.02 | mV/Hz | threshold step per Hz of rate error `η` (> 0) |
/// | `max_shift_mv` | 10 | mV | largest shift of a threshold from its initial value `Δ` (> 0) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HomeostasisConfig {
    /// Target rate, Hz.
    pub target_hz: Real,
    /// Threshold step per Hz of rate error, mV/Hz.
    pub eta_mv_per_hz: Real,
    /// Largest shift of a threshold from its initial value, mV.
    pub max_shift_mv: Real,
}

impl Default for HomeostasisConfig {
    fn default() -> Self {
        Self {
            target_hz: 10.0,
            eta_mv_per_hz: 0.02,
            max_shift_mv: 10.0,
        }
    }
}

impl HomeostasisConfig {
    /// Check every field; `prefix` is prepended to field names in the error.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field.
    pub fn check(&self, prefix: &str) -> Result<()> {
        let f = |name: &str| format!("{prefix}{}{name}", if prefix.is_empty() { "" } else { "." });
        if !(self.target_hz.is_finite() && self.target_hz >= 0.0) {
            return Err(config_err(
                f("target_hz"),
                format!("expected a rate >= 0 Hz, found {}", self.target_hz),
            ));
        }
        for (name, v) in [
            ("eta_mv_per_hz", self.eta_mv_per_hz),
            ("max_shift_mv", self.max_shift_mv),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(config_err(
                    f(name),
                    format!("expected a value > 0, found {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// What [`train_homeostasis`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct HomeostasisSummary {
    /// Samples run.
    pub samples: usize,
    /// Mean absolute distance of the neurons' rates to the target over the first sample, Hz.
    pub rate_error_first: Real,
    /// The same over the last sample, Hz.
    pub rate_error_last: Real,
    /// Mean threshold shift at the end, mV.
    pub mean_shift_mv: Real,
}

/// Run `drives` one after another (sample `k` uses noise stream `SIM_NOISE + k`), moving the
/// thresholds of `spec`'s neurons after each (see the module doc); returns the network file
/// with the learned thresholds. `progress` is called after each sample with the number done.
///
/// # Errors
/// [`ReservoirError::Config`] for invalid parameters or a model without a threshold to move;
/// the network's and the simulator's errors.
pub fn train_homeostasis(
    spec: &NetworkSpec,
    drives: &[Drive<'_>],
    cfg: &HomeostasisConfig,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(NetworkSpec, HomeostasisSummary)> {
    cfg.check("")?;
    if spec.neuron.model != ModelKind::Lif {
        return Err(config_err(
            "homeostasis".to_string(),
            "homeostatic thresholds need LIF neurons (the Izhikevich and Hodgkin-Huxley \
             models have no threshold to move)"
                .to_string(),
        ));
    }
    let mut spec = spec.clone();
    let first = Network::from_spec(&spec)?;
    let total_steps: Real = drives.iter().map(|d| d.n_steps() as Real).sum();
    first.check_work(total_steps, "homeostasis: all samples of all epochs")?;
    let n = first.n_neurons();
    let dt = first.dt_ms();
    let theta0 = spec.neuron.v_th_mv.expand(n);
    let mut theta = theta0.clone();
    let rec = RecordSpec {
        spikes: true,
        ..RecordSpec::default()
    };
    let mut out = Recording::default();
    let (mut err_first, mut err_last) = (0.0, 0.0);
    let mut net = first;
    for (k, d) in drives.iter().enumerate() {
        let steps = d.n_steps();
        if steps == 0 {
            return Err(ReservoirError::Input(format!(
                "homeostasis: sample {k} has no steps"
            )));
        }
        let mut ws = net.workspace();
        net.run_into(*d, steps, &rec, seed, k as u64, &mut ws, &mut out)?;
        let counts = out
            .spikes
            .as_ref()
            .map(|s| s.counts())
            .unwrap_or_else(|| vec![0; n]);
        let seconds = steps as Real * dt * 1e-3;
        let mut err = 0.0;
        for i in 0..n {
            let r = counts[i] as Real / seconds;
            err += (r - cfg.target_hz).abs();
            theta[i] = (theta[i] + cfg.eta_mv_per_hz * (r - cfg.target_hz))
                .clamp(theta0[i] - cfg.max_shift_mv, theta0[i] + cfg.max_shift_mv);
        }
        err /= n.max(1) as Real;
        if k == 0 {
            err_first = err;
        }
        err_last = err;
        spec.neuron.v_th_mv = Param::PerNeuron(theta.clone());
        net = Network::from_spec(&spec)?;
        progress(k + 1);
    }
    let mean_shift = theta.iter().zip(&theta0).map(|(a, b)| a - b).sum::<Real>() / n.max(1) as Real;
    let summary = HomeostasisSummary {
        samples: drives.len(),
        rate_error_first: err_first,
        rate_error_last: err_last,
        mean_shift_mv: mean_shift,
    };
    Ok((spec, summary))
}
