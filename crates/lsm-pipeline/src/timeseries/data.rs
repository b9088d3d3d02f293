//! Data preparation: raw series from a generator or a CSV file, the split into segments, and scaling with train-segment statistics.

use super::*;
use lsm_core::Real;
use lsm_datasets::timeseries::TimeSeries;
use ndarray::{s, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Data preparation
// ---------------------------------------------------------------------------------------------

/// Per-channel affine scaling `z = (v − center) / scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Centre per channel.
    pub center: Vec<Real>,
    /// Scale per channel (> 0).
    pub scale: Vec<Real>,
}

impl Scaler {
    pub(crate) fn fit(kind: Scale, x: ArrayView2<Real>) -> Self {
        let c = x.ncols();
        let mut center = vec![0.0; c];
        let mut scale = vec![1.0; c];
        for j in 0..c {
            let col = x.column(j);
            match kind {
                Scale::None => {}
                Scale::MinMax => {
                    let lo = col.iter().cloned().fold(Real::INFINITY, Real::min);
                    let hi = col.iter().cloned().fold(Real::NEG_INFINITY, Real::max);
                    center[j] = 0.5 * (lo + hi);
                    scale[j] = if hi > lo { 0.5 * (hi - lo) } else { 1.0 };
                }
                Scale::Zscore => {
                    let m = col.mean().unwrap_or(0.0);
                    let sd = col.std(0.0);
                    center[j] = m;
                    scale[j] = if sd > 0.0 { sd } else { 1.0 };
                }
            }
        }
        Self { center, scale }
    }
    pub(crate) fn apply(&self, x: &mut Array2<Real>) {
        for (j, mut col) in x.axis_iter_mut(Axis(1)).enumerate() {
            col.mapv_inplace(|v| (v - self.center[j]) / self.scale[j]);
        }
    }
    pub(crate) fn invert_col(&self, j: usize, v: Real) -> Real {
        v * self.scale[j] + self.center[j]
    }
}

/// A prepared series: inputs and targets aligned per step, after `discard`.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// Inputs, steps × K (scaled).
    pub inputs: Array2<Real>,
    /// Targets, steps × O (scaled): row `t` is what the readout outputs after input row `t`.
    pub targets: Array2<Real>,
    /// Input channel names.
    pub input_names: Vec<String>,
    /// Target names.
    pub target_names: Vec<String>,
    /// For closed loop: the input channel that each output feeds (`targets[t] = inputs[t+1]`).
    pub autonomous: bool,
    /// Target scaling (scaled → original: `v·scale + center`).
    pub target_scaler: Scaler,
    /// Input scaling.
    pub input_scaler: Scaler,
    /// Source (file or generator).
    pub source: String,
}

/// The raw series of a config: (inputs, targets-before-shift, names, autonomous, source).
pub(crate) struct Raw {
    input: Array2<Real>,
    target: Array2<Real>,
    input_names: Vec<String>,
    target_names: Vec<String>,
    /// Target row t = target series at t + shift.
    shift: usize,
    autonomous: bool,
    source: String,
}

/// Steps the split needs after `discard`, and a description.
pub(crate) fn needed_steps(cfg: &TsConfig) -> (usize, String) {
    let s = &cfg.split;
    let extra = match cfg.prediction.mode {
        Mode::ClosedLoop => 1,
        _ => cfg.prediction.horizon,
    };
    let extra = if cfg.task == Task::Narma10 { 1 } else { extra };
    (
        s.washout + s.train + s.validation + s.test + extra,
        format!(
            "washout {} + train {} + validation {} + test {} + {extra} ahead",
            s.washout, s.train, s.validation, s.test
        ),
    )
}

/// The series a built-in task generates for `cfg` (Mackey-Glass `x`; NARMA `u, y`; Lorenz
/// `x, y, z`), every row from the first (before `data.discard`): the very numbers `fit` and
/// `evaluate` use, for other tools to read.
///
/// # Errors
/// A `csv` task (it has no generator); the generator's errors; the steps limit.
pub fn generated_series(cfg: &TsConfig) -> Result<TimeSeries> {
    cfg.validate()?;
    let raw = raw_series(cfg, &DataSource::Builtin(cfg.task))?;
    let (data, names) = match cfg.task {
        Task::Narma10 => (
            ndarray::concatenate(ndarray::Axis(1), &[raw.input.view(), raw.target.view()])
                .expect("same rows"),
            vec!["u".to_string(), "y".to_string()],
        ),
        _ => (raw.input, raw.input_names),
    };
    Ok(TimeSeries {
        names,
        data,
        source: raw.source,
    })
}

