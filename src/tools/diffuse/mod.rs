//! Policy diffusion analysis (`policy-coder diffuse`): a pure function of what `code`
//! writes (`documents.csv`, `units.csv`).
//!
//! - [`adoption`]: the first year each government (the centre, each province) uses each
//!   instrument, with the document and unit as evidence;
//! - [`curves`]: cumulative adopting provinces by year, logistic fit, take-off;
//! - [`vertical`]: what central documents absorbed from earlier local ones, and who followed;
//! - [`reuse`]: near-duplicate clauses across documents (MinHash + LSH);
//! - [`neighbours`]: the neighbour effect (permutation test) and Walker's innovativeness;
//! - [`plant`]: a planted diffusion process for testing recovery (`gen-corpus --diffusion`).
//!
//! Documents without a year are left out and counted; so are local documents whose
//! province is unknown (they adopt nothing, but their clauses still count for reuse).

pub mod adoption;
pub mod chart;
pub mod curves;
pub mod input;
pub mod neighbours;
pub mod plant;
pub mod reuse;
pub mod vertical;

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::report::tables::{Cell, Table};
use crate::write::html::Section;
use crate::write::run_units::FirstUnits;
use adoption::Adoption;
use curves::Curve;
use input::Doc;
use neighbours::{Innovativeness, NeighbourTest};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use vertical::VerticalRow;

/// What counts as an instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Axial categories (policy instruments).
    Category,
    /// Open codes (concepts).
    Concept,
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "category" => Ok(Level::Category),
            "concept" => Ok(Level::Concept),
            _ => Err(format!("unknown level `{s}` (category, concept)")),
        }
    }
}

/// Settings of the analysis.
#[derive(Debug, Clone)]
pub struct DiffuseOptions {
    /// Instruments are categories or concepts.
    pub level: Level,
    /// Seed of the permutation test and of the MinHash functions.
    pub seed: u64,
    /// Permutations of the neighbour test.
    pub permutations: usize,
    /// Look for text reuse (reads every unit's text; off for the report section of `code`).
    pub reuse: bool,
}

impl Default for DiffuseOptions {
    fn default() -> Self {
        DiffuseOptions {
            level: Level::Category,
            seed: 7,
            permutations: 999,
            reuse: true,
        }
    }
}

/// A row of the neighbour-effect table.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourRow {
    /// `instrument`, `core` or `all`.
    pub scope: &'static str,
    /// The instrument or core id (empty for `all`).
    pub id: String,
    /// The core (for instruments).
    pub core: String,
    /// The test.
    pub test: NeighbourTest,
}

/// Counts of what was read and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Coded documents read.
    pub documents: usize,
    /// Of them, without a year (left out).
    pub without_year: usize,
    /// Local documents without a province (adopt nothing).
    pub without_province: usize,
    /// Central documents with a year.
    pub central: usize,
    /// Provinces with at least one dated document.
    pub provinces: usize,
    /// Clauses compared for reuse.
    pub clauses: usize,
}

/// Everything `diffuse` finds.
#[derive(Debug, Clone)]
pub struct Diffusion {
    /// The documents.
    pub docs: Vec<Doc>,
    /// First and last year of dated documents.
    pub years: Option<(i32, i32)>,
    /// Adoption events.
    pub adoptions: Vec<Adoption>,
    /// One curve per instrument adopted by a province.
    pub curves: Vec<Curve>,
    /// Vertical rows.
    pub vertical: Vec<VerticalRow>,
    /// Neighbour tests: per instrument, per core, all.
    pub neighbours: Vec<NeighbourRow>,
    /// Innovativeness ranking.
    pub innovativeness: Vec<Innovativeness>,
    /// Reuse between documents (None when not looked for).
    pub reuse: Option<Vec<reuse::DocPair>>,
    /// Counts.
    pub counts: Counts,
    /// The level of instruments.
    pub level: Level,
}

impl Diffusion {
    /// Whether there is something to diffuse: at least two years and two provinces.
    pub fn has_diffusion(&self) -> bool {
        self.years.is_some_and(|(a, b)| b > a) && self.counts.provinces >= 2
    }
}

