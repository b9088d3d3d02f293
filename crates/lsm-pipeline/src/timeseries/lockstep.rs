//! Lock-step threads without `unsafe`: a spinning barrier and a row buffer of atomics.
//!
//! The ESN training pass ([`super::pass`]) steps one reservoir on several threads, each
//! computing its share of the units of row `i` from the whole row `i − 1`, with one barrier per
//! step. A step takes microseconds, so the barrier spins (a futex-based `std::sync::Barrier`
//! sleeps and wakes in about as long as the step itself), then yields the core if the other
//! threads are late (an oversubscribed machine degrades gracefully). Rows are shared through
//! `AtomicU64` cells holding the `f64` bits: relaxed loads and stores compile to plain moves,
//! and the barrier's release/acquire pair orders every write of step `i` before every read
//! of it in step `i + 1`.

use lsm_core::Real;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Polls spent spinning before a waiting thread yields its core (a few tens of µs).
const SPINS: u32 = 512;

/// A reusable barrier for `n` threads that spins, then yields.
pub(crate) struct SpinBarrier {
    n: usize,
    count: AtomicUsize,
    generation: AtomicUsize,
    poisoned: AtomicBool,
}

impl SpinBarrier {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            n: n.max(1),
            count: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// Wait until all `n` threads have called `wait`. Returns true if this thread had to
    /// yield its core while waiting (the others were late: a sign of a busy machine).
    ///
    /// # Panics
    /// If another thread of the barrier panicked ([`PoisonOnUnwind`]), so that the others do
    /// not wait forever.
    pub(crate) fn wait(&self) -> bool {
        if self.n == 1 {
            return false;
        }
        let g = self.generation.load(Ordering::Acquire);
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.count.store(0, Ordering::Relaxed);
            self.generation.store(g.wrapping_add(1), Ordering::Release);
            return false;
        }
        let mut i = 0u32;
        loop {
            if self.poisoned.load(Ordering::Acquire) {
                panic!("a thread of the lock-step team panicked");
            }
            if self.generation.load(Ordering::Acquire) != g {
                return i > SPINS;
            }
            if i < SPINS {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
            i = i.saturating_add(1);
        }
    }

    fn poison(&self) {
        self.poisoned.store(true, Ordering::Release);
    }
}

/// Poisons the barrier if the thread unwinds while this guard lives.
pub(crate) struct PoisonOnUnwind<'a>(pub(crate) &'a SpinBarrier);

impl Drop for PoisonOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison();
        }
    }
}

/// A buffer of `f64` values that several threads write at disjoint places and read after a
/// barrier. Reading a row costs a copy (atomics are not vectorised), which side-by-side runs
/// of the Mackey-Glass fit could not tell apart from the noise of the machine (within ±3 %
/// of the raw-pointer buffer it replaced).
pub(crate) struct AtomicRows(Vec<AtomicU64>);

impl AtomicRows {
    pub(crate) fn new(len: usize) -> Self {
        Self((0..len).map(|_| AtomicU64::new(0)).collect())
    }

    /// Write `values` from position `at`.
    ///
    /// # Panics
    /// If `at + values.len()` exceeds the buffer.
    #[inline]
    pub(crate) fn store_from(&self, at: usize, values: &[Real]) {
        for (c, v) in self.0[at..at + values.len()].iter().zip(values) {
            c.store(v.to_bits(), Ordering::Relaxed);
        }
    }

    /// Read `out.len()` values from position `at`.
    ///
    /// # Panics
    /// If `at + out.len()` exceeds the buffer.
    #[inline]
    pub(crate) fn load_into(&self, at: usize, out: &mut [Real]) {
        let cells = &self.0[at..at + out.len()];
        for (d, c) in out.iter_mut().zip(cells) {
            *d = Real::from_bits(c.load(Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every thread sees every other thread's write of the previous round after the barrier:
    /// each of 3 threads writes its id + round into its cell, and after the barrier every
    /// thread checks all cells of that round.
    #[test]
    fn barrier_orders_rounds() {
        let n = 3;
        let b = SpinBarrier::new(n);
        let rows = AtomicRows::new(n * 200);
        std::thread::scope(|s| {
            for tid in 0..n {
                let (b, rows) = (&b, &rows);
                s.spawn(move || {
                    let mut seen = vec![0.0; n];
                    for round in 0..200 {
                        rows.store_from(round * n + tid, &[(round * 10 + tid) as Real]);
                        b.wait();
                        rows.load_into(round * n, &mut seen);
                        for (j, v) in seen.iter().enumerate() {
                            assert_eq!(*v, (round * 10 + j) as Real);
                        }
                    }
                });
            }
        });
    }

    /// A thread that panics poisons the barrier: the others stop waiting and panic too,
    /// instead of hanging.
    #[test]
    fn a_panicking_thread_releases_the_others() {
        let b = SpinBarrier::new(2);
        let r = std::thread::scope(|s| {
            let h = s.spawn(|| {
                let _g = PoisonOnUnwind(&b);
                panic!("boom");
            });
            let w = s.spawn(|| {
                let _g = PoisonOnUnwind(&b);
                b.wait();
            });
            (h.join().is_err(), w.join().is_err())
        });
        assert_eq!(r, (true, true));
    }

    #[test]
    fn one_thread_never_waits() {
        let b = SpinBarrier::new(1);
        assert!(!b.wait());
    }
}
