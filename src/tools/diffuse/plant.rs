//! A planted diffusion process, for testing that `diffuse` recovers what is known: each
//! instrument is adopted by the 31 provinces on a logistic schedule (cumulative adopters at
//! the end of year *t* = round(31 / (1 + e^−(t − midpoint)/scale))), the centre adopts it in
//! its midpoint year, and who adopts in a year is either drawn among the provinces with a
//! neighbour that adopted before (with probability `neighbour_weight`, when
//! `neighbour_driven`) or uniformly among those that have not adopted yet.
//!
//! [`documents`] renders the schedules as Chinese policy documents (one per government and
//! adoption year), each with a clause that codes each instrument adopted that year, one
//! distinctive clause of its own, and — for a share of the documents — a verbatim or
//! one-character-edited copy of an earlier document's distinctive clause (the planted text
//! reuse). `gen-corpus --diffusion` writes them with their truth.

use crate::geo::province;
use crate::util::rng::SplitMix64;

/// Settings of the planted process.
#[derive(Debug, Clone)]
pub struct PlantOptions {
    /// Seed: the same seed gives the same process.
    pub seed: u64,
    /// Adopters are drawn preferentially next to earlier adopters.
    pub neighbour_driven: bool,
    /// With `neighbour_driven`, the probability that an adopter is drawn among the
    /// neighbours of earlier adopters.
    pub neighbour_weight: f64,
    /// First and last year of the process.
    pub years: (i32, i32),
    /// Share of documents that copy an earlier document's distinctive clause.
    pub reuse_share: f64,
}

impl Default for PlantOptions {
    fn default() -> Self {
        PlantOptions {
            seed: 7,
            neighbour_driven: true,
            neighbour_weight: 0.9,
            years: (2010, 2024),
            reuse_share: 0.3,
        }
    }
}

/// Instruments planted: category id, a clause that codes it (with the built-in codebook),
/// base midpoint and scale of the logistic schedule.
pub const INSTRUMENTS: [(&str, &str, f64, f64); 5] = [
    (
        "fiscal_support",
        "对首次创业的返乡人员，按规定给予一次性创业补贴。",
        2014.0,
        1.0,
    ),
    (
        "talent_training",
        "实施返乡创业培训计划，推行创业培训加实训模式。",
        2015.5,
        1.2,
    ),
    (
        "entrepreneurial_park",
        "依托现有产业园区，建设一批返乡创业园和创业孵化基地。",
        2016.5,
        1.0,
    ),
    (
        "e_commerce",
        "支持返乡人员依托电商平台开设网店。",
        2017.5,
        1.3,
    ),
    (
        "tax_fee_reduction",
        "返乡创业企业符合条件的，按规定享受小微企业税收优惠。",
        2018.5,
        0.9,
    ),
];

/// One instrument's planted schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Category id.
    pub instrument: String,
    /// Planted midpoint (the year half the provinces have adopted).
    pub midpoint: f64,
    /// Planted scale (years).
    pub scale: f64,
    /// Planted take-off year: the first year with at least 10 % of provinces adopted.
    pub takeoff: i32,
    /// The year the centre adopts it.
    pub central_year: i32,
    /// (province id, adoption year), in adoption order.
    pub adoptions: Vec<(String, i32)>,
}

/// The planted process.
#[derive(Debug, Clone)]
pub struct Planted {
    /// One schedule per instrument of [`INSTRUMENTS`].
    pub schedules: Vec<Schedule>,
    /// The settings.
    pub options: PlantOptions,
}

fn logistic(t: f64, m: f64, s: f64) -> f64 {
    1.0 / (1.0 + (-(t - m) / s).exp())
}

/// Draws the planted process.
pub fn plant(opts: &PlantOptions) -> Planted {
    let mut rng = SplitMix64::new(opts.seed);
    let provinces: Vec<&str> = province::all().iter().map(|p| p.id).collect();
    let n = provinces.len();
    let mut schedules = Vec::new();
    for (id, _, base, scale) in INSTRUMENTS {
        let midpoint = base + rng.next_f64();
        let mut adopted: Vec<Option<i32>> = vec![None; n];
        let mut adoptions = Vec::new();
        let mut takeoff = opts.years.1;
        let mut found_takeoff = false;
        let mut before = 0usize;
        for t in opts.years.0..=opts.years.1 {
            let cum = (n as f64 * logistic(t as f64, midpoint, scale)).round() as usize;
            if !found_takeoff && cum as f64 >= 0.1 * n as f64 {
                takeoff = t;
                found_takeoff = true;
            }
            for _ in before..cum.max(before) {
                let open: Vec<usize> = (0..n).filter(|&i| adopted[i].is_none()).collect();
                if open.is_empty() {
                    break;
                }
                let frontier: Vec<usize> = open
                    .iter()
                    .copied()
                    .filter(|&i| {
                        (0..n).any(|j| {
                            adopted[j].is_some_and(|y| y < t)
                                && super::neighbours::are_neighbours(provinces[i], provinces[j])
                        })
                    })
                    .collect();
                let pool = if opts.neighbour_driven
                    && !frontier.is_empty()
                    && rng.next_f64() < opts.neighbour_weight
                {
                    &frontier
                } else {
                    &open
                };
                let i = pool[rng.below(pool.len())];
                adopted[i] = Some(t);
                adoptions.push((provinces[i].to_string(), t));
            }
            before = before.max(cum);
        }
        schedules.push(Schedule {
            instrument: id.to_string(),
            midpoint,
            scale,
            takeoff,
            central_year: midpoint.round() as i32,
            adoptions,
        });
    }
    Planted {
        schedules,
        options: opts.clone(),
    }
}

