//! Mapping the signal's frames onto the simulator's time grid.
//!
//! A signal has frames with their own period `frame_ms` (e.g. a 10 ms hop of a spectrogram);
//! spikes live on the simulator grid `dt_ms` (e.g. 1 ms or 0.1 ms). The mapping used by every
//! encoder of this crate is a **zero-order hold**: frame `k` covers the time interval
//! `[k·frame_ms, (k+1)·frame_ms)` and its value is held over every simulator step whose start
//! time `s·dt_ms` falls in that interval. A signal of `n` frames therefore lasts
//! `n·frame_ms` and gives `ceil(n·frame_ms/dt_ms)` steps (exactly `n·frame_ms/dt_ms` when
//! `frame_ms` is a multiple of `dt_ms`, the usual case; then the arithmetic is done in
//! integers, so no step is lost to rounding).

use crate::error::{invalid, Result};
use lsm_core::Real;
use std::ops::Range;

/// Relative tolerance used to decide that a time ratio is an integer.
const RATIO_TOL: Real = 1e-9;

/// The frame period of a signal and the simulator time step; see the [module docs](self).
///
/// ```
/// use lsm_encoding::TimeGrid;
/// let g = TimeGrid::new(10.0, 1.0)?;
/// assert_eq!(g.n_steps(3), 30);
/// assert_eq!(g.steps_of_frame(1), 10..20);
/// assert_eq!(g.frame_of_step(19), 1);
/// let g = TimeGrid::new(10.0, 0.1)?;
/// assert_eq!(g.n_steps(3), 300);
/// assert_eq!(g.frame_of_step(299), 2);
/// # Ok::<(), lsm_encoding::EncodingError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeGrid {
    frame_ms: Real,
    dt_ms: Real,
    /// `frame_ms / dt_ms` when it is an integer.
    steps_per_frame: Option<usize>,
}

impl TimeGrid {
    /// A grid for frames of `frame_ms` and steps of `dt_ms`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] unless both are finite and `> 0`.
    pub fn new(frame_ms: Real, dt_ms: Real) -> Result<Self> {
        if !(frame_ms.is_finite() && frame_ms > 0.0) {
            return Err(invalid(
                "frame_ms",
                format!("expected a finite period > 0 ms, got {frame_ms}"),
            ));
        }
        if !(dt_ms.is_finite() && dt_ms > 0.0) {
            return Err(invalid(
                "dt_ms",
                format!("expected a finite time step > 0 ms, got {dt_ms}"),
            ));
        }
        Ok(Self {
            frame_ms,
            dt_ms,
            steps_per_frame: integer_ratio(frame_ms, dt_ms),
        })
    }

    /// Frame period in ms.
    pub fn frame_ms(&self) -> Real {
        self.frame_ms
    }
    /// Simulator time step in ms.
    pub fn dt_ms(&self) -> Real {
        self.dt_ms
    }
    /// `frame_ms / dt_ms` when it is an integer (up to a relative `1e-9`).
    pub fn steps_per_frame(&self) -> Option<usize> {
        self.steps_per_frame
    }

    /// First step whose start time is `>= t_ms`.
    fn first_step_at(&self, t_ms: Real) -> usize {
        let x = t_ms / self.dt_ms;
        let r = x.round();
        if (x - r).abs() <= RATIO_TOL * r.max(1.0) {
            r as usize
        } else {
            x.ceil() as usize
        }
    }

    /// The step range of frame `k`: the steps whose start time lies in
    /// `[k·frame_ms, (k+1)·frame_ms)`. Empty when `dt_ms > frame_ms` and no step starts
    /// inside the frame.
    pub fn steps_of_frame(&self, k: usize) -> Range<usize> {
        match self.steps_per_frame {
            Some(m) => k * m..(k + 1) * m,
            None => {
                self.first_step_at(k as Real * self.frame_ms)
                    ..self.first_step_at((k + 1) as Real * self.frame_ms)
            }
        }
    }

    /// Number of steps of a signal of `n_frames` frames.
    pub fn n_steps(&self, n_frames: usize) -> usize {
        self.steps_of_frame(n_frames).start
    }

    /// The frame whose value is held at `step`.
    pub fn frame_of_step(&self, step: usize) -> usize {
        match self.steps_per_frame {
            Some(m) => step / m,
            None => {
                let x = step as Real * self.dt_ms / self.frame_ms;
                let r = x.round();
                if (x - r).abs() <= RATIO_TOL * r.max(1.0) {
                    r as usize
                } else {
                    x.floor() as usize
                }
            }
        }
    }
}

/// `a / b` as an integer when it is one (relative tolerance `1e-9`).
pub(crate) fn integer_ratio(a: Real, b: Real) -> Option<usize> {
    let x = a / b;
    let r = x.round();
    if r >= 1.0 && (x - r).abs() <= RATIO_TOL * r {
        Some(r as usize)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_integer_ratio_covers_every_step_once() {
        let g = TimeGrid::new(10.0, 3.0).unwrap();
        assert_eq!(g.steps_per_frame(), None);
        // Steps start at 0,3,6,9 | 12,15,18 | 21,24,27 | 30.
        assert_eq!(g.steps_of_frame(0), 0..4);
        assert_eq!(g.steps_of_frame(1), 4..7);
        assert_eq!(g.steps_of_frame(2), 7..10);
        assert_eq!(g.n_steps(3), 10);
        for k in 0..3 {
            for s in g.steps_of_frame(k) {
                assert_eq!(g.frame_of_step(s), k);
            }
        }
    }

    #[test]
    fn rejects_bad_periods() {
        assert!(TimeGrid::new(0.0, 1.0).is_err());
        assert!(TimeGrid::new(10.0, -1.0).is_err());
        assert!(TimeGrid::new(Real::NAN, 1.0).is_err());
    }
}
