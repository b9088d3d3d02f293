//! Mel spectrogram and MFCCs, computed as librosa does by default.
//!
//! **STFT** (`librosa.stft`): window length `n_fft = round(win_ms · fs / 1000)` samples
//! (32 ms at 8 kHz: 256), hop `round(hop_ms · fs / 1000)` (10 ms: 80), periodic Hann window
//! `w[n] = 0.5 − 0.5 cos(2πn / n_fft)`, frames centred (`center = true`: the signal is padded
//! with `n_fft/2` zeros on each side, librosa's default `pad_mode = "constant"`), so frame `k`
//! is centred on sample `k · hop` and a signal of `n` samples gives `1 + n / hop` frames
//! (integer division). Power spectrum `|X|^power` (`power = 2`).
//!
//! **Mel filterbank** (`librosa.filters.mel`): `n_mels + 2` points equally spaced on the mel
//! scale between `fmin_hz` and `fmax_hz`, triangles between consecutive points evaluated at
//! the FFT bin frequencies `k · fs / n_fft`, each scaled by `2 / (f[i+2] − f[i])` (Slaney's
//! area normalisation, librosa's `norm = "slaney"`) when `slaney_norm`; the weights are
//! rounded to `f32`, as librosa's basis is. Two mel formulas:
//! * `"slaney"` (librosa's default, the Auditory Toolbox's): linear below 1 kHz,
//!   `m = 3 f / 200`; logarithmic above, `m = 15 + ln(f / 1000) / (ln 6.4 / 27)`;
//! * `"htk"`: `m = 2595 log10(1 + f / 700)`.
//!
//! **MFCC** (`librosa.feature.mfcc`): `S_db = 10 log10(max(S, 1e-10))` (reference 1), floored
//! at `max(S_db) − top_db` (`top_db = 80`), then the orthonormal DCT-II over the mel axis
//! (`scipy.fft.dct(type=2, norm="ortho")`), keeping the first `n_mfcc` coefficients:
//! `c_k = s_k Σ_n S_db[n] cos(π k (2n + 1) / (2 N))`, `s_0 = √(1/N)`, `s_k = √(2/N)`.

use crate::error::limit;
use crate::error::{invalid, Result};
use lsm_core::limits::Limit;
use lsm_core::Real;
use ndarray::Array2;
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::Arc;

/// The mel formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    /// Slaney's (Auditory Toolbox; librosa's default): linear below 1 kHz, log above.
    Slaney,
    /// HTK's `2595 log10(1 + f/700)`.
    Htk,
}

/// Hz to mel.
///
/// ```
/// use lsm_encoding::{hz_to_mel, MelScale};
/// assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-12);
/// assert!((hz_to_mel(700.0, MelScale::Htk) - 2595.0 * 2f64.log10()).abs() < 1e-9);
/// ```
pub fn hz_to_mel(f: Real, scale: MelScale) -> Real {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + f / 700.0).log10(),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = (6.4f64).ln() / 27.0;
            if f >= min_log_hz {
                min_log_mel + (f / min_log_hz).ln() / logstep
            } else {
                f / f_sp
            }
        }
    }
}

/// Mel to Hz (inverse of [`hz_to_mel`]).
pub fn mel_to_hz(m: Real, scale: MelScale) -> Real {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(m / 2595.0) - 1.0),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = (6.4f64).ln() / 27.0;
            if m >= min_log_mel {
                min_log_hz * (logstep * (m - min_log_mel)).exp()
            } else {
                f_sp * m
            }
        }
    }
}

/// `n` frequencies equally spaced on the mel scale from `fmin` to `fmax`
/// (`librosa.mel_frequencies`).
pub fn mel_frequencies(n: usize, fmin: Real, fmax: Real, scale: MelScale) -> Vec<Real> {
    let (a, b) = (hz_to_mel(fmin, scale), hz_to_mel(fmax, scale));
    (0..n)
        .map(|i| {
            let t = if n > 1 {
                i as Real / (n - 1) as Real
            } else {
                0.0
            };
            mel_to_hz(a + (b - a) * t, scale)
        })
        .collect()
}

