//! STDP: the pair rule against its closed form, the bounds, which synapses learn, causal
//! learning over repeated pairings, determinism, and a zero-amplitude run equal to a frozen one;
//! the triplet rule (Pfister & Gerstner 2006) against its closed form on one pre and two post
//! spikes, as the pair rule when its triplet amplitudes are 0, and its frequency dependence.

mod common;

use common::{delta_trio, generated};
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::{
    excitatory_mask, train_stdp, Drive, Network, NetworkSpec, RecordSpec, Stdp, StdpConfig,
    StdpModel, StdpRule,
};

const DT: Real = 1.0;

/// Three neurons with delta synapses (threshold 1 mV, no bias): 0 ⇄ 1 excitatory with weight
/// `w`, 2 → 1 inhibitory; input channel c drives neuron c with 5 mV (a spike one step later).
fn trio(w01: Real, w10: Real) -> NetworkSpec {
    delta_trio(DT, &[0, 1, 2], &[1, 0, 1], &[w01, w10, -0.01])
}

/// Input spikes `(step, channel)`, run with STDP; returns the spike steps of neurons 0 and 1
/// and the learned weights 0→1, 1→0, 2→1 (in the network file's order).
fn run_pairs(
    spec: &NetworkSpec,
    cfg: &StdpConfig,
    events: &[(usize, usize)],
    n_steps: usize,
) -> (Vec<usize>, Vec<usize>, Vec<Real>) {
    let net = Network::from_spec(spec).unwrap();
    let input = SpikeTrains::from_events(3, DT, n_steps, events.iter().copied()).unwrap();
    let mut stdp = Stdp::new(&net, cfg, None).unwrap();
    let mut ws = net.workspace();
    let mut out = Default::default();
    net.run_plastic_into(
        Drive::Spikes(&input),
        n_steps,
        &RecordSpec::default(),
        1,
        0,
        &mut ws,
        &mut out,
        &mut stdp,
    )
    .unwrap();
    let sp = out.spikes.as_ref().unwrap();
    let steps_of = |c: u32| -> Vec<usize> {
        (0..n_steps)
            .filter(|&t| sp.at(t).contains(&c))
            .collect::<Vec<_>>()
    };
    let learned = stdp.to_spec(&net, 1).unwrap();
    (steps_of(0), steps_of(1), learned.recurrent.weight.clone())
}

fn cfg(rule: StdpRule) -> StdpConfig {
    StdpConfig {
        tau_plus_ms: 15.0,
        tau_minus_ms: 25.0,
        a_plus: 0.1,
        a_minus: 0.08,
        w_max_rel: 2.0,
        rule,
        ..StdpConfig::default()
    }
}

#[test]
fn pair_rule_matches_the_stdp_window() {
    let (w0, w1) = (0.01, 0.02); // far below threshold: the recurrent synapses cause no spikes
    for rule in [StdpRule::Additive, StdpRule::Multiplicative] {
        let c = cfg(rule);
        for k in [0usize, 1, 3, 7, 20] {
            // Neuron 0 before neuron 1 by k steps.
            let (s0, s1, w) = run_pairs(&trio(w0, w1), &c, &[(10, 0), (10 + k, 1)], 60);
            assert_eq!((s0.len(), s1.len()), (1, 1), "k = {k}: one spike each");
            let lag = (s1[0] - s0[0]) as i32;
            assert_eq!(lag, k as i32);
            let dp = (-(lag as Real) * DT / c.tau_plus_ms).exp();
            let dm = (-(lag as Real) * DT / c.tau_minus_ms).exp();
            let (m0, m1) = (2.0 * w0, 2.0 * w1);
            let (exp01, exp10) = match rule {
                // 0→1: pre before post, potentiation. 1→0: its pre (1) after its post (0),
                // depression; at lag 0 both count as pre before post: both potentiate.
                StdpRule::Additive => (
                    w0 + c.a_plus * m0 * dp,
                    if lag == 0 {
                        w1 + c.a_plus * m1
                    } else {
                        w1 - c.a_minus * m1 * dm
                    },
                ),
                StdpRule::Multiplicative => (
                    w0 + c.a_plus * (m0 - w0) * dp,
                    if lag == 0 {
                        w1 + c.a_plus * (m1 - w1)
                    } else {
                        w1 - c.a_minus * w1 * dm
                    },
                ),
            };
            assert!(
                (w[0] - exp01).abs() < 1e-15,
                "{rule:?} k={k}: 0→1 {} vs {exp01}",
                w[0]
            );
            assert!(
                (w[1] - exp10).abs() < 1e-15,
                "{rule:?} k={k}: 1→0 {} vs {exp10}",
                w[1]
            );
            assert_eq!(w[2], -0.01, "inhibitory synapses are not plastic");
        }
    }
}

