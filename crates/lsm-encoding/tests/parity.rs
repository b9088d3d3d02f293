//! Parity with the reference implementations, on fixtures computed offline by
//! `scripts/fixtures/gen_encoding_fixtures.py` (librosa, the Brian2 baseline's encoder) and
//! `scripts/fixtures/gen_lyon_fixture.py` (the `lyon` port of Slaney's Auditory Toolbox).

use lsm_encoding::{
    AudioEncoder, AudioEncoderConfig, Encoder, EncoderConfig, FeatureScaling, FilterbankConfig,
    FrontEndConfig, LyonConfig, LyonPassiveEar, MelConfig, MelFilterbank, MelScale, TimeGrid,
};
use ndarray::Array2;
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    let (n, m) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((n, m), rows.into_iter().flatten().collect()).unwrap()
}

fn signal(fx: &Value) -> Vec<f64> {
    fx["signal_i16"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap() as f64 / 32768.0)
        .collect()
}

/// Max |a − b| relative to max |b|.
fn rel_err(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b.iter())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

#[test]
fn mel_spectrogram_matches_librosa() {
    let fx = load("encoding_librosa.json");
    let y = signal(&fx);
    // Slaney mel + Slaney norm (librosa's default). Tolerance: 1e-9 of the maximum (both
    // compute in f64; measured ~1e-15).
    let fb = MelFilterbank::new(&MelConfig::default(), 8000, true).unwrap();
    let mel = fb.mel_spectrogram(&y);
    let want = matrix(&fx["mel"]);
    let e = rel_err(&mel, &want);
    assert!(e < 1e-9, "mel vs librosa: relative error {e:e}");
    // HTK formula, no norm.
    let cfg = MelConfig {
        scale: MelScale::Htk,
        slaney_norm: false,
        ..Default::default()
    };
    let fb_htk = MelFilterbank::new(&cfg, 8000, false).unwrap();
    let e = rel_err(&fb_htk.mel_spectrogram(&y), &matrix(&fx["mel_htk"]));
    assert!(e < 1e-9, "htk mel vs librosa: relative error {e:e}");
    // MFCC: absolute tolerance 1e-8 (coefficients are tens of dB).
    let mfcc = fb.mfcc_from_mel(&mel);
    let want = matrix(&fx["mfcc"]);
    let d = (&mfcc - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(d < 1e-8, "mfcc vs librosa: max abs error {d:e}");
}

#[test]
fn default_front_end_matches_the_brian2_baseline_features() {
    let fx = load("encoding_librosa.json");
    let y = signal(&fx);
    let ae = AudioEncoder::new(&AudioEncoderConfig::default()).unwrap();
    let mut ws = lsm_encoding::AudioWorkspace::default();
    let x = ae.features_with(&y, 8000, &mut ws).unwrap();
    let want = matrix(&fx["logmel01"]);
    let d = (&x - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(d < 1e-9, "logmel01 vs the baseline: max abs error {d:e}");
}

#[test]
fn regular_rate_coding_reproduces_the_brian2_baseline_exactly() {
    let fx = load("encoding_librosa.json");
    let x = matrix(&fx["logmel01"]);
    let ch: Vec<u32> = fx["regular_channel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let slot: Vec<usize> = fx["regular_slot_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let enc = EncoderConfig::default();
    for dt in [1.0, 0.1] {
        let grid = TimeGrid::new(10.0, dt).unwrap();
        let st = enc
            .encode(x.view(), &grid, &mut lsm_core::rng_for(0, 0))
            .unwrap();
        let got: Vec<(usize, u32)> = st
            .iter()
            .map(|(s, c)| (((s as f64) * dt).round() as usize, c))
            .collect();
        let want: Vec<(usize, u32)> = slot.iter().copied().zip(ch.iter().copied()).collect();
        assert_eq!(got, want, "dt {dt}");
        assert_eq!(
            st.n_steps(),
            (x.nrows() as f64 * 10.0 / dt).round() as usize
        );
    }
}

#[test]
fn lyon_passive_ear_matches_the_lyon_port_of_the_auditory_toolbox() {
    let fx = load("encoding_librosa.json");
    let y = signal(&fx);
    let lf = load("lyon.json");
    for (key, cfg) in [
        ("full_df80", LyonConfig::default()),
        (
            "plain_df40",
            LyonConfig {
                hop_ms: 5.0,
                differ: false,
                agc: false,
                ..Default::default()
            },
        ),
    ] {
        let m = LyonPassiveEar::new(&cfg, 8000).unwrap();
        let mut want = matrix(&lf[key]);
        // The toolbox's channels are in descending frequency; ours ascending.
        want.invert_axis(ndarray::Axis(1));
        let got = m.features(&y);
        // Tolerance: 1e-9 of the maximum output (same f64 arithmetic; measured ~1e-15).
        let e = rel_err(&got, &want);
        assert!(e < 1e-9, "{key}: relative error {e:e}");
    }
}

#[test]
fn lyon_front_end_in_the_audio_encoder_has_the_toolbox_channel_count() {
    let cfg = AudioEncoderConfig {
        front_end: FrontEndConfig {
            filterbank: FilterbankConfig::Lyon(LyonConfig::default()),
            scaling: FeatureScaling::Max,
            ..Default::default()
        },
        ..Default::default()
    };
    let ae = AudioEncoder::new(&cfg).unwrap();
    let lf = load("lyon.json");
    assert_eq!(ae.n_bands(), matrix(&lf["full_df80"]).ncols());
    assert_eq!(ae.n_channels(), ae.n_bands());
}
