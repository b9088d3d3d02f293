//! The network file: a documented, versioned JSON interchange format holding a whole network.
//!
//! # Format `lsm-network`, version 1
//!
//! ```json
//! { "format": "lsm-network", "version": 1, "dt_ms": 0.1, "n_neurons": 3, "n_inputs": 1,
//!   "neuron": { "model": "lif", "leaky": true,
//!               "tau_m_ms": 20.0, "r_mohm": 1.0, "v_rest_mv": 0.0, "v_reset_mv": 0.0,
//!               "v_th_mv": 1.0, "t_ref_ms": 2.0, "i_bias_na": 0.0, "i_noise_na": 0.0,
//!               "v_init_mv": null,
//!               "synapse": "exp_current", "tau_syn_exc_ms": 5.0, "tau_syn_inh_ms": 10.0 },
//!   "recurrent": { "pre": [0, 1], "post": [1, 2], "weight": [0.2, -1.0], "delay_ms": [0.1, 0.0] },
//!   "input":     { "pre": [0], "post": [0], "weight": [0.5] },
//!   "meta": { "anything": "free-form provenance, ignored by the simulator" } }
//! ```
//!
//! Fields (units are in the names; every neuron parameter may be a number, shared by all
//! neurons, or an array of `n_neurons` numbers, one per neuron):
//!
//! * `format` must be `"lsm-network"`; `version` must be `<= 1` (a newer version is refused
//!   with an error naming the file).
//! * `dt_ms` (> 0): the simulation step. `n_neurons` (>= 1), `n_inputs` (>= 0).
//! * `neuron.model`: `"lif"` (leaky or non-leaky integrate-and-fire) or `"hh"`
//!   (Hodgkin-Huxley, [`crate::hh`]: the same fields, read as described there: `tau_m_ms` and
//!   `r_mohm` give the capacitance and the leak conductance, `v_th_mv` is the spike-detection
//!   level, `t_ref_ms` the shortest interval between detected spikes, `v_reset_mv` is unused;
//!   `leaky` must be true and `adapt_mv` 0). `neuron.hh` (`"hh"` only, optional): the
//!   `kinetics` (`"hh1952"`, the default, or `"traub_miles"` with its offset `v_t_mv`) and
//!   the channel parameters `g_na_us`, `g_k_us`, `e_na_mv`, `e_k_mv`, `e_l_mv`, `substep_ms`
//!   ([`crate::hh::HhParams`]). `"izhikevich"` (Izhikevich 2003, [`crate::izhikevich`]) with
//!   `neuron.izhikevich`: a `preset` (`"regular-spiking"`, `"intrinsically-bursting"`,
//!   `"chattering"`, `"fast-spiking"`, `"low-threshold-spiking"`) and/or `a`, `b`, `c`, `d`;
//!   `v_th_mv` is the spike peak (30 mV), the reset is `c`, `t_ref_ms` must be 0.
//!   `"theta"` (the theta neuron of Ermentrout & Kopell 1986, [`crate::theta`]):
//!   `τ dθ/dt = (1 − cos θ) + (1 + cos θ) R I` with `tau_m_ms`, `r_mohm`, a spike at θ = π and
//!   reset to −π; `v_init_mv` / `v_rest_mv` is the initial phase in radians, `v_th_mv` and
//!   `v_reset_mv` are unused, synapses must be `exp_current` and `t_ref_ms` 0.
//! * `neuron.leaky` (default `true`): `false` gives the non-leaky integrate-and-fire neuron
//!   `C dv/dt = I` with `C = tau_m_ms / r_mohm` (nF). `tau_m_ms` and `r_mohm` are still given and
//!   only their ratio matters; `v_rest_mv` is then unused except as the default initial value.
//! * `tau_m_ms` (> 0), `r_mohm` (> 0, finite): membrane time constant and resistance. The leaky
//!   membrane is `tau_m dv/dt = -(v - v_rest) + R I(t)`, with `R I` in mV for `I` in nA.
//! * `v_rest_mv`, `v_reset_mv`, `v_th_mv`: resting, reset and threshold potentials. A neuron
//!   spikes when `v > v_th` (strictly, as Brian2's `threshold='v > v_th'`).
//! * `reset` (`"lif"` only, default `"value"`): what a spike does to the membrane. `"value"`
//!   sets `v = v_reset`; `"subtract"` lowers it by the threshold's height above the reset,
//!   `v = v − (v_th − v_reset)` (per neuron; `v_th_mv > v_reset_mv` is required), so the
//!   charge above the threshold carries over to the next spike ("reset by subtraction", the
//!   integrate-and-fire neurons of converted ANNs, Rueckauer et al. 2017). The reset comes
//!   after the step's synaptic input (step 4 of [`crate::neuron`]), so with delta synapses the
//!   input arriving in a neuron's spiking step is kept too. The threshold adaptation, if any,
//!   is not part of the subtracted amount; during a refractory period the membrane stays at
//!   the value the subtraction left.
//! * `t_ref_ms` (>= 0): absolute refractory period. It lasts `R = timestep(t_ref, dt)` steps
//!   (Brian2's `timestep(t, dt) = floor(t/dt + 1e-3)`): after a spike at step `s` the membrane is
//!   clamped at `v_reset` for the state updates of steps `s+1 .. s+R-1` and integrates again from
//!   step `s+R` on (Brian2's `not_refractory = timestep(t - lastspike, dt) >= timestep(t_ref, dt)`).
//! * `i_bias_na` (default 0): constant bias current. `i_noise_na` (default 0, >= 0): standard
//!   deviation of a Gaussian noise current, drawn independently per neuron and step and held
//!   constant over the step (as NEST's `noise_generator` with `dt` equal to the step).
//! * `background` (default `null`): Poisson background drive, `{"n_sources": 800,
//!   "rate_hz": 25.0, "weight": 0.1}` ([`Background`]): every neuron has `n_sources`
//!   independent Poisson sources of `rate_hz` (`rate_hz · dt_ms / 1000 <= 1`), each a synapse
//!   of `weight` without delay, in the unit and sign convention of the synapse weights (mV for
//!   `delta`: a jump of the membrane). In each step neuron `n` receives
//!   `k ~ Binomial(n_sources, rate_hz · dt)` source spikes, delivered with the step's
//!   recurrent input as `k · weight` (Brian2's `PoissonInput`, which draws the same binomial;
//!   lsm draws it exactly where Brian2 switches to a normal approximation for large counts).
//!   The draws come from their own stream, `rng_for(seed, stream::SIM_BACKGROUND + sample_id)`,
//!   one per neuron and step in neuron order ([`crate::sim`]). This is Brunel (2000)'s
//!   external input (the `brunel2000` preset, [`crate::generate::presets`]).
//! * `v_init_mv` (default `null`, meaning `v_rest_mv`): membrane potential at the start of every
//!   sample.
//! * `adapt_mv` (default 0, >= 0) and `tau_adapt_ms` (> 0; required when `adapt_mv` is not 0,
//!   absent otherwise): spike-triggered threshold adaptation (the adaptive LIF neuron). The
//!   threshold is `v_th + θ`, `θ` decays as `tau_adapt dθ/dt = −θ` and jumps by `adapt_mv` at
//!   each spike, so a neuron driven steadily fires less and less (spike-frequency adaptation,
//!   as the adaptive neurons of Bellec et al. 2018's LSNN). `θ` starts at 0 in every sample.
//! * `adapt_current_na` (default 0, >= 0; `"lif"` only) and `tau_adapt_current_ms` (> 0;
//!   required when `adapt_current_na` is not 0, absent otherwise): a spike-triggered
//!   adaptation current `w` that jumps by `adapt_current_na` at each spike, decays with
//!   `tau_adapt_current_ms` and enters the membrane as `−w` ([`crate::neuron::AdaptCurrent`]).
//! * `synapse`: `"exp_current"` (weights are current jumps in nA into exponentially decaying
//!   synaptic currents; positive weights go to the excitatory current with `tau_syn_exc_ms`,
//!   negative to the inhibitory one with `tau_syn_inh_ms`, both required and > 0) or `"delta"`
//!   (weights are instantaneous jumps of `v` in mV; `tau_syn_*` must be absent or null) or
//!   `"exp_conductance"` (models `"lif"` and `"hh"`: weights are jumps in nS of exponentially
//!   decaying conductances, positive weights excitatory, negative ones inhibitory by their
//!   magnitude; `tau_syn_exc_ms` and `tau_syn_inh_ms` as for `exp_current`, and the reversal
//!   potentials `e_syn_exc_mv`, `e_syn_inh_mv` (finite, mV) are required; they must be absent
//!   for the other synapses). Equations and scheme: [`crate::neuron`].
//! * `recurrent`, `input`: synapse lists of equal-length arrays `pre`, `post`, `weight` and
//!   optional `delay_ms`. For `recurrent`, `pre` and `post` are neuron indices in
//!   `0..n_neurons`; for `input`, `pre` is an input channel in `0..n_inputs` and `post` a neuron.
//!   `delay_ms` (>= 0, rounded to the nearest step as Brian2 does) may be omitted: every delay is
//!   then one step (`dt_ms`). A delay of 0 is allowed and arrives in the step of the spike.
//!   Multiple synapses between the same pair are allowed and add up.
//! * `recurrent.stp`, `input.stp` (optional): dynamic synapses (Tsodyks-Markram short-term
//!   depression and facilitation, [`crate::stp`]): `{"u": [...], "tau_rec_ms": [...],
//!   "tau_facil_ms": [...]}`, one value per synapse of the list (`u` in (0, 1],
//!   `tau_rec_ms` > 0, `tau_facil_ms` >= 0 with 0 meaning no facilitation); the `n`-th spike
//!   through a synapse has the amplitude `weight · u_n · R_n`.
//! * `meta` (optional): free-form JSON kept as is (the generator stores its config and seed).
//!
//! A file with the wrong `format`, a newer `version`, inconsistent array lengths, out-of-range
//! indices, negative or non-finite delays, or invalid parameters is refused with an error naming
//! the file and the field. Saving is atomic ([`lsm_core::write_atomic`]).

