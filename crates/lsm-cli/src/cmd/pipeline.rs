//! `lsm default-config`, `lsm fit`, `lsm evaluate`, `lsm predict`: the pipelines from the
//! command line.
//!
//! The task is decided from `--task` (default-config), from the `"task"` field of the config
//! or model file, or from `--data`: `mackey-glass`, `narma10`, `lorenz` or a `*.csv` time
//! series go to the time-series pipeline (`cmd::timeseries`); a folder of WAV files (or a
//! `path,label` CSV list) to the spoken-digit pipeline.
//!
//! Outputs (model files, plots) are checked before any work (writable, not an input: not the
//! config, the model, the data list or any recording of the data) and written only at the end
//! of a successful run, atomically (temporary file, then rename), so a failed run never
//! damages a file the user saved.
//!
//! `--skip-bad` (fit, evaluate): recordings that cannot be used (badly named, not a regular
//! file, unreadable or invalid WAV) are left out and listed on stderr instead of stopping the
//! run.

use crate::cmd::data::{
    adapt_to_spike_data, check_not_a_recording, data_file, default_config_for, load_samples_with,
};
use crate::cmd::output::{print_out, status, Bars};
use crate::cmd::plot::plot_confusion;
use crate::plot;
use anyhow::{bail, Context, Result};
use clap::Args;
use lsm_pipeline::{
    io as pio, ClassificationReport, DigitsConfig, DigitsEvaluation, DigitsPipeline, Progress,
    Sample, TASK_SPOKEN_DIGITS,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Time-series tasks (handled by `cmd::timeseries`).
pub const TIMESERIES_TASKS: [&str; 4] = ["mackey-glass", "narma10", "lorenz", "csv"];

/// Arguments of `lsm default-config`.
#[derive(Args, Debug)]
pub struct DefaultConfigArgs {
    /// Task: spoken-digits, spikes (classification of spike data: the spoken-digit pipeline
    /// with spike input and its own network), mackey-glass, narma10 or lorenz.
    #[arg(long, default_value = TASK_SPOKEN_DIGITS)]
    pub task: String,
}

/// Arguments of `lsm fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// Config file (JSON; `lsm default-config` prints one). Default: the task's default config.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data: a folder of FSDD-named WAV files (`{digit}_{speaker}_{take}.wav`), a
    /// `path,label[,speaker]` CSV list, or a time series (`mackey-glass`, `narma10`, `lorenz`,
    /// `FILE.csv` with `--target`).
    #[arg(long)]
    pub data: String,
    /// Which part of a spoken-digit folder to fit on: train, test or all.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Held-out speakers (comma-separated): `train` is every other speaker, `test` these.
    /// Default: the official FSDD split (takes 0-4 are test). For a spike dataset, the held-out
    /// values of its `group` column (`--test-groups` is the same flag).
    #[arg(long, value_delimiter = ',', alias = "test-groups")]
    pub test_speakers: Vec<String>,
    /// Where to write the model file (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Target column of a CSV time series, or several separated by commas (`x,y,z`: one output each).
    #[arg(long)]
    pub target: Option<String>,
    /// Spoken-digit data: leave out recordings that cannot be used (badly named, not a
    /// regular file, unreadable or invalid WAV), listing them on stderr, instead of failing.
    #[arg(long)]
    pub skip_bad: bool,
}

/// Arguments of `lsm evaluate`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Model file written by `lsm fit`.
    #[arg(long)]
    pub model: PathBuf,
    /// Data (as for `lsm fit`).
    #[arg(long)]
    pub data: String,
    /// Which part of a spoken-digit folder to evaluate on: train, test or all.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Held-out speakers (comma-separated), as for `lsm fit` (alias `--test-groups`).
    #[arg(long, value_delimiter = ',', alias = "test-groups")]
    pub test_speakers: Vec<String>,
    /// Print one JSON object on stdout instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Draw the confusion matrix (or the time-series prediction) to this file (.svg or .png).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Target column of a CSV time series, or several separated by commas (`x,y,z`: one output each).
    #[arg(long)]
    pub target: Option<String>,
    /// Spoken-digit data: leave out recordings that cannot be used, listing them on stderr
    /// (as for `lsm fit`).
    #[arg(long)]
    pub skip_bad: bool,
}

