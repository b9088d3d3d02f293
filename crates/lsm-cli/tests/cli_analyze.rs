//! End-to-end tests of `lsm analyze`: the measures of a time-series reservoir and of a
//! network file, a sweep with its phase diagram, and the errors of bad arguments.

mod common;

use common::{fails_with, lsm, ok};
use serde_json::Value;
use std::path::Path;

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A small ESN time-series config in `dir`.
fn esn_config(dir: &Path) -> std::path::PathBuf {
    let o = lsm(&["default-config", "--task", "mackey-glass"]);
    ok(&o);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["reservoir"]["n_units"] = 30.into();
    v["reservoir"]["in_degree"] = 5.into();
    let path = dir.join("esn.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    path
}

fn small_options(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("opts.json");
    std::fs::write(
        &path,
        r#"{"ipc": {"n_steps": 3000, "washout": 60, "max_delay": [60, 8, 5]},
            "probe": {"n_inputs": 20, "n_pairs": 3, "jitters_ms": [0, 8]},
            "regime_ms": 300}"#,
    )
    .unwrap();
    path
}

#[test]
fn an_esn_config_gives_bounded_capacities_deterministically() {
    let d = tempfile::tempdir().unwrap();
    let (cfg, opts) = (esn_config(d.path()), small_options(d.path()));
    let run = || {
        let o = lsm(&[
            "analyze",
            "--config",
            p(&cfg),
            "--options",
            p(&opts),
            "--k-max",
            "40",
            "--json",
        ]);
        ok(&o);
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let v = run();
    let a = &v["analysis"];
    assert_eq!(a["kind"], "esn");
    let mc = a["memory"]["total"].as_f64().unwrap();
    assert!(mc > 1.0 && mc <= 30.0, "MC {mc}");
    assert_eq!(a["memory"]["per_delay"].as_array().unwrap().len(), 40);
    let ipc = a["ipc"]["total"].as_f64().unwrap();
    assert!(
        ipc > 1.0 && ipc <= a["ipc"]["rank"].as_f64().unwrap() + 1e-9,
        "{ipc}"
    );
    assert!(a["lyapunov"].as_f64().unwrap() < 0.0);
    assert_eq!(run(), v, "same seed, same report");
}

#[test]
fn a_network_file_gets_regime_ranks_and_figures() {
    let d = tempfile::tempdir().unwrap();
    let gen = d.path().join("gen.json");
    std::fs::write(
        &gen,
        r#"{"n_neurons": 120, "dt_ms": 0.5, "input": {"fraction": 0.3, "scale_exc": 30, "scale_inh": 30}}"#,
    )
    .unwrap();
    let net = d.path().join("net.json");
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        p(&gen),
        "--n-inputs",
        "8",
        "--out",
        p(&net),
    ]));
    let opts = small_options(d.path());
    let out = d.path().join("report.json");
    let fig = d.path().join("fig.svg");
    let o = lsm(&[
        "analyze",
        "--network",
        p(&net),
        "--options",
        p(&opts),
        "--metrics",
        "regime,ranks,separation,damage",
        "--out",
        p(&out),
        "--plot",
        p(&fig),
    ]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("kernel quality") && text.contains("regime"),
        "{text}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let r = &v["analysis"]["ranks"];
    assert!(r["kernel_quality"].as_u64().unwrap() > r["generalization_rank"].as_u64().unwrap());
    assert!(
        v["analysis"]["memory"].is_null(),
        "memory is for analog reservoirs"
    );
    for name in ["separation", "damage"] {
        let f = d.path().join(format!("fig-{name}.svg"));
        assert!(
            std::fs::read_to_string(&f).unwrap().contains("<svg"),
            "{name}"
        );
    }
    assert!(!d.path().join("fig-memory.svg").exists());
}

#[test]
fn a_sweep_finds_the_most_chaotic_spectral_radius_and_draws_the_phase_diagram() {
    let d = tempfile::tempdir().unwrap();
    let cfg = esn_config(d.path());
    let fig = d.path().join("sweep.png");
    let o = lsm(&[
        "analyze",
        "--config",
        p(&cfg),
        "--metrics",
        "lyapunov",
        "--sweep",
        "reservoir.spectral_radius=0.5,0.9,1.6",
        "--sweep",
        "reservoir.leak_rate=0.5,1",
        "--objective",
        "lyapunov",
        "--json",
        "--plot",
        p(&fig),
    ]);
    ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["points"].as_array().unwrap().len(), 6);
    assert_eq!(v["best"]["values"][0], 1.6);
    let lam = |i: usize| v["points"][i]["analysis"]["lyapunov"].as_f64().unwrap();
    // Along the radius, at either leak, the exponent grows.
    assert!(lam(0) < lam(2) && lam(2) < lam(4), "{v}");
    let phase = d.path().join("sweep-phase.png");
    assert!(std::fs::read(phase).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn bad_arguments_are_named() {
    let d = tempfile::tempdir().unwrap();
    let cfg = esn_config(d.path());
    fails_with(
        &lsm(&[
            "analyze",
            "--config",
            p(&cfg),
            "--sweep",
            "reservoir.radius=1,2",
        ]),
        &["reservoir.radius", "no field `radius`", "spectral_radius"],
    );
    fails_with(
        &lsm(&["analyze", "--config", p(&cfg), "--metrics", "bogus"]),
        &["--metrics bogus", "memory"],
    );
    fails_with(
        &lsm(&[
            "analyze",
            "--config",
            p(&cfg),
            "--plot",
            p(&d.path().join("x.txt")),
        ]),
        &["--plot", ".png or .svg"],
    );
    fails_with(
        &lsm(&[
            "analyze",
            "--config",
            p(&cfg),
            "--sweep",
            "reservoir.spectral_radius=1:2",
        ]),
        &["reservoir.spectral_radius=1:2", "LO:HI:N"],
    );
    fails_with(
        &lsm(&["analyze", "--config", p(&cfg), "--out", p(&cfg)]),
        &["--out"],
    );
}
