//! `lsm convert`: ANN-to-SNN conversion on a spike dataset's input features, the network file
//! it writes, its report, and its refusals.

mod common;

use common::{fails_with, lsm, ok, s};
use lsm_reservoir::{Drive, Network, NetworkSpec, RecordSpec, ResetKind};
use ndarray::Array2;
use serde_json::Value;
use std::path::Path;

/// Three templates of 10 channels, 2 ms jitter: 20 training and 20 test samples per class.
fn dataset(dir: &Path) {
    common::write_patterns(dir, 3, 10, 2.0, 20, 3);
}

#[test]
fn convert_writes_a_network_that_classifies_like_the_ann() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data);
    let (net, report) = (tmp.path().join("net.json"), tmp.path().join("r.json"));
    let o = lsm(&[
        "convert",
        "--data",
        s(&data),
        "--features",
        "input",
        "--hidden",
        "32",
        "--epochs",
        "80",
        "--steps",
        "20,200",
        "--out",
        s(&net),
        "--report",
        s(&report),
    ]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("ANN test accuracy"), "{stdout}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["n_train"], 60);
    assert_eq!(r["n_test"], 60);
    let ann = r["ann_test_accuracy"].as_f64().unwrap();
    assert!(ann > 0.9, "{r}");
    let snn = r["snn"].as_array().unwrap();
    assert_eq!(snn.len(), 2);
    assert_eq!(snn[1]["steps"], 200);
    assert!(snn[1]["agreement"].as_f64().unwrap() >= 0.95, "{r}");
    // The file is an ordinary network: 32 hidden IF neurons with reset by subtraction and 3
    // outputs, the features as analog inputs.
    let spec = NetworkSpec::load(&net).unwrap();
    assert_eq!(spec.n_neurons, 35);
    assert_eq!(spec.n_inputs, r["n_features"].as_u64().unwrap() as usize);
    assert_eq!(spec.neuron.reset, ResetKind::Subtract);
    assert!(!spec.neuron.leaky);
    // Through the Rust API with its analog drive (the standardised features of the file's
    // meta): a constant zero drive is the mean sample; it runs, and the output neurons never
    // fire.
    let network = Network::from_spec(&spec).unwrap();
    let mean = &spec.meta.as_ref().unwrap()["feature_mean"];
    assert_eq!(mean.as_array().unwrap().len(), spec.n_inputs);
    let x = Array2::zeros((100, spec.n_inputs));
    let rec = network
        .run(Drive::Current(x.view()), 100, &RecordSpec::default(), 0, 0)
        .unwrap();
    assert!(rec.spikes.unwrap().iter().all(|(_, n)| n < 32));
}

#[test]
fn convert_refuses_bad_flags_and_outputs_over_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data);
    let net = tmp.path().join("net.json");
    let base = ["convert", "--data", s(&data), "--out", s(&net)];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    fails_with(
        &lsm(&with(&["--features", "both"])),
        &["--features both", "`config` or `input`"],
    );
    fails_with(&lsm(&with(&["--steps", "0,10"])), &["--steps"]);
    fails_with(&lsm(&with(&["--hidden", "0"])), &["`hidden`"]);
    fails_with(&lsm(&with(&["--steps", "10,1000000000000"])), &["--steps"]);
    fails_with(&lsm(&with(&["--learning-rate=-1"])), &["`learning_rate`"]);
    fails_with(&lsm(&with(&["--percentile", "150"])), &["`percentile`"]);
    // An output over an input: the labels file of the data.
    let labels = data.join("labels.csv");
    fails_with(
        &lsm(&[
            "convert",
            "--data",
            s(&data),
            "--config",
            s(&labels),
            "--out",
            s(&labels),
        ]),
        &["--out"],
    );
    // An output over a recording of the data.
    let rec = data.join("test_p0_0000.csv");
    let before = std::fs::read(&rec).unwrap();
    fails_with(
        &lsm(&["convert", "--data", s(&data), "--out", s(&rec)]),
        &["is the recording", "refusing to overwrite an input"],
    );
    assert_eq!(std::fs::read(&rec).unwrap(), before);
    assert!(!net.exists());
}
