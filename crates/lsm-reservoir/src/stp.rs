//! Dynamic synapses: short-term depression and facilitation (Tsodyks & Markram 1997; Markram,
//! Wang & Tsodyks 1998), the synapses of Maass, Natschläger & Markram (2002)'s liquid and of
//! NEST's `tsodyks2_synapse`.
//!
//! # Model
//!
//! A synapse with parameters `U` (utilisation, in (0, 1]), `D = tau_rec_ms` (recovery from
//! depression, > 0) and `F = tau_facil_ms` (decay of facilitation, >= 0; 0: none) transmits its
//! `n`-th presynaptic spike with the amplitude `w · u_n · R_n`, where
//!
//! ```text
//! u_1 = U,  R_1 = 1
//! u_{n+1} = U + u_n (1 − U) exp(−Δ_n / F)
//! R_{n+1} = 1 + (R_n − u_n R_n − 1) exp(−Δ_n / D)
//! ```
//!
//! and `Δ_n` is the time between spikes `n` and `n + 1` (ms). This is the exact solution of
//! `du/dt = −u/F`, `dR/dt = (1 − R)/D` between spikes with the jumps `u ← u + U (1 − u)` and
//! `R ← R − u R` at each spike (Tsodyks, Pawelzik & Markram 1998; Brian2's short-term
//! plasticity example), so the update is per spike and exact: no per-step cost, two
//! exponentials per transmitted spike and synapse.
//!
//! # In lsm
//!
//! * A synapse list (`recurrent` or `input`) of a network file may carry `"stp": {"u": [...],
//!   "tau_rec_ms": [...], "tau_facil_ms": [...]}`, one value per synapse in the list's order
//!   ([`StpParams`]). Without it the synapses are static.
//! * The state `(u, R)` of each synapse and the last spike of each presynaptic neuron or
//!   channel are reset at the start of every sample (the first spike of a sample has amplitude
//!   `w U`), and carried over when a [`crate::Stepper`] continues a run.
//! * `Δ` is measured at the presynaptic side (the spike's step), the amplitude is computed when
//!   the spike leaves and travels with the synaptic delay, as in NEST.
//! * On the `input` list, dynamic synapses act on input spikes; an analog drive
//!   (`Drive::Current`) passes through the static weights.
//! * STDP ([`crate::plasticity`]) changes `w`; the dynamic factor `u R` multiplies it.
//! * The generator draws the parameters from the distributions of Maass et al. (2002) with
//!   `"stp": "maass2002"` ([`maass2002`]).

use crate::error::{field_err, Result};
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Parameters of dynamic synapses, one value per synapse of the list (file order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StpParams {
    /// `U`, the utilisation of the first spike, in (0, 1].
    pub u: Vec<Real>,
    /// `D`, time constant of recovery from depression, ms, > 0.
    pub tau_rec_ms: Vec<Real>,
    /// `F`, time constant of facilitation, ms, >= 0 (0: no facilitation, `u` stays `U`).
    pub tau_facil_ms: Vec<Real>,
}

impl StpParams {
    /// Check lengths (`m` synapses) and ranges; errors name `file` and `<list>.stp.<field>[i]`.
    pub(crate) fn check(&self, file: &str, list: &str, m: usize) -> Result<()> {
        type Check<'a> = (&'a str, &'a Vec<Real>, fn(Real) -> bool, &'a str);
        let fields: [Check<'_>; 3] = [
            (
                "u",
                &self.u,
                |x| x > 0.0 && x <= 1.0,
                "a utilisation in (0, 1]",
            ),
            (
                "tau_rec_ms",
                &self.tau_rec_ms,
                |x| x.is_finite() && x > 0.0,
                "a time constant > 0 ms",
            ),
            (
                "tau_facil_ms",
                &self.tau_facil_ms,
                |x| x.is_finite() && x >= 0.0,
                "a time constant >= 0 ms (0: no facilitation)",
            ),
        ];
        for (name, v, ok, expect) in fields {
            if v.len() != m {
                return Err(field_err(
                    file,
                    format!("{list}.stp.{name}"),
                    format!(
                        "array has {} values but `{list}.pre` has {m}: expected one per synapse",
                        v.len()
                    ),
                ));
            }
            if let Some((i, x)) = v.iter().enumerate().find(|(_, &x)| !ok(x)) {
                return Err(field_err(
                    file,
                    format!("{list}.stp.{name}[{i}]"),
                    format!("expected {expect}, found {x}"),
                ));
            }
        }
        Ok(())
    }

    /// The parameters reordered by `order` (element `k` is `self[order[k]]`).
    pub(crate) fn permuted(&self, order: &[usize]) -> StpParams {
        let p = |v: &[Real]| order.iter().map(|&k| v[k]).collect();
        StpParams {
            u: p(&self.u),
            tau_rec_ms: p(&self.tau_rec_ms),
            tau_facil_ms: p(&self.tau_facil_ms),
        }
    }
}

