//! The `policy-coder` command line: parses arguments and calls the library.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use policy_coder::pipeline::{self, CodeOptions};
use policy_coder::region::RegionScheme;
use policy_coder::segment::UnitMode;
use policy_coder::{Codebook, Coder};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when everything went well.
const EXIT_OK: u8 = 0;
/// Exit code for errors: bad arguments, invalid codebook or CSV, unwritable output.
const EXIT_ERROR: u8 = 1;
/// Exit code when the run finished but some input files were skipped.
const EXIT_SKIPPED: u8 = 2;
/// `agree --machine`: most units of the sheets are not in that units.csv with their text.
const EXIT_UNPAIRED: u8 = 3;

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
        after_help = "Examples:\n  policy-coder kwic 创业补贴 corpus-samples\n  policy-coder kwic 财政 corpus/ --window 20 --role measure --max 50\n  policy-coder kwic subsidy corpus-samples/en --format csv > subsidy.csv\n\nThe term is matched as a codebook term: whole jieba words in Chinese (the term is added to the\ndictionary beside the codebook's terms), stemmed words in English (`=word`: the exact form).\nContext: characters (Chinese) or words (English) of the original text on each side; start and end\nare character offsets in the original text, as evidence in units.csv. Status: coded, withheld (a\nunit whose role holds no instrument, or a clause setting a deadline, procedure or ban), removed (a department's name, a note of who leads) or\nboilerplate (titles, headings)."
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

#[derive(Args)]
struct ModelArgs {
    /// Labelled files (CSV/TSV with `text` and `categories` or `label` columns).
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    labeled: Vec<PathBuf>,
    /// Codebook TOML (default: built-in); its matches are features, and labels must be its category ids.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Predict categories or cores.
    #[arg(long, default_value = "category")]
    target: policy_coder::classify::Target,
    /// Features: words, subword, or both (default: whichever cross-validates better).
    #[arg(long)]
    features: Option<policy_coder::classify::FeatureKind>,
    /// Probability from which a category is assigned (default: tuned by cross-validation).
    #[arg(long)]
    threshold: Option<f32>,
    /// Probability from which the model fills units the rules leave uncoded in hybrid mode
    /// (default: tuned by cross-validation; above 1 = never). With --features and all
    /// three thresholds given, training skips cross-validation.
    #[arg(long)]
    gap_threshold: Option<f32>,
    /// Probability of `none` from which hybrid mode withholds the rules' codes of a unit
    /// (default: tuned by cross-validation with the gap threshold; above 1 = never).
    #[arg(long)]
    withhold_threshold: Option<f32>,
    /// L2 penalty.
    #[arg(long, default_value_t = 0.1)]
    l2: f32,
    /// Most features per block (words, subwords).
    #[arg(long, default_value_t = 3000)]
    max_features: usize,
    /// Random seed (oversampling, folds).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Leave the codebook's matches out of the features (a text-only model).
    #[arg(long)]
    no_rule_features: bool,
    /// How probabilities become codes: threshold, or top1 (the most probable class, `none`
    /// included). Default: TF-IDF whichever cross-validates better, embeddings top1.
    #[arg(long)]
    decode: Option<policy_coder::classify::Decode>,
    /// L2 penalty of the model on sentence embeddings (--embedder).
    #[arg(long, default_value_t = 1.0)]
    embed_l2: f32,
    /// Under top-1 decoding, also assign the second most probable category when its
    /// probability is at least RATIO times the first's; `--second-code` alone (or `auto`):
    /// the ratio tuned by cross-validation. Default: one code per clause.
    #[arg(long, value_name = "RATIO|auto", num_args = 0..=1, default_missing_value = "auto")]
    second_code: Option<policy_coder::classify::SecondCode>,
    #[command(flatten)]
    embed: EmbedArgs,
}

