//! Hostile input to the audio front end: silence means no spikes, a recording shorter than one
//! analysis frame is an error naming the file and both lengths, rates and durations are checked
//! against their cost before any work, a 1 Hz recording is resampled with a bounded cost, and
//! encoder configs are strict JSON.
//!
//! The limits are never lifted here (process-wide; the CLI tests do that in their own
//! processes).

use lsm_core::limits::Limit;
use lsm_core::rng_for;
use lsm_encoding::{
    AudioEncoder, AudioEncoderConfig, AudioWorkspace, EncodingError, FilterbankConfig,
    FrontEndConfig, GammatoneConfig, LyonConfig,
};
use std::path::Path;

fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn with_bank(fb: FilterbankConfig) -> AudioEncoderConfig {
    AudioEncoderConfig {
        front_end: FrontEndConfig {
            filterbank: fb,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn limit_of(e: &EncodingError) -> Option<Limit> {
    match e {
        EncodingError::Limit(l) => Some(l.limit),
        _ => None,
    }
}

#[test]
fn digital_silence_encodes_as_no_spikes_with_every_filterbank() {
    let silence = vec![0.0; 8000];
    for fb in [
        FilterbankConfig::default(),
        FilterbankConfig::Gammatone(GammatoneConfig::default()),
        FilterbankConfig::Lyon(LyonConfig::default()),
    ] {
        let enc = AudioEncoder::new(&with_bank(fb.clone())).unwrap();
        let out = enc
            .encode_samples(&silence, 8000, &mut rng_for(1, 0))
            .unwrap();
        assert!(out.features.iter().all(|&v| v == 0.0), "{fb:?}");
        assert_eq!(out.spikes.n_spikes(), 0, "{fb:?}");
        assert!(out.spikes.n_steps() > 0);
    }
}

#[test]
fn stereo_that_cancels_is_silence() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cancel.wav");
    // Left = a tone, right = its negation: the mono mix is exactly zero.
    let mut s = Vec::new();
    for i in 0..4000 {
        let v = (8000.0 * (i as f64 * 0.3).sin()) as i16;
        s.extend([v, -v]);
    }
    write_wav(&p, 8000, 2, &s);
    let enc = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    let out = enc.encode_file(&p, &mut rng_for(1, 0)).unwrap();
    assert_eq!(out.spikes.n_spikes(), 0);
    // A zero stretch inside a loud recording maps to the floor (no spikes there), exactly as
    // before the change: only utterances that are silent throughout are affected.
    let mut x: Vec<f64> = (0..8000).map(|i| 0.5 * (i as f64 * 0.2).sin()).collect();
    x[2000..6000].fill(0.0);
    let out = enc.encode_samples(&x, 8000, &mut rng_for(1, 0)).unwrap();
    assert!(out.features.row(40).iter().all(|&v| v == 0.0));
    assert!(out.features.row(5).iter().any(|&v| v > 0.5));
}

#[test]
fn a_recording_shorter_than_one_frame_is_an_error_naming_the_file_and_the_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blip.wav");
    write_wav(&p, 8000, 1, &[1000; 100]);
    // Default mel: a 32 ms window is 256 samples at 8 kHz.
    let enc = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    assert_eq!(enc.min_samples(), 256);
    let e = enc
        .encode_file(&p, &mut rng_for(1, 0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("blip.wav")
            && e.contains("too short")
            && e.contains("100 samples")
            && e.contains("256 samples"),
        "{e}"
    );
    // Exactly one window is enough.
    write_wav(&p, 8000, 1, &[1000; 256]);
    enc.encode_file(&p, &mut rng_for(1, 0)).unwrap();
    // Gammatone: one 10 ms hop (80 samples).
    let g = AudioEncoder::new(&with_bank(FilterbankConfig::Gammatone(
        GammatoneConfig::default(),
    )))
    .unwrap();
    let e = g
        .features_with(&[0.1; 79], 8000, &mut AudioWorkspace::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("79 samples") && e.contains("80 samples"), "{e}");
}

#[test]
fn one_hertz_recording_is_resampled_with_bounded_cost() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("slow.wav");
    write_wav(&p, 1, 1, &[0, 1000, -1000, 500, 0, 200]);
    let enc = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    let t0 = std::time::Instant::now();
    let out = enc.encode_file(&p, &mut rng_for(1, 0)).unwrap();
    // 6 s at 8 kHz: 48,000 samples, 10 ms hop, centred frames.
    assert_eq!(out.features.nrows(), 48_000 / 80 + 1);
    assert!(t0.elapsed().as_secs() < 30, "{:?}", t0.elapsed());
}

#[test]
fn long_recordings_and_extreme_rates_are_refused_before_any_work() {
    let enc = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    let mut ws = AudioWorkspace::default();
    // 601 s at 1 kHz (over the 600 s default).
    let long = vec![0.0; 601_000];
    let e = enc.features_with(&long, 1000, &mut ws).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::AudioSeconds), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("601000 samples at 1000 Hz") && m.contains("LSM_MAX_AUDIO_SECONDS"),
        "{m}"
    );
    // Through a file, the file is named.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.wav");
    write_wav(&p, 1000, 1, &vec![0; 601_000]);
    let m = enc
        .encode_file(&p, &mut rng_for(1, 0))
        .unwrap_err()
        .to_string();
    assert!(m.contains("long.wav") && m.contains("audio_seconds"), "{m}");
    // A 4 GHz sample rate.
    let e = enc
        .features_with(&[0.0; 10], 4_000_000_000, &mut ws)
        .unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::SampleRateHz), "{e}");
    // dt_ms = 1e-6: 1e4 steps per 10 ms frame is allowed, one second of audio (1e9 steps)
    // is not; and 1e-9 (1e10 steps per frame) is refused when the encoder is built.
    let cfg = AudioEncoderConfig {
        dt_ms: 1e-6,
        encoder: serde_json::from_str(r#"{"kind": "rate", "slot_ms": null}"#).unwrap(),
        ..Default::default()
    };
    let fine = AudioEncoder::new(&cfg).unwrap();
    let e = fine
        .features_with(&vec![0.1; 8000], 8000, &mut ws)
        .unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Steps), "{e}");
    let cfg = AudioEncoderConfig { dt_ms: 1e-9, ..cfg };
    let e = AudioEncoder::new(&cfg).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Steps), "{e}");
}

