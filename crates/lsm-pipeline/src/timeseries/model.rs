//! The time-series model file: what a fit stores, saved atomically and checked on load.

use super::*;
use lsm_core::{write_atomic, Real};
use lsm_readout::Ridge;
use serde::{Deserialize, Serialize};
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// A fitted time-series model (the model file).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TsModel {
    /// [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`].
    pub format_version: u64,
    /// The task (top level, so that the CLI can dispatch on it).
    pub task: Task,
    /// The config it was fitted with.
    pub config: TsConfig,
    /// Data source of the fit (`mackey-glass`… or the CSV path).
    pub data: String,
    /// Target column override of the fit (CSV).
    pub target: Option<String>,
    /// The reservoir with every weight.
    pub reservoir: Reservoir,
    /// Input scaling fitted on the train segment.
    pub input_scaler: Scaler,
    /// Target scaling fitted on the train segment.
    pub target_scaler: Scaler,
    /// The readout.
    pub readout: Ridge,
    /// Validation score of each α of the grid (NRMSE of the task's protocol; `null` where
    /// the closed loop diverged).
    pub validation: Vec<(Real, Option<Real>)>,
    /// Input channel names.
    pub input_names: Vec<String>,
    /// Target names.
    pub target_names: Vec<String>,
}

impl TsModel {
    /// Save atomically as JSON.
    ///
    /// # Errors
    /// I/O errors naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).map_err(|e| TsError::Json {
            file: path.display().to_string(),
            msg: e.to_string(),
        })?;
        write_atomic(path, &text).map_err(|e| TsError::Io {
            file: path.display().to_string(),
            source: e,
        })
    }

    /// Load and check the format and version.
    ///
    /// # Errors
    /// I/O, JSON, or a wrong format / version, naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TsError::Io {
            file: file.clone(),
            source: e,
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| TsError::Json {
            file: file.clone(),
            msg: format!("not a JSON model file: {e}"),
        })?;
        let fmt = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if fmt != MODEL_FORMAT {
            return Err(TsError::Json {
                file,
                msg: format!(
                    "field `format`: expected \"{MODEL_FORMAT}\", found {:?}",
                    fmt
                ),
            });
        }
        let ver = v
            .get("format_version")
            .and_then(|f| f.as_u64())
            .unwrap_or(0);
        if ver == 0 || ver > MODEL_VERSION {
            return Err(TsError::Json {
                file,
                msg: format!(
                    "field `format_version`: this lsm reads time-series models up to version {MODEL_VERSION}, found {ver}"
                ),
            });
        }
        serde_json::from_value(v).map_err(|e| TsError::Json {
            file,
            msg: format!("invalid model: {e}"),
        })
    }
}
