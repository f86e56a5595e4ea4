//! Writing results: `units.csv`, `documents.csv`, the share tables, `report.md` and
//! `summary.json`. Everything is written in a fixed order so that the same input gives
//! the same bytes.

use crate::code::unit::{Code, CodedUnit, Evidence};
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::report::tables::{self, md_cell, Cell, Table};
use crate::schema::{UnitCol, UNIT_COLUMNS};
use crate::tally::aggregate::{Aggregator, Dim, GroupKeys, ShareRow};
use crate::tally::keywords::Keywords;
use crate::write::run_units::RunUnits;
use crate::write::written_unit::WrittenUnit;
use serde::Serialize;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What became of an input file, the `status` column of `documents.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocStatus {
    /// Read, segmented and coded.
    Coded,
    /// Not read or not coded; `reason` says why.
    #[default]
    Skipped,
    /// The folder's `metadata.csv`.
    Manifest,
    /// Left out by an `--exclude` pattern.
    Excluded,
}

impl DocStatus {
    /// The name written in `documents.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Coded => "coded",
            DocStatus::Skipped => "skipped",
            DocStatus::Manifest => "manifest",
            DocStatus::Excluded => "excluded",
        }
    }
}

/// One row of `documents.csv`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocRecord {
    /// Path relative to the input folder.
    pub file: String,
    /// What became of the file.
    pub status: DocStatus,
    /// Why it was skipped or excluded.
    pub reason: String,
    /// Encoding used.
    pub encoding: String,
    /// Language.
    pub lang: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: String,
    /// Province id.
    pub province: String,
    /// Region id.
    pub region: String,
    /// Year.
    pub year: String,
    /// Units.
    pub units: usize,
    /// Body units with at least one category.
    pub coded_units: usize,
    /// The document's key, the first part of its unit ids ([`crate::util::docid`]; empty when
    /// not read).
    pub doc_id: String,
    /// Province, Chinese short name.
    pub province_zh: String,
    /// Issuer.
    pub issuer: String,
    /// Document number.
    pub doc_number: String,
    /// Date in ISO 8601 (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when partial); empty when
    /// the date as written is not one [`crate::util::dates::iso_date`] reads.
    pub date: String,
    /// Date as written in the document or manifest.
    pub date_original: String,
    /// Where each metadata field came from.
    pub metadata_sources: String,
    /// How far the evidence for level, province and year agrees (`level=high;year=low`).
    pub metadata_confidence: String,
    /// The competing candidates of fields whose evidence disagrees
    /// (`year=2017(date)|2015(doc_number)`), empty when it all agrees.
    pub metadata_candidates: String,
    /// The source address of a database export (PKULaw's 原文链接).
    pub source_url: String,
    /// The PKULaw citation code (CLI.…).
    pub pkulaw_id: String,
}

/// A buffered file, or a sink for the empty path (runs that keep no records).
fn open(path: &Path) -> Result<Box<dyn Write + Send>> {
    if path.as_os_str().is_empty() {
        return Ok(Box::new(std::io::sink()));
    }
    let f = File::create(path).map_err(|e| Error::io(path, e))?;
    // units.csv is about twice the size of the corpus: with the default 8 KB buffer that
    // is a write call per 8 KB (50,000 for a 200 MB corpus).
    Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
}

/// Streams `units.csv`: the one place where a [`CodedUnit`] becomes text.
pub struct UnitsWriter<'c> {
    w: Box<dyn Write + Send>,
    path: PathBuf,
    cb: &'c Codebook,
    /// The row being encoded.
    row: Vec<u8>,
    /// The row's formatted cells, reused from row to row.
    cells: Cells,
    /// Number of codebook dimension columns.
    n_dimensions: usize,
    /// The model's `source` and `confidence` columns are written.
    model: bool,
    /// Cells made safe for spreadsheets (`--excel-safe`).
    safe: bool,
    /// What the reports take from the rows as they are written.
    tap: Option<RunUnits>,
}

