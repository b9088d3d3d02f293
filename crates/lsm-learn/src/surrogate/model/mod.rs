//! The forward pass (the simulator's step, see the module documentation) and the hand-written
//! backward pass through time.

// The step loops index several state slices in lock step.
#![allow(clippy::needless_range_loop)]

use super::{Prop, SurrogateNet};
use crate::error::{LearnError, Result};
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::ResetKind;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

mod backward;
mod forward;

/// Which spike function the forward pass uses.
#[derive(Clone, Copy, Debug)]
pub enum ForwardMode<'a> {
    /// Heaviside spikes: the spiking network of training, prediction and the simulator.
    Spiking,
    /// Gradient-check mode: the spike is the smooth [`super::SurrogateKind::integral`] of the
    /// surrogate and the reset uses it too (`v = u − s (u − v_reset)` or
    /// `v = u − s (v_th − v_reset)`). With `detach_reset: false` the backward pass is the exact
    /// gradient of this forward pass.
    Smooth,
    /// As [`ForwardMode::Smooth`], with the reset factor of every step and neuron taken from
    /// this array (steps × (hidden + outputs), hidden first) instead of the live spike: the
    /// forward pass a detached reset differentiates. With `detach_reset: true` the backward pass
    /// is the exact gradient of this forward pass.
    SmoothFrozenReset(ArrayView2<'a, Real>),
}

/// The gradient of the loss with respect to every weight matrix (same shapes as the network).
#[derive(Clone, Debug, PartialEq)]
pub struct Gradient {
    /// With respect to `w_in`.
    pub w_in: Array2<Real>,
    /// With respect to `w_rec` (zero diagonal).
    pub w_rec: Option<Array2<Real>>,
    /// With respect to `w_out`.
    pub w_out: Array2<Real>,
}

impl Gradient {
    /// Zeros shaped like `net`'s weights.
    pub fn zeros(net: &SurrogateNet) -> Self {
        Self {
            w_in: Array2::zeros(net.w_in.raw_dim()),
            w_rec: net.w_rec.as_ref().map(|w| Array2::zeros(w.raw_dim())),
            w_out: Array2::zeros(net.w_out.raw_dim()),
        }
    }
    /// `self += other`.
    pub fn add(&mut self, other: &Gradient) {
        self.w_in += &other.w_in;
        if let (Some(a), Some(b)) = (self.w_rec.as_mut(), other.w_rec.as_ref()) {
            *a += b;
        }
        self.w_out += &other.w_out;
    }
    /// `self *= c`.
    pub fn scale(&mut self, c: Real) {
        self.w_in *= c;
        if let Some(a) = self.w_rec.as_mut() {
            *a *= c;
        }
        self.w_out *= c;
    }
    fn fill_zero(&mut self) {
        self.w_in.fill(0.0);
        if let Some(a) = self.w_rec.as_mut() {
            a.fill(0.0);
        }
        self.w_out.fill(0.0);
    }
}

/// What the forward pass did on one sample, in the exported network's numbering (hidden
/// neurons `0..hidden`, outputs after them).
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The spikes of every neuron.
    pub spikes: SpikeTrains,
    /// The membrane potential after each step (after the reset), steps × neurons.
    pub v: Array2<Real>,
    /// The logits of the readout (spike counts or maximal membranes).
    pub logits: Vec<Real>,
}

/// The buffers of one sample's forward and backward pass, created once per worker: the
/// per-step loops allocate nothing (the records grow only when a longer sample comes).
#[derive(Clone, Debug)]
pub struct Workspace {
    h: usize,
    o: usize,
    prop: Prop,
    /// Membranes before the reset and spikes, steps × neurons.
    u_h: Vec<Real>,
    s_h: Vec<Real>,
    u_o: Vec<Real>,
    s_o: Vec<Real>,
    // State.
    v_h: Vec<Real>,
    ie_h: Vec<Real>,
    ii_h: Vec<Real>,
    ae_h: Vec<Real>,
    ai_h: Vec<Real>,
    v_o: Vec<Real>,
    ie_o: Vec<Real>,
    ii_o: Vec<Real>,
    ae_o: Vec<Real>,
    ai_o: Vec<Real>,
    // Adjoints.
    gu_h: Vec<Real>,
    gi_h: Vec<Real>,
    gv_h: Vec<Real>,
    gu_o: Vec<Real>,
    gi_o: Vec<Real>,
    gv_o: Vec<Real>,
    /// Logits, their gradient, the step of each output's maximal membrane.
    logits: Vec<Real>,
    dlogits: Vec<Real>,
    t_max: Vec<usize>,
    grad: Gradient,
    /// `w_out` transposed (outputs × hidden), and the hidden layer's summed adjoint of one
    /// step, for the backward pass.
    w_out_t: Vec<Real>,
    gs_h: Vec<Real>,
}

