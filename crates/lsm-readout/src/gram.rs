//! Streaming sufficient statistics of least squares: `XᵀX`, `XᵀY`, `YᵀY` and the column sums,
//! accumulated sample by sample so that the state matrix `X` is never held.
//!
//! # Numerics
//! Sums are accumulated about a fixed *shift* `(c, d)`: the first sample seen. Means and the
//! centred Gram are then `μ = c + Σ(x−c)/n` and `Σ(x−μ)(x−μ)ᵀ = Σ(x−c)(x−c)ᵀ − s sᵀ/n` with
//! `s = Σ(x−c)`. Accumulating raw `Σxxᵀ` and subtracting `n μμᵀ` would lose about
//! `log10(μ²/σ²)` digits of f64 precision to cancellation (catastrophic for features with a
//! large offset, e.g. membrane potentials around −65 mV with a 1 mV spread); with the shift at a
//! sample of the data, `|μ − c|` is of the order of `σ` and the loss is negligible.
//!
//! # Speed
//! Single samples ([`GramAccumulator::add`]) are buffered and folded in blocks of
//! [`GramAccumulator::BUFFER_ROWS`] rows with a matrix product (symmetric rank-k update split
//! over rayon threads, upper triangle only), so adding samples one at a time costs the same as
//! one [`GramAccumulator::add_batch`].

use crate::error::{check_finite1, check_finite2, ReadoutError, Result};
use crate::linalg::{mirror_upper, rayon_for, syrk_upper_add_with};
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder};

/// Accumulated `XᵀX`, `XᵀY`, `YᵀY` and column sums of a stream of samples `(x, y)`, with
/// `x` of `n_features` and `y` of `n_outputs` values.
///
/// ```
/// use lsm_readout::{GramAccumulator, RidgeParams};
/// use ndarray::array;
/// let mut acc = GramAccumulator::new(2, 1);
/// for (x, y) in [([0.0, 1.0], 1.0), ([1.0, 0.0], 2.0), ([1.0, 1.0], 3.0), ([2.0, 1.0], 4.0)] {
///     acc.add(array![x[0], x[1]].view(), array![y].view())?;
/// }
/// let ridge = acc.solve(&RidgeParams::new().alpha(0.0).check()?)?;
/// // y = x0 + x1 + 1 exactly
/// let p = ridge.predict(array![[3.0, 3.0]].view())?;
/// assert!((p[[0, 0]] - 7.0).abs() < 1e-9);
/// # Ok::<(), lsm_readout::ReadoutError>(())
/// ```
#[derive(Clone, Debug)]
pub struct GramAccumulator {
    n_features: usize,
    n_outputs: usize,
    /// Samples folded into the sums (not counting the buffer).
    n: usize,
    /// Shift `c` (first sample's x), empty until the first sample.
    shift_x: Array1<f64>,
    /// Shift `d` (first sample's y).
    shift_y: Array1<f64>,
    has_shift: bool,
    sum_x: Array1<f64>,
    sum_y: Array1<f64>,
    /// Σ(x−c)(x−c)ᵀ, upper triangle valid only, column-major.
    xtx: Array2<f64>,
    xty: Array2<f64>,
    yty: Array2<f64>,
    buf_x: Array2<f64>,
    buf_y: Array2<f64>,
    buf_len: usize,
    /// Scratch: the centred batch being folded, transposed (`n_features × rows`).
    cbuf: Array2<f64>,
}

/// A parallel loop: `par(n, f)` calls `f(i)` once for every `i in 0..n`, in any order and
/// on any threads, and returns when all calls are done.
type ParFor<'p> = &'p (dyn Fn(usize, &(dyn Fn(usize) + Sync)) + Sync);

/// Columns per task of the centring pass of a batch.
const COL_BLOCK: usize = 128;

/// Rows centred at once (into a tile of `TILE × COL_BLOCK` values, 32 KB) before they are
/// written out transposed.
const TILE: usize = 32;

/// Rows ahead of the centring pass that are prefetched.
const PREFETCH_AHEAD: usize = 4;

