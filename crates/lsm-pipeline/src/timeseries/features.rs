//! The built reservoir and the teacher-forced feature rows `[x(t); u(t)]` it streams.

use super::*;
use lsm_core::{rng_for, stream, Real};
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array2, ArrayView2};

// ---------------------------------------------------------------------------------------------
// Reservoirs
// ---------------------------------------------------------------------------------------------

/// Copy `v` into row `r` of the row-major `a`.
pub(crate) fn set_row(a: &mut Array2<Real>, r: usize, v: &[Real]) {
    a.row_mut(r)
        .as_slice_mut()
        .expect("contiguous")
        .copy_from_slice(v);
}

/// Feature rows folded into the Gram accumulator at once while the reservoir runs.
pub(crate) const GRAM_BLOCK: usize = 512;

/// Teacher-forced features `[x(t); u(t)]` (or `x(t)`) of a series, streamed row by row (the
/// reservoir is driven by every column of its inputs, which with feedback end with the fed-back
/// teacher signal; `u(t)` is the leading `feat_inputs` columns): the ESN is run on the fly
/// (nothing of size steps × units is held); the spiking reservoir, NVAR and the deep ESN are
/// run once and their recorded rows are replayed, except for a [`FeatureSource::streamed`]
/// source (online readouts), where a spiking reservoir with current input runs sample by
/// sample with its [`lsm_reservoir::SeriesStepper`] at every visit (the rows of its
/// teacher-forced run bit for bit).
pub(crate) struct FeatureSource<'a> {
    res: &'a Reservoir,
    inputs: ArrayView2<'a, Real>,
    /// Leading columns of `inputs` appended to the state in a feature row.
    feat_inputs: usize,
    seed: u64,
    /// Spiking reservoir: the recorded state rows of the whole series.
    cached: Option<Array2<Real>>,
    /// Told of every [`TICK_ROWS`] rows visited (a hook that may stop the run).
    progress: &'a dyn Progress,
}

/// Whether a spiking reservoir's features are streamed sample by sample (current input;
/// an encoder codes the whole series at once).
fn streams(sr: &lsm_reservoir::SpikingReservoir) -> bool {
    matches!(sr.config.input, lsm_reservoir::SpikingInput::Current { .. })
}

/// Rows between two progress ticks of a streamed pass.
pub(crate) const TICK_ROWS: usize = 1024;

impl<'a> FeatureSource<'a> {
    pub(crate) fn new(
        res: &'a Reservoir,
        inputs: ArrayView2<'a, Real>,
        feat_inputs: usize,
        seed: u64,
    ) -> Result<Self> {
        Self::with_cache(res, inputs, feat_inputs, seed, true)
    }

    /// As [`FeatureSource::new`], but a spiking reservoir with current input is not run ahead:
    /// each visit runs it from rest, sample by sample, so memory does not grow with the
    /// series (an online readout's promise; a batch readout would pay a second run for its
    /// training scores).
    pub(crate) fn streamed(
        res: &'a Reservoir,
        inputs: ArrayView2<'a, Real>,
        feat_inputs: usize,
        seed: u64,
    ) -> Result<Self> {
        Self::with_cache(res, inputs, feat_inputs, seed, false)
    }

    fn with_cache(
        res: &'a Reservoir,
        inputs: ArrayView2<'a, Real>,
        feat_inputs: usize,
        seed: u64,
        cache_spiking: bool,
    ) -> Result<Self> {
        if feat_inputs > inputs.ncols() {
            return Err(PipelineError::Runtime(format!(
                "{feat_inputs} input features asked of {} input columns",
                inputs.ncols()
            )));
        }
        let cached = match res {
            Reservoir::Esn(_) => None,
            Reservoir::Spiking(sr) if !cache_spiking && streams(sr) => None,
            Reservoir::Spiking(_) | Reservoir::Nvar(_) | Reservoir::DeepEsn(_) => {
                let a = res.states(inputs, seed)?;
                // Row-major, so that every row is one contiguous slice.
                Some(if a.is_standard_layout() {
                    a
                } else {
                    a.as_standard_layout().into_owned()
                })
            }
        };
        Ok(Self {
            res,
            inputs,
            feat_inputs,
            seed,
            cached,
            progress: &NoProgress,
        })
    }

    /// The same source, telling `progress` of every [`TICK_ROWS`] rows it visits.
    pub(crate) fn with_progress(self, progress: &'a dyn Progress) -> Self {
        Self { progress, ..self }
    }

