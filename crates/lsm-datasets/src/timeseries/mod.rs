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

mod lorenz;
mod mackey_glass;
mod narma;
mod series;
#[cfg(test)]
mod tests;

pub use lorenz::*;
pub use mackey_glass::*;
pub use narma::*;
pub use series::*;
