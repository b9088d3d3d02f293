//! The event-driven CSR simulator against a naive dense reference kept here: same equations,
//! same order of additions, so spikes (and membranes) must be bit-identical.

use lsm_core::{rng_for, Real, SpikeTrains};
use lsm_reservoir::{
    Drive, Lif, Network, NetworkSpec, NeuronSpec, Neurons, Param, RecordSpec, ResetKind,
    SynapseKind, SynapseList,
};
use rand::Rng;

mod common;

/// Random network with mixed-sign weights (not Dale), random delays 0..=4 steps, per-neuron
/// parameters, strong input.
fn random_spec(synapse: SynapseKind, seed: u64) -> NetworkSpec {
    let mut rng = rng_for(seed, 99);
    let (n, k, dt) = (40usize, 6usize, 0.5);
    let ne = NeuronSpec {
        tau_m_ms: Param::PerNeuron((0..n).map(|_| rng.gen_range(10.0..30.0)).collect()),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: Param::PerNeuron((0..n).map(|_| rng.gen_range(-2.0..1.0)).collect()),
        v_th_mv: 10.0.into(),
        t_ref_ms: Param::PerNeuron((0..n).map(|_| rng.gen_range(0.0..4.0)).collect()),
        i_bias_na: Param::PerNeuron((0..n).map(|_| rng.gen_range(6.0..12.0)).collect()),
        synapse,
        tau_syn_exc_ms: (synapse == SynapseKind::ExpCurrent).then_some(3.0.into()),
        tau_syn_inh_ms: (synapse == SynapseKind::ExpCurrent).then_some(Param::PerNeuron(
            (0..n).map(|_| rng.gen_range(4.0..8.0)).collect(),
        )),
        ..NeuronSpec::default()
    };
    let mut spec = NetworkSpec::new(dt, n, k, ne);
    let scale = if synapse == SynapseKind::Delta {
        4.0
    } else {
        6.0
    };
    for i in 0..n {
        for j in 0..n {
            if i != j && rng.gen::<Real>() < 0.2 {
                spec.recurrent.pre.push(i as u32);
                spec.recurrent.post.push(j as u32);
                spec.recurrent.weight.push(rng.gen_range(-1.0..1.0) * scale);
            }
        }
    }
    let m = spec.recurrent.pre.len();
    spec.recurrent.delay_ms = Some((0..m).map(|_| rng.gen_range(0..=4) as Real * dt).collect());
    let mut inp = SynapseList {
        delay_ms: Some(vec![]),
        ..Default::default()
    };
    for c in 0..k {
        for j in 0..n {
            if rng.gen::<Real>() < 0.5 {
                inp.pre.push(c as u32);
                inp.post.push(j as u32);
                inp.weight.push(rng.gen_range(0.0..1.0) * scale);
                inp.delay_ms
                    .as_mut()
                    .unwrap()
                    .push(rng.gen_range(0..=2) as Real * dt);
            }
        }
    }
    spec.input = inp;
    spec
}

/// What the dense reference computes: spikes `(step, neuron)`, the membranes at the start of
/// every step, and the membranes and synaptic currents after the last step.
struct RefRun {
    spikes: Vec<(usize, u32)>,
    v: Vec<Vec<Real>>,
    v_end: Vec<Real>,
    i_exc_end: Vec<Real>,
    i_inh_end: Vec<Real>,
}

