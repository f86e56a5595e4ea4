//! Text normalisation for matching, with a map back to the original characters.
//!
//! Matching runs on NFKC text (full-width ASCII becomes half-width, compatibility
//! ideographs become unified ones) with one line-break convention; evidence must point
//! at the text the researcher has, so every normalised byte remembers the original
//! character it came from.

use unicode_normalization::UnicodeNormalization;

/// Normalised text plus the offset map.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// Where the map from normalised bytes to original characters changes course, by
    /// byte; the last one is at `text.len()`. A map entry per byte would cost four bytes
    /// of memory per byte of text.
    marks: Vec<Mark>,
}

/// From `byte` on (to the next mark), the normalised text corresponds to the original
/// text starting at character `orig`: character for character when `one_to_one`, else
/// every byte comes from that one character (an NFKC expansion such as ㈠ → (一)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    byte: u32,
    orig: u32,
    one_to_one: bool,
}

/// Bytes of one-to-one text after which a new mark is set, so that a lookup counts
/// at most about this many bytes.
const MARK_EVERY: usize = 64;

impl Normalized {
    /// Char offset in the original text of normalised byte offset `byte`
    /// (`byte == text.len()` maps to the original length).
    pub fn original_char(&self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        let at = self.marks.partition_point(|m| m.byte as usize <= byte);
        let Some(m) = at.checked_sub(1).map(|i| self.marks[i]) else {
            return 0;
        };
        if !m.one_to_one {
            return m.orig as usize;
        }
        // Characters started between the mark and `byte`, `byte`'s own included.
        let span = &self.text.as_bytes()[m.byte as usize..=byte];
        m.orig as usize + span.len() - continuation_bytes(span) - 1
    }

    /// Original char span `[start, end)` of the normalised byte span `[start, end)`.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if end <= start {
            let s = self.original_char(start);
            return (s, s);
        }
        // The end is one past the original char that produced the last normalised byte.
        (self.original_char(start), self.original_char(end - 1) + 1)
    }
}

/// UTF-8 continuation bytes (10xxxxxx) in `bytes`, eight at a time.
fn continuation_bytes(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        // Top bit set and the next bit clear.
        n += (w & !(w << 1) & HIGH).count_ones() as usize;
    }
    n + chunks
        .remainder()
        .iter()
        .filter(|&&b| b & 0xC0 == 0x80)
        .count()
}

/// Appends the normalisation of the character `c` (followed by the byte `next`) to `out`.
fn normalize_char(c: char, next: Option<u8>, out: &mut String) {
    match c {
        '\r' => {
            if next != Some(b'\n') {
                out.push('\n');
            }
        }
        '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{0B}' | '\u{0C}' => out.push('\n'),
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{00AD}' => {}
        c if kept(c) => out.push(c),
        c => out.extend(std::iter::once(c).nfkc()),
    }
}

