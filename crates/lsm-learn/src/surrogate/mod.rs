//! Surrogate-gradient training of spiking networks: backpropagation through time with the
//! spike's derivative replaced by a smooth surrogate (Zenke & Ganguli 2018, "SuperSpike";
//! Neftci, Mostafa & Zenke 2019; snnTorch's `surrogate` module).
//!
//! # The network
//!
//! Input channels (spike trains) → `hidden` LIF neurons (optionally with recurrent
//! hidden → hidden synapses, no autapses) → one LIF neuron per class. Every neuron is lsm's leaky
//! LIF with **exponential-current synapses** (`tau_syn_ms` for both signs), `R = 1 MΩ`,
//! `v_rest = v_reset = 0`, threshold `v_th_mv`, **no refractory period** (`t_ref_ms = 0`: the
//! trained networks require it, there is no refractory clamp to differentiate) and no bias
//! current. Every synapse has delay 0.
//!
//! # Exactly the simulator's step
//!
//! The per-step linear map is the one lsm-reservoir integrates exactly: the propagators
//! `P22 = exp(−h/τ_m)`, `P11 = exp(−h/τ_syn)`, `P21` (current → membrane) and `P20` are taken
//! from [`lsm_reservoir::Lif::from_spec`] on the network's own [`lsm_reservoir::NeuronSpec`],
//! so they are the same numbers. A step `t` follows the simulator's schedule
//! ([`lsm_reservoir::sim`]), for each layer:
//!
//! ```text
//! u_t = v_rest + P22 (v_{t−1} − v_rest) + P21 I⁺_{t−1} + P21 I⁻_{t−1} + P20 · 0   (state update)
//! I±  ← P11 I±                                                                    (current decay)
//! s_t = H(u_t − v_th)                                                              (threshold)
//! I±_t = I± + Σ w± (input spikes of step t, then spikes of the hidden neurons of step t)
//! v_t = v_reset if s_t (reset "value"), v_t = u_t − (v_th − v_reset) (reset "subtract"), else u_t
//! ```
//!
//! The excitatory and inhibitory currents are kept apart and summed in the simulator's order,
//! so that the forward pass is **bit-identical** to the simulator running the exported network
//! ([`SurrogateNet::to_network_spec`]; tested spike for spike). An input spike of step `t`
//! reaches the hidden membrane at step `t + 1`, a hidden spike the output membrane at `t + 1`.
//!
//! # The backward pass
//!
//! Hand-written BPTT over this map with `I = I⁺ + I⁻` (one linear current, since both decay with
//! `P11` and couple with `P21`). The Heaviside's derivative is replaced by a surrogate of
//! `x = u − v_th` (mV) with slope `k` (1/mV):
//!
//! * fast sigmoid (SuperSpike, snnTorch `fast_sigmoid`): `σ'(x) = 1 / (1 + k|x|)²`;
//! * arctan (snnTorch `atan`): `σ'(x) = (k/2) / (1 + (π k x / 2)²)`.
//!
//! **The reset is detached by default** (`detach_reset: true`, snnTorch's default): the spike in
//! the reset term is a constant for the gradient, so `∂v_t/∂u_t = 1 − s_t` (reset to a value) or
//! `1` (subtraction) and no gradient flows through `s_t` into `v_t`. With `detach_reset: false`
//! the reset path `∂v_t/∂s_t = −(u_t − v_reset)` (value) or `−(v_th − v_reset)` (subtraction)
//! is added. [`ForwardMode`] holds the smooth forward passes whose exact gradient the backward
//! pass computes (the tests compare with finite differences).
//!
//! # Losses and readout
//!
//! * `"count"`: the output neurons spike; logits = output spike counts over the whole sample;
//!   loss = softmax cross-entropy; prediction = most spikes (the first class on ties).
//! * `"membrane"`: the output neurons never fire (threshold 10³⁰ mV in the exported file, like
//!   the converted networks); logits = the **maximum over time** of the output membrane `u_t`
//!   (SpyTorch's readout); the gradient goes to the first step reaching the maximum.
//!
//! # Training
//!
//! Adam (β 0.9 / 0.999, ε 1e-8) on mini-batches of the mean loss. The samples of a batch are
//! differentiated in parallel (rayon, one [`Workspace`] per worker, nothing allocated per step),
//! and their gradients are summed in sample order, so training gives the same bits for any
//! thread count. The initial weights (normal, std `init_gain / (psp · √fan_in)` with `psp` the
//! peak membrane response to a unit-weight spike) and then each epoch's shuffle come from
//! `rng_for(seed, stream::SURROGATE)`.

