//! Property tests of the dataset loaders on hostile input: the time-series CSV reader, the
//! labelled-file CSV list and the spike dataset folder, fed arbitrary bytes and arbitrary structured rows (byte-order
//! marks, quotes, huge numbers, control characters). Whatever the input, the loader returns an
//! error naming the file or a valid value, never panics, and never holds much more memory
//! than the input's size.
//!
//! 64 cases per property by default; a longer search:
//! `PROPTEST_CASES=10000 cargo test -p lsm-datasets --test fuzz`.

#[path = "../../lsm-core/tests/support/fuzz_support.rs"]
mod fuzz_support;

use fuzz_support::{config, peak_during, PeakAlloc};
use lsm_datasets::timeseries::TimeSeries;
use lsm_datasets::{AudioDataset, SpikeDataset};
use proptest::prelude::*;
use std::path::Path;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

fn budget(len: usize) -> usize {
    64 * len + (1 << 20)
}

fn check_series(text: &str) -> Result<(), TestCaseError> {
    let (peak, r) = peak_during(|| TimeSeries::parse_csv(text, "series.csv"));
    prop_assert!(peak <= budget(text.len()), "{} bytes", peak);
    match r {
        Ok(ts) => {
            prop_assert_eq!(ts.data.ncols(), ts.names.len());
            prop_assert!(ts.data.iter().all(|v| v.is_finite()));
            let bom = '\u{feff}';
            let names_ok = ts
                .names
                .iter()
                .all(|n| !n.is_empty() && !n.starts_with(bom));
            prop_assert!(names_ok, "bad names {:?}", ts.names);
        }
        Err(e) => prop_assert!(e.to_string().contains("series.csv"), "{}", e),
    }
    Ok(())
}

/// Write `text` as `list.csv` in `dir` and list it; check the contract.
fn check_list(dir: &Path, text: &[u8]) -> Result<(), TestCaseError> {
    let p = dir.join("list.csv");
    std::fs::write(&p, text).unwrap();
    let (peak, r) = peak_during(|| AudioDataset::from_csv(&p));
    prop_assert!(peak <= budget(text.len()), "{} bytes", peak);
    match r {
        Ok(ds) => {
            prop_assert!(!ds.items().is_empty());
            for (k, it) in ds.items().iter().enumerate() {
                prop_assert_eq!(it.id, k);
                prop_assert!(it.path.is_file());
                prop_assert!(!it.label.is_empty());
            }
        }
        Err(e) => prop_assert!(e.to_string().contains("list.csv"), "{}", e),
    }
    // With skip_bad, the same or fewer items, never a panic.
    let lenient = AudioDataset::from_csv_with(&p, true);
    if let Ok(ds) = &lenient {
        prop_assert!(ds.items().iter().all(|it| it.path.is_file()));
    }
    Ok(())
}

/// A spike dataset folder with `labels` as labels.csv, `meta` (if any) as dataset.json and
/// `spikes` as a.csv; open it and read every item; check the contract.
fn check_spike_dataset(
    labels: &[u8],
    meta: Option<&[u8]>,
    spikes: &[u8],
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("labels.csv"), labels).unwrap();
    if let Some(m) = meta {
        std::fs::write(d.join("dataset.json"), m).unwrap();
    }
    std::fs::write(d.join("a.csv"), spikes).unwrap();
    let size = labels.len() + meta.map_or(0, <[u8]>::len);
    let (peak, r) = peak_during(|| SpikeDataset::open_with(d, true));
    prop_assert!(peak <= budget(size), "{} bytes", peak);
    let ds = match r {
        Ok(ds) => ds,
        Err(e) => {
            let e = e.to_string();
            prop_assert!(
                e.contains("labels.csv") || e.contains("dataset.json"),
                "{}",
                e
            );
            return Ok(());
        }
    };
    for (k, it) in ds.items().iter().enumerate() {
        prop_assert_eq!(it.id, k);
        prop_assert!(it.path.starts_with(d) && it.path.is_file());
        // A file named in labels.csv may not leave the folder.
        let rel = it.path.strip_prefix(d).unwrap();
        prop_assert!(rel.components().all(|c| matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )));
        match ds.read(it, 1.0) {
            Ok(st) => {
                if let Some(n) = ds.info().n_channels {
                    prop_assert!(st.n_channels() == n);
                }
            }
            Err(e) => {
                let e = e.to_string();
                let name = it.path.display().to_string();
                prop_assert!(
                    e.contains(&name) || e.contains("dataset.json") || e.contains("duration_ms"),
                    "{}",
                    e
                );
            }
        }
    }
    Ok(())
}

fn spike_row() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a.csv,1".to_string()),
        Just("a.csv,2,test,g,10".to_string()),
        Just("../a.csv,1".to_string()),
        Just("/a.csv,1".to_string()),
        Just("./a.csv,x,train".to_string()),
        Just("gone.csv,1".to_string()),
        Just("a.csv,,dev".to_string()),
        Just("a.csv,1,train,g,-1".to_string()),
        Just("a.csv,1,test,g,1e300".to_string()),
        "[ -~]{0,20}",
    ]
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-5i32..5).prop_map(|v| v.to_string()),
        Just("1e999".to_string()),
        Just("NaN".to_string()),
        Just("\"1\"".to_string()),
        "[ -~]{0,5}",
    ]
}

