//! Feature extraction for the clause classifier: TF-IDF over words (the pipeline's own
//! tokens plus bigrams) and over subword pieces (a BPE vocabulary trained on the
//! training texts with the `tokenizers` crate), and rule-match indicators.

use crate::code::coder::Coder;
use crate::code::tokenize::TokenStream;
use crate::prepare::normalize::normalize;
use crate::util::lang::{self, is_han, Lang};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// Which text features to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    /// Words and bigrams.
    Words,
    /// Subword pieces.
    Subword,
    /// Both blocks.
    Both,
    /// Sentence embeddings (no TF-IDF blocks; see [`super::embed`]).
    Embedding,
}

impl FromStr for FeatureKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "words" => Ok(FeatureKind::Words),
            "subword" => Ok(FeatureKind::Subword),
            "both" => Ok(FeatureKind::Both),
            _ => Err(format!("unknown features `{s}` (words, subword, both)")),
        }
    }
}

/// Raw term counts of one text: words, subwords, and the rule coder's categories/concepts.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Word and bigram counts (`w:` and `b:` keys).
    pub words: HashMap<String, f32>,
    /// Subword piece counts (`s:` keys), filled when a subword tokenizer is used.
    pub subwords: HashMap<String, f32>,
    /// Rule features (`r:` keys), each present once.
    pub rules: Vec<String>,
}

/// Word counts: jieba words (Chinese) or stems (English), plus Han character bigrams
/// (Chinese) or word bigrams (English).
pub fn word_counts(
    coder: &Coder,
    text: &str,
    lang: Lang,
    buf: &mut TokenStream,
) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::new();
    coder.tokenizer.tokenize(text, lang, buf);
    let keys: Vec<&str> = buf
        .keys()
        .filter(|k| k.chars().any(char::is_alphanumeric))
        .collect();
    for k in &keys {
        *out.entry(format!("w:{k}")).or_default() += 1.0;
    }
    match lang {
        Lang::Zh => {
            let chars: Vec<char> = text.chars().collect();
            for w in chars.windows(2) {
                if is_han(w[0]) && is_han(w[1]) {
                    *out.entry(format!("b:{}{}", w[0], w[1])).or_default() += 1.0;
                }
            }
        }
        Lang::En => {
            for w in keys.windows(2) {
                *out.entry(format!("b:{}_{}", w[0], w[1])).or_default() += 1.0;
            }
        }
    }
    out
}

/// A BPE vocabulary trained on the training texts; kept as the tokenizer's JSON.
pub struct Subword {
    tokenizer: tokenizers::Tokenizer,
}

impl Subword {
    /// Trains a BPE model with `vocab_size` pieces on `texts` (normalised), offline.
    pub fn train(texts: &[String], vocab_size: usize) -> Result<Self, String> {
        use tokenizers::models::bpe::{BpeTrainer, BPE};
        use tokenizers::models::TrainerWrapper;
        use tokenizers::pre_tokenizers::whitespace::Whitespace;
        let mut tokenizer = tokenizers::Tokenizer::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(Whitespace {}));
        let mut trainer: TrainerWrapper = BpeTrainer::builder()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .build()
            .into();
        tokenizer
            .train(&mut trainer, texts.iter().map(|t| t.to_lowercase()))
            .map_err(|e| format!("subword training failed: {e}"))?;
        Ok(Subword { tokenizer })
    }

    /// The tokenizer as JSON, to store in a model file.
    pub fn to_json(&self) -> Result<String, String> {
        self.tokenizer.to_string(false).map_err(|e| e.to_string())
    }

    /// Restores a tokenizer from its JSON.
    pub fn from_json(json: &str) -> Result<Self, String> {
        tokenizers::Tokenizer::from_str(json)
            .map(|tokenizer| Subword { tokenizer })
            .map_err(|e| format!("invalid subword tokenizer in model: {e}"))
    }

    /// Piece counts of a text.
    pub fn counts(&self, text: &str) -> HashMap<String, f32> {
        let mut out: HashMap<String, f32> = HashMap::new();
        if let Ok(enc) = self.tokenizer.encode(text.to_lowercase(), false) {
            for t in enc.get_tokens() {
                *out.entry(format!("s:{t}")).or_default() += 1.0;
            }
        }
        out
    }
}

/// Rule features: the categories and concepts the codebook finds in the text.
pub fn rule_features(coder: &Coder, text: &str, lang: Lang, buf: &mut TokenStream) -> Vec<String> {
    let codes = coder.code(text, lang, buf);
    let cb = &coder.codebook;
    codes
        .categories
        .iter()
        .map(|&k| format!("r:cat:{}", cb.categories[k].id))
        .chain(
            codes
                .concepts
                .iter()
                .map(|&c| format!("r:concept:{}", cb.concepts[c].id)),
        )
        .collect()
}

