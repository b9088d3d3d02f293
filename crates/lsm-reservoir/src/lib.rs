//! Spiking reservoirs for lsm: neuron models with exact propagators, CSR synapses with delays,
//! topology generators, the versioned network file, an event-driven simulator with recording
//! and deterministic parallel batches; and echo state networks ([`esn`]).
//!
//! * [`spec`]: the network file format (`lsm-network`, version 1) and [`NetworkSpec`].
//! * [`neuron`]: the [`NeuronModel`] trait and the LIF / IF model ([`Lif`]); equations and the
//!   order of operations in a step. [`hh`]: the Hodgkin-Huxley model ([`Hh`]).
//! * [`network`]: the built, immutable [`Network`] (CSR synapse tables).
//! * [`sim`]: [`Network::run`], [`Network::run_into`], [`run_batch`]; [`Drive`],
//!   [`RecordSpec`], [`Recording`], [`Workspace`].
//! * [`generate`]: [`GeneratorConfig`] → [`NetworkSpec`] (random, fixed in/out-degree, Maass
//!   column, small-world; E/I with Dale's law; weight distributions; spectral radius).
//! * [`cost`]: cost checks of a run against [`lsm_core::limits`] ([`Network::check_work`]).
//! * [`spectral`]: spectral radius of a sparse weight matrix.
//! * [`plasticity`]: spike-timing-dependent plasticity of the recurrent excitatory synapses
//!   ([`Stdp`], [`train_stdp`], [`Network::run_plastic_into`]).
//!
//! ```
//! use lsm_reservoir::{GeneratorConfig, Network, RecordSpec, Bins, Drive, run_batch};
//! use lsm_core::SpikeTrains;
//! let cfg = GeneratorConfig { n_neurons: Some(100), ..GeneratorConfig::default() };
//! let net = Network::from_spec(&cfg.generate(4, 42)?)?;
//! let input = SpikeTrains::from_events(4, net.dt_ms(), 1000, [(10, 0), (20, 3)])?;
//! let spec = RecordSpec { bins: Some(Bins::Count(4)), ..RecordSpec::default() };
//! let recs = run_batch(&net, &[Drive::Spikes(&input)], &spec, 42)?;
//! assert_eq!(recs[0].bin_counts.as_ref().unwrap().dim(), (4, 100));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod anchor;
pub mod cost;
pub mod error;
pub mod esn;
pub mod generate;
pub mod hh;
pub mod network;
pub mod neuron;
pub mod plasticity;
pub mod sim;
pub mod spec;
pub mod spectral;

pub use error::{ReservoirError, Result};
pub use generate::{
    excitatory_mask, maass_positions, Delay, GeneratorConfig, InputConfig, InputSign, PairScale,
    Topology, WeightDist,
};
pub use hh::{Hh, HhParams, HhState};
pub use network::{Csr, Network, Neurons};
pub use neuron::{Lif, LifState, NeuronModel};
pub use plasticity::{train_stdp, PlasticSynapses, Stdp, StdpConfig, StdpRule, StdpSummary};
pub use sim::{
    run_batch, run_batch_items, Bins, Drive, FinalState, RecordSpec, Recording, TraceSamples,
    TraceSpec, Workspace,
};
pub use spec::{ModelKind, NetworkSpec, NeuronSpec, Param, SynapseKind, SynapseList};
