//! Configuration of the time-series pipeline: the task, the data source, the split, the prediction mode, the reservoir and the readout, as JSON.

use super::*;
use lsm_core::Real;
use lsm_datasets::timeseries::{Lorenz, MackeyGlass, Narma};
use lsm_reservoir::esn::EsnConfig;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    /// Target column, or several separated by commas (`"x,y,z"`: a readout with one output per
    /// column; with no `inputs` the series is autonomous and all of them are fed back in
    /// closed loop). Default `null`: must be given with `--target`.
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
    /// How the α of the grid is chosen on the validation segment: `nrmse` (default: the
    /// NRMSE of the mode, for closed loop at step `horizon`, Jaeger's), `nrmse-horizon`
    /// (closed loop: over the whole horizon) or `valid-time` (closed loop: the most valid
    /// steps, see [`FreeRunScores`]; ties by the error over the horizon).
    #[serde(default)]
    pub select: Select,
}

/// The validation criterion that chooses α ([`PredictionConfig::select`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Select {
    /// The mode's NRMSE.
    #[default]
    Nrmse,
    /// Closed loop: the NRMSE over the whole horizon.
    NrmseHorizon,
    /// Closed loop: the mean valid prediction time.
    ValidTime,
}

impl Default for PredictionConfig {
    fn default() -> Self {
        Self {
            mode: Mode::OneStep,
            horizon: 1,
            trials: 100,
            select: Select::Nrmse,
        }
    }
}

/// The readout's learning rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesReadoutKind {
    /// Ridge regression on the accumulated Gram matrix (exact least squares).
    #[default]
    Ridge,
    /// Recursive least squares, learned step by step ([`lsm_readout::OnlineRule::Rls`]).
    Rls,
    /// Least mean squares, learned step by step ([`lsm_readout::OnlineRule::Lms`]).
    Lms,
    /// FORCE learning (Sussillo & Abbott 2009): recursive least squares while the readout's
    /// own output is fed back (needs `"feedback"`).
    Force,
}

impl SeriesReadoutKind {
    /// The config name: `ridge`, `rls` or `lms`.
    pub fn name(self) -> &'static str {
        match self {
            SeriesReadoutKind::Ridge => "ridge",
            SeriesReadoutKind::Rls => "rls",
            SeriesReadoutKind::Lms => "lms",
            SeriesReadoutKind::Force => "force",
        }
    }
}

/// The readout: ridge (default) or an online rule, with a grid of its `α`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeriesReadoutConfig {
    /// Learning rule. Default `ridge`.
    pub kind: SeriesReadoutKind,
    /// α grid; the value with the best validation score is kept. `ridge`: the penalty on the
    /// sum of squared errors over training steps (raw feature units); `rls`: `P₀ = I/α`, the
    /// same penalty (reservoirpy's `alpha`); `lms`: the learning rate (reservoirpy's
    /// `learning_rate`). Default 1e-12, 1e-11, …, 1e-2; each in [0, 1e12]
    /// ([`crate::config::MAX_PENALTY`]), > 0 for `rls` and `lms`.
    pub alphas: Vec<Real>,
    /// Append the input `u(t)` to the reservoir state in the features. Default true.
    pub include_input: bool,
    /// Standardise features before penalising (`ridge` only). Default false.
    pub standardize: bool,
    /// RLS forgetting factor λ in (0, 1] (reservoirpy's `forgetting`). Default 1.
    pub forgetting: Real,
    /// How `rls` and `lms` learn the bias: `feature` (default: a constant feature 1 learned
    /// with the others; for RLS, exactly ridge on `[features; 1]` with the bias penalised
    /// too), `reservoirpy` (reservoirpy's `fit_bias` rule: for RLS, the running mean of the
    /// errors, less accurate) or `none`.
    pub bias: lsm_readout::OnlineBias,
}

impl Default for SeriesReadoutConfig {
    fn default() -> Self {
        Self {
            kind: SeriesReadoutKind::Ridge,
            alphas: powers_of_ten(-12..=-2),
            include_input: true,
            standardize: false,
            forgetting: 1.0,
            bias: lsm_readout::OnlineBias::Feature,
        }
    }
}

