//! The spiking reservoir for analog series: a generated network driven by the series as
//! currents or through an encoder of `lsm-encoding`, read out once per series sample by
//! filtered spike traces, spike counts and membrane potentials, one state row per input row.
//!
//! Per-neuron heterogeneity (`bias_na`, `tau_m_ms`) draws from
//! `rng_for(seed, stream::SPIKING_HETEROGENEITY)`; encoder noise from
//! `rng_for(seed, stream::ENCODER)`; the network from the generator's streams.

use crate::{ReservoirError, Result};
use lsm_core::{rng_for, stream, Real};
use ndarray::{s, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

fn cfg_err<T>(field: &str, msg: impl Into<String>) -> Result<T> {
    Err(ReservoirError::Config {
        what: "spiking reservoir",
        field: field.to_string(),
        msg: msg.into(),
    })
}

/// How the analog series enters the spiking network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SpikingInput {
    /// Direct current: during every simulator step of sample `t`, input channel `k` carries
    /// `offset[k] + scale[k]·u_k(t)` (u scaled as in `data.scale`), injected through the
    /// network's input weights (`Σ_k w_in[k→n]·I_k`, nA). One value broadcasts to every
    /// channel.
    Current {
        /// Per-channel gain. Default [1.0].
        #[serde(default = "one_vec")]
        scale: Vec<Real>,
        /// Per-channel offset. Default [0.0].
        #[serde(default = "zero_vec")]
        offset: Vec<Real>,
    },
    /// Any encoder of lsm-encoding on `(u + 1)/2` clipped to [0, 1], one frame per sample.
    Encoder(lsm_encoding::EncoderConfig),
}

pub(crate) fn one_vec() -> Vec<Real> {
    vec![1.0]
}
pub(crate) fn zero_vec() -> Vec<Real> {
    vec![0.0]
}

/// The `"reservoir": {"kind": "spiking", ...}` object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpikingConfig {
    /// Network generator (neurons, topology, input projection, dt). Default: a 1000-neuron
    /// LIF network (random p = 0.1, E/I 80/20) with weak recurrent weights (0.1× the
    /// generator's) and random-sign input weights U[0, 10) nA onto every neuron (see
    /// [`SpikingConfig::default`]).
    /// A network file instead (`{"file": "net.json"}`, [`crate::NetworkSource`]) must have
    /// as many inputs as the input path gives channels.
    pub network: crate::NetworkSource,
    /// Simulator steps per series sample (the input is held over them). Default 10.
    pub steps_per_sample: usize,
    /// Input path. Default direct current, scale 1, offset 0.
    pub input: SpikingInput,
    /// Time constant of the filtered spike traces read at the last step of every sample, ms.
    /// Default 10.
    pub trace_tau_ms: Real,
    /// Rise time of a double-exponential trace, ms (Nicola & Clopath's 2017 synaptic filter):
    /// with it, the trace feature of every neuron is
    /// `τd/(τd − τr)·(x_τd − x_τr)`, `τd` = `trace_tau_ms`, `τr` this rise time and `x_τ`
    /// the exponential trace (+1 per spike, decaying by `exp(−dt/τ)` every step), so one
    /// spike at time 0 reads `τd/(τd − τr)·(exp(−t/τd) − exp(−t/τr))`: a smooth rise
    /// instead of a jump, with the same integral (`τd`) as the exponential trace. Default
    /// `null` (the exponential trace). `0 < τr < τd`. Extra traces stay exponential.
    pub trace_rise_ms: Option<Real>,
    /// Also use each neuron's spike count within the sample as a feature. Default false.
    pub counts: bool,
    /// Further trace time constants, ms: each adds one filtered trace per neuron to the
    /// features (same filter as `trace_tau_ms`: every simulator step the trace decays by
    /// `exp(−dt/τ)`, then adds 1 per spike; read at the last step of the sample). A spread
    /// of time constants gives the readout fading memories of several lengths. Default
    /// empty. Each > 0.
    pub extra_trace_tau_ms: Vec<Real>,
    /// Also use each neuron's membrane potential at the last step of every sample (mV) as a
    /// feature: the analog part of the liquid's state, free of spike-count noise. Default
    /// false.
    pub membrane: bool,
    /// Per-neuron bias current drawn uniformly from `[lo, hi)` nA (replacing the neuron's
    /// `i_bias_na`), so that the population spans silent, near-threshold and tonically firing
    /// neurons and codes the analog input like a rate network. Default `null` (keep the
    /// neuron's bias) in the config, `[5, 25]` in [`SpikingConfig::default`]. `lo <= hi`.
    pub bias_na: Option<[Real; 2]>,
    /// Per-neuron membrane time constant drawn uniformly from `[lo, hi)` ms (replacing
    /// `tau_m_ms`): a spread of integration time scales. Default `[5, 30]` (`null` keeps the
    /// neuron's). `0 < lo <= hi`.
    pub tau_m_ms: Option<[Real; 2]>,
    /// Unsupervised plasticity of the recurrent excitatory synapses, one pass over the
    /// training rows (washout and train) before the readout is fitted
    /// ([`SpikingReservoir::learn`]): STDP or a rate-based rule, [`crate::StdpConfig`]
    /// (`{}` is pair STDP with its defaults; `{"model": "oja"}` etc.). Default `null`: the
    /// generated weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plasticity: Option<crate::StdpConfig>,
    /// Read the features from the neurons of these layers only (names of the network's
    /// `meta.layers`, [`crate::LayeredConfig`]), in this order. Default empty: every neuron.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readout_layers: Vec<String>,
}