mod export;
mod model;
mod train;

pub use model::{ForwardMode, Gradient, Trace, Workspace};
pub use train::{train, TrainLog, Trained};

use crate::error::{LearnError, Result};
use lsm_core::limits::{check, Limit};
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_reservoir::{Lif, ModelKind, NeuronSpec, Param, ResetKind, SynapseKind};
use ndarray::Array2;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// The threshold of non-firing output neurons (`"membrane"` loss), mV.
pub const OUTPUT_THRESHOLD_MV: Real = 1e30;

/// The surrogate of the spike's derivative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurrogateKind {
    /// SuperSpike's fast sigmoid `1 / (1 + k|x|)²`.
    #[default]
    FastSigmoid,
    /// snnTorch's arctan `(k/2) / (1 + (π k x / 2)²)`.
    Arctan,
}

impl SurrogateKind {
    /// The surrogate derivative at `x = u − v_th` with slope `k`.
    #[inline]
    pub fn derivative(self, x: Real, k: Real) -> Real {
        match self {
            SurrogateKind::FastSigmoid => {
                let d = 1.0 + k * x.abs();
                1.0 / (d * d)
            }
            SurrogateKind::Arctan => {
                let z = std::f64::consts::FRAC_PI_2 * k * x;
                0.5 * k / (1.0 + z * z)
            }
        }
    }

    /// A smooth function whose derivative is [`SurrogateKind::derivative`]: `x / (1 + k|x|)`
    /// (fast sigmoid) or `1/2 + atan(π k x / 2) / π` (arctan). The smooth spike of
    /// [`ForwardMode::Smooth`].
    #[inline]
    pub fn integral(self, x: Real, k: Real) -> Real {
        match self {
            SurrogateKind::FastSigmoid => x / (1.0 + k * x.abs()),
            SurrogateKind::Arctan => {
                0.5 + (std::f64::consts::FRAC_PI_2 * k * x).atan() / std::f64::consts::PI
            }
        }
    }
}

/// The training loss (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Cross-entropy on the output spike counts.
    Count,
    /// Cross-entropy on the maximum over time of the (non-firing) output membranes (the
    /// default: on FSDD it reaches 0.844 where the count loss underfits at 0.31,
    /// `docs/experiments.md`).
    #[default]
    Membrane,
}

/// The settings of surrogate-gradient training.
///
/// | Field | Default | Range |
/// |---|---|---|
/// | `hidden` | 128 | ≥ 1 hidden neurons |
/// | `recurrent` | false | hidden → hidden synapses |
/// | `surrogate` | `"fast_sigmoid"` | or `"arctan"` |
/// | `slope` | 25 (1/mV) | > 0 |
/// | `detach_reset` | true | no gradient through the reset |
/// | `loss` | `"membrane"` | or `"count"` |
/// | `epochs` | 30 | ≥ 1 |
/// | `batch_size` | 32 | ≥ 1 |
/// | `learning_rate` | 0.02 | > 0 (Adam; weights are in nA, of order 1) |
/// | `tau_m_ms` | 20 | > 0 |
/// | `tau_syn_ms` | 5 | > 0 |
/// | `v_th_mv` | 1 | > 0 (rest and reset are 0) |
/// | `reset` | `"value"` | or `"subtract"` |
/// | `init_gain` | 1 | > 0: weight std in units of the threshold over `psp · √fan_in` |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurrogateConfig {
    /// Hidden LIF neurons.
    pub hidden: usize,
    /// Whether the hidden layer has recurrent synapses (all pairs but autapses).
    pub recurrent: bool,
    /// The surrogate derivative.
    pub surrogate: SurrogateKind,
    /// The surrogate's slope `k`, 1/mV.
    pub slope: Real,
    /// Whether the reset is detached from the gradient (snnTorch's default).
    pub detach_reset: bool,
    /// The loss.
    pub loss: LossKind,
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per mini-batch (the last one of an epoch may be smaller).
    pub batch_size: usize,
    /// Adam's step size.
    pub learning_rate: Real,
    /// Membrane time constant, ms.
    pub tau_m_ms: Real,
    /// Synaptic current time constant (both signs), ms.
    pub tau_syn_ms: Real,
    /// Threshold, mV (rest and reset 0 mV).
    pub v_th_mv: Real,
    /// Reset to `v_reset` or by subtraction.
    pub reset: ResetKind,
    /// Initial weight scale (see the table).
    pub init_gain: Real,
}

