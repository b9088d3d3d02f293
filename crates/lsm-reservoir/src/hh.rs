//! The Hodgkin-Huxley neuron (`"model": "hh"` in a network file): the detailed model, with
//! Hodgkin & Huxley's (1952) squid-axon sodium, potassium and leak currents.
//!
//! # Equations (v in mV, t in ms, currents in nA, conductances in µS, capacitance in nF)
//!
//! ```text
//! C dv/dt = −g_Na m³h (v − E_Na) − g_K n⁴ (v − E_K) − g_L (v − E_L) + I_exc + I_inh + I_bias + I_ext
//! dx/dt   = α_x(v) (1 − x) − β_x(v) x                  x = m, h, n
//! α_m = 0.1 (v+40) / (1 − e^{−(v+40)/10})   β_m = 4 e^{−(v+65)/18}
//! α_h = 0.07 e^{−(v+65)/20}                 β_h = 1 / (1 + e^{−(v+35)/10})
//! α_n = 0.01 (v+55) / (1 − e^{−(v+55)/10})  β_n = 0.125 e^{−(v+65)/80}
//! ```
//!
//! (rates in 1/ms, the 6.3 °C squid axon with its resting potential at −65 mV; the removable
//! singularities of `α_m` and `α_n` are evaluated through `x / (1 − e^{−x})` with `expm1`).
//!
//! `neuron.hh.kinetics: "traub_miles"` replaces these rates by the Traub-Miles kinetics of the
//! COBAHH benchmark of Brette et al. (2007) ([`traub_miles_rates`], offset by `v_t_mv`,
//! default −63 mV); the preset `cobahh` ([`HhParams::cobahh`]) sets them with that paper's
//! 20,000 µm² cell: `C` 0.2 nF (1 µF/cm²), `g_L` 10 nS (`r_mohm` 100, `tau_m_ms` 20),
//! `g_Na` 20 µS, `g_K` 6 µS, `E_L` −60, `E_Na` 50, `E_K` −90 mV. Alone, that cell fires
//! tonically at about 14 Hz.
//! The passive membrane is the LIF's: `C = tau_m_ms / r_mohm` and `g_L = 1 / r_mohm`, so the
//! defaults `tau_m_ms` 10/3 ms and `r_mohm` 1000/3 MΩ are the squid's 1 µF/cm² and
//! 0.3 mS/cm² on a 1,000 µm² patch; [`HhParams`] holds the channel densities scaled the same
//! way (`g_Na` 120 mS/cm² → 1.2 µS, `g_K` 36 mS/cm² → 0.36 µS), so 0.1 nA is 10 µA/cm².
//! Synaptic currents are the LIF's exponential currents (`exp_current`), voltage jumps
//! (`delta`) or exponentially decaying conductances (`exp_conductance`, weights in nS): the
//! synaptic term is then `1e-3 (g_exc (E_exc − v) + g_inh (E_inh − v))` nA, part of `G` and
//! `E` below.
//!
//! # Integration
//!
//! Each simulation step `dt` is cut into `⌈dt / substep_ms⌉` equal substeps `h`, each advanced
//! by the exponential Euler method (Brian2's `exponential_euler`, Rush & Larsen's scheme for
//! the gates): with the rates and conductances of the substep's start,
//! `x ← x∞ + (x − x∞) e^{−h(α_x+β_x)}` and `v ← E + (v − E) e^{−hG/C}` where
//! `G = g_Na m³h + g_K n⁴ + g_L` and `E = (g_Na m³h E_Na + g_K n⁴ E_K + g_L E_L + I) / G`.
//! Synaptic currents decay exactly over each substep and the external current is held over
//! the step. The scheme is first order and unconditionally stable (`tests/hh.rs` against a
//! Runge-Kutta solution at 0.5 µs): with the default substep of 0.01 ms the first spike of a
//! 10 µA/cm² step comes 0.03 ms late and the firing period is about 0.5 % long; with 0.001 ms,
//! 0.05 %.
//!
//! # Spikes
//!
//! The model has no reset: the channels repolarise the membrane. A spike is the upward crossing
//! of `v_th_mv` (default in the generated HH networks: 0 mV), detected at every substep: the
//! neuron is *armed* while `v <= v_th`, and fires in the first step in which an armed neuron's
//! `v` goes above `v_th` (then disarms), unless it is within `t_ref_ms` of its last spike.
//! `v_reset_mv` is not used; `v_rest_mv` (or `v_init_mv`) is the potential at the start of a
//! sample, with the gates at their steady state there. Threshold adaptation is not available
//! for this model.

