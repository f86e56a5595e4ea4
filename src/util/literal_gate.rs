//! Which of a list of regexes could match a text, told by the literal strings each one
//! cannot match without.
//!
//! `给予[^。；]{0,12}\d[^。；]{0,8}(?:奖励|补贴)` matches only a text holding 给予 and one of
//! 奖励 / 补贴. One pass over a text finds which of all such literals it holds; a regex
//! none of whose branches finds all its literals there cannot match, and is not run. The
//! codebook's regexes (most units hold the literals of none of them) and the section-role
//! rules (most strings match no rule) are both ruled out this way before any regex runs.
//! For the codebook this replaced one lazy DFA over every regex at once, whose bounded gaps
//! over CJK text made so many states that its searches stalled on memory (20 MB bench
//! corpus, one thread: about 7 % of the run's time in samples, against under 2 % of its
//! instructions).
//!
//! The literals are read from the regex's syntax tree (`regex-syntax`, the parser the
//! `regex` crate itself uses): per branch of a top-level alternation, the runs of
//! consecutive required literal elements (literals, classes of a few characters, groups of
//! such alternatives, joined into their cross product); each match of the branch holds one
//! literal of each run. The test is one-sided: a regex it lets through may still not
//! match, but one it holds back cannot match (nor can it match any part of the text).

use regex_syntax::hir::{Class, Hir, HirKind};

/// The literals each of a list of regexes requires, with one search for all of them.
#[derive(Debug)]
pub struct LiteralGate {
    lits: Vec<String>,
    /// Literal ids by their first character (its UTF-8 bytes as the key, [`char_key`]).
    by_first: PrefixTable,
    /// With [`LiteralGate::quad_bits`]: literal ids by their first four bytes, which tell
    /// literals apart better than their first character (of Chinese text, the first
    /// character and the lead byte of the second).
    by_quad: Option<PrefixTable>,
    /// Per literal: its first sixteen bytes as two masked words, to test a literal at a
    /// place with two loads and compares instead of a comparison byte by byte.
    heads: Vec<Head>,
    /// A SIMD search for the literals' first two characters (or the whole of a shorter
    /// literal), where the CPU has one: the places a literal may start.
    key_search: Option<aho_corasick::packed::Searcher>,
    /// Else one bit per first character (its [`char_key`] hashed to 16 bits): most
    /// characters of a text are passed over with one test, without decoding them.
    firsts: Box<[u64; 1024]>,
    /// With [`OneChar::Skip`] and every literal at least four bytes long, one bit per
    /// literal's first four bytes (hashed to 16 bits), tested at every byte. Literals
    /// common enough to skip one-character runs for (the codebook's 部门, 服务) start
    /// in most units, where the SIMD search stops at each; a test per byte costs less
    /// there (20 MB bench corpus: 687 M against 789 M instructions).
    quad_bits: Option<Box<[u64; 1024]>>,
    /// Words of a [`LitMask`] in use.
    words: usize,
    /// Every branch of every regex: the regex's index and the branch's runs as bit masks
    /// of literal ids.
    branches: Vec<(usize, Vec<LitMask>)>,
    /// Per literal: the branches whose first run holds it. A branch can hold only when a
    /// literal of its first run was seen, so a text is tested against the branches of the
    /// literals it holds, not against every branch (20 MB bench corpus, one thread: the
    /// codebook gate's tests of branches took 246 M instructions).
    by_lit: Vec<Vec<u32>>,
    /// Regexes with a branch that requires no literal: always candidates.
    always: Vec<bool>,
    /// Whether any regex is always a candidate.
    any_always: bool,
}

/// Most literals a [`LiteralGate`] holds (ids fit a [`LitMask`]); with more, every regex
/// is a candidate.
const MAX_LITERALS: usize = 512;

/// Most literals a cross product may hold before its run is closed.
const MAX_CROSS: usize = 256;

/// Whether runs holding a literal of one character are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneChar {
    /// Every run counts (the section-role rules: 号, 条 mark their patterns).
    Keep,
    /// A run holding a one-character literal is dropped when its branch has another: 为
    /// or 元 is in nearly every unit, and would rule little out for a lookup at every
    /// occurrence (the codebook's regexes).
    Skip,
}

/// Literal ids as bits.
type LitMask = [u64; MAX_LITERALS / 64];

