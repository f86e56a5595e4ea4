//! Pairing the units of coding sheets with the machine's units in a `units.csv`, checked
//! by text: a sheet drawn from another run (or from a corpus that has since grown) names
//! ids that may point at other text or at nothing, and comparing those codes would pair
//! the wrong units without a word.
//!
//! Each unit a sheet names is looked up by id; when the sheet gives the unit's text, the
//! machine's text must be the same (compared without white space, and without the `'`
//! a spreadsheet-safe cell starts with). When it is not, the unit is looked up by its
//! text instead (in the sheet's `doc` file when the text occurs more than once) and
//! paired with that unit, or left without a machine code when the text is not found
//! (or not found once). Every outcome is counted: nothing is dropped silently.

use crate::error::{Error, Result};
use crate::read::units_csv::UnitsCsv;
use crate::schema::UnitCol;
use crate::util::sheet::Row;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// A text as compared: without white space, and without a leading `'` that protects a
/// cell starting with `=`, `+`, `-` or `@` in a spreadsheet.
pub fn text_key(text: &str) -> String {
    let t = text.trim_start();
    let t = match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => t,
    };
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

/// One machine unit of a `units.csv`.
#[derive(Debug, Clone)]
pub struct MachineUnit {
    /// `unit_id`.
    pub id: String,
    /// `file` (empty when the column is missing).
    pub file: String,
    /// The text as written.
    pub text: String,
    /// The codes cell (categories or cores).
    pub codes: String,
    /// Line in units.csv.
    pub line: usize,
}

/// The units of a `units.csv`, by id and by text.
#[derive(Debug, Clone, Default)]
pub struct MachineUnits {
    /// The file, as messages show it.
    pub path: String,
    /// Units in file order.
    pub units: Vec<MachineUnit>,
    by_id: HashMap<String, usize>,
    by_text: HashMap<String, Vec<usize>>,
}

impl MachineUnits {
    /// Reads the units of the `units.csv` at `path`, the codes from column `codes`
    /// (`categories` or `cores`).
    pub fn open(path: &Path, codes: UnitCol) -> Result<Self> {
        let mut r = UnitsCsv::open_with(path, &[UnitCol::UnitId, codes])?;
        let mut m = MachineUnits {
            path: r.path().to_string(),
            ..MachineUnits::default()
        };
        let mut row = Row::default();
        while r.read(&mut row)? {
            let line = row.line;
            let id = r.get(&row, UnitCol::UnitId).trim().to_string();
            if id.is_empty() {
                return Err(Error::csv(&m.path, line, "unit_id", "empty unit id"));
            }
            let text = r.get(&row, UnitCol::Text).to_string();
            let i = m.units.len();
            if m.by_id.insert(id.clone(), i).is_some() {
                return Err(Error::csv(
                    &m.path,
                    line,
                    "unit_id",
                    format!("unit `{id}` appears twice"),
                ));
            }
            let key = text_key(&text);
            if !key.is_empty() {
                m.by_text.entry(key).or_default().push(i);
            }
            m.units.push(MachineUnit {
                id,
                file: r.get(&row, UnitCol::File).to_string(),
                text,
                codes: r.get(&row, codes).to_string(),
                line,
            });
        }
        Ok(m)
    }

    /// The unit with id `id`.
    pub fn get(&self, id: &str) -> Option<&MachineUnit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }

    /// The one unit with this text (in file `doc` when the text occurs more than once).
    pub fn find_text(&self, text: &str, doc: Option<&str>) -> Option<&MachineUnit> {
        let hits = self.by_text.get(&text_key(text))?;
        match hits.as_slice() {
            [i] => Some(&self.units[*i]),
            _ => {
                let doc = doc.filter(|d| !d.trim().is_empty())?;
                let mut in_doc = hits.iter().filter(|&&i| self.units[i].file == doc.trim());
                match (in_doc.next(), in_doc.next()) {
                    (Some(&i), None) => Some(&self.units[i]),
                    _ => None,
                }
            }
        }
    }
}

/// A unit of the sheets, as far as pairing needs it.
#[derive(Debug, Clone, Default)]
pub struct SheetUnit {
    /// Its id in the sheets.
    pub id: String,
    /// Its text in the sheets (empty when no sheet gives one).
    pub text: String,
    /// Its `doc`/`file` cell, if any.
    pub doc: Option<String>,
}

