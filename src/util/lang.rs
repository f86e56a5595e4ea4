//! Language of a text: Chinese or English, by script counts.

use serde::Serialize;
use std::fmt;

/// The languages the tokenizer and codebook know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese (jieba segmentation).
    Zh,
    /// English (Unicode words, Snowball stemming).
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Chinese when Han characters are at least a fifth as many as Latin letters (a Chinese
/// word is about 1.5 characters, an English word about 5 letters), else English.
pub fn detect(text: &str) -> Lang {
    let (mut han, mut latin) = (0usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            latin += usize::from(b.is_ascii_alphabetic());
            i += 1;
        } else if is_han_lead_byte(b) {
            han += 1;
            i += 3;
        } else {
            let c = text[i..].chars().next().unwrap_or('\0');
            if is_han(c) {
                han += 1;
            } else if !is_cjk_punctuation(c) && c.is_alphabetic() {
                latin += 1;
            }
            i += c.len_utf8().max(1);
        }
    }
    if han > 0 && han * 5 >= latin {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// True for the UTF-8 lead bytes of U+4000–U+9FFF (E4–E9, three-byte characters): Han,
/// and the Yijing hexagrams, which do not occur in policy text. Lets the hot loops over
/// Chinese text count and copy characters without decoding them.
pub fn is_han_lead_byte(b: u8) -> bool {
    (0xE4..=0xE9).contains(&b)
}

/// General punctuation (“ ” — …) and the CJK punctuation marks (、。《》「」【】): never
/// letters, and most of Chinese text's non-Han characters, so they skip the Unicode
/// table lookup of `char::is_alphabetic`.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}')
}

/// CJK unified ideographs and their common extensions.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{2A6DF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_both_languages() {
        assert_eq!(detect("加快对接RCEP经贸新规则"), Lang::Zh);
        assert_eq!(
            detect("Member States shall ensure that new buildings meet requirements."),
            Lang::En
        );
        assert_eq!(detect(""), Lang::En);
    }

    #[test]
    fn punctuation_fast_path_holds_no_letters() {
        let ranges = [
            '\u{2000}'..='\u{206F}',
            '\u{3000}'..='\u{3004}',
            '\u{3008}'..='\u{3020}',
        ];
        for c in ranges.into_iter().flatten() {
            assert!(is_cjk_punctuation(c));
            assert!(!c.is_alphabetic(), "{c:?} is a letter");
        }
        assert!(!is_cjk_punctuation('〇') && '〇'.is_alphabetic());
    }
}
