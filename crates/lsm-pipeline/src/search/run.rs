//! Running a search: which trials (shard, successive-halving rungs, those a results file
//! already holds), each trial's config, and its scoring on the training data.

use super::halving::{subset, Halving};
use super::objective::{score_digits, score_series, series_budget, TrialScores};
use super::results::{Header, ResultsFile, Trial};
use super::sampler::{trial_seed, Sampler};
use super::space::{Objective, Space};
use crate::config::DigitsConfig;
use crate::digits::{NoProgress, Sample};
use crate::error::PipelineError;
use crate::timeseries::{DataSource, TsConfig};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The training data a search scores its trials on.
#[derive(Clone, Debug)]
pub enum SearchData {
    /// Classification: the training split's samples.
    Samples(Vec<Sample>),
    /// A time series (its validation segment is scored).
    Series(DataSource),
}

/// A config of either pipeline, parsed from JSON.
#[derive(Clone, Debug)]
pub enum AnyConfig {
    /// A spoken-digit / spike-dataset config.
    Digits(Box<DigitsConfig>),
    /// A time-series config.
    Series(Box<TsConfig>),
}

/// Is `v` a time-series config (its `task` is not `spoken-digits`)?
pub fn is_series_config(v: &Value) -> bool {
    v.get("task")
        .and_then(Value::as_str)
        .is_some_and(|t| t != crate::TASK_SPOKEN_DIGITS)
}

/// Parse and validate a config value as if read from `file` (relative network paths resolve
/// against its folder).
///
/// # Errors
/// The pipeline's config errors, naming `file`.
pub fn parse_config(v: &Value, file: &Path) -> Result<AnyConfig, PipelineError> {
    let text = v.to_string();
    if is_series_config(v) {
        Ok(AnyConfig::Series(Box::new(TsConfig::from_json_str(
            &text,
            &file.display().to_string(),
        )?)))
    } else {
        Ok(AnyConfig::Digits(Box::new(DigitsConfig::from_json_str(
            &text, file,
        )?)))
    }
}

/// What a search runs: everything but the results file.
#[derive(Clone, Debug)]
pub struct Search {
    /// The space.
    pub space: Space,
    /// The base config (JSON).
    pub base: Value,
    /// Where the base config was read from (relative paths in it resolve against its folder).
    pub base_file: PathBuf,
    /// The base seed.
    pub base_seed: u64,
    /// Trial ids `0..trials`.
    pub trials: u64,
    /// Draws the trials' parameters.
    pub sampler: Sampler,
    /// The sampler's name (`random`, `sobol`, `grid:N`).
    pub sampler_name: String,
    /// Successive halving, if any.
    pub halving: Option<Halving>,
    /// Run only trial ids `i` with `i % n == k` (`(k, n)`).
    pub shard: Option<(u64, u64)>,
}

/// One trial to run.
#[derive(Clone, Debug)]
pub struct TrialSpec {
    /// Trial id.
    pub trial: u64,
    /// Rung.
    pub rung: u32,
    /// Fraction of the training data.
    pub budget: f64,
    /// Config seed.
    pub seed: u64,
    /// Parameters.
    pub params: Map<String, Value>,
}

impl Search {
    /// Check the space against the base config (every path exists, every end of every range
    /// is accepted) and the objective against the config's task.
    ///
    /// # Errors
    /// [`PipelineError::Space`] / [`PipelineError::SpaceValue`] naming the space file and the
    /// path.
    pub fn check(&self) -> Result<(), PipelineError> {
        let series = is_series_config(&self.base);
        if series != self.space.objective.is_timeseries() {
            return Err(PipelineError::Space {
                path: self.space.file.clone(),
                param: "objective".into(),
                msg: format!(
                    "{} does not apply to a {} config; expected {}",
                    self.space.objective.name(),
                    if series {
                        "time-series"
                    } else {
                        "classification"
                    },
                    if series {
                        "validation_nrmse"
                    } else {
                        "validation_accuracy or loso_accuracy"
                    }
                ),
            });
        }
        let file = self.base_file.clone();
        self.space
            .check(&self.base, &|v| parse_config(v, &file).map(|_| ()))
    }

    /// The results-file header of this search.
    pub fn header(&self) -> Header {
        let sampler = match &self.halving {
            Some(h) => format!("{}+{}", self.sampler_name, h.name()),
            None => self.sampler_name.clone(),
        };
        Header::new(
            self.space.objective.name(),
            &sampler,
            self.base_seed,
            self.base.clone(),
            self.space.json.clone(),
        )
    }

    fn in_shard(&self, id: u64) -> bool {
        match self.shard {
            None => true,
            Some((k, n)) => id % n == k,
        }
    }

    fn spec(&self, trial: u64, rung: u32, budget: f64) -> TrialSpec {
        TrialSpec {
            trial,
            rung,
            budget,
            seed: trial_seed(self.base_seed, trial),
            params: self.sampler.params(trial),
        }
    }

