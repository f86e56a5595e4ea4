//! `policy-coder train`: fit a classifier on labelled clauses.

use super::args::{Auto, ModelArgs};
use super::common::{load_codebook, report_embedder};
use super::EXIT_OK;
use anyhow::Result;
use clap::Args;
use policy_coder::Coder;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct TrainArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// Where to write the model (JSON).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

pub(crate) fn model_setup(
    a: &ModelArgs,
) -> Result<(Coder, policy_coder::code::classify::TrainOptions)> {
    use policy_coder::code::classify::{TrainOptions, TrainSettings};
    let coder = Coder::new(load_codebook(a.codebook.as_ref())?)?;
    let settings = TrainSettings {
        l2: a.l2,
        max_features: a.max_features,
        seed: a.seed,
        rule_features: !a.no_rule_features,
        decode: a.decode,
        embed_l2: match a.embed_l2 {
            Auto::Value(v) => v,
            Auto::Auto => 1.0,
        },
        embed_l2_tuned: a.embed_l2 == Auto::Auto,
        none_bias: match a.none_bias {
            Auto::Value(v) => Some(v),
            Auto::Auto => None,
        },
        hybrid_margin: a.hybrid_margin,
        second_code: a.second_code,
        ..TrainSettings::default()
    };
    Ok((
        coder,
        TrainOptions {
            target: a.target,
            features: a.features,
            threshold: a.threshold,
            gap_threshold: a.gap_threshold,
            withhold_threshold: a.withhold_threshold,
            settings,
        },
    ))
}

pub(crate) fn train(args: TrainArgs) -> Result<u8> {
    use policy_coder::code::classify::{labeled_documents, read_labeled, Classifier};
    let (coder, opts) = model_setup(&args.model)?;
    let data = read_labeled(&args.model.labeled, &coder)?;
    // Units labelled in documents (a `document` column, or ids `<file stem>#<unit>`) are
    // tuned on folds of whole documents.
    let groups = labeled_documents(&args.model.labeled)?.filter(|g| g.len() == data.len());
    if let Some(g) = &groups {
        let docs: std::collections::BTreeSet<&String> = g.iter().collect();
        eprintln!(
            "{} labelled units of {} documents: the inner cross-validation holds out whole documents",
            data.len(),
            docs.len()
        );
    }
    let started = std::time::Instant::now();
    let clf = match args.model.embed.load()? {
        Some(e) => {
            let clf = Classifier::train_embedded_in_groups(
                &data,
                groups.as_deref(),
                &coder,
                &opts,
                e.clone(),
            )?;
            report_embedder(&e, started.elapsed().as_secs_f64());
            clf
        }
        None => Classifier::train_in_groups(&data, groups.as_deref(), &coder, &opts)?,
    };
    clf.save(&args.out)?;
    let m = &clf.model;
    // `tuning` holds out-of-fold micro-F1 per feature kind, and the embedding model's
    // chosen L2 penalty and `none` shift.
    let chosen = |k: &str| matches!(k, "embed_l2" | "none_bias");
    let tuning: Vec<String> = m
        .tuning
        .iter()
        .filter(|(k, _)| !chosen(k))
        .map(|(k, f)| format!("{k} {f:.3}"))
        .chain(
            m.tuning
                .iter()
                .filter(|(k, _)| chosen(k))
                .map(|(k, v)| format!("chosen {k} {v}")),
        )
        .collect();
    eprintln!(
        "trained on {} clauses in {:.1} s: {} classes, {:?} features ({} word, {} subword, {} rule), {:?} decoding, threshold {:.2}{}; model in {}",
        data.len(),
        started.elapsed().as_secs_f64(),
        m.labels.len(),
        m.features,
        m.words.terms.len(),
        m.subwords.terms.len(),
        m.rules.len(),
        m.decode,
        m.threshold,
        if tuning.is_empty() { String::new() } else { format!(" (out-of-fold micro-F1: {})", tuning.join(", ")) },
        args.out.display()
    );
    Ok(EXIT_OK)
}
