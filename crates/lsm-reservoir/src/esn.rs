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
use lsm_core::limits::{self, Limit};
use lsm_core::{rng_for, stream, Real, SimRng};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand::seq::index::sample;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Distribution of the recurrent weights before rescaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EsnWeightDist {
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
    pub weights: EsnWeightDist,
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
            weights: EsnWeightDist::Normal,
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
    /// Check every field, and the sizes against [`lsm_core::limits`] (`n_units` against
    /// [`Limit::Neurons`], `n_units × in_degree` against [`Limit::Synapses`]).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<(), ReservoirError> {
        let bad = |field: &str, msg: &str| {
            Err(ReservoirError::Config {
                what: "esn",
                field: String::from(field),
                msg: msg.to_string(),
            })
        };
        if self.n_units == 0 || self.n_units > i32::MAX as usize {
            return bad("n_units", "expected 1..=2^31-1 units");
        }
        esn_limit(Limit::Neurons, self.n_units as Real, "n_units", "units")?;
        esn_limit(
            Limit::Synapses,
            self.n_units as Real * self.in_degree.min(self.n_units) as Real,
            "in_degree",
            "n_units x in_degree recurrent weights",
        )?;
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

    /// [`EsnConfig::validate`], and the cost of `n_inputs` input channels (the dense input
    /// matrix `n_units × n_inputs` against [`Limit::Synapses`]) and of running `n_steps`
    /// steps in total (`n_steps × (n_units × in_degree + n_units × n_inputs)` against
    /// [`Limit::Work`], and the collected states `n_steps × n_units × 8` bytes against
    /// [`Limit::MemoryBytes`]). For the time-series pipeline: call it before building.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field, the limit and how to lift it.
    pub fn validate_cost(&self, n_inputs: usize, n_steps: usize) -> Result<(), ReservoirError> {
        self.validate()?;
        let (n, k, s) = (self.n_units as Real, n_inputs as Real, n_steps as Real);
        let inputs = format!("n_units x {n_inputs} input channels: input weights");
        esn_limit(Limit::Synapses, n * k, "n_units", &inputs)?;
        let work = format!("{n_steps} steps x (recurrent + input weights)");
        let w = s * (n * self.in_degree as Real + n * k);
        esn_limit(Limit::Work, w, "n_units", &work)?;
        let states = format!("collected states of {n_steps} steps x n_units x 8");
        esn_limit(Limit::MemoryBytes, s * n * 8.0, "n_units", &states)
    }
}

/// A cost check of an ESN config field, as [`ReservoirError::Config`].
fn esn_limit(
    l: Limit,
    amount: Real,
    field: &'static str,
    what: &str,
) -> Result<(), ReservoirError> {
    limits::check(l, amount, format!("esn: field `{field}` ({what})")).map_err(|e| {
        ReservoirError::Config {
            what: "esn",
            field: field.to_string(),
            msg: e.to_string(),
        }
    })
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
    /// The same weights in row groups for the vector kernels (derived, not serialised).
    #[serde(skip_serializing)]
    packed: Option<Box<Packed>>,
}

/// Lanes (rows) of a [`Packed`] row group: one AVX-512 vector of f64.
const LANES: usize = 8;

/// `W`, `W_in` and `b` rearranged for the vector kernels when every row of `W` has the same
/// number `k` of nonzeros (always so for [`Esn::build`]): rows in groups of [`LANES`] (the
/// last group padded with zero-weight rows), entry `p` of the rows of group `g` stored
/// side by side (`[g][p][lane]`), so that one vector lane computes one row, performing
/// exactly the scalar row's operations (see [`Esn::preactivation`]).
#[derive(Clone, Debug, PartialEq)]
struct Packed {
    /// Nonzeros per row.
    k: usize,
    /// Column indices, `[g][p][lane]`.
    idx: Vec<u32>,
    /// Weights, `[g][p][lane]`.
    val: Vec<Real>,
    /// Bias, `[g][lane]`.
    bias: Vec<Real>,
    /// Input weights, `[g][j][lane]`.
    w_in: Vec<Real>,
}

