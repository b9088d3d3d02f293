//! End-to-end tests of `lsm network generate`, `lsm simulate` and `lsm encode`.

use std::path::Path;
use std::process::{Command, Output};

fn lsm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsm"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("running lsm")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lsm failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn sample_wav() -> String {
    format!(
        "{}/../../datasets/fsdd-sample/recordings/3_theo_0.wav",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Parse `index,time_ms` CSV rows after checking the header.
fn rows(path: &Path, header: &str) -> Vec<(usize, f64)> {
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

#[test]
fn generate_then_simulate_is_sorted_deterministic_and_driven_by_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
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
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("net.json")).unwrap()).unwrap();
    assert_eq!(net["format"], "lsm-network");
    assert_eq!(net["n_neurons"], 60);
    assert_eq!(net["n_inputs"], 2);

    // A dense burst of input spikes on both channels.
    let mut input = String::from("channel,time_ms\n");
    for k in 0..40 {
        input += &format!("{},{}\n", k % 2, 1.0 + k as f64 * 0.5);
    }
    std::fs::write(p("in.csv"), input).unwrap();
    let run = |out: &str| {
        ok(&lsm(&[
            "simulate",
            "--network",
            &p("net.json"),
            "--input",
            &p("in.csv"),
            "--duration-ms",
            "50",
            "--out",
            &p(out),
            "--record-v",
            &p("v.csv"),
        ]))
    };
    run("out1.csv");
    run("out2.csv");
    let a = rows(&dir.path().join("out1.csv"), "neuron,time_ms");
    assert!(!a.is_empty(), "strong input must make the network spike");
    assert!(a.iter().all(|&(n, t)| n < 60 && (0.0..50.0).contains(&t)));
    let sorted = a
        .windows(2)
        .all(|w| w[0].1 < w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0));
    assert!(sorted, "output must be sorted by time then neuron");
    assert_eq!(
        std::fs::read(p("out1.csv")).unwrap(),
        std::fs::read(p("out2.csv")).unwrap()
    );
    let v = std::fs::read_to_string(p("v.csv")).unwrap();
    assert!(v.starts_with("time_ms,v0,"), "{}", &v[..40.min(v.len())]);
    assert_eq!(v.lines().count(), 1 + 500);

    // Without input the network stays silent (no bias, no noise by default).
    ok(&lsm(&[
        "simulate",
        "--network",
        &p("net.json"),
        "--duration-ms",
        "50",
        "--out",
        &p("quiet.csv"),
    ]));
    assert!(rows(&dir.path().join("quiet.csv"), "neuron,time_ms").is_empty());
}

#[test]
fn simulate_rejects_bad_files_with_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    std::fs::write(p("net.json"), r#"{"format": "lsm-network", "version": 99}"#).unwrap();
    let o = lsm(&[
        "simulate",
        "--network",
        &p("net.json"),
        "--duration-ms",
        "10",
        "--out",
        &p("o.csv"),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("net.json"), "{e}");
    assert!(!dir.path().join("o.csv").exists());

    std::fs::write(p("gen.json"), r#"{"n_neurons": 20}"#).unwrap();
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        &p("gen.json"),
        "--out",
        &p("good.json"),
    ]));
    std::fs::write(p("in.csv"), "channel,time_ms\n0,abc\n").unwrap();
    let o = lsm(&[
        "simulate",
        "--network",
        &p("good.json"),
        "--input",
        &p("in.csv"),
        "--duration-ms",
        "10",
        "--out",
        &p("o.csv"),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("in.csv") && e.contains("line 2"), "{e}");

    std::fs::write(p("typo.json"), r#"{"n_neuronz": 20}"#).unwrap();
    let o = lsm(&[
        "network",
        "generate",
        "--config",
        &p("typo.json"),
        "--out",
        &p("x.json"),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("n_neuronz"), "{e}");
}

#[test]
fn encode_writes_spikes_and_a_plot() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    ok(&lsm(&[
        "encode",
        &sample_wav(),
        "--out",
        &p("s.csv"),
        "--plot",
        &p("r.svg"),
    ]));
    let s = rows(&dir.path().join("s.csv"), "channel,time_ms");
    assert!(s.len() > 100);
    assert!(
        s.iter().all(|&(c, _)| c < 32),
        "default front end has 32 bands"
    );
    let svg = std::fs::read_to_string(p("r.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("cochleagram"));
    // Same seed, same spikes.
    ok(&lsm(&["encode", &sample_wav(), "--out", &p("s2.csv")]));
    assert_eq!(
        std::fs::read(p("s.csv")).unwrap(),
        std::fs::read(p("s2.csv")).unwrap()
    );

    std::fs::write(p("bad.wav"), b"RIFF nonsense").unwrap();
    let o = lsm(&["encode", &p("bad.wav"), "--out", &p("b.csv")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.wav"));
    assert!(!dir.path().join("b.csv").exists());
}
