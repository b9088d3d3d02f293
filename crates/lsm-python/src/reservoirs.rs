//! Reservoirs and readouts named as a reservoirpy user expects: `Reservoir` (the echo state
//! network's reservoir), `NVAR`, and the readouts `Ridge`, `RLS`, `LMS`.

use crate::arrays::{matrix, out2};
use crate::errors::{config_err, data_err, run, IntoPy};
use lsm_readout::{OnlineBias, OnlineReadout, OnlineRule, Ridge as RustRidge, RidgeValidParams};
use lsm_reservoir::{Esn, EsnConfig, Nvar, NvarConfig, NvarState};
use ndarray::{s, Array2};
use numpy::PyArray2;
use pyo3::prelude::*;
use std::sync::Mutex;

/// An echo state network's reservoir: `x(t+1) = (1−lr)·x(t) + lr·tanh(W x(t) + W_in u(t) + b)`,
/// `W` sparse (`in_degree` connections per unit) rescaled to spectral radius `sr`. Stateful
/// like reservoirpy's `Reservoir`: `run` continues from the last state; `reset` goes back to 0.
/// The weights are drawn from `seed` at the first `run` (when the input size is known).
///
/// >>> import numpy as np, lsm
/// >>> res = lsm.Reservoir(units=100, sr=0.9, lr=0.5, seed=1)
/// >>> X = np.sin(np.linspace(0, 20, 300))[:, None]
/// >>> states = res.run(X)
/// >>> states.shape
/// (300, 100)
/// >>> bool(np.allclose(lsm.Reservoir(units=100, sr=0.9, lr=0.5, seed=1).run(X), states))
/// True
#[pyclass(module = "lsm", name = "Reservoir")]
pub struct PyReservoir {
    cfg: EsnConfig,
    seed: u64,
    esn: Option<Esn>,
    state: Vec<f64>,
}

#[pymethods]
impl PyReservoir {
    #[new]
    #[pyo3(signature = (units=400, sr=1.0, lr=1.0, input_scaling=0.5, in_degree=10, bias_scaling=0.2, input_connectivity=1.0, seed=42))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        units: usize,
        sr: f64,
        lr: f64,
        input_scaling: f64,
        in_degree: usize,
        bias_scaling: f64,
        input_connectivity: f64,
        seed: u64,
    ) -> PyResult<Self> {
        let cfg = EsnConfig {
            n_units: units,
            in_degree: in_degree.min(units),
            spectral_radius: sr,
            input_scaling,
            bias_scaling,
            leak_rate: lr,
            input_connectivity,
            ..EsnConfig::default()
        };
        cfg.validate().py_err()?;
        Ok(Self {
            cfg,
            seed,
            esn: None,
            state: vec![0.0; units],
        })
    }

    /// Run over `X` (steps × inputs; 1-D is one input) from the current state; returns the
    /// states (steps × units) and keeps the last one. `reset=True` starts from 0.
    #[pyo3(signature = (X, reset=false, n_threads=None))]
    #[allow(non_snake_case)]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        reset: bool,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = matrix(X, "X")?;
        let xv = x.as_array();
        let k = xv.ncols();
        if self.esn.is_none() {
            self.esn = Some(Esn::build(&self.cfg, k, self.seed).py_err()?);
        }
        let esn = self.esn.as_ref().expect("built above");
        if esn.n_inputs() != k {
            return Err(data_err(format!(
                "X: expected {} input columns (the reservoir was built for them), got {k}",
                esn.n_inputs()
            )));
        }
        self.cfg.validate_cost(k, xv.nrows()).py_err()?;
        if reset {
            self.state.iter_mut().for_each(|v| *v = 0.0);
        }
        let state = &mut self.state;
        let out = run(py, n_threads, |_| {
            let mut out = Array2::zeros((xv.nrows(), esn.n_units()));
            esn.run_into(xv, state, out.view_mut(), 0.0, None)
                .py_err()?;
            Ok(out)
        })?;
        Ok(out2(py, out))
    }

    /// Set the state to zero.
    fn reset(&mut self) {
        self.state.iter_mut().for_each(|v| *v = 0.0);
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let me = slf.borrow();
        let state = (&me.cfg, me.seed, &me.esn, &me.state);
        crate::json::reduce(slf.as_any(), &state)
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        let (cfg, seed, esn, state): (EsnConfig, u64, Option<Esn>, Vec<f64>) =
            crate::json::unreduce(text, "Reservoir")?;
        Ok(Self {
            cfg,
            seed,
            esn,
            state,
        })
    }

    /// The current state (a copy).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        crate::arrays::out1(py, self.state.clone()).into_any()
    }

    /// Number of units.
    #[getter]
    fn units(&self) -> usize {
        self.cfg.n_units
    }

    /// The recurrent weights as a dense units × units array (after the first run).
    #[getter]
    #[allow(non_snake_case)]
    fn W<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let esn = self
            .esn
            .as_ref()
            .ok_or_else(|| data_err("W: the reservoir is built at its first run"))?;
        Ok(out2(py, esn.w_dense()))
    }

    /// The input weights, units × inputs (after the first run).
    #[getter]
    #[allow(non_snake_case)]
    fn Win<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (w_in, _) = self.input_and_bias()?;
        let k = w_in.len() / self.cfg.n_units;
        let a = Array2::from_shape_vec((self.cfg.n_units, k), w_in)
            .map_err(|e| data_err(format!("Win: {e}")))?;
        Ok(out2(py, a))
    }

    /// The bias of each unit (after the first run).
    #[getter]
    fn bias<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(crate::arrays::out1(py, self.input_and_bias()?.1).into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "Reservoir(units={}, sr={}, lr={}, input_scaling={}, seed={})",
            self.cfg.n_units,
            self.cfg.spectral_radius,
            self.cfg.leak_rate,
            self.cfg.input_scaling,
            self.seed
        )
    }
}

