//! Spectral radius of a sparse (non-symmetric) recurrent weight matrix.
//!
//! The matrix is `W[post, pre] = Σ weight` over the synapses `pre → post` (delays ignored,
//! multapses summed). Its spectral radius is `ρ(W) = max |λ|` over the (complex) eigenvalues.
//!
//! * For `n <= DENSE_MAX` neurons, `W` is assembled densely and all eigenvalues are computed by
//!   the real Schur decomposition (Francis QR, nalgebra): exact to rounding.
//! * Above that, Arnoldi iteration on the sparse matrix (CSR mat-vec, modified Gram-Schmidt with
//!   re-orthogonalisation) from the deterministic start vector `x_i = 1 + 0.5 sin(i + 1)`
//!   builds a Krylov basis of dimension up to `ARNOLDI_DIM`; the largest-modulus Ritz value
//!   (eigenvalue of the Hessenberg matrix, by Schur) is the estimate. It is exact when the
//!   Krylov space becomes invariant, and accurate to ~1e-6 relative when the largest
//!   eigenvalue is separated in modulus from the rest (the usual case of E/I networks with a
//!   non-zero mean weight); for a bulk-dominated spectrum (balanced random matrices) it
//!   slightly underestimates `ρ`.

use lsm_core::Real;
use nalgebra::DMatrix;

/// Largest `n` for which the dense Schur decomposition is used.
pub const DENSE_MAX: usize = 1500;
/// Krylov dimension of the Arnoldi estimate.
pub const ARNOLDI_DIM: usize = 300;

fn max_modulus(h: DMatrix<Real>) -> Real {
    let n = h.nrows();
    if n == 0 {
        return 0.0;
    }
    let eig = match nalgebra::linalg::Schur::try_new(h.clone(), 1e-14, 100_000) {
        Some(s) => s.complex_eigenvalues(),
        None => nalgebra::linalg::Schur::new(h).complex_eigenvalues(),
    };
    eig.iter().map(|z| z.norm()).fold(0.0, Real::max)
}

/// Spectral radius of the `n × n` matrix with entries `W[post[k], pre[k]] += weight[k]`.
pub fn spectral_radius(n: usize, pre: &[u32], post: &[u32], weight: &[Real]) -> Real {
    if n == 0 || weight.is_empty() {
        return 0.0;
    }
    if n <= DENSE_MAX {
        let mut m = DMatrix::<Real>::zeros(n, n);
        for k in 0..weight.len() {
            m[(post[k] as usize, pre[k] as usize)] += weight[k];
        }
        return max_modulus(m);
    }
    arnoldi_radius(n, pre, post, weight, ARNOLDI_DIM)
}

/// Arnoldi estimate of the spectral radius with Krylov dimension `dim` (see module docs).
pub fn arnoldi_radius(n: usize, pre: &[u32], post: &[u32], weight: &[Real], dim: usize) -> Real {
    let m = dim.min(n);
    let matvec = |x: &[Real], y: &mut [Real]| {
        y.fill(0.0);
        for k in 0..weight.len() {
            y[post[k] as usize] += weight[k] * x[pre[k] as usize];
        }
    };
    let mut v: Vec<Vec<Real>> = Vec::with_capacity(m + 1);
    let mut x: Vec<Real> = (0..n)
        .map(|i| 1.0 + 0.5 * ((i + 1) as Real).sin())
        .collect();
    let nx = x.iter().map(|a| a * a).sum::<Real>().sqrt();
    x.iter_mut().for_each(|a| *a /= nx);
    v.push(x);
    let mut h = DMatrix::<Real>::zeros(m, m);
    let mut w = vec![0.0; n];
    let mut k_used = m;
    for j in 0..m {
        matvec(&v[j], &mut w);
        let scale = w.iter().map(|a| a * a).sum::<Real>().sqrt();
        for _pass in 0..2 {
            for (i, vi) in v.iter().enumerate().take(j + 1) {
                let c: Real = vi.iter().zip(&w).map(|(a, b)| a * b).sum();
                h[(i, j)] += c;
                w.iter_mut().zip(vi).for_each(|(b, a)| *b -= c * a);
            }
        }
        let nw = w.iter().map(|a| a * a).sum::<Real>().sqrt();
        if j + 1 == m {
            break;
        }
        if nw <= 1e-12 * scale.max(1e-300) {
            // Invariant subspace: the Ritz values are exact eigenvalues.
            k_used = j + 1;
            break;
        }
        h[(j + 1, j)] = nw;
        v.push(w.iter().map(|a| a / nw).collect());
    }
    let hk = h.view((0, 0), (k_used, k_used)).into_owned();
    max_modulus(hk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_has_complex_pair_of_modulus_two() {
        // [[0, -2], [2, 0]]: eigenvalues ±2i; plain power iteration would oscillate.
        let r = spectral_radius(2, &[1, 0], &[0, 1], &[-2.0, 2.0]);
        assert!((r - 2.0).abs() < 1e-12, "{r}");
        let r = arnoldi_radius(2, &[1, 0], &[0, 1], &[-2.0, 2.0], 10);
        assert!((r - 2.0).abs() < 1e-12, "{r}");
    }

    #[test]
    fn cyclic_permutation_and_triangular() {
        // A 5-cycle scaled by 0.7: all eigenvalues have modulus 0.7.
        let pre: Vec<u32> = (0..5).collect();
        let post: Vec<u32> = (0..5).map(|i| (i + 1) % 5).collect();
        let r = spectral_radius(5, &pre, &post, &[0.7; 5]);
        assert!((r - 0.7).abs() < 1e-12, "{r}");
        // Upper triangular: eigenvalues are the diagonal.
        let r = spectral_radius(3, &[0, 1, 2, 2], &[0, 1, 2, 0], &[0.5, -3.0, 1.0, 9.0]);
        assert!((r - 3.0).abs() < 1e-12, "{r}");
    }
}
