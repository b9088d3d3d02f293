//! What the listed datasets (a CSV list of WAVs, a spike-train dataset's `labels.csv`) share:
//! reading a CSV table with named columns and errors naming file, line and column; checking
//! that a listed file is a readable regular file; and selecting a split.

use crate::audio::{Item, Skipped, Split};
use crate::csvlist::{self, Record};
use crate::error::{DatasetError, Result};
use crate::index::group_index;
use std::path::{Path, PathBuf};

/// A CSV file with a header row: column lookup by (case-insensitive) name and errors that
/// name the file, the line and the column.
pub(crate) struct Table {
    file: PathBuf,
    header: Record,
    /// The data rows (after the header), each with as many fields as the header.
    pub rows: Vec<Record>,
}

impl Table {
    /// Read and parse `file` (size-capped); `expected_header` is shown when it is empty.
    pub fn read(file: &Path, expected_header: &str) -> Result<Self> {
        let text = lsm_core::read_to_string_capped(file).map_err(DatasetError::Read)?;
        let err = |line: usize, column: String, msg: String| DatasetError::Csv {
            file: file.to_path_buf(),
            line,
            column,
            msg,
        };
        let records =
            csvlist::parse(&text).map_err(|(line, col, msg)| err(line, col.to_string(), msg))?;
        let mut records = records.into_iter();
        let Some(header) = records.next() else {
            let first = expected_header.split(',').next().unwrap_or_default();
            return Err(err(
                1,
                first.to_string(),
                format!("empty file: expected a header `{expected_header}`"),
            ));
        };
        let rows: Vec<Record> = records.collect();
        let n = header.fields.len();
        if let Some(r) = rows.iter().find(|r| r.fields.len() != n) {
            return Err(err(
                r.line,
                (r.fields.len().min(n) + 1).to_string(),
                format!(
                    "expected {n} fields like the header, got {}",
                    r.fields.len()
                ),
            ));
        }
        Ok(Self {
            file: file.to_path_buf(),
            header,
            rows,
        })
    }

    /// An error at `line`, `column`.
    pub fn err(&self, line: usize, column: &str, msg: impl Into<String>) -> DatasetError {
        DatasetError::Csv {
            file: self.file.clone(),
            line,
            column: column.to_string(),
            msg: msg.into(),
        }
    }

    /// The index of the optional column `name`.
    pub fn optional(&self, name: &str) -> Option<usize> {
        self.header
            .fields
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    }

    /// The index of the required column `name`.
    pub fn required(&self, name: &str) -> Result<usize> {
        self.optional(name).ok_or_else(|| {
            self.err(
                self.header.line,
                name,
                format!(
                    "no `{name}` column in the header (found: {})",
                    self.header.fields.join(",")
                ),
            )
        })
    }

    /// The non-empty field `col` (named `name`) of row `r`.
    pub fn non_empty<'r>(&self, r: &'r Record, col: usize, name: &str) -> Result<&'r str> {
        let v = r.fields[col].as_str();
        if v.is_empty() {
            return Err(self.err(r.line, name, format!("empty {name}")));
        }
        Ok(v)
    }

    /// The `split` field (column `col`) of row `r`: `train` or `test`.
    pub fn split(&self, r: &Record, col: Option<usize>) -> Result<Option<Split>> {
        let Some(c) = col else { return Ok(None) };
        match r.fields[c].parse::<Split>() {
            Ok(Split::All) | Err(_) => Err(self.err(
                r.line,
                "split",
                format!("`{}`: expected train or test", r.fields[c]),
            )),
            Ok(s) => Ok(Some(s)),
        }
    }

    /// Whether the file `path` of row `r` (named in column `column`) is kept: `Ok(true)` for
    /// a readable regular file; otherwise the error naming the line, or with `skip_bad`
    /// `Ok(false)` and the file recorded in `skipped`.
    pub fn keep_file(
        &self,
        r: &Record,
        column: &str,
        path: &Path,
        skip_bad: bool,
        skipped: &mut Vec<Skipped>,
    ) -> Result<bool> {
        let Err(why) = check_regular(path) else {
            return Ok(true);
        };
        let e = self.err(r.line, column, format!("file {} {why}", path.display()));
        if !skip_bad {
            return Err(e);
        }
        skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: e.to_string(),
        });
        Ok(false)
    }

    /// The error for a list in which no row is left: it had none (`what` has a header but no
    /// rows), or every file was skipped.
    pub fn no_rows(&self, what: &str, skipped: &[Skipped]) -> DatasetError {
        DatasetError::EmptySplit {
            split: "all".into(),
            source_path: self.file.clone(),
            detail: if skipped.is_empty() {
                format!("{what} has a header but no rows")
            } else {
                format!("every one of its {} files was skipped", skipped.len())
            },
        }
    }

    /// The optional text field `col` of row `r` (`None` when the column is absent or the
    /// field empty).
    pub fn text(r: &Record, col: Option<usize>) -> Option<String> {
        col.map(|c| r.fields[c].clone()).filter(|s| !s.is_empty())
    }
}