/// A branch's runs: each the literals of which every match holds one.
type Runs = Vec<Vec<String>>;

impl LiteralGate {
    /// Reads the required literals of `patterns` (regex syntax). A pattern that does not
    /// parse, or has a branch that requires no literal, is always a candidate.
    pub fn new<S: AsRef<str>>(patterns: &[S], one_char: OneChar) -> LiteralGate {
        let mut always = vec![false; patterns.len()];
        let mut branches: Vec<(usize, Runs)> = Vec::new();
        for (k, p) in patterns.iter().enumerate() {
            match required_runs(p.as_ref(), one_char) {
                Some(bs) => branches.extend(bs.into_iter().map(|runs| (k, runs))),
                None => always[k] = true,
            }
        }
        let mut lits: Vec<String> = branches
            .iter()
            .flat_map(|(_, runs)| runs.iter().flatten().cloned())
            .collect();
        lits.sort_unstable();
        lits.dedup();
        if lits.len() > MAX_LITERALS {
            lits.clear();
            branches.clear();
            always.iter_mut().for_each(|a| *a = true);
        }
        let id = |l: &String| lits.binary_search(l).unwrap_or(0);
        let masks: Vec<(usize, Vec<LitMask>)> = branches
            .iter()
            .map(|(k, runs)| {
                let m = runs
                    .iter()
                    .map(|run| {
                        let mut mask: LitMask = [0; MAX_LITERALS / 64];
                        for i in run.iter().map(id) {
                            mask[i / 64] |= 1 << (i % 64);
                        }
                        mask
                    })
                    .collect();
                (*k, m)
            })
            .collect();
        let mut firsts = Box::new([0u64; 1024]);
        let mut first_keys = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            let Some(c) = l.chars().next() else { continue };
            let key = char_key(l.as_bytes(), 0, c.len_utf8());
            let h = filter_bit(key);
            firsts[h / 64] |= 1 << (h % 64);
            first_keys.push((key, i));
        }
        let by_first = PrefixTable::new(first_keys.into_iter());
        let mut keys: Vec<String> = lits.iter().map(|l| l.chars().take(2).collect()).collect();
        keys.sort_unstable();
        keys.dedup();
        let quad_bits =
            (one_char == OneChar::Skip && !lits.is_empty() && lits.iter().all(|l| l.len() >= 4))
                .then(|| {
                    let mut bits = Box::new([0u64; 1024]);
                    for l in &lits {
                        let h = filter_bit(quad_key(l.as_bytes(), 0));
                        bits[h / 64] |= 1 << (h % 64);
                    }
                    bits
                });
        let by_quad = quad_bits.as_ref().map(|_| {
            PrefixTable::new(
                lits.iter()
                    .enumerate()
                    .map(|(i, l)| (quad_key(l.as_bytes(), 0), i)),
            )
        });
        let heads = lits.iter().map(|l| Head::new(l.as_bytes())).collect();
        let key_search = (!keys.is_empty() && quad_bits.is_none())
            .then(|| {
                aho_corasick::packed::Config::new()
                    .builder()
                    .extend(&keys)
                    .build()
            })
            .flatten();
        let mut by_lit: Vec<Vec<u32>> = vec![Vec::new(); lits.len()];
        for (b, (_, runs)) in masks.iter().enumerate() {
            for i in runs
                .first()
                .map(|first| ids_in(first))
                .into_iter()
                .flatten()
            {
                by_lit[i].push(b as u32);
            }
        }
        let any_always = always.iter().any(|&a| a);
        LiteralGate {
            words: lits.len().div_ceil(64),
            lits,
            by_first,
            by_quad,
            heads,
            key_search,
            firsts,
            quad_bits,
            branches: masks,
            by_lit,
            always,
            any_always,
        }
    }

    /// True when some regex could match `text` or a part of it.
    pub fn may_match(&self, text: &str) -> bool {
        if self.any_always {
            return true;
        }
        let seen = self.seen(text);
        let any = self
            .seen_branches(&seen)
            .any(|b| self.holds(&self.branches[b].1, &seen));
        any
    }

    /// Sets `out[k]` to whether regex `k` could match `text`; returns whether any could.
    pub fn candidates(&self, text: &str, out: &mut Vec<bool>) -> bool {
        out.clear();
        out.extend_from_slice(&self.always);
        let mut any = self.any_always;
        if !self.branches.is_empty() {
            let seen = self.seen(text);
            for b in self.seen_branches(&seen) {
                let (k, runs) = &self.branches[b];
                if !out[*k] && self.holds(runs, &seen) {
                    out[*k] = true;
                    any = true;
                }
            }
        }
        any
    }

    /// The indexes of the regexes that could match `text`, in order; `scratch` is reused
    /// space for [`LiteralGate::candidates`].
    pub fn candidate_ids<'a>(
        &self,
        text: &str,
        scratch: &'a mut Vec<bool>,
    ) -> impl Iterator<Item = usize> + 'a {
        self.candidates(text, scratch);
        scratch
            .iter()
            .enumerate()
            .filter(|(_, &c)| c)
            .map(|(k, _)| k)
    }

    /// The branches whose first run holds a literal of `seen` (a branch may come more
    /// than once).
    fn seen_branches<'a>(&'a self, seen: &'a LitMask) -> impl Iterator<Item = usize> + 'a {
        ids_in(&seen[..self.words]).flat_map(|i| self.by_lit[i].iter().map(|&b| b as usize))
    }

    /// True when `seen` holds a literal of every run of `runs`.
    fn holds(&self, runs: &[LitMask], seen: &LitMask) -> bool {
        let w = self.words;
        runs.iter()
            .all(|m| m[..w].iter().zip(&seen[..w]).any(|(a, b)| a & b != 0))
    }

    /// The literals `text` holds.
    fn seen(&self, text: &str) -> LitMask {
        let mut seen: LitMask = [0; MAX_LITERALS / 64];
        let bytes = text.as_bytes();
        // Every literal of `ids` (which agree with the text on their first `skip` bytes)
        // that starts at `b`.
        let mut at = |b: usize, ids: &[u16], skip: usize| {
            let words = (b + 16 <= bytes.len()).then(|| word_pair(&bytes[b..b + 16]));
            for &i in ids {
                let i = usize::from(i);
                let lit = self.lits[i].as_bytes();
                let found = match words {
                    Some(w) => {
                        self.heads[i].matches(w)
                            && (lit.len() <= 16 || bytes[b + 16..].starts_with(&lit[16..]))
                    }
                    None => bytes[b + skip..].starts_with(&lit[skip..]),
                };
                if found {
                    seen[i / 64] |= 1 << (i % 64);
                }
            }
        };
        if let (Some(bits), Some(by_quad)) = (&self.quad_bits, &self.by_quad) {
            // No literal starts at a continuation byte: a lead byte's width steps over them.
            let mut b = 0;
            while b + 4 <= bytes.len() {
                let lead = bytes[b];
                let w = quad_key(bytes, b);
                let h = filter_bit(w);
                if bits[h / 64] & (1 << (h % 64)) != 0 {
                    at(b, by_quad.get(w), 4);
                }
                b += utf8_width(lead);
            }
            return seen;
        }
        match &self.key_search {
            Some(search) => {
                // Each place where a key starts, searching again one character on: keys
                // may overlap, and every literal starting there is tried.
                let mut pos = 0;
                while let Some(m) =
                    search.find_in(bytes, aho_corasick::Span::from(pos..bytes.len()))
                {
                    let b = m.start();
                    let width = utf8_width(bytes[b]);
                    at(b, self.by_first.get(char_key(bytes, b, width)), width);
                    pos = b + width;
                }
            }
            None => {
                let mut b = 0;
                while b < bytes.len() {
                    let width = utf8_width(bytes[b]);
                    let key = char_key(bytes, b, width);
                    let h = filter_bit(key);
                    if (self.firsts[h / 64] >> (h % 64)) & 1 != 0 {
                        at(b, self.by_first.get(key), width);
                    }
                    b += width;
                }
            }
        }
        seen
    }

    /// The same gate searching character by character (as on a CPU without SIMD).
    #[cfg(test)]
    pub(crate) fn without_simd(mut self) -> Self {
        self.key_search = None;
        self.quad_bits = None;
        self
    }

    /// The literals `text` holds, as [`LiteralGate::seen`] finds them and as
    /// `str::contains` does.
    #[cfg(test)]
    pub(crate) fn seen_both_ways(&self, text: &str) -> (Vec<&str>, Vec<&str>) {
        let seen = self.seen(text);
        let scanned = ids_in(&seen[..self.words])
            .map(|i| self.lits[i].as_str())
            .collect();
        let contained = self
            .lits
            .iter()
            .filter(|l| text.contains(l.as_str()))
            .map(String::as_str)
            .collect();
        (scanned, contained)
    }

    /// [`LiteralGate::may_match`] with the literals found by `str::contains`, one by one.
    #[cfg(test)]
    pub(crate) fn may_match_by_contains(&self, text: &str) -> bool {
        let mut seen: LitMask = [0; MAX_LITERALS / 64];
        for (i, l) in self.lits.iter().enumerate() {
            if text.contains(l.as_str()) {
                seen[i / 64] |= 1 << (i % 64);
            }
        }
        self.always.iter().any(|&a| a)
            || self
                .branches
                .iter()
                .any(|(_, runs)| self.holds(runs, &seen))
    }
}

