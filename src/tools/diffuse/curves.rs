//! Adoption curves: the cumulative number and share of the 31 provinces that adopted an
//! instrument by the end of each year, and a logistic (S-curve) fit
//! `share(t) = K / (1 + e^−(t − m)/s)` with saturation *K* (0–1], midpoint *m* (the year
//! half of the eventual adopters have adopted) and scale *s* (years; the curve goes from
//! 27 % to 73 % of *K* in 2*s*).
//!
//! The fit minimises the sum of squared errors of the shares over the years of the run by
//! a grid search, coarse then fine (K in steps of 0.01 between the last observed share and
//! 1, m in steps of 0.02 within three years of the observed range, s in steps of 0.02
//! between 0.2 and 6): no local minimum, no starting values, the same answer every time.
//! It is tried when at least 3 provinces adopted in at least 2 different years over at
//! least 3 years of data; otherwise the row says why not. **Take-off** is the first year
//! with at least 10 % of the provinces adopted (Rogers' 10–25 % band; observed, not
//! fitted).

/// Number of provinces (the denominator of adoption shares).
pub const PROVINCES: usize = 31;

/// A logistic fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Saturation (share of provinces, 0–1).
    pub saturation: f64,
    /// Midpoint year.
    pub midpoint: f64,
    /// Scale in years.
    pub scale: f64,
    /// Root mean squared error of the shares.
    pub rmse: f64,
}

/// The logistic's denominators `1 + e^−(t − m)/s` at each of `years`, appended to `out`:
/// they do not depend on the saturation, so the grid computes them once per (m, s) and
/// tries every saturation against them.
fn denominators(years: &[i32], m: f64, s: f64, out: &mut Vec<f64>) {
    out.extend(years.iter().map(|&t| 1.0 + (-(t as f64 - m) / s).exp()));
}

/// Sum of squared errors of `shares` against `k / denominators`.
#[cfg(test)]
fn sse(denominators: &[f64], shares: &[f64], k: f64) -> f64 {
    denominators
        .iter()
        .zip(shares)
        .map(|(&d, &y)| {
            let f = k / d;
            (f - y) * (f - y)
        })
        .sum()
}

/// [`sse`] when it is below `bound`, else None. The terms are added in the same order as
/// `sse` adds them, so a sum below `bound` has the same bits; each term is ≥ 0 and
/// rounded addition is monotone, so once the running sum reaches `bound` the total cannot
/// end below it and the rest of the terms need not be added (most of the grid loses early).
fn sse_below(denominators: &[f64], shares: &[f64], k: f64, bound: f64) -> Option<f64> {
    // -0.0: where `Sum for f64` starts, so even an empty sum has its bits.
    let mut acc = -0.0;
    for (&d, &y) in denominators.iter().zip(shares) {
        let f = k / d;
        acc += (f - y) * (f - y);
        if acc >= bound {
            return None;
        }
    }
    // Not `>=` above: a NaN sum is not below the bound either.
    (acc < bound).then_some(acc)
}

fn steps(lo: f64, hi: f64, step: f64) -> impl Iterator<Item = f64> {
    let n = ((hi - lo) / step).round().max(0.0) as usize;
    (0..=n).map(move |i| lo + i as f64 * step)
}

/// Tries every `k` against every (m, s) of the grid, k outermost, then m, then s, keeping
/// the first of equal errors: the order of a plain triple loop, with the denominators of
/// each (m, s) computed once instead of once per k. Returns the denominators, (m, s) by
/// (m, s) in grid order.
///
/// `quarters_from`: the coarse grid's m are `base + i/4` (i = 0, 1, …) for a whole year
/// `base`. Then `t − m` is exactly `q/4` for the whole number `q = 4(t − base) − i`, the
/// same few hundred values recur across (t, m), and the denominators are computed once
/// per (q, s) and looked up. `q as f64 * 0.25` and `t as f64 − m` are both the exact
/// value, so the bits, and the fit, are those of the plain computation; the m are checked
/// to be exactly on the lattice, else the plain computation is used.
fn search(
    years: &[i32],
    shares: &[f64],
    ks: impl Iterator<Item = f64>,
    ms: impl Iterator<Item = f64>,
    ss: impl Iterator<Item = f64>,
    quarters_from: Option<i64>,
    best: &mut (f64, f64, f64, f64),
) -> Vec<f64> {
    // As `zip` pairs them: the years that have a share.
    let years = &years[..years.len().min(shares.len())];
    let ms: Vec<f64> = ms.collect();
    let ss: Vec<f64> = ss.collect();
    let mut dens = Vec::with_capacity(ms.len() * ss.len() * years.len());
    let mut grid = Vec::with_capacity(ms.len() * ss.len());
    let span = years.iter().min().zip(years.iter().max());
    let lattice = quarters_from.zip(span).filter(|&(base, _)| {
        ms.iter()
            .enumerate()
            .all(|(i, &m)| m == base as f64 + i as f64 * 0.25)
    });
    if let Some((base, (&t0, &t1))) = lattice {
        let q_lo = 4 * (t0 as i64 - base) - (ms.len() as i64 - 1);
        let q_hi = 4 * (t1 as i64 - base);
        let width = (q_hi - q_lo + 1) as usize;
        let mut table = Vec::with_capacity(width * ss.len());
        for &s in &ss {
            table.extend((q_lo..=q_hi).map(|q| 1.0 + (-(q as f64 * 0.25) / s).exp()));
        }
        for (i, &m) in ms.iter().enumerate() {
            for (j, &s) in ss.iter().enumerate() {
                grid.push((m, s));
                let row = &table[j * width..(j + 1) * width];
                dens.extend(
                    years
                        .iter()
                        .map(|&t| row[(4 * (t as i64 - base) - i as i64 - q_lo) as usize]),
                );
            }
        }
    } else {
        for &m in &ms {
            for &s in &ss {
                grid.push((m, s));
                denominators(years, m, s, &mut dens);
            }
        }
    }
    let n = years.len();
    for k in ks {
        for (i, &(m, s)) in grid.iter().enumerate() {
            if let Some(e) = sse_below(&dens[i * n..(i + 1) * n], shares, k, best.0) {
                *best = (e, k, m, s);
            }
        }
    }
    dens
}

