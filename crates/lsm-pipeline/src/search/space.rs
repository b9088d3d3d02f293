//! The search space file: which config fields to vary (by JSON path), each with a
//! distribution, and the objective to optimise.
//!
//! ```json
//! {
//!   "objective": "validation_accuracy",
//!   "validation_fraction": 0.2,
//!   "params": {
//!     "network.weight_scale.ee": {"log_uniform": [0.05, 0.4]},
//!     "encoder.encoder.max_rate_hz": {"uniform": [50, 400]},
//!     "network.n_neurons": {"int": [300, 1500]},
//!     "features.pooling.bins": {"choice": [2, 4, 8]}
//!   }
//! }
//! ```
//!
//! A path names an existing field of the base config (`a.b.c`; a number selects an array
//! element). [`Space::check`] sets every parameter to each end of its range (every choice) in
//! the base config and has the config validated, so a path that does not exist, or a value
//! the config rejects, is an error naming the space file and the path before any trial runs.

use crate::error::PipelineError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Whether a higher or a lower objective is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Higher is better (accuracy).
    Maximize,
    /// Lower is better (NRMSE).
    Minimize,
}

impl Direction {
    /// Is `a` strictly better than `b`?
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Maximize => a > b,
            Direction::Minimize => a < b,
        }
    }

    /// Order two optional objectives best first; a missing one (a failed trial) is last.
    pub fn cmp(self, a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (a, b) {
            (Some(a), Some(b)) => match self {
                Direction::Maximize => b.total_cmp(&a),
                Direction::Minimize => a.total_cmp(&b),
            },
            (Some(_), None) => Less,
            (None, Some(_)) => Greater,
            (None, None) => Equal,
        }
    }
}

/// The score a search optimises, computed on training data only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Spoken digits / spike datasets: accuracy on a validation part of the training split
    /// (the files whose stable id falls in the space's `validation_fraction`), the readout
    /// fitted on the rest.
    ValidationAccuracy,
    /// Spoken digits / spike datasets: mean accuracy over leave-one-group-out (speaker) folds
    /// of the training split.
    LosoAccuracy,
    /// Time series: the validation-segment NRMSE that `lsm fit` reports.
    ValidationNrmse,
}

impl Objective {
    /// Every objective, by name.
    pub const ALL: [Objective; 3] = [
        Objective::ValidationAccuracy,
        Objective::LosoAccuracy,
        Objective::ValidationNrmse,
    ];

    /// The name used in space and results files.
    pub fn name(self) -> &'static str {
        match self {
            Objective::ValidationAccuracy => "validation_accuracy",
            Objective::LosoAccuracy => "loso_accuracy",
            Objective::ValidationNrmse => "validation_nrmse",
        }
    }

    /// The objective of a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == s)
    }

    /// Higher or lower is better.
    pub fn direction(self) -> Direction {
        match self {
            Objective::ValidationNrmse => Direction::Minimize,
            _ => Direction::Maximize,
        }
    }

    /// Is this a time-series objective?
    pub fn is_timeseries(self) -> bool {
        self == Objective::ValidationNrmse
    }
}

/// The distribution of one parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Uniform real in `[low, high]`.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Real whose logarithm is uniform in `[ln low, ln high]` (`0 < low`).
    LogUniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Integer, uniform in `low..=high`.
    Int {
        /// Lower end.
        low: i64,
        /// Upper end (included).
        high: i64,
    },
    /// One of the listed JSON values, each equally likely.
    Choice(Vec<Value>),
}

impl Dist {
    /// The value at `u` in `[0, 1)` (the inverse of the distribution function).
    pub fn at(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match self {
            Dist::Uniform { low, high } => Value::from(low + u * (high - low)),
            Dist::LogUniform { low, high } => Value::from(
                (low.ln() + u * (high.ln() - low.ln()))
                    .exp()
                    .clamp(*low, *high),
            ),
            Dist::Int { low, high } => {
                let n = (high - low + 1) as f64;
                Value::from(low + ((u * n).floor() as i64).min(high - low))
            }
            Dist::Choice(v) => {
                let i = ((u * v.len() as f64).floor() as usize).min(v.len() - 1);
                v[i].clone()
            }
        }
    }

    /// The values [`Space::check`] tries: both ends of a range, every choice.
    pub fn extremes(&self) -> Vec<Value> {
        match self {
            Dist::Uniform { low, high } | Dist::LogUniform { low, high } => {
                vec![Value::from(*low), Value::from(*high)]
            }
            Dist::Int { low, high } => vec![Value::from(*low), Value::from(*high)],
            Dist::Choice(v) => v.clone(),
        }
    }

