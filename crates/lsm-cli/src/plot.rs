//! Plot files, shared by every command with a `--plot` option (`encode`, `simulate`,
//! `evaluate` of both pipelines): the format from the file's extension (`.svg` or `.png`), a
//! TrueType font for the text (plotters' ab_glyph backend has no built-in font), and atomic
//! writing (a temporary file in the same folder, then a rename).
//!
//! A plot is a [`Figure`]: something that draws itself on any plotters backend; [`save`]
//! picks the backend and writes the file. Figures share their parts: a time-axis [`panel`]
//! and the spike raster drawn in it ([`draw_raster`], thinned by [`raster_stride`]).

use anyhow::{anyhow, bail, Context, Result};
use lsm_core::SpikeTrains;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// The chart of one panel: the coordinates a panel of a figure draws in.
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Image format of a plot file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// Portable network graphics.
    Png,
}

impl Format {
    /// The format named by `path`'s extension (case-insensitive).
    ///
    /// # Errors
    /// Any extension other than `.svg` or `.png`, naming the file.
    pub fn of(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("svg") => Ok(Self::Svg),
            Some("png") => Ok(Self::Png),
            _ => bail!(
                "--plot {}: unknown image format, expected a file name ending in .svg or .png",
                path.display()
            ),
        }
    }
}

/// Fonts tried in this order after `$LSM_FONT`.
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Register a TrueType font as plotters' `"sans-serif"`: the file named by the environment
/// variable `LSM_FONT`, else the first usual system font found. `false` when there is none
/// (plots that can do without text then leave it out). Idempotent: the search runs once.
pub fn register_font() -> bool {
    use std::sync::OnceLock;
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let env = std::env::var("LSM_FONT").ok();
        for c in env
            .iter()
            .map(String::as_str)
            .chain(FONT_CANDIDATES.iter().copied())
        {
            if let Ok(bytes) = std::fs::read(c) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// [`register_font`], for plots that cannot do without text.
///
/// # Errors
/// No font found.
pub fn require_font() -> Result<()> {
    if register_font() {
        Ok(())
    } else {
        bail!("no TrueType font found for plot labels (set LSM_FONT to a .ttf file)")
    }
}

/// A plot that draws itself on any plotters backend.
pub trait Figure {
    /// Draw on `root` (the whole image; [`save`] presents it afterwards).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static;
}

/// Draw `fig` on a `size` (width, height in pixels) image and write it to `path`, SVG or PNG
/// by the extension, atomically: nothing is written at `path` unless the whole image is.
///
/// # Errors
/// An unknown extension, a drawing error, an I/O error (naming the file).
pub fn save(path: &Path, size: (u32, u32), fig: &impl Figure) -> Result<()> {
    match Format::of(path)? {
        Format::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
                fig.draw(&root)?;
                root.present().map_err(|e| anyhow!("{e}"))?;
            }
            lsm_core::write_atomic(path, s.as_bytes())
                .with_context(|| format!("writing {}", path.display()))
        }
        Format::Png => {
            // The bitmap encoder writes a file named by a path (its extension picks PNG), so
            // draw to a fresh temporary .png beside the target, then rename it
            // ([`lsm_core::write_atomic_with`]).
            lsm_core::write_atomic_with(path, Some("png"), |tmp| {
                let root = BitMapBackend::new(tmp, size).into_drawing_area();
                fig.draw(&root)
                    .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
                root.present()
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })
            .with_context(|| format!("writing {}", path.display()))
        }
    }
}

/// A panel of a figure: time `0..duration` ms across, `0..y_max` up; with `text`, the caption
/// and the axes' labels (`y_desc` up).
///
/// # Errors
/// A drawing error.
pub fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    text: bool,
    caption: String,
    duration: f64,
    y_max: f64,
    y_desc: &str,
) -> Result<Chart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let mut cb = ChartBuilder::on(area);
    cb.margin(12);
    if text {
        cb.caption(caption, ("sans-serif", 18))
            .x_label_area_size(30)
            .y_label_area_size(50);
    }
    let mut chart = cb
        .build_cartesian_2d(0f64..duration, 0f64..y_max)
        .map_err(draw_err)?;
    if text {
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time (ms)")
            .y_desc(y_desc)
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .draw()
            .map_err(draw_err)?;
    }
    Ok(chart)
}

