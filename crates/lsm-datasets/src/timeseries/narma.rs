//! NARMA-n: the nonlinear autoregressive moving-average benchmark.

use lsm_core::{rng_for, stream, Real};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::DatasetError;

type Result<T> = std::result::Result<T, DatasetError>;

// ---------------------------------------------------------------------------------------------
// NARMA
// ---------------------------------------------------------------------------------------------

/// NARMA-n (nonlinear auto-regressive moving average), Atiya & Parlos 2000 / Jaeger 2003:
///
/// `y(t+1) = α·y(t) + β·y(t)·Σ_{i=0}^{n−1} y(t−i) + γ·u(t−n+1)·u(t) + δ`,
///
/// optionally passed through `tanh` (`saturate`, the usual fix that keeps NARMA-20 and
/// higher orders bounded). `y(t) = 0` for `t < n` (the first `n` outputs are zero), and
/// `u(t) ~ U[u_low, u_high]` i.i.d. from `rng_for(seed, stream::DATA)`.
///
/// The reservoir is driven by `u(t)` and must output `y(t+1)`. Note that reservoirpy's
/// `narma()` (0.4.2) differs: it defaults to order 30 with other coefficients and sums
/// `y(t−n..t−1)` with `u(t−n)`, one step earlier than this definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Narma {
    /// Order `n` (memory length). Default 10. >= 1.
    pub order: usize,
    /// α. Default 0.3.
    pub alpha: Real,
    /// β. Default 0.05.
    pub beta: Real,
    /// γ. Default 1.5.
    pub gamma: Real,
    /// δ. Default 0.1.
    pub delta: Real,
    /// Lower bound of the uniform input. Default 0.0.
    pub u_low: Real,
    /// Upper bound of the uniform input. Default 0.5.
    pub u_high: Real,
    /// Apply `tanh` to the update. Default false.
    pub saturate: bool,
}

impl Default for Narma {
    fn default() -> Self {
        Self {
            order: 10,
            alpha: 0.3,
            beta: 0.05,
            gamma: 1.5,
            delta: 0.1,
            u_low: 0.0,
            u_high: 0.5,
            saturate: false,
        }
    }
}

impl Narma {
    /// Check the parameters.
    ///
    /// # Errors
    /// [`DatasetError::BadParam`] naming the field.
    pub fn check(&self) -> Result<()> {
        let bad = |field, msg: &str| {
            Err(DatasetError::BadParam {
                generator: "narma",
                field,
                msg: msg.to_string(),
            })
        };
        if self.order == 0 {
            return bad("order", "expected an order >= 1");
        }
        for (f, v) in [
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("gamma", self.gamma),
            ("delta", self.delta),
        ] {
            if !v.is_finite() {
                return bad(f, "expected a finite number");
            }
        }
        if !(self.u_low.is_finite() && self.u_high.is_finite() && self.u_low <= self.u_high) {
            return bad("u_high", "expected finite bounds with u_low <= u_high");
        }
        Ok(())
    }

    /// The output `y(0..T)` for a given input `u(0..T)`: `y[t]` is `y(t)`, so the target of
    /// the reservoir at step `t` is `y[t + 1]`.
    ///
    /// # Errors
    /// Bad parameters or divergence.
    pub fn response(&self, u: &[Real]) -> Result<Vec<Real>> {
        self.check()?;
        let n = self.order;
        let t_len = u.len();
        let mut y = vec![0.0; t_len];
        // Running sum of y(t-n+1..=t).
        let mut sum = 0.0;
        for t in 0..t_len.saturating_sub(1) {
            sum += y[t];
            if t >= n {
                sum -= y[t - n];
            }
            if t + 1 < n {
                continue; // y(t+1) = 0 until a full window of input exists
            }
            let mut v = self.alpha * y[t]
                + self.beta * y[t] * sum
                + self.gamma * u[t + 1 - n] * u[t]
                + self.delta;
            if self.saturate {
                v = v.tanh();
            }
            if !v.is_finite() || v.abs() > 1e6 {
                return Err(DatasetError::Diverged {
                    generator: "narma",
                    step: t + 1,
                    hint: "use a smaller input range or `saturate: true`",
                });
            }
            y[t + 1] = v;
        }
        Ok(y)
    }

    /// Draw `n_steps` inputs and their response: `(u, y)`.
    ///
    /// # Errors
    /// Bad parameters or divergence.
    pub fn generate(&self, n_steps: usize, seed: u64) -> Result<(Vec<Real>, Vec<Real>)> {
        self.check()?;
        let mut rng = rng_for(seed, stream::DATA);
        let w = self.u_high - self.u_low;
        let u: Vec<Real> = (0..n_steps)
            .map(|_| self.u_low + w * rng.gen::<Real>())
            .collect();
        let y = self.response(&u)?;
        Ok((u, y))
    }
}
