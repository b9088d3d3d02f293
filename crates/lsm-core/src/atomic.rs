//! Atomic file writes: a failed or interrupted run never leaves a half-written file where a
//! good one was, and never replaces something that is not a regular file.
//!
//! What [`write_atomic`] does with each kind of destination:
//!
//! | destination | what happens |
//! | --- | --- |
//! | missing, or a regular file | the data go to a fresh temporary file in the same folder, which is synced and renamed over the destination (its permissions are kept) |
//! | a symbolic link | the link is followed (chains too) and its final target is written atomically as above; the link itself stays |
//! | a named pipe (FIFO) or a character device (`/dev/null`, `/dev/stdout`) | written directly, not atomically (opening a FIFO waits for a reader, as a shell redirection does) |
//! | a folder, a block device, a socket, a symlink loop | refused with an error; nothing is written |
//!
//! Temporary files are created exclusively (`O_EXCL`) with unpredictable names
//! `.{name}.{pid}-{random}.tmp` next to the destination, so no other user can plant a file or
//! link there in advance. A failed write removes its temporary file. While it exists, the
//! temporary file is registered so that a signal handler can remove it
//! ([`remove_pending_temp_files`]; the `lsm` command line does this on Ctrl-C, SIGTERM and
//! SIGHUP). A process killed with SIGKILL cannot clean up: its temporary file stays, hidden
//! (name starting with `.`), and the next successful write to the same destination removes it
//! (on Linux, where a temporary file whose process id is no longer running is known stale).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Temporary files being written right now (removed by [`remove_pending_temp_files`]).
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set by [`close_outputs`] before it takes the registries' locks: from then on no temporary
/// file or pending folder is created (the process is about to exit), so none can appear after
/// the removal. Creation checks it under the same lock and registers what it creates before
/// releasing it.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Whether the process is being interrupted ([`close_outputs`] has started).
pub(crate) fn closing() -> bool {
    CLOSING.load(Ordering::SeqCst)
}

/// The error of an output refused because the process is being interrupted.
pub(crate) fn interrupted(what: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::Interrupted,
        format!(
            "{}: not written, the process is being interrupted",
            what.display()
        ),
    )
}

/// Remove every temporary file that a [`write_atomic`] of this process is writing right now,
/// and every [`crate::PendingDir`] not yet committed.
/// Meant for signal handlers (Ctrl-C, SIGTERM) just before the process exits: the
/// destinations are left as they were. Returns how many were removed.
pub fn remove_pending_temp_files() -> usize {
    let list = match PENDING.lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    let files = list
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count();
    files + crate::pending_dir::remove_pending_dirs()
}

/// What a signal handler calls just before it exits the process: from now on no temporary
/// file or pending folder is created ([`write_atomic`] and [`crate::PendingDir::create`]
/// fail with [`io::ErrorKind::Interrupted`]), then [`remove_pending_temp_files`]. Creation
/// checks this under the registry's lock and registers what it makes before releasing it, so
/// no output of a thread still running can appear after the removal. Returns how many were
/// removed.
pub fn close_outputs() -> usize {
    CLOSING.store(true, Ordering::SeqCst);
    remove_pending_temp_files()
}

/// Create a temporary file with `make` and register it, under the registry's lock; refused
/// once the process is being interrupted (see [`CLOSING`]).
fn create_registered(
    dest: &Path,
    make: impl FnOnce() -> io::Result<tempfile::NamedTempFile>,
) -> io::Result<tempfile::NamedTempFile> {
    let mut l = match PENDING.lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    if closing() {
        return Err(interrupted(dest));
    }
    let tmp = make()?;
    l.push(tmp.path().to_path_buf());
    Ok(tmp)
}

fn unregister(p: &Path) {
    if let Ok(mut l) = PENDING.lock() {
        l.retain(|q| q != p);
    }
}

fn ctx(e: io::Error, what: &str, p: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()))
}

/// Where writing `path` really goes.
#[derive(Debug, PartialEq)]
pub(crate) enum Target {
    /// A regular file (existing or not) to replace atomically.
    File(PathBuf),
    /// A FIFO or character device to write through.
    Stream(PathBuf),
}

