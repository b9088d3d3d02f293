//! End-to-end tests of `lsm network generate`, `lsm simulate` and `lsm encode`.

mod common;

use common::{lsm, net_and_burst, ok, rows, sample_wav};

#[test]
fn generate_then_simulate_is_sorted_deterministic_and_driven_by_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    net_and_burst(dir.path(), 40);
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("net.json")).unwrap()).unwrap();
    assert_eq!(net["format"], "lsm-network");
    assert_eq!(net["n_neurons"], 60);
    assert_eq!(net["n_inputs"], 2);

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

#[test]
fn network_stdp_learns_excitatory_weights_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    net_and_burst(dir.path(), 80);
    std::fs::write(p("stdp.json"), r#"{"a_plus": 0.05, "a_minus": 0.05}"#).unwrap();
    let learn = |out: &str, config: &str| {
        lsm(&[
            "network",
            "stdp",
            "--network",
            &p("net.json"),
            "--input",
            &p("in.csv"),
            "--input",
            &p("in.csv"),
            "--duration-ms",
            "60",
            "--epochs",
            "2",
            "--config",
            &p(config),
            "--out",
            &p(out),
        ])
    };
    ok(&learn("a.json", "stdp.json"));
    ok(&learn("b.json", "stdp.json"));
    assert_eq!(
        std::fs::read(p("a.json")).unwrap(),
        std::fs::read(p("b.json")).unwrap()
    );
    let read = |n: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p(n)).unwrap()).unwrap()
    };
    let (before, after) = (read("net.json"), read("a.json"));
    assert_eq!(after["meta"]["stdp"]["samples"], 4);
    let exc: Vec<bool> = serde_json::from_value(before["meta"]["excitatory"].clone()).unwrap();
    let r0 = &before["recurrent"];
    // (changed, plastic): only E->E weights move, within [0, 2 w0].
    let check = |after: &serde_json::Value| {
        let (mut changed, mut plastic) = (0, 0);
        for s in 0..r0["pre"].as_array().unwrap().len() {
            let pre = r0["pre"][s].as_u64().unwrap() as usize;
            let post = r0["post"][s].as_u64().unwrap() as usize;
            let (w0, w1) = (
                r0["weight"][s].as_f64().unwrap(),
                after["recurrent"]["weight"][s].as_f64().unwrap(),
            );
            if exc[pre] && exc[post] {
                plastic += 1;
                changed += usize::from(w0 != w1);
                assert!((0.0..=2.0 * w0).contains(&w1));
            } else {
                assert_eq!(w0, w1, "synapse {pre}->{post} is not E->E");
            }
        }
        (changed, plastic)
    };
    let (changed, plastic) = check(&after);
    assert!(
        plastic > 0 && changed > 0,
        "{changed} of {plastic} E->E weights changed"
    );
    // A rate-based rule through the same command.
    std::fs::write(p("oja.json"), r#"{"model": "oja", "eta_per_s": 5}"#).unwrap();
    ok(&learn("d.json", "oja.json"));
    let oja = read("d.json");
    assert_eq!(oja["meta"]["stdp"]["config"]["model"], "oja");
    let (changed, plastic) = check(&oja);
    assert!(
        changed > 0,
        "Oja: {changed} of {plastic} E->E weights changed"
    );
    std::fs::write(p("bad2.json"), r#"{"model": "oja", "bcm_theta": 2}"#).unwrap();
    let o = learn("e.json", "bad2.json");
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("bad2.json") && e.contains("bcm_theta"), "{e}");
    // A misspelt parameter is refused, naming the file and the field; nothing is written.
    std::fs::write(p("bad.json"), r#"{"a_plsu": 0.05}"#).unwrap();
    let o = learn("c.json", "bad.json");
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("bad.json") && e.contains("a_plsu"), "{e}");
    assert!(!dir.path().join("c.json").exists());
}

#[test]
fn a_layered_config_generates_and_simulates() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    std::fs::write(
        p("layered.json"),
        r#"{"dt_ms": 0.1,
            "layers": [
              {"name": "a", "n_neurons": 30, "input": {"fraction": 1.0, "scale_exc": 60, "scale_inh": 60}},
              {"name": "b", "n_neurons": 20, "topology": {"kind": "none"}}],
            "projections": [{"from": "a", "to": "b", "rule": {"kind": "fixed_in_degree", "k": 5}}]}"#,
    )
    .unwrap();
    let gen = |out: &str| {
        ok(&lsm(&[
            "network",
            "generate",
            "--config",
            &p("layered.json"),
            "--n-inputs",
            "2",
            "--seed",
            "3",
            "--out",
            &p(out),
        ]))
    };
    gen("net.json");
    gen("net2.json");
    assert_eq!(
        std::fs::read(p("net.json")).unwrap(),
        std::fs::read(p("net2.json")).unwrap()
    );
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("net.json")).unwrap()).unwrap();
    assert_eq!(net["n_neurons"], 50);
    assert_eq!(
        net["meta"]["layers"],
        serde_json::json!([{"name": "a", "start": 0, "n": 30}, {"name": "b", "start": 30, "n": 20}])
    );
    std::fs::write(p("in.csv"), "channel,time_ms\n0,1.0\n1,1.0\n0,2.0\n1,2.0\n").unwrap();
    ok(&lsm(&[
        "simulate",
        "--network",
        &p("net.json"),
        "--input",
        &p("in.csv"),
        "--duration-ms",
        "30",
        "--out",
        &p("out.csv"),
    ]));
    let s = rows(&dir.path().join("out.csv"), "neuron,time_ms");
    assert!(s.iter().any(|&(n, _)| n < 30), "the input layer fires");
    assert!(s.iter().all(|&(n, _)| n < 50));
    // A layered config names its presets per layer, not with --preset; errors name fields.
    std::fs::write(
        p("bad.json"),
        r#"{"layers": [{"name": "a", "n_neurons": 5}], "input_layers": ["q"]}"#,
    )
    .unwrap();
    for (extra, file, says) in [
        (
            &["--preset", "cuba"][..],
            "layered.json",
            ["--preset", "layered"],
        ),
        (&[][..], "bad.json", ["input_layers[0]", "\"q\""]),
    ] {
        let mut args = vec!["network", "generate"];
        args.extend_from_slice(extra);
        let (cfg, out) = (p(file), p("x.json"));
        args.extend(["--config", &cfg, "--out", &out]);
        let o = lsm(&args);
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(says.iter().all(|s| e.contains(s)), "{e}");
    }
}
