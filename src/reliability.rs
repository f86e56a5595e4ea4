//! Intercoder reliability: pure functions over a reliability table (units × coders).
//!
//! A cell holds the set of codes a coder gave a unit (one code for single-label
//! coding), or nothing when the coder did not code the unit. `none` is a real code
//! ("no instrument"). For the single-label coefficients a set is one category
//! (`a;b` is its own category); per-code analysis and MASI alpha treat sets properly.
//!
//! Definitions (n = units coded by both coders of a pair unless said otherwise):
//! - **Percent agreement**: share of units on which the two coders give the same value;
//!   for more coders the mean over coder pairs.
//! - **Holsti's CR** = 2M / (N1 + N2): M codes applied by both coders to the same unit,
//!   N1 and N2 the codes each applied (over units both coded).
//! - **Cohen's kappa** κ = (p_o − p_e) / (1 − p_e), p_e = Σ_k p_Ak p_Bk from each coder's
//!   own marginals; asymptotic standard error of Fleiss, Cohen & Everitt (1969):
//!   SE = √(A + B − C) / ((1 − p_e) √n), A = Σ_i p_ii [1 − (p_i· + p_·i)(1 − κ)]²,
//!   B = (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)², C = [κ − p_e (1 − κ)]²; 95 % CI κ ± 1.96 SE.
//! - **Weighted kappa** (numeric codes, categories in numeric order, k of them): agreement
//!   weights 1 − |i − j| / (k − 1) (linear) or 1 − (i − j)² / (k − 1)² (quadratic).
//! - **Scott's pi**: like kappa with p_e = Σ_k ((n_Ak + n_Bk) / 2n)², pooled marginals.
//! - **Fleiss' kappa** (units coded by all m coders): κ = (P̄ − P̄_e) / (1 − P̄_e) with
//!   P_i = (Σ_j n_ij² − m) / (m (m − 1)), P̄_e = Σ_j p_j²; per category
//!   κ_j = 1 − Σ_i n_ij (m − n_ij) / (N m (m − 1) p_j (1 − p_j)).
//! - **Krippendorff's alpha** α = 1 − D_o / D_e from the coincidence matrix of pairable
//!   values (units with at least two values; each ordered pair weighted 1 / (m_u − 1)):
//!   α = 1 − (n − 1) Σ o_ck δ_ck / Σ n_c n_k δ_ck. Metrics δ: nominal (0/1), ordinal
//!   ((Σ_{g=c..k} n_g − (n_c + n_k)/2)²), interval ((c − k)²), ratio (((c − k)/(c + k))²),
//!   MASI for code sets (Passonneau 2006: 1 − Jaccard × M, M = 1 equal, 2/3 subset, 1/3
//!   overlap, 0 disjoint). Bootstrap CI after Hayes & Krippendorff (2007): draw
//!   min(25 q, (m − 1) n / 2) value pairs from the observed coincidences (q non-empty cells),
//!   α* = 1 − Σ δ / (draws × D_e), percentiles 2.5 and 97.5.

// Matrix formulas read best with explicit indices, as in the papers they follow.
#![allow(clippy::needless_range_loop)]

use crate::rng::SplitMix64;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The codes one coder gave one unit.
pub type Value = BTreeSet<String>;

/// A value as text: its codes joined by `;`.
pub fn label(v: &Value) -> String {
    v.iter().cloned().collect::<Vec<_>>().join(";")
}

/// Units × coders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Unit ids.
    pub units: Vec<String>,
    /// Coder names.
    pub coders: Vec<String>,
    /// `values[unit][coder]`; `None` = not coded.
    pub values: Vec<Vec<Option<Value>>>,
}

impl Table {
    /// The column of one coder.
    pub fn column(&self, coder: usize) -> Vec<Option<&Value>> {
        self.values.iter().map(|row| row[coder].as_ref()).collect()
    }

    /// True when some cell holds more than one code.
    pub fn is_multilabel(&self) -> bool {
        self.values.iter().flatten().flatten().any(|v| v.len() > 1)
    }

    /// Every code used.
    pub fn codes(&self) -> BTreeSet<String> {
        self.values
            .iter()
            .flatten()
            .flatten()
            .flatten()
            .cloned()
            .collect()
    }