/// Follow symbolic links from `path` (at most 40) to the destination and classify it.
pub(crate) fn resolve_target(path: &Path) -> io::Result<Target> {
    // An existing destination: ask the kernel, which also follows the "magic" links of
    // /proc (`/dev/stdout` -> `/proc/self/fd/1` -> `pipe:[...]`) that read_link cannot.
    if let Ok(m) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if m.file_type().is_fifo() || m.file_type().is_char_device() {
                return Ok(Target::Stream(path.to_path_buf()));
            }
        }
        if m.is_file() {
            let linked = std::fs::symlink_metadata(path).is_ok_and(|l| l.file_type().is_symlink());
            if !linked {
                return Ok(Target::File(path.to_path_buf()));
            }
            if let Ok(real) = std::fs::canonicalize(path) {
                return Ok(Target::File(real));
            }
        }
    }
    // Missing, a dangling link (its target is created), a link loop, or something refused.
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let meta = match std::fs::symlink_metadata(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::File(p)),
            Err(e) => return Err(ctx(e, "checking", &p)),
            Ok(m) => m,
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            let link = std::fs::read_link(&p).map_err(|e| ctx(e, "reading the link", &p))?;
            p = match p.parent() {
                Some(d) => d.join(link),
                None => link,
            };
            continue;
        }
        if ft.is_file() {
            return Ok(Target::File(p));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if ft.is_fifo() || ft.is_char_device() {
                return Ok(Target::Stream(p));
            }
        }
        let why = if ft.is_dir() {
            "is a folder, expected a file path".to_string()
        } else {
            format!(
                "is {}; refusing to write to it (expected a regular file, a named pipe or a \
                 character device)",
                crate::describe_file_type(&ft)
            )
        };
        let shown = if p == path {
            format!("{}", path.display())
        } else {
            format!("{} (link to {})", path.display(), p.display())
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{shown}: {why}"),
        ));
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{}: too many levels of symbolic links (a link loop?)",
            path.display()
        ),
    ))
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> io::Result<String> {
    Ok(path
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a file path", path.display()),
            )
        })?
        .to_string_lossy()
        .into_owned())
}

/// Create a fresh temporary file for `dest` in `dir` (exclusive create, random name; the name
/// ends in `ext` if given, for writers that pick the format from the extension).
fn temp_file_in(dir: &Path, dest: &Path, ext: Option<&str>) -> io::Result<tempfile::NamedTempFile> {
    let name = file_name(dest)?;
    let prefix = format!(".{name}.{}-", std::process::id());
    let suffix = match ext {
        Some(e) => format!(".tmp.{e}"),
        None => ".tmp".to_string(),
    };
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(&suffix).rand_bytes(8);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // As `File::create` would (the umask applies): a model file is not made private.
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir)
        .map_err(|e| ctx(e, "creating a temporary file in", dir))
}

