//! Spike-train datasets: write -> open -> read round trips, and every malformed input is a
//! clear error naming the file, the line and the field.

use lsm_core::SpikeTrains;
use lsm_datasets::{
    is_spike_dataset, read_spike_file, write_spike_dataset, DatasetError, SpikeDataset,
    SpikeDatasetInfo, SpikeSampleOut, Split,
};
use std::path::Path;

fn train(seed: usize, n_channels: usize, n_steps: usize) -> SpikeTrains {
    // A deterministic irregular pattern: channel c fires at steps where (s * 7 + c * 3 + seed)
    // is a multiple of 11, including the first and last steps of some channels.
    let ev = (0..n_steps).flat_map(|s| {
        (0..n_channels)
            .filter_map(move |c| (s * 7 + c * 3 + seed).is_multiple_of(11).then_some((s, c)))
    });
    SpikeTrains::from_events(n_channels, 0.5, n_steps, ev).unwrap()
}

fn write(dir: &Path, info: &SpikeDatasetInfo, trains: &[SpikeTrains]) {
    let names: Vec<String> = (0..trains.len()).map(|i| format!("s{i}.csv")).collect();
    let groups = ["ann", "bob, jr", "ann"];
    let samples: Vec<SpikeSampleOut<'_>> = trains
        .iter()
        .enumerate()
        .map(|(i, st)| SpikeSampleOut {
            file: &names[i],
            label: if i % 2 == 0 { "yes" } else { "no" },
            split: Some(if i < 2 { Split::Train } else { Split::Test }),
            group: Some(groups[i % 3]),
            spikes: st,
        })
        .collect();
    write_spike_dataset(dir, info, &samples).unwrap();
}

fn err_text(e: DatasetError) -> String {
    lsm_core::error_chain(&e)
}

#[test]
fn round_trip_with_a_common_duration() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ds");
    let trains: Vec<SpikeTrains> = (0..3).map(|i| train(i, 5, 40)).collect();
    let info = SpikeDatasetInfo {
        n_channels: Some(5),
        dt_ms: Some(0.5),
        duration_ms: Some(20.0),
        meta: serde_json::json!({"encoder": {"kind": "test"}}),
    };
    write(&dir, &info, &trains);
    assert!(is_spike_dataset(&dir));
    let ds = SpikeDataset::open(&dir).unwrap();
    assert_eq!(ds.info(), &info);
    assert_eq!(ds.items().len(), 3);
    assert_eq!(ds.classes(), ["no", "yes"]);
    assert_eq!(ds.groups(), ["ann", "bob, jr"]);
    for (it, st) in ds.items().iter().zip(&trains) {
        assert_eq!(&ds.read(it, 0.5).unwrap(), st);
        assert_eq!(
            &read_spike_file(&it.path, 0.5, Some(5), Some(20.0)).unwrap(),
            st
        );
    }
    let test = ds.select(Split::Test, &[]).unwrap();
    assert_eq!(test.iter().map(|i| i.id).collect::<Vec<_>>(), [2]);
    let held = ds.select(Split::Test, &["bob, jr".to_string()]).unwrap();
    assert_eq!(held.iter().map(|i| i.id).collect::<Vec<_>>(), [1]);
    assert_eq!(ds.select(Split::Train, &[]).unwrap().len(), 2);
}

#[test]
fn round_trip_with_own_lengths_and_inferred_channels() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ds");
    // Different lengths, trailing silent steps (lost without the duration_ms column).
    let mut trains: Vec<SpikeTrains> = (0..3).map(|i| train(i, 4, 30 + 7 * i)).collect();
    trains.push(SpikeTrains::empty(4, 0.5, 13));
    write(&dir, &SpikeDatasetInfo::default(), &trains);
    let ds = SpikeDataset::open(&dir).unwrap();
    assert_eq!(ds.info().n_channels, Some(4));
    assert_eq!(ds.info().dt_ms, Some(0.5));
    assert_eq!(ds.info().duration_ms, None);
    for (it, st) in ds.items().iter().zip(&trains) {
        assert_eq!(ds.duration_of(it), Some(st.duration_ms()));
        assert_eq!(&ds.read(it, 0.5).unwrap(), st);
    }
    // Without dataset.json and the duration column: channels and length are inferred.
    std::fs::remove_file(dir.join("dataset.json")).unwrap();
    let ds = SpikeDataset::open(&dir).unwrap();
    assert_eq!(ds.info(), &SpikeDatasetInfo::default());
    let st = read_spike_file(&ds.items()[0].path, 0.5, None, None).unwrap();
    let last = trains[0].iter().last().unwrap();
    assert_eq!(st.n_steps(), last.0 + 1);
    assert_eq!(
        st.iter().collect::<Vec<_>>(),
        trains[0].iter().collect::<Vec<_>>()
    );
}

