//! Horizontal diffusion: do provinces adopt after their neighbours? And who leads?
//!
//! **Neighbour effect.** An adoption by province *p* in year *t* is *neighbour-preceded*
//! when at least one of *p*'s land neighbours (`data/province_adjacency.tsv`) adopted the
//! same instrument in a year before *t*. The observed share of neighbour-preceded
//! adoptions is compared with its distribution under the null of no spatial order: the
//! adoption years of an instrument are permuted at random among the provinces that adopted
//! it (seeded), keeping how many adopted and when. The p-value is one-sided,
//! `(1 + #{permuted share ≥ observed}) / (1 + permutations)`. Pooled tests (per core, all
//! instruments) permute every instrument independently in each replicate and compare the
//! summed counts.
//!
//! **Innovativeness** (Walker 1969): for each instrument adopted in at least two different
//! years, province *p* scores `(last − year_p) / (last − first)` (1 = first adopter, 0 =
//! last); a province's score is its mean over the instruments it adopted. Provinces are
//! ranked by it, and by their mean adoption year relative to the mean of each instrument's
//! adopters (negative = earlier than others). Non-adoption is left out.

use crate::util::rng::SplitMix64;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const ADJACENCY_TSV: &str = include_str!("../../../data/province_adjacency.tsv");

/// The province adjacency table: province id → ids of its land neighbours.
pub fn adjacency() -> &'static BTreeMap<&'static str, Vec<&'static str>> {
    static ADJ: OnceLock<BTreeMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    ADJ.get_or_init(|| {
        ADJACENCY_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (p, ns) = l.split_once('\t').unwrap_or((l, ""));
                (
                    p.trim(),
                    ns.split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .collect(),
                )
            })
            .collect()
    })
}

/// Whether `a` and `b` share a land border.
pub fn are_neighbours(a: &str, b: &str) -> bool {
    adjacency().get(a).is_some_and(|ns| ns.contains(&b))
}

/// One instrument's adoptions: (province id, adoption year).
pub type Adoptions = Vec<(String, i32)>;

/// Neighbour-preceded adoptions among `years[i]` for provinces `provs[i]`
/// (`nb[i]`: indexes of i's neighbours among the adopters).
fn preceded(years: &[i32], nb: &[Vec<usize>]) -> usize {
    (0..years.len())
        .filter(|&i| nb[i].iter().any(|&j| years[j] < years[i]))
        .count()
}

/// The adjacency table as bit masks: province id → (its position, its neighbours'
/// positions as bits), positions in the table's order.
fn adjacency_masks() -> &'static BTreeMap<&'static str, (usize, u64)> {
    static MASKS: OnceLock<BTreeMap<&'static str, (usize, u64)>> = OnceLock::new();
    MASKS.get_or_init(|| {
        let adj = adjacency();
        let position: BTreeMap<&str, usize> =
            adj.keys().enumerate().map(|(i, p)| (*p, i)).collect();
        adj.iter()
            .enumerate()
            .map(|(i, (p, ns))| {
                let mask = ns
                    .iter()
                    .filter_map(|n| position.get(n))
                    .fold(0u64, |m, &j| m | 1 << j);
                (*p, (i, mask))
            })
            .collect()
    })
}

/// For each adopter, the indexes of its neighbours among the adopters (as
/// [`are_neighbours`] tells them), each province looked up once rather than once per pair.
fn neighbour_index(adoptions: &Adoptions) -> Vec<Vec<usize>> {
    let masks = adjacency_masks();
    // The table has 31 provinces and every neighbour it names is one of them (tested), so
    // the masks fit in a u64 and say what `are_neighbours` says.
    if masks.len() >= 64 || masks.values().any(|&(_, m)| m >> masks.len() != 0) {
        return adoptions
            .iter()
            .map(|(p, _)| {
                adoptions
                    .iter()
                    .enumerate()
                    .filter(|(_, (q, _))| are_neighbours(p, q))
                    .map(|(j, _)| j)
                    .collect()
            })
            .collect();
    }
    let found: Vec<Option<(usize, u64)>> = adoptions
        .iter()
        .map(|(p, _)| masks.get(p.as_str()).copied())
        .collect();
    found
        .iter()
        .map(|a| match a {
            Some((_, mask)) => found
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_some_and(|(j, _)| mask & 1 << j != 0))
                .map(|(j, _)| j)
                .collect(),
            None => Vec::new(),
        })
        .collect()
}

