//! Echo state networks: leaky tanh rate units with sparse random recurrent weights.
//!
//! The rate network is the smooth special case of the spiking reservoir; it uses the same
//! seeding, the same CSR layout and the same pipeline.
//!
//! # Equations and order of operations
//! With state `x ∈ ℝᴺ`, input `u ∈ ℝᴷ`, one step is
//!
//! ```text
//! x̃(t) = f(W·x(t−1) + W_in·u(t) + b)
//! x(t)  = (1 − a)·x(t−1) + a·x̃(t) + ν(t)
//! ```
//!
//! with `f = tanh` (sigmoid for an exponential intrinsic-plasticity target, see
//! [`plasticity`], which also learns `W`, gains and biases before a readout), leak rate
//! `a ∈ (0, 1]`, bias `b`, and `ν(t) ~ U[−noise, noise]` i.i.d. per unit
//! (training-time regulariser, Jaeger 2001; zero unless asked for). `W` is evaluated on the
//! old state for every unit before any unit is updated (synchronous update).
//!
//! `tanh` is [`tanh_fast`]: branch-free (so the update loop vectorises), within 4 ulp of
//! the correctly rounded value. On x86-64 CPUs with AVX-512F (or AVX2 + FMA) the step runs
//! on a copy of `W` laid out in groups of eight rows, one row per vector lane (gathers of
//! `x`), chosen at run time: the same operations in the same order as the scalar code
//! ([`Esn::step_rows`] documents it), so the same bits on every path. A step can be split
//! by rows over threads ([`Esn::step_rows`], [`Esn::row_ranges`]) with identical results.
//!
//! # Weights (all drawn from `rng_for(seed, stream::ESN)`, in this order)
//! 1. `W`: each unit receives exactly `in_degree` connections from distinct random units
//!    (self-connections allowed, as in reservoirpy), weights `N(0, 1)` or `U[−1, 1]`; then
//!    the whole matrix is multiplied by `spectral_radius / ρ(W)`, where `ρ(W)` is computed
//!    on the sparse matrix by the implicitly restarted Arnoldi method
//!    ([`crate::spectral::csr_radius`]: residual of the top Ritz pair below 1e-12 relative;
//!    the dense real Schur form for N <= 64 or if the iteration does not converge), so the
//!    rescaled radius is exact to ~1e-10.
//! 2. `W_in` (N × K, dense row-major): each entry is nonzero with probability
//!    `input_connectivity`, then `U[−1, 1]·input_scaling` (or `±input_scaling` for Bernoulli
//!    weights).
//! 3. `b`: `U[−1, 1]·bias_scaling` per unit.
//!
//! The built network ([`Esn`]) stores every weight and serialises them, so a saved model
//! does not depend on regenerating anything.

use crate::ReservoirError;
use lsm_core::{rng_for, stream, Real, SimRng};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand::seq::index::sample;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A built echo state network: every weight, ready to run. Deserialising checks the CSR
/// structure and every size (a model file cannot make the simulator read out of bounds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EsnData")]
pub struct Esn {
    n_units: usize,
    n_inputs: usize,
    leak_rate: Real,
    /// CSR row pointers of `W` (row = receiving unit).
    indptr: Vec<u32>,
    /// CSR column (presynaptic unit) indices.
    indices: Vec<u32>,
    /// CSR weights.
    values: Vec<Real>,
    /// Input weights, N × K row-major.
    w_in: Vec<Real>,
    /// Bias per unit.
    bias: Vec<Real>,
    /// Activation of the units (omitted for tanh, which files from before it have).
    #[serde(default, skip_serializing_if = "Activation::is_tanh")]
    activation: Activation,
    /// The same weights in row groups for the vector kernels (derived, not serialised).
    #[serde(skip_serializing)]
    packed: Option<Box<Packed>>,
}

/// The serialised form of [`Esn`], checked by `TryFrom`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EsnData {
    n_units: usize,
    n_inputs: usize,
    leak_rate: Real,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<Real>,
    w_in: Vec<Real>,
    bias: Vec<Real>,
    #[serde(default)]
    activation: Activation,
}

