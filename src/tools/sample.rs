//! The `sample` job: draw units from a `units.csv` into a coding sheet for a second
//! coder, optionally stratified, reproducible with a seed. Two passes over the file
//! (count the strata, then reservoir-sample each), so memory holds only the sample.

use crate::error::{Error, Result};
use crate::read::units_csv::UnitsCsv;
use crate::schema::UnitCol;
use crate::tally::aggregate::largest_remainder_shares;
use crate::util::rng::SplitMix64;
use crate::util::sheet::Row;
use std::collections::BTreeMap;
use std::path::Path;

/// What to stratify by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stratify {
    /// The `region` column.
    Region,
    /// The `level` column.
    Level,
    /// The `cores` column (`none` when empty).
    Core,
}

impl std::str::FromStr for Stratify {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "region" => Ok(Stratify::Region),
            "level" => Ok(Stratify::Level),
            "core" | "cores" => Ok(Stratify::Core),
            _ => Err(format!("unknown stratum `{s}` (region, level, core)")),
        }
    }
}

/// Sampling settings.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Units to draw.
    pub n: usize,
    /// Seed.
    pub seed: u64,
    /// Stratification.
    pub stratify: Option<Stratify>,
    /// Leave boilerplate units out.
    pub exclude_boilerplate: bool,
}

/// One sheet row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Row number in units.csv (keeps the sheet in document order).
    pub order: usize,
    /// Unit id.
    pub unit_id: String,
    /// Document (file).
    pub doc: String,
    /// Text.
    pub text: String,
}

struct Columns {
    unit: usize,
    doc: Option<usize>,
    text: usize,
    boiler: Option<usize>,
    stratum: Option<usize>,
}

/// Opens `path` as a units.csv and finds the columns the sample needs.
fn open(path: &Path, opts: &SampleOptions) -> Result<(UnitsCsv, Columns)> {
    let mut need = vec![UnitCol::UnitId, UnitCol::Text];
    if opts.exclude_boilerplate {
        need.push(UnitCol::Boilerplate);
    }
    let stratum = opts.stratify.map(|s| match s {
        Stratify::Region => UnitCol::Region,
        Stratify::Level => UnitCol::Level,
        Stratify::Core => UnitCol::Cores,
    });
    need.extend(stratum);
    let u = UnitsCsv::open_with(path, &need)?;
    let cols = Columns {
        unit: u.col(UnitCol::UnitId).unwrap_or(0),
        doc: u.col(UnitCol::File).or_else(|| u.col(UnitCol::DocId)),
        text: u.col(UnitCol::Text).unwrap_or(0),
        boiler: if opts.exclude_boilerplate {
            u.col(UnitCol::Boilerplate)
        } else {
            None
        },
        stratum: stratum.and_then(|c| u.col(c)),
    };
    Ok((u, cols))
}

fn eligible(rec: &Row, c: &Columns) -> Option<String> {
    if c.boiler.is_some_and(|b| rec.get(b) == "true") {
        return None;
    }
    let s = c.stratum.map_or("all", |s| rec.get(s));
    Some(if s.is_empty() {
        "none".to_string()
    } else {
        s.to_string()
    })
}

