use super::*;
use crate::encoder::EncoderConfig;
use crate::gammatone::GammatoneConfig;
use crate::lyon::LyonConfig;
use crate::mel::MelConfig;
use crate::wav::read_wav;

fn has_autotraits<T: Send + Sync + Unpin>() {}

#[test]
fn autotraits() {
    has_autotraits::<AudioEncoder>();
    has_autotraits::<AudioEncoderConfig>();
    has_autotraits::<EncodingError>();
    has_autotraits::<Encoded>();
}

#[test]
fn db_scaling_is_librosas_except_for_a_silent_utterance() {
    let librosa = |v: &Array2<Real>, x: Real| {
        let r = 10.0
            * v.iter()
                .copied()
                .fold(Real::NEG_INFINITY, Real::max)
                .max(1e-10)
                .log10();
        ((10.0 * x.max(1e-10).log10() - r).max(-50.0) + 50.0) / 50.0
    };
    // Loud and quiet utterances (the quiet one's zero maps a little above 0, as librosa).
    for v in [
        ndarray::array![[0.0, 1e-3], [0.25, 2e-12]],
        ndarray::array![[0.0, 5.56e-6], [1e-7, 1e-11]],
    ] {
        let mut s = v.clone();
        FeatureScaling::default().apply(&mut s);
        for (a, &x) in s.iter().zip(v.iter()) {
            assert_eq!(a.to_bits(), librosa(&v, x).to_bits(), "{x}");
        }
    }
    // Silence (all values at or below the floor): no drive, where librosa gives 1.
    let v = ndarray::array![[0.0, 1e-10], [0.0, 0.0]];
    assert_eq!(librosa(&v, 0.0), 1.0);
    let mut s = v.clone();
    FeatureScaling::default().apply(&mut s);
    assert!(s.iter().all(|&x| x == 0.0));
}

#[test]
fn default_config_json_round_trip_and_unknown_fields_rejected() {
    let cfg = AudioEncoderConfig::default();
    let s = serde_json::to_string_pretty(&cfg).unwrap();
    let back = AudioEncoderConfig::from_json(&s, "cfg.json").unwrap();
    assert_eq!(back, cfg);
    let err = |json: &str| {
        AudioEncoderConfig::from_json(json, "cfg.json")
            .unwrap_err()
            .to_string()
    };
    let e = err(r#"{"dt_ms": 1.0, "dtms": 2}"#);
    assert!(e.contains("cfg.json") && e.contains("dtms"), "{e}");
    let e = err(r#"{"encoder": {"kind": "rate", "max_rate": 3}}"#);
    assert!(e.contains("max_rate"), "{e}");
    let e = err(r#"{"front_end": {"filterbank": {"kind": "mel", "n_mels": 0}}}"#);
    assert!(e.contains("n_mels"), "{e}");
    // Partial configs fill in defaults.
    let c = AudioEncoderConfig::from_json(
        r#"{"encoder": {"kind": "latency", "normalize": true}, "dt_ms": 0.5}"#,
        "c.json",
    )
    .unwrap();
    assert_eq!(c.front_end, FrontEndConfig::default());
    match c.encoder {
        EncoderConfig::Latency(p) => assert!(p.normalize && p.threshold == 0.01),
        _ => panic!(),
    }
}

#[test]
fn every_filterbank_with_every_encoder_runs() {
    let x: Vec<Real> = (0..4000)
        .map(|i| {
            let t = i as Real / 8000.0;
            0.3 * (2.0 * std::f64::consts::PI * (300.0 + 2000.0 * t) * t).sin()
        })
        .collect();
    let banks = [
        FilterbankConfig::Mel(MelConfig::default()),
        FilterbankConfig::Mfcc(MelConfig::default()),
        FilterbankConfig::Gammatone(GammatoneConfig::default()),
        FilterbankConfig::Lyon(LyonConfig::default()),
    ];
    let encoders = [
        EncoderConfig::default(),
        serde_json::from_str(r#"{"kind": "rate", "process": "poisson"}"#).unwrap(),
        serde_json::from_str(r#"{"kind": "latency", "normalize": true, "clip": true}"#).unwrap(),
        serde_json::from_str(r#"{"kind": "delta", "off_spike": true}"#).unwrap(),
        serde_json::from_str(r#"{"kind": "step_forward"}"#).unwrap(),
        serde_json::from_str(r#"{"kind": "bsa"}"#).unwrap(),
    ];
    for fb in &banks {
        for enc in &encoders {
            let scaling = if matches!(fb, FilterbankConfig::Mfcc(_)) {
                FeatureScaling::MinMax
            } else {
                FeatureScaling::default()
            };
            let cfg = AudioEncoderConfig {
                front_end: FrontEndConfig {
                    filterbank: fb.clone(),
                    scaling,
                    ..Default::default()
                },
                encoder: enc.clone(),
                dt_ms: 1.0,
            };
            let ae = AudioEncoder::new(&cfg).unwrap();
            let mut rng = lsm_core::rng_for(1, lsm_core::stream::ENCODER);
            let out = ae.encode_samples(&x, 8000, &mut rng).unwrap();
            assert_eq!(out.features.ncols(), ae.n_bands());
            assert_eq!(out.spikes.n_channels(), ae.n_channels());
            assert_eq!(
                out.spikes.n_steps(),
                ae.grid().n_steps(out.features.nrows())
            );
            assert!(out.features.iter().all(|v| (0.0..=1.0).contains(v)));
            assert!(out.spikes.n_spikes() > 0, "{fb:?} {enc:?}");
        }
    }
}

#[test]
fn resampled_input_gives_nearly_the_same_features() {
    let tone = |fs: u32| -> Vec<Real> {
        (0..fs as usize / 2)
            .map(|i| 0.5 * (2.0 * std::f64::consts::PI * 700.0 * i as Real / fs as Real).sin())
            .collect()
    };
    let ae = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    let mut ws = AudioWorkspace::default();
    let a = ae.features_with(&tone(8000), 8000, &mut ws).unwrap();
    let b = ae.features_with(&tone(16000), 16000, &mut ws).unwrap();
    assert_eq!(a.dim(), b.dim());
    let d = (&a - &b).iter().map(|v| v.abs()).fold(0.0, Real::max);
    assert!(d < 0.05, "{d}");
}

#[test]
fn encode_file_names_the_file_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("short.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for _ in 0..10 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let cfg = AudioEncoderConfig {
        front_end: FrontEndConfig {
            filterbank: FilterbankConfig::Lyon(LyonConfig::default()),
            ..Default::default()
        },
        ..Default::default()
    };
    let ae = AudioEncoder::new(&cfg).unwrap();
    let e = ae
        .encode_file(&p, &mut lsm_core::rng_for(0, 0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("short.wav") && e.contains("too short"), "{e}");
    assert_eq!(read_wav(&p).unwrap().samples.len(), 10);
}
