//! Linear memory capacity (Jaeger 2001), with reservoirpy's protocol
//! (`reservoirpy.observables.memory_capacity`), so that the two give the same figures on the
//! same reservoir and series.
//!
//! # Protocol
//! The input is a series `u` of length `L` (by default i.i.d. uniform on `[−r, r]`, `r = 0.8`,
//! `L = 10·max(k_max, N)`, from `rng_for(seed, stream::ANALYSIS)`). Row `i` of the task
//! (`i = 0..L−k_max`) is time `t = i + k_max`: the reservoir is driven by `u(k_max), …,
//! u(L−1)` from its zero state, and the target of delay `k` (`1 <= k <= k_max`) in row `i` is
//! `u(t − k)`. The last `test` rows (`round(test_fraction·rows)`) are held out; of the others
//! the first `warmup` (default `k_max`) are dropped, and a ridge readout with intercept
//! (penalty `ridge` on the weights, loss summed over samples) is fitted on the rest for all
//! delays at once. Then
//!
//! ```text
//! MC_k = corr²(u(t − k), ŷ_k(t))   over the held-out rows,      MC = Σ_k MC_k.
//! ```
//!
//! For i.i.d. input `MC <= N` (Jaeger 2001); a linear reservoir with orthogonal weights
//! comes close to `N` (White, Lee & Sompolinsky 2004).

use super::linear::squared_correlation;
use crate::PipelineError;
use lsm_core::{rng_for, stream, Real};
use lsm_readout::{Ridge, RidgeParams};
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array2, ArrayView2};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Options of the memory-capacity measurement (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryOptions {
    /// Largest delay `k_max`. Default 100. >= 1.
    pub k_max: usize,
    /// Series length `L`. Default `None`: `10·max(k_max, N)` for a reservoir of `N` state
    /// features (reservoirpy's `10·k_max`, but never fewer training rows than features).
    pub n_steps: Option<usize>,
    /// Fraction of the task rows held out for the correlation. Default 0.2. In (0, 1).
    pub test_fraction: Real,
    /// Training rows dropped at the start. Default `None`: `k_max`.
    pub warmup: Option<usize>,
    /// Ridge penalty of the readout. Default 1e-8.
    pub ridge: Real,
    /// Half-width `r` of the uniform input. Default 0.8.
    pub input_range: Real,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        Self {
            k_max: 100,
            n_steps: None,
            test_fraction: 0.2,
            warmup: None,
            ridge: 1e-8,
            input_range: 0.8,
        }
    }
}

fn bad(field: &str, msg: impl Into<String>) -> PipelineError {
    PipelineError::Config {
        field: format!("memory.{field}"),
        msg: msg.into(),
    }
}

impl MemoryOptions {
    /// The series length for a reservoir of `n_state` features.
    pub fn len_for(&self, n_state: usize) -> usize {
        self.n_steps
            .unwrap_or(self.k_max.max(n_state).saturating_mul(10))
    }

    /// Check the fields against each other and the series length; returns
    /// `(rows, train_start, train_end)`.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn layout(&self, len: usize) -> Result<(usize, usize, usize), PipelineError> {
        if self.k_max == 0 {
            return Err(bad("k_max", "expected at least 1 delay"));
        }
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return Err(bad("test_fraction", "expected a fraction in (0, 1)"));
        }
        if !(self.ridge.is_finite() && self.ridge >= 0.0) {
            return Err(bad("ridge", "expected a finite penalty >= 0"));
        }
        if !(self.input_range.is_finite() && self.input_range > 0.0) {
            return Err(bad("input_range", "expected a finite half-width > 0"));
        }
        let rows = len.saturating_sub(self.k_max);
        let test = (self.test_fraction * rows as Real).round() as usize;
        let warm = self.warmup.unwrap_or(self.k_max);
        let train_end = rows.saturating_sub(test);
        if test < 2 || train_end < warm + 2 {
            return Err(bad(
                "n_steps",
                format!(
                    "a series of {len} steps leaves {rows} rows after the {} delays: too few for \
                     a warm-up of {warm}, training rows and {test} held-out rows (use at least \
                     {} steps)",
                    self.k_max,
                    self.k_max
                        + warm
                        + 4
                        + ((warm + 4) as Real * self.test_fraction / (1.0 - self.test_fraction))
                            .ceil() as usize
                ),
            ));
        }
        Ok((rows, warm, train_end))
    }
}

/// The result: `MC_k` for `k = 1..=k_max` and their sum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryCapacity {
    /// `per_delay[k − 1] = MC_k`.
    pub per_delay: Vec<Real>,
    /// `Σ_k MC_k`.
    pub total: Real,
    /// Training rows used (after the warm-up).
    pub n_train: usize,
    /// Held-out rows.
    pub n_test: usize,
}

/// An i.i.d. uniform series on `[−range, range]` of `len` steps from
/// `rng_for(seed, stream::ANALYSIS)`.
pub fn iid_uniform(len: usize, range: Real, seed: u64) -> Vec<Real> {
    let mut rng = rng_for(seed, stream::ANALYSIS);
    (0..len).map(|_| rng.gen_range(-range..range)).collect()
}

