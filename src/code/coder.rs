//! Coding: the codebook compiled once into token-level matchers, applied to units.

use crate::code::token_trie::TokenTrie;
use crate::code::tokenize::{KeyForm, TokenSpan, TokenStream, Tokenizer, SEP};
use crate::codebook::{Codebook, Context};
use crate::error::Result;
use crate::prepare::normalize::normalize;
use crate::util::lang::Lang;
use crate::util::literal_gate::{LiteralGate, OneChar};
use memchr::memmem::Finder;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};

/// One concept found in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Byte start in the unit's normalised text.
    pub start: usize,
    /// Byte end in the unit's normalised text.
    pub end: usize,
    /// Concept index in the codebook.
    pub concept: usize,
}

/// The codes of one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitCodes {
    /// Concept indexes, sorted, distinct.
    pub concepts: Vec<usize>,
    /// Category indexes, sorted, distinct: each counts once per unit.
    pub categories: Vec<usize>,
    /// Core indexes, sorted, distinct.
    pub cores: Vec<usize>,
    /// Every match, sorted by position: the evidence.
    pub hits: Vec<Hit>,
    /// Values of the codebook's extra dimensions (indexes into
    /// [`Codebook::dimension_values`]), sorted, distinct.
    pub dimension_values: Vec<usize>,
    /// Matches of dimension terms; `concept` holds the dimension value index.
    pub dimension_hits: Vec<Hit>,
}

impl UnitCodes {
    /// True when the unit has at least one category.
    pub fn is_coded(&self) -> bool {
        !self.categories.is_empty()
    }
}

/// What a matched term does for its concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// A term of the concept: a hit.
    Term,
    /// Vetoes the concept's hits in its clause.
    Exclude,
    /// Required within `near`'s window of a hit.
    Near,
    /// Forbidden within `not_near`'s window of a hit.
    NotNear,
    /// Required in the hit's clause.
    Clause,
}

#[derive(Debug, Clone, Copy)]
struct Target {
    concept: u32,
    rule: Rule,
}

/// A context term found in a unit (byte span in its normalised text).
#[derive(Debug, Clone, Copy)]
struct ContextMatch {
    concept: u32,
    rule: Rule,
    start: usize,
}

/// Terms of one language and key form, as whole-token sequences.
#[derive(Debug)]
struct TermMatcher {
    trie: TokenTrie,
    /// Per pattern: the concepts it signals (or vetoes).
    targets: Vec<Vec<Target>>,
}

impl TermMatcher {
    /// `keys`: term key strings (`SEP k1 SEP k2 … SEP`) and their targets.
    fn build(keys: HashMap<String, Vec<Target>>) -> Self {
        // Keys that differ only in separators are one token sequence.
        let mut merged: BTreeMap<Vec<String>, Vec<Target>> = BTreeMap::new();
        for (key, targets) in keys {
            let tokens: Vec<String> = key
                .split(SEP)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
            let all = merged.entry(tokens).or_default();
            for t in targets {
                if !all
                    .iter()
                    .any(|x| x.concept == t.concept && x.rule == t.rule)
                {
                    all.push(t);
                }
            }
        }
        TermMatcher {
            trie: TokenTrie::new(merged.keys()),
            targets: merged.into_values().collect(),
        }
    }
}

/// One search to make: a regex of the codebook over one of a list of texts (indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegexRun {
    /// The regex (its place among the codebook's regexes).
    pub regex: u32,
    /// The text.
    pub text: u32,
}

/// A codebook compiled for matching, with the tokenizer it needs.
///
/// Term forms: Chinese terms match whole jieba tokens; English terms match whole
/// stemmed words, or whole unstemmed words when written `=word` (to keep apart words
/// the stemmer merges, such as cooperative / cooperate). Chinese exclude terms veto
/// wherever they occur as a substring; English ones on word boundaries.
#[derive(Debug)]
pub struct Coder {
    /// The codebook.
    pub codebook: Codebook,
    /// The shared tokenizer (jieba with the codebook's terms).
    pub tokenizer: Tokenizer,
    zh: TermMatcher,
    en: TermMatcher,
    en_exact: TermMatcher,
    /// Per concept: its Chinese context terms, each with its rule, found as substrings.
    zh_context: Vec<Vec<(Rule, Finder<'static>)>>,
    regexes: Vec<(usize, Regex)>,
    /// The literals each of `regexes` requires: one pass over a unit tells which could
    /// match (in most units none), and only those run.
    regex_gate: LiteralGate,
    /// Per concept: whether it has any context rule (exclude, near, not near, clause).
    has_context: Vec<bool>,
    /// Section-role rules, compiled once.
    pub roles: crate::segment::role::RoleTable,
}

impl Coder {
    /// Compiles `codebook`: builds the tokenizer and, per language and key form, a trie
    /// over the token keys of every term.
    pub fn new(codebook: Codebook) -> Result<Coder> {
        // The built-in patterns compile on another thread while jieba loads its dictionary.
        let warm = std::thread::spawn(|| {
            crate::segment::prepare();
            crate::prepare::metadata::prepare();
            crate::geo::province::all();
        });
        let tokenizer = Tokenizer::new(
            codebook
                .concepts
                .iter()
                .flat_map(|c| c.zh.iter())
                .chain(codebook.dimension_values.iter().flat_map(|v| v.zh.iter()))
                .chain(&codebook.words)
                .map(String::as_str),
        );
        let mut zh: HashMap<String, Vec<Target>> = HashMap::new();
        let mut en: HashMap<String, Vec<Target>> = HashMap::new();
        let mut en_exact: HashMap<String, Vec<Target>> = HashMap::new();
        let mut zh_context: Vec<Vec<(Rule, Finder<'static>)>> =
            vec![Vec::new(); codebook.concepts.len()];
        let mut regexes = Vec::new();
        let add =
            |map: &mut HashMap<String, Vec<Target>>, key: String, concept: usize, rule: Rule| {
                if key.chars().any(|c| c != SEP) {
                    let targets = map.entry(key).or_default();
                    if !targets
                        .iter()
                        .any(|x| x.concept as usize == concept && x.rule == rule)
                    {
                        targets.push(Target {
                            concept: concept as u32,
                            rule,
                        });
                    }
                }
            };
        let mut has_context = vec![false; codebook.concepts.len()];
        for (i, c) in codebook.concepts.iter().enumerate() {
            for t in &c.zh {
                add(
                    &mut zh,
                    tokenizer.term_key(t, Lang::Zh, true),
                    i,
                    Rule::Term,
                );
            }
            let rules = [
                (Some((&c.zh, &c.en)), Rule::Term),
                (Some((&c.exclude_zh, &c.exclude_en)), Rule::Exclude),
                (c.near.as_ref().map(|x| (&x.zh, &x.en)), Rule::Near),
                (c.not_near.as_ref().map(|x| (&x.zh, &x.en)), Rule::NotNear),
                (c.clause.as_ref().map(|x| (&x.zh, &x.en)), Rule::Clause),
            ];
            for (terms, rule) in rules {
                let Some((zh_terms, en_terms)) = terms else {
                    continue;
                };
                for t in en_terms {
                    match t.strip_prefix('=') {
                        Some(exact) => add(
                            &mut en_exact,
                            tokenizer.term_key(exact, Lang::En, false),
                            i,
                            rule,
                        ),
                        None => add(&mut en, tokenizer.term_key(t, Lang::En, true), i, rule),
                    }
                }
                if rule != Rule::Term {
                    for t in zh_terms {
                        let term = normalize(t).text.to_lowercase();
                        let own = &mut zh_context[i];
                        if !term.is_empty()
                            && !own
                                .iter()
                                .any(|(r, f)| *r == rule && f.needle() == term.as_bytes())
                        {
                            own.push((rule, Finder::new(term.as_bytes()).into_owned()));
                        }
                    }
                    has_context[i] |= !(zh_terms.is_empty() && en_terms.is_empty());
                }
            }
            for r in &c.regex {
                // Validated when the codebook was loaded.
                if let Ok(re) = Regex::new(r) {
                    regexes.push((i, re));
                }
            }
        }
        // Dimension values are matched by the same automata, numbered after the concepts.
        let n = codebook.concepts.len();
        for (v, value) in codebook.dimension_values.iter().enumerate() {
            for t in &value.zh {
                add(
                    &mut zh,
                    tokenizer.term_key(t, Lang::Zh, true),
                    n + v,
                    Rule::Term,
                );
            }
            for t in &value.en {
                match t.strip_prefix('=') {
                    Some(exact) => add(
                        &mut en_exact,
                        tokenizer.term_key(exact, Lang::En, false),
                        n + v,
                        Rule::Term,
                    ),
                    None => add(
                        &mut en,
                        tokenizer.term_key(t, Lang::En, true),
                        n + v,
                        Rule::Term,
                    ),
                }
            }
            for r in &value.regex {
                if let Ok(re) = Regex::new(r) {
                    regexes.push((n + v, re));
                }
            }
        }
        // A panic there would be a bug in a built-in pattern; the first use reports it.
        let _ = warm.join();
        let regex_gate = LiteralGate::new(
            &regexes
                .iter()
                .map(|(_, re): &(usize, Regex)| re.as_str())
                .collect::<Vec<_>>(),
            OneChar::Skip,
        );
        Ok(Coder {
            zh: TermMatcher::build(zh),
            en: TermMatcher::build(en),
            en_exact: TermMatcher::build(en_exact),
            zh_context,
            roles: crate::segment::role::RoleTable::new(&codebook.roles, codebook.default_roles),
            codebook,
            tokenizer,
            regexes,
            regex_gate,
            has_context,
        })
    }

    /// Codes one unit of normalised text. `buf` is scratch space reused across calls; it
    /// is left holding the unit's tokens.
    ///
    /// Excludes and context rules act within the hit's clause (sentence) or token window,
    /// not the whole unit: a veto two sentences away does not remove a true hit.
    pub fn code(&self, text: &str, lang: Lang, buf: &mut TokenStream) -> UnitCodes {
        self.code_inner(text, lang, buf, None, None)
    }

    /// Codes one unit like [`Coder::code`] and also returns the term matches that rules
    /// removed: context rules (exclude, near, not near, clause), department names (财政 in
    /// 财政部门) and notes of who leads (R3). For auditing a codebook; sorted, distinct.
    pub fn code_traced(
        &self,
        text: &str,
        lang: Lang,
        buf: &mut TokenStream,
    ) -> (UnitCodes, Vec<Hit>) {
        let mut raw = Vec::new();
        let codes = self.code_inner(text, lang, buf, Some(&mut raw), None);
        raw.sort();
        raw.dedup();
        // A sorted copy and binary search: `contains` per match was quadratic in long units.
        let mut kept = codes.hits.clone();
        kept.sort();
        raw.retain(|h| h.concept < self.codebook.concepts.len() && kept.binary_search(h).is_err());
        (codes, raw)
    }

    /// Codes one unit like [`Coder::code`], with the matches of the codebook's regexes
    /// found beforehand ([`Coder::run_regexes`], for the units of many documents at once).
    pub fn code_with_regex_hits(
        &self,
        text: &str,
        lang: Lang,
        buf: &mut TokenStream,
        regex_hits: &[Hit],
    ) -> UnitCodes {
        self.code_inner(text, lang, buf, None, Some(regex_hits))
    }

    /// The regexes that could match each of `texts` (normalised), told by the literals
    /// they require (most texts hold those of none): one [`RegexRun`] per regex and text.
    pub fn regex_runs(&self, texts: &[&str]) -> Vec<RegexRun> {
        let mut could = Vec::new();
        let mut runs = Vec::new();
        for (u, t) in texts.iter().enumerate() {
            let text = u as u32;
            runs.extend(
                self.regex_gate
                    .candidate_ids(t, &mut could)
                    .map(|k| RegexRun {
                        regex: k as u32,
                        text,
                    }),
            );
        }
        runs
    }

    /// The matches of each regex of `runs` in its text of `texts`, per text, in the order
    /// of the regexes (as [`Coder::code`] finds them). The runs are made one regex after
    /// another, in parallel on the current rayon pool. Run between the other stages, each
    /// regex's lazy DFA (large: bounded gaps over CJK text) has been pushed out of the CPU
    /// caches by the time it runs again, and its searches stall on memory: on the 20 MB
    /// bench corpus (one thread), the searches took 120–150 ms made document by document,
    /// 9–16 ms made regex by regex over the whole corpus. So the pipeline runs them for a
    /// batch of documents at once.
    pub fn run_regexes(&self, texts: &[&str], mut runs: Vec<RegexRun>) -> Vec<Vec<Hit>> {
        use rayon::prelude::*;
        runs.sort_unstable();
        // Pieces of about equal length, several per thread, keep the threads busy when
        // one regex costs more than the rest together.
        let piece = runs
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(64);
        let found: Vec<Vec<(u32, Vec<Hit>)>> = runs
            .par_chunks(piece)
            .map(|piece| {
                piece
                    .iter()
                    .filter_map(|r| {
                        let mut hits = Vec::new();
                        self.push_regex_hits(r.regex as usize, texts[r.text as usize], &mut hits);
                        (!hits.is_empty()).then_some((r.text, hits))
                    })
                    .collect()
            })
            .collect();
        let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); texts.len()];
        for (u, h) in found.into_iter().flatten() {
            hits[u as usize].extend(h);
        }
        hits
    }

