//! Neuron models: a trait over structure-of-arrays state with precomputed propagators, and the
//! leaky / non-leaky integrate-and-fire neuron with delta, exponential-current or
//! conductance-based synapses.
//!
//! # The LIF model
//!
//! Leaky membrane (`leaky: true`), for each neuron:
//!
//! ```text
//! tau_m dv/dt   = -(v - v_rest) + R (I_exc + I_inh + I_bias + I_ext(t))
//! tau_exc dI_exc/dt = -I_exc          (exp_current synapses: a spike adds w > 0 to I_exc)
//! tau_inh dI_inh/dt = -I_inh          (a spike adds w < 0 to I_inh)
//! ```
//!
//! Non-leaky (`leaky: false`): `C dv/dt = I` with `C = tau_m / R`, i.e. the leak term is dropped.
//! `I_ext` is the analog drive plus the noise current, held constant over each step.
//! With `delta` synapses there are no synaptic currents: a spike adds `w` (mV) to `v`.
//!
//! The linear sub-threshold system is integrated *exactly* over each step `h = dt` with
//! propagators computed once (as NEST's `iaf_psc_exp` / `iaf_psc_delta` and Brian2's `exact`):
//!
//! ```text
//! P22 = exp(-h/tau_m)                    (1 for the non-leaky neuron)
//! P11x = exp(-h/tau_x)                   x = exc, inh
//! P21x = tau_x tau_m / (C (tau_m - tau_x)) (P22 - P11x), C = tau_m / R
//!        (= h/C · exp(-h/tau_m) when tau_x = tau_m; = tau_x/C (1 - P11x) when non-leaky)
//! P20  = R (1 - P22)                     (= h/C when non-leaky)
//! v(t+h)     = v_rest + P22 (v - v_rest) + P21e I_exc + P21i I_inh + P20 (I_bias + I_ext)
//! I_x(t+h)   = P11x I_x
//! ```
//!
//! # Order of operations in a step `t` (Brian2's default schedule)
//!
//! 1. **State update**: currents decay; `v` is advanced by the propagators unless the neuron
//!    is refractory (`t < refractory_until`), in which case `v` stays clamped.
//! 2. **Threshold**: a neuron that is not refractory and has `v > v_th` spikes.
//! 3. **Synaptic propagation** (done by the simulator): spikes of step `t` with a delay of `d`
//!    steps are added to the ring buffer slot of step `t + d`; then the slot of step `t` is
//!    delivered: `I_exc += Σ w⁺`, `I_inh += Σ w⁻` (exp_current, also during refractoriness, as
//!    NEST's `iaf_psc_exp`), or `v += Σ w` for non-refractory neurons (delta; input arriving
//!    during the refractory period is discarded, as NEST's `iaf_psc_delta`).
//! 4. **Reset**: spiking neurons get `v = v_reset` (or, with `reset: "subtract"`,
//!    `v = v − (v_th − v_reset)`, after the input of step 3) and
//!    `refractory_until = t + timestep(t_ref, dt)`.
//!
//! # Conductance-based synapses (`exp_conductance`)
//!
//! Weights are conductance jumps in nS; `g_exc` and `g_inh` (>= 0, stored in the current
//! fields of [`LifState`]) decay as the currents above. The membrane
//!
//! ```text
//! C dv/dt = (v_rest − v)/R + 1e-3 g_exc (E_exc − v) + 1e-3 g_inh (E_inh − v) + I_bias + I_ext
//! ```
//!
//! (`1/R` is 0 for the non-leaky neuron; nS·mV = pA, hence `1e-3`) is linear in `v` only for
//! fixed conductances, so step 1 is exponential Euler with the conductances of the step's
//! start, as Brian2's `exponential_euler`: `G = 1/R + 1e-3 (g_exc + g_inh)` (µS),
//! `v∞ = (v_rest/R + 1e-3 (g_exc E_exc + g_inh E_inh) + I) / G`,
//! `v ← v∞ + (v − v∞) exp(−h G / C)` (`v ← v + h I / C` when `G = 0`); then the conductances
//! decay exactly. Exact for constant conductances, first order otherwise, and (without bias
//! or external current) `v` never leaves the interval spanned by its start, `v_rest` and the
//! reversal potentials, however large the conductances.
//!
//! # Threshold adaptation (adaptive LIF)
//!
//! With `adapt_mv > 0` the threshold is `v_th + θ` with `tau_adapt dθ/dt = −θ`: step 1 also
//! decays `θ ← exp(−h/tau_adapt) θ` (exact), step 2 compares `v > v_th + θ`, and step 4 adds
//! `θ += adapt_mv` to every neuron that spiked. A steady drive then gives a decreasing rate
//! (spike-frequency adaptation) and a memory of recent activity over `tau_adapt`, as the
//! adaptive neurons of Bellec et al. (2018, "Long short-term memory and learning-to-learn in
//! networks of spiking neurons"). Without adaptation `θ` is not stored at all.
//!
//! # Adaptation current
//!
//! With `adapt_current_na = b > 0` each neuron also carries `w` (nA), `tau_w dw/dt = −w`,
//! `w += b` at each spike, entering the membrane as `−w`: exact for current and delta synapses
//! (an extra propagator), held over the step with conductances ([`AdaptCurrent`]).
//!
//! # Adding a model
//!
//! A model implements [`NeuronModel`]: it owns its per-neuron propagators, its state is a
//! struct of arrays, and the simulator's step loop only calls `update`, `threshold`,
//! `receive` and `reset_spiked`, so the adaptation current ([`AdaptCurrent`]: its own exact
//! propagator, incremented in `reset_spiked`), Izhikevich or
//! Hodgkin-Huxley (sub-stepped non-linear `update`: [`crate::hh`]) fit without a change to the
//! loop.

