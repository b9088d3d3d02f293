#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod audio;
pub mod bsa;
pub mod delta;
pub mod encoder;
pub mod error;
pub mod gammatone;
pub mod grid;
pub mod latency;
pub mod lyon;
pub mod mel;
pub mod rate;
pub mod resample;
pub mod wav;

pub use audio::{
    AudioEncoder, AudioEncoderConfig, AudioWorkspace, Encoded, FeatureScaling, FilterbankConfig,
    FrontEndConfig,
};
pub use bsa::{BsaParams, FirFilter};
pub use delta::{DeltaParams, StepForwardParams};
pub use encoder::{Encoder, EncoderConfig, Scratch};
pub use error::{EncodingError, Result};
pub use gammatone::{erb_rate, erb_space, GammatoneConfig, GammatoneFilterbank};
pub use grid::TimeGrid;
pub use latency::LatencyParams;
pub use lyon::{LyonConfig, LyonPassiveEar};
pub use mel::{hz_to_mel, mel_frequencies, mel_to_hz, MelConfig, MelFilterbank, MelScale};
pub use rate::{RateParams, RateProcess};
pub use resample::{pre_emphasis, resample};
pub use wav::{read_wav, read_wav_into, Audio};
