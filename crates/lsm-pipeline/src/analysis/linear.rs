//! Linear algebra shared by the analyses: squared correlation, the numerical rank of a state
//! matrix, and the capacity of a state space for many targets at once (the projection of each
//! target on the span of the states).

use crate::PipelineError;
use lsm_core::Real;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use ndarray_linalg::{Eigh, SVD, UPLO};

/// Squared Pearson correlation of `a` and `b` (0 when either is constant).
pub fn squared_correlation(a: ArrayView1<Real>, b: ArrayView1<Real>) -> Real {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let (ma, mb) = (a.sum() / n as Real, b.sum() / n as Real);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b.iter()) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return 0.0;
    }
    (sab * sab / (saa * sbb)).clamp(0.0, 1.0)
}

/// Euclidean distance of each row of `a` to the same row of `b`, divided by `√columns`
/// (the distance between two liquids' states, per neuron).
pub fn row_distances(a: ArrayView2<Real>, b: ArrayView2<Real>) -> Vec<Real> {
    let scale = (a.ncols().max(1) as Real).sqrt();
    a.outer_iter()
        .zip(b.outer_iter())
        .map(|(x, y)| {
            x.iter()
                .zip(y.iter())
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<Real>()
                .sqrt()
                / scale
        })
        .collect()
}

/// Singular values of `m`, largest first.
///
/// # Errors
/// [`PipelineError::Runtime`] if LAPACK fails or a value is not finite.
pub fn singular_values(m: ArrayView2<Real>) -> Result<Array1<Real>, PipelineError> {
    if m.iter().any(|v| !v.is_finite()) {
        return Err(PipelineError::Runtime(
            "rank: the state matrix has a non-finite value".into(),
        ));
    }
    if m.is_empty() {
        return Ok(Array1::zeros(0));
    }
    let (_, s, _) = m
        .to_owned()
        .svd(false, false)
        .map_err(|e| PipelineError::Runtime(format!("rank: singular value decomposition: {e}")))?;
    Ok(s)
}

/// Numerical rank: the number of singular values above `rel_tol × σ_max`. With
/// `rel_tol = None` the threshold is numpy's `matrix_rank` default,
/// `σ_max × max(rows, cols) × ε`.
///
/// # Errors
/// As [`singular_values`].
pub fn numerical_rank(m: ArrayView2<Real>, rel_tol: Option<Real>) -> Result<usize, PipelineError> {
    let s = singular_values(m)?;
    let smax = s.iter().cloned().fold(0.0, Real::max);
    if smax <= 0.0 {
        return Ok(0);
    }
    let tol = match rel_tol {
        Some(r) => r * smax,
        None => smax * m.nrows().max(m.ncols()) as Real * Real::EPSILON,
    };
    Ok(s.iter().filter(|&&v| v > tol).count())
}

/// The span of centred states, for the in-sample capacity of many targets
/// (Dambre et al. 2012): `C[y] = ‖P y_c‖² / ‖y_c‖²` with `P` the orthogonal projection on the
/// column space of the centred states `X_c` and `y_c` the centred target, i.e. the `R²` of
/// the least-squares fit of `y` on the states with an intercept. Computed from the
/// eigendecomposition `X_cᵀX_c = VΛVᵀ`: `C = Σ_{λ_i > tol} (v_iᵀX_cᵀy_c)² / λ_i / ‖y_c‖²`,
/// keeping eigenvalues above `1e-10 × λ_max` (directions the data do not span are dropped,
/// so the capacities of orthogonal targets sum to at most the rank).
pub struct StateSpan {
    xc: Array2<Real>,
    v: Array2<Real>,
    inv_lambda: Array1<Real>,
}

impl StateSpan {
    /// The span of the rows of `states` (samples × features).
    ///
    /// # Errors
    /// [`PipelineError::Runtime`] for non-finite states or a failed eigendecomposition.
    pub fn new(states: ArrayView2<Real>) -> Result<Self, PipelineError> {
        if states.iter().any(|v| !v.is_finite()) {
            return Err(PipelineError::Runtime(
                "capacity: the reservoir's states have a non-finite value".into(),
            ));
        }
        let mean = states
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(states.ncols()));
        let xc = &states - &mean.view().insert_axis(Axis(0));
        let g = xc.t().dot(&xc);
        let (lambda, v) = g
            .eigh(UPLO::Upper)
            .map_err(|e| PipelineError::Runtime(format!("capacity: eigendecomposition: {e}")))?;
        let lmax = lambda.iter().cloned().fold(0.0, Real::max);
        let inv_lambda = lambda.mapv(|l| {
            if lmax > 0.0 && l > 1e-10 * lmax {
                1.0 / l
            } else {
                0.0
            }
        });
        Ok(Self { xc, v, inv_lambda })
    }

    /// The rank kept (eigenvalues above the tolerance).
    pub fn rank(&self) -> usize {
        self.inv_lambda.iter().filter(|&&l| l > 0.0).count()
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.xc.nrows()
    }

    /// In-sample capacity of each column of `targets` (samples × targets); a constant target
    /// has capacity 0.
    ///
    /// # Errors
    /// [`PipelineError::Dimension`] if `targets` has another number of rows.
    pub fn capacities(&self, targets: ArrayView2<Real>) -> Result<Vec<Real>, PipelineError> {
        if targets.nrows() != self.xc.nrows() {
            return Err(PipelineError::Dimension {
                stage: "capacity".into(),
                expected: self.xc.nrows(),
                got: targets.nrows(),
                what: "target rows (one per state row)".into(),
            });
        }
        let mean = targets
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(targets.ncols()));
        let yc = &targets - &mean.view().insert_axis(Axis(0));
        // p = Vᵀ X_cᵀ Y_c (features × targets)
        let p = self.v.t().dot(&self.xc.t().dot(&yc));
        Ok((0..yc.ncols())
            .map(|j| {
                let yy: Real = yc.column(j).iter().map(|v| v * v).sum();
                if yy <= 0.0 {
                    return 0.0;
                }
                let explained: Real = p
                    .column(j)
                    .iter()
                    .zip(self.inv_lambda.iter())
                    .map(|(q, il)| q * q * il)
                    .sum();
                (explained / yy).clamp(0.0, 1.0)
            })
            .collect())
    }
}

