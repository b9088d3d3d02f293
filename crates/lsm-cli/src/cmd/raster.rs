//! The figure of `lsm simulate --plot`: the input raster (when there is an input) above the
//! reservoir's spike raster, and the population rate below it, on one time axis (drawn
//! through [`crate::plot`]).
//!
//! Large rasters are thinned before drawing: above [`MAX_ROWS`] neurons (or [`MAX_DOTS`]
//! spikes) only every k-th neuron is drawn ([`plot::raster_stride`]), and the panel's title
//! says so; the population rate always counts every neuron.

use crate::plot::{self, draw_err, panel, Figure};
use anyhow::{Context, Result};
use lsm_core::SpikeTrains;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Most raster rows drawn (neurons or input channels).
pub const MAX_ROWS: usize = 1000;
/// About the most spikes drawn per raster.
pub const MAX_DOTS: usize = 200_000;
/// Width of the population-rate bins, ms (widened to keep at most [`MAX_RATE_BINS`] bins).
pub const RATE_BIN_MS: f64 = 5.0;
/// Most population-rate bins.
pub const MAX_RATE_BINS: usize = 1000;

/// Draw the figure of a simulation to `path` (.svg or .png), atomically: `input` (if any)
/// above `spikes` (the reservoir's raster, one channel per neuron), the population rate below.
///
/// # Errors
/// An unknown extension, a drawing or I/O error (naming the file).
pub fn plot_simulation(
    path: &Path,
    input: Option<&SpikeTrains>,
    spikes: &SpikeTrains,
) -> Result<()> {
    let fig = SimulationPlot {
        input,
        spikes,
        text: plot::register_font(),
    };
    let height = if input.is_some() { 860 } else { 640 };
    plot::save(path, (1000, height), &fig).with_context(|| format!("drawing {}", path.display()))
}

/// The population rate of `spikes`, Hz per neuron, in bins of `steps_per_bin` steps (the
/// last bin may be shorter; its rate is over its own width): `(start_ms, end_ms, rate)`.
pub fn population_rate(spikes: &SpikeTrains, steps_per_bin: usize) -> Vec<(f64, f64, f64)> {
    let (n_steps, dt) = (spikes.n_steps(), spikes.dt_ms());
    let n = spikes.n_channels().max(1) as f64;
    let k = steps_per_bin.max(1);
    (0..n_steps)
        .step_by(k)
        .map(|s0| {
            let s1 = (s0 + k).min(n_steps);
            let count: usize = (s0..s1).map(|s| spikes.at(s).len()).sum();
            let width_ms = (s1 - s0) as f64 * dt;
            (
                s0 as f64 * dt,
                s1 as f64 * dt,
                count as f64 / n / (width_ms / 1000.0),
            )
        })
        .collect()
}

/// Steps per population-rate bin: [`RATE_BIN_MS`] (at least one step), widened to keep at
/// most [`MAX_RATE_BINS`] bins.
pub fn rate_bin_steps(n_steps: usize, dt_ms: f64) -> usize {
    let k = ((RATE_BIN_MS / dt_ms).round() as usize).max(1);
    k.max(n_steps.div_ceil(MAX_RATE_BINS))
}

/// The simulation's figure.
struct SimulationPlot<'a> {
    input: Option<&'a SpikeTrains>,
    spikes: &'a SpikeTrains,
    /// Draw titles and axis labels (a font was found).
    text: bool,
}

impl Figure for SimulationPlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(draw_err)?;
        let h = root.dim_in_pixel().1;
        let duration = self.spikes.duration_ms();
        let (raster_area, rate_area) = match self.input {
            Some(input) => {
                let (top, rest) = root.split_vertically(h * 27 / 100);
                raster_panel(&top, self.text, input, "input", "channel", duration)?;
                let h_rest = rest.dim_in_pixel().1;
                rest.split_vertically(h_rest * 68 / 100)
            }
            None => root.split_vertically(h * 70 / 100),
        };
        raster_panel(
            &raster_area,
            self.text,
            self.spikes,
            "reservoir",
            "neuron",
            duration,
        )?;
        rate_panel(&rate_area, self.text, self.spikes, duration)
    }
}

