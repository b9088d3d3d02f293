//! The spoken-digit pipeline: WAV → front end → spike encoder → reservoir → pooled state
//! features → linear readout (logistic regression or ridge classifier), with fit / predict /
//! evaluate and the model file.
//!
//! # One pass, in parallel
//! Feature extraction ([`Extractor::features`]) makes one parallel pass (rayon) over the
//! samples; each worker owns one encoder workspace, one reservoir workspace and one recording
//! buffer, and for each file does read → front end → encode → simulate → pool. Only the pooled
//! feature vectors are kept (never the spike rasters of all files). Every random draw of a
//! sample derives from `rng_for(seed, stream::ENCODER + id)` (encoder) and
//! `rng_for(seed, stream::SIM_NOISE + id)` (simulator noise) with the sample's stable `id`,
//! so features are bit-identical for any number of threads.
//!
//! # Features
//! With `features.reservoir`, the reservoir's output spikes pooled by `features.pooling`
//! (`n_neurons · per_channel` values); with `features.include_input`, followed by the
//! encoder's spikes pooled the same way (`n_channels · per_channel` values).
//!
//! # Readout
//! See [`ClassifierReadout`]: a multinomial logistic regression (default; calibrated
//! probabilities by construction) or a ridge classifier (α chosen by cross-validated accuracy,
//! leave-one-speaker-out by default; probabilities by a temperature-scaled softmax calibrated
//! on held-out scores).
//!
//! # Model file
//! [`DigitsModel`] (JSON): the envelope `format` / `format_version` / `task`, the config, the
//! built network (its synapses and weights — the `lsm-network` spec — not only its seed, so
//! that a model survives changes of the generator), the readout (weights, intercept, feature
//! standardisation, class labels, calibration) and a training summary. Written atomically.

use crate::config::{
    ClassifierReadoutConfig, CvConfig, DigitsConfig, FeatureConfig, PlasticityConfig, ReadoutKind,
    TASK_SPOKEN_DIGITS,
};
use crate::error::PipelineError;
use crate::io::{self, MODEL_FORMAT, MODEL_FORMAT_VERSION};
use crate::metrics::ClassificationReport;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_encoding::AudioEncoder;
use lsm_readout::{
    CvReport, Folds, LogisticRegression, LogisticValidParams, Ridge, RidgeValidParams, Scoring,
};
use lsm_reservoir::{train_stdp, Drive, Network, NetworkSpec, RecordSpec, Recording};
use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// One audio sample: a WAV file, its label (if known) and its group (speaker, for grouped
/// cross-validation), and a stable id that selects its random streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The WAV file.
    pub path: PathBuf,
    /// Class label (e.g. `"7"`); required for fitting and evaluating.
    pub label: Option<String>,
    /// Group (speaker); required for leave-one-group-out cross-validation.
    pub group: Option<String>,
    /// Stable id (independent of processing order), e.g. [`stable_id`] of the file name.
    pub id: u64,
}

impl Sample {
    /// An unlabelled sample whose id is [`stable_id`] of its file name.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let id = stable_id(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        Self {
            path,
            label: None,
            group: None,
            id,
        }
    }
}

/// A stable 64-bit id of a name (FNV-1a), so a file keeps its random streams wherever it is
/// and in whatever order files are processed.
pub fn stable_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Progress reporting hooks (the command line draws progress bars with them). All methods
/// default to doing nothing.
pub trait Progress: Sync {
    /// A stage starts with `total` units of work (files, or 0 when unknown).
    fn start(&self, _stage: &str, _total: u64) {}
    /// `n` units done.
    fn inc(&self, _n: u64) {}
    /// The current stage is finished.
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Counters and timings of a feature-extraction pass. The `*_cpu_s` fields are summed over
/// worker threads (CPU seconds spent in each stage); `wall_s` is the elapsed time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractStats {
    /// Samples processed.
    pub n_samples: usize,
    /// Simulated time steps, all samples.
    pub n_steps: u64,
    /// Input (encoder) spikes.
    pub input_spikes: u64,
    /// Reservoir spikes.
    pub reservoir_spikes: u64,
    /// Synaptic events delivered (recurrent + input).
    pub syn_events: u64,
    /// Reading + front end + encoding, CPU seconds.
    pub encode_cpu_s: f64,
    /// Simulation, CPU seconds.
    pub simulate_cpu_s: f64,
    /// Pooling, CPU seconds.
    pub pool_cpu_s: f64,
    /// Elapsed seconds of the whole pass.
    pub wall_s: f64,
}

