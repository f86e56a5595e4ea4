//! Section roles: what a passage of a policy document is for.
//!
//! A careful coder codes what a clause does, and most passages of a real document do not
//! commit the government to an instrument: preambles and recitals, guiding thoughts,
//! principles, goals, purpose articles, definitions and scope, procedures, liability lists
//! and final provisions (coding manual R1, R15, R16, R38–R40). A unit's role comes from
//! the headings it sits under (一、总体要求 > （二）基本原则) and from its own form (第一条
//! 为…制定本办法); only units in the role [`Role::Measure`] are coded as instruments, except
//! quantified commitments to create an instrument inside goals (R2), see
//! [`is_commitment`].
//!
//! The patterns come from a table: the built-in one (`data/roles.toml`) and a codebook's
//! own `[[role]]` tables, checked first.

use crate::codebook::roles::{default_specs, Role, RoleSpec};
use crate::segment::{Kind, Segment};
use crate::util::lang::Lang;
use crate::util::literal_gate::{LiteralGate, OneChar};
use regex::Regex;
use std::sync::OnceLock;

/// The patterns of one kind and language, with the role of every pattern, and the
/// literals their matches contain ([`LiteralGate`]).
///
/// Each pattern is its own regex, compiled when first needed and run only on the strings
/// that hold its literals. One set of all the patterns (a `RegexSet`) had one large lazy
/// DFA that the other stages pushed out of the CPU caches between units (20 MB bench
/// corpus, one thread: the role gate 93–109 ms with the set, 68–70 ms with the patterns
/// alone; compiling the sets took 260 M instructions at the first units).
#[derive(Debug)]
struct RuleSet {
    patterns: Vec<String>,
    roles: Vec<Role>,
    /// The index of the [`RoleSpec`] (the `[[role]]` table) each pattern comes from.
    specs: Vec<usize>,
    /// A string without the literals some pattern needs matches no pattern of the set:
    /// one pass over its characters rules out most strings for less than the patterns'
    /// own searches.
    literals: Option<LiteralGate>,
    /// Each pattern compiled, by index, once needed.
    each: Vec<OnceLock<Option<Regex>>>,
    /// All the patterns in one set, once needed: the own-text rules, which have no
    /// literal gate, are searched this way (one anchored search in place of one per
    /// pattern).
    set: OnceLock<Option<regex::RegexSet>>,
}

impl RuleSet {
    /// Pattern `k` compiled (`None` if it does not compile: every pattern was validated
    /// when its table was read).
    fn regex(&self, k: usize) -> Option<&Regex> {
        let p = self.patterns.get(k)?;
        self.each
            .get(k)?
            .get_or_init(|| Regex::new(p).ok())
            .as_ref()
    }

    /// The indexes of the patterns that may match `s`, in table order; `scratch` is reused
    /// space for the literal gate (no list is collected per string).
    fn candidates<'a>(
        &'a self,
        s: &str,
        scratch: &'a mut Vec<bool>,
    ) -> impl Iterator<Item = usize> + 'a {
        let gated = self.literals.as_ref().map(|g| g.candidate_ids(s, scratch));
        let all = gated.is_none().then_some(0..self.patterns.len());
        gated.into_iter().flatten().chain(all.into_iter().flatten())
    }
}

/// Patterns of one kind (heading, text or clause) per language, with the role of every
/// pattern: the first rule that matches a string gives its role.
#[derive(Debug, Default)]
struct Rules {
    zh: Option<RuleSet>,
    en: Option<RuleSet>,
}

impl Rules {
    fn build(specs: &[RoleSpec], pick: impl Fn(&RoleSpec) -> &(Vec<String>, Vec<String>)) -> Rules {
        let set = |lang: usize| {
            let (patterns, owners): (Vec<String>, Vec<(Role, usize)>) = specs
                .iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    let p = pick(s);
                    let list = if lang == 0 { &p.0 } else { &p.1 };
                    list.iter().map(move |x| (x.clone(), (s.role, i)))
                })
                .unzip();
            let (roles, specs): (Vec<Role>, Vec<usize>) = owners.into_iter().unzip();
            (!patterns.is_empty()).then(|| RuleSet {
                literals: Some(LiteralGate::new(&patterns, OneChar::Keep)),
                each: patterns.iter().map(|_| OnceLock::new()).collect(),
                set: OnceLock::new(),
                patterns,
                roles,
                specs,
            })
        };
        Rules {
            zh: set(0),
            en: set(1),
        }
    }

    fn without_literals(mut self) -> Rules {
        for r in [&mut self.zh, &mut self.en].into_iter().flatten() {
            r.literals = None;
        }
        self
    }

    fn get(&self, lang: Lang) -> Option<&RuleSet> {
        match lang {
            Lang::Zh => self.zh.as_ref(),
            Lang::En => self.en.as_ref(),
        }
    }

    /// The role of the first pattern (in table order) that matches `s`.
    fn first(&self, lang: Lang, s: &str) -> Option<Role> {
        let rules = self.get(lang)?;
        if rules.literals.is_none() {
            let set = rules
                .set
                .get_or_init(|| regex::RegexSet::new(&rules.patterns).ok())
                .as_ref()?;
            // Most units match no rule: `is_match` may stop at the first match and needs
            // no overlapping states, where `matches` searches for every pattern (20 MB bench
            // corpus, one thread: 348 M against 127 M instructions).
            if !set.is_match(s) {
                return None;
            }
            return set.matches(s).iter().next().map(|k| rules.roles[k]);
        }
        rules
            .candidates(s, &mut Vec::new())
            .find(|&k| rules.regex(k).is_some_and(|re| re.is_match(s)))
            .map(|k| rules.roles[k])
    }

    /// False when no pattern can match `s` or any part of it (no rules for `lang`, or
    /// `s` lacks a literal every pattern needs, see [`LiteralGate`]).
    fn may_match_within(&self, lang: Lang, s: &str) -> bool {
        self.get(lang)
            .is_some_and(|r| r.literals.as_ref().is_none_or(|l| l.may_match(s)))
    }
}

/// A clause rule that matched: its role and the `[[role]]` table it comes from (whose
/// `keep` list applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClauseRule {
    /// The role of the rule's table.
    pub role: Role,
    /// The table's index among the rules checked (the codebook's first, then the built-in).
    pub table: usize,
}

