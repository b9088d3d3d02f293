//! Resampling and pre-emphasis.
//!
//! **Resampling** uses `rubato`'s synchronous FFT resampler (`FftFixedInOut`): the signal is
//! upsampled by `L = fs_out/g`, low-pass filtered and downsampled by `M = fs_in/g`
//! (`g = gcd(fs_in, fs_out)`) in the frequency domain, chunk by chunk with overlap-add, which
//! is an exact rational-ratio, anti-aliased (band-limited to the lower of the two Nyquist
//! frequencies) resampler — the same family as the polyphase FIR resamplers of
//! `scipy.signal.resample_poly` and `soxr`. rubato is a pure-Rust, well-maintained crate
//! sharing our `realfft`. The resampler's delay is removed so that output sample `i` is at
//! time `i / fs_out`, and the output has `ceil(n · fs_out / fs_in)` samples.
//!
//! **Cost**: chunks of `k · fs_in/g` input and `k · fs_out/g` output samples, `k >= 2` chosen
//! so that an input chunk has about 1024 samples and an output chunk at most about `2^16`
//! (when the ratio allows); memory is `O(n_out + chunk)` and time `O(n_out log chunk)`, also
//! for extreme ratios such as 1 Hz → 8 kHz. Callers bound the rates and the recording length
//! ([`lsm_core::limits`]).
//!
//! **Pre-emphasis**: `y[0] = x[0]`, `y[n] = x[n] − a · x[n−1]` (a first-order high-pass that
//! lifts high frequencies by about 6 dB per octave; usual `a`: 0.97).

use crate::error::{EncodingError, Result};
use lsm_core::Real;
use rubato::{FftFixedInOut, Resampler};

/// Resample `x` from `from_hz` to `to_hz`; see the [module docs](self). Returns `x` unchanged
/// (copied) when the rates are equal.
///
/// # Errors
/// [`EncodingError::Resample`] when a rate is 0 or the resampler fails.
///
/// ```
/// let x: Vec<f64> = (0..16000).map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 16000.0).sin()).collect();
/// let y = lsm_encoding::resample(&x, 16000, 8000)?;
/// assert_eq!(y.len(), 8000);
/// // Still a 440 Hz sine: compare with the ideal one away from the edges.
/// let err = (1000..7000).map(|i| (y[i] - (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin()).abs()).fold(0.0, f64::max);
/// assert!(err < 1e-3, "{err}");
/// # Ok::<(), lsm_encoding::EncodingError>(())
/// ```
pub fn resample(x: &[Real], from_hz: u32, to_hz: u32) -> Result<Vec<Real>> {
    let fail = |msg: String| EncodingError::Resample {
        from_hz,
        to_hz,
        msg,
    };
    if from_hz == 0 || to_hz == 0 {
        return Err(fail("sample rates must be > 0".into()));
    }
    if from_hz == to_hz {
        return Ok(x.to_vec());
    }
    let n_out = ((x.len() as u128 * to_hz as u128).div_ceil(from_hz as u128)) as usize;
    // Chunks of an even number of "minimal chunks", so that both FFT lengths are even and the
    // resampler's delay (half an FFT) is a whole number of output samples.
    let g = gcd(from_hz as usize, to_hz as usize);
    let min_in = from_hz as usize / g;
    let min_out = to_hz as usize / g;
    let mut k = 1024usize.div_ceil(min_in).max(2);
    // Upsampling from a very low rate (1 Hz to 8 kHz: min_out = 8000) would make chunks of
    // k · min_out output samples, millions for k = 1024: keep the output chunk near 2^16
    // samples (k >= 2) so that the FFTs and buffers stay small. Common ratios are not affected.
    if k * min_out > 1 << 16 {
        k = ((1usize << 16) / min_out).max(2);
    }
    k += k % 2;
    let mut rs = FftFixedInOut::<Real>::new(from_hz as usize, to_hz as usize, k * min_in, 1)
        .map_err(|e| fail(e.to_string()))?;
    let delay = rs.output_delay();
    let chunk_in = rs.input_frames_next();
    let chunk_out = rs.output_frames_next();
    let mut out = Vec::with_capacity(n_out + delay + chunk_out);
    let mut inbuf = vec![vec![0.0; chunk_in]];
    let mut outbuf = vec![vec![0.0; chunk_out]];
    let mut pos = 0;
    while out.len() < n_out + delay {
        let take = chunk_in.min(x.len().saturating_sub(pos));
        inbuf[0][..take].copy_from_slice(&x[pos..pos + take]);
        inbuf[0][take..].fill(0.0);
        pos += take;
        let (_, n) = rs
            .process_into_buffer(&inbuf, &mut outbuf, None)
            .map_err(|e| fail(e.to_string()))?;
        out.extend_from_slice(&outbuf[0][..n]);
    }
    out.drain(..delay);
    out.truncate(n_out);
    Ok(out)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Pre-emphasis in place: `x[n] −= a · x[n−1]` for `n >= 1` (using the original `x[n−1]`).
///
/// ```
/// let mut x = vec![1.0, 1.0, 2.0];
/// lsm_encoding::pre_emphasis(&mut x, 0.97);
/// assert_eq!(x, vec![1.0, 1.0 - 0.97, 2.0 - 0.97]);
/// ```
pub fn pre_emphasis(x: &mut [Real], a: Real) {
    if a == 0.0 {
        return;
    }
    for n in (1..x.len()).rev() {
        x[n] -= a * x[n - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn anti_aliasing_removes_content_above_the_new_nyquist() {
        // 3.5 kHz at 16 kHz, resampled to 4 kHz (Nyquist 2 kHz): must be (nearly) silent.
        let x: Vec<Real> = (0..16000)
            .map(|i| (2.0 * PI * 3500.0 * i as Real / 16000.0).sin())
            .collect();
        let y = resample(&x, 16000, 4000).unwrap();
        assert_eq!(y.len(), 4000);
        let rms = (y[500..3500].iter().map(|v| v * v).sum::<Real>() / 3000.0).sqrt();
        assert!(rms < 0.01, "aliased energy, rms {rms}");
    }

    #[test]
    fn one_hertz_input_is_resampled_with_bounded_chunks() {
        // 1 Hz -> 8 kHz: 5 input samples give 40,000 output samples (a constant stays
        // constant away from the edges), with chunks of 2 in / 16,000 out, not 8 million.
        let x = vec![0.5; 5];
        let t0 = std::time::Instant::now();
        let y = resample(&x, 1, 8000).unwrap();
        assert_eq!(y.len(), 40_000);
        assert!(y.iter().all(|v| v.is_finite()));
        assert!(
            (y[16_000] - 0.5).abs() < 0.05,
            "a constant should stay near 0.5, got {}",
            y[16_000]
        );
        assert!(t0.elapsed().as_secs() < 20, "took {:?}", t0.elapsed());
    }

    #[test]
    fn upsampling_keeps_a_tone() {
        let x: Vec<Real> = (0..8000)
            .map(|i| (2.0 * PI * 300.0 * i as Real / 8000.0).sin())
            .collect();
        let y = resample(&x, 8000, 22050).unwrap();
        assert_eq!(y.len(), 22050);
        for i in (2000..20000).step_by(97) {
            let want = (2.0 * PI * 300.0 * i as Real / 22050.0).sin();
            assert!((y[i] - want).abs() < 2e-3, "{i}: {} vs {want}", y[i]);
        }
    }
}