/// The literal ids set in `mask`, in order.
fn ids_in(mask: &[u64]) -> impl Iterator<Item = usize> + '_ {
    mask.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                i
            })
        })
    })
}

/// 2^32 divided by the golden ratio: multiplying a key by it and keeping the top bits
/// spreads keys that differ in any byte (Fibonacci hashing).
const FIBONACCI: u32 = 0x9E37_79B1;

/// The four bytes of `bytes` from `at` (at least four) as one key.
#[inline]
fn quad_key(bytes: &[u8], at: usize) -> u32 {
    bytes[at..at + 4].try_into().map_or(0, u32::from_le_bytes)
}

/// The bit of the 65,536 of a filter ([`LiteralGate::quad_bits`], [`LiteralGate::firsts`])
/// that stands for `key`.
#[inline]
fn filter_bit(key: u32) -> usize {
    (key.wrapping_mul(FIBONACCI) >> 16) as usize
}

/// The `width` bytes of the character at `b` of `bytes` as one key (little-endian, the
/// bytes beyond it zero).
#[inline]
fn char_key(bytes: &[u8], b: usize, width: usize) -> u32 {
    if b + 4 <= bytes.len() {
        quad_key(bytes, b) & (u32::MAX >> (8 * (4 - width)))
    } else {
        bytes[b..(b + width).min(bytes.len())]
            .iter()
            .rev()
            .fold(0, |k, &x| (k << 8) | u32::from(x))
    }
}

