//! Echo state networks: leaky tanh rate units with sparse random recurrent weights.
//!
//! The rate network is the smooth special case of the spiking reservoir; it uses the same
//! seeding, the same CSR layout and the same pipeline.
//!
//! # Equations and order of operations
//! With state `x ∈ ℝᴺ`, input `u ∈ ℝᴷ`, one step is
//!
//! ```text
//! x̃(t) = tanh(W·x(t−1) + W_in·u(t) + b)
//! x(t)  = (1 − a)·x(t−1) + a·x̃(t) + ν(t)
//! ```
//!
//! with leak rate `a ∈ (0, 1]`, bias `b`, and `ν(t) ~ U[−noise, noise]` i.i.d. per unit
//! (training-time regulariser, Jaeger 2001; zero unless asked for). `W` is evaluated on the
//! old state for every unit before any unit is updated (synchronous update).
//!
//! `tanh` is [`tanh_fast`]: branch-free (so the update loop vectorises), within 4 ulp of
//! the correctly rounded value; on x86-64 CPUs with AVX2 + FMA the update is compiled for
//! them too and chosen at run time (same operations, same results, wider vectors).
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

use lsm_core::{rng_for, stream, Real, SimRng};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand::seq::index::sample;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Errors of echo-state network configuration and use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EsnError {
    /// A config field is out of range.
    #[error("esn config: field `{field}`: {msg}")]
    Config {
        /// The field.
        field: &'static str,
        /// What was expected.
        msg: String,
    },
    /// Input of the wrong shape.
    #[error("esn: {0}")]
    Shape(String),
    /// The eigenvalue computation failed.
    #[error("esn: computing the spectral radius failed: {0}")]
    Eigen(String),
}

/// Distribution of the recurrent weights before rescaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightDist {
    /// Standard normal (reservoirpy's default).
    Normal,
    /// Uniform on [−1, 1] (Jaeger's).
    Uniform,
}

/// Distribution of the input weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputDist {
    /// `U[−1, 1]·input_scaling`.
    Uniform,
    /// `±input_scaling` with equal probability (reservoirpy's default).
    Bernoulli,
}

/// Echo state network parameters (the `"reservoir": {"kind": "esn", ...}` object of a
/// time-series config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EsnConfig {
    /// Number of units N. Default 400. >= 1.
    pub n_units: usize,
    /// Recurrent connections per unit (fixed in-degree; density = in_degree / N).
    /// Default 10. 1..=N.
    pub in_degree: usize,
    /// Spectral radius of `W` after rescaling. Default 1.0. >= 0 (0 = no recurrence).
    pub spectral_radius: Real,
    /// Distribution of recurrent weights before rescaling. Default `normal`.
    pub weights: WeightDist,
    /// Input weight scale. Default 0.5. >= 0.
    pub input_scaling: Real,
    /// Probability that an input–unit connection exists. Default 1.0. (0, 1].
    pub input_connectivity: Real,
    /// Input weight distribution. Default `uniform`.
    pub input_weights: InputDist,
    /// Bias scale: `b_i ~ U[−1, 1]·bias_scaling`. Default 0.2. >= 0.
    pub bias_scaling: Real,
    /// Leak rate `a`. Default 1.0 (no leak). (0, 1].
    pub leak_rate: Real,
    /// Amplitude of the uniform state noise used while collecting training states.
    /// Default 0 (none). >= 0.
    pub noise: Real,
}

impl Default for EsnConfig {
    fn default() -> Self {
        Self {
            n_units: 400,
            in_degree: 10,
            spectral_radius: 1.0,
            weights: WeightDist::Normal,
            input_scaling: 0.5,
            input_connectivity: 1.0,
            input_weights: InputDist::Uniform,
            bias_scaling: 0.2,
            leak_rate: 1.0,
            noise: 0.0,
        }
    }
}