impl Default for SpikingConfig {
    /// The input-driven regime tuned on NARMA-10's validation segment
    /// (`scripts/bench/spiking_timeseries_grid.py`): 1000 LIF neurons (Maass 2002 parameters)
    /// with per-neuron bias currents U[5, 25) nA around the 15 nA rheobase and membrane time
    /// constants U[5, 30) ms; every neuron receives the input through a weight of random
    /// sign and magnitude U[0, 10) nA per unit of scaled input; recurrent weights at 0.1×
    /// the generator's defaults (at 1× the network saturates near 500 Hz whatever the input
    /// and the features carry no information); 10 simulator steps (1 ms) per sample; traces
    /// with τ = 10 ms.
    fn default() -> Self {
        let mut network = crate::GeneratorConfig::default();
        let w = &mut network.weight_scale;
        w.ee *= 0.1;
        w.ei *= 0.1;
        w.ie *= 0.1;
        w.ii *= 0.1;
        network.input = crate::InputConfig {
            fraction: 1.0,
            scale_exc: 10.0,
            scale_inh: 10.0,
            dist: crate::WeightDist::Uniform {
                low: 0.0,
                high: 1.0,
            },
            sign: crate::InputSign::Random,
            ..crate::InputConfig::default()
        };
        Self {
            network: network.into(),
            steps_per_sample: 10,
            input: SpikingInput::Current {
                scale: one_vec(),
                offset: zero_vec(),
            },
            trace_tau_ms: 10.0,
            trace_rise_ms: None,
            counts: false,
            extra_trace_tau_ms: Vec::new(),
            membrane: false,
            bias_na: Some([5.0, 25.0]),
            tau_m_ms: Some([5.0, 30.0]),
            plasticity: None,
            readout_layers: Vec::new(),
        }
    }
}

impl SpikingConfig {
    /// Whether the features need the recorded spikes (extra traces, a rise time).
    pub(crate) fn needs_spikes(&self) -> bool {
        !self.extra_trace_tau_ms.is_empty() || self.trace_rise_ms.is_some()
    }

    /// Check every field.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] or the generator's error.
    pub fn validate(&self) -> Result<()> {
        self.network.check()?;
        if self.steps_per_sample == 0 {
            return cfg_err("steps_per_sample", "expected at least 1");
        }
        if let Some(p) = &self.plasticity {
            p.check("plasticity")?;
        }
        if !(self.trace_tau_ms.is_finite() && self.trace_tau_ms > 0.0) {
            return cfg_err("trace_tau_ms", "expected a time constant > 0 ms");
        }
        if let Some(r) = self.trace_rise_ms {
            if !(r.is_finite() && r > 0.0 && r < self.trace_tau_ms) {
                return cfg_err(
                    "trace_rise_ms",
                    format!(
                        "expected a rise time > 0 ms and below trace_tau_ms ({}), found {r}",
                        self.trace_tau_ms
                    ),
                );
            }
        }
        if self
            .extra_trace_tau_ms
            .iter()
            .any(|t| !(t.is_finite() && *t > 0.0))
        {
            return cfg_err("extra_trace_tau_ms", "expected time constants > 0 ms");
        }
        if let Some([lo, hi]) = self.bias_na {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return cfg_err(
                    "bias_na",
                    format!("expected [lo, hi] finite with lo <= hi, found [{lo}, {hi}]"),
                );
            }
        }
        if let Some([lo, hi]) = self.tau_m_ms {
            if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
                return cfg_err(
                    "tau_m_ms",
                    format!("expected [lo, hi] ms with 0 < lo <= hi, found [{lo}, {hi}]"),
                );
            }
        }
        match &self.input {
            SpikingInput::Current { scale, offset } => {
                if scale.is_empty() || offset.is_empty() {
                    return cfg_err("input.scale", "expected at least one value");
                }
                if scale.iter().chain(offset).any(|v| !v.is_finite()) {
                    return cfg_err("input.scale", "expected finite values");
                }
            }
            SpikingInput::Encoder(e) => {
                let dt = self.network.dt_ms();
                dt.map_or(Ok(()), |dt| e.check_dt(dt))
                    .map_err(|e| ReservoirError::Config {
                        what: "spiking reservoir",
                        field: "input".into(),
                        msg: e.to_string(),
                    })?;
            }
        }
        Ok(())
    }
}

