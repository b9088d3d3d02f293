//! Network generators: a serde [`GeneratorConfig`] from which [`GeneratorConfig::generate`]
//! builds a [`NetworkSpec`].
//!
//! # What is generated, in order (every draw from `rng_for(seed, stream)`)
//!
//! 1. Populations (`stream::NEURON`): exactly `round(frac_exc · N)` excitatory neurons, chosen
//!    by a random permutation; the rest are inhibitory. Dale's law: every synapse of an
//!    excitatory neuron has a positive weight, of an inhibitory neuron a negative weight.
//! 2. Recurrent connectivity (`stream::W_REC`), never with autapses, by [`Topology`]:
//!    * `none`: no recurrent synapses (a feedforward layer);
//!    * `random`: each ordered pair `i → j`, `i ≠ j`, independently with probability `p`;
//!    * `fixed_in_degree`: every neuron receives from exactly `k` distinct others;
//!    * `fixed_in_degree_ei`: every neuron receives from exactly `exc` distinct excitatory
//!      and `inh` distinct inhibitory others (Brunel 2000's `C_E`, `C_I`): per neuron in
//!      order, the excitatory sources are drawn, then the inhibitory ones;
//!    * `fixed_out_degree`: every neuron projects to exactly `k` distinct others;
//!    * `maass_column` (Maass, Natschläger & Markram 2002): neurons on the integer grid of
//!      `columns` columns of `grid = [x, y, z]` points placed side by side along x (neuron
//!      `i` of a column is at `(i mod x, (i / x) mod y, i / (x y))`, column `c` shifted by
//!      `c·x` in x); `i → j` with probability `C[type_i type_j] · exp(-(D(i, j)/λ)²)`,
//!      `D` Euclidean distance;
//!    * `small_world` (Watts-Strogatz, directed): every neuron projects to its `k` nearest
//!      neighbours on a ring (`k/2` on each side, `k` even); each of these edges is then
//!      rewired with probability `beta` to a uniformly chosen target that is neither the
//!      source nor already one of its targets.
//! 3. Weights (`stream::W_REC`, in synapse order): `|w| = scale[pair] · ξ` where `pair` is
//!    `ee`, `ei`, `ie`, `ii` (**presynaptic type first**: `ei` = E → I) and `ξ` is drawn from
//!    [`WeightDist`] (all but `uniform` have mean 1); the sign follows Dale's law.
//! 4. Delays (`stream::W_REC`), by [`Delay`]. With `balance_rows`, the mean incoming weight
//!    of every neuron is then subtracted from each of its incoming weights (no draw), so that
//!    every neuron's recurrent input sums to zero when all its inputs fire alike: the
//!    row-balanced weights of Nicola & Clopath (2017), whose networks are chaotic before FORCE
//!    training. Signs may then break Dale's law.
//! 5. Optional rescaling of all recurrent weights so that the spectral radius of
//!    `W[post, pre]` is `spectral_radius` (see [`crate::spectral`]).
//! 6. Input projection (`stream::W_IN`): each channel projects to `round(fraction · N)`
//!    distinct neurons (or to each neuron with probability `fraction` when `bernoulli`), with
//!    `|w| = scale_exc` (to excitatory) or `scale_inh` (to inhibitory neurons) times `ξ` of its
//!    own [`WeightDist`], positive (or of random sign with `sign: "random"`).
//! 7. Initial membrane potentials (`stream::NEURON`) if `v_init_uniform_mv` is set.
//! 8. Izhikevich parameters per population (`stream::IZHIKEVICH_JITTER`, one `r` per neuron
//!    in neuron order) if `izhikevich` is set ([`IzhMix`]).
//! 9. Dynamic-synapse parameters (`stream::STP`, one `(U, D, F)` per recurrent synapse in list
//!    order) if `stp` is `"maass2002"` ([`crate::stp::maass2002`]).
//!
//! The generated file's `meta` holds `{"generator": <config>, "seed": seed, "excitatory":
//! [bool; N]}`, plus `"positions"` for the Maass column and `"rewired"` (number of rewired
//! edges) for small-world.

