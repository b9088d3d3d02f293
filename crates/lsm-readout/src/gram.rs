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
use crate::linalg::{mirror_upper, syrk_upper_add};
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

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
    /// Σ(x−c)(x−c)ᵀ, upper triangle valid only.
    xtx: Array2<f64>,
    xty: Array2<f64>,
    yty: Array2<f64>,
    buf_x: Array2<f64>,
    buf_y: Array2<f64>,
    buf_len: usize,
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
            xtx: Array2::zeros((n_features, n_features)),
            xty: Array2::zeros((n_features, n_outputs)),
            yty: Array2::zeros((n_outputs, n_outputs)),
            buf_x: Array2::zeros((0, n_features)),
            buf_y: Array2::zeros((0, n_outputs)),
            buf_len: 0,
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
        self.check_dims(x.ncols(), y.ncols())?;
        if x.nrows() != y.nrows() {
            return Err(ReadoutError::DimensionMismatch {
                what: "number of rows of y (samples)".into(),
                expected: x.nrows(),
                got: y.nrows(),
            });
        }
        check_finite2(x, "x")?;
        check_finite2(y, "y")?;
        self.fold_rows(x, y);
        Ok(())
    }

    /// Fold rows into the sums (no checks).
    fn fold_rows(&mut self, x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) {
        if x.nrows() == 0 {
            return;
        }
        if !self.has_shift {
            self.shift_x.assign(&x.row(0));
            self.shift_y.assign(&y.row(0));
            self.has_shift = true;
        }
        let xc = &x - &self.shift_x.view().insert_axis(Axis(0));
        let yc = &y - &self.shift_y.view().insert_axis(Axis(0));
        syrk_upper_add(&mut self.xtx, xc.view());
        general_mat_mul(1.0, &xc.t(), &yc, 1.0, &mut self.xty);
        general_mat_mul(1.0, &yc.t(), &yc, 1.0, &mut self.yty);
        self.sum_x += &xc.sum_axis(Axis(0));
        self.sum_y += &yc.sum_axis(Axis(0));
        self.n += x.nrows();
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
        self.fold_rows(bx.slice(s![..len, ..]), by.slice(s![..len, ..]));
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
        let mut gxx = a.xtx.clone();
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
