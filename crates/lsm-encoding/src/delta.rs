//! Change coding: send-on-delta (snnTorch's `spikegen.delta`) and step-forward (SF).
//!
//! Both compare frames, so they emit at most one spike per channel per frame, at the frame's
//! first simulator step ([`crate::TimeGrid`]). ON channels are `0..n`, OFF channels `n..2n`.
//!
//! **Delta** (`"kind": "delta"`), as `snntorch.spikegen.delta(data, threshold, padding,
//! off_spike)`: with `x[−1] = 0` (or `x[−1] = x[0]` when `padding`),
//! ```text
//! ON  spike at frame k  if  x[k] − x[k−1] >=  threshold
//! OFF spike at frame k  if  x[k] − x[k−1] <= −threshold   (only with off_spike)
//! ```
//! A constant signal gives no spike after the first frame; a step up by at least the
//! threshold gives exactly one ON spike, a step down exactly one OFF spike.
//!
//! **Step-forward** (`"kind": "step_forward"`; Kasabov et al. 2016, NeuCube; Petro et al.
//! 2020): a baseline `b` tracks the signal in steps of `threshold`:
//! ```text
//! b = x[0]
//! for k >= 1:  if x[k] > b + threshold { ON spike;  b += threshold }
//!              else if x[k] < b − threshold { OFF spike; b −= threshold }
//! ```
//!
//! ```
//! use lsm_encoding::{DeltaParams, Encoder, TimeGrid};
//! use ndarray::array;
//! // snnTorch's doc example: b = [1, 2, 0, 2, 2.9], threshold 1, off_spike -> [1, 1, -1, 1, 0].
//! let p = DeltaParams { threshold: 1.0, off_spike: true, padding: false };
//! let x = array![[1.0], [2.0], [0.0], [2.0], [2.9]];
//! let st = p.encode(x.view(), &TimeGrid::new(1.0, 1.0)?, &mut lsm_core::rng_for(0, 0))?;
//! let ev: Vec<(usize, u32)> = st.iter().collect();
//! assert_eq!(ev, vec![(0, 0), (1, 0), (2, 1), (3, 0)]); // channel 1 = OFF of feature 0
//! # Ok::<(), lsm_encoding::EncodingError>(())
//! ```

use crate::encoder::{Coding, Job, Scratch};
use crate::error::{invalid, Result};
use lsm_core::{Real, SpikeTrains};
use serde::{Deserialize, Serialize};

/// Send-on-delta parameters (`"kind": "delta"`), as snnTorch's `spikegen.delta`.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `threshold` | `0.1` | change between frames that triggers a spike, in signal units | `> 0` |
/// | `off_spike` | `false` | also emit OFF spikes (channels `n..2n`) for decreases | |
/// | `padding` | `false` | compare the first frame with itself (no spike) instead of with 0 | |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeltaParams {
    /// Threshold on the frame-to-frame change. Default 0.1.
    pub threshold: Real,
    /// Emit OFF spikes on channels `n..2n`. Default false.
    pub off_spike: bool,
    /// First frame compared with itself rather than with 0. Default false.
    pub padding: bool,
}

impl Default for DeltaParams {
    fn default() -> Self {
        Self {
            threshold: 0.1,
            off_spike: false,
            padding: false,
        }
    }
}

impl DeltaParams {
    /// Validate.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self) -> Result<()> {
        check_threshold(self.threshold)
    }
}

fn check_threshold(t: Real) -> Result<()> {
    if !(t.is_finite() && t > 0.0) {
        return Err(invalid(
            "encoder.threshold",
            format!("expected a finite threshold > 0, got {t}"),
        ));
    }
    Ok(())
}

/// Emit the spikes of each frame (computed by `f(frame, state, fired)`) at its first step.
/// `state` (one value per feature, kept across frames) starts as the first frame when
/// `from_first_frame`, else as zeros.
fn per_frame(
    job: Job<'_, '_>,
    n_channels: usize,
    from_first_frame: bool,
    mut f: impl FnMut(usize, &mut [Real], &mut Vec<u32>),
) -> SpikeTrains {
    let Job {
        signal,
        grid,
        scratch: Scratch { state, fired, .. },
        ..
    } = job;
    let (n_frames, n) = signal.dim();
    state.clear();
    if from_first_frame && n_frames > 0 {
        state.extend(signal.row(0).iter().copied());
    } else {
        state.resize(n, 0.0);
    }
    let n_steps = grid.n_steps(n_frames);
    let mut st = SpikeTrains::with_capacity(n_channels, grid.dt_ms(), n_steps, n_frames);
    let mut step = 0;
    for k in 0..n_frames {
        let r = grid.steps_of_frame(k);
        if r.is_empty() {
            continue;
        }
        while step < r.start {
            st.push_step(&[]);
            step += 1;
        }
        fired.clear();
        f(k, state, fired);
        st.push_step(fired);
        step += 1;
    }
    while step < n_steps {
        st.push_step(&[]);
        step += 1;
    }
    st
}

