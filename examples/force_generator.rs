//! Pattern generators learned with feedback: an echo state network and spiking networks learn
//! to produce a signal from their own fed-back output, by FORCE learning (Sussillo & Abbott
//! 2009; Nicola & Clopath 2017 for spiking networks) and by teacher forcing.
//!
//! ```sh
//! cargo run --release --example force_generator
//! cargo run --release --example force_generator -- --quick     # ESNs only
//! cargo run --release --example force_generator -- --csv DIR   # also write the spiking series
//! ```
//!
//! **ESN**, two targets, both built here from the seed:
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
//!
//! **Spiking FORCE** (skipped with `--quick`) runs in Nicola & Clopath's regime with the
//! configs `examples/force_spiking_lif.json` and `examples/force_spiking_izhikevich.json`
//! (2000 neurons at threshold or bursting, row-balanced recurrent weights, 20 ms synapses, the
//! 20 ms spike traces as features, the output fed back as a current into every neuron; one
//! sample = 20 simulator steps of 0.05 ms, one RLS update per sample): a 5 Hz sinusoid
//! (200 samples per period) and a slow sum of sinusoids (periods 600, 250 and 120 samples),
//! each scored by 4 free runs of 500 steps. `--csv DIR` writes these two series as
//! `DIR/sine.csv` and `DIR/sines.csv` (columns `c,y`), for `lsm fit --config
//! examples/force_spiking_lif.json --data DIR/sine.csv --target y --out m.json`, and two
//! more: `DIR/sum2.csv`, `sin(2πt/200) + 0.5 sin(2πt/100)` (5 + 10 Hz at 1 ms per sample,
//! for `examples/force_spiking_sum.json`; `DIR/sum2_long.csv`, the same with 28,001 rows, for
//! the 25,000 training samples of `examples/force_spiking_lif_sum.json`), `DIR/lorenz.csv`,
//! the Lorenz x coordinate
//! time-stretched to 0.005 time units per sample, and `DIR/lorenz3.csv`, all three
//! coordinates (`c,x,y,z`, for `--target x,y,z`: three outputs fed back together).

use lsm::pipeline::timeseries::{
    evaluate, fit, DataSource, FeedbackConfig, Mode, PredictionConfig, ReservoirConfig,
    SeriesReadoutKind, SplitConfig, Task, TimeSeries, TsConfig,
};
use lsm::reservoir::EsnConfig;
use rand::Rng;
use std::f64::consts::TAU;

const LEN: usize = 4200;

/// The spiking configs (Nicola & Clopath's regime).
const SPIKING: [(&str, &str); 2] = [
    ("LIF (2000), FORCE", include_str!("force_spiking_lif.json")),
    (
        "Izhikevich (2000), FORCE",
        include_str!("force_spiking_izhikevich.json"),
    ),
];

/// Rows of the spiking series (washout 500 + train 6000 + test 2500, and the one row ahead
/// the last target needs).
const SPIKING_LEN: usize = 9001;

/// The two ESN series: (name, input column, target column).
fn series(seed: u64) -> Vec<(&'static str, Vec<f64>, Vec<f64>)> {
    let sines = sum_of_sines(LEN, [60.0, 25.0, 12.0]);
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

/// `sin(2πt/p₀) + 0.5 sin(2πt/p₁) + 0.25 sin(2πt/p₂)`.
fn sum_of_sines(len: usize, p: [f64; 3]) -> Vec<f64> {
    (0..len)
        .map(|t| {
            let t = t as f64;
            (TAU * t / p[0]).sin() + 0.5 * (TAU * t / p[1]).sin() + 0.25 * (TAU * t / p[2]).sin()
        })
        .collect()
}

/// A series with the constant or control input `c` and the target `y`.
fn data(name: &str, input: &[f64], target: &[f64]) -> DataSource {
    let ts = TimeSeries {
        names: vec!["c".into(), "y".into()],
        data: ndarray::Array2::from_shape_fn((target.len(), 2), |(t, j)| {
            if j == 0 {
                input[t]
            } else {
                target[t]
            }
        }),
        source: name.into(),
    };
    DataSource::Series {
        series: ts.into(),
        target: Some("y".into()),
    }
}

fn config(reservoir: ReservoirConfig, readout: SeriesReadoutKind) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Csv);
    c.data.discard = 0;
    c.data.csv.inputs = Some(vec!["c".into()]);
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