/// Dense reference: W[pre][post] = Some((w, delay_steps)).
fn reference(spec: &NetworkSpec, lif: &Lif, input: &SpikeTrains, n_steps: usize) -> RefRun {
    let n = spec.n_neurons;
    let dt = spec.dt_ms;
    let dense = |l: &SynapseList, n_pre: usize| {
        let mut w = vec![vec![None; n]; n_pre];
        for s in 0..l.pre.len() {
            let d = (l.delay_ms.as_ref().unwrap()[s] / dt).round() as usize;
            assert!(
                w[l.pre[s] as usize][l.post[s] as usize].is_none(),
                "no multapses in this test"
            );
            w[l.pre[s] as usize][l.post[s] as usize] = Some((l.weight[s], d));
        }
        w
    };
    let wr = dense(&spec.recurrent, n);
    let wi = dense(&spec.input, spec.n_inputs);
    let dmax = 5;
    let split = spec.neuron.synapse == SynapseKind::ExpCurrent;
    let mut be = vec![vec![0.0; n]; dmax];
    let mut bi = vec![vec![0.0; n]; dmax];
    let ne = &spec.neuron;
    let vr: Vec<Real> = ne.v_rest_mv.expand(n);
    let mut v = ne.v_init_mv.as_ref().unwrap_or(&ne.v_rest_mv).expand(n);
    let mut ie = vec![0.0; n];
    let mut ii = vec![0.0; n];
    let mut last_spike: Vec<i64> = vec![-1_000_000; n];
    let mut out = Vec::new();
    let mut vs = Vec::new();
    for t in 0..n_steps {
        vs.push(v.clone());
        let mut spk = Vec::new();
        for i in 0..n {
            let [p22, p20, p21e, p21i, p11e, p11i] = lif.propagators(i);
            let r = lif.refractory_steps(i);
            let not_ref = t as i64 - last_spike[i] >= r;
            if not_ref {
                v[i] = vr[i]
                    + p22 * (v[i] - vr[i])
                    + p21e * ie[i]
                    + p21i * ii[i]
                    + p20 * ne.i_bias_na.get(i);
            }
            ie[i] *= p11e;
            ii[i] *= p11i;
            if not_ref && v[i] > ne.v_th_mv.get(i) {
                spk.push(i);
            }
        }
        let mut deliver = |w: &Vec<Vec<Option<(Real, usize)>>>, p: usize| {
            for j in 0..n {
                if let Some((x, d)) = w[p][j] {
                    let slot = (t + d) % dmax;
                    if split && x < 0.0 {
                        bi[slot][j] += x;
                    } else {
                        be[slot][j] += x;
                    }
                }
            }
        };
        for &c in input.at(t) {
            deliver(&wi, c as usize);
        }
        for &i in &spk {
            deliver(&wr, i);
        }
        let slot = t % dmax;
        for j in 0..n {
            if split {
                ie[j] += be[slot][j];
                ii[j] += bi[slot][j];
            } else if t as i64 - last_spike[j] >= lif.refractory_steps(j) {
                v[j] += be[slot][j];
            }
            be[slot][j] = 0.0;
            bi[slot][j] = 0.0;
        }
        for &i in &spk {
            v[i] = match ne.reset {
                ResetKind::Value => ne.v_reset_mv.get(i),
                ResetKind::Subtract => v[i] - (ne.v_th_mv.get(i) - ne.v_reset_mv.get(i)),
            };
            last_spike[i] = t as i64;
            out.push((t, i as u32));
        }
    }
    RefRun {
        spikes: out,
        v: vs,
        v_end: v,
        i_exc_end: ie,
        i_inh_end: ii,
    }
}