impl Coding for DeltaParams {
    fn out_channels(&self, n_features: usize) -> usize {
        if self.off_spike {
            2 * n_features
        } else {
            n_features
        }
    }

    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains> {
        let (signal, n) = (job.signal, job.signal.ncols());
        // Value of the previous frame per channel (the frame skipped when it has no step
        // still counts as "previous").
        let mut last_done = 0usize;
        let thr = self.threshold;
        let off = self.off_spike;
        let n_channels = self.out_channels(n);
        let st = per_frame(job, n_channels, self.padding, |k, state, fired| {
            // Frames without a step (dt > frame) still update the reference.
            for j in last_done..k {
                for (p, &v) in state.iter_mut().zip(signal.row(j).iter()) {
                    *p = v;
                }
            }
            last_done = k + 1;
            let row = signal.row(k);
            for (c, (p, &v)) in state.iter_mut().zip(row.iter()).enumerate() {
                let d = v - *p;
                if d >= thr {
                    fired.push(c as u32);
                } else if off && d <= -thr {
                    fired.push((n + c) as u32);
                }
                *p = v;
            }
        });
        Ok(st)
    }
}

/// Step-forward parameters (`"kind": "step_forward"`).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `threshold` | `0.1` | baseline step, in signal units | `> 0` |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepForwardParams {
    /// Baseline step. Default 0.1.
    pub threshold: Real,
}

impl Default for StepForwardParams {
    fn default() -> Self {
        Self { threshold: 0.1 }
    }
}

impl StepForwardParams {
    /// Validate.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self) -> Result<()> {
        check_threshold(self.threshold)
    }
}

impl Coding for StepForwardParams {
    fn out_channels(&self, n_features: usize) -> usize {
        2 * n_features
    }

    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains> {
        let (signal, n) = (job.signal, job.signal.ncols());
        let thr = self.threshold;
        let mut last_done = 1usize;
        let st = per_frame(job, 2 * n, true, |k, state, fired| {
            // Frames that have no simulator step are still tracked (their spikes are lost).
            for j in last_done.max(1)..k {
                for (b, &v) in state.iter_mut().zip(signal.row(j).iter()) {
                    if v > *b + thr {
                        *b += thr;
                    } else if v < *b - thr {
                        *b -= thr;
                    }
                }
            }
            last_done = k + 1;
            if k == 0 {
                return;
            }
            for (c, (b, &v)) in state.iter_mut().zip(signal.row(k).iter()).enumerate() {
                if v > *b + thr {
                    *b += thr;
                    fired.push(c as u32);
                } else if v < *b - thr {
                    *b -= thr;
                    fired.push((n + c) as u32);
                }
            }
        });
        Ok(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoder, TimeGrid};
    use ndarray::Array2;

    fn enc(e: &dyn Encoder, x: &[Real], frame_ms: Real) -> Vec<(usize, u32)> {
        let sig = Array2::from_shape_vec((x.len(), 1), x.to_vec()).unwrap();
        let grid = TimeGrid::new(frame_ms, 1.0).unwrap();
        e.encode(sig.view(), &grid, &mut lsm_core::rng_for(0, 0))
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn delta_constant_signal_spikes_only_at_first_step() {
        let p = DeltaParams {
            off_spike: true,
            ..Default::default()
        };
        assert_eq!(enc(&p, &[0.5; 20], 10.0), vec![(0, 0)]);
        let p = DeltaParams {
            off_spike: true,
            padding: true,
            ..Default::default()
        };
        assert_eq!(enc(&p, &[0.5; 20], 10.0), vec![]);
    }

    #[test]
    fn delta_step_up_one_on_step_down_one_off() {
        let p = DeltaParams {
            off_spike: true,
            padding: true,
            threshold: 0.1,
        };
        let mut x = vec![0.2; 10];
        x.extend(vec![0.8; 10]);
        x.extend(vec![0.3; 10]);
        // 10 ms frames: the step up is at frame 10 (step 100), the step down at frame 20.
        assert_eq!(enc(&p, &x, 10.0), vec![(100, 0), (200, 1)]);
    }

    #[test]
    fn step_forward_tracks_a_ramp_and_a_step() {
        let p = StepForwardParams { threshold: 0.1 };
        // Constant: nothing.
        assert_eq!(enc(&p, &[0.4; 10], 1.0), vec![]);
        // Step up by 0.35: the baseline climbs one threshold per frame: 3 ON spikes.
        let mut x = vec![0.0; 3];
        x.extend(vec![0.35; 6]);
        assert_eq!(enc(&p, &x, 1.0), vec![(3, 0), (4, 0), (5, 0)]);
        // Then down to -0.05: 3 OFF spikes (channel 1), the baseline returns to about 0.
        x.extend(vec![-0.05; 6]);
        let ev = enc(&p, &x, 1.0);
        let off: Vec<usize> = ev.iter().filter(|e| e.1 == 1).map(|e| e.0).collect();
        assert_eq!(off, vec![9, 10, 11]);
    }
}
