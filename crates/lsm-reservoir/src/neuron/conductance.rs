//! Step 1 of the LIF neuron with conductance-based synapses (`exp_conductance`): exponential
//! Euler with the conductances of the step's start (see the module documentation of
//! [`crate::neuron`]).

use super::{Lif, LifState};
use lsm_core::Real;

/// Advance every neuron of `m` over one step at time `t` (steps), with the external current
/// `i_ext` (nA) if given; an adaptation current, if the model has one, is part of the held
/// drive.
#[inline(always)]
pub(super) fn update(m: &Lif, s: &mut LifState, t: Real, i_ext: Option<&[Real]>) {
    let n = m.n;
    let (v, ge_ns, gi_ns, ru) = (
        &mut s.v[..n],
        &mut s.i_exc[..n],
        &mut s.i_inh[..n],
        &s.refractory_until[..n],
    );
    let (vr, ib) = (&m.v_rest[..n], &m.i_bias[..n]);
    let (p11e, p11i) = (&m.p11e[..n], &m.p11i[..n]);
    let (gl, hc, ee, ei) = (&m.g_l[..n], &m.h_over_c[..n], &m.e_exc[..n], &m.e_inh[..n]);
    let w = &s.w_adapt;
    for i in 0..n {
        // dv/dt = (I∞ − G v) / C with G and I∞ held over the step (Brian2's
        // `exponential_euler`).
        let ge = 1e-3 * ge_ns[i]; // nS -> µS
        let gi = 1e-3 * gi_ns[i];
        let g = gl[i] + ge + gi;
        let mut drive = ib[i] + i_ext.map_or(0.0, |x| x[i]);
        if !w.is_empty() {
            drive -= w[i];
        }
        let a = gl[i] * vr[i] + ge * ee[i] + gi * ei[i] + drive;
        let vn = if g > 0.0 {
            let v_inf = a / g;
            v_inf + (v[i] - v_inf) * (-hc[i] * g).exp()
        } else {
            v[i] + hc[i] * a
        };
        v[i] = if t >= ru[i] { vn } else { v[i] };
        ge_ns[i] *= p11e[i];
        gi_ns[i] *= p11i[i];
    }
}