/// The cells of a unit row that are formatted rather than borrowed.
#[derive(Default)]
struct Cells {
    start: String,
    end: String,
    concepts: String,
    categories: String,
    cores: String,
    evidence: String,
    withheld: String,
    dimensions: Vec<String>,
    confidence: String,
}

/// Appends `n` in decimal, as `{}` formats it (without the formatting machinery, which
/// costs more than the digits: a row of `units.csv` has two offsets and two per evidence).
fn push_usize(out: &mut String, n: usize) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Writes `ids` into `out`, `;`-joined.
fn join_into<'a>(out: &mut String, ids: impl IntoIterator<Item = &'a str>) {
    out.clear();
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(id);
    }
}

/// Writes `items` into `out` as `concept:term@start-end`, `;`-joined (character offsets in
/// the original text); a dimension value is named `dimension.value`
/// (`stage.startup:初创@3-5`). A `;` or line break in a term becomes a space.
fn evidence_into(out: &mut String, cb: &Codebook, u: &CodedUnit, items: &[Evidence]) {
    out.clear();
    for e in items {
        if !out.is_empty() {
            out.push(';');
        }
        match e.code {
            Code::Concept(c) => out.push_str(&cb.concepts[c].id),
            Code::DimensionValue(v) => {
                let v = &cb.dimension_values[v];
                out.push_str(&cb.dimensions[v.dimension].id);
                out.push('.');
                out.push_str(&v.id);
            }
        }
        out.push(':');
        let t = u.term(e);
        if t.contains([';', '\n']) {
            out.push_str(&t.replace([';', '\n'], " "));
        } else {
            out.push_str(t);
        }
        out.push('@');
        push_usize(out, e.start);
        out.push('-');
        push_usize(out, e.end);
    }
}

/// A model's probability as written in `units.csv` and `review.csv`.
fn confidence_into(out: &mut String, c: Option<f64>) {
    out.clear();
    if let Some(c) = c {
        let _ = write!(out, "{c:.3}");
    }
}

/// A row's fixed cells (in the order of [`UNIT_COLUMNS`]) as the tap sees them.
fn written_unit<'a>(c: &[&'a str]) -> WrittenUnit<'a> {
    let get = |col: UnitCol| c[col as usize];
    WrittenUnit {
        unit_id: get(UnitCol::UnitId),
        file: get(UnitCol::File),
        level: get(UnitCol::Level),
        province: get(UnitCol::Province),
        region: get(UnitCol::Region),
        year: get(UnitCol::Year),
        boilerplate: get(UnitCol::Boilerplate),
        text: get(UnitCol::Text),
        categories: get(UnitCol::Categories),
        evidence: get(UnitCol::Evidence),
        start: get(UnitCol::Start),
    }
}

impl<'c> UnitsWriter<'c> {
    /// Creates the file and writes the header: the fixed columns, one per dimension of
    /// `cb`, then `carried` (input columns), then `source` and `confidence` when `model`.
    pub fn create(path: &Path, cb: &'c Codebook, carried: &[String], model: bool) -> Result<Self> {
        let mut w = open(path)?;
        let mut row = crate::util::csv::bom().to_vec();
        let header = UNIT_COLUMNS
            .into_iter()
            .chain(cb.dimensions.iter().map(|d| d.id.as_str()))
            .chain(carried.iter().map(String::as_str))
            .chain(
                if model {
                    ["source", "confidence"].as_slice()
                } else {
                    &[]
                }
                .iter()
                .copied(),
            );
        crate::util::csv::push_row(&mut row, header);
        w.write_all(&row).map_err(|e| Error::io(path, e))?;
        Ok(UnitsWriter {
            w,
            path: path.to_path_buf(),
            cb,
            row,
            cells: Cells {
                dimensions: vec![String::new(); cb.dimensions.len()],
                ..Cells::default()
            },
            n_dimensions: cb.dimensions.len(),
            model,
            safe: crate::util::csv::style().excel_safe,
            tap: None,
        })
    }

    /// Gives every row written from now on to `tap` as well (see [`UnitsWriter::finish`]).
    pub fn with_tap(mut self, tap: RunUnits) -> Self {
        self.tap = Some(tap);
        self
    }

