//! Significance tests for contingency tables and keyness: Pearson's chi-square test of
//! independence with Cramér's V and adjusted standardized residuals (Agresti 2013, §2.4.5),
//! a Monte Carlo p-value for sparse tables, and the log-likelihood G² for keyness between
//! two corpora (Rayson & Garside 2000) with the log ratio as effect size (Hardie 2014).

use crate::util::rng::SplitMix64;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Expected counts below this make the chi-square approximation doubtful (Cochran 1954).
pub const MIN_EXPECTED: f64 = 5.0;
/// |adjusted residual| above this marks a cell that departs from independence at 5 %.
pub const RESIDUAL_CUTOFF: f64 = 1.96;

/// Result of a chi-square test of independence.
#[derive(Debug, Clone, PartialEq)]
pub struct ChiSquare {
    /// Labels of the rows kept (rows with a zero total are dropped).
    pub rows: Vec<String>,
    /// Labels of the columns kept.
    pub columns: Vec<String>,
    /// Observed counts of the kept rows and columns.
    pub observed: Vec<Vec<u64>>,
    /// Total count.
    pub n: u64,
    /// Pearson's X².
    pub chi2: f64,
    /// Degrees of freedom, (r − 1)(c − 1).
    pub df: usize,
    /// Asymptotic p-value from the chi-square distribution.
    pub p_value: f64,
    /// Cramér's V, √(X² / (n (min(r, c) − 1))).
    pub cramers_v: f64,
    /// Expected counts under independence.
    pub expected: Vec<Vec<f64>>,
    /// Smallest expected count.
    pub min_expected: f64,
    /// Share of cells with an expected count below 5.
    pub sparse_cells: f64,
    /// Adjusted standardized residuals, (O − E) / √(E (1 − rᵢ/n)(1 − cⱼ/n)).
    pub residuals: Vec<Vec<f64>>,
    /// Monte Carlo p-value (permutation with both margins fixed), computed when an
    /// expected count is below 5.
    pub monte_carlo: Option<MonteCarlo>,
}

/// A simulated p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonteCarlo {
    /// (1 + tables at least as extreme) / (1 + replicates).
    pub p_value: f64,
    /// Replicates drawn.
    pub replicates: u32,
    /// Seed of the generator.
    pub seed: u64,
}

/// Chi-square p-value of `x` with `df` degrees of freedom (upper tail).
pub fn chi2_p_value(x: f64, df: usize) -> f64 {
    if df == 0 || !x.is_finite() {
        return f64::NAN;
    }
    match ChiSquared::new(df as f64) {
        Ok(d) => d.sf(x.max(0.0)),
        Err(_) => f64::NAN,
    }
}

fn pearson(observed: &[Vec<u64>], expected: &[Vec<f64>]) -> f64 {
    let mut x = 0.0;
    for (o, e) in observed.iter().zip(expected) {
        for (&o, &e) in o.iter().zip(e) {
            if e > 0.0 {
                x += (o as f64 - e).powi(2) / e;
            }
        }
    }
    x
}

