//! What the classification pipeline reads and which reservoir it runs: the `input` and
//! `reservoir` sections of a [`crate::DigitsConfig`].
//!
//! ```json
//! "input": {"kind": "audio"}                                  (the default: WAV or audio in memory)
//! "input": {"kind": "spikes", "n_channels": 40, "dt_ms": 1.0} (spike trains: files or memory)
//! "reservoir": {"kind": "spiking"}                            (the default: the `network` section)
//! "reservoir": {"kind": "esn", "bin_ms": 10, "esn": {"n_units": 500}}
//! ```
//!
//! With spike input the audio encoder is not used: the samples' spikes drive the reservoir
//! directly, on the network's step `dt_ms`. `n_channels` may be left out (`null`): the fit
//! takes the largest channel count of the training samples and stores it in the model.
//!
//! With the echo state network ([`lsm_reservoir::Esn`], leaky tanh units), the input spikes
//! are counted in bins of `bin_ms` per channel; each bin's counts are one input vector of the
//! ESN; its states are pooled by `features.pooling` as the spiking reservoir's spikes are
//! (the mean state in each time bin, warped by the input the same way; the state at the
//! sampling times; the mean state; the last state) and are not transformed
//! (`features.transform` applies to spike counts only). The input features
//! (`features.include_input`) are the same as with the spiking reservoir, so the two
//! reservoirs compare on equal terms.

use crate::error::PipelineError;
use lsm_core::Real;
use lsm_reservoir::EsnConfig;
use serde::{Deserialize, Serialize};

/// What a sample holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputSource {
    /// Audio (WAV files, or [`crate::SampleData::Audio`]) through the `encoder` section.
    #[default]
    Audio,
    /// Spike trains (`channel,time_ms` CSV files, or [`crate::SampleData::Spikes`]).
    Spikes {
        /// Input channels; `null`: the largest channel count of the training samples.
        #[serde(default)]
        n_channels: Option<usize>,
        /// Time step of the spike grid and of the network, ms. Default 1.
        #[serde(default = "one_ms")]
        dt_ms: Real,
        /// Duration of every sample, ms; `null`: each file lasts until its last spike
        /// (trains in memory keep their own length).
        #[serde(default)]
        duration_ms: Option<Real>,
    },
}

fn one_ms() -> Real {
    1.0
}

impl InputSource {
    /// Whether this is the default (audio), for skipping it when serialising.
    pub fn is_audio(&self) -> bool {
        matches!(self, InputSource::Audio)
    }

    /// Check the fields.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if let InputSource::Spikes {
            n_channels,
            dt_ms,
            duration_ms,
        } = self
        {
            if !(dt_ms.is_finite() && *dt_ms > 0.0) {
                return Err(PipelineError::config(
                    "input.dt_ms",
                    format!("expected a step > 0 ms, found {dt_ms}"),
                ));
            }
            if let Some(n) = n_channels {
                if *n == 0 {
                    return Err(PipelineError::config(
                        "input.n_channels",
                        "expected at least 1 channel",
                    ));
                }
                lsm_core::limits::check(
                    lsm_core::limits::Limit::Inputs,
                    *n as f64,
                    "input.n_channels",
                )
                .map_err(|e| PipelineError::config("input.n_channels", e.to_string()))?;
            }
            if let Some(d) = duration_ms {
                if !(d.is_finite() && *d > 0.0) {
                    return Err(PipelineError::config(
                        "input.duration_ms",
                        format!("expected a duration > 0 ms, found {d}"),
                    ));
                }
                lsm_core::limits::check(
                    lsm_core::limits::Limit::Steps,
                    d / dt_ms,
                    "input.duration_ms / input.dt_ms",
                )
                .map_err(|e| PipelineError::config("input.duration_ms", e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// Which reservoir turns the input spikes into state features.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReservoirChoice {
    /// The spiking network of the `network` section.
    #[default]
    Spiking,
    /// An echo state network on the input's spike counts.
    Esn {
        /// Width of the count bins that form the ESN's input vectors, ms. Default 10.
        #[serde(default = "ten_ms")]
        bin_ms: Real,
        /// The ESN (units, spectral radius, input scaling, leak...).
        #[serde(default)]
        esn: EsnConfig,
    },
}

fn ten_ms() -> Real {
    10.0
}

impl ReservoirChoice {
    /// Whether this is the default (the spiking network), for skipping it when serialising.
    pub fn is_spiking(&self) -> bool {
        matches!(self, ReservoirChoice::Spiking)
    }

    /// Check the fields.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if let ReservoirChoice::Esn { bin_ms, esn } = self {
            if !(bin_ms.is_finite() && *bin_ms > 0.0) {
                return Err(PipelineError::config(
                    "reservoir.bin_ms",
                    format!("expected a bin width > 0 ms, found {bin_ms}"),
                ));
            }
            esn.validate()
                .map_err(|e| PipelineError::config("reservoir.esn", e.to_string()))?;
        }
        Ok(())
    }
}
