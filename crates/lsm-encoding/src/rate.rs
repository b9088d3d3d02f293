//! Rate coding: the value sets a firing rate.
//!
//! For a value `x` (clamped to `[0, 1]`) the rate is `r = x · max_rate_hz`. Time is cut into
//! *slots* of `slot_ms` (default: one simulator step `dt_ms`; `slot_ms` must be a whole number
//! of steps); slot `j` starts at step `j · slot_ms/dt_ms`, takes the value of the frame that
//! holds at its start (zero-order hold, see [`crate::TimeGrid`]), and any spike of the slot is
//! placed at its first step.
//!
//! * `process = "poisson"` (inhomogeneous Poisson / Bernoulli, as Brian2's `PoissonGroup`):
//!   each slot spikes with probability `p = r · slot_ms / 1000`, one uniform draw per channel
//!   and slot with `p > 0` (channels in ascending order within a slot). `p <= 1` is required.
//! * `process = "regular"` (deterministic integrate-and-fire accumulator): every channel
//!   accumulates `a += x · (max_rate_hz · slot_ms · 1e-3)` each slot, starting from 0, and
//!   emits a spike (subtracting 1) whenever `a` reaches 1. To reproduce the Brian2 baseline
//!   (`scripts/bench/brian2_lsm_fsdd.py`, `encode_regular`: `max_rate_hz = 400`,
//!   `slot_ms = 1`, spikes on a 1 ms grid whatever `dt_ms` is) bit for bit, this is computed
//!   exactly as its numpy code does: the running sum `c` of the increments is kept (never
//!   reduced) and the slot spikes when `floor(c + 1e-12)` exceeds the number of spikes
//!   emitted so far. At most one spike per slot is possible when
//!   `max_rate_hz · slot_ms <= 1000` (required).
//!
//! Over a window of `T` ms of constant `x`, the regular process emits `floor(x · max_rate_hz
//! · T / 1000)` spikes (up to one from the carried accumulator), the Poisson process that
//! number on average.

use crate::encoder::{Coding, Job, Scratch};
use crate::error::{invalid, Result};
use crate::grid::integer_ratio;
use lsm_core::{Real, SpikeTrains};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Which point process turns the rate into spikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateProcess {
    /// Bernoulli per slot with `p = r · slot` (random; uses the rng).
    Poisson,
    /// Deterministic accumulator (integrate-and-fire) at rate `r`.
    Regular,
}

/// Rate coding parameters (`"kind": "rate"`); see the [module docs](self).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `process` | `"regular"` | `"poisson"` or `"regular"` | |
/// | `max_rate_hz` | `400.0` | rate for a value of 1, in Hz | `>= 0`, `max_rate_hz · slot_ms <= 1000` |
/// | `slot_ms` | `1.0` | slot length in ms (`null`: one simulator step) | whole number of steps |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateParams {
    /// `"poisson"` or `"regular"`. Default `"regular"`.
    pub process: RateProcess,
    /// Rate for a value of 1, in Hz. Default 400.
    pub max_rate_hz: Real,
    /// Slot length in ms; `None` (JSON `null`) means one simulator step. Default 1.0 (the
    /// Brian2 baseline's 1 ms grid).
    pub slot_ms: Option<Real>,
}

impl Default for RateParams {
    fn default() -> Self {
        Self {
            process: RateProcess::Regular,
            max_rate_hz: 400.0,
            slot_ms: Some(1.0),
        }
    }
}