/// Bytes of the UTF-8 character whose first byte is `lead` (1 for a continuation byte,
/// which a `str` never starts a character with).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Sixteen bytes as two little-endian words.
#[inline]
fn word_pair(b: &[u8]) -> (u64, u64) {
    let w = |r: &[u8]| r.try_into().map_or(0, u64::from_le_bytes);
    (w(&b[..8]), w(&b[8..16]))
}

/// A literal's first sixteen bytes (fewer: the rest masked off) as two words.
#[derive(Debug, Clone, Copy)]
struct Head {
    value: (u64, u64),
    mask: (u64, u64),
}

impl Head {
    fn new(lit: &[u8]) -> Head {
        let mut v = [0u8; 16];
        let mut m = [0u8; 16];
        for (k, &b) in lit.iter().take(16).enumerate() {
            v[k] = b;
            m[k] = 0xFF;
        }
        Head {
            value: word_pair(&v),
            mask: word_pair(&m),
        }
    }

    /// Whether the sixteen bytes `w` begin with the literal's first sixteen.
    #[inline]
    fn matches(&self, w: (u64, u64)) -> bool {
        (w.0 & self.mask.0) == self.value.0 && (w.1 & self.mask.1) == self.value.1
    }
}

/// Literal ids by a `u32` key (a first character, or first four bytes): open addressing,
/// one multiplication and most often one probe, where a binary search over the keys took
/// a dozen unpredictable branches at every place a literal may start.
#[derive(Debug, Default)]
struct PrefixTable {
    /// Per slot: the key and the range of its ids in `ids` (empty: a free slot).
    slots: Vec<(u32, u32, u32)>,
    /// Ids grouped by key, in id order within a key.
    ids: Vec<u16>,
    shift: u32,
}