/// Mel spectrogram / MFCC parameters (`"kind": "mel"` or `"kind": "mfcc"` filterbank).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_mels` | `32` | mel bands | `>= 1` |
/// | `win_ms` | `32.0` | window (= FFT) length, ms | `n_fft >= 2` samples |
/// | `hop_ms` | `10.0` | hop, ms (the frame period) | `>= 1` sample |
/// | `fmin_hz` | `0.0` | lowest band edge, Hz | `>= 0` |
/// | `fmax_hz` | `null` | highest band edge, Hz (`null`: Nyquist) | `<= fs/2` |
/// | `scale` | `"slaney"` | mel formula, `"slaney"` or `"htk"` | |
/// | `slaney_norm` | `true` | area-normalise the triangles (librosa `norm="slaney"`) | |
/// | `power` | `2.0` | exponent of the magnitude spectrum | `> 0` |
/// | `center` | `true` | centre frames (pad `n_fft/2` zeros each side) | |
/// | `n_mfcc` | `13` | coefficients kept (`"mfcc"` only) | `1..=n_mels` |
/// | `top_db` | `80.0` | dB floor below the maximum before the DCT (`"mfcc"` only) | `> 0` |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MelConfig {
    /// Number of mel bands. Default 32.
    pub n_mels: usize,
    /// Window and FFT length in ms. Default 32.
    pub win_ms: Real,
    /// Hop in ms. Default 10.
    pub hop_ms: Real,
    /// Lowest frequency in Hz. Default 0.
    pub fmin_hz: Real,
    /// Highest frequency in Hz; `None`: Nyquist. Default `None`.
    pub fmax_hz: Option<Real>,
    /// Mel formula. Default Slaney.
    pub scale: MelScale,
    /// Slaney area normalisation. Default true.
    pub slaney_norm: bool,
    /// Spectrum exponent. Default 2 (power).
    pub power: Real,
    /// Centred frames. Default true.
    pub center: bool,
    /// MFCCs kept (MFCC front end only). Default 13.
    pub n_mfcc: usize,
    /// dB floor below the max before the DCT (MFCC front end only). Default 80.
    pub top_db: Real,
}

impl Default for MelConfig {
    fn default() -> Self {
        Self {
            n_mels: 32,
            win_ms: 32.0,
            hop_ms: 10.0,
            fmin_hz: 0.0,
            fmax_hz: None,
            scale: MelScale::Slaney,
            slaney_norm: true,
            power: 2.0,
            center: true,
            n_mfcc: 13,
            top_db: 80.0,
        }
    }
}

/// A window or hop of `ms` must not be longer than the longest recording allowed
/// ([`Limit::AudioSeconds`]), so that its length in samples is bounded before it is used.
pub(crate) fn check_window_ms(field: &str, ms: Real) -> Result<()> {
    if ms.is_finite() {
        Ok(limit(Limit::AudioSeconds, ms / 1000.0, field.to_string())?)
    } else {
        Ok(()) // refused with a clearer message by the caller's own check
    }
}

pub(crate) fn ms_to_samples(ms: Real, fs: u32) -> usize {
    (ms * fs as Real / 1000.0).round() as usize
}

/// Reusable buffers of the STFT.
#[derive(Default, Debug)]
pub(crate) struct StftScratch {
    frame: Vec<Real>,
    spec: Vec<Complex<Real>>,
    fft: Vec<Complex<Real>>,
    power: Vec<Real>,
}

/// A prepared mel filterbank (FFT plan, window and sparse triangle weights computed once).
pub struct MelFilterbank {
    cfg: MelConfig,
    fs: u32,
    n_fft: usize,
    hop: usize,
    window: Vec<Real>,
    fft: Arc<dyn RealToComplex<Real>>,
    /// Per band: first FFT bin and its weights.
    bands: Vec<(usize, Vec<Real>)>,
    centres: Vec<Real>,
    dct: Option<Array2<Real>>,
}

