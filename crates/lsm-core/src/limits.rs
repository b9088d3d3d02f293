//! Cost limits: every size or duration that a file, a config or a flag declares is checked
//! against what it will cost *before* anything is allocated or run.
//!
//! The limits live here so that every crate checks the same numbers:
//!
//! | [`Limit`] | default | what it bounds |
//! |---|---|---|
//! | `neurons` | 1,000,000 | neurons of a network, units of an echo state network |
//! | `inputs` | 1,000,000 | input channels of a network, feature bands / spike channels |
//! | `synapses` | 50,000,000 | synapses of a network (declared, or expected from `n² p`), ESN weights |
//! | `steps` | 100,000,000 | time steps of one run (`duration / dt`) or of one encoded recording |
//! | `work` | 100,000,000,000 | neuron-steps of one command (`steps × neurons`, summed over samples and epochs) |
//! | `memory_bytes` | 1,073,741,824 (1 GiB) | one buffer sized by the input: recorded values (`steps × recorded neurons × 8` bytes for `--record-v`, bins, traces), the delay ring buffer (`delay steps × neurons × 16`), spike-train step index |
//! | `threads` | 4 × available cores | worker threads (`--threads`) |
//! | `audio_seconds` | 600 (10 min) | length of one recording, and of an analysis window |
//! | `sample_rate_hz` | 1,000,000 | sample rate of a recording or of the front end |
//! | `substeps` | 10,000 | Hodgkin-Huxley sub-steps per simulation step (`dt_ms / substep_ms`) |
//!
//! **Lifting a limit.** Every limit error names the limit and how to lift it:
//! * the CLI flag `--allow-large` (it calls [`allow_large`]) or the environment variable
//!   `LSM_ALLOW_LARGE=1` lifts every limit;
//! * `LSM_MAX_<NAME>=<value>` (e.g. `LSM_MAX_NEURONS=5000000`, `LSM_MAX_AUDIO_SECONDS=3600`)
//!   sets one limit.
//!
//! Conversions of times in ms to whole steps that do not fit at all (non-finite, or beyond
//! `2^52` steps, where a step count is no longer exact in floating point) are not limits but
//! errors in any case: see [`checked_steps`].
//!
//! ```
//! use lsm_core::limits::{check, Limit};
//! assert!(check(Limit::Neurons, 1000.0, "n_neurons").is_ok());
//! let e = check(Limit::Neurons, 1e9, "n_neurons").unwrap_err().to_string();
//! assert!(e.contains("n_neurons") && e.contains("1000000") && e.contains("--allow-large"), "{e}");
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// One cost limit; see the [module docs](self) for the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// Neurons of a network or units of an echo state network.
    Neurons,
    /// Input channels, feature bands, spike channels.
    Inputs,
    /// Synapses (declared or expected) of a network, weights of an ESN.
    Synapses,
    /// Time steps of one run or one encoded recording.
    Steps,
    /// Neuron-steps of one command.
    Work,
    /// Bytes of one buffer sized by the input (recordings, the delay ring).
    MemoryBytes,
    /// Worker threads.
    Threads,
    /// Seconds of one recording or analysis window.
    AudioSeconds,
    /// Sample rate in Hz.
    SampleRateHz,
    /// Hodgkin-Huxley sub-steps per step.
    Substeps,
}

impl Limit {
    /// Every limit.
    pub const ALL: [Limit; 10] = [
        Limit::Neurons,
        Limit::Inputs,
        Limit::Synapses,
        Limit::Steps,
        Limit::Work,
        Limit::MemoryBytes,
        Limit::Threads,
        Limit::AudioSeconds,
        Limit::SampleRateHz,
        Limit::Substeps,
    ];

    /// The name used in messages and in `LSM_MAX_<NAME>` (upper-cased).
    pub fn name(self) -> &'static str {
        match self {
            Limit::Neurons => "neurons",
            Limit::Inputs => "inputs",
            Limit::Synapses => "synapses",
            Limit::Steps => "steps",
            Limit::Work => "work",
            Limit::MemoryBytes => "memory_bytes",
            Limit::Threads => "threads",
            Limit::AudioSeconds => "audio_seconds",
            Limit::SampleRateHz => "sample_rate_hz",
            Limit::Substeps => "substeps",
        }
    }

    /// The unit of the limited amount, for messages.
    pub fn unit(self) -> &'static str {
        match self {
            Limit::Neurons => "neurons",
            Limit::Inputs => "channels",
            Limit::Synapses => "synapses",
            Limit::Steps => "steps",
            Limit::Work => "neuron-steps",
            Limit::MemoryBytes => "bytes",
            Limit::Threads => "threads",
            Limit::AudioSeconds => "s",
            Limit::SampleRateHz => "Hz",
            Limit::Substeps => "sub-steps per step",
        }
    }

    /// The built-in default (before `--allow-large` or `LSM_MAX_<NAME>`).
    pub fn default_value(self) -> f64 {
        match self {
            Limit::Neurons => 1e6,
            Limit::Inputs => 1e6,
            Limit::Synapses => 5e7,
            Limit::Steps => 1e8,
            Limit::Work => 1e11,
            Limit::MemoryBytes => (1u64 << 30) as f64,
            Limit::Threads => {
                4.0 * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
            }
            Limit::AudioSeconds => 600.0,
            Limit::SampleRateHz => 1e6,
            Limit::Substeps => 1e4,
        }
    }

    /// The environment variable that sets this limit, e.g. `LSM_MAX_NEURONS`.
    pub fn env_var(self) -> String {
        format!("LSM_MAX_{}", self.name().to_ascii_uppercase())
    }

    /// The limit in force: infinite when lifted ([`allow_large`], `LSM_ALLOW_LARGE`), else
    /// `LSM_MAX_<NAME>` when set to a number `>= 0`, else the default. The environment is
    /// read once, at the first check of the process (checks run once per simulated sample).
    pub fn value(self) -> f64 {
        if is_lifted() {
            return f64::INFINITY;
        }
        static FROM_ENV: OnceLock<Vec<f64>> = OnceLock::new();
        let values = FROM_ENV.get_or_init(|| {
            Limit::ALL
                .iter()
                .map(|l| {
                    std::env::var(l.env_var())
                        .ok()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .filter(|v| !v.is_nan() && *v >= 0.0)
                        .unwrap_or_else(|| l.default_value())
                })
                .collect()
        });
        let i = Limit::ALL.iter().position(|l| *l == self).expect("in ALL");
        values[i]
    }
}

