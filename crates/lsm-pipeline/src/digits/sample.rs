//! Samples (a WAV file, its label and group, a stable id) and progress reporting.

use std::path::PathBuf;

/// One audio sample: a WAV file, its label (if known) and its group (speaker, for grouped
/// cross-validation), and a stable id that selects its random streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The WAV file.
    pub path: PathBuf,
    /// Class label (e.g. `"7"`); required for fitting and evaluating.
    pub label: Option<String>,
    /// Group (speaker); required for leave-one-group-out cross-validation.
    pub group: Option<String>,
    /// Stable id (independent of processing order), e.g. [`stable_id`] of the file name.
    pub id: u64,
}

impl Sample {
    /// An unlabelled sample whose id is [`stable_id`] of its file name.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let id = stable_id(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        Self {
            path,
            label: None,
            group: None,
            id,
        }
    }
}

/// A stable 64-bit id of a name (FNV-1a), so a file keeps its random streams wherever it is
/// and in whatever order files are processed.
pub fn stable_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Progress reporting hooks (the command line draws progress bars with them). All methods
/// default to doing nothing.
pub trait Progress: Sync {
    /// A stage starts with `total` units of work (files, or 0 when unknown).
    fn start(&self, _stage: &str, _total: u64) {}
    /// `n` units done.
    fn inc(&self, _n: u64) {}
    /// The current stage is finished.
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}
