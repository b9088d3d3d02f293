//! The simulation-speed anchor: the network lsm's simulator is timed on, side by side with
//! Brian2 (`scripts/bench/brian2_speed.py`, described in the repository's
//! `docs/benchmarks.md`). The one definition used by the criterion bench
//! (`benches/simulate.rs`), the `anchor` example and `lsm bench simulate`.
//!
//! N dimensionless LIF neurons (threshold 1, reset 0, rest 0, refractory 2 ms, τm 20 ms,
//! R = 1), exponential currents τe 5 ms / τi 10 ms, exact integration, dt = 0.1 ms, 80 %
//! excitatory, every neuron with exactly K = 100 outgoing synapses to distinct random targets
//! (no autapses), excitatory weight +0.2, inhibitory −1.0 (g = 5), no delays, initial
//! v ~ U[0, 1). External drive: Brian2's `PoissonInput` of 100 sources at 20 Hz and weight
//! 0.2 on each neuron, i.e. one input channel per neuron (channel `i` → neuron `i`, weight
//! 0.2) receiving Binomial(100, 20 Hz · dt) spikes per step (several spikes of a channel in
//! one step add up).
//!
//! Random draws: the network from the generator's streams of `seed` ([`crate::generate`]),
//! the drive from `rng_for(seed, stream::DATA)`.

use crate::error::config_err;
use crate::{
    Delay, GeneratorConfig, InputConfig, NetworkSpec, NeuronSpec, PairScale, Result, SynapseKind,
    SynapseList, Topology,
};
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use rand_distr::{Binomial, Distribution};

/// Time step of the anchor, ms.
pub const ANCHOR_DT_MS: Real = 0.1;

/// Out-degree of every neuron.
pub const ANCHOR_OUT_DEGREE: usize = 100;

/// The dimensionless LIF neuron of the Brian2 baselines (threshold 1, reset 0, rest 0,
/// refractory 2 ms, τm 20 ms, R = 1, no bias, exponential currents τe 5 ms / τi 10 ms).
pub fn brian2_lif() -> NeuronSpec {
    NeuronSpec {
        tau_m_ms: 20.0.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: 1.0.into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: 0.0.into(),
        i_noise_na: 0.0.into(),
        v_init_mv: None,
        synapse: SynapseKind::ExpCurrent,
        tau_syn_exc_ms: Some(5.0.into()),
        tau_syn_inh_ms: Some(10.0.into()),
        ..NeuronSpec::default()
    }
}

/// The generator config of the anchor network with `n` neurons (its input channels are
/// added by [`anchor_spec`]).
pub fn anchor_config(n: usize) -> GeneratorConfig {
    GeneratorConfig {
        dt_ms: ANCHOR_DT_MS,
        n_neurons: Some(n),
        frac_exc: 0.8,
        neuron: brian2_lif(),
        topology: Topology::FixedOutDegree {
            k: ANCHOR_OUT_DEGREE,
        },
        weight_scale: PairScale {
            ee: 0.2,
            ei: 0.2,
            ie: 1.0,
            ii: 1.0,
        },
        delay: Delay::Constant { ms: 0.0 },
        v_init_uniform_mv: Some([0.0, 1.0]),
        input: InputConfig {
            fraction: 0.0,
            ..InputConfig::default()
        },
        ..GeneratorConfig::default()
    }
}

