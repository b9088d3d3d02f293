//! The results file of a search: JSON lines, the first a [`Header`] describing the search
//! (base config, space, base seed, sampler, and their fingerprint), then one [`Trial`] per
//! line, each appended with a single `write` of the whole line to a file opened with
//! `O_APPEND`, then `fsync`. A search killed at any moment leaves at worst a torn last line,
//! which reading ignores and [`ResultsFile::open`] cuts off before appending again.

use super::space::Direction;
use crate::error::PipelineError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `format` of a results file's header.
pub const RESULTS_FORMAT: &str = "lsm-search";

/// The first line of a results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`RESULTS_FORMAT`].
    pub format: String,
    /// `crc32:...` of the base config, space, base seed and sampler: results files of the
    /// same search (shards, resumed runs) have the same one.
    pub fingerprint: String,
    /// The objective's name.
    pub objective: String,
    /// The sampler (`random`, `sobol`, `grid:N`, with `+halving:ETA:RUNGS`).
    pub sampler: String,
    /// The base seed.
    pub base_seed: u64,
    /// The base config (trial configs are it with the trial's params and seed set).
    pub config: Value,
    /// The space file's JSON.
    pub space: Value,
}

impl Header {
    /// A header, its fingerprint computed from the other fields.
    pub fn new(
        objective: &str,
        sampler: &str,
        base_seed: u64,
        config: Value,
        space: Value,
    ) -> Self {
        Header {
            format: RESULTS_FORMAT.into(),
            fingerprint: fingerprint(&serde_json::json!([
                config, space, base_seed, sampler, objective
            ])),
            objective: objective.into(),
            sampler: sampler.into(),
            base_seed,
            config,
            space,
        }
    }
}

/// `crc32:XXXXXXXX` of a JSON value's compact text: equal for equal values.
pub fn fingerprint(v: &Value) -> String {
    format!("crc32:{:08x}", crc32fast::hash(v.to_string().as_bytes()))
}

/// One trial (at one rung of successive halving; rung 0 and budget 1 otherwise).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Trial id (its parameters and seed derive from it and the base seed).
    pub trial: u64,
    /// Successive-halving rung (0 = first).
    pub rung: u32,
    /// Fraction of the training data used.
    pub budget: f64,
    /// The config seed.
    pub seed: u64,
    /// Config path → value.
    pub params: Map<String, Value>,
    /// The objective (absent when the trial failed).
    pub objective: Option<f64>,
    /// Every score computed (objective included), by name.
    pub scores: BTreeMap<String, f64>,
    /// Wall time of the trial, s.
    pub seconds: f64,
    /// Why the trial failed (the config was rejected, the run diverged...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Search(Header),
    Trial(Trial),
}

fn res_err(path: &Path, line: usize, msg: impl Into<String>) -> PipelineError {
    PipelineError::Results {
        path: path.to_path_buf(),
        line,
        msg: msg.into(),
    }
}

fn io_err(path: &Path, source: std::io::Error) -> PipelineError {
    PipelineError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A results file as read: the header, the trials of its complete lines, and whether a torn
/// (unterminated) last line was left out.
#[derive(Clone, Debug)]
pub struct Results {
    /// The first line.
    pub header: Header,
    /// The trials, in file order.
    pub trials: Vec<Trial>,
    /// Bytes of complete lines (a torn tail starts here).
    pub complete_len: u64,
    /// A torn last line was ignored.
    pub torn: bool,
}

/// Read a results file (within the input size cap); a torn last line is ignored.
///
/// # Errors
/// Unreadable file, no header, a complete line that is not a trial (naming the line).
pub fn read_results(path: &Path) -> Result<Results, PipelineError> {
    let text = lsm_core::read_to_string_capped(path).map_err(|e| io_err(path, e))?;
    parse_results(&text, path)
}

fn parse_results(text: &str, path: &Path) -> Result<Results, PipelineError> {
    let complete_len = text.rfind('\n').map_or(0, |i| i + 1);
    let torn = complete_len < text.len();
    let mut header = None;
    let mut trials = Vec::new();
    for (i, line) in text[..complete_len].lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(line)
            .map_err(|e| res_err(path, n, format!("not a search results line: {e}")))?;
        match (parsed, &header) {
            (Line::Search(h), None) if n == 1 => {
                if h.format != RESULTS_FORMAT {
                    return Err(res_err(
                        path,
                        n,
                        format!("format \"{}\", expected \"{RESULTS_FORMAT}\"", h.format),
                    ));
                }
                header = Some(h);
            }
            (Line::Search(_), _) => {
                return Err(res_err(
                    path,
                    n,
                    "a second header; expected trials after line 1",
                ))
            }
            (Line::Trial(_), None) => {
                return Err(res_err(
                    path,
                    n,
                    "a trial before the header; expected a {\"kind\": \"search\", ...} first line",
                ))
            }
            (Line::Trial(t), Some(_)) => trials.push(t),
        }
    }
    let header = header.ok_or_else(|| {
        res_err(
            path,
            0,
            "empty: no complete header line (not a results file of `lsm search`?)",
        )
    })?;
    Ok(Results {
        header,
        trials,
        complete_len: complete_len as u64,
        torn,
    })
}

/// A results file being appended to.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    file: std::fs::File,
}

