//! Keyword frequencies per group and keyness between groups.
//!
//! Words are the tokenizer's tokens (jieba words for Chinese; lower-case, unstemmed words
//! for English) of body units, after the stop-word lists; single characters and numbers
//! are left out by default. A word's share is its count over all words kept in the group.

use crate::error::{Error, Result};
use crate::stats::{self, Keyness};
use crate::tally::aggregate::{Dim, GroupKeys};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::path::Path;

const ZH: &str = include_str!("../../data/stopwords_zh.txt");
const EN: &str = include_str!("../../data/stopwords_en.txt");

/// Which words count as keywords.
#[derive(Debug, Clone)]
pub struct Stopwords {
    words: FxHashSet<String>,
    /// Keep one-character words (Chinese 省, 县 …).
    pub keep_single_chars: bool,
    /// Keep words made only of digits and number punctuation.
    pub keep_numbers: bool,
}

fn parse_list(src: &str) -> impl Iterator<Item = String> + '_ {
    src.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_lowercase)
}

impl Default for Stopwords {
    /// The built-in Chinese and English lists (`data/stopwords_*.txt`).
    fn default() -> Self {
        Stopwords {
            words: parse_list(ZH).chain(parse_list(EN)).collect(),
            keep_single_chars: false,
            keep_numbers: false,
        }
    }
}

impl Stopwords {
    /// No stop words at all.
    pub fn empty() -> Self {
        Stopwords {
            words: FxHashSet::default(),
            ..Default::default()
        }
    }

    /// Adds the words of a file (one per line, `#` comments).
    pub fn extend_from_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        // An empty file adds nothing.
        let text = crate::util::decode::decode(&bytes)
            .map(|d| d.text)
            .or_else(|e| match e {
                crate::util::decode::DecodeError::Empty => Ok(String::new()),
                e => Err(Error::Data(format!("{}: {e}", path.display()))),
            })?;
        self.words.extend(parse_list(&text));
        Ok(())
    }

    /// Number of stop words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when there are no stop words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// True when `token` (a lower-case token key) counts as a keyword.
    pub fn keeps(&self, token: &str) -> bool {
        // Han characters and ASCII first: the general Unicode tables are slow.
        let word_char = |c: char| {
            c.is_ascii_alphanumeric()
                || ('\u{4E00}'..='\u{9FFF}').contains(&c)
                || c.is_alphanumeric()
        };
        if !token.chars().any(word_char) || self.words.contains(token) {
            return false;
        }
        if !self.keep_numbers
            && token
                .chars()
                .all(|c| c.is_numeric() || matches!(c, '.' | ',' | '%' | '-' | '／' | '/'))
        {
            return false;
        }
        self.keep_single_chars || token.chars().count() > 1
    }
}

/// Word counts of one group.
#[derive(Debug, Clone, Default)]
pub struct WordCounts {
    /// Count per word.
    pub counts: FxHashMap<String, u64>,
    /// All words kept.
    pub total: u64,
}

impl WordCounts {
    /// Adds one word.
    pub fn add(&mut self, word: &str, n: u64) {
        match self.counts.get_mut(word) {
            Some(c) => *c += n,
            None => {
                self.counts.insert(word.to_string(), n);
            }
        }
        self.total += n;
    }

    /// The `n` most frequent words, ties broken by the word.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.counts.iter().map(|(w, &c)| (w.as_str(), c)).collect();
        let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
        // Words are distinct, so the order is total: the n first after a partial
        // selection are the n first of a full sort, and only they need sorting.
        if n < v.len() {
            v.select_nth_unstable_by(n, order);
            v.truncate(n);
        }
        v.sort_by(order);
        v
    }
}

/// Marks a word that is not a keyword in a thread's cache.
const NOT_KEYWORD: u32 = u32::MAX;

/// Entries a thread's cache holds before it starts again.
const CACHE_MAX: usize = 500_000;

/// log2 of the slots of a thread's direct-mapped front cache (16 bytes each).
const HOT_BITS: u32 = 13;

static NEXT_VOCABULARY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    /// Per thread: which vocabulary the cache belongs to, and word → id (or NOT_KEYWORD).
    static CACHE: std::cell::RefCell<(u64, WordCache)> =
        std::cell::RefCell::new((0, WordCache::default()));
}

