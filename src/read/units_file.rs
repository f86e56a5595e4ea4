//! Pre-segmented units from a CSV/TSV file (one unit per row), e.g. clauses exported
//! from Excel or NVivo. The whole file is validated before anything is coded.

use crate::error::{Error, Result};
use crate::geo::level::Level;
use crate::geo::province::{self, Province};
use crate::util::sheet::SheetReader;
use std::path::{Path, PathBuf};

/// A validated units file.
#[derive(Debug, Clone)]
pub struct UnitsFile {
    /// The file.
    pub path: PathBuf,
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

impl UnitsFile {
    /// Opens and validates `path`, read by [`SheetReader`] (TSV when the extension is
    /// `.tsv`/`.tab` or the header holds a tab; quoted fields may span lines; any encoding
    /// it detects). `text_column` names the column holding the text. The rows are streamed
    /// twice, here to validate them and by [`UnitsFile::iter`] to code them, so that a
    /// large file is never held whole.
    pub fn open(path: &Path, text_column: &str) -> Result<UnitsFile> {
        let r = SheetReader::open(path)?;
        let text_col = r.require(&[text_column], "; choose one with --text-column")?;
        let mut f = UnitsFile {
            path: path.to_path_buf(),
            id_col: r.col(&["unit_id", "id"]),
            level_col: r.col(&["level"]),
            province_col: r.col(&["province"]),
            year_col: r.col(&["year"]),
            headers: r.headers().to_vec(),
            text_col,
            rows: 0,
        };
        let mut rows = 0;
        for row in f.rows(r) {
            row?;
            rows += 1;
        }
        f.rows = rows;
        Ok(f)
    }

    /// Iterates over the rows, validating each.
    pub fn iter(&self) -> Result<impl Iterator<Item = Result<UnitRow>> + '_> {
        Ok(self.rows(SheetReader::open(&self.path)?))
    }

    fn rows(&self, r: SheetReader) -> impl Iterator<Item = Result<UnitRow>> + '_ {
        let shown = r.path().to_string();
        r.map(move |row| {
            let row = row?;
            let line = row.line;
            let cell = |c: Option<usize>| row.opt(c).trim();
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
                id: self.id_col.map(|c| row.get(c).trim().to_string()),
                text: row.get(self.text_col).to_string(),
                level,
                province,
                year,
                cells: row.cells.iter().map(String::from).collect(),
            })
        })
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
    #[test]
    fn quoted_multi_line_tsv_and_gb18030() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.tsv");
        std::fs::write(
            &p,
            "id\ttext\n1\t\"Article 1.\n\nThe state \"\"supports\"\" returning migrants.\"\n2\tplain\n",
        )
        .unwrap();
        let f = UnitsFile::open(&p, "Text").unwrap();
        let rows: Vec<_> = f.iter().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(f.rows, 2);
        assert_eq!(
            rows[0].text,
            "Article 1.\n\nThe state \"supports\" returning migrants."
        );
        assert_eq!((rows[1].line, rows[1].text.as_str()), (5, "plain"));
        let g = dir.path().join("g.csv");
        let gb = encoding_rs::GB18030
            .encode("编号,text\n1,给予补贴。\n")
            .0
            .into_owned();
        std::fs::write(&g, gb).unwrap();
        let f = UnitsFile::open(&g, "text").unwrap();
        let rows: Vec<_> = f.iter().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].text, "给予补贴。");
    }
}