    /// `n` evenly spaced values (geometrically for log-uniform; distinct integers, at most
    /// the range's size; every choice whatever `n`), ends included.
    pub fn grid(&self, n: usize) -> Vec<Value> {
        let n = n.max(1);
        let t = |i: usize| {
            if n == 1 {
                0.5
            } else {
                i as f64 / (n - 1) as f64
            }
        };
        match self {
            Dist::Uniform { low, high } => (0..n)
                .map(|i| Value::from(low + t(i) * (high - low)))
                .collect(),
            Dist::LogUniform { low, high } => (0..n)
                .map(|i| Value::from((low.ln() + t(i) * (high.ln() - low.ln())).exp()))
                .collect(),
            Dist::Int { low, high } => {
                let mut v: Vec<i64> = (0..n)
                    .map(|i| low + (t(i) * (high - low) as f64).round() as i64)
                    .collect();
                v.dedup();
                v.into_iter().map(Value::from).collect()
            }
            Dist::Choice(v) => v.clone(),
        }
    }
}

/// One varied config field.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Dotted JSON path in the config (`network.n_neurons`).
    pub path: String,
    /// Its distribution.
    pub dist: Dist,
}

/// A parsed search space file.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    /// The file it was read from (named in errors).
    pub file: PathBuf,
    /// What to optimise.
    pub objective: Objective,
    /// Fraction of the training files held out for [`Objective::ValidationAccuracy`].
    pub validation_fraction: f64,
    /// The parameters, in the file's key order (sorted by path).
    pub params: Vec<Param>,
    /// The file's JSON (kept in results files so they are self-contained).
    pub json: Value,
}

/// The default `validation_fraction`.
pub const DEFAULT_VALIDATION_FRACTION: f64 = 0.2;

fn space_err(file: &Path, param: &str, msg: impl Into<String>) -> PipelineError {
    PipelineError::Space {
        path: file.to_path_buf(),
        param: param.to_string(),
        msg: msg.into(),
    }
}

impl Space {
    /// Read and parse a space file (within the input size cap).
    ///
    /// # Errors
    /// Unreadable file, invalid JSON, or any error of [`Space::from_json_str`].
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let text = crate::io::read_capped(path)?;
        Self::from_json_str(&text, path)
    }

    /// Parse a space file's text; `file` names it in errors.
    ///
    /// # Errors
    /// Invalid JSON (duplicate keys too), an unknown top-level field or objective, a
    /// parameter without exactly one of `uniform`, `log_uniform`, `int`, `choice`, or a
    /// range that is empty, not finite or (log-uniform) not positive.
    pub fn from_json_str(text: &str, file: &Path) -> Result<Self, PipelineError> {
        let v = lsm_core::json::parse_object(text.as_bytes(), &file.display().to_string())
            .map_err(|e| crate::io::strict_err(file, e))?;
        let obj = v.as_object().cloned().unwrap_or_default();
        for k in obj.keys() {
            if !["objective", "validation_fraction", "params"].contains(&k.as_str()) {
                return Err(space_err(
                    file,
                    k,
                    "unknown field of a space file; expected objective, validation_fraction, params",
                ));
            }
        }
        let names = || {
            Objective::ALL
                .iter()
                .map(|o| o.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let objective = match obj.get("objective") {
            Some(Value::String(s)) => Objective::parse(s).ok_or_else(|| {
                space_err(
                    file,
                    "objective",
                    format!("unknown objective \"{s}\"; expected one of {}", names()),
                )
            })?,
            Some(_) => {
                return Err(space_err(file, "objective", "expected a string"));
            }
            None => {
                return Err(space_err(
                    file,
                    "objective",
                    format!("missing; expected one of {}", names()),
                ))
            }
        };
        let validation_fraction = match obj.get("validation_fraction") {
            None => DEFAULT_VALIDATION_FRACTION,
            Some(x) => match x.as_f64() {
                Some(f) if f > 0.0 && f < 1.0 => f,
                _ => {
                    return Err(space_err(
                        file,
                        "validation_fraction",
                        format!("{x}: expected a number strictly between 0 and 1"),
                    ))
                }
            },
        };
        let params_obj = match obj.get("params") {
            Some(Value::Object(m)) if !m.is_empty() => m,
            _ => {
                return Err(space_err(
                    file,
                    "params",
                    "expected a non-empty object mapping config paths to distributions",
                ))
            }
        };
        let mut params = Vec::with_capacity(params_obj.len());
        for (path, d) in params_obj {
            check_path_syntax(path).map_err(|m| space_err(file, path, m))?;
            let dist = parse_dist(d).map_err(|m| space_err(file, path, m))?;
            params.push(Param {
                path: path.clone(),
                dist,
            });
        }
        params.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Space {
            file: file.to_path_buf(),
            objective,
            validation_fraction,
            params,
            json: v,
        })
    }

    /// `base` with each of `params` (path → value) set, and its `seed`.
    ///
    /// # Errors
    /// A path that does not exist in `base` (naming the space file and the path).
    pub fn apply(
        &self,
        base: &Value,
        params: &Map<String, Value>,
        seed: u64,
    ) -> Result<Value, PipelineError> {
        with_params(base, params, seed).map_err(|(path, m)| space_err(&self.file, &path, m))
    }

    /// Before any trial: every path exists in `base`, and `validate` accepts the config with
    /// each parameter set, one at a time, to each of its [`Dist::extremes`].
    ///
    /// # Errors
    /// [`PipelineError::Space`] for a missing path, [`PipelineError::SpaceValue`] (with the
    /// config's error as its source) for a rejected value.
    pub fn check(
        &self,
        base: &Value,
        validate: &dyn Fn(&Value) -> Result<(), PipelineError>,
    ) -> Result<(), PipelineError> {
        for p in &self.params {
            for x in p.dist.extremes() {
                let mut v = base.clone();
                set_path(&mut v, &p.path, x.clone())
                    .map_err(|m| space_err(&self.file, &p.path, m))?;
                validate(&v).map_err(|e| PipelineError::SpaceValue {
                    path: self.file.clone(),
                    param: p.path.clone(),
                    value: x.to_string(),
                    source: Box::new(e),
                })?;
            }
        }
        Ok(())
    }
}