/// Where the sentence-embedding model and its vector cache are.
#[derive(Args, Clone)]
struct EmbedArgs {
    /// A sentence-embedding model folder (multilingual-e5-small: Hugging Face layout or the
    /// 4-bit file laid out by scripts/fetch-e5.sh): train/evaluate/code with a model on its
    /// embeddings.
    #[arg(long, value_name = "DIR")]
    embedder: Option<PathBuf>,
    /// Refuse the embedder's weights unless their SHA-256 is this (hex).
    #[arg(long, value_name = "HEX", requires = "embedder")]
    embedder_sha256: Option<String>,
    /// Folder of the vector cache (default: $XDG_CACHE_HOME/policy-coder/vectors or
    /// ~/.cache/policy-coder/vectors).
    #[arg(long, value_name = "DIR", requires = "embedder")]
    embed_cache: Option<PathBuf>,
    /// Keep vectors in memory only.
    #[arg(long, requires = "embedder", conflicts_with = "embed_cache")]
    no_embed_cache: bool,
}

impl EmbedArgs {
    /// Loads the embedder when one is given (and only then: candle is not touched otherwise).
    fn load(&self) -> Result<Option<std::sync::Arc<policy_coder::classify::embed::Embedder>>> {
        use policy_coder::classify::embed::{default_cache_dir, EmbedOptions, Embedder};
        let Some(dir) = &self.embedder else {
            return Ok(None);
        };
        let cache_dir = if self.no_embed_cache {
            None
        } else {
            self.embed_cache.clone().or_else(default_cache_dir)
        };
        let started = std::time::Instant::now();
        let e = Embedder::load(
            dir,
            &EmbedOptions {
                sha256: self.embedder_sha256.clone(),
                cache_dir,
                batch: 16,
            },
        )?;
        eprintln!(
            "embedder {} (SHA-256 {}…, {} dimensions) loaded in {:.1} s{}",
            e.id().name,
            &e.id().sha256[..12],
            e.id().dim,
            started.elapsed().as_secs_f64(),
            e.cache_file()
                .map(|p| format!("; vector cache {}", p.display()))
                .unwrap_or_default()
        );
        Ok(Some(std::sync::Arc::new(e)))
    }
}

