//! Spike-segment XOR and parity (Maass, Natschläger & Markram 2002; Legenstein & Maass 2007):
//! can a linear readout of the spiking reservoir compute a nonlinear function of what the
//! input showed over time?
//!
//! ```sh
//! cargo run --release --example spike_segments             # the table of docs/results.md
//! cargo run --release --example spike_segments -- --quick  # one jitter, small sets
//! cargo run --release --example spike_segments -- --seeds 5 # mean ± sd over data seeds
//! cargo run --release --example spike_segments -- --explain # where parity stops
//! ```
//!
//! A sample is S segments of 100 ms (40 channels, 20 Hz Poisson templates, every spike
//! jittered by σ); segment `s` shows one of the two templates of its position, and the label
//! is the parity of the S template bits (S = 2: XOR). A linear readout of the input alone is
//! at chance by construction; the question is what the reservoir adds. Compared, with the
//! classification pipeline's logistic readout unless said otherwise:
//!
//! * the default spiking reservoir (1000 LIF, `"input_drive": "auto"`), default features;
//! * the best spiking variant on a validation split of the training data (the last quarter
//!   of it), over input gain and pooling, refitted on the whole training set;
//! * an echo state network (400 units) on 10 ms count bins;
//! * the input alone (linear readout of raw counts in two equal bins per segment: features
//!   linear in the input);
//! * an RBF support vector machine on the input's counts in time bins (linfa-svm; C, kernel
//!   width and bin width chosen on the same validation split): the reference without
//!   reservoir.

use linfa::prelude::*;
use linfa_svm::Svm;
use lsm::datasets::spike_patterns::{self, GeneratedSample, SpikePatternConfig};
use lsm::datasets::Split;
use lsm::pipeline::{
    DigitsConfig, DigitsPipeline, InputDrive, Pooling, ReservoirChoice, Sample, Transform,
};
use lsm::reservoir::EsnConfig;
use ndarray::{Array1, Array2};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn samples(all: &[GeneratedSample], split: Split) -> Vec<Sample> {
    all.iter()
        .filter(|s| s.split == split)
        .map(|s| Sample::spikes(&s.name, s.spikes.clone()).with_label(s.label.as_str()))
        .collect()
}

/// The default pipeline on spike input, as `lsm fit` runs it on a spike dataset without a
/// config (membrane time constant 80 ms).
fn base() -> DigitsConfig {
    DigitsConfig::spikes(1.0)
}

/// Test accuracy of `cfg` fitted on `train`, and the reservoir's input gain and rate.
fn score(cfg: &DigitsConfig, train: &[Sample], test: &[Sample]) -> Res<(f64, f64, f64)> {
    let m = DigitsPipeline::fit(cfg, train)?;
    let acc = m.evaluate(test)?.report.accuracy;
    let gain = m.model().training.input_gain;
    Ok((acc, gain, m.training_rate_hz().unwrap_or(f64::NAN)))
}

/// The spiking variants tuned over: input gain (auto, or fixed gains of the default input
/// weights) and pooling (the default warped bins; equal bins, 2 or 5 per segment; traces
/// sampled twice per segment; the trace at the end).
fn spiking_grid(segments: usize) -> Vec<(String, DigitsConfig)> {
    let mut out = Vec::new();
    let gains = [
        InputDrive::Auto,
        InputDrive::Gain(4.0),
        InputDrive::Gain(16.0),
    ];
    let poolings = [
        ("warped 4 bins", Pooling::default()),
        (
            "2 bins/segment",
            Pooling::SpikeCounts {
                bins: 2 * segments,
                warp: 0.0,
            },
        ),
        (
            "5 bins/segment",
            Pooling::SpikeCounts {
                bins: 5 * segments,
                warp: 0.0,
            },
        ),
        (
            "traces 2/segment",
            Pooling::Traces {
                tau_ms: 20.0,
                samples: 2 * segments,
            },
        ),
        ("end trace", Pooling::Last { tau_ms: 20.0 }),
    ];
    for g in gains {
        for (pname, p) in &poolings {
            let mut c = base();
            c.input_drive = g;
            c.features.pooling = p.clone();
            c.features.include_input = false;
            let gname = match g {
                InputDrive::Auto => "auto".to_string(),
                InputDrive::Gain(x) => format!("x{x}"),
            };
            out.push((format!("gain {gname}, {pname}"), c));
        }
    }
    out
}

