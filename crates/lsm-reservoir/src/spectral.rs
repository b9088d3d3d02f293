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

/// Krylov dimension of [`iram_radius`].
pub const IRAM_DIM: usize = 60;
/// Ritz values kept at each restart of [`iram_radius`].
pub const IRAM_KEEP: usize = 20;

fn norm(x: &[Real]) -> Real {
    x.iter().map(|a| a * a).sum::<Real>().sqrt()
}

/// Residual estimate `|y_m| / |y|` of the Ritz pair of `theta` (complex eigenvector `y` of the
/// Hessenberg matrix `h`, by two steps of inverse iteration with a slightly perturbed shift).
fn ritz_last_component(h: &DMatrix<Real>, theta: nalgebra::Complex<Real>) -> Real {
    use nalgebra::Complex;
    let m = h.nrows();
    let eps = 1e-10 * theta.norm().max(1e-300);
    let shift = theta + Complex::new(eps, eps);
    let a = DMatrix::<Complex<Real>>::from_fn(m, m, |i, j| {
        let v = Complex::new(h[(i, j)], 0.0);
        if i == j {
            v - shift
        } else {
            v
        }
    });
    let lu = a.lu();
    let mut y = nalgebra::DVector::<Complex<Real>>::from_element(m, Complex::new(1.0, 0.0));
    for _ in 0..2 {
        match lu.solve(&y) {
            Some(z) => y = z,
            None => return 0.0, // exactly singular: θ is an exact eigenvalue of h
        }
        let ny = y.norm();
        if !(ny.is_finite() && ny > 0.0) {
            return Real::INFINITY;
        }
        y /= Complex::new(ny, 0.0);
    }
    y[m - 1].norm()
}

