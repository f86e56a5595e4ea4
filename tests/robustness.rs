//! Property tests: no input text makes a stage panic, and segments stay inside the text.

use policy_coder::code::tokenize::TokenStream;
use policy_coder::geo::region::RegionScheme;
use policy_coder::prepare::metadata;
use policy_coder::prepare::normalize::normalize;
use policy_coder::segment::{segment, UnitMode};
use policy_coder::util::lang::{self, Lang};
use policy_coder::{Codebook, Coder};
use proptest::prelude::*;
use std::sync::OnceLock;

fn coder() -> &'static Coder {
    static C: OnceLock<Coder> = OnceLock::new();
    C.get_or_init(|| Coder::new(Codebook::default_codebook()).unwrap())
}

/// Text made of pieces that exercise the segmenter: numbering, punctuation, CJK, line breaks.
fn policy_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("一、".to_string()),
        Just("（二）".to_string()),
        Just("第三条".to_string()),
        Just("第一章 总则 第一条 ".to_string()),
        Just("1.".to_string()),
        Just("(a)".to_string()),
        Just("Article 5\n".to_string()),
        Just("。".to_string()),
        Just("；".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("国办发〔2015〕47号".to_string()),
        Just("2015年6月17日".to_string()),
        Just("创业担保贷款".to_string()),
        Just("tax credit. ".to_string()),
        Just("①".to_string()),
        Just("\u{FEFF}\u{200B}".to_string()),
        "\\PC{0,12}",
        "[\u{4e00}-\u{4e80}]{1,8}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn stages_never_panic_and_spans_stay_in_bounds(text in policy_like()) {
        let n = normalize(&text);
        let orig_chars = text.chars().count();
        let lang = lang::detect(&n.text);
        for mode in [UnitMode::Auto, UnitMode::Article, UnitMode::Sentence] {
            let segs = segment(&n.text, lang, mode);
            let mut ids = std::collections::HashSet::new();
            for s in &segs {
                prop_assert!(s.start <= s.end && s.end <= n.text.len());
                prop_assert!(n.text.is_char_boundary(s.start) && n.text.is_char_boundary(s.end));
                prop_assert!(ids.insert(s.id(1)), "duplicate id {}", s.id(1));
                let (os, oe) = n.original_span(s.start, s.end);
                prop_assert!(os <= oe && oe <= orig_chars);
                let codes = coder().code(&n.text[s.start..s.end], lang, &mut TokenStream::default());
                for h in codes.hits {
                    prop_assert!(h.start <= h.end && h.end <= s.end - s.start);
                }
            }
        }
        let _ = metadata::infer(&n.text, "a/b.txt", None, &RegionScheme::three_belt());
    }

    #[test]
    fn english_and_chinese_coding_never_panics(text in "\\PC{0,200}") {
        for lang in [Lang::Zh, Lang::En] {
            let _ = coder().code_str(&text, lang);
        }
    }
}
