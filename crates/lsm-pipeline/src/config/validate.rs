//! The checks of a [`DigitsConfig`]: every field, and the links between the stages (time
//! steps, channel counts, readout and features).

use super::*;

impl DigitsConfig {
    /// Check every field and the links between stages.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field (dotted path) and what was expected.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if self.task != TASK_SPOKEN_DIGITS {
            return Err(PipelineError::config(
                "task",
                format!(
                    "expected \"{TASK_SPOKEN_DIGITS}\" for this pipeline, found \"{}\"",
                    self.task
                ),
            ));
        }
        self.input.validate()?;
        self.reservoir.validate()?;
        self.input_drive.validate()?;
        if self.input.is_audio() {
            self.encoder
                .check()
                .map_err(|e| PipelineError::config("encoder", e.to_string()))?;
        }
        if self.features.reservoir && self.reservoir.is_spiking() {
            self.network
                .check()
                .map_err(|e| PipelineError::config("network", e.to_string()))?;
            let a = self.dt_ms();
            let Some(b) = self.network.dt_ms() else {
                return self.validate_rest(); // a network file's step is checked when it is read
            };
            if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
                return Err(PipelineError::config(
                    "network.dt_ms",
                    format!(
                        "the network step ({b} ms) must equal the input's step ({a} ms, \
                         encoder.dt_ms or input.dt_ms): input spikes live on the simulator grid"
                    ),
                ));
            }
        }
        self.validate_rest()
    }

    /// The checks after the input's and the network's.
    fn validate_rest(&self) -> Result<(), PipelineError> {
        if let Some(snn) = &self.snn {
            snn.validate()?;
            if self.plasticity.is_some() {
                return Err(PipelineError::config(
                    "plasticity",
                    "the snn section trains its own network on the input's spikes: remove \
                     plasticity (it shapes the reservoir, which is not used with snn)",
                ));
            }
        }
        if let Some(p) = &self.plasticity {
            if !self.features.reservoir {
                return Err(PipelineError::config(
                    "plasticity",
                    "plasticity needs the reservoir: set features.reservoir to true or remove \
                     plasticity",
                ));
            }
            if let Some(stdp) = &p.stdp {
                stdp.check("plasticity.stdp")
                    .map_err(|e| PipelineError::config("plasticity.stdp", e.to_string()))?;
            }
            if let Some(h) = &p.homeostasis {
                h.check("plasticity.homeostasis")
                    .map_err(|e| PipelineError::config("plasticity.homeostasis", e.to_string()))?;
            }
            if p.epochs == 0 {
                return Err(PipelineError::config(
                    "plasticity.epochs",
                    "expected at least 1 pass, found 0",
                ));
            }
            // A lower bound of the cost before any recording is read: every pass runs at least
            // one step of every neuron per recording (0 recordings = all: at least 1).
            if !self.reservoir.is_spiking() {
                return Err(PipelineError::config(
                    "plasticity",
                    "plasticity (STDP or a rate-based rule) acts on the spiking network; the \
                     ESN reservoir has its own (reservoir.esn.plasticity)",
                ));
            }
            let runs = p.epochs as f64 * p.samples.max(1) as f64;
            lsm_core::limits::check(
                lsm_core::limits::Limit::Work,
                runs * self.network.n_neurons().unwrap_or(1) as f64,
                "plasticity.epochs x plasticity.samples x network neurons (at least one step each)",
            )
            .map_err(|e| PipelineError::config("plasticity.epochs", e.to_string()))?;
        }
        if !self.features.reservoir && !self.features.include_input {
            return Err(PipelineError::config(
                "features",
                "no features: set `reservoir` or `include_input` (or both) to true",
            ));
        }
        self.features.pooling.validate("features.pooling")?;
        let spiking_features = self.features.reservoir && self.reservoir.is_spiking();
        if !self.features.readout_layers.is_empty() && !spiking_features {
            return Err(PipelineError::config(
                "features.readout_layers",
                "chooses layers of the spiking reservoir: it needs `features.reservoir` true and \
                 the spiking reservoir (remove it otherwise)",
            ));
        }
        let r = &self.readout;
        if !(r.logistic_tol > 0.0 && r.logistic_tol < 1.0) {
            return Err(PipelineError::config(
                "readout.logistic_tol",
                format!(
                    "expected a number in (0, 1) (the solver stops when the gradient norm is \
                     below it; at 1 or more it stops before fitting), found {}",
                    r.logistic_tol
                ),
            ));
        }
        for (name, grid) in [
            ("readout.alphas", &r.alphas),
            ("readout.logistic_alphas", &r.logistic_alphas),
        ] {
            if grid.is_empty() {
                return Err(PipelineError::config(
                    name,
                    "expected at least one penalty value",
                ));
            }
            if let Some(a) = grid.iter().find(|a| !(**a > 0.0 && **a <= MAX_PENALTY)) {
                return Err(PipelineError::config(
                    name,
                    format!("expected values in (0, {MAX_PENALTY:e}], found {a}"),
                ));
            }
        }
        if let CvConfig::KFold { k } = r.cv {
            if k < 2 {
                return Err(PipelineError::config(
                    "readout.cv.k",
                    format!("expected at least 2 folds, found {k}"),
                ));
            }
        }
        Ok(())
    }
}
