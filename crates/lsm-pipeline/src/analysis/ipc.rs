//! Information processing capacity (Dambre, Verstraeten, Schrauwen & Massar 2012), split by
//! polynomial degree.
//!
//! # Definition
//! The input is i.i.d. uniform on `[−1, 1]` (`rng_for(seed, stream::ANALYSIS)`), `L` steps,
//! the first `washout` state rows dropped. For every monomial of degree `d` in the delayed
//! inputs, i.e. a multiset of delays `0 <= k < D_d` with multiplicities `n_k` summing to `d`,
//! the target is the product of Legendre polynomials
//!
//! ```text
//! y(t) = Π_k P_{n_k}(u(t − k))
//! ```
//!
//! (orthogonal for uniform input), and its capacity is the in-sample `R²` of the best linear
//! fit of `y` on the states with an intercept, `C[y] = ‖P y_c‖² / ‖y_c‖²`
//! ([`super::linear::StateSpan`]). For orthogonal targets the capacities sum to at most the
//! rank of the states (at most `N`); a linear reservoir has all of it at degree 1.
//!
//! A finite sample gives every target a positive capacity of about `N / T` by chance
//! (`T·C` of an unrelated target is roughly `χ²` with `N` degrees of freedom), so capacities
//! below `q_{χ²_N}(1 − p) / T` are set to 0 (Dambre et al.'s threshold; `p = 1e-4` by
//! default). Delays start at 0: the state at time `t` has seen `u(t)`.

use super::linear::{chi2_upper_quantile, StateSpan};
use super::memory::iid_uniform;
use crate::PipelineError;
use lsm_core::Real;
use lsm_reservoir::SeriesReservoir;
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Options of the capacity measurement (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IpcOptions {
    /// Series length `L`. Default 10,000.
    pub n_steps: usize,
    /// State rows dropped at the start (>= every `max_delay`). Default 200.
    pub washout: usize,
    /// `D_d`: the delays of degree `d = 1, 2, …` range over `0..D_d`; the length is the
    /// largest degree. Default `[200, 20, 10]` (degrees 1 to 3: 200, 210 and 220 targets).
    pub max_delay: Vec<usize>,
    /// False-positive level `p` of the threshold. Default 1e-4. In (0, 1).
    pub p_value: Real,
}

impl Default for IpcOptions {
    fn default() -> Self {
        Self {
            n_steps: 10_000,
            washout: 200,
            max_delay: vec![200, 20, 10],
            p_value: 1e-4,
        }
    }
}

/// One target with a capacity above the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// `(delay, power)` pairs of the monomial.
    pub factors: Vec<(usize, usize)>,
    /// Its capacity.
    pub capacity: Real,
}

/// Capacities of one degree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DegreeCapacity {
    /// The degree `d`.
    pub degree: usize,
    /// Targets tried.
    pub n_targets: usize,
    /// Sum of the capacities above the threshold.
    pub total: Real,
    /// The targets above the threshold, largest first (at most 50).
    pub top: Vec<Term>,
}

/// The result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ipc {
    /// One entry per degree, from 1.
    pub by_degree: Vec<DegreeCapacity>,
    /// Sum over degrees.
    pub total: Real,
    /// Rank of the state matrix (the bound on `total`).
    pub rank: usize,
    /// The threshold applied to every capacity.
    pub threshold: Real,
    /// Rows used.
    pub n_samples: usize,
}

fn bad(field: &str, msg: impl Into<String>) -> PipelineError {
    PipelineError::Config {
        field: format!("ipc.{field}"),
        msg: msg.into(),
    }
}

impl IpcOptions {
    /// Check the options.
    ///
    /// # Errors
    /// [`PipelineError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if self.max_delay.is_empty() || self.max_delay.len() > 6 {
            return Err(bad(
                "max_delay",
                "expected one delay range per degree, 1 to 6 degrees",
            ));
        }
        if let Some(d) = self.max_delay.iter().position(|&d| d == 0) {
            return Err(bad(
                "max_delay",
                format!("degree {} has no delay (expected >= 1)", d + 1),
            ));
        }
        let dmax = self.max_delay.iter().copied().max().unwrap_or(0);
        if self.washout < dmax {
            return Err(bad(
                "washout",
                format!("expected at least the largest delay range ({dmax})"),
            ));
        }
        if self.n_steps < self.washout + 10 {
            return Err(bad(
                "n_steps",
                format!(
                    "expected more than the washout + 10 ({})",
                    self.washout + 10
                ),
            ));
        }
        if !(self.p_value > 0.0 && self.p_value < 1.0) {
            return Err(bad("p_value", "expected a probability in (0, 1)"));
        }
        let targets: Real = self.monomial_counts().iter().map(|&c| c as Real).sum();
        lsm_core::limits::check(
            lsm_core::limits::Limit::Work,
            targets * self.n_steps as Real,
            "ipc: targets x n_steps (reduce ipc.max_delay or ipc.n_steps)",
        )
        .map_err(|e| bad("max_delay", e.to_string()))?;
        Ok(())
    }

    /// Number of monomials of each degree, `C(D_d + d − 1, d)`.
    pub fn monomial_counts(&self) -> Vec<usize> {
        self.max_delay
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let deg = i + 1;
                let mut c: Real = 1.0;
                for j in 0..deg {
                    c = c * (d + j) as Real / (j + 1) as Real;
                }
                c.round().min(usize::MAX as Real) as usize
            })
            .collect()
    }
}

