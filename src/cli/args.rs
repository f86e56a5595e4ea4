//! Argument groups shared by several commands, and their value parsers.

use anyhow::Result;
use clap::Args;
use policy_coder::segment::UnitMode;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct ModelArgs {
    /// Labelled files (CSV/TSV with `text` and `categories` or `label` columns).
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub(crate) labeled: Vec<PathBuf>,
    /// Codebook TOML (default: built-in); its matches are features, and labels must be its category ids.
    #[arg(long, value_name = "FILE")]
    pub(crate) codebook: Option<PathBuf>,
    /// Predict categories or cores.
    #[arg(long, default_value = "category")]
    pub(crate) target: policy_coder::code::classify::Target,
    /// Features: words, subword, or both (default: whichever cross-validates better).
    #[arg(long)]
    pub(crate) features: Option<policy_coder::code::classify::FeatureKind>,
    /// Probability from which a category is assigned (default: tuned by cross-validation).
    #[arg(long)]
    pub(crate) threshold: Option<f32>,
    /// Probability from which the model fills units the rules leave uncoded in hybrid mode
    /// (default: tuned by cross-validation; above 1 = never). With --features and all
    /// three thresholds given, training skips cross-validation.
    #[arg(long)]
    pub(crate) gap_threshold: Option<f32>,
    /// Probability of `none` from which hybrid mode withholds the rules' codes of a unit
    /// (default: tuned by cross-validation with the gap threshold; above 1 = never).
    #[arg(long)]
    pub(crate) withhold_threshold: Option<f32>,
    /// L2 penalty.
    #[arg(long, default_value_t = 0.1)]
    pub(crate) l2: f32,
    /// Most features per block (words, subwords).
    #[arg(long, default_value_t = 3000)]
    pub(crate) max_features: usize,
    /// Random seed (oversampling, folds).
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Leave the codebook's matches out of the features (a text-only model).
    #[arg(long)]
    pub(crate) no_rule_features: bool,
    /// How probabilities become codes: threshold, or top1 (the most probable class, `none`
    /// included). Default: TF-IDF whichever cross-validates better, embeddings top1.
    #[arg(long)]
    pub(crate) decode: Option<policy_coder::code::classify::Decode>,
    /// L2 penalty of the model on sentence embeddings (--embedder): a number, or `auto`
    /// (chosen from 0.1, 1, 10, 100 by the inner cross-validation, by document when the
    /// labelled units' documents are known).
    #[arg(long, default_value = "auto", value_name = "L2|auto", value_parser = parse_auto)]
    pub(crate) embed_l2: Auto,
    /// Shift of the `none` class's log-odds in the model on sentence embeddings (a class
    /// weight of `none` against the instruments): a number, or `auto` (chosen by the inner
    /// cross-validation under top-1 decoding).
    #[arg(long, default_value = "auto", value_name = "SHIFT|auto", value_parser = parse_auto)]
    pub(crate) none_bias: Auto,
    /// How much the hybrid's inner out-of-fold micro-F1 must exceed the rules' before the
    /// model may withhold or add codes (no inner fold may do worse than the rules either);
    /// otherwise hybrid mode is the rules.
    #[arg(long, default_value_t = 0.02)]
    pub(crate) hybrid_margin: f32,
    /// Under top-1 decoding, also assign the second most probable category when its
    /// probability is at least RATIO times the first's; `--second-code` alone (or `auto`):
    /// the ratio tuned by cross-validation. Default: one code per clause.
    #[arg(long, value_name = "RATIO|auto", num_args = 0..=1, default_missing_value = "auto")]
    pub(crate) second_code: Option<policy_coder::code::classify::SecondCode>,
    #[command(flatten)]
    pub(crate) embed: EmbedArgs,
}

/// Where the sentence-embedding model and its vector cache are.
#[derive(Args, Clone)]
pub(crate) struct EmbedArgs {
    /// A sentence-embedding model folder (multilingual-e5-small: Hugging Face layout or the
    /// 4-bit file laid out by scripts/fetch-e5.sh): train/evaluate/code with a model on its
    /// embeddings.
    #[arg(long, value_name = "DIR")]
    pub(crate) embedder: Option<PathBuf>,
    /// Refuse the embedder's weights unless their SHA-256 is this (hex).
    #[arg(long, value_name = "HEX", requires = "embedder")]
    pub(crate) embedder_sha256: Option<String>,
    /// Folder of the vector cache (default: $XDG_CACHE_HOME/policy-coder/vectors or
    /// ~/.cache/policy-coder/vectors).
    #[arg(long, value_name = "DIR", requires = "embedder")]
    pub(crate) embed_cache: Option<PathBuf>,
    /// Keep vectors in memory only.
    #[arg(long, requires = "embedder", conflicts_with = "embed_cache")]
    pub(crate) no_embed_cache: bool,
}

