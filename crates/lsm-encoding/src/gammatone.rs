//! Gammatone filterbank with ERB spacing: Slaney's `MakeERBFilters` / `ERBFilterBank`
//! (Auditory Toolbox, "An efficient implementation of the Patterson–Holdsworth auditory
//! filter bank", Apple TR #35, 1993).
//!
//! Each channel is Slaney's digital approximation of a 4th-order gammatone filter: a cascade
//! of four second-order sections sharing the poles, with centre frequency `cf` and bandwidth
//! `b = 1.019 · 2π · ERB(cf)`, `ERB(cf) = cf / 9.26449 + 24.7` (Glasberg & Moore), `T = 1/fs`:
//! ```text
//! denominator (all four):  1 − 2 cos(2π cf T) e^{−bT} z⁻¹ + e^{−2bT} z⁻²
//! numerator j = 1..4:      T + A1j z⁻¹,
//!   A1j = −T e^{−bT} (cos(2π cf T) ± √(3 ± 2^{3/2}) sin(2π cf T))   (the four sign pairs)
//! ```
//! and the first section is divided by the cascade's gain at `cf`, so that every channel has
//! unit gain at its centre frequency (computed here by evaluating the cascade's frequency
//! response at `cf`, which is the value of Slaney's closed-form `gain` expression).
//!
//! Centre frequencies are `n_bands` points equally spaced on the ERB-rate scale between
//! `fmin_hz` and the Nyquist frequency (`ERBSpace`):
//! `cf_i = −9.26449·24.7 + exp(i · (ln(fmin + 9.26449·24.7) − ln(fs/2 + 9.26449·24.7)) / N) ·
//! (fs/2 + 9.26449·24.7)`, `i = 1..N` (descending, as in the toolbox; the front end outputs
//! the bands in *ascending* frequency order).
//!
//! **Features**: the filter outputs are cut into non-overlapping frames of `hop` samples
//! (`ceil(n / hop)` frames, the last one possibly shorter) and each band's feature is the mean
//! power `mean(y²)` over the frame.

use crate::error::{invalid, Result};
use crate::mel::ms_to_samples;
use lsm_core::Real;
use ndarray::Array2;
use realfft::num_complex::Complex;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

const EAR_Q: Real = 9.26449;
const MIN_BW: Real = 24.7;

/// `n` centre frequencies equally spaced on the ERB-rate scale from `high` down to `low`
/// (Slaney's `ERBSpace`, descending).
///
/// ```
/// let cf = lsm_encoding::erb_space(100.0, 4000.0, 10);
/// assert_eq!(cf.len(), 10);
/// assert!((cf[9] - 100.0).abs() < 1e-9); // the last one is `low`
/// assert!(cf.windows(2).all(|w| w[0] > w[1]));
/// ```
pub fn erb_space(low: Real, high: Real, n: usize) -> Vec<Real> {
    let c = EAR_Q * MIN_BW;
    (1..=n)
        .map(|i| {
            -c + (i as Real * (-(high + c).ln() + (low + c).ln()) / n as Real).exp() * (high + c)
        })
        .collect()
}

/// ERB-rate (number of ERBs below `f`, Glasberg & Moore with Slaney's constants):
/// `EarQ · ln(1 + f / (EarQ · minBW))`.
pub fn erb_rate(f: Real) -> Real {
    EAR_Q * (1.0 + f / (EAR_Q * MIN_BW)).ln()
}

/// Gammatone parameters (`"kind": "gammatone"` filterbank).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_bands` | `32` | channels | `>= 1` |
/// | `fmin_hz` | `100.0` | lowest centre frequency, Hz (the highest is `fs/2`) | `(0, fs/2)` |
/// | `hop_ms` | `10.0` | frame period, ms | `>= 1` sample |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GammatoneConfig {
    /// Number of channels. Default 32.
    pub n_bands: usize,
    /// Lowest centre frequency in Hz. Default 100.
    pub fmin_hz: Real,
    /// Frame period in ms. Default 10.
    pub hop_ms: Real,
}

impl Default for GammatoneConfig {
    fn default() -> Self {
        Self {
            n_bands: 32,
            fmin_hz: 100.0,
            hop_ms: 10.0,
        }
    }
}

