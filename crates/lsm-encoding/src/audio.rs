//! The audio encoder: WAV → (resample) → pre-emphasis → filterbank → scaling → encoder.
//!
//! [`AudioEncoderConfig`] chooses the front end ([`FrontEndConfig`]: sample rate,
//! pre-emphasis, [`FilterbankConfig`], [`FeatureScaling`]), the encoder ([`EncoderConfig`])
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

use crate::encoder::{Encoder, EncoderConfig, Scratch};
use crate::error::{invalid, limit, EncodingError, Result};
use crate::gammatone::{GammatoneConfig, GammatoneFilterbank};
use crate::grid::TimeGrid;
use crate::lyon::{LyonConfig, LyonPassiveEar, LyonScratch};
use crate::mel::{MelConfig, MelFilterbank, StftScratch};
use crate::resample::{pre_emphasis, resample};
use crate::wav::read_wav_into;
use lsm_core::limits::Limit;
use lsm_core::{Real, SimRng, SpikeTrains};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::Path;

/// The filterbank (`"kind"` tag).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FilterbankConfig {
    /// Mel power spectrogram (librosa's `melspectrogram`).
    Mel(MelConfig),
    /// MFCCs (librosa's `mfcc`): the DCT-II of the log-mel spectrogram. Values are signed:
    /// use the `"min_max"` or `"none"` scaling.
    Mfcc(MelConfig),
    /// Gammatone filterbank, ERB spacing (Slaney's `MakeERBFilters`).
    Gammatone(GammatoneConfig),
    /// Lyon's passive ear (Slaney's `LyonPassiveEar`).
    Lyon(LyonConfig),
}

impl Default for FilterbankConfig {
    fn default() -> Self {
        FilterbankConfig::Mel(MelConfig::default())
    }
}

/// Scaling of an utterance's features (`"kind"` tag); see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureScaling {
    /// dB relative to the utterance maximum, floored at `−top_db`, mapped to `[0, 1]`.
    Db {
        /// Dynamic range in dB, `> 0`. Default 50.
        top_db: Real,
    },
    /// Divided by the utterance maximum.
    Max,
    /// Min-max over the utterance to `[0, 1]`.
    MinMax,
    /// Unscaled.
    None,
}

impl Default for FeatureScaling {
    fn default() -> Self {
        FeatureScaling::Db { top_db: 50.0 }
    }
}

impl FeatureScaling {
    /// Apply in place.
    pub fn apply(&self, v: &mut Array2<Real>) {
        match *self {
            FeatureScaling::Db { top_db } => {
                const AMIN: Real = 1e-10;
                let mx = v.iter().copied().fold(Real::NEG_INFINITY, Real::max);
                if mx.is_nan() || mx <= AMIN {
                    // A silent utterance (every value at or below the floor, or none): no
                    // drive at all, rather than 0 dB relative to its own silence everywhere.
                    v.fill(0.0);
                    return;
                }
                let r = 10.0 * mx.log10();
                v.mapv_inplace(|x| {
                    let d = (10.0 * x.max(AMIN).log10() - r).max(-top_db);
                    (d + top_db) / top_db
                });
            }
            FeatureScaling::Max => {
                let mx = v.iter().copied().fold(0.0, Real::max);
                if mx > 0.0 {
                    v.mapv_inplace(|x| x / mx);
                } else {
                    v.fill(0.0);
                }
            }
            FeatureScaling::MinMax => {
                let mx = v.iter().copied().fold(Real::NEG_INFINITY, Real::max);
                let mn = v.iter().copied().fold(Real::INFINITY, Real::min);
                if mx > mn {
                    v.mapv_inplace(|x| (x - mn) / (mx - mn));
                } else {
                    v.fill(0.0);
                }
            }
            FeatureScaling::None => {}
        }
    }
}