/// Spectral radius of the `n × n` linear map `matvec` (`y = A x`, `y` overwritten) by the
/// implicitly restarted Arnoldi method (Sorensen 1992, as ARPACK's `dnaupd` with `which = LM`):
/// a Krylov basis of dimension `m = min(n, IRAM_DIM)` is built from the deterministic start
/// `x_i = 1 + 0.5 sin(i + 1)` (classical Gram-Schmidt with one re-orthogonalisation); the
/// `m − IRAM_KEEP` Ritz values of smallest modulus are applied as exact shifts (real shifts
/// one at a time, complex conjugate pairs together as one real double-shift QR step on the
/// Hessenberg matrix), the basis is compressed to the `IRAM_KEEP` wanted directions and
/// extended again. It stops when the Ritz value of largest modulus `θ` has the residual
/// `‖A y − θ y‖ = β |y_m| <= tol·|θ|` (so `|θ|` is exact to about `tol` times the condition
/// number of the eigenvalue), or when the Krylov space is invariant (then the Ritz values are
/// exact eigenvalues). Returns `None` if it did not converge within `max_restarts` restarts.
/// Cost per restart: `m − IRAM_KEEP` mat-vecs plus `O(n m²)` for the orthogonalisation.
pub fn iram_radius<F: FnMut(&[Real], &mut [Real])>(
    n: usize,
    mut matvec: F,
    tol: Real,
    max_restarts: usize,
) -> Option<Real> {
    if n == 0 {
        return Some(0.0);
    }
    let m = IRAM_DIM.min(n);
    let mut v: Vec<Vec<Real>> = Vec::with_capacity(m + 1);
    let mut x: Vec<Real> = (0..n)
        .map(|i| 1.0 + 0.5 * ((i + 1) as Real).sin())
        .collect();
    let nx = norm(&x);
    x.iter_mut().for_each(|a| *a /= nx);
    v.push(x);
    let mut h = DMatrix::<Real>::zeros(m, m);
    let mut w = vec![0.0; n];
    let mut f = vec![0.0; n];
    let mut beta = 0.0;
    let mut j0 = 0;
    let mut coef = vec![0.0; m];
    for _restart in 0..=max_restarts {
        // Extend the Arnoldi factorisation A V_j = V_j H_j + f e_jᵀ from j0 to m columns.
        for j in j0..m {
            matvec(&v[j], &mut w);
            let scale = norm(&w);
            for _pass in 0..2 {
                for (i, vi) in v.iter().enumerate().take(j + 1) {
                    coef[i] = vi.iter().zip(&w).map(|(a, b)| a * b).sum();
                }
                for (i, vi) in v.iter().enumerate().take(j + 1) {
                    let c = coef[i];
                    h[(i, j)] += c;
                    w.iter_mut().zip(vi).for_each(|(b, a)| *b -= c * a);
                }
            }
            let nw = norm(&w);
            if nw <= 1e-12 * scale.max(1e-300) || (j + 1 == n) {
                // Invariant subspace: the Ritz values are exact eigenvalues.
                return Some(max_modulus(h.view((0, 0), (j + 1, j + 1)).into_owned()));
            }
            if j + 1 < m {
                h[(j + 1, j)] = nw;
                let vn: Vec<Real> = w.iter().map(|a| a / nw).collect();
                if v.len() > j + 1 {
                    v[j + 1] = vn;
                } else {
                    v.push(vn);
                }
            } else {
                f.copy_from_slice(&w);
                beta = nw;
            }
        }
        // Ritz values, largest modulus first.
        let eig = match nalgebra::linalg::Schur::try_new(h.clone(), 1e-14, 100_000) {
            Some(s) => s.complex_eigenvalues(),
            None => return None,
        };
        let mut eig: Vec<nalgebra::Complex<Real>> = eig.iter().cloned().collect();
        eig.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
        let theta = eig[0];
        let res = beta * ritz_last_component(&h, theta);
        if res <= tol * theta.norm() {
            return Some(theta.norm());
        }
        // Keep IRAM_KEEP wanted values; do not split a conjugate pair at the boundary.
        let mut k = IRAM_KEEP.min(m - 1);
        if eig[k - 1].im != 0.0 && (eig[k].im + eig[k - 1].im).abs() <= 1e-12 * eig[k].norm() {
            k += 1;
        }
        if k >= m {
            k = m - 2;
        }
        // Apply the unwanted Ritz values as exact shifts.
        let mut qacc = DMatrix::<Real>::identity(m, m);
        let eye = DMatrix::<Real>::identity(m, m);
        let mut i = k;
        while i < m {
            let mu = eig[i];
            let pair = mu.im != 0.0
                && i + 1 < m
                && (eig[i + 1].im + mu.im).abs() <= 1e-12 * mu.norm().max(1e-300);
            let shifted = if pair {
                &h * &h - &h * (2.0 * mu.re) + &eye * mu.norm_sqr()
            } else {
                &h - &eye * mu.re
            };
            let q = shifted.qr().q();
            h = q.transpose() * &h * &q;
            qacc *= &q;
            i += if pair { 2 } else { 1 };
        }
        for c in 0..m {
            for r in c + 2..m {
                h[(r, c)] = 0.0;
            }
        }
        // Compress: V ← V Q (first k + 1 columns), new residual f⁺.
        let mut vnew: Vec<Vec<Real>> = vec![vec![0.0; n]; k + 1];
        for (c, vc) in vnew.iter_mut().enumerate() {
            for (r, vr) in v.iter().enumerate().take(m) {
                let q = qacc[(r, c)];
                if q != 0.0 {
                    vc.iter_mut().zip(vr).for_each(|(d, s)| *d += q * s);
                }
            }
        }
        let sigma = qacc[(m - 1, k - 1)];
        let hk = h[(k, k - 1)];
        let mut fplus: Vec<Real> = vnew[k]
            .iter()
            .zip(&f)
            .map(|(a, b)| a * hk + b * sigma)
            .collect();
        let bk = norm(&fplus);
        for r in 0..m {
            for c in 0..m {
                if r >= k || c >= k {
                    h[(r, c)] = 0.0;
                }
            }
        }
        vnew.truncate(k);
        v = vnew;
        if bk <= 1e-14 * theta.norm().max(1e-300) {
            // The kept space is invariant.
            return Some(max_modulus(h.view((0, 0), (k, k)).into_owned()));
        }
        fplus.iter_mut().for_each(|a| *a /= bk);
        v.push(fplus);
        h[(k, k - 1)] = bk;
        j0 = k;
    }
    None
}

