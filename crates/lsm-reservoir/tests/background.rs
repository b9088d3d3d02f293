//! The Poisson background drive (`neuron.background`): the per-step source counts are
//! `Binomial(n_sources, rate · dt)`, a leaky membrane driven by them has the moments of the
//! exact discrete shot-noise process (Campbell's theorem as `dt → 0`), the draws are
//! reproducible from the seed and independent of how a run is cut up or spread over threads,
//! and bad fields are refused by name.

mod common;

use lsm_core::Real;
use lsm_reservoir::{
    run_batch_items, Background, Drive, Network, NetworkSpec, NeuronSpec, RecordSpec, SynapseKind,
};

/// `n` neurons with delta synapses, no rest drive, a threshold out of reach and the given
/// background; `leaky: false` makes the membrane a pure counter of the jumps.
fn net(n: usize, dt: Real, leaky: bool, bg: Background) -> NetworkSpec {
    let neuron = NeuronSpec {
        background: Some(bg),
        ..common::jump_counter(leaky)
    };
    NetworkSpec::new(dt, n, 0, neuron)
}

/// The recorded membranes (`n_steps × n`, each row at the start of its step).
fn membranes(spec: &NetworkSpec, n_steps: usize, seed: u64) -> ndarray::Array2<Real> {
    let rec = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    Network::from_spec(spec)
        .unwrap()
        .run(Drive::None, n_steps, &rec, seed, 0)
        .unwrap()
        .v
        .unwrap()
}

fn mean_var(x: &[Real]) -> (Real, Real) {
    let m = x.iter().sum::<Real>() / x.len() as Real;
    let v = x.iter().map(|y| (y - m).powi(2)).sum::<Real>() / (x.len() - 1) as Real;
    (m, v)
}

/// The per-step counts of a non-leaky counter with weight 1: the membrane's increments.
fn counts(bg: Background, n_steps: usize) -> Vec<Real> {
    let v = membranes(&net(1, 0.1, false, bg), n_steps, 3);
    let col = v.column(0);
    col.windows(2).into_iter().map(|w| w[1] - w[0]).collect()
}

#[test]
fn the_counts_per_step_are_binomial() {
    // n p = 5 (the inversion sampler) and n p = 50 (BTPE), p = rate · dt = 0.1 and 0.05.
    for (n_sources, rate_hz) in [(50u64, 1000.0), (1000, 500.0)] {
        let bg = Background {
            n_sources,
            rate_hz,
            weight: 1.0,
        };
        let k = counts(bg, 200_001);
        assert!(k.iter().all(|&x| x >= 0.0 && x.fract() == 0.0));
        let p = bg.p_per_step(0.1);
        let (np, npq) = (n_sources as Real * p, n_sources as Real * p * (1.0 - p));
        let (m, v) = mean_var(&k);
        // Standard errors over 200,000 steps: sqrt(npq / N) for the mean, about
        // npq sqrt(2 / N) for the variance; the bounds are 5 of them.
        let n = k.len() as Real;
        assert!(
            (m - np).abs() < 5.0 * (npq / n).sqrt(),
            "{n_sources}: mean {m}, want {np}"
        );
        assert!(
            (v - npq).abs() < 5.0 * npq * (2.0 / n).sqrt(),
            "{n_sources}: variance {v}, want {npq}"
        );
        // Lag-1 autocorrelation: independent steps.
        let c = k.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<Real>() / (n - 1.0) / v;
        assert!(
            c.abs() < 5.0 / n.sqrt(),
            "{n_sources}: lag-1 correlation {c}"
        );
    }
}

#[test]
fn a_leaky_membrane_has_the_moments_of_the_shot_noise() {
    // Brunel's external drive: 800 sources at 10 Hz, J = 0.1 mV, tau_m = 20 ms, dt = 0.1 ms.
    // The exact discrete process is v ← P v + J k with P = exp(−dt/τ), k ~ Binomial(n, p):
    // stationary mean J n p / (1 − P), variance J² n p (1 − p) / (1 − P²). As dt → 0 these
    // are Campbell's J n ν τ = 16 mV and J² n ν τ / 2 = 0.8 mV².
    let (n_sources, rate_hz, j, tau, dt) = (800u64, 10.0, 0.1, 20.0, 0.1);
    let bg = Background {
        n_sources,
        rate_hz,
        weight: j,
    };
    let (n, n_steps, skip) = (20, 100_000, 2_000);
    let v = membranes(&net(n, dt, true, bg), n_steps, 11);
    let x: Vec<Real> = v.slice(ndarray::s![skip.., ..]).iter().copied().collect();
    let (m, var) = mean_var(&x);
    let p = bg.p_per_step(dt);
    let pp: Real = (-dt / tau).exp();
    let m_want = j * n_sources as Real * p / (1.0 - pp);
    let var_want = j * j * n_sources as Real * p * (1.0 - p) / (1.0 - pp * pp);
    assert!((m_want - 16.0).abs() < 0.05 && (var_want - 0.8).abs() < 0.01);
    // About 20 x 98,000 x (1 − P) / (1 + P) = 4,900 independent values: standard errors
    // 0.013 mV (mean) and 2 % (variance); the bounds are about 5 of them.
    assert!((m - m_want).abs() < 0.07, "mean {m} mV, want {m_want}");
    assert!(
        (var / var_want - 1.0).abs() < 0.1,
        "variance {var} mV², want {var_want}"
    );
}

