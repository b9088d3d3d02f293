//! Deep echo state networks (Gallicchio, Micheli & Pedrelli 2017, "Deep reservoir computing:
//! a critical experimental analysis"; `DeepESN`): a stack of leaky tanh reservoirs. Layer 0 is
//! driven by the input `u(t)`, layer `l > 0` by the state of layer `l − 1` at the same step,
//! each through its own input weights (`input_scaling` of the layer is the inter-layer
//! scaling):
//!
//! ```text
//! x⁽⁰⁾(t) = ESN₀(x⁽⁰⁾(t−1), u(t))
//! x⁽ˡ⁾(t) = ESNₗ(x⁽ˡ⁾(t−1), x⁽ˡ⁻¹⁾(t))        l = 1 … L−1
//! ```
//!
//! every layer an [`Esn`] step (see its module documentation). The readout sees the states of
//! the layers in `readout_layers` (default: all), concatenated in layer order: Gallicchio's
//! readout on all layers, or on the last one only (`[L − 1]`), or any other set.
//!
//! Weights: layer 0 from `rng_for(seed, stream::ESN)`, so a one-layer deep ESN is exactly the
//! [`Esn`] of the same config and seed; layer `l > 0` from `rng_for(seed, stream::ESN | l << 40)`.
//!
//! JSON (`"kind": "deep-esn"` in a time-series config's `"reservoir"`):
//!
//! ```json
//! {"kind": "deep-esn", "layers": [{"n_units": 200}, {"n_units": 200, "input_scaling": 0.5}],
//!  "readout_layers": [0, 1]}
//! ```
//!
//! Feedback weights and the unsupervised rules (`plasticity`, `intrinsic`) are single-ESN
//! features and are refused in a layer.

use super::{Esn, EsnConfig};
use crate::ReservoirError;
use lsm_core::{stream, Real};
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// The most layers a deep ESN may have.
pub const MAX_LAYERS: usize = 64;

fn deep_err(field: impl Into<String>, msg: impl Into<String>) -> ReservoirError {
    ReservoirError::Config {
        what: "deep-esn",
        field: field.into(),
        msg: msg.into(),
    }
}

/// The config of a [`DeepEsn`] (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeepEsnConfig {
    /// The layers, bottom (driven by the input) first; each an ESN config.
    pub layers: Vec<EsnConfig>,
    /// The layers whose states the readout sees, ascending; default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readout_layers: Option<Vec<usize>>,
}

impl DeepEsnConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field (`layers[i].field` for a layer's).
    pub fn validate(&self) -> Result<(), ReservoirError> {
        let n = self.layers.len();
        if n == 0 || n > MAX_LAYERS {
            return Err(deep_err(
                "layers",
                format!("{n} layers: expected 1..={MAX_LAYERS}"),
            ));
        }
        for (i, l) in self.layers.iter().enumerate() {
            l.validate().map_err(|e| match e {
                ReservoirError::Config { field, msg, .. } => {
                    deep_err(format!("layers[{i}].{field}"), msg)
                }
                other => other,
            })?;
            if l.learning_epochs() > 0 {
                return Err(deep_err(
                    format!("layers[{i}]"),
                    "plasticity and intrinsic rules are not available in a deep ESN's layers \
                     (use a single \"esn\")",
                ));
            }
        }
        check_readout_layers(self.readout_layers.as_deref(), n)
    }

    /// [`DeepEsnConfig::validate`], and every layer's cost for `n_inputs` channels and
    /// `n_steps` steps ([`EsnConfig::validate_cost`]; a layer's input is the layer below).
    ///
    /// # Errors
    /// As [`EsnConfig::validate_cost`], naming the layer.
    pub fn validate_cost(&self, n_inputs: usize, n_steps: usize) -> Result<(), ReservoirError> {
        self.validate()?;
        let mut k = n_inputs;
        for (i, l) in self.layers.iter().enumerate() {
            l.validate_cost(k, n_steps).map_err(|e| match e {
                ReservoirError::Config { field, msg, .. } => {
                    deep_err(format!("layers[{i}].{field}"), msg)
                }
                other => other,
            })?;
            k = l.n_units;
        }
        Ok(())
    }
}

fn check_readout_layers(r: Option<&[usize]>, n: usize) -> Result<(), ReservoirError> {
    let Some(r) = r else { return Ok(()) };
    if r.is_empty() {
        return Err(deep_err(
            "readout_layers",
            "empty: expected at least one layer (omit it for all)",
        ));
    }
    if let Some(&bad) = r.iter().find(|&&l| l >= n) {
        return Err(deep_err(
            "readout_layers",
            format!("layer {bad}: expected 0..{n} (there are {n} layers)"),
        ));
    }
    if r.windows(2).any(|w| w[0] >= w[1]) {
        return Err(deep_err(
            "readout_layers",
            format!("{r:?}: expected ascending layer numbers without repeats"),
        ));
    }
    Ok(())
}

