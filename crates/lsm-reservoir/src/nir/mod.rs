//! NIR interchange: an lsm network as a graph of the Neuromorphic Intermediate
//! Representation (NIR, read and written by snnTorch, Norse, Sinabs, Lava...), and back.
//!
//! This module maps a [`NetworkSpec`](crate::NetworkSpec) to an in-memory [`NirGraph`] ([`to_nir`]) and back
//! ([`from_nir`]); the HDF5 file layer (`.nir` files) is in the command line (`lsm network
//! export --format nir`, `lsm network import`), the one crate that links the HDF5 library.
//!
//! # Units
//!
//! NIR is unit-free. lsm writes **time in seconds** (as snnTorch and Norse export: `tau`,
//! `tau_syn`, `tau_mem`, `delay` and the graph's `dt`), and keeps its other units: potentials
//! in mV, resistance in MΩ, currents in nA (so `r I` is in mV). The simulation step is stored
//! as the graph metadata `dt` (seconds); import needs it (or `--dt-ms`).
//!
//! Spikes are read as NIR's equations read them, in continuous time: a spike is a Dirac
//! pulse of area 1, so a weight `W` into a `LIF` makes `v` jump by `r W / tau`, into a `CubaLIF`
//! makes `I` jump by `w_in W / tau_syn`, into an `IF` makes `v` jump by `r W`.
//!
//! # The mapping
//!
//! | lsm neuron | NIR node `neurons` | so that |
//! |---|---|---|
//! | leaky, `delta` synapses | `LIF`: `tau = tau_m`, `r = tau`, `v_leak = v_rest`, `v_threshold`, `v_reset` | `r W / tau = W`: the NIR weight is lsm's jump in mV |
//! | leaky, `exp_current` synapses | `CubaLIF`: `tau_mem = tau_m`, `tau_syn`, `r = r_mohm`, `v_leak = v_rest + r · i_bias`, `w_in = tau_syn` | `w_in W / tau_syn = W`: the NIR weight is lsm's current jump in nA |
//! | non-leaky, `delta` synapses | `IF`: `r = 1`, `v_threshold`, `v_reset` | `r W = W` mV |
//!
//! So every NIR weight is lsm's weight unchanged. Import reads any NIR parameters, with
//! `w = W · r / tau` (LIF), `W · w_in / tau_syn` (CubaLIF), `W · r` (IF).
//!
//! The graph: `input` (`Input`, shape `[n_inputs]`) → input projection → `neurons`;
//! `neurons` → recurrent projection → `neurons`; `neurons` → `output` (`Output`, shape
//! `[n_neurons]`). The synapse lists become dense matrices (synapses of one pair add up; zero
//! weights vanish); their size is checked against [`Limit::Synapses`] and
//! [`Limit::MemoryBytes`] before any is allocated, on export and on import.
//!
//! * **Delays.** A synapse list without `delay_ms` (every delay one step) has one projection,
//!   a `Linear` (recurrent) or `Affine` (input), and no `Delay` node: an edge without a
//!   `Delay` is one simulation step. A list with `delay_ms` is split into delay groups: group
//!   `k` holds each presynaptic element's `k`-th smallest distinct delay, as one `Delay` node
//!   (one delay per element) and its projection: `input` → `input_delay_k` →
//!   `input_weight_k` → `neurons`. Constant delays give one group; a neuron that sends with
//!   `m` distinct delays needs `m` groups. When the groups' dense matrices are more than the
//!   limits allow, delays are grouped by whole steps (rounded as the simulator rounds them).
//! * **Bias.** `LIF` and `IF`: the bias current is the `bias` `b` of the first input
//!   projection (an `Affine`), added unfiltered as lsm adds it, with `r b / tau = r_mohm
//!   i_bias / tau_m` (`tau` = 1 s for IF). `CubaLIF` filters everything that reaches it, so the
//!   bias is folded into the leak potential instead: `v_leak = v_rest + r i_bias` (the same
//!   dynamics); an `Affine` bias into a `CubaLIF` is refused on import.
//! * **Synaptic time constants.** `CubaLIF` has one `tau_syn` per neuron; lsm has one for
//!   excitatory and one for inhibitory weights. A network whose two differ is refused unless
//!   the caller picks one ([`TauSynChoice`], `--tau-syn exc|inh`), which changes the dynamics
//!   of the other kind of synapse and is said so.
//! * **What NIR cannot express** is refused, naming the file and the field:
//!   Hodgkin-Huxley neurons (`neuron.model`), threshold adaptation (`neuron.adapt_mv`), noise
//!   currents (`neuron.i_noise_na`), Poisson background drive (`neuron.background`),
//!   non-leaky neurons with `exp_current` synapses (`neuron.synapse`: NIR has no
//!   current-based IF).
//! * **lsm extras in metadata** (`lsm_*`; other NIR tools ignore them): the refractory
//!   period `lsm_t_ref_ms` (NIR has none), the initial potential `lsm_v_init_mv`, and the exact
//!   lsm values behind the NIR parameters (`lsm_tau_m_ms`, `lsm_r_mohm`, `lsm_i_bias_na`,
//!   `lsm_v_rest_mv`, `lsm_tau_syn_ms` on the population, `lsm_delay_ms` on `Delay` nodes,
//!   `lsm_dt_ms` and the network's `meta` as JSON text `lsm_meta` on the graph). Import uses an
//!   extra only when it agrees exactly with the NIR parameters (e.g. `v_rest + r i_bias ==
//!   v_leak`, `lsm_tau_m_ms / 1000 == tau`), so a graph edited in Python is read from its NIR
//!   values.
//!
//! # Import
//!
//! [`from_nir`] accepts one population of `LIF`, `CubaLIF` or `IF` neurons, at most one
//! `Input`, any `Output`s fed by the population, and projections (`Linear` or `Affine`, each
//! optionally behind a `Delay`) from the input or the population into the population. It
//! refuses anything else naming the node and its type (a second population, `Conv2d`, `LI`,
//! `Threshold`, a nested graph, a direct edge without weights...). Synapses come out in
//! `(pre, post)` order (the generator's order); parameters equal for every neuron become one
//! number.
//!
//! # Exactness
//!
//! Export then import gives back the network file bit for bit when the network is one NIR
//! expresses and its synapse lists are in `(pre, post)` order without zero weights or repeated
//! pairs. Unit conversions are inverted exactly: import picks, among the numbers next to the
//! naive inverse (`s · 1000`, `W · r / tau`), the one the export formula maps back to the NIR
//! value (the shortest decimal if several do), so import then export reproduces the NIR file's
//! values too.
//!
//! [`Limit::Synapses`]: lsm_core::limits::Limit::Synapses
//! [`Limit::MemoryBytes`]: lsm_core::limits::Limit::MemoryBytes

