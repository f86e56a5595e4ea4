//! Text reuse: near-duplicate clauses across documents, found with MinHash and
//! locality-sensitive hashing (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of
//! Massive Datasets*, ch. 3) so that all pairs are never compared.
//!
//! - A clause is a body unit. Its text is reduced to letters and digits (punctuation and
//!   spaces dropped, lower-cased); a Chinese clause becomes the set of its
//!   [`SHINGLE_ZH`]-character shingles, an English one the set of its [`SHINGLE_EN`]-word
//!   shingles. Clauses with fewer than [`MIN_SHINGLES`] shingles are left out (headings,
//!   short phrases).
//! - Each set gets a MinHash signature of [`HASHES`] seeded hash functions; the share of
//!   equal positions in two signatures estimates their Jaccard similarity.
//! - The signature is cut into [`BANDS`] bands of [`ROWS`] rows: clauses equal in at least
//!   one band become candidates (a pair with similarity 0.6 is a candidate with probability
//!   1 − (1 − 0.6³)⁴⁰ = 0.9999). Candidates are verified against [`THRESHOLD`] (estimated
//!   Jaccard ≥ 0.6: a 40-character clause with one character changed, Jaccard about 0.75,
//!   stays above it; with 120 hash functions the estimate's standard error is about 0.04).
//! - Direction: from the earlier document to the later (year, then date, then document
//!   order within an undated year, which `same_year` flags). Each later clause is linked to
//!   its **earliest** near-duplicate in another document, so a clause passed from the centre
//!   to thirty provinces gives thirty pairs, not 465.
//! - Scale: one band at a time, its (band hash, clause) list is sorted and each clause is
//!   compared with at most [`BUCKET_CAP`] of the earliest clauses of its bucket. Memory is
//!   one signature per clause; the work is linear in the clauses.

use super::input::{Doc, Unit};
use crate::util::rng::SplitMix64;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Characters per shingle (Chinese).
pub const SHINGLE_ZH: usize = 5;
/// Words per shingle (English).
pub const SHINGLE_EN: usize = 3;
/// Fewest shingles a clause needs to be compared.
pub const MIN_SHINGLES: usize = 8;
/// MinHash functions.
pub const HASHES: usize = BANDS * ROWS;
/// LSH bands.
pub const BANDS: usize = 40;
/// Rows per band.
pub const ROWS: usize = 3;
/// Estimated Jaccard similarity at or above which two clauses are reuse.
pub const THRESHOLD: f64 = 0.6;
/// Earliest members of a bucket each clause is compared with.
pub const BUCKET_CAP: usize = 4;

/// A clause's signature.
#[derive(Debug, Clone)]
pub struct Clause {
    /// Document index.
    pub doc: u32,
    /// Unit id.
    pub unit_id: String,
    /// MinHash signature.
    pub sig: [u16; HASHES],
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut h: u64) -> u64 {
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Mixed, so that near shingles land far apart.
    mix(h)
}

/// A clause's leading item number (（一）, 一、, 1., (a), 第三条, Article 3), which says where
/// a clause stands, not what it says.
fn strip_numbering(text: &str) -> &str {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^\s*(?:[（(][一二三四五六七八九十0-9a-zA-Z]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|[0-9]{1,3}[.、．](?:[0-9]{1,3}[.．]?)*|第[一二三四五六七八九十百零0-9]{1,5}条|(?i:article)\s+[0-9]+\.?|[①-⑳])\s*",
        )
        .expect("valid pattern")
    });
    match re.find(text) {
        Some(m) => &text[m.end()..],
        None => text,
    }
}

