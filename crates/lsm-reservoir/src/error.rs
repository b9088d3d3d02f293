//! The error type of lsm-reservoir.

/// Errors of network files, generator configs and simulation inputs.
///
/// Every variant names what was wrong and what was expected; file errors name the file and
/// the JSON field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReservoirError {
    /// A field of a network file (or of an in-memory [`crate::NetworkSpec`]) is invalid.
    #[error("{file}: field `{field}`: {msg}")]
    Field {
        /// The file, or `<network>` for an in-memory spec.
        file: String,
        /// The JSON path of the field, e.g. `recurrent.post[17]`.
        field: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A NIR graph cannot be mapped to (or from) one lsm network: the node and why.
    #[error("{file}: NIR node `{node}`: {msg}")]
    Nir {
        /// The file (or `<nir graph>` for an in-memory graph).
        file: String,
        /// The node name (`edges` or `metadata` for the graph's own fields).
        node: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// The file is not valid JSON or does not have the expected structure.
    #[error("{file}: {msg}")]
    Json {
        /// The file.
        file: String,
        /// The parser's message (it names the line, column and field).
        msg: String,
    },
    /// Reading or writing a file failed.
    #[error("{file}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    /// A config field is invalid (network generator, echo state network, spiking reservoir).
    #[error("{what} config: field `{field}`: {msg}")]
    Config {
        /// Which config: `generator`, `esn`, `spiking reservoir`.
        what: &'static str,
        /// The field, e.g. `topology.p`.
        field: String,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// A simulation input (drive, record spec, workspace, series) does not fit the network.
    #[error("simulation input: {0}")]
    Input(String),
    /// An eigenvalue computation (spectral radius) failed.
    #[error("computing the spectral radius failed: {0}")]
    Eigen(String),
    /// Encoding an analog series into spikes failed.
    #[error("encoding the series")]
    Encoding(#[from] lsm_encoding::EncodingError),
    /// A declared size costs more than a limit allows ([`lsm_core::limits`]); the message
    /// names the file or field and how to lift the limit.
    #[error(transparent)]
    Limit(#[from] lsm_core::limits::LimitError),
    /// Strict JSON reading failed (duplicate key, not an object at the top level...).
    #[error(transparent)]
    Core(#[from] lsm_core::CoreError),
}

/// Result alias of this crate.
pub type Result<T, E = ReservoirError> = std::result::Result<T, E>;

pub(crate) fn field_err(
    file: &str,
    field: impl Into<String>,
    msg: impl Into<String>,
) -> ReservoirError {
    ReservoirError::Field {
        file: file.to_string(),
        field: field.into(),
        msg: msg.into(),
    }
}

/// Check a cost against a limit; `what` names the file and field (the error converts with `?`).
pub(crate) use lsm_core::limits::check as limit;

pub(crate) fn config_err(field: impl Into<String>, msg: impl Into<String>) -> ReservoirError {
    ReservoirError::Config {
        what: "generator",
        field: field.into(),
        msg: msg.into(),
    }
}

/// A whole JSON object of type `T` read strictly ([`lsm_core::json::from_object_slice`]: no
/// duplicate keys, an object at the top); serde's errors become [`ReservoirError::Json`]
/// with `invalid {what}: ...`.
pub(crate) fn from_json_object<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    what: &str,
) -> Result<T> {
    use lsm_core::CoreError;
    lsm_core::json::from_object_slice(text.as_bytes(), file).map_err(|e| match e {
        CoreError::Invalid { file, source } => ReservoirError::Json {
            file,
            msg: format!("invalid {what}: {source}"),
        },
        e => e.into(),
    })
}
