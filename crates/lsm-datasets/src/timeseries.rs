//! Time series for prediction tasks: Mackey-Glass, NARMA-n, Lorenz, and users' CSV files.
//!
//! Every generator states its equation, its parameters (with defaults) and its integration
//! method here; the tests pin them against reference values (Mackey-Glass against
//! reservoirpy 0.4.2's generator, NARMA-10 against hand-computed values, Lorenz against an
//! independent high-accuracy integration).
//!
//! * [`MackeyGlass`]: the delay differential equation
//!   `dx/dt = a·x(t−τ) / (1 + x(t−τ)^n) − b·x(t)`, defaults τ = 17, a = 0.2, b = 0.1, n = 10,
//!   sampled every `h` = 1 time unit. Two integration methods, see [`MgMethod`].
//! * [`Narma`]: NARMA-n, `y(t+1) = α·y(t) + β·y(t)·Σ_{i=0}^{n−1} y(t−i) + γ·u(t−n+1)·u(t) + δ`
//!   with `u(t) ~ U[0, 0.5]` i.i.d.; NARMA-10 is `n = 10`, `(α, β, γ, δ) = (0.3, 0.05, 1.5, 0.1)`.
//! * [`Lorenz`]: `dx/dt = σ(y − x)`, `dy/dt = x(ρ − z) − y`, `dz/dt = xy − βz`, σ = 10,
//!   ρ = 28, β = 8/3, classical RK4 with `substeps` steps per sample of `dt`.
//! * [`TimeSeries::read_csv`]: a header row naming the variables, then one row per time step,
//!   one numeric column per variable.

use lsm_core::{rng_for, stream, Real};
use ndarray::{Array2, ArrayView1, Axis};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::error::DatasetError;

type Result<T> = std::result::Result<T, DatasetError>;

// ---------------------------------------------------------------------------------------------
// Mackey-Glass
// ---------------------------------------------------------------------------------------------

/// Integration method of [`MackeyGlass`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MgMethod {
    /// Bit-compatible with `reservoirpy.datasets.mackey_glass` (0.4.2), so that lsm and
    /// reservoirpy can be compared on the very same series. One update per sample, with the
    /// delayed value `x(t−τ)` held fixed over the step; with `f = a·x_τ/(1+x_τ^n)` and
    /// `c = −b·h` it computes
    /// `k1 = c·x + f`, `k2 = 2k1 + c·k1`, `k3 = 2k1 + c·k2`, `k4 = k1 + c·k3`,
    /// `x ← x + (k1 + k2 + k3 + k4)/6`.
    /// (This is reservoirpy's formula as written, not textbook RK4; the `f` term is not
    /// multiplied by `h`, so it is only meaningful for `h = 1`, the default.)
    ReservoirPy,
    /// Classical fourth-order Runge–Kutta with `substeps` steps per sample (step
    /// `δ = h/substeps`, which must divide τ). The delayed value at the half step is the cubic
    /// (4-point Lagrange) interpolation of the stored fine grid; the history between samples
    /// is linearly interpolated. The solution of a DDE has derivative jumps at multiples of τ
    /// (from the history's junction with `x0`), so the observed global order is two: the error
    /// is about 4e-5 at 10 substeps and divides by 4 per halving (pinned in the tests).
    Rk4,
}

/// The Mackey-Glass delay differential equation
/// `dx/dt = a·x(t−τ)/(1 + x(t−τ)^n) − b·x(t)`, sampled every `h`.
///
/// The history `x(t)` for `t ∈ [−τ, 0)` is `x0 + 0.2·(U − 0.5)` with `U ~ U[0, 1)` drawn from
/// `rng_for(seed, stream::DATA)` at each of the `⌊τ/h⌋` history samples (the same form as
/// reservoirpy), unless `history` is given; the first returned sample is `x0`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MackeyGlass {
    /// Delay τ (time units). Default 17 (mildly chaotic); 30 is the more chaotic classic. > 0.
    pub tau: Real,
    /// Production rate `a`. Default 0.2.
    pub a: Real,
    /// Decay rate `b`. Default 0.1.
    pub b: Real,
    /// Hill exponent `n`. Default 10.
    pub n: Real,
    /// Initial value `x(0)`. Default 1.2.
    pub x0: Real,
    /// Sampling interval (time units). Default 1.0.
    pub h: Real,
    /// Integration method. Default `reservoir-py` (see [`MgMethod`]).
    pub method: MgMethod,
    /// Integration steps per sample for [`MgMethod::Rk4`]. Default 10.
    pub substeps: usize,
    /// Explicit history (the most recent `⌊τ/h⌋` values are used, oldest first); `None`
    /// (default) draws it from the seed.
    pub history: Option<Vec<Real>>,
}