    /// When every coded cell is one number: the numbers (else `None`).
    pub fn numeric(&self) -> Option<BTreeMap<String, f64>> {
        let mut out = BTreeMap::new();
        for v in self.values.iter().flatten().flatten() {
            if v.len() != 1 {
                return None;
            }
            let code = v.iter().next()?;
            out.insert(
                code.clone(),
                code.trim().parse::<f64>().ok().filter(|x| x.is_finite())?,
            );
        }
        (!out.is_empty()).then_some(out)
    }

    /// Only the units for which `keep` is true.
    pub fn filter(&self, keep: impl Fn(&[Option<Value>]) -> bool) -> Table {
        let mut t = Table {
            coders: self.coders.clone(),
            ..Default::default()
        };
        for (u, row) in self.units.iter().zip(&self.values) {
            if keep(row) {
                t.units.push(u.clone());
                t.values.push(row.clone());
            }
        }
        t
    }

    /// Each cell becomes `1` if it holds `code`, `0` if not, missing if missing.
    pub fn binary(&self, code: &str) -> Table {
        let bit = |b: bool| Some(BTreeSet::from([if b { "1" } else { "0" }.to_string()]));
        Table {
            units: self.units.clone(),
            coders: self.coders.clone(),
            values: self
                .values
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| v.as_ref().and_then(|v| bit(v.contains(code))))
                        .collect()
                })
                .collect(),
        }
    }

    /// Units coded by exactly one coder (alpha ignores them).
    pub fn single_coded_units(&self) -> usize {
        self.values
            .iter()
            .filter(|row| row.iter().filter(|v| v.is_some()).count() == 1)
            .count()
    }
}

/// Pairs of values of two coders on the units both coded.
fn pairs<'a>(a: &[Option<&'a Value>], b: &[Option<&'a Value>]) -> Vec<(&'a Value, &'a Value)> {
    a.iter()
        .zip(b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect()
}

/// Percent agreement (0–1) of two coders; `None` when no unit is coded by both.
pub fn percent_agreement(a: &[Option<&Value>], b: &[Option<&Value>]) -> Option<f64> {
    let p = pairs(a, b);
    (!p.is_empty()).then(|| p.iter().filter(|(x, y)| x == y).count() as f64 / p.len() as f64)
}

/// Holsti's coefficient of reliability 2M / (N1 + N2).
pub fn holsti(a: &[Option<&Value>], b: &[Option<&Value>]) -> Option<f64> {
    let p = pairs(a, b);
    let m: usize = p.iter().map(|(x, y)| x.intersection(y).count()).sum();
    let n: usize = p.iter().map(|(x, y)| x.len() + y.len()).sum();
    (n > 0).then(|| 2.0 * m as f64 / n as f64)
}

/// Cohen's kappa with its asymptotic standard error and 95 % CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kappa {
    /// κ.
    pub kappa: f64,
    /// Asymptotic standard error.
    pub se: f64,
    /// 95 % confidence interval.
    pub ci: [f64; 2],
}

/// Contingency table of two coders over the categories they used.
struct Contingency {
    cats: Vec<String>,
    p: Vec<Vec<f64>>,
    n: usize,
}

fn contingency(a: &[Option<&Value>], b: &[Option<&Value>]) -> Option<Contingency> {
    let p = pairs(a, b);
    if p.is_empty() {
        return None;
    }
    let cats: Vec<String> = p
        .iter()
        .flat_map(|(x, y)| [label(x), label(y)])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let idx = |v: &Value| cats.binary_search(&label(v)).unwrap_or(0);
    let k = cats.len();
    let mut m = vec![vec![0.0; k]; k];
    for (x, y) in &p {
        m[idx(x)][idx(y)] += 1.0 / p.len() as f64;
    }
    Some(Contingency {
        cats,
        p: m,
        n: p.len(),
    })
}

