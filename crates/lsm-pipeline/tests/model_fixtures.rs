//! Model files written by earlier releases (tests/fixtures/models, see its README) still load
//! and predict what the lsm that wrote them predicted; saved again, they carry the current
//! version and a checksum and load back identically.

use lsm_pipeline::timeseries::{evaluate, DataSource, TsModel};
use lsm_pipeline::{stable_id, DigitsPipeline, Sample, MODEL_FORMAT_VERSION};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

/// The `(file name, label, probability)` lines that the old `lsm predict` printed.
fn old_predictions(v: u32) -> Vec<(String, String, f64)> {
    let text = std::fs::read_to_string(fixtures().join(format!("pred-v{v}.txt"))).unwrap();
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let name = Path::new(f[0])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, f[1].to_string(), f[2].parse().unwrap())
        })
        .collect()
}

fn check_digits(v: u32) {
    let path = fixtures().join(format!("digits-v{v}.json"));
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(raw["format_version"], v, "fixture of the wrong version");
    assert!(raw.get("checksum").is_none());
    let model = DigitsPipeline::load(&path).unwrap_or_else(|e| {
        panic!("version {v}: {}", lsm_core::error_chain(&e));
    });
    let old = old_predictions(v);
    assert_eq!(old.len(), 20);
    let samples: Vec<Sample> = old
        .iter()
        .map(|(name, _, _)| Sample {
            id: stable_id(name),
            ..Sample::from_path(recordings().join(name))
        })
        .collect();
    let now = model.predict(&samples).unwrap();
    for ((name, label, p), pred) in old.iter().zip(&now) {
        assert_eq!(&pred.label, label, "version {v}, {name}");
        assert!(
            (pred.probability - p).abs() <= 0.5e-4 + 1e-12,
            "version {v}, {name}: probability {} now, {p} then",
            pred.probability
        );
    }
    // Saved again: the current version, a checksum, and the same predictions.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    model.save(&out).unwrap();
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(again["format_version"], MODEL_FORMAT_VERSION);
    assert!(again["checksum"].as_str().unwrap().starts_with("crc32:"));
    let back = DigitsPipeline::load(&out).unwrap();
    assert_eq!(back.predict(&samples).unwrap(), now);
}

#[test]
fn digits_model_version_1_loads_and_predicts_as_written() {
    check_digits(1);
}

#[test]
fn digits_model_version_2_loads_and_predicts_as_written() {
    check_digits(2);
}

#[test]
fn digits_model_version_3_loads_and_predicts_as_written() {
    check_digits(3);
}

#[test]
fn digits_model_version_4_loads_and_predicts_as_written() {
    check_digits(4);
}

fn check_series(name: &str) {
    let path = fixtures().join(format!("{name}.json"));
    let model =
        TsModel::load(&path).unwrap_or_else(|e| panic!("{name}: {}", lsm_core::error_chain(&e)));
    assert_eq!(model.format_version, 1);
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join(format!("{name}.eval.json"))).unwrap(),
    )
    .unwrap();
    let data = DataSource::parse("narma10", None);
    let ev = evaluate(&model, &data).unwrap();
    assert_eq!(ev.scores.nrmse, old["nrmse"].as_f64().unwrap(), "{name}");
    assert_eq!(ev.scores.mse, old["mse"].as_f64().unwrap(), "{name}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    model.save(&out).unwrap();
    let back = TsModel::load(&out).unwrap();
    assert_eq!(back.format_version, MODEL_FORMAT_VERSION);
    assert_eq!(
        evaluate(&back, &data).unwrap().scores.nrmse,
        ev.scores.nrmse
    );
}

#[test]
fn series_esn_model_version_1_loads_and_scores_as_written() {
    check_series("ts-narma10-v1");
}

#[test]
fn series_spiking_model_version_1_loads_and_scores_as_written() {
    check_series("ts-spiking-v1");
}
