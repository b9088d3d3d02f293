//! Experiments: one feature pass, many train/test splits.
//!
//! [`run_folds`] extracts the features of every sample once (reservoir *and* encoder
//! features, in one parallel pass), then for each [`Fold`] fits the readout on its training
//! rows (α by cross-validation within them, as `lsm fit` does) and scores its test rows — both
//! for the configured features and for the **input-only control** (the same readout on the
//! encoder's pooled spikes alone, no reservoir), which shows what the reservoir adds.
//! A config in, accuracies out: the experiment loop of the leave-one-speaker-out study.

use crate::config::DigitsConfig;
use crate::digits::{
    group_indices, labels_of, ClassifierReadout, ExtractStats, Extractor, Progress, Sample,
};
use crate::error::PipelineError;
use crate::metrics::accuracy;
use lsm_core::Real;
use lsm_datasets::{class_index, group_index, LabelIndex};
use ndarray::{s, Array2, Axis};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A named train/test split of a sample list (indices into it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    /// Name (e.g. `"official"`, `"test speaker george"`).
    pub name: String,
    /// Training rows.
    pub train: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

/// The outcome of one readout on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadoutScore {
    /// Test accuracy.
    pub test_accuracy: f64,
    /// The α chosen by cross-validation on the training rows.
    pub alpha: f64,
    /// Its cross-validated accuracy (NaN without CV).
    pub cv_accuracy: f64,
    /// Number of features.
    pub n_features: usize,
}

/// Results of one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// The split's name.
    pub name: String,
    /// Training samples.
    pub n_train: usize,
    /// Test samples.
    pub n_test: usize,
    /// The configured features (reservoir, plus input if `include_input`).
    pub lsm: ReadoutScore,
    /// The input-only control (absent when the config does not use the reservoir).
    pub input_only: Option<ReadoutScore>,
}

/// Results of [`run_folds`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentReport {
    /// One entry per split.
    pub splits: Vec<FoldResult>,
    /// Feature pass counters and timings.
    pub extract: ExtractStats,
    /// Time spent fitting and scoring readouts, s.
    pub readout_s: f64,
    /// The pooled features of every sample (rows in the order of `samples`): the reservoir
    /// columns first (when the config has a reservoir), then the input-only columns.
    #[serde(skip)]
    pub features: Array2<Real>,
    /// How many of the last columns of `features` are the input-only features.
    #[serde(skip)]
    pub n_input_features: usize,
}

/// The pooled features of samples, reservoir and input-only columns from one pass.
#[derive(Clone, Debug)]
pub struct FeaturePass {
    /// One row per sample (in the order given): the reservoir columns first (when the config
    /// has a reservoir), then the input-only columns.
    pub features: Array2<Real>,
    /// How many of the last columns are the input-only features.
    pub n_input_features: usize,
    /// Counters and timings.
    pub extract: ExtractStats,
}

/// Extract the reservoir and input-only features of `samples` in one parallel pass (the
/// network generated from `config.network` with `config.seed`, no plasticity). A sample's row
/// depends on that sample alone, so shards of a sample list give the rows of the whole list.
///
/// # Errors
/// An invalid config or a failing sample.
pub fn feature_pass(
    config: &DigitsConfig,
    samples: &[Sample],
    calibrate_on: Option<&[&Sample]>,
    progress: &dyn Progress,
) -> Result<FeaturePass, PipelineError> {
    config.validate()?;
    if let crate::ReservoirChoice::Esn { esn, .. } = &config.reservoir {
        if esn.learning_epochs() > 0 {
            return Err(PipelineError::config(
                "reservoir.esn",
                "plasticity / intrinsic learn on each fit's training recordings; a shared \
                 feature pass (cross-validated experiments, `lsm features`) has no training \
                 set: remove them here, or use `lsm fit`",
            ));
        }
    }
    if config.plasticity.is_some() && matches!(config.reservoir, crate::ReservoirChoice::Spiking) {
        return Err(PipelineError::config(
            "plasticity",
            "the spiking reservoir's plasticity learns on each fit's training recordings; a \
             shared feature pass (cross-validated experiments, `lsm features`) has no training \
             set: remove it here, or use `lsm fit` per split",
        ));
    }
    let mut cfg = config.clone();
    cfg.features.include_input = true;
    crate::digits::resolve_spike_channels(&mut cfg, samples)?;
    let built = crate::digits::build_reservoir(&cfg, None, calibrate_on, progress)?;
    let (network, esn) = (built.network, built.esn);
    let ex = Extractor::new(&cfg, network.as_ref(), esn.as_ref())?;
    progress.start("encoding + simulating", samples.len() as u64);
    let (x, extract) = ex.features(samples, progress)?;
    progress.finish();
    Ok(FeaturePass {
        n_input_features: cfg.features.pooling.n_features(ex.n_input_channels()),
        features: x,
        extract,
    })
}

