//! Writing a spike dataset folder (see the [parent module](super) for the layout): all at
//! once ([`write_spike_dataset`]) or sample by sample, from parallel workers
//! ([`SpikeDatasetWriter`]).

use super::{
    check_positive, duration_steps, MetaFile, SpikeDatasetInfo, FORMAT, LABELS_FILE, META_FILE,
    VERSION,
};
use crate::audio::Split;
use crate::error::{DatasetError, Result};
use lsm_core::{PendingDir, Real, SpikeTrains};
use std::path::{Component, Path, PathBuf};

/// One sample to write.
#[derive(Clone, Copy, Debug)]
pub struct SpikeSampleOut<'a> {
    /// File name inside the dataset folder (a plain name ending in `.csv`, no folders).
    pub file: &'a str,
    /// Class label.
    pub label: &'a str,
    /// Split, if the dataset has one (then every sample must have one).
    pub split: Option<Split>,
    /// Group (speaker), if any.
    pub group: Option<&'a str>,
    /// The spikes.
    pub spikes: &'a SpikeTrains,
}

/// The `labels.csv` row of a sample written by [`SpikeDatasetWriter::write_sample`], with
/// the shape of its spikes.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeRow {
    /// File name inside the dataset folder.
    pub file: String,
    /// Class label.
    pub label: String,
    /// Split, if any.
    pub split: Option<Split>,
    /// Group, if any.
    pub group: Option<String>,
    /// Channels of its spike trains.
    pub n_channels: usize,
    /// Its time step in ms.
    pub dt_ms: Real,
    /// Its steps.
    pub n_steps: usize,
}

/// A spike dataset being written: the destination is checked when it is created, samples are
/// written into a hidden folder beside it (from any number of threads), and
/// [`SpikeDatasetWriter::finish`] writes `labels.csv` and `dataset.json` and renames the
/// folder into place. Dropped without `finish` (an error, or Ctrl-C in the command line), it
/// leaves nothing behind ([`lsm_core::PendingDir`]).
#[derive(Debug)]
pub struct SpikeDatasetWriter {
    pending: PendingDir,
}

impl SpikeDatasetWriter {
    /// Start writing the dataset `dir`, which must not exist or be an empty folder.
    ///
    /// # Errors
    /// [`DatasetError::Output`] naming `dir` when it exists and is not an empty folder, or its
    /// parent cannot be written.
    pub fn create(dir: &Path) -> Result<Self> {
        let pending = PendingDir::create(dir).map_err(|e| output_err(dir, &e))?;
        Ok(Self { pending })
    }

    /// The destination folder.
    pub fn dest(&self) -> &Path {
        self.pending.dest()
    }

    /// Write one sample's spike file; returns its row for [`Self::finish`].
    ///
    /// # Errors
    /// [`DatasetError::Output`] for a file name that is not a plain `.csv` name or a label or
    /// group that is empty or spans lines; [`DatasetError::Io`] for write errors.
    pub fn write_sample(&self, s: &SpikeSampleOut<'_>) -> Result<SpikeRow> {
        let bad = |msg: &str| DatasetError::Output {
            path: self.dest().join(s.file),
            msg: msg.into(),
        };
        let name = Path::new(s.file);
        let plain = name.components().count() == 1
            && matches!(name.components().next(), Some(Component::Normal(_)))
            && !s.file.starts_with('.')
            && s.file.to_ascii_lowercase().ends_with(".csv")
            && !s.file.eq_ignore_ascii_case(LABELS_FILE)
            && !s.file.contains(['\n', '\r']);
        if !plain {
            return Err(bad(
                "expected a plain file name ending in .csv (no folder, not hidden, not labels.csv)",
            ));
        }
        if s.label.is_empty() || s.label.contains(['\n', '\r']) {
            return Err(bad("expected a non-empty one-line label"));
        }
        if s.split == Some(Split::All) {
            return Err(bad("expected the split train or test"));
        }
        if s.group
            .is_some_and(|g| g.is_empty() || g.contains(['\n', '\r']))
        {
            return Err(bad("expected a non-empty one-line group"));
        }
        let p = self.pending.path().join(s.file);
        let io = |source| DatasetError::Io {
            path: p.clone(),
            source,
        };
        let f = std::fs::File::create(&p).map_err(io)?;
        s.spikes
            .write_csv(std::io::BufWriter::new(f), "channel")
            .map_err(io)?;
        Ok(SpikeRow {
            file: s.file.to_string(),
            label: s.label.to_string(),
            split: s.split,
            group: s.group.map(str::to_string),
            n_channels: s.spikes.n_channels(),
            dt_ms: s.spikes.dt_ms(),
            n_steps: s.spikes.n_steps(),
        })
    }

