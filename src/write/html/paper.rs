//! The tables a paper reports, at the top of `report.html`: government level × core and
//! region × core (documents, units, references, and per core its count and share), then
//! the categories by level and by region, with Chinese and English labels. The numbers
//! are those of `report.md` (the same tallies, the same largest-remainder shares).

use super::esc;
use crate::codebook::{Codebook, Label};
use crate::tally::aggregate::{share_rows_of, Aggregator, Dim, ShareRow, Tally};
use std::fmt::Write as _;

/// Chinese and English names of a group value (`central` level → 中央 / Central); `None`
/// for a value with no known name (a user's own region, a year).
pub(crate) fn group_label(dim: Dim, g: &str) -> Option<(String, String)> {
    let pair = |zh: &str, en: &str| Some((zh.to_string(), en.to_string()));
    match (dim, g) {
        (_, crate::geo::region::UNKNOWN) => pair("未知", "Unknown"),
        (Dim::Overall, _) => pair("合计", "All"),
        (Dim::Level, "central") => pair("中央", "Central"),
        (Dim::Level, "local") => pair("地方", "Local"),
        (Dim::Region, "east") => pair("东部", "East"),
        // Other names the central belt may be given so as not to read as a level.
        (Dim::Region, "central" | "central_region" | "mid" | "middle") => pair("中部", "Central"),
        (Dim::Region, "west") => pair("西部", "West"),
        (Dim::Region, "northeast") => pair("东北", "Northeast"),
        (Dim::Region | Dim::Province, crate::geo::region::NATIONAL) => {
            pair("全国（中央）", "National (central)")
        }
        (Dim::Province, p) => crate::geo::province::all()
            .iter()
            .find(|x| x.id == p)
            .map(|p| {
                let en = p.en.first().copied().unwrap_or(p.id);
                (p.zh.to_string(), en.to_string())
            }),
        _ => None,
    }
}

/// A group's cell: its Chinese name over its id, or the id alone.
fn group_cell(dim: Dim, g: &str) -> String {
    match group_label(dim, g) {
        Some((zh, en)) => format!(
            "<th scope=\"row\" class=\"lbl\">{} <span class=\"en\">{}</span> <code>{}</code></th>",
            esc(&zh),
            esc(&en),
            esc(g)
        ),
        None => format!(
            "<th scope=\"row\" class=\"lbl\"><code>{}</code></th>",
            esc(g)
        ),
    }
}

/// A codebook label: Chinese, then English in a lighter span, then the id.
fn label_html(label: &Label, id: &str) -> String {
    let mut s = String::new();
    if !label.zh.is_empty() {
        let _ = write!(s, "{} ", esc(&label.zh));
    }
    if !label.en.is_empty() {
        let _ = write!(s, "<span class=\"en\">{}</span> ", esc(&label.en));
    }
    let _ = write!(s, "<code>{}</code>", esc(id));
    s
}

