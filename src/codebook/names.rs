//! Codes as coders write them, read as one spelling each: compared without regard to
//! case or repeated spaces, and a codebook's labels (`财政支持`, `Fiscal support`) read as
//! the ids they stand for (`fiscal_support`), so that a sheet filled in by hand in Chinese
//! or with a capital letter agrees with the machine's ids.

use crate::codebook::Codebook;
use crate::reliability::{Table, Value};
use std::collections::{BTreeMap, HashMap};

/// How the codes of coding files map onto one spelling.
#[derive(Debug, Clone, Default)]
pub struct CodeNames {
    /// Folded spelling → id (category and core ids, their labels, `none`).
    ids: HashMap<String, String>,
}

/// A code folded for comparison: trimmed, runs of white space as one space, lower case.
pub fn fold(code: &str) -> String {
    code.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl CodeNames {
    /// Spellings of `cb`'s category and core ids and of their Chinese and English labels; a
    /// label two of them share stays unmapped. Without a codebook codes are only folded.
    pub fn new(cb: Option<&Codebook>) -> Self {
        let mut ids: HashMap<String, String> = HashMap::new();
        ids.insert("none".into(), "none".into());
        let Some(cb) = cb else {
            return CodeNames { ids };
        };
        let entries = cb
            .categories
            .iter()
            .map(|c| (&c.id, &c.label))
            .chain(cb.cores.iter().map(|c| (&c.id, &c.label)));
        let mut labels: HashMap<String, Vec<String>> = HashMap::new();
        for (id, label) in entries {
            ids.insert(fold(id), id.clone());
            for l in [&label.zh, &label.en] {
                if !l.trim().is_empty() {
                    labels.entry(fold(l)).or_default().push(id.clone());
                }
            }
        }
        for (l, mut targets) in labels {
            targets.dedup();
            if let ([id], false) = (targets.as_slice(), ids.contains_key(&l)) {
                ids.insert(l, id.clone());
            }
        }
        CodeNames { ids }
    }

    /// The one spelling of `code`: the id it names, else its folded form.
    pub fn canonical(&self, code: &str) -> String {
        let f = fold(code);
        self.ids.get(&f).cloned().unwrap_or(f)
    }

    /// `t` with every code in its one spelling, and the spellings that changed
    /// (as written → as compared), for a note.
    pub fn apply(&self, t: &Table) -> (Table, BTreeMap<String, String>) {
        let mut rewrites = BTreeMap::new();
        let values = t
            .values
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| {
                        v.as_ref().map(|v| {
                            v.iter()
                                .map(|c| {
                                    let canon = self.canonical(c);
                                    if &canon != c {
                                        rewrites.insert(c.clone(), canon.clone());
                                    }
                                    canon
                                })
                                .collect::<Value>()
                        })
                    })
                    .collect()
            })
            .collect();
        (
            Table {
                units: t.units.clone(),
                coders: t.coders.clone(),
                values,
            },
            rewrites,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell of `;`-separated codes, as a coding sheet holds it.
    fn parse_cell(cell: &str) -> Option<Value> {
        let v: Value = cell.split(';').map(|c| c.trim().to_string()).collect();
        Some(v)
    }

    #[test]
    fn ids_labels_and_case_are_one_code() {
        let cb = Codebook::default_codebook();
        let n = CodeNames::new(Some(&cb));
        for written in [
            "fiscal_support",
            "Fiscal_Support",
            " FISCAL_SUPPORT ",
            "财政支持",
            "Fiscal support",
            "fiscal  SUPPORT",
        ] {
            assert_eq!(n.canonical(written), "fiscal_support", "{written}");
        }
        assert_eq!(n.canonical("供给型政策工具"), "supply");
        assert_eq!(n.canonical("Supply"), "supply");
        assert_eq!(n.canonical("None"), "none");
        // Unknown codes are only folded; without a codebook labels stay labels.
        assert_eq!(n.canonical("Other Thing"), "other thing");
        assert_eq!(CodeNames::new(None).canonical("财政支持"), "财政支持");
        assert_eq!(CodeNames::new(None).canonical("High"), "high");
    }

    #[test]
    fn tables_are_rewritten_and_merged_cells_deduplicated() {
        let cb = Codebook::default_codebook();
        let t = Table {
            units: vec!["u1".into()],
            coders: vec!["a".into(), "b".into()],
            values: vec![vec![
                parse_cell("财政支持;fiscal_support"),
                parse_cell("Fiscal_Support"),
            ]],
        };
        let (out, rewrites) = CodeNames::new(Some(&cb)).apply(&t);
        assert_eq!(out.values[0][0], parse_cell("fiscal_support"));
        assert_eq!(out.values[0][0], out.values[0][1]);
        assert_eq!(rewrites.len(), 2);
        assert_eq!(rewrites["财政支持"], "fiscal_support");
    }
}