#[test]
fn additive_weights_stay_within_their_bounds() {
    let c = StdpConfig {
        a_plus: 5.0,
        a_minus: 5.0,
        ..cfg(StdpRule::Additive)
    };
    let (_, _, w) = run_pairs(&trio(0.01, 0.02), &c, &[(10, 0), (12, 1)], 40);
    assert_eq!(w[0], 0.02, "potentiation clipped at w_max = 2 w0");
    assert_eq!(w[1], 0.0, "depression clipped at 0");
}

#[test]
fn repeated_causal_pairings_strengthen_the_causal_synapse_and_weaken_the_reverse_one() {
    // 0 → 1 strong enough that 1 fires two steps after 0 (delay 1 step, then threshold).
    let spec = trio(2.0, 0.1);
    let c = StdpConfig {
        a_plus: 0.05,
        a_minus: 0.05,
        ..cfg(StdpRule::Additive)
    };
    let events: Vec<(usize, usize)> = (0..20).map(|p| (10 + 50 * p, 0)).collect();
    let (s0, s1, w) = run_pairs(&spec, &c, &events, 1010);
    assert_eq!(s0.len(), 20);
    assert_eq!(s1.len(), 20, "every spike of 0 makes 1 fire");
    assert!(s0.iter().zip(&s1).all(|(a, b)| b - a == 2));
    assert_eq!(w[0], 4.0, "causal synapse potentiated to its bound");
    assert_eq!(w[1], 0.0, "anti-causal synapse depressed to zero");
}

#[test]
fn zero_amplitudes_reproduce_the_frozen_network_bit_for_bit() {
    let (net, inputs) = generated(150, 3);
    assert!(
        net.recurrent().row_weights.is_some(),
        "the frozen run takes the fast path"
    );
    let c = StdpConfig {
        a_plus: 0.0,
        a_minus: 0.0,
        ..StdpConfig::default()
    };
    let mut stdp = Stdp::new(&net, &c, None).unwrap();
    let rs = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let mut ws = net.workspace();
    for (k, inp) in inputs.iter().enumerate() {
        let frozen = net.run(Drive::Spikes(inp), 300, &rs, 5, k as u64).unwrap();
        assert!(
            frozen.n_spikes > 300,
            "the network is active: {} spikes",
            frozen.n_spikes
        );
        let mut plastic = Default::default();
        net.run_plastic_into(
            Drive::Spikes(inp),
            300,
            &rs,
            5,
            k as u64,
            &mut ws,
            &mut plastic,
            &mut stdp,
        )
        .unwrap();
        assert_eq!(frozen, plastic);
    }
    assert_eq!(stdp.weights(), &net.recurrent().weight[..]);
}

