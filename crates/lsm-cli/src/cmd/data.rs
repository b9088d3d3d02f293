//! Classification data for `lsm fit`, `lsm evaluate` and `lsm bench`: listing the samples of
//! a folder of WAV files, a CSV list or a spike-train dataset (a folder with `labels.csv`),
//! optionally skipping bad files, and the checks that keep an output off the data.

use anyhow::{bail, Context, Result};
use lsm_pipeline::Sample;
use std::path::{Path, PathBuf};

/// `--data` as a path when it names an existing file (a CSV list or series), else `None`
/// (a folder or a built-in series).
pub fn data_file(data: &str) -> Option<&Path> {
    let p = Path::new(data);
    p.is_file().then_some(p)
}

/// Refuse an output that is one of the recordings of the data (a folder's files are known
/// only once listed; listing is quick, so this still comes before the long work).
pub fn check_not_a_recording(flag: &str, out: &Path, samples: &[Sample]) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if let Some(s) = samples.iter().find(|s| lsm_core::same_file(out, &s.path)) {
        bail!(
            "{flag} {}: is the recording {} of --data; refusing to overwrite an input \
             (choose another output path)",
            out.display(),
            s.path.display()
        );
    }
    Ok(())
}

/// Print the files `--skip-bad` left out of `data` (nothing when none), one per line, the
/// reason without the repeated path, control characters escaped.
pub fn report_skipped(data: &str, skipped: &[(PathBuf, String)]) {
    if skipped.is_empty() {
        return;
    }
    let mut msg = format!("--skip-bad: skipped {} file(s) of {data}:", skipped.len());
    for (path, why) in skipped {
        let why = why
            .strip_prefix(&format!("{}: ", path.display()))
            .unwrap_or(why);
        msg += &format!(
            "\n  {}: {}",
            crate::cmd::escape_text(&path.to_string_lossy()),
            crate::cmd::escape_text(why)
        );
    }
    eprintln!("{msg}");
}

/// Samples of a spoken-digit data source (`lsm_datasets::AudioDataset`): a folder of
/// FSDD-named WAV files or a `path,label[,speaker][,split]` CSV list, restricted to `split`
/// (`train`, `test`, `all`; official FSDD rule, the CSV's `split` column, or held-out
/// `test_speakers`). Each sample's id is [`lsm_pipeline::stable_id`] of its file name, the same
/// id `lsm predict` uses, so a file gets the same random streams in every command.
pub fn load_samples(data: &str, split: &str, test_speakers: &[String]) -> Result<Vec<Sample>> {
    load_samples_with(data, split, test_speakers, false)
}

/// [`load_samples`]; with `skip_bad`, files that cannot be used (bad names or entries, WAV
/// files that fail to read, digitally silent ones) are left out and listed on stderr.
pub fn load_samples_with(
    data: &str,
    split: &str,
    test_speakers: &[String],
    skip_bad: bool,
) -> Result<Vec<Sample>> {
    let p = Path::new(data);
    if !p.exists() {
        bail!("--data {data}: no such folder or file");
    }
    let split: lsm_datasets::Split = split
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--split: {e}"))?;
    if lsm_datasets::is_spike_dataset(p) {
        return load_spike_samples(data, split, test_speakers, skip_bad);
    }
    let ds = lsm_datasets::AudioDataset::open_with(p, skip_bad)
        .with_context(|| format!("--data {data}"))?;
    let mut skipped = skipped_of(ds.skipped());
    let mut items = ds
        .select(split, test_speakers)
        .with_context(|| format!("--data {data}"))?;
    if skip_bad {
        use rayon::prelude::*;
        // Read every selected WAV once now, so a bad one is skipped rather than failing the
        // run halfway (reading is cheap next to encoding and simulating).
        let errors: Vec<Option<String>> = items
            .par_iter()
            .map(|it| match lsm_encoding::read_wav(&it.path) {
                Err(e) => Some(e.to_string()),
                // Digital silence has nothing to classify (the pipeline refuses it).
                Ok(a) if a.samples.iter().all(|&x| x == 0.0) => {
                    Some("silent: every sample is zero".into())
                }
                Ok(_) => None,
            })
            .collect();
        let mut kept = Vec::with_capacity(items.len());
        for (it, e) in items.into_iter().zip(errors) {
            match e {
                Some(e) => skipped.push((it.path, e)),
                None => kept.push(it),
            }
        }
        items = kept;
    }
    report_skipped(data, &skipped);
    if items.is_empty() {
        bail!("--data {data}: every selected file was skipped as bad; nothing left to use");
    }
    Ok(items
        .into_iter()
        .map(|it| Sample {
            label: Some(it.label),
            group: it.speaker,
            ..Sample::from_path(it.path)
        })
        .collect())
}

