//! Time-series pipeline: metrics, closed loop on a sine, CSV errors, model round trip.

use lsm_pipeline::timeseries::{
    evaluate, fit, scores, scores_1d, DataSource, Mode, PredictionConfig, ReservoirConfig, Scale,
    SplitConfig, Task, TsConfig, TsModel,
};
use lsm_reservoir::esn::EsnConfig;
use ndarray::{array, Array1};
use std::io::Write;

#[test]
fn perfect_predictor_scores_zero() {
    let t = array![[0.1, 5.0], [0.4, 2.0], [-0.3, 1.0], [0.9, 7.0]];
    let s = scores(t.view(), t.view());
    assert_eq!(s.nrmse, 0.0);
    assert_eq!(s.mse, 0.0);
    assert_eq!(s.r2, 1.0);
    // Predicting the mean gives NRMSE 1 and R² 0.
    let y = Array1::from(vec![1.0, 2.0, 3.0, 4.0]);
    let m = Array1::from_elem(4, 2.5);
    let s = scores_1d(m.view(), y.view());
    assert!((s.nrmse - 1.0).abs() < 1e-15 && s.r2.abs() < 1e-15);
    assert!((s.mse - 1.25).abs() < 1e-15);
}

fn write_csv(
    dir: &std::path::Path,
    name: &str,
    header: &str,
    rows: &[Vec<f64>],
) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "{header}").unwrap();
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v:?}")).collect();
        writeln!(f, "{}", cells.join(",")).unwrap();
    }
    p
}

fn small_cfg(mode: Mode, horizon: usize) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Csv);
    c.data.discard = 0;
    c.split = SplitConfig {
        washout: 100,
        train: 600,
        validation: 200,
        test: 300,
    };
    c.prediction = PredictionConfig {
        mode,
        horizon,
        trials: 20,
        ..PredictionConfig::default()
    };
    c.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 60,
        in_degree: 6,
        spectral_radius: 0.9,
        input_scaling: 0.5,
        bias_scaling: 0.2,
        ..EsnConfig::default()
    });
    c
}

/// Closed-loop generation of a sine (period 20π/π... 25 steps): after 50 free-running steps the
/// error stays below 1e-3 of the signal's standard deviation (stated bound), and the model
/// file round trip reproduces the score exactly.
#[test]
fn closed_loop_sine_stays_within_bound() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<f64>> = (0..1300)
        .map(|t| vec![(2.0 * std::f64::consts::PI * t as f64 / 25.0).sin()])
        .collect();
    let csv = write_csv(dir.path(), "sine.csv", "s", &rows);
    let cfg = small_cfg(Mode::ClosedLoop, 50);
    let data = DataSource::Csv {
        path: csv.clone(),
        target: Some("s".into()),
    };
    let (model, _) = fit(&cfg, &data).unwrap();
    let ev = evaluate(&model, &data).unwrap();
    assert!(
        ev.scores.nrmse < 1e-3,
        "closed-loop sine NRMSE {}",
        ev.scores.nrmse
    );
    assert_eq!(ev.n_scored, 20);
    let p = dir.path().join("m.json");
    model.save(&p).unwrap();
    let back = TsModel::load(&p).unwrap();
    let ev2 = evaluate(&back, &data).unwrap();
    assert_eq!(ev.scores, ev2.scores);
}

/// One-step and k-step on NARMA-10 are teacher forced and better than the mean predictor;
/// same seed, same result.
#[test]
fn narma_one_step_is_deterministic_and_learns() {
    let mut cfg = TsConfig::default_for(Task::Narma10);
    cfg.split = SplitConfig {
        washout: 100,
        train: 1500,
        validation: 300,
        test: 500,
    };
    cfg.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 100,
        ..EsnConfig::default()
    });
    let data = DataSource::Builtin(Task::Narma10);
    let (m1, _) = fit(&cfg, &data).unwrap();
    let (m2, _) = fit(&cfg, &data).unwrap();
    let e1 = evaluate(&m1, &data).unwrap();
    let e2 = evaluate(&m2, &data).unwrap();
    assert_eq!(e1.scores, e2.scores);
    assert!(e1.scores.nrmse < 0.6, "{}", e1.scores.nrmse);
}

