//! The 31 provincial-level units of mainland China, their names in use, and the
//! prefecture-level divisions that belong to each.
//!
//! Tables live in `data/*.tsv` and are embedded in the binary, so lookups need no files.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// One provincial-level unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// Lower-case pinyin id, e.g. `sichuan`.
    pub id: &'static str,
    /// Chinese short name, e.g. `四川`.
    pub zh: &'static str,
    /// Chinese full name, e.g. `四川省`.
    pub full: &'static str,
    /// One-character abbreviation used in document numbers, e.g. `川`.
    pub abbr: &'static str,
    /// English names and aliases.
    pub en: Vec<&'static str>,
}

const PROVINCES_TSV: &str = include_str!("../../data/provinces.tsv");
const PREFECTURES_TSV: &str = include_str!("../../data/prefectures.tsv");

struct Tables {
    provinces: Vec<Province>,
    /// Chinese names (province names, prefecture names) → province index.
    zh_matcher: AhoCorasick,
    zh_owner: Vec<usize>,
    /// English names, matched case-insensitively on word boundaries.
    en_matcher: AhoCorasick,
    en_owner: Vec<usize>,
    /// Per province: its English names lower-cased without spaces (for [`lookup`]).
    en_compact: Vec<Vec<String>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn data_lines(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn build_tables() -> Tables {
    let provinces: Vec<Province> = data_lines(PROVINCES_TSV)
        .map(|f| Province {
            id: f[0],
            zh: f[1],
            full: f[2],
            abbr: f[3],
            en: f[4].split(',').map(str::trim).collect(),
        })
        .collect();
    let index_of = |id: &str| provinces.iter().position(|p| p.id == id);

    let mut zh_names: Vec<&'static str> = Vec::new();
    let mut zh_owner = Vec::new();
    let mut en_names: Vec<&'static str> = Vec::new();
    let mut en_owner = Vec::new();
    for (i, p) in provinces.iter().enumerate() {
        for name in [p.zh, p.full] {
            zh_names.push(name);
            zh_owner.push(i);
        }
        for name in &p.en {
            en_names.push(name);
            en_owner.push(i);
        }
    }
    for f in data_lines(PREFECTURES_TSV) {
        // The embedded table is ours; a bad id there is a build-time bug caught by tests.
        let Some(i) = index_of(f[0]) else { continue };
        for name in f[1].split(',').map(str::trim).filter(|s| !s.is_empty()) {
            zh_names.push(name);
            zh_owner.push(i);
        }
    }
    let zh_matcher = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&zh_names)
        .expect("embedded province names form a valid automaton");
    let en_matcher = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(&en_names)
        .expect("embedded province names form a valid automaton");
    let en_compact = provinces
        .iter()
        .map(|p| {
            p.en.iter()
                .map(|e| e.to_lowercase().replace(' ', ""))
                .collect()
        })
        .collect();
    Tables {
        en_compact,
        provinces,
        zh_matcher,
        zh_owner,
        en_matcher,
        en_owner,
    }
}

/// All 31 provinces in the conventional statistical order.
pub fn all() -> &'static [Province] {
    &tables().provinces
}

/// Looks up a province by any name a user may write: the pinyin id (`sichuan`), the
/// Chinese short or full name (`四川`, `四川省`), an English name (`Sichuan`, `Inner Mongolia`),
/// or a prefecture-level division (`包头市`). Case and surrounding spaces are ignored.
pub fn lookup(name: &str) -> Option<&'static Province> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let t = tables();
    let lower = name.to_lowercase();
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let with_suffix = lower.strip_suffix(" province");
    if let Some((p, _)) = t.provinces.iter().zip(&t.en_compact).find(|(p, en)| {
        p.id == compact
            || p.zh == name
            || p.full == name
            || en.contains(&compact)
            || with_suffix == Some(p.id)
    }) {
        return Some(p);
    }
    // A prefecture name standing alone.
    let m = t.zh_matcher.find(name)?;
    (m.start() == 0 && m.end() == name.len())
        .then(|| &t.provinces[t.zh_owner[m.pattern().as_usize()]])
}