/// Run `net` on `input` and assert spikes and membranes equal the dense reference bit for bit,
/// and the state after the last step too (membranes and synaptic currents, which carry the
/// last step's input); then the same run cut into uneven pieces by a stepper must give the
/// same spikes and final state. Returns the spikes `(step, neuron)`.
fn assert_matches_reference(
    spec: &NetworkSpec,
    net: &Network,
    input: &SpikeTrains,
    what: &str,
) -> Vec<(usize, u32)> {
    let n_steps = input.n_steps();
    let Neurons::Lif(lif) = net.neurons() else {
        panic!("a LIF network")
    };
    let want = reference(spec, lif, input, n_steps);
    let rec = net
        .run(
            Drive::Spikes(input),
            n_steps,
            &RecordSpec {
                v: true,
                final_state: true,
                ..RecordSpec::default()
            },
            0,
            0,
        )
        .unwrap();
    let got: Vec<(usize, u32)> = rec.spikes.unwrap().iter().collect();
    assert_eq!(got, want.spikes, "{what}");
    let v = rec.v.unwrap();
    for t in 0..n_steps {
        for i in 0..spec.n_neurons {
            assert_eq!(v[[t, i]], want.v[t][i], "{what}: step {t} neuron {i}");
        }
    }
    let fin = rec.final_state.unwrap();
    assert_eq!(fin.v, want.v_end, "{what}: final v");
    if spec.neuron.synapse == SynapseKind::ExpCurrent {
        assert_eq!(fin.i_exc, want.i_exc_end, "{what}: final I_exc");
        assert_eq!(fin.i_inh, want.i_inh_end, "{what}: final I_inh");
    }
    // Pieces of 1, 2, 3, ... steps.
    let mut stepper = net.stepper(0, 0);
    let (mut a, mut len) = (0usize, 1usize);
    let mut pieces = Vec::new();
    let mut last = None;
    while a < n_steps {
        let b = (a + len).min(n_steps);
        let part = common::window(input, a, b);
        let mut rec = lsm_reservoir::Recording::default();
        let spec_rec = RecordSpec {
            final_state: true,
            ..RecordSpec::default()
        };
        net.advance(
            &mut stepper,
            Drive::Spikes(&part),
            b - a,
            &spec_rec,
            &mut rec,
        )
        .unwrap();
        pieces.extend(rec.spikes.unwrap().iter().map(|(s, i)| (s + a, i)));
        last = rec.final_state;
        (a, len) = (b, len + 1);
    }
    assert_eq!(pieces, want.spikes, "{what}: run in pieces");
    let last = last.unwrap();
    assert_eq!(last.v, fin.v, "{what}: run in pieces, final v");
    assert_eq!(last.i_exc, fin.i_exc, "{what}: run in pieces, final I_exc");
    assert_eq!(last.i_inh, fin.i_inh, "{what}: run in pieces, final I_inh");
    want.spikes
}

/// Every synapse kind with every reset.
const SYNAPSE_RESET: [(SynapseKind, ResetKind); 4] = [
    (SynapseKind::ExpCurrent, ResetKind::Value),
    (SynapseKind::Delta, ResetKind::Value),
    (SynapseKind::ExpCurrent, ResetKind::Subtract),
    (SynapseKind::Delta, ResetKind::Subtract),
];

#[test]
fn csr_simulator_equals_dense_reference_bit_for_bit() {
    for (synapse, reset) in SYNAPSE_RESET {
        for seed in 0..4u64 {
            let mut spec = random_spec(synapse, seed);
            spec.neuron.reset = reset;
            let net = Network::from_spec(&spec).unwrap();
            assert!(net.recurrent().uniform_delay.is_none());
            let n_steps = 1500;
            let mut rng = rng_for(seed, 7);
            let ev: Vec<(usize, usize)> = (0..n_steps)
                .flat_map(|t| (0..spec.n_inputs).map(move |c| (t, c)))
                .filter(|_| rng.gen::<Real>() < 0.1)
                .collect();
            let input = SpikeTrains::from_events(spec.n_inputs, spec.dt_ms, n_steps, ev).unwrap();
            let n_spikes = assert_matches_reference(
                &spec,
                &net,
                &input,
                &format!("{synapse:?} {reset:?} seed {seed}"),
            )
            .len();
            // Refractoriness must matter in this network.
            assert!(
                n_spikes > 200,
                "{synapse:?} {reset:?} seed {seed}: only {n_spikes} spikes, weak test"
            );
        }
    }
}

#[test]
fn uniform_delay_fast_path_equals_reference() {
    // All delays equal (2 steps) takes the uniform-delay path of the scatter.
    for d in [0usize, 2] {
        let mut spec = random_spec(SynapseKind::ExpCurrent, 11);
        let m = spec.recurrent.pre.len();
        spec.recurrent.delay_ms = Some(vec![d as Real * spec.dt_ms; m]);
        let mi = spec.input.pre.len();
        spec.input.delay_ms = Some(vec![d as Real * spec.dt_ms; mi]);
        let net = Network::from_spec(&spec).unwrap();
        assert_eq!(net.recurrent().uniform_delay, Some(d as u32));
        let input = SpikeTrains::from_events(
            spec.n_inputs,
            spec.dt_ms,
            1000,
            (0..1000).step_by(7).map(|t| (t, t % 6)),
        )
        .unwrap();
        let Neurons::Lif(lif) = net.neurons() else {
            panic!("a LIF network")
        };
        let want = reference(&spec, lif, &input, 1000).spikes;
        let got: Vec<(usize, u32)> = net
            .run(Drive::Spikes(&input), 1000, &RecordSpec::default(), 0, 0)
            .unwrap()
            .spikes
            .unwrap()
            .iter()
            .collect();
        assert!(want.len() > 100);
        assert_eq!(got, want, "delay {d}");
    }
}

