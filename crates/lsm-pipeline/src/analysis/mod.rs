//! What a reservoir computes: memory, processing capacity, separation, generalization and
//! dynamical regime, for echo state networks and spiking networks alike (`lsm analyze`).
//!
//! | measure | reservoirs | module |
//! |---|---|---|
//! | linear memory capacity `MC_k`, `MC` (Jaeger 2001; reservoirpy's protocol) | analog-input (ESN, spiking with current or encoded input) | [`memory`] |
//! | information processing capacity by degree (Dambre et al. 2012) | analog-input | [`ipc`] |
//! | largest Lyapunov exponent, effective spectral radius | ESN | [`regime`] |
//! | rate, CV of ISIs, synchrony, Brunel regime; damage spreading | spiking | [`regime`] |
//! | kernel quality, generalization rank (Legenstein & Maass 2007); separation curve (Maass et al. 2002) | spiking with spike input | [`separation`] |
//!
//! [`analyze`] runs the measures that apply to a [`Subject`] (a reservoir built from a
//! time-series config, or a spiking network with spike inputs built from a classification
//! config or read from a network file); [`sweep`] runs it over a grid of config values.
//! Every probe input derives from the seed given (`stream::ANALYSIS`), so the same seed
//! gives the same figures, whatever the number of threads.

pub mod ipc;
pub mod linear;
pub mod memory;
pub mod regime;
pub mod separation;
pub mod sweep;

use crate::PipelineError;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_reservoir::{Network, Reservoir};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

pub use ipc::{Ipc, IpcOptions};
pub use memory::{MemoryCapacity, MemoryOptions};
pub use regime::{Damage, DamageOptions, SpikeStats};
pub use separation::{ProbeOptions, Ranks, Separation};

/// A measure of [`analyze`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Linear memory capacity.
    Memory,
    /// Information processing capacity by degree.
    Ipc,
    /// Largest Lyapunov exponent and effective spectral radius (ESN).
    Lyapunov,
    /// Rate, CV, synchrony and regime (spiking).
    Regime,
    /// Kernel quality and generalization rank (spiking).
    Ranks,
    /// Separation curve (spiking).
    Separation,
    /// Damage spreading (spiking).
    Damage,
}

impl Metric {
    /// Every measure.
    pub const ALL: [Metric; 7] = [
        Metric::Memory,
        Metric::Ipc,
        Metric::Lyapunov,
        Metric::Regime,
        Metric::Ranks,
        Metric::Separation,
        Metric::Damage,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Memory => "memory",
            Metric::Ipc => "ipc",
            Metric::Lyapunov => "lyapunov",
            Metric::Regime => "regime",
            Metric::Ranks => "ranks",
            Metric::Separation => "separation",
            Metric::Damage => "damage",
        }
    }

    /// Parse a name.
    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// Options of [`analyze`]; every part has its defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisOptions {
    /// The measures to run (those that do not apply to the subject are skipped). Default all.
    pub metrics: Vec<Metric>,
    /// Memory capacity.
    pub memory: MemoryOptions,
    /// Information processing capacity.
    pub ipc: IpcOptions,
    /// Probe spike inputs of the spiking measures.
    pub probe: ProbeOptions,
    /// Damage spreading.
    pub damage: DamageOptions,
    /// Length of the Poisson input of the regime statistics and damage spreading, ms.
    /// Default 1000.
    pub regime_ms: Real,
    /// Start-up transient of the regime statistics, ms: the network runs this long on the same
    /// Poisson input before the `regime_ms` whose spikes are counted. Default 200. >= 0.
    pub regime_washout_ms: Real,
    /// Bin of the synchrony measure, ms. Default 5.
    pub synchrony_bin_ms: Real,
    /// Steps of the Lyapunov run (i.i.d. input as for the memory capacity). Default 3000.
    pub lyapunov_steps: usize,
    /// Steps dropped before the Lyapunov average. Default 500.
    pub lyapunov_washout: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            metrics: Metric::ALL.to_vec(),
            memory: MemoryOptions::default(),
            ipc: IpcOptions::default(),
            probe: ProbeOptions::default(),
            damage: DamageOptions::default(),
            regime_ms: 1000.0,
            regime_washout_ms: 200.0,
            synchrony_bin_ms: 5.0,
            lyapunov_steps: 3000,
            lyapunov_washout: 500,
        }
    }
}

/// What is analysed.
pub enum Subject {
    /// A reservoir driven by an analog series (ESN or spiking with current/encoded input).
    Series(Box<Reservoir>),
    /// A spiking network driven by spikes.
    Network(Box<Network>),
}

impl Subject {
    /// `"esn"`, `"spiking"` (series) or `"network"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Series(r) => r.kind(),
            Subject::Network(_) => "network",
        }
    }
}

