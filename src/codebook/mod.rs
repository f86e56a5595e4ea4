//! The codebook: three levels named after grounded theory.
//!
//! - `core` (selective codes): e.g. supply / demand / environment;
//! - `category` (axial codes): the policy instruments, each under one core;
//! - `concept` (open codes): the concepts that signal a category, each with its Chinese
//!   and English terms, optional regex patterns, and exclude terms that veto the concept
//!   in a unit where they occur.
//!
//! The file format is TOML (see `codebooks/return-migrant-entrepreneurship.toml`). Loading
//! validates the whole file and reports every problem with its line and id.

pub mod formats;
pub mod names;
pub mod roles;

use crate::error::{Error, Problem, Result};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use toml::Spanned;

/// Name of the built-in default codebook.
pub const DEFAULT_NAME: &str = "return-migrant-entrepreneurship.toml";
/// Text of the built-in default codebook.
pub const DEFAULT_TOML: &str = include_str!("../../codebooks/return-migrant-entrepreneurship.toml");

/// A label in Chinese and English (either may be empty, not both).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Chinese label.
    #[serde(default)]
    pub zh: String,
    /// English label.
    #[serde(default)]
    pub en: String,
}

/// A selective (core) category.
#[derive(Debug, Clone)]
pub struct Core {
    /// Identifier, e.g. `supply`.
    pub id: String,
    /// Labels.
    pub label: Label,
}

/// An axial category (a policy instrument).
#[derive(Debug, Clone)]
pub struct Category {
    /// Identifier, e.g. `fiscal_support`.
    pub id: String,
    /// Labels.
    pub label: Label,
    /// Index of its core in [`Codebook::cores`].
    pub core: usize,
    /// Optional description for the codebook appendix.
    pub description: String,
}

/// An open code: a concept with the terms that signal it.
#[derive(Debug, Clone)]
pub struct Concept {
    /// Identifier, e.g. `startup_subsidy`.
    pub id: String,
    /// Labels.
    pub label: Label,
    /// Index of its category in [`Codebook::categories`].
    pub category: usize,
    /// Chinese terms.
    pub zh: Vec<String>,
    /// English terms.
    pub en: Vec<String>,
    /// Regular expressions matched against the normalised unit text.
    pub regex: Vec<String>,
    /// Chinese terms that veto the concept in a unit.
    pub exclude_zh: Vec<String>,
    /// English terms that veto the concept in a unit.
    pub exclude_en: Vec<String>,
    /// A hit counts only with one of these terms within so many tokens of it.
    pub near: Option<Context>,
    /// A hit does not count with one of these terms within so many tokens of it.
    pub not_near: Option<Context>,
    /// A hit counts only with one of these terms in the same clause.
    pub clause: Option<Context>,
}

/// Context terms of a rule (NEAR, NOT NEAR, same clause), after WordStat's rules.
/// Chinese terms match as substrings, English ones as stemmed words (`=word`: exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Chinese terms.
    pub zh: Vec<String>,
    /// English terms.
    pub en: Vec<String>,
    /// Largest distance in tokens from a context term standing before the hit to the hit
    /// (NEAR rules; 0: a term before the hit does not count, WordStat's AFTER).
    pub before: usize,
    /// Largest distance in tokens from the hit to a context term standing after it (NEAR
    /// rules; 0: a term after the hit does not count, WordStat's BEFORE).
    pub after: usize,
}

/// Default distance of NEAR and NOT NEAR rules, in tokens.
pub const DEFAULT_WITHIN: usize = 8;

/// An extra dimension coded beside the instrument tree (e.g. entrepreneurship stage), for
/// cross-tabs of instrument × dimension.
#[derive(Debug, Clone)]
pub struct Dimension {
    /// Identifier, e.g. `stage`; also the `units.csv` column name.
    pub id: String,
    /// Labels.
    pub label: Label,
}

/// One value of a dimension, with the terms that signal it.
#[derive(Debug, Clone)]
pub struct DimValue {
    /// Identifier, e.g. `startup`.
    pub id: String,
    /// Labels.
    pub label: Label,
    /// Index of its dimension in [`Codebook::dimensions`].
    pub dimension: usize,
    /// Chinese terms.
    pub zh: Vec<String>,
    /// English terms.
    pub en: Vec<String>,
    /// Regular expressions.
    pub regex: Vec<String>,
}

