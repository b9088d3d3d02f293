//! Time-series prediction with an echo state network or a spiking reservoir: config, fit,
//! evaluate, metrics, and the model file.
//!
//! # Data flow
//! 1. The series comes from a generator of [`lsm_datasets::timeseries`] (Mackey-Glass,
//!    NARMA-10, Lorenz) or a CSV file. It is cut into contiguous segments
//!    `discard | washout | train | validation | test` ([`SplitConfig`]) and every channel is
//!    scaled with statistics of the *train* segment ([`Scale`]).
//! 2. The reservoir is driven by the input channels `u(t)`, teacher forced, over the whole
//!    series in one run (no reset between segments); its per-step state `x(t)` plus, by
//!    default, the input and a constant form the readout features `[x(t); u(t); 1]`.
//! 3. A ridge readout ([`lsm_readout::GramAccumulator`], intercept, no standardisation) is
//!    fitted on the train segment (the first `washout` steps are discarded) for every α of the
//!    grid; the α with the lowest validation score of the task's own protocol is kept.
//!    With `readout.kind` = `rls` or `lms` an online readout ([`lsm_readout::OnlineReadout`])
//!    learns each training row as the reservoir produces it instead, one learner per α of
//!    the grid (`online`); the result is stored as the same [`lsm_readout::Ridge`] weights.
//! 4. The test segment is scored ([`Scores`]): MSE, NRMSE (RMSE / std of the target over the
//!    scored steps) and R².
//!
//! # Prediction modes ([`Mode`])
//! * `one-step` / `k-step`: the readout at step `t` predicts the target `horizon` steps
//!   ahead (`y(t + horizon)` for an autonomous series; `y(t + 1)` for NARMA, whose target is
//!   defined one step ahead), with the true input always fed (teacher forcing).
//! * `closed-loop`: the readout is trained one step ahead on every input channel; at test
//!   time, from `trials` evenly spaced teacher-forced states of the test segment, its output
//!   is fed back as the next input for `horizon` steps (free run). Jaeger's NRMSE-84 is the
//!   default of Mackey-Glass: `NRMSE = sqrt(mean_trials (ŷ_84 − y_84)²) / std(y)` over 100
//!   trials with `std(y)` taken over the test segment; [`FreeRunScores`] adds the NRMSE
//!   over the whole horizon and the valid prediction time. Needs an ESN or an NVAR.
//!
//! # Feedback
//! With `"feedback"` ([`FeedbackConfig`]) the readout's outputs enter the reservoir through
//! their own weights: teacher forced (with optional noise) in training and one-step scoring,
//! the readout's own output in closed loop (see `feedback`'s module doc).
//!
//! The model file stores the config, the built reservoir (every weight), the scaler and the
//! readout, with a format name and version, written atomically.

pub use crate::io::{MODEL_FORMAT, MODEL_FORMAT_VERSION};

pub(crate) use crate::PipelineError;
pub(crate) use crate::{NoProgress, Progress};

pub(crate) type Result<T> = std::result::Result<T, PipelineError>;

fn cfg_err<T>(field: &str, msg: impl Into<String>) -> Result<T> {
    Err(PipelineError::Config {
        field: field.to_string(),
        msg: msg.into(),
    })
}

mod config;
mod data;
mod drive;
mod evaluate;
mod features;
mod feedback;
mod fit;
mod force;
mod lockstep;
mod looper;
mod metrics;
mod model;
mod online;
mod pass;
mod score;
#[cfg(test)]
mod tests;
mod unsupervised;

pub use config::*;
pub use data::*;
pub use drive::{DriveReport, CALIBRATION_ROWS};
pub use evaluate::*;
pub(crate) use features::*;
pub use feedback::FeedbackConfig;
use feedback::{build_reservoir, drive_rows};
pub use fit::*;
use force::force_pass;
use looper::{Looper, SpikingStarts};
pub use lsm_reservoir::{
    Reservoir, ReservoirConfig, SpikingConfig, SpikingInput, SpikingReservoir,
};
pub use metrics::*;
pub use model::*;
use online::*;
#[allow(unused_imports)]
use pass::*;
pub use score::*;

/// The in-memory series type of [`DataSource::Series`].
pub use lsm_datasets::timeseries::TimeSeries;
