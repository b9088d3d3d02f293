//! The forward pass: the simulator's step (see the module documentation of
//! [`crate::surrogate`]), over slices the compiler can vectorise.

use super::{ForwardMode, Workspace};
use crate::error::{LearnError, Result};
use crate::surrogate::{LossKind, Prop, SurrogateKind, SurrogateNet};
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::ResetKind;

/// Add `w` to the accumulator of its weight's sign (`neg`), branch-free: the sign is data and
/// unpredictable. Adding the other sign's `0.0` leaves an accumulator's bits unchanged, because
/// an accumulator is never −0.0 (it starts at +0.0, and a sum is −0.0 only when both terms
/// are), so the sums are the simulator's, bit for bit.
#[inline(always)]
fn add_signed(exc: &mut Real, inh: &mut Real, neg: bool, w: Real) {
    *exc += if neg { 0.0 } else { w };
    *inh += if neg { w } else { 0.0 };
}

/// Step 1: `lsm_reservoir::Lif::update` (the same expression, rest 0 and no bias current),
/// then the current decay.
fn update(p: &Prop, v: &mut [Real], ie: &mut [Real], ii: &mut [Real]) {
    let (vr, ib) = (0.0, 0.0);
    for ((v, ie), ii) in v.iter_mut().zip(ie.iter_mut()).zip(ii.iter_mut()) {
        *v = vr + p.p22 * (*v - vr) + p.p21e * *ie + p.p21i * *ii + p.p20 * ib;
        *ie *= p.p11e;
        *ii *= p.p11i;
    }
}

/// Step 2: record the membrane `u` and the spike: Heaviside, or the surrogate's integral in
/// the smooth modes.
fn threshold(
    u: &mut [Real],
    s: &mut [Real],
    v: &[Real],
    th: Real,
    smooth: Option<(SurrogateKind, Real)>,
) {
    u.copy_from_slice(v);
    match smooth {
        None => {
            for (s, &u) in s.iter_mut().zip(u.iter()) {
                *s = if u > th { 1.0 } else { 0.0 };
            }
        }
        Some((sur, k)) => {
            for (s, &u) in s.iter_mut().zip(u.iter()) {
                *s = sur.integral(u - th, k);
            }
        }
    }
}

/// Step 3, delivery: the step's accumulated weights join the currents.
fn deliver(ie: &mut [Real], ii: &mut [Real], ae: &mut [Real], ai: &mut [Real]) {
    for (((ie, ii), ae), ai) in ie
        .iter_mut()
        .zip(ii.iter_mut())
        .zip(ae.iter_mut())
        .zip(ai.iter_mut())
    {
        *ie += *ae;
        *ii += *ai;
        *ae = 0.0;
        *ai = 0.0;
    }
}

