//! `report.xlsx`: one sheet per report table and a sheet of the coded units.
//!
//! Percentages are stored as numbers formatted `0.00%` (so Excel can compute with them),
//! counts as numbers, the header row bold and frozen, columns sized to their content.

use crate::error::{Error, Result};
use crate::tables::{Cell, Table};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Rows of `units.csv` copied into the workbook; beyond this the sheet says where the rest is.
pub const MAX_UNIT_ROWS: usize = 200_000;

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    clean.chars().take(31).collect()
}

/// Display width of a text in Excel column units (CJK characters count double).
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c as u32 >= 0x1100 { 2.0 } else { 1.0 })
        .sum()
}

struct Formats {
    header: Format,
    pct: Format,
    num: [Format; 4],
    p: [Format; 2],
}

fn write_table(ws: &mut Worksheet, t: &Table, f: &Formats) -> std::result::Result<(), XlsxError> {
    ws.set_name(sheet_name(&t.id))?;
    let mut widths: Vec<f64> = t.headers.iter().map(|h| width(h) + 2.0).collect();
    for (j, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, h, &f.header)?;
    }
    for (i, row) in t.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (j, cell) in row.iter().enumerate() {
            let c = j as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                Cell::Pct(x) => {
                    ws.write_number_with_format(r, c, x / 100.0, &f.pct)?;
                }
                Cell::Num(x, d) if x.is_finite() => {
                    ws.write_number_with_format(r, c, *x, &f.num[(*d as usize).min(3)])?;
                }
                Cell::P(p) if p.is_finite() => {
                    let small = usize::from(*p < 0.0001 && *p > 0.0);
                    ws.write_number_with_format(r, c, *p, &f.p[small])?;
                }
                _ => {}
            }
            if let Some(w) = widths.get_mut(j) {
                *w = w.max(width(&cell.render()) + 1.0);
            }
        }
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, w.min(60.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !t.note.is_empty() {
        // The note goes two rows below the table, where a reader sees it.
        ws.write_string(t.rows.len() as u32 + 2, 0, &t.note)?;
    }
    Ok(())
}

fn write_units(
    ws: &mut Worksheet,
    units_csv: &Path,
    f: &Formats,
) -> std::result::Result<Option<String>, XlsxError> {
    ws.set_name("units")?;
    let Ok(mut rdr) = csv::Reader::from_path(units_csv) else {
        return Ok(Some(format!("{} could not be read", units_csv.display())));
    };
    let headers = rdr.headers().cloned().unwrap_or_default();
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, h, &f.header)?;
        let w = match h {
            "text" => 80.0,
            "evidence" => 40.0,
            "file" | "concepts" | "categories" => 28.0,
            _ => width(h) + 4.0,
        };
        ws.set_column_width(j as u16, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (n, rec) in rdr.records().enumerate() {
        let Ok(rec) = rec else { break };
        if n == MAX_UNIT_ROWS {
            return Ok(Some(format!(
                "only the first {MAX_UNIT_ROWS} units are in this sheet; all are in units.csv"
            )));
        }
        for (j, v) in rec.iter().enumerate() {
            // Excel cells hold at most 32,767 characters.
            let v: String = v.chars().take(32_767).collect();
            ws.write_string(n as u32 + 1, j as u16, v)?;
        }
    }
    Ok(None)
}

/// Writes `report.xlsx` at `path`: the report's tables, then the units from `units_csv`.
pub fn write_workbook(path: &Path, tables: &[Table], units_csv: &Path) -> Result<()> {
    let xerr =
        |e: XlsxError| Error::Usage(format!("{}: cannot write workbook: {e}", path.display()));
    let f = Formats {
        header: Format::new().set_bold().set_background_color(0xD9E1F2),
        pct: Format::new().set_num_format("0.00%"),
        num: [
            Format::new().set_num_format("0"),
            Format::new().set_num_format("0.0"),
            Format::new().set_num_format("0.00"),
            Format::new().set_num_format("0.000"),
        ],
        p: [
            Format::new().set_num_format("0.0000"),
            Format::new().set_num_format("0.00E+00"),
        ],
    };
    let mut wb = Workbook::new();
    // A fixed creation date keeps the file byte-identical across runs.
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("policy-coder")
            .set_title("policy-coder report"),
    );
    for t in tables {
        write_table(wb.add_worksheet(), t, &f).map_err(xerr)?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
    if let Some(note) = write_units(ws, units_csv, &f).map_err(xerr)? {
        let info = wb.add_worksheet();
        info.set_name("notes").map_err(xerr)?;
        info.write_string(0, 0, note).map_err(xerr)?;
    }
    wb.save(path).map_err(xerr)
}
