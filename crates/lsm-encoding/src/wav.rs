//! WAV reading with `hound`: 8/16/24/32-bit integer and 32-bit float PCM, any number of
//! channels (mixed down to mono by averaging), any sample rate.
//!
//! Integer samples of `b` bits are normalised as `x / 2^(b−1)`, which lies in `[−1, 1)`
//! (8-bit WAV is unsigned on disk; hound re-centres it). Float samples are kept as they are
//! (nominally `[−1, 1]`). Multi-channel frames are averaged. An empty, truncated, non-WAV or
//! unsupported file gives an [`EncodingError::Wav`] naming the file.
//!
//! The header's data length is never trusted: data it announces beyond the end of the file is
//! an error found before anything is allocated (so a 4 KB file claiming 4 GB of samples is
//! refused at once), and memory is reserved only for what the file can hold. Anything that is
//! not a regular file (a folder, a FIFO, a device) is refused before it is opened.

use crate::error::{EncodingError, Result};
use lsm_core::Real;
use std::path::Path;

/// A mono signal and its sample rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Samples normalised to `[−1, 1)`.
    pub samples: Vec<Real>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

/// Read a WAV file, mixed down to mono and normalised; see the [module docs](self).
///
/// # Errors
/// [`EncodingError::Wav`] naming the file, for a missing, empty, truncated, non-WAV or
/// unsupported (e.g. 64-bit float, A-law) file, or one with no samples.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("a.wav");
/// let spec = hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16,
///                             sample_format: hound::SampleFormat::Int };
/// let mut w = hound::WavWriter::create(&p, spec).unwrap();
/// for s in [0i16, 16384, -32768] { w.write_sample(s).unwrap(); }
/// w.finalize().unwrap();
/// let a = lsm_encoding::read_wav(&p)?;
/// assert_eq!(a.sample_rate, 8000);
/// assert_eq!(a.samples, vec![0.0, 0.5, -1.0]);
/// # Ok::<(), lsm_encoding::EncodingError>(())
/// ```
pub fn read_wav(path: impl AsRef<Path>) -> Result<Audio> {
    let mut samples = Vec::new();
    let sample_rate = read_wav_into(path, &mut samples)?;
    Ok(Audio {
        samples,
        sample_rate,
    })
}

/// [`read_wav`] into a reused buffer (cleared first); returns the sample rate.
///
/// # Errors
/// As [`read_wav`].
pub fn read_wav_into(path: impl AsRef<Path>, out: &mut Vec<Real>) -> Result<u32> {
    let path = path.as_ref();
    let err = |msg: String| EncodingError::Wav {
        path: path.to_path_buf(),
        msg,
    };
    // Check the type before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read the file: {e}")))?;
    if !meta.is_file() {
        return Err(err(format!(
            "{}, expected a regular WAV file",
            lsm_core::describe_file_type(&meta.file_type())
        )));
    }
    let file_len = meta.len();
    if file_len == 0 {
        return Err(err("empty file (0 bytes): expected a WAV file".into()));
    }
    let reader = hound::WavReader::open(path).map_err(|e| err(describe(e)))?;
    let spec = reader.spec();
    let nch = spec.channels as usize;
    if nch == 0 {
        return Err(err("the WAV header declares 0 channels".into()));
    }
    if spec.sample_rate == 0 {
        return Err(err("the WAV header declares a sample rate of 0 Hz".into()));
    }
    // Never trust the declared length: a 4 KB file may claim 4 GB of samples. The data must
    // fit in the file, and nothing is reserved beyond what the file can hold.
    let bytes_per_sample = u64::from(spec.bits_per_sample).div_ceil(8).max(1);
    let declared = u64::from(reader.len());
    let declared_bytes = declared * bytes_per_sample;
    if declared_bytes > file_len {
        return Err(err(format!(
            "truncated: the header announces {declared} samples ({declared_bytes} bytes of \
             audio data) but the whole file is only {file_len} bytes"
        )));
    }
    out.clear();
    out.reserve((declared.min(file_len / bytes_per_sample) as usize) / nch);
    let mut acc = 0.0;
    let mut k = 0usize;
    let inv_n = 1.0 / nch as Real;
    let mut push = |x: Real| {
        acc += x;
        k += 1;
        if k == nch {
            out.push(if nch == 1 { acc } else { acc * inv_n });
            acc = 0.0;
            k = 0;
        }
    };
    let mut reader = reader;
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => {
            for s in reader.samples::<f32>() {
                push(s.map_err(|e| err(describe(e)))? as Real);
            }
        }
        (hound::SampleFormat::Int, b @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (b - 1)) as Real;
            for s in reader.samples::<i32>() {
                push(s.map_err(|e| err(describe(e)))? as Real * scale);
            }
        }
        (f, b) => {
            return Err(err(format!(
                "unsupported sample format: {b}-bit {}; expected 8/16/24/32-bit integer or 32-bit float PCM",
                match f {
                    hound::SampleFormat::Float => "float",
                    hound::SampleFormat::Int => "integer",
                }
            )))
        }
    }
    if k != 0 {
        return Err(err(
            "truncated: the data ends in the middle of a multi-channel frame".into(),
        ));
    }
    if out.is_empty() {
        return Err(err("the WAV file contains no audio samples".into()));
    }
    Ok(spec.sample_rate)
}