/// `一`, `二`, … for item numbers up to 99.
pub(crate) fn zh_item(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n - 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

fn core_lookup(cb: &Codebook, level: Level) -> BTreeMap<String, String> {
    match level {
        Level::Category => (0..cb.categories.len())
            .map(|i| (cb.categories[i].id.clone(), cb.core_of(i).to_string()))
            .collect(),
        Level::Concept => cb
            .concepts
            .iter()
            .map(|c| (c.id.clone(), cb.core_of(c.category).to_string()))
            .collect(),
    }
}

/// Reads `documents.csv` and `units.csv` in `results` and runs the analysis.
pub fn analyse(results: &Path, cb: &Codebook, opts: &DiffuseOptions) -> Result<Diffusion> {
    let docs_path = results.join("documents.csv");
    let units_path = results.join("units.csv");
    for p in [&docs_path, &units_path] {
        if !p.is_file() {
            return Err(Error::Usage(format!(
                "{} not found: give the output folder of `policy-coder code`",
                p.display()
            )));
        }
    }
    let docs = input::read_documents(&docs_path)?;
    let mut inst: adoption::DocInstruments = vec![BTreeMap::new(); docs.len()];
    let mut clauses = Vec::new();
    let funcs = reuse::hash_functions(opts.seed);
    input::for_each_unit_chunk(&units_path, &docs, 20_000, opts.reuse, |units| {
        for u in &units {
            let ids = match opts.level {
                Level::Category => &u.categories,
                Level::Concept => &u.concepts,
            };
            for k in ids {
                inst[u.doc]
                    .entry(k.clone())
                    .or_insert_with(|| u.unit_id.clone());
            }
        }
        if opts.reuse {
            clauses.extend(reuse::signatures(&units, &docs, &funcs));
        }
    })?;
    let reuse = opts.reuse.then(|| {
        let links = reuse::links(&clauses, &docs);
        reuse::doc_pairs(&clauses, &links, &docs)
    });
    let mut d = from_parts(docs, &inst, cb, opts);
    d.counts.clauses = clauses.len();
    d.reuse = reuse;
    Ok(d)
}

/// The analysis from documents and their instruments (everything but reuse).
pub fn from_parts<K: std::borrow::Borrow<str> + Ord, V: AsRef<str>>(
    docs: Vec<Doc>,
    inst: &adoption::DocInstruments<K, V>,
    cb: &Codebook,
    opts: &DiffuseOptions,
) -> Diffusion {
    let cores = core_lookup(cb, opts.level);
    let core_of = |k: &str| cores.get(k).cloned().unwrap_or_default();
    let adoptions = adoption::adoptions(&docs, inst, &core_of);
    let dated: Vec<&Doc> = docs.iter().filter(|d| d.year.is_some()).collect();
    let years = dated
        .iter()
        .filter_map(|d| d.year)
        .min()
        .zip(dated.iter().filter_map(|d| d.year).max());
    let counts = Counts {
        documents: docs.len(),
        without_year: docs.len() - dated.len(),
        without_province: docs
            .iter()
            .filter(|d| !d.is_central() && d.government().is_none())
            .count(),
        central: dated.iter().filter(|d| d.is_central()).count(),
        provinces: dated
            .iter()
            .filter(|d| !d.is_central())
            .filter_map(|d| d.government())
            .collect::<BTreeSet<_>>()
            .len(),
        clauses: 0,
    };
    // Local adoptions per instrument.
    let mut local: BTreeMap<&str, neighbours::Adoptions> = BTreeMap::new();
    for a in adoptions.iter().filter(|a| a.government != "central") {
        local
            .entry(a.instrument.as_str())
            .or_default()
            .push((a.government.clone(), a.year));
    }
    let curves: Vec<Curve> = match years {
        Some(span) => local
            .iter()
            .map(|(k, a)| {
                let ys: Vec<i32> = a.iter().map(|(_, y)| *y).collect();
                curves::curve(k, &core_of(k), &ys, span)
            })
            .collect(),
        None => Vec::new(),
    };
    let vertical = vertical::vertical(&docs, inst, &adoptions, &core_of);
    let mut nb = Vec::new();
    let seed_of = |i: usize| opts.seed.wrapping_add(1 + i as u64);
    for (i, (k, a)) in local.iter().enumerate() {
        nb.push(NeighbourRow {
            scope: "instrument",
            id: k.to_string(),
            core: core_of(k),
            test: neighbours::neighbour_test(&[a], opts.permutations, seed_of(i)),
        });
    }
    let core_ids: BTreeSet<String> = local.keys().map(|k| core_of(k)).collect();
    for (j, c) in core_ids.iter().enumerate() {
        let group: Vec<&neighbours::Adoptions> = local
            .iter()
            .filter(|(k, _)| core_of(k) == *c)
            .map(|(_, a)| a)
            .collect();
        nb.push(NeighbourRow {
            scope: "core",
            id: c.clone(),
            core: c.clone(),
            test: neighbours::neighbour_test(&group, opts.permutations, seed_of(10_000 + j)),
        });
    }
    let all: Vec<&neighbours::Adoptions> = local.values().collect();
    if !all.is_empty() {
        nb.push(NeighbourRow {
            scope: "all",
            id: String::new(),
            core: String::new(),
            test: neighbours::neighbour_test(&all, opts.permutations, seed_of(20_000)),
        });
    }
    let innovativeness = neighbours::innovativeness(&all);
    Diffusion {
        docs,
        years,
        adoptions,
        curves,
        vertical,
        neighbours: nb,
        innovativeness,
        reuse: None,
        counts,
        level: opts.level,
    }
}

/// The governments of the adoption events `at` (indexes into `adoptions`), `;`-joined.
fn join_governments(adoptions: &[adoption::Adoption], at: &[usize]) -> String {
    let names: Vec<&str> = at
        .iter()
        .map(|&i| adoptions[i].government.as_str())
        .collect();
    names.join(";")
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn int(n: usize) -> Cell {
    Cell::Int(n as u64)
}

fn opt_num(x: Option<f64>, d: u8) -> Cell {
    x.map_or(Cell::Empty, |x| Cell::Num(x, d))
}

fn table(id: &str, title: &str, note: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        id: id.into(),
        title: title.into(),
        note: note.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// The result tables, each written as `<id>.csv` (`reuse_pairs` here holds the
/// [`REUSE_TOP`] pairs with most clauses; [`write`] writes all of them), with at most `max`
/// rows each (the rows past it are not built) and how many rows each has in full: a
/// report's excerpt of a large run's tables costs no memory per document (the vertical
/// table has a row per central document and instrument).
fn tables_upto(d: &Diffusion, max: usize) -> Vec<(Table, usize)> {
    let docs = &d.docs;
    let mut out: Vec<(Table, usize)> = Vec::new();
    // A table of the first `max` of `rows`, which has `total` of them.
    let table = |id: &str,
                 title: &str,
                 note: &str,
                 headers: &[&str],
                 total: usize,
                 rows: &mut dyn Iterator<Item = Vec<Cell>>| {
        (
            table(id, title, note, headers, rows.take(max).collect()),
            total,
        )
    };
    out.push(table(
        "diffusion_adoption",
        "Adoption events",
        "The first document of each government (the centre, each province) with the instrument in a body unit.",
        &["instrument", "core", "government", "level", "region", "year", "date", "file", "unit_id"],
        d.adoptions.len(),
        &mut d.adoptions
            .iter()
            .map(|a| {
                let doc = &docs[a.doc];
                vec![
                    text(&a.instrument),
                    text(&a.core),
                    text(&a.government),
                    text(&doc.level),
                    text(&doc.region),
                    int(a.year as usize),
                    text(&doc.date_text),
                    text(&doc.file),
                    text(&a.unit_id),
                ]
            }),
    ));
    out.push(table(
        "diffusion_curves",
        "Adoption curves",
        "Provinces (of 31) that adopted each instrument; take-off = first year with ≥ 10 % of provinces; logistic fit K / (1 + e^−(t − midpoint)/scale) by least squares.",
        &["instrument", "core", "adopters", "first_year", "takeoff_year", "midpoint", "saturation_pct", "scale", "rmse", "note"],
        d.curves.len(),
        &mut d.curves
            .iter()
            .map(|c| {
                let first = c
                    .years
                    .iter()
                    .zip(&c.new)
                    .find(|(_, &n)| n > 0)
                    .map(|(&y, _)| y);
                vec![
                    text(&c.instrument),
                    text(&c.core),
                    int(c.adopters()),
                    first.map_or(Cell::Empty, |y| int(y as usize)),
                    c.takeoff.map_or(Cell::Empty, |y| int(y as usize)),
                    opt_num(c.fit.map(|f| f.midpoint), 2),
                    c.fit.map_or(Cell::Empty, |f| Cell::Pct(f.saturation * 100.0)),
                    opt_num(c.fit.map(|f| f.scale), 2),
                    opt_num(c.fit.map(|f| f.rmse), 4),
                    text(&c.note),
                ]
            }),
    ));
    let mut by_year = Vec::new();
    for c in &d.curves {
        for (k, &y) in c.years.iter().enumerate() {
            by_year.push(vec![
                text(&c.instrument),
                text(&c.core),
                int(y as usize),
                int(c.new[k]),
                int(c.cumulative[k]),
                Cell::Pct(c.cumulative[k] as f64 * 100.0 / curves::PROVINCES as f64),
                c.fit.map_or(Cell::Empty, |f| {
                    Cell::Pct(
                        100.0 * f.saturation / (1.0 + (-(y as f64 - f.midpoint) / f.scale).exp()),
                    )
                }),
            ]);
        }
    }
    out.push(table(
        "diffusion_curves_by_year",
        "Adoption curves by year",
        "New and cumulative adopting provinces per year, their share of 31, and the fitted share.",
        &[
            "instrument",
            "core",
            "year",
            "new_adopters",
            "adopters",
            "share_pct",
            "fitted_pct",
        ],
        by_year.len(),
        &mut by_year.into_iter(),
    ));
    out.push(table(
        "diffusion_vertical",
        "Vertical diffusion",
        "Per central document and instrument: provinces that had it before (absorbed local pilots), in the same year without dates to order them, and after (followers, with the median lag in years).",
        &["central_file", "central_year", "instrument", "core", "absorbed", "local_before", "first_local_year", "first_local_file", "same_year", "local_after", "median_lag_years", "provinces_before"],
        d.vertical.len(),
        &mut d.vertical
            .iter()
            .map(|r| {
                let c = &docs[r.central];
                vec![
                    text(&c.file),
                    int(c.year.unwrap_or_default() as usize),
                    text(&r.instrument),
                    text(&r.core),
                    text(if r.absorbed() { "yes" } else { "no" }),
                    int(r.before.len()),
                    r.first_local.map_or(Cell::Empty, |(y, _)| int(y as usize)),
                    text(r.first_local.map_or("", |(_, i)| docs[i].file.as_str())),
                    int(r.same_year),
                    int(r.after.len()),
                    opt_num(r.median_lag(), 1),
                    text(join_governments(&d.adoptions, &r.before)),
                ]
            }),
    ));
    let mut abs_rows = Vec::new();
    for (core, a) in vertical::absorption(&d.vertical) {
        abs_rows.push(vec![
            text("all central documents"),
            text(core),
            int(a.instruments),
            int(a.absorbed),
            a.share_pct().map_or(Cell::Empty, Cell::Pct),
        ]);
    }
    let mut per_doc: BTreeMap<(usize, String), vertical::Absorption> = BTreeMap::new();
    for r in &d.vertical {
        let e = per_doc.entry((r.central, r.core.clone())).or_default();
        e.instruments += 1;
        e.absorbed += usize::from(r.absorbed());
    }
    let total = abs_rows.len() + per_doc.len();
    out.push(table(
        "diffusion_absorption",
        "Absorption by core",
        "Instruments of central documents that provinces had before (bottom-up absorption), per core: all central documents pooled, then each.",
        &["central", "core", "instruments", "absorbed", "share_pct"],
        total,
        &mut abs_rows.into_iter().chain(per_doc.into_iter().map(|((c, core), a)| {
            vec![
                text(&docs[c].file),
                text(core),
                int(a.instruments),
                int(a.absorbed),
                a.share_pct().map_or(Cell::Empty, Cell::Pct),
            ]
        })),
    ));
    out.push(table(
        "diffusion_neighbours",
        "Neighbour effect",
        "Share of provincial adoptions preceded by a land neighbour's adoption, against the share expected when adoption years are permuted among the adopters (one-sided permutation p-value).",
        &["scope", "id", "core", "adoptions", "neighbour_preceded", "share_pct", "expected_pct", "p_value", "permutations"],
        d.neighbours.len(),
        &mut d.neighbours
            .iter()
            .map(|n| {
                vec![
                    text(n.scope),
                    text(&n.id),
                    text(&n.core),
                    int(n.test.adoptions),
                    int(n.test.preceded),
                    Cell::Pct(n.test.share_pct()),
                    Cell::Pct(n.test.expected_pct()),
                    Cell::P(n.test.p_value),
                    int(n.test.permutations),
                ]
            }),
    ));
    let region_of: BTreeMap<&str, &str> = docs
        .iter()
        .filter(|d| !d.is_central())
        .map(|d| (d.province.as_str(), d.region.as_str()))
        .collect();
    out.push(table(
        "diffusion_innovativeness",
        "Leaders and laggards",
        "Walker's innovativeness: per instrument adopted in ≥ 2 different years, (last − year) / (last − first), averaged over the instruments a province adopted; mean_relative_year = its mean adoption year minus each instrument's mean.",
        &["rank", "province", "region", "instruments", "walker_score", "mean_relative_year"],
        d.innovativeness.len(),
        &mut d.innovativeness
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    int(i + 1),
                    text(&r.province),
                    text(region_of.get(r.province.as_str()).copied().unwrap_or("")),
                    int(r.instruments),
                    Cell::Num(r.walker_score, 3),
                    Cell::Num(r.mean_relative_year, 2),
                ]
            }),
    ));
    if let Some(pairs) = &d.reuse {
        // The pairs with most clauses (all of them are in reuse_pairs.csv, see [`write`]).
        let mut top: Vec<&reuse::DocPair> = pairs.iter().collect();
        top.sort_by_key(|p| std::cmp::Reverse(p.clauses.len()));
        top.truncate(REUSE_TOP);
        for t in [reuse_table(d, top.into_iter()), reuse_summary(d, pairs)] {
            let total = t.rows.len();
            out.push((t, total));
        }
    }
    out
}