impl GammatoneConfig {
    /// Validate for sample rate `fs`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self, fs: u32) -> Result<()> {
        let f = "front_end.filterbank";
        if self.n_bands == 0 {
            return Err(invalid(format!("{f}.n_bands"), "expected >= 1, got 0"));
        }
        crate::error::limit(
            lsm_core::limits::Limit::Inputs,
            self.n_bands as Real,
            format!("{f}.n_bands"),
        )?;
        crate::mel::check_window_ms(&format!("{f}.hop_ms"), self.hop_ms)?;
        if !(self.fmin_hz > 0.0 && self.fmin_hz < fs as Real / 2.0) {
            return Err(invalid(
                format!("{f}.fmin_hz"),
                format!(
                    "expected a frequency in (0, fs/2 = {}), got {}",
                    fs / 2,
                    self.fmin_hz
                ),
            ));
        }
        if !(self.hop_ms.is_finite() && ms_to_samples(self.hop_ms, fs) >= 1) {
            return Err(invalid(
                format!("{f}.hop_ms"),
                format!(
                    "expected at least one sample at {fs} Hz, got {} ms",
                    self.hop_ms
                ),
            ));
        }
        Ok(())
    }
}

/// One channel: four sections `(b0, b1, b2; a1, a2)`, direct form II transposed.
#[derive(Clone, Debug)]
struct Channel {
    b: [[Real; 3]; 4],
    a1: Real,
    a2: Real,
}

/// A prepared gammatone filterbank.
#[derive(Clone, Debug)]
pub struct GammatoneFilterbank {
    fs: u32,
    hop: usize,
    /// Ascending centre frequencies.
    cf: Vec<Real>,
    ch: Vec<Channel>,
    /// The same numerators as structure of arrays for the sample-major loop:
    /// `soa_b[(s·3 + k)·n_bands + c]` is coefficient `b_k` of section `s` of channel `c`.
    soa_b: Vec<Real>,
    /// `[a1 of every channel | a2 of every channel]`.
    soa_a: Vec<Real>,
}

impl GammatoneFilterbank {
    /// Design the filters for sample rate `fs`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] from [`GammatoneConfig::check`].
    pub fn new(cfg: &GammatoneConfig, fs: u32) -> Result<Self> {
        cfg.check(fs)?;
        let t = 1.0 / fs as Real;
        let mut cf = erb_space(cfg.fmin_hz, fs as Real / 2.0, cfg.n_bands);
        cf.reverse();
        let ch = cf
            .iter()
            .map(|&f| {
                let erb = f / EAR_Q + MIN_BW;
                let b = 1.019 * 2.0 * PI * erb;
                let (c, s) = ((2.0 * PI * f * t).cos(), (2.0 * PI * f * t).sin());
                let e = (-b * t).exp();
                let a1 = -2.0 * c * e;
                let a2 = (-2.0 * b * t).exp();
                let r1 = (3.0 + 2f64.powf(1.5)).sqrt();
                let r2 = (3.0 - 2f64.powf(1.5)).sqrt();
                let a1j = [
                    -(t * e) * (c + r1 * s),
                    -(t * e) * (c - r1 * s),
                    -(t * e) * (c + r2 * s),
                    -(t * e) * (c - r2 * s),
                ];
                let mut bb = [[0.0; 3]; 4];
                for (j, a) in a1j.iter().enumerate() {
                    bb[j] = [t, *a, 0.0];
                }
                // Gain of the cascade at cf.
                let z1 = Complex::from_polar(1.0, -2.0 * PI * f * t);
                let z2 = z1 * z1;
                let den = Complex::new(1.0, 0.0) + z1 * a1 + z2 * a2;
                let mut h = Complex::new(1.0, 0.0);
                for s in &bb {
                    h *= (Complex::new(s[0], 0.0) + z1 * s[1] + z2 * s[2]) / den;
                }
                let g = h.norm();
                for v in &mut bb[0] {
                    *v /= g;
                }
                Channel { b: bb, a1, a2 }
            })
            .collect::<Vec<Channel>>();
        let nb = ch.len();
        let mut soa_b = vec![0.0; 12 * nb];
        let mut soa_a = vec![0.0; 2 * nb];
        for (c, chan) in ch.iter().enumerate() {
            for (s, sec) in chan.b.iter().enumerate() {
                for (k, v) in sec.iter().enumerate() {
                    soa_b[(s * 3 + k) * nb + c] = *v;
                }
            }
            soa_a[c] = chan.a1;
            soa_a[nb + c] = chan.a2;
        }
        Ok(Self {
            fs,
            hop: ms_to_samples(cfg.hop_ms, fs),
            cf,
            ch,
            soa_b,
            soa_a,
        })
    }

