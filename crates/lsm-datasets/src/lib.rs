//! Datasets of lsm: labelled audio collections (listed and labelled here, read by
//! lsm-encoding) and time series for prediction tasks.
//!
//! * [`AudioDataset`]: a folder of WAV files named `{label}_{speaker}_{take}.wav` (the layout
//!   of the Free Spoken Digit Dataset, FSDD), or any labelled WAV files listed in a CSV file
//!   with the header `path,label` (optional `speaker`, `split` columns). Splits: FSDD's official
//!   rule (`test` = takes 0–4, `train` = takes ≥ 5), `all`, and held-out speakers.
//!   Each [`Item`] has a stable `id` (its position in the sorted file list), so per-sample
//!   random streams never depend on the split or on processing order.
//! * [`timeseries`]: Mackey-Glass, NARMA-n, Lorenz and CSV time series.
//!
//! This crate never decodes audio.
#![warn(missing_docs)]

mod audio;
mod csvlist;
mod error;
pub mod timeseries;

pub use audio::{classes, speaker_folds, AudioDataset, Item, Skipped, SourceKind, Split};
pub use error::{DatasetError, Result};