/// The readout on the input alone, on features linear in the input: raw spike counts in two
/// equal bins per segment. (The pipeline's default pooling, square-root counts in bins
/// warped by the sample's own spikes, is not linear in the input: on it a linear readout
/// reads XOR far above chance without any reservoir.)
fn input_alone(segments: usize) -> DigitsConfig {
    let mut c = base();
    c.features.reservoir = false;
    c.features.include_input = true;
    c.features.transform = Transform::None;
    c.features.pooling = Pooling::SpikeCounts {
        bins: 2 * segments,
        warp: 0.0,
    };
    c
}

fn esn() -> DigitsConfig {
    let mut c = base();
    c.features.include_input = false;
    c.reservoir = ReservoirChoice::Esn {
        bin_ms: 10.0,
        esn: EsnConfig {
            spectral_radius: 0.9,
            leak_rate: 0.5,
            input_scaling: 2.0,
            ..EsnConfig::default()
        },
    };
    c
}

/// Input counts in bins of `bin_ms` (bin-major), square root.
fn binned(all: &[&GeneratedSample], bin_ms: f64) -> Array2<f64> {
    let first = &all[0].spikes;
    let per = (bin_ms / first.dt_ms()).round().max(1.0) as usize;
    let bins = first.n_steps().div_ceil(per);
    let c = first.n_channels();
    let mut x = Array2::zeros((all.len(), bins * c));
    for (r, s) in all.iter().enumerate() {
        for (step, ch) in s.spikes.iter() {
            x[[r, (step / per) * c + ch as usize]] += 1.0;
        }
    }
    x.mapv_inplace(f64::sqrt);
    x
}

/// Standardise the columns of `fit` and apply the same to `other`.
fn standardise(fit: &mut Array2<f64>, other: &mut Array2<f64>) {
    for j in 0..fit.ncols() {
        let col = fit.column(j);
        let m = col.mean().unwrap_or(0.0);
        let sd = col.std(0.0).max(1e-9);
        fit.column_mut(j).mapv_inplace(|v| (v - m) / sd);
        other.column_mut(j).mapv_inplace(|v| (v - m) / sd);
    }
}

/// Accuracy of an RBF SVM (C, kernel width `eps` in units of the feature count) fitted on
/// `fit`, tested on `test`.
fn svm_accuracy(
    fit: &[&GeneratedSample],
    test: &[&GeneratedSample],
    bin_ms: f64,
    c: f64,
    eps: f64,
) -> Res<f64> {
    let (mut xf, mut xt) = (binned(fit, bin_ms), binned(test, bin_ms));
    standardise(&mut xf, &mut xt);
    let y = |s: &[&GeneratedSample]| -> Array1<bool> { s.iter().map(|s| s.label == "1").collect() };
    let d = xf.ncols() as f64;
    let model = Svm::<f64, bool>::params()
        .pos_neg_weights(c, c)
        .gaussian_kernel(eps * d)
        .fit(&Dataset::new(xf, y(fit)))?;
    let pred = model.predict(&xt);
    let truth = y(test);
    let ok = pred
        .iter()
        .zip(truth.iter())
        .filter(|(p, t)| p == t)
        .count();
    Ok(ok as f64 / test.len() as f64)
}

/// The SVM tuned on the validation split, refitted on the whole training set.
fn svm(train: &[&GeneratedSample], test: &[&GeneratedSample]) -> Res<(f64, String)> {
    let cut = train.len() * 3 / 4;
    let (fit, val) = train.split_at(cut);
    let mut best = (f64::NEG_INFINITY, 10.0, 1.0, 1.0);
    for bin in [10.0, 25.0] {
        for c in [1.0, 10.0, 100.0] {
            for eps in [0.5, 2.0, 8.0] {
                let a = svm_accuracy(fit, val, bin, c, eps)?;
                if a > best.0 {
                    best = (a, bin, c, eps);
                }
            }
        }
    }
    let (_, bin, c, eps) = best;
    let acc = svm_accuracy(train, test, bin, c, eps)?;
    Ok((acc, format!("{bin} ms bins, C {c}, width {eps} x features")))
}