/// Document pairs shown in reports (the most clauses first); `reuse_pairs.csv` has all.
pub const REUSE_TOP: usize = 30;

const REUSE_HEADERS: [&str; 14] = [
    "earlier_file",
    "later_file",
    "earlier_level",
    "later_level",
    "earlier_province",
    "later_province",
    "earlier_year",
    "later_year",
    "flow",
    "same_year",
    "clause_pairs",
    "mean_similarity",
    "max_similarity",
    "clauses",
];

fn reuse_row(docs: &[Doc], p: &reuse::DocPair) -> Vec<Cell> {
    let (a, b) = (&docs[p.earlier], &docs[p.later]);
    let sims: Vec<f64> = p.clauses.iter().map(|c| c.2).collect();
    vec![
        text(&a.file),
        text(&b.file),
        text(&a.level),
        text(&b.level),
        text(&a.province),
        text(&b.province),
        int(a.year.unwrap_or_default() as usize),
        int(b.year.unwrap_or_default() as usize),
        text(reuse::flow(docs, p)),
        text(if p.same_year { "yes" } else { "no" }),
        int(p.clauses.len()),
        Cell::Num(sims.iter().sum::<f64>() / sims.len().max(1) as f64, 3),
        Cell::Num(sims.iter().cloned().fold(0.0, f64::max), 3),
        text(
            p.clauses
                .iter()
                .take(10)
                .map(|(x, y, _)| format!("{x}>{y}"))
                .collect::<Vec<_>>()
                .join(";"),
        ),
    ]
}

