//! Scoring the whole pipeline against hand-coded units of real documents.
//!
//! Labels are keyed by the document's file stem and the unit's verbatim text (ids look like
//! `local_beijing_2022_shujuzhuanqu#8-2-3`; the part after `#` was only the unit id when the
//! unit was labelled). Each labelled text is found in its document, and takes the codes of
//! the tool's units inside it or containing it, plus, from units that only overlap it, the
//! categories whose evidence lies inside it. A change of segmentation therefore does not
//! break the comparison. Boilerplate units count as uncoded: they are left out of every
//! share table.

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::read::units_csv::UnitsCsv;
use crate::schema::{DocCol, UnitCol};
use crate::util::sheet::{Row, SheetReader};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// A hand-coded unit of a real document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledUnit {
    /// The label file's id (`<file stem>#<unit id>`).
    pub id: String,
    /// The document's file stem.
    pub stem: String,
    /// The unit's verbatim text.
    pub text: String,
    /// Category ids; empty = `none`.
    pub labels: BTreeSet<String>,
    /// Line in the label file.
    pub line: usize,
}

/// Reads labelled units: CSV/TSV with `id`, `categories` (or `label`/`code`) and `text`.
/// Labels that are not category ids of `cb` are an error naming file and line.
pub fn read_labeled_units(path: &Path, cb: &Codebook) -> Result<Vec<LabeledUnit>> {
    let sheet = crate::util::sheet::read_sheet(path)?;
    let col = |names: &[&str], what: &str| {
        sheet
            .col(names)
            .ok_or_else(|| Error::csv(&sheet.path, 1, what, format!("no `{what}` column")))
    };
    let id_col = col(&["id", "unit_id", "unit"], "id")?;
    let text_col = col(&["text"], "text")?;
    let label_col = col(
        &["categories", "label", "labels", "code", "codes"],
        "categories",
    )?;
    let mut out = Vec::new();
    for (line, row) in &sheet.rows {
        let id = row[id_col].trim().to_string();
        let Some((stem, _)) = id.split_once('#') else {
            return Err(Error::csv(
                &sheet.path,
                *line,
                "id",
                format!("`{id}` is not `<file stem>#<unit id>`"),
            ));
        };
        let raw = row[label_col].trim();
        if raw.is_empty() {
            continue; // not coded by the coder: not a label
        }
        let labels = crate::code::classify::parse_labels(
            raw,
            |l| cb.category_index(l).is_some(),
            &sheet.path,
            *line,
        )?;
        out.push(LabeledUnit {
            stem: stem.to_string(),
            id: id.clone(),
            text: row[text_col].clone(),
            labels,
            line: *line,
        });
    }
    Ok(out)
}

/// A unit of a `units.csv` written by `code`, as far as scoring needs it.
#[derive(Debug, Clone, Default)]
pub struct MachineUnit {
    /// Character span in the original text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// Left out of shares.
    pub boilerplate: bool,
    /// Category ids.
    pub categories: BTreeSet<String>,
    /// (category, start, end) of each piece of evidence.
    pub evidence: Vec<(String, usize, usize)>,
}

/// Reads a `units.csv` (with `start` and `end` columns) into units per file.
pub fn read_units(path: &Path, cb: &Codebook) -> Result<HashMap<String, Vec<MachineUnit>>> {
    let mut r = UnitsCsv::open_with(
        path,
        &[
            UnitCol::File,
            UnitCol::Start,
            UnitCol::End,
            UnitCol::Boilerplate,
            UnitCol::Categories,
            UnitCol::Evidence,
        ],
    )?;
    let category_of: HashMap<&str, &str> = cb
        .concepts
        .iter()
        .map(|c| (c.id.as_str(), cb.categories[c.category].id.as_str()))
        .collect();
    let mut out: HashMap<String, Vec<MachineUnit>> = HashMap::new();
    let mut rec = Row::default();
    while r.read(&mut rec)? {
        let num = |c: UnitCol| {
            let v = r.get(&rec, c);
            v.parse::<usize>().map_err(|_| {
                Error::csv(
                    r.path(),
                    rec.line,
                    c.name(),
                    format!("`{v}` is not a number"),
                )
            })
        };
        let mut u = MachineUnit {
            start: num(UnitCol::Start)?,
            end: num(UnitCol::End)?,
            boilerplate: r.is_boilerplate(&rec),
            categories: r
                .get(&rec, UnitCol::Categories)
                .split(';')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            evidence: Vec::new(),
        };
        for item in r
            .get(&rec, UnitCol::Evidence)
            .split(';')
            .filter(|s| !s.is_empty())
        {
            let Some((head, span)) = item.rsplit_once('@') else {
                continue;
            };
            let (Some((concept, _)), Some((s, e))) = (head.split_once(':'), span.split_once('-'))
            else {
                continue;
            };
            if let (Some(cat), Ok(s), Ok(e)) = (category_of.get(concept), s.parse(), e.parse()) {
                u.evidence.push((cat.to_string(), s, e));
            }
        }
        let stem = Path::new(r.get(&rec, UnitCol::File))
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.entry(stem).or_default().push(u);
    }
    Ok(out)
}

/// Character span of `needle` in `hay`: the `nth` exact occurrence, else the first
/// occurrence ignoring white space.
pub fn find_span(hay: &str, needle: &str, nth: usize) -> Option<(usize, usize)> {
    let needle = needle.trim();
    if needle.is_empty() {
        return None;
    }
    let char_at = |byte: usize| hay[..byte].chars().count();
    let mut from = 0;
    let mut found = Vec::new();
    while let Some(p) = hay[from..].find(needle) {
        found.push(from + p);
        from += p + needle.len().max(1);
        if found.len() > nth {
            break;
        }
    }
    if let Some(&b) = found.get(nth).or(found.last()) {
        let s = char_at(b);
        return Some((s, s + needle.chars().count()));
    }
    // Without white space: (char index in hay) per kept character.
    let kept: Vec<(usize, char)> = hay
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .collect();
    let want: Vec<char> = needle.chars().filter(|c| !c.is_whitespace()).collect();
    if want.is_empty() || want.len() > kept.len() {
        return None;
    }
    (0..=kept.len() - want.len())
        .find(|&i| {
            kept[i..i + want.len()]
                .iter()
                .map(|x| x.1)
                .eq(want.iter().copied())
        })
        .map(|i| (kept[i].0, kept[i + want.len() - 1].0 + 1))
}

