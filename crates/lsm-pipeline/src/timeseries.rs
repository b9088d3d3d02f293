//! Time-series prediction with an echo state network or a spiking reservoir: config, fit,
//! evaluate, metrics, and the model file.
//!
//! # Data flow
//! 1. The series comes from a generator of [`lsm_datasets::timeseries`] (Mackey-Glass,
//!    NARMA-10, Lorenz) or a CSV file. It is cut into contiguous segments
//!    `discard | washout | train | validation | test` ([`SplitConfig`]) and every channel is
//!    scaled with statistics of the *train* segment ([`Scale`]).
//! 2. The reservoir is driven by the input channels `u(t)`, teacher forced, over the whole
//!    series in one run (no reset between segments); its per-step state `x(t)` plus, by
//!    default, the input and a constant form the readout features `[x(t); u(t); 1]`.
//! 3. A ridge readout ([`lsm_readout::GramAccumulator`], intercept, no standardisation) is
//!    fitted on the train segment (the first `washout` steps are discarded) for every α of the
//!    grid; the α with the lowest validation score of the task's own protocol is kept.
//! 4. The test segment is scored ([`Scores`]): MSE, NRMSE (RMSE / std of the target over the
//!    scored steps) and R².
//!
//! # Prediction modes ([`Mode`])
//! * `one-step` / `k-step`: the readout at step `t` predicts the target `horizon` steps
//!   ahead (`y(t + horizon)` for an autonomous series; `y(t + 1)` for NARMA, whose target is
//!   defined one step ahead), with the true input always fed (teacher forcing).
//! * `closed-loop`: the readout is trained one step ahead on every input channel; at test
//!   time, from `trials` evenly spaced teacher-forced states of the test segment, its output
//!   is fed back as the next input for `horizon` steps (free run). Jaeger's NRMSE-84 is the
//!   default of Mackey-Glass: `NRMSE = sqrt(mean_trials (ŷ_84 − y_84)²) / std(y)` over 100
//!   trials with `std(y)` taken over the test segment. Needs an ESN reservoir.
//!
//! The model file stores the config, the built reservoir (every weight), the scaler and the
//! readout, with a format name and version, written atomically.

use lsm_core::{rng_for, stream, write_atomic, Real};
use lsm_datasets::timeseries::{Lorenz, MackeyGlass, Narma, TimeSeries, TimeSeriesError};
use lsm_readout::{GramAccumulator, Ridge, RidgeValidParams};
use lsm_reservoir::esn::{Esn, EsnConfig, EsnError};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Name of the model file format (the envelope shared with the spoken-digit pipeline:
/// `format`, `format_version`, `task`).
pub const MODEL_FORMAT: &str = "lsm-model";
/// Version of the time-series model layout.
pub const MODEL_VERSION: u64 = 1;

/// Errors of the time-series pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsError {
    /// A config field is invalid.
    #[error("config field `{field}`: {msg}")]
    Config {
        /// Dotted path of the field.
        field: String,
        /// What was expected.
        msg: String,
    },
    /// Data problem (names the source).
    #[error(transparent)]
    Data(#[from] TimeSeriesError),
    /// A series too short for the split.
    #[error("{source_name}: {rows} rows, but the split needs {needed} ({detail})")]
    TooShort {
        /// File or generator.
        source_name: String,
        /// Rows available.
        rows: usize,
        /// Rows needed.
        needed: usize,
        /// How `needed` is made up.
        detail: String,
    },
    /// Echo state network error.
    #[error(transparent)]
    Esn(#[from] EsnError),
    /// Spiking reservoir error.
    #[error(transparent)]
    Reservoir(#[from] lsm_reservoir::ReservoirError),
    /// Readout error.
    #[error("readout: {0}")]
    Readout(#[from] lsm_readout::ReadoutError),
    /// JSON error naming the file.
    #[error("{file}: {msg}")]
    Json {
        /// The file.
        file: String,
        /// The serde message.
        msg: String,
    },
    /// I/O error naming the file.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    /// A prediction diverged (closed loop) or another runtime failure.
    #[error("{0}")]
    Runtime(String),
}

type Result<T> = std::result::Result<T, TsError>;

fn cfg_err<T>(field: &str, msg: impl Into<String>) -> Result<T> {
    Err(TsError::Config {
        field: field.to_string(),
        msg: msg.into(),
    })
}

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// The task: where the series comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Mackey-Glass, input and target the series itself.
    MackeyGlass,
    /// NARMA-n: input u, target y(t+1).
    Narma10,
    /// Lorenz: input and target (x, y, z).
    Lorenz,
    /// A CSV file.
    Csv,
}

impl Task {
    /// Parse `mackey-glass`, `narma10`, `lorenz`, `csv`.
    pub fn parse(s: &str) -> Option<Task> {
        Some(match s {
            "mackey-glass" => Task::MackeyGlass,
            "narma10" => Task::Narma10,
            "lorenz" => Task::Lorenz,
            "csv" => Task::Csv,
            _ => return None,
        })
    }
    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            Task::MackeyGlass => "mackey-glass",
            Task::Narma10 => "narma10",
            Task::Lorenz => "lorenz",
            Task::Csv => "csv",
        }
    }
}

/// Channel scaling, fitted on the train segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Map the train range to [−1, 1].
    MinMax,
    /// Subtract the train mean, divide by the train standard deviation.
    Zscore,
    /// Use raw values.
    None,
}

/// CSV columns.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsvColumns {
    /// Input columns. Default `null`: the target column alone (autonomous prediction).
    pub inputs: Option<Vec<String>>,
    /// Target column. Default `null`: must be given with `--target`.
    pub target: Option<String>,
}

/// Where the data come from and how they are prepared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Mackey-Glass generator (task `mackey-glass`).
    pub mackey_glass: MackeyGlass,
    /// NARMA generator (task `narma10`; `order` may be changed for NARMA-n).
    pub narma: Narma,
    /// Lorenz generator (task `lorenz`).
    pub lorenz: Lorenz,
    /// CSV columns (task `csv`).
    pub csv: CsvColumns,
    /// Leading samples dropped (generator transient). Default 500.
    pub discard: usize,
    /// Channel scaling. Default `min-max`.
    pub scale: Scale,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            mackey_glass: MackeyGlass::default(),
            narma: Narma::default(),
            lorenz: Lorenz::default(),
            csv: CsvColumns::default(),
            discard: 500,
            scale: Scale::MinMax,
        }
    }
}

/// Contiguous segments after `discard`, in steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SplitConfig {
    /// Steps run before training whose states are discarded. Default 200.
    pub washout: usize,
    /// Training steps. Default 3000.
    pub train: usize,
    /// Validation steps (α selection). Default 1000. May be 0 (then the smallest α of the
    /// grid... no: the grid must then have one value).
    pub validation: usize,
    /// Test steps. Default 2000.
    pub test: usize,
}

impl Default for SplitConfig {
    fn default() -> Self {
        Self {
            washout: 200,
            train: 3000,
            validation: 1000,
            test: 2000,
        }
    }
}

/// Prediction mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Predict one step ahead (teacher forced).
    OneStep,
    /// Predict `horizon` steps ahead (teacher forced).
    KStep,
    /// Free run for `horizon` steps from `trials` teacher-forced states.
    ClosedLoop,
}

/// What is predicted and how it is scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PredictionConfig {
    /// Mode. Default `one-step`.
    pub mode: Mode,
    /// Steps ahead (`k-step`) or free-run length (`closed-loop`). Default 1 (84 for
    /// closed loop in `default-config --task mackey-glass`).
    pub horizon: usize,
    /// Closed-loop trials (start points spread over the scored segment). Default 100.
    pub trials: usize,
}

impl Default for PredictionConfig {
    fn default() -> Self {
        Self {
            mode: Mode::OneStep,
            horizon: 1,
            trials: 100,
        }
    }
}

/// Ridge readout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadoutConfig {
    /// α grid (penalty on the sum of squared errors over training steps, raw feature units);
    /// the value with the best validation score is kept. Default 1e-12, 1e-11, …, 1e-2.
    pub alphas: Vec<Real>,
    /// Append the input `u(t)` to the reservoir state in the features. Default true.
    pub include_input: bool,
    /// Standardise features before penalising. Default false.
    pub standardize: bool,
}

impl Default for ReadoutConfig {
    fn default() -> Self {
        Self {
            alphas: (-12..=-2).map(|e| 10f64.powi(e)).collect(),
            include_input: true,
            standardize: false,
        }
    }
}

/// The reservoir: an echo state network or a spiking network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReservoirConfig {
    /// Leaky tanh echo state network.
    Esn(EsnConfig),
    /// Spiking LIF reservoir with analog or encoded input.
    Spiking(Box<SpikingConfig>),
}

/// A time-series prediction config (JSON, unknown fields refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsConfig {
    /// Task.
    pub task: Task,
    /// The one seed (data, weights, noise). Default 42.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Data.
    #[serde(default)]
    pub data: DataConfig,
    /// Segments.
    #[serde(default)]
    pub split: SplitConfig,
    /// Prediction mode.
    #[serde(default)]
    pub prediction: PredictionConfig,
    /// Reservoir. Default: the ESN defaults.
    #[serde(default = "default_reservoir")]
    pub reservoir: ReservoirConfig,
    /// Readout.
    #[serde(default)]
    pub readout: ReadoutConfig,
}

fn default_seed() -> u64 {
    42
}
fn default_reservoir() -> ReservoirConfig {
    ReservoirConfig::Esn(EsnConfig::default())
}

impl TsConfig {
    /// The default config of a task, tuned on its validation segment:
    /// * `mackey-glass`: Jaeger's NRMSE-84 protocol (400-unit ESN, 3000 training steps,
    ///   closed loop, horizon 84, 100 trials);
    /// * `narma10`: 500-unit ESN, one step, 4000 training steps;
    /// * `lorenz`: 500-unit ESN, one step on (x, y, z);
    /// * `csv`: 500-unit ESN, one step, target from `--target`.
    pub fn default_for(task: Task) -> Self {
        let mut c = TsConfig {
            task,
            seed: 42,
            data: DataConfig::default(),
            split: SplitConfig::default(),
            prediction: PredictionConfig::default(),
            reservoir: default_reservoir(),
            readout: ReadoutConfig::default(),
        };
        match task {
            Task::MackeyGlass => {
                c.prediction = PredictionConfig {
                    mode: Mode::ClosedLoop,
                    horizon: 84,
                    trials: 100,
                };
                c.split = SplitConfig {
                    washout: 500,
                    train: 3000,
                    validation: 1000,
                    test: 2000,
                };
                // Tuned by random search on the validation segment (seed 42), never on test.
                c.reservoir = ReservoirConfig::Esn(EsnConfig {
                    n_units: 400,
                    in_degree: 20,
                    spectral_radius: 1.0,
                    input_scaling: 0.45,
                    bias_scaling: 0.4,
                    leak_rate: 0.65,
                    ..EsnConfig::default()
                });
                c.readout.alphas = (-15..=-6).map(|e| 10f64.powi(e)).collect();
            }
            Task::Narma10 => {
                c.data.discard = 200;
                c.split = SplitConfig {
                    washout: 200,
                    train: 4000,
                    validation: 1000,
                    test: 2000,
                };
                // Tuned on the validation segment (seed 42). The bias matters: NARMA's
                // u(t−9)·u(t) term is even in u, which an odd tanh around 0 cannot make.
                c.reservoir = ReservoirConfig::Esn(EsnConfig {
                    n_units: 500,
                    in_degree: 20,
                    spectral_radius: 0.9,
                    input_scaling: 0.1,
                    bias_scaling: 0.5,
                    leak_rate: 1.0,
                    ..EsnConfig::default()
                });
                c.readout.alphas = (-10..=-2).map(|e| 10f64.powi(e)).collect();
            }
            Task::Lorenz | Task::Csv => {
                c.reservoir = ReservoirConfig::Esn(EsnConfig {
                    n_units: 500,
                    ..EsnConfig::default()
                });
            }
        }
        c
    }

