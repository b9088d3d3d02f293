//! `lsm convert`: ANN-to-SNN conversion on the pipeline's pooled features
//! (`lsm_learn::convert`).
//!
//! `lsm convert --data DIR [--config C] --out NET.json [--report R.json] [--hidden 128]
//! [--epochs 60] [--steps 10,20,50,100,200,500] [--features config|input]`
//!
//! The features of the training and test splits come from one feature pass of the config
//! (`lsm_pipeline::feature_pass`, the pass of `lsm features`; an automatic input drive is
//! calibrated on the training files); `--features input` keeps only the input-only columns
//! (the encoder's pooled spike counts, no reservoir). A ReLU network is trained on the
//! training rows, normalised and converted; the network file (an ordinary `lsm-network`,
//! integrate-and-fire neurons with reset by subtraction, the standardised features as analog
//! drive) is written atomically, and the ANN's and the spiking network's test accuracies are
//! printed, the latter per simulation length.

use crate::cmd::data::{
    adapt_to_spike_data, check_not_a_recording, data_file, default_config_for, load_samples_with,
};
use crate::cmd::output::Bars;
use anyhow::{bail, Context, Result};
use clap::Args;
use lsm_core::Real;
use lsm_learn::convert::mlp::TrainConfig;
use lsm_learn::convert::{ConvertConfig, Converter};
use lsm_pipeline::{feature_pass, DigitsConfig, Progress, Sample};
use ndarray::{s, Array2, Axis};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lsm convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Data: a folder of FSDD-named WAV files, a CSV list or a spike dataset.
    #[arg(long)]
    pub data: String,
    /// Pipeline config that makes the features (default: the default config for the data).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output network file (JSON, format `lsm-network`).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the accuracies, timings and training losses as JSON here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Held-out speakers (comma-separated) instead of the official split.
    #[arg(long, value_delimiter = ',', alias = "test-groups")]
    pub test_speakers: Vec<String>,
    /// Which feature columns: `config` (those the config's readout uses) or `input` (the
    /// input-only columns).
    #[arg(long, default_value = "config")]
    pub features: String,
    /// Hidden layer sizes (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "128")]
    pub hidden: Vec<usize>,
    /// Training epochs.
    #[arg(long, default_value_t = 60)]
    pub epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// L2 penalty on the weights.
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f64,
    /// The activation percentile that becomes the neurons' threshold.
    #[arg(long, default_value_t = 99.9)]
    pub percentile: f64,
    /// Simulation lengths (steps of 1 ms) at which the spiking network is scored.
    #[arg(long, value_delimiter = ',', default_value = "10,20,50,100,200,500")]
    pub steps: Vec<usize>,
    /// Override the config's seed (also the ANN's initialisation and batch order).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `lsm convert`.