/// One labelled unit with the machine's codes for it.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The label.
    pub label: LabeledUnit,
    /// The machine's categories for its span; `None` when its text was not found.
    pub predicted: Option<BTreeSet<String>>,
}

/// The machine's categories for the character span `[a, b)` of a document.
pub fn codes_for_span(units: &[MachineUnit], a: usize, b: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for u in units
        .iter()
        .filter(|u| u.start < b && u.end > a && !u.boilerplate)
    {
        if (u.start >= a && u.end <= b) || (u.start <= a && u.end >= b) {
            out.extend(u.categories.iter().cloned());
        } else {
            out.extend(
                u.evidence
                    .iter()
                    .filter(|(c, s, e)| *s >= a && *e <= b && u.categories.contains(c))
                    .map(|(c, _, _)| c.clone()),
            );
        }
    }
    out
}

/// Matches labels to the machine's units. `texts` holds each document's original text by
/// file stem.
pub fn match_labels(
    labels: &[LabeledUnit],
    texts: &HashMap<String, String>,
    units: &HashMap<String, Vec<MachineUnit>>,
) -> Vec<Matched> {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    labels
        .iter()
        .map(|l| {
            let nth = seen.entry((&l.stem, &l.text)).or_insert(0);
            let predicted = texts
                .get(&l.stem)
                .and_then(|t| find_span(t, &l.text, *nth))
                .map(|(a, b)| {
                    units
                        .get(&l.stem)
                        .map(|u| codes_for_span(u, a, b))
                        .unwrap_or_default()
                });
            *nth += 1;
            Matched {
                label: l.clone(),
                predicted,
            }
        })
        .collect()
}

/// Counts and scores of one category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoryRow {
    /// Labelled units with the category.
    pub support: usize,
    /// Correctly coded.
    pub tp: usize,
    /// Coded but not labelled.
    pub fp: usize,
    /// Labelled but not coded.
    pub fn_: usize,
    /// Precision (None when never coded).
    pub precision: Option<f64>,
    /// Recall (None when never labelled).
    pub recall: Option<f64>,
    /// F1.
    pub f1: Option<f64>,
    /// A few false positives: (id, text).
    pub false_positives: Vec<(String, String)>,
    /// A few misses: (id, text).
    pub misses: Vec<(String, String)>,
}

/// Scores of one group of labelled units.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    /// Labelled units.
    pub units: usize,
    /// Of which found in the corpus.
    pub found: usize,
    /// Micro precision over (unit, category) pairs.
    pub micro_precision: f64,
    /// Micro recall.
    pub micro_recall: f64,
    /// Micro F1.
    pub micro_f1: f64,
    /// Macro F1 over categories with support or predictions.
    pub macro_f1: f64,
    /// Units labelled `none`.
    pub none_units: usize,
    /// Of which the machine left uncoded.
    pub none_uncoded: usize,
    /// Core shares of references in the hand-coding, percent.
    pub core_shares_hand: BTreeMap<String, f64>,
    /// Core shares of references in the machine's coding of the same units, percent.
    pub core_shares_machine: BTreeMap<String, f64>,
    /// Largest absolute difference of a core share, in percentage points.
    pub core_share_error: f64,
    /// Per category.
    pub per_category: BTreeMap<String, CategoryRow>,
    /// 95 % percentile intervals of micro-F1 by a seeded bootstrap (see [`F1Intervals`]);
    /// `None` when not computed (per document, or `--bootstrap 0`).
    pub micro_f1_interval: Option<F1Intervals>,
}

/// 95 % percentile intervals of a group's micro-F1 from a seeded bootstrap: `documents`
/// resamples whole documents (the units of one document are coded by the same rules and
/// err together, so this is the interval for new documents of the same kind), `units`
/// resamples units. Each is `[low, high]`; `documents` is `None` for fewer than two
/// documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct F1Intervals {
    /// Resamples drawn.
    pub resamples: usize,
    /// The generator's seed.
    pub seed: u64,
    /// Resampling documents.
    pub documents: Option<[f64; 2]>,
    /// Resampling units.
    pub units: Option<[f64; 2]>,
}

/// Draws that a group's interval takes by default: the percentile interval's ends are
/// stable to about ±0.01 at a thousand.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// The seed of the intervals: fixed, so that the same labels give the same interval.
pub const BOOTSTRAP_SEED: u64 = 7;

/// A unit's (true positive, false positive, miss) counts over its categories.
fn unit_counts(m: &Matched) -> Option<[usize; 3]> {
    let pred = m.predicted.as_ref()?;
    let gold = &m.label.labels;
    let tp = gold.intersection(pred).count();
    Some([tp, pred.len() - tp, gold.len() - tp])
}

fn f1_of([tp, fp, fn_]: [usize; 3]) -> f64 {
    f1(ratio(tp, tp + fp), ratio(tp, tp + fn_)).unwrap_or(0.0)
}

/// Adds `c` to `sum`, count by count.
fn add_counts(sum: &mut [usize; 3], c: [usize; 3]) {
    (0..3).for_each(|i| sum[i] += c[i]);
}

