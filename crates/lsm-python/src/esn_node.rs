//! The echo state network's reservoir as a reservoirpy user expects it (`lsm.Reservoir`):
//! stateful runs, readout feedback (`fb_scaling`, `fb_connectivity`), closed-loop runs with a
//! linear readout's own output fed back, and FORCE training.

use crate::arrays::{matrix, out2, vector};
use crate::errors::{data_err, run, Cancel, IntoPy};
use crate::reservoirs::PyForce;
use lsm_readout::OnlineReadout;
use lsm_reservoir::{Esn, EsnConfig};
use ndarray::{Array2, ArrayView2};
use numpy::PyArray2;
use pyo3::prelude::*;

/// A numpy matrix returned to Python.
type Matrix<'py> = Bound<'py, PyArray2<f64>>;

/// Steps between two checks for Ctrl-C in a long run.
const CHECK_EVERY: usize = 256;

/// An echo state network's reservoir: `x(t+1) = (1−lr)·x(t) + lr·tanh(W x(t) + W_in u(t) + b)`,
/// `W` sparse (`in_degree` connections per unit) rescaled to spectral radius `sr`. Stateful
/// like reservoirpy's `Reservoir`: `run` continues from the last state; `reset` goes back to 0.
/// The weights are drawn from `seed` at the first `run` (when the input size is known).
///
/// With readout feedback (`run(X, feedback=F)`, or an `lsm.ESN(..., feedback=True)`), the
/// input of a step is `[u(t); y(t−1)]` and the feedback weights `W_fb` (units × outputs) are
/// drawn from the same seed on their own stream: each entry nonzero with probability
/// `fb_connectivity`, uniform in `[−1, 1]` times `fb_scaling` (reservoirpy's names). The same
/// seed gives the same `W_fb` as a `SeriesModel` with `"feedback"`.
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
    fb_scaling: f64,
    fb_connectivity: f64,
    /// Feedback channels of the built reservoir (0: none).
    n_fb: usize,
    esn: Option<Esn>,
    state: Vec<f64>,
}