    /// Parse from JSON text (`file` names the source) and check.
    ///
    /// # Errors
    /// [`TsError::Json`] with serde's message (unknown field, wrong type) or a config error.
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let c: TsConfig = serde_json::from_str(text).map_err(|e| TsError::Json {
            file: file.into(),
            msg: format!("invalid time-series config: {e}"),
        })?;
        c.validate()?;
        Ok(c)
    }

    /// Check every field once.
    ///
    /// # Errors
    /// [`TsError::Config`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.split.train == 0 {
            return cfg_err("split.train", "expected at least 1 training step");
        }
        if self.split.test == 0 {
            return cfg_err("split.test", "expected at least 1 test step");
        }
        if self.readout.alphas.is_empty()
            || self
                .readout
                .alphas
                .iter()
                .any(|a| !(a.is_finite() && *a >= 0.0))
        {
            return cfg_err(
                "readout.alphas",
                "expected a non-empty list of finite values >= 0",
            );
        }
        if self.split.validation == 0 && self.readout.alphas.len() > 1 {
            return cfg_err(
                "readout.alphas",
                "with split.validation = 0 the grid must have exactly one value",
            );
        }
        let p = &self.prediction;
        if p.horizon == 0 {
            return cfg_err("prediction.horizon", "expected at least 1");
        }
        if p.mode == Mode::OneStep && p.horizon != 1 {
            return cfg_err(
                "prediction.horizon",
                "one-step mode has horizon 1; use `k-step`",
            );
        }
        if p.mode == Mode::ClosedLoop {
            if p.trials == 0 {
                return cfg_err("prediction.trials", "expected at least 1 trial");
            }
            if self.task == Task::Narma10 {
                return cfg_err(
                    "prediction.mode",
                    "closed-loop prediction needs an autonomous series (input = target); NARMA is input-driven",
                );
            }
            if p.horizon >= self.split.test {
                return cfg_err("prediction.horizon", "must be shorter than split.test");
            }
            if matches!(self.reservoir, ReservoirConfig::Spiking(_)) {
                return cfg_err(
                    "prediction.mode",
                    "closed-loop prediction is implemented for the ESN reservoir; use one-step or k-step with a spiking reservoir",
                );
            }
        }
        if self.task == Task::Narma10 && p.mode == Mode::KStep {
            return cfg_err(
                "prediction.mode",
                "NARMA's target is one step ahead by definition; use one-step",
            );
        }
        match &self.reservoir {
            ReservoirConfig::Esn(e) => e.validate()?,
            ReservoirConfig::Spiking(s) => s.validate()?,
        }
        self.data.mackey_glass.check()?;
        self.data.narma.check()?;
        self.data.lorenz.check()?;
        Ok(())
    }
}

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
    fn fit(kind: Scale, x: ArrayView2<Real>) -> Self {
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
    fn apply(&self, x: &mut Array2<Real>) {
        for (j, mut col) in x.axis_iter_mut(Axis(1)).enumerate() {
            col.mapv_inplace(|v| (v - self.center[j]) / self.scale[j]);
        }
    }
    fn invert_col(&self, j: usize, v: Real) -> Real {
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
struct Raw {
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
fn needed_steps(cfg: &TsConfig) -> (usize, String) {
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

fn raw_series(cfg: &TsConfig, data: &DataSource) -> Result<Raw> {
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
            let tname = target
                .clone()
                .or_else(|| cfg.data.csv.target.clone())
                .ok_or_else(|| TsError::Config {
                    field: "data.csv.target".into(),
                    msg: format!(
                        "{}: no target column given; pass --target COLUMN (columns: {})",
                        path.display(),
                        ts.names.join(", ")
                    ),
                })?;
            let ti = ts.column_index(&tname)?;
            let inames = cfg
                .data
                .csv
                .inputs
                .clone()
                .unwrap_or_else(|| vec![tname.clone()]);
            let mut idx = Vec::new();
            for n in &inames {
                idx.push(ts.column_index(n)?);
            }
            let rows = ts.len();
            if rows < total {
                let (_, detail) = needed_steps(cfg);
                return Err(TsError::TooShort {
                    source_name: path.display().to_string(),
                    rows,
                    needed: total,
                    detail: format!("discard {} + {detail}", cfg.data.discard),
                });
            }
            let input = ts.data.select(Axis(1), &idx);
            let target = ts.data.select(Axis(1), &[ti]);
            let autonomous = idx == [ti];
            Ok(Raw {
                input,
                target,
                input_names: inames,
                target_names: vec![tname],
                shift: k_ahead,
                autonomous,
                source: path.display().to_string(),
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
        /// Target column (overrides `data.csv.target`).
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

/// Prepare inputs and targets (after `discard`), fitting the scalers on the train segment
/// unless given.
fn prepare(
    cfg: &TsConfig,
    data: &DataSource,
    scalers: Option<(&Scaler, &Scaler)>,
) -> Result<Prepared> {
    let raw = raw_series(cfg, data)?;
    let (need, detail) = needed_steps(cfg);
    let d = cfg.data.discard;
    let rows = raw.input.nrows();
    if rows < d + need {
        return Err(TsError::TooShort {
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
    is.apply(&mut inputs);
    ts.apply(&mut targets);
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

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

/// Scores of a prediction against its target (original units).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Mean squared error, averaged over steps and outputs.
    pub mse: Real,
    /// Root of the mean over outputs of `MSE_o / Var_o` (the target's variance over the
    /// scored steps): RMSE / std for one output.
    pub nrmse: Real,
    /// Coefficient of determination `1 − SS_res/SS_tot`, averaged over outputs.
    pub r2: Real,
    /// Number of scored predictions.
    pub n: usize,
}

/// MSE, NRMSE and R² of `pred` against `target` (rows = steps, columns = outputs). A
/// constant target gives an infinite NRMSE unless the prediction is exact (then 0).
pub fn scores(pred: ArrayView2<Real>, target: ArrayView2<Real>) -> Scores {
    assert_eq!(pred.dim(), target.dim(), "prediction and target shapes");
    let n = target.nrows();
    let o = target.ncols();
    let (mut mse_sum, mut nmse_sum, mut r2_sum) = (0.0, 0.0, 0.0);
    for j in 0..o {
        let t = target.column(j);
        let p = pred.column(j);
        let mse = t
            .iter()
            .zip(p.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<Real>()
            / n as Real;
        let var = t.var(0.0);
        mse_sum += mse;
        let nm = if mse == 0.0 { 0.0 } else { mse / var };
        nmse_sum += nm;
        r2_sum += 1.0 - nm;
    }
    Scores {
        mse: mse_sum / o as Real,
        nrmse: (nmse_sum / o as Real).sqrt(),
        r2: r2_sum / o as Real,
        n,
    }
}

/// MSE, NRMSE and R² for one output series (convenience wrapper of [`scores`]).
pub fn scores_1d(pred: ArrayView1<Real>, target: ArrayView1<Real>) -> Scores {
    scores(pred.insert_axis(Axis(1)), target.insert_axis(Axis(1)))
}

// ---------------------------------------------------------------------------------------------
// Reservoirs
// ---------------------------------------------------------------------------------------------

/// A built reservoir with every weight (serialised into the model).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BuiltReservoir {
    /// Echo state network.
    Esn(Esn),
    /// Spiking reservoir.
    Spiking(Box<SpikingReservoir>),
}

impl BuiltReservoir {
    fn build(cfg: &TsConfig, n_inputs: usize) -> Result<Self> {
        Ok(match &cfg.reservoir {
            ReservoirConfig::Esn(e) => BuiltReservoir::Esn(Esn::build(e, n_inputs, cfg.seed)?),
            ReservoirConfig::Spiking(s) => {
                BuiltReservoir::Spiking(Box::new(SpikingReservoir::build(s, n_inputs, cfg.seed)?))
            }
        })
    }

    /// Number of state features per step.
    pub fn n_state(&self) -> usize {
        match self {
            BuiltReservoir::Esn(e) => e.n_units(),
            BuiltReservoir::Spiking(s) => s.n_features(),
        }
    }
}

/// Feature rows folded into the Gram accumulator at once while the reservoir runs.
const GRAM_BLOCK: usize = 512;

/// Teacher-forced features `[x(t); u(t)]` (or `x(t)`) of a series, streamed row by row: the
/// ESN is run on the fly (nothing of size steps × units is held); the spiking reservoir is
/// simulated once and its recorded rows are replayed.
struct FeatureSource<'a> {
    res: &'a BuiltReservoir,
    inputs: ArrayView2<'a, Real>,
    include_input: bool,
    seed: u64,
    /// Spiking reservoir: the recorded state rows of the whole series.
    cached: Option<Array2<Real>>,
}

impl<'a> FeatureSource<'a> {
    fn new(
        res: &'a BuiltReservoir,
        inputs: ArrayView2<'a, Real>,
        include_input: bool,
        seed: u64,
    ) -> Result<Self> {
        let cached = match res {
            BuiltReservoir::Esn(_) => None,
            BuiltReservoir::Spiking(sp) => {
                let a = sp.states(inputs, seed)?;
                // Row-major, so that every row is one contiguous slice.
                Some(if a.is_standard_layout() {
                    a
                } else {
                    a.as_standard_layout().into_owned()
                })
            }
        };
        Ok(Self {
            res,
            inputs,
            include_input,
            seed,
            cached,
        })
    }

    /// Columns of a feature row.
    fn n_features(&self) -> usize {
        self.res.n_state()
            + if self.include_input {
                self.inputs.ncols()
            } else {
                0
            }
    }

    /// Call `visit(t, state_row, feature_row)` for every row `t` of `keep`, in order. The ESN
    /// runs from the zero state over rows `0..keep.end`, with state noise of amplitude
    /// `noise` during rows `noise_steps` (drawn from `rng_for(seed, stream::SIM_NOISE)`).
    fn visit<F: FnMut(usize, &[Real], &[Real]) -> Result<()>>(
        &self,
        keep: std::ops::Range<usize>,
        noise: Real,
        noise_steps: std::ops::Range<usize>,
        mut visit: F,
    ) -> Result<()> {
        let n_state = self.res.n_state();
        let mut feat = vec![0.0; self.n_features()];
        let inputs = self.inputs;
        let include = self.include_input;
        let fill = |t: usize, x: &[Real], feat: &mut [Real]| {
            feat[..n_state].copy_from_slice(x);
            if include {
                for (d, v) in feat[n_state..].iter_mut().zip(inputs.row(t).iter()) {
                    *d = *v;
                }
            }
        };
        match (&self.cached, self.res) {
            (Some(states), _) => {
                for t in keep {
                    let x = states.row(t);
                    let x = x.as_slice().expect("contiguous rows");
                    fill(t, x, &mut feat);
                    visit(t, x, &feat)?;
                }
                Ok(())
            }
            (None, BuiltReservoir::Esn(esn)) => {
                let end = keep.end.min(inputs.nrows());
                let mut x = vec![0.0; esn.n_units()];
                let mut rng = rng_for(self.seed, stream::SIM_NOISE);
                let a = noise_steps.start.min(end);
                let b = noise_steps.end.min(end).max(a);
                let mut err: Option<TsError> = None;
                for (lo, hi, amp) in [(0, a, 0.0), (a, b, noise), (b, end, 0.0)] {
                    if lo >= hi {
                        continue;
                    }
                    let r = if amp > 0.0 { Some(&mut rng) } else { None };
                    esn.run_with(inputs.slice(s![lo..hi, ..]), &mut x, amp, r, |i, x| {
                        let t = lo + i;
                        if err.is_none() && t >= keep.start {
                            fill(t, x, &mut feat);
                            if let Err(e) = visit(t, x, &feat) {
                                err = Some(e);
                            }
                        }
                    })?;
                    if let Some(e) = err.take() {
                        return Err(e);
                    }
                }
                Ok(())
            }
            (None, BuiltReservoir::Spiking(_)) => {
                Err(TsError::Runtime("spiking states were not recorded".into()))
            }
        }
    }

    /// States and features of rows `keep` (noise-free), as arrays (row 0 = `keep.start`).
    fn collect(&self, keep: std::ops::Range<usize>) -> Result<(Array2<Real>, Array2<Real>)> {
        let len = keep.len();
        let mut st = Array2::zeros((len, self.res.n_state()));
        let mut ft = Array2::zeros((len, self.n_features()));
        let k0 = keep.start;
        self.visit(keep, 0.0, 0..0, |t, x, f| {
            st.row_mut(t - k0)
                .as_slice_mut()
                .expect("contiguous")
                .copy_from_slice(x);
            ft.row_mut(t - k0)
                .as_slice_mut()
                .expect("contiguous")
                .copy_from_slice(f);
            Ok(())
        })?;
        Ok((st, ft))
    }
}

// ---------------------------------------------------------------------------------------------
// Training pass of an ESN on a team of threads
// ---------------------------------------------------------------------------------------------

/// A fixed team of threads for the ESN training pass: the calling thread and `n − 1` scoped
/// helpers run every job together ([`Team::run`]). Waiting is by spinning for a few
/// microseconds, then yielding the core (so an oversubscribed machine degrades gracefully).
mod team {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Polls of `wait_until` spent spinning before it yields the core (a few tens of µs).
    const SPINS: u32 = 512;

    /// Spin on `done`, then yield between polls. Returns true if it had to yield (the other
    /// threads were late by more than the spinning time: a sign of a busy machine).
    fn wait_until(done: impl Fn() -> bool) -> bool {
        let mut i = 0u32;
        while !done() {
            if i < SPINS {
                std::hint::spin_loop();
                i += 1;
            } else {
                std::thread::yield_now();
                i += 1;
            }
        }
        i > SPINS
    }

    /// A reusable barrier for the `n` threads of a team.
    pub(super) struct SpinBarrier {
        n: usize,
        count: AtomicUsize,
        generation: AtomicUsize,
        poisoned: AtomicBool,
    }

    impl SpinBarrier {
        pub(super) fn new(n: usize) -> Self {
            Self {
                n,
                count: AtomicUsize::new(0),
                generation: AtomicUsize::new(0),
                poisoned: AtomicBool::new(false),
            }
        }

        /// Wait until all `n` threads have called `wait` (panics if a thread of the team
        /// panicked, so that the others do not wait forever). Returns true if this thread
        /// waited long (see `wait_until`).
        pub(super) fn wait(&self) -> bool {
            if self.n <= 1 {
                return false;
            }
            let g = self.generation.load(Ordering::Acquire);
            if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
                self.count.store(0, Ordering::Relaxed);
                self.generation.store(g.wrapping_add(1), Ordering::Release);
                false
            } else {
                let slow = wait_until(|| {
                    self.generation.load(Ordering::Acquire) != g
                        || self.poisoned.load(Ordering::Acquire)
                });
                assert!(
                    !self.poisoned.load(Ordering::Acquire),
                    "a thread of the team panicked"
                );
                slow
            }
        }

        fn poison(&self) {
            self.poisoned.store(true, Ordering::Release);
        }
    }

    type Job<'a> = &'a (dyn Fn(usize) + Sync);

    /// State shared by the team.
    pub(super) struct Shared {
        n: usize,
        epoch: AtomicUsize,
        done: AtomicUsize,
        stop: AtomicBool,
        panicked: AtomicBool,
        job: Mutex<Option<Job<'static>>>,
        /// The helpers' threads (to wake them when they sleep).
        helpers: std::sync::OnceLock<Vec<std::thread::Thread>>,
        /// The barrier of the jobs (one per team, reused).
        pub(super) barrier: SpinBarrier,
    }

    impl Shared {
        pub(super) fn new(n: usize) -> Self {
            Self {
                n: n.max(1),
                epoch: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
                panicked: AtomicBool::new(false),
                job: Mutex::new(None),
                helpers: std::sync::OnceLock::new(),
                barrier: SpinBarrier::new(n.max(1)),
            }
        }

        /// Number of threads (caller included).
        pub(super) fn n(&self) -> usize {
            self.n
        }

        /// Register the helpers' threads (once, after spawning them).
        pub(super) fn set_helpers(&self, threads: Vec<std::thread::Thread>) {
            let _ = self.helpers.set(threads);
        }

        fn wake_helpers(&self) {
            for t in self.helpers.get().into_iter().flatten() {
                t.unpark();
            }
        }

        /// The loop of helper `tid` (1..n): run each job, until [`Shared::stop`]. Between
        /// jobs it spins briefly, then sleeps until woken.
        pub(super) fn helper(&self, tid: usize) {
            let mut seen = 0usize;
            loop {
                let mut i = 0u32;
                while self.epoch.load(Ordering::Acquire) == seen {
                    if i < SPINS {
                        std::hint::spin_loop();
                        i += 1;
                    } else {
                        std::thread::park_timeout(std::time::Duration::from_millis(1));
                    }
                }
                seen = self.epoch.load(Ordering::Acquire);
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let job =
                    (*self.job.lock().unwrap_or_else(|e| e.into_inner())).expect("a job is set");
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(tid)));
                if r.is_err() {
                    self.panicked.store(true, Ordering::Release);
                    self.barrier.poison();
                }
                self.done.fetch_add(1, Ordering::AcqRel);
            }
        }

        /// Run `job(tid)` on every thread of the team (`tid` 0 on the caller), returning
        /// when all are done.
        ///
        /// # Panics
        /// If the job panicked on any thread.
        pub(super) fn run(&self, job: &(dyn Fn(usize) + Sync)) {
            if self.n == 1 {
                job(0);
                return;
            }
            // SAFETY: the helpers call `job` only between the epoch bump below and their
            // `done` increment, and this function returns only after all `n − 1` increments,
            // so the borrow outlives every use.
            let job_static: Job<'static> =
                unsafe { std::mem::transmute::<Job<'_>, Job<'static>>(job) };
            *self.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job_static);
            self.done.store(0, Ordering::Release);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            self.wake_helpers();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(0)));
            if r.is_err() {
                self.barrier.poison();
            }
            wait_until(|| self.done.load(Ordering::Acquire) == self.n - 1);
            *self.job.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if let Err(e) = r {
                std::panic::resume_unwind(e);
            }
            assert!(
                !self.panicked.load(Ordering::Acquire),
                "a helper thread of the team panicked"
            );
        }

        /// A parallel loop on the team: `f(i)` for every `i in 0..n` (dynamic assignment).
        pub(super) fn par_for(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
            let next = AtomicUsize::new(0);
            self.run(&|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                f(i);
            });
        }

        /// Release the helpers (they return from [`Shared::helper`]).
        pub(super) fn stop(&self) {
            self.stop.store(true, Ordering::Release);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            self.wake_helpers();
        }
    }
}

/// A row-major buffer written by several threads at disjoint places.
#[derive(Clone, Copy)]
struct SharedRows {
    ptr: *mut Real,
    len: usize,
}
// SAFETY: used only to write disjoint ranges from different threads, separated from reads of
// the same ranges by a barrier (see `esn_pass`).
unsafe impl Sync for SharedRows {}
unsafe impl Send for SharedRows {}

impl SharedRows {
    /// # Safety
    /// `a..b` inside the buffer and not written by another thread meanwhile.
    unsafe fn get(&self, a: usize, b: usize) -> &[Real] {
        assert!(a <= b && b <= self.len);
        // SAFETY: in bounds (asserted); no concurrent writer (caller).
        unsafe { std::slice::from_raw_parts(self.ptr.add(a), b - a) }
    }
    /// # Safety
    /// `a..b` inside the buffer and not accessed by another thread meanwhile.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get_mut(&self, a: usize, b: usize) -> &mut [Real] {
        assert!(a <= b && b <= self.len);
        // SAFETY: in bounds (asserted); exclusive (caller).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(a), b - a) }
    }
}

/// Threads for the ESN training pass: rayon's pool size (`--threads`), at most the number of
/// cores (spinning threads must not outnumber cores).
fn pass_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rayon::current_num_threads().clamp(1, cores.max(1))
}

