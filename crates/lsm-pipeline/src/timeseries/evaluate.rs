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

/// Evaluate `model` on `data`: the test segment of the split (the same series is regenerated
/// from the stored config and seed; for a CSV file, the file is cut with the same split).
///
/// # Errors
/// Data, reservoir or readout errors.
pub fn evaluate(model: &TsModel, data: &DataSource) -> Result<SeriesEvaluation> {
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
    let drive_in = drive_rows(cfg, prep.inputs.view(), prep.targets.view(), 0..0);
    let src = FeatureSource::new(
        &model.reservoir,
        drive_in.view(),
        cfg.feat_inputs(prep.inputs.ncols()),
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
