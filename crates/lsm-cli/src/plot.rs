//! Plot files, shared by every command with a `--plot` option (`encode`, `evaluate` of both
//! pipelines): the format from the file's extension (`.svg` or `.png`), a TrueType font for
//! the text (plotters' ab_glyph backend has no built-in font), and atomic writing (a
//! temporary file in the same folder, then a rename).
//!
//! A plot is a [`Figure`]: something that draws itself on any plotters backend; [`save`]
//! picks the backend and writes the file.

use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

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
