//! The confusion-matrix figure of `lsm evaluate --plot` (drawn through [`crate::plot`]).

use crate::plot::{self, Figure};
use anyhow::Result;
use lsm_pipeline::ClassificationReport;
use std::path::Path;

/// Draw the confusion matrix (rows: true class, columns: predicted; cell shade = fraction of
/// the row) to `path` (.svg or .png), atomically.
pub fn plot_confusion(r: &ClassificationReport, path: &Path) -> Result<()> {
    plot::require_font()?;
    plot::save(path, (640, 600), &ConfusionPlot(r))
}

/// The confusion matrix of a report, as a [`Figure`].
struct ConfusionPlot<'a>(&'a ClassificationReport);

impl Figure for ConfusionPlot<'_> {
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        use plotters::prelude::*;
        use plotters::style::text_anchor::{HPos, Pos, VPos};
        let r = self.0;
        let k = r.confusion.classes.len() as i32;
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let title = format!(
            "Confusion matrix (accuracy {:.1} %, n = {})",
            100.0 * r.accuracy,
            r.n_samples
        );
        let classes = r.confusion.classes.clone();
        let classes2 = classes.clone();
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (0i32..k - 1).into_segmented(),
                (0i32..k - 1).into_segmented(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(k as usize)
            .y_labels(k as usize)
            .x_label_formatter(&move |x| match x {
                SegmentValue::CenterOf(i) => classes.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&move |y| match y {
                // Row 0 (first class) at the top.
                SegmentValue::CenterOf(i) => classes2
                    .get((k - 1 - *i) as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("predicted")
            .y_desc("true")
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let counts = &r.confusion.counts;
        let mut cells = Vec::new();
        for (t, row) in counts.iter().enumerate() {
            let n: usize = row.iter().sum();
            for (p, &c) in row.iter().enumerate() {
                let frac = if n > 0 { c as f64 / n as f64 } else { 0.0 };
                let y = k - 1 - t as i32;
                cells.push((p as i32, y, frac, c));
            }
        }
        chart
            .draw_series(cells.iter().map(|&(x, y, f, _)| {
                let shade = (255.0 * (1.0 - 0.85 * f)).round() as u8;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    RGBColor(shade, shade, 255).filled(),
                )
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .draw_series(cells.iter().filter(|c| c.3 > 0).map(|&(x, y, f, c)| {
                let color = if f > 0.6 { WHITE } else { BLACK };
                Text::new(
                    c.to_string(),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    ("sans-serif", 15)
                        .into_font()
                        .color(&color)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}
