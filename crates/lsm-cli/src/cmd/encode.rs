//! `lsm encode FILE.wav [--config ENC.json] --out SPIKES.csv [--plot RASTER.svg|png]
//! [--features FEATURES.csv] [--seed S] [--sample-id I]`: turn a WAV file into spikes.
//! `lsm encode DATASET --out DIR`: every recording of a dataset folder or CSV list into a
//! spike dataset ([`crate::cmd::encode_dataset`]).
//!
//! The config is an `lsm_encoding::AudioEncoderConfig` (JSON; omitted fields take their
//! defaults; without `--config` the default: 32-band log-mel at 8 kHz, dB relative to the
//! utterance maximum floored at −50 dB, regular rate coding up to 400 Hz on 1 ms slots,
//! `dt_ms = 1`). The spikes are written as CSV with header `channel,time_ms` (what `lsm
//! simulate --input` reads). Random encoders draw from `rng_for(seed, stream::ENCODER +
//! sample_id)`, as the pipeline does for the file with that id.
//!
//! `--plot` draws the cochleagram (the scaled features as a heat map, time × band) above the
//! spike raster (time × channel), as SVG or PNG by the file's extension ([`crate::plot`]).
//! Text uses a system TrueType font (DejaVu Sans, Liberation Sans..., or `$LSM_FONT`); if none
//! is found the plot is drawn without text.

use crate::plot::{self, draw_err, panel, Figure};
use anyhow::{bail, Context, Result};
use clap::Args;
use lsm_core::{rng_for, stream, write_atomic};
use lsm_encoding::{AudioEncoder, AudioEncoderConfig, Encoded};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::PathBuf;

/// `lsm encode` arguments.
#[derive(Args, Debug)]
pub struct EncodeArgs {
    /// Input WAV file (8/16/24/32-bit integer or 32-bit float, any rate, mixed to mono); or a
    /// dataset (a folder of `{label}_{speaker}_{take}.wav` files or a CSV list), encoded
    /// whole into the spike dataset `--out`.
    pub file: PathBuf,
    /// Encoder config (JSON `AudioEncoderConfig`); default: the built-in default.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Take the encoder and the seed of a spoken-digit pipeline config (what `lsm fit
    /// --config` reads), so the spikes are exactly those the pipeline feeds its reservoir.
    #[arg(long, conflicts_with = "config")]
    pub pipeline_config: Option<PathBuf>,
    /// Output spikes, CSV with header `channel,time_ms`; for a dataset, the spike dataset
    /// folder (must not exist, or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the cochleagram above the spike raster (`.svg` or `.png`).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Also write the scaled features, CSV `time_ms,band0,band1,...` (one row per frame).
    #[arg(long)]
    pub features: Option<PathBuf>,
    /// Seed of random encoders (Poisson). Default 42, or the `--pipeline-config`'s seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sample id: the encoder draws from stream `ENCODER + sample_id` of the seed (the
    /// pipeline uses `lsm_pipeline::stable_id` of the file name). Single files only.
    #[arg(long)]
    pub sample_id: Option<u64>,
    /// Dataset only: leave out recordings that cannot be used (bad names or entries, WAVs
    /// that fail to read, silent ones) and list them on stderr, instead of failing.
    #[arg(long)]
    pub skip_bad: bool,
}

/// The encoder config and seed of `lsm encode` (`--config` or `--pipeline-config`, `--seed`).
pub(crate) fn encoder_config(args: &EncodeArgs) -> Result<(AudioEncoderConfig, u64)> {
    if let Some(p) = &args.pipeline_config {
        crate::cmd::check_inputs(&[("--pipeline-config", Some(p))])?;
        let c = lsm_pipeline::DigitsConfig::load(p).context("--pipeline-config")?;
        return Ok((c.encoder, args.seed.unwrap_or(c.seed)));
    }
    let cfg = match &args.config {
        Some(p) => {
            let text = crate::cmd::read_config("--config", p)?;
            AudioEncoderConfig::from_json(&text, &p.display().to_string())?
        }
        None => AudioEncoderConfig::default(),
    };
    Ok((cfg, args.seed.unwrap_or(42)))
}

