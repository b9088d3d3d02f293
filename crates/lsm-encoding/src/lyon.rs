//! Lyon's passive ear model, exactly as Slaney's Auditory Toolbox (`LyonPassiveEar`,
//! `DesignLyonFilters`, `SecondOrderFilter`, `SetGain`, `EpsilonFromTauFS`, and the C
//! kernels `soscascade`, `agc`, `sosfilters`; Slaney, "Lyon's Cochlear Model", Apple TR #13,
//! 1988), which Verstraeten et al. (2005) found the best front end for spoken digits with
//! BSA.
//!
//! **Filters** (`DesignLyonFilters(fs, ear_q, step_factor)`, `Eb = 1000`, zero offset 1.5,
//! sharpness 5, pre-emphasis corner 300 Hz): a cascade of `N` second-order sections
//! `[a0 a1 a2 b1 b2]` (`H(z) = (a0 + a1 z⁻¹ + a2 z⁻²) / (1 + b1 z⁻¹ + b2 z⁻²)`), each a pair of
//! zeros (`SecondOrderFilter(cf + 1.5·bw·step, 5·(cf + 1.5·bw·step)/bw)`) and poles
//! (`SecondOrderFilter(cf, cf/bw)`), `bw = √(cf² + Eb²)/ear_q`, with DC gain
//! `cf[i−1]/cf[i]`; preceded by two front filters (outer/middle-ear pre-emphasis and a
//! compensator), each with unit gain at `fs/4`. `SecondOrderFilter(f, q)` is
//! `[1, −2ρ cos θ, ρ²]`, `ρ = e^{−π f/(q fs)}`, `θ = 2π f/fs · √(1 − 1/(4q²))`. The `N`
//! centre frequencies are spaced by `step_factor` bandwidths from just below `fs/2` down to
//! where the pole Q falls under 1/2.
//!
//! **Per output sample** (decimation `df = round(hop_ms · fs / 1000)`), for each of the `df`
//! input samples of the block, in this order:
//! 1. the cascade (`soscascade`; every section's output feeds the next and is a channel);
//! 2. half-wave rectification; the two front channels are zeroed at the block's first
//!    sample (the toolbox's "test hack");
//! 3. if `agc`: four coupled AGC stages (`agc`; targets 0.0032, 0.0016, 0.0008, 0.0004, time
//!    constants 0.64, 0.16, 0.04, 0.01 s, `ε = 1 − e^{−1/(τ fs)}`): per stage, across
//!    channels `i`, `out[i] = |in[i] (1 − s[i])|`, then
//!    `s[i] ← min(0.9, out[i] ε/target + (1 − ε)/3 · (s[i−1] + s[i] + s[i+1]))` (old states;
//!    the last channel uses `s[i]` twice);
//! 4. if `differ`: `out[i] ← max(0, out[i−1] − out[i])` for `i >= 1` (lateral inhibition);
//! 5. if `df > 1`: a 2-pole low-pass per channel (`sosfilters` with
//!    `SetGain([0 0 1 −2(1−ε) (1−ε)²], 1, 0, fs)`, `ε = EpsilonFromTauFS(df/fs · tau_factor)`);
//!
//! and the output sample is the value at the block's last input sample. The two front
//! channels are dropped. `floor(n / df)` frames are produced.
//!
//! Output channels are in *ascending* frequency order (the toolbox's are descending: channel
//! `i` here is toolbox channel `N − 1 − i`).

use crate::error::{invalid, Result};
use crate::mel::ms_to_samples;
use lsm_core::limits::Limit;
use lsm_core::Real;
use ndarray::Array2;
use realfft::num_complex::Complex;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Lyon passive ear parameters (`"kind": "lyon"` filterbank).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `ear_q` | `8.0` | quality of the stages (smaller: broader filters) | `> 0.5` |
/// | `step_factor` | `null` | channel spacing in bandwidths (`null`: `ear_q / 32`) | `> 0` |
/// | `hop_ms` | `10.0` | output period, ms (decimation `round(hop_ms·fs/1000)`) | `>= 1` sample |
/// | `differ` | `true` | channel-difference (lateral inhibition) stage | |
/// | `agc` | `true` | automatic gain control stages | |
/// | `tau_factor` | `3.0` | decimation low-pass time constant, in output periods | `> 0` |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LyonConfig {
    /// Ear quality. Default 8.
    pub ear_q: Real,
    /// Filter spacing; `None` means `ear_q / 32`. Default `None`.
    pub step_factor: Option<Real>,
    /// Output period in ms. Default 10.
    pub hop_ms: Real,
    /// Channel difference stage. Default true.
    pub differ: bool,
    /// AGC stages. Default true.
    pub agc: bool,
    /// Decimation filter time constant factor. Default 3.
    pub tau_factor: Real,
}

