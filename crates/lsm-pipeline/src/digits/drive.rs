//! The input drive of the spiking reservoir, scaled to the training data (`"input_drive"` in
//! the config), and the warnings on a silent or saturated reservoir.
//!
//! The default network is tuned for 32 gammatone channels rate-coded up to 400 Hz; the same
//! network under 40 channels at 20 Hz hardly fires (about 0.1 Hz) and its features are
//! empty. With `"input_drive": "auto"` (the default) the fit measures the mean reservoir rate
//! on a small deterministic subset of the training samples ([`CALIBRATION_SAMPLES`], drawn in
//! a shuffle of the samples sorted by path with stream `lsm_core::stream::CALIBRATION`):
//!
//! * inside the band [`BAND_HZ`] (2 to 100 Hz) nothing changes (the network is used exactly
//!   as generated or read, so the default spoken-digit pipeline is unaffected);
//! * outside it, every input weight is multiplied by one gain `g`, searched in log space
//!   toward [`TARGET_HZ`] (20 Hz): steps of ×4 (or ÷4) until the rate crosses the target,
//!   then bisection of `ln g`, stopping when the rate is within a factor 1.5 of the target or
//!   after [`MAX_PASSES`] passes (so the cost is at most `MAX_PASSES × CALIBRATION_SAMPLES`
//!   sample simulations); the gain measured closest to the target (in log rate) is kept, within
//!   `[1e-4, 1e4]`.
//!
//! A number instead of `"auto"` multiplies the input weights by that gain without any
//! measurement (`1` uses the network as generated). The gain and the measurements are kept
//! in the model's training summary, and the scaled network is what the model file embeds.

use crate::config::DigitsConfig;
use crate::error::PipelineError;
use crate::features::{Pooling, Transform};
use lsm_core::{rng_for, stream, Real};
use lsm_reservoir::NetworkSpec;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::*;

/// Training samples simulated per calibration pass.
pub const CALIBRATION_SAMPLES: usize = 16;
/// The band of mean reservoir rates (Hz) that calibration leaves alone.
pub const BAND_HZ: (f64, f64) = (2.0, 100.0);
/// The rate (Hz) calibration aims at when the network is outside the band.
pub const TARGET_HZ: f64 = 20.0;
/// At most this many calibration passes (simulations of the subset).
pub const MAX_PASSES: usize = 12;
/// Below this mean training rate (Hz) the fitted pipeline warns that the reservoir is silent.
pub const SILENT_HZ: f64 = 0.5;
/// Above this mean training rate (Hz) the fitted pipeline warns that it is saturated.
pub const SATURATED_HZ: f64 = 200.0;
/// The gains calibration may choose.
const GAIN_RANGE: (f64, f64) = (1e-4, 1e4);
/// Calibration stops when the rate is within this factor of the target.
const TOLERANCE: f64 = 1.5;

/// How the spiking reservoir's input weights are scaled: `"auto"` (calibrated on the
/// training data, see the module docs) or a fixed gain (`1`: as generated or read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DriveRepr", into = "DriveRepr")]
pub enum InputDrive {
    /// Calibrate the gain on the training data.
    #[default]
    Auto,
    /// Multiply every input weight by this gain (finite, > 0, at most 1e4).
    Gain(f64),
}

/// The JSON form of [`InputDrive`]: `"auto"` or a number.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum DriveRepr {
    Number(f64),
    Text(String),
}

impl TryFrom<DriveRepr> for InputDrive {
    type Error = String;
    fn try_from(r: DriveRepr) -> Result<Self, String> {
        match r {
            DriveRepr::Number(g) => Ok(InputDrive::Gain(g)),
            DriveRepr::Text(t) if t == "auto" => Ok(InputDrive::Auto),
            DriveRepr::Text(t) => Err(format!(
                "input_drive: expected \"auto\" or a number (the gain of the input weights), \
                 found \"{t}\""
            )),
        }
    }
}

impl From<InputDrive> for DriveRepr {
    fn from(d: InputDrive) -> Self {
        match d {
            InputDrive::Auto => DriveRepr::Text("auto".into()),
            InputDrive::Gain(g) => DriveRepr::Number(g),
        }
    }
}