/// A weight matrix as a row-major slice: deserialised and initialised networks are standard
/// layout (`SurrogateNet::validate` checks).
fn row_major(w: &Array2<Real>) -> &[Real] {
    w.as_slice().expect("row-major: checked by validate")
}

impl SurrogateNet {
    /// A workspace for this network.
    pub fn workspace(&self) -> Workspace {
        let (h, o) = (self.hidden(), self.n_outputs());
        let z = |n| vec![0.0; n];
        Workspace {
            h,
            o,
            prop: self.prop(),
            u_h: Vec::new(),
            s_h: Vec::new(),
            u_o: Vec::new(),
            s_o: Vec::new(),
            v_h: z(h),
            ie_h: z(h),
            ii_h: z(h),
            ae_h: z(h),
            ai_h: z(h),
            v_o: z(o),
            ie_o: z(o),
            ii_o: z(o),
            ae_o: z(o),
            ai_o: z(o),
            gu_h: z(h),
            gi_h: z(h),
            gv_h: z(h),
            gu_o: z(o),
            gi_o: z(o),
            gv_o: z(o),
            logits: z(o),
            dlogits: z(o),
            t_max: vec![0; o],
            grad: Gradient::zeros(self),
            w_out_t: z(h * o),
            gs_h: z(h),
        }
    }

    /// The weight matrices as row-major slices: input, output, recurrent.
    pub(super) fn weight_slices(&self) -> (&[Real], &[Real], Option<&[Real]>) {
        (
            row_major(&self.w_in),
            row_major(&self.w_out),
            self.w_rec.as_ref().map(row_major),
        )
    }

    fn check_workspace(&self, ws: &Workspace) -> Result<()> {
        if ws.h != self.hidden()
            || ws.o != self.n_outputs()
            || ws.grad.w_in.dim() != self.w_in.dim()
            || ws.grad.w_rec.is_some() != self.w_rec.is_some()
        {
            return Err(LearnError::Data(
                "the workspace was made for another network".into(),
            ));
        }
        Ok(())
    }

    /// Cross-entropy of `ws.logits` for class `y`; writes `softmax − onehot` to `ws.dlogits`.
    fn cross_entropy(ws: &mut Workspace, y: usize) -> Real {
        let m = ws
            .logits
            .iter()
            .copied()
            .fold(Real::NEG_INFINITY, Real::max);
        let z: Real = ws.logits.iter().map(|l| (l - m).exp()).sum();
        for (d, l) in ws.dlogits.iter_mut().zip(&ws.logits) {
            *d = (l - m).exp() / z;
        }
        ws.dlogits[y] -= 1.0;
        -(ws.logits[y] - m - z.ln())
    }