/// A built spiking reservoir: the network spec (every synapse) and how to drive and read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpikingReservoir {
    /// The config it was built from.
    pub config: SpikingConfig,
    /// The generated network (every neuron and synapse).
    pub spec: crate::NetworkSpec,
    /// Input channels of the series.
    pub n_series_channels: usize,
}

impl SpikingReservoir {
    /// Generate the network for `n_inputs` series channels.
    ///
    /// # Errors
    /// Config or generator errors.
    pub fn build(cfg: &SpikingConfig, n_inputs: usize, seed: u64) -> Result<Self> {
        cfg.validate()?;
        let n_ch = match &cfg.input {
            SpikingInput::Current { scale, offset } => {
                for (name, v) in [("scale", scale), ("offset", offset)] {
                    if v.len() != 1 && v.len() != n_inputs {
                        return cfg_err(
                            &format!("input.{name}"),
                            format!(
                                "expected 1 or {n_inputs} values (one per input channel), found {}",
                                v.len()
                            ),
                        );
                    }
                }
                n_inputs
            }
            SpikingInput::Encoder(e) => {
                use lsm_encoding::Encoder;
                e.n_channels(n_inputs)
            }
        };
        let mut spec = cfg
            .network
            .spec(n_ch, None, seed, "the input path's channels")?;
        if let (SpikingInput::Encoder(e), crate::NetworkSource::File(_)) =
            (&cfg.input, &cfg.network)
        {
            e.check_dt(spec.dt_ms).map_err(|e| ReservoirError::Config {
                what: "spiking reservoir",
                field: "input".into(),
                msg: e.to_string(),
            })?;
        }
        if cfg.bias_na.is_some() || cfg.tau_m_ms.is_some() {
            use rand::Rng;
            let n = spec.n_neurons;
            let mut rng = rng_for(seed, stream::SPIKING_HETEROGENEITY);
            let mut draw = |[lo, hi]: [Real; 2]| -> crate::Param {
                crate::Param::PerNeuron(
                    (0..n)
                        .map(|_| if hi > lo { rng.gen_range(lo..hi) } else { lo })
                        .collect(),
                )
            };
            if let Some(r) = cfg.bias_na {
                spec.neuron.i_bias_na = draw(r);
            }
            if let Some(r) = cfg.tau_m_ms {
                spec.neuron.tau_m_ms = draw(r);
            }
        }
        let res = Self {
            config: cfg.clone(),
            spec,
            n_series_channels: n_inputs,
        };
        res.readout_neurons()?;
        Ok(res)
    }

    /// The neurons of `readout_layers`, or `None` for every neuron.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming `readout_layers`: a network without layers, an
    /// unknown layer (listing the network's).
    pub fn readout_neurons(&self) -> Result<Option<Vec<usize>>> {
        if self.config.readout_layers.is_empty() {
            return Ok(None);
        }
        self.spec
            .layer_neurons(&self.config.readout_layers, "readout_layers")
            .map(Some)
            .map_err(|e| match e {
                ReservoirError::Config { field, msg, .. } => ReservoirError::Config {
                    what: "spiking reservoir",
                    field,
                    msg,
                },
                e => e,
            })
    }

    /// The columns of a full feature row (every neuron) that `readout_layers` keeps, block
    /// by block; `None` for all.
    pub(crate) fn readout_columns(&self) -> Result<Option<Vec<usize>>> {
        let n = self.spec.n_neurons;
        Ok(self.readout_neurons()?.map(|keep| {
            (0..self.blocks())
                .flat_map(|b| keep.iter().map(move |&i| b * n + i))
                .collect()
        }))
    }

    /// Feature blocks per neuron: 1 + extra traces + 1 with `counts` + 1 with `membrane`.
    fn blocks(&self) -> usize {
        1 + self.config.extra_trace_tau_ms.len()
            + usize::from(self.config.counts)
            + usize::from(self.config.membrane)
    }