/// Word → id, short words packed into the key itself: a probe of a large table then
/// touches one cache line instead of chasing a pointer to the word's bytes, and most
/// Chinese words (two characters, six bytes) take 16-byte entries.
#[derive(Debug, Default)]
struct WordCache {
    /// Direct-mapped front for short words: the frequent words of a corpus stay in a
    /// 128 KB array that fits the core's cache, where the full table does not.
    hot: Vec<(u64, u32)>,
    up_to_7: FxHashMap<u64, u32>,
    up_to_15: FxHashMap<[u64; 2], u32>,
    long: FxHashMap<Box<str>, u32>,
}

/// A word as a packed key: its bytes, then its length in the last byte.
enum Packed<'a> {
    Short(u64),
    Medium([u64; 2]),
    Long(&'a str),
}

impl WordCache {
    fn pack(word: &str) -> Packed<'_> {
        let b = word.as_bytes();
        let n = b.len();
        // Two overlapping loads cover the word: bytes copied one by one into a stack
        // array and read back as a whole stall the store buffer on every lookup.
        let le = |b: &[u8]| b.iter().rev().fold(0u64, |k, &x| k << 8 | u64::from(x));
        let load4 = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
        let load8 = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let len = (n as u64) << 56;
        match n {
            0..4 => Packed::Short(le(b) | len),
            4..8 => Packed::Short(load4(0) | load4(n - 4) << ((n - 4) * 8) | len),
            8 => Packed::Medium([load8(0), len]),
            9..16 => Packed::Medium([load8(0), load8(n - 8) >> ((16 - n) * 8) | len]),
            _ => Packed::Long(word),
        }
    }

    /// Slot of a packed short word in `hot`.
    fn hot_slot(k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - HOT_BITS)) as usize
    }

    fn get(&mut self, word: &str) -> Option<u32> {
        match Self::pack(word) {
            // The length byte (the top one) is 0 only for the empty word, so key 0 marks
            // an empty slot of `hot`.
            Packed::Short(k) if k >> 56 != 0 => {
                if self.hot.is_empty() {
                    self.hot = vec![(0, 0); 1 << HOT_BITS];
                }
                let slot = Self::hot_slot(k);
                if self.hot[slot].0 == k {
                    return Some(self.hot[slot].1);
                }
                let id = self.up_to_7.get(&k).copied();
                if let Some(id) = id {
                    self.hot[slot] = (k, id);
                }
                id
            }
            Packed::Short(k) => self.up_to_7.get(&k).copied(),
            Packed::Medium(k) => self.up_to_15.get(&k).copied(),
            Packed::Long(w) => self.long.get(w).copied(),
        }
    }

    fn insert(&mut self, word: &str, id: u32) {
        match Self::pack(word) {
            Packed::Short(k) => self.up_to_7.insert(k, id),
            Packed::Medium(k) => self.up_to_15.insert(k, id),
            Packed::Long(w) => self.long.insert(w.into(), id),
        };
    }

    fn len(&self) -> usize {
        self.up_to_7.len() + self.up_to_15.len() + self.long.len()
    }

    fn clear(&mut self) {
        self.hot.iter_mut().for_each(|e| *e = (0, 0));
        self.up_to_7.clear();
        self.up_to_15.clear();
        self.long.clear();
    }
}

/// The keywords of a run, numbered as first met, each word's stop-list decision made
/// once. Shared by the coding threads: each looks words up in its own cache first and
/// takes the lock only for a word it has not seen, so counting a token costs one hash
/// lookup and per-group tables are arrays indexed by word id.
#[derive(Debug)]
pub struct Vocabulary {
    instance: u64,
    stopwords: std::sync::Arc<Stopwords>,
    shared: std::sync::Mutex<SharedWords>,
}

