//! The spoken-digit pipeline: fit, predict and evaluate, save and load.

use super::drive::{apply_input_drive, Calibration};
use super::input::{resolve_spike_channels, InputStage};
use super::snn::{self, SnnConfig, SnnModel};
use crate::config::{DigitsConfig, PlasticityConfig, TASK_SPOKEN_DIGITS};
use crate::error::PipelineError;
use crate::io::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
use crate::metrics::ClassificationReport;
use crate::sources::ReservoirChoice;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_datasets::{class_index, group_index, LabelIndex};
use lsm_reservoir::{train_homeostasis, train_stdp, Drive, Network, NetworkSpec};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

use super::*;

/// A prediction for one sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The file.
    pub path: PathBuf,
    /// Predicted class index.
    pub class: usize,
    /// Predicted label.
    pub label: String,
    /// Calibrated probability of the predicted label.
    pub probability: f64,
}

/// The result of [`DigitsPipeline::evaluate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigitsEvaluation {
    /// Accuracy, per-class accuracy and confusion matrix.
    pub report: ClassificationReport,
    /// The predictions, in sample order.
    pub predictions: Vec<Prediction>,
    /// Feature extraction counters and timings.
    pub extract: ExtractStats,
    /// Readout time, s.
    pub readout_s: f64,
}

/// A fitted pipeline: the model (serialisable) and its built stages.
#[derive(Debug)]
pub struct DigitsPipeline {
    pub(super) model: DigitsModel,
    pub(super) extractor: Extractor,
    pub(super) timings: Option<FitTimings>,
}

/// The label of every sample, in order.
///
/// # Errors
/// [`PipelineError::Data`] naming the first sample without a label.
pub(crate) fn labels_of(samples: &[Sample]) -> Result<Vec<&str>, PipelineError> {
    samples
        .iter()
        .map(|s| {
            s.label.as_deref().ok_or_else(|| {
                PipelineError::Data(format!("{}: no label for this sample", s.path.display()))
            })
        })
        .collect()
}

/// The group (speaker) index of every sample ([`group_index`]), or `None` when a sample has
/// no group.
pub(crate) fn group_indices(samples: &[Sample]) -> Option<LabelIndex> {
    let groups: Option<Vec<&str>> = samples.iter().map(|s| s.group.as_deref()).collect();
    Some(group_index(&groups?))
}

/// Unsupervised STDP and homeostatic thresholds of the generated network on training
/// recordings (see [`PlasticityConfig`]): `samples` of them drawn in the order of a shuffle
/// with stream `PLASTICITY`, encoded as for the features (same encoder noise streams), run one
/// after another `epochs` times by each rule in turn; returns the network with the learned
/// weights and thresholds.
pub(crate) fn learn_stdp(
    config: &DigitsConfig,
    pc: &PlasticityConfig,
    input: &InputStage,
    spec: NetworkSpec,
    train: &[Sample],
    progress: &dyn Progress,
) -> Result<NetworkSpec, PipelineError> {
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.shuffle(&mut rng_for(config.seed, stream::PLASTICITY));
    let n = if pc.samples == 0 {
        train.len()
    } else {
        pc.samples.min(train.len())
    };
    progress.start("encoding (plasticity)", n as u64);
    let trains: Vec<SpikeTrains> = order[..n]
        .par_iter()
        .map_init(lsm_encoding::AudioWorkspace::default, |ews, &i| {
            let st = input.spikes(&train[i], config.seed, ews)?.into_owned();
            progress.inc(1);
            Ok(st)
        })
        .collect::<Result<_, PipelineError>>()?;
    progress.finish();
    let drives: Vec<Drive<'_>> = (0..pc.epochs)
        .flat_map(|_| trains.iter().map(Drive::Spikes))
        .collect();
    let mut learned = spec;
    if let Some(stdp) = &pc.stdp {
        let label = if stdp.model.is_rate_based() {
            format!("plasticity: {} (unsupervised)", stdp.model.name())
        } else {
            "STDP (unsupervised)".to_string()
        };
        progress.start(&label, drives.len() as u64);
        let net = Network::from_spec(&learned)?;
        learned = train_stdp(&net, &drives, stdp, None, config.seed, &|_| progress.inc(1))
            .map_err(PipelineError::Plasticity)?
            .0;
        progress.finish();
    }
    if let Some(h) = &pc.homeostasis {
        progress.start("homeostatic thresholds (unsupervised)", drives.len() as u64);
        learned = train_homeostasis(&learned, &drives, h, config.seed, &|_| progress.inc(1))
            .map_err(PipelineError::Plasticity)?
            .0;
        progress.finish();
    }
    Ok(learned)
}

