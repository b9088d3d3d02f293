//! What a spiking reservoir separates and what it generalises over, on random spike inputs.
//!
//! # Probe inputs
//! Random Poisson spike templates over the network's input channels (`rate_hz`, `duration_ms`;
//! [`lsm_datasets::spike_patterns`] with the analysis seed), on the network's time step. A
//! jittered copy moves every spike by Gaussian noise of standard deviation σ. The state of the
//! liquid for an input is the vector of its neurons' filtered spike trains (exponential
//! filter, τ = `trace_tau_ms`) at the end of the input.
//!
//! # Kernel quality and generalization rank (Legenstein & Maass 2007)
//! * Kernel quality: the rank of the `m × N` matrix of the states for `m` different
//!   templates: how many input classes a linear readout can tell apart (large is good).
//! * Generalization rank: the same rank for `m` jittered copies (σ = `jitter_ms`) of one
//!   template: how much the liquid blows up noise (small is good).
//!
//! The rank counts singular values above `rank_tol × σ_max` (default 0.01: directions
//! carrying less than 1 % of the largest do not count; the numerical rank with machine
//! tolerance would count noise). A good liquid maximises kernel quality − generalization
//! rank (Legenstein & Maass's criterion of the edge of chaos).
//!
//! # Separation curve (Maass, Natschläger & Markram 2002)
//! For pairs of inputs at increasing input distance (a template and its jittered copies at
//! each σ of `jitters_ms`, and pairs of different templates), the input distance is the
//! distance of the two spike trains convolved with a Gaussian of 5 ms, `‖(u − v) * g‖ / T`
//! summed over channels (Maass et al.'s measure), and the state distance is the Euclidean
//! distance of the two liquids' filtered traces over time, divided by √N.

use super::linear::numerical_rank;
use crate::PipelineError;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_datasets::spike_patterns::SpikePatternConfig;
use lsm_reservoir::{Drive, Network, RecordSpec, TraceSamples, TraceSpec};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The probe inputs and the state read-out (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeOptions {
    /// Poisson rate of every input channel, Hz. Default 20.
    pub rate_hz: Real,
    /// Length of an input, ms. Default 200.
    pub duration_ms: Real,
    /// Filter time constant of the state traces, ms. Default 30.
    pub trace_tau_ms: Real,
    /// Inputs per rank (`m`). Default 100.
    pub n_inputs: usize,
    /// Jitter σ of the generalization rank, ms. Default 4.
    pub jitter_ms: Real,
    /// Relative singular-value threshold of the ranks. Default 0.01.
    pub rank_tol: Real,
    /// The σ values of the separation curve, ms. Default 0, 1, 2, 4, 8, 16.
    pub jitters_ms: Vec<Real>,
    /// Pairs per point of the separation curve. Default 10.
    pub n_pairs: usize,
    /// Sampling interval of the state distance, ms. Default 10.
    pub sample_ms: Real,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            rate_hz: 20.0,
            duration_ms: 200.0,
            trace_tau_ms: 30.0,
            n_inputs: 100,
            jitter_ms: 4.0,
            rank_tol: 0.01,
            jitters_ms: vec![0.0, 1.0, 2.0, 4.0, 8.0, 16.0],
            n_pairs: 10,
            sample_ms: 10.0,
        }
    }
}

fn bad(field: &str, msg: impl Into<String>) -> PipelineError {
    PipelineError::Config {
        field: format!("probe.{field}"),
        msg: msg.into(),
    }
}

impl ProbeOptions {
    /// The template generator for `net` (its inputs and step) with `n_templates` templates.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn patterns(
        &self,
        net: &Network,
        n_templates: usize,
        jitter_ms: Real,
    ) -> Result<SpikePatternConfig, PipelineError> {
        if !(self.trace_tau_ms.is_finite() && self.trace_tau_ms > 0.0) {
            return Err(bad("trace_tau_ms", "expected a finite time > 0"));
        }
        if !(self.rank_tol.is_finite() && self.rank_tol > 0.0 && self.rank_tol < 1.0) {
            return Err(bad("rank_tol", "expected a fraction in (0, 1)"));
        }
        if self.n_inputs < 2 {
            return Err(bad("n_inputs", "expected at least 2 inputs"));
        }
        if net.n_inputs() == 0 {
            return Err(bad("network", "the network has no input channels"));
        }
        let cfg = SpikePatternConfig {
            n_templates,
            n_channels: net.n_inputs(),
            duration_ms: self.duration_ms,
            rate_hz: self.rate_hz,
            jitter_ms,
            dt_ms: net.dt_ms(),
            n_train: 1,
            n_test: 0,
            ..SpikePatternConfig::default()
        };
        cfg.check().map_err(|e| bad("duration_ms", e.to_string()))?;
        Ok(cfg)
    }
}

