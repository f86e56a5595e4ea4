//! The `agree` job: read codings in long, wide or coding-sheet form (plus the machine's
//! own coding from a `units.csv`), build a reliability table, and report every
//! coefficient of [`crate::reliability`].

use crate::codebook::names::CodeNames;
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::reliability::{self as rel, BootstrapMethod, Metric, Table, Value, Weights};
use crate::schema::UnitCol;
use crate::tools::agree_pairing::{pair, text_key, MachineUnits, Pairing, SheetUnit};
use crate::util::sheet::read_sheet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Which codes of a `units.csv` stand for the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineLevel {
    /// The `categories` column.
    Category,
    /// The `cores` column.
    Core,
}

/// Codings read from files, with unit texts where a file provides them.
#[derive(Debug, Clone, Default)]
pub struct Codings {
    /// The reliability table.
    pub table: Table,
    /// Unit id → text.
    pub texts: BTreeMap<String, String>,
    /// How the sheets' units were paired with the machine's (with `--machine` and files).
    pub pairing: Option<Pairing>,
    /// Units whose text differs between two files (compared without white space).
    pub text_conflicts: Vec<String>,
    /// Remarks for the report (codes read as codebook ids, …).
    pub notes: Vec<String>,
}

const UNIT_COLS: [&str; 3] = ["unit", "unit_id", "id"];
const CODE_COLS: [&str; 5] = ["code", "codes", "categories", "category", "label"];

/// Parses a cell: empty → missing; otherwise the `;`-separated codes.
pub fn parse_cell(cell: &str) -> Option<Value> {
    let v: Value = cell
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    (!v.is_empty()).then_some(v)
}

/// Collects (unit, coder) → value, refusing a unit coded twice by one coder.
#[derive(Default)]
struct Builder {
    units: Vec<String>,
    seen_units: BTreeSet<String>,
    coders: Vec<String>,
    cells: BTreeMap<(String, String), Option<Value>>,
    texts: BTreeMap<String, String>,
    docs: BTreeMap<String, String>,
    text_conflicts: BTreeSet<String>,
}

impl Builder {
    fn put(
        &mut self,
        file: &str,
        line: usize,
        unit: &str,
        coder: &str,
        value: Option<Value>,
    ) -> Result<()> {
        if unit.is_empty() {
            return Err(Error::csv(file, line, "unit", "empty unit id"));
        }
        if self.seen_units.insert(unit.to_string()) {
            self.units.push(unit.to_string());
        }
        if !self.coders.iter().any(|c| c == coder) {
            self.coders.push(coder.to_string());
        }
        if self
            .cells
            .insert((unit.to_string(), coder.to_string()), value)
            .is_some()
        {
            return Err(Error::csv(
                file,
                line,
                "unit",
                format!("unit `{unit}` is coded twice by coder `{coder}`"),
            ));
        }
        Ok(())
    }

    fn build(self) -> Codings {
        let values = self
            .units
            .iter()
            .map(|u| {
                self.coders
                    .iter()
                    .map(|c| self.cells.get(&(u.clone(), c.clone())).cloned().flatten())
                    .collect()
            })
            .collect();
        Codings {
            table: Table {
                units: self.units,
                coders: self.coders,
                values,
            },
            texts: self.texts,
            text_conflicts: self.text_conflicts.into_iter().collect(),
            ..Default::default()
        }
    }
}

/// Reads coding files: a long file (`unit,coder,code`), a wide file (`unit,<coder1>,…`),
/// or coding sheets (one coder each, named after the file stem), and optionally the
/// machine's `units.csv` as coder `machine` (only for units the other files name, each
/// paired by id and checked by text: see [`crate::tools::agree_pairing`]).
pub fn load(files: &[PathBuf], machine: Option<(&Path, MachineLevel)>) -> Result<Codings> {
    let mut b = Builder::default();
    // Files without a data row, named when too few coders are found.
    let mut empty = Vec::new();
    for path in files {
        let s = read_sheet(path)?;
        if s.rows.is_empty() {
            empty.push(s.path.clone());
        }
        let unit_col = s
            .col(&UNIT_COLS)
            .ok_or_else(|| Error::csv(&s.path, 1, "unit", "needs a `unit` or `unit_id` column"))?;
        let text_col = s.col(&["text"]);
        let doc_col = s.col(&["doc", "file"]);
        let stem = path
            .file_stem()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_else(|| "coder".into());
        let coder_col = s.col(&["coder"]);
        let code_col = s.col(&CODE_COLS);
        for (line, row) in &s.rows {
            let unit = row[unit_col].trim();
            if let Some(t) = text_col
                .map(|c| row[c].clone())
                .filter(|t| !t.trim().is_empty())
            {
                match b.texts.get(unit) {
                    Some(first) if text_key(first) != text_key(&t) => {
                        b.text_conflicts.insert(unit.to_string());
                    }
                    Some(_) => {}
                    None => {
                        b.texts.insert(unit.to_string(), t);
                    }
                }
            }
            if let Some(d) = doc_col.map(|c| row[c].trim()).filter(|d| !d.is_empty()) {
                b.docs
                    .entry(unit.to_string())
                    .or_insert_with(|| d.to_string());
            }
            match (coder_col, code_col) {
                (Some(cc), Some(vc)) => {
                    b.put(&s.path, *line, unit, row[cc].trim(), parse_cell(&row[vc]))?
                }
                (Some(_), None) => {
                    return Err(Error::csv(
                        &s.path,
                        1,
                        "code",
                        "a long file needs a `code` column",
                    ))
                }
                (None, Some(vc)) => b.put(&s.path, *line, unit, &stem, parse_cell(&row[vc]))?,
                (None, None) => {
                    for (c, h) in s.headers.iter().enumerate() {
                        if c != unit_col
                            && Some(c) != text_col
                            && !["doc", "file", "doc_id"].contains(&h.as_str())
                        {
                            b.put(&s.path, *line, unit, h, parse_cell(&row[c]))?;
                        }
                    }
                }
            }
        }
    }
    let mut pairing = None;
    if let Some((path, level)) = machine {
        let codes = match level {
            MachineLevel::Category => UnitCol::Categories,
            MachineLevel::Core => UnitCol::Cores,
        };
        let m = MachineUnits::open(path, codes)?;
        // The machine codes every unit: no category is the code `none`.
        let value = |codes: &str| parse_cell(codes).or_else(|| parse_cell("none"));
        if files.is_empty() {
            for u in &m.units {
                b.texts
                    .entry(u.id.clone())
                    .or_insert_with(|| u.text.clone());
                b.put(&m.path, u.line, &u.id, "machine", value(&u.codes))?;
            }
        } else {
            let sheet: Vec<SheetUnit> = b
                .units
                .iter()
                .map(|id| SheetUnit {
                    id: id.clone(),
                    text: b.texts.get(id).cloned().unwrap_or_default(),
                    doc: b.docs.get(id).cloned(),
                })
                .collect();
            let (matched, p) = pair(&sheet, &m, &m.path);
            for (u, mu) in sheet.iter().zip(matched) {
                if let Some(mu) = mu {
                    b.texts
                        .entry(u.id.clone())
                        .or_insert_with(|| mu.text.clone());
                    b.put(&m.path, mu.line, &u.id, "machine", value(&mu.codes))?;
                }
            }
            pairing = Some(p);
        }
    }
    let mut codings = b.build();
    codings.pairing = pairing;
    if codings.table.coders.len() < 2 {
        let found = match codings.table.coders.as_slice() {
            [] => "found none".to_string(),
            coders => format!("found {} ({})", coders.len(), coders.join(", ")),
        };
        let why = if empty.is_empty() {
            String::new()
        } else {
            format!("; no data rows in {}", empty.join(", "))
        };
        return Err(Error::Data(format!(
            "agreement needs at least two coders; {found}{why}"
        )));
    }
    Ok(codings)
}