impl TryFrom<EsnData> for Esn {
    type Error = String;
    fn try_from(d: EsnData) -> Result<Self, String> {
        let n = d.n_units;
        if n == 0 || n > i32::MAX as usize {
            return Err(format!("esn: n_units {n} out of range 1..=2^31-1"));
        }
        if d.n_inputs == 0 {
            return Err("esn: n_inputs must be at least 1".into());
        }
        if !(d.leak_rate > 0.0 && d.leak_rate <= 1.0) {
            return Err(format!("esn: leak_rate {} not in (0, 1]", d.leak_rate));
        }
        if d.indptr.len() != n + 1 || d.indptr[0] != 0 {
            return Err(format!(
                "esn: indptr has {} entries (expected n_units + 1 = {}, starting at 0)",
                d.indptr.len(),
                n + 1
            ));
        }
        if d.indptr.windows(2).any(|w| w[0] > w[1])
            || d.indptr[n] as usize != d.indices.len()
            || d.indices.len() != d.values.len()
        {
            return Err("esn: inconsistent CSR arrays (indptr, indices, values)".into());
        }
        if let Some(c) = d.indices.iter().find(|c| **c as usize >= n) {
            return Err(format!("esn: column index {c} >= n_units {n}"));
        }
        if n.checked_mul(d.n_inputs) != Some(d.w_in.len()) {
            return Err(format!(
                "esn: w_in has {} entries, expected n_units × n_inputs = {n} × {}",
                d.w_in.len(),
                d.n_inputs
            ));
        }
        if d.bias.len() != n {
            return Err(format!(
                "esn: bias has {} entries, expected {n}",
                d.bias.len()
            ));
        }
        for (name, v) in [("values", &d.values), ("w_in", &d.w_in), ("bias", &d.bias)] {
            if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                return Err(format!("esn: {name} holds a non-finite value {x}"));
            }
        }
        let mut e = Esn {
            n_units: d.n_units,
            n_inputs: d.n_inputs,
            leak_rate: d.leak_rate,
            indptr: d.indptr,
            indices: d.indices,
            values: d.values,
            w_in: d.w_in,
            bias: d.bias,
            activation: d.activation,
            packed: None,
        };
        e.pack();
        Ok(e)
    }
}

impl Esn {
    /// Draw the weights of `cfg` for `n_inputs` input channels from `seed`.
    ///
    /// # Errors
    /// Invalid config, `n_inputs == 0`, or an eigenvalue failure.
    pub fn build(cfg: &EsnConfig, n_inputs: usize, seed: u64) -> Result<Self, ReservoirError> {
        Self::build_on(cfg, n_inputs, seed, stream::ESN)
    }

    /// [`Esn::build`] drawing from `rng_for(seed, stream)` (the layers of a [`DeepEsn`]).
    pub(crate) fn build_on(
        cfg: &EsnConfig,
        n_inputs: usize,
        seed: u64,
        stream: u64,
    ) -> Result<Self, ReservoirError> {
        cfg.validate()?;
        if n_inputs == 0 {
            return Err(ReservoirError::Input(
                "expected at least one input channel".into(),
            ));
        }
        let n = cfg.n_units;
        let k = cfg.in_degree;
        let mut rng: SimRng = rng_for(seed, stream);
        let mut indptr = Vec::with_capacity(n + 1);
        let mut indices = Vec::with_capacity(n * k);
        let mut values = Vec::with_capacity(n * k);
        indptr.push(0u32);
        for _ in 0..n {
            let mut cols: Vec<usize> = sample(&mut rng, n, k).into_vec();
            cols.sort_unstable();
            for c in cols {
                indices.push(c as u32);
                let w: Real = match cfg.weights {
                    EsnWeightDist::Normal => StandardNormal.sample(&mut rng),
                    EsnWeightDist::Uniform => rng.gen_range(-1.0..=1.0),
                };
                values.push(w);
            }
            indptr.push(indices.len() as u32);
        }
        let mut w_in = vec![0.0; n * n_inputs];
        feedback::draw_input_weights(
            &mut w_in,
            cfg.input_weights,
            cfg.input_connectivity,
            cfg.input_scaling,
            &mut rng,
        );
        let bias: Vec<Real> = (0..n)
            .map(|_| rng.gen_range(-1.0..=1.0) * cfg.bias_scaling)
            .collect();
        let mut esn = Self {
            n_units: n,
            n_inputs,
            leak_rate: cfg.leak_rate,
            indptr,
            indices,
            values,
            w_in,
            bias,
            activation: cfg.activation(),
            packed: None,
        };
        let rho = esn.spectral_radius()?;
        if rho > 0.0 {
            let s = cfg.spectral_radius / rho;
            esn.values.iter_mut().for_each(|v| *v *= s);
        } else {
            esn.values.iter_mut().for_each(|v| *v = 0.0);
        }
        esn.pack();
        Ok(esn)
    }

