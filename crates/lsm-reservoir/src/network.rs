//! The built, immutable network: neuron model with propagators and CSR synapse tables.
//!
//! Synapses are stored in CSR by presynaptic neuron (or input channel). Within a row the
//! synapses with a positive weight come first, then those with a negative weight (for
//! `exp_current`, they feed different currents; for `delta` the row is not split), each part
//! sorted by postsynaptic id (stable, so multapses keep their file order). Delays are stored
//! in steps (`round(delay_ms / dt_ms)`, Brian2's rounding).

use crate::error::Result;
use crate::hh::Hh;
use crate::izhikevich::Izhikevich;
use crate::neuron::{Lif, NeuronModel};
use crate::spec::{ModelKind, NetworkSpec, StpParams, SynapseKind, SynapseList};
use crate::theta::Theta;
use lsm_core::Real;

/// Largest synaptic delay in steps.
pub const MAX_DELAY_STEPS: u32 = 1 << 16;

/// Synapses in CSR by presynaptic index.
#[derive(Clone, Debug)]
pub struct Csr {
    /// `ptr[p]..ptr[p+1]` are the synapses of presynaptic `p`.
    pub ptr: Vec<usize>,
    /// `ptr[p]..split[p]`: positive weights (all weights if not split); `split[p]..ptr[p+1]`:
    /// negative weights.
    pub split: Vec<usize>,
    /// Postsynaptic neuron of each synapse.
    pub post: Vec<u32>,
    /// Weight of each synapse.
    pub weight: Vec<Real>,
    /// Delay of each synapse, steps.
    pub delay: Vec<u32>,
    /// `Some(d)` when every synapse has the delay `d` steps.
    pub uniform_delay: Option<u32>,
    /// `Some(w)` when within every row all positive-part weights are equal (`w[p][0]`) and all
    /// negative-part weights are equal (`w[p][1]`), as with constant weights per population
    /// pair: the scatter then adds a scalar per row instead of loading a weight per synapse.
    pub row_weights: Option<Vec<[Real; 2]>>,
    /// Index in the synapse list (the network file's order) of each CSR synapse.
    pub order: Vec<usize>,
    /// Dynamic-synapse parameters in CSR order ([`crate::stp`]); `None`: static synapses.
    pub stp: Option<StpParams>,
}

impl Csr {
    /// Build from a validated synapse list.
    pub fn build(list: &SynapseList, n_pre: usize, dt_ms: Real, split_sign: bool) -> Csr {
        let m = list.len();
        let delay: Vec<u32> = match &list.delay_ms {
            Some(d) => d.iter().map(|&x| (x / dt_ms).round() as u32).collect(),
            None => vec![1; m],
        };
        let neg = |k: usize| split_sign && list.weight[k] < 0.0;
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by_key(|&k| (list.pre[k], neg(k), list.post[k]));
        let mut ptr = vec![0usize; n_pre + 1];
        for &p in &list.pre {
            ptr[p as usize + 1] += 1;
        }
        for p in 0..n_pre {
            ptr[p + 1] += ptr[p];
        }
        let post: Vec<u32> = order.iter().map(|&k| list.post[k]).collect();
        let weight: Vec<Real> = order.iter().map(|&k| list.weight[k]).collect();
        let delay: Vec<u32> = order.iter().map(|&k| delay[k]).collect();
        let split: Vec<usize> = (0..n_pre)
            .map(|p| {
                let (a, b) = (ptr[p], ptr[p + 1]);
                a + weight[a..b]
                    .iter()
                    .take_while(|&&w| !(split_sign && w < 0.0))
                    .count()
            })
            .collect();
        let uniform_delay = match delay.first() {
            Some(&d0) if delay.iter().all(|&d| d == d0) => Some(d0),
            Some(_) => None,
            None => Some(0),
        };
        let row_weights = (0..n_pre)
            .map(|p| {
                let parts = [&weight[ptr[p]..split[p]], &weight[split[p]..ptr[p + 1]]];
                let mut w = [0.0; 2];
                for (wk, part) in w.iter_mut().zip(parts) {
                    if let Some(&x) = part.first() {
                        if part.iter().any(|y| y.to_bits() != x.to_bits()) {
                            return None;
                        }
                        *wk = x;
                    }
                }
                Some(w)
            })
            .collect::<Option<Vec<_>>>();
        let stp = list.stp.as_ref().map(|p| p.permuted(&order));
        // Dynamic synapses scale each synapse's weight at each spike: no per-row scalar.
        let row_weights = row_weights.filter(|_| stp.is_none());
        Csr {
            ptr,
            split,
            post,
            weight,
            delay,
            uniform_delay,
            row_weights,
            order,
            stp,
        }
    }

    /// Number of presynaptic rows.
    pub fn n_pre(&self) -> usize {
        self.ptr.len() - 1
    }
    /// Number of synapses.
    pub fn n_synapses(&self) -> usize {
        self.post.len()
    }
    /// Out-degree of presynaptic `p`.
    pub fn fan_out(&self, p: usize) -> usize {
        self.ptr[p + 1] - self.ptr[p]
    }
    /// Largest delay in steps (0 without synapses).
    pub fn max_delay(&self) -> u32 {
        self.delay.iter().copied().max().unwrap_or(0)
    }
}