/// Each document's summed unit counts (units whose text was not found left out), by stem.
fn document_counts<'m>(matched: &[&'m Matched]) -> BTreeMap<&'m str, [usize; 3]> {
    let mut by_doc: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for m in matched {
        if let Some(c) = unit_counts(m) {
            add_counts(by_doc.entry(&m.label.stem).or_default(), c);
        }
    }
    by_doc
}

/// The 2.5 and 97.5 percentiles of `stat` over `resamples` draws of `n` cluster indexes
/// with replacement (seeded); `None` when there is nothing to draw.
fn bootstrap(
    n: usize,
    resamples: usize,
    seed: u64,
    mut stat: impl FnMut(&[usize]) -> f64,
) -> Option<[f64; 2]> {
    if n == 0 || resamples == 0 {
        return None;
    }
    let mut rng = crate::util::rng::SplitMix64::new(seed);
    let mut draw = vec![0; n];
    let mut values: Vec<f64> = (0..resamples)
        .map(|_| {
            draw.iter_mut().for_each(|d| *d = rng.below(n));
            stat(&draw)
        })
        .collect();
    values.sort_by(|a, b| a.total_cmp(b));
    Some(crate::util::rng::percentile_95(&values))
}

/// The bootstrap interval of micro-F1 over `clusters` (each the summed counts of its units).
fn percentile_interval(clusters: &[[usize; 3]], resamples: usize, seed: u64) -> Option<[f64; 2]> {
    bootstrap(clusters.len(), resamples, seed, |draw| {
        let mut sum = [0usize; 3];
        draw.iter().for_each(|&k| add_counts(&mut sum, clusters[k]));
        f1_of(sum)
    })
}

/// Bootstrap intervals of the micro-F1 of `matched` (the units found in the corpus),
/// resampling documents and units; see [`F1Intervals`].
pub fn f1_intervals(matched: &[&Matched], resamples: usize, seed: u64) -> Option<F1Intervals> {
    if resamples == 0 {
        return None;
    }
    let units: Vec<[usize; 3]> = matched.iter().filter_map(|m| unit_counts(m)).collect();
    let docs: Vec<[usize; 3]> = document_counts(matched).into_values().collect();
    Some(F1Intervals {
        resamples,
        seed,
        documents: (docs.len() >= 2)
            .then(|| percentile_interval(&docs, resamples, seed))
            .flatten(),
        units: percentile_interval(&units, resamples, seed),
    })
}

/// A 95 % interval of micro-F1(`other`) − micro-F1(`base`) on the same labelled units,
/// resampling documents: each draw takes the same documents for both coders, so what the
/// documents share cancels out. `None` for fewer than two documents or no draws.
pub fn f1_difference_interval(
    base: &[&Matched],
    other: &[&Matched],
    resamples: usize,
    seed: u64,
) -> Option<[f64; 2]> {
    let b = document_counts(other);
    let docs: Vec<([usize; 3], [usize; 3])> = document_counts(base)
        .into_iter()
        .map(|(d, ca)| (ca, b.get(d).copied().unwrap_or_default()))
        .collect();
    if docs.len() < 2 {
        return None;
    }
    bootstrap(docs.len(), resamples, seed, |draw| {
        let (mut sa, mut sb) = ([0usize; 3], [0usize; 3]);
        for &k in draw {
            add_counts(&mut sa, docs[k].0);
            add_counts(&mut sb, docs[k].1);
        }
        f1_of(sb) - f1_of(sa)
    })
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    match (p, r) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    }
}

