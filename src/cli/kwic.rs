//! `policy-coder kwic`: keyword in context.

use super::args::CorpusArgs;
use super::common::{emit, load_codebook, report_unread, stdout_csv};
use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub(crate) struct KwicArgs {
    /// The term: Chinese or English as in a codebook (`=word` for the exact English form).
    #[arg(value_name = "TERM")]
    pub(crate) term: String,
    #[command(flatten)]
    pub(crate) corpus: CorpusArgs,
    /// Language of the term and of the documents searched (default: Chinese when the term has Han characters).
    #[arg(long, value_name = "LANG", value_parser = ["zh", "en"])]
    pub(crate) lang: Option<String>,
    /// Only units of this role (measure, preamble, guiding_thought, principles, goals, …).
    #[arg(long, value_name = "ROLE")]
    pub(crate) role: Option<String>,
    /// Output: text or csv.
    #[arg(long, default_value = "text", value_parser = ["text", "csv"])]
    pub(crate) format: String,
    /// Show at most N matches (in file and position order).
    #[arg(long, value_name = "N")]
    pub(crate) max: Option<usize>,
    /// Only lines of this status: coded, withheld, removed, boilerplate, or unmatched (the
    /// term's characters where it is not matched: inside a longer word, or across two).
    #[arg(long, value_name = "STATUS")]
    pub(crate) status: Option<String>,
}

pub(crate) fn kwic(args: KwicArgs) -> Result<u8> {
    use policy_coder::tune::kwic::{self, KwicOptions};
    use policy_coder::util::lang::Lang;
    if !matches!(args.format.as_str(), "text" | "csv") {
        anyhow::bail!("--format {}: expected text or csv", args.format);
    }
    let lang = match args.lang.as_deref() {
        None => kwic::term_lang(&args.term),
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        Some(other) => anyhow::bail!("--lang {other}: expected zh or en"),
    };
    let role = match args.role.as_deref() {
        None => None,
        Some(r) => Some(
            policy_coder::codebook::roles::Role::parse(r).ok_or_else(|| {
                anyhow::anyhow!(
                    "--role {r}: expected one of {}",
                    policy_coder::codebook::roles::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
        ),
    };
    let status = match args.status.as_deref() {
        None => None,
        Some(s) => Some(kwic::Status::parse(s).ok_or_else(|| {
            anyhow::anyhow!(
                "--status {s}: expected one of {}",
                kwic::Status::ALL.map(kwic::Status::as_str).join(", ")
            )
        })?),
    };
    let codebook = load_codebook(args.corpus.codebook.as_ref())?;
    let coder = kwic::term_coder(&codebook, &args.term, lang)?;
    let corpus = policy_coder::tune::document::read_corpus(
        &coder,
        &args.corpus.paths,
        &args.corpus.read_options(),
    )?;
    let opts = KwicOptions {
        window: args.corpus.window,
        role,
        max: None,
        status,
    };
    let mut lines = kwic::kwic(&coder, &corpus.documents, &opts);
    let total = lines.len();
    let is_match = |l: &&kwic::KwicLine| l.status != kwic::Status::Unmatched;
    let matches = lines.iter().filter(is_match).count();
    let files = lines
        .iter()
        .filter(is_match)
        .map(|l| l.file.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if let Some(max) = args.max {
        lines.truncate(max);
    }
    emit(&match args.format.as_str() {
        "csv" => stdout_csv(&kwic::render_csv(&lines)),
        _ => kwic::render_text(&lines),
    })?;
    let searched = corpus.documents.iter().filter(|d| d.lang == lang).count();
    let unmatched = match total - matches {
        0 => String::new(),
        1 => "; 1 more occurrence not matched as a word (status unmatched)".to_string(),
        n => format!("; {n} more occurrences not matched as a word (status unmatched)"),
    };
    eprintln!(
        "{matches} matches of `{}` in {files} of {searched} {} documents{unmatched}{}",
        args.term,
        lang.as_str(),
        if lines.len() < total {
            format!(" ({} shown)", lines.len())
        } else {
            String::new()
        }
    );
    Ok(report_unread(&corpus))
}
