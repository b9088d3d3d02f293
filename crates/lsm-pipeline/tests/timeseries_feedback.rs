//! Readout feedback in the time-series pipeline: teacher forcing, noise, closed loop, the
//! model file, thread-count invariance and config errors; valid prediction time.

use lsm_pipeline::timeseries::{
    evaluate, fit, DataSource, FeedbackConfig, Mode, PredictionConfig, ReservoirConfig, Task,
    TimeSeries, TsConfig, TsModel,
};
use lsm_reservoir::{EsnConfig, NvarConfig};

fn narma(feedback: Option<FeedbackConfig>) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Narma10);
    c.split.train = 2000;
    c.split.validation = 500;
    c.split.test = 1000;
    c.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 200,
        in_degree: 10,
        spectral_radius: 0.9,
        input_scaling: 0.1,
        bias_scaling: 0.5,
        ..EsnConfig::default()
    });
    c.readout.alphas = vec![1e-8, 1e-6, 1e-4];
    c.feedback = feedback;
    c
}

fn fb(scaling: f64, noise: f64) -> Option<FeedbackConfig> {
    Some(FeedbackConfig {
        scaling,
        connectivity: 0.2,
        noise,
    })
}

/// NARMA-10's next output depends on its last output, y(t + 1) = 0.3 y(t) + ...: fed back
/// (teacher forced: observed one step ahead), y(t) no longer has to be rebuilt from the
/// input's history, and the one-step error falls (0.12 against 0.20 on this small
/// network; 0.026 against 0.10 with the default 500 units). Zero feedback weights give
/// exactly the model without feedback.
#[test]
fn feedback_of_the_observed_output_helps_narma_and_zero_weights_change_nothing() {
    let data = DataSource::Builtin(Task::Narma10);
    let plain = evaluate(&fit(&narma(None), &data).unwrap().0, &data).unwrap();
    let (m, _) = fit(&narma(fb(0.1, 0.0)), &data).unwrap();
    let with = evaluate(&m, &data).unwrap();
    assert!(
        with.scores.nrmse < 0.7 * plain.scores.nrmse,
        "feedback {} vs none {}",
        with.scores.nrmse,
        plain.scores.nrmse
    );
    let zero = evaluate(&fit(&narma(fb(0.0, 0.0)), &data).unwrap().0, &data).unwrap();
    assert_eq!(zero.scores, plain.scores);
    // The model file carries the feedback weights and gives the same scores.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.json");
    m.save(&p).unwrap();
    let back = TsModel::load(&p).unwrap();
    assert_eq!(evaluate(&back, &data).unwrap().scores, with.scores);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(v["reservoir"]["n_inputs"], 2, "input + fed-back output");
    assert_eq!(v["config"]["feedback"]["scaling"], 0.1);
}

/// Feedback weights come from their own stream: the reservoir's own weights are those of the
/// model without feedback, and the feedback column has about `connectivity` × N nonzeros
/// of magnitude `scaling` (Bernoulli input weights).
#[test]
fn feedback_weights_are_drawn_apart_from_the_reservoir() {
    let data = DataSource::Builtin(Task::Narma10);
    let mut c = narma(fb(0.25, 0.0));
    c.split.train = 300;
    c.split.validation = 0;
    c.readout.alphas = vec![1e-6];
    if let ReservoirConfig::Esn(e) = &mut c.reservoir {
        e.input_weights = lsm_reservoir::esn::InputDist::Bernoulli;
    }
    let mut plain_cfg = c.clone();
    plain_cfg.feedback = None;
    let json = |m: &TsModel| serde_json::to_value(m).unwrap();
    let with = json(&fit(&c, &data).unwrap().0);
    let plain = json(&fit(&plain_cfg, &data).unwrap().0);
    for key in ["indptr", "indices", "values", "bias"] {
        assert_eq!(with["reservoir"][key], plain["reservoir"][key], "{key}");
    }
    let w: Vec<f64> = serde_json::from_value(with["reservoir"]["w_in"].clone()).unwrap();
    let w0: Vec<f64> = serde_json::from_value(plain["reservoir"]["w_in"].clone()).unwrap();
    let n = w0.len();
    assert_eq!(w.len(), 2 * n);
    let own: Vec<f64> = w.iter().step_by(2).copied().collect();
    assert_eq!(own, w0, "the input column is unchanged");
    let fbw: Vec<f64> = w.iter().skip(1).step_by(2).copied().collect();
    let nz = fbw.iter().filter(|v| **v != 0.0).count();
    assert!(
        (20..=60).contains(&nz),
        "{nz} of {n} units fed back (p = 0.2)"
    );
    assert!(fbw.iter().all(|v| *v == 0.0 || v.abs() == 0.25));
}

