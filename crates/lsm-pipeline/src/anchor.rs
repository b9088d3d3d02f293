//! The Brian2 simulation-speed anchor (project notes, peer baselines §4), built for lsm's
//! simulator, for `lsm bench simulate` and speed comparisons.
//!
//! N LIF neurons (τm 20 ms, threshold 1, reset 0, refractory 2 ms, exponential currents
//! τe 5 ms / τi 10 ms, exact integration, dt 0.1 ms), 80 % excitatory, every neuron with
//! exactly K = 100 outgoing synapses to distinct random targets (no autapses), no delays,
//! excitatory weight +0.2, inhibitory −1.0 (g = 5), initial v ~ U[0, 1). External drive:
//! Brian2's `PoissonInput` of 100 sources at 20 Hz and weight 0.2 on each neuron, i.e. one
//! input channel per neuron (weight 0.2, to that neuron only) receiving Binomial(100,
//! 20 Hz·dt) spikes per step (several spikes of a channel in one step add up).

use crate::error::PipelineError;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_reservoir::{
    Delay, GeneratorConfig, InputConfig, NetworkSpec, NeuronSpec, PairScale, Topology,
};
use rand_distr::{Binomial, Distribution};

/// Time step of the anchor, ms.
pub const ANCHOR_DT_MS: Real = 0.1;

/// The generator config of the anchor network with `n` neurons (inputs are added by
/// [`anchor_network`]).
pub fn anchor_config(n: usize) -> GeneratorConfig {
    GeneratorConfig {
        dt_ms: ANCHOR_DT_MS,
        n_neurons: Some(n),
        frac_exc: 0.8,
        neuron: NeuronSpec {
            tau_m_ms: 20.0.into(),
            r_mohm: 1.0.into(),
            v_rest_mv: 0.0.into(),
            v_reset_mv: 0.0.into(),
            v_th_mv: 1.0.into(),
            t_ref_ms: 2.0.into(),
            i_bias_na: 0.0.into(),
            i_noise_na: 0.0.into(),
            v_init_mv: None,
            tau_syn_exc_ms: Some(5.0.into()),
            tau_syn_inh_ms: Some(10.0.into()),
            ..NeuronSpec::default()
        },
        topology: Topology::FixedOutDegree { k: 100 },
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

/// The anchor network with `n` neurons (> 100) and `n` input channels (channel `i` → neuron
/// `i`, weight 0.2), plus its external drive for `n_steps` steps.
///
/// # Errors
/// [`PipelineError::Config`] for `n <= 100` or a generator failure.
pub fn anchor_network(
    n: usize,
    n_steps: usize,
    seed: u64,
) -> Result<(NetworkSpec, SpikeTrains), PipelineError> {
    if n <= 100 {
        return Err(PipelineError::config(
            "n_neurons",
            format!("the anchor needs more than 100 neurons (out-degree 100), got {n}"),
        ));
    }
    let mut spec = anchor_config(n)
        .generate(n, seed)
        .map_err(|e| PipelineError::config("network", e.to_string()))?;
    spec.input.pre = (0..n as u32).collect();
    spec.input.post = (0..n as u32).collect();
    spec.input.weight = vec![0.2; n];
    spec.input.delay_ms = Some(vec![0.0; n]);
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
    Ok((spec, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_shapes_and_drive_rate() {
        let (spec, input) = anchor_network(200, 1000, 1).unwrap();
        assert_eq!(spec.n_neurons, 200);
        assert_eq!(spec.n_inputs, 200);
        // Fixed out-degree 100.
        assert_eq!(spec.recurrent.pre.len(), 200 * 100);
        // 2000 external events per neuron per second: 200 neurons × 0.1 s.
        let expected = 2000.0 * 200.0 * 0.1;
        let got = input.n_spikes() as f64;
        assert!(
            (got - expected).abs() < 5.0 * expected.sqrt(),
            "{got} vs {expected}"
        );
        assert!(anchor_network(100, 10, 1).is_err());
    }
}