impl Default for MackeyGlass {
    fn default() -> Self {
        Self {
            tau: 17.0,
            a: 0.2,
            b: 0.1,
            n: 10.0,
            x0: 1.2,
            h: 1.0,
            method: MgMethod::ReservoirPy,
            substeps: 10,
            history: None,
        }
    }
}

impl MackeyGlass {
    /// Check the parameters.
    ///
    /// # Errors
    /// [`DatasetError::BadParam`] naming the field.
    pub fn check(&self) -> Result<()> {
        let bad = |field, msg: &str| {
            Err(DatasetError::BadParam {
                generator: "mackey_glass",
                field,
                msg: msg.to_string(),
            })
        };
        let fin = |v: Real| v.is_finite();
        if !(fin(self.tau) && self.tau >= self.h) {
            return bad("tau", "expected a finite delay >= h");
        }
        if !(fin(self.h) && self.h > 0.0) {
            return bad("h", "expected a finite sampling interval > 0");
        }
        if !(fin(self.a) && fin(self.b) && self.b >= 0.0) {
            return bad("b", "expected finite a and b >= 0");
        }
        if !(fin(self.n) && self.n > 0.0) {
            return bad("n", "expected a finite exponent > 0");
        }
        if !fin(self.x0) {
            return bad("x0", "expected a finite initial value");
        }
        if self.method == MgMethod::Rk4 {
            if self.substeps == 0 {
                return bad("substeps", "expected at least 1");
            }
            let per = self.tau / (self.h / self.substeps as Real);
            if (per - per.round()).abs() > 1e-9 || per < 2.5 {
                return bad(
                    "substeps",
                    "the integration step h/substeps must divide tau exactly (and be <= tau/3)",
                );
            }
        }
        if let Some(h) = &self.history {
            let need = (self.tau / self.h).floor() as usize;
            if h.len() < need {
                return bad(
                    "history",
                    &format!(
                        "expected at least floor(tau/h) = {need} values, found {}",
                        h.len()
                    ),
                );
            }
            if h.iter().any(|v| !v.is_finite()) {
                return bad("history", "expected finite values");
            }
        }
        Ok(())
    }

    fn hist(&self, seed: u64) -> Vec<Real> {
        let len = (self.tau / self.h).floor() as usize;
        match &self.history {
            Some(h) => h[h.len() - len..].to_vec(),
            None => {
                let mut rng = rng_for(seed, stream::DATA);
                (0..len)
                    .map(|_| self.x0 + 0.2 * (rng.gen::<Real>() - 0.5))
                    .collect()
            }
        }
    }

