//! Keyword in context (after quanteda's `kwic`): every match of a term in a corpus with
//! the text around it, matched the way the codebook matches.
//!
//! The term is added to the codebook as one more concept, so it is matched by the same
//! [`Coder`]: whole jieba tokens in Chinese (the term joins the tokenizer's dictionary, next
//! to every codebook term), whole stemmed words in English (`=word`: the exact form).
//! Each match says what `code` would do with it: `coded`, `withheld` (a unit whose role
//! holds no instrument, or a clause that sets a deadline, a procedure or a ban), `removed` (a rule of the coder: a department's name, a note of who
//! leads) or `boilerplate` (a title or heading, out of the shares). The status is that of
//! the term as a concept of its own, without context rules; `codes` names the codebook's
//! concepts that `code` codes over the same text, after their own rules. Context is cut from the
//! original text around the match: characters for Chinese, words for English; offsets are
//! the characters of the original text, as evidence in `units.csv` gives them.

use crate::code::coder::{Coder, Hit};
use crate::code::tokenize::TokenStream;
use crate::codebook::roles::Role;
use crate::codebook::{Category, Codebook, Concept, Core, Label};
use crate::error::{Error, Result};
use crate::tune::document::{Document, Unit};
use crate::util::lang::Lang;
use serde::Serialize;
use std::fmt::Write as _;

/// Context on each side of a match: characters (Chinese) or words (English).
pub const DEFAULT_WINDOW: usize = 15;

/// What `code` does with a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Coded.
    Coded,
    /// In a unit whose role holds no instrument (and not a commitment, R2), or in a clause
    /// that sets a deadline, a procedure or a ban (R16).
    Withheld,
    /// Removed by a rule: a context rule of its concept, a department's name, a note.
    Removed,
    /// In a title, heading or other boilerplate unit: out of every share.
    Boilerplate,
}

impl Status {
    /// The name shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Coded => "coded",
            Status::Withheld => "withheld",
            Status::Removed => "removed",
            Status::Boilerplate => "boilerplate",
        }
    }
}

/// One match in context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KwicLine {
    /// File, relative to its input folder.
    pub file: String,
    /// Unit id as in `units.csv`.
    pub unit_id: String,
    /// The unit's role.
    pub role: &'static str,
    /// The unit's heading path.
    pub section: String,
    /// What `code` does with the match.
    pub status: Status,
    /// Character start of the match in the original text.
    pub start: usize,
    /// Character end of the match.
    pub end: usize,
    /// Text before the match (white space collapsed).
    pub left: String,
    /// The match as written in the original text.
    #[serde(rename = "match")]
    pub keyword: String,
    /// Text after the match.
    pub right: String,
    /// Concepts of the codebook that `code` codes at the match (`;`-joined; kwic only).
    pub codes: String,
}

/// What to show.
#[derive(Debug, Clone)]
pub struct KwicOptions {
    /// Context on each side: characters (Chinese) or words (English).
    pub window: usize,
    /// Only units of this role.
    pub role: Option<Role>,
    /// At most this many lines (`None`: all).
    pub max: Option<usize>,
}

impl Default for KwicOptions {
    fn default() -> Self {
        KwicOptions {
            window: DEFAULT_WINDOW,
            role: None,
            max: None,
        }
    }
}

/// The language a term is matched in: Chinese when it has Han characters.
pub fn term_lang(term: &str) -> Lang {
    crate::util::lang::detect(term.trim_start_matches('='))
}

/// `codebook` with `term` added as one more concept (the last), compiled: the term is
/// matched exactly as a codebook term of language `lang` would be.
pub fn term_coder(codebook: &Codebook, term: &str, lang: Lang) -> Result<Coder> {
    let term = term.trim();
    let mut cb = codebook.clone();
    if cb.categories.is_empty() {
        if cb.cores.is_empty() {
            cb.cores.push(Core {
                id: "kwic".into(),
                label: Label::default(),
            });
        }
        cb.categories.push(Category {
            id: "kwic".into(),
            label: Label::default(),
            core: 0,
            description: String::new(),
        });
    }
    let (zh, en) = match lang {
        Lang::Zh => (vec![term.to_string()], Vec::new()),
        Lang::En => (Vec::new(), vec![term.to_string()]),
    };
    cb.concepts.push(Concept {
        id: "kwic".into(),
        label: Label::default(),
        category: 0,
        zh,
        en,
        regex: Vec::new(),
        exclude_zh: Vec::new(),
        exclude_en: Vec::new(),
        near: None,
        not_near: None,
        clause: None,
    });
    if !term.chars().any(char::is_alphanumeric) {
        return Err(Error::Usage(format!("term `{term}` has no word to match")));
    }
    Coder::new(cb)
}

