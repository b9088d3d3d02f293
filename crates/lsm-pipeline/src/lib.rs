#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

// LAPACK (Cholesky of the readout's kernel) comes from the system OpenBLAS.
use openblas_src as _;

/// The simulation-speed anchor network, defined in `lsm-reservoir`.
pub use lsm_reservoir::anchor;
pub mod analysis;
pub mod config;
pub mod digits;
pub mod drive;
pub mod error;
pub mod experiment;
pub mod features;
pub mod io;
pub mod metrics;
pub mod search;
pub mod sources;
pub mod timeseries;

pub use config::{
    ClassifierReadoutConfig, CvConfig, DigitsConfig, FeatureConfig, InputDrive, InputSource,
    NetworkSource, PlasticityConfig, ReadoutKind, ReservoirChoice, TASK_SPOKEN_DIGITS,
};
pub use digits::{
    stable_id, ClassifierReadout, DigitsEvaluation, DigitsModel, DigitsPipeline, ExtractStats,
    Extractor, FitTimings, NoProgress, Prediction, Progress, Sample, SampleData, TrainingSummary,
};
pub use error::PipelineError;
pub use experiment::{
    feature_pass, fsdd_folds, run_folds, ExperimentReport, FeaturePass, Fold, FoldResult,
};
pub use features::{Pooling, Transform};
pub use io::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
pub use metrics::{accuracy, ClassificationReport, ConfusionMatrix};
