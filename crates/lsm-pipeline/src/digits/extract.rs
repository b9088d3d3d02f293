//! Feature extraction: read → front end → encode → simulate → pool, one parallel pass over the samples.

use crate::config::{DigitsConfig, FeatureConfig};
use crate::error::PipelineError;
use crate::sources::ReservoirChoice;
use lsm_core::Real;
use lsm_reservoir::{Drive, Network, NetworkSpec, RecordSpec, Recording};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::esn::{EsnStage, EsnWorkspace};
use super::input::InputStage;
use super::*;

/// Per-thread working memory of the extraction: encoder, simulator, recording, ESN.
pub(crate) struct Workspace {
    audio: lsm_encoding::AudioWorkspace,
    sim: Option<lsm_reservoir::SimWorkspace>,
    rec: Recording,
    esn: EsnWorkspace,
}

/// Counters and timings of a feature-extraction pass. The `*_cpu_s` fields are summed over
/// worker threads (CPU seconds spent in each stage); `wall_s` is the elapsed time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractStats {
    /// Samples processed.
    pub n_samples: usize,
    /// Simulated time steps, all samples.
    pub n_steps: u64,
    /// Input (encoder) spikes.
    pub input_spikes: u64,
    /// Reservoir spikes.
    pub reservoir_spikes: u64,
    /// Synaptic events delivered (recurrent + input).
    pub syn_events: u64,
    /// Reading + front end + encoding, CPU seconds.
    pub encode_cpu_s: f64,
    /// Simulation, CPU seconds.
    pub simulate_cpu_s: f64,
    /// Pooling, CPU seconds.
    pub pool_cpu_s: f64,
    /// Elapsed seconds of the whole pass.
    pub wall_s: f64,
}

/// The built feature stages: input (audio encoder or spike trains), reservoir (spiking
/// network or ESN, if used) and pooling.
#[derive(Debug)]
pub struct Extractor {
    features: FeatureConfig,
    seed: u64,
    input: InputStage,
    network: Option<Network>,
    /// The neurons of `features.readout_layers` (none: every neuron).
    readout: Option<crate::features::NeuronSelection>,
    esn: Option<EsnStage>,
}

impl Extractor {
    /// The input stage (encoder or spike trains).
    pub(crate) fn input_stage(&self) -> &InputStage {
        &self.input
    }

