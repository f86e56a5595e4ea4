//! Keyword in context (after quanteda's `kwic`): every match of a term in a corpus with
//! the text around it, matched the way the codebook matches.
//!
//! The term is added to the codebook as one more concept, so it is matched by the same
//! [`Coder`]: whole jieba tokens in Chinese (the term joins the tokenizer's dictionary, next
//! to every codebook term), whole stemmed words in English (`=word`: the exact form).
//! Each match says what `code` would do with it: `coded`, `withheld` (a unit whose role
//! holds no instrument, or a clause that sets a deadline, a procedure or a ban), `removed` (a rule of the coder: a department's name, a note of who
//! leads) or `boilerplate` (a title or heading, out of the shares). A Chinese term's
//! characters found where it is not matched are listed too, as `unmatched`, with the
//! jieba word(s) they sit in (`word`): inside a longer word (培训补贴 for 补贴) or across two,
//! the places a codebook term misses and a longer term may be wanted. The status is that of
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
    /// A Chinese term's characters where the term is not matched: inside a longer word of
    /// the tokenizer or across two words (see [`KwicLine::word`]).
    Unmatched,
}

impl Status {
    /// The name shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Coded => "coded",
            Status::Withheld => "withheld",
            Status::Removed => "removed",
            Status::Boilerplate => "boilerplate",
            Status::Unmatched => "unmatched",
        }
    }

    /// Every status, in the order of [`Status::as_str`]'s names in help texts.
    pub const ALL: [Status; 5] = [
        Status::Coded,
        Status::Withheld,
        Status::Removed,
        Status::Boilerplate,
        Status::Unmatched,
    ];

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
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
    /// For `unmatched`: the tokenizer's word holding the characters, or the words they
    /// span, `|`-joined (培训补贴; 创业|补贴款). Empty for matches.
    pub word: String,
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
    /// Only lines of this status.
    pub status: Option<Status>,
}

