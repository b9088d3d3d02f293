//! Property tests of the encoder config reader: arbitrary bytes and arbitrary
//! structured values never panic; an accepted config builds an encoder (or is refused with an
//! error) and encodes a short signal without panicking.
//!
//! Default: 48 cases per property. A larger run: `PROPTEST_CASES=5000 cargo test -p
//! lsm-encoding --test prop_config`.

use lsm_encoding::{AudioEncoder, AudioEncoderConfig};
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48)
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0.0..64.0f64).prop_map(|x| json!(x)),
        (0u64..64).prop_map(|x| json!(x)),
        any::<f64>().prop_map(|x| json!(x)),
        any::<u64>().prop_map(|x| json!(x)),
        prop::sample::select(vec![
            1e-300,
            1e-12,
            1e-9,
            1e9,
            1e300,
            -1.0,
            0.0,
            4294967296.0
        ])
        .prop_map(|x| json!(x)),
    ]
}

fn filterbank() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["mel", "mfcc", "gammatone", "lyon", "nope"]),
        prop::collection::btree_map(
            prop::sample::select(vec![
                "n_mels",
                "win_ms",
                "hop_ms",
                "fmin_hz",
                "fmax_hz",
                "n_mfcc",
                "n_bands",
                "ear_q",
                "step_factor",
                "tau_factor",
                "power",
            ]),
            number(),
            0..3,
        ),
    )
        .prop_map(|(kind, m)| {
            let mut o = serde_json::Map::new();
            o.insert("kind".into(), json!(kind));
            for (k, v) in m {
                o.insert(k.into(), v);
            }
            Value::Object(o)
        })
}

fn encoder() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"kind": "rate"})),
        (number(), number())
            .prop_map(|(r, s)| json!({"kind": "rate", "max_rate_hz": r, "slot_ms": s})),
        number().prop_map(|r| json!({"kind": "rate", "process": "poisson", "max_rate_hz": r})),
        number().prop_map(|t| json!({"kind": "latency", "threshold": t})),
        number().prop_map(|t| json!({"kind": "delta", "threshold": t})),
        Just(json!({"kind": "step_forward"})),
        number().prop_map(|r| json!({"kind": "bsa", "max_rate_hz": r})),
    ]
}

/// A config that was accepted builds (or is refused by its cost) and encodes a short tone.
fn accepted_config_encodes(cfg: &AudioEncoderConfig) {
    let Ok(enc) = AudioEncoder::new(cfg) else {
        return;
    };
    if enc.n_bands() > 512 || enc.dt_ms() < 0.01 {
        return; // valid and within the limits, but too slow for a unit test
    }
    let x: Vec<f64> = (0..1600).map(|i| 0.3 * (i as f64 * 0.25).sin()).collect();
    if let Ok(out) = enc.encode_samples(&x, 8000, &mut lsm_core::rng_for(1, 0)) {
        assert_eq!(out.spikes.n_channels(), enc.n_channels());
        assert_eq!(out.features.ncols(), enc.n_bands());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(cfg) = AudioEncoderConfig::from_json(&text, "fuzz.json") {
            accepted_config_encodes(&cfg);
        }
    }

    #[test]
    fn structured_configs(
        sample_rate in prop_oneof![4 => Just(json!(8000)), 1 => Just(json!(16000)), 1 => number()],
        fb in filterbank(),
        enc in encoder(),
        dt in prop_oneof![3 => Just(json!(1.0)), 1 => Just(json!(0.5)), 1 => number()],
        pre in prop_oneof![4 => Just(json!(0.0)), 1 => number()],
    ) {
        let text = json!({
            "front_end": {"sample_rate_hz": sample_rate, "filterbank": fb, "pre_emphasis": pre},
            "encoder": enc,
            "dt_ms": dt,
        })
        .to_string();
        if let Ok(cfg) = AudioEncoderConfig::from_json(&text, "enc.json") {
            prop_assert!(cfg.front_end.sample_rate_hz <= 1_000_000);
            accepted_config_encodes(&cfg);
        }
    }
}
