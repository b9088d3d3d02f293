//! Several target columns from one CSV (`--target x,y,z`): a readout with one output per
//! column, fed back together in closed loop. The Lorenz series written to CSV and read back
//! with `x,y,z` as targets must give the built-in Lorenz task's scores exactly, and bad
//! column lists are refused by name.

use lsm_pipeline::timeseries::{
    evaluate, fit, generated_series, DataSource, Mode, PredictionConfig, ReservoirConfig,
    SplitConfig, Task, TsConfig,
};
use lsm_reservoir::esn::EsnConfig;

fn lorenz_cfg(task: Task) -> TsConfig {
    let mut c = TsConfig::default_for(Task::Lorenz);
    c.task = task;
    c.split = SplitConfig {
        washout: 100,
        train: 800,
        validation: 200,
        test: 300,
    };
    c.prediction = PredictionConfig {
        mode: Mode::ClosedLoop,
        horizon: 40,
        trials: 5,
        ..PredictionConfig::default()
    };
    c.reservoir = ReservoirConfig::Esn(EsnConfig {
        n_units: 80,
        ..EsnConfig::default()
    });
    c
}

/// The built-in Lorenz series of [`lorenz_cfg`] written as `dir/name` (columns x, y, z).
fn lorenz_csv(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let series = generated_series(&lorenz_cfg(Task::Lorenz)).unwrap();
    assert_eq!(series.names, ["x", "y", "z"]);
    let path = dir.join(name);
    let mut text = Vec::new();
    series.write_csv(&mut text).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn three_target_columns_score_as_the_builtin_lorenz_task() {
    let builtin = lorenz_cfg(Task::Lorenz);
    let dir = tempfile::tempdir().unwrap();
    let path = lorenz_csv(dir.path(), "lorenz.csv");

    let data = DataSource::Builtin(Task::Lorenz);
    let (m_builtin, _) = fit(&builtin, &data).unwrap();
    let ev_builtin = evaluate(&m_builtin, &data).unwrap();

    let csv_cfg = lorenz_cfg(Task::Csv);
    let csv = DataSource::Csv {
        path: path.clone(),
        target: Some("x, y,z".into()),
    };
    let (m_csv, _) = fit(&csv_cfg, &csv).unwrap();
    assert_eq!(m_csv.target_names, ["x", "y", "z"]);
    let ev_csv = evaluate(&m_csv, &csv).unwrap();
    // The CSV holds the generator's numbers to the last digit (`{:?}` round trip), so the
    // two runs are the same arithmetic: one output per column, all three fed back.
    assert_eq!(ev_csv.scores, ev_builtin.scores);
    assert_eq!(ev_csv.n_scored, 5);
    // Better than the mean over the 40 free-running steps.
    assert!(ev_csv.scores.nrmse < 1.0, "{}", ev_csv.scores.nrmse);
    // One column alone: one output, fed back alone.
    let (m_x, _) = fit(
        &csv_cfg,
        &DataSource::Csv {
            path: path.clone(),
            target: Some("x".into()),
        },
    )
    .unwrap();
    assert_eq!(m_x.target_names, ["x"]);
}

#[test]
fn bad_target_lists_are_refused_by_name() {
    let cfg = lorenz_cfg(Task::Csv);
    let dir = tempfile::tempdir().unwrap();
    let path = lorenz_csv(dir.path(), "l.csv");
    for (target, want) in [
        ("x,,z", "empty column name"),
        ("x,y,x", "named twice"),
        ("x,w", "`w`"),
    ] {
        let e = fit(
            &cfg,
            &DataSource::Csv {
                path: path.clone(),
                target: Some(target.into()),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("l.csv") && e.contains(want), "{target}: {e}");
    }
}
