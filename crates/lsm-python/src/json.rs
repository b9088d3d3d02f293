//! Python dicts (configs) to and from the serde types, through JSON text: the same parser,
//! defaults and error messages as a config file given to the CLI.

use crate::errors::config_err;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A Python object (dict, list, number, string; or a JSON string) as JSON text.
pub fn to_json_text(x: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    if let Ok(s) = x.extract::<String>() {
        return Ok(s);
    }
    let json = x.py().import("json")?;
    json.call_method1("dumps", (x,))
        .and_then(|s| s.extract())
        .map_err(|e| config_err(format!("{name}: not expressible as JSON ({e})")))
}

/// A Python dict (or JSON string) as a config of type `T`: unknown fields and wrong types are
/// a [`crate::errors::ConfigError`] naming `name` and the field.
pub fn from_py<T: DeserializeOwned>(x: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    let text = to_json_text(x, name)?;
    lsm_core::json::from_object_slice(text.as_bytes(), name)
        .map_err(|e| config_err(crate::errors::chain(&e)))
}

/// A serde value as a Python object (dicts, lists, numbers, strings).
pub fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v)
        .map_err(|e| crate::errors::InternalError::new_err(format!("serialising: {e}")))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// `__reduce__` of a class whose state is JSON text: `(cls._from_json, (text,))`, so pickle
/// (and scikit-learn's clone of fitted estimators, joblib's workers) can copy it.
pub fn reduce<'py, T: Serialize + ?Sized>(
    obj: &Bound<'py, PyAny>,
    state: &T,
) -> PyResult<(Bound<'py, PyAny>, (String,))> {
    let text = serde_json::to_string(state)
        .map_err(|e| crate::errors::InternalError::new_err(format!("serialising: {e}")))?;
    Ok((obj.get_type().getattr("_from_json")?, (text,)))
}

/// The inverse of [`reduce`]: the state from its JSON text.
pub fn unreduce<T: DeserializeOwned>(text: &str, what: &str) -> PyResult<T> {
    serde_json::from_str(text)
        .map_err(|e| crate::errors::data_err(format!("unpickling {what}: {e}")))
}
