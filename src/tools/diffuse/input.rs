//! Reading what `code` wrote: `documents.csv` (coded documents with level, province,
//! region, year and date) and `units.csv` (body units with their instruments and text).

use crate::error::{Error, Result};
use crate::read::units_csv::UnitsCsv;
use crate::schema::{DocCol, UnitCol};
use crate::util::sheet::{Row, SheetReader};
use std::collections::HashMap;
use std::path::Path;

/// A coded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Path relative to the input folder.
    pub file: String,
    /// `central` or `local` (anything else is kept as written).
    pub level: String,
    /// Province id (`national` for the centre, `unknown` when not known).
    pub province: String,
    /// Region.
    pub region: String,
    /// Year, when known.
    pub year: Option<i32>,
    /// (year, month, day) of its date when the date could be read (month and day 0 when
    /// only the year is known).
    pub date: (i32, u32, u32),
    /// The date as written.
    pub date_text: String,
    /// Position in `documents.csv` (document order).
    pub order: usize,
}

impl Doc {
    /// Whether it is a central document.
    pub fn is_central(&self) -> bool {
        self.level == "central"
    }

    /// The government it speaks for: `central`, a province id, or `None` when a local
    /// document's province is unknown.
    pub fn government(&self) -> Option<&str> {
        if self.is_central() {
            Some("central")
        } else if self.level == "local"
            && !self.province.is_empty()
            && self.province != "unknown"
            && self.province != "national"
        {
            Some(&self.province)
        } else {
            None
        }
    }
}

/// Orders two documents in time: `Some(Less)` when `a` is known to come first. Years
/// decide; within a year the dates decide when both have a month; otherwise `None`.
pub fn time_order(a: &Doc, b: &Doc) -> Option<std::cmp::Ordering> {
    let (ya, yb) = (a.year?, b.year?);
    if ya != yb {
        return Some(ya.cmp(&yb));
    }
    if a.date.1 > 0 && b.date.1 > 0 && a.date.0 == ya && b.date.0 == yb {
        let o = (a.date.1, a.date.2).cmp(&(b.date.1, b.date.2));
        if o != std::cmp::Ordering::Equal {
            return Some(o);
        }
    }
    None
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads a date as `documents.csv` writes it: `2015-08-20`, `2015年8月20日`, `20 August
/// 2015`, `August 20, 2015`, or a year alone. Returns (year, month, day), month and day 0
/// when absent; `None` when no year is found.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let s = s.trim();
    let nums: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect();
    let lower = s.to_lowercase();
    let month_word = MONTHS
        .iter()
        .position(|m| lower.contains(m))
        .map(|i| i as u32 + 1);
    let year = *nums.iter().find(|&&n| (1900..=2100).contains(&n))? as i32;
    let rest: Vec<u32> = nums.iter().copied().filter(|&n| n as i32 != year).collect();
    let (m, d) = match month_word {
        Some(m) => (m, rest.first().copied().unwrap_or(0)),
        None => (
            rest.first().copied().unwrap_or(0),
            rest.get(1).copied().unwrap_or(0),
        ),
    };
    if m > 12 || d > 31 {
        return Some((year, 0, 0));
    }
    Some((year, m, d))
}

/// The columns `diffuse` needs of `documents.csv`.
const DOC_COLUMNS: [DocCol; 6] = [
    DocCol::File,
    DocCol::Status,
    DocCol::Level,
    DocCol::Province,
    DocCol::Region,
    DocCol::Year,
];

/// The coded documents of a `documents.csv`, with how many had no year.
pub fn read_documents(path: &Path) -> Result<Vec<Doc>> {
    let mut r = SheetReader::open(path)?;
    let hint = "; is this a file written by `policy-coder code`?";
    let c: Vec<usize> = DOC_COLUMNS
        .iter()
        .map(|n| r.require(&[n.name()], hint))
        .collect::<Result<_>>()?;
    let date_col = r.col(&[DocCol::Date.name()]);
    let shown = r.path().to_string();
    let mut docs = Vec::new();
    let mut row = Row::default();
    while r.read_row(&mut row)? {
        let get = |k: usize| row.get(k).trim();
        if get(c[1]) != "coded" {
            continue;
        }
        let y = get(c[5]);
        let year = if y.is_empty() || y == "unknown" {
            None
        } else {
            Some(y.parse::<i32>().map_err(|_| {
                Error::csv(&shown, row.line, "year", format!("`{y}` is not a year"))
            })?)
        };
        let date_text = row.opt(date_col).trim().to_string();
        let date = parse_date(&date_text)
            .filter(|d| Some(d.0) == year)
            .unwrap_or((year.unwrap_or(0), 0, 0));
        docs.push(Doc {
            file: get(c[0]).to_string(),
            level: get(c[2]).to_string(),
            province: get(c[3]).to_string(),
            region: crate::geo::region::normalize_region(get(c[4])).to_string(),
            year,
            date,
            date_text,
            order: docs.len(),
        });
    }
    Ok(docs)
}