impl ResultsFile {
    /// Open `path` for a search with `header`: a new (or empty) file gets the header, written
    /// atomically; an existing one must have the same fingerprint, and its torn last line, if
    /// any, is cut off. Returns the file and the trials it already holds.
    ///
    /// # Errors
    /// I/O errors, an unreadable file, a file of another search.
    pub fn open(path: &Path, header: &Header) -> Result<(Self, Vec<Trial>), PipelineError> {
        let existing = match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 => true,
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err(path, e)),
        };
        let mut trials = Vec::new();
        if existing {
            let r = read_results(path)?;
            if r.header.fingerprint != header.fingerprint {
                return Err(res_err(
                    path,
                    1,
                    format!(
                        "written by another search (fingerprint {}, this one {}: the base config, space, seed, sampler or objective differ); \
                         choose another --out to start a new search",
                        r.header.fingerprint, header.fingerprint
                    ),
                ));
            }
            if r.torn {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| io_err(path, e))?;
                f.set_len(r.complete_len).map_err(|e| io_err(path, e))?;
                f.sync_all().map_err(|e| io_err(path, e))?;
            }
            trials = r.trials;
        } else {
            let mut line =
                serde_json::to_string(&Line::Search(header.clone())).expect("serialisable");
            line.push('\n');
            lsm_core::write_atomic(path, line.as_bytes()).map_err(|e| io_err(path, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        Ok((
            ResultsFile {
                path: path.to_path_buf(),
                file,
            },
            trials,
        ))
    }

    /// Append one trial: the whole line in one `write` (`O_APPEND`), then `fsync`.
    ///
    /// # Errors
    /// I/O errors (naming the file).
    pub fn append(&mut self, t: &Trial) -> Result<(), PipelineError> {
        let mut line = serde_json::to_string(&Line::Trial(t.clone())).expect("serialisable");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|e| io_err(&self.path, e))
    }
}

/// Merge results files of one search: the same fingerprint everywhere, each `(trial, rung)`
/// once (the first file's copy), sorted by rung then trial.
///
/// # Errors
/// No files, or files of different searches (naming both).
pub fn merge(files: &[(PathBuf, Results)]) -> Result<(Header, Vec<Trial>), PipelineError> {
    let Some((first_path, first)) = files.first() else {
        return Err(PipelineError::Data("no results files to merge".into()));
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (p, r) in files {
        if r.header.fingerprint != first.header.fingerprint {
            return Err(res_err(
                p,
                1,
                format!(
                    "a different search from {} (fingerprint {} vs {}); merge only shards and runs of one search",
                    first_path.display(),
                    r.header.fingerprint,
                    first.header.fingerprint
                ),
            ));
        }
        for t in &r.trials {
            if seen.insert((t.rung, t.trial)) {
                out.push(t.clone());
            }
        }
    }
    out.sort_by_key(|t| (t.rung, t.trial));
    Ok((first.header.clone(), out))
}

/// A whole results file's text: the header line, then one line per trial.
pub fn results_text(header: &Header, trials: &[Trial]) -> String {
    let mut s = serde_json::to_string(&Line::Search(header.clone())).expect("serialisable");
    s.push('\n');
    for t in trials {
        s += &serde_json::to_string(&Line::Trial(t.clone())).expect("serialisable");
        s.push('\n');
    }
    s
}

/// The trials of the highest rung present, best first (failed trials last, ties by id).
pub fn ranked(trials: &[Trial], direction: Direction) -> Vec<&Trial> {
    let top = trials.iter().map(|t| t.rung).max().unwrap_or(0);
    let mut v: Vec<&Trial> = trials.iter().filter(|t| t.rung == top).collect();
    v.sort_by(|a, b| {
        direction
            .cmp(a.objective, b.objective)
            .then(a.trial.cmp(&b.trial))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header::new(
            "validation_nrmse",
            "random",
            7,
            serde_json::json!({"a": 1}),
            serde_json::json!({}),
        )
    }

    fn trial(id: u64) -> Trial {
        Trial {
            trial: id,
            rung: 0,
            budget: 1.0,
            seed: id * 3,
            params: Map::new(),
            objective: Some(id as f64),
            scores: BTreeMap::new(),
            seconds: 0.5,
            error: None,
        }
    }

    #[test]
    fn torn_tail_is_ignored_then_cut_before_appending() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.jsonl");
        let h = header();
        let (mut f, old) = ResultsFile::open(&p, &h).unwrap();
        assert!(old.is_empty());
        f.append(&trial(0)).unwrap();
        f.append(&trial(1)).unwrap();
        drop(f);
        let full = std::fs::read(&p).unwrap();
        // Cut in the middle of the last line.
        std::fs::write(&p, &full[..full.len() - 10]).unwrap();
        let r = read_results(&p).unwrap();
        assert!(r.torn);
        assert_eq!(r.trials, vec![trial(0)]);
        let (mut f, old) = ResultsFile::open(&p, &h).unwrap();
        assert_eq!(old, vec![trial(0)]);
        f.append(&trial(1)).unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), full);
    }

    #[test]
    fn another_search_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.jsonl");
        ResultsFile::open(&p, &header()).unwrap();
        let other = Header::new(
            "validation_nrmse",
            "sobol",
            7,
            serde_json::json!({"a": 1}),
            serde_json::json!({}),
        );
        let e = ResultsFile::open(&p, &other).unwrap_err().to_string();
        assert!(
            e.contains("r.jsonl: line 1: written by another search"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_middle_line_is_named() {
        let h = serde_json::to_string(&Line::Search(header())).unwrap();
        let text = format!("{h}\nnot json\n");
        let e = parse_results(&text, Path::new("x.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("x.jsonl: line 2: not a search results line"),
            "{e}"
        );
    }
}
