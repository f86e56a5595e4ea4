//! Codebook exchange with other tools.
//!
//! - export: REFI-QDA codebook (`.qdc`, the XML standard NVivo, ATLAS.ti, MAXQDA and
//!   QualCoder import), a Markdown table for a paper's appendix, and CSV;
//! - import: a `.qdc` code tree into a TOML skeleton (terms to be filled in);
//! - read as codebooks: quanteda-style YAML dictionaries and LIWC `.dic` files, converted
//!   to codebook TOML and validated like any codebook.

use crate::codebook::{fnv1a_hex, Codebook, Label};
use crate::error::{Error, Problem, Result};
use indexmap::IndexMap;
use std::fmt::Write as _;

fn xml_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A GUID derived from the codebook id and a code path, so that exports are stable and a
/// re-export keeps each code's identity (RFC 4122 layout, version 5 bits, variant 10).
pub fn guid(codebook: &str, path: &str) -> String {
    let a = fnv1a_hex(format!("{codebook}\u{1f}{path}").as_bytes());
    let b = fnv1a_hex(format!("{path}\u{1f}{codebook}\u{1f}guid").as_bytes());
    let hex: Vec<char> = format!("{a}{b}").chars().collect();
    let mut h: String = hex.iter().take(32).collect();
    // Version nibble 5; variant 8–b.
    h.replace_range(12..13, "5");
    let v = u8::from_str_radix(&h[16..17], 16).unwrap_or(0);
    h.replace_range(16..17, &format!("{:x}", 8 | (v & 3)));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn label_text(l: &Label) -> String {
    match (l.zh.is_empty(), l.en.is_empty()) {
        (false, false) => format!("{} / {}", l.zh, l.en),
        (false, true) => l.zh.clone(),
        _ => l.en.clone(),
    }
}

/// A label followed by its term lists (`. zh: a; b. en: c`), for code descriptions.
fn with_terms(label: &Label, lists: [(&str, &Vec<String>); 3]) -> String {
    let mut desc = label_text(label);
    for (name, terms) in lists {
        if !terms.is_empty() {
            let _ = write!(desc, ". {name}: {}", terms.join("; "));
        }
    }
    desc
}

const CORE_COLOURS: [&str; 4] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];

/// The line that opens policy-coder's data in a `.qdc` `Description`: from this line to
/// the end of the description, the text is a TOML document whose `policy-coder` table holds
/// the code's fields in codebook syntax (`kind`, `label`, terms, rules), so that
/// `codebook import` restores what the REFI-QDA schema has no element for.
pub const QDC_BLOCK: &str = "[policy-coder]";

/// Name of the `<Set>` whose description carries the codebook's own fields (id, version,
/// label, words, roles).
pub const QDC_HEADER_SET: &str = "policy-coder codebook";

fn toml_inline_label(l: &Label) -> String {
    let mut parts = Vec::new();
    if !l.zh.is_empty() {
        parts.push(format!("zh = {}", toml_str(&l.zh)));
    }
    if !l.en.is_empty() {
        parts.push(format!("en = {}", toml_str(&l.en)));
    }
    format!("{{ {} }}", parts.join(", "))
}

/// An inline table of context terms; `window` (tokens before, after) of NEAR rules is
/// written as `within` when both sides are equal, else as `before` and `after`.
fn toml_pair(zh: &[String], en: &[String], window: Option<(usize, usize)>) -> String {
    let mut s = format!("{{ zh = {}, en = {}", toml_list(zh), toml_list(en));
    match window {
        Some((b, a)) if b == a => {
            let _ = write!(s, ", within = {b}");
        }
        Some((b, a)) => {
            let _ = write!(s, ", before = {b}, after = {a}");
        }
        None => {}
    }
    s.push_str(" }");
    s
}

/// A data block: the marker line, `kind`, then `key = value` lines (values already TOML).
fn data_block(kind: &str, fields: &[(&str, String)]) -> String {
    let mut s = format!("{QDC_BLOCK}\nkind = {}\n", toml_str(kind));
    for (k, v) in fields {
        let _ = writeln!(s, "{k} = {v}");
    }
    s
}

/// Terms as block fields, empty lists left out.
fn term_fields(zh: &[String], en: &[String], regex: &[String]) -> Vec<(&'static str, String)> {
    [("zh", zh), ("en", en), ("regex", regex)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, toml_list(v)))
        .collect()
}

/// The codebook's own fields as a data block (for the header `<Set>`).
fn header_block(cb: &Codebook) -> String {
    let mut s = data_block(
        "codebook",
        &[
            ("id", toml_str(&cb.id)),
            ("version", toml_str(&cb.version)),
            ("label", toml_inline_label(&cb.label)),
            ("words", toml_list(&cb.words)),
            ("default_roles", cb.default_roles.to_string()),
        ],
    );
    for r in &cb.roles {
        let _ = write!(
            s,
            "[[policy-coder.role]]\nrole = {}\nheading = {}\ntext = {}\nclause = {}\n",
            toml_str(r.role.as_str()),
            toml_pair(&r.heading.0, &r.heading.1, None),
            toml_pair(&r.text.0, &r.text.1, None),
            toml_pair(&r.clause.0, &r.clause.1, None),
        );
    }
    s
}