/// The anchor network with `n` neurons and `n` input channels (channel `i` → neuron `i`,
/// weight 0.2).
///
/// # Errors
/// [`crate::ReservoirError::Config`] for `n <= 100` (every neuron needs 100 distinct
/// targets).
///
/// ```
/// let spec = lsm_reservoir::anchor::anchor_spec(200, 1)?;
/// assert_eq!((spec.n_neurons, spec.n_inputs), (200, 200));
/// assert_eq!(spec.recurrent.pre.len(), 200 * 100);
/// # Ok::<(), lsm_reservoir::ReservoirError>(())
/// ```
pub fn anchor_spec(n: usize, seed: u64) -> Result<NetworkSpec> {
    if n <= ANCHOR_OUT_DEGREE {
        return Err(config_err(
            "n_neurons",
            format!("the anchor needs more than {ANCHOR_OUT_DEGREE} neurons (out-degree {ANCHOR_OUT_DEGREE}), got {n}"),
        ));
    }
    let mut spec = anchor_config(n).generate(0, seed)?;
    spec.n_inputs = n;
    spec.input = SynapseList {
        pre: (0..n as u32).collect(),
        post: (0..n as u32).collect(),
        weight: vec![0.2; n],
        delay_ms: Some(vec![0.0; n]),
        stp: None,
    };
    Ok(spec)
}

/// The external drive of the anchor: Binomial(100, 20 Hz · dt) spikes per channel and step
/// on `n` channels for `n_steps` steps, from `rng_for(seed, stream::DATA)`.
pub fn poisson_drive(n: usize, n_steps: usize, seed: u64) -> SpikeTrains {
    let p = 20.0 * ANCHOR_DT_MS * 1e-3;
    let binom = Binomial::new(100, p).expect("valid binomial");
    let mut rng = rng_for(seed, stream::DATA);
    let expect = (n as f64 * n_steps as f64 * 100.0 * p * 1.1) as usize;
    let mut input = SpikeTrains::with_capacity(n, ANCHOR_DT_MS, n_steps, expect);
    let mut buf: Vec<u32> = Vec::with_capacity(n);
    for _ in 0..n_steps {
        buf.clear();
        for i in 0..n as u32 {
            for _ in 0..binom.sample(&mut rng) {
                buf.push(i);
            }
        }
        input.push_step(&buf);
    }
    input
}

/// [`anchor_spec`] and its [`poisson_drive`] for `n_steps` steps.
///
/// # Errors
/// As [`anchor_spec`].
pub fn anchor_network(n: usize, n_steps: usize, seed: u64) -> Result<(NetworkSpec, SpikeTrains)> {
    let spec = anchor_spec(n, seed)?;
    Ok((spec, poisson_drive(n, n_steps, seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_shapes_and_drive_rate() {
        let (spec, input) = anchor_network(200, 1000, 1).unwrap();
        assert_eq!(spec.n_neurons, 200);
        assert_eq!(spec.n_inputs, 200);
        assert_eq!(spec.dt_ms, ANCHOR_DT_MS);
        // Fixed out-degree 100, no autapses.
        assert_eq!(spec.recurrent.pre.len(), 200 * 100);
        for i in 0..200u32 {
            let out = spec.recurrent.pre.iter().filter(|&&p| p == i).count();
            assert_eq!(out, 100, "out-degree of neuron {i}");
        }
        assert!(spec
            .recurrent
            .pre
            .iter()
            .zip(&spec.recurrent.post)
            .all(|(p, q)| p != q));
        // Weights: +0.2 from the 160 excitatory neurons, -1.0 from the 40 inhibitory ones.
        let n_exc = spec.recurrent.weight.iter().filter(|&&w| w == 0.2).count();
        let n_inh = spec.recurrent.weight.iter().filter(|&&w| w == -1.0).count();
        assert_eq!((n_exc, n_inh), (160 * 100, 40 * 100));
        // 2000 external events per neuron per second: 200 neurons × 0.1 s.
        let expected = 2000.0 * 200.0 * 0.1;
        let got = input.n_spikes() as f64;
        assert!(
            (got - expected).abs() < 5.0 * expected.sqrt(),
            "{got} vs {expected}"
        );
        // Deterministic in the seed.
        assert_eq!(poisson_drive(200, 1000, 1), input);
        assert_ne!(poisson_drive(200, 1000, 2), input);
    }

    #[test]
    fn too_small_anchor_is_refused() {
        let e = anchor_spec(100, 1).unwrap_err().to_string();
        assert!(e.contains("n_neurons") && e.contains("100"), "{e}");
    }
}