/// A declared size or duration costs more than a limit allows.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{what}: {amount} {unit} is above the limit of {limit} {unit} ({name}); pass --allow-large \
     or set LSM_ALLOW_LARGE=1 (or {env}=<value>) to lift it",
    amount = fmt_num(*amount),
    unit = limit.unit(),
    limit = fmt_num(*value),
    name = limit.name(),
    env = limit.env_var()
)]
pub struct LimitError {
    /// Which limit.
    pub limit: Limit,
    /// What was too large, e.g. `n_neurons` or `--duration-ms 1e12 / dt_ms 0.1`.
    pub what: String,
    /// The estimated cost.
    pub amount: f64,
    /// The limit in force.
    pub value: f64,
}

/// A number for a message: integers below 1e18 in full, others with 4 significant digits
/// (`1e300` reads `1.0000e300`, not 301 digits).
///
/// ```
/// use lsm_core::limits::fmt_num;
/// assert_eq!(fmt_num(1e12), "1000000000000");
/// assert_eq!(fmt_num(1e300), "1.0000e300");
/// assert_eq!(fmt_num(0.25), "2.5000e-1");
/// ```
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e18 {
        format!("{}", x as i128)
    } else {
        format!("{x:.4e}")
    }
}

static LIFTED: AtomicBool = AtomicBool::new(false);

/// Lift (`true`) or restore (`false`) every limit for this process (the CLI's
/// `--allow-large`).
pub fn allow_large(yes: bool) {
    LIFTED.store(yes, Ordering::Relaxed);
}

/// Whether the limits are lifted: by [`allow_large`], or by `LSM_ALLOW_LARGE` set to anything
/// but empty, `0` or `false` (read once per process).
pub fn is_lifted() -> bool {
    static FROM_ENV: OnceLock<bool> = OnceLock::new();
    LIFTED.load(Ordering::Relaxed)
        || *FROM_ENV.get_or_init(|| {
            std::env::var("LSM_ALLOW_LARGE")
                .map(|v| !matches!(v.trim(), "" | "0" | "false"))
                .unwrap_or(false)
        })
}

/// Check an estimated `amount` (a cost computed in floating point, so it never overflows)
/// against `limit`; `what` names the field or flag in the error.
///
/// # Errors
/// [`LimitError`] when `amount` is above the limit in force or not a number.
pub fn check(limit: Limit, amount: f64, what: impl Into<String>) -> Result<(), LimitError> {
    let value = limit.value();
    if amount <= value {
        Ok(())
    } else {
        Err(LimitError {
            limit,
            what: what.into(),
            amount,
            value,
        })
    }
}

/// The largest step count that [`checked_steps`] accepts: `2^52`, beyond which step counts
/// (kept as `f64` in some hot loops) are no longer exact.
pub const MAX_EXACT_STEPS: f64 = 4_503_599_627_370_496.0;

/// A step count computed in floating point (`t_ms / dt_ms`, rounded by the caller) as an
/// integer, when it is finite, `>= 0` and at most [`MAX_EXACT_STEPS`]; `None` otherwise.
///
/// ```
/// use lsm_core::limits::checked_steps;
/// assert_eq!(checked_steps((2.0_f64 / 0.1).round()), Some(20));
/// assert_eq!(checked_steps(1e300 / 0.1), None);
/// assert_eq!(checked_steps(f64::NAN), None);
/// ```
pub fn checked_steps(steps: f64) -> Option<u64> {
    (steps.is_finite() && (0.0..=MAX_EXACT_STEPS).contains(&steps)).then_some(steps as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_has_a_positive_default_and_an_env_name() {
        for l in Limit::ALL {
            assert!(l.default_value() > 0.0, "{l:?}");
            assert!(l.env_var().starts_with("LSM_MAX_"), "{l:?}");
        }
        assert_eq!(Limit::MemoryBytes.env_var(), "LSM_MAX_MEMORY_BYTES");
    }

    #[test]
    fn message_names_the_field_the_limit_and_the_ways_to_lift_it() {
        let e = check(Limit::Synapses, 1e12, "topology.p").unwrap_err();
        let m = e.to_string();
        for want in [
            "topology.p",
            "1000000000000 synapses",
            "50000000 synapses",
            "--allow-large",
            "LSM_ALLOW_LARGE",
            "LSM_MAX_SYNAPSES",
        ] {
            assert!(m.contains(want), "{want} missing from {m}");
        }
        assert!(check(Limit::Synapses, f64::NAN, "x").is_err());
        assert!(check(Limit::Synapses, 5e7, "x").is_ok());
    }

    #[test]
    fn checked_steps_refuses_what_does_not_fit() {
        assert_eq!(checked_steps(0.0), Some(0));
        assert_eq!(checked_steps(MAX_EXACT_STEPS), Some(1 << 52));
        assert_eq!(checked_steps(MAX_EXACT_STEPS * 2.0), None);
        assert_eq!(checked_steps(-1.0), None);
        assert_eq!(checked_steps(f64::INFINITY), None);
    }
}
