//! Property tests of the spike CSV reader on hostile input: arbitrary bytes and arbitrary
//! structured rows (huge indices, huge or odd times, a byte-order mark). Whatever the input,
//! the reader returns an error naming the file and line or a valid train, never panics, and
//! never allocates much more than the input's size, also when it must infer the number of
//! channels and steps.
//!
//! 64 cases per property by default; a longer search:
//! `PROPTEST_CASES=10000 cargo test -p lsm-core --test fuzz`.

#[path = "support/fuzz_support.rs"]
mod fuzz_support;

use fuzz_support::{config, peak_during, PeakAlloc};
use lsm_core::SpikeTrains;
use proptest::prelude::*;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Read `text` with the given bounds and check the contract.
fn check(
    text: &[u8],
    n_channels: Option<usize>,
    n_steps: Option<usize>,
) -> Result<(), TestCaseError> {
    let (peak, r) = peak_during(|| {
        SpikeTrains::read_csv(text, "fuzz.csv", "channel", 0.5, n_channels, n_steps)
    });
    match r {
        Ok(st) => {
            if let Some(n) = n_channels {
                prop_assert_eq!(st.n_channels(), n);
            }
            if let Some(n) = n_steps {
                prop_assert_eq!(st.n_steps(), n);
            }
            prop_assert!(st
                .iter()
                .all(|(s, c)| s < st.n_steps() && (c as usize) < st.n_channels()));
            // Inferred sizes are bounded, so memory is too.
            prop_assert!(st.n_steps() <= lsm_core::MAX_INFERRED_STEPS);
            prop_assert!(st.n_channels() <= lsm_core::MAX_INFERRED_CHANNELS);
        }
        Err(e) => {
            prop_assert!(e.to_string().contains("fuzz.csv"), "{}", e);
            // An error never costs more than a small multiple of the input.
            prop_assert!(peak <= 64 * text.len() + (1 << 20), "{} bytes", peak);
        }
    }
    Ok(())
}

/// A field value: a plausible number, an extreme one, or junk.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..50).prop_map(|v| v.to_string()),
        (0.0f64..100.0).prop_map(|v| v.to_string()),
        any::<u64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| v.to_string()),
        Just("99999999999999999999999".to_string()),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just("NaN".to_string()),
        "[ -~]{0,6}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        header in any::<bool>(),
        nc in proptest::option::of(0usize..64),
        ns in proptest::option::of(0usize..1000),
    ) {
        let mut text = if header { b"channel,time_ms\n".to_vec() } else { Vec::new() };
        text.extend_from_slice(&bytes);
        check(&text, nc, ns)?;
    }

    #[test]
    fn arbitrary_rows(
        bom in any::<bool>(),
        rows in proptest::collection::vec((field(), field()), 0..64),
        nc in proptest::option::of(0usize..64),
        ns in proptest::option::of(0usize..1000),
    ) {
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str("channel,time_ms\r\n");
        for (a, b) in &rows {
            text.push_str(&format!("{a},{b}\n"));
        }
        check(text.as_bytes(), nc, ns)?;
    }
}

#[test]
fn inferring_sizes_from_a_tiny_file_is_bounded() {
    for text in [
        "channel,time_ms\n0,1e12\n",
        "channel,time_ms\n4294967294,0\n",
        "channel,time_ms\n16777216,0\n",
    ] {
        let (peak, r) = peak_during(|| {
            SpikeTrains::read_csv(text.as_bytes(), "t.csv", "channel", 1.0, None, None)
        });
        let e = r.unwrap_err().to_string();
        assert!(e.contains("t.csv") && e.contains("line 2"), "{e}");
        assert!(peak < 1 << 20, "{peak} bytes");
    }
}
