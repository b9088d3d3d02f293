//! The dynamical regime of a reservoir: the largest Lyapunov exponent of an echo state
//! network; for spiking networks, population rate, irregularity, synchrony (which together
//! name the regimes of Brunel 2000) and damage spreading.
//!
//! # Echo state networks
//! The largest Lyapunov exponent along the trajectory driven by the input, from products of
//! the one-step Jacobians `J(t) = (1 − a)·I + a·diag(1 − x̃(t)²)·W` (with `x̃` the
//! pre-leak activation): a tangent vector `v` is multiplied by `J(t)` and renormalised every
//! step, and `λ = mean over the steps after the washout of ln ‖J(t)·v‖` (per step). `λ < 0`:
//! perturbations die out (the echo-state regime), `λ > 0`: chaos. Near the zero state
//! (small input, no bias) `λ = ln ρ((1 − a)·I + a·W)`, the log of the effective spectral
//! radius.
//!
//! # Spiking networks
//! From a raster of `N` neurons over `T` ms:
//! * rate: spikes / (N·T), Hz;
//! * irregularity: the coefficient of variation of the inter-spike intervals, averaged over
//!   the neurons with at least 3 spikes (1 for Poisson firing, 0 for clockwork);
//! * synchrony: Golomb's χ on spike counts in bins of `bin_ms`: `χ² = Var_t(mean_i c_i(t)) /
//!   mean_i Var_t(c_i(t))` (1 for identical neurons, about `1/√N` for independent ones).
//!
//! The regime is `silent` below 0.5 Hz, `saturated` above 200 Hz, otherwise synchronous
//! (χ > 0.5) or asynchronous, regular (CV < 0.5) or irregular: `SR`, `SI`, `AR`, `AI`.
//!
//! Damage spreading: the network runs twice on the same input, the second time with one
//! extra input spike (on the input channel with the largest fan-out, at `perturb_ms`); the
//! distance between the two runs' filtered spike trains (τ = `trace_tau_ms`, Euclidean
//! over neurons divided by √N) is sampled every `sample_ms`. A stable liquid forgets the
//! perturbation (distance back to 0), a chaotic one amplifies it.

use crate::PipelineError;
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::{Drive, Esn, Network, RecordSpec, TraceSamples, TraceSpec};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Below this rate (Hz) a reservoir is called silent.
pub const SILENT_HZ: Real = 0.5;
/// Above this rate (Hz) a reservoir is called saturated.
pub const SATURATED_HZ: Real = 200.0;

/// Rate, irregularity, synchrony and the regime they name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeStats {
    /// Mean rate per neuron, Hz.
    pub rate_hz: Real,
    /// Mean CV of the inter-spike intervals (`None` if no neuron has 3 spikes).
    pub cv_isi: Option<Real>,
    /// Golomb's synchrony χ (`None` if no neuron fires).
    pub synchrony: Option<Real>,
    /// Neurons that fired at least once.
    pub n_active: usize,
    /// `silent`, `saturated`, `SR`, `SI`, `AR` or `AI`.
    pub regime: String,
}

/// The raster from step `washout` on (steps renumbered from 0): the statistics of a driven
/// network without its start-up transient.
///
/// # Errors
/// [`PipelineError::Config`] (`regime_washout_ms`) if the washout leaves no step.
pub fn after_washout(raster: &SpikeTrains, washout: usize) -> Result<SpikeTrains, PipelineError> {
    let n_steps = raster.n_steps();
    if washout >= n_steps {
        return Err(PipelineError::Config {
            field: "regime_washout_ms".into(),
            msg: format!("a washout of {washout} steps leaves none of the {n_steps} steps"),
        });
    }
    let events = raster
        .iter()
        .filter(|&(s, _)| s >= washout)
        .map(|(s, c)| (s - washout, c as usize));
    SpikeTrains::from_events(
        raster.n_channels(),
        raster.dt_ms(),
        n_steps - washout,
        events,
    )
    .map_err(|e| PipelineError::Runtime(e.to_string()))
}