use crate::error::{config_err, limit, Result};
use crate::spec::{NetworkSpec, NeuronSpec};
use lsm_core::limits::Limit;
use lsm_core::{Real, SimRng};
use rand::Rng;
use rand_distr::{Distribution, Gamma, LogNormal};
use serde::{Deserialize, Serialize};

/// A value per (presynaptic, postsynaptic) population pair; `ei` = excitatory → inhibitory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairScale {
    /// E → E.
    pub ee: Real,
    /// E → I.
    pub ei: Real,
    /// I → E.
    pub ie: Real,
    /// I → I.
    pub ii: Real,
}

impl PairScale {
    /// The value for a pair (`true` = excitatory).
    pub fn get(&self, pre_exc: bool, post_exc: bool) -> Real {
        match (pre_exc, post_exc) {
            (true, true) => self.ee,
            (true, false) => self.ei,
            (false, true) => self.ie,
            (false, false) => self.ii,
        }
    }
    fn all(&self) -> [(&'static str, Real); 4] {
        [
            ("ee", self.ee),
            ("ei", self.ei),
            ("ie", self.ie),
            ("ii", self.ii),
        ]
    }
}

fn maass_c() -> PairScale {
    PairScale {
        ee: 0.3,
        ei: 0.2,
        ie: 0.4,
        ii: 0.1,
    }
}
fn maass_grid() -> [usize; 3] {
    [15, 3, 3]
}
fn one() -> usize {
    1
}
fn two() -> Real {
    2.0
}

/// Recurrent topology (JSON: an object with `"kind"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Topology {
    /// No recurrent synapses (a feedforward layer of a [`LayeredConfig`]).
    None,
    /// Each ordered pair with probability `p` (0..=1).
    Random {
        /// Connection probability.
        p: Real,
    },
    /// Each neuron receives exactly `k` synapses (`k < N`).
    FixedInDegree {
        /// In-degree.
        k: usize,
    },
    /// Each neuron receives exactly `exc` synapses from excitatory and `inh` from inhibitory
    /// neurons (`exc < N_E`, `inh < N_I`), as in Brunel (2000).
    FixedInDegreeEi {
        /// Excitatory in-degree `C_E`.
        exc: usize,
        /// Inhibitory in-degree `C_I`.
        inh: usize,
    },
    /// Each neuron sends exactly `k` synapses (`k < N`).
    FixedOutDegree {
        /// Out-degree.
        k: usize,
    },
    /// Maass's 3D column(s) with distance-dependent connection probability.
    MaassColumn {
        /// Grid of one column, default `[15, 3, 3]`.
        #[serde(default = "maass_grid")]
        grid: [usize; 3],
        /// Number of columns side by side along x, default 1.
        #[serde(default = "one")]
        columns: usize,
        /// Length constant λ (grid units, > 0), default 2.
        #[serde(default = "two")]
        lambda: Real,
        /// `C` per pair, default EE 0.3, EI 0.2, IE 0.4, II 0.1.
        #[serde(default = "maass_c")]
        c: PairScale,
    },
    /// Directed Watts-Strogatz small world.
    SmallWorld {
        /// Ring neighbours per neuron (even, `< N`).
        k: usize,
        /// Rewiring probability (0..=1).
        beta: Real,
    },
}

/// Distribution of the weight magnitude multiplier `ξ` (JSON: an object with `"kind"`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightDist {
    /// `ξ = 1`.
    Constant,
    /// `ξ ~ U[low, high)`, `0 <= low < high`.
    Uniform {
        /// Lower bound.
        low: Real,
        /// Upper bound.
        high: Real,
    },
    /// `ξ ~ Gamma(shape, scale = 1/shape)` (mean 1, CV `1/√shape`), `shape > 0`.
    Gamma {
        /// Shape parameter.
        shape: Real,
    },
    /// `ξ = exp(N(-σ²/2, σ²))` (mean 1), `sigma >= 0`.
    Lognormal {
        /// σ of the underlying normal.
        sigma: Real,
    },
}

enum Sampler {
    Constant,
    Uniform(Real, Real),
    Gamma(Gamma<Real>),
    LogNormal(LogNormal<Real>),
}