/// Noise on the teacher signal is drawn from the seed: the same seed gives the same model bit
/// for bit whatever the thread count; the noise changes the readout; evaluation itself is
/// noise free.
#[test]
fn teacher_noise_is_deterministic_and_thread_count_free() {
    let data = DataSource::Builtin(Task::Narma10);
    let mut c = narma(fb(0.1, 0.05));
    c.split.train = 800;
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| fit(&c, &data).unwrap().0)
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.readout, b.readout);
    let mut quiet = c.clone();
    quiet.feedback = fb(0.1, 0.0);
    let q = fit(&quiet, &data).unwrap().0;
    assert_ne!(a.readout, q.readout, "noise changes what is learned");
    assert_eq!(
        evaluate(&a, &data).unwrap().scores,
        evaluate(&b, &data).unwrap().scores
    );
}

/// A closed-loop ESN with feedback generates Mackey-Glass 84 steps ahead as well as a
/// reservoir without it (Jaeger's protocol on a smaller network).
#[test]
fn closed_loop_with_feedback_generates_mackey_glass() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let mut c = TsConfig::default_for(Task::MackeyGlass);
    c.split.train = 2000;
    if let ReservoirConfig::Esn(e) = &mut c.reservoir {
        e.n_units = 200;
    }
    c.feedback = Some(FeedbackConfig {
        scaling: 0.5,
        connectivity: 0.1,
        noise: 0.0,
    });
    let ev = evaluate(&fit(&c, &data).unwrap().0, &data).unwrap();
    assert!(ev.scores.nrmse < 1e-2, "NRMSE-84 {}", ev.scores.nrmse);
    let f = ev.free_run.expect("closed loop has free-run scores");
    assert_eq!(f.censored_trials, ev.n_scored, "valid over all 84 steps");
    assert!(f.nrmse_horizon < 1e-2);
}

/// Valid prediction time: a sine obeys the exact linear recurrence
/// x(t + 1) = 2 cos(ω) x(t) − x(t − 1), which an order-1 NVAR with two taps learns, so its
/// free runs stay valid to the horizon. On a sine of another frequency the learned recurrence
/// drifts off; the step at which its normalised error first exceeds 0.4, computed here from
/// the recurrence alone, is the valid time the pipeline reports.
#[test]
fn valid_time_counts_steps_until_the_normalised_error_exceeds_the_threshold() {
    let (w0, w1, jump) = (0.1f64, 0.13f64, 2400usize);
    let x = |t: usize, jumped: bool| {
        if jumped && t >= jump {
            (w1 * t as f64).sin()
        } else {
            (w0 * t as f64).sin()
        }
    };
    let sine = |jumped: bool| TimeSeries {
        names: vec!["x".into()],
        data: ndarray::Array2::from_shape_fn((4000, 1), |(t, _)| x(t, jumped)),
        source: "sine".into(),
    };
    let mut c = TsConfig::default_for(Task::Csv);
    c.data.discard = 0;
    c.split.washout = 10;
    c.split.train = 2000;
    c.split.validation = 500;
    c.split.test = 1000;
    c.prediction = PredictionConfig {
        mode: Mode::ClosedLoop,
        horizon: 200,
        trials: 1,
        ..PredictionConfig::default()
    };
    c.reservoir = ReservoirConfig::Nvar(NvarConfig {
        delay: 2,
        order: 1,
        strides: 1,
    });
    c.readout.alphas = vec![1e-12];
    let data = DataSource::Series {
        series: sine(false).into(),
        target: Some("x".into()),
    };
    let (m, _) = fit(&c, &data).unwrap();
    let f = evaluate(&m, &data).unwrap().free_run.unwrap();
    assert_eq!(f.censored_trials, 1);
    assert_eq!(f.valid_steps_mean, 200.0);
    assert_eq!(f.valid_time, 200.0, "one time unit per CSV step");
    assert!(f.nrmse_horizon < 1e-6, "{}", f.nrmse_horizon);
    // The test segment holds input rows 2510..3510 (targets x(2511..3511)); the one trial
    // starts from the taps x(2510), x(2509) and predicts x(2511), x(2512), ...
    let jumped = DataSource::Series {
        series: sine(true).into(),
        target: Some("x".into()),
    };
    let g = evaluate(&m, &jumped).unwrap().free_run.unwrap();
    let targets: Vec<f64> = (2511..3511).map(|t| x(t, true)).collect();
    let mean = targets.iter().sum::<f64>() / targets.len() as f64;
    let var = targets.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / targets.len() as f64;
    let c2 = 2.0 * w0.cos();
    let (mut a, mut b) = (x(2509, true), x(2510, true));
    let mut expected = 200usize;
    for step in 0..200 {
        let next = c2 * b - a;
        if (next - x(2511 + step, true)).abs() / var.sqrt() > 0.4 {
            expected = step;
            break;
        }
        (a, b) = (b, next);
    }
    assert!(expected > 2 && expected < 150, "reference {expected}");
    assert_eq!(g.censored_trials, 0);
    assert!(
        (g.valid_steps_mean - expected as f64).abs() <= 1.0,
        "pipeline {} vs recurrence {expected}",
        g.valid_steps_mean
    );
}

