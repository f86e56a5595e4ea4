//! Aggregation: coding references per group and their shares.
//!
//! A reference is one category in one body unit (a category counts once per unit).
//! Shares are computed once, in exact integer arithmetic, and rounded once to 2 decimals
//! (half to even), each share on its own: equal counts always get equal shares, and the
//! shares of a group may add up to 100.00 give or take a few hundredths.

use crate::codebook::Codebook;
use serde::Serialize;
use std::collections::BTreeMap;

/// The dimensions tables are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dim {
    /// Everything together (group `all`).
    Overall,
    /// Central / local.
    Level,
    /// Region under the chosen scheme.
    Region,
    /// Province.
    Province,
    /// Year.
    Year,
}

impl Dim {
    /// All dimensions, in report order.
    pub const ALL: [Dim; 5] = [
        Dim::Overall,
        Dim::Level,
        Dim::Region,
        Dim::Province,
        Dim::Year,
    ];

    /// Name used in file names (`shares_by_level.csv`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Overall => "overall",
            Dim::Level => "level",
            Dim::Region => "region",
            Dim::Province => "province",
            Dim::Year => "year",
        }
    }
}

/// Group values of one document or unit, one per dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupKeys {
    /// `central`, `local` or `unknown`.
    pub level: String,
    /// Region id.
    pub region: String,
    /// Province id.
    pub province: String,
    /// Year or `unknown`.
    pub year: String,
}

impl GroupKeys {
    /// The group of `dim`.
    pub fn get(&self, dim: Dim) -> &str {
        match dim {
            Dim::Overall => "all",
            Dim::Level => &self.level,
            Dim::Region => &self.region,
            Dim::Province => &self.province,
            Dim::Year => &self.year,
        }
    }
}

/// Counts of one group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Documents.
    pub documents: u64,
    /// All units, boilerplate included.
    pub units: u64,
    /// Body units (the denominator units).
    pub body_units: u64,
    /// Body units with at least one category.
    pub coded_units: u64,
    /// References per category index.
    #[serde(skip)]
    pub references: Vec<u64>,
}

impl Tally {
    fn count_unit(&mut self, categories: &[usize], boilerplate: bool) {
        self.units += 1;
        if !boilerplate {
            self.body_units += 1;
            if !categories.is_empty() {
                self.coded_units += 1;
            }
            for &k in categories {
                self.references[k] += 1;
            }
        }
    }
}

/// Running totals for every group of every dimension.
#[derive(Debug, Clone)]
pub struct Aggregator {
    n_categories: usize,
    groups: BTreeMap<(Dim, String), Tally>,
    /// (category, dimension value) → body units with both.
    cross: BTreeMap<(usize, usize), u64>,
    /// Dimension value → body units with it.
    dim_units: BTreeMap<usize, u64>,
}

impl Aggregator {
    /// An empty aggregator for a codebook with `n_categories` categories.
    pub fn new(n_categories: usize) -> Self {
        Aggregator {
            n_categories,
            groups: BTreeMap::new(),
            cross: BTreeMap::new(),
            dim_units: BTreeMap::new(),
        }
    }

    fn each(&mut self, keys: &GroupKeys, mut f: impl FnMut(&mut Tally)) {
        for dim in Dim::ALL {
            let n = self.n_categories;
            let t = self
                .groups
                .entry((dim, keys.get(dim).to_string()))
                .or_insert_with(|| Tally {
                    references: vec![0; n],
                    ..Default::default()
                });
            f(t);
        }
    }

    /// Counts a coded document.
    pub fn add_document(&mut self, keys: &GroupKeys) {
        self.each(keys, |t| t.documents += 1);
    }

    /// Counts one unit; boilerplate units count as units but give no references.
    pub fn add_unit(&mut self, keys: &GroupKeys, categories: &[usize], boilerplate: bool) {
        self.each(keys, |t| t.count_unit(categories, boilerplate));
    }

