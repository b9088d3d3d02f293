#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod analog;
mod analog_step;
pub mod anchor;
mod batch;
pub mod cost;
pub mod error;
pub mod esn;
pub mod generate;
pub mod hh;
pub mod homeostasis;
pub mod izhikevich;
pub mod network;
pub mod neuron;
pub mod nir;
pub mod nvar;
pub mod plasticity;
mod record;
pub mod series;
pub mod sim;
pub mod spec;
pub mod spectral;
mod stepper;
pub mod stp;
pub mod theta;

pub use analog::{SpikingConfig, SpikingInput, SpikingReservoir};
pub use analog_step::{SeriesState, SeriesStepper};
pub use error::{ReservoirError, Result};
pub use esn::{Esn, EsnConfig};
pub use generate::{
    excitatory_mask, layer_ranges, maass_positions, preset, Brunel, Delay, GeneratorConfig,
    InputConfig, InputSign, LayerConfig, LayerRange, LayeredConfig, NetworkSource, PairScale,
    Projection, ProjectionRule, StpGenerator, Topology, WeightDist,
};
pub use hh::{Hh, HhParams, HhState, Kinetics};
pub use homeostasis::{train_homeostasis, HomeostasisConfig, HomeostasisSummary};
pub use izhikevich::{IzhParams, IzhState, Izhikevich};
pub use network::{Csr, Network, Neurons};
pub use neuron::{Lif, LifState, NeuronModel};
pub use nvar::{Nvar, NvarConfig, NvarState};
pub use plasticity::{
    train_stdp, PlasticSynapses, Stdp, StdpConfig, StdpModel, StdpRule, StdpSummary,
};
pub use series::{Reservoir, ReservoirConfig, SeriesReservoir};
pub use sim::{
    run_batch, run_batch_items, Bins, Drive, FinalState, RecordSpec, Recording, SimWorkspace,
    TraceSamples, TraceSpec,
};
pub use spec::{
    Background, ModelKind, NetworkSpec, NeuronSpec, Param, ResetKind, StpParams, SynapseKind,
    SynapseList,
};
pub use stepper::Stepper;
pub use theta::{Theta, ThetaState};