#[pymethods]
impl PyReservoir {
    #[new]
    #[pyo3(signature = (units=400, sr=1.0, lr=1.0, input_scaling=0.5, in_degree=10, bias_scaling=0.2, input_connectivity=1.0, fb_scaling=1.0, fb_connectivity=0.1, seed=42))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        units: usize,
        sr: f64,
        lr: f64,
        input_scaling: f64,
        in_degree: usize,
        bias_scaling: f64,
        input_connectivity: f64,
        fb_scaling: f64,
        fb_connectivity: f64,
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
        lsm_reservoir::esn::check_feedback(fb_scaling, fb_connectivity).py_err()?;
        Ok(Self {
            cfg,
            seed,
            fb_scaling,
            fb_connectivity,
            n_fb: 0,
            esn: None,
            state: vec![0.0; units],
        })
    }

    /// Run over `X` (steps × inputs; 1-D is one input) from the current state; returns the
    /// states (steps × units) and keeps the last one. `feedback` (steps × outputs) is the
    /// signal fed back at each step, `y(t−1)` (teacher forcing). `reset=True` starts from 0.
    #[pyo3(signature = (X, feedback=None, reset=false, n_threads=None))]
    #[allow(non_snake_case)]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        feedback: Option<&Bound<'py, PyAny>>,
        reset: bool,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = matrix(X, "X")?;
        let fb = feedback.map(|f| matrix(f, "feedback")).transpose()?;
        let xv = x.as_array();
        let fbv = fb.as_ref().map(|f| f.as_array());
        if let Some(f) = &fbv {
            if f.nrows() != xv.nrows() {
                return Err(data_err(format!(
                    "feedback: expected one row per row of X ({}), got {}",
                    xv.nrows(),
                    f.nrows()
                )));
            }
        }
        let o = fbv.as_ref().map_or(0, |f| f.ncols());
        self.built(xv.ncols(), o, xv.nrows())?;
        if reset {
            self.reset();
        }
        let esn = self.esn.as_ref().expect("built above");
        let state = &mut self.state;
        let out = run(py, n_threads, |c| {
            let mut out = Array2::zeros((xv.nrows(), esn.n_units()));
            let (mut u, mut scratch) = (vec![0.0; esn.n_inputs()], vec![0.0; esn.n_units()]);
            let k = xv.ncols();
            for t in 0..xv.nrows() {
                check(c, t);
                fill(&mut u[..k], xv.row(t));
                if let Some(f) = &fbv {
                    fill(&mut u[k..], f.row(t));
                }
                esn.step(state, &u, &mut scratch);
                out.row_mut(t)
                    .as_slice_mut()
                    .expect("standard layout")
                    .copy_from_slice(state);
            }
            Ok(out)
        })?;
        Ok(out2(py, out))
    }

    /// Closed loop: at each step the reservoir is driven by `[u(t); y(t−1)]` and the readout
    /// `y(t) = x(t)·Wout + bias` is computed, `y(−1) = y0`. With `X`, `u(t)` is row t of `X`
    /// (the output is fed back only through the feedback weights); without, `u(t) = y(t−1)`
    /// for `n_steps` steps (autonomous generation). Returns `(states, outputs)`.
    #[pyo3(signature = (X, Wout, bias, y0, n_steps=0, reset=false, n_threads=None))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn _closed_loop<'py>(
        &mut self,
        py: Python<'py>,
        X: Option<&Bound<'py, PyAny>>,
        Wout: &Bound<'py, PyAny>,
        bias: &Bound<'py, PyAny>,
        y0: &Bound<'py, PyAny>,
        n_steps: usize,
        reset: bool,
        n_threads: Option<usize>,
    ) -> PyResult<(Matrix<'py>, Matrix<'py>)> {
        let x = X.map(|x| matrix(x, "X")).transpose()?;
        let w = matrix(Wout, "Wout")?;
        let (b, y0) = (vector(bias, "bias")?, vector(y0, "y0")?);
        let wv = w.as_array();
        let o = wv.ncols();
        if wv.nrows() != self.cfg.n_units || b.len() != o || y0.len() != o {
            return Err(data_err(format!(
                "Wout, bias, y0: expected ({}, O), (O,) and (O,), got {:?}, ({},) and ({},)",
                self.cfg.n_units,
                wv.dim(),
                b.len(),
                y0.len()
            )));
        }
        let xv = x.as_ref().map(|x| x.as_array());
        let k = xv.as_ref().map_or(o, |x| x.ncols());
        let steps = xv.as_ref().map_or(n_steps, |x| x.nrows());
        if let (None, Some(e)) = (&xv, &self.esn) {
            if e.n_inputs() != o + self.n_fb {
                return Err(data_err(format!(
                    "generation feeds the output back as the next input: the readout has {o} \
                     outputs but the reservoir {} inputs",
                    e.n_inputs() - self.n_fb
                )));
            }
        }
        let n_fb = match &self.esn {
            Some(_) => self.n_fb,
            None if xv.is_some() => o,
            None => 0,
        };
        self.built(k, n_fb, steps)?;
        if n_fb != 0 && n_fb != o {
            return Err(data_err(format!(
                "Wout: the reservoir feeds back {n_fb} outputs, the readout has {o}"
            )));
        }
        if reset {
            self.reset();
        }
        let esn = self.esn.as_ref().expect("built above");
        let state = &mut self.state;
        let (states, ys) = run(py, n_threads, |c| {
            let mut states = Array2::zeros((steps, esn.n_units()));
            let mut ys = Array2::zeros((steps, o));
            let (mut u, mut scratch) = (vec![0.0; esn.n_inputs()], vec![0.0; esn.n_units()]);
            let mut y = y0.clone();
            for t in 0..steps {
                check(c, t);
                match &xv {
                    Some(x) => fill(&mut u[..k], x.row(t)),
                    None => u[..k].copy_from_slice(&y),
                }
                if n_fb > 0 {
                    u[k..].copy_from_slice(&y);
                }
                esn.step(state, &u, &mut scratch);
                linear(state, wv, &b, &mut y);
                states.row_mut(t).assign(&ndarray::aview1(state));
                ys.row_mut(t).assign(&ndarray::aview1(&y));
            }
            Ok((states, ys))
        })?;
        Ok((out2(py, states), out2(py, ys)))
    }

    /// FORCE training (Sussillo & Abbott 2009): over `X` the reservoir is driven by
    /// `[u(t); z(t−1)]`, where `z(t−1)` is the readout's output of the step before, computed
    /// before that step's update; at every row from `warmup` on, the `readout` (an `lsm.FORCE`)
    /// learns the target row of `Y` by one RLS step. Up to and including row `warmup` the
    /// fed-back value is the true target of the row before (0 before the first row). Returns
    /// the outputs `z` (steps × outputs; rows before `warmup` are 0).
    #[pyo3(signature = (X, Y, readout, warmup=0, reset=true, n_threads=None))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn _force<'py>(
        &mut self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        Y: &Bound<'py, PyAny>,
        readout: PyRef<'py, PyForce>,
        warmup: usize,
        reset: bool,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (x, y) = (matrix(X, "X")?, matrix(Y, "Y")?);
        let (xv, yv) = (x.as_array(), y.as_array());
        crate::reservoirs::check_rows(xv.nrows(), yv.nrows(), warmup)?;
        let o = yv.ncols();
        self.built(xv.ncols(), o, xv.nrows())?;
        if self.n_fb != o {
            return Err(data_err(format!(
                "Y: the reservoir feeds back {} outputs, got {o} target columns",
                self.n_fb
            )));
        }
        if reset {
            self.reset();
        }
        let esn = self.esn.as_ref().expect("built above");
        let n = esn.n_units();
        let mut guard = readout.learner()?;
        if guard.is_none() {
            *guard = Some(readout.new_learner(n, o)?);
        }
        let learner: &mut OnlineReadout = guard.as_mut().expect("made above");
        if learner.n_features() != n || learner.n_outputs() != o {
            return Err(data_err(format!(
                "readout: it learned on {} features and {} outputs, here {n} and {o}",
                learner.n_features(),
                learner.n_outputs()
            )));
        }
        let state = &mut self.state;
        let out = run(py, n_threads, |c| {
            force_loop(c, esn, state, learner, xv, yv, warmup)
        })?;
        Ok(out2(py, out))
    }

    /// Set the state to zero.
    fn reset(&mut self) {
        self.state.iter_mut().for_each(|v| *v = 0.0);
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let me = slf.borrow();
        let state = (
            &me.cfg,
            me.seed,
            (me.fb_scaling, me.fb_connectivity, me.n_fb),
            &me.esn,
            &me.state,
        );
        crate::json::reduce(slf.as_any(), &state)
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        type State = (EsnConfig, u64, (f64, f64, usize), Option<Esn>, Vec<f64>);
        let (cfg, seed, (fb_scaling, fb_connectivity, n_fb), esn, state): State =
            crate::json::unreduce(text, "Reservoir")?;
        if state.len() != cfg.n_units || esn.as_ref().is_some_and(|e| e.n_units() != cfg.n_units) {
            return Err(data_err(
                "Reservoir: the pickled state does not fit its size",
            ));
        }
        Ok(Self {
            cfg,
            seed,
            fb_scaling,
            fb_connectivity,
            n_fb,
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
        Ok(out2(py, self.esn()?.w_dense()))
    }

    /// The input weights, units × inputs (after the first run; without the feedback columns).
    #[getter]
    #[allow(non_snake_case)]
    fn Win<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let k = self.esn()?.n_inputs() - self.n_fb;
        Ok(out2(py, self.input_columns(0..k)?))
    }

    /// The feedback weights, units × outputs (after the first run with feedback).
    #[getter]
    #[allow(non_snake_case)]
    fn Wfb<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        if self.n_fb == 0 {
            return Err(data_err("Wfb: the reservoir was built without feedback"));
        }
        let k = self.esn()?.n_inputs();
        Ok(out2(py, self.input_columns(k - self.n_fb..k)?))
    }

    /// The bias of each unit (after the first run).
    #[getter]
    fn bias<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(crate::arrays::out1(py, self.esn()?.bias().to_vec()).into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "Reservoir(units={}, sr={}, lr={}, input_scaling={}, fb_scaling={}, \
             fb_connectivity={}, seed={})",
            self.cfg.n_units,
            self.cfg.spectral_radius,
            self.cfg.leak_rate,
            self.cfg.input_scaling,
            self.fb_scaling,
            self.fb_connectivity,
            self.seed
        )
    }
}

