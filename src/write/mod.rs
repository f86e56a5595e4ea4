//! Stage 7, write: records and tables → files (units.csv, documents.csv, share tables in
//! CSV and Markdown, SVG charts, the HTML report, the Excel workbook), into an output
//! folder written as one transaction.

pub mod html;
pub mod outdir;
pub mod run_units;
pub mod svg;
pub mod tabular;
pub mod written_unit;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::report::tables::Table;
use std::path::Path;

/// Writes every report of a run into `dir` beside its `units.csv` and `documents.csv`:
/// the share tables as CSV, `summary.json` and `report.md` ([`tabular::write_tables`]), the
/// SVG charts and `report.html`, whose units come from `units` (gathered as `units.csv` was
/// written). `more` runs after all but `report.html` (it may add to `report.md` and the
/// charts) and gives further tables and a section for the page. Returns the tables and
/// `more`'s, for the workbook.
pub fn write_reports(
    dir: &Path,
    report: &tabular::Report,
    units: run_units::RunUnits,
    more: impl FnOnce(&run_units::FirstUnits) -> Result<(Vec<Table>, Option<html::Section>)>,
) -> Result<Vec<Table>> {
    let mut tables = tabular::write_tables(dir, report)?;
    let charts = svg::all(report.agg, report.cb);
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|e| Error::io(&chart_dir, e))?;
    for (name, chart) in &charts {
        let path = chart_dir.join(name);
        std::fs::write(&path, chart).map_err(|e| Error::io(&path, e))?;
    }
    let run_units::RunUnits {
        html: units,
        firsts,
    } = units;
    let (more_tables, section) = more(&firsts)?;
    drop(firsts);
    let path = dir.join("report.html");
    html::write_report(&path, report, &tables, &charts, units, section.as_ref())?;
    tables.extend(more_tables);
    Ok(tables)
}