/// Cohen's kappa; `None` when undefined (no pairs, or chance agreement is 1 because a
/// single category was used).
pub fn cohen_kappa(a: &[Option<&Value>], b: &[Option<&Value>]) -> Option<Kappa> {
    let c = contingency(a, b)?;
    let k = c.cats.len();
    let row: Vec<f64> = (0..k).map(|i| c.p[i].iter().sum()).collect();
    let col: Vec<f64> = (0..k).map(|j| (0..k).map(|i| c.p[i][j]).sum()).collect();
    let po: f64 = (0..k).map(|i| c.p[i][i]).sum();
    let pe: f64 = (0..k).map(|i| row[i] * col[i]).sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    let kappa = (po - pe) / (1.0 - pe);
    let a_term: f64 = (0..k)
        .map(|i| c.p[i][i] * (1.0 - (row[i] + col[i]) * (1.0 - kappa)).powi(2))
        .sum();
    let mut b_term = 0.0;
    for i in 0..k {
        for j in 0..k {
            if i != j {
                b_term += c.p[i][j] * (col[i] + row[j]).powi(2);
            }
        }
    }
    b_term *= (1.0 - kappa).powi(2);
    let c_term = (kappa - pe * (1.0 - kappa)).powi(2);
    let se = ((a_term + b_term - c_term).max(0.0)).sqrt() / ((1.0 - pe) * (c.n as f64).sqrt());
    Some(Kappa {
        kappa,
        se,
        // The normal approximation can pass the bounds of kappa; the interval is clipped.
        ci: [
            (kappa - 1.959964 * se).max(-1.0),
            (kappa + 1.959964 * se).min(1.0),
        ],
    })
}

/// Weights of weighted kappa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// 1 − |i − j| / (k − 1).
    Linear,
    /// 1 − (i − j)² / (k − 1)².
    Quadratic,
}

/// Weighted kappa for numeric single codes (`numbers` maps code → value); `None` when
/// undefined.
pub fn weighted_kappa(
    a: &[Option<&Value>],
    b: &[Option<&Value>],
    numbers: &BTreeMap<String, f64>,
    w: Weights,
) -> Option<f64> {
    let p = pairs(a, b);
    let num = |v: &Value| v.iter().next().and_then(|c| numbers.get(c)).copied();
    let mut cats: Vec<f64> = p
        .iter()
        .flat_map(|(x, y)| [num(x), num(y)])
        .collect::<Option<Vec<_>>>()?;
    cats.sort_by(|x, y| x.total_cmp(y));
    cats.dedup();
    let k = cats.len();
    if p.is_empty() || k < 2 {
        return None;
    }
    let idx = |v: &Value| {
        num(v)
            .and_then(|x| cats.iter().position(|c| *c == x))
            .unwrap_or(0)
    };
    let n = p.len() as f64;
    let mut obs = vec![vec![0.0; k]; k];
    for (x, y) in &p {
        obs[idx(x)][idx(y)] += 1.0 / n;
    }
    let row: Vec<f64> = (0..k).map(|i| obs[i].iter().sum()).collect();
    let col: Vec<f64> = (0..k).map(|j| (0..k).map(|i| obs[i][j]).sum()).collect();
    let weight = |i: usize, j: usize| {
        let d = (i as f64 - j as f64).abs() / (k - 1) as f64;
        match w {
            Weights::Linear => 1.0 - d,
            Weights::Quadratic => 1.0 - d * d,
        }
    };
    let (mut po, mut pe) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            po += weight(i, j) * obs[i][j];
            pe += weight(i, j) * row[i] * col[j];
        }
    }
    ((1.0 - pe).abs() > 1e-12).then(|| (po - pe) / (1.0 - pe))
}

/// Scott's pi; `None` when undefined.
pub fn scott_pi(a: &[Option<&Value>], b: &[Option<&Value>]) -> Option<f64> {
    let c = contingency(a, b)?;
    let k = c.cats.len();
    let po: f64 = (0..k).map(|i| c.p[i][i]).sum();
    let pe: f64 = (0..k)
        .map(|i| {
            let m = (c.p[i].iter().sum::<f64>() + (0..k).map(|r| c.p[r][i]).sum::<f64>()) / 2.0;
            m * m
        })
        .sum();
    ((1.0 - pe).abs() > 1e-12).then(|| (po - pe) / (1.0 - pe))
}

/// Fleiss' kappa overall and per category, over the units coded by every coder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleiss {
    /// κ.
    pub kappa: f64,
    /// κ_j per category (`None` where the category was never or always used).
    pub per_category: BTreeMap<String, Option<f64>>,
    /// Units used (complete rows).
    pub units: usize,
}