// Hot loops index several SoA slices in lock step; indexed loops read best and vectorise.
#![allow(clippy::needless_range_loop)]

mod adaptation;
mod conductance;
mod fast_exp;
mod linear;

use crate::spec::{NeuronSpec, ResetKind, SynapseKind};
pub use adaptation::AdaptCurrent;
/// The simulator's vectorisable `exp` (see its module): public for the benchmark that times
/// the conductance update's arithmetic alone (`benches/brette_bound.rs`).
#[doc(hidden)]
pub use fast_exp::exp as fast_exp;
use lsm_core::Real;

/// A neuron model: parameters and precomputed propagators (immutable, shared by all threads)
/// acting on a structure-of-arrays state (one per worker).
pub trait NeuronModel: Send + Sync {
    /// Structure-of-arrays state of all neurons.
    type State: Send + Clone;
    /// Number of neurons.
    fn n(&self) -> usize;
    /// A state in the initial condition.
    fn new_state(&self) -> Self::State;
    /// Put `state` back into the initial condition (membrane, currents, refractory counters).
    fn reset(&self, state: &mut Self::State);
    /// Step 1: advance every neuron over step `t`. `i_ext`, if given, is a current (nA) per
    /// neuron held constant over the step (analog drive and noise).
    fn update(&self, state: &mut Self::State, t: i64, i_ext: Option<&[Real]>);
    /// Step 2: write the neurons spiking at step `t`, ascending, to the front of `spikes`
    /// (length `n`) and return their number.
    fn threshold(&self, state: &Self::State, t: i64, spikes: &mut [u32]) -> usize;
    /// Step 3: deliver the summed synaptic input of step `t` and zero the accumulators: `exc`
    /// holds the sum of the positive weights (or of all weights, if
    /// [`NeuronModel::splits_sign`] is false), `inh` the sum of the negative ones.
    fn receive(&self, state: &mut Self::State, t: i64, exc: &mut [Real], inh: &mut [Real]);
    /// Step 4: reset the neurons that spiked at step `t`.
    fn reset_spiked(&self, state: &mut Self::State, t: i64, spikes: &[u32]);
    /// Whether positive and negative weights go to separate accumulators.
    fn splits_sign(&self) -> bool;
    /// Membrane potentials (mV).
    fn v<'a>(&self, state: &'a Self::State) -> &'a [Real];
}