#[derive(Debug, Default)]
struct SharedWords {
    ids: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Vocabulary {
    /// An empty vocabulary that keeps the words `stopwords` keeps.
    pub fn new(stopwords: std::sync::Arc<Stopwords>) -> Self {
        Vocabulary {
            instance: NEXT_VOCABULARY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            stopwords,
            shared: std::sync::Mutex::new(SharedWords::default()),
        }
    }

    /// Calls `f` with the id of each of `words` that is a keyword, in order: one visit
    /// to the thread's cache for all of them.
    pub fn ids<'w>(&self, words: impl Iterator<Item = &'w str>, mut f: impl FnMut(u32)) {
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 != self.instance {
                cache.1.clear();
                cache.0 = self.instance;
            }
            for word in words {
                // Single characters (punctuation, 的, 和 …) are most tokens and never kept
                // by default: no lookup for them.
                if !self.stopwords.keep_single_chars
                    && word.len() <= 4
                    && word.chars().nth(1).is_none()
                {
                    continue;
                }
                let id = match cache.1.get(word) {
                    Some(id) => id,
                    None => {
                        let id = self.shared_id(word);
                        if cache.1.len() >= CACHE_MAX {
                            cache.1.clear();
                        }
                        cache.1.insert(word, id);
                        id
                    }
                };
                if id != NOT_KEYWORD {
                    f(id);
                }
            }
        })
    }

    fn shared_id(&self, word: &str) -> u32 {
        if !self.stopwords.keeps(word) {
            return NOT_KEYWORD;
        }
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = shared.ids.get(word) {
            return id;
        }
        let id = shared.words.len() as u32;
        shared.words.push(word.into());
        shared.ids.insert(word.into(), id);
        id
    }

    /// `f` of the words, indexed by id (borrowed under the lock rather than copied).
    fn with_words<T>(&self, f: impl FnOnce(&[Box<str>]) -> T) -> T {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        f(&shared.words)
    }
}

/// The keywords of one document, as word ids of a [`Vocabulary`] in text order: appending
/// an id is cheaper than a hash-table update, and the writer adds them to its group arrays.
#[derive(Debug, Clone, Default)]
pub struct DocWords {
    ids: Vec<u32>,
}

impl DocWords {
    /// Counts `word` once when the vocabulary keeps it.
    pub fn add(&mut self, vocabulary: &Vocabulary, word: &str) {
        self.add_all(vocabulary, [word].into_iter());
    }

    /// Counts each of `words` that the vocabulary keeps.
    pub fn add_all<'w>(&mut self, vocabulary: &Vocabulary, words: impl Iterator<Item = &'w str>) {
        vocabulary.ids(words, |id| self.ids.push(id));
    }

    /// Words counted.
    pub fn total(&self) -> u64 {
        self.ids.len() as u64
    }
}

/// Counts by word id of one group.
#[derive(Debug, Clone, Default)]
struct IdCounts {
    counts: Vec<u64>,
    total: u64,
}

impl IdCounts {
    fn add(&mut self, id: usize, n: u64) {
        if id >= self.counts.len() {
            self.counts.resize(id + 1, 0);
        }
        self.counts[id] += n;
        self.total += n;
    }

    fn merge(&mut self, other: &IdCounts) {
        for (id, &n) in other.counts.iter().enumerate() {
            if n > 0 {
                self.add(id, n);
            }
        }
    }

    fn resolve(&self, words: &[Box<str>]) -> WordCounts {
        let mut w = WordCounts::default();
        for (id, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                w.counts.insert(words[id].to_string(), n);
            }
        }
        w.total = self.total;
        w
    }
}

/// Word counts per group of the chosen dimensions (level and region unless told otherwise);
/// the overall counts are the sum of the first dimension's groups. Memory grows with the
/// number of groups times the vocabulary, not with the corpus.
#[derive(Debug, Clone)]
pub struct Keywords {
    dims: Vec<Dim>,
    vocabulary: std::sync::Arc<Vocabulary>,
    groups: BTreeMap<(Dim, String), IdCounts>,
}

impl Default for Keywords {
    fn default() -> Self {
        Keywords::new(&[Dim::Level, Dim::Region], Default::default())
    }
}

/// One row of a top-keywords table.#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeywordRow {
    /// Dimension name.
    pub dimension: &'static str,
    /// Group.
    pub group: String,
    /// Rank in the group, from 1.
    pub rank: usize,
    /// The word.
    pub word: String,
    /// Occurrences in the group.
    pub count: u64,
    /// Share of all kept words in the group, in percent.
    pub share_pct: f64,
}

/// One row of a keyness table: a word characteristic of `group` against `reference`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeynessRow {
    /// Dimension name.
    pub dimension: &'static str,
    /// Target group.
    pub group: String,
    /// Reference: the other group, or `rest` (all other known groups).
    pub reference: String,
    /// The word.
    pub word: String,
    /// Count in the group.
    pub count: u64,
    /// Count in the reference.
    pub reference_count: u64,
    /// Share in the group, percent.
    pub share_pct: f64,
    /// Share in the reference, percent.
    pub reference_share_pct: f64,
    /// Log-likelihood G².
    pub g2: f64,
    /// p-value of G² (df 1).
    pub p_value: f64,
    /// log₂ ratio of relative frequencies.
    pub log_ratio: f64,
}

