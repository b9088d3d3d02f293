//! Time-series pipeline with online readouts (RLS, LMS): learning, α grid, model file,
//! determinism, config errors.

use lsm_pipeline::timeseries::{
    evaluate, fit, DataSource, Mode, ReservoirConfig, SeriesReadoutKind, SplitConfig, Task,
    TsConfig, TsModel,
};
use lsm_readout::OnlineBias;
use lsm_reservoir::esn::EsnConfig;

/// Mackey-Glass one step with a 100-unit ESN, 1500 training steps.
fn mg_one_step(kind: SeriesReadoutKind, alphas: Vec<f64>) -> TsConfig {
    let mut c = TsConfig::default_for(Task::MackeyGlass);
    c.prediction.mode = Mode::OneStep;
    c.prediction.horizon = 1;
    c.split = SplitConfig {
        washout: 200,
        train: 1500,
        validation: 300,
        test: 500,
    };
    c.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 100,
        in_degree: 10,
        ..EsnConfig::default()
    });
    c.readout.kind = kind;
    c.readout.alphas = alphas;
    c
}

/// RLS (forgetting 1, bias as a constant feature) minimises the same penalised squared error
/// as ridge (whose intercept alone is not penalised): its test NRMSE is within 1% of ridge's
/// with the same α. The model file round trip reproduces the scores, and the file says `rls`.
#[test]
fn rls_learns_like_ridge_and_round_trips() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let ridge_cfg = mg_one_step(SeriesReadoutKind::Ridge, vec![1e-8]);
    let (ridge, _) = fit(&ridge_cfg, &data).unwrap();
    let r = evaluate(&ridge, &data).unwrap().scores.nrmse;
    let cfg = mg_one_step(SeriesReadoutKind::Rls, vec![1e-8]);
    let (model, report) = fit(&cfg, &data).unwrap();
    let ev = evaluate(&model, &data).unwrap();
    assert!(r < 0.01, "ridge NRMSE {r}");
    assert!(
        (ev.scores.nrmse / r - 1.0).abs() < 0.01,
        "RLS NRMSE {} vs ridge {r}",
        ev.scores.nrmse
    );
    // reservoirpy's bias rule (the running mean of the errors) learns, less accurately.
    let mut rp = cfg.clone();
    rp.readout.bias = OnlineBias::Reservoirpy;
    rp.readout.alphas = vec![1e-4];
    let e = evaluate(&fit(&rp, &data).unwrap().0, &data).unwrap();
    assert!(
        e.scores.nrmse < 0.05,
        "reservoirpy bias: NRMSE {}",
        e.scores.nrmse
    );
    assert_eq!(report.alpha, 1e-8);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rls.json");
    model.save(&p).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(r#""kind":"rls""#), "{}", &text[..200]);
    let back = TsModel::load(&p).unwrap();
    assert_eq!(evaluate(&back, &data).unwrap().scores, ev.scores);
}

/// LMS learns (far better than the mean predictor); a learning rate that diverges is scored
/// `null` on validation and the working one is kept; the same seed gives the same bits with
/// any number of threads (one learner per α, learned in parallel for RLS).
#[test]
fn lms_grid_skips_a_diverging_rate_and_results_are_deterministic() {
    let data = DataSource::Builtin(Task::MackeyGlass);
    let cfg = mg_one_step(SeriesReadoutKind::Lms, vec![0.05, 50.0]);
    let (model, report) = fit(&cfg, &data).unwrap();
    assert_eq!(report.alpha, 0.05);
    assert!(
        model.validation.contains(&(50.0, None)),
        "{:?}",
        model.validation
    );
    let ev = evaluate(&model, &data).unwrap();
    assert!(ev.scores.nrmse < 0.5, "LMS NRMSE {}", ev.scores.nrmse);
    let cfg = mg_one_step(SeriesReadoutKind::Rls, vec![1e-6, 1e-3, 1.0]);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| fit(&cfg, &data).unwrap().0)
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(one.readout, three.readout);
    assert_eq!(one.validation, three.validation);
}

/// Online readouts in the config: strict fields, named errors, older configs unchanged.
#[test]
fn online_readout_config_errors_name_the_field() {
    let base = r#"{"task": "mackey-glass", "readout": "#;
    for (readout, field) in [
        (
            r#"{"kind": "rls", "forgetting": 1.5}"#,
            "readout.forgetting",
        ),
        (r#"{"kind": "rls", "forgetting": 0}"#, "readout.forgetting"),
        (r#"{"kind": "lms", "alphas": [0.0]}"#, "readout.alphas"),
        (
            r#"{"kind": "rls", "standardize": true}"#,
            "readout.standardize",
        ),
        (r#"{"kind": "newton"}"#, "newton"),
        (r#"{"kind": "rls", "bias": "maybe"}"#, "maybe"),
    ] {
        let text = format!("{base}{readout}}}");
        let e = TsConfig::from_json_str(&text, "c.json").unwrap_err();
        let msg = lsm_core::error_chain(&e);
        assert!(msg.contains(field), "{readout}: {msg}");
    }
    let c = TsConfig::from_json_str(
        r#"{"task": "narma10", "readout": {"alphas": [1e-3]}}"#,
        "c.json",
    )
    .unwrap();
    assert_eq!(c.readout.kind, SeriesReadoutKind::Ridge);
    assert_eq!(c.readout.forgetting, 1.0);
    assert_eq!(c.readout.bias, OnlineBias::Feature);
    let c = TsConfig::from_json_str(
        r#"{"task": "narma10", "readout": {"kind": "rls", "forgetting": 0.999, "alphas": [1e-6]}}"#,
        "c.json",
    )
    .unwrap();
    assert_eq!(c.readout.kind, SeriesReadoutKind::Rls);
}
