//! Output checks made before any long work: can each output be written, and is none of them
//! one of the inputs (or another output)?
//!
//! [`check_outputs`] takes the outputs and inputs of a command, each with the flag that named
//! it, and fails with an [`CoreError`] naming the flag and the path when
//! * an output is the same file as an input: same device and inode (so hard links, `./x` and
//!   `x`, and symbolic links to the input are all caught), or the same canonical path;
//! * two outputs are the same file;
//! * an output cannot be written: it is a folder, a block device, a socket or a link loop; its
//!   folder does not exist; or the folder is not writable (tested by creating and removing a
//!   temporary file there, so read-only file systems and permissions are both caught).
//!
//! Named pipes and character devices (`/dev/null`, `/dev/stdout`) pass: [`crate::write_atomic`]
//! writes through them.

use crate::atomic::{parent_dir, resolve_target, Target};
use crate::CoreError;
use std::io;
use std::path::{Path, PathBuf};

/// Do `a` and `b` name the same existing file (same device and inode on Unix, same canonical
/// path elsewhere)? Links are followed. `false` if either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
            return true;
        }
    }
    let _ = (ma, mb);
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// Check that `path` (named by `flag`) can be written by [`crate::write_atomic`], without
/// writing it: see the docs of `lsm-core`'s `output.rs`.
///
/// # Errors
/// [`CoreError::Unusable`], [`CoreError::MissingFolder`], [`CoreError::NotWritable`].
pub fn check_writable(flag: &str, path: &Path) -> Result<(), CoreError> {
    let unusable = |source| CoreError::Unusable {
        flag: flag.to_string(),
        source,
    };
    if path.as_os_str().is_empty() {
        return Err(unusable(io::Error::new(
            io::ErrorKind::InvalidInput,
            "empty path, expected a file path",
        )));
    }
    let dest = match resolve_target(path).map_err(unusable)? {
        Target::Stream(_) => return Ok(()),
        Target::File(p) => p,
    };
    if dest.file_name().is_none() {
        return Err(unusable(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        )));
    }
    let folder = parent_dir(&dest);
    if !folder.is_dir() {
        return Err(CoreError::MissingFolder {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            folder,
        });
    }
    tempfile::Builder::new()
        .prefix(".lsm-write-check-")
        .tempfile_in(&folder)
        .map(drop)
        .map_err(|source| CoreError::NotWritable {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            folder,
            source,
        })
}

/// Check the outputs of a command before its work starts: each can be written
/// ([`check_writable`]), none is the same file as an input, and no two are the same file.
/// Entries are `(flag, path)`, e.g. `("--out", &args.out)`.
///
/// # Errors
/// The first problem found, as an [`CoreError`] naming the flag(s) and path(s).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let net = dir.path().join("n.json");
/// std::fs::write(&net, "{}").unwrap();
/// let alias = dir.path().join(".").join("n.json");
/// let e = lsm_core::check_outputs(&[("--out", &alias)], &[("--network", &net)]).unwrap_err();
/// assert!(e.to_string().contains("same file as the input --network"));
/// let fresh = dir.path().join("spikes.csv");
/// lsm_core::check_outputs(&[("--out", &fresh)], &[("--network", &net)]).unwrap();
/// ```
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<(), CoreError> {
    for (i, &(flag, out)) in outputs.iter().enumerate() {
        check_writable(flag, out)?;
        for &(input_flag, input) in inputs {
            if same_file(out, input) {
                return Err(CoreError::SameAsInput {
                    flag: flag.to_string(),
                    path: out.to_path_buf(),
                    input_flag: input_flag.to_string(),
                    input: input.to_path_buf(),
                });
            }
        }
        for &(other_flag, other) in &outputs[..i] {
            if same_file(out, other) || same_destination(out, other) {
                return Err(CoreError::SameOutput {
                    flag: flag.to_string(),
                    path: out.to_path_buf(),
                    other_flag: other_flag.to_string(),
                    other: other.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// Would two (possibly not yet existing) output paths end up in the same regular file?
fn same_destination(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        let Ok(Target::File(dest)) = resolve_target(p) else {
            return None;
        };
        let dir = std::fs::canonicalize(parent_dir(&dest)).ok()?;
        Some(dir.join(dest.file_name()?))
    };
    matches!((canon(a), canon(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_that_are_inputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let inp = d.join("in.wav");
        std::fs::write(&inp, b"RIFF").unwrap();
        let e = check_outputs(&[("--out", &inp)], &[("FILE", &inp)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--out") && e.contains("FILE") && e.contains("in.wav"),
            "{e}"
        );
        // Same file through `.`, `..` and a hard link.
        let dotted = d.join("x").join("..").join("in.wav");
        std::fs::create_dir(d.join("x")).unwrap();
        assert!(check_outputs(&[("--out", &dotted)], &[("FILE", &inp)]).is_err());
        let hard = d.join("hard.wav");
        std::fs::hard_link(&inp, &hard).unwrap();
        let e = check_outputs(&[("--out", &hard)], &[("FILE", &inp)]).unwrap_err();
        assert!(matches!(e, CoreError::SameAsInput { .. }), "{e}");
        #[cfg(unix)]
        {
            let sym = d.join("sym.wav");
            std::os::unix::fs::symlink(&inp, &sym).unwrap();
            assert!(check_outputs(&[("--out", &sym)], &[("FILE", &inp)]).is_err());
        }
        // A different file is fine.
        check_outputs(&[("--out", &d.join("o.csv"))], &[("FILE", &inp)]).unwrap();
    }

    #[test]
    fn two_outputs_on_one_path_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join(".").join("a.csv");
        let e = check_outputs(&[("--out", &a), ("--features", &b)], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--features") && e.contains("--out"), "{e}");
    }

    #[test]
    fn unwritable_outputs_are_found_before_work() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = crate::error_chain(&check_writable("--out", d).unwrap_err());
        assert!(e.contains("folder"), "{e}");
        let e = crate::error_chain(
            &check_writable("--out", &d.join("nope").join("m.json")).unwrap_err(),
        );
        assert!(e.contains("does not exist") && e.contains("nope"), "{e}");
        let e = crate::error_chain(&check_writable("--out", Path::new("")).unwrap_err());
        assert!(e.contains("empty path"), "{e}");
        check_writable("--out", &d.join("m.json")).unwrap();
        // The probe leaves nothing behind.
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
        #[cfg(unix)]
        check_writable("--out", Path::new("/dev/null")).unwrap();
    }
}
