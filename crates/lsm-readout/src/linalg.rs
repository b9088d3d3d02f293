//! Dense linear-algebra kernels shared by the readouts: a parallel symmetric rank-k update,
//! Cholesky solves with several right-hand sides, and the eigendecomposition used to solve
//! ridge for many penalties at once.

use crate::error::{ReadoutError, Result};
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{EighInto, FactorizeCInto, SolveC, UPLO};
use rayon::prelude::*;

/// Column-block size of [`syrk_upper_add`]: each rayon task owns one stripe of this many rows.
const STRIPE: usize = 128;

/// `C += AᵀA`, updating only the upper triangle (`j >= i`) of `C` (the strictly lower
/// triangle is left unspecified: call [`mirror_upper`] before reading it).
///
/// The work is split into row stripes of `C`, computed in parallel with rayon (the stripes
/// are disjoint, so the result does not depend on the thread count). Costs `n p² ` flops,
/// half of a full `AᵀA`.
pub(crate) fn syrk_upper_add(c: &mut Array2<f64>, a: ArrayView2<'_, f64>) {
    debug_assert_eq!(c.nrows(), a.ncols());
    if a.nrows() == 0 {
        return;
    }
    let mut stripes: Vec<(usize, ndarray::ArrayViewMut2<'_, f64>)> = c
        .axis_chunks_iter_mut(Axis(0), STRIPE)
        .enumerate()
        .map(|(i, s)| (i * STRIPE, s))
        .collect();
    stripes.par_iter_mut().for_each(|(i0, stripe)| {
        let i0 = *i0;
        let i1 = i0 + stripe.nrows();
        let ai = a.slice(s![.., i0..i1]);
        let ar = a.slice(s![.., i0..]);
        let mut cs = stripe.slice_mut(s![.., i0..]);
        general_mat_mul(1.0, &ai.t(), &ar, 1.0, &mut cs);
    });
}

/// Copy the upper triangle of a square matrix onto its lower triangle.
pub(crate) fn mirror_upper(c: &mut Array2<f64>) {
    let n = c.nrows();
    for i in 0..n {
        for j in 0..i {
            c[[i, j]] = c[[j, i]];
        }
    }
}

/// Solve `A X = B` for symmetric positive-definite `A` (consumed) by Cholesky (LAPACK
/// `dpotrf` / `dpotrs`), one column of `B` at a time.
pub(crate) fn cholesky_solve(a: Array2<f64>, b: &Array2<f64>) -> Result<Array2<f64>> {
    let n = a.nrows();
    let f = a.factorizec_into(UPLO::Lower).map_err(|e| {
        ReadoutError::Singular(format!(
            "the {n}×{n} regularised Gram matrix is not positive definite ({e})"
        ))
    })?;
    let mut x = Array2::zeros(b.raw_dim());
    for (j, col) in b.axis_iter(Axis(1)).enumerate() {
        let sol = f.solvec(&col.to_owned())?;
        x.column_mut(j).assign(&sol);
    }
    Ok(x)
}

/// Eigendecomposition of a symmetric matrix (LAPACK `dsyevd`): eigenvalues ascending, clamped
/// at zero (a Gram matrix is positive semi-definite; tiny negative values are rounding), and
/// eigenvectors as columns.
pub(crate) fn eigh_psd(a: Array2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let (mut w, v) = a.eigh_into(UPLO::Upper)?;
    w.mapv_inplace(|x| x.max(0.0));
    Ok((w, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    #[test]
    fn syrk_matches_full_product() {
        let a = Array::from_shape_fn((37, 300), |(i, j)| ((i * 31 + j * 7) % 17) as f64 - 8.0);
        let mut c = Array2::from_elem((300, 300), 1.0);
        syrk_upper_add(&mut c, a.view());
        mirror_upper(&mut c);
        let full = a.t().dot(&a) + 1.0;
        let err = (&c - &full).mapv(f64::abs).fold(0.0f64, |m, &x| m.max(x));
        assert!(err < 1e-9, "max error {err}");
    }

    #[test]
    fn cholesky_solves_spd_system() {
        let a = Array::from_shape_fn((5, 5), |(i, j)| if i == j { 4.0 } else { 1.0 });
        let b = Array::from_shape_fn((5, 2), |(i, j)| (i + j) as f64);
        let x = cholesky_solve(a.clone(), &b).unwrap();
        let r = a.dot(&x) - &b;
        assert!(r.iter().all(|v| v.abs() < 1e-12));
    }
}
