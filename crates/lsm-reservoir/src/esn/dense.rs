//! An ESN from given weights (for reference comparisons and imported networks).

use super::{Activation, Esn};
use crate::ReservoirError;
use lsm_core::Real;
use ndarray::ArrayView2;

impl Esn {
    /// The network of the given weights: `w` (N × N, its nonzero entries become the sparse
    /// `W`), `w_in` (N × K), `bias` (N), leak rate and activation. Nothing is rescaled.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] for inconsistent shapes, no input channel, a non-finite
    /// value or a leak rate outside (0, 1].
    pub fn from_dense(
        w: ArrayView2<'_, Real>,
        w_in: ArrayView2<'_, Real>,
        bias: &[Real],
        leak_rate: Real,
        activation: Activation,
    ) -> Result<Self, ReservoirError> {
        let n = w.nrows();
        let bad = |m: String| Err(ReservoirError::Input(m));
        if n == 0 || w.ncols() != n || w_in.nrows() != n || bias.len() != n || w_in.ncols() == 0 {
            return bad(format!(
                "expected W N × N, W_in N × K (K >= 1) and N biases with N >= 1, found W {:?}, \
                 W_in {:?}, {} biases",
                w.dim(),
                w_in.dim(),
                bias.len()
            ));
        }
        if !(leak_rate > 0.0 && leak_rate <= 1.0) {
            return bad(format!("leak rate {leak_rate} not in (0, 1]"));
        }
        if !(w.iter().chain(w_in.iter()).chain(bias)).all(|v| v.is_finite()) {
            return bad("the weights hold a non-finite value".into());
        }
        if n > i32::MAX as usize {
            return bad(format!("{n} units: at most 2^31-1"));
        }
        let (mut indptr, mut indices, mut values) = (vec![0u32], Vec::new(), Vec::new());
        for row in w.outer_iter() {
            for (j, v) in row.iter().enumerate() {
                if *v != 0.0 {
                    indices.push(j as u32);
                    values.push(*v);
                }
            }
            indptr.push(indices.len() as u32);
        }
        let mut e = Self {
            n_units: n,
            n_inputs: w_in.ncols(),
            leak_rate,
            indptr,
            indices,
            values,
            w_in: w_in.iter().copied().collect(),
            bias: bias.to_vec(),
            activation,
            packed: None,
        };
        e.pack();
        Ok(e)
    }
}
