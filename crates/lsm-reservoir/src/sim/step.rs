//! The step loop of one run (steps 1-6 of [`crate::sim`]), generic over the neuron model and
//! compiled for AVX2 when the CPU has it.

use super::scatter::{scatter, scatter_dynamic};
use super::{Bins, Drive, RecordSpec, Recording, SimRngs};
use crate::network::Network;
use crate::neuron::NeuronModel;
use crate::plasticity::Stdp;
use crate::stp::StpState;
use lsm_core::Real;
use ndarray::Array1;
use rand::Rng;
use rand_distr::Distribution;
use rand_distr::StandardNormal;

pub(super) struct Ctx<'a, 'd> {
    pub(super) net: &'a Network,
    pub(super) drive: Drive<'d>,
    /// Absolute step of the run's first step (0 from rest).
    pub(super) t0: usize,
    pub(super) n_steps: usize,
    pub(super) spec: &'a RecordSpec,
    pub(super) n_bins: usize,
    pub(super) trace_decay: Real,
}

pub(super) struct Bufs<'w> {
    pub(super) ring_e: &'w mut [Real],
    pub(super) ring_i: &'w mut [Real],
    pub(super) i_ext: &'w mut [Real],
    pub(super) spikes: &'w mut [u32],
    pub(super) trace: &'w mut [Real],
    pub(super) trace_sum: &'w mut [Real],
    pub(super) stp_rec: Option<&'w mut StpState>,
    pub(super) stp_inp: Option<&'w mut StpState>,
    pub(super) stp_buf: &'w mut [Real],
}

/// Everything the step loop of one run works on but the neurons.
pub(super) struct Run<'a, 'd> {
    pub(super) ctx: &'a Ctx<'a, 'd>,
    pub(super) b: Bufs<'a>,
    pub(super) rng: &'a mut SimRngs,
    pub(super) out: &'a mut Recording,
    pub(super) plast: Option<&'a mut Stdp>,
}

/// [`run_loop`] compiled for AVX2 when the CPU has it (the neuron loops then run four lanes
/// wide instead of two), else for the baseline target. Same operations in the same order
/// (Rust never fuses a multiply and an add on its own), so the results are bit-identical.
pub(super) fn run_loop_dispatch<M: NeuronModel>(model: &M, st: &mut M::State, run: Run<'_, '_>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            unsafe { run_loop_avx2(model, st, run) };
            return;
        }
    }
    run_loop(model, st, run);
}

/// [`run_loop`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2: callers check with `is_x86_feature_detected!("avx2")` first.
/// Nothing else: the body is the safe [`run_loop`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_loop_avx2<M: NeuronModel>(model: &M, st: &mut M::State, run: Run<'_, '_>) {
    run_loop(model, st, run);
}

