//! Adoption events: the first document (and its first body unit) in which each government
//! — the centre, or a province — uses each instrument.

use super::input::Doc;
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// Per document: instrument id → the first body unit that has it (owned strings, or
/// strings borrowed from what the run gathered: [`crate::write::run_units::FirstUnits`]).
pub type DocInstruments<K = String, V = String> = Vec<BTreeMap<K, V>>;

/// One adoption event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// Instrument (category or concept id).
    pub instrument: String,
    /// Its core (empty when the codebook does not know it).
    pub core: String,
    /// `central` or a province id.
    pub government: String,
    /// Year of the adopting document.
    pub year: i32,
    /// Index of the adopting document.
    pub doc: usize,
    /// The unit that is the evidence.
    pub unit_id: String,
}

/// The time key of a document: year, month, day (0 when unknown), document order.
pub fn time_key(d: &Doc) -> (i32, u32, u32, usize) {
    (d.year.unwrap_or(i32::MAX), d.date.1, d.date.2, d.order)
}

/// The adoption events, sorted by instrument, then `central` first, then year and
/// government. Documents without a year, and local documents without a province, adopt
/// nothing.
pub fn adoptions<K: Borrow<str> + Ord, V: AsRef<str>>(
    docs: &[Doc],
    inst: &DocInstruments<K, V>,
    core_of: &dyn Fn(&str) -> String,
) -> Vec<Adoption> {
    let mut first: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let (Some(_), Some(gov)) = (d.year, d.government()) else {
            continue;
        };
        for k in inst[i].keys() {
            let e = first
                .entry((k.borrow().to_string(), gov.to_string()))
                .or_insert(i);
            if time_key(d) < time_key(&docs[*e]) {
                *e = i;
            }
        }
    }
    let mut out: Vec<Adoption> = first
        .into_iter()
        .map(|((instrument, government), doc)| Adoption {
            core: core_of(&instrument),
            unit_id: inst[doc][instrument.as_str()].as_ref().to_string(),
            year: docs[doc].year.unwrap_or_default(),
            instrument,
            government,
            doc,
        })
        .collect();
    out.sort_by(|a, b| {
        (
            &a.instrument,
            a.government != "central",
            a.year,
            &a.government,
        )
            .cmp(&(
                &b.instrument,
                b.government != "central",
                b.year,
                &b.government,
            ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(level: &str, prov: &str, year: Option<i32>, order: usize) -> Doc {
        Doc {
            file: format!("d{order}"),
            level: level.into(),
            province: prov.into(),
            region: String::new(),
            year,
            date: (year.unwrap_or(0), 0, 0),
            date_text: String::new(),
            order,
        }
    }

    #[test]
    fn first_document_per_government_wins() {
        let docs = vec![
            doc("local", "henan", Some(2018), 0),
            doc("local", "henan", Some(2016), 1),
            doc("central", "national", Some(2017), 2),
            doc("local", "unknown", Some(2010), 3),
            doc("local", "hubei", None, 4),
        ];
        let m = |ks: &[(&str, &str)]| -> BTreeMap<String, String> {
            ks.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let inst = vec![
            m(&[("a", "1-1-1")]),
            m(&[("a", "2-1-3")]),
            m(&[("a", "3-2-1"), ("b", "3-1-1")]),
            m(&[("a", "4-1-1")]),
            m(&[("a", "5-1-1")]),
        ];
        let a = adoptions(&docs, &inst, &|_| "supply".into());
        let rows: Vec<(&str, &str, i32, &str)> = a
            .iter()
            .map(|x| {
                (
                    x.instrument.as_str(),
                    x.government.as_str(),
                    x.year,
                    x.unit_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("a", "central", 2017, "3-2-1"),
                ("a", "henan", 2016, "2-1-3"),
                ("b", "central", 2017, "3-1-1")
            ]
        );
    }
}