/// The statistics of a raster (neurons = channels) in bins of `bin_ms` for the synchrony.
pub fn spike_stats(raster: &SpikeTrains, bin_ms: Real) -> SpikeStats {
    let n = raster.n_channels().max(1);
    let dt = raster.dt_ms();
    let dur_ms = raster.duration_ms();
    let rate_hz = if dur_ms > 0.0 {
        raster.n_spikes() as Real / n as Real / (dur_ms / 1000.0)
    } else {
        0.0
    };
    let mut last: Vec<Option<usize>> = vec![None; raster.n_channels()];
    let mut isi: Vec<(Real, Real, usize)> = vec![(0.0, 0.0, 0); raster.n_channels()];
    let bin_steps = ((bin_ms / dt).round() as usize).max(1);
    let n_bins = raster.n_steps().div_ceil(bin_steps).max(1);
    let mut counts = vec![0.0f64; n_bins * raster.n_channels()];
    for (step, c) in raster.iter() {
        let c = c as usize;
        if let Some(p) = last[c] {
            let d = (step - p) as Real * dt;
            isi[c].0 += d;
            isi[c].1 += d * d;
            isi[c].2 += 1;
        }
        last[c] = Some(step);
        counts[(step / bin_steps) * raster.n_channels() + c] += 1.0;
    }
    let cvs: Vec<Real> = isi
        .iter()
        .filter(|s| s.2 >= 2)
        .map(|&(s, s2, k)| {
            let m = s / k as Real;
            let var = (s2 / k as Real - m * m).max(0.0);
            if m > 0.0 {
                var.sqrt() / m
            } else {
                0.0
            }
        })
        .collect();
    let cv_isi = (!cvs.is_empty()).then(|| cvs.iter().sum::<Real>() / cvs.len() as Real);
    let n_active = last.iter().filter(|l| l.is_some()).count();
    let synchrony = (n_active > 0 && n_bins > 1).then(|| {
        let nc = raster.n_channels();
        let pop: Vec<Real> = (0..n_bins)
            .map(|b| counts[b * nc..(b + 1) * nc].iter().sum::<Real>() / nc as Real)
            .collect();
        let var = |xs: &mut dyn Iterator<Item = Real>| {
            let v: Vec<Real> = xs.collect();
            let m = v.iter().sum::<Real>() / v.len() as Real;
            v.iter().map(|x| (x - m) * (x - m)).sum::<Real>() / v.len() as Real
        };
        let var_pop = var(&mut pop.iter().copied());
        let mean_var = (0..nc)
            .map(|c| var(&mut (0..n_bins).map(|b| counts[b * nc + c])))
            .sum::<Real>()
            / nc as Real;
        if mean_var > 0.0 {
            (var_pop / mean_var).sqrt()
        } else {
            0.0
        }
    });
    let regime = if rate_hz < SILENT_HZ {
        "silent".to_string()
    } else if rate_hz > SATURATED_HZ {
        "saturated".to_string()
    } else {
        let s = if synchrony.unwrap_or(0.0) > 0.5 {
            'S'
        } else {
            'A'
        };
        let r = if cv_isi.unwrap_or(0.0) < 0.5 {
            'R'
        } else {
            'I'
        };
        format!("{s}{r}")
    };
    SpikeStats {
        rate_hz,
        cv_isi,
        synchrony,
        n_active,
        regime,
    }
}

/// Options of damage spreading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DamageOptions {
    /// Time of the extra input spike, ms. Default 50.
    pub perturb_ms: Real,
    /// Trace time constant, ms. Default 30.
    pub trace_tau_ms: Real,
    /// Sampling interval of the distance, ms. Default 5.
    pub sample_ms: Real,
}

impl Default for DamageOptions {
    fn default() -> Self {
        Self {
            perturb_ms: 50.0,
            trace_tau_ms: 30.0,
            sample_ms: 5.0,
        }
    }
}

/// The distance between the perturbed and the unperturbed run over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Damage {
    /// Sample times, ms (end of each sampled step).
    pub t_ms: Vec<Real>,
    /// Distance at those times.
    pub distance: Vec<Real>,
    /// The input channel that carried the extra spike.
    pub channel: usize,
    /// Spikes of the perturbed run minus those of the unperturbed one.
    pub extra_spikes: i64,
    /// Mean distance over the last quarter of the run.
    pub final_distance: Real,
}

