//! Labelled collections of WAV files: an FSDD-layout folder or a CSV list. Files are listed
//! and labelled only; decoding is lsm-encoding's job.
//!
//! # FSDD-layout folder ([`AudioDataset::from_folder`])
//! Every `.wav` file (extension in any case) directly in the folder must be named
//! `{label}_{speaker}_{take}.wav`: `label` is the text before the first `_`, `take` the whole
//! number after the last `_`, `speaker` what lies between (it may contain `_`). A `.wav` whose
//! name does not follow this pattern is an **error naming the file** (a silently skipped
//! recording would change the dataset without notice). So is a `.wav` entry that is not a
//! readable regular file (a dangling symbolic link, a link loop, a named pipe, a device, a
//! folder named `*.wav`): its type is checked from its metadata, never by opening it (opening
//! a named pipe would block). Other files, sub-folders and hidden files (name starting with
//! `.`, e.g. macOS `._*` forks) are skipped.
//!
//! # Skipping bad files ([`AudioDataset::open_with`] with `skip_bad`)
//! Instead of failing, badly named `.wav` files, bad entries and (in a CSV list) rows whose
//! file is missing or not a regular file are left out and listed by
//! [`AudioDataset::skipped`], each with the reason; the command line prints them.
//!
//! # CSV list ([`AudioDataset::from_csv`])
//! A header row with at least the columns `path` and `label` (any order; names case
//! insensitive), optionally `speaker` and `split` (`train` / `test`); one file per row. Paths
//! are relative to the CSV file's folder (or absolute) and must exist. Other columns are
//! ignored.
//!
//! # Ids
//! `Item::id` is the item's position in the list sorted by file name (folder) or by row (CSV),
//! computed over *all* files (except skipped ones) before any split, so per-sample random streams
//! (`stream::ENCODER + id`) are the same whichever split or order the sample is processed in.
//!
//! # Splits ([`AudioDataset::select`])
//! Without held-out speakers: `test` = takes 0–4, `train` = takes ≥ 5 (FSDD's official rule;
//! for a CSV list, its `split` column), `all` = everything. With held-out speakers
//! (`test_speakers = [a, b]`): `test` = the files of those speakers, `train` = all other
//! speakers, `all` = everything. An empty selection is an error naming the split and folder.

use crate::error::{DatasetError, Result};
use crate::index::{class_index, group_index};
use crate::listing::{self, check_regular, SplitRules, Table};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// First take of the official FSDD training set (takes 0–4 are the test set).
pub const FIRST_TRAIN_TAKE: u32 = 5;

/// One labelled audio file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id: position in the sorted list of all files of the dataset (see module docs).
    pub id: usize,
    /// Path of the WAV file (the folder or CSV folder joined with the file name / CSV path).
    pub path: PathBuf,
    /// Class label as written (e.g. `"7"`); map to class indices with [`classes`].
    pub label: String,
    /// Speaker, if known (always for FSDD folders; from the `speaker` column of a CSV list).
    pub speaker: Option<String>,
    /// Take (recording index) for FSDD folders.
    pub take: Option<u32>,
    /// Split given by a CSV list's `split` column.
    pub csv_split: Option<Split>,
}

impl Item {
    /// The part this item belongs to without held-out speakers: its `split` column, else
    /// (FSDD folder) `test` for takes 0–4 and `train` for the others; `None` when neither is
    /// known.
    pub fn split(&self) -> Option<Split> {
        match (self.csv_split, self.take) {
            (Some(s), _) => Some(s),
            (None, Some(t)) if t < FIRST_TRAIN_TAKE => Some(Split::Test),
            (None, Some(_)) => Some(Split::Train),
            (None, None) => None,
        }
    }
}

/// Which part of a dataset to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Training part.
    Train,
    /// Test part.
    Test,
    /// Everything.
    All,
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Train => "train",
            Split::Test => "test",
            Split::All => "all",
        })
    }
}

