//! `lsm features`: the pooled features of a dataset (reservoir and input-only columns, one
//! pass, as `lsm bench loso --dump-features` writes them) to a `.npy` file and its sidecar,
//! optionally one shard of the files (`--shard K/N`: files i with i % N == K, e.g. one Slurm
//! array task); `lsm features merge` puts the shards back together in the files' order.

use crate::cmd::data::{adapt_to_spike_data, data_file, default_config_for, load_samples_with};
use crate::cmd::output::Bars;
use crate::cmd::search::parse_shard;
use crate::npy::{read_npy, sidecar_path, write_npy, write_sidecar};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use lsm_pipeline::{feature_pass, DigitsConfig, Progress, Sample};
use ndarray::Array2;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Arguments of `lsm features`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FeaturesArgs {
    /// `merge`: join shards.
    #[command(subcommand)]
    pub command: Option<FeaturesCommand>,
    /// Extraction.
    #[command(flatten)]
    pub run: ExtractArgs,
}

/// The subcommands of `lsm features`.
#[derive(Subcommand, Debug)]
pub enum FeaturesCommand {
    /// Join the `.npy` shards of one extraction (with their sidecars) into one file whose
    /// rows are in the order of the unsharded extraction.
    Merge(MergeArgs),
}

/// Arguments of `lsm features` (extraction).
#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Config file (default: the default spoken-digit config).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data: a folder of FSDD-named WAV files, a CSV list or a spike dataset.
    #[arg(long)]
    pub data: Option<String>,
    /// Which files: train, test or all.
    #[arg(long, default_value = "all")]
    pub split: String,
    /// Held-out speakers (comma-separated), as for `lsm fit`.
    #[arg(long, value_delimiter = ',', alias = "test-groups")]
    pub test_speakers: Vec<String>,
    /// Only shard K of N (`K/N`): the files i (in listing order) with i % N == K.
    #[arg(long)]
    pub shard: Option<String>,
    /// Output `.npy` file (its sidecar is `<out>.json`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Arguments of `lsm features merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shards (`.npy`, each with its `.npy.json` sidecar).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The merged `.npy` file.
    #[arg(long)]
    pub out: PathBuf,
}

/// `lsm features`.
pub fn features(a: FeaturesArgs, quiet: bool) -> Result<()> {
    match a.command {
        Some(FeaturesCommand::Merge(m)) => merge(m, quiet),
        None => extract(a.run, quiet),
    }
}

