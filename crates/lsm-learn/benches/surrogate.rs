//! Surrogate-gradient training speed: the loss and gradient of one sample (forward pass and
//! backward pass through time) for the FSDD-sized network of the methods table: 32 input
//! channels firing about 100 Hz each, 700 steps of 1 ms, 128 and 1,000 hidden LIF neurons,
//! 10 outputs, membrane loss.
//!
//! `cargo bench -p lsm-learn --bench surrogate`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lsm_core::{rng_for, SpikeTrains};
use lsm_learn::surrogate::{ForwardMode, SurrogateConfig, SurrogateNet};
use rand::Rng;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let (channels, steps) = (32usize, 700usize);
    let mut rng = rng_for(7, 0);
    let events: Vec<(usize, usize)> = (0..steps)
        .flat_map(|t| (0..channels).map(move |ch| (t, ch)))
        .filter(|_| rng.gen::<f64>() < 0.1)
        .collect();
    let x = SpikeTrains::from_events(channels, 1.0, steps, events).unwrap();
    let mut g = c.benchmark_group("surrogate_sample_gradient_700_steps");
    g.throughput(Throughput::Elements(steps as u64));
    g.sample_size(20);
    for hidden in [128usize, 1000] {
        let config = SurrogateConfig {
            hidden,
            ..SurrogateConfig::default()
        };
        let net = SurrogateNet::init(&config, channels, 10, 1.0, 42).unwrap();
        let mut ws = net.workspace();
        g.bench_with_input(BenchmarkId::new("hidden", hidden), &hidden, |b, _| {
            b.iter(|| {
                let (loss, grad) = net
                    .loss_and_gradient(&x, 3, ForwardMode::Spiking, &mut ws)
                    .unwrap();
                black_box((loss, grad.w_out[[0, 0]]))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
