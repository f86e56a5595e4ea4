//! The command line: one module per command (its arguments and what it runs), the argument
//! groups several commands share, and the exit codes. Commands parse and dispatch; the
//! work is the library's.

pub(crate) mod agree;
pub(crate) mod args;
pub(crate) mod audit;
pub(crate) mod code;
pub(crate) mod codebook;
pub(crate) mod common;
pub(crate) mod diffuse;
pub(crate) mod evaluate;
pub(crate) mod keywords;
pub(crate) mod kwic;
pub(crate) mod progress;
pub(crate) mod sample;
pub(crate) mod train;

/// Exit code when everything went well.
pub(crate) const EXIT_OK: u8 = 0;

/// Exit code for errors: bad arguments, invalid codebook or CSV, unwritable output.
pub(crate) const EXIT_ERROR: u8 = 1;

/// Exit code when the run finished but some input files were skipped.
pub(crate) const EXIT_SKIPPED: u8 = 2;

/// `agree --machine`: most units of the sheets are not in that units.csv with their text.
pub(crate) const EXIT_UNPAIRED: u8 = 3;
