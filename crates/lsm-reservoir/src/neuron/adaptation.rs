//! The spike-triggered adaptation current of the LIF neuron (`adapt_current_na`,
//! `tau_adapt_current_ms`): `tau_w dw/dt = −w`, `w ← w + b` at each spike, and `−w` enters the
//! membrane as a current (nA), beside the bias and the synaptic currents.
//!
//! With current or delta synapses the sub-threshold system stays linear, so `w`'s effect over a
//! step is an exact propagator, the synaptic current's `P21` with `tau_w` in place of
//! `tau_syn`: step 1 adds `−P21w · w` to the membrane of every neuron that is not refractory
//! (superposition with the rest of the exact update), then decays `w ← exp(−h/tau_w) w`. With
//! conductance synapses `−w` is part of the drive held over the step (exponential Euler). Step
//! 4 adds `b` to `w` of every neuron that spiked; `w` starts at 0 in every sample. A steady
//! drive then gives spike-frequency adaptation through a current (the adaptive LIF of
//! Brette & Gerstner 2005 without its sub-threshold coupling `a`, or Treves 1993), beside the
//! threshold adaptation of `adapt_mv`.

use super::p21;
use crate::spec::NeuronSpec;
use lsm_core::Real;

/// Parameters and propagators of the adaptation current (see the module documentation).
#[derive(Clone, Debug)]
pub struct AdaptCurrent {
    /// `b`, the jump of `w` at a spike, nA.
    jump: Vec<Real>,
    /// `exp(−h/tau_w)`.
    p11: Vec<Real>,
    /// The membrane's response over a step to a unit `w` at the step's start, mV/nA.
    p21: Vec<Real>,
}

impl AdaptCurrent {
    /// From a validated spec: `None` when `adapt_current_na` is all zero.
    pub(super) fn from_spec(ne: &NeuronSpec, n: usize, h: Real) -> Option<Self> {
        if ne.adapt_current_na.is_all_zero() {
            return None;
        }
        let tau = ne.tau_adapt_current_ms.as_ref().expect("validated");
        let mut p11 = Vec::with_capacity(n);
        let mut p = Vec::with_capacity(n);
        for i in 0..n {
            let (tw, tau_m, r) = (tau.get(i), ne.tau_m_ms.get(i), ne.r_mohm.get(i));
            let c = tau_m / r;
            p11.push((-h / tw).exp());
            p.push(if ne.leaky {
                p21(h, tau_m, tw, c)
            } else {
                -tw / c * (-h / tw).exp_m1()
            });
        }
        Some(AdaptCurrent {
            jump: ne.adapt_current_na.expand(n),
            p11,
            p21: p,
        })
    }

    /// `v −= P21w · w` for every neuron not refractory at step `t`.
    #[inline(always)]
    pub(super) fn apply(&self, v: &mut [Real], w: &[Real], ru: &[Real], t: Real) {
        let n = v.len();
        let (w, ru, p) = (&w[..n], &ru[..n], &self.p21[..n]);
        for i in 0..n {
            v[i] -= if t >= ru[i] { p[i] * w[i] } else { 0.0 };
        }
    }

    /// `w ← exp(−h/tau_w) w`.
    #[inline(always)]
    pub(super) fn decay(&self, w: &mut [Real]) {
        for (x, p) in w.iter_mut().zip(&self.p11) {
            *x *= p;
        }
    }

    /// `w ← w + b` for the neurons that spiked.
    #[inline(always)]
    pub(super) fn on_spikes(&self, w: &mut [Real], spikes: &[u32]) {
        for &i in spikes {
            w[i as usize] += self.jump[i as usize];
        }
    }
}
