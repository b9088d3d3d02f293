//! The ReLU network that is converted: a multi-layer perceptron with ReLU hidden layers and a
//! linear output layer, trained with softmax cross-entropy and Adam on mini-batches.
//!
//! For a batch `X` (rows = samples) and layers `l = 1..L`:
//!
//! ```text
//! A_0 = X,  Z_l = A_{l-1} W_lᵀ + b_l,  A_l = max(Z_l, 0) (l < L),  logits = Z_L
//! loss = mean_i [ −log softmax(Z_L)_{i, y_i} ] + (weight_decay / 2) Σ_l ‖W_l‖²
//! ```
//!
//! The gradient is the usual backward pass (`dZ_L = (softmax − onehot) / n`,
//! `dW_l = dZ_lᵀ A_{l-1}`, `db_l = Σ_i dZ_l`, `dZ_{l-1} = (dZ_l W_l) ⊙ [Z_{l-1} > 0]`), checked
//! against finite differences in the tests. The weights start as He-normal draws
//! (`N(0, 2 / fan_in)`) and the biases at 0; the initial draws and then the order of the
//! mini-batches of each epoch come from `rng_for(seed, stream::ANN_CONVERSION)`. Training runs
//! on one thread (ndarray's own matrix products, no BLAS), so the result is the same for any
//! thread count.

use crate::error::{LearnError, Result};
use lsm_core::{rng_for, stream, Real};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// One fully connected layer: `z = W a + b`, `W` is outputs × inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    /// Weights, outputs × inputs.
    pub w: Array2<Real>,
    /// Biases, one per output.
    pub b: Array1<Real>,
}

/// A ReLU multi-layer perceptron (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mlp {
    /// The layers, input side first; every layer but the last is followed by a ReLU.
    pub layers: Vec<Dense>,
}

/// Training hyper-parameters of [`Mlp::train`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Passes over the training set (>= 1).
    pub epochs: usize,
    /// Samples per mini-batch (>= 1; the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Adam's step size (> 0).
    pub learning_rate: Real,
    /// L2 penalty on the weights (not the biases), >= 0.
    pub weight_decay: Real,
    /// Whether the layers have biases (false: every bias stays 0).
    pub bias: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 60,
            batch_size: 32,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            bias: true,
        }
    }
}

impl TrainConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, msg: &str| {
            Err(LearnError::InvalidParam {
                name,
                msg: msg.to_string(),
            })
        };
        if self.epochs == 0 || self.epochs > 1_000_000 {
            return bad("epochs", "expected 1..=1000000 passes");
        }
        if self.batch_size == 0 {
            return bad("batch_size", "expected at least 1 sample per batch");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning_rate", "expected a finite step size > 0");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad("weight_decay", "expected a finite penalty >= 0");
        }
        Ok(())
    }
}

/// The gradient of the loss: one `(dW, db)` per layer.
pub type Gradient = Vec<(Array2<Real>, Array1<Real>)>;

/// Loss per epoch of a training run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainLog {
    /// Mean training loss (cross-entropy + penalty) of each epoch's mini-batches.
    pub loss: Vec<Real>,
}