    /// Centre frequencies in Hz, ascending.
    pub fn centre_frequencies(&self) -> &[Real] {
        &self.cf
    }
    /// Number of channels.
    pub fn n_bands(&self) -> usize {
        self.cf.len()
    }
    /// Input samples per frame.
    pub fn hop(&self) -> usize {
        self.hop
    }
    /// Frame period in ms.
    pub fn frame_ms(&self) -> Real {
        self.hop as Real * 1000.0 / self.fs as Real
    }
    /// Number of frames for `n` samples.
    pub fn n_frames(&self, n: usize) -> usize {
        n.div_ceil(self.hop)
    }

    /// Filter `x` through channel `c`, writing the output to `y`.
    pub fn filter_channel(&self, c: usize, x: &[Real], y: &mut Vec<Real>) {
        let ch = &self.ch[c];
        y.clear();
        y.extend_from_slice(x);
        for s in &ch.b {
            let (mut z1, mut z2) = (0.0, 0.0);
            for v in y.iter_mut() {
                let xin = *v;
                let out = s[0] * xin + z1;
                z1 = s[1] * xin - ch.a1 * out + z2;
                z2 = s[2] * xin - ch.a2 * out;
                *v = out;
            }
        }
    }

    /// Frame powers `[n_frames, n_bands]` of `x`.
    pub fn features(&self, x: &[Real]) -> Array2<Real> {
        let mut out = Array2::zeros((self.n_frames(x.len()), self.n_bands()));
        self.features_into(x, &mut Vec::new(), &mut out);
        out
    }

