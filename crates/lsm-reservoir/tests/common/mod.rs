//! Helpers shared by the integration tests (each test file includes what it uses).
#![allow(dead_code)]

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::{Drive, Network, NetworkSpec, RecordSpec};

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
