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

/// The normalised error above which a closed-loop prediction stops being valid (Pathak et
/// al. 2018; Gauthier et al. 2021 use 0.4 on the normalised error).
pub const VALID_TIME_THRESHOLD: Real = 0.4;

/// The largest Lyapunov exponent of the Lorenz system at σ = 10, ρ = 28, β = 8/3 (Sprott,
/// "Chaos and Time-Series Analysis", 2003: 0.9056).
pub const LORENZ_LYAPUNOV: Real = 0.9056;

/// Scores of closed-loop free runs over their whole horizon: at free-run step `s` of a
/// trial the normalised error is `e(s) = sqrt(mean_c (ŷ_c(s) − y_c(s))² / Var_c)`, `Var_c`
/// the target's variance over the scored segment (as the NRMSE).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreeRunScores {
    /// `sqrt` of the mean of `e(s)²` over every step of every trial.
    pub nrmse_horizon: Real,
    /// Valid prediction steps: the steps before `e(s)` first exceeds
    /// [`VALID_TIME_THRESHOLD`] (the horizon when it never does), mean over trials.
    pub valid_steps_mean: Real,
    /// The same, median over trials.
    pub valid_steps_median: Real,
    /// Mean valid time in the series' time units (valid steps × sampling interval).
    pub valid_time: Real,
    /// Mean valid time in Lyapunov times (Lorenz with its standard parameters only).
    pub valid_lyapunov_times: Option<Real>,
    /// Trials whose error never exceeded the threshold within the horizon.
    pub censored_trials: usize,
}

impl FreeRunScores {
    /// From per-trial valid steps, the sum of `e(s)²` over `steps` trial steps, the horizon,
    /// the sampling interval and the largest Lyapunov exponent, if known.
    pub(crate) fn new(
        valid: &[usize],
        sum_e2: Real,
        steps: usize,
        horizon: usize,
        dt: Real,
        lyapunov: Option<Real>,
    ) -> Self {
        let n = valid.len().max(1) as Real;
        let mean = valid.iter().sum::<usize>() as Real / n;
        let mut sorted = valid.to_vec();
        sorted.sort_unstable();
        let median = match sorted.len() {
            0 => 0.0,
            m if m % 2 == 1 => sorted[m / 2] as Real,
            m => (sorted[m / 2 - 1] + sorted[m / 2]) as Real / 2.0,
        };
        FreeRunScores {
            nrmse_horizon: (sum_e2 / steps.max(1) as Real).sqrt(),
            valid_steps_mean: mean,
            valid_steps_median: median,
            valid_time: mean * dt,
            valid_lyapunov_times: lyapunov.map(|l| mean * dt * l),
            censored_trials: valid.iter().filter(|&&v| v >= horizon).count(),
        }
    }
}