fn fmt_pct(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

/// Level × core or region × core: a row per group (and a total row), columns documents,
/// body units, coded units, references, then count and share % per core.
fn core_table(out: &mut String, agg: &Aggregator, cb: &Codebook, dim: Dim, n: usize) {
    let (zh, en) = match dim {
        Dim::Level => ("政府层级", "Government level"),
        _ => ("区域", "Region"),
    };
    let _ = write!(
        out,
        "<section id=\"paper-{dim}\"><h3>Table {n}. {zh} × 政策工具类型 / {en} × instrument type</h3>\
         <p class=\"note\">Coding references (a category counts once per unit) by core instrument \
         type; share % of the references in each group, rounded so that a group's shares add up \
         to 100.00. As in report.md and <span class=\"file\">shares_by_{dim}.csv</span>.</p>\
         <div class=\"wide\"><table class=\"data paper\" id=\"paper-{dim}-table\"><thead><tr>\
         <th rowspan=\"2\">{zh} <span class=\"en\">{en}</span></th>\
         <th rowspan=\"2\" class=\"n\">文件数 <span class=\"en\">documents</span></th>\
         <th rowspan=\"2\" class=\"n\">正文单元 <span class=\"en\">body units</span></th>\
         <th rowspan=\"2\" class=\"n\">已编码单元 <span class=\"en\">coded units</span></th>\
         <th rowspan=\"2\" class=\"n\">参考点 <span class=\"en\">references</span></th>",
        dim = dim.as_str()
    );
    for c in &cb.cores {
        let _ = write!(
            out,
            "<th colspan=\"2\" class=\"core\">{}</th>",
            label_html(&c.label, &c.id)
        );
    }
    out.push_str("</tr><tr>");
    for _ in &cb.cores {
        out.push_str("<th class=\"n\">n</th><th class=\"n\">%</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    let overall = agg.overall();
    let groups = agg.groups(dim);
    let total = [("all", &overall)];
    for (i, (g, t)) in groups.iter().chain(total.iter()).enumerate() {
        let is_total = i == groups.len();
        let row_dim = if is_total { Dim::Overall } else { dim };
        let _ = write!(
            out,
            "<tr data-group=\"{}\"{}>{}",
            esc(g),
            if is_total { " class=\"total\"" } else { "" },
            group_cell(row_dim, g)
        );
        core_cells(out, t, cb);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div></section>\n");
}

/// The count cells of a group's row: documents, body units, coded units, references, then
/// n and % of each core.
fn core_cells(out: &mut String, t: &Tally, cb: &Codebook) {
    let refs: u64 = t.references.iter().sum();
    let _ = write!(
        out,
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{refs}</td>",
        t.documents, t.body_units, t.coded_units
    );
    for r in share_rows_of("", &t.references, cb)
        .iter()
        .filter(|r| r.category.is_empty())
    {
        let _ = write!(
            out,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
            r.references,
            fmt_pct(r.share_pct)
        );
    }
}

/// Categories × groups of `dim`: all documents (n, %, % within the core), then n and %
/// per group.
fn category_table(out: &mut String, agg: &Aggregator, cb: &Codebook, dim: Dim, n: usize) {
    let (zh, en) = match dim {
        Dim::Level => ("政府层级", "government level"),
        _ => ("区域", "region"),
    };
    let groups = agg.groups(dim);
    let overall = agg.overall();
    let _ = write!(
        out,
        "<section id=\"paper-category-{dim}\"><h3>Table {n}. 政策工具 × {zh} / Instruments by {en}</h3>\
         <p class=\"note\">References per core type (bold) and category; % is the share of all \
         references in the column's group, “in core” the share within the category's core type.</p>\
         <div class=\"wide\"><table class=\"data paper\" id=\"paper-category-{dim}-table\"><thead><tr>\
         <th rowspan=\"2\">政策工具 <span class=\"en\">instrument</span></th>\
         <th colspan=\"3\" class=\"core\">合计 <span class=\"en\">All</span></th>",
        dim = dim.as_str()
    );
    for (g, _) in &groups {
        let (zh, en) = group_label(dim, g).unwrap_or_else(|| (String::new(), g.to_string()));
        let _ = write!(
            out,
            "<th colspan=\"2\" class=\"core\">{} <span class=\"en\">{}</span></th>",
            esc(&zh),
            esc(&en)
        );
    }
    out.push_str(
        "</tr><tr><th class=\"n\">n</th><th class=\"n\">%</th><th class=\"n\">in core %</th>",
    );
    for _ in &groups {
        out.push_str("<th class=\"n\">n</th><th class=\"n\">%</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    let all = share_rows_of("all", &overall.references, cb);
    let per_group: Vec<Vec<ShareRow>> = groups
        .iter()
        .map(|(g, t)| share_rows_of(g, &t.references, cb))
        .collect();
    for (i, r) in all.iter().enumerate() {
        let is_core = r.category.is_empty();
        let label = if is_core {
            cb.cores
                .iter()
                .find(|c| c.id == r.core)
                .map(|c| label_html(&c.label, &c.id))
        } else {
            cb.categories
                .iter()
                .find(|c| c.id == r.category)
                .map(|c| label_html(&c.label, &c.id))
        }
        .unwrap_or_default();
        let id = if is_core { &r.core } else { &r.category };
        let _ = write!(
            out,
            "<tr data-code=\"{}\"{}><th scope=\"row\" class=\"lbl\">{label}</th>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            esc(id),
            if is_core { " class=\"corerow\"" } else { "" },
            r.references,
            fmt_pct(r.share_pct),
            fmt_pct(r.share_in_core_pct)
        );
        for rows in &per_group {
            let g = &rows[i];
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                g.references,
                fmt_pct(g.share_pct)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div></section>\n");
}

/// The paper tables section (`id="paper"`).
pub(crate) fn paper_section(agg: &Aggregator, cb: &Codebook) -> String {
    let mut s = String::from(
        "<section id=\"paper\"><h2>政策工具分布 / Instrument distribution</h2>\
         <p class=\"note\">The tables a policy-instrument paper reports, with the codebook's \
         Chinese and English labels. Central documents have region “national”; \
         “unknown” groups are shown, not guessed.</p>\n",
    );
    core_table(&mut s, agg, cb, Dim::Level, 1);
    core_table(&mut s, agg, cb, Dim::Region, 2);
    category_table(&mut s, agg, cb, Dim::Level, 3);
    category_table(&mut s, agg, cb, Dim::Region, 4);
    s.push_str("</section>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::aggregate::GroupKeys;

    fn keys(level: &str, region: &str) -> GroupKeys {
        GroupKeys {
            level: level.into(),
            region: region.into(),
            province: "sichuan".into(),
            year: "2020".into(),
        }
    }

    #[test]
    fn core_table_rows_hold_counts_and_shares_of_each_group() {
        let cb = Codebook::default_codebook();
        let mut agg = Aggregator::new(cb.categories.len());
        let supply = cb.categories_of(0).next().unwrap();
        let demand = cb.categories_of(1).next().unwrap();
        let k = keys("local", "west");
        agg.add_document(&k);
        agg.add_unit(&k, &[supply], false);
        agg.add_unit(&k, &[supply, demand], false);
        agg.add_unit(&k, &[], false);
        agg.add_unit(&k, &[demand], true);
        let html = paper_section(&agg, &cb);
        let row = html
            .split("<tr data-group=\"local\">")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert!(row.contains("地方"), "{row}");
        let cells: Vec<&str> = row
            .split("<td class=\"n\">")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap())
            .collect();
        // documents, body units, coded units, references, then n and % per core.
        assert_eq!(
            cells,
            ["1", "3", "2", "3", "2", "66.67", "1", "33.33", "0", "0.00"]
        );
        assert!(html.contains("供给型政策工具"));
        assert!(html.contains("<tr data-group=\"west\">"));
    }

    #[test]
    fn group_labels_are_known_for_levels_regions_and_provinces_only() {
        assert_eq!(group_label(Dim::Level, "central").unwrap().0, "中央");
        assert_eq!(group_label(Dim::Region, "central").unwrap().0, "中部");
        assert_eq!(group_label(Dim::Province, "sichuan").unwrap().0, "四川");
        assert!(group_label(Dim::Region, "<b>").is_none());
        assert!(group_cell(Dim::Region, "<b>").contains("&lt;b&gt;"));
    }
}