/// Draws the sample; rows come back in units.csv order.
pub fn sample(path: &Path, opts: &SampleOptions) -> Result<Vec<SheetRow>> {
    let (mut r, cols) = open(path, opts)?;
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    let mut rec = Row::default();
    while r.read(&mut rec)? {
        if let Some(s) = eligible(&rec, &cols) {
            *sizes.entry(s).or_default() += 1;
        }
    }
    let total: usize = sizes.values().sum();
    // Proportional allocation by largest remainder, capped at each stratum's size.
    let counts: Vec<u64> = sizes.values().map(|&n| n as u64).collect();
    let quota: BTreeMap<String, usize> = match largest_remainder_shares(&counts) {
        Some(shares) if opts.n < total => {
            let mut q: Vec<usize> = shares
                .iter()
                .map(|s| ((s / 100.0) * opts.n as f64).floor() as usize)
                .collect();
            let mut rest = opts.n - q.iter().sum::<usize>();
            let mut order: Vec<usize> = (0..q.len()).collect();
            order.sort_by(|&a, &b| {
                let fa = shares[a] / 100.0 * opts.n as f64 - q[a] as f64;
                let fb = shares[b] / 100.0 * opts.n as f64 - q[b] as f64;
                fb.total_cmp(&fa).then(a.cmp(&b))
            });
            for &i in order.iter().cycle().take(order.len() * 2) {
                if rest == 0 {
                    break;
                }
                if q[i] < counts[i] as usize {
                    q[i] += 1;
                    rest -= 1;
                }
            }
            sizes.keys().cloned().zip(q).collect()
        }
        _ => sizes.clone(),
    };
    let mut rng = SplitMix64::new(opts.seed);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut reservoirs: BTreeMap<String, Vec<SheetRow>> = BTreeMap::new();
    let (mut r, _) = open(path, opts)?;
    let mut i = 0usize;
    while r.read(&mut rec)? {
        i += 1;
        let Some(s) = eligible(&rec, &cols) else {
            continue;
        };
        let k = quota.get(&s).copied().unwrap_or(0);
        if k == 0 {
            continue;
        }
        let n = seen.entry(s.clone()).or_default();
        *n += 1;
        let row = || SheetRow {
            order: i - 1,
            unit_id: rec.get(cols.unit).to_string(),
            doc: rec.opt(cols.doc).to_string(),
            text: rec.get(cols.text).to_string(),
        };
        let res = reservoirs.entry(s).or_default();
        if res.len() < k {
            res.push(row());
        } else {
            let j = rng.below(*n);
            if j < k {
                res[j] = row();
            }
        }
    }
    let mut out: Vec<SheetRow> = reservoirs.into_values().flatten().collect();
    out.sort_by_key(|r| r.order);
    Ok(out)
}

/// Writes a coding sheet: `unit_id, doc, text, code` (code empty). Coders open it in a
/// spreadsheet, so cells that would run as formulas get a leading `'`
/// ([`crate::util::csv::excel_safe`]).
pub fn write_sheet(path: &Path, rows: &[SheetRow]) -> Result<()> {
    use crate::util::csv::excel_safe as safe;
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut f = std::io::BufWriter::new(f);
    std::io::Write::write_all(&mut f, crate::util::csv::bom()).map_err(|e| Error::io(path, e))?;
    let mut w = csv::Writer::from_writer(f);
    let io = |e: csv::Error| Error::io(path, e.into());
    w.write_record(["unit_id", "doc", "text", "code"])
        .map_err(io)?;
    for r in rows {
        w.write_record([&*safe(&r.unit_id), &*safe(&r.doc), &*safe(&r.text), ""])
            .map_err(io)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units_csv(dir: &Path) -> std::path::PathBuf {
        let mut s = String::from("doc_id,unit_id,file,level,region,boilerplate,text,cores\n");
        let key = crate::util::docid::key("a.txt");
        for i in 0..100 {
            let region = if i < 70 { "east" } else { "west" };
            let boiler = if i % 10 == 0 { "true" } else { "false" };
            s.push_str(&format!(
                "{key},{key}-0-{i},a.txt,local,{region},{boiler},text {i},{}\n",
                if i % 2 == 0 { "supply" } else { "" }
            ));
        }
        let p = dir.join("units.csv");
        std::fs::write(&p, s).unwrap();
        p
    }

    #[test]
    fn reproducible_stratified_and_in_document_order() {
        let d = tempfile::tempdir().unwrap();
        let p = units_csv(d.path());
        let opts = SampleOptions {
            n: 20,
            seed: 7,
            stratify: Some(Stratify::Region),
            exclude_boilerplate: true,
        };
        let a = sample(&p, &opts).unwrap();
        assert_eq!(a, sample(&p, &opts).unwrap());
        assert_eq!(a.len(), 20);
        assert_eq!(
            a.iter()
                .filter(|r| r.text.starts_with("text ")
                    && r.unit_id
                        .split('-')
                        .nth(2)
                        .unwrap()
                        .parse::<usize>()
                        .unwrap()
                        < 70)
                .count(),
            14
        );
        assert!(a.windows(2).all(|w| w[0].order < w[1].order));
        assert!(a
            .iter()
            .all(|r| !r.unit_id.ends_with('0') || r.unit_id.ends_with("-100")));
        let other = sample(
            &p,
            &SampleOptions {
                seed: 8,
                ..opts.clone()
            },
        )
        .unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn asking_for_more_than_there_is_takes_everything() {
        let d = tempfile::tempdir().unwrap();
        let p = units_csv(d.path());
        let all = sample(
            &p,
            &SampleOptions {
                n: 500,
                seed: 1,
                stratify: Some(Stratify::Core),
                exclude_boilerplate: false,
            },
        )
        .unwrap();
        assert_eq!(all.len(), 100);
    }
}