    /// Pushes the (non-empty) matches of regex `k` in `text`.
    fn push_regex_hits(&self, k: usize, text: &str, hits: &mut Vec<Hit>) {
        let (concept, re) = &self.regexes[k];
        hits.extend(
            re.find_iter(text)
                .filter(|m| m.start() < m.end())
                .map(|m| Hit {
                    start: m.start(),
                    end: m.end(),
                    concept: *concept,
                }),
        );
    }

    fn code_inner(
        &self,
        text: &str,
        lang: Lang,
        buf: &mut TokenStream,
        mut raw: Option<&mut Vec<Hit>>,
        regex_hits: Option<&[Hit]>,
    ) -> UnitCodes {
        let mut hits = Vec::new();
        let mut context: Vec<ContextMatch> = Vec::new();
        self.tokenizer.tokenize(text, lang, buf);
        let matcher = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        token_matches(matcher, buf, KeyForm::Key, &mut hits, &mut context);
        if lang == Lang::En {
            token_matches(
                &self.en_exact,
                buf,
                KeyForm::Surface,
                &mut hits,
                &mut context,
            );
        }
        if let Some(raw) = raw.as_deref_mut() {
            raw.extend_from_slice(&hits);
        }
        if lang == Lang::Zh {
            // A term that is the stem of a department's name (财政 in 财政部门, 人力资源
            // 社会保障 in …局) names the body, not the instrument; one that modifies a
            // record, a system or a post (社会保障数据, 宣传联络员) names that thing.
            hits.retain(|h: &Hit| {
                let after = &text[h.end..];
                !names_a_body(after)
                    && !ends_a_list_of_firms(&text[..h.start], after)
                    && !modifies_a_record(after)
                    && !names_a_field_of_work(after)
                    && !names_a_field_of_study(after)
                    && !names_a_listed_field(&text[..h.start], after)
                    && !names_what_it_supports(&text[..h.start])
                    && !names_what_is_administered(after)
                    && !describes_who(&text[..h.start], after)
                    && !is_paid_by_duty(&text[..h.start])
                    && !is_obtained_first(&text[..h.start], after)
                    && !frames_a_principle(&text[..h.start], after)
                    && !names_a_bodys_charge(&text[..h.start], after)
                    && !names_an_area_of_equal_treatment(&text[..h.start], after)
                    && !names_a_matter_served(&text[..h.start], after)
                    && !names_the_work_heeded(&text[..h.start], after)
                    && !names_what_is_publicised(&text[..h.start])
            });
            // Terms inside a note of who leads, by when, for how many points (R3) code
            // nothing: （省商务厅牵头，合肥海关配合） （6月底完成，牵头考核单位：…）.
            if text.contains('(') && !hits.is_empty() {
                let notes = note_spans(text);
                if !notes.is_empty() {
                    hits.retain(|h| !notes.iter().any(|&(s, e)| h.start >= s && h.end <= e));
                }
            }
        }
        let before_regexes = hits.len();
        match regex_hits {
            Some(found) => hits.extend_from_slice(found),
            None => {
                let mut could = Vec::new();
                for k in self.regex_gate.candidate_ids(text, &mut could) {
                    self.push_regex_hits(k, text, &mut hits);
                }
            }
        }
        if let Some(raw) = raw {
            raw.extend_from_slice(&hits[before_regexes..]);
        }
        if hits
            .iter()
            .any(|h| self.has_context.get(h.concept).copied().unwrap_or(false))
        {
            self.apply_context(text, lang, buf, &mut hits, &mut context);
        }
        hits.sort();
        hits.dedup();
        self.summarize(hits)
    }

