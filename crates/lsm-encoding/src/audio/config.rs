//! The audio encoder's configuration: front end (sample rate, pre-emphasis, filterbank,
//! feature scaling), encoder and simulator step, as JSON (see the module above).

use crate::encoder::EncoderConfig;
use crate::error::{invalid, limit, EncodingError, Result};
use crate::gammatone::GammatoneConfig;
use crate::lyon::LyonConfig;
use crate::mel::MelConfig;
use lsm_core::limits::Limit;
use lsm_core::Real;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

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

/// Scaling of an utterance's features (`"kind"` tag); see the [module docs](crate::audio).
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

/// Front end + encoder + simulator step; see the [module docs](crate::audio) for the JSON shape.
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
