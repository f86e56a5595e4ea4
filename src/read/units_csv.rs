//! Reading back the `units.csv` that `code` writes: one reader for every command that
//! takes one (diffusion, the HTML report, evaluate, `agree --machine`, `sample`), its
//! columns named by [`UnitCol`], the schema the writer writes, so that a renamed column is
//! renamed for writer and readers at once. The file is read by [`SheetReader`] (encoding,
//! BOM, quoting, errors with file and line) and streamed row by row.

use crate::error::Result;
use crate::schema::{UnitCol, UNIT_COLUMNS};
use crate::util::sheet::{Row, SheetReader};
use std::path::Path;

/// What a missing column's message adds.
const HINT: &str = "; is this a units.csv written by `policy-coder code`?";

/// A `units.csv` opened for reading, its fixed columns located.
#[derive(Debug)]
pub struct UnitsCsv {
    r: SheetReader,
    cols: [Option<usize>; UNIT_COLUMNS.len()],
}

impl UnitsCsv {
    /// Opens `path` and finds the fixed columns (any may be missing: see
    /// [`UnitsCsv::require`]).
    pub fn open(path: &Path) -> Result<UnitsCsv> {
        let r = SheetReader::open(path)?;
        let cols = std::array::from_fn(|i| r.col(&[UNIT_COLUMNS[i]]));
        Ok(UnitsCsv { r, cols })
    }

    /// Opens `path` and checks that it has every column of `need`.
    pub fn open_with(path: &Path, need: &[UnitCol]) -> Result<UnitsCsv> {
        let u = UnitsCsv::open(path)?;
        u.require(need)?;
        Ok(u)
    }

    /// An error naming the first column of `need` the file lacks.
    pub fn require(&self, need: &[UnitCol]) -> Result<()> {
        for &c in need {
            if self.col(c).is_none() {
                self.r.require(&[c.name()], HINT)?;
            }
        }
        Ok(())
    }

    /// The index of a fixed column, when the file has it.
    pub fn col(&self, c: UnitCol) -> Option<usize> {
        self.cols[c as usize]
    }

    /// The index of any other column (a codebook dimension, a carried input column).
    pub fn other(&self, name: &str) -> Option<usize> {
        self.r.col(&[name])
    }

    /// The file, as messages show it.
    pub fn path(&self) -> &str {
        self.r.path()
    }

    /// The underlying reader (headers, errors about a field).
    pub fn sheet(&self) -> &SheetReader {
        &self.r
    }

    /// Reads the next unit into `row`; `false` at the end.
    pub fn read(&mut self, row: &mut Row) -> Result<bool> {
        self.r.read_row(row)
    }

    /// The cell of fixed column `c` in `row` (empty when the file lacks the column).
    pub fn get<'a>(&self, row: &'a Row, c: UnitCol) -> &'a str {
        row.opt(self.col(c))
    }

    /// Whether `row` is boilerplate (left out of shares).
    pub fn is_boilerplate(&self, row: &Row) -> bool {
        self.get(row, UnitCol::Boilerplate) == "true"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_come_from_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("units.csv");
        let mut header: Vec<&str> = UNIT_COLUMNS.to_vec();
        header.push("fiscal");
        let mut text = String::from("\u{FEFF}");
        text.push_str(&header.join(","));
        text.push('\n');
        let mut cells: Vec<String> = UNIT_COLUMNS.iter().map(|c| format!("v_{c}")).collect();
        cells[UnitCol::Text as usize] = "\"two\nlines, quoted\"".into();
        cells[UnitCol::Boilerplate as usize] = "true".into();
        cells.push("x".into());
        text.push_str(&cells.join(","));
        text.push('\n');
        std::fs::write(&p, text).unwrap();
        let mut u = UnitsCsv::open_with(&p, &[UnitCol::File, UnitCol::Categories]).unwrap();
        assert_eq!(u.other("fiscal"), Some(UNIT_COLUMNS.len()));
        let mut row = Row::default();
        assert!(u.read(&mut row).unwrap());
        assert_eq!(row.line, 2);
        assert_eq!(u.get(&row, UnitCol::Text), "two\nlines, quoted");
        assert_eq!(u.get(&row, UnitCol::Categories), "v_categories");
        assert!(u.is_boilerplate(&row));
        assert!(!u.read(&mut row).unwrap());

        std::fs::write(&p, "unit_id,text\n1,x\n").unwrap();
        let e = UnitsCsv::open_with(&p, &[UnitCol::UnitId, UnitCol::Start])
            .unwrap_err()
            .to_string();
        assert!(e.contains("units.csv:1: start: no `start` column"), "{e}");
    }
}