impl RateParams {
    /// Validate the fields that do not depend on `dt_ms`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self) -> Result<()> {
        if !(self.max_rate_hz.is_finite() && self.max_rate_hz >= 0.0) {
            return Err(invalid(
                "encoder.max_rate_hz",
                format!("expected a finite rate >= 0 Hz, got {}", self.max_rate_hz),
            ));
        }
        if let Some(s) = self.slot_ms {
            if !(s.is_finite() && s > 0.0) {
                return Err(invalid(
                    "encoder.slot_ms",
                    format!("expected a slot > 0 ms or null, got {s}"),
                ));
            }
            self.check_rate_per_slot(s)?;
        }
        Ok(())
    }

    /// At most one spike per slot of `slot_ms`.
    fn check_rate_per_slot(&self, slot_ms: Real) -> Result<()> {
        if self.max_rate_hz * slot_ms > 1000.0 * (1.0 + 1e-12) {
            return Err(invalid(
                "encoder.max_rate_hz",
                format!(
                    "max_rate_hz · slot_ms must be <= 1000 (at most one spike per slot), got {} Hz · {slot_ms} ms",
                    self.max_rate_hz
                ),
            ));
        }
        Ok(())
    }

    /// Validate against the simulator step.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] when the slot is not a whole number of steps or
    /// the rate exceeds one spike per slot.
    pub fn check_dt(&self, dt_ms: Real) -> Result<()> {
        self.steps_per_slot(dt_ms).map(|_| ())
    }

    fn steps_per_slot(&self, dt_ms: Real) -> Result<(usize, Real)> {
        let slot = self.slot_ms.unwrap_or(dt_ms);
        let m = integer_ratio(slot, dt_ms).ok_or_else(|| {
            invalid(
                "encoder.slot_ms",
                format!(
                    "expected a whole number of simulator steps (dt_ms = {dt_ms}), got {slot} ms"
                ),
            )
        })?;
        self.check_rate_per_slot(slot)?;
        Ok((m, slot))
    }
}

