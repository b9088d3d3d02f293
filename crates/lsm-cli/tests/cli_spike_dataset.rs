//! `lsm fit | evaluate | predict --data DIR` on a spike-train dataset (a folder with
//! `labels.csv` and one `channel,time_ms` file per sample), here the jittered-template task of
//! Maass, Natschläger & Markram 2002 written by lsm-datasets, and a network named by file in
//! the config.

mod common;

use common::{s, two_template_patterns as dataset};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const LSM: &str = env!("CARGO_BIN_EXE_lsm");

fn lsm(args: &[&str]) -> std::process::Output {
    let o = Command::new(LSM).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "lsm {args:?}:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn fit_args<'a>(data: &'a Path, cfg: &'a Path, model: &'a Path) -> [&'a str; 8] {
    [
        "fit",
        "--data",
        s(data),
        "--config",
        s(cfg),
        "--out",
        s(model),
        "-q",
    ]
}

fn fit(data: &Path, cfg: &Path, model: &Path) {
    lsm(&fit_args(data, cfg, model));
}

#[test]
fn a_spike_dataset_fits_evaluates_and_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("patterns");
    dataset(&data);
    let cfg = tmp.path().join("small.json");
    std::fs::write(&cfg, r#"{"network": {"n_neurons": 100, "dt_ms": 1.0}}"#).unwrap();
    let model = tmp.path().join("m.json");
    fit(&data, &cfg, &model);
    let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["config"]["input"]["kind"], "spikes");
    assert_eq!(m["config"]["input"]["n_channels"], 20);
    assert_eq!(m["network"]["n_inputs"], 20);
    let o = lsm(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
        "-q",
    ]);
    let ev: Value = serde_json::from_slice(&o.stdout).unwrap();
    let acc = ev["accuracy"].as_f64().unwrap();
    assert!(acc >= 0.9, "two templates at 4 ms jitter: accuracy {acc}");
    // Predicting one test file by path reads it as spikes and gives its label.
    let labels = std::fs::read_to_string(data.join("labels.csv")).unwrap();
    let row = labels
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",test"))
        .unwrap()
        .to_string();
    let f: Vec<&str> = row.split(',').collect();
    let o = lsm(&[
        "predict",
        "--model",
        s(&model),
        s(&data.join(f[0])),
        "--json",
    ]);
    let p: Value = serde_json::from_slice(o.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert!(p["label"] == f[1] || acc < 1.0, "{p} for {row}");
}

#[test]
fn a_network_file_named_in_the_config_drives_the_spike_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("patterns");
    dataset(&data);
    let gen = tmp.path().join("gen.json");
    std::fs::write(&gen, r#"{"n_neurons": 80, "dt_ms": 1.0}"#).unwrap();
    let nets = tmp.path().join("nets");
    std::fs::create_dir(&nets).unwrap();
    let net = nets.join("net.json");
    lsm(&[
        "network",
        "generate",
        "--config",
        s(&gen),
        "--out",
        s(&net),
        "--n-inputs",
        "20",
    ]);
    let cfg = tmp.path().join("cfg.json");
    std::fs::write(&cfg, r#"{"network": {"file": "nets/net.json"}}"#).unwrap();
    let model = tmp.path().join("m.json");
    fit(&data, &cfg, &model);
    let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let file: Value = serde_json::from_slice(&std::fs::read(&net).unwrap()).unwrap();
    assert_eq!(m["network"]["recurrent"], file["recurrent"]);
    assert_eq!(m["network"]["n_neurons"], 80);
    // A network with the wrong number of inputs: the file and the counts are named.
    lsm(&[
        "network",
        "generate",
        "--config",
        s(&gen),
        "--out",
        s(&net),
        "--n-inputs",
        "7",
    ]);
    let o = Command::new(LSM)
        .args(fit_args(&data, &cfg, &model))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("net.json") && err.contains("7 input channels") && err.contains("20"),
        "{err}"
    );
}

/// `--test-groups G` holds out the samples of group G of a spike dataset's `group` column.
#[test]
fn held_out_groups_of_a_spike_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("patterns");
    dataset(&data);
    // Give every row a group: every third row is b.
    let labels = data.join("labels.csv");
    let text = std::fs::read_to_string(&labels).unwrap();
    let mut out = String::new();
    let mut n_b = 0;
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out += &format!("{line},group\n");
        } else {
            let g = if i % 3 == 0 { "b" } else { "a" };
            n_b += usize::from(g == "b");
            out += &format!("{line},{g}\n");
        }
    }
    std::fs::write(&labels, out).unwrap();
    let cfg = tmp.path().join("small.json");
    std::fs::write(&cfg, r#"{"network": {"n_neurons": 60, "dt_ms": 1.0}}"#).unwrap();
    let model = tmp.path().join("m.json");
    lsm(&[
        "fit",
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--out",
        s(&model),
        "-q",
        "--test-groups",
        "b",
    ]);
    let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["training"]["groups"], serde_json::json!(["a"]));
    let o = lsm(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
        "-q",
        "--test-groups",
        "b",
    ]);
    let ev: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        ev["n"].as_u64().or(ev["n_samples"].as_u64()),
        Some(n_b as u64),
        "{ev}"
    );
}

