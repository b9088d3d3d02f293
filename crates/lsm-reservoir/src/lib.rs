#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod anchor;
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
