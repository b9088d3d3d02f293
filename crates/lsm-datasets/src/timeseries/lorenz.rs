//! The Lorenz system, integrated with classical RK4.

use lsm_core::Real;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::DatasetError;

type Result<T> = std::result::Result<T, DatasetError>;

// ---------------------------------------------------------------------------------------------
// Lorenz
// ---------------------------------------------------------------------------------------------

/// The Lorenz (1963) system `dx/dt = σ(y − x)`, `dy/dt = x(ρ − z) − y`, `dz/dt = xy − βz`,
/// integrated with classical RK4 at step `dt/substeps`, sampled every `dt`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lorenz {
    /// σ. Default 10.
    pub sigma: Real,
    /// ρ. Default 28.
    pub rho: Real,
    /// β. Default 8/3.
    pub beta: Real,
    /// Sampling interval (time units). Default 0.02.
    pub dt: Real,
    /// RK4 steps per sample. Default 4 (step 0.005).
    pub substeps: usize,
    /// Initial state `(x, y, z)`. Default (1, 1, 1).
    pub x0: [Real; 3],
}

impl Default for Lorenz {
    fn default() -> Self {
        Self {
            sigma: 10.0,
            rho: 28.0,
            beta: 8.0 / 3.0,
            dt: 0.02,
            substeps: 4,
            x0: [1.0, 1.0, 1.0],
        }
    }
}

impl Lorenz {
    /// Check the parameters.
    ///
    /// # Errors
    /// [`DatasetError::BadParam`] naming the field.
    pub fn check(&self) -> Result<()> {
        let bad = |field, msg: &str| {
            Err(DatasetError::BadParam {
                generator: "lorenz",
                field,
                msg: msg.to_string(),
            })
        };
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return bad("dt", "expected a finite step > 0");
        }
        if self.substeps == 0 {
            return bad("substeps", "expected at least 1");
        }
        if ![self.sigma, self.rho, self.beta]
            .iter()
            .all(|v| v.is_finite())
            || !self.x0.iter().all(|v| v.is_finite())
        {
            return bad("sigma", "expected finite sigma, rho, beta and x0");
        }
        Ok(())
    }

    fn deriv(&self, s: [Real; 3]) -> [Real; 3] {
        [
            self.sigma * (s[1] - s[0]),
            s[0] * (self.rho - s[2]) - s[1],
            s[0] * s[1] - self.beta * s[2],
        ]
    }

    /// Generate `n_steps` samples (rows `[x, y, z]`), the first being `x0`.
    ///
    /// # Errors
    /// Bad parameters or divergence.
    pub fn generate(&self, n_steps: usize) -> Result<Array2<Real>> {
        self.check()?;
        let mut out = Array2::zeros((n_steps, 3));
        let mut s = self.x0;
        let h = self.dt / self.substeps as Real;
        let add = |a: [Real; 3], k: [Real; 3], c: Real| {
            [a[0] + c * k[0], a[1] + c * k[1], a[2] + c * k[2]]
        };
        for t in 0..n_steps {
            for c in 0..3 {
                out[[t, c]] = s[c];
            }
            if !s.iter().all(|v| v.is_finite()) {
                return Err(DatasetError::Diverged {
                    generator: "lorenz",
                    step: t,
                    hint: "use a smaller dt or more substeps",
                });
            }
            for _ in 0..self.substeps {
                let k1 = self.deriv(s);
                let k2 = self.deriv(add(s, k1, 0.5 * h));
                let k3 = self.deriv(add(s, k2, 0.5 * h));
                let k4 = self.deriv(add(s, k3, h));
                for c in 0..3 {
                    s[c] += h / 6.0 * (k1[c] + 2.0 * k2[c] + 2.0 * k3[c] + k4[c]);
                }
            }
        }
        Ok(out)
    }
}