/// The Poisson background drive of a built network ([`crate::spec::Background`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BackgroundDrive {
    /// Source spikes per neuron and step.
    pub(crate) count: rand_distr::Binomial,
    /// Weight of one source spike.
    pub(crate) weight: Real,
    /// Whether it goes to the inhibitory accumulator (a negative weight and a model that
    /// splits the signs).
    pub(crate) inh: bool,
}

/// The neuron population: one variant per model (dispatched once per run, not per step).
// One value per network, built once: the size difference costs nothing, a box would add an
// indirection to every step of the LIF loops.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Neurons {
    /// Leaky / non-leaky integrate-and-fire.
    Lif(Lif),
    /// Hodgkin-Huxley.
    Hh(Hh),
    /// Izhikevich 2003.
    Izhikevich(Izhikevich),
    /// Theta neurons (Ermentrout & Kopell 1986).
    Theta(Theta),
}

/// An immutable, built network shared by every simulation (and every thread).
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) spec: NetworkSpec,
    pub(crate) neurons: Neurons,
    pub(crate) rec: Csr,
    pub(crate) inp: Csr,
    pub(crate) noise: Option<Vec<Real>>,
    pub(crate) background: Option<BackgroundDrive>,
    pub(crate) n_slots: usize,
}

impl Network {
    /// Validate and build a network from its spec.
    ///
    /// # Errors
    /// Validation errors of the spec ([`crate::ReservoirError::Field`]).
    pub fn from_spec(spec: &NetworkSpec) -> Result<Network> {
        spec.validate()?;
        let n = spec.n_neurons;
        let dt = spec.dt_ms;
        let neurons = match spec.neuron.model {
            ModelKind::Lif => Neurons::Lif(Lif::from_spec(&spec.neuron, n, dt)),
            ModelKind::Hh => Neurons::Hh(Hh::from_spec(&spec.neuron, n, dt)),
            ModelKind::Izhikevich => {
                Neurons::Izhikevich(Izhikevich::from_spec(&spec.neuron, n, dt))
            }
            ModelKind::Theta => Neurons::Theta(Theta::from_spec(&spec.neuron, n, dt)),
        };
        let split = match &neurons {
            Neurons::Lif(m) => m.splits_sign(),
            Neurons::Hh(m) => m.splits_sign(),
            Neurons::Izhikevich(m) => m.splits_sign(),
            Neurons::Theta(m) => m.splits_sign(),
        };
        let rec = Csr::build(&spec.recurrent, n, dt, split);
        let inp = Csr::build(&spec.input, spec.n_inputs, dt, split);
        let noise_v = spec.neuron.i_noise_na.expand(n);
        let noise = if noise_v.iter().any(|&s| s > 0.0) {
            Some(noise_v)
        } else {
            None
        };
        // A drive that never delivers anything (rate or weight 0) draws nothing either.
        let background = spec
            .neuron
            .background
            .filter(|bg| bg.p_per_step(dt) > 0.0 && bg.weight != 0.0)
            .map(|bg| BackgroundDrive {
                count: rand_distr::Binomial::new(bg.n_sources, bg.p_per_step(dt))
                    .expect("validated: 0 <= p <= 1"),
                weight: bg.weight,
                inh: split && bg.weight < 0.0,
            });
        let n_slots = rec.max_delay().max(inp.max_delay()) as usize + 1;
        Ok(Network {
            spec: spec.clone(),
            neurons,
            rec,
            inp,
            noise,
            background,
            n_slots,
        })
    }

    /// Load a network file and build it.
    ///
    /// # Errors
    /// As [`NetworkSpec::load`].
    pub fn load(path: &std::path::Path) -> Result<Network> {
        Network::from_spec(&NetworkSpec::load(path)?)
    }

    /// The spec this network was built from.
    pub fn to_spec(&self) -> NetworkSpec {
        self.spec.clone()
    }
    /// The spec, borrowed.
    pub fn spec(&self) -> &NetworkSpec {
        &self.spec
    }
    /// Number of neurons.
    pub fn n_neurons(&self) -> usize {
        self.spec.n_neurons
    }
    /// Number of input channels.
    pub fn n_inputs(&self) -> usize {
        self.spec.n_inputs
    }
    /// Time step, ms.
    pub fn dt_ms(&self) -> Real {
        self.spec.dt_ms
    }
    /// Recurrent synapses (CSR by presynaptic neuron).
    pub fn recurrent(&self) -> &Csr {
        &self.rec
    }
    /// Input synapses (CSR by input channel).
    pub fn input(&self) -> &Csr {
        &self.inp
    }
    /// The neuron population.
    pub fn neurons(&self) -> &Neurons {
        &self.neurons
    }
    /// Number of ring-buffer slots (largest delay in steps + 1).
    pub fn n_delay_slots(&self) -> usize {
        self.n_slots
    }
    /// Synapse kind.
    pub fn synapse(&self) -> SynapseKind {
        self.spec.neuron.synapse
    }
}
