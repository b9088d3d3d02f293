//! Scoring a segment: one-step / k-step predictions, closed-loop free runs, and unscaling.

use super::*;
use lsm_core::Real;
use lsm_readout::Ridge;
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};

/// Settings shared by fit and evaluate to score a segment.
pub(crate) struct Scorer<'a> {
    pub(crate) cfg: &'a TsConfig,
    pub(crate) prep: &'a Prepared,
    pub(crate) res: &'a Reservoir,
    /// States of rows `offset..offset + states.nrows()` of the prepared series.
    pub(crate) states: &'a Array2<Real>,
    /// Features of the same rows.
    pub(crate) feats: &'a Array2<Real>,
    /// Row of the series held in row 0 of `states` and `feats`.
    pub(crate) offset: usize,
    /// The reservoir's teacher-forced drive, every row (inputs, then with feedback the
    /// previous targets): what a spiking reservoir runs on up to a closed-loop start.
    pub(crate) drive: ArrayView2<'a, Real>,
    /// Cache of a spiking reservoir's states at the closed-loop starts.
    pub(crate) spiking_starts: std::cell::RefCell<Option<SpikingStarts>>,
}

/// A scored segment: the scores plus what to plot.
#[derive(Clone, Debug)]
pub struct SegmentResult {
    /// Scores in original units.
    pub scores: Scores,
    /// Prediction (original units), steps × outputs, for plotting.
    pub prediction: Array2<Real>,
    /// Target (original units), same shape.
    pub target: Array2<Real>,
    /// Closed loop: the scores over the whole horizon (valid prediction time).
    pub free_run: Option<FreeRunScores>,
}

