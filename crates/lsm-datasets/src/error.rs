//! The error type of lsm-datasets.

use std::path::PathBuf;

/// Everything that can go wrong listing and labelling a dataset. Messages name the folder or
/// file (and line and column for CSV files) and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The dataset folder does not exist or is not a folder.
    #[error("dataset folder {}: does not exist or is not a folder", path.display())]
    MissingFolder {
        /// The path given.
        path: PathBuf,
    },
    /// A `.wav` file in an FSDD-layout folder whose name is not `{label}_{speaker}_{take}.wav`.
    #[error("{}: {msg}; expected a name like `7_jackson_32.wav` ({{label}}_{{speaker}}_{{take}}.wav, take a whole number)", file.display())]
    BadFileName {
        /// The file.
        file: PathBuf,
        /// What was wrong.
        msg: String,
    },
    /// A `.wav` entry of a dataset folder that is not a readable regular file (a dangling
    /// symbolic link, a link loop, a named pipe, a device, a folder).
    #[error("{}: {msg}; expected a readable regular .wav file", file.display())]
    BadEntry {
        /// The entry.
        file: PathBuf,
        /// What it is instead.
        msg: String,
    },
    /// The folder holds no `.wav` file.
    #[error("dataset folder {}: no .wav files found", path.display())]
    NoWavFiles {
        /// The folder.
        path: PathBuf,
    },
    /// A split selected no file.
    #[error("split `{split}` of {} is empty: {detail}", source_path.display())]
    EmptySplit {
        /// The split (`train`, `test`, `all`, with held-out speakers if any).
        split: String,
        /// The folder or CSV file.
        source_path: PathBuf,
        /// Why (the rule applied).
        detail: String,
    },
    /// A requested speaker is not in the dataset.
    #[error("speaker `{speaker}` is not in {}; speakers: {}", source_path.display(), available.join(", "))]
    UnknownSpeaker {
        /// The requested speaker.
        speaker: String,
        /// The folder or CSV file.
        source_path: PathBuf,
        /// The speakers present.
        available: Vec<String>,
    },
    /// A CSV list could not be understood.
    #[error("{}: line {line}, column `{column}`: {msg}", file.display())]
    Csv {
        /// The CSV file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The column concerned (its header name, or its 1-based position).
        column: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// An operation needs information the dataset does not carry (e.g. held-out speakers or
    /// speaker folds on a CSV list without a `speaker` column).
    #[error("{}: {msg}", source_path.display())]
    Unsupported {
        /// The folder or CSV file.
        source_path: PathBuf,
        /// What is missing.
        msg: String,
    },
    /// A list file could not be read (too large, not UTF-8, missing...); the message names
    /// the file.
    #[error(transparent)]
    Read(std::io::Error),
    /// I/O error.
    #[error("{}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A generator parameter is out of its valid range.
    #[error("{generator}: parameter `{field}`: {msg}")]
    BadParam {
        /// Generator name (`mackey_glass`, `narma`, `lorenz`).
        generator: &'static str,
        /// The offending field.
        field: &'static str,
        /// What was expected.
        msg: String,
    },
    /// A generator parameter costs more than a limit allows.
    #[error("{generator}")]
    ParamLimit {
        /// Generator name.
        generator: &'static str,
        /// The limit exceeded (names the field, and how to lift the limit).
        #[source]
        source: lsm_core::limits::LimitError,
    },
    /// A generated series left the finite range (NARMA-n can diverge for some inputs).
    #[error("{generator}: the series diverged (non-finite value) at step {step}; {hint}")]
    Diverged {
        /// Generator name.
        generator: &'static str,
        /// First bad step.
        step: usize,
        /// What to change.
        hint: &'static str,
    },
    /// A time-series CSV file could not be read or understood.
    #[error("{file}: {msg}")]
    SeriesCsv {
        /// The file.
        file: String,
        /// What was wrong, with row and column when they apply.
        msg: String,
    },
    /// I/O error reading a time-series file.
    #[error("{file}")]
    SeriesIo {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    /// A field of a spike dataset's `dataset.json` (or a parameter given with it) is missing,
    /// out of range or inconsistent.
    #[error("{}: field `{field}`: {msg}", file.display())]
    Meta {
        /// The file (`dataset.json`) or folder.
        file: PathBuf,
        /// The field.
        field: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A spike dataset's `dataset.json` is not valid strict JSON of the expected shape (the
    /// message names the file, and the line and column).
    #[error(transparent)]
    Json(lsm_core::CoreError),
    /// A spike file could not be read or understood (the message names the file, the line
    /// and the field).
    #[error(transparent)]
    Spikes(#[from] lsm_core::CoreError),
    /// A declared size costs more than a limit allows.
    #[error("{}", file.display())]
    Limit {
        /// The file declaring the size.
        file: PathBuf,
        /// The limit exceeded (with how to lift it).
        #[source]
        source: lsm_core::limits::LimitError,
    },
    /// An output folder cannot be written as asked (it exists and is not empty, or is not a
    /// folder), or a sample to write is invalid.
    #[error("{}: {msg}", path.display())]
    Output {
        /// The folder or sample concerned.
        path: PathBuf,
        /// What was wrong and what was expected.
        msg: String,
    },
}

/// `Result` with [`DatasetError`].
pub type Result<T> = std::result::Result<T, DatasetError>;