fn reuse_table<'a>(d: &Diffusion, pairs: impl Iterator<Item = &'a reuse::DocPair>) -> Table {
    table(
        "reuse_pairs",
        "Text reuse",
        &format!(
            "Document pairs with near-duplicate clauses (MinHash estimate of Jaccard ≥ {} on {}-character / {}-word shingles), from the earlier document to the later; each later clause is linked to its earliest near-duplicate. At most {REUSE_TOP} pairs with the most clauses are shown; `reuse_pairs.csv` has all.",
            reuse::THRESHOLD,
            reuse::SHINGLE_ZH,
            reuse::SHINGLE_EN
        ),
        &REUSE_HEADERS,
        pairs.map(|p| reuse_row(&d.docs, p)).collect(),
    )
}

fn reuse_summary(d: &Diffusion, pairs: &[reuse::DocPair]) -> Table {
    let mut m: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in [
        "central→local",
        "local→central",
        "local→local (same region)",
        "local→local (other region)",
    ] {
        m.insert(f, (0, 0));
    }
    for p in pairs {
        let e = m.entry(reuse::flow(&d.docs, p)).or_default();
        e.0 += 1;
        e.1 += p.clauses.len();
    }
    table(
        "reuse_summary",
        "Text reuse by direction",
        "Document pairs and clause pairs with reuse, by the levels (and regions) of the earlier and the later document.",
        &["flow", "document_pairs", "clause_pairs"],
        m.into_iter()
            .map(|(f, (a, b))| vec![text(f), int(a), int(b)])
            .collect(),
    )
}