/// Scores the matched units (those found in the corpus); `examples` per category and kind.
pub fn score(matched: &[&Matched], cb: &Codebook, examples: usize) -> Scores {
    let mut s = Scores {
        units: matched.len(),
        ..Default::default()
    };
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut hand_core: BTreeMap<String, usize> = BTreeMap::new();
    let mut machine_core: BTreeMap<String, usize> = BTreeMap::new();
    for core in &cb.cores {
        hand_core.insert(core.id.clone(), 0);
        machine_core.insert(core.id.clone(), 0);
    }
    let short = |t: &str| {
        let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
        match t.char_indices().nth(80) {
            Some((b, _)) => format!("{}…", &t[..b]),
            None => t,
        }
    };
    for m in matched {
        let Some(pred) = &m.predicted else { continue };
        s.found += 1;
        let gold = &m.label.labels;
        if gold.is_empty() {
            s.none_units += 1;
            s.none_uncoded += usize::from(pred.is_empty());
        }
        for c in gold.union(pred) {
            let row = s.per_category.entry(c.clone()).or_default();
            match (gold.contains(c), pred.contains(c)) {
                (true, true) => {
                    row.tp += 1;
                    tp += 1;
                }
                (false, true) => {
                    row.fp += 1;
                    fp += 1;
                    if row.false_positives.len() < examples {
                        row.false_positives
                            .push((m.label.id.clone(), short(&m.label.text)));
                    }
                }
                (true, false) => {
                    row.fn_ += 1;
                    fn_ += 1;
                    if row.misses.len() < examples {
                        row.misses.push((m.label.id.clone(), short(&m.label.text)));
                    }
                }
                (false, false) => {}
            }
            row.support += usize::from(gold.contains(c));
        }
        for (set, tally) in [(gold, &mut hand_core), (pred, &mut machine_core)] {
            for c in set {
                if let Some(k) = cb.category_index(c) {
                    *tally.entry(cb.core_of(k).to_string()).or_default() += 1;
                }
            }
        }
    }
    let p = ratio(tp, tp + fp);
    let r = ratio(tp, tp + fn_);
    s.micro_precision = p.unwrap_or(0.0);
    s.micro_recall = r.unwrap_or(0.0);
    s.micro_f1 = f1(p, r).unwrap_or(0.0);
    let mut f1s = Vec::new();
    for row in s.per_category.values_mut() {
        row.precision = ratio(row.tp, row.tp + row.fp);
        row.recall = ratio(row.tp, row.tp + row.fn_);
        row.f1 = f1(row.precision, row.recall).or(Some(0.0));
        f1s.push(row.f1.unwrap_or(0.0));
    }
    s.macro_f1 = if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    };
    let shares = |t: &BTreeMap<String, usize>| {
        let total: usize = t.values().sum();
        t.iter()
            .map(|(k, &v)| {
                (
                    k.clone(),
                    if total == 0 {
                        0.0
                    } else {
                        100.0 * v as f64 / total as f64
                    },
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    s.core_shares_hand = shares(&hand_core);
    s.core_shares_machine = shares(&machine_core);
    s.core_share_error = s
        .core_shares_hand
        .iter()
        .map(|(k, v)| (v - s.core_shares_machine.get(k).copied().unwrap_or(0.0)).abs())
        .fold(0.0, f64::max);
    s
}

/// The evaluation report: scores for all labelled units, and for the tuning and held-out
/// documents when some are held out, plus one row per document.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusReport {
    /// Label files.
    pub labels: Vec<String>,
    /// Labelled units whose text was not found in their document: (id, why).
    pub not_found: Vec<(String, String)>,
    /// Scores by group: `all`, and `tuning` / `held_out` when documents are held out.
    pub groups: BTreeMap<String, Scores>,
    /// Held-out document stems.
    pub held_out: Vec<String>,
    /// Scores per document stem.
    pub documents: BTreeMap<String, Scores>,
    /// With cross-validation: rules, model and hybrid side by side.
    pub cross_validated: Option<CvReport>,
}

/// Scores `matched` overall, for the tuning and held-out documents, and per document;
/// `examples` errors per category and kind, and micro-F1 intervals of the groups from
/// `resamples` bootstrap draws (none for 0).
pub fn report(
    matched: &[Matched],
    cb: &Codebook,
    held_out: &BTreeSet<String>,
    labels: Vec<String>,
    (examples, resamples): (usize, usize),
) -> CorpusReport {
    let all: Vec<&Matched> = matched.iter().collect();
    let mut groups = BTreeMap::new();
    groups.insert("all".to_string(), score(&all, cb, examples));
    if !held_out.is_empty() {
        let (h, t): (Vec<&Matched>, Vec<&Matched>) =
            all.iter().partition(|m| held_out.contains(&m.label.stem));
        let tuning = score(&t, cb, examples);
        // Examples are what a user tunes on: with documents held out, show only the tuning
        // documents' errors, so that the held-out figures stay a test of generalisation.
        if let Some(a) = groups.get_mut("all") {
            for (c, row) in &mut a.per_category {
                let (fp, miss) = tuning
                    .per_category
                    .get(c)
                    .map(|r| (r.false_positives.clone(), r.misses.clone()))
                    .unwrap_or_default();
                row.false_positives = fp;
                row.misses = miss;
            }
        }
        groups.insert("tuning".to_string(), tuning);
        groups.insert("held_out".to_string(), score(&h, cb, 0));
        for (name, group) in [("tuning", &t), ("held_out", &h)] {
            if let Some(g) = groups.get_mut(name) {
                g.micro_f1_interval = f1_intervals(group, resamples, BOOTSTRAP_SEED);
            }
        }
    }
    if let Some(g) = groups.get_mut("all") {
        g.micro_f1_interval = f1_intervals(&all, resamples, BOOTSTRAP_SEED);
    }
    let mut by_doc: BTreeMap<&str, Vec<&Matched>> = BTreeMap::new();
    for m in &all {
        by_doc.entry(&m.label.stem).or_default().push(m);
    }
    CorpusReport {
        labels,
        not_found: matched
            .iter()
            .filter(|m| m.predicted.is_none())
            .map(|m| {
                (
                    m.label.id.clone(),
                    "text not found in the document (or the document was not coded)".to_string(),
                )
            })
            .collect(),
        groups,
        held_out: held_out.iter().cloned().collect(),
        documents: by_doc
            .into_iter()
            .map(|(k, v)| (k.to_string(), score(&v, cb, 0)))
            .collect(),
        cross_validated: None,
    }
}

/// The score columns of a table row: micro P/R/F1, macro F1, none left uncoded, core error.
fn scores_line(s: &Scores) -> String {
    let share = if s.none_units == 0 {
        0.0
    } else {
        100.0 * s.none_uncoded as f64 / s.none_units as f64
    };
    format!(
        "{:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>9} {:>5.1}% {:>9.1}",
        s.micro_precision,
        s.micro_recall,
        s.micro_f1,
        s.macro_f1,
        format!("{}/{}", s.none_uncoded, s.none_units),
        share,
        s.core_share_error
    )
}

/// An interval as `low-high`, or `-` when there is none.
fn interval_text(x: Option<[f64; 2]>) -> String {
    x.map_or("-".to_string(), |[a, b]| format!("{a:.3}-{b:.3}"))
}

/// The report as text tables.
pub fn render(r: &CorpusReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Evaluation on real documents against {}",
        r.labels.join(", ")
    );
    let _ = writeln!(
        o,
        "\n{:<10} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>16} {:>10}",
        "group",
        "units",
        "found",
        "micro-P",
        "micro-R",
        "micro-F1",
        "macro-F1",
        "none uncoded",
        "core err"
    );
    for (name, s) in &r.groups {
        let _ = writeln!(
            o,
            "{:<10} {:>6} {:>6} {}",
            name,
            s.units,
            s.found,
            scores_line(s)
        );
    }
    if !r.held_out.is_empty() {
        let _ = writeln!(o, "held out: {}", r.held_out.join(", "));
    }
    let intervals: Vec<(&String, &F1Intervals)> = r
        .groups
        .iter()
        .filter_map(|(name, s)| Some((name, s.micro_f1_interval.as_ref()?)))
        .collect();
    if let Some((_, first)) = intervals.first() {
        let _ = writeln!(
            o,
            "\nMicro-F1, 95 % bootstrap intervals ({} draws, seed {}): resampling documents (new documents of the same kinds) and units",
            first.resamples, first.seed
        );
        for (name, iv) in intervals {
            let _ = writeln!(
                o,
                "{:<10} {:>8.3}  documents {:>11}  units {:>11}",
                name,
                r.groups[name].micro_f1,
                interval_text(iv.documents),
                interval_text(iv.units)
            );
        }
    }
    if let Some(all) = r.groups.get("all") {
        let _ = writeln!(
            o,
            "\nCore shares of references (%), hand vs machine, on the same units:"
        );
        for (k, v) in &all.core_shares_hand {
            let m = all.core_shares_machine.get(k).copied().unwrap_or(0.0);
            let _ = writeln!(
                o,
                "  {k:<12} hand {v:>6.2}  machine {m:>6.2}  diff {:>+6.2}",
                m - v
            );
        }
        let _ = writeln!(
            o,
            "\nPer category (all):\n{:<28} {:>7} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}",
            "category", "support", "tp", "fp", "fn", "P", "R", "F1"
        );
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.2}"));
        for (c, row) in &all.per_category {
            let _ = writeln!(
                o,
                "{:<28} {:>7} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}",
                c,
                row.support,
                row.tp,
                row.fp,
                row.fn_,
                f(row.precision),
                f(row.recall),
                f(row.f1)
            );
        }
        let mut shown = false;
        for (c, row) in &all.per_category {
            for (kind, list) in [
                ("false positive", &row.false_positives),
                ("miss", &row.misses),
            ] {
                for (id, text) in list {
                    if !shown {
                        let from = if r.held_out.is_empty() {
                            ""
                        } else {
                            " (tuning documents only; held-out errors are not shown)"
                        };
                        let _ = writeln!(o, "\nExamples{from}:");
                        shown = true;
                    }
                    let _ = writeln!(o, "  {c} {kind}: {id}: {text}");
                }
            }
        }
    }
    if let Some(cv) = &r.cross_validated {
        let _ = writeln!(
            o,
            "\nCross-validated by document ({} folds; no document in both training and test):",
            cv.folds
        );
        for (file, n) in &cv.train_extra {
            let _ = writeln!(
                o,
                "every fold's model also trained on {file} ({n} units, not scored)"
            );
        }
        let _ = writeln!(
            o,
            "{:<16} {:>8} {:>8} {:>8} {:>8} {:>16} {:>10}",
            "coder", "micro-P", "micro-R", "micro-F1", "macro-F1", "none uncoded", "core err"
        );
        for (name, s) in &cv.coders {
            let _ = writeln!(o, "{:<16} {}", name, scores_line(s));
        }
        let show =
            |x: Option<[f64; 2]>| x.map_or("-".to_string(), |[a, b]| format!("{a:+.3} to {b:+.3}"));
        let with_intervals: Vec<_> = cv
            .coders
            .iter()
            .filter_map(|(name, s)| Some((name, s.micro_f1_interval.as_ref()?)))
            .collect();
        if !with_intervals.is_empty() {
            let _ = writeln!(
                o,
                "micro-F1 with 95 % bootstrap intervals (resampling documents, units) and its difference to the rules (resampling documents, the same draws for both):"
            );
            for (name, iv) in with_intervals {
                let versus = match cv.difference_to_rules.get(name) {
                    Some(&d) if name != "rules" => format!("  vs rules {}", show(Some(d))),
                    _ => String::new(),
                };
                let _ = writeln!(
                    o,
                    "  {:<16} {:.3}  documents {:>11}  units {:>11}{versus}",
                    name,
                    cv.coders[name].micro_f1,
                    interval_text(iv.documents),
                    interval_text(iv.units),
                );
            }
        }
        for m in &cv.fold_models {
            let _ = writeln!(o, "  {m}");
        }
    }
    let _ = writeln!(
        o,
        "\nPer document:\n{:<48} {:>5} {:>6} {:>6} {:>6} {:>12}",
        "document", "units", "P", "R", "F1", "none uncoded"
    );
    for (d, s) in &r.documents {
        let _ = writeln!(
            o,
            "{:<48} {:>5} {:>6.3} {:>6.3} {:>6.3} {:>12}",
            d,
            s.units,
            s.micro_precision,
            s.micro_recall,
            s.micro_f1,
            format!("{}/{}", s.none_uncoded, s.none_units)
        );
    }
    if !r.not_found.is_empty() {
        let _ = writeln!(o, "\n{} labelled units not found:", r.not_found.len());
        for (id, why) in r.not_found.iter().take(20) {
            let _ = writeln!(o, "  {id}: {why}");
        }
    }
    o
}