/// The result of one neighbour-effect test.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourTest {
    /// Adoptions tested.
    pub adoptions: usize,
    /// Of them, preceded by a neighbour's adoption.
    pub preceded: usize,
    /// Mean number preceded over the permutations (expected by chance).
    pub expected: f64,
    /// One-sided permutation p-value.
    pub p_value: f64,
    /// Permutations drawn.
    pub permutations: usize,
}

impl NeighbourTest {
    /// Observed share of neighbour-preceded adoptions, in percent.
    pub fn share_pct(&self) -> f64 {
        pct(self.preceded as f64, self.adoptions)
    }
    /// Share expected by chance, in percent.
    pub fn expected_pct(&self) -> f64 {
        pct(self.expected, self.adoptions)
    }
}

fn pct(x: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        x * 100.0 / n as f64
    }
}

/// One instrument of a neighbour test, prepared for its permutations.
///
/// The permutations shuffle, in place and replicate after replicate, each adopter's rank
/// among the instrument's distinct adoption years rather than the year itself: the
/// shuffle moves positions whatever they hold, so the ranks follow the same permutations
/// as the years would, and a neighbour adopted earlier exactly when its rank is lower.
/// With at most 64 adopters, neighbours are a bit mask and "adopted in an earlier year"
/// is a mask per rank, so counting the preceded adoptions of a replicate costs a few
/// operations per adopter rather than one per neighbour.
struct Prepared {
    /// Adoption years, in the adoptions' order.
    years: Vec<i32>,
    /// Indexes of each adopter's neighbours among the adopters.
    nb: Vec<Vec<usize>>,
    /// The current permutation: ranks of the years (0 = earliest) when `masks` is
    /// used, else the years themselves.
    work: Vec<i32>,
    /// Each adopter's neighbours as a bit mask, when there are at most 64 adopters.
    masks: Option<Vec<u64>>,
    /// Per rank, the adopters of this rank (then of an earlier rank), reused.
    before: Vec<u64>,
}

impl Prepared {
    fn new(a: &Adoptions) -> Self {
        let years: Vec<i32> = a.iter().map(|(_, y)| *y).collect();
        let nb = neighbour_index(a);
        if years.len() > 64 {
            return Prepared {
                work: years.clone(),
                years,
                nb,
                masks: None,
                before: Vec::new(),
            };
        }
        let mut distinct = years.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let work = years
            .iter()
            .map(|y| distinct.partition_point(|d| d < y) as i32)
            .collect();
        let masks = nb
            .iter()
            .map(|js| js.iter().fold(0u64, |m, &j| m | 1 << j))
            .collect();
        Prepared {
            years,
            nb,
            work,
            masks: Some(masks),
            before: vec![0; distinct.len()],
        }
    }

    /// Shuffles the permutation once more; returns its number of preceded adoptions.
    fn replicate(&mut self, rng: &mut SplitMix64) -> usize {
        rng.shuffle(&mut self.work);
        let Some(masks) = &self.masks else {
            return preceded(&self.work, &self.nb);
        };
        let before = &mut self.before;
        before.fill(0);
        for (i, &r) in self.work.iter().enumerate() {
            before[r as usize] |= 1 << i;
        }
        // before[r] = the adopters of ranks below r.
        let mut acc = 0u64;
        for b in before.iter_mut() {
            let this = *b;
            *b = acc;
            acc |= this;
        }
        self.work
            .iter()
            .zip(masks)
            .filter(|&(&r, &m)| m & before[r as usize] != 0)
            .count()
    }
}

