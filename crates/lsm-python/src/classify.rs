//! The multinomial logistic-regression readout on integer classes (`lsm.Logistic`, in
//! `python/lsm/readouts.py`, maps any labels to them).

use crate::arrays::{matrix, out2};
use crate::errors::{data_err, run, IntoPy};
use lsm_readout::{LogisticRegression, LogisticValidParams};
use numpy::PyArray2;
use pyo3::prelude::*;

/// The native half of `lsm.Logistic` (classes `0..n_classes`).
#[pyclass(module = "lsm._lsm", name = "_Logistic")]
pub struct PyLogistic {
    params: LogisticValidParams,
    model: Option<LogisticRegression>,
}

#[pymethods]
impl PyLogistic {
    #[new]
    #[pyo3(signature = (alpha=1.0, standardize=true, fit_intercept=true, max_iter=1000, tol=1e-6))]
    fn new(
        alpha: f64,
        standardize: bool,
        fit_intercept: bool,
        max_iter: u64,
        tol: f64,
    ) -> PyResult<Self> {
        let params = LogisticValidParams {
            alpha,
            standardize,
            fit_intercept,
            max_iter,
            tol,
            n_classes: None,
        };
        params.validate().py_err()?;
        Ok(Self {
            params,
            model: None,
        })
    }

    /// Fit on `X` (samples × features) and classes `y` in `0..n_classes`.
    #[pyo3(signature = (X, y, n_classes, n_threads=None))]
    #[allow(non_snake_case)]
    fn fit(
        &mut self,
        py: Python<'_>,
        X: &Bound<'_, PyAny>,
        y: Vec<usize>,
        n_classes: usize,
        n_threads: Option<usize>,
    ) -> PyResult<()> {
        let x = matrix(X, "X")?;
        let xv = x.as_array();
        if y.len() != xv.nrows() {
            return Err(data_err(format!(
                "X and y: expected one label per row ({}), got {}",
                xv.nrows(),
                y.len()
            )));
        }
        let params = LogisticValidParams {
            n_classes: Some(n_classes),
            ..self.params.clone()
        };
        let m = run(py, n_threads, |_| {
            LogisticRegression::fit_labels(xv, &y, &params).py_err()
        })?;
        self.model = Some(m);
        Ok(())
    }

    /// Class probabilities (samples × classes).
    #[allow(non_snake_case)]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = self
            .model
            .as_ref()
            .ok_or_else(|| data_err("the readout is not fitted: call fit first"))?;
        let x = matrix(X, "X")?;
        Ok(out2(py, m.predict_proba(x.as_array()).py_err()?))
    }

    /// Whether L-BFGS met the tolerance.
    #[getter]
    fn converged(&self) -> Option<bool> {
        self.model.as_ref().map(|m| m.converged)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let me = slf.borrow();
        crate::json::reduce(slf.as_any(), &(&me.params, &me.model))
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        let (params, model): (LogisticValidParams, Option<LogisticRegression>) =
            crate::json::unreduce(text, "Logistic")?;
        if let Some(m) = &model {
            m.check_model().py_err()?;
        }
        Ok(Self { params, model })
    }
}
