//! The Brian2 speed-anchor network (`lsm_reservoir::anchor`) in lsm, timed; optionally
//! exported as a network file for `scripts/bench/brian2_speed.py`.
//!
//! Model: dimensionless LIF (threshold 1, reset 0, rest 0, refractory 2 ms, tau_m 20 ms,
//! exponential currents tau_e 5 ms / tau_i 10 ms, R = 1), dt = 0.1 ms, 80 % excitatory,
//! fixed out-degree K = 100 (no autapses), w_e = +0.2, w_i = -1.0, no delays, initial v ~ U[0, 1).
//! External drive: per neuron and step, Binomial(100, 20 Hz · dt) input events of weight 0.2
//! (Brian2's `PoissonInput`), given as input spikes on one channel per neuron.
//!
//! ```text
//! cargo run --release -p lsm-reservoir --example anchor -- [N] [--export NET.json]
//! cargo run --release -p lsm-reservoir --example anchor -- fsdd
//! ```
use lsm_core::{rng_for, Real, SpikeTrains};
use lsm_reservoir::anchor::{anchor_spec, brian2_lif, poisson_drive};
use lsm_reservoir::{run_batch, Bins, Drive, GeneratorConfig, Network, RecordSpec, Topology};
use rand::Rng;
use std::time::Instant;

/// CPU time of the calling thread in seconds (Linux `/proc/thread-self/schedstat`), so that
/// figures on a loaded machine compare with Brian2's `_last_run_time` (CPU time); `NaN`
/// elsewhere.
fn thread_cpu_s() -> Real {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<Real>().ok())
        .map_or(Real::NAN, |ns| ns * 1e-9)
}

/// CPU time of the whole process (user + system, all threads) in seconds, from
/// `/proc/self/stat` (clock ticks of 10 ms); `NaN` elsewhere.
fn process_cpu_s() -> Real {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|t| {
            let rest = &t[t.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<Real>().ok()? + f.get(12)?.parse::<Real>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(Real::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("fsdd") {
        let n_samples = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2500);
        return fsdd_like(n_samples);
    }
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let spec = anchor_spec(n, 1).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    if let Some(i) = args.iter().position(|a| a == "--export") {
        let Some(p) = args.get(i + 1).map(std::path::Path::new) else {
            eprintln!("error: --export needs a file name");
            std::process::exit(2)
        };
        if let Err(e) = spec.save(p) {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
        eprintln!("wrote {}", p.display());
        return;
    }
    let net = Network::from_spec(&spec).unwrap();
    let n_steps = 12_000; // 0.2 s transient + 1 s
    let drive = poisson_drive(n, n_steps, 1);
    let mut ws = net.workspace();
    let mut out = Default::default();
    for rep in 0..5 {
        let t0 = Instant::now();
        let c0 = thread_cpu_s();
        net.run_into(
            Drive::Spikes(&drive),
            n_steps,
            &RecordSpec::default(),
            0,
            0,
            &mut ws,
            &mut out,
        )
        .unwrap();
        let wall = t0.elapsed().as_secs_f64();
        let cpu = thread_cpu_s() - c0;
        let rec_events = out.n_events - drive.n_spikes() as u64;
        println!(
            "N={n} rep {rep}: cpu {cpu:.3} s, wall {:.3} s for 1.2 s bio, {} spikes ({:.2} Hz), recurrent events {:.3e} ({:.3e}/s), all events {:.3e}/s, {:.0} steps/s",
            wall,
            out.n_spikes,
            out.n_spikes as Real / n as Real / 1.2,
            rec_events as Real,
            rec_events as Real / wall,
            out.n_events as Real / wall,
            n_steps as Real / wall
        );
    }
}

/// An FSDD-sized job: 2 500 samples of 500 steps (dt = 1 ms) through 1 000 LIF neurons,
/// p = 0.1, 32 input channels at ~40 Hz, 4 count bins per sample, run as a rayon batch.
fn fsdd_like(n_samples: usize) {
    let cfg = GeneratorConfig {
        dt_ms: 1.0,
        n_neurons: Some(1000),
        neuron: brian2_lif(),
        topology: Topology::Random { p: 0.1 },
        weight_scale: lsm_reservoir::PairScale {
            ee: 0.1,
            ei: 0.1,
            ie: 0.4,
            ii: 0.4,
        },
        delay: lsm_reservoir::Delay::Constant { ms: 0.0 },
        input: lsm_reservoir::InputConfig {
            fraction: 0.2,
            bernoulli: true,
            scale_exc: 0.5,
            scale_inh: 0.5,
            ..Default::default()
        },
        ..GeneratorConfig::default()
    };
    let net = Network::from_spec(&cfg.generate(32, 7).unwrap()).unwrap();
    let mut rng = rng_for(3, 99);
    let inputs: Vec<SpikeTrains> = (0..n_samples)
        .map(|_| {
            let ev: Vec<(usize, usize)> = (0..500)
                .flat_map(|t| (0..32).map(move |c| (t, c)))
                .filter(|_| rng.gen::<Real>() < 0.12)
                .collect();
            SpikeTrains::from_events(32, 1.0, 500, ev).unwrap()
        })
        .collect();
    let drives: Vec<Drive<'_>> = inputs.iter().map(Drive::Spikes).collect();
    let spec = RecordSpec {
        spikes: false,
        bins: Some(Bins::Count(4)),
        ..RecordSpec::default()
    };
    for _ in 0..3 {
        let t0 = Instant::now();
        let c0 = process_cpu_s();
        let recs = run_batch(&net, &drives, &spec, 0).unwrap();
        let wall = t0.elapsed().as_secs_f64();
        let cpu = process_cpu_s() - c0;
        let spikes: usize = recs.iter().map(|r| r.n_spikes).sum();
        let events: u64 = recs.iter().map(|r| r.n_events).sum();
        println!(
            "fsdd-like: cpu {cpu:.2} s, wall {wall:.3} s for {n_samples} × 0.5 s ({} threads): {:.1} Hz, {:.3e} events ({:.3e}/s)",
            rayon::current_num_threads(),
            spikes as Real / 1000.0 / (n_samples as Real * 0.5),
            events as Real,
            events as Real / wall
        );
    }
}
