//! The Izhikevich (2003) neuron (`"model": "izhikevich"` in a network file): a quadratic
//! membrane with a recovery variable, four parameters and the firing patterns of cortical cells
//! (E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural Netw. 14, 2003).
//!
//! # Equations (v in mV, t in ms, as in the paper)
//!
//! ```text
//! dv/dt = 0.04 v² + 5 v + 140 − u + I
//! du/dt = a (b v − u)
//! if v >= v_th_mv (30 mV): v ← c, u ← u + d
//! I = I_exc + I_inh + I_bias + I_ext
//! ```
//!
//! **Units of `I`.** The input enters `I` directly, as in the paper: a current of 1 nA
//! (`i_bias_na`, `i_noise_na`, an analog drive, or the synaptic currents of `exp_current`
//! synapses whose weights are in nA) raises `dv/dt` by 1 mV/ms, i.e. the membrane has a
//! capacitance of 1 nF. With `delta` synapses a spike adds its weight `w` (mV) to `v`.
//! `I_exc` and `I_inh` are the LIF's exponential currents (`tau_syn_exc_ms`,
//! `tau_syn_inh_ms`).
//!
//! **Parameters** (`neuron.izhikevich` in a network file, [`IzhParams`]): a `preset` by name
//! and/or `a`, `b`, `c`, `d`, each a number or one per neuron (an explicit value replaces the
//! preset's). The presets are the paper's:
//!
//! | preset | a | b | c | d |
//! |---|---|---|---|---|
//! | `regular-spiking` | 0.02 | 0.2 | −65 | 8 |
//! | `intrinsically-bursting` | 0.02 | 0.2 | −55 | 4 |
//! | `chattering` | 0.02 | 0.2 | −50 | 2 |
//! | `fast-spiking` | 0.1 | 0.2 | −65 | 2 |
//! | `low-threshold-spiking` | 0.02 | 0.25 | −65 | 2 |
//!
//! Of the other neuron fields, `v_th_mv` is the spike peak (30 mV in the paper), `v_init_mv`
//! (or `v_rest_mv`) the potential at the start of every sample, with `u = b v` there; the reset
//! is `c`, so `v_reset_mv`, `tau_m_ms` and `r_mohm` are unused (they must still be valid);
//! `leaky` must be true, `t_ref_ms` and `adapt_mv` 0 (the model has its own recovery).
//!
//! **Dimensional form.** `quadratic: [k2, k1, k0]` replaces `0.04 v² + 5 v + 140`. The form
//! of Izhikevich's 2007 book used by Nicola & Clopath (2017),
//! `C dv/dt = k (v − v_r)(v − v_t) − u + I`, `du/dt = a (b (v − v_r) − u)`, `u ← u + d`, is
//! this model with `u' = (u + b v_r)/C` and the currents (bias, synaptic weights, feedback)
//! divided by `C`: `k2 = k/C`, `k1 = −k (v_r + v_t)/C`, `k0 = (k v_r v_t + b v_r)/C`,
//! `b' = b/C`, `d' = d/C`. Nicola & Clopath's values (`C` = 250 pF,
//! `k` = 2.5, `v_r` = −60 mV, `v_t` = −19.2 mV, `a` = 0.01, `b` = −2 nS, `d` = 200 pA) give
//! `[0.01, 0.792, 12.0]`, `a` 0.01, `b` −0.008, `d` 0.8, `c` −65 and peak 30 mV; a current of
//! 1 nA here is 250 pA there.
//!
//! # Integration: forward Euler at the simulation step
//!
//! With `h = dt_ms` and the values at the start of the step (Brian2's `method='euler'`, whose
//! generated expressions these are, term for term):
//!
//! ```text
//! v ← v + h (0.04 v² + 5 v + 140 − u + I)
//! u ← u + h a (b v − u)
//! I_x ← exp(−h/tau_x) I_x            x = exc, inh (exact decay, after the update of v and u)
//! ```
//!
//! The paper's own code takes 1 ms steps, `v` in two half steps (for numerical stability) and
//! `u` from the new `v`; lsm uses plain forward Euler at `dt` (0.1 ms in its generated
//! networks), which is what Brian2 and most simulators call Euler, so results can be checked
//! against them. The schedule of a step is the LIF's (update, threshold `v >= v_th`, synaptic
//! delivery, reset), so a spike arriving in the step in which the neuron fires is overwritten by
//! the reset. `tests/izhikevich.rs` checks spike for spike against Brian2 2.9.
//!
//! A recording's final state ([`crate::FinalState`]) holds `v` and the synaptic currents, with
//! no refractory steps; the recovery variable `u` is not part of it.

