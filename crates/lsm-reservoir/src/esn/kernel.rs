//! The vector kernels of the echo state network: the weights packed in row groups of
//! [`LANES`], the pre-activation and the step computed with AVX-512 or AVX2 (same operations
//! as the generic path, so the results are bit-identical), and the branch-free `tanh_fast`.

use super::*;

/// Lanes (rows) of a [`Packed`] row group: one AVX-512 vector of f64.
pub(super) const LANES: usize = 8;

/// `W`, `W_in` and `b` rearranged for the vector kernels when every row of `W` has the same
/// number `k` of nonzeros (always so for [`Esn::build`]): rows in groups of [`LANES`] (the
/// last group padded with zero-weight rows), entry `p` of the rows of group `g` stored
/// side by side (`[g][p][lane]`), so that one vector lane computes one row, performing
/// exactly the scalar row's operations (see [`Esn::preactivation`]).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Packed {
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
    pub(super) fn new(
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

impl Esn {
    /// The pre-activation `W·x + W_in·u + b` of rows `rows` into `pre` (`pre[r]` for row
    /// `rows.start + r`; no allocation). Row sums use eight accumulators (element `p` of a
    /// row goes to accumulator `p mod 8`, the tail of fewer than eight to accumulator 0),
    /// combined as `((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7))`, then the bias and the input terms
    /// `w_ij·u_j` in order of `j` are added; products and sums are separate roundings (no
    /// fused multiply-add). The vector kernels perform exactly these operations, one row
    /// per vector lane.
    #[inline(always)]
    pub(super) fn preactivation(
        &self,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        pre: &mut [Real],
    ) {
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
    pub(super) fn put_group(
        g: usize,
        lanes: &[Real; LANES],
        rows: &Range<usize>,
        out: &mut [Real],
    ) {
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
    pub(super) unsafe fn preactivation_avx512(
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
    pub(super) unsafe fn preactivation_avx2(
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

    /// [`Esn::step_rows`] compiled for AVX-512 (same operations, no contraction into FMA, so
    /// the results equal those of the generic path).
    ///
    /// # Safety
    /// As [`Esn::preactivation_avx512`] (with `out` for `pre`): the CPU supports AVX-512F,
    /// `pk` is `self.packed`, and the sizes [`Esn::step_rows`] asserts hold.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn step_avx512(
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
    pub(super) unsafe fn step_avx2(
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
    pub(super) fn step_generic(
        &self,
        x: &[Real],
        u: &[Real],
        rows: Range<usize>,
        out: &mut [Real],
    ) {
        self.preactivation(x, u, rows.clone(), out);
        self.update(&x[rows], out);
    }

    /// `out ← (1 − a)·x_old + a·f(out)` (`out` holds the pre-activation on entry).
    #[inline(always)]
    pub(super) fn update(&self, x_old: &[Real], out: &mut [Real]) {
        let a = self.leak_rate;
        if self.activation == Activation::Sigmoid {
            for (p, xi) in out.iter_mut().zip(x_old.iter()) {
                let y = 0.5 + 0.5 * tanh_fast(0.5 * *p);
                *p = if a == 1.0 { y } else { (1.0 - a) * *xi + a * y };
            }
            return;
        }
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
