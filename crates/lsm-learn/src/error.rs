//! The error type of lsm-learn.

/// Everything that can go wrong training or converting a spiking network.
///
/// Messages name the parameter or the data that was wrong and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LearnError {
    /// A hyper-parameter is out of range (`name`: the field, `msg`: what was expected).
    #[error("training parameter `{name}`: {msg}")]
    InvalidParam {
        /// The parameter's field name.
        name: &'static str,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// The data do not fit the model (sizes, labels, non-finite values).
    #[error("training data: {0}")]
    Data(String),
    /// A size or an amount of work over the cost limits ([`lsm_core::limits`]).
    #[error(transparent)]
    Limit(#[from] lsm_core::limits::LimitError),
    /// An error of the spiking network (building or simulating the trained network).
    #[error("spiking network")]
    Reservoir(#[from] lsm_reservoir::ReservoirError),
}

/// Result with [`LearnError`].
pub type Result<T, E = LearnError> = std::result::Result<T, E>;