use crate::error::{field_err, limit, ReservoirError, Result};
use lsm_core::limits::{checked_steps, Limit, MAX_EXACT_STEPS};
use lsm_core::Real;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod neuron;
pub use crate::stp::StpParams;
pub use neuron::{
    Background, ModelKind, NeuronSpec, ResetKind, SynapseKind, MAX_BACKGROUND_SOURCES,
};

/// The value of the `format` field.
pub const FORMAT: &str = "lsm-network";
/// The newest file version this build reads and the one it writes.
pub const VERSION: u32 = 1;

/// A neuron parameter: one value for all neurons or one per neuron.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Param {
    /// Shared by every neuron.
    Scalar(Real),
    /// One value per neuron (`n_neurons` values).
    PerNeuron(Vec<Real>),
}

impl Param {
    /// The value for neuron `i` (the scalar, or element `i`).
    #[inline]
    pub fn get(&self, i: usize) -> Real {
        match self {
            Param::Scalar(x) => *x,
            Param::PerNeuron(v) => v[i],
        }
    }
    /// Whether every value is exactly 0.
    pub fn is_all_zero(&self) -> bool {
        match self {
            Param::Scalar(x) => *x == 0.0,
            Param::PerNeuron(v) => v.iter().all(|&x| x == 0.0),
        }
    }
    /// The values: one for a scalar, `n_neurons` otherwise.
    pub fn values(&self) -> &[Real] {
        match self {
            Param::Scalar(x) => std::slice::from_ref(x),
            Param::PerNeuron(v) => v,
        }
    }
    /// Expand to `n` values.
    pub fn expand(&self, n: usize) -> Vec<Real> {
        (0..n).map(|i| self.get(i)).collect()
    }
    pub(crate) fn check(
        &self,
        file: &str,
        name: &str,
        n: usize,
        ok: impl Fn(Real) -> bool,
        expect: &str,
    ) -> Result<()> {
        let field = format!("neuron.{name}");
        match self {
            Param::Scalar(x) => {
                if !ok(*x) {
                    return Err(field_err(
                        file,
                        field,
                        format!("expected {expect}, found {x}"),
                    ));
                }
            }
            Param::PerNeuron(v) => {
                if v.len() != n {
                    return Err(field_err(
                        file,
                        field,
                        format!("array has {} values, expected n_neurons = {n}", v.len()),
                    ));
                }
                if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !ok(**x)) {
                    return Err(field_err(
                        file,
                        format!("{field}[{i}]"),
                        format!("expected {expect}, found {x}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl From<Real> for Param {
    fn from(x: Real) -> Self {
        Param::Scalar(x)
    }
}

/// Every value of a time `p` (ms) must be a whole number of steps of `dt` that fits
/// ([`checked_steps`]): a period of `1e300` ms is an error, not an overflow.
pub(crate) fn check_steps(file: &str, field: &str, p: &Param, dt: Real) -> Result<()> {
    let vals = p.values();
    for (i, &t) in vals.iter().enumerate() {
        let steps = crate::neuron::timestep_f(t, dt);
        if checked_steps(steps).is_none() {
            let at = if vals.len() > 1 {
                format!("{field}[{i}]")
            } else {
                field.to_string()
            };
            return Err(field_err(
                file,
                at,
                format!(
                    "{} ms is {} steps of dt_ms = {dt}: expected at most 2^52 steps ({} ms)",
                    lsm_core::limits::fmt_num(t),
                    lsm_core::limits::fmt_num(steps),
                    lsm_core::limits::fmt_num(MAX_EXACT_STEPS * dt)
                ),
            ));
        }
    }
    Ok(())
}

/// A list of synapses (`recurrent` or `input`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynapseList {
    /// Presynaptic neuron (recurrent) or input channel (input).
    pub pre: Vec<u32>,
    /// Postsynaptic neuron.
    pub post: Vec<u32>,
    /// Weight: nA (exp_current) or mV (delta); positive excites, negative inhibits.
    pub weight: Vec<Real>,
    /// Delay in ms, >= 0. Absent: one step each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<Vec<Real>>,
    /// Dynamic synapses (short-term depression and facilitation, [`crate::stp`]): `U`, `D`,
    /// `F` per synapse. Absent: static synapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stp: Option<StpParams>,
}

impl SynapseList {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.pre.len()
    }
    /// No synapses.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty()
    }
    fn check(
        &self,
        file: &str,
        name: &str,
        n_pre: usize,
        pre_what: &str,
        n_post: usize,
        dt: Real,
    ) -> Result<Real> {
        let n = self.pre.len();
        let len_err = |f: &str, m: usize| {
            field_err(
                file,
                format!("{name}.{f}"),
                format!("array has {m} values but `{name}.pre` has {n}: expected equal lengths"),
            )
        };
        if self.post.len() != n {
            return Err(len_err("post", self.post.len()));
        }
        if self.weight.len() != n {
            return Err(len_err("weight", self.weight.len()));
        }
        // Without delays every synapse has one step.
        let mut max_delay: Real = if n == 0 { 0.0 } else { 1.0 };
        if let Some(d) = &self.delay_ms {
            max_delay = 0.0;
            if d.len() != n {
                return Err(len_err("delay_ms", d.len()));
            }
            for (i, &x) in d.iter().enumerate() {
                if !x.is_finite() || x < 0.0 {
                    return Err(field_err(
                        file,
                        format!("{name}.delay_ms[{i}]"),
                        format!("expected a finite delay >= 0 ms, found {x}"),
                    ));
                }
                if (x / dt).round() > crate::network::MAX_DELAY_STEPS as Real {
                    return Err(field_err(
                        file,
                        format!("{name}.delay_ms[{i}]"),
                        format!(
                            "delay {x} ms is {} steps, expected at most {} steps",
                            (x / dt).round(),
                            crate::network::MAX_DELAY_STEPS
                        ),
                    ));
                }
                max_delay = max_delay.max((x / dt).round());
            }
        }
        for (i, &p) in self.pre.iter().enumerate() {
            if p as usize >= n_pre {
                return Err(field_err(
                    file,
                    format!("{name}.pre[{i}]"),
                    format!("{pre_what} {p} is out of range, expected 0..{n_pre}"),
                ));
            }
        }
        for (i, &p) in self.post.iter().enumerate() {
            if p as usize >= n_post {
                return Err(field_err(
                    file,
                    format!("{name}.post[{i}]"),
                    format!("neuron {p} is out of range, expected 0..{n_post}"),
                ));
            }
        }
        for (i, &w) in self.weight.iter().enumerate() {
            if !w.is_finite() {
                return Err(field_err(
                    file,
                    format!("{name}.weight[{i}]"),
                    format!("expected a finite weight, found {w}"),
                ));
            }
        }
        if let Some(stp) = &self.stp {
            stp.check(file, name, n)?;
        }
        Ok(max_delay)
    }
}

/// A whole network, the serde mirror of the network file (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Always `"lsm-network"`.
    pub format: String,
    /// File format version (1).
    pub version: u32,
    /// Simulation step, ms.
    pub dt_ms: Real,
    /// Number of neurons.
    pub n_neurons: usize,
    /// Number of input channels.
    pub n_inputs: usize,
    /// Neuron model and parameters.
    pub neuron: NeuronSpec,
    /// Recurrent synapses (neuron → neuron).
    pub recurrent: SynapseList,
    /// Input synapses (input channel → neuron).
    pub input: SynapseList,
    /// Free-form provenance (generator config, seed), ignored by the simulator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

impl NetworkSpec {
    /// An empty network (no synapses) of `n_neurons` neurons and `n_inputs` inputs.
    pub fn new(dt_ms: Real, n_neurons: usize, n_inputs: usize, neuron: NeuronSpec) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            dt_ms,
            n_neurons,
            n_inputs,
            neuron,
            recurrent: SynapseList::default(),
            input: SynapseList::default(),
            meta: None,
        }
    }

    /// Parse and validate a network from JSON text; `file` names the source in errors.
    ///
    /// # Errors
    /// [`ReservoirError::Json`] for malformed JSON or structure, [`ReservoirError::Field`] for
    /// a wrong `format`, a newer `version` or any invalid field.
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        // Strict JSON (no duplicate keys, an object at the top); then check format and version
        // first, so that a newer file gives a clear message rather than an unknown-field error.
        let value = lsm_core::json::parse_object(text.as_bytes(), file)?;
        match value.get("format") {
            Some(serde_json::Value::String(s)) if s == FORMAT => {}
            Some(other) => {
                return Err(field_err(
                    file,
                    "format",
                    format!("expected \"{FORMAT}\", found {other}"),
                ))
            }
            None => {
                return Err(field_err(
                    file,
                    "format",
                    format!("missing: expected \"{FORMAT}\""),
                ))
            }
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v >= 1 && v <= VERSION as u64 => {}
            Some(v) => {
                return Err(field_err(
                    file,
                    "version",
                    format!(
                        "version {v} is not supported: this build of lsm reads versions 1..={VERSION} (newer files need a newer lsm)"
                    ),
                ))
            }
            None => {
                return Err(field_err(file, "version", "missing or not a positive integer"))
            }
        }
        let spec: NetworkSpec =
            serde_json::from_value(value).map_err(|e| ReservoirError::Json {
                file: file.into(),
                msg: format!("invalid network: {e}"),
            })?;
        spec.validate_named(file)?;
        Ok(spec)
    }