/// Tests the neighbour effect pooled over `instruments` (one test per call: pass one
/// instrument for a per-instrument test). Seeded: the same inputs and seed give the same
/// p-value.
pub fn neighbour_test(instruments: &[&Adoptions], permutations: usize, seed: u64) -> NeighbourTest {
    let mut prepared: Vec<Prepared> = instruments.iter().map(|a| Prepared::new(a)).collect();
    let adoptions = prepared.iter().map(|p| p.years.len()).sum();
    let observed: usize = prepared.iter().map(|p| preceded(&p.years, &p.nb)).sum();
    let mut rng = SplitMix64::new(seed);
    let mut at_least = 0usize;
    let mut total = 0usize;
    for _ in 0..permutations {
        let mut s = 0;
        for p in prepared.iter_mut() {
            s += p.replicate(&mut rng);
        }
        total += s;
        if s >= observed {
            at_least += 1;
        }
    }
    NeighbourTest {
        adoptions,
        preceded: observed,
        expected: if permutations == 0 {
            0.0
        } else {
            total as f64 / permutations as f64
        },
        p_value: (1 + at_least) as f64 / (1 + permutations) as f64,
        permutations,
    }
}

/// One province's innovativeness.
#[derive(Debug, Clone, PartialEq)]
pub struct Innovativeness {
    /// Province id.
    pub province: String,
    /// Instruments it adopted that count (adopted in ≥ 2 different years overall).
    pub instruments: usize,
    /// Walker's score, mean over those instruments (1 = always first).
    pub walker_score: f64,
    /// Mean of (its year − the mean year of the instrument's adopters).
    pub mean_relative_year: f64,
}

