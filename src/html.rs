//! `report.html`: one self-contained page (inline CSS, SVG and script; nothing fetched)
//! with the corpus summary, the charts, every report table, and the coded units, which a
//! small inline script filters by category, region, level and text.

use crate::output::Report;
use crate::tables::{Cell, Table};
use std::fmt::Write as _;
use std::path::Path;

/// Units embedded in the page at most; the rest are in `units.csv`.
pub const MAX_UNITS: usize = 20_000;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>\n");
    for r in &t.rows {
        s.push_str("<tr>");
        for c in r {
            let class = match c {
                Cell::Text(_) | Cell::Empty => "",
                _ => " class=\"n\"",
            };
            let _ = write!(s, "<td{class}>{}</td>", esc(&c.render()));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div></section>\n");
    s
}

/// `page` (a report from [`report_html`]) with one more section before the coded units:
/// a title, a note, figures (inline SVG) and tables, and a link to it in the navigation.
pub fn with_section(
    page: &str,
    id: &str,
    title: &str,
    intro_html: &str,
    charts: &[(&str, String)],
    tables: &[Table],
) -> String {
    let mut sec = format!(
        "<section id=\"{}\" class=\"charts\"><h2>{}</h2><p class=\"note\">{intro_html}</p>\n",
        esc(id),
        esc(title)
    );
    for (name, svg) in charts {
        let _ = writeln!(sec, "<figure><!-- charts/{name} -->{svg}</figure>");
    }
    sec.push_str("</section>\n");
    for t in tables {
        sec.push_str(&table_html(t));
    }
    let link = format!("<a href=\"#{}\">{}</a>", esc(id), esc(id));
    let page = page.replacen(
        "<a href=\"#units-section\">Units</a></nav>",
        &format!("{link}<a href=\"#units-section\">Units</a></nav>"),
        1,
    );
    match page.find("<section id=\"units-section\">") {
        Some(at) => format!("{}{sec}{}", &page[..at], &page[at..]),
        None => page,
    }
}

/// Coded units from `units.csv` as a JSON array of
/// `[unit_id, file, level, region, province, year, categories, text, evidence]`,
/// body units only, at most [`MAX_UNITS`] (the file is read no further).
fn units_json(units_csv: &Path) -> String {
    let mut rows = Vec::new();
    if let Ok(mut rdr) = csv::Reader::from_path(units_csv) {
        let h = rdr.headers().cloned().unwrap_or_default();
        let col = |name: &str| h.iter().position(|x| x == name);
        let cols: Vec<Option<usize>> = [
            "unit_id",
            "file",
            "level",
            "region",
            "province",
            "year",
            "categories",
            "text",
            "evidence",
        ]
        .iter()
        .map(|n| col(n))
        .collect();
        let boiler = col("boilerplate");
        for rec in rdr.records().map_while(|r| r.ok()) {
            if boiler.and_then(|b| rec.get(b)) == Some("true") {
                continue;
            }
            if rows.len() == MAX_UNITS {
                break;
            }
            let row: Vec<&str> = cols
                .iter()
                .map(|c| c.and_then(|i| rec.get(i)).unwrap_or(""))
                .collect();
            rows.push(serde_json::to_string(&row).unwrap_or_default());
        }
    }
    script_safe_json(&format!("[{}]", rows.join(",\n")))
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

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 48px;color:#222}
h1{margin-top:24px}h2{margin-top:36px;border-bottom:1px solid #ccc;padding-bottom:4px}
nav{display:flex;flex-wrap:wrap;gap:4px 12px}.note{color:#555;font-size:14px;max-width:900px}.file{color:#888;font-size:12px;font-family:monospace}
.scroll{max-height:480px;overflow:auto;border:1px solid #eee}
table.data{border-collapse:collapse;font-size:13px}table.data th{position:sticky;top:0;background:#D9E1F2;text-align:left}
table.data td,table.data th{padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts svg{max-width:100%;height:auto;margin:8px 0}
#filters{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}#filters input{flex:1;min-width:200px}
#units td:nth-child(8){max-width:520px}#count{color:#555;font-size:14px}";

const SCRIPT: &str = "(function(){
var units=JSON.parse(document.getElementById('units-data').textContent);
var body=document.querySelector('#units tbody');
var sel={category:document.getElementById('f-category'),region:document.getElementById('f-region'),level:document.getElementById('f-level')};
var q=document.getElementById('f-text');
function fill(el,values){values.sort().forEach(function(v){var o=document.createElement('option');o.value=v;o.textContent=v;el.appendChild(o);});}
var cats={},regs={},levs={};
units.forEach(function(u){u[6].split(';').forEach(function(c){if(c)cats[c]=1;});regs[u[3]]=1;levs[u[2]]=1;});
fill(sel.category,Object.keys(cats));fill(sel.region,Object.keys(regs));fill(sel.level,Object.keys(levs));
function render(){
var c=sel.category.value,r=sel.region.value,l=sel.level.value,t=q.value.toLowerCase();
var shown=units.filter(function(u){
return (!c||u[6].split(';').indexOf(c)>=0)&&(!r||u[3]===r)&&(!l||u[2]===l)&&(!t||u[7].toLowerCase().indexOf(t)>=0||u[8].toLowerCase().indexOf(t)>=0);});
body.textContent='';
shown.slice(0,500).forEach(function(u){var tr=document.createElement('tr');
[0,1,2,3,4,5,6,7].forEach(function(i){var td=document.createElement('td');td.textContent=u[i];tr.appendChild(td);});
tr.title=u[8];body.appendChild(tr);});
document.getElementById('count').textContent=shown.length+' of '+units.length+' units'+(shown.length>500?' (first 500 shown)':'');}
[sel.category,sel.region,sel.level].forEach(function(e){e.addEventListener('change',render);});
q.addEventListener('input',render);render();})();";

/// The report page with `tables` (from [`Report::tables`]); `charts` are (file name, SVG)
/// pairs; units come from `units_csv`.
pub fn report_html(
    report: &Report,
    tables: &[Table],
    charts: &[(&str, String)],
    units_csv: &Path,
) -> String {
    let o = report.agg.overall();
    let refs: u64 = o.references.iter().sum();
    let c = report.counts;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>policy-coder report</title><style>",
    );
    s.push_str(STYLE);
    s.push_str("</style></head><body>\n<h1>policy-coder report</h1>\n<nav>");
    s.push_str("<a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a>");
    for t in tables {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", esc(&t.id), esc(&t.id));
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
    s.push_str("<section id=\"charts\" class=\"charts\"><h2>Charts</h2>\n");
    for (name, svg) in charts {
        let _ = writeln!(s, "<figure><!-- charts/{name} -->{svg}</figure>");
    }
    s.push_str("</section>\n");
    for t in tables {
        s.push_str(&table_html(t));
    }
    let json = units_json(units_csv);
    let left_out = (o.body_units as usize).saturating_sub(MAX_UNITS);
    let _ = writeln!(
        s,
        "<section id=\"units-section\"><h2>Coded units</h2><p class=\"note\">Body units with \
         their categories; hover a row for its evidence. Filter by category, region, level or \
         text.{}</p><div id=\"filters\"><select id=\"f-category\"><option value=\"\">all \
         categories</option></select><select id=\"f-region\"><option value=\"\">all \
         regions</option></select><select id=\"f-level\"><option value=\"\">all \
         levels</option></select><input id=\"f-text\" type=\"search\" placeholder=\"search \
         text or evidence\"></div><p id=\"count\"></p><div class=\"scroll\"><table \
         class=\"data\" id=\"units\"><thead><tr><th>unit</th><th>file</th><th>level</th>\
         <th>region</th><th>province</th><th>year</th><th>categories</th><th>text</th></tr>\
         </thead><tbody></tbody></table></div></section>",
        if left_out > 0 {
            format!(" The first {MAX_UNITS} body units are here; {left_out} more are in units.csv.")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "<script type=\"application/json\" id=\"units-data\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>"
    );
    s
}