impl Default for SurrogateConfig {
    fn default() -> Self {
        Self {
            hidden: 128,
            recurrent: false,
            surrogate: SurrogateKind::FastSigmoid,
            slope: 25.0,
            detach_reset: true,
            loss: LossKind::Membrane,
            epochs: 30,
            batch_size: 32,
            learning_rate: 0.02,
            tau_m_ms: 20.0,
            tau_syn_ms: 5.0,
            v_th_mv: 1.0,
            reset: ResetKind::Value,
            init_gain: 1.0,
        }
    }
}

fn bad<T>(name: &'static str, msg: String) -> Result<T> {
    Err(LearnError::InvalidParam { name, msg })
}

fn positive(name: &'static str, x: Real, unit: &str) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        bad(name, format!("{x}: expected a finite value > 0{unit}"))
    }
}

impl SurrogateConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] naming the field; [`LearnError::Limit`] for a hidden layer
    /// over the cost limits.
    pub fn validate(&self) -> Result<()> {
        if self.hidden == 0 {
            return bad("hidden", "0: expected at least 1 hidden neuron".into());
        }
        check(Limit::Neurons, self.hidden as Real, "hidden neurons")?;
        positive("slope", self.slope, " (1/mV)")?;
        if self.epochs == 0 || self.epochs > 1_000_000 {
            return bad("epochs", format!("{}: expected 1..=1000000", self.epochs));
        }
        if self.batch_size == 0 {
            return bad(
                "batch_size",
                "0: expected at least 1 sample per batch".into(),
            );
        }
        positive("learning_rate", self.learning_rate, "")?;
        positive("tau_m_ms", self.tau_m_ms, " ms")?;
        positive("tau_syn_ms", self.tau_syn_ms, " ms")?;
        positive("v_th_mv", self.v_th_mv, " mV")?;
        positive("init_gain", self.init_gain, "")?;
        Ok(())
    }
}

/// A trained (or initialised) surrogate-gradient network. Weights are stored **pre-major**:
/// `w_in[[c, j]]` is the weight from input channel `c` to hidden neuron `j`, `w_rec[[i, j]]` from
/// hidden `i` to hidden `j` (zero diagonal), `w_out[[i, k]]` from hidden `i` to output `k`; nA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurrogateNet {
    /// Step, ms (the input spike trains' step).
    pub dt_ms: Real,
    /// Membrane time constant, ms.
    pub tau_m_ms: Real,
    /// Synaptic time constant, ms.
    pub tau_syn_ms: Real,
    /// Threshold, mV (rest and reset 0 mV).
    pub v_th_mv: Real,
    /// The reset.
    pub reset: ResetKind,
    /// The surrogate used by the backward pass.
    pub surrogate: SurrogateKind,
    /// Its slope, 1/mV.
    pub slope: Real,
    /// Whether the reset is detached from the gradient.
    pub detach_reset: bool,
    /// The loss, which also fixes the readout (spike counts or maximal membrane).
    pub loss: LossKind,
    /// Input weights, inputs × hidden.
    pub w_in: Array2<Real>,
    /// Recurrent weights, hidden × hidden (zero diagonal), if recurrent.
    pub w_rec: Option<Array2<Real>>,
    /// Output weights, hidden × classes.
    pub w_out: Array2<Real>,
}

/// The per-step propagators of [`lsm_reservoir::Lif`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prop {
    pub p22: Real,
    pub p20: Real,
    pub p21e: Real,
    pub p21i: Real,
    pub p11e: Real,
    pub p11i: Real,
}

impl SurrogateNet {
    /// A network with random initial weights for `n_inputs` channels, `n_classes` outputs and
    /// step `dt_ms` (see the module documentation for the draws).
    ///
    /// # Errors
    /// A bad config ([`LearnError::InvalidParam`]), sizes over the cost limits.
    pub fn init(
        config: &SurrogateConfig,
        n_inputs: usize,
        n_classes: usize,
        dt_ms: Real,
        seed: u64,
    ) -> Result<Self> {
        Self::init_with(
            config,
            n_inputs,
            n_classes,
            dt_ms,
            &mut rng_for(seed, stream::SURROGATE),
        )
    }