impl Default for LyonConfig {
    fn default() -> Self {
        Self {
            ear_q: 8.0,
            step_factor: None,
            hop_ms: 10.0,
            differ: true,
            agc: true,
            tau_factor: 3.0,
        }
    }
}

type Sos = [Real; 5];

fn second_order_filter(f: Real, q: Real, fs: Real) -> [Real; 3] {
    let cft = f / fs;
    let rho = (-PI * cft / q).exp();
    let theta = 2.0 * PI * cft * (1.0 - 1.0 / (4.0 * q * q)).sqrt();
    [1.0, -2.0 * rho * theta.cos(), rho * rho]
}

fn freq_resp(f: &Sos, freq: Real, fs: Real) -> Real {
    let cf = Complex::from_polar(1.0, 2.0 * PI * freq / fs);
    let num = Complex::new(f[2], 0.0) + cf * f[1] + cf * cf * f[0];
    let den = Complex::new(f[4], 0.0) + cf * f[3] + cf * cf;
    (num / den).norm()
}

fn set_gain(mut f: Sos, desired: Real, freq: Real, fs: Real) -> Sos {
    let g = freq_resp(&f, freq, fs);
    for v in &mut f[..3] {
        *v *= desired / g;
    }
    f
}

fn epsilon_from_tau(tau: Real, fs: Real) -> Real {
    1.0 - (-1.0 / tau / fs).exp()
}

/// `DesignLyonFilters`: the `2 + N` sections (front filters first) and the `N` centre
/// frequencies (descending).
fn design(fs: Real, ear_q: Real, step: Real) -> (Vec<Sos>, Vec<Real>) {
    let eb: Real = 1000.0;
    let zero_offset = 1.5;
    let sharpness = 5.0;
    let preemph_corner = 300.0;
    let mut topf = fs / 2.0;
    topf = topf - ((topf * topf + eb * eb).sqrt() / ear_q * step * zero_offset)
        + (topf * topf + eb * eb).sqrt() / ear_q * step;
    let lowf = eb / (4.0 * ear_q * ear_q - 1.0).sqrt();
    let n = ((ear_q
        * (-(lowf + (lowf * lowf + eb * eb).sqrt()).ln()
            + (topf + (eb * eb + topf * topf).sqrt()).ln()))
        / step)
        .floor()
        .max(0.0) as usize;
    let nom = topf + (eb * eb + topf * topf).sqrt();
    let cf: Vec<Real> = (1..=n)
        .map(|c| {
            let e = (c as Real * step / ear_q).exp();
            (-(e * eb * eb) / nom + nom / e) / 2.0
        })
        .collect();
    let mut filters = Vec::with_capacity(n + 2);
    let front0 = [0.0, 1.0, -(-2.0 * PI * preemph_corner / fs).exp(), 0.0, 0.0];
    filters.push(set_gain(front0, 1.0, fs / 4.0, fs));
    let bw0 = (cf[0] * cf[0] + eb * eb).sqrt() / ear_q;
    let top = second_order_filter(topf, cf[0] / bw0, fs);
    filters.push(set_gain(
        [1.0, 0.0, -1.0, top[1], top[2]],
        1.0,
        fs / 4.0,
        fs,
    ));
    for i in 0..n {
        let bw = (cf[i] * cf[i] + eb * eb).sqrt() / ear_q;
        let zcf = cf[i] + bw * step * zero_offset;
        let zq = sharpness * zcf / bw;
        let z = second_order_filter(zcf, zq, fs);
        let p = second_order_filter(cf[i], cf[i] / bw, fs);
        let dc = if i == 0 {
            cf[0] / cf[1]
        } else {
            cf[i - 1] / cf[i]
        };
        filters.push(set_gain([z[0], z[1], z[2], p[1], p[2]], dc, 0.0, fs));
    }
    (filters, cf)
}

/// A prepared Lyon passive ear (filters designed once); see the [module docs](self).
#[derive(Clone, Debug)]
pub struct LyonPassiveEar {
    cfg: LyonConfig,
    fs: u32,
    df: usize,
    filters: Vec<Sos>,
    /// Ascending.
    cf: Vec<Real>,
    dec: Sos,
    agc: [(Real, Real); 4],
}

/// Reusable per-signal state of the model.
#[derive(Default, Debug)]
pub(crate) struct LyonScratch {
    s1: Vec<Real>,
    s2: Vec<Real>,
    v: Vec<Real>,
    agc: Vec<Real>,
    d1: Vec<Real>,
    d2: Vec<Real>,
}