    /// Features per sample: read-out neurons (every neuron, or those of `readout_layers`) ×
    /// (1 + extra traces + 1 with `counts` + 1 with `membrane`), block by block.
    pub fn n_features(&self) -> usize {
        let n = match self.readout_neurons() {
            Ok(Some(v)) => v.len(),
            _ => self.spec.n_neurons,
        };
        n * self.blocks()
    }

    /// Mean firing rate (Hz) of every neuron over a teacher-forced run on `inputs` (the same
    /// run as [`SpikingReservoir::states`], recording only the spike count).
    ///
    /// # Errors
    /// As [`SpikingReservoir::states`].
    pub fn mean_rate_hz(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Real> {
        use crate::{Network, RecordSpec};
        let net = Network::from_spec(&self.spec)?;
        let spec = RecordSpec {
            spikes: false,
            ..RecordSpec::default()
        };
        let rec = self.drive(&net, inputs, &spec, seed, None)?;
        let neuron_s = self.spec.n_neurons as Real * rec.n_steps as Real * net.dt_ms() * 1e-3;
        Ok(if neuron_s > 0.0 {
            rec.n_spikes as Real / neuron_s
        } else {
            0.0
        })
    }

    /// The network run on `inputs` held over `steps_per_sample` steps each, through the
    /// config's input path, recording `spec`. Checks the cost before allocating.
    /// (With `plast`, the run learns: [`crate::Network::run_plastic_into`].)
    pub(crate) fn drive(
        &self,
        net: &crate::Network,
        inputs: ArrayView2<Real>,
        spec: &crate::RecordSpec,
        seed: u64,
        mut plast: Option<&mut crate::Stdp>,
    ) -> Result<crate::Recording> {
        use crate::Drive;
        let c = &self.config;
        let sps = c.steps_per_sample;
        let t = inputs.nrows();
        // Before anything is allocated: the steps (a float product cannot wrap) and the input
        // current held over them; the run checks its own recordings.
        let steps = t as Real * sps as Real;
        crate::error::limit(
            lsm_core::limits::Limit::Steps,
            steps,
            "spiking reservoir: series rows x steps_per_sample",
        )?;
        if matches!(c.input, SpikingInput::Current { .. }) {
            crate::error::limit(
                lsm_core::limits::Limit::MemoryBytes,
                steps * inputs.ncols() as Real * 8.0,
                "spiking reservoir: the input current (rows x steps_per_sample x channels x 8 bytes)",
            )?;
        }
        let n_steps = t * sps;
        let frame_ms = sps as Real * net.dt_ms();
        let mut run = |d: Drive<'_>| match plast.as_deref_mut() {
            None => net.run(d, n_steps, spec, seed, 0),
            Some(p) => {
                let mut out = crate::Recording::default();
                let mut ws = net.workspace();
                net.run_plastic_into(d, n_steps, spec, seed, 0, &mut ws, &mut out, p)?;
                Ok(out)
            }
        };
        Ok(match &c.input {
            SpikingInput::Current { scale, offset } => {
                let k = inputs.ncols();
                let mut cur = Array2::zeros((n_steps, k));
                for (i, row) in inputs.outer_iter().enumerate() {
                    for j in 0..k {
                        let sc = if scale.len() == 1 { scale[0] } else { scale[j] };
                        let of = if offset.len() == 1 {
                            offset[0]
                        } else {
                            offset[j]
                        };
                        let v = of + sc * row[j];
                        for st in 0..sps {
                            cur[[i * sps + st, j]] = v;
                        }
                    }
                }
                run(Drive::Current(cur.view()))?
            }
            SpikingInput::Encoder(e) => {
                use lsm_encoding::Encoder;
                let x = inputs.mapv(|v| ((v + 1.0) * 0.5).clamp(0.0, 1.0));
                let grid = lsm_encoding::TimeGrid::new(frame_ms, net.dt_ms()).map_err(|e| {
                    ReservoirError::Config {
                        what: "spiking reservoir",
                        field: "steps_per_sample".into(),
                        msg: e.to_string(),
                    }
                })?;
                let mut rng = rng_for(seed, stream::ENCODER);
                let st = e.encode(x.view(), &grid, &mut rng)?;
                run(Drive::Spikes(&st))?
            }
        })
    }