/// The built feature stages: audio encoder, network (if the reservoir is used) and pooling.
#[derive(Debug)]
pub struct Extractor {
    features: FeatureConfig,
    seed: u64,
    encoder: AudioEncoder,
    network: Option<Network>,
}

impl Extractor {
    /// Build the stages of `config` with the network `spec` (required iff
    /// `config.features.reservoir`), checking the links: the network's `n_inputs` must equal
    /// the encoder's channels and its `dt_ms` the encoder's step.
    ///
    /// # Errors
    /// [`PipelineError::Config`] for an invalid encoder, [`PipelineError::Dimension`] naming
    /// the stage for a mismatch, [`PipelineError::Stage`] if the network cannot be built.
    pub fn new(config: &DigitsConfig, spec: Option<&NetworkSpec>) -> Result<Self, PipelineError> {
        let encoder = AudioEncoder::new(&config.encoder)
            .map_err(|e| PipelineError::config("encoder", e.to_string()))?;
        let network = match (config.features.reservoir, spec) {
            (false, _) => None,
            (true, None) => {
                return Err(PipelineError::Data(
                    "features.reservoir is true but there is no network".into(),
                ))
            }
            (true, Some(spec)) => {
                if spec.n_inputs != encoder.n_channels() {
                    return Err(PipelineError::Dimension {
                        stage: "encoder → reservoir".into(),
                        what: "network n_inputs vs encoder spike channels".into(),
                        expected: encoder.n_channels(),
                        got: spec.n_inputs,
                    });
                }
                let (a, b) = (encoder.dt_ms(), spec.dt_ms);
                if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
                    return Err(PipelineError::config(
                        "network.dt_ms",
                        format!("the network step is {b} ms but the encoder step is {a} ms"),
                    ));
                }
                Some(Network::from_spec(spec).map_err(|e| PipelineError::stage("reservoir", e))?)
            }
        };
        Ok(Self {
            features: config.features.clone(),
            seed: config.seed,
            encoder,
            network,
        })
    }

    /// The audio encoder.
    pub fn encoder(&self) -> &AudioEncoder {
        &self.encoder
    }

    /// The network, if the reservoir is used.
    pub fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    /// Length of a feature vector.
    pub fn n_features(&self) -> usize {
        let p = &self.features.pooling;
        let mut n = 0;
        if let Some(net) = &self.network {
            n += p.n_features(net.n_neurons());
        }
        if self.features.include_input {
            n += p.n_features(self.encoder.n_channels());
        }
        n
    }

    /// Features of all `samples` (rows in the order of `samples`), in parallel.
    ///
    /// # Errors
    /// The error of a failing sample, naming its file and stage.
    pub fn features(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<(Array2<Real>, ExtractStats), PipelineError> {
        let t0 = Instant::now();
        let nf = self.n_features();
        let mut x = Array2::<Real>::zeros((samples.len(), nf));
        let counters: [AtomicU64; 7] = Default::default();
        x.as_slice_mut()
            .expect("a new array is contiguous")
            .par_chunks_mut(nf.max(1))
            .zip(samples.par_iter())
            .try_for_each_init(
                || {
                    (
                        lsm_encoding::AudioWorkspace::default(),
                        self.network.as_ref().map(|n| n.workspace()),
                        Recording::default(),
                    )
                },
                |(ews, nws, rec), (out, s)| -> Result<(), PipelineError> {
                    let st = self.sample_into(s, ews, nws.as_mut(), rec, out)?;
                    for (c, v) in counters.iter().zip(st) {
                        c.fetch_add(v, Ordering::Relaxed);
                    }
                    progress.inc(1);
                    Ok(())
                },
            )?;
        let c: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let stats = ExtractStats {
            n_samples: samples.len(),
            n_steps: c[0],
            input_spikes: c[1],
            reservoir_spikes: c[2],
            syn_events: c[3],
            encode_cpu_s: c[4] as f64 * 1e-9,
            simulate_cpu_s: c[5] as f64 * 1e-9,
            pool_cpu_s: c[6] as f64 * 1e-9,
            wall_s: t0.elapsed().as_secs_f64(),
        };
        Ok((x, stats))
    }

    /// Features of one sample into `out`; returns the counters
    /// `[steps, input spikes, reservoir spikes, events, encode ns, simulate ns, pool ns]`.
    fn sample_into(
        &self,
        s: &Sample,
        ews: &mut lsm_encoding::AudioWorkspace,
        nws: Option<&mut lsm_reservoir::SimWorkspace>,
        rec: &mut Recording,
        out: &mut [Real],
    ) -> Result<[u64; 7], PipelineError> {
        let t0 = Instant::now();
        let mut rng = rng_for(self.seed, stream::ENCODER.wrapping_add(s.id));
        let enc = self
            .encoder
            .encode_file_with(&s.path, &mut rng, ews)
            .map_err(|e| PipelineError::stage("encoder", e))?;
        let t1 = Instant::now();
        let spikes = &enc.spikes;
        let n_steps = spikes.n_steps();
        let pooling = &self.features.pooling;
        let mut off = 0;
        let (mut res_spikes, mut events) = (0u64, 0u64);
        let mut t2 = t1;
        if let (Some(net), Some(ws)) = (&self.network, nws) {
            let spec = RecordSpec {
                spikes: true,
                ..RecordSpec::default()
            };
            net.run_into(
                Drive::Spikes(spikes),
                n_steps,
                &spec,
                self.seed,
                s.id,
                ws,
                rec,
            )
            .map_err(|e| PipelineError::stage("reservoir", format!("{}: {e}", s.path.display())))?;
            t2 = Instant::now();
            let raster = rec.spikes.as_ref().expect("spikes were recorded");
            let k = pooling.n_features(net.n_neurons());
            pooling.pool_into(raster, spikes, &mut out[..k]);
            self.features.transform.apply(&mut out[..k]);
            off = k;
            res_spikes = rec.n_spikes as u64;
            events = rec.n_events;
        }
        if self.features.include_input {
            pooling.pool_into(spikes, spikes, &mut out[off..]);
            self.features.transform.apply(&mut out[off..]);
        }
        let t3 = Instant::now();
        Ok([
            n_steps as u64,
            spikes.n_spikes() as u64,
            res_spikes,
            events,
            (t1 - t0).as_nanos() as u64,
            (t2 - t1).as_nanos() as u64,
            (t3 - t2).as_nanos() as u64,
        ])
    }
}