/// The charts: (file name, SVG).
pub fn charts(d: &Diffusion) -> Vec<(&'static str, String)> {
    let Some((y0, y1)) = d.years else {
        return Vec::new();
    };
    let years: Vec<i32> = (y0..=y1).collect();
    // A province adopts a core in the first year it adopts any instrument of it.
    let mut first: BTreeMap<(&str, &str), i32> = BTreeMap::new();
    for a in d.adoptions.iter().filter(|a| a.government != "central") {
        let e = first
            .entry((a.core.as_str(), a.government.as_str()))
            .or_insert(a.year);
        *e = (*e).min(a.year);
    }
    let cores: BTreeSet<&str> = first.keys().map(|(c, _)| *c).collect();
    let series: Vec<(String, Vec<usize>)> = cores
        .iter()
        .map(|c| {
            (
                if c.is_empty() { "(none)" } else { c }.to_string(),
                years
                    .iter()
                    .map(|&y| {
                        first
                            .iter()
                            .filter(|((cc, _), &fy)| cc == c && fy <= y)
                            .count()
                    })
                    .collect(),
            )
        })
        .collect();
    vec![
        ("diffusion_cores.svg", chart::cores_chart(&years, &series)),
        ("diffusion_curves.svg", chart::curves_chart(&d.curves)),
    ]
}

/// The diffusion section of a report, in Markdown (`charts`: the folder of the SVGs
/// relative to the report, or None to leave them out).
pub fn markdown(d: &Diffusion, charts: Option<&str>) -> String {
    markdown_of(d, &tables_upto(d, MARKDOWN_ROWS), charts)
}

/// Rows of each table shown in Markdown and in a report's diffusion section.
const MARKDOWN_ROWS: usize = 30;