/// Is `path` a readable regular file? Checked from metadata only (never opened, so a named
/// pipe cannot block); the error says what it is instead.
pub(crate) fn check_regular(path: &Path) -> std::result::Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) => Err(format!(
            "is {}, not a regular file",
            lsm_core::describe_file_type(&m.file_type())
        )),
        Err(e) => {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            Err(match (link, e.kind()) {
                (true, std::io::ErrorKind::NotFound) => {
                    "is a dangling symbolic link (its target does not exist)".to_string()
                }
                (true, _) => format!("is a symbolic link that cannot be followed ({e})"),
                (false, std::io::ErrorKind::NotFound) => "does not exist".to_string(),
                (false, _) => format!("cannot be read ({e})"),
            })
        }
    }
}

/// How a dataset's items are split (see [`select`]).
pub(crate) struct SplitRules<'a> {
    /// The folder or list file, for errors.
    pub source: &'a Path,
    /// Whether train/test are defined without held-out groups (a `split` column, or FSDD
    /// takes).
    pub has_splits: bool,
    /// The rule that defines train/test without held-out groups, for errors (e.g. `the CSV
    /// `split` column`).
    pub rule: String,
    /// What lacks the split, for the error when there is none (e.g. `the CSV list`).
    pub list: &'a str,
}

/// Distinct groups (speakers) of `items`, sorted; items without one are not counted.
pub(crate) fn groups(items: &[Item]) -> Vec<String> {
    let g: Vec<&str> = items.iter().filter_map(|i| i.speaker.as_deref()).collect();
    group_index(&g).names
}

/// The items of a split, in id order. Without held-out groups: `test` = a `test` split
/// column value or (without one) FSDD takes `< FIRST_TRAIN_TAKE`; `train` = the rest. With
/// held-out groups: `test` = the items of those groups, `train` the others. `all` =
/// everything.
pub(crate) fn select(
    items: &[Item],
    rules: &SplitRules<'_>,
    split: Split,
    test_groups: &[String],
) -> Result<Vec<Item>> {
    let source = rules.source.to_path_buf();
    let known = groups(items);
    for s in test_groups {
        if !known.contains(s) {
            return Err(DatasetError::UnknownSpeaker {
                speaker: s.clone(),
                source_path: source,
                available: known,
            });
        }
    }
    if !test_groups.is_empty() {
        if let Some(it) = items.iter().find(|i| i.speaker.is_none()) {
            return Err(DatasetError::Unsupported {
                source_path: source,
                msg: format!(
                    "held-out speakers need a speaker for every file; {} has none",
                    it.path.display()
                ),
            });
        }
    }
    if test_groups.is_empty() && split != Split::All && !rules.has_splits {
        return Err(DatasetError::Unsupported {
            source_path: source,
            msg: format!(
                "split `{split}` needs a `split` column (train/test) in {}; \
                 use split `all`, or held-out speakers",
                rules.list
            ),
        });
    }
    let in_test = |it: &Item| -> bool {
        if !test_groups.is_empty() {
            let s = it.speaker.as_deref().unwrap_or("");
            test_groups.iter().any(|t| t == s)
        } else {
            it.split() == Some(Split::Test)
        }
    };
    let out: Vec<Item> = items
        .iter()
        .filter(|it| match split {
            Split::All => true,
            Split::Test => in_test(it),
            Split::Train => !in_test(it),
        })
        .cloned()
        .collect();
    if out.is_empty() {
        let (name, rule) = if test_groups.is_empty() {
            (split.to_string(), rules.rule.clone())
        } else {
            let g = test_groups.join(", ");
            (
                format!("{split} (test speakers: {g})"),
                format!("held-out speakers [{g}]"),
            )
        };
        return Err(DatasetError::EmptySplit {
            split: name,
            source_path: source,
            detail: format!("no file matches ({rule})"),
        });
    }
    Ok(out)
}