/// Role rules compiled once: heading rules, own-text rules and clause rules, per language.
#[derive(Debug)]
pub struct RoleTable {
    heading: Rules,
    text: Rules,
    clause: Rules,
    lead_in: Rules,
    /// Per `[[role]]` table (in the order the rules are checked): the category ids whose
    /// matches its clause rules leave coded (an assessment clause keeps the assessing,
    /// R18). Each table keeps its own: two tables of one role may keep different ones.
    keep: Vec<Vec<String>>,
}

impl RoleTable {
    /// Compiles `specs` (checked first) followed by the built-in rules when `defaults`.
    pub fn new(specs: &[RoleSpec], defaults: bool) -> RoleTable {
        let mut all: Vec<RoleSpec> = specs.to_vec();
        if defaults {
            all.extend(default_specs());
        }
        RoleTable {
            heading: Rules::build(&all, |s| &s.heading),
            // Own-text patterns are anchored at the start and their search ends within
            // the first sentence: a look for literals through the whole unit costs more.
            text: Rules::build(&all, |s| &s.text).without_literals(),
            clause: Rules::build(&all, |s| &s.clause),
            lead_in: Rules::build(&all, |s| &s.lead_in),
            keep: all.iter().map(|s| s.keep.clone()).collect(),
        }
    }

    /// True when the clause rules of the `[[role]]` table of `rule` (as
    /// [`RoleTable::withholding_spans`] gives it) leave matches of `category` coded.
    pub fn keeps(&self, rule: ClauseRule, category: &str) -> bool {
        self.keep
            .get(rule.table)
            .is_some_and(|k| k.iter().any(|c| c == category))
    }

    /// The role a heading line gives the units under it, if any.
    pub fn heading_role(&self, lang: Lang, heading: &str) -> Option<Role> {
        self.heading.first(lang, &heading_key(heading, lang))
    }

    /// The role a unit's own form gives it (a purpose article, a definition), if any.
    pub fn text_role(&self, lang: Lang, text: &str) -> Option<Role> {
        self.text.first(lang, strip_numbering(text.trim()))
    }

    /// The role of one unit given its trimmed text `t`, `t` without its numbering, and the
    /// role its headings give it.
    fn unit_role(
        &self,
        lang: Lang,
        (t, body): (&str, &str),
        heading: Option<Role>,
        preamble: bool,
    ) -> Role {
        self.text
            .first(lang, body)
            .or(heading)
            .or_else(|| is_label(lang, t.len(), body).then_some(Role::Label))
            .unwrap_or(if preamble {
                Role::Preamble
            } else {
                Role::Measure
            })
    }

    /// The role a clause (sentence) gives the matches in it, if any: a deadline, a
    /// procedure or a ban inside a measure article.
    pub fn clause_role(&self, lang: Lang, clause: &str) -> Option<Role> {
        self.clause.first(lang, clause)
    }

    /// What the clause rules say of `sentence`: `None` when no rule matches it or the
    /// first that does keeps its matches coded (role `measure`); else the byte ranges of
    /// `sentence` matched by the rules whose role codes no instrument (a deadline, a
    /// procedure, a ban), each with its rule: the part of the sentence they speak of.
    pub fn withholding_spans(
        &self,
        lang: Lang,
        sentence: &str,
    ) -> Option<Vec<(std::ops::Range<usize>, ClauseRule)>> {
        let rules = self.clause.get(lang)?;
        // The rules whose literals the sentence holds, in table order: the first that
        // matches decides (a rule of role `measure` keeps the matches coded), and the
        // others that withhold add their spans.
        let mut spans: Vec<(std::ops::Range<usize>, ClauseRule)> = Vec::new();
        for k in rules.candidates(sentence, &mut Vec::new()) {
            let Some(re) = rules.regex(k) else {
                continue;
            };
            if rules.roles[k].codes_instruments() {
                if spans.is_empty() && re.is_match(sentence) {
                    return None;
                }
                continue;
            }
            let rule = ClauseRule {
                role: rules.roles[k],
                table: rules.specs[k],
            };
            spans.extend(re.find_iter(sentence).map(|m| (m.range(), rule)));
        }
        (!spans.is_empty()).then_some(spans)
    }

    /// False when [`RoleTable::clause_role`] is `None` for every part of `text` (no clause
    /// rule's literals occur in it), found without splitting `text` into sentences.
    pub fn clause_may_match(&self, lang: Lang, text: &str) -> bool {
        self.clause.may_match_within(lang, text)
    }

    /// The role of a unit: its own `text` (normalised), the `headings` it sits under
    /// (outermost first, as [`crate::segment::heading_path`] gives them), and whether it
    /// stands in the document's preamble.
    pub fn assign(&self, lang: Lang, text: &str, headings: &[&str], preamble: bool) -> Role {
        let t = text.trim();
        let body = strip_numbering(t);
        let heading = inline_title(t, body)
            .into_iter()
            .chain(headings.iter().rev().copied())
            .find_map(|h| self.heading_role(lang, h));
        self.unit_role(lang, (t, body), heading, preamble)
    }

