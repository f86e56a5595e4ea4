//! Report tables as plain data (headers and typed cells), built from the aggregates, so
//! that every writer — CSV, Markdown, Excel, HTML — renders the same tables.

use crate::codebook::Codebook;
use crate::geo::region::{NATIONAL, UNKNOWN};
use crate::stats::{self, ChiSquare};
use crate::tally::aggregate::{Aggregator, Dim};
use crate::tally::keywords::Keywords;

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Int(u64),
    /// A percentage, 0–100.
    Pct(f64),
    /// A number with this many decimals.
    Num(f64, u8),
    /// A p-value.
    P(f64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// The cell as text, as CSV and Markdown show it.
    pub fn render(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Pct(x) => format!("{x:.2}"),
            Cell::Num(x, d) if x.is_finite() => format!("{x:.*}", *d as usize),
            Cell::P(p) if p.is_finite() => format_p(*p),
            Cell::Num(..) | Cell::P(_) | Cell::Empty => String::new(),
        }
    }
}

/// A p-value with four significant decimals, or in scientific notation when tiny.
pub fn format_p(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File stem and sheet name, e.g. `chisq`.
    pub id: String,
    /// Title for reports.
    pub title: String,
    /// What the table shows and what was left out.
    pub note: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells, as many as headers.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(id: &str, title: &str, headers: &[&str]) -> Self {
        Table {
            id: id.into(),
            title: title.into(),
            note: String::new(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// The table with only its first `n` rows (the others are not copied).
    pub fn head(&self, n: usize) -> Table {
        Table {
            id: self.id.clone(),
            title: self.title.clone(),
            note: self.note.clone(),
            headers: self.headers.clone(),
            rows: self.rows.iter().take(n).cloned().collect(),
        }
    }

    /// The table as CSV text.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&self.headers);
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(Cell::render));
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The table as a Markdown table (numbers right-aligned).
    pub fn to_markdown(&self) -> String {
        let esc = |s: String| md_cell(&s);
        let mut s = format!(
            "| {} |\n|",
            self.headers
                .iter()
                .map(|h| md_cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        for i in 0..self.headers.len() {
            let numeric = self.rows.iter().any(|r| {
                matches!(
                    r.get(i),
                    Some(Cell::Int(_) | Cell::Pct(_) | Cell::Num(..) | Cell::P(_))
                )
            });
            s.push_str(if numeric { "---:|" } else { "---|" });
        }
        s.push('\n');
        for r in &self.rows {
            s.push_str("| ");
            s.push_str(
                &r.iter()
                    .map(|c| esc(c.render()))
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
            s.push_str(" |\n");
        }
        s
    }
}

/// Monte Carlo replicates for sparse tables: 2,000, fewer for very large tables (each
/// replicate costs one update per reference), never under 200.
fn replicates(n: u64) -> u32 {
    (50_000_000 / n.max(1)).clamp(200, 2000) as u32
}

/// Seed of the Monte Carlo p-values.
pub const SEED: u64 = 7;

/// A contingency table to test, with its name (`region x core`).
struct Contingency {
    name: String,
    rows: Vec<String>,
    columns: Vec<String>,
    counts: Vec<Vec<u64>>,
    dropped: String,
}

/// Group × core and group × category tables for level and region, known groups only.
fn group_tables(agg: &Aggregator, cb: &Codebook) -> Vec<Contingency> {
    let mut out = Vec::new();
    for dim in [Dim::Level, Dim::Region] {
        let groups = agg.groups(dim);
        let (known, left): (Vec<_>, Vec<_>) = groups
            .into_iter()
            .partition(|(g, _)| *g != UNKNOWN && *g != NATIONAL);
        let dropped = left
            .iter()
            .map(|(g, t)| format!("{g} ({} references)", t.references.iter().sum::<u64>()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<String> = known.iter().map(|(g, _)| g.to_string()).collect();
        let by_core = known
            .iter()
            .map(|(_, t)| {
                (0..cb.cores.len())
                    .map(|c| cb.categories_of(c).map(|k| t.references[k]).sum())
                    .collect()
            })
            .collect();
        out.push(Contingency {
            name: format!("{} x core", dim.as_str()),
            rows: rows.clone(),
            columns: cb.cores.iter().map(|c| c.id.clone()).collect(),
            counts: by_core,
            dropped: dropped.clone(),
        });
        out.push(Contingency {
            name: format!("{} x category", dim.as_str()),
            rows,
            columns: cb.categories.iter().map(|c| c.id.clone()).collect(),
            counts: known.iter().map(|(_, t)| t.references.clone()).collect(),
            dropped,
        });
    }
    out
}

/// Core × value and category × value tables for each codebook dimension.
fn dimension_tables(agg: &Aggregator, cb: &Codebook) -> Vec<Contingency> {
    let mut out = Vec::new();
    for (d, dim) in cb.dimensions.iter().enumerate() {
        let values: Vec<usize> = cb.values_of(d).collect();
        let columns: Vec<String> = values
            .iter()
            .map(|&v| cb.dimension_values[v].id.clone())
            .collect();
        let cat_counts: Vec<Vec<u64>> = (0..cb.categories.len())
            .map(|k| values.iter().map(|&v| agg.cross_count(k, v)).collect())
            .collect();
        let core_counts = (0..cb.cores.len())
            .map(|c| {
                values
                    .iter()
                    .enumerate()
                    .map(|(j, _)| cb.categories_of(c).map(|k| cat_counts[k][j]).sum())
                    .collect()
            })
            .collect();
        out.push(Contingency {
            name: format!("core x {}", dim.id),
            rows: cb.cores.iter().map(|c| c.id.clone()).collect(),
            columns: columns.clone(),
            counts: core_counts,
            dropped: String::new(),
        });
        out.push(Contingency {
            name: format!("category x {}", dim.id),
            rows: cb.categories.iter().map(|c| c.id.clone()).collect(),
            columns,
            counts: cat_counts,
            dropped: String::new(),
        });
    }
    out
}

/// Chi-square tests of every group × instrument and instrument × dimension table, and the
/// adjusted residuals of their cells.
pub fn chi_square_tables(agg: &Aggregator, cb: &Codebook) -> (Table, Table) {
    let mut tests = Table::new(
        "chisq",
        "Chi-square tests of independence",
        &[
            "table",
            "rows",
            "columns",
            "n",
            "chi2",
            "df",
            "p_value",
            "cramers_v",
            "min_expected",
            "note",
        ],
    );
    tests.note = format!(
        "Pearson's chi-square on coding references; rows or columns with no references are \
         dropped; groups `unknown` and `national` are left out of group tables. When an \
         expected count is below {}, a Monte Carlo p-value (permutation with both margins \
         fixed, seed {SEED}) is given in the note.",
        stats::MIN_EXPECTED
    );
    let mut cells = Table::new(
        "chisq_residuals",
        "Adjusted standardized residuals",
        &[
            "table",
            "row",
            "column",
            "observed",
            "expected",
            "adjusted_residual",
            "significant",
        ],
    );
    cells.note = format!(
        "(observed − expected) / √(expected (1 − row share)(1 − column share)); `*` marks \
         |r| > {} (more or fewer references than independence predicts, at 5 %).",
        stats::RESIDUAL_CUTOFF
    );
    for t in group_tables(agg, cb)
        .into_iter()
        .chain(dimension_tables(agg, cb))
    {
        let n: u64 = t.counts.iter().flatten().sum();
        let mut notes = Vec::new();
        if !t.dropped.is_empty() {
            notes.push(format!("left out: {}", t.dropped));
        }
        let result: Option<ChiSquare> =
            stats::chi_square(&t.rows, &t.columns, &t.counts, replicates(n), SEED);
        let Some(x) = result else {
            notes.insert(
                0,
                "not testable: fewer than two rows or columns with references".into(),
            );
            tests.rows.push(vec![
                Cell::Text(t.name),
                Cell::Int(t.rows.len() as u64),
                Cell::Int(t.columns.len() as u64),
                Cell::Int(n),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Text(notes.join("; ")),
            ]);
            continue;
        };
        if let Some(mc) = x.monte_carlo {
            notes.insert(
                0,
                format!(
                    "{:.0} % of expected counts < 5: Monte Carlo p = {} ({} replicates)",
                    x.sparse_cells * 100.0,
                    format_p(mc.p_value),
                    mc.replicates
                ),
            );
        }
        tests.rows.push(vec![
            Cell::Text(t.name.clone()),
            Cell::Int(x.rows.len() as u64),
            Cell::Int(x.columns.len() as u64),
            Cell::Int(x.n),
            Cell::Num(x.chi2, 3),
            Cell::Int(x.df as u64),
            Cell::P(x.p_value),
            Cell::Num(x.cramers_v, 3),
            Cell::Num(x.min_expected, 2),
            Cell::Text(notes.join("; ")),
        ]);
        for (i, r) in x.rows.iter().enumerate() {
            for (j, c) in x.columns.iter().enumerate() {
                let res = x.residuals[i][j];
                cells.rows.push(vec![
                    Cell::Text(t.name.clone()),
                    Cell::Text(r.clone()),
                    Cell::Text(c.clone()),
                    Cell::Int(x.observed[i][j]),
                    Cell::Num(x.expected[i][j], 2),
                    Cell::Num(res, 2),
                    Cell::Text(
                        if res.abs() > stats::RESIDUAL_CUTOFF {
                            "*"
                        } else {
                            ""
                        }
                        .into(),
                    ),
                ]);
            }
        }
    }
    (tests, cells)
}

/// Instrument × value cross-tabs of every codebook dimension, long format: counts of body
/// units with both, and shares within the instrument (row) and within the value (column).
pub fn crosstab_tables(agg: &Aggregator, cb: &Codebook) -> Vec<Table> {
    let mut out = Vec::new();
    for (d, dim) in cb.dimensions.iter().enumerate() {
        let values: Vec<usize> = cb.values_of(d).collect();
        let mut t = Table::new(
            &format!("crosstab_{}", dim.id),
            &format!(
                "Instrument × {} ({} {})",
                dim.id, dim.label.zh, dim.label.en
            ),
            &[
                "level",
                "instrument",
                "instrument_zh",
                "instrument_en",
                &dim.id,
                &format!("{}_zh", dim.id),
                &format!("{}_en", dim.id),
                "units",
                "row_share_pct",
                "column_share_pct",
            ],
        );
        t.note = format!(
            "Body units coded with both the instrument and the {} value (a unit may have \
             several of each). Row share: of the instrument's units with any {0} value; \
             column share: of the value's units within the same level (core or category). \
             Units with the value: {}.",
            dim.id,
            values
                .iter()
                .map(|&v| format!("{} {}", cb.dimension_values[v].id, agg.dimension_units(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let cat: Vec<Vec<u64>> = (0..cb.categories.len())
            .map(|k| values.iter().map(|&v| agg.cross_count(k, v)).collect())
            .collect();
        let core: Vec<Vec<u64>> = (0..cb.cores.len())
            .map(|c| {
                (0..values.len())
                    .map(|j| cb.categories_of(c).map(|k| cat[k][j]).sum())
                    .collect()
            })
            .collect();
        for (level, names, counts) in [
            (
                "core",
                cb.cores
                    .iter()
                    .map(|c| (c.id.as_str(), &c.label))
                    .collect::<Vec<_>>(),
                &core,
            ),
            (
                "category",
                cb.categories
                    .iter()
                    .map(|c| (c.id.as_str(), &c.label))
                    .collect(),
                &cat,
            ),
        ] {
            let col_totals: Vec<u64> = (0..values.len())
                .map(|j| counts.iter().map(|r| r[j]).sum())
                .collect();
            for ((name, label), row) in names.iter().zip(counts.iter()) {
                let row_total: u64 = row.iter().sum();
                for (j, &v) in values.iter().enumerate() {
                    let share = |n: u64, of: u64| {
                        crate::tally::aggregate::percent(n, of).map_or(Cell::Empty, Cell::Pct)
                    };
                    let value = &cb.dimension_values[v];
                    t.rows.push(vec![
                        Cell::Text(level.into()),
                        Cell::Text(name.to_string()),
                        Cell::Text(label.zh.clone()),
                        Cell::Text(label.en.clone()),
                        Cell::Text(value.id.clone()),
                        Cell::Text(value.label.zh.clone()),
                        Cell::Text(value.label.en.clone()),
                        Cell::Int(row[j]),
                        share(row[j], row_total),
                        share(row[j], col_totals[j]),
                    ]);
                }
            }
        }
        out.push(t);
    }
    out
}

/// Top keywords per level and region group, and their keyness.
pub fn keyword_tables(kw: &Keywords, dims: &[Dim], top: usize) -> (Table, Table) {
    let mut freq = Table::new(
        "keywords",
        "Keyword frequencies by group",
        &["dimension", "group", "rank", "word", "count", "share_pct"],
    );
    freq.note = "Share of all words kept in the group (body units; stop words, single characters and numbers left out).".into();
    let mut key = Table::new(
        "keyness",
        "Keyness: words characteristic of a group",
        &[
            "dimension",
            "group",
            "reference",
            "word",
            "count",
            "reference_count",
            "share_pct",
            "reference_share_pct",
            "g2",
            "p_value",
            "log_ratio",
        ],
    );
    key.note = "Log-likelihood G² (Rayson & Garside 2000) against the other group, or the rest of the known groups; words relatively more frequent in the group with p < 0.05, by G². Log ratio: log₂ of the ratio of relative frequencies.".into();
    for &dim in dims {
        let (top_rows, keyness_rows) = kw.rows(dim, top, (dim != Dim::Overall).then_some(0.05));
        for r in top_rows {
            freq.rows.push(vec![
                Cell::Text(r.dimension.into()),
                Cell::Text(r.group),
                Cell::Int(r.rank as u64),
                Cell::Text(r.word),
                Cell::Int(r.count),
                Cell::Pct(r.share_pct),
            ]);
        }
        for r in keyness_rows {
            key.rows.push(vec![
                Cell::Text(r.dimension.into()),
                Cell::Text(r.group),
                Cell::Text(r.reference),
                Cell::Text(r.word),
                Cell::Int(r.count),
                Cell::Int(r.reference_count),
                Cell::Pct(r.share_pct),
                Cell::Pct(r.reference_share_pct),
                Cell::Num(r.g2, 2),
                Cell::P(r.p_value),
                Cell::Num(r.log_ratio, 2),
            ]);
        }
    }
    (freq, key)
}

/// Text made safe for a Markdown table cell: `|` escaped, line breaks as spaces, and
/// `<` escaped where it could open an HTML tag or comment (`<script`, `</`, `<!--`), so
/// that a label, region or file name is shown as written, never run as HTML. `<0.001`
/// and `a < b` are left as they are.
pub fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                out.push_str("\\<")
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_csv_render_the_same_cells() {
        let mut t = Table::new("t", "T", &["name", "n", "share", "p"]);
        t.rows.push(vec![
            Cell::Text("a|b".into()),
            Cell::Int(3),
            Cell::Pct(12.345),
            Cell::P(0.00001234),
        ]);
        assert_eq!(t.to_csv(), "name,n,share,p\na|b,3,12.35,1.23e-5\n");
        assert_eq!(
            t.to_markdown(),
            "| name | n | share | p |\n|---|---:|---:|---:|\n| a\\|b | 3 | 12.35 | 1.23e-5 |\n"
        );
    }

    #[test]
    fn head_keeps_all_but_the_later_rows() {
        let mut t = Table::new("t", "T", &["n"]);
        t.note = "note".into();
        t.rows = (0..5).map(|i| vec![Cell::Int(i)]).collect();
        let mut want = t.clone();
        want.rows.truncate(2);
        assert_eq!(t.head(2), want);
        assert_eq!(t.head(9), t);
    }

    #[test]
    fn chi_square_tables_leave_out_unknown_groups_and_say_so() {
        use crate::tally::aggregate::GroupKeys;
        let cb = Codebook::default_codebook();
        let mut agg = Aggregator::new(cb.categories.len());
        let k = |level: &str, region: &str| GroupKeys {
            level: level.into(),
            region: region.into(),
            province: "x".into(),
            year: "2020".into(),
        };
        let supply = cb.category_index("fiscal_support").unwrap();
        let demand = cb.category_index("e_commerce").unwrap();
        for _ in 0..30 {
            agg.add_unit(&k("local", "east"), &[supply], false);
            agg.add_unit(&k("local", "west"), &[demand], false);
            agg.add_unit(&k("local", "west"), &[supply], false);
        }
        agg.add_unit(&k("unknown", "unknown"), &[supply, demand], false);
        let (tests, cells) = chi_square_tables(&agg, &cb);
        let row = tests
            .rows
            .iter()
            .find(|r| r[0] == Cell::Text("region x core".into()))
            .unwrap();
        // east 30/0, west 30/30 → X² = 90 · (30·30 − 0·30)² / (30·60·60·30) = 22.5.
        assert_eq!(row[3], Cell::Int(90));
        assert_eq!(row[4].render(), "22.500");
        assert!(
            row[9].render().contains("unknown (2 references)"),
            "{:?}",
            row[9]
        );
        let level = tests
            .rows
            .iter()
            .find(|r| r[0] == Cell::Text("level x core".into()))
            .unwrap();
        assert!(level[9].render().starts_with("not testable"));
        assert!(cells
            .rows
            .iter()
            .any(|r| r[0] == Cell::Text("region x core".into()) && r[6] == Cell::Text("*".into())));
    }
}
