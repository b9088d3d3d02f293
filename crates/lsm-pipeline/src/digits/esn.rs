//! The echo state network as the classification reservoir: input spikes counted in bins of
//! `bin_ms` (divided by the steps per bin: the fraction of steps with a spike, per channel)
//! drive a leaky tanh ESN one bin per update; its states are pooled like spikes (see
//! [`crate::sources`]).

use super::input::InputStage;
use super::{Progress, Sample};
use crate::config::DigitsConfig;
use crate::error::PipelineError;
use crate::features::{sample_step, Pooling};
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_reservoir::{Esn, EsnConfig};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// The built ESN stage.
#[derive(Debug)]
pub(crate) struct EsnStage {
    esn: Esn,
    bin_steps: usize,
}

/// Per-thread working memory of [`EsnStage::pool_into`] (no allocation per sample once
/// sized).
#[derive(Debug, Default)]
pub(crate) struct EsnWorkspace {
    x: Vec<Real>,
    scratch: Vec<Real>,
    u: Vec<Real>,
    rows_in_bin: Vec<usize>,
}

impl EsnStage {
    /// The stage of `esn` with count bins of `bin_ms` on a `dt_ms` grid (at least one step).
    pub(crate) fn new(esn: Esn, bin_ms: Real, dt_ms: Real) -> Result<Self, PipelineError> {
        let bin_steps = bin_steps(bin_ms, dt_ms)?;
        Ok(Self { esn, bin_steps })
    }

    /// The ESN.
    #[cfg(test)]
    pub(crate) fn esn(&self) -> &Esn {
        &self.esn
    }

    /// Units (features per pooled value).
    pub(crate) fn n_units(&self) -> usize {
        self.esn.n_units()
    }

    /// Run the ESN from the zero state over `input`'s bins and pool its states into `out`
    /// (length `pooling.n_features(n_units)`); `warp` bins are drawn by `input` as for spikes.
    pub(crate) fn pool_into(
        &self,
        input: &SpikeTrains,
        pooling: &Pooling,
        ws: &mut EsnWorkspace,
        out: &mut [Real],
    ) {
        let n = self.esn.n_units();
        let k = self.esn.n_inputs();
        debug_assert_eq!(out.len(), pooling.n_features(n));
        ws.x.clear();
        ws.x.resize(n, 0.0);
        ws.scratch.resize(n, 0.0);
        ws.u.resize(k, 0.0);
        ws.rows_in_bin.clear();
        ws.rows_in_bin.resize(pooling.per_channel(), 0);
        out.iter_mut().for_each(|v| *v = 0.0);
        let n_steps = input.n_steps();
        if n_steps == 0 {
            return;
        }
        let bs = self.bin_steps;
        let rows = n_steps.div_ceil(bs);
        let total = input.n_spikes();
        let mut before = 0usize; // input spikes before the row's first step
        let mut next_sample = 0usize; // Traces: next sampling time to fill
        for r in 0..rows {
            let (s0, s1) = (r * bs, ((r + 1) * bs).min(n_steps));
            let in_row = fill_row(input, s0..s1, &mut ws.u);
            self.esn.step(&mut ws.x, &ws.u, &mut ws.scratch);
            match *pooling {
                Pooling::SpikeCounts { bins, warp } => {
                    let p = if warp == 0.0 || total == 0 {
                        s0 as Real / n_steps as Real
                    } else {
                        warp * before as Real / total as Real
                            + (1.0 - warp) * s0 as Real / n_steps as Real
                    };
                    let b = ((bins as Real * p).floor() as usize).min(bins - 1);
                    add(&mut out[b * n..(b + 1) * n], &ws.x);
                    ws.rows_in_bin[b] += 1;
                }
                Pooling::Traces { samples, .. } => {
                    // The state after the row holding each sampling step.
                    while next_sample < samples && sample_step(next_sample, samples, n_steps) < s1 {
                        out[next_sample * n..(next_sample + 1) * n].copy_from_slice(&ws.x);
                        next_sample += 1;
                    }
                }
                Pooling::Mean { .. } => {
                    add(out, &ws.x);
                    ws.rows_in_bin[0] += 1;
                }
                Pooling::Last { .. } => {}
            }
            before += in_row;
        }
        match pooling {
            Pooling::SpikeCounts { .. } | Pooling::Mean { .. } => {
                for (b, &c) in ws.rows_in_bin.iter().enumerate() {
                    if c > 0 {
                        let inv = 1.0 / c as Real;
                        out[b * n..(b + 1) * n].iter_mut().for_each(|v| *v *= inv);
                    }
                }
            }
            Pooling::Last { .. } => out.copy_from_slice(&ws.x),
            Pooling::Traces { .. } => {}
        }
    }
}