    /// The roles of all units of a document, as [`RoleTable::assign`] gives them, with
    /// each heading judged once for all the units under it.
    pub fn assign_all(&self, lang: Lang, text: &str, segments: &[Segment]) -> Vec<Role> {
        // Per unit: the role its headings give the units under it (its own heading first).
        let mut inherited: Vec<Option<Role>> = Vec::with_capacity(segments.len());
        let mut roles = Vec::with_capacity(segments.len());
        // Inside an attached form (附件1：…登记表), up to the next attachment marker.
        let mut in_form = false;
        // An attachment is a text of its own: its units take no role from the headings of
        // the body (or of an earlier attachment) above its marker.
        let mut attachment_start = 0usize;
        // The list a lead-in opened (…information on:): the items' role, the lead-in's own
        // marker kind and, once seen, the items' marker kind.
        let mut list: Option<(Role, Option<Marker>, Option<Marker>)> = None;
        for (i, seg) in segments.iter().enumerate() {
            let t = text[seg.start..seg.end].trim();
            if seg.kind == Kind::Attachment {
                let next = segments.get(i + 1).map(|n| text[n.start..n.end].trim());
                in_form = attachment_title(t, next)
                    .is_some_and(|title| self.heading_role(lang, title) == Some(Role::Form));
                attachment_start = i;
            }
            if in_form {
                inherited.push(Some(Role::Form));
                roles.push(Role::Form);
                list = None;
                continue;
            }
            let body = strip_numbering(t);
            let from_parent = seg
                .parent
                .filter(|&p| p as usize >= attachment_start)
                .and_then(|p| inherited.get(p as usize).copied().flatten());
            let own = if seg.kind == Kind::Heading {
                self.heading_role(lang, t)
            } else {
                inline_title(t, body).and_then(|h| self.heading_role(lang, h))
            };
            let heading = own.or(from_parent);
            inherited.push(heading);
            let mut role = self.unit_role(lang, (t, body), heading, seg.preamble);
            // An item of the list a lead-in opened: numbered in one kind, another than the
            // lead-in's own; a unit numbered otherwise, or not at all, closes the list.
            if let Some((item_role, lead, items)) = list {
                match marker(t, items) {
                    Some(k) if Some(k) != lead && items.is_none_or(|m| m == k) => {
                        role = item_role;
                        list = Some((item_role, lead, Some(k)));
                    }
                    _ => list = None,
                }
            }
            if list.is_none()
                && matches!(role, Role::Measure | Role::Label)
                && matches!(seg.kind, Kind::Body | Kind::Heading)
                && t.ends_with([':', '：'])
            {
                list = self
                    .lead_in
                    .first(lang, body)
                    .map(|r| (r, marker(t, None), None));
            }
            roles.push(role);
        }
        roles
    }
}

/// The kind of number a list item starts with, to tell the items under a lead-in (its
/// (i), (ii) … under (a)) from the lead-in's siblings ((b)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// (a), (b) …
    Letter,
    /// (i), (ii), (iv) …
    Roman,
    /// (1), (2) …
    ParenDigit,
    /// 1. 2、 …
    Digit,
    /// (一), (二) …
    ParenNumeral,
    /// 一、 二、 …
    Numeral,
    /// ① ② …
    Circled,
}

/// The marker kind `t` starts with, if any. A single i, v or x is a letter inside a list
/// of letters ((h), (i)) and a Roman numeral otherwise.
fn marker(t: &str, list: Option<Marker>) -> Option<Marker> {
    let first = t.chars().next()?;
    if first == '(' {
        let inner = &t[1..t.find(')')?];
        let all = |f: fn(char) -> bool| !inner.is_empty() && inner.chars().all(f);
        return if all(|c| matches!(c, 'i' | 'v' | 'x')) {
            Some(if inner.len() == 1 && list == Some(Marker::Letter) {
                Marker::Letter
            } else {
                Marker::Roman
            })
        } else if inner.len() == 1 && all(|c| c.is_ascii_lowercase()) {
            Some(Marker::Letter)
        } else if all(|c| c.is_ascii_digit()) {
            Some(Marker::ParenDigit)
        } else if all(|c| ZH_ITEM_NUMERALS.contains(c)) {
            Some(Marker::ParenNumeral)
        } else {
            None
        };
    }
    if ('①'..='⑳').contains(&first) {
        return Some(Marker::Circled);
    }
    let lead: &str = t.trim_start_matches(|c: char| c.is_ascii_digit());
    if lead.len() < t.len() && lead.starts_with(['.', '、', '．']) {
        return Some(Marker::Digit);
    }
    let lead = t.trim_start_matches(|c: char| ZH_ITEM_NUMERALS.contains(c));
    (lead.len() < t.len() && lead.starts_with('、')).then_some(Marker::Numeral)
}

/// The title of the attachment an attachment marker opens: the text after 附件N： (the
/// first item of a listing such as 附件：1.…登记表), or else the next unit's text (附件2：
/// on its own line, the title below it).
fn attachment_title<'t>(marker: &'t str, next: Option<&'t str>) -> Option<&'t str> {
    let rest = marker
        .trim_start_matches("附件")
        .trim_start_matches('附')
        .trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace())
        .trim_start_matches([':', '：'])
        .trim();
    let rest = strip_numbering(rest).trim();
    if !rest.is_empty() && rest != marker {
        Some(rest)
    } else {
        next.filter(|n| !n.is_empty())
    }
}

/// Verbs that make a short line a measure (建设智能工厂。) rather than a label (智能化制造。).
const MEASURE_VERBS: &[&str] = &[
    "建设", "建立", "建成", "推动", "推进", "推广", "支持", "鼓励", "培育", "加快", "加强", "加大",
    "实施", "开展", "完善", "打造", "提升", "促进", "落实", "设立", "引导", "深化", "强化", "优化",
    "组织", "提供", "构建", "扩大", "创建", "发展", "健全", "给予", "降低", "减免", "简化", "放宽",
    "实行", "举办", "引进", "培训", "发布", "开放", "保障", "规范", "推行", "争创", "搭建", "做好",
    // Verbs seldom used as a modifier in a label (扶持措施, 资助标准, 开发区 are labels):
    "发放", "增加", "提高", "制定", "出台", "新建", "免征", "减征", "延长", "取消", "下放", "推出",
    "开通", "配备", "吸引", "畅通", "拓宽", "改善", "改进", "壮大", "兑现", "筹集", "免除", "免收",
    "开辟", "用于", "履行", "承担", "负责",
];

/// A short Chinese line without a clause mark or a verb of action: a label heading such
/// as 智能化制造。 or 补助方向：, which names no measure (R36).
fn is_label(lang: Lang, len: usize, body: &str) -> bool {
    // Twelve characters are at most 48 bytes (and the numbering a few more): longer units
    // are no labels, without counting their characters.
    if lang != Lang::Zh || len > 96 {
        return false;
    }
    let body = body.trim_end_matches(['。', ':', '：', '.']).trim();
    let n = body.chars().count();
    // A table row is content, not a label: 创业担保贷款贴息<TAB>全额.
    (1..=12).contains(&n)
        && !body.contains([',', '，', ';', '；', '。', '、'])
        && !super::is_table_row(body)
        && !has_measure_verb(body)
}

/// Whether one of [`MEASURE_VERBS`] occurs in `s`: a match of UTF-8 text starts at a
/// character, so only the characters that begin a verb are tried (a `contains` per verb
/// cost several times more on these short lines).
fn has_measure_verb(s: &str) -> bool {
    static FIRSTS: OnceLock<Vec<char>> = OnceLock::new();
    let firsts = FIRSTS.get_or_init(|| {
        let mut f: Vec<char> = MEASURE_VERBS
            .iter()
            .filter_map(|v| v.chars().next())
            .collect();
        f.sort_unstable();
        f.dedup();
        f
    });
    s.char_indices().any(|(i, c)| {
        firsts.binary_search(&c).is_ok() && MEASURE_VERBS.iter().any(|v| s[i..].starts_with(v))
    })
}