/// The reservoir of a config, built: the spiking network or the ESN (or neither, without
/// reservoir features), and what the input-drive stage did to the spiking network.
pub(crate) struct BuiltReservoir {
    pub network: Option<NetworkSpec>,
    pub esn: Option<lsm_reservoir::Esn>,
    pub calibration: Option<Calibration>,
}

/// The reservoir of `config` for its input: the spiking network (generated from the seed, or
/// read from its file; its input weights scaled by `config.input_drive`, calibrated on
/// `calibrate_on` for `"auto"`; then, with `plasticity` and `train` given, trained by STDP on
/// `train`), or the ESN (with `train` given, its unsupervised rules learned on it); neither
/// without reservoir features.
///
/// # Errors
/// The generator's, the network file's or the ESN's errors, naming the field or the file;
/// the error of a sample that fails during calibration.
pub(crate) fn build_reservoir(
    config: &DigitsConfig,
    train: Option<&[Sample]>,
    calibrate_on: Option<&[&Sample]>,
    progress: &dyn Progress,
) -> Result<BuiltReservoir, PipelineError> {
    let mut built = BuiltReservoir {
        network: None,
        esn: None,
        calibration: None,
    };
    if !config.features.reservoir {
        return Ok(built);
    }
    let input = InputStage::new(config)?;
    match &config.reservoir {
        ReservoirChoice::Spiking => {
            progress.start("building network", 0);
            let spec = config
                .network
                .spec(
                    input.n_channels(),
                    Some(input.dt_ms()),
                    config.seed,
                    input.feeds(),
                )
                .map_err(|e| match &config.network {
                    // A file's errors name the file; a generator's name the config field.
                    lsm_reservoir::NetworkSource::File(_) => PipelineError::Reservoir(e),
                    _ => PipelineError::config("network", e.to_string()),
                })?;
            progress.finish();
            let (spec, cal) = apply_input_drive(config, spec, calibrate_on, progress)?;
            built.calibration = Some(cal);
            let spec = match (&config.plasticity, train) {
                (Some(pc), Some(train)) => learn_stdp(config, pc, &input, spec, train, progress)?,
                _ => spec,
            };
            built.network = Some(spec);
        }
        ReservoirChoice::Esn { esn, bin_ms } => {
            let e = lsm_reservoir::Esn::build(esn, input.n_channels(), config.seed)
                .map_err(|e| PipelineError::config("reservoir.esn", e.to_string()))?;
            built.esn = Some(match train {
                Some(train) => {
                    super::esn::learn_esn(config, esn, *bin_ms, &input, e, train, progress)?
                }
                None => e,
            });
        }
    }
    Ok(built)
}

impl DigitsPipeline {
    /// Fit the whole pipeline on labelled `train` samples: build the network from the config
    /// (seed `config.seed`), extract features in one parallel pass, fit the readout.
    ///
    /// # Errors
    /// [`PipelineError::Config`] for an invalid config, [`PipelineError::Data`] for an empty
    /// or unlabelled training set, or the error of the failing stage.
    pub fn fit(config: &DigitsConfig, train: &[Sample]) -> Result<Self, PipelineError> {
        Self::fit_with_progress(config, train, &NoProgress)
    }

    /// [`DigitsPipeline::fit`], reporting each stage's progress to `progress`.
    ///
    /// # Errors
    /// As [`DigitsPipeline::fit`].
    pub fn fit_with_progress(
        config: &DigitsConfig,
        train: &[Sample],
        progress: &dyn Progress,
    ) -> Result<Self, PipelineError> {
        config.validate()?;
        if train.is_empty() {
            return Err(PipelineError::Data(
                "no training samples (empty split?)".into(),
            ));
        }
        let LabelIndex {
            names: classes,
            indices: y,
        } = class_index(&labels_of(train)?);
        let (groups, group_list) = match group_indices(train) {
            Some(g) => (Some(g.indices), g.names),
            None => (None, Vec::new()),
        };

        let t_net = Instant::now();
        let mut config = config.clone();
        resolve_spike_channels(&mut config, train)?;
        let config = &config;
        if let Some(SnnConfig::Surrogate(sc)) = &config.snn {
            return Self::fit_snn(config, sc, train, &y, classes, group_list, progress);
        }
        let BuiltReservoir {
            network,
            esn,
            calibration,
        } = build_reservoir(
            config,
            Some(train),
            Some(&train.iter().collect::<Vec<_>>()),
            progress,
        )?;
        let extractor = Extractor::new(config, network.as_ref(), esn.as_ref())?;
        let network_s = t_net.elapsed().as_secs_f64();
        progress.start("encoding + simulating (train)", train.len() as u64);
        let (x, extract) = extractor.features(train, progress)?;
        progress.finish();

        progress.start("fitting readout", 0);
        let t0 = Instant::now();
        let readout = ClassifierReadout::fit(
            x.view(),
            &y,
            classes.clone(),
            groups.as_deref(),
            &config.readout,
            config.seed,
        )?;
        let readout_s = t0.elapsed().as_secs_f64();
        progress.finish();
        let pred = readout.predict(x.view())?;
        let train_accuracy =
            pred.iter().zip(&y).filter(|((p, _), t)| p == *t).count() as f64 / y.len() as f64;
        let cv_scores = readout
            .cv()
            .map(|r| {
                r.alphas
                    .iter()
                    .copied()
                    .zip(r.scores.iter().copied())
                    .collect()
            })
            .unwrap_or_default();
        let training = TrainingSummary {
            n_samples: train.len(),
            n_features: x.ncols(),
            class_counts: (0..classes.len())
                .map(|c| y.iter().filter(|&&v| v == c).count())
                .collect(),
            groups: group_list,
            alpha: readout.alpha(),
            cv_scores,
            train_accuracy,
            n_steps: extract.n_steps,
            input_spikes: extract.input_spikes,
            reservoir_spikes: extract.reservoir_spikes,
            input_gain: calibration.as_ref().map_or(1.0, |c| c.gain),
            calibration: calibration.map(|c| c.passes).unwrap_or_default(),
        };
        let model = DigitsModel {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_FORMAT_VERSION,
            task: TASK_SPOKEN_DIGITS.into(),
            lsm_version: env!("CARGO_PKG_VERSION").into(),
            config: config.clone(),
            network,
            esn,
            readout,
            training,
            snn: None,
        };
        Ok(Self {
            model,
            extractor,
            timings: Some(FitTimings {
                network_s,
                extract,
                readout_s,
            }),
        })
    }

