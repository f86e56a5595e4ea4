//! Tokens for matching: jieba-rs words for Chinese, stemmed Unicode words for English.
//!
//! Tokens are written into a [`TokenStream`]: one string of token keys joined by a
//! separator, with each token's place in it, so codebook terms are matched against whole
//! tokens only (印度 never inside 印度尼西亚, "tax" never inside "taxonomy").

use crate::prepare::normalize::normalize;
use crate::util::lang::{is_han_lead_byte, Lang};
use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// Separates token keys in [`TokenStream::keys`]; never part of a key.
pub const SEP: char = '\u{1F}';

/// The tokens of one text.
///
/// English tokens have two keys: the stem (in [`TokenStream::keys`], what codebook terms
/// match) and the lower-case word (in the surface string, for exact `=word` terms and
/// keyword counts), both made in one pass. Chinese words are never stemmed, so the
/// surface string is the key string.
#[derive(Debug, Default, Clone)]
pub struct TokenStream {
    /// `SEP key SEP key … SEP`.
    pub keys: String,
    /// `SEP word SEP word … SEP` for English; empty for Chinese (see [`TokenStream::surface`]).
    surface: String,
    /// Per token: where its keys and its text sit.
    pub tokens: Vec<TokenSpan>,
}

/// Where one token sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSpan {
    /// Start of the key in [`TokenStream::keys`].
    pub key_start: u32,
    /// Start of the unstemmed word in [`TokenStream::surface`].
    pub surface_start: u32,
    /// Byte start in the tokenized text.
    pub start: u32,
    /// Byte end in the tokenized text.
    pub end: u32,
}

/// Which key string of a [`TokenStream`] a position refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// Stems (English) or words (Chinese): [`TokenStream::keys`].
    Key,
    /// Unstemmed lower-case words: [`TokenStream::surface`].
    Surface,
}

impl TokenStream {
    fn clear(&mut self) {
        self.keys.clear();
        self.keys.push(SEP);
        self.surface.clear();
        self.tokens.clear();
    }

    /// Adds a token whose key is also its surface word (Chinese, punctuation).
    fn push(&mut self, key: &str, start: usize, end: usize) {
        self.push_both(key, key, start, end)
    }

    fn push_both(&mut self, key: &str, word: &str, start: usize, end: usize) {
        let surface_start = if self.surface.is_empty() {
            self.keys.len()
        } else {
            self.surface.len()
        };
        self.tokens.push(TokenSpan {
            key_start: self.keys.len() as u32,
            surface_start: surface_start as u32,
            start: start as u32,
            end: end as u32,
        });
        self.keys.push_str(key);
        self.keys.push(SEP);
        if !self.surface.is_empty() {
            self.surface.push_str(word);
            self.surface.push(SEP);
        }
    }

    /// `SEP word SEP word … SEP`: the unstemmed lower-case words (the keys themselves for
    /// Chinese).
    pub fn surface(&self) -> &str {
        if self.surface.is_empty() {
            &self.keys
        } else {
            &self.surface
        }
    }

    /// The token keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        (0..self.tokens.len()).map(|i| self.key(KeyForm::Key, i))
    }

    /// The unstemmed words, in order (for keyword counts).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        (0..self.tokens.len()).map(|i| self.key(KeyForm::Surface, i))
    }

    /// The key of token `i` in the key string `form`.
    ///
    /// # Panics
    /// If `i` is not below the number of tokens.
    pub fn key(&self, form: KeyForm, i: usize) -> &str {
        // Plain field reads, not a function pointer per form: this runs for every token,
        // twice (the term trie and the keyword counts).
        let next = self.tokens.get(i + 1);
        let (string, start, next_start) = match form {
            KeyForm::Key => (
                self.keys.as_str(),
                self.tokens[i].key_start,
                next.map(|t| t.key_start),
            ),
            KeyForm::Surface => (
                self.surface(),
                self.tokens[i].surface_start,
                next.map(|t| t.surface_start),
            ),
        };
        // A key runs from its start to the separator before the next key's start.
        let end = next_start.map_or(string.len(), |s| s as usize) - 1;
        &string[start as usize..end]
    }
}

/// Stems seen on this thread: the Snowball stemmer costs thousands of instructions a
/// word and a policy corpus repeats a small vocabulary.
const STEM_CACHE_MAX: usize = 100_000;

thread_local! {
    static STEMS: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Box<str>>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// Tokenizer shared by all threads: one jieba instance (its dictionary takes ~70 ms to
/// build) extended with the codebook's Chinese terms so that no term is ever split.
pub struct Tokenizer {
    jieba: Jieba,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokenizer")
    }
}

