//! Cochleagrams and spikes for every recording of the Free Spoken Digit Dataset, timed.
//!
//! ```text
//! cargo run --release -p lsm-encoding --example encode_fsdd -- [DIR] [--config ENC.json] [--repeat N] [--seed S]
//! ```
//! `DIR` defaults to `../shared/datasets/fsdd/recordings` next to the repository. Files are
//! sorted by name; file `i` is encoded with `rng_for(seed, stream::ENCODER + i)`, in parallel
//! with rayon (set `RAYON_NUM_THREADS` to change the thread count). The timing covers reading
//! the WAV files, the front end and the encoder for all files; the best of `--repeat` runs
//! (default 3) is reported as `files/s`, with a final machine-readable `RESULT` line.

use lsm_core::{rng_for, stream};
use lsm_encoding::{AudioEncoder, AudioEncoderConfig};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/fsdd/recordings"
    ));
    let mut cfg = AudioEncoderConfig::default();
    let mut repeat = 3usize;
    let mut seed = 42u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => {
                let p = args.next().ok_or("--config needs a file")?;
                cfg = AudioEncoderConfig::from_json(&std::fs::read_to_string(&p)?, &p)?;
            }
            "--repeat" => repeat = args.next().ok_or("--repeat needs N")?.parse()?,
            "--seed" => seed = args.next().ok_or("--seed needs S")?.parse()?,
            "-h" | "--help" => {
                println!("encode_fsdd [DIR] [--config ENC.json] [--repeat N] [--seed S]");
                return Ok(());
            }
            _ => dir = PathBuf::from(a),
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no .wav files", dir.display()).into());
    }
    let enc = AudioEncoder::new(&cfg)?;
    println!(
        "{} files from {}; {} bands -> {} channels, frame {} ms, dt {} ms; {} threads",
        files.len(),
        dir.display(),
        enc.n_bands(),
        enc.n_channels(),
        enc.frame_ms(),
        enc.dt_ms(),
        rayon::current_num_threads()
    );
    let mut best = f64::INFINITY;
    let mut totals = (0usize, 0usize, 0usize);
    for r in 0..repeat.max(1) {
        let t0 = Instant::now();
        let res: Result<Vec<(usize, usize, usize)>, _> = files
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut rng = rng_for(seed, stream::ENCODER + i as u64);
                enc.encode_file(p, &mut rng)
                    .map(|o| (o.features.nrows(), o.spikes.n_steps(), o.spikes.n_spikes()))
            })
            .collect();
        let secs = t0.elapsed().as_secs_f64();
        let v = res?;
        totals = v
            .iter()
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        println!(
            "run {}: {:.3} s, {:.0} files/s",
            r + 1,
            secs,
            files.len() as f64 / secs
        );
        best = best.min(secs);
    }
    println!(
        "{} frames, {} steps ({:.1} s of input), {} spikes",
        totals.0,
        totals.1,
        totals.1 as f64 * enc.dt_ms() / 1000.0,
        totals.2
    );
    println!(
        "RESULT files={} seconds={:.4} files_per_s={:.1} spikes={}",
        files.len(),
        best,
        files.len() as f64 / best,
        totals.2
    );
    Ok(())
}
