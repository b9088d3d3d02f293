//! Spike-train datasets: a folder of labelled spike files, as `lsm encode --out DIR` and
//! `lsm data spike-patterns` write them and the pipeline reads them.
//!
//! # Layout
//! * `labels.csv` (required): a header with the columns `file` and `label` (any order, names
//!   case insensitive), optionally `split` (`train` / `test`), `group` (held-out groups, like
//!   speakers) and `duration_ms` (the sample's length, when the dataset has no common one);
//!   one sample per row. `file` is relative to the folder and may not leave it (absolute
//!   paths and `..` components are refused). CSV syntax as for audio lists (quoted fields,
//!   CRLF, BOM).
//! * one spike CSV per sample, in the format `lsm simulate --input` reads: the header
//!   `channel,time_ms`, one spike per line ([`SpikeTrains::read_csv`]).
//! * `dataset.json` (optional): `{"format": "lsm-spike-dataset", "version": 1,
//!   "n_channels": C, "dt_ms": 1.0, "duration_ms": T or null, "meta": {...}}` (strict JSON,
//!   no unknown keys; `meta` is free-form, e.g. the encoder's configuration). Without it the
//!   number of channels is inferred from the spikes read (largest channel + 1) and the time
//!   grid is the reader's `dt_ms`.
//!
//! # Ids and splits
//! `Item::id` is the row's position among the rows kept; `Item::speaker` is the `group`
//! column and `Item::csv_split` the `split` column. [`SpikeDataset::select`] follows the same
//! rules as [`crate::AudioDataset::select`].

use crate::audio::{Item, Skipped, Split};
use crate::error::{DatasetError, Result};
use crate::listing::{self, SplitRules, Table};
use lsm_core::limits::{self, checked_steps, Limit};
use lsm_core::{Real, SpikeTrains};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

mod write;
pub use write::{write_spike_dataset, SpikeDatasetWriter, SpikeRow, SpikeSampleOut};

/// The list of samples in a spike dataset folder.
pub const LABELS_FILE: &str = "labels.csv";
/// The optional metadata file of a spike dataset folder.
pub const META_FILE: &str = "dataset.json";
/// The `format` value of `dataset.json`.
pub const FORMAT: &str = "lsm-spike-dataset";
/// The `version` of `dataset.json` this crate reads and writes.
pub const VERSION: u32 = 1;

/// What `dataset.json` declares (all `None` without one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpikeDatasetInfo {
    /// Number of input channels (every spike's channel is below it).
    pub n_channels: Option<usize>,
    /// The time grid the spikes were made on, in ms.
    pub dt_ms: Option<Real>,
    /// The common length of every sample in ms (spike times are below it).
    pub duration_ms: Option<Real>,
    /// Free-form metadata (`null` when absent).
    pub meta: serde_json::Value,
}

/// `dataset.json` as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    format: String,
    version: u32,
    n_channels: usize,
    dt_ms: Real,
    #[serde(default)]
    duration_ms: Option<Real>,
    #[serde(default)]
    meta: serde_json::Value,
}

/// A labelled collection of spike files (see the module docs).
#[derive(Clone, Debug)]
pub struct SpikeDataset {
    source: PathBuf,
    info: SpikeDatasetInfo,
    has_splits: bool,
    items: Vec<Item>,
    /// Per item (by id): its own `duration_ms` column value.
    durations: Vec<Option<Real>>,
    skipped: Vec<Skipped>,
}

/// Whether `dir` is a folder holding a `labels.csv` (a spike dataset).
pub fn is_spike_dataset(dir: &Path) -> bool {
    dir.is_dir() && dir.join(LABELS_FILE).is_file()
}

fn meta_err(file: &Path, field: &str, msg: impl Into<String>) -> DatasetError {
    DatasetError::Meta {
        file: file.to_path_buf(),
        field: field.to_string(),
        msg: msg.into(),
    }
}

fn limit_err(file: &Path) -> impl FnOnce(limits::LimitError) -> DatasetError + '_ {
    move |source| DatasetError::Limit {
        file: file.to_path_buf(),
        source,
    }
}

/// Check a duration (from `field` of `file`) on the grid `dt_ms` and return its steps,
/// checked against [`Limit::Steps`] and [`Limit::MemoryBytes`] (the step index).
fn duration_steps(file: &Path, field: &str, duration_ms: Real, dt_ms: Real) -> Result<usize> {
    check_positive(file, "dt_ms", dt_ms)?;
    check_positive(file, field, duration_ms)?;
    let steps = checked_steps((duration_ms / dt_ms).round()).ok_or_else(|| {
        meta_err(
            file,
            field,
            format!("{duration_ms} ms is too long for steps of {dt_ms} ms"),
        )
    })?;
    let what = format!("{field} {duration_ms} / dt_ms {dt_ms}");
    limits::check(Limit::Steps, steps as f64, what.clone()).map_err(limit_err(file))?;
    limits::check(Limit::MemoryBytes, (steps as f64 + 1.0) * 4.0, what).map_err(limit_err(file))?;
    Ok(steps as usize)
}