/// An axis label: whole numbers without decimals (`300`, not `300.0`), others with at most
/// two.
pub fn tick_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v.round())
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// The stride of a raster's rows: channel `c` is drawn when `stride` divides it. 1 (every channel) when there are at most `max_rows` channels and `max_dots`
/// spikes; otherwise the smallest stride that keeps both the rows and the spikes of the drawn
/// channels within the caps. `counts` are the spikes per channel.
pub fn raster_stride(counts: &[usize], max_rows: usize, max_dots: usize) -> usize {
    let n = counts.len();
    let mut stride = n.div_ceil(max_rows.max(1)).max(1);
    let dots = |s: usize| counts.iter().step_by(s).sum::<usize>();
    while stride < n && dots(stride) > max_dots {
        stride = (stride * 2).min(n);
    }
    stride
}

/// Draw a spike raster on `chart` (time in ms across, made by [`panel`] with `0..channels`
/// up): each spike of a channel `c` that `stride` divides is a short vertical tick filling
/// most of `c..c + stride`, at least 1/800 of `duration` wide.
///
/// # Errors
/// A drawing error.
pub fn draw_raster<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    spikes: &SpikeTrains,
    stride: usize,
    duration: f64,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let dt = spikes.dt_ms();
    let w = dt.max(duration / 800.0);
    let stride = stride.max(1) as u32;
    let h = stride as f64;
    chart
        .draw_series(
            spikes
                .iter()
                .filter(|(_, c)| c % stride == 0)
                .map(|(s, c)| {
                    let (t, y) = (s as f64 * dt, c as f64);
                    Rectangle::new([(t, y + 0.1 * h), (t + w, y + 0.9 * h)], BLACK.filled())
                }),
        )
        .map_err(draw_err)?;
    Ok(())
}

/// A plotters drawing error as an [`anyhow::Error`].
pub fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow!("{e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white image with one black square.
    struct Square;

    impl Figure for Square {
        fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
        where
            DB::ErrorType: 'static,
        {
            root.fill(&WHITE)?;
            root.draw(&Rectangle::new([(2, 2), (6, 6)], BLACK.filled()))?;
            Ok(())
        }
    }

    #[test]
    fn raster_stride_caps_rows_and_dots() {
        // Few rows and dots: every channel.
        assert_eq!(raster_stride(&[3; 10], 1000, 100), 1);
        // 2500 rows, cap 1000: every third channel (834 rows).
        assert_eq!(raster_stride(&[1; 2500], 1000, 10_000), 3);
        // 100 rows of 100 spikes, cap 1000 dots: stride 16 draws 7 rows, 700 spikes.
        let s = raster_stride(&[100; 100], 1000, 1000);
        assert_eq!(s, 16);
        assert!([100usize; 100].iter().step_by(s).sum::<usize>() <= 1000);
        // Empty and single-channel rasters.
        assert_eq!(raster_stride(&[], 1000, 10), 1);
        assert_eq!(raster_stride(&[1_000_000], 1000, 10), 1);
    }

    #[test]
    fn tick_labels_drop_needless_decimals() {
        assert_eq!(tick_label(&300.0), "300");
        assert_eq!(tick_label(&0.0), "0");
        assert_eq!(tick_label(&2.5), "2.5");
        assert_eq!(tick_label(&0.30000000000000004), "0.3");
        assert_eq!(tick_label(&0.126), "0.13");
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::of(Path::new("a.svg")).unwrap(), Format::Svg);
        assert_eq!(Format::of(Path::new("dir/a.PNG")).unwrap(), Format::Png);
        for bad in ["a.pdf", "a", "svg"] {
            let e = Format::of(Path::new(bad)).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains(".svg"), "{e}");
        }
    }

    #[test]
    fn save_writes_svg_and_png_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        let svg = d.path().join("a.svg");
        save(&svg, (10, 10), &Square).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("<rect"), "{text}");
        let png = d.path().join("a.png");
        save(&png, (10, 10), &Square).unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
        // A bad extension writes nothing; no temporary file is left behind.
        assert!(save(&d.path().join("a.gif"), (10, 10), &Square).is_err());
        let mut names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.png", "a.svg"]);
    }
}
