//! The classifier readout: multinomial logistic regression or ridge classifier, with cross-validated α and calibrated probabilities.

use crate::config::{ClassifierReadoutConfig, CvConfig, ReadoutKind};
use crate::error::PipelineError;
use lsm_core::Real;
use lsm_readout::{
    CvReport, Folds, LogisticRegression, LogisticValidParams, Ridge, RidgeValidParams, Scoring,
};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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
pub(crate) fn cv_fold_ids(
    n_alphas: usize,
    cfg: &ClassifierReadoutConfig,
    groups: Option<&[usize]>,
    n: usize,
    seed: u64,
) -> Result<Option<Vec<usize>>, PipelineError> {
    if n_alphas <= 1 {
        return Ok(None);
    }
    let rerr = PipelineError::Readout;
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
    /// Check a fitted readout (typically read from a file): exactly one model, its arrays
    /// consistent and finite ([`Ridge::check_model`], [`LogisticRegression::check_model`]),
    /// one unique, non-empty class label per output, a finite temperature > 0.
    ///
    /// # Errors
    /// [`PipelineError::Readout`] or [`PipelineError::Config`] naming what is wrong.
    pub fn check_model(&self) -> Result<(), PipelineError> {
        match (&self.ridge, &self.logistic) {
            (Some(r), None) => r.check_model()?,
            (None, Some(l)) => l.check_model()?,
            _ => {
                return Err(PipelineError::config(
                    "readout",
                    "expected exactly one of \"ridge\" and \"logistic\"",
                ))
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.classes {
            if c.is_empty() || !seen.insert(c.as_str()) {
                return Err(PipelineError::config(
                    "readout.classes",
                    format!("class label {c:?} is empty or repeated; expected unique labels"),
                ));
            }
        }
        if self.n_outputs() != self.classes.len() {
            return Err(PipelineError::Dimension {
                stage: "readout".into(),
                what: "readout outputs vs class labels".into(),
                expected: self.classes.len(),
                got: self.n_outputs(),
            });
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(PipelineError::config(
                "readout.temperature",
                format!("expected a number > 0, found {}", self.temperature),
            ));
        }
        Ok(())
    }

    /// Fit on features `x` (`n × p`) with class indices `y` (`< classes.len()`) and, for
    /// leave-one-group-out CV, group indices.
    ///
    /// # Errors
    /// [`PipelineError::Data`] for fewer than 2 classes or too few groups for CV;
    /// [`PipelineError::Readout`] for a numerical failure.
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
        let rerr = PipelineError::Readout;
        // The cross-validation folds for a grid of `n_alphas` penalties.
        let folds = |n_alphas: usize| cv_fold_ids(n_alphas, cfg, groups, y.len(), seed);
        if cfg.kind == ReadoutKind::Logistic {
            return Self::fit_logistic(x, y, classes, cfg, folds);
        }
        let fold_ids = folds(cfg.alphas.len())?;
        let kf = lsm_readout::fit_dual_cv(x, t.view(), y, &cfg.alphas, fold_ids.as_deref())
            .map_err(PipelineError::Readout)?;
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

    /// The logistic readout (see the type's documentation); `folds(n_alphas)` gives the
    /// cross-validation folds.
    fn fit_logistic(
        x: ArrayView2<'_, Real>,
        y: &[usize],
        classes: Vec<String>,
        cfg: &ClassifierReadoutConfig,
        folds: impl Fn(usize) -> Result<Option<Vec<usize>>, PipelineError>,
    ) -> Result<Self, PipelineError> {
        let k = classes.len();
        let rerr = PipelineError::Readout;
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
        let fold_ids = folds(alphas.len())?;
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
                return Err(PipelineError::Data(
                    "the readout has neither a ridge nor a logistic model".into(),
                ))
            }
        };
        r.map_err(PipelineError::Readout)
    }

    /// Calibrated probabilities of every class (`n × n_classes`, rows summing to 1; the
    /// columns in the order of `classes`) for each row of `x`.
    ///
    /// # Errors
    /// As [`ClassifierReadout::scores`].
    pub fn probabilities(&self, x: ArrayView2<'_, Real>) -> Result<Array2<Real>, PipelineError> {
        let mut s = self.scores(x)?;
        for mut row in s.axis_iter_mut(Axis(0)) {
            let p = softmax(row.as_slice().expect("standard layout"), self.temperature);
            row.iter_mut().zip(p).for_each(|(d, v)| *d = v);
        }
        Ok(s)
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

pub(crate) fn argmax(v: &[f64]) -> usize {
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
pub(crate) fn fit_temperature(scores: ArrayView2<'_, f64>, y: &[usize]) -> f64 {
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