    /// [`DigitsPipeline::fit`] with the config's `snn` section: encode the training samples,
    /// train the spiking network on their spikes, store it (the readout keeps only the class
    /// labels). The timings report the encoding as the extraction and the training as the
    /// readout.
    #[allow(clippy::too_many_arguments)]
    fn fit_snn(
        config: &DigitsConfig,
        sc: &lsm_learn::surrogate::SurrogateConfig,
        train: &[Sample],
        y: &[usize],
        classes: Vec<String>,
        group_list: Vec<String>,
        progress: &dyn Progress,
    ) -> Result<Self, PipelineError> {
        let extractor = Extractor::new(&snn::input_config(config), None, None)?;
        progress.start("encoding (train)", train.len() as u64);
        let (xs, extract) = snn::encode(&extractor, train, progress)?;
        progress.finish();
        progress.start("training the spiking network (surrogate gradients)", 0);
        let t0 = Instant::now();
        let tr = lsm_learn::surrogate::train(sc, &xs, y, classes.len(), config.seed)
            .map_err(|e| snn::learn_err("snn", e))?;
        let train_s = t0.elapsed().as_secs_f64();
        progress.finish();
        let pred = tr.net.predict(&xs).map_err(|e| snn::learn_err("snn", e))?;
        let train_accuracy =
            pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64;
        let training = TrainingSummary {
            n_samples: train.len(),
            n_features: tr.net.n_inputs(),
            class_counts: (0..classes.len())
                .map(|c| y.iter().filter(|&&v| v == c).count())
                .collect(),
            groups: group_list,
            alpha: 0.0,
            cv_scores: Vec::new(),
            train_accuracy,
            n_steps: extract.n_steps,
            input_spikes: extract.input_spikes,
            reservoir_spikes: 0,
            input_gain: 1.0,
            calibration: Vec::new(),
        };
        let model = DigitsModel {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_FORMAT_VERSION,
            task: TASK_SPOKEN_DIGITS.into(),
            lsm_version: env!("CARGO_PKG_VERSION").into(),
            config: config.clone(),
            network: None,
            esn: None,
            readout: ClassifierReadout {
                classes,
                ridge: None,
                logistic: None,
                logistic_cv: None,
                temperature: 1.0,
            },
            training,
            snn: Some(SnnModel {
                net: tr.net,
                log: tr.log,
            }),
        };
        Ok(Self {
            model,
            extractor,
            timings: Some(FitTimings {
                network_s: 0.0,
                extract,
                readout_s: train_s,
            }),
        })
    }

    /// Timings of the fit (`None` for a loaded model).
    pub fn fit_timings(&self) -> Option<&FitTimings> {
        self.timings.as_ref()
    }

    /// The model (serialisable part).
    pub fn model(&self) -> &DigitsModel {
        &self.model
    }

    /// The built stages.
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// Class labels.
    pub fn classes(&self) -> &[String] {
        &self.model.readout.classes
    }

    /// Features of `samples` (one parallel pass).
    ///
    /// # Errors
    /// The error of the failing sample.
    pub fn features(
        &self,
        samples: &[Sample],
    ) -> Result<(Array2<Real>, ExtractStats), PipelineError> {
        self.extractor.features(samples, &NoProgress)
    }

