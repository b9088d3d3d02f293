//! The time-series model file: what a fit stores, saved atomically and checked on load.

use super::*;
use lsm_core::Real;
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
    /// [`MODEL_FORMAT_VERSION`].
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
    /// Closed loop: the free-run scores of the chosen α on the validation segment (valid
    /// time, NRMSE over the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_free_run: Option<FreeRunScores>,
    /// Input channel names.
    pub input_names: Vec<String>,
    /// Target names.
    pub target_names: Vec<String>,
}

impl TsModel {
    /// Save atomically as JSON in the model envelope, with its checksum
    /// ([`crate::io::write_model`]).
    ///
    /// # Errors
    /// I/O errors naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_model(path, self)
    }

    /// Load, check the envelope, the checksum and the task, and validate the contents.
    ///
    /// # Errors
    /// I/O, JSON, a wrong format / version / task, a checksum mismatch
    /// ([`PipelineError::Corrupted`]), or inconsistent contents, naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let (v, task, _version) = crate::io::read_model(path)?;
        // Every time-series file so far (versions 1-5) has one layout.
        if Task::parse(&task).is_none() {
            return Err(PipelineError::Format {
                path: path.to_path_buf(),
                msg: format!(
                    "a model for task \"{task}\", not a time-series task (mackey-glass, \
                     narma10, lorenz, csv)"
                ),
            });
        }
        let model: TsModel = crate::io::from_value(path, v)?;
        model.check().map_err(|e| PipelineError::Format {
            path: path.to_path_buf(),
            msg: format!("inconsistent model: {}", lsm_core::error_chain(&e)),
        })?;
        Ok(model)
    }

    /// Check that the parts of a model (typically read from a file) fit together: a valid
    /// config, the readout's arrays consistent and finite, its inputs = reservoir states (+
    /// input channels), its outputs = targets, one finite centre and scale > 0 per channel.
    ///
    /// # Errors
    /// The first inconsistency found.
    pub fn check(&self) -> Result<()> {
        use lsm_reservoir::SeriesReservoir;
        self.config.validate()?;
        self.readout.check_model()?;
        let k = self.input_names.len();
        let nf = self.reservoir.n_state() + self.config.feat_inputs(k);
        let fed_back = if self.config.feedback.is_some() {
            self.target_names.len()
        } else {
            0
        };
        let dims = [
            (
                "reservoir inputs vs input channels (+ fed-back outputs)",
                k + fed_back,
                self.reservoir.n_inputs(),
            ),
            (
                "readout inputs vs reservoir state (+ inputs)",
                nf,
                self.readout.n_features(),
            ),
            (
                "readout outputs vs targets",
                self.target_names.len(),
                self.readout.n_outputs(),
            ),
            ("input scaler channels", k, self.input_scaler.center.len()),
            ("input scaler channels", k, self.input_scaler.scale.len()),
            (
                "target scaler channels",
                self.target_names.len(),
                self.target_scaler.center.len(),
            ),
            (
                "target scaler channels",
                self.target_names.len(),
                self.target_scaler.scale.len(),
            ),
        ];
        for (what, expected, got) in dims {
            if expected != got {
                return Err(PipelineError::Dimension {
                    stage: "time-series model".into(),
                    what: what.into(),
                    expected,
                    got,
                });
            }
        }
        for (name, s) in [
            ("input_scaler", &self.input_scaler),
            ("target_scaler", &self.target_scaler),
        ] {
            // A scaler fitted on values within ±MAX_SERIES_ABS stays within it; larger ones
            // make predictions in original units overflow.
            let max = super::MAX_SERIES_ABS;
            if s.center.iter().any(|v| v.is_nan() || v.abs() > max)
                || s.scale.iter().any(|v| !(*v > 0.0 && *v <= max))
            {
                return Err(PipelineError::config(
                    name,
                    format!("expected centres within ±{max:e} and scales in (0, {max:e}]"),
                ));
            }
        }
        Ok(())
    }
}