/// Fleiss' kappa; `None` with fewer than two coders, no complete unit, or no variation.
pub fn fleiss_kappa(t: &Table) -> Option<Fleiss> {
    let m = t.coders.len();
    let rows: Vec<Vec<String>> = t
        .values
        .iter()
        .filter(|row| row.iter().all(Option::is_some))
        .map(|row| row.iter().flatten().map(label).collect())
        .collect();
    if m < 2 || rows.is_empty() {
        return None;
    }
    let cats: Vec<String> = rows
        .iter()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let n_units = rows.len() as f64;
    let mf = m as f64;
    let counts: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            cats.iter()
                .map(|c| r.iter().filter(|x| *x == c).count() as f64)
                .collect()
        })
        .collect();
    let p_j: Vec<f64> = (0..cats.len())
        .map(|j| counts.iter().map(|r| r[j]).sum::<f64>() / (n_units * mf))
        .collect();
    let p_bar = counts
        .iter()
        .map(|r| (r.iter().map(|x| x * x).sum::<f64>() - mf) / (mf * (mf - 1.0)))
        .sum::<f64>()
        / n_units;
    let pe: f64 = p_j.iter().map(|p| p * p).sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    let per_category = cats
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let q = p_j[j] * (1.0 - p_j[j]);
            let num: f64 = counts.iter().map(|r| r[j] * (mf - r[j])).sum();
            (
                c.clone(),
                (q > 1e-12).then(|| 1.0 - num / (n_units * mf * (mf - 1.0) * q)),
            )
        })
        .collect();
    Some(Fleiss {
        kappa: (p_bar - pe) / (1.0 - pe),
        per_category,
        units: rows.len(),
    })
}

/// Level of measurement for Krippendorff's alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Categories.
    Nominal,
    /// Ranks.
    Ordinal,
    /// Numbers with meaningful differences.
    Interval,
    /// Numbers with a meaningful zero.
    Ratio,
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nominal" => Ok(Metric::Nominal),
            "ordinal" => Ok(Metric::Ordinal),
            "interval" => Ok(Metric::Interval),
            "ratio" => Ok(Metric::Ratio),
            _ => Err(format!(
                "unknown metric `{s}` (nominal, ordinal, interval, ratio)"
            )),
        }
    }
}

/// The coincidence matrix of a table.
#[derive(Debug, Clone)]
pub struct Coincidences {
    /// Distinct values, sorted by label (or by number for numeric metrics).
    pub values: Vec<Value>,
    /// o_ck.
    pub o: Vec<Vec<f64>>,
    /// n_c.
    pub n_c: Vec<f64>,
    /// n = Σ n_c, the number of pairable values.
    pub n: f64,
    /// Coders.
    pub coders: usize,
}

/// Builds the coincidence matrix; `order` sorts the distinct values.
pub fn coincidences(
    t: &Table,
    order: impl Fn(&Value, &Value) -> std::cmp::Ordering,
) -> Coincidences {
    let mut values: Vec<Value> = t
        .values
        .iter()
        .flatten()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    values.sort_by(&order);
    let idx = |v: &Value| values.iter().position(|x| x == v).unwrap_or(0);
    let k = values.len();
    let mut o = vec![vec![0.0; k]; k];
    for row in &t.values {
        let vals: Vec<usize> = row.iter().flatten().map(idx).collect();
        let mu = vals.len();
        if mu < 2 {
            continue;
        }
        let w = 1.0 / (mu - 1) as f64;
        for (i, &c) in vals.iter().enumerate() {
            for (j, &kk) in vals.iter().enumerate() {
                if i != j {
                    o[c][kk] += w;
                }
            }
        }
    }
    let n_c: Vec<f64> = o.iter().map(|r| r.iter().sum()).collect();
    let n = n_c.iter().sum();
    Coincidences {
        values,
        o,
        n_c,
        n,
        coders: t.coders.len(),
    }
}

/// δ² matrix of a metric; `numbers` gives the value of each code for numeric metrics.
pub fn delta(
    c: &Coincidences,
    metric: Metric,
    numbers: Option<&BTreeMap<String, f64>>,
) -> Result<Vec<Vec<f64>>, String> {
    let k = c.values.len();
    let num = |i: usize| -> Result<f64, String> {
        let v = &c.values[i];
        let code = v.iter().next().cloned().unwrap_or_default();
        numbers
            .and_then(|m| m.get(&code))
            .copied()
            .filter(|_| v.len() == 1)
            .ok_or_else(|| {
                format!(
                    "the {metric:?} metric needs numeric codes; `{}` is not a number",
                    label(v)
                )
                .to_lowercase()
            })
    };
    let mut d = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..k {
            if i == j {
                continue;
            }
            d[i][j] = match metric {
                Metric::Nominal => 1.0,
                Metric::Interval => (num(i)? - num(j)?).powi(2),
                Metric::Ratio => {
                    let (x, y) = (num(i)?, num(j)?);
                    if x + y == 0.0 {
                        0.0
                    } else {
                        ((x - y) / (x + y)).powi(2)
                    }
                }
                Metric::Ordinal => {
                    num(i)?;
                    let (lo, hi) = (i.min(j), i.max(j));
                    let s: f64 = c.n_c[lo..=hi].iter().sum();
                    (s - (c.n_c[i] + c.n_c[j]) / 2.0).powi(2)
                }
            };
        }
    }
    Ok(d)
}

