//! `policy-coder evaluate`: score rules and models against hand-coded units.

use super::args::ModelArgs;
use super::train::model_setup;
use super::EXIT_OK;
use anyhow::Result;
use clap::Args;
use policy_coder::pipeline::CodeOptions;
use policy_coder::Coder;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct EvaluateArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    pub(crate) folds: usize,
    /// Output: text or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub(crate) format: String,
    /// Code this folder of documents and score the whole pipeline against the labelled
    /// units of its documents (ids `<file stem>#…`, matched by text) instead of
    /// cross-validating on clauses.
    #[arg(long, value_name = "DIR")]
    pub(crate) corpus: Option<PathBuf>,
    /// With --corpus: document stems held out of tuning, reported apart (comma-separated).
    #[arg(long, value_name = "STEMS", value_delimiter = ',')]
    pub(crate) holdout: Vec<String>,
    /// With --corpus: keep the run's outputs in this folder (default: a temporary folder,
    /// removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// With --corpus and --out: overwrite the output folder.
    #[arg(long)]
    pub(crate) force: bool,
    /// With --corpus: examples of false positives and misses per category.
    #[arg(long, default_value_t = 3)]
    pub(crate) examples: usize,
    /// With --corpus: bootstrap draws for the 95 % intervals of micro-F1 (resampling
    /// documents and units, seed 7); 0 leaves them out.
    #[arg(long, value_name = "N", default_value_t = policy_coder::tune::evaluate::BOOTSTRAP_RESAMPLES)]
    pub(crate) bootstrap: usize,
    /// With --corpus: also cross-validate a classifier by document in this many folds
    /// (rules, model and hybrid side by side; trains one model per fold).
    #[arg(long, value_name = "FOLDS")]
    pub(crate) cv: Option<usize>,
    /// With --corpus --cv: labelled files (same format as --labeled) added to every fold's
    /// training set and never scored, e.g. a shared or synthetic set; each file counts as
    /// one document in the models' inner cross-validation.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "cv")]
    pub(crate) train_extra: Vec<PathBuf>,
}

pub(crate) fn evaluate(args: EvaluateArgs) -> Result<u8> {
    use policy_coder::code::classify::{evaluate, read_labeled, render_eval, EvalOptions};
    if !matches!(args.format.as_str(), "text" | "json") {
        anyhow::bail!("--format {}: expected text or json", args.format);
    }
    let (coder, train) = model_setup(&args.model)?;
    if let Some(corpus) = &args.corpus {
        return evaluate_corpus(&args, corpus, &coder, train);
    }
    let data = read_labeled(&args.model.labeled, &coder)?;
    let report = evaluate(
        &data,
        &coder,
        &EvalOptions {
            folds: args.folds,
            seed: args.model.seed,
            train,
            embedder: args.model.embed.load()?,
        },
    )?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_eval(&report));
    }
    Ok(EXIT_OK)
}

pub(crate) fn evaluate_corpus(
    args: &EvaluateArgs,
    corpus: &std::path::Path,
    coder: &Coder,
    train: policy_coder::code::classify::TrainOptions,
) -> Result<u8> {
    use policy_coder::tune::evaluate::{self, CorpusEvalOptions};
    let temporary = args.out.is_none();
    let out = args.out.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("policy-coder-evaluate-{}", std::process::id()))
    });
    let mut opts = CodeOptions::new(vec![corpus.to_path_buf()], out.clone());
    opts.force = args.force || temporary;
    let eval = CorpusEvalOptions {
        labeled: args.model.labeled.clone(),
        held_out: args.holdout.iter().map(|s| s.trim().to_string()).collect(),
        examples: args.examples,
        bootstrap: args.bootstrap,
        cv: args.cv.map(|k| (k, train)),
        embedder: args.model.embed.load()?,
        train_extra: args.train_extra.clone(),
    };
    if eval.embedder.is_some() && eval.cv.is_none() {
        anyhow::bail!("--embedder with --corpus needs --cv (models are trained by fold)");
    }
    let result = evaluate::evaluate_corpus(coder, &opts, &eval);
    if temporary {
        let _ = std::fs::remove_dir_all(&out);
    }
    let report = result?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", evaluate::render(&report));
    }
    Ok(EXIT_OK)
}
