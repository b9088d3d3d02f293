//! The input drive of the classification pipeline's spiking reservoir (see [`crate::drive`]
//! for the calibration and the warnings): `"auto"` measures the mean reservoir rate on
//! [`CALIBRATION_SAMPLES`] training samples, drawn in a shuffle of the samples sorted by path
//! with stream `lsm_core::stream::CALIBRATION` (so the cost of a pass is 16 sample
//! simulations). The gain and the measurements are kept in the model's training summary.

use crate::config::DigitsConfig;
use crate::error::PipelineError;
use crate::features::{Pooling, Transform};
use lsm_core::{rng_for, stream};
use lsm_reservoir::NetworkSpec;
use rand::seq::SliceRandom;

use super::*;

/// Training samples simulated per calibration pass.
pub const CALIBRATION_SAMPLES: usize = 16;

pub use crate::drive::*;

/// The calibration subset: [`CALIBRATION_SAMPLES`] samples of `train`, drawn in a shuffle
/// (stream `CALIBRATION` of `seed`) of the samples sorted by path, so the subset does not
/// depend on the order the samples come in.
fn subset(train: &[&Sample], seed: u64) -> Vec<Sample> {
    let mut idx: Vec<usize> = (0..train.len()).collect();
    idx.sort_by(|&a, &b| train[a].path.cmp(&train[b].path).then(a.cmp(&b)));
    idx.shuffle(&mut rng_for(seed, stream::CALIBRATION));
    idx.truncate(CALIBRATION_SAMPLES);
    idx.into_iter().map(|i| train[i].clone()).collect()
}

/// Mean reservoir rate (Hz) of `spec` on `samples`, through the pipeline's own extraction
/// (reservoir features only, one count bin: the cheapest pooling).
fn measure(
    config: &DigitsConfig,
    spec: &NetworkSpec,
    samples: &[Sample],
) -> Result<f64, PipelineError> {
    let mut cfg = config.clone();
    cfg.features.reservoir = true;
    cfg.features.include_input = false;
    cfg.features.pooling = Pooling::SpikeCounts { bins: 1, warp: 0.0 };
    cfg.features.transform = Transform::None;
    let ex = Extractor::new(&cfg, Some(spec), None)?;
    let (_, st) = ex.features(samples, &NoProgress)?;
    Ok(mean_rate_hz(
        st.reservoir_spikes,
        spec.n_neurons,
        st.n_steps,
        spec.dt_ms,
    ))
}

/// Apply `config.input_drive` to the network `spec` (see the module docs), calibrating on
/// `train` for `"auto"` (without training samples, `"auto"` leaves the network unchanged).
///
/// # Errors
/// The error of a failing sample during calibration.
pub fn apply_input_drive(
    config: &DigitsConfig,
    spec: NetworkSpec,
    train: Option<&[&Sample]>,
    progress: &dyn Progress,
) -> Result<(NetworkSpec, Calibration), PipelineError> {
    let fixed = |g: f64, spec: NetworkSpec| {
        let cal = Calibration {
            gain: g,
            passes: Vec::new(),
        };
        Ok((scale_input(spec, g), cal))
    };
    let train = match (config.input_drive, train) {
        (InputDrive::Gain(g), _) => return fixed(g, spec),
        (InputDrive::Auto, None) => return fixed(1.0, spec),
        (InputDrive::Auto, Some([])) => return fixed(1.0, spec),
        (InputDrive::Auto, Some(t)) => t,
    };
    let samples = subset(train, config.seed);
    let cal = calibrate_gain(
        config.input_drive,
        |g| measure(config, &scale_input(spec.clone(), g), &samples),
        progress,
    )?;
    Ok((scale_input(spec, cal.gain), cal))
}

impl DigitsPipeline {
    /// Mean rate (Hz) of the spiking reservoir over all training samples (`None` without a
    /// spiking reservoir).
    pub fn training_rate_hz(&self) -> Option<f64> {
        let net = self.model().network.as_ref()?;
        let t = &self.model().training;
        Some(mean_rate_hz(
            t.reservoir_spikes,
            net.n_neurons,
            t.n_steps,
            net.dt_ms,
        ))
    }

    /// Warnings about the fitted model: a spiking reservoir silent (below [`SILENT_HZ`]) or
    /// saturated (above [`SATURATED_HZ`]) on the training data, naming its rate.
    pub fn warnings(&self) -> Vec<String> {
        self.training_rate_hz()
            .map(rate_warnings)
            .unwrap_or_default()
    }
}
