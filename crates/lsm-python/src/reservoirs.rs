//! Reservoirs and readouts named as a reservoirpy user expects: `NVAR` and the readouts
//! `Ridge`, `RLS`, `LMS` and `FORCE` (the echo state network's `Reservoir` is in
//! [`crate::esn_node`]).

use crate::arrays::{matrix, out2};
use crate::errors::{config_err, data_err, run, IntoPy};
use lsm_readout::{OnlineBias, OnlineReadout, OnlineRule, Ridge as RustRidge, RidgeValidParams};
use lsm_reservoir::{Nvar, NvarConfig, NvarState};
use ndarray::{s, Array2};
use numpy::PyArray2;
use pyo3::prelude::*;
use std::sync::{Mutex, MutexGuard};

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

pub(crate) fn check_rows(nx: usize, ny: usize, warmup: usize) -> PyResult<()> {
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
        let mut guard = self.lock()?;
        if guard.is_none() {
            *guard = Some(self.new_learner(xv.ncols(), yv.ncols())?);
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

    fn lock(&self) -> PyResult<MutexGuard<'_, Option<OnlineReadout>>> {
        self.learner
            .lock()
            .map_err(|_| data_err("readout poisoned"))
    }

    /// A learner of this rule for `nf` features and `o` outputs.
    fn new_learner(&self, nf: usize, o: usize) -> PyResult<OnlineReadout> {
        let bias = if self.fit_bias {
            OnlineBias::Reservoirpy
        } else {
            OnlineBias::None
        };
        OnlineReadout::new(self.rule, bias, nf, o).py_err()
    }

    fn run(&self, x: &Bound<'_, PyAny>) -> PyResult<Array2<f64>> {
        let x = matrix(x, "X")?;
        let xv = x.as_array();
        let guard = self.lock()?;
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
                let g = self.0.lock()?;
                let l = g.as_ref().ok_or_else(|| data_err("the readout has not learned yet"))?;
                Ok(out2(py, l.weights().t().to_owned()))
            }
            /// The bias per output.
            #[getter]
            fn bias<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let g = self.0.lock()?;
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
online_class!(
    PyForce,
    "FORCE",
    "FORCE readout (Sussillo & Abbott 2009): recursive least squares (`P0 = I/alpha`) that learns while its own output is fed back into the reservoir. Used in `lsm.ESN(reservoir, lsm.FORCE(), feedback=True)`, whose `fit` runs the closed-loop training; `train(X, Y)` on given states is plain RLS.\n\n>>> import numpy as np, lsm\n>>> t = np.arange(2500)\n>>> y = np.sin(2 * np.pi * t / 50)[:, None]\n>>> esn = lsm.ESN(lsm.Reservoir(units=200, sr=1.2, lr=0.3, fb_scaling=1.0, fb_connectivity=1.0, seed=3), lsm.FORCE(alpha=1.0), feedback=True)\n>>> _ = esn.fit(np.zeros((2000, 1)), y[:2000], warmup=100)\n>>> gen = esn.run(np.zeros((500, 1)))\n>>> bool(np.sqrt(np.mean((gen - y[2000:]) ** 2)) < 0.1)\nTrue",
    {
        #[new]
        #[pyo3(signature = (alpha=1e-6, forgetting=1.0, fit_bias=true))]
        fn new(alpha: f64, forgetting: f64, fit_bias: bool) -> PyResult<Self> {
            Online::new(OnlineRule::Rls { alpha, forgetting }, fit_bias).map(Self)
        }
    }
);

impl PyForce {
    /// The learner (`None` before the first training).
    pub(crate) fn learner(&self) -> PyResult<MutexGuard<'_, Option<OnlineReadout>>> {
        self.0.lock()
    }

    /// A new learner for `nf` features and `o` outputs.
    pub(crate) fn new_learner(&self, nf: usize, o: usize) -> PyResult<OnlineReadout> {
        self.0.new_learner(nf, o)
    }
}