/// The fitted readout: a ridge classifier or a multinomial logistic regression, with its
/// class labels and probability calibration.
///
/// **Ridge** (`readout.kind = "ridge"`): ridge regression (features standardised with the
/// training means and standard deviations, intercept) on targets coded `+1` for the true
/// class and `−1` for the others (scikit-learn's `RidgeClassifier`); the predicted class is
/// the argmax of the `n_classes` outputs (scores). With several `alphas`, α is chosen by
/// cross-validated accuracy over the training samples (ties go to the larger α), then the
/// readout is refitted on all of them. Probabilities are `softmax(scores / T)`. The
/// temperature `T` minimises the log-loss of the cross-validated (held-out) scores at the
/// chosen α over a log-spaced grid of 200 values in `[10⁻³, 10²]`, so they are calibrated on
/// samples the readout did not see; without cross-validation (one α) `T` is fitted on the
/// training scores (over-confident).
///
/// **Logistic** (`readout.kind = "logistic"`): multinomial logistic regression with an L2
/// penalty α (= 1/C of scikit-learn) on standardised features, intercepts unpenalised
/// ([`LogisticRegression::fit_labels_kernel`], L-BFGS to a gradient norm of
/// `logistic_tol`); with several `logistic_alphas`, α is chosen by cross-validated accuracy
/// as for ridge. Probabilities are the model's own softmax (`T = 1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierReadout {
    /// Class labels; output `c` scores class `classes[c]`.
    pub classes: Vec<String>,
    /// The ridge model (ridge readouts): `weights` (features × classes), `intercept`, the
    /// feature standardisation `x_mean` / `x_scale`, `alpha` and the cross-validation report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ridge: Option<Ridge>,
    /// The logistic model (logistic readouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logistic: Option<LogisticRegression>,
    /// Cross-validation report of a logistic readout fitted with several penalties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logistic_cv: Option<CvReport>,
    /// Softmax temperature of the probabilities (1 for logistic readouts).
    pub temperature: f64,
}

/// Fold index per training sample for choosing α, or `None` with a single α.
fn cv_fold_ids(
    n_alphas: usize,
    cfg: &ClassifierReadoutConfig,
    groups: Option<&[usize]>,
    n: usize,
    seed: u64,
) -> Result<Option<Vec<usize>>, PipelineError> {
    if n_alphas <= 1 {
        return Ok(None);
    }
    let rerr = |e: lsm_readout::ReadoutError| PipelineError::stage("readout", e);
    Ok(Some(match &cfg.cv {
        CvConfig::LeaveOneGroupOut => {
            let g = groups.ok_or_else(|| {
                PipelineError::Data(
                    "leave-one-group-out cross-validation needs a group (speaker) for every \
                     training sample"
                        .into(),
                )
            })?;
            let mut u = g.to_vec();
            u.sort_unstable();
            u.dedup();
            if u.len() < 2 {
                return Err(PipelineError::Data(format!(
                    "leave-one-speaker-out cross-validation needs at least 2 speakers in the \
                     training data, found {}; use \"cv\": {{\"kind\": \"k_fold\", \"k\": 5}} \
                     or a single alpha",
                    u.len()
                )));
            }
            Folds::Groups(g.to_vec()).fold_ids(n).map_err(rerr)?
        }
        CvConfig::KFold { k } => Folds::KFold { n_folds: *k, seed }
            .fold_ids(n)
            .map_err(rerr)?,
    }))
}