// Hot loops index several SoA slices in lock step.
#![allow(clippy::needless_range_loop)]

use crate::neuron::{timestep, NeuronModel};
use crate::spec::{NeuronSpec, SynapseKind};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// The gating kinetics of the Hodgkin-Huxley model (`neuron.hh.kinetics`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kinetics {
    /// `"hh1952"`: Hodgkin & Huxley's (1952) squid axon, rest −65 mV ([`rates`]).
    #[default]
    #[serde(rename = "hh1952")]
    Hh1952,
    /// `"traub_miles"`: Traub & Miles (1991) as in the COBAHH benchmark of Brette et al.
    /// (2007), shifted by `v_t_mv` ([`traub_miles_rates`]).
    #[serde(rename = "traub_miles")]
    TraubMiles,
}

/// The channel parameters of the Hodgkin-Huxley model (`neuron.hh` in a network file; every
/// field has a default, unknown fields are refused). Conductances for a 1,000 µm² patch.
///
/// | field | default | unit |
/// |---|---|---|
/// | `kinetics` | `"hh1952"` | `"hh1952"` or `"traub_miles"` ([`Kinetics`]) |
/// | `g_na_us` | 1.2 | µS (120 mS/cm²) |
/// | `g_k_us` | 0.36 | µS (36 mS/cm²) |
/// | `e_na_mv` | 50 | mV |
/// | `e_k_mv` | −77 | mV |
/// | `e_l_mv` | −54.387 | mV |
/// | `v_t_mv` | −63 | mV, the Traub-Miles `V_T` (`"traub_miles"` only: absent otherwise) |
/// | `substep_ms` | 0.01 | ms, the largest integration substep (> 0) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HhParams {
    /// Gating kinetics.
    pub kinetics: Kinetics,
    /// Peak sodium conductance, µS.
    pub g_na_us: Real,
    /// Peak potassium conductance, µS.
    pub g_k_us: Real,
    /// Sodium reversal potential, mV.
    pub e_na_mv: Real,
    /// Potassium reversal potential, mV.
    pub e_k_mv: Real,
    /// Leak reversal potential, mV.
    pub e_l_mv: Real,
    /// The Traub-Miles rate functions' offset `V_T`, mV (`traub_miles` only; absent: −63).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_t_mv: Option<Real>,
    /// Largest integration substep, ms.
    pub substep_ms: Real,
}

impl Default for HhParams {
    fn default() -> Self {
        Self {
            kinetics: Kinetics::Hh1952,
            g_na_us: 1.2,
            g_k_us: 0.36,
            e_na_mv: 50.0,
            e_k_mv: -77.0,
            e_l_mv: -54.387,
            v_t_mv: None,
            substep_ms: 0.01,
        }
    }
}

impl HhParams {
    /// The first invalid field and what was expected.
    pub fn invalid(&self) -> Option<(&'static str, String)> {
        for (name, v) in [("g_na_us", self.g_na_us), ("g_k_us", self.g_k_us)] {
            if !(v.is_finite() && v >= 0.0) {
                return Some((name, format!("expected a conductance >= 0 µS, found {v}")));
            }
        }
        for (name, v) in [
            ("e_na_mv", self.e_na_mv),
            ("e_k_mv", self.e_k_mv),
            ("e_l_mv", self.e_l_mv),
        ] {
            if !v.is_finite() {
                return Some((name, format!("expected a finite potential, found {v}")));
            }
        }
        match (self.kinetics, self.v_t_mv) {
            (Kinetics::TraubMiles, Some(v)) if !v.is_finite() => {
                return Some(("v_t_mv", format!("expected a finite potential, found {v}")));
            }
            (Kinetics::Hh1952, Some(_)) => {
                return Some((
                    "v_t_mv",
                    "must be absent unless \"kinetics\" is \"traub_miles\"".to_string(),
                ));
            }
            _ => {}
        }
        if !(self.substep_ms.is_finite() && self.substep_ms > 0.0) {
            return Some((
                "substep_ms",
                format!("expected a time > 0 ms, found {}", self.substep_ms),
            ));
        }
        None
    }
}

/// Sub-steps per step `dt_ms` for sub-steps of at most `substep_ms` (a float: validation checks
/// it against [`lsm_core::limits::Limit::Substeps`] before it is used).
pub(crate) fn substeps_f(dt_ms: Real, substep_ms: Real) -> Real {
    (dt_ms / substep_ms - 1e-9).ceil().max(1.0)
}

