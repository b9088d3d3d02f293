//! The simulator: event-driven spike propagation through CSR synapses with per-synapse delays,
//! exact neuron updates, recording, and deterministic parallel batches.
//!
//! # One step `t` (Brian2's default schedule: groups, thresholds, synapses, resets)
//!
//! 1. Record `v` (if asked): the membrane at time `t·dt`, before the update (as Brian2's
//!    `StateMonitor`, which records at the start of a step).
//! 2. External current for the step: analog drive `I_ext[n] = Σ_k w_in[k→n] · x[t, k]` through
//!    the input synapses (their delays are ignored for analog drive), plus noise
//!    `σ_n · ξ_{n,t}` with `ξ ~ N(0, 1)` drawn from `rng_for(seed, stream::SIM_NOISE + sample_id)`
//!    in neuron order. Both are held constant over the step.
//! 3. State update and threshold (see [`crate::neuron`]).
//! 4. Propagation: for each input channel spiking at step `t` (ascending), then each neuron
//!    spiking at step `t` (ascending), each of its synapses in CSR order adds its weight to the
//!    ring-buffer accumulator `[(t + d) mod D][post]` (separate accumulators for positive and
//!    negative weights with `exp_current`). Cost ∝ spikes × fan-out. With a Poisson background
//!    (`neuron.background`, [`crate::spec::Background`]) each neuron `n` in ascending order then
//!    gets `k_{n,t} · w` added to its accumulator of step `t`, `k_{n,t} ~ Binomial(n_sources,
//!    rate · dt)` drawn from `rng_for(seed, stream::SIM_BACKGROUND + sample_id)` (exact:
//!    inversion for `n_sources · p < 10`, BTPE otherwise, `rand_distr`'s `Binomial`). Then the
//!    slot of step `t` (which includes delay-0 spikes and the background of this very step) is
//!    delivered to the neurons and zeroed.
//!    With plasticity ([`Network::run_plastic_into`]) the recurrent spikes go out with the
//!    weights held by the [`Stdp`] state, which is then updated for the spikes of step `t`
//!    ([`crate::plasticity`]).
//! 5. Reset of the spiking neurons.
//! 6. Recording: spike raster, bin counts, exponentially filtered spike traces
//!    `r_n(t) = r_n(t-1) · exp(-dt/τ) + s_n(t)` (`s_n(t)` = 1 if neuron n spiked at step t).
//!
//! Every buffer lives in a [`SimWorkspace`] created once per worker; the step loop allocates
//! nothing (the output raster grows amortised). [`Network::run_into`] resets every state
//! variable (membrane, currents, refractory counters, delay buffers, traces) first, so a
//! sample's output never depends on what ran before in the same workspace.
//!
//! # Fast paths (same operations, same bits)
//!
//! * Every neuron with the same parameters ([`crate::Lif::is_homogeneous`], the generated
//!   reservoirs): the update and threshold loops read the parameters as scalars and stream only
//!   the state; the threshold scans eight neurons at a time and compacts only groups with a
//!   spike.
//! * A CSR row whose positive weights are all equal, and whose negative weights are all equal
//!   ([`Csr::row_weights`], constant weights per population pair): the scatter adds one scalar
//!   per row part, without a weight load per synapse.
//! * An analog drive whose row equals the step before's (a series sample held for
//!   `steps_per_sample` steps), with no noise: the current of the step before is reused
//!   instead of being summed again (the same sums, so the same bits).
//! * On x86-64 with AVX2 the whole step loop is compiled for AVX2 and chosen at run time (Rust
//!   does not contract `a * b + c` into a fused multiply-add, so the results do not depend on
//!   the CPU). `tests/reference.rs` checks each path against a dense reference bit for bit.

pub use crate::batch::{run_batch, run_batch_items};
use crate::error::{ReservoirError, Result};
use crate::hh::HhState;
use crate::izhikevich::IzhState;
use crate::network::{Csr, Network, Neurons};
use crate::neuron::{LifState, NeuronModel};
use crate::plasticity::Stdp;
use crate::stp::StpState;
use crate::theta::ThetaState;
use lsm_core::{rng_for, stream, Real, SimRng, SpikeTrains};
use ndarray::Array2;