fn check_positive(file: &Path, field: &str, v: Real) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(meta_err(
            file,
            field,
            format!("{v}: expected a finite number > 0"),
        ))
    }
}

/// Read and check `dataset.json`.
fn read_meta(file: &Path) -> Result<SpikeDatasetInfo> {
    let text = lsm_core::read_to_string_capped(file).map_err(DatasetError::Read)?;
    let m: MetaFile =
        lsm_core::json::from_object_slice(text.as_bytes(), &file.display().to_string())
            .map_err(DatasetError::Json)?;
    if m.format != FORMAT {
        return Err(meta_err(
            file,
            "format",
            format!("`{}`: expected `{FORMAT}`", m.format),
        ));
    }
    if m.version != VERSION {
        return Err(meta_err(
            file,
            "version",
            format!(
                "{}: expected {VERSION} (this version of lsm reads only that)",
                m.version
            ),
        ));
    }
    if m.n_channels == 0 {
        return Err(meta_err(file, "n_channels", "0: expected at least 1"));
    }
    limits::check(Limit::Inputs, m.n_channels as f64, "n_channels").map_err(limit_err(file))?;
    check_positive(file, "dt_ms", m.dt_ms)?;
    if let Some(d) = m.duration_ms {
        duration_steps(file, "duration_ms", d, m.dt_ms)?;
    }
    Ok(SpikeDatasetInfo {
        n_channels: Some(m.n_channels),
        dt_ms: Some(m.dt_ms),
        duration_ms: m.duration_ms,
        meta: m.meta,
    })
}

