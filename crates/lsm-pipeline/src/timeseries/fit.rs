//! Fitting: prepare the series, run the reservoir, fold the training rows into the Gram accumulator, choose α on the validation segment.

use super::*;
use lsm_core::Real;
use lsm_readout::{GramAccumulator, RidgeValidParams};
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};

/// Summary of a fit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FitReport {
    /// The chosen α.
    pub alpha: Real,
    /// Validation NRMSE of the chosen α (NaN without a validation segment).
    pub validation_nrmse: Real,
    /// Training scores (one-step style, teacher forced).
    pub train: Scores,
    /// Seconds spent building the reservoir (weights, spectral radius, and learning the
    /// ESN's unsupervised rules if configured).
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
    /// Closed loop: the free-run scores of the chosen α on the validation segment.
    #[serde(default)]
    pub validation_free_run: Option<FreeRunScores>,
    /// The input drive of a spiking reservoir: its gain and rate (`None` for an ESN).
    #[serde(default)]
    pub input_drive: Option<DriveReport>,
}

impl FitReport {
    /// Warnings on the fit: a spiking reservoir silent (below
    /// [`crate::drive::SILENT_HZ`]) or saturated (above [`crate::drive::SATURATED_HZ`]) on
    /// the training data, naming its rate.
    pub fn warnings(&self) -> Vec<String> {
        self.input_drive
            .as_ref()
            .map(DriveReport::warnings)
            .unwrap_or_default()
    }
}

/// Fit a model on `data` (see the module doc).
///
/// # Errors
/// Config, data, reservoir or readout errors.
pub fn fit(cfg: &TsConfig, data: &DataSource) -> Result<(TsModel, FitReport)> {
    fit_with_progress(cfg, data, &NoProgress)
}

