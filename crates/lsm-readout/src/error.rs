//! The error type of lsm-readout.

/// Everything that can go wrong fitting or using a readout.
///
/// Messages name the parameter or the data that was wrong and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadoutError {
    /// A hyper-parameter is out of range (`name`: the field, `msg`: what was expected).
    #[error("readout parameter `{name}`: {msg}")]
    InvalidParam {
        /// The parameter's field name.
        name: &'static str,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// Two arrays disagree in size.
    #[error("dimension mismatch in {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// Which array or axis.
        what: String,
        /// Expected size.
        expected: usize,
        /// Actual size.
        got: usize,
    },
    /// A NaN or infinite value was found in the input.
    #[error("non-finite value ({value}) in {what} at row {row}, column {col}")]
    NonFinite {
        /// Which array.
        what: &'static str,
        /// Row (sample) index.
        row: usize,
        /// Column (feature / output) index.
        col: usize,
        /// The value.
        value: f64,
    },
    /// Not enough samples to fit (e.g. an empty accumulator, or a fold with no training data).
    #[error("not enough samples: {0}")]
    NotEnoughSamples(String),
    /// The linear system is singular or not positive definite (e.g. alpha = 0 with collinear
    /// or constant features): use a positive `alpha`.
    #[error("singular system: {0}; use a positive alpha")]
    Singular(String),
    /// A class label outside `0..n_classes`, or fewer than two classes.
    #[error("class labels: {0}")]
    Labels(String),
    /// The optimiser (logistic regression) failed.
    #[error("optimiser: {0}")]
    Optimizer(String),
    /// A LAPACK routine failed.
    #[error("linear algebra: {0}")]
    Linalg(#[from] ndarray_linalg::error::LinalgError),
    /// An error from linfa (dataset handling).
    #[error("linfa: {0}")]
    Linfa(#[from] linfa::Error),
}

/// `Result` with [`ReadoutError`].
pub type Result<T> = std::result::Result<T, ReadoutError>;

/// Check that every entry of `a` is finite; `what` names the array in the error.
pub(crate) fn check_finite2(a: ndarray::ArrayView2<'_, f64>, what: &'static str) -> Result<()> {
    for ((row, col), &value) in a.indexed_iter() {
        if !value.is_finite() {
            return Err(ReadoutError::NonFinite {
                what,
                row,
                col,
                value,
            });
        }
    }
    Ok(())
}

/// Check that every entry of `a` is finite; `row` is reported in the error.
pub(crate) fn check_finite1(
    a: ndarray::ArrayView1<'_, f64>,
    what: &'static str,
    row: usize,
) -> Result<()> {
    for (col, &value) in a.indexed_iter() {
        if !value.is_finite() {
            return Err(ReadoutError::NonFinite {
                what,
                row,
                col,
                value,
            });
        }
    }
    Ok(())
}
