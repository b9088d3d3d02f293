//! `lsm analyze`: what a reservoir computes (memory, processing capacity, separation,
//! regime), for one config or network file, or over a grid of config values (a phase
//! diagram). The measures are in `lsm_pipeline::analysis`; this module reads the inputs,
//! prints the report and draws the figures (`analyze_plot`).

use super::analyze_plot as aplot;
use crate::cmd::output::print_out;
use anyhow::{bail, Context, Result};
use clap::Args;
use lsm_pipeline::analysis::sweep::{self, SweepAxis};
use lsm_pipeline::analysis::{self, Analysis, AnalysisOptions, Metric, Subject};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `lsm analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// A pipeline config: a time-series config (its reservoir, ESN or spiking, driven by an
    /// analog series) or a classification config (its spiking network, driven by spikes).
    /// Without --config or --network: the default ESN of `lsm default-config --task
    /// mackey-glass`.
    #[arg(long, conflicts_with = "network")]
    pub config: Option<PathBuf>,
    /// A network file (`lsm network generate`), driven by spikes on its inputs.
    #[arg(long)]
    pub network: Option<PathBuf>,
    /// The measures, comma-separated: memory, ipc, lyapunov, regime, ranks, separation, damage
    /// (default: all that apply).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Options of the measures (JSON, see `lsm_pipeline::analysis::AnalysisOptions`; every
    /// field optional).
    #[arg(long)]
    pub options: Option<PathBuf>,
    /// Largest delay of the memory capacity (overrides the options file).
    #[arg(long)]
    pub k_max: Option<usize>,
    /// Seed of the probe inputs (default: the config's seed, or 42 for a network file).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A sweep axis `PATH=LO:HI:N`, `PATH=LO:HI:N:log` or `PATH=V1,V2,...` over a field of
    /// the config (`network.weight_scale.ee`, `reservoir.spectral_radius`...); once or twice.
    #[arg(long)]
    pub sweep: Vec<String>,
    /// With --sweep: the scalar drawn and optimised (memory, ipc, ipc1..3, lyapunov,
    /// rate_hz, cv_isi, synchrony, kernel_quality, generalization_rank, kq_minus_gr, damage).
    /// Default: kq_minus_gr for spiking networks, memory for series reservoirs.
    #[arg(long)]
    pub objective: Option<String>,
    /// With --sweep: the best point has the smallest objective instead of the largest.
    #[arg(long)]
    pub minimize: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the figures as PREFIX-memory.EXT, PREFIX-ipc.EXT, PREFIX-separation.EXT,
    /// PREFIX-damage.EXT (one analysis) or PREFIX-phase.EXT (a sweep); EXT is png or svg.
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

/// The figure files of `--plot PREFIX.EXT` for these names.
fn plot_paths(prefix: &Path, names: &[&str]) -> Result<Vec<PathBuf>> {
    let ext = prefix
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "svg"))
        .with_context(|| {
            format!(
                "--plot {}: expected a file name ending in .png or .svg",
                prefix.display()
            )
        })?;
    let stem = prefix.with_extension("");
    Ok(names
        .iter()
        .map(|n| PathBuf::from(format!("{}-{n}.{ext}", stem.display())))
        .collect())
}