/// Shared parameters and one weight per sign of each presynaptic population, as the
/// generated reservoirs have: the simulator then takes its scalar-parameter neuron loops and
/// its one-weight-per-row scatter. 43 neurons, so that the eight-at-a-time threshold scan has a
/// tail.
fn homogeneous_spec(synapse: SynapseKind, delay_steps: usize, seed: u64) -> NetworkSpec {
    let mut rng = rng_for(seed, 98);
    let (n, k, dt) = (43usize, 5usize, 0.5);
    let ne = NeuronSpec {
        tau_m_ms: 20.0.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.5.into(),
        v_reset_mv: (-1.0).into(),
        v_th_mv: 10.0.into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: 7.0.into(),
        synapse,
        tau_syn_exc_ms: (synapse == SynapseKind::ExpCurrent).then_some(3.0.into()),
        tau_syn_inh_ms: (synapse == SynapseKind::ExpCurrent).then_some(6.0.into()),
        ..NeuronSpec::default()
    };
    let mut spec = NetworkSpec::new(dt, n, k, ne);
    let (w_exc, w_inh) = if synapse == SynapseKind::Delta {
        (3.0, -5.0)
    } else {
        (5.0, -8.0)
    };
    for i in 0..n {
        for j in 0..n {
            if i != j && rng.gen::<Real>() < 0.2 {
                spec.recurrent.pre.push(i as u32);
                spec.recurrent.post.push(j as u32);
                spec.recurrent
                    .weight
                    .push(if i < 34 { w_exc } else { w_inh });
            }
        }
    }
    let m = spec.recurrent.pre.len();
    spec.recurrent.delay_ms = Some(vec![delay_steps as Real * dt; m]);
    for c in 0..k {
        for j in 0..n {
            if rng.gen::<Real>() < 0.5 {
                spec.input.pre.push(c as u32);
                spec.input.post.push(j as u32);
                spec.input.weight.push(6.0);
            }
        }
    }
    let mi = spec.input.pre.len();
    spec.input.delay_ms = Some(vec![delay_steps as Real * dt; mi]);
    spec
}

#[test]
fn homogeneous_fast_paths_equal_reference() {
    for (synapse, reset) in SYNAPSE_RESET {
        for (seed, d) in [(0u64, 0usize), (1, 2)] {
            let mut spec = homogeneous_spec(synapse, d, seed);
            spec.neuron.reset = reset;
            let net = Network::from_spec(&spec).unwrap();
            let Neurons::Lif(lif) = net.neurons() else {
                panic!("a LIF network")
            };
            assert!(lif.is_homogeneous());
            assert!(net.recurrent().row_weights.is_some());
            assert!(net.input().row_weights.is_some());
            let n_steps = 1500;
            let mut rng = rng_for(seed, 8);
            let ev: Vec<(usize, usize)> = (0..n_steps)
                .flat_map(|t| (0..spec.n_inputs).map(move |c| (t, c)))
                .filter(|_| rng.gen::<Real>() < 0.08)
                .collect();
            let input = SpikeTrains::from_events(spec.n_inputs, spec.dt_ms, n_steps, ev).unwrap();
            let what = format!("{synapse:?} {reset:?} seed {seed} delay {d}");
            let spikes = assert_matches_reference(&spec, &net, &input, &what);
            assert!(
                spikes.len() > 300,
                "{what}: only {} spikes, weak test",
                spikes.len()
            );
            // Neurons in the tail of the threshold scan (40..43) must spike too.
            assert!(spikes.iter().any(|&(_, i)| i >= 40), "{what}");
        }
    }
}
