//! ANN-to-SNN conversion (Diehl et al. 2015, "Fast-classifying, high-accuracy spiking deep
//! networks through weight and threshold balancing"; Rueckauer et al. 2017, "Conversion of
//! continuous-valued deep networks to efficient event-driven networks for image
//! classification").
//!
//! 1. The features are standardised with the training rows' mean and standard deviation
//!    ([`Standardiser`]; a constant column gets scale 1). They stay signed: the converted
//!    network takes them as an analog current, not as rates, so neither clipping nor shifting
//!    is needed.
//! 2. A ReLU multi-layer perceptron is trained on them ([`mlp`]).
//! 3. Its weights are normalised layer by layer with the 99.9th percentile of the training
//!    activations ([`normalise`]).
//! 4. The normalised network becomes an lsm network of non-leaky integrate-and-fire neurons
//!    with reset by subtraction, the features as analog drive and non-firing output neurons
//!    whose membrane potential is read out ([`snn`]).
//!
//! [`Converter::fit`] does 1-4; [`Converted::evaluate`] simulates the spiking network on test
//! features for several lengths and compares with the ANN.

pub mod mlp;
pub mod normalise;
pub mod snn;

use crate::error::{LearnError, Result};
use lsm_core::Real;
use lsm_reservoir::{Network, NetworkSpec};
use mlp::{Mlp, TrainConfig, TrainLog};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Standardisation of the features: `(x − mean) / scale` per column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    /// Column means of the training rows.
    pub mean: Array1<Real>,
    /// Column standard deviations of the training rows (1 where a column is constant).
    pub scale: Array1<Real>,
}

impl Standardiser {
    /// Mean and standard deviation of the columns of `x` (at least one row).
    pub fn fit(x: ArrayView2<'_, Real>) -> Self {
        let mean = x.mean_axis(Axis(0)).expect("at least one row");
        let scale = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 && s.is_finite() { s } else { 1.0 });
        Self { mean, scale }
    }
    /// The standardised copy of `x`.
    pub fn apply(&self, x: ArrayView2<'_, Real>) -> Array2<Real> {
        (&x - &self.mean) / &self.scale
    }
}

/// The settings of a conversion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvertConfig {
    /// Hidden layer sizes (at least one layer, each >= 1).
    pub hidden: Vec<usize>,
    /// ANN training.
    pub train: TrainConfig,
    /// The percentile of each layer's positive activations that becomes 1 (0 < p <= 100).
    pub percentile: Real,
}

impl Default for ConvertConfig {
    fn default() -> Self {
        Self {
            hidden: vec![128],
            train: TrainConfig::default(),
            percentile: 99.9,
        }
    }
}

impl ConvertConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`LearnError::InvalidParam`] naming the field.
    pub fn validate(&self) -> Result<()> {
        self.train.validate()?;
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(LearnError::InvalidParam {
                name: "hidden",
                msg: format!(
                    "{:?}: expected at least one hidden layer, each of >= 1 neurons",
                    self.hidden
                ),
            });
        }
        lsm_core::limits::check(
            lsm_core::limits::Limit::Neurons,
            self.hidden.iter().map(|&h| h as Real).sum(),
            "hidden neurons of the converted network",
        )?;
        if !(self.percentile > 0.0 && self.percentile <= 100.0) {
            return Err(LearnError::InvalidParam {
                name: "percentile",
                msg: format!("{}: expected a percentile in (0, 100]", self.percentile),
            });
        }
        Ok(())
    }
}

/// Turns labelled features into a trained ANN and its spiking conversion.
#[derive(Clone, Debug)]
pub struct Converter {
    /// The settings.
    pub config: ConvertConfig,
    /// The user's seed (weight initialisation and mini-batch order).
    pub seed: u64,
}

/// The result of [`Converter::fit`].
#[derive(Clone, Debug)]
pub struct Converted {
    /// Feature standardisation (training rows).
    pub standardiser: Standardiser,
    /// The trained ANN (on standardised features).
    pub ann: Mlp,
    /// The per-layer scales `λ_l`.
    pub scales: Vec<Real>,
    /// The normalised ANN (same predictions as `ann`).
    pub normalised: Mlp,
    /// The spiking network (validated).
    pub spec: NetworkSpec,
    /// Training losses.
    pub log: TrainLog,
    /// ANN accuracy on the training rows.
    pub train_accuracy: Real,
}

