//! Every format through the binary, and the accounting of a folder of mixed files.

mod common;
use common::*;

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;

#[test]
fn a_mixed_folder_is_fully_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    fs::create_dir(&d).unwrap();
    let samples = root().join("corpus-samples");
    fs::copy(
        samples.join("local/2019_chongqing_fanxiang_chuangye.docx"),
        d.join("a.docx"),
    )
    .unwrap();
    let docx = fs::read(samples.join("local/2019_chongqing_fanxiang_chuangye.docx")).unwrap();
    fs::write(d.join("broken.docx"), &docx[..docx.len() / 2]).unwrap();
    fs::copy(
        samples.join("en/2017_gansu_returnee_notice_en.pdf"),
        d.join("notice.pdf"),
    )
    .unwrap();
    fs::copy(
        root().join("tests/fixtures/scanned.pdf"),
        d.join("scanned.pdf"),
    )
    .unwrap();
    fs::copy(
        samples.join("local/2020_yunnan_chuangye_peixun.html"),
        d.join("page.html"),
    )
    .unwrap();
    fs::write(d.join("copy.txt"), "落实税费减免政策。\n").unwrap();
    fs::write(d.join("good.txt"), "落实税费减免政策。\r\n").unwrap();
    let (gb, _, _) = encoding_rs::GB18030.encode("加大创业担保贷款支持力度。\n");
    fs::write(d.join("gb.txt"), &gb).unwrap();
    let mut u16 = vec![0xFE, 0xFF];
    u16.extend(
        "建设返乡创业园。\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes()),
    );
    fs::write(d.join("u16.txt"), u16).unwrap();
    fs::write(d.join("empty.txt"), "").unwrap();
    fs::write(d.join("old.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1").unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("policy-coder")
        .unwrap()
        .args(["code", d.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "11 files: 6 coded, 5 skipped (1 duplicates)",
        ));
    let rows = read_csv(&out.join("documents.csv"));
    let got: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["file"].as_str(),
                r["status"].as_str(),
                r["reason"].as_str(),
                r["encoding"].as_str(),
            )
        })
        .collect();
    assert_eq!(got.len(), 11);
    assert_eq!(got[0], ("a.docx", "coded", "", "docx"));
    assert_eq!((got[1].0, got[1].1), ("broken.docx", "skipped"));
    assert!(got[1].2.starts_with("corrupt docx"), "{}", got[1].2);
    assert_eq!(
        &got[2..],
        &[
            ("copy.txt", "coded", "", "UTF-8"),
            ("empty.txt", "skipped", "empty file", ""),
            ("gb.txt", "coded", "", "GB18030"),
            ("good.txt", "skipped", "duplicate of copy.txt", "UTF-8"),
            ("notice.pdf", "coded", "", "pdf"),
            (
                "old.doc",
                "skipped",
                "unsupported format (.doc: save as .docx or .txt)",
                ""
            ),
            ("page.html", "coded", "", "html (UTF-8)"),
            ("scanned.pdf", "skipped", "no text layer (scanned PDF?)", ""),
            ("u16.txt", "coded", "", "UTF-16BE"),
        ]
    );
    let units = read_csv(&out.join("units.csv"));
    assert!(
        units.iter().all(|u| u["file"] != "good.txt"),
        "a duplicate is coded once"
    );
    let html = rows.iter().find(|r| r["file"] == "page.html").unwrap();
    assert_eq!(
        (
            html["title"].as_str(),
            html["year"].as_str(),
            html["province"].as_str()
        ),
        (
            "云南省人力资源和社会保障厅关于做好返乡创业培训工作的通知",
            "2020",
            "yunnan"
        )
    );
    let docx_units: Vec<&str> = units
        .iter()
        .filter(|u| u["file"] == "a.docx")
        .map(|u| u["text"].as_str())
        .collect();
    assert!(
        docx_units.contains(&"一次性创业补贴\t5000元"),
        "{docx_units:?}"
    );
    assert!(
        !units.iter().any(|u| u["text"].contains("重庆市人民政府网")),
        "headers are not read"
    );
}

#[test]
fn big5_traditional_text_is_matched_in_simplified_and_kept_in_traditional() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    fs::create_dir(&d).unwrap();
    let text = "臺灣地區返鄉創業補助辦法\n一、對返鄉創業人員給予創業擔保貸款，並由銀行給予貼息。\n二、每年舉辦創業培訓課程，提升創業技能。\n";
    let (big5, _, bad) = encoding_rs::BIG5.encode(text);
    assert!(!bad);
    fs::write(d.join("tw.txt"), &big5).unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("policy-coder")
        .unwrap()
        .args(["code", d.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .assert()
        .code(0);
    let docs = read_csv(&out.join("documents.csv"));
    assert_eq!(
        docs[0]["encoding"],
        "Big5 (traditional → simplified for matching)"
    );
    let units = read_csv(&out.join("units.csv"));
    let loan = units
        .iter()
        .find(|u| u["text"].starts_with("一、對返鄉"))
        .unwrap();
    assert!(
        loan["categories"].contains("financial_services"),
        "{loan:?}"
    );
    assert!(
        loan["evidence"].contains("擔保貸款") || loan["evidence"].contains("貸款"),
        "evidence quotes the original: {}",
        loan["evidence"]
    );
    let training = units
        .iter()
        .find(|u| u["text"].starts_with("二、"))
        .unwrap();
    assert!(training["categories"].contains("talent_training"));
}

/// A PDF with one page that fails to parse is coded without that page, not skipped whole:
/// `documents.csv` names the page, stderr says so and the exit code is 2.
#[test]
fn a_pdf_with_a_broken_page_is_coded_without_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    fs::create_dir(&d).unwrap();
    let sample = root().join("corpus-samples/en/2017_gansu_returnee_notice_en.pdf");
    let mut doc = lopdf::Document::load(&sample).unwrap();
    let pages = doc.get_pages();
    assert!(pages.len() >= 2, "the sample has several pages");
    // Page 2 names a parent the file does not hold: its resources cannot be looked up.
    doc.get_dictionary_mut(pages[&2])
        .unwrap()
        .set("Parent", lopdf::Object::Reference((99_999, 0)));
    doc.save(d.join("notice.pdf")).unwrap();
    fs::copy(&sample, d.join("whole.pdf")).unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["code"])
        .arg(&d)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "read in part notice.pdf: 1 of 3 PDF pages not read, coded without them (page 2: ",
        ))
        .stderr(predicate::str::contains(
            "2 coded (1 read in part), 0 skipped",
        ));
    let docs = read_csv(&out.join("documents.csv"));
    let row = |f: &str| docs.iter().find(|r| r["file"] == f).unwrap();
    assert_eq!(row("notice.pdf")["status"], "coded");
    assert!(row("notice.pdf")["reason"].contains("page 2"));
    assert_eq!(row("whole.pdf")["reason"], "");
    let units = read_csv(&out.join("units.csv"));
    let n = |f: &str| units.iter().filter(|u| u["file"] == f).count();
    assert!(n("notice.pdf") > 0 && n("notice.pdf") < n("whole.pdf"));
}
