//! The two pipelines with their model files: spoken digits / spike patterns (classification)
//! and time series (regression, generation). The scikit-learn estimators of
//! `python/lsm/sklearn.py` are built on these.

use crate::arrays::{matrix, out2, vector};
use crate::errors::{config_err, data_err, run, IntoPy};
use crate::json::{to_json_text, to_py};
use crate::spikes::PySpikeTrains;
use lsm_pipeline::timeseries::{
    self, DataSource, PredictMode, Task, TimeSeries, TsConfig, TsModel,
};
use lsm_pipeline::{DigitsConfig, DigitsPipeline, Sample};
use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Python objects as pipeline samples: a path (a WAV file, or a spike CSV with spike input),
/// a `SpikeTrains`, or a 1-D array of audio samples at `sample_rate` Hz. In-memory samples are
/// named `sample-<i>` (their encoder noise stream follows the name, as a file's follows its
/// file name) unless `names` are given.
fn samples(
    xs: &Bound<'_, PyAny>,
    labels: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    names: Option<Vec<String>>,
    sample_rate: Option<u32>,
) -> PyResult<Vec<Sample>> {
    let items: Vec<Bound<'_, PyAny>> = xs
        .try_iter()
        .map_err(|_| data_err("X: expected a sequence of samples (paths, arrays or SpikeTrains)"))?
        .collect::<PyResult<_>>()?;
    if items.is_empty() {
        return Err(data_err("X: expected at least one sample"));
    }
    let n = items.len();
    for (what, v) in [
        ("y", labels.as_ref()),
        ("groups", groups.as_ref()),
        ("names", names.as_ref()),
    ] {
        if let Some(v) = v {
            if v.len() != n {
                return Err(data_err(format!(
                    "{what}: expected one per sample ({n}), got {}",
                    v.len()
                )));
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    for (i, x) in items.iter().enumerate() {
        let name = names
            .as_ref()
            .map_or_else(|| format!("sample-{i}"), |v| v[i].clone());
        let mut s = if let Ok(st) = x.cast::<PySpikeTrains>() {
            Sample::spikes(&name, st.get().inner.clone())
        } else if let Ok(p) = x.extract::<PathBuf>() {
            Sample::from_path(p)
        } else {
            let rate = sample_rate.ok_or_else(|| {
                config_err("sample_rate: required when samples are arrays of audio (Hz)")
            })?;
            let v = vector(x, &format!("X[{i}]"))?;
            Sample::audio(&name, v, rate)
        };
        if let Some(l) = &labels {
            s = s.with_label(l[i].clone());
        }
        if let Some(g) = &groups {
            s = s.with_group(g[i].clone());
        }
        out.push(s);
    }
    Ok(out)
}

/// A pipeline config from a dict (fields over the defaults) or None (the default).
fn digits_config(config: Option<&Bound<'_, PyAny>>) -> PyResult<DigitsConfig> {
    match config {
        None => Ok(DigitsConfig::default()),
        Some(c) if c.cast::<PyDict>().is_ok_and(|d| d.is_empty()) => Ok(DigitsConfig::default()),
        Some(c) => DigitsConfig::from_json_str(&to_json_text(c, "config")?, Path::new("config"))
            .config_err(),
    }
}

/// A fitted spoken-digit (or spike-pattern) classifier: encoder, spiking reservoir (or ESN),
/// features and readout, the same model `lsm fit` writes.
///
/// >>> import lsm, pathlib
/// >>> m = lsm.DigitsModel.load("datasets/model-does-not-exist.json")  # doctest: +SKIP
#[pyclass(module = "lsm", frozen, name = "DigitsModel")]
pub struct PyDigitsModel {
    inner: DigitsPipeline,
}

#[pymethods]
impl PyDigitsModel {
    /// Fit on samples `X` (paths, `SpikeTrains`, or audio arrays with `sample_rate`) with
    /// labels `y`; `config` is a pipeline config dict (fields over the default of
    /// `lsm default-config --task spoken-digits`), `groups` the speakers (for grouped
    /// cross-validation of the readout).
    #[staticmethod]
    #[pyo3(signature = (X, y, config=None, groups=None, names=None, sample_rate=None, n_threads=None))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        X: &Bound<'_, PyAny>,
        y: Vec<String>,
        config: Option<&Bound<'_, PyAny>>,
        groups: Option<Vec<String>>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
    ) -> PyResult<Self> {
        let cfg = digits_config(config)?;
        let s = samples(X, Some(y), groups, names, sample_rate)?;
        let inner = run(py, n_threads, |c| {
            DigitsPipeline::fit_with_progress(&cfg, &s, &c.progress()).py_err()
        })?;
        Ok(Self { inner })
    }

    /// Read a model file written by `lsm fit` or `save` (checked: format, version, checksum).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = run(py, None, |_| DigitsPipeline::load(&path).py_err())?;
        Ok(Self { inner })
    }

    /// Write the model file (atomically, versioned, with a checksum), as `lsm fit --out`.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        run(py, None, |_| self.inner.save(&path).py_err())
    }

    /// The predicted label of each sample.
    #[pyo3(signature = (X, names=None, sample_rate=None, n_threads=None))]
    #[allow(non_snake_case)]
    fn predict(
        &self,
        py: Python<'_>,
        X: &Bound<'_, PyAny>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
    ) -> PyResult<Vec<String>> {
        let p = self.on_samples(py, X, None, names, sample_rate, n_threads, |m, s, c| {
            m.predict_with_progress(s, c)
        })?;
        Ok(p.into_iter().map(|p| p.label).collect())
    }

    /// Class probabilities (samples × classes, columns in the order of `classes`).
    #[pyo3(signature = (X, names=None, sample_rate=None, n_threads=None))]
    #[allow(non_snake_case)]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let p = self.on_samples(py, X, None, names, sample_rate, n_threads, |m, s, c| {
            m.predict_proba_with_progress(s, c)
        })?;
        Ok(out2(py, p))
    }

    /// The readout's input: the pooled reservoir features of each sample (samples ×
    /// features).
    #[pyo3(signature = (X, names=None, sample_rate=None, n_threads=None))]
    #[allow(non_snake_case)]
    fn features<'py>(
        &self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let f = self.on_samples(py, X, None, names, sample_rate, n_threads, |m, s, c| {
            m.features_with_progress(s, c)
        })?;
        Ok(out2(py, f.0))
    }

    /// Evaluate on labelled samples: a dict with the accuracy, the per-class report and the
    /// confusion matrix (as `lsm evaluate --json`).
    #[pyo3(signature = (X, y, names=None, sample_rate=None, n_threads=None))]
    #[allow(non_snake_case)]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        X: &Bound<'py, PyAny>,
        y: Vec<String>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ev = self.on_samples(py, X, Some(y), names, sample_rate, n_threads, |m, s, c| {
            m.evaluate_with_progress(s, c)
        })?;
        to_py(py, &ev.report)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        crate::json::reduce(slf.as_any(), slf.get().inner.model())
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        let model = crate::json::unreduce(text, "DigitsModel")?;
        Ok(Self {
            inner: DigitsPipeline::from_model(model).py_err()?,
        })
    }

    /// The class labels, in the order of `predict_proba`'s columns.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    /// The model's pipeline config as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.model().config)
    }
}

