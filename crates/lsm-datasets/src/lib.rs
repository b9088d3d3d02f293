#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod audio;
mod csvlist;
mod error;
pub mod timeseries;

pub use audio::{classes, speaker_folds, AudioDataset, Item, Skipped, SourceKind, Split};
pub use error::{DatasetError, Result};