    /// Counts the units of one document, given as (categories, boilerplate), like
    /// [`Aggregator::add_unit`] for each but with one group lookup per document.
    pub fn add_units<'a>(
        &mut self,
        keys: &GroupKeys,
        units: impl IntoIterator<Item = (&'a [usize], bool)>,
    ) {
        let mut doc = Tally {
            references: vec![0; self.n_categories],
            ..Default::default()
        };
        for (categories, boilerplate) in units {
            doc.count_unit(categories, boilerplate);
        }
        self.each(keys, |t| {
            t.units += doc.units;
            t.body_units += doc.body_units;
            t.coded_units += doc.coded_units;
            for (sum, n) in t.references.iter_mut().zip(&doc.references) {
                *sum += n;
            }
        });
    }

    /// Counts one body unit's codebook-dimension values and their co-occurrence with its
    /// categories (each category × value once per unit).
    pub fn add_dimension_values(&mut self, categories: &[usize], values: &[usize]) {
        for &v in values {
            *self.dim_units.entry(v).or_default() += 1;
            for &k in categories {
                *self.cross.entry((k, v)).or_default() += 1;
            }
        }
    }

    /// Body units in which a category and a dimension value occur together.
    pub fn cross_count(&self, category: usize, value: usize) -> u64 {
        self.cross.get(&(category, value)).copied().unwrap_or(0)
    }

    /// Body units coded with a dimension value.
    pub fn dimension_units(&self, value: usize) -> u64 {
        self.dim_units.get(&value).copied().unwrap_or(0)
    }

    /// The groups of a dimension in report order, with their tallies.
    pub fn groups(&self, dim: Dim) -> Vec<(&str, &Tally)> {
        let mut v: Vec<(&str, &Tally)> = self
            .groups
            .range((dim, String::new())..)
            .take_while(|((d, _), _)| *d == dim)
            .map(|((_, g), t)| (g.as_str(), t))
            .collect();
        v.sort_by_key(|(g, _)| group_order(dim, g));
        v
    }

    /// The overall tally.
    pub fn overall(&self) -> Tally {
        self.groups(Dim::Overall)
            .first()
            .map(|(_, t)| (*t).clone())
            .unwrap_or_else(|| Tally {
                references: vec![0; self.n_categories],
                ..Default::default()
            })
    }

    /// Share rows of a dimension: per group, each core then its categories.
    pub fn share_rows(&self, dim: Dim, codebook: &Codebook) -> Vec<ShareRow> {
        let mut rows = Vec::new();
        for (group, tally) in self.groups(dim) {
            rows.extend(share_rows_of(group, &tally.references, codebook));
        }
        rows
    }
}

/// Sort key: known groups in their conventional order, then others, `unknown` last.
pub fn group_order(dim: Dim, g: &str) -> (u8, usize, String) {
    let fixed: &[&str] = match dim {
        Dim::Level => &["central", "local"],
        Dim::Region => &[
            "east",
            crate::geo::region::CENTRAL_REGION,
            "west",
            "northeast",
            "national",
        ],
        _ => &[],
    };
    if g == crate::geo::region::UNKNOWN {
        return (3, 0, String::new());
    }
    if let Some(i) = fixed.iter().position(|x| *x == g) {
        return (0, i, String::new());
    }
    if dim == Dim::Province {
        if let Some(i) = crate::geo::province::all().iter().position(|p| p.id == g) {
            return (0, i, String::new());
        }
        if g == crate::geo::region::NATIONAL {
            return (2, 0, String::new());
        }
    }
    (1, 0, g.to_string())
}

/// One row of a share table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareRow {
    /// Group value (`all`, `central`, `east`, `sichuan`, `2015`, …).
    pub group: String,
    /// Core id.
    pub core: String,
    /// Category id; empty on a core row.
    pub category: String,
    /// Coding references.
    pub references: u64,
    /// Share of all references in the group, percent; `None` when the group has none.
    pub share_pct: Option<f64>,
    /// Share within the category's core, percent; `None` on core rows or empty cores.
    pub share_in_core_pct: Option<f64>,
}