/// `all` relabelled by `f` of the segment bits.
fn relabel(all: &[GeneratedSample], split: Split, f: &dyn Fn(&[usize]) -> usize) -> Vec<Sample> {
    all.iter()
        .filter(|s| s.split == split)
        .map(|s| Sample::spikes(&s.name, s.spikes.clone()).with_label(f(&s.symbols).to_string()))
        .collect()
}

/// Where three-segment parity stops: the test accuracy of a linear readout of the default
/// liquid for each segment's bit, each pair's XOR and the parity, read from the end-of-input
/// trace (what the liquid still holds when the input ends: memory) and from its raw spike
/// counts in two bins per segment (the bins keep every segment's own response; an XOR of two
/// segments needs the liquid to mix them: mixing), next to the input's counts in the same
/// bins (linear in the input: bits only).
fn explain(all: &[GeneratedSample], seed: u64) -> Res<()> {
    type Target = (&'static str, Box<dyn Fn(&[usize]) -> usize>);
    let targets: Vec<Target> = vec![
        ("bit 1", Box::new(|b: &[usize]| b[0])),
        ("bit 2", Box::new(|b: &[usize]| b[1])),
        ("bit 3", Box::new(|b: &[usize]| b[2])),
        ("bit 1 xor bit 2", Box::new(|b: &[usize]| b[0] ^ b[1])),
        ("bit 2 xor bit 3", Box::new(|b: &[usize]| b[1] ^ b[2])),
        ("bit 1 xor bit 3", Box::new(|b: &[usize]| b[0] ^ b[2])),
        ("parity", Box::new(|b: &[usize]| b[0] ^ b[1] ^ b[2])),
    ];
    let mut end_trace = DigitsConfig { seed, ..base() };
    end_trace.features.pooling = Pooling::Last { tau_ms: 20.0 };
    end_trace.features.include_input = false;
    end_trace.features.transform = Transform::None;
    let mut liquid_bins = DigitsConfig {
        seed,
        ..input_alone(3)
    };
    liquid_bins.features.reservoir = true;
    liquid_bins.features.include_input = false;
    let columns = [
        end_trace,
        liquid_bins,
        DigitsConfig {
            seed,
            ..input_alone(3)
        },
    ];
    println!();
    println!("| parity task, target | liquid, end-of-input trace (τ 20 ms) | liquid, raw counts 2 bins/segment | input alone, raw counts 2 bins/segment |");
    println!("|---|---|---|---|");
    for (name, f) in &targets {
        let (train, test) = (relabel(all, Split::Train, f), relabel(all, Split::Test, f));
        let mut row = format!("| {name} |");
        for c in &columns {
            let (acc, _, _) = score(c, &train, &test)?;
            row.push_str(&format!(" {acc:.3} |"));
        }
        println!("{row}");
    }
    Ok(())
}

/// The segment task: `segments` segments of 100 ms, jitter σ, `per_class` training and test
/// samples per class, drawn with `seed`.
fn segment_task(
    segments: usize,
    jitter: f64,
    per_class: usize,
    seed: u64,
) -> Res<Vec<GeneratedSample>> {
    let cfg = SpikePatternConfig {
        segments,
        duration_ms: 100.0 * segments as f64,
        jitter_ms: jitter,
        n_train: per_class,
        n_test: per_class,
        ..SpikePatternConfig::default()
    };
    Ok(spike_patterns::generate(&cfg, seed)?)
}

/// The generated samples of one split.
fn of_split(all: &[GeneratedSample], split: Split) -> Vec<&GeneratedSample> {
    all.iter().filter(|s| s.split == split).collect()
}

/// Mean and standard deviation.
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<usize>())
            .transpose()
    };
    let n_seeds = flag("--seeds")?.unwrap_or(1).max(1);
    let (jitters, per_class): (&[f64], usize) = if quick {
        (&[4.0], 40)
    } else {
        (&[4.0, 8.0, 16.0], 200)
    };
    if args.iter().any(|a| a == "--explain") {
        return explain(&segment_task(3, 4.0, per_class, 1)?, 1);
    }
    if n_seeds > 1 {
        return seeds_table(jitters, per_class, n_seeds);
    }
    let seed = 1;
    println!(
        "| task | σ (ms) | spiking, default (gain, rate) | spiking, tuned | ESN | input alone | RBF SVM on input |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (task, segments) in [("XOR, 2 x 100 ms", 2usize), ("parity, 3 x 100 ms", 3)] {
        for &jitter in jitters {
            let all = segment_task(segments, jitter, per_class, seed)?;
            let (train, test) = (samples(&all, Split::Train), samples(&all, Split::Test));
            let cfg_seed = |c: &DigitsConfig| DigitsConfig { seed, ..c.clone() };
            let (def, gain, rate) = score(&cfg_seed(&base()), &train, &test)?;
            // Tuning on the last quarter of the training samples (balanced: the samples come
            // class by class within each repetition).
            let cut = train.len() * 3 / 4;
            let (fit, val) = train.split_at(cut);
            let mut best = (f64::NEG_INFINITY, String::new(), base());
            for (name, c) in spiking_grid(segments) {
                let c = cfg_seed(&c);
                let (a, _, _) = score(&c, fit, val)?;
                if a > best.0 {
                    best = (a, name, c);
                }
            }
            let (tuned, _, tuned_rate) = score(&best.2, &train, &test)?;
            let (esn_acc, _, _) = score(&cfg_seed(&esn()), &train, &test)?;
            let (inp, _, _) = score(&cfg_seed(&input_alone(segments)), &train, &test)?;
            let (gtr, gte) = (of_split(&all, Split::Train), of_split(&all, Split::Test));
            let (svm_acc, svm_name) = svm(&gtr, &gte)?;
            println!(
                "| {task} | {jitter} | {def:.3} (x{gain:.2}, {rate:.1} Hz) | {tuned:.3} ({}, {tuned_rate:.1} Hz) | {esn_acc:.3} | {inp:.3} | {svm_acc:.3} ({svm_name}) |",
                best.1
            );
        }
    }
    Ok(())
}

