//! CSV rows encoded the way the `csv` crate's default writer encodes them (a field is
//! quoted only when it holds a comma, a quote, CR or LF; quotes are doubled; rows end
//! in LF), for `units.csv`: every unit's full text passes through here, and finding the
//! bytes that need quoting with `memchr` is several times faster than the byte table
//! the general writer consults.

/// Appends one row of `fields` to `out`, LF included. A row of one empty field is
/// written `""`, as the `csv` crate does, so that it is not read back as a blank line.
pub fn push_row<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    let start = out.len();
    let mut n = 0usize;
    for field in fields {
        if n > 0 {
            out.push(b',');
        }
        push_field(out, field.as_bytes());
        n += 1;
    }
    if n == 1 && out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

/// Whether a field must be quoted: it holds a comma, a quote, CR or LF.
fn needs_quotes(field: &[u8]) -> bool {
    /// Below this length a plain pass over the bytes is cheaper than starting `memchr`
    /// twice (most cells of `units.csv` are short: ids, names, years, offsets).
    const SHORT: usize = 16;
    if field.len() < SHORT {
        return field
            .iter()
            .fold(false, |q, &b| q | matches!(b, b',' | b'"' | b'\n' | b'\r'));
    }
    memchr::memchr3(b',', b'"', b'\n', field).is_some() || memchr::memchr(b'\r', field).is_some()
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    let quote = needs_quotes(field);
    if !quote {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    let mut rest = field;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// A cell made safe to open in a spreadsheet: text starting with `=`, `+`, `-` or `@`
/// (which Excel and LibreOffice run as a formula, e.g. `=HYPERLINK(…)`) gets a leading
/// `'`, which they show as text. Other cells are returned as they are.
pub fn excel_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The UTF-8 byte order mark. Excel reads a CSV file without it in the system's legacy
/// code page (GBK, Windows-1252, …), which garbles Chinese; with it, as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How CSV files written for people are encoded: with a UTF-8 BOM (the default; `--no-bom`
/// turns it off) and, with `--excel-safe`, every text cell starting with `=`, `+`, `-` or
/// `@` prefixed with `'` (numbers such as `-1.5` are left as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    /// Start each file with [`BOM`].
    pub bom: bool,
    /// Prefix formula-like text cells with `'` ([`excel_safe`]).
    pub excel_safe: bool,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle {
            bom: true,
            excel_safe: false,
        }
    }
}

/// The process-wide style, set once by the command line from `--no-bom` and
/// `--excel-safe` (bit 0: no BOM, bit 1: excel-safe), so that every writer of every
/// command follows the same flags.
static STYLE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Sets the style of every CSV file written afterwards in this process.
pub fn set_style(style: CsvStyle) {
    let bits = u8::from(!style.bom) | (u8::from(style.excel_safe) << 1);
    STYLE.store(bits, std::sync::atomic::Ordering::Relaxed);
}

/// The current style (default: BOM on, excel-safe off).
pub fn style() -> CsvStyle {
    let bits = STYLE.load(std::sync::atomic::Ordering::Relaxed);
    CsvStyle {
        bom: bits & 1 == 0,
        excel_safe: bits & 2 != 0,
    }
}

/// The BOM when the style asks for one, else nothing: what a CSV file starts with.
pub fn bom() -> &'static [u8] {
    if style().bom {
        BOM
    } else {
        b""
    }
}

