//! `policy-coder diffuse`: diffusion between governments from a `code` run.

use super::EXIT_OK;
use anyhow::Result;
use clap::Args;
use policy_coder::Codebook;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct DiffuseArgs {
    /// The output folder of `policy-coder code` (documents.csv, units.csv).
    #[arg(value_name = "RESULTS_DIR")]
    pub(crate) results: PathBuf,
    /// Instruments are categories (axial codes) or concepts (open codes).
    #[arg(long, default_value = "category")]
    pub(crate) level: policy_coder::tools::diffuse::Level,
    /// Where to write the outputs (default: RESULTS_DIR).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// The codebook the run used, for the cores of its instruments (default: built-in).
    #[arg(long, value_name = "FILE")]
    pub(crate) codebook: Option<PathBuf>,
    /// Seed of the permutation test and the MinHash functions.
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Permutations of the neighbour test.
    #[arg(long, default_value_t = 999)]
    pub(crate) permutations: usize,
}

pub(crate) fn diffuse(args: DiffuseArgs) -> Result<u8> {
    use policy_coder::tools::diffuse::{self, DiffuseOptions};
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
