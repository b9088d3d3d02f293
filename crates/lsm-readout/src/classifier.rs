//! Ridge classifier: ridge regression on ±1-coded one-hot targets, class = argmax.
//!
//! Class `c` of `n_classes` is coded as the target row `t` with `t_c = +1` and `t_j = −1`
//! (`j ≠ c`), as scikit-learn's `RidgeClassifier` does. With an intercept, a 0/1 coding gives
//! exactly the same argmax (the targets are an affine map `t' = (t + 1)/2` of each other, so
//! the weights and intercepts are too). The per-class scores ([`RidgeClassifier::decision_function`])
//! are **not** probabilities: use [`crate::LogisticRegression`] for calibrated ones.
//!
//! With an α grid, α is chosen by cross-validated **accuracy** (k-fold or grouped folds, e.g.
//! leave-one-speaker-out); this holds the feature matrix (2,500 × 4,000 f64 is 80 MB).

use crate::cv::{cross_validate_dense, Folds, Scoring};
use crate::error::{ReadoutError, Result};
use crate::ridge::{check_xy, fit_dense_path, Ridge, RidgeValidParams};
use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Axis, Data, Ix2};
use serde::{Deserialize, Serialize};

/// Ridge-classifier hyper-parameters (validated form is [`RidgeClassifierValidParams`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RidgeClassifierParams(pub RidgeClassifierValidParams);

/// Validated ridge-classifier hyper-parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeClassifierValidParams {
    /// The ridge parameters (α or α grid, intercept, standardisation, folds, seed). With a grid,
    /// α is chosen by cross-validated accuracy.
    pub ridge: RidgeValidParams,
    /// Number of classes; `None` (default): the largest label + 1.
    pub n_classes: Option<usize>,
}

impl RidgeClassifierValidParams {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        self.ridge.validate()?;
        if let Some(k) = self.n_classes {
            if k < 2 {
                return Err(ReadoutError::InvalidParam {
                    name: "n_classes",
                    msg: format!("expected at least 2, got {k}"),
                });
            }
        }
        Ok(())
    }
}

impl RidgeClassifierParams {
    /// Defaults: α = 1, intercept, standardisation, classes from the labels.
    pub fn new() -> Self {
        Self::default()
    }
    /// From ridge parameters.
    pub fn from_ridge(ridge: RidgeValidParams) -> Self {
        Self(RidgeClassifierValidParams {
            ridge,
            n_classes: None,
        })
    }
    /// Set α.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.ridge.alpha = alpha;
        self
    }
    /// Set the α grid (chosen by cross-validated accuracy).
    pub fn alpha_grid(mut self, grid: Vec<f64>) -> Self {
        self.0.ridge.alpha_grid = Some(grid);
        self
    }
    /// Set the number of folds of the shuffled k-fold CV used by linfa's `fit`.
    pub fn n_folds(mut self, k: usize) -> Self {
        self.0.ridge.n_folds = k;
        self
    }
    /// Set the seed of the fold shuffle.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.ridge.seed = seed;
        self
    }
    /// Set the number of classes.
    pub fn n_classes(mut self, k: usize) -> Self {
        self.0.n_classes = Some(k);
        self
    }
    /// Validate.
    pub fn check(self) -> Result<RidgeClassifierValidParams> {
        self.0.validate()?;
        Ok(self.0)
    }
}

impl ParamGuard for RidgeClassifierParams {
    type Checked = RidgeClassifierValidParams;
    type Error = ReadoutError;
    fn check_ref(&self) -> Result<&RidgeClassifierValidParams> {
        self.0.validate()?;
        Ok(&self.0)
    }
    fn check(self) -> Result<RidgeClassifierValidParams> {
        RidgeClassifierParams::check(self)
    }
}

/// Validate labels and return the number of classes.
pub(crate) fn check_labels(labels: &[usize], n: usize, n_classes: Option<usize>) -> Result<usize> {
    if labels.len() != n {
        return Err(ReadoutError::DimensionMismatch {
            what: "number of labels (one per sample)".into(),
            expected: n,
            got: labels.len(),
        });
    }
    let max = labels.iter().copied().max().unwrap_or(0);
    let k = n_classes.unwrap_or(max + 1);
    if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= k) {
        return Err(ReadoutError::Labels(format!(
            "label {l} of sample {i} is out of range: expected 0..{k}"
        )));
    }
    if k < 2 {
        return Err(ReadoutError::Labels(format!(
            "at least 2 classes are needed, got {k}"
        )));
    }
    Ok(k)
}