impl Packed {
    /// The packed form of a CSR matrix with `k` nonzeros in every row (`None` otherwise).
    fn new(
        n: usize,
        n_inputs: usize,
        indptr: &[u32],
        indices: &[u32],
        values: &[Real],
        w_in: &[Real],
        bias: &[Real],
    ) -> Option<Box<Self>> {
        let k = (indptr[1] - indptr[0]) as usize;
        if indptr.windows(2).any(|w| (w[1] - w[0]) as usize != k) {
            return None;
        }
        let groups = n.div_ceil(LANES);
        let mut p = Packed {
            k,
            idx: vec![0; groups * k * LANES],
            val: vec![0.0; groups * k * LANES],
            bias: vec![0.0; groups * LANES],
            w_in: vec![0.0; groups * n_inputs * LANES],
        };
        for i in 0..n {
            let (g, l) = (i / LANES, i % LANES);
            let a = indptr[i] as usize;
            for q in 0..k {
                p.idx[(g * k + q) * LANES + l] = indices[a + q];
                p.val[(g * k + q) * LANES + l] = values[a + q];
            }
            p.bias[g * LANES + l] = bias[i];
            for j in 0..n_inputs {
                p.w_in[(g * n_inputs + j) * LANES + l] = w_in[i * n_inputs + j];
            }
        }
        Some(Box::new(p))
    }
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
        let mut e = Esn {
            n_units: d.n_units,
            n_inputs: d.n_inputs,
            leak_rate: d.leak_rate,
            indptr: d.indptr,
            indices: d.indices,
            values: d.values,
            w_in: d.w_in,
            bias: d.bias,
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
        cfg.validate()?;
        if n_inputs == 0 {
            return Err(ReservoirError::Input(
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
                    EsnWeightDist::Normal => StandardNormal.sample(&mut rng),
                    EsnWeightDist::Uniform => rng.gen_range(-1.0..=1.0),
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

    /// The pre-activation `W·x + W_in·u + b` of rows `rows` into `pre` (`pre[r]` for row
    /// `rows.start + r`; no allocation). Row sums use eight accumulators (element `p` of a
    /// row goes to accumulator `p mod 8`, the tail of fewer than eight to accumulator 0),
    /// combined as `((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7))`, then the bias and the input terms
    /// `w_ij·u_j` in order of `j` are added; products and sums are separate roundings (no
    /// fused multiply-add). The vector kernels perform exactly these operations, one row
    /// per vector lane.
    #[inline(always)]
    fn preactivation(&self, x: &[Real], u: &[Real], rows: Range<usize>, pre: &mut [Real]) {
        let ip = &self.indptr;
        let idx = &self.indices;
        let val = &self.values;
        for (i, pr) in rows.zip(pre.iter_mut()) {
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
            for (c, v) in ch_i.remainder().iter().zip(ch_v.remainder()) {
                s[0] += v * x[*c as usize];
            }
            let c = [s[0] + s[4], s[1] + s[5], s[2] + s[6], s[3] + s[7]];
            let mut acc = (c[0] + c[1]) + (c[2] + c[3]) + self.bias[i];
            let k = self.n_inputs;
            let wi = &self.w_in[i * k..(i + 1) * k];
            for (w, uj) in wi.iter().zip(u) {
                acc += w * uj;
            }
            *pr = acc;
        }
    }

    /// Store the eight lanes of row group `g` (in `lanes`) into the part of `out` that
    /// covers rows `rows`.
    #[inline(always)]
    fn put_group(g: usize, lanes: &[Real; LANES], rows: &Range<usize>, out: &mut [Real]) {
        let lo = (g * LANES).max(rows.start);
        let hi = ((g + 1) * LANES).min(rows.end);
        out[lo - rows.start..hi - rows.start]
            .copy_from_slice(&lanes[lo - g * LANES..hi - g * LANES]);
    }

    /// [`Esn::preactivation`] of the row groups covering `rows`, AVX-512 gathers, one row
    /// per lane (bit-identical results).
    ///
    /// # Safety
    /// The CPU must support AVX-512F (callers check with `is_x86_feature_detected!("avx512f")`
    /// first; in Rust, AVX-512F implies AVX2 and FMA); `pk` is this network's packed weights
    /// (`self.packed`); `x.len() == n_units`, `u.len() == n_inputs`,
    /// `rows.start <= rows.end <= n_units`, `pre.len() == rows.len()` (column indices are
    /// `< n_units`, a type invariant).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn preactivation_avx512(
        &self,
        pk: &Packed,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        pre: &mut [Real],
    ) {
        use std::arch::x86_64::*;
        let (k, ni) = (pk.k, self.n_inputs);
        let chunks = k / 8;
        let xp = x.as_ptr();
        for g in rows.start / LANES..rows.end.div_ceil(LANES) {
            // SAFETY: every offset below is inside group g of the packed arrays
            // (`(g·k + p)·LANES + LANES <= idx.len()` for p < k, and likewise for bias and
            // w_in); the gathered indices are < n_units = x.len().
            unsafe {
                let ip = pk.idx.as_ptr().add(g * k * LANES);
                let vp = pk.val.as_ptr().add(g * k * LANES);
                let z = _mm512_setzero_pd();
                let mut a = [z; 8];
                for c in 0..chunks {
                    for (j, aj) in a.iter_mut().enumerate() {
                        let o = (c * 8 + j) * LANES;
                        let ix = _mm256_loadu_si256(ip.add(o) as *const __m256i);
                        let gx = _mm512_i32gather_pd::<8>(ix, xp);
                        *aj = _mm512_add_pd(*aj, _mm512_mul_pd(_mm512_loadu_pd(vp.add(o)), gx));
                    }
                }
                for p in chunks * 8..k {
                    let o = p * LANES;
                    let ix = _mm256_loadu_si256(ip.add(o) as *const __m256i);
                    let gx = _mm512_i32gather_pd::<8>(ix, xp);
                    a[0] = _mm512_add_pd(a[0], _mm512_mul_pd(_mm512_loadu_pd(vp.add(o)), gx));
                }
                let c0 = _mm512_add_pd(a[0], a[4]);
                let c1 = _mm512_add_pd(a[1], a[5]);
                let c2 = _mm512_add_pd(a[2], a[6]);
                let c3 = _mm512_add_pd(a[3], a[7]);
                let mut r = _mm512_add_pd(_mm512_add_pd(c0, c1), _mm512_add_pd(c2, c3));
                r = _mm512_add_pd(r, _mm512_loadu_pd(pk.bias.as_ptr().add(g * LANES)));
                for (j, uj) in u.iter().enumerate().take(ni) {
                    let w = _mm512_loadu_pd(pk.w_in.as_ptr().add((g * ni + j) * LANES));
                    r = _mm512_add_pd(r, _mm512_mul_pd(w, _mm512_set1_pd(*uj)));
                }
                let r0 = g * LANES;
                if r0 >= rows.start && r0 + LANES <= rows.end {
                    _mm512_storeu_pd(pre.as_mut_ptr().add(r0 - rows.start), r);
                } else {
                    let mut t = [0.0; LANES];
                    _mm512_storeu_pd(t.as_mut_ptr(), r);
                    Self::put_group(g, &t, &rows, pre);
                }
            }
        }
    }

    /// [`Esn::preactivation`] of the row groups covering `rows`, AVX2 gathers, one row per
    /// lane, each group in two halves of four lanes (bit-identical results).
    ///
    /// # Safety
    /// As [`Esn::preactivation_avx512`], with AVX2 and FMA instead of AVX-512F (callers check
    /// both with `is_x86_feature_detected!`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn preactivation_avx2(
        &self,
        pk: &Packed,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        pre: &mut [Real],
    ) {
        use std::arch::x86_64::*;
        let (k, ni) = (pk.k, self.n_inputs);
        let chunks = k / 8;
        let xp = x.as_ptr();
        for g in rows.start / LANES..rows.end.div_ceil(LANES) {
            let mut t = [0.0; LANES];
            for h in 0..2 {
                // SAFETY: as in `preactivation_avx512`; `h·4 + 4 <= LANES`.
                unsafe {
                    let ip = pk.idx.as_ptr().add(g * k * LANES + h * 4);
                    let vp = pk.val.as_ptr().add(g * k * LANES + h * 4);
                    let z = _mm256_setzero_pd();
                    let mut a = [z; 8];
                    for c in 0..chunks {
                        for (j, aj) in a.iter_mut().enumerate() {
                            let o = (c * 8 + j) * LANES;
                            let ix = _mm_loadu_si128(ip.add(o) as *const __m128i);
                            let gx = _mm256_i32gather_pd::<8>(xp, ix);
                            *aj = _mm256_add_pd(*aj, _mm256_mul_pd(_mm256_loadu_pd(vp.add(o)), gx));
                        }
                    }
                    for p in chunks * 8..k {
                        let o = p * LANES;
                        let ix = _mm_loadu_si128(ip.add(o) as *const __m128i);
                        let gx = _mm256_i32gather_pd::<8>(xp, ix);
                        a[0] = _mm256_add_pd(a[0], _mm256_mul_pd(_mm256_loadu_pd(vp.add(o)), gx));
                    }
                    let c0 = _mm256_add_pd(a[0], a[4]);
                    let c1 = _mm256_add_pd(a[1], a[5]);
                    let c2 = _mm256_add_pd(a[2], a[6]);
                    let c3 = _mm256_add_pd(a[3], a[7]);
                    let mut r = _mm256_add_pd(_mm256_add_pd(c0, c1), _mm256_add_pd(c2, c3));
                    r = _mm256_add_pd(r, _mm256_loadu_pd(pk.bias.as_ptr().add(g * LANES + h * 4)));
                    for (j, uj) in u.iter().enumerate().take(ni) {
                        let w = _mm256_loadu_pd(pk.w_in.as_ptr().add((g * ni + j) * LANES + h * 4));
                        r = _mm256_add_pd(r, _mm256_mul_pd(w, _mm256_set1_pd(*uj)));
                    }
                    _mm256_storeu_pd(t.as_mut_ptr().add(h * 4), r);
                }
            }
            Self::put_group(g, &t, &rows, pre);
        }
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

    /// [`Esn::step_rows`] compiled for AVX-512 (same operations, no contraction into FMA, so
    /// the results equal those of the generic path).
    ///
    /// # Safety
    /// As [`Esn::preactivation_avx512`] (with `out` for `pre`): the CPU supports AVX-512F,
    /// `pk` is `self.packed`, and the sizes [`Esn::step_rows`] asserts hold.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn step_avx512(
        &self,
        pk: &Packed,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        out: &mut [Real],
    ) {
        // SAFETY: AVX-512F is enabled here; `pk` and the sizes are this function's own
        // contract.
        unsafe { self.preactivation_avx512(pk, x, u, rows.clone(), out) };
        self.update(&x[rows], out);
    }

    /// [`Esn::step_rows`] compiled for AVX2 + FMA (same operations, no contraction into FMA,
    /// so the results equal those of the generic path).
    ///
    /// # Safety
    /// As [`Esn::preactivation_avx2`] (with `out` for `pre`): the CPU supports AVX2 and FMA,
    /// `pk` is `self.packed`, and the sizes [`Esn::step_rows`] asserts hold.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn step_avx2(
        &self,
        pk: &Packed,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        out: &mut [Real],
    ) {
        // SAFETY: AVX2 and FMA are enabled here; `pk` and the sizes are this function's
        // own contract.
        unsafe { self.preactivation_avx2(pk, x, u, rows.clone(), out) };
        self.update(&x[rows], out);
    }

    #[inline(always)]
    fn step_generic(&self, x: &[Real], u: &[Real], rows: Range<usize>, out: &mut [Real]) {
        self.preactivation(x, u, rows.clone(), out);
        self.update(&x[rows], out);
    }

    /// `out ← (1 − a)·x_old + a·tanh(out)` (`out` holds the pre-activation on entry).
    #[inline(always)]
    fn update(&self, x_old: &[Real], out: &mut [Real]) {
        let a = self.leak_rate;
        if a == 1.0 {
            for p in out.iter_mut() {
                *p = tanh_fast(*p);
            }
        } else {
            for (p, xi) in out.iter_mut().zip(x_old.iter()) {
                *p = (1.0 - a) * *xi + a * tanh_fast(*p);
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

/// `tanh(x)`, branch-free, within 4 ulp of the correctly rounded value (tested), NaN for
/// NaN. For `|x| < 0.625` Cephes' rational approximation `x + x³·P(x²)/Q(x²)`; above,
/// `1 − 2/(e^{2|x|} + 1)` with `e^w` by Cephes' `exp` (Cody-Waite reduction `w = n ln2 + r`,
/// Padé form `e^r = (Q + rP)/(Q − rP)`, exact scaling by `2ⁿ`), i.e.
/// `1 − 2(Q − rP)/((Q + rP)·2ⁿ + Q − rP)`; `|x| >= 22` gives ±1 exactly (as `f64::tanh`).
/// Both branches are computed and one of the two quotients is selected *before* the single
/// division (divisions dominate the cost of a vectorised tanh). Written without branches so
/// that loops over slices vectorise.
#[inline(always)]
pub fn tanh_fast(x: Real) -> Real {
    let ax = x.abs();
    let is_small = ax < 0.625;
    // Small |x|: Cephes tanh.c, x + (x·z·P(z))/Q(z) with z = x².
    let z = x * x;
    let p =
        (-9.643_991_794_250_523e-1 * z - 9.928_772_310_019_186e1) * z - 1.614_687_684_417_084_5e3;
    let q = ((z + 1.128_116_784_916_329_3e2) * z + 2.235_488_390_601_004_6e3) * z
        + 4.844_063_053_251_255e3;
    // Large |x|: w = 2|x| ∈ [1.25, 44].
    let w = 2.0 * ax.min(22.0);
    let nf = (w * std::f64::consts::LOG2_E + 0.5).floor();
    let r = w - nf * 6.931_457_519_531_25e-1 - nf * 1.428_606_820_309_417_3e-6;
    let rr = r * r;
    let px = r * ((1.261_771_930_748_105_9e-4 * rr + 3.029_944_077_074_419_6e-2) * rr + 1.0);
    let qx = ((3.001_985_051_386_644_5e-6 * rr + 2.524_483_403_496_841e-3) * rr
        + 2.272_655_482_081_550_3e-1)
        * rr
        + 2.0;
    // 2ⁿ for the integer n = nf ∈ [0, 64], built without a float-to-integer conversion
    // (which has no packed form below AVX-512DQ and would stop the loop from vectorising):
    // nf + (2⁵² + 1023) is exact and holds n + 1023 in its low mantissa bits, which the
    // shift moves into the exponent field (the bits above are shifted out).
    let scale = Real::from_bits((nf + (4_503_599_627_370_496.0 + 1023.0)).to_bits() << 52);
    let dm = qx - px;
    let num = if is_small { x * z * p } else { 2.0 * dm };
    let den = if is_small { q } else { (qx + px) * scale + dm };
    let f = num / den;
    let big = (1.0 - f).copysign(x);
    let big = if ax >= 22.0 {
        (1.0 as Real).copysign(x)
    } else {
        big
    };
    let y = if is_small { x + f } else { big };
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
        for (n, k, a) in [
            (64, 3, 0.7),
            (64, 8, 1.0),
            (61, 13, 0.7),
            (67, 40, 1.0),
            (5, 2, 0.5),
        ] {
            let cfg = EsnConfig {
                n_units: n,
                in_degree: k,
                leak_rate: a,
                ..EsnConfig::default()
            };
            let e = Esn::build(&cfg, 2, 5).unwrap();
            let pk = e.packed.as_ref().expect("fixed in-degree is packed");
            let mut x1: Vec<Real> = (0..n).map(|i| (i as Real * 0.3).sin()).collect();
            let mut x2 = x1.clone();
            let mut s = vec![0.0; n];
            for t in 0..50 {
                let u = [(t as Real * 0.1).cos(), 0.5];
                let x0 = x1.clone();
                e.step_generic(&x0, &u, 0..n, &mut x1);
                e.step(&mut x2, &u, &mut s);
                assert_eq!(x1, x2, "n {n} k {k} step {t}");
                // Every kernel, on arbitrary (unaligned) row ranges.
                for r in [0..n, 3..n - 1, n / 2..n, 0..0] {
                    let mut o = vec![0.0; r.len()];
                    e.step_generic(&x0, &u, r.clone(), &mut o);
                    assert_eq!(o, x1[r.clone()], "generic rows {r:?}");
                    #[cfg(target_arch = "x86_64")]
                    {
                        if std::is_x86_feature_detected!("avx2")
                            && std::is_x86_feature_detected!("fma")
                        {
                            o.fill(0.0);
                            // SAFETY: AVX2 and FMA detected above; `pk` is `e.packed`,
                            // `o.len() == r.len()`, `r.end <= n`.
                            unsafe { e.step_avx2(pk, &x0, &u, r.clone(), &mut o) };
                            assert_eq!(o, x1[r.clone()], "avx2 rows {r:?}");
                        }
                        if std::is_x86_feature_detected!("avx512f") {
                            o.fill(0.0);
                            // SAFETY: AVX-512F detected above; as for `step_avx2`.
                            unsafe { e.step_avx512(pk, &x0, &u, r.clone(), &mut o) };
                            assert_eq!(o, x1[r.clone()], "avx512 rows {r:?}");
                        }
                    }
                    let _ = pk;
                }
                for parts in [1, 2, 3] {
                    let mut o = vec![0.0; n];
                    for r in e.row_ranges(parts) {
                        e.step_rows(&x0, &u, r.clone(), &mut o[r]);
                    }
                    assert_eq!(o, x1, "{parts} row ranges");
                }
            }
        }
    }

    #[test]
    fn unequal_rows_use_the_generic_path() {
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
        // Drop the last connection of row 0: rows no longer have equal lengths.
        let mut v = serde_json::to_value(&e).unwrap();
        let ip: Vec<u32> = serde_json::from_value(v["indptr"].clone()).unwrap();
        let mut idx: Vec<u32> = serde_json::from_value(v["indices"].clone()).unwrap();
        let mut val: Vec<Real> = serde_json::from_value(v["values"].clone()).unwrap();
        idx.remove(2);
        val.remove(2);
        let ip: Vec<u32> = ip
            .iter()
            .map(|p| p.saturating_sub(u32::from(*p >= 3)))
            .collect();
        v["indptr"] = serde_json::json!(ip);
        v["indices"] = serde_json::json!(idx);
        v["values"] = serde_json::json!(val);
        let f: Esn = serde_json::from_value(v).unwrap();
        assert!(f.packed.is_none());
        let mut x: Vec<Real> = (0..20).map(|i| (i as Real).cos()).collect();
        let mut s = vec![0.0; 20];
        f.step(&mut x, &[0.3], &mut s);
        // Row 0 by hand.
        let pre0 = (val[0]
            * ((0..20).map(|i| (i as Real).cos()).collect::<Vec<_>>()[idx[0] as usize])
            + val[1] * (idx[1] as Real).cos())
            + f.bias[0]
            + f.w_in[0] * 0.3;
        assert!(
            (x[0] - pre0.tanh()).abs() < 1e-15,
            "{} vs {}",
            x[0],
            pre0.tanh()
        );
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