    /// Writes one row: `u`, in a document whose groups are `keys`.
    pub fn write(&mut self, keys: &GroupKeys, u: &CodedUnit) -> Result<()> {
        let UnitsWriter {
            w,
            path,
            cb,
            row,
            cells: c,
            n_dimensions,
            model,
            safe,
            tap,
        } = self;
        let cb = *cb;
        c.start.clear();
        c.end.clear();
        push_usize(&mut c.start, u.start);
        push_usize(&mut c.end, u.end);
        join_into(
            &mut c.concepts,
            u.concepts.iter().map(|&k| cb.concepts[k].id.as_str()),
        );
        join_into(
            &mut c.categories,
            u.categories.iter().map(|&k| cb.categories[k].id.as_str()),
        );
        join_into(
            &mut c.cores,
            u.cores.iter().map(|&k| cb.cores[k].id.as_str()),
        );
        evidence_into(&mut c.evidence, cb, u, &u.evidence);
        evidence_into(&mut c.withheld, cb, u, &u.withheld);
        for (d, cell) in c.dimensions.iter_mut().enumerate() {
            join_into(
                cell,
                u.dimension_values
                    .iter()
                    .map(|&v| &cb.dimension_values[v])
                    .filter(|v| v.dimension == d)
                    .map(|v| v.id.as_str()),
            );
        }
        let fixed: [&str; 20] = [
            &u.doc_id,
            &u.unit_id,
            &u.file,
            &keys.level,
            &keys.province,
            &keys.region,
            &keys.year,
            u.lang.as_str(),
            if u.is_boilerplate() { "true" } else { "false" },
            u.text.as_str(),
            &c.concepts,
            &c.categories,
            &c.cores,
            &c.evidence,
            u.kind.as_str(),
            u.role.as_str(),
            &u.section,
            &c.start,
            &c.end,
            &c.withheld,
        ];
        confidence_into(&mut c.confidence, u.confidence);
        let model_cells = [u.source.map_or("", |s| s.as_str()), c.confidence.as_str()];
        let source = &model_cells[..if *model { 2 } else { 0 }];
        // Encoded into one reused buffer: no per-row vector of the row's fields.
        let rest = c.dimensions[..*n_dimensions]
            .iter()
            .map(String::as_str)
            .chain(u.carried.iter().map(String::as_str))
            .chain(source.iter().copied());
        row.clear();
        if *safe {
            let cells: Vec<_> = fixed
                .into_iter()
                .chain(rest)
                .map(crate::util::csv::excel_safe_text)
                .collect();
            crate::util::csv::push_row(row, cells.iter().map(|c| &**c));
            if let Some(t) = tap {
                let c: Vec<&str> = cells[..fixed.len()].iter().map(|c| &**c).collect();
                t.add(&written_unit(&c), cb)?;
            }
        } else {
            crate::util::csv::push_row(row, fixed.into_iter().chain(rest));
            if let Some(t) = tap {
                t.add(&written_unit(&fixed), cb)?;
            }
        }
        w.write_all(row).map_err(|e| Error::io(path, e))
    }

    /// Flushes the file; returns the tap ([`UnitsWriter::with_tap`]).
    pub fn finish(mut self) -> Result<Option<RunUnits>> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.tap)
    }
}

/// Streams `review.csv`: units a human should check (rules and model disagree, or the
/// model coded the unit with low confidence).
pub struct ReviewWriter<'c> {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
    cb: &'c Codebook,
}

impl<'c> ReviewWriter<'c> {
    /// Creates the file and writes the header.
    pub fn create(path: &Path, cb: &'c Codebook) -> Result<Self> {
        let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut f = std::io::BufWriter::new(f);
        f.write_all(crate::util::csv::bom())
            .map_err(|e| Error::io(path, e))?;
        let mut w = csv::Writer::from_writer(f);
        w.write_record([
            "doc_id",
            "unit_id",
            "file",
            "reason",
            "rule_categories",
            "model_categories",
            "confidence",
            "text",
        ])
        .map_err(|e| Error::io(path, e.into()))?;
        Ok(ReviewWriter {
            w,
            path: path.to_path_buf(),
            cb,
        })
    }

