//! Simulate a spiking network on seeded Poisson input spikes and draw its spike raster.
//!
//! ```sh
//! cargo run --release --example simulate_raster [-- [NETWORK.json] [RASTER.svg|RASTER.png]]
//! ```
//!
//! * `NETWORK.json`: a network file (`lsm network generate` writes one). Without it, a
//!   1000-neuron network with the generator's defaults (Maass 2002 LIF neurons, random
//!   p = 0.1 recurrence, E/I 80/20) and 50 input channels is generated from the seed.
//! * `RASTER.svg` / `RASTER.png`: the plot (default `target/raster.svg`). The title and the
//!   axis labels need a TrueType font: the file named by `LSM_FONT`, else a usual system
//!   font; without one the raster is drawn without text.
//!
//! Prints the population rate (spikes per neuron per second).

use lsm::reservoir::{Drive, GeneratorConfig, Network, NetworkSpec, RecordSpec};
use lsm::{rng_for, stream, SpikeTrains};
use plotters::prelude::*;
use rand::Rng;
use std::path::PathBuf;

const SEED: u64 = 42;
/// Simulated time, ms.
const DURATION_MS: f64 = 500.0;
/// Rate of every input channel, Hz.
const INPUT_RATE_HZ: f64 = 20.0;

/// Independent Poisson spike trains (one Bernoulli draw per channel and step, probability
/// `rate · dt`) on `n_channels` channels, from the seed's data stream.
fn poisson_input(n_channels: usize, dt_ms: f64, n_steps: usize, seed: u64) -> SpikeTrains {
    let p = INPUT_RATE_HZ * dt_ms * 1e-3;
    let mut rng = rng_for(seed, stream::DATA);
    let expected = (p * (n_channels * n_steps) as f64 * 1.2) as usize;
    let mut trains = SpikeTrains::with_capacity(n_channels, dt_ms, n_steps, expected);
    let mut fired = Vec::with_capacity(n_channels);
    for _ in 0..n_steps {
        fired.clear();
        fired.extend((0..n_channels as u32).filter(|_| rng.gen::<f64>() < p));
        trains.push_step(&fired);
    }
    trains
}

/// Register a TrueType font for the labels: `$LSM_FONT`, else a usual system font.
fn register_font() -> bool {
    let candidates = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];
    let env = std::env::var("LSM_FONT").ok();
    let found = env
        .iter()
        .map(String::as_str)
        .chain(candidates)
        .any(|path| {
            std::fs::read(path).is_ok_and(|bytes| {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
            })
        });
    found
}

/// Draw the raster (one dot per spike: time on x, neuron on y) on `root`.
fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    spikes: &SpikeTrains,
    n_neurons: usize,
    title: Option<String>,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root);
    chart.margin(15);
    if let Some(title) = &title {
        chart
            .caption(title, ("sans-serif", 20))
            .x_label_area_size(40)
            .y_label_area_size(55);
    }
    let mut chart = chart.build_cartesian_2d(0.0..spikes.duration_ms(), 0.0..n_neurons as f64)?;
    if title.is_some() {
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc("time (ms)")
            .y_desc("neuron")
            .draw()?;
    }
    let dt = spikes.dt_ms();
    chart.draw_series(spikes.iter().map(|(step, neuron)| {
        Circle::new((step as f64 * dt, neuron as f64 + 0.5), 1, BLACK.filled())
    }))?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut network, mut out) = (None, PathBuf::from("target/raster.svg"));
    for arg in std::env::args_os().skip(1).map(PathBuf::from) {
        match arg.extension().and_then(|e| e.to_str()) {
            Some("svg" | "png") => out = arg,
            _ => network = Some(arg),
        }
    }
    let spec = match &network {
        Some(path) => NetworkSpec::load(path)?,
        None => GeneratorConfig::default().generate(50, SEED)?,
    };
    let net = Network::from_spec(&spec)?;

    let n_steps = (DURATION_MS / net.dt_ms()).round() as usize;
    let input = poisson_input(net.n_inputs(), net.dt_ms(), n_steps, SEED);
    let record = RecordSpec {
        spikes: true,
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(&input), n_steps, &record, SEED, 0)?;
    let spikes = rec.spikes.as_ref().ok_or("no spikes recorded")?;

    let rate_hz = rec.n_spikes as f64 / (net.n_neurons() as f64 * DURATION_MS * 1e-3);
    println!(
        "{} neurons, {} inputs at {INPUT_RATE_HZ} Hz ({} input spikes), {DURATION_MS} ms: {} spikes, population rate {rate_hz:.2} Hz",
        net.n_neurons(),
        net.n_inputs(),
        input.n_spikes(),
        rec.n_spikes
    );

    let title = register_font().then(|| format!("population rate {rate_hz:.2} Hz"));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Written atomically: a temporary file beside `out`, renamed over it once complete.
    let size = (900, 600);
    let png = out.extension().is_some_and(|e| e == "png");
    lsm::write_atomic_with(&out, Some(if png { "png" } else { "svg" }), |tmp| {
        let drawn = if png {
            draw(
                BitMapBackend::new(tmp, size).into_drawing_area(),
                spikes,
                net.n_neurons(),
                title,
            )
        } else {
            draw(
                SVGBackend::new(tmp, size).into_drawing_area(),
                spikes,
                net.n_neurons(),
                title,
            )
        };
        drawn.map_err(|e| std::io::Error::other(e.to_string()))
    })?;
    println!("wrote {}", out.display());
    Ok(())
}
