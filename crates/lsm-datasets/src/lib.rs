#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod audio;
mod csvlist;
mod error;
pub mod index;
pub mod timeseries;

pub use audio::{classes, speaker_folds, AudioDataset, Item, Skipped, SourceKind, Split};
pub use error::{DatasetError, Result};
pub use index::{class_index, group_index, LabelIndex};
