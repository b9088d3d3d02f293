//! Izhikevich parameters per population for the generator (field `izhikevich`): each
//! population has a preset and may be jittered toward a second one, as the network of
//! Izhikevich (2003): excitatory regular spiking toward chattering with `r²`, inhibitory
//! low-threshold spiking toward fast spiking with `r`.

use crate::error::{config_err, Result};
use crate::izhikevich::{preset, preset_names, IzhParams};
use crate::spec::{ModelKind, NeuronSpec, Param};
use lsm_core::{rng_for, Real};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The parameters of one population: neuron `i` gets `p0 + (p1 − p0) r_i^power` for each of
/// `a`, `b`, `c`, `d`, where `p0` is `preset`'s, `p1` is `toward`'s (`p0` when `toward` is
/// absent: no jitter) and `r_i ~ U[0, 1)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IzhPopulation {
    /// A preset name ([`crate::izhikevich::PRESETS`]).
    pub preset: String,
    /// The preset the jitter moves toward; default none (every neuron is `preset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toward: Option<String>,
    /// Exponent of `r` (finite, >= 0). Default 1.
    #[serde(default = "one")]
    pub power: Real,
}

fn one() -> Real {
    1.0
}

fn population(preset: &str, toward: &str, power: Real) -> IzhPopulation {
    IzhPopulation {
        preset: preset.into(),
        toward: Some(toward.into()),
        power,
    }
}

fn paper_exc() -> IzhPopulation {
    population("regular-spiking", "chattering", 2.0)
}

fn paper_inh() -> IzhPopulation {
    population("low-threshold-spiking", "fast-spiking", 1.0)
}

/// The Izhikevich parameters of the excitatory and inhibitory populations (generator field
/// `izhikevich`, which needs `neuron.model` `"izhikevich"`). Each defaults to the 2003 paper's:
/// `exc` `{"preset": "regular-spiking", "toward": "chattering", "power": 2}` (`c = −65 + 15 r²`,
/// `d = 8 − 6 r²`), `inh` `{"preset": "low-threshold-spiking", "toward": "fast-spiking",
/// "power": 1}` (`a = 0.02 + 0.08 r`, `b = 0.25 − 0.05 r`). The `r` are drawn per neuron, in
/// neuron order, from the stream `IZHIKEVICH_JITTER` of the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IzhMix {
    /// Excitatory population.
    #[serde(default = "paper_exc")]
    pub exc: IzhPopulation,
    /// Inhibitory population.
    #[serde(default = "paper_inh")]
    pub inh: IzhPopulation,
}

impl Default for IzhMix {
    fn default() -> Self {
        Self {
            exc: paper_exc(),
            inh: paper_inh(),
        }
    }
}

impl IzhMix {
    /// Check the preset names, the power and the neuron model.
    pub(crate) fn check(&self, neuron: &NeuronSpec) -> Result<()> {
        if neuron.model != ModelKind::Izhikevich {
            return Err(config_err(
                "izhikevich",
                "per-population Izhikevich parameters need \"neuron\": {\"model\": \"izhikevich\", ...}",
            ));
        }
        for (pop, p) in [("exc", &self.exc), ("inh", &self.inh)] {
            for (field, name) in [("preset", Some(&p.preset)), ("toward", p.toward.as_ref())] {
                if let Some(name) = name.filter(|n| preset(n).is_none()) {
                    return Err(config_err(
                        format!("izhikevich.{pop}.{field}"),
                        format!(
                            "unknown preset \"{name}\": expected one of {}",
                            preset_names()
                        ),
                    ));
                }
            }
            if !(p.power.is_finite() && p.power >= 0.0) {
                return Err(config_err(
                    format!("izhikevich.{pop}.power"),
                    format!("expected a finite exponent >= 0, found {}", p.power),
                ));
            }
        }
        Ok(())
    }

    /// Per-neuron `a`, `b`, `c`, `d` for the populations `exc` (checked config).
    pub(crate) fn params(&self, exc: &[bool], seed: u64, stream_id: u64) -> IzhParams {
        let mut rng = rng_for(seed, stream_id);
        let mut vals: [Vec<Real>; 4] = Default::default();
        for &e in exc {
            let p = if e { &self.exc } else { &self.inh };
            let p0 = preset(&p.preset).expect("checked");
            let p1 = p
                .toward
                .as_deref()
                .map_or(p0, |t| preset(t).expect("checked"));
            let f = rng.gen::<Real>().powf(p.power);
            for k in 0..4 {
                vals[k].push(p0[k] + (p1[k] - p0[k]) * f);
            }
        }
        let [a, b, c, d] = vals.map(Param::PerNeuron);
        IzhParams::explicit(a, b, c, d)
    }
}
