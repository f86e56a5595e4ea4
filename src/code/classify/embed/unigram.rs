//! A compact SentencePiece-unigram model for the `tokenizers` pipeline.
//!
//! `tokenizers`' own `Unigram` keeps its 250,002 XLM-R pieces in a byte trie of hash maps
//! (one per node): about 213 MB of heap for multilingual-e5-small, more than the encoder's
//! weights. This model holds the same pieces in one string arena sorted by bytes (about
//! 8 MB) and finds the pieces that prefix a position by narrowing a binary search one byte
//! at a time, which visits exactly the prefixes the trie visits. Its Viterbi search is
//! `Unigram::encode_optimized` of `tokenizers` 0.23 step by step (pieces tried shortest
//! first, a later candidate replaces an earlier one only when strictly better, unknown
//! characters scored `min_score - 10` and consecutive unknowns fused), so the ids are the
//! same; the normaliser, pre-tokeniser, added tokens and post-processor stay `tokenizers`'
//! own, read from the same `tokenizer.json`. Models with byte fallback are left to
//! `tokenizers` (the caller falls back to `tokenizers::Tokenizer`).

use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use tokenizers::{
    DecoderWrapper, Model, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper, Token,
    TokenizerImpl,
};

/// The score penalty of an unknown character below the lowest piece score (`tokenizers`'
/// and SentencePiece's `kUnkPenalty`).
const UNK_PENALTY: f64 = 10.0;

/// A tokenizer whose model is [`CompactUnigram`].
pub type CompactTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// SentencePiece-unigram pieces in a sorted arena.
pub struct CompactUnigram {
    /// All pieces, concatenated in id order.
    arena: String,
    /// Piece `i` is `arena[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    scores: Vec<f64>,
    /// Piece ids sorted by the pieces' bytes (equal pieces: the highest id first, as
    /// `tokenizers`' map keeps the last id of a repeated piece).
    sorted: Vec<u32>,
    unk_id: Option<u32>,
    min_score: f64,
}

impl CompactUnigram {
    /// Builds the model from `(piece, score)` in id order.
    pub fn new(vocab: Vec<(String, f64)>, unk_id: Option<usize>) -> Result<Self, String> {
        if vocab.is_empty() {
            return Err("the vocabulary is empty".into());
        }
        let unk_id = match unk_id {
            Some(u) if u >= vocab.len() => {
                return Err(format!(
                    "unk_id {u} outside the vocabulary ({})",
                    vocab.len()
                ))
            }
            Some(u) => Some(u as u32),
            None => None,
        };
        let total: usize = vocab.iter().map(|(p, _)| p.len()).sum();
        if total >= u32::MAX as usize || vocab.len() >= u32::MAX as usize {
            return Err("the vocabulary is too large".into());
        }
        let mut arena = String::with_capacity(total);
        let mut starts = Vec::with_capacity(vocab.len() + 1);
        let mut scores = Vec::with_capacity(vocab.len());
        let mut min_score = f64::INFINITY;
        for (piece, score) in vocab {
            starts.push(arena.len() as u32);
            arena.push_str(&piece);
            if score < min_score {
                min_score = score;
            }
            scores.push(score);
        }
        starts.push(arena.len() as u32);
        let mut m = CompactUnigram {
            arena,
            starts,
            scores,
            sorted: Vec::new(),
            unk_id,
            min_score,
        };
        let mut sorted: Vec<u32> = (0..m.scores.len() as u32).collect();
        sorted.sort_by(|&a, &b| {
            m.piece(a)
                .as_bytes()
                .cmp(m.piece(b).as_bytes())
                .then(b.cmp(&a))
        });
        // Keep one id per piece: the last one, as a map filled in id order would.
        sorted.dedup_by(|later, earlier| m.piece(*later) == m.piece(*earlier));
        m.sorted = sorted;
        Ok(m)
    }

