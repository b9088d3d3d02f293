//! The training pass of an online readout (`readout.kind` = `rls` or `lms`): the reservoir
//! runs once over the train segment and every α of the grid learns each feature row as it
//! comes, one learner per α; nothing of size steps × features is held.

use super::*;
use lsm_core::Real;
use lsm_readout::{OnlineBias, OnlineReadout, OnlineRule, ReadoutError, Ridge};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use std::ops::Range;

/// Learners of at least this many `features² × α` multiply-adds per step learn in parallel
/// (each α on its own; the result does not depend on the thread count).
const PARALLEL_WORK: usize = 1 << 16;

/// The learners' state (RLS: `P`, features² numbers per α) within the memory limit.
pub(crate) fn check_rls_memory(rules: &[OnlineRule], nf: usize) -> Result<()> {
    let bytes: f64 = rules
        .iter()
        .map(|r| OnlineReadout::state_bytes(r, nf + 1))
        .sum();
    lsm_core::limits::check(
        lsm_core::limits::Limit::MemoryBytes,
        bytes,
        format!("the RLS matrices P ({nf}² features, one per α of readout.alphas)"),
    )
    .map_err(|e| PipelineError::config("readout.alphas", e.to_string()))
}

/// What the online pass learned.
pub(crate) struct OnlinePass {
    /// The readouts whose weights stayed finite, in grid order.
    pub(crate) ridges: Vec<Ridge>,
    /// The α of the grid whose pass diverged (an LMS rate too large): scored as `null`.
    pub(crate) diverged: Vec<Real>,
}

/// Learn one readout per rule (bias learned as `bias` says) on the train rows `tr` of `src` (state noise of amplitude
/// `noise` there), copying the states and features of rows `keep` into `val_states` /
/// `val_feats` when `noise` is 0.
///
/// # Errors
/// A memory limit (RLS holds features² numbers per α), a non-finite feature, or every α
/// diverged.
#[allow(clippy::too_many_arguments)]
pub(crate) fn online_pass(
    rules: &[OnlineRule],
    bias: OnlineBias,
    src: &FeatureSource,
    targets: ArrayView2<Real>,
    tr: Range<usize>,
    keep: Range<usize>,
    noise: Real,
    val_states: &mut Array2<Real>,
    val_feats: &mut Array2<Real>,
) -> Result<OnlinePass> {
    let nf = src.n_features();
    let o = targets.ncols();
    check_rls_memory(rules, nf)?;
    let mut learners = rules
        .iter()
        .map(|r| OnlineReadout::new(*r, bias, nf, o))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let parallel = learners.len() > 1
        && rules.iter().any(|r| matches!(r, OnlineRule::Rls { .. }))
        && nf * nf * learners.len() >= PARALLEL_WORK;
    let keep_now = noise == 0.0;
    let mut y = vec![0.0; o];
    src.visit(0..keep.end.max(tr.end), noise, tr.clone(), |t, x, f| {
        if tr.contains(&t) {
            for (d, v) in y.iter_mut().zip(targets.row(t)) {
                *d = *v;
            }
            if parallel {
                learners.par_iter_mut().try_for_each(|l| l.learn(f, &y))?;
            } else {
                learners.iter_mut().try_for_each(|l| l.learn(f, &y))?;
            }
        }
        if keep_now && keep.contains(&t) {
            set_row(val_states, t - keep.start, x);
            set_row(val_feats, t - keep.start, f);
        }
        Ok(())
    })?;
    let mut pass = OnlinePass {
        ridges: Vec::new(),
        diverged: Vec::new(),
    };
    let mut first_err = None;
    for (l, a) in learners.iter().zip(rules) {
        match l.to_ridge() {
            Ok(r) => pass.ridges.push(r),
            Err(e @ ReadoutError::NonFiniteResult { .. }) => {
                pass.diverged.push(a.grid_value());
                first_err.get_or_insert(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    match first_err {
        Some(e) if pass.ridges.is_empty() => Err(e.into()),
        _ => Ok(pass),
    }
}