/// Places outside the mainland's 31 provinces that a manifest or a units file may name:
/// Taiwan, Hong Kong and Macao. They are accepted as a document's province (see
/// [`lookup_place`]) but belong to no region of the mainland schemes (their region is
/// [`crate::geo::region::OUTSIDE_MAINLAND`]), and text inference never picks them.
pub fn outside_mainland() -> &'static [Province] {
    static PLACES: OnceLock<Vec<Province>> = OnceLock::new();
    PLACES.get_or_init(|| {
        vec![
            Province {
                id: "taiwan",
                zh: "台湾",
                full: "台湾省",
                abbr: "台",
                en: vec!["Taiwan"],
            },
            Province {
                id: "hong_kong",
                zh: "香港",
                full: "香港特别行政区",
                abbr: "港",
                en: vec!["Hong Kong", "Hong Kong SAR", "HKSAR", "Hongkong"],
            },
            Province {
                id: "macao",
                zh: "澳门",
                full: "澳门特别行政区",
                abbr: "澳",
                en: vec!["Macao", "Macau", "Macao SAR", "Macau SAR"],
            },
        ]
    })
}

/// Whether a province id names a place outside the mainland (see [`outside_mainland`]).
pub fn is_outside_mainland(id: &str) -> bool {
    outside_mainland().iter().any(|p| p.id == id)
}

/// [`lookup`], then the places outside the mainland by id, Chinese short or full name
/// (`台湾`, `臺灣`, `香港特别行政区`) or English name (`Hong Kong`, `Macau`): for names a
/// user writes in a manifest or a units file.
pub fn lookup_place(name: &str) -> Option<&'static Province> {
    if let Some(p) = lookup(name) {
        return Some(p);
    }
    let name = name.trim();
    let compact: String = name
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .collect();
    let zh = name
        .replace('臺', "台")
        .replace('灣', "湾")
        .replace('門', "门");
    outside_mainland().iter().find(|p| {
        p.id.replace('_', "") == compact
            || p.zh == zh
            || p.full == zh
            || zh == format!("中国{}", p.zh)
            || p.en
                .iter()
                .any(|e| e.to_lowercase().replace(' ', "") == compact)
    })
}

/// Finds the first province named in a piece of text (an issuer, a title): Chinese
/// province names, prefecture-level divisions with their suffix, or English names on
/// word boundaries. Returns the province of the leftmost, longest name.
pub fn find_in_text(text: &str) -> Option<&'static Province> {
    let t = tables();
    let zh = t
        .zh_matcher
        .find(text)
        .map(|m| (m.start(), t.zh_owner[m.pattern().as_usize()]));
    let en = t
        .en_matcher
        .find_iter(text)
        .find(|m| on_word_boundary(text, m.start(), m.end()))
        .map(|m| (m.start(), t.en_owner[m.pattern().as_usize()]));
    let best = match (zh, en) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    best.map(|(_, i)| &t.provinces[i])
}

/// Every prefecture-level name in `data/prefectures.tsv` (official names and the short
/// forms in use, each with its suffix), with its province.
pub fn prefectures() -> impl Iterator<Item = (&'static str, &'static Province)> {
    // Parsed once: number prefixes look here for every document.
    static ALL: std::sync::OnceLock<Vec<(&'static str, &'static Province)>> =
        std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let all = all();
        data_lines(PREFECTURES_TSV)
            .flat_map(move |f| {
                let p = all.iter().find(|p| p.id == f[0]);
                f[1].split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .filter_map(move |n| p.map(|p| (n, p)))
                    .collect::<Vec<_>>()
            })
            .collect()
    })
    .iter()
    .copied()
}

