//! `policy-coder sample`: draw units for hand-coding.

use super::EXIT_OK;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct SampleArgs {
    /// A units.csv written by `policy-coder code`.
    pub(crate) units: PathBuf,
    /// Units to draw.
    #[arg(long, default_value_t = 200)]
    pub(crate) n: usize,
    /// Random seed (same seed, same sample).
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Stratify by region, level or core (proportional allocation).
    #[arg(long, value_name = "BY")]
    pub(crate) stratify: Option<policy_coder::tools::sample::Stratify>,
    /// Leave out boilerplate units (titles, addressees, signatures, headings).
    #[arg(long)]
    pub(crate) exclude_boilerplate: bool,
    /// Where to write the coding sheet.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) sheet: PathBuf,
}

pub(crate) fn sample(args: SampleArgs) -> Result<u8> {
    use policy_coder::tools::sample::{self, SampleOptions};
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