    /// Writes the row of `u` when it has a [`CodedUnit::review`]; nothing otherwise.
    pub fn write(&mut self, u: &CodedUnit) -> Result<()> {
        let Some(r) = &u.review else { return Ok(()) };
        let mut rule = String::new();
        join_into(
            &mut rule,
            r.rule_categories
                .iter()
                .map(|&k| self.cb.categories[k].id.as_str()),
        );
        let mut confidence = String::new();
        confidence_into(&mut confidence, u.confidence);
        let row: [&str; 8] = [
            &u.doc_id,
            &u.unit_id,
            &u.file,
            r.reason.as_str(),
            &rule,
            &r.model_categories.join(";"),
            &confidence,
            u.text.as_str(),
        ];
        self.w
            .write_record(
                row.iter()
                    .map(|c| crate::util::csv::cell(c))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|c| c.as_bytes()),
            )
            .map_err(|e| Error::io(&self.path, e.into()))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// Streams `documents.csv`.
pub struct DocumentsWriter {
    /// Encodes a row (the header with the first) into `buf` before it is restyled and
    /// written.
    row: csv::Writer<SharedBuf>,
    buf: SharedBuf,
    w: Box<dyn Write + Send>,
    path: PathBuf,
    /// Rows written so far.
    rows: usize,
}

impl DocumentsWriter {
    /// Creates the file (the header is written with the first row, or by
    /// [`DocumentsWriter::finish`] when there is none).
    pub fn create(path: &Path) -> Result<Self> {
        let mut w = open(path)?;
        w.write_all(crate::util::csv::bom())
            .map_err(|e| Error::io(path, e))?;
        let buf = SharedBuf::default();
        Ok(DocumentsWriter {
            row: csv::Writer::from_writer(buf.clone()),
            buf,
            w,
            path: path.to_path_buf(),
            rows: 0,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, d: &DocRecord) -> Result<()> {
        self.row
            .serialize(d)
            .map_err(|e| Error::io(&self.path, e.into()))?;
        self.rows += 1;
        self.emit()
    }

    /// Writes what the row writer holds, restyled, to the file.
    fn emit(&mut self) -> Result<()> {
        let err = |e: std::io::Error| Error::io(&self.path, e);
        self.row.flush().map_err(err)?;
        let bytes = std::mem::take(&mut *self.buf.0.lock().unwrap_or_else(|e| e.into_inner()));
        self.w
            .write_all(&crate::util::csv::restyle(&bytes))
            .map_err(err)
    }

    /// Flushes the file. A run over a folder without documents still gets the header, so
    /// that the file reads back (as no documents) like any other.
    pub fn finish(mut self) -> Result<()> {
        if self.rows == 0 {
            self.row
                .write_record(crate::schema::DOC_COLUMNS)
                .map_err(|e| Error::io(&self.path, e.into()))?;
            self.emit()?;
        }
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// A byte buffer a `csv::Writer` writes into while its owner takes the bytes out.
#[derive(Clone, Default)]
struct SharedBuf(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fmt_pct(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

/// Counts of a run, for the report and the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunCounts {
    /// Files found under the inputs.
    pub files: usize,
    /// Files coded.
    pub coded: usize,
    /// Files skipped (with reasons in `documents.csv`), duplicates included.
    pub skipped: usize,
    /// Of the skipped: duplicates of an earlier file.
    pub duplicates: usize,
    /// Manifests read.
    pub manifests: usize,
    /// Files excluded by `--exclude`.
    pub excluded: usize,
    /// Coded documents whose level is unknown.
    pub unknown_level: usize,
    /// Coded local or unknown-level documents whose province is unknown.
    pub unknown_province: usize,
    /// Coded documents whose year is unknown.
    pub unknown_year: usize,
    /// Skipped files and reasons, in path order.
    pub skipped_files: Vec<(String, String)>,
    /// Coded files of which a part could not be read (a PDF page), and what, in path
    /// order (also the `reason` of their `documents.csv` row).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_files: Vec<(String, String)>,
    /// Warnings for the user (e.g. manifest rows that match no file); not in summary.json.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Settings recorded in the outputs.
#[derive(Debug, Clone, Serialize)]
pub struct RunSettings {
    /// Region scheme name.
    pub regions: String,
    /// Unit granularity.
    pub unit: String,
}

#[derive(Serialize)]
struct Summary<'a> {
    tool: String,
    codebook: CodebookInfo<'a>,
    settings: &'a RunSettings,
    files: &'a RunCounts,
    documents: u64,
    units: u64,
    body_units: u64,
    coded_units: u64,
    references: u64,
    groups: Vec<GroupSummary<'a>>,
    shares: Vec<ShareRow>,
}

#[derive(Serialize)]
struct CodebookInfo<'a> {
    id: &'a str,
    version: &'a str,
    hash: &'a str,
}

#[derive(Serialize)]
struct GroupSummary<'a> {
    dimension: Dim,
    group: &'a str,
    documents: u64,
    units: u64,
    body_units: u64,
    coded_units: u64,
    references: u64,
}

/// Everything the reports are made from.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    /// References per group.
    pub agg: &'a Aggregator,
    /// Words per group.
    pub keywords: &'a Keywords,
    /// The codebook.
    pub cb: &'a Codebook,
    /// File counts.
    pub counts: &'a RunCounts,
    /// Settings.
    pub settings: &'a RunSettings,
    /// Words per group in keyword tables.
    pub top: usize,
}

/// File stem of the share table of `dim` (`shares_overall`, `shares_by_level`, …).
pub fn shares_id(dim: Dim) -> String {
    format!(
        "shares_{}{}",
        if dim == Dim::Overall { "" } else { "by_" },
        dim.as_str()
    )
}

impl Report<'_> {
    /// A share table as a [`Table`].
    pub fn shares_table(&self, dim: Dim) -> Table {
        let title = match dim {
            Dim::Overall => "Instrument shares, all documents".to_string(),
            d => format!("Instrument shares by {}", d.as_str()),
        };
        let headers = [
            "group",
            "core",
            "core_zh",
            "core_en",
            "category",
            "category_zh",
            "category_en",
            "references",
            "share_pct",
            "share_in_core_pct",
        ];
        let pct = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Pct);
        let cb = self.cb;
        let core_label = |id: &str| cb.cores.iter().find(|c| c.id == id).map(|c| &c.label);
        let cat_label = |id: &str| cb.categories.iter().find(|c| c.id == id).map(|c| &c.label);
        let zh = |l: Option<&crate::codebook::Label>| {
            Cell::Text(l.map(|l| l.zh.clone()).unwrap_or_default())
        };
        let en = |l: Option<&crate::codebook::Label>| {
            Cell::Text(l.map(|l| l.en.clone()).unwrap_or_default())
        };
        Table {
            id: shares_id(dim),
            title,
            note: "Share of all coding references in the group (a category counts once per unit); core rows have an empty category. Each share is rounded once to 2 decimals (half to even), so equal counts have equal shares and a group's shares may add up to 100 give or take a few hundredths.".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: self
                .agg
                .share_rows(dim, self.cb)
                .into_iter()
                .map(|r| {
                    // Years are numbers (a spreadsheet sorts and charts them as such).
                    let group = match r.group.parse::<u64>() {
                        Ok(y) if dim == Dim::Year => Cell::Int(y),
                        _ => Cell::Text(r.group),
                    };
                    let (cl, kl) = (core_label(&r.core), cat_label(&r.category));
                    vec![
                        group,
                        Cell::Text(r.core),
                        zh(cl),
                        en(cl),
                        Cell::Text(r.category),
                        zh(kl),
                        en(kl),
                        Cell::Int(r.references),
                        pct(r.share_pct),
                        pct(r.share_in_core_pct),
                    ]
                })
                .collect(),
        }
    }

