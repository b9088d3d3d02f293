//! Rust errors as Python exceptions, panics kept on the Rust side, the thread pool and the
//! released GIL around long calls.

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use std::error::Error as StdError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

// The exception classes are defined in Python (python/lsm/_errors.py) so that each can also
// derive from the matching built-in (ValueError, OSError, RuntimeError); these types import
// them lazily, so an error can be made without the GIL.
pyo3::import_exception!(lsm._errors, ConfigError);
pyo3::import_exception!(lsm._errors, DataError);
pyo3::import_exception!(lsm._errors, FileError);
pyo3::import_exception!(lsm._errors, InternalError);

/// The error and its causes, `outer: inner: innermost`.
pub fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let m = x.to_string();
        if !s.ends_with(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = x.source();
    }
    s
}

/// Which exception an error chain becomes.
fn kind(e: &(dyn StdError + 'static)) -> Kind {
    use lsm_pipeline::PipelineError as P;
    use lsm_reservoir::ReservoirError as R;
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    let mut found = Kind::Data;
    while let Some(x) = cur {
        if x.downcast_ref::<std::io::Error>().is_some() {
            return Kind::File;
        }
        if let Some(p) = x.downcast_ref::<P>() {
            match p {
                P::Config { .. } | P::Space { .. } | P::SpaceValue { .. } => found = Kind::Config,
                P::Format { .. } | P::Corrupted { .. } | P::NewerVersion { .. } => {
                    return Kind::File
                }
                P::Io { .. } => return Kind::File,
                _ => {}
            }
        }
        if let Some(r) = x.downcast_ref::<R>() {
            match r {
                R::Config { .. } | R::Field { .. } => found = Kind::Config,
                R::Io { .. } => return Kind::File,
                _ => {}
            }
        }
        if let Some(lsm_encoding::EncodingError::InvalidConfig { .. }) =
            x.downcast_ref::<lsm_encoding::EncodingError>()
        {
            found = Kind::Config;
        }
        if let Some(lsm_readout::ReadoutError::InvalidParam { .. }) =
            x.downcast_ref::<lsm_readout::ReadoutError>()
        {
            found = Kind::Config;
        }
        cur = x.source();
    }
    found
}

enum Kind {
    Config,
    Data,
    File,
}

/// A Rust error as the matching Python exception.
pub fn to_py(e: &(dyn StdError + 'static)) -> PyErr {
    let msg = chain(e);
    match kind(e) {
        Kind::Config => ConfigError::new_err(msg),
        Kind::Data => DataError::new_err(msg),
        Kind::File => FileError::new_err(msg),
    }
}

/// Shorthand: map a Rust result into a Python one.
pub trait IntoPy<T> {
    /// The result, its error converted by [`to_py`].
    fn py_err(self) -> PyResult<T>;
    /// The result, its error a [`ConfigError`] whatever its kind (for the parsing of a config
    /// the caller gave).
    fn config_err(self) -> PyResult<T>;
}

impl<T, E: StdError + 'static> IntoPy<T> for Result<T, E> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| to_py(&e))
    }
    fn config_err(self) -> PyResult<T> {
        self.map_err(|e| match kind(&e) {
            Kind::File => to_py(&e),
            _ => ConfigError::new_err(chain(&e)),
        })
    }
}

/// A [`DataError`] with `msg`.
pub fn data_err(msg: impl Into<String>) -> PyErr {
    DataError::new_err(msg.into())
}

/// A [`ConfigError`] with `msg`.
pub fn config_err(msg: impl Into<String>) -> PyErr {
    ConfigError::new_err(msg.into())
}

/// A flag a long computation polls (through [`Cancel::progress`]) to stop when the user
/// presses Ctrl-C.
#[derive(Default)]
pub struct Cancel(AtomicBool);

/// The unwinding payload of a cancelled computation (not a panic: no hook runs).
struct Cancelled;

impl Cancel {
    /// Stop the computation (by unwinding to [`run`]) if the user pressed Ctrl-C.
    pub fn check(&self) {
        self.progress().check();
    }

    /// Progress hooks that stop the computation (by unwinding to [`run`]) once cancelled.
    pub fn progress(&self) -> CancelProgress<'_> {
        CancelProgress(&self.0)
    }
}

/// See [`Cancel::progress`].
pub struct CancelProgress<'a>(&'a AtomicBool);

impl lsm_pipeline::Progress for CancelProgress<'_> {
    fn start(&self, _stage: &str, _total: u64) {
        self.check();
    }
    fn inc(&self, _n: u64) {
        self.check();
    }
}

impl CancelProgress<'_> {
    fn check(&self) {
        if self.0.load(Ordering::Relaxed) {
            // resume_unwind: no panic hook, no message; `run` turns it into KeyboardInterrupt.
            std::panic::resume_unwind(Box::new(Cancelled));
        }
    }
}

/// Run `f` without the GIL, on a pool of `n_threads` threads (the global pool if `None`).
/// Meanwhile the calling thread checks for Ctrl-C every 50 ms; on Ctrl-C the computation is
/// cancelled at its next progress tick and `KeyboardInterrupt` is raised. A panic becomes an
/// [`InternalError`].
pub fn run<T, F>(py: Python<'_>, n_threads: Option<usize>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Cancel) -> PyResult<T> + Send,
{
    let pool = match n_threads {
        None => None,
        Some(0) => return Err(config_err("n_threads: expected at least 1")),
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| InternalError::new_err(format!("could not start {n} threads: {e}")))?,
        ),
    };
    let cancel = Cancel::default();
    let (out, interrupt) = py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            let cancel = &cancel;
            s.spawn(move || {
                let body = || catch_unwind(AssertUnwindSafe(|| f(cancel)));
                let r = match &pool {
                    None => body(),
                    Some(p) => p.install(body),
                };
                let _ = tx.send(r);
            });
            let mut interrupt = None;
            loop {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(r) => return (Some(r), interrupt),
                    Err(RecvTimeoutError::Disconnected) => return (None, interrupt),
                    Err(RecvTimeoutError::Timeout) => {
                        if interrupt.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                cancel.0.store(true, Ordering::Relaxed);
                                interrupt = Some(e);
                            }
                        }
                    }
                }
            }
        })
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    match out {
        Some(Ok(r)) => r,
        Some(Err(p)) if p.is::<Cancelled>() => Err(PyKeyboardInterrupt::new_err("interrupted")),
        Some(Err(p)) => Err(InternalError::new_err(format!(
            "internal error (a Rust panic; please report it): {}",
            panic_message(p)
        ))),
        None => Err(InternalError::new_err(
            "the computation's thread ended without a result",
        )),
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}