/// Share rows for one group's per-category reference counts.
pub fn share_rows_of(group: &str, refs: &[u64], codebook: &Codebook) -> Vec<ShareRow> {
    let cat_shares = round_shares(refs);
    let core_refs: Vec<u64> = (0..codebook.cores.len())
        .map(|c| codebook.categories_of(c).map(|k| refs[k]).sum())
        .collect();
    let core_shares = round_shares(&core_refs);
    let mut rows = Vec::new();
    for (c, core) in codebook.cores.iter().enumerate() {
        rows.push(ShareRow {
            group: group.to_string(),
            core: core.id.clone(),
            category: String::new(),
            references: core_refs[c],
            share_pct: core_shares.as_ref().map(|s| s[c]),
            share_in_core_pct: None,
        });
        let members: Vec<usize> = codebook.categories_of(c).collect();
        let in_core = round_shares(&members.iter().map(|&k| refs[k]).collect::<Vec<_>>());
        for (j, &k) in members.iter().enumerate() {
            rows.push(ShareRow {
                group: group.to_string(),
                core: core.id.clone(),
                category: codebook.categories[k].id.clone(),
                references: refs[k],
                share_pct: cat_shares.as_ref().map(|s| s[k]),
                share_in_core_pct: in_core.as_ref().map(|s| s[j]),
            });
        }
    }
    rows
}

/// Percent shares of `counts`, each rounded once to 2 decimals, half to even (computed
/// exactly in hundredths of a percent, so `1/8` is 12.50 and `1/6` is 16.67); `None` when
/// the counts are all zero. Equal counts get equal shares; the shares may add up to
/// 100.00 give or take `0.005` per share.
pub fn round_shares(counts: &[u64]) -> Option<Vec<f64>> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    counts.iter().map(|&c| percent(c, total)).collect()
}

/// `part` as a percent of `whole`, rounded once to 2 decimals, half to even (exact
/// integer arithmetic); `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let (exact, total) = (part as u128 * 10_000, whole as u128);
    let (q, r) = (exact / total, exact % total);
    let up = match (2 * r).cmp(&total) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => q % 2 == 1,
        std::cmp::Ordering::Less => false,
    };
    Some((q + u128::from(up)) as f64 / 100.0)
}