impl PyDigitsModel {
    /// `call` on the model and the samples of `X` (with labels `y`), without the GIL, on
    /// `n_threads` threads, stoppable with Ctrl-C.
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn on_samples<T: Send, E: std::error::Error + 'static>(
        &self,
        py: Python<'_>,
        X: &Bound<'_, PyAny>,
        y: Option<Vec<String>>,
        names: Option<Vec<String>>,
        sample_rate: Option<u32>,
        n_threads: Option<usize>,
        call: impl FnOnce(&DigitsPipeline, &[Sample], &crate::errors::CancelProgress<'_>) -> Result<T, E>
            + Send,
    ) -> PyResult<T> {
        let s = samples(X, y, None, names, sample_rate)?;
        run(py, n_threads, |c| {
            call(&self.inner, &s, &c.progress()).py_err()
        })
    }
}

/// Two arrays: a prediction and its target.
type ArrayPair<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

/// A fitted time-series model (ESN, spiking reservoir or NVAR with its readout), the same model
/// `lsm fit` writes for a time-series task.
///
/// >>> import numpy as np, lsm
/// >>> t = np.arange(7000) * 0.05
/// >>> m = lsm.SeriesModel.fit(np.sin(t), config={"data": {"discard": 0}})
/// >>> m.evaluate(np.sin(t))["nrmse"] < 0.05
/// True
#[pyclass(module = "lsm", frozen, name = "SeriesModel")]
pub struct PySeriesModel {
    inner: TsModel,
    /// The column names of the data it was fitted on (default for later calls).
    names: Option<Vec<String>>,
}

