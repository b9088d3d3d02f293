//! Layered networks: several populations, each built by the single-population generator
//! ([`GeneratorConfig`]), placed at consecutive neuron offsets in one network and linked by
//! declared projections.
//!
//! ```json
//! {
//!   "dt_ms": 1.0,
//!   "layers": [
//!     {"name": "low", "n_neurons": 200, "topology": {"kind": "random", "p": 0.1}},
//!     {"name": "high", "n_neurons": 100, "topology": {"kind": "none"}}
//!   ],
//!   "projections": [
//!     {"from": "low", "to": "high", "rule": {"kind": "fixed_in_degree", "k": 20},
//!      "weight_scale": {"ee": 3, "ei": 6, "ie": 1.9, "ii": 1.9}, "delay": {"kind": "constant", "ms": 2}}
//!   ],
//!   "input_layers": ["low"]
//! }
//! ```
//!
//! A layer takes every field of [`GeneratorConfig`] but `dt_ms` (the network's, given once at
//! the top), plus `"name"`, and may start from a preset (`"preset": "maass2002"`, the other
//! fields overriding it). `{"kind": "none"}` as topology makes a feedforward layer. This one
//! form gives layered feedforward networks, a reservoir followed by a spiking layer, parallel
//! reservoirs (several `input_layers`, no projections between them) and stacked reservoirs
//! (each layer recurrent, projections `l → l+1`: the spiking analogue of a deep ESN).
//!
//! * Layer `l` is drawn exactly as [`GeneratorConfig::generate`] draws it, from the streams
//!   `lsm_core::stream::layer(s, l)` (`s | l << 48`) of every generator stream `s` (`NEURON`,
//!   `W_REC`, `W_IN`, `IZHIKEVICH_JITTER`, `STP`): layer 0 uses the plain streams, so a
//!   one-layer network with no projections is the plain generator's network of the same seed
//!   (only `meta` differs). Its recurrent synapses come first in the network's list, layer by
//!   layer, then the projections'.
//! * Only the `input_layers` (default: the first layer) receive the input channels, each
//!   through its own `input` config; every input layer sees every channel.
//! * Projection `p` draws from `stream::layer(stream::PROJECTION, p)`: connectivity
//!   (`random`: each pair `i → j` with probability `p`, presynaptic-major; `fixed_in_degree`:
//!   each neuron of `to` receives from exactly `k` distinct neurons of `from`;
//!   `fixed_out_degree`: each neuron of `from` sends to exactly `k` of `to`), then one weight
//!   per synapse (`|w| = weight_scale[pair] · ξ`, the sign of the presynaptic neuron's type),
//!   then one delay per synapse.
//! * A network file has one `neuron` section: layers must share the model, synapse kind and
//!   the other non-numeric neuron fields; numeric parameters may differ and are then stored
//!   per neuron.
//! * Dynamic synapses (`stp`) are refused unless there is one layer and no projection.
//!
//! `meta` holds `"generator"` (this config), `"seed"`, `"excitatory"` (all neurons) and
//! `"layers": [{"name", "start", "n"}, ...]` (plus a layer's `"positions"` or `"rewired"`).

mod build;
mod check;
mod meta;
pub use meta::{layer_ranges, LayerRange};

use super::{Delay, GeneratorConfig, PairScale, WeightDist};
use crate::error::{config_err, Result};
use crate::ReservoirError;
use lsm_core::Real;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One layer: a name and a population (a [`GeneratorConfig`] whose `dt_ms` is the network's).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerConfig {
    /// Unique, non-empty name (used by projections, `input_layers` and `readout_layers`).
    pub name: String,
    /// The population: every generator field but `dt_ms`.
    pub population: GeneratorConfig,
}

impl Serialize for LayerConfig {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut v = serde_json::to_value(&self.population).map_err(S::Error::custom)?;
        if let Some(m) = v.as_object_mut() {
            m.remove("dt_ms");
            m.insert("name".into(), self.name.clone().into());
        }
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for LayerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let serde_json::Value::Object(mut m) = v else {
            return Err(D::Error::custom(
                "a layer: expected an object with \"name\"",
            ));
        };
        let name = match m.remove("name") {
            Some(serde_json::Value::String(s)) => s,
            Some(x) => {
                return Err(D::Error::custom(format!(
                    "layer name: expected a string, found {x}"
                )))
            }
            None => return Err(D::Error::custom("a layer: missing field `name`")),
        };
        let at = |msg: String| D::Error::custom(format!("layer \"{name}\": {msg}"));
        if m.contains_key("dt_ms") {
            return Err(at(
                "`dt_ms` is the network's: give it once, at the top level".into(),
            ));
        }
        let base = match m.remove("preset") {
            None => GeneratorConfig::default(),
            Some(serde_json::Value::String(p)) => {
                crate::preset(&p).map_err(|e| at(format!("preset: {e}")))?
            }
            Some(x) => return Err(at(format!("preset: expected a preset name, found {x}"))),
        };
        let population = GeneratorConfig::from_map_over(m, &base).map_err(|e| at(e.to_string()))?;
        Ok(LayerConfig { name, population })
    }
}

