//! The ESN training pass: the reservoir stepped by several threads in lock step, its rows folded into the Gram accumulator block by block.

use super::*;
use lsm_core::Real;
use lsm_readout::{GramAccumulator, Ridge};
use lsm_reservoir::esn::Esn;
use ndarray::{s, Array2, ArrayView2};

// ---------------------------------------------------------------------------------------------
// Training pass of an ESN on a team of threads
// ---------------------------------------------------------------------------------------------

/// A fixed team of threads for the ESN training pass: the calling thread and `n − 1` scoped
/// helpers run every job together ([`Team::run`]). Waiting is by spinning for a few
/// microseconds, then yielding the core (so an oversubscribed machine degrades gracefully).
pub(crate) mod team {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Polls of `wait_until` spent spinning before it yields the core (a few tens of µs).
    const SPINS: u32 = 512;

    /// Spin on `done`, then yield between polls. Returns true if it had to yield (the other
    /// threads were late by more than the spinning time: a sign of a busy machine).
    pub(crate) fn wait_until(done: impl Fn() -> bool) -> bool {
        let mut i = 0u32;
        while !done() {
            if i < SPINS {
                std::hint::spin_loop();
                i += 1;
            } else {
                std::thread::yield_now();
                i += 1;
            }
        }
        i > SPINS
    }

    /// A reusable barrier for the `n` threads of a team.
    pub(super) struct SpinBarrier {
        n: usize,
        count: AtomicUsize,
        generation: AtomicUsize,
        poisoned: AtomicBool,
    }

    impl SpinBarrier {
        pub(super) fn new(n: usize) -> Self {
            Self {
                n,
                count: AtomicUsize::new(0),
                generation: AtomicUsize::new(0),
                poisoned: AtomicBool::new(false),
            }
        }

        /// Wait until all `n` threads have called `wait` (panics if a thread of the team
        /// panicked, so that the others do not wait forever). Returns true if this thread
        /// waited long (see `wait_until`).
        pub(super) fn wait(&self) -> bool {
            if self.n <= 1 {
                return false;
            }
            let g = self.generation.load(Ordering::Acquire);
            if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
                self.count.store(0, Ordering::Relaxed);
                self.generation.store(g.wrapping_add(1), Ordering::Release);
                false
            } else {
                let slow = wait_until(|| {
                    self.generation.load(Ordering::Acquire) != g
                        || self.poisoned.load(Ordering::Acquire)
                });
                assert!(
                    !self.poisoned.load(Ordering::Acquire),
                    "a thread of the team panicked"
                );
                slow
            }
        }