impl FromStr for Split {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "train" => Ok(Split::Train),
            "test" => Ok(Split::Test),
            "all" => Ok(Split::All),
            other => Err(format!(
                "unknown split `{other}`: expected train, test or all"
            )),
        }
    }
}

/// A file left out of a dataset listed with `skip_bad` (see [`AudioDataset::open_with`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: String,
}

/// Where a dataset was listed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// A folder of `{label}_{speaker}_{take}.wav` files.
    Folder,
    /// A CSV list.
    Csv,
}

/// A labelled collection of WAV files (see the module docs for layouts and split rules).
///
/// ```
/// use lsm_datasets::{AudioDataset, Split};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/fsdd-sample/recordings");
/// let ds = AudioDataset::from_folder(dir)?;
/// assert_eq!(ds.items().len(), 350);
/// assert_eq!(ds.select(Split::Test, &[])?.len(), 100);
/// let loso = ds.select(Split::Test, &["theo".to_string()])?;
/// assert!(loso.iter().all(|it| it.speaker.as_deref() == Some("theo")));
/// # Ok::<(), lsm_datasets::DatasetError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AudioDataset {
    source: PathBuf,
    kind: SourceKind,
    has_splits: bool,
    items: Vec<Item>,
    skipped: Vec<Skipped>,
}

/// Parse `{label}_{speaker}_{take}` (the file stem).
fn parse_stem(stem: &str) -> std::result::Result<(String, String, u32), String> {
    let first = stem
        .find('_')
        .ok_or_else(|| "no `_` separator in the name".to_string())?;
    let last = stem.rfind('_').expect("found one");
    if first == last {
        return Err("only one `_` separator (need label, speaker and take)".into());
    }
    let label = &stem[..first];
    let speaker = &stem[first + 1..last];
    let take = &stem[last + 1..];
    if label.is_empty() {
        return Err("empty label".into());
    }
    if speaker.is_empty() {
        return Err("empty speaker".into());
    }
    let take: u32 = take.parse().map_err(|e: std::num::ParseIntError| {
        if *e.kind() == std::num::IntErrorKind::PosOverflow {
            format!("take `{take}` is too large (at most {})", u32::MAX)
        } else {
            format!("take `{take}` is not a whole number")
        }
    })?;
    Ok((label.to_string(), speaker.to_string(), take))
}

impl AudioDataset {
    /// List an FSDD-layout folder: the folder of WAVs itself, or a dataset root whose WAVs are
    /// in `recordings/` (as FSDD ships).
    ///
    /// # Errors
    /// [`DatasetError::MissingFolder`], [`DatasetError::BadFileName`] (naming the first
    /// offending `.wav` in sorted order), [`DatasetError::BadEntry`] (a `.wav` entry that is
    /// not a readable regular file), [`DatasetError::NoWavFiles`], [`DatasetError::Io`].
    pub fn from_folder(dir: impl AsRef<Path>) -> Result<Self> {
        Self::from_folder_with(dir, false)
    }