/// Normalises `original`: NFKC per character, CRLF/CR and Unicode line separators to
/// `\n`, zero-width characters removed. Circled numbers (①…⑳) are kept because they
/// mark list items and NFKC would turn them into bare digits.
pub fn normalize(original: &str) -> Normalized {
    let bytes = original.as_bytes();
    let mut text = String::with_capacity(original.len());
    let mut marks: Vec<Mark> = Vec::new();
    // `last_mark` is the byte of the last one-to-one mark; `None` when the next output
    // needs a new one (at the start, and after a character that was dropped or expanded).
    let mut last_mark: Option<usize> = None;
    let (mut i, mut idx) = (0usize, 0u32);
    while i < bytes.len() {
        if last_mark.is_none_or(|m| text.len() - m >= MARK_EVERY) {
            marks.push(Mark {
                byte: text.len() as u32,
                orig: idx,
                one_to_one: true,
            });
            last_mark = Some(text.len());
        }
        // The bulk of a policy text (ASCII and the Han characters U+4000–U+9FFF, whose
        // UTF-8 lead bytes are E4–E9) is unchanged by NFKC: copy it in runs.
        let run = i;
        let run_end = bytes.len().min(i + MARK_EVERY);
        while i < run_end {
            let b = bytes[i];
            if b < 0x80 && ascii_kept(b) {
                i += 1;
            } else if crate::util::lang::is_han_lead_byte(b) {
                i += 3;
            } else {
                break;
            }
            idx += 1;
        }
        text.push_str(&original[run..i]);
        if i >= run_end {
            continue;
        }
        let Some(c) = original[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        let before = text.len();
        normalize_char(c, bytes.get(i).copied(), &mut text);
        let added = &text[before..];
        let mut chars = added.chars();
        match (chars.next(), chars.next()) {
            // One character for one: the current mark still counts right.
            (Some(_), None) => {}
            (None, _) => last_mark = None,
            (Some(_), Some(_)) => {
                marks.push(Mark {
                    byte: before as u32,
                    orig: idx,
                    one_to_one: false,
                });
                last_mark = None;
            }
        }
        idx += 1;
    }
    marks.push(Mark {
        byte: text.len() as u32,
        orig: idx,
        one_to_one: false,
    });
    Normalized { text, marks }
}

/// ASCII that normalisation leaves as it is: all but the line breaks it rewrites.
fn ascii_kept(b: u8) -> bool {
    !matches!(b, b'\r' | 0x0B | 0x0C)
}

/// Characters that normalisation leaves as they are (NFKC maps each to itself): the
/// bulk of a policy text, copied in runs.
fn kept(c: char) -> bool {
    if c.is_ascii() {
        return ascii_kept(c as u8);
    }
    matches!(c,
        '\u{3400}'..='\u{9FFF}'
        | '\u{2460}'..='\u{2473}'
        | '、' | '。' | '《' | '》' | '「' | '」' | '『' | '』' | '〈' | '〉' | '【' | '】'
        | '“' | '”' | '‘' | '’' | '—' | '·')
}

/// Converts Traditional Chinese to Simplified for matching when the text looks Traditional
/// (at least 5 % of its Han characters change). Characters are replaced one for one and only
/// by characters of the same UTF-8 length, so the offset map stays valid and evidence still
/// points at the original text. Returns whether the text was converted.
pub fn simplify_if_traditional(n: &mut Normalized) -> bool {
    // Decide on the first 200 characters: a Simplified text is left alone without
    // converting all of it.
    let cut = n
        .text
        .char_indices()
        .nth(200)
        .map_or(n.text.len(), |(i, _)| i);
    if cut < n.text.len() {
        let head = &n.text[..cut];
        let converted = fast2s::convert(head);
        let (mut han, mut changed) = (0usize, 0usize);
        for (a, b) in head.chars().zip(converted.chars()) {
            if crate::util::lang::is_han(a) {
                han += 1;
                changed += usize::from(a != b);
            }
        }
        if han == 0 || changed * 20 < han {
            return false;
        }
    }
    let converted = fast2s::convert(&n.text);
    if converted.chars().count() != n.text.chars().count() {
        return false;
    }
    let (mut han, mut changed) = (0usize, 0usize);
    let mut out = String::with_capacity(n.text.len());
    for (a, b) in n.text.chars().zip(converted.chars()) {
        let same_len = a.len_utf8() == b.len_utf8();
        if crate::util::lang::is_han(a) {
            han += 1;
            changed += usize::from(a != b && same_len);
        }
        out.push(if same_len { b } else { a });
    }
    if han == 0 || changed * 20 < han {
        return false;
    }
    n.text = out;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_copied_in_runs_are_their_own_nfkc() {
        // Circled numbers are kept on purpose (they mark list items).
        let circled = '\u{2460}'..='\u{2473}';
        for c in (0..=0xFFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| kept(c) && !circled.contains(&c))
        {
            let n: String = std::iter::once(c).nfkc().collect();
            assert_eq!(n, c.to_string(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn every_byte_of_a_run_maps_to_its_character() {
        let text = "ab第一条“①”\r\nＡ创业。x";
        let n = normalize(text);
        assert_eq!(n.text, "ab第一条“①”\nA创业。x");
        let originals: Vec<char> = text.chars().collect();
        for (b, c) in n.text.char_indices() {
            let o = originals[n.original_char(b)];
            // \r\n keeps its \n; Ａ became A.
            let expect = if c == 'A' { 'Ａ' } else { c };
            assert_eq!(o, expect, "byte {b}");
            for k in b..b + c.len_utf8() {
                assert_eq!(n.original_char(k), n.original_char(b));
            }
        }
        assert_eq!(n.original_char(n.text.len()), originals.len());
    }

    /// The map one entry per byte, built character by character: what the marks must
    /// reproduce.
    fn dense_map(original: &str) -> (String, Vec<usize>) {
        let (mut text, mut map) = (String::new(), Vec::new());
        let chars: Vec<(usize, char)> = original.char_indices().collect();
        for (j, &(at, c)) in chars.iter().enumerate() {
            normalize_char(
                c,
                original.as_bytes().get(at + c.len_utf8()).copied(),
                &mut text,
            );
            map.resize(text.len(), j);
        }
        map.push(chars.len());
        (text, map)
    }

    proptest::proptest! {
        #[test]
        fn marks_map_every_byte_like_a_full_map(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "创业", "a", "Ｂ", "１", "\r\n", "\r", "\u{200B}", "\u{2028}", "㈠", "①",
                    "“", "、", "ﬁ", "\u{3400}", "é", "e\u{301}", "𠀀", " ", "。",
                ]),
                0..400,
            )
        ) {
            let original = pieces.concat();
            let n = normalize(&original);
            let (text, map) = dense_map(&original);
            proptest::prop_assert_eq!(&n.text, &text);
            for (b, &o) in map.iter().enumerate() {
                proptest::prop_assert_eq!(n.original_char(b), o, "byte {}", b);
            }
        }
    }

    #[test]
    fn continuation_bytes_are_counted_eight_at_a_time() {
        let text = "a创业é𠀀。bc\u{301}ＡＢＣ创业担保贷款";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let span = &text.as_bytes()[start..end];
                let slow = span.iter().filter(|&&b| b & 0xC0 == 0x80).count();
                assert_eq!(continuation_bytes(span), slow, "{start}..{end}");
            }
        }
    }

    #[test]
    fn fullwidth_ascii_becomes_halfwidth() {
        assert_eq!(normalize("ＡＢＣ１２３，（一）").text, "ABC123,(一)");
    }

    #[test]
    fn line_breaks_are_unified() {
        assert_eq!(normalize("a\r\nb\rc\u{2028}d").text, "a\nb\nc\nd");
    }

    #[test]
    fn offsets_point_at_original_chars() {
        let orig = "\u{FEFF}（一）加大财政支持\r\n税费减免";
        let n = normalize(orig);
        let start = n.text.find("税费").unwrap();
        let (s, e) = n.original_span(start, start + "税费减免".len());
        let got: String = orig.chars().skip(s).take(e - s).collect();
        assert_eq!(got, "税费减免");
        let start = n.text.find("财政").unwrap();
        let (s, e) = n.original_span(start, start + "财政".len());
        assert_eq!(orig.chars().skip(s).take(e - s).collect::<String>(), "财政");
    }

    #[test]
    fn traditional_text_is_simplified_with_offsets_kept() {
        let orig = "對返鄉創業人員給予創業擔保貸款貼息。";
        let mut n = normalize(orig);
        assert!(simplify_if_traditional(&mut n));
        assert_eq!(n.text, "对返乡创业人员给予创业担保贷款贴息。");
        let s = n.text.find("担保").unwrap();
        let (a, b) = n.original_span(s, s + "担保".len());
        assert_eq!(orig.chars().skip(a).take(b - a).collect::<String>(), "擔保");
        // Simplified text with a few characters the table also knows stays as it is.
        let mut simp = normalize("加强知识产权创造和运用，支持著作权登记。");
        assert!(!simplify_if_traditional(&mut simp));
        assert!(simp.text.contains("著作权"));
    }

    #[test]
    fn circled_numbers_survive() {
        assert_eq!(normalize("①加强领导").text, "①加强领导");
    }
}