impl std::fmt::Debug for MelFilterbank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MelFilterbank")
            .field("cfg", &self.cfg)
            .field("fs", &self.fs)
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .finish()
    }
}

impl MelConfig {
    /// Validate for sample rate `fs`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self, fs: u32, mfcc: bool) -> Result<()> {
        let f = "front_end.filterbank";
        if self.n_mels == 0 {
            return Err(invalid(format!("{f}.n_mels"), "expected >= 1 bands, got 0"));
        }
        limit(Limit::Inputs, self.n_mels as Real, format!("{f}.n_mels"))?;
        check_window_ms(&format!("{f}.win_ms"), self.win_ms)?;
        check_window_ms(&format!("{f}.hop_ms"), self.hop_ms)?;
        if !(self.win_ms.is_finite() && ms_to_samples(self.win_ms, fs) >= 2) {
            return Err(invalid(
                format!("{f}.win_ms"),
                format!(
                    "expected a window of at least 2 samples at {fs} Hz, got {} ms",
                    self.win_ms
                ),
            ));
        }
        if !(self.hop_ms.is_finite() && ms_to_samples(self.hop_ms, fs) >= 1) {
            return Err(invalid(
                format!("{f}.hop_ms"),
                format!(
                    "expected a hop of at least 1 sample at {fs} Hz, got {} ms",
                    self.hop_ms
                ),
            ));
        }
        let nyq = fs as Real / 2.0;
        let fmax = self.fmax_hz.unwrap_or(nyq);
        if !(self.fmin_hz >= 0.0 && self.fmin_hz < fmax && fmax <= nyq * (1.0 + 1e-12)) {
            return Err(invalid(
                format!("{f}.fmax_hz"),
                format!(
                    "expected 0 <= fmin_hz < fmax_hz <= fs/2 = {nyq}, got fmin {} fmax {fmax}",
                    self.fmin_hz
                ),
            ));
        }
        if !(self.power.is_finite() && self.power > 0.0) {
            return Err(invalid(
                format!("{f}.power"),
                format!("expected > 0, got {}", self.power),
            ));
        }
        if mfcc {
            if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
                return Err(invalid(
                    format!("{f}.n_mfcc"),
                    format!("expected 1..={}, got {}", self.n_mels, self.n_mfcc),
                ));
            }
            if !(self.top_db.is_finite() && self.top_db > 0.0) {
                return Err(invalid(
                    format!("{f}.top_db"),
                    format!("expected > 0 dB, got {}", self.top_db),
                ));
            }
        }
        Ok(())
    }
}