/// How to evaluate a corpus.
#[derive(Debug, Clone)]
pub struct CorpusEvalOptions {
    /// Label files.
    pub labeled: Vec<std::path::PathBuf>,
    /// Document stems held out of tuning, reported apart.
    pub held_out: BTreeSet<String>,
    /// Examples of false positives and misses per category.
    pub examples: usize,
    /// Bootstrap draws for the groups' micro-F1 intervals (0: none).
    pub bootstrap: usize,
    /// Cross-validate a classifier by document: folds and training options. Each fold's
    /// model is trained on the labelled units of the other folds' documents and codes the
    /// corpus in `model` and `hybrid` mode; the fold's documents are scored.
    pub cv: Option<(usize, crate::code::classify::TrainOptions)>,
    /// With `cv`: also train each fold a model on this embedder's sentence embeddings and
    /// score it as `embedding` (model mode) and `embedding-hybrid`.
    pub embedder: Option<std::sync::Arc<crate::code::classify::embed::Embedder>>,
    /// With `cv`: labelled files added to every fold's training set and never scored (a
    /// shared or synthetic set); each file is one document in the models' inner
    /// cross-validation.
    pub train_extra: Vec<std::path::PathBuf>,
}

/// Rules, model and hybrid side by side, cross-validated by document.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    /// Folds.
    pub folds: usize,
    /// Document stems per fold.
    pub fold_documents: Vec<Vec<String>>,
    /// Each fold model's feature kind and thresholds.
    pub fold_models: Vec<String>,
    /// Files added to every fold's training set, with their units.
    pub train_extra: Vec<(String, usize)>,
    /// Scores of all labelled units by coder: `rules`, `model`, `hybrid`.
    pub coders: BTreeMap<String, Scores>,
    /// Per coder other than `rules`: a 95 % interval of its micro-F1 minus that of the
    /// rules, resampling documents (see [`f1_difference_interval`]).
    pub difference_to_rules: BTreeMap<String, [f64; 2]>,
}

