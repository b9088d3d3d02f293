//! SeriesEvaluation of a fitted model on the test segment.

use super::*;
use lsm_core::Real;
use ndarray::Array2;

/// Result of an evaluation.
#[derive(Clone, Debug)]
pub struct SeriesEvaluation {
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
    /// Closed loop: NRMSE over the whole horizon and valid prediction time.
    pub free_run: Option<FreeRunScores>,
}

/// The test segment of `data` run through a model's reservoir: what [`evaluate`] and
/// [`predict`] score from.
struct TestRun {
    prep: Prepared,
    drive: Array2<Real>,
    states: Array2<Real>,
    feats: Array2<Real>,
    te: std::ops::Range<usize>,
}

impl TestRun {
    fn new(model: &TsModel, data: &DataSource) -> Result<Self> {
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
            DataSource::Series {
                series,
                target: None,
            } => DataSource::Series {
                series: series.clone(),
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
            return Err(PipelineError::Runtime(format!(
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
        let drive = drive_rows(cfg, prep.inputs.view(), prep.targets.view(), 0..0);
        // Streamed: one run up to the end of the test segment either way, and only the rows
        // kept are held.
        let src = FeatureSource::streamed(
            &model.reservoir,
            drive.view(),
            cfg.feat_inputs(prep.inputs.ncols()),
            cfg.seed,
        )?;
        let (states, feats) = src.collect(te.start - 1..te.end)?;
        Ok(Self {
            prep,
            drive,
            states,
            feats,
            te,
        })
    }

    fn scorer<'a>(&'a self, model: &'a TsModel) -> Scorer<'a> {
        Scorer {
            cfg: &model.config,
            prep: &self.prep,
            res: &model.reservoir,
            states: &self.states,
            feats: &self.feats,
            offset: self.te.start - 1,
            drive: self.drive.view(),
            spiking_starts: Default::default(),
        }
    }
}

/// What [`predict`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PredictMode {
    /// The readout's predictions over the test segment, teacher forced (one step, or the
    /// model's `k` steps ahead).
    TeacherForced,
    /// One free run of this many steps from the start of the test segment: the readout's
    /// output fed back as the next input (autonomous series), warmed up on the data before.
    ClosedLoop(usize),
}

/// A predicted series with its target, original units.
#[derive(Clone, Debug)]
pub struct SeriesPrediction {
    /// Prediction, steps × outputs.
    pub prediction: Array2<Real>,
    /// Target, same shape.
    pub target: Array2<Real>,
    /// Output names.
    pub names: Vec<String>,
}

/// Predict `data` with `model` (see [`PredictMode`]).
///
/// # Errors
/// As [`evaluate`]; a closed loop on a model whose outputs are not its inputs; a horizon
/// past the end of the data (naming `--horizon`'s limit).
pub fn predict(model: &TsModel, data: &DataSource, mode: PredictMode) -> Result<SeriesPrediction> {
    let run = TestRun::new(model, data)?;
    let scorer = run.scorer(model);
    let (prediction, target) = match mode {
        PredictMode::TeacherForced => {
            let sc = Scorer {
                cfg: &TsConfig {
                    prediction: PredictionConfig {
                        mode: Mode::OneStep,
                        horizon: 1,
                        trials: 1,
                        ..PredictionConfig::default()
                    },
                    ..model.config.clone()
                },
                ..scorer
            };
            let r = sc.score(&model.readout, run.te.clone())?;
            (r.prediction, r.target)
        }
        PredictMode::ClosedLoop(h) => {
            if !run.prep.autonomous && model.config.feedback.is_none() {
                return cfg_err(
                    "prediction.mode",
                    "a closed loop feeds the outputs back: this model's inputs are not its targets \
                     and it has no feedback",
                );
            }
            let avail = run.prep.targets.nrows() + 1 - run.te.start;
            if h == 0 || h > avail {
                return Err(PipelineError::Runtime(format!(
                    "{}: a closed loop of {h} steps from the start of the test segment: expected 1 to {avail} (the rows left in the data)",
                    run.prep.source
                )));
            }
            let (p, t) = scorer.free_run(&model.readout, run.te.start, h)?;
            if p.nrows() < h {
                return Err(PipelineError::Runtime(format!(
                    "{}: the closed loop diverged at free-run step {}",
                    run.prep.source,
                    p.nrows() + 1
                )));
            }
            (p, t)
        }
    };
    Ok(SeriesPrediction {
        prediction,
        target,
        names: run.prep.target_names.clone(),
    })
}

/// Evaluate `model` on `data`: the test segment of the split (the same series is regenerated
/// from the stored config and seed; for a CSV file, the file is cut with the same split).
///
/// # Errors
/// Data, reservoir or readout errors.
pub fn evaluate(model: &TsModel, data: &DataSource) -> Result<SeriesEvaluation> {
    let cfg = &model.config;
    let run = TestRun::new(model, data)?;
    let scorer = run.scorer(model);
    let (prep, te, sp) = (&run.prep, run.te.clone(), &cfg.split);
    let r = scorer.score(&model.readout, te.clone())?;
    let (pp, pt) = if cfg.prediction.mode == Mode::ClosedLoop {
        scorer.free_run(&model.readout, te.start, 500.min(sp.test))?
    } else {
        (r.prediction.clone(), r.target.clone())
    };
    // The last line of defence: predictions in original units are finite.
    for (what, a) in [("prediction", &r.prediction), ("free-run prediction", &pp)] {
        if let Some(((t, j), v)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(PipelineError::Data(format!(
                "{}: the {what} of output {j} at test step {t} is {v}: the model's numbers are \
                 out of range for these data",
                prep.source
            )));
        }
    }
    // Finite predictions far from the data (a model file's weights or scales changed) can
    // still overflow the squared errors. (An infinite NRMSE alone is legitimate: a constant
    // test target.)
    if !r.scores.mse.is_finite() {
        return Err(PipelineError::Data(format!(
            "{}: the test MSE overflows ({:e}): the model's predictions are far out of the \
             data's range",
            prep.source, r.scores.mse
        )));
    }
    Ok(SeriesEvaluation {
        n_scored: r.scores.n,
        free_run: r.free_run.clone(),
        scores: r.scores,
        plot_prediction: pp,
        plot_target: pt,
        target_names: prep.target_names.clone(),
    })
}