/// Remove temporary files left next to `dest` by earlier processes that were killed
/// (`.{name}.{pid}-{random}.tmp[.ext]` whose process no longer runs). Only on systems with
/// `/proc` (Linux); elsewhere nothing is removed.
pub fn remove_stale_temp_files(dest: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(name) = file_name(dest) else { return };
    let dir = parent_dir(dest);
    let prefix = format!(".{name}.");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name();
        let Some(n) = n.to_str() else { continue };
        let Some(rest) = n.strip_prefix(&prefix) else {
            continue;
        };
        let Some((pid, tail)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let is_tmp = tail.ends_with(".tmp") || tail.contains(".tmp.");
        let regular = e.file_type().is_ok_and(|t| t.is_file());
        if is_tmp
            && regular
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Write `bytes` to `path` atomically (see the docs of `lsm-core`'s `atomic.rs` for what happens with
/// links, pipes and devices): the data go to a fresh temporary file in the same folder, which
/// is flushed to disk and then renamed over `path`. If anything fails, `path` is left as it
/// was and the temporary file is removed.
///
/// # Errors
/// Any I/O error, with the path it concerns in the message; a destination that is a folder,
/// a block device, a socket or a link loop.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("model.json");
/// lsm_core::write_atomic(&p, b"{}").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"{}");
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, None, |tmp| {
        let mut f = File::options()
            .write(true)
            .open(tmp)
            .map_err(|e| ctx(e, "opening", tmp))?;
        f.write_all(bytes).map_err(|e| ctx(e, "writing", tmp))
    })
}

/// [`write_atomic`] for writers that want a file path rather than bytes (e.g. a plotting
/// library): `fill` writes the content to the temporary file whose path it is given (its name
/// ends in `.{ext}` when `ext` is given), which then replaces `path` atomically. For a pipe or
/// a device destination, the temporary file is made in the system's temporary folder and its
/// content copied through.
///
/// # Errors
/// As [`write_atomic`], and any error of `fill` (the temporary file is removed).
pub fn write_atomic_with<F>(path: &Path, ext: Option<&str>, fill: F) -> io::Result<()>
where
    F: FnOnce(&Path) -> io::Result<()>,
{
    let target = resolve_target(path)?;
    let (dest, stream) = match target {
        Target::File(p) => (p, false),
        Target::Stream(p) => (p, true),
    };
    let dir = if stream {
        std::env::temp_dir()
    } else {
        parent_dir(&dest)
    };
    if !stream {
        remove_stale_temp_files(&dest);
    }
    let tmp = create_registered(&dest, || temp_file_in(&dir, &dest, ext))?;
    let tmp_path = tmp.path().to_path_buf();
    let result = (|| {
        fill(&tmp_path)?;
        if stream {
            let data = std::fs::read(&tmp_path).map_err(|e| ctx(e, "reading", &tmp_path))?;
            let mut f = File::options()
                .write(true)
                .open(&dest)
                .map_err(|e| ctx(e, "opening", &dest))?;
            f.write_all(&data).map_err(|e| ctx(e, "writing", &dest))?;
            return f.flush().map_err(|e| ctx(e, "writing", &dest));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| ctx(e, "syncing", &tmp_path))?;
        if let Ok(m) = std::fs::metadata(&dest) {
            // Keep the permissions of the file being replaced.
            let _ = std::fs::set_permissions(&tmp_path, m.permissions());
        }
        Ok(())
    })();
    let result = match result {
        Ok(()) if stream => {
            drop(tmp);
            Ok(())
        }
        Ok(()) => tmp
            .persist(&dest)
            .map(drop)
            .map_err(|e| ctx(e.error, "renaming a temporary file to", &dest)),
        Err(e) => {
            drop(tmp);
            Err(e)
        }
    };
    unregister(&tmp_path);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests here write through the one process-wide list of pending temporary files,
    /// which one of them empties: they run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_existing_file_and_leaves_no_temporary() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["a.json"]);
        assert_eq!(remove_pending_temp_files(), 0);
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        // A folder is refused before anything is written.
        let p = dir.path().join("sub");
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("keep"), b"x").unwrap();
        let e = write_atomic(&p, b"new").unwrap_err().to_string();
        assert!(e.contains("folder"), "{e}");
        assert_eq!(std::fs::read(p.join("keep")).unwrap(), b"x");
        assert_eq!(names(dir.path()), ["sub"], "temporary file left behind");
        // A failing writer removes its temporary file and keeps the old content.
        let q = dir.path().join("m.json");
        std::fs::write(&q, b"old").unwrap();
        let e = write_atomic_with(&q, None, |_| Err(io::Error::other("boom"))).unwrap_err();
        assert_eq!(e.to_string(), "boom");
        assert_eq!(std::fs::read(&q).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["m.json", "sub"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_and_kept() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["link.json", "real.json"]);
        // A dangling link creates its target; a loop is refused.
        let dangling = dir.path().join("d.json");
        std::os::unix::fs::symlink("made.json", &dangling).unwrap();
        write_atomic(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.json")).unwrap(), b"x");
        let a = dir.path().join("loop_a");
        std::os::unix::fs::symlink("loop_b", &a).unwrap();
        std::os::unix::fs::symlink("loop_a", dir.path().join("loop_b")).unwrap();
        let e = write_atomic(&a, b"x").unwrap_err().to_string();
        assert!(e.contains("symbolic links"), "{e}");
    }

    #[test]
    fn an_interrupt_during_the_write_removes_the_temporary() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        std::fs::write(&p, b"old").unwrap();
        // What the command line's signal handler does, at the worst moment: after the data
        // went to the temporary file, before the rename.
        let r = write_atomic_with(&p, None, |tmp| {
            std::fs::write(tmp, b"half")?;
            assert_eq!(remove_pending_temp_files(), 1);
            Ok(())
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["m.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_written_through_not_replaced() {
        let _serial = serial();
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return;
        }
        let f2 = fifo.clone();
        let reader = std::thread::spawn(move || std::fs::read(f2).unwrap());
        write_atomic(&fifo, b"through").unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), ["out.fifo"]);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_of_the_replaced_file_are_kept() {
        let _serial = serial();
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let _serial = serial();
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        // pid 4294967 cannot run on Linux (pid_max is at most 2^22).
        let stale = dir.path().join(".m.json.4294967-AbCdEfGh.tmp");
        let live = dir
            .path()
            .join(format!(".m.json.{}-AbCdEfGh.tmp", std::process::id()));
        let other = dir.path().join(".other.json.4294967-AbCdEfGh.tmp");
        for f in [&stale, &live, &other] {
            std::fs::write(f, b"partial").unwrap();
        }
        write_atomic(&p, b"{}").unwrap();
        assert!(!stale.exists());
        assert!(live.exists(), "this process's own file is not stale");
        assert!(other.exists(), "another destination's file is left alone");
    }
}
