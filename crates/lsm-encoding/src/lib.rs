//! Spike encoders and the audio front end of lsm.
//!
//! A reservoir only sees spikes; this crate turns signals into spike trains the way the field
//! does it:
//!
//! * **encoders** ([`Encoder`], chosen by [`EncoderConfig`]): rate ([`RateParams`], Poisson
//!   or regular), latency ([`LatencyParams`], snnTorch's `spikegen.latency`), delta
//!   ([`DeltaParams`], snnTorch's `spikegen.delta`) and step-forward ([`StepForwardParams`]),
//!   BSA ([`BsaParams`], with its decoder);
//! * **audio front end**: WAV reading ([`read_wav`]), band-limited resampling ([`resample()`]),
//!   pre-emphasis, and the filterbanks mel / MFCC ([`MelConfig`]), gammatone ([`GammatoneConfig`])
//!   and Lyon's passive ear ([`LyonConfig`]), log compression and normalisation to `[0, 1]`;
//! * the **audio encoder** ([`AudioEncoder`], configured by [`AudioEncoderConfig`]): any
//!   encoder on top of any filterbank, prepared once, applied to thousands of files in
//!   parallel.
//!
//! The signal's frames have their own period (`frame_ms`, e.g. a 10 ms hop) and spikes live
//! on the simulator grid (`dt_ms`): frames are held over their steps ([`TimeGrid`]).
//! Randomness comes only from the `&mut SimRng` passed in, derived by the caller as
//! `lsm_core::rng_for(seed, lsm_core::stream::ENCODER + sample_id)`.
//!
//! This crate does not depend on the simulator.
//!
//! ```
//! use lsm_encoding::{AudioEncoder, AudioEncoderConfig};
//! // The default: 32-band log-mel (32 ms window, 10 ms hop, 0-4 kHz at 8 kHz), dB relative to
//! // the utterance maximum floored at -50 dB, mapped to [0, 1]; regular rate coding up to
//! // 400 Hz on 1 ms slots; simulator step 1 ms.
//! let cfg = AudioEncoderConfig::default();
//! let enc = AudioEncoder::new(&cfg)?;
//! assert_eq!(enc.n_channels(), 32);
//! let tone: Vec<f64> = (0..8000)
//!     .map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin() * 0.5)
//!     .collect();
//! let mut rng = lsm_core::rng_for(42, lsm_core::stream::ENCODER + 0);
//! let out = enc.encode_samples(&tone, 8000, &mut rng)?;
//! assert_eq!(out.features.dim(), (101, 32)); // 1 s at a 10 ms hop (centred frames)
//! assert_eq!(out.frame_ms, 10.0);
//! assert_eq!(out.spikes.n_steps(), 1010);
//! # Ok::<(), lsm_encoding::EncodingError>(())
//! ```
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
