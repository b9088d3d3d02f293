//! The error type of lsm-pipeline: one enum for both pipelines (spoken digits and time
//! series). Errors of the lower crates are wrapped with their source, not turned into text, so
//! a caller can match on the cause ([`PipelineError::Reservoir`], [`PipelineError::Readout`],
//! ...) and `{:#}` / [`std::error::Error::source`] gives the whole chain.

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
    /// The file is not an lsm model file of a known kind, or its contents are inconsistent.
    #[error("{}: {msg}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What was found and what was expected.
        msg: String,
    },
    /// The model file's checksum does not match its contents: the file was changed or
    /// damaged after it was written.
    #[error(
        "{}: corrupted model file: its checksum is {expected} but its contents give {found} \
         (the file was changed or damaged after lsm wrote it)",
        path.display()
    )]
    Corrupted {
        /// The file.
        path: PathBuf,
        /// The checksum stored in the file.
        expected: String,
        /// The checksum of the contents.
        found: String,
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
    /// A series too short for the split of a time-series config.
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
    /// Processing one sample (a recording) failed; the source says how.
    #[error("{}", path.display())]
    Sample {
        /// The sample's file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: Box<PipelineError>,
    },
    /// Spike data could not be read (a spike CSV: the file, line and field are named).
    #[error(transparent)]
    Core(#[from] lsm_core::CoreError),
    /// The encoder (audio front end, spike encoding) failed.
    #[error(transparent)]
    Encoding(#[from] lsm_encoding::EncodingError),
    /// The reservoir (network file, generator, simulator, ESN) failed.
    #[error(transparent)]
    Reservoir(#[from] lsm_reservoir::ReservoirError),
    /// Unsupervised plasticity of the reservoir failed.
    #[error("plasticity")]
    Plasticity(#[source] lsm_reservoir::ReservoirError),
    /// The readout failed (fitting, prediction).
    #[error("readout")]
    Readout(#[from] lsm_readout::ReadoutError),
    /// A dataset or series could not be read or generated.
    #[error(transparent)]
    Dataset(#[from] lsm_datasets::DatasetError),
    /// I/O error on a file.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A search space file: a parameter's path, distribution or value is invalid (the space
    /// file and the parameter's config path are named).
    #[error("{}: parameter `{param}`: {msg}", path.display())]
    Space {
        /// The space file.
        path: PathBuf,
        /// The parameter's config path (`network.generator.n_neurons`), or the space file's
        /// own field.
        param: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A value of a search space that the config rejects once set.
    #[error("{}: parameter `{param}` = {value}: the config rejects it", path.display())]
    SpaceValue {
        /// The space file.
        path: PathBuf,
        /// The parameter's config path.
        param: String,
        /// The value tried (JSON).
        value: String,
        /// The config's error.
        #[source]
        source: Box<PipelineError>,
    },
    /// A search results file (JSON lines) holds something unexpected.
    #[error("{}: line {line}: {msg}", path.display())]
    Results {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0: the file as a whole).
        line: usize,
        /// What was found and what was expected.
        msg: String,
    },
    /// A run failed (a closed-loop prediction diverged...).
    #[error("{0}")]
    Runtime(String),
}

impl PipelineError {
    /// A [`PipelineError::Config`].
    pub fn config(field: &str, msg: impl Into<String>) -> Self {
        PipelineError::Config {
            field: field.to_string(),
            msg: msg.into(),
        }
    }

    /// A [`PipelineError::Sample`]: `source` happened while processing `path`.
    pub fn sample(path: impl Into<PathBuf>, source: impl Into<PipelineError>) -> Self {
        PipelineError::Sample {
            path: path.into(),
            source: Box::new(source.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    /// The chain of a wrapped error: each level says its own part once, the source is
    /// reachable and matchable.
    #[test]
    fn wrapped_errors_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = PipelineError::sample(
            "a.wav",
            PipelineError::Io {
                path: "a.wav".into(),
                source: io,
            },
        );
        let mut chain = vec![e.to_string()];
        let mut s = e.source();
        while let Some(x) = s {
            chain.push(x.to_string());
            s = x.source();
        }
        assert_eq!(chain, ["a.wav", "a.wav", "gone"]);
        let r = PipelineError::from(lsm_reservoir::ReservoirError::Input("bad".into()));
        assert!(matches!(
            r,
            PipelineError::Reservoir(lsm_reservoir::ReservoirError::Input(_))
        ));
        // Transparent: the reservoir's own message, and no repetition in the chain.
        assert_eq!(r.to_string(), "simulation input: bad");
        assert!(r.source().is_none());
        let o = PipelineError::from(lsm_readout::ReadoutError::InvalidModel("x".into()));
        assert_eq!(o.to_string(), "readout");
        assert_eq!(
            o.source().map(|s| s.to_string()).as_deref(),
            Some("invalid readout model: x")
        );
    }

    fn has_autotraits<T: Send + Sync + Unpin>() {}

    #[test]
    fn autotraits() {
        has_autotraits::<PipelineError>();
    }
}
