//! `policy-coder keywords`: keyword frequencies and keyness by group.

use super::args::{InputArgs, StopwordArgs};
use super::common::{report_skipped, setup};
use super::{EXIT_OK, EXIT_SKIPPED};
use anyhow::{Context, Result};
use clap::Args;
use policy_coder::pipeline;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct KeywordsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Group documents by level, region, province, year, or overall.
    #[arg(long, value_name = "DIM", default_value = "level", value_parser = ["level", "region", "province", "year", "overall", "all"])]
    pub(crate) by: String,
    #[command(flatten)]
    pub(crate) words: StopwordArgs,
    /// Also write keywords.csv and keyness.csv into this folder (refused when it holds
    /// files, unless --force; written as one transaction with run.json, as `code` does).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Replace the outputs of an earlier run in --out.
    #[arg(long, requires = "out")]
    pub(crate) force: bool,
}

pub(crate) fn keywords(args: KeywordsArgs) -> Result<u8> {
    use policy_coder::tally::aggregate::Dim;
    let dim = match args.by.as_str() {
        "overall" | "all" => Dim::Overall,
        "level" => Dim::Level,
        "region" => Dim::Region,
        "province" => Dim::Province,
        "year" => Dim::Year,
        other => anyhow::bail!("--by {other}: expected level, region, province, year or overall"),
    };
    let quiet = args.input.quiet;
    // Take --out before reading anything: an occupied folder fails at once.
    let txn = match &args.out {
        Some(dir) => {
            policy_coder::write::outdir::check_inputs(dir, &args.input.paths)?;
            Some(policy_coder::write::outdir::OutputTxn::begin(
                dir, args.force,
            )?)
        }
        None => None,
    };
    let stamp = policy_coder::write::outdir::RunStamp::now();
    let (coder, mut opts) = setup(args.input, PathBuf::new(), &args.words)?;
    opts.keyword_dims = vec![dim];
    let a = pipeline::analyze(&coder, &opts, false)?;
    let dims = if dim == Dim::Overall {
        vec![Dim::Overall]
    } else {
        vec![dim]
    };
    let (freq, key) =
        policy_coder::report::tables::keyword_tables(&a.keywords, &dims, args.words.top);
    println!(
        "# {}\n\n{}\n\n{}",
        freq.title,
        freq.note,
        freq.to_markdown()
    );
    if dim != Dim::Overall {
        println!("\n# {}\n\n{}\n\n{}", key.title, key.note, key.to_markdown());
    }
    if let Some(txn) = txn {
        for t in [&freq, &key] {
            let path = txn.dir().join(format!("{}.csv", t.id));
            policy_coder::util::csv::write_file(&path, &t.to_csv())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        txn.commit(stamp)?;
    }
    report_skipped(&a.counts, quiet, None);
    Ok(if a.counts.skipped > 0 {
        EXIT_SKIPPED
    } else {
        EXIT_OK
    })
}
