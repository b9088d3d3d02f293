//! A spiking reservoir in closed loop: its free runs start from exactly the teacher-forced
//! state, it generates a slow series, with or without feedback, and the same seed gives the
//! same result whatever the thread count.

use lsm_pipeline::timeseries::{
    evaluate, fit, predict, DataSource, FeedbackConfig, Mode, PredictMode, PredictionConfig,
    ReservoirConfig, SpikingConfig, Task, TsConfig,
};

fn spiking_mg(mode: Mode, horizon: usize, trials: usize) -> TsConfig {
    let mut c = TsConfig::default_for(Task::MackeyGlass);
    c.split.washout = 100;
    c.split.train = 800;
    c.split.validation = 0;
    c.split.test = 202;
    c.prediction = PredictionConfig {
        mode,
        horizon,
        trials,
        ..PredictionConfig::default()
    };
    let mut s = SpikingConfig::default();
    if let lsm_reservoir::NetworkSource::Generate(g) = &mut s.network {
        g.n_neurons = Some(200);
    }
    s.steps_per_sample = 5;
    s.membrane = true;
    c.reservoir = ReservoirConfig::Spiking(Box::new(s));
    c.readout.alphas = vec![1e-2];
    c.readout.standardize = true;
    c
}

/// With horizon 1, trial j's one free-run step is the readout on the state after test row
/// j − 1, reached by the sample-by-sample stepper: its error must be that of the teacher-forced
/// prediction of the same row, computed from the whole-series run.
#[test]
fn free_runs_start_from_the_teacher_forced_state() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (m, _) = fit(&spiking_mg(Mode::ClosedLoop, 1, 200), &data).unwrap();
    let ev = evaluate(&m, &data).unwrap();
    let tf = predict(&m, &data, PredictMode::TeacherForced).unwrap();
    let mse = (0..200)
        .map(|t| (tf.prediction[[t, 0]] - tf.target[[t, 0]]).powi(2))
        .sum::<f64>()
        / 200.0;
    assert!(mse > 0.0);
    assert!(
        (ev.scores.mse / mse - 1.0).abs() < 1e-9,
        "closed loop, horizon 1: {} vs teacher forced {mse}",
        ev.scores.mse
    );
}

/// The spiking reservoir generates Mackey-Glass for a while on its own output, with and
/// without feedback; a fixed seed gives the same scores with 1 or 2 threads.
#[test]
fn a_spiking_reservoir_generates_in_closed_loop() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let mut c = spiking_mg(Mode::ClosedLoop, 20, 20);
    for fb in [
        None,
        Some(FeedbackConfig {
            scaling: 0.2,
            connectivity: 1.0,
            noise: 0.0,
        }),
    ] {
        c.feedback = fb;
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| evaluate(&fit(&c, &data).unwrap().0, &data).unwrap())
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a.scores, b.scores);
        let f = a.free_run.unwrap();
        assert!(
            f.valid_steps_mean >= 5.0,
            "valid for {} steps (feedback {:?})",
            f.valid_steps_mean,
            c.feedback
        );
        assert!(a.scores.nrmse.is_finite());
    }
}

#[test]
fn closed_loop_needs_current_input() {
    let mut c = spiking_mg(Mode::ClosedLoop, 5, 5);
    if let ReservoirConfig::Spiking(s) = &mut c.reservoir {
        s.input = lsm_reservoir::SpikingInput::Encoder(lsm_encoding::EncoderConfig::Rate(
            Default::default(),
        ));
    }
    let e = c.validate().unwrap_err();
    assert!(lsm_core::error_chain(&e).contains("current input"), "{e}");
}

/// With an encoder input, the fed-back output is encoded to spikes like the input (one more
/// channel); the model runs one step ahead and reloads with the same scores.
#[test]
fn feedback_through_an_encoder() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let mut c = spiking_mg(Mode::OneStep, 1, 1);
    if let ReservoirConfig::Spiking(s) = &mut c.reservoir {
        s.input = lsm_reservoir::SpikingInput::Encoder(lsm_encoding::EncoderConfig::Rate(
            Default::default(),
        ));
        s.membrane = false;
    }
    c.feedback = Some(FeedbackConfig {
        scaling: 1.0,
        connectivity: 1.0,
        noise: 0.0,
    });
    let (m, _) = fit(&c, &data).unwrap();
    if let lsm_reservoir::Reservoir::Spiking(s) = &m.reservoir {
        assert_eq!(s.n_series_channels, 2, "input + fed-back output");
        assert_eq!(s.spec.n_inputs, 2);
    } else {
        panic!("a spiking reservoir");
    }
    let ev = evaluate(&m, &data).unwrap();
    assert!(
        ev.scores.nrmse.is_finite() && ev.scores.nrmse < 1.0,
        "{}",
        ev.scores.nrmse
    );
    // Scaling and connectivity need one spike channel per signal channel.
    let mut d = c.clone();
    if let ReservoirConfig::Spiking(s) = &mut d.reservoir {
        s.input = serde_json::from_value(
            serde_json::json!({"kind": "delta", "threshold": 0.1, "off_spike": true}),
        )
        .map(lsm_reservoir::SpikingInput::Encoder)
        .unwrap();
    }
    d.feedback.as_mut().unwrap().scaling = 0.5;
    let e = d.validate().unwrap_err();
    assert!(
        lsm_core::error_chain(&e).contains("several spike channels"),
        "{e}"
    );
}
