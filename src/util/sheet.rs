//! The one reader of CSV/TSV input: units files, manifests, region tables, coding sheets,
//! labelled clauses, and the tool's own `units.csv`/`documents.csv` read back.
//!
//! One configuration for all of them: the encoding is detected as [`crate::util::decode`]
//! detects it (UTF-8 with or without BOM, UTF-16, GB18030, Big5) from the first MiB and
//! checked as the rest is decoded; the delimiter is a tab for `.tsv`/`.tab` files and
//! files whose header holds a tab, a comma otherwise; quoted fields (CSV and TSV alike) may
//! hold delimiters, quotes and line breaks; headers match whatever their case and spacing
//! ([`header_key`]); a ragged row, an undecodable byte or a quote that never closes is an
//! error naming the file and the line an editor shows (LF, CRLF or CR). [`SheetReader`]
//! streams the rows in bounded memory; [`read_sheet`] reads a small table whole.

use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;

/// Bytes read ahead to detect the encoding and the delimiter.
const HEAD: usize = 1 << 20;

/// A header as it is matched: trimmed, without BOM, lower-cased, inner whitespace as `_`
/// (`Unit ID`, `unit id` and `unit_id` are one column).
pub fn header_key(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{FEFF}').trim();
    let mut out = String::with_capacity(h.len());
    let mut space = false;
    for c in h.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push('_');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
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

/// Where the reader is in a quoted field, read as the `csv` crate reads (a quote opens a
/// field only at its start; `""` inside a quoted field is a quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// At the start of a field.
    Start,
    /// Inside an unquoted field.
    Plain,
    /// Inside a quoted field.
    Open,
    /// A quote inside a quoted field: closes it unless another follows.
    Closing,
}

/// A file's text as UTF-8 bytes for the `csv` crate, decoded as it is read, with the line
/// breaks behind the reader's position and the quoting state followed.
struct Source {
    inner: Box<dyn Read + Send>,
    decoder: encoding_rs::Decoder,
    encoding: &'static str,
    raw: Vec<u8>,
    raw_at: usize,
    raw_end: usize,
    raw_eof: bool,
    done: bool,
    /// Decoded bytes handed out so far.
    offset: u64,
    /// Offsets of the first byte of line breaks not yet passed by a record.
    breaks: VecDeque<u64>,
    /// Line breaks dropped from `breaks`.
    passed: usize,
    prev_cr: bool,
    delimiter: u8,
    quote: Quote,
    /// Where the last quoted field opened.
    open_byte: u64,
    /// The line of a quote still open at the end of the file.
    unterminated: Option<usize>,
    /// The line and message of an undecodable byte.
    bad: Option<(usize, String)>,
}

impl Source {
    fn new(
        inner: Box<dyn Read + Send>,
        encoding: &'static encoding_rs::Encoding,
        name: &'static str,
        delimiter: u8,
    ) -> Source {
        Source {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            encoding: name,
            raw: vec![0; 64 * 1024],
            raw_at: 0,
            raw_end: 0,
            raw_eof: false,
            done: false,
            offset: 0,
            breaks: VecDeque::new(),
            passed: 0,
            prev_cr: false,
            delimiter,
            quote: Quote::Start,
            open_byte: 0,
            unterminated: None,
            bad: None,
        }
    }

    /// The line the next byte is on.
    fn line_now(&self) -> usize {
        self.passed + self.breaks.len() + 1
    }