/// Brian2's `timestep(t, dt)`: the integer step of time `t`, shifted by `1e-3 dt` so that exact
/// multiples of `dt` do not fall into the preceding step.
///
/// Network validation refuses times whose step does not fit ([`lsm_core::limits::checked_steps`]);
/// for such a time this conversion would saturate.
pub fn timestep(t_ms: Real, dt_ms: Real) -> i64 {
    timestep_f(t_ms, dt_ms) as i64
}

/// [`timestep`] before the conversion to an integer (may be huge or non-finite).
pub(crate) fn timestep_f(t_ms: Real, dt_ms: Real) -> Real {
    ((t_ms + 1e-3 * dt_ms) / dt_ms).floor()
}

/// The LIF / IF model with exact propagators (see the module documentation).
#[derive(Clone, Debug)]
pub struct Lif {
    n: usize,
    synapse: SynapseKind,
    v_rest: Vec<Real>,
    v_reset: Vec<Real>,
    v_th: Vec<Real>,
    v_init: Vec<Real>,
    ref_steps: Vec<i64>,
    i_bias: Vec<Real>,
    p22: Vec<Real>,
    p20: Vec<Real>,
    p21e: Vec<Real>,
    p21i: Vec<Real>,
    p11e: Vec<Real>,
    p11i: Vec<Real>,
    /// Threshold jump per spike (mV) and decay factor per step of the adaptation; empty when
    /// no neuron adapts.
    adapt: Vec<Real>,
    p_adapt: Vec<Real>,
    /// Reset by subtraction (`v -= v_th - v_reset`) instead of to `v_reset`.
    subtract: bool,
    /// The spike-triggered adaptation current, if any neuron has one.
    adapt_current: Option<AdaptCurrent>,
    /// Conductance synapses only (empty otherwise): leak conductance `1/R` (µS; 0 for the
    /// non-leaky neuron), `h / C` (ms/nF), reversal potentials (mV).
    g_l: Vec<Real>,
    h_over_c: Vec<Real>,
    e_exc: Vec<Real>,
    e_inh: Vec<Real>,
    /// The per-neuron parameters as scalars when every neuron has the same ones (the common
    /// case): the hot loops then stream the state only, not eight parameter arrays.
    uniform: Option<Uniform>,
}

/// Parameters shared by every neuron (see [`Lif::is_homogeneous`]).
#[derive(Clone, Copy, Debug)]
struct Uniform {
    v_rest: Real,
    v_th: Real,
    i_bias: Real,
    p22: Real,
    p20: Real,
    p21e: Real,
    p21i: Real,
    p11e: Real,
    p11i: Real,
}

/// `Some(x)` when every element of `v` is `x` (bitwise, so NaN-free parameters only).
fn all_equal(v: &[Real]) -> Option<Real> {
    let x = *v.first()?;
    v.iter().all(|y| y.to_bits() == x.to_bits()).then_some(x)
}

/// State of [`Lif`]: membrane (mV), synaptic currents (nA), refractory bookkeeping.
#[derive(Clone, Debug)]
pub struct LifState {
    /// Membrane potential, mV.
    pub v: Vec<Real>,
    /// Excitatory synaptic current, nA (>= 0); with `exp_conductance` synapses the
    /// excitatory conductance, nS (>= 0).
    pub i_exc: Vec<Real>,
    /// Inhibitory synaptic current, nA (<= 0); with `exp_conductance` synapses the
    /// inhibitory conductance, nS (>= 0).
    pub i_inh: Vec<Real>,
    /// First step at which the neuron integrates again after its last spike (a whole number
    /// stored as a float, so that the per-step comparison with `t` vectorises).
    pub refractory_until: Vec<Real>,
    /// Threshold adaptation `θ`, mV (the threshold is `v_th + θ`); empty when the model has
    /// no adaptation.
    pub theta: Vec<Real>,
    /// Adaptation current `w`, nA (it enters the membrane as `−w`); empty when the model has
    /// none.
    pub w_adapt: Vec<Real>,
}

