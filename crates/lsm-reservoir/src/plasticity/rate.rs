//! The rate-based rules of the Hebbian family (see the module docs of
//! [`crate::plasticity`] for the equations): per-neuron rate traces, the weights relative to
//! their initial values in the order of the incoming index, and one update per plastic synapse
//! and step.

use super::{
    StdpConfig, StdpModel, DEFAULT_BCM_THETA, DEFAULT_ETA_PER_S, DEFAULT_RATE_REF_HZ,
    DEFAULT_TAU_RATE_MS,
};
use lsm_core::Real;

/// The state of a rate-based rule. Allocated once; no allocation per step.
#[derive(Clone, Debug)]
pub(super) struct RateState {
    model: StdpModel,
    /// `ρ` of every neuron (units of the reference rate).
    rho: Vec<Real>,
    /// `exp(−dt/τr)`.
    decay: Real,
    /// What a spike adds to `ρ`: `(1 − d)/dt / rate_ref`.
    inc: Real,
    /// `η · dt`, with `η` per ms.
    h: Real,
    /// `u = w / w0` of each plastic synapse, in the order of the incoming index.
    u: Vec<Real>,
    /// `w0` of each plastic synapse, in the order of the incoming index.
    w0: Vec<Real>,
    u_max: Real,
    /// BCM: the fixed threshold, or where a sliding one starts.
    theta0: Real,
    /// BCM with a sliding threshold: `θ` of every neuron (empty otherwise) and `dt/τθ`.
    theta: Vec<Real>,
    theta_rate: Real,
}

impl RateState {
    /// The state for `n` neurons, `dt` ms, with the initial weights `w0` of the plastic
    /// synapses in the order of the incoming index. `cfg` is checked and rate-based.
    pub(super) fn new(cfg: &StdpConfig, n: usize, dt: Real, w0: Vec<Real>) -> RateState {
        let tau = cfg.tau_rate_ms.unwrap_or(DEFAULT_TAU_RATE_MS);
        let rate_ref_per_ms = cfg.rate_ref_hz.unwrap_or(DEFAULT_RATE_REF_HZ) * 1e-3;
        let decay = (-dt / tau).exp();
        let sliding = cfg.model == StdpModel::Bcm && cfg.tau_theta_ms.is_some();
        let theta0 = cfg.bcm_theta.unwrap_or(DEFAULT_BCM_THETA);
        RateState {
            model: cfg.model,
            rho: vec![0.0; n],
            decay,
            inc: (1.0 - decay) / dt / rate_ref_per_ms,
            h: cfg.eta_per_s.unwrap_or(DEFAULT_ETA_PER_S) * 1e-3 * dt,
            u: vec![1.0; w0.len()],
            w0,
            u_max: cfg.w_max_rel,
            theta0,
            theta: if sliding { vec![theta0; n] } else { Vec::new() },
            theta_rate: cfg.tau_theta_ms.map_or(0.0, |t| dt / t),
        }
    }

    /// The rates `ρ` (units of the reference rate).
    pub(super) fn rates(&self) -> &[Real] {
        &self.rho
    }

    /// The sliding BCM thresholds (empty unless the model is BCM with `tau_theta_ms`).
    pub(super) fn theta(&self) -> &[Real] {
        &self.theta
    }

    /// The start of a sample: the rate traces from 0 (a sliding threshold carries over).
    pub(super) fn start_sample(&mut self) {
        self.rho.fill(0.0);
    }

    /// One step: the traces take `spikes` in, a sliding threshold moves, then every plastic
    /// synapse `j → i` changes and its weight `w[in_syn[k]] = w0 · u` is written.
    pub(super) fn step(
        &mut self,
        w: &mut [Real],
        in_ptr: &[usize],
        in_syn: &[u32],
        in_pre: &[u32],
        spikes: &[u32],
    ) {
        let d = self.decay;
        for r in self.rho.iter_mut() {
            *r *= d;
        }
        for &s in spikes {
            self.rho[s as usize] += self.inc;
        }
        let k = self.theta_rate;
        for (t, &r) in self.theta.iter_mut().zip(&self.rho) {
            *t += k * (r * r - *t);
        }
        let h = self.h;
        let mut rows = Rows {
            w,
            in_ptr,
            in_syn,
            in_pre,
            rho: &self.rho,
            u: &mut self.u,
            w0: &self.w0,
            u_max: self.u_max,
        };
        // Each rule as its own loop (monomorphised), the anti rules the exact negatives.
        match self.model {
            StdpModel::Hebbian => rows.update(|_, p, q, _| h * (p * q)),
            StdpModel::AntiHebbian => rows.update(|_, p, q, _| -(h * (p * q))),
            StdpModel::Oja => rows.update(|_, p, q, u| h * (q * (p - q * u))),
            StdpModel::AntiOja => rows.update(|_, p, q, u| -(h * (q * (p - q * u)))),
            StdpModel::Bcm if self.theta.is_empty() => {
                let th = self.theta0;
                rows.update(|_, p, q, _| h * (p * q * (q - th)))
            }
            StdpModel::Bcm => {
                let th = &self.theta;
                rows.update(|i, p, q, _| h * (p * q * (q - th[i])))
            }
            StdpModel::Pair | StdpModel::Triplet => {}
        }
    }
}

/// The borrowed pieces of one update of every plastic synapse.
struct Rows<'a> {
    w: &'a mut [Real],
    in_ptr: &'a [usize],
    in_syn: &'a [u32],
    in_pre: &'a [u32],
    rho: &'a [Real],
    u: &'a mut [Real],
    w0: &'a [Real],
    u_max: Real,
}

impl Rows<'_> {
    /// `u ← clip(u + du(i, ρ_j, ρ_i, u), 0, u_max)` and `w = w0 · u` for every plastic synapse
    /// `j → i`, skipping the neurons `i` with `ρ_i = 0` (every rule has the factor `ρ_i`).
    #[inline(always)]
    fn update(&mut self, du: impl Fn(usize, Real, Real, Real) -> Real) {
        let n = self.in_ptr.len() - 1;
        for i in 0..n {
            let q = self.rho[i];
            if q == 0.0 {
                continue;
            }
            let r = self.in_ptr[i]..self.in_ptr[i + 1];
            for (((u, &w0), &j), &s) in self.u[r.clone()]
                .iter_mut()
                .zip(&self.w0[r.clone()])
                .zip(&self.in_pre[r.clone()])
                .zip(&self.in_syn[r])
            {
                let p = self.rho[j as usize];
                let v = (*u + du(i, p, q, *u)).clamp(0.0, self.u_max);
                *u = v;
                self.w[s as usize] = w0 * v;
            }
        }
    }
}