/// The default liquid, the input alone and the SVM over `n` data seeds (data, network and
/// readout seeds all `1..=n`): mean ± sd of the test accuracy.
fn seeds_table(jitters: &[f64], per_class: usize, n: usize) -> Res<()> {
    println!("| task | σ (ms) | spiking, default | spiking, raw counts 2 bins/segment | ESN | input alone | RBF SVM on input |");
    println!("|---|---|---|---|---|---|---|");
    for (task, segments) in [("XOR, 2 x 100 ms", 2usize), ("parity, 3 x 100 ms", 3)] {
        for &jitter in jitters {
            let mut cols: [Vec<f64>; 5] = Default::default();
            for seed in 1..=n as u64 {
                let all = segment_task(segments, jitter, per_class, seed)?;
                let (train, test) = (samples(&all, Split::Train), samples(&all, Split::Test));
                let with_seed = |c: DigitsConfig| DigitsConfig { seed, ..c };
                cols[0].push(score(&with_seed(base()), &train, &test)?.0);
                // The liquid's spikes pooled like the input-alone control: what the readout
                // gets from the liquid on features linear in its spikes.
                let mut linear = input_alone(segments);
                linear.features.reservoir = true;
                linear.features.include_input = false;
                cols[1].push(score(&with_seed(linear), &train, &test)?.0);
                cols[2].push(score(&with_seed(esn()), &train, &test)?.0);
                cols[3].push(score(&with_seed(input_alone(segments)), &train, &test)?.0);
                let (gtr, gte) = (of_split(&all, Split::Train), of_split(&all, Split::Test));
                cols[4].push(svm(&gtr, &gte)?.0);
            }
            let cell = |v: &[f64]| {
                let (m, sd) = mean_sd(v);
                format!("{m:.3} ± {sd:.3}")
            };
            let cells: Vec<String> = cols.iter().map(|c| cell(c)).collect();
            println!("| {task} | {jitter} | {} |", cells.join(" | "));
        }
    }
    Ok(())
}
