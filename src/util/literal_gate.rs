//! Which of a list of regexes could match a text, told by the literal strings each one
//! cannot match without.
//!
//! `给予[^。；]{0,12}\d[^。；]{0,8}(?:奖励|补贴)` matches only a text holding 给予 and one of
//! 奖励 / 补贴. One pass over a unit finds which of all such literals it
//! holds (a scan of its bytes, nearly all ruled out by one bit for the four bytes there); a regex
//! whose required literals are not all there is not run. Most units hold
//! none of the codebook's combinations, and the few regexes left run alone. This replaced
//! one lazy DFA over every regex at once, whose bounded gaps over CJK text made so many
//! states that its searches stalled on memory (20 MB bench corpus, one thread: about 7 %
//! of the run's time in samples, against under 2 % of its instructions).
//!
//! The test is one-sided: a regex it lets through may still not match, but one it holds
//! back cannot match.

use regex_syntax::hir::{Hir, HirKind};

/// The literals each of a list of regexes requires, indexed by their first four bytes.
#[derive(Debug)]
pub struct LiteralGate {
    /// Bit `key_hash(k)` set when some literal starts with the four bytes `k`: at nearly
    /// every byte of a text one load from this 8 KiB table rules it out.
    key_bits: Box<[u64; KEY_WORDS]>,
    /// Per first four bytes (little-endian), sorted: the literals that start so.
    by_key: Vec<(u32, Vec<Literal>)>,
    /// Per regex: its clauses, each the literal ids of which at least one must occur.
    /// A regex without clauses is always a candidate.
    needs: Vec<Vec<Vec<u32>>>,
    literals: usize,
}

const KEY_WORDS: usize = 1024;

/// A required literal's bytes and its id.
type Literal = (Box<[u8]>, u32);

/// A conjunction of clauses; each clause is a disjunction of literals.
type Clauses = Vec<Vec<String>>;

/// A bit of the 65,536 in [`LiteralGate::key_bits`] for the four bytes `key`.
fn key_hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// The first four bytes of `b` as a little-endian number.
fn key_at(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

impl LiteralGate {
    /// Reads the required literals of `patterns` (regex syntax, as the `regex` crate reads
    /// it). A pattern that does not parse, or requires no literal, is always a candidate.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> LiteralGate {
        let mut ids: Vec<String> = Vec::new();
        let mut needs = Vec::with_capacity(patterns.len());
        for p in patterns {
            let clauses = regex_syntax::parse(p.as_ref())
                .map(|hir| required(&hir))
                .unwrap_or_default();
            let mut mine = Vec::with_capacity(clauses.len());
            for clause in clauses {
                // A literal of one character (为, 由) is in nearly every unit, and one
                // shorter than four bytes has no key: its clause is not looked for.
                if clause
                    .iter()
                    .any(|lit| lit.chars().nth(1).is_none() || lit.len() < 4)
                {
                    continue;
                }
                let mut alts: Vec<u32> = clause
                    .into_iter()
                    .map(|lit| match ids.iter().position(|l| *l == lit) {
                        Some(i) => i as u32,
                        None => {
                            ids.push(lit);
                            (ids.len() - 1) as u32
                        }
                    })
                    .collect();
                alts.sort_unstable();
                alts.dedup();
                mine.push(alts);
            }
            needs.push(mine);
        }
        let mut key_bits = Box::new([0u64; KEY_WORDS]);
        let mut by_key: Vec<(u32, Vec<Literal>)> = Vec::new();
        for (id, lit) in ids.iter().enumerate() {
            let key = key_at(lit.as_bytes());
            let bit = key_hash(key);
            key_bits[bit / 64] |= 1 << (bit % 64);
            let entry = (lit.as_bytes().into(), id as u32);
            match by_key.binary_search_by_key(&key, |e| e.0) {
                Ok(i) => by_key[i].1.push(entry),
                Err(i) => by_key.insert(i, (key, vec![entry])),
            }
        }
        LiteralGate {
            key_bits,
            by_key,
            needs,
            literals: ids.len(),
        }
    }

    /// Sets `out[k]` to whether regex `k` could match `text`; returns whether any could.
    /// `seen` is scratch space reused across calls.
    pub fn candidates(&self, text: &str, seen: &mut Vec<bool>, out: &mut Vec<bool>) -> bool {
        seen.clear();
        seen.resize(self.literals, false);
        let mut any_seen = false;
        let bytes = text.as_bytes();
        if self.literals > 0 {
            // Every byte position is tried, continuation bytes too: no literal starts
            // there, so a key read there only costs a lookup when its bit collides.
            for (at, w) in bytes.windows(4).enumerate() {
                let key = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                let bit = key_hash(key);
                if self.key_bits[bit / 64] & (1 << (bit % 64)) == 0 {
                    continue;
                }
                if let Ok(i) = self.by_key.binary_search_by_key(&key, |e| e.0) {
                    for (lit, id) in &self.by_key[i].1 {
                        if bytes[at..].starts_with(lit) {
                            seen[*id as usize] = true;
                            any_seen = true;
                        }
                    }
                }
            }
        }
        out.clear();
        out.extend(self.needs.iter().map(|clauses| {
            clauses.is_empty()
                || (any_seen
                    && clauses
                        .iter()
                        .all(|alts| alts.iter().any(|&i| seen[i as usize])))
        }));
        out.iter().any(|&c| c)
    }
}