/// Damage spreading of `net` driven by `input` (see the module docs).
///
/// # Errors
/// [`PipelineError::Config`] for bad options or an input that does not fit the network;
/// simulator errors.
pub fn damage_spreading(
    net: &Network,
    input: &SpikeTrains,
    opts: &DamageOptions,
    seed: u64,
) -> Result<Damage, PipelineError> {
    let bad = |field: &str, msg: String| PipelineError::Config {
        field: format!("damage.{field}"),
        msg,
    };
    let dt = net.dt_ms();
    let n_steps = input.n_steps();
    let step = (opts.perturb_ms / dt).round();
    if !(step.is_finite() && step >= 0.0 && (step as usize) < n_steps) {
        return Err(bad(
            "perturb_ms",
            format!(
                "{} ms: expected a time within the input's {} ms",
                opts.perturb_ms,
                input.duration_ms()
            ),
        ));
    }
    if !(opts.trace_tau_ms.is_finite() && opts.trace_tau_ms > 0.0) {
        return Err(bad("trace_tau_ms", "expected a finite time > 0".into()));
    }
    let every = (opts.sample_ms / dt).round();
    if !(every.is_finite() && every >= 1.0) {
        return Err(bad(
            "sample_ms",
            format!("expected at least one step ({dt} ms)"),
        ));
    }
    if net.n_inputs() == 0 {
        return Err(bad("input", "the network has no input channels".into()));
    }
    let channel = (0..net.n_inputs())
        .max_by_key(|&c| (net.input().fan_out(c), std::cmp::Reverse(c)))
        .unwrap_or(0);
    let mut events: Vec<(usize, usize)> = input.iter().map(|(s, c)| (s, c as usize)).collect();
    events.push((step as usize, channel));
    let perturbed = SpikeTrains::from_events(input.n_channels(), dt, n_steps, events)?;
    let steps: Vec<usize> = (1..)
        .map(|k| k * every as usize - 1)
        .take_while(|&s| s < n_steps)
        .collect();
    let spec = RecordSpec {
        spikes: false,
        traces: Some(TraceSpec {
            tau_ms: opts.trace_tau_ms,
            samples: TraceSamples::Steps(steps.clone()),
            mean: false,
            last: false,
        }),
        ..RecordSpec::default()
    };
    let a = net.run(Drive::Spikes(input), n_steps, &spec, seed, 0)?;
    let b = net.run(Drive::Spikes(&perturbed), n_steps, &spec, seed, 0)?;
    let (ta, tb) = match (&a.traces, &b.traces) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(PipelineError::Runtime("damage: traces not recorded".into())),
    };
    let distance = super::linear::row_distances(ta.view(), tb.view());
    let q = distance.len() - distance.len() / 4;
    let tail = &distance[q.min(distance.len().saturating_sub(1))..];
    let final_distance = if tail.is_empty() {
        0.0
    } else {
        tail.iter().sum::<Real>() / tail.len() as Real
    };
    Ok(Damage {
        t_ms: steps.iter().map(|&s| (s + 1) as Real * dt).collect(),
        distance,
        channel,
        extra_spikes: b.n_spikes as i64 - a.n_spikes as i64,
        final_distance,
    })
}