pub fn convert(a: ConvertArgs, quiet: bool) -> Result<()> {
    crate::cmd::check_inputs(&[("--config", a.config.as_deref())])?;
    crate::cmd::check_outputs(
        &[("--out", Some(&a.out)), ("--report", a.report.as_deref())],
        &[
            ("--config", a.config.as_deref()),
            ("--data", data_file(&a.data)),
        ],
    )?;
    let input_only = match a.features.as_str() {
        "config" => false,
        "input" => true,
        other => bail!("--features {other}: expected `config` or `input`"),
    };
    if a.steps.is_empty() || a.steps.contains(&0) {
        bail!("--steps: expected simulation lengths of at least 1 step (e.g. 10,100,500)");
    }
    let t_max = a.steps.iter().copied().max().unwrap_or(0);
    lsm_core::limits::check(lsm_core::limits::Limit::Steps, t_max as f64, "--steps")?;
    let conv = ConvertConfig {
        hidden: a.hidden.clone(),
        train: TrainConfig {
            epochs: a.epochs,
            batch_size: a.batch_size,
            learning_rate: a.learning_rate,
            weight_decay: a.weight_decay,
            bias: true,
        },
        percentile: a.percentile,
    };
    conv.validate().context("lsm convert")?;
    let mut config = match &a.config {
        Some(p) => DigitsConfig::load(p)?,
        None => default_config_for(&a.data)?,
    };
    if let Some(s) = a.seed {
        config.seed = s;
    }
    adapt_to_spike_data(&mut config, &a.data)?;
    let train = load_samples_with(&a.data, "train", &a.test_speakers, false)?;
    let test = load_samples_with(&a.data, "test", &a.test_speakers, false)?;
    if train.is_empty() || test.is_empty() {
        bail!(
            "--data {}: {} training and {} test files, expected both splits non-empty",
            a.data,
            train.len(),
            test.len()
        );
    }
    for out in [Some(&a.out), a.report.as_ref()].into_iter().flatten() {
        check_not_a_recording("--out/--report", out, &train)?;
        check_not_a_recording("--out/--report", out, &test)?;
    }
    let (classes, y_train) = class_indices(&train, None)?;
    let (_, y_test) = class_indices(&test, Some(&classes))?;
    let status = |m: String| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    status(format!(
        "convert: {} training and {} test samples from {}",
        train.len(),
        test.len(),
        a.data
    ));
    // One feature pass over both splits, calibrated on the training files.
    let t0 = Instant::now();
    let all: Vec<Sample> = train.iter().chain(&test).cloned().collect();
    let calib: Vec<&Sample> = train.iter().collect();
    let bars = Bars::new(quiet);
    let pass = feature_pass(&config, &all, Some(&calib), &bars)?;
    bars.finish();
    let features_s = t0.elapsed().as_secs_f64();
    let x = select_columns(&config, pass.features, pass.n_input_features, input_only);
    let xtr = x.slice(s![..train.len(), ..]);
    let xte = x.slice(s![train.len().., ..]);
    status(format!(
        "features: {} per sample ({:.1} s)",
        x.ncols(),
        features_s
    ));
    let t1 = Instant::now();
    let converter = Converter {
        config: conv,
        seed: config.seed,
    };
    let c = converter
        .fit(xtr, &y_train, classes.len())
        .context("training and converting the ReLU network")?;
    let train_s = t1.elapsed().as_secs_f64();
    status(format!(
        "ANN {:?} trained in {train_s:.1} s: training accuracy {:.4}; layer scales {:?}",
        c.ann
            .layers
            .iter()
            .map(|l| l.w.ncols())
            .chain([classes.len()])
            .collect::<Vec<_>>(),
        c.train_accuracy,
        c.scales
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
    ));
    c.spec
        .save(&a.out)
        .with_context(|| format!("writing the network to {}", a.out.display()))?;
    status(format!(
        "saved {} ({} neurons, {} synapses)",
        a.out.display(),
        c.spec.n_neurons,
        c.spec.recurrent.len() + c.spec.input.len()
    ));
    let t2 = Instant::now();
    let ev = c.evaluate(xte, &y_test, &a.steps)?;
    let simulate_s = t2.elapsed().as_secs_f64();
    let t_max = ev.snn.last().map_or(0, |s| s.steps);
    let mut table = format!("ANN test accuracy: {:.4}\n", ev.ann_accuracy);
    table += "steps  SNN accuracy  agreement with ANN\n";
    for s in &ev.snn {
        table += &format!(
            "{:>5}  {:>12.4}  {:>18.4}\n",
            s.steps, s.accuracy, s.agreement
        );
    }
    table += &format!(
        "simulated {} test samples for {t_max} steps in {simulate_s:.2} s\n",
        test.len()
    );
    crate::cmd::output::print_out(&table)?;
    if let Some(r) = &a.report {
        let report = json!({
            "data": a.data,
            "features": a.features,
            "n_train": train.len(),
            "n_test": test.len(),
            "n_features": x.ncols(),
            "classes": classes,
            "config": converter.config,
            "seed": config.seed,
            "ann_train_accuracy": c.train_accuracy,
            "ann_test_accuracy": ev.ann_accuracy,
            "snn": ev.snn,
            "lambda": c.scales,
            "loss": c.log.loss,
            "network": { "n_neurons": c.spec.n_neurons, "n_synapses": c.spec.recurrent.len() + c.spec.input.len() },
            "time_s": { "features": features_s, "train_and_convert": train_s, "simulate": simulate_s },
            "simulate_steps": t_max,
        });
        let text = serde_json::to_string_pretty(&report)? + "\n";
        lsm_core::write_atomic(r, text.as_bytes())
            .with_context(|| format!("--report {}", r.display()))?;
    }
    Ok(())
}

/// The class names of `samples` (sorted as the pipeline sorts them) and each sample's index;
/// with `known`, the indices in those names (a class the training split lacks is an error).
fn class_indices(
    samples: &[Sample],
    known: Option<&[String]>,
) -> Result<(Vec<String>, Vec<usize>)> {
    let labels = samples
        .iter()
        .map(|s| {
            s.label
                .clone()
                .with_context(|| format!("{}: no label for this sample", s.path.display()))
        })
        .collect::<Result<Vec<String>>>()?;
    let names = match known {
        Some(k) => k.to_vec(),
        None => lsm_datasets::class_index(&labels).names,
    };
    let idx = labels
        .iter()
        .zip(samples)
        .map(|(l, s)| {
            names.iter().position(|n| n == l).with_context(|| {
                format!(
                    "{}: class \"{l}\" has no training sample (training classes: {})",
                    s.path.display(),
                    names.join(", ")
                )
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok((names, idx))
}

/// The columns the config's readout uses (reservoir, plus the input-only ones if
/// `include_input`; the input-only ones alone without a reservoir), or only the input-only
/// columns.
fn select_columns(
    config: &DigitsConfig,
    x: Array2<Real>,
    n_in: usize,
    input_only: bool,
) -> Array2<Real> {
    let n_res = x.ncols() - n_in;
    let cols: Vec<usize> = if input_only || !config.features.reservoir {
        (n_res..x.ncols()).collect()
    } else if config.features.include_input {
        return x;
    } else {
        (0..n_res).collect()
    };
    x.select(Axis(1), &cols)
}