    fn piece(&self, id: u32) -> &str {
        let i = id as usize;
        &self.arena[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// The id of a piece.
    fn id_of(&self, piece: &str) -> Option<u32> {
        self.sorted
            .binary_search_by(|&id| self.piece(id).as_bytes().cmp(piece.as_bytes()))
            .ok()
            .map(|i| self.sorted[i])
    }

    /// Calls `found(length, id)` for every piece that is a prefix of `s`, shortest first:
    /// the pieces whose byte `k` equals `s[k]` form a range of `sorted` that narrows with
    /// each byte, and a piece of exactly `k + 1` bytes sits at the range's start.
    fn prefixes(&self, s: &[u8], mut found: impl FnMut(usize, u32)) {
        let (mut lo, mut hi) = (0usize, self.sorted.len());
        for (k, &byte) in s.iter().enumerate() {
            let range = &self.sorted[lo..hi];
            // Pieces in the range share s[..k]; those shorter than k + 1 bytes sort first
            // (only one can be: the piece s[..k] itself).
            let first = range.partition_point(|&id| {
                let p = self.piece(id).as_bytes();
                p.len() <= k || p[k] < byte
            });
            let end = range.partition_point(|&id| {
                let p = self.piece(id).as_bytes();
                p.len() <= k || p[k] <= byte
            });
            if first == end {
                return;
            }
            lo += first;
            hi = lo + (end - first);
            let id = self.sorted[lo];
            if self.piece(id).len() == k + 1 {
                found(k + 1, id);
            }
        }
    }

    /// The best segmentation of `sentence` into pieces (fused unknowns included), as
    /// `tokenizers`' `Unigram::encode_optimized`.
    fn encode(&self, sentence: &str) -> Result<Vec<(usize, usize, Option<u32>)>, String> {
        #[derive(Clone, Copy)]
        struct Best {
            id: Option<u32>,
            score: f64,
            from: Option<usize>,
        }
        let size = sentence.len();
        let bytes = sentence.as_bytes();
        let unk_score = self.min_score - UNK_PENALTY;
        let mut best = vec![
            Best {
                id: None,
                score: 0.0,
                from: None
            };
            size + 1
        ];
        let mut at = 0;
        while at < size {
            let here = best[at].score;
            let mblen = sentence[at..].chars().next().map_or(1, char::len_utf8);
            let mut single = false;
            self.prefixes(&bytes[at..], |len, id| {
                let cand = self.scores[id as usize] + here;
                let t = &mut best[at + len];
                if t.from.is_none() || cand > t.score {
                    *t = Best {
                        id: Some(id),
                        score: cand,
                        from: Some(at),
                    };
                }
                if len == mblen {
                    single = true;
                }
            });
            if !single {
                let unk = self
                    .unk_id
                    .ok_or("an unknown character and no unk_id in the tokenizer")?;
                let cand = unk_score + here;
                let t = &mut best[at + mblen];
                if t.from.is_none() || cand > t.score {
                    *t = Best {
                        id: Some(unk),
                        score: cand,
                        from: Some(at),
                    };
                }
            }
            at += mblen;
        }
        // Back from the end; consecutive unknowns become one piece.
        let mut out: Vec<(usize, usize, Option<u32>)> = Vec::new();
        let mut end = size;
        let mut unk_run: Option<(usize, usize)> = None;
        while end > 0 {
            let node = best[end];
            let from = node.from.ok_or("no segmentation")?;
            if node.id.is_some() && node.id == self.unk_id {
                unk_run = Some((from, unk_run.map_or(end, |(_, e)| e)));
            } else {
                if let Some((s, e)) = unk_run.take() {
                    out.push((s, e, None));
                }
                out.push((from, end, node.id));
            }
            end = from;
        }
        if let Some((s, e)) = unk_run {
            out.push((s, e, None));
        }
        out.reverse();
        Ok(out)
    }
}

impl Model for CompactUnigram {
    type Trainer = tokenizers::models::unigram::UnigramTrainer;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        if sequence.is_empty() {
            return Ok(Vec::new());
        }
        let pieces = self.encode(sequence)?;
        let mut tokens = Vec::with_capacity(pieces.len());
        for (s, e, id) in pieces {
            let text = &sequence[s..e];
            // A fused run of unknowns takes its own id should it be a piece (as in
            // `tokenizers`), else the unknown id.
            let id = match id {
                Some(id) => id,
                None => self
                    .id_of(text)
                    .or(self.unk_id)
                    .ok_or("an unknown character and no unk_id in the tokenizer")?,
            };
            tokens.push(Token::new(id, text.to_string(), (s, e)));
        }
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.id_of(token)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        ((id as usize) < self.scores.len()).then(|| self.piece(id).to_string())
    }

    fn get_vocab(&self) -> std::collections::HashMap<String, u32> {
        self.sorted
            .iter()
            .map(|&id| (self.piece(id).to_string(), id))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.scores.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the compact unigram model is not saved".into())
    }

    fn get_trainer(&self) -> Self::Trainer {
        Self::Trainer::default()
    }
}

impl<'de> Deserialize<'de> for CompactUnigram {
    /// Reads the `model` object of a `tokenizer.json` whose type is `Unigram` without byte
    /// fallback; anything else is an error (the caller then uses `tokenizers` itself).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CompactUnigram;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a Unigram model")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut vocab: Option<Vec<(String, f64)>> = None;
                let mut unk_id: Option<usize> = None;
                let mut kind: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => kind = Some(map.next_value()?),
                        "unk_id" => unk_id = map.next_value()?,
                        "vocab" => vocab = Some(map.next_value()?),
                        "byte_fallback" => {
                            if map.next_value::<bool>()? {
                                return Err(A::Error::custom("byte fallback"));
                            }
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                if kind.as_deref() != Some("Unigram") {
                    return Err(A::Error::custom("not a Unigram model"));
                }
                let vocab = vocab.ok_or_else(|| A::Error::custom("missing vocab"))?;
                CompactUnigram::new(vocab, unk_id).map_err(A::Error::custom)
            }
        }
        d.deserialize_map(V)
    }
}

