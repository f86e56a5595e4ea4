//! Stage 7, write: records and tables → files (units.csv, documents.csv, share tables in
//! CSV and Markdown, SVG charts, the HTML report, the Excel workbook), into an output
//! folder written as one transaction.

pub mod html;
pub mod outdir;
pub mod svg;
pub mod tabular;
pub mod xlsx;