/// Walker's innovativeness per province, best first (ties by province id).
pub fn innovativeness(instruments: &[&Adoptions]) -> Vec<Innovativeness> {
    let mut acc: BTreeMap<&str, (usize, f64, f64)> = BTreeMap::new();
    for a in instruments {
        let (Some(first), Some(last)) = (
            a.iter().map(|(_, y)| *y).min(),
            a.iter().map(|(_, y)| *y).max(),
        ) else {
            continue;
        };
        if first == last {
            continue;
        }
        let mean = a.iter().map(|(_, y)| *y as f64).sum::<f64>() / a.len() as f64;
        for (p, y) in a.iter() {
            let e = acc.entry(p.as_str()).or_default();
            e.0 += 1;
            e.1 += (last - y) as f64 / (last - first) as f64;
            e.2 += *y as f64 - mean;
        }
    }
    let mut out: Vec<Innovativeness> = acc
        .into_iter()
        .map(|(p, (n, s, r))| Innovativeness {
            province: p.to_string(),
            instruments: n,
            walker_score: s / n as f64,
            mean_relative_year: r / n as f64,
        })
        .collect();
    out.sort_by(|a, b| {
        b.walker_score
            .total_cmp(&a.walker_score)
            .then_with(|| a.province.cmp(&b.province))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::diffuse::plant::{plant, PlantOptions};

    #[test]
    fn adjacency_is_symmetric_and_covers_the_31_provinces() {
        let adj = adjacency();
        assert_eq!(adj.len(), 31);
        for p in crate::geo::province::all() {
            assert!(adj.contains_key(p.id), "{} missing", p.id);
        }
        for (p, ns) in adj {
            assert!(!ns.contains(p), "{p} borders itself");
            for n in ns {
                assert!(adj.contains_key(n), "{p}: unknown neighbour {n}");
                assert!(
                    adj[n].contains(p),
                    "{p} lists {n} as neighbour but {n} does not list {p}"
                );
            }
        }
        assert!(adj["hainan"].is_empty());
        assert!(are_neighbours("sichuan", "xizang"));
        assert!(!are_neighbours("beijing", "shanghai"));
    }

    #[test]
    fn neighbour_index_is_are_neighbours_pair_by_pair() {
        let mut a: Adoptions = crate::geo::province::all()
            .iter()
            .map(|p| (p.id.to_string(), 2000))
            .collect();
        a.push(("nowhere".into(), 2001));
        a.push(("beijing".into(), 2002));
        let nb = neighbour_index(&a);
        for (i, (p, _)) in a.iter().enumerate() {
            let expected: Vec<usize> = (0..a.len())
                .filter(|&j| are_neighbours(p, &a[j].0))
                .collect();
            assert_eq!(nb[i], expected, "{p}");
        }
    }

    #[test]
    fn preceded_counts_strictly_earlier_neighbours() {
        let a: Adoptions = vec![
            ("beijing".into(), 2015),
            ("tianjin".into(), 2016),
            ("hebei".into(), 2016),
            ("hainan".into(), 2014),
        ];
        let t = neighbour_test(&[&a], 0, 1);
        // tianjin (after beijing) and hebei (after beijing); not beijing, not hainan.
        assert_eq!(t.preceded, 2);
        assert_eq!(t.adoptions, 4);
    }

    /// The test as first written: the years themselves shuffled and every neighbour
    /// compared, for checking that the ranks and masks give the same counts.
    fn plain_test(instruments: &[&Adoptions], permutations: usize, seed: u64) -> (usize, usize) {
        let prepared: Vec<(Vec<i32>, Vec<Vec<usize>>)> = instruments
            .iter()
            .map(|a| (a.iter().map(|(_, y)| *y).collect(), neighbour_index(a)))
            .collect();
        let observed: usize = prepared.iter().map(|(y, nb)| preceded(y, nb)).sum();
        let mut rng = SplitMix64::new(seed);
        let (mut at_least, mut total) = (0, 0);
        let mut work: Vec<Vec<i32>> = prepared.iter().map(|(y, _)| y.clone()).collect();
        for _ in 0..permutations {
            let mut s = 0;
            for (w, (_, nb)) in work.iter_mut().zip(&prepared) {
                rng.shuffle(w);
                s += preceded(w, nb);
            }
            total += s;
            if s >= observed {
                at_least += 1;
            }
        }
        (at_least, total)
    }

    #[test]
    fn ranks_and_masks_count_as_the_years_and_neighbour_lists_do() {
        for seed in 1..=6 {
            for neighbour_driven in [false, true] {
                let p = plant(&PlantOptions {
                    seed,
                    neighbour_driven,
                    ..PlantOptions::default()
                });
                let adoptions: Vec<Adoptions> =
                    p.schedules.iter().map(|s| s.adoptions.clone()).collect();
                let refs: Vec<&Adoptions> = adoptions.iter().collect();
                let mut cases: Vec<Vec<&Adoptions>> = refs.iter().map(|a| vec![*a]).collect();
                cases.push(refs.clone());
                for (i, case) in cases.iter().enumerate() {
                    let t = neighbour_test(case, 199, seed + i as u64);
                    let (at_least, total) = plain_test(case, 199, seed + i as u64);
                    assert_eq!(t.p_value, (1 + at_least) as f64 / 200.0, "seed {seed}");
                    assert_eq!(t.expected, total as f64 / 199.0, "seed {seed}");
                }
            }
        }
    }

    #[test]
    fn walker_scores_first_adopter_one_and_last_zero() {
        let a: Adoptions = vec![
            ("beijing".into(), 2010),
            ("tianjin".into(), 2012),
            ("hebei".into(), 2014),
        ];
        let r = innovativeness(&[&a]);
        assert_eq!(r[0].province, "beijing");
        assert!((r[0].walker_score - 1.0).abs() < 1e-9);
        assert!((r[1].walker_score - 0.5).abs() < 1e-9);
        assert!((r[2].walker_score).abs() < 1e-9);
        assert!((r[0].mean_relative_year + 2.0).abs() < 1e-9);
    }

    fn planted_p(neighbour: bool, seed: u64) -> f64 {
        let p = plant(&PlantOptions {
            seed,
            neighbour_driven: neighbour,
            ..PlantOptions::default()
        });
        let adoptions: Vec<Adoptions> = p.schedules.iter().map(|s| s.adoptions.clone()).collect();
        let refs: Vec<&Adoptions> = adoptions.iter().collect();
        neighbour_test(&refs, 999, seed).p_value
    }

    #[test]
    fn planted_neighbour_effect_is_detected() {
        for seed in 1..=5 {
            let p = planted_p(true, seed);
            assert!(p < 0.05, "seed {seed}: p = {p}");
        }
    }

    #[test]
    fn random_adoption_is_mostly_not_significant() {
        let seeds = 1..=20u64;
        let significant = seeds
            .clone()
            .filter(|&s| planted_p(false, s) < 0.05)
            .count();
        // Under the null about 1 in 20 is expected; allow a few.
        assert!(
            significant <= 3,
            "{significant} of 20 random seeds significant"
        );
    }
}