    /// [`Self::from_folder`]; with `skip_bad`, badly named `.wav` files and bad entries are
    /// left out and listed in [`Self::skipped`] instead of failing.
    ///
    /// # Errors
    /// As [`Self::from_folder`] (with `skip_bad`, only the folder errors and
    /// [`DatasetError::NoWavFiles`] when nothing is left).
    pub fn from_folder_with(dir: impl AsRef<Path>, skip_bad: bool) -> Result<Self> {
        let dir = dir.as_ref();
        // FSDD's own layout keeps the WAVs in `recordings/`: accept the dataset's root too.
        let sub = dir.join("recordings");
        let dir = if sub.is_dir() && !has_wav(dir) {
            sub.as_path()
        } else {
            dir
        };
        if !dir.is_dir() {
            return Err(DatasetError::MissingFolder {
                path: dir.to_path_buf(),
            });
        }
        let io = |e| DatasetError::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        let mut names = Vec::new();
        let mut bad: Vec<(String, DatasetError)> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                if Path::new(&name)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
                {
                    bad.push((
                        name.to_string_lossy().into_owned(),
                        DatasetError::BadFileName {
                            file: dir.join(&name),
                            msg: "the name is not valid UTF-8".into(),
                        },
                    ));
                }
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let is_wav = Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
            if !is_wav {
                continue;
            }
            if let Err(msg) = check_regular(&entry.path()) {
                bad.push((
                    name.to_string(),
                    DatasetError::BadEntry {
                        file: entry.path(),
                        msg,
                    },
                ));
                continue;
            }
            let stem = &name[..name.len() - 4];
            match parse_stem(stem) {
                Ok(parsed) => names.push((name.to_string(), parsed)),
                Err(msg) => bad.push((
                    name.to_string(),
                    DatasetError::BadFileName {
                        file: entry.path(),
                        msg,
                    },
                )),
            }
        }
        // Report the first bad entry in sorted order (the listing order is the file system's).
        bad.sort_by(|a, b| a.0.cmp(&b.0));
        let mut skipped = Vec::with_capacity(bad.len());
        for (name, e) in bad {
            if !skip_bad {
                return Err(e);
            }
            skipped.push(Skipped {
                path: dir.join(name),
                reason: e.to_string(),
            });
        }
        if names.is_empty() {
            return Err(DatasetError::NoWavFiles {
                path: dir.to_path_buf(),
            });
        }
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut items = Vec::with_capacity(names.len());
        for (id, (name, (label, speaker, take))) in names.into_iter().enumerate() {
            items.push(Item {
                id,
                path: dir.join(&name),
                label,
                speaker: Some(speaker),
                take: Some(take),
                csv_split: None,
            });
        }
        Ok(Self {
            source: dir.to_path_buf(),
            kind: SourceKind::Folder,
            has_splits: true,
            items,
            skipped,
        })
    }

    /// Read a CSV list (see the module docs).
    ///
    /// # Errors
    /// [`DatasetError::Io`] if the file cannot be read; [`DatasetError::Csv`] naming the file,
    /// line and column for a missing header column, a malformed line, a wrong number of
    /// fields, an empty path or label, a file that does not exist, or an unknown split value;
    /// [`DatasetError::EmptySplit`] for a list with no rows.
    pub fn from_csv(csv: impl AsRef<Path>) -> Result<Self> {
        Self::from_csv_with(csv, false)
    }

    /// [`Self::from_csv`]; with `skip_bad`, rows whose file is missing or not a regular file
    /// are left out and listed in [`Self::skipped`] instead of failing (syntax errors still
    /// fail).
    ///
    /// # Errors
    /// As [`Self::from_csv`].
    pub fn from_csv_with(csv: impl AsRef<Path>, skip_bad: bool) -> Result<Self> {
        let csv = csv.as_ref();
        let table = Table::read(csv, "path,label")?;
        let col_path = table.required("path")?;
        let col_label = table.required("label")?;
        let col_speaker = table.optional("speaker");
        let col_split = table.optional("split");
        let base = csv.parent().unwrap_or(Path::new("."));
        let mut items = Vec::with_capacity(table.rows.len());
        let mut skipped = Vec::new();
        for r in &table.rows {
            let rel = table.non_empty(r, col_path, "path")?;
            let label = table.non_empty(r, col_label, "label")?;
            let path = base.join(rel);
            if !table.keep_file(r, "path", &path, skip_bad, &mut skipped)? {
                continue;
            }
            items.push(Item {
                id: items.len(),
                path,
                label: label.to_string(),
                speaker: Table::text(r, col_speaker),
                take: None,
                csv_split: table.split(r, col_split)?,
            });
        }
        if items.is_empty() {
            return Err(table.no_rows("the CSV list", &skipped));
        }
        Ok(Self {
            source: csv.to_path_buf(),
            kind: SourceKind::Csv,
            has_splits: col_split.is_some(),
            items,
            skipped,
        })
    }

    /// A folder ([`Self::from_folder`]) or, for a path ending in `.csv`, a CSV list
    /// ([`Self::from_csv`]).
    ///
    /// # Errors
    /// As [`Self::from_folder`] and [`Self::from_csv`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, false)
    }

    /// [`Self::open`]; with `skip_bad`, bad files are left out and listed in
    /// [`Self::skipped`] (see [`Self::from_folder_with`], [`Self::from_csv_with`]).
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_with(path: impl AsRef<Path>, skip_bad: bool) -> Result<Self> {
        let p = path.as_ref();
        let is_csv = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv && !p.is_dir() {
            Self::from_csv_with(p, skip_bad)
        } else {
            Self::from_folder_with(p, skip_bad)
        }
    }

    /// Files left out because they were bad (only when listed with `skip_bad`), in file name
    /// (folder) or row (CSV) order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The folder or CSV file listed.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Whether it was a folder or a CSV list.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// All items, in id order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Distinct speakers, sorted (items without a speaker are not counted).
    pub fn speakers(&self) -> Vec<String> {
        listing::groups(&self.items)
    }

    /// Class labels of the whole dataset in class-index order (see [`classes`]).
    pub fn classes(&self) -> Vec<String> {
        classes(&self.items)
    }

    /// The items of a split, in id order (see the module docs for the rules). With
    /// `test_speakers` non-empty, the split is by speaker.
    ///
    /// # Errors
    /// [`DatasetError::UnknownSpeaker`] for a held-out speaker not in the dataset;
    /// [`DatasetError::Unsupported`] for train/test of a CSV list without a `split` column
    /// (and without held-out speakers) or held-out speakers on items without a speaker;
    /// [`DatasetError::EmptySplit`] if nothing is selected.
    pub fn select(&self, split: Split, test_speakers: &[String]) -> Result<Vec<Item>> {
        let rule = if self.kind == SourceKind::Folder {
            format!(
                "official rule: test = takes 0-{}, train = takes >= {}",
                FIRST_TRAIN_TAKE - 1,
                FIRST_TRAIN_TAKE
            )
        } else {
            "the CSV `split` column".to_string()
        };
        let rules = SplitRules {
            source: &self.source,
            has_splits: self.has_splits,
            rule,
            list: "the CSV list",
        };
        listing::select(&self.items, &rules, split, test_speakers)
    }
}

