//! Hostile files: outputs never overwrite inputs or clobber non-regular files and
//! are checked before any work; lying WAV headers and bad dataset entries give clear errors
//! (or a list of skipped files with `--skip-bad`); oversized model/config/network files are
//! refused before being read; byte-order marks are accepted; numbers too large for their
//! field say so; file names cannot forge lines in `predict`'s output. Small generated files
//! and a few recordings of the bundled FSDD sample.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const LSM: &str = env!("CARGO_BIN_EXE_lsm");

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/fsdd-sample/recordings")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run `lsm` with a watchdog: a command that blocks (e.g. on a named pipe) fails the test
/// after 120 s instead of hanging it.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(LSM)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running lsm");
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("lsm {args:?} did not finish in 120 s (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let o = run(args, &[]);
    assert!(
        o.status.success(),
        "lsm {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Expect exit code 1 (an error, not a crash or an abort) and return stderr.
fn fails_env(args: &[&str], env: &[(&str, &str)]) -> String {
    let o = run(args, env);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "lsm {args:?}: {err}");
    assert!(err.lines().any(|l| l.starts_with("error:")), "{err}");
    err
}

fn fails(args: &[&str]) -> String {
    fails_env(args, &[])
}

/// `[--quiet] fit --config CFG --data DATA --split all --out OUT`.
fn fit_all<'a>(quiet: bool, cfg: &'a str, data: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut v = if quiet { vec!["--quiet"] } else { vec![] };
    v.extend([
        "fit", "--config", cfg, "--data", data, "--split", "all", "--out", out,
    ]);
    v
}

/// Hidden files (temporaries) in `d`.
fn hidden(d: &Path) -> Vec<String> {
    std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// The default spoken-digit config with a 100-neuron network (fast in debug builds).
fn small_config(path: &Path) {
    let o = ok(&["default-config"]);
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["network"]["n_neurons"] = 100.into();
    v["readout"]["alphas"] = serde_json::json!([1.0, 100.0]);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// Eight recordings (two speakers, digits 0-3, train takes) in `dir`.
fn small_folder(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for d in 0..4 {
        for spk in ["george", "theo"] {
            let n = format!("{d}_{spk}_5.wav");
            std::fs::copy(sample(&n), dir.join(&n)).unwrap();
        }
    }
}

/// A 16-bit mono WAV header whose data chunk declares `declared` bytes, then `data` bytes.
fn wav_claiming(declared: u32, data: usize) -> Vec<u8> {
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&36u32.wrapping_add(declared).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    for x in [16u32, 0x0001_0001, 8000, 16000, 0x0010_0002] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(b"data");
    v.extend_from_slice(&declared.to_le_bytes());
    v.resize(v.len() + data, 0);
    v
}

#[cfg(unix)]
fn mkfifo(p: &Path) -> bool {
    Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success())
}

struct Model {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    config: PathBuf,
    model: PathBuf,
}

/// One small model fitted on the small folder, shared by the tests.
fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_path_buf();
        let config = dir.join("config.json");
        small_config(&config);
        small_folder(&dir.join("rec"));
        let model = dir.join("model.json");
        ok(&fit_all(true, s(&config), s(&dir.join("rec")), s(&model)));
        Model {
            _dir: d,
            dir,
            config,
            model,
        }
    })
}