    /// Generate `n_steps` samples `x(0), x(h), …`.
    ///
    /// # Errors
    /// Bad parameters, or a non-finite value.
    pub fn generate(&self, n_steps: usize, seed: u64) -> Result<Vec<Real>> {
        self.check()?;
        let hist = self.hist(seed);
        let out = match self.method {
            MgMethod::ReservoirPy => self.gen_rpy(&hist, n_steps),
            MgMethod::Rk4 => self.gen_rk4(&hist, n_steps),
        };
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            return Err(DatasetError::Diverged {
                generator: "mackey_glass",
                step: i,
                hint: "check the parameters",
            });
        }
        Ok(out)
    }

    fn gen_rpy(&self, hist: &[Real], n_steps: usize) -> Vec<Real> {
        let hl = hist.len();
        let mut x = Vec::with_capacity(hl + n_steps);
        x.extend_from_slice(hist);
        let c = -self.b * self.h;
        let mut xt = self.x0;
        for i in hl..hl + n_steps {
            x.push(xt);
            let xtau = x[i - hl];
            let k1 = c * xt + self.a * xtau / (1.0 + xtau.powf(self.n));
            let k2 = 2.0 * k1 + c * k1;
            let k3 = 2.0 * k1 + c * k2;
            let k4 = k1 + c * k3;
            xt += (k1 + k2 + k3 + k4) / 6.0;
        }
        x.split_off(hl)
    }

    fn gen_rk4(&self, hist: &[Real], n_steps: usize) -> Vec<Real> {
        // Fine grid: step d = h/substeps; the delay is D = tau/d fine steps. The history is
        // given at the sample times; between samples it is linearly interpolated.
        let s = self.substeps;
        let d = self.h / s as Real;
        let delay = (self.tau / d).round() as usize;
        // Fine history covering t in [-tau - d, 0): index j <-> t = (j - delay - 1) * d.
        let hl = hist.len();
        let sample_at = |t: Real| -> Real {
            // history sample k is at time (k - hl) * h, k = 0..hl; time 0 is x0.
            let pos = t / self.h + hl as Real;
            let k = pos.floor() as isize;
            let fr = pos - k as Real;
            let get = |k: isize| -> Real {
                if k < 0 {
                    hist[0]
                } else if (k as usize) < hl {
                    hist[k as usize]
                } else {
                    self.x0
                }
            };
            get(k) * (1.0 - fr) + get(k + 1) * fr
        };
        let mut fine: Vec<Real> = Vec::with_capacity(delay + n_steps * s + 1);
        // One extra point before -tau for the cubic midpoint interpolation.
        for j in 0..=delay {
            fine.push(sample_at((j as Real - delay as Real - 1.0) * d));
        }
        fine.push(self.x0);
        let f = |x: Real, xt: Real| self.a * xt / (1.0 + xt.powf(self.n)) - self.b * x;
        let mut out = Vec::with_capacity(n_steps);
        out.push(self.x0);
        let mut x = self.x0;
        for _ in 1..n_steps {
            for _ in 0..s {
                let i = fine.len() - 1; // current index
                let d0 = fine[i - delay];
                let d1 = fine[i + 1 - delay];
                // Cubic (4-point Lagrange) midpoint: 4th order like RK4 itself.
                let dm = (9.0 * (d0 + d1) - fine[i - delay - 1] - fine[i + 2 - delay]) / 16.0;
                let k1 = f(x, d0);
                let k2 = f(x + 0.5 * d * k1, dm);
                let k3 = f(x + 0.5 * d * k2, dm);
                let k4 = f(x + d * k3, d1);
                x += d / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
                fine.push(x);
            }
            out.push(x);
        }
        out.truncate(n_steps);
        out
    }
}

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

// ---------------------------------------------------------------------------------------------
// A multivariate series and its CSV form
// ---------------------------------------------------------------------------------------------

/// A multivariate time series: `data` is time × variables, `names` the variable names.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    /// Variable names (CSV header).
    pub names: Vec<String>,
    /// Values, one row per time step.
    pub data: Array2<Real>,
    /// Where the series came from (file path or generator name), for error messages.
    pub source: String,
}

impl TimeSeries {
    /// Number of time steps.
    pub fn len(&self) -> usize {
        self.data.nrows()
    }
    /// True if there are no time steps.
    pub fn is_empty(&self) -> bool {
        self.data.nrows() == 0
    }
    /// Index of the column called `name`.
    ///
    /// # Errors
    /// [`DatasetError::SeriesCsv`] naming the source, the missing column and the available ones.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DatasetError::SeriesCsv {
                file: self.source.clone(),
                msg: format!(
                    "no column `{name}`; the header has columns {}",
                    self.names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
    /// The column called `name`.
    ///
    /// # Errors
    /// As [`TimeSeries::column_index`].
    pub fn column(&self, name: &str) -> Result<ArrayView1<'_, Real>> {
        let i = self.column_index(name)?;
        Ok(self.data.column(i))
    }