fn list_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a.wav".to_string()),
        Just("missing.wav".to_string()),
        Just("sub".to_string()),
        Just("\"a.wav\"".to_string()),
        Just("train".to_string()),
        Just("test".to_string()),
        Just("7".to_string()),
        Just("99999999999999999999".to_string()),
        Just("\"unterminated".to_string()),
        "[\\x00-\\x1f -~é]{0,6}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn series_from_arbitrary_text(text in "\\PC{0,400}") {
        check_series(&text)?;
    }

    #[test]
    fn series_from_arbitrary_rows(
        bom in any::<bool>(),
        header in proptest::collection::vec("[a-z\"]{0,3}", 1..4),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..5), 0..20),
    ) {
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&header.join(","));
        text.push('\n');
        for r in &rows {
            text.push_str(&r.join(","));
            text.push_str("\r\n");
        }
        check_series(&text)?;
    }

    #[test]
    fn folders_of_arbitrary_file_names(
        names in proptest::collection::vec("[0-9a-z_.é ]{0,12}(\\.wav|\\.WAV|)", 1..8),
        skip_bad in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for n in &names {
            if !n.is_empty() && n != "." && n != ".." {
                let _ = std::fs::write(dir.path().join(n), b"RIFF");
            }
        }
        match AudioDataset::from_folder_with(dir.path(), skip_bad) {
            Ok(ds) => {
                for it in ds.items() {
                    let stem = it.path.file_stem().unwrap().to_string_lossy().into_owned();
                    // label_speaker_take, as parsed back from the name.
                    let take = it.take.unwrap().to_string();
                    let label_first = stem.starts_with(&format!("{}_", it.label));
                    let take_last = stem.ends_with(&take);
                    prop_assert!(label_first && take_last, "{} -> {:?}", stem, it);
                    prop_assert!(!it.speaker.as_deref().unwrap().is_empty());
                }
                prop_assert!(skip_bad || ds.skipped().is_empty());
            }
            Err(e) => {
                let m = e.to_string();
                prop_assert!(m.contains(&*dir.path().to_string_lossy()), "{}", m);
            }
        }
    }

    #[test]
    fn lists_from_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wav"), b"RIFF").unwrap();
        let mut text = b"path,label\n".to_vec();
        text.extend_from_slice(&bytes);
        check_list(dir.path(), &text)?;
    }

    #[test]
    fn lists_from_arbitrary_rows(
        bom in any::<bool>(),
        header in prop_oneof![
            Just("path,label".to_string()),
            Just("label,path,speaker,split".to_string()),
            Just("PATH , Label,extra".to_string()),
            Just("file,label".to_string()),
        ],
        rows in proptest::collection::vec(proptest::collection::vec(list_field(), 0..5), 0..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wav"), b"RIFF").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&header);
        text.push('\n');
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        check_list(dir.path(), text.as_bytes())?;
    }

    #[test]
    fn spike_datasets_from_arbitrary_files(
        header in prop_oneof![
            Just("file,label".to_string()),
            Just("file,label,split,group,duration_ms".to_string()),
            Just("LABEL,File".to_string()),
            Just("path,label".to_string()),
        ],
        rows in proptest::collection::vec(spike_row(), 0..8),
        meta in proptest::option::of(prop_oneof![
            Just(r#"{"format": "lsm-spike-dataset", "version": 1, "n_channels": 3, "dt_ms": 1.0, "duration_ms": 20}"#.to_string()),
            Just(r#"{"format": "lsm-spike-dataset", "version": 1, "n_channels": 1e20, "dt_ms": 1.0}"#.to_string()),
            Just(r#"{"format": "lsm-spike-dataset", "version": 1, "n_channels": 3, "dt_ms": 1e-300, "duration_ms": 1e300}"#.to_string()),
            "\\PC{0,80}",
        ]),
        spikes in prop_oneof![
            Just("channel,time_ms\n0,1\n2,19.4\n".to_string()),
            Just("channel,time_ms\n7,1\n".to_string()),
            Just("channel,time_ms\n0,-1\n".to_string()),
            Just("channel,time_ms\n0,1e9\n".to_string()),
            "channel,time_ms\n[0-9,.e\n-]{0,40}",
        ],
    ) {
        let mut labels = header;
        labels.push('\n');
        for r in &rows {
            labels.push_str(r);
            labels.push('\n');
        }
        check_spike_dataset(labels.as_bytes(), meta.as_deref().map(str::as_bytes), spikes.as_bytes())?;
    }

    #[test]
    fn spike_labels_from_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut labels = b"file,label,split,group,duration_ms\n".to_vec();
        labels.extend_from_slice(&bytes);
        check_spike_dataset(&labels, None, b"channel,time_ms\n0,1\n")?;
    }
}