/// Counts of one raw text for the chosen features.
pub fn counts(coder: &Coder, subword: Option<&Subword>, kind: FeatureKind, text: &str) -> Counts {
    let n = normalize(text).text;
    let lang = lang::detect(&n);
    let rules = rule_features(coder, &n, lang, &mut TokenStream::default());
    counts_with_rules(coder, subword, kind, &n, lang, rules)
}

/// Counts of an already normalised text whose rule features the caller has (the pipeline
/// has just coded the unit, so it need not be coded again).
pub fn counts_with_rules(
    coder: &Coder,
    subword: Option<&Subword>,
    kind: FeatureKind,
    normalized: &str,
    lang: Lang,
    rules: Vec<String>,
) -> Counts {
    Counts {
        words: if matches!(kind, FeatureKind::Words | FeatureKind::Both) {
            word_counts(coder, normalized, lang, &mut TokenStream::default())
        } else {
            HashMap::new()
        },
        subwords: match (kind, subword) {
            (FeatureKind::Words | FeatureKind::Embedding, _) | (_, None) => HashMap::new(),
            (_, Some(s)) => s.counts(normalized),
        },
        rules,
    }
}

/// A fitted TF-IDF vocabulary of one block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Vocabulary {
    /// Feature names, in column order.
    pub terms: Vec<String>,
    /// Inverse document frequency per term.
    pub idf: Vec<f32>,
}

impl Vocabulary {
    /// Keeps terms in at least `min_df` documents, the `max_features` most frequent
    /// (ties by name, so the result is deterministic); smoothed idf.
    pub fn fit<'a>(
        docs: impl Iterator<Item = &'a HashMap<String, f32>>,
        min_df: usize,
        max_features: usize,
    ) -> Self {
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        let mut n = 0usize;
        for d in docs {
            n += 1;
            for k in d.keys() {
                *df.entry(k.as_str()).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, usize)> = df.into_iter().filter(|(_, c)| *c >= min_df).collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(max_features);
        kept.sort_by(|a, b| a.0.cmp(b.0));
        Vocabulary {
            idf: kept
                .iter()
                .map(|(_, c)| (((1 + n) as f32) / ((1 + c) as f32)).ln() + 1.0)
                .collect(),
            terms: kept.into_iter().map(|(t, _)| t.to_string()).collect(),
        }
    }

    /// Sublinear tf × idf, L2-normalised, written into `out` (length = terms).
    pub fn transform(
        &self,
        counts: &HashMap<String, f32>,
        index: &HashMap<&str, usize>,
        out: &mut [f32],
    ) {
        for (k, &c) in counts {
            if let Some(&i) = index.get(k.as_str()) {
                out[i] = (1.0 + c.ln()) * self.idf[i];
            }
        }
        // Summed in column order, not hash order, so the same text gives the same bits.
        let norm: f32 = out.iter().map(|v| v * v).sum();
        if norm > 0.0 {
            let norm = norm.sqrt();
            out.iter_mut().for_each(|v| *v /= norm);
        }
    }

    /// Term → column.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_deterministic_and_normalised() {
        let docs: Vec<HashMap<String, f32>> = vec![
            [("w:a", 2.0), ("w:b", 1.0)]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            [("w:a", 1.0), ("w:c", 1.0)]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            [("w:b", 1.0), ("w:a", 1.0)]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
        ];
        let v = Vocabulary::fit(docs.iter(), 2, 10);
        assert_eq!(v.terms, ["w:a", "w:b"]);
        assert_eq!(v, Vocabulary::fit(docs.iter(), 2, 10));
        let idx = v.index();
        let mut x = vec![0.0; 2];
        v.transform(&docs[0], &idx, &mut x);
        assert!((x.iter().map(|a| a * a).sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(x[0] > 0.0 && x[1] > 0.0);
    }

    #[test]
    fn subword_training_is_deterministic_and_round_trips() {
        let texts: Vec<String> = [
            "创业担保贷款贴息",
            "创业担保贷款额度",
            "创业培训补贴",
            "tax relief for small firms",
            "tax credit for firms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = Subword::train(&texts, 100).unwrap();
        let b = Subword::train(&texts, 100).unwrap();
        assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
        let c = Subword::from_json(&a.to_json().unwrap()).unwrap();
        assert_eq!(a.counts("创业担保贷款"), c.counts("创业担保贷款"));
        assert!(!a.counts("创业担保贷款").is_empty());
    }
}