/// A raster panel titled `what`, thinned to at most [`MAX_ROWS`] rows and about
/// [`MAX_DOTS`] spikes.
fn raster_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: bool,
    spikes: &SpikeTrains,
    what: &str,
    unit: &str,
    duration: f64,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let n = spikes.n_channels();
    let stride = plot::raster_stride(&spikes.counts(), MAX_ROWS, MAX_DOTS);
    let shown = if stride > 1 {
        format!(", every {stride}th {unit} drawn")
    } else {
        String::new()
    };
    let caption = format!(
        "{what}: {} spikes of {n} {unit}s, dt {} ms{shown}",
        spikes.n_spikes(),
        spikes.dt_ms()
    );
    let mut chart = panel(area, text, caption, duration, n.max(1) as f64, unit)?;
    plot::draw_raster(&mut chart, spikes, stride, duration)
}

/// The population rate of `spikes` (Hz per neuron) as bars over [`rate_bin_steps`] bins.
fn rate_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: bool,
    spikes: &SpikeTrains,
    duration: f64,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let k = rate_bin_steps(spikes.n_steps(), spikes.dt_ms());
    let bins = population_rate(spikes, k);
    let top = bins.iter().map(|b| b.2).fold(0.0, f64::max);
    let mean = spikes.n_spikes() as f64 / spikes.n_channels().max(1) as f64 / (duration / 1000.0);
    let caption = format!(
        "population rate: mean {mean:.2} Hz per neuron, {} ms bins",
        k as f64 * spikes.dt_ms()
    );
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let mut chart = panel(area, text, caption, duration, y_max, "rate (Hz)")?;
    let colour = RGBColor(31, 119, 180);
    chart
        .draw_series(
            bins.iter()
                .filter(|b| b.2 > 0.0)
                .map(|&(t0, t1, r)| Rectangle::new([(t0, 0.0), (t1, r)], colour.filled())),
        )
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_rate_counts_every_neuron_per_bin() {
        // 4 neurons, dt 0.5 ms, 10 steps = 5 ms; bins of 4 steps (2 ms): 4, 4 and 2 steps.
        let s =
            SpikeTrains::from_events(4, 0.5, 10, [(0, 0), (1, 1), (1, 2), (5, 3), (9, 0)]).unwrap();
        let r = population_rate(&s, 4);
        assert_eq!(r.len(), 3);
        // 3 spikes / 4 neurons / 2 ms = 375 Hz; 1 / 4 / 2 ms = 125 Hz; 1 / 4 / 1 ms = 250 Hz.
        let want = [(0.0, 2.0, 375.0), (2.0, 4.0, 125.0), (4.0, 5.0, 250.0)];
        for (got, want) in r.iter().zip(want) {
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12);
            assert!((got.2 - want.2).abs() < 1e-9, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn a_million_neuron_raster_is_thinned_to_the_caps() {
        // 1,000,000 neurons, 2,000,000 spikes over 100 steps of 1 ms.
        let n = 1_000_000;
        // Neuron (k * 7919) mod n: each neuron twice, at steps k mod 97 (not the same step).
        let events = (0..2 * n).map(|k| (k % 97, (k * 7919) % n));
        let spikes = SpikeTrains::from_events(n, 1.0, 100, events).unwrap();
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("big.svg");
        let t0 = std::time::Instant::now();
        plot_simulation(&path, None, &spikes).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let svg = std::fs::read_to_string(&path).unwrap();
        // Every 1000th neuron: 1000 rows, 2 spikes each; plus the rate bars and the frame.
        let rects = svg.matches("<rect").count();
        assert!(
            (2000..2000 + MAX_RATE_BINS + 10).contains(&rects),
            "{rects} rects"
        );
        if plot::register_font() {
            assert!(svg.contains("every 1000th neuron drawn"));
        }
        // Generous even for a debug build on a busy machine; drawing every spike takes far longer.
        assert!(secs < 60.0, "{secs} s");
    }

    #[test]
    fn rate_bins_are_5_ms_widened_for_long_runs() {
        assert_eq!(rate_bin_steps(1000, 1.0), 5);
        assert_eq!(rate_bin_steps(1000, 0.1), 50);
        assert_eq!(rate_bin_steps(10, 10.0), 1);
        // 100 s at 1 ms: 100,000 steps, at most 1000 bins of 100 steps.
        assert_eq!(rate_bin_steps(100_000, 1.0), 100);
    }
}