impl WeightDist {
    fn check(&self, field: &str) -> Result<()> {
        match *self {
            WeightDist::Constant => Ok(()),
            WeightDist::Uniform { low, high } => {
                if low.is_finite() && high.is_finite() && 0.0 <= low && low < high {
                    Ok(())
                } else {
                    Err(config_err(
                        field,
                        format!("uniform: expected 0 <= low < high, found low {low}, high {high}"),
                    ))
                }
            }
            WeightDist::Gamma { shape } => {
                if shape.is_finite() && shape > 0.0 {
                    Ok(())
                } else {
                    Err(config_err(
                        field,
                        format!("gamma: expected shape > 0, found {shape}"),
                    ))
                }
            }
            WeightDist::Lognormal { sigma } => {
                if sigma.is_finite() && sigma >= 0.0 {
                    Ok(())
                } else {
                    Err(config_err(
                        field,
                        format!("lognormal: expected sigma >= 0, found {sigma}"),
                    ))
                }
            }
        }
    }
    fn sampler(&self) -> Sampler {
        match *self {
            WeightDist::Constant => Sampler::Constant,
            WeightDist::Uniform { low, high } => Sampler::Uniform(low, high),
            WeightDist::Gamma { shape } => {
                Sampler::Gamma(Gamma::new(shape, 1.0 / shape).expect("checked"))
            }
            WeightDist::Lognormal { sigma } => {
                Sampler::LogNormal(LogNormal::new(-sigma * sigma / 2.0, sigma).expect("checked"))
            }
        }
    }
}

impl Sampler {
    fn sample(&self, rng: &mut SimRng) -> Real {
        match self {
            Sampler::Constant => 1.0,
            Sampler::Uniform(a, b) => rng.gen_range(*a..*b),
            Sampler::Gamma(g) => g.sample(rng),
            Sampler::LogNormal(l) => l.sample(rng),
        }
    }
}

/// Synaptic delays (JSON: an object with `"kind"`). Delays are rounded to whole steps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delay {
    /// Every synapse has `ms` (>= 0).
    Constant {
        /// Delay, ms.
        ms: Real,
    },
    /// `U[min_ms, max_ms]` per synapse (`0 <= min_ms <= max_ms`).
    Uniform {
        /// Lower bound, ms.
        min_ms: Real,
        /// Upper bound, ms.
        max_ms: Real,
    },
}

impl Delay {
    fn check(&self, field: &str) -> Result<()> {
        let ok = match *self {
            Delay::Constant { ms } => ms.is_finite() && ms >= 0.0,
            Delay::Uniform { min_ms, max_ms } => {
                min_ms.is_finite() && max_ms.is_finite() && 0.0 <= min_ms && min_ms <= max_ms
            }
        };
        if ok {
            Ok(())
        } else {
            Err(config_err(
                field,
                format!("expected delays >= 0 ms (and min_ms <= max_ms), found {self:?}"),
            ))
        }
    }
    fn sample(&self, rng: &mut SimRng) -> Real {
        match *self {
            Delay::Constant { ms } => ms,
            Delay::Uniform { min_ms, max_ms } => {
                if min_ms == max_ms {
                    min_ms
                } else {
                    rng.gen_range(min_ms..=max_ms)
                }
            }
        }
    }
}

/// Sign of input weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputSign {
    /// All input weights excite.
    Positive,
    /// Each input weight is positive or negative with probability 1/2.
    Random,
}

/// Input projection of the generator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Fraction of neurons each channel projects to (0..=1). Default 0.2.
    pub fraction: Real,
    /// `false` (default): exactly `round(fraction · N)` targets per channel; `true`: each
    /// neuron independently with probability `fraction`.
    pub bernoulli: bool,
    /// Weight magnitude onto excitatory neurons, nA (exp_current) or mV (delta). Default 2.0.
    pub scale_exc: Real,
    /// Weight magnitude onto inhibitory neurons. Default 2.0.
    pub scale_inh: Real,
    /// Multiplier distribution. Default constant.
    pub dist: WeightDist,
    /// Sign of the weights. Default `"positive"`.
    pub sign: InputSign,
    /// Input delays. Default constant 0 ms (arrive in the step of the input spike).
    pub delay: Delay,
}

