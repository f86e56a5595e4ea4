//! Tokens for matching: jieba-rs words for Chinese, stemmed Unicode words for English.
//!
//! Tokens are written into a [`TokenStream`]: one string of token keys joined by a
//! separator, so the codebook automaton can match whole tokens only (印度 never inside
//! 印度尼西亚, "tax" never inside "taxonomy").

use crate::lang::Lang;
use crate::normalize::normalize;
use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// Separates token keys in [`TokenStream::keys`]; never part of a key.
pub const SEP: char = '\u{1F}';

/// The tokens of one text.
#[derive(Debug, Default, Clone)]
pub struct TokenStream {
    /// `SEP key SEP key … SEP`.
    pub keys: String,
    /// Per token: byte range of its key in `keys` and of its text in the input.
    pub tokens: Vec<TokenSpan>,
}

/// Where one token sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSpan {
    /// Start of the key in [`TokenStream::keys`].
    pub key_start: u32,
    /// Byte start in the tokenized text.
    pub start: u32,
    /// Byte end in the tokenized text.
    pub end: u32,
}

impl TokenStream {
    fn clear(&mut self) {
        self.keys.clear();
        self.keys.push(SEP);
        self.tokens.clear();
    }

    fn push(&mut self, key: &str, start: usize, end: usize) {
        self.tokens.push(TokenSpan {
            key_start: self.keys.len() as u32,
            start: start as u32,
            end: end as u32,
        });
        self.keys.push_str(key);
        self.keys.push(SEP);
    }

    /// The token keys, in order (for tests and keyword counts).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.split(SEP).filter(|k| !k.is_empty())
    }

    /// Text byte span covered by the tokens whose keys lie in `keys[key_start..key_end]`,
    /// where the range starts and ends on separators.
    pub fn text_span(&self, key_start: usize, key_end: usize) -> Option<(usize, usize)> {
        let first = self
            .tokens
            .binary_search_by_key(&((key_start + 1) as u32), |t| t.key_start)
            .ok()?;
        let last = match self
            .tokens
            .binary_search_by_key(&(key_end as u32), |t| t.key_start)
        {
            Ok(i) => i.checked_sub(1)?,
            Err(i) => i.checked_sub(1)?,
        };
        Some((
            self.tokens[first].start as usize,
            self.tokens[last].end as usize,
        ))
    }
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

    /// Tokenizes normalised `text` into `out` (cleared first).
    pub fn tokenize(&self, text: &str, lang: Lang, out: &mut TokenStream) {
        self.tokenize_with(text, lang, true, out)
    }

    /// Like [`Tokenizer::tokenize`]; with `stem == false` English words keep their
    /// lower-case surface form (for exact `=word` terms).
    pub fn tokenize_with(&self, text: &str, lang: Lang, stem: bool, out: &mut TokenStream) {
        out.clear();
        match lang {
            Lang::Zh => {
                let mut lower = String::new();
                for t in self.jieba.cut(text, true) {
                    let w = t.word;
                    if w.chars().all(|c| c.is_whitespace() || c.is_control()) {
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
                let mut lower = String::new();
                for (start, piece) in text.split_word_bound_indices() {
                    let Some(first) = piece.chars().next() else {
                        continue;
                    };
                    if first.is_alphanumeric() {
                        lower.clear();
                        lower.extend(piece.chars().flat_map(char::to_lowercase).map(|c| {
                            if c == '’' {
                                '\''
                            } else {
                                c
                            }
                        }));
                        if stem {
                            let stemmed = self.stemmer.stem(&lower);
                            out.push(&stemmed, start, start + piece.len());
                        } else {
                            out.push(&lower, start, start + piece.len());
                        }
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

    /// The key string of a codebook term: `SEP k1 SEP k2 … SEP`, tokenized like text
    /// (stemmed unless `stem` is false).
    pub fn term_key(&self, term: &str, lang: Lang, stem: bool) -> String {
        let mut ts = TokenStream::default();
        self.tokenize_with(&normalize(term).text, lang, stem, &mut ts);
        ts.keys
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
        tok().tokenize_with("Farmer Cooperatives", Lang::En, false, &mut ts);
        assert_eq!(ts.keys().collect::<Vec<_>>(), ["farmer", "cooperatives"]);
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
