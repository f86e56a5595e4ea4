//! `report.xlsx`: one sheet per report table and a sheet of the coded units.
//!
//! Percentages are stored as numbers formatted `0.00%` (so Excel can compute with them),
//! exactly the 2-decimal value the CSV shows (47.48 % is stored as 0.4748); counts and
//! years as numbers; ids (`doc_id`, `unit_id`, codes) always as text; the header row bold
//! and frozen, columns sized to their content. A `summary` sheet opens the workbook and a
//! `documents` sheet copies `documents.csv`.

use crate::error::{Error, Result};
use crate::report::tables::{Cell, Table};
use crate::schema::{DocCol, UnitCol};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Rows of `units.csv` copied into the workbook; beyond this the sheet says where the rest is.
pub const MAX_UNIT_ROWS: usize = 200_000;

/// Excel's limit on the characters of a cell; longer cells are cut and counted in the
/// `notes` sheet.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Columns of `units.csv` and `documents.csv` stored as numbers when they hold one;
/// every other column (ids included) is text.
const NUMERIC_COLUMNS: [&str; 5] = [
    UnitCol::Year.name(),
    UnitCol::Start.name(),
    UnitCol::End.name(),
    DocCol::Units.name(),
    DocCol::CodedUnits.name(),
];

/// A percentage (0–100) as the fraction Excel stores, equal to its 2-decimal rendering
/// without float noise: `47.48` → `0.4748`, not `0.47479999999999994`.
fn pct_fraction(x: f64) -> f64 {
    let hundredths: f64 = format!("{x:.2}")
        .replace('.', "")
        .parse()
        .unwrap_or(x * 100.0);
    hundredths / 10_000.0
}

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
                Cell::Pct(x) if x.is_finite() => {
                    ws.write_number_with_format(r, c, pct_fraction(*x), &f.pct)?;
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

/// Copies a CSV file of ours into `ws` (numbers in [`NUMERIC_COLUMNS`] as numbers, the
/// rest as text); returns notes for the reader: rows left out, cells cut.
fn write_csv_sheet(
    ws: &mut Worksheet,
    name: &str,
    csv_path: &Path,
    max_rows: usize,
    f: &Formats,
) -> std::result::Result<Vec<String>, XlsxError> {
    ws.set_name(name)?;
    let file = csv_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(rdr) = crate::util::sheet::SheetReader::open(csv_path) else {
        return Ok(vec![format!("{} could not be read", csv_path.display())]);
    };
    let headers = rdr.headers().to_vec();
    let numeric: Vec<bool> = headers
        .iter()
        .map(|h| NUMERIC_COLUMNS.contains(&h.as_str()))
        .collect();
    for (j, h) in headers.iter().enumerate() {
        let h = h.as_str();
        ws.write_string_with_format(0, j as u16, h, &f.header)?;
        let w = match h {
            "text" => 80.0,
            "evidence" | "title" => 40.0,
            "file" | "concepts" | "categories" | "reason" => 28.0,
            _ => width(h) + 4.0,
        };
        ws.set_column_width(j as u16, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut notes = Vec::new();
    let mut cut = 0usize;
    for (n, rec) in rdr.enumerate() {
        let Ok(rec) = rec else { break };
        let rec = rec.cells;
        if n == max_rows {
            notes.push(format!(
                "{name}: only the first {max_rows} rows are in this sheet; all are in {file}"
            ));
            break;
        }
        let r = n as u32 + 1;
        for (j, v) in rec.iter().enumerate() {
            let c = j as u16;
            if numeric.get(j) == Some(&true) {
                if let Ok(x) = v.parse::<f64>() {
                    ws.write_number(r, c, x)?;
                    continue;
                }
            }
            if v.len() > MAX_CELL_CHARS && v.chars().nth(MAX_CELL_CHARS).is_some() {
                cut += 1;
                let v: String = v.chars().take(MAX_CELL_CHARS).collect();
                ws.write_string(r, c, v)?;
            } else {
                ws.write_string(r, c, v)?;
            }
        }
    }
    if cut > 0 {
        notes.push(format!(
            "{name}: {cut} cells were cut at {MAX_CELL_CHARS} characters (Excel's limit for a cell); the full text is in {file}"
        ));
    }
    Ok(notes)
}

/// The `summary` sheet: the run's counts from `summary.json` (beside `units.csv`), as
/// numbers, with the codebook and settings as text.
fn write_summary(
    ws: &mut Worksheet,
    summary_json: &Path,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    ws.set_name("summary")?;
    ws.write_string_with_format(0, 0, "item", &f.header)?;
    ws.write_string_with_format(0, 1, "value", &f.header)?;
    ws.set_column_width(0, 28.0)?;
    ws.set_column_width(1, 40.0)?;
    let json: serde_json::Value = std::fs::read_to_string(summary_json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut rows: Vec<(String, serde_json::Value)> = Vec::new();
    if let Some(v) = json.get("tool") {
        rows.push(("tool".into(), v.clone()));
    }
    for section in ["codebook", "settings", "files"] {
        if let Some(obj) = json.get(section).and_then(|v| v.as_object()) {
            for (k, v) in obj {
                if v.is_string() || v.is_number() {
                    rows.push((format!("{section}.{k}"), v.clone()));
                }
            }
        }
    }
    for k in [
        "documents",
        "units",
        "body_units",
        "coded_units",
        "references",
    ] {
        if let Some(v) = json.get(k) {
            rows.push((k.into(), v.clone()));
        }
    }
    for (i, (k, v)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, k)?;
        match v {
            serde_json::Value::Number(n) => {
                ws.write_number(r, 1, n.as_f64().unwrap_or(0.0))?;
            }
            other => {
                ws.write_string(r, 1, other.as_str().unwrap_or_default())?;
            }
        }
    }
    Ok(())
}

/// Writes `report.xlsx` at `path`: a summary sheet (from `summary.json` beside
/// `units_csv`), the report's tables, the documents (`documents.csv` beside it), then the
/// units from `units_csv`, and a `notes` sheet when rows were left out or cells cut.
pub fn write_workbook(path: &Path, tables: &[Table], units_csv: &Path) -> Result<()> {
    let xerr = |e: XlsxError| Error::Write {
        path: path.display().to_string(),
        message: format!("cannot write workbook: {e}"),
    };
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
    let beside = |name: &str| units_csv.with_file_name(name);
    write_summary(wb.add_worksheet(), &beside("summary.json"), &f).map_err(xerr)?;
    for t in tables {
        write_table(wb.add_worksheet(), t, &f).map_err(xerr)?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
    let mut notes = write_csv_sheet(ws, "documents", &beside("documents.csv"), MAX_UNIT_ROWS, &f)
        .map_err(xerr)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
    notes.extend(write_csv_sheet(ws, "units", units_csv, MAX_UNIT_ROWS, &f).map_err(xerr)?);
    if !notes.is_empty() {
        let info = wb.add_worksheet();
        info.set_name("notes").map_err(xerr)?;
        for (i, note) in notes.iter().enumerate() {
            info.write_string(i as u32, 0, note).map_err(xerr)?;
        }
    }
    wb.save(path).map_err(xerr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_stored_without_float_noise() {
        assert_eq!(pct_fraction(47.48).to_string(), "0.4748");
        assert_eq!(pct_fraction(100.0).to_string(), "1");
        assert_eq!(pct_fraction(2.56).to_string(), "0.0256");
        assert_eq!(pct_fraction(27.451).to_string(), "0.2745");
    }
}