    /// The line holding decoded byte `byte`, for bytes at or after the last one asked for.
    fn line_of(&mut self, byte: u64) -> usize {
        while self.breaks.front().is_some_and(|&b| b < byte) {
            self.breaks.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }

    /// The line holding decoded byte `byte`, without passing any line break.
    fn line_at(&self, byte: u64) -> usize {
        self.passed + self.breaks.partition_point(|&b| b < byte) + 1
    }

    /// Follows the line breaks and the quoting of `bytes`, the next decoded bytes. Only the
    /// quotes and the byte on either side of them change the quoting state, so the bytes
    /// between quotes are skipped with `memchr`.
    fn scan(&mut self, bytes: &[u8]) {
        let start = self.offset;
        for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let after_cr = if i == 0 {
                self.prev_cr
            } else {
                bytes[i - 1] == b'\r'
            };
            if bytes[i] == b'\r' || !after_cr {
                self.breaks.push_back(start + i as u64);
            }
        }
        if let Some(&last) = bytes.last() {
            self.prev_cr = last == b'\r';
        }
        let d = self.delimiter;
        let sep = |b: u8| b == d || b == b'\n' || b == b'\r';
        // Quoting state after the unquoted-or-closing run `run` (no quotes in it).
        let after = |q: Quote, run: &[u8]| match (q, run.first(), run.last()) {
            (_, None, _) | (Quote::Open, ..) => q,
            (_, _, Some(&b)) => {
                if sep(b) {
                    Quote::Start
                } else {
                    Quote::Plain
                }
            }
            _ => q,
        };
        let mut at = 0;
        for q in memchr::memchr_iter(b'"', bytes) {
            let state = after(self.quote, &bytes[at..q]);
            self.quote = match state {
                Quote::Start => {
                    self.open_byte = start + q as u64;
                    Quote::Open
                }
                Quote::Plain => Quote::Plain,
                Quote::Open => Quote::Closing,
                Quote::Closing => Quote::Open,
            };
            at = q + 1;
        }
        self.quote = after(self.quote, &bytes[at..]);
        self.offset += bytes.len() as u64;
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.done {
                if self.quote == Quote::Open {
                    self.unterminated = Some(self.line_at(self.open_byte));
                }
                return Ok(0);
            }
            if self.raw_at == self.raw_end && !self.raw_eof {
                let n = loop {
                    match self.inner.read(&mut self.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                (self.raw_at, self.raw_end, self.raw_eof) = (0, n, n == 0);
            }
            let last = self.raw_eof;
            let (res, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_at..self.raw_end],
                buf,
                last,
            );
            self.raw_at += read;
            self.scan(&buf[..written]);
            match res {
                encoding_rs::DecoderResult::Malformed(..) => {
                    let msg = format!(
                        "bytes that are not valid {} (the encoding read from the start of the file); save the file as UTF-8",
                        self.encoding
                    );
                    self.bad = Some((self.line_now(), msg.clone()));
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, msg));
                }
                encoding_rs::DecoderResult::InputEmpty if last => self.done = true,
                _ => {}
            }
            if written > 0 {
                return Ok(written);
            }
            if buf.len() < 4 && !self.done {
                // No room for a character; the `csv` crate always reads into a large buffer.
                return Err(std::io::Error::other("read buffer too small"));
            }
        }
    }
}

/// One row: the line it starts on (the header is line 1) and its cells.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// 1-based line where the row starts.
    pub line: usize,
    /// The cells, in header order.
    pub cells: csv::StringRecord,
}

impl Row {
    /// The cell of column `col` (empty when absent).
    pub fn get(&self, col: usize) -> &str {
        self.cells.get(col).unwrap_or("")
    }

    /// The cell of an optional column (empty when the column is absent).
    pub fn opt(&self, col: Option<usize>) -> &str {
        col.map_or("", |c| self.get(c))
    }
}

/// A CSV/TSV file opened for streaming: headers read, rows on demand.
pub struct SheetReader {
    path: String,
    encoding: &'static str,
    headers: Vec<String>,
    keys: Vec<String>,
    rdr: csv::Reader<Source>,
    rows: usize,
    failed: bool,
}

