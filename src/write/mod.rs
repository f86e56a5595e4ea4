//! Stage 7, write: records and tables → files (units.csv, documents.csv, share tables in
//! CSV and Markdown, SVG charts, the HTML report, the Excel workbook), into an output
//! folder written as one transaction.

pub mod html;
pub mod outdir;
pub mod svg;
pub mod tabular;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::report::tables::Table;
use std::path::Path;

/// Writes every report of a run into `dir` beside its `units.csv` and `documents.csv`:
/// the share tables as CSV, `summary.json` and `report.md` ([`tabular::write_tables`]), the
/// SVG charts and `report.html`. Returns the tables, for the workbook.
pub fn write_reports(dir: &Path, report: &tabular::Report) -> Result<Vec<Table>> {
    let tables = tabular::write_tables(dir, report)?;
    let charts = svg::all(report.agg, report.cb);
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|e| Error::io(&chart_dir, e))?;
    for (name, chart) in &charts {
        let path = chart_dir.join(name);
        std::fs::write(&path, chart).map_err(|e| Error::io(&path, e))?;
    }
    let path = dir.join("report.html");
    let page = html::report_html(report, &tables, &charts, &dir.join("units.csv"));
    std::fs::write(&path, page).map_err(|e| Error::io(&path, e))?;
    Ok(tables)
}
