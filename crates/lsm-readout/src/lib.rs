#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod classifier;
pub mod cv;
mod dual;
mod error;
mod gram;
mod linalg;
mod logistic;
mod online;
mod ridge;

pub use classifier::{RidgeClassifier, RidgeClassifierParams, RidgeClassifierValidParams};
pub use cv::{cross_validate_alpha, default_alpha_grid, CvReport, FoldedGram, Folds, Scoring};
pub use dual::{fit_dual_cv, DualFit};
pub use error::{ReadoutError, Result};
pub use gram::GramAccumulator;
pub use linalg::{cholesky_solve, gram_rows};
pub use logistic::{LogisticParams, LogisticRegression, LogisticValidParams};
pub use online::{OnlineBias, OnlineReadout, OnlineRule};
pub use ridge::{Ridge, RidgeParams, RidgeValidParams};