/// The files a dataset listing left out, with why.
fn skipped_of(s: &[lsm_datasets::Skipped]) -> Vec<(PathBuf, String)> {
    s.iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect()
}

/// The config's input for `--data`: spike trains on the dataset's grid for a spike-train
/// dataset folder, `None` for audio.
pub fn spike_input_of(data: &str) -> Result<Option<lsm_pipeline::InputSource>> {
    let p = Path::new(data);
    if !lsm_datasets::is_spike_dataset(p) {
        return Ok(None);
    }
    let ds = lsm_datasets::SpikeDataset::open(p).with_context(|| format!("--data {data}"))?;
    let info = ds.info();
    Ok(Some(lsm_pipeline::InputSource::Spikes {
        n_channels: info.n_channels,
        dt_ms: info.dt_ms.unwrap_or(1.0),
        duration_ms: None,
    }))
}

/// The default classification config for `data`: [`lsm_pipeline::DigitsConfig::spikes`] on
/// the dataset's grid and channel count for a spike-train dataset, the spoken-digit default
/// otherwise.
pub fn default_config_for(data: &str) -> Result<lsm_pipeline::DigitsConfig> {
    Ok(match spike_input_of(data)? {
        Some(input) => {
            let mut c = lsm_pipeline::DigitsConfig::spikes(1.0);
            use_spike_input(&mut c, input);
            c
        }
        None => lsm_pipeline::DigitsConfig::default(),
    })
}

/// For a spike-train dataset `data`: an audio `config` takes spike input on the dataset's grid
/// and channel count, and a generated network that step. Returns the step (ms) when the
/// config changed, `None` otherwise (audio data, or a config already of spike input).
pub fn adapt_to_spike_data(
    config: &mut lsm_pipeline::DigitsConfig,
    data: &str,
) -> Result<Option<f64>> {
    let Some(input) = spike_input_of(data)? else {
        return Ok(None);
    };
    if !config.input.is_audio() {
        return Ok(None);
    }
    Ok(Some(use_spike_input(config, input)))
}

/// `config` with spike input `input`, its generated network on the input's step; returns
/// that step (ms).
fn use_spike_input(
    config: &mut lsm_pipeline::DigitsConfig,
    input: lsm_pipeline::InputSource,
) -> f64 {
    config.input = input;
    let dt = config.dt_ms();
    config.network.set_dt_ms(dt);
    dt
}

/// The samples of a spike-train dataset (`labels.csv`, spike CSVs): selected like a CSV list
/// (`split` column, held-out `group`s) and read into memory in parallel on the dataset's
/// grid, each with its own duration; ids are [`lsm_pipeline::stable_id`] of the file name,
/// as `lsm predict` gives them.
fn load_spike_samples(
    data: &str,
    split: lsm_datasets::Split,
    test_groups: &[String],
    skip_bad: bool,
) -> Result<Vec<Sample>> {
    use rayon::prelude::*;
    let ds = lsm_datasets::SpikeDataset::open_with(Path::new(data), skip_bad)
        .with_context(|| format!("--data {data}"))?;
    let mut skipped = skipped_of(ds.skipped());
    let items = ds
        .select(split, test_groups)
        .with_context(|| format!("--data {data}"))?;
    let dt = ds.info().dt_ms.unwrap_or(1.0);
    let read: Vec<_> = items.par_iter().map(|it| ds.read(it, dt)).collect();
    let mut samples = Vec::with_capacity(items.len());
    for (it, r) in items.into_iter().zip(read) {
        match r {
            Ok(st) if skip_bad && st.n_spikes() == 0 => {
                skipped.push((it.path, "no spikes: nothing to classify".into()))
            }
            Ok(st) => samples.push(Sample {
                data: lsm_pipeline::SampleData::Spikes(st.into()),
                label: Some(it.label),
                group: it.speaker,
                ..Sample::from_path(it.path)
            }),
            Err(e) if skip_bad => skipped.push((it.path, e.to_string())),
            Err(e) => return Err(e).with_context(|| format!("--data {data}")),
        }
    }
    report_skipped(data, &skipped);
    if samples.is_empty() {
        bail!("--data {data}: every selected file was skipped as bad; nothing left to use");
    }
    Ok(samples)
}

/// `lsm data` subcommands: dataset generators.
#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Write the spike-pattern classification task of Maass, Natschläger & Markram (2002) as
    /// a spike dataset: jittered copies of random Poisson spike templates, one class per
    /// template.
    SpikePatterns(SpikePatternsArgs),
    /// Write the series of a built-in time-series task (mackey-glass, narma10, lorenz) as CSV
    /// with a header: the very numbers `lsm fit --data TASK` uses (from the first row,
    /// before the config's `data.discard`), for other tools to read.
    Series(SeriesArgs),
}

