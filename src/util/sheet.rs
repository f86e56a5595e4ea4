//! Reading small CSV/TSV tables (coding sheets, labelled clauses) whole, with errors that
//! name the file, line and column.

use crate::error::{Error, Result};
use std::path::Path;

/// A small CSV/TSV table read whole: lower-cased headers and rows with their line numbers.
pub struct Sheet {
    /// The file, for messages.
    pub path: String,
    /// Header names, trimmed and lower-cased.
    pub headers: Vec<String>,
    /// `(line, cells)` per data row.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV or TSV file (TSV when it ends in `.tsv`/`.tab` or its header holds a tab)
/// in any encoding [`crate::util::decode`] detects; quoted fields may hold tabs and line breaks;
/// a ragged row is an error naming its line.
pub fn read_sheet(path: &Path) -> Result<Sheet> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = crate::util::decode::decode(&bytes)
        .map_err(|e| Error::csv(&shown, 0, "", e.to_string()))?
        .text;
    let first = text.lines().next().unwrap_or("");
    let tab = delimiter_of(path, first.as_bytes()) == b'\t';
    crate::util::csv::check_quotes(text.as_bytes(), if tab { b'\t' } else { b',' }, &shown)?;
    // TSV files written by Python's csv module and by spreadsheets quote fields that hold
    // tabs, line breaks or quotes, as CSV does.
    let mut r = csv::ReaderBuilder::new()
        .delimiter(if tab { b'\t' } else { b',' })
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| Error::csv(&shown, 1, "", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let lines = crate::util::csv::LineIndex::new(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| record_error(&e, &lines, i, &shown))?;
        let line = lines.of(rec.position(), i + 2);
        rows.push((line, rec.iter().map(String::from).collect()));
    }
    Ok(Sheet {
        path: shown,
        headers,
        rows,
    })
}

/// The delimiter of a CSV/TSV input: tab when the file ends in `.tsv`/`.tab` or its
/// header line holds a tab, comma otherwise.
pub fn delimiter_of(path: &Path, header_line: &[u8]) -> u8 {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext == "tsv" || ext == "tab" || header_line.contains(&b'\t') {
        b'\t'
    } else {
        b','
    }
}

/// The error for a bad record (data row `row`, 0-based) of `file`: at the line an editor
/// shows, a ragged row said in words.
pub fn record_error(
    e: &csv::Error,
    lines: &crate::util::csv::LineIndex,
    row: usize,
    file: &str,
) -> Error {
    let line = lines.of(e.position(), row + 2);
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, the header has {expected_len}"),
        _ => e.to_string(),
    };
    Error::csv(file, line, "", msg)
}

impl Sheet {
    /// Index of the first of `names` present among the headers.
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.headers.iter().position(|h| h == n))
    }
}