/// Memory capacity from states already computed: `states` row `i` is the state after the
/// reservoir was driven by `u[k_max + i]` (so `states` has `u.len() − k_max` rows).
///
/// # Errors
/// [`PipelineError::Config`] for bad options, [`PipelineError::Dimension`] for a state
/// matrix of the wrong length, readout errors.
pub fn memory_capacity_of_states(
    states: ArrayView2<Real>,
    u: &[Real],
    opts: &MemoryOptions,
) -> Result<MemoryCapacity, PipelineError> {
    let (rows, warm, train_end) = opts.layout(u.len())?;
    if states.nrows() != rows {
        return Err(PipelineError::Dimension {
            stage: "memory capacity".into(),
            what: "state rows (series length - k_max)".into(),
            expected: rows,
            got: states.nrows(),
        });
    }
    let k_max = opts.k_max;
    let targets = Array2::from_shape_fn((rows, k_max), |(i, k)| u[i + k_max - (k + 1)]);
    let params = RidgeParams::new()
        .alpha(opts.ridge)
        .standardize(false)
        .check()?;
    let model = Ridge::fit_matrix(
        states.slice(s![warm..train_end, ..]),
        targets.slice(s![warm..train_end, ..]),
        &params,
    )?;
    let test_x = states.slice(s![train_end.., ..]);
    let pred = model.predict(test_x)?;
    let per_delay: Vec<Real> = (0..k_max)
        .map(|k| squared_correlation(pred.column(k), targets.slice(s![train_end.., k])))
        .collect();
    Ok(MemoryCapacity {
        total: per_delay.iter().sum(),
        per_delay,
        n_train: train_end - warm,
        n_test: rows - train_end,
    })
}

/// Memory capacity of a one-input reservoir on the series `u` (see the module docs); `seed`
/// seeds any noise of the reservoir's run (a spiking reservoir's encoder).
///
/// # Errors
/// As [`memory_capacity_of_states`]; [`PipelineError::Config`] if the reservoir does not
/// take exactly one input channel; the reservoir's errors.
pub fn memory_capacity(
    reservoir: &dyn SeriesReservoir,
    u: &[Real],
    opts: &MemoryOptions,
    seed: u64,
) -> Result<MemoryCapacity, PipelineError> {
    if reservoir.n_inputs() != 1 {
        return Err(bad(
            "reservoir",
            format!(
                "memory capacity drives one input channel; the reservoir has {}",
                reservoir.n_inputs()
            ),
        ));
    }
    opts.layout(u.len())?;
    let drive = Array2::from_shape_vec((u.len() - opts.k_max, 1), u[opts.k_max..].to_vec())
        .map_err(|e| PipelineError::Runtime(e.to_string()))?;
    let states = reservoir.states(drive.view(), seed)?;
    memory_capacity_of_states(states.view(), u, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    /// A delay line of `n` taps: state `i` at time t is `u(t − i)`. It remembers delays
    /// 1..n−1 exactly and nothing older: MC_k = 1 for k < n, 0 beyond (up to sampling noise).
    #[test]
    fn a_delay_line_remembers_exactly_its_length() {
        let n = 8;
        let opts = MemoryOptions {
            k_max: 12,
            n_steps: Some(3000),
            ..MemoryOptions::default()
        };
        let u = iid_uniform(opts.len_for(8), opts.input_range, 7);
        let rows = u.len() - opts.k_max;
        let states = Array2::from_shape_fn((rows, n), |(r, i)| u[r + opts.k_max - i]);
        let mc = memory_capacity_of_states(states.view(), &u, &opts).unwrap();
        for k in 1..n {
            assert!(
                mc.per_delay[k - 1] > 1.0 - 1e-9,
                "MC_{k} = {}",
                mc.per_delay[k - 1]
            );
        }
        for k in n..=opts.k_max {
            assert!(
                mc.per_delay[k - 1] < 0.02,
                "MC_{k} = {}",
                mc.per_delay[k - 1]
            );
        }
        assert!((mc.total - (n - 1) as Real).abs() < 0.1, "{}", mc.total);
    }

    /// A linear reservoir `x(t) = ρ·Q·x(t−1) + w·u(t)` with `Q` orthogonal (a cyclic
    /// permutation) and ρ close to 1 spreads its memory over N delays: MC close to N
    /// (White, Lee & Sompolinsky 2004), and never above N.
    #[test]
    fn a_linear_orthogonal_reservoir_reaches_nearly_n() {
        let n = 20;
        let rho: Real = 0.98;
        let opts = MemoryOptions {
            k_max: 3 * n,
            n_steps: Some(20_000),
            ..MemoryOptions::default()
        };
        let u = iid_uniform(opts.len_for(n), opts.input_range, 11);
        let w = Array1::from_shape_fn(n, |i| 1.0 + 0.1 * i as Real);
        let rows = u.len() - opts.k_max;
        let mut states = Array2::zeros((rows, n));
        let mut x = Array1::<Real>::zeros(n);
        for (r, &ut) in u[opts.k_max..].iter().enumerate() {
            let mut next = Array1::zeros(n);
            for i in 0..n {
                next[(i + 1) % n] = rho * x[i];
            }
            x = next + &(&w * ut);
            states.row_mut(r).assign(&x);
        }
        let mc = memory_capacity_of_states(states.view(), &u, &opts).unwrap();
        assert!(mc.total > 0.9 * n as Real, "MC = {}", mc.total);
        assert!(mc.total <= n as Real + 0.05, "MC = {}", mc.total);
    }

    #[test]
    fn too_short_a_series_names_the_field_and_the_length_needed() {
        let opts = MemoryOptions {
            k_max: 50,
            n_steps: Some(60),
            ..MemoryOptions::default()
        };
        let e = opts.layout(60).unwrap_err().to_string();
        assert!(
            e.contains("memory.n_steps") && e.contains("at least"),
            "{e}"
        );
        let e = MemoryOptions {
            test_fraction: 1.0,
            ..MemoryOptions::default()
        }
        .layout(1000)
        .unwrap_err()
        .to_string();
        assert!(e.contains("memory.test_fraction"), "{e}");
    }
}
