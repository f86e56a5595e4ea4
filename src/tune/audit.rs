//! Auditing a codebook on a corpus: for every term of every concept, where it matches,
//! what the coder does with its matches, and (given hand-coded units) how often a coded
//! match is right. The tool a researcher uses to tune a codebook on their own documents.
//!
//! Documents are read, segmented and given roles as `code` does ([`crate::tune::document`]); every
//! body unit (not a title, heading or other boilerplate) is coded with
//! [`Coder::code_traced`], and each term match is attributed to the term that made it by
//! its tokens (stems for English, `=word` by the exact form, regular expressions by
//! their match). A match is `coded`, `withheld` (the unit's role holds no instrument, or its
//! clause sets a deadline, a procedure or a ban: [`crate::code::gate::gate_by_role`]) or `removed` (a context rule of its concept, a
//! department's name, a note of who leads).
//!
//! With labels (`<file stem>#<unit id>` keys, found in the documents by their verbatim text
//! as [`crate::tune::evaluate`] finds them) a match inside a labelled unit is correct when
//! that unit carries the concept's category: `precision` counts coded matches,
//! `precision_all` every match (what the term would give without roles and rules), and
//! `lost` counts withheld or removed matches that were correct.
//!
//! A Chinese term's characters in a body unit where no term of its category matched are
//! counted as `unmatched`, with the words they sit in: inside a longer jieba word (全额贴息 for 贴息)
//! or across two, the term does not match, and a longer term may be wanted.

use crate::code::coder::{Coder, Hit};
use crate::code::tokenize::{KeyForm, TokenStream, SEP};
use crate::codebook::roles::Role;
use crate::tune::document::{Corpus, Document};
use crate::tune::evaluate::{find_span, LabeledUnit};
use crate::tune::kwic::{self, KwicLine, Status};
use crate::util::lang::Lang;
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// What to report.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// KWIC lines per term.
    pub examples: usize,
    /// Context of KWIC lines: characters (Chinese) or words (English).
    pub window: usize,
    /// Report terms matched in at least this many body units.
    pub min_units: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            examples: 3,
            window: kwic::DEFAULT_WINDOW,
            min_units: 1,
        }
    }
}

/// A KWIC line of a term, with the label's verdict where the match is in a labelled unit.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The match in context.
    #[serde(flatten)]
    pub line: KwicLine,
    /// `correct` or `wrong` against the label; `None` outside labelled units.
    pub label: Option<&'static str>,
}

/// The audit of one term of one concept.
#[derive(Debug, Clone, Serialize)]
pub struct TermAudit {
    /// Concept id.
    pub concept: String,
    /// Category id of the concept.
    pub category: String,
    /// The term as written in the codebook.
    pub term: String,
    /// `zh`, `en` or `regex`.
    pub kind: &'static str,
    /// Body units with a match.
    pub units: usize,
    /// Matches in body units.
    pub matches: usize,
    /// Of which coded.
    pub coded: usize,
    /// Withheld by the unit's role.
    pub withheld: usize,
    /// Removed by a rule (context rule, department name, note).
    pub removed: usize,
    /// Matches per role of their unit.
    pub roles: BTreeMap<&'static str, usize>,
    /// Matches in units of a role other than `measure`.
    pub non_measure: usize,
    /// `non_measure / matches`.
    pub non_measure_share: f64,
    /// Coded matches inside labelled units.
    pub labelled: usize,
    /// Of which the label carries the concept's category.
    pub correct: usize,
    /// `correct / labelled`.
    pub precision: Option<f64>,
    /// All matches (coded, withheld, removed) inside labelled units.
    pub labelled_all: usize,
    /// Of which the label carries the concept's category.
    pub correct_all: usize,
    /// `correct_all / labelled_all`: the term's precision without roles and rules.
    pub precision_all: Option<f64>,
    /// Withheld or removed matches whose label carries the category (recall lost).
    pub lost: usize,
    /// Chinese terms: occurrences of the term's characters in body units where no term of
    /// its category matched over them (inside a longer word, or across two).
    pub unmatched: usize,
    /// The words holding those occurrences, most frequent first (at most five): (word, count).
    pub unmatched_words: Vec<(String, usize)>,
    /// A few matches in context: wrong ones first, then coded, withheld and removed ones.
    pub examples: Vec<Example>,
}

impl TermAudit {
    /// Coded matches the labels say are wrong.
    pub fn wrong(&self) -> usize {
        self.labelled - self.correct
    }
}

