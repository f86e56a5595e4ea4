//! Metadata inference through the binary: documents with neutral file names and no
//! manifest, written here for the project (PKULaw-style headers, addressee first lines,
//! county issuers), and the real documents of `../shared/corpus` renamed (skipped when
//! `../shared` is absent).

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A CSV row: column → value.
type Row = BTreeMap<String, String>;

/// Runs `code` on `dir` and returns documents.csv keyed by file, and units.csv rows.
fn run(dir: &Path) -> (BTreeMap<String, Row>, Vec<Row>) {
    let out = dir.parent().unwrap().join("out");
    bin()
        .arg("code")
        .arg(dir)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(0);
    let docs = read_csv(&out.join("documents.csv"))
        .into_iter()
        .map(|r| (r["file"].clone(), r))
        .collect();
    (docs, read_csv(&out.join("units.csv")))
}

#[test]
fn fixtures_with_neutral_names_and_no_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    fs::create_dir(&dir).unwrap();
    let docs = [
        // A PKULaw-style export: database lines, the title twice, a year line.
        (
            "doc01.txt",
            "    【法宝引证码】 CLI.12.9990001\n原文链接：https://www.pkulaw.com/lar/0000test.html\n三亚市水务局关于2019年5月1日—2019年5月31日取水许可审批结果的公告\n三亚市水务局关于2019年5月1日－2019年5月31日取水许可审批结果的公告\n（2019年）\n　　现将审批结果予以公告，公告期为三十日。\n",
        ),
        // An addressee as the first line: central, no province, no title.
        (
            "doc02.txt",
            "各省、自治区、直辖市及新疆生产建设兵团发展改革委、财政厅（局）：\n　　为做好返乡创业工作，现就有关事项通知如下。\n一、加大财政支持力度，对返乡创业人员给予一次性创业补贴。\n",
        ),
        // A county issuer with its number prefix.
        (
            "doc03.txt",
            "方城县人民政府办公室关于印发方城县返乡创业扶持办法的通知\n方政办〔2017〕47号\n各乡镇人民政府，县政府各部门：\n　　现将办法印发给你们，请认真贯彻执行。\n方城县人民政府办公室\n2017年6月5日\n",
        ),
        // Province-less local text that cites a central number.
        (
            "doc04.txt",
            "关于做好返乡创业工作的通知\n　　根据《国务院办公厅关于支持农民工等人员返乡创业的意见》（国办发〔2015〕47号），经省政府同意，结合我省实际，现就有关事项通知如下。\n",
        ),
    ];
    for (name, text) in docs {
        fs::write(dir.join(name), text).unwrap();
    }
    let (docs, units) = run(&dir);
    let get = |f: &str, k: &str| docs[f][k].clone();

    assert_eq!(get("doc01.txt", "pkulaw_id"), "CLI.12.9990001");
    assert_eq!(
        get("doc01.txt", "source_url"),
        "https://www.pkulaw.com/lar/0000test.html"
    );
    assert_eq!(
        (
            get("doc01.txt", "level"),
            get("doc01.txt", "province"),
            get("doc01.txt", "year")
        ),
        ("local".into(), "hainan".into(), "2019".into())
    );
    assert_eq!(
        get("doc01.txt", "metadata_confidence"),
        "level=medium;province=medium;year=high"
    );
    // The database lines are no units, and the repeated title is one unit.
    let doc01: Vec<_> = units.iter().filter(|u| u["file"] == "doc01.txt").collect();
    assert!(doc01
        .iter()
        .all(|u| !u["text"].contains("法宝") && !u["text"].contains("原文链接")));
    assert_eq!(doc01.iter().filter(|u| u["kind"] == "title").count(), 1);

    assert_eq!(
        (
            get("doc02.txt", "title"),
            get("doc02.txt", "level"),
            get("doc02.txt", "province")
        ),
        (String::new(), "central".into(), "national".into())
    );
    let addressee = units
        .iter()
        .find(|u| u["file"] == "doc02.txt" && u["text"].starts_with("各省"))
        .unwrap();
    assert_eq!(addressee["kind"], "addressee");

    assert_eq!(
        (
            get("doc03.txt", "level"),
            get("doc03.txt", "province"),
            get("doc03.txt", "year"),
            get("doc03.txt", "issuer")
        ),
        (
            "local".into(),
            "henan".into(),
            "2017".into(),
            "方城县人民政府办公室".into()
        )
    );

    assert_eq!(
        (
            get("doc04.txt", "level"),
            get("doc04.txt", "province"),
            get("doc04.txt", "year")
        ),
        ("local".into(), "unknown".into(), "unknown".into())
    );
    assert_eq!(get("doc04.txt", "doc_number"), "");
}

