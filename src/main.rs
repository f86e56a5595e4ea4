//! The `policy-coder` command line: parses arguments and calls the library.

mod cli;

/// mimalloc instead of the system allocator: a run allocates many small per-unit vectors
/// and strings, and glibc's malloc and free took about a tenth of `code`'s time (see the
/// README's Performance section).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use cli::agree::{agree, AgreeArgs};
use cli::audit::{audit, AuditArgs};
use cli::code::{code, CodeArgs};
use cli::codebook;
use cli::diffuse::{diffuse, DiffuseArgs};
use cli::evaluate::{evaluate, EvaluateArgs};
use cli::keywords::{keywords, KeywordsArgs};
use cli::kwic::{kwic, KwicArgs};
use cli::sample::{sample, SampleArgs};
use cli::train::{train, TrainArgs};
use cli::{EXIT_ERROR, EXIT_OK};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "policy-coder",
    version,
    about = "Code folders of Chinese and English policy documents into policy instruments, with evidence and share tables.",
    after_help = "Examples:\n  policy-coder code corpus-samples --out results\n  policy-coder code --units clauses.tsv --out results\n  policy-coder codebook show\n\nExit codes: 0 success; 1 error (arguments, codebook, CSV, output); 2 finished but some files were skipped."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write CSV files without the UTF-8 byte order mark (by default every CSV file the
    /// tool writes starts with one, so that Excel reads its Chinese as UTF-8).
    #[arg(long, global = true)]
    no_bom: bool,
    /// Prefix `'` to every CSV text cell starting with `=`, `+`, `-` or `@`, so that a
    /// spreadsheet shows it as text instead of running it as a formula (the `sample`
    /// coding sheet always does this).
    #[arg(long, global = true)]
    excel_safe: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Code documents (or pre-segmented units) and write units, documents and share tables.
    #[command(
        after_help = "Examples:\n  policy-coder code corpus-samples --out results\n  policy-coder code central/ local/ --regions nbs --out results --force\n  policy-coder code --units clauses.tsv --text-column text --out results\n  policy-coder code corpus/ --xlsx --top 20 --stopwords extra_stopwords.txt\n\nOutputs in --out: units.csv, documents.csv, shares_overall.csv, shares_by_level.csv,\nshares_by_region.csv, shares_by_province.csv, shares_by_year.csv, crosstab_<dimension>.csv,\nchisq.csv, chisq_residuals.csv, keywords.csv, keyness.csv, report.md, report.html, charts/*.svg,\nsummary.json, run.json (run id, command line), and report.xlsx with --xlsx. A progress bar shows on a terminal for long runs.\n\nExit codes: 0 success; 1 error; 2 finished but some files were skipped (see documents.csv)."
    )]
    Code(CodeArgs),
    /// Keyword frequencies per group (level, region, province, year) and keyness between groups.
    #[command(
        after_help = "Examples:\n  policy-coder keywords corpus-samples --by level --top 30\n  policy-coder keywords corpus/ --by region --stopwords my_stopwords.txt --out kw/\n\nWords are jieba words (Chinese) and lower-case words (English) of body units, after the built-in\nstop-word lists (data/stopwords_zh.txt, data/stopwords_en.txt); single characters and numbers are\nleft out unless --keep-short. Keyness: log-likelihood G² against the other group (or the rest).\n\nExit codes: 0 success; 1 error; 2 finished but some files were skipped."
    )]
    Keywords(KeywordsArgs),
    /// Keyword in context: every match of a term, with the text around it and what `code` does with it.
    #[command(
        after_help = "Examples:\n  policy-coder kwic 创业补贴 corpus-samples\n  policy-coder kwic 财政 corpus/ --window 20 --role measure --max 50\n  policy-coder kwic subsidy corpus-samples/en --format csv > subsidy.csv\n  policy-coder kwic 补贴 corpus-samples --status unmatched\n\nThe term is matched as a codebook term: whole jieba words in Chinese (the term is added to the\ndictionary beside the codebook's terms), stemmed words in English (`=word`: the exact form).\nContext: characters (Chinese) or words (English) of the original text on each side; start and end\nare character offsets in the original text, as evidence in units.csv. Status: coded, withheld (a\nunit whose role holds no instrument, or a clause setting a deadline, procedure or ban), removed (a department's name, a note of who leads),\nboilerplate (titles, headings) or unmatched: a Chinese term's characters inside a longer word or across\ntwo (the word is shown), where the term does not match."
    )]
    Kwic(KwicArgs),
    /// Check, show, export, import or audit a codebook.
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// Policy diffusion: adoption events and curves, central–local absorption, text reuse, neighbour effects.
    #[command(
        after_help = "Examples:\n  policy-coder code corpus-samples --out results && policy-coder diffuse results\n  policy-coder diffuse results --level concept --out results/diffusion\n\nReads documents.csv and units.csv written by `code`. Writes diffusion_adoption.csv,\ndiffusion_curves.csv, diffusion_curves_by_year.csv, diffusion_vertical.csv,\ndiffusion_absorption.csv, diffusion_neighbours.csv, diffusion_innovativeness.csv,\nreuse_pairs.csv, reuse_summary.csv, charts/diffusion_*.svg and diffusion.md into --out\n(default: RESULTS_DIR). Documents without a year are left out and counted."
    )]
    Diffuse(DiffuseArgs),
    /// Draw a random (optionally stratified) sample of units into a coding sheet for a second coder.
    #[command(
        after_help = "Examples:\n  policy-coder sample results/units.csv --n 200 --seed 7 --stratify region --exclude-boilerplate --sheet coder2.csv\n\nThe sheet has columns unit_id, doc, text and an empty code column (codes separated by `;`; `none` = no instrument)."
    )]
    Sample(SampleArgs),
    /// Train a clause classifier (logistic regression) on hand-coded clauses.
    #[command(
        after_help = "Examples:\n  policy-coder train --labeled ../shared/labeled/clauses_zh.tsv ../shared/labeled/clauses_en.tsv --out model.json\n  policy-coder train --labeled coded_sheet.csv --out model.json --features words --target core\n\nLabelled files are CSV/TSV with a `text` column and a `categories` (or `label`/`code`) column:\ncategory ids separated by `;`, or `none`."
    )]
    Train(TrainArgs),
    /// Cross-validate rules, model and hybrid against hand-coded clauses.
    #[command(
        after_help = "Examples:\n  policy-coder evaluate --labeled ../shared/labeled/clauses_zh.tsv ../shared/labeled/clauses_en.tsv --folds 5 --seed 7\n  policy-coder evaluate --labeled clauses.tsv --format json"
    )]
    Evaluate(EvaluateArgs),
    /// Intercoder reliability of two or more codings (humans and/or the machine).
    #[command(
        after_help = "Examples:\n  policy-coder agree coder_a.csv coder_b.csv\n  policy-coder agree coder_a.csv --machine results/units.csv --level category --format json\n  policy-coder agree long.csv --metric interval --bootstrap 1000 --seed 7\n  policy-coder agree a.csv b.csv --disagreements to_reconcile.csv\n\nInputs: a long file (unit,coder,code), a wide file (unit,<coder1>,<coder2>,...), or coding sheets\n(one coder each, named after the file; columns unit_id/unit/id and code/codes/categories).\nA cell may hold several codes separated by `;`; an empty cell means not coded; `none` is a code.\nCodes are compared without regard to case; codebook labels (财政支持, Fiscal support) count as their ids.\nWith --machine every sheet unit is checked against units.csv by id and text (warnings on stderr);\nexit code 3 when most of them are not in it."
    )]
    Agree(AgreeArgs),
}