/// The status of each hit of `concept` in unit `u` of `doc`: the coder's codes, minus
/// what rules removed and what the unit's role withholds. `buf` is scratch space.
pub fn unit_matches(
    coder: &Coder,
    doc: &Document,
    u: &Unit,
    buf: &mut TokenStream,
) -> Vec<(Hit, Status)> {
    let text = doc.unit_text(u);
    let (codes, removed) = coder.code_traced(text, doc.lang, buf);
    let mut out: Vec<(Hit, Status)> = removed.iter().map(|&h| (h, Status::Removed)).collect();
    if u.is_boilerplate() {
        out.extend(codes.hits.iter().map(|&h| (h, Status::Boilerplate)));
    } else {
        let hits = codes.hits.clone();
        let (_, withheld) =
            crate::code::gate::gate_by_role(coder, codes, (u.role, u.kind), doc.lang, text);
        out.extend(hits.into_iter().map(|h| {
            let s = if withheld.contains(&h) {
                Status::Withheld
            } else {
                Status::Coded
            };
            (h, s)
        }));
    }
    out.sort_by_key(|(h, _)| (h.start, h.end, h.concept));
    out
}

/// White space runs as one space.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// The match at original characters `[start, end)` of unit `u` in context.
pub fn line(
    doc: &Document,
    u: &Unit,
    (start, end): (usize, usize),
    status: Status,
    window: usize,
) -> KwicLine {
    let (sb, eb) = (doc.byte_of_char(start), doc.byte_of_char(end));
    let text = &doc.original;
    let (left, right) = match doc.lang {
        Lang::Zh => (
            doc.slice(start.saturating_sub(window), start),
            doc.slice(end, (end + window).min(doc.chars())),
        ),
        Lang::En => {
            let before = &text[..sb];
            let from = before
                .split_whitespace()
                .rev()
                .take(window)
                .last()
                .map_or(sb, |w| w.as_ptr() as usize - text.as_ptr() as usize);
            let after = &text[eb..];
            let to = after
                .split_whitespace()
                .take(window)
                .last()
                .map_or(eb, |w| {
                    w.as_ptr() as usize - text.as_ptr() as usize + w.len()
                });
            (&text[from..sb], &text[eb..to])
        }
    };
    KwicLine {
        file: doc.file.clone(),
        unit_id: u.id.clone(),
        role: u.role.as_str(),
        section: u.section.to_string(),
        status,
        start,
        end,
        left: collapse(left),
        keyword: collapse(&text[sb..eb]),
        right: collapse(right),
        codes: String::new(),
    }
}

/// The language of the term added by [`term_coder`] (the coder's last concept).
pub fn coder_lang(coder: &Coder) -> Lang {
    match coder.codebook.concepts.last() {
        Some(c) if c.zh.is_empty() => Lang::En,
        _ => Lang::Zh,
    }
}

/// Every match of the coder's last concept (the term added by [`term_coder`]) in
/// `documents` of the term's language, in file and position order.
pub fn kwic(coder: &Coder, documents: &[Document], opts: &KwicOptions) -> Vec<KwicLine> {
    use rayon::prelude::*;
    let concept = coder.codebook.concepts.len().saturating_sub(1);
    let lang = coder_lang(coder);
    let per_doc: Vec<Vec<KwicLine>> = documents
        .par_iter()
        .filter(|d| d.lang == lang)
        .map(|doc| {
            let mut buf = TokenStream::default();
            let mut lines = Vec::new();
            for u in &doc.units {
                if opts.role.is_some_and(|r| r != u.role) {
                    continue;
                }
                let matches = unit_matches(coder, doc, u, &mut buf);
                for (h, status) in &matches {
                    if h.concept == concept {
                        let span = doc.original_span(u, h.start, h.end);
                        let mut l = line(doc, u, span, *status, opts.window);
                        // The codebook's own concepts coded over the same text.
                        let mut codes: Vec<&str> = matches
                            .iter()
                            .filter(|(g, st)| {
                                g.concept != concept
                                    && *st == Status::Coded
                                    && g.start < h.end
                                    && h.start < g.end
                            })
                            .map(|(g, _)| coder.codebook.concepts[g.concept].id.as_str())
                            .collect();
                        codes.sort_unstable();
                        codes.dedup();
                        l.codes = codes.join(";");
                        lines.push(l);
                    }
                }
            }
            lines.sort_by_key(|l| (l.start, l.end));
            lines
        })
        .collect();
    let mut all: Vec<KwicLine> = per_doc.into_iter().flatten().collect();
    if let Some(max) = opts.max {
        all.truncate(max);
    }
    all
}

/// Display width: two columns for CJK and full-width characters.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// Lines as text: `file unit role status | left | match | right`, the left context
/// right-aligned so the matches line up.
pub fn render_text(lines: &[KwicLine]) -> String {
    let mut o = String::new();
    let head = |l: &KwicLine| {
        let codes = if l.codes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", l.codes)
        };
        format!(
            "{} {} {} {}{codes}",
            l.file,
            l.unit_id,
            l.role,
            l.status.as_str()
        )
    };
    let hw = lines.iter().map(|l| width(&head(l))).max().unwrap_or(0);
    let lw = lines
        .iter()
        .map(|l| width(l.left.trim_end()))
        .max()
        .unwrap_or(0);
    for l in lines {
        let h = head(l);
        let left = l.left.trim_end();
        let _ = writeln!(
            o,
            "{h}{} | {}{left} | {} | {}",
            " ".repeat(hw - width(&h)),
            " ".repeat(lw - width(left)),
            l.keyword,
            l.right.trim_start()
        );
    }
    o
}