pub(crate) fn raw_series(cfg: &TsConfig, data: &DataSource) -> Result<Raw> {
    let (need, _) = needed_steps(cfg);
    let total = cfg.data.discard + need;
    let k_ahead = match cfg.prediction.mode {
        Mode::ClosedLoop => 1,
        _ => cfg.prediction.horizon,
    };
    match data {
        DataSource::Builtin(Task::MackeyGlass) => {
            let x = cfg.data.mackey_glass.generate(total, cfg.seed)?;
            let a = Array2::from_shape_vec((total, 1), x).expect("shape");
            Ok(Raw {
                input: a.clone(),
                target: a,
                input_names: vec!["x".into()],
                target_names: vec!["x".into()],
                shift: k_ahead,
                autonomous: true,
                source: "mackey-glass".into(),
            })
        }
        DataSource::Builtin(Task::Narma10) => {
            let (u, y) = cfg.data.narma.generate(total, cfg.seed)?;
            Ok(Raw {
                input: Array2::from_shape_vec((total, 1), u).expect("shape"),
                target: Array2::from_shape_vec((total, 1), y).expect("shape"),
                input_names: vec!["u".into()],
                target_names: vec!["y".into()],
                shift: 1,
                autonomous: false,
                source: format!("narma{}", cfg.data.narma.order),
            })
        }
        DataSource::Builtin(Task::Lorenz) => {
            let a = cfg.data.lorenz.generate(total)?;
            let names: Vec<String> = ["x", "y", "z"].iter().map(|s| s.to_string()).collect();
            Ok(Raw {
                input: a.clone(),
                target: a,
                input_names: names.clone(),
                target_names: names,
                shift: k_ahead,
                autonomous: true,
                source: "lorenz".into(),
            })
        }
        DataSource::Builtin(Task::Csv) => cfg_err("task", "a csv task needs a CSV file as data"),
        DataSource::Csv { path, target } => {
            let ts = TimeSeries::read_csv(path)?;
            from_series(cfg, &ts, target.as_deref(), total, k_ahead)
        }
        DataSource::Series { series, target } => {
            if series.data.ncols() != series.names.len() {
                return Err(PipelineError::Data(format!(
                    "{}: {} names for {} columns",
                    series.source,
                    series.names.len(),
                    series.data.ncols()
                )));
            }
            from_series(cfg, series, target.as_deref(), total, k_ahead)
        }
    }
}

/// The inputs and target of a series read from a CSV file or given in memory.
fn from_series(
    cfg: &TsConfig,
    ts: &TimeSeries,
    target: Option<&str>,
    total: usize,
    k_ahead: usize,
) -> Result<Raw> {
    {
        {
            let path = &ts.source;
            let tname = target
                .map(str::to_string)
                .or_else(|| cfg.data.csv.target.clone())
                .ok_or_else(|| PipelineError::Config {
                    field: "data.csv.target".into(),
                    msg: format!(
                        "{}: no target column given; pass --target COLUMN (columns: {})",
                        path,
                        ts.names.join(", ")
                    ),
                })?;
            // One target column, or several separated by commas (`x,y,z`: a readout with
            // one output per column, fed back together in closed loop and FORCE).
            let tnames: Vec<String> = tname.split(',').map(|c| c.trim().to_string()).collect();
            if tnames.iter().any(String::is_empty) {
                return Err(PipelineError::Config {
                    field: "data.csv.target".into(),
                    msg: format!(
                        "{path}: `{tname}` has an empty column name; expected COLUMN or \
                         COLUMN,COLUMN,..."
                    ),
                });
            }
            let mut ti = Vec::with_capacity(tnames.len());
            for n in &tnames {
                let i = ts.column_index(n)?;
                if ti.contains(&i) {
                    return Err(PipelineError::Config {
                        field: "data.csv.target".into(),
                        msg: format!("{path}: column `{n}` is named twice in `{tname}`"),
                    });
                }
                ti.push(i);
            }
            let inames = cfg
                .data
                .csv
                .inputs
                .clone()
                .unwrap_or_else(|| tnames.clone());
            let mut idx = Vec::new();
            for n in &inames {
                idx.push(ts.column_index(n)?);
            }
            let rows = ts.len();
            if rows < total {
                let (_, detail) = needed_steps(cfg);
                return Err(PipelineError::TooShort {
                    source_name: path.clone(),
                    rows,
                    needed: total,
                    detail: format!("discard {} + {detail}", cfg.data.discard),
                });
            }
            let input = ts.data.select(Axis(1), &idx);
            let target = ts.data.select(Axis(1), &ti);
            let autonomous = idx == ti;
            Ok(Raw {
                input,
                target,
                input_names: inames,
                target_names: tnames,
                shift: k_ahead,
                autonomous,
                source: path.clone(),
            })
        }
    }
}