#[test]
fn config_sizes_are_checked() {
    for (json, limit) in [
        (
            r#"{"front_end": {"filterbank": {"kind": "mel", "n_mels": 2000000}}}"#,
            Limit::Inputs,
        ),
        (
            r#"{"front_end": {"filterbank": {"kind": "mel", "win_ms": 1e300}}}"#,
            Limit::AudioSeconds,
        ),
        (
            r#"{"front_end": {"filterbank": {"kind": "gammatone", "n_bands": 5000000}}}"#,
            Limit::Inputs,
        ),
        (
            r#"{"front_end": {"filterbank": {"kind": "lyon", "step_factor": 1e-9}}}"#,
            Limit::Inputs,
        ),
        (
            r#"{"front_end": {"sample_rate_hz": 4000000000}}"#,
            Limit::SampleRateHz,
        ),
    ] {
        // Refused when read (the config check), or at the latest when the encoder is built.
        let e = match AudioEncoderConfig::from_json(json, "enc.json")
            .and_then(|cfg| AudioEncoder::new(&cfg).map(|_| ()))
        {
            Err(e) => e,
            Ok(()) => panic!("{json} accepted"),
        };
        assert_eq!(limit_of(&e), Some(limit), "{json}: {e}");
    }
}

#[test]
fn encoder_configs_are_strict_json() {
    assert_eq!(
        AudioEncoderConfig::from_json("{}", "enc.json").unwrap(),
        AudioEncoderConfig::default()
    );
    for text in ["[]", "null", "1", "[1, 2]"] {
        let e = AudioEncoderConfig::from_json(text, "enc.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("enc.json") && e.contains("expected a JSON object"),
            "{text}: {e}"
        );
    }
    let e = AudioEncoderConfig::from_json(r#"{"dt_ms": 1.0, "dt_ms": 0.5}"#, "enc.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("enc.json") && e.contains("duplicate key `dt_ms`"),
        "{e}"
    );
    let e = AudioEncoderConfig::from_json(
        r#"{"encoder": {"kind": "rate", "max_rate_hz": 100, "max_rate_hz": 200}}"#,
        "enc.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("duplicate key `max_rate_hz`") && e.contains("encoder"),
        "{e}"
    );
}
