//! Checking a [`LayeredConfig`]: names, sizes against the limits, projections, input layers.

use super::super::merge::{merge_neurons, Part};
use super::*;
use crate::error::limit;
use lsm_core::limits::Limit;
use lsm_core::stream;

impl LayeredConfig {
    /// Check every field, and the sizes against the cost limits.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field (`layers[1].topology.p`,
    /// `projections[0].to`), or a limit error.
    pub fn check(&self) -> Result<()> {
        if !(self.dt_ms.is_finite() && self.dt_ms > 0.0) {
            return Err(config_err(
                "dt_ms",
                format!("expected > 0 ms, found {}", self.dt_ms),
            ));
        }
        let n_layers = self.layers.len();
        if n_layers == 0 {
            return Err(config_err("layers", "expected at least one layer"));
        }
        for (what, n) in [
            ("layers", n_layers),
            ("projections", self.projections.len()),
        ] {
            if n > stream::MAX_LAYERS {
                return Err(config_err(
                    what,
                    format!("{n} given, expected at most {}", stream::MAX_LAYERS),
                ));
            }
        }
        let mut total_n: Real = 0.0;
        let mut synapses: Real = 0.0;
        for (k, l) in self.layers.iter().enumerate() {
            if l.name.is_empty() {
                return Err(config_err(
                    format!("layers[{k}].name"),
                    "expected a non-empty name",
                ));
            }
            if let Some(j) = self.layers[..k].iter().position(|o| o.name == l.name) {
                return Err(config_err(
                    format!("layers[{k}].name"),
                    format!(
                        "\"{}\" is also the name of layers[{j}]: expected unique names",
                        l.name
                    ),
                ));
            }
            let pop = self.population(k);
            pop.check().map_err(|e| in_layer(k, e))?;
            if pop.stp.is_some() && (n_layers > 1 || !self.projections.is_empty()) {
                return Err(config_err(
                    format!("layers[{k}].stp"),
                    "dynamic synapses are supported in a network of one layer without \
                     projections only",
                ));
            }
            total_n += pop.resolved_n_neurons() as Real;
            synapses += pop.expected_recurrent_synapses();
        }
        limit(
            Limit::Neurons,
            total_n,
            "layered generator config: the layers' n_neurons summed",
        )?;
        let ranges = self.ranges();
        // The layers can share one neuron section (the drawn parameters change no shared field).
        let parts: Vec<Part> = ranges
            .iter()
            .zip(&self.layers)
            .map(|(r, l)| Part {
                name: &r.name,
                n: r.n,
                neuron: &l.population.neuron,
            })
            .collect();
        merge_neurons(&parts)?;
        for (p, pr) in self.projections.iter().enumerate() {
            let at = |f: &str| format!("projections[{p}].{f}");
            let a = self.index(&pr.from, at("from"))?;
            let b = self.index(&pr.to, at("to"))?;
            if a == b {
                return Err(config_err(
                    at("to"),
                    format!(
                        "\"{}\" projects to itself: a layer's recurrence is its `topology`",
                        pr.to
                    ),
                ));
            }
            let (na, nb) = (ranges[a].n, ranges[b].n);
            synapses += match pr.rule {
                ProjectionRule::Random { p } => {
                    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                        return Err(config_err(
                            at("rule.p"),
                            format!("expected 0..=1, found {p}"),
                        ));
                    }
                    na as Real * nb as Real * p
                }
                ProjectionRule::FixedInDegree { k } | ProjectionRule::FixedOutDegree { k } => {
                    let (m, of, per) = match pr.rule {
                        ProjectionRule::FixedInDegree { .. } => (na, &pr.from, nb),
                        _ => (nb, &pr.to, na),
                    };
                    if k > m {
                        return Err(config_err(
                            at("rule.k"),
                            format!(
                                "expected at most the {m} neurons of layer \"{of}\", found {k}"
                            ),
                        ));
                    }
                    per as Real * k as Real
                }
            };
            for (name, v) in pr.weight_scale.all() {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(config_err(
                        at(&format!("weight_scale.{name}")),
                        format!("expected a magnitude >= 0 (the sign follows the presynaptic neuron), found {v}"),
                    ));
                }
            }
            pr.weight_dist.check(&at("weight_dist"))?;
            pr.delay.check(&at("delay"))?;
            let max_ms = match pr.delay {
                Delay::Constant { ms } => ms,
                Delay::Uniform { max_ms, .. } => max_ms,
            };
            let steps = (max_ms / self.dt_ms).round();
            if steps > crate::network::MAX_DELAY_STEPS as Real {
                return Err(config_err(
                    at("delay"),
                    format!(
                        "a delay of {max_ms} ms is {steps:e} steps of dt_ms = {}, expected at most {} steps",
                        self.dt_ms,
                        crate::network::MAX_DELAY_STEPS
                    ),
                ));
            }
        }
        let inputs = self.input_indices()?;
        if inputs.is_empty() {
            return Err(config_err(
                "input_layers",
                "expected at least one layer name",
            ));
        }
        for (i, &k) in inputs.iter().enumerate() {
            if inputs[..i].contains(&k) {
                return Err(config_err(
                    format!("input_layers[{i}]"),
                    format!("\"{}\" is listed twice", self.layers[k].name),
                ));
            }
        }
        limit(
            Limit::Synapses,
            synapses,
            "layered generator config: expected recurrent + projection synapses",
        )?;
        Ok(())
    }
}