/// The measures of one subject (those not run are `None`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The subject's kind.
    pub kind: String,
    /// State features (series) or neurons (network).
    pub n_state: usize,
    /// Memory capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryCapacity>,
    /// Information processing capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc: Option<Ipc>,
    /// Largest Lyapunov exponent per step (ESN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lyapunov: Option<Real>,
    /// Spectral radius of `W` (ESN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spectral_radius: Option<Real>,
    /// Effective spectral radius `ρ((1 − a)I + aW)` (ESN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_spectral_radius: Option<Real>,
    /// Regime statistics under Poisson input (network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regime: Option<SpikeStats>,
    /// Kernel quality and generalization rank (network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranks: Option<Ranks>,
    /// Separation curve (network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separation: Option<Separation>,
    /// Damage spreading (network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<Damage>,
}

impl Analysis {
    /// A scalar of the analysis by name, for sweeps and searches: `memory` (MC), `ipc`
    /// (total), `ipc1`..`ipc3`, `lyapunov`, `effective_spectral_radius`, `rate_hz`, `cv_isi`,
    /// `synchrony`, `kernel_quality`, `generalization_rank`, `kq_minus_gr`, `damage`.
    pub fn scalar(&self, name: &str) -> Option<Real> {
        let deg = |d: usize| {
            self.ipc
                .as_ref()
                .and_then(|i| i.by_degree.get(d - 1))
                .map(|x| x.total)
        };
        match name {
            "memory" => self.memory.as_ref().map(|m| m.total),
            "ipc" => self.ipc.as_ref().map(|i| i.total),
            "ipc1" => deg(1),
            "ipc2" => deg(2),
            "ipc3" => deg(3),
            "lyapunov" => self.lyapunov,
            "effective_spectral_radius" => self.effective_spectral_radius,
            "rate_hz" => self.regime.as_ref().map(|r| r.rate_hz),
            "cv_isi" => self.regime.as_ref().and_then(|r| r.cv_isi),
            "synchrony" => self.regime.as_ref().and_then(|r| r.synchrony),
            "kernel_quality" => self.ranks.as_ref().map(|r| r.kernel_quality as Real),
            "generalization_rank" => self.ranks.as_ref().map(|r| r.generalization_rank as Real),
            "kq_minus_gr" => self
                .ranks
                .as_ref()
                .map(|r| r.kernel_quality as Real - r.generalization_rank as Real),
            "damage" => self.damage.as_ref().map(|d| d.final_distance),
            "n_state" => Some(self.n_state as Real),
            _ => None,
        }
    }

    /// The names [`Analysis::scalar`] knows.
    pub const SCALARS: [&'static str; 15] = [
        "memory",
        "ipc",
        "ipc1",
        "ipc2",
        "ipc3",
        "lyapunov",
        "effective_spectral_radius",
        "rate_hz",
        "cv_isi",
        "synchrony",
        "kernel_quality",
        "generalization_rank",
        "kq_minus_gr",
        "damage",
        "n_state",
    ];
}

/// A Poisson input of `duration_ms` over the network's inputs (rate from `probe.rate_hz`).
fn poisson_input(
    net: &Network,
    rate_hz: Real,
    duration_ms: Real,
    seed: u64,
) -> Result<SpikeTrains, PipelineError> {
    let cfg = lsm_datasets::spike_patterns::SpikePatternConfig {
        n_templates: 1,
        n_channels: net.n_inputs().max(1),
        duration_ms,
        rate_hz,
        jitter_ms: 0.0,
        dt_ms: net.dt_ms(),
        n_train: 1,
        n_test: 0,
        ..lsm_datasets::spike_patterns::SpikePatternConfig::default()
    };
    cfg.check().map_err(|e| PipelineError::Config {
        field: "regime_ms".into(),
        msg: e.to_string(),
    })?;
    let t = cfg.templates(seed.wrapping_add(2))?;
    let mut rng = rng_for(seed, stream::ANALYSIS + 2);
    Ok(cfg.jittered(&t[0], &mut rng))
}