/// Hint the CPU to bring the cache line of `p` into L1 (no effect elsewhere).
#[inline(always)]
fn prefetch(p: *const f64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and reads nothing, whatever the
    // address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Second moments of a least-squares problem about a centre: either the means (with an
/// intercept) or zero (without).
#[derive(Clone, Debug)]
pub(crate) struct Moments {
    pub n: usize,
    pub x_center: Array1<f64>,
    pub y_center: Array1<f64>,
    /// Σ(x−x_center)(x−x_center)ᵀ, full symmetric.
    pub gxx: Array2<f64>,
    /// Σ(x−x_center)(y−y_center)ᵀ.
    pub gxy: Array2<f64>,
}

impl GramAccumulator {
    /// Rows buffered by [`GramAccumulator::add`] before they are folded into the sums.
    pub const BUFFER_ROWS: usize = 128;

    /// An empty accumulator for samples of `n_features` inputs and `n_outputs` targets.
    /// Allocates the `n_features²` Gram matrix (128 MB for 4,000 features).
    pub fn new(n_features: usize, n_outputs: usize) -> Self {
        Self {
            n_features,
            n_outputs,
            n: 0,
            shift_x: Array1::zeros(n_features),
            shift_y: Array1::zeros(n_outputs),
            has_shift: false,
            sum_x: Array1::zeros(n_features),
            sum_y: Array1::zeros(n_outputs),
            // Column-major: the Gram product then reads the (column-major) centred batches
            // without packing them (about 1.5 times faster than a row-major `XᵀX`).
            xtx: Array2::zeros((n_features, n_features).f()),
            xty: Array2::zeros((n_features, n_outputs)),
            yty: Array2::zeros((n_outputs, n_outputs)),
            buf_x: Array2::zeros((0, n_features)),
            buf_y: Array2::zeros((0, n_outputs)),
            buf_len: 0,
            cbuf: Array2::zeros((0, 0)),
        }
    }

    /// Number of inputs per sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of targets per sample.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of samples added so far.
    pub fn n_samples(&self) -> usize {
        self.n + self.buf_len
    }

    fn check_dims(&self, nx: usize, ny: usize) -> Result<()> {
        if nx != self.n_features {
            return Err(ReadoutError::DimensionMismatch {
                what: "sample features (x)".into(),
                expected: self.n_features,
                got: nx,
            });
        }
        if ny != self.n_outputs {
            return Err(ReadoutError::DimensionMismatch {
                what: "sample targets (y)".into(),
                expected: self.n_outputs,
                got: ny,
            });
        }
        Ok(())
    }

    /// Add one sample. Errors (and leaves the accumulator unchanged) on a size mismatch or a
    /// non-finite value.
    pub fn add(&mut self, x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> Result<()> {
        self.check_dims(x.len(), y.len())?;
        check_finite1(x, "x", self.n_samples())?;
        check_finite1(y, "y", self.n_samples())?;
        if !self.has_shift {
            self.shift_x.assign(&x);
            self.shift_y.assign(&y);
            self.has_shift = true;
        }
        if self.buf_x.nrows() == 0 {
            self.buf_x = Array2::zeros((Self::BUFFER_ROWS, self.n_features));
            self.buf_y = Array2::zeros((Self::BUFFER_ROWS, self.n_outputs));
        }
        self.buf_x.row_mut(self.buf_len).assign(&x);
        self.buf_y.row_mut(self.buf_len).assign(&y);
        self.buf_len += 1;
        if self.buf_len == Self::BUFFER_ROWS {
            self.flush();
        }
        Ok(())
    }

    /// Add a batch of samples, one per row of `x` (`n × n_features`) and `y`
    /// (`n × n_outputs`). Errors (and leaves the accumulator unchanged) on a size mismatch or a
    /// non-finite value.
    pub fn add_batch(&mut self, x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> Result<()> {
        self.add_batch_with(x, y, &rayon_for)
    }

    /// [`GramAccumulator::add_batch`] with the work run by the caller's parallel loop:
    /// `par(n, f)` must call `f(i)` once for every `i in 0..n` (in any order, on any threads)
    /// and return when all calls are done. The work is cut into a fixed set of tasks, each
    /// computing its own part of the result in a fixed order, so the sums are bit-identical
    /// for any `par` (e.g. rayon's pool of any size, or a single thread). Use it to keep
    /// threads that are already running busy instead of waking rayon's pool.
    #[allow(clippy::type_complexity)] // a parallel loop: (n, f) -> f(0..n)
    pub fn add_batch_with(
        &mut self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        par: &(dyn Fn(usize, &(dyn Fn(usize) + Sync)) + Sync),
    ) -> Result<()> {
        self.check_dims(x.ncols(), y.ncols())?;
        if x.nrows() != y.nrows() {
            return Err(ReadoutError::DimensionMismatch {
                what: "number of rows of y (samples)".into(),
                expected: x.nrows(),
                got: y.nrows(),
            });
        }
        check_finite2(y, "y")?;
        if !self.fold_rows(x, y, par) {
            check_finite2(x, "x")?;
        }
        Ok(())
    }

    /// Fold rows into the sums (`y` checked). Returns false, leaving the sums unchanged, if
    /// `x` has a non-finite value.
    ///
    /// Order of operations: `xc = x − c` and `yc = y − d`; per column `j`, the batch's
    /// `Σ_t xc[t,j]` and `Σ_t xc[t,j]·yc[t,q]` in order of `t` (one task per block of
    /// [`COL_BLOCK`] columns), then added to the sums; `XᵀX` by stripes (see
    /// [`crate::linalg::syrk_upper_add_with`]); `YᵀY` by a matrix product.
    fn fold_rows(
        &mut self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        par: ParFor<'_>,
    ) -> bool {
        let (m, p) = x.dim();
        if m == 0 {
            return true;
        }
        let o = self.n_outputs;
        let first = !self.has_shift;
        if first {
            self.shift_x.assign(&x.row(0));
            self.shift_y.assign(&y.row(0));
        }
        let yc = &y - &self.shift_y.view().insert_axis(Axis(0));
        // The centred batch is stored transposed (`p × m`, one feature's samples contiguous):
        // as a column-major `m × p` matrix it is the layout the Gram product reads fastest
        // (about twice the speed of a row-major batch).
        if self.cbuf.ncols() < m || self.cbuf.nrows() != p {
            self.cbuf = Array2::zeros((p, m.max(self.cbuf.ncols())));
        }
        let ld = self.cbuf.ncols();
        let mut bsum = Array1::<f64>::zeros(p);
        // The batch's XᵀY, transposed (o × p) so that each output's row is contiguous.
        let mut bxty = Array2::<f64>::zeros((o, p));
        let ok = {
            let shift = self.shift_x.view();
            let yc = yc.view();
            let blocks: Vec<_> = self
                .cbuf
                .axis_chunks_iter_mut(Axis(0), COL_BLOCK)
                .zip(bsum.axis_chunks_iter_mut(Axis(0), COL_BLOCK))
                .zip(bxty.axis_chunks_iter_mut(Axis(1), COL_BLOCK))
                .enumerate()
                .map(|(b, ((c, s), xy))| std::sync::Mutex::new((b * COL_BLOCK, c, s, xy, true)))
                .collect();
            par(blocks.len(), &|b| {
                let mut g = blocks[b].lock().unwrap_or_else(|e| e.into_inner());
                let (j0, cbl, sum, xty, ok) = &mut *g;
                let w = cbl.nrows();
                let sh = shift.slice(s![*j0..*j0 + w]);
                let sh = sh.as_slice().expect("contiguous shift");
                let sum = sum.as_slice_mut().expect("contiguous sums");
                // Rows `j0..j0 + w` of the transposed scratch: feature `j0 + jj`, sample `t`
                // at `jj·ld + t`.
                let cb = cbl.as_slice_mut().expect("contiguous scratch");
                let mut fin = true;
                let mut xr_buf = vec![0.0; w];
                // Rows are centred into a small row-major tile, then written out transposed
                // (one contiguous run of the tile's samples per feature).
                let mut tile = vec![0.0; TILE * w];
                for t0 in (0..m).step_by(TILE) {
                    let tn = TILE.min(m - t0);
                    for (r, cr) in tile.chunks_exact_mut(w).take(tn).enumerate() {
                        let t = t0 + r;
                        if t + PREFETCH_AHEAD < m {
                            // The rows of a batch are a page or more apart: fetch a later
                            // row's part early (the hardware prefetchers stay in a page).
                            let p = x.slice(s![t + PREFETCH_AHEAD, *j0..*j0 + w]);
                            for l in (0..w).step_by(8) {
                                prefetch(p.as_ptr().wrapping_offset(l as isize * p.strides()[0]));
                            }
                        }
                        let xv = x.slice(s![t, *j0..*j0 + w]);
                        let xr = match xv.as_slice() {
                            Some(v) => v,
                            None => {
                                xr_buf.iter_mut().zip(xv.iter()).for_each(|(d, v)| *d = *v);
                                &xr_buf[..]
                            }
                        };
                        for ((d, v), c) in cr.iter_mut().zip(xr).zip(sh) {
                            fin &= v.is_finite();
                            *d = v - c;
                        }
                        for (s, d) in sum.iter_mut().zip(cr.iter()) {
                            *s += d;
                        }
                        for q in 0..o {
                            let yq = yc[[t, q]];
                            let mut xyq = xty.row_mut(q);
                            let xyq = xyq.as_slice_mut().expect("contiguous rows");
                            for (xy, d) in xyq.iter_mut().zip(cr.iter()) {
                                *xy += d * yq;
                            }
                        }
                    }
                    for (jj, dst) in cb.chunks_exact_mut(ld).enumerate() {
                        for (r, d) in dst[t0..t0 + tn].iter_mut().enumerate() {
                            *d = tile[r * w + jj];
                        }
                    }
                }
                *ok = fin;
            });
            blocks
                .into_iter()
                .all(|b| b.into_inner().unwrap_or_else(|e| e.into_inner()).4)
        };
        if !ok {
            if first {
                self.shift_x.fill(0.0);
                self.shift_y.fill(0.0);
            }
            return false;
        }
        self.has_shift = true;
        syrk_upper_add_with(&mut self.xtx, self.cbuf.slice(s![.., ..m]).t(), par);
        self.xty += &bxty.t();
        general_mat_mul(1.0, &yc.t(), &yc, 1.0, &mut self.yty);
        self.sum_x += &bsum;
        self.sum_y += &yc.sum_axis(Axis(0));
        self.n += m;
        if self.cbuf.len() > 1 << 20 {
            // Do not hold more than 8 MB of scratch between batches.
            self.cbuf = Array2::zeros((0, 0));
        }
        true
    }

    /// Fold the buffered single samples into the sums. Called automatically every
    /// [`Self::BUFFER_ROWS`] samples; call it after the last [`Self::add`] to spare
    /// [`Self::solve`] a copy of the Gram matrix.
    pub fn flush(&mut self) {
        if self.buf_len == 0 {
            return;
        }
        let bx = std::mem::replace(&mut self.buf_x, Array2::zeros((0, self.n_features)));
        let by = std::mem::replace(&mut self.buf_y, Array2::zeros((0, self.n_outputs)));
        let len = self.buf_len;
        // The buffered samples were checked by `add`.
        self.fold_rows(bx.slice(s![..len, ..]), by.slice(s![..len, ..]), &rayon_for);
        self.buf_x = bx;
        self.buf_y = by;
        self.buf_len = 0;
    }

    /// Add the samples of `other` (as if they had been added to `self`). The result equals
    /// accumulating both streams into one accumulator, up to rounding.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.combine(other, 1.0)
    }

    /// Remove the samples of `other`, which must have been added to `self` too (used to form
    /// cross-validation training sets: all folds minus one).
    pub(crate) fn subtract(&mut self, other: &Self) -> Result<()> {
        self.combine(other, -1.0)
    }

    fn combine(&mut self, other: &Self, sign: f64) -> Result<()> {
        self.check_dims(other.n_features, other.n_outputs)?;
        if other.buf_len > 0 {
            let mut o = other.clone();
            o.flush();
            return self.combine(&o, sign);
        }
        if other.n == 0 {
            return Ok(());
        }
        if !self.has_shift {
            self.shift_x.assign(&other.shift_x);
            self.shift_y.assign(&other.shift_y);
            self.has_shift = true;
        }
        // Re-express other's sums about self's shift: x − c_s = (x − c_o) + δ.
        let dx = &other.shift_x - &self.shift_x;
        let dy = &other.shift_y - &self.shift_y;
        let no = other.n as f64;
        let col = |v: &Array1<f64>| v.view().insert_axis(Axis(1)).to_owned();
        let row = |v: &Array1<f64>| v.view().insert_axis(Axis(0)).to_owned();
        // xtx (whole matrix; only the upper triangle matters)
        let mut t = other.xtx.clone();
        let sx = &other.sum_x;
        let sy = &other.sum_y;
        t += &(col(sx).dot(&row(&dx)));
        t += &(col(&dx).dot(&row(sx)));
        t += &(col(&dx).dot(&row(&dx)) * no);
        self.xtx.scaled_add(sign, &t);
        let mut t = other.xty.clone();
        t += &(col(sx).dot(&row(&dy)));
        t += &(col(&dx).dot(&row(sy)));
        t += &(col(&dx).dot(&row(&dy)) * no);
        self.xty.scaled_add(sign, &t);
        let mut t = other.yty.clone();
        t += &(col(sy).dot(&row(&dy)));
        t += &(col(&dy).dot(&row(sy)));
        t += &(col(&dy).dot(&row(&dy)) * no);
        self.yty.scaled_add(sign, &t);
        self.sum_x.scaled_add(sign, &(sx + &(&dx * no)));
        self.sum_y.scaled_add(sign, &(sy + &(&dy * no)));
        if sign > 0.0 {
            self.n += other.n;
        } else {
            self.n = self.n.checked_sub(other.n).ok_or_else(|| {
                ReadoutError::NotEnoughSamples("subtracting more samples than were added".into())
            })?;
        }
        Ok(())
    }

    /// The accumulator with its buffer folded in (borrowed when the buffer is empty).
    fn flushed(&self) -> std::borrow::Cow<'_, Self> {
        if self.buf_len == 0 {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut c = self.clone();
            c.flush();
            std::borrow::Cow::Owned(c)
        }
    }

    /// Mean of the inputs seen so far (`None` before the first sample).
    pub fn x_mean(&self) -> Option<Array1<f64>> {
        let a = self.flushed();
        (a.n > 0).then(|| &a.shift_x + &(&a.sum_x / a.n as f64))
    }

    /// Mean of the targets seen so far (`None` before the first sample).
    pub fn y_mean(&self) -> Option<Array1<f64>> {
        let a = self.flushed();
        (a.n > 0).then(|| &a.shift_y + &(&a.sum_y / a.n as f64))
    }

    /// Second moments about the means (`centered`) or about zero.
    pub(crate) fn moments(&self, centered: bool) -> Result<Moments> {
        let a = self.flushed();
        if a.n == 0 {
            return Err(ReadoutError::NotEnoughSamples(
                "no samples were added to the accumulator".into(),
            ));
        }
        let n = a.n as f64;
        let col = |v: &Array1<f64>| v.view().insert_axis(Axis(1)).to_owned();
        let row = |v: &Array1<f64>| v.view().insert_axis(Axis(0)).to_owned();
        // Row-major (standard layout) for the solvers, whatever the accumulator's layout.
        let mut gxx = Array2::zeros(a.xtx.raw_dim());
        gxx.assign(&a.xtx);
        mirror_upper(&mut gxx);
        let mut gxy = a.xty.clone();
        let (x_center, y_center);
        if centered {
            // Σ(x−μ)(x−μ)ᵀ = Σ(x−c)(x−c)ᵀ − s sᵀ / n
            gxx.scaled_add(-1.0 / n, &col(&a.sum_x).dot(&row(&a.sum_x)));
            gxy.scaled_add(-1.0 / n, &col(&a.sum_x).dot(&row(&a.sum_y)));
            x_center = &a.shift_x + &(&a.sum_x / n);
            y_center = &a.shift_y + &(&a.sum_y / n);
        } else {
            // Σxxᵀ = Σ(x−c)(x−c)ᵀ + s cᵀ + c sᵀ + n c cᵀ
            let (c, d) = (&a.shift_x, &a.shift_y);
            let (sx, sy) = (&a.sum_x, &a.sum_y);
            gxx += &col(sx).dot(&row(c));
            gxx += &col(c).dot(&row(sx));
            gxx.scaled_add(n, &col(c).dot(&row(c)));
            gxy += &col(sx).dot(&row(d));
            gxy += &col(c).dot(&row(sy));
            gxy.scaled_add(n, &col(c).dot(&row(d)));
            x_center = Array1::zeros(a.n_features);
            y_center = Array1::zeros(a.n_outputs);
        }
        Ok(Moments {
            n: a.n,
            x_center,
            y_center,
            gxx,
            gxy,
        })
    }

    /// Sum of squared residuals `Σ‖y − Wᵀx − b‖²` of a linear model over the samples of this
    /// accumulator, from the sums alone:
    /// with `x = c + x̃`, `y = d + ỹ` and `e = d − b − Wᵀc`,
    /// `Σ‖r‖² = tr(ỸᵀỸ) − 2 tr(WᵀX̃ᵀỸ) + tr(WᵀX̃ᵀX̃W) + 2 eᵀ(s_y − Wᵀs_x) + n‖e‖²`.
    pub(crate) fn sse(&self, w: &Array2<f64>, b: &Array1<f64>) -> f64 {
        let a = self.flushed();
        if a.n == 0 {
            return 0.0;
        }
        let mut xtx = a.xtx.clone();
        mirror_upper(&mut xtx);
        let e = &a.shift_y - b - &w.t().dot(&a.shift_x);
        let xtxw = xtx.dot(w);
        let tr_yy = a.yty.diag().sum();
        let tr_wxy = (w * &a.xty).sum();
        let tr_wxxw = (w * &xtxw).sum();
        let cross = e.dot(&(&a.sum_y - &w.t().dot(&a.sum_x)));
        (tr_yy - 2.0 * tr_wxy + tr_wxxw + 2.0 * cross + a.n as f64 * e.dot(&e)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    fn data(m: usize, p: usize) -> (Array2<f64>, Array2<f64>) {
        let x = Array::from_shape_fn((m, p), |(i, j)| {
            ((i * 7 + j * 13) as f64 * 0.37).sin() + 3.0
        });
        let y = Array::from_shape_fn((m, 2), |(i, j)| ((i * 3 + j) as f64 * 0.11).cos());
        (x, y)
    }

    #[test]
    fn batches_are_bit_identical_for_any_parallel_loop() {
        let (x, y) = data(300, 290);
        let serial = |n: usize, f: &(dyn Fn(usize) + Sync)| (0..n).rev().for_each(f);
        let mut a = GramAccumulator::new(290, 2);
        let mut b = GramAccumulator::new(290, 2);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for r in [0..100, 100..107, 107..300] {
            a.add_batch_with(
                x.slice(s![r.clone(), ..]),
                y.slice(s![r.clone(), ..]),
                &serial,
            )
            .unwrap();
            pool.install(|| {
                b.add_batch(x.slice(s![r.clone(), ..]), y.slice(s![r, ..]))
                    .unwrap()
            });
        }
        assert_eq!(a.xtx, b.xtx);
        assert_eq!(a.xty, b.xty);
        assert_eq!(a.sum_x, b.sum_x);
        // And equal to the direct sums up to rounding.
        let ma = a.moments(true).unwrap();
        let xm = x.mean_axis(Axis(0)).unwrap();
        let xc = &x - &xm;
        let g = xc.t().dot(&xc);
        let err = (&ma.gxx - &g).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        assert!(err < 1e-9, "{err}");
    }

    #[test]
    fn non_finite_batch_is_rejected_and_changes_nothing() {
        let (mut x, y) = data(20, 5);
        let mut a = GramAccumulator::new(5, 2);
        x[[7, 3]] = f64::NAN;
        let e = a.add_batch(x.view(), y.view()).unwrap_err().to_string();
        assert!(e.contains("row 7") || e.contains('7'), "{e}");
        assert_eq!(a.n_samples(), 0);
        assert!(!a.has_shift);
        x[[7, 3]] = 0.5;
        a.add_batch(x.view(), y.view()).unwrap();
        assert_eq!(a.shift_x, x.row(0));
    }
}