/// `tables`: each table (at least its first [`MARKDOWN_ROWS`] rows) with its full number
/// of rows.
fn markdown_of(d: &Diffusion, tables: &[(Table, usize)], charts: Option<&str>) -> String {
    let mut s = String::new();
    let c = &d.counts;
    let _ = writeln!(s, "## Diffusion\n");
    let _ = writeln!(
        s,
        "Instruments are {}. {} coded documents: {} without a year (left out), {} local without a province (they adopt nothing); {} central documents and {} provinces with dated documents, {}.\n",
        match d.level {
            Level::Category => "categories",
            Level::Concept => "concepts",
        },
        c.documents,
        c.without_year,
        c.without_province,
        c.central,
        c.provinces,
        d.years.map_or("no years".to_string(), |(a, b)| format!("{a}–{b}"))
    );
    if let Some(dir) = charts {
        let _ = writeln!(
            s,
            "![Cumulative adopting provinces per core]({dir}/diffusion_cores.svg)\n\n![Adoption curves]({dir}/diffusion_curves.svg)\n"
        );
    }
    for (t, total) in tables {
        if t.id == "diffusion_adoption" || t.id == "diffusion_curves_by_year" {
            continue;
        }
        let _ = writeln!(s, "### {}\n\n{}\n", t.title, t.note);
        let _ = writeln!(
            s,
            "{}",
            crate::write::tabular::markdown_excerpt(t, *total, MARKDOWN_ROWS)
        );
    }
    s
}

/// A short plain-text summary for the terminal.
pub fn summary_text(d: &Diffusion) -> String {
    let mut s = String::new();
    let c = &d.counts;
    let _ = writeln!(
        s,
        "{} coded documents ({} without a year left out, {} local without a province); {} central documents, {} provinces, {}",
        c.documents,
        c.without_year,
        c.without_province,
        c.central,
        c.provinces,
        d.years.map_or("no years".to_string(), |(a, b)| format!("{a}-{b}"))
    );
    let central = d
        .adoptions
        .iter()
        .filter(|a| a.government == "central")
        .count();
    let _ = writeln!(
        s,
        "adoption events: {} ({central} central, {} provincial) of {} instruments",
        d.adoptions.len(),
        d.adoptions.len() - central,
        d.adoptions
            .iter()
            .map(|a| a.instrument.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    );
    let fitted = d.curves.iter().filter(|c| c.fit.is_some()).count();
    let _ = writeln!(
        s,
        "curves: {} instruments adopted by provinces, {fitted} fitted",
        d.curves.len()
    );
    let mut top: Vec<&Curve> = d.curves.iter().collect();
    top.sort_by(|a, b| {
        b.adopters()
            .cmp(&a.adopters())
            .then(a.instrument.cmp(&b.instrument))
    });
    for cv in top.iter().take(5) {
        let _ = writeln!(
            s,
            "  {:<28} {:>2} provinces, take-off {}, midpoint {}",
            cv.instrument,
            cv.adopters(),
            cv.takeoff.map_or("-".to_string(), |y| y.to_string()),
            cv.fit
                .map_or(format!("- ({})", cv.note), |f| format!("{:.1}", f.midpoint))
        );
    }
    let abs = vertical::absorption(&d.vertical);
    if !abs.is_empty() {
        let parts: Vec<String> = abs
            .iter()
            .map(|(core, a)| {
                format!(
                    "{core} {}/{} ({:.1} %)",
                    a.absorbed,
                    a.instruments,
                    a.share_pct().unwrap_or(0.0)
                )
            })
            .collect();
        let _ = writeln!(s, "absorbed by central documents: {}", parts.join(", "));
    }
    if let Some(all) = d.neighbours.iter().find(|n| n.scope == "all") {
        let _ = writeln!(
            s,
            "neighbour effect: {}/{} adoptions preceded by a neighbour ({:.1} %, {:.1} % expected), p = {} ({} permutations)",
            all.test.preceded,
            all.test.adoptions,
            all.test.share_pct(),
            all.test.expected_pct(),
            crate::report::tables::format_p(all.test.p_value),
            all.test.permutations
        );
    }
    if !d.innovativeness.is_empty() {
        let name = |r: &Innovativeness| format!("{} {:.2}", r.province, r.walker_score);
        let n = d.innovativeness.len();
        let _ = writeln!(
            s,
            "leaders: {}; laggards: {}",
            d.innovativeness
                .iter()
                .take(3)
                .map(name)
                .collect::<Vec<_>>()
                .join(", "),
            d.innovativeness[n.saturating_sub(3)..]
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(pairs) = &d.reuse {
        let t = reuse_summary(d, pairs);
        let flows: Vec<String> = t
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} ({} clauses)",
                    r[0].render(),
                    r[1].render(),
                    r[2].render()
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "text reuse: {} clauses compared, {} document pairs: {}",
            c.clauses,
            pairs.len(),
            flows.join(", ")
        );
    }
    s
}

/// Writes every table as CSV, the charts into `out/charts/`, and `diffusion.md` into `out`,
/// as one transaction beside what `out` holds ([`crate::write::outdir::AddedFiles`]): the
/// files are renamed into place only once all are written, so a failed or interrupted write
/// leaves the earlier diffusion outputs as they were, and a folder a `code` run is writing
/// is refused.
pub fn write(out: &Path, d: &Diffusion) -> Result<()> {
    let txn = crate::write::outdir::AddedFiles::begin(out)?;
    write_files(txn.dir(), d)?;
    txn.commit()
}

/// The files of [`write`], into `out` (the transaction's staging folder).
fn write_files(out: &Path, d: &Diffusion) -> Result<()> {
    let tables = tables_upto(d, usize::MAX);
    for (t, _) in tables.iter().filter(|(t, _)| t.id != "reuse_pairs") {
        let p = out.join(format!("{}.csv", t.id));
        crate::util::csv::write_file(&p, &t.to_csv()).map_err(|e| Error::io(&p, e))?;
    }
    if let Some(pairs) = &d.reuse {
        // Streamed: a large corpus has hundreds of thousands of pairs.
        let p = out.join("reuse_pairs.csv");
        let f = std::fs::File::create(&p).map_err(|e| Error::io(&p, e))?;
        let mut f = std::io::BufWriter::new(f);
        std::io::Write::write_all(&mut f, crate::util::csv::bom()).map_err(|e| Error::io(&p, e))?;
        let mut w = csv::Writer::from_writer(f);
        let err = |e: csv::Error| Error::io(&p, std::io::Error::other(e.to_string()));
        w.write_record(REUSE_HEADERS).map_err(err)?;
        for pair in pairs {
            let cells: Vec<String> = reuse_row(&d.docs, pair).iter().map(Cell::render).collect();
            let cells: Vec<_> = cells.iter().map(|c| crate::util::csv::cell(c)).collect();
            w.write_record(cells.iter().map(|c| c.as_bytes()))
                .map_err(err)?;
        }
        w.flush().map_err(|e| Error::io(&p, e))?;
    }
    let dir = out.join("charts");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    for (name, svg) in charts(d) {
        let p = dir.join(name);
        std::fs::write(&p, svg).map_err(|e| Error::io(&p, e))?;
    }
    let p = out.join("diffusion.md");
    let md = format!(
        "# policy-coder diffusion\n\n{}",
        markdown_of(d, &tables, Some("charts"))
    );
    std::fs::write(&p, md).map_err(|e| Error::io(&p, e))
}

/// The diffusion analysis of a `code` run in `results` (text reuse left out) from its
/// `documents.csv` and the first units of each document per category, gathered as
/// `units.csv` was written ([`FirstUnits`]): what [`analyse`] finds there without reading
/// `units.csv` back.
pub fn analyse_run(results: &Path, cb: &Codebook, firsts: &FirstUnits) -> Result<Diffusion> {
    let docs = input::read_documents(&results.join("documents.csv"))?;
    // As `analyse` matches units to documents: by file, the last document of a file.
    let by_file: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.file.as_str(), i))
        .collect();
    // Borrowed from `firsts`: a large run has tens of thousands of documents.
    let mut inst: adoption::DocInstruments<&str, &str> = vec![BTreeMap::new(); docs.len()];
    for (i, d) in docs.iter().enumerate() {
        if by_file.get(d.file.as_str()) != Some(&i) {
            continue;
        }
        for (k, unit) in firsts.of_file(&d.file) {
            inst[i].entry(k).or_insert(unit);
        }
    }
    drop(by_file);
    let opts = DiffuseOptions {
        reuse: false,
        ..DiffuseOptions::default()
    };
    Ok(from_parts(docs, &inst, cb, &opts))
}

