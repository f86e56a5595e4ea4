//! `policy-coder codebook check | show | export | import` (`codebook audit` is in
//! [`super::audit`]).

use super::common::{load_codebook, stdout_csv, write_out};
use super::EXIT_OK;
use anyhow::{Context, Result};
use policy_coder::codebook::formats;
use std::path::{Path, PathBuf};

/// `codebook check FILE`: loads any codebook format and prints its size.
pub(crate) fn check(file: &Path) -> Result<u8> {
    let cb = formats::load_any(file)?;
    let terms: usize = cb
        .concepts
        .iter()
        .map(|c| c.zh.len() + c.en.len() + c.regex.len())
        .sum();
    println!(
        "{}: valid ({} cores, {} categories, {} concepts, {} terms)",
        file.display(),
        cb.cores.len(),
        cb.categories.len(),
        cb.concepts.len(),
        terms
    );
    Ok(EXIT_OK)
}

/// `codebook export [FILE] --format qdc|md|csv [--out PATH]`.
pub(crate) fn export(file: Option<&PathBuf>, format: &str, out: Option<&PathBuf>) -> Result<u8> {
    let cb = load_codebook(file)?;
    let text = match format {
        "qdc" => formats::to_qdc(&cb),
        "md" | "markdown" => formats::to_markdown(&cb),
        "csv" => formats::to_csv(&cb),
        other => anyhow::bail!("--format {other}: expected qdc, md or csv"),
    };
    match (format, out) {
        ("csv", Some(p)) => policy_coder::util::csv::write_file(p, &text)
            .with_context(|| format!("cannot write {}", p.display()))?,
        ("csv", None) => write_out(None, &stdout_csv(&text))?,
        _ => write_out(out, &text)?,
    }
    Ok(EXIT_OK)
}

/// `codebook import FILE.qdc [--out PATH]`: a REFI-QDA codebook as TOML.
pub(crate) fn import(file: &Path, out: Option<&PathBuf>) -> Result<u8> {
    let xml =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let toml = formats::qdc_to_toml(&xml, &file.display().to_string())?;
    write_out(out, &toml)?;
    Ok(EXIT_OK)
}

/// `codebook show [FILE]`: the codebook as a tree.
pub(crate) fn show(file: Option<&PathBuf>) -> Result<u8> {
    print!("{}", load_codebook(file)?.tree());
    Ok(EXIT_OK)
}
