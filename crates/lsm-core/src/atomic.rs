//! Atomic file writes: a failed run never leaves a half-written file where a good one was.

use std::io::{self, Write};
use std::path::Path;

/// Write `bytes` to `path` atomically: the data go to a temporary file in the same folder,
/// which is flushed to disk and then renamed over `path`. If anything fails, `path` is left
/// as it was and the temporary file is removed.
///
/// # Errors
/// Any I/O error, with the path it concerns in the message.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("model.json");
/// lsm_core::write_atomic(&p, b"{}").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"{}");
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a file path", path.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let ctx = |e: io::Error, what: &str, p: &Path| {
        io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()))
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| ctx(e, "creating", &tmp))?;
        f.write_all(bytes).map_err(|e| ctx(e, "writing", &tmp))?;
        f.sync_all().map_err(|e| ctx(e, "syncing", &tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| ctx(e, "renaming to", path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_existing_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let n = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(n, 1);
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file onto an existing directory fails.
        let p = dir.path().join("sub");
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("keep"), b"x").unwrap();
        assert!(write_atomic(&p, b"new").is_err());
        assert_eq!(std::fs::read(p.join("keep")).unwrap(), b"x");
        let n = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(n, 1, "temporary file left behind");
    }
}