/// The audit of a codebook on a corpus.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Documents read.
    pub documents: usize,
    /// Body units (not boilerplate).
    pub body_units: usize,
    /// Files not read: (file, reason).
    pub skipped: Vec<(String, String)>,
    /// Files read in part: (file, what could not be read), e.g. a PDF page that failed.
    pub incomplete: Vec<(String, String)>,
    /// Label files.
    pub labels: Vec<String>,
    /// Document stems whose labels were left unread (held out of tuning).
    pub held_out: Vec<String>,
    /// Labelled units.
    pub labelled_units: usize,
    /// Of which found in the documents by their text.
    pub labelled_found: usize,
    /// Terms in the codebook.
    pub terms_total: usize,
    /// Terms matched in at least `min_units` body units, worst first.
    pub terms: Vec<TermAudit>,
    /// Terms matched in fewer body units (`concept: term`).
    pub rare: Vec<String>,
    /// Of those, the Chinese terms whose characters stand unmatched in at least `min_units`
    /// body units: `concept: term ×N (word, …)`, most occurrences first.
    pub unmatched_only: Vec<String>,
    /// The least number of units of a term reported.
    pub min_units: usize,
}

/// A codebook term.
#[derive(Debug, Clone)]
struct TermRef {
    concept: usize,
    term: String,
    kind: &'static str,
}

/// Every term of the codebook, with the token keys that identify its matches.
struct TermIndex {
    terms: Vec<TermRef>,
    /// (concept, token keys) → term, for Chinese terms and stemmed English terms.
    keys: HashMap<(usize, Vec<String>), usize>,
    /// (concept, lower-case words) → term, for `=word` English terms.
    exact: HashMap<(usize, Vec<String>), usize>,
    /// Per concept: its regular expressions and their terms.
    regexes: HashMap<usize, Vec<(Regex, usize)>>,
    /// The Chinese terms' normalised characters (overlapping search), and per pattern the
    /// terms spelled so.
    zh_chars: Option<aho_corasick::AhoCorasick>,
    zh_terms: Vec<Vec<usize>>,
    /// Each concept's category.
    category: Vec<usize>,
}

fn split_key(key: &str) -> Vec<String> {
    key.split(SEP)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

impl TermIndex {
    fn new(coder: &Coder) -> TermIndex {
        let mut ix = TermIndex {
            terms: Vec::new(),
            keys: HashMap::new(),
            exact: HashMap::new(),
            regexes: HashMap::new(),
            zh_chars: None,
            zh_terms: Vec::new(),
            category: coder.codebook.concepts.iter().map(|c| c.category).collect(),
        };
        let mut zh_patterns: Vec<String> = Vec::new();
        let mut pattern_of: HashMap<String, usize> = HashMap::new();
        let tk = &coder.tokenizer;
        for (c, concept) in coder.codebook.concepts.iter().enumerate() {
            for t in &concept.zh {
                let i = ix.push(c, t, "zh");
                let chars = crate::prepare::normalize::normalize(t.trim()).text;
                if !chars.is_empty() {
                    let p = *pattern_of.entry(chars.clone()).or_insert_with(|| {
                        zh_patterns.push(chars);
                        ix.zh_terms.push(Vec::new());
                        zh_patterns.len() - 1
                    });
                    ix.zh_terms[p].push(i);
                }
                ix.keys
                    .entry((c, split_key(&tk.term_key(t, Lang::Zh, true))))
                    .or_insert(i);
            }
            for t in &concept.en {
                let i = ix.push(c, t, "en");
                match t.strip_prefix('=') {
                    Some(exact) => ix
                        .exact
                        .entry((c, split_key(&tk.term_key(exact, Lang::En, false))))
                        .or_insert(i),
                    None => ix
                        .keys
                        .entry((c, split_key(&tk.term_key(t, Lang::En, true))))
                        .or_insert(i),
                };
            }
            for r in &concept.regex {
                let i = ix.push(c, r, "regex");
                if let Ok(re) = Regex::new(r) {
                    ix.regexes.entry(c).or_default().push((re, i));
                }
            }
        }
        ix.zh_chars = aho_corasick::AhoCorasick::new(&zh_patterns).ok();
        ix
    }

    /// The Chinese terms whose characters stand in `text` where no hit of a concept of
    /// their category overlaps them (so no term of the category matched there):
    /// (term, byte start, byte end).
    fn unmatched(&self, text: &str, hits: &[Hit]) -> Vec<(usize, usize, usize)> {
        let Some(ac) = &self.zh_chars else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            let (a, b) = (m.start(), m.end());
            for &t in &self.zh_terms[m.pattern().as_usize()] {
                let k = self.category[self.terms[t].concept];
                let same = |h: &Hit| self.category.get(h.concept) == Some(&k);
                // A match of the category over any of the characters codes it there
                // (返乡创业园 matched in 返乡创业园区 leaves 园区 nothing to add).
                if !hits.iter().any(|h| same(h) && h.start < b && a < h.end) {
                    out.push((t, a, b));
                }
            }
        }
        out
    }

    fn push(&mut self, concept: usize, term: &str, kind: &'static str) -> usize {
        self.terms.push(TermRef {
            concept,
            term: term.to_string(),
            kind,
        });
        self.terms.len() - 1
    }

    /// The term that made hit `h` in `text`, whose tokens are in `buf`.
    fn term_of(&self, h: &Hit, text: &str, buf: &TokenStream) -> Option<usize> {
        let tokens = &buf.tokens;
        let lo = tokens.partition_point(|t| (t.start as usize) < h.start);
        let hi = tokens.partition_point(|t| (t.end as usize) <= h.end);
        let whole = lo < hi
            && tokens.get(lo).is_some_and(|t| t.start as usize == h.start)
            && tokens[hi - 1].end as usize == h.end;
        if whole {
            for (map, form) in [(&self.keys, KeyForm::Key), (&self.exact, KeyForm::Surface)] {
                let key: Vec<String> = (lo..hi).map(|i| buf.key(form, i).to_string()).collect();
                if let Some(&t) = map.get(&(h.concept, key)) {
                    return Some(t);
                }
            }
        }
        self.regexes.get(&h.concept).and_then(|res| {
            res.iter()
                .find(|(re, _)| {
                    re.find_iter(text)
                        .any(|m| m.start() == h.start && m.end() == h.end)
                })
                .map(|&(_, t)| t)
        })
    }
}

