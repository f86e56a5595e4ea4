//! The documents table and the coded units of `report.html`.
//!
//! Every body unit of `units.csv` is embedded as compact JSON (`units-data`): an array of
//! `[document, unit_id, text, [category indexes], [code, start, end, …]]`, where
//! `document` indexes `docs` in `report-data`, and evidence spans are offsets into the
//! unit's text in UTF-16 code units (as JavaScript counts). The inline script filters
//! them and renders one page of [`PAGE_SIZE`] rows at a time; the first page is also
//! written as plain HTML, so that the table reads without JavaScript.

use super::paper::group_label;
use super::{esc, script_safe_json};
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::schema::DocCol;
use crate::tally::aggregate::Dim;
use crate::write::written_unit::WrittenUnit;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

/// Rows of the units table per page.
pub const PAGE_SIZE: usize = 200;

/// Body units embedded in `report.html` unless `code --report-units` says otherwise. The
/// page holds them all as one JSON script: 100,000 typical units are about 30 MB, which a
/// browser opens in seconds, while the 800,000 of a 200 MB corpus (250 MB of page) made
/// headless Chromium's renderer abort after 55 s and 5 GB. `units.csv` has every unit.
pub const DEFAULT_REPORT_UNITS: usize = 100_000;

/// One coded document from `documents.csv`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocRow {
    file: String,
    title: String,
    issuer: String,
    level: String,
    province: String,
    province_zh: String,
    region: String,
    year: String,
    units: String,
    coded_units: String,
}

/// Coded documents of `documents.csv` in file order, and the skipped files with reasons.
pub(crate) fn read_documents(path: &Path) -> (Vec<DocRow>, Vec<(String, String)>) {
    let mut docs = Vec::new();
    let mut skipped = Vec::new();
    // The report reads what `code` has just written: a file it cannot read leaves the
    // table empty, as it leaves out rows past a bad one.
    let Ok(rdr) = crate::util::sheet::SheetReader::open(path) else {
        return (docs, skipped);
    };
    let col = |name: &str| rdr.col(&[name]);
    let [file, status, reason, title, issuer, level, province, province_zh, region, year, units, coded] =
        [
            DocCol::File,
            DocCol::Status,
            DocCol::Reason,
            DocCol::Title,
            DocCol::Issuer,
            DocCol::Level,
            DocCol::Province,
            DocCol::ProvinceZh,
            DocCol::Region,
            DocCol::Year,
            DocCol::Units,
            DocCol::CodedUnits,
        ]
        .map(|c| col(c.name()));
    for rec in rdr.map_while(|r| r.ok()) {
        let get = |c: Option<usize>| rec.opt(c).to_string();
        match get(status).as_str() {
            "coded" => docs.push(DocRow {
                file: get(file),
                title: get(title),
                issuer: get(issuer),
                level: get(level),
                province: get(province),
                province_zh: get(province_zh),
                region: get(region),
                year: get(year),
                units: get(units),
                coded_units: get(coded),
            }),
            "skipped" => skipped.push((get(file), get(reason))),
            _ => {}
        }
    }
    (docs, skipped)
}

/// A group value's Chinese name followed by the value (`中央 central`), or the value.
fn labelled(dim: Dim, v: &str) -> String {
    match group_label(dim, v) {
        Some((zh, _)) => format!("{zh} {v}"),
        None => v.to_string(),
    }
}