/// MASI distance between two code sets (Passonneau 2006).
pub fn masi_distance(a: &Value, b: &Value) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        return 0.0;
    }
    let m = if a == b {
        1.0
    } else if a.is_subset(b) || b.is_subset(a) {
        2.0 / 3.0
    } else if inter > 0.0 {
        1.0 / 3.0
    } else {
        0.0
    };
    1.0 - (inter / union) * m
}

/// Alpha from coincidences and a δ matrix; `None` when there is no expected disagreement.
pub fn alpha_with(c: &Coincidences, d: &[Vec<f64>]) -> Option<f64> {
    let k = c.values.len();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            num += c.o[i][j] * d[i][j];
            den += c.n_c[i] * c.n_c[j] * d[i][j];
        }
    }
    (den > 1e-12 && c.n > 1.0).then(|| 1.0 - (c.n - 1.0) * num / den)
}

fn numeric_order(
    numbers: Option<&BTreeMap<String, f64>>,
) -> impl Fn(&Value, &Value) -> std::cmp::Ordering + '_ {
    move |a: &Value, b: &Value| {
        let f = |v: &Value| {
            v.iter()
                .next()
                .and_then(|c| numbers.and_then(|m| m.get(c)))
                .copied()
        };
        match (f(a), f(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => label(a).cmp(&label(b)),
        }
    }
}

/// Krippendorff's alpha for a metric. `Err` when the metric needs numbers the codes are
/// not; `Ok(None)` when alpha is undefined (no pairable values or no variation).
pub fn krippendorff_alpha(t: &Table, metric: Metric) -> Result<Option<f64>, String> {
    let numbers = t.numeric();
    if metric != Metric::Nominal && numbers.is_none() {
        return Err(format!(
            "the {} metric needs every code to be a single number",
            format!("{metric:?}").to_lowercase()
        ));
    }
    let c = coincidences(t, numeric_order(numbers.as_ref()));
    let d = delta(&c, metric, numbers.as_ref())?;
    Ok(alpha_with(&c, &d))
}

/// Krippendorff's alpha with the MASI distance over code sets.
pub fn krippendorff_alpha_masi(t: &Table) -> Option<f64> {
    let c = coincidences(t, |a, b| label(a).cmp(&label(b)));
    let d: Vec<Vec<f64>> = c
        .values
        .iter()
        .map(|a| c.values.iter().map(|b| masi_distance(a, b)).collect())
        .collect();
    alpha_with(&c, &d)
}

/// Bootstrap distribution summary of alpha.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlphaBootstrap {
    /// 95 % interval (2.5th and 97.5th percentiles).
    pub ci: [f64; 2],
    /// Probability that alpha is below .800 and below .667.
    pub p_below_800: f64,
    /// Probability that alpha is below .667.
    pub p_below_667: f64,
    /// Replicates.
    pub replicates: usize,
}