    /// Keeps the hits that their concept's context rules allow. Every test is a binary
    /// search in sorted context matches, so a long unit stays linear-logarithmic.
    fn apply_context(
        &self,
        text: &str,
        lang: Lang,
        buf: &TokenStream,
        hits: &mut Vec<Hit>,
        context: &mut [ContextMatch],
    ) {
        context.sort_unstable_by_key(|c| (c.concept, c.rule, c.start));
        let ends = clause_ends(text, lang);
        let tokens = &buf.tokens;
        let len = text.len();
        let bytes = text.as_bytes();
        // Is there a match of (concept, rule) starting in [from, to)? Token terms were
        // matched already; Chinese context terms are looked for as substrings starting there
        // (a few terms over a clause or a window cost less than one automaton over the unit).
        let any_in = |concept: usize, rule: Rule, from: usize, to: usize| {
            let lo = context
                .partition_point(|c| (c.concept as usize, c.rule, c.start) < (concept, rule, from));
            if context
                .get(lo)
                .is_some_and(|c| c.concept as usize == concept && c.rule == rule && c.start < to)
            {
                return true;
            }
            lang == Lang::Zh
                && self.zh_context[concept]
                    .iter()
                    .any(|(r, f)| *r == rule && starts_within(f, bytes, from, to))
        };
        hits.retain(|h| {
            let Some(c) = self.codebook.concepts.get(h.concept) else {
                return true; // dimension values have no context rules
            };
            if !self.has_context[h.concept] {
                return true;
            }
            let clause = clause_around(&ends, h.start, len);
            if any_in(h.concept, Rule::Exclude, clause.0, clause.1) {
                return false;
            }
            if c.clause.is_some() && !any_in(h.concept, Rule::Clause, clause.0, clause.1) {
                return false;
            }
            if let Some(near) = &c.near {
                let (from, to) = token_window(tokens, h, near, len);
                if !any_in(h.concept, Rule::Near, from, to) {
                    return false;
                }
            }
            if let Some(not_near) = &c.not_near {
                let (from, to) = token_window(tokens, h, not_near, len);
                if any_in(h.concept, Rule::NotNear, from, to) {
                    return false;
                }
            }
            true
        });
    }

    /// Derives concepts, categories, cores and dimension values from a unit's hits.
    pub fn summarize(&self, mut hits: Vec<Hit>) -> UnitCodes {
        let n = self.codebook.concepts.len();
        let mut dimension_hits = Vec::new();
        if hits.iter().any(|h| h.concept >= n) {
            dimension_hits = hits.iter().filter(|h| h.concept >= n).copied().collect();
            hits.retain(|h| h.concept < n);
            for h in &mut dimension_hits {
                h.concept -= n;
            }
        }
        let mut dimension_values: Vec<usize> = dimension_hits.iter().map(|h| h.concept).collect();
        dimension_values.sort_unstable();
        dimension_values.dedup();
        let mut concepts: Vec<usize> = hits.iter().map(|h| h.concept).collect();
        concepts.sort_unstable();
        concepts.dedup();
        let mut categories: Vec<usize> = concepts
            .iter()
            .map(|&c| self.codebook.concepts[c].category)
            .collect();
        categories.sort_unstable();
        categories.dedup();
        let mut cores: Vec<usize> = categories
            .iter()
            .map(|&k| self.codebook.categories[k].core)
            .collect();
        cores.sort_unstable();
        cores.dedup();
        UnitCodes {
            concepts,
            categories,
            cores,
            hits,
            dimension_values,
            dimension_hits,
        }
    }

    /// Codes a standalone string (normalising it first); for tests and small tools.
    pub fn code_str(&self, text: &str, lang: Lang) -> UnitCodes {
        let n = normalize(text);
        self.code(&n.text, lang, &mut TokenStream::default())
    }
}

/// True when the needle of `term` occurs in `haystack` starting at a byte in `[from, to)`
/// (it may end past `to`).
fn starts_within(term: &Finder<'_>, haystack: &[u8], from: usize, to: usize) -> bool {
    let end = (to + term.needle().len().saturating_sub(1)).min(haystack.len());
    from < end && term.find(&haystack[from..end]).is_some()
}

/// The clause (sentence) around byte `pos` of a text of `len` bytes whose clauses end at
/// `ends`.
fn clause_around(ends: &[usize], pos: usize, len: usize) -> (usize, usize) {
    let at = ends.partition_point(|&e| e <= pos);
    (
        at.checked_sub(1).map_or(0, |i| ends[i]),
        ends.get(at).copied().unwrap_or(len),
    )
}

/// The byte range from `rule.before` tokens ahead of the hit to `rule.after` tokens past
/// it; a side of 0 tokens starts or ends at the hit itself, so a term on that side does
/// not count (WordStat's BEFORE / AFTER). Without tokens, the whole text (`len` bytes).
fn token_window(tokens: &[TokenSpan], h: &Hit, rule: &Context, len: usize) -> (usize, usize) {
    if tokens.is_empty() {
        return (0, len);
    }
    // Index of the token at byte `pos` (the last one starting at or before it).
    let token_at = |pos: usize| {
        tokens
            .partition_point(|t| t.start as usize <= pos)
            .saturating_sub(1)
    };
    let first = token_at(h.start).saturating_sub(rule.before);
    let from = if rule.before == 0 {
        h.start
    } else {
        tokens[first].start as usize
    };
    let last = (token_at(h.end.saturating_sub(1)) + rule.after).min(tokens.len() - 1);
    let to = if rule.after == 0 {
        h.end
    } else {
        tokens[last].end as usize
    };
    (from, to)
}

fn token_matches(
    matcher: &TermMatcher,
    buf: &TokenStream,
    form: KeyForm,
    hits: &mut Vec<Hit>,
    context: &mut Vec<ContextMatch>,
) {
    let tokens = &buf.tokens;
    matcher.trie.find(
        tokens.len(),
        |i| buf.key(form, i),
        |first, last, p| {
            let (start, end) = (tokens[first].start as usize, tokens[last].end as usize);
            for t in &matcher.targets[p] {
                if t.rule == Rule::Term {
                    hits.push(Hit {
                        start,
                        end,
                        concept: t.concept as usize,
                    });
                } else {
                    context.push(ContextMatch {
                        concept: t.concept,
                        rule: t.rule,
                        start,
                    });
                }
            }
        },
    );
}

/// Byte offsets where the clauses (sentences) of a unit end: after 。！？；!?; and line
/// breaks, and in English after a full stop followed by a space.
fn clause_ends(text: &str, lang: Lang) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut ends = Vec::new();
    // The ends are ASCII or start with 0xE3 (。) or 0xEF (！？；): other characters are
    // passed over without decoding them.
    crate::segment::role::for_each_end_candidate(text, |i| {
        let Some(c) = text[i..].chars().next() else {
            return;
        };
        let end = match c {
            '。' | '！' | '？' | '；' | ';' | '!' | '?' | '\n' => true,
            '.' => lang == Lang::En && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
            _ => false,
        };
        if end {
            ends.push(i + c.len_utf8());
        }
    });
    ends
}

/// Byte spans of parenthetical notes on responsibility, deadlines or scores in normalised
/// Chinese text (full-width brackets are half-width there).
fn note_spans(text: &str) -> Vec<(usize, usize)> {
    static RE: std::sync::OnceLock<(Regex, Regex)> = std::sync::OnceLock::new();
    let (paren, note) = RE.get_or_init(|| {
        (
            Regex::new(r"\([^()]{1,200}\)").expect("built-in pattern"),
            Regex::new(r"牵头|责任单位|责任部门|配合|考核单位|负责单位|分工负责|负责\)|[0-9.]+分\)|完成\)|持续推进|月底|年底")
                .expect("built-in pattern"),
        )
    });
    paren
        .find_iter(text)
        .filter(|m| note.is_match(m.as_str()))
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// True when `s` starts with one of `prefixes`.
fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
}

/// True when the text right after a Chinese term makes it part of a body's name
/// (财政 + 部门, 社会保障 + 局, 商务 + 厅), also through the work it is named for
/// (营商环境 + 建设领导小组办公室, 返乡创业 + 工作领导小组), however long that name runs
/// (电子商务 + 进农村综合示范工作领导小组: up to twenty characters without a punctuation mark).
fn names_a_body(after: &str) -> bool {
    const GROUPS: [&str; 4] = ["领导小组", "办公室", "指挥部", "工作专班"];
    let through_work = ["建设", "工作"]
        .iter()
        .find_map(|w| after.strip_prefix(w))
        .is_some_and(|rest| starts_with_any(rest, &GROUPS));
    through_work
        || names_a_body_directly(after)
        || names_a_group_later(after)
        || ends_a_list_of_bodies(after)
}

/// True when the term is a whole item of a short list of trades that 企业 or 公司 closes
/// (由供水、供电、供气企业承担投资): the items name firms by their trade, not the utilities or
/// services the policy provides (R21).
fn ends_a_list_of_firms(before: &str, after: &str) -> bool {
    if !before.ends_with('、') && !has_bytes(head_bytes(after, 90), "、".as_bytes()) {
        return false;
    }
    // 企业 or 公司 within the 30 characters after the term (120 bytes at most), or no list
    // of firms.
    let window = head_bytes(after, 120);
    if !has_bytes(window, "企业".as_bytes()) && !has_bytes(window, "公司".as_bytes()) {
        return false;
    }
    let run = run_after(after, 30, clause_mark);
    let Some(at) = find_first(run, &["企业", "公司"]) else {
        return false;
    };
    let list = run[..at].trim_end_matches('等');
    is_list_rest(list, 0, 1..=4) && (list.contains('、') || before.ends_with('、'))
}

/// True when `rest`, what follows a term up to the word that closes its list, is the rest of
/// a list joined by 、: the term's own item goes on for at most `own` characters after it
/// (开户 after 银行), and each further item has a length in `items` (in characters).
fn is_list_rest(rest: &str, own: usize, items: std::ops::RangeInclusive<usize>) -> bool {
    let mut parts = rest.split('、');
    parts.next().is_some_and(|o| o.chars().count() <= own)
        && parts.all(|i| items.contains(&i.chars().count()))
}