impl Default for InputConfig {
    fn default() -> Self {
        Self {
            fraction: 0.2,
            bernoulli: false,
            scale_exc: 2.0,
            scale_inh: 2.0,
            dist: WeightDist::Constant,
            sign: InputSign::Positive,
            delay: Delay::Constant { ms: 0.0 },
        }
    }
}

/// The network generator config (JSON, unknown fields refused). Every field has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneratorConfig {
    /// Simulation step, ms (> 0). Default 0.1.
    pub dt_ms: Real,
    /// Number of neurons. Default `null`: 1000, or the grid size for `maass_column` (if given
    /// with `maass_column` it must equal the grid size).
    pub n_neurons: Option<usize>,
    /// Fraction of excitatory neurons (0..=1). Default 0.8.
    pub frac_exc: Real,
    /// Neuron model and parameters. Default: [`NeuronSpec::default`] (Maass 2002 LIF).
    pub neuron: NeuronSpec,
    /// Recurrent topology. Default `{"kind": "random", "p": 0.1}`.
    pub topology: Topology,
    /// Recurrent weight magnitude per pair, nA (exp_current) or mV (delta).
    /// Default EE 3.0, EI 6.0, IE 1.9, II 1.9 (Maass's 30/60/19/19 nA divided by 10 for the
    /// ~10× larger in-degree of a 1000-neuron p = 0.1 network).
    pub weight_scale: PairScale,
    /// Recurrent weight multiplier distribution. Default constant.
    pub weight_dist: WeightDist,
    /// Recurrent delays. Default constant 1 ms.
    pub delay: Delay,
    /// Subtract from every neuron's incoming recurrent weights their mean (step 4 of the
    /// module doc). Default false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub balance_rows: bool,
    /// Rescale recurrent weights to this spectral radius (> 0). Default none.
    pub spectral_radius: Option<Real>,
    /// Initial membrane potentials drawn uniformly from `[lo, hi)` mV per neuron (stream
    /// NEURON). Default none (the neuron's `v_init_mv`, or rest).
    pub v_init_uniform_mv: Option<[Real; 2]>,
    /// Input projection.
    pub input: InputConfig,
    /// Izhikevich parameters per population, jittered ([`IzhMix`]; needs `neuron.model`
    /// `"izhikevich"`; it replaces `a`, `b`, `c`, `d` of `neuron.izhikevich`, whose
    /// `quadratic` is kept). Default none: every neuron has `neuron`'s parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub izhikevich: Option<IzhMix>,
    /// Dynamic recurrent synapses ([`crate::stp`]): `"maass2002"` draws `U`, `D`, `F` per
    /// synapse from the distributions of Maass, Natschläger & Markram (2002) for its pair
    /// (stream `STP`). Default none: static synapses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stp: Option<StpGenerator>,
}

/// How the generator draws dynamic-synapse parameters (`stp` in [`GeneratorConfig`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StpGenerator {
    /// Gaussian around the means of Maass et al. (2002) by pair (EE depressing, EI
    /// facilitating, IE and II depressing), SD half the mean ([`crate::stp::maass2002`]).
    #[serde(rename = "maass2002")]
    Maass2002,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            dt_ms: 0.1,
            n_neurons: None,
            frac_exc: 0.8,
            neuron: NeuronSpec::default(),
            topology: Topology::Random { p: 0.1 },
            weight_scale: PairScale {
                ee: 3.0,
                ei: 6.0,
                ie: 1.9,
                ii: 1.9,
            },
            weight_dist: WeightDist::Constant,
            delay: Delay::Constant { ms: 1.0 },
            balance_rows: false,
            spectral_radius: None,
            v_init_uniform_mv: None,
            input: InputConfig::default(),
            izhikevich: None,
            stp: None,
        }
    }
}

/// Neurons of a Maass grid × columns, saturating (validation refuses what overflows).
fn maass_size(grid: &[usize; 3], columns: usize) -> usize {
    grid.iter()
        .try_fold(columns, |a, &b| a.checked_mul(b))
        .unwrap_or(usize::MAX)
}