/// The documents section: one row per coded document, then the skipped files.
pub(crate) fn documents_section(docs: &[DocRow], skipped: &[(String, String)]) -> String {
    let mut s = format!(
        "<section id=\"documents\"><h2>文件 / Documents</h2><p class=\"note\">{} coded \
         documents (all columns in <span class=\"file\">documents.csv</span>); units: all units \
         of the document, coded: body units with at least one category.</p>\
         <div class=\"scroll tall\"><table class=\"data\" id=\"documents-table\"><thead><tr>\
         <th>标题 <span class=\"en\">title</span> / file</th><th>发文机关 <span class=\"en\">issuer</span></th>\
         <th>层级 <span class=\"en\">level</span></th><th>省份 <span class=\"en\">province</span></th>\
         <th>区域 <span class=\"en\">region</span></th><th>年份 <span class=\"en\">year</span></th>\
         <th class=\"n\">units</th><th class=\"n\">coded</th></tr></thead><tbody>\n",
        docs.len()
    );
    for d in docs {
        let province = if d.province_zh.is_empty() {
            labelled(Dim::Province, &d.province)
        } else {
            format!("{} {}", d.province_zh, d.province)
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"title\">{}<div class=\"path\">{}</div></td><td>{}</td><td class=\"nw\">{}</td>\
             <td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            esc(&d.title),
            esc(&d.file),
            esc(&d.issuer),
            esc(&labelled(Dim::Level, &d.level)),
            esc(&province),
            esc(&labelled(Dim::Region, &d.region)),
            esc(&d.year),
            esc(&d.units),
            esc(&d.coded_units)
        );
    }
    s.push_str("</tbody></table></div>\n");
    if !skipped.is_empty() {
        let _ = write!(
            s,
            "<h3>Skipped files ({})</h3><div class=\"scroll\"><table class=\"data\" id=\"skipped-table\">\
             <thead><tr><th>file</th><th>reason</th></tr></thead><tbody>",
            skipped.len()
        );
        for (f, r) in skipped {
            let _ = write!(s, "<tr><td>{}</td><td>{}</td></tr>", esc(f), esc(r));
        }
        s.push_str("</tbody></table></div>\n");
    }
    s.push_str("</section>\n");
    s
}

/// One evidence span: code index, start and end in characters of the unit's text.
type Span = (usize, usize, usize);

/// A unit kept for the page rendered without JavaScript.
struct FirstPageUnit {
    doc: usize,
    id: String,
    text: String,
    cats: Vec<usize>,
    spans: Vec<Span>,
}

/// The parsed evidence of a unit: `concept:term@start-end` entries with offsets in
/// characters of the document, made relative to the unit (`unit_start`) and kept only
/// when they lie inside its `n_chars` characters.
fn parse_evidence(
    evidence: &str,
    unit_start: usize,
    n_chars: usize,
    mut code_of: impl FnMut(&str) -> usize,
) -> Vec<Span> {
    let mut spans = Vec::new();
    for e in evidence.split(';').filter(|e| !e.is_empty()) {
        let Some((head, span)) = e.rsplit_once('@') else {
            continue;
        };
        let Some((code, _term)) = head.split_once(':') else {
            continue;
        };
        let Some((a, b)) = span.split_once('-') else {
            continue;
        };
        let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) else {
            continue;
        };
        let (Some(a), Some(b)) = (a.checked_sub(unit_start), b.checked_sub(unit_start)) else {
            continue;
        };
        if a < b && b <= n_chars {
            spans.push((code_of(code), a, b));
        }
    }
    spans.sort_by_key(|&(c, a, b)| (a, b, c));
    spans
}

/// Character offsets turned into UTF-16 offsets (the same unless the text has characters
/// outside the Basic Multilingual Plane, e.g. CJK Extension B).
fn utf16_spans(text: &str, spans: &[Span]) -> Vec<Span> {
    // Such characters, and only they, take four bytes in UTF-8 (lead bytes 0xF0 and up).
    if text.bytes().max().unwrap_or(0) < 0xF0 {
        return spans.to_vec();
    }
    let mut at = Vec::with_capacity(text.len() + 1);
    let mut n = 0;
    for c in text.chars() {
        at.push(n);
        n += c.len_utf16();
    }
    at.push(n);
    spans.iter().map(|&(c, a, b)| (c, at[a], at[b])).collect()
}

/// Overlapping spans joined: (start, end, code indexes), in text order.
fn merged(spans: &[Span]) -> Vec<(usize, usize, Vec<usize>)> {
    let mut out: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for &(c, a, b) in spans {
        match out.last_mut() {
            Some(last) if a < last.1 => {
                last.1 = last.1.max(b);
                if !last.2.contains(&c) {
                    last.2.push(c);
                }
            }
            _ => out.push((a, b, vec![c])),
        }
    }
    out
}

