//! Named generator configs of classic networks ([`preset`]): `lsm network generate --preset`.
//!
//! | name | network |
//! |---|---|
//! | `maass2002` | Maass, Natschläger & Markram (2002): a 15 × 3 × 3 column of 135 LIF neurons (20 % inhibitory), connection probability `C · exp(−(D/λ)²)` with λ = 2, dynamic synapses (`"stp": "maass2002"`), the paper's neuron (τ_m 30 ms, threshold 15 mV, reset 13.5 mV, refractory 3 / 2 ms E / I approximated by 2 ms, bias 13.5 nA, exponential currents 3 / 6 ms), weights 30 / 60 / 19 / 19 nA, delays 1.5 ms (0.8 ms to EE approximated by one value), dt 0.1 ms |
//! | `cuba` | Brette et al. (2007) CUBA (Vogels & Abbott 2005): 4,000 LIF neurons (3,200 E, 800 I), p = 0.02, exponential currents 5 / 10 ms, τ_m 20 ms, threshold −50 mV, reset −60 mV, rest −49 mV (the drive), refractory 5 ms, jumps 1.62 / −9 mV (R = 1 MΩ: nA), no delay, start uniform in [−60, −50] mV, dt 0.1 ms |
//! | `coba` | Brette et al. (2007) COBA: the same population and graph with conductance synapses (`exp_conductance`, τ 5 / 10 ms, E 0 / −80 mV, jumps 6 / 67 nS), g_L 10 nS (R = 100 MΩ), C 200 pF, rest and reset −60 mV, threshold −50 mV, refractory 5 ms, drive 200 pA, no delay, start uniform in [−60, −50] mV, dt 0.1 ms |
//! | `cobahh` | Brette et al. (2007) COBAHH (benchmark 3): the same population and graph of Hodgkin-Huxley neurons with the Traub-Miles kinetics (`neuron.hh.kinetics: "traub_miles"`, [`crate::HhParams::cobahh`]: 20,000 µm², C 200 pF, g_L 10 nS, E_L −60 mV, g_Na 20 µS, g_K 6 µS, E_Na 50 mV, E_K −90 mV, V_T −63 mV), conductance synapses as `coba` (τ 5 / 10 ms, E 0 / −80 mV, jumps 6 / 67 nS), spikes at upward crossings of −20 mV, refractory 3 ms, no drive (the cell fires tonically alone), no delay, start uniform in [−75, −55] mV with the gates at their steady state there (the paper: v ~ E_L + N(−5, 5²) mV; Brian2's example also starts the conductances at ge ~ N(40, 15²) nS, gi ~ N(200, 120²) nS and the gates at 0), dt 0.1 ms with one exponential Euler substep per step (`neuron.hh.substep_ms` 0.1, Brian2's `method='exponential_euler'` at dt 0.1 ms) |
//! | `brunel2000` | Brunel (2000) model A, the sparse balanced network: 12,500 LIF neurons (10,000 E, 2,500 I), each receiving exactly `C_E` = 1,000 excitatory and `C_I` = 250 inhibitory synapses (ε = 0.1, `fixed_in_degree_ei`), delta synapses of J = 0.1 mV and −gJ, g = 5, delay 1.5 ms, τ_m 20 ms, threshold 20 mV, reset 10 mV, rest 0 mV, refractory 2 ms, and `C_ext = C_E` external Poisson sources of rate ν_ext = 2 ν_thr per neuron (`neuron.background`; ν_thr = θ / (J C_E τ_m) = 10 Hz), start uniform in [0, 20] mV, dt 0.1 ms: the asynchronous irregular (AI) state |
//!
//! # Brunel's regimes: `brunel2000:key=value,...`
//!
//! The name takes parameters after a colon, e.g. `brunel2000:g=3,nu=2`:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `g` | 5 | relative strength of inhibition (inhibitory weight −gJ) |
//! | `nu` | 2 | external rate in units of the threshold rate, ν_ext / ν_thr |
//! | `n_e` | 10000 | excitatory neurons `N_E` (`N_I = N_E / 4`) |
//! | `c_e` | `n_e / 10` | excitatory in-degree `C_E` (`C_I = C_E / 4`, `C_ext = C_E`; ν_thr follows it) |
//!
//! The four states of Brunel's Fig. 8: synchronous regular `g=3,nu=2`, fast oscillating
//! synchronous irregular `g=6,nu=4`, asynchronous irregular `g=5,nu=2` (the default) and slow
//! oscillating synchronous irregular `g=4.5,nu=0.9`. `n_e` and `c_e` scale the network down
//! (a test simulates `n_e=2000,c_e=200`); the mean-field theory depends on `C_E`, not `N`.
//!
//! Every field can still be overridden by a config file over the preset (a given `neuron`
//! replaces the preset's whole, its `background` included).

use super::{Delay, GeneratorConfig, InputConfig, PairScale, Topology, WeightDist};
use crate::error::{config_err, Result};
use crate::spec::{Background, NeuronSpec, SynapseKind};
use crate::HhParams;
use crate::StpGenerator;
use lsm_core::Real;

/// The names [`preset`] knows.
pub const PRESETS: [&str; 5] = ["maass2002", "cuba", "coba", "cobahh", "brunel2000"];

