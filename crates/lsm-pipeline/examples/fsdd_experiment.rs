//! Official-split and leave-one-speaker-out accuracy of a spoken-digit config, with the
//! input-only control, from one feature pass.
//!
//! `cargo run --release -p lsm-pipeline --example fsdd_experiment -- DIR [CONFIG.json]`
//!
//! `DIR` is a folder of FSDD recordings (`{digit}_{speaker}_{take}.wav`); without it the
//! folder named by the environment variable `LSM_FSDD_DIR` is used. `scripts/fetch-fsdd.sh
//! DEST` downloads the full dataset into `DEST/recordings`.
use lsm_pipeline::{fsdd_folds, run_folds, DigitsConfig, NoProgress, Sample};
use std::path::Path;

/// The recordings folder: the first argument, else `$LSM_FSDD_DIR`; an error saying how to get
/// the data when neither names an existing folder.
fn data_dir(arg: Option<&String>) -> Result<String, String> {
    let (dir, from) = match (arg, std::env::var("LSM_FSDD_DIR")) {
        (Some(a), _) => (a.clone(), "the DIR argument"),
        (None, Ok(v)) if !v.is_empty() => (v, "LSM_FSDD_DIR"),
        _ => {
            return Err(
                "no FSDD folder: pass DIR (a folder of {digit}_{speaker}_{take}.wav \
                        recordings) or set LSM_FSDD_DIR; scripts/fetch-fsdd.sh DEST downloads \
                        FSDD into DEST/recordings"
                    .into(),
            )
        }
    };
    if !Path::new(&dir).is_dir() {
        return Err(format!(
            "{dir} ({from}) is not a folder; scripts/fetch-fsdd.sh DEST downloads FSDD into \
             DEST/recordings"
        ));
    }
    Ok(dir)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = match data_dir(args.get(1)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let dir = dir.as_str();
    let config = match args.get(2) {
        Some(p) => DigitsConfig::load(Path::new(p))?,
        None => DigitsConfig::default(),
    };
    let mut samples = Vec::new();
    let mut test_take = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    for n in names {
        let parts: Vec<&str> = n.trim_end_matches(".wav").split('_').collect();
        if parts.len() != 3 {
            continue;
        }
        samples.push(
            Sample::from_path(Path::new(dir).join(&n))
                .with_label(parts[0])
                .with_group(parts[1]),
        );
        test_take.push(parts[2].parse::<u32>()? < 5);
    }
    let splits = fsdd_folds(&samples, &test_take);
    let r = run_folds(&config, &samples, &splits, &NoProgress)?;
    println!(
        "{:<28} {:>7} {:>7} {:>10} {:>8} {:>10}",
        "split", "LSM", "cv", "alpha", "input", "alpha"
    );
    for s in &r.splits {
        let i = s.input_only.as_ref();
        println!(
            "{:<28} {:>7.4} {:>7.4} {:>10.0e} {:>8.4} {:>10.0e}",
            s.name,
            s.lsm.test_accuracy,
            s.lsm.cv_accuracy,
            s.lsm.alpha,
            i.map_or(f64::NAN, |i| i.test_accuracy),
            i.map_or(f64::NAN, |i| i.alpha)
        );
    }
    let loso: Vec<_> = r.splits.iter().skip(1).collect();
    let m = loso.iter().map(|s| s.lsm.test_accuracy).sum::<f64>() / loso.len() as f64;
    let mi = loso
        .iter()
        .filter_map(|s| s.input_only.as_ref().map(|i| i.test_accuracy))
        .sum::<f64>()
        / loso.len() as f64;
    println!("LOSO mean: LSM {m:.4}, input-only {mi:.4}");
    println!(
        "features: {:.2} s wall ({} samples; encode {:.2} s, simulate {:.2} s, pool {:.2} s CPU); readouts {:.2} s",
        r.extract.wall_s, r.extract.n_samples, r.extract.encode_cpu_s, r.extract.simulate_cpu_s, r.extract.pool_cpu_s, r.readout_s
    );
    let secs = r.extract.n_steps as f64 * config.dt_ms() * 1e-3;
    println!(
        "reservoir: {} spikes, mean rate {:.1} Hz, {:.3e} events",
        r.extract.reservoir_spikes,
        r.extract.reservoir_spikes as f64 / (1000.0 * secs),
        r.extract.syn_events as f64
    );
    Ok(())
}
