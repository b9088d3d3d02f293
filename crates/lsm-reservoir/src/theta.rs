//! The theta neuron (`"model": "theta"` in a network file): the canonical type-I neuron of
//! Ermentrout & Kopell (1986), a phase on the circle that is the quadratic integrate-and-fire
//! neuron written without its blow-up (G. B. Ermentrout, N. Kopell, "Parabolic bursting in an
//! excitable system coupled with a slow oscillation", SIAM J. Appl. Math. 46, 1986). Nicola &
//! Clopath (2017) trained their Lorenz generator on it.
//!
//! # Equation (θ in radians, t in ms)
//!
//! ```text
//! τ dθ/dt = (1 − cos θ) + (1 + cos θ) · η,      η = R · (I_bias + I_exc + I_inh + I_ext)
//! if θ >= π: spike, θ ← −π
//! ```
//!
//! `τ` is `tau_m_ms` and `R` is `r_mohm`; the drive `η` is `R·I` in mV read as a number, so a
//! current of 1 nA through 1 MΩ gives `η = 1`. With `V = tan(θ/2)` this is the quadratic
//! integrate-and-fire neuron `τ dV/dt = V² + η` with spike at `V = +∞` and reset to `−∞`: for
//! a constant `η > 0` the neuron fires periodically with period `π τ / √η`; for `η < 0` it
//! rests at `θ* = −arccos((1 + η)/(1 − η))`, and a kick past the unstable point
//! `+arccos((1 + η)/(1 − η))` makes one spike.
//!
//! Nicola & Clopath's network (`THETALORENZ.m`: time in seconds, `dθ = 1 − cos θ + (1 + cos θ)
//! π² J`) is this model with `tau_m_ms` 1000, `r_mohm` π² and `J` in nA; their synaptic filter
//! has unit area in seconds, so a weight `ω` of theirs is an `exp_current` jump of
//! `ω / τ_syn` (with `τ_syn` in seconds: 50 ω for 20 ms).
//!
//! **Fields.** `v_init_mv` (or `v_rest_mv`) is the phase at the start of every sample, in
//! radians (the generator's `v_init_uniform_mv: [−π, π]` draws it uniformly, as Nicola &
//! Clopath do); `v_th_mv` and `v_reset_mv` are unused (they must still be valid): the spike is at
//! `π` and the reset at `−π`. Synapses are `exp_current` (`I_exc`, `I_inh` as for the LIF);
//! `leaky` must be true, `t_ref_ms` and `adapt_mv` 0.
//!
//! # Integration: forward Euler at the simulation step
//!
//! ```text
//! θ ← θ + (h/τ) ((1 − cos θ) + (1 + cos θ) η)
//! I_x ← exp(−h/τ_x) I_x            x = exc, inh (exact decay, after the update of θ)
//! ```
//!
//! as Nicola & Clopath's code does (their step is 10 µs at τ = 1 s, `h/τ` = 1e−5). The
//! schedule of a step is the LIF's (update, threshold, synaptic delivery, reset).
//! `tests/theta.rs` checks the period and the resting phase above against the closed forms.
//!
//! A recording's final state ([`crate::FinalState`]) holds θ as `v`, and the synaptic currents.

// Hot loops index several SoA slices in lock step.
#![allow(clippy::needless_range_loop)]

use crate::error::{field_err, Result};
use crate::neuron::NeuronModel;
use crate::spec::{NeuronSpec, Param, SynapseKind};
use lsm_core::Real;
use std::f64::consts::PI;

/// Model-specific checks of a neuron spec with `model: "theta"`.
pub(crate) fn check_spec(ne: &NeuronSpec, file: &str) -> Result<()> {
    let refuse = |field: &str, msg: &str| Err(field_err(file, format!("neuron.{field}"), msg));
    if !ne.leaky {
        return refuse("leaky", "must be true for model \"theta\"");
    }
    if !ne.t_ref_ms.is_all_zero() {
        return refuse(
            "t_ref_ms",
            "must be 0 for model \"theta\" (the phase has no refractory clamp)",
        );
    }
    if !ne.adapt_mv.is_all_zero() {
        return refuse(
            "adapt_mv",
            "threshold adaptation is not available for model \"theta\": expected 0",
        );
    }
    if ne.synapse != SynapseKind::ExpCurrent {
        return refuse(
            "synapse",
            &format!(
                "\"{}\" is not available for model \"theta\": expected \"exp_current\"",
                ne.synapse.name()
            ),
        );
    }
    Ok(())
}