#[test]
fn feedback_config_errors_name_the_field() {
    for (extra, field) in [
        (r#""feedback": {"scaling": -1}"#, "feedback.scaling"),
        (
            r#""feedback": {"connectivity": 0}"#,
            "feedback.connectivity",
        ),
        (r#""feedback": {"noise": 1e9}"#, "feedback.noise"),
        (r#""feedback": {"gain": 1}"#, "gain"),
        (
            r#""prediction": {"mode": "one-step", "select": "valid-time"}"#,
            "prediction.select",
        ),
        (
            r#""feedback": {}, "reservoir": {"kind": "nvar"}"#,
            "NVAR has no state",
        ),
        (
            r#""feedback": {}, "prediction": {"mode": "k-step", "horizon": 3}"#,
            "not observed yet",
        ),
    ] {
        let text = format!(r#"{{"task": "lorenz", {extra}}}"#);
        let e = TsConfig::from_json_str(&text, "c.json").unwrap_err();
        let msg = lsm_core::error_chain(&e);
        assert!(msg.contains(field), "{extra}: {msg}");
    }
}

/// FORCE (Sussillo & Abbott 2009): an ESN whose readout learns by RLS while its own output is
/// fed back learns to generate a sum of three sinusoids from a constant input, and keeps it
/// up in closed loop on the test segment for several periods; FORCE needs feedback.
#[test]
fn force_learns_a_pattern_generator() {
    use std::f64::consts::TAU;
    let len = 3000;
    let data = ndarray::Array2::from_shape_fn((len, 2), |(t, j)| {
        let t = t as f64;
        if j == 0 {
            1.0
        } else {
            (TAU * t / 60.0).sin() + 0.5 * (TAU * t / 25.0).sin() + 0.25 * (TAU * t / 12.0).sin()
        }
    });
    let series = TimeSeries {
        names: vec!["c".into(), "y".into()],
        data,
        source: "sines".into(),
    };
    let src = DataSource::Series {
        series: series.into(),
        target: Some("y".into()),
    };
    let mut c = TsConfig::default_for(Task::Csv);
    c.data.discard = 0;
    c.data.csv.inputs = Some(vec!["c".into()]);
    c.split.washout = 100;
    c.split.train = 1500;
    c.split.validation = 500;
    c.split.test = 800;
    c.prediction = PredictionConfig {
        mode: Mode::ClosedLoop,
        horizon: 200,
        trials: 5,
        ..PredictionConfig::default()
    };
    c.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 200,
        in_degree: 10,
        spectral_radius: 1.2,
        input_scaling: 0.5,
        bias_scaling: 0.2,
        leak_rate: 0.5,
        ..EsnConfig::default()
    });
    c.readout.kind = lsm_pipeline::timeseries::SeriesReadoutKind::Force;
    c.readout.alphas = vec![1e-2, 1e-1, 1.0];
    let e = fit(&c, &src).unwrap_err();
    assert!(lsm_core::error_chain(&e).contains("feedback"), "{e}");
    c.feedback = Some(FeedbackConfig {
        scaling: 1.0,
        connectivity: 1.0,
        noise: 0.0,
    });
    let (m, _) = fit(&c, &src).unwrap();
    let f = evaluate(&m, &src).unwrap().free_run.unwrap();
    // Valid for at least two periods of the slowest sine (measured: 180 of 200 steps).
    assert!(
        f.valid_steps_mean >= 120.0,
        "valid for {} steps",
        f.valid_steps_mean
    );
    assert!(f.nrmse_horizon < 0.5, "{}", f.nrmse_horizon);
}
