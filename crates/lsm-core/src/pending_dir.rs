//! A folder of outputs that appears whole or not at all: the files are written into a fresh
//! hidden folder beside the destination (`.{name}.{pid}-{random}.partial`), which is renamed
//! to the destination at the end ([`PendingDir::commit`]). Dropped without a commit, or
//! interrupted (Ctrl-C, SIGTERM: [`crate::remove_pending_temp_files`] removes registered
//! folders too), it is removed, so no half-written folder is ever left under the real name.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Folders being filled right now (removed by [`crate::remove_pending_temp_files`]).
static PENDING_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    match PENDING_DIRS.lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    }
}

/// Remove every pending folder; returns how many were removed. Other threads may still be
/// writing into a folder (a signal handler runs while the work goes on), so a removal that
/// fails because a file appeared meanwhile is tried again.
pub(crate) fn remove_pending_dirs() -> usize {
    registry()
        .iter()
        .filter(|p| remove_while_written(p))
        .count()
}

/// Remove the folder `p`, retrying while files appear in it (for up to 10 s: the writers
/// fail once the folder is gone); whether it is gone.
fn remove_while_written(p: &Path) -> bool {
    let t0 = std::time::Instant::now();
    while t0.elapsed() < std::time::Duration::from_secs(10) {
        match std::fs::remove_dir_all(p) {
            Ok(()) => return true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return !p.exists(),
            Err(_) => std::thread::yield_now(),
        }
    }
    false
}

/// A temporary folder that becomes `dest` on [`PendingDir::commit`] (see the module docs).
///
/// ```
/// let root = tempfile::tempdir().unwrap();
/// let dest = root.path().join("out");
/// let pending = lsm_core::PendingDir::create(&dest).unwrap();
/// std::fs::write(pending.path().join("a.txt"), "hi").unwrap();
/// assert!(!dest.exists());
/// pending.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "hi");
/// ```
#[derive(Debug)]
pub struct PendingDir {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl PendingDir {
    /// Make the temporary folder beside `dest`. `dest` must not exist, or be an empty folder
    /// (replaced at the commit); anything else is refused before anything is created.
    ///
    /// # Errors
    /// `dest` is not an empty folder, is not a folder, or its parent folder does not exist or
    /// cannot be written; the message names the path.
    pub fn create(dest: &Path) -> io::Result<Self> {
        check_dest(dest)?;
        // Created and registered under the registry's lock, and refused once an interrupt's
        // removal has started: no pending folder can appear after it (see
        // [`crate::close_outputs`]).
        let mut reg = registry();
        if crate::atomic::closing() {
            return Err(crate::atomic::interrupted(dest));
        }
        let parent = crate::atomic::parent_dir(dest);
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.{}-", std::process::id()))
            .suffix(".partial")
            .tempdir_in(&parent)
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("creating a folder in {}: {e}", parent.display()),
                )
            })?
            .keep();
        reg.push(tmp.clone());
        drop(reg);
        Ok(Self {
            tmp,
            dest: dest.to_path_buf(),
            done: false,
        })
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Rename the temporary folder to the destination (checked again: it must still be
    /// missing or an empty folder).
    ///
    /// # Errors
    /// As [`PendingDir::create`], or the rename failing; the temporary folder is then removed.
    pub fn commit(mut self) -> io::Result<()> {
        // Under the registry's lock, so that an interrupt's removal comes wholly before the
        // rename (which then fails) or wholly after it (and leaves the committed folder).
        let mut reg = registry();
        check_dest(&self.dest)?;
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "renaming {} to {}: {e}",
                    self.tmp.display(),
                    self.dest.display()
                ),
            )
        })?;
        self.done = true;
        reg.retain(|p| p != &self.tmp);
        Ok(())
    }
}

impl Drop for PendingDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
            registry().retain(|p| p != &self.tmp);
        }
    }
}

/// `dest` is missing or an empty folder (a symbolic link is refused: it is never replaced).
fn check_dest(dest: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", dest.display()))),
        Ok(m) => m,
    };
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{}: {why}; expected a new or empty folder (choose another path or remove it)",
                dest.display()
            ),
        ))
    };
    if !meta.is_dir() {
        return refuse(format!(
            "exists and is {}",
            crate::describe_file_type(&meta.file_type())
        ));
    }
    let mut entries = std::fs::read_dir(dest)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dest.display())))?;
    if entries.next().is_some() {
        return refuse("is a folder that is not empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_or_refused_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        {
            let p = PendingDir::create(&dest).unwrap();
            std::fs::write(p.path().join("x"), "1").unwrap();
        }
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("keep"), "1").unwrap();
        let e = PendingDir::create(&dest).unwrap_err().to_string();
        assert!(e.contains("not empty") && e.contains("out"), "{e}");
        let file = root.path().join("f");
        std::fs::write(&file, "1").unwrap();
        let e = PendingDir::create(&file).unwrap_err().to_string();
        assert!(e.contains("regular file"), "{e}");
        assert_eq!(std::fs::read_to_string(dest.join("keep")).unwrap(), "1");
    }

    #[test]
    fn empty_folder_is_replaced_and_interrupt_removes_pending() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        let p = PendingDir::create(&dest).unwrap();
        std::fs::write(p.path().join("a"), "1").unwrap();
        p.commit().unwrap();
        assert!(dest.join("a").is_file());
        let dest2 = root.path().join("out2");
        let p = PendingDir::create(&dest2).unwrap();
        let tmp = p.path().to_path_buf();
        assert!(remove_pending_dirs() >= 1);
        assert!(!tmp.exists());
        drop(p);
    }
}
