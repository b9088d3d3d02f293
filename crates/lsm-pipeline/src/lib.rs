//! lsm-pipeline: a liquid state machine from data to a saved, evaluated model.
//!
//! The spoken-digit pipeline ([`digits`]) chains the audio encoder (`lsm-encoding`), the
//! spiking reservoir (`lsm-reservoir`), state-feature pooling ([`features`]) and a linear
//! readout (`lsm-readout`):
//!
//! ```text
//! WAV → front end (gammatone, log-mel…) → spike encoder → reservoir → pooled state features → ridge classifier
//! ```
//!
//! * [`config`]: [`DigitsConfig`], the JSON configuration (every field defaulted, unknown
//!   fields refused, cross-stage checks).
//! * [`digits`]: [`DigitsPipeline::fit`] / [`DigitsPipeline::predict`] /
//!   [`DigitsPipeline::evaluate`], the model file ([`DigitsModel`]) with save / load.
//! * [`features`]: [`Pooling`], from spike trains to fixed-length vectors.
//! * [`metrics`]: accuracy, per-class accuracy, confusion matrix.
//! * [`io`]: JSON reading with errors naming the file, the model-file envelope (format,
//!   version, task) and atomic writes.
//! * [`timeseries`]: the time-series (regression) pipeline.
//!
//! ```no_run
//! use lsm_pipeline::{DigitsConfig, DigitsPipeline, NoProgress, Sample};
//! let train = vec![Sample { label: Some("0".into()), group: Some("george".into()),
//!                           ..Sample::from_path("0_george_5.wav") } /* ... */];
//! let model = DigitsPipeline::fit(&DigitsConfig::default(), &train, &NoProgress)?;
//! model.save("model.json".as_ref())?;
//! let back = DigitsPipeline::load("model.json".as_ref())?;
//! let p = back.predict(&[Sample::from_path("x.wav")], &NoProgress)?;
//! println!("{} ({:.2})", p[0].label, p[0].probability);
//! # Ok::<(), lsm_pipeline::PipelineError>(())
//! ```
#![warn(missing_docs)]

// LAPACK (Cholesky of the readout's kernel) comes from the system OpenBLAS.
use openblas_src as _;

/// The simulation-speed anchor network, defined in `lsm-reservoir`.
pub use lsm_reservoir::anchor;
pub mod config;
pub mod digits;
pub mod error;
pub mod experiment;
pub mod features;
pub mod io;
pub mod metrics;
pub mod timeseries;

pub use config::{
    ClassifierReadoutConfig, CvConfig, DigitsConfig, FeatureConfig, PlasticityConfig, ReadoutKind,
    TASK_SPOKEN_DIGITS,
};
pub use digits::{
    stable_id, ClassifierReadout, DigitsEvaluation, DigitsModel, DigitsPipeline, ExtractStats,
    Extractor, FitTimings, NoProgress, Prediction, Progress, Sample, TrainingSummary,
};
pub use error::PipelineError;
pub use experiment::{fsdd_folds, run_folds, ExperimentReport, Fold, FoldResult};
pub use features::{Pooling, Transform};
pub use io::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
pub use metrics::{accuracy, ClassificationReport, ConfusionMatrix};