/// True when the term opens or continues a list of departments that one body word closes
/// (各级财政、税务、人力资源社会保障、农业农村部门要…; 财政、人力资源社会保障部门): each item is a
/// department's name. The items are short (at most ten characters) and separated by 、.
fn ends_a_list_of_bodies(after: &str) -> bool {
    let Some(rest) = after.strip_prefix('、') else {
        return false;
    };
    let run = run_after(rest, 60, |c| "，。；：,;:（）()".contains(c));
    let Some(at) = find_bytes(run.as_bytes(), "部门".as_bytes()) else {
        return false;
    };
    // The list from the 、 after the term: every item a department's short name.
    let list = run[..at].trim_end_matches('等');
    is_list_rest(&after[..'、'.len_utf8() + list.len()], 0, 1..=10)
}

/// True when the term is what is paid (依法缴纳社会保险费, 缴纳住房公积金): a contribution owed,
/// a duty or a condition of eligibility (R16), not an instrument the policy commits to.
fn is_paid_by_duty(before: &str) -> bool {
    before.ends_with("缴纳")
}

/// True when the term is what a party must have obtained before something happens
/// (建设单位在取得用地后即可开展施工准备, 获得…许可之日起): a condition or a point in time of a
/// procedure (R16, R30), not an instrument the policy commits to.
fn is_obtained_first(before: &str, after: &str) -> bool {
    const GOT: [&str; 3] = ["取得", "获得", "领取"];
    const THEN: [&str; 7] = ["后", "之后", "以后", "前", "之前", "时", "之日"];
    GOT.iter().any(|g| before.ends_with(g)) && starts_with_any(after, &THEN)
}

/// True when the term sits in a principle's frame, 以 X 为核心 / 为基本要求 / 为导向 …
/// (以制度创新为核心，以可复制可推广为基本要求): the frame says what the work is oriented to
/// (R1), it commits to no instrument. X runs from 以 to 为 without a clause mark (、 may
/// join its parts); 可以, 予以, 以及, 以上 and the like are no frame.
fn frames_a_principle(before: &str, after: &str) -> bool {
    const FRAMES: [&str; 12] = [
        "为核心",
        "为基本要求",
        "为导向",
        "为主线",
        "为目标",
        "为根本",
        "为宗旨",
        "为引领",
        "为统领",
        "为指引",
        "为方向",
        "为出发点",
    ];
    // No 以 in the 24 characters before the term (96 bytes at most): no frame opens there.
    if !has_bytes(tail_bytes(before, 96), "以".as_bytes()) {
        return false;
    }
    let stop =
        |c: char| clause_mark(c) || matches!(c, '(' | ')' | '（' | '）' | '“' | '”' | '《' | '》');
    let back = run_before(before, 24, stop);
    // Most terms have no 以 before them in their clause: ruled out without more work.
    if !back.contains('以') {
        return false;
    }
    let chars: Vec<char> = back.chars().collect();
    let opens = chars.iter().enumerate().any(|(i, &c)| {
        c == '以'
            && chars
                .get(i + 1)
                .is_none_or(|n| !"及上下内外后前来便".contains(*n))
            && (i == 0 || !"可予所加难足得".contains(chars[i - 1]))
    });
    opens && {
        let run = run_after(after, 24, stop);
        FRAMES.iter().any(|f| has(run, f))
    }
}

/// True when the term names what a body is put in charge of: 市人力资源和社会保障局负责示范园区
/// 的认定和管理工作 — X负责…工作 (or X负责…的认定 / 管理 / 培育…) names the responsible body
/// (R17, leadership), and the field of its work inside is the policy's subject (R1). The
/// term lies between 负责 and 工作 with no clause mark between (、 may join the fields), and
/// is not a verb right after 负责.
fn names_a_bodys_charge(before: &str, after: &str) -> bool {
    // The word right after 负责 is the charge's own verb (负责组织领导…工作, 负责统筹协调…
    // 工作), coded as such, unless 的 makes it the field (负责示范园区的认定和管理工作).
    // No 负责 in the 32 characters before the term (128 bytes at most): ruled out by a byte
    // search before the characters are walked.
    if !has_bytes(tail_bytes(before, 128), "负责".as_bytes())
        || !has(run_before(before, 32, clause_mark), "负责")
        || (before.ends_with("负责") && !after.starts_with('的'))
    {
        return false;
    }
    let run = run_after(after, 32, clause_mark);
    // …工作, or the field's administration named after 的 (负责本地区示范园区的培育、初审和
    // 日常管理).
    const ADMINISTERED: [&str; 12] = [
        "认定",
        "管理",
        "日常管理",
        "培育",
        "审核",
        "初审",
        "评审",
        "监督",
        "组织实施",
        "统筹",
        "协调",
        "指导",
    ];
    has(run, "工作")
        || run
            .split_once('的')
            .is_some_and(|(_, rest)| starts_with_any(rest, &ADMINISTERED))
}

/// True when the term is one of the areas in which a clause treats firms alike (在政府资金
/// 安排、土地供应、税费减免…等方面，应当依法平等对待外商投资企业和内资企业): the clause commits
/// to equal treatment (R29, coded by its own words), not to the instruments it lists. The
/// term sits in a 在…方面 list without a comma, and the verb of equal treatment follows 方面.
fn names_an_area_of_equal_treatment(before: &str, after: &str) -> bool {
    const EQUAL: [&str; 4] = ["平等对待", "一视同仁", "同等对待", "平等适用"];
    // Most terms have no 方面 in the 60 characters after them: ruled out by a byte search.
    if !has_bytes(head_bytes(after, 180), "方面".as_bytes()) {
        return false;
    }
    let sentence = |c: char| matches!(c, '。' | '；' | ';' | '\n');
    if !run_before(before, 40, |c| sentence(c) || matches!(c, '，' | ',')).contains('在') {
        return false;
    }
    let run = run_after(after, 60, sentence);
    let Some(at) = find_bytes(run.as_bytes(), "方面".as_bytes()) else {
        return false;
    };
    !run[..at].contains(['，', ','])
        && EQUAL
            .iter()
            .any(|e| has(run_after(&run[at..], 16, sentence), e))
}

/// True when the term is one of the matters a one-stop service handles (推行企业登记、印章
/// 刻制、银行开户、社保登记…一网通办、一日办结): the service reform is the measure (R20), the
/// steps it joins (registering, opening a bank account, enrolling staff in insurance) are
/// its subject. The term is an item of a list joined by 、 that the service word closes.
fn names_a_matter_served(before: &str, after: &str) -> bool {
    const SERVICE: [&str; 10] = [
        "一网通办",
        "一窗受理",
        "一窗通办",
        "一次办结",
        "一日办结",
        "一次办好",
        "全程网办",
        "集成办理",
        "并联办理",
        "一件事",
    ];
    // Most terms are in no list: ruled out by a byte search for 、 first.
    if !before.ends_with('、') && !has_bytes(head_bytes(after, 180), "、".as_bytes()) {
        return false;
    }
    // Every service word holds 办 or 理, or is 一件事: without them in the 60 characters
    // after the term (240 bytes at most), none can close its list.
    let window = head_bytes(after, 240);
    if !["办", "理", "一件事"]
        .iter()
        .any(|w| has_bytes(window, w.as_bytes()))
    {
        return false;
    }
    let run = run_after(after, 60, clause_mark);
    let Some(at) = find_first(run, &SERVICE) else {
        return false;
    };
    let list = &run[..at];
    is_list_rest(list, 4, 1..=10) && (list.contains('、') || before.ends_with('、'))
}

/// True when the term is what a clause publicises, right after the verb (宣传“跨省通办”服务方式,
/// 解读返乡创业政策): the publicity is the measure (R35), what it speaks of is mentioned in passing
/// (R1), as the subject of a training is (R32).
fn names_what_is_publicised(before: &str) -> bool {
    const VERBS: [&str; 4] = ["宣传", "宣讲", "解读", "宣介"];
    let before = before.strip_suffix(['“', '「', '"']).unwrap_or(before);
    VERBS.iter().any(|v| before.ends_with(v))
}

/// True when the term names the work that bodies are told to heed (各部门要高度重视降低制度性
/// 交易成本工作): the attention is leadership (R13), the work its subject (R1).
fn names_the_work_heeded(before: &str, after: &str) -> bool {
    after.starts_with("工作") && has(run_before(before, 24, clause_mark), "重视")
}

/// True for a mark that ends a clause (half- or full-width comma, stop, semicolon, colon,
/// exclamation or question mark, line break).
fn clause_mark(c: char) -> bool {
    matches!(
        c,
        ',' | '.' | ';' | ':' | '!' | '?' | '，' | '。' | '；' | '：' | '！' | '？' | '\n'
    )
}

