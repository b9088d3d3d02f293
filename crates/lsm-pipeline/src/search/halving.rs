//! Successive halving (synchronous ASHA): every trial is first scored on a fraction of the
//! training data (rung 0); the best `1/eta` of a rung are promoted to the next, which uses
//! `eta` times more data; the last rung uses all of it. Promotion depends only on the
//! results of the rung below, so a resumed search promotes the same trials.

use super::results::Trial;
use super::space::Direction;

/// Successive-halving settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Halving {
    /// Reduction factor (≥ 2): a rung keeps the best `ceil(n / eta)` trials.
    pub eta: u32,
    /// Number of rungs (≥ 1; 1 = every trial on all the data).
    pub rungs: u32,
}

impl Halving {
    /// The fraction of the training data at `rung`: `eta^-(rungs - 1 - rung)`.
    pub fn budget(&self, rung: u32) -> f64 {
        let e = self.rungs.saturating_sub(1).saturating_sub(rung);
        (self.eta as f64).powi(-(e as i32))
    }

    /// How many trials of a rung of `n` are promoted.
    pub fn keep(&self, n: usize) -> usize {
        n.div_ceil(self.eta.max(1) as usize).max(1).min(n)
    }

    /// The ids promoted from a rung holding `trials` (of `n` trial ids scheduled there): the
    /// best [`Halving::keep`]`(n)` by objective, failed trials last, ties by id; sorted by id.
    pub fn promote(&self, trials: &[&Trial], n: usize, direction: Direction) -> Vec<u64> {
        let mut v: Vec<&&Trial> = trials.iter().collect();
        v.sort_by(|a, b| {
            direction
                .cmp(a.objective, b.objective)
                .then(a.trial.cmp(&b.trial))
        });
        let mut ids: Vec<u64> = v
            .into_iter()
            .filter(|t| t.objective.is_some())
            .take(self.keep(n))
            .map(|t| t.trial)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The name written in results files.
    pub fn name(&self) -> String {
        format!("halving:{}:{}", self.eta, self.rungs)
    }
}

/// A nested subset of `ids` (stable sample ids): the indices of the samples whose mixed id
/// falls below `fraction` of the 64-bit range, so a larger fraction keeps every sample of a
/// smaller one and a sample's membership does not depend on the others. At least one
/// sample is kept. `fraction >= 1` keeps them all.
pub fn subset(ids: &[u64], fraction: f64) -> Vec<usize> {
    if fraction >= 1.0 {
        return (0..ids.len()).collect();
    }
    let mut v: Vec<usize> = (0..ids.len())
        .filter(|&i| unit_of(ids[i]) < fraction)
        .collect();
    if v.is_empty() && !ids.is_empty() {
        let best = (0..ids.len())
            .min_by(|&a, &b| unit_of(ids[a]).total_cmp(&unit_of(ids[b])))
            .expect("not empty");
        v.push(best);
    }
    v
}

/// A stable id mixed (SplitMix64 finaliser) into `[0, 1)`.
pub fn unit_of(id: u64) -> f64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_and_keep() {
        let h = Halving { eta: 3, rungs: 3 };
        assert_eq!(
            [h.budget(0), h.budget(1), h.budget(2)],
            [1.0 / 9.0, 1.0 / 3.0, 1.0]
        );
        assert_eq!([h.keep(27), h.keep(10), h.keep(1)], [9, 4, 1]);
    }

    #[test]
    fn subsets_are_nested_and_near_their_fraction() {
        let ids: Vec<u64> = (0..5000u64).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let a = subset(&ids, 0.1);
        let b = subset(&ids, 0.3);
        assert!(a.iter().all(|i| b.contains(i)));
        assert!((a.len() as f64 - 500.0).abs() < 80.0, "{}", a.len());
        assert!((b.len() as f64 - 1500.0).abs() < 120.0, "{}", b.len());
        assert_eq!(subset(&ids[..1], 1e-9).len(), 1);
    }
}