/// The inline title of a numbered item ("（二）基本原则。坚持…" → "基本原则"), when short.
fn inline_title<'t>(t: &'t str, body: &'t str) -> Option<&'t str> {
    (body.len() < t.len())
        .then(|| crate::segment::short_heading_title(body, 20))
        .flatten()
}

/// A heading as the patterns see it: numbering removed; Chinese without spaces
/// (第一章　总　则 → 总则), English with single spaces.
fn heading_key(h: &str, lang: Lang) -> std::borrow::Cow<'_, str> {
    let h = strip_numbering(h.trim());
    let h = h.trim_end_matches(['。', '.', ':', '：', ';', '；']);
    match lang {
        // Most Chinese headings hold no space: nothing to copy.
        Lang::Zh if !h.contains(char::is_whitespace) => h.into(),
        Lang::Zh => h
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .into(),
        Lang::En => h.split_whitespace().collect::<Vec<_>>().join(" ").into(),
    }
}

/// `s` without a leading outline marker (第三条, 一、, （二）, 1., ①, Article 5, (a)) and the
/// white space after it. A hand-written scan: it runs for every unit, where a regex search
/// cost several times more (the test keeps the regex as the oracle).
pub fn strip_numbering(s: &str) -> &str {
    match marker_len(s) {
        Some(n) => s[n..].trim_start(),
        None => s,
    }
}

const ZH_NUMERALS: &str = "一二三四五六七八九十百零〇两";

/// The numerals of item markers (（一）, 二、): the ones an outline counts with.
const ZH_ITEM_NUMERALS: &str = "一二三四五六七八九十";

/// Bytes of the outline marker at the start of `s`, if any.
fn marker_len(s: &str) -> Option<usize> {
    let mut it = s.char_indices().peekable();
    let (_, first) = *it.peek()?;
    // Skips characters while `f` holds, at most `max`; returns how many.
    let take = |it: &mut std::iter::Peekable<std::str::CharIndices>,
                max: usize,
                f: &dyn Fn(char) -> bool| {
        let mut n = 0;
        while n < max && it.peek().is_some_and(|&(_, c)| f(c)) {
            it.next();
            n += 1;
        }
        n
    };
    let skip_ws = |it: &mut std::iter::Peekable<std::str::CharIndices>| {
        while it.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            it.next();
        }
    };
    let pos = |it: &mut std::iter::Peekable<std::str::CharIndices>| {
        it.peek().map_or(s.len(), |&(b, _)| b)
    };
    let zh_num = |c: char| ZH_ITEM_NUMERALS.contains(c);
    match first {
        '第' => {
            it.next();
            if take(&mut it, usize::MAX, &|c| {
                ZH_NUMERALS.contains(c) || c.is_ascii_digit()
            }) == 0
            {
                return None;
            }
            skip_ws(&mut it);
            let at = pos(&mut it);
            ["部分", "编", "章", "节", "条"]
                .iter()
                .find(|w| s[at..].starts_with(*w))
                .map(|w| at + w.len())
        }
        '①'..='⑳' => Some(first.len_utf8()),
        '(' | '（' => {
            it.next();
            skip_ws(&mut it);
            let zh = take(&mut it, 3, &zh_num);
            let digits = if zh == 0 {
                take(&mut it, 3, &|c| c.is_ascii_digit())
            } else {
                0
            };
            let letters = if zh + digits == 0 && first == '(' {
                take(&mut it, 4, &|c| c.is_ascii_lowercase())
            } else {
                0
            };
            if zh + digits + letters == 0 {
                return None;
            }
            if letters == 0 {
                skip_ws(&mut it);
            }
            match it.next() {
                Some((b, c @ (')' | '）'))) if letters == 0 || c == ')' => Some(b + c.len_utf8()),
                _ => None,
            }
        }
        c if zh_num(c) => {
            take(&mut it, 3, &zh_num);
            skip_ws(&mut it);
            match it.next() {
                Some((b, c @ ('、' | '.'))) => Some(b + c.len_utf8()),
                _ => None,
            }
        }
        c if c.is_ascii_digit() => {
            take(&mut it, 2, &|c| c.is_ascii_digit());
            skip_ws(&mut it);
            match it.next() {
                // "1.5万元" is a number, not an item.
                Some((b, c @ ('、' | '.')))
                    if !s[b + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit()) =>
                {
                    Some(b + c.len_utf8())
                }
                _ => None,
            }
        }
        c if c.is_ascii_alphabetic() => {
            let word_end = s
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(s.len());
            let word = s[..word_end].to_ascii_lowercase();
            if !["article", "chapter", "section", "part", "title"].contains(&word.as_str()) {
                return None;
            }
            let rest = &s[word_end..];
            let ws = rest.len() - rest.trim_start().len();
            if ws == 0 {
                return None;
            }
            let num = &rest[ws..];
            let n = num
                .find(|c: char| !(c.is_ascii_digit() || "IVXLC".contains(c)))
                .unwrap_or(num.len());
            if n == 0 {
                return None;
            }
            let mut end = n;
            if num[end..].starts_with(|c: char| c.is_ascii_lowercase()) {
                end += 1;
            }
            // a word boundary after the number
            if num[end..].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return None;
            }
            Some(word_end + ws + end)
        }
        _ => None,
    }
}

/// The ends of a text's sentences (or clauses), found once, so that the stretch around
/// each of many positions is looked up in log time: judging every match of a long unit
/// by rescanning its sentence was quadratic in the unit's length.
#[derive(Debug, Clone)]
pub struct Ends {
    /// Byte offsets just after each end character, ascending.
    ends: Vec<usize>,
    len: usize,
}

impl Ends {
    /// `is_end` holds only for ASCII characters and characters whose UTF-8 starts with
    /// 0xE3 (。) or 0xEF (the full-width ！？；，): the bytes of other characters are passed
    /// over without decoding them.
    fn new(text: &str, is_end: impl Fn(char, Option<char>) -> bool) -> Self {
        let mut ends = Vec::new();
        for_each_end_candidate(text, |b| {
            let mut rest = text[b..].chars();
            if let Some(c) = rest.next() {
                if is_end(c, rest.next()) {
                    ends.push(b + c.len_utf8());
                }
            }
        });
        Ends {
            ends,
            len: text.len(),
        }
    }