#[test]
fn the_draws_follow_the_seed_and_not_the_way_the_run_is_cut() {
    let bg = Background {
        n_sources: 100,
        rate_hz: 40.0,
        weight: 0.7,
    };
    let mut spec = net(30, 0.1, true, bg);
    spec.neuron.v_th_mv = 1.0.into();
    spec.neuron.t_ref_ms = 1.0.into();
    let n = Network::from_spec(&spec).unwrap();
    let rec = RecordSpec::default();
    let run = |seed: u64, id: u64| {
        let r = n.run(Drive::None, 3000, &rec, seed, id).unwrap();
        r.spikes.unwrap()
    };
    let a = run(5, 0);
    assert!(a.n_spikes() > 100, "{} spikes", a.n_spikes());
    assert_eq!(a, run(5, 0));
    assert_ne!(a, run(6, 0));
    assert_ne!(a, run(5, 1));
    // A batch (sample i draws from SIM_BACKGROUND + i) gives the same, whatever the threads.
    let items = [(0, Drive::None, 3000), (1, Drive::None, 3000)];
    let b = run_batch_items(&n, &items, &rec, 5).unwrap();
    assert_eq!(b[0].spikes.as_ref().unwrap(), &a);
    assert_eq!(b[1].spikes.as_ref().unwrap(), &run(5, 1));
    // A stepper advanced in chunks gives the spikes of the whole run.
    let mut st = n.stepper(5, 0);
    let mut out = Default::default();
    let mut steps = Vec::new();
    for _ in 0..3 {
        n.advance(&mut st, Drive::None, 1000, &rec, &mut out)
            .unwrap();
        let t0 = st.steps() - 1000;
        steps.extend(
            out.spikes
                .as_ref()
                .unwrap()
                .iter()
                .map(|(s, i)| (s + t0, i)),
        );
    }
    assert_eq!(steps, a.iter().collect::<Vec<_>>());
}

#[test]
fn a_negative_weight_inhibits_through_every_synapse_kind() {
    for synapse in [SynapseKind::Delta, SynapseKind::ExpCurrent] {
        let bg = Background {
            n_sources: 100,
            rate_hz: 50.0,
            weight: -0.5,
        };
        let mut spec = net(1, 0.1, true, bg);
        if synapse == SynapseKind::ExpCurrent {
            spec.neuron.synapse = synapse;
            spec.neuron.tau_syn_exc_ms = Some(5.0.into());
            spec.neuron.tau_syn_inh_ms = Some(10.0.into());
        }
        let v = membranes(&spec, 5000, 1);
        let m = v.iter().skip(1000).sum::<Real>() / 4000.0;
        assert!(m < -1.0, "{synapse:?}: mean {m} mV");
    }
}

#[test]
fn bad_background_fields_are_refused_by_name() {
    let good = Background {
        n_sources: 10,
        rate_hz: 5.0,
        weight: 0.1,
    };
    for (bg, field, says) in [
        (
            Background {
                n_sources: 0,
                ..good
            },
            "neuron.background.n_sources",
            "1..=",
        ),
        (
            Background {
                n_sources: u64::MAX,
                ..good
            },
            "neuron.background.n_sources",
            "10000000",
        ),
        (
            Background {
                rate_hz: Real::NAN,
                ..good
            },
            "neuron.background.rate_hz",
            ">= 0 Hz",
        ),
        (
            Background {
                rate_hz: 20_000.0,
                ..good
            },
            "neuron.background.rate_hz",
            "at most 1",
        ),
        (
            Background {
                weight: Real::INFINITY,
                ..good
            },
            "neuron.background.weight",
            "finite",
        ),
    ] {
        let e = net(2, 0.1, true, bg).validate().unwrap_err().to_string();
        assert!(e.contains(field) && e.contains(says), "{e}");
    }
    // In a file: parsed, written back, and an unknown field named.
    let spec = net(2, 0.1, true, good);
    let text = spec.to_json_string();
    assert!(text.contains(r#""background":{"n_sources":10"#), "{text}");
    assert_eq!(NetworkSpec::from_json_str(&text, "a.json").unwrap(), spec);
    let bad = text.replace(r#""weight":0.1}"#, r#""weight":0.1,"rate":1}"#);
    let e = NetworkSpec::from_json_str(&bad, "a.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a.json") && e.contains("rate"), "{e}");
}