    /// Derive [`Packed`] from the CSR arrays.
    fn pack(&mut self) {
        self.packed = Packed::new(
            self.n_units,
            self.n_inputs,
            &self.indptr,
            &self.indices,
            &self.values,
            &self.w_in,
            &self.bias,
        );
    }

    /// The same network with `extra` more input channels whose weights are `w_extra`
    /// (N × `extra`, row-major): the input of a step is then `[u; v]`, `v` the new channels
    /// (as readout feedback, `W_fb`, enters a reservoir).
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if `w_extra` does not have N × `extra` entries or holds a
    /// non-finite value.
    pub fn with_input_columns(
        &self,
        extra: usize,
        w_extra: &[Real],
    ) -> Result<Self, ReservoirError> {
        let n = self.n_units;
        if n.checked_mul(extra) != Some(w_extra.len()) {
            return Err(ReservoirError::Input(format!(
                "expected {n} × {extra} extra input weights, found {}",
                w_extra.len()
            )));
        }
        if let Some(v) = w_extra.iter().find(|v| !v.is_finite()) {
            return Err(ReservoirError::Input(format!(
                "extra input weights: non-finite value {v}"
            )));
        }
        let (k, k2) = (self.n_inputs, self.n_inputs + extra);
        let mut w_in = Vec::with_capacity(n * k2);
        for i in 0..n {
            w_in.extend_from_slice(&self.w_in[i * k..(i + 1) * k]);
            w_in.extend_from_slice(&w_extra[i * extra..(i + 1) * extra]);
        }
        let mut e = Self {
            n_inputs: k2,
            w_in,
            packed: None,
            ..self.clone()
        };
        e.pack();
        Ok(e)
    }

    /// Number of units N.
    pub fn n_units(&self) -> usize {
        self.n_units
    }
    /// Number of input channels K.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }
    /// Leak rate.
    pub fn leak_rate(&self) -> Real {
        self.leak_rate
    }
    /// Activation of the units.
    pub fn activation(&self) -> Activation {
        self.activation
    }
    /// Number of nonzero recurrent weights.
    pub fn n_connections(&self) -> usize {
        self.values.len()
    }

    /// The recurrent matrix as a dense N × N array (for analysis; O(N²) memory).
    pub fn w_dense(&self) -> Array2<Real> {
        let mut w = Array2::zeros((self.n_units, self.n_units));
        for i in 0..self.n_units {
            for p in self.indptr[i] as usize..self.indptr[i + 1] as usize {
                w[[i, self.indices[p] as usize]] += self.values[p];
            }
        }
        w
    }

    /// Spectral radius of `W` (largest eigenvalue modulus; implicitly restarted Arnoldi on
    /// the sparse matrix, see [`crate::spectral::csr_radius`]).
    ///
    /// # Errors
    /// [`ReservoirError::Eigen`] if the result is not finite.
    pub fn spectral_radius(&self) -> Result<Real, ReservoirError> {
        let rho =
            crate::spectral::csr_radius(self.n_units, &self.indptr, &self.indices, &self.values);
        if rho.is_finite() {
            Ok(rho)
        } else {
            Err(ReservoirError::Eigen("non-finite eigenvalue".into()))
        }
    }

