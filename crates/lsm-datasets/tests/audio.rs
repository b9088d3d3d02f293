//! Listing and splitting labelled audio: the bundled FSDD sample, CSV lists, bad inputs.

use lsm_datasets::{classes, speaker_folds, AudioDataset, DatasetError, Split};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fsdd-sample/recordings")
}

fn count_by<F: Fn(&lsm_datasets::Item) -> String>(
    items: &[lsm_datasets::Item],
    f: F,
) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for it in items {
        *m.entry(f(it)).or_insert(0) += 1;
    }
    m
}

fn spk(it: &lsm_datasets::Item) -> String {
    it.speaker.clone().unwrap()
}

#[test]
fn official_split_of_the_bundled_sample() {
    let ds = AudioDataset::from_folder(sample_dir()).unwrap();
    assert_eq!(ds.items().len(), 350);
    assert_eq!(
        ds.speakers(),
        vec!["george", "jackson", "nicolas", "theo", "yweweler"]
    );
    assert_eq!(
        ds.classes(),
        (0..10).map(|d| d.to_string()).collect::<Vec<_>>()
    );
    let test = ds.select(Split::Test, &[]).unwrap();
    let train = ds.select(Split::Train, &[]).unwrap();
    let all = ds.select(Split::All, &[]).unwrap();
    assert_eq!((test.len(), train.len(), all.len()), (100, 250, 350));
    assert!(test.iter().all(|i| i.take.unwrap() <= 4));
    assert!(train.iter().all(|i| i.take.unwrap() >= 5));
    for (_, n) in count_by(&test, spk) {
        assert_eq!(n, 20);
    }
    for (_, n) in count_by(&train, spk) {
        assert_eq!(n, 50);
    }
    for (_, n) in count_by(&train, |i| i.label.clone()) {
        assert_eq!(n, 25);
    }
    // ids: position in the sorted file list, identical whatever the split
    let names: Vec<String> = all
        .iter()
        .map(|i| i.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for (k, it) in all.iter().enumerate() {
        assert_eq!(it.id, k);
    }
    let t = test
        .iter()
        .find(|i| i.path.ends_with("3_theo_1.wav"))
        .unwrap();
    assert_eq!(t.id, all.iter().position(|i| i.path == t.path).unwrap());
    assert_eq!(
        (t.label.as_str(), t.speaker.as_deref(), t.take),
        ("3", Some("theo"), Some(1))
    );
    assert!(t.path.is_file());
}

#[test]
fn held_out_speakers() {
    let ds = AudioDataset::from_folder(sample_dir()).unwrap();
    let held = vec!["theo".to_string(), "george".to_string()];
    let test = ds.select(Split::Test, &held).unwrap();
    let train = ds.select(Split::Train, &held).unwrap();
    assert_eq!((test.len(), train.len()), (140, 210));
    assert_eq!(
        count_by(&test, spk).keys().cloned().collect::<Vec<_>>(),
        vec!["george", "theo"]
    );
    assert_eq!(
        count_by(&train, spk).keys().cloned().collect::<Vec<_>>(),
        vec!["jackson", "nicolas", "yweweler"]
    );
    assert_eq!(ds.select(Split::All, &held).unwrap().len(), 350);
    let e = ds.select(Split::Test, &["lucas".to_string()]).unwrap_err();
    assert!(matches!(e, DatasetError::UnknownSpeaker { .. }));
    assert!(
        e.to_string().contains("lucas") && e.to_string().contains("yweweler"),
        "{e}"
    );
    // all speakers held out: train is empty -> error naming the split and the folder
    let everyone = ds.speakers();
    let e = ds.select(Split::Train, &everyone).unwrap_err();
    assert!(matches!(e, DatasetError::EmptySplit { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("train") && msg.contains("fsdd-sample"),
        "{msg}"
    );
}

#[test]
fn speaker_folds_for_leave_one_speaker_out() {
    let ds = AudioDataset::from_folder(sample_dir()).unwrap();
    let train = ds.select(Split::Train, &[]).unwrap();
    let folds = speaker_folds(&train).unwrap();
    assert_eq!(folds.len(), 250);
    let speakers = ds.speakers();
    for (it, f) in train.iter().zip(&folds) {
        assert_eq!(speakers[*f], it.speaker.clone().unwrap());
    }
}

fn touch(dir: &Path, name: &str) {
    std::fs::write(dir.join(name), b"RIFF").unwrap();
}

#[test]
fn folder_errors_and_skipped_files() {
    let e = AudioDataset::from_folder("/nonexistent/lsm/folder").unwrap_err();
    assert!(matches!(e, DatasetError::MissingFolder { .. }), "{e}");
    assert!(e.to_string().contains("/nonexistent/lsm/folder"));

    let d = tempfile::tempdir().unwrap();
    let e = AudioDataset::from_folder(d.path()).unwrap_err();
    assert!(matches!(e, DatasetError::NoWavFiles { .. }), "{e}");

    touch(d.path(), "1_ann_0.wav");
    touch(d.path(), "2_ann_7.WAV");
    touch(d.path(), "notes.txt");
    touch(d.path(), "._1_ann_0.wav");
    std::fs::create_dir(d.path().join("sub")).unwrap();
    let ds = AudioDataset::from_folder(d.path()).unwrap();
    assert_eq!(ds.items().len(), 2);
    // only take 7 is train; only take 0 is test
    assert_eq!(ds.select(Split::Train, &[]).unwrap()[0].label, "2");
    assert_eq!(ds.select(Split::Test, &[]).unwrap()[0].label, "1");

    touch(d.path(), "3_ann_x.wav");
    let e = AudioDataset::from_folder(d.path()).unwrap_err();
    assert!(matches!(e, DatasetError::BadFileName { .. }), "{e}");
    assert!(e.to_string().contains("3_ann_x.wav"), "{e}");

    // empty split: no test takes
    let d2 = tempfile::tempdir().unwrap();
    touch(d2.path(), "1_ann_9.wav");
    let ds = AudioDataset::from_folder(d2.path()).unwrap();
    let e = ds.select(Split::Test, &[]).unwrap_err();
    assert!(matches!(e, DatasetError::EmptySplit { .. }), "{e}");
    assert!(e.to_string().contains("test"), "{e}");
}

#[test]
fn csv_lists() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("audio")).unwrap();
    for n in ["a.wav", "b.wav", "c, d.wav", "e.wav"] {
        touch(&d.path().join("audio"), n);
    }
    let csv = d.path().join("list.csv");
    std::fs::write(
        &csv,
        "label,path,speaker,split,notes\n\
         yes,audio/a.wav,ann,train,x\n\
         no,audio/b.wav,bob,test,\n\
         10,\"audio/c, d.wav\",ann,train,\"y, z\"\n\
         9,audio/e.wav,bob,Train,\n",
    )
    .unwrap();
    let ds = AudioDataset::open(&csv).unwrap();
    assert_eq!(ds.items().len(), 4);
    assert_eq!(ds.items()[2].path, d.path().join("audio/c, d.wav"));
    assert_eq!(ds.items()[2].id, 2);
    assert_eq!(ds.items()[0].speaker.as_deref(), Some("ann"));
    assert_eq!(ds.select(Split::Train, &[]).unwrap().len(), 3);
    assert_eq!(ds.select(Split::Test, &[]).unwrap().len(), 1);
    assert_eq!(
        ds.select(Split::Test, &["ann".to_string()]).unwrap().len(),
        2
    );
    assert_eq!(ds.speakers(), vec!["ann", "bob"]);
    // mixed labels: lexicographic
    assert_eq!(classes(ds.items()), vec!["10", "9", "no", "yes"]);

    // minimal list: path,label only; train/test need a split column
    let csv2 = d.path().join("min.csv");
    std::fs::write(&csv2, "path,label\naudio/a.wav,9\naudio/b.wav,10\n").unwrap();
    let ds2 = AudioDataset::from_csv(&csv2).unwrap();
    assert_eq!(classes(ds2.items()), vec!["9", "10"], "numeric order");
    assert_eq!(ds2.select(Split::All, &[]).unwrap().len(), 2);
    let e = ds2.select(Split::Train, &[]).unwrap_err();
    assert!(matches!(e, DatasetError::Unsupported { .. }), "{e}");
    assert!(speaker_folds(ds2.items()).is_err());
}

fn csv_err(body: &str) -> String {
    let d = tempfile::tempdir().unwrap();
    touch(d.path(), "a.wav");
    let csv = d.path().join("bad.csv");
    std::fs::write(&csv, body).unwrap();
    let e = AudioDataset::from_csv(&csv).unwrap_err();
    assert!(
        matches!(
            e,
            DatasetError::Csv { .. } | DatasetError::EmptySplit { .. }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains("bad.csv"), "{msg}");
    msg
}

#[test]
fn bad_csv_lists_name_file_line_and_column() {
    assert!(csv_err("").contains("empty file"));
    let m = csv_err("file,label\na.wav,1\n");
    assert!(m.contains("line 1") && m.contains("`path`"), "{m}");
    let m = csv_err("path,class\na.wav,1\n");
    assert!(m.contains("line 1") && m.contains("`label`"), "{m}");
    let m = csv_err("path,label\na.wav,1\nmissing.wav,2\n");
    assert!(
        m.contains("line 3") && m.contains("`path`") && m.contains("does not exist"),
        "{m}"
    );
    let m = csv_err("path,label\na.wav\n");
    assert!(
        m.contains("line 2") && m.contains("expected 2 fields"),
        "{m}"
    );
    let m = csv_err("path,label\na.wav,\n");
    assert!(
        m.contains("line 2") && m.contains("`label`") && m.contains("empty label"),
        "{m}"
    );
    let m = csv_err("path,label,split\na.wav,1,validation\n");
    assert!(
        m.contains("line 2") && m.contains("`split`") && m.contains("validation"),
        "{m}"
    );
    let m = csv_err("path,label\n\"a.wav,1\n");
    assert!(m.contains("line 2") && m.contains("unterminated"), "{m}");
    let m = csv_err("path,label\n");
    assert!(m.contains("no rows"), "{m}");
    let e = AudioDataset::from_csv("/nonexistent/list.csv").unwrap_err();
    assert!(matches!(e, DatasetError::Read(_)), "{e}");
    assert!(e.to_string().contains("/nonexistent/list.csv"), "{e}");
}

#[test]
fn split_parses_and_prints() {
    for s in [Split::Train, Split::Test, Split::All] {
        assert_eq!(s.to_string().parse::<Split>().unwrap(), s);
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Split>(&j).unwrap(), s);
    }
    assert!("valid".parse::<Split>().is_err());
}

#[test]
fn dataset_root_with_recordings_subfolder_is_accepted() {
    let root = sample_dir().parent().unwrap().to_path_buf();
    let a = AudioDataset::from_folder(&root).unwrap();
    let b = AudioDataset::from_folder(sample_dir()).unwrap();
    assert_eq!(a.items().len(), 350);
    let pa: Vec<_> = a.items().iter().map(|i| i.path.clone()).collect();
    let pb: Vec<_> = b.items().iter().map(|i| i.path.clone()).collect();
    assert_eq!(pa, pb);
    // A folder with neither WAVs nor `recordings/` is still an error.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        AudioDataset::from_folder(empty.path()),
        Err(DatasetError::NoWavFiles { .. })
    ));
}

