//! Named generator configs of classic networks ([`preset`]): `lsm network generate --preset`.
//!
//! | name | network |
//! |---|---|
//! | `maass2002` | Maass, Natschläger & Markram (2002): a 15 × 3 × 3 column of 135 LIF neurons (20 % inhibitory), connection probability `C · exp(−(D/λ)²)` with λ = 2, dynamic synapses (`"stp": "maass2002"`), the paper's neuron (τ_m 30 ms, threshold 15 mV, reset 13.5 mV, refractory 3 / 2 ms E / I approximated by 2 ms, bias 13.5 nA, exponential currents 3 / 6 ms), weights 30 / 60 / 19 / 19 nA, delays 1.5 ms (0.8 ms to EE approximated by one value), dt 0.1 ms |
//! | `cuba` | Brette et al. (2007) CUBA (Vogels & Abbott 2005): 4,000 LIF neurons (3,200 E, 800 I), p = 0.02, exponential currents 5 / 10 ms, τ_m 20 ms, threshold −50 mV, reset −60 mV, rest −49 mV (the drive), refractory 5 ms, jumps 1.62 / −9 mV (R = 1 MΩ: nA), no delay, start uniform in [−60, −50] mV, dt 0.1 ms |
//! | `coba` | Brette et al. (2007) COBA: the same population and graph with conductance synapses (`exp_conductance`, τ 5 / 10 ms, E 0 / −80 mV, jumps 6 / 67 nS), g_L 10 nS (R = 100 MΩ), C 200 pF, rest and reset −60 mV, threshold −50 mV, refractory 5 ms, drive 200 pA, no delay, start uniform in [−60, −50] mV, dt 0.1 ms |
//!
//! Every field can still be overridden by a config file over the preset. `cobahh` (Traub-Miles
//! Hodgkin-Huxley kinetics) and `brunel2000` (Poisson external drive per neuron) need model
//! parts lsm does not have (the squid-axon kinetics only; a noise current, not Poisson drive)
//! and are not offered rather than approximated.

use super::{Delay, GeneratorConfig, InputConfig, PairScale, Topology, WeightDist};
use crate::error::{config_err, Result};
use crate::spec::{NeuronSpec, SynapseKind};
use crate::StpGenerator;

/// The names [`preset`] knows.
pub const PRESETS: [&str; 3] = ["maass2002", "cuba", "coba"];

/// The generator config of the named network (see the module documentation).
///
/// # Errors
/// [`crate::ReservoirError::Config`] for an unknown name, listing the known ones.
pub fn preset(name: &str) -> Result<GeneratorConfig> {
    let brette = |neuron: NeuronSpec, ee: f64, ie: f64| GeneratorConfig {
        dt_ms: 0.1,
        n_neurons: Some(4000),
        frac_exc: 0.8,
        neuron,
        topology: Topology::Random { p: 0.02 },
        weight_scale: PairScale {
            ee,
            ei: ee,
            ie,
            ii: ie,
        },
        weight_dist: WeightDist::Constant,
        delay: Delay::Constant { ms: 0.0 },
        v_init_uniform_mv: Some([-60.0, -50.0]),
        input: InputConfig::default(),
        ..GeneratorConfig::default()
    };
    let lif = |v_rest: f64, r: f64, i_bias: f64, synapse: SynapseKind| NeuronSpec {
        tau_m_ms: 20.0.into(),
        r_mohm: r.into(),
        v_rest_mv: v_rest.into(),
        v_reset_mv: (-60.0).into(),
        v_th_mv: (-50.0).into(),
        t_ref_ms: 5.0.into(),
        i_bias_na: i_bias.into(),
        synapse,
        tau_syn_exc_ms: Some(5.0.into()),
        tau_syn_inh_ms: Some(10.0.into()),
        ..NeuronSpec::default()
    };
    match name {
        "maass2002" => Ok(GeneratorConfig {
            dt_ms: 0.1,
            n_neurons: None,
            frac_exc: 0.8,
            neuron: NeuronSpec::default(),
            topology: Topology::MaassColumn {
                grid: [15, 3, 3],
                columns: 1,
                lambda: 2.0,
                c: PairScale {
                    ee: 0.3,
                    ei: 0.2,
                    ie: 0.4,
                    ii: 0.1,
                },
            },
            weight_scale: PairScale {
                ee: 30.0,
                ei: 60.0,
                ie: 19.0,
                ii: 19.0,
            },
            delay: Delay::Constant { ms: 1.5 },
            stp: Some(StpGenerator::Maass2002),
            ..GeneratorConfig::default()
        }),
        "cuba" => Ok(brette(
            lif(-49.0, 1.0, 0.0, SynapseKind::ExpCurrent),
            1.62,
            9.0,
        )),
        "coba" => {
            let mut ne = lif(-60.0, 100.0, 0.2, SynapseKind::ExpConductance);
            ne.e_syn_exc_mv = Some(0.0.into());
            ne.e_syn_inh_mv = Some((-80.0).into());
            Ok(brette(ne, 6.0, 67.0))
        }
        other => Err(config_err(
            "preset",
            format!(
                "unknown network preset \"{other}\": expected one of {}",
                PRESETS.join(", ")
            ),
        )),
    }
}