/// How a projection connects its two layers (JSON: an object with `"kind"`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProjectionRule {
    /// Each pair (neuron of `from`, neuron of `to`) with probability `p` (0..=1).
    Random {
        /// Connection probability.
        p: Real,
    },
    /// Each neuron of `to` receives from exactly `k` distinct neurons of `from`.
    FixedInDegree {
        /// In-degree, at most the size of `from`.
        k: usize,
    },
    /// Each neuron of `from` sends to exactly `k` distinct neurons of `to`.
    FixedOutDegree {
        /// Out-degree, at most the size of `to`.
        k: usize,
    },
}

fn default_scale() -> PairScale {
    GeneratorConfig::default().weight_scale
}
fn constant() -> WeightDist {
    WeightDist::Constant
}
fn one_ms() -> Delay {
    Delay::Constant { ms: 1.0 }
}
fn default_dt() -> Real {
    GeneratorConfig::default().dt_ms
}

/// Synapses from every neuron of one layer to another's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// The presynaptic layer's name.
    pub from: String,
    /// The postsynaptic layer's name (not `from`: a layer's recurrence is its topology).
    pub to: String,
    /// Connectivity.
    pub rule: ProjectionRule,
    /// Weight magnitude per pair (presynaptic type first). Default the generator's.
    #[serde(default = "default_scale")]
    pub weight_scale: PairScale,
    /// Weight multiplier distribution. Default constant.
    #[serde(default = "constant")]
    pub weight_dist: WeightDist,
    /// Delays. Default constant 1 ms.
    #[serde(default = "one_ms")]
    pub delay: Delay,
}

/// A layered network config (see the module documentation). Read from JSON, every layer's
/// `population.dt_ms` is the network's `dt_ms` (which is what generation uses in any case).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, from = "RawLayered")]
pub struct LayeredConfig {
    /// Simulation step of the whole network, ms (> 0). Default 0.1.
    #[serde(default = "default_dt")]
    pub dt_ms: Real,
    /// The layers, at consecutive neuron offsets in this order.
    pub layers: Vec<LayerConfig>,
    /// Projections between layers. Default none.
    #[serde(default)]
    pub projections: Vec<Projection>,
    /// Layers that receive the input channels. Default (`null`): the first layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_layers: Option<Vec<String>>,
}

/// [`LayeredConfig`] as read, before the network's step is copied into the layers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayered {
    #[serde(default = "default_dt")]
    dt_ms: Real,
    layers: Vec<LayerConfig>,
    #[serde(default)]
    projections: Vec<Projection>,
    #[serde(default)]
    input_layers: Option<Vec<String>>,
}

impl From<RawLayered> for LayeredConfig {
    fn from(r: RawLayered) -> Self {
        let mut layers = r.layers;
        layers.iter_mut().for_each(|l| l.population.dt_ms = r.dt_ms);
        LayeredConfig {
            dt_ms: r.dt_ms,
            layers,
            projections: r.projections,
            input_layers: r.input_layers,
        }
    }
}

/// Prefix a layer's own field errors with `layers[k].`.
fn in_layer(k: usize, e: ReservoirError) -> ReservoirError {
    match e {
        ReservoirError::Config { what, field, msg } => ReservoirError::Config {
            what,
            field: format!("layers[{k}].{field}"),
            msg,
        },
        e => e,
    }
}

impl LayeredConfig {
    /// Parse from JSON text (`file` names the source in errors) and check.
    ///
    /// # Errors
    /// [`ReservoirError::Json`] or [`ReservoirError::Config`].
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let c: LayeredConfig =
            crate::error::from_json_object(text, file, "layered generator config")?;
        c.check()?;
        Ok(c)
    }

    /// Layer `k`'s population with the network's step.
    fn population(&self, k: usize) -> GeneratorConfig {
        GeneratorConfig {
            dt_ms: self.dt_ms,
            ..self.layers[k].population.clone()
        }
    }

    /// The index of the layer called `name`; the error names `field` and lists the layers.
    fn index(&self, name: &str, field: String) -> Result<usize> {
        self.layers
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.layers.iter().map(|l| l.name.as_str()).collect();
                config_err(
                    field,
                    format!(
                        "unknown layer \"{name}\": expected one of {}",
                        names.join(", ")
                    ),
                )
            })
    }

    /// The layers' places, in order.
    pub fn ranges(&self) -> Vec<LayerRange> {
        let mut start = 0;
        (0..self.layers.len())
            .map(|k| {
                let n = self.population(k).resolved_n_neurons();
                start += n;
                LayerRange {
                    name: self.layers[k].name.clone(),
                    start: start - n,
                    n,
                }
            })
            .collect()
    }

    /// Neurons of the whole network.
    pub fn n_neurons(&self) -> usize {
        self.ranges().iter().map(|r| r.n).sum()
    }

    /// The indices of the input layers.
    fn input_indices(&self) -> Result<Vec<usize>> {
        match &self.input_layers {
            None => Ok(vec![0]),
            Some(names) => names
                .iter()
                .enumerate()
                .map(|(i, n)| self.index(n, format!("input_layers[{i}]")))
                .collect(),
        }
    }
}
