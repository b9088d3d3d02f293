//! The spiking reservoir of analog series as a reservoirpy-style node.

use crate::arrays::{matrix, out2};
use crate::errors::{data_err, run, IntoPy};
use crate::json::from_py;
use lsm_reservoir::{SeriesReservoir, SpikingConfig, SpikingReservoir};
use numpy::PyArray2;
use pyo3::prelude::*;

/// The spiking reservoir for analog series (the time-series pipeline's `"kind": "spiking"`):
/// each sample of `X` is held for `steps_per_sample` simulator steps as input current (or
/// encoded to spikes), and the features read at the end of every sample are the neurons'
/// filtered spike traces (and optionally counts and membrane potentials). `config` is the
/// pipeline's `reservoir` object without `kind` (default: 1000 LIF neurons in the
/// input-driven regime). The network is drawn from `seed` at the first `run`; every `run`
/// starts from rest, its noise drawn from `seed`.
///
/// >>> import numpy as np, lsm
/// >>> res = lsm.SpikingReservoir({"network": {"n_neurons": 100}}, seed=1)
/// >>> S = res.run(np.sin(np.linspace(0, 6, 50)))
/// >>> S.shape, bool((S >= 0).all())
/// ((50, 100), True)
#[pyclass(module = "lsm", name = "SpikingReservoir")]
pub struct PySpikingReservoir {
    cfg: SpikingConfig,
    seed: u64,
    built: Option<SpikingReservoir>,
}

#[pymethods]
impl PySpikingReservoir {
    #[new]
    #[pyo3(signature = (config=None, seed=42))]
    fn new(config: Option<&Bound<'_, PyAny>>, seed: u64) -> PyResult<Self> {
        let cfg: SpikingConfig = match config {
            None => SpikingConfig::default(),
            Some(c) => from_py(c, "config")?,
        };
        cfg.validate().config_err()?;
        Ok(Self {
            cfg,
            seed,
            built: None,
        })
    }

    /// The features of `X` (steps × inputs) from rest: steps × features.
    #[pyo3(signature = (X, n_threads=None))]
    #[allow(non_snake_case)]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = matrix(X, "X")?;
        let xv = x.as_array();
        if self.built.is_none() {
            let (cfg, seed, k) = (&self.cfg, self.seed, xv.ncols());
            self.built = Some(run(py, None, |_| {
                SpikingReservoir::build(cfg, k, seed).py_err()
            })?);
        }
        let res = self.built.as_ref().expect("built above");
        if res.n_inputs() != xv.ncols() {
            return Err(data_err(format!(
                "X: expected {} input columns (the reservoir was built for them), got {}",
                res.n_inputs(),
                xv.ncols()
            )));
        }
        let seed = self.seed;
        let s = run(py, n_threads, |_| res.states(xv, seed).py_err())?;
        Ok(out2(py, s))
    }

    /// Number of features per sample.
    #[getter]
    fn n_features(&self) -> Option<usize> {
        self.built.as_ref().map(SpikingReservoir::n_features)
    }
}