fn load_options(args: &AnalyzeArgs) -> Result<AnalysisOptions> {
    let mut opts = match &args.options {
        Some(p) => {
            let text = crate::cmd::read_config("--options", p)?;
            lsm_core::json::from_object_slice::<AnalysisOptions>(
                text.as_bytes(),
                &p.display().to_string(),
            )
            .with_context(|| "--options")?
        }
        None => AnalysisOptions::default(),
    };
    if !args.metrics.is_empty() {
        opts.metrics = args
            .metrics
            .iter()
            .map(|m| {
                Metric::parse(m.trim()).with_context(|| {
                    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                    format!(
                        "--metrics {m}: unknown measure; expected {}",
                        names.join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?;
    }
    if let Some(k) = args.k_max {
        opts.memory.k_max = k;
    }
    Ok(opts)
}

/// The config text and the file that names it; the default ESN config without one.
fn config_text(args: &AnalyzeArgs) -> Result<(String, PathBuf)> {
    match &args.config {
        Some(p) => Ok((crate::cmd::read_config("--config", p)?, p.clone())),
        None => Ok((
            serde_json::to_string(&crate::cmd::timeseries::default_config("mackey-glass")?)?,
            PathBuf::from("<default mackey-glass config>"),
        )),
    }
}

/// `lsm analyze`.
pub fn analyze(args: AnalyzeArgs, quiet: bool) -> Result<()> {
    let opts = load_options(&args)?;
    let axes = args
        .sweep
        .iter()
        .map(|s| SweepAxis::parse(s).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    if axes.len() > 2 {
        bail!("--sweep: at most two axes (a phase diagram)");
    }
    if !axes.is_empty() && args.network.is_some() {
        bail!("--sweep changes fields of a config: give --config, not --network");
    }
    let plots = match &args.plot {
        Some(p) if axes.is_empty() => plot_paths(p, &["memory", "ipc", "separation", "damage"])?,
        Some(p) => plot_paths(p, &["phase"])?,
        None => Vec::new(),
    };
    crate::cmd::check_inputs(&[
        ("--config", args.config.as_deref()),
        ("--network", args.network.as_deref()),
        ("--options", args.options.as_deref()),
    ])?;
    let mut outputs: Vec<(&str, Option<&Path>)> = vec![("--out", args.out.as_deref())];
    outputs.extend(plots.iter().map(|p| ("--plot", Some(p.as_path()))));
    crate::cmd::check_outputs(
        &outputs,
        &[
            ("--config", args.config.as_deref()),
            ("--network", args.network.as_deref()),
            ("--options", args.options.as_deref()),
        ],
    )?;
    if !plots.is_empty() {
        crate::plot::require_font()?;
    }
    if axes.is_empty() {
        let (subject, seed) = match &args.network {
            Some(p) => {
                let net = lsm_reservoir::Network::load(p)
                    .with_context(|| format!("--network {}", p.display()))?;
                (Subject::Network(Box::new(net)), 42)
            }
            None => {
                let (text, file) = config_text(&args)?;
                analysis::subject_from_config(&text, &file)
                    .with_context(|| format!("--config {}", file.display()))?
            }
        };
        let seed = args.seed.unwrap_or(seed);
        if !quiet {
            eprintln!("analysing the {} reservoir ...", subject.kind());
        }
        let a = analysis::analyze(&subject, &opts, seed)?;
        let report = json!({"seed": seed, "analysis": a});
        if let Some(out) = &args.out {
            write_json(out, &report)?;
        }
        if args.json {
            print_out(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
        } else {
            print_out(&summary(&a))?;
        }
        if !plots.is_empty() {
            aplot::analysis_figures(&a, &plots)?;
        }
        return Ok(());
    }
    // A sweep: the config with every field written out, so that any field can be swept.
    let (text, file) = config_text(&args)?;
    let (first, seed0) = analysis::subject_from_config(&text, &file)
        .with_context(|| format!("--config {}", file.display()))?;
    let base = full_config(&text, &file)?;
    let objective = args.objective.clone().unwrap_or_else(|| {
        match first {
            Subject::Network(_) => "kq_minus_gr",
            Subject::Series(_) => "memory",
        }
        .to_string()
    });
    drop(first);
    if !Analysis::SCALARS.contains(&objective.as_str()) {
        bail!(
            "--objective {objective}: unknown; expected one of {}",
            Analysis::SCALARS.join(", ")
        );
    }
    let seed = args.seed.unwrap_or(seed0);
    // Fields are parsed again at each point from the full config; relative paths in it were
    // already resolved against the config's folder, so the point's file name has no folder.
    let point_file = PathBuf::from(file.file_name().unwrap_or(file.as_os_str()));
    let bar = (!quiet).then(|| {
        let n: usize = axes.iter().map(|a| a.values.len()).product();
        let pb = indicatif::ProgressBar::new(n as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:>20} [{bar:30}] {pos}/{len} points ({elapsed}, eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.set_message("sweep");
        pb
    });
    let points = sweep::sweep(
        &base,
        &axes,
        |v| Ok(analysis::subject_from_config(&v.to_string(), &point_file)?.0),
        &opts,
        seed,
        |i, _| {
            if let Some(b) = &bar {
                b.set_position(i as u64);
            }
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let best = sweep::best(&points, &objective, !args.minimize);
    let report = json!({
        "seed": seed,
        "axes": axes,
        "objective": objective,
        "maximize": !args.minimize,
        "best": best.map(|i| json!({
            "values": points[i].values,
            "objective": points[i].analysis.scalar(&objective),
        })),
        "points": points,
    });
    if let Some(out) = &args.out {
        write_json(out, &report)?;
    }
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        print_out(&sweep_summary(&axes, &points, &objective, best))?;
    }
    if let Some(p) = plots.first() {
        aplot::phase_figure(&axes, &points, &objective, best, p)?;
    }
    Ok(())
}

/// The config as JSON with every field written out (defaults included).
fn full_config(text: &str, file: &Path) -> Result<Value> {
    let v: Value =
        serde_json::from_str(text).with_context(|| format!("--config {}", file.display()))?;
    let task = v.get("task").and_then(Value::as_str);
    Ok(if !matches!(task, Some(t) if t != "spoken-digits") {
        let mut c: lsm_pipeline::DigitsConfig = lsm_pipeline::io::from_value(file, v)?;
        if let Some(dir) = file.parent() {
            c.resolve_paths(dir);
        }
        serde_json::to_value(c)?
    } else {
        let c =
            lsm_pipeline::timeseries::TsConfig::from_json_str(text, &file.display().to_string())?;
        serde_json::to_value(c)?
    })
}

fn write_json(path: &Path, v: &Value) -> Result<()> {
    let text = format!("{}\n", serde_json::to_string_pretty(v)?);
    lsm_core::write_atomic(path, text.as_bytes())
        .with_context(|| format!("--out {}", path.display()))
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

/// The text report of one analysis.
pub fn summary(a: &Analysis) -> String {
    let mut s = format!("{} reservoir, {} state features\n", a.kind, a.n_state);
    if let Some(m) = &a.memory {
        let first: Vec<String> = m
            .per_delay
            .iter()
            .take(5)
            .map(|v| format!("{v:.2}"))
            .collect();
        s += &format!(
            "memory capacity MC = {:.2} over {} delays (MC_1..5: {}; {} training, {} held-out steps)\n",
            m.total,
            m.per_delay.len(),
            first.join(" "),
            m.n_train,
            m.n_test
        );
    }
    if let Some(i) = &a.ipc {
        let by: Vec<String> = i
            .by_degree
            .iter()
            .map(|d| format!("degree {}: {:.2}", d.degree, d.total))
            .collect();
        s += &format!(
            "information processing capacity {:.2} of rank {} ({}; threshold {:.2e})\n",
            i.total,
            i.rank,
            by.join(", "),
            i.threshold
        );
    }
    if let Some(l) = a.lyapunov {
        s += &format!(
            "largest Lyapunov exponent {l:.4} per step (spectral radius {}, effective {})\n",
            opt(a.spectral_radius, 3),
            opt(a.effective_spectral_radius, 3)
        );
    }
    if let Some(r) = &a.regime {
        s += &format!(
            "regime {}: {:.2} Hz, CV of ISIs {}, synchrony {}, {} neurons active\n",
            r.regime,
            r.rate_hz,
            opt(r.cv_isi, 2),
            opt(r.synchrony, 2),
            r.n_active
        );
    }
    if let Some(r) = &a.ranks {
        s += &format!(
            "kernel quality {} - generalization rank {} = {} ({} inputs, {} neurons)\n",
            r.kernel_quality,
            r.generalization_rank,
            r.kernel_quality as i64 - r.generalization_rank as i64,
            r.n_inputs,
            r.n_neurons
        );
    }
    if let Some(sep) = &a.separation {
        s += "separation (input distance -> state distance at the end of the input):\n";
        for p in &sep.points {
            s += &format!(
                "  {:<22} {:.4} -> {:.4}\n",
                p.label,
                p.input_distance,
                p.state_distance.last().copied().unwrap_or(0.0)
            );
        }
    }
    if let Some(d) = &a.damage {
        let peak = d.distance.iter().cloned().fold(0.0, f64::max);
        s += &format!(
            "damage spreading: one extra input spike on channel {} -> {:+} spikes, distance peak {:.4}, final {:.4}\n",
            d.channel, d.extra_spikes, peak, d.final_distance
        );
    }
    s
}

fn sweep_summary(
    axes: &[SweepAxis],
    points: &[sweep::SweepPoint],
    objective: &str,
    best: Option<usize>,
) -> String {
    let mut s = String::new();
    let head: Vec<&str> = axes.iter().map(|a| a.path.as_str()).collect();
    s += &format!("{}  {objective}\n", head.join("  "));
    for p in points {
        let vals: Vec<String> = p.values.iter().map(|v| format!("{v:.4}")).collect();
        s += &format!(
            "{}  {}\n",
            vals.join("  "),
            opt(p.analysis.scalar(objective), 4)
        );
    }
    match best {
        Some(i) => {
            let at: Vec<String> = axes
                .iter()
                .zip(&points[i].values)
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect();
            s += &format!(
                "best: {} ({objective} {})\n",
                at.join(", "),
                opt(points[i].analysis.scalar(objective), 4)
            );
        }
        None => s += &format!("best: none ({objective} was not measured at any point)\n"),
    }
    s
}
