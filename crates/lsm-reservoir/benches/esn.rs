//! Echo state network speed: the state update of a 1000-unit ESN (in-degree 10 and 100, i.e.
//! reservoirpy's densities 0.01 and 0.1) over 1000 input steps, and building the weights
//! (including the spectral radius by implicitly restarted Arnoldi).
//!
//! The 50 000-step run-and-fit comparison with reservoirpy is `scripts/bench/timeseries.sh
//! --speed-only`. `cargo bench -p lsm-reservoir --bench esn`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lsm_reservoir::esn::{Esn, EsnConfig};
use ndarray::Array2;
use std::hint::black_box;

fn cfg(k: usize) -> EsnConfig {
    EsnConfig {
        n_units: 1000,
        in_degree: k,
        spectral_radius: 0.95,
        ..EsnConfig::default()
    }
}

fn bench(c: &mut Criterion) {
    let steps = 1000;
    let u = Array2::from_shape_fn((steps, 1), |(t, _)| (t as f64 * 0.05).sin());
    let mut g = c.benchmark_group("esn_1000_units_1000_steps");
    g.throughput(Throughput::Elements(steps as u64));
    for k in [10usize, 100] {
        let esn = Esn::build(&cfg(k), 1, 1).unwrap();
        g.bench_with_input(BenchmarkId::new("in_degree", k), &k, |b, _| {
            let mut x = vec![0.0; 1000];
            b.iter(|| {
                let mut acc = 0.0;
                esn.run_with(u.view(), &mut x, 0.0, None, |_, s| acc += s[0])
                    .unwrap();
                black_box(acc)
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("esn_build_1000_units");
    g.sample_size(10);
    for k in [10usize, 100] {
        g.bench_with_input(BenchmarkId::new("in_degree", k), &k, |b, &k| {
            b.iter(|| black_box(Esn::build(&cfg(k), 1, 1).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