fn check_path_syntax(path: &str) -> Result<(), String> {
    if path.split('.').any(str::is_empty) {
        return Err("expected a dotted path of config fields, like `network.n_neurons`".into());
    }
    if path == "seed" || path == "task" {
        return Err(format!(
            "`{path}` cannot be searched (each trial's seed derives from the base seed and the trial id)"
        ));
    }
    Ok(())
}

fn parse_dist(d: &Value) -> Result<Dist, String> {
    const KINDS: &str = "expected an object with one of uniform, log_uniform, int ([low, high]) or choice ([values...])";
    let Some(o) = d.as_object().filter(|o| o.len() == 1) else {
        return Err(KINDS.into());
    };
    let (kind, arg) = o.iter().next().expect("one entry");
    let pair = || -> Result<(f64, f64), String> {
        match arg.as_array().map(|a| a.as_slice()) {
            Some([a, b]) => match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() && a < b => Ok((a, b)),
                _ => Err(format!(
                    "{kind}: {arg}: expected [low, high], two finite numbers with low < high"
                )),
            },
            _ => Err(format!("{kind}: {arg}: expected [low, high]")),
        }
    };
    match kind.as_str() {
        "uniform" => pair().map(|(low, high)| Dist::Uniform { low, high }),
        "log_uniform" => {
            let (low, high) = pair()?;
            if low <= 0.0 {
                return Err(format!("log_uniform: {arg}: expected 0 < low < high"));
            }
            Ok(Dist::LogUniform { low, high })
        }
        "int" => match arg.as_array().map(|a| a.as_slice()) {
            Some([a, b]) => match (a.as_i64(), b.as_i64()) {
                (Some(low), Some(high)) if low <= high => Ok(Dist::Int { low, high }),
                _ => Err(format!(
                    "int: {arg}: expected [low, high], two integers with low <= high"
                )),
            },
            _ => Err(format!("int: {arg}: expected [low, high]")),
        },
        "choice" => match arg.as_array() {
            Some(a) if !a.is_empty() => Ok(Dist::Choice(a.clone())),
            _ => Err(format!(
                "choice: {arg}: expected a non-empty array of values"
            )),
        },
        _ => Err(format!("unknown distribution `{kind}`; {KINDS}")),
    }
}

/// A trial's config: `base` with each of `params` (path → value) set, and its `seed`.
///
/// # Errors
/// `(path, message)` of a path that does not exist in `base`.
pub fn with_params(
    base: &Value,
    params: &Map<String, Value>,
    seed: u64,
) -> Result<Value, (String, String)> {
    let mut v = base.clone();
    for (path, x) in params {
        set_path(&mut v, path, x.clone()).map_err(|m| (path.clone(), m))?;
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("seed".into(), Value::from(seed));
    }
    Ok(v)
}

/// The field at a dotted `path` of `v` (a number selects an array element).
pub fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, seg| match cur {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Set the existing field at a dotted `path` of `v` to `x`.
///
/// # Errors
/// A message saying which part of the path does not exist (the caller names the file).
pub fn set_path(v: &mut Value, path: &str, x: Value) -> Result<(), String> {
    let mut cur = v;
    let mut done = String::new();
    for seg in path.split('.') {
        let here = if done.is_empty() {
            "the config".to_string()
        } else {
            format!("`{done}`")
        };
        let keys = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>().join(", ");
        cur = match cur {
            Value::Object(m) => {
                let known = keys(m);
                m.get_mut(seg)
                    .ok_or_else(|| format!("no field `{seg}` in {here} (it has: {known})"))?
            }
            Value::Array(a) => {
                let n = a.len();
                seg.parse::<usize>()
                    .ok()
                    .and_then(|i| a.get_mut(i))
                    .ok_or_else(|| {
                        format!("`{seg}`: {here} is an array of {n}; expected an index below {n}")
                    })?
            }
            other => {
                return Err(format!(
                    "{here} is {}, not an object: it has no field `{seg}`",
                    kind_of(other)
                ))
            }
        };
        if !done.is_empty() {
            done.push('.');
        }
        done.push_str(seg);
    }
    *cur = x;
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