impl InputDrive {
    /// Check a fixed gain.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming `input_drive`.
    pub fn validate(&self) -> Result<(), PipelineError> {
        match *self {
            InputDrive::Gain(g) if !(g.is_finite() && g > 0.0 && g <= GAIN_RANGE.1) => {
                Err(PipelineError::config(
                    "input_drive",
                    format!(
                        "expected \"auto\" or a gain in (0, {:e}], found {g}",
                        GAIN_RANGE.1
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// What the input-drive stage did: the gain applied and each calibration pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The gain applied to every input weight (1: unchanged).
    pub gain: f64,
    /// `(gain, mean reservoir rate in Hz)` of each calibration pass, in order (empty for a
    /// fixed gain).
    pub passes: Vec<(f64, f64)>,
}

/// `spec` with every input weight multiplied by `gain` (`spec` itself for a gain of 1).
pub fn scale_input(mut spec: NetworkSpec, gain: f64) -> NetworkSpec {
    if gain != 1.0 {
        spec.input.weight.iter_mut().for_each(|w| *w *= gain);
    }
    spec
}

/// Mean rate of every neuron of a network over `steps` steps of `dt_ms`, in Hz.
pub fn mean_rate_hz(spikes: u64, n_neurons: usize, steps: u64, dt_ms: Real) -> f64 {
    let neuron_s = n_neurons as f64 * steps as f64 * dt_ms * 1e-3;
    if neuron_s > 0.0 {
        spikes as f64 / neuron_s
    } else {
        0.0
    }
}

/// The warnings a mean training rate calls for (empty inside `[SILENT_HZ, SATURATED_HZ]`).
pub fn rate_warnings(rate_hz: f64) -> Vec<String> {
    if rate_hz < SILENT_HZ {
        vec![format!(
            "the reservoir is nearly silent on the training data (mean rate {rate_hz:.3} Hz, \
             below {SILENT_HZ} Hz): its features carry little; raise \"input_drive\" (or set \
             it to \"auto\") or the network's input weights"
        )]
    } else if rate_hz > SATURATED_HZ {
        vec![format!(
            "the reservoir is saturated on the training data (mean rate {rate_hz:.1} Hz, above \
             {SATURATED_HZ} Hz): its neurons fire at every chance; lower \"input_drive\" (or set \
             it to \"auto\") or the network's input weights"
        )]
    } else {
        Vec::new()
    }
}

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
    progress.start("calibrating the input drive", MAX_PASSES as u64);
    let mut passes: Vec<(f64, f64)> = Vec::new();
    let run = |g: f64, passes: &mut Vec<(f64, f64)>| -> Result<f64, PipelineError> {
        let r = measure(config, &scale_input(spec.clone(), g), &samples)?;
        passes.push((g, r));
        progress.inc(1);
        Ok(r)
    };
    let r0 = run(1.0, &mut passes)?;
    if (BAND_HZ.0..=BAND_HZ.1).contains(&r0) {
        progress.finish();
        return Ok((spec, Calibration { gain: 1.0, passes }));
    }
    let close = |r: f64| ((r + 1e-3) / TARGET_HZ).ln().abs() < TOLERANCE.ln();
    // Bracket the target: ×4 (or ÷4) steps until the rate crosses it.
    let up = r0 < TARGET_HZ;
    let (mut lo, mut hi) = (0.0f64, 0.0f64); // ln g below / above the target
    let mut g: f64 = 1.0;
    let mut r = r0;
    while passes.len() < MAX_PASSES && !close(r) && (r < TARGET_HZ) == up {
        let next = if up { g * 4.0 } else { g / 4.0 };
        if !(GAIN_RANGE.0..=GAIN_RANGE.1).contains(&next) {
            break;
        }
        if up {
            lo = next.ln() - 4f64.ln();
        } else {
            hi = next.ln() + 4f64.ln();
        }
        g = next;
        r = run(g, &mut passes)?;
    }
    if (r < TARGET_HZ) != up || close(r) {
        if up {
            hi = g.ln();
        } else {
            lo = g.ln();
        }
        // Bisection of ln g between the last gain on each side of the target.
        while passes.len() < MAX_PASSES && !close(r) {
            let mid = 0.5 * (lo + hi);
            r = run(mid.exp(), &mut passes)?;
            if r < TARGET_HZ {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    progress.finish();
    let dist = |r: f64| ((r + 1e-3) / TARGET_HZ).ln().abs();
    let best = passes
        .iter()
        .copied()
        .min_by(|a, b| dist(a.1).total_cmp(&dist(b.1)))
        .map_or(1.0, |p| p.0);
    Ok((scale_input(spec, best), Calibration { gain: best, passes }))
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
