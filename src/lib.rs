//! # lsm: liquid state machines in Rust
//!
//! The facade crate: re-exports the workspace's crates under one name.
//!
//! signal (WAV audio, time series) → [`encoding`] (rate, latency, delta, BSA; cochlear
//! filterbanks) → spike trains ([`SpikeTrains`]) → [`reservoir`] (random recurrent spiking
//! network, or an echo state network) → state features → [`readout`] (ridge / logistic) →
//! prediction; [`pipeline`] chains them and saves models; [`datasets`] loads FSDD-style folders
//! and generates Mackey-Glass, NARMA and Lorenz series.
#![warn(missing_docs)]

pub use lsm_core::*;
pub use lsm_datasets as datasets;
pub use lsm_encoding as encoding;
pub use lsm_pipeline as pipeline;
pub use lsm_readout as readout;
pub use lsm_reservoir as reservoir;
