//! The backward pass through time (see the module documentation of
//! [`crate::surrogate`]): hand-written BPTT over the simulator's step, the spike's derivative
//! replaced by the surrogate.

use super::{ForwardMode, Workspace};
use crate::surrogate::{LossKind, SurrogateNet};
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
        let w_out = self
            .w_out
            .as_slice()
            .expect("row-major: checked by validate");
        let w_rec = self
            .w_rec
            .as_ref()
            .map(|w| w.as_slice().expect("row-major: checked by validate"));
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
        for t in (0..t_n).rev() {
            // Adjoints of I_t and v_t from u_{t+1} and I_{t+1} (gu_*, gi_* hold step t + 1).
            // P21e = P21i and P11e = P11i (one tau_syn): the map is linear in I = I⁺ + I⁻.
            for (gu, gi, gv) in [
                (&mut *gu_h, &mut *gi_h, &mut *gv_h),
                (&mut *gu_o, &mut *gi_o, &mut *gv_o),
            ] {
                for j in 0..gu.len() {
                    gi[j] = p.p21e * gu[j] + p.p11e * gi[j];
                    gv[j] = p.p22 * gu[j];
                }
            }
            let uh = &u_h[t * h..(t + 1) * h];
            let sh = &s_h[t * h..(t + 1) * h];
            let uo = &u_o[t * o..(t + 1) * o];
            let so = &s_o[t * o..(t + 1) * o];
            // Weight gradients: what entered I_t at step t.
            for &c in x.at(t) {
                let row = &mut gw_in[c as usize * h..(c as usize + 1) * h];
                for j in 0..h {
                    row[j] += gi_h[j];
                }
            }
            for i in 0..h {
                let s = sh[i];
                if s == 0.0 {
                    continue;
                }
                let row = &mut gw_out[i * o..(i + 1) * o];
                for j in 0..o {
                    row[j] += s * gi_o[j];
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
            // Hidden layer.
            for i in 0..h {
                let row = &w_out[i * o..(i + 1) * o];
                let mut gs: Real = 0.0;
                for j in 0..o {
                    gs += row[j] * gi_o[j];
                }
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
