//! What a run is driven by and what it records: [`Drive`], [`RecordSpec`] (spikes, membrane
//! potentials, bin counts, filtered traces, the final state) and the [`Recording`] it fills.

use lsm_core::{Real, SpikeTrains};
use ndarray::{Array1, Array2, ArrayView2};

/// What drives the network's inputs during a run.
#[derive(Clone, Copy, Debug)]
pub enum Drive<'a> {
    /// No input (spontaneous activity from bias and noise).
    None,
    /// Input spikes: `n_channels` must equal the network's `n_inputs` and `dt_ms` its step.
    /// Steps past the end of the train have no input.
    Spikes(&'a SpikeTrains),
    /// Analog drive `x[t, k]` (steps × channels), injected as the current
    /// `Σ_k w_in[k→n] · x[t, k]` (nA) during step `t`. Rows past the end are zero.
    Current(ArrayView2<'a, Real>),
}

impl Drive<'_> {
    /// The natural length of the drive in steps (0 for [`Drive::None`]).
    pub fn n_steps(&self) -> usize {
        match self {
            Drive::None => 0,
            Drive::Spikes(s) => s.n_steps(),
            Drive::Current(x) => x.nrows(),
        }
    }
}

/// Spike-count bins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bins {
    /// `B` equal bins spanning the run: step `t` falls in bin `⌊t·B / n_steps⌋`.
    Count(usize),
    /// Bins of fixed width (ms) from time 0: step `t` falls in bin `⌊t·dt / width⌋`; the last
    /// bin may be partial.
    WidthMs(Real),
}

/// When the filtered traces are sampled.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceSamples {
    /// Not sampled (only mean and/or last).
    None,
    /// `K` evenly spaced steps ending at the last step: `⌊(k+1)·n_steps/K⌋ - 1`, k = 0..K.
    Even(usize),
    /// These steps (each `< n_steps`).
    Steps(Vec<usize>),
}

/// Exponentially filtered spike traces.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    /// Filter time constant τ, ms (> 0). Default 30 ms.
    pub tau_ms: Real,
    /// Sampling steps. Default: [`TraceSamples::None`].
    pub samples: TraceSamples,
    /// Record the time average of the trace over all steps. Default true.
    pub mean: bool,
    /// Record the trace at the last step. Default true.
    pub last: bool,
}

impl Default for TraceSpec {
    fn default() -> Self {
        Self {
            tau_ms: 30.0,
            samples: TraceSamples::None,
            mean: true,
            last: true,
        }
    }
}

/// What to record during a run. Default: spikes only.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordSpec {
    /// Spike raster. Default true.
    pub spikes: bool,
    /// Membrane potential at every step (steps × neurons, or steps × the neurons of
    /// `v_neurons`). Default false.
    pub v: bool,
    /// Spike counts per neuron in time bins. Default none.
    pub bins: Option<Bins>,
    /// Filtered spike traces. Default none.
    pub traces: Option<TraceSpec>,
    /// The state at the end of the run. Default false.
    pub final_state: bool,
    /// Membrane potentials at the trace sampling steps ([`TraceSpec::samples`]), read at the
    /// end of each of those steps (after the reset), as the traces. Default false.
    pub v_samples: bool,
    /// With `v`: the neurons whose membrane potential is recorded, in this order (the columns
    /// of [`Recording::v`]; each below the network's size). Default `None`: every neuron.
    pub v_neurons: Option<Vec<usize>>,
}

impl Default for RecordSpec {
    fn default() -> Self {
        Self {
            spikes: true,
            v: false,
            bins: None,
            traces: None,
            final_state: false,
            v_samples: false,
            v_neurons: None,
        }
    }
}

/// The state at the end of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FinalState {
    /// Membrane potential, mV.
    pub v: Vec<Real>,
    /// Excitatory synaptic current, nA (0 for delta synapses).
    pub i_exc: Vec<Real>,
    /// Inhibitory synaptic current, nA (0 for delta synapses).
    pub i_inh: Vec<Real>,
    /// Remaining refractory steps (0 when not refractory).
    pub refractory_steps_left: Vec<i64>,
    /// Threshold adaptation `θ`, mV (the threshold is `v_th + θ`; all 0 without adaptation).
    pub theta: Vec<Real>,
}

/// The results of one run (fields are `None` unless asked for in the [`RecordSpec`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recording {
    /// Number of steps run.
    pub n_steps: usize,
    /// Total reservoir spikes.
    pub n_spikes: usize,
    /// Synaptic events delivered: Σ over recurrent spikes of their fan-out plus Σ over input
    /// spikes of their fan-out.
    pub n_events: u64,
    /// Spike raster (`neuron` channels).
    pub spikes: Option<SpikeTrains>,
    /// Membrane potential, steps × neurons (row `t` = time `t·dt`, before the update of step t;
    /// the columns are the neurons of [`RecordSpec::v_neurons`] when it is set).
    pub v: Option<Array2<Real>>,
    /// Spike counts, bins × neurons.
    pub bin_counts: Option<Array2<Real>>,
    /// Sampled traces, samples × neurons.
    pub traces: Option<Array2<Real>>,
    /// Steps at which `traces` were sampled.
    pub trace_steps: Vec<usize>,
    /// Membrane potentials at the trace sampling steps, samples × neurons
    /// ([`RecordSpec::v_samples`]).
    pub v_samples: Option<Array2<Real>>,
    /// Time average of the traces over the run, per neuron.
    pub trace_mean: Option<Array1<Real>>,
    /// Traces at the last step, per neuron.
    pub trace_last: Option<Array1<Real>>,
    /// State at the end of the run.
    pub final_state: Option<FinalState>,
}