#[derive(Subcommand)]
enum CodebookCommand {
    /// Validate a codebook; errors name the line and id.
    #[command(
        after_help = "Example:\n  policy-coder codebook check codebooks/return-migrant-entrepreneurship.toml"
    )]
    Check {
        /// Codebook TOML file.
        file: PathBuf,
    },
    /// Print the codebook tree with term counts (default: the built-in codebook).
    #[command(after_help = "Example:\n  policy-coder codebook show")]
    Show {
        /// Codebook file (TOML, quanteda YAML, LIWC .dic).
        file: Option<PathBuf>,
    },
    /// Write the codebook as a REFI-QDA codebook (.qdc), a Markdown appendix table, or CSV.
    #[command(
        after_help = "Examples:\n  policy-coder codebook export --format qdc --out instruments.qdc\n  policy-coder codebook export my.toml --format md > appendix.md\n\nThe .qdc file (REFI-QDA codebook 1.0) imports into NVivo, ATLAS.ti, MAXQDA and QualCoder:\ncores, categories and concepts as nested codes, labels and terms in the descriptions, each\nfollowed by a [policy-coder] TOML block that `codebook import` reads back whole."
    )]
    Export {
        /// Codebook file (default: the built-in codebook).
        file: Option<PathBuf>,
        /// qdc, md or csv.
        #[arg(long, default_value = "qdc", value_parser = ["qdc", "md", "markdown", "csv"])]
        format: String,
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Read a REFI-QDA codebook (.qdc) back into codebook TOML (a skeleton for other programs' trees).
    #[command(
        after_help = "Example:\n  policy-coder codebook import from_nvivo.qdc --out my_codebook.toml\n\nA .qdc written by `codebook export` comes back as the same codebook (terms, rules, labels,\ndimensions). Other code trees become a skeleton: top-level codes become cores, their children\ncategories, grandchildren concepts, terms to fill in.\nquanteda YAML dictionaries (.yml) and LIWC dictionaries (.dic) need no import: pass them as --codebook."
    )]
    Import {
        /// The .qdc file.
        file: PathBuf,
        /// Output TOML file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Audit every term on a corpus: units matched, roles, what the coder did, precision against labels.
    #[command(
        after_help = "Examples:\n  policy-coder codebook audit corpus-samples\n  policy-coder codebook audit corpus/ --labeled hand_coded.tsv --kwic 5\n  policy-coder codebook audit corpus/ --labeled hand_coded.tsv --holdout doc_a,doc_b\n  policy-coder codebook audit corpus/ --codebook my.toml --format csv --min-units 3 > audit.csv\n\nPer term of every concept: body units and matches, matches coded, withheld by their unit's (or clause's) role,\nremoved by a rule (context rules, department names, notes of who leads), the share of matches in\neach role and outside `measure`, and with --labeled the precision of its coded matches (a match is\ncorrect when the labelled unit containing it carries the concept's category), of all its matches\n(prec. all), and the correct matches withheld or removed (lost). Worst terms first.\n--holdout leaves the labels of some documents unread, to test a revised codebook on them later."
    )]
    Audit(AuditArgs),
}

fn run(cli: Cli) -> Result<u8> {
    policy_coder::util::csv::set_style(policy_coder::util::csv::CsvStyle {
        bom: !cli.no_bom,
        excel_safe: cli.excel_safe,
    });
    match cli.command {
        Command::Code(args) => code(args),
        Command::Keywords(args) => keywords(args),
        Command::Sample(args) => sample(args),
        Command::Diffuse(args) => diffuse(args),
        Command::Train(args) => train(args),
        Command::Evaluate(args) => evaluate(args),
        Command::Agree(args) => agree(args),
        Command::Kwic(args) => kwic(args),
        Command::Codebook(CodebookCommand::Audit(args)) => audit(args),
        Command::Codebook(CodebookCommand::Check { file }) => codebook::check(&file),
        Command::Codebook(CodebookCommand::Export { file, format, out }) => {
            codebook::export(file.as_ref(), &format, out.as_ref())
        }
        Command::Codebook(CodebookCommand::Import { file, out }) => {
            codebook::import(&file, out.as_ref())
        }
        Command::Codebook(CodebookCommand::Show { file }) => codebook::show(file.as_ref()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
