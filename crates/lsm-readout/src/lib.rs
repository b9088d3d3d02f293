//! Linear readouts of reservoir states: ridge regression, ridge classifier and multinomial
//! logistic regression, with linfa's `Fit` / `Predict` traits.
//!
//! * [`GramAccumulator`]: `XᵀX`, `XᵀY`, `YᵀY` accumulated sample by sample (the state matrix is
//!   never held), merged across threads, solved in closed form ([`GramAccumulator::solve`]).
//! * [`Ridge`] / [`RidgeParams`]: ridge regression, multi-output, intercept, standardisation;
//!   α chosen by (grouped) k-fold cross-validation over a grid ([`cv`], [`FoldedGram`]).
//! * [`RidgeClassifier`]: ridge on ±1-coded one-hot targets, argmax.
//! * [`LogisticRegression`]: multinomial (softmax) logistic regression with an L2 penalty,
//!   fitted by L-BFGS, for calibrated class probabilities.
//!
//! Every fitted model is serde-serialisable.
#![warn(missing_docs)]

mod classifier;
pub mod cv;
mod dual;
mod error;
mod gram;
mod linalg;
mod logistic;
mod ridge;

pub use classifier::{RidgeClassifier, RidgeClassifierParams, RidgeClassifierValidParams};
pub use cv::{cross_validate_alpha, default_alpha_grid, CvReport, FoldedGram, Folds, Scoring};
pub use dual::{fit_dual_cv, DualFit};
pub use error::{ReadoutError, Result};
pub use gram::GramAccumulator;
pub use linalg::{cholesky_solve, gram_rows};
pub use logistic::{LogisticParams, LogisticRegression, LogisticValidParams};
pub use ridge::{Ridge, RidgeParams, RidgeValidParams};