/// Steps per count bin of `bin_ms` on a `dt_ms` grid (at least one).
fn bin_steps(bin_ms: Real, dt_ms: Real) -> Result<usize, PipelineError> {
    let steps = (bin_ms / dt_ms).round();
    lsm_core::limits::checked_steps(steps.max(1.0))
        .map(|s| s as usize)
        .ok_or_else(|| {
            PipelineError::config(
                "reservoir.bin_ms",
                format!("{bin_ms} ms is not a usable number of {dt_ms} ms steps"),
            )
        })
}

/// The ESN's input of steps `steps` of `input` into `u`: the spike count of each channel
/// divided by the number of steps. Returns the spikes in those steps.
fn fill_row(input: &SpikeTrains, steps: std::ops::Range<usize>, u: &mut [Real]) -> usize {
    u.iter_mut().for_each(|v| *v = 0.0);
    let mut in_row = 0usize;
    let scale = 1.0 / steps.len() as Real;
    for s in steps {
        for &c in input.at(s) {
            u[c as usize] += 1.0;
        }
        in_row += input.at(s).len();
    }
    u.iter_mut().for_each(|v| *v *= scale);
    in_row
}

/// The ESN's input rows of `input` (bins × channels), as [`EsnStage::pool_into`] feeds them.
fn bin_rows(input: &SpikeTrains, bin_steps: usize) -> Array2<Real> {
    let n_steps = input.n_steps();
    let rows = n_steps.div_ceil(bin_steps);
    let mut out = Array2::zeros((rows, input.n_channels()));
    for (r, mut row) in out.outer_iter_mut().enumerate() {
        let steps = r * bin_steps..((r + 1) * bin_steps).min(n_steps);
        let u = row
            .as_slice_mut()
            .expect("a row of a standard-layout array");
        fill_row(input, steps, u);
    }
    out
}

/// The ESN's unsupervised rules (`reservoir.esn.intrinsic`, `reservoir.esn.plasticity`),
/// learned on the training recordings before any feature is extracted: every recording, in
/// a seeded random order (stream `PLASTICITY`, as STDP's), encoded as for the features and
/// binned as the ESN stage feeds it; the state carries over from one recording to the next
/// (reservoirpy's `fit` over several series). Returns `esn` unchanged without the rules.
///
/// # Errors
/// A recording that fails to encode; the rule's error (non-finite weights, naming the field).
pub(crate) fn learn_esn(
    config: &DigitsConfig,
    cfg: &EsnConfig,
    bin_ms: Real,
    input: &InputStage,
    mut esn: Esn,
    train: &[Sample],
    progress: &dyn Progress,
) -> Result<Esn, PipelineError> {
    if cfg.learning_epochs() == 0 {
        return Ok(esn);
    }
    let bs = bin_steps(bin_ms, input.dt_ms())?;
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.shuffle(&mut rng_for(config.seed, stream::PLASTICITY));
    progress.start("encoding (ESN plasticity)", order.len() as u64);
    let rows: Vec<Array2<Real>> = order
        .par_iter()
        .map_init(lsm_encoding::AudioWorkspace::default, |ews, &i| {
            let st = input.spikes(&train[i], config.seed, ews)?;
            progress.inc(1);
            Ok(bin_rows(&st, bs))
        })
        .collect::<Result<_, PipelineError>>()?;
    progress.finish();
    progress.start("ESN plasticity (unsupervised)", 0);
    let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
    esn.learn(cfg, &views)
        .map_err(|e| PipelineError::config("reservoir.esn", e.to_string()))?;
    progress.finish();
    Ok(esn)
}