/// Bootstrap CI of alpha after Hayes & Krippendorff (2007), seeded.
pub fn alpha_bootstrap(
    t: &Table,
    metric: Metric,
    replicates: usize,
    seed: u64,
) -> Result<Option<AlphaBootstrap>, String> {
    let numbers = t.numeric();
    if metric != Metric::Nominal && numbers.is_none() {
        return Err("the metric needs numeric codes".into());
    }
    let c = coincidences(t, numeric_order(numbers.as_ref()));
    let d = delta(&c, metric, numbers.as_ref())?;
    let k = c.values.len();
    let expected: f64 = (0..k)
        .flat_map(|i| (0..k).map(move |j| (i, j)))
        .map(|(i, j)| c.n_c[i] * c.n_c[j] * d[i][j])
        .sum::<f64>()
        / ((c.n - 1.0) * c.n);
    if replicates == 0 || expected <= 1e-12 || c.n < 2.0 {
        return Ok(None);
    }
    // Unordered value pairs with probability o_cc / n (c = k) or 2 o_ck / n (c < k).
    let mut cumulative = Vec::new();
    let mut acc = 0.0;
    for i in 0..k {
        for j in i..k {
            let p = if i == j {
                c.o[i][i] / c.n
            } else {
                2.0 * c.o[i][j] / c.n
            };
            if p > 0.0 {
                acc += p;
                cumulative.push((acc, d[i][j]));
            }
        }
    }
    let nonzero = c.o.iter().flatten().filter(|x| **x > 0.0).count() as f64;
    let draws = (25.0 * nonzero)
        .min((c.coders.saturating_sub(1)) as f64 * c.n / 2.0)
        .floor()
        .max(1.0) as usize;
    let mut rng = SplitMix64::new(seed);
    let mut alphas: Vec<f64> = (0..replicates)
        .map(|_| {
            let mut sum = 0.0;
            for _ in 0..draws {
                let r = rng.next_f64() * acc;
                let pos = cumulative
                    .partition_point(|(cum, _)| *cum <= r)
                    .min(cumulative.len() - 1);
                sum += cumulative[pos].1;
            }
            (1.0 - sum / (expected * draws as f64)).max(-1.0)
        })
        .collect();
    alphas.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        let i = ((q * replicates as f64) as usize).clamp(1, replicates) - 1;
        alphas[i]
    };
    let below = |x: f64| alphas.iter().filter(|a| **a < x).count() as f64 / replicates as f64;
    Ok(Some(AlphaBootstrap {
        ci: [
            at(0.025),
            alphas[((0.975 * replicates as f64) as usize).min(replicates - 1)],
        ],
        p_below_800: below(0.800),
        p_below_667: below(0.667),
        replicates,
    }))
}

/// Landis & Koch (1977) band of a kappa.
pub fn landis_koch(k: f64) -> &'static str {
    match k {
        k if k < 0.0 => "poor",
        k if k <= 0.20 => "slight",
        k if k <= 0.40 => "fair",
        k if k <= 0.60 => "moderate",
        k if k <= 0.80 => "substantial",
        _ => "almost perfect",
    }
}