/// `lsm data series` arguments.
#[derive(clap::Args, Debug)]
pub struct SeriesArgs {
    /// The task: mackey-glass, narma10 or lorenz.
    #[arg(long)]
    pub task: String,
    /// A time-series config (its generator parameters, seed and split set the series and
    /// its length). Default: `lsm default-config --task TASK`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The CSV file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// `lsm data spike-patterns` arguments.
#[derive(clap::Args, Debug)]
pub struct SpikePatternsArgs {
    /// Generator config (JSON `SpikePatternConfig`: n_templates, n_channels, duration_ms,
    /// rate_hz, jitter_ms, dt_ms, n_train, n_test, segments; omitted fields take their
    /// defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Segment task: S consecutive segments of duration_ms / S, each showing one of the
    /// templates of its position; the label is the parity of the segment bits (XOR for 2)
    /// with 2 templates. Overrides the config's `segments` (0: whole templates).
    #[arg(long)]
    pub segments: Option<usize>,
    /// Length of every sample, ms (e.g. 300 for three 100 ms segments). Overrides the
    /// config's `duration_ms`.
    #[arg(long)]
    pub duration_ms: Option<f64>,
    /// Standard deviation of the jitter of every spike, ms. Overrides the config's
    /// `jitter_ms`.
    #[arg(long)]
    pub jitter_ms: Option<f64>,
    /// The spike dataset folder to write (must not exist, or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the templates and the jitter.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Run `lsm data ...`.
pub fn data(command: DataCommand, quiet: bool) -> Result<()> {
    match command {
        DataCommand::SpikePatterns(a) => spike_patterns(a, quiet),
        DataCommand::Series(a) => series(a, quiet),
    }
}

fn series(args: SeriesArgs, quiet: bool) -> Result<()> {
    use lsm_pipeline::timeseries::{generated_series, Task};
    let task = match Task::parse(&args.task) {
        Some(Task::Csv) | None => bail!(
            "--task {}: expected mackey-glass, narma10 or lorenz",
            args.task
        ),
        Some(t) => t,
    };
    crate::cmd::check_outputs(
        &[("--out", Some(&args.out))],
        &[("--config", args.config.as_deref())],
    )?;
    let mut cfg = crate::cmd::timeseries::load_config(args.config.as_deref(), task.name())?;
    if cfg.task != task {
        bail!(
            "--config is for `{}`, --task is `{}`",
            cfg.task.name(),
            task.name()
        );
    }
    if let Some(s) = args.seed {
        cfg.seed = s;
    }
    let ts = generated_series(&cfg)?;
    let mut buf = Vec::new();
    ts.write_csv(&mut buf)?;
    lsm_core::write_atomic(&args.out, &buf)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if !quiet {
        eprintln!(
            "{} rows of {} ({}; the first {} are the config's data.discard) written to {}",
            ts.data.nrows(),
            task.name(),
            ts.names.join(", "),
            cfg.data.discard,
            args.out.display()
        );
    }
    Ok(())
}

fn spike_patterns(args: SpikePatternsArgs, quiet: bool) -> Result<()> {
    use lsm_datasets::spike_patterns::{generate, write_dataset, SpikePatternConfig};
    let mut cfg = match &args.config {
        Some(p) => {
            let text = crate::cmd::read_config("--config", p)?;
            SpikePatternConfig::from_json(text.as_bytes(), &p.display().to_string())?
        }
        None => SpikePatternConfig::default(),
    };
    cfg.segments = args.segments.unwrap_or(cfg.segments);
    cfg.duration_ms = args.duration_ms.unwrap_or(cfg.duration_ms);
    cfg.jitter_ms = args.jitter_ms.unwrap_or(cfg.jitter_ms);
    cfg.check()
        .context("--config / --segments / --duration-ms / --jitter-ms")?;
    // Refuse a bad destination before generating (write_dataset checks it again).
    drop(lsm_datasets::SpikeDatasetWriter::create(&args.out).context("--out")?);
    let samples = generate(&cfg, args.seed)?;
    write_dataset(&args.out, &cfg, args.seed, &samples)
        .with_context(|| format!("--out {}", args.out.display()))?;
    if !quiet {
        let task = match cfg.segments {
            0 => "spike patterns".to_string(),
            s => format!(
                "{s} segments of {} ms, label = sum mod K,",
                cfg.segment_ms()
            ),
        };
        eprintln!(
            "{task} {} templates x ({} train + {} test) = {} samples of {} channels, \
             {} ms; wrote {}",
            cfg.n_templates,
            cfg.n_train,
            cfg.n_test,
            samples.len(),
            cfg.n_channels,
            cfg.duration_ms,
            args.out.display()
        );
    }
    Ok(())
}