/// `x / (1 − e^{−x})`, 1 at `x = 0`.
#[inline(always)]
fn x_over_1mexp(x: Real) -> Real {
    if x.abs() < 1e-9 {
        1.0 + 0.5 * x
    } else {
        x / -(-x).exp_m1()
    }
}

/// The Traub-Miles `V_T` of the COBAHH benchmark (Brette et al. 2007), mV.
pub const TRAUB_MILES_V_T_MV: Real = -63.0;

impl HhParams {
    /// The COBAHH neuron of Brette et al. (2007): Traub-Miles kinetics with `V_T` −63 mV and
    /// the channel densities 100 / 30 mS/cm² on 20,000 µm² (`g_Na` 20 µS, `g_K` 6 µS),
    /// `E_Na` 50 mV, `E_K` −90 mV, `E_L` −60 mV, one substep per step of `substep_ms`.
    pub fn cobahh(substep_ms: Real) -> Self {
        Self {
            kinetics: Kinetics::TraubMiles,
            g_na_us: 20.0,
            g_k_us: 6.0,
            e_na_mv: 50.0,
            e_k_mv: -90.0,
            e_l_mv: -60.0,
            v_t_mv: Some(TRAUB_MILES_V_T_MV),
            substep_ms,
        }
    }

    /// `(α_m, β_m, α_h, β_h, α_n, β_n)` of these kinetics at `v` (mV), 1/ms.
    pub fn rates(&self, v: Real) -> [Real; 6] {
        match self.kinetics {
            Kinetics::Hh1952 => rates(v),
            Kinetics::TraubMiles => traub_miles_rates(v, self.v_t()),
        }
    }

    /// `V_T` of the Traub-Miles kinetics, mV.
    fn v_t(&self) -> Real {
        self.v_t_mv.unwrap_or(TRAUB_MILES_V_T_MV)
    }
}

/// `(α_m, β_m, α_h, β_h, α_n, β_n)` of the Traub-Miles kinetics at `v` (mV) with offset `v_t`
/// (mV), 1/ms. With `u = v − v_t`:
///
/// ```text
/// α_m = 0.32 (13 − u) / (e^{(13−u)/4} − 1)    β_m = 0.28 (u − 40) / (e^{(u−40)/5} − 1)
/// α_h = 0.128 e^{(17−u)/18}                   β_h = 4 / (1 + e^{(40−u)/5})
/// α_n = 0.032 (15 − u) / (e^{(15−u)/5} − 1)   β_n = 0.5 e^{(10−u)/40}
/// ```
///
/// (the removable singularities at `u` = 13, 40 and 15 mV through `x / (1 − e^{−x})`).
#[inline(always)]
pub fn traub_miles_rates(v: Real, v_t: Real) -> [Real; 6] {
    let u = v - v_t;
    [
        1.28 * x_over_1mexp((u - 13.0) / 4.0),
        1.4 * x_over_1mexp((40.0 - u) / 5.0),
        0.128 * ((17.0 - u) / 18.0).exp(),
        4.0 / (1.0 + ((40.0 - u) / 5.0).exp()),
        0.16 * x_over_1mexp((u - 15.0) / 5.0),
        0.5 * ((10.0 - u) / 40.0).exp(),
    ]
}

/// `(α_m, β_m, α_h, β_h, α_n, β_n)` of the 1952 squid-axon kinetics at `v` (mV), 1/ms.
#[inline(always)]
pub fn rates(v: Real) -> [Real; 6] {
    [
        x_over_1mexp((v + 40.0) / 10.0),
        4.0 * (-(v + 65.0) / 18.0).exp(),
        0.07 * (-(v + 65.0) / 20.0).exp(),
        1.0 / (1.0 + (-(v + 35.0) / 10.0).exp()),
        0.1 * x_over_1mexp((v + 55.0) / 10.0),
        0.125 * (-(v + 65.0) / 80.0).exp(),
    ]
}

/// The Hodgkin-Huxley model (see the module documentation).
#[derive(Clone, Debug)]
pub struct Hh {
    n: usize,
    synapse: SynapseKind,
    p: HhParams,
    n_sub: usize,
    h: Real,
    c: Vec<Real>,
    g_l: Vec<Real>,
    v_init: Vec<Real>,
    v_th: Vec<Real>,
    ref_steps: Vec<i64>,
    i_bias: Vec<Real>,
    /// Per-substep decay of the synaptic currents (or conductances).
    d_exc: Vec<Real>,
    d_inh: Vec<Real>,
    /// Reversal potentials of `exp_conductance` synapses, mV (empty otherwise).
    e_exc: Vec<Real>,
    e_inh: Vec<Real>,
}

