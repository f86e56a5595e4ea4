//! The on-disk vector cache: one append-only file per embedder (named by the first 16 hex
//! digits of its weights' SHA-256, and checked against its tokenizer and prefix), holding
//! records of a text's FNV-1a key and its vector, read whole when opened.

use super::EmbedderId;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const MAGIC: &[u8; 4] = b"PCV1";

/// Vectors by text key, backed by a file or by nothing.
pub struct VectorCache {
    dim: usize,
    path: Option<PathBuf>,
    loaded: HashMap<u64, Arc<[f32]>>,
    file: Mutex<Option<std::fs::File>>,
}

/// The header identifies the embedder: magic, dimension, and a hash of its identity.
fn header(id: &EmbedderId) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.extend((id.dim as u32).to_le_bytes());
    let ident = format!("{}|{}|{}", id.sha256, id.tokenizer_sha256, id.prefix);
    h.extend(super::text_key(&ident).to_le_bytes());
    h
}

impl VectorCache {
    /// A cache kept in memory only.
    pub fn memory(dim: usize) -> VectorCache {
        VectorCache {
            dim,
            path: None,
            loaded: HashMap::new(),
            file: Mutex::new(None),
        }
    }

    /// Opens (or creates) the cache file of `id` in `dir`. A file of another embedder, or a
    /// damaged one, is started afresh; a record cut short at the end is dropped.
    pub fn open(dir: &Path, id: &EmbedderId) -> Result<VectorCache> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(format!(
            "{}.vectors",
            id.sha256.get(..16).unwrap_or(&id.sha256)
        ));
        let head = header(id);
        let rec = 8 + 4 * id.dim;
        let mut loaded = HashMap::new();
        let mut bytes = Vec::new();
        if let Ok(mut f) = std::fs::File::open(&path) {
            f.read_to_end(&mut bytes).map_err(|e| Error::io(&path, e))?;
        }
        let valid = bytes.len() >= head.len() && bytes[..head.len()] == head[..];
        let mut keep = head.len();
        if valid {
            for r in bytes[head.len()..].chunks_exact(rec) {
                let key = u64::from_le_bytes(r[..8].try_into().unwrap_or_default());
                let v: Vec<f32> = r[8..]
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                loaded.insert(key, Arc::from(v));
                keep += rec;
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        if !valid {
            file.set_len(0).map_err(|e| Error::io(&path, e))?;
            file.write_all(&head).map_err(|e| Error::io(&path, e))?;
        } else {
            file.set_len(keep as u64).map_err(|e| Error::io(&path, e))?;
        }
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0))
            .map_err(|e| Error::io(&path, e))?;
        Ok(VectorCache {
            dim: id.dim,
            path: Some(path),
            loaded,
            file: Mutex::new(Some(file)),
        })
    }

    /// The cache file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Vectors read from the file when it was opened.
    pub fn len(&self) -> usize {
        self.loaded.len()
    }

    /// No vectors were read.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }

    /// The vector stored for `key` when the cache was opened.
    pub fn get(&self, key: u64) -> Option<Arc<[f32]>> {
        self.loaded.get(&key).cloned()
    }

    /// Appends vectors to the file (nothing for a memory cache).
    pub fn append(&self, items: &[(u64, Arc<[f32]>)]) -> Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let (Some(f), Some(path)) = (guard.as_mut(), &self.path) else {
            return Ok(());
        };
        let mut buf = Vec::with_capacity(items.len() * (8 + 4 * self.dim));
        for (k, v) in items.iter().filter(|(_, v)| v.len() == self.dim) {
            buf.extend(k.to_le_bytes());
            for x in v.iter() {
                buf.extend(x.to_le_bytes());
            }
        }
        f.write_all(&buf).map_err(|e| Error::io(path, e))
    }
}