/// The codebook as a REFI-QDA codebook (`urn:QDA-XML:codebook:1.0`): cores, categories and
/// concepts as nested `Code` elements named by id, extra dimensions as further top-level
/// codes. Each `Description` holds a readable label and term list, then a data block
/// ([`QDC_BLOCK`]) with the code's fields in codebook TOML; a `<Set>` named
/// [`QDC_HEADER_SET`] holds the codebook's own fields, and one `<Set>` per dimension lists
/// its codes. [`qdc_to_toml`] reads all of it back.
pub fn to_qdc(cb: &Codebook) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        s,
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"policy-coder {}\">\n  <Codes>",
        env!("CARGO_PKG_VERSION")
    );
    let code = |s: &mut String, indent: usize, path: &str, name: &str, colour: &str, desc: &str| {
        let _ = write!(
            s,
            "{:indent$}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\"{}>\n{:indent$}  <Description>{}</Description>\n",
            "",
            guid(&cb.id, path),
            xml_esc(name),
            if colour.is_empty() { String::new() } else { format!(" color=\"{colour}\"") },
            "",
            xml_esc(desc),
            indent = indent
        );
    };
    let with_block = |human: String, block: String| format!("{human}\n\n{block}");
    for (c, core) in cb.cores.iter().enumerate() {
        let colour = CORE_COLOURS[c % CORE_COLOURS.len()];
        code(
            &mut s,
            4,
            &core.id,
            &core.id,
            colour,
            &with_block(
                label_text(&core.label),
                data_block("core", &[("label", toml_inline_label(&core.label))]),
            ),
        );
        for k in cb.categories_of(c) {
            let cat = &cb.categories[k];
            let path = format!("{}/{}", core.id, cat.id);
            let mut desc = label_text(&cat.label);
            if !cat.description.is_empty() {
                desc = format!("{desc}. {}", cat.description);
            }
            let mut fields = vec![("label", toml_inline_label(&cat.label))];
            if !cat.description.is_empty() {
                fields.push(("description", toml_str(&cat.description)));
            }
            code(
                &mut s,
                6,
                &path,
                &cat.id,
                colour,
                &with_block(desc, data_block("category", &fields)),
            );
            for concept in cb.concepts.iter().filter(|x| x.category == k) {
                let desc = with_terms(
                    &concept.label,
                    [
                        ("zh", &concept.zh),
                        ("en", &concept.en),
                        ("regex", &concept.regex),
                    ],
                );
                let mut fields = vec![("label", toml_inline_label(&concept.label))];
                fields.extend(term_fields(&concept.zh, &concept.en, &concept.regex));
                if !concept.exclude_zh.is_empty() || !concept.exclude_en.is_empty() {
                    fields.push((
                        "exclude",
                        toml_pair(&concept.exclude_zh, &concept.exclude_en, None),
                    ));
                }
                for (name, rule, within) in [
                    ("near", &concept.near, true),
                    ("not_near", &concept.not_near, true),
                    ("clause", &concept.clause, false),
                ] {
                    if let Some(r) = rule {
                        fields.push((
                            name,
                            toml_pair(&r.zh, &r.en, within.then_some((r.before, r.after))),
                        ));
                    }
                }
                code(
                    &mut s,
                    8,
                    &format!("{path}/{}", concept.id),
                    &concept.id,
                    colour,
                    &with_block(desc, data_block("concept", &fields)),
                );
                s.push_str("        </Code>\n");
            }
            s.push_str("      </Code>\n");
        }
        s.push_str("    </Code>\n");
    }
    for (d, dim) in cb.dimensions.iter().enumerate() {
        let path = format!("dimension:{}", dim.id);
        code(
            &mut s,
            4,
            &path,
            &dim.id,
            "#999999",
            &with_block(
                format!("Dimension: {}", label_text(&dim.label)),
                data_block("dimension", &[("label", toml_inline_label(&dim.label))]),
            ),
        );
        for v in cb.values_of(d) {
            let value = &cb.dimension_values[v];
            let desc = with_terms(
                &value.label,
                [
                    ("zh", &value.zh),
                    ("en", &value.en),
                    ("regex", &value.regex),
                ],
            );
            let mut fields = vec![("label", toml_inline_label(&value.label))];
            fields.extend(term_fields(&value.zh, &value.en, &value.regex));
            code(
                &mut s,
                6,
                &format!("{path}/{}", value.id),
                &value.id,
                "#999999",
                &with_block(desc, data_block("value", &fields)),
            );
            s.push_str("      </Code>\n");
        }
        s.push_str("    </Code>\n");
    }
    s.push_str("  </Codes>\n  <Sets>\n");
    let _ = writeln!(
        s,
        "    <Set guid=\"{}\" name=\"{}\">\n      <Description>{}</Description>\n    </Set>",
        guid(&cb.id, "set:codebook"),
        QDC_HEADER_SET,
        xml_esc(&format!(
            "Codebook {} {}: {}. Read back by `policy-coder codebook import`.\n\n{}",
            cb.id,
            cb.version,
            label_text(&cb.label),
            header_block(cb)
        ))
    );
    for (d, dim) in cb.dimensions.iter().enumerate() {
        let path = format!("dimension:{}", dim.id);
        let _ = writeln!(
            s,
            "    <Set guid=\"{}\" name=\"{}\">\n      <Description>{}</Description>",
            guid(&cb.id, &format!("set:{path}")),
            xml_esc(&format!("dimension: {}", dim.id)),
            xml_esc(&format!(
                "Dimension {} (coded beside the instrument tree, not a core): {}",
                dim.id,
                label_text(&dim.label)
            ))
        );
        let _ = writeln!(s, "      <MemberCode guid=\"{}\"/>", guid(&cb.id, &path));
        for v in cb.values_of(d) {
            let _ = writeln!(
                s,
                "      <MemberCode guid=\"{}\"/>",
                guid(&cb.id, &format!("{path}/{}", cb.dimension_values[v].id))
            );
        }
        s.push_str("    </Set>\n");
    }
    s.push_str("  </Sets>\n</CodeBook>\n");
    s
}

