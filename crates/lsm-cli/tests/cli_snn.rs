//! `lsm fit --config C` with an `"snn"` section: a spiking network trained by surrogate
//! gradients on a spike dataset, evaluated and used for prediction from its model file, and a
//! bad section refused with the field's name.

mod common;

use common::{fails_with, lsm, ok, s, two_template_patterns};
use serde_json::Value;

#[test]
fn fit_with_an_snn_section_trains_evaluates_and_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("patterns");
    two_template_patterns(&data);
    let cfg = tmp.path().join("snn.json");
    std::fs::write(
        &cfg,
        r#"{"snn": {"method": "surrogate", "hidden": 32, "epochs": 15, "batch_size": 10}}"#,
    )
    .unwrap();
    let model = tmp.path().join("m.json");
    let o = lsm(&[
        "fit",
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--out",
        s(&model),
    ]);
    ok(&o);
    let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["format_version"], 7);
    assert_eq!(m["snn"]["net"]["w_in"]["dim"], serde_json::json!([20, 32]));
    assert!(m["network"].is_null());
    let o = lsm(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
    ]);
    ok(&o);
    let ev: Value = serde_json::from_slice(&o.stdout).unwrap();
    let acc = ev["accuracy"].as_f64().unwrap();
    assert!(acc >= 0.9, "two templates at 4 ms jitter: accuracy {acc}");
    let labels = std::fs::read_to_string(data.join("labels.csv")).unwrap();
    let row = labels
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",test"))
        .unwrap();
    let f: Vec<&str> = row.split(',').collect();
    let o = lsm(&[
        "predict",
        "--model",
        s(&model),
        s(&data.join(f[0])),
        "--json",
    ]);
    ok(&o);
    let p: Value = serde_json::from_slice(o.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert!(p["label"] == f[1] || acc < 1.0, "{p} for {row}");

    // A bad section is refused before any work, naming the field.
    std::fs::write(&cfg, r#"{"snn": {"method": "surrogate", "slope": 0}}"#).unwrap();
    let o = lsm(&[
        "fit",
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--out",
        s(&model),
    ]);
    fails_with(&o, &["snn.slope"]);
    std::fs::write(&cfg, r#"{"snn": {"method": "surrogate", "epoch": 3}}"#).unwrap();
    let o = lsm(&[
        "fit",
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--out",
        s(&model),
    ]);
    fails_with(&o, &["epoch"]);
}