impl PrefixTable {
    fn new(entries: impl Iterator<Item = (u32, usize)>) -> PrefixTable {
        let mut by_key: std::collections::BTreeMap<u32, Vec<u16>> = Default::default();
        for (k, i) in entries {
            // Ids are below MAX_LITERALS (512).
            by_key.entry(k).or_default().push(i as u16);
        }
        let bits = (by_key.len() * 2)
            .next_power_of_two()
            .max(8)
            .trailing_zeros();
        let mut slots = vec![(0u32, 0u32, 0u32); 1 << bits];
        let mut ids = Vec::new();
        let shift = 32 - bits;
        for (k, v) in by_key {
            let mut s = (k.wrapping_mul(FIBONACCI) >> shift) as usize;
            while slots[s].2 > slots[s].1 {
                s = (s + 1) & (slots.len() - 1);
            }
            let lo = ids.len() as u32;
            ids.extend(v);
            slots[s] = (k, lo, ids.len() as u32);
        }
        PrefixTable { slots, ids, shift }
    }

    /// The ids under `key` (none: empty).
    #[inline]
    fn get(&self, key: u32) -> &[u16] {
        let mask = self.slots.len() - 1;
        let mut s = (key.wrapping_mul(FIBONACCI) >> self.shift) as usize;
        loop {
            let (k, lo, hi) = self.slots[s];
            if hi == lo {
                return &[];
            }
            if k == key {
                return &self.ids[lo as usize..hi as usize];
            }
            s = (s + 1) & mask;
        }
    }
}

/// One element of a branch's concatenation, as [`required_runs`] reads it.
struct Elem {
    /// The strings the element matches, when it is a literal, a class of a few characters
    /// or a group of such alternatives; `complete` when the strings are all it matches (not
    /// just the starts of what it matches).
    lit: Option<(Vec<String>, bool)>,
    /// Least number of repetitions (0: optional).
    min: u32,
    /// Repeated (a count other than exactly once).
    quantified: bool,
}

/// The literals the matches of `pattern` contain: per branch of a top-level alternation,
/// its runs (each the literals of which every match of the branch holds one; see
/// [`OneChar`]). `None` when the pattern does not parse or a branch requires no literal.
pub fn required_runs(pattern: &str, one_char: OneChar) -> Option<Vec<Runs>> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let branches: Vec<&Hir> = match hir.kind() {
        HirKind::Alternation(subs) => subs.iter().collect(),
        _ => vec![&hir],
    };
    branches
        .into_iter()
        .map(|b| {
            let mut runs = runs_of(&elems(b));
            let long = |r: &Vec<String>| r.iter().all(|l| l.chars().nth(1).is_some());
            if one_char == OneChar::Skip && runs.iter().any(long) {
                runs.retain(long);
            }
            Some(runs).filter(|r| !r.is_empty())
        })
        .collect()
}

/// The elements of a concatenation (or the one element of anything else).
fn elems(hir: &Hir) -> Vec<Elem> {
    match hir.kind() {
        HirKind::Concat(subs) => subs.iter().map(elem).collect(),
        _ => vec![elem(hir)],
    }
}

fn elem(hir: &Hir) -> Elem {
    let once = |lit| Elem {
        lit,
        min: 1,
        quantified: false,
    };
    match hir.kind() {
        // Literals of a UTF-8 pattern are whole characters; a byte literal is let go.
        HirKind::Literal(l) => once(
            std::str::from_utf8(&l.0)
                .ok()
                .filter(|s| !s.is_empty())
                .map(|s| (vec![s.to_string()], true)),
        ),
        HirKind::Class(Class::Unicode(c)) => {
            let n: u32 = c.ranges().iter().map(|r| r.len() as u32).sum();
            once((n <= 8).then(|| {
                let chars = c.ranges().iter().flat_map(|r| r.start()..=r.end());
                (chars.map(String::from).collect(), true)
            }))
        }
        HirKind::Capture(c) => group(&c.sub),
        HirKind::Alternation(_) | HirKind::Concat(_) => group(hir),
        HirKind::Repetition(r) => Elem {
            lit: elem(&r.sub).lit,
            min: r.min,
            quantified: r.max != Some(1) || r.min != 1,
        },
        _ => once(None),
    }
}