impl ClassifierReadout {
    /// Fit on features `x` (`n × p`) with class indices `y` (`< classes.len()`) and, for
    /// leave-one-group-out CV, group indices.
    ///
    /// # Errors
    /// [`PipelineError::Data`] for fewer than 2 classes or too few groups for CV;
    /// [`PipelineError::Stage`] (`readout`) for a numerical failure.
    pub fn fit(
        x: ArrayView2<'_, Real>,
        y: &[usize],
        classes: Vec<String>,
        groups: Option<&[usize]>,
        cfg: &ClassifierReadoutConfig,
        seed: u64,
    ) -> Result<Self, PipelineError> {
        Self::fit_with(x, y, classes, groups, cfg, seed, true)
    }

    /// As [`ClassifierReadout::fit`]; with `calibrate = false` the temperature is fitted on
    /// the training scores (no extra per-fold fits: faster, for experiments that only need
    /// accuracy).
    ///
    /// # Errors
    /// As [`ClassifierReadout::fit`].
    pub fn fit_with(
        x: ArrayView2<'_, Real>,
        y: &[usize],
        classes: Vec<String>,
        groups: Option<&[usize]>,
        cfg: &ClassifierReadoutConfig,
        seed: u64,
        calibrate: bool,
    ) -> Result<Self, PipelineError> {
        let k = classes.len();
        if k < 2 {
            return Err(PipelineError::Data(format!(
                "the training data have {k} class(es); a classifier needs at least 2"
            )));
        }
        let t = Array2::from_shape_fn((y.len(), k), |(i, c)| if y[i] == c { 1.0 } else { -1.0 });
        let rerr = |e: lsm_readout::ReadoutError| PipelineError::stage("readout", e);
        if cfg.kind == ReadoutKind::Logistic {
            return Self::fit_logistic(x, y, classes, groups, cfg, seed);
        }
        let fold_ids = cv_fold_ids(cfg.alphas.len(), cfg, groups, y.len(), seed)?;
        let kf = lsm_readout::fit_dual_cv(x, t.view(), y, &cfg.alphas, fold_ids.as_deref())
            .map_err(|e| PipelineError::stage("readout", e.to_string()))?;
        let mut ridge = kf.ridge;
        if !(cfg.standardize && cfg.fit_intercept) {
            // The kernel path standardises and centres; other settings refit with lsm_readout
            // at the chosen alpha.
            let params = RidgeValidParams {
                alpha: ridge.alpha,
                fit_intercept: cfg.fit_intercept,
                standardize: cfg.standardize,
                alpha_grid: None,
                n_folds: 5,
                seed,
            };
            let cv = ridge.cv.take();
            ridge = Ridge::fit_matrix(x, t.view(), &params).map_err(rerr)?;
            ridge.cv = cv;
        }
        let scores = match kf.heldout_scores.filter(|_| calibrate) {
            Some(s) => s,
            None => ridge.predict(x).map_err(rerr)?,
        };
        let temperature = fit_temperature(scores.view(), y);
        Ok(Self {
            classes,
            ridge: Some(ridge),
            logistic: None,
            logistic_cv: None,
            temperature,
        })
    }

