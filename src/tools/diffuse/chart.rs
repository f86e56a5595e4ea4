//! SVG charts of adoption curves, in the style of [`crate::write::svg`]: cumulative adopting
//! provinces by year per core (a province adopts a core when it adopts any of its
//! instruments), and small multiples of each instrument's curve with its logistic fit.

use super::curves::{Curve, PROVINCES};
use crate::write::svg::{esc, grid_line, header, legend, PALETTE};
use std::fmt::Write as _;

fn x_of(years: &[i32], y: i32, left: f64, w: f64) -> f64 {
    let span = (years.last().unwrap_or(&0) - years.first().unwrap_or(&0)).max(1) as f64;
    left + w * (y - years.first().unwrap_or(&0)) as f64 / span
}

/// Lines of cumulative adopting provinces by year, one per core (`series`: core id and
/// cumulative counts over `years`).
pub fn cores_chart(years: &[i32], series: &[(String, Vec<usize>)]) -> String {
    let (left, top, pw, ph) = (60.0, 50.0, 520.0, 280.0);
    let mut s = header(
        (left + pw + 170.0) as u32,
        (top + ph + 60.0) as u32,
        "Provinces that adopted each core, cumulative",
    );
    for v in [0, 10, 20, 31] {
        let y = top + ph * (1.0 - v as f64 / PROVINCES as f64);
        grid_line(&mut s, left, left + pw, y, &v.to_string());
    }
    for &yr in years {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{yr}</text>",
            x_of(years, yr, left, pw),
            top + ph + 16.0
        );
    }
    for (i, (core, cum)) in series.iter().enumerate() {
        let pts: Vec<String> = years
            .iter()
            .zip(cum)
            .map(|(&yr, &c)| {
                format!(
                    "{:.1},{:.1}",
                    x_of(years, yr, left, pw),
                    top + ph * (1.0 - c as f64 / PROVINCES as f64)
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            PALETTE[i % PALETTE.len()],
            pts.join(" "),
            esc(core)
        );
    }
    let names: Vec<&str> = series.iter().map(|(c, _)| c.as_str()).collect();
    legend(&mut s, left + pw + 20.0, top, &names);
    s.push_str("</svg>\n");
    s
}

/// Small multiples: one panel per instrument with its cumulative share of provinces
/// (bars) and the fitted logistic (line), take-off year marked.
pub fn curves_chart(curves: &[Curve]) -> String {
    let cols = 4usize;
    let (pw, ph, gap) = (170.0, 90.0, 48.0);
    let rows = curves.len().div_ceil(cols).max(1);
    let w = (cols as f64 * (pw + gap) + gap) as u32;
    let h = (50.0 + rows as f64 * (ph + gap + 10.0)) as u32;
    let mut s = header(
        w,
        h,
        "Adoption curves: share of provinces by year, logistic fit",
    );
    for (i, c) in curves.iter().enumerate() {
        let x0 = gap + (i % cols) as f64 * (pw + gap);
        let y0 = 50.0 + (i / cols) as f64 * (ph + gap + 10.0) + 16.0;
        let colour = PALETTE[i % PALETTE.len()];
        let _ = writeln!(
            s,
            "<text x=\"{x0:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\">{}</text>\
             <rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#ccc\"/>",
            y0 - 4.0,
            esc(&c.instrument)
        );
        let n = c.years.len().max(1) as f64;
        let bw = pw / n;
        for (k, (&yr, &cum)) in c.years.iter().zip(&c.cumulative).enumerate() {
            let share = cum as f64 / PROVINCES as f64;
            let bh = ph * share;
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{colour}\" opacity=\"0.45\"><title>{yr}: {cum} provinces</title></rect>",
                x0 + k as f64 * bw + 1.0,
                y0 + ph - bh,
                (bw - 2.0).max(1.0)
            );
        }
        if let Some(f) = c.fit {
            let pts: Vec<String> = (0..=40)
                .map(|j| {
                    let t = c.years[0] as f64 + (n - 1.0) * j as f64 / 40.0;
                    let v = f.saturation / (1.0 + (-(t - f.midpoint) / f.scale).exp());
                    format!(
                        "{:.1},{:.1}",
                        x0 + bw * (t - c.years[0] as f64 + 0.5),
                        y0 + ph * (1.0 - v)
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\" points=\"{}\"/>",
                pts.join(" ")
            );
        }
        if let Some(t) = c.takeoff {
            let x = x0 + bw * ((t - c.years[0]) as f64 + 0.5);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y0:.1}\" y2=\"{:.1}\" stroke=\"#D55E00\" stroke-dasharray=\"3,2\"><title>take-off {t}</title></line>",
                y0 + ph
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{x0:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#666\">{}–{}</text>",
            y0 + ph + 13.0,
            c.years.first().unwrap_or(&0),
            c.years.last().unwrap_or(&0)
        );
    }
    s.push_str("</svg>\n");
    s
}