/// How the units of the sheets were paired with the machine's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pairing {
    /// The `units.csv` read.
    pub units_csv: String,
    /// Units the sheets name.
    pub sheet_units: usize,
    /// Units paired with a machine unit: `by_id + by_id_unchecked + by_text.len()`.
    pub paired: usize,
    /// Paired by id, with the same text.
    pub by_id: usize,
    /// Paired by id without a text to check (the sheets give none).
    pub by_id_unchecked: usize,
    /// Ids whose unit in units.csv has other text.
    pub ids_at_other_text: Vec<String>,
    /// Ids not in units.csv.
    pub ids_at_nothing: Vec<String>,
    /// Of those, the units found by their text under another id: (sheet id, machine id).
    pub by_text: Vec<(String, String)>,
    /// Of those, the units whose text was not found (or not found once): no machine code.
    pub unpaired: Vec<String>,
}

/// At most five items, then `…`.
fn first_few<'a>(items: impl Iterator<Item = String> + 'a) -> String {
    let v: Vec<String> = items.take(6).collect();
    let more = if v.len() > 5 { ", …" } else { "" };
    format!("{}{more}", v[..v.len().min(5)].join(", "))
}

impl Pairing {
    /// True when more than half the units of the sheets could not be paired: the sheets
    /// were most likely drawn from another corpus or run.
    pub fn mostly_unpaired(&self) -> bool {
        self.sheet_units > 0 && self.unpaired.len() * 2 > self.sheet_units
    }

    /// One line for the report: `30 of 30 sheet units paired with results/units.csv (…)`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} by id and text", self.by_id)];
        if self.by_id_unchecked > 0 {
            parts.push(format!(
                "{} by id alone, the sheets giving no text to check",
                self.by_id_unchecked
            ));
        }
        if !self.by_text.is_empty() {
            parts.push(format!("{} by text under another id", self.by_text.len()));
        }
        let mut s = format!(
            "{} of {} sheet units paired with {} ({})",
            self.paired,
            self.sheet_units,
            self.units_csv,
            parts.join(", ")
        );
        if !self.unpaired.is_empty() {
            s.push_str(&format!(
                "; {} without a machine code (their ids point at other text or at nothing)",
                self.unpaired.len()
            ));
        }
        s
    }

    /// The warning for stderr when some id does not point at its unit's text, else `None`.
    pub fn warning(&self) -> Option<String> {
        let wrong = self.ids_at_other_text.len() + self.ids_at_nothing.len();
        if wrong == 0 {
            return None;
        }
        let mut s = format!(
            "{wrong} of {} unit ids of the sheets do not point at their text in {}: {} at other text, {} at nothing",
            self.sheet_units,
            self.units_csv,
            self.ids_at_other_text.len(),
            self.ids_at_nothing.len()
        );
        if !self.by_text.is_empty() {
            s.push_str(&format!(
                "; {} found by their text and paired with those units ({})",
                self.by_text.len(),
                first_few(self.by_text.iter().map(|(a, b)| format!("{a} → {b}")))
            ));
        }
        if !self.unpaired.is_empty() {
            s.push_str(&format!(
                "; {} left without a machine code ({})",
                self.unpaired.len(),
                first_few(self.unpaired.iter().cloned())
            ));
        }
        s.push_str(
            "; were the sheets drawn from this units.csv? (before unit ids were stable, documents were numbered in path order, and adding a file moved the ids)",
        );
        Some(s)
    }
}

