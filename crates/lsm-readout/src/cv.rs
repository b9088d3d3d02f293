//! Choosing the ridge penalty α by cross-validation over a grid.
//!
//! Folds are either a seeded shuffled k-fold ([`Folds::KFold`]) or given explicitly, one group
//! id per sample ([`Folds::Groups`], e.g. the speaker for leave-one-speaker-out CV). For every
//! fold, the model is fitted on the other folds for every α of the grid (one
//! eigendecomposition per fold) and scored on the held-out fold.
//!
//! Scores are **pooled** over folds: MSE = total squared error / (n · n_outputs), accuracy =
//! total correct / n. Per-fold scores are kept in the report too. The best α minimises MSE
//! (maximises accuracy); ties go to the larger α (the simpler model).
//!
//! Two engines: [`cross_validate_alpha`] holds the data matrix (needed for accuracy), and
//! [`FoldedGram`] keeps one [`GramAccumulator`] per fold and computes the held-out squared
//! error from the fold's sums alone,
//! `‖Y − XW − 1bᵀ‖² = tr(YᵀY) − 2 tr(WᵀXᵀY) + tr(WᵀXᵀXW)` (+ intercept terms), so `X` is
//! never held. The training sums of fold `f` are `total − fold_f`.

use crate::error::{ReadoutError, Result};
use crate::gram::GramAccumulator;
use crate::ridge::{check_xy, fit_dense_path, fit_gram_path, Ridge, RidgeValidParams};
use lsm_core::{rng_for, stream};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// How samples are split into cross-validation folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Folds {
    /// Shuffled k-fold: a permutation drawn from `rng_for(seed, stream::READOUT)`, sample of
    /// rank `r` in fold `r % n_folds` (fold sizes differ by at most one).
    KFold {
        /// Number of folds (2 ≤ n_folds ≤ n_samples).
        n_folds: usize,
        /// Seed of the shuffle.
        seed: u64,
    },
    /// One group id per sample (any integers, e.g. speaker indices); each distinct id is a
    /// fold (leave-one-group-out). At least two distinct ids.
    Groups(Vec<usize>),
}

impl Folds {
    /// Fold index in `0..n_folds` of each of `n` samples (groups are numbered in ascending
    /// order of their id).
    pub fn fold_ids(&self, n: usize) -> Result<Vec<usize>> {
        match self {
            Folds::KFold { n_folds, seed } => {
                if *n_folds < 2 || *n_folds > n {
                    return Err(ReadoutError::InvalidParam {
                        name: "n_folds",
                        msg: format!("expected 2..={n} (the number of samples), got {n_folds}"),
                    });
                }
                let mut perm: Vec<usize> = (0..n).collect();
                perm.shuffle(&mut rng_for(*seed, stream::READOUT));
                let mut ids = vec![0; n];
                for (rank, &i) in perm.iter().enumerate() {
                    ids[i] = rank % n_folds;
                }
                Ok(ids)
            }
            Folds::Groups(g) => {
                if g.len() != n {
                    return Err(ReadoutError::DimensionMismatch {
                        what: "fold group ids (one per sample)".into(),
                        expected: n,
                        got: g.len(),
                    });
                }
                let mut uniq = g.clone();
                uniq.sort_unstable();
                uniq.dedup();
                if uniq.len() < 2 {
                    return Err(ReadoutError::InvalidParam {
                        name: "folds",
                        msg: format!(
                            "grouped cross-validation needs at least 2 distinct groups, got {}",
                            uniq.len()
                        ),
                    });
                }
                Ok(g.iter()
                    .map(|id| uniq.binary_search(id).expect("id present"))
                    .collect())
            }
        }
    }
}

/// What cross-validation scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scoring {
    /// Mean squared error over samples and outputs (lower is better).
    Mse,
    /// Classification accuracy, predicted class = argmax of the outputs, true class = argmax
    /// of the target row (higher is better).
    Accuracy,
}

/// The outcome of a cross-validation over an α grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// What was scored.
    pub scoring: Scoring,
    /// The grid, ascending.
    pub alphas: Vec<f64>,
    /// Pooled score of each α.
    pub scores: Vec<f64>,
    /// `fold_scores[a][f]`: score of α `a` on fold `f`.
    pub fold_scores: Vec<Vec<f64>>,
    /// Number of held-out samples of each fold.
    pub fold_sizes: Vec<usize>,
    /// Index of the best α in `alphas`.
    pub best_index: usize,
    /// The best α.
    pub best_alpha: f64,
}

