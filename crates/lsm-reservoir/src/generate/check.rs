//! The checks of a [`GeneratorConfig`]: every field against its range, the cost limits of the
//! sizes it declares, before anything is drawn.

use super::*;

/// A probability: finite and within `[0, 1]`.
fn prob_ok(p: Real) -> bool {
    p.is_finite() && (0.0..=1.0).contains(&p)
}

impl GeneratorConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Config`] naming the field.
    pub fn check(&self) -> Result<()> {
        if !(self.dt_ms.is_finite() && self.dt_ms > 0.0) {
            return Err(config_err(
                "dt_ms",
                format!("expected > 0 ms, found {}", self.dt_ms),
            ));
        }
        let n = self.resolved_n_neurons();
        if n == 0 {
            return Err(config_err("n_neurons", "expected at least 1 neuron"));
        }
        limit(
            Limit::Neurons,
            n as Real,
            "generator config: field `n_neurons` (or the Maass grid × columns)",
        )?;
        if !prob_ok(self.frac_exc) {
            return Err(config_err(
                "frac_exc",
                format!("expected 0..=1, found {}", self.frac_exc),
            ));
        }
        match &self.topology {
            Topology::None => {}
            Topology::Random { p } => {
                if !prob_ok(*p) {
                    return Err(config_err(
                        "topology.p",
                        format!("expected 0..=1, found {p}"),
                    ));
                }
            }
            Topology::FixedInDegree { k } | Topology::FixedOutDegree { k } => {
                if *k >= n {
                    return Err(config_err(
                        "topology.k",
                        format!("expected k < n_neurons = {n}, found {k}"),
                    ));
                }
            }
            Topology::FixedInDegreeEi { exc, inh } => {
                let n_exc = self.n_exc();
                for (field, k, pop, m) in [
                    ("exc", exc, "excitatory", n_exc),
                    ("inh", inh, "inhibitory", n - n_exc),
                ] {
                    if *k > 0 && *k >= m {
                        return Err(config_err(
                            format!("topology.{field}"),
                            format!(
                                "expected fewer than the {m} {pop} neurons \
                                 (round(frac_exc · n_neurons)), found {k}"
                            ),
                        ));
                    }
                }
            }
            Topology::MaassColumn {
                grid,
                columns,
                lambda,
                c,
            } => {
                let g = maass_size(grid, *columns);
                if g == 0 {
                    return Err(config_err(
                        "topology.grid",
                        "expected a non-empty grid and columns >= 1",
                    ));
                }
                if let Some(nn) = self.n_neurons {
                    if nn != g {
                        return Err(config_err(
                            "n_neurons",
                            format!("{nn} does not match the Maass grid {grid:?} × {columns} columns = {g} neurons (omit n_neurons)"),
                        ));
                    }
                }
                if !(lambda.is_finite() && *lambda > 0.0) {
                    return Err(config_err(
                        "topology.lambda",
                        format!("expected > 0, found {lambda}"),
                    ));
                }
                for (name, v) in c.all() {
                    if !prob_ok(v) {
                        return Err(config_err(
                            format!("topology.c.{name}"),
                            format!("expected 0..=1, found {v}"),
                        ));
                    }
                }
            }
            Topology::SmallWorld { k, beta } => {
                if k % 2 != 0 || *k >= n {
                    return Err(config_err(
                        "topology.k",
                        format!("expected an even k < n_neurons = {n}, found {k}"),
                    ));
                }
                if !prob_ok(*beta) {
                    return Err(config_err(
                        "topology.beta",
                        format!("expected 0..=1, found {beta}"),
                    ));
                }
            }
        }
        for (name, v) in self.weight_scale.all() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_err(
                    format!("weight_scale.{name}"),
                    format!("expected a magnitude >= 0 (the sign follows Dale's law), found {v}"),
                ));
            }
        }
        self.weight_dist.check("weight_dist")?;
        self.delay.check("delay")?;
        if let Some(r) = self.spectral_radius {
            if !(r.is_finite() && r > 0.0) {
                return Err(config_err(
                    "spectral_radius",
                    format!("expected > 0, found {r}"),
                ));
            }
        }
        if let Some([lo, hi]) = self.v_init_uniform_mv {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(config_err(
                    "v_init_uniform_mv",
                    format!("expected [lo, hi] with lo < hi, found [{lo}, {hi}]"),
                ));
            }
        }
        let ic = &self.input;
        if !prob_ok(ic.fraction) {
            return Err(config_err(
                "input.fraction",
                format!("expected 0..=1, found {}", ic.fraction),
            ));
        }
        for (name, v) in [("scale_exc", ic.scale_exc), ("scale_inh", ic.scale_inh)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_err(
                    format!("input.{name}"),
                    format!("expected a magnitude >= 0, found {v}"),
                ));
            }
        }
        ic.dist.check("input.dist")?;
        ic.delay.check("input.delay")?;
        for (field, d) in [("delay", &self.delay), ("input.delay", &ic.delay)] {
            let max_ms = match *d {
                Delay::Constant { ms } => ms,
                Delay::Uniform { max_ms, .. } => max_ms,
            };
            let steps = (max_ms / self.dt_ms).round();
            if steps > crate::network::MAX_DELAY_STEPS as Real {
                return Err(config_err(
                    field,
                    format!(
                        "a delay of {max_ms} ms is {steps:e} steps of dt_ms = {}, expected at most {} steps",
                        self.dt_ms,
                        crate::network::MAX_DELAY_STEPS
                    ),
                ));
            }
        }
        limit(
            Limit::Synapses,
            self.expected_recurrent_synapses(),
            format!(
                "generator config: field `topology` (expected recurrent synapses of {n} neurons)"
            ),
        )?;
        let mut probe = NetworkSpec::new(self.dt_ms, n, 0, self.neuron.clone());
        if let Some(mix) = &self.izhikevich {
            mix.check(&self.neuron)?;
            // Drawn per population in `generate`; a preset stands in for the check.
            probe.neuron.izhikevich = crate::izhikevich::IzhParams::preset(&mix.exc.preset);
        }
        // The neuron spec is validated with the whole network.
        probe
            .validate_named("generator config")
            .map_err(|e| match e {
                // The spec names the field (`neuron.t_ref_ms`): keep it, once.
                crate::ReservoirError::Field { field, msg, .. } => config_err(field, msg),
                e => config_err("neuron", e.to_string()),
            })?;
        Ok(())
    }
}