/// The shingle hashes of a clause (sorted, without duplicates), its leading item number
/// left out.
pub fn shingles(text: &str, lang: &str) -> Vec<u64> {
    let text = strip_numbering(text);
    let mut out: Vec<u64> = if lang == "en" {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words
            .windows(SHINGLE_EN)
            .map(|w| fnv(w.join(" ").as_bytes()))
            .collect()
    } else {
        let chars: Vec<u32> = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .map(u32::from)
            .collect();
        chars
            .windows(SHINGLE_ZH)
            .map(|w| {
                mix(w.iter().fold(0u64, |h, &c| {
                    h.wrapping_mul(0x0010_0000_0000_01B3) ^ c as u64
                }))
            })
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// The seeded hash functions: (odd multiplier, addend) pairs.
pub fn hash_functions(seed: u64) -> Vec<(u64, u64)> {
    let mut r = SplitMix64::new(seed);
    (0..HASHES)
        .map(|_| (r.next_u64() | 1, r.next_u64()))
        .collect()
}

/// The MinHash signature of a shingle set (None when it has fewer than [`MIN_SHINGLES`]).
pub fn signature(shingles: &[u64], funcs: &[(u64, u64)]) -> Option<[u16; HASHES]> {
    if shingles.len() < MIN_SHINGLES {
        return None;
    }
    let mut a = [0u64; HASHES];
    let mut b = [0u64; HASHES];
    for (k, &(x, y)) in funcs.iter().take(HASHES).enumerate() {
        a[k] = x;
        b[k] = y;
    }
    let mut min = [u64::MAX; HASHES];
    for &x in shingles {
        for k in 0..HASHES {
            min[k] = min[k].min(a[k].wrapping_mul(x).wrapping_add(b[k]));
        }
    }
    // b-bit MinHash (Li & König 2010): the 16 high bits of each minimum are kept; two
    // different minima agree on them by chance with probability 2⁻¹⁶, negligible here.
    let mut sig = [0u16; HASHES];
    for k in 0..HASHES {
        sig[k] = (min[k] >> 48) as u16;
    }
    Some(sig)
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u16; HASHES], b: &[u16; HASHES]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / HASHES as f64
}

/// Signatures of a chunk of units (in parallel), leaving out documents without a year.
pub fn signatures(units: &[Unit], docs: &[Doc], funcs: &[(u64, u64)]) -> Vec<Clause> {
    units
        .par_iter()
        .filter(|u| docs[u.doc].year.is_some())
        .filter_map(|u| {
            signature(&shingles(&u.text, &u.lang), funcs).map(|sig| Clause {
                doc: u.doc as u32,
                unit_id: u.unit_id.clone(),
                sig,
            })
        })
        .collect()
}

/// A clause reused: `later` (index into clauses) from its earliest near-duplicate `source`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The earlier clause.
    pub source: usize,
    /// The later clause.
    pub later: usize,
    /// Estimated Jaccard similarity.
    pub similarity: f64,
}

/// Finds, for every clause, its earliest near-duplicate in another, earlier document.
pub fn links(clauses: &[Clause], docs: &[Doc]) -> Vec<Link> {
    let key = |i: usize| super::adoption::time_key(&docs[clauses[i].doc as usize]);
    // Clauses in time order: their rank is what buckets sort by and what `best` holds.
    let mut order: Vec<usize> = (0..clauses.len()).collect();
    order.sort_by_key(|&i| (key(i), i));
    let keys: Vec<(i32, u32, u32, usize)> = order.iter().map(|&i| key(i)).collect();
    let sig = |r: u32| &clauses[order[r as usize]].sig;
    let doc = |r: u32| clauses[order[r as usize]].doc;
    // Per rank: the rank of its earliest near-duplicate so far, and the similarity.
    let mut best: Vec<Option<(u32, f64)>> = vec![None; clauses.len()];
    let mut band: Vec<(u64, u32)> = Vec::with_capacity(clauses.len());
    let mut starts: Vec<u32> = Vec::with_capacity(clauses.len());
    for b in 0..BANDS {
        band.clear();
        band.par_extend((0..clauses.len() as u32).into_par_iter().map(|r| {
            let mut h: u64 = b as u64;
            for &v in &sig(r)[b * ROWS..(b + 1) * ROWS] {
                h = mix(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ v as u64);
            }
            (h, r)
        }));
        band.par_sort_unstable();
        // Where each position's bucket starts.
        starts.clear();
        for j in 0..band.len() {
            starts.push(if j > 0 && band[j].0 == band[j - 1].0 {
                starts[j - 1]
            } else {
                j as u32
            });
        }
        // Each clause is in one bucket per band, so positions are independent.
        let updates: Vec<(u32, u32, f64)> = (0..band.len())
            .into_par_iter()
            .filter_map(|j| {
                let later = band[j].1;
                let mut seen = 0;
                for &(_, src) in &band[starts[j] as usize..j] {
                    if doc(src) == doc(later) {
                        continue;
                    }
                    if keys[src as usize] >= keys[later as usize] {
                        break;
                    }
                    seen += 1;
                    if seen > BUCKET_CAP {
                        break;
                    }
                    if best[later as usize].is_some_and(|(s, _)| s <= src) {
                        break;
                    }
                    let sim = similarity(sig(src), sig(later));
                    if sim >= THRESHOLD {
                        return Some((later, src, sim));
                    }
                }
                None
            })
            .collect();
        for (later, src, sim) in updates {
            best[later as usize] = Some((src, sim));
        }
    }
    let mut out: Vec<Link> = best
        .into_iter()
        .enumerate()
        .filter_map(|(later, b)| {
            b.map(|(s, sim)| Link {
                source: order[s as usize],
                later: order[later],
                similarity: sim,
            })
        })
        .collect();
    out.sort_by_key(|l| l.later);
    out
}