    pub(crate) fn init_with(
        config: &SurrogateConfig,
        n_inputs: usize,
        n_classes: usize,
        dt_ms: Real,
        rng: &mut lsm_core::SimRng,
    ) -> Result<Self> {
        config.validate()?;
        positive("dt_ms", dt_ms, " ms")?;
        if n_inputs == 0 {
            return bad("n_inputs", "0: expected at least 1 input channel".into());
        }
        if n_classes < 2 {
            return bad("n_classes", format!("{n_classes}: expected at least 2"));
        }
        check(Limit::Inputs, n_inputs as Real, "input channels")?;
        check(
            Limit::Neurons,
            (config.hidden + n_classes) as Real,
            "neurons of the surrogate-gradient network",
        )?;
        let h = config.hidden;
        check(
            Limit::Synapses,
            (n_inputs * h + if config.recurrent { h * h } else { 0 } + h * n_classes) as Real,
            "weights of the surrogate-gradient network",
        )?;
        let mut net = SurrogateNet {
            dt_ms,
            tau_m_ms: config.tau_m_ms,
            tau_syn_ms: config.tau_syn_ms,
            v_th_mv: config.v_th_mv,
            reset: config.reset,
            surrogate: config.surrogate,
            slope: config.slope,
            detach_reset: config.detach_reset,
            loss: config.loss,
            w_in: Array2::zeros((n_inputs, h)),
            w_rec: config.recurrent.then(|| Array2::zeros((h, h))),
            w_out: Array2::zeros((h, n_classes)),
        };
        let psp = net.psp_peak();
        let scale = config.init_gain * config.v_th_mv / psp;
        let mut draw = |w: &mut Array2<Real>, fan_in: usize| {
            let normal = Normal::new(0.0, scale / (fan_in as Real).sqrt()).expect("finite std");
            w.iter_mut().for_each(|x| *x = normal.sample(rng));
        };
        draw(&mut net.w_in, n_inputs);
        if let Some(w) = net.w_rec.as_mut() {
            draw(w, h);
            w.diag_mut().fill(0.0);
        }
        draw(&mut net.w_out, h);
        Ok(net)
    }

    /// Number of input channels.
    pub fn n_inputs(&self) -> usize {
        self.w_in.nrows()
    }
    /// Number of hidden neurons.
    pub fn hidden(&self) -> usize {
        self.w_in.ncols()
    }
    /// Number of output neurons (classes).
    pub fn n_outputs(&self) -> usize {
        self.w_out.ncols()
    }
    /// Whether the output neurons fire (the `"count"` loss).
    pub fn outputs_fire(&self) -> bool {
        self.loss == LossKind::Count
    }

    /// The neuron parameters of the exported network (`n` neurons, the last `n_out` outputs).
    pub fn neuron_spec(&self, n: usize, n_out: usize) -> NeuronSpec {
        let v_th = if self.outputs_fire() {
            Param::Scalar(self.v_th_mv)
        } else {
            let mut t = vec![self.v_th_mv; n];
            t[n.saturating_sub(n_out)..].fill(OUTPUT_THRESHOLD_MV);
            Param::PerNeuron(t)
        };
        NeuronSpec {
            model: ModelKind::Lif,
            leaky: true,
            tau_m_ms: self.tau_m_ms.into(),
            r_mohm: 1.0.into(),
            v_rest_mv: 0.0.into(),
            v_reset_mv: 0.0.into(),
            v_th_mv: v_th,
            t_ref_ms: 0.0.into(),
            reset: self.reset,
            i_bias_na: 0.0.into(),
            i_noise_na: 0.0.into(),
            v_init_mv: None,
            synapse: SynapseKind::ExpCurrent,
            tau_syn_exc_ms: Some(self.tau_syn_ms.into()),
            tau_syn_inh_ms: Some(self.tau_syn_ms.into()),
            ..NeuronSpec::default()
        }
    }

    /// The simulator's propagators for these neurons (computed by [`Lif::from_spec`]).
    pub(crate) fn prop(&self) -> Prop {
        let lif = Lif::from_spec(&self.neuron_spec(1, 0), 1, self.dt_ms);
        let [p22, p20, p21e, p21i, p11e, p11i] = lif.propagators(0);
        Prop {
            p22,
            p20,
            p21e,
            p21i,
            p11e,
            p11i,
        }
    }