/// A validated codebook.
#[derive(Debug, Clone)]
pub struct Codebook {
    /// Identifier of the codebook.
    pub id: String,
    /// Version string.
    pub version: String,
    /// Title.
    pub label: Label,
    /// Core categories, in file order.
    pub cores: Vec<Core>,
    /// Categories, in file order.
    pub categories: Vec<Category>,
    /// Concepts, in file order.
    pub concepts: Vec<Concept>,
    /// Extra dimensions, in file order.
    pub dimensions: Vec<Dimension>,
    /// Values of all dimensions, grouped by dimension in file order.
    pub dimension_values: Vec<DimValue>,
    /// Extra dictionary words: kept whole by the tokenizer, never coded (e.g. department
    /// names such as 人力资源社会保障部门, so that 社会保障 does not match inside them).
    pub words: Vec<String>,
    /// The codebook's own section-role rules (checked before the built-in ones).
    pub roles: Vec<crate::codebook::roles::RoleSpec>,
    /// Whether the built-in role rules apply (`default_roles = false` turns them off).
    pub default_roles: bool,
    /// FNV-1a hash of the source text, to tie models and results to a codebook.
    pub hash: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    id: Option<Spanned<String>>,
    version: Option<String>,
    label: Option<Label>,
    description: Option<String>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    core: Vec<RawCore>,
    #[serde(default)]
    category: Vec<RawCategory>,
    #[serde(default)]
    concept: Vec<RawConcept>,
    #[serde(default)]
    dimension: Vec<RawDimension>,
    #[serde(default)]
    role: Vec<crate::codebook::roles::RawRole>,
    default_roles: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimension {
    id: Spanned<String>,
    label: Option<Label>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    value: Vec<RawDimValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimValue {
    id: Spanned<String>,
    label: Option<Label>,
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCore {
    id: Spanned<String>,
    label: Option<Label>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    core: Spanned<String>,
    label: Option<Label>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExclude {
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcept {
    id: Spanned<String>,
    category: Spanned<String>,
    label: Option<Label>,
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: RawExclude,
    near: Option<Spanned<RawContext>>,
    not_near: Option<Spanned<RawContext>>,
    clause: Option<Spanned<RawContext>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    within: Option<i64>,
    before: Option<i64>,
    after: Option<i64>,
}

/// Reports every pattern of `regexes` that does not compile, under `id`.
/// Whether `id` is a safe codebook id: non-empty, letters (any script), digits, `_` and
/// `-` only. Ids name output files (`crosstab_<dimension>.csv`), columns and SVG/XML
/// text, so `/`, `..`, control characters and markup are kept out.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Whether a term has something to match: a letter or digit (not only punctuation or
/// invisible characters such as a zero-width space).
fn has_letter_or_digit(t: &str) -> bool {
    t.chars().any(char::is_alphanumeric)
}

fn no_letter(t: &str) -> String {
    format!(
        "term \"{}\" has no letter or digit (it would match punctuation or nothing visible)",
        t.escape_debug()
    )
}

fn check_regexes(
    regexes: &[Spanned<String>],
    id: &str,
    problem: &mut dyn FnMut(std::ops::Range<usize>, &str, String),
) {
    for r in regexes {
        if let Err(e) = regex::Regex::new(r.get_ref()) {
            let detail = e.to_string();
            let first = detail.lines().last().unwrap_or("").trim();
            problem(
                r.span(),
                id,
                format!("invalid regex `{}`: {first}", r.get_ref()),
            );
        }
    }
}

fn line_of(src: &str, byte: usize) -> usize {
    src[..byte.min(src.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

impl Codebook {
    /// The built-in codebook (return migrant workers' entrepreneurship, 21 instruments).
    pub fn default_codebook() -> Codebook {
        // The embedded file is validated by the test suite; failing here is a build bug.
        Self::parse(DEFAULT_TOML, DEFAULT_NAME).expect("the built-in codebook is valid")
    }

    /// Loads and validates a codebook file.
    pub fn load(path: &Path) -> Result<Codebook> {
        let src = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&src, &path.display().to_string())
    }

    /// Parses and validates codebook TOML; `name` is used in error messages.
    pub fn parse(src: &str, name: &str) -> Result<Codebook> {
        let fail = |problems: Vec<Problem>| Error::Codebook {
            path: name.to_string(),
            problems,
        };
        let raw: RawFile = toml::from_str(src).map_err(|e| {
            let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(0);
            let msg = e.message().trim().to_string();
            let msg = match msg.strip_prefix("unknown field `") {
                Some(rest) if rest.find('`').is_some_and(|n| n == 2) => {
                    format!(
                        "unknown language key `{}` (known: zh, en); {msg}",
                        &rest[..2]
                    )
                }
                _ => msg,
            };
            fail(vec![Problem {
                line,
                id: "syntax".into(),
                message: msg,
            }])
        })?;

        let mut problems = Vec::new();
        let mut problem = |span: std::ops::Range<usize>, id: &str, message: String| {
            problems.push(Problem {
                line: line_of(src, span.start),
                id: id.to_string(),
                message,
            })
        };
        let check_id =
            |id: &Spanned<String>,
             problem: &mut dyn FnMut(std::ops::Range<usize>, &str, String)| {
                let s = id.get_ref();
                if !is_safe_id(s) {
                    problem(
                        id.span(),
                        &s.escape_debug().to_string(),
                        "ids must be non-empty and made of letters, digits, `_` and `-` only (they name files and columns)".into(),
                    );
                }
            };
        let check_label =
            |label: &Option<Label>,
             id: &Spanned<String>,
             problem: &mut dyn FnMut(std::ops::Range<usize>, &str, String)| {
                if label
                    .as_ref()
                    .is_none_or(|l| l.zh.trim().is_empty() && l.en.trim().is_empty())
                {
                    problem(
                        id.span(),
                        id.get_ref(),
                        "missing label (give `label = { zh = \"…\", en = \"…\" }`)".into(),
                    );
                }
            };

        let mut cores = Vec::new();
        let mut core_index: HashMap<String, usize> = HashMap::new();
        for c in &raw.core {
            check_id(&c.id, &mut problem);
            check_label(&c.label, &c.id, &mut problem);
            if core_index
                .insert(c.id.get_ref().clone(), cores.len())
                .is_some()
            {
                problem(c.id.span(), c.id.get_ref(), "duplicate core id".into());
            }
            let _ = &c.description;
            cores.push(Core {
                id: c.id.get_ref().clone(),
                label: c.label.clone().unwrap_or_default(),
            });
        }
        if raw.core.is_empty() {
            problem(
                0..0,
                "core",
                "the codebook defines no [[core]] category".into(),
            );
        }

        let mut categories = Vec::new();
        let mut category_index: HashMap<String, usize> = HashMap::new();
        for c in &raw.category {
            check_id(&c.id, &mut problem);
            check_label(&c.label, &c.id, &mut problem);
            if category_index
                .insert(c.id.get_ref().clone(), categories.len())
                .is_some()
            {
                problem(c.id.span(), c.id.get_ref(), "duplicate category id".into());
            }
            let core = match core_index.get(c.core.get_ref()) {
                Some(&i) => i,
                None => {
                    problem(
                        c.core.span(),
                        c.id.get_ref(),
                        format!("unknown parent core `{}`", c.core.get_ref()),
                    );
                    0
                }
            };
            categories.push(Category {
                id: c.id.get_ref().clone(),
                label: c.label.clone().unwrap_or_default(),
                core,
                description: c.description.clone(),
            });
        }

        let mut concepts = Vec::new();
        let mut concept_ids = HashSet::new();
        for c in &raw.concept {
            let id = c.id.get_ref();
            check_id(&c.id, &mut problem);
            if !concept_ids.insert(id.clone()) {
                problem(c.id.span(), id, "duplicate concept id".into());
            }
            let category = match category_index.get(c.category.get_ref()) {
                Some(&i) => i,
                None => {
                    problem(
                        c.category.span(),
                        id,
                        format!("unknown parent category `{}`", c.category.get_ref()),
                    );
                    0
                }
            };
            if c.zh.is_empty() && c.en.is_empty() && c.regex.is_empty() {
                problem(
                    c.id.span(),
                    id,
                    "empty term list: give `zh`, `en` or `regex` terms".into(),
                );
            }
            for list in [&c.zh, &c.en, &c.exclude.zh, &c.exclude.en] {
                if list.iter().any(|t| t.trim().is_empty()) {
                    problem(c.id.span(), id, "empty term in a term list".into());
                } else if let Some(t) = list.iter().find(|t| !has_letter_or_digit(t)) {
                    problem(c.id.span(), id, no_letter(t));
                }
            }
            check_regexes(&c.regex, id, &mut problem);
            let mut context = |raw: &Option<Spanned<RawContext>>, name: &str, proximity: bool| {
                let raw = raw.as_ref()?;
                let (span, r) = (raw.span(), raw.get_ref());
                if r.zh.is_empty() && r.en.is_empty() {
                    problem(
                        span.clone(),
                        id,
                        format!("`{name}` has no terms: give `zh` or `en`"),
                    );
                }
                if r.zh.iter().chain(&r.en).any(|t| t.trim().is_empty()) {
                    problem(span.clone(), id, format!("empty term in `{name}`"));
                } else if let Some(t) = r.zh.iter().chain(&r.en).find(|t| !has_letter_or_digit(t)) {
                    problem(span.clone(), id, format!("`{name}`: {}", no_letter(t)));
                }
                if !proximity {
                    for (key, given) in [
                        ("within", r.within),
                        ("before", r.before),
                        ("after", r.after),
                    ] {
                        if given.is_some() {
                            problem(
                                span.clone(),
                                id,
                                format!("`{name}` takes no `{key}`: it is the hit's clause"),
                            );
                        }
                    }
                }
                // `within` sets both sides; `before` / `after` set one side each. A rule
                // that names only one side looks only that way (WordStat's BEFORE / AFTER).
                let mut side = |key: &str, given: Option<i64>, least: i64| match given {
                    Some(w) if (least..=100).contains(&w) => w as usize,
                    Some(w) => {
                        problem(
                            span.clone(),
                            id,
                            format!("`{name}.{key}` must be {least} to 100 tokens, not {w}"),
                        );
                        DEFAULT_WITHIN
                    }
                    None => DEFAULT_WITHIN,
                };
                let within = side("within", r.within, 1);
                let (before, after) = match (r.before, r.after) {
                    (None, None) => (within, within),
                    (b, a) => {
                        let one_sided = r.within.is_none();
                        let default = if one_sided { 0 } else { within };
                        let b = b.map_or(default, |w| side("before", Some(w), 0));
                        let a = a.map_or(default, |w| side("after", Some(w), 0));
                        if b == 0 && a == 0 {
                            problem(
                                span.clone(),
                                id,
                                format!("`{name}` looks neither before nor after the hit"),
                            );
                        }
                        (b, a)
                    }
                };
                Some(Context {
                    zh: r.zh.iter().map(|t| t.trim().to_string()).collect(),
                    en: r.en.iter().map(|t| t.trim().to_string()).collect(),
                    before,
                    after,
                })
            };
            let near = context(&c.near, "near", true);
            let not_near = context(&c.not_near, "not_near", true);
            let clause = context(&c.clause, "clause", false);
            concepts.push(Concept {
                id: id.clone(),
                label: c.label.clone().unwrap_or_default(),
                category,
                zh: c.zh.iter().map(|t| t.trim().to_string()).collect(),
                en: c.en.iter().map(|t| t.trim().to_string()).collect(),
                regex: c.regex.iter().map(|r| r.get_ref().clone()).collect(),
                exclude_zh: c.exclude.zh.iter().map(|t| t.trim().to_string()).collect(),
                exclude_en: c.exclude.en.iter().map(|t| t.trim().to_string()).collect(),
                near,
                not_near,
                clause,
            });
        }
        let mut dimensions = Vec::new();
        let mut dimension_values = Vec::new();
        let reserved: Vec<&str> = crate::schema::UNIT_COLUMNS
            .iter()
            .copied()
            .chain(["source", "confidence"])
            .collect();
        for d in &raw.dimension {
            let id = d.id.get_ref();
            check_id(&d.id, &mut problem);
            check_label(&d.label, &d.id, &mut problem);
            if dimensions.iter().any(|x: &Dimension| &x.id == id) || reserved.contains(&id.as_str())
            {
                problem(
                    d.id.span(),
                    id,
                    "dimension id already used (or a units.csv column name)".into(),
                );
            }
            if d.value.is_empty() {
                problem(
                    d.id.span(),
                    id,
                    "dimension without values: add [[dimension.value]] tables".into(),
                );
            }
            let _ = &d.description;
            let mut seen = HashSet::new();
            for v in &d.value {
                let vid = v.id.get_ref();
                check_id(&v.id, &mut problem);
                check_label(&v.label, &v.id, &mut problem);
                if !seen.insert(vid.clone()) {
                    problem(
                        v.id.span(),
                        vid,
                        format!("duplicate value id in dimension `{id}`"),
                    );
                }
                if v.zh.is_empty() && v.en.is_empty() && v.regex.is_empty() {
                    problem(
                        v.id.span(),
                        vid,
                        "empty term list: give `zh`, `en` or `regex` terms".into(),
                    );
                }
                if let Some(t) =
                    v.zh.iter()
                        .chain(&v.en)
                        .find(|t| !t.trim().is_empty() && !has_letter_or_digit(t))
                {
                    problem(v.id.span(), vid, no_letter(t));
                }
                check_regexes(&v.regex, vid, &mut problem);
                dimension_values.push(DimValue {
                    id: vid.clone(),
                    label: v.label.clone().unwrap_or_default(),
                    dimension: dimensions.len(),
                    zh: v
                        .zh
                        .iter()
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect(),
                    en: v
                        .en
                        .iter()
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect(),
                    regex: v.regex.iter().map(|r| r.get_ref().clone()).collect(),
                });
            }
            dimensions.push(Dimension {
                id: id.clone(),
                label: d.label.clone().unwrap_or_default(),
            });
        }
        let (roles, role_problems) = crate::codebook::roles::validate(&raw.role);
        for (span, id, message) in role_problems {
            problem(span, &id, message);
        }
        // A clause rule can only leave coded the categories this codebook has.
        for r in &raw.role {
            for k in &r.keep {
                if !category_index.contains_key(k.get_ref()) {
                    problem(
                        k.span(),
                        r.role.get_ref(),
                        format!("unknown category `{}` in `keep`", k.get_ref()),
                    );
                }
            }
        }
        let _ = &raw.description;
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(fail(problems));
        }
        Ok(Codebook {
            id: raw
                .id
                .map(|s| s.into_inner())
                .unwrap_or_else(|| name.trim_end_matches(".toml").to_string()),
            version: raw.version.unwrap_or_default(),
            label: raw.label.unwrap_or_default(),
            cores,
            categories,
            concepts,
            dimensions,
            dimension_values,
            words: raw
                .words
                .iter()
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty())
                .collect(),
            roles,
            default_roles: raw.default_roles.unwrap_or(true),
            hash: fnv1a_hex(src.as_bytes()),
        })
    }

    /// Index of a category by id.
    pub fn category_index(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }

    /// Indexes into [`Codebook::dimension_values`] of the values of dimension `d`.
    pub fn values_of(&self, d: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.dimension_values.len()).filter(move |&i| self.dimension_values[i].dimension == d)
    }

    /// Core id of a category index.
    pub fn core_of(&self, category: usize) -> &str {
        &self.cores[self.categories[category].core].id
    }

    /// Category indexes of a core, in file order.
    pub fn categories_of(&self, core: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.categories.len()).filter(move |&i| self.categories[i].core == core)
    }

    /// A printable tree: cores, categories, concepts with their term counts.
    pub fn tree(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} {} ({} / {})",
            self.id, self.version, self.label.zh, self.label.en
        );
        for (ci, core) in self.cores.iter().enumerate() {
            let _ = writeln!(s, "{} — {} / {}", core.id, core.label.zh, core.label.en);
            for k in self.categories_of(ci) {
                let cat = &self.categories[k];
                let concepts: Vec<_> = self.concepts.iter().filter(|c| c.category == k).collect();
                let terms: usize = concepts
                    .iter()
                    .map(|c| c.zh.len() + c.en.len() + c.regex.len())
                    .sum();
                let _ = writeln!(
                    s,
                    "  {} — {} / {}  [{} concepts, {} terms]",
                    cat.id,
                    cat.label.zh,
                    cat.label.en,
                    concepts.len(),
                    terms
                );
                for c in concepts {
                    let _ = writeln!(
                        s,
                        "    {} — {} / {}  (zh {}, en {}, regex {}, exclude {})",
                        c.id,
                        c.label.zh,
                        c.label.en,
                        c.zh.len(),
                        c.en.len(),
                        c.regex.len(),
                        c.exclude_zh.len() + c.exclude_en.len()
                    );
                }
            }
        }
        s
    }
}

/// 64-bit FNV-1a as 16 hex digits: stable across platforms and Rust versions.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
id = "t"
[[core]]
id = "supply"
label = { zh = "供给型", en = "Supply" }
[[category]]
id = "fiscal_support"
core = "supply"
label = { zh = "财政支持", en = "Fiscal support" }
[[concept]]
id = "subsidy"
category = "fiscal_support"
label = { zh = "补贴", en = "subsidy" }
zh = ["补贴"]
en = ["subsidy"]
"#;