/// The codebook as a Markdown table: one row per concept with its core, category, labels,
/// number of terms and examples — a paper's appendix.
pub fn to_markdown(cb: &Codebook) -> String {
    let mut s = format!(
        "# Codebook: {} {}\n\n{}\n\n| core (selective) | category (axial) | concept (open) | terms | examples |\n|---|---|---|---:|---|\n",
        cb.id,
        cb.version,
        label_text(&cb.label)
    );
    for (c, core) in cb.cores.iter().enumerate() {
        for k in cb.categories_of(c) {
            let cat = &cb.categories[k];
            for concept in cb.concepts.iter().filter(|x| x.category == k) {
                let n = concept.zh.len() + concept.en.len() + concept.regex.len();
                let examples: Vec<&str> = concept
                    .zh
                    .iter()
                    .take(3)
                    .chain(concept.en.iter().take(2))
                    .map(|t| t.trim_start_matches('='))
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {n} | {} |",
                    label_text(&core.label).replace('|', "/"),
                    label_text(&cat.label).replace('|', "/"),
                    label_text(&concept.label).replace('|', "/"),
                    examples.join("、").replace('|', "/")
                );
            }
        }
    }
    for (d, dim) in cb.dimensions.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n## Dimension: {}\n\n| value | terms | examples |\n|---|---:|---|",
            label_text(&dim.label)
        );
        for v in cb.values_of(d) {
            let value = &cb.dimension_values[v];
            let examples: Vec<&str> = value
                .zh
                .iter()
                .take(3)
                .chain(value.en.iter().take(2))
                .map(String::as_str)
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                label_text(&value.label),
                value.zh.len() + value.en.len() + value.regex.len(),
                examples.join("、")
            );
        }
    }
    s
}

