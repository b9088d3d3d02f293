//! End-to-end tests of `lsm default-config | fit | evaluate | predict | bench`: the built
//! binary on the bundled FSDD sample (`datasets/fsdd-sample`, 350 files: 250 train / 100
//! test under the official split), with a small network so the suite stays fast, and every
//! bad input the command line must refuse with a clear message and a non-zero exit.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const LSM: &str = env!("CARGO_BIN_EXE_lsm");

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

fn lsm(args: &[&str]) -> Output {
    Command::new(LSM)
        .args(args)
        .output()
        .expect("running the lsm binary")
}

fn ok(args: &[&str]) -> Output {
    let o = lsm(args);
    assert!(
        o.status.success(),
        "lsm {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Run, expect failure with exit code 1, return stderr.
fn fails(args: &[&str]) -> String {
    let o = lsm(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "lsm {args:?} should fail with exit code 1; stdout:\n{}\nstderr:\n{err}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(err.lines().any(|l| l.starts_with("error:")), "{err}");
    err
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small but real config: the default with 200 neurons (fast in debug builds).
fn small_config() -> Value {
    let o = ok(&["default-config"]);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["network"]["n_neurons"] = 200.into();
    v["readout"]["alphas"] = serde_json::json!([10.0, 100.0, 1000.0]);
    v
}

struct Fitted {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    config: PathBuf,
    model: PathBuf,
}

/// One fitted model shared by the tests (fit once: it is the slow part).
fn fitted() -> &'static Fitted {
    static F: OnceLock<Fitted> = OnceLock::new();
    F.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_path_buf();
        let config = dir.join("config.json");
        std::fs::write(&config, serde_json::to_vec_pretty(&small_config()).unwrap()).unwrap();
        let model = dir.join("model.json");
        ok(&[
            "--quiet",
            "fit",
            "--config",
            s(&config),
            "--data",
            s(&sample_dir()),
            "--out",
            s(&model),
        ]);
        Fitted {
            _dir: d,
            dir,
            config,
            model,
        }
    })
}

fn evaluate_json(model: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--quiet",
        "evaluate",
        "--model",
        s(model),
        "--data",
        s(&sample_dir()).to_string().leak(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = ok(&args);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.trim().lines().count(), 1, "one JSON object: {text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn default_config_is_valid_json_for_spoken_digits() {
    let o = ok(&["default-config"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["task"], "spoken-digits");
    assert_eq!(v["network"]["n_neurons"], 1000);
    assert_eq!(v["encoder"]["dt_ms"], v["network"]["dt_ms"]);
    let o = ok(&["default-config", "--task", "spoken-digits"]);
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap(), v);
    let e = fails(&["default-config", "--task", "spoken-digitz"]);
    assert!(
        e.contains("spoken-digitz") && e.contains("unknown task"),
        "{e}"
    );
}

#[test]
fn fit_evaluate_well_above_chance_with_report_and_plots() {
    let f = fitted();
    let v = evaluate_json(&f.model, &[]);
    assert_eq!(v["n_samples"], 100);
    let acc = v["accuracy"].as_f64().unwrap();
    assert!(acc > 0.6, "accuracy {acc} (chance is 0.1)");
    assert_eq!(v["confusion"]["classes"].as_array().unwrap().len(), 10);
    let total: u64 = v["confusion"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|c| c.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 100);
    assert_eq!(v["per_class"].as_object().unwrap().len(), 10);
    assert!(v["timings"]["total_s"].as_f64().unwrap() > 0.0);

    // Text report.
    let o = ok(&[
        "--quiet",
        "evaluate",
        "--model",
        s(&f.model),
        "--data",
        s(&sample_dir()),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("accuracy:") && text.contains("confusion matrix"),
        "{text}"
    );

    // Plots.
    for ext in ["svg", "png"] {
        let p = f.dir.join(format!("confusion.{ext}"));
        ok(&[
            "--quiet",
            "evaluate",
            "--model",
            s(&f.model),
            "--data",
            s(&sample_dir()),
            "--plot",
            s(&p),
        ]);
        let bytes = std::fs::read(&p).unwrap();
        match ext {
            "png" => assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n"),
            _ => assert!(String::from_utf8_lossy(&bytes).contains("<svg")),
        }
    }
}

#[test]
fn held_out_speaker_split_and_train_split() {
    let f = fitted();
    let v = evaluate_json(&f.model, &["--split", "train"]);
    assert_eq!(v["n_samples"], 250);
    let v = evaluate_json(&f.model, &["--split", "all", "--test-speakers", "theo"]);
    assert_eq!(v["n_samples"], 350);
    let v = evaluate_json(&f.model, &["--test-speakers", "theo,george"]);
    assert_eq!(v["n_samples"], 140);
}

#[test]
fn predict_prints_label_and_probability_matching_evaluate() {
    let f = fitted();
    let files = ["3_theo_0.wav", "7_jackson_1.wav", "0_george_0.wav"];
    let paths: Vec<String> = files
        .iter()
        .map(|n| s(&sample_dir().join(n)).to_string())
        .collect();
    let mut args = vec!["--quiet", "predict", "--model", s(&f.model)];
    args.extend(paths.iter().map(String::as_str));
    let o = ok(&args);
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (line, path) in lines.iter().zip(&paths) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "{line}");
        assert_eq!(cols[0], path);
        assert!(cols[1].parse::<u32>().unwrap() < 10);
        let p: f64 = cols[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{p}");
    }
    // JSON lines.
    args.insert(4, "--json");
    let o = ok(&args);
    for l in String::from_utf8(o.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["label"].is_string() && v["probability"].is_number());
    }
}

#[test]
fn one_and_two_threads_give_identical_models() {
    let f = fitted();
    let dir = tempfile::tempdir().unwrap();
    let m1 = dir.path().join("m1.json");
    ok(&[
        "--quiet",
        "--threads",
        "1",
        "fit",
        "--config",
        s(&f.config),
        "--data",
        s(&sample_dir()),
        "--out",
        s(&m1),
    ]);
    let a = std::fs::read(&m1).unwrap();
    let b = std::fs::read(&f.model).unwrap();
    assert!(
        a == b,
        "the model fitted with 1 thread differs from the default"
    );
}

#[test]
fn bad_inputs_fail_clearly_and_never_overwrite() {
    let f = fitted();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keep = d.join("keep.json");
    std::fs::write(&keep, b"precious").unwrap();

    // Missing data folder.
    let e = fails(&["fit", "--data", s(&d.join("nowhere")), "--out", s(&keep)]);
    assert!(e.contains("nowhere"), "{e}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");

    // A "WAV" that is not one.
    let bad = d.join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("1_x_7.wav"), b"this is not audio").unwrap();
    std::fs::copy(sample_dir().join("2_theo_5.wav"), bad.join("2_theo_5.wav")).unwrap();
    let e = fails(&[
        "fit",
        "--config",
        s(&f.config),
        "--data",
        s(&bad),
        "--out",
        s(&keep),
    ]);
    assert!(e.contains("1_x_7.wav"), "{e}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    let e = fails(&["predict", "--model", s(&f.model), s(&bad.join("1_x_7.wav"))]);
    assert!(e.contains("1_x_7.wav"), "{e}");
    let e = fails(&["predict", "--model", s(&f.model), s(&d.join("missing.wav"))]);
    assert!(e.contains("missing.wav"), "{e}");

    // Empty split: only training takes, evaluated on the test split.
    let e = fails(&["evaluate", "--model", s(&f.model), "--data", s(&bad)]);
    assert!(
        e.contains("test") && e.contains("empty") || e.contains("no file"),
        "{e}"
    );
    // Unknown held-out speaker.
    let e = fails(&[
        "evaluate",
        "--model",
        s(&f.model),
        "--data",
        s(&sample_dir()),
        "--test-speakers",
        "nobody",
    ]);
    assert!(e.contains("nobody"), "{e}");

    // Model of a newer format version.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&f.model).unwrap()).unwrap();
    v["format_version"] = 99.into();
    let newer = d.join("newer.json");
    std::fs::write(&newer, serde_json::to_vec(&v).unwrap()).unwrap();
    for cmd in ["evaluate", "predict"] {
        let mut args = vec![cmd, "--model", s(&newer)];
        if cmd == "evaluate" {
            args.extend(["--data", s(&sample_dir()).to_string().leak()]);
        } else {
            args.push(s(&sample_dir().join("3_theo_0.wav")).to_string().leak());
        }
        let e = fails(&args);
        assert!(
            e.contains("newer") && e.contains("99") && e.contains("newer.json"),
            "{e}"
        );
    }

    // Truncated model file.
    let bytes = std::fs::read(&f.model).unwrap();
    let trunc = d.join("trunc.json");
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(&[
        "predict",
        "--model",
        s(&trunc),
        s(&sample_dir().join("3_theo_0.wav")),
    ]);
    assert!(e.contains("trunc.json") && e.contains("truncated"), "{e}");

    // A config with a misspelt field, and a config given as a model.
    let mut c = small_config();
    c["readout"]["alphaz"] = serde_json::json!([1.0]);
    let cfg = d.join("typo.json");
    std::fs::write(&cfg, serde_json::to_vec(&c).unwrap()).unwrap();
    let e = fails(&[
        "fit",
        "--config",
        s(&cfg),
        "--data",
        s(&sample_dir()),
        "--out",
        s(&keep),
    ]);
    assert!(e.contains("alphaz") && e.contains("typo.json"), "{e}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    let e = fails(&[
        "predict",
        "--model",
        s(&f.config),
        s(&sample_dir().join("3_theo_0.wav")),
    ]);
    assert!(e.contains("not an lsm model"), "{e}");

    // Cross-stage inconsistency in a config: dt of encoder and network.
    let mut c = small_config();
    c["network"]["dt_ms"] = 0.5.into();
    std::fs::write(&cfg, serde_json::to_vec(&c).unwrap()).unwrap();
    let e = fails(&[
        "fit",
        "--config",
        s(&cfg),
        "--data",
        s(&sample_dir()),
        "--out",
        s(&keep),
    ]);
    assert!(e.contains("dt_ms"), "{e}");

    // Output folder that does not exist; unknown plot format.
    let e = fails(&[
        "fit",
        "--data",
        s(&sample_dir()),
        "--out",
        s(&d.join("no/such/dir/m.json")),
    ]);
    assert!(e.contains("does not exist"), "{e}");
    let e = fails(&[
        "evaluate",
        "--model",
        s(&f.model),
        "--data",
        s(&sample_dir()),
        "--plot",
        s(&d.join("x.gif")),
    ]);
    assert!(e.contains("x.gif") && e.contains(".svg"), "{e}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    // Nothing left behind by the failed runs but our own files.
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn bench_simulate_prints_json() {
    let o = ok(&[
        "--quiet",
        "bench",
        "simulate",
        "--neurons",
        "300",
        "--duration-ms",
        "20",
        "--repeats",
        "1",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bench"], "simulate");
    assert_eq!(v["results"][0]["n_neurons"], 300);
}

#[test]
fn bench_job_and_loso_on_the_sample() {
    let f = fitted();
    let data = sample_dir();
    let job = |extra: &[&str]| -> Value {
        let mut args = vec![
            "--quiet",
            "bench",
            "--data",
            s(&data),
            "--config",
            s(&f.config),
        ];
        args.extend_from_slice(extra);
        serde_json::from_slice(&ok(&args).stdout).unwrap()
    };
    let v = job(&[]);
    assert_eq!(v["n_train"], 250);
    assert_eq!(v["n_test"], 100);
    // Same config and data as the shared model: same accuracy.
    let e = evaluate_json(&f.model, &[]);
    assert_eq!(v["test_accuracy"], e["accuracy"]);
    let cfg: Value = serde_json::from_slice(&std::fs::read(&f.config).unwrap()).unwrap();
    assert_eq!(v["seed"], cfg["seed"]);
    // `--seed` overrides the config's seed: another network, reported in the JSON.
    let w = job(&["--seed", "7"]);
    assert_eq!(w["seed"], 7);
    assert_ne!(w["reservoir_spikes"], v["reservoir_spikes"]);

    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("features.npy");
    let o = ok(&[
        "--quiet",
        "bench",
        "loso",
        "--data",
        s(&sample_dir()),
        "--config",
        s(&f.config),
        "--dump-features",
        s(&npy),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["loso"].as_array().unwrap().len(), 5);
    assert!(v["loso_mean"].as_f64().unwrap() > 0.3);
    assert!(v["loso_mean_input_only"].as_f64().unwrap() > 0.2);

    // The dumped features: a valid .npy (float64, C order) of 350 rows, reservoir columns
    // (200 neurons x 4 bins) then the input columns named by the sidecar.
    let bytes = std::fs::read(&npy).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + hlen) % 64, 0, "header padded to 64 bytes");
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    let side: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("features.npy.json")).unwrap())
            .unwrap();
    let n_in = side["n_input_features"].as_u64().unwrap() as usize;
    let cols = 200 * 4 + n_in;
    assert!(n_in > 0);
    assert!(
        header.contains("'descr': '<f8'") && header.contains(&format!("'shape': (350, {cols})")),
        "{header}"
    );
    assert_eq!(bytes.len(), 10 + hlen + 350 * cols * 8);
    assert_eq!(side["labels"].as_array().unwrap().len(), 350);
    assert_eq!(side["speakers"].as_array().unwrap().len(), 350);
    let n_test = side["official_test"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b.as_bool().unwrap())
        .count();
    assert_eq!(n_test, 100);
    // Features are square roots of counts: finite and non-negative.
    let vals: Vec<f64> = bytes[10 + hlen..]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert!(vals.iter().all(|x| x.is_finite() && *x >= 0.0));
    assert!(vals.iter().any(|x| *x > 0.0));
}

#[test]
fn time_series_tasks_dispatch_to_the_time_series_pipeline() {
    let o = ok(&["default-config", "--task", "mackey-glass"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["task"], "mackey-glass");
    // No --config: the task's default config, written to a temporary file for the fit.
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("narma.json");
    ok(&["--quiet", "fit", "--data", "narma10", "--out", s(&m)]);
    let o = ok(&[
        "--quiet",
        "evaluate",
        "--model",
        s(&m),
        "--data",
        "narma10",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["nrmse"].as_f64().unwrap() < 1.0, "{v}");
    // A time-series model cannot classify WAV files; data and model must agree.
    let e = fails(&[
        "predict",
        "--model",
        s(&m),
        s(&sample_dir().join("3_theo_0.wav")),
    ]);
    assert!(e.contains("narma10") && e.contains("spoken-digits"), "{e}");
    let e = fails(&[
        "evaluate",
        "--model",
        s(&fitted().model),
        "--data",
        "narma10",
    ]);
    assert!(e.contains("time series"), "{e}");
}

/// `lsm predict` on a time-series model writes the predicted series and its target as CSV:
/// teacher forced over the test segment, or one closed-loop free run of `--horizon` steps
/// whose first steps follow the target.
#[test]
fn predict_writes_a_time_series_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("mg.json");
    let o = ok(&["default-config", "--task", "mackey-glass"]);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["reservoir"]["n_units"] = 100.into();
    v["split"]["train"] = 1000.into();
    v["split"]["test"] = 300.into();
    v["prediction"]["trials"] = 10.into();
    std::fs::write(&cfg, v.to_string()).unwrap();
    let m = dir.path().join("m.json");
    ok(&[
        "fit",
        "--config",
        s(&cfg),
        "--data",
        "mackey-glass",
        "--out",
        s(&m),
    ]);
    let p = dir.path().join("p.csv");
    let read = |p: &Path| -> Vec<Vec<f64>> {
        let text = std::fs::read_to_string(p).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("step,x_pred,x_true"));
        lines
            .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
            .collect()
    };
    let base = [
        "predict",
        "--model",
        s(&m),
        "--data",
        "mackey-glass",
        "--out",
        s(&p),
    ];
    ok(&[&base[..], &["--horizon", "60"]].concat());
    let rows = read(&p);
    assert_eq!(rows.len(), 60);
    assert_eq!(rows[0][0], 1.0, "closed-loop steps count from 1");
    let err: f64 = rows[..20]
        .iter()
        .map(|r| (r[1] - r[2]).abs())
        .fold(0.0, f64::max);
    assert!(err < 0.05, "the first 20 free-run steps are off by {err}");
    ok(&[&base[..], &["--mode", "teacher-forced"]].concat());
    let rows = read(&p);
    assert_eq!(rows.len(), 300, "the whole test segment");
    assert_eq!(rows[299][0], 299.0);
    let e = fails(&[&base[..], &["--horizon", "100000"]].concat());
    assert!(e.contains("closed loop of 100000 steps"), "{e}");
    let e = fails(&[&base[..], &["--mode", "teacher-forced", "--horizon", "5"]].concat());
    assert!(e.contains("--horizon"), "{e}");
    // The model is an input: it is never overwritten.
    let mut onto_model = base;
    onto_model[6] = s(&m);
    let e = fails(&onto_model);
    assert!(e.contains("--out"), "{e}");
    let e = fails(&["predict", "--model", s(&m), "--data", "mackey-glass"]);
    assert!(e.contains("--out PRED.csv"), "{e}");
}

/// `lsm data series` writes the very numbers a built-in task fits on: a model fitted on the
/// CSV (as a `csv` task) scores exactly as the one fitted on the generator.
#[test]
fn data_series_writes_the_numbers_fit_uses() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(&["default-config", "--task", "mackey-glass"]);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["reservoir"]["n_units"] = 50.into();
    v["split"]["train"] = 600.into();
    v["split"]["validation"] = 0.into();
    v["split"]["test"] = 300.into();
    v["prediction"] = serde_json::json!({"mode": "one-step", "horizon": 1});
    v["readout"]["alphas"] = serde_json::json!([1e-8]);
    let cfg = dir.path().join("mg.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let csv = dir.path().join("mg.csv");
    ok(&[
        "data",
        "series",
        "--task",
        "mackey-glass",
        "--config",
        s(&cfg),
        "--out",
        s(&csv),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next(), Some("x"));
    // discard 500 + washout 500 + train 600 + test 300 + 1 step ahead.
    assert_eq!(text.lines().count(), 1 + 500 + 500 + 600 + 300 + 1);
    v["task"] = "csv".into();
    v["data"]["csv"] = serde_json::json!({"target": "x"});
    let cfg_csv = dir.path().join("mg_csv.json");
    std::fs::write(&cfg_csv, v.to_string()).unwrap();
    let score = |cfg: &Path, data: &str, name: &str| -> f64 {
        let m = dir.path().join(name);
        ok(&["fit", "--config", s(cfg), "--data", data, "--out", s(&m)]);
        let o = ok(&["evaluate", "--model", s(&m), "--data", data, "--json"]);
        let e: Value = serde_json::from_slice(&o.stdout).unwrap();
        e["nrmse"].as_f64().unwrap()
    };
    let a = score(&cfg, "mackey-glass", "a.json");
    let b = score(&cfg_csv, s(&csv), "b.json");
    assert_eq!(a, b);
    let e = fails(&["data", "series", "--task", "csv", "--out", s(&csv)]);
    assert!(e.contains("--task csv"), "{e}");
}

/// Digital silence encodes to no spikes: `predict` refuses it with a message naming the file
/// instead of a confident label, and `evaluate --skip-bad` leaves it out of a dataset.
#[test]
fn silence_is_refused_not_labelled() {
    let f = fitted();
    let dir = tempfile::tempdir().unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let silent = dir.path().join("5_quiet_0.wav");
    let mut w = hound::WavWriter::create(&silent, spec).unwrap();
    for _ in 0..4000 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let e = fails(&["predict", "--model", s(&f.model), s(&silent)]);
    assert!(e.contains("5_quiet_0.wav") && e.contains("silent"), "{e}");
    // In a dataset folder: an error without --skip-bad, left out (and listed) with it.
    for n in ["3_theo_0.wav", "7_jackson_0.wav"] {
        std::fs::copy(sample_dir().join(n), dir.path().join(n)).unwrap();
    }
    let e = fails(&["evaluate", "--model", s(&f.model), "--data", s(dir.path())]);
    assert!(e.contains("silent"), "{e}");
    let o = ok(&[
        "evaluate",
        "--model",
        s(&f.model),
        "--data",
        s(dir.path()),
        "--skip-bad",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("5_quiet_0.wav") && stderr.contains("silent"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["n_samples"].as_u64(), Some(2), "{v}");
}
