//! `policy-coder codebook audit`: per-term audit of a codebook on a corpus.

use super::args::CorpusArgs;
use super::common::{emit, load_codebook, report_unread, stdout_csv};
use anyhow::Result;
use clap::Args;
use policy_coder::Coder;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) corpus: CorpusArgs,
    /// Hand-coded units (`id` = `<file stem>#<unit id>`, `categories`, `text`): precision per term.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) labeled: Vec<PathBuf>,
    /// With --labeled: document stems whose labels are not used (held out of tuning; comma-separated).
    #[arg(long, value_name = "STEMS", value_delimiter = ',')]
    pub(crate) holdout: Vec<String>,
    /// KWIC lines per term.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(crate) kwic: usize,
    /// Output: text, csv (one row per term) or json.
    #[arg(long, default_value = "text", value_parser = ["text", "csv", "json"])]
    pub(crate) format: String,
    /// Report terms matched in at least N body units.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) min_units: usize,
}

pub(crate) fn audit(args: AuditArgs) -> Result<u8> {
    use policy_coder::tune::audit::{self, AuditOptions};
    if !matches!(args.format.as_str(), "text" | "csv" | "json") {
        anyhow::bail!("--format {}: expected text, csv or json", args.format);
    }
    let coder = Coder::new(load_codebook(args.corpus.codebook.as_ref())?)?;
    let mut labels = Vec::new();
    for path in &args.labeled {
        labels.extend(policy_coder::tune::evaluate::read_labeled_units(
            path,
            &coder.codebook,
        )?);
    }
    let holdout: std::collections::BTreeSet<&str> = args.holdout.iter().map(|s| s.trim()).collect();
    labels.retain(|l| !holdout.contains(l.stem.as_str()));
    let corpus = policy_coder::tune::document::read_corpus(
        &coder,
        &args.corpus.paths,
        &args.corpus.read_options(),
    )?;
    let mut report = audit::audit(
        &coder,
        &corpus,
        &labels,
        args.labeled
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        &AuditOptions {
            examples: args.kwic,
            window: args.corpus.window,
            min_units: args.min_units,
        },
    );
    report.held_out = holdout.iter().map(|s| s.to_string()).collect();
    emit(&match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        "csv" => stdout_csv(&audit::render_csv(&report)),
        _ => audit::render_text(&report),
    })?;
    Ok(report_unread(&corpus))
}
