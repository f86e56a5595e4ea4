//! Stable document keys: the document part of unit ids (`k7rm2e-2-4`).
//!
//! A document's key is derived from its path relative to its input folder, so adding or
//! removing other files never changes it (a number in path order renumbered every later
//! document). The key is the SHA-256 of the path (NFC, `/` separators) written in a
//! 32-symbol alphabet without look-alikes (`l`, `o`, `0`, `1`); its first symbol is
//! always a letter, so that neither a key nor a unit id reads as a number or a date in a
//! spreadsheet. Six symbols (24 × 32⁵ ≈ 805 million values) keep collisions rare: among
//! 10,000 documents two share a key with probability about 6 %. When they do, every
//! document of the colliding group gets as many more symbols as it takes to tell them
//! apart; the longer key extends the short one, so the rest of the run keeps its keys.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// Symbols of a key after the first (lowercase base-32 without `l`, `o`, `0`, `1`).
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
/// Symbols allowed first: the letters of [`ALPHABET`].
const FIRST: usize = 24;
/// Length of a key when nothing collides.
pub const KEY_LEN: usize = 6;
/// Longest key: the symbols 128 bits of the digest give.
pub const MAX_KEY_LEN: usize = 25;

/// The full-length key of `rel` (a path relative to its input folder); a key of length
/// `n` is its first `n` symbols. `\` separators count as `/`, and the path is compared
/// in Unicode NFC, so a corpus copied between Windows, macOS and Linux keeps its keys.
pub fn full_key(rel: &str) -> String {
    let canonical: String = rel.replace('\\', "/").nfc().collect();
    let digest = Sha256::digest(canonical.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let mut n = u128::from_be_bytes(bytes);
    let mut key = String::with_capacity(MAX_KEY_LEN);
    key.push(ALPHABET[(n % FIRST as u128) as usize] as char);
    n /= FIRST as u128;
    for _ in 1..MAX_KEY_LEN {
        key.push(ALPHABET[(n % 32) as usize] as char);
        n /= 32;
    }
    key
}

/// The key of `rel` when no other document of the run collides with it.
pub fn key(rel: &str) -> String {
    let mut k = full_key(rel);
    k.truncate(KEY_LEN);
    k
}

/// Keys of the documents `rels` of one run, in the same order: [`KEY_LEN`] symbols, more
/// for documents whose short keys collide (each colliding group is lengthened until its
/// keys differ). The same relative path given twice (two input folders holding
/// `a/notice.txt`) is told apart by its occurrence: the second is keyed as
/// `a/notice.txt#2`, the third `#3`, in the order given (sorted path order in a run).
pub fn assign(rels: &[&str]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let full: Vec<String> = rels
        .iter()
        .map(|rel| {
            let n = seen.entry(rel).or_default();
            *n += 1;
            if *n == 1 {
                full_key(rel)
            } else {
                full_key(&format!("{rel}#{n}"))
            }
        })
        .collect();
    let mut len = vec![KEY_LEN; full.len()];
    loop {
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, k) in full.iter().enumerate() {
            groups.entry(&k[..len[i]]).or_default().push(i);
        }
        let mut grew = false;
        for members in groups.values().filter(|m| m.len() > 1) {
            for &i in members {
                if len[i] < MAX_KEY_LEN {
                    len[i] += 1;
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    full.into_iter()
        .zip(len)
        .map(|(mut k, n)| {
            k.truncate(n);
            k
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_by_the_path_alone() {
        assert_eq!(key("a/b.txt"), key("a\\b.txt"));
        // NFD (as macOS writes names) and NFC are one path.
        assert_eq!(key("e\u{301}.txt"), key("\u{e9}.txt"));
        assert_ne!(key("a/b.txt"), key("a/c.txt"));
    }

    #[test]
    fn keys_are_pinned() {
        // Computed independently (Python: hashlib.sha256, the first 16 bytes big-endian,
        // then mod 24 and mod 32 into the alphabet).
        let k = key("central/2015_guoban_fanxiang_chuangye_yijian.txt");
        assert_eq!(
            k, "a6ayyu",
            "the key scheme changed: every unit id would move"
        );
    }

    #[test]
    fn keys_start_with_a_letter_and_use_the_alphabet() {
        for i in 0..2000 {
            let k = full_key(&format!("doc{i}.txt"));
            assert_eq!(k.len(), MAX_KEY_LEN);
            assert!(k.as_bytes()[0].is_ascii_lowercase(), "{k}");
            assert!(k.bytes().all(|b| ALPHABET.contains(&b)), "{k}");
        }
    }

    #[test]
    fn adding_a_document_keeps_the_others_keys() {
        let before: Vec<String> = (0..50).map(|i| format!("local/{i:03}.txt")).collect();
        let refs: Vec<&str> = before.iter().map(String::as_str).collect();
        let a = assign(&refs);
        let mut more = refs.clone();
        more.insert(10, "local/new.txt");
        more.insert(0, "central/first.txt");
        let b = assign(&more);
        for (rel, k) in refs.iter().zip(&a) {
            let j = more.iter().position(|r| r == rel).unwrap();
            assert_eq!(&b[j], k, "{rel}");
        }
        assert!(a.iter().all(|k| k.len() == KEY_LEN));
    }

    #[test]
    fn colliding_keys_are_lengthened_until_they_differ() {
        // Search a pair of paths whose six-symbol keys collide (about 1 in 805 million
        // per pair, so among ~60,000 paths a pair is likely; the search is deterministic).
        let mut by_key: std::collections::HashMap<String, String> = Default::default();
        let mut pair = None;
        for i in 0..400_000u32 {
            let rel = format!("p{i}.txt");
            if let Some(other) = by_key.insert(key(&rel), rel.clone()) {
                pair = Some((other, rel));
                break;
            }
        }
        let (a, b) = pair.expect("a colliding pair among 400,000 paths");
        let keys = assign(&[a.as_str(), "other.txt", b.as_str()]);
        assert_ne!(keys[0], keys[2]);
        assert!(keys[0].len() > KEY_LEN && keys[0].len() == keys[2].len());
        assert!(keys[0].starts_with(&key(&a)) && keys[2].starts_with(&key(&b)));
        assert_eq!(keys[1], key("other.txt"));
        // Lengthening is deterministic.
        assert_eq!(keys, assign(&[a.as_str(), "other.txt", b.as_str()]));
    }

    #[test]
    fn the_same_path_twice_gets_two_keys() {
        let keys = assign(&["a.txt", "a.txt", "b.txt"]);
        assert_eq!(keys[0], key("a.txt"));
        assert_ne!(keys[0], keys[1]);
        assert_eq!(keys[1], key("a.txt#2"));
        assert_eq!(keys[2], key("b.txt"));
    }
}
