//! A tiny random BERT and word-level tokenizer, written in both layouts by the tests:
//! loading, masking, pooling, normalisation, the pinned hash and the vector cache.

use super::*;
use crate::util::rng::SplitMix64;
use std::collections::BTreeMap;

const H: usize = 32;
const HEADS: usize = 2;
const FFN: usize = 64;
const MAXP: usize = 12;
const WORDS: &[&str] = &[
    "<s>", "<pad>", "</s>", "<unk>", "query", ":", "tax", "relief", "for", "small", "firms",
    "grants", "the", "fund", "pays", "rules",
];

fn tokenizer_json() -> String {
    let vocab: BTreeMap<&str, usize> = WORDS.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let special = |t: &str, id: usize| serde_json::json!({ "id": t, "ids": [id], "tokens": [t] });
    serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": { "type": "Whitespace" },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                { "SpecialToken": { "id": "<s>", "type_id": 0 } },
                { "Sequence": { "id": "A", "type_id": 0 } },
                { "SpecialToken": { "id": "</s>", "type_id": 0 } }
            ],
            "pair": [
                { "SpecialToken": { "id": "<s>", "type_id": 0 } },
                { "Sequence": { "id": "A", "type_id": 0 } },
                { "SpecialToken": { "id": "</s>", "type_id": 0 } },
                { "Sequence": { "id": "B", "type_id": 0 } },
                { "SpecialToken": { "id": "</s>", "type_id": 0 } }
            ],
            "special_tokens": { "<s>": special("<s>", 0), "</s>": special("</s>", 2) }
        },
        "decoder": null,
        "model": { "type": "WordLevel", "vocab": vocab, "unk_token": "<unk>" }
    })
    .to_string()
}

/// One tensor in both forms: f32 values, and Q4_0 blocks when it is a matrix.
struct T {
    name_hf: String,
    name_e5: String,
    shape: Vec<usize>,
    values: Vec<f32>,
    q4: Option<Vec<u8>>,
}

/// Random Q4_0 blocks (scale 1/16) and their exact f32 values.
fn q4_matrix(rng: &mut SplitMix64, n: usize) -> (Vec<u8>, Vec<f32>) {
    let mut blocks = Vec::new();
    for _ in 0..n / e5s1::QK {
        blocks.extend(0x2C00u16.to_le_bytes()); // 0.0625
        blocks.extend((0..16).map(|_| rng.below(256) as u8));
    }
    let mut values = vec![0.0; n];
    e5s1::dequantize_q4_0(&blocks, &mut values);
    (blocks, values)
}

fn tensors(layers: usize, seed: u64) -> Vec<T> {
    let mut rng = SplitMix64::new(seed);
    let vocab = WORDS.len();
    let mut out = Vec::new();
    let mat = |rng: &mut SplitMix64, hf: String, e5: String, rows: usize, cols: usize| {
        let (q, v) = q4_matrix(rng, rows * cols);
        T {
            name_hf: hf,
            name_e5: e5,
            shape: vec![rows, cols],
            values: v,
            q4: Some(q),
        }
    };
    let vec_t = |rng: &mut SplitMix64, hf: String, e5: String, shape: Vec<usize>, base: f32| {
        let n = shape.iter().product();
        T {
            name_hf: hf,
            name_e5: e5,
            shape,
            values: (0..n)
                .map(|_| base + (rng.next_f64() as f32 - 0.5) * 0.2)
                .collect(),
            q4: None,
        }
    };
    out.push(mat(
        &mut rng,
        "bert.embeddings.word_embeddings.weight".into(),
        "emb.word".into(),
        vocab,
        H,
    ));
    out.push(vec_t(
        &mut rng,
        "bert.embeddings.position_embeddings.weight".into(),
        "emb.pos".into(),
        vec![MAXP, H],
        0.0,
    ));
    out.push(vec_t(
        &mut rng,
        "bert.embeddings.token_type_embeddings.weight".into(),
        "emb.type".into(),
        vec![2, H],
        0.0,
    ));
    out.push(vec_t(
        &mut rng,
        "bert.embeddings.LayerNorm.weight".into(),
        "emb.ln.w".into(),
        vec![H],
        1.0,
    ));
    out.push(vec_t(
        &mut rng,
        "bert.embeddings.LayerNorm.bias".into(),
        "emb.ln.b".into(),
        vec![H],
        0.0,
    ));
    for l in 0..layers {
        let p = format!("bert.encoder.layer.{l}.");
        for (hf, e5, rows, cols) in [
            ("attention.self.query", "q", H, H),
            ("attention.self.key", "k", H, H),
            ("attention.self.value", "v", H, H),
            ("attention.output.dense", "ao", H, H),
            ("intermediate.dense", "fi", FFN, H),
            ("output.dense", "fo", H, FFN),
        ] {
            out.push(mat(
                &mut rng,
                format!("{p}{hf}.weight"),
                format!("l{l}.{e5}.w"),
                rows,
                cols,
            ));
            out.push(vec_t(
                &mut rng,
                format!("{p}{hf}.bias"),
                format!("l{l}.{e5}.b"),
                vec![rows],
                0.0,
            ));
        }
        for (hf, e5) in [
            ("attention.output.LayerNorm", "aln"),
            ("output.LayerNorm", "oln"),
        ] {
            out.push(vec_t(
                &mut rng,
                format!("{p}{hf}.weight"),
                format!("l{l}.{e5}.w"),
                vec![H],
                1.0,
            ));
            out.push(vec_t(
                &mut rng,
                format!("{p}{hf}.bias"),
                format!("l{l}.{e5}.b"),
                vec![H],
                0.0,
            ));
        }
    }
    out
}

