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

pub mod drive;
mod esn;
mod extract;
mod input;
mod model;
mod persist;
mod pipeline;
mod readout;
mod sample;
pub mod snn;
#[cfg(test)]
mod tests;

pub use extract::*;
pub use input::read_spike_csv;
pub(crate) use input::resolve_spike_channels;
pub use model::*;
pub(crate) use pipeline::build_reservoir;
pub use pipeline::*;
pub use readout::*;
pub use sample::*;
pub use snn::{SnnConfig, SnnModel};