/// Reads every code in one spelling ([`CodeNames`]: case and spacing ignored, `cb`'s
/// Chinese and English labels read as their ids), with a note in `c.notes` naming the
/// spellings that changed.
pub fn normalise_codes(c: &mut Codings, cb: Option<&Codebook>) {
    let (table, rewrites) = CodeNames::new(cb).apply(&c.table);
    c.table = table;
    if !rewrites.is_empty() {
        let shown: Vec<String> = rewrites
            .iter()
            .take(6)
            .map(|(a, b)| format!("{a} = {b}"))
            .collect();
        let more = if rewrites.len() > 6 { ", …" } else { "" };
        c.notes.push(format!(
            "codes are compared without regard to case, and codebook labels as their ids ({}{more})",
            shown.join(", ")
        ));
    }
}

/// Codes not in the codebook (category and core ids, and `none`).
pub fn unknown_codes(t: &Table, cb: &Codebook) -> Vec<String> {
    let known: BTreeSet<&str> = cb
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .chain(cb.cores.iter().map(|c| c.id.as_str()))
        .chain(["none"])
        .collect();
    t.codes()
        .into_iter()
        .filter(|c| !known.contains(c.as_str()))
        .collect()
}

/// Units at least one coder coded with something other than `none`.
pub fn coded_only(t: &Table) -> Table {
    t.filter(|row| row.iter().flatten().any(|v| v.iter().any(|c| c != "none")))
}

/// Settings of a report.
#[derive(Debug, Clone)]
pub struct AgreeOptions {
    /// Alpha metric.
    pub metric: Metric,
    /// Compute the weighted coefficients (codes must be numbers, or `order` given).
    pub ordinal: bool,
    /// Bootstrap replicates for alpha's CI (0 = none).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// What the bootstrap of alpha resamples.
    pub bootstrap_method: BootstrapMethod,
    /// Keep number codes as text (`1` ≠ `1.0`); by default codes that are all numbers are
    /// compared as numbers.
    pub strings: bool,
    /// Codes in their order (lowest first), for the ordinal and interval metrics and the
    /// weighted coefficients; implies `ordinal`.
    pub order: Option<Vec<String>>,
}

impl Default for AgreeOptions {
    fn default() -> Self {
        AgreeOptions {
            metric: Metric::Nominal,
            ordinal: false,
            bootstrap: 1000,
            seed: 7,
            bootstrap_method: BootstrapMethod::Units,
            strings: false,
            order: None,
        }
    }
}

/// Agreement on one code, seen as present/absent per unit.
#[derive(Debug, Clone, Serialize)]
pub struct PerCode {
    /// Units used by each coder with this code.
    pub used: BTreeMap<String, usize>,
    /// Percent agreement (mean over pairs).
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa (two coders) or Fleiss' kappa (more).
    pub kappa: Option<f64>,
    /// Gwet's AC1 (present/absent; stays defined when the code is rare).
    pub ac1: Option<f64>,
    /// Krippendorff's alpha, nominal.
    pub alpha: Option<f64>,
    /// Unit-bootstrap 95 % CI of `alpha`.
    pub alpha_ci: Option<[f64; 2]>,
    /// With two coders: the coder who used the code more (empty when equal).
    pub more: Option<String>,
}

/// One pair of coders.
#[derive(Debug, Clone, Serialize)]
pub struct PairStats {
    /// The two coders.
    pub coders: [String; 2],
    /// Units both coded.
    pub n: usize,
    /// Percent agreement.
    pub percent_agreement: Option<f64>,
    /// Holsti's CR.
    pub holsti: Option<f64>,
    /// Cohen's kappa.
    pub cohen_kappa: Option<f64>,
    /// Scott's pi.
    pub scott_pi: Option<f64>,
}

/// Confusion matrix of two coders (rows: first coder, columns: second).
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    /// Values (code sets as `a;b`).
    pub labels: Vec<String>,
    /// Counts.
    pub counts: Vec<Vec<usize>>,
}