/// Codes the corpus with `opts` (its outputs land in `opts.out`) and scores the result
/// against the labelled units.
pub fn evaluate_corpus(
    coder: &crate::Coder,
    code: &crate::pipeline::CodeOptions,
    eval: &CorpusEvalOptions,
) -> Result<CorpusReport> {
    let cb = &coder.codebook;
    let mut labels = Vec::new();
    for path in &eval.labeled {
        labels.extend(read_labeled_units(path, cb)?);
    }
    crate::pipeline::run(coder, code)?;
    let units = read_units(&code.out.join("units.csv"), cb)?;
    // The original text of each labelled document, read as `code` read it.
    let wanted: BTreeSet<&str> = labels.iter().map(|l| l.stem.as_str()).collect();
    let docs_path = code.out.join("documents.csv");
    let r = SheetReader::open(&docs_path)?;
    let hint = "; is this a file written by `policy-coder code`?";
    let (file_col, status_col) = (
        r.require(&[DocCol::File.name()], hint)?,
        r.require(&[DocCol::Status.name()], hint)?,
    );
    let readers = crate::read::readers();
    let mut texts = HashMap::new();
    for rec in r {
        let rec = rec?;
        let (file, status) = (rec.get(file_col), rec.get(status_col));
        let stem = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if status != "coded" || !wanted.contains(stem.as_str()) {
            continue;
        }
        // `file` is relative to the input folder it was found in.
        let text = code.inputs.iter().find_map(|root| {
            let path = if root.is_dir() {
                root.join(file)
            } else {
                root.clone()
            };
            crate::read::read_file(&path, &readers, code.max_file_size).ok()
        });
        if let Some(x) = text {
            texts.insert(stem, x.text);
        }
    }
    let matched = match_labels(&labels, &texts, &units);
    let mut r = report(
        &matched,
        cb,
        &eval.held_out,
        eval.labeled
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        (eval.examples, eval.bootstrap),
    );
    if let Some((folds, train)) = &eval.cv {
        let cv = cross_validate(
            coder,
            code,
            (&labels, &texts),
            &matched,
            (*folds, train, eval.embedder.as_ref(), eval.bootstrap),
            &eval.train_extra,
        )?;
        r.cross_validated = Some(cv);
    }
    Ok(r)
}

