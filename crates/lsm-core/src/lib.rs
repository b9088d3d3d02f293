#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod atomic;
mod error;
mod input;
pub mod json;
pub mod limits;
mod output;
mod pending_dir;
mod spikes;

pub use atomic::{
    close_outputs, remove_pending_temp_files, remove_stale_temp_files, write_atomic,
    write_atomic_with,
};
pub use error::CoreError;
pub use input::{
    check_input_file, describe_file_type, max_input_bytes, parse_size, read_to_string_capped,
    DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_ENV,
};
pub use output::{check_outputs, check_writable, same_file};
pub use pending_dir::PendingDir;
pub use spikes::{SpikeTrains, MAX_INFERRED_CHANNELS, MAX_INFERRED_STEPS};

use rand::SeedableRng;

/// An error and its causes as one line, `outer: cause: root cause` (what the `lsm` command
/// prints). Errors of lsm say their own part in `Display` and give the rest through
/// [`std::error::Error::source`], so this shows each part once.
///
/// ```
/// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
/// let e = lsm_core::CoreError::Io { file: "s.csv".into(), source: io };
/// assert_eq!(lsm_core::error_chain(&e), "s.csv: gone");
/// ```
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Floating-point precision of simulation state, encoders and features.
pub type Real = f64;

/// The random number generator of lsm: ChaCha8, portable across platforms and versions
/// (unlike `StdRng`, whose algorithm is documented as subject to change).
pub type SimRng = rand_chacha::ChaCha8Rng;

/// Stream numbers: each independent consumer of randomness draws from its own ChaCha stream
/// of the one user seed, so that adding draws to one consumer never shifts another.
pub mod stream {
    /// Input projection weights and targets.
    pub const W_IN: u64 = 1;
    /// Recurrent connectivity and weights.
    pub const W_REC: u64 = 2;
    /// Neuron parameter heterogeneity, initial membrane potentials.
    pub const NEURON: u64 = 3;
    /// Readout: cross-validation fold shuffles, logistic initialisation.
    pub const READOUT: u64 = 4;
    /// Dataset generators (NARMA input, Mackey-Glass initial history...).
    pub const DATA: u64 = 5;
    /// Echo-state network weights.
    pub const ESN: u64 = 6;
    /// The order of the training samples that unsupervised plasticity learns from.
    pub const PLASTICITY: u64 = 7;
    /// The training samples the classification pipeline simulates to scale the reservoir's
    /// input drive (`"input_drive": "auto"`).
    pub const CALIBRATION: u64 = 8;
    /// Per-neuron heterogeneity (bias currents, membrane time constants) of the spiking
    /// reservoir for analog series (`lsm_reservoir::SpikingReservoir`), distinct from the
    /// generator's [`NEURON`] stream.
    pub const SPIKING_HETEROGENEITY: u64 = NEURON | (1 << 40);
    /// The per-neuron jitter of the Izhikevich parameters of a generated network's populations
    /// (`lsm_reservoir::generate::IzhMix`), distinct from the generator's [`NEURON`] stream.
    pub const IZHIKEVICH_JITTER: u64 = NEURON | (2 << 40);
    /// The spike templates of the spike-pattern classification task
    /// (`lsm_datasets::spike_patterns`), distinct from the [`DATA`] stream of the series
    /// generators.
    pub const SPIKE_TEMPLATES: u64 = DATA | (1 << 40);
    /// The probe inputs of the reservoir analyses (`lsm_pipeline::analysis`): i.i.d. series
    /// for memory and processing capacity, random spike templates and their jitter for
    /// separation, the perturbation of damage spreading.
    pub const ANALYSIS: u64 = DATA | (7 << 40);
    /// Feedback weights from a readout's outputs into a reservoir (`"feedback"` of a
    /// time-series config), distinct from the reservoir's own input weights.
    pub const FEEDBACK: u64 = W_IN | (1 << 40);
    /// The noise added to the teacher signal fed back during training.
    pub const FEEDBACK_NOISE: u64 = DATA | (2 << 40);
    /// The ReLU network of the ANN-to-SNN conversion (`lsm_learn::convert`): its initial
    /// weights, then the order of its mini-batches.
    pub const ANN_CONVERSION: u64 = READOUT | (5 << 40);
    /// Dynamic-synapse parameters drawn by the generator (`"stp": "maass2002"`), one triple
    /// per recurrent synapse in list order.
    pub const STP: u64 = W_REC | (1 << 40);
    /// Surrogate-gradient training of spiking networks (`lsm_learn::surrogate`): the initial
    /// weights (input, recurrent, output), then the order of the mini-batches of each epoch.
    pub const SURROGATE: u64 = READOUT | (6 << 40);
    /// The synapses of a projection between two layers of a layered network
    /// (`lsm_reservoir::generate::LayeredConfig`): projection `p` (in the order of
    /// `"projections"`) draws its connectivity, then its weights, then its delays from
    /// `layer(PROJECTION, p)`.
    pub const PROJECTION: u64 = W_REC | (2 << 40);
    /// Bit position of the layer (or projection) index in [`layer`].
    pub const LAYER_SHIFT: u32 = 48;
    /// Largest number of layers (and of projections) of a layered network: the index must
    /// fit in the bits above [`LAYER_SHIFT`].
    pub const MAX_LAYERS: usize = 1 << 15;
    /// The stream `s` of layer `l` of a layered network: `s | l << 48`, so that layer 0 draws
    /// from `s` itself (a one-layer network is exactly the plain generator's) and every
    /// layer's populations, connectivity, input weights, Izhikevich jitter and dynamic
    /// synapses come from streams of their own. `l` must be below [`MAX_LAYERS`].
    pub const fn layer(s: u64, l: usize) -> u64 {
        s | ((l as u64) << LAYER_SHIFT)
    }
    /// Per-sample encoder noise: `ENCODER + sample_id`.
    pub const ENCODER: u64 = 1 << 32;
    /// Per-sample simulation noise (noise currents): `SIM_NOISE + sample_id`.
    pub const SIM_NOISE: u64 = 2 << 32;
    /// Per-sample Poisson background drive (`neuron.background` of a network): the binomial
    /// source counts, one per neuron and step in neuron order, `SIM_BACKGROUND + sample_id`.
    pub const SIM_BACKGROUND: u64 = 7 << 32;
    /// Per-sample jitter of the spike-pattern task: `SPIKE_JITTER + sample_index`.
    pub const SPIKE_JITTER: u64 = 3 << 32;
    /// Hyperparameter search: the random parameter draw of a trial, `SEARCH_PARAMS + trial`.
    pub const SEARCH_PARAMS: u64 = 4 << 32;
    /// Hyperparameter search: the config seed of a trial, `SEARCH_SEED + trial`.
    pub const SEARCH_SEED: u64 = 5 << 32;
    /// Hyperparameter search: the digital shift of a search's Sobol points (one per search).
    pub const SEARCH_SHIFT: u64 = 6 << 32;
}

/// The generator for `stream` of the user's `seed`.
///
/// ```
/// use lsm_core::{rng_for, stream};
/// use rand::Rng;
/// let a: u64 = rng_for(42, stream::W_REC).gen();
/// let b: u64 = rng_for(42, stream::W_REC).gen();
/// let c: u64 = rng_for(42, stream::W_IN).gen();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
pub fn rng_for(seed: u64, stream: u64) -> SimRng {
    let mut r = SimRng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}
