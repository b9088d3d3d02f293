//! The audio encoder: WAV → (resample) → pre-emphasis → filterbank → scaling → encoder.
//!
//! [`AudioEncoderConfig`] chooses the front end ([`FrontEndConfig`]: sample rate,
//! pre-emphasis, [`FilterbankConfig`], [`FeatureScaling`]), the encoder ([`crate::EncoderConfig`])
//! and the simulator step `dt_ms`. [`AudioEncoder::new`] validates it and prepares everything
//! that does not depend on the signal (FFT plans, windows, filter coefficients) once; the
//! per-file methods then only allocate their outputs (the working memory is a [`AudioWorkspace`],
//! one per thread — the `encode_file` / `encode_samples` conveniences keep one in a
//! thread-local). Resampling, when a file's rate differs from `sample_rate_hz`, allocates.
//!
//! **Scaling** of the features `v ≥ 0` of one utterance (`[frames × bands]`):
//! * `"db"` (default, `top_db = 50`): `d = 10 log10(max(v, 1e-10)) − 10 log10(max(max(v),
//!   1e-10))` (dB relative to the utterance maximum, librosa's `power_to_db(ref=np.max)`),
//!   floored at `−top_db`, mapped to `[0, 1]` by `x = (d + top_db) / top_db`. **Silence**:
//!   an utterance whose every value is at or below the floor `1e-10` (digital silence, or
//!   stereo that cancels to silence) maps to all zeros, which every encoder turns into no
//!   spikes (relative to its own maximum, librosa's formula would put it at 0 dB everywhere:
//!   full drive on every channel). In an utterance with sound the formula is librosa's
//!   unchanged: a zero-energy value is `10 log10(1e-10)` dB relative to the maximum, which is
//!   the floor (0) whenever the maximum is at least `top_db` dB above `1e-10`
//!   (`1e-5` for the default 50 dB), and a little above 0 in quieter utterances.
//! * `"max"`: `x = v / max(v)` (0 when the utterance is silent);
//! * `"min_max"`: `x = (v − min) / (max − min)` (0 when constant) — for MFCCs;
//! * `"none"`: the raw features.
//!
//! **Recordings** must fill at least one analysis frame (the mel/MFCC window `win_ms`, or one
//! hop of the gammatone and Lyon filterbanks): a shorter one is an error naming the file and
//! both lengths, not a label. **Cost**: encoding is linear in the recording's length (about
//! `samples × bands` filterbank work, `steps` spike-train memory); a recording longer than
//! [`lsm_core::limits::Limit::AudioSeconds`] (default 600 s), at a rate above
//! [`lsm_core::limits::Limit::SampleRateHz`] (default 1 MHz) or giving more simulator steps
//! than [`lsm_core::limits::Limit::Steps`] is refused before any work, with a message saying
//! how to lift the limit (`--allow-large`, `LSM_ALLOW_LARGE=1` or `LSM_MAX_AUDIO_SECONDS`).
//! A low sample rate (even 1 Hz) is resampled with a bounded cost ([`crate::resample()`]).
//!
//! The default configuration reproduces the Brian2 baseline's front end: 32-band log-mel
//! (32 ms window, 10 ms hop, 0–4 kHz at 8 kHz input, Slaney mel with Slaney norm, as librosa),
//! dB relative to the utterance maximum floored at −50 dB, mapped to `[0, 1]`; regular rate
//! coding up to 400 Hz on 1 ms slots; `dt_ms = 1`.
//!
//! JSON shape (all fields optional, defaults shown):
//! ```json
//! {
//!   "front_end": {
//!     "sample_rate_hz": 8000,
//!     "pre_emphasis": 0.0,
//!     "filterbank": {"kind": "mel", "n_mels": 32, "win_ms": 32.0, "hop_ms": 10.0,
//!                    "fmin_hz": 0.0, "fmax_hz": null, "scale": "slaney",
//!                    "slaney_norm": true, "power": 2.0, "center": true,
//!                    "n_mfcc": 13, "top_db": 80.0},
//!     "scaling": {"kind": "db", "top_db": 50.0}
//!   },
//!   "encoder": {"kind": "rate", "process": "regular", "max_rate_hz": 400.0, "slot_ms": 1.0},
//!   "dt_ms": 1.0
//! }
//! ```

