//! The spoken-digit model file: config, network, readout and training summary.

use crate::config::DigitsConfig;
use lsm_reservoir::NetworkSpec;
use serde::{Deserialize, Serialize};

use super::*;

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
    /// Gain applied to the spiking network's input weights (`input_drive`; 1 in files older
    /// than this field).
    #[serde(default = "unit_gain")]
    pub input_gain: f64,
    /// `(gain, mean reservoir rate in Hz)` of each calibration pass of `"input_drive":
    /// "auto"` (empty for a fixed gain, and in older files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<(f64, f64)>,
}

fn unit_gain() -> f64 {
    1.0
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
    /// [`MODEL_FORMAT_VERSION`](crate::MODEL_FORMAT_VERSION) at the time of writing.
    pub format_version: u64,
    /// `"spoken-digits"`.
    pub task: String,
    /// Version of lsm that wrote the file (information only).
    pub lsm_version: String,
    /// The configuration the model was fitted with.
    pub config: DigitsConfig,
    /// The built spiking network (absent when the reservoir is not used or is an ESN).
    pub network: Option<NetworkSpec>,
    /// The built echo state network (with `"reservoir": {"kind": "esn"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esn: Option<lsm_reservoir::Esn>,
    /// The readout. For a spiking network trained by surrogate gradients (`snn`) only its
    /// `classes` are set (neither `ridge` nor `logistic`).
    pub readout: ClassifierReadout,
    /// The spiking network trained by surrogate gradients instead of the reservoir and the
    /// linear readout (with the config's `snn` section; since format version 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snn: Option<super::snn::SnnModel>,
    /// What the training run did.
    pub training: TrainingSummary,
}
