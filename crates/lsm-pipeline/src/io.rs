//! JSON files: reading with errors that name the file, the one model-file envelope of both
//! pipelines (format name, format version, task, checksum) and atomic writing.
//!
//! Every model file, spoken digits or time series, is one JSON object with the fields
//! `{"format": "lsm-model", "format_version": N, "task": "...", "checksum": "crc32:…", ...}`.
//! Readers check the envelope before anything else, so that a model written by a newer lsm
//! gives a clear [`PipelineError::NewerVersion`] rather than a confusing field error, and
//! verify the checksum ([`write_model`], [`read_model`]), so that a file changed after it
//! was written is reported as [`PipelineError::Corrupted`] instead of being used.

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
/// (unsupervised STDP; absent before) and Hodgkin-Huxley networks; 5 = one counter for both
/// tasks and a `checksum` field (CRC-32 of the canonical JSON of every other field), which
/// files of version 5 and later must carry; 6 = classification models with spike input
/// (`config.input`), a network named by file (`config.network.file`, the network embedded as
/// before) or an echo state network (`config.reservoir`, `esn`); files of version 5 read as
/// audio input and the spiking reservoir, and a default model's fields are unchanged; 7 =
/// spiking networks trained by surrogate gradients (`config.snn`, `snn`: the network's sizes,
/// neuron parameters and weights, checked when read); files of version 6 and earlier have
/// neither and read unchanged.
///
/// Time-series models had a counter of their own, at 1, before version 5: a time-series file
/// of versions 1-4 has that layout, which version 5 keeps (it adds only the checksum).
pub const MODEL_FORMAT_VERSION: u64 = 7;

/// The first version whose files carry a checksum.
pub const CHECKSUM_SINCE: u64 = 5;

/// Read and parse a JSON file. Errors name the file and, for syntax errors or a truncated
/// file, the line and column.
///
/// The file is refused above the input size cap ([`lsm_core::max_input_bytes`]) before it is
/// read, and parsed strictly: a key repeated in an object, or a top level that is not an
/// object, is an error ([`lsm_core::json`]).
pub fn read_json_value(path: &Path) -> Result<Value, PipelineError> {
    let text = read_capped(path)?;
    lsm_core::json::parse_object(text.as_bytes(), &path.display().to_string())
        .map_err(|e| strict_err(path, e))
}

/// A config file must say something: `{}` (an empty file's usual stand-in) is refused, since
/// leaving `--config` out is how one asks for the defaults.
///
/// # Errors
/// [`PipelineError::Json`] naming the file.
pub fn require_nonempty_config(path: &Path, v: &Value) -> Result<(), PipelineError> {
    match v.as_object() {
        Some(o) if o.is_empty() => Err(PipelineError::Json {
            path: path.to_path_buf(),
            msg: "an empty config `{}`: leave --config out to use the defaults \
                  (`lsm default-config` prints them all)"
                .into(),
        }),
        _ => Ok(()),
    }
}

/// Read a text file under the input size cap, naming the file in errors.
pub(crate) fn read_capped(path: &Path) -> Result<String, PipelineError> {
    lsm_core::read_to_string_capped(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A strict-JSON error as a pipeline error: syntax errors keep the pipeline's wording
/// (truncated file, line and column).
pub(crate) fn strict_err(path: &Path, e: lsm_core::CoreError) -> PipelineError {
    match e {
        lsm_core::CoreError::Syntax { source, .. } => PipelineError::Json {
            path: path.to_path_buf(),
            msg: json_msg(&source),
        },
        e => PipelineError::Json {
            path: path.to_path_buf(),
            msg: e
                .to_string()
                .split_once(": ")
                .map_or(e.to_string(), |(_, m)| m.to_string()),
        },
    }
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
    let v = read_json_value(path)?;
    from_value(path, v)
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

/// The checksum of a model file's fields other than `checksum`: CRC-32 of their canonical
/// JSON (`serde_json::to_vec` of the object), as `crc32:` and 8 hex digits.
fn checksum_of(obj: &serde_json::Map<String, Value>) -> String {
    let bytes = serde_json::to_vec(obj).expect("a JSON value serialises");
    format!("crc32:{:08x}", crc32fast::hash(&bytes))
}

/// Write a model (a struct whose first fields are the envelope `format`, `format_version`,
/// `task`) to `path` atomically, as compact JSON with a `checksum` field added last.
///
/// # Errors
/// [`PipelineError::Json`] if the model does not serialise to a JSON object;
/// [`PipelineError::Io`] naming the file.
pub fn write_model<T: Serialize + ?Sized>(path: &Path, model: &T) -> Result<(), PipelineError> {
    let v = serde_json::to_value(model).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: format!("cannot serialise the model: {e}"),
    })?;
    let Value::Object(mut obj) = v else {
        return Err(PipelineError::Json {
            path: path.to_path_buf(),
            msg: "the model does not serialise to a JSON object".into(),
        });
    };
    obj.remove("checksum");
    // A model loaded from an older file is written in the current layout and version.
    obj.insert("format".into(), Value::String(MODEL_FORMAT.into()));
    obj.insert("format_version".into(), Value::from(MODEL_FORMAT_VERSION));
    let sum = checksum_of(&obj);
    obj.insert("checksum".into(), Value::String(sum));
    let mut bytes = serde_json::to_vec(&obj).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        msg: format!("cannot serialise the model: {e}"),
    })?;
    bytes.push(b'\n');
    lsm_core::write_atomic(path, &bytes).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A model file read, its envelope checked and its checksum verified: the JSON object without
/// the `checksum` field, the task and the format version.
///
/// # Errors
/// Those of [`read_json_value`] and [`check_model_envelope`]; [`PipelineError::Format`] if a
/// file of version [`CHECKSUM_SINCE`] or later has no checksum; [`PipelineError::Corrupted`]
/// if the checksum does not match the contents.
pub fn read_model(path: &Path) -> Result<(Value, String, u64), PipelineError> {
    let mut v = read_json_value(path)?;
    let (task, version) = check_model_envelope(path, &v)?;
    let obj = v
        .as_object_mut()
        .expect("the envelope check found an object");
    let stored = obj.remove("checksum");
    if version >= CHECKSUM_SINCE {
        let expected = match stored {
            Some(Value::String(s)) => s,
            Some(_) => {
                return Err(PipelineError::Format {
                    path: path.to_path_buf(),
                    msg: "field `checksum` must be a string such as \"crc32:0123abcd\"".into(),
                })
            }
            None => {
                return Err(PipelineError::Format {
                    path: path.to_path_buf(),
                    msg: format!(
                        "missing field `checksum` (model files of version {CHECKSUM_SINCE} and \
                         later carry one)"
                    ),
                })
            }
        };
        let found = checksum_of(obj);
        if found != expected {
            return Err(PipelineError::Corrupted {
                path: path.to_path_buf(),
                expected,
                found,
            });
        }
    }
    Ok((v, task, version))
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