    /// Read a CSV file: a header row of variable names, then one row per step of numbers
    /// (comma-separated; blank lines, surrounding spaces and a leading UTF-8 byte-order mark
    /// ignored). Every value must be a finite number.
    ///
    /// # Errors
    /// [`DatasetError::SeriesCsv`] naming the file, the row (1-based line number) and the column
    /// for a missing header, an empty or duplicate column name, a row with the wrong number of
    /// fields, a non-numeric cell, or a NaN / infinite value; [`DatasetError::SeriesIo`] if the
    /// file cannot be read.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| DatasetError::SeriesIo {
            file: file.clone(),
            source: e,
        })?;
        Self::parse_csv(&text, &file)
    }

    /// Parse CSV text (see [`TimeSeries::read_csv`]); `file` names the source in errors.
    ///
    /// # Errors
    /// As [`TimeSeries::read_csv`].
    pub fn parse_csv(text: &str, file: &str) -> Result<Self> {
        let err = |msg: String| DatasetError::SeriesCsv {
            file: file.to_string(),
            msg,
        };
        let mut names: Option<Vec<String>> = None;
        let mut values: Vec<Real> = Vec::new();
        let mut rows = 0usize;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            match &names {
                None => {
                    let cols: Vec<String> = t
                        .split(',')
                        .map(|s| s.trim().trim_matches('"').to_string())
                        .collect();
                    for (j, c) in cols.iter().enumerate() {
                        if c.is_empty() {
                            return Err(err(format!(
                                "row {lineno} (header), column {}: empty column name",
                                j + 1
                            )));
                        }
                        if c.parse::<Real>().is_ok() {
                            return Err(err(format!(
                                "row {lineno}, column {}: expected a header of column names, found the number `{c}`",
                                j + 1
                            )));
                        }
                        if cols[..j].contains(c) {
                            return Err(err(format!(
                                "row {lineno} (header), column {}: duplicate column name `{c}`",
                                j + 1
                            )));
                        }
                    }
                    names = Some(cols);
                }
                Some(cols) => {
                    let mut k = 0;
                    for (j, cell) in t.split(',').enumerate() {
                        let cell = cell.trim();
                        let Some(cname) = cols.get(j) else {
                            return Err(err(format!(
                                "row {lineno}: expected {} fields as in the header, found more",
                                cols.len()
                            )));
                        };
                        let v: Real = cell.parse().map_err(|_| {
                            err(format!(
                                "row {lineno}, column `{cname}`: expected a number, found `{cell}`"
                            ))
                        })?;
                        if !v.is_finite() {
                            return Err(err(format!(
                                "row {lineno}, column `{cname}`: expected a finite number, found `{cell}`"
                            )));
                        }
                        values.push(v);
                        k += 1;
                    }
                    if k != cols.len() {
                        return Err(err(format!(
                            "row {lineno}: expected {} fields as in the header, found {k}",
                            cols.len()
                        )));
                    }
                    rows += 1;
                }
            }
        }
        let names =
            names.ok_or_else(|| err("empty file: expected a header row of column names".into()))?;
        let data = Array2::from_shape_vec((rows, names.len()), values)
            .map_err(|e| err(format!("internal shape error: {e}")))?;
        Ok(Self {
            names,
            data,
            source: file.to_string(),
        })
    }

    /// Write as CSV (header, then rows with round-trip precision).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_csv<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        writeln!(w, "{}", self.names.join(","))?;
        for row in self.data.axis_iter(Axis(0)) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narma_first_values_by_hand() {
        // order 2 so that the window is easy to follow by hand.
        let p = Narma {
            order: 2,
            ..Narma::default()
        };
        let u = [0.1, 0.2, 0.3, 0.4];
        let y = p.response(&u).unwrap();
        // y0 = 0; y1 = 0 (window not full); y(2) = 0.3*0 + 0.05*0*0 + 1.5*u0*u1 + 0.1
        assert_eq!(y[0], 0.0);
        assert_eq!(y[1], 0.0);
        assert!((y[2] - (1.5 * 0.1 * 0.2 + 0.1)).abs() < 1e-15);
        let y2 = y[2];
        let y3 = 0.3 * y2 + 0.05 * y2 * (y2 + 0.0) + 1.5 * 0.2 * 0.3 + 0.1;
        assert!((y[3] - y3).abs() < 1e-15);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_name() {
        let ts = TimeSeries::parse_csv("\u{feff}x,y\r\n1,2\r\n", "bom.csv").unwrap();
        assert_eq!(ts.names, ["x", "y"]);
        assert_eq!(ts.column("x").unwrap()[0], 1.0);
    }
}