impl PyReservoir {
    /// `(w_in, bias)` of the built reservoir, from its serialised form.
    fn input_and_bias(&self) -> PyResult<(Vec<f64>, Vec<f64>)> {
        let esn = self
            .esn
            .as_ref()
            .ok_or_else(|| data_err("the reservoir is built at its first run"))?;
        let v = serde_json::to_value(esn).map_err(|e| data_err(e.to_string()))?;
        let get = |k: &str| -> PyResult<Vec<f64>> {
            serde_json::from_value(v[k].clone()).map_err(|e| data_err(format!("{k}: {e}")))
        };
        Ok((get("w_in")?, get("bias")?))
    }
}

/// Next-generation reservoir computing (Gauthier et al. 2021): the input and `delay − 1`
/// delayed copies `strides` apart, then their monomials of degree `order` (reservoirpy's
/// `NVAR`). Stateful: `run` continues the delay line.
///
/// >>> import numpy as np, lsm
/// >>> nvar = lsm.NVAR(delay=2, order=2, strides=1)
/// >>> nvar.run(np.arange(8.0).reshape(4, 2)).shape
/// (4, 14)
#[pyclass(module = "lsm", name = "NVAR")]
pub struct PyNvar {
    cfg: NvarConfig,
    nvar: Option<(Nvar, NvarState)>,
}

#[pymethods]
impl PyNvar {
    #[new]
    #[pyo3(signature = (delay=2, order=2, strides=1))]
    fn new(delay: usize, order: usize, strides: usize) -> PyResult<Self> {
        let cfg = NvarConfig {
            delay,
            order,
            strides,
        };
        cfg.validate().py_err()?;
        Ok(Self { cfg, nvar: None })
    }

    /// The features of `X` (steps × inputs), continuing the delay line of earlier calls.
    #[allow(non_snake_case)]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = matrix(X, "X")?;
        let xv = x.as_array();
        if self.nvar.is_none() {
            self.cfg.validate_cost(xv.ncols()).py_err()?;
            let n = Nvar::build(&self.cfg, xv.ncols()).py_err()?;
            let st = n.new_state();
            self.nvar = Some((n, st));
        }
        let (n, st) = self.nvar.as_mut().expect("built above");
        if n.n_inputs() != xv.ncols() {
            return Err(data_err(format!(
                "X: expected {} input columns, got {}",
                n.n_inputs(),
                xv.ncols()
            )));
        }
        let out = run(py, None, |_| {
            let mut out = Array2::zeros((xv.nrows(), n.n_features()));
            for (t, row) in xv.rows().into_iter().enumerate() {
                n.push(st, row.as_slice().expect("contiguous rows"));
                n.features(st, out.row_mut(t).as_slice_mut().expect("contiguous rows"));
            }
            Ok(out)
        })?;
        Ok(out2(py, out))
    }

    /// Clear the delay line.
    fn reset(&mut self) {
        if let Some((n, st)) = self.nvar.as_mut() {
            *st = n.new_state();
        }
    }
}

/// Ridge regression readout `y = X W + b` (reservoirpy's `Ridge`: penalty `ridge`, no
/// standardisation). `fit` drops the first `warmup` rows.
///
/// >>> import numpy as np, lsm
/// >>> X = np.random.default_rng(0).normal(size=(200, 3))
/// >>> Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 3.0
/// >>> r = lsm.Ridge(ridge=1e-9).fit(X, Y)
/// >>> bool(np.allclose(r.Wout.ravel(), [1.0, -2.0, 0.5])), round(float(r.bias[0]), 6)
/// (True, 3.0)
#[pyclass(module = "lsm", name = "Ridge")]
pub struct PyRidge {
    ridge: f64,
    fit_bias: bool,
    pub model: Option<RustRidge>,
}

