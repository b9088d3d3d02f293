//! Mackey-Glass prediction with an echo state network and with a spiking reservoir, through
//! the time-series pipeline (`lsm::pipeline::timeseries`).
//!
//! ```sh
//! cargo run --release --example mackey_glass
//! ```
//!
//! * ESN, closed loop: the default Mackey-Glass config (`lsm default-config --task
//!   mackey-glass`), Jaeger's NRMSE-84: 100 free runs of 84 steps from the test segment.
//! * ESN, one step: the same reservoir, predicting one step ahead with the true input fed,
//!   on shorter segments (washout 200, train 2000, validation 500, test 1000 steps).
//! * Spiking reservoir, one step, on the same segments: a small LIF network (200 neurons, so
//!   that the example runs in seconds) driven by the series as an input current. The tuned
//!   1000-neuron config of `examples/timeseries_mackey_glass_one_step_spiking.json` does
//!   better (test NRMSE 0.022; see `examples/timeseries_spiking.md`).
//!
//! Every NRMSE is on the test segment, which neither the weights nor the choice of the ridge
//! penalty saw. The series is generated from the config's seed: nothing is downloaded.

use lsm::pipeline::timeseries::{
    evaluate, fit, DataSource, Mode, PredictionConfig, ReservoirConfig, SpikingConfig, SplitConfig,
    Task, TsConfig,
};

/// Fit `config` on the generated Mackey-Glass series, evaluate on its test segment, print
/// the test NRMSE and return it.
fn run(name: &str, config: &TsConfig) -> Result<f64, Box<dyn std::error::Error>> {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (model, report) = fit(config, &data)?;
    let test = evaluate(&model, &data)?;
    println!(
        "{name:<28} test NRMSE {:.3e}  ({} scored, ridge alpha {:.0e})",
        test.scores.nrmse, test.n_scored, report.alpha
    );
    Ok(test.scores.nrmse)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The default: a 400-unit ESN, closed loop, horizon 84.
    let closed_loop = TsConfig::default_for(Task::MackeyGlass);
    run("ESN, closed loop (NRMSE-84)", &closed_loop)?;

    // One step ahead, on shorter segments (fast in a debug build), the same ESN ...
    let one_step = TsConfig {
        prediction: PredictionConfig {
            mode: Mode::OneStep,
            ..PredictionConfig::default()
        },
        split: SplitConfig {
            washout: 200,
            train: 2000,
            validation: 500,
            test: 1000,
        },
        ..closed_loop
    };
    run("ESN, one step", &one_step)?;

    // ... and a spiking reservoir: 200 LIF neurons, the default spiking regime (bias
    // currents around the rheobase, weak recurrence), spike traces and membrane potentials
    // as features, standardised before the ridge penalty.
    let mut spiking = SpikingConfig::default();
    if let Some(g) = spiking.network.generator_mut() {
        g.n_neurons = Some(200);
    }
    spiking.membrane = true;
    let mut snn = TsConfig {
        reservoir: ReservoirConfig::Spiking(Box::new(spiking)),
        ..one_step
    };
    snn.readout.standardize = true;
    snn.readout.alphas = (-4..=4).map(|e| 10f64.powi(e)).collect();
    run("spiking (200 LIF), one step", &snn)?;
    Ok(())
}
