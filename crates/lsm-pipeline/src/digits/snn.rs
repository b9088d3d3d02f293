//! A spiking network trained end to end by surrogate gradients (`"snn"` in the config)
//! instead of the liquid and its linear readout: it reads the input's spike trains (the
//! encoder's, the same spikes the reservoir would get) and is trained by backpropagation
//! through time ([`lsm_learn::surrogate`]).

use super::extract::{ExtractStats, Extractor};
use super::sample::{Progress, Sample};
use crate::config::DigitsConfig;
use crate::error::PipelineError;
use lsm_core::{Real, SpikeTrains};
use lsm_learn::surrogate::{SurrogateConfig, SurrogateNet, TrainLog};
use lsm_learn::LearnError;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The `"snn"` section: how the spiking network is trained. `"method"` is required.
///
/// `{"method": "surrogate", "hidden": 128, "recurrent": false, "surrogate": "fast_sigmoid",
/// "slope": 25, "loss": "membrane", "epochs": 30, "batch_size": 32, "learning_rate": 0.02, ...}`:
/// the fields of [`SurrogateConfig`] (each with its default), unknown fields rejected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SnnConfig {
    /// Surrogate-gradient backpropagation through time ([`lsm_learn::surrogate`]).
    Surrogate(SurrogateConfig),
}

impl SnnConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field (`snn.<field>`).
    pub fn validate(&self) -> Result<(), PipelineError> {
        match self {
            SnnConfig::Surrogate(c) => c.validate().map_err(|e| learn_err("snn", e)),
        }
    }
}

/// The trained spiking network in the model file (`"snn"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnnModel {
    /// The network: sizes, neuron parameters and weights.
    pub net: SurrogateNet,
    /// Training loss and accuracy per epoch.
    pub log: TrainLog,
}

/// A learning error as a pipeline error: a bad parameter names `prefix.field`.
pub(crate) fn learn_err(prefix: &str, e: LearnError) -> PipelineError {
    match e {
        LearnError::InvalidParam { name, msg } => {
            PipelineError::config(&format!("{prefix}.{name}"), msg)
        }
        LearnError::Limit(l) => PipelineError::Reservoir(lsm_reservoir::ReservoirError::Limit(l)),
        LearnError::Reservoir(r) => PipelineError::Reservoir(r),
        e => PipelineError::Data(format!("{prefix}: {}", lsm_core::error_chain(&e))),
    }
}

/// The config of the input stage of an SNN model: the same input, no reservoir.
pub(crate) fn input_config(config: &DigitsConfig) -> DigitsConfig {
    let mut c = config.clone();
    c.features.reservoir = false;
    c.features.include_input = true;
    c.plasticity = None;
    c
}

/// The input spike trains of `samples` (one parallel pass; the same encoder noise streams
/// as the feature extraction) and their counters.
pub(crate) fn encode(
    extractor: &Extractor,
    samples: &[Sample],
    progress: &dyn Progress,
) -> Result<(Vec<SpikeTrains>, ExtractStats), PipelineError> {
    let t0 = Instant::now();
    let trains: Vec<SpikeTrains> = samples
        .par_iter()
        .map_init(lsm_encoding::AudioWorkspace::default, |ews, s| {
            let st = extractor
                .input_stage()
                .spikes(s, extractor.seed(), ews)?
                .into_owned();
            progress.inc(1);
            Ok(st)
        })
        .collect::<Result<_, PipelineError>>()?;
    let wall = t0.elapsed().as_secs_f64();
    let stats = ExtractStats {
        n_samples: samples.len(),
        n_steps: trains.iter().map(|t| t.n_steps() as u64).sum(),
        input_spikes: trains.iter().map(|t| t.n_spikes() as u64).sum(),
        encode_cpu_s: wall,
        wall_s: wall,
        ..ExtractStats::default()
    };
    Ok((trains, stats))
}

/// Check a stored network against the model's input stage and classes.
pub(crate) fn check_model(
    snn: &SnnModel,
    extractor: &Extractor,
    n_classes: usize,
) -> Result<(), PipelineError> {
    snn.net.validate().map_err(|e| learn_err("snn.net", e))?;
    let input = extractor.input_stage();
    if snn.net.n_inputs() != input.n_channels() {
        return Err(PipelineError::Dimension {
            stage: "input → spiking network".into(),
            what: format!("snn.net.w_in rows vs {}", input.feeds()),
            expected: input.n_channels(),
            got: snn.net.n_inputs(),
        });
    }
    let (a, b) = (input.dt_ms(), snn.net.dt_ms);
    if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
        return Err(PipelineError::config(
            "snn.net.dt_ms",
            format!("the network step is {b} ms but the input step is {a} ms"),
        ));
    }
    if snn.net.n_outputs() != n_classes {
        return Err(PipelineError::Dimension {
            stage: "spiking network → classes".into(),
            what: "snn.net.w_out columns vs class labels".into(),
            expected: n_classes,
            got: snn.net.n_outputs(),
        });
    }
    Ok(())
}

/// Softmax of each row of the logits (the probabilities of an SNN model).
pub(crate) fn softmax_rows(l: &mut ndarray::Array2<Real>) {
    for mut row in l.rows_mut() {
        let m = row.iter().copied().fold(Real::NEG_INFINITY, Real::max);
        row.mapv_inplace(|v| (v - m).exp());
        let z = row.sum();
        row.mapv_inplace(|v| v / z);
    }
}
