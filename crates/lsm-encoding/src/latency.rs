//! Latency (time-to-first-spike) coding, with the definitions of snnTorch's
//! `spikegen.latency` / `spikegen.latency_code`.
//!
//! Each frame is one *window* of `num_steps` simulator steps (the steps the frame is held
//! over, see [`crate::TimeGrid`]); every channel fires at most once per window. For the values
//! `x` of one frame (all channels together play the role of snnTorch's data tensor):
//!
//! **Logarithmic (RC-charging) mapping** (`linear = false`, snnTorch's default): an RC circuit
//! with time constant `tau` (in steps) charged by a constant input `x` reaches the threshold
//! `threshold` at
//! ```text
//! x' = max(x, threshold + epsilon)
//! t  = tau · ln(x' / (x' − threshold))
//! if first_spike_time > 0: t = t − first_spike_time · (min(t) / first_spike_time − 1)
//! if normalize:            t = (t − first_spike_time) · (num_steps − first_spike_time − 1)
//!                              / max(t − first_spike_time) + first_spike_time
//! ```
//! **Linear mapping** (`linear = true`; requires `x <= 1` unless `normalize`):
//! ```text
//! if normalize: tau = num_steps − 1 − first_spike_time
//! t = min(−tau · (x − 1), −tau · (threshold − 1)) + first_spike_time
//! if normalize and min(t) < 0: t = (t − min(t)) / (max(t) − min(t)) · (num_steps − 1)
//! ```
//! **Spike placement**: the spike goes to step `round(t)` of the window (round half to even,
//! as `torch.round`). As in snnTorch, if any `round(t)` falls past the window, those times
//! are clamped to the last step and then *every* spike of the last step is removed. With
//! `clip = true`, channels whose value is below `threshold` do not spike; otherwise they fire
//! at the saturated time `tau · ln((threshold + epsilon)/epsilon)` (the last step when
//! normalised).
//!
//! Differences from snnTorch: times are computed in `f64` (snnTorch uses the tensor's dtype,
//! usually `f32`), so a time within a few ulps of `k + 0.5` may round differently.
//!
//! Hand-computed examples, 5-step windows (10 ms frames at 2 ms steps):
//! ```
//! use lsm_encoding::{Encoder, LatencyParams, TimeGrid};
//! use ndarray::array;
//! let grid = TimeGrid::new(10.0, 2.0)?;
//! let mut rng = lsm_core::rng_for(0, 0);
//! // snnTorch's own doc example: linear, normalised: tau = 4, t = 4·(1 − x) = 3.92, 2, 0.
//! let lin = LatencyParams { linear: true, normalize: true, ..Default::default() };
//! let st = lin.encode(array![[0.02, 0.5, 1.0]].view(), &grid, &mut rng)?;
//! let ev: Vec<(usize, u32)> = st.iter().collect();
//! assert_eq!(ev, vec![(0, 2), (2, 1), (4, 0)]);
//! // Logarithmic, tau = 2 steps, threshold 0.5, not normalised:
//! // x = 1: t = 2 ln(1/0.5) = 1.386 -> step 1; x = 0.75: t = 2 ln(3) = 2.197 -> step 2;
//! // x = 0.65: t = 2 ln(4.33) = 2.93 -> step 3; x = 0.4 < threshold: saturates far past
//! // the window (and is clipped anyway).
//! let log = LatencyParams { tau: 2.0, threshold: 0.5, clip: true, ..Default::default() };
//! let st = log.encode(array![[1.0, 0.75, 0.65, 0.4]].view(), &grid, &mut rng)?;
//! let ev: Vec<(usize, u32)> = st.iter().collect();
//! assert_eq!(ev, vec![(1, 0), (2, 1), (3, 2)]);
//! # Ok::<(), lsm_encoding::EncodingError>(())
//! ```

use crate::encoder::{trains_from_sorted, Coding, Job, Scratch};
use crate::error::{invalid, EncodingError, Result};
use lsm_core::{Real, SpikeTrains};
use serde::{Deserialize, Serialize};

