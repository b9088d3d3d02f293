//! Dense linear-algebra kernels shared by the readouts: a parallel symmetric rank-k update,
//! a parallel `Z Zᵀ` kernel, Cholesky solves with several right-hand sides, and the
//! eigendecomposition used to solve ridge for many penalties at once.
//!
//! Products and Cholesky factorisations run on [faer](https://docs.rs/faer) (pure Rust,
//! AVX2/AVX-512 kernels chosen at run time). Debian's OpenBLAS 0.3.21 detects this project's
//! reference CPU (an AVX-512 Xeon VM) as "Prescott" and runs generic SSE3 kernels at about a
//! fifth of the speed; LAPACK (through ndarray-linalg) is kept for the symmetric
//! eigendecomposition. faer always runs sequentially here ([`Par::Seq`]): parallelism comes
//! from rayon over fixed, disjoint blocks, so every result is bit-identical for any thread
//! count.

use crate::error::{ReadoutError, Result};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::prelude::Solve;
use faer::{Accum, MatMut, MatRef, Par, Side};
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use ndarray_linalg::{EighInto, UPLO};
use rayon::prelude::*;

/// Row-stripe height of [`syrk_upper_add`]: each task owns one stripe of this many rows of
/// `C`. Stripes near the top of the triangle cost more than those near the bottom; with
/// dynamic assignment of small stripes the threads finish together.
const STRIPE: usize = 64;