/// Extract features of all `samples` once and score every split (see the module docs).
/// The network is generated from `config.network` with `config.seed`.
///
/// # Errors
/// An invalid config, a failing sample, or a split whose training rows cannot fit a readout.
pub fn run_folds(
    config: &DigitsConfig,
    samples: &[Sample],
    splits: &[Fold],
    progress: &dyn Progress,
) -> Result<ExperimentReport, PipelineError> {
    config.validate()?;
    let LabelIndex {
        names: classes,
        indices: y,
    } = class_index(&labels_of(samples)?);
    let groups = group_indices(samples).map(|g| g.indices);
    // An automatic input drive is calibrated on the first split's training samples only.
    let calib: Option<Vec<&Sample>> = splits
        .first()
        .map(|sp| sp.train.iter().filter_map(|&i| samples.get(i)).collect());
    let FeaturePass {
        features: x,
        n_input_features: n_in,
        extract,
    } = feature_pass(config, samples, calib.as_deref(), progress)?;
    let n_res = x.ncols() - n_in;
    // Configured features: reservoir (+ input if asked) or input alone.
    let lsm_cols = if !config.features.reservoir {
        n_res..x.ncols()
    } else if config.features.include_input {
        0..x.ncols()
    } else {
        0..n_res
    };
    let t0 = Instant::now();
    let mut out = Vec::new();
    progress.start("fitting readouts", splits.len() as u64);
    for sp in splits {
        if sp.train.is_empty() || sp.test.is_empty() {
            return Err(PipelineError::Data(format!(
                "split \"{}\" has {} training and {} test samples",
                sp.name,
                sp.train.len(),
                sp.test.len()
            )));
        }
        let score = |cols: std::ops::Range<usize>| -> Result<ReadoutScore, PipelineError> {
            let xs = x.slice(s![.., cols]);
            let xtr: Array2<Real> = xs.select(Axis(0), &sp.train);
            let ytr: Vec<usize> = sp.train.iter().map(|&i| y[i]).collect();
            let gtr: Option<Vec<usize>> = groups
                .as_ref()
                .map(|g| sp.train.iter().map(|&i| g[i]).collect());
            let r = ClassifierReadout::fit_with(
                xtr.view(),
                &ytr,
                classes.clone(),
                gtr.as_deref(),
                &config.readout,
                config.seed,
                false,
            )?;
            let xte: Array2<Real> = xs.select(Axis(0), &sp.test);
            let pred: Vec<usize> = r.predict(xte.view())?.into_iter().map(|p| p.0).collect();
            let yte: Vec<usize> = sp.test.iter().map(|&i| y[i]).collect();
            let cv_accuracy = r.cv().map_or(f64::NAN, |c| c.scores[c.best_index]);
            Ok(ReadoutScore {
                test_accuracy: accuracy(&yte, &pred),
                alpha: r.alpha(),
                cv_accuracy,
                n_features: xtr.ncols(),
            })
        };
        let lsm = score(lsm_cols.clone())?;
        let input_only = if config.features.reservoir {
            Some(score(n_res..x.ncols())?)
        } else {
            None
        };
        out.push(FoldResult {
            name: sp.name.clone(),
            n_train: sp.train.len(),
            n_test: sp.test.len(),
            lsm,
            input_only,
        });
        progress.inc(1);
    }
    progress.finish();
    Ok(ExperimentReport {
        splits: out,
        extract,
        readout_s: t0.elapsed().as_secs_f64(),
        n_input_features: x.ncols() - n_res,
        features: x,
    })
}

/// The official split and the leave-one-speaker-out splits of FSDD-like samples:
/// `is_test_take[i]` says whether sample `i` is in the official test set (takes 0–4); every
/// distinct group (speaker) gives one split "test speaker G" (train on all other speakers).
pub fn fsdd_folds(samples: &[Sample], is_test_take: &[bool]) -> Vec<Fold> {
    let mut out = vec![Fold {
        name: "official".into(),
        train: (0..samples.len()).filter(|&i| !is_test_take[i]).collect(),
        test: (0..samples.len()).filter(|&i| is_test_take[i]).collect(),
    }];
    let groups: Vec<&str> = samples.iter().filter_map(|s| s.group.as_deref()).collect();
    for g in &group_index(&groups).names {
        out.push(Fold {
            name: format!("test speaker {g}"),
            train: (0..samples.len())
                .filter(|&i| samples[i].group.as_deref() != Some(g.as_str()))
                .collect(),
            test: (0..samples.len())
                .filter(|&i| samples[i].group.as_deref() == Some(g.as_str()))
                .collect(),
        });
    }
    out
}
