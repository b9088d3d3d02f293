//! Helpers shared by the command-line tests: run `lsm`, check its outcome.

use std::process::{Command, Output};

/// Run `lsm ARGS --quiet`.
pub fn lsm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsm"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("running lsm")
}

/// Assert that `lsm` succeeded (showing its stderr if not).
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lsm failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Assert that `lsm` failed; its stderr.
#[allow(dead_code)] // not every test file uses it
pub fn fails(o: &Output) -> String {
    assert!(!o.status.success(), "lsm should have failed");
    String::from_utf8_lossy(&o.stderr).into_owned()
}