fn describe(e: hound::Error) -> String {
    match e {
        hound::Error::IoError(io)
            if io.kind() == std::io::ErrorKind::UnexpectedEof
                || io.to_string().contains("enough bytes") =>
        {
            "truncated: the file ends before the data its header announces".into()
        }
        hound::Error::IoError(io) => format!("I/O error: {io}"),
        hound::Error::FormatError(m) => format!("not a valid WAV file: {m}"),
        hound::Error::TooWide => "unsupported: samples wider than 32 bits".into(),
        hound::Error::UnfinishedSample => {
            "truncated: the data ends in the middle of a sample".into()
        }
        hound::Error::Unsupported => {
            "unsupported WAV format (expected 8/16/24/32-bit integer or 32-bit float PCM)".into()
        }
        hound::Error::InvalidSampleFormat => {
            "unsupported: invalid sample format for its bit depth".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hound::{SampleFormat, WavSpec, WavWriter};

    /// Values exactly representable in every format: multiples of 1/128 in [-1, 1).
    fn signal() -> Vec<Real> {
        (0..256).map(|i| (i as Real - 128.0) / 128.0).collect()
    }

    fn write(path: &Path, bits: u16, format: SampleFormat, channels: u16) {
        let spec = WavSpec {
            channels,
            sample_rate: 11025,
            bits_per_sample: bits,
            sample_format: format,
        };
        let mut w = WavWriter::create(path, spec).unwrap();
        for &x in &signal() {
            for _ in 0..channels {
                match (format, bits) {
                    (SampleFormat::Float, _) => w.write_sample(x as f32).unwrap(),
                    (_, 8) => w.write_sample((x * 128.0) as i8).unwrap(),
                    (_, 16) => w.write_sample((x * 32768.0) as i16).unwrap(),
                    (_, 24) => w.write_sample((x * 8388608.0) as i32).unwrap(),
                    (_, 32) => w.write_sample((x * 2147483648.0) as i32).unwrap(),
                    _ => unreachable!(),
                }
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn every_sample_format_reads_to_the_same_signal() {
        let dir = tempfile::tempdir().unwrap();
        let want = signal();
        for (bits, fmt) in [
            (8, SampleFormat::Int),
            (16, SampleFormat::Int),
            (24, SampleFormat::Int),
            (32, SampleFormat::Int),
            (32, SampleFormat::Float),
        ] {
            for ch in [1, 2, 3] {
                let p = dir.path().join(format!("s{bits}{fmt:?}{ch}.wav"));
                write(&p, bits, fmt, ch);
                let a = read_wav(&p).unwrap();
                assert_eq!(a.sample_rate, 11025);
                assert_eq!(a.samples.len(), want.len());
                for (g, w) in a.samples.iter().zip(&want) {
                    assert!(
                        (g - w).abs() < 1e-12,
                        "{bits}-bit {fmt:?} x{ch}: {g} vs {w}"
                    );
                }
                assert!(a.samples.iter().all(|&x| (-1.0..1.0).contains(&x)));
            }
        }
    }

    #[test]
    fn stereo_is_averaged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("st.wav");
        let spec = WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let mut w = WavWriter::create(&p, spec).unwrap();
        for (l, r) in [(16384i16, 0i16), (-16384, 16384)] {
            w.write_sample(l).unwrap();
            w.write_sample(r).unwrap();
        }
        w.finalize().unwrap();
        assert_eq!(read_wav(&p).unwrap().samples, vec![0.25, 0.0]);
    }

    #[test]
    fn bad_files_give_clear_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let check = |name: &str, bytes: &[u8], needle: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let e = read_wav(&p).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
            assert!(e.contains(needle), "{name}: {e}");
        };
        check("empty.wav", b"", "empty");
        check(
            "text.wav",
            b"hello, this is not a wav file at all",
            "not a valid WAV",
        );
        // A good file cut in the middle of its data.
        let good = dir.path().join("good.wav");
        write(&good, 16, SampleFormat::Int, 1);
        let bytes = std::fs::read(&good).unwrap();
        check("cut.wav", &bytes[..bytes.len() - 101], "truncated");
        // Header only (no data chunk at all).
        check("header.wav", &bytes[..30], "");
        // A valid WAV with no samples.
        let p = dir.path().join("nodata.wav");
        let spec = WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        WavWriter::create(&p, spec).unwrap().finalize().unwrap();
        let e = read_wav(&p).unwrap_err().to_string();
        assert!(
            e.contains("nodata.wav") && e.contains("no audio samples"),
            "{e}"
        );
        // Missing file.
        let e = read_wav(dir.path().join("missing.wav"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.wav"), "{e}");
    }

    #[test]
    fn unsupported_format_is_reported() {
        // 64-bit float is not something hound writes; patch a 32-bit float header to 64 bits.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.wav");
        write(&p, 32, SampleFormat::Float, 1);
        let mut bytes = std::fs::read(&p).unwrap();
        // Find "fmt " and set bits_per_sample (offset 22 within the chunk body start - 8).
        let pos = bytes.windows(4).position(|w| w == b"fmt ").unwrap();
        let bps = pos + 8 + 14;
        bytes[bps] = 64;
        bytes[bps + 1] = 0;
        let q = dir.path().join("f64.wav");
        std::fs::write(&q, &bytes).unwrap();
        let e = read_wav(&q).unwrap_err().to_string();
        assert!(e.contains("f64.wav"), "{e}");
        assert!(e.contains("nsupported") || e.contains("not a valid"), "{e}");
    }
}