    /// Load and validate a network file.
    ///
    /// # Errors
    /// As [`NetworkSpec::from_json_str`], plus [`ReservoirError::Io`].
    pub fn load(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let text = lsm_core::read_to_string_capped(path).map_err(|e| ReservoirError::Io {
            file: file.clone(),
            source: e,
        })?;
        Self::from_json_str(&text, &file)
    }

    /// The JSON text of the network.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).expect("a network spec always serialises")
    }

    /// Validate, then save atomically.
    ///
    /// # Errors
    /// Validation errors, or [`ReservoirError::Io`].
    pub fn save(&self, path: &Path) -> Result<()> {
        let file = path.display().to_string();
        self.validate_named(&file)?;
        lsm_core::write_atomic(path, self.to_json_string().as_bytes())
            .map_err(|e| ReservoirError::Io { file, source: e })
    }

    /// Check every field (see the module documentation).
    ///
    /// # Errors
    /// [`ReservoirError::Field`] naming `<network>` and the field.
    pub fn validate(&self) -> Result<()> {
        self.validate_named("<network>")
    }

    /// As [`NetworkSpec::validate`], naming `file` in errors.
    pub fn validate_named(&self, file: &str) -> Result<()> {
        if self.format != FORMAT {
            return Err(field_err(
                file,
                "format",
                format!("expected \"{FORMAT}\", found \"{}\"", self.format),
            ));
        }
        if self.version == 0 || self.version > VERSION {
            return Err(field_err(
                file,
                "version",
                format!(
                    "version {} is not supported, expected 1..={VERSION}",
                    self.version
                ),
            ));
        }
        if !(self.dt_ms.is_finite() && self.dt_ms > 0.0) {
            return Err(field_err(
                file,
                "dt_ms",
                format!("expected a time step > 0 ms, found {}", self.dt_ms),
            ));
        }
        let n = self.n_neurons;
        if n == 0 || n > u32::MAX as usize / 2 {
            return Err(field_err(
                file,
                "n_neurons",
                format!("expected 1..2^31 neurons, found {n}"),
            ));
        }
        if self.n_inputs > u32::MAX as usize / 2 {
            return Err(field_err(
                file,
                "n_inputs",
                format!("expected 0..2^31 input channels, found {}", self.n_inputs),
            ));
        }
        limit(
            Limit::Neurons,
            n as Real,
            format!("{file}: field `n_neurons`"),
        )?;
        limit(
            Limit::Inputs,
            self.n_inputs as Real,
            format!("{file}: field `n_inputs`"),
        )?;
        limit(
            Limit::Synapses,
            self.recurrent.len() as Real + self.input.len() as Real,
            format!("{file}: fields `recurrent` and `input` (synapses)"),
        )?;
        self.neuron.check(file, n, self.dt_ms)?;
        let d_rec = self
            .recurrent
            .check(file, "recurrent", n, "neuron", n, self.dt_ms)?;
        let d_inp =
            self.input
                .check(file, "input", self.n_inputs, "input channel", n, self.dt_ms)?;
        // The delay ring buffer of every simulation: (largest delay + 1) x n x 2 values.
        limit(
            Limit::MemoryBytes,
            (d_rec.max(d_inp) + 1.0) * n as Real * 16.0,
            format!(
                "{file}: the delay ring buffer (largest delay in steps + 1) x n_neurons x 16 bytes"
            ),
        )?;
        Ok(())
    }
}