mod scatter;
mod step;

use step::{run_loop_dispatch, Bufs, Ctx, Run};

pub use crate::record::{Bins, Drive, FinalState, RecordSpec, Recording, TraceSamples, TraceSpec};

#[derive(Clone, Debug)]
enum StateAny {
    Lif(LifState),
    Hh(HhState),
    Izh(IzhState),
    Theta(ThetaState),
}

/// All mutable buffers of a simulation, created once per worker and reused for every sample.
#[derive(Clone, Debug)]
pub struct SimWorkspace {
    n: usize,
    n_slots: usize,
    state: StateAny,
    ring_e: Vec<Real>,
    ring_i: Vec<Real>,
    i_ext: Vec<Real>,
    spikes: Vec<u32>,
    trace: Vec<Real>,
    trace_sum: Vec<Real>,
    /// Dynamic-synapse state of the recurrent and input lists (when they have any) and a
    /// scratch row of amplitude factors (the largest fan-out).
    stp_rec: Option<StpState>,
    stp_inp: Option<StpState>,
    stp_buf: Vec<Real>,
}

impl SimWorkspace {
    /// Bytes of the buffers (state, delay rings, traces).
    pub(crate) fn heap_bytes(&self) -> usize {
        let state = match &self.state {
            StateAny::Lif(_) => 8 * self.n,
            StateAny::Hh(_) => 12 * self.n,
            StateAny::Izh(_) => 8 * self.n,
            StateAny::Theta(_) => 3 * self.n,
        };
        8 * (self.ring_e.len() + self.ring_i.len() + self.i_ext.len() + self.trace.len())
            + 8 * self.trace_sum.len()
            + 4 * self.spikes.len()
            + 8 * state
            + self.stp_rec.as_ref().map_or(0, StpState::heap_bytes)
            + self.stp_inp.as_ref().map_or(0, StpState::heap_bytes)
            + 8 * self.stp_buf.len()
    }
}

impl Network {
    /// A workspace for this network.
    pub fn workspace(&self) -> SimWorkspace {
        let n = self.n_neurons();
        let state = match &self.neurons {
            Neurons::Lif(m) => StateAny::Lif(m.new_state()),
            Neurons::Hh(m) => StateAny::Hh(m.new_state()),
            Neurons::Izhikevich(m) => StateAny::Izh(m.new_state()),
            Neurons::Theta(m) => StateAny::Theta(m.new_state()),
        };
        SimWorkspace {
            n,
            n_slots: self.n_slots,
            state,
            ring_e: vec![0.0; n * self.n_slots],
            ring_i: vec![0.0; n * self.n_slots],
            i_ext: vec![0.0; n],
            spikes: vec![0; n],
            trace: vec![0.0; n],
            trace_sum: vec![0.0; n],
            stp_rec: self
                .rec
                .stp
                .as_ref()
                .map(|_| StpState::new(self.rec.n_synapses(), n)),
            stp_inp: self
                .inp
                .stp
                .as_ref()
                .map(|_| StpState::new(self.inp.n_synapses(), self.inp.n_pre())),
            stp_buf: {
                let fan = |c: &Csr, on: bool| {
                    if on {
                        (0..c.n_pre()).map(|p| c.fan_out(p)).max().unwrap_or(0)
                    } else {
                        0
                    }
                };
                vec![
                    0.0;
                    fan(&self.rec, self.rec.stp.is_some())
                        .max(fan(&self.inp, self.inp.stp.is_some()))
                ]
            },
        }
    }

