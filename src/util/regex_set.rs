//! Regexes in one automaton that tells which of them match a text: the section-role rule
//! sets. (The codebook's regexes are ruled out by the literals they require instead:
//! [`crate::util::literal_gate`].)
//!
//! This is `regex::RegexSet` built the same way (all-matches semantics, UTF-8 syntax, no
//! captures), except that the literal prefilter is turned off. The codebook's patterns
//! start with, or require, common words (为, 提供, 部门, 负责, 奖励 …) that occur in
//! nearly every Chinese unit: the prefilter kept stopping the lazy DFA to hand it one
//! candidate after another, and cost more than the scan it was meant to skip (5 MB bench
//! corpus, the set's searches alone: 156 M instructions with it, 111 M without).

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternID, PatternSet};

/// Regexes searched together; [`Patterns::matching`] names those with a match.
#[derive(Debug)]
pub struct Patterns {
    re: meta::Regex,
}

impl Patterns {
    /// Compiles `patterns` into one automaton whose lazy DFA may use `dfa_cache` bytes
    /// (as `RegexSetBuilder::dfa_size_limit`); `None` when they do not compile within the
    /// regex crate's default size limits.
    pub fn new<S: AsRef<str>>(patterns: &[S], dfa_cache: usize) -> Option<Patterns> {
        // The regex crate's RegexSetBuilder defaults and build, with the prefilter off.
        let config = meta::Config::new()
            .nfa_size_limit(Some(10 << 20))
            .hybrid_cache_capacity(dfa_cache)
            .match_kind(MatchKind::All)
            .utf8_empty(true)
            .which_captures(WhichCaptures::None)
            .auto_prefilter(false);
        meta::Builder::new()
            .configure(config)
            .syntax(syntax::Config::new().utf8(true))
            .build_many(patterns)
            .ok()
            .map(|re| Patterns { re })
    }

    /// The patterns with a match in `text`, or `None` when none has one (most units: a
    /// yes/no search that stops at the first match rules them out in one pass).
    pub fn matching(&self, text: &str) -> Option<Matched> {
        let input = Input::new(text);
        if !self.re.is_match(input.clone()) {
            return None;
        }
        let mut set = PatternSet::new(self.re.pattern_len());
        self.re.which_overlapping_matches(&input, &mut set);
        Some(Matched(set))
    }
}

/// The patterns of a [`Patterns`] that matched a text.
#[derive(Debug)]
pub struct Matched(PatternSet);

impl Matched {
    /// True when pattern `k` (its index among the patterns given) matched.
    pub fn contains(&self, k: usize) -> bool {
        PatternID::new(k).is_ok_and(|p| self.0.contains(p))
    }

    /// The lowest index of a pattern that matched.
    pub fn first(&self) -> Option<usize> {
        self.0.iter().next().map(|p| p.as_usize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: [&str; 4] = [
        r"给予[^。;；]{0,12}\d[^。;；]{0,8}(?:奖励|补贴)",
        r"(?:奖励|补贴)(?:资金)?\d+(?:\.\d+)?万?元",
        r"加强(?:组织|统一)?领导",
        r"\bgrant\b",
    ];

    /// The same answers as `regex::RegexSet`, which the coder used before.
    #[test]
    fn agrees_with_regex_set() {
        let set = regex::RegexSet::new(PATTERNS).expect("valid patterns");
        let ours = Patterns::new(&PATTERNS, 8 << 20).expect("valid patterns");
        for text in [
            "",
            "对符合条件的给予一次性5000元奖励，补贴资金3万元。",
            "给予奖励。补贴",
            "要加强领导，加强组织领导",
            "a grant, grants",
            "无关文字",
            "给予１次奖励",
        ] {
            let want: Vec<usize> = set.matches(text).iter().collect();
            let got: Vec<usize> = match ours.matching(text) {
                Some(m) => (0..PATTERNS.len()).filter(|&k| m.contains(k)).collect(),
                None => Vec::new(),
            };
            assert_eq!(got, want, "{text}");
            let first = ours.matching(text).and_then(|m| m.first());
            assert_eq!(first, want.first().copied(), "{text}");
        }
    }

    #[test]
    fn a_pattern_that_does_not_compile_gives_none() {
        assert!(Patterns::new(&["(", "a"], 8 << 20).is_none());
    }
}