    pub(crate) fn features_into(&self, x: &[Real], z: &mut Vec<Real>, out: &mut Array2<Real>) {
        // Sample-major: for every sample, all channels at once. The state and coefficients are
        // structure-of-arrays, so each section's update is one loop over channels with no
        // dependency between lanes, which the compiler vectorises. Every channel's arithmetic
        // is the same sequence of operations as `filter_channel` (no FMA contraction), so the
        // results do not depend on the instruction set.
        let nb = self.n_bands();
        z.clear();
        z.resize(10 * nb, 0.0);
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, the only feature `frames_avx2` enables.
                unsafe { self.frames_avx2(x, z, out) };
                return;
            }
        }
        self.frames(x, z, out);
    }

    /// [`Self::frames`] compiled with AVX2 enabled (same operations, so the same results).
    ///
    /// # Safety
    /// The CPU must support AVX2: callers check with `is_x86_feature_detected!("avx2")`
    /// first. Nothing else: the body is the safe [`Self::frames`].
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn frames_avx2(&self, x: &[Real], z: &mut [Real], out: &mut Array2<Real>) {
        self.frames(x, z, out);
    }

    /// The frame loop; `z` holds `10 · n_bands` zeros (state, current values, accumulators).
    #[inline(always)]
    fn frames(&self, x: &[Real], z: &mut [Real], out: &mut Array2<Real>) {
        let nb = self.n_bands();
        let (state, rest) = z.split_at_mut(8 * nb);
        let (v, acc) = rest.split_at_mut(nb);
        let (a1, a2) = self.soa_a.split_at(nb);
        for (k, chunk) in x.chunks(self.hop).enumerate() {
            acc.fill(0.0);
            for &xin in chunk {
                v.fill(xin);
                for (s, st) in state.chunks_exact_mut(2 * nb).enumerate() {
                    let (z0, z1) = st.split_at_mut(nb);
                    let b = &self.soa_b[s * 3 * nb..(s + 1) * 3 * nb];
                    let (b0, b12) = b.split_at(nb);
                    let (b1, b2) = b12.split_at(nb);
                    for c in 0..nb {
                        let o = b0[c] * v[c] + z0[c];
                        z0[c] = b1[c] * v[c] - a1[c] * o + z1[c];
                        z1[c] = b2[c] * v[c] - a2[c] * o;
                        v[c] = o;
                    }
                }
                for (a, o) in acc.iter_mut().zip(v.iter()) {
                    *a += o * o;
                }
            }
            let inv = 1.0 / chunk.len() as Real;
            for (o, a) in out.row_mut(k).iter_mut().zip(acc.iter()) {
                *o = a * inv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_frequencies_are_equally_spaced_in_erb_rate() {
        let fb = GammatoneFilterbank::new(&GammatoneConfig::default(), 8000).unwrap();
        let cf = fb.centre_frequencies();
        assert_eq!(cf.len(), 32);
        assert!((cf[0] - 100.0).abs() < 1e-9);
        let r: Vec<Real> = cf.iter().map(|&f| erb_rate(f)).collect();
        let d = r[1] - r[0];
        assert!(r.windows(2).all(|w| ((w[1] - w[0]) - d).abs() < 1e-9));
        // The (excluded) next point would be fs/2.
        assert!((erb_rate(4000.0) - r[31] - d).abs() < 1e-9);
    }

    #[test]
    fn unit_gain_at_centre_and_tone_excites_nearest_channel() {
        let fs = 16000;
        let fb = GammatoneFilterbank::new(
            &GammatoneConfig {
                n_bands: 24,
                fmin_hz: 80.0,
                hop_ms: 10.0,
            },
            fs,
        )
        .unwrap();
        for &f0 in &[200.0, 700.0, 1500.0, 3100.0, 6000.0] {
            let x: Vec<Real> = (0..16000)
                .map(|i| (2.0 * PI * f0 * i as Real / fs as Real).sin())
                .collect();
            let s = fb.features(&x);
            // Skip the onset.
            let e: Vec<Real> = (0..fb.n_bands())
                .map(|b| s.column(b).iter().skip(20).sum())
                .collect();
            let best = (0..e.len()).max_by(|&a, &b| e[a].total_cmp(&e[b])).unwrap();
            let cf = fb.centre_frequencies();
            let nearest = (0..cf.len())
                .min_by(|&a, &b| (cf[a] - f0).abs().total_cmp(&(cf[b] - f0).abs()))
                .unwrap();
            assert_eq!(best, nearest, "{f0} Hz");
        }
        // A tone at a centre frequency passes with unit gain (power 1/2 for a unit sine).
        let c = 10;
        let f0 = fb.centre_frequencies()[c];
        let x: Vec<Real> = (0..16000)
            .map(|i| (2.0 * PI * f0 * i as Real / fs as Real).sin())
            .collect();
        let s = fb.features(&x);
        let p = s.column(c).iter().skip(50).sum::<Real>() / (s.nrows() - 50) as Real;
        assert!((p - 0.5).abs() < 0.01, "{p}");
    }

    #[test]
    fn sample_major_frames_equal_per_channel_filtering_bit_for_bit() {
        // The vectorised sample-major loop against `filter_channel` (one channel at a time,
        // the textbook order), on a chirp with an odd length (a short last frame).
        let fs = 8000;
        let fb = GammatoneFilterbank::new(&GammatoneConfig::default(), fs).unwrap();
        let n = 4 * 80 + 37;
        let x: Vec<Real> = (0..n)
            .map(|i| {
                let t = i as Real / fs as Real;
                (2.0 * PI * (100.0 + 3000.0 * t) * t).sin() + 0.1 * ((i * 7919) % 13) as Real
            })
            .collect();
        let s = fb.features(&x);
        assert_eq!(s.dim(), (5, 32));
        let mut y = Vec::new();
        for c in 0..fb.n_bands() {
            fb.filter_channel(c, &x, &mut y);
            for (k, frame) in y.chunks(80).enumerate() {
                let mut acc = 0.0;
                for v in frame {
                    acc += v * v;
                }
                let want = acc * (1.0 / frame.len() as Real);
                assert_eq!(s[[k, c]].to_bits(), want.to_bits(), "frame {k} channel {c}");
            }
        }
    }
}