/// Latency coding parameters (`"kind": "latency"`), named and defaulted as in snnTorch's
/// `spikegen.latency`; see the [module docs](self) for the formulas.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `tau` | `1.0` | RC time constant, in steps (ignored by `linear` with `normalize`) | `> 0` |
/// | `threshold` | `0.01` | values below it saturate (or are dropped with `clip`) | `(0, 1)` |
/// | `epsilon` | `1e-7` | keeps the log mapping finite | `> 0` |
/// | `first_spike_time` | `0` | earliest spike step in the window | `0..num_steps` |
/// | `linear` | `false` | linear instead of logarithmic mapping | |
/// | `normalize` | `false` | stretch the times so the latest spike is the window's last step | |
/// | `clip` | `false` | no spike for values below `threshold` | |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyParams {
    /// RC time constant in simulator steps. Default 1.0.
    pub tau: Real,
    /// Threshold in `(0, 1)`. Default 0.01.
    pub threshold: Real,
    /// Small positive value avoiding division by zero. Default 1e-7.
    pub epsilon: Real,
    /// First possible spike step of a window. Default 0.
    pub first_spike_time: usize,
    /// Linear mapping. Default false (logarithmic).
    pub linear: bool,
    /// Normalise the times to the window. Default false.
    pub normalize: bool,
    /// Drop the spikes of values below the threshold. Default false.
    pub clip: bool,
}

impl Default for LatencyParams {
    fn default() -> Self {
        Self {
            tau: 1.0,
            threshold: 0.01,
            epsilon: 1e-7,
            first_spike_time: 0,
            linear: false,
            normalize: false,
            clip: false,
        }
    }
}

impl LatencyParams {
    /// Validate.
    ///
    /// # Errors
    /// [`EncodingError::InvalidConfig`].
    pub fn check(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(invalid(
                "encoder.threshold",
                format!("expected a value in (0, 1), got {}", self.threshold),
            ));
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(invalid(
                "encoder.tau",
                format!(
                    "expected a finite time constant > 0 steps, got {}",
                    self.tau
                ),
            ));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(invalid(
                "encoder.epsilon",
                format!("expected a small value > 0, got {}", self.epsilon),
            ));
        }
        Ok(())
    }

    /// Spike times (fractional steps, before rounding) of one window of `num_steps` steps for
    /// the values `x`, written to `t` — snnTorch's `latency_code`.
    ///
    /// # Errors
    /// [`EncodingError::InvalidSignal`] for a linear code without `normalize` and a value
    /// `> 1` (negative times), or [`EncodingError::InvalidConfig`] when `first_spike_time >=
    /// num_steps`.
    pub fn spike_times(&self, x: &[Real], num_steps: usize, t: &mut Vec<Real>) -> Result<()> {
        let fst = self.first_spike_time as Real;
        if self.first_spike_time >= num_steps.max(1) {
            return Err(invalid(
                "encoder.first_spike_time",
                format!(
                    "must be <= num_steps - 1 = {} (steps per frame), got {}",
                    num_steps.max(1) - 1,
                    self.first_spike_time
                ),
            ));
        }
        let ns = num_steps as Real;
        t.clear();
        if x.is_empty() {
            return Ok(());
        }
        if !self.linear {
            let thr = self.threshold;
            t.extend(x.iter().map(|&v| {
                let v = v.max(thr + self.epsilon);
                self.tau * (v / (v - thr)).ln()
            }));
            if self.first_spike_time > 0 {
                let mn = t.iter().copied().fold(Real::INFINITY, Real::min);
                for ti in t.iter_mut() {
                    *ti -= fst * (mn / fst - 1.0);
                }
            }
            if self.normalize {
                let mx = t
                    .iter()
                    .map(|&ti| ti - fst)
                    .fold(Real::NEG_INFINITY, Real::max);
                for ti in t.iter_mut() {
                    *ti = (*ti - fst) * (ns - fst - 1.0) / mx + fst;
                }
            }
        } else {
            let xmax = x.iter().copied().fold(Real::NEG_INFINITY, Real::max);
            if xmax > 1.0 && !self.normalize {
                return Err(EncodingError::InvalidSignal(format!(
                    "latency coding with `linear` and without `normalize` needs values <= 1 (else negative spike times), got {xmax}"
                )));
            }
            let tau = if self.normalize {
                ns - 1.0 - fst
            } else {
                self.tau
            };
            let cap = -tau * (self.threshold - 1.0);
            t.extend(x.iter().map(|&v| (-tau * (v - 1.0)).min(cap) + fst));
            let mn = t.iter().copied().fold(Real::INFINITY, Real::min);
            if mn < 0.0 && self.normalize {
                let mx = t.iter().copied().fold(Real::NEG_INFINITY, Real::max);
                for ti in t.iter_mut() {
                    *ti = (*ti - mn) * (1.0 / (mx - mn)) * (ns - 1.0);
                }
            }
        }
        Ok(())
    }
}

