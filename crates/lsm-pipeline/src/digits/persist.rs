//! A spoken-digit model from and to its file: the stages rebuilt from a deserialised model
//! with every link checked, atomic saving, and loading with the envelope checked first.

use super::pipeline::DigitsPipeline;
use super::*;
use crate::config::TASK_SPOKEN_DIGITS;
use crate::error::PipelineError;
use crate::io;
use crate::sources::ReservoirChoice;
use std::path::Path;

impl DigitsPipeline {
    /// Build the stages of a deserialised model, checking every link: encoder channels =
    /// network inputs, equal steps, feature length = readout inputs, one readout output per
    /// class.
    ///
    /// # Errors
    /// [`PipelineError::Dimension`] naming the stage, [`PipelineError::Config`].
    pub fn from_model(model: DigitsModel) -> Result<Self, PipelineError> {
        model.config.validate()?;
        if model.task != TASK_SPOKEN_DIGITS {
            return Err(PipelineError::Data(format!(
                "the model is for task \"{}\", not \"{TASK_SPOKEN_DIGITS}\"",
                model.task
            )));
        }
        match (&model.config.snn, &model.snn) {
            (Some(_), Some(snn)) => {
                let extractor = Extractor::new(&snn::input_config(&model.config), None, None)?;
                let r = &model.readout;
                if r.ridge.is_some() || r.logistic.is_some() {
                    return Err(PipelineError::config(
                        "readout",
                        "a model with a spiking network (snn) has no linear readout: expected \
                         neither \"ridge\" nor \"logistic\"",
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                if let Some(c) = r
                    .classes
                    .iter()
                    .find(|c| c.is_empty() || !seen.insert(c.as_str()))
                {
                    return Err(PipelineError::config(
                        "readout.classes",
                        format!("class label {c:?} is empty or repeated; expected unique labels"),
                    ));
                }
                snn::check_model(snn, &extractor, r.classes.len())?;
                return Ok(Self {
                    model,
                    extractor,
                    timings: None,
                });
            }
            (Some(_), None) => {
                return Err(PipelineError::config(
                    "snn",
                    "the config has an snn section but the model has no trained spiking network",
                ))
            }
            (None, Some(_)) => {
                return Err(PipelineError::config(
                    "snn",
                    "the model has a trained spiking network but its config has no snn section",
                ))
            }
            (None, None) => {}
        }
        let extractor = Extractor::new(&model.config, model.network.as_ref(), model.esn.as_ref())?;
        if let (Some(spec), Some(n)) = (&model.network, model.config.network.n_neurons()) {
            if spec.n_neurons != n {
                return Err(PipelineError::Dimension {
                    stage: "config → network".into(),
                    what: "neurons of the embedded network vs the config's generator".into(),
                    expected: n,
                    got: spec.n_neurons,
                });
            }
        }
        if let (Some(esn), ReservoirChoice::Esn { esn: cfg, .. }) =
            (&model.esn, &model.config.reservoir)
        {
            if esn.n_units() != cfg.n_units {
                return Err(PipelineError::Dimension {
                    stage: "config → ESN".into(),
                    what: "units of the embedded ESN vs the config's".into(),
                    expected: cfg.n_units,
                    got: esn.n_units(),
                });
            }
        }
        let r = &model.readout;
        r.check_model()?;
        if r.n_features() != extractor.n_features() {
            return Err(PipelineError::Dimension {
                stage: "features → readout".into(),
                what: "readout inputs vs pooled feature length".into(),
                expected: extractor.n_features(),
                got: r.n_features(),
            });
        }
        Ok(Self {
            model,
            extractor,
            timings: None,
        })
    }

    /// Write the model file atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`PipelineError::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<(), PipelineError> {
        io::write_model(path, &self.model)
    }

    /// Read a model file: envelope check (format, version — a newer version is a clear
    /// error — and task), then the model, then [`DigitsPipeline::from_model`].
    ///
    /// # Errors
    /// [`PipelineError::Io`], [`PipelineError::Json`] (truncated file, unknown field),
    /// [`PipelineError::Format`], [`PipelineError::NewerVersion`],
    /// [`PipelineError::Dimension`].
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let (v, task, version) = io::read_model(path)?;
        Self::from_file_value(path, v, &task, version)
    }

    /// Build the pipeline of a model file already read by [`io::read_model`] (`v` without
    /// its checksum, its `task` and `version`): fields added since the file's version get the
    /// value that reproduces its behaviour, then [`DigitsPipeline::from_model`] checks it.
    ///
    /// # Errors
    /// As [`DigitsPipeline::load`].
    pub fn from_file_value(
        path: &Path,
        mut v: serde_json::Value,
        task: &str,
        version: u64,
    ) -> Result<Self, PipelineError> {
        // Fields added since a file's version get the value that reproduces its behaviour.
        // Version 1 predates `features.transform` (its features were untransformed); versions
        // 1 and 2 predate `readout.kind` (their readouts are ridge classifiers); versions 1-3
        // predate `features.pooling.warp` (their spike-count bins were equal in time).
        if version < 4 {
            if let Some(o) = v
                .get_mut("config")
                .and_then(|c| c.get_mut("features"))
                .and_then(|f| f.get_mut("pooling"))
                .and_then(|p| p.as_object_mut())
            {
                if o.get("kind").and_then(|k| k.as_str()) == Some("spike_counts") {
                    o.entry("warp").or_insert_with(|| 0.0.into());
                }
            }
        }
        for (since, section, field, old) in [
            (2, "features", "transform", "none"),
            (3, "readout", "kind", "ridge"),
        ] {
            if version < since {
                if let Some(o) = v
                    .get_mut("config")
                    .and_then(|c| c.get_mut(section))
                    .and_then(|o| o.as_object_mut())
                {
                    o.entry(field).or_insert_with(|| old.into());
                }
            }
        }
        if task != TASK_SPOKEN_DIGITS {
            return Err(PipelineError::Format {
                path: path.to_path_buf(),
                msg: format!("a model for task \"{task}\", not \"{TASK_SPOKEN_DIGITS}\""),
            });
        }
        let model: DigitsModel = io::from_value(path, v)?;
        // The whole chain: a readout error's own Display is only "readout".
        Self::from_model(model).map_err(|e| PipelineError::Format {
            path: path.to_path_buf(),
            msg: lsm_core::error_chain(&e),
        })
    }
}