/// Everything `agree` reports; field names are the JSON names. A coefficient `x` comes with
/// `x_se` (standard error) and `x_ci` (95 % CI) where they are defined.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Units in the table.
    pub n_units: usize,
    /// Coders.
    pub n_coders: usize,
    /// Coder names.
    pub coders: Vec<String>,
    /// Units coded by only one coder (ignored by alpha and the pairwise figures).
    pub units_single_coder: usize,
    /// Their ids, each with the one coder who coded it (`unit (coder)`).
    pub units_single_coder_ids: Vec<String>,
    /// Units coded by at least two coders: the units of the agreement, kappa, pi and alpha
    /// figures.
    pub n_units_compared: usize,
    /// Units coded by every coder: the units of Fleiss' kappa.
    pub n_units_all_coders: usize,
    /// How the sheets' units were paired with the machine's (`--machine`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_pairing: Option<Pairing>,
    /// Percent agreement (pair, or mean over pairs).
    pub percent_agreement: Option<f64>,
    /// Share of units coded by every coder on which all agree.
    pub percent_agreement_all: Option<f64>,
    /// Holsti's CR (two coders).
    pub holsti: Option<f64>,
    /// Cohen's kappa (two coders).
    pub cohen_kappa: Option<f64>,
    /// Its asymptotic SE.
    pub cohen_kappa_se: Option<f64>,
    /// Its 95 % CI.
    pub cohen_kappa_ci: Option<[f64; 2]>,
    /// Linear weighted kappa (ordered codes, two coders).
    pub cohen_kappa_linear: Option<f64>,
    /// Its asymptotic SE (Fleiss, Cohen & Everitt 1969).
    pub cohen_kappa_linear_se: Option<f64>,
    /// Its 95 % CI.
    pub cohen_kappa_linear_ci: Option<[f64; 2]>,
    /// Quadratic weighted kappa.
    pub cohen_kappa_quadratic: Option<f64>,
    /// Its asymptotic SE.
    pub cohen_kappa_quadratic_se: Option<f64>,
    /// Its 95 % CI.
    pub cohen_kappa_quadratic_ci: Option<[f64; 2]>,
    /// Scott's pi (two coders).
    pub scott_pi: Option<f64>,
    /// Prevalence-adjusted bias-adjusted kappa 2 p_o − 1 (two coders, two codes).
    pub pabak: Option<f64>,
    /// Gwet's AC1 (any number of coders, missing ratings allowed).
    pub gwet_ac1: Option<f64>,
    /// Its SE (Gwet 2014; irrCAC).
    pub gwet_ac1_se: Option<f64>,
    /// Its 95 % CI.
    pub gwet_ac1_ci: Option<[f64; 2]>,
    /// Gwet's AC2 with linear weights (ordered codes).
    pub gwet_ac2_linear: Option<f64>,
    /// Its SE.
    pub gwet_ac2_linear_se: Option<f64>,
    /// Its 95 % CI.
    pub gwet_ac2_linear_ci: Option<[f64; 2]>,
    /// Gwet's AC2 with quadratic weights.
    pub gwet_ac2_quadratic: Option<f64>,
    /// Its SE.
    pub gwet_ac2_quadratic_se: Option<f64>,
    /// Its 95 % CI.
    pub gwet_ac2_quadratic_ci: Option<[f64; 2]>,
    /// Gwet's AC2 with ordinal weights.
    pub gwet_ac2_ordinal: Option<f64>,
    /// Its SE.
    pub gwet_ac2_ordinal_se: Option<f64>,
    /// Its 95 % CI.
    pub gwet_ac2_ordinal_ci: Option<[f64; 2]>,
    /// Brennan–Prediger coefficient / Bennett's S.
    pub brennan_prediger: Option<f64>,
    /// Its SE.
    pub brennan_prediger_se: Option<f64>,
    /// Its 95 % CI.
    pub brennan_prediger_ci: Option<[f64; 2]>,
    /// Conger's kappa (more than two coders; with two it is Cohen's).
    pub conger_kappa: Option<f64>,
    /// Its SE.
    pub conger_kappa_se: Option<f64>,
    /// Its 95 % CI.
    pub conger_kappa_ci: Option<[f64; 2]>,
    /// Light's kappa: mean of the pairs' Cohen's kappas (more than two coders).
    pub light_kappa: Option<f64>,
    /// Krippendorff's alpha for `krippendorff_metric`.
    pub krippendorff_alpha: Option<f64>,
    /// The metric.
    pub krippendorff_metric: Metric,
    /// Bootstrap 95 % CI.
    pub krippendorff_alpha_ci: Option<[f64; 2]>,
    /// What the bootstrap resampled (`units` or `pairs`).
    pub krippendorff_alpha_bootstrap: Option<BootstrapMethod>,
    /// Bootstrap probabilities of alpha below .800 and .667.
    pub krippendorff_alpha_p_below: Option<[f64; 2]>,
    /// Alpha with the MASI distance (multi-label data).
    pub krippendorff_alpha_masi: Option<f64>,
    /// Its unit-bootstrap 95 % CI.
    pub krippendorff_alpha_masi_ci: Option<[f64; 2]>,
    /// Fleiss' kappa (units coded by all coders).
    pub fleiss_kappa: Option<f64>,
    /// Its SE (Gwet's linearisation, as irrCAC).
    pub fleiss_kappa_se: Option<f64>,
    /// Its 95 % CI.
    pub fleiss_kappa_ci: Option<[f64; 2]>,
    /// z of the test of κ = 0 (SE under the null, Fleiss, Nee & Landis 1979).
    pub fleiss_kappa_z: Option<f64>,
    /// Two-sided p of that z.
    pub fleiss_kappa_p: Option<f64>,
    /// Fleiss' kappa per category.
    pub fleiss_kappa_per_category: Option<BTreeMap<String, Option<f64>>>,
    /// Per code, present/absent.
    pub per_code: BTreeMap<String, PerCode>,
    /// Each pair (more than two coders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<PairStats>>,
    /// Confusion matrix (two coders).
    pub confusion: Option<Confusion>,
    /// Why some figures are null, and other remarks.
    pub notes: Vec<String>,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn coder_pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect()
}

/// The table the coefficients see: number codes merged (`1` = `1.0` = `01`) unless
/// `strings`, with a note when that changed a code.
pub fn prepared(t: &Table, strings: bool) -> (Table, Option<String>) {
    if strings {
        return (t.clone(), None);
    }
    match t.numbers_as_numbers() {
        Some((merged, rewrites)) if !rewrites.is_empty() => {
            let shown: Vec<String> = rewrites
                .iter()
                .take(6)
                .map(|(a, b)| format!("{a} = {b}"))
                .collect();
            let more = if rewrites.len() > 6 { ", …" } else { "" };
            let note = format!(
                "codes are all numbers and are compared as numbers ({}{more}); --strings compares them as text",
                shown.join(", ")
            );
            (merged, Some(note))
        }
        Some((merged, _)) => (merged, None),
        None => (t.clone(), None),
    }
}

/// Scores of codes (rank in a declared order, or the number) and the categories in order.
type Scale = (BTreeMap<String, f64>, Vec<String>);

