//! Pattern generators learned with feedback: an echo state network and a spiking reservoir
//! learn to produce a signal from their own fed-back output, by FORCE learning (Sussillo &
//! Abbott 2009; Nicola & Clopath 2017 for spiking networks) and by teacher forcing.
//!
//! ```sh
//! cargo run --release --example force_generator
//! cargo run --release --example force_generator -- --quick   # ESNs only
//! ```
//!
//! Two targets, both built here from the seed:
//! * **sum of sinusoids** (periods 60, 25 and 12 steps), with a constant input: the
//!   reservoir must keep generating the pattern on its own;
//! * **Jaeger's sine-frequency generator**: a slow input (a random staircase, one level every
//!   200 steps) sets the frequency of the sine to generate.
//!
//! Each model is scored in closed loop on the test segment: 10 free runs of 300 steps, each
//! from a teacher-forced start; the readout's output is fed back through the feedback weights
//! (the input comes from the data). Printed: the NRMSE over the whole horizon and the mean
//! number of steps before the normalised error first exceeds 0.4 (the valid time). (Without
//! feedback there is nothing to generate from: `lsm` refuses a closed loop on an input-driven
//! series without `"feedback"`.)

use lsm::pipeline::timeseries::{
    evaluate, fit, DataSource, FeedbackConfig, Mode, PredictionConfig, ReservoirConfig,
    SeriesReadoutKind, SpikingConfig, SplitConfig, Task, TimeSeries, TsConfig,
};
use lsm::reservoir::{EsnConfig, NetworkSource};
use rand::Rng;

const LEN: usize = 4200;

/// The two series: (name, input column, target column).
fn series(seed: u64) -> Vec<(&'static str, Vec<f64>, Vec<f64>)> {
    use std::f64::consts::TAU;
    let sines: Vec<f64> = (0..LEN)
        .map(|t| {
            let t = t as f64;
            (TAU * t / 60.0).sin() + 0.5 * (TAU * t / 25.0).sin() + 0.25 * (TAU * t / 12.0).sin()
        })
        .collect();
    let mut rng = lsm::rng_for(seed, lsm::stream::DATA);
    let mut level = 0.0;
    let mut phase = 0.0f64;
    let (mut control, mut sine) = (Vec::new(), Vec::new());
    for t in 0..LEN {
        if t % 200 == 0 {
            level = rng.gen_range(0.0..1.0);
        }
        phase += 0.1 + 0.2 * level;
        control.push(level);
        sine.push(phase.sin());
    }
    vec![
        ("sum of sinusoids", vec![1.0; LEN], sines),
        ("sine-frequency generator", control, sine),
    ]
}

fn config(reservoir: ReservoirConfig, readout: SeriesReadoutKind) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Csv);
    c.data.discard = 0;
    c.split = SplitConfig {
        washout: 100,
        train: 2400,
        validation: 700,
        test: 999,
    };
    c.prediction = PredictionConfig {
        mode: Mode::ClosedLoop,
        horizon: 300,
        trials: 10,
        ..PredictionConfig::default()
    };
    c.reservoir = reservoir;
    c.readout.kind = readout;
    c.readout.alphas = match readout {
        SeriesReadoutKind::Force => vec![1e-3, 1e-2, 1e-1, 1.0],
        _ => vec![1e-8, 1e-6, 1e-4, 1e-2],
    };
    c.feedback = Some(FeedbackConfig {
        scaling: 1.0,
        connectivity: 1.0,
        noise: if readout == SeriesReadoutKind::Force {
            0.0
        } else {
            1e-3
        },
    });
    c
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let esn = ReservoirConfig::Esn(EsnConfig {
        n_units: 300,
        in_degree: 10,
        spectral_radius: 1.2,
        input_scaling: 0.5,
        bias_scaling: 0.2,
        leak_rate: 0.5,
        ..EsnConfig::default()
    });
    let mut s = SpikingConfig::default();
    if let NetworkSource::Generate(g) = &mut s.network {
        g.n_neurons = Some(500);
    }
    s.membrane = true;
    let spiking = ReservoirConfig::Spiking(Box::new(s));
    let models = [
        (
            "ESN, teacher forcing",
            esn.clone(),
            SeriesReadoutKind::Ridge,
        ),
        ("ESN, FORCE", esn, SeriesReadoutKind::Force),
        (
            "spiking, teacher forcing",
            spiking.clone(),
            SeriesReadoutKind::Ridge,
        ),
        ("spiking, FORCE", spiking, SeriesReadoutKind::Force),
    ];
    for (task, input, target) in series(42) {
        println!("{task}: closed loop, 10 runs of 300 steps");
        let ts = TimeSeries {
            names: vec!["c".into(), "y".into()],
            data: ndarray::Array2::from_shape_fn((LEN, 2), |(t, j)| {
                if j == 0 {
                    input[t]
                } else {
                    target[t]
                }
            }),
            source: task.into(),
        };
        let data = DataSource::Series {
            series: ts.into(),
            target: Some("y".into()),
        };
        for (name, res, readout) in &models {
            if quick && name.starts_with("spiking") {
                continue;
            }
            let mut c = config(res.clone(), *readout);
            c.data.csv.inputs = Some(vec!["c".into()]);
            let t0 = std::time::Instant::now();
            match fit(&c, &data).and_then(|(m, _)| evaluate(&m, &data)) {
                Ok(ev) => {
                    let f = ev.free_run.expect("closed loop");
                    println!(
                        "  {name:<26} NRMSE over 300 steps {:.3e}   valid {:6.1} steps   ({:.1} s)",
                        f.nrmse_horizon,
                        f.valid_steps_mean,
                        t0.elapsed().as_secs_f64()
                    );
                }
                Err(e) => println!("  {name:<26} {}", lsm::error_chain(&e)),
            }
        }
    }
    Ok(())
}
