//! Scores of a prediction: MSE, NRMSE and R².

use lsm_core::Real;
use ndarray::{ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

/// Scores of a prediction against its target (original units).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Mean squared error, averaged over steps and outputs.
    pub mse: Real,
    /// Root of the mean over outputs of `MSE_o / Var_o` (the target's variance over the
    /// scored steps): RMSE / std for one output.
    pub nrmse: Real,
    /// Coefficient of determination `1 − SS_res/SS_tot`, averaged over outputs.
    pub r2: Real,
    /// Number of scored predictions.
    pub n: usize,
}

/// MSE, NRMSE and R² of `pred` against `target` (rows = steps, columns = outputs). A
/// constant target gives an infinite NRMSE unless the prediction is exact (then 0).
pub fn scores(pred: ArrayView2<Real>, target: ArrayView2<Real>) -> Scores {
    assert_eq!(pred.dim(), target.dim(), "prediction and target shapes");
    let n = target.nrows();
    let o = target.ncols();
    let (mut mse_sum, mut nmse_sum, mut r2_sum) = (0.0, 0.0, 0.0);
    for j in 0..o {
        let t = target.column(j);
        let p = pred.column(j);
        let mse = t
            .iter()
            .zip(p.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<Real>()
            / n as Real;
        let var = t.var(0.0);
        mse_sum += mse;
        let nm = if mse == 0.0 { 0.0 } else { mse / var };
        nmse_sum += nm;
        r2_sum += 1.0 - nm;
    }
    Scores {
        mse: mse_sum / o as Real,
        nrmse: (nmse_sum / o as Real).sqrt(),
        r2: r2_sum / o as Real,
        n,
    }
}

/// MSE, NRMSE and R² for one output series (convenience wrapper of [`scores`]).
pub fn scores_1d(pred: ArrayView1<Real>, target: ArrayView1<Real>) -> Scores {
    scores(pred.insert_axis(Axis(1)), target.insert_axis(Axis(1)))
}