/// The per-run state of the dynamic synapses of one list: `u` and `R` of each synapse at its
/// last spike, and the step of the last spike of each presynaptic index.
#[derive(Clone, Debug, Default)]
pub(crate) struct StpState {
    pub u: Vec<Real>,
    pub r: Vec<Real>,
    pub last: Vec<i64>,
}

/// No spike yet in this sample.
const NEVER: i64 = i64::MIN;

impl StpState {
    pub(crate) fn new(n_synapses: usize, n_pre: usize) -> Self {
        StpState {
            u: vec![0.0; n_synapses],
            r: vec![1.0; n_synapses],
            last: vec![NEVER; n_pre],
        }
    }
    pub(crate) fn reset(&mut self) {
        self.u.fill(0.0);
        self.r.fill(1.0);
        self.last.fill(NEVER);
    }
    pub(crate) fn heap_bytes(&self) -> usize {
        8 * (self.u.len() + self.r.len() + self.last.len())
    }
}

/// The amplitudes factor `u_n R_n` of the spike of presynaptic `p` at step `t` for synapses
/// `a..b` (CSR order), written to `out[..b - a]`; updates the state.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn transmit(
    prm: &StpParams,
    st: &mut StpState,
    p: usize,
    t: i64,
    dt_ms: Real,
    a: usize,
    b: usize,
    out: &mut [Real],
) {
    let last = st.last[p];
    st.last[p] = t;
    let (u, r) = (&mut st.u[a..b], &mut st.r[a..b]);
    let (uu, d, f) = (&prm.u[a..b], &prm.tau_rec_ms[a..b], &prm.tau_facil_ms[a..b]);
    if last == NEVER {
        for k in 0..b - a {
            u[k] = uu[k];
            r[k] = 1.0;
            out[k] = uu[k];
        }
        return;
    }
    let delta = (t - last) as Real * dt_ms;
    // Branch-free so that it vectorises: F = 0 gives exp(−∞) = 0 (no facilitation).
    for k in 0..b - a {
        let fac = crate::neuron::fast_exp(-delta / f[k]);
        let rn = 1.0 + (r[k] - u[k] * r[k] - 1.0) * crate::neuron::fast_exp(-delta / d[k]);
        let un = uu[k] + u[k] * (1.0 - uu[k]) * fac;
        u[k] = un;
        r[k] = rn;
        out[k] = un * rn;
    }
}

/// Mean `(U, D ms, F ms)` of Maass, Natschläger & Markram (2002) by connection
/// `[pre E/I][post E/I]` (from Markram et al. 1998 / Gupta et al. 2000): EE depressing, EI
/// facilitating, IE and II depressing.
pub const MAASS2002_MEANS: [[(Real, Real, Real); 2]; 2] = [
    [(0.5, 1100.0, 50.0), (0.05, 125.0, 1200.0)],
    [(0.25, 700.0, 20.0), (0.32, 144.0, 60.0)],
];

/// Draw `(U, D, F)` for a synapse from `pre_exc` to `post_exc` as Maass et al. (2002): each
/// parameter Gaussian with a standard deviation of half its mean, redrawn until it is in range
/// (`U` in (0, 1], `D` and `F` > 0).
pub fn maass2002<R: rand::Rng>(rng: &mut R, pre_exc: bool, post_exc: bool) -> (Real, Real, Real) {
    let (u, d, f) = MAASS2002_MEANS[usize::from(!pre_exc)][usize::from(!post_exc)];
    let mut draw = |mean: Real, max: Real| loop {
        let z: Real = rng.sample(rand_distr::StandardNormal);
        let x = mean * (1.0 + 0.5 * z);
        if x > 0.0 && x <= max {
            return x;
        }
    };
    (
        draw(u, 1.0),
        draw(d, Real::INFINITY),
        draw(f, Real::INFINITY),
    )
}