impl Coding for RateParams {
    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains> {
        let Job {
            signal,
            grid,
            rng,
            scratch:
                Scratch {
                    state: acc,
                    state2: emitted,
                    fired,
                    ..
                },
        } = job;
        let (m, slot_ms) = self.steps_per_slot(grid.dt_ms())?;
        let (n_frames, n) = signal.dim();
        let n_steps = grid.n_steps(n_frames);
        let slot_s = slot_ms / 1000.0;
        let inc = self.max_rate_hz * slot_ms * 1e-3;
        acc.clear();
        acc.resize(n, 0.0);
        emitted.clear();
        emitted.resize(n, 0.0);
        // Expected number of spikes, to size the output once.
        let mean: Real = signal.iter().map(|v| v.clamp(0.0, 1.0)).sum::<Real>()
            * self.max_rate_hz
            * grid.frame_ms()
            / 1000.0;
        let mut st =
            SpikeTrains::with_capacity(n, grid.dt_ms(), n_steps, (mean * 1.1) as usize + n + 16);
        for step in 0..n_steps {
            fired.clear();
            if step % m == 0 {
                let frame = grid.frame_of_step(step).min(n_frames - 1);
                let row = signal.row(frame);
                match self.process {
                    RateProcess::Regular => {
                        for (c, ((a, k), &x)) in acc
                            .iter_mut()
                            .zip(emitted.iter_mut())
                            .zip(row.iter())
                            .enumerate()
                        {
                            *a += x.clamp(0.0, 1.0) * inc;
                            let total = (*a + 1e-12).floor();
                            if total > *k {
                                *k = total;
                                fired.push(c as u32);
                            }
                        }
                    }
                    RateProcess::Poisson => {
                        for (c, &x) in row.iter().enumerate() {
                            let p = x.clamp(0.0, 1.0) * self.max_rate_hz * slot_s;
                            if p > 0.0 && rng.gen::<Real>() < p {
                                fired.push(c as u32);
                            }
                        }
                    }
                }
            }
            st.push_step(fired);
        }
        Ok(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoder, TimeGrid};
    use lsm_core::{rng_for, stream};
    use ndarray::Array2;

    fn constant(n_frames: usize, values: &[Real]) -> Array2<Real> {
        Array2::from_shape_fn((n_frames, values.len()), |(_, c)| values[c])
    }

    #[test]
    fn poisson_count_matches_rate_within_tolerance() {
        // 100 s of constant input: counts ~ Binomial(n_slots, p).
        let x = constant(10_000, &[0.0, 0.25, 0.5, 1.0]);
        let grid = TimeGrid::new(10.0, 1.0).unwrap();
        let p = RateParams {
            process: RateProcess::Poisson,
            max_rate_hz: 200.0,
            slot_ms: None,
        };
        let mut rng = rng_for(3, stream::ENCODER);
        let st = p.encode(x.view(), &grid, &mut rng).unwrap();
        let counts = st.counts();
        assert_eq!(counts[0], 0, "a value of 0 must never spike");
        for (c, &v) in [0.25, 0.5, 1.0].iter().enumerate() {
            let n: Real = 100_000.0;
            let q = v * 200.0 * 1e-3;
            let mean = n * q;
            let sd = (n * q * (1.0 - q)).sqrt();
            let got = counts[c + 1] as Real;
            assert!(
                (got - mean).abs() < 5.0 * sd,
                "channel {c}: {got} vs {mean} ± {sd}"
            );
        }
    }

    #[test]
    fn poisson_same_seed_same_spikes_other_seed_differs() {
        let x = constant(100, &[0.3, 0.7]);
        let grid = TimeGrid::new(10.0, 0.1).unwrap();
        let p = RateParams {
            process: RateProcess::Poisson,
            max_rate_hz: 100.0,
            slot_ms: None,
        };
        let a = p
            .encode(x.view(), &grid, &mut rng_for(1, stream::ENCODER + 5))
            .unwrap();
        let b = p
            .encode(x.view(), &grid, &mut rng_for(1, stream::ENCODER + 5))
            .unwrap();
        let c = p
            .encode(x.view(), &grid, &mut rng_for(1, stream::ENCODER + 6))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn regular_count_is_exact_and_on_the_slot_grid() {
        // 1 s of x = 0.5 at 400 Hz -> 200 spikes, all on the 1 ms grid, also at 0.1 ms steps.
        let x = constant(100, &[0.5, 0.0, 1.0]);
        let p = RateParams::default();
        let mut rng = rng_for(0, 0);
        let fine = p
            .encode(x.view(), &TimeGrid::new(10.0, 0.1).unwrap(), &mut rng)
            .unwrap();
        let coarse = p
            .encode(x.view(), &TimeGrid::new(10.0, 1.0).unwrap(), &mut rng)
            .unwrap();
        // x · rate · T = 200 and 400, up to the last spike: the running sum of 1000 float
        // increments may end a hair below the integer (as in the baseline's numpy code).
        for (got, want) in coarse.counts().into_iter().zip([200usize, 0, 400]) {
            assert!(got.abs_diff(want) <= 1, "{got} vs {want}");
        }
        assert_eq!(coarse.counts()[1], 0, "a value of 0 must never spike");
        assert_eq!(fine.counts(), coarse.counts());
        // Identical spike times (ms) at both resolutions.
        let tf: Vec<(u32, i64)> = fine
            .iter()
            .map(|(s, c)| (c, (s as Real * 0.1 * 10.0).round() as i64))
            .collect();
        let tc: Vec<(u32, i64)> = coarse.iter().map(|(s, c)| (c, s as i64 * 10)).collect();
        assert_eq!(tf, tc);
        // 400 Hz · x = 0.5: the accumulator gains 0.2 per slot, first spike in slot 4 (a = 1.0).
        assert_eq!(coarse.iter().find(|e| e.1 == 0), Some((4, 0)));
    }

    #[test]
    fn rejects_too_high_rates_and_fractional_slots() {
        let p = RateParams {
            max_rate_hz: 2000.0,
            ..Default::default()
        };
        assert!(p.check().is_err());
        let p = RateParams {
            slot_ms: Some(0.25),
            ..Default::default()
        };
        assert!(p.check_dt(0.1).is_err());
        assert!(p.check_dt(0.05).is_ok());
    }
}