impl Mlp {
    /// He-normal weights and zero biases for layer sizes `sizes` (input, hidden..., output),
    /// drawn from `rng_for(seed, stream::ANN_CONVERSION)`.
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] with fewer than two sizes or a size of 0.
    pub fn new(sizes: &[usize], seed: u64) -> Result<Self> {
        let mut rng = rng_for(seed, stream::ANN_CONVERSION);
        Self::init(sizes, &mut rng)
    }

    fn init(sizes: &[usize], rng: &mut lsm_core::SimRng) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(LearnError::InvalidParam {
                name: "hidden",
                msg: format!("layer sizes {sizes:?}: expected an input, an output and no size 0"),
            });
        }
        let layers = sizes
            .windows(2)
            .map(|p| {
                let (n_in, n_out) = (p[0], p[1]);
                let dist = Normal::new(0.0, (2.0 / n_in as Real).sqrt()).expect("finite sd");
                Dense {
                    w: Array2::from_shape_simple_fn((n_out, n_in), || dist.sample(rng)),
                    b: Array1::zeros(n_out),
                }
            })
            .collect();
        Ok(Self { layers })
    }

    /// Number of inputs.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].w.ncols()
    }
    /// Number of outputs (classes).
    pub fn n_outputs(&self) -> usize {
        self.layers.last().expect("at least one layer").w.nrows()
    }

    /// Every layer's output for the batch `x`: the ReLU activations of the hidden layers, then
    /// the logits.
    pub fn forward(&self, x: ArrayView2<'_, Real>) -> Vec<Array2<Real>> {
        let last = self.layers.len() - 1;
        let mut out: Vec<Array2<Real>> = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let mut z = match l {
                0 => x.dot(&layer.w.t()),
                _ => out[l - 1].dot(&layer.w.t()),
            };
            z += &layer.b;
            if l < last {
                z.mapv_inplace(|v| v.max(0.0));
            }
            out.push(z);
        }
        out
    }

    /// The logits of the batch `x`.
    pub fn logits(&self, x: ArrayView2<'_, Real>) -> Array2<Real> {
        self.forward(x).pop().expect("at least one layer")
    }

    /// The predicted class (largest logit, the first on ties) of each row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, Real>) -> Vec<usize> {
        argmax_rows(self.logits(x).view())
    }

    /// The loss of the batch `(x, y)` and its gradient (see the module documentation).
    pub fn loss_and_gradient(
        &self,
        x: ArrayView2<'_, Real>,
        y: &[usize],
        weight_decay: Real,
    ) -> (Real, Gradient) {
        let acts = self.forward(x);
        let n = x.nrows() as Real;
        let logits = acts.last().expect("at least one layer");
        // Softmax cross-entropy, shifted by the row maximum.
        let mut dz = logits.clone();
        let mut loss = 0.0;
        for (i, mut row) in dz.rows_mut().into_iter().enumerate() {
            let m = row.fold(Real::NEG_INFINITY, |a, &b| a.max(b));
            row.mapv_inplace(|v| (v - m).exp());
            let s = row.sum();
            loss -= (row[y[i]] / s).ln();
            row.mapv_inplace(|v| v / s / n);
            row[y[i]] -= 1.0 / n;
        }
        loss /= n;
        let mut grads: Gradient = Vec::with_capacity(self.layers.len());
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let mut dw = match l {
                0 => dz.t().dot(&x),
                _ => dz.t().dot(&acts[l - 1]),
            };
            if weight_decay > 0.0 {
                loss += 0.5 * weight_decay * layer.w.iter().map(|w| w * w).sum::<Real>();
                dw.scaled_add(weight_decay, &layer.w);
            }
            let db = dz.sum_axis(Axis(0));
            if l > 0 {
                let mut da = dz.dot(&layer.w);
                da.zip_mut_with(&acts[l - 1], |d, &a| {
                    if a <= 0.0 {
                        *d = 0.0
                    }
                });
                dz = da;
            }
            grads.push((dw, db));
        }
        grads.reverse();
        (loss, grads)
    }

    /// Train on `(x, y)` (`y[i] < n_outputs`) with Adam on shuffled mini-batches, starting
    /// from the weights drawn for `seed` (see the module documentation).
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] for a bad config or layer size, [`LearnError::Data`] for
    /// empty or mismatched data, labels out of range or non-finite values, or a loss that
    /// diverges.
    pub fn train(
        sizes: &[usize],
        x: ArrayView2<'_, Real>,
        y: &[usize],
        cfg: &TrainConfig,
        seed: u64,
    ) -> Result<(Self, TrainLog)> {
        cfg.validate()?;
        check_data(x, y, sizes)?;
        let mut rng = rng_for(seed, stream::ANN_CONVERSION);
        let mut mlp = Self::init(sizes, &mut rng)?;
        let mut adam = Adam::new(&mlp, cfg.learning_rate);
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        let mut log = TrainLog::default();
        for epoch in 0..cfg.epochs {
            order.shuffle(&mut rng);
            let mut total = 0.0;
            for chunk in order.chunks(cfg.batch_size) {
                let xb = x.select(Axis(0), chunk);
                let yb: Vec<usize> = chunk.iter().map(|&i| y[i]).collect();
                let (loss, mut g) = mlp.loss_and_gradient(xb.view(), &yb, cfg.weight_decay);
                if !cfg.bias {
                    g.iter_mut().for_each(|(_, db)| db.fill(0.0));
                }
                total += loss * chunk.len() as Real;
                adam.step(&mut mlp, &g);
            }
            let mean = total / x.nrows() as Real;
            if !mean.is_finite() {
                return Err(LearnError::Data(format!(
                    "the training loss diverged in epoch {} (lower learning_rate)",
                    epoch + 1
                )));
            }
            log.loss.push(mean);
        }
        Ok((mlp, log))
    }
}