    /// Sentence ends as in [`sentence_bounds`].
    pub fn sentences(text: &str, lang: Lang) -> Self {
        Ends::new(text, |c, next| is_sentence_end(lang, c, next))
    }

    /// Clause ends as in [`is_commitment`].
    pub fn clauses(text: &str) -> Self {
        Ends::new(text, is_clause_end)
    }

    /// Byte bounds of the stretch around byte `at` of `text` (the text these ends were
    /// found in).
    pub fn around(&self, text: &str, at: usize) -> (usize, usize) {
        let at = (0..=at.min(text.len()))
            .rev()
            .find(|&b| text.is_char_boundary(b))
            .unwrap_or(0);
        let i = self.ends.partition_point(|&e| e <= at);
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        let end = self.ends.get(i).copied().unwrap_or(self.len);
        (start, end)
    }
}

/// Calls `f` with the byte offset of every character of `text` that is ASCII or whose
/// UTF-8 starts with 0xE3 (U+3000–U+3FFF: 。) or 0xEF (U+F000–U+FFFF: ！？；，), the only
/// characters that end a sentence or a clause. Eight bytes at a time are passed over
/// when none of them is such a byte (most of a Chinese text).
pub(crate) fn for_each_end_candidate(text: &str, mut f: impl FnMut(usize)) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has = |w: u64, b: u8| {
        let x = w ^ (LO * u64::from(b));
        x.wrapping_sub(LO) & !x & HI != 0
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(chunk);
            let w = u64::from_le_bytes(a);
            if w & HI == HI && !has(w, 0xE3) && !has(w, 0xEF) {
                i += 8;
                continue;
            }
        }
        for (b, &x) in bytes
            .iter()
            .enumerate()
            .take((i + 8).min(bytes.len()))
            .skip(i)
        {
            // A lead or ASCII byte: a character starts here.
            if x < 0x80 || x == 0xE3 || x == 0xEF {
                f(b);
            }
        }
        i += 8;
    }
}

fn is_sentence_end(lang: Lang, c: char, next: Option<char>) -> bool {
    matches!(c, '。' | ';' | '；' | '!' | '?' | '！' | '？' | '\n')
        || (lang == Lang::En && c == '.' && next.is_none_or(char::is_whitespace))
}

fn is_clause_end(c: char, _next: Option<char>) -> bool {
    matches!(c, '。' | ';' | '；' | ',' | '，' | '!' | '?' | '\n')
}

/// Byte bounds of the sentence of `text` around byte `at` (ends at 。；;!?！？ and line
/// breaks; in English also at a full stop before a space).
pub fn sentence_bounds(text: &str, lang: Lang, at: usize) -> (usize, usize) {
    bounds(text, at, |c, next| is_sentence_end(lang, c, next))
}

/// Clause ends for [`is_commitment`]: a commitment is judged within its clause.
fn clause_bounds(text: &str, at: usize) -> (usize, usize) {
    bounds(text, at, is_clause_end)
}

/// Bounds of the stretch of `text` around `at` between two ends (`is_end(char, next)`).
fn bounds(text: &str, at: usize, is_end: impl Fn(char, Option<char>) -> bool) -> (usize, usize) {
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|&b| text.is_char_boundary(b))
        .unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(b, c)| is_end(c, text[b + c.len_utf8()..].chars().next()))
        .map_or(0, |(b, c)| b + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(|&(b, c)| is_end(c, text[at + b + c.len_utf8()..].chars().next()))
        .map_or(text.len(), |(b, c)| at + b + c.len_utf8());
    (start, end)
}

/// True when the clause of `text` around byte `at` is a quantified or concrete commitment
/// to create something (R2): a creating verb with a counted object ("建成1个返乡创业园区",
/// "创建20个…示范县", "培训返乡创业人员10万人", "每年培育6000家"). Outcome targets without
/// such a verb ("返乡创业人数达到10万人") are not.
pub fn is_commitment(text: &str, at: usize) -> bool {
    commitment_in(text, clause_bounds(text, at))
}

/// [`is_commitment`] with the clause ends of `text` found once (for many positions).
pub fn is_commitment_at(text: &str, clauses: &Ends, at: usize) -> bool {
    commitment_in(text, clauses.around(text, at))
}

fn commitment_pattern() -> String {
    const VERB: &str = "(?:建成|建设|创建|新建|培育|培训|打造|建立|设立|争创|认定|遴选|评选|推出|举办|扶持|引进|招引|布局|改造|实施|推广|树立|选树|发放|提供)";
    const COUNT: &str = r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十百千万两]+)\s*(?:多|余)?\s*(?:万|千|百)?\s*(?:个|家|所|批|项|座|条|名|人次|人|场|期|款|套|户|条|处|支)";
    format!("{VERB}[^,，;；。]{{0,24}}?{COUNT}|{COUNT}[^,，;；。]{{0,6}}?{VERB}")
}

fn commitment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&commitment_pattern()).expect("built-in pattern"))
}

/// False when no clause of `text` can be a commitment ([`is_commitment`]): `text` lacks
/// the literals every commitment holds (one of the creating verbs and one counter word).
pub fn may_hold_commitment(text: &str) -> bool {
    static VERBS: OnceLock<LiteralGate> = OnceLock::new();
    VERBS
        .get_or_init(|| LiteralGate::new(&[commitment_pattern()], OneChar::Keep))
        .may_match(text)
}