/// Fit, score in closed loop and print one line.
fn run(name: &str, c: &TsConfig, data: &DataSource) {
    let t0 = std::time::Instant::now();
    match fit(c, data).and_then(|(m, _)| evaluate(&m, data)) {
        Ok(ev) => {
            let f = ev.free_run.expect("closed loop");
            println!(
                "  {name:<26} NRMSE over {} steps {:.3e}   valid {:6.1} steps   ({:.1} s)",
                c.prediction.horizon,
                f.nrmse_horizon,
                f.valid_steps_mean,
                t0.elapsed().as_secs_f64()
            );
        }
        Err(e) => println!("  {name:<26} {}", lsm::error_chain(&e)),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let csv_dir = args
        .iter()
        .position(|a| a == "--csv")
        .map(|i| args.get(i + 1).cloned().ok_or("--csv needs a folder"))
        .transpose()?;
    let esn = ReservoirConfig::Esn(EsnConfig {
        n_units: 300,
        in_degree: 10,
        spectral_radius: 1.2,
        input_scaling: 0.5,
        bias_scaling: 0.2,
        leak_rate: 0.5,
        ..EsnConfig::default()
    });
    let models = [
        ("ESN, teacher forcing", SeriesReadoutKind::Ridge),
        ("ESN, FORCE", SeriesReadoutKind::Force),
    ];
    for (task, input, target) in series(42) {
        println!("{task}: closed loop, 10 runs of 300 steps");
        let d = data(task, &input, &target);
        for (name, readout) in models {
            run(name, &config(esn.clone(), readout), &d);
        }
    }
    let sine: Vec<f64> = (0..SPIKING_LEN)
        .map(|t| (TAU * t as f64 / 200.0).sin())
        .collect();
    let spiking_series = [
        ("sine", "5 Hz sinusoid", sine),
        (
            "sines",
            "slow sum of sinusoids",
            sum_of_sines(SPIKING_LEN, [600.0, 250.0, 120.0]),
        ),
    ];
    let ones = vec![1.0; SPIKING_LEN];
    if let Some(dir) = &csv_dir {
        std::fs::create_dir_all(dir)?;
        // Written only: the 5 + 10 Hz sum of `examples/force_spiking_sum.json` and the
        // time-stretched Lorenz x coordinate (0.005 time units per 1 ms sample, a lobe
        // oscillation about 150-190 samples; the first 2000 samples dropped).
        let sum2_at =
            |t: usize| (TAU * t as f64 / 200.0).sin() + 0.5 * (TAU * t as f64 / 100.0).sin();
        let sum2: Vec<f64> = (0..SPIKING_LEN).map(sum2_at).collect();
        // Washout 500 + train 25,000 + test 2,500 + 1 ahead.
        let sum2_long: Vec<f64> = (0..28_001).map(sum2_at).collect();
        let lorenz = lsm::datasets::timeseries::Lorenz {
            dt: 0.005,
            substeps: 2,
            ..Default::default()
        }
        .generate(2000 + SPIKING_LEN)?;
        let lorenz_x: Vec<f64> = lorenz.column(0).iter().skip(2000).copied().collect();
        // All three coordinates too, for a readout with three outputs fed back together
        // (`--target x,y,z`), as Nicola & Clopath trained their networks on the Lorenz system.
        let mut text = String::from("c,x,y,z\n");
        for r in lorenz.rows().into_iter().skip(2000) {
            text.push_str(&format!("1,{},{},{}\n", r[0], r[1], r[2]));
        }
        let path = std::path::Path::new(dir).join("lorenz3.csv");
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
        let extra = [
            ("sum2", "", sum2),
            ("sum2_long", "", sum2_long),
            ("lorenz", "", lorenz_x),
        ];
        for (file, _, y) in spiking_series.iter().chain(&extra) {
            let mut text = String::from("c,y\n");
            for v in y {
                text.push_str(&format!("1,{v}\n"));
            }
            let path = std::path::Path::new(dir).join(format!("{file}.csv"));
            std::fs::write(&path, text)?;
            println!("wrote {}", path.display());
        }
    }
    // Parsed (and checked) even with --quick.
    let spiking: Vec<(&str, TsConfig)> = SPIKING
        .iter()
        .map(|(name, text)| Ok((*name, TsConfig::from_json_str(text, name)?)))
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    // The configs run from the command line on `--csv` series (docs/results.md), checked too.
    for (name, text) in [
        (
            "force_spiking_sum.json",
            include_str!("force_spiking_sum.json"),
        ),
        (
            "force_spiking_lif_sum.json",
            include_str!("force_spiking_lif_sum.json"),
        ),
        (
            "force_spiking_lorenz.json",
            include_str!("force_spiking_lorenz.json"),
        ),
        (
            "force_spiking_theta_lorenz.json",
            include_str!("force_spiking_theta_lorenz.json"),
        ),
    ] {
        TsConfig::from_json_str(text, name)?;
    }
    if quick {
        return Ok(());
    }
    for (_, task, y) in &spiking_series {
        println!("{task} (spiking, 1 ms samples): closed loop, 4 runs of 500 steps");
        let d = data(task, &ones, y);
        for (name, c) in &spiking {
            run(name, c, &d);
        }
    }
    Ok(())
}