#[pymethods]
impl PyRidge {
    #[new]
    #[pyo3(signature = (ridge=0.0, fit_bias=true))]
    fn new(ridge: f64, fit_bias: bool) -> PyResult<Self> {
        if !(ridge.is_finite() && ridge >= 0.0) {
            return Err(config_err(format!(
                "ridge: expected a number >= 0, got {ridge}"
            )));
        }
        Ok(Self {
            ridge,
            fit_bias,
            model: None,
        })
    }

    /// Fit on states `X` (steps × features) and targets `Y` (steps × outputs), dropping the
    /// first `warmup` rows. Returns self.
    #[pyo3(signature = (X, Y, warmup=0))]
    #[allow(non_snake_case)]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        X: &Bound<'py, PyAny>,
        Y: &Bound<'py, PyAny>,
        warmup: usize,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let (x, y) = (matrix(X, "X")?, matrix(Y, "Y")?);
        let (xv, yv) = (x.as_array(), y.as_array());
        check_rows(xv.nrows(), yv.nrows(), warmup)?;
        let params = RidgeValidParams {
            alpha: slf.ridge,
            fit_intercept: slf.fit_bias,
            standardize: false,
            ..RidgeValidParams::default()
        };
        let m = run(py, None, |_| {
            RustRidge::fit_matrix(
                xv.slice(s![warmup.., ..]),
                yv.slice(s![warmup.., ..]),
                &params,
            )
            .py_err()
        })?;
        slf.model = Some(m);
        Ok(slf)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let me = slf.borrow();
        crate::json::reduce(slf.as_any(), &(me.ridge, me.fit_bias, &me.model))
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        let (ridge, fit_bias, model): (f64, bool, Option<RustRidge>) =
            crate::json::unreduce(text, "Ridge")?;
        if let Some(m) = &model {
            m.check_model().py_err()?;
        }
        Ok(Self {
            ridge,
            fit_bias,
            model,
        })
    }

    /// Predictions `X W + b` (steps × outputs).
    #[allow(non_snake_case)]
    fn run<'py>(
        &self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = self.fitted()?;
        let x = matrix(X, "X")?;
        let y = m.predict(x.as_array()).py_err()?;
        Ok(out2(py, y))
    }

    /// The weights (features × outputs).
    #[getter]
    #[allow(non_snake_case)]
    fn Wout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        Ok(out2(py, self.fitted()?.weights.clone()))
    }

    /// The bias per output.
    #[getter]
    fn bias<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(crate::arrays::out1(py, self.fitted()?.intercept.to_vec()).into_any())
    }
}

impl PyRidge {
    fn fitted(&self) -> PyResult<&RustRidge> {
        self.model
            .as_ref()
            .ok_or_else(|| data_err("the readout is not fitted: call fit first"))
    }
}

fn check_rows(nx: usize, ny: usize, warmup: usize) -> PyResult<()> {
    if nx != ny {
        return Err(data_err(format!(
            "X and Y: expected the same number of rows, got {nx} and {ny}"
        )));
    }
    if warmup >= nx {
        return Err(data_err(format!(
            "warmup: expected fewer than the {nx} rows, got {warmup}"
        )));
    }
    Ok(())
}

/// An online readout that learns one step at a time (reservoirpy's `RLS` and `LMS`; memory
/// independent of the series length). `train(X, Y)` learns row by row and returns the
/// predictions made before each update; `run(X)` predicts without learning.
struct Online {
    rule: OnlineRule,
    fit_bias: bool,
    learner: Mutex<Option<OnlineReadout>>,
}

impl Online {
    fn new(rule: OnlineRule, fit_bias: bool) -> PyResult<Self> {
        rule.validate().py_err()?;
        Ok(Self {
            rule,
            fit_bias,
            learner: Mutex::new(None),
        })
    }

    fn train(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
    ) -> PyResult<Array2<f64>> {
        let (x, y) = (matrix(x, "X")?, matrix(y, "Y")?);
        let (xv, yv) = (x.as_array(), y.as_array());
        check_rows(xv.nrows(), yv.nrows(), 0)?;
        let mut guard = self
            .learner
            .lock()
            .map_err(|_| data_err("readout poisoned"))?;
        if guard.is_none() {
            let bias = if self.fit_bias {
                OnlineBias::Reservoirpy
            } else {
                OnlineBias::None
            };
            *guard = Some(OnlineReadout::new(self.rule, bias, xv.ncols(), yv.ncols()).py_err()?);
        }
        let l = guard.as_mut().expect("made above");
        if l.n_features() != xv.ncols() || l.n_outputs() != yv.ncols() {
            return Err(data_err(format!(
                "X, Y: expected {} and {} columns, got {} and {}",
                l.n_features(),
                l.n_outputs(),
                xv.ncols(),
                yv.ncols()
            )));
        }
        run(py, None, |_| {
            let mut out = Array2::zeros(yv.dim());
            for t in 0..xv.nrows() {
                let (xr, yr) = (xv.row(t), yv.row(t));
                let (xs, ys) = (
                    xr.as_slice().expect("contiguous"),
                    yr.as_slice().expect("contiguous"),
                );
                l.predict_into(xs, out.row_mut(t).as_slice_mut().expect("contiguous"));
                l.learn(xs, ys).py_err()?;
            }
            Ok(out)
        })
    }

