//! Classifier speed: generates a set of labelled clauses by recombining the labelled clauses
//! in `../shared/labeled` (or, without them, the example coding sheet), trains on it and
//! measures training time and prediction throughput.
//!
//! `cargo bench --bench classifier -- [N]` (N clauses, default 10000). Targets: training on
//! 10,000 clauses under 30 s, prediction at least 20,000 clauses/s on 2 cores.

use policy_coder::code::classify::{
    read_labeled, Classifier, FeatureKind, Labeled, Target, TrainOptions, TrainSettings,
};
use policy_coder::util::rng::SplitMix64;
use policy_coder::{Codebook, Coder};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    if std::env::args().any(|a| a == "--test") {
        // `cargo bench -- --test` (CI): a tiny run that checks the bench still works.
        return run(200);
    }
    run(n);
}

fn run(n: usize) {
    let t0 = Instant::now();
    let coder = Coder::new(Codebook::default_codebook()).expect("default codebook");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/labeled");
    let sources: Vec<PathBuf> = if shared.is_dir() {
        vec![shared.join("clauses_zh.tsv"), shared.join("clauses_en.tsv")]
    } else {
        eprintln!("../shared is absent: recombining the example coding sheet instead");
        vec![root.join("examples/reliability/coder_a.csv")]
    };
    let base = read_labeled(&sources, &coder).expect("labelled clauses");
    // Recombine: a clause followed by another clause with the same labels (labels kept).
    let mut rng = SplitMix64::new(7);
    let data: Vec<Labeled> = (0..n)
        .map(|_| {
            let a = &base[rng.below(base.len())];
            let same: Vec<&Labeled> = base.iter().filter(|b| b.labels == a.labels).collect();
            let b = same[rng.below(same.len())];
            Labeled {
                text: format!("{}{}", a.text, b.text),
                labels: a.labels.clone(),
            }
        })
        .collect();
    println!(
        "generated {} clauses from {} labelled ones; setup {:.2} s",
        data.len(),
        base.len(),
        t0.elapsed().as_secs_f64()
    );

    let fixed = TrainOptions {
        target: Target::Category,
        features: Some(FeatureKind::Words),
        threshold: Some(0.35),
        gap_threshold: Some(0.6),
        withhold_threshold: Some(1.01),
        settings: TrainSettings::default(),
    };
    let t = Instant::now();
    let clf = Classifier::train(&data, &coder, &fixed).expect("training");
    println!(
        "train, one fit (--features words --threshold 0.35 --gap-threshold 0.6): {:.2} s for {} clauses, {} features, {} classes",
        t.elapsed().as_secs_f64(),
        data.len(),
        clf.model.words.terms.len() + clf.model.rules.len(),
        clf.model.labels.len()
    );
    let tuned = TrainOptions {
        threshold: None,
        gap_threshold: None,
        withhold_threshold: None,
        ..fixed.clone()
    };
    let t = Instant::now();
    let _ = Classifier::train(&data, &coder, &tuned).expect("training");
    println!(
        "train with thresholds tuned by 3-fold CV (--features words): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let texts: Vec<&str> = data.iter().map(|l| l.text.as_str()).collect();
    let t = Instant::now();
    let one: usize = texts
        .iter()
        .map(|t| clf.predict(&coder, t).categories.len())
        .sum();
    let single = texts.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let par: usize = texts
        .par_iter()
        .map(|t| clf.predict(&coder, t).categories.len())
        .sum();
    let parallel = texts.len() as f64 / t.elapsed().as_secs_f64();
    assert_eq!(one, par);
    println!(
        "predict: {single:.0} clauses/s on 1 thread, {parallel:.0} clauses/s on {} threads",
        rayon::current_num_threads()
    );
    println!("targets: train 10,000 clauses < 30 s; predict >= 20,000 clauses/s");
}