#[test]
fn training_changes_only_plastic_synapses_is_deterministic_and_loads() {
    let (net, inputs) = generated(200, 11);
    let drives: Vec<Drive> = inputs.iter().map(Drive::Spikes).collect();
    let c = StdpConfig {
        a_plus: 0.02,
        a_minus: 0.021,
        ..StdpConfig::default()
    };
    let (a, sum) = train_stdp(&net, &drives, &c, None, 9, &|_| {}).unwrap();
    let (b, _) = train_stdp(&net, &drives, &c, None, 9, &|_| {}).unwrap();
    assert_eq!(a, b, "same inputs, same learned network");
    assert_eq!(sum.samples, 3);
    assert!(sum.n_spikes > 0);
    let exc = excitatory_mask(net.spec()).unwrap();
    let before = &net.spec().recurrent;
    let (mut changed, mut plastic) = (0, 0);
    for s in 0..before.pre.len() {
        let (p, q) = (before.pre[s] as usize, before.post[s] as usize);
        let (w0, w1) = (before.weight[s], a.recurrent.weight[s]);
        if exc[p] && exc[q] {
            plastic += 1;
            assert!(
                (0.0..=2.0 * w0).contains(&w1),
                "E→E weight {w1} outside [0, {}]",
                2.0 * w0
            );
            changed += usize::from(w1 != w0);
        } else {
            assert_eq!(w0, w1, "synapse {p}→{q} is not E→E and must not change");
        }
    }
    assert_eq!(plastic, sum.n_plastic);
    assert!(
        changed > plastic / 10,
        "{changed} of {plastic} E→E synapses changed"
    );
    assert!(a.meta.as_ref().unwrap().get("stdp").is_some());
    let learned = Network::from_spec(&a).unwrap();
    assert!(learned.recurrent().row_weights.is_none());
    let r = learned
        .run(drives[0], 300, &RecordSpec::default(), 9, 0)
        .unwrap();
    assert!(r.n_spikes > 0);
}

