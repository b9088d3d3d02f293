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
//! every layer an [`Esn`] step (see its module documentation). With `"stack": "parallel"`
//! every layer is driven by the input instead (`x⁽ˡ⁾(t) = ESNₗ(x⁽ˡ⁾(t−1), u(t))`): independent
//! reservoirs side by side, each with its own size, radius, leak and input scaling, read out
//! together (a one-layer parallel stack is the ESN as well). The readout sees the states of
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
//! {"kind": "deep-esn", "stack": "parallel", "layers": [{"n_units": 100, "leak_rate": 0.1},
//!  {"n_units": 100, "leak_rate": 0.9}]}
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

/// How the layers of a [`DeepEsn`] are driven.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stack {
    /// Layer 0 by the input, layer `l > 0` by layer `l − 1` (Gallicchio's DeepESN; the
    /// default).
    #[default]
    Deep,
    /// Every layer by the input (parallel reservoirs).
    Parallel,
}

impl Stack {
    fn is_deep(&self) -> bool {
        *self == Stack::Deep
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
    /// `"deep"` (default) or `"parallel"`.
    #[serde(default, skip_serializing_if = "Stack::is_deep")]
    pub stack: Stack,
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
            if self.stack == Stack::Deep {
                k = l.n_units;
            }
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
/// that each layer's input is the layer below (a parallel stack: the input of layer 0) and
/// the readout layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeepEsnData")]
pub struct DeepEsn {
    layers: Vec<Esn>,
    readout_layers: Vec<usize>,
    #[serde(default, skip_serializing_if = "Stack::is_deep")]
    stack: Stack,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeepEsnData {
    layers: Vec<Esn>,
    readout_layers: Vec<usize>,
    #[serde(default)]
    stack: Stack,
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
            let (want, of) = match d.stack {
                Stack::Deep => (
                    w[0].n_units(),
                    format!("the {} units of layer {i}", w[0].n_units()),
                ),
                Stack::Parallel => (
                    d.layers[0].n_inputs(),
                    format!(
                        "the {} input channels of layer 0 (a parallel stack)",
                        d.layers[0].n_inputs()
                    ),
                ),
            };
            if w[1].n_inputs() != want {
                return Err(deep_err(
                    format!("layers[{}]", i + 1),
                    format!("{} input channels: expected {of}", w[1].n_inputs()),
                ));
            }
        }
        check_readout_layers(Some(&d.readout_layers), n)?;
        Ok(Self {
            layers: d.layers,
            readout_layers: d.readout_layers,
            stack: d.stack,
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
            let k = match cfg.stack {
                Stack::Deep => layers.last().map_or(n_inputs, Esn::n_units),
                Stack::Parallel => n_inputs,
            };
            layers.push(Esn::build_on(c, k, seed, stream::ESN | (l as u64) << 40)?);
        }
        let readout_layers = cfg
            .readout_layers
            .clone()
            .unwrap_or_else(|| (0..layers.len()).collect());
        Ok(Self {
            layers,
            readout_layers,
            stack: cfg.stack,
        })
    }

    /// How the layers are driven.
    pub fn stack(&self) -> Stack {
        self.stack
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
            let input = if off == 0 || self.stack == Stack::Parallel {
                u
            } else {
                &lower[below.clone()]
            };
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
            let x = match (&below, self.stack) {
                (Some(b), Stack::Deep) => crate::SeriesReservoir::states(e, b.view(), 0)?,
                _ => crate::SeriesReservoir::states(e, inputs, 0)?,
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