mod export;
pub mod graph;
mod import;
mod population;

#[cfg(test)]
mod tests;

pub use export::{to_nir, ExportOptions, TauSynChoice};
pub use graph::{Dense, Field, FieldKind, Meta, MetaValue, NirGraph, NirNode, NodeKind};
pub use import::{from_nir, ImportOptions};

/// The NIR version whose file layout lsm reads and writes (the `version` dataset).
pub const NIR_VERSION: &str = "1.0.8";

/// ms -> s as stored in NIR files.
#[inline]
pub(crate) fn ms_to_s(ms: f64) -> f64 {
    ms / 1000.0
}

/// s -> ms, the exact inverse of [`ms_to_s`] where one exists.
pub(crate) fn s_to_ms(s: f64) -> f64 {
    invert(s, s * 1000.0, ms_to_s)
}

/// The float `x` near `naive` with `f(x) == y`: among `naive` and its neighbours within 4
/// units in the last place, those that `f` maps to `y` exactly; of these the one with the
/// shortest decimal form, then the closest to `naive`. `naive` when none does.
pub(crate) fn invert(y: f64, naive: f64, f: impl Fn(f64) -> f64) -> f64 {
    if !naive.is_finite() {
        return naive;
    }
    let mut best: Option<(usize, f64, f64)> = None;
    for k in -4i64..=4 {
        let c = step_ulps(naive, k);
        if !c.is_finite() || f(c).to_bits() != y.to_bits() && f(c) != y {
            continue;
        }
        let key = (format!("{c}").len(), (c - naive).abs());
        let better = match best {
            None => true,
            Some((l, d, _)) => key < (l, d),
        };
        if better {
            best = Some((key.0, key.1, c));
        }
    }
    best.map_or(naive, |(_, _, c)| c)
}

/// `x` moved by `k` units in the last place (through zero correctly).
fn step_ulps(x: f64, k: i64) -> f64 {
    // Map floats to integers monotonically: negative floats below positive ones.
    let b = x.to_bits() as i64;
    let ord = if b < 0 { i64::MIN - b } else { b };
    let o = ord.saturating_add(k);
    let bits = if o < 0 { i64::MIN - o } else { o };
    f64::from_bits(bits as u64)
}