/// A built deep ESN: every layer's weights (what a model file stores). Deserialising checks
/// that each layer's input is the layer below and the readout layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeepEsnData")]
pub struct DeepEsn {
    layers: Vec<Esn>,
    readout_layers: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeepEsnData {
    layers: Vec<Esn>,
    readout_layers: Vec<usize>,
}

impl TryFrom<DeepEsnData> for DeepEsn {
    type Error = ReservoirError;
    fn try_from(d: DeepEsnData) -> Result<Self, ReservoirError> {
        let n = d.layers.len();
        if n == 0 || n > MAX_LAYERS {
            return Err(deep_err(
                "layers",
                format!("{n} layers: expected 1..={MAX_LAYERS}"),
            ));
        }
        for (i, w) in d.layers.windows(2).enumerate() {
            if w[1].n_inputs() != w[0].n_units() {
                return Err(deep_err(
                    format!("layers[{}]", i + 1),
                    format!(
                        "{} input channels: expected the {} units of layer {i}",
                        w[1].n_inputs(),
                        w[0].n_units()
                    ),
                ));
            }
        }
        check_readout_layers(Some(&d.readout_layers), n)?;
        Ok(Self {
            layers: d.layers,
            readout_layers: d.readout_layers,
        })
    }
}

impl DeepEsn {
    /// Draw every layer of `cfg` for `n_inputs` input channels from `seed` (see the module
    /// documentation for the streams).
    ///
    /// # Errors
    /// An invalid config, `n_inputs == 0`, or an eigenvalue failure.
    pub fn build(cfg: &DeepEsnConfig, n_inputs: usize, seed: u64) -> Result<Self, ReservoirError> {
        cfg.validate()?;
        let mut layers: Vec<Esn> = Vec::with_capacity(cfg.layers.len());
        for (l, c) in cfg.layers.iter().enumerate() {
            let k = layers.last().map_or(n_inputs, Esn::n_units);
            layers.push(Esn::build_on(c, k, seed, stream::ESN | (l as u64) << 40)?);
        }
        let readout_layers = cfg
            .readout_layers
            .clone()
            .unwrap_or_else(|| (0..layers.len()).collect());
        Ok(Self {
            layers,
            readout_layers,
        })
    }

    /// The layers, bottom first.
    pub fn layers(&self) -> &[Esn] {
        &self.layers
    }

    /// The layers the readout sees, ascending.
    pub fn readout_layers(&self) -> &[usize] {
        &self.readout_layers
    }

    /// Input channels (of layer 0).
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_inputs()
    }

    /// Units of all layers together (the length of a full state, [`DeepEsn::step`]).
    pub fn n_units(&self) -> usize {
        self.layers.iter().map(Esn::n_units).sum()
    }

    /// Units of the readout layers (the state the readout sees).
    pub fn n_state(&self) -> usize {
        self.readout_layers
            .iter()
            .map(|&l| self.layers[l].n_units())
            .sum()
    }

    /// The offset of each layer in a full state, and the total.
    fn offsets(&self) -> impl Iterator<Item = (usize, &Esn)> {
        self.layers.iter().scan(0, |off, e| {
            let o = *off;
            *off += e.n_units();
            Some((o, e))
        })
    }

    /// One step of every layer, bottom first, on the full state `x` ([`DeepEsn::n_units`]
    /// entries, layer 0 first) under input `u`; `scratch` holds at least the largest layer's
    /// units. No allocation.
    ///
    /// # Panics
    /// If the slice lengths are wrong.
    pub fn step(&self, x: &mut [Real], u: &[Real], scratch: &mut [Real]) {
        assert_eq!(x.len(), self.n_units(), "full deep-ESN state");
        let mut below = 0..0;
        for (off, e) in self.offsets() {
            let n = e.n_units();
            let (lower, cur) = x.split_at_mut(off);
            let input = if off == 0 { u } else { &lower[below.clone()] };
            e.step(&mut cur[..n], input, &mut scratch[..n]);
            below = off..off + n;
        }
    }

    /// The readout's state (the readout layers of the full state `x`) into `out`
    /// ([`DeepEsn::n_state`] entries).
    pub fn readout_state(&self, x: &[Real], out: &mut [Real]) {
        let mut at = 0;
        for (l, (o, e)) in self.offsets().enumerate() {
            if self.readout_layers.contains(&l) {
                let n = e.n_units();
                out[at..at + n].copy_from_slice(&x[o..o + n]);
                at += n;
            }
        }
    }

    /// The readout's states for `inputs` (rows: time) from rest: each layer runs over the
    /// whole series on the states of the layer below (the same numbers as stepping all layers
    /// together, [`DeepEsn::step`]).
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if `inputs` has the wrong number of columns.
    pub fn states(&self, inputs: ArrayView2<Real>) -> Result<Array2<Real>, ReservoirError> {
        let t = inputs.nrows();
        let mut out = Array2::zeros((t, self.n_state()));
        let mut col = 0;
        let mut below: Option<Array2<Real>> = None;
        for (l, e) in self.layers.iter().enumerate() {
            let x = match &below {
                None => crate::SeriesReservoir::states(e, inputs, 0)?,
                Some(b) => crate::SeriesReservoir::states(e, b.view(), 0)?,
            };
            if self.readout_layers.contains(&l) {
                let n = e.n_units();
                out.slice_mut(s![.., col..col + n]).assign(&x);
                col += n;
            }
            below = Some(x);
        }
        Ok(out)
    }
}
