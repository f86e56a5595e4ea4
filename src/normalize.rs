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
    /// For each byte of `text` (and one past the end), the char offset in the original.
    orig_char: Vec<u32>,
}

impl Normalized {
    /// Char offset in the original text of normalised byte offset `byte`
    /// (`byte == text.len()` maps to the original length).
    pub fn original_char(&self, byte: usize) -> usize {
        self.orig_char[byte.min(self.orig_char.len() - 1)] as usize
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

/// Normalises `original`: NFKC per character, CRLF/CR and Unicode line separators to
/// `\n`, zero-width characters removed. Circled numbers (①…⑳) are kept because they
/// mark list items and NFKC would turn them into bare digits.
pub fn normalize(original: &str) -> Normalized {
    let bytes = original.as_bytes();
    let mut text = String::with_capacity(original.len());
    let mut orig_char: Vec<u32> = Vec::with_capacity(original.len() + 1);
    let (mut i, mut idx) = (0usize, 0u32);
    while i < bytes.len() {
        // The bulk of a policy text (ASCII and the Han characters U+4000–U+9FFF, whose
        // UTF-8 lead bytes are E4–E9) is unchanged by NFKC: copy it in runs.
        let run = i;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 && ascii_kept(b) {
                orig_char.push(idx);
                i += 1;
            } else if crate::lang::is_han_lead_byte(b) {
                orig_char.extend([idx; 3]);
                i += 3;
            } else {
                break;
            }
            idx += 1;
        }
        text.push_str(&original[run..i]);
        let Some(c) = original[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        let mut push = |ch: char, text: &mut String| {
            let before = text.len();
            text.push(ch);
            orig_char.extend(std::iter::repeat_n(idx, text.len() - before));
        };
        match c {
            '\r' => {
                if bytes.get(i) != Some(&b'\n') {
                    push('\n', &mut text);
                }
            }
            '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{0B}' | '\u{0C}' => push('\n', &mut text),
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{00AD}' => {}
            c if kept(c) => push(c, &mut text),
            c => {
                for n in std::iter::once(c).nfkc() {
                    push(n, &mut text);
                }
            }
        }
        idx += 1;
    }
    orig_char.push(idx);
    Normalized { text, orig_char }
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
            if crate::lang::is_han(a) {
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
        if crate::lang::is_han(a) {
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
