//! Synthetic data shared by the integration tests.
#![allow(dead_code)]

use lsm_core::rng_for;
use ndarray::{Array1, Array2};
use rand_distr::{Distribution, Normal};

/// `n × p` standard normal matrix from `seed`.
pub fn normal(n: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut rng = rng_for(seed, 99);
    let d = Normal::new(0.0, 1.0).unwrap();
    Array2::from_shape_simple_fn((n, p), || d.sample(&mut rng))
}

/// Linear data `y = x w + b + noise` with features of varied scales and offsets.
pub struct Linear {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    pub w: Array2<f64>,
    pub b: Array1<f64>,
}

pub fn linear(n: usize, p: usize, k: usize, noise: f64, seed: u64) -> Linear {
    let mut x = normal(n, p, seed);
    for (j, mut c) in x.columns_mut().into_iter().enumerate() {
        c.mapv_inplace(|v| v * (1.0 + j as f64) + 3.0 * j as f64 - 5.0);
    }
    let w = normal(p, k, seed + 1);
    let b = Array1::from_shape_fn(k, |i| i as f64 - 1.0);
    let e = normal(n, k, seed + 2) * noise;
    let y = x.dot(&w) + &b + e;
    Linear { x, y, w, b }
}

pub fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    (a - b).iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// A matrix from rows read from a JSON fixture.
pub fn to2(v: &[Vec<f64>]) -> Array2<f64> {
    Array2::from_shape_fn((v.len(), v[0].len()), |(i, j)| v[i][j])
}