    /// [`DigitsPipeline::features`], reporting progress to `progress`.
    ///
    /// # Errors
    /// As [`DigitsPipeline::features`].
    pub fn features_with_progress(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<(Array2<Real>, ExtractStats), PipelineError> {
        self.extractor.features(samples, progress)
    }

    /// Predict the label of each sample.
    ///
    /// # Errors
    /// The error of the failing sample (unreadable file, not a WAV...).
    pub fn predict(&self, samples: &[Sample]) -> Result<Vec<Prediction>, PipelineError> {
        self.predict_with_progress(samples, &NoProgress)
    }

    /// [`DigitsPipeline::predict`], reporting progress to `progress`.
    ///
    /// # Errors
    /// As [`DigitsPipeline::predict`].
    pub fn predict_with_progress(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<Vec<Prediction>, PipelineError> {
        Ok(self.predict_with_stats(samples, progress)?.0)
    }

    /// Calibrated probabilities of every class for each sample (`n × n_classes`, the columns
    /// in the order of [`DigitsPipeline::classes`]); the predicted label of
    /// [`DigitsPipeline::predict`] is the most probable one.
    ///
    /// # Errors
    /// As [`DigitsPipeline::predict`].
    pub fn predict_proba_with_progress(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<Array2<Real>, PipelineError> {
        if let Some(snn) = &self.model.snn {
            progress.start("encoding + spiking network", samples.len() as u64);
            let (xs, _) = snn::encode(&self.extractor, samples, progress)?;
            progress.finish();
            let mut l = snn.net.logits(&xs).map_err(|e| snn::learn_err("snn", e))?;
            snn::softmax_rows(&mut l);
            return Ok(l);
        }
        progress.start("encoding + simulating", samples.len() as u64);
        let (x, _) = self.extractor.features(samples, progress)?;
        progress.finish();
        self.model.readout.probabilities(x.view())
    }

    pub(crate) fn predict_with_stats(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<(Vec<Prediction>, ExtractStats, f64), PipelineError> {
        let (p, stats, readout_s) = if let Some(snn) = &self.model.snn {
            progress.start("encoding + spiking network", samples.len() as u64);
            let (xs, stats) = snn::encode(&self.extractor, samples, progress)?;
            progress.finish();
            let t0 = Instant::now();
            let mut l = snn.net.logits(&xs).map_err(|e| snn::learn_err("snn", e))?;
            let pred = lsm_learn::convert::mlp::argmax_rows(l.view());
            snn::softmax_rows(&mut l);
            let p: Vec<(usize, f64)> = pred
                .iter()
                .enumerate()
                .map(|(i, &c)| (c, l[[i, c]]))
                .collect();
            (p, stats, t0.elapsed().as_secs_f64())
        } else {
            progress.start("encoding + simulating", samples.len() as u64);
            let (x, stats) = self.extractor.features(samples, progress)?;
            progress.finish();
            let t0 = Instant::now();
            let p = self.model.readout.predict(x.view())?;
            (p, stats, t0.elapsed().as_secs_f64())
        };
        let preds = p
            .into_iter()
            .zip(samples)
            .map(|((c, prob), s)| Prediction {
                path: s.path.clone(),
                class: c,
                label: self.model.readout.classes[c].clone(),
                probability: prob,
            })
            .collect();
        Ok((preds, stats, readout_s))
    }

    /// Predict labelled `samples` and score the predictions.
    ///
    /// # Errors
    /// [`PipelineError::Data`] for no samples, an unlabelled sample or a label that is not a
    /// class of the model; the error of a failing sample.
    pub fn evaluate(&self, samples: &[Sample]) -> Result<DigitsEvaluation, PipelineError> {
        self.evaluate_with_progress(samples, &NoProgress)
    }

    /// [`DigitsPipeline::evaluate`], reporting progress to `progress`.
    ///
    /// # Errors
    /// As [`DigitsPipeline::evaluate`].
    pub fn evaluate_with_progress(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<DigitsEvaluation, PipelineError> {
        if samples.is_empty() {
            return Err(PipelineError::Data(
                "no samples to evaluate (empty split?)".into(),
            ));
        }
        let classes = self.classes();
        let truth: Vec<usize> = labels_of(samples)?
            .iter()
            .zip(samples)
            .map(|(l, s)| {
                classes.iter().position(|c| c == l).ok_or_else(|| {
                    PipelineError::Data(format!(
                        "{}: label \"{l}\" is not a class of the model ({})",
                        s.path.display(),
                        classes.join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let (predictions, extract, readout_s) = self.predict_with_stats(samples, progress)?;
        let pred: Vec<usize> = predictions.iter().map(|p| p.class).collect();
        Ok(DigitsEvaluation {
            report: ClassificationReport::new(classes, &truth, &pred),
            predictions,
            extract,
            readout_s,
        })
    }
}
