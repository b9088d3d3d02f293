//! Nonlinear vector autoregression (NVAR, the "next generation reservoir computer" of
//! Gauthier et al. 2021), with reservoirpy's feature layout (`reservoirpy.nodes.NVAR`,
//! version 0.4).
//!
//! For `k` input channels, `delay` d, `strides` s and `order` p, the features at step `t` are
//! * the linear part `lin(t) = [u(t); u(t − s); …; u(t − (d − 1) s)]` (`d k` values, inputs
//!   before the series' start are 0), and
//! * the nonlinear part: every monomial of degree `p` of `lin(t)`, `lin_i₁ lin_i₂ … lin_iₚ`
//!   for `i₁ ≤ i₂ ≤ … ≤ iₚ` in lexicographic order (`C(d k + p − 1, p)` values),
//!
//! concatenated `[lin; nonlin]`, without a constant (the readout has its bias). NVAR draws no
//! random number and has no weight: the model file stores its three parameters.

use crate::{ReservoirError, Result};
use lsm_core::limits::{self, Limit};
use lsm_core::Real;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// The parameters of an NVAR (config `{"kind": "nvar", "delay": 2, "order": 2, "strides": 1}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NvarConfig {
    /// Number of time points in the linear part: the input and `delay − 1` delayed copies
    /// (reservoirpy's `delay`). Default 2.
    pub delay: usize,
    /// Degree of the monomials of the nonlinear part (reservoirpy's `order`). Default 2.
    pub order: usize,
    /// Steps between the delayed copies (reservoirpy's `strides`). Default 1.
    pub strides: usize,
}

impl Default for NvarConfig {
    fn default() -> Self {
        Self {
            delay: 2,
            order: 2,
            strides: 1,
        }
    }
}

fn cfg_err(field: &str, msg: impl Into<String>) -> ReservoirError {
    ReservoirError::Config {
        what: "nvar",
        field: field.to_string(),
        msg: msg.into(),
    }
}

/// `C(n, p)` in floating point (for cost checks: no overflow).
fn binomial(n: usize, p: usize) -> Real {
    (0..p).fold(1.0, |acc, i| acc * (n - i) as Real / (i + 1) as Real)
}

impl NvarConfig {
    /// Check the fields.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field.
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("delay", self.delay),
            ("order", self.order),
            ("strides", self.strides),
        ] {
            if v == 0 {
                return Err(cfg_err(field, "expected at least 1"));
            }
        }
        Ok(())
    }

    /// Features per step for `n_inputs` channels, in floating point (no overflow):
    /// `d k + C(d k + p − 1, p)`.
    pub fn n_features(&self, n_inputs: usize) -> Real {
        let lin = self.delay as Real * n_inputs as Real;
        if lin > 1e9 || self.order > 1000 {
            return Real::INFINITY;
        }
        let lin = self.delay * n_inputs;
        lin as Real + binomial(lin + self.order - 1, self.order)
    }

    /// Check the parameters and their cost for `n_inputs` channels: the features per step
    /// ([`Limit::Neurons`]) and the delay buffer ([`Limit::Steps`]).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field and the limit.
    pub fn validate_cost(&self, n_inputs: usize) -> Result<()> {
        self.validate()?;
        let nf = self.n_features(n_inputs);
        let what = format!(
            "nvar: fields `delay` and `order` ({n_inputs} input channels give {nf:e} features)"
        );
        limits::check(Limit::Neurons, nf, what).map_err(|e| cfg_err("order", e.to_string()))?;
        let span = self.delay as Real * self.strides as Real;
        limits::check(
            Limit::Steps,
            span,
            "nvar: delay x strides (the delay buffer)",
        )
        .map_err(|e| cfg_err("strides", e.to_string()))?;
        Ok(())
    }
}

/// The stored form of an [`Nvar`]: its parameters and input channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NvarFile {
    n_inputs: usize,
    delay: usize,
    order: usize,
    strides: usize,
}

/// A built NVAR for `n_inputs` channels. Deserialising checks the parameters and their cost
/// and rebuilds the monomial table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "NvarFile", into = "NvarFile")]
pub struct Nvar {
    n_inputs: usize,
    cfg: NvarConfig,
    /// The monomials: `order` indices into the linear part each, flattened.
    monomials: Vec<u32>,
}

impl From<Nvar> for NvarFile {
    fn from(n: Nvar) -> Self {
        NvarFile {
            n_inputs: n.n_inputs,
            delay: n.cfg.delay,
            order: n.cfg.order,
            strides: n.cfg.strides,
        }
    }
}

impl TryFrom<NvarFile> for Nvar {
    type Error = ReservoirError;
    fn try_from(f: NvarFile) -> Result<Self> {
        let cfg = NvarConfig {
            delay: f.delay,
            order: f.order,
            strides: f.strides,
        };
        Nvar::build(&cfg, f.n_inputs)
    }
}

/// The delay buffer of an NVAR run: the last `delay × strides` inputs, newest first.
#[derive(Clone, Debug)]
pub struct NvarState {
    /// Rows of `n_inputs` values; row `(head + j) % len` is the input `j` steps back.
    store: Vec<Real>,
    head: usize,
    len: usize,
    lin: Vec<Real>,
}

