//! The Hugging Face folder layout of a BERT-type sentence encoder: `config.json` and
//! `model.safetensors` (f32, f16 or bf16). Tensors are read one at a time from the file, so
//! that only the converted f32 weights stay in memory.

use super::{e5s1::f16_to_f32, Config, Raw, Weights};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

#[derive(Deserialize)]
struct HfConfig {
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    vocab_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default)]
    model_type: String,
    #[serde(default)]
    hidden_act: Option<String>,
}

fn default_eps() -> f64 {
    1e-12
}

#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// Reads `config.json` and `model.safetensors` of `dir`.
pub fn load(dir: &Path) -> Result<Weights, String> {
    let cfg_path = dir.join("config.json");
    let text =
        std::fs::read_to_string(&cfg_path).map_err(|e| format!("{}: {e}", cfg_path.display()))?;
    let hc: HfConfig =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", cfg_path.display()))?;
    if let Some(act) = hc.hidden_act.as_deref().filter(|a| *a != "gelu") {
        return Err(format!("activation `{act}` is not supported (gelu)"));
    }
    // XLM-RoBERTa numbers positions from padding index + 1 (= 2); BERT from 0.
    let pos_offset = if hc.model_type == "xlm-roberta" { 2 } else { 0 };
    let cfg = Config {
        hidden: hc.hidden_size,
        layers: hc.num_hidden_layers,
        heads: hc.num_attention_heads,
        ffn: hc.intermediate_size,
        vocab: hc.vocab_size,
        max_positions: hc.max_position_embeddings.saturating_sub(pos_offset),
        eps: hc.layer_norm_eps,
    };
    if cfg.heads == 0 || !cfg.hidden.is_multiple_of(cfg.heads) {
        return Err(format!(
            "hidden size {} is not divisible by {} heads",
            cfg.hidden, cfg.heads
        ));
    }
    let path = dir.join("model.safetensors");
    let shown = path.display().to_string();
    let mut file = std::fs::File::open(&path).map_err(|e| format!("{shown}: {e}"))?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|e| format!("{shown}: {e}"))?;
    let header_len = u64::from_le_bytes(len);
    if header_len > 100 << 20 {
        return Err(format!("{shown}: not a safetensors file"));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header)
        .map_err(|e| format!("{shown}: {e}"))?;
    let entries: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| format!("{shown}: header: {e}"))?;
    let base = 8 + header_len;
    // Names without a `bert.`/`roberta.` prefix, and LayerNorm gamma/beta as weight/bias.
    let mut by_name: HashMap<String, Entry> = HashMap::new();
    for (name, v) in entries {
        if name == "__metadata__" {
            continue;
        }
        let e: Entry = serde_json::from_value(v).map_err(|e| format!("{shown}: {name}: {e}"))?;
        let short = name
            .strip_prefix("bert.")
            .or_else(|| name.strip_prefix("roberta."))
            .unwrap_or(&name)
            .replace(".gamma", ".weight")
            .replace(".beta", ".bias");
        by_name.insert(short, e);
    }
    let mut read = |name: &str, n: usize| -> Result<Vec<f32>, String> {
        let e = by_name
            .get(name)
            .ok_or_else(|| format!("{shown}: missing tensor {name}"))?;
        let count: usize = e.shape.iter().product();
        let width = match e.dtype.as_str() {
            "F32" => 4,
            "F16" | "BF16" => 2,
            d => return Err(format!("{shown}: {name}: dtype {d} is not supported")),
        };
        let [a, b] = e.data_offsets;
        if count < n || b < a || (b - a) as usize != count * width {
            return Err(format!("{shown}: {name}: shape {:?} does not fit", e.shape));
        }
        file.seek(SeekFrom::Start(base + a))
            .map_err(|e| format!("{shown}: {name}: {e}"))?;
        // Converted a megabyte at a time: the word table (250,037 × 384 f32 for e5) is never
        // held twice, as bytes and as floats.
        let mut out = Vec::with_capacity(n);
        let mut bytes = vec![0u8; (1 << 20) / width * width];
        while out.len() < n {
            let take = ((n - out.len()) * width).min(bytes.len());
            let chunk = &mut bytes[..take];
            file.read_exact(chunk)
                .map_err(|e| format!("{shown}: {name}: {e}"))?;
            match e.dtype.as_str() {
                "F32" => out.extend(
                    chunk
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                ),
                "F16" => out.extend(
                    chunk
                        .chunks_exact(2)
                        .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))),
                ),
                _ => out.extend(
                    chunk
                        .chunks_exact(2)
                        .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16)),
                ),
            }
        }
        Ok(out)
    };
    let (h, f) = (cfg.hidden, cfg.ffn);
    let mut t = HashMap::new();
    t.insert(
        "word".to_string(),
        Raw::F32(read("embeddings.word_embeddings.weight", cfg.vocab * h)?),
    );
    let pos = read(
        "embeddings.position_embeddings.weight",
        (cfg.max_positions + pos_offset) * h,
    )?;
    t.insert("pos".into(), Raw::F32(pos[pos_offset * h..].to_vec()));
    t.insert(
        "type".into(),
        Raw::F32(read("embeddings.token_type_embeddings.weight", h)?),
    );
    t.insert(
        "eln.w".into(),
        Raw::F32(read("embeddings.LayerNorm.weight", h)?),
    );
    t.insert(
        "eln.b".into(),
        Raw::F32(read("embeddings.LayerNorm.bias", h)?),
    );
    for l in 0..cfg.layers {
        let p = format!("encoder.layer.{l}.");
        for (ours, theirs, n) in [
            ("q", "attention.self.query", h * h),
            ("k", "attention.self.key", h * h),
            ("v", "attention.self.value", h * h),
            ("ao", "attention.output.dense", h * h),
            ("aln", "attention.output.LayerNorm", h),
            ("fi", "intermediate.dense", f * h),
            ("fo", "output.dense", h * f),
            ("oln", "output.LayerNorm", h),
        ] {
            let bias = if ours == "fi" { f } else { h };
            t.insert(
                format!("l{l}.{ours}.w"),
                Raw::F32(read(&format!("{p}{theirs}.weight"), n)?),
            );
            t.insert(
                format!("l{l}.{ours}.b"),
                Raw::F32(read(&format!("{p}{theirs}.bias"), bias)?),
            );
        }
    }
    Ok(Weights { cfg, tensors: t })
}