impl SeriesReadoutConfig {
    /// The online rule of each α of the grid, or `None` for ridge.
    pub fn online_rules(&self) -> Option<Vec<lsm_readout::OnlineRule>> {
        let forgetting = self.forgetting;
        let rule = |a: Real| match self.kind {
            SeriesReadoutKind::Rls | SeriesReadoutKind::Force => {
                Some(lsm_readout::OnlineRule::Rls {
                    alpha: a,
                    forgetting,
                })
            }
            SeriesReadoutKind::Lms => Some(lsm_readout::OnlineRule::Lms { learning_rate: a }),
            SeriesReadoutKind::Ridge => None,
        };
        self.alphas.iter().map(|&a| rule(a)).collect()
    }

    fn validate(&self) -> Result<()> {
        if !(self.forgetting > 0.0 && self.forgetting <= 1.0) {
            return cfg_err(
                "readout.forgetting",
                format!("expected a value in (0, 1], found {}", self.forgetting),
            );
        }
        if self.kind == SeriesReadoutKind::Ridge {
            return Ok(());
        }
        if self.standardize {
            return cfg_err(
                "readout.standardize",
                format!(
                    "the `{}` readout learns on raw features; set it to false",
                    self.kind.name()
                ),
            );
        }
        // The grid was checked to be in [0, MAX_PENALTY] (no NaN).
        if let Some(a) = self.alphas.iter().find(|a| **a <= 0.0) {
            let what = match self.kind {
                SeriesReadoutKind::Lms => "learning rates",
                _ => "values (P0 = I/alpha)",
            };
            return cfg_err(
                "readout.alphas",
                format!(
                    "the `{}` readout needs {what} > 0, found {a}",
                    self.kind.name()
                ),
            );
        }
        Ok(())
    }
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
    pub readout: SeriesReadoutConfig,
    /// Gain of a spiking reservoir's input weights: `"auto"` (default; calibrated on the
    /// training rows when the reservoir is silent or saturated, see
    /// [`crate::drive`]) or a number. No effect on an ESN.
    #[serde(default)]
    pub input_drive: crate::drive::InputDrive,
    /// Readout feedback into the reservoir ([`FeedbackConfig`]: own weights, teacher forcing
    /// in training, the readout's own output in closed loop).
    /// Default `null`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackConfig>,
}

/// `10^e` for every `e` of `exponents`: an α grid.
fn powers_of_ten(exponents: std::ops::RangeInclusive<i32>) -> Vec<Real> {
    exponents.map(|e| 10f64.powi(e)).collect()
}

