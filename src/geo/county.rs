//! County-level divisions of mainland China (counties, districts, county-level cities,
//! banners, and the development zones the statistics bureau lists at that level), each
//! with its prefecture and province, so that a county issuer (方城县人民政府办公室) maps to
//! its province.
//!
//! The table, `data/counties.tsv`, is built by `data/make_counties.py` from the statistics
//! bureau's division codes: the GB/T 2260 revisions of 2002–2014 and the 2023 statistical
//! division codes. Names found only in older revisions are counties since renamed or
//! merged (吴江市 → 吴江区 in 2012); they keep their province. A name used in more than one
//! province (朝阳区, 城区) is ambiguous and never decides a province on its own.

use crate::geo::province::{self, Province};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// One county-level division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// Official name with its suffix (方城县, 吴江区).
    pub name: &'static str,
    /// Prefecture-level division, empty under a municipality or when governed by the
    /// province directly.
    pub prefecture: &'static str,
    /// The province.
    pub province: &'static Province,
    /// Latest division code in the sources.
    pub code: &'static str,
    /// Years of the sources' revisions that list the name (`2002-2014,2023`).
    pub years: &'static str,
}

const COUNTIES_TSV: &str = include_str!("../../data/counties.tsv");

struct Tables {
    counties: Vec<County>,
    /// Distinct names, with the indices of the counties that bear them.
    names: Vec<(&'static str, Vec<usize>)>,
    /// Per first character, the indices in `names` of the names that start with it,
    /// longest first: the leftmost-longest name in a short issuer is found with a few
    /// comparisons, without an automaton of all names (whose build cost more than every
    /// issuer look-up of a run).
    by_first: std::collections::HashMap<char, Vec<usize>>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let counties: Vec<County> = COUNTIES_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&'static str> = l.split('\t').collect();
                // The embedded table is ours; tests check that every row parses.
                let id = *f.get(2)?;
                let province = province::all().iter().find(|p| p.id == id)?;
                Some(County {
                    name: f[0],
                    prefecture: f[1],
                    province,
                    code: f.get(3).copied().unwrap_or(""),
                    years: f.get(4).copied().unwrap_or(""),
                })
            })
            .collect();
        let mut names: Vec<(&'static str, Vec<usize>)> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (i, c) in counties.iter().enumerate() {
            let slot = *index.entry(c.name).or_insert_with(|| {
                names.push((c.name, Vec::new()));
                names.len() - 1
            });
            names[slot].1.push(i);
        }
        let mut by_first: std::collections::HashMap<char, Vec<usize>> = Default::default();
        for (i, (n, _)) in names.iter().enumerate() {
            if let Some(c) = n.chars().next() {
                by_first.entry(c).or_default().push(i);
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(names[i].0.len()));
        }
        Tables {
            counties,
            names,
            by_first,
        }
    })
}

/// An automaton of all names (leftmost-longest), for searching long texts.
fn matcher() -> &'static AhoCorasick {
    static M: OnceLock<AhoCorasick> = OnceLock::new();
    M.get_or_init(|| {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(tables().names.iter().map(|(n, _)| *n))
            .expect("embedded county names form a valid automaton")
    })
}

/// The leftmost name in `s` (the longest of those starting there), as an automaton of
/// all names with leftmost-longest matching finds it: its index in `names` and its
/// byte range in `s`.
fn leftmost_longest(t: &Tables, s: &str) -> Option<(usize, usize, usize)> {
    s.char_indices().find_map(|(b, c)| {
        let rest = &s[b..];
        t.by_first
            .get(&c)?
            .iter()
            .find(|&&i| rest.starts_with(t.names[i].0))
            .map(|&i| (i, b, b + t.names[i].0.len()))
    })
}

/// Every county-level division in the table, current and former.
pub fn all() -> &'static [County] {
    &tables().counties
}

/// The divisions bearing exactly this name (several when the name is used in more than
/// one place, e.g. 朝阳区 in Beijing and Changchun).
pub fn lookup(name: &str) -> Vec<&'static County> {
    let t = tables();
    let name = name.trim();
    t.names
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, ix)| ix.iter().map(|&i| &t.counties[i]).collect())
        .unwrap_or_default()
}

/// The province of a county name, when every division of that name lies in one province.
pub fn province_of(name: &str) -> Option<&'static Province> {
    let found = lookup(name);
    let first = found.first()?.province;
    found
        .iter()
        .all(|c| c.province.id == first.id)
        .then_some(first)
}

/// Words that follow a county's name when it names a body of that county.
const ORGAN_WORDS: &[&str] = &[
    "人民政府",
    "政府",
    "人大",
    "委员会",
    "县委",
    "区委",
    "市委",
    "旗委",
    "党委",
    "人民法院",
    "人民检察院",
];