#[test]
fn an_output_that_is_an_input_is_refused_before_any_work() {
    let m = model();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wav = d.join("in.wav");
    std::fs::copy(sample("3_theo_0.wav"), &wav).unwrap();
    let wav_bytes = std::fs::read(&wav).unwrap();

    // encode in.wav --out in.wav, through `./`, and through a hard link.
    let e = fails(&["encode", s(&wav), "--out", s(&wav)]);
    assert!(e.contains("same file as the input FILE"), "{e}");
    let dotted = format!("{}/./in.wav", d.display());
    fails(&["encode", s(&wav), "--out", &dotted]);
    let hard = d.join("hard.wav");
    std::fs::hard_link(&wav, &hard).unwrap();
    let x = d.join("x.csv");
    let e = fails(&["encode", s(&wav), "--plot", s(&hard), "--out", s(&x)]);
    assert!(e.contains("--plot") && e.contains("hard.wav"), "{e}");
    // Two outputs on one file.
    let e = fails(&[
        "encode",
        s(&wav),
        "--out",
        s(&d.join("o.csv")),
        "--features",
        s(&d.join("o.csv")),
    ]);
    assert!(e.contains("--features") && e.contains("--out"), "{e}");
    assert_eq!(std::fs::read(&wav).unwrap(), wav_bytes);

    // network generate / simulate onto their own inputs.
    let gen = d.join("gen.json");
    std::fs::write(&gen, r#"{"n_neurons": 20}"#).unwrap();
    fails(&["network", "generate", "--config", s(&gen), "--out", s(&gen)]);
    assert_eq!(std::fs::read(&gen).unwrap(), br#"{"n_neurons": 20}"#);
    let net = d.join("n.json");
    ok(&["network", "generate", "--config", s(&gen), "--out", s(&net)]);
    let net_bytes = std::fs::read(&net).unwrap();
    let spikes = d.join("spikes.csv");
    for out in [["--out", s(&net)], ["--record-v", s(&net)]] {
        let mut args = vec!["simulate", "--network", s(&net), "--duration-ms", "5"];
        args.extend(out);
        if out[0] == "--record-v" {
            args.extend(["--out", s(&spikes)]);
        }
        let e = fails(&args);
        assert!(e.contains("same file as the input --network"), "{e}");
    }
    assert_eq!(std::fs::read(&net).unwrap(), net_bytes);

    // fit onto its config, onto a recording of its data folder, onto its CSV list.
    let cfg_bytes = std::fs::read(&m.config).unwrap();
    let rec = m.dir.join("rec");
    let e = fails(&[
        "fit",
        "--config",
        s(&m.config),
        "--data",
        s(&rec),
        "--out",
        s(&m.config),
    ]);
    assert!(e.contains("same file as the input --config"), "{e}");
    assert_eq!(std::fs::read(&m.config).unwrap(), cfg_bytes);
    let victim = rec.join("1_theo_5.wav");
    let victim_bytes = std::fs::read(&victim).unwrap();
    let t0 = Instant::now();
    let e = fails(&fit_all(false, s(&m.config), s(&rec), s(&victim)));
    assert!(e.contains("recording") && e.contains("1_theo_5.wav"), "{e}");
    assert_eq!(std::fs::read(&victim).unwrap(), victim_bytes);
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "refused only after the work"
    );
    let list = d.join("list.csv");
    std::fs::write(&list, format!("path,label\n{},1\n", s(&victim))).unwrap();
    let e = fails(&[
        "fit",
        "--data",
        s(&list),
        "--split",
        "all",
        "--out",
        s(&list),
    ]);
    assert!(e.contains("--data"), "{e}");
    let e = fails(&[
        "fit",
        "--data",
        s(&list),
        "--split",
        "all",
        "--out",
        s(&victim),
    ]);
    assert!(e.contains("recording"), "{e}");
    assert_eq!(std::fs::read(&victim).unwrap(), victim_bytes);

    // evaluate --plot onto the model.
    let model_bytes = std::fs::read(&m.model).unwrap();
    let e = fails(&[
        "evaluate",
        "--model",
        s(&m.model),
        "--data",
        s(&rec),
        "--plot",
        s(&m.model),
    ]);
    assert!(e.contains("--plot") && e.contains("--model"), "{e}");
    assert_eq!(std::fs::read(&m.model).unwrap(), model_bytes);
    assert!(hidden(d).is_empty(), "{:?}", hidden(d));
}

#[test]
fn unwritable_outputs_are_refused_before_any_work() {
    let m = model();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = m.dir.join("rec");
    for (out, needle) in [
        (d.to_path_buf(), "folder"),
        (d.join("no/such/m.json"), "does not exist"),
    ] {
        let t0 = Instant::now();
        let e = fails(&fit_all(false, s(&m.config), s(&rec), s(&out)));
        assert!(e.contains("--out") && e.contains(needle), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(20));
    }
    let e = fails(&[
        "evaluate",
        "--model",
        s(&m.model),
        "--data",
        s(&rec),
        "--plot",
        s(&d.join("gone/c.svg")),
    ]);
    assert!(e.contains("--plot") && e.contains("does not exist"), "{e}");
}

#[cfg(unix)]
#[test]
fn links_pipes_and_devices_are_written_through_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gen = d.join("gen.json");
    std::fs::write(&gen, r#"{"n_neurons": 20}"#).unwrap();
    let generate = |out: &Path| ok(&["network", "generate", "--config", s(&gen), "--out", s(out)]);

    // A symbolic link: its target is replaced atomically, the link stays.
    let real = d.join("real.json");
    std::fs::write(&real, b"old").unwrap();
    let link = d.join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    generate(&link);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("lsm-network"));

    // A named pipe: written through to its reader, still a pipe afterwards.
    let fifo = d.join("out.fifo");
    if mkfifo(&fifo) {
        let f2 = fifo.clone();
        let reader = std::thread::spawn(move || std::fs::read_to_string(f2).unwrap());
        generate(&fifo);
        assert!(reader.join().unwrap().contains("lsm-network"));
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    // Standard output (a pipe here), by its /dev name.
    let o = generate(Path::new("/dev/stdout"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("lsm-network"));

    // A character device: a private copy of /dev/null (major 1, minor 3) made with mknod, so
    // that a regression would replace this node and not the system's /dev/null. Needs root.
    let null = d.join("null");
    let made = Command::new("mknod")
        .args([s(&null), "c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if made {
        generate(&null);
        assert!(std::fs::metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device());
    }
    // A folder is refused.
    let e = fails(&["network", "generate", "--config", s(&gen), "--out", s(d)]);
    assert!(e.contains("folder"), "{e}");
    assert!(hidden(d).is_empty(), "{:?}", hidden(d));
}

#[test]
fn a_lying_wav_header_is_an_error_naming_the_file_and_skip_bad_skips_it() {
    let m = model();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = d.join("rec");
    small_folder(&rec);
    // 4 KB of audio whose header claims 4 GB.
    std::fs::write(rec.join("9_liar_5.wav"), wav_claiming(u32::MAX - 1, 4096)).unwrap();
    let out = d.join("m.json");
    let x = d.join("x.csv");
    for cmd in [
        vec!["encode", "--out", s(&x)],
        vec!["predict", "--model", s(&m.model)],
    ] {
        let mut args = cmd.clone();
        args.push(s(&rec.join("9_liar_5.wav")).to_string().leak());
        let e = fails(&args);
        assert!(e.contains("9_liar_5.wav") && e.contains("truncated"), "{e}");
    }
    let (cfg_s, rec_s, out_s) = (s(&m.config), s(&rec), s(&out));
    let args = fit_all(true, cfg_s, rec_s, out_s);
    let e = fails(&args);
    assert!(e.contains("9_liar_5.wav") && e.contains("truncated"), "{e}");
    assert!(!out.exists());

    // Bad entries too (never opened: a named pipe would block a reader).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("nowhere.wav", rec.join("8_gone_5.wav")).unwrap();
        if mkfifo(&rec.join("7_pipe_5.wav")) {
            let e = fails(&args);
            assert!(
                e.contains("7_pipe_5.wav") && e.contains("named pipe"),
                "{e}"
            );
        }
    }
    let mut args = fit_all(true, cfg_s, rec_s, out_s);
    args.push("--skip-bad");
    let o = ok(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--skip-bad: skipped"), "{err}");
    assert!(
        err.contains("9_liar_5.wav") && err.contains("truncated"),
        "{err}"
    );
    #[cfg(unix)]
    assert!(
        err.contains("8_gone_5.wav") && err.contains("dangling"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["training"]["n_samples"], 8, "the 8 good recordings");
    // evaluate too.
    let o = ok(&[
        "--quiet",
        "evaluate",
        "--model",
        s(&out),
        "--data",
        s(&rec),
        "--split",
        "all",
        "--skip-bad",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["n_samples"], 8);
    // Nothing usable at all.
    let only_bad = d.join("only_bad");
    std::fs::create_dir(&only_bad).unwrap();
    std::fs::write(only_bad.join("1_x_5.wav"), b"not audio").unwrap();
    let e = fails(&[
        "fit",
        "--data",
        s(&only_bad),
        "--split",
        "all",
        "--skip-bad",
        "--out",
        s(&out),
    ]);
    assert!(e.contains("skipped"), "{e}");
}

#[test]
fn oversized_model_config_and_network_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 2 GiB, sparse: costs no disk, and reading it whole would cost 2 GiB of memory.
    let huge = d.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let wav = sample("3_theo_0.wav");
    let out = d.join("o.json");
    for args in [
        vec!["predict", "--model", s(&huge), s(&wav)],
        vec!["evaluate", "--model", s(&huge), "--data", "mackey-glass"],
        vec![
            "fit",
            "--config",
            s(&huge),
            "--data",
            "mackey-glass",
            "--out",
            s(&out),
        ],
        vec![
            "simulate",
            "--network",
            s(&huge),
            "--duration-ms",
            "1",
            "--out",
            s(&out),
        ],
        vec![
            "network",
            "generate",
            "--config",
            s(&huge),
            "--out",
            s(&out),
        ],
        vec!["encode", s(&wav), "--config", s(&huge), "--out", s(&out)],
    ] {
        let t0 = Instant::now();
        let e = fails(&args);
        assert!(t0.elapsed() < Duration::from_secs(10), "{args:?}");
        assert!(
            e.contains("huge.json") && e.contains("2147483648 bytes"),
            "{args:?}: {e}"
        );
        assert!(e.contains("LSM_MAX_INPUT_BYTES"), "{e}");
    }
    // The limit can be lowered (or raised) with LSM_MAX_INPUT_BYTES.
    let gen = d.join("gen.json");
    std::fs::write(&gen, r#"{"n_neurons": 20, "seed_note": "padding padding"}"#).unwrap();
    let args = ["network", "generate", "--config", s(&gen), "--out", s(&out)];
    let e = fails_env(&args, &[("LSM_MAX_INPUT_BYTES", "16")]);
    assert!(e.contains("limit of 16 bytes"), "{e}");
    let e = fails_env(&args, &[("LSM_MAX_INPUT_BYTES", "lots")]);
    assert!(e.contains("LSM_MAX_INPUT_BYTES=lots"), "{e}");
    assert!(!out.exists());
}

#[test]
fn byte_order_marks_and_numbers_too_large_for_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gen = d.join("gen.json");
    // A config saved by an editor that writes a byte-order mark.
    std::fs::write(&gen, "\u{feff}{\"n_neurons\": 20}").unwrap();
    let net = d.join("n.json");
    ok(&[
        "network",
        "generate",
        "--config",
        s(&gen),
        "--out",
        s(&net),
        "--n-inputs",
        "2",
    ]);
    let spikes = d.join("in.csv");
    let out = d.join("out.csv");
    std::fs::write(&spikes, "\u{feff}channel,time_ms\r\n1,2.0\r\n").unwrap();
    let sim = [
        "simulate",
        "--network",
        s(&net),
        "--input",
        s(&spikes),
        "--duration-ms",
        "10",
        "--out",
        s(&out),
    ];
    ok(&sim);
    std::fs::write(&spikes, "channel,time_ms\n99999999999999999999,2.0\n").unwrap();
    let e = fails(&sim);
    assert!(
        e.contains("in.csv") && e.contains("line 2") && e.contains("too large"),
        "{e}"
    );
    // A label list with a byte-order mark.
    let rec = d.join("rec");
    small_folder(&rec);
    let list = d.join("list.csv");
    let mut text = "\u{feff}path,label\n".to_string();
    for d in 0..4 {
        for spk in ["george", "theo"] {
            text += &format!("rec/{d}_{spk}_5.wav,{d}\n");
        }
    }
    std::fs::write(&list, text).unwrap();
    let cfg = d.join("cfg.json");
    small_config(&cfg);
    ok(&fit_all(true, s(&cfg), s(&list), s(&d.join("m.json"))));
    // A take too large for its field.
    std::fs::copy(sample("0_george_5.wav"), rec.join("2_theo_99999999999.wav")).unwrap();
    let e = fails(&["fit", "--data", s(&rec), "--out", s(&d.join("m2.json"))]);
    assert!(
        e.contains("2_theo_99999999999.wav") && e.contains("too large"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn file_names_cannot_forge_lines_in_predict_output() {
    let m = model();
    let dir = tempfile::tempdir().unwrap();
    let evil = dir
        .path()
        .join("x.wav\n0_forged.wav\t9\t1.0000\n\u{1b}[2Jy.wav");
    std::fs::copy(sample("3_theo_0.wav"), &evil).unwrap();
    let plain = dir.path().join("plain.wav");
    std::fs::copy(sample("3_theo_0.wav"), &plain).unwrap();
    let o = ok(&[
        "--quiet",
        "predict",
        "--model",
        s(&m.model),
        s(&evil),
        s(&plain),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("x.wav\\n0_forged.wav\\t9\\t1.0000\\n\\u{1b}[2Jy.wav\t"),
        "{text}"
    );
    assert_eq!(lines[0].split('\t').count(), 3, "{text}");
    assert!(lines[1].starts_with(s(&plain)), "{text}");
    // JSON output escapes by itself.
    let o = ok(&[
        "--quiet",
        "predict",
        "--json",
        "--model",
        s(&m.model),
        s(&evil),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["file"].as_str().unwrap(), s(&evil));
}