use crate::encoder::{Encoder, Scratch};
use crate::error::{limit, EncodingError, Result};
use crate::gammatone::GammatoneFilterbank;
use crate::grid::TimeGrid;
use crate::lyon::{LyonPassiveEar, LyonScratch};
use crate::mel::{MelFilterbank, StftScratch};
use crate::resample::{pre_emphasis, resample};
use crate::wav::read_wav_into;
use lsm_core::limits::Limit;
use lsm_core::{Real, SimRng, SpikeTrains};
use ndarray::{Array2, ArrayView2};

use std::cell::RefCell;
use std::path::Path;

mod config;
pub use config::*;

/// The result of encoding one utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    /// Scaled features (the cochleagram), `[n_frames, n_bands]`.
    pub features: Array2<Real>,
    /// Frame period of `features` in ms.
    pub frame_ms: Real,
    /// Spike trains on the `dt_ms` grid, `n_frames · frame_ms / dt_ms` steps.
    pub spikes: SpikeTrains,
}

/// Reusable working memory of an [`AudioEncoder`] (any config); one per thread.
#[derive(Debug, Default)]
pub struct AudioWorkspace {
    samples: Vec<Real>,
    tmp: Vec<Real>,
    stft: StftScratch,
    lyon: LyonScratch,
    enc: Scratch,
}

thread_local! {
    static WORKSPACE: RefCell<AudioWorkspace> = RefCell::new(AudioWorkspace::default());
}

#[derive(Debug)]
enum Bank {
    Mel(MelFilterbank),
    Mfcc(MelFilterbank),
    Gammatone(GammatoneFilterbank),
    Lyon(LyonPassiveEar),
}

/// A prepared audio encoder; see the [module docs](self). `Send + Sync`: share one across
/// rayon workers.
#[derive(Debug)]
pub struct AudioEncoder {
    cfg: AudioEncoderConfig,
    bank: Bank,
    grid: TimeGrid,
}