    /// The peak membrane response (mV) to one spike of weight 1 nA, from rest.
    pub fn psp_peak(&self) -> Real {
        let p = self.prop();
        let (mut v, mut i, mut best): (Real, Real, Real) = (0.0, 1.0, 0.0);
        let n = (20.0 * (self.tau_m_ms + self.tau_syn_ms) / self.dt_ms).ceil() as usize;
        for _ in 0..n.clamp(1, 100_000) {
            v = p.p22 * v + p.p21e * i;
            i *= p.p11e;
            best = best.max(v);
        }
        best.max(1e-12)
    }

    /// Check the sizes, the parameters and that every weight is finite (a network read from a
    /// file).
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] naming the field.
    pub fn validate(&self) -> Result<()> {
        positive("dt_ms", self.dt_ms, " ms")?;
        positive("tau_m_ms", self.tau_m_ms, " ms")?;
        positive("tau_syn_ms", self.tau_syn_ms, " ms")?;
        positive("v_th_mv", self.v_th_mv, " mV")?;
        positive("slope", self.slope, " (1/mV)")?;
        let (c, h, o) = (self.n_inputs(), self.hidden(), self.n_outputs());
        if c == 0 || h == 0 {
            return bad(
                "w_in",
                format!("{c} x {h}: expected at least 1 input and 1 hidden neuron"),
            );
        }
        if o < 2 {
            return bad("w_out", format!("{o} outputs: expected at least 2 classes"));
        }
        if self.w_out.nrows() != h {
            return bad(
                "w_out",
                format!(
                    "{} rows: expected one per hidden neuron ({h})",
                    self.w_out.nrows()
                ),
            );
        }
        check(
            Limit::Neurons,
            (h + o) as Real,
            "neurons of the surrogate-gradient network",
        )?;
        let mut n_w = c * h + h * o;
        if let Some(w) = &self.w_rec {
            if w.dim() != (h, h) {
                return bad("w_rec", format!("{:?}: expected {h} x {h}", w.dim()));
            }
            if let Some(i) = (0..h).find(|&i| w[[i, i]] != 0.0) {
                return bad(
                    "w_rec",
                    format!("diagonal entry {i} is not 0 (no autapses)"),
                );
            }
            n_w += h * h;
        }
        check(
            Limit::Synapses,
            n_w as Real,
            "weights of the surrogate-gradient network",
        )?;
        let arrays = [
            ("w_in", Some(&self.w_in)),
            ("w_rec", self.w_rec.as_ref()),
            ("w_out", Some(&self.w_out)),
        ];
        for (name, w) in arrays {
            if let Some(w) = w {
                if !w.is_standard_layout() {
                    return bad(name, "expected a row-major array".into());
                }
                if let Some((idx, x)) = w.indexed_iter().find(|(_, x)| !x.is_finite()) {
                    return bad(
                        name,
                        format!("entry {idx:?} is {x}: expected finite weights"),
                    );
                }
            }
        }
        Ok(())
    }

    /// Check that `x` fits the network (channels, step, at least one step).
    pub(crate) fn check_input(&self, x: &SpikeTrains, i: usize) -> Result<()> {
        if x.n_channels() != self.n_inputs() {
            return Err(LearnError::Data(format!(
                "sample {i} has {} input channels, the network has {}",
                x.n_channels(),
                self.n_inputs()
            )));
        }
        if (x.dt_ms() - self.dt_ms).abs() > 1e-9 * self.dt_ms {
            return Err(LearnError::Data(format!(
                "sample {i} has dt = {} ms, the network has dt_ms = {}",
                x.dt_ms(),
                self.dt_ms
            )));
        }
        if x.n_steps() == 0 {
            return Err(LearnError::Data(format!("sample {i} has no time step")));
        }
        check(
            Limit::Steps,
            x.n_steps() as Real,
            "time steps of one sample",
        )?;
        Ok(())
    }

    /// Check a batch of inputs and the memory of one workspace for the longest.
    pub(crate) fn check_inputs(&self, xs: &[SpikeTrains]) -> Result<usize> {
        let mut t_max = 0;
        for (i, x) in xs.iter().enumerate() {
            self.check_input(x, i)?;
            t_max = t_max.max(x.n_steps());
        }
        check(
            Limit::MemoryBytes,
            t_max as Real * (self.hidden() + self.n_outputs()) as Real * 16.0,
            "the membrane and spike record of one sample (steps x neurons x 16 bytes)",
        )?;
        Ok(t_max)
    }
}
