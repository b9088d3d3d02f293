//! The `neuron` object of a network file: model, synapse and reset kinds, the parameters
//! and their validation (the field reference is in [`crate::spec`]).

use super::{check_steps, Param};
use crate::error::{field_err, limit, Result};
use crate::hh::HhParams;
use crate::izhikevich::IzhParams;
use lsm_core::limits::Limit;
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Neuron model name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Leaky (or, with `leaky: false`, non-leaky) integrate-and-fire.
    Lif,
    /// Hodgkin-Huxley ([`crate::hh`]; channel parameters in `neuron.hh`).
    Hh,
    /// Izhikevich 2003 ([`crate::izhikevich`]; parameters in `neuron.izhikevich`).
    Izhikevich,
    /// The theta neuron of Ermentrout & Kopell 1986 ([`crate::theta`]).
    Theta,
}

/// Synapse kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SynapseKind {
    /// Exponentially decaying currents; weights are current jumps in nA.
    ExpCurrent,
    /// Dirac pulses; weights are voltage jumps in mV.
    Delta,
    /// Exponentially decaying conductances with reversal potentials (`e_syn_exc_mv`,
    /// `e_syn_inh_mv`); weights are conductance jumps in nS, positive ones excitatory,
    /// negative ones inhibitory (the conductance grows by `|w|`).
    ExpConductance,
}

impl SynapseKind {
    /// The name in a network file (`"exp_current"`, `"delta"`, `"exp_conductance"`).
    pub fn name(self) -> &'static str {
        match self {
            SynapseKind::ExpCurrent => "exp_current",
            SynapseKind::Delta => "delta",
            SynapseKind::ExpConductance => "exp_conductance",
        }
    }
}

fn default_true() -> bool {
    true
}
fn zero_param() -> Param {
    Param::Scalar(0.0)
}
fn is_zero_param(p: &Param) -> bool {
    *p == Param::Scalar(0.0)
}

/// What a spike does to the membrane of a LIF neuron (`neuron.reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetKind {
    /// Reset to a value: `v ← v_reset` (the default).
    #[default]
    Value,
    /// Reset by subtraction: `v ← v − (v_th − v_reset)`, keeping the charge above the
    /// threshold (the integrate-and-fire neurons of converted ANNs, Rueckauer et al. 2017).
    Subtract,
}

fn is_value_reset(r: &ResetKind) -> bool {
    *r == ResetKind::Value
}

/// Largest `neuron.background.n_sources`: ten million independent Poisson sources per neuron
/// (a cortical neuron has about 10⁴ synapses; Brunel's model 800 external ones).
pub const MAX_BACKGROUND_SOURCES: u64 = 10_000_000;

/// Per-neuron Poisson background drive (`neuron.background`): each neuron has `n_sources`
/// independent Poisson sources of rate `rate_hz`, each a delta-timed synapse of `weight`
/// (Brunel 2000's external input, Brian2's `PoissonInput`). In each step every neuron receives
/// `k ~ Binomial(n_sources, rate_hz · dt)` of them, added as `k · weight` to the step's
/// synaptic input (see [`crate::sim`], step 4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Background {
    /// Independent sources per neuron, `1..=`[`MAX_BACKGROUND_SOURCES`].
    pub n_sources: u64,
    /// Rate of each source, Hz, >= 0, with `rate_hz · dt_ms / 1000 <= 1`.
    pub rate_hz: Real,
    /// Weight of each source spike, in the unit of the synapse weights (mV for `delta`, nA for
    /// `exp_current`, nS for `exp_conductance`); its sign picks the excitatory or inhibitory
    /// current or conductance as a recurrent weight's does.
    pub weight: Real,
}

impl Background {
    /// The probability that one source spikes in a step of `dt_ms`.
    pub fn p_per_step(&self, dt_ms: Real) -> Real {
        self.rate_hz * dt_ms / 1000.0
    }

