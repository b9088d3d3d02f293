//! Readout benchmarks at the size of a full FSDD training set: 2,250 samples × 4,000
//! features (10 classes).
//!
//! `cargo bench -p lsm-readout --bench readout`

use criterion::{criterion_group, criterion_main, Criterion};
use lsm_core::rng_for;
use lsm_readout::{
    Folds, GramAccumulator, LogisticParams, LogisticRegression, RidgeClassifier,
    RidgeClassifierParams, RidgeParams,
};
use ndarray::Array2;
use rand_distr::{Distribution, Normal};
use std::hint::black_box;

const N: usize = 2250;
const P: usize = 4000;
const K: usize = 10;

fn data() -> (Array2<f64>, Vec<usize>, Array2<f64>) {
    let mut rng = rng_for(1, 0);
    let d = Normal::new(0.0, 1.0).unwrap();
    let mut x = Array2::from_shape_simple_fn((N, P), || d.sample(&mut rng));
    let labels: Vec<usize> = (0..N).map(|i| i % K).collect();
    for (i, &l) in labels.iter().enumerate() {
        for j in 0..20 {
            x[[i, l * 20 + j]] += 0.5;
        }
    }
    let mut y = Array2::from_elem((N, K), -1.0);
    for (i, &l) in labels.iter().enumerate() {
        y[[i, l]] = 1.0;
    }
    (x, labels, y)
}

fn bench(c: &mut Criterion) {
    let (x, labels, y) = data();
    let mut g = c.benchmark_group("readout_2250x4000");
    g.sample_size(10);
    g.bench_function("gram_accumulate_batch", |b| {
        b.iter(|| {
            let mut acc = GramAccumulator::new(P, K);
            acc.add_batch(x.view(), y.view()).unwrap();
            black_box(acc.n_samples())
        })
    });
    g.bench_function("gram_accumulate_per_sample", |b| {
        b.iter(|| {
            let mut acc = GramAccumulator::new(P, K);
            for (xr, yr) in x.rows().into_iter().zip(y.rows()) {
                acc.add(xr, yr).unwrap();
            }
            acc.flush();
            black_box(acc.n_samples())
        })
    });
    let mut acc = GramAccumulator::new(P, K);
    acc.add_batch(x.view(), y.view()).unwrap();
    let params = RidgeParams::new().alpha(10.0).check().unwrap();
    g.bench_function("ridge_solve_from_gram", |b| {
        b.iter(|| black_box(acc.solve(&params).unwrap()))
    });
    drop(acc);
    let cp = RidgeClassifierParams::new().alpha(10.0).check().unwrap();
    g.bench_function("ridge_classifier_fit_dual", |b| {
        b.iter(|| {
            black_box(
                RidgeClassifier::fit_labels(x.view(), &labels, &cp, &Folds::Groups(vec![]))
                    .unwrap(),
            )
        })
    });
    let lp = LogisticParams::new().alpha(1.0).tol(1e-5).check().unwrap();
    g.bench_function("logistic_fit", |b| {
        b.iter(|| black_box(LogisticRegression::fit_labels(x.view(), &labels, &lp).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