    /// Effective spectral radius: the largest eigenvalue modulus of `(1 − a)·I + a·W`, the
    /// linearisation of the leaky update around the zero state without bias (Jaeger et al.
    /// 2007; reservoirpy's `effective_spectral_radius`). Above 1 the echo-state property is
    /// lost for tanh units without bias.
    ///
    /// # Errors
    /// [`ReservoirError::Eigen`] if the result is not finite.
    pub fn effective_spectral_radius(&self) -> Result<Real, ReservoirError> {
        let a = self.leak_rate;
        let n = self.n_units;
        let (mut indptr, mut indices, mut values) = (vec![0u32], Vec::new(), Vec::new());
        for i in 0..n {
            let mut diag = 1.0 - a;
            for p in self.indptr[i] as usize..self.indptr[i + 1] as usize {
                let j = self.indices[p] as usize;
                if j == i {
                    diag += a * self.values[p];
                } else {
                    indices.push(j as u32);
                    values.push(a * self.values[p]);
                }
            }
            indices.push(i as u32);
            values.push(diag);
            indptr.push(indices.len() as u32);
        }
        let rho = crate::spectral::csr_radius(n, &indptr, &indices, &values);
        if rho.is_finite() {
            Ok(rho)
        } else {
            Err(ReservoirError::Eigen("non-finite eigenvalue".into()))
        }
    }

    /// `out = W·v`, the recurrent matrix times a vector (for linearisations such as the
    /// Jacobian `(1 − a)·I + a·diag(1 − x̃²)·W` of one step).
    ///
    /// # Panics
    /// If `v` or `out` does not have `n_units` entries.
    pub fn recurrent_matvec(&self, v: &[Real], out: &mut [Real]) {
        assert_eq!(v.len(), self.n_units, "v must have n_units entries");
        assert_eq!(out.len(), self.n_units, "out must have n_units entries");
        for (i, o) in out.iter_mut().enumerate() {
            let mut s = 0.0;
            for p in self.indptr[i] as usize..self.indptr[i + 1] as usize {
                s += self.values[p] * v[self.indices[p] as usize];
            }
            *o = s;
        }
    }

    /// Check that `x` and `u` have the right sizes.
    fn check_sizes(&self, x: usize, u: usize) -> Result<(), ReservoirError> {
        if x != self.n_units {
            return Err(ReservoirError::Input(format!(
                "state has {x} entries, expected {} (n_units)",
                self.n_units
            )));
        }
        if u != self.n_inputs {
            return Err(ReservoirError::Input(format!(
                "input has {u} channels, expected {}",
                self.n_inputs
            )));
        }
        Ok(())
    }

    /// One update of `x` in place under input `u`; `scratch` (N entries) holds the
    /// new state before it is copied into `x`. No allocation.
    ///
    /// # Panics
    /// If the slice lengths are wrong (use [`Esn::run_into`] for checked runs).
    #[inline]
    pub fn step(&self, x: &mut [Real], u: &[Real], scratch: &mut [Real]) {
        self.step_rows(x, u, 0..self.n_units, scratch);
        x.copy_from_slice(scratch);
    }