/// Where the data of a run come from.
#[derive(Clone, Debug)]
pub enum DataSource {
    /// A generator.
    Builtin(Task),
    /// A CSV file with an optional target override.
    Csv {
        /// The file.
        path: PathBuf,
        /// Target column, or several separated by commas (overrides `data.csv.target`).
        target: Option<String>,
    },
    /// A series in memory (named columns, one row per step; its `source` names it in
    /// messages), read as a CSV file would be: the target column, the input columns of
    /// `data.csv.inputs` (default the target), the config's split.
    ///
    /// ```
    /// use lsm_pipeline::timeseries::{self, DataSource, Task, TimeSeries, TsConfig};
    /// let x: Vec<f64> = (0..7000).map(|t| (t as f64 * 0.05).sin()).collect();
    /// let series = TimeSeries {
    ///     names: vec!["x".into()],
    ///     data: ndarray::Array2::from_shape_vec((7000, 1), x).unwrap(),
    ///     source: "sine".into(),
    /// };
    /// let mut cfg = TsConfig::default_for(Task::Csv);
    /// cfg.data.discard = 0;
    /// let data = DataSource::Series { series: series.into(), target: Some("x".into()) };
    /// let (model, report) = timeseries::fit(&cfg, &data)?;
    /// assert!(report.validation_nrmse < 0.1, "{}", report.validation_nrmse);
    /// let ev = timeseries::evaluate(&model, &data)?;
    /// assert!(ev.scores.nrmse < 0.1, "{:?}", ev.scores);
    /// # Ok::<(), lsm_pipeline::PipelineError>(())
    /// ```
    Series {
        /// The series.
        series: std::sync::Arc<TimeSeries>,
        /// Target column, or several separated by commas (overrides `data.csv.target`).
        target: Option<String>,
    },
}

impl DataSource {
    /// `mackey-glass`, `narma10`, `lorenz`, or a CSV path.
    pub fn parse(data: &str, target: Option<&str>) -> Self {
        match Task::parse(data) {
            Some(t) if t != Task::Csv => DataSource::Builtin(t),
            _ => DataSource::Csv {
                path: PathBuf::from(data),
                target: target.map(str::to_string),
            },
        }
    }
}

/// The largest magnitude of a series value: squared errors and variances of larger values
/// overflow f64 (about 1.8e308), which would make the scaling or the scores NaN.
pub const MAX_SERIES_ABS: Real = 1e150;

/// Every value of a channel (`kind`: input or target) is within ±[`MAX_SERIES_ABS`] before
/// scaling (`scaled` false) and finite after it (`scaled` true: a loaded model's scale may be
/// tiny); else an error naming the source, the channel, the step and the value.
fn check_range(
    source: &str,
    kind: &str,
    names: &[String],
    x: &Array2<Real>,
    scaled: bool,
) -> Result<()> {
    let bad = |v: Real| !(v.abs() <= MAX_SERIES_ABS || scaled && v.is_finite());
    let Some(((t, j), v)) = x.indexed_iter().find(|(_, v)| bad(**v)) else {
        return Ok(());
    };
    let name = names
        .get(j)
        .map_or_else(|| j.to_string(), |n| format!("`{n}`"));
    let what = if scaled {
        format!(
            "scaled with the model's `data.scale` is {v}, expected a finite number; rescale \
             the series"
        )
    } else {
        format!(
            "is {v:e}; values beyond ±{MAX_SERIES_ABS:e} are refused because their squares \
             overflow (NaN scaling and scores): rescale the series"
        )
    };
    Err(PipelineError::Data(format!(
        "{source}: {kind} column {name} at step {t} (after `data.discard`) {what}"
    )))
}

/// Prepare inputs and targets (after `discard`), fitting the scalers on the train segment
/// unless given.
pub(crate) fn prepare(
    cfg: &TsConfig,
    data: &DataSource,
    scalers: Option<(&Scaler, &Scaler)>,
) -> Result<Prepared> {
    let raw = raw_series(cfg, data)?;
    let (need, detail) = needed_steps(cfg);
    let d = cfg.data.discard;
    let rows = raw.input.nrows();
    if rows < d + need {
        return Err(PipelineError::TooShort {
            source_name: raw.source,
            rows,
            needed: d + need,
            detail: format!("discard {d} + {detail}"),
        });
    }
    let n = rows - d - raw.shift;
    let mut inputs = raw.input.slice(s![d..d + n, ..]).to_owned();
    let mut targets = raw
        .target
        .slice(s![d + raw.shift..d + raw.shift + n, ..])
        .to_owned();
    let (is, ts) = match scalers {
        Some((a, b)) => (a.clone(), b.clone()),
        None => {
            let w = cfg.split.washout;
            let tr = w..w + cfg.split.train;
            (
                Scaler::fit(cfg.data.scale, inputs.slice(s![tr.clone(), ..])),
                Scaler::fit(cfg.data.scale, targets.slice(s![tr, ..])),
            )
        }
    };
    for scaled in [false, true] {
        if scaled {
            is.apply(&mut inputs);
            ts.apply(&mut targets);
        }
        check_range(&raw.source, "input", &raw.input_names, &inputs, scaled)?;
        check_range(&raw.source, "target", &raw.target_names, &targets, scaled)?;
    }
    Ok(Prepared {
        inputs,
        targets,
        input_names: raw.input_names,
        target_names: raw.target_names,
        autonomous: raw.autonomous,
        target_scaler: ts,
        input_scaler: is,
        source: raw.source,
    })
}