#[inline(always)]
fn run_loop<M: NeuronModel>(model: &M, st: &mut M::State, run: Run<'_, '_>) {
    let Run {
        ctx,
        mut b,
        rng,
        out,
        mut plast,
    } = run;
    let net = ctx.net;
    let n = net.n_neurons();
    let n_slots = net.n_slots;
    let n_steps = ctx.n_steps;
    let spec = ctx.spec;
    let noise = net.noise.as_deref();
    let traces_on = spec.traces.is_some();
    let mut next_sample = 0usize;
    let mut n_spikes = 0usize;
    let mut n_events = 0u64;
    let n_bins = ctx.n_bins;
    let bin_width = match spec.bins {
        Some(Bins::WidthMs(w)) => w,
        _ => 0.0,
    };
    let dt = net.dt_ms();
    // `i_ext` holds exactly the analog drive of row `t − 1` (nothing added to it): a held
    // input (the same row for `steps_per_sample` steps) is then not scattered again.
    let mut ext_is_prev_row = false;
    for t in 0..n_steps {
        let ti = (ctx.t0 + t) as i64;
        if let Some(v) = out.v.as_mut() {
            let row = v.row_mut(t).into_slice().expect("standard layout");
            match &spec.v_neurons {
                None => row.copy_from_slice(model.v(st)),
                Some(sel) => {
                    let all = model.v(st);
                    for (x, &i) in row.iter_mut().zip(sel) {
                        *x = all[i];
                    }
                }
            }
        }
        // External current for this step.
        let mut has_ext = false;
        if let Drive::Current(x) = ctx.drive {
            if t < x.nrows() {
                has_ext = true;
                if !(ext_is_prev_row && x.row(t) == x.row(t - 1)) {
                    b.i_ext.fill(0.0);
                    let inp = &net.inp;
                    for k in 0..x.ncols() {
                        let xv = x[[t, k]];
                        if xv != 0.0 {
                            let (a, e) = (inp.ptr[k], inp.ptr[k + 1]);
                            for s in a..e {
                                b.i_ext[inp.post[s] as usize] += inp.weight[s] * xv;
                            }
                        }
                    }
                }
                ext_is_prev_row = noise.is_none();
            } else {
                ext_is_prev_row = false;
            }
        }
        if let (Some(sig), Some(r)) = (noise, rng.noise.as_mut()) {
            if !has_ext {
                b.i_ext.fill(0.0);
                has_ext = true;
            }
            for (x, &sd) in b.i_ext.iter_mut().zip(sig) {
                let z: Real = r.sample(StandardNormal);
                *x += sd * z;
            }
        }
        model.update(st, ti, has_ext.then_some(&*b.i_ext));
        let n_spk = model.threshold(st, ti, b.spikes);
        let spikes = &b.spikes[..n_spk];
        // Propagation.
        let slot_t = (ctx.t0 + t) % n_slots;
        if let Drive::Spikes(s) = ctx.drive {
            if t < s.n_steps() {
                for &c in s.at(t) {
                    n_events += match (&net.inp.stp, b.stp_inp.as_deref_mut()) {
                        (Some(prm), Some(st)) => scatter_dynamic(
                            &net.inp,
                            &net.inp.weight,
                            prm,
                            st,
                            b.stp_buf,
                            c as usize,
                            ti,
                            dt,
                            slot_t,
                            n_slots,
                            n,
                            b.ring_e,
                            b.ring_i,
                        ),
                        _ => scatter(
                            &net.inp,
                            &net.inp.weight,
                            net.inp.row_weights.as_deref(),
                            c as usize,
                            slot_t,
                            n_slots,
                            n,
                            b.ring_e,
                            b.ring_i,
                        ),
                    };
                }
            }
        }
        // Recurrent spikes go out with the weights before this step's plasticity updates.
        let (w_rec, rw_rec) = match plast.as_deref() {
            None => (&net.rec.weight[..], net.rec.row_weights.as_deref()),
            Some(p) => (p.weights(), None),
        };
        match (&net.rec.stp, b.stp_rec.as_deref_mut()) {
            (Some(prm), Some(st)) => {
                for &i in spikes {
                    n_events += scatter_dynamic(
                        &net.rec, w_rec, prm, st, b.stp_buf, i as usize, ti, dt, slot_t, n_slots,
                        n, b.ring_e, b.ring_i,
                    );
                }
            }
            _ => {
                for &i in spikes {
                    n_events += scatter(
                        &net.rec, w_rec, rw_rec, i as usize, slot_t, n_slots, n, b.ring_e, b.ring_i,
                    );
                }
            }
        }
        if let Some(p) = plast.as_deref_mut() {
            p.step(&net.rec, spikes);
        }
        let base = slot_t * n;
        if let (Some(bg), Some(r)) = (&net.background, rng.background.as_mut()) {
            let ring = if bg.inh {
                &mut *b.ring_i
            } else {
                &mut *b.ring_e
            };
            for x in &mut ring[base..base + n] {
                let k = bg.count.sample(r);
                if k != 0 {
                    *x += k as Real * bg.weight;
                }
            }
        }
        model.receive(
            st,
            ti,
            &mut b.ring_e[base..base + n],
            &mut b.ring_i[base..base + n],
        );
        model.reset_spiked(st, ti, spikes);
        // Recording.
        n_spikes += spikes.len();
        if let Some(sp) = out.spikes.as_mut() {
            sp.push_step(spikes);
        }
        if let Some(bc) = out.bin_counts.as_mut() {
            if !spikes.is_empty() {
                let bin = match spec.bins {
                    Some(Bins::Count(nb)) => t * nb / n_steps,
                    _ => (((t as Real) * dt) / bin_width + 1e-9).floor() as usize,
                }
                .min(n_bins - 1);
                let mut row = bc.row_mut(bin);
                for &i in spikes {
                    row[i as usize] += 1.0;
                }
            }
        }
        if traces_on {
            let d = ctx.trace_decay;
            for x in b.trace.iter_mut() {
                *x *= d;
            }
            for &i in spikes {
                b.trace[i as usize] += 1.0;
            }
            for (s, x) in b.trace_sum.iter_mut().zip(b.trace.iter()) {
                *s += *x;
            }
            if next_sample < out.trace_steps.len() && out.trace_steps[next_sample] == t {
                if let Some(tr) = out.traces.as_mut() {
                    tr.row_mut(next_sample)
                        .as_slice_mut()
                        .expect("standard layout")
                        .copy_from_slice(b.trace);
                }
                if let Some(vs) = out.v_samples.as_mut() {
                    vs.row_mut(next_sample)
                        .as_slice_mut()
                        .expect("standard layout")
                        .copy_from_slice(model.v(st));
                }
                next_sample += 1;
            }
        }
    }
    out.n_spikes = n_spikes;
    out.n_events = n_events;
    if let Some(ts) = &spec.traces {
        if ts.mean {
            let k = n_steps.max(1) as Real;
            out.trace_mean = Some(b.trace_sum.iter().map(|s| s / k).collect());
        }
        if ts.last {
            out.trace_last = Some(Array1::from(b.trace.to_vec()));
        }
    }
}
