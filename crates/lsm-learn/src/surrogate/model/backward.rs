//! The backward pass through time (see the module documentation of
//! [`crate::surrogate`]): hand-written BPTT over the simulator's step, the spike's derivative
//! replaced by the surrogate.

use super::{ForwardMode, Workspace};
use crate::surrogate::{LossKind, SurrogateKind, SurrogateNet};
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::ResetKind;

impl SurrogateNet {
    /// The backward pass through time; writes the gradient to `ws.grad`.
    pub(super) fn backward(&self, x: &SpikeTrains, mode: ForwardMode<'_>, ws: &mut Workspace) {
        let (h, o, t_n) = (ws.h, ws.o, x.n_steps());
        let p = ws.prop;
        let (th, vreset) = (self.v_th_mv, 0.0);
        let (sur, k) = (self.surrogate, self.slope);
        let subtract = self.reset == ResetKind::Subtract;
        let detach = self.detach_reset;
        let fire_o = self.outputs_fire();
        let count = self.loss == LossKind::Count;
        let (_, w_out, w_rec) = self.weight_slices();
        ws.grad.fill_zero();
        for g in [
            &mut ws.gu_h,
            &mut ws.gi_h,
            &mut ws.gv_h,
            &mut ws.gu_o,
            &mut ws.gi_o,
            &mut ws.gv_o,
        ] {
            g.fill(0.0);
        }
        let Workspace {
            u_h,
            s_h,
            u_o,
            s_o,
            gu_h,
            gi_h,
            gv_h,
            gu_o,
            gi_o,
            gv_o,
            dlogits,
            t_max,
            grad,
            w_out_t,
            gs_h,
            ..
        } = ws;
        let gw_in = grad.w_in.as_slice_mut().expect("row-major");
        let gw_out = grad.w_out.as_slice_mut().expect("row-major");
        let mut gw_rec = grad
            .w_rec
            .as_mut()
            .map(|g| g.as_slice_mut().expect("row-major"));
        // dv/du and dv/ds of the reset for reset factor r.
        let dvdu = |r: Real| if subtract { 1.0 } else { 1.0 - r };
        let dvds = |u: Real| {
            if subtract {
                -(th - vreset)
            } else {
                -(u - vreset)
            }
        };
        let reset_factor = |t: usize, j: usize, s: Real| match mode {
            ForwardMode::SmoothFrozenReset(fr) => fr[[t, j]],
            _ => s,
        };
        // w_out transposed, so that the hidden layer's sum over outputs runs along rows.
        for i in 0..h {
            for j in 0..o {
                w_out_t[j * h + i] = w_out[i * o + j];
            }
        }
        let frozen = matches!(mode, ForwardMode::SmoothFrozenReset(_));
        let fast = w_rec.is_none() && detach && !frozen;
        for t in (0..t_n).rev() {
            // Adjoints of I_t and v_t from u_{t+1} and I_{t+1} (gu_*, gi_* hold step t + 1).
            // P21e = P21i and P11e = P11i (one tau_syn): the map is linear in I = I⁺ + I⁻.
            propagate_back(p.p21e, p.p11e, p.p22, gu_h, gi_h, gv_h);
            propagate_back(p.p21e, p.p11e, p.p22, gu_o, gi_o, gv_o);
            let uh = &u_h[t * h..(t + 1) * h];
            let sh = &s_h[t * h..(t + 1) * h];
            let uo = &u_o[t * o..(t + 1) * o];
            let so = &s_o[t * o..(t + 1) * o];
            // Weight gradients: what entered I_t at step t.
            for &c in x.at(t) {
                let row = &mut gw_in[c as usize * h..(c as usize + 1) * h];
                for (g, &gi) in row.iter_mut().zip(gi_h.iter()) {
                    *g += gi;
                }
            }
            for (i, &s) in sh.iter().enumerate() {
                if s == 0.0 {
                    continue;
                }
                let row = &mut gw_out[i * o..(i + 1) * o];
                for (g, &gi) in row.iter_mut().zip(gi_o.iter()) {
                    *g += s * gi;
                }
                if let Some(gr) = gw_rec.as_deref_mut() {
                    let row = &mut gr[i * h..(i + 1) * h];
                    for j in 0..h {
                        if j != i {
                            row[j] += s * gi_h[j];
                        }
                    }
                }
            }
            // Output layer.
            for j in 0..o {
                let mut g = gv_o[j];
                if fire_o {
                    let r = reset_factor(t, h + j, so[j]);
                    let mut gs = if count { dlogits[j] } else { 0.0 };
                    if !detach {
                        gs += gv_o[j] * dvds(uo[j]);
                    }
                    g = gv_o[j] * dvdu(r) + gs * sur.derivative(uo[j] - th, k);
                } else if !count && t_max[j] == t {
                    g += dlogits[j];
                }
                gu_o[j] = g;
            }
            // Hidden layer: gs_i = Σ_j w_out[i, j] gi_o[j] (in j order), by rows of w_out_t.
            gs_h.fill(0.0);
            for (j, &g) in gi_o.iter().enumerate() {
                for (a, &w) in gs_h.iter_mut().zip(&w_out_t[j * h..(j + 1) * h]) {
                    *a += w * g;
                }
            }
            if fast {
                // Feedforward, detached reset, the reset factor is the spike.
                match sur {
                    SurrogateKind::FastSigmoid => {
                        hidden_adjoint(gu_h, gv_h, gs_h, uh, sh, subtract, |x| {
                            SurrogateKind::FastSigmoid.derivative(x - th, k)
                        })
                    }
                    SurrogateKind::Arctan => {
                        hidden_adjoint(gu_h, gv_h, gs_h, uh, sh, subtract, |x| {
                            SurrogateKind::Arctan.derivative(x - th, k)
                        })
                    }
                }
                continue;
            }
            for i in 0..h {
                let mut gs = gs_h[i];
                if let Some(wr) = w_rec {
                    let row = &wr[i * h..(i + 1) * h];
                    for j in 0..h {
                        if j != i {
                            gs += row[j] * gi_h[j];
                        }
                    }
                }
                if !detach {
                    gs += gv_h[i] * dvds(uh[i]);
                }
                let r = reset_factor(t, i, sh[i]);
                gu_h[i] = gv_h[i] * dvdu(r) + gs * sur.derivative(uh[i] - th, k);
            }
        }
    }
}

/// The adjoints of the currents and membranes of step `t` from those of step `t + 1`:
/// `gi ← P21 gu + P11 gi`, `gv = P22 gu`.
fn propagate_back(p21: Real, p11: Real, p22: Real, gu: &[Real], gi: &mut [Real], gv: &mut [Real]) {
    for ((&gu, gi), gv) in gu.iter().zip(gi.iter_mut()).zip(gv.iter_mut()) {
        *gi = p21 * gu + p11 * *gi;
        *gv = p22 * gu;
    }
}

/// The hidden membranes' adjoint where the reset is detached and its factor is the spike:
/// `gu = gv · ∂v/∂u + gs · σ'(u)`, with `∂v/∂u = 1` (subtraction) or `1 − s` (reset to a value).
#[inline(always)]
fn hidden_adjoint(
    gu: &mut [Real],
    gv: &[Real],
    gs: &[Real],
    u: &[Real],
    s: &[Real],
    subtract: bool,
    d: impl Fn(Real) -> Real,
) {
    for ((((gu, &gv), &gs), &u), &s) in gu.iter_mut().zip(gv).zip(gs).zip(u).zip(s) {
        let dvdu = if subtract { 1.0 } else { 1.0 - s };
        *gu = gv * dvdu + gs * d(u);
    }
}