/// The generator config of the named network (see the module documentation).
///
/// # Errors
/// [`crate::ReservoirError::Config`] for an unknown name, listing the known ones, or a bad
/// `brunel2000:` parameter, naming it.
pub fn preset(name: &str) -> Result<GeneratorConfig> {
    if let Some(params) = name
        .strip_prefix("brunel2000")
        .and_then(|r| r.strip_prefix(':').or(r.is_empty().then_some("")))
    {
        return brunel2000(&Brunel::parse(params)?);
    }
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
        // Brette et al.'s conductance synapses (COBA, COBAHH) reverse at 0 and −80 mV.
        e_syn_exc_mv: (synapse == SynapseKind::ExpConductance).then_some(0.0.into()),
        e_syn_inh_mv: (synapse == SynapseKind::ExpConductance).then_some((-80.0).into()),
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
        "coba" => Ok(brette(
            lif(-60.0, 100.0, 0.2, SynapseKind::ExpConductance),
            6.0,
            67.0,
        )),
        "cobahh" => {
            let ne = NeuronSpec {
                model: crate::ModelKind::Hh,
                v_th_mv: (-20.0).into(),
                t_ref_ms: 3.0.into(),
                hh: Some(HhParams::cobahh(0.1)),
                ..lif(-60.0, 100.0, 0.0, SynapseKind::ExpConductance)
            };
            Ok(GeneratorConfig {
                v_init_uniform_mv: Some([-75.0, -55.0]),
                ..brette(ne, 6.0, 67.0)
            })
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

/// The parameters of `brunel2000:...` (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Brunel {
    /// Relative inhibition `g`.
    pub g: Real,
    /// `ν_ext / ν_thr`.
    pub nu: Real,
    /// Excitatory neurons `N_E`.
    pub n_e: usize,
    /// Excitatory in-degree `C_E`.
    pub c_e: usize,
}

impl Brunel {
    /// Synaptic efficacy J, mV.
    pub const J_MV: Real = 0.1;
    /// Membrane time constant, ms.
    pub const TAU_M_MS: Real = 20.0;
    /// Threshold θ, mV.
    pub const THETA_MV: Real = 20.0;
    /// Reset V_r, mV.
    pub const V_R_MV: Real = 10.0;
    /// Refractory period τ_rp, ms.
    pub const T_REF_MS: Real = 2.0;
    /// Transmission delay D, ms.
    pub const DELAY_MS: Real = 1.5;

    /// The threshold rate ν_thr = θ / (J C_E τ_m), Hz: the external rate that brings the mean
    /// membrane to threshold without recurrent input.
    pub fn nu_thr_hz(&self) -> Real {
        Self::THETA_MV / (Self::J_MV * self.c_e as Real * Self::TAU_M_MS) * 1000.0
    }

    /// Parse `key=value,...` (`""`: the defaults).
    ///
    /// # Errors
    /// [`crate::ReservoirError::Config`] naming `preset` and the bad key or value.
    pub fn parse(params: &str) -> Result<Brunel> {
        let bad = |m: String| config_err("preset", format!("brunel2000: {m}"));
        let (mut g, mut nu, mut n_e, mut c_e) = (5.0, 2.0, 10_000usize, None);
        for kv in params.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| bad(format!("expected key=value, found \"{kv}\"")))?;
            let real = |lo: Real| match v.parse::<Real>() {
                Ok(x) if x.is_finite() && x >= lo => Ok(x),
                _ => Err(bad(format!(
                    "{k}: expected a number >= {lo}, found \"{v}\""
                ))),
            };
            let count = || match v.parse::<usize>() {
                Ok(x) if x >= 1 => Ok(x),
                _ => Err(bad(format!(
                    "{k}: expected a whole number >= 1, found \"{v}\""
                ))),
            };
            match k {
                "g" => g = real(0.0)?,
                "nu" => nu = real(0.0)?,
                "n_e" => n_e = count()?,
                "c_e" => c_e = Some(count()?),
                _ => {
                    return Err(bad(format!(
                        "unknown parameter \"{k}\": expected g, nu, n_e or c_e"
                    )))
                }
            }
        }
        let c_e = c_e.unwrap_or((n_e / 10).max(1));
        if n_e < 4 || c_e >= n_e || c_e / 4 >= n_e / 4 {
            return Err(bad(format!(
                "c_e = {c_e} and n_e = {n_e}: expected 4 <= n_e and c_e < n_e \
                 (and c_e / 4 < n_e / 4 inhibitory neurons)"
            )));
        }
        Ok(Brunel { g, nu, n_e, c_e })
    }
}

/// Brunel (2000) model A with the parameters `b` (see the module documentation).
fn brunel2000(b: &Brunel) -> Result<GeneratorConfig> {
    let n_i = b.n_e / 4;
    let j = Brunel::J_MV;
    let neuron = NeuronSpec {
        tau_m_ms: Brunel::TAU_M_MS.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: Brunel::V_R_MV.into(),
        v_th_mv: Brunel::THETA_MV.into(),
        t_ref_ms: Brunel::T_REF_MS.into(),
        i_bias_na: 0.0.into(),
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        background: Some(Background {
            n_sources: b.c_e as u64,
            rate_hz: b.nu * b.nu_thr_hz(),
            weight: j,
        }),
        ..NeuronSpec::default()
    };
    let n = b.n_e + n_i;
    Ok(GeneratorConfig {
        dt_ms: 0.1,
        n_neurons: Some(n),
        frac_exc: b.n_e as Real / n as Real,
        neuron,
        topology: Topology::FixedInDegreeEi {
            exc: b.c_e,
            inh: b.c_e / 4,
        },
        weight_scale: PairScale {
            ee: j,
            ei: j,
            ie: b.g * j,
            ii: b.g * j,
        },
        weight_dist: WeightDist::Constant,
        delay: Delay::Constant {
            ms: Brunel::DELAY_MS,
        },
        v_init_uniform_mv: Some([0.0, Brunel::THETA_MV]),
        input: InputConfig::default(),
        ..GeneratorConfig::default()
    })
}