/// `rel` is a relative path that stays inside its folder.
fn check_inside(rel: &str) -> std::result::Result<(), String> {
    let p = Path::new(rel);
    for c in p.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "`{rel}` has a `..` component; expected a path inside the dataset folder"
                ))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{rel}` is absolute; expected a path relative to the dataset folder"
                ))
            }
        }
    }
    Ok(())
}

impl SpikeDataset {
    /// Open a spike dataset folder (`labels.csv`, and `dataset.json` if present).
    ///
    /// # Errors
    /// [`DatasetError::MissingFolder`]; [`DatasetError::Csv`] naming `labels.csv`, the line
    /// and the column for a missing column, an empty file or label, a path leaving the
    /// folder, a file that is not a readable regular file, a bad split or duration;
    /// [`DatasetError::Json`], [`DatasetError::Meta`] or [`DatasetError::Limit`] for a bad
    /// `dataset.json`; [`DatasetError::EmptySplit`] for a list with no rows.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, false)
    }

    /// [`Self::open`]; with `skip_bad`, rows whose file is missing or not a regular file are
    /// left out and listed in [`Self::skipped`] instead of failing (other errors still fail).
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_with(dir: impl AsRef<Path>, skip_bad: bool) -> Result<Self> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(DatasetError::MissingFolder {
                path: dir.to_path_buf(),
            });
        }
        let meta_path = dir.join(META_FILE);
        let info = if std::fs::symlink_metadata(&meta_path).is_ok() {
            read_meta(&meta_path)?
        } else {
            SpikeDatasetInfo::default()
        };
        let labels = dir.join(LABELS_FILE);
        let table = Table::read(&labels, "file,label")?;
        let col_file = table.required("file")?;
        let col_label = table.required("label")?;
        let col_split = table.optional("split");
        let col_group = table.optional("group");
        let col_duration = table.optional("duration_ms");
        let mut items = Vec::with_capacity(table.rows.len());
        let mut durations = Vec::with_capacity(table.rows.len());
        let mut skipped = Vec::new();
        for r in &table.rows {
            let rel = table.non_empty(r, col_file, "file")?;
            check_inside(rel).map_err(|msg| table.err(r.line, "file", msg))?;
            let label = table.non_empty(r, col_label, "label")?;
            let csv_split = table.split(r, col_split)?;
            let duration = match Table::text(r, col_duration) {
                None => None,
                Some(v) => {
                    let d: Real = v.parse().map_err(|_| {
                        table.err(r.line, "duration_ms", format!("`{v}`: expected a number"))
                    })?;
                    if let Some(dt) = info.dt_ms {
                        duration_steps(&labels, "duration_ms", d, dt)
                            .map_err(|e| table.err(r.line, "duration_ms", e.to_string()))?;
                    } else {
                        check_positive(&labels, "duration_ms", d)
                            .map_err(|e| table.err(r.line, "duration_ms", e.to_string()))?;
                    }
                    Some(d)
                }
            };
            let path = dir.join(rel);
            if !table.keep_file(r, "file", &path, skip_bad, &mut skipped)? {
                continue;
            }
            items.push(Item {
                id: items.len(),
                path,
                label: label.to_string(),
                speaker: Table::text(r, col_group),
                take: None,
                csv_split,
            });
            durations.push(duration);
        }
        if items.is_empty() {
            return Err(table.no_rows("labels.csv", &skipped));
        }
        Ok(Self {
            source: dir.to_path_buf(),
            info,
            has_splits: col_split.is_some(),
            items,
            durations,
            skipped,
        })
    }

    /// All items, in id (row) order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Rows left out because their file was bad (only when opened with `skip_bad`).
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// What `dataset.json` declares.
    pub fn info(&self) -> &SpikeDatasetInfo {
        &self.info
    }

    /// The dataset folder.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Distinct groups (the `group` column), sorted.
    pub fn groups(&self) -> Vec<String> {
        listing::groups(&self.items)
    }

    /// Class labels in class-index order (see [`crate::classes`]).
    pub fn classes(&self) -> Vec<String> {
        crate::classes(&self.items)
    }

    /// The items of a split, in id order: by the `split` column, or with `test_groups`
    /// non-empty, `test` = the items of those groups (see [`crate::AudioDataset::select`]).
    ///
    /// # Errors
    /// As [`crate::AudioDataset::select`].
    pub fn select(&self, split: Split, test_groups: &[String]) -> Result<Vec<Item>> {
        let rules = SplitRules {
            source: &self.source,
            has_splits: self.has_splits,
            rule: "the `split` column of labels.csv".into(),
            list: "labels.csv",
        };
        listing::select(&self.items, &rules, split, test_groups)
    }

    /// The length in ms of `item` (one of this dataset's items, found by its id): its
    /// `duration_ms` column, else the dataset's
    /// `duration_ms`, else `None` (then the sample ends with its last spike).
    pub fn duration_of(&self, item: &Item) -> Option<Real> {
        self.durations
            .get(item.id)
            .copied()
            .flatten()
            .or(self.info.duration_ms)
    }

    /// Read one item's spikes on the grid `dt_ms` with the dataset's number of channels (or
    /// inferred, see [`read_spike_file`]) and the item's duration ([`Self::duration_of`]).
    ///
    /// # Errors
    /// As [`read_spike_file`].
    pub fn read(&self, item: &Item, dt_ms: Real) -> Result<SpikeTrains> {
        read_spike_file(
            &item.path,
            dt_ms,
            self.info.n_channels,
            self.duration_of(item),
        )
    }
}

/// One sample's spikes (see the module docs for the CSV form), read size-capped. Times are
/// mapped to the nearest step of `dt_ms`; channels must be below `n_channels` (inferred as
/// the largest channel + 1 when `None`) and times below `duration_ms` if given. The train has
/// `duration_ms / dt_ms` steps, or (without a duration) just enough for its last spike; the
/// step count is checked against [`Limit::Steps`] before anything is allocated.
///
/// # Errors
/// [`DatasetError::Read`] (missing, too large, not UTF-8), [`DatasetError::Spikes`] naming
/// the file, the line and the field (bad header, channel out of range, negative or non-finite
/// time, time past the end), [`DatasetError::Meta`] or [`DatasetError::Limit`] for a bad
/// `dt_ms` or duration.
pub fn read_spike_file(
    path: &Path,
    dt_ms: Real,
    n_channels: Option<usize>,
    duration_ms: Option<Real>,
) -> Result<SpikeTrains> {
    check_positive(path, "dt_ms", dt_ms)?;
    let n_steps = duration_ms
        .map(|d| duration_steps(path, "duration_ms", d, dt_ms))
        .transpose()?;
    if let Some(n) = n_channels {
        limits::check(Limit::Inputs, n as f64, "n_channels").map_err(limit_err(path))?;
    }
    let text = lsm_core::read_to_string_capped(path).map_err(DatasetError::Read)?;
    let name = path.display().to_string();
    let st = SpikeTrains::read_csv(
        text.as_bytes(),
        &name,
        "channel",
        dt_ms,
        n_channels,
        n_steps,
    )?;
    if n_steps.is_none() {
        // The inferred length is bounded by lsm_core::MAX_INFERRED_STEPS while reading.
        limits::check(
            Limit::Steps,
            st.n_steps() as f64,
            "the last spike time / dt_ms",
        )
        .map_err(limit_err(path))?;
    }
    Ok(st)
}