    /// Write `labels.csv` (rows in the order given; a `split` column when the rows have
    /// splits, `group` when any has one, `duration_ms` when `info` has no common duration)
    /// and `dataset.json` (`n_channels` and `dt_ms` from the rows when `info` leaves them
    /// `None`), then move the folder into place.
    ///
    /// # Errors
    /// [`DatasetError::Output`] for no rows, a file name used twice, rows whose grid,
    /// channels or length disagree with each other or with `info`, or a destination that was
    /// filled meanwhile; [`DatasetError::Io`] for write errors. The folder is then removed.
    pub fn finish(self, info: &SpikeDatasetInfo, rows: &[SpikeRow]) -> Result<()> {
        let dir = self.dest().to_path_buf();
        let meta = check_rows(&dir, info, rows)?;
        let tmp = self.pending.path();
        let io = |path: PathBuf| move |source| DatasetError::Io { path, source };
        let p = tmp.join(LABELS_FILE);
        std::fs::write(&p, labels_csv(rows, meta.duration_ms.is_none())).map_err(io(p.clone()))?;
        let p = tmp.join(META_FILE);
        let json = serde_json::to_string_pretty(&meta).expect("plain data serializes");
        std::fs::write(&p, json + "\n").map_err(io(p.clone()))?;
        self.pending.commit().map_err(|e| output_err(&dir, &e))
    }
}

/// [`DatasetError::Output`] for `dir` from an error of [`PendingDir`] (whose message starts
/// with the path, said once).
fn output_err(dir: &Path, e: &std::io::Error) -> DatasetError {
    let msg = e.to_string();
    let prefix = format!("{}: ", dir.display());
    DatasetError::Output {
        path: dir.to_path_buf(),
        msg: msg.strip_prefix(&prefix).unwrap_or(&msg).to_string(),
    }
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The text of `labels.csv`.
fn labels_csv(rows: &[SpikeRow], with_duration: bool) -> String {
    let has_split = rows.first().is_some_and(|r| r.split.is_some());
    let has_group = rows.iter().any(|r| r.group.is_some());
    let mut csv = String::from("file,label");
    let columns = [
        (has_split, ",split"),
        (has_group, ",group"),
        (with_duration, ",duration_ms"),
    ];
    for (on, col) in columns {
        if on {
            csv.push_str(col);
        }
    }
    csv.push('\n');
    for r in rows {
        csv.push_str(&csv_field(&r.file));
        csv.push(',');
        csv.push_str(&csv_field(&r.label));
        if let Some(sp) = r.split.filter(|_| has_split) {
            csv.push_str(&format!(",{sp}"));
        }
        if has_group {
            csv.push(',');
            csv.push_str(&csv_field(r.group.as_deref().unwrap_or("")));
        }
        if with_duration {
            csv.push_str(&format!(",{}", r.n_steps as Real * r.dt_ms));
        }
        csv.push('\n');
    }
    csv
}

/// Check the rows against each other and `info`; returns what `dataset.json` says.
fn check_rows(dir: &Path, info: &SpikeDatasetInfo, rows: &[SpikeRow]) -> Result<MetaFile> {
    let bad = |file: &str, msg: String| DatasetError::Output {
        path: dir.join(file),
        msg,
    };
    let Some(first) = rows.first() else {
        return Err(DatasetError::Output {
            path: dir.to_path_buf(),
            msg: "no samples to write".into(),
        });
    };
    let dt_ms = info.dt_ms.unwrap_or(first.dt_ms);
    check_positive(dir, "dt_ms", dt_ms)?;
    let widest = rows.iter().map(|r| r.n_channels).max().unwrap_or(0);
    let n_channels = info.n_channels.unwrap_or(widest).max(1);
    let steps = info
        .duration_ms
        .map(|d| duration_steps(dir, "duration_ms", d, dt_ms))
        .transpose()?;
    let mut names = std::collections::HashSet::new();
    for r in rows {
        if !names.insert(r.file.to_ascii_lowercase()) {
            return Err(bad(&r.file, "two samples have this file name".into()));
        }
        if r.split.is_some() != first.split.is_some() {
            return Err(bad(
                &r.file,
                "expected a split (train or test) on every sample or on none".into(),
            ));
        }
        if r.dt_ms != dt_ms {
            return Err(bad(
                &r.file,
                format!("spikes on a grid of {} ms, expected {dt_ms} ms", r.dt_ms),
            ));
        }
        if r.n_channels > n_channels {
            return Err(bad(
                &r.file,
                format!("{} channels, expected at most {n_channels}", r.n_channels),
            ));
        }
        if let Some(steps) = steps.filter(|&s| s != r.n_steps) {
            return Err(bad(
                &r.file,
                format!(
                    "{} steps, expected {steps} (duration_ms / dt_ms)",
                    r.n_steps
                ),
            ));
        }
    }
    Ok(MetaFile {
        format: FORMAT.into(),
        version: VERSION,
        n_channels,
        dt_ms,
        duration_ms: info.duration_ms,
        meta: info.meta.clone(),
    })
}

/// Write a whole spike dataset ([`SpikeDatasetWriter`]: create, every sample in order,
/// finish): one CSV per sample, `labels.csv` and `dataset.json`. The folder must not exist or
/// be empty; a failed write leaves nothing.
///
/// # Errors
/// As [`SpikeDatasetWriter::create`], [`SpikeDatasetWriter::write_sample`] and
/// [`SpikeDatasetWriter::finish`].
pub fn write_spike_dataset(
    dir: &Path,
    info: &SpikeDatasetInfo,
    samples: &[SpikeSampleOut<'_>],
) -> Result<()> {
    let w = SpikeDatasetWriter::create(dir)?;
    let rows = samples
        .iter()
        .map(|s| w.write_sample(s))
        .collect::<Result<Vec<_>>>()?;
    w.finish(info, &rows)
}
