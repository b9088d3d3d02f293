//! The input drive of a spiking reservoir, scaled to the training data (`"input_drive"` in
//! the classification and time-series configs), and the warnings on a silent or saturated
//! reservoir.
//!
//! A network tuned for one kind of input can be silent or saturated under another: the
//! spoken-digit network (tuned for 32 gammatone channels rate-coded up to 400 Hz) hardly fires
//! (about 0.1 Hz) under 40 channels at 20 Hz, and its features are empty. With
//! `"input_drive": "auto"` (the default) the fit measures the mean reservoir rate on a small
//! deterministic part of the training data (the pipelines say which):
//!
//! * inside the band [`BAND_HZ`] (2 to 100 Hz) nothing changes (the network is used exactly
//!   as generated or read);
//! * outside it, every input weight is multiplied by one gain `g`, searched in log space
//!   toward [`TARGET_HZ`] (20 Hz): steps of ×4 (or ÷4) until the rate crosses the target,
//!   then bisection of `ln g`, stopping when the rate is within a factor 1.5 of the target or
//!   after [`MAX_PASSES`] passes (so the cost is at most `MAX_PASSES` simulations of the
//!   calibration data); the gain measured closest to the target (in log rate) is kept, within
//!   `[1e-4, 1e4]`, if it brings the rate at least 1.1 times closer to the target than the
//!   network as it is (else the gain stays 1).
//! * A reservoir whose rate the input does not set (bias currents, self-sustained activity)
//!   stays as it is: calibration of a network above the band stops as soon as a fourth of the
//!   drive changes its rate by less than 10 %. The warnings below say when such a network is
//!   silent or saturated.
//!
//! A number instead of `"auto"` multiplies the input weights by that gain without any
//! measurement (`1` uses the network as generated). The scaled network is what the model
//! file embeds.

use crate::digits::Progress;
use crate::error::PipelineError;
use lsm_core::Real;
use lsm_reservoir::NetworkSpec;
use serde::{Deserialize, Serialize};

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
/// A gain is kept only if it brings the rate closer to the target by at least this factor
/// (and calibration of a saturated network stops when ÷4 changes its rate by less).
const RESPONSE: f64 = 1.1;

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

/// Search the gain of the input weights (see the module docs): `measure(g)` is the mean
/// reservoir rate (Hz) on the calibration data with every input weight multiplied by `g`.
/// A fixed [`InputDrive::Gain`] is returned as it is, without measuring.
///
/// # Errors
/// The first error of `measure`.
pub fn calibrate_gain(
    drive: InputDrive,
    mut measure: impl FnMut(f64) -> Result<f64, PipelineError>,
    progress: &dyn Progress,
) -> Result<Calibration, PipelineError> {
    if let InputDrive::Gain(gain) = drive {
        return Ok(Calibration {
            gain,
            passes: Vec::new(),
        });
    }
    progress.start("calibrating the input drive", MAX_PASSES as u64);
    let mut passes: Vec<(f64, f64)> = Vec::new();
    let mut run = |g: f64, passes: &mut Vec<(f64, f64)>| -> Result<f64, PipelineError> {
        let r = measure(g)?;
        passes.push((g, r));
        progress.inc(1);
        Ok(r)
    };
    let r0 = run(1.0, &mut passes)?;
    if (BAND_HZ.0..=BAND_HZ.1).contains(&r0) {
        progress.finish();
        return Ok(Calibration { gain: 1.0, passes });
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
        // A rate that a fourth of the drive hardly lowers is not set by the input (bias
        // currents, self-sustained activity): no gain will bring it into the band. (Going up,
        // a silent network may need several steps before its first spikes: no such stop.)
        if !up && (r / r0).ln().abs() < RESPONSE.ln() {
            break;
        }
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
        .filter(|p| dist(r0) - dist(p.1) >= RESPONSE.ln())
        .map_or(1.0, |p| p.0);
    Ok(Calibration { gain: best, passes })
}