/// The audio front end.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `sample_rate_hz` | `8000` | rate the audio is resampled to before the filterbank | `>= 1000` |
/// | `pre_emphasis` | `0.0` | `y[n] = x[n] − a x[n−1]` (0: off; usual 0.97) | `[0, 1)` |
/// | `filterbank` | mel, 32 bands | [`FilterbankConfig`] | |
/// | `scaling` | `{"kind": "db", "top_db": 50}` | [`FeatureScaling`] | |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontEndConfig {
    /// Sample rate of the filterbank in Hz. Default 8000.
    pub sample_rate_hz: u32,
    /// Pre-emphasis coefficient. Default 0 (off).
    pub pre_emphasis: Real,
    /// The filterbank. Default mel (32 bands, 32 ms / 10 ms, 0 – fs/2).
    pub filterbank: FilterbankConfig,
    /// Feature scaling. Default dB, top 50 dB, to `[0, 1]`.
    pub scaling: FeatureScaling,
}

impl Default for FrontEndConfig {
    fn default() -> Self {
        Self {
            sample_rate_hz: 8000,
            pre_emphasis: 0.0,
            filterbank: FilterbankConfig::default(),
            scaling: FeatureScaling::default(),
        }
    }
}

impl FrontEndConfig {
    /// Validate.
    ///
    /// # Errors
    /// [`EncodingError::InvalidConfig`] naming the field.
    pub fn check(&self) -> Result<()> {
        let fs = self.sample_rate_hz;
        if fs < 1000 {
            return Err(invalid(
                "front_end.sample_rate_hz",
                format!("expected >= 1000 Hz, got {fs}"),
            ));
        }
        limit(
            Limit::SampleRateHz,
            fs as Real,
            "encoder config: field `front_end.sample_rate_hz`",
        )?;
        if !(self.pre_emphasis >= 0.0 && self.pre_emphasis < 1.0) {
            return Err(invalid(
                "front_end.pre_emphasis",
                format!(
                    "expected a coefficient in [0, 1), got {}",
                    self.pre_emphasis
                ),
            ));
        }
        match &self.filterbank {
            FilterbankConfig::Mel(c) => c.check(fs, false)?,
            FilterbankConfig::Mfcc(c) => {
                c.check(fs, true)?;
                if matches!(
                    self.scaling,
                    FeatureScaling::Db { .. } | FeatureScaling::Max
                ) {
                    return Err(invalid(
                        "front_end.scaling",
                        "MFCCs are signed: use {\"kind\": \"min_max\"} or {\"kind\": \"none\"}",
                    ));
                }
            }
            FilterbankConfig::Gammatone(c) => c.check(fs)?,
            FilterbankConfig::Lyon(c) => c.check(fs)?,
        }
        if let FeatureScaling::Db { top_db } = self.scaling {
            if !(top_db.is_finite() && top_db > 0.0) {
                return Err(invalid(
                    "front_end.scaling.top_db",
                    format!("expected > 0 dB, got {top_db}"),
                ));
            }
        }
        Ok(())
    }
}

/// Front end + encoder + simulator step; see the [module docs](self) for the JSON shape.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `front_end` | [`FrontEndConfig::default`] | audio to features |
/// | `encoder` | regular rate, 400 Hz, 1 ms slots | features to spikes ([`EncoderConfig`]) |
/// | `dt_ms` | `1.0` | simulator step, ms (`> 0`) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioEncoderConfig {
    /// The front end. Default: the Brian2 baseline's log-mel.
    pub front_end: FrontEndConfig,
    /// The encoder. Default: regular rate coding, 400 Hz, 1 ms slots.
    pub encoder: EncoderConfig,
    /// Simulator time step in ms. Default 1.0.
    pub dt_ms: Real,
}

impl Default for AudioEncoderConfig {
    fn default() -> Self {
        Self {
            front_end: FrontEndConfig::default(),
            encoder: EncoderConfig::default(),
            dt_ms: 1.0,
        }
    }
}

