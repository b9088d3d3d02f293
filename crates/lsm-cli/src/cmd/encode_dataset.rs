//! `lsm encode DATASET --out DIR [--config ENC.json | --pipeline-config DIGITS.json]
//! [--seed S] [--skip-bad]`: encode every recording of a dataset (an FSDD-layout folder or a
//! CSV list, `lsm_datasets::AudioDataset`) into a spike dataset (`lsm_datasets::spikes`).
//!
//! * `labels.csv`: `file,label[,split][,group],duration_ms`; `split` is the dataset's own
//!   (FSDD folder: the official rule, takes 0–4 test; CSV list: its `split` column), `group`
//!   the speaker.
//! * one `channel,time_ms` CSV per recording, named after the WAV (`7_theo_3.csv`).
//! * `dataset.json`: `n_channels` and `dt_ms` of the encoder, and in `meta` the encoder
//!   config and the seed.
//!
//! Each recording is encoded with `rng_for(seed, stream::ENCODER + stable_id(file name))`,
//! exactly as the spoken-digit pipeline does, so the spikes are those the pipeline feeds its
//! reservoir (with the same encoder config and seed: `--pipeline-config`). Recordings are
//! encoded in parallel; the folder is written beside the destination and renamed at the end,
//! so an error or Ctrl-C leaves no partial dataset.

use crate::cmd::encode::{encoder_config, EncodeArgs};
use anyhow::{bail, Context, Result};
use lsm_core::{rng_for, stream};
use lsm_datasets::{AudioDataset, SpikeDatasetInfo, SpikeDatasetWriter, SpikeRow, SpikeSampleOut};
use lsm_encoding::AudioEncoder;
use lsm_pipeline::Progress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Whether `lsm encode`'s input is a dataset: a folder, or a `.csv` file (a list).
pub fn is_dataset(input: &Path) -> bool {
    input.is_dir()
        || (input.is_file()
            && input
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv")))
}

/// What became of one recording.
enum Outcome {
    Written(SpikeRow),
    Skipped(PathBuf, String),
}

/// Run `lsm encode DATASET --out DIR`.
pub fn encode_dataset(args: EncodeArgs, quiet: bool) -> Result<()> {
    for (flag, given) in [
        ("--plot", args.plot.is_some()),
        ("--features", args.features.is_some()),
        ("--sample-id", args.sample_id.is_some()),
    ] {
        if given {
            bail!(
                "{flag}: only for a single WAV file; {} is a dataset (each recording's id is \
                 the stable id of its file name)",
                args.file.display()
            );
        }
    }
    let data = args.file.display().to_string();
    let ds = AudioDataset::open_with(&args.file, args.skip_bad)
        .with_context(|| format!("FILE {data}"))?;
    let (cfg, seed) = encoder_config(&args)?;
    let enc = AudioEncoder::new(&cfg)?;
    let writer = SpikeDatasetWriter::create(&args.out).context("--out")?;
    let items = ds.items();
    let bars = crate::cmd::output::Bars::new(quiet);
    bars.start("encoding", items.len() as u64);
    let outcomes = items
        .par_iter()
        .map(|it| -> Result<Outcome> {
            let out = encode_one(&enc, &writer, seed, it, args.skip_bad);
            bars.inc(1);
            out
        })
        .collect::<Result<Vec<Outcome>>>();
    bars.finish();
    let mut rows = Vec::with_capacity(items.len());
    let mut skipped: Vec<(PathBuf, String)> = ds
        .skipped()
        .iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect();
    for o in outcomes? {
        match o {
            Outcome::Written(r) => rows.push(r),
            Outcome::Skipped(p, why) => skipped.push((p, why)),
        }
    }
    crate::cmd::data::report_skipped(&data, &skipped);
    if rows.is_empty() {
        bail!("FILE {data}: every file was skipped as bad; nothing left to encode");
    }
    let info = SpikeDatasetInfo {
        n_channels: Some(enc.n_channels()),
        dt_ms: Some(enc.dt_ms()),
        duration_ms: None,
        meta: serde_json::json!({
            "encoder": cfg,
            "seed": seed,
            "encoder_stream": "ENCODER + stable_id(file name)",
        }),
    };
    let n = rows.len();
    writer
        .finish(&info, &rows)
        .with_context(|| format!("--out {}", args.out.display()))?;
    if !quiet {
        eprintln!(
            "{data}: {n} recordings -> {} channels, {} ms steps; wrote the spike dataset {}",
            enc.n_channels(),
            enc.dt_ms(),
            args.out.display()
        );
    }
    Ok(())
}

/// Encode one recording and write its spike file; with `skip_bad`, a recording that fails to
/// read or encodes to no spikes (silence) is skipped instead of failing.
fn encode_one(
    enc: &AudioEncoder,
    writer: &SpikeDatasetWriter,
    seed: u64,
    it: &lsm_datasets::Item,
    skip_bad: bool,
) -> Result<Outcome> {
    let name = it
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rng = rng_for(
        seed,
        stream::ENCODER.wrapping_add(lsm_pipeline::stable_id(&name)),
    );
    let bad = |why: String| -> Result<Outcome> {
        if skip_bad {
            Ok(Outcome::Skipped(it.path.clone(), why))
        } else {
            bail!("{why} (`--skip-bad` leaves such files out)")
        }
    };
    let encoded = match enc.encode_file(&it.path, &mut rng) {
        Ok(e) => e,
        Err(e) => return bad(e.to_string()),
    };
    if encoded.spikes.n_spikes() == 0 {
        return bad(format!(
            "{}: the recording is silent: its encoding has no input spikes",
            it.path.display()
        ));
    }
    let stem = Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let row = writer.write_sample(&SpikeSampleOut {
        file: &format!("{stem}.csv"),
        label: &it.label,
        split: it.split(),
        group: it.speaker.as_deref(),
        spikes: &encoded.spikes,
    })?;
    Ok(Outcome::Written(row))
}