impl CvReport {
    fn new(
        scoring: Scoring,
        alphas: Vec<f64>,
        fold_scores: Vec<Vec<f64>>,
        fold_sizes: Vec<usize>,
    ) -> Self {
        let total: usize = fold_sizes.iter().sum();
        let scores: Vec<f64> = fold_scores
            .iter()
            .map(|fs| {
                fs.iter()
                    .zip(&fold_sizes)
                    .map(|(s, &n)| s * n as f64)
                    .sum::<f64>()
                    / total as f64
            })
            .collect();
        let mut best_index = 0;
        for (i, &s) in scores.iter().enumerate() {
            let better = match scoring {
                Scoring::Mse => s <= scores[best_index],
                Scoring::Accuracy => s >= scores[best_index],
            };
            if better {
                best_index = i;
            }
        }
        Self {
            scoring,
            best_alpha: alphas[best_index],
            alphas,
            scores,
            fold_scores,
            fold_sizes,
            best_index,
        }
    }
}

/// A default grid: 10⁻³ … 10⁵, 17 values (half-decade steps).
pub fn default_alpha_grid() -> Vec<f64> {
    (0..17).map(|i| 10f64.powf(-3.0 + 0.5 * i as f64)).collect()
}

fn argmax(r: ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    for (i, &v) in r.iter().enumerate() {
        if v > r[best] {
            best = i;
        }
    }
    best
}

/// Cross-validate α over `params.alpha_grid` on a held data matrix `x` (`n × p`) with targets
/// `y` (`n × k`; for [`Scoring::Accuracy`], a one-hot or ±1 coding of the class).
pub fn cross_validate_alpha(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    params: &RidgeValidParams,
    folds: &Folds,
    scoring: Scoring,
) -> Result<CvReport> {
    params.validate()?;
    check_xy(x, y)?;
    let ids = folds.fold_ids(x.nrows())?;
    cross_validate_dense(x, y, params, &ids, scoring, None)
}

/// Cross-validation on held data, fold ids in `0..n_folds` (checked by the caller).
/// `classes`, if given, are the true classes for [`Scoring::Accuracy`] (else argmax of `y`).
pub(crate) fn cross_validate_dense(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    params: &RidgeValidParams,
    ids: &[usize],
    scoring: Scoring,
    classes: Option<&[usize]>,
) -> Result<CvReport> {
    let alphas = params.alphas();
    let n_folds = ids.iter().max().map_or(0, |m| m + 1);
    let mut fold_scores = vec![vec![0.0; n_folds]; alphas.len()];
    let mut fold_sizes = vec![0; n_folds];
    for f in 0..n_folds {
        let test: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == f).collect();
        let train: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] != f).collect();
        if train.is_empty() || test.is_empty() {
            return Err(ReadoutError::NotEnoughSamples(format!(
                "cross-validation fold {f} has {} training and {} test samples",
                train.len(),
                test.len()
            )));
        }
        let xtr = x.select(Axis(0), &train);
        let ytr = y.select(Axis(0), &train);
        let xte = x.select(Axis(0), &test);
        let yte = y.select(Axis(0), &test);
        let models = fit_dense_path(xtr.view(), ytr.view(), params, &alphas)?;
        fold_sizes[f] = test.len();
        for (a, m) in models.iter().enumerate() {
            let pred = m.predict_unchecked(xte.view());
            fold_scores[a][f] = match scoring {
                Scoring::Mse => (&pred - &yte).mapv(|e| e * e).sum() / pred.len() as f64,
                Scoring::Accuracy => {
                    let correct = pred
                        .axis_iter(Axis(0))
                        .enumerate()
                        .filter(|(r, row)| {
                            let truth = match classes {
                                Some(c) => c[test[*r]],
                                None => argmax(yte.row(*r)),
                            };
                            argmax(row.view()) == truth
                        })
                        .count();
                    correct as f64 / test.len() as f64
                }
            };
        }
    }
    Ok(CvReport::new(scoring, alphas, fold_scores, fold_sizes))
}

/// One [`GramAccumulator`] per cross-validation fold: streaming ridge with α chosen by
/// (grouped) k-fold CV on the MSE, without ever holding the data matrix.
///
/// Memory: `n_folds + 2` Gram matrices of `n_features²` f64.
///
/// ```
/// use lsm_readout::{FoldedGram, RidgeParams};
/// use ndarray::array;
/// let mut fg = FoldedGram::new(3, 1, 1);
/// for i in 0..30 {
///     let x = i as f64 / 10.0;
///     fg.add(i % 3, array![x].view(), array![2.0 * x + 1.0].view())?;
/// }
/// let params = RidgeParams::new().alpha_grid(vec![1e-6, 1.0, 100.0]).check()?;
/// let model = fg.fit(&params)?;
/// assert_eq!(model.alpha, 1e-6);
/// # Ok::<(), lsm_readout::ReadoutError>(())
/// ```
#[derive(Clone, Debug)]
pub struct FoldedGram {
    folds: Vec<GramAccumulator>,
}