/// Percent shares rounded to 2 decimals that add up to exactly 100.00 (largest
/// remainder method, ties to the earlier index; used by `sample` to apportion a sample
/// across strata, not for reported shares); `None` when the counts are all zero.
pub fn largest_remainder_shares(counts: &[u64]) -> Option<Vec<f64>> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // Work in hundredths of a percent: 10_000 units in all.
    let exact: Vec<u128> = counts.iter().map(|&c| c as u128 * 10_000).collect();
    let mut floors: Vec<u64> = exact.iter().map(|&e| (e / total as u128) as u64).collect();
    let assigned: u64 = floors.iter().sum();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Largest remainder first; ties go to the earlier index, so results are stable.
    order.sort_by(|&a, &b| {
        (exact[b] % total as u128)
            .cmp(&(exact[a] % total as u128))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take((10_000 - assigned) as usize) {
        floors[i] += 1;
    }
    Some(floors.into_iter().map(|h| h as f64 / 100.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thirds_add_to_100_with_largest_remainders() {
        let s = largest_remainder_shares(&[1, 1, 1]).unwrap();
        assert_eq!(s, [33.34, 33.33, 33.33]);
        assert_eq!(largest_remainder_shares(&[0, 0]), None);
        assert_eq!(largest_remainder_shares(&[0, 5]).unwrap(), [0.0, 100.0]);
    }

    #[test]
    fn equal_counts_get_equal_shares_rounded_once_half_to_even() {
        // 39 equal counts: the largest-remainder method gave 2.57 to some, 2.56 to others.
        let s = round_shares(&[1; 39]).unwrap();
        assert!(s.iter().all(|&x| x == 2.56), "{s:?}");
        assert_eq!(round_shares(&[1, 1, 1]).unwrap(), [33.33, 33.33, 33.33]);
        // Exact halves go to the even hundredth: 1/8 = 12.5 exactly; 1/16 = 6.25;
        // 1/32 = 3.125 → 3.12, 3/32 = 9.375 → 9.38.
        assert_eq!(round_shares(&[1, 7]).unwrap(), [12.5, 87.5]);
        assert_eq!(round_shares(&[1, 31]).unwrap(), [3.12, 96.88]);
        assert_eq!(round_shares(&[3, 29]).unwrap(), [9.38, 90.62]);
        assert_eq!(round_shares(&[0, 0]), None);
        // The float noise of a share divided later is gone: 4748 hundredths.
        assert_eq!(round_shares(&[4748, 5252]).unwrap()[0].to_string(), "47.48");
    }

    proptest! {
        #[test]
        fn rounded_shares_are_within_half_a_hundredth_and_equal_for_equal_counts(
            counts in proptest::collection::vec(0u64..100_000, 1..30)
        ) {
            let total: u64 = counts.iter().sum();
            if let Some(s) = round_shares(&counts) {
                for (i, (x, &c)) in s.iter().zip(&counts).enumerate() {
                    let exact = c as f64 * 100.0 / total as f64;
                    prop_assert!((x - exact).abs() <= 0.005 + 1e-9, "{} vs {}", x, exact);
                    prop_assert_eq!(format!("{x:.2}").parse::<f64>().unwrap(), *x);
                    for (y, &d) in s.iter().zip(&counts).skip(i + 1) {
                        if c == d {
                            prop_assert_eq!(x, y);
                        }
                    }
                }
            } else {
                prop_assert_eq!(total, 0);
            }
        }

        #[test]
        fn largest_remainders_sum_to_100(counts in proptest::collection::vec(0u64..100_000, 1..30)) {
            let total: u64 = counts.iter().sum();
            match largest_remainder_shares(&counts) {
                None => prop_assert_eq!(total, 0),
                Some(s) => {
                    let hundredths: i64 = s.iter().map(|x| (x * 100.0).round() as i64).sum();
                    prop_assert_eq!(hundredths, 10_000);
                    for (x, &c) in s.iter().zip(&counts) {
                        let exact = c as f64 * 100.0 / total as f64;
                        prop_assert!((x - exact).abs() < 0.01 + 1e-9, "{} vs {}", x, exact);
                    }
                }
            }
        }
    }

    #[test]
    fn a_documents_units_at_once_count_as_one_by_one() {
        let k = GroupKeys {
            level: "local".into(),
            region: "west".into(),
            province: "sichuan".into(),
            year: "2018".into(),
        };
        let units: [(&[usize], bool); 4] =
            [(&[0, 2], false), (&[], false), (&[1], true), (&[2], false)];
        let (mut one, mut all) = (Aggregator::new(3), Aggregator::new(3));
        for (c, b) in units {
            one.add_unit(&k, c, b);
        }
        all.add_units(&k, units);
        for dim in Dim::ALL {
            let (a, b) = (one.groups(dim), all.groups(dim));
            assert_eq!(a.len(), b.len());
            for ((ga, ta), (gb, tb)) in a.iter().zip(&b) {
                assert_eq!(ga, gb);
                assert_eq!(
                    (ta.units, ta.body_units, ta.coded_units, &ta.references),
                    (tb.units, tb.body_units, tb.coded_units, &tb.references)
                );
            }
        }
        assert_eq!(all.overall().references, vec![1, 0, 2]);
    }

    #[test]
    fn groups_are_kept_per_dimension_in_report_order() {
        let mut a = Aggregator::new(2);
        let k = |level: &str, region: &str| GroupKeys {
            level: level.into(),
            region: region.into(),
            province: "unknown".into(),
            year: "2015".into(),
        };
        a.add_unit(&k("local", "west"), &[0, 1], false);
        a.add_unit(&k("central", "national"), &[1], false);
        a.add_unit(&k("local", "east"), &[0], true);
        let levels: Vec<&str> = a.groups(Dim::Level).iter().map(|g| g.0).collect();
        assert_eq!(levels, ["central", "local"]);
        let regions: Vec<&str> = a.groups(Dim::Region).iter().map(|g| g.0).collect();
        assert_eq!(regions, ["east", "west", "national"]);
        let all = a.overall();
        assert_eq!(
            (
                all.units,
                all.body_units,
                all.coded_units,
                all.references.clone()
            ),
            (3, 2, 2, vec![1, 2])
        );
    }
}
