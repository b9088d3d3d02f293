//! `lsm encode DATASET --out DIR` and `lsm data spike-patterns`: the written spike datasets
//! open with `lsm_datasets::SpikeDataset`, and each encoded recording holds exactly the spikes
//! the single-file command and the pipeline give it.

use lsm_core::{rng_for, stream};
use lsm_datasets::{SpikeDataset, Split};
use std::path::Path;

mod common;
use common::{fails, lsm, ok};

const WAVS: [&str; 4] = ["0_george_0", "0_george_5", "3_theo_0", "3_theo_7"];

/// A folder with four recordings of the bundled FSDD sample (two test takes, two train).
fn recordings(dir: &Path) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings");
    let wavs = dir.join("wavs");
    std::fs::create_dir(&wavs).unwrap();
    for w in WAVS {
        let name = format!("{w}.wav");
        std::fs::copy(src.join(&name), wavs.join(&name)).unwrap();
    }
    wavs.to_string_lossy().into_owned()
}

/// An encoder config whose spikes depend on the random stream (Poisson rate coding).
const POISSON: &str = r#"{"encoder": {"kind": "rate", "process": "poisson"}}"#;

#[test]
fn encoded_dataset_matches_single_file_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let wavs = recordings(dir.path());
    std::fs::write(p("enc.json"), POISSON).unwrap();
    let encode_all = |out: &str, seed: &str| {
        ok(&lsm(&[
            "encode",
            &wavs,
            "--config",
            &p("enc.json"),
            "--out",
            &p(out),
            "--seed",
            seed,
        ]))
    };
    encode_all("ds", "9");
    let ds = SpikeDataset::open(p("ds")).unwrap();
    assert_eq!(ds.items().len(), 4);
    assert_eq!(ds.info().n_channels, Some(32));
    assert_eq!(ds.info().dt_ms, Some(1.0));
    assert_eq!(ds.info().meta["seed"], 9);
    assert_eq!(ds.groups(), ["george", "theo"]);
    assert_eq!(ds.classes(), ["0", "3"]);
    let test: Vec<String> = ds
        .select(Split::Test, &[])
        .unwrap()
        .iter()
        .map(|i| i.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(test, ["0_george_0.csv", "3_theo_0.csv"]);

    for (it, w) in ds.items().iter().zip(WAVS) {
        let id = lsm_pipeline::stable_id(&format!("{w}.wav")).to_string();
        let single = p(&format!("{w}.csv"));
        let wav = format!("{wavs}/{w}.wav");
        ok(&lsm(&[
            "encode",
            &wav,
            "--config",
            &p("enc.json"),
            "--out",
            &single,
            "--seed",
            "9",
            "--sample-id",
            &id,
        ]));
        assert_eq!(
            std::fs::read(&it.path).unwrap(),
            std::fs::read(&single).unwrap(),
            "{w}"
        );
    }
    // Another seed draws other Poisson spikes: the streams really are in use.
    encode_all("ds2", "10");
    let a = std::fs::read(dir.path().join("ds/3_theo_7.csv")).unwrap();
    let b = std::fs::read(dir.path().join("ds2/3_theo_7.csv")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn pipeline_config_gives_the_pipelines_input_spikes() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let wavs = recordings(dir.path());
    // The pipeline's default encoder with Poisson rate coding, and its own seed.
    let mut cfg = lsm_pipeline::DigitsConfig {
        seed: 5,
        ..Default::default()
    };
    cfg.encoder.encoder =
        serde_json::from_str(r#"{"kind": "rate", "process": "poisson"}"#).unwrap();
    std::fs::write(p("digits.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
    ok(&lsm(&[
        "encode",
        &wavs,
        "--pipeline-config",
        &p("digits.json"),
        "--out",
        &p("ds"),
    ]));
    let ds = SpikeDataset::open(p("ds")).unwrap();
    assert_eq!(ds.info().meta["seed"], 5);
    let enc = lsm_encoding::AudioEncoder::new(&cfg.encoder).unwrap();
    for it in ds.items() {
        let wav = Path::new(&wavs).join(it.path.with_extension("wav").file_name().unwrap());
        let name = wav.file_name().unwrap().to_string_lossy().into_owned();
        let mut rng = rng_for(
            5,
            stream::ENCODER.wrapping_add(lsm_pipeline::stable_id(&name)),
        );
        let expected = enc.encode_file(&wav, &mut rng).unwrap().spikes;
        assert_eq!(ds.read(it, 1.0).unwrap(), expected, "{name}");
    }
}

#[test]
fn bad_destinations_and_flags_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let wavs = recordings(dir.path());
    std::fs::create_dir(p("full")).unwrap();
    std::fs::write(p("full/keep.txt"), "mine").unwrap();
    let e = fails(&lsm(&["encode", &wavs, "--out", &p("full")]));
    assert!(e.contains("--out") && e.contains("not empty"), "{e}");
    assert_eq!(std::fs::read_to_string(p("full/keep.txt")).unwrap(), "mine");
    // The input folder itself is never an output.
    let e = fails(&lsm(&["encode", &wavs, "--out", &wavs]));
    assert!(e.contains("not empty"), "{e}");
    let e = fails(&lsm(&[
        "encode",
        &wavs,
        "--out",
        &p("x"),
        "--sample-id",
        "3",
    ]));
    assert!(e.contains("--sample-id"), "{e}");
    // A bad recording fails the run (naming it) unless --skip-bad leaves it out.
    std::fs::write(Path::new(&wavs).join("9_bad_1.wav"), b"RIFF nonsense").unwrap();
    let e = fails(&lsm(&["encode", &wavs, "--out", &p("x")]));
    assert!(e.contains("9_bad_1.wav") && e.contains("--skip-bad"), "{e}");
    let entries = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    // Nothing written: no `x`, no hidden pending folder.
    assert_eq!(entries(&p("")), ["full", "wavs"]);
    let o = lsm(&["encode", &wavs, "--out", &p("x"), "--skip-bad"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("9_bad_1.wav"));
    assert_eq!(SpikeDataset::open(p("x")).unwrap().items().len(), 4);
}

#[test]
fn spike_patterns_are_written_as_a_spike_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    std::fs::write(
        p("sp.json"),
        r#"{"n_templates": 3, "n_channels": 8, "duration_ms": 50, "n_train": 2, "n_test": 1}"#,
    )
    .unwrap();
    let args = |out: &str| {
        vec![
            "data".to_string(),
            "spike-patterns".into(),
            "--config".into(),
            p("sp.json"),
            "--out".into(),
            p(out),
            "--seed".into(),
            "4".into(),
        ]
    };
    let run = |out: &str| lsm(&args(out).iter().map(String::as_str).collect::<Vec<_>>());
    ok(&run("a"));
    ok(&run("b"));
    let ds = SpikeDataset::open(p("a")).unwrap();
    assert_eq!(ds.items().len(), 9);
    assert_eq!(ds.classes(), ["0", "1", "2"]);
    assert_eq!(ds.select(Split::Test, &[]).unwrap().len(), 3);
    assert_eq!(ds.info().duration_ms, Some(50.0));
    for it in ds.items() {
        let st = ds.read(it, 1.0).unwrap();
        assert_eq!((st.n_channels(), st.n_steps()), (8, 50));
        let twin = dir.path().join("b").join(it.path.file_name().unwrap());
        assert_eq!(
            std::fs::read(&it.path).unwrap(),
            std::fs::read(twin).unwrap()
        );
    }
    std::fs::write(p("bad.json"), r#"{"rate_hz": -3}"#).unwrap();
    let e = fails(&lsm(&[
        "data",
        "spike-patterns",
        "--config",
        &p("bad.json"),
        "--out",
        &p("c"),
    ]));
    assert!(e.contains("rate_hz") && e.contains(">= 0"), "{e}");
    assert!(!dir.path().join("c").exists());
}
