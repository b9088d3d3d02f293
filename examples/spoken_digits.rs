//! Spoken digits, end to end: fit a liquid state machine on the bundled FSDD sample's train
//! split, evaluate it on the test split, save it, load it back and predict one recording.
//!
//! ```sh
//! cargo run --release --example spoken_digits [-- DATA_DIR]
//! ```
//!
//! `DATA_DIR` defaults to the bundled sample `datasets/fsdd-sample` (350 recordings); any
//! folder in FSDD's layout (`{label}_{speaker}_{take}.wav`) works.
//!
//! To run in seconds even in a debug build, this example uses a 300-neuron reservoir instead
//! of the default 1000 (`DigitsConfig::default()`, the configuration of the published results;
//! `lsm default-config --task spoken-digits` prints it), so its accuracy is a little lower.

use lsm::datasets::{AudioDataset, Split};
use lsm::pipeline::{DigitsConfig, DigitsPipeline, Sample};
use std::path::{Path, PathBuf};

/// The recordings of one split as pipeline samples (file, label, speaker).
fn samples(data: &AudioDataset, split: Split) -> Result<Vec<Sample>, Box<dyn std::error::Error>> {
    Ok(data
        .select(split, &[])?
        .into_iter()
        .map(|it| Sample {
            label: Some(it.label),
            group: it.speaker,
            ..Sample::from_path(it.path) // its id: a hash of the file name
        })
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/fsdd-sample"));
    let data = AudioDataset::open(&dir)?;
    let (train, test) = (samples(&data, Split::Train)?, samples(&data, Split::Test)?);
    println!(
        "{}: {} training and {} test recordings",
        dir.display(),
        train.len(),
        test.len()
    );

    // The default pipeline with a smaller reservoir (see the top of this file).
    let mut config = DigitsConfig::default();
    config.network.generator_mut().unwrap().n_neurons = Some(300);
    let model = DigitsPipeline::fit(&config, &train)?;
    let evaluation = model.evaluate(&test)?;
    println!("test accuracy {:.3}", evaluation.report.accuracy);

    // Save (atomically, with a checksum), load back, predict one recording.
    let out = tempfile::tempdir()?;
    let path = out.path().join("model.json");
    model.save(&path)?;
    let loaded = DigitsPipeline::load(&path)?;
    let one = &test[..1];
    let p = loaded.predict(one)?;
    println!(
        "{}: predicted {} (probability {:.2}), true label {}",
        p[0].path.display(),
        p[0].label,
        p[0].probability,
        one[0].label.as_deref().unwrap_or("?")
    );

    // The loaded model is the fitted one: same predictions, same probabilities, bit for bit.
    if loaded.predict(&test)? != evaluation.predictions {
        return Err("the loaded model predicts differently from the fitted one".into());
    }
    println!(
        "the loaded model predicts the {} test recordings exactly as the fitted one",
        test.len()
    );
    Ok(())
}