/// `tau_s tau_m / (C (tau_m - tau_s)) (exp(-h/tau_m) - exp(-h/tau_s))` with the limit for
/// `tau_s → tau_m` (NEST's `propagator_32`, written with `expm1` for accuracy).
fn p21(h: Real, tau_m: Real, tau_s: Real, c: Real) -> Real {
    let d = 1.0 / tau_s - 1.0 / tau_m; // > 0 when tau_s < tau_m
    if (d * h).abs() < 1e-12 {
        return h / c * (-h / tau_m).exp();
    }
    // exp(-h/tau_m) - exp(-h/tau_s) = exp(-h/tau_m) (1 - exp(-h d)) = -exp(-h/tau_m) expm1(-h d)
    let diff = -(-h / tau_m).exp() * (-h * d).exp_m1();
    // tau_s tau_m / (tau_m - tau_s) = 1/d
    diff / (c * d)
}

impl Lif {
    /// Build from a validated [`NeuronSpec`] for `n` neurons at step `dt_ms`.
    pub fn from_spec(ne: &NeuronSpec, n: usize, dt_ms: Real) -> Self {
        let h = dt_ms;
        let mut m = Lif {
            n,
            synapse: ne.synapse,
            v_rest: ne.v_rest_mv.expand(n),
            v_reset: ne.v_reset_mv.expand(n),
            v_th: ne.v_th_mv.expand(n),
            v_init: ne.v_init_mv.as_ref().unwrap_or(&ne.v_rest_mv).expand(n),
            ref_steps: (0..n)
                .map(|i| timestep(ne.t_ref_ms.get(i), dt_ms))
                .collect(),
            i_bias: ne.i_bias_na.expand(n),
            p22: vec![0.0; n],
            p20: vec![0.0; n],
            p21e: vec![0.0; n],
            p21i: vec![0.0; n],
            p11e: vec![0.0; n],
            p11i: vec![0.0; n],
            adapt: Vec::new(),
            p_adapt: Vec::new(),
            subtract: ne.reset == ResetKind::Subtract,
            adapt_current: AdaptCurrent::from_spec(ne, n, h),
            g_l: Vec::new(),
            h_over_c: Vec::new(),
            e_exc: Vec::new(),
            e_inh: Vec::new(),
            uniform: None,
        };
        if ne.synapse == SynapseKind::ExpConductance {
            let (ee, ei) = (
                ne.e_syn_exc_mv.as_ref().expect("validated"),
                ne.e_syn_inh_mv.as_ref().expect("validated"),
            );
            m.e_exc = ee.expand(n);
            m.e_inh = ei.expand(n);
            m.g_l = (0..n)
                .map(|i| {
                    if ne.leaky {
                        1.0 / ne.r_mohm.get(i)
                    } else {
                        0.0
                    }
                })
                .collect();
            m.h_over_c = (0..n)
                .map(|i| h * ne.r_mohm.get(i) / ne.tau_m_ms.get(i))
                .collect();
        }
        if !ne.adapt_mv.is_all_zero() {
            let tau = ne.tau_adapt_ms.as_ref().expect("validated");
            m.adapt = ne.adapt_mv.expand(n);
            m.p_adapt = (0..n).map(|i| (-h / tau.get(i)).exp()).collect();
        }
        for i in 0..n {
            let tau_m = ne.tau_m_ms.get(i);
            let r = ne.r_mohm.get(i);
            let c = tau_m / r;
            if ne.leaky {
                m.p22[i] = (-h / tau_m).exp();
                m.p20[i] = -r * (-h / tau_m).exp_m1();
            } else {
                m.p22[i] = 1.0;
                m.p20[i] = h / c;
            }
            if ne.synapse != SynapseKind::Delta {
                let te = ne.tau_syn_exc_ms.as_ref().expect("validated").get(i);
                let ti = ne.tau_syn_inh_ms.as_ref().expect("validated").get(i);
                m.p11e[i] = (-h / te).exp();
                m.p11i[i] = (-h / ti).exp();
                if ne.leaky {
                    m.p21e[i] = p21(h, tau_m, te, c);
                    m.p21i[i] = p21(h, tau_m, ti, c);
                } else {
                    m.p21e[i] = -te / c * (-h / te).exp_m1();
                    m.p21i[i] = -ti / c * (-h / ti).exp_m1();
                }
            }
        }
        m.uniform = (|| {
            Some(Uniform {
                v_rest: all_equal(&m.v_rest)?,
                v_th: all_equal(&m.v_th)?,
                i_bias: all_equal(&m.i_bias)?,
                p22: all_equal(&m.p22)?,
                p20: all_equal(&m.p20)?,
                p21e: all_equal(&m.p21e)?,
                p21i: all_equal(&m.p21i)?,
                p11e: all_equal(&m.p11e)?,
                p11i: all_equal(&m.p11i)?,
            })
        })();
        m
    }