    fn problems(src: &str) -> String {
        Codebook::parse(src, "cb.toml").unwrap_err().to_string()
    }

    #[test]
    fn default_codebook_has_the_reference_structure() {
        let cb = Codebook::default_codebook();
        let cores: Vec<_> = cb.cores.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(cores, ["supply", "demand", "environment"]);
        let ids: Vec<_> = cb.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "fiscal_support",
                "talent_training",
                "public_service",
                "infrastructure",
                "entrepreneurial_land",
                "entrepreneurial_park",
                "social_security",
                "organizational_leadership",
                "business_barriers",
                "industrial_transfer",
                "industrial_upgrading",
                "industrial_integration",
                "intermediary_services",
                "new_entities",
                "e_commerce",
                "financial_services",
                "tax_fee_reduction",
                "demonstration",
                "publicity_guidance",
                "innovation_entrepreneurship",
                "collaborative_operation"
            ]
        );
        let per_core: Vec<usize> = (0..3).map(|c| cb.categories_of(c).count()).collect();
        assert_eq!(per_core, [8, 7, 6]);
        for (k, cat) in cb.categories.iter().enumerate() {
            let n = cb.concepts.iter().filter(|c| c.category == k).count();
            assert!(n >= 2, "{} has {n} concepts", cat.id);
            assert!(!cat.label.zh.is_empty() && !cat.label.en.is_empty());
        }
    }

    #[test]
    fn valid_codebook_parses() {
        let cb = Codebook::parse(OK, "cb.toml").unwrap();
        assert_eq!(cb.concepts[0].zh, ["补贴"]);
        assert_eq!(cb.core_of(0), "supply");
    }

    #[test]
    fn unknown_parent_is_reported_with_line_and_id() {
        let e = problems(&OK.replace("category = \"fiscal_support\"", "category = \"fiscal\""));
        assert!(
            e.contains("cb.toml:12: subsidy: unknown parent category `fiscal`"),
            "{e}"
        );
        let e = problems(&OK.replace("core = \"supply\"", "core = \"supplies\""));
        assert!(
            e.contains("fiscal_support: unknown parent core `supplies`"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_id_empty_terms_bad_regex_unknown_language() {
        let dup = format!("{OK}\n[[concept]]\nid = \"subsidy\"\ncategory = \"fiscal_support\"\nlabel = {{ en = \"x\" }}\nzh = [\"资助\"]\n");
        assert!(
            problems(&dup).contains(":18: subsidy: duplicate concept id"),
            "{}",
            problems(&dup)
        );
        let empty = OK.replace("zh = [\"补贴\"]\nen = [\"subsidy\"]", "");
        assert!(problems(&empty).contains("subsidy: empty term list"));
        let bad = OK.replace("en = [\"subsidy\"]", "regex = [\"补贴(\"]");
        assert!(
            problems(&bad).contains(":15: subsidy: invalid regex `补贴(`"),
            "{}",
            problems(&bad)
        );
        let lang = OK.replace("en = [\"subsidy\"]", "fr = [\"subvention\"]");
        assert!(
            problems(&lang).contains(":15: ")
                && problems(&lang).contains("unknown language key `fr`"),
            "{}",
            problems(&lang)
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = problems("[[core]]\nid = \"a\nlabel = 3\n");
        assert!(e.contains("cb.toml:2:"), "{e}");
    }

    #[test]
    fn context_rules_and_roles_are_validated_with_lines() {
        let ok = format!(
            "{OK}near = {{ zh = [\"给予\"], within = 5 }}\nclause = {{ en = [\"firms\"] }}\n\
             [[role]]\nrole = \"goals\"\nheading = {{ zh = ['^目标$'] }}\n"
        );
        let cb = Codebook::parse(&ok, "cb.toml").unwrap();
        assert_eq!(cb.concepts[0].near.as_ref().unwrap().before, 5);
        assert_eq!(cb.concepts[0].near.as_ref().unwrap().after, 5);
        assert_eq!(cb.concepts[0].clause.as_ref().unwrap().en, ["firms"]);
        assert_eq!(cb.roles[0].role, crate::codebook::roles::Role::Goals);
        let bad = format!(
            "{OK}near = {{ zh = [\"给予\"], within = 0 }}\nclause = {{ zh = [\"x\"], within = 3 }}\n\
             not_near = {{ }}\n[[role]]\nrole = \"aims\"\n[[role]]\nrole = \"goals\"\ntext = {{ zh = ['('] }}\n\
             [[role]]\nrole = \"assessment\"\nkeep = [\"leadership\"]\n"
        );
        let msg = problems(&bad);
        assert!(
            msg.contains("cb.toml:16: subsidy: `near.within` must be 1 to 100"),
            "{msg}"
        );
        assert!(
            msg.contains("cb.toml:17: subsidy: `clause` takes no `within`"),
            "{msg}"
        );
        assert!(
            msg.contains("cb.toml:18: subsidy: `not_near` has no terms"),
            "{msg}"
        );
        assert!(
            msg.contains("cb.toml:20: aims: unknown role `aims`"),
            "{msg}"
        );
        assert!(
            msg.contains("cb.toml:23: goals: invalid role pattern `(`"),
            "{msg}"
        );
        assert!(
            msg.contains("cb.toml:26: assessment: unknown category `leadership` in `keep`"),
            "{msg}"
        );
    }

    #[test]
    fn one_sided_near_rules_take_before_and_after() {
        let one = format!("{OK}near = {{ zh = [\"给予\"], before = 4 }}\n");
        let cb = Codebook::parse(&one, "cb.toml").unwrap();
        let near = cb.concepts[0].near.as_ref().unwrap();
        assert_eq!((near.before, near.after), (4, 0));
        let both = format!("{OK}near = {{ zh = [\"给予\"], within = 5, after = 1 }}\n");
        let cb = Codebook::parse(&both, "cb.toml").unwrap();
        let near = cb.concepts[0].near.as_ref().unwrap();
        assert_eq!((near.before, near.after), (5, 1));
        let bad = format!(
            "{OK}near = {{ zh = [\"给予\"], before = 0, after = 0 }}\n\
             not_near = {{ zh = [\"x\"], after = 101 }}\nclause = {{ zh = [\"y\"], before = 2 }}\n"
        );
        let msg = problems(&bad);
        for want in [
            "cb.toml:16: subsidy: `near` looks neither before nor after the hit",
            "cb.toml:17: subsidy: `not_near.after` must be 0 to 100 tokens, not 101",
            "cb.toml:18: subsidy: `clause` takes no `before`",
        ] {
            assert!(msg.contains(want), "{want} missing from {msg}");
        }
    }

    #[test]
    fn dimensions_are_validated_like_concepts() {
        let ok = format!(
            "{OK}\n[[dimension]]\nid = \"stage\"\nlabel = {{ en = \"Stage\" }}\n\
             [[dimension.value]]\nid = \"startup\"\nlabel = {{ en = \"Start-up\" }}\nzh = [\"初创期\"]\n"
        );
        let cb = Codebook::parse(&ok, "cb.toml").unwrap();
        assert_eq!(cb.dimensions[0].id, "stage");
        assert_eq!(cb.values_of(0).collect::<Vec<_>>(), [0]);
        let bad = format!(
            "{OK}\n[[dimension]]\nid = \"text\"\nlabel = {{ en = \"Text\" }}\n\
             [[dimension.value]]\nid = \"a\"\nlabel = {{ en = \"A\" }}\nregex = [\"(\"]\n\
             [[dimension.value]]\nid = \"a\"\nlabel = {{ en = \"A\" }}\n\
             [[dimension]]\nid = \"empty\"\nlabel = {{ en = \"E\" }}\n"
        );
        let e = problems(&bad);
        for want in [
            "a units.csv column name",
            "invalid regex `(`",
            "duplicate value id in dimension `text`",
            "empty term list",
            "dimension without values",
        ] {
            assert!(e.contains(want), "{want} missing from {e}");
        }
    }
}