    /// The logistic readout (see the type's documentation).
    fn fit_logistic(
        x: ArrayView2<'_, Real>,
        y: &[usize],
        classes: Vec<String>,
        groups: Option<&[usize]>,
        cfg: &ClassifierReadoutConfig,
        seed: u64,
    ) -> Result<Self, PipelineError> {
        let k = classes.len();
        let rerr = |e: lsm_readout::ReadoutError| PipelineError::stage("readout", e);
        let mut alphas = cfg.logistic_alphas.clone();
        alphas.sort_by(f64::total_cmp);
        alphas.dedup();
        let params = |alpha: f64| LogisticValidParams {
            alpha,
            fit_intercept: cfg.fit_intercept,
            standardize: cfg.standardize,
            max_iter: 1000,
            tol: cfg.logistic_tol,
            n_classes: Some(k),
        };
        let fold_ids = cv_fold_ids(alphas.len(), cfg, groups, y.len(), seed)?;
        let (alpha, report) = match fold_ids {
            None => (alphas[0], None),
            Some(f) => {
                let n_folds = f.iter().copied().max().map_or(0, |m| m + 1);
                let tasks: Vec<(usize, usize)> = (0..alphas.len())
                    .flat_map(|a| (0..n_folds).map(move |fo| (a, fo)))
                    .collect();
                let correct: Vec<usize> = tasks
                    .par_iter()
                    .map(|&(a, fo)| -> Result<usize, PipelineError> {
                        let tr: Vec<usize> = (0..y.len()).filter(|&i| f[i] != fo).collect();
                        let te: Vec<usize> = (0..y.len()).filter(|&i| f[i] == fo).collect();
                        let xtr = x.select(Axis(0), &tr);
                        let ytr: Vec<usize> = tr.iter().map(|&i| y[i]).collect();
                        let m = LogisticRegression::fit_labels_kernel(
                            xtr.view(),
                            &ytr,
                            &params(alphas[a]),
                        )
                        .map_err(rerr)?;
                        let pred = m.predict(x.select(Axis(0), &te).view()).map_err(rerr)?;
                        Ok(pred.iter().zip(&te).filter(|(p, &i)| **p == y[i]).count())
                    })
                    .collect::<Result<_, _>>()?;
                let fold_sizes: Vec<usize> = (0..n_folds)
                    .map(|fo| f.iter().filter(|&&v| v == fo).count())
                    .collect();
                let fold_scores: Vec<Vec<f64>> = (0..alphas.len())
                    .map(|a| {
                        (0..n_folds)
                            .map(|fo| correct[a * n_folds + fo] as f64 / fold_sizes[fo] as f64)
                            .collect()
                    })
                    .collect();
                let scores: Vec<f64> = (0..alphas.len())
                    .map(|a| {
                        (0..n_folds)
                            .map(|fo| correct[a * n_folds + fo])
                            .sum::<usize>() as f64
                            / y.len() as f64
                    })
                    .collect();
                // Best pooled accuracy; ties go to the larger α (the simpler readout).
                let mut best = 0;
                for (i, &sc) in scores.iter().enumerate() {
                    if sc >= scores[best] {
                        best = i;
                    }
                }
                let report = CvReport {
                    scoring: Scoring::Accuracy,
                    alphas: alphas.clone(),
                    scores,
                    fold_scores,
                    fold_sizes,
                    best_index: best,
                    best_alpha: alphas[best],
                };
                (alphas[best], Some(report))
            }
        };
        let model = LogisticRegression::fit_labels_kernel(x, y, &params(alpha)).map_err(rerr)?;
        Ok(Self {
            classes,
            ridge: None,
            logistic: Some(model),
            logistic_cv: report,
            temperature: 1.0,
        })
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        match (&self.ridge, &self.logistic) {
            (Some(r), _) => r.n_features(),
            (None, Some(l)) => l.n_features(),
            (None, None) => 0,
        }
    }

    /// Number of outputs (scores).
    pub fn n_outputs(&self) -> usize {
        match (&self.ridge, &self.logistic) {
            (Some(r), _) => r.n_outputs(),
            (None, Some(l)) => l.n_classes,
            (None, None) => 0,
        }
    }

    /// The penalty of the fitted readout.
    pub fn alpha(&self) -> f64 {
        match (&self.ridge, &self.logistic) {
            (Some(r), _) => r.alpha,
            (None, Some(l)) => l.alpha,
            (None, None) => f64::NAN,
        }
    }

    /// The cross-validation report, if α was chosen by cross-validation.
    pub fn cv(&self) -> Option<&CvReport> {
        match &self.ridge {
            Some(r) => r.cv.as_ref(),
            None => self.logistic_cv.as_ref(),
        }
    }

    /// Scores (`n × n_classes`) of features `x`.
    ///
    /// # Errors
    /// [`PipelineError::Dimension`] (stage `readout`) if `x` has the wrong number of columns.
    pub fn scores(&self, x: ArrayView2<'_, Real>) -> Result<Array2<Real>, PipelineError> {
        if x.ncols() != self.n_features() {
            return Err(PipelineError::Dimension {
                stage: "readout".into(),
                what: "feature vector length".into(),
                expected: self.n_features(),
                got: x.ncols(),
            });
        }
        let r = match (&self.ridge, &self.logistic) {
            (Some(r), _) => r.predict(x),
            (None, Some(l)) => l.decision_function(x),
            (None, None) => {
                return Err(PipelineError::stage(
                    "readout",
                    "the readout has neither a ridge nor a logistic model",
                ))
            }
        };
        r.map_err(|e| PipelineError::stage("readout", e))
    }

