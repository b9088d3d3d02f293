//! numpy arrays in and out: float32 and float64, any layout, checked for shape and finiteness.

use crate::errors::data_err;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `x` as a C-contiguous float64 numpy array (no copy when it already is one), refusing
/// arrays that are not numeric.
fn as_f64<'py>(x: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = x.py();
    let np = py.import("numpy")?;
    let arr = np.call_method1("asarray", (x,))?;
    let kind: String = arr.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "f" | "i" | "u" | "b") {
        let dt: String = arr.getattr("dtype")?.str()?.extract()?;
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a numeric array (float32 or float64), got dtype {dt}"
        )));
    }
    let kw = PyDict::new(py);
    kw.set_item("dtype", np.getattr("float64")?)?;
    np.call_method("ascontiguousarray", (arr,), Some(&kw))
}

/// `x` as a 2-D float64 array (`T × K`; a 1-D array is one column), non-empty and finite.
pub fn matrix<'py>(x: &Bound<'py, PyAny>, name: &str) -> PyResult<PyReadonlyArray2<'py, f64>> {
    let mut arr = as_f64(x, name)?;
    let ndim: usize = arr.getattr("ndim")?.extract()?;
    match ndim {
        1 => arr = arr.call_method1("reshape", ((-1i64, 1i64),))?,
        2 => {}
        d => {
            return Err(data_err(format!(
                "{name}: expected a 1-D or 2-D array (time steps × features), got {d} dimensions"
            )))
        }
    }
    let a: PyReadonlyArray2<f64> = arr.extract()?;
    let (rows, cols) = (a.shape()[0], a.shape()[1]);
    if rows == 0 || cols == 0 {
        return Err(data_err(format!(
            "{name}: expected a non-empty array, got shape ({rows}, {cols})"
        )));
    }
    finite(a.as_slice()?, cols, name)?;
    Ok(a)
}

/// `x` as a 1-D float64 vector, non-empty and finite.
pub fn vector(x: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    let arr = as_f64(x, name)?;
    let ndim: usize = arr.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(data_err(format!(
            "{name}: expected a 1-D array, got {ndim} dimensions"
        )));
    }
    let a: numpy::PyReadonlyArray1<f64> = arr.extract()?;
    let v = a.as_slice()?.to_vec();
    if v.is_empty() {
        return Err(data_err(format!("{name}: expected a non-empty array")));
    }
    finite(&v, 1, name)?;
    Ok(v)
}

/// An error naming the first non-finite value of a row-major `? × cols` array.
fn finite(v: &[f64], cols: usize, name: &str) -> PyResult<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(data_err(format!(
            "{name}: expected finite values, got {} at row {}, column {}",
            v[i],
            i / cols,
            i % cols
        ))),
    }
}

/// An owned matrix as a numpy array (moved, not copied).
pub fn out2(py: Python<'_>, a: ndarray::Array2<f64>) -> Bound<'_, PyArray2<f64>> {
    PyArray2::from_owned_array(py, a)
}

/// An owned vector as a numpy array (moved, not copied).
pub fn out1<T: numpy::Element>(py: Python<'_>, v: Vec<T>) -> Bound<'_, PyArray1<T>> {
    PyArray1::from_vec(py, v)
}
