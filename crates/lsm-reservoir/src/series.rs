//! One reservoir abstraction for analog series: an echo state network ([`Esn`]), a spiking
//! network ([`SpikingReservoir`]) or a nonlinear vector autoregression ([`Nvar`]), chosen in a
//! config ([`ReservoirConfig`], JSON `{"kind": "esn" | "spiking" | "nvar" | "deep-esn", ...}`), built with every weight ([`Reservoir`], the form a
//! model file stores), and run on a series by the one trait [`SeriesReservoir`]: one state row
//! per input row, from the zero (resting) state.
//!
//! ```
//! use lsm_reservoir::{EsnConfig, Reservoir, ReservoirConfig, SeriesReservoir};
//! let cfg = ReservoirConfig::Esn(EsnConfig { n_units: 20, in_degree: 5, ..EsnConfig::default() });
//! let res = Reservoir::build(&cfg, 1, 42)?;
//! let u = ndarray::Array2::from_shape_fn((30, 1), |(t, _)| (t as f64 * 0.3).sin());
//! let x = res.states(u.view(), 42)?;
//! assert_eq!(x.dim(), (30, res.n_state()));
//! # Ok::<(), lsm_reservoir::ReservoirError>(())
//! ```

use crate::esn::{DeepEsn, DeepEsnConfig, Esn, EsnConfig};
use crate::nvar::{Nvar, NvarConfig};
use crate::{Result, SpikingConfig, SpikingReservoir};
use lsm_core::Real;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A reservoir driven by an analog series, one state row per input row.
pub trait SeriesReservoir {
    /// Input channels of the series.
    fn n_inputs(&self) -> usize;
    /// State features per row.
    fn n_state(&self) -> usize;
    /// The states for `inputs` (rows: time, columns: channels), from the zero state. `seed`
    /// seeds any noise (the spiking reservoir's encoder); the ESN draws none here.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Input`] if `inputs` has the wrong number of columns; the
    /// simulator's or the encoder's errors.
    fn states(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Array2<Real>>;
}

impl SeriesReservoir for Esn {
    fn n_inputs(&self) -> usize {
        Esn::n_inputs(self)
    }
    fn n_state(&self) -> usize {
        self.n_units()
    }
    fn states(&self, inputs: ArrayView2<Real>, _seed: u64) -> Result<Array2<Real>> {
        let n = self.n_units();
        let mut out = Array2::zeros((inputs.nrows(), n));
        let mut x = vec![0.0; n];
        self.run_with(inputs, &mut x, 0.0, None, |t, xs| {
            out.row_mut(t)
                .as_slice_mut()
                .expect("row-major rows are contiguous")
                .copy_from_slice(xs);
        })?;
        Ok(out)
    }
}

impl SeriesReservoir for DeepEsn {
    fn n_inputs(&self) -> usize {
        DeepEsn::n_inputs(self)
    }
    fn n_state(&self) -> usize {
        DeepEsn::n_state(self)
    }
    fn states(&self, inputs: ArrayView2<Real>, _seed: u64) -> Result<Array2<Real>> {
        DeepEsn::states(self, inputs)
    }
}

impl SeriesReservoir for Nvar {
    fn n_inputs(&self) -> usize {
        Nvar::n_inputs(self)
    }
    fn n_state(&self) -> usize {
        self.n_features()
    }
    fn states(&self, inputs: ArrayView2<Real>, _seed: u64) -> Result<Array2<Real>> {
        self.run(inputs)
    }
}

impl SeriesReservoir for SpikingReservoir {
    fn n_inputs(&self) -> usize {
        self.n_series_channels
    }
    fn n_state(&self) -> usize {
        self.n_features()
    }
    fn states(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Array2<Real>> {
        SpikingReservoir::states(self, inputs, seed)
    }
}

/// The reservoir of a config: an echo state network or a spiking network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReservoirConfig {
    /// Leaky tanh echo state network.
    Esn(EsnConfig),
    /// Spiking LIF reservoir with analog or encoded input.
    Spiking(Box<SpikingConfig>),
    /// Nonlinear vector autoregression (no random weights).
    Nvar(NvarConfig),
    /// A stack of echo state networks (Gallicchio's DeepESN).
    DeepEsn(DeepEsnConfig),
}

impl Default for ReservoirConfig {
    /// The ESN defaults.
    fn default() -> Self {
        ReservoirConfig::Esn(EsnConfig::default())
    }
}

impl ReservoirConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        match self {
            ReservoirConfig::Esn(e) => e.validate(),
            ReservoirConfig::Spiking(s) => s.validate(),
            ReservoirConfig::Nvar(n) => n.validate(),
            ReservoirConfig::DeepEsn(d) => d.validate(),
        }
    }

    /// Short name of the kind: `esn`, `spiking`, `nvar` or `deep-esn`.
    pub fn kind(&self) -> &'static str {
        match self {
            ReservoirConfig::Esn(_) => "esn",
            ReservoirConfig::Spiking(_) => "spiking",
            ReservoirConfig::Nvar(_) => "nvar",
            ReservoirConfig::DeepEsn(_) => "deep-esn",
        }
    }
}

/// A built reservoir with every weight (what a model file stores).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reservoir {
    /// Echo state network.
    Esn(Esn),
    /// Spiking reservoir.
    Spiking(Box<SpikingReservoir>),
    /// Nonlinear vector autoregression.
    Nvar(Nvar),
    /// A stack of echo state networks.
    DeepEsn(DeepEsn),
}

impl Reservoir {
    /// Build the reservoir of `cfg` for `n_inputs` series channels; every weight derives from
    /// `seed`.
    ///
    /// # Errors
    /// Config or generator errors.
    pub fn build(cfg: &ReservoirConfig, n_inputs: usize, seed: u64) -> Result<Self> {
        Ok(match cfg {
            ReservoirConfig::Esn(e) => Reservoir::Esn(Esn::build(e, n_inputs, seed)?),
            ReservoirConfig::Spiking(s) => {
                Reservoir::Spiking(Box::new(SpikingReservoir::build(s, n_inputs, seed)?))
            }
            ReservoirConfig::Nvar(n) => Reservoir::Nvar(Nvar::build(n, n_inputs)?),
            ReservoirConfig::DeepEsn(d) => Reservoir::DeepEsn(DeepEsn::build(d, n_inputs, seed)?),
        })
    }

    /// Short name of the kind: `esn`, `spiking`, `nvar` or `deep-esn`.
    pub fn kind(&self) -> &'static str {
        match self {
            Reservoir::Esn(_) => "esn",
            Reservoir::Spiking(_) => "spiking",
            Reservoir::Nvar(_) => "nvar",
            Reservoir::DeepEsn(_) => "deep-esn",
        }
    }

    fn inner(&self) -> &dyn SeriesReservoir {
        match self {
            Reservoir::Esn(e) => e,
            Reservoir::Spiking(s) => s.as_ref(),
            Reservoir::Nvar(n) => n,
            Reservoir::DeepEsn(d) => d,
        }
    }
}

impl SeriesReservoir for Reservoir {
    fn n_inputs(&self) -> usize {
        self.inner().n_inputs()
    }
    fn n_state(&self) -> usize {
        self.inner().n_state()
    }
    fn states(&self, inputs: ArrayView2<Real>, seed: u64) -> Result<Array2<Real>> {
        self.inner().states(inputs, seed)
    }
}