// Hot loops index several SoA slices in lock step.
#![allow(clippy::needless_range_loop)]

use crate::error::{field_err, Result};
use crate::neuron::NeuronModel;
use crate::spec::{NeuronSpec, Param, SynapseKind};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// The paper's presets: name and `[a, b, c, d]`.
pub const PRESETS: [(&str, [Real; 4]); 5] = [
    ("regular-spiking", [0.02, 0.2, -65.0, 8.0]),
    ("intrinsically-bursting", [0.02, 0.2, -55.0, 4.0]),
    ("chattering", [0.02, 0.2, -50.0, 2.0]),
    ("fast-spiking", [0.1, 0.2, -65.0, 2.0]),
    ("low-threshold-spiking", [0.02, 0.25, -65.0, 2.0]),
];

/// `[a, b, c, d]` of a preset, `None` for an unknown name.
pub fn preset(name: &str) -> Option<[Real; 4]> {
    PRESETS.iter().find(|p| p.0 == name).map(|p| p.1)
}

/// The names of the presets, for error messages.
pub(crate) fn preset_names() -> String {
    let names: Vec<String> = PRESETS.iter().map(|p| format!("\"{}\"", p.0)).collect();
    names.join(", ")
}

/// The parameters of the Izhikevich model (`neuron.izhikevich` in a network file; unknown
/// fields are refused): a preset by name, and/or `a`, `b`, `c`, `d` (each a number or one
/// value per neuron; a value given replaces the preset's). Without a preset all four are
/// required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IzhParams {
    /// One of the names of [`PRESETS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Time scale of the recovery variable, 1/ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<Param>,
    /// Sensitivity of the recovery variable to `v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<Param>,
    /// Reset potential after a spike, mV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<Param>,
    /// Jump of the recovery variable at a spike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<Param>,
    /// The coefficients `[k2, k1, k0]` of the membrane's quadratic,
    /// `dv/dt = k2 v² + k1 v + k0 − u + I`, shared by every neuron. Default (`null`): the
    /// 2003 paper's `[0.04, 5, 140]`. Izhikevich's dimensional form (2007 book) is this model
    /// with rescaled coefficients, `b`, `d` and currents (see the module documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quadratic: Option<[Real; 3]>,
}

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

impl IzhParams {
    /// A preset by name (no explicit values); `None` for an unknown name.
    pub fn preset(name: &str) -> Option<Self> {
        preset(name).map(|_| Self {
            preset: Some(name.to_string()),
            ..Self::default()
        })
    }

    /// Explicit per-neuron (or shared) values, no preset.
    pub fn explicit(a: Param, b: Param, c: Param, d: Param) -> Self {
        Self {
            preset: None,
            a: Some(a),
            b: Some(b),
            c: Some(c),
            d: Some(d),
            quadratic: None,
        }
    }

    fn given(&self) -> [&Option<Param>; 4] {
        [&self.a, &self.b, &self.c, &self.d]
    }

    /// `[a, b, c, d]` after the preset is applied (validated parameters only).
    pub fn resolved(&self) -> [Param; 4] {
        let p = self.preset.as_deref().and_then(preset);
        let given = self.given();
        std::array::from_fn(|k| match (given[k], p) {
            (Some(x), _) => x.clone(),
            (None, Some(p)) => Param::Scalar(p[k]),
            (None, None) => Param::Scalar(Real::NAN),
        })
    }