/// The units section's data, gathered from the rows of `units.csv` as they are written
/// ([`crate::write::written_unit::WrittenUnit`], the cells as the file holds them, so that the
/// page shows what a reader of the file would read): the `units-data` JSON streamed to a
/// file of the staging folder (the report copies it into the page, so memory does not grow
/// with the corpus), the documents and evidence codes in order of first appearance, and the
/// first page of units.
pub(crate) struct UnitsCollector {
    /// The JSON rows so far: `[` and the rows, `,\n`-joined.
    json: BufWriter<File>,
    json_path: PathBuf,
    /// Documents keyed by the unit's own metadata (a `--units` file may give each row its
    /// own level or year), in order of first appearance.
    doc_index: HashMap<[String; 5], usize>,
    doc_list: Vec<[String; 5]>,
    /// The document of the previous unit (units come a document at a time).
    last_doc: Option<usize>,
    codes: Vec<String>,
    code_index: rustc_hash::FxHashMap<String, usize>,
    first_page: Vec<FirstPageUnit>,
    /// Units embedded in the page.
    count: usize,
    /// Body units of the run, embedded or not.
    total: usize,
    /// Most units embedded (the first ones, in the order of `units.csv`).
    limit: usize,
    /// The row being encoded.
    row: Vec<u8>,
}

impl UnitsCollector {
    /// Starts the JSON file `json_path` (removed by [`UnitsCollector::finish`]'s caller once
    /// copied into the page), for at most `limit` units.
    pub(crate) fn create(json_path: &Path, limit: usize) -> Result<Self> {
        let f = File::create(json_path).map_err(|e| Error::io(json_path, e))?;
        let mut json = BufWriter::with_capacity(1 << 20, f);
        json.write_all(b"[").map_err(|e| Error::io(json_path, e))?;
        Ok(UnitsCollector {
            json,
            json_path: json_path.to_path_buf(),
            doc_index: HashMap::new(),
            doc_list: Vec::new(),
            last_doc: None,
            codes: Vec::new(),
            code_index: rustc_hash::FxHashMap::default(),
            first_page: Vec::new(),
            count: 0,
            total: 0,
            limit,
            row: Vec::new(),
        })
    }

    /// Adds one written row (boilerplate is left out).
    pub(crate) fn add(&mut self, u: &WrittenUnit<'_>, cb: &Codebook) -> Result<()> {
        if u.boilerplate == "true" {
            return Ok(());
        }
        self.total += 1;
        if self.count >= self.limit {
            return Ok(());
        }
        let key = [u.file, u.level, u.region, u.province, u.year];
        let doc = match self.last_doc {
            Some(d) if self.doc_list[d].iter().zip(key).all(|(a, b)| a == b) => d,
            _ => {
                let key = key.map(str::to_string);
                let d = match self.doc_index.get(&key) {
                    Some(&d) => d,
                    None => {
                        self.doc_list.push(key.clone());
                        self.doc_index.insert(key, self.doc_list.len() - 1);
                        self.doc_list.len() - 1
                    }
                };
                self.last_doc = Some(d);
                d
            }
        };
        let t = u.text;
        let n_chars = t.chars().count();
        let unit_start = u.start.parse().unwrap_or(0);
        let (codes, code_index) = (&mut self.codes, &mut self.code_index);
        let spans = parse_evidence(u.evidence, unit_start, n_chars, |c| {
            if let Some(&i) = code_index.get(c) {
                return i;
            }
            codes.push(c.to_string());
            code_index.insert(c.to_string(), codes.len() - 1);
            codes.len() - 1
        });
        let cat_idx: Vec<usize> = u
            .categories
            .split(';')
            .filter_map(|c| cb.category_index(c))
            .collect();
        let row = &mut self.row;
        row.clear();
        if self.count > 0 {
            row.extend_from_slice(b",\n");
        }
        row.push(b'[');
        push_uint(row, doc);
        row.push(b',');
        push_json_str(row, u.unit_id);
        row.push(b',');
        push_json_str(row, t);
        row.extend_from_slice(b",[");
        for (i, &k) in cat_idx.iter().enumerate() {
            if i > 0 {
                row.push(b',');
            }
            push_uint(row, k);
        }
        row.extend_from_slice(b"],[");
        for (i, (c, a, b)) in utf16_spans(t, &spans).into_iter().enumerate() {
            if i > 0 {
                row.push(b',');
            }
            push_uint(row, c);
            row.push(b',');
            push_uint(row, a);
            row.push(b',');
            push_uint(row, b);
        }
        row.extend_from_slice(b"]]");
        self.json
            .write_all(row)
            .map_err(|e| Error::io(&self.json_path, e))?;
        if self.first_page.len() < PAGE_SIZE {
            self.first_page.push(FirstPageUnit {
                doc,
                id: u.unit_id.to_string(),
                text: t.to_string(),
                cats: cat_idx,
                spans,
            });
        }
        self.count += 1;
        Ok(())
    }

