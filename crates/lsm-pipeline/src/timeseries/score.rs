//! Scoring a segment: one-step / k-step predictions, closed-loop free runs, and unscaling.

use super::*;
use lsm_core::Real;
use lsm_readout::Ridge;
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};

/// A reservoir run in closed loop: an ESN (its state vector), an NVAR (its delay buffer) or
/// a spiking reservoir (its whole simulation state, copied from teacher-forced snapshots).
enum Looper<'a> {
    Esn {
        esn: &'a lsm_reservoir::Esn,
        x: Vec<Real>,
        scratch: Vec<Real>,
        /// The step's input `[u; y]` (the fed-back output `y` only with feedback).
        drive: Vec<Real>,
    },
    Nvar {
        nvar: &'a lsm_reservoir::Nvar,
        st: lsm_reservoir::NvarState,
        feats: Vec<Real>,
    },
    Spiking {
        stepper: Box<lsm_reservoir::SeriesStepper>,
        st: Box<lsm_reservoir::SeriesState>,
        drive: Vec<Real>,
    },
}

/// Teacher-forced states of a spiking reservoir at the closed-loop trial starts, computed once
/// per scored segment and reused for every α of the grid: (starts, state after row start − 1).
pub(crate) type SpikingStarts = (Vec<usize>, Vec<lsm_reservoir::SeriesState>);

impl<'a> Looper<'a> {
    fn new(res: &'a Reservoir) -> Result<Self> {
        match res {
            Reservoir::Esn(esn) => Ok(Looper::Esn {
                esn,
                x: vec![0.0; esn.n_units()],
                scratch: vec![0.0; esn.n_units()],
                drive: vec![0.0; esn.n_inputs()],
            }),
            Reservoir::Nvar(nvar) => Ok(Looper::Nvar {
                nvar,
                st: nvar.new_state(),
                feats: vec![0.0; nvar.n_features()],
            }),
            Reservoir::Spiking(sr) => {
                let stepper = Box::new(sr.series_stepper()?);
                let st = Box::new(stepper.start(0));
                let drive = vec![0.0; stepper.n_inputs()];
                Ok(Looper::Spiking { stepper, st, drive })
            }
        }
    }

    /// Get ready to start from the teacher-forced states after rows `starts[j] − 1`
    /// (ascending): a spiking reservoir runs teacher forced once and keeps a copy of its state
    /// at each start (cached in `sc` across calls); the others need nothing.
    fn prepare(&mut self, sc: &Scorer, starts: &[usize]) -> Result<()> {
        let Looper::Spiking { stepper, .. } = self else {
            return Ok(());
        };
        if let Some((s, _)) = &*sc.spiking_starts.borrow() {
            if s == starts {
                return Ok(());
            }
        }
        let mut st = stepper.start(sc.cfg.seed);
        let bytes = st.heap_bytes() as f64 * starts.len() as f64;
        lsm_core::limits::check(
            lsm_core::limits::Limit::MemoryBytes,
            bytes,
            "closed loop: the spiking reservoir's state at every trial start (prediction.trials)",
        )
        .map_err(|e| PipelineError::config("prediction.trials", e.to_string()))?;
        let mut snaps = Vec::with_capacity(starts.len());
        let mut row = 0usize;
        for &s0 in starts {
            while row < s0 {
                let u = sc.drive.row(row);
                stepper.step(&mut st, &u.to_vec())?;
                row += 1;
            }
            snaps.push(st.clone());
        }
        *sc.spiking_starts.borrow_mut() = Some((starts.to_vec(), snaps));
        Ok(())
    }

    /// Start from the teacher-forced state after input row `s − 1` (for a spiking reservoir,
    /// `s` must be one of the starts given to `prepare`).
    fn start(&mut self, sc: &Scorer, s: usize) {
        match self {
            Looper::Spiking { st, .. } => {
                let cache = sc.spiking_starts.borrow();
                let (starts, snaps) = cache.as_ref().expect("prepare() ran first");
                let j = starts.partition_point(|&x| x < s);
                **st = snaps[j].clone();
            }
            Looper::Esn { x, .. } => x.copy_from_slice(
                sc.states
                    .row(s - 1 - sc.offset)
                    .as_slice()
                    .expect("contiguous"),
            ),
            Looper::Nvar { nvar, st, .. } => *st = nvar.state_after(sc.prep.inputs.view(), s),
        }
    }