impl AudioEncoder {
    /// Validate `cfg` and prepare the filterbank.
    ///
    /// # Errors
    /// [`EncodingError::InvalidConfig`] naming the field.
    pub fn new(cfg: &AudioEncoderConfig) -> Result<Self> {
        cfg.check()?;
        let fs = cfg.front_end.sample_rate_hz;
        let bank = match &cfg.front_end.filterbank {
            FilterbankConfig::Mel(c) => Bank::Mel(MelFilterbank::new(c, fs, false)?),
            FilterbankConfig::Mfcc(c) => Bank::Mfcc(MelFilterbank::new(c, fs, true)?),
            FilterbankConfig::Gammatone(c) => Bank::Gammatone(GammatoneFilterbank::new(c, fs)?),
            FilterbankConfig::Lyon(c) => Bank::Lyon(LyonPassiveEar::new(c, fs)?),
        };
        let frame_ms = match &bank {
            Bank::Mel(b) | Bank::Mfcc(b) => b.frame_ms(),
            Bank::Gammatone(b) => b.frame_ms(),
            Bank::Lyon(b) => b.frame_ms(),
        };
        let grid = TimeGrid::new(frame_ms, cfg.dt_ms)?;
        limit(
            Limit::Steps,
            frame_ms / cfg.dt_ms,
            format!("encoder config: field `dt_ms`: simulator steps per {frame_ms} ms frame"),
        )?;
        Ok(Self {
            cfg: cfg.clone(),
            bank,
            grid,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AudioEncoderConfig {
        &self.cfg
    }
    /// Number of feature bands (mel bands, MFCCs, gammatone or Lyon channels).
    pub fn n_bands(&self) -> usize {
        match &self.bank {
            Bank::Mel(b) => b.n_bands(),
            Bank::Mfcc(_) => match &self.cfg.front_end.filterbank {
                FilterbankConfig::Mfcc(c) => c.n_mfcc,
                _ => unreachable!(),
            },
            Bank::Gammatone(b) => b.n_bands(),
            Bank::Lyon(b) => b.n_bands(),
        }
    }
    /// Number of spike channels (input neurons of the reservoir).
    pub fn n_channels(&self) -> usize {
        self.cfg.encoder.n_channels(self.n_bands())
    }
    /// Frame period of the features in ms.
    pub fn frame_ms(&self) -> Real {
        self.grid.frame_ms()
    }
    /// Simulator step in ms.
    pub fn dt_ms(&self) -> Real {
        self.cfg.dt_ms
    }
    /// The frame → step mapping.
    pub fn grid(&self) -> &TimeGrid {
        &self.grid
    }
    /// Centre frequencies of the bands in Hz, ascending (`None` for MFCCs).
    pub fn centre_frequencies(&self) -> Option<&[Real]> {
        match &self.bank {
            Bank::Mel(b) => Some(b.centre_frequencies()),
            Bank::Mfcc(_) => None,
            Bank::Gammatone(b) => Some(b.centre_frequencies()),
            Bank::Lyon(b) => Some(b.centre_frequencies()),
        }
    }
    /// Number of feature frames for `n` samples at the front end's rate.
    pub fn n_frames(&self, n: usize) -> usize {
        match &self.bank {
            Bank::Mel(b) | Bank::Mfcc(b) => b.n_frames(n),
            Bank::Gammatone(b) => b.n_frames(n),
            Bank::Lyon(b) => b.n_frames(n),
        }
    }

    /// The fewest samples (at the front end's rate) of a recording: one analysis frame (the
    /// window of the mel / MFCC filterbank, one hop of the gammatone and Lyon filterbanks).
    pub fn min_samples(&self) -> usize {
        match &self.bank {
            Bank::Mel(b) | Bank::Mfcc(b) => b.n_fft(),
            Bank::Gammatone(b) => b.hop(),
            Bank::Lyon(b) => b.decimation(),
        }
    }

    /// Check the cost of a recording of `n` samples at `sample_rate` Hz before any work: its
    /// rate ([`Limit::SampleRateHz`]), its duration ([`Limit::AudioSeconds`]) and the
    /// simulator steps of its spike trains ([`Limit::Steps`]).
    ///
    /// # Errors
    /// [`EncodingError::Limit`] naming the lengths and how to lift the limit;
    /// [`EncodingError::Resample`] for a rate of 0.
    pub fn check_recording(&self, n: usize, sample_rate: u32) -> Result<()> {
        if sample_rate == 0 {
            return Err(EncodingError::Resample {
                from_hz: 0,
                to_hz: self.cfg.front_end.sample_rate_hz,
                msg: "sample rates must be > 0".into(),
            });
        }
        limit(
            Limit::SampleRateHz,
            sample_rate as Real,
            "the recording's sample rate",
        )?;
        let secs = n as Real / sample_rate as Real;
        limit(
            Limit::AudioSeconds,
            secs,
            format!("the recording ({n} samples at {sample_rate} Hz)"),
        )?;
        let steps = secs * 1000.0 / self.cfg.dt_ms + self.frame_ms() / self.cfg.dt_ms;
        limit(
            Limit::Steps,
            steps,
            format!(
                "the spike trains of the recording ({secs} s at dt_ms = {})",
                self.cfg.dt_ms
            ),
        )?;
        Ok(())
    }

    /// Scaled features `[n_frames, n_bands]` of `samples` recorded at `sample_rate` Hz.
    ///
    /// # Errors
    /// [`EncodingError::InvalidSignal`] for an empty or non-finite signal or one too short for
    /// a single analysis frame ([`AudioEncoder::min_samples`]); [`EncodingError::Limit`] as
    /// [`AudioEncoder::check_recording`]; [`EncodingError::Resample`].
    pub fn features_with(
        &self,
        samples: &[Real],
        sample_rate: u32,
        ws: &mut AudioWorkspace,
    ) -> Result<Array2<Real>> {
        if samples.is_empty() {
            return Err(EncodingError::InvalidSignal(
                "the signal has no samples".into(),
            ));
        }
        if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
            return Err(EncodingError::InvalidSignal(format!(
                "non-finite sample {} at index {i}",
                samples[i]
            )));
        }
        let fs = self.cfg.front_end.sample_rate_hz;
        self.check_recording(samples.len(), sample_rate)?;
        let AudioWorkspace {
            tmp, stft, lyon, ..
        } = ws;
        tmp.clear();
        if sample_rate == fs {
            tmp.extend_from_slice(samples);
        } else {
            *tmp = resample(samples, sample_rate, fs)?;
        }
        pre_emphasis(tmp, self.cfg.front_end.pre_emphasis);
        let n_frames = self.n_frames(tmp.len());
        let min = self.min_samples();
        if n_frames == 0 || tmp.len() < min {
            return Err(EncodingError::InvalidSignal(format!(
                "the recording is too short: {} samples ({} ms at {fs} Hz) do not fill one \
                 analysis frame of {min} samples ({} ms)",
                tmp.len(),
                tmp.len() as Real * 1000.0 / fs as Real,
                min as Real * 1000.0 / fs as Real,
            )));
        }
        let mut feats = match &self.bank {
            Bank::Mel(b) => {
                let mut out = Array2::zeros((n_frames, b.n_bands()));
                b.mel_spectrogram_into(tmp, stft, &mut out);
                out
            }
            Bank::Mfcc(b) => {
                let mut mel = Array2::zeros((n_frames, b.n_bands()));
                b.mel_spectrogram_into(tmp, stft, &mut mel);
                b.mfcc_from_mel(&mel)
            }
            Bank::Gammatone(b) => {
                let mut out = Array2::zeros((n_frames, b.n_bands()));
                let mut y = std::mem::take(&mut ws.samples);
                b.features_into(tmp, &mut y, &mut out);
                ws.samples = y;
                out
            }
            Bank::Lyon(b) => {
                let mut out = Array2::zeros((n_frames, b.n_bands()));
                b.features_into(tmp, lyon, &mut out);
                out
            }
        };
        self.cfg.front_end.scaling.apply(&mut feats);
        Ok(feats)
    }

    /// Spike trains of already computed features `[n_frames, n_bands]` (frame period
    /// [`AudioEncoder::frame_ms`]).
    ///
    /// # Errors
    /// [`EncodingError::InvalidSignal`] for a wrong number of bands or values the encoder
    /// rejects.
    pub fn encode_features_with(
        &self,
        features: ArrayView2<'_, Real>,
        rng: &mut SimRng,
        ws: &mut AudioWorkspace,
    ) -> Result<SpikeTrains> {
        if features.ncols() != self.n_bands() {
            return Err(EncodingError::InvalidSignal(format!(
                "expected {} feature bands, got {}",
                self.n_bands(),
                features.ncols()
            )));
        }
        self.cfg
            .encoder
            .encode_with(features, &self.grid, rng, &mut ws.enc)
    }

    /// Features and spikes of one signal, with an explicit workspace.
    ///
    /// # Errors
    /// As [`AudioEncoder::features_with`] and [`AudioEncoder::encode_features_with`].
    pub fn encode_samples_with(
        &self,
        samples: &[Real],
        sample_rate: u32,
        rng: &mut SimRng,
        ws: &mut AudioWorkspace,
    ) -> Result<Encoded> {
        let features = self.features_with(samples, sample_rate, ws)?;
        let spikes = self.encode_features_with(features.view(), rng, ws)?;
        Ok(Encoded {
            features,
            frame_ms: self.frame_ms(),
            spikes,
        })
    }

    /// Features and spikes of one signal (thread-local workspace).
    ///
    /// # Errors
    /// As [`AudioEncoder::encode_samples_with`].
    pub fn encode_samples(
        &self,
        samples: &[Real],
        sample_rate: u32,
        rng: &mut SimRng,
    ) -> Result<Encoded> {
        WORKSPACE
            .with(|ws| self.encode_samples_with(samples, sample_rate, rng, &mut ws.borrow_mut()))
    }

    /// Read a WAV file and encode it, with an explicit workspace.
    ///
    /// # Errors
    /// [`EncodingError::Wav`] naming the file, or as [`AudioEncoder::encode_samples_with`]
    /// (then wrapped to name the file too).
    pub fn encode_file_with(
        &self,
        path: impl AsRef<Path>,
        rng: &mut SimRng,
        ws: &mut AudioWorkspace,
    ) -> Result<Encoded> {
        let path = path.as_ref();
        let mut samples = std::mem::take(&mut ws.samples);
        let r = (|| {
            let fs = read_wav_into(path, &mut samples)?;
            self.encode_samples_with(&samples, fs, rng, ws)
                .map_err(|e| match e {
                    EncodingError::InvalidSignal(m) => EncodingError::Wav {
                        path: path.to_path_buf(),
                        msg: m,
                    },
                    EncodingError::Limit(mut l) => {
                        l.what = format!("{}: {}", path.display(), l.what);
                        EncodingError::Limit(l)
                    }
                    e => e,
                })
        })();
        ws.samples = samples;
        r
    }

    /// Read a WAV file and encode it (thread-local workspace). The pipeline calls this once
    /// per file from rayon workers, with `rng = lsm_core::rng_for(seed,
    /// lsm_core::stream::ENCODER + sample_id)`.
    ///
    /// # Errors
    /// As [`AudioEncoder::encode_file_with`].
    pub fn encode_file(&self, path: impl AsRef<Path>, rng: &mut SimRng) -> Result<Encoded> {
        WORKSPACE.with(|ws| self.encode_file_with(path, rng, &mut ws.borrow_mut()))
    }
}

#[cfg(test)]
mod tests;
