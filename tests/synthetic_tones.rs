//! The whole chain through the facade on data with a known answer: a folder of synthetic WAV
//! files in FSDD's naming (`{label}_{speaker}_{take}.wav`), three classes of noisy tone
//! bursts at 300 Hz, 900 Hz and 2.4 kHz with random loudness and duration. The classes are
//! separable by frequency alone, so the cochlear front end, the reservoir and the readout
//! together must classify the held-out takes (nearly) perfectly; a broken link anywhere
//! (folder loading and splits, WAV reading, filterbank, encoder, simulation, pooling,
//! readout, save/load) drops the accuracy towards chance (1/3).

use lsm::datasets::{AudioDataset, Split};
use lsm::pipeline::{DigitsConfig, DigitsPipeline, Sample};
use std::path::Path;

const RATE: u32 = 8000;
const CLASSES: [(&str, f64); 3] = [("low", 300.0), ("mid", 900.0), ("high", 2400.0)];

/// A small deterministic generator (64-bit LCG, upper bits), so the test data never change.
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A tone burst at `freq` Hz with random amplitude, duration, phase and white noise, with
/// 10 ms raised-cosine on- and offsets.
fn write_tone(path: &Path, freq: f64, rng: &mut Lcg) {
    let dur = 0.2 + 0.2 * rng.uniform();
    let amp = 0.2 + 0.6 * rng.uniform();
    let phase = std::f64::consts::TAU * rng.uniform();
    let n = (dur * RATE as f64) as usize;
    let ramp = (0.01 * RATE as f64) as usize;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..n {
        let t = i as f64 / RATE as f64;
        let edge = i.min(n - 1 - i);
        let env = if edge < ramp {
            0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / ramp as f64).cos()
        } else {
            1.0
        };
        let noise = 0.05 * (2.0 * rng.uniform() - 1.0);
        let x = amp * env * (std::f64::consts::TAU * freq * t + phase).sin() + noise;
        w.write_sample((x.clamp(-1.0, 1.0) * 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

fn samples(ds: &AudioDataset, split: Split) -> Vec<Sample> {
    ds.select(split, &[])
        .unwrap()
        .into_iter()
        .map(|it| Sample {
            label: Some(it.label),
            group: it.speaker,
            ..Sample::from_path(it.path)
        })
        .collect()
}

#[test]
fn synthetic_tones_are_classified_through_the_whole_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(2024);
    // Takes 0-4 are the test split, 5-9 the training split (FSDD's rule).
    for (label, freq) in CLASSES {
        for speaker in ["ann", "bob", "cyd"] {
            for take in 0..10 {
                let p = dir.path().join(format!("{label}_{speaker}_{take}.wav"));
                write_tone(&p, freq, &mut rng);
            }
        }
    }
    let ds = AudioDataset::from_folder(dir.path()).unwrap();
    let (train, test) = (samples(&ds, Split::Train), samples(&ds, Split::Test));
    assert_eq!((train.len(), test.len()), (45, 45));

    let mut cfg = DigitsConfig::default();
    cfg.network.generator_mut().unwrap().n_neurons = Some(200);
    let model = DigitsPipeline::fit(&cfg, &train).unwrap();
    let ev = model.evaluate(&test).unwrap();
    assert!(
        ev.report.accuracy >= 0.95,
        "accuracy {} on separable tones",
        ev.report.accuracy
    );
    // The probabilities of the predictions are confident on this easy task.
    let mean_p = ev.predictions.iter().map(|p| p.probability).sum::<f64>() / 45.0;
    assert!(mean_p > 0.8, "mean probability {mean_p}");

    // Save, load, and classify a new file of each class with the loaded model.
    let m = dir.path().join("model.json");
    model.save(&m).unwrap();
    let back = DigitsPipeline::load(&m).unwrap();
    let fresh: Vec<Sample> = CLASSES
        .iter()
        .map(|&(label, freq)| {
            let p = dir.path().join(format!("new_{label}.wav"));
            write_tone(&p, freq, &mut rng);
            Sample::from_path(p)
        })
        .collect();
    let got: Vec<String> = back
        .predict(&fresh)
        .unwrap()
        .into_iter()
        .map(|p| p.label)
        .collect();
    assert_eq!(got, ["low", "mid", "high"]);
}