    /// The units section and the page's data: documents named by their titles in `docs`.
    pub(crate) fn finish(self, docs: &[DocRow], cb: &Codebook) -> Result<UnitsData> {
        let UnitsCollector {
            json,
            json_path,
            doc_list,
            codes,
            first_page,
            count,
            total,
            ..
        } = self;
        let mut f = json
            .into_inner()
            .map_err(|e| Error::io(&json_path, e.into_error()))?;
        f.write_all(b"]").map_err(|e| Error::io(&json_path, e))?;
        f.flush().map_err(|e| Error::io(&json_path, e))?;
        drop(f);
        let titles: HashMap<&str, &str> = docs
            .iter()
            .map(|d| (d.file.as_str(), d.title.as_str()))
            .collect();
        let docs_out = doc_meta(&doc_list, &titles);
        let cats: Vec<(&str, &str, &str, usize)> = cb
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.label.zh.as_str(),
                    c.label.en.as_str(),
                    c.core,
                )
            })
            .collect();
        let meta = serde_json::json!({
            "pageSize": PAGE_SIZE,
            "total": total,
            "docs": docs_out.iter().map(|d| [&d.name, &d.file, &d.level, &d.region, &d.province, &d.year, &d.meta]).collect::<Vec<_>>(),
            "cores": cb.cores.iter().map(|c| &c.id).collect::<Vec<_>>(),
            "cats": cats,
            "codes": codes,
        });
        let section = units_section(&docs_out, &first_page, (count, total), &codes, cb);
        Ok(UnitsData {
            json_path,
            meta_json: script_safe_json(&meta.to_string()),
            section,
        })
    }
}

