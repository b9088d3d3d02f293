//! `close_outputs` (what the `lsm` command line's interrupt handler calls before it exits):
//! it removes the outputs being written and refuses new ones, so that no temporary file or
//! pending folder of a thread still running appears after the removal. A test binary of its
//! own: the refusal lasts for the rest of the process.

use lsm_core::{close_outputs, write_atomic, PendingDir};
use std::io::ErrorKind;

#[test]
fn closing_removes_pending_outputs_and_refuses_new_ones() {
    let root = tempfile::tempdir().unwrap();
    let files = || {
        let mut v: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    // Before: an output is written whole; a pending folder exists until it is committed.
    write_atomic(&root.path().join("a.json"), b"{}").unwrap();
    let pending = PendingDir::create(&root.path().join("ds")).unwrap();
    std::fs::write(pending.path().join("x.csv"), "1").unwrap();
    assert_eq!(files().len(), 2, "{:?}", files());

    assert_eq!(close_outputs(), 1, "the pending folder is removed");
    assert_eq!(files(), ["a.json"]);
    // Its commit now fails (the folder is gone) and leaves nothing under the real name.
    assert!(pending.commit().is_err());
    assert_eq!(files(), ["a.json"]);

    // After: new outputs are refused before anything is created, naming the destination.
    let e = write_atomic(&root.path().join("b.json"), b"{}").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert!(e.to_string().contains("b.json"), "{e}");
    let e = PendingDir::create(&root.path().join("ds2")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert!(e.to_string().contains("ds2"), "{e}");
    assert_eq!(files(), ["a.json"]);
    // The existing output was never touched.
    assert_eq!(std::fs::read(root.path().join("a.json")).unwrap(), b"{}");
}
