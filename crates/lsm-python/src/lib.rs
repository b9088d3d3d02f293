//! The `lsm` Python package's native module `lsm._lsm` (PyO3, abi3 for CPython 3.9 and later).
//!
//! Everything here is a thin layer over the Rust crates: numpy arrays in and out (float32 and
//! float64, any layout, checked for shape and finiteness), configs as dicts (parsed as config
//! files are), Rust errors as Python exceptions carrying the whole cause chain, long calls
//! without the GIL on the Rust thread pool (`n_threads=`), stoppable with Ctrl-C. The Python
//! side (`python/lsm/`) adds the scikit-learn estimators, the raster plot and the stubs.

// LAPACK (the readouts' Cholesky) comes from the system OpenBLAS.
use lsm_pipeline as _;

mod arrays;
mod classify;
mod errors;
mod esn_node;
mod json;
mod network;
mod pipelines;
mod reservoirs;
mod spikes;
mod spiking;

use pyo3::prelude::*;

/// The native module; `import lsm` re-exports it.
#[pymodule]
fn _lsm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<spikes::PySpikeTrains>()?;
    m.add_function(wrap_pyfunction!(spikes::encode, m)?)?;
    m.add_function(wrap_pyfunction!(spikes::encode_audio, m)?)?;
    m.add_class::<network::PyNetwork>()?;
    m.add_class::<esn_node::PyReservoir>()?;
    m.add_class::<reservoirs::PyNvar>()?;
    m.add_class::<spiking::PySpikingReservoir>()?;
    m.add_class::<reservoirs::PyRidge>()?;
    m.add_class::<reservoirs::PyRls>()?;
    m.add_class::<reservoirs::PyLms>()?;
    m.add_class::<reservoirs::PyForce>()?;
    m.add_class::<classify::PyLogistic>()?;
    m.add_class::<pipelines::PyDigitsModel>()?;
    m.add_class::<pipelines::PySeriesModel>()?;
    m.add_function(wrap_pyfunction!(pipelines::load, m)?)?;
    m.add_function(wrap_pyfunction!(pipelines::series, m)?)?;
    m.add_function(wrap_pyfunction!(default_config, m)?)?;
    Ok(())
}

/// The default pipeline config of a task as a dict (`lsm default-config --task ...`):
/// `spoken-digits`, `spikes`, `mackey-glass`, `narma10`, `lorenz`, `csv`.
#[pyfunction]
fn default_config(py: Python<'_>, task: &str) -> PyResult<Py<PyAny>> {
    use lsm_pipeline::timeseries::{Task, TsConfig};
    let v = match task {
        "spoken-digits" => json::to_py(py, &lsm_pipeline::DigitsConfig::default())?,
        "spikes" => json::to_py(py, &lsm_pipeline::DigitsConfig::spikes(1.0))?,
        other => match Task::parse(other) {
            Some(t) => json::to_py(py, &TsConfig::default_for(t))?,
            None => {
                return Err(errors::config_err(format!(
                    "task: expected spoken-digits, spikes, mackey-glass, narma10, lorenz or csv, \
                     got \"{other}\""
                )))
            }
        },
    };
    Ok(v.unbind())
}
