#![doc = include_str!("../README.md")]
//! # The crate
//!
//! Reservoir computing trains only a readout on a fixed liquid. This crate holds the two other
//! routes to a spiking network that learns, so that they can be compared with the liquid state
//! machine on the same data:
//!
//! * surrogate-gradient training (backpropagation through time with the spike's derivative
//!   replaced by a smooth surrogate);
//! * ANN-to-SNN conversion (a trained ReLU network turned into integrate-and-fire neurons with
//!   data-based weight normalisation).
//!
//! Both produce an ordinary lsm network ([`lsm_reservoir::NetworkSpec`]) that the simulator runs.

pub mod convert;
mod error;
pub mod surrogate;

pub use error::{LearnError, Result};