/// Whether `needle` occurs in the short string `hay` (a few dozen bytes: the memchr scan of
/// [`has_bytes`] costs less than setting up a substring searcher).
fn has(hay: &str, needle: &str) -> bool {
    !needle.is_empty() && has_bytes(hay.as_bytes(), needle.as_bytes())
}

/// Whether `needle` occurs in the short byte string `hay`: the candidates are found by its
/// last byte with `memchr`, which needs no set-up (a substring searcher's costs more than the
/// search in a few dozen bytes).
fn has_bytes(hay: &[u8], needle: &[u8]) -> bool {
    find_bytes(hay, needle).is_some()
}

/// Where `needle` first occurs in the short byte string `hay`, found as [`has_bytes`] finds it.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&last, head)) = needle.split_last() else {
        return Some(0);
    };
    memchr::memchr_iter(last, hay)
        .find(|&i| i >= head.len() && hay[i - head.len()..i] == *head)
        .map(|i| i - head.len())
}

/// Where the first of `needles` starts in `hay`, if any does.
fn find_first(hay: &str, needles: &[&str]) -> Option<usize> {
    needles
        .iter()
        .filter_map(|n| find_bytes(hay.as_bytes(), n.as_bytes()))
        .min()
}

/// The first `max` bytes of `s` (fewer at its end), as bytes: a window to rule a check out
/// by a byte search before its characters are walked.
fn head_bytes(s: &str, max: usize) -> &[u8] {
    &s.as_bytes()[..s.len().min(max)]
}

/// The last `max` bytes of `s` (fewer at its start), as bytes: the window before a term
/// that a byte search rules a check out in, before its characters are walked.
fn tail_bytes(s: &str, max: usize) -> &[u8] {
    &s.as_bytes()[s.len().saturating_sub(max)..]
}