impl PyReservoir {
    fn esn(&self) -> PyResult<&Esn> {
        self.esn
            .as_ref()
            .ok_or_else(|| data_err("the reservoir is built at its first run"))
    }

    /// Build the reservoir for `k` inputs and `n_fb` feedback channels at the first run, or
    /// check that they are those it was built for; and check the cost of `steps` steps.
    fn built(&mut self, k: usize, n_fb: usize, steps: usize) -> PyResult<()> {
        self.cfg.validate_cost(k + n_fb, steps).py_err()?;
        if let Some(e) = &self.esn {
            if e.n_inputs() != k + self.n_fb || n_fb != self.n_fb {
                return Err(data_err(format!(
                    "X, feedback: expected {} input columns and {} feedback columns (the \
                     reservoir was built for them), got {k} and {n_fb}",
                    e.n_inputs() - self.n_fb,
                    self.n_fb
                )));
            }
            return Ok(());
        }
        let mut esn = Esn::build(&self.cfg, k, self.seed).py_err()?;
        if n_fb > 0 {
            esn = esn
                .with_feedback(
                    n_fb,
                    self.cfg.input_weights,
                    self.fb_scaling,
                    self.fb_connectivity,
                    self.seed,
                )
                .py_err()?;
        }
        self.esn = Some(esn);
        self.n_fb = n_fb;
        Ok(())
    }