impl AudioEncoderConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`EncodingError::InvalidConfig`] naming the field.
    pub fn check(&self) -> Result<()> {
        if !(self.dt_ms.is_finite() && self.dt_ms > 0.0) {
            return Err(invalid(
                "dt_ms",
                format!("expected a time step > 0 ms, got {}", self.dt_ms),
            ));
        }
        self.front_end.check()?;
        self.encoder.check_dt(self.dt_ms)
    }

    /// Parse JSON (unknown fields are errors) and validate; `file` names the source in
    /// errors. The text must be one JSON object (`{}` is every default) without duplicate
    /// keys ([`lsm_core::json`]).
    ///
    /// # Errors
    /// [`EncodingError::Json`], [`EncodingError::Core`] or
    /// [`EncodingError::InvalidConfig`].
    pub fn from_json(json: &str, file: &str) -> Result<Self> {
        use lsm_core::CoreError;
        let cfg: Self =
            lsm_core::json::from_object_slice(json.as_bytes(), file).map_err(|e| match e {
                CoreError::Invalid { file, source } => EncodingError::Json {
                    file,
                    error: source,
                },
                e => e.into(),
            })?;
        cfg.check()?;
        Ok(cfg)
    }
}

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
mod tests {
    use super::*;
    use crate::wav::read_wav;

    fn has_autotraits<T: Send + Sync + Unpin>() {}

    #[test]
    fn autotraits() {
        has_autotraits::<AudioEncoder>();
        has_autotraits::<AudioEncoderConfig>();
        has_autotraits::<EncodingError>();
        has_autotraits::<Encoded>();
    }