/// Province of a document-number prefix whose first character is a provincial
/// abbreviation (川府发 → Sichuan). Central prefixes are handled by the caller.
pub fn from_abbreviation(ch: &str) -> Option<&'static Province> {
    tables().provinces.iter().find(|p| p.abbr == ch)
}

fn on_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_alphanumeric() && c.is_ascii())
        && !after.is_some_and(|c| c.is_alphanumeric() && c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taiwan_hong_kong_and_macao_are_places_but_not_provinces() {
        for (name, id) in [
            ("台湾", "taiwan"),
            ("台湾省", "taiwan"),
            ("臺灣", "taiwan"),
            ("Taiwan", "taiwan"),
            ("香港", "hong_kong"),
            ("香港特别行政区", "hong_kong"),
            ("Hong Kong", "hong_kong"),
            ("hong_kong", "hong_kong"),
            ("澳门", "macao"),
            ("澳門", "macao"),
            ("Macao", "macao"),
            ("macau", "macao"),
        ] {
            assert_eq!(lookup_place(name).map(|p| p.id), Some(id), "{name}");
            assert!(lookup(name).is_none(), "{name} is not one of the 31");
        }
        assert_eq!(lookup_place("四川").map(|p| p.id), Some("sichuan"));
        assert!(lookup_place("Atlantis").is_none());
        assert!(find_in_text("粤港澳大湾区建设，香港、澳门").map(|p| p.id) != Some("hong_kong"));
        assert_eq!(all().len(), 31);
    }

    #[test]
    fn thirty_one_provinces_with_unique_ids() {
        let all = all();
        assert_eq!(all.len(), 31);
        let mut ids: Vec<_> = all.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 31);
    }

    #[test]
    fn every_prefecture_line_names_a_known_province() {
        for f in data_lines(PREFECTURES_TSV) {
            assert!(all().iter().any(|p| p.id == f[0]), "unknown id {}", f[0]);
        }
    }

    #[test]
    fn lookup_accepts_every_spelling() {
        for name in [
            "四川",
            "四川省",
            "Sichuan",
            "sichuan",
            " SICHUAN ",
            "Sichuan Province",
        ] {
            assert_eq!(lookup(name).map(|p| p.id), Some("sichuan"), "{name}");
        }
        assert_eq!(lookup("广西壮族自治区").map(|p| p.id), Some("guangxi"));
        assert_eq!(lookup("Guangxi").map(|p| p.id), Some("guangxi"));
        assert_eq!(lookup("Inner Mongolia").map(|p| p.id), Some("neimenggu"));
        assert_eq!(lookup("Shaanxi").map(|p| p.id), Some("shaanxi"));
        assert_eq!(lookup("Shanxi").map(|p| p.id), Some("shanxi"));
        assert_eq!(lookup("包头市").map(|p| p.id), Some("neimenggu"));
        assert_eq!(lookup("Atlantis"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn prefectures_map_to_their_province() {
        assert_eq!(
            find_in_text("包头市人民政府办公室").map(|p| p.id),
            Some("neimenggu")
        );
        assert_eq!(
            find_in_text("阿坝州人民政府办公室").map(|p| p.id),
            Some("sichuan")
        );
        assert_eq!(
            find_in_text("中山市人民政府").map(|p| p.id),
            Some("guangdong")
        );
        assert_eq!(
            find_in_text("新余市人民政府办公室").map(|p| p.id),
            Some("jiangxi")
        );
        // The longest name wins: the Qinghai prefecture, not Hainan province.
        assert_eq!(
            find_in_text("海南藏族自治州人民政府").map(|p| p.id),
            Some("qinghai")
        );
        assert_eq!(find_in_text("海南省人民政府").map(|p| p.id), Some("hainan"));
    }

    #[test]
    fn english_names_need_word_boundaries() {
        assert_eq!(
            find_in_text("People's Government of Sichuan Province").map(|p| p.id),
            Some("sichuan")
        );
        assert_eq!(find_in_text("Hunanese cuisine"), None);
        assert_eq!(find_in_text("国务院办公厅"), None);
    }
}
