//! Time-series pipeline with a deep ESN (`"kind": "deep-esn"`): a one-layer stack scores as
//! the ESN it is, one step and in closed loop; a two-layer stack read out on its top layer
//! only (whose closed loop starts from the full teacher-forced states) forecasts Mackey-Glass
//! and round-trips through its model file; feedback is refused.

use lsm_pipeline::timeseries::{
    evaluate, fit, DataSource, FeedbackConfig, Mode, ReservoirConfig, Task, TsConfig, TsModel,
};
use lsm_reservoir::esn::{DeepEsnConfig, EsnConfig};

/// Mackey-Glass with its default (tuned) ESN made smaller, horizon 30, 40 trials.
fn mackey_glass(mode: Mode) -> (TsConfig, EsnConfig) {
    let mut c = TsConfig::default_for(Task::MackeyGlass);
    c.prediction.mode = mode;
    c.prediction.horizon = if mode == Mode::ClosedLoop { 30 } else { 1 };
    c.prediction.trials = 40;
    let ReservoirConfig::Esn(e) = &c.reservoir else {
        panic!("the Mackey-Glass default is an ESN")
    };
    let e = EsnConfig {
        n_units: 150,
        ..e.clone()
    };
    c.reservoir = ReservoirConfig::Esn(e.clone());
    (c, e)
}

fn deep(layers: Vec<EsnConfig>, readout_layers: Option<Vec<usize>>) -> ReservoirConfig {
    ReservoirConfig::DeepEsn(DeepEsnConfig {
        layers,
        readout_layers,
        stack: Default::default(),
    })
}

#[test]
fn one_layer_scores_as_the_esn() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    for mode in [Mode::OneStep, Mode::ClosedLoop] {
        let (c, e) = mackey_glass(mode);
        let esn = evaluate(&fit(&c, &data).unwrap().0, &data).unwrap();
        let mut d = c.clone();
        d.reservoir = deep(vec![e], None);
        let one = evaluate(&fit(&d, &data).unwrap().0, &data).unwrap();
        // The ESN folds its Gram matrix while stepping, the deep ESN from stored states: the
        // same sums in another order.
        let (a, b) = (esn.scores.nrmse, one.scores.nrmse);
        assert!((a / b - 1.0).abs() < 1e-6, "{mode:?}: ESN {a} vs deep {b}");
        assert!(a < 0.05, "{mode:?}: NRMSE {a}");
    }
}

#[test]
fn two_layers_read_out_on_the_top_forecast_and_round_trip() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (mut c, e) = mackey_glass(Mode::ClosedLoop);
    let upper = EsnConfig {
        input_scaling: 0.5,
        ..e.clone()
    };
    c.reservoir = deep(vec![e, upper], Some(vec![1]));
    let (model, _) = fit(&c, &data).unwrap();
    let ev = evaluate(&model, &data).unwrap();
    assert_eq!(ev.n_scored, 40);
    // Far better than the mean (NRMSE 1): the top layer alone carries the dynamics.
    assert!(ev.scores.nrmse < 0.2, "closed loop: {}", ev.scores.nrmse);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep.json");
    model.save(&p).unwrap();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(v["reservoir"]["kind"], "deep-esn");
    assert_eq!(v["reservoir"]["readout_layers"], serde_json::json!([1]));
    let back = TsModel::load(&p).unwrap();
    assert_eq!(evaluate(&back, &data).unwrap().scores, ev.scores);
}

#[test]
fn feedback_is_refused_naming_the_field() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (mut c, e) = mackey_glass(Mode::ClosedLoop);
    c.reservoir = deep(vec![e.clone(), e], None);
    c.feedback = Some(FeedbackConfig::default());
    let err = fit(&c, &data).unwrap_err().to_string();
    assert!(
        err.contains("feedback") && err.contains("deep ESN"),
        "{err}"
    );
}

#[test]
fn the_example_config_is_a_two_layer_stack() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/timeseries_mackey_glass_deep.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let c = TsConfig::from_json_str(&text, "timeseries_mackey_glass_deep.json").unwrap();
    c.validate().unwrap();
    let ReservoirConfig::DeepEsn(d) = &c.reservoir else {
        panic!("a deep ESN")
    };
    assert_eq!(d.layers.len(), 2);
    assert_eq!(d.layers[1].input_scaling, 0.1);
}
