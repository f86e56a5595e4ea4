//! `policy-coder agree`: agreement between coders, and between coders and the machine.

use super::common::stdout_csv;
use super::{EXIT_OK, EXIT_UNPAIRED};
use anyhow::{Context, Result};
use clap::Args;
use policy_coder::Codebook;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct AgreeArgs {
    /// Coding files: long, wide, or one coding sheet per coder.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// Add the tool's own coding from a units.csv as coder `machine`.
    #[arg(long, value_name = "UNITS.csv")]
    pub(crate) machine: Option<PathBuf>,
    /// Level of the machine's codes: category or core.
    #[arg(long, value_name = "LEVEL", default_value = "category", value_parser = ["category", "categories", "core", "cores"])]
    pub(crate) level: String,
    /// Check every code against this codebook's category and core ids (and `none`).
    #[arg(long, value_name = "FILE")]
    pub(crate) codebook: Option<PathBuf>,
    /// Use only units that at least one coder coded with an instrument (a code other than `none`).
    #[arg(long)]
    pub(crate) coded_only: bool,
    /// Metric of Krippendorff's alpha: nominal, ordinal, interval, ratio.
    #[arg(long, default_value = "nominal")]
    pub(crate) metric: policy_coder::reliability::Metric,
    /// Codes are ordered numbers: also report weighted kappa and Gwet's AC2.
    #[arg(long)]
    pub(crate) ordinal: bool,
    /// Codes in order, lowest first ("very low,low,mid,high,very high"): an ordered domain for the ordinal and interval metrics and the weighted coefficients (implies --ordinal).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub(crate) order: Option<Vec<String>>,
    /// Compare number codes as text (by default 1 = 1.0 = 01 when every code is a number).
    #[arg(long)]
    pub(crate) strings: bool,
    /// Bootstrap replicates for alpha's 95% CI (0 = none).
    #[arg(long, default_value_t = 1000)]
    pub(crate) bootstrap: usize,
    /// What the bootstrap resamples: units (default) or pairs (Hayes & Krippendorff 2007).
    #[arg(long, value_name = "METHOD", default_value = "units")]
    pub(crate) bootstrap_method: policy_coder::reliability::BootstrapMethod,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Output: text, json, or csv (the per-code table).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub(crate) format: String,
    /// Write every unit where the coders differ, with its text, to this CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) disagreements: Option<PathBuf>,
}

pub(crate) fn agree(args: AgreeArgs) -> Result<u8> {
    use policy_coder::tools::agree::{self, AgreeOptions, MachineLevel};
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
    let names = policy_coder::codebook::names::CodeNames::new(Some(&cb));
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
        policy_coder::util::csv::write_file(
            path,
            &agree::disagreements_csv(&codings, args.strings),
        )
        .with_context(|| path.display().to_string())?;
    }
    print!("{out}");
    Ok(EXIT_OK)
}
