//! Spike propagation: the synapses of one presynaptic row added into the delay ring buffer
//! (step 4 of [`crate::sim`]).

use crate::network::Csr;
use crate::spec::StpParams;
use crate::stp::{self, StpState};
use lsm_core::Real;

/// `acc[j] += w` for every `j` of `idx` (each `< acc.len()`, checked when the network was
/// built), unrolled by four: the additions are independent (a row has no repeated target
/// unless it has multapses, and those stay in order), so this only trims loop overhead.
#[inline(always)]
fn add_at(acc: &mut [Real], idx: &[u32], w: Real) {
    let n = acc.len();
    let mut chunks = idx.chunks_exact(4);
    for c in &mut chunks {
        debug_assert!(c.iter().all(|&j| (j as usize) < n));
        // SAFETY: every post index was validated `< n` when the network was built
        // (`NetworkSpec::validate`), and `acc` has length `n`.
        unsafe {
            *acc.get_unchecked_mut(c[0] as usize) += w;
            *acc.get_unchecked_mut(c[1] as usize) += w;
            *acc.get_unchecked_mut(c[2] as usize) += w;
            *acc.get_unchecked_mut(c[3] as usize) += w;
        }
    }
    for &j in chunks.remainder() {
        debug_assert!((j as usize) < n);
        // SAFETY: as above.
        unsafe { *acc.get_unchecked_mut(j as usize) += w };
    }
}

/// The ring-buffer slot a synapse of delay `delay` steps writes into, from the slot `slot_t`
/// of the current step (`delay < n_slots`, so one wrap at most).
#[inline(always)]
fn ring_slot(slot_t: usize, delay: u32, n_slots: usize) -> usize {
    let slot = slot_t + delay as usize;
    if slot >= n_slots {
        slot - n_slots
    } else {
        slot
    }
}

/// Add the synapses of row `p` to the ring buffer; `slot_t` is the slot of the current step.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn scatter(
    csr: &Csr,
    weight: &[Real],
    row_weights: Option<&[[Real; 2]]>,
    p: usize,
    slot_t: usize,
    n_slots: usize,
    n: usize,
    ring_e: &mut [Real],
    ring_i: &mut [Real],
) -> u64 {
    let (a, s, b) = (csr.ptr[p], csr.split[p], csr.ptr[p + 1]);
    let (post_e, post_i) = csr.post[a..b].split_at(s - a);
    let (w_e, w_i) = weight[a..b].split_at(s - a);
    assert!(ring_e.len() >= n_slots * n && ring_i.len() >= n_slots * n);
    match csr.uniform_delay {
        Some(d) => {
            let base = ring_slot(slot_t, d, n_slots) * n;
            if let Some(rw) = row_weights {
                // One weight per row part: the same additions without a weight load each.
                let [we, wi] = rw[p];
                add_at(&mut ring_e[base..base + n], post_e, we);
                add_at(&mut ring_i[base..base + n], post_i, wi);
                return (b - a) as u64;
            }
            let re = &mut ring_e[base..base + n];
            for (&j, &w) in post_e.iter().zip(w_e) {
                debug_assert!((j as usize) < n);
                // SAFETY: every post index was validated `< n` when the network was built
                // (`NetworkSpec::validate`), and `re` has length `n`.
                unsafe { *re.get_unchecked_mut(j as usize) += w };
            }
            let ri = &mut ring_i[base..base + n];
            for (&j, &w) in post_i.iter().zip(w_i) {
                debug_assert!((j as usize) < n);
                // SAFETY: as above.
                unsafe { *ri.get_unchecked_mut(j as usize) += w };
            }
        }
        None => {
            let (d_e, d_i) = csr.delay[a..b].split_at(s - a);
            for (ring, posts, ws, ds) in [
                (&mut *ring_e, post_e, w_e, d_e),
                (&mut *ring_i, post_i, w_i, d_i),
            ] {
                for ((&j, &w), &d) in posts.iter().zip(ws).zip(ds) {
                    ring[ring_slot(slot_t, d, n_slots) * n + j as usize] += w;
                }
            }
        }
    }
    (b - a) as u64
}

/// [`scatter`] through dynamic synapses ([`crate::stp`]): the spike of presynaptic `p` at
/// step `t` updates each synapse's `u` and `R` and adds `w u R` with the synapse's delay.
#[allow(clippy::too_many_arguments)]
pub(super) fn scatter_dynamic(
    csr: &Csr,
    weight: &[Real],
    prm: &StpParams,
    st: &mut StpState,
    buf: &mut [Real],
    p: usize,
    t: i64,
    dt_ms: Real,
    slot_t: usize,
    n_slots: usize,
    n: usize,
    ring_e: &mut [Real],
    ring_i: &mut [Real],
) -> u64 {
    let (a, s, b) = (csr.ptr[p], csr.split[p], csr.ptr[p + 1]);
    let buf = &mut buf[..b - a];
    stp::transmit(prm, st, p, t, dt_ms, a, b, buf);
    for k in a..b {
        let slot = ring_slot(slot_t, csr.delay[k], n_slots);
        let ring = if k < s { &mut *ring_e } else { &mut *ring_i };
        ring[slot * n + csr.post[k] as usize] += weight[k] * buf[k - a];
    }
    (b - a) as u64
}