/// A group: its alternatives' literal starts, complete when every alternative is a literal
/// throughout.
fn group(hir: &Hir) -> Elem {
    let alternatives: Vec<&Hir> = match hir.kind() {
        HirKind::Alternation(subs) => subs.iter().collect(),
        _ => vec![hir],
    };
    let mut all = Vec::new();
    let mut complete = true;
    for alt in alternatives {
        let mut starts = vec![String::new()];
        let mut whole = true;
        for e in elems(alt) {
            match &e.lit {
                Some((set, c)) if e.min >= 1 && starts.len() * set.len() <= MAX_CROSS => {
                    starts = cross(&starts, set);
                    if !*c || e.quantified {
                        whole = false;
                        break;
                    }
                }
                _ => {
                    whole = false;
                    break;
                }
            }
        }
        complete &= whole;
        all.extend(starts);
    }
    let lit = (all.len() <= MAX_CROSS).then_some((all, complete));
    Elem {
        lit,
        min: 1,
        quantified: false,
    }
}

/// The runs of consecutive required literal elements of `seq`, each the literals one of
/// which every match of `seq` contains (runs that may match the empty string left out).
fn runs_of(seq: &[Elem]) -> Runs {
    let mut runs: Runs = Vec::new();
    let mut run: Option<Vec<String>> = None;
    for e in seq {
        match &e.lit {
            Some((set, complete)) if e.min >= 1 => {
                let next = match run.take() {
                    Some(r) if r.len() * set.len() <= MAX_CROSS => cross(&r, set),
                    Some(r) => {
                        runs.push(r);
                        set.clone()
                    }
                    None => set.clone(),
                };
                if *complete && !e.quantified {
                    run = Some(next);
                } else {
                    runs.push(next);
                }
            }
            _ => runs.extend(run.take()),
        }
    }
    runs.extend(run);
    runs.retain(|r| !r.is_empty() && r.iter().all(|l| !l.is_empty()));
    runs
}

