//! Helpers shared by the command-line tests: run `lsm`, check its outcome, read spike CSV
//! files, and a small network with an input burst.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run `lsm ARGS --quiet`.
pub fn lsm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsm"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("running lsm")
}

/// The run succeeded (else fail with its stderr).
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lsm failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The run failed; its stderr.
pub fn fails(o: &Output) -> String {
    assert!(!o.status.success(), "lsm should have failed");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The run failed with a message containing every one of `parts`.
pub fn fails_with(o: &Output, parts: &[&str]) {
    assert!(!o.status.success(), "lsm should have failed");
    let e = String::from_utf8_lossy(&o.stderr);
    for p in parts {
        assert!(e.contains(p), "`{p}` not in: {e}");
    }
}

/// A bundled FSDD recording.
pub fn sample_wav() -> String {
    format!(
        "{}/../../datasets/fsdd-sample/recordings/3_theo_0.wav",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Parse `index,time_ms` CSV rows after checking the header.
pub fn rows(path: &Path, header: &str) -> Vec<(usize, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header));
    lines
        .map(|l| {
            let (a, b) = l.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect()
}

/// `gen.json` (60 neurons, dt 0.1 ms, every input onto every neuron), `net.json` generated
/// from it with 2 inputs, and `in.csv`: `n` input spikes alternating between the channels
/// every 0.5 ms from 1 ms.
pub fn net_and_burst(dir: &Path, n: usize) {
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    std::fs::write(
        p("gen.json"),
        r#"{"n_neurons": 60, "dt_ms": 0.1, "input": {"fraction": 1.0, "scale_exc": 3.0}}"#,
    )
    .unwrap();
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        &p("gen.json"),
        "--out",
        &p("net.json"),
        "--n-inputs",
        "2",
    ]));
    let mut input = String::from("channel,time_ms\n");
    for k in 0..n {
        input += &format!("{},{}\n", k % 2, 1.0 + k as f64 * 0.5);
    }
    std::fs::write(p("in.csv"), input).unwrap();
}
