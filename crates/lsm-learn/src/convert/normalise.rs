//! Data-based weight normalisation (Diehl et al. 2015; Rueckauer et al. 2017).
//!
//! The integrate-and-fire neurons of the converted network fire at most once per step, so an
//! activation must be brought into `[0, 1]` to be represented by a rate. For each layer `l`
//! the scale `λ_l` is the `p`-th percentile (default 99.9) of the layer's **positive**
//! activations over the training data (zeros, which most ReLU outputs are, would pull a
//! percentile of all values down to 0; Rueckauer et al.'s SNN toolbox also takes the non-zero
//! ones). The percentile interpolates linearly between order statistics (numpy's default):
//! for the sorted values `s_0 ≤ … ≤ s_{n−1}`, position `q = p/100 · (n − 1)`,
//! `P = s_⌊q⌋ + (q − ⌊q⌋)(s_⌈q⌉ − s_⌊q⌋)`. A layer without a positive activation keeps
//! `λ = 1`.
//!
//! The weights and biases then become
//!
//! ```text
//! W̃_l = W_l λ_{l−1} / λ_l,    b̃_l = b_l / λ_l,    λ_0 = 1 (the analog input is not a rate)
//! ```
//!
//! so that the normalised network computes `ã_l = a_l / λ_l`: the same predictions, with
//! 99.9 % of the positive activations at most 1. The output layer is scaled too (by the
//! percentile of its positive logits), which does not change the predicted class.

use crate::convert::mlp::{Dense, Mlp};
use crate::error::{LearnError, Result};
use lsm_core::Real;
use ndarray::ArrayView2;

/// The `p`-th percentile (`0 ≤ p ≤ 100`) of `values` with linear interpolation (see the
/// module documentation); `None` when `values` is empty.
///
/// # Errors
/// [`LearnError::InvalidParam`] for `p` outside `[0, 100]`, [`LearnError::Data`] for a NaN.
pub fn percentile(values: &[Real], p: Real) -> Result<Option<Real>> {
    check_percentile(p)?;
    if values.iter().any(|v| v.is_nan()) {
        return Err(LearnError::Data("an activation is NaN".into()));
    }
    if values.is_empty() {
        return Ok(None);
    }
    let mut s = values.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let q = p / 100.0 * (s.len() - 1) as Real;
    let (lo, hi) = (q.floor() as usize, q.ceil() as usize);
    Ok(Some(s[lo] + (q - lo as Real) * (s[hi] - s[lo])))
}

fn check_percentile(p: Real) -> Result<()> {
    if !(0.0..=100.0).contains(&p) {
        return Err(LearnError::InvalidParam {
            name: "percentile",
            msg: format!("{p}: expected a percentile in [0, 100]"),
        });
    }
    Ok(())
}

/// The scale `λ_l` of every layer (hidden layers, then the output): the `p`-th percentile of
/// its positive activations on `x`.
///
/// # Errors
/// As [`percentile`].
pub fn layer_scales(mlp: &Mlp, x: ArrayView2<'_, Real>, p: Real) -> Result<Vec<Real>> {
    check_percentile(p)?;
    mlp.forward(x)
        .iter()
        .map(|a| {
            let pos: Vec<Real> = a.iter().copied().filter(|&v| v > 0.0).collect();
            Ok(percentile(&pos, p)?.unwrap_or(1.0))
        })
        .collect()
}

/// The network with `W̃_l = W_l λ_{l−1}/λ_l`, `b̃_l = b_l/λ_l` (`λ_0 = 1`).
///
/// # Errors
/// [`LearnError::InvalidParam`] when `scales` does not have one positive, finite value per
/// layer.
pub fn normalise(mlp: &Mlp, scales: &[Real]) -> Result<Mlp> {
    if scales.len() != mlp.layers.len() || scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(LearnError::InvalidParam {
            name: "scales",
            msg: format!(
                "{scales:?}: expected {} finite scales > 0, one per layer",
                mlp.layers.len()
            ),
        });
    }
    let layers = mlp
        .layers
        .iter()
        .enumerate()
        .map(|(l, d)| {
            let prev = if l == 0 { 1.0 } else { scales[l - 1] };
            Dense {
                w: &d.w * (prev / scales[l]),
                b: &d.b / scales[l],
            }
        })
        .collect();
    Ok(Mlp { layers })
}