/// Adds a diffusion section to the reports of a `code` run in `results` when it spans at
/// least two years and two provinces (text reuse left to `policy-coder diffuse`): the
/// section and its charts in report.md; returns the diffusion tables with `all_rows`
/// (for report.xlsx; without, none: only the rows the reports show are built) and the
/// section for report.html, none when there is no diffusion to show.
pub fn append_to_report(
    results: &Path,
    cb: &Codebook,
    firsts: &FirstUnits,
    all_rows: bool,
) -> Result<(Vec<Table>, Option<Section>)> {
    let d = analyse_run(results, cb, firsts)?;
    if !d.has_diffusion() {
        return Ok((Vec::new(), None));
    }
    let dir = results.join("charts");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let svgs = charts(&d);
    for (name, svg) in &svgs {
        let p = dir.join(name);
        std::fs::write(&p, svg).map_err(|e| Error::io(&p, e))?;
    }
    let tables = tables_upto(&d, if all_rows { usize::MAX } else { MARKDOWN_ROWS });
    let p = results.join("report.md");
    let mut md = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    md.push('\n');
    md.push_str(&markdown_of(&d, &tables, Some("charts")));
    md.push_str("Text reuse between documents: `policy-coder diffuse` on this folder.\n");
    std::fs::write(&p, md).map_err(|e| Error::io(&p, e))?;
    let shown: Vec<Table> = tables
        .iter()
        .filter(|(t, _)| t.id != "diffusion_adoption" && t.id != "diffusion_curves_by_year")
        .map(|(t, total)| {
            let mut head = t.head(MARKDOWN_ROWS);
            if *total > MARKDOWN_ROWS {
                head.note = format!(
                    "{} The first {MARKDOWN_ROWS} of {total} rows; all in `policy-coder diffuse`'s {}.csv.",
                    t.note, t.id
                );
            }
            head
        })
        .collect();
    let section = Section {
        id: "diffusion".into(),
        title: "Diffusion".into(),
        intro_html: format!(
            "Adoption of instruments by governments over time ({} documents with a year, {} provinces). \
             Text reuse between documents: run <code>policy-coder diffuse</code> on this folder.",
            d.counts.documents - d.counts.without_year,
            d.counts.provinces
        ),
        charts: svgs
            .into_iter()
            .map(|(name, svg)| (name.to_string(), svg))
            .collect(),
        tables: shown,
    };
    let tables = match all_rows {
        true => tables.into_iter().map(|(t, _)| t).collect(),
        false => Vec::new(),
    };
    Ok((tables, Some(section)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_numbers() {
        assert_eq!(zh_item(1), "一");
        assert_eq!(zh_item(10), "十");
        assert_eq!(zh_item(12), "十二");
        assert_eq!(zh_item(30), "三十");
        assert_eq!(zh_item(31), "三十一");
    }

    /// 40 central documents (2001–2040) and three provinces adopting in 2010, 2020 and 2030,
    /// all with one instrument: 40 vertical rows, 41 absorption rows.
    fn many_central_documents() -> Diffusion {
        let doc = |level: &str, province: &str, year: i32, order: usize| Doc {
            file: format!("d{order}.txt"),
            level: level.into(),
            province: province.into(),
            region: String::new(),
            year: Some(year),
            date: (year, 0, 0),
            date_text: String::new(),
            order,
        };
        let mut docs: Vec<Doc> = (0..40)
            .map(|i| doc("central", "national", 2001 + i as i32, i))
            .collect();
        for (k, (p, y)) in [("henan", 2010), ("hubei", 2020), ("sichuan", 2030)]
            .into_iter()
            .enumerate()
        {
            docs.push(doc("local", p, y, 40 + k));
        }
        let inst: adoption::DocInstruments = (0..docs.len())
            .map(|i| BTreeMap::from([("fiscal_support".to_string(), format!("{i}-1-1"))]))
            .collect();
        let cb = Codebook::default_codebook();
        let opts = DiffuseOptions {
            reuse: false,
            permutations: 9,
            ..DiffuseOptions::default()
        };
        from_parts(docs, &inst, &cb, &opts)
    }

    #[test]
    fn report_excerpts_are_built_without_the_rows_they_leave_out() {
        let d = many_central_documents();
        let full = tables_upto(&d, usize::MAX);
        let cut = tables_upto(&d, MARKDOWN_ROWS);
        assert_eq!(full.len(), cut.len());
        for ((f, n), (c, m)) in full.iter().zip(&cut) {
            assert_eq!((n, m), (&f.rows.len(), &f.rows.len()), "{}", f.id);
            assert_eq!(c.rows.len(), f.rows.len().min(MARKDOWN_ROWS), "{}", f.id);
            assert_eq!(c.rows, f.rows[..c.rows.len()], "{}", f.id);
            assert_eq!((&c.id, &c.note, &c.headers), (&f.id, &f.note, &f.headers));
        }
        let vertical = &full
            .iter()
            .find(|(t, _)| t.id == "diffusion_vertical")
            .unwrap()
            .0;
        assert_eq!(vertical.rows.len(), 40);
        // The provinces before each central document, by name: none before 2010, all three
        // from 2031.
        let before = |row: &[Cell]| row[11].render();
        assert_eq!(before(&vertical.rows[0]), "");
        assert_eq!(before(&vertical.rows[30]), "henan;hubei;sichuan");
        let lags = |row: &[Cell]| (row[9].render(), row[10].render());
        assert_eq!(lags(&vertical.rows[0]), ("3".into(), "19.0".into()));
        // The Markdown of the excerpt is that of the full tables: 10 more rows of 40.
        let md = markdown_of(&d, &cut, None);
        assert_eq!(md, markdown_of(&d, &full, None));
        assert!(
            md.contains("10 more rows in `diffusion_vertical.csv`."),
            "{md}"
        );
        assert!(
            md.contains("11 more rows in `diffusion_absorption.csv`."),
            "{md}"
        );
    }

    #[test]
    fn levels_parse() {
        assert_eq!("concept".parse::<Level>(), Ok(Level::Concept));
        assert!("core".parse::<Level>().is_err());
    }
}