/// `lsm fit` warns on stderr, naming the rate, when the reservoir is silent or saturated on
/// the training data (a fixed input gain far too small or too large), even with `-q`; the
/// default (`"input_drive": "auto"`) scales the drive into the band and does not warn.
#[test]
fn fit_warns_about_a_silent_or_saturated_reservoir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("patterns");
    dataset(&data);
    let model = tmp.path().join("m.json");
    for (drive, expect) in [
        ("0.01", Some("warning: the reservoir is nearly silent")),
        ("2000", Some("warning: the reservoir is saturated")),
        ("\"auto\"", None),
    ] {
        let cfg = tmp.path().join("drive.json");
        std::fs::write(
            &cfg,
            format!(r#"{{"input_drive": {drive}, "network": {{"n_neurons": 100, "dt_ms": 1.0}}}}"#),
        )
        .unwrap();
        let o = lsm(&fit_args(&data, &cfg, &model));
        let err = String::from_utf8_lossy(&o.stderr);
        match expect {
            Some(w) => assert!(err.contains(w) && err.contains(" Hz"), "{drive}: {err}"),
            None => assert!(!err.contains("warning"), "{drive}: {err}"),
        }
        let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
        let gain = m["training"]["input_gain"].as_f64().unwrap();
        if drive == "\"auto\"" {
            assert!(gain > 1.0, "{gain}");
        } else {
            assert_eq!(gain, drive.parse::<f64>().unwrap());
        }
    }
}

/// `--segments` and `--duration-ms` write the segment task: labels are balanced and the
/// dataset's meta keeps the config.
#[test]
fn data_spike_patterns_writes_the_segment_task() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parity");
    let cfg = tmp.path().join("sp.json");
    std::fs::write(&cfg, r#"{"n_train": 8, "n_test": 4}"#).unwrap();
    lsm(&[
        "data",
        "spike-patterns",
        "--config",
        s(&cfg),
        "--segments",
        "3",
        "--duration-ms",
        "300",
        "--jitter-ms",
        "8",
        "--out",
        s(&out),
        "-q",
    ]);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(out.join("dataset.json")).unwrap()).unwrap();
    let c = &meta["meta"]["config"];
    assert_eq!(
        (c["segments"].as_u64(), c["jitter_ms"].as_f64()),
        (Some(3), Some(8.0))
    );
    assert_eq!(meta["duration_ms"].as_f64(), Some(300.0));
    let labels = std::fs::read_to_string(out.join("labels.csv")).unwrap();
    let ones = labels
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("1"))
        .count();
    assert_eq!((labels.lines().count() - 1, ones), (24, 12));
    // Bad values are named.
    let o = Command::new(LSM)
        .args(["data", "spike-patterns", "--segments", "500", "--out"])
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("segments"), "{err}");
}

#[test]
fn without_a_config_a_spike_dataset_gets_the_spike_default() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("ds");
    dataset(&data);
    // `lsm default-config --task spikes`: spike input, 80 ms membranes, else the default.
    let v: Value =
        serde_json::from_slice(&lsm(&["default-config", "--task", "spikes"]).stdout).unwrap();
    assert_eq!(v["input"]["kind"], "spikes", "{v}");
    assert_eq!(v["network"]["neuron"]["tau_m_ms"], 80.0, "{v}");
    let audio: Value = serde_json::from_slice(&lsm(&["default-config"]).stdout).unwrap();
    assert_eq!(audio["network"]["neuron"]["tau_m_ms"], 20.0, "{audio}");
    // `lsm fit` without --config on the spike dataset embeds that network: its neurons'
    // membrane time constant is 80 ms, on the dataset's grid.
    let model = d.path().join("m.json");
    lsm(&["-q", "fit", "--data", s(&data), "--out", s(&model)]);
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["config"]["network"]["neuron"]["tau_m_ms"], 80.0);
    assert_eq!(m["config"]["input"]["kind"], "spikes");
    let tau = &m["network"]["neuron"]["tau_m_ms"];
    assert!(
        tau == 80.0 || tau.as_array().is_some_and(|a| a.iter().all(|x| x == 80.0)),
        "{tau}"
    );
}
