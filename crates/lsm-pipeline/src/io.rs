//! JSON files: reading with errors that name the file, the model-file envelope (format name,
//! format version, task) and atomic writing.
//!
//! Every model file is one JSON object whose first fields are
//! `{"format": "lsm-model", "format_version": N, "task": "..."}`. Readers check the envelope
//! before anything else, so that a model written by a newer lsm gives a clear
//! [`PipelineError::NewerVersion`] rather than a confusing field error.

use crate::error::PipelineError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// The `format` string of every lsm model file.
pub const MODEL_FORMAT: &str = "lsm-model";

/// The newest model format version this build writes and reads.
///
/// History: 1 = first release (config + network spec + readout weights + standardisation);
/// 2 = `config.features.transform` (version-1 files read as `"none"`); 3 = logistic readouts
/// (`readout.logistic`, `config.readout.kind`; `readout.ridge` is absent for them; version-1
/// and -2 files read as ridge); 4 = `config.features.pooling.warp` (spike-count bins warped
/// by the input; files of versions 1-3 read as 0, equal time bins), `config.plasticity`
/// (unsupervised STDP; absent before) and Hodgkin-Huxley networks.
pub const MODEL_FORMAT_VERSION: u64 = 4;

/// Read and parse a JSON file. Errors name the file and, for syntax errors or a truncated
/// file, the line and column.
pub fn read_json_value(path: &Path) -> Result<Value, PipelineError> {
    let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: json_msg(&e),
    })
}

/// Deserialise a typed value out of `v` (read from `path`); errors name the file and the
/// offending field (e.g. an unknown, misspelt field).
pub fn from_value<T: DeserializeOwned>(path: &Path, v: Value) -> Result<T, PipelineError> {
    serde_json::from_value(v).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: e.to_string(),
    })
}

/// Read a JSON file straight into `T` (errors carry line and column).
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, PipelineError> {
    let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: json_msg(&e),
    })
}

fn json_msg(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("truncated or incomplete JSON ({e})")
        }
        serde_json::error::Category::Syntax => format!("invalid JSON ({e})"),
        _ => e.to_string(),
    }
}

/// Check the model envelope of `v` (read from `path`) and return `(task, format_version)`.
///
/// # Errors
/// [`PipelineError::Format`] if `v` is not an object with `"format": "lsm-model"`, an integer
/// `format_version` and a string `task`; [`PipelineError::NewerVersion`] if the version is
/// newer than [`MODEL_FORMAT_VERSION`].
pub fn check_model_envelope(path: &Path, v: &Value) -> Result<(String, u64), PipelineError> {
    let fmt_err = |msg: String| PipelineError::Format {
        path: path.to_path_buf(),
        msg,
    };
    let obj = v
        .as_object()
        .ok_or_else(|| fmt_err("expected a JSON object (an lsm model file)".into()))?;
    match obj.get("format").and_then(Value::as_str) {
        Some(MODEL_FORMAT) => {}
        Some(other) => {
            return Err(fmt_err(format!(
                "field `format` is \"{other}\", expected \"{MODEL_FORMAT}\" (not an lsm model file)"
            )))
        }
        None => {
            return Err(fmt_err(format!(
                "missing field `format` (\"{MODEL_FORMAT}\"): not an lsm model file \
                 (a config file goes to `--config`, not `--model`)"
            )))
        }
    }
    let version = obj
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            fmt_err("missing or non-integer field `format_version` (expected e.g. 1)".into())
        })?;
    if version > MODEL_FORMAT_VERSION {
        return Err(PipelineError::NewerVersion {
            path: path.to_path_buf(),
            found: version,
            supported: MODEL_FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(fmt_err("field `format_version` is 0, expected >= 1".into()));
    }
    let task = obj
        .get("task")
        .and_then(Value::as_str)
        .ok_or_else(|| fmt_err("missing or non-string field `task`".into()))?;
    Ok((task.to_string(), version))
}

/// Serialise `value` as pretty JSON and write it to `path` atomically (temporary file, then
/// rename): a failed write leaves any existing file untouched.
pub fn write_json_atomic<T: Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), PipelineError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: format!("cannot serialise: {e}"),
    })?;
    bytes.push(b'\n');
    lsm_core::write_atomic(path, &bytes).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_checks() {
        let p = Path::new("m.json");
        let ok = json!({"format": "lsm-model", "format_version": 1, "task": "spoken-digits"});
        assert_eq!(
            check_model_envelope(p, &ok).unwrap(),
            ("spoken-digits".to_string(), 1)
        );
        let newer = json!({"format": "lsm-model", "format_version": 99, "task": "x"});
        let e = check_model_envelope(p, &newer).unwrap_err().to_string();
        assert!(
            e.contains("newer") && e.contains("99") && e.contains("m.json"),
            "{e}"
        );
        let cfg = json!({"task": "spoken-digits", "seed": 1});
        let e = check_model_envelope(p, &cfg).unwrap_err().to_string();
        assert!(e.contains("not an lsm model"), "{e}");
        let e = check_model_envelope(p, &json!([1]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("object"), "{e}");
    }

    #[test]
    fn truncated_json_names_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.json");
        std::fs::write(&p, "{\"format\": \"lsm-mo").unwrap();
        let e = read_json_value(&p).unwrap_err().to_string();
        assert!(e.contains("t.json") && e.contains("truncated"), "{e}");
        let e = read_json_value(&dir.path().join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.json"), "{e}");
    }

    #[test]
    fn atomic_write_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_json_atomic(&p, &json!({"a": 0.1f64 + 0.2f64})).unwrap();
        let v = read_json_value(&p).unwrap();
        assert_eq!(v["a"].as_f64().unwrap(), 0.1f64 + 0.2f64);
    }
}
