//! SVG charts of the share tables, written as plain SVG text: no fonts are embedded (labels
//! are ids with their Chinese codebook labels, drawn in the first CJK font of
//! [`FONTS`] the viewer has), no scripts, nothing fetched. Shares are the rounded values
//! of the share tables, shown with 2 decimals. Each chart is a function of the aggregates
//! to a string.

use crate::codebook::Codebook;
use crate::tally::aggregate::{Aggregator, Dim};
use std::fmt::Write as _;

/// Colours of the cores (supply, demand, environment, then more), colour-blind safe
/// (Okabe & Ito).
pub(crate) const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
];

/// The font stack of every chart: common CJK fonts of macOS, Windows and Linux before the
/// generic `sans-serif`, so that Chinese labels do not show as boxes.
pub const FONTS: &str = "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',sans-serif";

/// A core's legend name: its id and Chinese label (`supply 供给型`).
fn core_name(cb: &Codebook, c: usize) -> String {
    let core = &cb.cores[c];
    label_beside(&core.id, &core.label.zh)
}

fn label_beside(id: &str, zh: &str) -> String {
    if zh.is_empty() || zh == id {
        id.to_string()
    } else {
        format!("{id} {zh}")
    }
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn header(w: u32, h: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"{fonts}\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <text x=\"{x}\" y=\"22\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\">{t}</text>\n",
        x = w / 2,
        t = esc(title),
        fonts = FONTS
    )
}

/// A horizontal grid line from `x1` to `x2` at `y`, labelled on the left.
pub(crate) fn grid_line(s: &mut String, x1: f64, x2: f64, y: f64, label: &str) {
    let _ = writeln!(
        s,
        "<line x1=\"{x1}\" x2=\"{x2:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        x1 - 6.0,
        y + 4.0,
        esc(label)
    );
}

pub(crate) fn legend(s: &mut String, x: f64, y: f64, names: &[&str]) {
    for (i, n) in names.iter().enumerate() {
        let yy = y + i as f64 * 18.0;
        let _ = writeln!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            yy,
            PALETTE[i % PALETTE.len()],
            x + 17.0,
            yy + 10.5,
            esc(n)
        );
    }
}

/// Core shares (percent of references) per group of `dim`, each group one stacked bar of
/// 100 %; groups without references are left out.
pub fn stacked_core_shares(agg: &Aggregator, cb: &Codebook, dim: Dim) -> String {
    let groups: Vec<(String, Vec<f64>, u64)> = agg
        .groups(dim)
        .into_iter()
        .filter_map(|(g, t)| {
            let refs: Vec<u64> = (0..cb.cores.len())
                .map(|c| cb.categories_of(c).map(|k| t.references[k]).sum())
                .collect();
            let n: u64 = refs.iter().sum();
            crate::tally::aggregate::round_shares(&refs).map(|s| (g.to_string(), s, n))
        })
        .collect();
    let bar = 46.0;
    let gap = 22.0;
    let (left, top, plot_h) = (60.0, 50.0, 300.0);
    let plot_w = (groups.len().max(1) as f64) * (bar + gap) + gap;
    let w = (left + plot_w + 210.0) as u32;
    let h = (top + plot_h + 70.0) as u32;
    let mut s = header(
        w,
        h,
        &format!("Core shares by {} (% of references)", dim.as_str()),
    );
    for p in [0, 25, 50, 75, 100] {
        let y = top + plot_h * (1.0 - p as f64 / 100.0);
        grid_line(&mut s, left, left + plot_w, y, &format!("{p}%"));
    }
    for (i, (g, shares, n)) in groups.iter().enumerate() {
        let x = left + gap + i as f64 * (bar + gap);
        let mut y = top + plot_h;
        for (c, share) in shares.iter().enumerate() {
            let hh = plot_h * share / 100.0;
            y -= hh;
            let _ = writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar}\" height=\"{hh:.1}\" fill=\"{}\">\
                 <title>{}: {} {share:.2}%</title></rect>",
                PALETTE[c % PALETTE.len()],
                esc(g),
                esc(&core_name(cb, c))
            );
            if hh >= 14.0 {
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"white\" font-size=\"11\">{share:.2}</text>",
                    x + bar / 2.0,
                    y + hh / 2.0 + 4.0
                );
            }
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\" font-size=\"10\">n={n}</text>",
            x + bar / 2.0,
            top + plot_h + 18.0,
            esc(g),
            x + bar / 2.0,
            top + plot_h + 32.0
        );
    }
    let names: Vec<String> = (0..cb.cores.len()).map(|c| core_name(cb, c)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    legend(&mut s, left + plot_w + 20.0, top, &names);
    s.push_str("</svg>\n");
    s
}

