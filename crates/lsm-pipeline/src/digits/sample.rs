//! Samples (a file or data in memory, its label and group, a stable id) and progress reporting.

use lsm_core::{Real, SpikeTrains};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a sample's data are: a file named by [`Sample::path`] (a WAV recording or a spike
/// CSV, as the config's [`crate::InputSource`] says), or data already in memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum SampleData {
    /// The file at [`Sample::path`]: a WAV file for audio input, a `channel,time_ms` spike
    /// CSV for spike input.
    #[default]
    File,
    /// Mono audio in memory (the values a WAV reader gives, full scale ±1) and its sample
    /// rate; encoded by the audio front end like a WAV file.
    Audio {
        /// The samples.
        samples: Arc<[Real]>,
        /// Sample rate, Hz.
        sample_rate: u32,
    },
    /// Spike trains in memory; they drive the reservoir directly (spike input).
    Spikes(Arc<SpikeTrains>),
}

/// One sample: its data (a file or memory), its label (if known) and its group (speaker, for
/// grouped cross-validation), and a stable id that selects its random streams.
///
/// ```
/// use lsm_pipeline::{Sample, SampleData};
/// let wav = Sample::from_path("recordings/7_jackson_0.wav").with_label("7");
/// assert_eq!(wav.data, SampleData::File);
/// let tone: Vec<f64> = (0..8000).map(|i| (i as f64 * 0.3).sin() * 0.5).collect();
/// let mem = Sample::audio("tone-440", tone, 8000).with_label("a").with_group("synth");
/// assert_eq!(mem.path.to_str(), Some("tone-440"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The file (for [`SampleData::File`]), or the name of data in memory; errors and
    /// predictions name the sample by it.
    pub path: PathBuf,
    /// Where the data are. Default: the file at `path`.
    pub data: SampleData,
    /// Class label (e.g. `"7"`); required for fitting and evaluating.
    pub label: Option<String>,
    /// Group (speaker); required for leave-one-group-out cross-validation.
    pub group: Option<String>,
    /// Stable id (independent of processing order), e.g. [`stable_id`] of the file name.
    pub id: u64,
}

impl Sample {
    /// An unlabelled sample read from the file `path`; its id is [`stable_id`] of its file
    /// name.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let id = stable_id(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        Self {
            path,
            data: SampleData::File,
            label: None,
            group: None,
            id,
        }
    }

    /// An unlabelled sample of mono audio in memory at `sample_rate` Hz, named `name` (its id
    /// is [`stable_id`] of the name, so the same name gets the same encoder noise as a WAV
    /// file of that name).
    pub fn audio(name: &str, samples: impl Into<Arc<[Real]>>, sample_rate: u32) -> Self {
        Self::in_memory(
            name,
            SampleData::Audio {
                samples: samples.into(),
                sample_rate,
            },
        )
    }

    /// An unlabelled sample of spike trains in memory, named `name`.
    pub fn spikes(name: &str, trains: impl Into<Arc<SpikeTrains>>) -> Self {
        Self::in_memory(name, SampleData::Spikes(trains.into()))
    }

    fn in_memory(name: &str, data: SampleData) -> Self {
        Self {
            path: PathBuf::from(name),
            data,
            label: None,
            group: None,
            id: stable_id(name),
        }
    }

    /// The sample with `label`.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The sample with `group`.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }
}

/// A stable 64-bit id of a name (FNV-1a), so a file keeps its random streams wherever it is
/// and in whatever order files are processed.
pub fn stable_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Progress reporting hooks (the command line draws progress bars with them). All methods
/// default to doing nothing.
pub trait Progress: Sync {
    /// A stage starts with `total` units of work (files, or 0 when unknown).
    fn start(&self, _stage: &str, _total: u64) {}
    /// `n` units done.
    fn inc(&self, _n: u64) {}
    /// The current stage is finished.
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}
