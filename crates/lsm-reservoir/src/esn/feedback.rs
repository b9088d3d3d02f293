//! Readout feedback into an ESN: the readout's outputs as extra input channels with their own
//! weights `W_fb` (reservoirpy's feedback connection).

use super::{Esn, InputDist};
use crate::ReservoirError;
use lsm_core::{rng_for, stream, Real, SimRng};
use rand::Rng;

/// Check the feedback weights' `scaling` (in [0, 1e6]) and `connectivity` (in (0, 1]).
///
/// # Errors
/// [`ReservoirError::Config`] naming the field.
pub fn check_feedback(scaling: Real, connectivity: Real) -> Result<(), ReservoirError> {
    if !(scaling.is_finite() && (0.0..=1e6).contains(&scaling)) {
        return Err(ReservoirError::Config {
            what: "esn",
            field: "feedback.scaling".into(),
            msg: format!("expected a value in [0, 1e6], found {scaling}"),
        });
    }
    if !(connectivity > 0.0 && connectivity <= 1.0) {
        return Err(ReservoirError::Config {
            what: "esn",
            field: "feedback.connectivity".into(),
            msg: format!("expected a value in (0, 1], found {connectivity}"),
        });
    }
    Ok(())
}

impl Esn {
    /// The same network with `n_outputs` feedback channels appended to its inputs: the input
    /// of a step is then `[u(t); y(t − 1)]`. `W_fb` (N × `n_outputs`) is drawn from
    /// `rng_for(seed, stream::FEEDBACK)` (so the reservoir's own weights do not change), in
    /// row-major order: for each entry, first whether it is kept (probability
    /// `connectivity`; 1 keeps all without a draw), then its value drawn like an input weight
    /// (`U[−1, 1]` or `±1` by `dist`), times `scaling` (reservoirpy's `fb_scaling` and
    /// `fb_connectivity`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] for a scaling or connectivity out of range
    /// ([`check_feedback`]).
    pub fn with_feedback(
        &self,
        n_outputs: usize,
        dist: InputDist,
        scaling: Real,
        connectivity: Real,
        seed: u64,
    ) -> Result<Self, ReservoirError> {
        check_feedback(scaling, connectivity)?;
        let mut rng = rng_for(seed, stream::FEEDBACK);
        let mut w = vec![0.0; self.n_units * n_outputs];
        draw_input_weights(&mut w, dist, connectivity, scaling, &mut rng);
        self.with_input_columns(n_outputs, &w)
    }

    /// The input weights `W_in`, N × K row-major (feedback columns included).
    pub fn input_weights(&self) -> &[Real] {
        &self.w_in
    }

    /// The bias of each unit.
    pub fn bias(&self) -> &[Real] {
        &self.bias
    }
}

/// Fill `w` in order: for each entry, whether it is kept (probability `connectivity`; 1 keeps
/// all without a draw), then its value (`U[−1, 1]` or `±1` by `dist`), times `scaling` if kept.
pub(super) fn draw_input_weights(
    w: &mut [Real],
    dist: InputDist,
    connectivity: Real,
    scaling: Real,
    rng: &mut SimRng,
) {
    for v in w.iter_mut() {
        let on = connectivity >= 1.0 || rng.gen::<Real>() < connectivity;
        let x: Real = match dist {
            InputDist::Uniform => rng.gen_range(-1.0..=1.0),
            InputDist::Bernoulli => {
                if rng.gen::<bool>() {
                    1.0
                } else {
                    -1.0
                }
            }
        };
        if on {
            *v = x * scaling;
        }
    }
}