fn write_hf(dir: &Path, ts: &[T], layers: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let cfg = serde_json::json!({
        "model_type": "bert", "hidden_size": H, "num_hidden_layers": layers,
        "num_attention_heads": HEADS, "intermediate_size": FFN, "vocab_size": WORDS.len(),
        "max_position_embeddings": MAXP, "layer_norm_eps": 1e-12, "hidden_act": "gelu"
    });
    std::fs::write(dir.join("config.json"), cfg.to_string()).unwrap();
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for t in ts {
        let start = data.len();
        for v in &t.values {
            data.extend(v.to_le_bytes());
        }
        header.insert(
            t.name_hf.clone(),
            serde_json::json!({ "dtype": "F32", "shape": t.shape, "data_offsets": [start, data.len()] }),
        );
    }
    let header = serde_json::Value::Object(header).to_string();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header.as_bytes());
    file.extend(data);
    std::fs::write(dir.join("model.safetensors"), file).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json()).unwrap();
}

fn write_e5s1(dir: &Path, ts: &[T], layers: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut b = b"E5S1".to_vec();
    b.extend(1u32.to_le_bytes());
    for v in [H, layers, HEADS, FFN, WORDS.len(), MAXP, 2] {
        b.extend((v as i32).to_le_bytes());
    }
    b.extend(1e-12f32.to_le_bytes());
    b.extend(32i32.to_le_bytes());
    // An empty SentencePiece table and normaliser (the folder's tokenizer.json is used).
    b.extend(0i32.to_le_bytes());
    for _ in 0..4 {
        b.extend(0i32.to_le_bytes());
    }
    b.extend(0u64.to_le_bytes());
    b.extend(0u32.to_le_bytes()); // offsets[0]
    b.extend(0i32.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend((ts.len() as i32).to_le_bytes());
    let dir_len: usize = ts.iter().map(|t| 2 + t.name_e5.len() + 1 + 4 + 16).sum();
    let mut off = b.len() + dir_len;
    let mut blobs = Vec::new();
    for t in ts {
        let blob: Vec<u8> = match &t.q4 {
            Some(q) => q.clone(),
            None => t.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        };
        b.extend((t.name_e5.len() as u16).to_le_bytes());
        b.extend(t.name_e5.as_bytes());
        b.push(u8::from(t.q4.is_some()));
        b.extend((t.values.len() as u32).to_le_bytes());
        b.extend((off as u64).to_le_bytes());
        b.extend((blob.len() as u64).to_le_bytes());
        off += blob.len();
        blobs.push(blob);
    }
    for blob in blobs {
        b.extend(blob);
    }
    std::fs::write(dir.join("tiny-q4.bin"), b).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json()).unwrap();
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("policy-coder-embed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

const TEXTS: &[&str] = &[
    "tax relief for small firms",
    "the fund pays grants",
    "rules",
    "grants for firms unknownword",
];

#[test]
fn both_layouts_load_and_give_the_same_unit_vectors() {
    let ts = tensors(2, 1);
    let (a, b) = (tmp("hf"), tmp("e5s1"));
    write_hf(&a, &ts, 2);
    write_e5s1(&b, &ts, 2);
    let ea = Embedder::load(&a, &EmbedOptions::default()).unwrap();
    let eb = Embedder::load(&b, &EmbedOptions::default()).unwrap();
    assert_ne!(ea.id().sha256, eb.id().sha256);
    assert_eq!(ea.id().dim, H);
    let va = ea.embed(TEXTS).unwrap();
    let vb = eb.embed(TEXTS).unwrap();
    for (x, y) in va.iter().zip(&vb) {
        assert!((dot(x, x) - 1.0).abs() < 1e-4, "not unit length");
        for (p, q) in x.iter().zip(y.iter()) {
            assert!((p - q).abs() < 1e-4, "{p} vs {q}");
        }
    }
    // Different texts, different vectors.
    assert!(dot(&va[0], &va[1]) < 0.999);
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

#[test]
fn padding_is_masked_out_of_attention_and_pooling() {
    let ts = tensors(2, 2);
    let d = tmp("mask");
    write_hf(&d, &ts, 2);
    let alone = Embedder::load(&d, &EmbedOptions::default()).unwrap();
    let short = alone.embed(&["rules"]).unwrap();
    // Batched with longer texts, the short one is padded: its vector must not change.
    let batched = Embedder::load(&d, &EmbedOptions::default()).unwrap();
    let all = batched
        .embed(&["tax relief for small firms the fund pays grants", "rules"])
        .unwrap();
    for (p, q) in short[0].iter().zip(all[1].iter()) {
        assert!((p - q).abs() < 1e-5, "{p} vs {q}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn pooling_is_the_normalised_mean_of_token_states() {
    // No layers: the vector is the normalised mean of LayerNorm(word + position + type).
    let ts = tensors(0, 3);
    let d = tmp("pool");
    write_hf(&d, &ts, 0);
    let e = Embedder::load(&d, &EmbedOptions::default()).unwrap();
    let got = e.embed(&["tax relief"]).unwrap();
    let find = |n: &str| &ts.iter().find(|t| t.name_e5 == n).unwrap().values;
    let (word, pos, ty, g, b) = (
        find("emb.word"),
        find("emb.pos"),
        find("emb.type"),
        find("emb.ln.w"),
        find("emb.ln.b"),
    );
    let ids = [0usize, 4, 5, 6, 7, 2]; // <s> query : tax relief </s>
    let mut mean = vec![0.0f32; H];
    for (p, &id) in ids.iter().enumerate() {
        let x: Vec<f32> = (0..H)
            .map(|i| word[id * H + i] + pos[p * H + i] + ty[i])
            .collect();
        let mu = x.iter().sum::<f32>() / H as f32;
        let var = x.iter().map(|v| (v - mu).powi(2)).sum::<f32>() / H as f32;
        for i in 0..H {
            mean[i] += ((x[i] - mu) / (var + 1e-12).sqrt() * g[i] + b[i]) / ids.len() as f32;
        }
    }
    let norm = dot(&mean, &mean).sqrt();
    for (p, q) in got[0].iter().zip(&mean) {
        assert!((p - q / norm).abs() < 1e-4, "{p} vs {}", q / norm);
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn long_texts_are_cut_to_the_model_positions() {
    let ts = tensors(1, 4);
    let d = tmp("long");
    write_hf(&d, &ts, 1);
    let e = Embedder::load(&d, &EmbedOptions::default()).unwrap();
    let long = "tax relief for small firms ".repeat(10);
    assert_eq!(e.ids(&long).unwrap().len(), MAXP);
    assert_eq!(*e.ids(&long).unwrap().last().unwrap(), 2);
    let v = e.embed(&[long.as_str()]).unwrap();
    assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-4);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn vectors_are_cached_on_disk_and_reused() {
    let ts = tensors(1, 5);
    let d = tmp("cache-model");
    let c = tmp("cache-dir");
    write_e5s1(&d, &ts, 1);
    let opts = EmbedOptions {
        cache_dir: Some(c.clone()),
        ..Default::default()
    };
    let first = Embedder::load(&d, &opts).unwrap();
    let v1 = first.embed(TEXTS).unwrap();
    assert_eq!(first.counts(), (TEXTS.len(), 0));
    let again_in_memory = first.embed(&TEXTS[..2]).unwrap();
    assert_eq!(again_in_memory[..], v1[..2]);
    assert_eq!(first.counts(), (TEXTS.len(), 0), "served from memory");
    let again = Embedder::load(&d, &opts).unwrap();
    let v2 = again.embed(TEXTS).unwrap();
    assert_eq!(again.counts(), (0, TEXTS.len()), "served from the file");
    assert_eq!(v1, v2);
    // A record cut short (an interrupted run) is dropped, the others kept.
    let file = again.cache_file().unwrap().to_path_buf();
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 5)
        .unwrap();
    let third = Embedder::load(&d, &opts).unwrap();
    third.embed(TEXTS).unwrap();
    assert_eq!(third.counts(), (1, TEXTS.len() - 1));
    // Another model's vectors are never served: the file of these weights is separate.
    let other = tmp("cache-other");
    write_e5s1(&other, &tensors(1, 6), 1);
    let o = Embedder::load(&other, &opts).unwrap();
    o.embed(TEXTS).unwrap();
    assert_eq!(o.counts(), (TEXTS.len(), 0));
    for p in [d, c, other] {
        let _ = std::fs::remove_dir_all(p);
    }
}

#[test]
fn a_pinned_hash_is_checked_and_bad_folders_are_errors() {
    let ts = tensors(1, 7);
    let d = tmp("pin");
    write_e5s1(&d, &ts, 1);
    let sha = sha256_file(&d.join("tiny-q4.bin")).unwrap();
    let ok = EmbedOptions {
        sha256: Some(sha.to_uppercase()),
        ..Default::default()
    };
    assert!(Embedder::load(&d, &ok).is_ok());
    let bad = EmbedOptions {
        sha256: Some("00".repeat(32)),
        ..Default::default()
    };
    let err = Embedder::load(&d, &bad).unwrap_err().to_string();
    assert!(err.contains("pinned"), "{err}");
    // Truncated weights, a missing tokenizer, an empty folder: errors, not panics.
    let bin = d.join("tiny-q4.bin");
    let bytes = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &bytes[..bytes.len() - 100]).unwrap();
    assert!(Embedder::load(&d, &EmbedOptions::default()).is_err());
    std::fs::remove_file(d.join("tokenizer.json")).unwrap();
    assert!(Embedder::load(&d, &EmbedOptions::default()).is_err());
    let empty = tmp("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = Embedder::load(&empty, &EmbedOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no sentence-embedding model"), "{err}");
    let _ = std::fs::remove_dir_all(d);
    let _ = std::fs::remove_dir_all(empty);
}

fn coder() -> crate::code::coder::Coder {
    crate::code::coder::Coder::new(crate::codebook::Codebook::default_codebook()).unwrap()
}

/// English clauses the tiny vocabulary knows, in two categories and `none`.
fn labeled() -> Vec<crate::code::classify::Labeled> {
    let mk = |t: &str, l: Option<&str>| crate::code::classify::Labeled {
        text: t.to_string(),
        labels: l.into_iter().map(String::from).collect(),
    };
    let mut v = Vec::new();
    for _ in 0..4 {
        v.push(mk("tax relief for small firms", Some("talent_training")));
        v.push(mk("the fund pays grants", Some("fiscal_support")));
        v.push(mk("rules", None));
    }
    v
}

#[test]
fn an_embedding_model_decodes_top1_and_refuses_another_embedder() {
    use crate::code::classify::{Classifier, Decode, Target, TrainOptions, TrainSettings};
    let (a, b) = (tmp("clf-a"), tmp("clf-b"));
    write_e5s1(&a, &tensors(1, 8), 1);
    write_e5s1(&b, &tensors(1, 9), 1);
    let ea = std::sync::Arc::new(Embedder::load(&a, &EmbedOptions::default()).unwrap());
    let eb = std::sync::Arc::new(Embedder::load(&b, &EmbedOptions::default()).unwrap());
    let c = coder();
    let opts = TrainOptions {
        target: Target::Category,
        features: None,
        threshold: None,
        gap_threshold: None,
        withhold_threshold: None,
        settings: TrainSettings {
            rule_features: false,
            ..TrainSettings::default()
        },
    };
    let clf = Classifier::train_embedded(&labeled(), &c, &opts, ea.clone()).unwrap();
    assert_eq!(clf.model.decode, Decode::Top1);
    assert_eq!(clf.model.embedder.as_ref(), Some(ea.id()));
    assert_eq!(clf.model.weights.len(), H);
    // Training texts come back with their own label, one category at most (top-1).
    for l in labeled() {
        let p = clf.predict(&c, &l.text);
        let got: std::collections::BTreeSet<String> =
            p.categories.iter().map(|x| x.0.clone()).collect();
        assert!(p.categories.len() <= 1);
        assert_eq!(got, l.labels, "{}", l.text);
    }
    // Saved and loaded, it needs its own embedder back.
    let file = a.join("model.json");
    clf.save(&file).unwrap();
    let mut loaded = Classifier::load(&file, &c).unwrap();
    let err = loaded.attach_embedder(eb).unwrap_err().to_string();
    assert!(err.contains("trained on the vectors of embedder"), "{err}");
    loaded.attach_embedder(ea).unwrap();
    assert_eq!(
        loaded.predict(&c, "tax relief for small firms").categories,
        clf.predict(&c, "tax relief for small firms").categories
    );
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}