        fn poison(&self) {
            self.poisoned.store(true, Ordering::Release);
        }
    }

    type Job<'a> = &'a (dyn Fn(usize) + Sync);

    /// State shared by the team.
    pub(super) struct Shared {
        n: usize,
        epoch: AtomicUsize,
        done: AtomicUsize,
        stop: AtomicBool,
        panicked: AtomicBool,
        job: Mutex<Option<Job<'static>>>,
        /// The helpers' threads (to wake them when they sleep).
        helpers: std::sync::OnceLock<Vec<std::thread::Thread>>,
        /// The barrier of the jobs (one per team, reused).
        pub(super) barrier: SpinBarrier,
    }

    impl Shared {
        pub(super) fn new(n: usize) -> Self {
            Self {
                n: n.max(1),
                epoch: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
                panicked: AtomicBool::new(false),
                job: Mutex::new(None),
                helpers: std::sync::OnceLock::new(),
                barrier: SpinBarrier::new(n.max(1)),
            }
        }

        /// Number of threads (caller included).
        pub(super) fn n(&self) -> usize {
            self.n
        }

        /// Register the helpers' threads (once, after spawning them).
        pub(super) fn set_helpers(&self, threads: Vec<std::thread::Thread>) {
            let _ = self.helpers.set(threads);
        }

        fn wake_helpers(&self) {
            for t in self.helpers.get().into_iter().flatten() {
                t.unpark();
            }
        }

        /// The loop of helper `tid` (1..n): run each job, until [`Shared::stop`]. Between
        /// jobs it spins briefly, then sleeps until woken.
        pub(super) fn helper(&self, tid: usize) {
            let mut seen = 0usize;
            loop {
                let mut i = 0u32;
                while self.epoch.load(Ordering::Acquire) == seen {
                    if i < SPINS {
                        std::hint::spin_loop();
                        i += 1;
                    } else {
                        std::thread::park_timeout(std::time::Duration::from_millis(1));
                    }
                }
                seen = self.epoch.load(Ordering::Acquire);
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let job =
                    (*self.job.lock().unwrap_or_else(|e| e.into_inner())).expect("a job is set");
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(tid)));
                if r.is_err() {
                    self.panicked.store(true, Ordering::Release);
                    self.barrier.poison();
                }
                self.done.fetch_add(1, Ordering::AcqRel);
            }
        }

        /// Run `job(tid)` on every thread of the team (`tid` 0 on the caller), returning
        /// when all are done.
        ///
        /// # Panics
        /// If the job panicked on any thread.
        pub(super) fn run(&self, job: &(dyn Fn(usize) + Sync)) {
            if self.n == 1 {
                job(0);
                return;
            }
            // SAFETY: the helpers call `job` only between the epoch bump below and their
            // `done` increment, and this function returns only after all `n − 1` increments,
            // so the borrow outlives every use.
            let job_static: Job<'static> =
                unsafe { std::mem::transmute::<Job<'_>, Job<'static>>(job) };
            *self.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job_static);
            self.done.store(0, Ordering::Release);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            self.wake_helpers();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(0)));
            if r.is_err() {
                self.barrier.poison();
            }
            wait_until(|| self.done.load(Ordering::Acquire) == self.n - 1);
            *self.job.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if let Err(e) = r {
                std::panic::resume_unwind(e);
            }
            assert!(
                !self.panicked.load(Ordering::Acquire),
                "a helper thread of the team panicked"
            );
        }

        /// A parallel loop on the team: `f(i)` for every `i in 0..n` (dynamic assignment).
        pub(super) fn par_for(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
            let next = AtomicUsize::new(0);
            self.run(&|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                f(i);
            });
        }

        /// Release the helpers (they return from [`Shared::helper`]).
        pub(super) fn stop(&self) {
            self.stop.store(true, Ordering::Release);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            self.wake_helpers();
        }
    }
}

/// A row-major buffer written by several threads at disjoint places.
#[derive(Clone, Copy)]
pub(crate) struct SharedRows {
    ptr: *mut Real,
    len: usize,
}
// SAFETY: used only to write disjoint ranges from different threads, separated from reads of
// the same ranges by a barrier (see `esn_pass`).
unsafe impl Sync for SharedRows {}
unsafe impl Send for SharedRows {}

impl SharedRows {
    /// # Safety
    /// `a..b` inside the buffer and not written by another thread meanwhile.
    pub(crate) unsafe fn get(&self, a: usize, b: usize) -> &[Real] {
        assert!(a <= b && b <= self.len);
        // SAFETY: in bounds (asserted); no concurrent writer (caller).
        unsafe { std::slice::from_raw_parts(self.ptr.add(a), b - a) }
    }
    /// # Safety
    /// `a..b` inside the buffer and not accessed by another thread meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut(&self, a: usize, b: usize) -> &mut [Real] {
        assert!(a <= b && b <= self.len);
        // SAFETY: in bounds (asserted); exclusive (caller).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(a), b - a) }
    }
}

/// Threads for the ESN training pass: rayon's pool size (`--threads`), at most the number of
/// cores (spinning threads must not outnumber cores).
pub(crate) fn pass_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rayon::current_num_threads().clamp(1, cores.max(1))
}

