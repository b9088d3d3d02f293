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
    /// A fitted model (read from a file) is inconsistent: arrays of the wrong size, zero or
    /// negative feature scales, non-finite numbers.
    #[error("invalid readout model: {0}")]
    InvalidModel(String),
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
    /// A fit or a prediction produced a NaN or an infinite number from finite input: a
    /// hyper-parameter (e.g. a huge penalty) or the scale of the data is beyond what floating
    /// point represents. Raised instead of returning a model or a result with such numbers.
    #[error("{what} is {value}, expected a finite number: {hint}")]
    NonFiniteResult {
        /// Which array and entry (e.g. "`weights[3][0]` of the fitted ridge model").
        what: String,
        /// The value.
        value: f64,
        /// Which parameter or input is out of range and what to do.
        hint: String,
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
    #[error("linear algebra")]
    Linalg(#[from] ndarray_linalg::error::LinalgError),
    /// An error from linfa (dataset handling).
    #[error("linfa")]
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

/// Check the arrays of a linear model (`weights`: features × outputs, one `intercept` per
/// output, one `x_mean` / `x_scale` per feature): consistent sizes, every number finite,
/// scales > 0 and `alpha` finite and >= 0. Loaded model files go through this before use.
pub(crate) fn check_linear_model<'a>(
    weights: ndarray::ArrayView2<'a, f64>,
    intercept: ndarray::ArrayView1<'a, f64>,
    x_mean: ndarray::ArrayView1<'a, f64>,
    x_scale: ndarray::ArrayView1<'a, f64>,
    alpha: f64,
) -> Result<()> {
    let (f, o) = weights.dim();
    let bad = |m: String| Err(ReadoutError::InvalidModel(m));
    if f == 0 || o == 0 {
        return bad(format!(
            "`weights` is {f} × {o}, expected at least one feature and one output"
        ));
    }
    for (name, len, want, per) in [
        ("intercept", intercept.len(), o, "output"),
        ("x_mean", x_mean.len(), f, "feature"),
        ("x_scale", x_scale.len(), f, "feature"),
    ] {
        if len != want {
            return bad(format!(
                "`{name}` has {len} values, expected {want} (one per {per} of the {f} × {o} `weights`)"
            ));
        }
    }
    for (name, a) in [
        ("intercept", intercept),
        ("x_mean", x_mean),
        ("x_scale", x_scale),
    ] {
        if let Some((i, v)) = a.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return bad(format!("`{name}[{i}]` is {v}, expected a finite number"));
        }
    }
    if let Some(((r, c), v)) = weights.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return bad(format!(
            "`weights[{r}][{c}]` is {v}, expected a finite number"
        ));
    }
    if let Some((i, v)) = x_scale.iter().enumerate().find(|(_, v)| **v <= 0.0) {
        return bad(format!("`x_scale[{i}]` is {v}, expected a scale > 0"));
    }
    if !(alpha.is_finite() && alpha >= 0.0) {
        return bad(format!("`alpha` is {alpha}, expected a finite number >= 0"));
    }
    Ok(())
}

/// The first non-finite entry of `a`, with its index.
pub(crate) fn first_non_finite(a: ndarray::ArrayView2<'_, f64>) -> Option<((usize, usize), f64)> {
    a.indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(i, &v)| (i, v))
}

/// The last line of defence after a fit: every weight and intercept of the fitted model
/// (`model` names it in the error) is finite, else [`ReadoutError::NonFiniteResult`] naming
/// the entry and the penalty `alpha` that produced it.
pub(crate) fn check_fitted(
    weights: ndarray::ArrayView2<'_, f64>,
    intercept: ndarray::ArrayView1<'_, f64>,
    alpha: f64,
    model: &str,
) -> Result<()> {
    let hint = || {
        format!(
            "fitting the {model} with alpha = {alpha} overflowed; use a smaller penalty \
             (or a smaller solver tolerance) or rescale the features"
        )
    };
    if let Some(((r, c), value)) = first_non_finite(weights) {
        return Err(ReadoutError::NonFiniteResult {
            what: format!("`weights[{r}][{c}]` of the fitted {model}"),
            value,
            hint: hint(),
        });
    }
    if let Some(((_, c), value)) = first_non_finite(intercept.insert_axis(ndarray::Axis(0))) {
        return Err(ReadoutError::NonFiniteResult {
            what: format!("`intercept[{c}]` of the fitted {model}"),
            value,
            hint: hint(),
        });
    }
    Ok(())
}

/// Every output (`what`: "ridge prediction", "class score") of a model on finite input is
/// finite, else [`ReadoutError::NonFiniteResult`] naming the sample.
pub(crate) fn check_output(out: ndarray::ArrayView2<'_, f64>, what: &str) -> Result<()> {
    match first_non_finite(out) {
        None => Ok(()),
        Some(((r, c), value)) => Err(ReadoutError::NonFiniteResult {
            what: format!("{what} [{c}] of sample {r}"),
            value,
            hint: "the input features are too large for the model (overflow); check the \
                   input's scale"
                .into(),
        }),
    }
}

/// The sums of products a ridge fit solves from (`gram`: the Gram matrix or kernel) are finite,
/// else [`ReadoutError::NonFiniteResult`]: finite features whose squares overflow.
pub(crate) fn check_sums(gram: ndarray::ArrayView2<'_, f64>, what: &str) -> Result<()> {
    match first_non_finite(gram) {
        None => Ok(()),
        Some(((r, c), value)) => Err(ReadoutError::NonFiniteResult {
            what: format!("{what} [{r}][{c}]"),
            value,
            hint: "the features are too large to be squared and summed (|x| above about 1e150); \
                   rescale the features"
                .into(),
        }),
    }
}
