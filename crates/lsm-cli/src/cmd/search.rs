//! `lsm search`: hyperparameter search over config fields named by JSON path, one results
//! line per trial, resumable and shardable; `lsm search report` merges results files. The
//! logic lives in `lsm_pipeline::search`; this module reads the flags and the data, draws the
//! progress bar and scores the best config once on the test split.

use crate::cmd::data::{adapt_to_spike_data, data_file, default_config_for, load_samples_with};
use crate::cmd::output::print_out;
use crate::cmd::pipeline::is_timeseries_data;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lsm_pipeline::search::{
    ranked, AnyConfig, Halving, Header, Objective, ResultsFile, SamplerKind, Search, SearchData,
    Space, Trial,
};
use lsm_pipeline::timeseries::{self as ts, DataSource, Task, TsConfig};
use lsm_pipeline::{io as pio, DigitsConfig, DigitsPipeline};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Arguments of `lsm search`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SearchArgs {
    /// `report`: merge results files, print the best trials, write the best config.
    #[command(subcommand)]
    pub command: Option<SearchCommand>,
    /// The search itself.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands of `lsm search`.
#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Merge results files (shards, resumed runs), print the best trials, write the best
    /// config as a ready `lsm fit --config` file, plot score against each parameter.
    Report(crate::cmd::search_report::ReportArgs),
}

/// Arguments of a search run.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Base config (JSON; default: the default config of the task of --data).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Space file: the objective and the config paths to vary, each with a distribution.
    #[arg(long)]
    pub space: Option<PathBuf>,
    /// Data, as for `lsm fit` (the training split is searched on; the test split is scored
    /// once, for the best config).
    #[arg(long)]
    pub data: Option<String>,
    /// Number of trials (ids 0..N).
    #[arg(long, default_value_t = 20)]
    pub trials: u64,
    /// Results file (JSON lines). An existing file of the same search is resumed.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Sampler: random, sobol or grid.
    #[arg(long, default_value = "random")]
    pub sampler: String,
    /// Grid sampler: values per real or integer parameter.
    #[arg(long, default_value_t = 5)]
    pub grid_points: usize,
    /// Successive halving: score every trial on 1/eta^(rungs-1) of the training data, promote
    /// the best 1/eta to eta times more data, up to all of it.
    #[arg(long)]
    pub halving: bool,
    /// Successive halving: reduction factor.
    #[arg(long, default_value_t = 3)]
    pub eta: u32,
    /// Successive halving: number of rungs.
    #[arg(long, default_value_t = 3)]
    pub rungs: u32,
    /// Base seed (default: the base config's seed). A trial's parameters and config seed
    /// derive from it and the trial id alone.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only shard K of N (`K/N`: trial ids i with i % N == K), e.g. one Slurm array task.
    #[arg(long)]
    pub shard: Option<String>,
    /// Which part of a spoken-digit folder the search uses as its training data.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Held-out speakers (comma-separated), as for `lsm fit` (alias `--test-groups`).
    #[arg(long, value_delimiter = ',', alias = "test-groups")]
    pub test_speakers: Vec<String>,
    /// Target column of a CSV time series, or several separated by commas (`x,y,z`: one output each).
    #[arg(long)]
    pub target: Option<String>,
    /// Do not score the best config on the test split at the end.
    #[arg(long)]
    pub no_test: bool,
    /// Leave out recordings that cannot be used, listing them (as for `lsm fit`).
    #[arg(long)]
    pub skip_bad: bool,
}

/// `lsm search`.
pub fn search(args: SearchArgs, quiet: bool) -> Result<()> {
    match args.command {
        Some(SearchCommand::Report(a)) => crate::cmd::search_report::report(a, quiet),
        None => run(args.run, quiet),
    }
}

fn required<'a, T: ?Sized>(v: Option<&'a T>, flag: &str) -> Result<&'a T> {
    v.with_context(|| format!("{flag} is required (lsm search --space S --data D --out R.jsonl)"))
}

/// Parse `K/N` with `K < N`.
pub fn parse_shard(s: &str) -> Result<(u64, u64)> {
    let bad = || format!("--shard {s}: expected K/N with 0 <= K < N, e.g. 0/4");
    let (k, n) = s.split_once('/').with_context(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().with_context(bad)?,
        n.trim().parse().with_context(bad)?,
    );
    if n == 0 || k >= n {
        bail!(bad());
    }
    Ok((k, n))
}

