//! Reading small input files (configs, models, network files) with a size cap.
//!
//! A model, config or network file is read whole into memory, so its size is checked first:
//! a file larger than [`max_input_bytes`] (default [`DEFAULT_MAX_INPUT_BYTES`], 256 MiB) is
//! refused with an error that names the file, its size, the limit and how to lift it (the
//! environment variable [`MAX_INPUT_ENV`], `LSM_MAX_INPUT_BYTES`, e.g. `LSM_MAX_INPUT_BYTES=2G`).
//! Pipes and character devices (e.g. `--config <(...)`) are read through the same cap.

use std::fs::FileType;
use std::io::{self, Read};
use std::path::Path;

/// Default cap on the size of a model, config or network file: 256 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

/// The environment variable that overrides [`DEFAULT_MAX_INPUT_BYTES`]: a number of bytes,
/// optionally with a `K`, `M` or `G` suffix (powers of 1024).
pub const MAX_INPUT_ENV: &str = "LSM_MAX_INPUT_BYTES";

/// The size cap in force: `LSM_MAX_INPUT_BYTES` if set, else [`DEFAULT_MAX_INPUT_BYTES`].
///
/// # Errors
/// An [`io::ErrorKind::InvalidInput`] error when the variable is set but is not a size.
///
/// ```
/// assert_eq!(lsm_core::parse_size("2G"), Some(2 << 30));
/// assert_eq!(lsm_core::parse_size("1500"), Some(1500));
/// assert_eq!(lsm_core::parse_size("lots"), None);
/// ```
pub fn max_input_bytes() -> io::Result<u64> {
    match std::env::var(MAX_INPUT_ENV) {
        Err(_) => Ok(DEFAULT_MAX_INPUT_BYTES),
        Ok(v) => parse_size(&v).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{MAX_INPUT_ENV}={v}: expected a size in bytes, optionally with a K, M or G \
                     suffix (e.g. 2G)"
                ),
            )
        }),
    }
}

/// Parse a size: a whole number of bytes with an optional `K`, `M` or `G` suffix (powers of
/// 1024, case insensitive, an optional trailing `B` or `iB`). `None` if it is not one or
/// overflows.
pub fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(&t);
    let (num, shift) = match t.chars().last()? {
        'K' => (&t[..t.len() - 1], 10),
        'M' => (&t[..t.len() - 1], 20),
        'G' => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: u64 = num.trim().parse().ok()?;
    n.checked_mul(1u64 << shift)
}

/// A short description of a file type for error messages: "a folder", "a named pipe (FIFO)",
/// "a character device"...
pub fn describe_file_type(ft: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

fn too_large(path: &Path, size: Option<u64>, limit: u64) -> io::Error {
    let size = match size {
        Some(n) => format!("{n} bytes"),
        None => format!("more than {limit} bytes"),
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{}: the file is {size}, more than the limit of {limit} bytes for a model, config \
             or network file; set {MAX_INPUT_ENV} (e.g. {MAX_INPUT_ENV}=2G) to raise the limit",
            path.display()
        ),
    )
}

/// Check, without reading it, that `path` can be read whole: it exists, is not a folder, and
/// (for a regular file) is no larger than [`max_input_bytes`]. Pipes and devices pass (their
/// size is unknown until read; [`read_to_string_capped`] caps them while reading).
///
/// # Errors
/// An I/O error naming the file: missing, a folder, too large (with the limit and how to
/// raise it), or an invalid `LSM_MAX_INPUT_BYTES`.
pub fn check_input_file(path: &Path) -> io::Result<()> {
    let limit = max_input_bytes()?;
    let meta = std::fs::metadata(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: is a folder, expected a file", path.display()),
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(path, Some(meta.len()), limit));
    }
    Ok(())
}

/// Read a (UTF-8) file whole, refusing one larger than [`max_input_bytes`] before reading it
/// (and a pipe that delivers more while reading). A leading UTF-8 byte-order mark is removed.
///
/// # Errors
/// As [`check_input_file`]; read errors and invalid UTF-8, naming the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("c.json");
/// std::fs::write(&p, "\u{feff}{}").unwrap();
/// assert_eq!(lsm_core::read_to_string_capped(&p).unwrap(), "{}");
/// ```
pub fn read_to_string_capped(path: &Path) -> io::Result<String> {
    check_input_file(path)?;
    let limit = max_input_bytes()?;
    let ctx = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let f = std::fs::File::open(path).map_err(ctx)?;
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ctx)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, None, limit));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("10k"), Some(10 << 10));
        assert_eq!(parse_size("3 MiB"), Some(3 << 20));
        assert_eq!(parse_size("1GB"), Some(1 << 30));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
        assert_eq!(parse_size("17179869184G"), None, "overflow");
    }

    #[test]
    fn a_sparse_huge_file_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.json");
        let f = std::fs::File::create(&p).unwrap();
        // 2 GiB, sparse: no disk space used, and reading it whole would take 2 GiB of memory.
        f.set_len(2 << 30).unwrap();
        let t0 = std::time::Instant::now();
        let e = read_to_string_capped(&p).unwrap_err().to_string();
        assert!(t0.elapsed().as_secs() < 2);
        assert!(
            e.contains("huge.json") && e.contains("2147483648 bytes"),
            "{e}"
        );
        assert!(e.contains(MAX_INPUT_ENV) && e.contains("268435456"), "{e}");
        let e = check_input_file(&p).unwrap_err().to_string();
        assert!(e.contains("limit"), "{e}");
    }

    #[test]
    fn folders_and_bad_utf8_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_to_string_capped(dir.path()).unwrap_err().to_string();
        assert!(e.contains("folder"), "{e}");
        let p = dir.path().join("bin.json");
        std::fs::write(&p, b"{\xff}").unwrap();
        let e = read_to_string_capped(&p).unwrap_err().to_string();
        assert!(e.contains("bin.json") && e.contains("offset 1"), "{e}");
    }
}