/// Filtered traces of `net` for `input`, sampled at `steps` (or only the last step).
fn traces(
    net: &Network,
    input: &SpikeTrains,
    tau_ms: Real,
    steps: Option<Vec<usize>>,
    seed: u64,
) -> Result<Array2<Real>, PipelineError> {
    let spec = RecordSpec {
        spikes: false,
        traces: Some(TraceSpec {
            tau_ms,
            samples: steps.map_or(TraceSamples::None, TraceSamples::Steps),
            mean: false,
            last: true,
        }),
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(input), input.n_steps(), &spec, seed, 0)?;
    match (rec.traces, rec.trace_last) {
        (Some(t), _) => Ok(t),
        (None, Some(last)) => Ok(last.insert_axis(ndarray::Axis(0))),
        _ => Err(PipelineError::Runtime("traces not recorded".into())),
    }
}

/// Kernel quality and generalization rank.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranks {
    /// Rank of the states of `m` different templates.
    pub kernel_quality: usize,
    /// Rank of the states of `m` jittered copies of one template.
    pub generalization_rank: usize,
    /// `m`.
    pub n_inputs: usize,
    /// Neurons (the largest possible rank with `m`).
    pub n_neurons: usize,
}

/// Kernel quality and generalization rank of `net` (see the module docs). The states are
/// computed in parallel; the result does not depend on the number of threads.
///
/// # Errors
/// Bad options; simulator errors.
pub fn ranks(net: &Network, opts: &ProbeOptions, seed: u64) -> Result<Ranks, PipelineError> {
    let m = opts.n_inputs;
    let diff = opts.patterns(net, m, 0.0)?;
    let templates = diff.templates(seed)?;
    let same = opts.patterns(net, 1, opts.jitter_ms)?;
    let states = |inputs: Vec<SpikeTrains>| -> Result<Array2<Real>, PipelineError> {
        let rows: Vec<Array2<Real>> = inputs
            .par_iter()
            .map(|s| traces(net, s, opts.trace_tau_ms, None, seed))
            .collect::<Result<_, _>>()?;
        let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
        ndarray::concatenate(ndarray::Axis(0), &views)
            .map_err(|e| PipelineError::Runtime(e.to_string()))
    };
    let mut rng0 = rng_for(seed, stream::ANALYSIS);
    let distinct: Vec<SpikeTrains> = templates
        .iter()
        .map(|t| diff.jittered(t, &mut rng0))
        .collect();
    let jittered: Vec<SpikeTrains> = (0..m)
        .map(|i| {
            let mut rng = rng_for(seed, stream::ANALYSIS + 1 + i as u64);
            same.jittered(&templates[0], &mut rng)
        })
        .collect();
    let kq = numerical_rank(states(distinct)?.view(), Some(opts.rank_tol))?;
    let gr = numerical_rank(states(jittered)?.view(), Some(opts.rank_tol))?;
    Ok(Ranks {
        kernel_quality: kq,
        generalization_rank: gr,
        n_inputs: m,
        n_neurons: net.n_neurons(),
    })
}

/// One point of the separation curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeparationPoint {
    /// `"jitter σ ms"` or `"different templates"`.
    pub label: String,
    /// Mean input distance of the pairs.
    pub input_distance: Real,
    /// Mean state distance over the pairs at each sample time.
    pub state_distance: Vec<Real>,
}

/// The separation curve (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    /// Sample times, ms.
    pub t_ms: Vec<Real>,
    /// One point per σ, then different templates.
    pub points: Vec<SeparationPoint>,
}

/// Input distance of two trains: Gaussian-filtered (σ = 5 ms) difference, L2 over time
/// and channels, divided by the duration (Maass et al. 2002).
pub fn input_distance(a: &SpikeTrains, b: &SpikeTrains) -> Real {
    let dt = a.dt_ms();
    let n = a.n_steps().max(b.n_steps());
    let sigma = 5.0 / dt;
    let half = (4.0 * sigma).ceil() as isize;
    let kernel: Vec<Real> = (-half..=half)
        .map(|k| (-(k as Real).powi(2) / (2.0 * sigma * sigma)).exp())
        .collect();
    let nc = a.n_channels();
    let mut diff = vec![0.0; n * nc];
    for (s, c) in a.iter() {
        diff[c as usize * n + s] += 1.0;
    }
    for (s, c) in b.iter() {
        diff[c as usize * n + s] -= 1.0;
    }
    let mut total = 0.0;
    for c in 0..nc {
        let row = &diff[c * n..(c + 1) * n];
        if row.iter().all(|&v| v == 0.0) {
            continue;
        }
        for t in 0..n as isize {
            let mut v = 0.0;
            for (j, w) in kernel.iter().enumerate() {
                let src = t + j as isize - half;
                if src >= 0 && (src as usize) < n {
                    v += w * row[src as usize];
                }
            }
            total += v * v * dt;
        }
    }
    total.sqrt() / (n as Real * dt)
}

