//! The cost checks of the simulator, in one place: every size a network file, a record spec or
//! a caller declares is checked against [`lsm_core::limits`] before anything is allocated.
//! (The checks of the network file itself are in [`crate::spec`], those of the generator
//! config in [`crate::generate`], those of the echo state network in [`crate::esn`].)

use crate::error::Result;
use crate::network::Network;
use crate::sim::{Bins, RecordSpec, TraceSamples};
use lsm_core::limits::{self, Limit};
use lsm_core::Real;

/// Bins of width `w` ms over `n_steps` steps of `dt` ms (at least 1; a float, so that a
/// hostile width cannot overflow before the cost check).
pub(crate) fn n_bins_of(n_steps: usize, dt: Real, w: Real) -> Real {
    ((n_steps as Real * dt) / w - 1e-9).ceil().max(1.0)
}

impl Network {
    /// Check the cost of simulating `total_steps` steps (summed over samples and epochs)
    /// against [`Limit::Work`] (`steps × neurons`); `what` names the flag or field in the error.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Limit`].
    pub fn check_work(&self, total_steps: Real, what: &str) -> Result<()> {
        let work = total_steps * self.n_neurons() as Real;
        Ok(limits::check(
            Limit::Work,
            work,
            format!("{what} (steps x {} neurons)", self.n_neurons()),
        )?)
    }

    /// The cost checks of one run, before anything is allocated: steps ([`Limit::Steps`]),
    /// work ([`Limit::Work`]) and the recorded values ([`Limit::MemoryBytes`]).
    pub(crate) fn check_run_cost(&self, n_steps: usize, spec: &RecordSpec) -> Result<()> {
        let (steps, n) = (n_steps as Real, self.n_neurons() as Real);
        limits::check(Limit::Steps, steps, "simulation: the number of steps")?;
        self.check_work(steps, "simulation")?;
        let mut values = 0.0;
        if spec.spikes {
            // The per-step index of the spike trains and the reserved events (u32 each).
            values += steps + steps * n / 200.0 / 2.0;
        }
        if spec.v {
            values += steps * spec.v_neurons.as_ref().map_or(n, |s| s.len() as Real);
        }
        values += n * match spec.bins {
            Some(Bins::Count(b)) => b as Real,
            Some(Bins::WidthMs(w)) if w.is_finite() && w > 0.0 => {
                n_bins_of(n_steps, self.dt_ms(), w)
            }
            _ => 0.0,
        };
        if let Some(ts) = &spec.traces {
            let k = match &ts.samples {
                TraceSamples::None => 0.0,
                TraceSamples::Even(k) => (*k).min(n_steps) as Real,
                TraceSamples::Steps(s) => s.len() as Real,
            };
            values += k * n * if spec.v_samples { 2.0 } else { 1.0 };
        }
        limits::check(
            Limit::MemoryBytes,
            values * 8.0,
            format!(
                "simulation: recorded values of {n_steps} steps x {} neurons (membrane, bins, traces)",
                self.n_neurons()
            ),
        )?;
        Ok(())
    }
}