/// Says how many texts were embedded, how fast, and how many came from the cache.
fn report_embedder(e: &policy_coder::classify::embed::Embedder, run_secs: f64) {
    let (computed, reused) = e.counts();
    let busy = e.busy_seconds().min(run_secs);
    eprintln!(
        "embedded {computed} texts ({reused} more read from the vector cache){}",
        if computed > 0 && busy > 0.0 {
            format!(
                " in {busy:.1} s of the run's {run_secs:.1} s ({:.1} texts/s)",
                computed as f64 / busy
            )
        } else {
            String::new()
        }
    );
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Where to write the model (JSON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
struct EvaluateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Output: text or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// Code this folder of documents and score the whole pipeline against the labelled
    /// units of its documents (ids `<file stem>#…`, matched by text) instead of
    /// cross-validating on clauses.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// With --corpus: document stems held out of tuning, reported apart (comma-separated).
    #[arg(long, value_name = "STEMS", value_delimiter = ',')]
    holdout: Vec<String>,
    /// With --corpus: keep the run's outputs in this folder (default: a temporary folder,
    /// removed afterwards).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --corpus and --out: overwrite the output folder.
    #[arg(long)]
    force: bool,
    /// With --corpus: examples of false positives and misses per category.
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// With --corpus: also cross-validate a classifier by document in this many folds
    /// (rules, model and hybrid side by side; trains one model per fold).
    #[arg(long, value_name = "FOLDS")]
    cv: Option<usize>,
}

#[derive(Args)]
struct DiffuseArgs {
    /// The output folder of `policy-coder code` (documents.csv, units.csv).
    #[arg(value_name = "RESULTS_DIR")]
    results: PathBuf,
    /// Instruments are categories (axial codes) or concepts (open codes).
    #[arg(long, default_value = "category")]
    level: policy_coder::diffuse::Level,
    /// Where to write the outputs (default: RESULTS_DIR).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The codebook the run used, for the cores of its instruments (default: built-in).
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Seed of the permutation test and the MinHash functions.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Permutations of the neighbour test.
    #[arg(long, default_value_t = 999)]
    permutations: usize,
}

#[derive(Args)]
struct SampleArgs {
    /// A units.csv written by `policy-coder code`.
    units: PathBuf,
    /// Units to draw.
    #[arg(long, default_value_t = 200)]
    n: usize,
    /// Random seed (same seed, same sample).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Stratify by region, level or core (proportional allocation).
    #[arg(long, value_name = "BY")]
    stratify: Option<policy_coder::sample::Stratify>,
    /// Leave out boilerplate units (titles, addressees, signatures, headings).
    #[arg(long)]
    exclude_boilerplate: bool,
    /// Where to write the coding sheet.
    #[arg(long, value_name = "FILE.csv")]
    sheet: PathBuf,
}

#[derive(Args)]
struct AgreeArgs {
    /// Coding files: long, wide, or one coding sheet per coder.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Add the tool's own coding from a units.csv as coder `machine`.
    #[arg(long, value_name = "UNITS.csv")]
    machine: Option<PathBuf>,
    /// Level of the machine's codes: category or core.
    #[arg(long, value_name = "LEVEL", default_value = "category", value_parser = ["category", "categories", "core", "cores"])]
    level: String,
    /// Check every code against this codebook's category and core ids (and `none`).
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Use only units that at least one coder coded with an instrument (a code other than `none`).
    #[arg(long)]
    coded_only: bool,
    /// Metric of Krippendorff's alpha: nominal, ordinal, interval, ratio.
    #[arg(long, default_value = "nominal")]
    metric: policy_coder::reliability::Metric,
    /// Codes are ordered numbers: also report weighted kappa and Gwet's AC2.
    #[arg(long)]
    ordinal: bool,
    /// Codes in order, lowest first ("very low,low,mid,high,very high"): an ordered domain for the ordinal and interval metrics and the weighted coefficients (implies --ordinal).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    order: Option<Vec<String>>,
    /// Compare number codes as text (by default 1 = 1.0 = 01 when every code is a number).
    #[arg(long)]
    strings: bool,
    /// Bootstrap replicates for alpha's 95% CI (0 = none).
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// What the bootstrap resamples: units (default) or pairs (Hayes & Krippendorff 2007).
    #[arg(long, value_name = "METHOD", default_value = "units")]
    bootstrap_method: policy_coder::reliability::BootstrapMethod,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Output: text, json, or csv (the per-code table).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    format: String,
    /// Write every unit where the coders differ, with its text, to this CSV.
    #[arg(long, value_name = "FILE.csv")]
    disagreements: Option<PathBuf>,
}

/// What to read and how to segment it: shared by `code` and `keywords`.
#[derive(Args)]
struct InputArgs {
    /// Files or folders of documents (.txt, .md, .docx, .pdf, .html), searched recursively.
    #[arg(value_name = "PATH", required_unless_present = "units")]
    paths: Vec<PathBuf>,
    /// Codebook TOML file (default: the built-in return-migrant entrepreneurship codebook).
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Region scheme: three-belt (East/Central/West), nbs (East/Central/West/Northeast), or a CSV file with columns province,region.
    #[arg(long, value_name = "SCHEME", default_value = "three-belt")]
    regions: String,
    /// Unit of analysis: auto (smallest numbered item; unnumbered paragraphs split into sentences), article, sentence.
    #[arg(long, value_name = "UNIT", default_value = "auto")]
    unit: UnitMode,
    /// Code pre-segmented units from a CSV/TSV file (one unit per row) instead of documents.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "paths")]
    units: Option<PathBuf>,
    /// Column of --units holding the text.
    #[arg(long, value_name = "NAME", default_value = "text", requires = "units")]
    text_column: String,
    /// Leave out files matching this glob (relative to the input folder); repeatable. Listed as excluded.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes KB, MB, GB allowed).
    #[arg(long, value_name = "SIZE", default_value = "50MB", value_parser = parse_size)]
    max_file_size: u64,
    /// Worker threads (default: all cores; at most 4 per core, more are capped with a warning).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    quiet: bool,
    /// Read files behind links that lead outside the input folders (skipped by default).
    #[arg(long)]
    follow_links_outside: bool,
}

/// Which words count in keyword tables.
#[derive(Args)]
struct StopwordArgs {
    /// Words per group in keyword tables.
    #[arg(long, value_name = "N", default_value_t = 30)]
    top: usize,
    /// A stop-word file (one word per line, `#` comments) added to the built-in lists; repeatable.
    #[arg(long, value_name = "FILE")]
    stopwords: Vec<PathBuf>,
    /// Use only the --stopwords files, not the built-in Chinese and English lists.
    #[arg(long)]
    no_default_stopwords: bool,
    /// Count one-character words and numbers too.
    #[arg(long)]
    keep_short: bool,
}

#[derive(Args)]
struct CodeArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output folder (created; must be empty unless --force).
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Replace the outputs of an earlier run in a non-empty output folder (other files are kept).
    #[arg(long)]
    force: bool,
    /// A model trained with `policy-coder train` (category target).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// How to code with --model: rules, model, or hybrid (rules kept, model where rules are silent).
    #[arg(long, default_value = "hybrid", requires = "model")]
    mode: policy_coder::classify::Mode,
    /// The embedder of a model trained with --embedder (required for such a model).
    #[command(flatten)]
    embed: EmbedArgs,
    /// Also write report.xlsx (one sheet per table, and the units).
    #[arg(long)]
    xlsx: bool,
    #[command(flatten)]
    words: StopwordArgs,
}