/// The county that issues: a county-level name at the start of `issuer` (after an
/// optional province and prefecture name, as in 河南省南阳市方城县人民政府), followed by
/// the name of one of its bodies (人民政府, 发展和改革局, 教育局 …). Returns the county's
/// name and its province, or `None` when there is no such name or the name is used in
/// more than one province.
pub fn issuing_county(issuer: &str) -> Option<(&'static str, &'static Province)> {
    let t = tables();
    let s = issuer.trim().trim_start_matches(['【', '[', '（', '(']);
    let (pattern, start, end) = leftmost_longest(t, s)?;
    let name = t.names[pattern].0;
    // Only a province or prefecture name (or 中共) may come before the county's name.
    let before = &s[..start];
    if !prefix_is_places(before.trim_start_matches("中共")) {
        return None;
    }
    let after = &s[end..];
    let short = name.chars().count() <= 2;
    let organ = if short {
        // Two-character names (沛县, 城区) are common words too: only with 人民政府.
        after.starts_with("人民政府")
    } else {
        ORGAN_WORDS.iter().any(|w| after.starts_with(w)) || body_of_government(after)
    };
    if !organ {
        return None;
    }
    let p = province_of(name)?;
    // A province or prefecture named before the county must agree with it.
    if let Some(q) = province::find_in_text(before) {
        if q.id != p.id {
            return None;
        }
    }
    Some((name, p))
}

/// True when `s` is empty or made of place names only (a province, then a prefecture).
fn prefix_is_places(s: &str) -> bool {
    let mut rest = s;
    for _ in 0..3 {
        if rest.is_empty() {
            return true;
        }
        // The longest leading name that is a province or a prefecture.
        let Some(end) = rest
            .char_indices()
            .map(|(b, c)| b + c.len_utf8())
            .rfind(|&b| province::lookup(&rest[..b]).is_some())
        else {
            return false;
        };
        rest = &rest[end..];
    }
    rest.is_empty()
}

/// A department of a local government: a short name ending in 局, 委, 办公室, 厅 ….
fn body_of_government(after: &str) -> bool {
    let head: String = after
        .chars()
        .take_while(|c| !matches!(c, '关' | '印' | '转' | '，' | ',' | '、' | ' ' | '　'))
        .take(16)
        .collect();
    ["局", "委", "办公室", "办", "中心", "委员会", "管委会"]
        .iter()
        .any(|s| head.ends_with(s))
        && head.chars().count() >= 2
}

/// County names (three characters or more, one province only) that occur in `text`, each
/// with its province, leftmost first.
pub fn mentioned(text: &str) -> Vec<(&'static str, &'static Province)> {
    let t = tables();
    matcher()
        .find_iter(text)
        .filter_map(|m| {
            let name = t.names[m.pattern().as_usize()].0;
            (name.chars().count() >= 3)
                .then(|| province_of(name).map(|p| (name, p)))
                .flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_with_a_known_province() {
        let rows = COUNTIES_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(all().len(), rows);
        assert!(rows > 2900, "{rows} rows");
        assert!(all()
            .iter()
            .all(|c| !c.name.is_empty() && c.code.len() == 6));
    }

    #[test]
    fn county_issuers_map_to_their_province() {
        for (issuer, name, prov) in [
            ("方城县人民政府办公室", "方城县", "henan"),
            ("汤阴县发展和改革委员会", "汤阴县", "henan"),
            ("河南省南阳市方城县人民政府", "方城县", "henan"),
            ("中共汤阴县委办公室", "汤阴县", "henan"),
            ("义乌市人民政府", "义乌市", "zhejiang"),
            ("吴江市人民政府", "吴江市", "jiangsu"),
            ("沛县人民政府", "沛县", "jiangsu"),
        ] {
            assert_eq!(
                issuing_county(issuer).map(|(n, p)| (n, p.id)),
                Some((name, prov)),
                "{issuer}"
            );
        }
    }

    #[test]
    fn the_name_index_finds_what_the_automaton_finds() {
        let t = tables();
        let mut issuers: Vec<String> = [
            "方城县人民政府办公室",
            "河南省南阳市方城县人民政府",
            "中共汤阴县委办公室",
            "沛县人民政府",
            "朝阳区人民政府",
            "山西省方城县人民政府",
            "关于方城县的通知",
            "",
            "无名",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        issuers.extend(
            t.names
                .iter()
                .step_by(7)
                .map(|(n, _)| format!("某{n}人民政府")),
        );
        for s in &issuers {
            let want = matcher()
                .find(s.as_str())
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()));
            assert_eq!(leftmost_longest(t, s), want, "{s}");
        }
    }

    #[test]
    fn renamed_counties_keep_their_province() {
        let old = lookup("吴江市");
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].province.id, "jiangsu");
        assert!(!old[0].years.contains("2023"), "{}", old[0].years);
        assert!(lookup("吴江区")[0].years.contains("2023"));
    }

    #[test]
    fn ambiguous_or_unanchored_names_decide_nothing() {
        // 朝阳区: Beijing and Changchun. 城区: several provinces.
        assert_eq!(province_of("朝阳区"), None);
        assert!(issuing_county("朝阳区人民政府").is_none());
        assert!(issuing_county("城区人民政府").is_none());
        // Not at the start: the county is the object, not the issuer.
        assert!(issuing_county("河南省人民政府关于方城县人民政府的批复").is_none());
        // A county name followed by no body of it.
        assert!(issuing_county("方城县城乡建设规划").is_none());
        // A province before a county of another province.
        assert!(issuing_county("山西省方城县人民政府").is_none());
    }

    #[test]
    fn mentions_skip_short_and_ambiguous_names() {
        let m = mentioned("方城县和沛县以及朝阳区");
        assert_eq!(
            m.iter().map(|(n, p)| (*n, p.id)).collect::<Vec<_>>(),
            vec![("方城县", "henan")]
        );
    }
}