/// The end of `before` back to the nearest character that is a `stop`, at most `max`
/// characters.
fn run_before(before: &str, max: usize, stop: impl Fn(char) -> bool) -> &str {
    let start = before
        .char_indices()
        .rev()
        .take(max)
        .take_while(|&(_, c)| !stop(c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    &before[start..]
}

/// The start of `after` up to the nearest character that is a `stop`, at most `max`
/// characters.
fn run_after(after: &str, max: usize, stop: impl Fn(char) -> bool) -> &str {
    // One walk: the `max`-th character, or the first stop before it, ends the run.
    for (n, (i, c)) in after.char_indices().enumerate() {
        if n == max || stop(c) {
            return &after[..i];
        }
    }
    after
}

/// True when a leading group's name (领导小组, 工作专班, 指挥部) follows within the same run of
/// up to twenty characters, with no punctuation mark and no verb between: the term is part
/// of its name. A verb makes the term the subject that sets the group up (各试点县要成立工作
/// 领导小组), not part of the name.
fn names_a_group_later(after: &str) -> bool {
    const GROUPS: [&str; 3] = ["领导小组", "指挥部", "工作专班"];
    const VERBS: [&str; 9] = [
        "成立", "设立", "组建", "建立", "要", "应", "由", "负责", "牵头",
    ];
    // Each group word holds 组, 部 or 班: without them in the 24 characters after the term
    // (96 bytes at most), there is no group to name.
    let window = head_bytes(after, 96);
    if !["组", "部", "班"]
        .iter()
        .any(|w| has_bytes(window, w.as_bytes()))
    {
        return false;
    }
    let run = run_after(after, 24, |c| {
        c.is_ascii_punctuation()
            || matches!(
                c,
                '，' | '。'
                    | '；'
                    | '、'
                    | '：'
                    | '！'
                    | '？'
                    | '（'
                    | '）'
                    | '《'
                    | '》'
                    | '“'
                    | '”'
            )
    });
    find_first(run, &GROUPS).is_some_and(|at| !VERBS.iter().any(|v| has(&run[..at], v)))
}

fn names_a_body_directly(after: &str) -> bool {
    const SUFFIXES: [&str; 14] = [
        "部门",
        "机构",
        "厅",
        "局",
        "委员会",
        "委",
        "办公室",
        "部",
        "管理局",
        "管理部门",
        "主管部门",
        "管理机构",
        "工作组",
        "领导小组",
    ];
    const NOT: [&str; 7] = ["局面", "局势", "局部", "委托", "部分", "部署", "部位"];
    starts_with_any(after, &SUFFIXES) && !starts_with_any(after, &NOT)
}

/// True when the text right after a Chinese term makes the term a modifier of a record, an
/// information system, an application form, a staff post or a voucher: the compound's head
/// is that noun, and the clause is about handling it, not about the instrument (社会保障数据
/// 由…负责, 资源共享申请, 宣传联络员, 协同办公平台, 公共数据开放目录; coding manual R16, R20).
/// A voucher (科技创新券) is a subsidy of its own, coded by its own terms (R26).
fn modifies_a_record(after: &str) -> bool {
    const HEADS: [&str; 13] = [
        "数据",
        "数据库",
        "系统",
        "目录",
        "申请",
        "登记表",
        "申报单",
        "申报表",
        "联络员",
        "信息员",
        "办公",
        "券",
        // the people who lead it (新型农业经营主体带头人)
        "带头人",
    ];
    // 数据 heads a compound unless it starts a word of its own kind (数据共享 is an act).
    const NOT: [&str; 4] = ["数据共享", "数据开放", "数据交易", "数据流通"];
    starts_with_any(after, &HEADS) && !starts_with_any(after, &NOT)
}

/// True when the text right after a Chinese term makes it the name of a field of
/// government work that the clause leads, assigns, inspects or rewards (对政务服务工作的领导,
/// 政务服务工作情况, 在宣传工作中表现突出, 做好政务服务相关工作): the clause is about the work's
/// organisation (coding manual R17, R18), and the term is the policy's subject, not an
/// instrument it commits to (R1). So is the field whose typical cases, experience or climate
/// a clause spreads (宣传农村电商发展的典型案例, 营造参与电子商务的良好氛围: R1, R12). Carrying
/// the work out (做好创业培训工作。, 将创业培训工作纳入…) is left to the term.
fn names_a_field_of_work(after: &str) -> bool {
    const AFTER: [&str; 31] = [
        "工作的",
        "工作情况",
        // the field whose state is reported, assessed or published (…资源共享情况评估报告)
        "情况",
        // the field put into an assessment or a plan (…资源共享工作纳入年度绩效考核)
        "工作纳入",
        // the field whose capacity is to grow (提升…资源共享管理能力)
        "管理能力",
        // the theme of a contest, which is the measure (数据开放应用创新大赛, R24)
        "应用创新大赛",
        "创新大赛",
        "大赛",
        // the building whose progress is reported or assessed (对示范县建设情况进行跟踪评估)
        "建设情况",
        "建设进展",
        "工作中",
        "工作领导",
        "工作协调",
        "相关工作",
        "有关工作",
        // the work whose costs are funded (…资源共享工作所需经费，列入部门年度预算)
        "工作所需",
        "工作经费",
        // the field whose cases, experience or climate are spread (R1, R12)
        "发展的典型",
        "的典型案例",
        "的先进经验",
        "的良好氛围",
        "的浓厚氛围",
        // the area within which a rule applies (城镇规划建设用地范围内的用户)
        "范围内",
        "范围以内",
        // the field whose ledger is kept (建立返乡入乡创业用地工作台账, R18)
        "工作台账",
        "台账",
        // the field assessed year by year (纳入政务服务工作年度考核) and what it needs
        // (“跨省通办”所需数据)
        "工作年度",
        "工作考核",
        "所需",
        // the work put on the agenda (把培育新型农业经营主体工作摆上重要议事日程, R13)
        "工作摆上",
        "工作列入",
    ];
    // A name in quotes is read past its closing quote (“跨省通办”工作纳入…).
    let after = after.strip_prefix(['”', '」', '"']).unwrap_or(after);
    starts_with_any(after, &AFTER)
}

/// True when the term names a field of study, a school's major (新增数控、电子商务等专业3个):
/// the school or its teaching is the measure (R32), not the field (R1). A professional
/// service or body (电子商务专业服务, 专业机构) is not a major.
fn names_a_field_of_study(after: &str) -> bool {
    let Some(rest) = after
        .strip_prefix("等专业")
        .or_else(|| after.strip_prefix("专业"))
    else {
        return false;
    };
    !starts_with_any(
        rest,
        &["服务", "机构", "化", "合作", "人员", "技术", "市场", "公司"],
    )
}

/// True when the term is an item of a list that names fields, not measures: the trades of
/// the talent to train or bring in (培养报关、物流、跨境电商等技能人才), the kinds of data to share
/// (推动医疗、社保、市场监管等数据按需共享) or the industries a piece of work is organised around
/// (围绕电子信息、跨境电商等主导产业开展招商), or the stages of a procedure where a measure acts
/// (在立项、规划、土地出让等环节形成合力). The training, the sharing or the investment drive
/// is the measure (R32, R19, R34); the fields are its subject (R1). A list of industries to
/// develop (发展乡村旅游、农村电商等产业) still codes (R10), as does a data or information service
/// or platform (政策咨询、创业指导等信息服务).
fn names_a_listed_field(before: &str, after: &str) -> bool {
    const TALENT: [&str; 8] = [
        "技能人才",
        "专业人才",
        "紧缺人才",
        "人才",
        "工种",
        "技术工人",
        // the subjects of a training (开展创业意识、创办企业和电商技能等培训)
        "技能培训",
        "培训",
    ];
    const INDUSTRY: [&str; 8] = [
        "主导产业",
        "重点产业",
        "优势产业",
        "特色产业",
        "新兴产业",
        "产业",
        "领域",
        "行业",
    ];
    // the stages of a procedure (在立项、规划、土地出让…等环节形成合力) or the matters it
    // handles (将企业登记、申领发票、员工参保登记等事项压缩至一个工作日内办结): where the measure acts
    const PROCEDURE: [&str; 2] = ["环节", "事项"];
    // the kinds of a service the organisations to cultivate offer (培育农机作业、统防统治、
    // 烘干仓储等专业化服务组织): the organisations are the measure
    const ORGS: [&str; 3] = ["专业化服务组织", "服务组织", "服务主体"];
    const AROUND: [&str; 4] = ["围绕", "聚焦", "瞄准", "针对"];
    // Most terms have no 等 in the 40 characters after them (120 bytes at most): ruled out
    // by a byte search before the characters are walked.
    if !has_bytes(head_bytes(after, 120), "等".as_bytes()) {
        return false;
    }
    // The rest of the list, up to 等: nothing, or further items joined by 、.
    let run = run_after(after, 40, clause_mark);
    let Some(at) = run.find('等') else {
        return false;
    };
    // The rest of the term's own item may follow it (电商 in 电商技能、…等培训), up to four
    // characters.
    if !is_list_rest(&run[..at], 4, 0..=10) {
        return false;
    }
    let field = &run[at + '等'.len_utf8()..];
    // 等数据, 等信息, and the same with a qualifier (等基础信息资源库, 等公共数据)
    let data = || {
        let field = ["基础", "公共", "政务", "相关"]
            .iter()
            .find_map(|q| field.strip_prefix(q))
            .unwrap_or(field);
        ["数据", "信息"]
            .iter()
            .find_map(|d| field.strip_prefix(d))
            .is_some_and(|r| {
                !starts_with_any(
                    r,
                    &[
                        "服务",
                        "平台",
                        "化",
                        "产品",
                        "基础设施",
                        "中心",
                        "技术",
                        "产业",
                        "经济",
                        "要素",
                        "系统",
                    ],
                )
            })
    };
    starts_with_any(field, &TALENT)
        || starts_with_any(field, &PROCEDURE)
        || starts_with_any(field, &ORGS)
        || data()
        || (starts_with_any(field, &INDUSTRY) && {
            let clause = run_before(before, 40, clause_mark);
            // the fields a rule excepts (除…的金融、新闻等领域外)
            let excepted = INDUSTRY
                .iter()
                .find_map(|i| field.strip_prefix(i))
                .is_some_and(|r| r.starts_with('外') || r.starts_with("以外"));
            excepted ||
            // 围绕 … anywhere before, or 在 right before the list (在公安、人力资源社会保障、
            // 市场监管等领域的共享应用: the fields where the measure applies)
            AROUND.iter().any(|a| has(clause, a))
                || clause.rfind('在').is_some_and(|at| {
                    clause[at + '在'.len_utf8()..]
                        .split('、')
                        .all(|i| i.chars().count() <= 10)
                })
        })
}

/// True when the term is what a measure is to support (推动…数据按需共享，支撑“一网通办”和跨省通办):
/// 支撑 as a verb states the purpose (R1, R37); the clause's own measure codes. A noun 支撑
/// (提供…技术支撑) stands after what it supports, or with 提供, and is left alone.
fn names_what_it_supports(before: &str) -> bool {
    // Most terms have no 支撑 in the 12 characters before them (36 bytes at most).
    if !has_bytes(
        &before.as_bytes()[before.len().saturating_sub(36)..],
        "支撑".as_bytes(),
    ) {
        return false;
    }
    let back = run_before(before, 12, clause_mark);
    has(back, "支撑") && !has(back, "提供")
}

/// True when the term describes who is supported, in a relative clause: what they do
/// (从事创新创业活动的创业团队, 从事电子商务的返乡人员) or who founded or leads what is
/// supported (高层次人才创办的企业, 大学生领办的合作社, 人才领衔的项目), or where they are
/// (入驻示范园区的返乡创业实体). It names the policy's
/// target group (R1), not an instrument it commits to. Encouraging the activity
/// (鼓励返乡人员从事电子商务。) is left to the term.
fn describes_who(before: &str, after: &str) -> bool {
    const ACTIVITY: [&str; 4] = ["活动", "业务", "工作", "经营"];
    const FOUNDED: [&str; 6] = ["创办的", "领办的", "创建的", "兴办的", "领衔的", "牵头的"];
    let does = || {
        let rest = ACTIVITY
            .iter()
            .find_map(|a| after.strip_prefix(a))
            .unwrap_or(after);
        before.ends_with("从事") && rest.starts_with('的')
    };
    // Where they are (入驻示范园区的企业, 进驻园区的团队) says who, not what is built (R31);
    // a condition (入驻创业园的，免收场地租金) makes the park where the measure applies.
    let sits_in = || {
        let rest = after.strip_prefix('内').unwrap_or(after);
        ["入驻", "进驻"].iter().any(|v| before.ends_with(v))
            && rest
                .strip_prefix('的')
                .and_then(|r| r.chars().next())
                .is_some_and(|c| !",.;:，。；：".contains(c))
    };
    // Whom a measure favours (推动信贷担保业务向新型农业经营主体倾斜): the tilt is the measure.
    let favoured = || before.ends_with('向') && after.starts_with("倾斜");
    starts_with_any(after, &FOUNDED) || does() || sits_in() || favoured()
}

/// True when the text right after a Chinese term makes it the object of its own
/// administration — budgeting, disbursing, supervising, assessing or reporting its use
/// (专项资金的预算安排, 资金的使用情况, 专项资金实行绩效评价): the clause manages the fund
/// (coding manual R26: disbursement steps are `none`; R18: assessing the use of public funds
/// is leadership), it does not grant it.
fn names_what_is_administered(after: &str) -> bool {
    const AFTER: [&str; 9] = [
        "预算安排",
        "使用情况",
        "管理和使用",
        "使用管理",
        "监督管理",
        "拨付",
        "绩效评价",
        "绩效考核",
        "实行绩效",
    ];
    let after = after.strip_prefix('的').unwrap_or(after);
    starts_with_any(after, &AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_field_is_read_from_the_list_and_its_frame() {
        // (text before the term, text after it)
        let field = |b: &str, a: &str| names_a_listed_field(b, a);
        // trades of talent: the term last in the list, or followed by more items
        assert!(field("培养报关、物流、", "等技能人才。"));
        assert!(field("培养报关、", "、跨境电商等技能人才。"));
        // industries a drive is organised around, not industries to develop (R10)
        assert!(field(
            "管理机构应当围绕电子信息、",
            "等主导产业，开展招商。"
        ));
        assert!(!field("发展乡村旅游、", "等产业。"));
        // 等 across a clause mark, or after a long run that is no list item, is no list
        assert!(!field("培养", "，加强物流等人才工作。"));
        assert!(!field(
            "围绕",
            "、加快建设一批高水平的创新平台和公共服务等领域"
        ));
        assert!(!field("推进", "发展。"));
        // kinds of data to share, not a data or information service
        assert!(field("推动医疗、", "、市场监管等数据按需共享"));
        assert!(!field("提供", "、创业指导等信息服务"));
        // the subjects of a training, the term's item going on after it
        assert!(field(
            "开展创业意识、创办企业和",
            "技能等培训，按规定给予培训补贴。"
        ));
        assert!(!field("开展", "技能提升行动，加强物流等培训"));
        // a qualified kind of data: base databases are internal IT, not their items (R20)
        assert!(field("建设人口、", "、社会信用等基础信息资源库"));
        assert!(!field("建设人口、", "、社会信用等基础设施"));
        // the stages of a procedure, the matters it handles
        assert!(field("在立项、规划、", "、设计审查等环节形成工作合力"));
        assert!(field(
            "将企业登记、公章刻制、申领发票、员工",
            "登记等事项压缩至一个工作日内办结"
        ));
        // the fields a measure applies in, after 在 right before the list
        assert!(field("推动政务数据在公安、", "、市场监管等领域的共享应用"));
        assert!(!field("在全市范围内加快推进政务服务标准化建设、", "等领域"));
        // the fields a rule excepts
        assert!(field("除国家另有规定的金融、", "等领域外，不要求办理许可"));
        assert!(!field("发展金融、", "等领域，外资企业"));
    }

    #[test]
    fn a_field_of_work_is_told_by_what_follows_it() {
        // the field whose state is reported, put into an assessment, or whose capacity grows
        assert!(names_a_field_of_work("情况评估报告"));
        assert!(names_a_field_of_work("工作纳入年度绩效考核"));
        assert!(names_a_field_of_work("管理能力"));
        assert!(names_a_field_of_work("工作台账，每季度报送"));
        assert!(names_a_field_of_work("应用创新大赛，对优秀成果给予奖励"));
        // the measure itself, followed by its object or its mechanism
        assert!(!names_a_field_of_work("机制，推动数据实时交换"));
        assert!(!names_a_field_of_work("纳入财政预算"));
    }

    #[test]
    fn what_a_measure_is_to_support_is_its_purpose() {
        assert!(names_what_it_supports("推动数据按需共享，支撑“"));
        assert!(names_what_it_supports("推动数据按需共享，支撑“一网通办”和"));
        // a clause mark ends the frame; a noun 支撑 goes with 提供
        assert!(!names_what_it_supports("支撑数据共享，"));
        assert!(!names_what_it_supports("为企业提供技术支撑和"));
    }

    #[test]
    fn clause_ends_found_by_lead_bytes_are_those_of_a_character_scan() {
        let t = "加强扶持。给予减税,优化服务；创建10个园区!\n（注：见附件）。Fees. Loans e.g. 5.5 m?x；\
                 ？！，、〃ｅ𠀀.\u{3000}.\u{a0}.\t;ok。.很长的中文句子没有标点符号很长的中文句子没有标点符号。x";
        for lang in [Lang::Zh, Lang::En] {
            let want: Vec<usize> = t
                .char_indices()
                .filter(|&(i, c)| match c {
                    '。' | '！' | '？' | '；' | ';' | '!' | '?' | '\n' => true,
                    '.' => {
                        lang == Lang::En
                            && t.as_bytes()
                                .get(i + 1)
                                .is_none_or(|b| b.is_ascii_whitespace())
                    }
                    _ => false,
                })
                .map(|(i, c)| i + c.len_utf8())
                .collect();
            assert_eq!(clause_ends(t, lang), want);
        }
    }

    const CB: &str = r#"
[[core]]
id = "env"
label = { en = "Environment" }
[[category]]
id = "tax"
core = "env"
label = { en = "Tax" }
[[category]]
id = "foreign"
core = "env"
label = { en = "Foreign" }
[[concept]]
id = "tax_cut"
category = "tax"
label = { en = "tax cut" }
zh = ["税收减免", "减税"]
en = ["tax", "tax credit", "=cooperatives"]
exclude = { en = ["tax evasion"], zh = ["逃税"] }
[[concept]]
id = "india"
category = "foreign"
label = { en = "India" }
zh = ["印度"]
regex = ['\d+%的税率']
"#;

    fn coder() -> &'static Coder {
        static C: std::sync::OnceLock<Coder> = std::sync::OnceLock::new();
        C.get_or_init(|| Coder::new(Codebook::parse(CB, "t.toml").unwrap()).unwrap())
    }

    fn cats(text: &str, lang: Lang) -> Vec<&'static str> {
        let c = coder();
        c.code_str(text, lang)
            .categories
            .iter()
            .map(|&k| c.codebook.categories[k].id.as_str())
            .collect()
    }

    #[test]
    fn terms_match_on_token_boundaries_only() {
        assert_eq!(cats("加强与印度的合作", Lang::Zh), ["foreign"]);
        assert!(cats("加强与印度尼西亚的合作", Lang::Zh).is_empty());
        assert_eq!(cats("A new tax credit applies.", Lang::En), ["tax"]);
        assert!(cats("A taxonomy of measures.", Lang::En).is_empty());
        assert_eq!(cats("Taxes are reduced.", Lang::En), ["tax"]);
    }

    #[test]
    fn runs_stop_at_clause_marks_and_at_their_length() {
        assert_eq!(
            run_before("前文，以制度创新", 24, clause_mark),
            "以制度创新"
        );
        assert_eq!(run_before("abcdef", 3, clause_mark), "def");
        assert_eq!(run_before("ab,", 3, clause_mark), "");
        assert_eq!(run_after("为核心，以", 24, clause_mark), "为核心");
        assert_eq!(run_after("abcdef", 3, clause_mark), "abc");
        assert_eq!(run_after("", 3, clause_mark), "");
        assert!(has("负责示范", "负责") && has("x负责", "负责") && !has("负", "负责"));
        assert!(!has("abc", "") && has("abc", "c"));
        // The two-walk reading the one walk replaced: the first stop among the first `max`
        // characters, else the `max`-th character, else the end.
        fn two_walks(after: &str, max: usize) -> &str {
            let end = after
                .char_indices()
                .take(max)
                .find(|&(_, c)| clause_mark(c))
                .map_or_else(
                    || {
                        after
                            .char_indices()
                            .nth(max)
                            .map_or(after.len(), |(i, _)| i)
                    },
                    |(i, _)| i,
                );
            &after[..end]
        }
        for after in [
            "",
            "补贴",
            "补贴，贷款",
            "补贴资金用于创业。",
            "a,b",
            "𠀀𠀁，x",
        ] {
            for max in 0..8 {
                assert_eq!(run_after(after, max, clause_mark), two_walks(after, max));
            }
        }
        assert_eq!(tail_bytes("创业补贴", 6), "补贴".as_bytes());
        assert_eq!(tail_bytes("补贴", 60), "补贴".as_bytes());
    }

    #[test]
    fn principle_frames_and_bodies_charges_are_told_by_their_words() {
        assert!(frames_a_principle("坚持以", "为核心，加快发展"));
        assert!(frames_a_principle(
            "以制度创新为核心，以可复制",
            "可推广为基本要求"
        ));
        // 可以, 予以 and 以及 open no frame; a clause mark ends it.
        assert!(!frames_a_principle("企业可以", "为核心"));
        assert!(!frames_a_principle("以及", "为核心"));
        assert!(!frames_a_principle("以", "，为核心"));
        assert!(names_a_bodys_charge("市人社局负责", "的认定和管理工作"));
        assert!(names_a_bodys_charge("县政府负责本地", "培训工作"));
        // the charge's own verb, and a term after the clause ends
        assert!(!names_a_bodys_charge(
            "县政府负责",
            "本行政区域内创业培训工作"
        ));
        assert!(!names_a_bodys_charge("局负责审核，", "培训工作"));
    }

    #[test]
    fn evidence_spans_cover_the_matched_term() {
        let c = coder();
        let text = "落实税收减免政策";
        let codes = c.code_str(text, Lang::Zh);
        assert_eq!(codes.hits.len(), 1);
        assert_eq!(&text[codes.hits[0].start..codes.hits[0].end], "税收减免");
    }

    #[test]
    fn exclude_terms_veto_their_concept_in_the_hits_clause_only() {
        assert!(cats("Tax evasion by the tax office is punished.", Lang::En).is_empty());
        // the veto stands in another sentence: the hit counts
        assert_eq!(
            cats(
                "Tax evasion will be punished. The tax credit applies.",
                Lang::En
            ),
            ["tax"]
        );
        assert_eq!(cats("严厉打击逃税行为。落实减税政策", Lang::Zh), ["tax"]);
    }

    #[test]
    fn exact_english_terms_are_not_stemmed() {
        assert_eq!(cats("Farmer cooperatives", Lang::En), ["tax"]);
        assert!(cats("Regions cooperate", Lang::En).is_empty());
    }

    const CONTEXT_CB: &str = r#"
[[core]]
id = "c"
label = { en = "C" }
[[category]]
id = "parks"
core = "c"
label = { en = "Parks" }
[[category]]
id = "coop"
core = "c"
label = { en = "Cooperation" }
[[category]]
id = "fees"
core = "c"
label = { en = "Fees" }
[[concept]]
id = "built_park"
category = "parks"
label = { en = "Built park" }
zh = ["园区"]
en = ["park"]
near = { zh = ["建设"], en = ["build"], within = 3 }
[[concept]]
id = "coop_gov"
category = "coop"
label = { en = "Cooperation among governments" }
zh = ["协同"]
en = ["cooperate"]
clause = { zh = ["部门"], en = ["ministries"] }
[[concept]]
id = "fee_cut"
category = "fees"
label = { en = "Fee cut" }
zh = ["降费"]
en = ["fees"]
not_near = { zh = ["允许"], en = ["permit"], within = 2 }
[[category]]
id = "hubs"
core = "c"
label = { en = "Hubs" }
[[concept]]
id = "built_hub"
category = "hubs"
label = { en = "Built hub" }
zh = ["基地"]
en = ["hub"]
near = { zh = ["建设"], en = ["build"], before = 3, after = 1 }
[[category]]
id = "centres"
core = "c"
label = { en = "Centres" }
[[concept]]
id = "built_centre"
category = "centres"
label = { en = "Built centre" }
zh = ["中心"]
en = ["centre"]
near = { zh = ["建设"], en = ["build"], before = 3 }
"#;

    fn context_cats(text: &str, lang: Lang) -> Vec<String> {
        static C: std::sync::OnceLock<Coder> = std::sync::OnceLock::new();
        let c =
            C.get_or_init(|| Coder::new(Codebook::parse(CONTEXT_CB, "c.toml").unwrap()).unwrap());
        c.code_str(text, lang)
            .categories
            .iter()
            .map(|&k| c.codebook.categories[k].id.clone())
            .collect()
    }

    #[test]
    fn near_rules_need_a_context_term_within_the_window() {
        assert_eq!(context_cats("加快建设园区", Lang::Zh), ["parks"]);
        assert!(context_cats("在园区开展培训", Lang::Zh).is_empty());
        // too far: more than three tokens between them
        assert!(context_cats("建设工作要抓紧推进落实到每个企业和园区", Lang::Zh).is_empty());
        assert_eq!(context_cats("They will build a park.", Lang::En), ["parks"]);
        assert!(context_cats("The park opens on Monday.", Lang::En).is_empty());
    }

    #[test]
    fn near_rules_look_only_as_far_as_each_side_allows() {
        // before = 3, after = 1: built ahead of the hub, or the hub's 建设 right after it
        assert_eq!(context_cats("加快建设基地", Lang::Zh), ["hubs"]);
        assert_eq!(context_cats("推进基地建设", Lang::Zh), ["hubs"]);
        // a hub named as the place where something else is built
        assert!(context_cats("支持基地结合特色建设平台", Lang::Zh).is_empty());
        assert_eq!(context_cats("They build a hub.", Lang::En), ["hubs"]);
        assert!(context_cats("The hub will then build roads.", Lang::En).is_empty());
        // only `before`: a term after the hit never counts (WordStat's BEFORE)
        assert_eq!(context_cats("建设中心", Lang::Zh), ["centres"]);
        assert!(context_cats("中心建设", Lang::Zh).is_empty());
    }

    #[test]
    fn clause_rules_need_a_context_term_in_the_same_sentence() {
        assert_eq!(context_cats("加强部门协同", Lang::Zh), ["coop"]);
        assert!(context_cats("推动产业链协同。各部门要落实", Lang::Zh).is_empty());
        assert_eq!(
            context_cats("Ministries cooperate on data.", Lang::En),
            ["coop"]
        );
        assert!(context_cats("Firms cooperate. Ministries watch.", Lang::En).is_empty());
    }

    #[test]
    fn a_context_term_counts_where_it_starts() {
        let text = "推进基地建设工作".as_bytes();
        let term = Finder::new("建设".as_bytes());
        let at = "推进基地".len();
        // starting inside the range, ending past it
        assert!(starts_within(&term, text, 0, at + 1));
        assert!(starts_within(&term, text, at, at + 3));
        // starting at or after its end, or before its start
        assert!(!starts_within(&term, text, 0, at));
        assert!(!starts_within(&term, text, at + 1, text.len()));
        assert!(!starts_within(&term, text, at, at));
        // a range reaching past the text
        assert!(starts_within(&term, text, at, text.len() + 10));
    }

    #[test]
    fn not_near_rules_remove_hits_close_to_a_term() {
        assert_eq!(context_cats("实施降费政策", Lang::Zh), ["fees"]);
        assert!(context_cats("允许降费", Lang::Zh).is_empty());
        assert_eq!(
            context_cats("Member States shall cut fees.", Lang::En),
            ["fees"]
        );
        assert!(context_cats("Member States may permit fees.", Lang::En).is_empty());
    }

    #[test]
    fn department_names_and_responsibility_notes_code_nothing() {
        assert!(cats("由省减税部门负责", Lang::Zh).is_empty());
        assert_eq!(cats("落实减税政策", Lang::Zh), ["tax"]);
        assert!(cats("落实政策(省减税局牵头,省印度办配合)", Lang::Zh).is_empty());
        assert!(cats("落实政策(市减税局、减税公司按职责分工负责)", Lang::Zh).is_empty());
        // The items of a list of trades that 公司 closes name firms.
        assert!(cats("由印度、减税公司承担投资", Lang::Zh).is_empty());
        assert_eq!(cats("由公司承担减税", Lang::Zh), ["tax"]);
    }

    #[test]
    fn a_term_modifying_a_record_or_a_post_codes_nothing() {
        assert!(cats("减税数据由税务部门负责", Lang::Zh).is_empty());
        assert!(cats("填写减税申报表", Lang::Zh).is_empty());
        assert!(cats("保持减税联络员队伍稳定", Lang::Zh).is_empty());
        // Data sharing is an act, not a record.
        assert_eq!(cats("推进减税数据共享", Lang::Zh), ["tax"]);
        assert_eq!(cats("落实减税政策", Lang::Zh), ["tax"]);
    }

    #[test]
    fn the_areas_of_equal_treatment_code_nothing() {
        let equal = "在政府资金安排、减税、资质许可等方面，应当依法平等对待外商投资企业和内资企业";
        assert!(cats(equal, Lang::Zh).is_empty());
        // Support given in the areas a list names is coded as ever.
        assert_eq!(cats("在用地、减税等方面给予支持", Lang::Zh), ["tax"]);
        assert_eq!(
            cats("在减税方面，平等对待；落实减税政策", Lang::Zh),
            ["tax"]
        );
    }

    #[test]
    fn the_matters_a_one_stop_service_joins_code_nothing() {
        assert!(cats("推行减税申报、印章刻制一网通办", Lang::Zh).is_empty());
        assert!(cats("推行印章刻制、减税申报一日办结", Lang::Zh).is_empty());
        // Not a list: the service is for the measure itself.
        assert_eq!(cats("落实减税一网通办", Lang::Zh), ["tax"]);
        // Heeded work is the field, the work done is the measure.
        assert!(cats("各部门要高度重视减税工作", Lang::Zh).is_empty());
        assert_eq!(cats("各部门要做好减税工作", Lang::Zh), ["tax"]);
    }

    #[test]
    fn whom_a_measure_favours_and_who_leads_it_code_nothing() {
        assert!(cats("推动信贷业务向减税倾斜", Lang::Zh).is_empty());
        assert!(cats("将减税带头人纳入培育计划", Lang::Zh).is_empty());
        assert_eq!(cats("推动减税", Lang::Zh), ["tax"]);
    }

    #[test]
    fn what_a_clause_publicises_is_mentioned_in_passing() {
        assert!(cats("宣传“减税”服务方式", Lang::Zh).is_empty());
        assert!(cats("解读减税政策", Lang::Zh).is_empty());
        assert_eq!(cats("宣传并落实减税政策", Lang::Zh), ["tax"]);
    }

    #[test]
    fn chinese_excludes_veto_as_substrings() {
        assert!(cats("严厉打击偷逃税行为，落实减税", Lang::Zh).is_empty());
    }

    #[test]
    fn regex_patterns_code_too() {
        assert_eq!(cats("适用15%的税率", Lang::Zh), ["foreign"]);
    }

    #[test]
    fn regexes_run_over_many_texts_find_what_each_text_alone_finds() {
        let coder = Coder::new(Codebook::default_codebook()).unwrap();
        let sentences = [
            "对符合条件的返乡创业人员给予一次性创业补贴5000元。",
            "为企业和群众提供政策咨询、融资对接等便利服务。",
            "由市人力资源社会保障局负责本办法的组织实施。",
            "及时总结并推广典型经验和案例。",
            "本办法自发布之日起施行。",
            "每年遴选一批示范项目加以推广。",
        ];
        let texts: Vec<&str> = sentences.iter().cycle().take(600).copied().collect();
        // Each text alone, the regexes in their order: what `code` finds.
        let mut could = Vec::new();
        let alone: Vec<Vec<Hit>> = texts
            .iter()
            .map(|t| {
                let mut hits = Vec::new();
                for k in coder.regex_gate.candidate_ids(t, &mut could) {
                    coder.push_regex_hits(k, t, &mut hits);
                }
                hits
            })
            .collect();
        assert!(alone.iter().filter(|h| !h.is_empty()).count() > 64);
        // Two documents' runs, numbered across both as the pipeline does, on one thread
        // and on two.
        let (a, b) = texts.split_at(250);
        let mut runs = coder.regex_runs(a);
        runs.extend(coder.regex_runs(b).into_iter().map(|r| RegexRun {
            regex: r.regex,
            text: r.text + 250,
        }));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let found = pool.install(|| coder.run_regexes(&texts, runs.clone()));
            assert_eq!(found, alone, "{threads} threads");
        }
        let mut buf = TokenStream::default();
        let t = texts[0];
        assert_eq!(
            coder
                .code_with_regex_hits(t, Lang::Zh, &mut buf, &alone[0])
                .categories,
            coder.code(t, Lang::Zh, &mut buf).categories
        );
    }

    #[test]
    fn a_category_counts_once_per_unit() {
        let codes = coder().code_str("减税，再减税，税收减免", Lang::Zh);
        assert_eq!(codes.categories.len(), 1);
        assert_eq!(codes.hits.len(), 3);
    }
}