    fn run(&self, x: &Bound<'_, PyAny>) -> PyResult<Array2<f64>> {
        let x = matrix(x, "X")?;
        let xv = x.as_array();
        let guard = self
            .learner
            .lock()
            .map_err(|_| data_err("readout poisoned"))?;
        let l = guard
            .as_ref()
            .ok_or_else(|| data_err("the readout has not learned yet: call train first"))?;
        if l.n_features() != xv.ncols() {
            return Err(data_err(format!(
                "X: expected {} columns, got {}",
                l.n_features(),
                xv.ncols()
            )));
        }
        let mut out = Array2::zeros((xv.nrows(), l.n_outputs()));
        for t in 0..xv.nrows() {
            l.predict_into(
                xv.row(t).as_slice().expect("contiguous"),
                out.row_mut(t).as_slice_mut().expect("contiguous"),
            );
        }
        Ok(out)
    }
}

macro_rules! online_class {
    ($name:ident, $pyname:literal, $doc:literal, { $($ctor:tt)* }) => {
        #[doc = $doc]
        #[pyclass(module = "lsm", name = $pyname)]
        pub struct $name(Online);

        #[pymethods]
        impl $name {
            $($ctor)*

            /// Learn row by row on `X` (steps × features) and `Y` (steps × outputs);
            /// returns the predictions made before each update.
            #[allow(non_snake_case)]
            fn train<'py>(
                &self,
                py: Python<'py>,
                X: &Bound<'py, PyAny>,
                Y: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyArray2<f64>>> {
                Ok(out2(py, self.0.train(py, X, Y)?))
            }
            /// Predictions without learning.
            #[allow(non_snake_case)]
            fn run<'py>(&self, py: Python<'py>, X: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f64>>> {
                Ok(out2(py, self.0.run(X)?))
            }
            /// The weights (features × outputs).
            #[getter]
            #[allow(non_snake_case)]
            fn Wout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
                let g = self.0.learner.lock().map_err(|_| data_err("readout poisoned"))?;
                let l = g.as_ref().ok_or_else(|| data_err("the readout has not learned yet"))?;
                Ok(out2(py, l.weights().t().to_owned()))
            }
            /// The bias per output.
            #[getter]
            fn bias<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let g = self.0.learner.lock().map_err(|_| data_err("readout poisoned"))?;
                let l = g.as_ref().ok_or_else(|| data_err("the readout has not learned yet"))?;
                Ok(crate::arrays::out1(py, l.bias().to_vec()).into_any())
            }
        }
    };
}

online_class!(
    PyRls,
    "RLS",
    "Recursive least squares readout (reservoirpy's `RLS`: `P0 = I/alpha`, forgetting factor).\n\n>>> import numpy as np, lsm\n>>> X = np.random.default_rng(0).normal(size=(300, 2))\n>>> r = lsm.RLS(alpha=1e-6, fit_bias=False)\n>>> _ = r.train(X, X @ np.array([[2.0], [-1.0]]))\n>>> bool(np.allclose(r.Wout.ravel(), [2.0, -1.0], atol=1e-3))\nTrue",
    {
        #[new]
        #[pyo3(signature = (alpha=1e-6, forgetting=1.0, fit_bias=true))]
        fn new(alpha: f64, forgetting: f64, fit_bias: bool) -> PyResult<Self> {
            Online::new(OnlineRule::Rls { alpha, forgetting }, fit_bias).map(Self)
        }
    }
);
online_class!(
    PyLms,
    "LMS",
    "Least mean squares readout (reservoirpy's `LMS`: learning rate).\n\n>>> import numpy as np, lsm\n>>> X = np.random.default_rng(0).normal(size=(3000, 2))\n>>> r = lsm.LMS(learning_rate=0.05)\n>>> _ = r.train(X, X @ np.array([[2.0], [-1.0]]))\n>>> bool(np.allclose(r.Wout.ravel(), [2.0, -1.0], atol=1e-2))\nTrue",
    {
        #[new]
        #[pyo3(signature = (learning_rate=1e-6, fit_bias=true))]
        fn new(learning_rate: f64, fit_bias: bool) -> PyResult<Self> {
            Online::new(OnlineRule::Lms { learning_rate }, fit_bias).map(Self)
        }
    }
);