impl Nvar {
    /// Build for `n_inputs` channels (after [`NvarConfig::validate_cost`]).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] for a bad field or a cost over the limits;
    /// [`ReservoirError::Input`] for zero channels.
    pub fn build(cfg: &NvarConfig, n_inputs: usize) -> Result<Self> {
        if n_inputs == 0 {
            return Err(ReservoirError::Input(
                "nvar: expected at least one input channel".into(),
            ));
        }
        cfg.validate_cost(n_inputs)?;
        let lin = cfg.delay * n_inputs;
        let p = cfg.order;
        let mut monomials = Vec::with_capacity(cfg.n_features(n_inputs) as usize * p);
        // Combinations with replacement in lexicographic order (itertools' order).
        let mut idx = vec![0u32; p];
        loop {
            monomials.extend_from_slice(&idx);
            // The rightmost index that can grow.
            let Some(i) = (0..p).rev().find(|&i| (idx[i] as usize) < lin - 1) else {
                break;
            };
            let v = idx[i] + 1;
            idx[i..].iter_mut().for_each(|x| *x = v);
        }
        Ok(Self {
            n_inputs,
            cfg: cfg.clone(),
            monomials,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &NvarConfig {
        &self.cfg
    }

    /// Input channels.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// Features per step: linear plus nonlinear.
    pub fn n_features(&self) -> usize {
        self.n_linear() + self.monomials.len() / self.cfg.order
    }

    /// Size of the linear part, `delay × n_inputs`.
    pub fn n_linear(&self) -> usize {
        self.cfg.delay * self.n_inputs
    }

    /// Steps of input the features depend on: `(delay − 1) × strides + 1`.
    pub fn span(&self) -> usize {
        (self.cfg.delay - 1) * self.cfg.strides + 1
    }

    /// A delay buffer of zeros (the state before the series starts).
    pub fn new_state(&self) -> NvarState {
        let len = self.cfg.delay * self.cfg.strides;
        NvarState {
            store: vec![0.0; len * self.n_inputs],
            head: 0,
            len,
            lin: vec![0.0; self.n_linear()],
        }
    }

    /// Push the input `u` of the next step (newest) into the buffer.
    ///
    /// # Panics
    /// If `u` does not have `n_inputs` values (a programming error).
    pub fn push(&self, st: &mut NvarState, u: &[Real]) {
        let k = self.n_inputs;
        st.head = (st.head + st.len - 1) % st.len;
        st.store[st.head * k..(st.head + 1) * k].copy_from_slice(u);
    }

    /// The features of the current buffer into `out` (`n_features` values).
    pub fn features(&self, st: &mut NvarState, out: &mut [Real]) {
        let k = self.n_inputs;
        for j in 0..self.cfg.delay {
            let row = (st.head + j * self.cfg.strides) % st.len;
            st.lin[j * k..(j + 1) * k].copy_from_slice(&st.store[row * k..(row + 1) * k]);
        }
        let nl = st.lin.len();
        out[..nl].copy_from_slice(&st.lin);
        for (o, m) in out[nl..]
            .iter_mut()
            .zip(self.monomials.chunks_exact(self.cfg.order))
        {
            *o = m.iter().map(|&i| st.lin[i as usize]).product();
        }
    }

    /// The state after input rows `0..end` of `inputs`, teacher forced from zeros (only the
    /// last `delay × strides` rows matter).
    pub fn state_after(&self, inputs: ArrayView2<Real>, end: usize) -> NvarState {
        let mut st = self.new_state();
        let mut u = vec![0.0; self.n_inputs];
        for t in end.saturating_sub(st.len)..end {
            for (d, v) in u.iter_mut().zip(inputs.row(t)) {
                *d = *v;
            }
            self.push(&mut st, &u);
        }
        st
    }

    /// The features of every row of `inputs` (rows: time, columns: channels), from zeros.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] for a wrong number of columns; a memory limit for the
    /// `steps × features` array.
    pub fn run(&self, inputs: ArrayView2<Real>) -> Result<Array2<Real>> {
        if inputs.ncols() != self.n_inputs {
            return Err(ReservoirError::Input(format!(
                "nvar: expected {} input channels, found {}",
                self.n_inputs,
                inputs.ncols()
            )));
        }
        let nf = self.n_features();
        limits::check(
            Limit::MemoryBytes,
            inputs.nrows() as Real * nf as Real * 8.0,
            format!(
                "nvar: features of {} steps x {nf} x 8 bytes",
                inputs.nrows()
            ),
        )?;
        let mut out = Array2::zeros((inputs.nrows(), nf));
        let mut st = self.new_state();
        let mut u = vec![0.0; self.n_inputs];
        for (t, row) in inputs.rows().into_iter().enumerate() {
            for (d, v) in u.iter_mut().zip(row) {
                *d = *v;
            }
            self.push(&mut st, &u);
            let mut o = out.row_mut(t);
            self.features(&mut st, o.as_slice_mut().expect("row-major"));
        }
        Ok(out)
    }
}
