#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod audio;
mod csvlist;
mod error;
pub mod index;
mod listing;
pub mod spike_patterns;
pub mod spikes;
pub mod timeseries;

pub use audio::{classes, speaker_folds, AudioDataset, Item, Skipped, SourceKind, Split};
pub use error::{DatasetError, Result};
pub use index::{class_index, group_index, LabelIndex};
pub use spikes::{
    is_spike_dataset, read_spike_file, write_spike_dataset, SpikeDataset, SpikeDatasetInfo,
    SpikeDatasetWriter, SpikeRow, SpikeSampleOut,
};
