//! Step 1 of the LIF neuron with conductance-based synapses (`exp_conductance`): exponential
//! Euler with the conductances of the step's start (see the module documentation of
//! [`crate::neuron`]).

use super::{fast_exp, Lif, LifState};
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
    let ib = &m.i_bias[..n];
    let (w, ext) = (&s.w_adapt[..], i_ext.map(|x| &x[..n]));
    // Four copies of one branch-free loop (external current or not, adaptation current or
    // not), so that each vectorises.
    match (ext, w.is_empty()) {
        (None, true) => kernel(v, ge_ns, gi_ns, ru, m, t, |i| ib[i]),
        (Some(x), true) => kernel(v, ge_ns, gi_ns, ru, m, t, |i| ib[i] + x[i]),
        (None, false) => kernel(v, ge_ns, gi_ns, ru, m, t, |i| ib[i] - w[i]),
        (Some(x), false) => kernel(v, ge_ns, gi_ns, ru, m, t, |i| ib[i] + x[i] - w[i]),
    }
}

/// The update of every neuron with the held current `drive(i)` (nA).
#[inline(always)]
fn kernel(
    v: &mut [Real],
    ge_ns: &mut [Real],
    gi_ns: &mut [Real],
    ru: &[Real],
    m: &Lif,
    t: Real,
    drive: impl Fn(usize) -> Real,
) {
    let n = v.len();
    let (ge_ns, gi_ns, ru) = (&mut ge_ns[..n], &mut gi_ns[..n], &ru[..n]);
    let (vr, p11e, p11i) = (&m.v_rest[..n], &m.p11e[..n], &m.p11i[..n]);
    let (gl, hc, ee, ei) = (&m.g_l[..n], &m.h_over_c[..n], &m.e_exc[..n], &m.e_inh[..n]);
    for i in 0..n {
        // dv/dt = (I∞ − G v) / C with G and I∞ held over the step (Brian2's
        // `exponential_euler`).
        let ge = 1e-3 * ge_ns[i]; // nS -> µS
        let gi = 1e-3 * gi_ns[i];
        let g = gl[i] + ge + gi;
        let a = gl[i] * vr[i] + ge * ee[i] + gi * ei[i] + drive(i);
        // G = 0 only for a non-leaky neuron without synaptic input: then v grows linearly.
        let vn = if g > 0.0 {
            let v_inf = a / g;
            v_inf + (v[i] - v_inf) * fast_exp::exp(-hc[i] * g)
        } else {
            v[i] + hc[i] * a
        };
        v[i] = if t >= ru[i] { vn } else { v[i] };
        ge_ns[i] *= p11e[i];
        gi_ns[i] *= p11i[i];
    }
}