    /// Rows `rows` of the state after one step from `x` under `u`, into `out` (`out[r]` is
    /// unit `rows.start + r`; `x` is only read). Threads computing disjoint row ranges of
    /// the same step produce, together, exactly [`Esn::step`]'s state. No allocation.
    ///
    /// # Panics
    /// If `x.len() != n_units`, `u.len() != n_inputs`, `rows.end > n_units` or
    /// `out.len() != rows.len()`.
    #[inline]
    pub fn step_rows(&self, x: &[Real], u: &[Real], rows: Range<usize>, out: &mut [Real]) {
        assert!(
            x.len() == self.n_units
                && u.len() == self.n_inputs
                && rows.start <= rows.end
                && rows.end <= self.n_units
                && out.len() == rows.len()
        );
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(pk) = &self.packed {
                if std::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F; sizes asserted above.
                    unsafe { self.step_avx512(pk, x, u, rows, out) };
                    return;
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports AVX2 + FMA; sizes asserted above.
                    unsafe { self.step_avx2(pk, x, u, rows, out) };
                    return;
                }
            }
        }
        self.step_generic(x, u, rows, out);
    }

    /// Split the units into `parts` contiguous row ranges of (nearly) equal work, aligned to
    /// the vector kernels' row groups, for [`Esn::step_rows`] on several threads (some
    /// ranges may be empty).
    pub fn row_ranges(&self, parts: usize) -> Vec<Range<usize>> {
        let parts = parts.max(1);
        let groups = self.n_units.div_ceil(LANES);
        (0..parts)
            .map(|p| {
                let a = (groups * p / parts * LANES).min(self.n_units);
                let b = (groups * (p + 1) / parts * LANES).min(self.n_units);
                a..b
            })
            .collect()
    }

    /// As [`Esn::step`], then add `U[−noise, noise]` to every unit.
    pub fn step_noisy(
        &self,
        x: &mut [Real],
        u: &[Real],
        scratch: &mut [Real],
        noise: Real,
        rng: &mut SimRng,
    ) {
        self.step(x, u, scratch);
        if noise > 0.0 {
            for xi in x.iter_mut() {
                *xi += noise * (2.0 * rng.gen::<Real>() - 1.0);
            }
        }
    }

    /// Run from `state` over `inputs` (T × K), writing the state after each step into row t
    /// of `out` (T × N) and leaving the final state in `state`. With `noise > 0` the state
    /// noise is drawn from `rng` (required then).
    ///
    /// # Errors
    /// [`ReservoirError::Input`] for mismatched sizes.
    pub fn run_into(
        &self,
        inputs: ArrayView2<Real>,
        state: &mut [Real],
        mut out: ArrayViewMut2<Real>,
        noise: Real,
        rng: Option<&mut SimRng>,
    ) -> Result<(), ReservoirError> {
        if out.dim() != (inputs.nrows(), self.n_units) {
            return Err(ReservoirError::Input(format!(
                "output is {:?}, expected ({}, {})",
                out.dim(),
                inputs.nrows(),
                self.n_units
            )));
        }
        self.run_with(inputs, state, noise, rng, |t, x| {
            let mut o = out.row_mut(t);
            match o.as_slice_mut() {
                Some(s) => s.copy_from_slice(x),
                None => o.iter_mut().zip(x.iter()).for_each(|(d, s)| *d = *s),
            }
        })
    }

    /// Run from `state` over `inputs` (T × K), calling `visit(t, x(t))` with the state after
    /// each step (streaming: nothing of size T × N is held), and leaving the final state in
    /// `state`. With `noise > 0` the state noise is drawn from `rng` (required then).
    ///
    /// # Errors
    /// [`ReservoirError::Input`] for mismatched sizes.
    pub fn run_with<F: FnMut(usize, &[Real])>(
        &self,
        inputs: ArrayView2<Real>,
        state: &mut [Real],
        noise: Real,
        mut rng: Option<&mut SimRng>,
        mut visit: F,
    ) -> Result<(), ReservoirError> {
        self.check_sizes(state.len(), inputs.ncols())?;
        if noise > 0.0 && rng.is_none() {
            return Err(ReservoirError::Input(
                "state noise needs a random generator".into(),
            ));
        }
        let mut scratch = vec![0.0; self.n_units];
        let mut u = vec![0.0; self.n_inputs];
        for (t, row) in inputs.outer_iter().enumerate() {
            for (dst, v) in u.iter_mut().zip(row.iter()) {
                *dst = *v;
            }
            match rng.as_deref_mut() {
                Some(r) if noise > 0.0 => self.step_noisy(state, &u, &mut scratch, noise, r),
                _ => self.step(state, &u, &mut scratch),
            }
            visit(t, state);
        }
        Ok(())
    }

    /// Run from `state` (zero if `None`) over `inputs` (T × K), returning the T × N states.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] for mismatched sizes.
    pub fn run(
        &self,
        inputs: ArrayView2<Real>,
        state: Option<&[Real]>,
    ) -> Result<Array2<Real>, ReservoirError> {
        let mut x = match state {
            Some(s) => s.to_vec(),
            None => vec![0.0; self.n_units],
        };
        let mut out = Array2::zeros((inputs.nrows(), self.n_units));
        self.run_into(inputs, &mut x, out.view_mut(), 0.0, None)?;
        Ok(out)
    }
}

mod config;
mod deep;
mod dense;
mod feedback;
pub use feedback::check_feedback;
mod kernel;
pub mod plasticity;
#[cfg(test)]
mod tests;

pub use config::{EsnConfig, EsnWeightDist, InputDist};
pub use deep::{DeepEsn, DeepEsnConfig, Stack};
pub use plasticity::{
    Activation, IntrinsicConfig, IntrinsicParams, IpTarget, LocalRule, SynapticConfig,
};

pub use kernel::tanh_fast;
use kernel::{Packed, LANES};