/// The separation curve of `net` (see the module docs). Runs the pairs in parallel; the
/// result does not depend on the number of threads.
///
/// # Errors
/// Bad options; simulator errors.
pub fn separation(
    net: &Network,
    opts: &ProbeOptions,
    seed: u64,
) -> Result<Separation, PipelineError> {
    if opts.n_pairs == 0 {
        return Err(bad("n_pairs", "expected at least 1 pair"));
    }
    let every = (opts.sample_ms / net.dt_ms()).round();
    if !(every.is_finite() && every >= 1.0) {
        return Err(bad("sample_ms", "expected at least one simulation step"));
    }
    let base = opts.patterns(net, 2 * opts.n_pairs, 0.0)?;
    let templates = base.templates(seed.wrapping_add(1))?;
    let n_steps = base.n_steps();
    let steps: Vec<usize> = (1..)
        .map(|k| k * every as usize - 1)
        .take_while(|&s| s < n_steps)
        .collect();
    // (label, pairs of inputs)
    let mut groups: Vec<(String, Vec<(SpikeTrains, SpikeTrains)>)> = Vec::new();
    let mut rng_id = 0u64;
    for &sigma in &opts.jitters_ms {
        let cfg = opts.patterns(net, 1, sigma)?;
        let pairs = (0..opts.n_pairs)
            .map(|p| {
                rng_id += 2;
                let mut r1 = rng_for(seed, stream::ANALYSIS + 1_000_000 + rng_id);
                let mut r2 = rng_for(seed, stream::ANALYSIS + 1_000_001 + rng_id);
                (
                    base.jittered(&templates[p], &mut r1),
                    cfg.jittered(&templates[p], &mut r2),
                )
            })
            .collect();
        groups.push((format!("jitter {sigma} ms"), pairs));
    }
    let mut r = rng_for(seed, stream::ANALYSIS + 999_999);
    let different = (0..opts.n_pairs)
        .map(|p| {
            (
                base.jittered(&templates[p], &mut r),
                base.jittered(&templates[opts.n_pairs + p], &mut r),
            )
        })
        .collect();
    groups.push(("different templates".into(), different));
    let mut points = Vec::new();
    for (label, pairs) in groups {
        let per_pair: Vec<(Real, Vec<Real>)> = pairs
            .par_iter()
            .map(|(a, b)| {
                let ta = traces(net, a, opts.trace_tau_ms, Some(steps.clone()), seed)?;
                let tb = traces(net, b, opts.trace_tau_ms, Some(steps.clone()), seed)?;
                let d = super::linear::row_distances(ta.view(), tb.view());
                Ok((input_distance(a, b), d))
            })
            .collect::<Result<_, PipelineError>>()?;
        let k = per_pair.len() as Real;
        let mut state = vec![0.0; steps.len()];
        for (_, d) in &per_pair {
            for (s, v) in state.iter_mut().zip(d) {
                *s += v / k;
            }
        }
        points.push(SeparationPoint {
            label,
            input_distance: per_pair.iter().map(|p| p.0).sum::<Real>() / k,
            state_distance: state,
        });
    }
    Ok(Separation {
        t_ms: steps
            .iter()
            .map(|&s| (s + 1) as Real * net.dt_ms())
            .collect(),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_distance_is_zero_for_equal_trains_and_grows_with_the_shift() {
        let mk = |shift: usize| {
            SpikeTrains::from_events(2, 1.0, 200, vec![(50 + shift, 0), (120, 1)]).unwrap()
        };
        assert_eq!(input_distance(&mk(0), &mk(0)), 0.0);
        let d1 = input_distance(&mk(0), &mk(2));
        let d2 = input_distance(&mk(0), &mk(10));
        let d3 = input_distance(&mk(0), &mk(40));
        assert!(0.0 < d1 && d1 < d2 && d2 < d3, "{d1} {d2} {d3}");
        // Far apart the two Gaussians no longer overlap: distance of two separate spikes,
        // sqrt(2 · ∫g²) / T with ∫g² = σ√π.
        let want = (2.0 * 5.0 * std::f64::consts::PI.sqrt()).sqrt() / 200.0;
        assert!((d3 - want).abs() / want < 0.01, "{d3} vs {want}");
    }
}