#[derive(Args)]
struct KeywordsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Group documents by level, region, province, year, or overall.
    #[arg(long, value_name = "DIM", default_value = "level", value_parser = ["level", "region", "province", "year", "overall", "all"])]
    by: String,
    #[command(flatten)]
    words: StopwordArgs,
    /// Also write keywords.csv and keyness.csv into this folder (refused when it holds
    /// files, unless --force; written as one transaction with run.json, as `code` does).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the outputs of an earlier run in --out.
    #[arg(long, requires = "out")]
    force: bool,
}

/// Which documents to read and how to cut them: shared by `kwic` and `codebook audit`.
#[derive(Args)]
struct CorpusArgs {
    /// Files or folders of documents (.txt, .md, .docx, .pdf, .html), searched recursively.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Codebook file (TOML, quanteda YAML, LIWC .dic; default: the built-in codebook).
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Unit of analysis: auto, article, sentence (as for `code`).
    #[arg(long, value_name = "UNIT", default_value = "auto")]
    unit: UnitMode,
    /// Leave out files matching this glob (relative to the input folder); repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes KB, MB, GB allowed).
    #[arg(long, value_name = "SIZE", default_value = "50MB", value_parser = parse_size)]
    max_file_size: u64,
    /// Context on each side of a match: characters (Chinese) or words (English).
    #[arg(long, value_name = "N", default_value_t = policy_coder::kwic::DEFAULT_WINDOW)]
    window: usize,
}

impl CorpusArgs {
    fn read_options(&self) -> policy_coder::document::ReadOptions {
        policy_coder::document::ReadOptions {
            exclude: self.exclude.clone(),
            max_file_size: self.max_file_size,
            unit_mode: self.unit,
        }
    }
}

#[derive(Args)]
struct KwicArgs {
    /// The term: Chinese or English as in a codebook (`=word` for the exact English form).
    #[arg(value_name = "TERM")]
    term: String,
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Language of the term and of the documents searched (default: Chinese when the term has Han characters).
    #[arg(long, value_name = "LANG", value_parser = ["zh", "en"])]
    lang: Option<String>,
    /// Only units of this role (measure, preamble, guiding_thought, principles, goals, …).
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,
    /// Output: text or csv.
    #[arg(long, default_value = "text", value_parser = ["text", "csv"])]
    format: String,
    /// Show at most N matches (in file and position order).
    #[arg(long, value_name = "N")]
    max: Option<usize>,
}

#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Hand-coded units (`id` = `<file stem>#<unit id>`, `categories`, `text`): precision per term.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    labeled: Vec<PathBuf>,
    /// With --labeled: document stems whose labels are not used (held out of tuning; comma-separated).
    #[arg(long, value_name = "STEMS", value_delimiter = ',')]
    holdout: Vec<String>,
    /// KWIC lines per term.
    #[arg(long, value_name = "N", default_value_t = 3)]
    kwic: usize,
    /// Output: text, csv (one row per term) or json.
    #[arg(long, default_value = "text", value_parser = ["text", "csv", "json"])]
    format: String,
    /// Report terms matched in at least N body units.
    #[arg(long, value_name = "N", default_value_t = 1)]
    min_units: usize,
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