#[test]
fn csv_errors_name_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<f64>> = (0..50).map(|t| vec![t as f64, (t as f64).sin()]).collect();
    let short = write_csv(dir.path(), "short.csv", "t,x", &rows);
    let cfg = small_cfg(Mode::OneStep, 1);
    // Too few rows for washout + train + validation + test.
    let e = fit(
        &cfg,
        &DataSource::Csv {
            path: short.clone(),
            target: Some("x".into()),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("short.csv") && e.contains("50 rows") && e.contains("washout"),
        "{e}"
    );
    // Missing column.
    let e = fit(
        &cfg,
        &DataSource::Csv {
            path: short.clone(),
            target: Some("y".into()),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("short.csv") && e.contains("`y`"), "{e}");
    // No target at all.
    let e = fit(
        &cfg,
        &DataSource::Csv {
            path: short.clone(),
            target: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--target"), "{e}");
    // Non-numeric cell and NaN.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "t,x\n0,1\n1,2\n2,oops\n").unwrap();
    let e = fit(
        &cfg,
        &DataSource::Csv {
            path: bad.clone(),
            target: Some("x".into()),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("bad.csv") && e.contains("row 4") && e.contains("`x`"),
        "{e}"
    );
    std::fs::write(&bad, "t,x\n0,1\n1,nan\n").unwrap();
    let e = fit(
        &cfg,
        &DataSource::Csv {
            path: bad.clone(),
            target: Some("x".into()),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("bad.csv") && e.contains("row 3") && e.contains("finite"),
        "{e}"
    );
}

#[test]
fn config_is_strict_and_defaults_are_the_protocols() {
    let c = TsConfig::default_for(Task::MackeyGlass);
    assert_eq!(c.prediction.mode, Mode::ClosedLoop);
    assert_eq!(c.prediction.horizon, 84);
    assert_eq!(c.prediction.trials, 100);
    assert_eq!(c.split.train, 3000);
    match &c.reservoir {
        ReservoirConfig::Esn(e) => assert_eq!(e.n_units, 400),
        _ => panic!("ESN expected"),
    }
    let text = serde_json::to_string(&c).unwrap();
    assert_eq!(TsConfig::from_json_str(&text, "c.json").unwrap(), c);
    let e = TsConfig::from_json_str(r#"{"task": "narma10", "colour": 1}"#, "c.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("c.json") && e.contains("colour"), "{e}");
    let e = TsConfig::from_json_str(
        r#"{"task": "narma10", "prediction": {"mode": "closed-loop", "horizon": 10}}"#,
        "c.json",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("prediction.mode"), "{e}");
    let sp: TsConfig = TsConfig::from_json_str(
        r#"{"task": "narma10", "reservoir": {"kind": "spiking"}}"#,
        "c.json",
    )
    .unwrap();
    assert!(matches!(sp.reservoir, ReservoirConfig::Spiking(_)));
}

/// `lsm default-config --task mackey-glass` is Jaeger's protocol (400-unit ESN, 3,000 training
/// steps, teacher forcing then 84 free-running steps, NRMSE at step 84 over 100 trials): it
/// must reach Jaeger's 2001 figure of 2.8e-4.
#[test]
fn jaeger_mackey_glass_protocol_reaches_nrmse84_of_jaeger_2001() {
    let cfg = TsConfig::default_for(Task::MackeyGlass);
    let data = DataSource::Builtin(Task::MackeyGlass);
    let (model, _) = fit(&cfg, &data).unwrap();
    let ev = evaluate(&model, &data).unwrap();
    assert_eq!(ev.n_scored, 100);
    assert!(
        ev.scores.nrmse <= 2.8e-4,
        "NRMSE-84 {} > 2.8e-4",
        ev.scores.nrmse
    );
}

/// A series value of 1e300 made the scaling or the scores overflow to NaN (its
/// square is beyond f64). Values beyond ±1e150 are refused, for every scaling, with the file,
/// the column and the step; 1e150 itself gives finite scores.
#[test]
fn huge_series_values_are_errors_not_nan_scores() {
    let dir = tempfile::tempdir().unwrap();
    let series = |name: &str, big: f64| {
        let mut rows: Vec<Vec<f64>> = (0..1300).map(|t| vec![(t as f64 * 0.3).sin()]).collect();
        rows[300] = vec![big];
        rows[301] = vec![-big];
        DataSource::Csv {
            path: write_csv(dir.path(), name, "x", &rows),
            target: Some("x".into()),
        }
    };
    let e300 = series("e300.csv", 1e300);
    let mut cfg = small_cfg(Mode::OneStep, 1);
    for scale in [Scale::Zscore, Scale::MinMax, Scale::None] {
        cfg.data.scale = scale;
        let msg = lsm_core::error_chain(&fit(&cfg, &e300).unwrap_err());
        assert!(
            msg.contains("e300.csv") && msg.contains("`x`") && msg.contains("step 300"),
            "{scale:?}: {msg}"
        );
    }
    let e150 = series("e150.csv", 1e150);
    cfg.data.scale = Scale::MinMax;
    let (model, report) = fit(&cfg, &e150).unwrap();
    let ev = evaluate(&model, &e150).unwrap();
    for s in [&report.train, &ev.scores] {
        assert!(
            s.mse.is_finite() && s.nrmse.is_finite() && s.r2.is_finite(),
            "{s:?}"
        );
    }
    // A model whose fitted scale is tiny makes a modest value overflow when scaled.
    let mut tiny = model.clone();
    tiny.input_scaler.scale = vec![1e-300];
    let msg = lsm_core::error_chain(&evaluate(&tiny, &e150).unwrap_err());
    assert!(msg.contains("scaled") && msg.contains("e150.csv"), "{msg}");
}

#[test]
fn out_of_range_penalties_are_config_errors() {
    for alphas in [vec![1e308], vec![1e-6, 1e13], vec![-1.0]] {
        let mut cfg = small_cfg(Mode::OneStep, 1);
        cfg.readout.alphas = alphas.clone();
        let e = cfg.validate().unwrap_err().to_string();
        assert!(
            e.contains("readout.alphas") && e.contains("1e12"),
            "{alphas:?}: {e}"
        );
    }
    let mut cfg = small_cfg(Mode::OneStep, 1);
    cfg.readout.alphas = vec![0.0, 1e12];
    cfg.validate().unwrap();
}
