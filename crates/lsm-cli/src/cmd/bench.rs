//! `lsm bench`: built-in speed (and accuracy) measurements. Nothing here is asserted by
//! tests: timings go to the terminal and to JSON.
//!
//! * `lsm bench --data DIR [--config C]`: the whole spoken-digit job as `lsm fit` +
//!   `lsm evaluate` run it (read + encode, simulate, pool, fit the readout, evaluate), with the
//!   time of each stage; a table on stderr... and one JSON object on stdout.
//! * `lsm bench loso --data DIR [--config C]`: one feature pass over all files, then the
//!   official split and leave-one-speaker-out, for the config's features and the input-only
//!   control; a table and JSON.
//! * `lsm bench simulate [--neurons 1000,4000,16000]`: the Brian2 speed-anchor network
//!   (`lsm_reservoir::anchor`) simulated for 1 s of biological time.

use crate::cmd::data::load_samples;
use crate::cmd::output::Bars;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use lsm_core::Real;
use lsm_pipeline::Progress;
use lsm_pipeline::{fsdd_folds, run_folds, DigitsConfig, DigitsPipeline, Sample};
use lsm_reservoir::anchor::{anchor_network, ANCHOR_DT_MS};
use lsm_reservoir::{Drive, Network, RecordSpec};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lsm bench`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// A specific benchmark (default: the whole spoken-digit job).
    #[command(subcommand)]
    pub command: Option<BenchCommand>,
    /// The whole-job benchmark's arguments.
    #[command(flatten)]
    pub job: JobArgs,
}

/// The benchmarks.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// The whole spoken-digit job (the default).
    Job(JobArgs),
    /// Official split + leave-one-speaker-out accuracy, with the input-only control.
    Loso(JobArgs),
    /// Simulation speed on the Brian2 speed-anchor network.
    Simulate(SimArgs),
}

/// Arguments of the spoken-digit benchmarks.
#[derive(Args, Debug, Clone)]
pub struct JobArgs {
    /// Folder of FSDD-named WAV files (default: the environment variable `LSM_FSDD_DIR`;
    /// `scripts/fetch-fsdd.sh DEST` downloads FSDD into `DEST/recordings`).
    #[arg(long, env = "LSM_FSDD_DIR")]
    pub data: Option<String>,
    /// Config file (default: the default spoken-digit config).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Held-out speakers (comma-separated) instead of the official split (job benchmark).
    #[arg(long, value_delimiter = ',')]
    pub test_speakers: Vec<String>,
    /// Also write the JSON result to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// `loso` only: also write the pooled features of every file to this NumPy `.npy` file
    /// (float64, one row per file), and a JSON sidecar (`<file>.json`: file names, labels,
    /// speakers, takes, and how many of the last columns are the input-only features).
    #[arg(long)]
    pub dump_features: Option<PathBuf>,
    /// Override the config's seed (network, encoder noise, readout), e.g. to report the
    /// spread over network seeds.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Arguments of `lsm bench simulate`.
#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    /// Network sizes (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1000,4000,16000")]
    pub neurons: Vec<usize>,
    /// Timed biological time, ms (after an untimed 200 ms transient in the same run).
    #[arg(long, default_value_t = 1000.0)]
    pub duration_ms: Real,
    /// Repeats per size (best and median are reported).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the JSON result to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

/// `lsm bench`.
pub fn bench(args: BenchArgs, quiet: bool) -> Result<()> {
    let job_args = match &args.command {
        None => Some(&args.job),
        Some(BenchCommand::Job(a) | BenchCommand::Loso(a)) => Some(a),
        Some(BenchCommand::Simulate(_)) => None,
    };
    if let Some(a) = job_args {
        crate::cmd::check_inputs(&[("--config", a.config.as_deref())])?;
        crate::cmd::check_outputs(
            &[
                ("--json-out", a.json_out.as_deref()),
                ("--dump-features", a.dump_features.as_deref()),
            ],
            &[("--config", a.config.as_deref())],
        )?;
    }
    if let Some(BenchCommand::Simulate(a)) = &args.command {
        crate::cmd::check_outputs(&[("--json-out", a.json_out.as_deref())], &[])?;
    }
    match args.command {
        None => job(args.job, quiet),
        Some(BenchCommand::Job(a)) => job(a, quiet),
        Some(BenchCommand::Loso(a)) => loso(a, quiet),
        Some(BenchCommand::Simulate(a)) => simulate(a, quiet),
    }
}

impl JobArgs {
    /// The FSDD folder: `--data`, else `$LSM_FSDD_DIR`.
    fn data(&self) -> Result<&str> {
        match self.data.as_deref() {
            Some(d) if !d.is_empty() => Ok(d),
            _ => bail!(
                "--data: no FSDD folder given: pass --data DIR or set LSM_FSDD_DIR \
                 (scripts/fetch-fsdd.sh DEST downloads FSDD into DEST/recordings)"
            ),
        }
    }
}

fn load_config(a: &JobArgs) -> Result<DigitsConfig> {
    let mut c = match &a.config {
        Some(p) => DigitsConfig::load(p)?,
        None => DigitsConfig::default(),
    };
    if let Some(s) = a.seed {
        c.seed = s;
    }
    Ok(c)
}

fn emit(v: &serde_json::Value, out: &Option<PathBuf>) -> Result<()> {
    crate::cmd::output::print_out(&format!("{}\n", serde_json::to_string(v)?))?;
    if let Some(p) = out {
        let mut b = serde_json::to_vec_pretty(v)?;
        b.push(b'\n');
        lsm_core::write_atomic(p, &b).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

fn load_avg() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// The whole job: fit on the train split, evaluate on the test split.
fn job(a: JobArgs, quiet: bool) -> Result<()> {
    let data = a.data()?;
    let config = load_config(&a)?;
    let t_all = Instant::now();
    let t = Instant::now();
    let train = load_samples(data, "train", &a.test_speakers)?;
    let test = load_samples(data, "test", &a.test_speakers)?;
    let list_s = t.elapsed().as_secs_f64();
    let bars = Bars::new(quiet);
    let model = DigitsPipeline::fit_with_progress(&config, &train, &bars)?;
    bars.finish();
    let ev = model.evaluate_with_progress(&test, &bars)?;
    bars.finish();
    let total_s = t_all.elapsed().as_secs_f64();
    let tr = &model.model().training;
    let tm = model.fit_timings().cloned().unwrap_or_default();
    let (fx, ex) = (&tm.extract, &ev.extract);
    let threads = rayon::current_num_threads();
    let rows: Vec<(&str, f64, f64)> = vec![
        ("list files", list_s, 0.0),
        ("generate network", tm.network_s, 0.0),
        ("read + encode (CPU)", fx.encode_cpu_s, ex.encode_cpu_s),
        ("simulate (CPU)", fx.simulate_cpu_s, ex.simulate_cpu_s),
        ("pool (CPU)", fx.pool_cpu_s, ex.pool_cpu_s),
        ("feature pass (wall)", fx.wall_s, ex.wall_s),
        ("readout fit / predict (wall)", tm.readout_s, ev.readout_s),
    ];
    if !quiet {
        eprintln!(
            "\nwhole spoken-digit job: {} train + {} test files, {threads} threads",
            train.len(),
            test.len()
        );
        eprintln!("{:<30} {:>10} {:>10}", "stage", "fit s", "eval s");
        for (n, f, e) in &rows {
            eprintln!("{n:<30} {f:>10.3} {e:>10.3}");
        }
        eprintln!("{:<30} {:>10.3}", "TOTAL (wall)", total_s);
        eprintln!(
            "test accuracy {:.4} ({} samples); alpha {:.0e}",
            ev.report.accuracy, ev.report.n_samples, tr.alpha
        );
    }
    let sim_s = (fx.n_steps + ex.n_steps) as f64 * config.dt_ms() * 1e-3;
    let v = json!({
        "bench": "job",
        "data": data,
        "config": a.config,
        "seed": config.seed,
        "threads": threads,
        "n_train": train.len(),
        "n_test": test.len(),
        "test_accuracy": ev.report.accuracy,
        "alpha": tr.alpha,
        "cv_scores": tr.cv_scores,
        "total_s": total_s,
        "stages_s": {
            "list": list_s,
            "fit_features_wall": fx.wall_s,
            "fit_encode_cpu": fx.encode_cpu_s,
            "fit_simulate_cpu": fx.simulate_cpu_s,
            "fit_pool_cpu": fx.pool_cpu_s,
            "fit_network": tm.network_s,
            "fit_readout": tm.readout_s,
            "eval_features_wall": ex.wall_s,
            "eval_encode_cpu": ex.encode_cpu_s,
            "eval_simulate_cpu": ex.simulate_cpu_s,
            "eval_pool_cpu": ex.pool_cpu_s,
            "eval_readout": ev.readout_s,
        },
        "simulated_s": sim_s,
        "reservoir_spikes": fx.reservoir_spikes + ex.reservoir_spikes,
        "input_spikes": fx.input_spikes + ex.input_spikes,
        "synaptic_events": fx.syn_events + ex.syn_events,
        "loadavg": load_avg(),
    });
    emit(&v, &a.json_out)
}

/// Official split + LOSO from one feature pass.
fn loso(a: JobArgs, quiet: bool) -> Result<()> {
    let data = a.data()?;
    let config = load_config(&a)?;
    let t0 = Instant::now();
    let samples: Vec<Sample> = load_samples(data, "all", &[])?;
    let test_take: Vec<bool> = samples
        .iter()
        .map(|s| {
            let name = s.path.file_stem().map(|n| n.to_string_lossy().into_owned());
            name.and_then(|n| n.rsplit('_').next().and_then(|t| t.parse::<u32>().ok()))
                .map(|t| t < 5)
                .unwrap_or(false)
        })
        .collect();
    let splits = fsdd_folds(&samples, &test_take);
    if splits.len() < 3 {
        bail!("--data {data}: leave-one-speaker-out needs at least 2 speakers");
    }
    let bars = Bars::new(quiet);
    let r = run_folds(&config, &samples, &splits, &bars)?;
    bars.finish();
    let total_s = t0.elapsed().as_secs_f64();
    let loso: Vec<_> = r.splits.iter().skip(1).collect();
    let mean = |f: &dyn Fn(&lsm_pipeline::FoldResult) -> Option<f64>| {
        let v: Vec<f64> = loso.iter().filter_map(|s| f(s)).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let m_lsm = mean(&|s| Some(s.lsm.test_accuracy));
    let m_in = mean(&|s| s.input_only.as_ref().map(|i| i.test_accuracy));
    if !quiet {
        eprintln!(
            "\n{:<26} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "split", "train", "test", "LSM acc", "LSM cv", "LSM α", "input acc"
        );
        for s in &r.splits {
            eprintln!(
                "{:<26} {:>6} {:>6} {:>9.4} {:>9.4} {:>9.0e} {:>9}",
                s.name,
                s.n_train,
                s.n_test,
                s.lsm.test_accuracy,
                s.lsm.cv_accuracy,
                s.lsm.alpha,
                s.input_only
                    .as_ref()
                    .map_or("-".to_string(), |i| format!("{:.4}", i.test_accuracy))
            );
        }
        eprintln!(
            "{:<26} {:>6} {:>6} {:>9.4} {:>9} {:>9} {:>9.4}",
            "LOSO mean", "", "", m_lsm, "", "", m_in
        );
        eprintln!(
            "feature pass {:.2} s ({} files), readouts {:.2} s, total {:.2} s",
            r.extract.wall_s, r.extract.n_samples, r.readout_s, total_s
        );
    }
    if let Some(path) = &a.dump_features {
        crate::npy::write_npy(path, &r.features)?;
        let mut side = crate::cmd::features::sidecar(&samples, r.n_input_features);
        side["official_test"] = json!(test_take);
        crate::npy::write_sidecar(path, &side)?;
    }
    let secs = r.extract.n_steps as f64 * config.dt_ms() * 1e-3;
    let n_neurons = config.network.n_neurons().unwrap_or(1) as f64;
    let v = json!({
        "bench": "loso",
        "data": data,
        "config": a.config,
        "seed": config.seed,
        "official": r.splits.first(),
        "loso": loso,
        "loso_mean": m_lsm,
        "loso_mean_input_only": m_in,
        "mean_rate_hz": if config.features.reservoir { r.extract.reservoir_spikes as f64 / (n_neurons * secs) } else { 0.0 },
        "extract": r.extract,
        "readout_s": r.readout_s,
        "total_s": total_s,
        "threads": rayon::current_num_threads(),
        "loadavg": load_avg(),
    });
    emit(&v, &a.json_out)
}

fn simulate(a: SimArgs, quiet: bool) -> Result<()> {
    let transient_ms = 200.0;
    let mut results = Vec::new();
    if !quiet {
        eprintln!(
            "{:>7} {:>10} {:>9} {:>12} {:>10} {:>10} {:>12} {:>10}",
            "N", "spikes", "rate Hz", "rec events", "best s", "median s", "events/s", "x realtime"
        );
    }
    for &n in &a.neurons {
        let n_trans = (transient_ms / ANCHOR_DT_MS).round() as usize;
        let n_timed = (a.duration_ms / ANCHOR_DT_MS).round() as usize;
        let n_steps = n_trans + n_timed;
        let (spec, input) = anchor_network(n, n_steps, a.seed)
            .with_context(|| format!("building the N = {n} anchor network"))?;
        let net = Network::from_spec(&spec)?;
        let rec_spec = RecordSpec {
            spikes: false,
            bins: Some(lsm_reservoir::Bins::Count(1)),
            ..RecordSpec::default()
        };
        let mut ws = net.workspace();
        let mut rec = lsm_reservoir::Recording::default();
        // Transient alone, to subtract its cost and spikes.
        let mut times = Vec::new();
        let mut spikes_timed = 0usize;
        for _ in 0..a.repeats.max(1) {
            let t = Instant::now();
            net.run_into(
                Drive::Spikes(&input),
                n_trans,
                &rec_spec,
                a.seed,
                0,
                &mut ws,
                &mut rec,
            )?;
            let tt = t.elapsed().as_secs_f64();
            let s_trans = rec.n_spikes;
            let t = Instant::now();
            net.run_into(
                Drive::Spikes(&input),
                n_steps,
                &rec_spec,
                a.seed,
                0,
                &mut ws,
                &mut rec,
            )?;
            let tf = t.elapsed().as_secs_f64();
            spikes_timed = rec.n_spikes - s_trans;
            times.push((tf - tt).max(0.0));
        }
        times.sort_by(f64::total_cmp);
        let best = times[0];
        let median = times[times.len() / 2];
        let events = spikes_timed as f64 * 100.0;
        let rate = spikes_timed as f64 / (n as f64 * a.duration_ms * 1e-3);
        if !quiet {
            eprintln!(
                "{n:>7} {spikes_timed:>10} {rate:>9.2} {events:>12.3e} {best:>10.4} {median:>10.4} {:>12.3e} {:>10.2}",
                events / best,
                a.duration_ms * 1e-3 / best
            );
        }
        results.push(json!({
            "n_neurons": n,
            "spikes": spikes_timed,
            "rate_hz": rate,
            "recurrent_events": events,
            "wall_best_s": best,
            "wall_median_s": median,
            "events_per_s_best": events / best,
            "x_realtime_best": a.duration_ms * 1e-3 / best,
            "times_s": times,
        }));
    }
    let v = json!({
        "bench": "simulate",
        "model": "brian2 speed anchor (lsm_reservoir::anchor): LIF, K = 100 out, w_e 0.2, g 5, PoissonInput 100 x 20 Hz x 0.2, dt 0.1 ms",
        "duration_ms": a.duration_ms,
        "transient_ms": transient_ms,
        "timing": "run(transient + duration) minus run(transient), same process, single thread",
        "results": results,
        "loadavg": load_avg(),
    });
    emit(&v, &a.json_out)
}