/// CSV text for standard output: cells made safe under `--excel-safe`, no BOM (a BOM
/// would show on a terminal and in pipes; files the tool writes itself get one).
fn stdout_csv(text: &str) -> String {
    String::from_utf8(policy_coder::csv_row::restyle(text.as_bytes())).unwrap_or_default()
}

fn write_out(out: Option<&PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim().to_uppercase();
    let (num, mult) = [
        ("GB", 1u64 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("B", 1),
    ]
    .iter()
    .find_map(|(suf, m)| t.strip_suffix(suf).map(|n| (n.trim().to_string(), *m)))
    .unwrap_or((t.clone(), 1));
    num.parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("`{s}` is not a size (e.g. 50MB)"))
}

fn load_codebook(path: Option<&PathBuf>) -> Result<Codebook> {
    Ok(match path {
        Some(p) => policy_coder::exchange::load_any(p)?,
        None => Codebook::default_codebook(),
    })
}

fn stopwords(a: &StopwordArgs) -> Result<policy_coder::keywords::Stopwords> {
    let mut s = if a.no_default_stopwords {
        policy_coder::keywords::Stopwords::empty()
    } else {
        policy_coder::keywords::Stopwords::default()
    };
    for f in &a.stopwords {
        s.extend_from_file(f)?;
    }
    s.keep_single_chars = a.keep_short;
    s.keep_numbers = a.keep_short;
    Ok(s)
}

/// Sets the thread pool and builds the coder and options common to `code` and `keywords`.
fn setup(input: InputArgs, out: PathBuf, words: &StopwordArgs) -> Result<(Coder, CodeOptions)> {
    if let Some(n) = input.threads {
        let n = thread_count(n)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("--threads")?;
    }
    let codebook = load_codebook(input.codebook.as_ref())?;
    let regions = RegionScheme::parse(&input.regions)?;
    let coder = Coder::new(codebook)?;
    let mut opts = CodeOptions::new(input.paths, out);
    opts.units = input.units.map(|u| (u, input.text_column));
    opts.regions = regions;
    opts.unit_mode = input.unit;
    opts.exclude = input.exclude;
    opts.max_file_size = input.max_file_size;
    opts.stopwords = std::sync::Arc::new(stopwords(words)?);
    opts.top = words.top;
    opts.progress = !input.quiet;
    opts.follow_links_outside = input.follow_links_outside;
    Ok((coder, opts))
}

/// `--threads N`: 0 is refused, more than 4 per core is capped with a warning.
fn thread_count(n: usize) -> Result<usize> {
    if n == 0 {
        anyhow::bail!("--threads 0: give at least 1 (or leave --threads out to use all cores)");
    }
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let cap = cores * 4;
    if n > cap {
        eprintln!(
            "warning: --threads {n} capped to {cap} (4 per core on this machine's {cores} cores)"
        );
        return Ok(cap);
    }
    Ok(n)
}

fn keywords(args: KeywordsArgs) -> Result<u8> {
    use policy_coder::aggregate::Dim;
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
            policy_coder::outdir::check_inputs(dir, &args.input.paths)?;
            Some(policy_coder::outdir::OutputTxn::begin(dir, args.force)?)
        }
        None => None,
    };
    let stamp = policy_coder::outdir::RunStamp::now();
    let (coder, mut opts) = setup(args.input, PathBuf::new(), &args.words)?;
    opts.keyword_dims = vec![dim];
    let a = pipeline::analyze(&coder, &opts, false)?;
    let dims = if dim == Dim::Overall {
        vec![Dim::Overall]
    } else {
        vec![dim]
    };
    let (freq, key) = policy_coder::tables::keyword_tables(&a.keywords, &dims, args.words.top);
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
            policy_coder::csv_row::write_file(&path, &t.to_csv())
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

