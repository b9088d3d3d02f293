//! Mini-batch training with Adam; per-sample gradients in parallel, summed in sample order.

use super::model::{sample_gradient, Gradient};
use super::{SurrogateConfig, SurrogateNet};
use crate::error::{LearnError, Result};
use lsm_core::limits::{check, Limit};
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Loss and accuracy per epoch (of the mini-batches as they were trained, with the weights
/// before each update).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainLog {
    /// Mean training cross-entropy of each epoch.
    pub loss: Vec<Real>,
    /// Training accuracy of each epoch.
    pub accuracy: Vec<Real>,
}

/// The result of [`train`].
#[derive(Clone, Debug)]
pub struct Trained {
    /// The trained network.
    pub net: SurrogateNet,
    /// Per-epoch loss and accuracy.
    pub log: TrainLog,
}

/// Check that there are labels for every sample, each `< n_classes`.
pub(crate) fn check_labels(xs: &[SpikeTrains], y: &[usize], n_classes: usize) -> Result<()> {
    if xs.len() != y.len() || xs.is_empty() {
        return Err(LearnError::Data(format!(
            "{} samples and {} labels: expected the same number, at least one",
            xs.len(),
            y.len()
        )));
    }
    if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= n_classes) {
        return Err(LearnError::Data(format!(
            "label {i} is class {c}: expected 0..{n_classes}"
        )));
    }
    Ok(())
}

/// Train a network on spike trains `xs` with classes `y` (`0..n_classes`) from the one user
/// `seed` (see the module documentation).
///
/// # Errors
/// A bad config ([`LearnError::InvalidParam`] naming the field), data that do not fit
/// ([`LearnError::Data`]: channels, steps, labels), work over the cost limits.
pub fn train(
    config: &SurrogateConfig,
    xs: &[SpikeTrains],
    y: &[usize],
    n_classes: usize,
    seed: u64,
) -> Result<Trained> {
    config.validate()?;
    if n_classes < 2 {
        return Err(LearnError::InvalidParam {
            name: "n_classes",
            msg: format!("{n_classes}: expected at least 2"),
        });
    }
    check_labels(xs, y, n_classes)?;
    let mut rng = rng_for(seed, stream::SURROGATE);
    let mut net = SurrogateNet::init_with(
        config,
        xs[0].n_channels(),
        n_classes,
        xs[0].dt_ms(),
        &mut rng,
    )?;
    net.check_inputs(xs)?;
    let steps: Real = xs.iter().map(|x| x.n_steps() as Real).sum();
    let h = net.hidden() as Real;
    let per_step = h + net.n_outputs() as Real + if config.recurrent { h * h } else { 0.0 };
    check(
        Limit::Work,
        config.epochs as Real * steps * per_step,
        "epochs x steps x (neurons + recurrent weights) of surrogate-gradient training",
    )?;
    let mut adam = Adam::new(&net, config.learning_rate);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut log = TrainLog::default();
    for _ in 0..config.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for batch in order.chunks(config.batch_size) {
            let parts: Vec<Result<(Real, bool, Gradient)>> = batch
                .par_iter()
                .map_init(
                    || net.workspace(),
                    |ws, &i| sample_gradient(&net, &xs[i], y[i], ws),
                )
                .collect();
            // Summed in sample order: the same bits for any thread count.
            let mut g = Gradient::zeros(&net);
            for part in parts {
                let (l, ok, gi) = part?;
                loss_sum += l;
                correct += ok as usize;
                g.add(&gi);
            }
            g.scale(1.0 / batch.len() as Real);
            adam.step(&mut net, &g);
        }
        log.loss.push(loss_sum / xs.len() as Real);
        log.accuracy.push(correct as Real / xs.len() as Real);
    }
    Ok(Trained { net, log })
}

/// Adam (Kingma & Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
struct Adam {
    lr: Real,
    t: i32,
    m: Gradient,
    v: Gradient,
}

impl Adam {
    fn new(net: &SurrogateNet, lr: Real) -> Self {
        Self {
            lr,
            t: 0,
            m: Gradient::zeros(net),
            v: Gradient::zeros(net),
        }
    }

    fn step(&mut self, net: &mut SurrogateNet, g: &Gradient) {
        const B1: Real = 0.9;
        const B2: Real = 0.999;
        const EPS: Real = 1e-8;
        self.t = self.t.saturating_add(1);
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        let lr = self.lr;
        let upd =
            |p: &mut Array2<Real>, m: &mut Array2<Real>, v: &mut Array2<Real>, g: &Array2<Real>| {
                ndarray::Zip::from(p)
                    .and(m)
                    .and(v)
                    .and(g)
                    .for_each(|p, m, v, &g| {
                        *m = B1 * *m + (1.0 - B1) * g;
                        *v = B2 * *v + (1.0 - B2) * g * g;
                        *p -= lr * (*m / c1) / ((*v / c2).sqrt() + EPS);
                    });
            };
        upd(&mut net.w_in, &mut self.m.w_in, &mut self.v.w_in, &g.w_in);
        if let (Some(p), Some(m), Some(v), Some(g)) = (
            net.w_rec.as_mut(),
            self.m.w_rec.as_mut(),
            self.v.w_rec.as_mut(),
            g.w_rec.as_ref(),
        ) {
            // The diagonal's gradient is 0, so it stays 0 (no autapses).
            upd(p, m, v, g);
        }
        upd(
            &mut net.w_out,
            &mut self.m.w_out,
            &mut self.v.w_out,
            &g.w_out,
        );
    }
}