impl GeneratorConfig {
    /// Parse from JSON text (`file` names the source in errors) and check. The text must be a
    /// JSON object without duplicate keys; `{}` is the default config.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Json`] or [`crate::ReservoirError::Config`].
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let c: GeneratorConfig = crate::error::from_json_object(text, file, "generator config")?;
        c.check()?;
        Ok(c)
    }

    /// Parse from JSON text like [`GeneratorConfig::from_json_str`], but every top-level field
    /// the text leaves out takes its value in `base` instead of [`GeneratorConfig::default`]
    /// (a field that is given, such as `input`, is taken whole, its own omitted fields at
    /// their type's defaults). `{}` gives `base`. Field names and types are checked on the
    /// text itself, so errors point into it; then the merged config is checked.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Json`] or [`crate::ReservoirError::Config`].
    pub fn from_json_str_over(text: &str, file: &str, base: &GeneratorConfig) -> Result<Self> {
        let _: GeneratorConfig = crate::error::from_json_object(text, file, "generator config")?;
        let given = lsm_core::json::parse_object(text.as_bytes(), file)?;
        let invalid = |e: serde_json::Error| crate::ReservoirError::Json {
            file: file.to_string(),
            msg: format!("invalid generator config: {e}"),
        };
        let given = match given {
            serde_json::Value::Object(g) => g,
            _ => serde_json::Map::new(),
        };
        let c = Self::from_map_over(given, base).map_err(invalid)?;
        c.check()?;
        Ok(c)
    }

    /// The fields of `given` over `base`, as [`GeneratorConfig::from_json_str_over`] merges
    /// them (top-level fields replaced whole), not checked.
    ///
    /// # Errors
    /// serde's error for an unknown field or a wrong type.
    pub fn from_map_over(
        given: serde_json::Map<String, serde_json::Value>,
        base: &GeneratorConfig,
    ) -> std::result::Result<Self, serde_json::Error> {
        let mut merged = serde_json::to_value(base)?;
        if let Some(m) = merged.as_object_mut() {
            m.extend(given);
        }
        serde_json::from_value(merged)
    }

    /// Number of excitatory neurons, `round(frac_exc · N)`.
    pub fn n_exc(&self) -> usize {
        (self.frac_exc * self.resolved_n_neurons() as Real).round() as usize
    }

    /// Number of neurons this config generates.
    pub fn resolved_n_neurons(&self) -> usize {
        match (&self.topology, self.n_neurons) {
            (Topology::MaassColumn { grid, columns, .. }, None) => maass_size(grid, *columns),
            (_, Some(n)) => n,
            (_, None) => 1000,
        }
    }

    /// The expected number of recurrent synapses, from the declared sizes alone (before
    /// anything is drawn): `n² p` (random), `n k` (fixed degree, small world), and the upper
    /// bound `n² max(C)` for Maass columns.
    pub fn expected_recurrent_synapses(&self) -> Real {
        let n = self.resolved_n_neurons() as Real;
        match &self.topology {
            Topology::None => 0.0,
            Topology::Random { p } => n * n * p,
            Topology::FixedInDegree { k }
            | Topology::FixedOutDegree { k }
            | Topology::SmallWorld { k, .. } => n * *k as Real,
            Topology::FixedInDegreeEi { exc, inh } => n * (exc + inh) as Real,
            Topology::MaassColumn { c, .. } => {
                n * n * c.all().iter().map(|x| x.1).fold(0.0, Real::max)
            }
        }
    }

    /// The expected number of input synapses for `n_inputs` channels: `n_inputs · fraction · n`.
    pub fn expected_input_synapses(&self, n_inputs: usize) -> Real {
        n_inputs as Real * (self.input.fraction * self.resolved_n_neurons() as Real).round()
    }
}

/// The number of input channels against its limit.
fn check_inputs(n_inputs: usize) -> Result<()> {
    limit(
        Limit::Inputs,
        n_inputs as Real,
        "network generator: the number of input channels",
    )?;
    Ok(())
}

mod build;
mod check;
mod izh_mix;
mod layered;
mod merge;
pub mod presets;
mod source;
pub use build::{excitatory_mask, maass_positions};
pub use izh_mix::{IzhMix, IzhPopulation};
pub use layered::{
    layer_ranges, LayerConfig, LayerRange, LayeredConfig, Projection, ProjectionRule,
};
pub use presets::{preset, Brunel, PRESETS};
pub use source::NetworkSource;