impl EsnConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`EsnError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<(), EsnError> {
        let bad = |field, msg: &str| {
            Err(EsnError::Config {
                field,
                msg: msg.to_string(),
            })
        };
        if self.n_units == 0 || self.n_units > i32::MAX as usize {
            return bad("n_units", "expected 1..=2^31-1 units");
        }
        if self.in_degree == 0 || self.in_degree > self.n_units {
            return bad(
                "in_degree",
                &format!(
                    "expected 1..={} (n_units), found {}",
                    self.n_units, self.in_degree
                ),
            );
        }
        if !(self.spectral_radius.is_finite() && self.spectral_radius >= 0.0) {
            return bad("spectral_radius", "expected a finite number >= 0");
        }
        if !(self.input_scaling.is_finite() && self.input_scaling >= 0.0) {
            return bad("input_scaling", "expected a finite number >= 0");
        }
        if !(self.input_connectivity > 0.0 && self.input_connectivity <= 1.0) {
            return bad("input_connectivity", "expected a probability in (0, 1]");
        }
        if !(self.bias_scaling.is_finite() && self.bias_scaling >= 0.0) {
            return bad("bias_scaling", "expected a finite number >= 0");
        }
        if !(self.leak_rate > 0.0 && self.leak_rate <= 1.0) {
            return bad("leak_rate", "expected a leak rate in (0, 1]");
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return bad("noise", "expected a finite amplitude >= 0");
        }
        Ok(())
    }
}

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
        if d.w_in.len() != n * d.n_inputs {
            return Err(format!(
                "esn: w_in has {} entries, expected n_units × n_inputs = {}",
                d.w_in.len(),
                n * d.n_inputs
            ));
        }
        if d.bias.len() != n {
            return Err(format!(
                "esn: bias has {} entries, expected {n}",
                d.bias.len()
            ));
        }
        Ok(Esn {
            n_units: d.n_units,
            n_inputs: d.n_inputs,
            leak_rate: d.leak_rate,
            indptr: d.indptr,
            indices: d.indices,
            values: d.values,
            w_in: d.w_in,
            bias: d.bias,
        })
    }
}

impl Esn {
    /// Draw the weights of `cfg` for `n_inputs` input channels from `seed`.
    ///
    /// # Errors
    /// Invalid config, `n_inputs == 0`, or an eigenvalue failure.
    pub fn build(cfg: &EsnConfig, n_inputs: usize, seed: u64) -> Result<Self, EsnError> {
        cfg.validate()?;
        if n_inputs == 0 {
            return Err(EsnError::Shape(
                "expected at least one input channel".into(),
            ));
        }
        let n = cfg.n_units;
        let k = cfg.in_degree;
        let mut rng: SimRng = rng_for(seed, stream::ESN);
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
                    WeightDist::Normal => StandardNormal.sample(&mut rng),
                    WeightDist::Uniform => rng.gen_range(-1.0..=1.0),
                };
                values.push(w);
            }
            indptr.push(indices.len() as u32);
        }
        let mut w_in = vec![0.0; n * n_inputs];
        for w in w_in.iter_mut() {
            let on = cfg.input_connectivity >= 1.0 || rng.gen::<Real>() < cfg.input_connectivity;
            let v = match cfg.input_weights {
                InputDist::Uniform => rng.gen_range(-1.0..=1.0),
                InputDist::Bernoulli => {
                    if rng.gen::<bool>() {
                        1.0
                    } else {
                        -1.0
                    }
                }
            };
            if on {
                *w = v * cfg.input_scaling;
            }
        }
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
        };
        let rho = esn.spectral_radius()?;
        if rho > 0.0 {
            let s = cfg.spectral_radius / rho;
            esn.values.iter_mut().for_each(|v| *v *= s);
        } else {
            esn.values.iter_mut().for_each(|v| *v = 0.0);
        }
        Ok(esn)
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
    /// [`EsnError::Eigen`] if the result is not finite.
    pub fn spectral_radius(&self) -> Result<Real, EsnError> {
        let rho =
            crate::spectral::csr_radius(self.n_units, &self.indptr, &self.indices, &self.values);
        if rho.is_finite() {
            Ok(rho)
        } else {
            Err(EsnError::Eigen("non-finite eigenvalue".into()))
        }
    }

    /// Check that `x` and `u` have the right sizes.
    fn check_sizes(&self, x: usize, u: usize) -> Result<(), EsnError> {
        if x != self.n_units {
            return Err(EsnError::Shape(format!(
                "state has {x} entries, expected {} (n_units)",
                self.n_units
            )));
        }
        if u != self.n_inputs {
            return Err(EsnError::Shape(format!(
                "input has {u} channels, expected {}",
                self.n_inputs
            )));
        }
        Ok(())
    }

    /// The pre-activation `W·x + W_in·u + b` into `pre` (no allocation). Row sums use eight
    /// accumulators (element `p` of a row goes to accumulator `p mod 8`, the tail of fewer
    /// than eight to accumulator 0), combined as `((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7))`;
    /// the AVX2 path performs exactly these operations with gathers.
    #[inline(always)]
    fn preactivation(&self, x: &[Real], u: &[Real], pre: &mut [Real]) {
        let ip = &self.indptr;
        let idx = &self.indices;
        let val = &self.values;
        for i in 0..self.n_units {
            let (a, b) = (ip[i] as usize, ip[i + 1] as usize);
            let (ci, cv) = (&idx[a..b], &val[a..b]);
            let mut s = [0.0; 8];
            let mut ch_i = ci.chunks_exact(8);
            let mut ch_v = cv.chunks_exact(8);
            for (c, v) in (&mut ch_i).zip(&mut ch_v) {
                for j in 0..8 {
                    s[j] += v[j] * x[c[j] as usize];
                }
            }
            pre[i] = self.finish_row(i, s, ch_i.remainder(), ch_v.remainder(), x, u);
        }
    }

    /// Tail, reduction, bias and input term of row `i` (shared by both paths).
    #[inline(always)]
    fn finish_row(
        &self,
        i: usize,
        mut s: [Real; 8],
        ci: &[u32],
        cv: &[Real],
        x: &[Real],
        u: &[Real],
    ) -> Real {
        for (c, v) in ci.iter().zip(cv) {
            s[0] += v * x[*c as usize];
        }
        let c = [s[0] + s[4], s[1] + s[5], s[2] + s[6], s[3] + s[7]];
        let mut acc = (c[0] + c[1]) + (c[2] + c[3]) + self.bias[i];
        let k = self.n_inputs;
        let wi = &self.w_in[i * k..(i + 1) * k];
        for (w, uj) in wi.iter().zip(u) {
            acc += w * uj;
        }
        acc
    }

    /// [`Esn::preactivation`] with AVX2 gathers (bit-identical results).
    ///
    /// # Safety
    /// The CPU must support AVX2; `x.len() == n_units` (every column index is `< n_units`,
    /// guaranteed by [`Esn::build`] and checked when an `Esn` is deserialised).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn preactivation_avx2(&self, x: &[Real], u: &[Real], pre: &mut [Real]) {
        use std::arch::x86_64::*;
        let ip = &self.indptr;
        let idx = &self.indices;
        let val = &self.values;
        for i in 0..self.n_units {
            let (a, b) = (ip[i] as usize, ip[i + 1] as usize);
            let (ci, cv) = (&idx[a..b], &val[a..b]);
            let chunks = ci.len() / 8;
            let mut lo = _mm256_setzero_pd();
            let mut hi = _mm256_setzero_pd();
            for c in 0..chunks {
                let p = c * 8;
                // SAFETY: p + 8 <= ci.len() == cv.len(); indices < x.len() (type invariant).
                unsafe {
                    let i_lo = _mm_loadu_si128(ci.as_ptr().add(p) as *const __m128i);
                    let i_hi = _mm_loadu_si128(ci.as_ptr().add(p + 4) as *const __m128i);
                    let g_lo = _mm256_i32gather_pd::<8>(x.as_ptr(), i_lo);
                    let g_hi = _mm256_i32gather_pd::<8>(x.as_ptr(), i_hi);
                    let v_lo = _mm256_loadu_pd(cv.as_ptr().add(p));
                    let v_hi = _mm256_loadu_pd(cv.as_ptr().add(p + 4));
                    lo = _mm256_add_pd(lo, _mm256_mul_pd(v_lo, g_lo));
                    hi = _mm256_add_pd(hi, _mm256_mul_pd(v_hi, g_hi));
                }
            }
            let mut s = [0.0; 8];
            // SAFETY: s has 8 entries.
            unsafe {
                _mm256_storeu_pd(s.as_mut_ptr(), lo);
                _mm256_storeu_pd(s.as_mut_ptr().add(4), hi);
            }
            pre[i] = self.finish_row(i, s, &ci[chunks * 8..], &cv[chunks * 8..], x, u);
        }
    }

    /// One update of `x` in place under input `u`; `scratch` (N entries) holds the
    /// pre-activation. No allocation.
    ///
    /// # Panics
    /// If the slice lengths are wrong (use [`Esn::run_into`] for checked runs).
    #[inline]
    pub fn step(&self, x: &mut [Real], u: &[Real], scratch: &mut [Real]) {
        assert!(
            x.len() == self.n_units && u.len() == self.n_inputs && scratch.len() == self.n_units
        );
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports the features `step_avx2` is compiled for.
                unsafe { self.step_avx2(x, u, scratch) };
                return;
            }
        }
        self.step_generic(x, u, scratch);
    }

    /// [`Esn::step`] compiled for AVX2 + FMA (same operations, no contraction into FMA, so
    /// the results equal those of the generic path).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn step_avx2(&self, x: &mut [Real], u: &[Real], scratch: &mut [Real]) {
        // SAFETY: AVX2 is enabled here; x.len() == n_units was asserted by `step`.
        unsafe { self.preactivation_avx2(x, u, scratch) };
        self.update(x, scratch);
    }

    #[inline(always)]
    fn step_generic(&self, x: &mut [Real], u: &[Real], scratch: &mut [Real]) {
        self.preactivation(x, u, scratch);
        self.update(x, scratch);
    }

    /// `x ← (1 − a)·x + a·tanh(pre)`.
    #[inline(always)]
    fn update(&self, x: &mut [Real], scratch: &[Real]) {
        let a = self.leak_rate;
        if a == 1.0 {
            for (xi, p) in x.iter_mut().zip(scratch.iter()) {
                *xi = tanh_fast(*p);
            }
        } else {
            for (xi, p) in x.iter_mut().zip(scratch.iter()) {
                *xi = (1.0 - a) * *xi + a * tanh_fast(*p);
            }
        }
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
    /// [`EsnError::Shape`] for mismatched sizes.
    pub fn run_into(
        &self,
        inputs: ArrayView2<Real>,
        state: &mut [Real],
        mut out: ArrayViewMut2<Real>,
        noise: Real,
        rng: Option<&mut SimRng>,
    ) -> Result<(), EsnError> {
        if out.dim() != (inputs.nrows(), self.n_units) {
            return Err(EsnError::Shape(format!(
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
    /// [`EsnError::Shape`] for mismatched sizes.
    pub fn run_with<F: FnMut(usize, &[Real])>(
        &self,
        inputs: ArrayView2<Real>,
        state: &mut [Real],
        noise: Real,
        mut rng: Option<&mut SimRng>,
        mut visit: F,
    ) -> Result<(), EsnError> {
        self.check_sizes(state.len(), inputs.ncols())?;
        if noise > 0.0 && rng.is_none() {
            return Err(EsnError::Shape(
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
    /// [`EsnError::Shape`] for mismatched sizes.
    pub fn run(
        &self,
        inputs: ArrayView2<Real>,
        state: Option<&[Real]>,
    ) -> Result<Array2<Real>, EsnError> {
        let mut x = match state {
            Some(s) => s.to_vec(),
            None => vec![0.0; self.n_units],
        };
        let mut out = Array2::zeros((inputs.nrows(), self.n_units));
        self.run_into(inputs, &mut x, out.view_mut(), 0.0, None)?;
        Ok(out)
    }
}

/// `tanh(x)`, branch-free, within 4 ulp of the correctly rounded value (tested), NaN for
/// NaN. For `|x| < 0.625` Cephes' rational approximation `x + x³·P(x²)/Q(x²)`; above,
/// `1 − 2/(e^{2|x|} + 1)` with `e^w` by Cephes' `exp` (Cody-Waite reduction `w = n ln2 + r`,
/// Padé form on `r`, exact scaling by `2ⁿ`); `|x| >= 22` gives ±1 exactly (as `f64::tanh`).
/// Written without branches so that loops over slices vectorise.
#[inline(always)]
pub fn tanh_fast(x: Real) -> Real {
    let ax = x.abs();
    // Small |x|: Cephes tanh.c.
    let z = x * x;
    let p =
        (-9.643_991_794_250_523e-1 * z - 9.928_772_310_019_186e1) * z - 1.614_687_684_417_084_5e3;
    let q = ((z + 1.128_116_784_916_329_3e2) * z + 2.235_488_390_601_004_6e3) * z
        + 4.844_063_053_251_255e3;
    let small = x + x * z * (p / q);
    // Large |x|: 1 − 2/(exp(2|x|) + 1), Cephes exp on w = 2|x| ∈ [1.25, 44].
    let w = 2.0 * ax.min(22.0);
    let nf = (w * std::f64::consts::LOG2_E + 0.5).floor();
    let r = w - nf * 6.931_457_519_531_25e-1 - nf * 1.428_606_820_309_417_3e-6;
    let rr = r * r;
    let px = r * ((1.261_771_930_748_105_9e-4 * rr + 3.029_944_077_074_419_6e-2) * rr + 1.0);
    let qx = ((3.001_985_051_386_644_5e-6 * rr + 2.524_483_403_496_841e-3) * rr
        + 2.272_655_482_081_550_3e-1)
        * rr
        + 2.0;
    let er = 1.0 + 2.0 * px / (qx - px);
    let scale = Real::from_bits(((nf as i64 + 1023) as u64) << 52);
    let e = er * scale;
    let big = (1.0 - 2.0 / (e + 1.0)).copysign(x);
    let big = if ax >= 22.0 {
        (1.0 as Real).copysign(x)
    } else {
        big
    };
    let y = if ax < 0.625 { small } else { big };
    if x.is_nan() {
        x
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_in_degree_and_determinism() {
        let cfg = EsnConfig {
            n_units: 50,
            in_degree: 5,
            ..EsnConfig::default()
        };
        let a = Esn::build(&cfg, 2, 7).unwrap();
        let b = Esn::build(&cfg, 2, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.n_connections(), 250);
        for i in 0..50 {
            assert_eq!(a.indptr[i + 1] - a.indptr[i], 5);
        }
        let c = Esn::build(&cfg, 2, 8).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn tanh_fast_within_4_ulp() {
        let ulp = |v: Real| {
            let b = v.abs().to_bits();
            Real::from_bits(b + 1) - v.abs()
        };
        let mut worst: Real = 0.0;
        let mut x: Real = -30.0;
        while x < 30.0 {
            for v in [x, x * 1e-3, x * 1e-9] {
                let (a, b) = (tanh_fast(v), v.tanh());
                let e = (a - b).abs() / ulp(b).max(Real::MIN_POSITIVE);
                worst = worst.max(e);
            }
            x += 0.000_731;
        }
        assert!(worst <= 4.0, "worst error {worst} ulp");
        assert_eq!(tanh_fast(0.0), 0.0);
        assert_eq!(tanh_fast(40.0), 1.0);
        assert_eq!(tanh_fast(-1e300), -1.0);
        assert!(tanh_fast(Real::NAN).is_nan());
    }

    #[test]
    fn simd_and_generic_steps_are_bit_identical() {
        for k in [3, 8, 13, 40] {
            let cfg = EsnConfig {
                n_units: 64,
                in_degree: k,
                leak_rate: 0.7,
                ..EsnConfig::default()
            };
            let e = Esn::build(&cfg, 2, 5).unwrap();
            let mut x1: Vec<Real> = (0..64).map(|i| (i as Real * 0.3).sin()).collect();
            let mut x2 = x1.clone();
            let mut s = vec![0.0; 64];
            for t in 0..50 {
                let u = [(t as Real * 0.1).cos(), 0.5];
                e.step_generic(&mut x1, &u, &mut s);
                e.step(&mut x2, &u, &mut s);
                assert_eq!(x1, x2, "k {k} step {t}");
            }
        }
    }

    #[test]
    fn corrupt_model_is_rejected() {
        let e = Esn::build(
            &EsnConfig {
                n_units: 20,
                in_degree: 3,
                ..EsnConfig::default()
            },
            1,
            1,
        )
        .unwrap();
        let mut v = serde_json::to_value(&e).unwrap();
        v["indices"][5] = serde_json::json!(20);
        let err = serde_json::from_value::<Esn>(v).unwrap_err().to_string();
        assert!(err.contains("column index 20"), "{err}");
        let mut v = serde_json::to_value(&e).unwrap();
        v["bias"] = serde_json::json!([0.0]);
        let err = serde_json::from_value::<Esn>(v).unwrap_err().to_string();
        assert!(err.contains("bias"), "{err}");
    }
}