/// Horizontal bars of every category's share of all references, coloured by core.
pub fn category_bars(agg: &Aggregator, cb: &Codebook) -> String {
    let overall = agg.overall();
    let shares = crate::tally::aggregate::round_shares(&overall.references)
        .unwrap_or_else(|| vec![0.0; cb.categories.len()]);
    let row = 20.0;
    let (left, top, plot_w) = (300.0, 44.0, 420.0);
    let max = shares.iter().copied().fold(1.0f64, f64::max);
    let h = (top + row * cb.categories.len() as f64 + 40.0) as u32;
    let w = (left + plot_w + 230.0) as u32;
    let mut s = header(w, h, "Category shares, all documents (% of references)");
    let order: Vec<usize> = (0..cb.cores.len())
        .flat_map(|c| cb.categories_of(c))
        .collect();
    for (i, &k) in order.iter().enumerate() {
        let y = top + i as f64 * row;
        let bw = plot_w * shares[k] / max;
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {:.2}% ({} references)</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\">{:.2}</text>",
            left - 6.0,
            y + 13.0,
            esc(&label_beside(&cb.categories[k].id, &cb.categories[k].label.zh)),
            row - 4.0,
            PALETTE[cb.categories[k].core % PALETTE.len()],
            esc(&cb.categories[k].id),
            shares[k],
            overall.references[k],
            left + bw + 4.0,
            y + 13.0,
            shares[k]
        );
    }
    let names: Vec<String> = (0..cb.cores.len()).map(|c| core_name(cb, c)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    legend(&mut s, left + plot_w + 50.0, top, &names);
    s.push_str("</svg>\n");
    s
}

/// References per core by year (the adoption of instruments over time), one line per core;
/// `unknown` years are left out.
pub fn adoption_by_year(agg: &Aggregator, cb: &Codebook) -> String {
    let years: Vec<(String, Vec<u64>)> = agg
        .groups(Dim::Year)
        .into_iter()
        .filter(|(g, _)| g.parse::<i32>().is_ok())
        .map(|(g, t)| {
            let refs = (0..cb.cores.len())
                .map(|c| cb.categories_of(c).map(|k| t.references[k]).sum())
                .collect();
            (g.to_string(), refs)
        })
        .collect();
    let (left, top, plot_w, plot_h) = (60.0, 50.0, 520.0, 260.0);
    let w = (left + plot_w + 220.0) as u32;
    let h = (top + plot_h + 60.0) as u32;
    let mut s = header(w, h, "Instrument references by year");
    let max = years
        .iter()
        .flat_map(|(_, r)| r.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    // A round axis maximum: 1, 2 or 5 times a power of ten.
    let mut step = 1u64;
    while step * 5 < max {
        step *= if step.to_string().starts_with('2') {
            5
        } else {
            2
        };
    }
    let axis_max = max.div_ceil(step) * step;
    let ticks = axis_max / step;
    for t in 0..=ticks {
        let v = t * step;
        let y = top + plot_h * (1.0 - v as f64 / axis_max as f64);
        grid_line(&mut s, left, left + plot_w, y, &v.to_string());
    }
    let n = years.len();
    let x_of = |i: usize| {
        if n <= 1 {
            left + plot_w / 2.0
        } else {
            left + 20.0 + (plot_w - 40.0) * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: u64| top + plot_h * (1.0 - v as f64 / axis_max as f64);
    for (i, (y, _)) in years.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x_of(i),
            top + plot_h + 18.0,
            esc(y)
        );
    }
    for c in 0..cb.cores.len() {
        let colour = PALETTE[c % PALETTE.len()];
        let points: Vec<String> = years
            .iter()
            .enumerate()
            .map(|(i, (_, r))| format!("{:.1},{:.1}", x_of(i), y_of(r[c])))
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            points.join(" ")
        );
        for (i, (y, r)) in years.iter().enumerate() {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{} {}: {}</title></circle>",
                x_of(i),
                y_of(r[c]),
                esc(y),
                esc(&cb.cores[c].id),
                r[c]
            );
        }
    }
    if years.is_empty() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">no documents with a known year</text>",
            left + plot_w / 2.0,
            top + plot_h / 2.0
        );
    }
    let names: Vec<String> = (0..cb.cores.len()).map(|c| core_name(cb, c)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    legend(&mut s, left + plot_w + 20.0, top, &names);
    s.push_str("</svg>\n");
    s
}