impl LyonConfig {
    /// Validate for sample rate `fs`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`].
    pub fn check(&self, fs: u32) -> Result<()> {
        let f = "front_end.filterbank";
        if !(self.ear_q.is_finite() && self.ear_q > 0.5) {
            return Err(invalid(
                format!("{f}.ear_q"),
                format!("expected > 0.5, got {}", self.ear_q),
            ));
        }
        if let Some(s) = self.step_factor {
            if !(s.is_finite() && s > 0.0) {
                return Err(invalid(
                    format!("{f}.step_factor"),
                    format!("expected > 0 or null, got {s}"),
                ));
            }
        }
        crate::mel::check_window_ms(&format!("{f}.hop_ms"), self.hop_ms)?;
        if !(self.hop_ms.is_finite() && ms_to_samples(self.hop_ms, fs) >= 1) {
            return Err(invalid(
                format!("{f}.hop_ms"),
                format!(
                    "expected at least one sample at {fs} Hz, got {} ms",
                    self.hop_ms
                ),
            ));
        }
        if !(self.tau_factor.is_finite() && self.tau_factor > 0.0) {
            return Err(invalid(
                format!("{f}.tau_factor"),
                format!("expected > 0, got {}", self.tau_factor),
            ));
        }
        Ok(())
    }
}

impl LyonPassiveEar {
    /// Design the model for sample rate `fs`.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] for invalid parameters or a sample rate too low
    /// to hold two channels.
    pub fn new(cfg: &LyonConfig, fs: u32) -> Result<Self> {
        cfg.check(fs)?;
        let fsr = fs as Real;
        let step = cfg.step_factor.unwrap_or(cfg.ear_q / 32.0);
        let (filters, mut cf) = {
            // Count channels first to fail cleanly.
            let eb: Real = 1000.0;
            let lowf = eb / (4.0 * cfg.ear_q * cfg.ear_q - 1.0).sqrt();
            let mut topf = fsr / 2.0;
            topf = topf - ((topf * topf + eb * eb).sqrt() / cfg.ear_q * step * 1.5)
                + (topf * topf + eb * eb).sqrt() / cfg.ear_q * step;
            let n = (cfg.ear_q
                * (-(lowf + (lowf * lowf + eb * eb).sqrt()).ln()
                    + (topf + (eb * eb + topf * topf).sqrt()).ln())
                / step)
                .floor();
            if n.is_nan() || n < 2.0 {
                return Err(invalid(
                    "front_end.filterbank",
                    format!("Lyon's model has fewer than 2 channels at {fs} Hz with ear_q {} and step_factor {step}", cfg.ear_q),
                ));
            }
            crate::error::limit(
                Limit::Inputs,
                n,
                "front_end.filterbank: Lyon channels (from ear_q and step_factor)",
            )?;
            design(fsr, cfg.ear_q, step)
        };
        cf.reverse();
        let df = ms_to_samples(cfg.hop_ms, fs);
        let dec_eps = epsilon_from_tau(df as Real / fsr * cfg.tau_factor, fsr);
        let dec = set_gain(
            [
                0.0,
                0.0,
                1.0,
                -2.0 * (1.0 - dec_eps),
                (1.0 - dec_eps).powi(2),
            ],
            1.0,
            0.0,
            fsr,
        );
        let taus = [0.64, 0.16, 0.04, 0.01];
        let tars = [0.0032, 0.0016, 0.0008, 0.0004];
        let mut agc = [(0.0, 0.0); 4];
        for i in 0..4 {
            agc[i] = (tars[i], epsilon_from_tau(taus[i], fsr));
        }
        Ok(Self {
            cfg: cfg.clone(),
            fs,
            df,
            filters,
            cf,
            dec,
            agc,
        })
    }

    /// Centre frequencies (Hz), ascending.
    pub fn centre_frequencies(&self) -> &[Real] {
        &self.cf
    }
    /// Number of output channels.
    pub fn n_bands(&self) -> usize {
        self.cf.len()
    }
    /// Decimation factor (input samples per output frame).
    pub fn decimation(&self) -> usize {
        self.df
    }
    /// Output period in ms.
    pub fn frame_ms(&self) -> Real {
        self.df as Real * 1000.0 / self.fs as Real
    }
    /// Number of frames for `n` samples: `floor(n / df)`.
    pub fn n_frames(&self, n: usize) -> usize {
        n / self.df
    }

    /// The cochleagram `[n_frames, n_bands]` of `x`.
    pub fn features(&self, x: &[Real]) -> Array2<Real> {
        let mut out = Array2::zeros((self.n_frames(x.len()), self.n_bands()));
        self.features_into(x, &mut LyonScratch::default(), &mut out);
        out
    }