impl SurrogateNet {
    /// The forward pass over `x` (see the module documentation); fills the records and logits
    /// of `ws`.
    pub(super) fn forward(
        &self,
        x: &SpikeTrains,
        mode: ForwardMode<'_>,
        ws: &mut Workspace,
    ) -> Result<()> {
        let (h, o, t_n) = (ws.h, ws.o, x.n_steps());
        if let ForwardMode::SmoothFrozenReset(r) = mode {
            if r.dim() != (t_n, h + o) {
                return Err(LearnError::Data(format!(
                    "frozen reset of shape {:?}: expected {t_n} x {}",
                    r.dim(),
                    h + o
                )));
            }
        }
        if ws.u_h.len() < t_n * h {
            ws.u_h.resize(t_n * h, 0.0);
            ws.s_h.resize(t_n * h, 0.0);
        }
        if ws.u_o.len() < t_n * o {
            ws.u_o.resize(t_n * o, 0.0);
            ws.s_o.resize(t_n * o, 0.0);
        }
        let p = ws.prop;
        let (th, vreset) = (self.v_th_mv, 0.0);
        let fire_o = self.outputs_fire();
        let out_th = if fire_o { th } else { Real::INFINITY };
        let smooth = match mode {
            ForwardMode::Spiking => None,
            _ => Some((self.surrogate, self.slope)),
        };
        let subtract = self.reset == ResetKind::Subtract;
        let (w_in, w_out, w_rec) = self.weight_slices();
        let Workspace {
            u_h,
            s_h,
            u_o,
            s_o,
            v_h,
            ie_h,
            ii_h,
            ae_h,
            ai_h,
            v_o,
            ie_o,
            ii_o,
            ae_o,
            ai_o,
            logits,
            t_max,
            ..
        } = ws;
        for v in [
            &mut *v_h, &mut *ie_h, &mut *ii_h, &mut *ae_h, &mut *ai_h, &mut *v_o, &mut *ie_o,
            &mut *ii_o, &mut *ae_o, &mut *ai_o,
        ] {
            v.fill(0.0);
        }
        for t in 0..t_n {
            let (uh, sh) = (&mut u_h[t * h..(t + 1) * h], &mut s_h[t * h..(t + 1) * h]);
            let (uo, so) = (&mut u_o[t * o..(t + 1) * o], &mut s_o[t * o..(t + 1) * o]);
            // 1. State update, current decay.
            update(&p, v_h, ie_h, ii_h);
            update(&p, v_o, ie_o, ii_o);
            // 2. Threshold (outputs that never fire: no spike).
            threshold(uh, sh, v_h, th, smooth);
            if fire_o {
                threshold(uo, so, v_o, out_th, smooth);
            } else {
                uo.copy_from_slice(v_o);
                so.fill(0.0);
            }
            // 3. Propagation: input spikes (in the trains' order), then the hidden spikes
            // (ascending), each weight to the accumulator of its sign; then delivery.
            for &c in x.at(t) {
                let row = &w_in[c as usize * h..(c as usize + 1) * h];
                for ((e, i), &w) in ae_h.iter_mut().zip(ai_h.iter_mut()).zip(row) {
                    add_signed(e, i, w < 0.0, w);
                }
            }
            for (i, &s) in sh.iter().enumerate() {
                if s == 0.0 {
                    continue;
                }
                if let Some(wr) = w_rec {
                    let row = &wr[i * h..(i + 1) * h];
                    // Every target but the neuron itself, ascending.
                    for r in [0..i, i + 1..h] {
                        for ((e, a), &w) in ae_h[r.clone()]
                            .iter_mut()
                            .zip(ai_h[r.clone()].iter_mut())
                            .zip(&row[r])
                        {
                            add_signed(e, a, w < 0.0, w * s);
                        }
                    }
                }
                let row = &w_out[i * o..(i + 1) * o];
                for ((e, a), &w) in ae_o.iter_mut().zip(ai_o.iter_mut()).zip(row) {
                    add_signed(e, a, w < 0.0, w * s);
                }
            }
            deliver(ie_h, ii_h, ae_h, ai_h);
            deliver(ie_o, ii_o, ae_o, ai_o);
            // 4. Reset.
            for (v, u, s, off, thr) in [
                (&mut *v_h, &*uh, &*sh, 0, th),
                (&mut *v_o, &*uo, &*so, h, out_th),
            ] {
                if smooth.is_none() {
                    let jump = thr - vreset;
                    for (v, &s) in v.iter_mut().zip(s) {
                        let spiked = s != 0.0;
                        *v = if !spiked {
                            *v
                        } else if subtract {
                            *v - jump
                        } else {
                            vreset
                        };
                    }
                    continue;
                }
                if off == h && !fire_o {
                    continue;
                }
                for (j, v) in v.iter_mut().enumerate() {
                    let r = match mode {
                        ForwardMode::SmoothFrozenReset(fr) => fr[[t, off + j]],
                        _ => s[j],
                    };
                    *v = if subtract {
                        u[j] - r * (thr - vreset)
                    } else {
                        u[j] - r * (u[j] - vreset)
                    };
                }
            }
        }
        // Readout.
        for j in 0..o {
            match self.loss {
                LossKind::Count => {
                    logits[j] = (0..t_n).map(|t| s_o[t * o + j]).sum();
                }
                LossKind::Membrane => {
                    let (mut best, mut at) = (Real::NEG_INFINITY, 0);
                    for t in 0..t_n {
                        if u_o[t * o + j] > best {
                            best = u_o[t * o + j];
                            at = t;
                        }
                    }
                    logits[j] = best;
                    t_max[j] = at;
                }
            }
        }
        Ok(())
    }
}