/// A faer view of an ndarray view (no copy; any strides).
pub(crate) fn fview(a: ArrayView2<'_, f64>) -> MatRef<'_, f64> {
    let (r, c) = a.dim();
    let st = a.strides();
    // SAFETY: the pointer, shape and strides come from a live ndarray view of `r × c`
    // elements, borrowed for the returned lifetime.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), r, c, st[0], st[1]) }
}

/// A mutable faer view of an ndarray view (no copy; any strides).
pub(crate) fn fview_mut(mut a: ArrayViewMut2<'_, f64>) -> MatMut<'_, f64> {
    let (r, c) = a.dim();
    let (s0, s1) = (a.strides()[0], a.strides()[1]);
    // SAFETY: as in `fview`; the view is unique for the returned lifetime.
    unsafe { MatMut::from_raw_parts_mut(a.as_mut_ptr(), r, c, s0, s1) }
}

/// `C = A B` (`accumulate = false`) or `C += A B`, sequential faer kernel.
pub(crate) fn gemm(
    c: ArrayViewMut2<'_, f64>,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    accumulate: bool,
) {
    let beta = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    matmul(fview_mut(c), beta, fview(a), fview(b), 1.0, Par::Seq);
}

/// `C += AᵀA`, updating only the upper triangle (`j >= i`) of `C` (the strictly lower
/// triangle is left unspecified: call [`mirror_upper`] before reading it).
///
/// The work is split into row stripes of `C`, computed in parallel with rayon (the stripes
/// are disjoint, so the result does not depend on the thread count): per stripe, the
/// upper triangle of its diagonal block, then the block right of it. Costs `n p²` flops,
/// half of a full `AᵀA`. Fastest when `a` is column-major (each column contiguous): the
/// product then reads it without packing.
pub(crate) fn syrk_upper_add(c: &mut Array2<f64>, a: ArrayView2<'_, f64>) {
    syrk_upper_add_with(c, a, &rayon_for);
}

/// A parallel loop on rayon's pool: `f(i)` for every `i in 0..n`.
pub(crate) fn rayon_for(n: usize, f: &(dyn Fn(usize) + Sync)) {
    (0..n).into_par_iter().for_each(f);
}

/// [`syrk_upper_add`] with the stripes run by `par` (`par(n, f)` must call `f(i)` once for
/// every `i in 0..n`, on any threads, and return when all calls are done). The stripes and
/// each stripe's product are fixed, so the result does not depend on `par`.
#[allow(clippy::type_complexity)] // a parallel loop: (n, f) -> f(0..n)
pub(crate) fn syrk_upper_add_with(
    c: &mut Array2<f64>,
    a: ArrayView2<'_, f64>,
    par: &(dyn Fn(usize, &(dyn Fn(usize) + Sync)) + Sync),
) {
    debug_assert_eq!(c.nrows(), a.ncols());
    if a.nrows() == 0 {
        return;
    }
    let stripes: Vec<std::sync::Mutex<(usize, ndarray::ArrayViewMut2<'_, f64>)>> = c
        .axis_chunks_iter_mut(Axis(0), STRIPE)
        .enumerate()
        .map(|(i, s)| std::sync::Mutex::new((i * STRIPE, s)))
        .collect();
    par(stripes.len(), &|k| {
        let mut g = stripes[k].lock().unwrap_or_else(|e| e.into_inner());
        let (i0, stripe) = &mut *g;
        let i0 = *i0;
        let i1 = i0 + stripe.nrows();
        let ai = a.slice(s![.., i0..i1]);
        // The diagonal block: its upper triangle only.
        triangular::matmul(
            fview_mut(stripe.slice_mut(s![.., i0..i1])),
            BlockStructure::TriangularUpper,
            Accum::Add,
            fview(ai.t()),
            BlockStructure::Rectangular,
            fview(ai),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        if i1 < a.ncols() {
            gemm(
                stripe.slice_mut(s![.., i1..]),
                ai.t(),
                a.slice(s![.., i1..]),
                true,
            );
        }
    });
}

/// The kernel `Z Zᵀ` (`n × n`, symmetric, both triangles filled) of the rows of `z`
/// (`n × p`), in parallel row stripes of the lower triangle (`n² p` flops).
pub fn gram_rows(z: ArrayView2<'_, f64>) -> Array2<f64> {
    let n = z.nrows();
    let mut k = Array2::<f64>::zeros((n, n));
    if n == 0 {
        return k;
    }
    let mut stripes: Vec<(usize, ndarray::ArrayViewMut2<'_, f64>)> = k
        .axis_chunks_iter_mut(Axis(0), STRIPE)
        .enumerate()
        .map(|(i, s)| (i * STRIPE, s))
        .collect();
    stripes.par_iter_mut().for_each(|(i0, stripe)| {
        let i0 = *i0;
        let i1 = i0 + stripe.nrows();
        let cs = stripe.slice_mut(s![.., ..i1]);
        gemm(
            cs,
            z.slice(s![i0..i1, ..]),
            z.slice(s![..i1, ..]).t(),
            false,
        );
    });
    // Mirror the lower triangle (stripes also filled their diagonal block fully).
    for i in 0..n {
        for j in 0..i {
            k[[j, i]] = k[[i, j]];
        }
    }
    k
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

/// Solve `A X = B` for symmetric positive-definite `A` (consumed; only its lower triangle is
/// read) by Cholesky factorisation (faer, sequential), all columns of `B` at once.
pub fn cholesky_solve(a: Array2<f64>, b: &Array2<f64>) -> Result<Array2<f64>> {
    let n = a.nrows();
    let f = fview(a.view()).llt(Side::Lower).map_err(|e| {
        ReadoutError::Singular(format!(
            "the {n}×{n} regularised Gram matrix is not positive definite ({e:?})"
        ))
    })?;
    let mut x = b.clone();
    f.solve_in_place(fview_mut(x.view_mut()));
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

    #[test]
    fn gram_rows_matches_product_and_ignores_thread_count() {
        // Irrational-ish entries so that summation order would show in the last bits.
        let z = Array::from_shape_fn((300, 77), |(i, j)| ((i * 7 + j * 13) as f64 * 0.37).sin());
        let full = z.dot(&z.t());
        let pool = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        };
        let k1 = pool(1).install(|| gram_rows(z.view()));
        let k3 = pool(3).install(|| gram_rows(z.view()));
        assert_eq!(k1, k3, "1 and 3 threads must give the same bits");
        let err = (&k1 - &full).mapv(f64::abs).fold(0.0f64, |m, &x| m.max(x));
        assert!(err < 1e-11, "max error {err}");
        assert_eq!(k1, k1.t(), "symmetric");
    }

    #[test]
    fn cholesky_rejects_indefinite_matrix() {
        let a = Array::from_shape_fn((3, 3), |(i, j)| if i == j { -1.0 } else { 0.0 });
        let b = Array2::ones((3, 1));
        assert!(matches!(
            cholesky_solve(a, &b),
            Err(ReadoutError::Singular(_))
        ));
    }

    #[test]
    fn cholesky_solve_with_strided_rhs_and_many_columns() {
        let m = Array::from_shape_fn((40, 40), |(i, j)| ((i * 3 + j * 5) as f64 * 0.1).cos());
        let a = m.t().dot(&m) + Array2::<f64>::eye(40);
        let b = Array::from_shape_fn((40, 7), |(i, j)| (i as f64 - j as f64) * 0.25);
        let x = cholesky_solve(a.clone(), &b).unwrap();
        let r = a.dot(&x) - &b;
        assert!(r.iter().all(|v| v.abs() < 1e-10), "{r}");
    }
}