impl Scorer<'_> {
    /// Score `range` (rows of the prepared series) with `ridge`.
    pub(crate) fn score(
        &self,
        ridge: &Ridge,
        range: std::ops::Range<usize>,
    ) -> Result<SegmentResult> {
        match self.cfg.prediction.mode {
            Mode::OneStep | Mode::KStep => {
                let off = self.offset;
                let p =
                    ridge.predict(self.feats.slice(s![range.start - off..range.end - off, ..]))?;
                let t = self.prep.targets.slice(s![range, ..]);
                let po = self.unscale(p.view());
                let to = self.unscale(t);
                Ok(SegmentResult {
                    scores: scores(po.view(), to.view()),
                    prediction: po,
                    target: to,
                    free_run: None,
                })
            }
            Mode::ClosedLoop => self.closed_loop(ridge, range),
        }
    }

    pub(crate) fn unscale(&self, x: ArrayView2<Real>) -> Array2<Real> {
        let mut o = x.to_owned();
        for (j, mut col) in o.axis_iter_mut(Axis(1)).enumerate() {
            col.mapv_inplace(|v| self.prep.target_scaler.invert_col(j, v));
        }
        o
    }

    /// Jaeger's protocol on `range`: trial starts `s_j` evenly spaced so that
    /// `s_j + horizon <= range.end`; from the teacher-forced state after input row `s_j − 1`
    /// the readout output is fed back for `horizon` steps; error of step `horizon`. The
    /// output is fed back as the next input (autonomous series) and through the feedback
    /// weights (with feedback; an input-driven series keeps its inputs from the data).
    pub(crate) fn closed_loop(
        &self,
        ridge: &Ridge,
        range: std::ops::Range<usize>,
    ) -> Result<SegmentResult> {
        let mut lp = Looper::new(self.res, self.cfg.seed)?;
        let h = self.cfg.prediction.horizon;
        let trials = self.cfg.prediction.trials;
        let len = range.len();
        if len <= h {
            return Err(PipelineError::Runtime(format!(
                "segment of {len} steps is too short for horizon {h}"
            )));
        }
        let span = len - h; // start offsets 0..=span-1 (+1 so that start >= 1 row in)
        let o = ridge.n_outputs();
        let mut preds = Array2::zeros((trials, o));
        let mut targs = Array2::zeros((trials, o));
        // The normalised error at every free-run step: target variances over the segment
        // (scaled units; the ratio does not depend on the affine scaling).
        let inv_var: Vec<Real> = self
            .prep
            .targets
            .slice(s![range.clone(), ..])
            .axis_iter(Axis(1))
            .map(|c| {
                let v = c.var(0.0);
                if v > 0.0 {
                    1.0 / v
                } else {
                    0.0
                }
            })
            .collect();
        let mut valid = vec![h; trials];
        let mut sum_e2 = 0.0;
        // Starts: the state after input row s − 1 (teacher forced), s >= range.start + 1.
        let starts: Vec<usize> = (0..trials)
            .map(|j| range.start + 1 + (j * span.saturating_sub(1)) / trials.max(1))
            .collect();
        lp.prepare(self, &starts)?;
        for (j, valid_j) in valid.iter_mut().enumerate() {
            let s0 = starts[j];
            self.run_free(&mut lp, ridge, s0, h, |step, y| {
                if !y.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                    return Err(PipelineError::Runtime(format!(
                        "closed-loop prediction diverged in trial {j} at free-run step {}",
                        step + 1
                    )));
                }
                // Output after input row s0 − 1 + step predicts target row s0 − 1 + step.
                let tg = self.prep.targets.row(s0 - 1 + step);
                let e2 = y
                    .iter()
                    .zip(tg.iter())
                    .zip(&inv_var)
                    .map(|((a, b), w)| (a - b) * (a - b) * w)
                    .sum::<Real>()
                    / o as Real;
                sum_e2 += e2;
                if *valid_j == h && e2.sqrt() > VALID_TIME_THRESHOLD {
                    *valid_j = step;
                }
                if step + 1 == h {
                    preds.row_mut(j).assign(y);
                    targs.row_mut(j).assign(&tg);
                }
                Ok(true)
            })?;
        }
        let po = self.unscale(preds.view());
        let to = self.unscale(targs.view());
        // Normalise by the target's variance over the whole segment (Jaeger), not over the
        // trial end points.
        let seg = self.unscale(self.prep.targets.slice(s![range, ..]));
        let mut nmse = 0.0;
        let mut mse_all = 0.0;
        let mut r2 = 0.0;
        for c in 0..o {
            let mse = po
                .column(c)
                .iter()
                .zip(to.column(c).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<Real>()
                / trials as Real;
            let var = seg.column(c).var(0.0);
            mse_all += mse;
            let nm = if mse == 0.0 { 0.0 } else { mse / var };
            nmse += nm;
            r2 += 1.0 - nm;
        }
        Ok(SegmentResult {
            scores: Scores {
                mse: mse_all / o as Real,
                nrmse: (nmse / o as Real).sqrt(),
                r2: r2 / o as Real,
                n: trials,
            },
            prediction: po,
            target: to,
            free_run: Some({
                let (dt, lyap) = self.cfg.sample_interval();
                FreeRunScores::new(&valid, sum_e2, trials * h, h, dt, lyap)
            }),
        })
    }

    /// One long free run from the start of `range` (for plots): `len` steps (fewer if it
    /// diverges).
    pub fn free_run(
        &self,
        ridge: &Ridge,
        start: usize,
        len: usize,
    ) -> Result<(Array2<Real>, Array2<Real>)> {
        let mut lp = Looper::new(self.res, self.cfg.seed)?;
        lp.prepare(self, &[start])?;
        let mut pred = Array2::zeros((len, ridge.n_outputs()));
        let mut m = 0;
        self.run_free(&mut lp, ridge, start, len, |step, y| {
            if !y.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                return Ok(false);
            }
            pred.row_mut(step).assign(y);
            m = step + 1;
            Ok(true)
        })?;
        let pred = pred.slice(s![..m, ..]);
        let t = self.prep.targets.slice(s![start - 1..start - 1 + m, ..]);
        Ok((self.unscale(pred), self.unscale(t)))
    }

    /// From the teacher-forced state after input row `s0 − 1`, `h` steps of free run: at
    /// each step the readout's output `y` goes to `visit(step, y)` (which stops the run by
    /// returning false), then is fed back as the next input (autonomous series; otherwise the
    /// next input row of the data) and through the feedback weights.
    fn run_free<F>(
        &self,
        lp: &mut Looper,
        ridge: &Ridge,
        s0: usize,
        h: usize,
        mut visit: F,
    ) -> Result<()>
    where
        F: FnMut(usize, &Array1<Real>) -> Result<bool>,
    {
        lp.start(self, s0);
        let k = self.prep.inputs.ncols();
        let n = self.res.n_state();
        let include = self.cfg.readout.include_input;
        let autonomous = self.prep.autonomous;
        // The input that produced the current state.
        let mut u = self.prep.inputs.row(s0 - 1).to_vec();
        let mut feat = Array1::zeros(n + if include { k } else { 0 });
        for step in 0..h {
            for (d, v) in feat.iter_mut().zip(lp.state()) {
                *d = *v;
            }
            if include {
                for (i, v) in u.iter().enumerate() {
                    feat[n + i] = *v;
                }
            }
            let y = ridge.predict_one(feat.view())?;
            if !visit(step, &y)? {
                break;
            }
            if step + 1 < h {
                let y = y.as_slice().expect("contiguous");
                if autonomous {
                    u.copy_from_slice(y);
                } else {
                    for (d, v) in u.iter_mut().zip(self.prep.inputs.row(s0 + step)) {
                        *d = *v;
                    }
                }
                lp.step(&u, y)?;
            }
        }
        Ok(())
    }
}