/// The `1 − p` quantile of the chi-squared distribution with `k` degrees of freedom
/// (Wilson–Hilferty approximation, relative error below 1 % for `k >= 3` and the tails used
/// here), for the threshold below which a finite-sample capacity is indistinguishable from a
/// random target's.
pub fn chi2_upper_quantile(k: usize, p: Real) -> Real {
    if k == 0 {
        return 0.0;
    }
    let z = normal_upper_quantile(p);
    let k = k as Real;
    let a = 2.0 / (9.0 * k);
    k * (1.0 - a + z * a.sqrt()).powi(3).max(0.0)
}

/// The `1 − p` quantile of the standard normal distribution (Acklam's rational
/// approximation refined by one Halley step: relative error about 1e-15).
pub fn normal_upper_quantile(p: Real) -> Real {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    // quantile of 1 - p = -quantile(p)
    -normal_quantile(p)
}

fn normal_quantile(p: Real) -> Real {
    const A: [Real; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [Real; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [Real; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [Real; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step on Φ(x) − p, Φ from erfc.
    let e = 0.5 * libm_erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, fractional error below
/// 1.2e-7; enough for the one refinement step above).
fn libm_erfc(x: Real) -> Real {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn squared_correlation_of_affine_copies_is_one_and_of_orthogonal_signals_zero() {
        let a = array![1.0, 2.0, 3.0, 4.0];
        let b = a.mapv(|v| -3.0 * v + 7.0);
        assert!((squared_correlation(a.view(), b.view()) - 1.0).abs() < 1e-12);
        let c = array![1.0, -1.0, 1.0, -1.0];
        let d = array![1.0, 1.0, -1.0, -1.0];
        assert!(squared_correlation(c.view(), d.view()).abs() < 1e-12);
        assert_eq!(
            squared_correlation(c.view(), array![2.0, 2.0, 2.0, 2.0].view()),
            0.0
        );
    }

    #[test]
    fn numerical_rank_counts_independent_columns() {
        let m = array![
            [1.0, 2.0, 3.0],
            [2.0, 4.0, 6.0],
            [0.0, 1.0, 1.0],
            [1.0, 0.0, 1.0]
        ];
        // third column = first + second
        assert_eq!(numerical_rank(m.view(), None).unwrap(), 2);
        assert_eq!(
            numerical_rank(Array2::<Real>::zeros((3, 3)).view(), None).unwrap(),
            0
        );
    }

    #[test]
    fn span_capacity_is_the_r2_of_the_least_squares_fit() {
        // states: two columns; target = 2 x0 - x1 + 5 has capacity 1; a target orthogonal to
        // both (after centring) has capacity 0; a half-explained target has R² by hand.
        let x = array![[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]];
        let span = StateSpan::new(x.view()).unwrap();
        assert_eq!(span.rank(), 2);
        let y = array![
            [7.0, 1.0, 1.0],
            [4.0, -1.0, 1.0],
            [3.0, 1.0, -1.0],
            [6.0, -1.0, -1.0]
        ];
        let c = span.capacities(y.view()).unwrap();
        assert!((c[0] - 1.0).abs() < 1e-12, "{c:?}");
        assert!(c[1].abs() < 1e-12, "{c:?}");
        // y2 = (1, 1, -1, -1): projection on x0 = (1,0,-1,0) gives 2/2·x0 -> ‖·‖² = 2, on
        // x1 = (0,1,0,-1) gives 2/2·x1 -> 2; total 4 of ‖y‖² = 4: capacity 1. Use a
        // half-explained one instead: (1, 0, 0, -1) has centred norm² 2, projections 1/2 + 1/2.
        let h = array![[1.0], [0.0], [0.0], [-1.0]];
        let ch = span.capacities(h.view()).unwrap();
        assert!((ch[0] - 0.5).abs() < 1e-12, "{ch:?}");
    }

    #[test]
    fn chi2_quantile_matches_tables() {
        // chi2.ppf(0.99, 10) = 23.209, chi2.ppf(0.999, 100) = 149.449, (0.95, 400) = 447.632
        for (k, p, want) in [
            (10, 0.01, 23.209),
            (100, 0.001, 149.449),
            (400, 0.05, 447.632),
        ] {
            let q = chi2_upper_quantile(k, p);
            assert!((q - want).abs() / want < 0.01, "k={k} p={p}: {q} vs {want}");
        }
        assert!((normal_upper_quantile(0.025) - 1.959_963_985).abs() < 1e-6);
        assert!((normal_upper_quantile(1e-4) - 3.719_016_485).abs() < 1e-6);
    }
}
