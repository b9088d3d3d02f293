//! `lsm search`, `lsm search report` and `lsm features --shard` / `merge` end to end: a
//! small Mackey-Glass search (resume after a torn line, shards, report, best config that
//! `lsm fit` accepts), a small spoken-digit search on the bundled sample with successive
//! halving, bad space files refused before any trial, feature shards merged.

mod common;

use common::{fails_with, lsm, ok};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

/// A small echo state network on Mackey-Glass (fast in debug builds) and a 3-parameter space.
fn mg_files(dir: &Path) -> (PathBuf, PathBuf) {
    let o = lsm(&["default-config", "--task", "mackey-glass"]);
    ok(&o);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["reservoir"]["n_units"] = json!(40);
    v["prediction"]["trials"] = json!(10);
    let cfg = dir.join("mg.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let space = dir.join("space.json");
    std::fs::write(
        &space,
        json!({"objective": "validation_nrmse", "params": {
            "reservoir.spectral_radius": {"uniform": [0.5, 1.3]},
            "reservoir.leak_rate": {"log_uniform": [0.1, 1.0]},
            "readout.include_input": {"choice": [true, false]}
        }})
        .to_string(),
    )
    .unwrap();
    (cfg, space)
}

fn mg_search(cfg: &Path, space: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "search",
        "--config",
        s(cfg),
        "--space",
        s(space),
        "--data",
        "mackey-glass",
        "--trials",
        "6",
        "--seed",
        "3",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    let o = lsm(&args);
    ok(&o);
    String::from_utf8(o.stdout).unwrap()
}

/// The trial lines of a results file without their wall times, by (rung, trial).
fn trials(p: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(p).unwrap();
    let mut v: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "trial")
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("seconds");
            v
        })
        .collect();
    v.sort_by_key(|v| (v["rung"].as_u64(), v["trial"].as_u64()));
    v
}

#[test]
fn mackey_glass_search_resumes_shards_and_reports() {
    let d = tempfile::tempdir().unwrap();
    let (cfg, space) = mg_files(d.path());
    let full = d.path().join("full.jsonl");
    let stdout = mg_search(&cfg, &space, &full, &[]);
    assert!(
        stdout.contains("6 trials (0 failed), objective validation_nrmse"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test NRMSE of the best trial #"),
        "{stdout}"
    );
    let t = trials(&full);
    assert_eq!(t.len(), 6);
    for (i, x) in t.iter().enumerate() {
        assert_eq!(x["trial"], i as u64);
        let r = x["params"]["reservoir.spectral_radius"].as_f64().unwrap();
        assert!((0.5..=1.3).contains(&r), "{x}");
        let o = x["objective"].as_f64().unwrap();
        assert_eq!(x["scores"]["validation_nrmse"].as_f64(), Some(o));
        assert!(o > 0.0 && o.is_finite(), "{x}");
    }

    // Interrupted in the middle of the 5th trial's line: the resumed search runs only what
    // is missing and ends with the same trials.
    let text = std::fs::read_to_string(&full).unwrap();
    let cut = text.match_indices('\n').nth(4).unwrap().0 + 40;
    let resumed = d.path().join("resumed.jsonl");
    std::fs::write(&resumed, &text[..cut]).unwrap();
    mg_search(&cfg, &space, &resumed, &["--no-test"]);
    assert_eq!(trials(&resumed), t);
    let lines = std::fs::read_to_string(&resumed).unwrap();
    assert_eq!(
        lines.lines().count(),
        7,
        "header + 6 trials, no torn line left:\n{lines}"
    );

    // Three shards, merged by `report`, are the unsharded search.
    let mut files = Vec::new();
    for k in 0..3 {
        let f = d.path().join(format!("shard{k}.jsonl"));
        mg_search(&cfg, &space, &f, &["--shard", &format!("{k}/3")]);
        assert_eq!(trials(&f).len(), 2);
        files.push(f);
    }
    let merged = d.path().join("merged.jsonl");
    let best = d.path().join("best.json");
    let plot = d.path().join("scores.svg");
    let mut args = vec!["search", "report"];
    args.extend(files.iter().map(|f| s(f)));
    args.extend([
        "--merged",
        s(&merged),
        "--best-config",
        s(&best),
        "--plot",
        s(&plot),
    ]);
    let o = lsm(&args);
    ok(&o);
    assert_eq!(trials(&merged), t);
    // The best config is the best trial's: its parameters and seed set in the base config.
    let best_t = t
        .iter()
        .min_by(|a, b| {
            a["objective"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["objective"].as_f64().unwrap())
        })
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout);
    let first_row = report.lines().nth(2).unwrap();
    assert!(
        first_row
            .trim_start()
            .starts_with(&best_t["trial"].to_string()),
        "{report}"
    );
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&best).unwrap()).unwrap();
    assert_eq!(b["seed"], best_t["seed"]);
    assert_eq!(
        b["reservoir"]["spectral_radius"],
        best_t["params"]["reservoir.spectral_radius"]
    );
    assert_eq!(b["reservoir"]["n_units"], 40);
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    // ... and `lsm fit` takes it as it is.
    let model = d.path().join("model.json");
    ok(&lsm(&[
        "fit",
        "--config",
        s(&best),
        "--data",
        "mackey-glass",
        "--out",
        s(&model),
    ]));

    // A results file of another search is not resumed into.
    let o = lsm(&[
        "search",
        "--config",
        s(&cfg),
        "--space",
        s(&space),
        "--data",
        "mackey-glass",
        "--trials",
        "6",
        "--seed",
        "4",
        "--out",
        s(&full),
    ]);
    fails_with(&o, &["full.jsonl: line 1: written by another search"]);
}

