//! The ESN training pass: the reservoir stepped by several threads in lock step, its rows
//! folded into the Gram accumulator block by block.

use super::*;
use lsm_core::Real;
use lsm_readout::{GramAccumulator, Ridge};
use lsm_reservoir::esn::Esn;
use ndarray::{s, Array2, ArrayView2};

/// Threads for the ESN training pass: rayon's pool size (`--threads`), at most the number of
/// cores (spinning threads must not outnumber cores).
pub(crate) fn pass_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rayon::current_num_threads().clamp(1, cores.max(1))
}

/// The ESN training pass without state noise, on `threads` threads: the reservoir runs from
/// the zero state over rows `0..end` in blocks of [`GRAM_BLOCK`] steps (cut at the start and
/// end of `tr`). Within a block, scoped threads step their share of the units
/// ([`Esn::row_ranges`]) in lock step ([`lockstep::SpinBarrier`], one wait per step), writing
/// their parts of each row into a shared buffer of atomics ([`lockstep::AtomicRows`]); after each block of
/// training rows, the block is folded into the Gram accumulator on rayon's pool
/// ([`GramAccumulator::add_batch_with`]). Rows of `keep` go to `val_states` / `val_feats`
/// (row 0 = `keep.start`). Same blocks and same per-row arithmetic for any thread count, so
/// the result is bit-identical to the streamed pass of [`FeatureSource::visit`]. Also returns
/// the blocks of training rows with the state each starts from ([`BlockStarts`]), from which
/// any block can be run again alone. `progress` is told of each block before it runs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn esn_pass(
    esn: &Esn,
    inputs: ArrayView2<Real>,
    targets: ArrayView2<Real>,
    feat_inputs: usize,
    tr: std::ops::Range<usize>,
    keep: std::ops::Range<usize>,
    val_states: &mut Array2<Real>,
    val_feats: &mut Array2<Real>,
    threads: usize,
    progress: &dyn Progress,
) -> Result<(GramAccumulator, BlockStarts)> {
    use rayon::prelude::*;
    let n = esn.n_units();
    let k = inputs.ncols();
    let nf = n + feat_inputs;
    let end = keep.end.max(tr.end).min(inputs.nrows());
    let mut gram = GramAccumulator::new(nf, targets.ncols());
    // Blocks: cut at tr.start and tr.end, then every GRAM_BLOCK rows.
    let mut blocks = Vec::new();
    for (a, b) in [
        (0, tr.start.min(end)),
        (tr.start.min(end), tr.end.min(end)),
        (tr.end.min(end), end),
    ] {
        let mut lo = a;
        while lo < b {
            let hi = (lo + GRAM_BLOCK).min(b);
            blocks.push(lo..hi);
            lo = hi;
        }
    }
    let cap = blocks.iter().map(|b| b.len()).max().unwrap_or(0);
    let mut buf = Array2::<Real>::zeros((cap, nf));
    let shared = lockstep::AtomicRows::new(cap * n);
    let mut x0 = vec![0.0; n];
    let mut starts = BlockStarts::default();
    let threads = threads.clamp(1, n.max(1));
    let ranges = esn.row_ranges(threads);
    let threads = ranges.len();
    // Steps are split over the threads, with a barrier per step, unless the barriers were
    // often slow (another program holds a core: a thread keeps losing it): then the caller
    // steps alone for a few blocks before the threads are tried again. The split does not
    // change any result.
    let mut solo_blocks = 0usize;
    for blk in &blocks {
        let (lo, hi) = (blk.start, blk.end);
        let m = hi - lo;
        // Between blocks every thread of the team has finished: a hook may stop here.
        progress.inc(m as u64);
        if tr.contains(&lo) {
            starts.push(blk.clone(), &x0);
        }
        let u_rows = inputs.slice(s![lo..hi, ..]);
        if solo_blocks > 0 || threads == 1 {
            // One thread: step straight into the block buffer.
            let mut prev = x0.clone();
            let mut u = vec![0.0; k];
            for i in 0..m {
                for (d, v) in u.iter_mut().zip(u_rows.row(i)) {
                    *d = *v;
                }
                let mut row = buf.row_mut(i);
                let row = row.as_slice_mut().expect("row-major buffer");
                esn.step_rows(&prev, &u, 0..n, &mut row[..n]);
                prev.copy_from_slice(&row[..n]);
            }
            solo_blocks = solo_blocks.saturating_sub(1);
        } else {
            let barrier = lockstep::SpinBarrier::new(threads);
            let slow = std::sync::atomic::AtomicUsize::new(0);
            let step_share = |tid: usize| {
                let r = ranges[tid].clone();
                let mut prev = x0.clone();
                let mut out = vec![0.0; r.len()];
                let mut u = vec![0.0; k];
                let mut n_slow = 0usize;
                for i in 0..m {
                    if i > 0 {
                        shared.load_into((i - 1) * n, &mut prev);
                    }
                    for (d, v) in u.iter_mut().zip(u_rows.row(i)) {
                        *d = *v;
                    }
                    esn.step_rows(&prev, &u, r.clone(), &mut out);
                    shared.store_from(i * n + r.start, &out);
                    if barrier.wait() {
                        n_slow += 1;
                    }
                }
                slow.fetch_add(n_slow, std::sync::atomic::Ordering::Relaxed);
            };
            std::thread::scope(|scope| {
                let helpers: Vec<_> = (1..threads)
                    .map(|tid| {
                        let f = &step_share;
                        let b = &barrier;
                        scope.spawn(move || {
                            let _poison = lockstep::PoisonOnUnwind(b);
                            f(tid)
                        })
                    })
                    .collect();
                {
                    let _poison = lockstep::PoisonOnUnwind(&barrier);
                    step_share(0);
                }
                for h in helpers {
                    if let Err(e) = h.join() {
                        std::panic::resume_unwind(e);
                    }
                }
            });
            for i in 0..m {
                let mut row = buf.row_mut(i);
                let row = row.as_slice_mut().expect("row-major buffer");
                shared.load_into(i * n, &mut row[..n]);
            }
            if slow.load(std::sync::atomic::Ordering::Relaxed) * 50 > m {
                solo_blocks = 4;
            }
        }
        if feat_inputs > 0 {
            buf.slice_mut(s![..m, n..])
                .assign(&u_rows.slice(s![.., ..feat_inputs]));
        }
        x0.copy_from_slice(&buf.row(m - 1).as_slice().expect("contiguous")[..n]);
        for t in lo.max(keep.start)..hi.min(keep.end) {
            let row = buf.row(t - lo);
            val_feats.row_mut(t - keep.start).assign(&row);
            val_states
                .row_mut(t - keep.start)
                .assign(&row.slice(s![..n]));
        }
        if tr.contains(&lo) {
            gram.add_batch_with(
                buf.slice(s![..m, ..]),
                targets.slice(s![lo..hi, ..]),
                &|c, f| (0..c).into_par_iter().for_each(f),
            )?;
        }
    }
    Ok((gram, starts))
}

