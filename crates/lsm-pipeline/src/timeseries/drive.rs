//! The input drive of a spiking reservoir on a series (`"input_drive"`; the calibration and
//! the warnings are those of [`crate::drive`]). `"auto"` measures the mean rate of the network
//! teacher forced on the washout and the first [`CALIBRATION_ROWS`] rows of the training
//! segment (from rest, as the fit runs it), so a pass costs at most
//! `(washout + CALIBRATION_ROWS) × steps_per_sample` simulator steps. An ESN has no spiking
//! drive: `input_drive` leaves it alone (its `input_scaling` is its own).

use super::*;
use crate::digits::NoProgress;
use crate::drive::{calibrate_gain, rate_warnings, scale_input};
use lsm_core::Real;
use ndarray::{s, ArrayView2};
use serde::{Deserialize, Serialize};

/// Training rows (after the washout) simulated per calibration pass.
pub const CALIBRATION_ROWS: usize = 1000;

/// What the input-drive stage did to a spiking reservoir.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriveReport {
    /// The gain applied to every input weight (1: unchanged).
    pub gain: Real,
    /// `(gain, mean rate in Hz)` of each calibration pass, in order (empty for a fixed gain).
    pub passes: Vec<(Real, Real)>,
    /// Mean rate (Hz) of the network as fitted, on the calibration rows.
    pub rate_hz: Real,
}

impl DriveReport {
    /// Warnings on a silent or saturated reservoir, naming its rate.
    pub fn warnings(&self) -> Vec<String> {
        rate_warnings(self.rate_hz)
    }
}

/// Apply `cfg.input_drive` to `res` with the scaled `inputs` of the whole series (see the
/// module docs); an ESN comes back unchanged with no report.
///
/// # Errors
/// Simulator errors, the cost limits.
pub(crate) fn apply_input_drive(
    cfg: &TsConfig,
    res: Reservoir,
    inputs: ArrayView2<Real>,
) -> Result<(Reservoir, Option<DriveReport>)> {
    let Reservoir::Spiking(mut sr) = res else {
        return Ok((res, None));
    };
    let end = (cfg.split.washout + cfg.split.train.min(CALIBRATION_ROWS)).min(inputs.nrows());
    let rows = inputs.slice(s![..end, ..]);
    let rate_at = |g: Real| -> Result<Real> {
        let mut scaled = (*sr).clone();
        scaled.spec = scale_input(scaled.spec, g);
        Ok(scaled.mean_rate_hz(rows, cfg.seed)?)
    };
    let cal = calibrate_gain(cfg.input_drive, rate_at, &NoProgress)?;
    let rate_hz = match cal.passes.iter().find(|p| p.0 == cal.gain) {
        Some(p) => p.1,
        None => rate_at(cal.gain)?,
    };
    sr.spec = scale_input(sr.spec, cal.gain);
    let report = DriveReport {
        gain: cal.gain,
        passes: cal.passes,
        rate_hz,
    };
    Ok((Reservoir::Spiking(sr), Some(report)))
}