/// A body unit of `units.csv`, as diffusion needs it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Index into the documents.
    pub doc: usize,
    /// Unit id.
    pub unit_id: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The unit's text.
    pub text: String,
    /// Category ids.
    pub categories: Vec<String>,
    /// Concept ids.
    pub concepts: Vec<String>,
}

/// Streams the body units (boilerplate left out) of a `units.csv` whose file is one of
/// `docs`, in chunks of `chunk` units, to `f`. Units of files not in `docs` (skipped,
/// or not coded) are passed over. Without `with_text` the units' text is left empty.
pub fn for_each_unit_chunk(
    path: &Path,
    docs: &[Doc],
    chunk: usize,
    with_text: bool,
    mut f: impl FnMut(Vec<Unit>),
) -> Result<()> {
    let mut r = UnitsCsv::open_with(
        path,
        &[
            UnitCol::File,
            UnitCol::UnitId,
            UnitCol::Lang,
            UnitCol::Boilerplate,
            UnitCol::Text,
            UnitCol::Categories,
            UnitCol::Concepts,
        ],
    )?;
    let by_file: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.file.as_str(), i))
        .collect();
    let split = |s: &str| -> Vec<String> {
        s.split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    let mut buf = Vec::with_capacity(chunk);
    let mut row = Row::default();
    while r.read(&mut row)? {
        if r.is_boilerplate(&row) {
            continue;
        }
        let Some(&doc) = by_file.get(r.get(&row, UnitCol::File)) else {
            continue;
        };
        buf.push(Unit {
            doc,
            unit_id: r.get(&row, UnitCol::UnitId).to_string(),
            lang: r.get(&row, UnitCol::Lang).to_string(),
            text: if with_text {
                r.get(&row, UnitCol::Text).to_string()
            } else {
                String::new()
            },
            categories: split(r.get(&row, UnitCol::Categories)),
            concepts: split(r.get(&row, UnitCol::Concepts)),
        });
        if buf.len() >= chunk {
            f(std::mem::replace(&mut buf, Vec::with_capacity(chunk)));
        }
    }
    if !buf.is_empty() {
        f(buf);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_code_writes() {
        assert_eq!(parse_date("2015-08-20"), Some((2015, 8, 20)));
        assert_eq!(parse_date("2019年5月10日"), Some((2019, 5, 10)));
        assert_eq!(parse_date("17 March 2016"), Some((2016, 3, 17)));
        assert_eq!(parse_date("2016"), Some((2016, 0, 0)));
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("二〇一五年"), None);
    }

    fn doc(year: Option<i32>, date: (i32, u32, u32)) -> Doc {
        Doc {
            file: String::new(),
            level: "local".into(),
            province: "henan".into(),
            region: crate::geo::region::CENTRAL_REGION.into(),
            year,
            date,
            date_text: String::new(),
            order: 0,
        }
    }

    #[test]
    fn time_order_uses_dates_only_within_a_year() {
        use std::cmp::Ordering::*;
        let a = doc(Some(2015), (2015, 3, 1));
        let b = doc(Some(2015), (2015, 8, 20));
        let c = doc(Some(2015), (2015, 0, 0));
        let d = doc(Some(2016), (2016, 1, 1));
        assert_eq!(time_order(&a, &b), Some(Less));
        assert_eq!(time_order(&a, &c), None);
        assert_eq!(time_order(&c, &d), Some(Less));
        assert_eq!(time_order(&doc(None, (0, 0, 0)), &d), None);
    }
}