#[test]
fn bad_parameters_name_the_field() {
    let (net, _) = generated(20, 1);
    for (c, field) in [
        (
            StdpConfig {
                tau_plus_ms: 0.0,
                ..StdpConfig::default()
            },
            "tau_plus_ms",
        ),
        (
            StdpConfig {
                a_minus: -1.0,
                ..StdpConfig::default()
            },
            "a_minus",
        ),
        (
            StdpConfig {
                w_max_rel: 0.5,
                ..StdpConfig::default()
            },
            "w_max_rel",
        ),
    ] {
        let e = Stdp::new(&net, &c, None).unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    }
    let e = Stdp::new(&net, &StdpConfig::default(), Some(&[true; 3]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("3 entries"), "{e}");
    let e = serde_json::from_str::<StdpConfig>(r#"{"a_plsu": 0.1}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("a_plsu"), "{e}");
}

fn triplet(a_plus: Real, a_minus: Real, a3_plus: Real, a3_minus: Real) -> StdpConfig {
    StdpConfig {
        model: StdpModel::Triplet,
        tau_plus_ms: 16.8,
        tau_minus_ms: 33.7,
        tau_x_ms: 101.0,
        tau_y_ms: 125.0,
        a_plus,
        a_minus,
        a3_plus,
        a3_minus,
        w_max_rel: 2.0,
        ..StdpConfig::default()
    }
}

#[test]
fn one_pre_and_two_post_spikes_follow_the_closed_form() {
    let (w0, w1) = (0.01, 0.012);
    let c = triplet(0.02, 0.03, 0.5, 0.4);
    for (k1, k2) in [(3usize, 8usize), (5, 30), (1, 4)] {
        let (s0, s1, w) = run_pairs(
            &trio(w0, w1),
            &c,
            &[(10, 0), (10 + k1, 1), (10 + k2, 1)],
            80,
        );
        assert_eq!(s0.len(), 1);
        assert_eq!(s1.len(), 2);
        let (l1, l2) = ((s1[0] - s0[0]) as Real, (s1[1] - s0[0]) as Real);
        assert_eq!((l1, l2), (k1 as Real, k2 as Real));
        let e = |lag: Real, tau: Real| (-lag * DT / tau).exp();
        let (m0, m1) = (2.0 * w0, 2.0 * w1);
        // 0→1: pre, then two posts. The first post sees no earlier post (y₂ = 0); the second
        // sees y₂ = e^{-(k2-k1)/τy}.
        let mut want01 = w0 + c.a_plus * m0 * e(l1, c.tau_plus_ms);
        want01 += (c.a_plus + c.a3_plus * e(l2 - l1, c.tau_y_ms)) * m0 * e(l2, c.tau_plus_ms);
        // 1→0: its post (neuron 0) first, then its two pres (neuron 1). The first pre sees
        // x₂ = 0; the second x₂ = e^{-(k2-k1)/τx}.
        let mut want10 = w1 - c.a_minus * m1 * e(l1, c.tau_minus_ms);
        want10 -= (c.a_minus + c.a3_minus * e(l2 - l1, c.tau_x_ms)) * m1 * e(l2, c.tau_minus_ms);
        assert!(
            (w[0] - want01).abs() < 1e-15,
            "{k1},{k2}: {} vs {want01}",
            w[0]
        );
        assert!(
            (w[1] - want10).abs() < 1e-15,
            "{k1},{k2}: {} vs {want10}",
            w[1]
        );
        // The triplet terms matter here: the pair rule alone gives other weights.
        let (_, _, pair) = run_pairs(
            &trio(w0, w1),
            &StdpConfig {
                model: StdpModel::Pair,
                ..c.clone()
            },
            &[(10, 0), (10 + k1, 1), (10 + k2, 1)],
            80,
        );
        assert!(pair[0] < w[0] && pair[1] > w[1]);
    }
}

#[test]
fn without_triplet_terms_it_is_the_pair_rule_bit_for_bit() {
    let (net, inputs) = generated(150, 3);
    let drives: Vec<Drive> = inputs.iter().map(Drive::Spikes).collect();
    let pair = StdpConfig {
        a_plus: 0.02,
        a_minus: 0.021,
        ..StdpConfig::default()
    };
    let trip = StdpConfig {
        model: StdpModel::Triplet,
        a3_plus: 0.0,
        a3_minus: 0.0,
        ..pair.clone()
    };
    let (a, sa) = train_stdp(&net, &drives, &pair, None, 9, &|_| {}).unwrap();
    let (b, sb) = train_stdp(&net, &drives, &trip, None, 9, &|_| {}).unwrap();
    assert!(
        sa.n_spikes > 300,
        "the reservoir is active: {}",
        sa.n_spikes
    );
    assert_ne!(sa.mean_weight_after, sa.mean_weight_before);
    assert_eq!(a.recurrent, b.recurrent);
    assert_eq!(sa.mean_weight_after, sb.mean_weight_after);
    // With them, the same run learns other weights.
    let (c, _) = train_stdp(
        &net,
        &drives,
        &StdpConfig {
            a3_plus: 0.05,
            ..trip
        },
        None,
        9,
        &|_| {},
    )
    .unwrap();
    assert_ne!(a.recurrent, c.recurrent);
}

/// Weight change of 0→1 after 60 pairings at `hz`, the post spike `lag` ms after the pre
/// spike (negative: before it).
fn pairing(cfg: &StdpConfig, hz: Real, lag: i64) -> Real {
    let w = 0.01;
    let period = (1000.0 / hz).round() as i64;
    let start = 40;
    let mut ev = Vec::new();
    for p in 0..60 {
        let t = start + p * period;
        ev.push((t as usize, 0));
        ev.push(((t + lag) as usize, 1));
    }
    ev.sort();
    let n = (start + 60 * period + 100) as usize;
    let (s0, s1, learned) = run_pairs(&trio(w, 0.0001), cfg, &ev, n);
    assert_eq!((s0.len(), s1.len()), (60, 60));
    learned[0] - w
}

#[test]
fn potentiation_grows_with_the_pairing_frequency() {
    // Pfister & Gerstner's all-to-all minimal model fitted to visual cortex (their Table 3).
    let tri = triplet(5e-10, 7e-3, 6.2e-3, 0.0);
    // Post before pre by 10 ms: depression at 1 Hz, potentiation at 40 Hz (their Fig. 4).
    let (slow, fast) = (pairing(&tri, 1.0, -10), pairing(&tri, 40.0, -10));
    assert!(slow < 0.0 && fast > 0.0, "1 Hz: {slow}, 40 Hz: {fast}");
    // Pre before post by 10 ms potentiates more at 40 Hz than at 1 Hz.
    assert!(pairing(&tri, 40.0, 10) > pairing(&tri, 1.0, 10));
    // The pair rule with the same pair amplitudes never turns the post-pre pairing into
    // potentiation.
    let pair = StdpConfig {
        model: StdpModel::Pair,
        a_plus: 6.2e-3,
        ..tri
    };
    assert!(pairing(&pair, 40.0, -10) < 0.0);
}
