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

/// A path as the `&str` of a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A jittered-template spike dataset (Maass et al. 2002) written to `dir`: `templates`
/// templates of `channels` channels, 200 ms, `jitter_ms` jitter, `per_class` training and
/// `per_class` test samples per class.
pub fn write_patterns(
    dir: &Path,
    templates: usize,
    channels: usize,
    jitter_ms: f64,
    per_class: usize,
    seed: u64,
) {
    use lsm_datasets::spike_patterns::{self, SpikePatternConfig};
    let cfg = SpikePatternConfig {
        n_templates: templates,
        n_channels: channels,
        duration_ms: 200.0,
        jitter_ms,
        n_train: per_class,
        n_test: per_class,
        ..SpikePatternConfig::default()
    };
    let samples = spike_patterns::generate(&cfg, seed).unwrap();
    spike_patterns::write_dataset(dir, &cfg, seed, &samples).unwrap();
}

/// The spike dataset of most CLI tests: two templates of 20 channels, 4 ms jitter, 25
/// training and 25 test samples per class.
pub fn two_template_patterns(dir: &Path) {
    write_patterns(dir, 2, 20, 4.0, 25, 5);
}
