//! Drawing a trial's parameters and seed from `(base seed, trial id)` alone: random (the
//! trial's own ChaCha stream), Sobol (point `id` of a digitally shifted Sobol sequence) or a
//! grid (point `id` of the Cartesian product of [`Dist::grid`](crate::search::Dist::grid) values). No draw depends on
//! another trial, so a trial is the same whatever machine, shard or order runs it.

use super::sobol::{sobol_bits, SOBOL_MAX_DIMS};
use super::space::{Param, Space};
use crate::error::PipelineError;
use lsm_core::{rng_for, stream};
use rand::Rng;
use serde_json::{Map, Value};

/// How trial points are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplerKind {
    /// Independent uniform draws.
    Random,
    /// A low-discrepancy Sobol sequence (at most [`SOBOL_MAX_DIMS`] parameters).
    Sobol,
    /// Every combination of `points` values per parameter ([`Dist::grid`](crate::search::Dist::grid)).
    Grid {
        /// Values per real or integer parameter.
        points: usize,
    },
}

impl SamplerKind {
    /// Parse `random`, `sobol` or `grid` (with `points` values per axis).
    pub fn parse(s: &str, points: usize) -> Option<Self> {
        match s {
            "random" => Some(Self::Random),
            "sobol" => Some(Self::Sobol),
            "grid" => Some(Self::Grid { points }),
            _ => None,
        }
    }

    /// The name written in results files (`grid:5` for a grid).
    pub fn name(&self) -> String {
        match self {
            Self::Random => "random".into(),
            Self::Sobol => "sobol".into(),
            Self::Grid { points } => format!("grid:{points}"),
        }
    }
}

/// The config seed of trial `trial` of a search with `base_seed`.
pub fn trial_seed(base_seed: u64, trial: u64) -> u64 {
    rng_for(base_seed, stream::SEARCH_SEED.wrapping_add(trial)).gen()
}

/// Draws trial parameters for one space.
#[derive(Clone, Debug)]
pub struct Sampler {
    kind: SamplerKind,
    base_seed: u64,
    params: Vec<Param>,
    /// Sobol: the digital shift of each dimension (from the base seed).
    shift: Vec<u32>,
    /// Grid: the values of each axis.
    axes: Vec<Vec<Value>>,
}

impl Sampler {
    /// A sampler of `space`'s parameters.
    ///
    /// # Errors
    /// Sobol with more than [`SOBOL_MAX_DIMS`] parameters (naming the space file).
    pub fn new(kind: SamplerKind, space: &Space, base_seed: u64) -> Result<Self, PipelineError> {
        let d = space.params.len();
        if kind == SamplerKind::Sobol && d > SOBOL_MAX_DIMS {
            return Err(PipelineError::Space {
                path: space.file.clone(),
                param: "params".into(),
                msg: format!(
                    "{d} parameters; the Sobol sampler supports at most {SOBOL_MAX_DIMS} (use --sampler random)"
                ),
            });
        }
        let mut r = rng_for(base_seed, stream::SEARCH_SHIFT);
        let shift = (0..d).map(|_| r.gen()).collect();
        let axes = match kind {
            SamplerKind::Grid { points } => {
                space.params.iter().map(|p| p.dist.grid(points)).collect()
            }
            _ => Vec::new(),
        };
        Ok(Self {
            kind,
            base_seed,
            params: space.params.clone(),
            shift,
            axes,
        })
    }

    /// How many distinct trials there are (`Some` for a grid only).
    pub fn size(&self) -> Option<u64> {
        match self.kind {
            SamplerKind::Grid { .. } => Some(
                self.axes
                    .iter()
                    .fold(1u64, |n, a| n.saturating_mul(a.len() as u64)),
            ),
            _ => None,
        }
    }

    /// Trial `trial`'s point in `[0, 1)^d` (random and Sobol; a grid has none).
    pub fn unit(&self, trial: u64) -> Vec<f64> {
        let d = self.params.len();
        match self.kind {
            SamplerKind::Random => {
                let mut r = rng_for(self.base_seed, stream::SEARCH_PARAMS.wrapping_add(trial));
                (0..d).map(|_| r.gen::<f64>()).collect()
            }
            SamplerKind::Sobol => sobol_bits(trial & 0xffff_ffff, d)
                .into_iter()
                .zip(&self.shift)
                .map(|(x, s)| f64::from(x ^ s) / 4_294_967_296.0)
                .collect(),
            SamplerKind::Grid { .. } => Vec::new(),
        }
    }

    /// Trial `trial`'s parameters (config path → value). A grid wraps around past its size.
    pub fn params(&self, trial: u64) -> Map<String, Value> {
        match self.kind {
            SamplerKind::Grid { .. } => {
                // Mixed radix, the last parameter varying fastest.
                let mut i = trial % self.size().unwrap_or(1).max(1);
                let mut vals = vec![Value::Null; self.params.len()];
                for (k, axis) in self.axes.iter().enumerate().rev() {
                    let n = axis.len() as u64;
                    vals[k] = axis[(i % n) as usize].clone();
                    i /= n;
                }
                self.params
                    .iter()
                    .zip(vals)
                    .map(|(p, v)| (p.path.clone(), v))
                    .collect()
            }
            _ => self
                .params
                .iter()
                .zip(self.unit(trial))
                .map(|(p, u)| (p.path.clone(), p.dist.at(u)))
                .collect(),
        }
    }
}

/// Every point of the grid of `space` with `points` values per real or integer axis, the
/// last parameter varying fastest (for sweeps).
pub fn grid(space: &Space, points: usize) -> Vec<Map<String, Value>> {
    let s = Sampler::new(SamplerKind::Grid { points }, space, 0).expect("a grid has no size limit");
    (0..s.size().unwrap_or(0)).map(|i| s.params(i)).collect()
}