/// The index of the largest value of each row (the first on ties; NaN never wins).
pub fn argmax_rows(z: ArrayView2<'_, Real>) -> Vec<usize> {
    z.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (j, &v) in r.iter().enumerate() {
                if v > r[best] || r[best].is_nan() {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// Refuse data that cannot train `sizes`.
pub(crate) fn check_data(x: ArrayView2<'_, Real>, y: &[usize], sizes: &[usize]) -> Result<()> {
    let (n_in, n_out) = (sizes[0], *sizes.last().unwrap_or(&0));
    if x.nrows() == 0 {
        return Err(LearnError::Data("no training samples".into()));
    }
    if x.nrows() != y.len() {
        return Err(LearnError::Data(format!(
            "{} feature rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    if x.ncols() != n_in {
        return Err(LearnError::Data(format!(
            "{} feature columns, the network has {n_in} inputs",
            x.ncols()
        )));
    }
    if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= n_out) {
        return Err(LearnError::Data(format!(
            "label {c} of sample {i} is out of range, expected 0..{n_out}"
        )));
    }
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(LearnError::Data(format!(
            "feature {j} of sample {i} is {v}, expected a finite value"
        )));
    }
    Ok(())
}

/// Adam (Kingma & Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
struct Adam {
    lr: Real,
    t: i32,
    m: Gradient,
    v: Gradient,
}

impl Adam {
    fn new(mlp: &Mlp, lr: Real) -> Self {
        let zeros: Gradient = mlp
            .layers
            .iter()
            .map(|l| (Array2::zeros(l.w.raw_dim()), Array1::zeros(l.b.len())))
            .collect();
        Self {
            lr,
            t: 0,
            m: zeros.clone(),
            v: zeros,
        }
    }

    fn step(&mut self, mlp: &mut Mlp, g: &Gradient) {
        const B1: Real = 0.9;
        const B2: Real = 0.999;
        const EPS: Real = 1e-8;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        let lr = self.lr;
        let upd = |p: &mut Real, m: &mut Real, v: &mut Real, g: Real| {
            *m = B1 * *m + (1.0 - B1) * g;
            *v = B2 * *v + (1.0 - B2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + EPS);
        };
        for (l, layer) in mlp.layers.iter_mut().enumerate() {
            let (gw, gb) = &g[l];
            let (mw, mb) = &mut self.m[l];
            let (vw, vb) = &mut self.v[l];
            ndarray::Zip::from(&mut layer.w)
                .and(mw)
                .and(vw)
                .and(gw)
                .for_each(|p, m, v, &g| upd(p, m, v, g));
            ndarray::Zip::from(&mut layer.b)
                .and(mb)
                .and(vb)
                .and(gb)
                .for_each(|p, m, v, &g| upd(p, m, v, g));
        }
    }
}