/// A series in memory (steps × columns, named `names` or `x0`, `x1`...) with its target
/// column, or the built-in generator of the config's task when `data` is None.
fn series_source(
    data: Option<&Bound<'_, PyAny>>,
    names: Option<Vec<String>>,
    target: Option<String>,
    task: Task,
) -> PyResult<DataSource> {
    let Some(d) = data else {
        if task == Task::Csv {
            return Err(data_err(
                "data: required (an array of steps × columns) unless the config names a built-in \
                 task (mackey-glass, narma10, lorenz)",
            ));
        }
        return Ok(DataSource::Builtin(task));
    };
    let a = matrix(d, "data")?.as_array().to_owned();
    let names = names.unwrap_or_else(|| (0..a.ncols()).map(|i| format!("x{i}")).collect());
    if names.len() != a.ncols() {
        return Err(data_err(format!(
            "names: expected one per column ({}), got {}",
            a.ncols(),
            names.len()
        )));
    }
    let target = target.or_else(|| Some(names[0].clone()));
    Ok(DataSource::Series {
        series: Arc::new(TimeSeries {
            names,
            data: a,
            source: "data".into(),
        }),
        target,
    })
}

#[pymethods]
impl PySeriesModel {
    /// Fit on `data` (steps × columns; 1-D is one column; the target column is `target`,
    /// default the first), or on the built-in series of `config["task"]` when `data` is None.
    /// `config` is a time-series config dict (as `lsm default-config --task mackey-glass`
    /// prints; without `task`, a series in memory: `"csv"`).
    #[staticmethod]
    #[pyo3(signature = (data=None, config=None, names=None, target=None, n_threads=None))]
    fn fit(
        py: Python<'_>,
        data: Option<&Bound<'_, PyAny>>,
        config: Option<&Bound<'_, PyAny>>,
        names: Option<Vec<String>>,
        target: Option<String>,
        n_threads: Option<usize>,
    ) -> PyResult<Self> {
        let cfg = match config {
            None => TsConfig::default_for(Task::Csv),
            Some(c) => ts_config(c, None)?,
        };
        let src = series_source(data, names.clone(), target, cfg.task)?;
        let (inner, _report) = run(py, n_threads, |c| {
            timeseries::fit_with_progress(&cfg, &src, &c.progress()).py_err()
        })?;
        Ok(Self { inner, names })
    }

