//! The figures of `lsm analyze --plot`: memory capacity by delay, capacity by degree, the
//! separation curve, damage spreading, and the phase diagram of a sweep (drawn through
//! [`crate::plot`], written atomically).

use crate::plot::{self, draw_err, Figure};
use anyhow::{anyhow, Result};
use lsm_pipeline::analysis::sweep::{SweepAxis, SweepPoint};
use lsm_pipeline::analysis::Analysis;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Lines `(label, points)` on common axes.
struct Lines {
    title: String,
    x_desc: String,
    y_desc: String,
    series: Vec<(String, Vec<(f64, f64)>)>,
}

fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

impl Figure for Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let all = || self.series.iter().flat_map(|s| s.1.iter());
        let (x0, x1) = bounds(all().map(|p| p.0));
        let (y0, y1) = bounds(all().map(|p| p.1));
        let y0 = y0.min(0.0);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1 + 0.05 * (y1 - y0))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .x_label_formatter(&plot::tick_label)
            .y_label_formatter(&plot::tick_label)
            .draw()
            .map_err(draw_err)?;
        for (i, (label, pts)) in self.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(draw_err)?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        }
        if self.series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// Bars `(label, value)`.
struct Bars {
    title: String,
    y_desc: String,
    bars: Vec<(String, f64)>,
}

impl Figure for Bars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let n = self.bars.len() as i32;
        let ymax = self.bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-9) * 1.1;
        let labels: Vec<String> = self.bars.iter().map(|b| b.0.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0i32..n - 1).into_segmented(), 0f64..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(&self.y_desc)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(self.bars.iter().enumerate().map(|(i, b)| {
                let i = i as i32;
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), b.1),
                    ],
                    BLUE.mix(0.6).filled(),
                );
                r.set_margin(0, 0, 8, 8);
                r
            }))
            .map_err(draw_err)?;
        Ok(())
    }
}

/// Viridis colour of `f` in [0, 1] (linear between five of the map's anchor colours).
fn viridis(f: f64) -> RGBAColor {
    const ANCHORS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = f.clamp(0.0, 1.0) * 4.0;
    let i = (x.floor() as usize).min(3);
    let t = x - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: f64, q: f64| (p + t * (q - p)).round() as u8;
    RGBAColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2), 1.0)
}

/// A phase diagram: cells coloured by the objective, the best one outlined.
struct Phase {
    title: String,
    x: Vec<f64>,
    y: Vec<f64>,
    x_desc: String,
    y_desc: String,
    z: Vec<Option<f64>>,
    best: Option<usize>,
}

impl Figure for Phase {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let (nx, ny) = (self.x.len() as i32, self.y.len() as i32);
        let (zlo, zhi) = bounds(self.z.iter().flatten().copied());
        let (xs, ys) = (self.x.clone(), self.y.clone());
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0i32..nx, 0i32..ny)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .x_labels(self.x.len().min(12))
            .y_labels(self.y.len().min(12))
            .x_label_formatter(&|i| {
                xs.get(*i as usize)
                    .map(plot::tick_label)
                    .unwrap_or_default()
            })
            .y_label_formatter(&|i| {
                ys.get(*i as usize)
                    .map(plot::tick_label)
                    .unwrap_or_default()
            })
            .draw()
            .map_err(draw_err)?;
        let cell = |k: usize| ((k / self.y.len()) as i32, (k % self.y.len()) as i32);
        chart
            .draw_series(self.z.iter().enumerate().map(|(k, z)| {
                let (i, j) = cell(k);
                let color = match z {
                    Some(v) if v.is_finite() => {
                        let f = ((v - zlo) / (zhi - zlo)).clamp(0.0, 1.0);
                        viridis(f)
                    }
                    _ => RGBAColor(200, 200, 200, 1.0),
                };
                Rectangle::new([(i, j), (i + 1, j + 1)], color.filled())
            }))
            .map_err(draw_err)?;
        if let Some(b) = self.best {
            let (i, j) = cell(b);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i, j), (i + 1, j + 1)],
                    RED.stroke_width(3),
                )))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// The figures of one analysis, at the paths of `--plot` (memory, ipc, separation, damage);
/// a figure whose measure was not run is not written.
pub fn analysis_figures(a: &Analysis, paths: &[PathBuf]) -> Result<()> {
    let size = (800, 500);
    if let (Some(m), Some(p)) = (&a.memory, paths.first()) {
        let pts = m
            .per_delay
            .iter()
            .enumerate()
            .map(|(k, &v)| ((k + 1) as f64, v))
            .collect();
        let fig = Lines {
            title: format!("Memory capacity by delay (MC = {:.2})", m.total),
            x_desc: "delay k (steps)".into(),
            y_desc: "MC_k".into(),
            series: vec![("MC_k".into(), pts)],
        };
        plot::save(p, size, &fig)?;
    }
    if let (Some(i), Some(p)) = (&a.ipc, paths.get(1)) {
        let fig = Bars {
            title: format!(
                "Information processing capacity {:.2} of rank {}",
                i.total, i.rank
            ),
            y_desc: "capacity".into(),
            bars: i
                .by_degree
                .iter()
                .map(|d| (format!("degree {}", d.degree), d.total))
                .collect(),
        };
        plot::save(p, size, &fig)?;
    }
    if let (Some(s), Some(p)) = (&a.separation, paths.get(2)) {
        let series = s
            .points
            .iter()
            .map(|pt| {
                (
                    format!("{} (input {:.3})", pt.label, pt.input_distance),
                    s.t_ms
                        .iter()
                        .copied()
                        .zip(pt.state_distance.iter().copied())
                        .collect(),
                )
            })
            .collect();
        let fig = Lines {
            title: "Separation: state distance of input pairs".into(),
            x_desc: "time (ms)".into(),
            y_desc: "state distance".into(),
            series,
        };
        plot::save(p, size, &fig)?;
    }
    if let (Some(d), Some(p)) = (&a.damage, paths.get(3)) {
        let fig = Lines {
            title: format!("Damage spreading ({:+} spikes)", d.extra_spikes),
            x_desc: "time (ms)".into(),
            y_desc: "distance".into(),
            series: vec![(
                "distance".into(),
                d.t_ms
                    .iter()
                    .copied()
                    .zip(d.distance.iter().copied())
                    .collect(),
            )],
        };
        plot::save(p, size, &fig)?;
    }
    Ok(())
}

/// The phase diagram of a sweep (one axis: the objective against the value; two axes: a
/// coloured grid) at `path`.
pub fn phase_figure(
    axes: &[SweepAxis],
    points: &[SweepPoint],
    objective: &str,
    best: Option<usize>,
    path: &Path,
) -> Result<()> {
    let title = format!("{objective} over the sweep");
    if axes.len() == 1 {
        let pts = points
            .iter()
            .filter_map(|p| p.analysis.scalar(objective).map(|z| (p.values[0], z)))
            .collect();
        let fig = Lines {
            title,
            x_desc: axes[0].path.clone(),
            y_desc: objective.into(),
            series: vec![(objective.into(), pts)],
        };
        return plot::save(path, (800, 500), &fig);
    }
    let fig = Phase {
        title: format!("{title} (red: best)"),
        x: axes[0].values.clone(),
        y: axes[1].values.clone(),
        x_desc: axes[0].path.clone(),
        y_desc: axes[1].path.clone(),
        z: points
            .iter()
            .map(|p| p.analysis.scalar(objective))
            .collect(),
        best,
    };
    plot::save(path, (800, 640), &fig)
}