/// The base config as JSON: the file, or the default config of the task of `data`. On a
/// spike-train dataset, a classification config of audio input takes spike input on the
/// dataset's grid (as `lsm fit` does).
fn base_config(config: Option<&Path>, data: &str) -> Result<(Value, PathBuf)> {
    let (v, file) = base_config_as_given(config, data)?;
    if is_timeseries_data(data) || lsm_pipeline::search::is_series_config(&v) {
        return Ok((v, file));
    }
    let mut c: DigitsConfig = pio::from_value(&file, v.clone())?;
    if adapt_to_spike_data(&mut c, data)?.is_none() {
        return Ok((v, file));
    }
    Ok((serde_json::to_value(c)?, file))
}

fn base_config_as_given(config: Option<&Path>, data: &str) -> Result<(Value, PathBuf)> {
    match config {
        Some(p) => {
            let v = pio::read_json_value(p)?;
            pio::require_nonempty_config(p, &v)?;
            Ok((v, p.to_path_buf()))
        }
        None => {
            let v = if is_timeseries_data(data) {
                let task = if data.to_ascii_lowercase().ends_with(".csv") {
                    "csv"
                } else {
                    data
                };
                let t = Task::parse(task)
                    .with_context(|| format!("--data {data}: unknown time-series task"))?;
                serde_json::to_value(TsConfig::default_for(t))?
            } else {
                serde_json::to_value(default_config_for(data)?)?
            };
            Ok((v, PathBuf::from("<default config>")))
        }
    }
}