/// Blocks of rows of a noise-free ESN run, each with the state before its first row (the
/// zero state for row 0): every block can then be run again on its own, in any order or in
/// parallel, giving exactly the states of the whole run.
#[derive(Default)]
pub(crate) struct BlockStarts {
    /// Rows of each block.
    pub(crate) blocks: Vec<std::ops::Range<usize>>,
    /// States before each block, one row of `n_units` per block.
    pub(crate) states: Vec<Real>,
}

impl BlockStarts {
    pub(crate) fn push(&mut self, rows: std::ops::Range<usize>, state: &[Real]) {
        self.blocks.push(rows);
        self.states.extend_from_slice(state);
    }

    /// Run every block again from its saved state and apply `ridge` to its feature rows
    /// (`[x(t); u(t)]` or `x(t)`), blocks in parallel on rayon's pool; row `t` of the result
    /// is row `rows.start + t`. Each block's arithmetic is fixed, so the result does not
    /// depend on the thread count.
    pub(crate) fn predict(
        &self,
        esn: &Esn,
        inputs: ArrayView2<Real>,
        feat_inputs: usize,
        ridge: &Ridge,
        rows: std::ops::Range<usize>,
    ) -> Result<Array2<Real>> {
        use rayon::prelude::*;
        let n = esn.n_units();
        let nf = n + feat_inputs;
        let preds = self
            .blocks
            .par_iter()
            .enumerate()
            .map(|(b, blk)| -> Result<Array2<Real>> {
                let mut x = self.states[b * n..(b + 1) * n].to_vec();
                let mut feats = Array2::<Real>::zeros((blk.len(), nf));
                esn.run_with(
                    inputs.slice(s![blk.clone(), ..]),
                    &mut x,
                    0.0,
                    None,
                    |i, xs| {
                        let mut row = feats.row_mut(i);
                        let row = row.as_slice_mut().expect("contiguous rows");
                        row[..n].copy_from_slice(xs);
                        for (d, v) in row[n..].iter_mut().zip(inputs.row(blk.start + i)) {
                            *d = *v;
                        }
                    },
                )?;
                Ok(ridge.predict(feats.view())?)
            })
            .collect::<Vec<_>>();
        let mut out = Array2::zeros((rows.len(), ridge.n_outputs()));
        for (blk, p) in self.blocks.iter().zip(preds) {
            out.slice_mut(s![blk.start - rows.start..blk.end - rows.start, ..])
                .assign(&p?);
        }
        Ok(out)
    }
}