/// Fits the logistic to cumulative `shares` (0–1) observed at the end of `years`.
pub fn fit_logistic(years: &[i32], shares: &[f64]) -> Option<Fit> {
    let (&y0, &y1) = (years.first()?, years.last()?);
    let last = shares.iter().cloned().fold(0.0, f64::max);
    if last <= 0.0 {
        return None;
    }
    let kmin = last.min(1.0);
    let mut best = (f64::INFINITY, 0.0, 0.0, 0.0);
    let (mlo, mhi) = (y0 as f64 - 3.0, y1 as f64 + 3.0);
    search(
        years,
        shares,
        steps(kmin, 1.0, 0.05).chain([1.0]),
        steps(mlo, mhi, 0.25),
        steps(0.2, 6.0, 0.2),
        Some(y0 as i64 - 3),
        &mut best,
    );
    let (_, k0, m0, s0) = best;
    search(
        years,
        shares,
        steps((k0 - 0.05).max(kmin), (k0 + 0.05).min(1.0), 0.01),
        steps(m0 - 0.3, m0 + 0.3, 0.02),
        steps((s0 - 0.2).max(0.2), s0 + 0.2, 0.02),
        None,
        &mut best,
    );
    let (e, k, m, s) = best;
    Some(Fit {
        saturation: k,
        midpoint: m,
        scale: s,
        rmse: (e / years.len() as f64).sqrt(),
    })
}

/// One instrument's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Instrument.
    pub instrument: String,
    /// Its core.
    pub core: String,
    /// The years of the run, first to last.
    pub years: Vec<i32>,
    /// New adopting provinces per year.
    pub new: Vec<usize>,
    /// Cumulative adopting provinces by the end of each year.
    pub cumulative: Vec<usize>,
    /// First year with ≥ 10 % of provinces adopted.
    pub takeoff: Option<i32>,
    /// The logistic fit, when tried.
    pub fit: Option<Fit>,
    /// Why there is no fit.
    pub note: String,
}

impl Curve {
    /// Provinces that adopted by the last year.
    pub fn adopters(&self) -> usize {
        self.cumulative.last().copied().unwrap_or(0)
    }
}

