//! One module per group of subcommands.
pub mod bench;
pub mod encode;
pub mod pipeline;
pub mod simulate;
pub mod timeseries;
