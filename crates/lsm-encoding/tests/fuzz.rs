//! Property tests of the WAV reader on hostile input: arbitrary bytes, well-formed headers
//! with arbitrary (lying) fields, and corrupted real files. Whatever the bytes, the reader
//! returns an error naming the file or a valid signal, never panics, and never holds much
//! more memory than the file's size (a header's declared length is not trusted).
//!
//! 64 cases per property by default; a longer search:
//! `PROPTEST_CASES=10000 cargo test -p lsm-encoding --test fuzz`.

#[path = "../../lsm-core/tests/support/fuzz_support.rs"]
mod fuzz_support;

use fuzz_support::{config, peak_during, PeakAlloc};
use lsm_encoding::read_wav;
use proptest::prelude::*;
use std::path::Path;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Memory allowed for reading a file of `len` bytes: the decoded samples (at most 8 bytes of
/// `f64` per byte of 8-bit data) plus 1 MiB for buffers.
fn budget(len: usize) -> usize {
    8 * len + (1 << 20)
}

/// Read `bytes` as a WAV file and check the contract; returns whether it was accepted.
fn check(dir: &Path, bytes: &[u8]) -> Result<bool, TestCaseError> {
    let p = dir.join("case.wav");
    std::fs::write(&p, bytes).unwrap();
    let t0 = std::time::Instant::now();
    let (peak, r) = peak_during(|| read_wav(&p));
    prop_assert!(t0.elapsed().as_secs() < 5, "slow: {:?}", t0.elapsed());
    prop_assert!(
        peak <= budget(bytes.len()),
        "{peak} bytes for a {}-byte file",
        bytes.len()
    );
    match r {
        Ok(a) => {
            prop_assert!(a.sample_rate > 0);
            prop_assert!(!a.samples.is_empty());
            prop_assert!(a.samples.len() <= bytes.len());
            Ok(true)
        }
        Err(e) => {
            prop_assert!(e.to_string().contains("case.wav"), "{e}");
            Ok(false)
        }
    }
}

/// A canonical WAV: RIFF header, a 16-byte `fmt ` chunk with the given fields, and a `data`
/// chunk that *declares* `declared` bytes but holds `data`.
fn wav(
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    declared: u32,
    data: &[u8],
    honest_block: bool,
) -> Vec<u8> {
    let block = if honest_block {
        channels.wrapping_mul(bits.div_ceil(8))
    } else {
        bits
    };
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36u32.wrapping_add(declared)).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&tag.to_le_bytes());
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate.wrapping_mul(u32::from(block))).to_le_bytes());
    v.extend_from_slice(&block.to_le_bytes());
    v.extend_from_slice(&bits.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&declared.to_le_bytes());
    v.extend_from_slice(data);
    v
}

#[test]
fn a_small_file_claiming_4_gb_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("liar.wav");
    // 4 KB of 16-bit samples whose header claims 4 GB (the largest even u32).
    std::fs::write(&p, wav(1, 1, 8000, 16, u32::MAX - 1, &[0u8; 4096], true)).unwrap();
    let t0 = std::time::Instant::now();
    let (peak, r) = peak_during(|| read_wav(&p));
    let e = r.unwrap_err().to_string();
    assert!(t0.elapsed().as_millis() < 1000);
    assert!(peak < 1 << 20, "{peak} bytes");
    assert!(e.contains("liar.wav") && e.contains("truncated"), "{e}");
    assert!(
        e.contains("4294967294 bytes") && e.contains("4140 bytes"),
        "{e}"
    );
}

#[test]
fn an_honest_header_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = [0i16, 16384, -32768]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let p = dir.path().join("ok.wav");
    std::fs::write(&p, wav(1, 1, 8000, 16, 6, &data, true)).unwrap();
    assert_eq!(read_wav(&p).unwrap().samples, [0.0, 0.5, -1.0]);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let dir = tempfile::tempdir().unwrap();
        check(dir.path(), &bytes)?;
    }

    #[test]
    fn arbitrary_bytes_after_a_riff_wave_header(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = b"RIFF\xff\xff\xff\xffWAVE".to_vec();
        bytes.extend_from_slice(&tail);
        check(dir.path(), &bytes)?;
    }

    #[test]
    fn headers_with_arbitrary_fields(
        tag in prop_oneof![Just(1u16), Just(3), Just(0xFFFE), any::<u16>()],
        channels in prop_oneof![0u16..4, any::<u16>()],
        rate in prop_oneof![Just(0u32), Just(8000), any::<u32>()],
        bits in prop_oneof![Just(8u16), Just(16), Just(24), Just(32), Just(64), 0u16..70],
        declared in prop_oneof![0u32..4096, any::<u32>()],
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        honest_block in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = wav(tag, channels, rate, bits, declared, &data, honest_block);
        let accepted = check(dir.path(), &bytes)?;
        if accepted {
            // Accepted data must fit in the file.
            prop_assert!(u64::from(declared) <= data.len() as u64);
        }
    }

    #[test]
    fn corrupted_real_files(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..400i16).flat_map(|s| (s * 80).to_le_bytes()).collect();
        let mut bytes = wav(1, 2, 16000, 16, data.len() as u32, &data, true);
        for (i, b) in &flips {
            let k = i.index(bytes.len());
            bytes[k] = *b;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        check(dir.path(), &bytes)?;
    }
}
