//! The one error type of `lsm-encoding`.

use std::path::PathBuf;

/// Errors of the encoders and the audio front end.
///
/// Every variant caused by user input names what was wrong (the file, the config field) and
/// what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// A configuration field is out of range or inconsistent with another one.
    #[error("invalid encoder config: field `{field}`: {msg}")]
    InvalidConfig {
        /// The field, dotted from the config root (e.g. `encoder.max_rate_hz`).
        field: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A WAV file could not be read: missing, empty, truncated, not a WAV, or a sample format
    /// that is not supported.
    #[error("{}: {msg}", path.display())]
    Wav {
        /// The file.
        path: PathBuf,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// The input signal does not fit the encoder (wrong number of channels, values out of the
    /// documented range, non-finite values...).
    #[error("invalid signal: {0}")]
    InvalidSignal(String),
    /// A JSON config could not be parsed.
    #[error("{file}: {error}")]
    Json {
        /// The file (or a description of the source).
        file: String,
        /// The serde error (with line and column), already in the message.
        error: serde_json::Error,
    },
    /// The resampler failed.
    #[error("resampling from {from_hz} Hz to {to_hz} Hz: {msg}")]
    Resample {
        /// Input rate.
        from_hz: u32,
        /// Output rate.
        to_hz: u32,
        /// The resampler's message.
        msg: String,
    },
    /// A declared size or a recording costs more than a limit allows ([`lsm_core::limits`]);
    /// the message names the field or file and how to lift the limit.
    #[error(transparent)]
    Limit(#[from] lsm_core::limits::LimitError),
    /// Spike trains, output paths or strict JSON reading failed (lsm-core).
    #[error(transparent)]
    Core(#[from] lsm_core::CoreError),
}

/// `Result` with [`EncodingError`].
pub type Result<T> = std::result::Result<T, EncodingError>;

pub(crate) fn invalid(field: impl Into<String>, msg: impl Into<String>) -> EncodingError {
    EncodingError::InvalidConfig {
        field: field.into(),
        msg: msg.into(),
    }
}

/// Check a cost against a limit; `what` names the field or file (the error converts with `?`).
pub(crate) use lsm_core::limits::check as limit;