    /// Predicted class index and its probability for each row of `x`.
    ///
    /// # Errors
    /// As [`ClassifierReadout::scores`].
    pub fn predict(&self, x: ArrayView2<'_, Real>) -> Result<Vec<(usize, f64)>, PipelineError> {
        let s = self.scores(x)?;
        Ok(s.axis_iter(Axis(0))
            .map(|row| {
                let p = softmax(row.as_slice().expect("standard layout"), self.temperature);
                let c = argmax(&p);
                (c, p[c])
            })
            .collect())
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut b = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[b] {
            b = i;
        }
    }
    b
}

/// `softmax(s / t)`.
pub fn softmax(s: &[f64], t: f64) -> Vec<f64> {
    let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = s.iter().map(|&v| ((v - m) / t).exp()).collect();
    let z: f64 = e.iter().sum();
    e.into_iter().map(|v| v / z).collect()
}

/// The temperature in `[1e-3, 1e2]` (200 log-spaced values) minimising the mean log-loss of
/// `softmax(scores / T)` against the classes `y`.
fn fit_temperature(scores: ArrayView2<'_, f64>, y: &[usize]) -> f64 {
    let nll = |t: f64| -> f64 {
        scores
            .axis_iter(Axis(0))
            .zip(y)
            .map(|(row, &c)| {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = row.iter().map(|&v| ((v - m) / t).exp()).sum::<f64>().ln();
                lse - (row[c] - m) / t
            })
            .sum::<f64>()
    };
    let mut best = (f64::INFINITY, 1.0);
    for i in 0..200 {
        let t = 10f64.powf(-3.0 + 5.0 * i as f64 / 199.0);
        let v = nll(t);
        if v < best.0 {
            best = (v, t);
        }
    }
    best.1
}

/// What the training run did, kept in the model file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSummary {
    /// Number of training samples.
    pub n_samples: usize,
    /// Length of a feature vector.
    pub n_features: usize,
    /// Training samples per class (in `classes` order).
    pub class_counts: Vec<usize>,
    /// Speakers (groups) of the training data, sorted.
    pub groups: Vec<String>,
    /// The chosen ridge penalty.
    pub alpha: f64,
    /// Cross-validated accuracy of each α of the grid (empty without CV).
    pub cv_scores: Vec<(f64, f64)>,
    /// Accuracy on the training samples.
    pub train_accuracy: f64,
    /// Simulated time steps, all training samples.
    pub n_steps: u64,
    /// Input (encoder) spikes, all training samples.
    pub input_spikes: u64,
    /// Reservoir spikes, all training samples.
    pub reservoir_spikes: u64,
}

/// Timings of [`DigitsPipeline::fit`] (not stored in the model file, which depends only on
/// the config and the data).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FitTimings {
    /// Network generation, s.
    pub network_s: f64,
    /// Feature extraction counters and timings.
    pub extract: ExtractStats,
    /// Readout fit (cross-validation and calibration included), s.
    pub readout_s: f64,
}

/// The model file of the spoken-digit pipeline (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitsModel {
    /// `"lsm-model"`.
    pub format: String,
    /// [`MODEL_FORMAT_VERSION`] at the time of writing.
    pub format_version: u64,
    /// `"spoken-digits"`.
    pub task: String,
    /// Version of lsm that wrote the file (information only).
    pub lsm_version: String,
    /// The configuration the model was fitted with.
    pub config: DigitsConfig,
    /// The built network (absent when the reservoir is not used).
    pub network: Option<NetworkSpec>,
    /// The readout.
    pub readout: ClassifierReadout,
    /// What the training run did.
    pub training: TrainingSummary,
}

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
    model: DigitsModel,
    extractor: Extractor,
    timings: Option<FitTimings>,
}

/// Class labels sorted numerically when they all are integers, else lexicographically.
fn sorted_classes(labels: &[&str]) -> Vec<String> {
    let mut u: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    u.sort();
    u.dedup();
    if u.iter().all(|s| s.parse::<i64>().is_ok()) {
        u.sort_by_key(|s| s.parse::<i64>().unwrap());
    }
    u
}

fn labels_of(samples: &[Sample]) -> Result<Vec<&str>, PipelineError> {
    samples
        .iter()
        .map(|s| {
            s.label.as_deref().ok_or_else(|| {
                PipelineError::Data(format!("{}: no label for this sample", s.path.display()))
            })
        })
        .collect()
}