    /// The current state row (what the readout sees before the input columns).
    fn state(&mut self) -> &[Real] {
        match self {
            Looper::Esn { x, .. } => x,
            Looper::Nvar { nvar, st, feats } => {
                nvar.features(st, feats);
                feats
            }
            Looper::Spiking { st, .. } => st.features(),
        }
    }

    /// Feed the output `y` back as the next input (and, with feedback, through the feedback
    /// weights too).
    fn step(&mut self, y: &[Real]) -> Result<()> {
        match self {
            Looper::Spiking { stepper, st, drive } => {
                for part in drive.chunks_mut(y.len()) {
                    part.copy_from_slice(y);
                }
                stepper.step(st, drive)?;
            }
            Looper::Esn {
                esn,
                x,
                scratch,
                drive,
            } => {
                for part in drive.chunks_mut(y.len()) {
                    part.copy_from_slice(y);
                }
                esn.step(x, drive, scratch)
            }
            Looper::Nvar { nvar, st, .. } => nvar.push(st, y),
        }
        Ok(())
    }
}

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
    /// the readout output is fed back for `horizon` steps; error of step `horizon`.
    pub(crate) fn closed_loop(
        &self,
        ridge: &Ridge,
        range: std::ops::Range<usize>,
    ) -> Result<SegmentResult> {
        let mut lp = Looper::new(self.res)?;
        let h = self.cfg.prediction.horizon;
        let trials = self.cfg.prediction.trials;
        let len = range.len();
        if len <= h {
            return Err(PipelineError::Runtime(format!(
                "segment of {len} steps is too short for horizon {h}"
            )));
        }
        let span = len - h; // start offsets 0..=span-1 (+1 so that start >= 1 row in)
        let k = self.prep.inputs.ncols();
        let o = ridge.n_outputs();
        if o != k {
            return Err(PipelineError::Runtime(
                "closed loop needs as many outputs as inputs".into(),
            ));
        }
        let include = self.cfg.readout.include_input;
        let n = self.res.n_state();
        let mut feat = Array1::zeros(n + if include { k } else { 0 });
        let mut u = vec![0.0; k];
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
            lp.start(self, s0);
            // Output after input row s0 - 1 predicts input row s0.
            for step in 0..h {
                // Feature of the current state with the input that produced it.
                for (d, v) in feat.iter_mut().zip(lp.state()) {
                    *d = *v;
                }
                if include {
                    let uin: Vec<Real> = if step == 0 {
                        self.prep.inputs.row(s0 - 1).to_vec()
                    } else {
                        u.clone()
                    };
                    for (i, v) in uin.iter().enumerate() {
                        feat[n + i] = *v;
                    }
                }
                let y = ridge.predict_one(feat.view())?;
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
                    preds.row_mut(j).assign(&y);
                    // Output after input row s0 + h - 2 predicts row s0 + h - 1.
                    targs.row_mut(j).assign(&self.prep.targets.row(s0 + h - 2));
                } else {
                    u.copy_from_slice(y.as_slice().expect("contiguous"));
                    lp.step(&u)?;
                }
            }
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

    /// One long free run from the start of `range` (for plots): `len` steps.
    pub fn free_run(
        &self,
        ridge: &Ridge,
        start: usize,
        len: usize,
    ) -> Result<(Array2<Real>, Array2<Real>)> {
        let mut lp = Looper::new(self.res)?;
        lp.prepare(self, &[start])?;
        lp.start(self, start);
        let k = self.prep.inputs.ncols();
        let n = self.res.n_state();
        let include = self.cfg.readout.include_input;
        let mut u = self.prep.inputs.row(start - 1).to_vec();
        let mut feat = Array1::zeros(n + if include { k } else { 0 });
        let mut pred = Array2::zeros((len, k));
        for step in 0..len {
            for (d, v) in feat.iter_mut().zip(lp.state()) {
                *d = *v;
            }
            if include {
                for (i, v) in u.iter().enumerate() {
                    feat[n + i] = *v;
                }
            }
            let y = ridge.predict_one(feat.view())?;
            if !y.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                pred = pred.slice(s![..step, ..]).to_owned();
                break;
            }
            pred.row_mut(step).assign(&y);
            u.copy_from_slice(y.as_slice().expect("contiguous"));
            lp.step(&u)?;
        }
        let m = pred.nrows();
        let t = self.prep.targets.slice(s![start - 1..start - 1 + m, ..]);
        Ok((self.unscale(pred.view()), self.unscale(t)))
    }
}