/// The ESN training pass without state noise, on a team of `threads` threads: the
/// reservoir runs from the zero state over rows `0..end` in blocks of [`GRAM_BLOCK`] steps
/// (cut at the start and end of `tr`), all threads stepping their share of the units
/// ([`Esn::row_ranges`]) with a barrier per step; after each block of training rows, all
/// threads fold it into the Gram accumulator ([`GramAccumulator::add_batch_with`]). Rows of
/// `keep` go to `val_states` / `val_feats` (row 0 = `keep.start`). Same blocks and same
/// per-row arithmetic for any thread count, so the result is bit-identical to the streamed
/// pass of [`FeatureSource::visit`]. Also returns the blocks of training rows with the
/// state each starts from ([`BlockStarts`]), from which any block can be run again alone.
#[allow(clippy::too_many_arguments)]
fn esn_pass(
    esn: &Esn,
    inputs: ArrayView2<Real>,
    targets: ArrayView2<Real>,
    include_input: bool,
    tr: std::ops::Range<usize>,
    keep: std::ops::Range<usize>,
    val_states: &mut Array2<Real>,
    val_feats: &mut Array2<Real>,
    threads: usize,
) -> Result<(GramAccumulator, BlockStarts)> {
    let n = esn.n_units();
    let k = inputs.ncols();
    let nf = n + if include_input { k } else { 0 };
    let end = keep.end.max(tr.end).min(inputs.nrows());
    let mut gram = GramAccumulator::new(nf, targets.ncols());
    // Blocks: cut at tr.start and tr.end, then every GRAM_BLOCK rows.
    let mut blocks = Vec::new();
    for (a, b) in [
        (0, tr.start.min(end)),
        (tr.start.min(end), tr.end.min(end)),
        (tr.end.min(end), end),
    ] {
        let mut lo = a;
        while lo < b {
            let hi = (lo + GRAM_BLOCK).min(b);
            blocks.push(lo..hi);
            lo = hi;
        }
    }
    let cap = blocks.iter().map(|b| b.len()).max().unwrap_or(0);
    let mut buf = Array2::<Real>::zeros((cap, nf));
    let mut x0 = vec![0.0; n];
    let mut starts = BlockStarts::default();
    // Inputs as one contiguous row per step.
    let u_all = inputs.as_standard_layout();
    let u_all = u_all.as_slice().expect("standard layout");
    let shared = team::Shared::new(threads);
    let ranges = esn.row_ranges(shared.n());
    std::thread::scope(|scope| -> Result<()> {
        let helpers: Vec<_> = (1..shared.n())
            .map(|tid| {
                let sh = &shared;
                scope.spawn(move || sh.helper(tid))
            })
            .collect();
        shared.set_helpers(helpers.iter().map(|h| h.thread().clone()).collect());
        // Steps are split over the team, with a barrier per step, unless the barriers were
        // often slow (another program holds a core: a thread of the team keeps losing it):
        // then the caller steps alone for a few blocks before the team is tried again. The
        // split does not change any result.
        let slow_steps = std::sync::atomic::AtomicUsize::new(0);
        let mut solo_blocks = 0usize;
        let out = (|| -> Result<()> {
            for blk in &blocks {
                let rows = SharedRows {
                    ptr: buf.as_mut_ptr(),
                    len: buf.len(),
                };
                let x0r = &x0;
                let (lo, hi) = (blk.start, blk.end);
                if tr.contains(&lo) {
                    starts.push(blk.clone(), x0r);
                }
                let solo = solo_blocks > 0 || shared.n() == 1;
                let slow = &slow_steps;
                slow.store(0, std::sync::atomic::Ordering::Relaxed);
                shared.run(&|tid| {
                    let r = if solo {
                        if tid > 0 {
                            return;
                        }
                        0..n
                    } else {
                        ranges[tid].clone()
                    };
                    let mut n_slow = 0usize;
                    for t in lo..hi {
                        let i = t - lo;
                        let u = &u_all[t * k..(t + 1) * k];
                        // SAFETY: row i − 1 was completed before the last barrier and
                        // nobody writes it during this step; this thread alone writes units
                        // `r` of row i, and thread 0 alone the input part of row i.
                        unsafe {
                            let prev = if i == 0 {
                                &x0r[..]
                            } else {
                                rows.get((i - 1) * nf, (i - 1) * nf + n)
                            };
                            let out = rows.get_mut(i * nf + r.start, i * nf + r.end);
                            esn.step_rows(prev, u, r.clone(), out);
                            if tid == 0 && include_input {
                                rows.get_mut(i * nf + n, (i + 1) * nf).copy_from_slice(u);
                            }
                        }
                        if !solo && shared.barrier.wait() {
                            n_slow += 1;
                        }
                    }
                    slow.fetch_add(n_slow, std::sync::atomic::Ordering::Relaxed);
                });
                if solo {
                    solo_blocks = solo_blocks.saturating_sub(1);
                } else if slow.load(std::sync::atomic::Ordering::Relaxed) * 50 > hi - lo {
                    solo_blocks = 4;
                }
                let m = hi - lo;
                x0.copy_from_slice(&buf.row(m - 1).as_slice().expect("contiguous")[..n]);
                for t in lo.max(keep.start)..hi.min(keep.end) {
                    let row = buf.row(t - lo);
                    val_feats.row_mut(t - keep.start).assign(&row);
                    val_states
                        .row_mut(t - keep.start)
                        .assign(&row.slice(s![..n]));
                }
                if tr.contains(&lo) {
                    gram.add_batch_with(
                        buf.slice(s![..m, ..]),
                        targets.slice(s![lo..hi, ..]),
                        &|c, f| shared.par_for(c, f),
                    )?;
                }
            }
            Ok(())
        })();
        shared.stop();
        for h in helpers {
            h.join()
                .map_err(|_| TsError::Runtime("a thread of the ESN pass panicked".into()))?;
        }
        out
    })?;
    Ok((gram, starts))
}