    /// Check the preset name, the presence, length and finiteness of `a`..`d` for `n`
    /// neurons, naming `file` and the field (`neuron.izhikevich.<name>`).
    pub(crate) fn check(&self, file: &str, n: usize) -> Result<()> {
        if let Some(name) = &self.preset {
            if preset(name).is_none() {
                return Err(field_err(
                    file,
                    "neuron.izhikevich.preset",
                    format!(
                        "unknown preset \"{name}\": expected one of {}",
                        preset_names()
                    ),
                ));
            }
        }
        for (k, p) in self.given().into_iter().enumerate() {
            let name = format!("izhikevich.{}", NAMES[k]);
            match p {
                Some(p) => p.check(file, &name, n, Real::is_finite, "a finite number")?,
                None if self.preset.is_none() => {
                    return Err(field_err(
                        file,
                        format!("neuron.{name}"),
                        "missing: required when no \"preset\" is given",
                    ))
                }
                None => {}
            }
        }
        if let Some(q) = &self.quadratic {
            if !q.iter().all(|x| x.is_finite()) || q[0] <= 0.0 {
                return Err(field_err(
                    file,
                    "neuron.izhikevich.quadratic",
                    format!("expected [k2, k1, k0] finite with k2 > 0, found {q:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// Model-specific checks of a neuron spec with `model: "izhikevich"` for `n` neurons.
pub(crate) fn check_spec(ne: &NeuronSpec, file: &str, n: usize) -> Result<()> {
    let Some(p) = &ne.izhikevich else {
        return Err(field_err(
            file,
            "neuron.izhikevich",
            format!(
                "missing: model \"izhikevich\" needs its parameters, e.g. {{\"preset\": \"regular-spiking\"}} (presets: {})",
                preset_names()
            ),
        ));
    };
    p.check(file, n)?;
    let refuse = |field: &str, msg: &str| Err(field_err(file, format!("neuron.{field}"), msg));
    if !ne.leaky {
        return refuse("leaky", "must be true for model \"izhikevich\"");
    }
    if !ne.t_ref_ms.is_all_zero() {
        return refuse(
            "t_ref_ms",
            "must be 0 for model \"izhikevich\" (its recovery variable u shapes refractoriness)",
        );
    }
    if !ne.adapt_mv.is_all_zero() {
        return refuse(
            "adapt_mv",
            "threshold adaptation is not available for model \"izhikevich\": expected 0 (use d)",
        );
    }
    Ok(())
}

impl NeuronSpec {
    /// The Izhikevich (2003) neuron with one of the paper's presets (`None` for an unknown
    /// name): spike peak 30 mV, start at −65 mV, no bias, exponential-current synapses with
    /// τ 5 ms (exc) and 10 ms (inh); the unused `tau_m_ms`, `r_mohm` are 1 and `v_reset_mv`
    /// is the preset's `c`.
    pub fn izhikevich(preset: &str) -> Option<Self> {
        let c = crate::izhikevich::preset(preset)?[2];
        Some(Self {
            model: crate::spec::ModelKind::Izhikevich,
            tau_m_ms: 1.0.into(),
            v_rest_mv: (-65.0).into(),
            v_reset_mv: c.into(),
            v_th_mv: 30.0.into(),
            t_ref_ms: 0.0.into(),
            i_bias_na: 0.0.into(),
            tau_syn_exc_ms: Some(5.0.into()),
            tau_syn_inh_ms: Some(10.0.into()),
            izhikevich: IzhParams::preset(preset),
            ..Self::default()
        })
    }
}

/// The Izhikevich model (see the module documentation).
#[derive(Clone, Debug)]
pub struct Izhikevich {
    n: usize,
    synapse: SynapseKind,
    h: Real,
    a: Vec<Real>,
    b: Vec<Real>,
    c: Vec<Real>,
    d: Vec<Real>,
    v_peak: Vec<Real>,
    v_init: Vec<Real>,
    i_bias: Vec<Real>,
    /// `[k2, k1, k0]` of the quadratic.
    quad: [Real; 3],
    /// Per-step decay of the synaptic currents (exp_current; 0 for delta).
    p11e: Vec<Real>,
    p11i: Vec<Real>,
}

/// Structure-of-arrays state of [`Izhikevich`].
#[derive(Clone, Debug)]
pub struct IzhState {
    /// Membrane potential, mV.
    pub v: Vec<Real>,
    /// Recovery variable (mV/ms).
    pub u: Vec<Real>,
    /// Excitatory synaptic current, nA.
    pub i_exc: Vec<Real>,
    /// Inhibitory synaptic current, nA.
    pub i_inh: Vec<Real>,
}

impl Izhikevich {
    /// Build from a validated neuron spec (`model: "izhikevich"`) for `n` neurons and step
    /// `dt_ms`.
    pub fn from_spec(ne: &NeuronSpec, n: usize, dt_ms: Real) -> Self {
        let p = ne
            .izhikevich
            .as_ref()
            .expect("validated: model izhikevich has parameters");
        let [a, b, c, d] = p.resolved();
        let decay = |tau: &Option<Param>| -> Vec<Real> {
            match (ne.synapse, tau) {
                (SynapseKind::ExpCurrent, Some(t)) => {
                    (0..n).map(|i| (-dt_ms / t.get(i)).exp()).collect()
                }
                _ => vec![0.0; n],
            }
        };
        Izhikevich {
            n,
            synapse: ne.synapse,
            h: dt_ms,
            a: a.expand(n),
            b: b.expand(n),
            c: c.expand(n),
            d: d.expand(n),
            v_peak: ne.v_th_mv.expand(n),
            v_init: ne.v_init_mv.as_ref().unwrap_or(&ne.v_rest_mv).expand(n),
            i_bias: ne.i_bias_na.expand(n),
            quad: p.quadratic.unwrap_or(PAPER_QUADRATIC),
            p11e: decay(&ne.tau_syn_exc_ms),
            p11i: decay(&ne.tau_syn_inh_ms),
        }
    }

    /// `[a, b, c, d]` of neuron `i`.
    pub fn params(&self, i: usize) -> [Real; 4] {
        [self.a[i], self.b[i], self.c[i], self.d[i]]
    }
}

/// The 2003 paper's quadratic `[k2, k1, k0]`: `0.04 v² + 5 v + 140`.
pub const PAPER_QUADRATIC: [Real; 3] = [0.04, 5.0, 140.0];

/// One forward-Euler step of neuron `(v, u)` with input `i` over `h` ms: the expressions of
/// Brian2's `euler` code for these equations, in the same order (bit-identical results).
#[inline(always)]
pub fn euler_step(v: Real, u: Real, i: Real, a: Real, b: Real, h: Real) -> (Real, Real) {
    euler_step_quadratic(v, u, i, a, b, h, PAPER_QUADRATIC)
}

/// [`euler_step`] with the quadratic `dv/dt = k2 v² + k1 v + k0 − u + I` (`q = [k2, k1, k0]`),
/// in the same order of operations (with the paper's coefficients, the same bits).
#[inline(always)]
pub fn euler_step_quadratic(
    v: Real,
    u: Real,
    i: Real,
    a: Real,
    b: Real,
    h: Real,
    q: [Real; 3],
) -> (Real, Real) {
    let vn = h * ((q[2] + ((i + q[0] * (v * v)) + q[1] * v)) - u) + v;
    let un = h * (a * (b * v - u)) + u;
    (vn, un)
}

impl NeuronModel for Izhikevich {
    type State = IzhState;

    fn n(&self) -> usize {
        self.n
    }

    fn new_state(&self) -> IzhState {
        let n = self.n;
        let mut s = IzhState {
            v: vec![0.0; n],
            u: vec![0.0; n],
            i_exc: vec![0.0; n],
            i_inh: vec![0.0; n],
        };
        self.reset(&mut s);
        s
    }

    fn reset(&self, s: &mut IzhState) {
        for i in 0..self.n {
            s.v[i] = self.v_init[i];
            s.u[i] = self.b[i] * self.v_init[i];
        }
        s.i_exc.fill(0.0);
        s.i_inh.fill(0.0);
    }

    #[inline(always)]
    fn update(&self, s: &mut IzhState, _t: i64, i_ext: Option<&[Real]>) {
        let n = self.n;
        let (v, u, ie, ii) = (
            &mut s.v[..n],
            &mut s.u[..n],
            &mut s.i_exc[..n],
            &mut s.i_inh[..n],
        );
        let (a, b, ib, pe, pi) = (
            &self.a[..n],
            &self.b[..n],
            &self.i_bias[..n],
            &self.p11e[..n],
            &self.p11i[..n],
        );
        let (h, q) = (self.h, self.quad);
        for k in 0..n {
            let bias = match i_ext {
                Some(x) => ib[k] + x[k],
                None => ib[k],
            };
            let (vn, un) =
                euler_step_quadratic(v[k], u[k], (bias + ie[k]) + ii[k], a[k], b[k], h, q);
            v[k] = vn;
            u[k] = un;
            ie[k] *= pe[k];
            ii[k] *= pi[k];
        }
    }

    #[inline(always)]
    fn threshold(&self, s: &IzhState, _t: i64, spikes: &mut [u32]) -> usize {
        let mut k = 0;
        for i in 0..self.n {
            if s.v[i] >= self.v_peak[i] {
                spikes[k] = i as u32;
                k += 1;
            }
        }
        k
    }

    #[inline(always)]
    fn receive(&self, s: &mut IzhState, _t: i64, exc: &mut [Real], inh: &mut [Real]) {
        let n = self.n;
        match self.synapse {
            // Validation refuses conductance synapses for this model.
            SynapseKind::ExpCurrent | SynapseKind::ExpConductance => {
                for i in 0..n {
                    s.i_exc[i] += exc[i];
                    s.i_inh[i] += inh[i];
                }
                inh[..n].fill(0.0);
            }
            SynapseKind::Delta => {
                for i in 0..n {
                    s.v[i] += exc[i];
                }
            }
        }
        exc[..n].fill(0.0);
    }

    #[inline(always)]
    fn reset_spiked(&self, s: &mut IzhState, _t: i64, spikes: &[u32]) {
        for &i in spikes {
            let i = i as usize;
            s.v[i] = self.c[i];
            s.u[i] += self.d[i];
        }
    }

    fn splits_sign(&self) -> bool {
        self.synapse == SynapseKind::ExpCurrent
    }

    fn v<'a>(&self, s: &'a IzhState) -> &'a [Real] {
        &s.v
    }
}