    /// The loss of sample `x` with class `y` and its gradient (in `ws`, returned by reference).
    ///
    /// # Errors
    /// [`LearnError::Data`] if `x`, `y` or `ws` do not fit the network (or a frozen reset of
    /// the wrong shape).
    pub fn loss_and_gradient<'w>(
        &self,
        x: &SpikeTrains,
        y: usize,
        mode: ForwardMode<'_>,
        ws: &'w mut Workspace,
    ) -> Result<(Real, &'w Gradient)> {
        self.check_workspace(ws)?;
        self.check_input(x, 0)?;
        if y >= self.n_outputs() {
            return Err(LearnError::Data(format!(
                "class {y}: expected 0..{}",
                self.n_outputs()
            )));
        }
        self.forward(x, mode, ws)?;
        let loss = Self::cross_entropy(ws, y);
        self.backward(x, mode, ws);
        Ok((loss, &ws.grad))
    }

    /// The loss of sample `x` with class `y` (no gradient).
    ///
    /// # Errors
    /// As [`SurrogateNet::loss_and_gradient`].
    pub fn loss(
        &self,
        x: &SpikeTrains,
        y: usize,
        mode: ForwardMode<'_>,
        ws: &mut Workspace,
    ) -> Result<Real> {
        self.check_workspace(ws)?;
        self.check_input(x, 0)?;
        if y >= self.n_outputs() {
            return Err(LearnError::Data(format!(
                "class {y}: expected 0..{}",
                self.n_outputs()
            )));
        }
        self.forward(x, mode, ws)?;
        Ok(Self::cross_entropy(ws, y))
    }

    /// The spikes, membranes and logits of the forward pass on `x`, in the exported network's
    /// numbering. In [`ForwardMode::Spiking`] the spikes and membranes are what the simulator
    /// gives for [`SurrogateNet::to_network_spec`] on the same input, bit for bit. (In the
    /// smooth modes no spike is recorded and `v` holds the membrane before the reset.)
    ///
    /// # Errors
    /// An invalid network or an input that does not fit.
    pub fn run(&self, x: &SpikeTrains, mode: ForwardMode<'_>) -> Result<Trace> {
        self.validate()?;
        self.check_inputs(std::slice::from_ref(x))?;
        let mut ws = self.workspace();
        self.forward(x, mode, &mut ws)?;
        let (h, o, t_n) = (ws.h, ws.o, x.n_steps());
        let n = h + o;
        let mut spikes = SpikeTrains::empty(n, self.dt_ms, 0);
        let mut v = Array2::zeros((t_n, n));
        let mut step = Vec::with_capacity(n);
        let subtract = self.reset == ResetKind::Subtract;
        let out_th = if self.outputs_fire() {
            self.v_th_mv
        } else {
            super::OUTPUT_THRESHOLD_MV
        };
        for t in 0..t_n {
            step.clear();
            for (j, (u, s, thr)) in ws.u_h[t * h..(t + 1) * h]
                .iter()
                .zip(&ws.s_h[t * h..(t + 1) * h])
                .map(|(u, s)| (u, s, self.v_th_mv))
                .chain(
                    ws.u_o[t * o..(t + 1) * o]
                        .iter()
                        .zip(&ws.s_o[t * o..(t + 1) * o])
                        .map(|(u, s)| (u, s, out_th)),
                )
                .enumerate()
            {
                let spiked = matches!(mode, ForwardMode::Spiking) && *s != 0.0;
                if spiked {
                    step.push(j as u32);
                }
                let mut vv = *u;
                if spiked {
                    if subtract {
                        vv -= thr - 0.0;
                    } else {
                        vv = 0.0;
                    }
                }
                v[[t, j]] = vv;
            }
            spikes.push_step(&step);
        }
        Ok(Trace {
            spikes,
            v,
            logits: ws.logits.clone(),
        })
    }

    /// The logits of every sample (spike counts or maximal membranes), samples × classes,
    /// computed in parallel (the same for any thread count).
    ///
    /// # Errors
    /// An invalid network or an input that does not fit.
    pub fn logits(&self, xs: &[SpikeTrains]) -> Result<Array2<Real>> {
        self.validate()?;
        self.check_inputs(xs)?;
        let rows: Vec<Result<Vec<Real>>> = xs
            .par_iter()
            .map_init(
                || self.workspace(),
                |ws, x| {
                    self.forward(x, ForwardMode::Spiking, ws)?;
                    Ok(ws.logits.clone())
                },
            )
            .collect();
        let mut out = Array2::zeros((xs.len(), self.n_outputs()));
        for (i, r) in rows.into_iter().enumerate() {
            out.row_mut(i).assign(&ndarray::ArrayView1::from(&r?));
        }
        Ok(out)
    }

    /// The predicted class of every sample: the largest logit, the first on ties.
    ///
    /// # Errors
    /// As [`SurrogateNet::logits`].
    pub fn predict(&self, xs: &[SpikeTrains]) -> Result<Vec<usize>> {
        let l = self.logits(xs)?;
        Ok(crate::convert::mlp::argmax_rows(l.view()))
    }

    /// Mean cross-entropy and accuracy on labelled samples.
    ///
    /// # Errors
    /// As [`SurrogateNet::logits`]; [`LearnError::Data`] for labels that do not fit.
    pub fn evaluate(&self, xs: &[SpikeTrains], y: &[usize]) -> Result<(Real, Real)> {
        super::train::check_labels(xs, y, self.n_outputs())?;
        let l = self.logits(xs)?;
        let pred = crate::convert::mlp::argmax_rows(l.view());
        let mut loss = 0.0;
        for (row, &c) in l.rows().into_iter().zip(y) {
            let m = row.iter().copied().fold(Real::NEG_INFINITY, Real::max);
            let z: Real = row.iter().map(|v| (v - m).exp()).sum();
            loss += -(row[c] - m - z.ln());
        }
        let acc = pred.iter().zip(y).filter(|(a, b)| a == b).count() as Real / y.len() as Real;
        Ok((loss / y.len() as Real, acc))
    }
}

/// The forward and backward pass of sample `x` for training (no checks: done by the caller).
pub(crate) fn sample_gradient(
    net: &SurrogateNet,
    x: &SpikeTrains,
    y: usize,
    ws: &mut Workspace,
) -> Result<(Real, bool, Gradient)> {
    net.forward(x, ForwardMode::Spiking, ws)?;
    let loss = SurrogateNet::cross_entropy(ws, y);
    let pred = crate::convert::mlp::argmax_rows(
        ArrayView2::from_shape((1, ws.o), &ws.logits).expect("shape"),
    );
    net.backward(x, ForwardMode::Spiking, ws);
    Ok((loss, pred[0] == y, ws.grad.clone()))
}
