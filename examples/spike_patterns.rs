//! Spike-pattern classification (Maass, Natschläger & Markram 2002): accuracy against jitter
//! for the spiking reservoir, a linear readout on the input alone, and the echo state network,
//! all through the same classification pipeline and the same pooled features.
//!
//! ```sh
//! cargo run --release --example spike_patterns            # the sweep of docs/results.md
//! cargo run --release --example spike_patterns -- --quick # one jitter, one seed, small sets
//! ```
//!
//! Each sample is one of K random Poisson templates (40 channels, 20 Hz, 200 ms) with every
//! spike jittered by Gaussian noise of standard deviation σ (`lsm_datasets::spike_patterns`).
//! The readout is the pipeline's default (logistic regression on spike counts in 4 warped
//! bins, square root); the reservoirs are the pipeline's default spiking network (1000 LIF),
//! the same network with its input weights scaled up (the default is tuned for 32 audio
//! channels at up to 400 Hz and is nearly silent at 40 × 20 Hz), and an ESN of 400 units on
//! 10 ms count bins. Reservoir variants use the reservoir's features only.

use lsm::datasets::spike_patterns::{self, GeneratedSample, SpikePatternConfig};
use lsm::datasets::Split;
use lsm::pipeline::{DigitsConfig, DigitsPipeline, ReservoirChoice, Sample};
use lsm::reservoir::EsnConfig;

fn samples(all: &[GeneratedSample], split: Split) -> Vec<Sample> {
    all.iter()
        .filter(|s| s.split == split)
        .map(|s| Sample::spikes(&s.name, s.spikes.clone()).with_label(s.label.as_str()))
        .collect()
}

/// The variants compared: a name and its config.
fn variants() -> Vec<(&'static str, DigitsConfig)> {
    let mut base = DigitsConfig::spikes(1.0);
    base.features.include_input = false;
    let mut input_only = base.clone();
    input_only.features.reservoir = false;
    input_only.features.include_input = true;
    let spiking = base.clone();
    let mut scaled = base.clone();
    if let Some(g) = scaled.network.generator_mut() {
        g.input.scale_exc *= 8.0;
        g.input.scale_inh *= 8.0;
    }
    let mut esn = base.clone();
    esn.reservoir = ReservoirChoice::Esn {
        bin_ms: 10.0,
        esn: EsnConfig {
            spectral_radius: 0.9,
            leak_rate: 0.5,
            input_scaling: 2.0,
            ..EsnConfig::default()
        },
    };
    vec![
        ("input only", input_only),
        ("spiking (default)", spiking),
        ("spiking (input x8)", scaled),
        ("ESN (400 units)", esn),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (jitters, seeds, per_class): (&[f64], &[u64], usize) = if quick {
        (&[4.0], &[1], 20)
    } else {
        (&[0.0, 1.0, 2.0, 4.0, 8.0, 16.0], &[1, 2, 3], 100)
    };
    // The generator's default (two templates over 40 channels) and a harder task: ten
    // templates over 4 channels (about 16 spikes per template), 20 training samples each.
    let tasks = [
        ("2 templates x 40 channels", 2, 40, per_class),
        ("10 templates x 4 channels", 10, 4, per_class.min(20)),
    ];
    let vs = variants();
    for (task, k, c, n) in tasks {
        println!(
            "\n{task}, {n} training and {n} test samples per class, mean of {} seeds",
            seeds.len()
        );
        print!("{:>10}", "jitter ms");
        for (name, _) in &vs {
            print!(" | {name:>18}");
        }
        println!(" | reservoir rate Hz (default / x8)");
        for &jitter in jitters {
            let mut acc = vec![0.0; vs.len()];
            let mut rates = [0.0; 2];
            for &seed in seeds {
                let cfg = SpikePatternConfig {
                    n_templates: k,
                    n_channels: c,
                    jitter_ms: jitter,
                    n_train: n,
                    n_test: n,
                    ..SpikePatternConfig::default()
                };
                let all = spike_patterns::generate(&cfg, seed)?;
                let (train, test) = (samples(&all, Split::Train), samples(&all, Split::Test));
                for (i, (_, c)) in vs.iter().enumerate() {
                    let c = DigitsConfig { seed, ..c.clone() };
                    let m = DigitsPipeline::fit(&c, &train)?;
                    acc[i] += m.evaluate(&test)?.report.accuracy / seeds.len() as f64;
                    if let (1 | 2, Some(net)) = (i, m.model().network.as_ref()) {
                        let t = &m.model().training;
                        let secs = t.n_steps as f64 * 1e-3;
                        rates[i - 1] += t.reservoir_spikes as f64
                            / (net.n_neurons as f64 * secs)
                            / seeds.len() as f64;
                    }
                }
            }
            print!("{jitter:>10}");
            for a in &acc {
                print!(" | {a:>18.3}");
            }
            println!(" | {:.2} / {:.2}", rates[0], rates[1]);
        }
    }
    Ok(())
}