/// CSV columns of [`render_csv`].
pub const CSV_COLUMNS: [&str; 11] = [
    "file", "unit_id", "role", "section", "status", "start", "end", "left", "match", "right",
    "codes",
];

/// Lines as CSV with [`CSV_COLUMNS`].
pub fn render_csv(lines: &[KwicLine]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_COLUMNS);
    for l in lines {
        let _ = w.write_record([
            l.file.as_str(),
            &l.unit_id,
            l.role,
            &l.section,
            l.status.as_str(),
            &l.start.to_string(),
            &l.end.to_string(),
            &l.left,
            &l.keyword,
            &l.right,
            &l.codes,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::UnitMode;

    fn doc(coder: &Coder, text: &str) -> Document {
        let key = crate::util::docid::key("d.txt");
        Document::from_text(coder, "d.txt", &key, text.to_string(), UnitMode::Auto)
    }

    #[test]
    fn chinese_terms_match_whole_tokens_with_character_context() {
        let coder = term_coder(&Codebook::default_codebook(), "印度", Lang::Zh).unwrap();
        let d = doc(
            &coder,
            "二、政策措施\n（一）加强与印度的合作。\n（二）加强与印度尼西亚的合作。\n",
        );
        let lines = kwic(
            &coder,
            std::slice::from_ref(&d),
            &KwicOptions {
                window: 3,
                ..Default::default()
            },
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        let l = &lines[0];
        assert_eq!(
            (l.left.as_str(), l.keyword.as_str(), l.right.as_str()),
            ("加强与", "印度", "的合作")
        );
        // offsets are characters of the original text
        assert_eq!(d.slice(l.start, l.end), "印度");
        assert_eq!(l.status, Status::Coded);
    }

    #[test]
    fn english_terms_are_stemmed_or_exact_with_word_context() {
        let cb = Codebook::default_codebook();
        let coder = term_coder(&cb, "subsidy", Lang::En).unwrap();
        let d = doc(
            &coder,
            "Article 3\nMember States shall grant subsidies to small firms.\n",
        );
        let lines = kwic(
            &coder,
            &[d],
            &KwicOptions {
                window: 2,
                ..Default::default()
            },
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            (
                lines[0].left.as_str(),
                lines[0].keyword.as_str(),
                lines[0].right.as_str()
            ),
            ("shall grant ", "subsidies", " to small")
        );
        let exact = term_coder(&cb, "=subsidy", Lang::En).unwrap();
        let d = doc(
            &exact,
            "Article 3\nMember States shall grant subsidies to small firms.\n",
        );
        assert!(kwic(&exact, &[d], &KwicOptions::default()).is_empty());
    }

    #[test]
    fn matches_say_what_code_does_with_them_and_filter_by_role() {
        let coder = term_coder(&Codebook::default_codebook(), "创业补贴", Lang::Zh).unwrap();
        let text = "一、总体要求\n（一）基本原则。坚持创业补贴与市场结合。\n二、政策措施\n（一）落实创业补贴。对返乡人员给予创业补贴。\n";
        let d = doc(&coder, text);
        let lines = kwic(&coder, std::slice::from_ref(&d), &KwicOptions::default());
        let statuses: Vec<Status> = lines.iter().map(|l| l.status).collect();
        assert!(statuses.contains(&Status::Withheld), "{lines:?}");
        assert!(statuses.contains(&Status::Coded), "{lines:?}");
        // file then position order
        assert!(lines.windows(2).all(|w| w[0].start < w[1].start));
        let measure = kwic(
            &coder,
            &[d],
            &KwicOptions {
                role: Some(Role::Measure),
                max: Some(1),
                ..Default::default()
            },
        );
        assert_eq!(measure.len(), 1);
        assert_eq!(measure[0].role, "measure");
        // the codebook's own concept for the term codes the measure, not the principle
        assert!(!lines[1].codes.is_empty(), "{lines:?}");
        assert!(lines[0].codes.is_empty(), "{lines:?}");
    }

    #[test]
    fn a_term_without_words_is_an_error() {
        let err = term_coder(&Codebook::default_codebook(), " ，", Lang::Zh).unwrap_err();
        assert!(err.to_string().contains("no word"), "{err}");
    }

    #[test]
    fn text_output_aligns_matches_and_csv_has_a_header() {
        let l = |left: &str| KwicLine {
            file: "a.txt".into(),
            unit_id: "k3mqa7-1-1".into(),
            role: "measure",
            section: String::new(),
            status: Status::Coded,
            start: 0,
            end: 2,
            left: left.into(),
            keyword: "补贴".into(),
            right: "x".into(),
            codes: String::new(),
        };
        let t = render_text(&[l("给予"), l("对返乡人员给予")]);
        let cols: Vec<usize> = t
            .lines()
            .map(|x| width(&x[..x.find("补贴").unwrap()]))
            .collect();
        assert_eq!(cols[0], cols[1], "{t}");
        assert!(render_csv(&[l("a")])
            .starts_with("file,unit_id,role,section,status,start,end,left,match,right,codes\n"));
    }
}
