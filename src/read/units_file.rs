//! Pre-segmented units from a CSV/TSV file (one unit per row), e.g. clauses exported
//! from Excel or NVivo. The whole file is validated before anything is coded.

use crate::error::{Error, Result};
use crate::geo::level::Level;
use crate::geo::province::{self, Province};
use crate::util::csv::LineIndex;
use std::path::{Path, PathBuf};

/// A validated units file.
#[derive(Debug, Clone)]
pub struct UnitsFile {
    /// The file.
    pub path: PathBuf,
    delimiter: u8,
    /// Header names, as written.
    pub headers: Vec<String>,
    text_col: usize,
    id_col: Option<usize>,
    level_col: Option<usize>,
    province_col: Option<usize>,
    year_col: Option<usize>,
    /// Number of data rows.
    pub rows: usize,
}

/// One row.
#[derive(Debug, Clone)]
pub struct UnitRow {
    /// 1-based line of the row in the file.
    pub line: usize,
    /// The `id`/`unit_id` value, if that column exists.
    pub id: Option<String>,
    /// The text.
    pub text: String,
    /// Level from a `level` column.
    pub level: Option<Level>,
    /// Province from a `province` column.
    pub province: Option<&'static Province>,
    /// Year from a `year` column.
    pub year: Option<i32>,
    /// Every cell, in header order (carried through to `units.csv`).
    pub cells: Vec<String>,
}

/// A reader over the file's bytes, and the index that numbers its lines (LF or CRLF).
fn reader(
    path: &Path,
    delimiter: u8,
) -> Result<(csv::Reader<std::io::Cursor<Vec<u8>>>, LineIndex)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let lines = LineIndex::new(&bytes);
    let r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .quoting(delimiter != b'\t')
        .from_reader(std::io::Cursor::new(bytes));
    Ok((r, lines))
}

impl UnitsFile {
    /// Opens and validates `path`. TSV when the extension is `.tsv`/`.tab` or the header
    /// holds a tab; CSV otherwise. `text_column` names the column holding the text.
    pub fn open(path: &Path, text_column: &str) -> Result<UnitsFile> {
        let shown = path.display().to_string();
        let first = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let header_line = first.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let delimiter = crate::util::sheet::delimiter_of(path, header_line);
        if std::str::from_utf8(&first).is_err() {
            return Err(Error::csv(
                &shown,
                0,
                "",
                "not UTF-8 text; save the file as UTF-8",
            ));
        }
        if delimiter != b'\t' {
            crate::util::csv::check_quotes(&first, delimiter, &shown)?;
        }
        let (mut r, _) = reader(path, delimiter)?;
        let headers: Vec<String> = r
            .headers()
            .map_err(|e| Error::csv(&shown, 1, "", e.to_string()))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{FEFF}').to_string())
            .collect();
        let col = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        };
        let text_col = col(&[text_column]).ok_or_else(|| {
            Error::csv(
                &shown,
                1,
                text_column,
                format!(
                    "no `{text_column}` column (columns: {}); choose one with --text-column",
                    headers.join(", ")
                ),
            )
        })?;
        let mut f = UnitsFile {
            path: path.to_path_buf(),
            delimiter,
            id_col: col(&["unit_id", "id"]),
            level_col: col(&["level"]),
            province_col: col(&["province"]),
            year_col: col(&["year"]),
            headers,
            text_col,
            rows: 0,
        };
        let mut rows = 0;
        for row in f.iter()? {
            row?;
            rows += 1;
        }
        f.rows = rows;
        Ok(f)
    }

    /// Iterates over the rows, validating each.
    pub fn iter(&self) -> Result<impl Iterator<Item = Result<UnitRow>> + '_> {
        let shown = self.path.display().to_string();
        let (r, lines) = reader(&self.path, self.delimiter)?;
        Ok(r.into_records().enumerate().map(move |(i, rec)| {
            let rec = rec.map_err(|e| crate::util::sheet::record_error(&e, &lines, i, &shown))?;
            let line = lines.of(rec.position(), i + 2);
            let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
            let level = Level::parse(cell(self.level_col))
                .map_err(|m| Error::csv(&shown, line, "level", m))?;
            let p = cell(self.province_col);
            // `national` is what units.csv writes for central documents: no province.
            let province = if p.is_empty()
                || p.eq_ignore_ascii_case("unknown")
                || p.eq_ignore_ascii_case(crate::geo::region::NATIONAL)
            {
                None
            } else {
                Some(province::lookup_place(p).ok_or_else(|| {
                    Error::csv(&shown, line, "province", format!("unknown province `{p}`"))
                })?)
            };
            let y = cell(self.year_col);
            let year = if y.is_empty() || y.eq_ignore_ascii_case("unknown") {
                None
            } else {
                Some(y.parse::<i32>().map_err(|_| {
                    Error::csv(&shown, line, "year", format!("`{y}` is not a year"))
                })?)
            };
            Ok(UnitRow {
                line,
                id: self
                    .id_col
                    .map(|c| rec.get(c).unwrap_or("").trim().to_string()),
                text: rec.get(self.text_col).unwrap_or("").to_string(),
                level,
                province,
                year,
                cells: rec.iter().map(String::from).collect(),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_and_csv_with_carried_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.tsv");
        std::fs::write(
            &p,
            "id\tcategories\ttext\nd1\tfiscal_support\t给予补贴。\nd2\tnone\t各省:\n",
        )
        .unwrap();
        let f = UnitsFile::open(&p, "text").unwrap();
        assert_eq!(f.rows, 2);
        let rows: Vec<_> = f.iter().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].id.as_deref(), Some("d1"));
        assert_eq!(rows[1].text, "各省:");
        assert_eq!(rows[1].cells, ["d2", "none", "各省:"]);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("u.csv");
        std::fs::write(&p, "id,body\n1,x\n").unwrap();
        let e = UnitsFile::open(&p, "text").unwrap_err().to_string();
        assert!(e.contains("u.csv:1: text: no `text` column"), "{e}");
        std::fs::write(&p, "id,text\n1,ok\n2,bad,extra\n").unwrap();
        let e = UnitsFile::open(&p, "text").unwrap_err().to_string();
        assert!(
            e.contains("u.csv:3") && e.contains("3 fields, the header has 2"),
            "{e}"
        );
        std::fs::write(&p, "id,text,province\n1,ok,Narnia\n").unwrap();
        let e = UnitsFile::open(&p, "text").unwrap_err().to_string();
        assert!(
            e.contains("u.csv:2: province: unknown province `Narnia`"),
            "{e}"
        );
    }
}