/// Make a named pipe with the system's `mkfifo`; false where there is none.
#[cfg(unix)]
fn mkfifo(p: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(unix)]
#[test]
fn bad_entries_are_reported_not_skipped_and_never_opened() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    touch(d.path(), "1_ann_0.wav");
    touch(d.path(), "2_ann_7.wav");
    // Each bad entry alone makes listing fail with an error naming it and saying what it is.
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "3_ann_1.wav",
            Box::new(|p: &Path| symlink("nowhere.wav", p).unwrap()),
            "dangling symbolic link",
        ),
        (
            "4_ann_1.wav",
            Box::new(|p: &Path| symlink(p.file_name().unwrap(), p).unwrap()),
            "symbolic link",
        ),
        (
            "5_ann_1.wav",
            Box::new(|p: &Path| std::fs::create_dir(p).unwrap()),
            "folder",
        ),
    ];
    for (name, make, needle) in &cases {
        let p = d.path().join(name);
        make(&p);
        let e = AudioDataset::from_folder(d.path()).unwrap_err();
        assert!(matches!(e, DatasetError::BadEntry { .. }), "{e}");
        let m = e.to_string();
        assert!(m.contains(name) && m.contains(needle), "{m}");
        // Skipping lists it and keeps the good files.
        let ds = AudioDataset::from_folder_with(d.path(), true).unwrap();
        assert_eq!(ds.items().len(), 2);
        assert_eq!(ds.skipped().len(), 1);
        assert!(ds.skipped()[0].path.ends_with(name));
        assert!(ds.skipped()[0].reason.contains(needle));
        if p.is_dir() {
            std::fs::remove_dir(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
    // A named pipe: reported without blocking (opening it for reading would wait forever).
    let fifo = d.path().join("6_ann_1.wav");
    if mkfifo(&fifo) {
        let e = AudioDataset::from_folder(d.path()).unwrap_err().to_string();
        assert!(e.contains("6_ann_1.wav") && e.contains("named pipe"), "{e}");
        // Badly named files are skipped too with skip_bad, in name order.
        touch(d.path(), "bad.wav");
        let ds = AudioDataset::open_with(d.path(), true).unwrap();
        let names: Vec<_> = ds
            .skipped()
            .iter()
            .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["6_ann_1.wav", "bad.wav"]);
        assert_eq!(ds.items().len(), 2);
    }
}

#[test]
fn csv_rows_with_bad_files_can_be_skipped() {
    let d = tempfile::tempdir().unwrap();
    touch(d.path(), "a.wav");
    std::fs::create_dir(d.path().join("dir.wav")).unwrap();
    let list = d.path().join("list.csv");
    std::fs::write(
        &list,
        "\u{feff}path,label\na.wav,1\ngone.wav,2\ndir.wav,3\n",
    )
    .unwrap();
    let e = AudioDataset::from_csv(&list).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("does not exist"), "{e}");
    let ds = AudioDataset::from_csv_with(&list, true).unwrap();
    assert_eq!(ds.items().len(), 1);
    assert_eq!(ds.items()[0].label, "1");
    let why: Vec<&str> = ds.skipped().iter().map(|s| s.reason.as_str()).collect();
    assert!(
        why[0].contains("gone.wav") && why[0].contains("does not exist"),
        "{why:?}"
    );
    assert!(
        why[1].contains("dir.wav") && why[1].contains("folder"),
        "{why:?}"
    );
}

#[test]
fn a_take_too_large_for_its_field_says_so() {
    let d = tempfile::tempdir().unwrap();
    touch(d.path(), "1_ann_99999999999.wav");
    let e = AudioDataset::from_folder(d.path()).unwrap_err().to_string();
    assert!(e.contains("too large") && e.contains("4294967295"), "{e}");
    assert!(!e.contains("is not a whole number"), "{e}");
}