    /// Run `n_steps` steps from the initial state and return the recording.
    ///
    /// `seed` and `sample_id` select the noise stream `rng_for(seed, SIM_NOISE + sample_id)`
    /// and the background stream `rng_for(seed, SIM_BACKGROUND + sample_id)`.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if the drive or record spec does not fit the network.
    pub fn run(
        &self,
        drive: Drive<'_>,
        n_steps: usize,
        spec: &RecordSpec,
        seed: u64,
        sample_id: u64,
    ) -> Result<Recording> {
        let mut ws = self.workspace();
        let mut out = Recording::default();
        self.run_into(drive, n_steps, spec, seed, sample_id, &mut ws, &mut out)?;
        Ok(out)
    }

    /// Run `n_steps` steps from the initial state, reusing `ws`, writing into `out`.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if the drive, record spec or workspace does not fit.
    #[allow(clippy::too_many_arguments)]
    pub fn run_into(
        &self,
        drive: Drive<'_>,
        n_steps: usize,
        spec: &RecordSpec,
        seed: u64,
        sample_id: u64,
        ws: &mut SimWorkspace,
        out: &mut Recording,
    ) -> Result<()> {
        self.run_impl(
            drive,
            n_steps,
            spec,
            Start::Rest { seed, sample_id },
            ws,
            out,
            None,
        )
    }