    pub(crate) fn features_into(&self, x: &[Real], s: &mut LyonScratch, out: &mut Array2<Real>) {
        let nch = self.filters.len();
        let nb = nch - 2;
        for v in [&mut s.s1, &mut s.s2, &mut s.v, &mut s.d1, &mut s.d2] {
            v.clear();
            v.resize(nch, 0.0);
        }
        s.agc.clear();
        s.agc.resize(4 * nch, 0.0);
        let df = self.df;
        let n_out = self.n_frames(x.len());
        for i in 0..n_out {
            for j in 0..df {
                // 1. cascade
                let mut inp = x[i * df + j];
                for (c, f) in self.filters.iter().enumerate() {
                    let o = f[0] * inp + s.s1[c];
                    s.s1[c] = f[1] * inp - f[3] * o + s.s2[c];
                    s.s2[c] = f[2] * inp - f[4] * o;
                    // 2. half-wave rectification
                    s.v[c] = o.max(0.0);
                    inp = o;
                }
                if j == 0 {
                    s.v[0] = 0.0;
                    s.v[1] = 0.0;
                }
                // 3. AGC
                if self.cfg.agc {
                    for (k, &(target, eps)) in self.agc.iter().enumerate() {
                        agc_stage(&mut s.v, &mut s.agc[k * nch..(k + 1) * nch], eps, target);
                    }
                }
                // 4. channel difference
                if self.cfg.differ {
                    for c in (1..nch).rev() {
                        s.v[c] = (s.v[c - 1] - s.v[c]).max(0.0);
                    }
                    s.v[0] = s.v[0].max(0.0);
                }
                // 5. decimation low-pass
                if df > 1 {
                    let f = &self.dec;
                    for c in 0..nch {
                        let inp = s.v[c];
                        let o = f[0] * inp + s.d1[c];
                        s.d1[c] = f[1] * inp - f[3] * o + s.d2[c];
                        s.d2[c] = f[2] * inp - f[4] * o;
                        s.v[c] = o;
                    }
                }
            }
            // Drop the two front channels, reverse to ascending frequency.
            let mut row = out.row_mut(i);
            for (b, o) in row.iter_mut().enumerate() {
                *o = s.v[2 + (nb - 1 - b)];
            }
        }
    }
}

/// One AGC stage in place (the toolbox's `agc()` C kernel).
fn agc_stage(v: &mut [Real], state: &mut [Real], eps: Real, target: Real) {
    let limit = 1.0 - 0.1;
    let omeot = (1.0 - eps) / 3.0;
    let eot = eps / target;
    let n = v.len();
    let mut prev = state[0];
    for i in 0..n {
        let o = (v[i] * (1.0 - state[i])).abs();
        v[i] = o;
        let next = if i + 1 < n { state[i + 1] } else { state[i] };
        let f = (o * eot + omeot * (prev + state[i] + next)).min(limit);
        prev = state[i];
        state[i] = f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agc_kernel_matches_the_toolbox_example() {
        // agc(ones(1,20),[.5;.5]) = 1.0 0.1 0.45 0.275 0.3625 0.3187 ... -> 1/3.
        let want = [1.0, 0.1, 0.45, 0.275, 0.3625, 0.31875, 0.340625];
        let mut state = [0.0];
        for &w in &want {
            let mut v = [1.0];
            agc_stage(&mut v, &mut state, 0.5, 0.5);
            assert!((v[0] - w).abs() < 1e-12, "{} vs {w}", v[0]);
        }
    }

    #[test]
    fn pure_tone_excites_nearest_channel() {
        let fs = 16000;
        let m = LyonPassiveEar::new(&LyonConfig::default(), fs).unwrap();
        let cf = m.centre_frequencies().to_vec();
        assert!(cf.windows(2).all(|w| w[0] < w[1]));
        for &f0 in &[500.0, 1000.0, 2000.0, 4000.0] {
            let x: Vec<Real> = (0..8000)
                .map(|i| 0.1 * (2.0 * PI * f0 * i as Real / fs as Real).sin())
                .collect();
            let y = m.features(&x);
            let e: Vec<Real> = (0..m.n_bands())
                .map(|b| y.column(b).iter().skip(10).sum())
                .collect();
            let best = (0..e.len()).max_by(|&a, &b| e[a].total_cmp(&e[b])).unwrap();
            let nearest = (0..cf.len())
                .min_by(|&a, &b| (cf[a] - f0).abs().total_cmp(&(cf[b] - f0).abs()))
                .unwrap();
            // Lyon's cascade peaks slightly basal (above) of the tone's place.
            assert!(
                (best as isize - nearest as isize).abs() <= 2,
                "{f0} Hz: best {best} ({} Hz), nearest {nearest} ({} Hz)",
                cf[best],
                cf[nearest]
            );
        }
    }
}