    fn check(&self, file: &str, dt_ms: Real) -> Result<()> {
        let at = |f: &str| format!("neuron.background.{f}");
        if !(1..=MAX_BACKGROUND_SOURCES).contains(&self.n_sources) {
            return Err(field_err(
                file,
                at("n_sources"),
                format!(
                    "expected 1..={MAX_BACKGROUND_SOURCES} sources, found {}",
                    self.n_sources
                ),
            ));
        }
        if !(self.rate_hz.is_finite() && self.rate_hz >= 0.0) {
            return Err(field_err(
                file,
                at("rate_hz"),
                format!("expected a finite rate >= 0 Hz, found {}", self.rate_hz),
            ));
        }
        let p = self.p_per_step(dt_ms);
        if p > 1.0 {
            return Err(field_err(
                file,
                at("rate_hz"),
                format!(
                    "{} Hz is {p} spikes per source and step of dt_ms = {dt_ms}: expected at \
                     most 1 (rate_hz <= {} Hz)",
                    self.rate_hz,
                    1000.0 / dt_ms
                ),
            ));
        }
        if !self.weight.is_finite() {
            return Err(field_err(
                file,
                at("weight"),
                format!("expected a finite weight, found {}", self.weight),
            ));
        }
        Ok(())
    }
}

/// The `neuron` object of a network file (see the module documentation for every field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuronSpec {
    /// `"lif"`.
    pub model: ModelKind,
    /// `false` for the non-leaky integrate-and-fire neuron `C dv/dt = I`, `C = tau_m / R`.
    /// Default `true`.
    #[serde(default = "default_true")]
    pub leaky: bool,
    /// Membrane time constant, ms, > 0.
    pub tau_m_ms: Param,
    /// Membrane resistance, MΩ, > 0.
    pub r_mohm: Param,
    /// Resting potential, mV.
    pub v_rest_mv: Param,
    /// Reset potential, mV.
    pub v_reset_mv: Param,
    /// Threshold, mV (spike when `v > v_th`).
    pub v_th_mv: Param,
    /// Absolute refractory period, ms, >= 0.
    pub t_ref_ms: Param,
    /// What a spike does to the membrane: `"value"` (`v ← v_reset`, the default) or
    /// `"subtract"` (`v ← v − (v_th − v_reset)`; `"lif"` only, with `v_th > v_reset`).
    #[serde(default, skip_serializing_if = "is_value_reset")]
    pub reset: ResetKind,
    /// Constant bias current, nA. Default 0.
    #[serde(default = "zero_param", skip_serializing_if = "is_zero_param")]
    pub i_bias_na: Param,
    /// Standard deviation of the per-step Gaussian noise current, nA, >= 0. Default 0.
    #[serde(default = "zero_param", skip_serializing_if = "is_zero_param")]
    pub i_noise_na: Param,
    /// Poisson background drive per neuron ([`Background`]). Default (`null`): none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Background>,
    /// Initial membrane potential, mV. Default (`null`): `v_rest_mv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v_init_mv: Option<Param>,
    /// `"exp_current"`, `"delta"` or `"exp_conductance"`.
    pub synapse: SynapseKind,
    /// Excitatory synaptic time constant, ms (exp_current and exp_conductance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_syn_exc_ms: Option<Param>,
    /// Inhibitory synaptic time constant, ms (exp_current and exp_conductance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_syn_inh_ms: Option<Param>,
    /// Excitatory reversal potential, mV (exp_conductance only, where it is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_syn_exc_mv: Option<Param>,
    /// Inhibitory reversal potential, mV (exp_conductance only, where it is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_syn_inh_mv: Option<Param>,
    /// Spike-triggered threshold adaptation: the jump of the threshold at each spike, mV,
    /// >= 0. Default 0 (no adaptation: the plain LIF neuron).
    #[serde(default = "zero_param", skip_serializing_if = "is_zero_param")]
    pub adapt_mv: Param,
    /// Time constant of the threshold adaptation, ms, > 0. Required when `adapt_mv` is not
    /// zero; must be absent or null otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_adapt_ms: Option<Param>,
    /// Spike-triggered adaptation current (`"lif"` only): the jump of `w` at each spike, nA,
    /// >= 0; `−w` enters the membrane ([`crate::neuron::AdaptCurrent`]). Default 0 (none).
    #[serde(default = "zero_param", skip_serializing_if = "is_zero_param")]
    pub adapt_current_na: Param,
    /// Time constant of the adaptation current, ms, > 0. Required when `adapt_current_na` is
    /// not zero; must be absent or null otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_adapt_current_ms: Option<Param>,
    /// Channel parameters of the Hodgkin-Huxley model (`model: "hh"` only; absent or `{}`
    /// for the defaults). Must be absent for `"lif"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hh: Option<HhParams>,
    /// Parameters of the Izhikevich model (`model: "izhikevich"` only, where it is
    /// required). Must be absent for the other models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub izhikevich: Option<IzhParams>,
}

