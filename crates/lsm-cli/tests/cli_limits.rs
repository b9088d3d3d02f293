//! Limits from the command line: every size, duration or count a flag or file declares is
//! checked against its cost before the work starts, with a message naming the limit and how
//! to lift it (`--allow-large`, `LSM_ALLOW_LARGE=1`, `LSM_MAX_<NAME>`); config files are strict
//! JSON. Each case runs in its own process, so lifting a limit never leaks into another test.

use std::path::Path;
use std::process::{Command, Output};

fn lsm_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lsm"));
    c.args(args).arg("--quiet");
    c.env_remove("LSM_ALLOW_LARGE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("running lsm")
}

fn lsm(args: &[&str]) -> Output {
    lsm_env(args, &[])
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lsm failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Fails with exit code 1 and a message containing every one of `want`.
fn fails_with(o: &Output, want: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for w in want {
        assert!(err.contains(w), "`{w}` missing from: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// A 20-neuron network file with one input, at dt 0.1 ms.
fn small_net(dir: &Path) -> String {
    let gen = dir.join("gen.json");
    std::fs::write(&gen, r#"{"n_neurons": 20, "dt_ms": 0.1}"#).unwrap();
    let net = dir.join("net.json").to_string_lossy().into_owned();
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        &gen.to_string_lossy(),
        "--out",
        &net,
        "--n-inputs",
        "1",
    ]));
    net
}

#[test]
fn huge_durations_and_recordings_are_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let net = small_net(dir.path());
    let out = dir.path().join("out.csv").to_string_lossy().into_owned();
    // 1e12 ms at dt 0.1 ms: 1e13 steps.
    let o = lsm(&[
        "simulate",
        "--network",
        &net,
        "--duration-ms",
        "1e12",
        "--out",
        &out,
    ]);
    fails_with(
        &o,
        &["--duration-ms 1000000000000", "steps", "--allow-large"],
    );
    assert!(!Path::new(&out).exists());
    // --record-v over 5e7 steps x 20 neurons x 8 bytes = 8 GB.
    let v = dir.path().join("v.csv").to_string_lossy().into_owned();
    let o = lsm(&[
        "simulate",
        "--network",
        &net,
        "--duration-ms",
        "5e6",
        "--out",
        &out,
        "--record-v",
        &v,
    ]);
    fails_with(&o, &["--record-v", "memory_bytes", "LSM_MAX_MEMORY_BYTES"]);
    assert!(!Path::new(&v).exists());
    // A per-limit override applies: 100 steps allowed, 1000 asked.
    let o = lsm_env(
        &[
            "simulate",
            "--network",
            &net,
            "--duration-ms",
            "100",
            "--out",
            &out,
        ],
        &[("LSM_MAX_STEPS", "100")],
    );
    fails_with(&o, &["1000 steps", "above the limit of 100 steps"]);
    // And a normal run is untouched.
    ok(&lsm(&[
        "simulate",
        "--network",
        &net,
        "--duration-ms",
        "10",
        "--out",
        &out,
    ]));
}

#[test]
fn allow_large_lifts_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let net = small_net(dir.path());
    let out = dir.path().join("out.csv").to_string_lossy().into_owned();
    // 2e6 steps x 20 neurons: within the work limit but above a lowered step limit, which
    // --allow-large and LSM_ALLOW_LARGE both lift.
    let args = [
        "simulate",
        "--network",
        &net,
        "--duration-ms",
        "2e5",
        "--out",
        &out,
    ];
    fails_with(
        &lsm_env(&args, &[("LSM_MAX_STEPS", "1e6")]),
        &["LSM_MAX_STEPS"],
    );
    let mut lifted = args.to_vec();
    lifted.push("--allow-large");
    ok(&lsm_env(&lifted, &[("LSM_MAX_STEPS", "1e6")]));
    ok(&lsm_env(
        &args,
        &[("LSM_MAX_STEPS", "1e6"), ("LSM_ALLOW_LARGE", "1")],
    ));
}

#[test]
fn threads_and_epochs_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let net = small_net(dir.path());
    let out = dir.path().join("out.csv").to_string_lossy().into_owned();
    let o = lsm(&[
        "simulate",
        "--network",
        &net,
        "--duration-ms",
        "1",
        "--out",
        &out,
        "--threads",
        "100000",
    ]);
    fails_with(&o, &["--threads", "100000 threads", "--allow-large"]);
    // STDP: 1e8 epochs are refused before the input files are laid out 1e8 times.
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "channel,time_ms\n0,1.0\n").unwrap();
    let learned = dir
        .path()
        .join("learned.json")
        .to_string_lossy()
        .into_owned();
    let o = lsm(&[
        "network",
        "stdp",
        "--network",
        &net,
        "--input",
        &input.to_string_lossy(),
        "--duration-ms",
        "100",
        "--epochs",
        "100000000",
        "--out",
        &learned,
    ]);
    fails_with(&o, &["--epochs 100000000", "work", "--allow-large"]);
    assert!(!Path::new(&learned).exists());
}