/// The ordered domain of the codes: scores (rank in `order`, or the number) and the
/// categories in order. `None` when the codes are not ordered.
fn scale(
    t: &Table,
    order: Option<&[String]>,
    strings: bool,
) -> std::result::Result<Option<Scale>, rel::ReliabilityError> {
    if let Some(order) = order {
        let order: Vec<String> = order
            .iter()
            .map(|l| {
                let l = l.trim();
                (!strings)
                    .then(|| t.numeric().and_then(|_| rel::canonical_number(l)))
                    .flatten()
                    .unwrap_or_else(|| l.to_string())
            })
            .collect();
        let scores = rel::order_scores(t, &order)?;
        return Ok(Some((scores, order)));
    }
    Ok(t.numeric().map(|scores| {
        let mut cats: Vec<(f64, String)> = scores.iter().map(|(c, x)| (*x, c.clone())).collect();
        cats.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        (scores, cats.into_iter().map(|(_, c)| c).collect())
    }))
}

type Estimate = (Option<f64>, Option<f64>, Option<[f64; 2]>);

fn estimate(c: Option<rel::Coefficient>) -> Estimate {
    (
        c.map(|c| c.value),
        c.and_then(|c| c.se),
        c.and_then(|c| c.ci),
    )
}

/// Computes the report.
pub fn report(
    t: &Table,
    opts: &AgreeOptions,
) -> std::result::Result<Report, rel::ReliabilityError> {
    let mut notes = Vec::new();
    let (table, merged) = prepared(t, opts.strings);
    notes.extend(merged);
    let t = &table;
    let m = t.coders.len();
    let scale = scale(t, opts.order.as_deref(), opts.strings)?;
    let scores = scale.as_ref().map(|(s, _)| s);
    let pairs = coder_pairs(m);
    let cols: Vec<Vec<Option<&Value>>> = (0..m).map(|c| t.column(c)).collect();
    let pair_stats: Vec<PairStats> = pairs
        .iter()
        .map(|&(i, j)| PairStats {
            coders: [t.coders[i].clone(), t.coders[j].clone()],
            n: cols[i]
                .iter()
                .zip(&cols[j])
                .filter(|(a, b)| a.is_some() && b.is_some())
                .count(),
            percent_agreement: rel::percent_agreement(&cols[i], &cols[j]),
            holsti: rel::holsti(&cols[i], &cols[j]),
            cohen_kappa: rel::cohen_kappa(&cols[i], &cols[j]).map(|k| k.kappa),
            scott_pi: rel::scott_pi(&cols[i], &cols[j]),
        })
        .collect();
    let complete: Vec<&Vec<Option<Value>>> = t
        .values
        .iter()
        .filter(|r| r.iter().all(Option::is_some))
        .collect();
    let percent_all = (!complete.is_empty()).then(|| {
        complete
            .iter()
            .filter(|r| r.iter().all(|v| v == &r[0]))
            .count() as f64
            / complete.len() as f64
    });
    let two = m == 2;
    let kappa = if two {
        rel::cohen_kappa(&cols[0], &cols[1])
    } else {
        None
    };
    if two && kappa.is_none() {
        notes.push("Cohen's kappa is undefined: chance agreement is 1 (a single category was used) or no unit was coded by both".into());
    }
    let weighted = opts.ordinal || opts.order.is_some();
    if weighted && scale.is_none() {
        notes.push(
            "the weighted coefficients need every code to be a single number, or --order".into(),
        );
    }
    // Ordered categories: scores in order for weighted kappa, labels for AC2.
    let ordered = scale.as_ref().filter(|_| weighted);
    let domain: Option<Vec<f64>> = ordered
        .filter(|_| opts.order.is_some())
        .map(|(s, cats)| cats.iter().map(|c| s[c]).collect());
    let wk = |w: Weights| match (ordered, two) {
        (Some((s, _)), true) => rel::weighted_kappa(&cols[0], &cols[1], s, domain.as_deref(), w),
        _ => None,
    };
    let (lin, quad) = (wk(Weights::Linear), wk(Weights::Quadratic));
    let alpha = rel::krippendorff_alpha_scored(t, opts.metric, scores)?;
    if alpha.is_none() {
        notes.push("Krippendorff's alpha is undefined: no variation in the pairable values".into());
    }
    let boot = match (opts.bootstrap, opts.bootstrap_method) {
        (0, _) => None,
        (r, BootstrapMethod::Units) => {
            rel::alpha_bootstrap_units(t, opts.metric, scores, r, opts.seed)?
        }
        (r, BootstrapMethod::Pairs) => {
            notes.push("alpha's CI is the Hayes & Krippendorff (2007) pairs bootstrap: it draws value pairs as if they were independent and caps the draws, so it ignores that a unit's values are coded together and does not narrow with more units; the default (--bootstrap-method units) resamples units".into());
            rel::alpha_bootstrap_pairs(t, opts.metric, scores, r, opts.seed)?
        }
    };
    let fleiss = rel::fleiss_kappa(t);
    if fleiss.as_ref().is_some_and(|f| f.units < t.units.len()) {
        notes.push(format!(
            "Fleiss' kappa uses the {} units coded by all coders",
            fleiss.as_ref().map(|f| f.units).unwrap_or(0)
        ));
    }
    // Gwet's family over every unit with a rating (missing ratings allowed).
    let nominal = rel::ratings(t, None);
    let q = nominal.as_ref().map_or(0, |r| r.categories.len());
    let identity = rel::weight_matrix(None, q);
    let family = |c: rel::Chance| {
        nominal
            .as_ref()
            .and_then(|r| rel::chance_corrected(r, &identity, c))
    };
    let ac1 = estimate(family(rel::Chance::Gwet));
    let bp = family(rel::Chance::BrennanPrediger);
    let conger = estimate((m > 2).then(|| family(rel::Chance::Conger)).flatten());
    let pabak = match (two, bp) {
        (true, Some(b)) if q == 2 => Some(b.value),
        (true, Some(_)) => {
            notes.push(format!(
                "PABAK needs two codes ({q} here); Brennan–Prediger is its generalisation"
            ));
            None
        }
        _ => None,
    };
    let bp = estimate(bp);
    let ordered_ratings = ordered.and_then(|(_, cats)| rel::ratings(t, Some(cats)));
    let ac2 = |w: Weights| {
        estimate(ordered_ratings.as_ref().and_then(|r| {
            rel::chance_corrected(
                r,
                &rel::weight_matrix(Some(w), r.categories.len()),
                rel::Chance::Gwet,
            )
        }))
    };
    let (ac2_lin, ac2_quad, ac2_ord) = (
        ac2(Weights::Linear),
        ac2(Weights::Quadratic),
        ac2(Weights::Ordinal),
    );
    let single = t.single_coded_units();
    let single_ids: Vec<String> = t
        .units
        .iter()
        .zip(&t.values)
        .filter_map(|(u, row)| {
            let mut coded = row.iter().zip(&t.coders).filter(|(v, _)| v.is_some());
            match (coded.next(), coded.next()) {
                (Some((_, c)), None) => Some(format!("{u} (coded by {c} only)")),
                _ => None,
            }
        })
        .collect();
    let compared = t
        .values
        .iter()
        .filter(|row| row.iter().filter(|v| v.is_some()).count() >= 2)
        .count();
    let multilabel = t.is_multilabel();
    let mut per_code = BTreeMap::new();
    for code in t.codes() {
        let bt = t.binary(&code);
        let bcols: Vec<Vec<Option<&Value>>> = (0..m).map(|c| bt.column(c)).collect();
        let used: BTreeMap<String, usize> = (0..m)
            .map(|c| {
                (
                    t.coders[c].clone(),
                    bcols[c]
                        .iter()
                        .filter(|v| v.is_some_and(|v| v.contains("1")))
                        .count(),
                )
            })
            .collect();
        let pa: Vec<f64> = pairs
            .iter()
            .filter_map(|&(i, j)| rel::percent_agreement(&bcols[i], &bcols[j]))
            .collect();
        let kappa = if two {
            rel::cohen_kappa(&bcols[0], &bcols[1]).map(|k| k.kappa)
        } else {
            rel::fleiss_kappa(&bt).map(|f| f.kappa)
        };
        let bits = ["0".to_string(), "1".to_string()];
        let ac1 = rel::ratings(&bt, Some(&bits))
            .and_then(|r| {
                rel::chance_corrected(&r, &rel::weight_matrix(None, 2), rel::Chance::Gwet)
            })
            .map(|c| c.value);
        let more = two.then(|| {
            let (a, b) = (used[&t.coders[0]], used[&t.coders[1]]);
            match a.cmp(&b) {
                std::cmp::Ordering::Greater => t.coders[0].clone(),
                std::cmp::Ordering::Less => t.coders[1].clone(),
                std::cmp::Ordering::Equal => String::new(),
            }
        });
        let alpha_ci = (opts.bootstrap > 0)
            .then(|| {
                rel::alpha_bootstrap_units(&bt, Metric::Nominal, None, opts.bootstrap, opts.seed)
                    .ok()
                    .flatten()
                    .map(|b| b.ci)
            })
            .flatten();
        per_code.insert(
            code,
            PerCode {
                used,
                percent_agreement: mean(&pa),
                kappa,
                ac1,
                alpha: rel::krippendorff_alpha(&bt, Metric::Nominal).ok().flatten(),
                alpha_ci,
                more,
            },
        );
    }
    let confusion = two.then(|| {
        let labels: Vec<String> = t
            .values
            .iter()
            .flatten()
            .flatten()
            .map(rel::label)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for row in &t.values {
            if let (Some(a), Some(b)) = (&row[0], &row[1]) {
                let ia = labels.binary_search(&rel::label(a)).unwrap_or(0);
                let ib = labels.binary_search(&rel::label(b)).unwrap_or(0);
                counts[ia][ib] += 1;
            }
        }
        Confusion { labels, counts }
    });
    let pa_pairs: Vec<f64> = pair_stats
        .iter()
        .filter_map(|p| p.percent_agreement)
        .collect();
    let masi = multilabel
        .then(|| rel::krippendorff_alpha_masi(t))
        .flatten();
    let masi_ci = (multilabel && opts.bootstrap > 0)
        .then(|| rel::masi_alpha_bootstrap(t, opts.bootstrap, opts.seed).map(|b| b.ci))
        .flatten();
    Ok(Report {
        n_units: t.units.len(),
        n_coders: m,
        coders: t.coders.clone(),
        units_single_coder: single,
        units_single_coder_ids: single_ids,
        n_units_compared: compared,
        n_units_all_coders: complete.len(),
        machine_pairing: None,
        percent_agreement: mean(&pa_pairs),
        percent_agreement_all: percent_all,
        holsti: if two { pair_stats[0].holsti } else { None },
        cohen_kappa: kappa.map(|k| k.kappa),
        cohen_kappa_se: kappa.map(|k| k.se),
        cohen_kappa_ci: kappa.map(|k| k.ci),
        cohen_kappa_linear: lin.map(|k| k.kappa),
        cohen_kappa_linear_se: lin.map(|k| k.se),
        cohen_kappa_linear_ci: lin.map(|k| k.ci),
        cohen_kappa_quadratic: quad.map(|k| k.kappa),
        cohen_kappa_quadratic_se: quad.map(|k| k.se),
        cohen_kappa_quadratic_ci: quad.map(|k| k.ci),
        scott_pi: if two { pair_stats[0].scott_pi } else { None },
        pabak,
        gwet_ac1: ac1.0,
        gwet_ac1_se: ac1.1,
        gwet_ac1_ci: ac1.2,
        gwet_ac2_linear: ac2_lin.0,
        gwet_ac2_linear_se: ac2_lin.1,
        gwet_ac2_linear_ci: ac2_lin.2,
        gwet_ac2_quadratic: ac2_quad.0,
        gwet_ac2_quadratic_se: ac2_quad.1,
        gwet_ac2_quadratic_ci: ac2_quad.2,
        gwet_ac2_ordinal: ac2_ord.0,
        gwet_ac2_ordinal_se: ac2_ord.1,
        gwet_ac2_ordinal_ci: ac2_ord.2,
        brennan_prediger: bp.0,
        brennan_prediger_se: bp.1,
        brennan_prediger_ci: bp.2,
        conger_kappa: conger.0,
        conger_kappa_se: conger.1,
        conger_kappa_ci: conger.2,
        light_kappa: rel::light_kappa(t),
        krippendorff_alpha: alpha,
        krippendorff_metric: opts.metric,
        krippendorff_alpha_ci: boot.as_ref().map(|b| b.ci),
        krippendorff_alpha_bootstrap: boot.as_ref().map(|_| opts.bootstrap_method),
        krippendorff_alpha_p_below: boot.as_ref().map(|b| [b.p_below_800, b.p_below_667]),
        krippendorff_alpha_masi: masi,
        krippendorff_alpha_masi_ci: masi_ci,
        fleiss_kappa: fleiss.as_ref().map(|f| f.kappa),
        fleiss_kappa_se: fleiss.as_ref().and_then(|f| f.se),
        fleiss_kappa_ci: fleiss.as_ref().and_then(|f| f.ci),
        fleiss_kappa_z: fleiss.as_ref().and_then(|f| f.z),
        fleiss_kappa_p: fleiss.as_ref().and_then(|f| f.p),
        fleiss_kappa_per_category: fleiss.map(|f| f.per_category),
        per_code,
        pairs: (!two).then_some(pair_stats),
        confusion,
        notes,
    })
}