    /// Every table of the report, in report order: shares by each dimension, cross-tabs,
    /// chi-square tests and residuals, keywords and keyness.
    pub fn tables(&self) -> Vec<Table> {
        let mut v: Vec<Table> = Dim::ALL.iter().map(|&d| self.shares_table(d)).collect();
        v.extend(tables::crosstab_tables(self.agg, self.cb));
        let (tests, residuals) = tables::chi_square_tables(self.agg, self.cb);
        v.push(tests);
        v.push(residuals);
        let (freq, key) = tables::keyword_tables(
            self.keywords,
            &[Dim::Overall, Dim::Level, Dim::Region],
            self.top,
        );
        v.push(freq);
        v.push(key);
        v
    }
}

/// Writes every table as CSV, `report.md` and `summary.json` into `dir`; returns the tables
/// for the other writers (charts, HTML, workbook: [`crate::write::write_reports`]).
pub fn write_tables(dir: &Path, report: &Report) -> Result<Vec<Table>> {
    let Report {
        agg,
        cb,
        counts,
        settings,
        ..
    } = *report;
    let tables = report.tables();
    for t in &tables {
        let path = dir.join(format!("{}.csv", t.id));
        crate::util::csv::write_file(&path, &t.to_csv()).map_err(|e| Error::io(&path, e))?;
    }
    let all_rows: Vec<ShareRow> = Dim::ALL
        .iter()
        .flat_map(|&d| agg.share_rows(d, cb))
        .collect();
    let overall = agg.overall();
    let mut groups = Vec::new();
    for dim in Dim::ALL {
        for (g, t) in agg.groups(dim) {
            groups.push(GroupSummary {
                dimension: dim,
                group: g,
                documents: t.documents,
                units: t.units,
                body_units: t.body_units,
                coded_units: t.coded_units,
                references: t.references.iter().sum(),
            });
        }
    }
    let summary = Summary {
        tool: format!("policy-coder {}", env!("CARGO_PKG_VERSION")),
        codebook: CodebookInfo {
            id: &cb.id,
            version: &cb.version,
            hash: &cb.hash,
        },
        settings,
        files: counts,
        documents: overall.documents,
        units: overall.units,
        body_units: overall.body_units,
        coded_units: overall.coded_units,
        references: overall.references.iter().sum(),
        groups,
        shares: all_rows,
    };
    let path = dir.join("summary.json");
    let json = serde_json::to_string_pretty(&summary).map_err(|e| Error::io(&path, e.into()))?;
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))?;
    let mut md = report_markdown(agg, cb, counts, settings);
    for t in tables.iter().skip(Dim::ALL.len()) {
        md.push_str(&format!("\n## {}\n\n{}\n\n", t.title, t.note));
        md.push_str(&markdown_excerpt(t, t.rows.len(), 60));
    }
    let path = dir.join("report.md");
    std::fs::write(&path, md).map_err(|e| Error::io(&path, e))?;
    Ok(tables)
}