    /// As [`Network::run_into`], with spike-timing-dependent plasticity: the recurrent spikes
    /// travel with the weights held by `stdp` (not the network's own), which `stdp` then
    /// updates after every step ([`crate::plasticity`]). The network itself is not changed;
    /// [`Stdp::to_spec`] gives the network with the learned weights.
    ///
    /// # Errors
    /// As [`Network::run_into`]; [`ReservoirError::Input`] if `stdp` was made for another
    /// network.
    #[allow(clippy::too_many_arguments)]
    pub fn run_plastic_into(
        &self,
        drive: Drive<'_>,
        n_steps: usize,
        spec: &RecordSpec,
        seed: u64,
        sample_id: u64,
        ws: &mut SimWorkspace,
        out: &mut Recording,
        stdp: &mut Stdp,
    ) -> Result<()> {
        if !stdp.fits(self) {
            return Err(ReservoirError::Input(
                "the plasticity state was made for another network".into(),
            ));
        }
        self.run_impl(
            drive,
            n_steps,
            spec,
            Start::Rest { seed, sample_id },
            ws,
            out,
            Some(stdp),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_impl(
        &self,
        drive: Drive<'_>,
        n_steps: usize,
        spec: &RecordSpec,
        start: Start<'_>,
        ws: &mut SimWorkspace,
        out: &mut Recording,
        mut plast: Option<&mut Stdp>,
    ) -> Result<()> {
        let n = self.n_neurons();
        let bad = |m: String| Err(ReservoirError::Input(m));
        let same_model = matches!(
            (&self.neurons, &ws.state),
            (Neurons::Lif(_), StateAny::Lif(_))
                | (Neurons::Hh(_), StateAny::Hh(_))
                | (Neurons::Izhikevich(_), StateAny::Izh(_))
                | (Neurons::Theta(_), StateAny::Theta(_))
        );
        if ws.n != n || ws.n_slots != self.n_slots || !same_model {
            return bad("the workspace was made for another network".into());
        }
        match drive {
            Drive::None => {}
            Drive::Spikes(s) => {
                if s.n_channels() != self.n_inputs() {
                    return bad(format!(
                        "input spikes have {} channels, the network has n_inputs = {}",
                        s.n_channels(),
                        self.n_inputs()
                    ));
                }
                if (s.dt_ms() - self.dt_ms()).abs() > 1e-9 * self.dt_ms() {
                    return bad(format!(
                        "input spikes have dt = {} ms, the network has dt_ms = {}",
                        s.dt_ms(),
                        self.dt_ms()
                    ));
                }
            }
            Drive::Current(x) => {
                if x.ncols() != self.n_inputs() {
                    return bad(format!(
                        "analog drive has {} columns, the network has n_inputs = {}",
                        x.ncols(),
                        self.n_inputs()
                    ));
                }
                if let Some(v) = x.iter().find(|v| !v.is_finite()) {
                    return bad(format!("analog drive contains the non-finite value {v}"));
                }
            }
        }
        let dt = self.dt_ms();
        if let Some(&i) = spec.v_neurons.iter().flatten().find(|&&i| i >= n) {
            return bad(format!(
                "v_neurons: neuron {i} is out of range: the network has {n} neurons (0..={})",
                n.saturating_sub(1)
            ));
        }
        self.check_run_cost(n_steps, spec)?;
        // Recording buffers.
        let n_bins = match spec.bins {
            None => 0,
            Some(Bins::Count(b)) => {
                if b == 0 {
                    return bad("bins: expected at least 1 bin".into());
                }
                b
            }
            Some(Bins::WidthMs(w)) => {
                if !(w.is_finite() && w > 0.0) {
                    return bad(format!("bins: expected a width > 0 ms, found {w}"));
                }
                crate::cost::n_bins_of(n_steps, dt, w) as usize
            }
        };
        let mut trace_steps: Vec<usize> = Vec::new();
        let mut trace_decay = 0.0;
        if let Some(ts) = &spec.traces {
            if !(ts.tau_ms.is_finite() && ts.tau_ms > 0.0) {
                return bad(format!("traces: expected tau_ms > 0, found {}", ts.tau_ms));
            }
            trace_decay = (-dt / ts.tau_ms).exp();
            match &ts.samples {
                TraceSamples::None => {}
                TraceSamples::Even(k) => {
                    if *k == 0 || *k > n_steps {
                        return bad(format!("traces: {k} evenly spaced samples of a {n_steps}-step run: expected 1..={n_steps}"));
                    }
                    trace_steps = (0..*k).map(|j| (j + 1) * n_steps / k - 1).collect();
                }
                TraceSamples::Steps(s) => {
                    if let Some(&bad_s) = s.iter().find(|&&s| s >= n_steps) {
                        return bad(format!(
                            "traces: sample step {bad_s} is past the end of the {n_steps}-step run"
                        ));
                    }
                    if s.windows(2).any(|w| w[0] >= w[1]) {
                        return bad("traces: sample steps must be strictly increasing".into());
                    }
                    trace_steps = s.clone();
                }
            }
        }
        if spec.v_samples && trace_steps.is_empty() {
            return bad(
                "v_samples: membrane samples are read at the trace sampling steps, and none are \
                 set (traces.samples)"
                    .into(),
            );
        }
        *out = Recording {
            n_steps,
            spikes: spec
                .spikes
                .then(|| SpikeTrains::with_capacity(n, dt, n_steps, n_steps * n / 200 + 16)),
            v: spec
                .v
                .then(|| Array2::zeros((n_steps, spec.v_neurons.as_ref().map_or(n, Vec::len)))),
            bin_counts: spec.bins.map(|_| Array2::zeros((n_bins, n))),
            traces: (!trace_steps.is_empty()).then(|| Array2::zeros((trace_steps.len(), n))),
            v_samples: (spec.v_samples && !trace_steps.is_empty())
                .then(|| Array2::zeros((trace_steps.len(), n))),
            trace_steps,
            ..Recording::default()
        };
        let mut own_rng: SimRngs;
        let (rng, t0, reset) = match start {
            Start::Rest { seed, sample_id } => {
                own_rng = self.sim_rngs(seed, sample_id);
                (&mut own_rng, 0, true)
            }
            Start::Resume { rng, t0, fresh } => (rng, t0, fresh),
        };
        if reset {
            // Reset every state variable.
            ws.ring_e.fill(0.0);
            ws.ring_i.fill(0.0);
            ws.trace.fill(0.0);
            ws.trace_sum.fill(0.0);
            for st in [&mut ws.stp_rec, &mut ws.stp_inp].into_iter().flatten() {
                st.reset();
            }
        }
        let ctx = Ctx {
            net: self,
            drive,
            t0,
            n_steps,
            spec,
            n_bins,
            trace_decay,
        };
        let bufs = Bufs {
            ring_e: &mut ws.ring_e,
            ring_i: &mut ws.ring_i,
            i_ext: &mut ws.i_ext,
            spikes: &mut ws.spikes,
            trace: &mut ws.trace,
            trace_sum: &mut ws.trace_sum,
            stp_rec: ws.stp_rec.as_mut(),
            stp_inp: ws.stp_inp.as_mut(),
            stp_buf: &mut ws.stp_buf,
        };
        if let Some(p) = plast.as_deref_mut() {
            p.start_sample();
        }
        let t_end = (t0 + n_steps) as i64;
        let fin = spec.final_state;
        let state =
            |v: &[Real], ie: &[Real], ii: &[Real], refr: Vec<i64>, theta: &[Real]| FinalState {
                v: v.to_vec(),
                i_exc: ie.to_vec(),
                i_inh: ii.to_vec(),
                refractory_steps_left: refr.into_iter().map(|r| (r - t_end).max(0)).collect(),
                theta: if theta.is_empty() {
                    vec![0.0; v.len()]
                } else {
                    theta.to_vec()
                },
            };
        let run = Run {
            ctx: &ctx,
            b: bufs,
            rng,
            out: &mut *out,
            plast,
        };
        match (&self.neurons, &mut ws.state) {
            (Neurons::Lif(m), StateAny::Lif(st)) => {
                if reset {
                    m.reset(st);
                }
                run_loop_dispatch(m, st, run);
                let refr = || st.refractory_until.iter().map(|&r| r as i64).collect();
                out.final_state =
                    fin.then(|| state(&st.v, &st.i_exc, &st.i_inh, refr(), &st.theta));
            }
            (Neurons::Hh(m), StateAny::Hh(st)) => {
                if reset {
                    m.reset(st);
                }
                run_loop_dispatch(m, st, run);
                let refr = || st.refractory_until.clone();
                out.final_state = fin.then(|| state(&st.v, &st.i_exc, &st.i_inh, refr(), &[]));
            }
            (Neurons::Izhikevich(m), StateAny::Izh(st)) => {
                if reset {
                    m.reset(st);
                }
                run_loop_dispatch(m, st, run);
                out.final_state = fin.then(|| state(&st.v, &st.i_exc, &st.i_inh, vec![0; n], &[]));
            }
            (Neurons::Theta(m), StateAny::Theta(st)) => {
                if reset {
                    m.reset(st);
                }
                run_loop_dispatch(m, st, run);
                out.final_state =
                    fin.then(|| state(&st.theta, &st.i_exc, &st.i_inh, vec![0; n], &[]));
            }
            _ => unreachable!("checked above: the workspace's state matches the model"),
        }
        Ok(())
    }
}

/// The random streams of one run (a sample): `None` where the network draws nothing.
#[derive(Clone, Debug)]
pub(crate) struct SimRngs {
    /// Noise currents (`neuron.i_noise_na`): `SIM_NOISE + sample_id`.
    noise: Option<SimRng>,
    /// Poisson background counts (`neuron.background`): `SIM_BACKGROUND + sample_id`.
    background: Option<SimRng>,
}

impl Network {
    /// The random streams of sample `sample_id` of a run seeded with `seed`.
    pub(crate) fn sim_rngs(&self, seed: u64, sample_id: u64) -> SimRngs {
        let at = |on: bool, s: u64| on.then(|| rng_for(seed, s.wrapping_add(sample_id)));
        SimRngs {
            noise: at(self.noise.is_some(), stream::SIM_NOISE),
            background: at(self.background.is_some(), stream::SIM_BACKGROUND),
        }
    }
}

/// Where a run starts.
pub(crate) enum Start<'s> {
    /// From rest: every state variable reset, random streams from [`Network::sim_rngs`].
    Rest { seed: u64, sample_id: u64 },
    /// Where a [`crate::Stepper`] left off: absolute step `t0`, its noise generator; `fresh`
    /// resets the state first (a stepper that has not run yet).
    Resume {
        rng: &'s mut SimRngs,
        t0: usize,
        fresh: bool,
    },
}