/// Unsupervised STDP of the generated network on training recordings (see
/// [`PlasticityConfig`]): `samples` of them drawn in the order of a shuffle with stream
/// `PLASTICITY`, encoded as for the features (same encoder noise streams), run one after
/// another `epochs` times; returns the network with the learned weights.
fn learn_stdp(
    config: &DigitsConfig,
    pc: &PlasticityConfig,
    encoder: &AudioEncoder,
    spec: NetworkSpec,
    train: &[Sample],
    progress: &dyn Progress,
) -> Result<NetworkSpec, PipelineError> {
    let net = Network::from_spec(&spec).map_err(|e| PipelineError::stage("reservoir", e))?;
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
            let s = &train[i];
            let mut rng = rng_for(config.seed, stream::ENCODER.wrapping_add(s.id));
            let enc = encoder
                .encode_file_with(&s.path, &mut rng, ews)
                .map_err(|e| PipelineError::stage("encoder", e))?;
            progress.inc(1);
            Ok(enc.spikes)
        })
        .collect::<Result<_, PipelineError>>()?;
    progress.finish();
    let drives: Vec<Drive<'_>> = (0..pc.epochs)
        .flat_map(|_| trains.iter().map(Drive::Spikes))
        .collect();
    progress.start("STDP (unsupervised)", drives.len() as u64);
    let (learned, _) = train_stdp(&net, &drives, &pc.stdp, None, config.seed, &|_| {
        progress.inc(1)
    })
    .map_err(|e| PipelineError::stage("plasticity", e))?;
    progress.finish();
    Ok(learned)
}