/// Tests independence of rows and columns of `table` (`table[row][column]`). Rows and
/// columns whose total is zero are dropped first. Returns `None` when fewer than two rows or
/// two columns remain. `replicates` Monte Carlo tables (seeded) are drawn when an expected
/// count is below 5; 0 turns that off.
pub fn chi_square(
    row_labels: &[String],
    column_labels: &[String],
    table: &[Vec<u64>],
    replicates: u32,
    seed: u64,
) -> Option<ChiSquare> {
    let col_total = |j: usize| {
        table
            .iter()
            .map(|r| r.get(j).copied().unwrap_or(0))
            .sum::<u64>()
    };
    let keep_rows: Vec<usize> = (0..table.len())
        .filter(|&i| table[i].iter().sum::<u64>() > 0)
        .collect();
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    let keep_cols: Vec<usize> = (0..width).filter(|&j| col_total(j) > 0).collect();
    if keep_rows.len() < 2 || keep_cols.len() < 2 {
        return None;
    }
    let observed: Vec<Vec<u64>> = keep_rows
        .iter()
        .map(|&i| {
            keep_cols
                .iter()
                .map(|&j| table[i].get(j).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let r: Vec<u64> = observed.iter().map(|row| row.iter().sum()).collect();
    let c: Vec<u64> = (0..keep_cols.len())
        .map(|j| observed.iter().map(|row| row[j]).sum())
        .collect();
    let n: u64 = r.iter().sum();
    let nf = n as f64;
    let expected: Vec<Vec<f64>> = r
        .iter()
        .map(|&ri| c.iter().map(|&cj| ri as f64 * cj as f64 / nf).collect())
        .collect();
    let chi2 = pearson(&observed, &expected);
    let df = (r.len() - 1) * (c.len() - 1);
    let min_expected = expected
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let cells = (r.len() * c.len()) as f64;
    let sparse_cells = expected
        .iter()
        .flatten()
        .filter(|&&e| e < MIN_EXPECTED)
        .count() as f64
        / cells;
    let residuals = observed
        .iter()
        .zip(&expected)
        .zip(&r)
        .map(|((o, e), &ri)| {
            o.iter()
                .zip(e)
                .zip(&c)
                .map(|((&o, &e), &cj)| {
                    let v = e * (1.0 - ri as f64 / nf) * (1.0 - cj as f64 / nf);
                    if v > 0.0 {
                        (o as f64 - e) / v.sqrt()
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let k = r.len().min(c.len()) as f64 - 1.0;
    let monte_carlo = (min_expected < MIN_EXPECTED && replicates > 0)
        .then(|| monte_carlo(&observed, &expected, chi2, replicates, seed));
    Some(ChiSquare {
        rows: keep_rows.iter().map(|&i| label(row_labels, i)).collect(),
        columns: keep_cols.iter().map(|&j| label(column_labels, j)).collect(),
        observed,
        n,
        chi2,
        df,
        p_value: chi2_p_value(chi2, df),
        cramers_v: (chi2 / (nf * k)).sqrt(),
        expected,
        min_expected,
        sparse_cells,
        residuals,
        monte_carlo,
    })
}

fn label(labels: &[String], i: usize) -> String {
    labels.get(i).cloned().unwrap_or_else(|| i.to_string())
}

/// Permutation test: the observations' column labels are shuffled against their row labels,
/// which keeps both margins, and X² is recomputed.
///
/// A random permutation is not materialised: the table it produces is drawn directly, cell
/// by cell, each count from the hypergeometric distribution of the remaining margins (the
/// conditional form of the multivariate hypergeometric, as Patefield's algorithm behind R's
/// `r2dtable` does). The distribution of tables is the same as shuffling, and the cost is
/// rows × columns per replicate instead of one step per reference, so a corpus of millions
/// of references costs what a small one does.
fn monte_carlo(
    observed: &[Vec<u64>],
    expected: &[Vec<f64>],
    chi2: f64,
    replicates: u32,
    seed: u64,
) -> MonteCarlo {
    let row_totals: Vec<u64> = observed.iter().map(|r| r.iter().sum()).collect();
    let col_totals: Vec<u64> = (0..observed[0].len())
        .map(|j| observed.iter().map(|r| r[j]).sum())
        .collect();
    let mut rng = SplitMix64::new(seed);
    let mut table = vec![vec![0u64; col_totals.len()]; row_totals.len()];
    let mut lf = LnFactorials::up_to(row_totals.iter().sum());
    // Relative tolerance as in R's chisq.test, so ties are not lost to rounding.
    let bar = chi2 * (1.0 - 1e-7);
    let mut extreme = 0u32;
    for _ in 0..replicates {
        draw_table(&row_totals, &col_totals, &mut table, &mut rng, &mut lf);
        if pearson(&table, expected) >= bar {
            extreme += 1;
        }
    }
    MonteCarlo {
        p_value: (1.0 + extreme as f64) / (1.0 + replicates as f64),
        replicates,
        seed,
    }
}

/// Fills `table` with a random table of the given margins, uniform over the permutations
/// of the observations (every row's counts drawn from the columns still unallocated).
fn draw_table(
    rows: &[u64],
    cols: &[u64],
    table: &mut [Vec<u64>],
    rng: &mut SplitMix64,
    lf: &mut LnFactorials,
) {
    let mut left: Vec<u64> = cols.to_vec();
    let mut population: u64 = left.iter().sum();
    for (i, &row_total) in rows.iter().enumerate() {
        let mut draws = row_total;
        let mut rest = population;
        for (j, cell) in table[i].iter_mut().enumerate() {
            // The draws still to place come from the columns j.. (`rest` observations),
            // `left[j]` of which are in column j.
            let x = if draws == 0 || left[j] == 0 {
                0
            } else if draws >= rest {
                left[j]
            } else {
                hypergeometric(rest, left[j], draws, rng, lf)
            };
            *cell = x;
            rest -= left[j];
            left[j] -= x;
            draws -= x;
        }
        population -= row_total;
    }
}

/// One draw from the hypergeometric distribution: marked items among `draws` taken without
/// replacement from `population` items of which `marked` are marked.
///
/// Inversion searched outward from the mode, with the probabilities stepped by their ratio
/// f(x+1)/f(x) = (K−x)(n−x) / ((x+1)(N−K−n+x+1)): exact, and about one step per standard
/// deviation, so a cell of millions costs hundreds of steps. (`rand_distr` 0.5.1's sampler
/// was tried and returned 100 for N = 4,000,200, K = 100, n = 203, where the mean is 0.005.)
fn hypergeometric(
    population: u64,
    marked: u64,
    draws: u64,
    rng: &mut SplitMix64,
    lf: &mut LnFactorials,
) -> u64 {
    let mut ln_binomial = |n, k| lf.ln_binomial(n, k);
    let (n_all, k, n) = (population, marked, draws);
    let lo = (n + k).saturating_sub(n_all);
    let hi = n.min(k);
    if lo >= hi {
        return lo;
    }
    // A positive quotient: `as` truncates it, which is its floor (without a call to floor()).
    let mode = (((n as f64 + 1.0) * (k as f64 + 1.0) / (n_all as f64 + 2.0)) as u64).clamp(lo, hi);
    let ln_f = ln_binomial(k, mode) + ln_binomial(n_all - k, n - mode) - ln_binomial(n_all, n);
    let f_mode = ln_f.exp();
    // f(x+1) / f(x)
    let ratio = |x: u64| {
        // (N−K) − (n−x−1) ≥ 1 on the support (x ≥ n + K − N), ordered so no step underflows.
        ((k - x) as f64 * (n - x) as f64) / ((x + 1) as f64 * (n_all - k + x + 1 - n) as f64)
    };
    let mut u = rng.next_f64() - f_mode;
    if u <= 0.0 {
        return mode;
    }
    let (mut up, mut f_up, mut down, mut f_down) = (mode, f_mode, mode, f_mode);
    loop {
        let mut moved = false;
        if up < hi {
            f_up *= ratio(up);
            up += 1;
            u -= f_up;
            if u <= 0.0 {
                return up;
            }
            moved = true;
        }
        if down > lo {
            f_down /= ratio(down - 1);
            down -= 1;
            u -= f_down;
            if u <= 0.0 {
                return down;
            }
            moved = true;
        }
        // Rounding left a sliver of probability over the whole support: the mode takes it.
        if !moved || (f_up < 1e-300 && f_down < 1e-300) {
            return mode;
        }
    }
}

/// `ln x!` remembered for the small `x` of one Monte Carlo test: every replicate's draws
/// ask for the factorials of the same margins again. The values are `statrs`'
/// [`ln_factorial`](statrs::function::factorial::ln_factorial), combined as its
/// `ln_binomial` combines them, so the draws are the same as without the memory.
struct LnFactorials {
    /// `ln x!` for `x` below its length; NaN where not yet computed.
    known: Vec<f64>,
}

impl LnFactorials {
    /// Larger arguments are computed every time (the memory would be larger than the work).
    const MAX: u64 = 1 << 20;

    /// Memory for arguments up to `n`.
    fn up_to(n: u64) -> Self {
        LnFactorials {
            known: vec![f64::NAN; n.min(Self::MAX) as usize + 1],
        }
    }

    fn ln_factorial(&mut self, x: u64) -> f64 {
        use statrs::function::factorial::ln_factorial;
        match self.known.get_mut(x as usize) {
            Some(v) if !v.is_nan() => *v,
            Some(v) => {
                *v = ln_factorial(x);
                *v
            }
            None => ln_factorial(x),
        }
    }

    /// `statrs::function::factorial::ln_binomial(n, k)`.
    fn ln_binomial(&mut self, n: u64, k: u64) -> f64 {
        if k > n {
            f64::NEG_INFINITY
        } else {
            self.ln_factorial(n) - self.ln_factorial(k) - self.ln_factorial(n - k)
        }
    }
}

/// Keyness of one word in a target corpus against a reference corpus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keyness {
    /// Log-likelihood G² (2 × 2 table, one degree of freedom).
    pub g2: f64,
    /// p-value of G² under the chi-square distribution with df 1.
    pub p_value: f64,
    /// Log ratio, log₂ of the ratio of relative frequencies (0.5 added to a zero count):
    /// +1 means twice as frequent in the target.
    pub log_ratio: f64,
}

/// G² of a word seen `a` times among `c` tokens of the target and `b` times among `d`
/// tokens of the reference, in the form corpus linguistics uses (Rayson & Garside 2000, the
/// UCREL log-likelihood calculator): summed over the word's two cells only. G² is reported positive; the sign of `log_ratio` tells which
/// corpus the word is characteristic of.
pub fn keyness(a: u64, b: u64, c: u64, d: u64) -> Keyness {
    let (g2, log_ratio) = keyness_g2_log_ratio(a, b, c, d);
    Keyness {
        g2,
        p_value: chi2_p_value(g2, 1),
        log_ratio,
    }
}

/// [`keyness`]'s G² and log ratio without the p-value, the costly part: for callers that
/// want the p-value of some words only (those of positive log ratio).
pub fn keyness_g2_log_ratio(a: u64, b: u64, c: u64, d: u64) -> (f64, f64) {
    let (af, bf, cf, df) = (a as f64, b as f64, c as f64, d as f64);
    let e1 = cf * (af + bf) / (cf + df);
    let e2 = df * (af + bf) / (cf + df);
    let term = |o: f64, e: f64| {
        if o > 0.0 && e > 0.0 {
            o * (o / e).ln()
        } else {
            0.0
        }
    };
    let g2 = (2.0 * (term(af, e1) + term(bf, e2))).max(0.0);
    let smooth = |x: f64| if x == 0.0 { 0.5 } else { x };
    let log_ratio = if c == 0 || d == 0 {
        0.0
    } else {
        ((smooth(af) / cf) / (smooth(bf) / df)).log2()
    };
    (g2, log_ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// 2 × 3 worked by hand: rows 60, 50; columns 30, 40, 40; n 110.
    /// E₁₁ = 60·30/110 = 16.364, X² = 2.4747 + 0.1515 + 3.0682 + 2.9697 + 0.1818 + 3.6818
    /// = 12.528, df 2, p = e^(−X²/2) = 0.001904, V = √(12.528/110) = 0.3375,
    /// r₁₁ = (10 − 16.364)/√(16.364 · (50/110) · (80/110)) = −2.736.
    #[test]
    fn chi_square_of_a_hand_worked_2x3_table() {
        let t = vec![vec![10, 20, 30], vec![20, 20, 10]];
        let x = chi_square(&labels(&["a", "b"]), &labels(&["x", "y", "z"]), &t, 0, 1).unwrap();
        assert_eq!(x.n, 110);
        assert_eq!(x.df, 2);
        assert!((x.chi2 - 12.5278).abs() < 1e-4, "{}", x.chi2);
        assert!((x.p_value - 0.0019038).abs() < 1e-6, "{}", x.p_value);
        assert!((x.cramers_v - 0.33747).abs() < 1e-5);
        assert!((x.expected[0][0] - 16.3636).abs() < 1e-4);
        assert!((x.residuals[0][0] + 2.7361).abs() < 1e-4);
        assert!((x.residuals[1][2] + 3.2569).abs() < 1e-4);
        // In a 2-row table the residuals of a column are equal and opposite.
        for j in 0..3 {
            assert!((x.residuals[0][j] + x.residuals[1][j]).abs() < 1e-9);
        }
        assert!((x.min_expected - 13.6364).abs() < 1e-4);
        assert!(x.monte_carlo.is_none());
    }

    #[test]
    fn zero_rows_and_columns_are_dropped_and_degenerate_tables_give_none() {
        let t = vec![vec![10, 0, 20, 30], vec![0, 0, 0, 0], vec![20, 0, 20, 10]];
        let x = chi_square(
            &labels(&["a", "b", "c"]),
            &labels(&["w", "x", "y", "z"]),
            &t,
            0,
            1,
        )
        .unwrap();
        assert_eq!(x.rows, labels(&["a", "c"]));
        assert_eq!(x.columns, labels(&["w", "y", "z"]));
        assert!((x.chi2 - 12.5278).abs() < 1e-4);
        assert!(chi_square(&[], &[], &[vec![1, 2]], 0, 1).is_none());
        assert!(chi_square(&[], &[], &[vec![1, 0], vec![2, 0]], 0, 1).is_none());
    }

    #[test]
    fn sparse_tables_get_a_seeded_monte_carlo_p_value() {
        let t = vec![vec![3, 0, 1], vec![0, 4, 1]];
        let l = labels(&["a", "b", "c"]);
        let x = chi_square(&l, &l, &t, 2000, 7).unwrap();
        let mc = x.monte_carlo.unwrap();
        assert!(x.min_expected < MIN_EXPECTED);
        assert_eq!(
            chi_square(&l, &l, &t, 2000, 7).unwrap().monte_carlo,
            Some(mc)
        );
        // The exact permutation p (all 11 tables with these margins, weighted by their
        // hypergeometric probability, X² ≥ 6.975) is 1/42 = 0.0238, which is also Fisher's.
        assert!((mc.p_value - 0.0238).abs() < 0.01, "{}", mc.p_value);
        // A table that fits independence exactly is never extreme beyond chance.
        let even = chi_square(&l, &l, &[vec![2, 2, 2], vec![2, 2, 2]], 500, 7).unwrap();
        assert_eq!(even.chi2, 0.0);
        assert_eq!(even.monte_carlo.unwrap().p_value, 1.0);
    }

    #[test]
    fn drawn_tables_keep_both_margins_and_average_to_the_expected_counts() {
        let rows = [5_000_000u64, 3, 120, 0, 77];
        let cols = [1_000_000u64, 4_000_100, 0, 100];
        let n: u64 = rows.iter().sum();
        let mut table = vec![vec![0u64; cols.len()]; rows.len()];
        let mut mean = vec![vec![0f64; cols.len()]; rows.len()];
        let mut rng = SplitMix64::new(3);
        let mut lf = LnFactorials::up_to(n);
        let reps = 400;
        for _ in 0..reps {
            draw_table(&rows, &cols, &mut table, &mut rng, &mut lf);
            for (i, r) in table.iter().enumerate() {
                assert_eq!(r.iter().sum::<u64>(), rows[i]);
            }
            for (j, &c) in cols.iter().enumerate() {
                assert_eq!(table.iter().map(|r| r[j]).sum::<u64>(), c);
            }
            for (m, r) in mean.iter_mut().zip(&table) {
                for (m, &x) in m.iter_mut().zip(r) {
                    *m += x as f64 / reps as f64;
                }
            }
        }
        // The cell of row 2 (120) and column 1 (4,000,100 of 5,000,200): E = 96.0.
        let e = 120.0 * cols[1] as f64 / n as f64;
        assert!((mean[2][1] - e).abs() < 1.0, "{} vs {e}", mean[2][1]);
    }

    #[test]
    fn remembered_ln_binomials_are_statrs_own() {
        use statrs::function::factorial::ln_binomial;
        let mut lf = LnFactorials::up_to(300);
        for _ in 0..2 {
            for (n, k) in [
                (0, 0),
                (1, 0),
                (5, 2),
                (170, 3),
                (171, 170),
                (300, 150),
                (2_000_000, 7),
                (3, 4),
            ] {
                assert_eq!(lf.ln_binomial(n, k).to_bits(), ln_binomial(n, k).to_bits());
            }
        }
    }

    #[test]
    fn hypergeometric_draws_have_the_exact_mean_and_variance() {
        let mut rng = SplitMix64::new(11);
        // (N, K, n): an ordinary case, one where the mean is 0.005 (where rand_distr's sampler
        // failed), and one where nearly everything is drawn and marked.
        for &(n_all, k, n) in &[
            (1000u64, 300u64, 200u64),
            (4_000_200, 100, 203),
            (4_000_200, 4_000_100, 3_999_997),
        ] {
            let reps = 20_000;
            let mut lf = LnFactorials::up_to(n_all);
            let xs: Vec<f64> = (0..reps)
                .map(|_| hypergeometric(n_all, k, n, &mut rng, &mut lf) as f64)
                .collect();
            let mean = xs.iter().sum::<f64>() / reps as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
            let (nf, kf, df) = (n_all as f64, k as f64, n as f64);
            let m = df * kf / nf;
            let v = df * kf / nf * (1.0 - kf / nf) * (nf - df) / (nf - 1.0);
            assert!(
                (mean - m).abs() < 4.0 * (v / reps as f64).sqrt() + 1e-3,
                "{n_all} {k} {n}: mean {mean} vs {m}"
            );
            assert!(
                (var - v).abs() < 0.1 * v + 1e-2,
                "{n_all} {k} {n}: variance {var} vs {v}"
            );
        }
    }

    /// a = 30 of 1,000 tokens, b = 10 of 2,000: E₁ = 13.333, E₂ = 26.667,
    /// G² = 2 (30 ln(30/13.333) + 10 ln(10/26.667)) = 29.039, p = erfc(√(G²/2)) = 7.09e−8,
    /// log ratio = log₂(0.03/0.005) = 2.585.
    #[test]
    fn g2_of_a_hand_worked_example() {
        let k = keyness(30, 10, 1000, 2000);
        assert!((k.g2 - 29.0392).abs() < 1e-4, "{}", k.g2);
        assert!((k.p_value - 7.0927e-8).abs() < 1e-11, "{}", k.p_value);
        assert!((k.log_ratio - 2.58496).abs() < 1e-5);
        let rev = keyness(10, 30, 2000, 1000);
        assert!((rev.g2 - k.g2).abs() < 1e-9 && (rev.log_ratio + k.log_ratio).abs() < 1e-9);
        assert_eq!(keyness(5, 10, 100, 200).g2, 0.0);
        assert!(keyness(7, 0, 100, 100).log_ratio > 3.0);
    }

    #[test]
    fn p_value_of_df_2_is_the_exponential_tail() {
        for x in [0.5, 3.0, 9.21] {
            assert!((chi2_p_value(x, 2) - (-x / 2.0f64).exp()).abs() < 1e-12);
        }
    }
}