fn cross(a: &[String], b: &[String]) -> Vec<String> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: [&str; 6] = [
        r"给予[^。;；]{0,12}\d[^。;；]{0,8}(?:奖励|补贴)",
        r"(?:奖励|补贴)(?:资金)?\d+(?:\.\d+)?万?元",
        r"加强(?:组织|统一)?领导",
        r"\bgrant\b",
        r"x\d|\d+",
        r"(?:主管部门|部门)负责",
    ];

    fn candidates(gate: &LiteralGate, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        gate.candidates(text, &mut out);
        (0..out.len()).filter(|&k| out[k]).collect()
    }

    /// Per branch, its runs, each sorted.
    fn runs_kept(p: &str, one_char: OneChar) -> Option<String> {
        required_runs(p, one_char).map(|branches| {
            branches
                .into_iter()
                .map(|runs| {
                    runs.into_iter()
                        .map(|mut r| {
                            r.sort();
                            r.join("|")
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" / ")
        })
    }

    fn runs(p: &str) -> Option<String> {
        runs_kept(p, OneChar::Keep)
    }

    #[test]
    fn reads_the_literals_a_pattern_requires() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(runs(PATTERNS[0]), some("给予 奖励|补贴"));
        assert_eq!(runs(PATTERNS[1]), some("奖励|补贴 元"));
        // Skipped: 元, one character, beside another run; 免 with 无需.
        assert_eq!(runs_kept(PATTERNS[1], OneChar::Skip), some("奖励|补贴"));
        assert_eq!(
            runs_kept("(?:无需|免于?)(?:重复)?(?:提交|提供)", OneChar::Skip),
            some("提交|提供")
        );
        assert_eq!(runs_kept(r"\d+年", OneChar::Skip), some("年"));
        assert_eq!(runs(PATTERNS[2]), some("加强 领导"));
        assert_eq!(runs("不得"), some("不得"));
        assert_eq!(
            runs("的[,，](?:应当|由)"),
            some("的,应当|的,由|的，应当|的，由")
        );
        assert_eq!(runs("之日起[^。;；]*内"), some("之日起 内"));
        assert_eq!(
            runs("(?:无需|免于?)(?:重复)?(?:提交|提供)"),
            some("免|无需 提交|提供")
        );
        assert_eq!(runs("a+b"), some("a b"));
        assert_eq!(runs("ab{2,}c"), some("ab c"));
        assert_eq!(runs("^适用范围$"), some("适用范围"));
        assert_eq!(runs(r"\.pdf"), some(".pdf"));
        assert_eq!(runs("ab|cd"), some("ab / cd"));
        assert_eq!(runs(r"\d+年"), some("年"));
        assert_eq!(runs(r"[\p{Han}]{1,12}号"), some("号"));
        // regex-syntax reads `(?:a|)` as `a?`: optional, so only b is required.
        assert_eq!(runs("(?:a|)b"), some("b"));
        // Case-insensitive letters are small classes: their spellings are the literals.
        assert_eq!(runs("(?i)eu"), some("EU|Eu|eU|eu"));
        // A branch without a literal, or a pattern that does not parse: nothing is known.
        for p in ["ab|.+", "a?", "[^a]", "(?:a|)", "a)", "[ab", r"\d+"] {
            assert_eq!(runs(p), None, "{p}");
        }
    }

    #[test]
    fn never_holds_back_a_regex_that_matches() {
        let regexes: Vec<regex::Regex> = PATTERNS
            .iter()
            .map(|p| regex::Regex::new(p).expect("valid"))
            .collect();
        for gate in [
            LiteralGate::new(&PATTERNS, OneChar::Skip),
            LiteralGate::new(&PATTERNS, OneChar::Keep).without_simd(),
        ] {
            for text in [
                "",
                "对符合条件的给予一次性5000元奖励，补贴资金3万元。",
                "给予奖励。补贴",
                "要加强领导，加强组织领导",
                "a grant, grants",
                "无关文字",
                "由主管部门负责",
            ] {
                let got = candidates(&gate, text);
                assert_eq!(gate.may_match(text), gate.may_match_by_contains(text));
                for (k, re) in regexes.iter().enumerate() {
                    if re.is_match(text) {
                        assert!(got.contains(&k), "{text}: pattern {k} held back");
                    }
                }
                assert_eq!(
                    gate.may_match(text),
                    regexes.iter().any(|r| r.is_match(text)) || !got.is_empty()
                );
            }
        }
    }

    #[test]
    fn holds_back_regexes_whose_literals_are_missing() {
        for gate in [
            LiteralGate::new(&PATTERNS, OneChar::Skip),
            LiteralGate::new(&PATTERNS, OneChar::Keep).without_simd(),
        ] {
            // Only the pattern with a branch that requires no literal is left.
            assert_eq!(candidates(&gate, "无关文字"), vec![4]);
            assert_eq!(candidates(&gate, "给予支持"), vec![4]);
            assert_eq!(candidates(&gate, "给予5000元奖励"), vec![0, 1, 4]);
            // 部门 is found inside 主管部门 too.
            assert_eq!(candidates(&gate, "主管部门负责"), vec![4, 5]);
        }
        let gate = LiteralGate::new(&PATTERNS[..4], OneChar::Keep);
        assert!(!gate.may_match("无关文字"));
        assert!(gate.may_match("加强领导"));
    }

    proptest::proptest! {
        /// The scan finds exactly the literals `str::contains` finds, on each of its paths
        /// (four-byte keys, the SIMD search, character by character), with literals of one
        /// to over sixteen bytes, of one- to four-byte characters, at the text's end too.
        #[test]
        fn finds_the_literals_str_contains_finds(
            picks in proptest::collection::vec(0usize..LITS.len(), 1..8),
            text in proptest::collection::vec(0usize..PIECES.len(), 0..24),
        ) {
            let pats: Vec<String> = picks.iter().map(|&k| regex::escape(LITS[k])).collect();
            let text: String = text.iter().map(|&k| PIECES[k]).collect();
            for gate in [
                LiteralGate::new(&pats, OneChar::Skip),
                LiteralGate::new(&pats, OneChar::Keep),
                LiteralGate::new(&pats, OneChar::Keep).without_simd(),
            ] {
                let (scanned, contained) = gate.seen_both_ways(&text);
                proptest::prop_assert_eq!(scanned, contained, "{:?} in {:?}", pats, text);
            }
        }
    }

    const LITS: [&str; 10] = [
        "补贴",
        "补贴资金",
        "中小企业公共服务平台",
        "ab",
        "abcd",
        "x",
        "𠀀补",
        "é",
        "服务",
        "务业",
    ];
    const PIECES: [&str; 14] = [
        "补",
        "贴",
        "资金",
        "中小企业",
        "公共服务",
        "平台",
        "a",
        "b",
        "cd",
        "x",
        "𠀀",
        "é",
        "业",
        "。",
    ];
}