fn f3(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into())
}

/// The header's account of the units: which each figure uses and what was left out, why.
fn units_lines(r: &Report) -> String {
    let mut s = String::new();
    if let Some(p) = &r.machine_pairing {
        let _ = writeln!(s, "  machine: {}", p.summary());
    }
    let by = if r.n_coders == 2 {
        "both coders"
    } else {
        "at least two coders"
    };
    let _ = write!(
        s,
        "  {} units coded by {by}: the agreement, kappa, pi and alpha figures use these",
        r.n_units_compared
    );
    if r.n_coders > 2 && r.n_units_all_coders != r.n_units_compared {
        let _ = write!(s, " ({} coded by all: Fleiss' kappa)", r.n_units_all_coders);
    }
    let _ = writeln!(s);
    if r.units_single_coder > 0 {
        let shown: Vec<&str> = r
            .units_single_coder_ids
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        let more = if r.units_single_coder_ids.len() > 5 {
            ", …"
        } else {
            ""
        };
        let (n, it) = match r.units_single_coder {
            1 => ("1 unit".to_string(), "it"),
            n => (format!("{n} units"), "them"),
        };
        let _ = writeln!(
            s,
            "  {n} coded by one coder only, left out of those figures (Gwet's AC1 and Brennan–Prediger count {it} for chance agreement only): {}{more}",
            shown.join(", ")
        );
    }
    let none = r.n_units - r.n_units_compared - r.units_single_coder;
    if none > 0 {
        let _ = writeln!(s, "  {none} coded by no coder, left out of every figure");
    }
    s
}

