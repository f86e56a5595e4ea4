//! `report.html`: one self-contained page (inline CSS, SVG and script; nothing fetched):
//! the corpus summary, the tables of a paper (level and region × core type, with Chinese
//! and English labels), the charts, the documents, every report table, and all body units
//! with their matched terms highlighted, which a small inline script filters (core type,
//! category, level, region, province, year, uncoded, text) and shows a page at a time.

mod paper;
pub(crate) mod units;

pub use units::{DEFAULT_REPORT_UNITS, PAGE_SIZE};

use crate::error::{Error, Result};
use crate::report::tables::{Cell, Table};
use crate::write::tabular::Report;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use units::UnitsCollector;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// Appends `s` to `out` with `&`, `<`, `>` and `"` as entities, in one pass (as four
/// `replace`s in that order would: no entity holds a later character). Text without any
/// of them, the common case, is found so with `memchr` and copied whole.
fn esc_into(out: &mut String, s: &str) {
    let b = s.as_bytes();
    if memchr::memchr3(b'&', b'<', b'>', b).is_none() && memchr::memchr(b'"', b).is_none() {
        out.push_str(s);
        return;
    }
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let entity = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        // ASCII bytes: `i` is a character boundary.
        out.push_str(&s[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

fn table_html(t: &Table) -> String {
    let mut s = format!(
        "<section id=\"{id}\"><h2>{title}</h2><p class=\"note\">{note}</p>\
         <p class=\"file\">{id}.csv</p><div class=\"scroll\"><table class=\"data\"><thead><tr>",
        id = esc(&t.id),
        title = esc(&t.title),
        note = esc(&t.note)
    );
    for h in &t.headers {
        s.push_str("<th>");
        esc_into(&mut s, h);
        s.push_str("</th>");
    }
    s.push_str("</tr></thead><tbody>\n");
    for r in &t.rows {
        s.push_str("<tr>");
        for c in r {
            s.push_str(match c {
                Cell::Text(_) | Cell::Empty => "<td>",
                _ => "<td class=\"n\">",
            });
            match c {
                Cell::Text(text) => esc_into(&mut s, text),
                _ => esc_into(&mut s, &c.render()),
            }
            s.push_str("</td>");
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div></section>\n");
    s
}

/// A section of the report beyond its own (the diffusion section): placed before the
/// coded units, with a link in the navigation.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Anchor, and the link's text.
    pub id: String,
    /// Heading.
    pub title: String,
    /// The note under the heading (HTML).
    pub intro_html: String,
    /// Figures: (file name, inline SVG).
    pub charts: Vec<(String, String)>,
    /// Tables, each after the figures.
    pub tables: Vec<Table>,
}

impl Section {
    /// The section's HTML: heading, note, figures, then the tables.
    fn html(&self) -> String {
        let mut sec = format!(
            "<section id=\"{}\" class=\"charts\"><h2>{}</h2><p class=\"note\">{}</p>\n",
            esc(&self.id),
            esc(&self.title),
            self.intro_html
        );
        for (name, svg) in &self.charts {
            let _ = writeln!(sec, "<figure><!-- charts/{name} -->{svg}</figure>");
        }
        sec.push_str("</section>\n");
        for t in &self.tables {
            sec.push_str(&table_html(t));
        }
        sec
    }
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` (which occur only inside
/// JSON strings) as `\u003c`, `\u003e`, `\u0026`. Escaping only `</` was not enough:
/// `<!--<script>` in a document's text switches the HTML parser into a state where the
/// element runs on past its `</script>`, and the unit table came out empty.
fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = include_str!("report.css");

const SCRIPT: &str = include_str!("report.js");

/// Writes the report page `path` with `tables` (from [`Report::tables`]); `charts` are
/// (file name, SVG) pairs; documents come from `documents.csv` beside it and units from
/// `units` (gathered as `units.csv` was written; its JSON file is copied into the page and
/// removed); `extra` is placed before the units.
pub(crate) fn write_report(
    path: &Path,
    report: &Report,
    tables: &[Table],
    charts: &[(&str, String)],
    units: UnitsCollector,
    extra: Option<&Section>,
) -> Result<()> {
    let o = report.agg.overall();
    let refs: u64 = o.references.iter().sum();
    let c = report.counts;
    let docs_csv = path.with_file_name("documents.csv");
    let (docs, skipped) = units::read_documents(&docs_csv);
    let units = units.finish(&docs, report.cb)?;
    let mut s = String::with_capacity(400_000);
    s.push_str(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>policy-coder report</title><style>",
    );
    s.push_str(STYLE);
    s.push_str("</style></head><body>\n<h1>policy-coder report</h1>\n<nav>");
    s.push_str(
        "<a href=\"#summary\">Summary</a><a href=\"#paper\">Tables</a><a href=\"#charts\">Charts</a>\
         <a href=\"#documents\">Documents</a>",
    );
    for t in tables {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", esc(&t.id), esc(&t.id));
    }
    if let Some(x) = extra {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", esc(&x.id), esc(&x.id));
    }
    s.push_str("<a href=\"#units-section\">Units</a></nav>\n");
    let _ = writeln!(
        s,
        "<section id=\"summary\"><h2>Summary</h2><p>Codebook <b>{}</b> {} (hash {}), regions \
         <code>{}</code>, units <code>{}</code>.</p><table class=\"data\"><tbody>\
         <tr><td>files found</td><td class=\"n\">{}</td></tr>\
         <tr><td>documents coded</td><td class=\"n\">{}</td></tr>\
         <tr><td>files skipped</td><td class=\"n\">{}</td></tr>\
         <tr><td>body units</td><td class=\"n\">{}</td></tr>\
         <tr><td>coded units</td><td class=\"n\">{}</td></tr>\
         <tr><td>coding references</td><td class=\"n\">{refs}</td></tr>\
         </tbody></table></section>",
        esc(&report.cb.id),
        esc(&report.cb.version),
        esc(&report.cb.hash),
        esc(&report.settings.regions),
        esc(&report.settings.unit),
        c.files,
        c.coded,
        c.skipped,
        o.body_units,
        o.coded_units
    );
    s.push_str(&paper::paper_section(report.agg, report.cb));
    s.push_str("<section id=\"charts\" class=\"charts\"><h2>Charts</h2>\n");
    for (name, svg) in charts {
        let _ = writeln!(s, "<figure><!-- charts/{name} -->{svg}</figure>");
    }
    s.push_str("</section>\n");
    s.push_str(&units::documents_section(&docs, &skipped));
    s.push_str(
        "<h2 id=\"details\">Detailed tables</h2><p class=\"note\">Every table written as CSV, \
         in long format.</p>\n",
    );
    for t in tables {
        s.push_str(&table_html(t));
    }
    if let Some(x) = extra {
        s.push_str(&x.html());
    }
    s.push_str(&units.section);
    s.push_str("<script type=\"application/json\" id=\"units-data\">");
    let err = |e| Error::io(path, e);
    let f = std::fs::File::create(path).map_err(err)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    w.write_all(s.as_bytes()).map_err(err)?;
    let mut json =
        std::fs::File::open(&units.json_path).map_err(|e| Error::io(&units.json_path, e))?;
    std::io::copy(&mut json, &mut w).map_err(err)?;
    drop(json);
    std::fs::remove_file(&units.json_path).map_err(|e| Error::io(&units.json_path, e))?;
    write!(
        w,
        "</script>\n\
         <script type=\"application/json\" id=\"report-data\">{}</script>\n\
         <script>{SCRIPT}</script>\n</body></html>\n",
        units.meta_json
    )
    .map_err(err)?;
    w.flush().map_err(err)
}

#[cfg(test)]
mod esc_tests {
    use super::*;

    #[test]
    fn esc_is_the_four_replacements_in_one_pass() {
        for s in [
            "",
            "plain 文本",
            "a&b",
            "<tag attr=\"v\">x & y</tag>",
            "&amp;",
            "\"\"",
            "创新<>&\"末",
        ] {
            let four = s
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            assert_eq!(esc(s), four, "{s}");
        }
    }
}