/// Structure-of-arrays state of [`Hh`].
#[derive(Clone, Debug)]
pub struct HhState {
    /// Membrane potential, mV.
    pub v: Vec<Real>,
    /// Sodium activation.
    pub m: Vec<Real>,
    /// Sodium inactivation.
    pub h: Vec<Real>,
    /// Potassium activation.
    pub n: Vec<Real>,
    /// Excitatory synaptic current, nA (the conductance, nS, with `exp_conductance`).
    pub i_exc: Vec<Real>,
    /// Inhibitory synaptic current, nA (the conductance, nS, >= 0, with `exp_conductance`).
    pub i_inh: Vec<Real>,
    /// Armed for the next upward crossing (`v <= v_th` seen since the last spike).
    pub armed: Vec<bool>,
    /// Crossed the threshold during the current step.
    pub crossed: Vec<bool>,
    /// First step at which a crossing counts again.
    pub refractory_until: Vec<i64>,
}

impl Hh {
    /// Build from a validated neuron spec (`model: "hh"`) for `n` neurons and step `dt_ms`.
    pub fn from_spec(ne: &NeuronSpec, n: usize, dt_ms: Real) -> Self {
        let p = ne.hh.clone().unwrap_or_default();
        let n_sub = substeps_f(dt_ms, p.substep_ms) as usize;
        let h = dt_ms / n_sub as Real;
        let tau = |o: &Option<crate::spec::Param>, i: usize| o.as_ref().map_or(1.0, |p| p.get(i));
        let exp_syn = ne.synapse != SynapseKind::Delta;
        let reversal = |p: &Option<crate::spec::Param>| match (ne.synapse, p) {
            (SynapseKind::ExpConductance, Some(p)) => p.expand(n),
            _ => Vec::new(),
        };
        Hh {
            n,
            synapse: ne.synapse,
            n_sub,
            h,
            c: (0..n)
                .map(|i| ne.tau_m_ms.get(i) / ne.r_mohm.get(i))
                .collect(),
            g_l: (0..n).map(|i| 1.0 / ne.r_mohm.get(i)).collect(),
            v_init: ne.v_init_mv.as_ref().unwrap_or(&ne.v_rest_mv).expand(n),
            v_th: ne.v_th_mv.expand(n),
            ref_steps: (0..n)
                .map(|i| timestep(ne.t_ref_ms.get(i), dt_ms))
                .collect(),
            i_bias: ne.i_bias_na.expand(n),
            d_exc: (0..n)
                .map(|i| {
                    if exp_syn {
                        (-h / tau(&ne.tau_syn_exc_ms, i)).exp()
                    } else {
                        0.0
                    }
                })
                .collect(),
            d_inh: (0..n)
                .map(|i| {
                    if exp_syn {
                        (-h / tau(&ne.tau_syn_inh_ms, i)).exp()
                    } else {
                        0.0
                    }
                })
                .collect(),
            e_exc: reversal(&ne.e_syn_exc_mv),
            e_inh: reversal(&ne.e_syn_inh_mv),
            p,
        }
    }

    /// Number of substeps per simulation step.
    pub fn substeps(&self) -> usize {
        self.n_sub
    }

    /// The channel parameters.
    pub fn params(&self) -> &HhParams {
        &self.p
    }
}