/// One planted document.
#[derive(Debug, Clone)]
pub struct PlantedDoc {
    /// Path relative to the corpus folder.
    pub file: String,
    /// `None` for the centre, else the province id.
    pub province: Option<String>,
    /// Year.
    pub year: i32,
    /// Instruments adopted in it.
    pub instruments: Vec<String>,
    /// Its text.
    pub text: String,
    /// The index of the earlier document whose distinctive clause it copies.
    pub reuses: Option<usize>,
}

/// Characters of the distinctive clauses: common words of administrative prose that form
/// no codebook term, drawn at random so that two clauses share few shingles by chance.
const FILLER: [&str; 40] = [
    "山区", "沿江", "城乡", "实际", "细化", "对标", "逐步", "形成", "因地", "制宜", "分类", "突出",
    "补齐", "短板", "稳步", "扎实", "有序", "及时", "总结", "平原", "丘陵", "全面", "深入", "切实",
    "统一", "完善", "分工", "健全", "压实", "长效", "谋划", "落细", "常态", "高原", "盆地", "牧区",
    "林区", "流域", "错位", "兼顾",
];

fn filler(rng: &mut SplitMix64, words: usize) -> String {
    (0..words)
        .map(|_| FILLER[rng.below(FILLER.len())])
        .collect()
}

/// Renders the planted process as documents, in (year, centre first, province) order.
pub fn documents(p: &Planted) -> Vec<PlantedDoc> {
    let mut rng = SplitMix64::new(p.options.seed ^ 0x5EED);
    // (year, province or None) → instruments.
    let mut plan: std::collections::BTreeMap<(i32, String), Vec<String>> = Default::default();
    for s in &p.schedules {
        plan.entry((s.central_year, String::new()))
            .or_default()
            .push(s.instrument.clone());
        for (prov, y) in &s.adoptions {
            plan.entry((*y, prov.clone()))
                .or_default()
                .push(s.instrument.clone());
        }
    }
    let mut docs: Vec<PlantedDoc> = Vec::new();
    let mut distinct: Vec<String> = Vec::new();
    for ((year, prov), instruments) in plan {
        let (issuer, folder, number) = if prov.is_empty() {
            (
                "国务院办公厅".to_string(),
                "central".to_string(),
                "国办发".to_string(),
            )
        } else {
            let pr = province::lookup(&prov).expect("province ids come from the table");
            (
                format!("{}人民政府办公厅", pr.full),
                format!("local/{prov}"),
                format!("{}政办发", pr.abbr),
            )
        };
        let place = if prov.is_empty() {
            "各地".to_string()
        } else {
            province::lookup(&prov)
                .map(|p| p.zh)
                .unwrap_or("")
                .to_string()
        };
        let mut text = format!(
            "{issuer}关于支持返乡创业的通知\n{number}〔{year}〕{}号\n一、政策措施\n",
            1 + rng.below(90)
        );
        let mut item = 0;
        for inst in &instruments {
            let clause = INSTRUMENTS
                .iter()
                .find(|(id, ..)| id == inst)
                .map(|(_, c, ..)| *c)
                .unwrap_or("");
            item += 1;
            text.push_str(&format!(
                "（{}）{place}要{}，{clause}\n",
                super::zh_item(item),
                filler(&mut rng, 10)
            ));
        }
        text.push_str("二、工作要求\n");
        let own = format!("{place}要{}。", filler(&mut rng, 16));
        text.push_str(&format!("（一）{own}\n"));
        let mut reuses = None;
        let earlier: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].year < year).collect();
        if !earlier.is_empty() && rng.next_f64() < p.options.reuse_share {
            let src = earlier[rng.below(earlier.len())];
            let mut copy: Vec<char> = distinct[src].chars().collect();
            if rng.below(2) == 0 && copy.len() > 8 {
                // One character replaced, inside the clause.
                let i = 4 + rng.below(copy.len() - 8);
                copy[i] = '新';
            }
            let copy: String = copy.into_iter().collect();
            text.push_str(&format!("（二）{copy}\n"));
            reuses = Some(src);
        }
        text.push_str(&format!(
            "{issuer}\n{year}年{}月{}日\n",
            1 + rng.below(12),
            1 + rng.below(28)
        ));
        let n = docs.len() + 1;
        docs.push(PlantedDoc {
            file: format!("{folder}/{year}_{n:04}.txt"),
            province: (!prov.is_empty()).then_some(prov),
            year,
            instruments,
            text,
            reuses,
        });
        distinct.push(own);
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_the_logistic_and_cover_all_provinces() {
        let p = plant(&PlantOptions::default());
        assert_eq!(p.schedules.len(), INSTRUMENTS.len());
        for s in &p.schedules {
            assert_eq!(s.adoptions.len(), 31, "{}", s.instrument);
            let mut seen: Vec<&str> = s.adoptions.iter().map(|(p, _)| p.as_str()).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 31);
            let by_mid = s
                .adoptions
                .iter()
                .filter(|(_, y)| (*y as f64) <= s.midpoint)
                .count();
            assert!((10..=21).contains(&by_mid), "{}: {by_mid}", s.instrument);
        }
    }

    #[test]
    fn same_seed_same_documents() {
        let a = documents(&plant(&PlantOptions::default()));
        let b = documents(&plant(&PlantOptions::default()));
        assert_eq!(a.len(), b.len());
        assert!(a.iter().zip(&b).all(|(x, y)| x.text == y.text));
        assert!(a.iter().any(|d| d.reuses.is_some()));
        for d in &a {
            if let Some(s) = d.reuses {
                assert!(a[s].year < d.year);
            }
        }
    }
}
