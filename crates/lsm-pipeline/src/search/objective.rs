//! Scoring one trial on training data only: a validation part or leave-one-group-out folds
//! of a classification training split ([`crate::run_folds`], one feature pass), or the
//! validation segment of a time series ([`crate::timeseries::fit`]).

use super::halving::unit_of;
use super::space::Objective;
use crate::config::DigitsConfig;
use crate::digits::{Progress, Sample};
use crate::error::PipelineError;
use crate::experiment::{run_folds, Fold};
use crate::timeseries::{self as ts, DataSource, TsConfig};
use std::collections::BTreeMap;

/// The scores of one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialScores {
    /// The objective's value.
    pub objective: f64,
    /// Every score computed, by name (finite values only).
    pub scores: BTreeMap<String, f64>,
}

impl TrialScores {
    fn new(objective: Objective, scores: BTreeMap<String, f64>) -> Result<Self, PipelineError> {
        let value = scores.get(objective.name()).copied().ok_or_else(|| {
            PipelineError::Runtime(format!("the objective {} is not finite", objective.name()))
        })?;
        Ok(TrialScores {
            objective: value,
            scores,
        })
    }
}

fn insert(m: &mut BTreeMap<String, f64>, k: &str, v: f64) {
    if v.is_finite() {
        m.insert(k.to_string(), v);
    }
}

/// The validation split of a training set: the samples whose mixed stable id falls below
/// `fraction` are held out (membership depends on the file name alone, not on the other
/// files nor on the seed).
///
/// # Errors
/// A side left empty (too few samples for the fraction).
pub fn validation_fold(samples: &[Sample], fraction: f64) -> Result<Fold, PipelineError> {
    let held = |s: &Sample| unit_of(s.id.rotate_left(29) ^ 0x7a1d_a710_5eed_0001) < fraction;
    let fold = Fold {
        name: "validation".into(),
        train: (0..samples.len()).filter(|&i| !held(&samples[i])).collect(),
        test: (0..samples.len()).filter(|&i| held(&samples[i])).collect(),
    };
    if fold.train.is_empty() || fold.test.is_empty() {
        return Err(PipelineError::Data(format!(
            "validation split of {} training samples at fraction {fraction}: {} to fit, {} to validate; \
             expected both non-empty (more data or another validation_fraction)",
            samples.len(),
            fold.train.len(),
            fold.test.len()
        )));
    }
    Ok(fold)
}

/// One fold per group (speaker) of the training samples: fit on the others, test on it.
///
/// # Errors
/// Fewer than two groups.
pub fn group_folds(samples: &[Sample]) -> Result<Vec<Fold>, PipelineError> {
    let groups: std::collections::BTreeSet<&str> =
        samples.iter().filter_map(|s| s.group.as_deref()).collect();
    if groups.len() < 2 {
        return Err(PipelineError::Data(format!(
            "loso_accuracy needs at least 2 groups (speakers) in the training data, found {}",
            groups.len()
        )));
    }
    Ok(groups
        .into_iter()
        .map(|g| Fold {
            name: format!("group {g}"),
            train: (0..samples.len())
                .filter(|&i| samples[i].group.as_deref() != Some(g))
                .collect(),
            test: (0..samples.len())
                .filter(|&i| samples[i].group.as_deref() == Some(g))
                .collect(),
        })
        .collect())
}

/// Score a classification config on training samples for `objective`
/// ([`Objective::ValidationAccuracy`] or [`Objective::LosoAccuracy`]). The scores also hold
/// the input-only control (`..._input_only`) and the readout's cross-validated accuracy on
/// the first fold (`cv_accuracy`).
///
/// # Errors
/// A time-series objective, too little data for the split, or a pipeline error.
pub fn score_digits(
    objective: Objective,
    config: &DigitsConfig,
    samples: &[Sample],
    validation_fraction: f64,
    progress: &dyn Progress,
) -> Result<TrialScores, PipelineError> {
    let folds = match objective {
        Objective::ValidationAccuracy => vec![validation_fold(samples, validation_fraction)?],
        Objective::LosoAccuracy => group_folds(samples)?,
        Objective::ValidationNrmse => {
            return Err(PipelineError::Data(
                "validation_nrmse is a time-series objective; this is a classification config"
                    .into(),
            ))
        }
    };
    let r = run_folds(config, samples, &folds, progress)?;
    let n = r.splits.len() as f64;
    let mean = |f: &dyn Fn(&crate::FoldResult) -> Option<f64>| -> f64 {
        let v: Vec<f64> = r.splits.iter().filter_map(f).collect();
        if v.len() as f64 == n {
            v.iter().sum::<f64>() / n
        } else {
            f64::NAN
        }
    };
    let name = objective.name();
    let mut m = BTreeMap::new();
    insert(&mut m, name, mean(&|s| Some(s.lsm.test_accuracy)));
    insert(
        &mut m,
        &format!("{name}_input_only"),
        mean(&|s| s.input_only.as_ref().map(|i| i.test_accuracy)),
    );
    if let Some(s) = r.splits.first() {
        insert(&mut m, "cv_accuracy", s.lsm.cv_accuracy);
    }
    if objective == Objective::LosoAccuracy {
        let worst = r
            .splits
            .iter()
            .map(|s| s.lsm.test_accuracy)
            .fold(f64::INFINITY, f64::min);
        insert(&mut m, "loso_min_accuracy", worst);
    }
    TrialScores::new(objective, m)
}

/// Score a time-series config: fit it on `data` and take the validation-segment NRMSE
/// (training data only; the test segment is not touched).
///
/// # Errors
/// A fitting error (a diverging run, a series too short...).
pub fn score_series(config: &TsConfig, data: &DataSource) -> Result<TrialScores, PipelineError> {
    let (_, report) = ts::fit(config, data)?;
    let mut m = BTreeMap::new();
    insert(
        &mut m,
        Objective::ValidationNrmse.name(),
        report.validation_nrmse,
    );
    insert(&mut m, "train_nrmse", report.train.nrmse);
    insert(&mut m, "alpha", report.alpha);
    TrialScores::new(Objective::ValidationNrmse, m)
}

/// A time-series config with `budget` (a fraction) of its training segment, at least one
/// step: the data subset of a successive-halving rung.
pub fn series_budget(config: &TsConfig, budget: f64) -> TsConfig {
    let mut c = config.clone();
    if budget < 1.0 {
        c.split.train = ((c.split.train as f64 * budget).round() as usize).max(1);
    }
    c
}