impl Hh {
    /// One step of every neuron with the rate functions `rates` (see the module documentation).
    #[inline(always)]
    fn advance(&self, s: &mut HhState, i_ext: Option<&[Real]>, rates: impl Fn(Real) -> [Real; 6]) {
        let p = &self.p;
        let hs = self.h;
        for i in 0..self.n {
            let (mut v, mut m, mut hg, mut ng) = (s.v[i], s.m[i], s.h[i], s.n[i]);
            let (mut ie, mut ii) = (s.i_exc[i], s.i_inh[i]);
            let i_const = self.i_bias[i] + i_ext.map_or(0.0, |x| x[i]);
            let (c, g_l, v_th) = (self.c[i], self.g_l[i], self.v_th[i]);
            let mut armed = s.armed[i];
            let mut crossed = false;
            let cond = !self.e_exc.is_empty();
            let (ee, ei) = if cond {
                (self.e_exc[i], self.e_inh[i])
            } else {
                (0.0, 0.0)
            };
            for _ in 0..self.n_sub {
                let [am, bm, ah, bh, an, bn] = rates(v);
                let g_na = p.g_na_us * m * m * m * hg;
                let g_k = p.g_k_us * ng * ng * ng * ng;
                let (g, e) = if cond {
                    // Conductances in nS, the channels' in µS.
                    let (ge, gi) = (1e-3 * ie, 1e-3 * ii);
                    let g = g_na + g_k + g_l + ge + gi;
                    let num = g_na * p.e_na_mv
                        + g_k * p.e_k_mv
                        + g_l * p.e_l_mv
                        + ge * ee
                        + gi * ei
                        + i_const;
                    (g, num / g)
                } else {
                    let g = g_na + g_k + g_l;
                    let num =
                        g_na * p.e_na_mv + g_k * p.e_k_mv + g_l * p.e_l_mv + ie + ii + i_const;
                    (g, num / g)
                };
                v = e + (v - e) * (-hs * g / c).exp();
                for (x, a, b) in [(&mut m, am, bm), (&mut hg, ah, bh), (&mut ng, an, bn)] {
                    let k = a + b;
                    let inf = a / k;
                    *x = inf + (*x - inf) * (-hs * k).exp();
                }
                ie *= self.d_exc[i];
                ii *= self.d_inh[i];
                if v > v_th {
                    if armed {
                        crossed = true;
                        armed = false;
                    }
                } else {
                    armed = true;
                }
            }
            s.v[i] = v;
            s.m[i] = m;
            s.h[i] = hg;
            s.n[i] = ng;
            s.i_exc[i] = ie;
            s.i_inh[i] = ii;
            s.armed[i] = armed;
            s.crossed[i] = crossed;
        }
    }
}

impl NeuronModel for Hh {
    type State = HhState;

    fn n(&self) -> usize {
        self.n
    }

    fn new_state(&self) -> HhState {
        let n = self.n;
        let mut s = HhState {
            v: vec![0.0; n],
            m: vec![0.0; n],
            h: vec![0.0; n],
            n: vec![0.0; n],
            i_exc: vec![0.0; n],
            i_inh: vec![0.0; n],
            armed: vec![false; n],
            crossed: vec![false; n],
            refractory_until: vec![i64::MIN / 2; n],
        };
        self.reset(&mut s);
        s
    }

    fn reset(&self, s: &mut HhState) {
        for i in 0..self.n {
            let v = self.v_init[i];
            let [am, bm, ah, bh, an, bn] = self.p.rates(v);
            s.v[i] = v;
            s.m[i] = am / (am + bm);
            s.h[i] = ah / (ah + bh);
            s.n[i] = an / (an + bn);
            s.armed[i] = v <= self.v_th[i];
        }
        s.i_exc.fill(0.0);
        s.i_inh.fill(0.0);
        s.crossed.fill(false);
        s.refractory_until.fill(i64::MIN / 2);
    }

    fn update(&self, s: &mut HhState, _t: i64, i_ext: Option<&[Real]>) {
        match self.p.kinetics {
            Kinetics::Hh1952 => self.advance(s, i_ext, rates),
            Kinetics::TraubMiles => {
                let v_t = self.p.v_t();
                self.advance(s, i_ext, |v| traub_miles_rates(v, v_t))
            }
        }
    }

    fn threshold(&self, s: &HhState, t: i64, spikes: &mut [u32]) -> usize {
        let mut k = 0;
        for i in 0..self.n {
            if s.crossed[i] && t >= s.refractory_until[i] {
                spikes[k] = i as u32;
                k += 1;
            }
        }
        k
    }

    fn receive(&self, s: &mut HhState, _t: i64, exc: &mut [Real], inh: &mut [Real]) {
        match self.synapse {
            SynapseKind::ExpCurrent => {
                for i in 0..self.n {
                    s.i_exc[i] += exc[i];
                    s.i_inh[i] += inh[i];
                }
                inh.fill(0.0);
            }
            SynapseKind::ExpConductance => {
                // `inh` sums the negative weights: the conductance grows by the magnitude.
                for i in 0..self.n {
                    s.i_exc[i] += exc[i];
                    s.i_inh[i] -= inh[i];
                }
                inh.fill(0.0);
            }
            SynapseKind::Delta => {
                for i in 0..self.n {
                    s.v[i] += exc[i];
                    if s.v[i] <= self.v_th[i] {
                        s.armed[i] = true;
                    }
                }
            }
        }
        exc.fill(0.0);
    }

    fn reset_spiked(&self, s: &mut HhState, t: i64, spikes: &[u32]) {
        for &i in spikes {
            let i = i as usize;
            s.refractory_until[i] = t + self.ref_steps[i];
        }
    }

    fn splits_sign(&self) -> bool {
        self.synapse != SynapseKind::Delta
    }

    fn v<'a>(&self, s: &'a HhState) -> &'a [Real] {
        &s.v
    }
}