    /// Teacher-forced features, one row per input row.
    ///
    /// # Errors
    /// The cost limits (rows × steps per sample, the input current), simulator errors.
    pub fn states(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Array2<Real>> {
        use crate::{Bins, Network, RecordSpec, TraceSamples, TraceSpec};
        let net = Network::from_spec(&self.spec)?;
        let c = &self.config;
        let sps = c.steps_per_sample;
        let t = inputs.nrows();
        let frame_ms = sps as Real * net.dt_ms();
        let spec = RecordSpec {
            spikes: c.needs_spikes(),
            v: false,
            bins: c.counts.then_some(Bins::WidthMs(frame_ms)),
            traces: Some(TraceSpec {
                tau_ms: c.trace_tau_ms,
                samples: TraceSamples::Steps((0..t).map(|i| (i + 1) * sps - 1).collect()),
                mean: false,
                last: false,
            }),
            final_state: false,
            v_samples: c.membrane,
            v_neurons: None,
        };
        let mut rec = self.drive(&net, inputs, &spec, seed, None)?;
        let mut tr = rec
            .traces
            .take()
            .ok_or_else(|| ReservoirError::Input("the simulator recorded no traces".into()))?;
        if c.needs_spikes() {
            let spikes = rec
                .spikes
                .as_ref()
                .ok_or_else(|| ReservoirError::Input("the simulator recorded no spikes".into()))?;
            let n = self.spec.n_neurons;
            // The exponential trace of time constant `tau` from the recorded spikes, read at
            // the last step of every sample.
            let trace = |tau: Real| -> Array2<Real> {
                let f = SampleFilter::new(tau, net.dt_ms(), sps);
                let mut x = vec![0.0; n];
                let mut out = Array2::zeros((t, n));
                for i in 0..t {
                    f.advance(&mut x, |st| spikes.at(i * sps + st));
                    out.row_mut(i)
                        .as_slice_mut()
                        .expect("contiguous")
                        .copy_from_slice(&x);
                }
                out
            };
            if let Some(rise) = c.trace_rise_ms {
                let xr = trace(rise);
                let k = c.trace_tau_ms / (c.trace_tau_ms - rise);
                tr.zip_mut_with(&xr, |d, r| *d = k * (*d - r));
            }
            let mut parts = vec![tr];
            for &tau in &c.extra_trace_tau_ms {
                parts.push(trace(tau));
            }
            let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
            tr = ndarray::concatenate(Axis(1), &views).expect("same rows");
        }
        if c.counts {
            let counts = rec
                .bin_counts
                .take()
                .ok_or_else(|| ReservoirError::Input("the simulator recorded no counts".into()))?;
            let counts = counts.slice(s![..t, ..]);
            tr = ndarray::concatenate(Axis(1), &[tr.view(), counts]).expect("same rows");
        }
        if c.membrane {
            let v = rec.v_samples.take().ok_or_else(|| {
                ReservoirError::Input("the simulator recorded no membrane samples".into())
            })?;
            tr = ndarray::concatenate(Axis(1), &[tr.view(), v.view()]).expect("same rows");
        }
        if let Some(cols) = self.readout_columns()? {
            // Row-major like the full states (`select` along columns need not be).
            tr = tr.select(Axis(1), &cols).as_standard_layout().into_owned();
        }
        Ok(tr)
    }
}

/// An exponential trace advanced one sample of `sps` simulator steps at a time from the
/// sample's spikes: every step it decays by `d = exp(−dt/τ)`, then adds 1 per spike, so at
/// the sample's last step it is `d^sps·x + Σ_spikes d^(sps − 1 − step)`. The same arithmetic
/// for the teacher-forced run and the stepper (bit for bit).
#[derive(Clone, Debug)]
pub(crate) struct SampleFilter {
    d_sample: Real,
    /// The weight of a spike at each step of the sample.
    w: Vec<Real>,
}

impl SampleFilter {
    pub(crate) fn new(tau_ms: Real, dt_ms: Real, sps: usize) -> Self {
        let d = (-dt_ms / tau_ms).exp();
        Self {
            d_sample: d.powi(sps as i32),
            w: (0..sps).map(|st| d.powi((sps - 1 - st) as i32)).collect(),
        }
    }

    /// Advance `x` (one value per neuron) over one sample; `spikes(step)` lists the neurons
    /// spiking at that step of the sample.
    pub(crate) fn advance<'a>(&self, x: &mut [Real], spikes: impl Fn(usize) -> &'a [u32]) {
        x.iter_mut().for_each(|v| *v *= self.d_sample);
        for (step, &we) in self.w.iter().enumerate() {
            for &j in spikes(step) {
                x[j as usize] += we;
            }
        }
    }
}

#[cfg(test)]
mod tests;