/// [`fit`], telling `progress` of the rows run (every 1,024 rows or block of rows; a
/// hook that unwinds stops the fit there).
///
/// # Errors
/// As [`fit`].
pub fn fit_with_progress(
    cfg: &TsConfig,
    data: &DataSource,
    progress: &dyn Progress,
) -> Result<(TsModel, FitReport)> {
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
    if cfg.prediction.mode == Mode::ClosedLoop && !prep.autonomous && cfg.feedback.is_none() {
        return cfg_err(
            "prediction.mode",
            "closed-loop prediction feeds the output back: as the next input (data.csv.inputs = \
             [target]) or, for an input-driven series, through \"feedback\"",
        );
    }
    let k = prep.inputs.ncols();
    let o = prep.targets.ncols();
    let k_res = k + if cfg.feedback.is_some() { o } else { 0 };
    // The cost of the whole run, checked before anything is built.
    match &cfg.reservoir {
        lsm_reservoir::ReservoirConfig::Esn(e) => e.validate_cost(k_res, prep.inputs.nrows())?,
        lsm_reservoir::ReservoirConfig::DeepEsn(d) => {
            d.validate_cost(k_res, prep.inputs.nrows())?
        }
        _ => {}
    }
    let w = cfg.split.washout;
    let tr = w..w + cfg.split.train;
    let va = tr.end..tr.end + cfg.split.validation;
    // The reservoir's drive: the inputs, with feedback the teacher signal too (noisy on the
    // rows before validation when `feedback.noise` > 0).
    let drive_in = drive_rows(cfg, prep.inputs.view(), prep.targets.view(), 0..tr.end);
    let fb_noise = cfg.feedback.as_ref().map_or(0.0, |f| f.noise);
    // The same without the noise, for the states that are scored.
    let clean_owned;
    let clean = if fb_noise > 0.0 {
        clean_owned = drive_rows(cfg, prep.inputs.view(), prep.targets.view(), 0..0);
        clean_owned.view()
    } else {
        drive_in.view()
    };
    let force = cfg.readout.kind == SeriesReadoutKind::Force;
    let clock = std::time::Instant::now();
    let res = build_reservoir(cfg, k, o)?;
    let (res, input_drive) = drive::apply_input_drive(cfg, res, drive_in.view())?;
    let res = unsupervised::learn(cfg, res, drive_in.slice(s![..tr.end, ..]))?;
    let seconds_build = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let noise = match &cfg.reservoir {
        ReservoirConfig::Esn(e) => e.noise,
        _ => 0.0,
    };
    // One pass: the reservoir runs over train and validation; train feature rows are folded
    // into the Gram accumulator in blocks as they come, validation rows are kept for scoring.
    let src = if cfg.readout.online_rules().is_some() {
        FeatureSource::streamed(&res, drive_in.view(), cfg.feat_inputs(k), cfg.seed)?
    } else {
        FeatureSource::new(&res, drive_in.view(), cfg.feat_inputs(k), cfg.seed)?
    }
    .with_progress(progress);
    let nf = src.n_features();
    let bl = GRAM_BLOCK.min(tr.len());
    let keep = if cfg.split.validation > 0 {
        va.start - 1..va.end
    } else {
        tr.end..tr.end
    };
    let mut val_states = Array2::zeros((keep.len(), res.n_state()));
    let mut val_feats = Array2::zeros((keep.len(), nf));
    let keep_now = noise == 0.0 && fb_noise == 0.0;
    // The reservoir runs on this thread; full blocks of training rows go to a second thread
    // that folds them into the Gram accumulator (in order, so the sums do not depend on the
    // timing) while the run continues. Three block buffers circulate between the two.
    let targets = &prep.targets;
    let mut starts = None;
    let mut diverged = Vec::new();
    let (ridges, run_end) = if force {
        let rules = cfg.readout.online_rules().expect("FORCE learns by RLS");
        let pass = force_pass(cfg, &res, &prep, clean, &rules, tr.clone(), progress)?;
        diverged = pass.diverged;
        (pass.ridges, clock.elapsed().as_secs_f64())
    } else if let Some(rules) = cfg.readout.online_rules() {
        let pass = online_pass(
            &rules,
            cfg.readout.bias,
            &src,
            targets.view(),
            tr.clone(),
            keep.clone(),
            noise,
            &mut val_states,
            &mut val_feats,
        )?;
        diverged = pass.diverged;
        (pass.ridges, clock.elapsed().as_secs_f64())
    } else {
        let (gram, run_end) = match &res {
            // Without state noise, an ESN runs on a team of threads that alternate between
            // stepping the reservoir and folding the Gram matrix (`esn_pass`).
            Reservoir::Esn(esn) if noise == 0.0 => {
                let g = esn_pass(
                    esn,
                    drive_in.view(),
                    targets.view(),
                    cfg.feat_inputs(k),
                    tr.clone(),
                    keep.clone(),
                    &mut val_states,
                    &mut val_feats,
                    pass_threads(),
                    progress,
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
                let stopped = || PipelineError::Runtime("the Gram accumulation stopped".into());
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
                        set_row(&mut val_states, t - keep.start, x);
                        set_row(&mut val_feats, t - keep.start, f);
                    }
                    Ok(())
                });
                let run_end = clock.elapsed().as_secs_f64();
                drop(full_tx);
                let gram = consumer.join().map_err(|_| {
                    PipelineError::Runtime("the Gram accumulation thread panicked".into())
                })?;
                // A readout error (e.g. a non-finite state) explains a stopped producer: report it.
                let gram = gram?;
                produced?;
                Ok((gram, run_end))
            })?,
        };
        let params = RidgeValidParams {
            alpha: cfg.readout.alphas[0],
            fit_intercept: true,
            standardize: cfg.readout.standardize,
            ..RidgeValidParams::default()
        };
        (gram.solve_path(&params, &cfg.readout.alphas)?, run_end)
    };
    let seconds_run = run_end;
    // Readout: the Gram accumulation left after the run ended, plus the solves.
    let seconds_readout = clock.elapsed().as_secs_f64() - seconds_run;
    let clock = std::time::Instant::now();
    // The states of validation must be noise-free: with noise, run again without it (and
    // with feedback noise, on the noise-free teacher signal).
    // (FORCE's pass keeps no states.)
    if (!keep_now || force) && !keep.is_empty() {
        (val_states, val_feats) = if fb_noise > 0.0 {
            FeatureSource::streamed(&res, clean, cfg.feat_inputs(k), cfg.seed)?
                .collect(keep.clone())?
        } else {
            src.collect(keep.clone())?
        };
    }
    let scorer = Scorer {
        cfg,
        prep: &prep,
        res: &res,
        states: &val_states,
        feats: &val_feats,
        offset: keep.start,
        drive: clean,
        spiking_starts: Default::default(),
    };
    let mut validation = Vec::new();
    let mut best = 0usize;
    let mut validation_free_run = None;
    if cfg.split.validation > 0 {
        let mut best_v = Real::INFINITY;
        for (i, r) in ridges.iter().enumerate() {
            let (v, key, free) = match scorer.score(r, va.clone()) {
                Ok(sr) => {
                    let key = match (cfg.prediction.select, &sr.free_run) {
                        (Select::NrmseHorizon, Some(f)) => f.nrmse_horizon,
                        // More valid steps first, then the lower error over the horizon.
                        (Select::ValidTime, Some(f)) => {
                            -f.valid_steps_mean + f.nrmse_horizon.min(1.0) * 1e-3
                        }
                        _ => sr.scores.nrmse,
                    };
                    (sr.scores.nrmse, key, sr.free_run)
                }
                Err(PipelineError::Runtime(_)) => (Real::INFINITY, Real::INFINITY, None),
                Err(e) => return Err(e),
            };
            validation.push((r.alpha, v.is_finite().then_some(v)));
            if key < best_v {
                best_v = key;
                best = i;
                validation_free_run = free;
            }
        }
    }
    // An online pass that diverged for some α of the grid scores them as `null`.
    validation.extend(diverged.into_iter().map(|a| (a, None)));
    let ridge = ridges.into_iter().nth(best).expect("non-empty grid");
    // Training scores: a second pass (same states, noise included) through the chosen
    // readout, so that the train states are never held. A noise-free ESN runs its blocks
    // again in parallel from the states saved by the first pass; otherwise the reservoir
    // streams again from the start.
    let mut train_pred = Array2::zeros((tr.len(), o));
    let mut block = Array2::<Real>::zeros((bl, nf));
    let mut fill = 0usize;
    if let (Some(st), Reservoir::Esn(esn)) = (&starts, &res) {
        train_pred = st.predict(esn, drive_in.view(), cfg.feat_inputs(k), &ridge, tr.clone())?;
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
        validation_free_run: validation_free_run.clone(),
        input_drive,
    };
    let (data_name, target) = match data {
        DataSource::Builtin(t) => (t.name().to_string(), None),
        DataSource::Csv { path, target } => (path.display().to_string(), target.clone()),
        DataSource::Series { series, target } => (series.source.clone(), target.clone()),
    };
    let model = TsModel {
        format: MODEL_FORMAT.into(),
        format_version: MODEL_FORMAT_VERSION,
        task: cfg.task,
        config: cfg.clone(),
        data: data_name,
        target,
        reservoir: res,
        input_scaler: prep.input_scaler.clone(),
        target_scaler: prep.target_scaler.clone(),
        readout: ridge,
        validation,
        validation_free_run,
        input_names: prep.input_names.clone(),
        target_names: prep.target_names.clone(),
    };
    Ok((model, report))
}