/// One match found.
#[derive(Debug, Clone, Copy)]
struct Rec {
    doc: usize,
    unit: usize,
    term: usize,
    /// Original character span.
    span: (usize, usize),
    status: Status,
    role: Role,
    /// Inside a labelled unit: does the label carry the concept's category?
    verdict: Option<bool>,
}

/// A Chinese term's characters where its concept matched nothing.
#[derive(Debug, Clone)]
struct Unmatched {
    term: usize,
    /// The word(s) holding them, `|`-joined.
    word: String,
}

/// Labelled spans of one document: (char start, char end, category ids).
type Spans<'a> = Vec<(usize, usize, &'a BTreeSet<String>)>;

/// Finds each labelled unit in its document by its text (the `nth` occurrence for the
/// `nth` label with the same text, as the evaluation does).
fn label_spans<'a>(
    documents: &[Document],
    labels: &'a [LabeledUnit],
) -> (HashMap<String, Spans<'a>>, usize) {
    let texts: HashMap<&str, &str> = documents
        .iter()
        .map(|d| (d.stem.as_str(), d.original.as_str()))
        .collect();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut out: HashMap<String, Spans<'a>> = HashMap::new();
    let mut found = 0;
    for l in labels {
        let nth = seen.entry((&l.stem, &l.text)).or_insert(0);
        if let Some((a, b)) = texts
            .get(l.stem.as_str())
            .and_then(|t| find_span(t, &l.text, *nth))
        {
            out.entry(l.stem.clone())
                .or_default()
                .push((a, b, &l.labels));
            found += 1;
        }
        *nth += 1;
    }
    (out, found)
}