/// Blocks of rows of a noise-free ESN run, each with the state before its first row (the
/// zero state for row 0): every block can then be run again on its own, in any order or in
/// parallel, giving exactly the states of the whole run.
#[derive(Default)]
struct BlockStarts {
    /// Rows of each block.
    blocks: Vec<std::ops::Range<usize>>,
    /// States before each block, one row of `n_units` per block.
    states: Vec<Real>,
}

impl BlockStarts {
    fn push(&mut self, rows: std::ops::Range<usize>, state: &[Real]) {
        self.blocks.push(rows);
        self.states.extend_from_slice(state);
    }

    /// Run every block again from its saved state and apply `ridge` to its feature rows
    /// (`[x(t); u(t)]` or `x(t)`), blocks in parallel on rayon's pool; row `t` of the result
    /// is row `rows.start + t`. Each block's arithmetic is fixed, so the result does not
    /// depend on the thread count.
    fn predict(
        &self,
        esn: &Esn,
        inputs: ArrayView2<Real>,
        include_input: bool,
        ridge: &Ridge,
        rows: std::ops::Range<usize>,
    ) -> Result<Array2<Real>> {
        use rayon::prelude::*;
        let n = esn.n_units();
        let k = inputs.ncols();
        let nf = n + if include_input { k } else { 0 };
        let preds = self
            .blocks
            .par_iter()
            .enumerate()
            .map(|(b, blk)| -> Result<Array2<Real>> {
                let mut x = self.states[b * n..(b + 1) * n].to_vec();
                let mut feats = Array2::<Real>::zeros((blk.len(), nf));
                esn.run_with(
                    inputs.slice(s![blk.clone(), ..]),
                    &mut x,
                    0.0,
                    None,
                    |i, xs| {
                        let mut row = feats.row_mut(i);
                        let row = row.as_slice_mut().expect("contiguous rows");
                        row[..n].copy_from_slice(xs);
                        if include_input {
                            for (d, v) in row[n..].iter_mut().zip(inputs.row(blk.start + i)) {
                                *d = *v;
                            }
                        }
                    },
                )?;
                Ok(ridge.predict(feats.view())?)
            })
            .collect::<Vec<_>>();
        let mut out = Array2::zeros((rows.len(), ridge.n_outputs()));
        for (blk, p) in self.blocks.iter().zip(preds) {
            out.slice_mut(s![blk.start - rows.start..blk.end - rows.start, ..])
                .assign(&p?);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// A fitted time-series model (the model file).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TsModel {
    /// [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`].
    pub format_version: u64,
    /// The task (top level, so that the CLI can dispatch on it).
    pub task: Task,
    /// The config it was fitted with.
    pub config: TsConfig,
    /// Data source of the fit (`mackey-glass`… or the CSV path).
    pub data: String,
    /// Target column override of the fit (CSV).
    pub target: Option<String>,
    /// The reservoir with every weight.
    pub reservoir: BuiltReservoir,
    /// Input scaling fitted on the train segment.
    pub input_scaler: Scaler,
    /// Target scaling fitted on the train segment.
    pub target_scaler: Scaler,
    /// The readout.
    pub readout: Ridge,
    /// Validation score of each α of the grid (NRMSE of the task's protocol; `null` where
    /// the closed loop diverged).
    pub validation: Vec<(Real, Option<Real>)>,
    /// Input channel names.
    pub input_names: Vec<String>,
    /// Target names.
    pub target_names: Vec<String>,
}

impl TsModel {
    /// Save atomically as JSON.
    ///
    /// # Errors
    /// I/O errors naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).map_err(|e| TsError::Json {
            file: path.display().to_string(),
            msg: e.to_string(),
        })?;
        write_atomic(path, &text).map_err(|e| TsError::Io {
            file: path.display().to_string(),
            source: e,
        })
    }

    /// Load and check the format and version.
    ///
    /// # Errors
    /// I/O, JSON, or a wrong format / version, naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TsError::Io {
            file: file.clone(),
            source: e,
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| TsError::Json {
            file: file.clone(),
            msg: format!("not a JSON model file: {e}"),
        })?;
        let fmt = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if fmt != MODEL_FORMAT {
            return Err(TsError::Json {
                file,
                msg: format!(
                    "field `format`: expected \"{MODEL_FORMAT}\", found {:?}",
                    fmt
                ),
            });
        }
        let ver = v
            .get("format_version")
            .and_then(|f| f.as_u64())
            .unwrap_or(0);
        if ver == 0 || ver > MODEL_VERSION {
            return Err(TsError::Json {
                file,
                msg: format!(
                    "field `format_version`: this lsm reads time-series models up to version {MODEL_VERSION}, found {ver}"
                ),
            });
        }
        serde_json::from_value(v).map_err(|e| TsError::Json {
            file,
            msg: format!("invalid model: {e}"),
        })
    }
}

/// Settings shared by fit and evaluate to score a segment.
struct Scorer<'a> {
    cfg: &'a TsConfig,
    prep: &'a Prepared,
    res: &'a BuiltReservoir,
    /// States of rows `offset..offset + states.nrows()` of the prepared series.
    states: &'a Array2<Real>,
    /// Features of the same rows.
    feats: &'a Array2<Real>,
    /// Row of the series held in row 0 of `states` and `feats`.
    offset: usize,
}

/// A scored segment: the scores plus what to plot.
#[derive(Clone, Debug)]
pub struct SegmentResult {
    /// Scores in original units.
    pub scores: Scores,
    /// Prediction (original units), steps × outputs, for plotting.
    pub prediction: Array2<Real>,
    /// Target (original units), same shape.
    pub target: Array2<Real>,
}