/// Run the measures of `opts.metrics` that apply to `subject`.
///
/// # Errors
/// Bad options (naming the field); the reservoir's and simulator's errors.
pub fn analyze(
    subject: &Subject,
    opts: &AnalysisOptions,
    seed: u64,
) -> Result<Analysis, PipelineError> {
    let want = |m: Metric| opts.metrics.contains(&m);
    let mut out = Analysis {
        kind: subject.kind().to_string(),
        ..Analysis::default()
    };
    match subject {
        Subject::Series(res) => {
            use lsm_reservoir::SeriesReservoir;
            out.n_state = res.n_state();
            if want(Metric::Memory) {
                let u = memory::iid_uniform(
                    opts.memory.len_for(res.n_state()),
                    opts.memory.input_range,
                    seed,
                );
                out.memory = Some(memory::memory_capacity(
                    res.as_ref(),
                    &u,
                    &opts.memory,
                    seed,
                )?);
            }
            if want(Metric::Ipc) {
                out.ipc = Some(ipc::ipc(res.as_ref(), &opts.ipc, seed)?);
            }
            if let (true, Reservoir::Esn(esn)) = (want(Metric::Lyapunov), res.as_ref()) {
                let u = memory::iid_uniform(opts.lyapunov_steps, opts.memory.input_range, seed);
                let u = Array2::from_shape_vec((u.len(), 1), u)
                    .map_err(|e| PipelineError::Runtime(e.to_string()))?;
                let inputs = Array2::from_shape_fn((u.nrows(), esn.n_inputs()), |(t, _)| u[[t, 0]]);
                out.lyapunov = Some(regime::esn_lyapunov(
                    esn,
                    inputs.view(),
                    opts.lyapunov_washout,
                )?);
                out.spectral_radius = Some(esn.spectral_radius()?);
                out.effective_spectral_radius = Some(esn.effective_spectral_radius()?);
            }
        }
        Subject::Network(net) => {
            out.n_state = net.n_neurons();
            if want(Metric::Regime) || want(Metric::Damage) {
                let input = poisson_input(net, opts.probe.rate_hz, opts.regime_ms, seed)?;
                if want(Metric::Regime) {
                    let w = opts.regime_washout_ms;
                    if !(w.is_finite() && w >= 0.0) {
                        return Err(PipelineError::Config {
                            field: "regime_washout_ms".into(),
                            msg: format!("{w}: expected a finite duration >= 0 ms"),
                        });
                    }
                    let total_ms = opts.regime_washout_ms + opts.regime_ms;
                    let input = poisson_input(net, opts.probe.rate_hz, total_ms, seed)?;
                    let rec = net.run(
                        lsm_reservoir::Drive::Spikes(&input),
                        input.n_steps(),
                        &lsm_reservoir::RecordSpec::default(),
                        seed,
                        0,
                    )?;
                    let raster = rec.spikes.ok_or_else(|| {
                        PipelineError::Runtime("regime: spikes not recorded".into())
                    })?;
                    let washout = (opts.regime_washout_ms / net.dt_ms()).round() as usize;
                    let raster = regime::after_washout(&raster, washout)?;
                    out.regime = Some(regime::spike_stats(&raster, opts.synchrony_bin_ms));
                }
                if want(Metric::Damage) {
                    out.damage = Some(regime::damage_spreading(net, &input, &opts.damage, seed)?);
                }
            }
            if want(Metric::Ranks) {
                out.ranks = Some(separation::ranks(net, &opts.probe, seed)?);
            }
            if want(Metric::Separation) {
                out.separation = Some(separation::separation(net, &opts.probe, seed)?);
            }
        }
    }
    Ok(out)
}

/// The subject of a pipeline config (JSON text; `file` names it in errors and anchors the
/// relative paths in it) and the config's seed:
/// * a time-series config (`"task"`: `mackey-glass`, `narma10`, `lorenz`, `csv`): its
///   reservoir (ESN or spiking), built for one input channel;
/// * a classification config (`"task": "spoken-digits"`, audio or spike input): its spiking
///   network, built for the input's channels and step.
///
/// # Errors
/// Invalid config (naming the file and field); a classification config whose reservoir is an
/// ESN (analyse it through a time-series config) or that has no reservoir.
pub fn subject_from_config(
    text: &str,
    file: &std::path::Path,
) -> Result<(Subject, u64), PipelineError> {
    let v = lsm_core::json::parse_object(text.as_bytes(), &file.display().to_string())
        .map_err(|e| crate::io::strict_err(file, e))?;
    crate::io::require_nonempty_config(file, &v)?;
    let task = v.get("task").and_then(serde_json::Value::as_str);
    if !matches!(task, Some(t) if t != "spoken-digits") {
        let mut c: crate::DigitsConfig = crate::io::from_value(file, v)?;
        if let Some(dir) = file.parent() {
            c.resolve_paths(dir);
        }
        c.validate()?;
        if matches!(c.reservoir, crate::ReservoirChoice::Esn { .. }) || !c.features.reservoir {
            return Err(PipelineError::Config {
                field: "reservoir".into(),
                msg: format!(
                    "{}: the analyses of a classification config need its spiking network; \
                     analyse an ESN through a time-series config (lsm default-config --task \
                     mackey-glass)",
                    file.display()
                ),
            });
        }
        // The network as generated: no training data to calibrate an automatic input drive on.
        let built = crate::digits::build_reservoir(&c, None, None, &crate::NoProgress)?;
        let spec = built
            .network
            .ok_or_else(|| PipelineError::Runtime("no network built".into()))?;
        return Ok((
            Subject::Network(Box::new(Network::from_spec(&spec)?)),
            c.seed,
        ));
    }
    let c = crate::timeseries::TsConfig::from_json_str(text, &file.display().to_string())?;
    let res = Reservoir::build(&c.reservoir, 1, c.seed)?;
    Ok((Subject::Series(Box::new(res)), c.seed))
}

#[cfg(test)]
mod tests;