/// The curve of one instrument from its provinces' adoption years, over `years`
/// (the first to the last year of the run).
pub fn curve(instrument: &str, core: &str, adoption_years: &[i32], years: (i32, i32)) -> Curve {
    let ys: Vec<i32> = (years.0..=years.1).collect();
    let new: Vec<usize> = ys
        .iter()
        .map(|&y| adoption_years.iter().filter(|&&a| a == y).count())
        .collect();
    let cumulative: Vec<usize> = new
        .iter()
        .scan(0, |c, &n| {
            *c += n;
            Some(*c)
        })
        .collect();
    let takeoff = ys
        .iter()
        .zip(&cumulative)
        .find(|(_, &c)| c as f64 >= 0.1 * PROVINCES as f64)
        .map(|(&y, _)| y);
    let distinct_years = new.iter().filter(|&&n| n > 0).count();
    let adopters = cumulative.last().copied().unwrap_or(0);
    let (fit, note) = if ys.len() < 3 {
        (None, format!("only {} year(s) of data", ys.len()))
    } else if adopters < 3 {
        (None, format!("only {adopters} adopting province(s)"))
    } else if distinct_years < 2 {
        (None, "all provinces adopted in one year".to_string())
    } else {
        let shares: Vec<f64> = cumulative
            .iter()
            .map(|&c| c as f64 / PROVINCES as f64)
            .collect();
        let fit = fit_logistic(&ys, &shares);
        let note = match fit {
            Some(f) if f.midpoint > years.1 as f64 => {
                "midpoint after the last year: still rising, extrapolated".to_string()
            }
            Some(f) if f.midpoint < years.0 as f64 => {
                "midpoint before the first year: extrapolated".to_string()
            }
            _ => String::new(),
        };
        (fit, note)
    };
    Curve {
        instrument: instrument.to_string(),
        core: core.to_string(),
        years: ys,
        new,
        cumulative,
        takeoff,
        fit,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::diffuse::plant::{plant, PlantOptions};

    #[test]
    fn sse_below_is_sse_when_below_the_bound_and_none_otherwise() {
        let dens = [1.5, 2.0, 1.1, 3.7, 1.01];
        let shares = [0.1, 0.3, 0.2, 0.05, 0.6];
        for k in [0.3, 0.55, 0.8, 1.0] {
            let e = sse(&dens, &shares, k);
            for bound in [f64::INFINITY, e * 1.5, e, e * 0.5, 0.0] {
                let got = sse_below(&dens, &shares, k, bound);
                if e < bound {
                    assert_eq!(
                        got.map(f64::to_bits),
                        Some(e.to_bits()),
                        "k {k} bound {bound}"
                    );
                } else {
                    assert_eq!(got, None, "k {k} bound {bound}");
                }
            }
        }
        assert_eq!(sse_below(&[f64::NAN], &[0.5], 1.0, f64::INFINITY), None);
    }

    #[test]
    fn recovers_an_exact_logistic() {
        let years: Vec<i32> = (2010..=2024).collect();
        let shares: Vec<f64> = years
            .iter()
            .map(|&t| 0.8 / (1.0 + (-(t as f64 - 2016.4) / 1.3).exp()))
            .collect();
        let f = fit_logistic(&years, &shares).unwrap();
        assert!((f.midpoint - 2016.4).abs() < 0.05, "{f:?}");
        assert!((f.saturation - 0.8).abs() < 0.011, "{f:?}");
        assert!((f.scale - 1.3).abs() < 0.05, "{f:?}");
    }

    #[test]
    fn the_quarter_lattice_gives_the_plain_grid_bit_for_bit() {
        let years: Vec<i32> = (2003..=2024).collect();
        let shares: Vec<f64> = years
            .iter()
            .map(|&t| 0.7 / (1.0 + (-(t as f64 - 2013.3) / 2.1).exp()))
            .collect();
        let run = |m_from: f64, quarters: Option<i64>| {
            let mut best = (f64::INFINITY, 0.0, 0.0, 0.0);
            let dens = search(
                &years,
                &shares,
                steps(0.7, 1.0, 0.05).chain([1.0]),
                steps(m_from, 2027.0, 0.25),
                steps(0.2, 6.0, 0.2),
                quarters,
                &mut best,
            );
            let bits: Vec<u64> = dens.iter().map(|d| d.to_bits()).collect();
            (best, bits)
        };
        let (lattice, lattice_dens) = run(2000.0, Some(2000));
        let (plain, plain_dens) = run(2000.0, None);
        assert_eq!(lattice_dens.len(), 109 * 30 * years.len());
        assert_eq!(lattice_dens, plain_dens);
        assert_eq!(lattice.0.to_bits(), plain.0.to_bits());
        assert_eq!(
            (lattice.1, lattice.2, lattice.3),
            (plain.1, plain.2, plain.3)
        );
        // m off the lattice: the plain computation.
        assert_eq!(run(2000.1, Some(2000)).1, run(2000.1, None).1);
    }

    #[test]
    fn too_little_data_is_not_fitted_and_says_why() {
        let c = curve("x", "supply", &[2015, 2015], (2014, 2016));
        assert!(c.fit.is_none());
        assert_eq!(c.note, "only 2 adopting province(s)");
        assert_eq!(c.cumulative, [0, 2, 2]);
        assert_eq!(c.takeoff, None);
        let c = curve("x", "supply", &[2015, 2016, 2016], (2015, 2016));
        assert_eq!(c.note, "only 2 year(s) of data");
        assert_eq!(c.takeoff, None);
    }

    #[test]
    fn planted_takeoff_and_midpoint_within_one_year() {
        for seed in [1, 2, 3, 11] {
            let p = plant(&PlantOptions {
                seed,
                ..PlantOptions::default()
            });
            for s in &p.schedules {
                let ys: Vec<i32> = s.adoptions.iter().map(|(_, y)| *y).collect();
                let c = curve(&s.instrument, "", &ys, p.options.years);
                let f = c.fit.unwrap();
                assert!(
                    (f.midpoint - s.midpoint).abs() <= 1.0,
                    "{}: {} vs {}",
                    s.instrument,
                    f.midpoint,
                    s.midpoint
                );
                assert!((c.takeoff.unwrap() - s.takeoff).abs() <= 1);
            }
        }
    }
}