/// ±1 one-hot coding of labels (`n × n_classes`).
pub(crate) fn pm1_targets(labels: &[usize], n_classes: usize) -> Array2<f64> {
    let mut y = Array2::from_elem((labels.len(), n_classes), -1.0);
    for (i, &l) in labels.iter().enumerate() {
        y[[i, l]] = 1.0;
    }
    y
}

pub(crate) fn argmax_rows(s: ArrayView2<'_, f64>) -> Array1<usize> {
    s.axis_iter(Axis(0))
        .map(|r| {
            let mut best = 0;
            for (i, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// A fitted ridge classifier (serde-serialisable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RidgeClassifier {
    /// The ridge regression onto the ±1 targets (`n_outputs == n_classes`); its `cv` holds the
    /// accuracy cross-validation when α was chosen on a grid.
    pub ridge: Ridge,
    /// Number of classes.
    pub n_classes: usize,
}

impl RidgeClassifier {
    /// Fit on a held feature matrix `x` (`n × p`) and labels in `0..n_classes`. With an α grid,
    /// α is chosen by cross-validated accuracy over `folds` (e.g. `Folds::Groups(speakers)`
    /// for leave-one-speaker-out), then the model is refitted on all samples.
    pub fn fit_labels(
        x: ArrayView2<'_, f64>,
        labels: &[usize],
        params: &RidgeClassifierValidParams,
        folds: &Folds,
    ) -> Result<Self> {
        params.validate()?;
        let k = check_labels(labels, x.nrows(), params.n_classes)?;
        let y = pm1_targets(labels, k);
        check_xy(x, y.view())?;
        let rp = &params.ridge;
        let ridge = if rp.alpha_grid.is_some() {
            let ids = folds.fold_ids(x.nrows())?;
            let report =
                cross_validate_dense(x, y.view(), rp, &ids, Scoring::Accuracy, Some(labels))?;
            let mut m = fit_dense_path(x, y.view(), rp, &[report.best_alpha])?.remove(0);
            m.cv = Some(report);
            m
        } else {
            fit_dense_path(x, y.view(), rp, &[rp.alpha])?.remove(0)
        };
        Ok(Self {
            ridge,
            n_classes: k,
        })
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.ridge.n_features()
    }

    /// Per-class scores (`n × n_classes`, uncalibrated).
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.ridge.predict(x)
    }

    /// Predicted classes.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(self.decision_function(x)?.view()))
    }

    /// Predicted class of one sample.
    pub fn predict_one(&self, x: ArrayView1<'_, f64>) -> Result<usize> {
        let s = self.ridge.predict_one(x)?;
        Ok(argmax_rows(s.view().insert_axis(Axis(0)))[0])
    }
}

impl<D, T> Fit<ArrayBase<D, Ix2>, T, ReadoutError> for RidgeClassifierValidParams
where
    D: Data<Elem = f64>,
    T: AsSingleTargets<Elem = usize>,
{
    type Object = RidgeClassifier;

    /// Fit on a linfa dataset with `usize` labels; with an α grid, shuffled k-fold CV
    /// (`ridge.n_folds`, `ridge.seed`) on accuracy.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<RidgeClassifier> {
        let labels = dataset.targets.as_single_targets().to_vec();
        let folds = Folds::KFold {
            n_folds: self.ridge.n_folds,
            seed: self.ridge.seed,
        };
        RidgeClassifier::fit_labels(dataset.records.view(), &labels, self, &folds)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for RidgeClassifier {
    /// # Panics
    /// If `x` does not have `n_features` columns (use [`RidgeClassifier::predict`] for an `Err`).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        let s = self
            .decision_function(x.view())
            .expect("ridge classifier: wrong number of feature columns");
        y.assign(&argmax_rows(s.view()));
    }
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}