/// The clauses a match of `hir` must satisfy: each clause lists literals of which the
/// matched text holds at least one. Empty when nothing is required.
fn required(hir: &Hir) -> Clauses {
    match hir.kind() {
        // Literals of a UTF-8 pattern are whole characters; a byte literal is let go.
        HirKind::Literal(lit) => match std::str::from_utf8(&lit.0) {
            Ok(s) if !s.is_empty() => vec![vec![s.to_string()]],
            _ => Vec::new(),
        },
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min > 0 => required(&r.sub),
        HirKind::Concat(subs) => subs.iter().flat_map(required).collect(),
        HirKind::Alternation(subs) => {
            // One branch matches, so the most selective clause of each branch, joined,
            // is a clause of the whole; a branch that requires nothing requires nothing of
            // the whole.
            let mut joined = Vec::new();
            for sub in subs {
                let best = required(sub)
                    .into_iter()
                    .max_by_key(|alts| alts.iter().map(String::len).min().unwrap_or(0));
                match best {
                    Some(alts) => joined.extend(alts),
                    None => return Vec::new(),
                }
            }
            vec![joined]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: [&str; 6] = [
        r"给予[^。;；]{0,12}\d[^。;；]{0,8}(?:奖励|补贴)",
        r"(?:奖励|补贴)(?:资金)?\d+(?:\.\d+)?万?元",
        r"加强(?:组织|统一)?领导",
        r"\bgrant\b",
        r"(?i)loan",
        r"(?:主管部门|部门)负责",
    ];

    fn candidates(gate: &LiteralGate, text: &str) -> Vec<usize> {
        let (mut seen, mut out) = (Vec::new(), Vec::new());
        gate.candidates(text, &mut seen, &mut out);
        (0..out.len()).filter(|&k| out[k]).collect()
    }

    #[test]
    fn reads_the_literals_a_pattern_requires() {
        let lits = |p: &str| required(&regex_syntax::parse(p).expect("valid"));
        assert_eq!(lits(PATTERNS[0]), vec![vec!["给予"], vec!["奖励", "补贴"]]);
        // The optional group requires nothing; both ends do.
        assert_eq!(lits(PATTERNS[2]).len(), 2);
        // Case-insensitive letters are classes, not literals.
        assert!(lits(PATTERNS[4]).is_empty());
        // A branch that requires nothing makes the alternation require nothing.
        assert!(lits("(?:奖励|\\d+)元").len() == 1);
    }

    #[test]
    fn never_holds_back_a_regex_that_matches() {
        let gate = LiteralGate::new(&PATTERNS);
        let regexes: Vec<regex::Regex> = PATTERNS
            .iter()
            .map(|p| regex::Regex::new(p).expect("valid"))
            .collect();
        for text in [
            "",
            "对符合条件的给予一次性5000元奖励，补贴资金3万元。",
            "给予奖励。补贴",
            "要加强领导，加强组织领导",
            "a grant, grants, a LOAN",
            "无关文字",
            "由主管部门负责",
        ] {
            let got = candidates(&gate, text);
            for (k, re) in regexes.iter().enumerate() {
                if re.is_match(text) {
                    assert!(got.contains(&k), "{text}: pattern {k} held back");
                }
            }
        }
    }

    #[test]
    fn holds_back_regexes_whose_literals_are_missing() {
        let gate = LiteralGate::new(&PATTERNS);
        // Only the case-insensitive pattern, which requires no literal, is left.
        assert_eq!(candidates(&gate, "无关文字"), vec![4]);
        assert_eq!(candidates(&gate, "给"), vec![4]);
        // 给予 without 奖励 or 补贴.
        assert_eq!(candidates(&gate, "给予支持"), vec![4]);
        // 元 alone is not looked for: the second pattern needs only 奖励 or 补贴.
        assert_eq!(candidates(&gate, "给予5000元奖励"), vec![0, 1, 4]);
        assert_eq!(candidates(&gate, "给予奖励"), vec![0, 1, 4]);
        // 部门 is found inside 主管部门 too (overlapping matches).
        assert_eq!(candidates(&gate, "主管部门负责"), vec![4, 5]);
    }
}