fn run(a: RunArgs, quiet: bool) -> Result<()> {
    let space_path = required(a.space.as_deref(), "--space")?;
    let data = required(a.data.as_deref(), "--data")?;
    let out = required(a.out.as_deref(), "--out")?;
    crate::cmd::check_inputs(&[
        ("--config", a.config.as_deref()),
        ("--space", Some(space_path)),
    ])?;
    crate::cmd::check_outputs(
        &[("--out", Some(out))],
        &[
            ("--config", a.config.as_deref()),
            ("--space", Some(space_path)),
            ("--data", data_file(data)),
        ],
    )?;
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let space = Space::load(space_path)?;
    let (base, base_file) = base_config(a.config.as_deref(), data)?;
    let base_seed = match a.seed {
        Some(s) => s,
        None => base.get("seed").and_then(Value::as_u64).unwrap_or(0),
    };
    let kind = SamplerKind::parse(&a.sampler, a.grid_points)
        .with_context(|| format!("--sampler {}: expected random, sobol or grid", a.sampler))?;
    if a.halving && (a.eta < 2 || a.rungs < 1) {
        bail!(
            "--eta {} --rungs {}: expected eta >= 2 and rungs >= 1",
            a.eta,
            a.rungs
        );
    }
    let sampler = lsm_pipeline::search::Sampler::new(kind, &space, base_seed)?;
    let trials = match sampler.size() {
        Some(n) if n < a.trials => n,
        _ => a.trials,
    };
    // Every trial's parameters and results are held in memory (about 200 bytes a parameter).
    let per_trial = 256.0 + 200.0 * space.params.len() as f64;
    lsm_core::limits::check(
        lsm_core::limits::Limit::MemoryBytes,
        trials as f64 * per_trial,
        format!("--trials {trials}"),
    )?;
    let s = Search {
        sampler,
        sampler_name: kind.name(),
        space,
        base,
        base_file,
        base_seed,
        trials,
        halving: a.halving.then_some(Halving {
            eta: a.eta,
            rungs: a.rungs,
        }),
        shard,
    };
    s.check()?;
    let series = lsm_pipeline::search::is_series_config(&s.base);
    if series != is_timeseries_data(data) {
        bail!(
            "--data {data}: a {} but the config is a {} config",
            if series { "dataset" } else { "time series" },
            if series {
                "time-series"
            } else {
                "classification"
            }
        );
    }
    let train = if series {
        SearchData::Series(DataSource::parse(data, a.target.as_deref()))
    } else {
        SearchData::Samples(load_samples_with(
            data,
            &a.split,
            &a.test_speakers,
            a.skip_bad,
        )?)
    };
    let header = s.header();
    let (mut file, done) = ResultsFile::open(out, &header)?;
    let total = s.total_runs();
    let objective = s.space.objective;
    let status = |m: String| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    status(format!(
        "search: {} trials{} ({}), objective {} on {}; {} results already in {}",
        trials,
        shard.map_or(String::new(), |(k, n)| format!(", shard {k}/{n}")),
        header.sampler,
        objective.name(),
        data,
        done.len(),
        out.display()
    ));
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:>30} [{bar:30}] {pos}/{len} trials (eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_position(done.len().min(total as usize) as u64);
    let mut best: Option<f64> = None;
    let all = s.run(&train, &mut file, done, &mut |t: &Trial| {
        bar.inc(1);
        if let Some(o) = t.objective {
            let improves = match best {
                None => true,
                Some(b) => objective.direction().better(o, b),
            };
            if improves {
                best = Some(o);
            }
        }
        bar.set_message(best.map_or("no score yet".into(), |b| {
            format!("best {} {b:.4}", objective.name())
        }));
    })?;
    bar.finish_and_clear();
    print_out(&best_table(&header, &all, 5))?;
    if shard.is_some() || a.no_test {
        return Ok(());
    }
    let Some(top) = ranked(&all, objective.direction())
        .into_iter()
        .find(|t| t.objective.is_some())
    else {
        bail!(
            "no trial succeeded; see the error field of the trials in {}",
            out.display()
        );
    };
    let cfg = s.trial_config(&top.params, top.seed)?;
    let cfg = lsm_pipeline::search::parse_config(&cfg, &s.base_file)?;
    status(format!(
        "scoring the best trial (#{}) once on the test split...",
        top.trial
    ));
    let line = match (cfg, &train) {
        (AnyConfig::Digits(c), SearchData::Samples(samples)) => {
            let test = load_samples_with(data, "test", &a.test_speakers, a.skip_bad)?;
            let model = DigitsPipeline::fit(&c, samples)?;
            let acc = model.evaluate(&test)?.report.accuracy;
            format!(
                "test accuracy of the best trial #{}: {acc:.4} ({} test samples)\n",
                top.trial,
                test.len()
            )
        }
        (AnyConfig::Series(c), SearchData::Series(src)) => {
            let (m, _) = ts::fit(&c, src)?;
            let ev = ts::evaluate(&m, src)?;
            format!(
                "test NRMSE of the best trial #{}: {:.4e}\n",
                top.trial, ev.scores.nrmse
            )
        }
        _ => bail!("--data {data}: does not match the config's task"),
    };
    print_out(&line)
}

/// The best `top` trials of the highest rung as a text table.
pub fn best_table(header: &Header, trials: &[Trial], top: usize) -> String {
    let direction = Objective::parse(&header.objective)
        .map_or(lsm_pipeline::search::Direction::Maximize, |o| o.direction());
    let r = ranked(trials, direction);
    let failed = trials.iter().filter(|t| t.objective.is_none()).count();
    let mut s = format!(
        "{} trials ({} failed), objective {} ({}), best first:\n{:>6} {:>4} {:>12} {:>8}  params\n",
        trials.len(),
        failed,
        header.objective,
        if direction == lsm_pipeline::search::Direction::Maximize {
            "higher is better"
        } else {
            "lower is better"
        },
        "trial",
        "rung",
        header.objective.split('_').next_back().unwrap_or("score"),
        "seconds"
    );
    for t in r.into_iter().take(top) {
        let params: Vec<String> = t
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", short(v)))
            .collect();
        s += &format!(
            "{:>6} {:>4} {:>12} {:>8.1}  {}\n",
            t.trial,
            t.rung,
            t.objective.map_or("failed".into(), |o| format!("{o:.5}")),
            t.seconds,
            crate::cmd::escape_text(&params.join(" "))
        );
    }
    s
}

/// A parameter value, short: numbers with 4 significant digits.
fn short(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if !v.is_i64() && !v.is_u64() => format!("{x:.4}"),
        _ => v.to_string(),
    }
}