impl Converter {
    /// Standardise, train, normalise and convert (see the module documentation). `y[i]` is
    /// the class of row `i` of `x`, in `0..n_classes`.
    ///
    /// # Errors
    /// A bad config, data that do not fit ([`LearnError::Data`]), a network over the cost
    /// limits.
    pub fn fit(&self, x: ArrayView2<'_, Real>, y: &[usize], n_classes: usize) -> Result<Converted> {
        self.config.validate()?;
        if n_classes < 2 {
            return Err(LearnError::Data(format!(
                "{n_classes} class(es): expected at least 2"
            )));
        }
        let mut sizes = vec![x.ncols()];
        sizes.extend(&self.config.hidden);
        sizes.push(n_classes);
        mlp::check_data(x, y, &sizes)?;
        // The weights become synapses: checked before training, not after.
        lsm_core::limits::check(
            lsm_core::limits::Limit::Synapses,
            sizes.windows(2).map(|p| (p[0] * p[1]) as Real).sum(),
            "weights of the ReLU network (synapses of the converted network)",
        )?;
        let st = Standardiser::fit(x);
        let xs = st.apply(x);
        let (ann, log) = Mlp::train(&sizes, xs.view(), y, &self.config.train, self.seed)?;
        let scales = normalise::layer_scales(&ann, xs.view(), self.config.percentile)?;
        let normalised = normalise::normalise(&ann, &scales)?;
        let train_accuracy = accuracy(y, &ann.predict(xs.view()));
        let meta = json!({
            "made_by": "lsm-learn ANN-to-SNN conversion",
            "layers": sizes,
            "output_neurons": [sizes[1..sizes.len() - 1].iter().sum::<usize>(), sizes[1..].iter().sum::<usize>()],
            "readout": "class of the largest membrane potential of the output neurons after T steps",
            "input": "analog drive: the features standardised as (x - mean) / scale, constant over the run",
            "feature_mean": st.mean.to_vec(),
            "feature_scale": st.scale.to_vec(),
            "lambda": scales,
            "percentile": self.config.percentile,
            "seed": self.seed,
        });
        let spec = snn::to_network_spec(&normalised, meta)?;
        Ok(Converted {
            standardiser: st,
            ann,
            scales,
            normalised,
            spec,
            log,
            train_accuracy,
        })
    }
}

/// The accuracies of [`Converted::evaluate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The ANN's accuracy.
    pub ann_accuracy: Real,
    /// Per simulation length: `(steps, SNN accuracy, agreement with the ANN's predictions)`.
    pub snn: Vec<SnnScore>,
}

/// The spiking network's score after one simulation length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnnScore {
    /// Simulation length (steps of 1 ms).
    pub steps: usize,
    /// Accuracy.
    pub accuracy: Real,
    /// Fraction of samples where the SNN predicts the ANN's class.
    pub agreement: Real,
}

impl Converted {
    /// The number of output neurons (classes).
    pub fn n_classes(&self) -> usize {
        self.ann.n_outputs()
    }

    /// Simulate the spiking network on raw (unstandardised) features `x` for the lengths
    /// `steps` (see [`snn::simulate`]).
    ///
    /// # Errors
    /// As [`snn::simulate`]; [`LearnError::Reservoir`] if the network does not build.
    pub fn simulate(
        &self,
        x: ArrayView2<'_, Real>,
        steps: &[usize],
        record_rates: bool,
    ) -> Result<snn::SnnOutputs> {
        if x.ncols() != self.standardiser.mean.len() {
            return Err(LearnError::Data(format!(
                "{} feature columns, the network was converted for {}",
                x.ncols(),
                self.standardiser.mean.len()
            )));
        }
        let net = Network::from_spec(&self.spec)?;
        let xs = self.standardiser.apply(x);
        snn::simulate(&net, self.n_classes(), xs.view(), steps, record_rates)
    }

    /// ANN and SNN accuracy on raw features `x` with classes `y`.
    ///
    /// # Errors
    /// As [`Converted::simulate`]; [`LearnError::Data`] for mismatched labels.
    pub fn evaluate(
        &self,
        x: ArrayView2<'_, Real>,
        y: &[usize],
        steps: &[usize],
    ) -> Result<Evaluation> {
        if x.nrows() != y.len() || x.nrows() == 0 {
            return Err(LearnError::Data(format!(
                "{} feature rows and {} labels: expected the same number, at least one",
                x.nrows(),
                y.len()
            )));
        }
        let ann_pred = self.ann.predict(self.standardiser.apply(x).view());
        let out = self.simulate(x, steps, false)?;
        let snn = out
            .predictions()
            .into_iter()
            .zip(&out.steps)
            .map(|(p, &t)| SnnScore {
                steps: t,
                accuracy: accuracy(y, &p),
                agreement: accuracy(&ann_pred, &p),
            })
            .collect();
        Ok(Evaluation {
            ann_accuracy: accuracy(y, &ann_pred),
            snn,
        })
    }
}

/// Fraction of equal entries.
fn accuracy(a: &[usize], b: &[usize]) -> Real {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as Real / a.len().max(1) as Real
}