fn code(args: CodeArgs) -> Result<u8> {
    let quiet = args.input.quiet;
    let (coder, mut opts) = setup(args.input, args.out.clone(), &args.words)?;
    opts.force = args.force;
    opts.xlsx = args.xlsx;
    if let Some(path) = &args.model {
        let mut clf = policy_coder::classify::Classifier::load(path, &coder)?;
        if clf.model.target != policy_coder::classify::Target::Category {
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
    Ok(if counts.skipped > 0 {
        EXIT_SKIPPED
    } else {
        EXIT_OK
    })
}

/// Lists skipped files and ends with the one-line summary on stderr.
fn report_skipped(counts: &policy_coder::output::RunCounts, quiet: bool, out: Option<&PathBuf>) {
    for w in &counts.warnings {
        eprintln!("warning: {w}");
    }
    for (file, reason) in &counts.skipped_files {
        eprintln!("skipped {file}: {reason}");
    }
    if !quiet {
        eprintln!(
            "{} files: {} coded, {} skipped{}{}{}{}",
            counts.files,
            counts.coded,
            counts.skipped,
            if counts.duplicates > 0 {
                format!(" ({} duplicates)", counts.duplicates)
            } else {
                String::new()
            },
            if counts.manifests > 0 {
                format!(", {} manifest", counts.manifests)
            } else {
                String::new()
            },
            if counts.excluded > 0 {
                format!(", {} excluded", counts.excluded)
            } else {
                String::new()
            },
            out.map(|o| format!("; results in {}", o.display()))
                .unwrap_or_default()
        );
    }
}

fn model_setup(a: &ModelArgs) -> Result<(Coder, policy_coder::classify::TrainOptions)> {
    use policy_coder::classify::{TrainOptions, TrainSettings};
    let coder = Coder::new(load_codebook(a.codebook.as_ref())?)?;
    let settings = TrainSettings {
        l2: a.l2,
        max_features: a.max_features,
        seed: a.seed,
        rule_features: !a.no_rule_features,
        decode: a.decode,
        embed_l2: a.embed_l2,
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

fn train(args: TrainArgs) -> Result<u8> {
    use policy_coder::classify::{read_labeled, Classifier};
    let (coder, opts) = model_setup(&args.model)?;
    let data = read_labeled(&args.model.labeled, &coder)?;
    let started = std::time::Instant::now();
    let clf = match args.model.embed.load()? {
        Some(e) => {
            let clf = Classifier::train_embedded(&data, &coder, &opts, e.clone())?;
            report_embedder(&e, started.elapsed().as_secs_f64());
            clf
        }
        None => Classifier::train(&data, &coder, &opts)?,
    };
    clf.save(&args.out)?;
    let m = &clf.model;
    let tuning: Vec<String> = m
        .tuning
        .iter()
        .map(|(k, f)| format!("{k} {f:.3}"))
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

fn evaluate(args: EvaluateArgs) -> Result<u8> {
    use policy_coder::classify::{evaluate, read_labeled, render_eval, EvalOptions};
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

fn evaluate_corpus(
    args: &EvaluateArgs,
    corpus: &std::path::Path,
    coder: &Coder,
    train: policy_coder::classify::TrainOptions,
) -> Result<u8> {
    use policy_coder::corpus_eval::{self, CorpusEvalOptions};
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
        cv: args.cv.map(|k| (k, train)),
        embedder: args.model.embed.load()?,
    };
    if eval.embedder.is_some() && eval.cv.is_none() {
        anyhow::bail!("--embedder with --corpus needs --cv (models are trained by fold)");
    }
    let result = corpus_eval::evaluate_corpus(coder, &opts, &eval);
    if temporary {
        let _ = std::fs::remove_dir_all(&out);
    }
    let report = result?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", corpus_eval::render(&report));
    }
    Ok(EXIT_OK)
}

fn diffuse(args: DiffuseArgs) -> Result<u8> {
    use policy_coder::diffuse::{self, DiffuseOptions};
    let cb = match &args.codebook {
        Some(p) => Codebook::load(p)?,
        None => Codebook::default_codebook(),
    };
    let opts = DiffuseOptions {
        level: args.level,
        seed: args.seed,
        permutations: args.permutations,
        reuse: true,
    };
    let d = diffuse::analyse(&args.results, &cb, &opts)?;
    let out = args.out.unwrap_or_else(|| args.results.clone());
    diffuse::write(&out, &d)?;
    print!("{}", diffuse::summary_text(&d));
    eprintln!("diffusion results in {}", out.display());
    Ok(EXIT_OK)
}

fn sample(args: SampleArgs) -> Result<u8> {
    use policy_coder::sample::{self, SampleOptions};
    let opts = SampleOptions {
        n: args.n,
        seed: args.seed,
        stratify: args.stratify,
        exclude_boilerplate: args.exclude_boilerplate,
    };
    let rows = sample::sample(&args.units, &opts)?;
    sample::write_sheet(&args.sheet, &rows)?;
    if rows.len() < args.n {
        eprintln!("only {} eligible units; all are in the sheet", rows.len());
    }
    eprintln!("{} units written to {}", rows.len(), args.sheet.display());
    Ok(EXIT_OK)
}

fn agree(args: AgreeArgs) -> Result<u8> {
    use policy_coder::agree::{self, AgreeOptions, MachineLevel};
    let level = match args.level.as_str() {
        "category" | "categories" => MachineLevel::Category,
        "core" | "cores" => MachineLevel::Core,
        other => anyhow::bail!("--level {other}: expected category or core"),
    };
    if !matches!(args.format.as_str(), "text" | "json" | "csv") {
        anyhow::bail!("--format {}: expected text, json or csv", args.format);
    }
    let mut codings = agree::load(&args.files, args.machine.as_deref().map(|m| (m, level)))?;
    if !codings.text_conflicts.is_empty() {
        eprintln!(
            "warning: {} units have different texts in different files (first: {}); their codes may not be of one text",
            codings.text_conflicts.len(),
            codings.text_conflicts[0]
        );
    }
    if let Some(p) = &codings.pairing {
        if let Some(w) = p.warning() {
            eprintln!("warning: {w}");
        }
        if p.mostly_unpaired() {
            eprintln!(
                "error: {} of {} units of the sheets could not be paired with {} (their ids point at other text or at nothing, and their text was not found): the sheets were not drawn from this units.csv; nothing compared",
                p.unpaired.len(),
                p.sheet_units,
                p.units_csv
            );
            return Ok(EXIT_UNPAIRED);
        }
    }
    // Codes are read case-insensitively, and codebook labels (zh, en) as their ids: the
    // codebook given, else the built-in one.
    let cb = match &args.codebook {
        Some(path) => Codebook::load(path)?,
        None => Codebook::default_codebook(),
    };
    agree::normalise_codes(&mut codings, Some(&cb));
    let names = policy_coder::code_names::CodeNames::new(Some(&cb));
    if let Some(path) = &args.codebook {
        let unknown = agree::unknown_codes(&codings.table, &cb);
        if !unknown.is_empty() {
            anyhow::bail!(
                "codes not in codebook {}: {}",
                path.display(),
                unknown.join(", ")
            );
        }
    }
    if args.coded_only {
        codings.table = agree::coded_only(&codings.table);
    }
    let opts = AgreeOptions {
        metric: args.metric,
        ordinal: args.ordinal,
        bootstrap: args.bootstrap,
        seed: args.seed,
        bootstrap_method: args.bootstrap_method,
        strings: args.strings,
        order: args
            .order
            .map(|o| o.iter().map(|l| names.canonical(l)).collect()),
    };
    let mut report = agree::report(&codings.table, &opts).map_err(anyhow::Error::msg)?;
    report.machine_pairing = codings.pairing.clone();
    report.notes.splice(0..0, codings.notes.iter().cloned());
    let out = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        "csv" => stdout_csv(&agree::per_code_csv(&report)),
        _ => agree::render_text(&report, args.bootstrap, args.seed),
    };
    if let Some(path) = &args.disagreements {
        policy_coder::csv_row::write_file(path, &agree::disagreements_csv(&codings, args.strings))
            .with_context(|| path.display().to_string())?;
    }
    print!("{out}");
    Ok(EXIT_OK)
}

/// Writes `text` to standard output; a reader that stops early (`| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to standard output"))
        }
        _ => Ok(()),
    }
}