/// The ESN training pass without state noise, on a team of `threads` threads: the
/// reservoir runs from the zero state over rows `0..end` in blocks of [`GRAM_BLOCK`] steps
/// (cut at the start and end of `tr`), all threads stepping their share of the units
/// ([`Esn::row_ranges`]) with a barrier per step; after each block of training rows, all
/// threads fold it into the Gram accumulator ([`GramAccumulator::add_batch_with`]). Rows of
/// `keep` go to `val_states` / `val_feats` (row 0 = `keep.start`). Same blocks and same
/// per-row arithmetic for any thread count, so the result is bit-identical to the streamed
/// pass of [`FeatureSource::visit`]. Also returns the blocks of training rows with the
/// state each starts from ([`BlockStarts`]), from which any block can be run again alone.
#[allow(clippy::too_many_arguments)]
pub(crate) fn esn_pass(
    esn: &Esn,
    inputs: ArrayView2<Real>,
    targets: ArrayView2<Real>,
    include_input: bool,
    tr: std::ops::Range<usize>,
    keep: std::ops::Range<usize>,
    val_states: &mut Array2<Real>,
    val_feats: &mut Array2<Real>,
    threads: usize,
) -> Result<(GramAccumulator, BlockStarts)> {
    let n = esn.n_units();
    let k = inputs.ncols();
    let nf = n + if include_input { k } else { 0 };
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
    let mut x0 = vec![0.0; n];
    let mut starts = BlockStarts::default();
    // Inputs as one contiguous row per step.
    let u_all = inputs.as_standard_layout();
    let u_all = u_all.as_slice().expect("standard layout");
    let shared = team::Shared::new(threads);
    let ranges = esn.row_ranges(shared.n());
    std::thread::scope(|scope| -> Result<()> {
        let helpers: Vec<_> = (1..shared.n())
            .map(|tid| {
                let sh = &shared;
                scope.spawn(move || sh.helper(tid))
            })
            .collect();
        shared.set_helpers(helpers.iter().map(|h| h.thread().clone()).collect());
        // Steps are split over the team, with a barrier per step, unless the barriers were
        // often slow (another program holds a core: a thread of the team keeps losing it):
        // then the caller steps alone for a few blocks before the team is tried again. The
        // split does not change any result.
        let slow_steps = std::sync::atomic::AtomicUsize::new(0);
        let mut solo_blocks = 0usize;
        let out = (|| -> Result<()> {
            for blk in &blocks {
                let rows = SharedRows {
                    ptr: buf.as_mut_ptr(),
                    len: buf.len(),
                };
                let x0r = &x0;
                let (lo, hi) = (blk.start, blk.end);
                if tr.contains(&lo) {
                    starts.push(blk.clone(), x0r);
                }
                let solo = solo_blocks > 0 || shared.n() == 1;
                let slow = &slow_steps;
                slow.store(0, std::sync::atomic::Ordering::Relaxed);
                shared.run(&|tid| {
                    let r = if solo {
                        if tid > 0 {
                            return;
                        }
                        0..n
                    } else {
                        ranges[tid].clone()
                    };
                    let mut n_slow = 0usize;
                    for t in lo..hi {
                        let i = t - lo;
                        let u = &u_all[t * k..(t + 1) * k];
                        // SAFETY: row i − 1 was completed before the last barrier and
                        // nobody writes it during this step; this thread alone writes units
                        // `r` of row i, and thread 0 alone the input part of row i.
                        unsafe {
                            let prev = if i == 0 {
                                &x0r[..]
                            } else {
                                rows.get((i - 1) * nf, (i - 1) * nf + n)
                            };
                            let out = rows.get_mut(i * nf + r.start, i * nf + r.end);
                            esn.step_rows(prev, u, r.clone(), out);
                            if tid == 0 && include_input {
                                rows.get_mut(i * nf + n, (i + 1) * nf).copy_from_slice(u);
                            }
                        }
                        if !solo && shared.barrier.wait() {
                            n_slow += 1;
                        }
                    }
                    slow.fetch_add(n_slow, std::sync::atomic::Ordering::Relaxed);
                });
                if solo {
                    solo_blocks = solo_blocks.saturating_sub(1);
                } else if slow.load(std::sync::atomic::Ordering::Relaxed) * 50 > hi - lo {
                    solo_blocks = 4;
                }
                let m = hi - lo;
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
                        &|c, f| shared.par_for(c, f),
                    )?;
                }
            }
            Ok(())
        })();
        shared.stop();
        for h in helpers {
            h.join()
                .map_err(|_| TsError::Runtime("a thread of the ESN pass panicked".into()))?;
        }
        out
    })?;
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
        include_input: bool,
        ridge: &Ridge,
        rows: std::ops::Range<usize>,
    ) -> Result<Array2<Real>> {
        use rayon::prelude::*;
        let n = esn.n_units();
        let k = inputs.ncols();
        let nf = n + if include_input { k } else { 0 };
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
                        if include_input {
                            for (d, v) in row[n..].iter_mut().zip(inputs.row(blk.start + i)) {
                                *d = *v;
                            }
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
