//! Fuzzing by proptest (cargo-fuzz needs a nightly toolchain this project's machines do not
//! have): every reader gets arbitrary bytes and mutated valid files, and must return text or
//! a reason — never panic, never hang. More cases: `PROPTEST_CASES=100000 cargo test --release
//! --test fuzz_readers`.

use policy_coder::read::{DocxReader, HtmlReader, PdfReader, Reader, TextReader};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn sample(path: &str) -> &'static [u8] {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-samples");
        [
            "local/2019_chongqing_fanxiang_chuangye.docx",
            "en/2017_gansu_returnee_notice_en.pdf",
            "local/2020_yunnan_chuangye_peixun.html",
        ]
        .iter()
        .map(|p| (p.to_string(), std::fs::read(root.join(p)).unwrap()))
        .collect()
    });
    &files.iter().find(|(p, _)| p == path).unwrap().1
}

/// A valid file with a few bytes overwritten, truncated, or extended.
fn mutated(base: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(move |(edits, cut, truncate)| {
            let mut b = base.to_vec();
            for (i, v) in edits {
                let i = i.index(b.len());
                b[i] = v;
            }
            if truncate {
                b.truncate(cut.index(b.len() + 1));
            }
            b
        })
}

fn check(reader: &dyn Reader, bytes: &[u8]) {
    match reader.read(bytes) {
        Ok(x) => assert!(!x.text.trim().is_empty()),
        Err(reason) => assert!(!reason.to_string().is_empty()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn text_reader_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&TextReader, &b);
    }

    #[test]
    fn html_reader_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&HtmlReader, &b);
    }

    #[test]
    fn html_reader_mutated(b in mutated(sample("local/2020_yunnan_chuangye_peixun.html"))) {
        check(&HtmlReader, &b);
    }

    #[test]
    fn docx_reader_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&DocxReader, &b);
    }

    #[test]
    fn docx_reader_mutated(b in mutated(sample("local/2019_chongqing_fanxiang_chuangye.docx"))) {
        check(&DocxReader, &b);
    }

    #[test]
    fn pdf_reader_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&PdfReader, &b);
    }

    #[test]
    fn pdf_reader_mutated(b in mutated(sample("en/2017_gansu_returnee_notice_en.pdf"))) {
        check(&PdfReader, &b);
    }
}
