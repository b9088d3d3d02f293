//! Writing a spike dataset folder (see the [parent module](super) for the layout).

use super::{
    check_positive, duration_steps, MetaFile, SpikeDatasetInfo, FORMAT, LABELS_FILE, META_FILE,
    VERSION,
};
use crate::audio::Split;
use crate::error::{DatasetError, Result};
use lsm_core::SpikeTrains;
use std::path::{Component, Path, PathBuf};

/// One sample to write with [`write_spike_dataset`].
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

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Check the samples to write against each other and `info`; returns the info to write.
fn check_samples(
    dir: &Path,
    info: &SpikeDatasetInfo,
    samples: &[SpikeSampleOut<'_>],
) -> Result<MetaFile> {
    let bad = |file: &str, msg: String| DatasetError::Output {
        path: dir.join(file),
        msg,
    };
    let Some(first) = samples.first() else {
        return Err(DatasetError::Output {
            path: dir.to_path_buf(),
            msg: "no samples to write".into(),
        });
    };
    let dt_ms = info.dt_ms.unwrap_or(first.spikes.dt_ms());
    check_positive(dir, "dt_ms", dt_ms)?;
    let n_channels = info
        .n_channels
        .unwrap_or_else(|| {
            samples
                .iter()
                .map(|s| s.spikes.n_channels())
                .max()
                .unwrap_or(0)
        })
        .max(1);
    let mut names = std::collections::HashSet::new();
    for s in samples {
        let ok_name = Path::new(s.file).components().count() == 1
            && matches!(
                Path::new(s.file).components().next(),
                Some(Component::Normal(_))
            )
            && !s.file.starts_with('.')
            && s.file.to_ascii_lowercase().ends_with(".csv")
            && !s.file.eq_ignore_ascii_case(LABELS_FILE)
            && !s.file.contains(['\n', '\r']);
        if !ok_name {
            return Err(bad(
                s.file,
                "expected a plain file name ending in .csv (no folder, not hidden, not labels.csv)"
                    .into(),
            ));
        }
        if !names.insert(s.file.to_ascii_lowercase()) {
            return Err(bad(s.file, "two samples have this file name".into()));
        }
        if s.label.is_empty() || s.label.contains(['\n', '\r']) {
            return Err(bad(s.file, "expected a non-empty one-line label".into()));
        }
        if s.split.is_some() != first.split.is_some() || s.split == Some(Split::All) {
            return Err(bad(
                s.file,
                "expected a split (train or test) on every sample or on none".into(),
            ));
        }
        if s.group.is_some_and(|g| g.contains(['\n', '\r'])) {
            return Err(bad(s.file, "expected a one-line group".into()));
        }
        if s.spikes.dt_ms() != dt_ms {
            return Err(bad(
                s.file,
                format!(
                    "spikes on a grid of {} ms, expected {dt_ms} ms",
                    s.spikes.dt_ms()
                ),
            ));
        }
        if s.spikes.n_channels() > n_channels {
            return Err(bad(
                s.file,
                format!(
                    "{} channels, expected at most {n_channels}",
                    s.spikes.n_channels()
                ),
            ));
        }
        if let Some(d) = info.duration_ms {
            let steps = duration_steps(dir, "duration_ms", d, dt_ms)?;
            if s.spikes.n_steps() != steps {
                return Err(bad(
                    s.file,
                    format!(
                        "{} steps, expected {steps} (duration_ms {d})",
                        s.spikes.n_steps()
                    ),
                ));
            }
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

/// Write a spike dataset: one CSV per sample, `labels.csv` (with a `split` column when the
/// samples have splits, `group` when any has one, and `duration_ms` when `info` has no common
/// duration, so every sample reads back with its own length) and `dataset.json`
/// (`n_channels` and `dt_ms` taken from the samples when `info` leaves them `None`). The
/// folder must not exist or be empty; it is written as a hidden folder beside it and renamed
/// at the end ([`lsm_core::PendingDir`]), so a failed or interrupted write leaves nothing.
///
/// # Errors
/// [`DatasetError::Output`] for an existing non-empty folder, a bad file name (not a plain
/// `.csv` name, or twice), a sample whose grid, channels or length disagree with the others
/// or with `info`; [`DatasetError::Io`] for write errors.
pub fn write_spike_dataset(
    dir: &Path,
    info: &SpikeDatasetInfo,
    samples: &[SpikeSampleOut<'_>],
) -> Result<()> {
    let meta = check_samples(dir, info, samples)?;
    let pending = lsm_core::PendingDir::create(dir).map_err(|e| DatasetError::Output {
        path: dir.to_path_buf(),
        msg: e.to_string(),
    })?;
    let tmp = pending.path();
    let io = |path: PathBuf| move |source| DatasetError::Io { path, source };
    for s in samples {
        let p = tmp.join(s.file);
        let f = std::fs::File::create(&p).map_err(io(p.clone()))?;
        s.spikes
            .write_csv(std::io::BufWriter::new(f), "channel")
            .map_err(io(p.clone()))?;
    }
    let has_split = samples[0].split.is_some();
    let has_group = samples.iter().any(|s| s.group.is_some());
    let has_duration = meta.duration_ms.is_none();
    let mut csv = String::from("file,label");
    for (on, col) in [
        (has_split, ",split"),
        (has_group, ",group"),
        (has_duration, ",duration_ms"),
    ] {
        if on {
            csv.push_str(col);
        }
    }
    csv.push('\n');
    for s in samples {
        csv.push_str(&csv_field(s.file));
        csv.push(',');
        csv.push_str(&csv_field(s.label));
        if let Some(sp) = s.split.filter(|_| has_split) {
            csv.push_str(&format!(",{sp}"));
        }
        if has_group {
            csv.push(',');
            csv.push_str(&csv_field(s.group.unwrap_or("")));
        }
        if has_duration {
            csv.push_str(&format!(",{}", s.spikes.duration_ms()));
        }
        csv.push('\n');
    }
    let p = tmp.join(LABELS_FILE);
    std::fs::write(&p, csv).map_err(io(p.clone()))?;
    let p = tmp.join(META_FILE);
    let json = serde_json::to_string_pretty(&meta).expect("plain data serializes");
    std::fs::write(&p, json + "\n").map_err(io(p.clone()))?;
    pending.commit().map_err(io(dir.to_path_buf()))
}