/// The largest Lyapunov exponent (per step) of `esn` along the trajectory driven by `inputs`
/// (steps × inputs) from the zero state, averaged over the steps after `washout` (see the
/// module docs). `-inf` if the tangent vector vanishes (no recurrence and no leak).
///
/// # Errors
/// [`PipelineError::Config`] if `washout` leaves no step; the reservoir's errors.
pub fn esn_lyapunov(
    esn: &Esn,
    inputs: ArrayView2<Real>,
    washout: usize,
) -> Result<Real, PipelineError> {
    if washout >= inputs.nrows() {
        return Err(PipelineError::Config {
            field: "lyapunov.washout".into(),
            msg: format!(
                "{washout}: expected fewer than the {} input steps",
                inputs.nrows()
            ),
        });
    }
    let n = esn.n_units();
    let a = esn.leak_rate();
    let sigmoid = esn.activation() == lsm_reservoir::esn::Activation::Sigmoid;
    let mut x_prev = vec![0.0; n];
    let mut v: Vec<Real> = (0..n)
        .map(|i| 1.0 + 0.5 * ((i + 1) as Real).sin())
        .collect();
    let nv = v.iter().map(|x| x * x).sum::<Real>().sqrt();
    v.iter_mut().for_each(|x| *x /= nv);
    let mut wv = vec![0.0; n];
    let (mut sum, mut count, mut dead) = (0.0, 0usize, false);
    let mut state = vec![0.0; n];
    esn.run_with(inputs, &mut state, 0.0, None, |t, x| {
        if dead {
            return;
        }
        esn.recurrent_matvec(&v, &mut wv);
        let mut norm2 = 0.0;
        for i in 0..n {
            let xt = (x[i] - (1.0 - a) * x_prev[i]) / a;
            // f'(s) from f(s): tanh' = 1 − f², sigmoid' = f·(1 − f).
            let df = if sigmoid {
                xt * (1.0 - xt)
            } else {
                1.0 - xt * xt
            };
            let jv = (1.0 - a) * v[i] + a * df * wv[i];
            wv[i] = jv;
            norm2 += jv * jv;
        }
        let norm = norm2.sqrt();
        if norm == 0.0 || !norm.is_finite() {
            dead = true;
            return;
        }
        if t >= washout {
            sum += norm.ln();
            count += 1;
        }
        for i in 0..n {
            v[i] = wv[i] / norm;
        }
        x_prev.copy_from_slice(x);
    })?;
    Ok(if dead {
        Real::NEG_INFINITY
    } else {
        sum / count.max(1) as Real
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsm_reservoir::EsnConfig;
    use ndarray::Array2;

    fn raster(n: usize, dt: Real, steps: usize, ev: Vec<(usize, usize)>) -> SpikeTrains {
        SpikeTrains::from_events(n, dt, steps, ev).unwrap()
    }

    #[test]
    fn clockwork_neurons_in_lockstep_are_synchronous_and_regular() {
        // 10 neurons all firing every 20 ms for 1 s: 50 Hz, CV 0, χ = 1.
        let ev = (0..50)
            .flat_map(|k| (0..10).map(move |c| (k * 20, c)))
            .collect();
        let s = spike_stats(&raster(10, 1.0, 1000, ev), 5.0);
        assert!((s.rate_hz - 50.0).abs() < 1e-9, "{s:?}");
        assert!(s.cv_isi.unwrap() < 1e-12);
        assert!((s.synchrony.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(s.regime, "SR");
    }

    #[test]
    fn independent_poisson_neurons_are_asynchronous_and_irregular() {
        use rand::Rng;
        let mut rng = lsm_core::rng_for(1, 99);
        let (n, steps) = (200, 20_000);
        let ev: Vec<(usize, usize)> = (0..steps)
            .flat_map(|t| (0..n).map(move |c| (t, c)))
            .filter(|_| rng.gen::<f64>() < 0.02) // 20 Hz at dt = 1 ms
            .collect();
        let s = spike_stats(&raster(n, 1.0, steps, ev), 5.0);
        assert!((s.rate_hz - 20.0).abs() < 1.0, "{s:?}");
        let cv = s.cv_isi.unwrap();
        assert!((cv - 1.0).abs() < 0.1, "CV {cv}");
        assert!(s.synchrony.unwrap() < 0.2, "{s:?}");
        assert_eq!(s.regime, "AI");
    }

    #[test]
    fn a_silent_raster_is_silent() {
        let s = spike_stats(&raster(5, 1.0, 1000, vec![(3, 1)]), 5.0);
        assert_eq!(s.regime, "silent");
        assert_eq!(s.n_active, 1);
        assert_eq!(s.cv_isi, None);
    }

    /// Near the zero state (tiny input, no bias; the network must contract, or the state
    /// leaves the zero state and tanh saturates) the exponent is the log of the effective
    /// spectral radius, with and without leak.
    #[test]
    fn lyapunov_exponent_near_rest_is_the_log_effective_spectral_radius() {
        for (rho, leak) in [(0.8, 1.0), (0.5, 1.0), (0.95, 0.3)] {
            let cfg = EsnConfig {
                n_units: 60,
                in_degree: 6,
                spectral_radius: rho,
                input_scaling: 1e-12,
                bias_scaling: 0.0,
                leak_rate: leak,
                ..EsnConfig::default()
            };
            let esn = Esn::build(&cfg, 1, 4).unwrap();
            let u = Array2::from_shape_fn((3000, 1), |(t, _)| (t as Real * 0.7).sin());
            let lam = esn_lyapunov(&esn, u.view(), 500).unwrap();
            let want = esn.effective_spectral_radius().unwrap().ln();
            assert!(
                (lam - want).abs() < 0.01,
                "rho {rho} leak {leak}: λ {lam} vs ln ρ_eff {want}"
            );
        }
    }

    #[test]
    fn strong_input_saturates_tanh_and_lowers_the_exponent() {
        let base = EsnConfig {
            n_units: 60,
            in_degree: 6,
            spectral_radius: 1.3,
            bias_scaling: 0.0,
            ..EsnConfig::default()
        };
        let u = Array2::from_shape_fn((3000, 1), |(t, _)| ((t * 7919) % 13) as Real / 6.0 - 1.0);
        let lam = |scale: Real| {
            let esn = Esn::build(
                &EsnConfig {
                    input_scaling: scale,
                    ..base.clone()
                },
                1,
                4,
            )
            .unwrap();
            esn_lyapunov(&esn, u.view(), 500).unwrap()
        };
        assert!(lam(5.0) < lam(1e-9) - 0.1, "{} vs {}", lam(5.0), lam(1e-9));
    }

    #[test]
    fn the_washout_drops_the_first_steps_and_renumbers_the_rest() {
        let r = raster(3, 0.5, 10, vec![(0, 0), (3, 1), (4, 2), (9, 0)]);
        let w = after_washout(&r, 4).unwrap();
        assert_eq!((w.n_channels(), w.n_steps(), w.dt_ms()), (3, 6, 0.5));
        assert_eq!(w.iter().collect::<Vec<_>>(), vec![(0, 2), (5, 0)]);
        assert_eq!(after_washout(&r, 0).unwrap(), r);
        let e = after_washout(&r, 10).unwrap_err().to_string();
        assert!(e.contains("regime_washout_ms"), "{e}");
    }
}