/// `; SE 0.091, 95% CI [0.421, 0.778]` when known.
fn se_ci(se: Option<f64>, ci: Option<[f64; 2]>) -> String {
    match (se, ci) {
        (Some(se), Some(ci)) => format!("; SE {se:.3}, 95% CI [{:.3}, {:.3}]", ci[0], ci[1]),
        (None, Some(ci)) => format!("; 95% CI [{:.3}, {:.3}]", ci[0], ci[1]),
        _ => String::new(),
    }
}

/// The report as a readable table, in groups: agreement, chance-corrected for two coders,
/// chance-corrected for any number of coders, and the alpha family.
pub fn render_text(r: &Report, bootstrap: usize, seed: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Intercoder reliability: {} coders ({}), {} units",
        r.n_coders,
        r.coders.join(", "),
        r.n_units
    );
    s.push_str(&units_lines(r));
    s.push('\n');
    let _ = writeln!(s, "{:<36} {:>7}  interpretation", "coefficient", "value");
    let kappa_band = |k: Option<f64>| {
        k.map(|k| format!("{} (Landis & Koch)", rel::landis_koch(k)))
            .unwrap_or_default()
    };
    let alpha_band = |a: Option<f64>| {
        a.map(|a| {
            format!(
                "{} (α ≥ .800 reliable, ≥ .667 tentative)",
                rel::krippendorff_band(a)
            )
        })
        .unwrap_or_default()
    };
    let mut out = Vec::<(String, Option<f64>, String)>::new();
    let group = |s: &mut String, title: &str, rows: &mut Vec<(String, Option<f64>, String)>| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "{title}");
        for (name, v, interp) in rows.drain(..) {
            let _ = writeln!(s, "  {name:<34} {:>7}  {interp}", f3(v));
        }
    };
    let row = |rows: &mut Vec<(String, Option<f64>, String)>,
               name: &str,
               v: Option<f64>,
               interp: String| rows.push((name.to_string(), v, interp));
    row(
        &mut out,
        if r.n_coders > 2 {
            "percent agreement (mean of pairs)"
        } else {
            "percent agreement"
        },
        r.percent_agreement,
        String::new(),
    );
    if r.n_coders > 2 {
        row(
            &mut out,
            "percent agreement (all coders)",
            r.percent_agreement_all,
            String::new(),
        );
    } else {
        row(&mut out, "Holsti's CR", r.holsti, String::new());
    }
    group(&mut s, "Agreement", &mut out);
    let kappa_line = |v: Option<f64>, se: Option<f64>, ci: Option<[f64; 2]>| {
        format!("{}{}", kappa_band(v), se_ci(se, ci))
    };
    if r.n_coders == 2 {
        row(
            &mut out,
            "Cohen's kappa",
            r.cohen_kappa,
            kappa_line(r.cohen_kappa, r.cohen_kappa_se, r.cohen_kappa_ci),
        );
        if r.cohen_kappa_linear.is_some() || r.cohen_kappa_quadratic.is_some() {
            row(
                &mut out,
                "Cohen's kappa, linear weights",
                r.cohen_kappa_linear,
                kappa_line(
                    r.cohen_kappa_linear,
                    r.cohen_kappa_linear_se,
                    r.cohen_kappa_linear_ci,
                ),
            );
            row(
                &mut out,
                "Cohen's kappa, quadratic weights",
                r.cohen_kappa_quadratic,
                kappa_line(
                    r.cohen_kappa_quadratic,
                    r.cohen_kappa_quadratic_se,
                    r.cohen_kappa_quadratic_ci,
                ),
            );
        }
        row(&mut out, "Scott's pi", r.scott_pi, kappa_band(r.scott_pi));
        if r.pabak.is_some() {
            row(&mut out, "PABAK", r.pabak, kappa_band(r.pabak));
        }
        group(&mut s, "Chance-corrected, two coders", &mut out);
    }
    let fleiss_extra = match (r.fleiss_kappa_z, r.fleiss_kappa_p) {
        (Some(z), Some(p)) => format!("; z {z:.2}, p {}", format_p(p)),
        _ => String::new(),
    };
    row(
        &mut out,
        "Fleiss' kappa",
        r.fleiss_kappa,
        format!(
            "{}{fleiss_extra}",
            kappa_line(r.fleiss_kappa, r.fleiss_kappa_se, r.fleiss_kappa_ci)
        ),
    );
    if r.n_coders > 2 {
        row(
            &mut out,
            "Conger's kappa",
            r.conger_kappa,
            kappa_line(r.conger_kappa, r.conger_kappa_se, r.conger_kappa_ci),
        );
        row(
            &mut out,
            "Light's kappa (mean of pairs)",
            r.light_kappa,
            kappa_band(r.light_kappa),
        );
    }
    row(
        &mut out,
        "Gwet's AC1",
        r.gwet_ac1,
        kappa_line(r.gwet_ac1, r.gwet_ac1_se, r.gwet_ac1_ci),
    );
    for (name, v, se, ci) in [
        (
            "Gwet's AC2, linear weights",
            r.gwet_ac2_linear,
            r.gwet_ac2_linear_se,
            r.gwet_ac2_linear_ci,
        ),
        (
            "Gwet's AC2, quadratic weights",
            r.gwet_ac2_quadratic,
            r.gwet_ac2_quadratic_se,
            r.gwet_ac2_quadratic_ci,
        ),
        (
            "Gwet's AC2, ordinal weights",
            r.gwet_ac2_ordinal,
            r.gwet_ac2_ordinal_se,
            r.gwet_ac2_ordinal_ci,
        ),
    ] {
        if v.is_some() {
            row(&mut out, name, v, kappa_line(v, se, ci));
        }
    }
    row(
        &mut out,
        "Brennan–Prediger (Bennett's S)",
        r.brennan_prediger,
        kappa_line(
            r.brennan_prediger,
            r.brennan_prediger_se,
            r.brennan_prediger_ci,
        ),
    );
    group(&mut s, "Chance-corrected, any number of coders", &mut out);
    let metric = format!("{:?}", r.krippendorff_metric).to_lowercase();
    let method = match r.krippendorff_alpha_bootstrap {
        Some(BootstrapMethod::Pairs) => "pairs bootstrap",
        _ => "bootstrap of units",
    };
    let ci = r
        .krippendorff_alpha_ci
        .map(|c| {
            format!(
                "; 95% CI [{:.3}, {:.3}] ({method} {bootstrap}, seed {seed})",
                c[0], c[1]
            )
        })
        .unwrap_or_default();
    row(
        &mut out,
        &format!("Krippendorff's alpha ({metric})"),
        r.krippendorff_alpha,
        format!("{}{ci}", alpha_band(r.krippendorff_alpha)),
    );
    if r.krippendorff_alpha_masi.is_some() {
        row(
            &mut out,
            "Krippendorff's alpha (MASI, sets)",
            r.krippendorff_alpha_masi,
            format!(
                "{}{}",
                alpha_band(r.krippendorff_alpha_masi),
                se_ci(None, r.krippendorff_alpha_masi_ci)
            ),
        );
    }
    group(&mut s, "Alpha family", &mut out);
    if let Some(pairs) = &r.pairs {
        let _ = writeln!(
            s,
            "\nPairs:\n{:<30} {:>5} {:>9} {:>7} {:>7} {:>7}",
            "coders", "n", "agreement", "Holsti", "kappa", "pi"
        );
        for p in pairs {
            let _ = writeln!(
                s,
                "{:<30} {:>5} {:>9} {:>7} {:>7} {:>7}",
                p.coders.join(" / "),
                p.n,
                f3(p.percent_agreement),
                f3(p.holsti),
                f3(p.cohen_kappa),
                f3(p.scott_pi)
            );
        }
    }
    let _ = writeln!(s, "\nPer code (present / absent in each unit):");
    let _ = write!(s, "{:<30}", "code");
    for c in &r.coders {
        let _ = write!(
            s,
            " {:>10}",
            format!("n {}", c.chars().take(8).collect::<String>())
        );
    }
    let _ = writeln!(
        s,
        " {:>9} {:>7} {:>7} {:>7} {:>16}  {}",
        "agreement",
        "kappa",
        "AC1",
        "alpha",
        "alpha 95% CI",
        if r.n_coders == 2 { "used more by" } else { "" }
    );
    for (code, p) in &r.per_code {
        let _ = write!(s, "{code:<30}");
        for c in &r.coders {
            let _ = write!(s, " {:>10}", p.used[c]);
        }
        let ci = p
            .alpha_ci
            .map(|c| format!("[{:.3}, {:.3}]", c[0], c[1]))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            s,
            " {:>9} {:>7} {:>7} {:>7} {:>16}  {}",
            f3(p.percent_agreement),
            f3(p.kappa),
            f3(p.ac1),
            f3(p.alpha),
            ci,
            p.more.clone().unwrap_or_default()
        );
    }
    if let Some(c) = &r.confusion {
        if c.labels.len() <= 12 {
            let _ = writeln!(
                s,
                "\nConfusion matrix (rows {}, columns {}):",
                r.coders[0], r.coders[1]
            );
            let w = c
                .labels
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            let _ = write!(s, "{:w$}", "");
            for l in &c.labels {
                let _ = write!(s, " {:>w$}", l);
            }
            let _ = writeln!(s);
            for (l, row) in c.labels.iter().zip(&c.counts) {
                let _ = write!(s, "{l:w$}");
                for n in row {
                    let _ = write!(s, " {n:>w$}");
                }
                let _ = writeln!(s);
            }
        } else {
            let _ = writeln!(
                s,
                "\nConfusion matrix: {} values; see --format json.",
                c.labels.len()
            );
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(s, "\nNotes:");
        for n in &r.notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    s
}

/// A p-value as text: `< 0.001` below that.
fn format_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// The per-code table as CSV.
pub fn per_code_csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code".to_string()];
    header.extend(r.coders.iter().map(|c| format!("used_{c}")));
    header.extend(
        [
            "percent_agreement",
            "kappa",
            "alpha",
            "used_more_by",
            "ac1",
            "alpha_ci_low",
            "alpha_ci_high",
        ]
        .map(String::from),
    );
    let _ = w.write_record(&header);
    let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    for (code, p) in &r.per_code {
        let mut rec = vec![code.clone()];
        rec.extend(r.coders.iter().map(|c| p.used[c].to_string()));
        rec.extend([
            f(p.percent_agreement),
            f(p.kappa),
            f(p.alpha),
            p.more.clone().unwrap_or_default(),
            f(p.ac1),
            f(p.alpha_ci.map(|c| c[0])),
            f(p.alpha_ci.map(|c| c[1])),
        ]);
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Units where the coders who coded them disagree, with their texts: CSV text. Number codes
/// are compared as numbers (`1` = `1.0`) unless `strings`; cells are written as coded.
pub fn disagreements_csv(c: &Codings, strings: bool) -> String {
    let t = &c.table;
    let (compared, _) = prepared(t, strings);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["unit".to_string(), "text".to_string()];
    header.extend(t.coders.iter().cloned());
    let _ = w.write_record(&header);
    for ((u, row), crow) in t.units.iter().zip(&t.values).zip(&compared.values) {
        let coded: Vec<&Value> = crow.iter().flatten().collect();
        if coded.len() >= 2 && coded.iter().any(|v| *v != coded[0]) {
            let mut rec = vec![u.clone(), c.texts.get(u).cloned().unwrap_or_default()];
            rec.extend(
                row.iter()
                    .map(|v| v.as_ref().map(rel::label).unwrap_or_default()),
            );
            let _ = w.write_record(&rec);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn long_wide_and_sheets_give_the_same_table() {
        let d = tempfile::tempdir().unwrap();
        let long = write(
            d.path(),
            "long.csv",
            "unit,coder,code\n1,ann,a\n1,bob,a\n2,ann,b\n2,bob,a;b\n3,ann,none\n",
        );
        let wide = write(
            d.path(),
            "wide.csv",
            "unit,ann,bob\n1,a,a\n2,b,a;b\n3,none,\n",
        );
        let ann = write(
            d.path(),
            "ann.csv",
            "unit_id,text,code\n1,t1,a\n2,t2,b\n3,t3,none\n",
        );
        let bob = write(d.path(), "bob.csv", "unit_id,code\n1,a\n2,a;b\n3,\n");
        let a = load(&[long], None).unwrap().table;
        let b = load(&[wide], None).unwrap().table;
        let c = load(&[ann, bob], None).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c.table);
        assert_eq!(c.texts["2"], "t2");
        assert_eq!(a.values[2][1], None, "empty cell is missing");
        assert_eq!(a.values[1][1], parse_cell("a;b"));
    }

    #[test]
    fn bad_inputs_are_named() {
        let d = tempfile::tempdir().unwrap();
        let dup = write(
            d.path(),
            "dup.csv",
            "unit,coder,code\n1,ann,a\n1,ann,b\n1,bob,a\n",
        );
        let e = load(&[dup], None).unwrap_err().to_string();
        assert!(
            e.contains("dup.csv:3") && e.contains("unit `1` is coded twice by coder `ann`"),
            "{e}"
        );
        let one = write(d.path(), "one.csv", "unit,code\n1,a\n");
        assert!(load(&[one], None)
            .unwrap_err()
            .to_string()
            .contains("at least two coders"));
        let header_only = write(d.path(), "header.csv", "unit,code\n");
        let e = load(&[header_only.clone(), header_only], None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("found none") && e.contains("no data rows in") && e.contains("header.csv"),
            "{e}"
        );
        let ragged = write(d.path(), "r.csv", "unit,ann,bob\n1,a,a\n2,a\n");
        assert!(load(&[ragged], None)
            .unwrap_err()
            .to_string()
            .contains("r.csv:3"));
    }

    #[test]
    fn machine_codes_only_the_units_humans_named() {
        let d = tempfile::tempdir().unwrap();
        let human = write(
            d.path(),
            "h.tsv",
            "id\tcategories\ttext\nx1\tfiscal_support\tA\nx2\tnone\tB\n",
        );
        let units = write(d.path(), "units.csv", "unit_id,categories,cores,text\nx1,fiscal_support,supply,A\nx2,,,B\nx3,tax_fee_reduction,environment,C\n");
        let c = load(&[human], Some((&units, MachineLevel::Category))).unwrap();
        assert_eq!(c.table.coders, ["h", "machine"]);
        assert_eq!(c.table.units, ["x1", "x2"]);
        assert_eq!(c.table.values[1][1], parse_cell("none"));
        let r = report(
            &c.table,
            &AgreeOptions {
                bootstrap: 0,
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.percent_agreement, Some(1.0));
        assert!(r.pairs.is_none());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("pairs").is_none());
        assert!(json["cohen_kappa"].is_number());
    }

    #[test]
    fn undefined_kappa_is_null_with_a_note() {
        let t = Table {
            units: vec!["1".into(), "2".into()],
            coders: vec!["a".into(), "b".into()],
            values: vec![vec![parse_cell("x"), parse_cell("x")]; 2],
        };
        let r = report(
            &t,
            &AgreeOptions {
                bootstrap: 100,
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["cohen_kappa"].is_null() && json["krippendorff_alpha"].is_null());
        assert!(r.notes.iter().any(|n| n.contains("undefined")));
        assert_eq!(r.percent_agreement, Some(1.0));
    }

    #[test]
    fn number_spellings_are_one_code_unless_strings() {
        let d = tempfile::tempdir().unwrap();
        let f = write(
            d.path(),
            "w.csv",
            "unit,text,ann,bob\n1,t1,1,1.0\n2,t2,2,02\n3,t3,3,2.0\n",
        );
        let c = load(&[f], None).unwrap();
        let (merged, note) = prepared(&c.table, false);
        assert_eq!(merged.values[0][1], parse_cell("1"));
        let note = note.unwrap();
        assert!(
            note.contains("1.0 = 1") && note.contains("02 = 2"),
            "{note}"
        );
        assert_eq!(prepared(&c.table, true), (c.table.clone(), None));
        // Only unit 3 is a real disagreement; cells are written as coded.
        let dis = disagreements_csv(&c, false);
        assert_eq!(dis, "unit,text,ann,bob\n3,t3,3,2.0\n");
        assert_eq!(disagreements_csv(&c, true).lines().count(), 4);
        let r = report(&c.table, &AgreeOptions::default()).unwrap();
        assert_eq!(r.percent_agreement.map(|p| (p * 3.0).round()), Some(2.0));
        assert!(r.notes.iter().any(|n| n.contains("compared as numbers")));
    }

    #[test]
    fn coded_only_drops_units_nobody_coded_with_an_instrument() {
        let t = Table {
            units: vec!["1".into(), "2".into()],
            coders: vec!["a".into(), "b".into()],
            values: vec![
                vec![parse_cell("none"), parse_cell("none")],
                vec![parse_cell("x"), parse_cell("none")],
            ],
        };
        assert_eq!(coded_only(&t).units, ["2"]);
    }
}