    /// The seed of the per-sample noise streams.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Build the stages of `config` with the reservoir: the network `spec` (required iff
    /// `config.features.reservoir` with the spiking reservoir) or the `esn` (with the ESN
    /// reservoir), checking the links: the reservoir's inputs must equal the input's channels
    /// and the network's `dt_ms` the input's step.
    ///
    /// # Errors
    /// [`PipelineError::Config`] for an invalid encoder, [`PipelineError::Dimension`] naming
    /// the stage for a mismatch, [`PipelineError::Reservoir`] if the network cannot be built.
    pub fn new(
        config: &DigitsConfig,
        spec: Option<&NetworkSpec>,
        esn: Option<&lsm_reservoir::Esn>,
    ) -> Result<Self, PipelineError> {
        let input = InputStage::new(config)?;
        let n_in = input.n_channels();
        let stage = |what: &str| format!("input → {what}");
        let (mut network, mut esn_stage, mut readout) = (None, None, None);
        match (config.features.reservoir, &config.reservoir) {
            (false, _) => {}
            (true, ReservoirChoice::Spiking) => {
                let Some(spec) = spec else {
                    return Err(PipelineError::Data(
                        "features.reservoir is true but there is no network".into(),
                    ));
                };
                if spec.n_inputs != n_in {
                    return Err(PipelineError::Dimension {
                        stage: stage("reservoir"),
                        what: format!("network n_inputs vs {}", input.feeds()),
                        expected: n_in,
                        got: spec.n_inputs,
                    });
                }
                let (a, b) = (input.dt_ms(), spec.dt_ms);
                if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
                    return Err(PipelineError::config(
                        "network.dt_ms",
                        format!("the network step is {b} ms but the input step is {a} ms"),
                    ));
                }
                if !config.features.readout_layers.is_empty() {
                    let neurons = spec
                        .layer_neurons(&config.features.readout_layers, "features.readout_layers")
                        .map_err(|e| crate::features::readout_err("features.readout_layers", e))?;
                    readout = Some(crate::features::NeuronSelection::new(
                        &neurons,
                        spec.n_neurons,
                    ));
                }
                network = Some(Network::from_spec(spec)?);
            }
            (true, ReservoirChoice::Esn { bin_ms, .. }) => {
                let Some(esn) = esn else {
                    return Err(PipelineError::Data(
                        "the reservoir is an ESN but there is none".into(),
                    ));
                };
                if esn.n_inputs() != n_in {
                    return Err(PipelineError::Dimension {
                        stage: stage("ESN"),
                        what: format!("ESN inputs vs {}", input.feeds()),
                        expected: n_in,
                        got: esn.n_inputs(),
                    });
                }
                esn_stage = Some(EsnStage::new(esn.clone(), *bin_ms, input.dt_ms())?);
            }
        }
        Ok(Self {
            features: config.features.clone(),
            seed: config.seed,
            input,
            network,
            readout,
            esn: esn_stage,
        })
    }

    /// Input channels: the encoder's, or the spike input's.
    pub fn n_input_channels(&self) -> usize {
        self.input.n_channels()
    }

    /// The network, if the reservoir is used.
    pub fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    /// Length of a feature vector.
    pub fn n_features(&self) -> usize {
        let p = &self.features.pooling;
        let mut n = 0;
        if let Some(net) = &self.network {
            n += p.n_features(self.readout.as_ref().map_or(net.n_neurons(), |r| r.len()));
        }
        if let Some(esn) = &self.esn {
            n += p.n_features(esn.n_units());
        }
        if self.features.include_input {
            n += p.n_features(self.input.n_channels());
        }
        n
    }

    /// Features of all `samples` (rows in the order of `samples`), in parallel.
    ///
    /// # Errors
    /// The error of a failing sample, naming its file and stage.
    pub fn features(
        &self,
        samples: &[Sample],
        progress: &dyn Progress,
    ) -> Result<(Array2<Real>, ExtractStats), PipelineError> {
        let t0 = Instant::now();
        let nf = self.n_features();
        let mut x = Array2::<Real>::zeros((samples.len(), nf));
        let counters: [AtomicU64; 7] = Default::default();
        x.as_slice_mut()
            .expect("a new array is contiguous")
            .par_chunks_mut(nf.max(1))
            .zip(samples.par_iter())
            .try_for_each_init(
                || Workspace {
                    audio: lsm_encoding::AudioWorkspace::default(),
                    sim: self.network.as_ref().map(|n| n.workspace()),
                    rec: Recording::default(),
                    esn: EsnWorkspace::default(),
                },
                |ws, (out, s)| -> Result<(), PipelineError> {
                    let st = self.sample_into(s, ws, out)?;
                    for (c, v) in counters.iter().zip(st) {
                        c.fetch_add(v, Ordering::Relaxed);
                    }
                    progress.inc(1);
                    Ok(())
                },
            )?;
        let c: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let stats = ExtractStats {
            n_samples: samples.len(),
            n_steps: c[0],
            input_spikes: c[1],
            reservoir_spikes: c[2],
            syn_events: c[3],
            encode_cpu_s: c[4] as f64 * 1e-9,
            simulate_cpu_s: c[5] as f64 * 1e-9,
            pool_cpu_s: c[6] as f64 * 1e-9,
            wall_s: t0.elapsed().as_secs_f64(),
        };
        Ok((x, stats))
    }

    /// Features of one sample into `out`; returns the counters
    /// `[steps, input spikes, reservoir spikes, events, encode ns, simulate ns, pool ns]`.
    pub(crate) fn sample_into(
        &self,
        s: &Sample,
        ws: &mut Workspace,
        out: &mut [Real],
    ) -> Result<[u64; 7], PipelineError> {
        let t0 = Instant::now();
        let spikes = self.input.spikes(s, self.seed, &mut ws.audio)?; // its errors name the sample
        let t1 = Instant::now();
        let spikes = &*spikes;
        if spikes.n_spikes() == 0 {
            // Silence (digital zeros, or sound below the front end's floor) encodes to no
            // spikes at all: there is nothing to classify, and a label would be a guess.
            let what = match self.input {
                InputStage::Audio(_) => "the recording is silent: its encoding has no input spikes",
                InputStage::Spikes { .. } => "the sample has no input spikes",
            };
            return Err(PipelineError::sample(
                &s.path,
                PipelineError::Data(format!(
                    "{what}, so there is nothing to classify (`--skip-bad` leaves such files out)"
                )),
            ));
        }
        let n_steps = spikes.n_steps();
        let pooling = &self.features.pooling;
        let mut off = 0;
        let (mut res_spikes, mut events) = (0u64, 0u64);
        let mut t2 = t1;
        if let (Some(net), Some(sim)) = (&self.network, ws.sim.as_mut()) {
            let rec = &mut ws.rec;
            let spec = RecordSpec {
                spikes: true,
                ..RecordSpec::default()
            };
            net.run_into(
                Drive::Spikes(spikes),
                n_steps,
                &spec,
                self.seed,
                s.id,
                sim,
                rec,
            )
            .map_err(|e| PipelineError::sample(&s.path, e))?;
            t2 = Instant::now();
            let raster = rec.spikes.as_ref().expect("spikes were recorded");
            let chosen = self.readout.as_ref().map(|r| r.apply(raster));
            let raster = chosen.as_ref().unwrap_or(raster);
            let k = pooling.n_features(raster.n_channels());
            pooling.pool_into(raster, spikes, &mut out[..k]);
            self.features.transform.apply(&mut out[..k]);
            off = k;
            res_spikes = rec.n_spikes as u64;
            events = rec.n_events;
        }
        if let Some(esn) = &self.esn {
            let k = pooling.n_features(esn.n_units());
            esn.pool_into(spikes, pooling, &mut ws.esn, &mut out[..k]);
            t2 = Instant::now();
            off = k;
        }
        if self.features.include_input {
            pooling.pool_into(spikes, spikes, &mut out[off..]);
            self.features.transform.apply(&mut out[off..]);
        }
        let t3 = Instant::now();
        Ok([
            n_steps as u64,
            spikes.n_spikes() as u64,
            res_spikes,
            events,
            (t1 - t0).as_nanos() as u64,
            (t2 - t1).as_nanos() as u64,
            (t3 - t2).as_nanos() as u64,
        ])
    }
}
