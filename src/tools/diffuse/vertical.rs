//! Vertical diffusion between the centre and the provinces. For each central document and
//! each instrument in it:
//!
//! - **bottom-up (absorption)**: the provinces whose first adoption of the instrument came
//!   *before* the central document — the local pilots the centre absorbed. An instrument
//!   is *absorbed* when at least one province had it before. The share absorbed per core is
//!   absorbed instruments / instruments of that core in the central document.
//! - **top-down**: the provinces whose first adoption came *after* it, and the median lag
//!   in years.
//!
//! Before and after are decided by year, and within a year by the dates when both
//! documents have one; a local first adoption in the same year without dates to order it is
//! counted as `same_year`, neither before nor after.

use super::adoption::{Adoption, DocInstruments};
use super::input::{time_order, Doc};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// One row: a central document × one of its instruments.
#[derive(Debug, Clone, PartialEq)]
pub struct VerticalRow {
    /// Index of the central document.
    pub central: usize,
    /// Instrument.
    pub instrument: String,
    /// Its core.
    pub core: String,
    /// Provinces that adopted it before: the indexes of their adoption events in the
    /// `adoptions` the rows were computed from (indexes, not names: a large run has tens
    /// of thousands of rows, each with up to 31 provinces).
    pub before: Vec<usize>,
    /// The earliest local adoption before it: (year, document index).
    pub first_local: Option<(i32, usize)>,
    /// Provinces that adopted it in the same year without dates to order them.
    pub same_year: usize,
    /// The lags in years of the provinces that adopted it after.
    pub after: Vec<i32>,
}

impl VerticalRow {
    /// At least one province had it before the central document.
    pub fn absorbed(&self) -> bool {
        !self.before.is_empty()
    }

    /// Median lag in years of the provinces that followed (None when none did).
    pub fn median_lag(&self) -> Option<f64> {
        let mut lags = self.after.clone();
        if lags.is_empty() {
            return None;
        }
        lags.sort_unstable();
        let n = lags.len();
        Some(if n % 2 == 1 {
            lags[n / 2] as f64
        } else {
            (lags[n / 2 - 1] + lags[n / 2]) as f64 / 2.0
        })
    }
}

/// Absorption per core: (instruments in central documents, of which absorbed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Absorption {
    /// Central-document instruments of this core.
    pub instruments: usize,
    /// Of them, absorbed from earlier local adoption.
    pub absorbed: usize,
}

impl Absorption {
    /// The share absorbed, in percent (None when the core has no instrument).
    pub fn share_pct(&self) -> Option<f64> {
        (self.instruments > 0).then(|| self.absorbed as f64 * 100.0 / self.instruments as f64)
    }
}

/// The vertical rows, in central-document then instrument order.
pub fn vertical<K: Borrow<str> + Ord, V>(
    docs: &[Doc],
    inst: &DocInstruments<K, V>,
    adoptions: &[Adoption],
    core_of: &dyn Fn(&str) -> String,
) -> Vec<VerticalRow> {
    let mut local: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in adoptions.iter().enumerate() {
        if a.government != "central" {
            local.entry(a.instrument.as_str()).or_default().push(i);
        }
    }
    let mut central: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].is_central() && docs[i].year.is_some())
        .collect();
    central.sort_by_key(|&i| super::adoption::time_key(&docs[i]));
    let mut rows = Vec::new();
    for c in central {
        for k in inst[c].keys().map(|k| k.borrow()) {
            let mut row = VerticalRow {
                central: c,
                instrument: k.to_string(),
                core: core_of(k),
                before: Vec::new(),
                first_local: None,
                same_year: 0,
                after: Vec::new(),
            };
            for &i in local.get(k).into_iter().flatten() {
                let a = &adoptions[i];
                match time_order(&docs[a.doc], &docs[c]) {
                    Some(Ordering::Less) => {
                        row.before.push(i);
                        if row.first_local.is_none_or(|(y, _)| a.year < y) {
                            row.first_local = Some((a.year, a.doc));
                        }
                    }
                    Some(_) => row.after.push(a.year - docs[c].year.unwrap_or(a.year)),
                    None => row.same_year += 1,
                }
            }
            rows.push(row);
        }
    }
    rows
}