    /// Whether every neuron has the same parameters, so that the step loops use scalars
    /// (same operations, same results, less memory traffic).
    pub fn is_homogeneous(&self) -> bool {
        self.uniform.is_some()
    }

    /// Propagators of neuron `i`: `(P22, P20, P21e, P21i, P11e, P11i)`.
    pub fn propagators(&self, i: usize) -> [Real; 6] {
        [
            self.p22[i],
            self.p20[i],
            self.p21e[i],
            self.p21i[i],
            self.p11e[i],
            self.p11i[i],
        ]
    }
    /// Whether the neurons have threshold adaptation.
    pub fn is_adaptive(&self) -> bool {
        !self.adapt.is_empty()
    }
    /// Refractory period of neuron `i` in steps.
    pub fn refractory_steps(&self, i: usize) -> i64 {
        self.ref_steps[i]
    }
}

impl NeuronModel for Lif {
    type State = LifState;

    fn n(&self) -> usize {
        self.n
    }

    fn new_state(&self) -> LifState {
        let mut s = LifState {
            v: vec![0.0; self.n],
            i_exc: vec![0.0; self.n],
            i_inh: vec![0.0; self.n],
            refractory_until: vec![-1e18; self.n],
            theta: vec![0.0; self.adapt.len()],
            w_adapt: vec![
                0.0;
                if self.adapt_current.is_some() {
                    self.n
                } else {
                    0
                }
            ],
        };
        self.reset(&mut s);
        s
    }

    fn reset(&self, s: &mut LifState) {
        s.v.copy_from_slice(&self.v_init);
        s.i_exc.fill(0.0);
        s.i_inh.fill(0.0);
        s.refractory_until.fill(-1e18);
        s.theta.fill(0.0);
        s.w_adapt.fill(0.0);
    }