impl Default for NeuronSpec {
    /// The Maass, Natschläger & Markram (2002) LIF neuron: tau_m 30 ms, R 1 MΩ, rest 0 mV,
    /// reset 13.5 mV, threshold 15 mV, refractory 2 ms, bias 13.5 nA, exponential currents
    /// with tau_syn 3 ms (exc) and 6 ms (inh).
    fn default() -> Self {
        Self {
            model: ModelKind::Lif,
            leaky: true,
            tau_m_ms: 30.0.into(),
            r_mohm: 1.0.into(),
            v_rest_mv: 0.0.into(),
            v_reset_mv: 13.5.into(),
            v_th_mv: 15.0.into(),
            t_ref_ms: 2.0.into(),
            reset: ResetKind::Value,
            i_bias_na: 13.5.into(),
            i_noise_na: 0.0.into(),
            background: None,
            v_init_mv: None,
            synapse: SynapseKind::ExpCurrent,
            tau_syn_exc_ms: Some(3.0.into()),
            tau_syn_inh_ms: Some(6.0.into()),
            e_syn_exc_mv: None,
            e_syn_inh_mv: None,
            adapt_mv: 0.0.into(),
            tau_adapt_ms: None,
            adapt_current_na: 0.0.into(),
            tau_adapt_current_ms: None,
            hh: None,
            izhikevich: None,
        }
    }
}

impl NeuronSpec {
    /// The Hodgkin-Huxley neuron of [`crate::hh`] with its defaults: the squid axon's
    /// 1 µF/cm² and 0.3 mS/cm² on a 1,000 µm² patch (`tau_m_ms` 10/3, `r_mohm` 1000/3), rest
    /// −65 mV, spikes at upward crossings of 0 mV, no bias, exponential-current synapses with
    /// τ 5 ms (exc) and 10 ms (inh).
    pub fn hodgkin_huxley() -> Self {
        Self {
            model: ModelKind::Hh,
            leaky: true,
            tau_m_ms: (10.0 / 3.0).into(),
            r_mohm: (1000.0 / 3.0).into(),
            v_rest_mv: (-65.0).into(),
            v_reset_mv: (-65.0).into(),
            v_th_mv: 0.0.into(),
            t_ref_ms: 0.0.into(),
            reset: ResetKind::Value,
            i_bias_na: 0.0.into(),
            i_noise_na: 0.0.into(),
            background: None,
            v_init_mv: None,
            synapse: SynapseKind::ExpCurrent,
            tau_syn_exc_ms: Some(5.0.into()),
            tau_syn_inh_ms: Some(10.0.into()),
            e_syn_exc_mv: None,
            e_syn_inh_mv: None,
            adapt_mv: 0.0.into(),
            tau_adapt_ms: None,
            adapt_current_na: 0.0.into(),
            tau_adapt_current_ms: None,
            hh: Some(HhParams::default()),
            izhikevich: None,
        }
    }
}

