//! The error type of lsm-pipeline.

use std::path::PathBuf;

/// Everything that can go wrong configuring, fitting, saving or loading a pipeline. Messages
/// name the file, the config field or the stage concerned and say what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A config value is out of range or inconsistent with another stage.
    #[error("config field `{field}`: {msg}")]
    Config {
        /// Dotted path of the field, e.g. `features.state.bins`.
        field: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A JSON file (config or model) could not be parsed: syntax error, truncated file,
    /// unknown or misspelt field, wrong type.
    #[error("{}: {msg}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's message (names the field and the line/column).
        msg: String,
    },
    /// The file is not an lsm model file of a known kind.
    #[error("{}: {msg}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What was found and what was expected.
        msg: String,
    },
    /// The model file was written by a newer lsm.
    #[error(
        "{}: model format version {found} is newer than this lsm supports (up to {supported}); \
         upgrade lsm to read it",
        path.display()
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Newest version this build reads.
        supported: u64,
    },
    /// Two linked stages disagree about a dimension.
    #[error("stage `{stage}`: dimension mismatch: expected {expected}, got {got} ({what})")]
    Dimension {
        /// The stage whose input does not fit (`encoder → reservoir`, `readout`...).
        stage: String,
        /// What the dimension is.
        what: String,
        /// The dimension the stage expects.
        expected: usize,
        /// The dimension it was given.
        got: usize,
    },
    /// Input data are unusable (empty split, one class only, unknown label...).
    #[error("{0}")]
    Data(String),
    /// A stage of the pipeline failed on a sample (reading, encoding, simulating).
    #[error("stage `{stage}`: {msg}")]
    Stage {
        /// The stage.
        stage: String,
        /// The underlying error, naming the file where there is one.
        msg: String,
    },
    /// I/O error on a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl PipelineError {
    /// A [`PipelineError::Stage`] from any displayable error.
    pub fn stage(stage: &str, e: impl std::fmt::Display) -> Self {
        PipelineError::Stage {
            stage: stage.to_string(),
            msg: e.to_string(),
        }
    }
    /// A [`PipelineError::Config`].
    pub fn config(field: &str, msg: impl Into<String>) -> Self {
        PipelineError::Config {
            field: field.to_string(),
            msg: msg.into(),
        }
    }
}