    #[inline(always)]
    fn update(&self, s: &mut LifState, t: i64, i_ext: Option<&[Real]>) {
        self.update_membrane(s, t, i_ext);
        if let Some(ac) = &self.adapt_current {
            if self.synapse != SynapseKind::ExpConductance {
                ac.apply(&mut s.v, &s.w_adapt, &s.refractory_until, t as Real);
            }
            ac.decay(&mut s.w_adapt);
        }
    }
    #[inline(always)]
    fn threshold(&self, s: &LifState, t: i64, spikes: &mut [u32]) -> usize {
        let n = self.n;
        let t = t as Real;
        let (v, ru, th, out) = (
            &s.v[..n],
            &s.refractory_until[..n],
            &self.v_th[..n],
            &mut spikes[..n],
        );
        // Branch-free compaction: always write, advance only on a spike.
        let mut k = 0usize;
        if let (Some(u), true) = (self.uniform, self.adapt.is_empty()) {
            // Few neurons spike in a step: test eight at a time (vectorised), compact only
            // the groups with a spike.
            let th = u.v_th;
            let mut i0 = 0;
            while i0 + 8 <= n {
                let (vc, rc) = (&v[i0..i0 + 8], &ru[i0..i0 + 8]);
                let mut any = false;
                for j in 0..8 {
                    any |= (vc[j] > th) & (t >= rc[j]);
                }
                if any {
                    for j in 0..8 {
                        out[k.min(n - 1)] = (i0 + j) as u32;
                        k += ((vc[j] > th) & (t >= rc[j])) as usize;
                    }
                }
                i0 += 8;
            }
            for i in i0..n {
                out[k.min(n - 1)] = i as u32;
                k += (v[i] > th && t >= ru[i]) as usize;
            }
        } else if self.adapt.is_empty() {
            for i in 0..n {
                out[k.min(n - 1)] = i as u32;
                k += (v[i] > th[i] && t >= ru[i]) as usize;
            }
        } else {
            let a = &s.theta[..n];
            for i in 0..n {
                out[k.min(n - 1)] = i as u32;
                k += (v[i] > th[i] + a[i] && t >= ru[i]) as usize;
            }
        }
        k
    }

    #[inline(always)]
    fn receive(&self, s: &mut LifState, t: i64, exc: &mut [Real], inh: &mut [Real]) {
        let n = self.n;
        match self.synapse {
            SynapseKind::ExpCurrent => {
                let (ie, ii, e, h) = (
                    &mut s.i_exc[..n],
                    &mut s.i_inh[..n],
                    &mut exc[..n],
                    &mut inh[..n],
                );
                for i in 0..n {
                    ie[i] += e[i];
                    ii[i] += h[i];
                    e[i] = 0.0;
                    h[i] = 0.0;
                }
            }
            SynapseKind::ExpConductance => {
                // `inh` holds the sum of the negative weights: the inhibitory conductance
                // grows by its magnitude.
                let (ge, gi, e, h) = (
                    &mut s.i_exc[..n],
                    &mut s.i_inh[..n],
                    &mut exc[..n],
                    &mut inh[..n],
                );
                for i in 0..n {
                    ge[i] += e[i];
                    gi[i] -= h[i];
                    e[i] = 0.0;
                    h[i] = 0.0;
                }
            }
            SynapseKind::Delta => {
                let t = t as Real;
                let (v, ru, e) = (&mut s.v[..n], &s.refractory_until[..n], &mut exc[..n]);
                for i in 0..n {
                    // Input to a refractory neuron is discarded (the membrane is clamped); a
                    // neuron spiking in this step is reset right after, so its input does not
                    // matter either.
                    v[i] += if t >= ru[i] { e[i] } else { 0.0 };
                    e[i] = 0.0;
                }
            }
        }
    }

    #[inline(always)]
    fn reset_spiked(&self, s: &mut LifState, t: i64, spikes: &[u32]) {
        if self.subtract {
            for &i in spikes {
                let i = i as usize;
                s.v[i] -= self.v_th[i] - self.v_reset[i];
                s.refractory_until[i] = (t + self.ref_steps[i]) as Real;
            }
        } else {
            for &i in spikes {
                let i = i as usize;
                s.v[i] = self.v_reset[i];
                s.refractory_until[i] = (t + self.ref_steps[i]) as Real;
            }
        }
        if !self.adapt.is_empty() {
            for &i in spikes {
                let i = i as usize;
                s.theta[i] += self.adapt[i];
            }
        }
        if let Some(ac) = &self.adapt_current {
            ac.on_spikes(&mut s.w_adapt, spikes);
        }
    }

    fn splits_sign(&self) -> bool {
        self.synapse != SynapseKind::Delta
    }

    fn v<'a>(&self, s: &'a LifState) -> &'a [Real] {
        &s.v
    }
}