#[test]
fn network_files_declaring_too_much_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let net = small_net(dir.path());
    let text = std::fs::read_to_string(&net).unwrap();
    let out = dir.path().join("out.csv").to_string_lossy().into_owned();
    // Simulate a copy of the network file with one field changed: refused, naming it.
    let simulate_edited = |name: &str, pointer: &str, value: serde_json::Value, want: &[&str]| {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        *v.pointer_mut(pointer).unwrap() = value;
        let p = dir.path().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        let file = p.to_string_lossy();
        let o = lsm(&[
            "simulate",
            "--network",
            &file,
            "--duration-ms",
            "1",
            "--out",
            &out,
        ]);
        fails_with(&o, want);
    };
    simulate_edited(
        "big.json",
        "/n_neurons",
        serde_json::json!(2_000_000_000u64),
        &["big.json", "n_neurons", "LSM_MAX_NEURONS"],
    );
    simulate_edited(
        "refr.json",
        "/neuron/t_ref_ms",
        serde_json::json!(1e300),
        &["refr.json", "neuron.t_ref_ms", "2^52"],
    );
    // The generator: 1e5 neurons all-to-all (1e10 synapses) is refused before drawing.
    let gen = dir.path().join("dense.json");
    std::fs::write(
        &gen,
        r#"{"n_neurons": 100000, "topology": {"kind": "random", "p": 1.0}}"#,
    )
    .unwrap();
    let o = lsm(&[
        "network",
        "generate",
        "--config",
        &gen.to_string_lossy(),
        "--out",
        &out,
    ]);
    fails_with(&o, &["synapses", "LSM_MAX_SYNAPSES"]);
}

#[test]
fn config_files_are_strict_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net.json").to_string_lossy().into_owned();
    let gen = dir.path().join("gen.json");
    let gen_s = gen.to_string_lossy().into_owned();
    // `{}` is the documented default config.
    std::fs::write(&gen, "{}").unwrap();
    ok(&lsm(&[
        "network", "generate", "--config", &gen_s, "--out", &out,
    ]));
    std::fs::remove_file(&out).unwrap();
    for text in ["[]", "null", "42"] {
        std::fs::write(&gen, text).unwrap();
        let o = lsm(&["network", "generate", "--config", &gen_s, "--out", &out]);
        fails_with(&o, &["gen.json", "expected a JSON object"]);
        assert!(!Path::new(&out).exists());
    }
    std::fs::write(&gen, r#"{"n_neurons": 10, "n_neurons": 20}"#).unwrap();
    let o = lsm(&["network", "generate", "--config", &gen_s, "--out", &out]);
    fails_with(&o, &["gen.json", "duplicate key `n_neurons`"]);
    // Encoder configs.
    let enc = dir.path().join("enc.json");
    std::fs::write(&enc, r#"{"dt_ms": 1.0, "front_end": {}, "dt_ms": 2.0}"#).unwrap();
    let wav = format!(
        "{}/../../datasets/fsdd-sample/recordings/3_theo_0.wav",
        env!("CARGO_MANIFEST_DIR")
    );
    let spikes = dir.path().join("s.csv").to_string_lossy().into_owned();
    let o = lsm(&[
        "encode",
        &wav,
        "--config",
        &enc.to_string_lossy(),
        "--out",
        &spikes,
    ]);
    fails_with(&o, &["enc.json", "duplicate key `dt_ms`"]);
}

#[test]
fn silent_and_too_short_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let write = |name: &str, n: usize| {
        let p = dir.path().join(name);
        let mut w = hound::WavWriter::create(&p, spec).unwrap();
        for _ in 0..n {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        p.to_string_lossy().into_owned()
    };
    let spikes = dir.path().join("s.csv");
    let s = spikes.to_string_lossy().into_owned();
    // Silence: no spikes at all.
    ok(&lsm(&["encode", &write("silence.wav", 8000), "--out", &s]));
    let text = std::fs::read_to_string(&spikes).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    // Ten samples: shorter than the 256-sample window.
    let o = lsm(&["encode", &write("ten.wav", 10), "--out", &s]);
    fails_with(&o, &["ten.wav", "too short", "10 samples", "256 samples"]);
}