/// Legendre polynomial `P_n(x)` by the three-term recurrence.
pub fn legendre(n: usize, x: Real) -> Real {
    let (mut p0, mut p1) = (1.0, x);
    if n == 0 {
        return p0;
    }
    for k in 1..n {
        let p2 = ((2 * k + 1) as Real * x * p1 - k as Real * p0) / (k + 1) as Real;
        p0 = p1;
        p1 = p2;
    }
    p1
}

/// The monomials of degree `deg` over delays `0..d`: non-decreasing delay sequences, grouped
/// into `(delay, power)`.
fn monomials(deg: usize, d: usize) -> Vec<Vec<(usize, usize)>> {
    fn rec(
        deg: usize,
        d: usize,
        from: usize,
        cur: &mut Vec<usize>,
        out: &mut Vec<Vec<(usize, usize)>>,
    ) {
        if cur.len() == deg {
            let mut f: Vec<(usize, usize)> = Vec::new();
            for &k in cur.iter() {
                match f.last_mut() {
                    Some((dk, p)) if *dk == k => *p += 1,
                    _ => f.push((k, 1)),
                }
            }
            out.push(f);
            return;
        }
        for k in from..d {
            cur.push(k);
            rec(deg, d, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    rec(deg, d, 0, &mut Vec::new(), &mut out);
    out
}

/// Capacities from states already computed: `states` row `t` is the state after the input
/// `u[t]` (same length as `u`).
///
/// # Errors
/// Bad options; [`PipelineError::Dimension`] for states of another length; linear-algebra
/// errors.
pub fn ipc_of_states(
    states: ArrayView2<Real>,
    u: &[Real],
    opts: &IpcOptions,
) -> Result<Ipc, PipelineError> {
    opts.validate()?;
    if states.nrows() != u.len() {
        return Err(PipelineError::Dimension {
            stage: "information processing capacity".into(),
            what: "state rows (one per input step)".into(),
            expected: u.len(),
            got: states.nrows(),
        });
    }
    let w = opts.washout;
    let span = StateSpan::new(states.slice(s![w.., ..]))?;
    let t = span.n_samples();
    let threshold = chi2_upper_quantile(span.rank(), opts.p_value) / t as Real;
    let mut by_degree = Vec::new();
    for (i, &d) in opts.max_delay.iter().enumerate() {
        let deg = i + 1;
        let monos = monomials(deg, d);
        let mut terms = Vec::new();
        let mut total = 0.0;
        // Targets in blocks of 64 columns (bounded memory whatever the count).
        for block in monos.chunks(64) {
            let y = Array2::from_shape_fn((t, block.len()), |(r, j)| {
                block[j]
                    .iter()
                    .map(|&(k, p)| legendre(p, u[w + r - k]))
                    .product::<Real>()
            });
            for (f, c) in block.iter().zip(span.capacities(y.view())?) {
                if c > threshold {
                    total += c;
                    terms.push(Term {
                        factors: f.clone(),
                        capacity: c,
                    });
                }
            }
        }
        terms.sort_by(|a, b| b.capacity.total_cmp(&a.capacity));
        terms.truncate(50);
        by_degree.push(DegreeCapacity {
            degree: deg,
            n_targets: monos.len(),
            total,
            top: terms,
        });
    }
    Ok(Ipc {
        total: by_degree.iter().map(|d| d.total).sum(),
        by_degree,
        rank: span.rank(),
        threshold,
        n_samples: t,
    })
}

/// Capacities of a one-input reservoir (see the module docs).
///
/// # Errors
/// As [`ipc_of_states`]; [`PipelineError::Config`] if the reservoir does not take exactly
/// one input; the reservoir's errors.
pub fn ipc(
    reservoir: &dyn SeriesReservoir,
    opts: &IpcOptions,
    seed: u64,
) -> Result<Ipc, PipelineError> {
    opts.validate()?;
    if reservoir.n_inputs() != 1 {
        return Err(bad(
            "reservoir",
            format!(
                "the capacity drives one input channel; the reservoir has {}",
                reservoir.n_inputs()
            ),
        ));
    }
    let u = iid_uniform(opts.n_steps, 1.0, seed);
    let drive = Array2::from_shape_vec((u.len(), 1), u.clone())
        .map_err(|e| PipelineError::Runtime(e.to_string()))?;
    let states = reservoir.states(drive.view(), seed)?;
    ipc_of_states(states.view(), &u, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legendre_polynomials_match_their_closed_forms() {
        for &x in &[-1.0, -0.3, 0.0, 0.5, 1.0] {
            assert!((legendre(2, x) - (3.0 * x * x - 1.0) / 2.0).abs() < 1e-14);
            assert!((legendre(3, x) - (5.0 * x * x * x - 3.0 * x) / 2.0).abs() < 1e-14);
        }
        assert_eq!(legendre(4, 1.0), 1.0);
    }

    #[test]
    fn monomials_are_the_multisets_of_delays() {
        let opts = IpcOptions {
            max_delay: vec![5, 4, 3],
            ..IpcOptions::default()
        };
        assert_eq!(opts.monomial_counts(), vec![5, 10, 10]);
        for (deg, d) in [(1, 5), (2, 4), (3, 3)] {
            let m = monomials(deg, d);
            assert_eq!(m.len(), opts.monomial_counts()[deg - 1]);
            for f in &m {
                assert_eq!(f.iter().map(|x| x.1).sum::<usize>(), deg);
            }
        }
        assert!(monomials(2, 4).contains(&vec![(1, 2)]));
        assert!(monomials(3, 3).contains(&vec![(0, 1), (2, 2)]));
    }

    /// States that hold exactly `u(t)`, `u(t−1)`, `P2(u(t−2))` and `u(t)·u(t−3)`: capacity 2 at
    /// degree 1, 2 at degree 2 (the two targets it holds, exactly), 0 at degree 3, total 4 =
    /// the rank.
    #[test]
    fn known_features_give_known_capacities() {
        let opts = IpcOptions {
            n_steps: 4000,
            washout: 10,
            max_delay: vec![10, 6, 4],
            ..IpcOptions::default()
        };
        let u = iid_uniform(opts.n_steps, 1.0, 3);
        let states = Array2::from_shape_fn((u.len(), 4), |(t, j)| {
            let at = |k: usize| if t >= k { u[t - k] } else { 0.0 };
            match j {
                0 => at(0),
                1 => at(1),
                2 => legendre(2, at(2)),
                _ => at(0) * at(3),
            }
        });
        let r = ipc_of_states(states.view(), &u, &opts).unwrap();
        assert_eq!(r.rank, 4);
        let d = |k: usize| r.by_degree[k - 1].total;
        assert!((d(1) - 2.0).abs() < 0.02, "degree 1: {}", d(1));
        assert!((d(2) - 2.0).abs() < 0.02, "degree 2: {}", d(2));
        assert!(d(3) < 0.02, "degree 3: {}", d(3));
        assert!(r.total <= 4.0 + 1e-9);
        let top2 = &r.by_degree[1].top;
        assert!(top2[..2].iter().any(|t| t.factors == vec![(2, 2)]));
        assert!(top2[..2].iter().any(|t| t.factors == vec![(0, 1), (3, 1)]));
    }

    /// A linear reservoir (cyclic orthogonal matrix, ρ = 0.9): all capacity at degree 1, equal
    /// to N; none at degrees 2 and 3.
    #[test]
    fn a_linear_reservoir_has_capacity_n_at_degree_one_only() {
        let n = 10;
        let opts = IpcOptions {
            n_steps: 6000,
            washout: 200,
            max_delay: vec![200, 10, 6],
            ..IpcOptions::default()
        };
        let u = iid_uniform(opts.n_steps, 1.0, 5);
        let mut states = Array2::zeros((u.len(), n));
        let mut x = vec![0.0; n];
        for (t, &ut) in u.iter().enumerate() {
            let mut next = vec![0.0; n];
            for i in 0..n {
                next[(i + 1) % n] = 0.9 * x[i];
            }
            for (i, v) in next.iter_mut().enumerate() {
                *v += (1.0 + 0.3 * i as Real) * ut;
            }
            x = next;
            states.row_mut(t).assign(&ndarray::ArrayView1::from(&x));
        }
        let r = ipc_of_states(states.view(), &u, &opts).unwrap();
        let d1 = r.by_degree[0].total;
        assert!((d1 - n as Real).abs() < 0.1, "degree 1: {d1}");
        assert!(
            r.by_degree[1].total < 0.05 && r.by_degree[2].total < 0.05,
            "{r:?}"
        );
    }

    #[test]
    fn bad_options_name_the_field() {
        let e = IpcOptions {
            washout: 5,
            ..IpcOptions::default()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("ipc.washout"), "{e}");
        let e = IpcOptions {
            max_delay: vec![10, 0],
            ..IpcOptions::default()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("ipc.max_delay") && e.contains("degree 2"), "{e}");
    }
}