impl EmbedArgs {
    /// Loads the embedder when one is given (and only then: the encoder is not touched otherwise).
    pub(crate) fn load(
        &self,
    ) -> Result<Option<std::sync::Arc<policy_coder::code::classify::embed::Embedder>>> {
        use policy_coder::code::classify::embed::{default_cache_dir, EmbedOptions, Embedder};
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

/// What to read and how to segment it: shared by `code` and `keywords`.
#[derive(Args)]
pub(crate) struct InputArgs {
    /// Files or folders of documents (.txt, .md, .docx, .pdf, .html), searched recursively.
    #[arg(value_name = "PATH", required_unless_present = "units")]
    pub(crate) paths: Vec<PathBuf>,
    /// Codebook TOML file (default: the built-in return-migrant entrepreneurship codebook).
    #[arg(long, value_name = "FILE")]
    pub(crate) codebook: Option<PathBuf>,
    /// Region scheme: three-belt (East/Central/West), nbs (East/Central/West/Northeast), or a CSV file with columns province,region.
    #[arg(long, value_name = "SCHEME", default_value = "three-belt")]
    pub(crate) regions: String,
    /// Unit of analysis: auto (smallest numbered item; unnumbered paragraphs split into sentences), article, sentence.
    #[arg(long, value_name = "UNIT", default_value = "auto")]
    pub(crate) unit: UnitMode,
    /// Code pre-segmented units from a CSV/TSV file (one unit per row) instead of documents.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "paths")]
    pub(crate) units: Option<PathBuf>,
    /// Column of --units holding the text.
    #[arg(long, value_name = "NAME", default_value = "text", requires = "units")]
    pub(crate) text_column: String,
    /// Leave out files matching this glob (relative to the input folder); repeatable. Listed as excluded.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes KB, MB, GB allowed).
    #[arg(long, value_name = "SIZE", default_value = "50MB", value_parser = parse_size)]
    pub(crate) max_file_size: u64,
    /// Worker threads (default: all cores; at most 4 per core, more are capped with a warning).
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Read files behind links that lead outside the input folders (skipped by default).
    #[arg(long)]
    pub(crate) follow_links_outside: bool,
}

/// Which words count in keyword tables.
#[derive(Args)]
pub(crate) struct StopwordArgs {
    /// Words per group in keyword tables.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub(crate) top: usize,
    /// A stop-word file (one word per line, `#` comments) added to the built-in lists; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) stopwords: Vec<PathBuf>,
    /// Use only the --stopwords files, not the built-in Chinese and English lists.
    #[arg(long)]
    pub(crate) no_default_stopwords: bool,
    /// Count one-character words and numbers too.
    #[arg(long)]
    pub(crate) keep_short: bool,
}

/// Which documents to read and how to cut them: shared by `kwic` and `codebook audit`.
#[derive(Args)]
pub(crate) struct CorpusArgs {
    /// Files or folders of documents (.txt, .md, .docx, .pdf, .html), searched recursively.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Codebook file (TOML, quanteda YAML, LIWC .dic; default: the built-in codebook).
    #[arg(long, value_name = "FILE")]
    pub(crate) codebook: Option<PathBuf>,
    /// Unit of analysis: auto, article, sentence (as for `code`).
    #[arg(long, value_name = "UNIT", default_value = "auto")]
    pub(crate) unit: UnitMode,
    /// Leave out files matching this glob (relative to the input folder); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Skip files larger than this many bytes (suffixes KB, MB, GB allowed).
    #[arg(long, value_name = "SIZE", default_value = "50MB", value_parser = parse_size)]
    pub(crate) max_file_size: u64,
    /// Context on each side of a match: characters (Chinese) or words (English).
    #[arg(long, value_name = "N", default_value_t = policy_coder::tune::kwic::DEFAULT_WINDOW)]
    pub(crate) window: usize,
}

impl CorpusArgs {
    pub(crate) fn read_options(&self) -> policy_coder::tune::document::ReadOptions {
        policy_coder::tune::document::ReadOptions {
            exclude: self.exclude.clone(),
            max_file_size: self.max_file_size,
            unit_mode: self.unit,
        }
    }
}

pub(crate) fn parse_size(s: &str) -> std::result::Result<u64, String> {
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

/// `--threads N`: 0 is refused, more than 4 per core is capped with a warning.
pub(crate) fn thread_count(n: usize) -> Result<usize> {
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

/// A number, or `auto`: tuned by cross-validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Auto {
    /// Tuned.
    Auto,
    /// Given.
    Value(f32),
}

fn parse_auto(s: &str) -> std::result::Result<Auto, String> {
    match s {
        "auto" | "tuned" => Ok(Auto::Auto),
        _ => match s.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(Auto::Value(v)),
            _ => Err(format!("`{s}`: expected a number or `auto`")),
        },
    }
}
