//! The analyses on real lsm reservoirs: bounds that must hold, orderings that must appear,
//! and determinism.

use super::*;
use lsm_reservoir::{EsnConfig, GeneratorConfig, PairScale, ReservoirConfig};

fn esn(n: usize, rho: Real, scaling: Real) -> Subject {
    let cfg = ReservoirConfig::Esn(EsnConfig {
        n_units: n,
        in_degree: 5,
        spectral_radius: rho,
        input_scaling: scaling,
        bias_scaling: 0.0,
        ..EsnConfig::default()
    });
    Subject::Series(Box::new(Reservoir::build(&cfg, 1, 3).unwrap()))
}

fn only(metrics: &[Metric]) -> AnalysisOptions {
    AnalysisOptions {
        metrics: metrics.to_vec(),
        ..AnalysisOptions::default()
    }
}

#[test]
fn esn_memory_is_positive_bounded_by_n_and_reproducible() {
    let mut opts = only(&[Metric::Memory]);
    opts.memory.k_max = 80;
    opts.memory.n_steps = Some(4000);
    let n = 40;
    let a = analyze(&esn(n, 0.9, 0.1), &opts, 5).unwrap();
    let mc = a.memory.as_ref().unwrap();
    assert!(mc.total > 5.0 && mc.total <= n as Real, "MC = {}", mc.total);
    // Memory fades: the first delays are remembered better than the last.
    assert!(
        mc.per_delay[0] > 0.9 && mc.per_delay[79] < 0.1,
        "{:?}",
        mc.per_delay
    );
    assert_eq!(analyze(&esn(n, 0.9, 0.1), &opts, 5).unwrap(), a);
    // A network without recurrence remembers nothing beyond what its input weights carry.
    let b = analyze(&esn(n, 0.0, 0.1), &opts, 5).unwrap();
    assert!(b.memory.unwrap().total < 1.0, "no recurrence");
}

#[test]
fn tanh_esn_capacity_is_bounded_by_the_rank_and_turns_nonlinear_with_strong_input() {
    let mut opts = only(&[Metric::Ipc]);
    opts.ipc.n_steps = 5000;
    opts.ipc.max_delay = vec![100, 12, 6];
    opts.ipc.washout = 100;
    let n = 30;
    let weak = analyze(&esn(n, 0.9, 0.05), &opts, 1).unwrap().ipc.unwrap();
    let strong = analyze(&esn(n, 0.9, 2.0), &opts, 1).unwrap().ipc.unwrap();
    for r in [&weak, &strong] {
        assert!(r.total <= r.rank as Real + 1e-6, "{} > {}", r.total, r.rank);
    }
    // Weak input, tanh nearly linear: most of the capacity at degree 1, none at the even
    // degree 2 (tanh is odd and there is no bias). Without noise even small cubic terms are
    // read out exactly from the state's weak directions, so degree 3 is not zero.
    let nonlinear = |r: &Ipc| r.by_degree[1].total + r.by_degree[2].total;
    assert!(weak.by_degree[0].total > 0.6 * n as Real, "{weak:?}");
    assert!(weak.by_degree[1].total < 0.2, "{weak:?}");
    // Saturating: capacity moves from degree 1 to degree 3.
    assert!(nonlinear(&strong) > nonlinear(&weak) + 1.0, "{strong:?}");
    assert!(strong.by_degree[0].total < weak.by_degree[0].total - 1.0);
    assert!(strong.by_degree[1].total < 0.2, "{strong:?}");
}

#[test]
fn the_lyapunov_exponent_follows_the_spectral_radius() {
    let opts = only(&[Metric::Lyapunov]);
    let lam = |rho| {
        let a = analyze(&esn(50, rho, 0.01), &opts, 2).unwrap();
        (a.lyapunov.unwrap(), a.effective_spectral_radius.unwrap())
    };
    let (l1, r1) = lam(0.5);
    let (l2, r2) = lam(1.5);
    assert!(l1 < 0.0 && l2 > 0.0, "{l1} {l2}");
    assert!((r1 - 0.5).abs() < 1e-9 && (r2 - 1.5).abs() < 1e-9);
}

fn network(n: usize, input_scale: Real, rec: Real) -> Subject {
    let cfg = GeneratorConfig {
        n_neurons: Some(n),
        dt_ms: 0.5,
        weight_scale: PairScale {
            ee: 3.0 * rec,
            ei: 6.0 * rec,
            ie: 1.9 * rec,
            ii: 1.9 * rec,
        },
        input: lsm_reservoir::InputConfig {
            fraction: 0.3,
            scale_exc: input_scale,
            scale_inh: input_scale,
            ..lsm_reservoir::InputConfig::default()
        },
        ..GeneratorConfig::default()
    };
    let spec = cfg.generate(10, 7).unwrap();
    Subject::Network(Box::new(Network::from_spec(&spec).unwrap()))
}

fn probe(opts: &mut AnalysisOptions) {
    opts.probe.n_inputs = 30;
    opts.probe.n_pairs = 4;
    opts.probe.jitters_ms = vec![0.0, 4.0, 16.0];
    opts.regime_ms = 400.0;
}

#[test]
fn a_driven_liquid_separates_templates_better_than_jittered_copies() {
    let mut opts = only(&[Metric::Ranks, Metric::Separation, Metric::Regime]);
    probe(&mut opts);
    let a = analyze(&network(150, 30.0, 1.0), &opts, 4).unwrap();
    let r = a.ranks.as_ref().unwrap();
    assert!(r.kernel_quality > r.generalization_rank, "{r:?}");
    assert!(r.kernel_quality <= r.n_inputs.min(r.n_neurons));
    let s = a.separation.as_ref().unwrap();
    // Identical inputs give identical states; the state distance at the end of the input
    // grows with the input distance (jitter 0 < 16 ms < different templates).
    let end = |i: usize| *s.points[i].state_distance.last().unwrap();
    assert_eq!(s.points[0].input_distance, 0.0);
    assert_eq!(end(0), 0.0);
    assert!(end(1) < end(2) && end(2) < end(3), "{s:?}");
    assert!(s.points[1].input_distance < s.points[3].input_distance);
    let reg = a.regime.as_ref().unwrap();
    assert!(reg.rate_hz > 0.5, "{reg:?}");
    // Same seed, same figures, whatever the pool size.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| analyze(&network(150, 30.0, 1.0), &opts, 4).unwrap());
    assert_eq!(a, b);
}

#[test]
fn a_silent_liquid_is_called_silent_and_separates_nothing() {
    let mut opts = only(&[Metric::Ranks, Metric::Regime]);
    probe(&mut opts);
    let a = analyze(&network(100, 0.0, 1.0), &opts, 4).unwrap();
    assert_eq!(a.regime.as_ref().unwrap().regime, "silent");
    assert_eq!(a.ranks.as_ref().unwrap().kernel_quality, 0);
}

#[test]
fn without_recurrence_the_damage_of_one_extra_spike_dies_out() {
    let mut opts = only(&[Metric::Damage]);
    probe(&mut opts);
    opts.regime_ms = 600.0;
    let a = analyze(&network(100, 60.0, 0.0), &opts, 4).unwrap();
    let d = a.damage.unwrap();
    let peak = d.distance.iter().cloned().fold(0.0, Real::max);
    assert!(peak > 0.0, "the extra spike changed nothing: {d:?}");
    assert!(d.final_distance < 1e-3 * peak, "{d:?}");
    assert!(d.extra_spikes >= 1);
}
