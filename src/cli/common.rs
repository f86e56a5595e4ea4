//! What several commands do alike: loading the codebook and stop words, setting up a `code`-style
//! run, writing text to a file or standard output, reporting skipped files.

use super::args::{thread_count, InputArgs, StopwordArgs};
use super::{EXIT_OK, EXIT_SKIPPED};
use anyhow::{Context, Result};
use policy_coder::geo::region::RegionScheme;
use policy_coder::pipeline::CodeOptions;
use policy_coder::{Codebook, Coder};
use std::path::PathBuf;

/// CSV text for standard output: cells made safe under `--excel-safe`, no BOM (a BOM
/// would show on a terminal and in pipes; files the tool writes itself get one).
pub(crate) fn stdout_csv(text: &str) -> String {
    String::from_utf8(policy_coder::util::csv::restyle(text.as_bytes())).unwrap_or_default()
}

pub(crate) fn write_out(out: Option<&PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

pub(crate) fn load_codebook(path: Option<&PathBuf>) -> Result<Codebook> {
    Ok(match path {
        Some(p) => policy_coder::codebook::formats::load_any(p)?,
        None => Codebook::default_codebook(),
    })
}

pub(crate) fn stopwords(a: &StopwordArgs) -> Result<policy_coder::tally::keywords::Stopwords> {
    let mut s = if a.no_default_stopwords {
        policy_coder::tally::keywords::Stopwords::empty()
    } else {
        policy_coder::tally::keywords::Stopwords::default()
    };
    for f in &a.stopwords {
        s.extend_from_file(f)?;
    }
    s.keep_single_chars = a.keep_short;
    s.keep_numbers = a.keep_short;
    Ok(s)
}

/// Builds the coder and the options common to `code` and `keywords` (threads, progress).
pub(crate) fn setup(
    input: InputArgs,
    out: PathBuf,
    words: &StopwordArgs,
) -> Result<(Coder, CodeOptions)> {
    let codebook = load_codebook(input.codebook.as_ref())?;
    let regions = RegionScheme::parse(&input.regions)?;
    let coder = Coder::new(codebook)?;
    let mut opts = CodeOptions::new(input.paths, out);
    opts.units = input.units.map(|u| (u, input.text_column));
    opts.regions = regions;
    opts.unit_mode = input.unit;
    opts.exclude = input.exclude;
    opts.max_file_size = input.max_file_size;
    opts.stopwords = std::sync::Arc::new(stopwords(words)?);
    opts.top = words.top;
    opts.threads = input.threads.map(thread_count).transpose()?;
    if !input.quiet {
        if let Some(bar) = super::progress::Bar::on_terminal() {
            opts.progress = std::sync::Arc::new(bar);
        }
    }
    opts.follow_links_outside = input.follow_links_outside;
    Ok((coder, opts))
}

/// Lists skipped files and ends with the one-line summary on stderr.
pub(crate) fn report_skipped(
    counts: &policy_coder::write::tabular::RunCounts,
    quiet: bool,
    out: Option<&PathBuf>,
) {
    for w in &counts.warnings {
        eprintln!("warning: {w}");
    }
    for (file, reason) in &counts.skipped_files {
        eprintln!("skipped {file}: {reason}");
    }
    for (file, reason) in &counts.incomplete_files {
        eprintln!("read in part {file}: {reason}");
    }
    if !quiet {
        eprintln!(
            "{} files: {} coded{}, {} skipped{}{}{}{}",
            counts.files,
            counts.coded,
            if counts.incomplete_files.is_empty() {
                String::new()
            } else {
                format!(" ({} read in part)", counts.incomplete_files.len())
            },
            counts.skipped,
            if counts.duplicates > 0 {
                format!(" ({} duplicates)", counts.duplicates)
            } else {
                String::new()
            },
            if counts.manifests > 0 {
                format!(", {} manifest", counts.manifests)
            } else {
                String::new()
            },
            if counts.excluded > 0 {
                format!(", {} excluded", counts.excluded)
            } else {
                String::new()
            },
            out.map(|o| format!("; results in {}", o.display()))
                .unwrap_or_default()
        );
    }
}

/// Writes `text` to standard output; a reader that stops early (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to standard output"))
        }
        _ => Ok(()),
    }
}

/// Lists the files `kwic` or `audit` could not read, or read only in part; the exit code says
/// whether there were any.
pub(crate) fn report_unread(corpus: &policy_coder::tune::document::Corpus) -> u8 {
    for (file, reason) in &corpus.skipped {
        eprintln!("skipped {file}: {reason}");
    }
    for (file, reason) in &corpus.incomplete {
        eprintln!("read in part {file}: {reason}");
    }
    if corpus.skipped.is_empty() && corpus.incomplete.is_empty() {
        EXIT_OK
    } else {
        EXIT_SKIPPED
    }
}

/// Says how many texts were embedded, how fast, and how many came from the cache.
pub(crate) fn report_embedder(e: &policy_coder::code::classify::embed::Embedder, run_secs: f64) {
    let (computed, reused) = e.counts();
    let busy = e.busy_seconds().min(run_secs);
    eprintln!(
        "embedded {computed} texts ({reused} more read from the vector cache){}",
        if computed > 0 && busy > 0.0 {
            format!(
                " in {busy:.1} s of the run's {run_secs:.1} s ({:.1} texts/s)",
                computed as f64 / busy
            )
        } else {
            String::new()
        }
    );
}