/// The matches of every term in one document.
fn document_matches(
    coder: &Coder,
    index: &TermIndex,
    doc_index: usize,
    doc: &Document,
    spans: Option<&Spans>,
) -> (Vec<Rec>, Vec<Unmatched>) {
    let cb = &coder.codebook;
    let mut buf = TokenStream::default();
    let mut out = Vec::new();
    let mut unmatched = Vec::new();
    for (ui, u) in doc.units.iter().enumerate() {
        if u.is_boilerplate() {
            continue;
        }
        let text = doc.unit_text(u);
        let matches = kwic::unit_matches(coder, doc, u, &mut buf);
        if doc.lang == Lang::Zh {
            let hits: Vec<Hit> = matches.iter().map(|(h, _)| *h).collect();
            unmatched.extend(
                index
                    .unmatched(text, &hits)
                    .into_iter()
                    .map(|(term, a, b)| Unmatched {
                        term,
                        word: kwic::words_over(text, &buf, (a, b)),
                    }),
            );
        }
        for (h, status) in matches {
            let Some(term) = index.term_of(&h, text, &buf) else {
                continue;
            };
            let span = doc.original_span(u, h.start, h.end);
            let category = &cb.categories[cb.concepts[h.concept].category].id;
            let containing: Vec<&BTreeSet<String>> = spans
                .into_iter()
                .flatten()
                .filter(|(a, b, _)| *a <= span.0 && span.1 <= *b)
                .map(|(_, _, l)| *l)
                .collect();
            let verdict =
                (!containing.is_empty()).then(|| containing.iter().any(|l| l.contains(category)));
            out.push(Rec {
                doc: doc_index,
                unit: ui,
                term,
                span,
                status,
                role: u.role,
                verdict,
            });
        }
    }
    (out, unmatched)
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Order of examples: wrong coded matches, other coded ones, then withheld and removed.
fn example_class(r: &Rec) -> u8 {
    match (r.status, r.verdict) {
        (Status::Coded, Some(false)) => 0,
        (Status::Coded, None) => 1,
        (Status::Coded, Some(true)) => 2,
        (Status::Withheld, _) => 3,
        _ => 4,
    }
}

/// Up to `n` examples, taking in turn from each class (wrong, coded, correct, withheld,
/// removed) so that a few lines show what the term does; each class in file order.
fn pick_examples<'r>(recs: &[&'r Rec], n: usize) -> Vec<&'r Rec> {
    let mut classes: BTreeMap<u8, Vec<&Rec>> = BTreeMap::new();
    for r in recs {
        classes.entry(example_class(r)).or_default().push(r);
    }
    let mut out = Vec::new();
    let mut round = 0;
    while out.len() < n && classes.values().any(|v| v.len() > round) {
        for v in classes.values() {
            if out.len() < n {
                if let Some(r) = v.get(round) {
                    out.push(*r);
                }
            }
        }
        round += 1;
    }
    out
}

/// Audits every term of the coder's codebook on `corpus`, against `labels` when given.
pub fn audit(
    coder: &Coder,
    corpus: &Corpus,
    labels: &[LabeledUnit],
    label_files: Vec<String>,
    opts: &AuditOptions,
) -> AuditReport {
    use rayon::prelude::*;
    let cb = &coder.codebook;
    let index = TermIndex::new(coder);
    let docs = &corpus.documents;
    let (spans, labelled_found) = label_spans(docs, labels);
    let per_doc: Vec<(Vec<Rec>, Vec<Unmatched>)> = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| document_matches(coder, &index, i, d, spans.get(&d.stem)))
        .collect();
    let mut by_term: Vec<Vec<&Rec>> = vec![Vec::new(); index.terms.len()];
    // Per term: the words holding its unmatched characters, with counts.
    let mut words_of: Vec<BTreeMap<&str, usize>> = vec![BTreeMap::new(); index.terms.len()];
    for (recs, unmatched) in &per_doc {
        for r in recs {
            by_term[r.term].push(r);
        }
        for u in unmatched {
            *words_of[u.term].entry(u.word.as_str()).or_default() += 1;
        }
    }
    // The words most frequent first (ties by word), at most five, and the total.
    let unmatched_of = |t: usize| -> (usize, Vec<(String, usize)>) {
        let mut words: Vec<(&str, usize)> = words_of[t].iter().map(|(w, n)| (*w, *n)).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let total = words.iter().map(|w| w.1).sum();
        (
            total,
            words
                .into_iter()
                .take(5)
                .map(|(w, n)| (w.to_string(), n))
                .collect(),
        )
    };
    let mut terms = Vec::new();
    let mut rare = Vec::new();
    let mut unmatched_only: Vec<(usize, String)> = Vec::new();
    for (t, rs) in by_term.iter().enumerate() {
        let tr = &index.terms[t];
        let units: BTreeSet<(usize, usize)> = rs.iter().map(|r| (r.doc, r.unit)).collect();
        let (unmatched, unmatched_words) = unmatched_of(t);
        if units.len() < opts.min_units.max(1) {
            let id = format!("{}: {}", cb.concepts[tr.concept].id, tr.term);
            if unmatched >= opts.min_units.max(1) {
                unmatched_only.push((
                    unmatched,
                    format!("{id} ×{unmatched} ({})", words_cell(&unmatched_words)),
                ));
            }
            rare.push(id);
            continue;
        }
        let count = |f: &dyn Fn(&Rec) -> bool| rs.iter().filter(|r| f(r)).count();
        let mut roles: BTreeMap<&'static str, usize> = BTreeMap::new();
        for r in rs {
            *roles.entry(r.role.as_str()).or_default() += 1;
        }
        let non_measure = count(&|r| !r.role.codes_instruments());
        let coded = |r: &Rec| r.status == Status::Coded;
        let labelled = count(&|r| coded(r) && r.verdict.is_some());
        let correct = count(&|r| coded(r) && r.verdict == Some(true));
        let labelled_all = count(&|r| r.verdict.is_some());
        let correct_all = count(&|r| r.verdict == Some(true));
        let examples = pick_examples(rs, opts.examples)
            .into_iter()
            .map(|r| {
                let d = &docs[r.doc];
                Example {
                    line: kwic::line(d, &d.units[r.unit], r.span, r.status, opts.window),
                    label: r.verdict.map(|v| if v { "correct" } else { "wrong" }),
                }
            })
            .collect();
        let concept = &cb.concepts[tr.concept];
        terms.push(TermAudit {
            concept: concept.id.clone(),
            category: cb.categories[concept.category].id.clone(),
            term: tr.term.clone(),
            kind: tr.kind,
            units: units.len(),
            matches: rs.len(),
            coded: count(&coded),
            withheld: count(&|r| r.status == Status::Withheld),
            removed: count(&|r| r.status == Status::Removed),
            roles,
            non_measure,
            non_measure_share: ratio(non_measure, rs.len()).unwrap_or(0.0),
            labelled,
            correct,
            precision: ratio(correct, labelled),
            labelled_all,
            correct_all,
            precision_all: ratio(correct_all, labelled_all),
            lost: count(&|r| r.status != Status::Coded && r.verdict == Some(true)),
            unmatched,
            unmatched_words,
            examples,
        });
    }
    sort_worst_first(&mut terms);
    unmatched_only.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    AuditReport {
        documents: docs.len(),
        body_units: docs
            .iter()
            .map(|d| d.units.iter().filter(|u| !u.is_boilerplate()).count())
            .sum(),
        skipped: corpus.skipped.clone(),
        incomplete: corpus.incomplete.clone(),
        labels: label_files,
        held_out: Vec::new(),
        labelled_units: labels.len(),
        labelled_found,
        terms_total: index.terms.len(),
        terms,
        rare,
        unmatched_only: unmatched_only.into_iter().map(|(_, s)| s).collect(),
        min_units: opts.min_units.max(1),
    }
}

