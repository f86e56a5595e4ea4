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

/// The codebook as a REFI-QDA codebook (`urn:QDA-XML:codebook:1.0`): cores, categories and
/// concepts as nested `Code` elements named by id, labels and terms in `Description`;
/// extra dimensions as further top-level codes.
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
    for (c, core) in cb.cores.iter().enumerate() {
        let colour = CORE_COLOURS[c % CORE_COLOURS.len()];
        code(
            &mut s,
            4,
            &core.id,
            &core.id,
            colour,
            &label_text(&core.label),
        );
        for k in cb.categories_of(c) {
            let cat = &cb.categories[k];
            let path = format!("{}/{}", core.id, cat.id);
            let mut desc = label_text(&cat.label);
            if !cat.description.is_empty() {
                desc = format!("{desc}. {}", cat.description);
            }
            code(&mut s, 6, &path, &cat.id, colour, &desc);
            for concept in cb.concepts.iter().filter(|x| x.category == k) {
                let desc = with_terms(
                    &concept.label,
                    [
                        ("zh", &concept.zh),
                        ("en", &concept.en),
                        ("regex", &concept.regex),
                    ],
                );
                code(
                    &mut s,
                    8,
                    &format!("{path}/{}", concept.id),
                    &concept.id,
                    colour,
                    &desc,
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
            &format!("Dimension: {}", label_text(&dim.label)),
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
            code(
                &mut s,
                6,
                &format!("{path}/{}", value.id),
                &value.id,
                "#999999",
                &desc,
            );
            s.push_str("      </Code>\n");
        }
        s.push_str("    </Code>\n");
    }
    s.push_str("  </Codes>\n</CodeBook>\n");
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
}

#[derive(Debug, Default)]
struct Node {
    id: String,
    label: String,
    children: Vec<Node>,
    zh: Vec<String>,
    en: Vec<String>,
    regex: Vec<String>,
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
    }

    fn into_toml(mut self, header: &str) -> String {
        self.dedup_ids();
        let mut s = String::from(header);
        for core in &self.cores {
            let _ = writeln!(
                s,
                "\n[[core]]\nid = {}\nlabel = {}",
                toml_str(&core.id),
                label_of(&core.label)
            );
        }
        for core in &self.cores {
            for cat in &core.children {
                let _ = writeln!(
                    s,
                    "\n[[category]]\nid = {}\ncore = {}\nlabel = {}",
                    toml_str(&cat.id),
                    toml_str(&core.id),
                    label_of(&cat.label)
                );
            }
        }
        for core in &self.cores {
            for cat in &core.children {
                for con in &cat.children {
                    let _ = writeln!(
                        s,
                        "\n[[concept]]\nid = {}\ncategory = {}\nlabel = {}",
                        toml_str(&con.id),
                        toml_str(&cat.id),
                        label_of(&con.label)
                    );
                    if con.zh.is_empty() && con.en.is_empty() && con.regex.is_empty() {
                        s.push_str("zh = []  # TODO: terms\nen = []\n");
                    }
                    for (k, v) in [("zh", &con.zh), ("en", &con.en), ("regex", &con.regex)] {
                        if !v.is_empty() {
                            let _ = writeln!(s, "{k} = {}", toml_list(v));
                        }
                    }
                }
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

/// Reads a `.qdc` file's code tree into a TOML codebook skeleton: top-level codes become
/// cores, their children categories, grandchildren concepts (deeper codes are folded into
/// their concept as terms to review). Concepts get empty term lists marked TODO; a category
/// without children gets one concept of the same name.
pub fn qdc_to_toml(xml: &str, name: &str) -> Result<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut tree = Tree::default();
    // Path of indexes into the tree of the open Code elements.
    let mut depth = 0usize;
    let mut saw_codebook = false;
    // Line of a byte position, for error messages (rounded down to a character boundary).
    let line_at = |pos: usize| {
        let mut p = pos.min(xml.len());
        while !xml.is_char_boundary(p) {
            p -= 1;
        }
        xml[..p].matches('\n').count() + 1
    };
    loop {
        let pos = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(ev @ (Event::Start(_) | Event::Empty(_)))
                if {
                    let (Event::Start(e) | Event::Empty(e)) = &ev else {
                        unreachable!()
                    };
                    e.local_name().as_ref() == "Code"
                } =>
            {
                let (Event::Start(e) | Event::Empty(e)) = &ev else {
                    unreachable!()
                };
                // `<Code …/>` opens no scope: it is a leaf with no End event.
                let leaf = matches!(ev, Event::Empty(_));
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
                let node = Node {
                    id: slug(&code_name),
                    label: code_name,
                    ..Default::default()
                };
                depth += 1;
                match depth {
                    1 => tree.cores.push(node),
                    2 => {
                        if let Some(c) = tree.cores.last_mut() {
                            c.children.push(node);
                        }
                    }
                    3 => {
                        if let Some(cat) = tree.cores.last_mut().and_then(|c| c.children.last_mut())
                        {
                            cat.children.push(node);
                        }
                    }
                    _ => {
                        // Deeper codes: kept as candidate terms of their concept.
                        if let Some(con) = tree
                            .cores
                            .last_mut()
                            .and_then(|c| c.children.last_mut())
                            .and_then(|c| c.children.last_mut())
                        {
                            let lang_zh = node.label.chars().any(|c| c as u32 >= 0x2E80);
                            if lang_zh {
                                con.zh.push(node.label);
                            } else {
                                con.en.push(node.label);
                            }
                        }
                    }
                }
                if leaf {
                    depth -= 1;
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "Code" => {
                depth = depth.saturating_sub(1)
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "CodeBook" => saw_codebook = true,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(usage(name, line_at(pos), format!("invalid XML: {e}"))),
        }
    }
    if !saw_codebook {
        return Err(usage(
            name,
            1,
            "not a REFI-QDA codebook (no <CodeBook> root element)".into(),
        ));
    }
    if tree.cores.is_empty() {
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
    Ok(tree.into_toml(&format!(
        "# Codebook skeleton imported from {name} by policy-coder.\n\
         # Top-level codes are cores, their children categories, grandchildren concepts.\n\
         # Fill in the terms (zh/en) of every concept, then check with `policy-coder codebook check`.\n\n\
         id = {}\nversion = \"0.1\"\nlabel = {}\n",
        toml_str(&slug(name.rsplit('/').next().unwrap_or(name).trim_end_matches(".qdc"))),
        label_of(name.rsplit('/').next().unwrap_or(name))
    )))
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
    let tree = Tree { cores: vec![core] };
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
        // Import: the skeleton has the same cores, categories and concepts (plus the
        // dimension as a core), with empty term lists to fill.
        let toml = qdc_to_toml(&xml, "codebook.qdc").unwrap();
        assert!(toml.contains("# TODO: terms"));
        let filled = toml.replace("zh = []  # TODO: terms", "zh = [\"占位\"]");
        let back = Codebook::parse(&filled, "back.toml").unwrap();
        let ids = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        let mut expected_cores = ids(cb.cores.iter().map(|c| c.id.as_str()).collect());
        expected_cores.extend(cb.dimensions.iter().map(|d| d.id.clone()));
        assert_eq!(
            ids(back.cores.iter().map(|c| c.id.as_str()).collect()),
            expected_cores
        );
        for c in &cb.categories {
            assert!(back.category_index(&c.id).is_some(), "{}", c.id);
        }
        for c in &cb.concepts {
            assert!(back.concepts.iter().any(|x| x.id == c.id), "{}", c.id);
        }
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
        let coder = crate::Coder::new(cb).unwrap();
        let codes = coder.code_str(
            "Banks offer loans and a start-up grant.",
            crate::lang::Lang::En,
        );
        assert_eq!(codes.concepts.len(), 2);
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