/// A cell as written under the current style: with `--excel-safe`, a text cell starting
/// with `=`, `+`, `-` or `@` gets a leading `'`; a number (`-1.5`, `+3`) is left as it is,
/// since a spreadsheet reads it as a number and runs nothing.
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if style().excel_safe {
        excel_safe_text(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// [`excel_safe`] for text cells only: numbers (`-1.5`, `+3`) are left as they are.
pub fn excel_safe_text(s: &str) -> std::borrow::Cow<'_, str> {
    if is_number(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        excel_safe(s)
    }
}

fn is_number(s: &str) -> bool {
    let digits = s.trim_start_matches(['-', '+']);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// CSV bytes (as the `csv` crate writes them) re-encoded under the current style: every
/// cell through [`cell`]. Unchanged when excel-safe is off. Used for rows that are
/// serialized first (`documents.csv`) and for whole tables built in memory.
pub fn restyle(csv_bytes: &[u8]) -> Vec<u8> {
    restyle_with(csv_bytes, style().excel_safe)
}

/// [`restyle`] with excel-safe cells on or off.
pub fn restyle_with(csv_bytes: &[u8], excel_safe: bool) -> Vec<u8> {
    if !excel_safe {
        return csv_bytes.to_vec();
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_bytes);
    let mut out = Vec::with_capacity(csv_bytes.len() + 16);
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).unwrap_or(false) {
        let cells: Vec<_> = rec.iter().map(excel_safe_text).collect();
        push_row(&mut out, cells.iter().map(|c| &**c));
    }
    out
}

/// Writes a CSV file for people: the BOM (unless `--no-bom`), then `csv_text` with its
/// cells made safe under `--excel-safe`.
pub fn write_file(path: &std::path::Path, csv_text: &str) -> std::io::Result<()> {
    let mut bytes = bom().to_vec();
    bytes.extend_from_slice(&restyle(csv_text.as_bytes()));
    std::fs::write(path, bytes)
}

/// The 1-based line where a quoted field opens that never closes, if one does, read as
/// the `csv` crate reads (a quote opens a field only at its start; `""` inside a quoted
/// field is a quote). The `csv` crate takes such a field to the end of the file, silently
/// swallowing every row after it.
pub fn unterminated_quote(bytes: &[u8], delimiter: u8) -> Option<usize> {
    // A leading BOM is not part of the first field (the `csv` crate skips it too).
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut line = 1usize;
    let mut field_start = true;
    let mut open_at: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if open_at.is_some() {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    open_at = None;
                }
            }
        } else if b == b'"' && field_start {
            open_at = Some(line);
        }
        if b == b'\n' {
            line += 1;
        }
        if open_at.is_none() {
            field_start = b == delimiter || b == b'\n' || b == b'\r';
        } else {
            field_start = false;
        }
        i += 1;
    }
    open_at
}

/// An error for a CSV file with an unterminated quote, or `Ok` when it has none.
pub fn check_quotes(bytes: &[u8], delimiter: u8, shown: &str) -> crate::error::Result<()> {
    match unterminated_quote(bytes, delimiter) {
        None => Ok(()),
        Some(line) => Err(crate::error::Error::csv(
            shown,
            line,
            "",
            "a quoted field opens here and never closes (every row after it would be lost); close the quote or double it (\"\")",
        )),
    }
}

/// 1-based line numbers of byte offsets, whatever the line ending (LF, CRLF or CR). The
/// `csv` crate's own line count runs one short on CRLF files, and the byte position it gives
/// a record there is the LF of the previous line's CRLF, so a line break counts from its
/// first byte.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// First byte of every line break.
    breaks: Vec<u64>,
}

impl LineIndex {
    /// Indexes the line breaks of `bytes`.
    pub fn new(bytes: &[u8]) -> LineIndex {
        let breaks = memchr::memchr2_iter(b'\r', b'\n', bytes)
            .filter(|&i| !(bytes[i] == b'\n' && i > 0 && bytes[i - 1] == b'\r'))
            .map(|i| i as u64)
            .collect();
        LineIndex { breaks }
    }

    /// The line holding byte `byte`.
    pub fn line(&self, byte: u64) -> usize {
        self.breaks.partition_point(|&n| n < byte) + 1
    }