impl Scorer<'_> {
    /// Score `range` (rows of the prepared series) with `ridge`.
    fn score(&self, ridge: &Ridge, range: std::ops::Range<usize>) -> Result<SegmentResult> {
        match self.cfg.prediction.mode {
            Mode::OneStep | Mode::KStep => {
                let off = self.offset;
                let p =
                    ridge.predict(self.feats.slice(s![range.start - off..range.end - off, ..]))?;
                let t = self.prep.targets.slice(s![range, ..]);
                let po = self.unscale(p.view());
                let to = self.unscale(t);
                Ok(SegmentResult {
                    scores: scores(po.view(), to.view()),
                    prediction: po,
                    target: to,
                })
            }
            Mode::ClosedLoop => self.closed_loop(ridge, range),
        }
    }

    fn unscale(&self, x: ArrayView2<Real>) -> Array2<Real> {
        let mut o = x.to_owned();
        for (j, mut col) in o.axis_iter_mut(Axis(1)).enumerate() {
            col.mapv_inplace(|v| self.prep.target_scaler.invert_col(j, v));
        }
        o
    }

    /// Jaeger's protocol on `range`: trial starts `s_j` evenly spaced so that
    /// `s_j + horizon <= range.end`; from the teacher-forced state after input row `s_j − 1`
    /// the readout output is fed back for `horizon` steps; error of step `horizon`.
    fn closed_loop(&self, ridge: &Ridge, range: std::ops::Range<usize>) -> Result<SegmentResult> {
        let BuiltReservoir::Esn(esn) = self.res else {
            return Err(TsError::Runtime("closed loop needs an ESN".into()));
        };
        let h = self.cfg.prediction.horizon;
        let trials = self.cfg.prediction.trials;
        let len = range.len();
        if len <= h {
            return Err(TsError::Runtime(format!(
                "segment of {len} steps is too short for horizon {h}"
            )));
        }
        let span = len - h; // start offsets 0..=span-1 (+1 so that start >= 1 row in)
        let k = self.prep.inputs.ncols();
        let o = ridge.n_outputs();
        if o != k {
            return Err(TsError::Runtime(
                "closed loop needs as many outputs as inputs".into(),
            ));
        }
        let include = self.cfg.readout.include_input;
        let n = esn.n_units();
        let mut x = vec![0.0; n];
        let mut scratch = vec![0.0; n];
        let mut feat = Array1::zeros(n + if include { k } else { 0 });
        let mut u = vec![0.0; k];
        let mut preds = Array2::zeros((trials, o));
        let mut targs = Array2::zeros((trials, o));
        for j in 0..trials {
            // Start: the state after input row s − 1 (teacher forced), s >= range.start + 1.
            let s0 = range.start + 1 + (j * span.saturating_sub(1)) / trials.max(1);
            x.copy_from_slice(
                self.states
                    .row(s0 - 1 - self.offset)
                    .as_slice()
                    .expect("contiguous"),
            );
            // Output after input row s0 - 1 predicts input row s0.
            for step in 0..h {
                // Feature of the current state with the input that produced it.
                for (d, v) in feat.iter_mut().zip(x.iter()) {
                    *d = *v;
                }
                if include {
                    let uin: Vec<Real> = if step == 0 {
                        self.prep.inputs.row(s0 - 1).to_vec()
                    } else {
                        u.clone()
                    };
                    for (i, v) in uin.iter().enumerate() {
                        feat[n + i] = *v;
                    }
                }
                let y = ridge.predict_one(feat.view())?;
                if !y.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                    return Err(TsError::Runtime(format!(
                        "closed-loop prediction diverged in trial {j} at free-run step {}",
                        step + 1
                    )));
                }
                if step + 1 == h {
                    preds.row_mut(j).assign(&y);
                    // Output after input row s0 + h - 2 predicts row s0 + h - 1.
                    targs.row_mut(j).assign(&self.prep.targets.row(s0 + h - 2));
                } else {
                    u.copy_from_slice(y.as_slice().expect("contiguous"));
                    esn.step(&mut x, &u, &mut scratch);
                }
            }
        }
        let po = self.unscale(preds.view());
        let to = self.unscale(targs.view());
        // Normalise by the target's variance over the whole segment (Jaeger), not over the
        // trial end points.
        let seg = self.unscale(self.prep.targets.slice(s![range, ..]));
        let mut nmse = 0.0;
        let mut mse_all = 0.0;
        let mut r2 = 0.0;
        for c in 0..o {
            let mse = po
                .column(c)
                .iter()
                .zip(to.column(c).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<Real>()
                / trials as Real;
            let var = seg.column(c).var(0.0);
            mse_all += mse;
            let nm = if mse == 0.0 { 0.0 } else { mse / var };
            nmse += nm;
            r2 += 1.0 - nm;
        }
        Ok(SegmentResult {
            scores: Scores {
                mse: mse_all / o as Real,
                nrmse: (nmse / o as Real).sqrt(),
                r2: r2 / o as Real,
                n: trials,
            },
            prediction: po,
            target: to,
        })
    }

    /// One long free run from the start of `range` (for plots): `len` steps.
    pub fn free_run(
        &self,
        ridge: &Ridge,
        start: usize,
        len: usize,
    ) -> Result<(Array2<Real>, Array2<Real>)> {
        let BuiltReservoir::Esn(esn) = self.res else {
            return Err(TsError::Runtime("closed loop needs an ESN".into()));
        };
        let k = self.prep.inputs.ncols();
        let n = esn.n_units();
        let include = self.cfg.readout.include_input;
        let mut x = self.states.row(start - 1 - self.offset).to_vec();
        let mut scratch = vec![0.0; n];
        let mut u = self.prep.inputs.row(start - 1).to_vec();
        let mut feat = Array1::zeros(n + if include { k } else { 0 });
        let mut pred = Array2::zeros((len, k));
        for step in 0..len {
            for (d, v) in feat.iter_mut().zip(x.iter()) {
                *d = *v;
            }
            if include {
                for (i, v) in u.iter().enumerate() {
                    feat[n + i] = *v;
                }
            }
            let y = ridge.predict_one(feat.view())?;
            if !y.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                pred = pred.slice(s![..step, ..]).to_owned();
                break;
            }
            pred.row_mut(step).assign(&y);
            u.copy_from_slice(y.as_slice().expect("contiguous"));
            esn.step(&mut x, &u, &mut scratch);
        }
        let m = pred.nrows();
        let t = self.prep.targets.slice(s![start - 1..start - 1 + m, ..]);
        Ok((self.unscale(pred.view()), self.unscale(t)))
    }
}

/// Summary of a fit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FitReport {
    /// The chosen α.
    pub alpha: Real,
    /// Validation NRMSE of the chosen α (NaN without a validation segment).
    pub validation_nrmse: Real,
    /// Training scores (one-step style, teacher forced).
    pub train: Scores,
    /// Seconds spent building the reservoir (weights, spectral radius).
    pub seconds_build: Real,
    /// Seconds spent running the reservoir over the train and validation segments (state
    /// collection). For an ESN without state noise this includes folding the training rows
    /// into the Gram matrix, done block by block by the same threads; otherwise the Gram
    /// accumulation runs on a second thread meanwhile.
    pub seconds_run: Real,
    /// Seconds from the end of the run to the fitted readouts: the rest of the Gram
    /// accumulation and the ridge solves for the α grid.
    pub seconds_readout: Real,
    /// Seconds spent scoring: validation (α selection) and training scores (a second run
    /// over the training segment).
    pub seconds_score: Real,
}