#[test]
fn bad_spaces_are_refused_before_any_trial() {
    let d = tempfile::tempdir().unwrap();
    let (cfg, _) = mg_files(d.path());
    let out = d.path().join("r.jsonl");
    let run = |space: Value, trials: &str| {
        let p = d.path().join("bad-space.json");
        std::fs::write(&p, space.to_string()).unwrap();
        let mut args = vec!["search", "--config", s(&cfg), "--space", s(&p)];
        args.extend([
            "--data",
            "mackey-glass",
            "--trials",
            trials,
            "--out",
            s(&out),
        ]);
        lsm(&args)
    };
    let o = run(
        json!({"objective": "validation_nrmse",
            "params": {"reservoir.spectral_radios": {"uniform": [0.5, 1.0]}}}),
        "4",
    );
    fails_with(
        &o,
        &["bad-space.json: parameter `reservoir.spectral_radios`: no field `spectral_radios`"],
    );
    let o = run(
        json!({"objective": "validation_nrmse",
            "params": {"reservoir.n_units": {"int": [0, 50]}}}),
        "4",
    );
    fails_with(
        &o,
        &["bad-space.json: parameter `reservoir.n_units` = 0: the config rejects it"],
    );
    let mismatch = json!({"objective": "validation_accuracy",
        "params": {"reservoir.n_units": {"int": [10, 50]}}});
    let o = run(mismatch.clone(), "4");
    fails_with(
        &o,
        &["validation_accuracy does not apply to a time-series config"],
    );
    let o = run(mismatch, "1000000000000");
    fails_with(&o, &["--trials 1000000000000", "memory_bytes"]);
    assert!(!out.exists(), "no results file before the space is checked");
}