fn commitment_in(text: &str, (s, e): (usize, usize)) -> bool {
    let clause = &text[s..e];
    // A counter followed by a unit of time counts a duration, not what is created
    // (工程建设项目审批时间压缩至60个工作日以内: 建设 names the projects, 60个 the days).
    const DURATION: [&str; 5] = ["工作日", "月", "小时", "季度", "自然日"];
    commitment_re().find_iter(clause).any(|m| {
        let after = &clause[m.end()..];
        !DURATION.iter().any(|d| after.starts_with(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_require_a_creating_verb_and_a_counter_word() {
        let commitment =
            crate::util::literal_gate::required_runs(&commitment_pattern(), OneChar::Keep)
                .unwrap_or_default();
        assert_eq!(commitment.len(), 2);
        for runs in &commitment {
            assert_eq!(runs.len(), 2, "{runs:?}");
            assert!(runs
                .iter()
                .any(|r| r.len() == 26 && r.contains(&"建成".to_string())));
        }
    }

    #[test]
    fn the_literal_prefilter_rules_out_only_strings_no_rule_matches() {
        let t = table();
        let mut samples: Vec<String> = [
            "使用共享数据的，应当提交资源共享申请。",
            "使用共享数据的,应当提交资源共享申请。",
            "协商不成的,由上一级主管部门解决。",
            "自受理之日起10个工作日内办结。",
            "不得挪用补贴资金。",
            "符合条件的,给予一次性创业补贴。",
            "跨区域机构之间发生争议的,应当自行协商解决;",
            "力争每年新增200家企业通过国家数字化转型新型能力评估。",
            "企业无需重复提交材料。",
            "免于提供证明",
            "免提交",
            "具体办法由市财政局另行制定",
            "依法追究刑事责任",
            "Member States shall not apply the rule.",
            "The Commission shall review it.",
            "申报截止时间",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every prefix and suffix too: cut literals must not be taken for whole ones.
        let whole = samples.clone();
        for s in &whole {
            for (b, _) in s.char_indices() {
                samples.push(s[b..].to_string());
                samples.push(s[..b].to_string());
            }
        }
        for lang in [Lang::Zh, Lang::En] {
            for rules in [&t.clause, &t.heading, &t.lead_in, &t.text] {
                let Some(r) = rules.get(lang) else { continue };
                // The first rule as one set of every pattern, with no literal gate, says.
                let set = regex::RegexSet::new(&r.patterns).expect("valid patterns");
                for s in &samples {
                    let plain = set.matches(s).iter().next().map(|i| r.roles[i]);
                    assert_eq!(rules.first(lang, s), plain, "{s}");
                    if plain.is_some() {
                        assert!(rules.may_match_within(lang, s), "{s}");
                    }
                }
            }
        }
        assert!(t.clause.zh.as_ref().is_some_and(|r| r.literals.is_some()));
        // The pair scan finds what a search for every literal finds.
        fn clause_zh(s: &RoleSpec) -> &Vec<String> {
            &s.clause.0
        }
        fn heading_zh(s: &RoleSpec) -> &Vec<String> {
            &s.heading.0
        }
        fn text_zh(s: &RoleSpec) -> &Vec<String> {
            &s.text.0
        }
        let specs = default_specs();
        let mut with_short = samples.clone();
        with_short.extend(["(牵头)", "（负责）", "x(负责)y"].map(String::from));
        for pick in [
            clause_zh as fn(&RoleSpec) -> &Vec<String>,
            heading_zh,
            text_zh,
        ] {
            let patterns: Vec<&str> = specs.iter().flat_map(pick).map(String::as_str).collect();
            let gate = LiteralGate::new(&patterns, OneChar::Keep);
            let scan = LiteralGate::new(&patterns, OneChar::Keep).without_simd();
            for s in &with_short {
                assert_eq!(scan.may_match(s), gate.may_match(s), "{s}");
                assert_eq!(gate.may_match(s), gate.may_match_by_contains(s), "{s}");
            }
        }
        for s in &samples {
            if is_commitment(s, 0) {
                assert!(may_hold_commitment(s), "{s}");
            }
        }
        assert!(!may_hold_commitment("返乡创业人数达到10万人"));
    }

    #[test]
    fn measure_verbs_are_found_as_contains_finds_them() {
        for s in [
            "",
            "建设智能工厂",
            "智能化制造",
            "设立",
            "设立基金",
            "立建",
            "做",
            "加快推进",
            "a建设",
            "𠀀建立",
            "补助方向",
            "好做好",
        ] {
            assert_eq!(
                has_measure_verb(s),
                MEASURE_VERBS.iter().any(|v| s.contains(v)),
                "{s}"
            );
        }
    }

    #[test]
    fn ends_found_by_lead_bytes_are_the_ends_of_a_character_scan() {
        let t = "一、加强扶持。给予减税,优化服务；创建10个园区!\n（注：见附件）。Fees. Loans e.g. 5.5 m?x；\
                 ？！，、〃ｅ𠀀.\u{3000}.\u{a0}.\u{2028};ok。很长的中文句子没有标点符号很长的中文句子没有标点符号。x";
        for (ends, is_end) in [
            (
                Ends::sentences(t, Lang::Zh),
                &(|c, n| is_sentence_end(Lang::Zh, c, n)) as &dyn Fn(char, Option<char>) -> bool,
            ),
            (Ends::sentences(t, Lang::En), &|c, n| {
                is_sentence_end(Lang::En, c, n)
            }),
            (Ends::clauses(t), &is_clause_end),
        ] {
            let mut want = Vec::new();
            let mut it = t.char_indices().peekable();
            while let Some((b, c)) = it.next() {
                if is_end(c, it.peek().map(|&(_, n)| n)) {
                    want.push(b + c.len_utf8());
                }
            }
            assert_eq!(ends.ends, want);
        }
    }

    #[test]
    fn precomputed_ends_give_the_same_bounds_as_a_scan() {
        let t =
            "一、加强扶持。给予减税,优化服务；创建10个园区!\nFees are waived. Loans e.g. 5.5 m?x";
        for lang in [Lang::Zh, Lang::En] {
            let s = Ends::sentences(t, lang);
            let c = Ends::clauses(t);
            for at in 0..=t.len() + 2 {
                assert_eq!(s.around(t, at), sentence_bounds(t, lang, at), "{at}");
                assert_eq!(c.around(t, at), clause_bounds(t, at), "{at}");
                if at < t.len() && t.is_char_boundary(at) {
                    assert_eq!(is_commitment_at(t, &c, at), is_commitment(t, at), "{at}");
                }
            }
        }
    }

    #[test]
    fn each_role_table_keeps_its_own_categories() {
        let spec = |clause: &str, keep: &str| RoleSpec {
            role: Role::Procedure,
            heading: Default::default(),
            text: Default::default(),
            clause: (vec![clause.to_string()], Vec::new()),
            lead_in: Default::default(),
            keep: vec![keep.to_string()],
        };
        let t = RoleTable::new(
            &[spec("具备下列条件", "fiscal"), spec("月底前报送", "lead")],
            false,
        );
        let rules = |s: &str| -> Vec<ClauseRule> {
            t.withholding_spans(Lang::Zh, s)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, r)| r)
                .collect()
        };
        let conditions = rules("申请补贴应当具备下列条件");
        let report = rules("每年1月底前报送运营情况");
        assert_eq!(conditions.len(), 1);
        assert_eq!(report.len(), 1);
        assert!(t.keeps(conditions[0], "fiscal") && !t.keeps(conditions[0], "lead"));
        assert!(t.keeps(report[0], "lead") && !t.keeps(report[0], "fiscal"));
        assert_eq!(conditions[0].role, Role::Procedure);
    }

    fn table() -> &'static RoleTable {
        static T: OnceLock<RoleTable> = OnceLock::new();
        T.get_or_init(|| RoleTable::new(&[], true))
    }

    fn zh(text: &str, headings: &[&str]) -> &'static str {
        table().assign(Lang::Zh, text, headings, false).as_str()
    }

    fn en(text: &str, headings: &[&str]) -> &'static str {
        table().assign(Lang::En, text, headings, false).as_str()
    }

    #[test]
    fn chinese_headings_give_roles_innermost_first() {
        assert_eq!(
            zh(
                "以习近平新时代中国特色社会主义思想为指导。",
                &["一、总体要求", "(一)指导思想"]
            ),
            "guiding_thought"
        );
        assert_eq!(
            zh(
                "坚持市场主导、政府引导。",
                &["一、总体要求", "(二)基本原则"]
            ),
            "principles"
        );
        assert_eq!(
            zh("到2025年,基本建成…", &["一、总体要求", "(三)主要目标"]),
            "goals"
        );
        assert_eq!(zh("完善扶持政策。", &["一、总体要求"]), "goals");
        assert_eq!(
            zh("对平台给予奖补。", &["二、重点任务", "(一)培育平台"]),
            "measure"
        );
        assert_eq!(
            zh("本办法由市政务服务数据管理局负责解释。", &["第七章 附 则"]),
            "final_provisions"
        );
        assert_eq!(
            zh(
                "违反本办法规定的,由有关部门责令改正。",
                &["第十一章 法律责任"]
            ),
            "liability"
        );
        assert_eq!(zh("提交申报材料。", &["四、申报程序"]), "procedure");
        assert_eq!(
            zh(
                "深刻认识推进返乡创业的重大意义",
                &["一、充分认识返乡创业的重要意义"]
            ),
            "background"
        );
    }

    #[test]
    fn an_inline_title_is_its_own_heading() {
        assert_eq!(
            zh("(二)基本原则。坚持统筹推进。", &["一、总体要求"]),
            "principles"
        );
        assert_eq!(
            zh("(二)加强组织领导。各地要建立工作机制。", &["三、保障措施"]),
            "measure"
        );
    }

    #[test]
    fn own_form_wins_over_headings() {
        assert_eq!(
            zh(
                "第一条 为了规范公共数据管理,根据有关法律法规,结合本省实际,制定本办法。",
                &["第一章 总则"]
            ),
            "purpose"
        );
        assert_eq!(
            zh(
                "第二条 本办法适用于本市行政区域内政务数据的管理。",
                &["第一章 总则"]
            ),
            "scope"
        );
        assert_eq!(
            zh("第三条 本办法所称公共数据,是指…", &["第一章 总则"]),
            "definitions"
        );
        assert_eq!(
            zh(
                "第四条 公共数据管理应当遵循统筹规划、依法采集的原则。",
                &["第一章 总则"]
            ),
            "principles"
        );
        assert_eq!(
            zh(
                "第五条 省政务服务数据管理局是公共数据主管部门,负责统筹管理工作。",
                &["第一章 总则"]
            ),
            "measure"
        );
        assert_eq!(
            zh(
                "(责任单位:省经济和信息化厅、省财政厅)",
                &["一、支持平台建设"]
            ),
            "responsibility"
        );
        assert_eq!(zh("本办法自2021年1月1日起施行。", &[]), "final_provisions");
    }

    #[test]
    fn english_headings_and_forms() {
        assert_eq!(
            en(
                "‘biomass’ means the biodegradable fraction of products;",
                &["Article 2 Definitions"]
            ),
            "definitions"
        );
        assert_eq!(
            en(
                "This Directive establishes a common framework for the promotion of energy.",
                &["Article 1 Subject matter"]
            ),
            "purpose"
        );
        assert_eq!(
            en(
                "This Directive applies to buildings.",
                &["Article 1 Subject matter"]
            ),
            "scope"
        );
        assert_eq!(
            en(
                "Member States shall ensure that support schemes are open.",
                &["Article 4 Support schemes for energy from renewable sources"]
            ),
            "measure"
        );
        assert_eq!(
            en(
                "The Commission shall review the application.",
                &["Article 33 Monitoring by the Commission"]
            ),
            "reporting"
        );
        assert_eq!(
            en(
                "This Directive shall enter into force on the third day.",
                &[]
            ),
            "final_provisions"
        );
        assert_eq!(
            en(
                "The Commission shall be assisted by a committee.",
                &["Article 34 Committee procedure"]
            ),
            "procedure"
        );
        assert_eq!(
            table().assign(
                Lang::En,
                "(12) Whereas support should be streamlined.",
                &[],
                true
            ),
            Role::Preamble
        );
    }

    #[test]
    fn commitments_are_counted_creations_in_their_clause() {
        let t = "到2025年,每个县至少建成1个返乡创业园区,返乡创业人数达到10万人。";
        assert!(is_commitment(t, t.find("园区").unwrap()));
        assert!(!is_commitment(t, t.find("人数").unwrap()));
        let t = "创建20个电子商务进农村综合示范县";
        assert!(is_commitment(t, 3));
        let t = "培训返乡创业人员10万人";
        assert!(is_commitment(t, 0));
        assert!(!is_commitment("完善扶持政策,优化创业服务", 0));
        assert!(!is_commitment("加强试点示范", 0));
        // A count of days or months is a duration, not what is created.
        assert!(!is_commitment(
            "工程建设项目审批时间压缩至60个工作日以内",
            0
        ));
        assert!(!is_commitment("建设周期缩短至3个月", 0));
    }

    #[test]
    fn short_labels_without_a_verb_name_no_measure() {
        assert_eq!(zh("智能化制造。", &["二、重点任务"]), "label");
        assert_eq!(zh("补助方向:", &["二、重点任务"]), "label");
        assert_eq!(
            zh("建设智能工厂和数字化车间。", &["二、重点任务"]),
            "measure"
        );
        assert_eq!(zh("推广创新型应用案例。", &["二、重点任务"]), "measure");
        // A verb of action makes a measure; one that modifies the label's noun does not.
        assert_eq!(zh("发放创业担保贷款。", &["二、扶持政策"]), "measure");
        assert_eq!(zh("创业担保贷款。", &["二、扶持政策"]), "label");
        assert_eq!(zh("（一）政策依据与资助标准：", &["二、扶持政策"]), "label");
        assert_eq!(zh("扶持措施。", &["二、扶持政策"]), "label");
        // Waiving a fee, opening a channel, saying what a fund pays for: measures.
        assert_eq!(
            zh("免收登记类行政事业性收费。", &["二、扶持政策"]),
            "measure"
        );
        assert_eq!(zh("开辟大学生创业绿色通道。", &["二、扶持政策"]), "measure");
        assert_eq!(zh("第五条 专项资金用于下列支出：", &[]), "measure");
        assert_eq!(en("Heat pumps.", &[]), "measure");
    }

    #[test]
    fn the_marker_scan_agrees_with_the_marker_regex() {
        let re = Regex::new(r"^(?:第[一二三四五六七八九十百零〇两\d]+\s*(?:编|部分|章|节|条)|[一二三四五六七八九十]{1,3}\s*[、.]|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*[、.]|[①-⑳]|(?i:article|chapter|section|part|title)\s+[\dIVXLC]+[a-z]?\b|\([a-z]{1,4}\)|\(\d{1,3}\))\s*").unwrap();
        fn oracle<'s>(re: &Regex, s: &'s str) -> &'s str {
            match re.find(s) {
                Some(m)
                    if !(s.starts_with(|c: char| c.is_ascii_digit())
                        && s[m.end()..].starts_with(|c: char| c.is_ascii_digit())) =>
                {
                    &s[m.end()..]
                }
                _ => s,
            }
        }
        let cases = [
            "第三条 本办法",
            "第十二章　附则",
            "第3条本办法",
            "第一部分 总则",
            "第三",
            "第x条",
            "一、总体要求",
            "十二. 保障",
            "一二三四、x",
            "一总体",
            "(二)基本原则",
            "（三） 主要目标",
            "( 12 )x",
            "(1)x",
            "(a) provide",
            "(abcde) x",
            "(A) x",
            "（a）x",
            "1.指导思想",
            "12、任务",
            "1.5万元",
            "123.x",
            "1 . x",
            "① 建设",
            "Article 12 Definitions",
            "ARTICLE 3a Scope",
            "Articles 3",
            "Chapter IV x",
            "Part 2",
            "Title",
            "article5",
            "Section 2b: x",
            "Participation",
            "建设园区",
            "",
            "(",
            "第",
            "(一",
            "1",
            "一",
        ];
        for c in cases {
            assert_eq!(strip_numbering(c), oracle(&re, c).trim_start(), "{c:?}");
        }
    }

    #[test]
    fn numbering_is_stripped() {
        assert_eq!(strip_numbering("第三条 本办法"), "本办法");
        assert_eq!(strip_numbering("一、总体要求"), "总体要求");
        assert_eq!(strip_numbering("(二)基本原则"), "基本原则");
        assert_eq!(strip_numbering("1.5万元"), "1.5万元");
        assert_eq!(strip_numbering("1.指导思想"), "指导思想");
        assert_eq!(strip_numbering("Article 12 Definitions"), "Definitions");
        assert_eq!(strip_numbering("(a) provide for"), "provide for");
    }

    #[test]
    fn clauses_of_deadlines_bans_and_conditional_procedures_withhold() {
        let t = RoleTable::new(&[], true);
        let zh = |c: &str| t.clause_role(Lang::Zh, c);
        assert_eq!(
            zh("使用共享数据的，应当提交资源共享申请。"),
            Some(Role::Procedure)
        );
        assert_eq!(
            zh("协商不成的，由上一级主管部门解决。"),
            Some(Role::Procedure)
        );
        // The temporal form of the conditional duty (…时，应当…) too.
        assert_eq!(
            zh("对外提供数据服务时，应当建立健全数据安全保障体系。"),
            Some(Role::Procedure)
        );
        assert_eq!(zh("在办理业务时提供便利服务。"), None);
        assert_eq!(zh("同时，应当加强政策宣传。"), None);
        assert_eq!(zh("自受理之日起10个工作日内办结。"), Some(Role::Procedure));
        assert_eq!(zh("不得挪用补贴资金。"), Some(Role::Liability));
        // Duties to comply (R16); support for the same parties,
        // and duties that are measures, are none of these.
        assert_eq!(
            zh("区内金融机构应当遵守国家金融监管规定。"),
            Some(Role::Liability)
        );
        assert_eq!(zh("企业应当依法履行安全生产义务。"), Some(Role::Liability));
        assert_eq!(zh("鼓励金融机构开发绿色信贷产品。"), None);
        assert_eq!(zh("金融机构应当加大对创业企业的信贷支持。"), None);
        assert_eq!(zh("各部门应当加强政策宣传。"), None);
        // Eligibility of a subsidy is coded (R26): no conditional duty here.
        assert_eq!(zh("符合条件的，给予一次性创业补贴。"), None);
        assert_eq!(zh("建立部门协商机制。"), None);
        // Agencies negotiating a dispute cooperate (R19): a `measure` rule comes first.
        assert_eq!(
            zh("跨区域机构之间发生争议的，应当自行协商解决；"),
            Some(Role::Measure)
        );
        // An outcome target (R2, R22) is withheld like a goal.
        assert_eq!(
            zh("力争每年新增200家企业通过国家数字化转型新型能力评估。"),
            Some(Role::Goals)
        );
        assert_eq!(zh("每年培育6000家上云企业。"), None);
        // Sparing applicants a submission is a service reform (R20), not required materials.
        assert_eq!(zh("企业无需重复提交材料。"), Some(Role::Measure));
        assert_eq!(zh("申请人应提交申请材料。"), Some(Role::Procedure));
    }
}