impl NeuronSpec {
    /// Check every neuron field for `n` neurons at step `dt_ms` (errors name `file`).
    pub(crate) fn check(&self, file: &str, n: usize, dt_ms: Real) -> Result<()> {
        let ne = self;
        let pos = |x: Real| x.is_finite() && x > 0.0;
        let fin = |x: Real| x.is_finite();
        let nonneg = |x: Real| x.is_finite() && x >= 0.0;
        ne.tau_m_ms
            .check(file, "tau_m_ms", n, pos, "a time constant > 0 ms")?;
        ne.r_mohm
            .check(file, "r_mohm", n, pos, "a finite resistance > 0 MΩ")?;
        ne.v_rest_mv
            .check(file, "v_rest_mv", n, fin, "a finite potential")?;
        ne.v_reset_mv
            .check(file, "v_reset_mv", n, fin, "a finite potential")?;
        ne.v_th_mv
            .check(file, "v_th_mv", n, fin, "a finite potential")?;
        ne.t_ref_ms
            .check(file, "t_ref_ms", n, nonneg, "a refractory period >= 0 ms")?;
        check_steps(file, "neuron.t_ref_ms", &ne.t_ref_ms, dt_ms)?;
        ne.i_bias_na
            .check(file, "i_bias_na", n, fin, "a finite current")?;
        ne.i_noise_na
            .check(file, "i_noise_na", n, nonneg, "a noise amplitude >= 0 nA")?;
        if let Some(bg) = &ne.background {
            bg.check(file, dt_ms)?;
        }
        if let Some(v) = &ne.v_init_mv {
            v.check(file, "v_init_mv", n, fin, "a finite potential")?;
        }
        ne.adapt_mv.check(
            file,
            "adapt_mv",
            n,
            nonneg,
            "a threshold jump >= 0 mV (0: no adaptation)",
        )?;
        if ne.reset == ResetKind::Subtract {
            if ne.model != ModelKind::Lif {
                return Err(field_err(
                    file,
                    "neuron.reset",
                    "\"subtract\" is available for model \"lif\" only: expected \"value\"",
                ));
            }
            if let Some(i) = (0..n).find(|&i| ne.v_th_mv.get(i) <= ne.v_reset_mv.get(i)) {
                return Err(field_err(
                    file,
                    "neuron.reset",
                    format!(
                        "\"subtract\" lowers v by v_th_mv - v_reset_mv, which must be > 0: \
                         neuron {i} has v_th_mv {} and v_reset_mv {}",
                        ne.v_th_mv.get(i),
                        ne.v_reset_mv.get(i)
                    ),
                ));
            }
        }
        if ne.model != ModelKind::Hh && ne.hh.is_some() {
            return Err(field_err(
                file,
                "neuron.hh",
                "must be absent unless \"model\" is \"hh\" (Hodgkin-Huxley parameters)",
            ));
        }
        if ne.model != ModelKind::Izhikevich && ne.izhikevich.is_some() {
            return Err(field_err(
                file,
                "neuron.izhikevich",
                "must be absent unless \"model\" is \"izhikevich\" (Izhikevich parameters)",
            ));
        }
        match (ne.model, &ne.hh) {
            (ModelKind::Hh, hh) => {
                if let Some((name, msg)) = hh.as_ref().and_then(|p| p.invalid()) {
                    return Err(field_err(file, format!("neuron.hh.{name}"), msg));
                }
                let sub = hh
                    .as_ref()
                    .map_or(HhParams::default().substep_ms, |p| p.substep_ms);
                limit(
                    Limit::Substeps,
                    crate::hh::substeps_f(dt_ms, sub),
                    format!("{file}: fields `dt_ms` / `neuron.hh.substep_ms`"),
                )?;
                if !ne.leaky {
                    return Err(field_err(
                        file,
                        "neuron.leaky",
                        "must be true for model \"hh\" (its leak is part of the model)",
                    ));
                }
                if !ne.adapt_mv.is_all_zero() {
                    return Err(field_err(
                        file,
                        "neuron.adapt_mv",
                        "threshold adaptation is not available for model \"hh\": expected 0",
                    ));
                }
            }
            (ModelKind::Izhikevich, _) => crate::izhikevich::check_spec(ne, file, n)?,
            (ModelKind::Theta, _) => crate::theta::check_spec(ne, file)?,
            (ModelKind::Lif, _) => {}
        }
        for (jump, tau, what) in [
            ("adapt_mv", &ne.tau_adapt_ms, "tau_adapt_ms"),
            (
                "adapt_current_na",
                &ne.tau_adapt_current_ms,
                "tau_adapt_current_ms",
            ),
        ] {
            let zero = if jump == "adapt_mv" {
                ne.adapt_mv.is_all_zero()
            } else {
                ne.adapt_current_na.is_all_zero()
            };
            match (tau, zero) {
                (Some(p), false) => p.check(file, what, n, pos, "a time constant > 0 ms")?,
                (None, false) => {
                    return Err(field_err(
                        file,
                        format!("neuron.{what}"),
                        format!("missing: required (> 0 ms) when neuron.{jump} is not 0"),
                    ))
                }
                (Some(_), true) => {
                    return Err(field_err(
                        file,
                        format!("neuron.{what}"),
                        format!("must be absent or null when neuron.{jump} is 0 (no adaptation)"),
                    ))
                }
                (None, true) => {}
            }
        }
        ne.adapt_current_na.check(
            file,
            "adapt_current_na",
            n,
            nonneg,
            "a current jump >= 0 nA (0: no adaptation current)",
        )?;
        if ne.model != ModelKind::Lif && !ne.adapt_current_na.is_all_zero() {
            return Err(field_err(
                file,
                "neuron.adapt_current_na",
                "the adaptation current is available for model \"lif\" only: expected 0",
            ));
        }
        let taus = [
            ("tau_syn_exc_ms", &ne.tau_syn_exc_ms),
            ("tau_syn_inh_ms", &ne.tau_syn_inh_ms),
        ];
        let reversals = [
            ("e_syn_exc_mv", &ne.e_syn_exc_mv),
            ("e_syn_inh_mv", &ne.e_syn_inh_mv),
        ];
        let name = ne.synapse.name();
        if ne.synapse == SynapseKind::Delta {
            for (field, p) in taus {
                if p.is_some() {
                    return Err(field_err(
                        file,
                        format!("neuron.{field}"),
                        "must be absent or null for synapse \"delta\" (weights are voltage jumps)",
                    ));
                }
            }
        } else {
            for (field, p) in taus {
                match p {
                    Some(p) => p.check(file, field, n, pos, "a time constant > 0 ms")?,
                    None => {
                        return Err(field_err(
                            file,
                            format!("neuron.{field}"),
                            format!("missing: required (> 0 ms) for synapse \"{name}\""),
                        ))
                    }
                }
            }
        }
        if ne.synapse == SynapseKind::ExpConductance {
            if ne.model == ModelKind::Izhikevich {
                return Err(field_err(
                    file,
                    "neuron.synapse",
                    "\"exp_conductance\" is available for models \"lif\" and \"hh\": \
                     expected \"exp_current\" or \"delta\" for \"izhikevich\"",
                ));
            }
            for (field, p) in reversals {
                match p {
                    Some(p) => p.check(file, field, n, fin, "a finite reversal potential")?,
                    None => {
                        return Err(field_err(
                            file,
                            format!("neuron.{field}"),
                            "missing: required (mV) for synapse \"exp_conductance\"",
                        ))
                    }
                }
            }
        } else {
            for (field, p) in reversals {
                if p.is_some() {
                    return Err(field_err(
                        file,
                        format!("neuron.{field}"),
                        format!(
                            "must be absent or null for synapse \"{name}\" \
                             (reversal potentials belong to \"exp_conductance\")"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
