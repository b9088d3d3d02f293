//! Shared types of lsm: the simulation precision, deterministic seeding, spike trains and their
//! CSV form, and atomic file writes.
//!
//! Every crate of the workspace builds on this one; it depends on nothing of lsm.
//!
//! * [`Real`] is the precision of the simulator and encoders (`f64`, so that a network file
//!   means the same thing to lsm and to Brian2, whose default is double precision).
//! * [`SimRng`] / [`rng_for`]: every random draw derives from the user's one `seed` and a
//!   documented *stream* number ([`stream`]), so results never depend on thread count or on
//!   the order in which work is scheduled.
//! * [`SpikeTrains`]: spike events bucketed per time step (CSR over time), time-first.
//! * [`write_atomic`]: write to a temporary file in the same folder, then rename.
//! * [`limits`]: the cost limits every crate checks declared sizes against (and how to lift
//!   them); [`json`]: strict JSON reading (duplicate keys refused, objects required).
#![warn(missing_docs)]

mod atomic;
pub mod json;
pub mod limits;
mod spikes;

pub use atomic::write_atomic;
pub use spikes::{SpikeError, SpikeTrains};

use rand::SeedableRng;

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
    /// Per-sample encoder noise: `ENCODER + sample_id`.
    pub const ENCODER: u64 = 1 << 32;
    /// Per-sample simulation noise (noise currents): `SIM_NOISE + sample_id`.
    pub const SIM_NOISE: u64 = 2 << 32;
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