    /// The config of a trial: the base with its parameters and seed set.
    ///
    /// # Errors
    /// A path missing from the base config.
    pub fn trial_config(
        &self,
        params: &Map<String, Value>,
        seed: u64,
    ) -> Result<Value, PipelineError> {
        self.space.apply(&self.base, params, seed)
    }

    /// The trials of rung 0 (this shard's), in id order.
    pub fn first_rung(&self) -> Vec<TrialSpec> {
        let budget = self.halving.map_or(1.0, |h| h.budget(0));
        (0..self.trials)
            .filter(|&i| self.in_shard(i))
            .map(|i| self.spec(i, 0, budget))
            .collect()
    }

    /// Score one trial on `data` (a failed trial is returned with its error, not as `Err`,
    /// unless the data themselves fail: an unreadable recording stops the search).
    ///
    /// # Errors
    /// Data errors (a sample that cannot be read, an I/O error).
    pub fn run_trial(&self, spec: &TrialSpec, data: &SearchData) -> Result<Trial, PipelineError> {
        let t0 = Instant::now();
        let r = self
            .trial_config(&spec.params, spec.seed)
            .and_then(|v| parse_config(&v, &self.base_file))
            .and_then(|c| self.score(&c, spec.budget, data));
        let (objective, scores, error) = match r {
            Ok(s) => (Some(s.objective), s.scores, None),
            Err(
                e @ (PipelineError::Sample { .. }
                | PipelineError::Io { .. }
                | PipelineError::Dataset(_)),
            ) => return Err(e),
            Err(e) => (None, Default::default(), Some(lsm_core::error_chain(&e))),
        };
        Ok(Trial {
            trial: spec.trial,
            rung: spec.rung,
            budget: spec.budget,
            seed: spec.seed,
            params: spec.params.clone(),
            objective,
            scores,
            seconds: t0.elapsed().as_secs_f64(),
            error,
        })
    }

    fn score(
        &self,
        c: &AnyConfig,
        budget: f64,
        data: &SearchData,
    ) -> Result<TrialScores, PipelineError> {
        let o = self.space.objective;
        match (c, data) {
            (AnyConfig::Digits(c), SearchData::Samples(s)) => {
                let ids: Vec<u64> = s.iter().map(|x| x.id).collect();
                let sub: Vec<Sample> = subset(&ids, budget).into_iter().map(|i| s[i].clone()).collect();
                score_digits(o, c, &sub, self.space.validation_fraction, &NoProgress)
            }
            (AnyConfig::Series(c), SearchData::Series(d)) => score_series(&series_budget(c, budget), d),
            _ => Err(PipelineError::Data(
                "the data do not match the config's task (a time series needs a time-series config)".into(),
            )),
        }
    }

    /// Run the search: every trial of this shard (and of every rung) not yet in `done` is
    /// scored and appended to `out`; `on_trial` sees each new trial. Returns every trial of
    /// this search (old and new), by rung then id.
    ///
    /// # Errors
    /// Data and I/O errors; successive halving with a shard (promotion needs every trial).
    pub fn run(
        &self,
        data: &SearchData,
        out: &mut ResultsFile,
        done: Vec<Trial>,
        on_trial: &mut dyn FnMut(&Trial),
    ) -> Result<Vec<Trial>, PipelineError> {
        if self.halving.is_some() && self.shard.is_some() {
            return Err(PipelineError::Data(
                "successive halving cannot run sharded (promotion needs every trial of a rung); \
                 shard a random or Sobol search instead"
                    .into(),
            ));
        }
        let mut all = done;
        let mut todo = self.first_rung();
        let rungs = self.halving.map_or(1, |h| h.rungs.max(1));
        for rung in 0..rungs {
            for spec in &todo {
                if all.iter().any(|t| t.trial == spec.trial && t.rung == rung) {
                    continue;
                }
                let t = self.run_trial(spec, data)?;
                out.append(&t)?;
                on_trial(&t);
                all.push(t);
            }
            if let Some(h) = self.halving.filter(|_| rung + 1 < rungs) {
                let here: Vec<&Trial> = all
                    .iter()
                    .filter(|t| t.rung == rung && todo.iter().any(|s| s.trial == t.trial))
                    .collect();
                let ids = h.promote(&here, todo.len(), self.space.objective.direction());
                todo = ids
                    .into_iter()
                    .map(|i| self.spec(i, rung + 1, h.budget(rung + 1)))
                    .collect();
            }
        }
        all.sort_by_key(|t| (t.rung, t.trial));
        Ok(all)
    }

    /// How many trial runs [`Search::run`] makes in all (for a progress bar).
    pub fn total_runs(&self) -> u64 {
        let n = self.first_rung().len() as u64;
        match self.halving {
            None => n,
            Some(h) => {
                let (mut total, mut k) = (0u64, n as usize);
                for _ in 0..h.rungs.max(1) {
                    total += k as u64;
                    k = h.keep(k);
                }
                total
            }
        }
    }
}

/// The objective of a search space (re-exported for callers that only hold a header).
pub fn objective_of(header: &Header) -> Option<Objective> {
    Objective::parse(&header.objective)
}