impl Default for KwicOptions {
    fn default() -> Self {
        KwicOptions {
            window: DEFAULT_WINDOW,
            role: None,
            max: None,
            status: None,
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
        word: String::new(),
    }
}

/// The tokenizer's words over bytes `[a, b)` of the text tokenized into `buf`, `|`-joined.
pub(crate) fn words_over(text: &str, buf: &TokenStream, (a, b): (usize, usize)) -> String {
    let tokens = &buf.tokens;
    let lo = tokens.partition_point(|t| (t.end as usize) <= a);
    let hi = tokens.partition_point(|t| (t.start as usize) < b);
    tokens[lo..hi.max(lo)]
        .iter()
        .filter_map(|t| text.get(t.start as usize..t.end as usize))
        .collect::<Vec<_>>()
        .join("|")
}

/// The codebook's own concepts (all but the term's, `term`) coded over bytes `[a, b)` of
/// a unit, sorted and `;`-joined.
fn codes_over(
    coder: &Coder,
    matches: &[(Hit, Status)],
    (a, b): (usize, usize),
    term: usize,
) -> String {
    let mut codes: Vec<&str> = matches
        .iter()
        .filter(|(g, st)| g.concept != term && *st == Status::Coded && g.start < b && a < g.end)
        .map(|(g, _)| coder.codebook.concepts[g.concept].id.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(";")
}

/// Byte spans of `needle` in `text` that no hit in `hits` covers, leftmost first, not
/// overlapping one another.
pub fn uncovered(text: &str, needle: &str, hits: &[Hit]) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes()) {
        let b = a + needle.len();
        if out.last().is_some_and(|&(_, e)| a < e) {
            continue;
        }
        if !hits.iter().any(|h| h.start <= a && b <= h.end) {
            out.push((a, b));
        }
    }
    out
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
    // The term as the coder's text has it (normalised), to find its characters where the
    // term is not matched. English matches whole (stemmed) words only, so not there.
    let needle = match lang {
        Lang::Zh => coder
            .codebook
            .concepts
            .last()
            .and_then(|c| c.zh.first())
            .map(|t| crate::prepare::normalize::normalize(t.trim()).text)
            .unwrap_or_default(),
        Lang::En => String::new(),
    };
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
                let term_hits: Vec<Hit> = matches
                    .iter()
                    .filter(|(h, _)| h.concept == concept)
                    .map(|(h, _)| *h)
                    .collect();
                let text = doc.unit_text(u);
                // Boilerplate (titles, headings) is out of every share: what it holds is
                // listed when matched, never looked for when not.
                let needle = if u.is_boilerplate() {
                    ""
                } else {
                    needle.as_str()
                };
                for (a, b) in uncovered(text, needle, &term_hits) {
                    let span = doc.original_span(u, a, b);
                    let mut l = line(doc, u, span, Status::Unmatched, opts.window);
                    l.word = words_over(text, &buf, (a, b));
                    l.codes = codes_over(coder, &matches, (a, b), concept);
                    lines.push(l);
                }
                for (h, status) in &matches {
                    if h.concept == concept {
                        let span = doc.original_span(u, h.start, h.end);
                        let mut l = line(doc, u, span, *status, opts.window);
                        l.codes = codes_over(coder, &matches, (h.start, h.end), concept);
                        lines.push(l);
                    }
                }
            }
            if let Some(s) = opts.status {
                lines.retain(|l| l.status == s);
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
        let word = if l.word.is_empty() {
            String::new()
        } else {
            format!("({})", l.word)
        };
        format!(
            "{} {} {} {}{word}{codes}",
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
pub const CSV_COLUMNS: [&str; 12] = [
    "file", "unit_id", "role", "section", "status", "start", "end", "left", "match", "right",
    "codes", "word",
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
            &l.word,
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
        assert_eq!(lines.len(), 2, "{lines:?}");
        let l = &lines[0];
        assert_eq!(
            (l.left.as_str(), l.keyword.as_str(), l.right.as_str()),
            ("加强与", "印度", "的合作")
        );
        // offsets are characters of the original text
        assert_eq!(d.slice(l.start, l.end), "印度");
        assert_eq!((l.status, l.word.as_str()), (Status::Coded, ""));
        // inside 印度尼西亚 the term is no word of its own: listed, not matched
        let u = &lines[1];
        assert_eq!(
            (u.status, u.word.as_str()),
            (Status::Unmatched, "印度尼西亚")
        );
        assert_eq!(d.slice(u.start, u.end), "印度");
        assert_eq!(u.right, "尼西亚");
        let only = kwic(
            &coder,
            std::slice::from_ref(&d),
            &KwicOptions {
                status: Some(Status::Unmatched),
                ..Default::default()
            },
        );
        assert_eq!(only.len(), 1, "{only:?}");
        assert_eq!(only[0].status, Status::Unmatched);
    }

    #[test]
    fn unmatched_characters_name_the_words_they_sit_in() {
        let coder = term_coder(&Codebook::default_codebook(), "补贴", Lang::Zh).unwrap();
        let text = "二、政策措施\n（一）给予补贴。对返乡人员给予培训补贴和一次性创业补贴。\n";
        let d = doc(&coder, text);
        let lines = kwic(&coder, std::slice::from_ref(&d), &KwicOptions::default());
        let got: Vec<(Status, &str)> = lines.iter().map(|l| (l.status, l.word.as_str())).collect();
        assert_eq!(got[0], (Status::Coded, ""), "{lines:?}");
        assert!(
            got[1..].iter().all(|(s, w)| *s == Status::Unmatched
                && w.ends_with("补贴")
                && w.len() > "补贴".len()),
            "{lines:?}"
        );
        // a longer codebook term coded over the characters is named in `codes`
        assert!(
            lines
                .last()
                .is_some_and(|l| l.word == "一次性创业补贴" && !l.codes.is_empty()),
            "{lines:?}"
        );
    }

    #[test]
    fn uncovered_occurrences_skip_hits_and_overlaps() {
        let hit = |start, end| Hit {
            start,
            end,
            concept: 0,
        };
        let t = "补贴补贴补贴";
        assert_eq!(uncovered(t, "补贴", &[]), [(0, 6), (6, 12), (12, 18)]);
        assert_eq!(uncovered(t, "补贴", &[hit(6, 12)]), [(0, 6), (12, 18)]);
        assert_eq!(uncovered("aaa", "aa", &[]), [(0, 2)]);
        assert!(uncovered(t, "", &[]).is_empty());
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
            word: String::new(),
        };
        let t = render_text(&[l("给予"), l("对返乡人员给予")]);
        let cols: Vec<usize> = t
            .lines()
            .map(|x| width(&x[..x.find("补贴").unwrap()]))
            .collect();
        assert_eq!(cols[0], cols[1], "{t}");
        assert!(render_csv(&[l("a")]).starts_with(
            "file,unit_id,role,section,status,start,end,left,match,right,codes,word\n"
        ));
    }
}