    /// The line where a record starts, from its `csv` position (`fallback` without one).
    pub fn of(&self, pos: Option<&csv::Position>, fallback: usize) -> usize {
        pos.map(|p| self.line(p.byte())).unwrap_or(fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lf_and_crlf_alike() {
        let lf = LineIndex::new(b"a\nb\nc\n");
        let crlf = LineIndex::new(b"a\r\nb\r\nc\r\n");
        assert_eq!((lf.line(0), lf.line(2), lf.line(4)), (1, 2, 3));
        assert_eq!((crlf.line(0), crlf.line(3), crlf.line(6)), (1, 2, 3));
        // Where the csv crate puts a record after a CRLF: on the LF.
        assert_eq!((crlf.line(2), crlf.line(5)), (2, 3));
        let cr = LineIndex::new(b"a\rb\rc");
        assert_eq!((cr.line(2), cr.line(4)), (2, 3));
    }

    #[test]
    fn formula_like_cells_are_prefixed() {
        assert_eq!(excel_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(excel_safe("+1"), "'+1");
        assert_eq!(excel_safe("-1"), "'-1");
        assert_eq!(excel_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(excel_safe("减税 = 1"), "减税 = 1");
        assert_eq!(excel_safe(""), "");
    }

    #[test]
    fn restyled_csv_prefixes_text_cells_and_keeps_numbers() {
        let src = b"a,b,c\n=1+1,-1.5,\"-x, y\"\n@me,+3,plain\n";
        let out = String::from_utf8(restyle_with(src, true)).unwrap();
        assert_eq!(out, "a,b,c\n'=1+1,-1.5,\"'-x, y\"\n'@me,+3,plain\n");
        assert_eq!(restyle_with(src, false), src.to_vec());
        assert_eq!(excel_safe_text("-inf"), "'-inf");
        assert_eq!(excel_safe_text("-"), "'-");
    }

    #[test]
    fn a_bom_does_not_hide_an_unterminated_quote_or_open_one() {
        assert_eq!(
            unterminated_quote(b"\xEF\xBB\xBF\"id\",text\n1,x\n", b','),
            None
        );
        assert_eq!(
            unterminated_quote(b"\xEF\xBB\xBF\"id,text\n1,x\n", b','),
            Some(1)
        );
    }

    #[test]
    fn unterminated_quotes_are_found_with_their_line() {
        assert_eq!(
            unterminated_quote(b"id,text\n1,ok\n2,\"open\n3,x\n", b','),
            Some(3)
        );
        assert_eq!(
            unterminated_quote(b"id,text\n1,\"a \"\"q\"\" b\"\n2,x\n", b','),
            None
        );
        assert_eq!(
            unterminated_quote(b"id,text\n1,\"multi\nline\"\n", b','),
            None
        );
        // A quote inside an unquoted field is a character, not an opening.
        assert_eq!(unterminated_quote(b"id,text\n1,5\" screen\n", b','), None);
        assert_eq!(unterminated_quote(b"a\tb\n1\t\"x\n", b'\t'), Some(2));
    }
    use proptest::prelude::*;

    fn ours(rows: &[Vec<String>]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in rows {
            push_row(&mut out, r.iter().map(String::as_str));
        }
        out
    }

    fn csv_crate(rows: &[Vec<String>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for r in rows {
            w.write_record(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn quotes_only_what_needs_it() {
        let rows = vec![
            vec![
                "1-2-3".into(),
                "支持返乡创业，给予补贴".into(),
                String::new(),
            ],
            vec![
                "a,b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                "cr\r".into(),
            ],
            vec![String::new()],
        ];
        assert_eq!(
            String::from_utf8(ours(&rows)).unwrap(),
            "1-2-3,支持返乡创业，给予补贴,\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\n\"\"\n"
        );
        assert_eq!(ours(&rows), csv_crate(&rows));
    }

    proptest! {
        /// Byte for byte what the csv crate writes, for any fields.
        #[test]
        fn same_bytes_as_the_csv_crate(
            rows in prop::collection::vec(
                prop::collection::vec("[a,\"\r\n 创 ]{0,6}|\\PC{0,8}", 1..5), 0..5),
        ) {
            prop_assert_eq!(ours(&rows), csv_crate(&rows));
        }
    }
}