fn add(acc: &mut [Real], x: &[Real]) {
    acc.iter_mut().zip(x).for_each(|(a, v)| *a += v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsm_reservoir::EsnConfig;

    fn stage(bin_ms: Real) -> EsnStage {
        let cfg = EsnConfig {
            n_units: 12,
            in_degree: 3,
            ..EsnConfig::default()
        };
        EsnStage::new(Esn::build(&cfg, 3, 7).unwrap(), bin_ms, 1.0).unwrap()
    }

    fn trains() -> SpikeTrains {
        let ev = [(0, 0), (3, 1), (4, 2), (9, 0), (17, 1), (18, 1), (25, 2)];
        SpikeTrains::from_events(3, 1.0, 30, ev).unwrap()
    }

    /// Reference: the ESN run on the bin matrix by `Esn::run`, then pooled by hand.
    #[test]
    fn pooled_states_equal_a_plain_run_of_the_binned_counts() {
        let st = stage(5.0);
        let x = trains();
        let mut u = ndarray::Array2::<Real>::zeros((6, 3));
        for (s, c) in x.iter() {
            u[[s / 5, c as usize]] += 1.0;
        }
        u.mapv_inplace(|v| v * (1.0 / 5.0));
        let states = st.esn().run(u.view(), None).unwrap();
        let mut ws = EsnWorkspace::default();
        // Mean over all rows.
        let mut out = vec![0.0; 12];
        st.pool_into(&x, &Pooling::Mean { tau_ms: 20.0 }, &mut ws, &mut out);
        let mean = states.mean_axis(ndarray::Axis(0)).unwrap();
        for (a, b) in out.iter().zip(mean.iter()) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        // Last state.
        st.pool_into(&x, &Pooling::Last { tau_ms: 20.0 }, &mut ws, &mut out);
        assert_eq!(out.as_slice(), states.row(5).as_slice().unwrap());
        // Two equal-time bins: rows 0-2 and 3-5.
        let mut out = vec![0.0; 24];
        let p = Pooling::SpikeCounts { bins: 2, warp: 0.0 };
        st.pool_into(&x, &p, &mut ws, &mut out);
        for (b, rows) in [(0, 0..3), (1, 3..6)] {
            let m = states
                .slice(ndarray::s![rows, ..])
                .mean_axis(ndarray::Axis(0))
                .unwrap();
            for (a, v) in out[b * 12..(b + 1) * 12].iter().zip(m.iter()) {
                assert!((a - v).abs() < 1e-12);
            }
        }
        // Sampling times 14 and 29: the states after rows 2 and 5.
        let p = Pooling::Traces {
            tau_ms: 20.0,
            samples: 2,
        };
        st.pool_into(&x, &p, &mut ws, &mut out);
        assert_eq!(&out[..12], states.row(2).as_slice().unwrap());
        assert_eq!(&out[12..], states.row(5).as_slice().unwrap());
    }

    /// A uneven last bin is averaged over its own steps; a silent input still moves the
    /// state through the bias.
    #[test]
    fn a_short_last_bin_and_silence_are_handled() {
        let st = stage(7.0); // 30 steps: rows of 7, 7, 7, 7, 2 steps
        let mut ws = EsnWorkspace::default();
        let mut out = vec![0.0; 12];
        let x = trains();
        st.pool_into(&x, &Pooling::Last { tau_ms: 20.0 }, &mut ws, &mut out);
        let mut u = ndarray::Array2::<Real>::zeros((5, 3));
        for (s, c) in x.iter() {
            u[[s / 7, c as usize]] += 1.0;
        }
        for (r, mut row) in u.outer_iter_mut().enumerate() {
            let scale = 1.0 / if r == 4 { 2.0 } else { 7.0 };
            row.mapv_inplace(|v| v * scale);
        }
        let states = st.esn().run(u.view(), None).unwrap();
        assert_eq!(out.as_slice(), states.row(4).as_slice().unwrap());
        let silent = SpikeTrains::empty(3, 1.0, 30);
        st.pool_into(&silent, &Pooling::Last { tau_ms: 20.0 }, &mut ws, &mut out);
        assert!(out.iter().any(|v| *v != 0.0) && out.iter().all(|v| v.abs() < 1.0));
    }
}
