//! NumPy `.npy` files of pooled features (float64, C order, one row per sample) and their
//! JSON sidecar (`<file>.json`), as `lsm bench loso --dump-features` and `lsm features`
//! write them; reading back what they write, for `lsm features merge`.

use anyhow::{bail, Context, Result};
use lsm_core::Real;
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// Write a float64 C-order NumPy `.npy` file (format 1.0), atomically.
pub fn write_npy(path: &Path, x: &Array2<Real>) -> Result<()> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
        x.nrows(),
        x.ncols()
    );
    // Magic (6) + version (2) + header length (2) + header, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut buf = Vec::with_capacity(10 + header.len() + x.len() * 8);
    buf.extend_from_slice(b"\x93NUMPY\x01\x00");
    buf.extend_from_slice(&(header.len() as u16).to_le_bytes());
    buf.extend_from_slice(header.as_bytes());
    for v in x.iter() {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    lsm_core::write_atomic(path, &buf).with_context(|| format!("writing {}", path.display()))
}

/// Read a 2-D float64 little-endian C-order `.npy` file (format 1.0, as [`write_npy`]
/// writes), within the input size cap; the shape is checked against the file's length.
pub fn read_npy(path: &Path) -> Result<Array2<Real>> {
    lsm_core::check_input_file(path).with_context(|| format!("{}", path.display()))?;
    let b = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bad = |what: &str| {
        anyhow::anyhow!(
            "{}: not a features .npy file of lsm: {what}",
            path.display()
        )
    };
    if b.len() < 10 || &b[..8] != b"\x93NUMPY\x01\x00" {
        return Err(bad("expected the NumPy format 1.0 magic"));
    }
    let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
    let header = b
        .get(10..10 + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    if !header.contains("'descr': '<f8'") || !header.contains("'fortran_order': False") {
        return Err(bad("expected '<f8' data in C order"));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("a shape that is not two integers"))?;
    let [rows, cols] = dims[..] else {
        return Err(bad("expected a 2-D array"));
    };
    let data = &b[10 + hlen..];
    if rows.checked_mul(cols).and_then(|n| n.checked_mul(8)) != Some(data.len()) {
        bail!(
            "{}: shape ({rows}, {cols}) needs {} bytes of data, the file has {}",
            path.display(),
            rows.saturating_mul(cols).saturating_mul(8),
            data.len()
        );
    }
    let v: Vec<Real> = data
        .chunks_exact(8)
        .map(|c| Real::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    Ok(Array2::from_shape_vec((rows, cols), v)?)
}

/// The sidecar of a `.npy` file: `<file>.json`.
pub fn sidecar_path(npy: &Path) -> PathBuf {
    let mut p = npy.as_os_str().to_os_string();
    p.push(".json");
    PathBuf::from(p)
}

/// Write the sidecar of `npy`, atomically.
pub fn write_sidecar(npy: &Path, v: &serde_json::Value) -> Result<()> {
    let p = sidecar_path(npy);
    lsm_core::write_atomic(&p, v.to_string().as_bytes())
        .with_context(|| format!("writing {}", p.display()))
}