/// Run `lsm encode`.
pub fn encode(args: EncodeArgs, quiet: bool) -> Result<()> {
    if crate::cmd::encode_dataset::is_dataset(&args.file) {
        return crate::cmd::encode_dataset::encode_dataset(args, quiet);
    }
    if args.skip_bad {
        bail!("--skip-bad: only for a dataset (a folder or a CSV list), not a single WAV file");
    }
    crate::cmd::check_outputs(
        &[
            ("--out", Some(&args.out)),
            ("--plot", args.plot.as_deref()),
            ("--features", args.features.as_deref()),
        ],
        &[
            ("FILE", Some(&args.file)),
            ("--config", args.config.as_deref()),
            ("--pipeline-config", args.pipeline_config.as_deref()),
        ],
    )?;
    let (cfg, seed) = encoder_config(&args)?;
    if let Some(p) = &args.plot {
        plot::Format::of(p)?;
    }
    let enc = AudioEncoder::new(&cfg)?;
    let id = args.sample_id.unwrap_or(0);
    let mut rng = rng_for(seed, stream::ENCODER.wrapping_add(id));
    let out = enc.encode_file(&args.file, &mut rng)?;

    let mut buf = Vec::new();
    out.spikes.write_csv(&mut buf, "channel")?;
    write_atomic(&args.out, &buf).with_context(|| format!("writing {}", args.out.display()))?;

    if let Some(p) = &args.features {
        let mut s = String::from("time_ms");
        for b in 0..out.features.ncols() {
            s.push_str(&format!(",band{b}"));
        }
        s.push('\n');
        for (t, row) in out.features.rows().into_iter().enumerate() {
            s.push_str(&format!("{}", t as f64 * out.frame_ms));
            for v in row {
                s.push_str(&format!(",{v}"));
            }
            s.push('\n');
        }
        write_atomic(p, s.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &args.plot {
        let fig = EncodePlot {
            out: &out,
            enc: &enc,
            text: plot::register_font(),
        };
        plot::save(p, (1000, 720), &fig).with_context(|| format!("drawing {}", p.display()))?;
    }
    if !quiet {
        eprintln!(
            "{}: {} frames x {} bands ({} ms frames) -> {} spikes on {} channels, {} steps of {} ms; wrote {}",
            args.file.display(),
            out.features.nrows(),
            out.features.ncols(),
            out.frame_ms,
            out.spikes.n_spikes(),
            out.spikes.n_channels(),
            out.spikes.n_steps(),
            out.spikes.dt_ms(),
            args.out.display()
        );
    }
    Ok(())
}

/// The cochleagram above the spike raster.
struct EncodePlot<'a> {
    out: &'a Encoded,
    enc: &'a AudioEncoder,
    /// Draw titles and axis labels (a font was found).
    text: bool,
}

impl Figure for EncodePlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        draw_on(root, self.out, self.enc, self.text)
    }
}

/// Viridis-like colour for `v` in [0, 1] (piecewise linear through 5 viridis anchors).
fn colour(v: f64) -> RGBColor {
    const A: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = v * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let lerp = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    RGBColor(
        lerp(A[i].0, A[i + 1].0),
        lerp(A[i].1, A[i + 1].1),
        lerp(A[i].2, A[i + 1].2),
    )
}

fn draw_on<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    out: &Encoded,
    enc: &AudioEncoder,
    text: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(draw_err)?;
    let (top, bottom) = root.split_vertically(size_half(root));
    let duration = out.features.nrows() as f64 * out.frame_ms;
    let n_bands = out.features.ncols();
    // Scale the heat map to the features' range (they are in [0, 1] unless unscaled).
    let (lo, hi) = out
        .features
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let fe = &enc.config().front_end;
    let bank = match &fe.filterbank {
        lsm_encoding::FilterbankConfig::Mel(_) => "mel",
        lsm_encoding::FilterbankConfig::Mfcc(_) => "MFCC",
        lsm_encoding::FilterbankConfig::Gammatone(_) => "gammatone",
        lsm_encoding::FilterbankConfig::Lyon(_) => "Lyon",
    };
    let caption = format!(
        "cochleagram: {n_bands} {bank} bands, {} ms frames",
        out.frame_ms
    );
    let y_desc = if bank == "MFCC" {
        "coefficient"
    } else {
        "band (low to high)"
    };
    let mut chart = panel(&top, text, caption, duration, n_bands as f64, y_desc)?;
    chart
        .draw_series(out.features.indexed_iter().map(|((t, b), &v)| {
            let x0 = t as f64 * out.frame_ms;
            Rectangle::new(
                [(x0, b as f64), (x0 + out.frame_ms, b as f64 + 1.0)],
                colour((v - lo) / span).filled(),
            )
        }))
        .map_err(draw_err)?;

    let n_ch = out.spikes.n_channels();
    let caption = format!(
        "spikes: {} on {n_ch} channels, dt {} ms",
        out.spikes.n_spikes(),
        out.spikes.dt_ms()
    );
    let y_max = n_ch.max(1) as f64;
    let mut chart = panel(&bottom, text, caption, duration, y_max, "channel")?;
    plot::draw_raster(&mut chart, &out.spikes, 1, duration)
}

fn size_half<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> u32 {
    root.dim_in_pixel().1 / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_map_ends() {
        assert_eq!(colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(colour(1.0), RGBColor(253, 231, 37));
        assert_eq!(colour(f64::NAN), RGBColor(68, 1, 84));
    }
}