/// Fit a model on `data` (see the module doc).
///
/// # Errors
/// Config, data, reservoir or readout errors.
pub fn fit(cfg: &TsConfig, data: &DataSource) -> Result<(TsModel, FitReport)> {
    cfg.validate()?;
    if let DataSource::Builtin(t) = data {
        if *t != cfg.task {
            return cfg_err(
                "task",
                format!(
                    "the config is for `{}` but the data are `{}`",
                    cfg.task.name(),
                    t.name()
                ),
            );
        }
    }
    let prep = prepare(cfg, data, None)?;
    if cfg.prediction.mode == Mode::ClosedLoop && !prep.autonomous {
        return cfg_err(
            "prediction.mode",
            "closed-loop prediction needs the inputs to be the target (data.csv.inputs = [target])",
        );
    }
    let k = prep.inputs.ncols();
    let clock = std::time::Instant::now();
    let res = BuiltReservoir::build(cfg, k)?;
    let seconds_build = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let w = cfg.split.washout;
    let tr = w..w + cfg.split.train;
    let va = tr.end..tr.end + cfg.split.validation;
    let noise = match &cfg.reservoir {
        ReservoirConfig::Esn(e) => e.noise,
        _ => 0.0,
    };
    // One pass: the reservoir runs over train and validation; train feature rows are folded
    // into the Gram accumulator in blocks as they come, validation rows are kept for scoring.
    let src = FeatureSource::new(
        &res,
        prep.inputs.view(),
        cfg.readout.include_input,
        cfg.seed,
    )?;
    let nf = src.n_features();
    let o = prep.targets.ncols();
    let bl = GRAM_BLOCK.min(tr.len());
    let keep = if cfg.split.validation > 0 {
        va.start - 1..va.end
    } else {
        tr.end..tr.end
    };
    let mut val_states = Array2::zeros((keep.len(), res.n_state()));
    let mut val_feats = Array2::zeros((keep.len(), nf));
    let keep_now = noise == 0.0;
    // The reservoir runs on this thread; full blocks of training rows go to a second thread
    // that folds them into the Gram accumulator (in order, so the sums do not depend on the
    // timing) while the run continues. Three block buffers circulate between the two.
    let targets = &prep.targets;
    let mut starts = None;
    let (gram, run_end) = match &res {
        // Without state noise, an ESN runs on a team of threads that alternate between
        // stepping the reservoir and folding the Gram matrix (`esn_pass`).
        BuiltReservoir::Esn(esn) if noise == 0.0 => {
            let g = esn_pass(
                esn,
                prep.inputs.view(),
                targets.view(),
                cfg.readout.include_input,
                tr.clone(),
                keep.clone(),
                &mut val_states,
                &mut val_feats,
                pass_threads(),
            )?;
            starts = Some(g.1);
            (g.0, clock.elapsed().as_secs_f64())
        }
        _ => std::thread::scope(|scope| -> Result<(GramAccumulator, f64)> {
            let (full_tx, full_rx) =
                std::sync::mpsc::sync_channel::<(Array2<Real>, usize, usize)>(2);
            let (free_tx, free_rx) = std::sync::mpsc::channel::<Array2<Real>>();
            for _ in 0..2 {
                free_tx
                    .send(Array2::zeros((bl, nf)))
                    .expect("receiver alive");
            }
            let consumer = scope.spawn(move || -> Result<GramAccumulator> {
                let mut gram = GramAccumulator::new(nf, o);
                for (b, fill, t0) in full_rx {
                    gram.add_batch(
                        b.slice(s![..fill, ..]),
                        targets.slice(s![t0..t0 + fill, ..]),
                    )?;
                    // The producer may have finished: then nobody needs the buffer back.
                    let _ = free_tx.send(b);
                }
                Ok(gram)
            });
            let mut block = Some(Array2::<Real>::zeros((bl, nf)));
            let mut fill = 0usize;
            let stopped = || TsError::Runtime("the Gram accumulation stopped".into());
            let produced = src.visit(0..keep.end.max(tr.end), noise, tr.clone(), |t, x, f| {
                if tr.contains(&t) {
                    let blk = block.as_mut().expect("a buffer is held");
                    blk.row_mut(fill)
                        .as_slice_mut()
                        .expect("contiguous")
                        .copy_from_slice(f);
                    fill += 1;
                    if fill == bl || t + 1 == tr.end {
                        let full = block.take().expect("a buffer is held");
                        full_tx
                            .send((full, fill, t + 1 - fill))
                            .map_err(|_| stopped())?;
                        fill = 0;
                        if t + 1 < tr.end {
                            block = Some(free_rx.recv().map_err(|_| stopped())?);
                        }
                    }
                }
                if keep_now && keep.contains(&t) {
                    let r = t - keep.start;
                    val_states
                        .row_mut(r)
                        .as_slice_mut()
                        .expect("contiguous")
                        .copy_from_slice(x);
                    val_feats
                        .row_mut(r)
                        .as_slice_mut()
                        .expect("contiguous")
                        .copy_from_slice(f);
                }
                Ok(())
            });
            let run_end = clock.elapsed().as_secs_f64();
            drop(full_tx);
            let gram = consumer
                .join()
                .map_err(|_| TsError::Runtime("the Gram accumulation thread panicked".into()))?;
            // A readout error (e.g. a non-finite state) explains a stopped producer: report it.
            let gram = gram?;
            produced?;
            Ok((gram, run_end))
        })?,
    };
    let seconds_run = run_end;
    let params = RidgeValidParams {
        alpha: cfg.readout.alphas[0],
        fit_intercept: true,
        standardize: cfg.readout.standardize,
        ..RidgeValidParams::default()
    };
    let ridges = gram.solve_path(&params, &cfg.readout.alphas)?;
    // Readout: the Gram accumulation left after the run ended, plus the solves.
    let seconds_readout = clock.elapsed().as_secs_f64() - seconds_run;
    let clock = std::time::Instant::now();
    // The states of validation must be noise-free: with noise, run again without it.
    if !keep_now && !keep.is_empty() {
        (val_states, val_feats) = src.collect(keep.clone())?;
    }
    let scorer = Scorer {
        cfg,
        prep: &prep,
        res: &res,
        states: &val_states,
        feats: &val_feats,
        offset: keep.start,
    };
    let mut validation = Vec::new();
    let mut best = 0usize;
    if cfg.split.validation > 0 {
        let mut best_v = Real::INFINITY;
        for (i, r) in ridges.iter().enumerate() {
            let v = match scorer.score(r, va.clone()) {
                Ok(sr) => sr.scores.nrmse,
                Err(TsError::Runtime(_)) => Real::INFINITY,
                Err(e) => return Err(e),
            };
            validation.push((r.alpha, v.is_finite().then_some(v)));
            if v < best_v {
                best_v = v;
                best = i;
            }
        }
    }
    let ridge = ridges.into_iter().nth(best).expect("non-empty grid");
    // Training scores: a second pass (same states, noise included) through the chosen
    // readout, so that the train states are never held. A noise-free ESN runs its blocks
    // again in parallel from the states saved by the first pass; otherwise the reservoir
    // streams again from the start.
    let mut train_pred = Array2::zeros((tr.len(), o));
    let mut block = Array2::<Real>::zeros((bl, nf));
    let mut fill = 0usize;
    if let (Some(st), BuiltReservoir::Esn(esn)) = (&starts, &res) {
        train_pred = st.predict(
            esn,
            prep.inputs.view(),
            cfg.readout.include_input,
            &ridge,
            tr.clone(),
        )?;
    } else {
        src.visit(0..tr.end, noise, tr.clone(), |t, _x, f| {
            if tr.contains(&t) {
                block
                    .row_mut(fill)
                    .as_slice_mut()
                    .expect("contiguous")
                    .copy_from_slice(f);
                fill += 1;
                if fill == block.nrows() || t + 1 == tr.end {
                    let p = ridge.predict(block.slice(s![..fill, ..]))?;
                    let r1 = t + 1 - tr.start;
                    train_pred.slice_mut(s![r1 - fill..r1, ..]).assign(&p);
                    fill = 0;
                }
            }
            Ok(())
        })?;
    }
    let train = scores(
        scorer.unscale(train_pred.view()).view(),
        scorer.unscale(prep.targets.slice(s![tr, ..])).view(),
    );
    let seconds_score = clock.elapsed().as_secs_f64();
    let report = FitReport {
        alpha: ridge.alpha,
        validation_nrmse: validation.get(best).and_then(|v| v.1).unwrap_or(Real::NAN),
        train,
        seconds_build,
        seconds_run,
        seconds_readout,
        seconds_score,
    };
    let (data_name, target) = match data {
        DataSource::Builtin(t) => (t.name().to_string(), None),
        DataSource::Csv { path, target } => (path.display().to_string(), target.clone()),
    };
    let model = TsModel {
        format: MODEL_FORMAT.into(),
        format_version: MODEL_VERSION,
        task: cfg.task,
        config: cfg.clone(),
        data: data_name,
        target,
        reservoir: res,
        input_scaler: prep.input_scaler.clone(),
        target_scaler: prep.target_scaler.clone(),
        readout: ridge,
        validation,
        input_names: prep.input_names.clone(),
        target_names: prep.target_names.clone(),
    };
    Ok((model, report))
}

/// Result of an evaluation.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Test scores.
    pub scores: Scores,
    /// What to plot: prediction and target (original units), steps × outputs. For closed
    /// loop, one free run of up to 500 steps from the start of the test segment.
    pub plot_prediction: Array2<Real>,
    /// Target for the plot.
    pub plot_target: Array2<Real>,
    /// Target names.
    pub target_names: Vec<String>,
    /// Number of test steps scored (or trials for closed loop).
    pub n_scored: usize,
}

/// Evaluate `model` on `data`: the test segment of the split (the same series is regenerated
/// from the stored config and seed; for a CSV file, the file is cut with the same split).
///
/// # Errors
/// Data, reservoir or readout errors.
pub fn evaluate(model: &TsModel, data: &DataSource) -> Result<Evaluation> {
    let cfg = &model.config;
    if let DataSource::Builtin(t) = data {
        if *t != cfg.task {
            return cfg_err(
                "task",
                format!(
                    "the model was fitted on `{}` but the data are `{}`",
                    cfg.task.name(),
                    t.name()
                ),
            );
        }
    }
    let data = match data {
        DataSource::Csv { path, target: None } => DataSource::Csv {
            path: path.clone(),
            target: model.target.clone(),
        },
        d => d.clone(),
    };
    let prep = prepare(
        cfg,
        &data,
        Some((&model.input_scaler, &model.target_scaler)),
    )?;
    if prep.inputs.ncols() != model.input_names.len() {
        return Err(TsError::Runtime(format!(
            "{}: {} input channels, the model expects {}",
            prep.source,
            prep.inputs.ncols(),
            model.input_names.len()
        )));
    }
    let sp = &cfg.split;
    let start = sp.washout + sp.train + sp.validation;
    let te = start..start + sp.test;
    // Only the rows from the one before the test segment on are held.
    let src = FeatureSource::new(
        &model.reservoir,
        prep.inputs.view(),
        cfg.readout.include_input,
        cfg.seed,
    )?;
    let (states, feats) = src.collect(te.start - 1..te.end)?;
    let scorer = Scorer {
        cfg,
        prep: &prep,
        res: &model.reservoir,
        states: &states,
        feats: &feats,
        offset: te.start - 1,
    };
    let r = scorer.score(&model.readout, te.clone())?;
    let (pp, pt) = if cfg.prediction.mode == Mode::ClosedLoop {
        scorer.free_run(&model.readout, te.start, 500.min(sp.test))?
    } else {
        (r.prediction.clone(), r.target.clone())
    };
    Ok(Evaluation {
        n_scored: r.scores.n,
        scores: r.scores,
        plot_prediction: pp,
        plot_target: pt,
        target_names: prep.target_names.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Spiking reservoir with analog input
// ---------------------------------------------------------------------------------------------

/// How the analog series enters the spiking network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SpikingInput {
    /// Direct current: during every simulator step of sample `t`, input channel `k` carries
    /// `offset[k] + scale[k]·u_k(t)` (u scaled as in `data.scale`), injected through the
    /// network's input weights (`Σ_k w_in[k→n]·I_k`, nA). One value broadcasts to every
    /// channel.
    Current {
        /// Per-channel gain. Default [1.0].
        #[serde(default = "one_vec")]
        scale: Vec<Real>,
        /// Per-channel offset. Default [0.0].
        #[serde(default = "zero_vec")]
        offset: Vec<Real>,
    },
    /// Any encoder of lsm-encoding on `(u + 1)/2` clipped to [0, 1], one frame per sample.
    Encoder(lsm_encoding::EncoderConfig),
}

fn one_vec() -> Vec<Real> {
    vec![1.0]
}
fn zero_vec() -> Vec<Real> {
    vec![0.0]
}

/// The `"reservoir": {"kind": "spiking", ...}` object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpikingConfig {
    /// Network generator (neurons, topology, input projection, dt). Default: a 1000-neuron
    /// LIF network (random p = 0.1, E/I 80/20) with weak recurrent weights (0.1× the
    /// generator's) and random-sign input weights U[0, 10) nA onto every neuron (see
    /// [`SpikingConfig::default`]).
    pub network: lsm_reservoir::GeneratorConfig,
    /// Simulator steps per series sample (the input is held over them). Default 10.
    pub steps_per_sample: usize,
    /// Input path. Default direct current, scale 1, offset 0.
    pub input: SpikingInput,
    /// Time constant of the filtered spike traces read at the last step of every sample, ms.
    /// Default 10.
    pub trace_tau_ms: Real,
    /// Also use each neuron's spike count within the sample as a feature. Default false.
    pub counts: bool,
    /// Further trace time constants, ms: each adds one filtered trace per neuron to the
    /// features (same filter as `trace_tau_ms`: every simulator step the trace decays by
    /// `exp(−dt/τ)`, then adds 1 per spike; read at the last step of the sample). A spread
    /// of time constants gives the readout fading memories of several lengths. Default
    /// empty. Each > 0.
    pub extra_trace_tau_ms: Vec<Real>,
    /// Also use each neuron's membrane potential at the last step of every sample (mV) as a
    /// feature: the analog part of the liquid's state, free of spike-count noise. Default
    /// false.
    pub membrane: bool,
    /// Per-neuron bias current drawn uniformly from `[lo, hi)` nA (replacing the neuron's
    /// `i_bias_na`), so that the population spans silent, near-threshold and tonically firing
    /// neurons and codes the analog input like a rate network. Default `null` (keep the
    /// neuron's bias) in the config, `[5, 25]` in [`SpikingConfig::default`]. `lo <= hi`.
    pub bias_na: Option<[Real; 2]>,
    /// Per-neuron membrane time constant drawn uniformly from `[lo, hi)` ms (replacing
    /// `tau_m_ms`): a spread of integration time scales. Default `[5, 30]` (`null` keeps the
    /// neuron's). `0 < lo <= hi`.
    pub tau_m_ms: Option<[Real; 2]>,
}

/// Random stream of the per-neuron heterogeneity of [`SpikingConfig`] (`bias_na`,
/// `tau_m_ms`), distinct from the generator's streams.
pub const STREAM_SPIKING_HETEROGENEITY: u64 = stream::NEURON | (1 << 40);

impl Default for SpikingConfig {
    /// The input-driven regime tuned on NARMA-10's validation segment
    /// (`scripts/bench/spiking_timeseries_grid.py`): 1000 LIF neurons (Maass 2002 parameters)
    /// with per-neuron bias currents U[5, 25) nA around the 15 nA rheobase and membrane time
    /// constants U[5, 30) ms; every neuron receives the input through a weight of random
    /// sign and magnitude U[0, 10) nA per unit of scaled input; recurrent weights at 0.1×
    /// the generator's defaults (at 1× the network saturates near 500 Hz whatever the input
    /// and the features carry no information); 10 simulator steps (1 ms) per sample; traces
    /// with τ = 10 ms.
    fn default() -> Self {
        let mut network = lsm_reservoir::GeneratorConfig::default();
        let w = &mut network.weight_scale;
        w.ee *= 0.1;
        w.ei *= 0.1;
        w.ie *= 0.1;
        w.ii *= 0.1;
        network.input = lsm_reservoir::InputConfig {
            fraction: 1.0,
            scale_exc: 10.0,
            scale_inh: 10.0,
            dist: lsm_reservoir::WeightDist::Uniform {
                low: 0.0,
                high: 1.0,
            },
            sign: lsm_reservoir::generate::InputSign::Random,
            ..lsm_reservoir::InputConfig::default()
        };
        Self {
            network,
            steps_per_sample: 10,
            input: SpikingInput::Current {
                scale: one_vec(),
                offset: zero_vec(),
            },
            trace_tau_ms: 10.0,
            counts: false,
            extra_trace_tau_ms: Vec::new(),
            membrane: false,
            bias_na: Some([5.0, 25.0]),
            tau_m_ms: Some([5.0, 30.0]),
        }
    }
}

impl SpikingConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`TsError::Config`] or the generator's error.
    pub fn validate(&self) -> Result<()> {
        self.network.check()?;
        if self.steps_per_sample == 0 {
            return cfg_err("reservoir.steps_per_sample", "expected at least 1");
        }
        if !(self.trace_tau_ms.is_finite() && self.trace_tau_ms > 0.0) {
            return cfg_err("reservoir.trace_tau_ms", "expected a time constant > 0 ms");
        }
        if self
            .extra_trace_tau_ms
            .iter()
            .any(|t| !(t.is_finite() && *t > 0.0))
        {
            return cfg_err(
                "reservoir.extra_trace_tau_ms",
                "expected time constants > 0 ms",
            );
        }
        if let Some([lo, hi]) = self.bias_na {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return cfg_err(
                    "reservoir.bias_na",
                    format!("expected [lo, hi] finite with lo <= hi, found [{lo}, {hi}]"),
                );
            }
        }
        if let Some([lo, hi]) = self.tau_m_ms {
            if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
                return cfg_err(
                    "reservoir.tau_m_ms",
                    format!("expected [lo, hi] ms with 0 < lo <= hi, found [{lo}, {hi}]"),
                );
            }
        }
        match &self.input {
            SpikingInput::Current { scale, offset } => {
                if scale.is_empty() || offset.is_empty() {
                    return cfg_err("reservoir.input.scale", "expected at least one value");
                }
                if scale.iter().chain(offset).any(|v| !v.is_finite()) {
                    return cfg_err("reservoir.input.scale", "expected finite values");
                }
            }
            SpikingInput::Encoder(e) => {
                e.check_dt(self.network.dt_ms)
                    .map_err(|e| TsError::Config {
                        field: "reservoir.input".into(),
                        msg: e.to_string(),
                    })?;
            }
        }
        Ok(())
    }
}

