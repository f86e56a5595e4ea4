//! Codebook terms as sequences of whole tokens, matched one hash lookup per token.
//!
//! Terms only ever match whole tokens, so a trie over token ids finds them without
//! scanning the bytes of every token: a byte automaton over the joined keys spent most
//! of its time fetching transitions for text no term could match.

use rustc_hash::FxHashMap;

const NONE: u32 = u32::MAX;

/// Bits of the filter in front of the token table.
const FILTER_BITS: usize = 1 << 16;

/// A 16-bit fingerprint of a token from its length, first three and last bytes: cheap
/// to compute, and distinct for nearly all the few hundred tokens a codebook's terms have.
fn fingerprint(token: &str) -> usize {
    let b = token.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0) as u64;
    let last = b.last().copied().unwrap_or(0) as u64;
    let x = at(0) | at(1) << 8 | at(2) << 16 | last << 24 | (b.len() as u64) << 32;
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

/// A set of patterns, each a non-empty sequence of token keys.
#[derive(Debug, Default)]
pub struct TokenTrie {
    /// Token key → id, for tokens that occur in some pattern.
    ids: FxHashMap<Box<str>, u32>,
    /// Per token id: the node reached from the root by that token (`NONE` if none).
    first: Vec<u32>,
    /// (node, token id) → child node, below the first level.
    edges: FxHashMap<(u32, u32), u32>,
    /// Per node: the pattern ending there (`NONE` if none). Node 0 is the root.
    pattern: Vec<u32>,
    /// Bit `fingerprint(t)` set for every token `t` of `ids`: most text tokens are in no
    /// pattern, and the filter turns them away without hashing the token.
    filter: Vec<u64>,
}

impl TokenTrie {
    /// Builds the trie; pattern `i` is the `i`-th sequence. Empty sequences never match;
    /// a repeated sequence keeps its first index.
    pub fn new<S: AsRef<str>>(
        patterns: impl IntoIterator<Item = impl IntoIterator<Item = S>>,
    ) -> Self {
        let mut trie = TokenTrie {
            pattern: vec![NONE],
            filter: vec![0; FILTER_BITS / 64],
            ..TokenTrie::default()
        };
        for (index, tokens) in patterns.into_iter().enumerate() {
            let mut node = 0u32;
            for token in tokens {
                let token = token.as_ref();
                let next_id = trie.ids.len() as u32;
                let id = *trie.ids.entry(token.into()).or_insert(next_id);
                let f = fingerprint(token);
                trie.filter[f / 64] |= 1 << (f % 64);
                if id as usize == trie.first.len() {
                    trie.first.push(NONE);
                }
                let next_node = trie.pattern.len() as u32;
                let child = if node == 0 {
                    &mut trie.first[id as usize]
                } else {
                    trie.edges.entry((node, id)).or_insert(NONE)
                };
                if *child == NONE {
                    *child = next_node;
                    trie.pattern.push(NONE);
                }
                node = *child;
            }
            if node != 0 && trie.pattern[node as usize] == NONE {
                trie.pattern[node as usize] = index as u32;
            }
        }
        trie
    }

    /// True when no pattern can match.
    pub fn is_empty(&self) -> bool {
        self.pattern.len() <= 1
    }

    /// Calls `found(first, last, pattern)` for every run of tokens `first..=last` that
    /// is a pattern, overlapping runs included; `len` tokens, `key(i)` the key of token `i`.
    pub fn find<'k>(
        &self,
        len: usize,
        key: impl Fn(usize) -> &'k str,
        mut found: impl FnMut(usize, usize, usize),
    ) {
        if self.is_empty() {
            return;
        }
        let id = |i: usize| {
            let k = key(i);
            let f = fingerprint(k);
            if self.filter[f / 64] & (1 << (f % 64)) == 0 {
                return None;
            }
            self.ids.get(k).copied()
        };
        for first in 0..len {
            let Some(mut node) = id(first).map(|t| self.first[t as usize]) else {
                continue;
            };
            let mut last = first;
            while node != NONE {
                let p = self.pattern[node as usize];
                if p != NONE {
                    found(first, last, p as usize);
                }
                last += 1;
                if last == len {
                    break;
                }
                node = match id(last) {
                    Some(t) => self.edges.get(&(node, t)).copied().unwrap_or(NONE),
                    None => NONE,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(trie: &TokenTrie, tokens: &[&str]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        trie.find(tokens.len(), |i| tokens[i], |a, b, p| out.push((a, b, p)));
        out.sort();
        out
    }

    #[test]
    fn finds_whole_token_runs_including_overlaps() {
        let trie = TokenTrie::new([
            vec!["business", "incub"],
            vec!["incub"],
            vec!["tax"],
            vec!["business", "incub", "centr"],
        ]);
        let tokens = ["the", "business", "incub", "centr", "tax", "taxonomi"];
        assert_eq!(
            all(&trie, &tokens),
            [(1, 2, 0), (1, 3, 3), (2, 2, 1), (4, 4, 2)]
        );
        // A prefix of a pattern is no match.
        assert_eq!(all(&trie, &["business"]), []);
    }

    #[test]
    fn empty_and_repeated_patterns() {
        let trie = TokenTrie::new([vec![], vec!["a"], vec!["a"]]);
        assert_eq!(all(&trie, &["a"]), [(0, 0, 1)]);
        let empty = TokenTrie::new(Vec::<Vec<&str>>::new());
        assert!(empty.is_empty());
        assert_eq!(all(&empty, &["a"]), []);
        assert_eq!(all(&TokenTrie::default(), &["a"]), []);
    }

    proptest! {
        /// Same matches as a naive scan of every run against every pattern.
        #[test]
        fn agrees_with_a_naive_scan(
            patterns in prop::collection::vec(prop::collection::vec("[abc]", 1..4), 0..8),
            tokens in prop::collection::vec("[abcd]", 0..12),
        ) {
            let trie = TokenTrie::new(patterns.iter().map(|p| p.iter().map(String::as_str)));
            let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
            let mut expected = Vec::new();
            for a in 0..tokens.len() {
                for b in a..tokens.len() {
                    if let Some(p) = patterns.iter().position(|p| p.iter().map(String::as_str).eq(tokens[a..=b].iter().copied())) {
                        expected.push((a, b, p));
                    }
                }
            }
            expected.sort();
            prop_assert_eq!(all(&trie, &tokens), expected);
        }
    }
}
