//! Simulation speed on the Brian2 anchor model (see `lsm_reservoir::anchor`): N ∈ {1000, 4000},
//! 1 s of biological time (10 000 steps at dt = 0.1 ms) after the initial state.
//!
//! Throughput is reported in steps/s; the synaptic events of one run (recurrent spikes × 100,
//! plus external drive events) are printed once, so events/s = events × runs/s.
//! `cargo bench -p lsm-reservoir --bench simulate`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lsm_reservoir::anchor::anchor_network;
use lsm_reservoir::{Drive, Network, RecordSpec, Recording};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("anchor_1s");
    g.sample_size(10);
    for n in [1000usize, 4000] {
        let n_steps = 10_000;
        let (spec, drive) = anchor_network(n, n_steps, 1).unwrap();
        let net = Network::from_spec(&spec).unwrap();
        let mut ws = net.workspace();
        let mut out = Recording::default();
        let spec = RecordSpec::default();
        net.run_into(
            Drive::Spikes(&drive),
            n_steps,
            &spec,
            0,
            0,
            &mut ws,
            &mut out,
        )
        .unwrap();
        let rec_events = out.n_events - drive.n_spikes() as u64;
        eprintln!(
            "N={n}: {} spikes ({:.2} Hz), {rec_events} recurrent + {} drive synaptic events per run",
            out.n_spikes,
            out.n_spikes as f64 / n as f64,
            drive.n_spikes()
        );
        g.throughput(Throughput::Elements(n_steps as u64));
        g.bench_with_input(BenchmarkId::new("steps", n), &n, |b, _| {
            b.iter(|| {
                net.run_into(
                    Drive::Spikes(black_box(&drive)),
                    n_steps,
                    &spec,
                    0,
                    0,
                    &mut ws,
                    &mut out,
                )
                .unwrap();
                black_box(out.n_spikes)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