/// Pairs `sheet` units with `machine` units by id and text (see the module comment); the
/// machine unit of each sheet unit (`None` = unpaired), and the counts.
pub fn pair<'m>(
    sheet: &[SheetUnit],
    machine: &'m MachineUnits,
    units_csv: &str,
) -> (Vec<Option<&'m MachineUnit>>, Pairing) {
    let mut p = Pairing {
        units_csv: units_csv.to_string(),
        sheet_units: sheet.len(),
        ..Default::default()
    };
    let matched = sheet
        .iter()
        .map(|u| {
            let by_id = machine.get(&u.id);
            let has_text = !text_key(&u.text).is_empty();
            match by_id {
                Some(m) if !has_text => {
                    p.by_id_unchecked += 1;
                    return Some(m);
                }
                Some(m) if text_key(&m.text) == text_key(&u.text) => {
                    p.by_id += 1;
                    return Some(m);
                }
                Some(_) => p.ids_at_other_text.push(u.id.clone()),
                None => p.ids_at_nothing.push(u.id.clone()),
            }
            let found = has_text
                .then(|| machine.find_text(&u.text, u.doc.as_deref()))
                .flatten();
            match found {
                Some(m) => p.by_text.push((u.id.clone(), m.id.clone())),
                None => p.unpaired.push(u.id.clone()),
            }
            found
        })
        .collect();
    p.paired = p.by_id + p.by_id_unchecked + p.by_text.len();
    (matched, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(rows: &[(&str, &str, &str)]) -> MachineUnits {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("units.csv");
        let mut w = csv::Writer::from_path(&p).unwrap();
        w.write_record(["unit_id", "file", "text", "categories"])
            .unwrap();
        for (id, file, text) in rows {
            w.write_record([*id, *file, *text, "x"]).unwrap();
        }
        w.flush().unwrap();
        MachineUnits::open(&p, UnitCol::Categories).unwrap()
    }

    fn unit(id: &str, text: &str, doc: Option<&str>) -> SheetUnit {
        SheetUnit {
            id: id.into(),
            text: text.into(),
            doc: doc.map(String::from),
        }
    }

    #[test]
    fn texts_are_compared_without_white_space_or_a_protecting_quote() {
        assert_eq!(text_key(" 一、 支持\n创业 "), "一、支持创业");
        assert_eq!(text_key("'-5% tax"), "-5%tax");
        assert_eq!(text_key("'quoted"), "'quoted");
    }

    #[test]
    fn ids_are_paired_by_id_then_by_text_and_the_rest_counted() {
        let m = machine(&[
            ("k-1", "a.txt", "给予创业补贴。"),
            ("k-2", "a.txt", "开展创业培训。"),
            ("k-3", "a.txt", "现提出如下意见。"),
            ("j-3", "b.txt", "现提出如下意见。"),
        ]);
        let sheet = [
            unit("k-1", "给予创业 补贴。", None),
            unit("k-2", "", None),
            unit("old-7", "开展创业培训。", None),
            unit("k-1", "开展创业培训。", None),
            unit("x-3", "现提出如下意见。", Some("b.txt")),
            unit("x-4", "现提出如下意见。", None),
            unit("k-3", "别的文字。", None),
        ];
        let (matched, p) = pair(&sheet, &m, "units.csv");
        let ids: Vec<Option<&str>> = matched.iter().map(|u| u.map(|u| u.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                Some("k-1"),
                Some("k-2"),
                Some("k-2"),
                Some("k-2"),
                Some("j-3"),
                None,
                None
            ]
        );
        assert_eq!((p.by_id, p.by_id_unchecked, p.paired), (1, 1, 5));
        assert_eq!(p.ids_at_other_text, ["k-1", "k-3"]);
        assert_eq!(p.ids_at_nothing, ["old-7", "x-3", "x-4"]);
        assert_eq!(p.unpaired, ["x-4", "k-3"]);
        assert!(!p.mostly_unpaired());
        let w = p.warning().unwrap();
        assert!(
            w.starts_with("5 of 7 unit ids of the sheets do not point at their text in units.csv: 2 at other text, 3 at nothing; 3 found by their text"),
            "{w}"
        );
        assert!(p.summary().starts_with("5 of 7 sheet units paired"));
    }

    #[test]
    fn a_clean_pairing_gives_no_warning_and_a_units_csv_needs_its_columns() {
        let m = machine(&[("k-1", "a.txt", "给予创业补贴。")]);
        let (_, p) = pair(&[unit("k-1", "给予创业补贴。", None)], &m, "u.csv");
        assert!(p.warning().is_none());
        assert_eq!(
            p.summary(),
            "1 of 1 sheet units paired with u.csv (1 by id and text)"
        );
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x.csv");
        std::fs::write(&f, "id,text\n1,a\n").unwrap();
        let e = MachineUnits::open(&f, UnitCol::Categories).unwrap_err();
        assert!(e.to_string().contains("unit_id"), "{e}");
    }
}