    /// Columns `cols` of `W_in` (feedback columns last) as a units × cols array.
    fn input_columns(&self, cols: std::ops::Range<usize>) -> PyResult<Array2<f64>> {
        let esn = self.esn()?;
        let (n, k) = (esn.n_units(), esn.n_inputs());
        let w = ArrayView2::from_shape((n, k), esn.input_weights())
            .map_err(|e| data_err(format!("Win: {e}")))?;
        Ok(w.slice(ndarray::s![.., cols]).to_owned())
    }
}

/// Stop at Ctrl-C every [`CHECK_EVERY`] steps.
fn check(c: &Cancel, t: usize) {
    if t % CHECK_EVERY == CHECK_EVERY - 1 {
        c.check();
    }
}

fn fill(dst: &mut [f64], row: ndarray::ArrayView1<'_, f64>) {
    dst.iter_mut().zip(row.iter()).for_each(|(d, v)| *d = *v);
}

/// `y = x·W + b` for one state `x`.
fn linear(x: &[f64], w: ArrayView2<'_, f64>, b: &[f64], y: &mut [f64]) {
    y.copy_from_slice(b);
    for (xi, wr) in x.iter().zip(w.rows()) {
        for (yj, wij) in y.iter_mut().zip(wr.iter()) {
            *yj += xi * wij;
        }
    }
}

/// The FORCE loop of [`PyReservoir::_force`].
fn force_loop(
    c: &Cancel,
    esn: &Esn,
    state: &mut [f64],
    learner: &mut OnlineReadout,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    warmup: usize,
) -> PyResult<Array2<f64>> {
    let (k, o) = (x.ncols(), y.ncols());
    let mut out = Array2::zeros((x.nrows(), o));
    let (mut u, mut scratch) = (vec![0.0; esn.n_inputs()], vec![0.0; esn.n_units()]);
    let mut z = vec![0.0; o];
    for t in 0..x.nrows() {
        check(c, t);
        fill(&mut u[..k], x.row(t));
        if t <= warmup && t > 0 {
            fill(&mut z, y.row(t - 1));
        }
        u[k..].copy_from_slice(&z);
        esn.step(state, &u, &mut scratch);
        if t < warmup {
            continue;
        }
        learner.predict_into(state, &mut z);
        if !z.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
            return Err(data_err(format!(
                "FORCE diverged at row {t} (output {:?}): try a larger alpha (P0 = I/alpha) \
                 or a smaller fb_scaling",
                z
            )));
        }
        out.row_mut(t).assign(&ndarray::aview1(&z));
        learner
            .learn(state, y.row(t).as_slice().expect("standard layout"))
            .py_err()?;
    }
    Ok(out)
}