#[test]
fn writer_refuses_non_empty_folders_and_bad_samples() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ds");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let st = train(0, 3, 10);
    let sample = |file| SpikeSampleOut {
        file,
        label: "a",
        split: None,
        group: None,
        spikes: &st,
    };
    let info = SpikeDatasetInfo::default();
    let e = err_text(write_spike_dataset(&dir, &info, &[sample("a.csv")]).unwrap_err());
    assert!(e.contains("not empty"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );
    let out = root.path().join("new");
    for bad in ["../x.csv", "sub/x.csv", "labels.csv", ".h.csv", "x.txt"] {
        let e = err_text(write_spike_dataset(&out, &info, &[sample(bad)]).unwrap_err());
        assert!(e.contains("plain file name"), "{bad}: {e}");
    }
    let e = err_text(
        write_spike_dataset(&out, &info, &[sample("a.csv"), sample("A.csv")]).unwrap_err(),
    );
    assert!(e.contains("two samples"), "{e}");
    let long = SpikeDatasetInfo {
        duration_ms: Some(100.0),
        ..Default::default()
    };
    let e = err_text(write_spike_dataset(&out, &long, &[sample("a.csv")]).unwrap_err());
    assert!(e.contains("10 steps, expected 200"), "{e}");
    // Nothing was left behind by the refusals, not even a hidden temporary folder.
    let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// A folder with `labels` as labels.csv and the given spike files.
fn folder(labels: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("labels.csv"), labels).unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

const SPIKES: &str = "channel,time_ms\n0,1\n2,3.5\n";

fn open_err(labels: &str, files: &[(&str, &str)]) -> String {
    let d = folder(labels, files);
    err_text(SpikeDataset::open(d.path()).unwrap_err())
}

#[test]
fn malformed_labels_are_clear_errors() {
    let f = [("a.csv", SPIKES)];
    let e = open_err("path,label\na.csv,1\n", &f);
    assert!(
        e.contains("labels.csv") && e.contains("line 1") && e.contains("`file`"),
        "{e}"
    );
    let e = open_err("file\na.csv\n", &f);
    assert!(e.contains("`label`"), "{e}");
    let e = open_err("file,label,split\na.csv,1,dev\n", &f);
    assert!(
        e.contains("line 2") && e.contains("`split`") && e.contains("`dev`"),
        "{e}"
    );
    let e = open_err("file,label\nb.csv,1\n", &f);
    assert!(
        e.contains("line 2") && e.contains("b.csv") && e.contains("does not exist"),
        "{e}"
    );
    let e = open_err("file,label\n../a.csv,1\n", &f);
    assert!(e.contains("`..`") && e.contains("`file`"), "{e}");
    let e = open_err("file,label\n/etc/passwd,1\n", &f);
    assert!(e.contains("absolute"), "{e}");
    let e = open_err("file,label\na.csv,\n", &f);
    assert!(e.contains("empty label"), "{e}");
    let e = open_err("file,label,duration_ms\na.csv,1,-5\n", &f);
    assert!(e.contains("duration_ms") && e.contains("line 2"), "{e}");
    let e = open_err("", &f);
    assert!(e.contains("empty file") && e.contains("file,label"), "{e}");
    let e = open_err("file,label\n", &f);
    assert!(e.contains("no rows"), "{e}");
    // Column order and case are free; extra columns are ignored.
    let d = folder("Label,notes,FILE\n7,x,a.csv\n", &f);
    let ds = SpikeDataset::open(d.path()).unwrap();
    assert_eq!(ds.items()[0].label, "7");
    let e = err_text(ds.select(Split::Train, &[]).unwrap_err());
    assert!(
        e.contains("needs a `split` column") && e.contains("labels.csv"),
        "{e}"
    );
}

#[test]
fn malformed_spike_files_are_clear_errors() {
    let labels = "file,label\na.csv,1\n";
    let read = |text: &str, n_channels, duration| {
        let d = folder(labels, &[("a.csv", text)]);
        let ds = SpikeDataset::open(d.path()).unwrap();
        err_text(read_spike_file(&ds.items()[0].path, 1.0, n_channels, duration).unwrap_err())
    };
    let e = read("channel,time_ms\n0,1\n3,2\n", Some(3), None);
    assert!(
        e.contains("a.csv") && e.contains("line 3") && e.contains("out of range"),
        "{e}"
    );
    let e = read("channel,time_ms\n0,-1\n", None, None);
    assert!(e.contains("line 2") && e.contains("time_ms"), "{e}");
    let e = read("channel,time_ms\n0,NaN\n", None, None);
    assert!(e.contains("line 2") && e.contains("finite"), "{e}");
    let e = read("channel,time_ms\n0,12\n", None, Some(10.0));
    assert!(e.contains("past the end"), "{e}");
    let e = read("neuron,time_ms\n0,1\n", None, None);
    assert!(e.contains("header"), "{e}");
    let e = read(SPIKES, None, Some(1e300));
    assert!(e.contains("duration_ms") && e.contains("too long"), "{e}");
    let e = read(SPIKES, None, Some(1e12));
    assert!(e.contains("steps") && e.contains("--allow-large"), "{e}");
    let e = read(SPIKES, Some(usize::MAX), None);
    assert!(
        e.contains("n_channels") && e.contains("--allow-large"),
        "{e}"
    );
}

fn meta_err(json: &str) -> String {
    let d = folder(
        "file,label\na.csv,1\n",
        &[("a.csv", SPIKES), ("dataset.json", json)],
    );
    err_text(SpikeDataset::open(d.path()).unwrap_err())
}

#[test]
fn malformed_metadata_is_a_clear_error() {
    let ok = r#"{"format": "lsm-spike-dataset", "version": 1, "n_channels": 3, "dt_ms": 0.5}"#;
    let d = folder(
        "file,label\na.csv,1\n",
        &[("a.csv", SPIKES), ("dataset.json", ok)],
    );
    let ds = SpikeDataset::open(d.path()).unwrap();
    assert_eq!(ds.info().n_channels, Some(3));
    assert_eq!(ds.info().meta, serde_json::Value::Null);
    let st = ds.read(&ds.items()[0], 0.5).unwrap();
    assert_eq!(st.iter().collect::<Vec<_>>(), [(2, 0), (7, 2)]);

    let e = meta_err(&ok.replace("lsm-spike-dataset", "other"));
    assert!(e.contains("dataset.json") && e.contains("`format`"), "{e}");
    let e = meta_err(&ok.replace("\"version\": 1", "\"version\": 2"));
    assert!(e.contains("`version`"), "{e}");
    let e = meta_err(&ok.replace("3,", "1e30,"));
    assert!(
        e.contains("dataset.json") && e.contains("usize") && e.contains("line 1"),
        "{e}"
    );
    let e = meta_err(&ok.replace("3,", "2000000000,"));
    assert!(
        e.contains("n_channels") && e.contains("--allow-large"),
        "{e}"
    );
    let e = meta_err(&ok.replace("0.5}", "0.5, \"duration_ms\": 1e15}"));
    assert!(
        e.contains("duration_ms") && e.contains("--allow-large"),
        "{e}"
    );
    let e = meta_err(&ok.replace("0.5}", "-1}"));
    assert!(e.contains("`dt_ms`"), "{e}");
    let e = meta_err(&ok.replace("0.5}", "0.5, \"colour\": 1}"));
    assert!(e.contains("colour"), "{e}");
    let e = meta_err(&ok.replace("0.5}", "0.5, \"dt_ms\": 1}"));
    assert!(e.contains("duplicate key"), "{e}");
    let e = meta_err("[1]");
    assert!(e.contains("object"), "{e}");
}

#[test]
fn skip_bad_leaves_out_missing_files_and_keeps_ids_dense() {
    let d = folder(
        "file,label,group\na.csv,1,x\ngone.csv,2,y\nb.csv,3,y\n",
        &[("a.csv", SPIKES), ("b.csv", SPIKES)],
    );
    std::fs::create_dir(d.path().join("dir.csv")).unwrap();
    let e = err_text(SpikeDataset::open(d.path()).unwrap_err());
    assert!(e.contains("gone.csv") && e.contains("line 3"), "{e}");
    let ds = SpikeDataset::open_with(d.path(), true).unwrap();
    assert_eq!(ds.items().len(), 2);
    assert_eq!(ds.items()[1].id, 1);
    assert_eq!(ds.items()[1].label, "3");
    assert_eq!(ds.skipped().len(), 1);
    assert!(ds.skipped()[0].reason.contains("does not exist"));
    // Syntax errors are not skipped.
    let d = folder("file,label\na.csv,1,extra\n", &[("a.csv", SPIKES)]);
    let e = err_text(SpikeDataset::open_with(d.path(), true).unwrap_err());
    assert!(e.contains("expected 2 fields"), "{e}");
}