/// Spectral radius of a CSR matrix (`indptr`, `indices`, `values`, row = output), exact to
/// about `1e-11` relative: the dense real Schur form for `n <= 64`, otherwise
/// [`iram_radius`] with tolerance `1e-12`, falling back to the dense Schur form if it does
/// not converge within 400 restarts.
pub fn csr_radius(n: usize, indptr: &[u32], indices: &[u32], values: &[Real]) -> Real {
    let dense = || {
        let mut m = DMatrix::<Real>::zeros(n, n);
        for i in 0..n {
            for p in indptr[i] as usize..indptr[i + 1] as usize {
                m[(i, indices[p] as usize)] += values[p];
            }
        }
        max_modulus(m)
    };
    if n == 0 || values.is_empty() {
        return 0.0;
    }
    if n <= 64 {
        return dense();
    }
    let matvec = |x: &[Real], y: &mut [Real]| {
        for (i, yi) in y.iter_mut().enumerate() {
            let (a, b) = (indptr[i] as usize, indptr[i + 1] as usize);
            *yi = indices[a..b]
                .iter()
                .zip(&values[a..b])
                .map(|(c, v)| v * x[*c as usize])
                .sum();
        }
    };
    iram_radius(n, matvec, 1e-12, 400).unwrap_or_else(dense)
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

    /// A deterministic random sparse matrix (N(0,1) weights by Box-Muller on an LCG), CSR.
    fn random_csr(n: usize, k: usize, seed: u64) -> (Vec<u32>, Vec<u32>, Vec<Real>) {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as Real + 0.5) / (1u64 << 53) as Real
        };
        let (mut ip, mut ix, mut vals) = (vec![0u32], Vec::new(), Vec::new());
        for _ in 0..n {
            let mut cols: Vec<u32> = Vec::new();
            while cols.len() < k {
                let c = ((next() * n as Real) as u32).min(n as u32 - 1);
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
            cols.sort_unstable();
            for c in cols {
                ix.push(c);
                let (u1, u2) = (next(), next());
                vals.push((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos());
            }
            ip.push(ix.len() as u32);
        }
        (ip, ix, vals)
    }

    #[test]
    fn iram_matches_dense_schur_on_random_matrices() {
        // Bulk-dominated spectra (circular law, no outlier): the hard case for Krylov methods.
        for (n, k, seed) in [(150, 10, 1), (300, 10, 2), (400, 40, 3), (250, 250, 4)] {
            let (ip, ix, vals) = random_csr(n, k, seed);
            let mut m = DMatrix::<Real>::zeros(n, n);
            for i in 0..n {
                for p in ip[i] as usize..ip[i + 1] as usize {
                    m[(i, ix[p] as usize)] += vals[p];
                }
            }
            let exact = max_modulus(m);
            let fast = csr_radius(n, &ip, &ix, &vals);
            // No silent fallback to the dense path: the restarted iteration converges.
            let matvec = |x: &[Real], y: &mut [Real]| {
                for (i, yi) in y.iter_mut().enumerate() {
                    let (a, b) = (ip[i] as usize, ip[i + 1] as usize);
                    *yi = (a..b).map(|p| vals[p] * x[ix[p] as usize]).sum();
                }
            };
            let iram = iram_radius(n, matvec, 1e-12, 400).expect("IRAM converges");
            assert_eq!(iram, fast);
            assert!(
                (fast - exact).abs() < 1e-9 * exact,
                "n {n} k {k}: IRAM {fast} vs dense {exact}"
            );
        }
    }

    #[test]
    fn iram_small_and_invariant_cases() {
        // 5-cycle of weight 0.7 embedded in a 100-unit matrix with an identity block of 0.3:
        // the spectral radius is 0.7 and the Krylov space becomes invariant.
        let n = 100;
        let mut ip = vec![0u32];
        let mut ix = Vec::new();
        let mut vals = Vec::new();
        for i in 0..n {
            if i < 5 {
                ix.push(((i + 4) % 5) as u32);
                vals.push(0.7);
            } else {
                ix.push(i as u32);
                vals.push(0.3);
            }
            ip.push(ix.len() as u32);
        }
        let r = csr_radius(n, &ip, &ix, &vals);
        assert!((r - 0.7).abs() < 1e-12, "{r}");
    }
}