impl DigitsPipeline {
    /// Fit the whole pipeline on labelled `train` samples: build the network from the config
    /// (seed `config.seed`), extract features in one parallel pass, fit the readout.
    ///
    /// # Errors
    /// [`PipelineError::Config`] for an invalid config, [`PipelineError::Data`] for an empty
    /// or unlabelled training set, or the error of the failing stage.
    pub fn fit(
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
        let labels = labels_of(train)?;
        let classes = sorted_classes(&labels);
        let y: Vec<usize> = labels
            .iter()
            .map(|l| classes.iter().position(|c| c == l).expect("class present"))
            .collect();
        let group_names: Option<Vec<&str>> = train.iter().map(|s| s.group.as_deref()).collect();
        let (groups, group_list) = match &group_names {
            Some(g) => {
                let mut u: Vec<String> = g.iter().map(|s| s.to_string()).collect();
                u.sort();
                u.dedup();
                let ids: Vec<usize> = g
                    .iter()
                    .map(|s| u.iter().position(|x| x == s).expect("group present"))
                    .collect();
                (Some(ids), u)
            }
            None => (None, Vec::new()),
        };

        let t_net = Instant::now();
        let network = if config.features.reservoir {
            progress.start("building network", 0);
            let encoder = AudioEncoder::new(&config.encoder)
                .map_err(|e| PipelineError::config("encoder", e.to_string()))?;
            let mut spec = config
                .network
                .generate(encoder.n_channels(), config.seed)
                .map_err(|e| PipelineError::config("network", e.to_string()))?;
            progress.finish();
            if let Some(pc) = &config.plasticity {
                spec = learn_stdp(config, pc, &encoder, spec, train, progress)?;
            }
            Some(spec)
        } else {
            None
        };
        let extractor = Extractor::new(config, network.as_ref())?;
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
        };
        let model = DigitsModel {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_FORMAT_VERSION,
            task: TASK_SPOKEN_DIGITS.into(),
            lsm_version: env!("CARGO_PKG_VERSION").into(),
            config: config.clone(),
            network,
            readout,
            training,
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

    /// Build the stages of a deserialised model, checking every link: encoder channels =
    /// network inputs, equal steps, feature length = readout inputs, one readout output per
    /// class.
    ///
    /// # Errors
    /// [`PipelineError::Dimension`] naming the stage, [`PipelineError::Config`].
    pub fn from_model(model: DigitsModel) -> Result<Self, PipelineError> {
        model.config.validate()?;
        if model.task != TASK_SPOKEN_DIGITS {
            return Err(PipelineError::Data(format!(
                "the model is for task \"{}\", not \"{TASK_SPOKEN_DIGITS}\"",
                model.task
            )));
        }
        let extractor = Extractor::new(&model.config, model.network.as_ref())?;
        let r = &model.readout;
        if r.ridge.is_some() == r.logistic.is_some() {
            return Err(PipelineError::config(
                "readout",
                "expected exactly one of \"ridge\" and \"logistic\"",
            ));
        }
        if r.n_features() != extractor.n_features() {
            return Err(PipelineError::Dimension {
                stage: "features → readout".into(),
                what: "readout inputs vs pooled feature length".into(),
                expected: extractor.n_features(),
                got: r.n_features(),
            });
        }
        if r.n_outputs() != r.classes.len() {
            return Err(PipelineError::Dimension {
                stage: "readout".into(),
                what: "readout outputs vs class labels".into(),
                expected: r.classes.len(),
                got: r.n_outputs(),
            });
        }
        if !(r.temperature.is_finite() && r.temperature > 0.0) {
            return Err(PipelineError::config(
                "readout.temperature",
                format!("expected a number > 0, found {}", r.temperature),
            ));
        }
        Ok(Self {
            model,
            extractor,
            timings: None,
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

    /// Write the model file atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`PipelineError::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<(), PipelineError> {
        io::write_json_atomic(path, &self.model)
    }

    /// Read a model file: envelope check (format, version — a newer version is a clear
    /// error — and task), then the model, then [`DigitsPipeline::from_model`].
    ///
    /// # Errors
    /// [`PipelineError::Io`], [`PipelineError::Json`] (truncated file, unknown field),
    /// [`PipelineError::Format`], [`PipelineError::NewerVersion`],
    /// [`PipelineError::Dimension`].
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let v = io::read_json_value(path)?;
        let (task, version) = io::check_model_envelope(path, &v)?;
        let mut v = v;
        // Fields added since a file's version get the value that reproduces its behaviour.
        // Version 1 predates `features.transform` (its features were untransformed); versions
        // 1 and 2 predate `readout.kind` (their readouts are ridge classifiers); versions 1-3
        // predate `features.pooling.warp` (their spike-count bins were equal in time).
        if version < 4 {
            if let Some(o) = v
                .get_mut("config")
                .and_then(|c| c.get_mut("features"))
                .and_then(|f| f.get_mut("pooling"))
                .and_then(|p| p.as_object_mut())
            {
                if o.get("kind").and_then(|k| k.as_str()) == Some("spike_counts") {
                    o.entry("warp").or_insert_with(|| 0.0.into());
                }
            }
        }
        for (since, section, field, old) in [
            (2, "features", "transform", "none"),
            (3, "readout", "kind", "ridge"),
        ] {
            if version < since {
                if let Some(o) = v
                    .get_mut("config")
                    .and_then(|c| c.get_mut(section))
                    .and_then(|o| o.as_object_mut())
                {
                    o.entry(field).or_insert_with(|| old.into());
                }
            }
        }
        if task != TASK_SPOKEN_DIGITS {
            return Err(PipelineError::Format {
                path: path.to_path_buf(),
                msg: format!("a model for task \"{task}\", not \"{TASK_SPOKEN_DIGITS}\""),
            });
        }
        let model: DigitsModel = io::from_value(path, v)?;
        Self::from_model(model).map_err(|e| PipelineError::Format {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })
    }

    /// Features of `samples` (one parallel pass).
    ///
    /// # Errors
    /// The error of the failing sample.
    pub fn features(
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
    pub fn predict(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<Vec<Prediction>, PipelineError> {
        Ok(self.predict_with_stats(samples, progress)?.0)
    }

    fn predict_with_stats(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<(Vec<Prediction>, ExtractStats, f64), PipelineError> {
        progress.start("encoding + simulating", samples.len() as u64);
        let (x, stats) = self.extractor.features(samples, progress)?;
        progress.finish();
        let t0 = Instant::now();
        let p = self.model.readout.predict(x.view())?;
        let readout_s = t0.elapsed().as_secs_f64();
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
    pub fn evaluate(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_id_is_fnv1a() {
        // FNV-1a 64 reference values.
        assert_eq!(stable_id(""), 0xcbf29ce484222325);
        assert_eq!(stable_id("a"), 0xaf63dc4c8601ec8c);
        assert_ne!(stable_id("0_george_1.wav"), stable_id("0_george_10.wav"));
    }

    #[test]
    fn classes_sort_numerically() {
        assert_eq!(sorted_classes(&["10", "2", "1", "2"]), vec!["1", "2", "10"]);
        assert_eq!(sorted_classes(&["b", "a"]), vec!["a", "b"]);
    }

    #[test]
    fn softmax_and_temperature() {
        let p = softmax(&[1.0, 2.0, 3.0], 1.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[1] && p[1] > p[0]);
        // Scores that are always right with a margin: a small temperature fits best.
        let s = ndarray::array![[1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]];
        let t = fit_temperature(s.view(), &[0, 1, 0]);
        assert!(t < 0.01, "{t}");
        // Scores that are right half the time: a large temperature (flat probabilities).
        let t = fit_temperature(s.view(), &[0, 0, 1]);
        assert!(t > 1.0, "{t}");
    }
}