impl Keywords {
    /// Counts the words `stopwords` keeps per group of `dims` (Overall needs nothing: it
    /// is derived).
    pub fn new(dims: &[Dim], stopwords: std::sync::Arc<Stopwords>) -> Self {
        let mut dims: Vec<Dim> = dims
            .iter()
            .copied()
            .filter(|d| *d != Dim::Overall)
            .collect();
        if dims.is_empty() {
            dims.push(Dim::Level);
        }
        Keywords {
            dims,
            vocabulary: std::sync::Arc::new(Vocabulary::new(stopwords)),
            groups: BTreeMap::new(),
        }
    }

    /// The vocabulary that documents' words are counted with (see [`DocWords::add`]).
    pub fn vocabulary(&self) -> &std::sync::Arc<Vocabulary> {
        &self.vocabulary
    }

    /// Adds one document's word counts under its groups.
    pub fn add_document(&mut self, keys: &GroupKeys, words: &DocWords) {
        if words.ids.is_empty() {
            return;
        }
        for &dim in &self.dims {
            let group = self
                .groups
                .entry((dim, keys.get(dim).to_string()))
                .or_default();
            for &id in &words.ids {
                group.add(id as usize, 1);
            }
        }
    }

    /// The groups of a dimension in report order, with their word counts; empty for a
    /// dimension that was not counted.
    pub fn groups(&self, dim: Dim) -> Vec<(String, WordCounts)> {
        let source = if dim == Dim::Overall {
            self.dims[0]
        } else {
            dim
        };
        let mut merged: BTreeMap<String, IdCounts> = BTreeMap::new();
        for ((d, g), w) in &self.groups {
            if *d == source {
                let key = if dim == Dim::Overall {
                    "all"
                } else {
                    g.as_str()
                };
                match merged.get_mut(key) {
                    Some(m) => m.merge(w),
                    None => {
                        merged.insert(key.to_string(), w.clone());
                    }
                }
            }
        }
        let mut v: Vec<(String, WordCounts)> = self.vocabulary.with_words(|words| {
            merged
                .into_iter()
                .map(|(g, c)| (g, c.resolve(words)))
                .collect()
        });
        v.sort_by_key(|(g, _)| crate::tally::aggregate::group_order(dim, g));
        v
    }

    /// The top `n` words of every group of `dim`.
    pub fn top_rows(&self, dim: Dim, n: usize) -> Vec<KeywordRow> {
        top_rows_of(dim, &self.groups(dim), n)
    }

    /// [`Keywords::top_rows`] and, unless `alpha` is `None`, [`Keywords::keyness_rows`]
    /// of `dim`, from one computation of its groups.
    pub fn rows(
        &self,
        dim: Dim,
        n: usize,
        alpha: Option<f64>,
    ) -> (Vec<KeywordRow>, Vec<KeynessRow>) {
        let groups = self.groups(dim);
        let top = top_rows_of(dim, &groups, n);
        let keyness = match alpha {
            Some(alpha) => keyness_rows_of(dim, &groups, n, alpha),
            None => Vec::new(),
        };
        (top, keyness)
    }

    /// For each known group of `dim`, the `n` words most characteristic of it (largest G²
    /// among words relatively more frequent there, p < `alpha`) against the other known
    /// groups together — against the other group when there are two. Groups `unknown` and
    /// `national` are left out.
    pub fn keyness_rows(&self, dim: Dim, n: usize, alpha: f64) -> Vec<KeynessRow> {
        keyness_rows_of(dim, &self.groups(dim), n, alpha)
    }
}

/// [`Keywords::top_rows`] of the groups of `dim`.
fn top_rows_of(dim: Dim, groups: &[(String, WordCounts)], n: usize) -> Vec<KeywordRow> {
    let mut rows = Vec::new();
    for (g, w) in groups {
        for (i, (word, count)) in w.top(n).into_iter().enumerate() {
            rows.push(KeywordRow {
                dimension: dim.as_str(),
                group: g.to_string(),
                rank: i + 1,
                word: word.to_string(),
                count,
                share_pct: share(count, w.total),
            });
        }
    }
    rows
}