impl std::fmt::Debug for SheetReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetReader")
            .field("path", &self.path)
            .field("encoding", &self.encoding)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl SheetReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<SheetReader> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_reader(path, f).map_err(|e| match e {
            Error::Io { cause, .. } => Error::io(path, cause),
            e => e,
        })
    }

    /// Reads a table from `input`; `path` names it in messages and its extension chooses
    /// TSV.
    pub fn from_reader(path: &Path, input: impl Read + Send + 'static) -> Result<SheetReader> {
        let shown = path.display().to_string();
        let mut input = input;
        let mut head = Vec::with_capacity(64 * 1024);
        (&mut input)
            .take(HEAD as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(path, e))?;
        let complete = head.len() < HEAD;
        let found = crate::util::decode::detect(&head, complete)
            .map_err(|e| Error::csv(&shown, 0, "", e.to_string()))?;
        let first_line = {
            let start = &head[found.bom..];
            let (text, _) = found
                .encoding
                .decode_without_bom_handling(&start[..start.len().min(64 * 1024)]);
            text.split(['\n', '\r']).next().unwrap_or("").to_string()
        };
        let delimiter = delimiter_of(path, first_line.as_bytes());
        let source = Source::new(
            Box::new(std::io::Cursor::new(head).chain(input)),
            found.encoding,
            found.name,
            delimiter,
        );
        let mut skip = found.bom;
        let mut source = source;
        // The BOM is not text: skip it before the decoder sees it.
        while skip > 0 {
            let mut b = [0u8; 4];
            let n = source
                .inner
                .read(&mut b[..skip])
                .map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            skip -= n;
        }
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(source);
        let mut r = SheetReader {
            path: shown,
            encoding: found.name,
            headers: Vec::new(),
            keys: Vec::new(),
            rdr,
            rows: 0,
            failed: false,
        };
        let headers = match r.rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(r.error(&e, 1)),
        };
        if let Some(line) = r.rdr.get_ref().unterminated {
            return Err(unterminated(&r.path, line));
        }
        r.headers = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{FEFF}').trim().to_string())
            .collect();
        r.keys = r.headers.iter().map(|h| header_key(h)).collect();
        Ok(r)
    }

    /// The file, as messages show it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoding the file was read in.
    pub fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// The delimiter (`,` or tab).
    pub fn delimiter(&self) -> u8 {
        self.rdr.get_ref().delimiter
    }

    /// Header names as written (trimmed).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Index of the first of `names` (aliases, in order of preference) among the headers,
    /// matched by [`header_key`].
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        find_col(&self.keys, names)
    }

    /// [`SheetReader::col`], or an error on line 1 naming the first of `names`, the
    /// columns there are, and `hint`.
    pub fn require(&self, names: &[&str], hint: &str) -> Result<usize> {
        self.col(names)
            .ok_or_else(|| missing_column(&self.path, &self.headers, names, hint))
    }

    /// An error about the cell of column `col` on `line`: names the file, the line and
    /// the column's header.
    pub fn field_error(&self, line: usize, col: usize, message: impl Into<String>) -> Error {
        let field = self.headers.get(col).map_or("", String::as_str);
        Error::csv(&self.path, line, field, message)
    }

    /// Reads the next row into `row`; `false` at the end of the file.
    pub fn read_row(&mut self, row: &mut Row) -> Result<bool> {
        if self.failed {
            return Ok(false);
        }
        let res = self.rdr.read_record(&mut row.cells);
        let fallback = self.rows + 2;
        let out = match res {
            Ok(more) => {
                if let Some(line) = self.rdr.get_ref().unterminated {
                    Err(unterminated(&self.path, line))
                } else if more {
                    self.rows += 1;
                    let byte = row.cells.position().map(|p| p.byte());
                    row.line = match byte {
                        Some(b) => self.rdr.get_mut().line_of(b),
                        None => fallback,
                    };
                    Ok(true)
                } else {
                    Ok(false)
                }
            }
            Err(e) => Err(self.error(&e, fallback)),
        };
        if out.is_err() {
            self.failed = true;
        }
        out
    }

    /// The error for a bad record: at the line an editor shows, a ragged row said in words.
    fn error(&mut self, e: &csv::Error, fallback: usize) -> Error {
        if let Some((line, msg)) = self.rdr.get_ref().bad.clone() {
            return Error::csv(&self.path, line, "", msg);
        }
        let line = match e.position() {
            Some(p) => self.rdr.get_mut().line_of(p.byte()),
            None => fallback,
        };
        let msg = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("row has {len} fields, the header has {expected_len}"),
            _ => e.to_string(),
        };
        Error::csv(&self.path, line, "", msg)
    }

    /// Reads the rest of the file into a [`Sheet`] (headers trimmed and lower-cased).
    pub fn read_all(mut self) -> Result<Sheet> {
        let mut rows = Vec::new();
        let mut row = Row::default();
        while self.read_row(&mut row)? {
            rows.push((row.line, row.cells.iter().map(String::from).collect()));
        }
        Ok(Sheet {
            headers: self.headers.iter().map(|h| h.to_lowercase()).collect(),
            path: self.path,
            rows,
        })
    }
}

impl Iterator for SheetReader {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        let mut row = Row::default();
        match self.read_row(&mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

fn find_col<S: AsRef<str>>(keys: &[S], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| {
        let k = header_key(n);
        keys.iter().position(|h| h.as_ref() == k)
    })
}

fn missing_column(path: &str, headers: &[String], names: &[&str], hint: &str) -> Error {
    let name = names.first().copied().unwrap_or("");
    let also = if names.len() > 1 {
        format!(" (or `{}`)", names[1..].join("`, `"))
    } else {
        String::new()
    };
    Error::csv(
        path,
        1,
        name,
        format!(
            "no `{name}` column{also} (columns: {}){hint}",
            headers.join(", ")
        ),
    )
}

fn unterminated(path: &str, line: usize) -> Error {
    Error::csv(
        path,
        line,
        "",
        "a quoted field opens here and never closes (every row after it would be lost); close the quote or double it (\"\")",
    )
}

/// A small CSV/TSV table read whole: lower-cased headers and rows with their line numbers.
pub struct Sheet {
    /// The file, for messages.
    pub path: String,
    /// Header names, trimmed and lower-cased.
    pub headers: Vec<String>,
    /// `(line, cells)` per data row.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV or TSV file whole with [`SheetReader`].
pub fn read_sheet(path: &Path) -> Result<Sheet> {
    SheetReader::open(path)?.read_all()
}

impl Sheet {
    /// Index of the first of `names` present among the headers, matched by [`header_key`].
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        let keys: Vec<String> = self.headers.iter().map(|h| header_key(h)).collect();
        find_col(&keys, names)
    }

    /// [`Sheet::col`], or an error naming the first of `names` and the columns there are.
    pub fn require(&self, names: &[&str], hint: &str) -> Result<usize> {
        self.col(names)
            .ok_or_else(|| missing_column(&self.path, &self.headers, names, hint))
    }
}

#[cfg(test)]
mod tests;