pub(crate) fn default_seed() -> u64 {
    42
}
pub(crate) fn default_reservoir() -> ReservoirConfig {
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
            readout: SeriesReadoutConfig::default(),
            input_drive: crate::drive::InputDrive::Auto,
            feedback: None,
        };
        match task {
            Task::MackeyGlass => {
                c.prediction = PredictionConfig {
                    mode: Mode::ClosedLoop,
                    horizon: 84,
                    trials: 100,
                    ..PredictionConfig::default()
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
                c.readout.alphas = powers_of_ten(-15..=-6);
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
                c.readout.alphas = powers_of_ten(-10..=-2);
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
    /// [`PipelineError::Json`] with serde's message (unknown field, wrong type) or a config error.
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let v = lsm_core::json::parse_object(text.as_bytes(), file)
            .map_err(|e| crate::io::strict_err(std::path::Path::new(file), e))?;
        crate::io::require_nonempty_config(std::path::Path::new(file), &v)?;
        let mut c: TsConfig = serde_json::from_str(text).map_err(|e| PipelineError::Json {
            path: PathBuf::from(file),
            msg: format!("invalid time-series config: {e}"),
        })?;
        // A network file named in the config is relative to the config's folder.
        if let (ReservoirConfig::Spiking(s), Some(dir)) =
            (&mut c.reservoir, std::path::Path::new(file).parent())
        {
            s.network.resolve_relative_to(dir);
        }
        c.validate()?;
        Ok(c)
    }

    /// The series' sampling interval (its time units per step: Lorenz's `dt`, Mackey-Glass's
    /// `h`, 1 otherwise) and its largest Lyapunov exponent when known (Lorenz with σ = 10,
    /// ρ = 28, β = 8/3).
    pub fn sample_interval(&self) -> (Real, Option<Real>) {
        match self.task {
            Task::Lorenz => {
                let l = &self.data.lorenz;
                let standard =
                    l.sigma == 10.0 && l.rho == 28.0 && (l.beta - 8.0 / 3.0).abs() < 1e-12;
                (l.dt, standard.then_some(LORENZ_LYAPUNOV))
            }
            Task::MackeyGlass => (self.data.mackey_glass.h, None),
            _ => (1.0, None),
        }
    }

    /// Input columns appended to the reservoir state in a feature row, for `k` series
    /// inputs: `k` with `readout.include_input`, else 0.
    pub(crate) fn feat_inputs(&self, k: usize) -> usize {
        if self.readout.include_input {
            k
        } else {
            0
        }
    }

    /// Check every field once.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn validate(&self) -> Result<()> {
        self.input_drive.validate()?;
        if self.split.train == 0 {
            return cfg_err("split.train", "expected at least 1 training step");
        }
        if self.split.test == 0 {
            return cfg_err("split.test", "expected at least 1 test step");
        }
        // The series' length before anything is generated or read: the sum in floating point
        // cannot wrap, and the limit keeps every later sum of steps far from usize's range.
        let s = &self.split;
        let total = [
            self.data.discard,
            s.washout,
            s.train,
            s.validation,
            s.test,
            self.prediction.horizon,
            1,
        ]
        .iter()
        .map(|&v| v as f64)
        .sum::<f64>();
        lsm_core::limits::check(
            lsm_core::limits::Limit::Steps,
            total,
            "data.discard + split (washout + train + validation + test) + prediction.horizon",
        )
        .map_err(|e| PipelineError::config("split", e.to_string()))?;
        if self.readout.alphas.is_empty()
            || self
                .readout
                .alphas
                .iter()
                .any(|a| !(*a >= 0.0 && *a <= crate::config::MAX_PENALTY))
        {
            return cfg_err(
                "readout.alphas",
                format!(
                    "expected a non-empty list of values in [0, {:e}], found {:?}",
                    crate::config::MAX_PENALTY,
                    self.readout.alphas
                ),
            );
        }
        self.readout.validate()?;
        if self.readout.kind == SeriesReadoutKind::Force && self.feedback.is_none() {
            return cfg_err(
                "readout.kind",
                "FORCE learns while the readout's output is fed back: add \"feedback\"",
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
        if p.select != Select::Nrmse && p.mode != Mode::ClosedLoop {
            return cfg_err(
                "prediction.select",
                "`nrmse-horizon` and `valid-time` score free runs: they need closed-loop mode",
            );
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
            if self.task == Task::Narma10 && self.feedback.is_none() {
                return cfg_err(
                    "prediction.mode",
                    "closed-loop prediction feeds the output back: NARMA is input-driven, so it \
                     needs \"feedback\" (the output fed back through its own weights)",
                );
            }
            if p.horizon >= self.split.test {
                return cfg_err("prediction.horizon", "must be shorter than split.test");
            }
            if let ReservoirConfig::Spiking(s) = &self.reservoir {
                if !matches!(s.input, lsm_reservoir::SpikingInput::Current { .. }) {
                    return cfg_err(
                        "prediction.mode",
                        "closed-loop prediction with a spiking reservoir needs current input \
                         (\"input\": {\"kind\": \"current\"}): an encoder's spikes are drawn \
                         for the whole series at once",
                    );
                }
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
            ReservoirConfig::Nvar(n) => n.validate()?,
            ReservoirConfig::DeepEsn(d) => d.validate()?,
        }
        if let Some(fb) = &self.feedback {
            fb.validate(self)?;
        }
        self.data.mackey_glass.check()?;
        self.data.narma.check()?;
        self.data.lorenz.check()?;
        Ok(())
    }
}