impl NeuronSpec {
    /// The theta neuron of Nicola & Clopath's Lorenz network: `tau_m_ms` 1000 (their time unit
    /// is the second), `r_mohm` π², no bias, phase starting at −π, exponential-current synapses
    /// with τ 20 ms.
    pub fn theta() -> Self {
        Self {
            model: crate::spec::ModelKind::Theta,
            tau_m_ms: 1000.0.into(),
            r_mohm: (PI * PI).into(),
            v_rest_mv: (-PI).into(),
            v_reset_mv: (-PI).into(),
            v_th_mv: PI.into(),
            t_ref_ms: 0.0.into(),
            i_bias_na: 0.0.into(),
            synapse: SynapseKind::ExpCurrent,
            tau_syn_exc_ms: Some(20.0.into()),
            tau_syn_inh_ms: Some(20.0.into()),
            ..Self::default()
        }
    }
}

/// The theta neuron (see the module documentation).
#[derive(Clone, Debug)]
pub struct Theta {
    n: usize,
    /// `h / τ` per neuron.
    k: Vec<Real>,
    /// `R` per neuron (MΩ).
    r: Vec<Real>,
    theta_init: Vec<Real>,
    i_bias: Vec<Real>,
    /// Per-step decay of the synaptic currents.
    p11e: Vec<Real>,
    p11i: Vec<Real>,
}

/// Structure-of-arrays state of [`Theta`].
#[derive(Clone, Debug)]
pub struct ThetaState {
    /// Phase, radians, in `[−π, π)` after each step's reset.
    pub theta: Vec<Real>,
    /// Excitatory synaptic current, nA.
    pub i_exc: Vec<Real>,
    /// Inhibitory synaptic current, nA.
    pub i_inh: Vec<Real>,
}

impl Theta {
    /// Build from a validated neuron spec (`model: "theta"`) for `n` neurons and step `dt_ms`.
    pub fn from_spec(ne: &NeuronSpec, n: usize, dt_ms: Real) -> Self {
        let decay = |tau: &Option<Param>| -> Vec<Real> {
            match tau {
                Some(t) => (0..n).map(|i| (-dt_ms / t.get(i)).exp()).collect(),
                None => vec![0.0; n],
            }
        };
        Theta {
            n,
            k: (0..n).map(|i| dt_ms / ne.tau_m_ms.get(i)).collect(),
            r: ne.r_mohm.expand(n),
            theta_init: ne.v_init_mv.as_ref().unwrap_or(&ne.v_rest_mv).expand(n),
            i_bias: ne.i_bias_na.expand(n),
            p11e: decay(&ne.tau_syn_exc_ms),
            p11i: decay(&ne.tau_syn_inh_ms),
        }
    }
}

/// `(sin²(θ/2), cos²(θ/2))`, i.e. `((1 − cos θ)/2, (1 + cos θ)/2)` without the cancellation
/// of `1 − cos θ` near 0: `θ/2` is reduced by the nearest multiple of π (both squares have
/// period π there; π in two parts, Cody & Waite) and the sine and cosine of the remainder
/// `|y| <= π/2` are their Taylor series to `y²¹` and `y²²` (truncation below 2e−17). Branch
/// free, so the update loop vectorises; within a few ulp of the libm values for `|θ| < 2²⁰`
/// (`tests/theta.rs`).
#[inline(always)]
pub fn half_angle_squares(theta: Real) -> (Real, Real) {
    // Adding and subtracting 1.5·2⁵² rounds to the nearest integer (|x| < 2⁵¹).
    const ROUND: Real = 6_755_399_441_055_744.0;
    const INV_2PI: Real = 0.159_154_943_091_895_35;
    // π = PI_A + PI_B, PI_A with its low 27 bits zero so that m·PI_A is exact for |m| < 2²⁶.
    const PI_A: Real = 3.141_592_651_605_606;
    const PI_B: Real = 1.984_187_159_361_081e-9;
    let m = (theta * INV_2PI + ROUND) - ROUND;
    let y = (theta * 0.5 - m * PI_A) - m * PI_B;
    let z = y * y;
    // sin y = y Σ (−1)^k z^k/(2k+1)!, cos y = Σ (−1)^k z^k/(2k)!, Horner from the top.
    let mut s = 1.0 / 51_090_942_171_709_440_000.0; // 1/21!
    let mut c = -1.0 / 1_124_000_727_777_607_680_000.0; // −1/22!
    for &(ks, kc) in &HALF_ANGLE_TAYLOR {
        s = s * z + ks;
        c = c * z + kc;
    }
    let s = s * y;
    let c = c * z + 1.0;
    (s * s, c * c)
}

