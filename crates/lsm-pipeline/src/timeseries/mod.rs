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
//!   trials with `std(y)` taken over the test segment. Needs an ESN reservoir.
//!
//! The model file stores the config, the built reservoir (every weight), the scaler and the
//! readout, with a format name and version, written atomically.

use lsm_datasets::timeseries::TimeSeriesError;

/// Name of the model file format (the envelope shared with the spoken-digit pipeline:
/// `format`, `format_version`, `task`).
pub const MODEL_FORMAT: &str = "lsm-model";
/// Version of the time-series model layout.
pub const MODEL_VERSION: u64 = 1;

/// Errors of the time-series pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsError {
    /// A config field is invalid.
    #[error("config field `{field}`: {msg}")]
    Config {
        /// Dotted path of the field.
        field: String,
        /// What was expected.
        msg: String,
    },
    /// Data problem (names the source).
    #[error(transparent)]
    Data(#[from] TimeSeriesError),
    /// A series too short for the split.
    #[error("{source_name}: {rows} rows, but the split needs {needed} ({detail})")]
    TooShort {
        /// File or generator.
        source_name: String,
        /// Rows available.
        rows: usize,
        /// Rows needed.
        needed: usize,
        /// How `needed` is made up.
        detail: String,
    },
    /// Spiking reservoir error.
    #[error(transparent)]
    Reservoir(#[from] lsm_reservoir::ReservoirError),
    /// Readout error.
    #[error("readout: {0}")]
    Readout(#[from] lsm_readout::ReadoutError),
    /// JSON error naming the file.
    #[error("{file}: {msg}")]
    Json {
        /// The file.
        file: String,
        /// The serde message.
        msg: String,
    },
    /// I/O error naming the file.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    /// A prediction diverged (closed loop) or another runtime failure.
    #[error("{0}")]
    Runtime(String),
}

type Result<T> = std::result::Result<T, TsError>;

fn cfg_err<T>(field: &str, msg: impl Into<String>) -> Result<T> {
    Err(TsError::Config {
        field: field.to_string(),
        msg: msg.into(),
    })
}

mod config;
mod data;
mod evaluate;
mod features;
mod fit;
mod lockstep;
mod metrics;
mod model;
mod pass;
mod score;
#[cfg(test)]
mod tests;

pub use config::*;
pub use data::*;
pub use evaluate::*;
pub(crate) use features::*;
pub use fit::*;
pub use lsm_reservoir::{
    Reservoir, ReservoirConfig, SpikingConfig, SpikingInput, SpikingReservoir,
};
pub use metrics::*;
pub use model::*;
#[allow(unused_imports)]
use pass::*;
pub use score::*;