/// Arguments of `lsm predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model file written by `lsm fit`.
    #[arg(long)]
    pub model: PathBuf,
    /// WAV files to classify (spoken-digit model).
    pub files: Vec<PathBuf>,
    /// Print one JSON object per line instead of tab-separated text.
    #[arg(long)]
    pub json: bool,
    /// Time-series model: the series (`mackey-glass`, `narma10`, `lorenz` or a CSV file).
    #[arg(long)]
    pub data: Option<String>,
    /// Time-series model: the CSV file to write (header `step`, then `<name>_pred` and
    /// `<name>_true` per output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Time-series model: `teacher-forced` (the readout over the test segment, the true
    /// inputs fed in) or `closed-loop` (one free run from the start of the test segment).
    /// Default: `closed-loop` for a closed-loop model, else `teacher-forced`.
    #[arg(long, value_parser = ["teacher-forced", "closed-loop"])]
    pub mode: Option<String>,
    /// Closed loop: free-run steps. Default: the model's horizon for a closed-loop model,
    /// else the test segment's length.
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Target column(s) of a CSV time series, comma-separated (default: the model's).
    #[arg(long)]
    pub target: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Task dispatch

/// Is `data` a time-series source (`mackey-glass`, `narma10`, `lorenz`, or a CSV that is not
/// a `path,label` list)?
pub fn is_timeseries_data(data: &str) -> bool {
    if ["mackey-glass", "narma10", "lorenz"].contains(&data) {
        return true;
    }
    if data.to_ascii_lowercase().ends_with(".csv") {
        return !crate::cmd::pipeline::is_label_list(Path::new(data));
    }
    false
}

/// Does the CSV at `path` start with a `path,label` header (a list of labelled files)?
pub fn is_label_list(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    if std::io::BufReader::new(f).read_line(&mut first).is_err() {
        return false;
    }
    let cols: Vec<String> = first
        .trim_start_matches('\u{feff}')
        .trim()
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    cols.len() >= 2 && cols[0] == "path" && cols[1] == "label"
}

fn is_timeseries_task(task: &str) -> bool {
    TIMESERIES_TASKS.contains(&task)
}

/// The `"task"` field of a JSON object (config or model), if any.
fn task_of(v: &Value) -> Option<String> {
    v.get("task").and_then(Value::as_str).map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// default-config

/// `lsm default-config --task T`: print the default configuration of a task.
pub fn default_config(args: DefaultConfigArgs) -> Result<()> {
    let v = match args.task.as_str() {
        TASK_SPOKEN_DIGITS => serde_json::to_value(DigitsConfig::default())?,
        "spikes" => serde_json::to_value(DigitsConfig::spikes(1.0))?,
        t if is_timeseries_task(t) && t != "csv" => crate::cmd::timeseries::default_config(t)?,
        t => bail!(
            "--task {t}: unknown task; expected one of spoken-digits, spikes, mackey-glass, \
             narma10, lorenz"
        ),
    };
    print_out(&format!("{}\n", serde_json::to_string_pretty(&v)?))
}

// ---------------------------------------------------------------------------------------
// fit

/// `lsm fit`.
pub fn fit(args: FitArgs, quiet: bool) -> Result<()> {
    let data_file = data_file(&args.data);
    crate::cmd::check_inputs(&[("--config", args.config.as_deref())])?;
    crate::cmd::check_outputs(
        &[("--out", Some(&args.out))],
        &[("--config", args.config.as_deref()), ("--data", data_file)],
    )?;
    let cfg_value = match &args.config {
        Some(p) => {
            let v = pio::read_json_value(p)?;
            pio::require_nonempty_config(p, &v)?;
            Some(v)
        }
        None => None,
    };
    let cfg_task = cfg_value.as_ref().and_then(task_of);
    let ts_data = is_timeseries_data(&args.data);
    match (&cfg_task, ts_data) {
        (Some(t), false) if is_timeseries_task(t) => bail!(
            "--config {}: a \"{t}\" config, but --data {} is not a time series \
             (expected mackey-glass, narma10, lorenz or a CSV file)",
            args.config.as_ref().unwrap().display(),
            args.data
        ),
        (Some(t), true) if t == TASK_SPOKEN_DIGITS => bail!(
            "--config {}: a spoken-digits config, but --data {} is a time series",
            args.config.as_ref().unwrap().display(),
            args.data
        ),
        _ => {}
    }
    if ts_data {
        return fit_timeseries(&args, quiet);
    }
    let cfg_path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("<default config>"));
    let mut config: DigitsConfig = match cfg_value {
        Some(v) => {
            let mut c: DigitsConfig = pio::from_value(&cfg_path, v)?;
            // A network file named in the config is relative to the config's folder.
            if let Some(dir) = cfg_path.parent() {
                c.resolve_paths(dir);
            }
            c.validate()
                .with_context(|| format!("--config {}", cfg_path.display()))?;
            c
        }
        None => default_config_for(&args.data)?,
    };
    if let Some(s) = args.seed {
        config.seed = s;
    }
    // A spike-train dataset: its spikes drive the reservoir (the config's input, if audio,
    // becomes spike input on the dataset's grid, and a generated network takes that step).
    if let Some(dt) = adapt_to_spike_data(&mut config, &args.data)? {
        status(
            quiet,
            format!(
                "{}: a spike-train dataset, read on a {dt} ms grid",
                args.data
            ),
        );
    }
    let samples = load_samples_with(&args.data, &args.split, &args.test_speakers, args.skip_bad)?;
    check_not_a_recording("--out", &args.out, &samples)?;
    status(
        quiet,
        format!(
            "fit: {} samples ({} split) from {}",
            samples.len(),
            args.split,
            args.data
        ),
    );
    let bars = Bars::new(quiet);
    let t0 = Instant::now();
    let model = DigitsPipeline::fit_with_progress(&config, &samples, &bars)?;
    bars.finish();
    let tr = &model.model().training;
    for w in model.warnings() {
        eprintln!("warning: {w}");
    }
    if !quiet {
        if tr.input_gain != 1.0 {
            eprintln!(
                "input drive: the network's input weights scaled by {:.4} ({})",
                tr.input_gain,
                tr.calibration
                    .iter()
                    .map(|(g, r)| format!("gain {g:.3}: {r:.2} Hz"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(tm) = model.fit_timings() {
            let ex = &tm.extract;
            eprintln!(
                "features: {} per sample, {} samples in {:.2} s (CPU: read+encode {:.2} s, \
                 simulate {:.2} s, pool {:.2} s)",
                tr.n_features,
                tr.n_samples,
                ex.wall_s,
                ex.encode_cpu_s,
                ex.simulate_cpu_s,
                ex.pool_cpu_s
            );
            if ex.reservoir_spikes > 0 {
                let n = model
                    .extractor()
                    .network()
                    .map_or(1, |n| n.n_neurons())
                    .max(1) as f64;
                let secs = ex.n_steps as f64 * config.dt_ms() * 1e-3;
                eprintln!(
                    "reservoir: mean rate {:.1} Hz, {} spikes, {:.3e} synaptic events",
                    ex.reservoir_spikes as f64 / (n * secs.max(1e-12)),
                    ex.reservoir_spikes,
                    ex.syn_events as f64
                );
            }
            if model.model().snn.is_none() {
                eprintln!("readout fitted in {:.2} s", tm.readout_s);
            } else {
                eprintln!(
                    "spiking network trained by surrogate gradients in {:.2} s",
                    tm.readout_s
                );
            }
        }
        for (a, s) in &tr.cv_scores {
            eprintln!("  alpha {a:>10.3e}: cross-validated accuracy {s:.4}");
        }
        match &model.model().snn {
            None => eprintln!(
                "readout: alpha {:.3e}, training accuracy {:.4}",
                tr.alpha, tr.train_accuracy
            ),
            Some(snn) => eprintln!(
                "spiking network: {} inputs, {} hidden, {} outputs; final epoch loss {:.4}; \
                 training accuracy {:.4}",
                snn.net.n_inputs(),
                snn.net.hidden(),
                snn.net.n_outputs(),
                snn.log.loss.last().copied().unwrap_or(f64::NAN),
                tr.train_accuracy
            ),
        }
    }
    model
        .save(&args.out)
        .with_context(|| format!("writing the model to {}", args.out.display()))?;
    status(
        quiet,
        format!(
            "saved {} ({:.2} s in total)",
            args.out.display(),
            t0.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}

fn fit_timeseries(args: &FitArgs, quiet: bool) -> Result<()> {
    // Without --config: the default config of the task named by --data.
    let cfg = crate::cmd::timeseries::load_config(args.config.as_deref(), &args.data)?;
    crate::cmd::timeseries::fit(
        cfg,
        &args.data,
        args.target.as_deref(),
        &args.out,
        args.seed,
        quiet,
    )
}

// ---------------------------------------------------------------------------------------
// evaluate

/// `lsm evaluate`.
pub fn evaluate(args: EvaluateArgs, quiet: bool) -> Result<()> {
    crate::cmd::check_inputs(&[("--model", Some(&args.model))])?;
    crate::cmd::check_outputs(
        &[("--plot", args.plot.as_deref())],
        &[
            ("--model", Some(&args.model)),
            ("--data", data_file(&args.data)),
        ],
    )?;
    if let Some(p) = &args.plot {
        plot::Format::of(p)?;
    }
    let (v, task, version) = pio::read_model(&args.model)?;
    if is_timeseries_task(&task) {
        return crate::cmd::timeseries::evaluate(
            &args.model,
            &args.data,
            args.target.as_deref(),
            args.json,
            args.plot.as_deref(),
            quiet,
        );
    }
    if task != TASK_SPOKEN_DIGITS {
        bail!(
            "--model {}: unknown task \"{task}\" (this lsm knows spoken-digits, mackey-glass, \
             narma10, lorenz, csv)",
            args.model.display()
        );
    }
    if is_timeseries_data(&args.data) {
        bail!(
            "--data {}: a time series, but --model {} is a spoken-digits model",
            args.data,
            args.model.display()
        );
    }
    let model = DigitsPipeline::from_file_value(&args.model, v, &task, version)
        .with_context(|| format!("--model {}", args.model.display()))?;
    let samples = load_samples_with(&args.data, &args.split, &args.test_speakers, args.skip_bad)?;
    if let Some(p) = &args.plot {
        check_not_a_recording("--plot", p, &samples)?;
    }
    status(
        quiet,
        format!(
            "evaluate: {} samples ({} split) from {}",
            samples.len(),
            args.split,
            args.data
        ),
    );
    let bars = Bars::new(quiet);
    let t0 = Instant::now();
    let ev = model.evaluate_with_progress(&samples, &bars)?;
    bars.finish();
    let total_s = t0.elapsed().as_secs_f64();
    if let Some(p) = &args.plot {
        plot_confusion(&ev.report, p)
            .with_context(|| format!("--plot {}: drawing the confusion matrix", p.display()))?;
    }
    if args.json {
        print_out(&format!(
            "{}\n",
            serde_json::to_string(&evaluation_json(&ev, &args, total_s))?
        ))?;
    } else {
        print_out(&evaluation_text(&ev.report))?;
        status(
            quiet,
            format!(
                "{} samples in {:.2} s (features {:.2} s, readout {:.3} s)",
                ev.report.n_samples, total_s, ev.extract.wall_s, ev.readout_s
            ),
        );
    }
    Ok(())
}

/// The `--json` object of `lsm evaluate`.
fn evaluation_json(ev: &DigitsEvaluation, args: &EvaluateArgs, total_s: f64) -> Value {
    let r = &ev.report;
    let per_class: serde_json::Map<String, Value> = r
        .per_class
        .iter()
        .map(|(c, a)| (c.clone(), json!(a)))
        .collect();
    json!({
        "task": TASK_SPOKEN_DIGITS,
        "model": args.model,
        "data": args.data,
        "split": if args.test_speakers.is_empty() { args.split.clone() }
                 else { format!("{} (test speakers {})", args.split, args.test_speakers.join(",")) },
        "accuracy": r.accuracy,
        "n_samples": r.n_samples,
        "n_correct": (0..r.confusion.counts.len()).map(|i| r.confusion.counts[i][i]).sum::<usize>(),
        "per_class": per_class,
        "confusion": {"classes": r.confusion.classes, "counts": r.confusion.counts},
        "timings": {
            "total_s": total_s,
            "features_wall_s": ev.extract.wall_s,
            "encode_cpu_s": ev.extract.encode_cpu_s,
            "simulate_cpu_s": ev.extract.simulate_cpu_s,
            "pool_cpu_s": ev.extract.pool_cpu_s,
            "readout_s": ev.readout_s,
        },
        "counts": {
            "steps": ev.extract.n_steps,
            "input_spikes": ev.extract.input_spikes,
            "reservoir_spikes": ev.extract.reservoir_spikes,
            "synaptic_events": ev.extract.syn_events,
        },
    })
}

/// The text report of `lsm evaluate`.
fn evaluation_text(r: &ClassificationReport) -> String {
    let n_correct: usize = (0..r.confusion.counts.len())
        .map(|i| r.confusion.counts[i][i])
        .sum();
    let mut s = format!(
        "accuracy: {:.4} ({n_correct}/{})\n\nper-class accuracy:\n",
        r.accuracy, r.n_samples
    );
    for (c, a) in &r.per_class {
        let n: usize = r
            .confusion
            .classes
            .iter()
            .position(|x| x == c)
            .map_or(0, |i| r.confusion.counts[i].iter().sum());
        let c = crate::cmd::escape_text(c);
        match a {
            Some(a) => s += &format!("  {c:>5}: {a:.4} ({n} samples)\n"),
            None => s += &format!("  {c:>5}: -      (0 samples)\n"),
        }
    }
    s += "\nconfusion matrix (rows: true, columns: predicted):\n";
    s += &r.confusion.to_text();
    s
}

// ---------------------------------------------------------------------------------------
// predict

/// `lsm predict`.
pub fn predict(args: PredictArgs, quiet: bool) -> Result<()> {
    crate::cmd::check_inputs(&[("--model", Some(&args.model))])?;
    let (v, task, version) = pio::read_model(&args.model)?;
    if is_timeseries_task(&task) {
        return crate::cmd::timeseries::predict(&args, quiet);
    }
    if task != TASK_SPOKEN_DIGITS {
        bail!(
            "--model {}: unknown task \"{task}\" (this lsm knows spoken-digits, mackey-glass, \
             narma10, lorenz, csv)",
            args.model.display()
        );
    }
    if args.files.is_empty() {
        bail!("no WAV files given: `lsm predict --model M FILE.wav...` classifies them");
    }
    for (flag, given) in [
        ("--data", args.data.is_some()),
        ("--out", args.out.is_some()),
        ("--mode", args.mode.is_some()),
        ("--horizon", args.horizon.is_some()),
        ("--target", args.target.is_some()),
    ] {
        if given {
            bail!(
                "{flag} is for time-series models; --model {} is a spoken-digits model",
                args.model.display()
            );
        }
    }
    let model = DigitsPipeline::from_file_value(&args.model, v, &task, version)
        .with_context(|| format!("--model {}", args.model.display()))?;
    for f in &args.files {
        match std::fs::metadata(f) {
            Ok(m) if m.is_file() => {}
            Ok(m) => bail!(
                "{}: is {}, expected a WAV file",
                f.display(),
                lsm_core::describe_file_type(&m.file_type())
            ),
            Err(e) => bail!("{}: {e}", f.display()),
        }
    }
    let samples: Vec<Sample> = args.files.iter().map(Sample::from_path).collect();
    let bars = Bars::new(quiet || samples.len() < 50);
    let preds = model.predict_with_progress(&samples, &bars)?;
    bars.finish();
    let mut text = String::new();
    for p in preds {
        if args.json {
            text += &format!(
                "{}\n",
                json!({"file": p.path, "label": p.label, "probability": p.probability})
            );
        } else {
            // Names and labels escaped: a crafted file name cannot forge lines or columns.
            text += &format!(
                "{}\t{}\t{:.4}\n",
                crate::cmd::escape_text(&p.path.to_string_lossy()),
                crate::cmd::escape_text(&p.label),
                p.probability
            );
        }
    }
    print_out(&text)?;
    Ok(())
}