/// A built spiking reservoir: the network spec (every synapse) and how to drive and read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpikingReservoir {
    /// The config it was built from.
    pub config: SpikingConfig,
    /// The generated network (every neuron and synapse).
    pub spec: lsm_reservoir::NetworkSpec,
    /// Input channels of the series.
    pub n_series_channels: usize,
}

impl SpikingReservoir {
    /// Generate the network for `n_inputs` series channels.
    ///
    /// # Errors
    /// Config or generator errors.
    pub fn build(cfg: &SpikingConfig, n_inputs: usize, seed: u64) -> Result<Self> {
        cfg.validate()?;
        let n_ch = match &cfg.input {
            SpikingInput::Current { scale, offset } => {
                for (name, v) in [("scale", scale), ("offset", offset)] {
                    if v.len() != 1 && v.len() != n_inputs {
                        return cfg_err(
                            &format!("reservoir.input.{name}"),
                            format!(
                                "expected 1 or {n_inputs} values (one per input channel), found {}",
                                v.len()
                            ),
                        );
                    }
                }
                n_inputs
            }
            SpikingInput::Encoder(e) => {
                use lsm_encoding::Encoder;
                e.n_channels(n_inputs)
            }
        };
        let mut spec = cfg.network.generate(n_ch, seed)?;
        if cfg.bias_na.is_some() || cfg.tau_m_ms.is_some() {
            use rand::Rng;
            let n = spec.n_neurons;
            let mut rng = rng_for(seed, STREAM_SPIKING_HETEROGENEITY);
            let mut draw = |[lo, hi]: [Real; 2]| -> lsm_reservoir::Param {
                lsm_reservoir::Param::PerNeuron(
                    (0..n)
                        .map(|_| if hi > lo { rng.gen_range(lo..hi) } else { lo })
                        .collect(),
                )
            };
            if let Some(r) = cfg.bias_na {
                spec.neuron.i_bias_na = draw(r);
            }
            if let Some(r) = cfg.tau_m_ms {
                spec.neuron.tau_m_ms = draw(r);
            }
        }
        Ok(Self {
            config: cfg.clone(),
            spec,
            n_series_channels: n_inputs,
        })
    }

    /// Features per sample: neurons × (1 + extra traces + 1 with `counts` + 1 with
    /// `membrane`).
    pub fn n_features(&self) -> usize {
        self.spec.n_neurons
            * (1 + self.config.extra_trace_tau_ms.len()
                + usize::from(self.config.counts)
                + usize::from(self.config.membrane))
    }

