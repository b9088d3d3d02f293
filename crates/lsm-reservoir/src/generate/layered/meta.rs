//! The layers recorded in a network file (`meta.layers`) and the neurons of chosen layers.

use crate::error::{config_err, Result};
use crate::spec::NetworkSpec;
use crate::ReservoirError;
use serde::{Deserialize, Serialize};

/// A layer's place in the network (`meta.layers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRange {
    /// Its name.
    pub name: String,
    /// Index of its first neuron.
    pub start: usize,
    /// Its neurons.
    pub n: usize,
}

/// The layers of a network (`meta.layers`, written by [`LayeredConfig::generate`]), checked
/// to lie within its neurons; `None` for a network without them.
///
/// # Errors
/// [`ReservoirError::Config`] for a malformed `meta.layers`.
pub fn layer_ranges(spec: &NetworkSpec) -> Result<Option<Vec<LayerRange>>> {
    let Some(v) = spec.meta.as_ref().and_then(|m| m.get("layers")) else {
        return Ok(None);
    };
    let mut ranges: Vec<LayerRange> = serde_json::from_value(v.clone()).map_err(|e| {
        config_err(
            "meta.layers",
            format!("expected [{{\"name\", \"start\", \"n\"}}, ...]: {e}"),
        )
    })?;
    for r in &mut ranges {
        if !matches!(r.start.checked_add(r.n), Some(end) if end <= spec.n_neurons) {
            return Err(config_err(
                "meta.layers",
                format!(
                    "layer \"{}\" (start {}, n {}) exceeds the network's {} neurons",
                    r.name, r.start, r.n, spec.n_neurons
                ),
            ));
        }
    }
    Ok(Some(ranges))
}

impl NetworkSpec {
    /// The neurons of the layers `names` (from `meta.layers`), layer by layer in the order
    /// given. `field` names the config field in errors (`features.readout_layers`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming `field`: a network without layers, an unknown name
    /// (listing the layers), a name given twice.
    pub fn layer_neurons(&self, names: &[String], field: &str) -> Result<Vec<usize>> {
        let err = |msg: String| ReservoirError::Config {
            what: "readout",
            field: field.into(),
            msg,
        };
        let Some(ranges) = layer_ranges(self)? else {
            return Err(err(
                "the network has no layers (no `meta.layers`): generate it from a layered \
                 config (one with \"layers\") to read out chosen layers"
                    .into(),
            ));
        };
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(err(format!("layer \"{name}\" is listed twice")));
            }
            let Some(r) = ranges.iter().find(|r| &r.name == name) else {
                let all: Vec<&str> = ranges.iter().map(|r| r.name.as_str()).collect();
                return Err(err(format!(
                    "unknown layer \"{name}\": the network's layers are {}",
                    all.join(", ")
                )));
            };
            out.extend(r.start..r.start + r.n);
        }
        Ok(out)
    }
}