/// All charts as (file name, SVG), in report order.
pub fn all(agg: &Aggregator, cb: &Codebook) -> Vec<(&'static str, String)> {
    vec![
        (
            "core_shares_by_level.svg",
            stacked_core_shares(agg, cb, Dim::Level),
        ),
        (
            "core_shares_by_region.svg",
            stacked_core_shares(agg, cb, Dim::Region),
        ),
        ("category_shares.svg", category_bars(agg, cb)),
        ("references_by_year.svg", adoption_by_year(agg, cb)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::aggregate::GroupKeys;

    fn sample() -> (Aggregator, Codebook) {
        let cb = Codebook::default_codebook();
        let mut agg = Aggregator::new(cb.categories.len());
        let k = |level: &str, region: &str, year: &str| GroupKeys {
            level: level.into(),
            region: region.into(),
            province: "x".into(),
            year: year.into(),
        };
        let fiscal = cb.category_index("fiscal_support").unwrap();
        let ecom = cb.category_index("e_commerce").unwrap();
        agg.add_unit(&k("central", "national", "2015"), &[fiscal, ecom], false);
        agg.add_unit(&k("local", "west", "2018"), &[fiscal], false);
        agg.add_unit(&k("local", "west", "unknown"), &[fiscal], false);
        (agg, cb)
    }

    #[test]
    fn stacked_bars_have_one_segment_per_core_and_group_in_proportion() {
        let (agg, cb) = sample();
        let svg = stacked_core_shares(&agg, &cb, Dim::Level);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        // central: supply 50 %, demand 50 % → two 150-px segments of a 300-px bar.
        assert!(
            svg.contains("<title>central: supply 供给型政策工具 50.00%</title>"),
            "{svg}"
        );
        assert!(svg.contains("height=\"150.0\""));
        assert!(svg.contains("<title>local: supply 供给型政策工具 100.00%</title>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            2 * 3 + 3,
            "bars × cores + legend"
        );
    }

    #[test]
    fn category_bars_and_year_lines_cover_everything() {
        let (agg, cb) = sample();
        let bars = category_bars(&agg, &cb);
        assert_eq!(bars.matches("<title>").count(), cb.categories.len());
        assert!(bars.contains("fiscal_support: 75.00% (3 references)"));
        let years = adoption_by_year(&agg, &cb);
        assert!(
            years.contains(">2015<") && years.contains(">2018<") && !years.contains(">unknown<")
        );
        assert_eq!(years.matches("<polyline").count(), cb.cores.len());
        // Deterministic output.
        assert_eq!(years, adoption_by_year(&agg, &cb));
    }
}