/// The shared corpus's documents under neutral names (doc01.txt …, in file-name order)
/// without its manifest: every field the manifest knows (level, province, year) is
/// inferred right, and no central document gets a province.
#[test]
fn renamed_shared_corpus_gets_every_known_field_right() {
    let corpus = root().join("../shared/corpus");
    if !corpus.join("metadata.csv").is_file() {
        eprintln!(
            "skipping: ../shared/corpus is absent (the real documents for this check live beside the project)"
        );
        return;
    }
    let truth = read_csv(&corpus.join("metadata.csv"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    fs::create_dir(&dir).unwrap();
    let mut files: Vec<&str> = truth.iter().map(|r| r["file"].as_str()).collect();
    files.sort_unstable();
    let mut names = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let neutral = format!("doc{:02}.txt", i + 1);
        fs::copy(corpus.join(f), dir.join(&neutral)).unwrap();
        names.insert(neutral, *f);
    }
    let (docs, _) = run(&dir);
    let (mut right, mut wrong) = (0, Vec::new());
    for (neutral, original) in &names {
        let want = truth.iter().find(|r| r["file"] == *original).unwrap();
        let got = &docs[neutral];
        for field in ["level", "province", "year"] {
            let w = want[field].as_str();
            let g = got[field].as_str();
            let ok = match w {
                // A central document without a province: any province is wrong.
                "" => g == "national" || g == "unknown",
                _ => g == w,
            };
            if ok && !w.is_empty() {
                right += 1;
            } else if !ok {
                wrong.push(format!("{original} {field}: {g} (want {w})"));
            }
        }
    }
    eprintln!("renamed shared corpus: {right} known fields right");
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(right, 41);
}

/// The sample corpus under neutral names (extensions kept) without its manifest: no
/// field its manifest knows is inferred wrong.
#[test]
fn renamed_samples_get_no_known_field_wrong() {
    let samples = root().join("corpus-samples");
    let truth = read_csv(&samples.join("metadata.csv"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    fs::create_dir(&dir).unwrap();
    let mut names = BTreeMap::new();
    for (i, row) in truth.iter().enumerate() {
        let f = row["file"].as_str();
        let ext = Path::new(f).extension().unwrap().to_str().unwrap();
        let neutral = format!("doc{:02}.{ext}", i + 1);
        fs::copy(samples.join(f), dir.join(&neutral)).unwrap();
        names.insert(neutral, row);
    }
    let (docs, _) = run(&dir);
    let (mut right, mut unknown, mut wrong) = (0, 0, Vec::new());
    for (neutral, want) in &names {
        let got = &docs[neutral];
        for field in ["level", "province", "year"] {
            let w = want[field].trim();
            if w.is_empty() {
                continue;
            }
            let g = got[field].as_str();
            // The manifest writes provinces as 四川, 湖南省, Guizhou or henan.
            let same = g == w.to_lowercase()
                || (field == "province" && !got["province_zh"].is_empty() && {
                    let zh = got["province_zh"].as_str();
                    w == zh || w.trim_end_matches('省') == zh
                });
            if same {
                right += 1;
            } else if g == "unknown" {
                unknown += 1;
            } else {
                wrong.push(format!("{} {field}: {g} (want {w})", want["file"]));
            }
        }
    }
    eprintln!("renamed samples: {right} right, {unknown} unknown of the manifest's fields");
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(unknown <= 1, "{unknown} unknown");
}
