//! Helpers shared by the integration tests (each test file includes what it uses).
#![allow(dead_code)]

use lsm_core::{rng_for, Real, SpikeTrains};
use lsm_reservoir::{
    Drive, GeneratorConfig, InputConfig, Network, NetworkSpec, NeuronSpec, PairScale, RecordSpec,
    SynapseKind, SynapseList,
};
use rand::Rng;
use std::path::PathBuf;

/// A file of `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Loads fixture network `<name>_net.json`, runs it for 1 s (10,000 steps of 0.1 ms) on
/// `<name>_input.csv` and compares every spike with the reference `<name>_spikes.csv`, which
/// must hold at least `min_spikes`. Returns the network file for further checks.
pub fn matches_reference_spikes(name: &str, min_spikes: usize) -> NetworkSpec {
    let spec = NetworkSpec::load(&fixture(&format!("{name}_net.json"))).unwrap();
    let net = Network::from_spec(&spec).unwrap();
    let n_steps = 10_000;
    let read = |file: String, col: &str, nch: usize| {
        let f = std::fs::File::open(fixture(&file)).unwrap();
        SpikeTrains::read_csv(
            std::io::BufReader::new(f),
            &file,
            col,
            spec.dt_ms,
            Some(nch),
            Some(n_steps),
        )
        .unwrap()
    };
    let input = read(format!("{name}_input.csv"), "channel", spec.n_inputs);
    let want = read(format!("{name}_spikes.csv"), "neuron", spec.n_neurons);
    let rec = net
        .run(Drive::Spikes(&input), n_steps, &RecordSpec::default(), 0, 0)
        .unwrap();
    let got = rec.spikes.unwrap();
    assert!(want.n_spikes() >= min_spikes, "{name}: {}", want.n_spikes());
    assert_same_spikes(name, &want, &got);
    spec
}

/// Runs `spec` without input for `n_steps` steps: neuron 0's `v` every step (before each
/// step's update, i.e. at t = k·dt) and the steps with a spike.
pub fn run_undriven(spec: &NetworkSpec, n_steps: usize) -> (Vec<Real>, Vec<usize>) {
    let net = Network::from_spec(spec).unwrap();
    let rs = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let r = net.run(Drive::None, n_steps, &rs, 1, 0).unwrap();
    let v = r.v.as_ref().unwrap().column(0).to_vec();
    let sp = r.spikes.as_ref().unwrap();
    (v, (0..n_steps).filter(|&t| !sp.at(t).is_empty()).collect())
}

/// Asserts that `got` has exactly the spikes of the reference `want`, naming the first
/// difference as (step, neuron).
pub fn assert_same_spikes(what: &str, want: &SpikeTrains, got: &SpikeTrains) {
    let w: Vec<(usize, u32)> = want.iter().collect();
    let g: Vec<(usize, u32)> = got.iter().collect();
    if let Some(k) = (0..w.len().min(g.len())).find(|&k| w[k] != g[k]) {
        panic!(
            "{what}: first difference at spike {k}: reference (step, neuron) {:?}, lsm {:?}",
            w[k], g[k]
        );
    }
    assert_eq!(g.len(), w.len(), "{what}: number of spikes");
}

/// A generated `n`-neuron network with equal weights onto E and I per presynaptic population
/// (one weight per CSR row part), active under its input, and three 300-step input spike
/// trains on its 8 channels (5 % of the slots), all from `seed`.
pub fn generated(n: usize, seed: u64) -> (Network, Vec<SpikeTrains>) {
    let cfg = GeneratorConfig {
        n_neurons: Some(n),
        dt_ms: 1.0,
        weight_scale: PairScale {
            ee: 3.0,
            ei: 3.0,
            ie: 1.9,
            ii: 1.9,
        },
        input: InputConfig {
            scale_exc: 10.0,
            scale_inh: 10.0,
            ..InputConfig::default()
        },
        ..GeneratorConfig::default()
    };
    let net = Network::from_spec(&cfg.generate(8, seed).unwrap()).unwrap();
    let mut rng = rng_for(seed, 7);
    let inputs = (0..3)
        .map(|_| {
            let ev: Vec<(usize, usize)> = (0..300)
                .flat_map(|t| (0..8usize).map(move |c| (t, c)))
                .filter(|_| rng.gen::<Real>() < 0.05)
                .collect();
            SpikeTrains::from_events(8, 1.0, 300, ev).unwrap()
        })
        .collect();
    (net, inputs)
}

/// Three LIF neurons with delta synapses (τm 20 ms, threshold 1 mV, reset 0, refractory
/// 2 ms, no bias), step `dt` ms, the recurrent synapses `pre → post` of `weight` with a 1 ms
/// delay; input channel `c` drives neuron `c` with 5 mV (a spike in the next step).
pub fn delta_trio(dt: Real, pre: &[u32], post: &[u32], weight: &[Real]) -> NetworkSpec {
    let neuron = NeuronSpec {
        tau_m_ms: 20.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: 1.0.into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: 0.0.into(),
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        ..NeuronSpec::default()
    };
    let mut spec = NetworkSpec::new(dt, 3, 3, neuron);
    spec.recurrent = SynapseList {
        pre: pre.to_vec(),
        post: post.to_vec(),
        weight: weight.to_vec(),
        delay_ms: Some(vec![1.0; pre.len()]),
        stp: None,
    };
    spec.input = SynapseList {
        pre: vec![0, 1, 2],
        post: vec![0, 1, 2],
        weight: vec![5.0; 3],
        delay_ms: Some(vec![0.0; 3]),
        stp: None,
    };
    spec
}

/// A LIF neuron that only integrates its synaptic jumps: delta synapses, rest and reset at
/// 0 mV, no bias, no refractory period and a threshold out of reach (τm 20 ms, R 1 MΩ when
/// `leaky`). Non-leaky, its membrane is the running sum of the jumps it received.
pub fn jump_counter(leaky: bool) -> NeuronSpec {
    NeuronSpec {
        leaky,
        tau_m_ms: 20.0.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: 1e12.into(),
        t_ref_ms: 0.0.into(),
        i_bias_na: 0.0.into(),
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        ..NeuronSpec::default()
    }
}

/// The steps `a..b` of `input` as spike trains of their own (step `a` becomes step 0): the
/// drive of one piece of a run cut into pieces by a stepper.
pub fn window(input: &SpikeTrains, a: usize, b: usize) -> SpikeTrains {
    SpikeTrains::from_events(
        input.n_channels(),
        input.dt_ms(),
        b - a,
        input
            .iter()
            .filter(|&(s, _)| (a..b).contains(&s))
            .map(|(s, c)| (s - a, c as usize)),
    )
    .unwrap()
}