/// [`Keywords::keyness_rows`] of the groups of `dim`.
fn keyness_rows_of(
    dim: Dim,
    groups: &[(String, WordCounts)],
    n: usize,
    alpha: f64,
) -> Vec<KeynessRow> {
    let known: Vec<&(String, WordCounts)> = groups
        .iter()
        .filter(|(g, _)| g != crate::geo::region::UNKNOWN && g != crate::geo::region::NATIONAL)
        .collect();
    let mut rows = Vec::new();
    if known.len() < 2 {
        return rows;
    }
    // Every word's count over all known groups: a group's reference (the others
    // together) is that minus the group's own count, rather than a merge per group.
    let mut all: FxHashMap<&str, u64> = FxHashMap::default();
    let mut all_total = 0u64;
    for (_, w) in &known {
        for (word, &n) in &w.counts {
            *all.entry(word.as_str()).or_insert(0) += n;
        }
        all_total += w.total;
    }
    for (i, (g, target)) in known.iter().enumerate() {
        let rest_total = all_total - target.total;
        let reference = if known.len() == 2 {
            known[1 - i].0.clone()
        } else {
            "rest".to_string()
        };
        // The p-value (the costly part) only for words more frequent in the group.
        let mut scored: Vec<(&str, u64, u64, Keyness)> = target
            .counts
            .iter()
            .filter_map(|(word, &a)| {
                let b = all.get(word.as_str()).map_or(0, |&n| n - a);
                let (g2, log_ratio) = stats::keyness_g2_log_ratio(a, b, target.total, rest_total);
                if log_ratio <= 0.0 || log_ratio.is_nan() {
                    return None;
                }
                let p_value = stats::chi2_p_value(g2, 1);
                (p_value < alpha).then_some((
                    word.as_str(),
                    a,
                    b,
                    Keyness {
                        g2,
                        p_value,
                        log_ratio,
                    },
                ))
            })
            .collect();
        scored.sort_by(|x, y| y.3.g2.total_cmp(&x.3.g2).then(x.0.cmp(y.0)));
        for (word, a, b, k) in scored.into_iter().take(n) {
            rows.push(KeynessRow {
                dimension: dim.as_str(),
                group: g.to_string(),
                reference: reference.clone(),
                word: word.to_string(),
                count: a,
                reference_count: b,
                share_pct: share(a, target.total),
                reference_share_pct: share(b, rest_total),
                g2: k.g2,
                p_value: k.p_value,
                log_ratio: k.log_ratio,
            });
        }
    }
    rows
}

