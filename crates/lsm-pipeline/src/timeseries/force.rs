//! FORCE learning (Sussillo & Abbott 2009, "Generating coherent patterns of activity from
//! chaotic neural networks"; for spiking networks Nicola & Clopath 2017): the readout learns
//! by recursive least squares while its own output is fed back into the reservoir.
//!
//! The reservoir runs from rest over rows `0..train.end`. Before the training segment it is
//! teacher forced (the fed-back signal is the true previous target). From the first training
//! row on, the fed-back signal is the readout's output `z(t − 1) = w(t − 2)ᵀ f(t − 1)` of the
//! step before, computed with the weights before that step's update (as in the paper); at every
//! training row the features `f(t)` (state, then the input when `include_input`) and the
//! target update the weights by one RLS step (`P₀ = I/α`, forgetting λ, the bias as
//! `readout.bias` says). Inputs always come from the data. One learner per α of the grid, each
//! on its own reservoir run, in parallel; each run's arithmetic is fixed, so the result does
//! not depend on the thread count. A run whose output leaves the range `|z| < 1e6` or whose
//! weights turn non-finite is scored `null` (diverged).

use super::*;
use lsm_core::Real;
use lsm_readout::{OnlineReadout, OnlineRule, ReadoutError};
use ndarray::ArrayView2;
use rayon::prelude::*;
use std::ops::Range;

/// FORCE-train one readout per rule (see the module doc) on the rows `tr`; `drive` is the
/// teacher-forced drive `[u(t); y(t − 1)]`; `progress` is told of every [`TICK_ROWS`] rows.
///
/// # Errors
/// The memory limit (RLS holds features² numbers per α), reservoir errors, or every α
/// diverged.
pub(crate) fn force_pass(
    cfg: &TsConfig,
    res: &Reservoir,
    prep: &Prepared,
    drive: ArrayView2<Real>,
    rules: &[OnlineRule],
    tr: Range<usize>,
    progress: &dyn Progress,
) -> Result<OnlinePass> {
    use lsm_reservoir::SeriesReservoir;
    let k = prep.inputs.ncols();
    let o = prep.targets.ncols();
    let kf = cfg.feat_inputs(k);
    let nf = res.n_state() + kf;
    check_rls_memory(rules, nf)?;
    let runs: Vec<Result<Option<lsm_readout::Ridge>>> = rules
        .par_iter()
        .map(|rule| -> Result<Option<lsm_readout::Ridge>> {
            let mut lp = Looper::new(res, cfg.seed)?;
            let mut learner = OnlineReadout::new(*rule, cfg.readout.bias, nf, o)?;
            let mut z = vec![0.0; o];
            let mut feat = vec![0.0; nf];
            let mut u = vec![0.0; k];
            for t in 0..tr.end {
                if t % TICK_ROWS == TICK_ROWS - 1 {
                    progress.inc(TICK_ROWS as u64);
                }
                let row = drive.row(t);
                for (d, v) in u.iter_mut().zip(row.iter()) {
                    *d = *v;
                }
                if t <= tr.start {
                    // Teacher forced until the first training row (whose fed-back value is
                    // the true target of the row before).
                    for (d, v) in z.iter_mut().zip(row.iter().skip(k)) {
                        *d = *v;
                    }
                }
                lp.step(&u, &z)?;
                if t < tr.start {
                    continue;
                }
                let n = feat.len() - kf;
                feat[..n].copy_from_slice(lp.state());
                feat[n..].copy_from_slice(&u[..kf]);
                learner.predict_into(&feat, &mut z);
                if !z.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
                    return Ok(None);
                }
                let y = prep.targets.row(t);
                learner.learn(&feat, y.as_slice().expect("contiguous rows"))?;
            }
            match learner.to_ridge() {
                Ok(r) => Ok(Some(r)),
                Err(ReadoutError::NonFiniteResult { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
        .collect();
    let mut pass = OnlinePass {
        ridges: Vec::new(),
        diverged: Vec::new(),
    };
    for (r, rule) in runs.into_iter().zip(rules) {
        match r? {
            Some(r) => pass.ridges.push(r),
            None => pass.diverged.push(rule.grid_value()),
        }
    }
    if pass.ridges.is_empty() {
        return Err(PipelineError::Runtime(format!(
            "FORCE training diverged for every value of readout.alphas ({:?}): try larger \
             values (P0 = I/alpha) or a smaller feedback.scaling",
            pass.diverged
        )));
    }
    Ok(pass)
}