impl Tokenizer {
    /// Builds the tokenizer; `user_words` (Chinese terms) are added to jieba's dictionary.
    pub fn new<'a>(user_words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::new();
        for w in user_words {
            let w = normalize(w).text;
            let w = w.trim();
            // add_word overwrites frequencies, so leave jieba's own words alone; a word
            // without a frequency would do nothing (suggest_freq gives one that keeps it whole).
            if !w.is_empty() && !jieba.has_word(w) {
                jieba.add_word(w, None, None);
            }
        }
        Tokenizer {
            jieba,
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// Tokenizes normalised `text` into `out` (cleared first): keys and, for English,
    /// the unstemmed words as well.
    pub fn tokenize(&self, text: &str, lang: Lang, out: &mut TokenStream) {
        out.clear();
        match lang {
            Lang::Zh => {
                let mut lower = String::new();
                for t in self.jieba.cut(text, true) {
                    let w = t.word;
                    // Most words start with a Han character: no Unicode table lookups.
                    let han = w.as_bytes().first().copied().is_some_and(is_han_lead_byte);
                    if !han && w.chars().all(|c| c.is_whitespace() || c.is_control()) {
                        continue;
                    }
                    let key = if w.bytes().any(|b| b.is_ascii_uppercase()) {
                        lower.clear();
                        lower.push_str(&w.to_lowercase());
                        lower.as_str()
                    } else {
                        w
                    };
                    out.push(key, t.byte_start, t.byte_start + w.len());
                }
            }
            Lang::En => {
                out.surface.push(SEP);
                let mut lower = String::new();
                for (start, piece) in text.split_word_bound_indices() {
                    let Some(first) = piece.chars().next() else {
                        continue;
                    };
                    if first.is_alphanumeric() {
                        lower.clear();
                        if piece.is_ascii() {
                            lower.push_str(piece);
                            lower.make_ascii_lowercase();
                        } else {
                            lower.extend(piece.chars().flat_map(char::to_lowercase).map(|c| {
                                if c == '’' {
                                    '\''
                                } else {
                                    c
                                }
                            }));
                        }
                        self.with_stem(&lower, |stem| {
                            out.push_both(stem, &lower, start, start + piece.len())
                        });
                    } else if first.is_whitespace()
                        || first.is_control()
                        || matches!(first, '-' | '\'' | '’' | '/' | '‐' | '–')
                    {
                        // hyphens and apostrophes join: "start-up" = "start up"
                    } else {
                        out.push(piece, start, start + piece.len());
                    }
                }
            }
        }
    }

    /// Calls `f` with the stem of the lower-case word `word`.
    fn with_stem<R>(&self, word: &str, f: impl FnOnce(&str) -> R) -> R {
        STEMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(stem) = cache.get(word) {
                return f(stem);
            }
            let stem: Box<str> = self.stemmer.stem(word).into();
            if cache.len() >= STEM_CACHE_MAX {
                cache.clear();
            }
            let r = f(&stem);
            cache.insert(word.into(), stem);
            r
        })
    }

    /// The key string of a codebook term: `SEP k1 SEP k2 … SEP`, tokenized like text
    /// (stemmed unless `stem` is false).
    pub fn term_key(&self, term: &str, lang: Lang, stem: bool) -> String {
        let mut ts = TokenStream::default();
        self.tokenize(&normalize(term).text, lang, &mut ts);
        if stem {
            ts.keys
        } else {
            ts.surface().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn tok() -> &'static Tokenizer {
        static T: OnceLock<Tokenizer> = OnceLock::new();
        T.get_or_init(|| Tokenizer::new(["创业担保贷款", "返乡创业"]))
    }

    fn keys(text: &str, lang: Lang) -> Vec<String> {
        let mut ts = TokenStream::default();
        tok().tokenize(text, lang, &mut ts);
        ts.keys().map(String::from).collect()
    }

    #[test]
    fn user_terms_stay_whole() {
        assert!(
            keys("申请创业担保贷款的返乡创业人员", Lang::Zh).contains(&"创业担保贷款".to_string())
        );
    }

    #[test]
    fn english_is_lowercased_and_stemmed_with_hyphens_joined() {
        assert_eq!(
            keys("Start-up Grants, taxes", Lang::En),
            ["start", "up", "grant", ",", "tax"]
        );
        let mut ts = TokenStream::default();
        tok().tokenize("Farmer Cooperatives", Lang::En, &mut ts);
        assert_eq!(ts.keys().collect::<Vec<_>>(), ["farmer", "cooper"]);
        assert_eq!(ts.words().collect::<Vec<_>>(), ["farmer", "cooperatives"]);
        assert_eq!(ts.key(KeyForm::Key, 1), "cooper");
        assert_eq!(ts.key(KeyForm::Surface, 1), "cooperatives");
        assert_eq!((ts.tokens[1].start, ts.tokens[1].end), (7, 19));
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "落实税费减免政策";
        let mut ts = TokenStream::default();
        tok().tokenize(text, Lang::Zh, &mut ts);
        for (t, k) in ts.tokens.iter().zip(ts.keys()) {
            assert_eq!(&text[t.start as usize..t.end as usize], k);
        }
    }
}