/// Absorption per core over `rows` (all central documents pooled), core → counts.
pub fn absorption(rows: &[VerticalRow]) -> BTreeMap<String, Absorption> {
    let mut out: BTreeMap<String, Absorption> = BTreeMap::new();
    for r in rows {
        let e = out.entry(r.core.clone()).or_default();
        e.instruments += 1;
        e.absorbed += usize::from(r.absorbed());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::diffuse::adoption::adoptions;

    fn doc(level: &str, prov: &str, year: i32, month: u32, order: usize) -> Doc {
        Doc {
            file: format!("d{order}"),
            level: level.into(),
            province: prov.into(),
            region: String::new(),
            year: Some(year),
            date: (year, month, if month > 0 { 1 } else { 0 }),
            date_text: String::new(),
            order,
        }
    }

    /// A small fixture counted by hand: the central document of 2016-06 has five
    /// instruments; fiscal (supply) was in Henan 2015 and Hubei 2016-03 → absorbed;
    /// training (supply) only after (Hubei 2017, Henan 2018) → not absorbed; park (supply)
    /// in Hunan 2016 without a month → same year, not absorbed; barriers (demand) in Henan
    /// 2015 → absorbed; tax (environment) nowhere local → not absorbed.
    /// Supply 1 of 3 = 33.3 %, demand 1 of 1 = 100 %, environment 0 of 1 = 0 %.
    #[test]
    fn absorption_shares_equal_a_hand_count() {
        let docs = vec![
            doc("local", "henan", 2015, 5, 0),
            doc("local", "hubei", 2016, 3, 1),
            doc("central", "national", 2016, 6, 2),
            doc("local", "hunan", 2016, 0, 3),
            doc("local", "hubei", 2017, 2, 4),
            doc("local", "henan", 2018, 1, 5),
        ];
        let set = |ks: &[&str]| -> BTreeMap<String, String> {
            ks.iter()
                .map(|k| (k.to_string(), "u".to_string()))
                .collect()
        };
        let inst = vec![
            set(&["fiscal", "barriers"]),
            set(&["fiscal"]),
            set(&["fiscal", "training", "park", "barriers", "tax"]),
            set(&["park"]),
            set(&["training"]),
            set(&["training", "fiscal"]),
        ];
        let core = |k: &str| -> String {
            match k {
                "fiscal" | "training" | "park" => "supply",
                "barriers" => "demand",
                _ => "environment",
            }
            .to_string()
        };
        let a = adoptions(&docs, &inst, &core);
        let rows = vertical(&docs, &inst, &a, &core);
        assert_eq!(rows.len(), 5);
        let fiscal = rows.iter().find(|r| r.instrument == "fiscal").unwrap();
        let before: Vec<&str> = fiscal
            .before
            .iter()
            .map(|&i| a[i].government.as_str())
            .collect();
        assert_eq!(before, ["henan", "hubei"]);
        assert_eq!(fiscal.first_local, Some((2015, 0)));
        let training = rows.iter().find(|r| r.instrument == "training").unwrap();
        assert!(!training.absorbed());
        assert_eq!(training.median_lag(), Some(1.5));
        let park = rows.iter().find(|r| r.instrument == "park").unwrap();
        assert_eq!((park.same_year, park.absorbed()), (1, false));
        let abs = absorption(&rows);
        assert_eq!(
            abs["supply"],
            Absorption {
                instruments: 3,
                absorbed: 1
            }
        );
        assert_eq!(abs["demand"].share_pct(), Some(100.0));
        assert_eq!(abs["environment"].share_pct(), Some(0.0));
        assert!((abs["supply"].share_pct().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    }
}