/// Lists the files `kwic` or `audit` could not read; the exit code says whether there were any.
fn report_unread(skipped: &[(String, String)]) -> u8 {
    for (file, reason) in skipped {
        eprintln!("skipped {file}: {reason}");
    }
    if skipped.is_empty() {
        EXIT_OK
    } else {
        EXIT_SKIPPED
    }
}

fn kwic(args: KwicArgs) -> Result<u8> {
    use policy_coder::kwic::{self, KwicOptions};
    use policy_coder::lang::Lang;
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
        Some(r) => Some(policy_coder::role::Role::parse(r).ok_or_else(|| {
            anyhow::anyhow!(
                "--role {r}: expected one of {}",
                policy_coder::role::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?),
    };
    let codebook = load_codebook(args.corpus.codebook.as_ref())?;
    let coder = kwic::term_coder(&codebook, &args.term, lang)?;
    let corpus = policy_coder::document::read_corpus(
        &coder,
        &args.corpus.paths,
        &args.corpus.read_options(),
    )?;
    let opts = KwicOptions {
        window: args.corpus.window,
        role,
        max: None,
    };
    let mut lines = kwic::kwic(&coder, &corpus.documents, &opts);
    let total = lines.len();
    let files = lines
        .iter()
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
    eprintln!(
        "{total} matches of `{}` in {files} of {searched} {} documents{}",
        args.term,
        lang.as_str(),
        if lines.len() < total {
            format!(" ({} shown)", lines.len())
        } else {
            String::new()
        }
    );
    Ok(report_unread(&corpus.skipped))
}

fn audit(args: AuditArgs) -> Result<u8> {
    use policy_coder::audit::{self, AuditOptions};
    if !matches!(args.format.as_str(), "text" | "csv" | "json") {
        anyhow::bail!("--format {}: expected text, csv or json", args.format);
    }
    let coder = Coder::new(load_codebook(args.corpus.codebook.as_ref())?)?;
    let mut labels = Vec::new();
    for path in &args.labeled {
        labels.extend(policy_coder::corpus_eval::read_labeled_units(
            path,
            &coder.codebook,
        )?);
    }
    let holdout: std::collections::BTreeSet<&str> = args.holdout.iter().map(|s| s.trim()).collect();
    labels.retain(|l| !holdout.contains(l.stem.as_str()));
    let corpus = policy_coder::document::read_corpus(
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
    Ok(report_unread(&corpus.skipped))
}

fn run(cli: Cli) -> Result<u8> {
    policy_coder::csv_row::set_style(policy_coder::csv_row::CsvStyle {
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
        Command::Codebook(CodebookCommand::Check { file }) => {
            let cb = policy_coder::exchange::load_any(&file)?;
            let terms: usize = cb
                .concepts
                .iter()
                .map(|c| c.zh.len() + c.en.len() + c.regex.len())
                .sum();
            println!(
                "{}: valid ({} cores, {} categories, {} concepts, {} terms)",
                file.display(),
                cb.cores.len(),
                cb.categories.len(),
                cb.concepts.len(),
                terms
            );
            Ok(EXIT_OK)
        }
        Command::Codebook(CodebookCommand::Export { file, format, out }) => {
            let cb = load_codebook(file.as_ref())?;
            let text = match format.as_str() {
                "qdc" => policy_coder::exchange::to_qdc(&cb),
                "md" | "markdown" => policy_coder::exchange::to_markdown(&cb),
                "csv" => policy_coder::exchange::to_csv(&cb),
                other => anyhow::bail!("--format {other}: expected qdc, md or csv"),
            };
            match (format.as_str(), &out) {
                ("csv", Some(p)) => policy_coder::csv_row::write_file(p, &text)
                    .with_context(|| format!("cannot write {}", p.display()))?,
                ("csv", None) => write_out(None, &stdout_csv(&text))?,
                _ => write_out(out.as_ref(), &text)?,
            }
            Ok(EXIT_OK)
        }
        Command::Codebook(CodebookCommand::Import { file, out }) => {
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let toml = policy_coder::exchange::qdc_to_toml(&xml, &file.display().to_string())?;
            write_out(out.as_ref(), &toml)?;
            Ok(EXIT_OK)
        }
        Command::Codebook(CodebookCommand::Show { file }) => {
            print!("{}", load_codebook(file.as_ref())?.tree());
            Ok(EXIT_OK)
        }
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
