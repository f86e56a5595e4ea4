//! The progress bar `code` and `keywords` draw on stderr: files, units, throughput. It
//! shows only on a terminal, only when asked for (not `--quiet`) and only once a run has
//! taken a second, so short runs and pipes stay clean.

use policy_coder::pipeline::Progress;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// An indicatif bar fed by the library's [`Progress`] calls.
pub(crate) struct Bar {
    bar: indicatif::ProgressBar,
    start: Instant,
    units: AtomicUsize,
    bytes: AtomicUsize,
    shown: AtomicBool,
}

impl Bar {
    /// A bar on stderr, or `None` when stderr is not a terminal.
    pub(crate) fn on_terminal() -> Option<Bar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} files  {msg}  {elapsed} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        Some(Bar {
            bar,
            start: Instant::now(),
            units: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            shown: AtomicBool::new(false),
        })
    }
}

impl Progress for Bar {
    fn start(&self, files: usize) {
        self.bar.set_length(files as u64);
    }

    fn file(&self, units: usize, bytes: usize) {
        let units = self.units.fetch_add(units, Ordering::Relaxed) + units;
        let bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let secs = self.start.elapsed().as_secs_f64();
        if secs > 1.0 && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
        self.bar.set_message(format!(
            "{units} units, {:.1} MB/s",
            bytes as f64 / 1e6 / secs.max(1e-3)
        ));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
