//! The confusion-matrix plot of `lsm evaluate --plot` (SVG or PNG by extension), written
//! atomically.

use anyhow::{bail, Result};
use lsm_pipeline::ClassificationReport;
use std::path::Path;

/// Output format of a plot file, from its extension.
pub fn plot_format(p: &Path) -> Result<&'static str> {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("svg") => Ok("svg"),
        Some("png") => Ok("png"),
        _ => bail!(
            "--plot {}: unknown image format, expected a .svg or .png file",
            p.display()
        ),
    }
}

/// Register a TrueType font for plotters' text (ab_glyph needs one): `LSM_FONT` if set, else
/// the first found of a few usual system fonts. Idempotent.
pub fn ensure_font() -> Result<()> {
    use std::sync::OnceLock;
    static FONT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        const CANDIDATES: [&str; 8] = [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
            "/Library/Fonts/Arial.ttf",
            "/System/Library/Fonts/Supplemental/Arial.ttf",
            "C:\\Windows\\Fonts\\arial.ttf",
        ];
        let env = std::env::var("LSM_FONT").ok();
        for c in env.iter().map(String::as_str).chain(CANDIDATES) {
            if let Ok(bytes) = std::fs::read(c) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font(
                    "sans-serif",
                    plotters::style::FontStyle::Normal,
                    bytes,
                )
                .is_ok()
                {
                    return Ok(());
                }
            }
        }
        Err("no TrueType font found for plot labels (set LSM_FONT to a .ttf file)".into())
    })
    .clone()
    .map_err(|e| anyhow::anyhow!(e))
}

/// Draw the confusion matrix (rows: true class, columns: predicted; cell shade = fraction of
/// the row) to `path` (.svg or .png), atomically.
pub fn plot_confusion(r: &ClassificationReport, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    ensure_font()?;
    let fmt = plot_format(path)?;
    let size = (640u32, 600u32);
    fn render<DB: DrawingBackend>(
        root: DrawingArea<DB, plotters::coord::Shift>,
        r: &ClassificationReport,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let k = r.confusion.classes.len() as i32;
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let title = format!(
            "Confusion matrix (accuracy {:.1} %, n = {})",
            100.0 * r.accuracy,
            r.n_samples
        );
        let classes = r.confusion.classes.clone();
        let classes2 = classes.clone();
        let mut chart = ChartBuilder::on(&root)
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
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
    match fmt {
        "svg" => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
                render(root, r)?;
            }
            lsm_core::write_atomic(path, s.as_bytes())?;
        }
        _ => {
            // Drawn to a fresh temporary file next to the plot, then renamed over it.
            lsm_core::write_atomic_with(path, Some("png"), |tmp| {
                let root = BitMapBackend::new(tmp, size).into_drawing_area();
                render(root, r).map_err(|e| std::io::Error::other(format!("{e:#}")))
            })?;
        }
    }
    Ok(())
}