/// Trains a model per fold of documents on the other folds' labels and scores the fold's
/// documents coded in `model` and `hybrid` mode, beside the rules.
fn cross_validate(
    coder: &crate::Coder,
    code: &crate::pipeline::CodeOptions,
    (labels, texts): (&[LabeledUnit], &HashMap<String, String>),
    rules: &[Matched],
    (folds, train, embedder, resamples): (
        usize,
        &crate::code::classify::TrainOptions,
        Option<&std::sync::Arc<crate::code::classify::embed::Embedder>>,
        usize,
    ),
    train_extra: &[std::path::PathBuf],
) -> Result<CvReport> {
    use crate::code::classify::{Classifier, Labeled, Mode};
    // Read once; every fold trains on them, none scores them.
    let mut extra: Vec<(Labeled, String)> = Vec::new();
    let mut extra_files = Vec::new();
    for path in train_extra {
        let units = crate::code::classify::read_labeled(std::slice::from_ref(path), coder)?;
        let group = format!("extra:{}", path.display());
        extra_files.push((path.display().to_string(), units.len()));
        extra.extend(units.into_iter().map(|u| (u, group.clone())));
    }
    let docs: Vec<String> = labels
        .iter()
        .map(|l| l.stem.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if folds < 2 || docs.len() < folds {
        return Err(Error::Data(format!(
            "cross-validation by document needs at least 2 folds and a document per fold ({} documents, {folds} folds)",
            docs.len()
        )));
    }
    // Documents dealt to folds in sorted order: deterministic, no document in two folds.
    let fold_of: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i % folds))
        .collect();
    let mut by_mode: BTreeMap<&str, Vec<Matched>> = BTreeMap::new();
    let mut fold_models = Vec::new();
    for f in 0..folds {
        let data: Vec<Labeled> = labels
            .iter()
            .filter(|l| fold_of[l.stem.as_str()] != f)
            .map(|l| Labeled {
                text: l.text.clone(),
                labels: l.labels.clone(),
            })
            .chain(extra.iter().map(|(u, _)| u.clone()))
            .collect();
        let in_fold: Vec<LabeledUnit> = labels
            .iter()
            .filter(|l| fold_of[l.stem.as_str()] == f)
            .cloned()
            .collect();
        // Each training unit's document: the models' inner cross-validation holds out
        // whole documents too.
        let groups: Vec<String> = labels
            .iter()
            .filter(|l| fold_of[l.stem.as_str()] != f)
            .map(|l| l.stem.clone())
            .chain(extra.iter().map(|(_, g)| g.clone()))
            .collect();
        let mut models = vec![(
            "model",
            "hybrid",
            std::sync::Arc::new(Classifier::train_in_groups(
                &data,
                Some(&groups),
                coder,
                train,
            )?),
        )];
        if let Some(e) = embedder {
            let clf = Classifier::train_embedded_in_groups(
                &data,
                Some(&groups),
                coder,
                train,
                e.clone(),
            )?;
            models.push(("embedding", "embedding-hybrid", std::sync::Arc::new(clf)));
        }
        for (model_name, hybrid_name, clf) in models {
            let m = &clf.model;
            fold_models.push(format!(
                "fold {}: {:?}, {:?} decoding, threshold {:.2}, gap {:.2}, withhold {:.2}",
                f + 1,
                m.features,
                m.decode,
                m.threshold,
                m.gap_threshold,
                m.withhold_threshold
            ));
            for (name, mode) in [(model_name, Mode::Model), (hybrid_name, Mode::Hybrid)] {
                let mut opts = code.clone();
                opts.out = code.out.join(format!("cv-{}-{name}", f + 1));
                opts.force = true;
                opts.model = Some((clf.clone(), mode));
                crate::pipeline::run(coder, &opts)?;
                let units = read_units(&opts.out.join("units.csv"), &coder.codebook)?;
                by_mode
                    .entry(name)
                    .or_default()
                    .extend(match_labels(&in_fold, texts, &units));
            }
        }
    }
    let all = |m: &[&Matched]| {
        let mut s = score(m, &coder.codebook, 0);
        s.micro_f1_interval = f1_intervals(m, resamples, BOOTSTRAP_SEED);
        s
    };
    let rules: Vec<&Matched> = rules.iter().collect();
    // Every coder's units in the rules' order, so that a unit bootstrap draws the same
    // labelled units for each.
    let order: HashMap<(&str, usize), usize> = rules
        .iter()
        .enumerate()
        .map(|(k, m)| ((m.label.id.as_str(), m.label.line), k))
        .collect();
    let mut coders = BTreeMap::new();
    let mut difference_to_rules = BTreeMap::new();
    coders.insert("rules".to_string(), all(&rules));
    for (name, m) in &by_mode {
        let mut m: Vec<&Matched> = m.iter().collect();
        m.sort_by_key(|x| order.get(&(x.label.id.as_str(), x.label.line)).copied());
        coders.insert(name.to_string(), all(&m));
        if let Some(d) = f1_difference_interval(&rules, &m, resamples, BOOTSTRAP_SEED) {
            difference_to_rules.insert(name.to_string(), d);
        }
    }
    Ok(CvReport {
        folds,
        fold_documents: (0..folds)
            .map(|f| {
                docs.iter()
                    .filter(|d| fold_of[d.as_str()] == f)
                    .cloned()
                    .collect()
            })
            .collect(),
        fold_models,
        train_extra: extra_files,
        coders,
        difference_to_rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(
        start: usize,
        end: usize,
        cats: &[&str],
        evidence: &[(&str, usize, usize)],
    ) -> MachineUnit {
        MachineUnit {
            start,
            end,
            boilerplate: false,
            categories: cats.iter().map(|s| s.to_string()).collect(),
            evidence: evidence
                .iter()
                .map(|(c, s, e)| (c.to_string(), *s, *e))
                .collect(),
        }
    }

    #[test]
    fn spans_are_found_by_text_and_occurrence() {
        let doc = "一、总体要求\n加强领导。加强领导。\n第三条 本办法";
        assert_eq!(find_span(doc, "加强领导。", 0), Some((7, 12)));
        assert_eq!(find_span(doc, "加强领导。", 1), Some((12, 17)));
        // white space differs: still found
        assert_eq!(find_span(doc, "第三条本办法", 0), Some((18, 25)));
        assert_eq!(find_span(doc, "没有", 0), None);
    }

    #[test]
    fn a_label_takes_the_codes_of_units_inside_or_containing_it() {
        let units = vec![
            unit(0, 10, &["fiscal_support"], &[("fiscal_support", 2, 4)]),
            unit(10, 20, &["talent_training"], &[("talent_training", 12, 14)]),
            unit(
                20,
                40,
                &["demonstration", "e_commerce"],
                &[("demonstration", 22, 24), ("e_commerce", 35, 38)],
            ),
        ];
        // a label spanning the first two units takes both
        let got = codes_for_span(&units, 0, 20);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            ["fiscal_support", "talent_training"]
        );
        // a label inside the third unit takes all of its codes
        assert_eq!(codes_for_span(&units, 25, 30).len(), 2);
        // a label overlapping units partly takes only the evidence inside it
        let got = codes_for_span(&units, 15, 30);
        assert_eq!(got.into_iter().collect::<Vec<_>>(), ["demonstration"]);
        // boilerplate counts as uncoded
        let mut b = units.clone();
        b[0].boilerplate = true;
        assert!(codes_for_span(&b, 0, 10).is_empty());
    }

    #[test]
    fn scores_count_pairs_and_none_units() {
        let cb = Codebook::default_codebook();
        let l = |id: &str, labels: &[&str]| LabeledUnit {
            id: format!("d#{id}"),
            stem: "d".into(),
            text: id.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            line: 2,
        };
        let m = |label: LabeledUnit, pred: &[&str]| Matched {
            label,
            predicted: Some(pred.iter().map(|s| s.to_string()).collect()),
        };
        let ms = [
            m(l("a", &["fiscal_support"]), &["fiscal_support"]),
            m(l("b", &[]), &["talent_training"]),
            m(l("c", &[]), &[]),
            m(l("d", &["e_commerce"]), &[]),
        ];
        let refs: Vec<&Matched> = ms.iter().collect();
        let s = score(&refs, &cb, 2);
        assert!((s.micro_precision - 0.5).abs() < 1e-9);
        assert!((s.micro_recall - 0.5).abs() < 1e-9);
        assert_eq!((s.none_units, s.none_uncoded), (2, 1));
        // hand: supply 1, demand 1 → 50/50; machine: supply 2 → 100/0
        assert!((s.core_share_error - 50.0).abs() < 1e-9);
        assert_eq!(s.per_category["talent_training"].false_positives.len(), 1);
    }

    #[test]
    fn examples_come_from_tuning_documents_only_when_some_are_held_out() {
        let cb = Codebook::default_codebook();
        let m = |stem: &str, pred: &[&str]| Matched {
            label: LabeledUnit {
                id: format!("{stem}#1"),
                stem: stem.into(),
                text: format!("{stem} text"),
                labels: BTreeSet::new(),
                line: 2,
            },
            predicted: Some(pred.iter().map(|s| s.to_string()).collect()),
        };
        let ms = vec![
            m("tune", &["talent_training"]),
            m("held", &["talent_training"]),
        ];
        let held: BTreeSet<String> = ["held".to_string()].into();
        let r = report(&ms, &cb, &held, vec![], (5, 0));
        let all = &r.groups["all"].per_category["talent_training"];
        // both false positives are counted, only the tuning one is shown
        assert_eq!(all.fp, 2);
        assert_eq!(all.false_positives.len(), 1);
        assert_eq!(all.false_positives[0].0, "tune#1");
        assert!(r.groups["held_out"].per_category["talent_training"]
            .false_positives
            .is_empty());
        assert!(render(&r).contains("tuning documents only"));
        // nothing held out: examples from every document
        let r = report(&ms, &cb, &BTreeSet::new(), vec![], (5, 0));
        assert_eq!(
            r.groups["all"].per_category["talent_training"]
                .false_positives
                .len(),
            2
        );
    }

    fn matched(stem: &str, gold: &[&str], pred: &[&str]) -> Matched {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Matched {
            label: LabeledUnit {
                id: format!("{stem}#1"),
                stem: stem.into(),
                text: String::new(),
                labels: set(gold),
                line: 2,
            },
            predicted: Some(set(pred)),
        }
    }

    #[test]
    fn f1_intervals_bracket_the_estimate_and_are_seeded() {
        // Three documents: one all right, one half right, one all wrong.
        let mut ms = Vec::new();
        for k in 0..10 {
            ms.push(matched("a", &["x"], &["x"]));
            ms.push(matched(
                "b",
                &["x"],
                if k % 2 == 0 { &["x"] } else { &["y"] },
            ));
            ms.push(matched("c", &["x"], &["y"]));
        }
        let refs: Vec<&Matched> = ms.iter().collect();
        let point = f1_of(
            refs.iter()
                .filter_map(|m| unit_counts(m))
                .fold([0; 3], |a, c| [a[0] + c[0], a[1] + c[1], a[2] + c[2]]),
        );
        assert!((point - 0.5).abs() < 1e-9);
        let iv = f1_intervals(&refs, 500, 7).unwrap();
        for [lo, hi] in [iv.documents.unwrap(), iv.units.unwrap()] {
            assert!(lo < point && point < hi, "{lo} {point} {hi}");
        }
        // Documents are the clusters: three of them vary the estimate more than 30 units.
        let width = |[lo, hi]: [f64; 2]| hi - lo;
        assert!(width(iv.documents.unwrap()) > width(iv.units.unwrap()));
        assert_eq!(f1_intervals(&refs, 500, 7), Some(iv));
        // All right: no spread; one document: no document interval; no draws: none.
        let right: Vec<Matched> = (0..5).map(|_| matched("a", &["x"], &["x"])).collect();
        let refs: Vec<&Matched> = right.iter().collect();
        let iv = f1_intervals(&refs, 200, 7).unwrap();
        assert_eq!((iv.documents, iv.units), (None, Some([1.0, 1.0])));
        assert_eq!(f1_intervals(&refs, 0, 7), None);
    }

    #[test]
    fn groups_carry_intervals_and_the_text_shows_them() {
        let cb = Codebook::default_codebook();
        let ms = vec![
            matched("tune", &["talent_training"], &["talent_training"]),
            matched("tune2", &["talent_training"], &[]),
            matched("held", &[], &["talent_training"]),
        ];
        let held: BTreeSet<String> = ["held".to_string()].into();
        let r = report(&ms, &cb, &held, vec![], (0, 100));
        for g in ["all", "tuning", "held_out"] {
            assert!(r.groups[g].micro_f1_interval.is_some(), "{g}");
        }
        assert!(r.documents.values().all(|s| s.micro_f1_interval.is_none()));
        assert!(render(&r).contains("95 % bootstrap intervals (100 draws, seed 7)"));
        let r = report(&ms, &cb, &held, vec![], (0, 0));
        assert!(r.groups["all"].micro_f1_interval.is_none());
        assert!(!render(&r).contains("bootstrap"));
    }

    #[test]
    fn the_difference_to_the_rules_is_paired_by_document() {
        // Rules right on half of each document's units; the other coder right on all of
        // them in documents a and b, and as the rules in c.
        let (mut rules, mut better) = (Vec::new(), Vec::new());
        for d in ["a", "b", "c"] {
            for k in 0..6 {
                let right = k % 2 == 0;
                rules.push(matched(d, &["x"], if right { &["x"] } else { &["y"] }));
                let fixed = right || d != "c";
                better.push(matched(d, &["x"], if fixed { &["x"] } else { &["y"] }));
            }
        }
        let (r, b): (Vec<&Matched>, Vec<&Matched>) =
            (rules.iter().collect(), better.iter().collect());
        assert_eq!(f1_difference_interval(&r, &r, 300, 7), Some([0.0, 0.0]));
        let [lo, hi] = f1_difference_interval(&r, &b, 300, 7).unwrap();
        assert!(0.0 <= lo && lo < hi && hi <= 0.5, "{lo} {hi}");
        // One document: no interval.
        assert_eq!(f1_difference_interval(&r[..6], &b[..6], 300, 7), None);
    }
}
