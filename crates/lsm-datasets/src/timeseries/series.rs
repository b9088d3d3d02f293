//! A multivariate series and its CSV form.

use lsm_core::Real;
use ndarray::{Array2, ArrayView1, Axis};
use std::path::Path;

use crate::error::DatasetError;

type Result<T> = std::result::Result<T, DatasetError>;

// ---------------------------------------------------------------------------------------------
// A multivariate series and its CSV form
// ---------------------------------------------------------------------------------------------

/// A multivariate time series: `data` is time × variables, `names` the variable names.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    /// Variable names (CSV header).
    pub names: Vec<String>,
    /// Values, one row per time step.
    pub data: Array2<Real>,
    /// Where the series came from (file path or generator name), for error messages.
    pub source: String,
}

impl TimeSeries {
    /// Number of time steps.
    pub fn len(&self) -> usize {
        self.data.nrows()
    }
    /// True if there are no time steps.
    pub fn is_empty(&self) -> bool {
        self.data.nrows() == 0
    }
    /// Index of the column called `name`.
    ///
    /// # Errors
    /// [`DatasetError::SeriesCsv`] naming the source, the missing column and the available ones.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DatasetError::SeriesCsv {
                file: self.source.clone(),
                msg: format!(
                    "no column `{name}`; the header has columns {}",
                    self.names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
    /// The column called `name`.
    ///
    /// # Errors
    /// As [`TimeSeries::column_index`].
    pub fn column(&self, name: &str) -> Result<ArrayView1<'_, Real>> {
        let i = self.column_index(name)?;
        Ok(self.data.column(i))
    }

    /// Read a CSV file: a header row of variable names, then one row per step of numbers
    /// (comma-separated; blank lines, surrounding spaces and a leading UTF-8 byte-order mark
    /// ignored). Every value must be a finite number.
    ///
    /// # Errors
    /// [`DatasetError::SeriesCsv`] naming the file, the row (1-based line number) and the column
    /// for a missing header, an empty or duplicate column name, a row with the wrong number of
    /// fields, a non-numeric cell, or a NaN / infinite value; [`DatasetError::SeriesIo`] if the
    /// file cannot be read.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| DatasetError::SeriesIo {
            file: file.clone(),
            source: e,
        })?;
        Self::parse_csv(&text, &file)
    }

    /// Parse CSV text (see [`TimeSeries::read_csv`]); `file` names the source in errors.
    ///
    /// # Errors
    /// As [`TimeSeries::read_csv`].
    pub fn parse_csv(text: &str, file: &str) -> Result<Self> {
        let err = |msg: String| DatasetError::SeriesCsv {
            file: file.to_string(),
            msg,
        };
        let mut names: Option<Vec<String>> = None;
        let mut values: Vec<Real> = Vec::new();
        let mut rows = 0usize;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            match &names {
                None => {
                    let cols: Vec<String> = t
                        .split(',')
                        .map(|s| s.trim().trim_matches('"').to_string())
                        .collect();
                    for (j, c) in cols.iter().enumerate() {
                        if c.is_empty() {
                            return Err(err(format!(
                                "row {lineno} (header), column {}: empty column name",
                                j + 1
                            )));
                        }
                        if c.parse::<Real>().is_ok() {
                            return Err(err(format!(
                                "row {lineno}, column {}: expected a header of column names, found the number `{c}`",
                                j + 1
                            )));
                        }
                        if cols[..j].contains(c) {
                            return Err(err(format!(
                                "row {lineno} (header), column {}: duplicate column name `{c}`",
                                j + 1
                            )));
                        }
                    }
                    names = Some(cols);
                }
                Some(cols) => {
                    let mut k = 0;
                    for (j, cell) in t.split(',').enumerate() {
                        let cell = cell.trim();
                        let Some(cname) = cols.get(j) else {
                            return Err(err(format!(
                                "row {lineno}: expected {} fields as in the header, found more",
                                cols.len()
                            )));
                        };
                        let v: Real = cell.parse().map_err(|_| {
                            err(format!(
                                "row {lineno}, column `{cname}`: expected a number, found `{cell}`"
                            ))
                        })?;
                        if !v.is_finite() {
                            return Err(err(format!(
                                "row {lineno}, column `{cname}`: expected a finite number, found `{cell}`"
                            )));
                        }
                        values.push(v);
                        k += 1;
                    }
                    if k != cols.len() {
                        return Err(err(format!(
                            "row {lineno}: expected {} fields as in the header, found {k}",
                            cols.len()
                        )));
                    }
                    rows += 1;
                }
            }
        }
        let names =
            names.ok_or_else(|| err("empty file: expected a header row of column names".into()))?;
        let data = Array2::from_shape_vec((rows, names.len()), values)
            .map_err(|e| err(format!("internal shape error: {e}")))?;
        Ok(Self {
            names,
            data,
            source: file.to_string(),
        })
    }

    /// Write as CSV (header, then rows with round-trip precision).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_csv<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        writeln!(w, "{}", self.names.join(","))?;
        for row in self.data.axis_iter(Axis(0)) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        w.flush()
    }
}