/// Appends `n` in decimal.
fn push_uint(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `s` as a JSON string as `serde_json` writes it (`"` as `\"`, `\` as `\\`,
/// `\b \f \n \r \t`, other control characters as `\u00xx`), made safe inside `<script>` as
/// [`script_safe_json`] makes it (`<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`). Eight
/// bytes at a time are passed over when none of them needs escaping (as in most text).
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let n = bytes.len();
    let (mut i, mut run) = (0, 0);
    while i < n {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            if !needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        for (j, &b) in bytes.iter().enumerate().take((i + 8).min(n)).skip(i) {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                0..=0x1f => {
                    out.extend_from_slice(&bytes[run..j]);
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                    run = j + 1;
                    continue;
                }
                _ => continue,
            };
            out.extend_from_slice(&bytes[run..j]);
            out.extend_from_slice(esc);
            run = j + 1;
        }
        i += 8;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Whether any of the eight bytes of `w` is one [`push_json_str`] escapes: below 0x20, or
/// `"`, `\`, `<`, `>`, `&` (exact: the borrows of these word tricks only follow a byte
/// that matches).
fn needs_escape(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if w & HI == HI {
        // All bytes of multi-byte characters (CJK text).
        return false;
    }
    let less = |n: u8| w.wrapping_sub(LO * u64::from(n)) & !w & HI != 0;
    let has = |b: u8| {
        let x = w ^ (LO * u64::from(b));
        x.wrapping_sub(LO) & !x & HI != 0
    };
    less(0x20) || has(b'"') || has(b'\\') || has(b'<') || has(b'>') || has(b'&')
}

/// The units section's parts (from [`UnitsCollector::finish`]).
pub(crate) struct UnitsData {
    /// `units-data`: a file holding the JSON array of units, safe inside `<script>`.
    pub json_path: PathBuf,
    /// `report-data`: documents, categories, codes and page size, safe inside `<script>`.
    pub meta_json: String,
    /// The units section: filters, the first page as HTML, pager.
    pub section: String,
}

/// The documents of the units table, from their keys, named by their titles.
fn doc_meta(doc_list: &[[String; 5]], titles: &HashMap<&str, &str>) -> Vec<DocMeta> {
    doc_list
        .iter()
        .map(|[file, level, region, province, year]| {
            let title = titles.get(file.as_str()).copied().unwrap_or("");
            DocMeta {
                name: if title.is_empty() {
                    file.clone()
                } else {
                    title.to_string()
                },
                file: file.clone(),
                level: level.clone(),
                region: region.clone(),
                province: province.clone(),
                year: year.clone(),
                // The region only where it says more than the province (`national`).
                meta: [
                    labelled(Dim::Level, level),
                    labelled(Dim::Province, province),
                    if region == province {
                        String::new()
                    } else {
                        labelled(Dim::Region, region)
                    },
                    year.clone(),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
            }
        })
        .collect()
}

/// A document as the units table shows it.
struct DocMeta {
    /// Title, or the file when it has none.
    name: String,
    file: String,
    level: String,
    region: String,
    province: String,
    year: String,
    /// `地方 local · 四川 sichuan · 西部 west · 2020`.
    meta: String,
}

/// `<option>`s for the distinct values of one field of the documents, in report order.
fn options(docs: &[DocMeta], dim: Dim, field: impl Fn(&DocMeta) -> &str) -> String {
    let mut values: Vec<&str> = docs
        .iter()
        .map(field)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    values.sort_by_key(|g| crate::tally::aggregate::group_order(dim, g));
    let mut s = String::new();
    for v in values {
        let _ = write!(
            s,
            "<option value=\"{}\">{}</option>",
            esc(v),
            esc(&labelled(dim, v))
        );
    }
    s
}

/// One unit's row, as the script renders it.
fn unit_row(out: &mut String, u: &FirstPageUnit, doc: &DocMeta, codes: &[String], cb: &Codebook) {
    let _ = write!(
        out,
        "<tr><td class=\"uid\">{}</td><td class=\"doc\"><div class=\"dt\">{}</div><div class=\"meta\">{}</div></td><td class=\"txt\"><div class=\"text\">",
        esc(&u.id),
        esc(&doc.name),
        esc(&doc.meta)
    );
    let chars: Vec<(usize, char)> = u.text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(u.text.len(), |&(b, _)| b);
    let mut at = 0;
    for (a, b, cs) in merged(&u.spans) {
        out.push_str(&esc(&u.text[byte(at)..byte(a)]));
        let title: Vec<&str> = cs.iter().map(|&c| codes[c].as_str()).collect();
        let _ = write!(
            out,
            "<mark title=\"{}\">{}</mark>",
            esc(&title.join(", ")),
            esc(&u.text[byte(a)..byte(b)])
        );
        at = b;
    }
    out.push_str(&esc(&u.text[byte(at)..]));
    out.push_str("</div>");
    let mut seen = BTreeSet::new();
    let mut ev = String::new();
    for &(c, a, b) in &u.spans {
        let term = &u.text[byte(a)..byte(b)];
        if seen.insert((c, term)) {
            let _ = write!(
                ev,
                "<span class=\"e\"><b>{}</b> {}</span>",
                esc(term),
                esc(&codes[c])
            );
        }
    }
    if !ev.is_empty() {
        let _ = write!(out, "<div class=\"ev\">{ev}</div>");
    }
    out.push_str("</td><td class=\"cats\">");
    for &k in &u.cats {
        let c = &cb.categories[k];
        let _ = write!(
            out,
            "<span class=\"cat c{}\">{} <code>{}</code></span>",
            c.core % 6,
            esc(&c.label.zh),
            esc(&c.id)
        );
    }
    out.push_str("</td></tr>\n");
}

/// The units section: filters (shown by the script), the count, the pager and the first
/// page of rows.
fn units_section(
    docs: &[DocMeta],
    first: &[FirstPageUnit],
    (count, total): (usize, usize),
    codes: &[String],
    cb: &Codebook,
) -> String {
    let mut core_opts = String::new();
    let mut cat_opts = String::new();
    for (i, c) in cb.cores.iter().enumerate() {
        let _ = write!(
            core_opts,
            "<option value=\"{}\">{} {}</option>",
            esc(&c.id),
            esc(&c.label.zh),
            esc(&c.id)
        );
        let _ = write!(
            cat_opts,
            "<optgroup label=\"{} {}\">",
            esc(&c.label.zh),
            esc(&c.id)
        );
        for k in cb.categories_of(i) {
            let k = &cb.categories[k];
            let _ = write!(
                cat_opts,
                "<option value=\"{}\">{} {}</option>",
                esc(&k.id),
                esc(&k.label.zh),
                esc(&k.id)
            );
        }
        cat_opts.push_str("</optgroup>");
    }
    // A page cut at `--report-units` says so in its note, above the table and in its count.
    let (which, cut, of_run) = if count < total {
        (
            format!("The first {count} of {total}"),
            format!(
                "<p class=\"note\" id=\"units-cut\">This page holds the first {count} body units of \
                 the run, in the order of <span class=\"file\">units.csv</span>; the filters and \
                 counts below see only these. The other {rest} are in units.csv (a page holding \
                 every unit of a large run does not open in a browser; <code>policy-coder code \
                 --report-units N</code> sets how many the page holds).</p>",
                rest = total - count
            ),
            format!(" (the first {count} of the run's {total}; all are in units.csv)"),
        )
    } else {
        (format!("All {count}"), String::new(), String::new())
    };
    let mut s = format!(
        "<section id=\"units-section\"><h2>编码单元 / Coded units</h2><p class=\"note\">{which} \
         body units (headings and boilerplate are in <span class=\"file\">units.csv</span> only), \
         {PAGE_SIZE} to a page. Matched terms are highlighted in the text; the evidence (term and \
         concept) is listed under it.</p>{cut}\
         <noscript><p class=\"note\">JavaScript is off: the first {shown} of {total} units are \
         shown, without filters; all are in units.csv.</p></noscript>\
         <div id=\"filters\" hidden>\
         <select id=\"f-core\"><option value=\"\">all core types 全部类型</option>{core_opts}</select>\
         <select id=\"f-category\"><option value=\"\">all categories 全部类别</option>{cat_opts}</select>\
         <select id=\"f-level\"><option value=\"\">all levels 全部层级</option>{levels}</select>\
         <select id=\"f-region\"><option value=\"\">all regions 全部区域</option>{regions}</select>\
         <select id=\"f-province\"><option value=\"\">all provinces 全部省份</option>{provinces}</select>\
         <select id=\"f-year\"><option value=\"\">all years 全部年份</option>{years}</select>\
         <label><input id=\"f-uncoded\" type=\"checkbox\"> uncoded only 仅未编码</label>\
         <input id=\"f-text\" type=\"search\" placeholder=\"search text, unit id or title\"></div>\
         <div class=\"pager\"><p id=\"count\">{count} of {count} units{of_run}</p><span id=\"pageinfo\"></span>\
         <button id=\"prev\" type=\"button\" hidden>← prev</button><button id=\"next\" type=\"button\" hidden>next →</button></div>\
         <table class=\"data\" id=\"units\"><colgroup><col class=\"c-uid\"><col class=\"c-doc\"><col class=\"c-txt\"><col class=\"c-cat\"></colgroup>\
         <thead><tr><th>unit</th><th>document</th><th>text and evidence</th><th>categories</th></tr></thead><tbody>\n",
        shown = first.len(),
        levels = options(docs, Dim::Level, |d| &d.level),
        regions = options(docs, Dim::Region, |d| &d.region),
        provinces = options(docs, Dim::Province, |d| &d.province),
        years = options(docs, Dim::Year, |d| &d.year),
    );
    for u in first {
        unit_row(&mut s, u, &docs[u.doc], codes, cb);
    }
    s.push_str(
        "</tbody></table><div class=\"pager\"><button id=\"prev2\" type=\"button\" hidden>← prev</button>\
         <button id=\"next2\" type=\"button\" hidden>next →</button></div></section>\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_holds_at_most_the_limit_and_says_so() {
        let cb = Codebook::default_codebook();
        let dir = tempfile::tempdir().unwrap();
        let unit = |id: &'static str, boilerplate: &'static str| WrittenUnit {
            unit_id: id,
            file: "a.txt",
            level: "local",
            province: "henan",
            region: "central",
            year: "2020",
            boilerplate,
            text: "给予创业补贴",
            categories: "fiscal_support",
            evidence: "fiscal_support:补贴@4-6",
            start: "0",
        };
        let run = |limit: usize| {
            let path = dir.path().join(format!("u{limit}.json"));
            let mut c = UnitsCollector::create(&path, limit).unwrap();
            for (id, b) in [
                ("1", "false"),
                ("2", "true"),
                ("3", "false"),
                ("4", "false"),
            ] {
                c.add(&unit(id, b), &cb).unwrap();
            }
            let data = c.finish(&[], &cb).unwrap();
            let json = std::fs::read_to_string(&data.json_path).unwrap();
            let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
            let ids: Vec<String> = rows
                .iter()
                .map(|r| r[1].as_str().unwrap().to_string())
                .collect();
            (ids, data.section)
        };
        let (ids, section) = run(2);
        assert_eq!(ids, ["1", "3"]);
        assert!(section.contains("The first 2 of 3 body units"), "{section}");
        assert!(section.contains("id=\"units-cut\"") && section.contains("The other 1 are"));
        let (ids, section) = run(usize::MAX);
        assert_eq!(ids, ["1", "3", "4"]);
        assert!(section.contains("All 3 body units") && !section.contains("units-cut"));
        let (ids, section) = run(0);
        assert!(ids.is_empty() && section.contains("The first 0 of 3"));
    }

    #[test]
    fn evidence_offsets_become_spans_inside_the_unit() {
        let mut codes = Vec::new();
        let spans = parse_evidence(
            "tax_relief:减税@109-111;bad;x:y@1-2;stage.startup:创业@104-106;far:z@200-210",
            100,
            11,
            |c| {
                codes.push(c.to_string());
                codes.len() - 1
            },
        );
        // `x` starts before the unit, `far` ends after it, `bad` has no span.
        assert_eq!(spans, [(1, 4, 6), (0, 9, 11)]);
        assert_eq!(codes, ["tax_relief", "stage.startup"]);
    }

    #[test]
    fn json_strings_as_serde_writes_them_made_script_safe() {
        let mut samples: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        samples.extend([
            String::new(),
            "给予税收减免和财政补贴，支持创新创业".into(),
            "</script><!--<script> & \"q\" \\ 𠀀 é\u{7f}\u{2028}".into(),
            "abcdefgh<ijklmnopq\n税收减免&".repeat(3),
            (0u8..0x80).map(char::from).collect::<String>().repeat(2),
        ]);
        for s in samples {
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            let want = script_safe_json(&serde_json::to_string(&s).unwrap());
            assert_eq!(String::from_utf8(out).unwrap(), want, "{s:?}");
        }
        for w in [0u64, u64::MAX, 0x8080_8080_8080_8080, 0x4141_4141_4141_4141] {
            let b = w.to_le_bytes();
            let want = b.iter().any(|&b| b < 0x20 || b"\"\\<>&".contains(&b));
            assert_eq!(needs_escape(w), want, "{w:x}");
        }
        for v in 0u8..=255 {
            for at in 0..8 {
                let mut b = *b"aaaaaaaa";
                b[at] = v;
                let want = v < 0x20 || b"\"\\<>&".contains(&v);
                assert_eq!(needs_escape(u64::from_le_bytes(b)), want, "{v:x} at {at}");
                let mut b = [0xe5u8; 8];
                b[at] = v;
                assert_eq!(needs_escape(u64::from_le_bytes(b)), want, "{v:x} at {at}");
            }
        }
    }

    #[test]
    fn astral_characters_shift_utf16_offsets() {
        // 𠀀 (U+20000) is two UTF-16 code units.
        assert_eq!(utf16_spans("𠀀减税", &[(0, 1, 3)]), [(0, 2, 4)]);
        assert_eq!(utf16_spans("减税", &[(0, 0, 2)]), [(0, 0, 2)]);
    }

    #[test]
    fn overlapping_spans_merge_into_one_mark() {
        let m = merged(&[(0, 0, 4), (1, 2, 6), (2, 6, 8), (3, 6, 8)]);
        assert_eq!(m, [(0, 6, vec![0, 1]), (6, 8, vec![2, 3])]);
    }

    #[test]
    fn rows_escape_text_and_mark_terms() {
        let cb = Codebook::default_codebook();
        let doc = DocMeta {
            name: "<b>t</b>".into(),
            file: "f".into(),
            level: "local".into(),
            region: "west".into(),
            province: "sichuan".into(),
            year: "2020".into(),
            meta: "m".into(),
        };
        let u = FirstPageUnit {
            doc: 0,
            id: "a-1".into(),
            text: "<x>给予减税 & more".into(),
            cats: vec![0],
            spans: vec![(0, 5, 7)],
        };
        let mut s = String::new();
        unit_row(&mut s, &u, &doc, &["tax_relief".into()], &cb);
        assert!(
            s.contains("&lt;x&gt;给予<mark title=\"tax_relief\">减税</mark> &amp; more"),
            "{s}"
        );
        assert!(s.contains("&lt;b&gt;t&lt;/b&gt;") && !s.contains("<x>"));
        assert!(s.contains("<b>减税</b> tax_relief"));
    }
}
