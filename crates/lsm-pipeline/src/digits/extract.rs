//! Feature extraction: read → front end → encode → simulate → pool, one parallel pass over the samples.

use crate::config::{DigitsConfig, FeatureConfig};
use crate::error::PipelineError;
use lsm_core::{rng_for, stream, Real};
use lsm_encoding::AudioEncoder;
use lsm_reservoir::{Drive, Network, NetworkSpec, RecordSpec, Recording};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::*;

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

/// The built feature stages: audio encoder, network (if the reservoir is used) and pooling.
#[derive(Debug)]
pub struct Extractor {
    features: FeatureConfig,
    seed: u64,
    encoder: AudioEncoder,
    network: Option<Network>,
}

impl Extractor {
    /// Build the stages of `config` with the network `spec` (required iff
    /// `config.features.reservoir`), checking the links: the network's `n_inputs` must equal
    /// the encoder's channels and its `dt_ms` the encoder's step.
    ///
    /// # Errors
    /// [`PipelineError::Config`] for an invalid encoder, [`PipelineError::Dimension`] naming
    /// the stage for a mismatch, [`PipelineError::Reservoir`] if the network cannot be built.
    pub fn new(config: &DigitsConfig, spec: Option<&NetworkSpec>) -> Result<Self, PipelineError> {
        let encoder = AudioEncoder::new(&config.encoder)
            .map_err(|e| PipelineError::config("encoder", e.to_string()))?;
        let network = match (config.features.reservoir, spec) {
            (false, _) => None,
            (true, None) => {
                return Err(PipelineError::Data(
                    "features.reservoir is true but there is no network".into(),
                ))
            }
            (true, Some(spec)) => {
                if spec.n_inputs != encoder.n_channels() {
                    return Err(PipelineError::Dimension {
                        stage: "encoder → reservoir".into(),
                        what: "network n_inputs vs encoder spike channels".into(),
                        expected: encoder.n_channels(),
                        got: spec.n_inputs,
                    });
                }
                let (a, b) = (encoder.dt_ms(), spec.dt_ms);
                if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
                    return Err(PipelineError::config(
                        "network.dt_ms",
                        format!("the network step is {b} ms but the encoder step is {a} ms"),
                    ));
                }
                Some(Network::from_spec(spec)?)
            }
        };
        Ok(Self {
            features: config.features.clone(),
            seed: config.seed,
            encoder,
            network,
        })
    }

    /// The audio encoder.
    pub fn encoder(&self) -> &AudioEncoder {
        &self.encoder
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
            n += p.n_features(net.n_neurons());
        }
        if self.features.include_input {
            n += p.n_features(self.encoder.n_channels());
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
                || {
                    (
                        lsm_encoding::AudioWorkspace::default(),
                        self.network.as_ref().map(|n| n.workspace()),
                        Recording::default(),
                    )
                },
                |(ews, nws, rec), (out, s)| -> Result<(), PipelineError> {
                    let st = self.sample_into(s, ews, nws.as_mut(), rec, out)?;
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
        ews: &mut lsm_encoding::AudioWorkspace,
        nws: Option<&mut lsm_reservoir::SimWorkspace>,
        rec: &mut Recording,
        out: &mut [Real],
    ) -> Result<[u64; 7], PipelineError> {
        let t0 = Instant::now();
        let mut rng = rng_for(self.seed, stream::ENCODER.wrapping_add(s.id));
        let enc = self.encoder.encode_file_with(&s.path, &mut rng, ews)?; // its errors name the file
        let t1 = Instant::now();
        let spikes = &enc.spikes;
        if spikes.n_spikes() == 0 {
            // Silence (digital zeros, or sound below the front end's floor) encodes to no
            // spikes at all: there is nothing to classify, and a label would be a guess.
            return Err(PipelineError::sample(
                &s.path,
                PipelineError::Data(
                    "the recording is silent: its encoding has no input spikes, so there is \
                     nothing to classify (`--skip-bad` leaves such files out)"
                        .into(),
                ),
            ));
        }
        let n_steps = spikes.n_steps();
        let pooling = &self.features.pooling;
        let mut off = 0;
        let (mut res_spikes, mut events) = (0u64, 0u64);
        let mut t2 = t1;
        if let (Some(net), Some(ws)) = (&self.network, nws) {
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
                ws,
                rec,
            )
            .map_err(|e| PipelineError::sample(&s.path, e))?;
            t2 = Instant::now();
            let raster = rec.spikes.as_ref().expect("spikes were recorded");
            let k = pooling.n_features(net.n_neurons());
            pooling.pool_into(raster, spikes, &mut out[..k]);
            self.features.transform.apply(&mut out[..k]);
            off = k;
            res_spikes = rec.n_spikes as u64;
            events = rec.n_events;
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