impl Coding for LatencyParams {
    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains> {
        let Job {
            signal,
            grid,
            scratch:
                Scratch {
                    state: x,
                    state2: t,
                    events,
                    ..
                },
            ..
        } = job;
        let (n_frames, n) = signal.dim();
        let n_steps = grid.n_steps(n_frames);
        events.clear();
        let mut window: Vec<(u32, u32)> = Vec::new();
        for f in 0..n_frames {
            let steps = grid.steps_of_frame(f);
            let num_steps = steps.len();
            if num_steps == 0 {
                continue;
            }
            x.clear();
            x.extend(signal.row(f).iter().copied());
            self.spike_times(x, num_steps, t)?;
            window.clear();
            let mut overflow = false;
            for (c, (&ti, &xi)) in t.iter().zip(x.iter()).enumerate() {
                let mut k = ti.round_ties_even();
                if k > (num_steps - 1) as Real {
                    overflow = true;
                    k = (num_steps - 1) as Real;
                }
                let k = k.max(0.0) as usize;
                if self.clip && xi < self.threshold {
                    continue;
                }
                window.push((k as u32, c as u32));
            }
            if overflow {
                // snnTorch: clamped spikes and everything else at the last step are removed.
                window.retain(|&(k, _)| k as usize != num_steps - 1);
            }
            window.sort_unstable();
            events.extend(
                window
                    .iter()
                    .map(|&(k, c)| ((steps.start + k as usize) as u32, c)),
            );
        }
        Ok(trains_from_sorted(n, grid.dt_ms(), n_steps, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoder, TimeGrid};
    use ndarray::array;

    fn first_spikes(p: &LatencyParams, x: &[Real], steps: usize) -> Vec<Option<usize>> {
        let sig = ndarray::Array2::from_shape_vec((1, x.len()), x.to_vec()).unwrap();
        let grid = TimeGrid::new(steps as Real, 1.0).unwrap();
        let st = p
            .encode(sig.view(), &grid, &mut lsm_core::rng_for(0, 0))
            .unwrap();
        let mut out = vec![None; x.len()];
        for (s, c) in st.iter() {
            assert!(out[c as usize].is_none(), "two spikes in one window");
            out[c as usize] = Some(s);
        }
        out
    }

    #[test]
    fn higher_value_spikes_earlier() {
        let x = [0.1, 0.3, 0.5, 0.7, 0.9, 1.0];
        for linear in [false, true] {
            let p = LatencyParams {
                linear,
                normalize: true,
                clip: true,
                ..Default::default()
            };
            let s = first_spikes(&p, &x, 100);
            let s: Vec<usize> = s
                .into_iter()
                .map(|v| v.expect("every value spikes"))
                .collect();
            assert!(s.windows(2).all(|w| w[0] > w[1]), "linear={linear}: {s:?}");
        }
    }

    #[test]
    fn below_threshold_does_not_spike_with_clip() {
        let p = LatencyParams {
            threshold: 0.2,
            clip: true,
            normalize: true,
            ..Default::default()
        };
        let s = first_spikes(&p, &[0.1, 0.19, 0.5, 0.0], 20);
        assert_eq!(s[0], None);
        assert_eq!(s[1], None);
        assert_eq!(s[3], None);
        assert!(s[2].is_some());
    }

    #[test]
    fn log_normalised_hand_computed() {
        // tau = 1, threshold 0.01, 11 steps: t = ln(x/(x-0.01)); max over the window is for
        // x = 0.02: ln 2; x = 1: ln(1/0.99) = 0.01005 -> 0.01005 · 10 / ln 2 = 0.145 -> 0;
        // x = 0.05: ln(1.25) = 0.2231 -> 3.219 -> 3; x = 0.02 -> 10 (last step).
        let p = LatencyParams {
            normalize: true,
            ..Default::default()
        };
        assert_eq!(
            first_spikes(&p, &[1.0, 0.05, 0.02], 11),
            vec![Some(0), Some(3), Some(10)]
        );
    }

    #[test]
    fn snntorch_overflow_quirk_drops_last_step() {
        // Not normalised, tau = 10, 5 steps: x = 0.02 gives t = 10 ln 2 = 6.9 > 4: clamped,
        // and the whole last step is cleared; x = 1 gives t = 0.1 -> 0.
        let p = LatencyParams {
            tau: 10.0,
            ..Default::default()
        };
        assert_eq!(first_spikes(&p, &[1.0, 0.02], 5), vec![Some(0), None]);
    }

    #[test]
    fn linear_rejects_values_above_one_without_normalize() {
        let p = LatencyParams {
            linear: true,
            ..Default::default()
        };
        let grid = TimeGrid::new(5.0, 1.0).unwrap();
        let r = p.encode(array![[1.5]].view(), &grid, &mut lsm_core::rng_for(0, 0));
        assert!(r.is_err());
    }
}