    /// Read a model file written by `lsm fit` or `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = run(py, None, |_| TsModel::load(&path).py_err())?;
        Ok(Self { inner, names: None })
    }

    /// Write the model file (atomically, versioned, with a checksum).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        run(py, None, |_| self.inner.save(&path).py_err())
    }

    /// Predict the test segment of `data` (or of the built-in series): teacher forced
    /// (`horizon=None`: one step, or the model's k steps ahead), or one closed-loop run of
    /// `horizon` steps from the start of the test segment. Returns `(prediction, target)`,
    /// steps × outputs each, in the data's units.
    #[pyo3(signature = (data=None, horizon=None, names=None, target=None, n_threads=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyAny>>,
        horizon: Option<usize>,
        names: Option<Vec<String>>,
        target: Option<String>,
        n_threads: Option<usize>,
    ) -> PyResult<ArrayPair<'py>> {
        let src = self.source(data, names, target)?;
        let mode = match horizon {
            None => PredictMode::TeacherForced,
            Some(h) => PredictMode::ClosedLoop(h),
        };
        let p = run(py, n_threads, |_| {
            timeseries::predict(&self.inner, &src, mode).py_err()
        })?;
        Ok((out2(py, p.prediction), out2(py, p.target)))
    }

    /// Scores on the test segment of `data`: a dict with `nrmse`, `mse`, `r2`, `n` (and the
    /// free-run scores for closed loop), as `lsm evaluate --json`.
    #[pyo3(signature = (data=None, names=None, target=None, n_threads=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyAny>>,
        names: Option<Vec<String>>,
        target: Option<String>,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = self.source(data, names, target)?;
        let ev = run(py, n_threads, |_| {
            timeseries::evaluate(&self.inner, &src).py_err()
        })?;
        let d = to_py(py, &ev.scores)?;
        if let Some(fr) = &ev.free_run {
            d.set_item("free_run", to_py(py, fr)?)?;
        }
        Ok(d)
    }

    /// The model's config as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.config)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let me = slf.get();
        crate::json::reduce(slf.as_any(), &(&me.inner, &me.names))
    }

    #[staticmethod]
    fn _from_json(text: &str) -> PyResult<Self> {
        let (inner, names): (TsModel, Option<Vec<String>>) =
            crate::json::unreduce(text, "SeriesModel")?;
        inner.check().py_err()?;
        Ok(Self { inner, names })
    }
}

impl PySeriesModel {
    fn source(
        &self,
        data: Option<&Bound<'_, PyAny>>,
        names: Option<Vec<String>>,
        target: Option<String>,
    ) -> PyResult<DataSource> {
        let names = names.or_else(|| self.names.clone());
        let target = target.or_else(|| self.inner.target.clone());
        series_source(data, names, target, self.inner.task)
    }
}

/// Read any model file (`lsm fit`'s or `save`'s): a `DigitsModel` or a `SeriesModel`.
#[pyfunction]
pub fn load(py: Python<'_>, path: PathBuf) -> PyResult<Py<PyAny>> {
    let (_, task, _) = run(py, None, |_| lsm_pipeline::io::read_model(&path).py_err())?;
    if task == lsm_pipeline::TASK_SPOKEN_DIGITS {
        Ok(Bound::new(py, PyDigitsModel::load(py, path)?)?
            .into_any()
            .unbind())
    } else {
        Ok(Bound::new(py, PySeriesModel::load(py, path)?)?
            .into_any()
            .unbind())
    }
}

/// The built-in series of a time-series task (`mackey-glass`, `narma10`, `lorenz`), every
/// row the pipeline generates for it (before its `data.discard`), as `lsm data series` writes:
/// `(data, names)`, steps × columns. `config` is a time-series config dict over the task's
/// default (its `data` section sets the generator; `seed` its draws).
///
/// >>> import lsm
/// >>> x, names = lsm.series("lorenz")
/// >>> names, x.shape[1]
/// (['x', 'y', 'z'], 3)
#[pyfunction]
#[pyo3(signature = (task, config=None))]
pub fn series<'py>(
    py: Python<'py>,
    task: &str,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<String>)> {
    let t = Task::parse(task)
        .filter(|t| *t != Task::Csv)
        .ok_or_else(|| {
            config_err(format!(
                "task: expected mackey-glass, narma10 or lorenz, got \"{task}\""
            ))
        })?;
    let cfg = match config {
        None => TsConfig::default_for(t),
        Some(c) => ts_config(c, Some(task))?,
    };
    let s = run(py, None, |_| timeseries::generated_series(&cfg).py_err())?;
    Ok((out2(py, s.data), s.names))
}

/// A time-series config from a dict: its `task` is `task` when given, else the dict's own
/// (default `csv`, a series in memory).
fn ts_config(c: &Bound<'_, PyAny>, task: Option<&str>) -> PyResult<TsConfig> {
    let mut v: serde_json::Value = serde_json::from_str(&to_json_text(c, "config")?)
        .map_err(|e| config_err(format!("config: {e}")))?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| config_err("config: expected a dict"))?;
    match task {
        Some(t) => {
            obj.insert("task".into(), t.into());
        }
        None => {
            obj.entry("task").or_insert_with(|| "csv".into());
        }
    }
    TsConfig::from_json_str(&v.to_string(), "config").config_err()
}
