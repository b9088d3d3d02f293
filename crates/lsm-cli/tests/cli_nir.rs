//! End-to-end tests of `lsm network export --format nir` and `lsm network import`: round
//! trips, fixtures written by the Python `nir` package (scripts/nir/make_fixtures.py; no
//! Python needed here) and every refusal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lsm(args: &[&str]) -> Output {
    lsm_env(args, &[])
}

/// `lsm ARGS --quiet` with extra environment variables.
fn lsm_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsm"))
        .args(args)
        .arg("--quiet")
        .envs(env.iter().copied())
        .output()
        .expect("running lsm")
}

/// `lsm network export --format nir NET OUT EXTRA...`.
fn export(net: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["network", "export", "--format", "nir", p(net), p(out)];
    args.extend_from_slice(extra);
    lsm(&args)
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lsm failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The command fails with a message containing every one of `want`.
fn fails(o: &Output, want: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!o.status.success(), "expected a failure");
    assert!(!err.contains("panicked"), "{err}");
    for w in want {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
    err
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/nir/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Import a fixture (extra flags after the paths) and parse the network file written.
fn import_fixture(name: &str, extra: &[&str]) -> serde_json::Value {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("net.json");
    let mut args = vec![
        "network".to_string(),
        "import".into(),
        fixture(name),
        p(&out).into(),
    ];
    args.extend(extra.iter().map(|x| x.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&lsm(&args));
    json(&out)
}

/// Importing a fixture fails naming every one of `want`, and writes nothing.
fn import_fails(name: &str, want: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("net.json");
    fails(&lsm(&["network", "import", &fixture(name), p(&out)]), want);
    assert!(!out.exists());
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn generate(dir: &Path, config: &str, n_inputs: &str) -> PathBuf {
    let cfg = dir.join("gen.json");
    std::fs::write(&cfg, config).unwrap();
    let net = dir.join("net.json");
    ok(&lsm(&[
        "network",
        "generate",
        "--config",
        p(&cfg),
        "--out",
        p(&net),
        "--n-inputs",
        n_inputs,
    ]));
    net
}

#[test]
fn export_then_import_gives_the_network_file_back_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    for (i, cfg) in [
        // exp_current (CubaLIF) with random weights, random delays, random initial potentials.
        r#"{"n_neurons": 40, "neuron": {"model":"lif","tau_m_ms":30,"r_mohm":1,"v_rest_mv":0,"v_reset_mv":13.5,"v_th_mv":15,"t_ref_ms":2,"i_bias_na":13.5,"synapse":"exp_current","tau_syn_exc_ms":3,"tau_syn_inh_ms":3},
            "weight_dist": {"kind": "gamma", "shape": 2.0}, "delay": {"kind":"uniform","min_ms":0.5,"max_ms":2}, "v_init_uniform_mv": [0, 13]}"#,
        // delta synapses (LIF).
        r#"{"n_neurons": 30, "neuron": {"model":"lif","tau_m_ms":20,"r_mohm":2,"v_rest_mv":-1,"v_reset_mv":0,"v_th_mv":1,"t_ref_ms":1,"i_bias_na":0.25,"synapse":"delta"}}"#,
        // non-leaky (IF).
        r#"{"n_neurons": 20, "neuron": {"model":"lif","leaky":false,"tau_m_ms":10,"r_mohm":3,"v_rest_mv":0,"v_reset_mv":0,"v_th_mv":1,"t_ref_ms":0,"i_bias_na":0.1,"synapse":"delta"}}"#,
    ]
    .iter()
    .enumerate()
    {
        let sub = d.path().join(i.to_string());
        std::fs::create_dir(&sub).unwrap();
        let net = generate(&sub, cfg, "3");
        let out = sub.join("net.nir");
        ok(&export(&net, &out, &[]));
        let back = sub.join("back.json");
        ok(&lsm(&["network", "import", p(&out), p(&back)]));
        assert_eq!(std::fs::read(&net).unwrap(), std::fs::read(&back).unwrap(), "config {i}");
    }
}

#[test]
fn python_lif_fixture_imports_by_nirs_equations() {
    // r = 1, tau 0.02 s, Affine weights [[0, 0.04], [0.02, 0]] and bias [0.5, 0] (gzip),
    // Delay [2 ms, 3 ms] per input element, recurrent Linear [[0, -0.01], [0, 0]], dt 1 ms.
    let v = import_fixture("lif_python.nir", &[]);
    assert_eq!(v["dt_ms"], 1.0);
    assert_eq!(v["neuron"]["tau_m_ms"], 20.0);
    assert_eq!(v["neuron"]["v_rest_mv"], -1.0);
    assert_eq!(v["neuron"]["v_th_mv"], serde_json::json!([1.0, 2.0]));
    assert_eq!(v["neuron"]["synapse"], "delta");
    // A spike of weight W makes v jump by r W / tau: 0.04 / 0.02 = 2 mV, 0.02 / 0.02 = 1 mV.
    assert_eq!(v["input"]["pre"], serde_json::json!([0, 1]));
    assert_eq!(v["input"]["post"], serde_json::json!([1, 0]));
    assert_eq!(v["input"]["weight"], serde_json::json!([1.0, 2.0]));
    assert_eq!(v["input"]["delay_ms"], serde_json::json!([2.0, 3.0]));
    assert_eq!(v["recurrent"]["weight"], serde_json::json!([-0.5]));
    // The bias drives v by r b / tau = 25 mV/s = r_mohm i_bias / tau_m: 0.5 nA.
    assert_eq!(v["neuron"]["i_bias_na"], serde_json::json!([0.5, 0.0]));
}

#[test]
fn python_cubalif_float32_fixture_needs_dt_and_reads_float32_as_decimals() {
    import_fails(
        "cubalif_float32_no_dt.nir",
        &["cubalif_float32_no_dt.nir", "`dt`", "--dt-ms"],
    );
    let v = import_fixture("cubalif_float32_no_dt.nir", &["--dt-ms", "0.1"]);
    assert_eq!(v["neuron"]["synapse"], "exp_current");
    assert_eq!(v["neuron"]["tau_m_ms"], 10.0);
    assert_eq!(v["neuron"]["tau_syn_exc_ms"], 5.0);
    assert_eq!(v["neuron"]["tau_syn_inh_ms"], 5.0);
    // I jumps by w_in W / tau_syn = 2 * 1 / 0.005 = 400 nA (and 2 * 0.5 / 0.005 = 200).
    assert_eq!(v["input"]["weight"], serde_json::json!([400.0, 200.0]));
    assert_eq!(v["input"]["post"], serde_json::json!([0, 2]));
}

#[test]
fn python_if_fixture_imports_as_a_non_leaky_network() {
    let v = import_fixture("if_graph.nir", &[]);
    assert_eq!(v["neuron"]["leaky"], false);
    assert_eq!(v["dt_ms"], 0.5);
    // dv/dt = r I: a spike of weight W makes v jump by r W = 4 * 0.5 = 2 mV.
    assert_eq!(v["input"]["weight"], serde_json::json!([2.0, 1.0]));
}

#[test]
fn import_refuses_unmappable_graphs_naming_the_node_and_type() {
    import_fails(
        "refused_conv.nir",
        &["refused_conv.nir", "`conv`", "Conv2d"],
    );
    import_fails(
        "refused_two_populations.nir",
        &["`pop_b`", "second neuron population"],
    );
    // 10^10 declared values: refused by size before anything is read or allocated.
    import_fails(
        "refused_huge_weight.nir",
        &[
            "refused_huge_weight.nir",
            "/node/nodes/w/weight",
            "memory_bytes",
        ],
    );
}

#[test]
fn import_refuses_files_that_are_not_nir() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("net.json");
    let txt = d.path().join("not.nir");
    std::fs::write(&txt, "hello").unwrap();
    fails(
        &lsm(&["network", "import", p(&txt), p(&out)]),
        &["not.nir", "HDF5"],
    );
    // An HDF5 file truncated in the middle.
    let bytes = std::fs::read(fixture("if_graph.nir")).unwrap();
    let cut = d.path().join("cut.nir");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    fails(&lsm(&["network", "import", p(&cut), p(&out)]), &["cut.nir"]);
    assert!(!out.exists());
}

#[test]
fn export_refuses_what_nir_cannot_express_naming_file_and_field() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("net.nir");
    let cases = [
        (
            r#"{"n_neurons": 5, "dt_ms": 0.01, "neuron": {"model":"hh","tau_m_ms":3.3,"r_mohm":333,"v_rest_mv":-65,"v_reset_mv":-65,"v_th_mv":0,"t_ref_ms":0,"synapse":"exp_current","tau_syn_exc_ms":5,"tau_syn_inh_ms":5}}"#,
            "neuron.model",
        ),
        (
            r#"{"n_neurons": 5, "neuron": {"model":"lif","tau_m_ms":30,"r_mohm":1,"v_rest_mv":0,"v_reset_mv":0,"v_th_mv":15,"t_ref_ms":2,"adapt_mv":1,"tau_adapt_ms":100,"synapse":"delta"}}"#,
            "neuron.adapt_mv",
        ),
        (
            r#"{"n_neurons": 5, "neuron": {"model":"lif","tau_m_ms":30,"r_mohm":1,"v_rest_mv":0,"v_reset_mv":0,"v_th_mv":15,"t_ref_ms":2,"i_noise_na":1,"synapse":"delta"}}"#,
            "neuron.i_noise_na",
        ),
        // The default neuron has differing excitatory and inhibitory time constants.
        (r#"{"n_neurons": 5}"#, "neuron.tau_syn_inh_ms"),
    ];
    for (cfg, field) in cases {
        let net = generate(d.path(), cfg, "1");
        fails(&export(&net, &out, &[]), &["net.json", field]);
        assert!(!out.exists(), "{field}");
    }
    // Differing synaptic time constants: exported when one is chosen.
    let net = generate(d.path(), r#"{"n_neurons": 5}"#, "1");
    ok(&export(&net, &out, &["--tau-syn", "inh"]));
    let back = d.path().join("back.json");
    ok(&lsm(&["network", "import", p(&out), p(&back)]));
    let inh = json(&net)["neuron"]["tau_syn_inh_ms"].clone();
    assert_ne!(json(&net)["neuron"]["tau_syn_exc_ms"], inh);
    assert_eq!(json(&back)["neuron"]["tau_syn_exc_ms"], inh);
}

#[test]
fn export_and_import_never_overwrite_their_input() {
    let d = tempfile::tempdir().unwrap();
    let net = generate(
        d.path(),
        r#"{"n_neurons": 5, "neuron": {"model":"lif","tau_m_ms":30,"r_mohm":1,"v_rest_mv":0,"v_reset_mv":0,"v_th_mv":15,"t_ref_ms":2,"synapse":"delta"}}"#,
        "1",
    );
    let before = std::fs::read(&net).unwrap();
    fails(&export(&net, &net, &[]), &[]);
    assert_eq!(std::fs::read(&net).unwrap(), before);
    let nir = d.path().join("x.nir");
    ok(&export(&net, &nir, &[]));
    let nir_before = std::fs::read(&nir).unwrap();
    fails(&lsm(&["network", "import", p(&nir), p(&nir)]), &[]);
    assert_eq!(std::fs::read(&nir).unwrap(), nir_before);
}

#[test]
fn export_groups_random_delays_by_whole_steps_when_exact_groups_are_too_large() {
    // 100 neurons sending to ~50 each with delays drawn from 0.5..2 ms: ~50 exact delay
    // groups (5e5 dense entries), at most 16 whole-step groups (dt 0.1 ms, 1.6e5 entries).
    let d = tempfile::tempdir().unwrap();
    let net = generate(
        d.path(),
        r#"{"n_neurons": 100, "dt_ms": 0.1, "topology": {"kind": "random", "p": 0.5},
            "neuron": {"model":"lif","tau_m_ms":30,"r_mohm":1,"v_rest_mv":0,"v_reset_mv":13.5,"v_th_mv":15,"t_ref_ms":2,"i_bias_na":13.5,"synapse":"exp_current","tau_syn_exc_ms":3,"tau_syn_inh_ms":3},
            "delay": {"kind":"uniform","min_ms":0.5,"max_ms":2}}"#,
        "1",
    );
    let out = d.path().join("net.nir");
    let args = ["network", "export", "--format", "nir", p(&net), p(&out)];
    let export = |max: &str| lsm_env(&args, &[("LSM_MAX_SYNAPSES", max)]);
    // Too small even for whole steps: the limit error names the file.
    fails(&export("50000"), &["net.json", "synapses"]);
    ok(&export("300000"));
    let back = d.path().join("back.json");
    ok(&lsm(&["network", "import", p(&out), p(&back)]));
    let (a, b) = (json(&net), json(&back));
    let (da, db) = (&a["recurrent"]["delay_ms"], &b["recurrent"]["delay_ms"]);
    let n = da.as_array().unwrap().len();
    assert_eq!(n, db.as_array().unwrap().len());
    assert_eq!(a["recurrent"]["weight"], b["recurrent"]["weight"]);
    // Every delay rounded to the same whole number of steps as the simulator rounds it.
    let mut changed = 0;
    for i in 0..n {
        let (x, y) = (da[i].as_f64().unwrap(), db[i].as_f64().unwrap());
        assert_eq!(
            (x / 0.1).round(),
            (y / 0.1).round(),
            "synapse {i}: {x} -> {y}"
        );
        assert!(
            ((y / 0.1).round() * 0.1 - y).abs() < 1e-12,
            "{y} is a whole step"
        );
        changed += usize::from(x != y);
    }
    assert!(changed > 0, "the delays were rounded");
}