/// Horner coefficients of [`half_angle_squares`]: the sine's `(−1)^k/(2k+1)!` beside the
/// cosine's `(−1)^(k+1)/(2k+2)!`, `k` = 9 down to 0.
const HALF_ANGLE_TAYLOR: [(Real, Real); 10] = [
    (
        -1.0 / 121_645_100_408_832_000.0,
        1.0 / 2_432_902_008_176_640_000.0,
    ), // −1/19!, 1/20!
    (1.0 / 355_687_428_096_000.0, -1.0 / 6_402_373_705_728_000.0), // 1/17!, −1/18!
    (-1.0 / 1_307_674_368_000.0, 1.0 / 20_922_789_888_000.0),      // −1/15!, 1/16!
    (1.0 / 6_227_020_800.0, -1.0 / 87_178_291_200.0),              // 1/13!, −1/14!
    (-1.0 / 39_916_800.0, 1.0 / 479_001_600.0),                    // −1/11!, 1/12!
    (1.0 / 362_880.0, -1.0 / 3_628_800.0),                         // 1/9!, −1/10!
    (-1.0 / 5_040.0, 1.0 / 40_320.0),                              // −1/7!, 1/8!
    (1.0 / 120.0, -1.0 / 720.0),                                   // 1/5!, −1/6!
    (-1.0 / 6.0, 1.0 / 24.0),                                      // −1/3!, 1/4!
    (1.0, -0.5),                                                   // 1, −1/2!
];

/// One forward-Euler step of the phase `θ` with drive `η` and `k = h/τ`:
/// `θ + k ((1 − cos θ) + (1 + cos θ) η)`, with `1 ∓ cos θ` as `2 sin²(θ/2)`, `2 cos²(θ/2)`.
#[inline(always)]
pub fn euler_step(theta: Real, eta: Real, k: Real) -> Real {
    let (s2, c2) = half_angle_squares(theta);
    theta + k * ((s2 + s2) + (c2 + c2) * eta)
}

/// The period of a theta neuron with constant drive `eta > 0` and time constant `tau`
/// (`π τ / √η`; infinite for `η <= 0`).
pub fn period(eta: Real, tau: Real) -> Real {
    if eta > 0.0 {
        PI * tau / eta.sqrt()
    } else {
        Real::INFINITY
    }
}

impl NeuronModel for Theta {
    type State = ThetaState;

    fn n(&self) -> usize {
        self.n
    }

    fn new_state(&self) -> ThetaState {
        let n = self.n;
        let mut s = ThetaState {
            theta: vec![0.0; n],
            i_exc: vec![0.0; n],
            i_inh: vec![0.0; n],
        };
        self.reset(&mut s);
        s
    }

    fn reset(&self, s: &mut ThetaState) {
        s.theta.copy_from_slice(&self.theta_init);
        s.i_exc.fill(0.0);
        s.i_inh.fill(0.0);
    }

    #[inline(always)]
    fn update(&self, s: &mut ThetaState, _t: i64, i_ext: Option<&[Real]>) {
        let n = self.n;
        let (th, ie, ii) = (&mut s.theta[..n], &mut s.i_exc[..n], &mut s.i_inh[..n]);
        let (k, r, ib, pe, pi) = (
            &self.k[..n],
            &self.r[..n],
            &self.i_bias[..n],
            &self.p11e[..n],
            &self.p11i[..n],
        );
        // Two loops rather than a match per neuron, so that each vectorises.
        match i_ext {
            Some(x) => {
                let x = &x[..n];
                for j in 0..n {
                    th[j] = euler_step(th[j], r[j] * (((ib[j] + x[j]) + ie[j]) + ii[j]), k[j]);
                    ie[j] *= pe[j];
                    ii[j] *= pi[j];
                }
            }
            None => {
                for j in 0..n {
                    th[j] = euler_step(th[j], r[j] * ((ib[j] + ie[j]) + ii[j]), k[j]);
                    ie[j] *= pe[j];
                    ii[j] *= pi[j];
                }
            }
        }
    }

    #[inline(always)]
    fn threshold(&self, s: &ThetaState, _t: i64, spikes: &mut [u32]) -> usize {
        let mut m = 0;
        for i in 0..self.n {
            if s.theta[i] >= PI {
                spikes[m] = i as u32;
                m += 1;
            }
        }
        m
    }

    #[inline(always)]
    fn receive(&self, s: &mut ThetaState, _t: i64, exc: &mut [Real], inh: &mut [Real]) {
        let n = self.n;
        for i in 0..n {
            s.i_exc[i] += exc[i];
            s.i_inh[i] += inh[i];
        }
        exc[..n].fill(0.0);
        inh[..n].fill(0.0);
    }

    #[inline(always)]
    fn reset_spiked(&self, s: &mut ThetaState, _t: i64, spikes: &[u32]) {
        for &i in spikes {
            s.theta[i as usize] = -PI;
        }
    }

    fn splits_sign(&self) -> bool {
        true
    }

    fn v<'a>(&self, s: &'a ThetaState) -> &'a [Real] {
        &s.theta
    }
}
