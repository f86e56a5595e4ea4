//! `policy-coder code`: code documents or units and write every output.

use super::args::{EmbedArgs, InputArgs, StopwordArgs};
use super::common::{report_embedder, report_skipped, setup};
use super::{EXIT_OK, EXIT_SKIPPED};
use anyhow::{Context, Result};
use clap::Args;
use policy_coder::pipeline;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct CodeArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Output folder (created; must be empty unless --force).
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub(crate) out: PathBuf,
    /// Replace the outputs of an earlier run in a non-empty output folder (other files are kept).
    #[arg(long)]
    pub(crate) force: bool,
    /// A model trained with `policy-coder train` (category target).
    #[arg(long, value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,
    /// How to code with --model: rules, model, or hybrid (rules kept, model where rules are silent).
    #[arg(long, default_value = "hybrid", requires = "model")]
    pub(crate) mode: policy_coder::code::classify::Mode,
    /// The embedder of a model trained with --embedder (required for such a model).
    #[command(flatten)]
    pub(crate) embed: EmbedArgs,
    /// Also write report.xlsx (one sheet per table, and the units).
    #[arg(long)]
    pub(crate) xlsx: bool,
    /// Most body units embedded in report.html, the first ones in the order of units.csv (a number, or `all`; 0 leaves the units out). A page with every unit of a large run does not open in a browser; units.csv always has them all.
    #[arg(long, value_name = "N", default_value = "100000", value_parser = parse_report_units)]
    pub(crate) report_units: usize,
    #[command(flatten)]
    pub(crate) words: StopwordArgs,
}

/// `--report-units`: a count, or `all` (no limit).
fn parse_report_units(s: &str) -> std::result::Result<usize, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(usize::MAX);
    }
    s.parse()
        .map_err(|_| format!("`{s}` is not a number of units or `all`"))
}

pub(crate) fn code(args: CodeArgs) -> Result<u8> {
    let quiet = args.input.quiet;
    let (coder, mut opts) = setup(args.input, args.out.clone(), &args.words)?;
    opts.force = args.force;
    opts.xlsx = args.xlsx;
    opts.report_units = args.report_units;
    if let Some(path) = &args.model {
        let mut clf = policy_coder::code::classify::Classifier::load(path, &coder)?;
        if clf.model.target != policy_coder::code::classify::Target::Category {
            anyhow::bail!(
                "{}: `code` needs a model trained with --target category",
                path.display()
            );
        }
        match (args.embed.load()?, &clf.model.embedder) {
            (Some(e), _) => clf
                .attach_embedder(e)
                .with_context(|| path.display().to_string())?,
            (None, Some(id)) => anyhow::bail!(
                "{}: the model was trained on sentence embeddings of `{}`: pass that model folder with --embedder",
                path.display(),
                id.name
            ),
            (None, None) => {}
        }
        opts.model = Some((std::sync::Arc::new(clf), args.mode));
    } else if args.embed.embedder.is_some() {
        anyhow::bail!("--embedder needs --model (a model trained with --embedder)");
    }
    let started = std::time::Instant::now();
    let counts = pipeline::run(&coder, &opts)?;
    if let Some(e) = opts.model.as_ref().and_then(|m| m.0.embedder()) {
        report_embedder(e, started.elapsed().as_secs_f64());
    }
    report_skipped(&counts, quiet, Some(&args.out));
    Ok(
        if counts.skipped > 0 || !counts.incomplete_files.is_empty() {
            EXIT_SKIPPED
        } else {
            EXIT_OK
        },
    )
}