/// The tokenizer of a model folder: the compact unigram form when `tokenizer.json` holds a
/// unigram model without byte fallback, else `tokenizers`' own.
pub enum AnyTokenizer {
    Compact(Box<CompactTokenizer>),
    Full(Box<tokenizers::Tokenizer>),
}

impl AnyTokenizer {
    /// Reads `tokenizer.json`.
    pub fn from_file(path: &Path) -> Result<AnyTokenizer, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        if let Ok(t) = serde_json::from_slice::<CompactTokenizer>(&bytes) {
            return Ok(AnyTokenizer::Compact(Box::new(t)));
        }
        tokenizers::Tokenizer::from_bytes(&bytes)
            .map(|t| AnyTokenizer::Full(Box::new(t)))
            .map_err(|e| e.to_string())
    }

    /// Token ids of `text` with special tokens.
    pub fn ids(&self, text: String) -> Result<Vec<u32>, String> {
        match self {
            AnyTokenizer::Compact(t) => t.encode(text, true).map(|e| e.get_ids().to_vec()),
            AnyTokenizer::Full(t) => t.encode(text, true).map(|e| e.get_ids().to_vec()),
        }
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::models::unigram::Unigram;

    fn both(vocab: &[(&str, f64)], unk: Option<usize>, text: &str) {
        let v: Vec<(String, f64)> = vocab.iter().map(|(p, s)| (p.to_string(), *s)).collect();
        let theirs = Unigram::from(v.clone(), unk, false).unwrap();
        let ours = CompactUnigram::new(v, unk).unwrap();
        let a: Vec<(u32, String, (usize, usize))> = theirs
            .tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.value, t.offsets))
            .collect();
        let b: Vec<(u32, String, (usize, usize))> = ours
            .tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.value, t.offsets))
            .collect();
        assert_eq!(a, b, "{text}");
    }

    #[test]
    fn segments_as_tokenizers_unigram_does() {
        let vocab = [
            ("<unk>", 0.0),
            ("a", -1.0),
            ("b", -1.0),
            ("c", -1.0),
            ("d", -1.0),
            ("cd", -1.5),
            ("ab", -1.2),
            ("abc", -2.0),
            ("abcd", -1.9),
            ("▁", -0.5),
            ("▁ab", -1.0),
            ("政策", -3.0),
            ("政", -2.0),
            ("策", -2.5),
            ("支持", -2.0),
            ("xy", -4.0),
        ];
        for text in [
            "abcdacdxx",
            "▁ab▁abcd",
            "政策支持企业",
            "企业政策",
            "xyx",
            "zzab",
            "",
            "a",
            "é政",
        ] {
            both(&vocab, Some(0), text);
        }
        // ties: the shorter path found first stays
        both(
            &[("<unk>", 0.0), ("a", -1.0), ("aa", -2.0)],
            Some(0),
            "aaaa",
        );
        // unknown id other than 0, repeated pieces
        both(
            &[("a", -1.0), ("<unk>", 0.0), ("a", -0.5), ("b", -1.0)],
            Some(1),
            "abcab",
        );
    }

    #[test]
    fn unknown_without_unk_id_is_an_error() {
        let m = CompactUnigram::new(vec![("a".into(), -1.0)], None).unwrap();
        assert!(m.tokenize("ab").is_err());
        assert!(CompactUnigram::new(Vec::new(), None).is_err());
        assert!(CompactUnigram::new(vec![("a".into(), -1.0)], Some(3)).is_err());
    }

    /// The e5 folder laid out by scripts/fetch-e5.sh (or $POLICY_CODER_E5), if present.
    fn e5_tokenizer() -> Option<PathBuf> {
        let dir = match std::env::var_os("POLICY_CODER_E5") {
            Some(d) => PathBuf::from(d),
            None => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))
                    })?;
                base.join("policy-coder/e5/multilingual-e5-small-q4")
            }
        };
        let t = dir.join("tokenizer.json");
        t.is_file().then_some(t)
    }

    /// Every line of the shared labelled sets and corpus, and awkward strings, give the same
    /// ids through the compact model as through `tokenizers`' own (skipped without the model).
    #[test]
    fn e5_ids_equal_tokenizers_ids() {
        let Some(path) = e5_tokenizer() else {
            eprintln!("SKIPPED: no multilingual-e5-small tokenizer (scripts/fetch-e5.sh)");
            return;
        };
        let ours = AnyTokenizer::from_file(&path).unwrap();
        assert!(matches!(ours, AnyTokenizer::Compact(_)));
        let theirs = AnyTokenizer::Full(Box::new(tokenizers::Tokenizer::from_file(&path).unwrap()));
        let mut texts: Vec<String> = [
            "",
            " ",
            "query: ",
            "query: 对返乡创业企业给予补助。",
            "query: Support <mask> firms</s> and <s>start-ups<unk>  <pad>",
            "query: ＡＢＣ①②③ ﬁ Ⅻ 𠀀𪚥 😀👍🏽 \u{200b}zero\u{200b}width \t tab",
            "query: ᚠᛇᚻ ꦲꦏ ‽ ⁂ ℻ ㍻ ǅ",
            "query:    many   spaces\n\nand lines",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
        for sub in ["labeled", "corpus"] {
            let Ok(rd) = std::fs::read_dir(shared.join(sub)) else {
                continue;
            };
            for e in rd.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    texts.extend(text.lines().map(|l| format!("query: {l}")));
                }
            }
        }
        let mut n = 0;
        for t in &texts {
            assert_eq!(
                ours.ids(t.clone()).unwrap(),
                theirs.ids(t.clone()).unwrap(),
                "{t}"
            );
            n += 1;
        }
        eprintln!("{n} texts tokenised alike");
    }
}