/// A table in Markdown, cut to `max_rows` rows with a pointer to the full CSV: `t` holds
/// the first rows (at least `max_rows` of them, or all) of a table of `total` rows.
pub(crate) fn markdown_excerpt(t: &Table, total: usize, max_rows: usize) -> String {
    if total <= max_rows {
        return t.to_markdown();
    }
    format!(
        "{}\n{} more rows in `{}.csv`.\n",
        t.head(max_rows).to_markdown(),
        total - max_rows,
        t.id
    )
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.2}", part as f64 * 100.0 / whole as f64)
    }
}

/// The Markdown report.
pub fn report_markdown(
    agg: &Aggregator,
    cb: &Codebook,
    counts: &RunCounts,
    settings: &RunSettings,
) -> String {
    let mut s = String::new();
    let o = agg.overall();
    let refs: u64 = o.references.iter().sum();
    let _ = writeln!(s, "# policy-coder report\n");
    let _ = writeln!(
        s,
        "Codebook `{}` {} (hash {}), regions `{}`, units `{}`.\n",
        cb.id, cb.version, cb.hash, settings.regions, settings.unit
    );
    let _ = writeln!(s, "## Corpus\n\n| | count |\n|---|---:|");
    let _ = writeln!(s, "| files found | {} |", counts.files);
    let _ = writeln!(s, "| documents coded | {} |", counts.coded);
    let _ = writeln!(s, "| files skipped | {} |", counts.skipped);
    if counts.manifests + counts.excluded > 0 {
        let _ = writeln!(
            s,
            "| manifests / excluded | {} / {} |",
            counts.manifests, counts.excluded
        );
    }
    let _ = writeln!(s, "| units (all) | {} |", o.units);
    let _ = writeln!(
        s,
        "| body units (boilerplate and headings left out) | {} |",
        o.body_units
    );
    let _ = writeln!(
        s,
        "| coded units | {} ({} % of body units) |",
        o.coded_units,
        pct(o.coded_units, o.body_units)
    );
    let _ = writeln!(s, "| coding references | {refs} |");
    let _ = writeln!(
        s,
        "| documents with unknown level / province / year | {} / {} / {} |\n",
        counts.unknown_level, counts.unknown_province, counts.unknown_year
    );

    let _ = writeln!(s, "## Instrument shares, all documents\n");
    let _ = writeln!(
        s,
        "Share of all coding references (a category counts once per unit).\n"
    );
    let _ = writeln!(s, "| core | category | label | references | share % | share in core % |\n|---|---|---|---:|---:|---:|");
    for r in agg.share_rows(Dim::Overall, cb) {
        let label = if r.category.is_empty() {
            cb.cores
                .iter()
                .find(|c| c.id == r.core)
                .map(|c| md_cell(&format!("**{} {}**", c.label.zh, c.label.en)))
                .unwrap_or_default()
        } else {
            cb.categories
                .iter()
                .find(|c| c.id == r.category)
                .map(|c| md_cell(&format!("{} {}", c.label.zh, c.label.en)))
                .unwrap_or_default()
        };
        let core = if r.category.is_empty() {
            format!("**{}**", r.core)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {core} | {} | {label} | {} | {} | {} |",
            r.category,
            r.references,
            fmt_pct(r.share_pct),
            fmt_pct(r.share_in_core_pct)
        );
    }
    for (dim, title) in [
        (Dim::Level, "By government level"),
        (Dim::Region, "By region"),
        (Dim::Province, "By province"),
        (Dim::Year, "By year"),
    ] {
        let groups = agg.groups(dim);
        let _ = writeln!(s, "\n## {title}\n");
        let _ = writeln!(
            s,
            "Share % of the references in each group; `unknown` groups are shown, not guessed.\n"
        );
        // Groups as rows, cores as columns: narrow enough for 31 provinces.
        let _ = write!(
            s,
            "| {} | documents | body units | coded units | references |",
            dim.as_str()
        );
        for c in &cb.cores {
            let _ = write!(s, " {} % |", c.id);
        }
        let _ = write!(s, "\n|---|---:|---:|---:|---:|");
        for _ in &cb.cores {
            let _ = write!(s, "---:|");
        }
        let _ = writeln!(s);
        for (g, t) in &groups {
            let rows = crate::tally::aggregate::share_rows_of(g, &t.references, cb);
            let total: u64 = t.references.iter().sum();
            let _ = write!(
                s,
                "| {} | {} | {} | {} | {total} |",
                md_cell(g),
                t.documents,
                t.body_units,
                t.coded_units
            );
            for r in rows.iter().filter(|r| r.category.is_empty()) {
                let _ = write!(s, " {} |", fmt_pct(r.share_pct));
            }
            let _ = writeln!(s);
        }
        if dim == Dim::Level || dim == Dim::Region {
            let _ = writeln!(
                s,
                "\nCategories (share % of all references in the group):\n"
            );
            let _ = write!(s, "| category |");
            for (g, _) in &groups {
                let _ = write!(s, " {} |", md_cell(g));
            }
            let _ = write!(s, "\n|---|");
            for _ in &groups {
                let _ = write!(s, "---:|");
            }
            let _ = writeln!(s);
            let per_group: Vec<Vec<ShareRow>> = groups
                .iter()
                .map(|(g, t)| crate::tally::aggregate::share_rows_of(g, &t.references, cb))
                .collect();
            for (i, r) in per_group
                .first()
                .map(|v| v.as_slice())
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let name = if r.category.is_empty() {
                    format!("**{}**", r.core)
                } else {
                    r.category.clone()
                };
                let _ = write!(s, "| {name} |");
                for rows in &per_group {
                    let _ = write!(s, " {} |", fmt_pct(rows[i].share_pct));
                }
                let _ = writeln!(s);
            }
        }
    }
    if !counts.skipped_files.is_empty() {
        let _ = writeln!(s, "\n## Skipped files\n\n| file | reason |\n|---|---|");
        for (f, r) in &counts.skipped_files {
            let _ = writeln!(s, "| {} | {} |", md_cell(f), md_cell(r));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::unit::{Review, ReviewReason, Source, UnitText};

    #[test]
    fn offsets_are_written_as_format_writes_them() {
        for n in [0usize, 7, 10, 99, 100, 12_345, usize::MAX] {
            let mut s = String::from("x");
            push_usize(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn documents_csv_header_is_the_schema() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(DocRecord::default()).unwrap();
        let bytes = w.into_inner().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(header, crate::schema::DOC_COLUMNS);
    }

    /// A unit whose rules' codes the model withheld: the formatting of every typed field.
    fn unit(cb: &Codebook) -> CodedUnit {
        let text: Arc<str> = Arc::from("第一条 支持返乡;创业。");
        let concept = |id: &str| cb.concepts.iter().position(|c| c.id == id);
        let c = concept("entrepreneurship_support").unwrap_or(0);
        CodedUnit {
            doc_id: Arc::from("d"),
            unit_id: "d-1-0".into(),
            file: Arc::from("a.txt"),
            lang: crate::util::lang::Lang::Zh,
            kind: crate::segment::Kind::Body,
            role: crate::codebook::roles::Role::Measure,
            section: Arc::from(""),
            start: 4,
            end: 14,
            text: UnitText::new(Arc::clone(&text), 10..text.len()),
            concepts: Vec::new(),
            categories: Vec::new(),
            cores: Vec::new(),
            dimension_values: Vec::new(),
            evidence: Vec::new(),
            withheld: vec![
                Evidence {
                    code: Code::Concept(c),
                    start: 4,
                    end: 6,
                    bytes: (10, 16),
                },
                Evidence {
                    code: Code::Concept(c),
                    start: 6,
                    end: 9,
                    bytes: (16, 23),
                },
            ],
            source: Some(Source::Withheld),
            confidence: Some(0.8125),
            review: Some(Review {
                reason: ReviewReason::Disagree,
                rule_categories: vec![0, 1],
                model_categories: Vec::new(),
            }),
            carried: vec!["x".into()],
        }
    }

    #[test]
    fn writers_format_the_typed_unit() {
        let cb = Codebook::default_codebook();
        let dir = tempfile::tempdir().unwrap();
        let u = unit(&cb);
        let keys = GroupKeys {
            level: "local".into(),
            region: "east".into(),
            province: "gd".into(),
            year: "2020".into(),
        };
        let path = dir.path().join("units.csv");
        let mut w = UnitsWriter::create(&path, &cb, &["carried".into()], true).unwrap();
        w.write(&keys, &u).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let row = text.lines().nth(1).unwrap();
        let id = &cb.concepts[match u.withheld[0].code {
            Code::Concept(c) => c,
            Code::DimensionValue(_) => unreachable!(),
        }]
        .id;
        let dims = ",".repeat(cb.dimensions.len());
        assert_eq!(
            row,
            format!(
                "d,d-1-0,a.txt,local,gd,east,2020,zh,false,支持返乡;创业。,,,,,body,measure,,4,14,\
                 {id}:支持@4-6;{id}:返乡 @6-9{dims},x,withheld,0.812"
            )
        );
        let path = dir.path().join("review.csv");
        let mut w = ReviewWriter::create(&path, &cb).unwrap();
        w.write(&u).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let cats = format!("{};{}", cb.categories[0].id, cb.categories[1].id);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            format!("d,d-1-0,a.txt,rules and model disagree,{cats},,0.812,支持返乡;创业。")
        );
    }
}