/// Validation accuracy on the bundled sample's training split with successive halving:
/// 3 trials on half the files, the best 2 on all of them, then the test split once.
#[test]
fn spoken_digit_search_with_halving_on_the_sample() {
    let d = tempfile::tempdir().unwrap();
    let o = lsm(&["default-config"]);
    ok(&o);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["network"]["n_neurons"] = json!(100);
    v["readout"]["alphas"] = json!([10.0, 100.0]);
    let cfg = d.path().join("digits.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let space = d.path().join("space.json");
    std::fs::write(
        &space,
        json!({"objective": "validation_accuracy", "params": {
            "network.n_neurons": {"int": [60, 140]}
        }})
        .to_string(),
    )
    .unwrap();
    let out = d.path().join("r.jsonl");
    let search = |extra: &[&str]| {
        let data = sample_dir();
        let mut args = vec!["search", "--config", s(&cfg), "--space", s(&space)];
        args.extend(["--data", s(&data), "--trials", "3", "--halving"]);
        args.extend_from_slice(extra);
        lsm(&args)
    };
    let o = search(&["--eta", "2", "--rungs", "2", "--out", s(&out)]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("test accuracy of the best trial #"),
        "{stdout}"
    );
    let t = trials(&out);
    let rung0: Vec<&Value> = t.iter().filter(|x| x["rung"] == 0).collect();
    let rung1: Vec<&Value> = t.iter().filter(|x| x["rung"] == 1).collect();
    assert_eq!((rung0.len(), rung1.len()), (3, 2), "{t:?}");
    assert!(rung0.iter().all(|x| x["budget"] == 0.5) && rung1.iter().all(|x| x["budget"] == 1.0));
    // The promoted are the best two of rung 0.
    let mut order: Vec<&&Value> = rung0.iter().collect();
    order.sort_by(|a, b| {
        b["objective"]
            .as_f64()
            .unwrap()
            .total_cmp(&a["objective"].as_f64().unwrap())
            .then(a["trial"].as_u64().cmp(&b["trial"].as_u64()))
    });
    let mut want: Vec<u64> = order[..2]
        .iter()
        .map(|x| x["trial"].as_u64().unwrap())
        .collect();
    want.sort();
    let got: Vec<u64> = rung1.iter().map(|x| x["trial"].as_u64().unwrap()).collect();
    assert_eq!(got, want);
    for x in &t {
        let acc = x["objective"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{x}");
        assert!(
            x["scores"]["validation_accuracy_input_only"].is_number(),
            "{x}"
        );
    }
    // Sharding cannot run successive halving.
    let x = d.path().join("x.jsonl");
    let o = search(&["--shard", "0/2", "--out", s(&x)]);
    fails_with(&o, &["successive halving cannot run sharded"]);
}

#[test]
fn feature_shards_merge_into_the_unsharded_features() {
    let d = tempfile::tempdir().unwrap();
    // A few files of the sample, a small network.
    let data = d.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for f in [
        "0_george_0.wav",
        "1_jackson_1.wav",
        "2_theo_5.wav",
        "3_nicolas_7.wav",
        "4_yweweler_9.wav",
    ] {
        std::fs::copy(sample_dir().join(f), data.join(f)).unwrap();
    }
    let o = lsm(&["default-config"]);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["network"]["n_neurons"] = json!(50);
    let cfg = d.path().join("c.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let run = |out: &Path, shard: Option<&str>| {
        let mut a = vec![
            "features",
            "--config",
            s(&cfg),
            "--data",
            s(&data),
            "--out",
            s(out),
        ];
        if let Some(k) = shard {
            a.extend(["--shard", k]);
        }
        ok(&lsm(&a));
    };
    let whole = d.path().join("whole.npy");
    run(&whole, None);
    let (a, b) = (d.path().join("f0.npy"), d.path().join("f1.npy"));
    run(&a, Some("0/2"));
    run(&b, Some("1/2"));
    let merged = d.path().join("merged.npy");
    ok(&lsm(&[
        "features",
        "merge",
        s(&b),
        s(&a),
        "--out",
        s(&merged),
    ]));
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&whole).unwrap()
    );
    let side = |p: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{}.json", p.display())).unwrap())
            .unwrap()
    };
    assert_eq!(side(&merged), side(&whole));
    assert_eq!(side(&whole)["files"][2], "2_theo_5.wav");
    // A missing shard is named.
    let o = lsm(&[
        "features",
        "merge",
        s(&a),
        "--out",
        s(&d.path().join("m2.npy")),
    ]);
    fails_with(&o, &["is in no shard given: a shard is missing"]);
}

#[test]
fn a_search_on_a_spike_dataset_reads_its_spikes_and_searches_the_input_drive() {
    // A spike dataset (segment XOR, 40 channels at 20 Hz) and the default classification
    // config, whose input is audio: the search reads the spikes on the dataset's grid, as
    // `lsm fit` does, and the best config it writes fits on the same data.
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("xor");
    let gen = d.path().join("gen.json");
    std::fs::write(&gen, json!({"n_train": 12, "n_test": 6}).to_string()).unwrap();
    ok(&lsm(&[
        "-q",
        "data",
        "spike-patterns",
        "--config",
        s(&gen),
        "--segments",
        "2",
        "--duration-ms",
        "200",
        "--out",
        s(&data),
    ]));
    let o = lsm(&["default-config"]);
    ok(&o);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["network"]["n_neurons"] = json!(100);
    v["readout"]["alphas"] = json!([10.0]);
    let cfg = d.path().join("base.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let space = d.path().join("space.json");
    std::fs::write(
        &space,
        json!({"objective": "validation_accuracy", "params": {
            "input_drive": {"log_uniform": [1.0, 32.0]}
        }})
        .to_string(),
    )
    .unwrap();
    let out = d.path().join("r.jsonl");
    let best = d.path().join("best.json");
    let o = lsm(&[
        "search",
        "--config",
        s(&cfg),
        "--space",
        s(&space),
        "--data",
        s(&data),
        "--trials",
        "2",
        "--out",
        s(&out),
    ]);
    ok(&o);
    let t = trials(&out);
    assert_eq!(t.len(), 2, "{t:?}");
    for x in &t {
        let g = x["params"]["input_drive"].as_f64().unwrap();
        assert!((1.0..=32.0).contains(&g), "{x}");
        assert!(x["objective"].is_number(), "{x}");
    }
    ok(&lsm(&[
        "search",
        "report",
        s(&out),
        "--best-config",
        s(&best),
    ]));
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&best).unwrap()).unwrap();
    // The written config is of spike input on the dataset's 40 channels and 1 ms grid.
    assert_eq!(b["input"]["kind"], "spikes", "{b}");
    assert_eq!(b["input"]["n_channels"], 40, "{b}");
    assert_eq!(b["network"]["dt_ms"], 1.0, "{b}");
    let model = d.path().join("m.json");
    ok(&lsm(&[
        "-q",
        "fit",
        "--config",
        s(&best),
        "--data",
        s(&data),
        "--out",
        s(&model),
    ]));
}