/// Krippendorff's band of an alpha: ≥ .800 reliable, ≥ .667 tentative, else unreliable.
pub fn krippendorff_band(a: f64) -> &'static str {
    if a >= 0.800 {
        "reliable"
    } else if a >= 0.667 {
        "tentative"
    } else {
        "unreliable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<Value> {
        (!s.is_empty()).then(|| s.split(';').map(String::from).collect())
    }

    fn table(rows: &[&[&str]]) -> Table {
        let n_coders = rows[0].len();
        Table {
            units: (0..rows.len()).map(|i| format!("u{i}")).collect(),
            coders: (0..n_coders).map(|i| format!("c{i}")).collect(),
            values: rows
                .iter()
                .map(|r| r.iter().map(|s| v(s)).collect())
                .collect(),
        }
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers × 12
    /// units with missing values; published α: nominal .743, ordinal .815, interval .849,
    /// ratio .797.
    fn krippendorff_2011() -> Table {
        let a = ["1", "2", "3", "3", "2", "1", "4", "1", "2", "", "", ""];
        let b = ["1", "2", "3", "3", "2", "2", "4", "1", "2", "5", "", "3"];
        let c = ["", "3", "3", "3", "2", "3", "4", "2", "2", "5", "1", ""];
        let d = ["1", "2", "3", "3", "2", "4", "4", "1", "2", "5", "1", ""];
        let rows: Vec<Vec<&str>> = (0..12).map(|u| vec![a[u], b[u], c[u], d[u]]).collect();
        table(&rows.iter().map(|r| r.as_slice()).collect::<Vec<_>>())
    }

    fn round3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }

    #[test]
    fn krippendorff_2011_reference_values() {
        let t = krippendorff_2011();
        let a = |m| round3(krippendorff_alpha(&t, m).unwrap().unwrap());
        assert_eq!(a(Metric::Nominal), 0.743);
        assert_eq!(a(Metric::Ordinal), 0.815);
        assert_eq!(a(Metric::Interval), 0.849);
        assert_eq!(a(Metric::Ratio), 0.797);
        assert_eq!(t.single_coded_units(), 1);
    }

    /// Fleiss (1971), Table 1: 30 patients, 6 psychiatrists, 5 diagnoses; κ = .430 and
    /// per category .245, .245, .520, .471, .566.
    fn fleiss_1971() -> Table {
        let counts: [[usize; 5]; 30] = [
            [0, 0, 0, 6, 0],
            [0, 3, 0, 0, 3],
            [0, 1, 4, 0, 1],
            [0, 0, 0, 0, 6],
            [0, 3, 0, 3, 0],
            [2, 0, 4, 0, 0],
            [0, 0, 4, 0, 2],
            [2, 0, 3, 1, 0],
            [2, 0, 0, 4, 0],
            [0, 0, 0, 0, 6],
            [1, 0, 0, 5, 0],
            [1, 1, 0, 4, 0],
            [0, 3, 3, 0, 0],
            [1, 0, 0, 5, 0],
            [0, 2, 0, 3, 1],
            [0, 0, 5, 0, 1],
            [3, 0, 0, 1, 2],
            [5, 1, 0, 0, 0],
            [0, 2, 0, 4, 0],
            [1, 0, 2, 0, 3],
            [0, 0, 0, 0, 6],
            [0, 1, 0, 5, 0],
            [0, 2, 0, 1, 3],
            [2, 0, 0, 4, 0],
            [1, 0, 0, 4, 1],
            [0, 5, 0, 1, 0],
            [4, 0, 0, 0, 2],
            [0, 2, 0, 4, 0],
            [1, 0, 5, 0, 0],
            [0, 0, 0, 0, 6],
        ];
        let names = [
            "depression",
            "personality",
            "schizophrenia",
            "neurosis",
            "other",
        ];
        let values = counts
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .flat_map(|(j, &n)| std::iter::repeat_n(v(names[j]), n))
                    .collect()
            })
            .collect();
        Table {
            units: (0..30).map(|i| i.to_string()).collect(),
            coders: (0..6).map(|i| i.to_string()).collect(),
            values,
        }
    }

    #[test]
    fn fleiss_1971_reference_values() {
        let f = fleiss_kappa(&fleiss_1971()).unwrap();
        assert_eq!(round3(f.kappa), 0.430);
        let per: Vec<f64> = [
            "depression",
            "personality",
            "schizophrenia",
            "neurosis",
            "other",
        ]
        .iter()
        .map(|c| round3(f.per_category[*c].unwrap()))
        .collect();
        assert_eq!(per, [0.245, 0.245, 0.520, 0.471, 0.566]);
    }

    /// Two raters, 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → p_o .70, p_e .50,
    /// κ = .40 (the textbook example on Wikipedia's "Cohen's kappa").
    fn cohen_example() -> Table {
        let mut rows: Vec<[&str; 2]> = Vec::new();
        rows.extend(std::iter::repeat_n(["yes", "yes"], 20));
        rows.extend(std::iter::repeat_n(["yes", "no"], 5));
        rows.extend(std::iter::repeat_n(["no", "yes"], 10));
        rows.extend(std::iter::repeat_n(["no", "no"], 15));
        table(&rows.iter().map(|r| r.as_slice()).collect::<Vec<_>>())
    }

    #[test]
    fn cohen_textbook_example() {
        let t = cohen_example();
        let k = cohen_kappa(&t.column(0), &t.column(1)).unwrap();
        assert_eq!(round3(k.kappa), 0.400);
        // SE by the Fleiss–Cohen–Everitt formula, by hand (rows A, cols B; no .5/.4, yes .5/.6):
        // A = .3(1-.9·.6)² + .4(1-1.1·.6)² = .10972, B = .36(.2·.9² + .1·1.1²) = .10188,
        // C = (.4-.5·.6)² = .01, SE = √.2016 / (.5 √50) = .127 (statsmodels agrees).
        assert_eq!(round3(k.se), 0.127);
        assert_eq!(k.ci.map(round3), [0.151, 0.649]);
        assert_eq!(
            round3(percent_agreement(&t.column(0), &t.column(1)).unwrap()),
            0.700
        );
        // Scott's pi: pooled yes .55, no .45 → p_e .505, π = (.7-.505)/.495 = .394.
        assert_eq!(round3(scott_pi(&t.column(0), &t.column(1)).unwrap()), 0.394);
    }

    #[test]
    fn weighted_kappa_on_ordinal_codes() {
        // Three ordered categories; disagreements only between neighbours.
        let t = table(&[
            &["1", "1"],
            &["2", "2"],
            &["3", "3"],
            &["1", "2"],
            &["2", "3"],
            &["3", "3"],
        ]);
        let nums = t.numeric().unwrap();
        let lin = weighted_kappa(&t.column(0), &t.column(1), &nums, Weights::Linear).unwrap();
        let quad = weighted_kappa(&t.column(0), &t.column(1), &nums, Weights::Quadratic).unwrap();
        let plain = cohen_kappa(&t.column(0), &t.column(1)).unwrap().kappa;
        assert!(plain < lin && lin < quad, "{plain} {lin} {quad}");
        // By hand: rows (2,2,2)/6, cols (1,2,3)/6; linear p_o = 5/6, p_e = 10/18 → .625;
        // quadratic .750 (statsmodels agrees on both).
        assert_eq!(round3(lin), 0.625);
        assert_eq!(round3(quad), 0.750);
    }

    #[test]
    fn perfect_agreement_and_single_category() {
        let t = table(&[&["a", "a"], &["b", "b"], &["a", "a"]]);
        assert_eq!(cohen_kappa(&t.column(0), &t.column(1)).unwrap().kappa, 1.0);
        assert_eq!(krippendorff_alpha(&t, Metric::Nominal).unwrap(), Some(1.0));
        let one = table(&[&["a", "a"], &["a", "a"]]);
        assert_eq!(cohen_kappa(&one.column(0), &one.column(1)), None);
        assert_eq!(krippendorff_alpha(&one, Metric::Nominal).unwrap(), None);
        assert_eq!(fleiss_kappa(&one), None);
    }

    #[test]
    fn invariant_to_unit_and_coder_order() {
        let t = krippendorff_2011();
        let mut r = t.clone();
        r.values.reverse();
        for row in &mut r.values {
            row.reverse();
        }
        for m in [
            Metric::Nominal,
            Metric::Ordinal,
            Metric::Interval,
            Metric::Ratio,
        ] {
            assert!(
                (krippendorff_alpha(&t, m).unwrap().unwrap()
                    - krippendorff_alpha(&r, m).unwrap().unwrap())
                .abs()
                    < 1e-12
            );
        }
        let c = cohen_example();
        let mut s = c.clone();
        s.values.reverse();
        for row in &mut s.values {
            row.swap(0, 1);
        }
        let k = |t: &Table| cohen_kappa(&t.column(0), &t.column(1)).unwrap();
        assert!((k(&c).kappa - k(&s).kappa).abs() < 1e-12 && (k(&c).se - k(&s).se).abs() < 1e-12);
    }

    #[test]
    fn masi_distance_cases() {
        let s = |x: &str| v(x).unwrap();
        assert_eq!(masi_distance(&s("a;b"), &s("a;b")), 0.0);
        assert!((masi_distance(&s("a"), &s("a;b")) - (1.0 - 0.5 * 2.0 / 3.0)).abs() < 1e-12);
        assert!((masi_distance(&s("a;b"), &s("b;c")) - (1.0 - (1.0 / 3.0) / 3.0)).abs() < 1e-12);
        assert_eq!(masi_distance(&s("a"), &s("b")), 1.0);
        // MASI alpha credits partial overlap that nominal alpha counts as disagreement.
        let t = table(&[
            &["a;b", "a"],
            &["c", "c"],
            &["b", "b"],
            &["a", "a;c"],
            &["c", "b"],
        ]);
        assert!(
            krippendorff_alpha_masi(&t).unwrap()
                > krippendorff_alpha(&t, Metric::Nominal).unwrap().unwrap()
        );
    }

    #[test]
    fn holsti_counts_code_decisions() {
        let t = table(&[&["a;b", "a"], &["c", "c"]]);
        // M = 1 + 1, N1 = 3, N2 = 2 → 4/5.
        assert_eq!(holsti(&t.column(0), &t.column(1)), Some(0.8));
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_alpha() {
        let t = krippendorff_2011();
        let b1 = alpha_bootstrap(&t, Metric::Nominal, 1000, 7)
            .unwrap()
            .unwrap();
        let b2 = alpha_bootstrap(&t, Metric::Nominal, 1000, 7)
            .unwrap()
            .unwrap();
        assert_eq!(b1, b2);
        let a = krippendorff_alpha(&t, Metric::Nominal).unwrap().unwrap();
        assert!(b1.ci[0] < a && a < b1.ci[1], "{:?} {a}", b1.ci);
        assert!(b1.ci[1] <= 1.0 && b1.ci[0] >= -1.0);
    }

    #[test]
    fn bands() {
        assert_eq!(landis_koch(0.43), "moderate");
        assert_eq!(landis_koch(-0.1), "poor");
        assert_eq!(krippendorff_band(0.743), "tentative");
        assert_eq!(krippendorff_band(0.849), "reliable");
    }
}
