//! The simulation-speed anchor model shared with the Brian2 benchmark
//! (`scripts/bench/brian2_speed.py`, peer-baselines section 4).
//!
//! Dimensionless LIF (threshold 1, reset 0, rest 0, refractory 2 ms, tau_m 20 ms, R = 1),
//! exponential currents tau_e 5 ms / tau_i 10 ms, exact integration, dt = 0.1 ms, 80 %
//! excitatory, fixed out-degree K = 100 without autapses, w_e = +0.2, w_i = -1.0, no delays,
//! initial v ~ U[0, 1). External drive (Brian2's `PoissonInput` with 100 sources at 20 Hz and
//! weight 0.2): per neuron and step, Binomial(100, 20 Hz · dt) input events of weight 0.2,
//! given as input spikes on one channel per neuron (duplicate events add up).

use crate::{
    Delay, GeneratorConfig, NetworkSpec, NeuronSpec, PairScale, SynapseKind, SynapseList, Topology,
};
use lsm_core::{rng_for, SpikeTrains};
use rand_distr::{Binomial, Distribution};

/// The anchor network with `n` neurons and one drive channel per neuron.
pub fn anchor_spec(n: usize, seed: u64) -> NetworkSpec {
    let neuron = NeuronSpec {
        tau_m_ms: 20.0.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: 1.0.into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: 0.0.into(),
        synapse: SynapseKind::ExpCurrent,
        tau_syn_exc_ms: Some(5.0.into()),
        tau_syn_inh_ms: Some(10.0.into()),
        ..NeuronSpec::default()
    };
    let cfg = GeneratorConfig {
        dt_ms: 0.1,
        n_neurons: Some(n),
        frac_exc: 0.8,
        neuron,
        topology: Topology::FixedOutDegree { k: 100 },
        weight_scale: PairScale {
            ee: 0.2,
            ei: 0.2,
            ie: 1.0,
            ii: 1.0,
        },
        delay: Delay::Constant { ms: 0.0 },
        v_init_uniform_mv: Some([0.0, 1.0]),
        ..GeneratorConfig::default()
    };
    let mut spec = cfg.generate(0, seed).expect("valid config");
    spec.n_inputs = n;
    spec.input = SynapseList {
        pre: (0..n as u32).collect(),
        post: (0..n as u32).collect(),
        weight: vec![0.2; n],
        delay_ms: Some(vec![0.0; n]),
    };
    spec
}

/// Binomial(100, 20 Hz · dt) drive events per neuron and step.
pub fn poisson_drive(n: usize, n_steps: usize, seed: u64) -> SpikeTrains {
    let mut rng = rng_for(seed, 12345);
    let b = Binomial::new(100, 20.0 * 1e-4).unwrap();
    let mut st = SpikeTrains::with_capacity(n, 0.1, n_steps, n * n_steps / 4);
    let mut buf = Vec::new();
    for _ in 0..n_steps {
        buf.clear();
        for i in 0..n as u32 {
            for _ in 0..b.sample(&mut rng) {
                buf.push(i);
            }
        }
        st.push_step(&buf);
    }
    st
}