/// (earlier unit, later unit, similarity).
pub type ClausePair = (String, String, f64);

/// Reuse between two documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DocPair {
    /// The earlier document.
    pub earlier: usize,
    /// The later document.
    pub later: usize,
    /// (earlier unit, later unit, similarity) of each clause pair.
    pub clauses: Vec<ClausePair>,
    /// Both in the same year with no dates to order them (direction by document order).
    pub same_year: bool,
}

/// The flow of a pair: `central→local`, `local→central`, `central→central`,
/// `local→local (same region)`, `local→local (other region)`, or `other`.
pub fn flow(docs: &[Doc], p: &DocPair) -> &'static str {
    let (a, b) = (&docs[p.earlier], &docs[p.later]);
    match (a.level.as_str(), b.level.as_str()) {
        ("central", "local") => "central→local",
        ("local", "central") => "local→central",
        ("central", "central") => "central→central",
        ("local", "local") if a.region == b.region && !a.region.is_empty() => {
            "local→local (same region)"
        }
        ("local", "local") => "local→local (other region)",
        _ => "other",
    }
}

/// Groups clause links into document pairs, sorted by earlier then later document.
pub fn doc_pairs(clauses: &[Clause], links: &[Link], docs: &[Doc]) -> Vec<DocPair> {
    let mut m: BTreeMap<(usize, usize), Vec<ClausePair>> = BTreeMap::new();
    for l in links {
        let (s, t) = (&clauses[l.source], &clauses[l.later]);
        m.entry((s.doc as usize, t.doc as usize))
            .or_default()
            .push((s.unit_id.clone(), t.unit_id.clone(), l.similarity));
    }
    m.into_iter()
        .map(|((a, b), mut c)| {
            c.sort_by(|x, y| (&x.1, &x.0).cmp(&(&y.1, &y.0)));
            DocPair {
                earlier: a,
                later: b,
                clauses: c,
                same_year: super::input::time_order(&docs[a], &docs[b]).is_none(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_are_similar_and_others_are_not() {
        let f = hash_functions(7);
        let a = "对首次创业的返乡人员，按规定给予一次性创业补贴，所需资金从就业补助资金中列支。";
        let b = "对首次创业的返乡人员，按规定给予一次性创业补贴，所需资金从就业专项资金中列支。";
        let c = "广泛宣传返乡创业政策和典型经验，营造全社会支持返乡创业的良好舆论氛围。";
        let s = |t: &str| signature(&shingles(t, "zh"), &f).unwrap();
        assert!(similarity(&s(a), &s(b)) >= THRESHOLD);
        assert!(similarity(&s(a), &s(c)) < 0.2);
        assert!(signature(&shingles("加强组织领导", "zh"), &f).is_none());
        let e1 = "Member States shall ensure that returning migrants receive start-up grants and training.";
        let e2 = "Member states shall ensure that returning migrants receive start-up grants and advice.";
        let sig = |t: &str| signature(&shingles(t, "en"), &f).unwrap();
        assert!(similarity(&sig(e1), &sig(e2)) >= 0.5);
    }

    #[test]
    fn item_numbers_are_not_shingled() {
        for (a, b) in [
            ("（一）给予一次性创业补贴", "（二）给予一次性创业补贴"),
            ("一、给予一次性创业补贴", "3.给予一次性创业补贴"),
            ("第十二条 给予一次性创业补贴", "给予一次性创业补贴"),
        ] {
            assert_eq!(shingles(a, "zh"), shingles(b, "zh"), "{a} / {b}");
        }
        assert_eq!(
            shingles("Article 3. Member States shall", "en"),
            shingles("(b) Member States shall", "en")
        );
    }

    #[test]
    fn shingles_ignore_punctuation_and_case() {
        assert_eq!(
            shingles("给予，创业 补贴。", "zh"),
            shingles("给予创业补贴", "zh")
        );
        assert_eq!(shingles("A b C d", "en"), shingles("a, B; c d", "en"));
    }
}
