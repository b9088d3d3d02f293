//! What the commands show while they work and print when done: indicatif progress bars and
//! status lines on stderr (hidden with `--quiet`), and stdout that tolerates a closed pipe.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use lsm_pipeline::Progress;
use std::time::Duration;

/// indicatif progress bars on stderr (hidden with `--quiet`).
pub struct Bars {
    quiet: bool,
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars, or nothing when `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            bar: std::sync::Mutex::new(None),
        }
    }
    fn current(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|b| b.clone())
    }
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        if self.quiet {
            return;
        }
        let pb = if total > 0 {
            let pb = ProgressBar::new(total);
            pb.set_style(
                ProgressStyle::with_template(
                    "{msg:>30} [{bar:30}] {pos}/{len} files ({per_sec}, eta {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            pb
        } else {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{msg:>30} {spinner} {elapsed}")
                    .expect("valid template"),
            );
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        };
        pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        pb.set_message(stage.to_string());
        if let Ok(mut b) = self.bar.lock() {
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
            *b = Some(pb);
        }
    }
    fn inc(&self, n: u64) {
        if let Some(pb) = self.current() {
            pb.inc(n);
        }
    }
    fn finish(&self) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(pb) = b.take() {
                pb.finish_and_clear();
            }
        }
    }
}

/// Write `text` to stdout; a closed pipe (`lsm ... | head`) is not an error.
pub fn print_out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

/// A status line on stderr unless quiet.
pub fn status(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}