    #[test]
    fn db_scaling_is_librosas_except_for_a_silent_utterance() {
        let librosa = |v: &Array2<Real>, x: Real| {
            let r = 10.0
                * v.iter()
                    .copied()
                    .fold(Real::NEG_INFINITY, Real::max)
                    .max(1e-10)
                    .log10();
            ((10.0 * x.max(1e-10).log10() - r).max(-50.0) + 50.0) / 50.0
        };
        // Loud and quiet utterances (the quiet one's zero maps a little above 0, as librosa).
        for v in [
            ndarray::array![[0.0, 1e-3], [0.25, 2e-12]],
            ndarray::array![[0.0, 5.56e-6], [1e-7, 1e-11]],
        ] {
            let mut s = v.clone();
            FeatureScaling::default().apply(&mut s);
            for (a, &x) in s.iter().zip(v.iter()) {
                assert_eq!(a.to_bits(), librosa(&v, x).to_bits(), "{x}");
            }
        }
        // Silence (all values at or below the floor): no drive, where librosa gives 1.
        let v = ndarray::array![[0.0, 1e-10], [0.0, 0.0]];
        assert_eq!(librosa(&v, 0.0), 1.0);
        let mut s = v.clone();
        FeatureScaling::default().apply(&mut s);
        assert!(s.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn default_config_json_round_trip_and_unknown_fields_rejected() {
        let cfg = AudioEncoderConfig::default();
        let s = serde_json::to_string_pretty(&cfg).unwrap();
        let back = AudioEncoderConfig::from_json(&s, "cfg.json").unwrap();
        assert_eq!(back, cfg);
        let err = |json: &str| {
            AudioEncoderConfig::from_json(json, "cfg.json")
                .unwrap_err()
                .to_string()
        };
        let e = err(r#"{"dt_ms": 1.0, "dtms": 2}"#);
        assert!(e.contains("cfg.json") && e.contains("dtms"), "{e}");
        let e = err(r#"{"encoder": {"kind": "rate", "max_rate": 3}}"#);
        assert!(e.contains("max_rate"), "{e}");
        let e = err(r#"{"front_end": {"filterbank": {"kind": "mel", "n_mels": 0}}}"#);
        assert!(e.contains("n_mels"), "{e}");
        // Partial configs fill in defaults.
        let c = AudioEncoderConfig::from_json(
            r#"{"encoder": {"kind": "latency", "normalize": true}, "dt_ms": 0.5}"#,
            "c.json",
        )
        .unwrap();
        assert_eq!(c.front_end, FrontEndConfig::default());
        match c.encoder {
            EncoderConfig::Latency(p) => assert!(p.normalize && p.threshold == 0.01),
            _ => panic!(),
        }
    }

    #[test]
    fn every_filterbank_with_every_encoder_runs() {
        let x: Vec<Real> = (0..4000)
            .map(|i| {
                let t = i as Real / 8000.0;
                0.3 * (2.0 * std::f64::consts::PI * (300.0 + 2000.0 * t) * t).sin()
            })
            .collect();
        let banks = [
            FilterbankConfig::Mel(MelConfig::default()),
            FilterbankConfig::Mfcc(MelConfig::default()),
            FilterbankConfig::Gammatone(GammatoneConfig::default()),
            FilterbankConfig::Lyon(LyonConfig::default()),
        ];
        let encoders = [
            EncoderConfig::default(),
            serde_json::from_str(r#"{"kind": "rate", "process": "poisson"}"#).unwrap(),
            serde_json::from_str(r#"{"kind": "latency", "normalize": true, "clip": true}"#)
                .unwrap(),
            serde_json::from_str(r#"{"kind": "delta", "off_spike": true}"#).unwrap(),
            serde_json::from_str(r#"{"kind": "step_forward"}"#).unwrap(),
            serde_json::from_str(r#"{"kind": "bsa"}"#).unwrap(),
        ];
        for fb in &banks {
            for enc in &encoders {
                let scaling = if matches!(fb, FilterbankConfig::Mfcc(_)) {
                    FeatureScaling::MinMax
                } else {
                    FeatureScaling::default()
                };
                let cfg = AudioEncoderConfig {
                    front_end: FrontEndConfig {
                        filterbank: fb.clone(),
                        scaling,
                        ..Default::default()
                    },
                    encoder: enc.clone(),
                    dt_ms: 1.0,
                };
                let ae = AudioEncoder::new(&cfg).unwrap();
                let mut rng = lsm_core::rng_for(1, lsm_core::stream::ENCODER);
                let out = ae.encode_samples(&x, 8000, &mut rng).unwrap();
                assert_eq!(out.features.ncols(), ae.n_bands());
                assert_eq!(out.spikes.n_channels(), ae.n_channels());
                assert_eq!(
                    out.spikes.n_steps(),
                    ae.grid().n_steps(out.features.nrows())
                );
                assert!(out.features.iter().all(|v| (0.0..=1.0).contains(v)));
                assert!(out.spikes.n_spikes() > 0, "{fb:?} {enc:?}");
            }
        }
    }

    #[test]
    fn resampled_input_gives_nearly_the_same_features() {
        let tone = |fs: u32| -> Vec<Real> {
            (0..fs as usize / 2)
                .map(|i| 0.5 * (2.0 * std::f64::consts::PI * 700.0 * i as Real / fs as Real).sin())
                .collect()
        };
        let ae = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
        let mut ws = AudioWorkspace::default();
        let a = ae.features_with(&tone(8000), 8000, &mut ws).unwrap();
        let b = ae.features_with(&tone(16000), 16000, &mut ws).unwrap();
        assert_eq!(a.dim(), b.dim());
        let d = (&a - &b).iter().map(|v| v.abs()).fold(0.0, Real::max);
        assert!(d < 0.05, "{d}");
    }

    #[test]
    fn encode_file_names_the_file_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("short.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&p, spec).unwrap();
        for _ in 0..10 {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        let cfg = AudioEncoderConfig {
            front_end: FrontEndConfig {
                filterbank: FilterbankConfig::Lyon(LyonConfig::default()),
                ..Default::default()
            },
            ..Default::default()
        };
        let ae = AudioEncoder::new(&cfg).unwrap();
        let e = ae
            .encode_file(&p, &mut lsm_core::rng_for(0, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("short.wav") && e.contains("too short"), "{e}");
        assert_eq!(read_wav(&p).unwrap().samples.len(), 10);
    }
}