/// The codebook as CSV, one row per concept (and per dimension value).
pub fn to_csv(cb: &Codebook) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "level",
        "core",
        "category",
        "concept",
        "label_zh",
        "label_en",
        "zh_terms",
        "en_terms",
        "regex",
        "exclude_zh",
        "exclude_en",
    ]);
    for c in &cb.concepts {
        let cat = &cb.categories[c.category];
        let _ = w.write_record([
            "concept",
            &cb.cores[cat.core].id,
            &cat.id,
            &c.id,
            &c.label.zh,
            &c.label.en,
            &c.zh.join(";"),
            &c.en.join(";"),
            &c.regex.join(";"),
            &c.exclude_zh.join(";"),
            &c.exclude_en.join(";"),
        ]);
    }
    for v in &cb.dimension_values {
        let _ = w.write_record([
            "dimension_value",
            &cb.dimensions[v.dimension].id,
            "",
            &v.id,
            &v.label.zh,
            &v.label.en,
            &v.zh.join(";"),
            &v.en.join(";"),
            &v.regex.join(";"),
            "",
            "",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A code tree on its way to TOML: cores → categories → concepts with terms.
#[derive(Debug, Default)]
struct Tree {
    cores: Vec<Node>,
    /// Extra dimensions (children: their values).
    dimensions: Vec<Node>,
    /// The codebook's own fields from a policy-coder `.qdc` export (its header `<Set>`).
    header: Option<toml::Table>,
}

#[derive(Debug, Default)]
struct Node {
    id: String,
    label: String,
    children: Vec<Node>,
    zh: Vec<String>,
    en: Vec<String>,
    regex: Vec<String>,
    /// Further fields from a policy-coder data block (label, description, exclude, rules),
    /// written back as they were.
    fields: toml::Table,
}

/// Keys of a data block that the tree itself decides (never copied from the block).
const TREE_KEYS: [&str; 8] = [
    "kind", "id", "core", "category", "value", "zh", "en", "regex",
];

impl Node {
    /// `label = …`: the block's label, or one made from the code's name.
    fn label_line(&self) -> String {
        match self.fields.get("label") {
            Some(v) => format!("label = {v}"),
            None => format!("label = {}", label_of(&self.label)),
        }
    }

    /// The block's other fields, one `key = value` line each (sorted by key).
    fn field_lines(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.fields {
            if k != "label" && !TREE_KEYS.contains(&k.as_str()) {
                let _ = writeln!(s, "{k} = {v}");
            }
        }
        s
    }

    /// `zh` / `en` / `regex` lines; a TODO marker when there is no term at all.
    fn term_lines(&self) -> String {
        let mut s = String::new();
        if self.zh.is_empty() && self.en.is_empty() && self.regex.is_empty() {
            s.push_str("zh = []  # TODO: terms\nen = []\n");
        }
        for (k, v) in [("zh", &self.zh), ("en", &self.en), ("regex", &self.regex)] {
            if !v.is_empty() {
                let _ = writeln!(s, "{k} = {}", toml_list(v));
            }
        }
        s
    }
}

/// An id from a name: spaces and forbidden characters become `_`.
fn slug(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "code".into()
    } else {
        s
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|t| toml_str(t)).collect::<Vec<_>>().join(", ")
    )
}

fn label_of(name: &str) -> String {
    let lang = if name.chars().any(|c| c as u32 >= 0x2E80) {
        "zh"
    } else {
        "en"
    };
    format!("{{ {lang} = {} }}", toml_str(name))
}

impl Tree {
    /// Makes ids unique (a second `x` becomes `x_2`) within each level.
    fn dedup_ids(&mut self) {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        let mut fix = |id: &mut String, level: &str| {
            let n = seen.entry(format!("{level}:{id}")).or_default();
            *n += 1;
            if *n > 1 {
                *id = format!("{id}_{n}");
            }
        };
        for core in &mut self.cores {
            fix(&mut core.id, "core");
            for cat in &mut core.children {
                fix(&mut cat.id, "category");
                for con in &mut cat.children {
                    fix(&mut con.id, "concept");
                }
            }
        }
        for dim in &mut self.dimensions {
            fix(&mut dim.id, "dimension");
            let level = format!("value of {}", dim.id);
            for v in &mut dim.children {
                fix(&mut v.id, &level);
            }
        }
    }

    fn into_toml(mut self, header: &str) -> String {
        self.dedup_ids();
        let mut s = String::from(header);
        for core in &self.cores {
            let _ = write!(
                s,
                "\n[[core]]\nid = {}\n{}\n{}",
                toml_str(&core.id),
                core.label_line(),
                core.field_lines()
            );
        }
        for core in &self.cores {
            for cat in &core.children {
                let _ = write!(
                    s,
                    "\n[[category]]\nid = {}\ncore = {}\n{}\n{}",
                    toml_str(&cat.id),
                    toml_str(&core.id),
                    cat.label_line(),
                    cat.field_lines()
                );
            }
        }
        for core in &self.cores {
            for cat in &core.children {
                for con in &cat.children {
                    let _ = write!(
                        s,
                        "\n[[concept]]\nid = {}\ncategory = {}\n{}\n{}{}",
                        toml_str(&con.id),
                        toml_str(&cat.id),
                        con.label_line(),
                        con.term_lines(),
                        con.field_lines()
                    );
                }
            }
        }
        for dim in &self.dimensions {
            let _ = write!(
                s,
                "\n[[dimension]]\nid = {}\n{}\n{}",
                toml_str(&dim.id),
                dim.label_line(),
                dim.field_lines()
            );
            for v in &dim.children {
                let _ = write!(
                    s,
                    "\n[[dimension.value]]\nid = {}\n{}\n{}{}",
                    toml_str(&v.id),
                    v.label_line(),
                    v.term_lines(),
                    v.field_lines()
                );
            }
        }
        s
    }
}

fn usage(path: &str, line: usize, message: String) -> Error {
    Error::Codebook {
        path: path.to_string(),
        problems: vec![Problem {
            line,
            id: "format".into(),
            message,
        }],
    }
}

/// A `<Code>` as read from a `.qdc` file.
#[derive(Debug, Default)]
struct QCode {
    name: String,
    description: String,
    line: usize,
    children: Vec<QCode>,
}

/// The data block of a description ([`QDC_BLOCK`] to the end), parsed; `None` without one.
fn data_block_of(desc: &str) -> std::result::Result<Option<toml::Table>, String> {
    let at = if desc.starts_with(QDC_BLOCK) {
        Some(0)
    } else {
        desc.find(&format!("\n{QDC_BLOCK}")).map(|i| i + 1)
    };
    let Some(at) = at else { return Ok(None) };
    let mut doc: toml::Table = toml::from_str(&desc[at..]).map_err(|e| {
        format!(
            "the {QDC_BLOCK} block of the description is not valid TOML: {}",
            e.message().trim()
        )
    })?;
    match doc.remove("policy-coder") {
        Some(toml::Value::Table(t)) => Ok(Some(t)),
        _ => Ok(None),
    }
}

/// Reads the codes and set descriptions of a `.qdc` file.
fn read_qdc(xml: &str, name: &str) -> Result<(Vec<QCode>, Vec<String>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let line_at = |pos: usize| {
        let mut p = pos.min(xml.len());
        while !xml.is_char_boundary(p) {
            p -= 1;
        }
        xml[..p].matches('\n').count() + 1
    };
    let mut roots: Vec<QCode> = Vec::new();
    let mut open: Vec<QCode> = Vec::new();
    let mut sets: Vec<String> = Vec::new();
    let (mut in_set, mut in_desc, mut saw_codebook) = (false, false, false);
    let mut text = String::new();
    let close = |open: &mut Vec<QCode>, roots: &mut Vec<QCode>| {
        if let Some(c) = open.pop() {
            match open.last_mut() {
                Some(parent) => parent.children.push(c),
                None => roots.push(c),
            }
        }
    };
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(usage(name, line_at(pos), format!("invalid XML: {e}"))),
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let leaf = matches!(ev, Event::Empty(_));
                match e.local_name().as_ref() {
                    "CodeBook" => saw_codebook = true,
                    "Code" => {
                        let mut code_name = None;
                        for a in e.attributes().flatten() {
                            if a.key.local_name().as_ref() == "name" {
                                code_name = a
                                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .ok()
                                    .map(|v| v.to_string());
                            }
                        }
                        let Some(code_name) = code_name else {
                            return Err(usage(
                                name,
                                line_at(pos),
                                "<Code> without a name attribute".into(),
                            ));
                        };
                        open.push(QCode {
                            name: code_name,
                            line: line_at(pos),
                            ..Default::default()
                        });
                        // `<Code …/>` opens no scope: it is a leaf with no End event.
                        if leaf {
                            close(&mut open, &mut roots);
                        }
                    }
                    "Set" if !leaf => in_set = true,
                    "Description" if !leaf => {
                        in_desc = true;
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_desc => text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) if in_desc => match g.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(match g.xml10_content().as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::CData(t) if in_desc => text.push_str(&t.xml10_content()),
            Event::End(e) => match e.local_name().as_ref() {
                "Code" => close(&mut open, &mut roots),
                "Set" => in_set = false,
                "Description" => {
                    in_desc = false;
                    if in_set {
                        sets.push(std::mem::take(&mut text));
                    } else if let Some(c) = open.last_mut() {
                        c.description = std::mem::take(&mut text);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_codebook {
        return Err(usage(
            name,
            1,
            "not a REFI-QDA codebook (no <CodeBook> root element); import reads .qdc files (the md and csv exports are one-way)".into(),
        ));
    }
    while !open.is_empty() {
        close(&mut open, &mut roots);
    }
    Ok((roots, sets))
}

/// A tree node from a code: id from its name, terms and fields from its data block.
fn node_of(code: &QCode, block: Option<toml::Table>) -> Node {
    let mut node = Node {
        id: slug(&code.name),
        label: code.name.clone(),
        ..Default::default()
    };
    if let Some(mut fields) = block {
        for (key, list) in [
            ("zh", &mut node.zh),
            ("en", &mut node.en),
            ("regex", &mut node.regex),
        ] {
            if let Some(toml::Value::Array(a)) = fields.remove(key) {
                list.extend(a.iter().filter_map(|v| v.as_str().map(String::from)));
            }
        }
        node.fields = fields;
    }
    node
}

/// Codes below a concept (or a dimension value): their names become candidate terms.
fn fold_terms(codes: &[QCode], into: &mut Node) {
    for c in codes {
        if c.name.chars().any(|ch| ch as u32 >= 0x2E80) {
            into.zh.push(c.name.clone());
        } else {
            into.en.push(c.name.clone());
        }
        fold_terms(&c.children, into);
    }
}

/// Reads a `.qdc` file into codebook TOML.
///
/// A file exported by policy-coder comes back whole: each code's data block ([`QDC_BLOCK`]
/// in its `Description`) restores its kind, labels, terms, excludes and context rules, and
/// the [`QDC_HEADER_SET`] set the codebook's id, version, label, words and roles; the tree
/// (code names and nesting) gives ids and parents, so codes renamed or moved in a QDA
/// program keep their place. Other files give a skeleton: top-level codes become cores,
/// their children categories, grandchildren concepts (deeper codes are folded into their
/// concept as terms to review), with empty term lists marked TODO; a category without
/// children gets one concept of the same name. A top-level code whose block says
/// `kind = "dimension"` is a dimension, its children its values.
pub fn qdc_to_toml(xml: &str, name: &str) -> Result<String> {
    let (roots, sets) = read_qdc(xml, name)?;
    let block = |c: &QCode| {
        data_block_of(&c.description).map_err(|m| usage(name, c.line, format!("{}: {m}", c.name)))
    };
    let kind = |b: &Option<toml::Table>| {
        b.as_ref()
            .and_then(|t| t.get("kind"))
            .and_then(|k| k.as_str())
            .map(String::from)
    };
    let mut tree = Tree::default();
    for set in &sets {
        if let Ok(Some(t)) = data_block_of(set) {
            if t.get("kind").and_then(|k| k.as_str()) == Some("codebook") {
                tree.header = Some(t);
            }
        }
    }
    for root in &roots {
        let b = block(root)?;
        if kind(&b).as_deref() == Some("dimension") {
            let mut dim = node_of(root, b);
            for v in &root.children {
                let mut value = node_of(v, block(v)?);
                fold_terms(&v.children, &mut value);
                dim.children.push(value);
            }
            tree.dimensions.push(dim);
            continue;
        }
        let mut core = node_of(root, b);
        for c in &root.children {
            let mut cat = node_of(c, block(c)?);
            for k in &c.children {
                let mut con = node_of(k, block(k)?);
                fold_terms(&k.children, &mut con);
                cat.children.push(con);
            }
            core.children.push(cat);
        }
        tree.cores.push(core);
    }
    if tree.cores.is_empty() && tree.dimensions.is_empty() {
        return Err(usage(name, 1, "the codebook has no <Code> elements".into()));
    }
    for core in &mut tree.cores {
        if core.children.is_empty() {
            core.children.push(Node {
                id: core.id.clone(),
                label: core.label.clone(),
                ..Default::default()
            });
        }
        for cat in &mut core.children {
            if cat.children.is_empty() {
                cat.children.push(Node {
                    id: cat.id.clone(),
                    label: cat.label.clone(),
                    ..Default::default()
                });
            }
        }
    }
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let header = match tree.header.take() {
        Some(h) => {
            let mut s = format!(
                "# Codebook imported from {file} by policy-coder (a policy-coder export: terms, rules and labels restored).\n\n"
            );
            for key in ["id", "version", "label", "description", "words", "default_roles"] {
                if let Some(v) = h.get(key) {
                    let _ = writeln!(s, "{key} = {v}");
                }
            }
            if let Some(toml::Value::Array(roles)) = h.get("role") {
                for r in roles.iter().filter_map(|r| r.as_table()) {
                    s.push_str("\n[[role]]\n");
                    for (k, v) in r {
                        let _ = writeln!(s, "{k} = {v}");
                    }
                }
            }
            s
        }
        None => format!(
            "# Codebook skeleton imported from {name} by policy-coder.\n\
             # Top-level codes are cores, their children categories, grandchildren concepts.\n\
             # Fill in the terms (zh/en) of every concept, then check with `policy-coder codebook check`.\n\n\
             id = {}\nversion = \"0.1\"\nlabel = {}\n",
            toml_str(&slug(file.trim_end_matches(".qdc"))),
            label_of(file)
        ),
    };
    Ok(tree.into_toml(&header))
}

/// Sorts dictionary patterns into Chinese terms, English terms, and regexes (patterns
/// with the `*` wildcard of quanteda globs and LIWC).
fn sort_pattern(p: &str, node: &mut Node) {
    let p = p.trim();
    if p.is_empty() {
        return;
    }
    if p.contains('*') {
        let body = p
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(r"\w*");
        let ascii = p.is_ascii();
        node.regex.push(if ascii {
            format!(r"(?i)\b{body}\b")
        } else {
            body
        });
    } else if p.chars().any(|c| c as u32 >= 0x2E80) {
        node.zh.push(p.to_string());
    } else {
        node.en.push(p.to_lowercase());
    }
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Yaml {
    List(Vec<String>),
    Map(IndexMap<String, Yaml>),
    One(String),
}

fn patterns(y: &Yaml, node: &mut Node) {
    match y {
        Yaml::List(v) => v.iter().for_each(|p| sort_pattern(p, node)),
        Yaml::One(p) => sort_pattern(p, node),
        Yaml::Map(m) => m.values().for_each(|y| patterns(y, node)),
    }
}

/// Reads a quanteda-style YAML dictionary (nested keys, leaves lists of patterns) as
/// codebook TOML: three levels map to core / category / concept; with two levels each
/// category gets one concept; with one level, a single core `dictionary` holds the keys.
/// Deeper levels are merged into their concept.
pub fn yaml_to_toml(src: &str, name: &str) -> Result<String> {
    let root: IndexMap<String, Yaml> = serde_saphyr::from_str(src).map_err(|e| {
        usage(
            name,
            0,
            format!("not a YAML dictionary of keys and pattern lists: {e}"),
        )
    })?;
    let leaf = |key: &str, y: &Yaml| {
        let mut n = Node {
            id: slug(key),
            label: key.to_string(),
            ..Default::default()
        };
        patterns(y, &mut n);
        n
    };
    let node = |key: &str| Node {
        id: slug(key),
        label: key.to_string(),
        ..Default::default()
    };
    let mut tree = Tree::default();
    let depth = |y: &Yaml| -> usize {
        fn d(y: &Yaml) -> usize {
            match y {
                Yaml::Map(m) => 1 + m.values().map(d).max().unwrap_or(0),
                _ => 0,
            }
        }
        d(y)
    };
    let max_depth = root.values().map(depth).max().unwrap_or(0);
    if max_depth == 0 {
        let mut core = node("dictionary");
        for (k, y) in &root {
            let mut cat = node(k);
            cat.children.push(leaf(k, y));
            core.children.push(cat);
        }
        tree.cores.push(core);
    } else {
        for (k, y) in &root {
            let mut core = node(k);
            match y {
                Yaml::Map(cats) => {
                    for (ck, cy) in cats {
                        let mut cat = node(ck);
                        match cy {
                            Yaml::Map(concepts) => {
                                for (nk, ny) in concepts {
                                    cat.children.push(leaf(nk, ny));
                                }
                            }
                            other => cat.children.push(leaf(ck, other)),
                        }
                        core.children.push(cat);
                    }
                }
                other => {
                    let mut cat = node(k);
                    cat.children.push(leaf(k, other));
                    core.children.push(cat);
                }
            }
            tree.cores.push(core);
        }
    }
    Ok(tree.into_toml(&format!(
        "# Converted from the YAML dictionary {name} by policy-coder.\nid = {}\n",
        toml_str(&slug(name.rsplit('/').next().unwrap_or(name)))
    )))
}

/// Reads a LIWC `.dic` file (a `%`-delimited header of `number<TAB>category`, then
/// `word<TAB>numbers…`) as codebook TOML: one core `liwc`, a category and a concept per
/// LIWC category, `*` wildcards as regexes.
pub fn liwc_to_toml(src: &str, name: &str) -> Result<String> {
    let mut lines = src.lines().enumerate();
    let mut categories: IndexMap<String, Node> = IndexMap::new();
    let first = lines.find(|(_, l)| !l.trim().is_empty());
    if first.map(|(_, l)| l.trim()) != Some("%") {
        return Err(usage(
            name,
            1,
            "not a LIWC dictionary: the first line must be `%`".into(),
        ));
    }
    let mut header_done = false;
    for (i, raw) in lines {
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if l == "%" {
            header_done = true;
            continue;
        }
        let mut parts = l.split(['\t', ' ']).filter(|p| !p.is_empty());
        let first = parts.next().unwrap_or("");
        if !header_done {
            let label = parts.collect::<Vec<_>>().join(" ");
            if first.parse::<u32>().is_err() || label.is_empty() {
                return Err(usage(
                    name,
                    i + 1,
                    format!("header line `{l}`: expected `number<TAB>category`"),
                ));
            }
            categories.insert(
                first.to_string(),
                Node {
                    id: slug(&label),
                    label,
                    ..Default::default()
                },
            );
        } else {
            let nums: Vec<&str> = parts.collect();
            if nums.is_empty() {
                return Err(usage(
                    name,
                    i + 1,
                    format!("`{first}` has no category numbers"),
                ));
            }
            for n in nums {
                let Some(cat) = categories.get_mut(n) else {
                    return Err(usage(
                        name,
                        i + 1,
                        format!("`{first}`: unknown category number {n}"),
                    ));
                };
                sort_pattern(first, cat);
            }
        }
    }
    if !header_done {
        return Err(usage(
            name,
            1,
            "no closing `%` after the category header".into(),
        ));
    }
    let mut core = Node {
        id: "liwc".into(),
        label: "LIWC".into(),
        ..Default::default()
    };
    for (_, mut leaf) in categories {
        if leaf.zh.is_empty() && leaf.en.is_empty() && leaf.regex.is_empty() {
            continue;
        }
        let mut cat = Node {
            id: leaf.id.clone(),
            label: leaf.label.clone(),
            ..Default::default()
        };
        leaf.id = format!("{}_terms", leaf.id);
        cat.children.push(leaf);
        core.children.push(cat);
    }
    let tree = Tree {
        cores: vec![core],
        ..Default::default()
    };
    Ok(tree.into_toml(&format!(
        "# Converted from the LIWC dictionary {name} by policy-coder.\nid = {}\n",
        toml_str(&slug(name.rsplit('/').next().unwrap_or(name)))
    )))
}

/// Loads a codebook by file extension: `.yml`/`.yaml` (quanteda dictionary), `.dic`
/// (LIWC), anything else TOML.
pub fn load_any(path: &std::path::Path) -> Result<Codebook> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let src = || std::fs::read_to_string(path).map_err(|e| Error::io(path, e));
    match ext.as_str() {
        "yml" | "yaml" => Codebook::parse(&yaml_to_toml(&src()?, &name)?, &name),
        "dic" => Codebook::parse(&liwc_to_toml(&src()?, &name)?, &name),
        _ => Codebook::load(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_well_formed_stable_and_distinct() {
        let g = guid("cb", "supply");
        let re = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(&g), "{g}");
        assert_eq!(g, guid("cb", "supply"));
        assert_ne!(g, guid("cb", "demand"));
    }

    #[test]
    fn qdc_export_has_the_refi_structure_and_imports_back_to_the_same_tree() {
        let cb = Codebook::default_codebook();
        let xml = to_qdc(&cb);
        assert!(xml.contains("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\""));
        // Structure: every Code has guid, name and isCodable, Description first; nesting
        // balanced; GUIDs unique.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut depth, mut max_depth, mut guids) = (0, 0, std::collections::HashSet::new());
        let mut codes = 0;
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == "Code" => {
                    let attrs: Vec<String> = e
                        .attributes()
                        .map(|a| a.unwrap().key.as_ref().to_string())
                        .collect();
                    for a in ["guid", "name", "isCodable"] {
                        assert!(attrs.contains(&a.to_string()));
                    }
                    let g = e
                        .try_get_attribute("guid")
                        .unwrap()
                        .unwrap()
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .to_string();
                    assert!(guids.insert(g), "duplicate guid");
                    depth += 1;
                    codes += 1;
                    max_depth = max_depth.max(depth);
                }
                quick_xml::events::Event::End(e) if e.name().as_ref() == "Code" => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        assert_eq!(max_depth, 3);
        let n_dim = cb.dimensions.len() + cb.dimension_values.len();
        assert_eq!(
            codes,
            cb.cores.len() + cb.categories.len() + cb.concepts.len() + n_dim
        );
        // Import: the same codebook comes back (terms, rules, labels; the dimension stays
        // a dimension).
        let toml = qdc_to_toml(&xml, "codebook.qdc").unwrap();
        assert!(!toml.contains("TODO"), "{toml}");
        let back = Codebook::parse(&toml, "back.toml").unwrap();
        assert_same(&cb, &back);
        assert_eq!(to_qdc(&back), xml);
    }

    /// Everything a codebook holds but its source hash.
    fn assert_same(a: &Codebook, b: &Codebook) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.version, b.version);
        assert_eq!(a.label, b.label);
        assert_eq!(format!("{:?}", a.cores), format!("{:?}", b.cores));
        assert_eq!(format!("{:?}", a.categories), format!("{:?}", b.categories));
        for (x, y) in a.concepts.iter().zip(&b.concepts) {
            assert_eq!(format!("{x:?}"), format!("{y:?}"));
        }
        assert_eq!(a.concepts.len(), b.concepts.len());
        assert_eq!(format!("{:?}", a.dimensions), format!("{:?}", b.dimensions));
        assert_eq!(
            format!("{:?}", a.dimension_values),
            format!("{:?}", b.dimension_values)
        );
        assert_eq!(a.words, b.words);
        assert_eq!(a.roles, b.roles);
        assert_eq!(a.default_roles, b.default_roles);
    }

    #[test]
    fn qdc_round_trip_keeps_rules_roles_regexes_and_markup_characters() {
        let src = r#"
id = "t"
version = "2.1"
label = { zh = "测试", en = "Test & <check>" }
words = ["人力资源社会保障部门"]
default_roles = false

[[role]]
role = "preamble"
heading = { zh = ["总则"], en = ["general"] }
text = { zh = ["为了"] }

[[core]]
id = "supply"
label = { zh = "供给" }

[[core]]
id = "demand"
label = { en = "Demand \"side\"" }

[[category]]
id = "fiscal"
core = "supply"
label = { zh = "财政", en = "Fiscal" }
description = "Grants; subsidies & <funds>"

[[category]]
id = "buy"
core = "demand"
label = { zh = "采购", en = "Procurement" }

[[concept]]
id = "subsidy"
category = "fiscal"
label = { zh = "补贴", en = "Subsidy" }
zh = ["补贴", "补助"]
en = ["subsid", "=grant"]
regex = ['\d+万元']
exclude = { zh = ["农机补贴"], en = ["farm"] }
near = { zh = ["给予"], within = 5 }
not_near = { en = ["cancel"], before = 3, after = 0 }

[[concept]]
id = "purchase"
category = "buy"
label = { zh = "政府采购" }
zh = ["政府采购"]
clause = { zh = ["优先"], en = ["priority"] }

[[dimension]]
id = "stage"
label = { zh = "阶段", en = "Stage" }

[[dimension.value]]
id = "startup"
label = { zh = "初创", en = "Start-up" }
zh = ["初创"]

[[dimension.value]]
id = "growth"
label = { en = "Growth" }
en = ["expansion"]
"#;
        let cb = Codebook::parse(src, "t.toml").unwrap();
        let xml = to_qdc(&cb);
        let toml = qdc_to_toml(&xml, "t.qdc").unwrap();
        let back = Codebook::parse(&toml, "back.toml").unwrap();
        assert_same(&cb, &back);
        assert_eq!(back.cores.len(), 2, "the dimension must not become a core");
        assert_eq!(back.dimensions[0].id, "stage");
        assert_eq!(back.roles.len(), 1);
        assert!(!back.default_roles);
        let near = back.concepts[0].near.as_ref().unwrap();
        assert_eq!((near.before, near.after), (5, 5));
        let not_near = back.concepts[0].not_near.as_ref().unwrap();
        assert_eq!((not_near.before, not_near.after), (3, 0));
    }

    #[test]
    fn qdc_codes_moved_or_renamed_in_a_qda_program_keep_their_data() {
        // NVivo users rename and move codes: the tree gives ids and parents, the data
        // block the terms.
        let cb = Codebook::default_codebook();
        let xml = to_qdc(&cb).replacen("name=\"startup_subsidy\"", "name=\"startup grants\"", 1);
        let toml = qdc_to_toml(&xml, "edited.qdc").unwrap();
        let back = Codebook::parse(&toml, "back.toml").unwrap();
        let old = cb
            .concepts
            .iter()
            .find(|c| c.id == "startup_subsidy")
            .unwrap();
        let new = back
            .concepts
            .iter()
            .find(|c| c.id == "startup_grants")
            .unwrap();
        assert_eq!(new.zh, old.zh);
        assert_eq!(new.label, old.label);
    }

    #[test]
    fn qdc_from_other_programs_gives_a_skeleton_to_fill() {
        let xml = "<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\n\
            <Code guid=\"1\" name=\"Supply\" isCodable=\"true\"><Description>plain</Description>\n\
              <Code guid=\"2\" name=\"财政 支持\" isCodable=\"true\">\n\
                <Code guid=\"3\" name=\"补贴\" isCodable=\"true\"/>\n\
              </Code>\n\
            </Code></Codes></CodeBook>";
        let toml = qdc_to_toml(xml, "other.qdc").unwrap();
        assert!(toml.contains("zh = []  # TODO: terms"), "{toml}");
        assert!(toml.contains("id = \"财政_支持\""), "{toml}");
        let filled = toml.replace("zh = []  # TODO: terms", "zh = [\"占位\"]");
        let back = Codebook::parse(&filled, "back.toml").unwrap();
        assert_eq!(back.cores[0].label.en, "Supply");
        assert_eq!(back.concepts[0].label.zh, "补贴");
        // A broken data block names its code and line.
        let bad = xml.replace("plain", "[policy-coder]\nkind = ");
        let err = qdc_to_toml(&bad, "bad.qdc").unwrap_err().to_string();
        assert!(
            err.contains("bad.qdc:3:") && err.contains("Supply: the [policy-coder] block"),
            "{err}"
        );
    }

    #[test]
    fn qdc_import_rejects_other_xml_naming_the_line() {
        let err = qdc_to_toml("<?xml version=\"1.0\"?>\n<Project/>", "x.qdc").unwrap_err();
        assert!(err.to_string().contains("no <CodeBook> root"), "{err}");
        let err =
            qdc_to_toml("<CodeBook>\n<Codes>\n<Code guid=\"1\"></Code>", "x.qdc").unwrap_err();
        assert!(err.to_string().contains("x.qdc:3:"), "{err}");
    }

    #[test]
    fn markdown_and_csv_list_every_concept() {
        let cb = Codebook::default_codebook();
        let md = to_markdown(&cb);
        assert_eq!(
            md.lines()
                .filter(|l| l.starts_with("| ")
                    && !l.starts_with("| core")
                    && !l.starts_with("| value"))
                .count(),
            cb.concepts.len() + cb.dimension_values.len()
        );
        let csv = to_csv(&cb);
        assert_eq!(
            csv.lines().count(),
            1 + cb.concepts.len() + cb.dimension_values.len()
        );
        assert!(csv.contains("concept,supply,fiscal_support,"));
    }

    #[test]
    fn quanteda_yaml_dictionaries_become_codebooks() {
        let yaml = "supply:\n  fiscal:\n    subsidy:\n      - 创业补贴\n      - start-up grant\n    loans: [贷款, loan*]\ndemand:\n  procurement:\n    - 政府采购\n";
        let toml = yaml_to_toml(yaml, "d.yml").unwrap();
        let cb = Codebook::parse(&toml, "d.yml").unwrap();
        assert_eq!(
            cb.cores.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["supply", "demand"]
        );
        assert_eq!(cb.concepts.len(), 3);
        let loans = cb.concepts.iter().find(|c| c.id == "loans").unwrap();
        assert_eq!(loans.zh, ["贷款"]);
        assert_eq!(loans.regex, [r"(?i)\bloan\w*\b"]);
        // A glob (`loan*`) becomes a regular expression, a plain English phrase a term.
        let subsidy = cb.concepts.iter().find(|c| c.id == "subsidy").unwrap();
        assert_eq!(subsidy.en, ["start-up grant"]);
        assert_eq!(subsidy.zh, ["创业补贴"]);
        let flat = yaml_to_toml("pilot: [试点]\nreform: [改革]\n", "f.yaml").unwrap();
        let cb = Codebook::parse(&flat, "f.yaml").unwrap();
        assert_eq!(cb.cores[0].id, "dictionary");
        assert_eq!(cb.categories.len(), 2);
        assert!(yaml_to_toml("- a\n- b\n", "bad.yml").is_err());
    }

    #[test]
    fn liwc_dictionaries_become_codebooks_and_bad_lines_are_named() {
        let dic = "%\n1\tfunding\n2\treform\n%\nsubsid*\t1\n补贴\t1\t2\n改革\t2\n";
        let cb = Codebook::parse(&liwc_to_toml(dic, "x.dic").unwrap(), "x.dic").unwrap();
        assert_eq!(
            cb.categories
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["funding", "reform"]
        );
        let funding = &cb.concepts[0];
        assert_eq!(
            (funding.zh.clone(), funding.regex.len()),
            (vec!["补贴".to_string()], 1)
        );
        let err = liwc_to_toml("%\n1\tfunding\n%\nword\t3\n", "x.dic").unwrap_err();
        assert!(
            err.to_string().contains("line 4") || err.to_string().contains(":4"),
            "{err}"
        );
        assert!(liwc_to_toml("word\t1\n", "x.dic").is_err());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any text given as a YAML, LIWC or qdc codebook gives a result or an error, never
        /// a panic; whatever converts is valid TOML for the codebook parser to judge.
        #[test]
        fn converters_never_panic(src in "(?s).{0,400}", picks in proptest::collection::vec(0usize..12, 0..40)) {
            let pieces = ["%\n", "1\tfunding\n", "word*\t1\n", "a:\n", "  - x\n", "  b: [y]\n",
                "<CodeBook>", "<Code name=\"a\">", "</Code>", "<Code name=\"b\"/>", "\t", "\n"];
            let mut s = src.clone();
            for p in picks { s.push_str(pieces[p]); }
            for text in [&src, &s] {
                for toml in [yaml_to_toml(text, "x.yml"), liwc_to_toml(text, "x.dic"), qdc_to_toml(text, "x.qdc")].into_iter().flatten() {
                    let _ = Codebook::parse(&toml, "x");
                }
            }
        }
    }
}