impl MelFilterbank {
    /// Prepare for sample rate `fs`; `mfcc` adds the DCT matrix.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] from [`MelConfig::check`].
    pub fn new(cfg: &MelConfig, fs: u32, mfcc: bool) -> Result<Self> {
        cfg.check(fs, mfcc)?;
        let n_fft = ms_to_samples(cfg.win_ms, fs);
        let hop = ms_to_samples(cfg.hop_ms, fs);
        let window: Vec<Real> = (0..n_fft)
            .map(|n| 0.5 - 0.5 * (2.0 * PI * n as Real / n_fft as Real).cos())
            .collect();
        let fft = RealFftPlanner::<Real>::new().plan_fft_forward(n_fft);
        let n_bins = n_fft / 2 + 1;
        let fmax = cfg.fmax_hz.unwrap_or(fs as Real / 2.0);
        let mel_f = mel_frequencies(cfg.n_mels + 2, cfg.fmin_hz, fmax, cfg.scale);
        let fftfreqs: Vec<Real> = (0..n_bins)
            .map(|k| k as Real * fs as Real / n_fft as Real)
            .collect();
        let mut bands = Vec::with_capacity(cfg.n_mels);
        for i in 0..cfg.n_mels {
            let (lo, c, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
            let enorm = if cfg.slaney_norm {
                2.0 / (hi - lo)
            } else {
                1.0
            };
            let w: Vec<Real> = fftfreqs
                .iter()
                .map(|&f| {
                    let lower = (f - lo) / (c - lo);
                    let upper = (hi - f) / (hi - c);
                    // Rounded to f32 as librosa's mel basis is (`dtype=np.float32`: the
                    // triangle is stored as f32, then scaled and stored again), so that the
                    // spectrogram matches librosa's to ~1e-15.
                    let tri = lower.min(upper).max(0.0) as f32 as Real;
                    (tri * enorm) as f32 as Real
                })
                .collect();
            let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
            let last = w.iter().rposition(|&v| v > 0.0).map_or(first, |l| l + 1);
            bands.push((first, w[first..last].to_vec()));
        }
        let dct = mfcc.then(|| {
            let n = cfg.n_mels as Real;
            Array2::from_shape_fn((cfg.n_mfcc, cfg.n_mels), |(k, m)| {
                let s = if k == 0 {
                    (1.0 / n).sqrt()
                } else {
                    (2.0 / n).sqrt()
                };
                s * (PI * k as Real * (2.0 * m as Real + 1.0) / (2.0 * n)).cos()
            })
        });
        Ok(Self {
            cfg: cfg.clone(),
            fs,
            n_fft,
            hop,
            window,
            fft,
            bands,
            centres: mel_f[1..=cfg.n_mels].to_vec(),
            dct,
        })
    }

    /// Centre frequencies of the bands (Hz), ascending.
    pub fn centre_frequencies(&self) -> &[Real] {
        &self.centres
    }
    /// Number of bands.
    pub fn n_bands(&self) -> usize {
        self.bands.len()
    }
    /// FFT length in samples.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }
    /// Hop in samples.
    pub fn hop(&self) -> usize {
        self.hop
    }
    /// Frame period in ms (`hop / fs`).
    pub fn frame_ms(&self) -> Real {
        self.hop as Real * 1000.0 / self.fs as Real
    }
    /// Number of frames for `n` samples.
    pub fn n_frames(&self, n: usize) -> usize {
        if self.cfg.center {
            1 + n / self.hop
        } else if n >= self.n_fft {
            1 + (n - self.n_fft) / self.hop
        } else {
            0
        }
    }

    /// Mel power spectrogram `[n_frames, n_mels]` of `x` (sampled at the filterbank's rate).
    pub fn mel_spectrogram(&self, x: &[Real]) -> Array2<Real> {
        let mut out = Array2::zeros((self.n_frames(x.len()), self.n_bands()));
        self.mel_spectrogram_into(x, &mut StftScratch::default(), &mut out);
        out
    }

    pub(crate) fn mel_spectrogram_into(
        &self,
        x: &[Real],
        s: &mut StftScratch,
        out: &mut Array2<Real>,
    ) {
        let n_frames = self.n_frames(x.len());
        debug_assert_eq!(out.dim(), (n_frames, self.n_bands()));
        let n_fft = self.n_fft;
        let n_bins = n_fft / 2 + 1;
        s.frame.resize(n_fft, 0.0);
        s.spec.resize(n_bins, Complex::new(0.0, 0.0));
        s.fft
            .resize(self.fft.get_scratch_len(), Complex::new(0.0, 0.0));
        s.power.resize(n_bins, 0.0);
        let pad = if self.cfg.center { n_fft / 2 } else { 0 } as isize;
        let n = x.len() as isize;
        for t in 0..n_frames {
            let start = t as isize * self.hop as isize - pad;
            for (j, (f, &w)) in s.frame.iter_mut().zip(&self.window).enumerate() {
                let i = start + j as isize;
                *f = if i >= 0 && i < n {
                    x[i as usize] * w
                } else {
                    0.0
                };
            }
            self.fft
                .process_with_scratch(&mut s.frame, &mut s.spec, &mut s.fft)
                .expect("FFT buffer sizes are set above");
            if self.cfg.power == 2.0 {
                for (p, c) in s.power.iter_mut().zip(&s.spec) {
                    *p = c.norm_sqr();
                }
            } else {
                for (p, c) in s.power.iter_mut().zip(&s.spec) {
                    *p = c.norm().powf(self.cfg.power);
                }
            }
            let mut row = out.row_mut(t);
            for (o, (first, w)) in row.iter_mut().zip(&self.bands) {
                *o = w
                    .iter()
                    .zip(&s.power[*first..*first + w.len()])
                    .map(|(a, b)| a * b)
                    .sum();
            }
        }
    }

    /// MFCCs `[n_frames, n_mfcc]` of a mel power spectrogram (librosa's `mfcc` on `S`).
    ///
    /// # Panics
    /// If the filterbank was prepared without MFCCs.
    pub fn mfcc_from_mel(&self, mel: &Array2<Real>) -> Array2<Real> {
        let dct = self.dct.as_ref().expect("prepared with mfcc = true");
        let mut db = mel.mapv(|v| 10.0 * v.max(1e-10).log10());
        let mx = db.iter().copied().fold(Real::NEG_INFINITY, Real::max);
        let floor = mx - self.cfg.top_db;
        db.mapv_inplace(|v| v.max(floor));
        db.dot(&dct.t())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_formulas_round_trip_and_match_known_values() {
        for scale in [MelScale::Slaney, MelScale::Htk] {
            for f in [0.0, 100.0, 999.0, 1000.0, 2500.0, 8000.0] {
                let m = hz_to_mel(f, scale);
                assert!((mel_to_hz(m, scale) - f).abs() < 1e-9);
            }
        }
        // Slaney: 15 mel at 1 kHz, linear below; librosa.hz_to_mel(4000) = 35.159...
        assert!((hz_to_mel(500.0, MelScale::Slaney) - 7.5).abs() < 1e-12);
        let m4k = 15.0 + (4.0f64).ln() / ((6.4f64).ln() / 27.0);
        assert!((hz_to_mel(4000.0, MelScale::Slaney) - m4k).abs() < 1e-12);
        assert!((m4k - 35.1637).abs() < 1e-3);
        // HTK: 1000 Hz -> 999.99 mel.
        assert!((hz_to_mel(1000.0, MelScale::Htk) - 999.985_6).abs() < 1e-3);
    }

    #[test]
    fn centre_frequencies_are_equally_spaced_in_mel() {
        for scale in [MelScale::Slaney, MelScale::Htk] {
            let cfg = MelConfig {
                scale,
                ..Default::default()
            };
            let fb = MelFilterbank::new(&cfg, 8000, false).unwrap();
            let m: Vec<Real> = fb
                .centre_frequencies()
                .iter()
                .map(|&f| hz_to_mel(f, scale))
                .collect();
            let d = m[1] - m[0];
            let step = hz_to_mel(4000.0, scale) / 33.0;
            assert!((d - step).abs() < 1e-9);
            assert!(m.windows(2).all(|w| ((w[1] - w[0]) - d).abs() < 1e-9));
        }
    }

    #[test]
    fn pure_tone_excites_the_nearest_band_most() {
        let fs = 8000;
        let fb = MelFilterbank::new(&MelConfig::default(), fs, false).unwrap();
        for &f0 in &[150.0, 440.0, 1000.0, 1800.0, 3000.0] {
            let x: Vec<Real> = (0..8000)
                .map(|i| (2.0 * PI * f0 * i as Real / fs as Real).sin())
                .collect();
            let s = fb.mel_spectrogram(&x);
            let e: Vec<Real> = (0..fb.n_bands()).map(|b| s.column(b).sum()).collect();
            let best = (0..e.len()).max_by(|&a, &b| e[a].total_cmp(&e[b])).unwrap();
            let nearest = (0..e.len())
                .min_by(|&a, &b| {
                    (fb.centre_frequencies()[a] - f0)
                        .abs()
                        .total_cmp(&(fb.centre_frequencies()[b] - f0).abs())
                })
                .unwrap();
            assert!(
                (best as isize - nearest as isize).abs() <= 0,
                "{f0} Hz: band {best} ({} Hz) vs nearest {nearest}",
                fb.centre_frequencies()[best]
            );
        }
    }
}