    /// Bytes of the recorded state rows held (0 for a source that runs on the fly).
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.cached.as_ref().map_or(0, |a| 8 * a.len())
    }

    /// Columns of a feature row.
    pub(crate) fn n_features(&self) -> usize {
        self.res.n_state() + self.feat_inputs
    }

    /// Call `visit(t, state_row, feature_row)` for every row `t` of `keep`, in order. The ESN
    /// runs from the zero state over rows `0..keep.end`, with state noise of amplitude
    /// `noise` during rows `noise_steps` (drawn from `rng_for(seed, stream::SIM_NOISE)`).
    pub(crate) fn visit<F: FnMut(usize, &[Real], &[Real]) -> Result<()>>(
        &self,
        keep: std::ops::Range<usize>,
        noise: Real,
        noise_steps: std::ops::Range<usize>,
        mut visit: F,
    ) -> Result<()> {
        let progress = self.progress;
        let mut visit = |t: usize, x: &[Real], f: &[Real]| {
            if t % TICK_ROWS == TICK_ROWS - 1 {
                progress.inc(TICK_ROWS as u64);
            }
            visit(t, x, f)
        };
        let n_state = self.res.n_state();
        let mut feat = vec![0.0; self.n_features()];
        let inputs = self.inputs;
        let fill = |t: usize, x: &[Real], feat: &mut [Real]| {
            feat[..n_state].copy_from_slice(x);
            for (d, v) in feat[n_state..].iter_mut().zip(inputs.row(t).iter()) {
                *d = *v;
            }
        };
        match (&self.cached, self.res) {
            (Some(states), _) => {
                for t in keep {
                    let x = states.row(t);
                    let x = x.as_slice().expect("contiguous rows");
                    fill(t, x, &mut feat);
                    visit(t, x, &feat)?;
                }
                Ok(())
            }
            (None, Reservoir::Esn(esn)) => {
                let end = keep.end.min(inputs.nrows());
                let mut x = vec![0.0; esn.n_units()];
                let mut rng = rng_for(self.seed, stream::SIM_NOISE);
                let a = noise_steps.start.min(end);
                let b = noise_steps.end.min(end).max(a);
                let mut err: Option<PipelineError> = None;
                for (lo, hi, amp) in [(0, a, 0.0), (a, b, noise), (b, end, 0.0)] {
                    if lo >= hi {
                        continue;
                    }
                    let r = if amp > 0.0 { Some(&mut rng) } else { None };
                    esn.run_with(inputs.slice(s![lo..hi, ..]), &mut x, amp, r, |i, x| {
                        let t = lo + i;
                        if err.is_none() && t >= keep.start {
                            fill(t, x, &mut feat);
                            if let Err(e) = visit(t, x, &feat) {
                                err = Some(e);
                            }
                        }
                    })?;
                    if let Some(e) = err.take() {
                        return Err(e);
                    }
                }
                Ok(())
            }
            (None, Reservoir::Spiking(sr)) => {
                let end = keep.end.min(inputs.nrows());
                let mut stepper = sr.series_stepper()?;
                let mut st = stepper.start(self.seed);
                let mut u = vec![0.0; inputs.ncols()];
                for t in 0..end {
                    for (d, v) in u.iter_mut().zip(inputs.row(t).iter()) {
                        *d = *v;
                    }
                    stepper.step(&mut st, &u)?;
                    if t >= keep.start {
                        let x = st.features();
                        fill(t, x, &mut feat);
                        visit(t, x, &feat)?;
                    }
                }
                Ok(())
            }
            (None, _) => Err(PipelineError::Runtime(
                "the reservoir's states were not recorded".into(),
            )),
        }
    }

    /// States and features of rows `keep` (noise-free), as arrays (row 0 = `keep.start`).
    pub(crate) fn collect(
        &self,
        keep: std::ops::Range<usize>,
    ) -> Result<(Array2<Real>, Array2<Real>)> {
        let len = keep.len();
        let mut st = Array2::zeros((len, self.res.n_state()));
        let mut ft = Array2::zeros((len, self.n_features()));
        let k0 = keep.start;
        self.visit(keep, 0.0, 0..0, |t, x, f| {
            set_row(&mut st, t - k0, x);
            set_row(&mut ft, t - k0, f);
            Ok(())
        })?;
        Ok((st, ft))
    }
}