/// The sidecar of a feature file: each row's file name, label and speaker (group), and how
/// many of the last columns are the input-only features.
pub fn sidecar(samples: &[Sample], n_input_features: usize) -> Value {
    json!({
        "files": samples.iter().map(|s| s.path.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        "labels": samples.iter().map(|s| s.label.clone()).collect::<Vec<_>>(),
        "speakers": samples.iter().map(|s| s.group.clone()).collect::<Vec<_>>(),
        "n_input_features": n_input_features,
    })
}

fn extract(a: ExtractArgs, quiet: bool) -> Result<()> {
    let (Some(data), Some(out)) = (a.data.as_deref(), a.out.as_deref()) else {
        bail!("--data and --out are required (lsm features --data D --out F.npy [--shard K/N])");
    };
    crate::cmd::check_inputs(&[("--config", a.config.as_deref())])?;
    let side = sidecar_path(out);
    crate::cmd::check_outputs(
        &[("--out", Some(out)), ("--out (sidecar)", Some(&side))],
        &[
            ("--config", a.config.as_deref()),
            ("--data", data_file(data)),
        ],
    )?;
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let mut config = match &a.config {
        Some(p) => DigitsConfig::load(p)?,
        None => default_config_for(data)?,
    };
    if let Some(s) = a.seed {
        config.seed = s;
    }
    // A spike dataset: every shard reads its spikes on the dataset's grid and channel count.
    adapt_to_spike_data(&mut config, data)?;
    let all = load_samples_with(data, &a.split, &a.test_speakers, false)?;
    let rows: Vec<usize> = (0..all.len())
        .filter(|&i| match shard {
            None => true,
            Some((k, n)) => i as u64 % n == k,
        })
        .collect();
    if rows.is_empty() {
        bail!(
            "--shard {}: no files in this shard ({} files in all)",
            a.shard.as_deref().unwrap_or(""),
            all.len()
        );
    }
    let samples: Vec<Sample> = rows.iter().map(|&i| all[i].clone()).collect();
    let bars = Bars::new(quiet);
    // `"input_drive": "auto"` calibrates on the files of the whole selection, not the shard's,
    // so that every shard extracts with the same network (the one `lsm fit` would build on
    // the same files).
    let calibrate_on: Vec<&Sample> = all.iter().collect();
    let r = feature_pass(&config, &samples, Some(&calibrate_on), &bars)?;
    bars.finish();
    write_npy(out, &r.features)?;
    let mut v = sidecar(&samples, r.n_input_features);
    let key = json!([
        serde_json::to_value(&config)?,
        data,
        a.split,
        a.test_speakers
    ]);
    v["extraction"] = json!(lsm_pipeline::search::fingerprint(&key));
    if let Some((k, n)) = shard {
        v["shard"] = json!(format!("{k}/{n}"));
        v["rows"] = json!(rows);
        v["n_rows"] = json!(all.len());
    }
    write_sidecar(out, &v)?;
    if !quiet {
        eprintln!(
            "{} x {} features written to {} ({} input-only columns)",
            r.features.nrows(),
            r.features.ncols(),
            out.display(),
            r.n_input_features
        );
    }
    Ok(())
}

fn merge(a: MergeArgs, quiet: bool) -> Result<()> {
    let mut inputs: Vec<(&str, Option<&std::path::Path>)> = Vec::new();
    let sides: Vec<PathBuf> = a.files.iter().map(|f| sidecar_path(f)).collect();
    for (f, s) in a.files.iter().zip(&sides) {
        inputs.push(("shard", Some(f.as_path())));
        inputs.push(("shard sidecar", Some(s.as_path())));
    }
    crate::cmd::check_inputs(&inputs)?;
    let out_side = sidecar_path(&a.out);
    crate::cmd::check_outputs(
        &[
            ("--out", Some(&a.out)),
            ("--out (sidecar)", Some(&out_side)),
        ],
        &inputs,
    )?;
    let mut merged: Option<(Array2<f64>, Value, Vec<bool>)> = None;
    for (f, sp) in a.files.iter().zip(&sides) {
        let x = read_npy(f)?;
        let text =
            lsm_core::read_to_string_capped(sp).with_context(|| format!("{}", sp.display()))?;
        let v: Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not JSON", sp.display()))?;
        let field = |k: &str| {
            v.get(k).with_context(|| {
                format!(
                    "{}: no `{k}` (not a shard of `lsm features --shard`?)",
                    sp.display()
                )
            })
        };
        let rows: Vec<usize> = serde_json::from_value(field("rows")?.clone())
            .with_context(|| format!("{}: `rows`: expected row indices", sp.display()))?;
        let n_rows = field("n_rows")?
            .as_u64()
            .with_context(|| format!("{}: `n_rows`: expected a count", sp.display()))?
            as usize;
        if rows.len() != x.nrows() || rows.iter().any(|&r| r >= n_rows) {
            bail!(
                "{}: {} rows listed for {} in {} (of {n_rows})",
                sp.display(),
                rows.len(),
                x.nrows(),
                f.display()
            );
        }
        let (m, side, seen) = merged.get_or_insert_with(|| {
            let mut side = v.clone();
            for k in ["files", "labels", "speakers"] {
                side[k] = json!(vec![Value::Null; n_rows]);
            }
            (
                Array2::zeros((n_rows, x.ncols())),
                side,
                vec![false; n_rows],
            )
        });
        for k in ["extraction", "n_rows", "n_input_features"] {
            if v.get(k) != side.get(k) {
                bail!(
                    "{}: `{k}` differs from the first shard's: shards of different extractions",
                    sp.display()
                );
            }
        }
        if x.ncols() != m.ncols() {
            bail!(
                "{}: {} columns, the first shard has {}",
                f.display(),
                x.ncols(),
                m.ncols()
            );
        }
        for (j, &r) in rows.iter().enumerate() {
            if std::mem::replace(&mut seen[r], true) {
                bail!("{}: row {r} is also in another shard", f.display());
            }
            m.row_mut(r).assign(&x.row(j));
            for k in ["files", "labels", "speakers"] {
                side[k][r] = v[k][j].clone();
            }
        }
    }
    let (m, mut side, seen) = merged.expect("at least one file");
    if let Some(r) = seen.iter().position(|s| !s) {
        bail!(
            "row {r} (and {} more) is in no shard given: a shard is missing",
            seen.iter().filter(|s| !**s).count() - 1
        );
    }
    if let Some(o) = side.as_object_mut() {
        for k in ["shard", "rows", "n_rows"] {
            o.remove(k);
        }
    }
    write_npy(&a.out, &m)?;
    write_sidecar(&a.out, &side)?;
    if !quiet {
        eprintln!(
            "{} x {} features merged into {}",
            m.nrows(),
            m.ncols(),
            a.out.display()
        );
    }
    Ok(())
}