fn share(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_cache_tells_short_and_long_words_apart() {
        let mut c = WordCache::default();
        let words = [
            "",
            "a",
            "a\0",
            "\0",
            "创业",
            "创业担保贷款",
            "创业担保贷款扶持",
            "abcdefghijklmno",
            "abcdefghijklmnop",
        ];
        for (i, w) in words.iter().enumerate() {
            c.insert(w, i as u32);
        }
        assert_eq!(c.len(), words.len());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(c.get(w), Some(i as u32), "{w:?}");
        }
        assert_eq!(c.get("b"), None);
        assert_eq!(c.get("创业担保贷款扶持政策"), None);
        // Again, now served by the front cache.
        for (i, w) in words.iter().enumerate() {
            assert_eq!(c.get(w), Some(i as u32), "{w:?}");
        }
    }

    /// The layout the cache's keys had when they were built in a byte array: the bytes,
    /// then the length in the last byte.
    fn packed_by_bytes(word: &str) -> Option<[u64; 2]> {
        let (bytes, n) = (word.as_bytes(), word.len());
        let mut b = [0u8; 16];
        match n {
            0..8 => {
                b[..n].copy_from_slice(bytes);
                b[7] = n as u8;
                Some([u64::from_le_bytes(b[..8].try_into().unwrap()), 0])
            }
            8..16 => {
                b[..n].copy_from_slice(bytes);
                b[15] = n as u8;
                let k = u128::from_le_bytes(b);
                Some([k as u64, (k >> 64) as u64])
            }
            _ => None,
        }
    }

    proptest::proptest! {
        #[test]
        fn packed_keys_are_the_bytes_then_the_length(word in "[a-z\u{e9}\u{4e00}-\u{4e0f}\u{1f600}]{0,9}") {
            let got = match WordCache::pack(&word) {
                Packed::Short(k) => Some([k, 0]),
                Packed::Medium(k) => Some(k),
                Packed::Long(w) => {
                    proptest::prop_assert_eq!(w, word.as_str());
                    None
                }
            };
            proptest::prop_assert_eq!(got, packed_by_bytes(&word));
        }
    }

    #[test]
    fn word_cache_front_survives_collisions_and_clearing() {
        let mut c = WordCache::default();
        // More words than the front has slots, so slots are shared.
        let words: Vec<String> = (0..3 * (1u32 << HOT_BITS))
            .map(|i| {
                char::from_u32(0x4E00 + i % 20_000).unwrap().to_string() + &(i / 20_000).to_string()
            })
            .collect();
        for (i, w) in words.iter().enumerate() {
            c.insert(w, i as u32);
        }
        for _ in 0..2 {
            for (i, w) in words.iter().enumerate().rev() {
                assert_eq!(c.get(w), Some(i as u32), "{w:?}");
            }
        }
        c.clear();
        assert!(words.iter().all(|w| c.get(w).is_none()));
    }

    fn keys(level: &str) -> GroupKeys {
        GroupKeys {
            level: level.into(),
            region: "east".into(),
            province: "zhejiang".into(),
            year: "2020".into(),
        }
    }

    fn words(k: &Keywords, list: &[(&str, u64)]) -> DocWords {
        let mut w = DocWords::default();
        for (s, n) in list {
            for _ in 0..*n {
                w.add(k.vocabulary(), s);
            }
        }
        w
    }

    #[test]
    fn stop_words_single_characters_and_numbers_are_left_out() {
        let s = Stopwords::default();
        for t in ["的", "the", "省", "2015", "3.5%", "，", "x"] {
            assert!(!s.keeps(t), "{t}");
        }
        for t in ["试点", "创业", "pilot", "grants", "5g"] {
            assert!(s.keeps(t), "{t}");
        }
        let mut loose = Stopwords::empty();
        loose.keep_single_chars = true;
        loose.keep_numbers = true;
        assert!(loose.keeps("的") && loose.keeps("省") && loose.keeps("2015"));
    }

    #[test]
    fn user_stop_words_extend_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("stop.txt");
        std::fs::write(&f, "# mine\n试点\nPilot\n").unwrap();
        let mut s = Stopwords::default();
        let before = s.len();
        s.extend_from_file(&f).unwrap();
        assert_eq!(s.len(), before + 2);
        assert!(!s.keeps("试点") && !s.keeps("pilot"));
    }

    #[test]
    fn top_words_and_shares_per_group() {
        let mut k = Keywords::default();
        k.add_document(
            &keys("central"),
            &words(&k, &[("试点", 6), ("改革", 3), ("区域", 1)]),
        );
        k.add_document(&keys("local"), &words(&k, &[("服务", 5), ("试点", 1)]));
        k.add_document(&keys("local"), &words(&k, &[("服务", 2), ("建设", 2)]));
        let rows = k.top_rows(Dim::Level, 2);
        let got: Vec<(&str, &str, u64, f64)> = rows
            .iter()
            .map(|r| (r.group.as_str(), r.word.as_str(), r.count, r.share_pct))
            .collect();
        assert_eq!(
            got,
            vec![
                ("central", "试点", 6, 60.0),
                ("central", "改革", 3, 30.0),
                ("local", "服务", 7, 70.0),
                ("local", "建设", 2, 20.0),
            ]
        );
    }

    #[test]
    fn keyness_names_the_characteristic_words_of_each_side() {
        let mut k = Keywords::default();
        k.add_document(&keys("central"), &words(&k, &[("试点", 30), ("企业", 970)]));
        k.add_document(&keys("local"), &words(&k, &[("试点", 10), ("企业", 1990)]));
        k.add_document(&keys("unknown"), &words(&k, &[("试点", 500)]));
        let rows = k.keyness_rows(Dim::Level, 5, 0.05);
        let central: Vec<&KeynessRow> = rows.iter().filter(|r| r.group == "central").collect();
        assert_eq!(central.len(), 1);
        let r = central[0];
        assert_eq!((r.word.as_str(), r.reference.as_str()), ("试点", "local"));
        // The unknown group is not part of the reference.
        assert_eq!((r.count, r.reference_count), (30, 10));
        let expect = stats::keyness(30, 10, 1000, 2000);
        assert_eq!(r.g2, expect.g2);
        assert!(r.p_value < 0.001);
        // 企业 is relatively more frequent locally (99.5 % vs 97 %), but G² (Rayson's form,
        // over the word's two cells) is only 0.42: not a keyword at 5 %.
        assert!(!rows.iter().any(|r| r.group == "local"), "{rows:?}");
        let k2 = stats::keyness(1990, 970, 2000, 1000);
        assert!((k2.g2 - 0.4235).abs() < 1e-4 && k2.p_value > 0.5, "{k2:?}");
    }
}