    /// Teacher-forced features, one row per input row.
    fn states(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Array2<Real>> {
        use lsm_reservoir::{Bins, Drive, Network, RecordSpec, TraceSamples, TraceSpec};
        let net = Network::from_spec(&self.spec)?;
        let c = &self.config;
        let sps = c.steps_per_sample;
        let t = inputs.nrows();
        let n_steps = t * sps;
        let frame_ms = sps as Real * net.dt_ms();
        let spec = RecordSpec {
            spikes: !c.extra_trace_tau_ms.is_empty(),
            v: false,
            bins: c.counts.then_some(Bins::WidthMs(frame_ms)),
            traces: Some(TraceSpec {
                tau_ms: c.trace_tau_ms,
                samples: TraceSamples::Steps((0..t).map(|i| (i + 1) * sps - 1).collect()),
                mean: false,
                last: false,
            }),
            final_state: false,
            v_samples: c.membrane,
        };
        let mut rec = match &c.input {
            SpikingInput::Current { scale, offset } => {
                let k = inputs.ncols();
                let mut cur = Array2::zeros((n_steps, k));
                for (i, row) in inputs.outer_iter().enumerate() {
                    for j in 0..k {
                        let sc = if scale.len() == 1 { scale[0] } else { scale[j] };
                        let of = if offset.len() == 1 {
                            offset[0]
                        } else {
                            offset[j]
                        };
                        let v = of + sc * row[j];
                        for st in 0..sps {
                            cur[[i * sps + st, j]] = v;
                        }
                    }
                }
                net.run(Drive::Current(cur.view()), n_steps, &spec, seed, 0)?
            }
            SpikingInput::Encoder(e) => {
                use lsm_encoding::Encoder;
                let x = inputs.mapv(|v| ((v + 1.0) * 0.5).clamp(0.0, 1.0));
                let grid = lsm_encoding::TimeGrid::new(frame_ms, net.dt_ms()).map_err(|e| {
                    TsError::Config {
                        field: "reservoir.steps_per_sample".into(),
                        msg: e.to_string(),
                    }
                })?;
                let mut rng = rng_for(seed, stream::ENCODER);
                let st = e
                    .encode(x.view(), &grid, &mut rng)
                    .map_err(|e| TsError::Runtime(format!("encoding the series: {e}")))?;
                net.run(Drive::Spikes(&st), n_steps, &spec, seed, 0)?
            }
        };
        let mut tr = rec
            .traces
            .take()
            .ok_or_else(|| TsError::Runtime("the simulator recorded no traces".into()))?;
        if !c.extra_trace_tau_ms.is_empty() {
            let spikes = rec
                .spikes
                .as_ref()
                .ok_or_else(|| TsError::Runtime("the simulator recorded no spikes".into()))?;
            let n = self.spec.n_neurons;
            let mut parts = vec![tr];
            for &tau in &c.extra_trace_tau_ms {
                let d = (-net.dt_ms() / tau).exp();
                let d_sample = d.powi(sps as i32);
                let mut x = vec![0.0; n];
                let mut out = Array2::zeros((t, n));
                for i in 0..t {
                    x.iter_mut().for_each(|v| *v *= d_sample);
                    for st in 0..sps {
                        let step = i * sps + st;
                        let w = d.powi((sps - 1 - st) as i32);
                        for &j in spikes.at(step) {
                            x[j as usize] += w;
                        }
                    }
                    out.row_mut(i)
                        .as_slice_mut()
                        .expect("contiguous")
                        .copy_from_slice(&x);
                }
                parts.push(out);
            }
            let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
            tr = ndarray::concatenate(Axis(1), &views).expect("same rows");
        }
        if c.counts {
            let counts = rec
                .bin_counts
                .take()
                .ok_or_else(|| TsError::Runtime("the simulator recorded no counts".into()))?;
            let counts = counts.slice(s![..t, ..]);
            tr = ndarray::concatenate(Axis(1), &[tr.view(), counts]).expect("same rows");
        }
        if c.membrane {
            let v = rec.v_samples.take().ok_or_else(|| {
                TsError::Runtime("the simulator recorded no membrane samples".into())
            })?;
            tr = ndarray::concatenate(Axis(1), &[tr.view(), v.view()]).expect("same rows");
        }
        Ok(tr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short NARMA-10 protocol for tests: 1500 training steps.
    fn short_narma(reservoir: ReservoirConfig) -> TsConfig {
        let mut c = TsConfig::default_for(Task::Narma10);
        c.data.discard = 100;
        c.split = SplitConfig {
            washout: 100,
            train: 1500,
            validation: 300,
            test: 500,
        };
        c.readout.alphas = (-8..=0).map(|e| 10f64.powi(e)).collect();
        c.reservoir = reservoir;
        c
    }

    /// The team pass gives the same bits for 1, 2 and 3 threads, and the same bits as the
    /// streamed single-thread pass (same Gram blocks), including the validation rows kept.
    #[test]
    fn esn_pass_is_bit_identical_for_any_thread_count() {
        let mut c = short_narma(ReservoirConfig::Esn(EsnConfig {
            n_units: 61,
            in_degree: 7,
            ..EsnConfig::default()
        }));
        c.split.train = 2 * GRAM_BLOCK + 77;
        let data = DataSource::Builtin(c.task);
        let prep = prepare(&c, &data, None).unwrap();
        let res = BuiltReservoir::build(&c, prep.inputs.ncols()).unwrap();
        let BuiltReservoir::Esn(esn) = &res else {
            panic!("an ESN was configured")
        };
        let tr = c.split.washout..c.split.washout + c.split.train;
        let keep = tr.end - 1..tr.end + c.split.validation;
        let params = RidgeValidParams {
            alpha: 1e-6,
            fit_intercept: true,
            standardize: false,
            ..RidgeValidParams::default()
        };
        let nf = 61 + prep.inputs.ncols();
        let run = |threads| {
            let mut vs = Array2::zeros((keep.len(), 61));
            let mut vf = Array2::zeros((keep.len(), nf));
            let g = esn_pass(
                esn,
                prep.inputs.view(),
                prep.targets.view(),
                true,
                tr.clone(),
                keep.clone(),
                &mut vs,
                &mut vf,
                threads,
            )
            .unwrap();
            (g.0.solve(&params).unwrap(), vs, vf, g.1)
        };
        let one = run(1);
        for threads in [2, 3] {
            let other = run(threads);
            assert_eq!(one.0, other.0, "{threads} threads: readout");
            assert_eq!(one.1, other.1, "{threads} threads: validation states");
            assert_eq!(one.2, other.2, "{threads} threads: validation features");
            assert_eq!(
                one.3.states, other.3.states,
                "{threads} threads: block starts"
            );
        }
        // Blocks run again from their saved states, in parallel, predict the same bits for
        // any pool size, equal to the readout applied to the streamed features.
        let predict = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                one.3
                    .predict(esn, prep.inputs.view(), true, &one.0, tr.clone())
                    .unwrap()
            })
        };
        let p1 = predict(1);
        assert_eq!(p1, predict(3), "block predictions: 1 vs 3 threads");
        assert_eq!(p1.nrows(), tr.len());
        assert_eq!(one.3.blocks.len(), 3);
        let (_, ft) = src_features(&res, &prep, &c, tr.clone());
        for blk in &one.3.blocks {
            let r = blk.start - tr.start..blk.end - tr.start;
            let direct = one.0.predict(ft.slice(s![r.clone(), ..])).unwrap();
            assert_eq!(p1.slice(s![r, ..]), direct, "block {blk:?}");
        }
        // The streamed pass on this thread, folded in the same blocks.
        let src = FeatureSource::new(&res, prep.inputs.view(), true, c.seed).unwrap();
        let mut g = GramAccumulator::new(nf, 1);
        let mut rows = Vec::new();
        src.visit(0..tr.end, 0.0, 0..0, |t, _, f| {
            if tr.contains(&t) {
                rows.push(f.to_vec());
                if rows.len() == GRAM_BLOCK || t + 1 == tr.end {
                    let m = rows.len();
                    let b = Array2::from_shape_fn((m, nf), |(i, j)| rows[i][j]);
                    g.add_batch(b.view(), prep.targets.slice(s![t + 1 - m..t + 1, ..]))
                        .unwrap();
                    rows.clear();
                }
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            one.0,
            g.solve(&params).unwrap(),
            "team pass vs streamed pass"
        );
        let (vs, vf) = src.collect(keep.clone()).unwrap();
        assert_eq!(one.1, vs);
        assert_eq!(one.2, vf);
    }

    /// States and features of rows `keep` by the streamed single-thread pass.
    fn src_features(
        res: &BuiltReservoir,
        prep: &Prepared,
        c: &TsConfig,
        keep: std::ops::Range<usize>,
    ) -> (Array2<Real>, Array2<Real>) {
        FeatureSource::new(res, prep.inputs.view(), true, c.seed)
            .unwrap()
            .collect(keep)
            .unwrap()
    }

    fn test_nrmse(c: &TsConfig) -> Real {
        let data = DataSource::Builtin(c.task);
        let (model, _) = fit(c, &data).unwrap();
        evaluate(&model, &data).unwrap().scores.nrmse
    }

    /// The spiking reservoir learns NARMA-10: its test NRMSE is clearly below that of the same
    /// readout on the raw input alone (an ESN of one unit without recurrence, input or bias:
    /// features `[0, u(t)]` + intercept), computed here on the same series and split.
    #[test]
    fn spiking_reservoir_learns_narma10() {
        let control = short_narma(ReservoirConfig::Esn(EsnConfig {
            n_units: 1,
            in_degree: 1,
            spectral_radius: 0.0,
            input_scaling: 0.0,
            bias_scaling: 0.0,
            ..EsnConfig::default()
        }));
        let base = test_nrmse(&control);
        let mut sp = SpikingConfig::default();
        sp.network.n_neurons = Some(200);
        let spiking = test_nrmse(&short_narma(ReservoirConfig::Spiking(Box::new(sp))));
        eprintln!("spiking NARMA-10 NRMSE {spiking:.4}, input only {base:.4}");
        assert!(
            spiking < 0.8 * base,
            "spiking NRMSE {spiking} vs input-only {base}"
        );
    }

    /// Mackey-Glass one step ahead: the spiking reservoir's test NRMSE is well below half of
    /// the input-only readout's (a linear extrapolation from u(t) alone).
    #[test]
    fn spiking_reservoir_learns_mackey_glass_one_step() {
        let mk = |reservoir| {
            let mut c = TsConfig::default_for(Task::MackeyGlass);
            c.prediction = PredictionConfig {
                mode: Mode::OneStep,
                horizon: 1,
                trials: 1,
            };
            c.split = SplitConfig {
                washout: 100,
                train: 1500,
                validation: 300,
                test: 500,
            };
            c.readout.alphas = (-10..=0).map(|e| 10f64.powi(e)).collect();
            c.reservoir = reservoir;
            c
        };
        let base = test_nrmse(&mk(ReservoirConfig::Esn(EsnConfig {
            n_units: 1,
            in_degree: 1,
            spectral_radius: 0.0,
            input_scaling: 0.0,
            bias_scaling: 0.0,
            ..EsnConfig::default()
        })));
        let mut sp = SpikingConfig::default();
        sp.network.n_neurons = Some(200);
        let spiking = test_nrmse(&mk(ReservoirConfig::Spiking(Box::new(sp))));
        eprintln!("spiking Mackey-Glass one-step NRMSE {spiking:.4}, input only {base:.4}");
        assert!(
            spiking < 0.5 * base,
            "spiking NRMSE {spiking} vs input-only {base}"
        );
    }

    /// An extra trace with the simulator's own time constant reproduces the simulator's
    /// trace (per-sample recursion from the recorded spikes against the per-step filter).
    #[test]
    fn extra_traces_match_the_simulator_trace() {
        let mut sp = SpikingConfig::default();
        sp.network.n_neurons = Some(50);
        sp.extra_trace_tau_ms = vec![sp.trace_tau_ms, 40.0];
        let r = SpikingReservoir::build(&sp, 1, 3).unwrap();
        assert_eq!(r.n_features(), 150);
        let u = Array2::from_shape_fn((300, 1), |(t, _)| (t as Real * 0.2).sin());
        let st = r.states(u.view(), 3).unwrap();
        assert_eq!(st.dim(), (300, 150));
        let (a, b) = (st.slice(s![.., ..50]), st.slice(s![.., 50..100]));
        let err = (&a - &b).iter().fold(0.0 as Real, |m, v| m.max(v.abs()));
        assert!(err < 1e-9, "max difference {err}");
        assert!(a.sum() > 0.0, "no spikes at all");
        // The slower trace is smoother: smaller mean squared step-to-step change per unit.
        let rough = |m: ndarray::ArrayView2<Real>| {
            let d = &m.slice(s![1.., ..]) - &m.slice(s![..-1, ..]);
            d.mapv(|v| v * v).sum() / m.mapv(|v| v * v).sum()
        };
        assert!(rough(st.slice(s![.., 100..])) < rough(a));
    }

    /// Membrane features: the last block of columns, one per neuron, are potentials (mV, at
    /// most the threshold after a step, with the Maass neuron's 15 mV); the trace columns are
    /// unchanged by adding them.
    #[test]
    fn membrane_features_follow_the_traces() {
        let mut sp = SpikingConfig::default();
        sp.network.n_neurons = Some(50);
        let u = Array2::from_shape_fn((300, 1), |(t, _)| (t as Real * 0.2).sin());
        let plain = SpikingReservoir::build(&sp, 1, 3)
            .unwrap()
            .states(u.view(), 3)
            .unwrap();
        sp.membrane = true;
        let r = SpikingReservoir::build(&sp, 1, 3).unwrap();
        assert_eq!(r.n_features(), 100);
        let st = r.states(u.view(), 3).unwrap();
        assert_eq!(st.slice(s![.., ..50]), plain);
        let v = st.slice(s![.., 50..]);
        assert!(
            v.iter().all(|&x| x.is_finite() && x <= 15.0),
            "potentials above threshold"
        );
        let spread =
            v.iter().fold(Real::MIN, |a, &b| a.max(b)) - v.iter().fold(Real::MAX, |a, &b| a.min(b));
        assert!(spread > 1.0, "membrane features do not vary ({spread} mV)");
    }

    /// The streamed fit (states folded into the Gram matrix block by block on a second
    /// thread, a partial last block, the train scores from a second pass) equals the fit on
    /// the materialised state matrix.
    #[test]
    fn streamed_fit_equals_materialised_fit() {
        let mut c = short_narma(ReservoirConfig::Esn(EsnConfig {
            n_units: 60,
            ..EsnConfig::default()
        }));
        c.split.train = 2 * GRAM_BLOCK + 77;
        c.split.validation = 0;
        c.readout.alphas = vec![1e-6];
        let data = DataSource::Builtin(c.task);
        let (model, report) = fit(&c, &data).unwrap();
        let prep = prepare(&c, &data, None).unwrap();
        let BuiltReservoir::Esn(esn) = &model.reservoir else {
            panic!("an ESN was configured")
        };
        let states = esn.run(prep.inputs.view(), None).unwrap();
        let feats = ndarray::concatenate(Axis(1), &[states.view(), prep.inputs.view()]).unwrap();
        let tr = c.split.washout..c.split.washout + c.split.train;
        let mut g = GramAccumulator::new(feats.ncols(), 1);
        g.add_batch(
            feats.slice(s![tr.clone(), ..]),
            prep.targets.slice(s![tr.clone(), ..]),
        )
        .unwrap();
        let params = RidgeValidParams {
            alpha: 1e-6,
            fit_intercept: true,
            standardize: false,
            ..RidgeValidParams::default()
        };
        let r = g.solve(&params).unwrap();
        let x = feats.slice(s![tr.clone(), ..]);
        let (p1, p2) = (model.readout.predict(x).unwrap(), r.predict(x).unwrap());
        let d = (&p1 - &p2).iter().fold(0.0 as Real, |m, v| m.max(v.abs()));
        assert!(
            d < 1e-9,
            "streamed vs materialised predictions differ by {d}"
        );
        // The train score of the report is that of the materialised predictions.
        let sc = scores(p2.view(), prep.targets.slice(s![tr, ..]));
        assert!((sc.nrmse - report.train.nrmse).abs() < 1e-9 * sc.nrmse.max(1e-300));
    }
}