impl FoldedGram {
    /// `n_folds` empty accumulators.
    pub fn new(n_folds: usize, n_features: usize, n_outputs: usize) -> Self {
        Self {
            folds: (0..n_folds)
                .map(|_| GramAccumulator::new(n_features, n_outputs))
                .collect(),
        }
    }

    /// Number of folds.
    pub fn n_folds(&self) -> usize {
        self.folds.len()
    }

    fn fold_mut(&mut self, fold: usize) -> Result<&mut GramAccumulator> {
        let n = self.folds.len();
        self.folds
            .get_mut(fold)
            .ok_or(ReadoutError::DimensionMismatch {
                what: format!("fold index {fold} (expected 0..{n})"),
                expected: n,
                got: fold,
            })
    }

    /// Add one sample to fold `fold`.
    pub fn add(
        &mut self,
        fold: usize,
        x: ArrayView1<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<()> {
        self.fold_mut(fold)?.add(x, y)
    }

    /// Add a batch of samples (rows) to fold `fold`.
    pub fn add_batch(
        &mut self,
        fold: usize,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<()> {
        self.fold_mut(fold)?.add_batch(x, y)
    }

    /// The accumulator of one fold.
    pub fn fold(&self, fold: usize) -> Option<&GramAccumulator> {
        self.folds.get(fold)
    }

    /// All folds merged.
    pub fn total(&self) -> Result<GramAccumulator> {
        let first = self
            .folds
            .first()
            .ok_or_else(|| ReadoutError::NotEnoughSamples("a FoldedGram with no folds".into()))?;
        let mut t = GramAccumulator::new(first.n_features(), first.n_outputs());
        for f in &self.folds {
            t.merge(f)?;
        }
        Ok(t)
    }

    /// Cross-validate α over `params.alpha_grid` (MSE from the folds' sums).
    pub fn cross_validate(&self, params: &RidgeValidParams) -> Result<CvReport> {
        params.validate()?;
        let total = self.total()?;
        self.cross_validate_with_total(params, &total)
    }

    fn cross_validate_with_total(
        &self,
        params: &RidgeValidParams,
        total: &GramAccumulator,
    ) -> Result<CvReport> {
        let alphas = params.alphas();
        let n_folds = self.folds.len();
        if n_folds < 2 {
            return Err(ReadoutError::InvalidParam {
                name: "folds",
                msg: format!("cross-validation needs at least 2 folds, got {n_folds}"),
            });
        }
        let k = total.n_outputs() as f64;
        let mut fold_scores = vec![vec![0.0; n_folds]; alphas.len()];
        let mut fold_sizes = vec![0; n_folds];
        for (f, fold) in self.folds.iter().enumerate() {
            let nf = fold.n_samples();
            let ntr = total.n_samples() - nf;
            if nf == 0 || ntr == 0 {
                return Err(ReadoutError::NotEnoughSamples(format!(
                    "cross-validation fold {f} has {ntr} training and {nf} test samples"
                )));
            }
            let mut train = total.clone();
            train.subtract(fold)?;
            let models = fit_gram_path(&train, params, &alphas)?;
            fold_sizes[f] = nf;
            for (a, m) in models.iter().enumerate() {
                fold_scores[a][f] = fold.sse(&m.weights, &m.intercept) / (nf as f64 * k);
            }
        }
        Ok(CvReport::new(Scoring::Mse, alphas, fold_scores, fold_sizes))
    }

    /// Fit on all folds: with `params.alpha_grid`, α is cross-validated first (the report is
    /// kept in [`Ridge::cv`]); otherwise `params.alpha` is used.
    pub fn fit(&self, params: &RidgeValidParams) -> Result<Ridge> {
        params.validate()?;
        let total = self.total()?;
        match &params.alpha_grid {
            None => total.solve(params),
            Some(_) => {
                let report = self.cross_validate_with_total(params, &total)?;
                let single = RidgeValidParams {
                    alpha: report.best_alpha,
                    alpha_grid: None,
                    ..params.clone()
                };
                let mut m = total.solve(&single)?;
                m.cv = Some(report);
                Ok(m)
            }
        }
    }
}

/// Scores of held-out predictions (used by tests and callers that score themselves).
pub fn mse(pred: ArrayView2<'_, f64>, truth: ArrayView2<'_, f64>) -> f64 {
    let d: Array2<f64> = &pred - &truth;
    d.mapv(|e| e * e).mean().unwrap_or(0.0)
}