/// `word ×n, …` (the count only when above one).
fn words_cell(words: &[(String, usize)]) -> String {
    words
        .iter()
        .map(|(w, n)| {
            if *n > 1 {
                format!("{w} ×{n}")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Worst first: most coded matches the labels call wrong, then lowest precision (terms
/// without labelled matches after), then most matches in non-measure roles, then highest
/// share of them, then most matches; ties by concept and term.
pub fn sort_worst_first(terms: &mut [TermAudit]) {
    use std::cmp::Reverse;
    terms.sort_by(|a, b| {
        let key = |t: &TermAudit| {
            (
                Reverse(t.wrong()),
                t.precision.map_or(u64::MAX, |p| (p * 1e6) as u64),
                Reverse(t.non_measure),
                Reverse((t.non_measure_share * 1e6) as u64),
                Reverse(t.matches),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.concept.cmp(&b.concept))
            .then_with(|| a.term.cmp(&b.term))
    });
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(kwic::width(s))))
}

fn percent(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn precision_cell(p: Option<f64>, a: usize, b: usize) -> String {
    p.map_or("-".to_string(), |p| format!("{p:.2} ({a}/{b})"))
}

fn role_summary(t: &TermAudit) -> String {
    let mut roles: Vec<(&&str, &usize)> = t.roles.iter().collect();
    roles.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    roles
        .iter()
        .map(|(r, n)| format!("{r} {}", percent(**n as f64 / t.matches.max(1) as f64)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as text: a summary, then one block per term (its figures, its roles and its
/// KWIC lines).
pub fn render_text(r: &AuditReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Codebook audit: {} documents, {} body units; {} of {} terms matched in at least {} unit{}",
        r.documents,
        r.body_units,
        r.terms.len(),
        r.terms_total,
        r.min_units,
        if r.min_units == 1 { "" } else { "s" }
    );
    let labelled = !r.labels.is_empty();
    if labelled {
        let _ = writeln!(
            o,
            "Labels: {} ({} units, {} found in the documents)",
            r.labels.join(", "),
            r.labelled_units,
            r.labelled_found
        );
        if !r.held_out.is_empty() {
            let _ = writeln!(o, "Labels held out (not read): {}", r.held_out.join(", "));
        }
        let _ = writeln!(
            o,
            "Worst first: most coded matches the labels call wrong, then lowest precision, then most matches in non-measure roles."
        );
    } else {
        let _ = writeln!(
            o,
            "Worst first: most matches in non-measure roles (no labels: give --labeled for precision)."
        );
    }
    let tw = r
        .terms
        .iter()
        .map(|t| kwic::width(&t.term) + t.kind.len() + 3)
        .max()
        .unwrap_or(4)
        .clamp(4, 28);
    let cw = r
        .terms
        .iter()
        .map(|t| t.concept.len())
        .max()
        .unwrap_or(7)
        .clamp(7, 32);
    let _ = write!(
        o,
        "\n{} {} {:>5} {:>7} {:>5} {:>8} {:>7} {:>11}",
        pad("term", tw),
        pad("concept", cw),
        "units",
        "matches",
        "coded",
        "withheld",
        "removed",
        "non-measure"
    );
    if labelled {
        let _ = write!(o, " {:>14} {:>14} {:>4}", "precision", "prec. all", "lost");
    }
    o.push('\n');
    for t in &r.terms {
        let _ = write!(
            o,
            "{} {} {:>5} {:>7} {:>5} {:>8} {:>7} {:>11}",
            pad(&format!("{} ({})", t.term, t.kind), tw),
            pad(&t.concept, cw),
            t.units,
            t.matches,
            t.coded,
            t.withheld,
            t.removed,
            percent(t.non_measure_share)
        );
        if labelled {
            let _ = write!(
                o,
                " {:>14} {:>14} {:>4}",
                precision_cell(t.precision, t.correct, t.labelled),
                precision_cell(t.precision_all, t.correct_all, t.labelled_all),
                t.lost
            );
        }
        o.push('\n');
        let _ = writeln!(o, "    {} · roles: {}", t.category, role_summary(t));
        if t.unmatched > 0 {
            let _ = writeln!(
                o,
                "    unmatched {} (inside or across words: {})",
                t.unmatched,
                words_cell(&t.unmatched_words)
            );
        }
        for e in &t.examples {
            let l = &e.line;
            let _ = writeln!(
                o,
                "    {} {} {} {}{} | {} | {} | {}",
                l.file,
                l.unit_id,
                l.role,
                l.status.as_str(),
                e.label.map(|v| format!(" {v}")).unwrap_or_default(),
                l.left.trim_end(),
                l.keyword,
                l.right.trim_start()
            );
        }
    }
    if !r.rare.is_empty() {
        let _ = if r.min_units <= 1 {
            writeln!(o, "\n{} terms matched no body unit.", r.rare.len())
        } else {
            writeln!(
                o,
                "\n{} terms matched in fewer than {} body units.",
                r.rare.len(),
                r.min_units
            )
        };
    }
    if !r.unmatched_only.is_empty() {
        let _ = writeln!(
            o,
            "Of those, {} Chinese terms stand unmatched (inside longer words, or across two) in at least {} body unit{}:",
            r.unmatched_only.len(),
            r.min_units,
            if r.min_units == 1 { "" } else { "s" }
        );
        for line in &r.unmatched_only {
            let _ = writeln!(o, "  {line}");
        }
    }
    o
}

/// CSV columns of [`render_csv`].
pub const CSV_COLUMNS: [&str; 22] = [
    "concept",
    "category",
    "term",
    "kind",
    "units",
    "matches",
    "coded",
    "withheld",
    "removed",
    "non_measure",
    "non_measure_share",
    "roles",
    "labelled",
    "correct",
    "precision",
    "labelled_all",
    "correct_all",
    "precision_all",
    "lost",
    "examples",
    "unmatched",
    "unmatched_words",
];

/// One row per term, worst first; `roles` as `role:count;…`, examples one per line.
pub fn render_csv(r: &AuditReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_COLUMNS);
    let opt = |p: Option<f64>| p.map_or(String::new(), |p| format!("{p:.3}"));
    for t in &r.terms {
        let roles: Vec<String> = t.roles.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        let examples: Vec<String> = t
            .examples
            .iter()
            .map(|e| {
                let l = &e.line;
                format!(
                    "{} {} {} {}{}: {}[{}]{}",
                    l.file,
                    l.unit_id,
                    l.role,
                    l.status.as_str(),
                    e.label.map(|v| format!(" {v}")).unwrap_or_default(),
                    l.left,
                    l.keyword,
                    l.right
                )
            })
            .collect();
        let _ = w.write_record([
            t.concept.clone(),
            t.category.clone(),
            t.term.clone(),
            t.kind.to_string(),
            t.units.to_string(),
            t.matches.to_string(),
            t.coded.to_string(),
            t.withheld.to_string(),
            t.removed.to_string(),
            t.non_measure.to_string(),
            format!("{:.3}", t.non_measure_share),
            roles.join(";"),
            t.labelled.to_string(),
            t.correct.to_string(),
            opt(t.precision),
            t.labelled_all.to_string(),
            t.correct_all.to_string(),
            opt(t.precision_all),
            t.lost.to_string(),
            examples.join("\n"),
            t.unmatched.to_string(),
            words_cell(&t.unmatched_words),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::UnitMode;
    use crate::Codebook;

    const CB: &str = r#"
[[core]]
id = "supply"
label = { en = "Supply" }
[[category]]
id = "fiscal"
core = "supply"
label = { en = "Fiscal" }
[[category]]
id = "training"
core = "supply"
label = { en = "Training" }
[[concept]]
id = "subsidy"
category = "fiscal"
label = { en = "Subsidy" }
zh = ["创业补贴", "财政"]
en = ["subsidy", "=grants"]
regex = ['每人\d+元']
[[concept]]
id = "course"
category = "training"
label = { en = "Course" }
zh = ["培训"]
exclude = { zh = ["培训费"] }
"#;

    fn coder() -> &'static Coder {
        static C: std::sync::OnceLock<Coder> = std::sync::OnceLock::new();
        C.get_or_init(|| Coder::new(Codebook::parse(CB, "t.toml").unwrap()).unwrap())
    }

    const ZH: &str = "关于支持创业的意见\n\n一、总体要求\n（一）基本原则。坚持创业补贴与市场相结合。\n二、政策措施\n（一）给予创业补贴。对返乡人员给予创业补贴，每人5000元。\n（二）财政部门负责培训，培训费自理。\n（三）开展培训。组织创业培训。\n";

    fn corpus(texts: &[(&str, &str)]) -> Corpus {
        Corpus {
            documents: texts
                .iter()
                .map(|(f, t)| {
                    let key = crate::util::docid::key(f);
                    Document::from_text(coder(), f, &key, t.to_string(), UnitMode::Auto)
                })
                .collect(),
            skipped: Vec::new(),
            incomplete: Vec::new(),
        }
    }

    fn term<'r>(r: &'r AuditReport, t: &str) -> &'r TermAudit {
        r.terms
            .iter()
            .find(|x| x.term == t)
            .unwrap_or_else(|| panic!("{t}: {r:#?}"))
    }

    #[test]
    fn matches_are_attributed_to_terms_with_roles_and_statuses() {
        let r = audit(
            coder(),
            &corpus(&[("zh.txt", ZH)]),
            &[],
            Vec::new(),
            &AuditOptions::default(),
        );
        let s = term(&r, "创业补贴");
        assert_eq!((s.matches, s.units), (3, 2), "{s:#?}");
        assert_eq!((s.coded, s.withheld), (2, 1));
        assert_eq!(s.non_measure, 1);
        assert_eq!(s.roles["measure"], 2);
        assert_eq!(term(&r, r"每人\d+元").kind, "regex");
        // 培训 next to 培训费 is excluded in that clause only
        let t = term(&r, "培训");
        assert_eq!((t.removed, t.coded), (1, 2), "{t:#?}");
        // the terms never seen are counted, not listed
        assert!(r.rare.iter().any(|x| x == "subsidy: subsidy"));
        // worst first without labels: the term with a non-measure match leads
        assert_eq!(r.terms[0].term, "创业补贴");
        assert!(render_text(&r).contains("创业补贴 (zh)"));
    }

    #[test]
    fn files_not_read_or_read_in_part_are_listed() {
        let mut c = corpus(&[("zh.txt", ZH)]);
        c.skipped.push(("scan.pdf".into(), "no text layer".into()));
        c.incomplete
            .push(("part.pdf".into(), "page 3 could not be read".into()));
        let r = audit(coder(), &c, &[], Vec::new(), &AuditOptions::default());
        assert_eq!(r.skipped, c.skipped);
        assert_eq!(r.incomplete, c.incomplete);
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["incomplete"][0][0], "part.pdf");
    }

    #[test]
    fn english_terms_are_found_by_stem_or_exact_form() {
        let en = "Article 1\nMember States shall pay subsidies and grants to firms.\n";
        let r = audit(
            coder(),
            &corpus(&[("en.txt", en)]),
            &[],
            Vec::new(),
            &AuditOptions::default(),
        );
        assert_eq!(term(&r, "subsidy").matches, 1);
        assert_eq!(term(&r, "=grants").matches, 1);
    }

    #[test]
    fn precision_counts_coded_matches_inside_labelled_units() {
        let label = |text: &str, cats: &[&str]| LabeledUnit {
            id: "zh#1".into(),
            stem: "zh".into(),
            text: text.into(),
            labels: cats.iter().map(|s| s.to_string()).collect(),
            line: 2,
        };
        let labels = [
            label("对返乡人员给予创业补贴，每人5000元。", &["fiscal"]),
            label("（三）开展培训。组织创业培训。", &[]),
            label("（一）基本原则。坚持创业补贴与市场相结合。", &["fiscal"]),
        ];
        let r = audit(
            coder(),
            &corpus(&[("zh.txt", ZH)]),
            &labels,
            vec!["l.tsv".into()],
            &AuditOptions {
                min_units: 1,
                ..Default::default()
            },
        );
        assert_eq!(r.labelled_found, 3);
        let s = term(&r, "创业补贴");
        assert_eq!((s.labelled, s.correct), (1, 1), "{s:#?}");
        assert_eq!((s.labelled_all, s.correct_all, s.lost), (2, 2, 1));
        let t = term(&r, "培训");
        assert_eq!((t.labelled, t.correct, t.precision), (2, 0, Some(0.0)));
        // the term whose coded matches are wrong comes first, with a wrong example first
        assert_eq!(r.terms[0].term, "培训");
        assert_eq!(r.terms[0].examples[0].label, Some("wrong"));
        let csv = render_csv(&r);
        assert!(csv.starts_with(&CSV_COLUMNS.join(",")));
        assert!(render_text(&r).contains("0.00 (0/2)"));
    }

    #[test]
    fn min_units_leaves_rare_terms_out() {
        let r = audit(
            coder(),
            &corpus(&[("zh.txt", ZH)]),
            &[],
            Vec::new(),
            &AuditOptions {
                min_units: 2,
                ..Default::default()
            },
        );
        assert!(r.terms.iter().all(|t| t.units >= 2));
        assert!(r.rare.iter().any(|x| x == "subsidy: 财政"));
    }

    #[test]
    fn characters_of_a_term_inside_longer_words_are_counted_unmatched() {
        let cb = Codebook::parse(
            &CB.replace(
                "zh = [\"创业补贴\", \"财政\"]",
                "zh = [\"创业补贴\", \"财政\", \"印度\"]",
            ),
            "t.toml",
        )
        .unwrap();
        let coder = Coder::new(cb).unwrap();
        let text = "二、政策措施\n（一）加强与印度的合作。\n（二）加强与印度尼西亚的合作。\n（三）支持印度尼西亚企业。\n（四）落实创业补贴。\n";
        let key = crate::util::docid::key("zh.txt");
        let corpus = Corpus {
            documents: vec![Document::from_text(
                &coder,
                "zh.txt",
                &key,
                text.to_string(),
                UnitMode::Auto,
            )],
            skipped: Vec::new(),
            incomplete: Vec::new(),
        };
        let r = audit(&coder, &corpus, &[], Vec::new(), &AuditOptions::default());
        let t = term(&r, "印度");
        assert_eq!((t.matches, t.unmatched), (1, 2), "{t:?}");
        assert_eq!(t.unmatched_words, [("印度尼西亚".to_string(), 2)]);
        // a term matched wherever it stands has nothing unmatched
        assert_eq!(term(&r, "创业补贴").unmatched, 0);
        assert!(render_text(&r).contains("unmatched 2 (inside or across words: 印度尼西亚 ×2)"));
        assert!(render_csv(&r)
            .lines()
            .next()
            .unwrap()
            .ends_with(",unmatched,unmatched_words"));
        // a term matched in too few units is listed when its characters stand unmatched
        let r = audit(
            &coder,
            &corpus,
            &[],
            Vec::new(),
            &AuditOptions {
                min_units: 2,
                ..Default::default()
            },
        );
        assert_eq!(r.unmatched_only, ["subsidy: 印度 ×2 (印度尼西亚 ×2)"]);
    }

    #[test]
    fn examples_take_turns_between_kinds() {
        let rec = |status, verdict, span| Rec {
            doc: 0,
            unit: 0,
            term: 0,
            span,
            status,
            role: Role::Measure,
            verdict,
        };
        let recs = [
            rec(Status::Coded, None, (0, 1)),
            rec(Status::Coded, None, (2, 3)),
            rec(Status::Withheld, None, (4, 5)),
            rec(Status::Coded, Some(false), (6, 7)),
        ];
        let refs: Vec<&Rec> = recs.iter().collect();
        let picked: Vec<(usize, usize)> = pick_examples(&refs, 3).iter().map(|r| r.span).collect();
        assert_eq!(picked, [(6, 7), (0, 1), (4, 5)]);
    }
}