/// Class labels in class-index order ([`class_index`]): sorted numerically if every label is
/// an integer (so `"10"` comes after `"9"`), else in lexicographic (byte) order.
pub fn classes(items: &[Item]) -> Vec<String> {
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    class_index(&labels).names
}

/// Leave-one-speaker-out folds: for each item, the index of its speaker among the sorted
/// distinct speakers of `items` ([`group_index`]; pass to the readout's grouped
/// cross-validation).
///
/// # Errors
/// [`DatasetError::Unsupported`] if an item has no speaker.
pub fn speaker_folds(items: &[Item]) -> Result<Vec<usize>> {
    let speakers: Vec<&str> = items
        .iter()
        .map(|i| {
            i.speaker
                .as_deref()
                .ok_or_else(|| DatasetError::Unsupported {
                    source_path: i.path.clone(),
                    msg: "speaker folds need a speaker for every file".into(),
                })
        })
        .collect::<Result<_>>()?;
    Ok(group_index(&speakers).indices)
}

/// Whether `dir` directly holds at least one `.wav` file.
fn has_wav(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten().any(|e| {
            Path::new(&e.file_name())
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("wav"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_parse() {
        assert_eq!(
            parse_stem("7_jackson_32").unwrap(),
            ("7".into(), "jackson".into(), 32)
        );
        assert_eq!(
            parse_stem("yes_anne_marie_0").unwrap(),
            ("yes".into(), "anne_marie".into(), 0)
        );
        assert!(parse_stem("7_jackson").is_err());
        assert!(parse_stem("7jackson32").is_err());
        assert!(parse_stem("7_jackson_x").is_err());
        assert!(parse_stem("_jackson_1").is_err());
        assert!(parse_stem("7__1").is_err());
    }
}
