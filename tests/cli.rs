//! Integration tests: run the `policy-coder` binary on the sample corpus and on small
//! fixtures built in each test.

mod common;
use common::*;

use predicates::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn code(args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    bin().arg("code").args(args).arg("--out").arg(out).assert()
}

#[test]
fn samples_are_all_coded_with_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    code(&[root().join("corpus-samples").to_str().unwrap()], &out)
        .code(0)
        .stderr(predicate::str::contains(
            "22 files: 21 coded, 0 skipped, 1 manifest",
        ));
    for f in [
        "units.csv",
        "documents.csv",
        "shares_overall.csv",
        "shares_by_level.csv",
        "shares_by_region.csv",
        "shares_by_province.csv",
        "shares_by_year.csv",
        "report.md",
        "summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let docs = read_csv(&out.join("documents.csv"));
    assert_eq!(docs.iter().filter(|d| d["status"] == "coded").count(), 21);
    let gb = docs.iter().find(|d| d["file"].contains("guizhou")).unwrap();
    assert_eq!(
        (
            gb["encoding"].as_str(),
            gb["province"].as_str(),
            gb["region"].as_str()
        ),
        ("GB18030", "guizhou", "west")
    );
    // Inferred from the text, not the manifest: 阿坝州 in the issuer → Sichuan.
    let aba = docs.iter().find(|d| d["file"].contains("aba")).unwrap();
    assert_eq!(
        (
            aba["province"].as_str(),
            aba["province_zh"].as_str(),
            aba["year"].as_str()
        ),
        ("sichuan", "四川", "2017")
    );
    let regions: std::collections::BTreeSet<_> = docs
        .iter()
        .filter(|d| d["status"] == "coded")
        .map(|d| d["region"].clone())
        .collect();
    assert!(
        ["east", "central_region", "west", "national"]
            .iter()
            .all(|r| regions.contains(*r)),
        "{regions:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["files"]["coded"], 21);
    assert!(summary["references"].as_u64().unwrap() > 50);
}

#[test]
fn shares_in_every_group_sum_to_100_within_rounding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    code(&[root().join("corpus-samples").to_str().unwrap()], &out).code(0);
    for table in [
        "shares_overall.csv",
        "shares_by_level.csv",
        "shares_by_region.csv",
        "shares_by_province.csv",
        "shares_by_year.csv",
    ] {
        let rows = read_csv(&out.join(table));
        // Each share is rounded on its own (half to even, 2 decimals): a group's shares add
        // up to 100 within half a hundredth per share.
        let mut sums: BTreeMap<(String, bool), (f64, usize)> = BTreeMap::new();
        for r in &rows {
            if r["share_pct"].is_empty() {
                continue;
            }
            let v: f64 = r["share_pct"].parse().unwrap();
            let e = sums
                .entry((r["group"].clone(), r["category"].is_empty()))
                .or_default();
            e.0 += v;
            e.1 += 1;
        }
        assert!(!sums.is_empty(), "{table} has no shares");
        for ((group, core_rows), (sum, n)) in sums {
            assert!(
                (sum - 100.0).abs() <= 0.005 * n as f64 + 1e-9,
                "{table} {group} core_rows={core_rows}: {sum}"
            );
        }
    }
}

#[test]
fn same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let samples = root().join("corpus-samples");
    code(&[samples.to_str().unwrap(), "--xlsx"], &a).code(0);
    bin()
        .args([
            "code",
            samples.to_str().unwrap(),
            "--xlsx",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&b)
        .assert()
        .code(0);
    let mut n = 0;
    for f in walkdir::WalkDir::new(&a).sort_by_file_name() {
        let f = f.unwrap();
        // run.json (run id, command line) is the one file meant to differ between runs.
        if f.file_type().is_file() && f.file_name() != "run.json" {
            let rel = f.path().strip_prefix(&a).unwrap();
            assert_eq!(
                fs::read(f.path()).unwrap(),
                fs::read(b.join(rel)).unwrap(),
                "{rel:?} differs"
            );
            n += 1;
        }
    }
    assert!(n >= 20, "only {n} files compared");
}

const TINY_CODEBOOK: &str = r#"
[[core]]
id = "env"
label = { zh = "环境", en = "Environment" }
[[category]]
id = "foreign"
core = "env"
label = { zh = "对外", en = "Foreign" }
[[category]]
id = "tax"
core = "env"
label = { zh = "税收", en = "Tax" }
[[concept]]
id = "india"
category = "foreign"
label = { zh = "印度", en = "India" }
zh = ["印度"]
[[concept]]
id = "tax"
category = "tax"
label = { zh = "税", en = "tax" }
zh = ["减税"]
en = ["tax"]
"#;

#[test]
fn terms_match_on_token_boundaries_only() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    fs::write(
        docs.join("a.txt"),
        "加强与印度尼西亚的经贸合作。\n加强与印度的经贸合作。\n",
    )
    .unwrap();
    fs::write(
        docs.join("b.txt"),
        "A taxonomy of measures.\nThe tax will be reduced.\n",
    )
    .unwrap();
    let cb = dir.path().join("cb.toml");
    fs::write(&cb, TINY_CODEBOOK).unwrap();
    let out = dir.path().join("out");
    code(
        &[docs.to_str().unwrap(), "--codebook", cb.to_str().unwrap()],
        &out,
    )
    .code(0);
    let units = read_csv(&out.join("units.csv"));
    let coded: Vec<(&str, &str)> = units
        .iter()
        .map(|u| (u["text"].as_str(), u["categories"].as_str()))
        .collect();
    assert_eq!(
        coded,
        [
            ("加强与印度尼西亚的经贸合作。", ""),
            ("加强与印度的经贸合作。", "foreign"),
            ("A taxonomy of measures.", ""),
            ("The tax will be reduced.", "tax"),
        ]
    );
    // Evidence: the term and its character span in the original text.
    assert_eq!(units[1]["evidence"], "india:印度@18-20");
    let text: String = fs::read_to_string(docs.join("a.txt"))
        .unwrap()
        .chars()
        .skip(18)
        .take(2)
        .collect();
    assert_eq!(text, "印度");
}

#[test]
fn gb18030_and_utf16_files_are_decoded_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    let text = "四川省人民政府关于支持返乡创业的意见\n对返乡创业人员给予创业担保贷款贴息。\n四川省人民政府\n2016年4月6日\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    fs::write(docs.join("gb.txt"), &gb).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    // Another text: the same text twice would be a duplicate document.
    let text16 = format!("{text}加强创业培训。\n");
    utf16.extend(text16.encode_utf16().flat_map(|u| u.to_le_bytes()));
    fs::write(docs.join("u16.txt"), utf16).unwrap();
    // Without a BOM, as some Windows tools save it.
    let text16 = format!("{text}加强创业指导。\n");
    let no_bom: Vec<u8> = text16
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    fs::write(docs.join("u16nobom.txt"), no_bom).unwrap();
    let out = dir.path().join("out");
    code(&[docs.to_str().unwrap()], &out).code(0);
    let docs = read_csv(&out.join("documents.csv"));
    let enc: Vec<(&str, &str, &str)> = docs
        .iter()
        .map(|d| {
            (
                d["file"].as_str(),
                d["encoding"].as_str(),
                d["province"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        enc,
        [
            ("gb.txt", "GB18030", "sichuan"),
            ("u16.txt", "UTF-16LE", "sichuan"),
            ("u16nobom.txt", "UTF-16LE (no BOM)", "sichuan")
        ]
    );
    let units = read_csv(&out.join("units.csv"));
    assert!(units
        .iter()
        .any(|u| u["text"] == "对返乡创业人员给予创业担保贷款贴息。"
            && u["categories"].contains("financial_services")));
}

#[test]
fn a_missing_input_is_an_error_naming_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let out = code(&[missing.to_str().unwrap()], &dir.path().join("out")).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no-such-folder"), "{err}");
    // The cause once, not once in the message and again as its source.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn a_folder_without_documents_gives_empty_results_not_an_error() {
    // The diffusion section reads documents.csv back: with no documents it must still have
    // its header (it once held only the byte-order mark, and the run failed reading it).
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = dir.path().join("out");
    code(&[empty.to_str().unwrap()], &out)
        .success()
        .stderr(predicate::str::contains("0 files"));
    let docs = fs::read_to_string(out.join("documents.csv")).unwrap();
    let docs = docs.trim_start_matches('\u{feff}');
    assert!(docs.starts_with("file,status,reason,"), "{docs:?}");
    assert_eq!(docs.lines().count(), 1, "{docs:?}");
    let units = fs::read_to_string(out.join("units.csv")).unwrap();
    assert_eq!(units.trim_start_matches('\u{feff}').lines().count(), 1);
    assert!(out.join("report.md").is_file() && out.join("report.html").is_file());
}
#[test]
fn boilerplate_is_kept_but_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    // The addressee and the signature mention terms; they must not count.
    fs::write(
        docs.join("n.txt"),
        "国务院办公厅关于减税的通知\n国办发〔2015〕1号\n各省、自治区、直辖市人民政府，税务总局：\n一、落实减税政策。\n国务院办公厅\n2015年6月17日\n",
    )
    .unwrap();
    let cb = dir.path().join("cb.toml");
    fs::write(&cb, TINY_CODEBOOK).unwrap();
    let out = dir.path().join("out");
    code(
        &[docs.to_str().unwrap(), "--codebook", cb.to_str().unwrap()],
        &out,
    )
    .code(0);
    let units = read_csv(&out.join("units.csv"));
    let kinds: Vec<(&str, &str)> = units
        .iter()
        .map(|u| (u["kind"].as_str(), u["boilerplate"].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("title", "true"),
            ("doc_number", "true"),
            ("addressee", "true"),
            ("body", "false"),
            ("signature", "true"),
            ("date", "true")
        ]
    );
    assert_eq!(
        units[0]["categories"], "tax",
        "boilerplate is still coded, for evidence"
    );
    let shares = read_csv(&out.join("shares_overall.csv"));
    let tax = shares.iter().find(|r| r["category"] == "tax").unwrap();
    assert_eq!(tax["references"], "1", "only the body unit counts");
    let docs = read_csv(&out.join("documents.csv"));
    assert_eq!(
        (
            docs[0]["level"].as_str(),
            docs[0]["year"].as_str(),
            docs[0]["region"].as_str()
        ),
        ("central", "2015", "national")
    );
}

fn province_docs(dir: &Path) -> PathBuf {
    let docs = dir.join("docs");
    fs::create_dir(&docs).unwrap();
    fs::write(
        docs.join("liaoning.txt"),
        "辽宁省人民政府关于减税的通知\n落实减税政策。\n",
    )
    .unwrap();
    fs::write(
        docs.join("shanxi.txt"),
        "山西省人民政府关于减税的通知\n落实减税政策。\n",
    )
    .unwrap();
    docs
}

#[test]
fn region_schemes_three_belt_nbs_and_user_file() {
    let dir = tempfile::tempdir().unwrap();
    let docs = province_docs(dir.path());
    let regions = |extra: &[&str], out: &str| -> Vec<String> {
        let out = dir.path().join(out);
        let mut args = vec![docs.to_str().unwrap()];
        args.extend_from_slice(extra);
        code(&args, &out).code(0);
        read_csv(&out.join("documents.csv"))
            .iter()
            .map(|d| d["region"].clone())
            .collect()
    };
    assert_eq!(regions(&[], "a"), ["east", "central_region"]);
    assert_eq!(
        regions(&["--regions", "nbs"], "b"),
        ["northeast", "central_region"]
    );
    let map = dir.path().join("map.csv");
    fs::write(&map, "province,region\n辽宁,north\nShanxi,north\n").unwrap();
    assert_eq!(
        regions(&["--regions", map.to_str().unwrap()], "c"),
        ["north", "north"]
    );
}

#[test]
fn bad_files_are_skipped_with_reasons_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    fs::write(docs.join("good.txt"), "落实减税政策。\n").unwrap();
    fs::write(docs.join("empty.txt"), "").unwrap();
    fs::write(docs.join("binary.txt"), b"\x00\x01\x02\xff\xfe\x00garbage").unwrap();
    fs::write(docs.join("old.doc"), b"\xd0\xcf\x11\xe0").unwrap();
    fs::write(docs.join(".hidden.txt"), "落实减税政策。\n").unwrap();
    let out = dir.path().join("out");
    code(&[docs.to_str().unwrap()], &out)
        .code(2)
        .stderr(predicate::str::contains("skipped empty.txt: empty file"))
        .stderr(predicate::str::contains("4 files: 1 coded, 3 skipped"));
    let rows = read_csv(&out.join("documents.csv"));
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|d| {
            (
                d["file"].as_str(),
                d["status"].as_str(),
                d["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("binary.txt", "skipped", "binary file (not text)"),
            ("empty.txt", "skipped", "empty file"),
            ("good.txt", "coded", ""),
            (
                "old.doc",
                "skipped",
                "unsupported format (.doc: save as .docx or .txt)"
            ),
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir_all(docs.join("sub")).unwrap();
    fs::write(docs.join("sub/a.txt"), "落实减税政策。\n").unwrap();
    std::os::unix::fs::symlink(&docs, docs.join("sub/loop")).unwrap();
    let out = dir.path().join("out");
    code(&[docs.to_str().unwrap()], &out).code(2);
    let rows = read_csv(&out.join("documents.csv"));
    assert!(
        rows.iter()
            .any(|d| d["status"] == "skipped" && d["reason"] == "symlink loop"),
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .any(|d| d["file"] == "sub/a.txt" && d["status"] == "coded"));
}

#[test]
fn invalid_codebook_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cb = dir.path().join("bad.toml");
    fs::write(
        &cb,
        TINY_CODEBOOK.replace(
            "category = \"tax\"\nlabel = { zh = \"税\"",
            "category = \"taxes\"\nlabel = { zh = \"税\"",
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    code(
        &[
            root().join("corpus-samples").to_str().unwrap(),
            "--codebook",
            cb.to_str().unwrap(),
        ],
        &out,
    )
    .code(1)
    .stderr(predicate::str::contains(
        "bad.toml:20: tax: unknown parent category `taxes`",
    ));
    assert!(!out.exists());
    bin()
        .args(["codebook", "check"])
        .arg(&cb)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown parent category"));
}

#[test]
fn invalid_units_csv_exits_1_naming_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("u.csv");
    fs::write(
        &units,
        "id,text,province\n1,落实减税政策。,四川\n2,给予补贴,Atlantis\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "u.csv:3: province: unknown province `Atlantis`",
        ));
    assert!(!out.exists());
    fs::write(&units, "id,text\n1,ok\n2,bad,extra\n").unwrap();
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("u.csv:3"));
}

#[test]
fn crlf_files_name_the_same_lines_as_lf_files() {
    let dir = tempfile::tempdir().unwrap();
    for eol in ["\n", "\r\n"] {
        let units = dir.path().join("u.csv");
        let rows = [
            "id,text,province",
            "1,落实减税政策。,四川",
            "2,给予补贴,四川",
            "3,给予补贴,Atlantis",
        ];
        fs::write(&units, rows.join(eol) + eol).unwrap();
        bin()
            .args(["code", "--units"])
            .arg(&units)
            .arg("--out")
            .arg(dir.path().join("out"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "u.csv:4: province: unknown province `Atlantis`",
            ));
        fs::write(
            &units,
            ["id,text", "1,ok", "2,ok", "3,bad,extra"].join(eol) + eol,
        )
        .unwrap();
        bin()
            .args(["code", "--units"])
            .arg(&units)
            .arg("--out")
            .arg(dir.path().join("out"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("u.csv:4:"));
        let corpus = dir.path().join("corpus");
        fs::create_dir_all(&corpus).unwrap();
        fs::write(corpus.join("a.txt"), "国务院关于减税的通知。\n").unwrap();
        fs::write(corpus.join("b.txt"), "国务院关于补贴的通知。\n").unwrap();
        fs::write(
            corpus.join("metadata.csv"),
            ["file,level", "a.txt,central", "b.txt,galactic"].join(eol) + eol,
        )
        .unwrap();
        bin()
            .arg("code")
            .arg(&corpus)
            .arg("--out")
            .arg(dir.path().join("out2"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("metadata.csv:3: level"));
    }
}

#[test]
fn units_mode_carries_columns_through() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("clauses.tsv");
    fs::write(&units, "id\tcategories\ttext\tprovince\nc1\tfinancial_services\t扩大创业担保贷款规模。\t四川\nc2\tnone\t各省、自治区、直辖市人民政府：\t\n").unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let rows = read_csv(&out.join("units.csv"));
    assert_eq!(rows[0]["unit_id"], "c1");
    assert_eq!(rows[0]["id"], "c1");
    assert_eq!(rows[0]["input_categories"], "financial_services");
    assert_eq!(rows[0]["categories"], "financial_services");
    assert_eq!(
        (
            rows[0]["province"].as_str(),
            rows[0]["region"].as_str(),
            rows[0]["level"].as_str()
        ),
        ("sichuan", "west", "local")
    );
    assert_eq!(
        (rows[1]["kind"].as_str(), rows[1]["boilerplate"].as_str()),
        ("addressee", "true")
    );
}

#[test]
fn units_mode_reads_quoted_multi_line_tsv() {
    // As Python's csv module writes a TSV: fields holding a line break, a tab or a quote
    // are quoted, quotes doubled. The third row names the line an error is reported on.
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("labelled.tsv");
    let tsv = "id\tcategories\ttext\n\
               a#1\ttax_incentives\t\"Article 3.\n\nEnterprises that hire returning migrant \
               workers enjoy a \"\"tax reduction\"\"\tas provided.\"\n\
               a#2\tnone\tThis notice takes effect on the date of issue.\n";
    fs::write(&units, tsv).unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let rows = read_csv(&out.join("units.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "a#1");
    assert_eq!(
        rows[0]["text"],
        "Article 3.\n\nEnterprises that hire returning migrant workers enjoy a \"tax reduction\"\tas provided."
    );
    assert_eq!(rows[1]["input_categories"], "none");
    // A quote that never closes would swallow every row after it: an error at its line.
    fs::write(&units, "id\ttext\n1\tok\n2\t\"open\n3\tlost\n").unwrap();
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(dir.path().join("out2"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "labelled.tsv:3: a quoted field opens here",
        ));
}

#[test]
fn non_empty_output_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "x").unwrap();
    let samples = root().join("corpus-samples");
    code(&[samples.to_str().unwrap()], &out)
        .code(1)
        .stderr(predicate::str::contains("not empty"));
    code(&[samples.to_str().unwrap(), "--force"], &out).code(0);
}

#[test]
fn codebook_show_and_help() {
    bin()
        .args(["codebook", "show"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fiscal_support — 财政支持"));
    bin()
        .args(["code", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:"));
    bin()
        .args(["code", "--unit", "chapter", "x"])
        .assert()
        .code(1);
}

// ---- evaluations on the shared data (skipped when ../shared is absent)

fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("labeled").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipping: ../shared is absent (it holds the evaluation data beside the project)"
        );
        None
    }
}

/// Micro precision, recall, F1 of the coded categories against the labels.
fn score(units_csv: &Path) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for r in read_csv(units_csv) {
        let gold: std::collections::BTreeSet<&str> = r["input_categories"]
            .split(';')
            .filter(|c| !c.is_empty() && *c != "none")
            .collect();
        let pred: std::collections::BTreeSet<&str> = r["categories"]
            .split(';')
            .filter(|c| !c.is_empty())
            .collect();
        tp += gold.intersection(&pred).count() as f64;
        fp += pred.difference(&gold).count() as f64;
        fn_ += gold.difference(&pred).count() as f64;
    }
    let p = tp / (tp + fp);
    let r = tp / (tp + fn_);
    (p, r, 2.0 * p * r / (p + r))
}

#[test]
fn default_codebook_scores_on_the_labelled_clauses() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    for lang in ["zh", "en"] {
        let out = dir.path().join(lang);
        bin()
            .args(["code", "--units"])
            .arg(shared.join(format!("labeled/clauses_{lang}.tsv")))
            .arg("--out")
            .arg(&out)
            .assert()
            .code(0);
        let (p, r, f1) = score(&out.join("units.csv"));
        eprintln!("{lang}: P {p:.3} R {r:.3} F1 {f1:.3}");
        assert!(f1 >= 0.85, "{lang} F1 {f1:.3} below 0.85");
    }
}

#[test]
fn shared_corpus_is_coded_without_skips() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    code(&[shared.join("corpus").to_str().unwrap()], &out).code(0);
    let rows = read_csv(&out.join("documents.csv"));
    assert!(
        rows.iter()
            .all(|d| d["status"] == "coded" || d["status"] == "manifest"),
        "{rows:?}"
    );
    let coded: Vec<_> = rows
        .iter()
        .filter(|d| d["status"] == "coded" && d["file"].ends_with(".txt"))
        .collect();
    assert_eq!(coded.len(), 15);
    assert!(coded
        .iter()
        .all(|d| d["level"] != "unknown" && d["year"] != "unknown"));
}

/// Runs `evaluate --corpus ../shared/corpus` against one label file and returns the JSON.
fn evaluate_real(shared: &Path, labels: &str, holdout: &str) -> serde_json::Value {
    evaluate_corpus(
        &shared.join("corpus"),
        &shared.join("labeled").join(labels),
        holdout,
    )
}

/// Runs `evaluate --corpus CORPUS --labeled LABELS --holdout HOLDOUT` and returns the JSON.
fn evaluate_corpus(corpus: &Path, labels: &Path, holdout: &str) -> serde_json::Value {
    let out = bin()
        .args(["evaluate", "--corpus"])
        .arg(corpus)
        .arg("--labeled")
        .arg(labels)
        .args(["--holdout", holdout, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Our own regulation samples (`examples/regulations`, written for the project in the style
/// of local regulations and implementing opinions, labelled by the coding manual): the four
/// used while revising the role rules and codebook score high (the fourth, a government-
/// services regulation, scored 0.769 when it was labelled blind, before the field-of-work
/// rule), a fund management measure (0.780 blind, 0.905 after) and an assessment scheme
/// (0.615 blind, 0.667 after: its assessed areas are still coded as instruments); the two
/// still blind (an SME relief measure, 0.812; a return-home entrepreneurship
/// opinion, 0.976) are held out of the tuning group. The floors are the figures reached less a margin: a
/// change that undoes a manual rule these samples hold (duties, procedures, clause scope,
/// fields of work, fees) fails here, with or without `../shared`.
#[test]
fn rules_score_on_our_regulation_samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let r = evaluate_corpus(
        &root.join("regulations"),
        &root.join("labeled/regulations_zh.tsv"),
        "local_shaanxi_2022_xian_zhongxiaoqiye,local_guizhou_2020_zunyi_fanxiangchuangye",
    );
    let f = |g: &str, k: &str| r["groups"][g][k].as_f64().unwrap();
    eprintln!(
        "regulation samples: tuning F1 {:.3} P {:.3}; blind F1 {:.3}",
        f("tuning", "micro_f1"),
        f("tuning", "micro_precision"),
        f("held_out", "micro_f1")
    );
    assert_eq!(
        r["groups"]["all"]["found"], 1010,
        "every labelled unit is found"
    );
    // 0.943 / 0.904 with the ninth to forty-eighth samples (a voucher scheme, talent
    // measures, a rural e-commerce plan, a tax notice, a free-trade-zone area's measure,
    // digital-economy awards, a park accreditation scheme, a green-building opinion, a
    // central pilot notice, a labour bureau's work points, a regulation on private firms, a
    // bonded zone's measure, a new area's rules, a government-data
    // measure, a subsidy's implementing rules, a return-home opinion, a building-energy measure,
    // a data-sharing measure, a free-trade area's promotion rules, a building-energy
    // regulation, a government-data sharing measure, a new area's management measure, a
    // special area's management measure, a green-building opinion, a government-data
    // management measure, finance and talent measures for an opening area, an award fund's
    // rules, a county's return-home opinion, a business-environment regulation, a foreign-investment
    // regulation, a plan to cut firms' transaction costs, a platform-economy opinion, a data
    // work assessment scheme, a notice to stabilise employment, investment-promotion awards,
    // technology-transfer measures, land for return-home entrepreneurs, a cross-province
    // services plan, a green-building campaign, an opinion on new farm businesses).
    assert!(f("tuning", "micro_f1") >= 0.90);
    assert!(f("tuning", "micro_precision") >= 0.88);
    assert!(f("held_out", "micro_f1") >= 0.75);
}

/// Documents held out of the codebook revision (their labels were not read while tuning).
const HELD_OUT: &str = "local_guangdong_2020_zhongshan_zhengwushuju,local_shanghai_2019_lingang_guanlibanfa,local_jiangxi_2012_xinyu_lvsejianzhu";

// All units: the floors are the issue's targets (micro-F1 and precision 0.85, `none` left
// uncoded 90 %, core shares within 3 points), which the rules reach (0.878 / 0.868): a
// coding change that loses validity on real text fails here. The held-out floor is the
// figure reached, less a margin: the target there (within 0.05 of all units) is not met;
// see the README's "Validity on real documents".
#[test]
fn rules_score_on_real_chinese_documents() {
    let Some(shared) = shared() else { return };
    let r = evaluate_real(&shared, "real_zh.tsv", HELD_OUT);
    let all = &r["groups"]["all"];
    let held = &r["groups"]["held_out"];
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap();
    eprintln!(
        "real_zh all: P {:.3} R {:.3} F1 {:.3} none uncoded {}/{} core error {:.1}; held out F1 {:.3}",
        f(all, "micro_precision"),
        f(all, "micro_recall"),
        f(all, "micro_f1"),
        all["none_uncoded"],
        all["none_units"],
        f(all, "core_share_error"),
        f(held, "micro_f1")
    );
    assert_eq!(
        all["found"], 400,
        "every labelled unit is found by its text"
    );
    assert!(f(all, "micro_f1") >= 0.85);
    assert!(f(all, "micro_precision") >= 0.85);
    assert!(f(held, "micro_f1") >= 0.64);
    let none_uncoded = all["none_uncoded"].as_f64().unwrap() / all["none_units"].as_f64().unwrap();
    // The issue's targets for `none` (90 %) and core shares (3 points) are met.
    assert!(none_uncoded >= 0.90, "none left uncoded {none_uncoded:.3}");
    assert!(f(all, "core_share_error") <= 3.0);
    // Each group carries its micro-F1 intervals, around its estimate.
    for g in [all, held] {
        let iv = &g["micro_f1_interval"];
        assert_eq!(iv["resamples"], 1000);
        for by in ["documents", "units"] {
            let (lo, hi) = (iv[by][0].as_f64().unwrap(), iv[by][1].as_f64().unwrap());
            assert!(
                lo <= f(g, "micro_f1") && f(g, "micro_f1") <= hi,
                "{by}: {lo} {hi}"
            );
        }
    }
}

#[test]
fn rules_score_on_real_english_documents() {
    let Some(shared) = shared() else { return };
    let r = evaluate_real(&shared, "real_en.tsv", "");
    let all = &r["groups"]["all"];
    assert_eq!(
        all["found"], 200,
        "every labelled unit is found by its text"
    );
    let none_uncoded = all["none_uncoded"].as_f64().unwrap() / all["none_units"].as_f64().unwrap();
    eprintln!(
        "real_en: P {:.3} F1 {:.3} none uncoded {none_uncoded:.3}",
        all["micro_precision"], all["micro_f1"]
    );
    // The issue's English targets: precision >= 0.80, `none` left uncoded >= 95 %.
    assert!(none_uncoded >= 0.97);
    assert!(all["micro_precision"].as_f64().unwrap() >= 0.93);
    // Reached 0.912 with the items of information lead-ins coded (R46); 0.873 before.
    assert!(all["micro_f1"].as_f64().unwrap() >= 0.89);
}

/// Codes one document, `head` followed by one line per `(line, categories)`, with the
/// built-in codebook, and checks each line's unit against its expected categories.
fn assert_lines_code_as(file: &str, head: &str, lines: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    fs::write(docs.join(file), format!("{head}{text}")).unwrap();
    let out = dir.path().join("out");
    code(&[docs.to_str().unwrap()], &out).code(0);
    let units = read_csv(&out.join("units.csv"));
    for &(line, want) in lines {
        let u = units
            .iter()
            .find(|u| u["text"] == line)
            .unwrap_or_else(|| panic!("no unit {line}"));
        assert_eq!(u["categories"], want, "{line}");
    }
}

/// Codes `text` as one Chinese document (`zh.txt`) and returns its `units.csv` rows.
fn code_one_text(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    fs::write(docs.join("zh.txt"), text).unwrap();
    let out = dir.path().join("out");
    code(&[docs.to_str().unwrap()], &out).code(0);
    read_csv(&out.join("units.csv"))
}

/// The row of the unit whose text starts with `start`.
fn unit_starting<'a>(
    units: &'a [std::collections::BTreeMap<String, String>],
    start: &str,
) -> &'a std::collections::BTreeMap<String, String> {
    units
        .iter()
        .find(|u| u["text"].starts_with(start))
        .unwrap_or_else(|| panic!("no unit {start}"))
}

/// The built-in codebook on EU legal English (coding manual R39-R48): stemmer false friends,
/// charges levied vs cut, exceptions withheld by the `scope` clause role.
#[test]
fn built_in_codebook_reads_eu_legal_english() {
    let lines = [
        ("1. Member States shall ensure that renewables self-consumers are entitled to sell their production.", "business_barriers"),
        ("2. Member States may apply proportionate charges and fees to renewables self-consumers.", ""),
        ("3. Network operators shall reduce the connection charges for such plants.", "tax_fee_reduction"),
        ("4. Member States shall permit those minimum levels to be fulfilled through district heating.", ""),
        ("5. Central governments shall purchase only products with high energy-efficiency performance.", "demonstration"),
        ("6. The obligation shall not apply to the purchase of products by central governments.", ""),
        ("7. Obligated parties shall provide aggregated statistical information.", ""),
    ];
    assert_lines_code_as("eu.txt", "Article 1\nMeasures\n", &lines);
}

/// The built-in codebook on Chinese subsidy and service clauses (coding manual R7, R11,
/// R19, R20, R26, R32): a subsidy tied to an instrument codes both, a sum granted codes fiscal support,
/// a base named by another function is no park, sparing a submission is a service.
#[test]
fn built_in_codebook_codes_subsidies_with_their_object() {
    let lines = [
        (
            "1．按规定给予社会保险补贴。",
            "fiscal_support;social_security",
        ),
        ("2．对评为优秀的项目给予20万元奖励。", "fiscal_support"),
        ("3．建设县级物流仓储基地。", "infrastructure"),
        ("4．推行一窗受理，企业无需重复提交材料。", "public_service"),
        ("5．申请人应当提交申请材料。", ""),
        // 跨部门 describing how a request is handled is a service (R20), not cooperation (R19).
        ("6．推行跨部门、跨层级的全科无差别受理。", "public_service"),
        ("7．建立跨部门协调机制。", "collaborative_operation"),
        // Service halls, services and channels for firms, data products put out (R20) …
        ("8．推进各级大厅智能化设备应用。", "public_service"),
        ("9．为企业对外交往提供更多渠道。", "public_service"),
        ("10．按照统一标准对外输出数据产品。", "public_service"),
        // … but a duty that applies when doing so is procedure (R16).
        ("11．对外输出数据产品时，应当建立安全保障体系。", ""),
        // Education cooperation is education (R32); data flow across departments and linked
        // enforcement and justice are cooperation among bodies (R19), data flow among firms not.
        ("12．推进中外合作办学和学分互认。", "talent_training"),
        (
            "13．联通市本级50个部门的政务数据。",
            "collaborative_operation",
        ),
        ("14．推进知识产权行刑衔接。", "collaborative_operation"),
        ("15．推动行业数据流通。", ""),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// A deadline, procedure or ban withholds the matches of its own clauses (between commas)
/// in a Chinese sentence, not the whole sentence; a conditional ("…时，应当…") governs the
/// rest of its sentence (coding manual R16, R20, R29).
#[test]
fn clause_rules_withhold_their_own_clauses() {
    let lines = [
        // The reform is coded; the procedure after it is not what codes it.
        (
            "1．推行商事登记确认制，申请材料齐全的，当场予以登记。",
            "business_barriers",
        ),
        // A ban in one clause does not withhold the service reform in the next.
        (
            "2．不得要求企业重复提交材料，推行政务服务一网通办。",
            "public_service",
        ),
        // Under a conditional duty, what follows is its content: the body named is no
        // assignment of leadership (R17).
        (
            "3．对外输出数据产品时，应当建立安全保障体系，明确各环节的责任主体。",
            "",
        ),
        // A match in the ban's own clause stays withheld.
        ("4．不得挪用创业补贴资金。", ""),
        // Duties to comply (R16), a project's duty to conform to the plan (R30) and
        // docking one platform to another (R20).
        ("5．区内金融机构应当遵守国家金融监管规定。", ""),
        ("6．已建成的开放平台应当与省数据开放平台进行对接。", ""),
        ("7．区内建设项目应当符合国土空间规划。", ""),
        // Data sharing named as a field of a body's work (R17), not a mechanism (R19).
        (
            "8．市数据主管部门负责组织实施政务数据共享应用工作。",
            "organizational_leadership",
        ),
        ("9．建立跨部门数据共享机制。", "collaborative_operation"),
        // What an assessment covers is its object, not an instrument; the assessing is
        // leadership (R18), and stays coded in the clause that withholds the areas.
        (
            "10．考核内容包括政务服务、市场准入、要素保障等方面。",
            "organizational_leadership",
        ),
        (
            "11．政务服务方面，重点考核“一网通办”事项比例。",
            "organizational_leadership",
        ),
        // Outside an assessment's clauses the same areas are measures.
        (
            "12．全面实施市场准入负面清单制度，推进政务服务“一网通办”。",
            "public_service;business_barriers",
        ),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// A voucher scheme read against the coding manual: the voucher is a subsidy where a clause
/// sets its rate, recipients or uses (R26), not in its validity or mutual acceptance; a
/// target group's activity (R1), a location (R31), a body's duties (R17) and rating
/// providers (R18) code no instrument; officials' misconduct is a liability clause (R16).
#[test]
fn built_in_codebook_reads_vouchers_duties_and_target_groups() {
    let lines = [
        (
            "1．企业使用创新券购买科技服务的，按照实际交易金额的50%予以抵扣。",
            "fiscal_support",
        ),
        ("2．创新券有效期为一年，逾期未使用的自动作废。", ""),
        (
            "3．推动创新券在全省范围内通用通兑，与其他设区市建立互认机制。",
            "collaborative_operation",
        ),
        (
            "4．支持在本市孵化载体内从事创新创业活动的创业团队申领创新券，每年不超过5万元。",
            "fiscal_support",
        ),
        (
            "5．大力发展孵化载体，鼓励开展创新创业活动。",
            "entrepreneurial_park;innovation_entrepreneurship",
        ),
        (
            "6．市科技局负责创新券的组织实施、统筹协调；市财政局负责资金的预算安排和监督检查。",
            "organizational_leadership",
        ),
        ("7．工作经费纳入同级财政预算安排。", "fiscal_support"),
        (
            "8．建立服务机构库，向社会公开征集专业服务机构入库。",
            "intermediary_services",
        ),
        (
            "9．对服务机构实行信用评价和年度考核，考核不合格的，移出服务机构库。",
            "",
        ),
        (
            "10．工作人员在创新券管理工作中滥用职权、徇私舞弊的，依法给予处分。",
            "",
        ),
        ("11．企业通过科技创新券服务平台提交申请。", ""),
        // The founders of what is supported are its target group (R1).
        (
            "12．对大学生创办的企业给予最高50万元信用贷款。",
            "financial_services",
        ),
        ("13．为进出口企业开通通关绿色通道。", "business_barriers"),
        // A green channel to hospitals is a service (R32), rent waived premises (R8).
        (
            "14．为创业人员开通市级医院就医绿色通道。",
            "social_security",
        ),
        (
            "15．入驻创业园的，3年内免收场地租金。",
            "entrepreneurial_park",
        ),
        (
            "16．对新登记的小微企业免收登记类行政事业性收费。",
            "tax_fee_reduction",
        ),
        // A leading group's name, however long, is a body (R13, R17); the field whose cases
        // or climate are spread is the subject (R1, R12).
        (
            "17．成立县农村电商发展领导小组，由县长任组长。",
            "organizational_leadership",
        ),
        (
            "18．宣传推广农村电商发展的典型案例，营造参与电子商务的良好氛围。",
            "demonstration;publicity_guidance",
        ),
        // Who sets a group up is no part of its name.
        (
            "19．各试点县要成立工作领导小组。",
            "organizational_leadership;demonstration",
        ),
        // A list of departments closed by 部门 names bodies (R17); a contribution paid is a
        // condition (R16); explaining a policy is publicity (R35); a benefit running on is
        // a rule of application (R16).
        (
            "20．各级财政、税务、人力资源社会保障、农业农村部门要加强协作。",
            "collaborative_operation",
        ),
        (
            "21．企业招用重点群体人员并依法缴纳社会保险费的，按每人每年6000元扣减增值税。",
            "tax_fee_reduction",
        ),
        ("22．税务部门要加强政策宣传辅导。", "publicity_guidance"),
        (
            "23．享受税收优惠政策未满3年的，可继续享受至3年期满为止。",
            "",
        ),
        (
            "24．在公共就业服务机构登记失业的人员，可申领一次性创业补贴。",
            "fiscal_support",
        ),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// A special zone's management measure read against the coding manual: a principle's frame
/// (以…为核心) commits to nothing (R1); what a party must obtain first is a condition, and a
/// plan reported for approval a procedure (R16, R30); a duty to apply rules is a duty (R16);
/// services that banks or agencies give firms are theirs (R17, R27, R33); support in named
/// areas is of their kinds; a body's list of duties names the body (R17); a single window
/// and approval reform are trade and investment facilitation (R29) and service (R20).
#[test]
fn built_in_codebook_reads_frames_conditions_and_providers() {
    let lines = [
        (
            "1．片区建设以制度创新为核心，以可复制可推广为基本要求。",
            "",
        ),
        ("2．及时总结可复制可推广的经验。", "demonstration"),
        ("3．建设单位在取得用地后即可开展施工准备。", ""),
        ("4．优先保障返乡创业项目用地。", "entrepreneurial_land"),
        (
            "5．推进国际贸易“单一窗口”建设，实现货物申报等业务一口受理。",
            "public_service;business_barriers",
        ),
        ("6．深化投资项目审批制度改革。", "business_barriers"),
        ("7．片区内金融机构应当严格执行反洗钱规定。", ""),
        (
            "8．金融机构为片区企业提供跨境人民币结算服务。",
            "financial_services",
        ),
        ("9．为企业提供政策咨询服务。", "public_service"),
        (
            "10．对引进人才在子女入学、住房等方面给予支持。",
            "talent_training;social_security",
        ),
        ("11．对返乡创业带头人给予支持。", "fiscal_support"),
        ("12．管委会履行下列职责：", "organizational_leadership"),
        ("13．片区国土空间规划按照规定程序报批后实施。", ""),
        (
            "14．支持人力资源服务机构为企业提供人才招聘服务。",
            "intermediary_services",
        ),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// A designation scheme read against the coding manual: the body put in charge of a field
/// names the body (R17), the field is the subject (R1); where a firm sits says who it is
/// (R31); a principle, conditions, a report due, sanctions, dynamic management and the
/// budget line that pays are rules (R16, R26) — conditions for a subsidy still set it
/// (R26); an award to a designated park is a grant for a park and a demonstration (R2,
/// R26); a project's settling-in award is no household registration.
#[test]
fn built_in_codebook_reads_designation_schemes() {
    let lines = [
        (
            "1．市人力资源和社会保障局负责示范园区的认定和管理工作。",
            "organizational_leadership",
        ),
        (
            "2．县级人民政府负责组织领导本行政区域内创业培训工作。",
            "organizational_leadership",
        ),
        (
            "3．县级人力资源和社会保障部门负责本地区示范园区的培育和日常管理。",
            "organizational_leadership",
        ),
        (
            "4．入驻创业园区的企业，按规定享受一次性创业补贴。",
            "fiscal_support",
        ),
        (
            "5．认定工作坚持示范引领、典型带动的原则，每两年开展一次。",
            "",
        ),
        ("6．申报示范园区应当具备下列条件：", ""),
        ("7．申请一次性创业补贴应当具备下列条件：", "fiscal_support"),
        ("8．示范园区应当于每年1月底前报送上一年度运营情况。", ""),
        ("9．对弄虚作假的，追回已拨付的奖补资金。", ""),
        ("10．复核不合格的，撤销示范园区称号。", ""),
        ("11．所需经费可以从奖补资金中列支。", ""),
        ("12．示范园区实行动态管理。", ""),
        (
            "13．对新认定的市级示范园区，给予一次性奖补资金50万元。",
            "fiscal_support;entrepreneurial_park;demonstration",
        ),
        // A project brought in is investment attracted (R34, as the fourteenth sample labels
        // 对新引进的数字经济重大项目…); its settling-in award is no household registration.
        (
            "14．对新引进的重大项目给予最高1000万元落户奖励。",
            "fiscal_support;industrial_transfer",
        ),
        // A green-building opinion: a demonstration district to create and the lead of
        // public buildings are demonstrations (R2, R25, R47); an application with its
        // deadline is a procedure (R26).
        ("15．发挥政府投资项目示范带头作用。", "demonstration"),
        (
            "16．由建设单位在取得评价标识后3个月内提出申请，经审核后拨付奖励资金。",
            "",
        ),
        // A pilot notice: a demonstration county counts where it is created or brought
        // into the scheme (R2, R25), not where it receives a measure; reporting and
        // assessing the counties' work is leadership (R18); budget investment is money.
        (
            "17．在全国建设100个左右返乡入乡创业示范县。",
            "demonstration",
        ),
        (
            "18．鼓励金融机构为示范县返乡入乡创业项目提供信贷支持。",
            "financial_services",
        ),
        (
            "19．各示范县每年12月底前报送年度工作总结。",
            "organizational_leadership",
        ),
        (
            "20．对示范县建设情况进行跟踪评估。",
            "organizational_leadership",
        ),
        (
            "21．中央预算内投资对创业园区公共服务设施建设项目给予倾斜支持。",
            "fiscal_support;entrepreneurial_park",
        ),
        // Work points of a labour bureau: a school's majors are fields of study, the school
        // is training (R32); internships and staff drills are training (R32); naming who
        // answers for each task is leadership (R13).
        (
            "22．推进县技工学校升级改造，新增数控、电子商务等专业3个。",
            "talent_training",
        ),
        ("23．支持返乡人员从事电子商务专业服务。", "e_commerce"),
        ("24．开展就业见习，募集见习岗位500个。", "talent_training"),
        ("25．开展人社业务大练兵活动。", "talent_training"),
        (
            "26．各股室要细化工作措施，明确责任人和完成时限。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// A local regulation on private firms: a procurement set-aside is support (R9), bridge
/// loans are finance (R27), accommodating supervision and fewer inspections lower barriers
/// (R29) while leniency for violations is enforcement (R16), a channel between government and
/// firms is not cooperation among bodies (R19), and business associations are intermediaries
/// (R33).
#[test]
fn built_in_codebook_reads_a_regulation_on_private_firms() {
    let lines = [
        (
            "1．政府采购项目预留不低于30%的份额面向中小企业采购。",
            "fiscal_support",
        ),
        (
            "2．设立应急转贷资金，为企业提供过桥资金支持。",
            "financial_services",
        ),
        ("3．对新兴行业实行包容审慎监管。", "business_barriers"),
        (
            "4．对首次轻微违法行为实行包容审慎监管，依法不予行政处罚。",
            "",
        ),
        (
            "5．同一部门对同一企业的多项检查事项原则上一次完成。",
            "business_barriers",
        ),
        ("6．建立政府部门与企业常态化沟通机制。", ""),
        ("7．建立部门间沟通协调机制。", "collaborative_operation"),
        (
            "8．发挥工商联和商会的桥梁纽带作用。",
            "intermediary_services",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "关于促进民营经济发展的若干规定\n一、主要措施\n",
        &lines,
    );
}

/// A bonded zone's measure: fields listed for the talent to train or the industries a drive is
/// organised around code nothing (R1), while industries to develop do (R10); foreign
/// investment brought in is transfer (R34); simpler foreign-exchange steps are finance, not a
/// registration reform (R27); goods in storage are no warehouse; a green channel for work
/// permits brings in talent (R32); a body named with its short name is still in charge (R17).
#[test]
fn built_in_codebook_reads_a_bonded_zones_measure() {
    let lines = [
        (
            "1．围绕电子信息、跨境电商等主导产业开展精准招商。",
            "industrial_transfer",
        ),
        ("2．培养报关、物流、跨境电商等技能人才。", "talent_training"),
        (
            "3．发展乡村旅游、农村电商等产业。",
            "industrial_integration;e_commerce",
        ),
        (
            "4．对实际到位外资超过1000万美元的项目给予奖励。",
            "fiscal_support;industrial_transfer",
        ),
        ("5．简化经常项目外汇收支手续。", "financial_services"),
        ("6．推行仓储货物按状态分类监管。", "business_barriers"),
        ("7．为外籍人才开通工作许可办理绿色通道。", "talent_training"),
        (
            "8．引进的人才按照规定享受住房补贴。",
            "fiscal_support;talent_training;social_security",
        ),
        (
            "9．区人民政府设立管理机构（以下简称管理机构），负责片区的日常管理工作。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as("zh.txt", "综合保税区管理和促进办法\n一、主要措施\n", &lines);
}

/// A new area's rules: setting up its managing body is leadership (R17); letting foreign
/// professionals serve opens a market (R29) and recognises them (R32); looser work permits,
/// household registration and tax relief for talent bring in talent (R32, R28); cable landing
/// stations are international communication facilities (R21); mutual recognition among the
/// border agencies is cooperation (R19); arbitration and mediation serve firms (R20).
#[test]
fn built_in_codebook_reads_a_new_areas_rules() {
    let lines = [
        (
            "1．省人民政府设立新区管理委员会，统筹管理新区有关行政事务。",
            "organizational_leadership",
        ),
        (
            "2．允许符合条件的境外专业人才经备案后在新区提供会计、税务等专业服务。",
            "talent_training;business_barriers",
        ),
        (
            "3．放宽外籍人才工作许可的年龄和学历限制。",
            "talent_training",
        ),
        (
            "4．在新区连续工作满五年的人才，可以按照规定申办本市户籍。",
            "talent_training",
        ),
        (
            "5．建设海底光缆登陆站和国际互联网数据专用通道。",
            "infrastructure",
        ),
        (
            "6．海关、海事、边检等部门推进监管互认、执法互助。",
            "collaborative_operation",
        ),
        (
            "7．支持设立商事仲裁和调解机构，提供多元化纠纷解决服务。",
            "public_service",
        ),
        (
            "8．在新区工作的紧缺人才，其个人所得税实际税负超过15%的部分予以免征。",
            "talent_training;tax_fee_reduction",
        ),
        // a free-trade area's promotion rules: the body in charge of the area's tasks (R17),
        // an investment commitment scheme and ship-side pick-up lower barriers (R29), a
        // duty to comply takes its bearer's clause (R16), a green channel for talent's titles
        // is no customs channel (R32), lawyers in a legal service centre serve the public (R20)
        (
            "9．片区管理机构负责落实片区各项改革任务。",
            "organizational_leadership",
        ),
        ("10．推行企业投资项目承诺制。", "business_barriers"),
        ("11．推行进口货物“船边直提”。", "business_barriers"),
        ("12．金融机构在片区开展业务，应当遵守国家金融监管规定。", ""),
        (
            "13．对急需的高层次人才，在职称评审等方面开辟绿色通道。",
            "talent_training",
        ),
        (
            "14．片区设立法律服务中心，集聚律师、公证、仲裁等法律服务资源。",
            "public_service",
        ),
    ];
    assert_lines_code_as("zh.txt", "新区管理规定\n一、主要规定\n", &lines);
}

/// A government-data measure: the kinds of data to share are fields (R1), the purpose a
/// sharing serves (支撑“一网通办”) codes nothing (R37), the government's own data centre is
/// internal IT (R20), sparing applicants a resubmission is a service reform even as a ban on
/// agencies (R20), a chief data officer assigns responsibility (R13), and an innovation contest
/// promotes innovation (R14).
#[test]
fn built_in_codebook_reads_a_government_data_measure() {
    let lines = [
        (
            "1．建立跨部门数据共享机制，推动户籍、社保、医保等数据按需共享。",
            "collaborative_operation",
        ),
        ("2．依托共享平台，支撑“一网通办”和跨省通办。", ""),
        ("3．建设全市统一的政务大数据中心。", ""),
        (
            "4．对可以通过数据共享获取的材料，不得要求申请人重复提交。",
            "public_service",
        ),
        (
            "5．各部门应当建立首席数据官制度。",
            "organizational_leadership",
        ),
        ("6．鼓励企业和社会组织参与数据开发利用。", ""),
        (
            "7．每年举办数字应用创新大赛。",
            "innovation_entrepreneurship",
        ),
        // a sharing measure's: the fields it covers code nothing, nor does the work whose
        // costs are budgeted (R1); sparing firms a document and policies enjoyed without
        // applying are services (R20), pushing policies to firms is publicity (R35)
        (
            "8．推动政务数据在公安、人力资源社会保障、市场监管等领域的共享应用。",
            "",
        ),
        (
            "9．政务数据资源共享工作所需经费，列入部门年度预算。",
            "fiscal_support",
        ),
        (
            "10．凡是能够通过共享获取的证明材料，一律不再要求企业和群众提供。",
            "public_service",
        ),
        (
            "11．向符合条件的企业精准推送政策信息，实现惠企政策“免申即享”。",
            "public_service;publicity_guidance",
        ),
    ];
    assert_lines_code_as("zh.txt", "政务数据管理办法\n一、主要规定\n", &lines);
}

/// A subsidy's implementing rules: a once-only rule is a rule of application (R16); the
/// subsidy's application, ledger and publicity are a service, a record and publicity about it
/// (R20, R18, R35), not the grant; checking how the money is used is leadership (R18); the
/// items of a list of materials to submit are required materials (R16); the grant itself
/// stays (R26).
#[test]
fn built_in_codebook_reads_a_subsidys_implementing_rules() {
    let lines = [
        (
            "1．同一创业主体只能享受一次一次性创业补贴，不得重复申领。",
            "",
        ),
        (
            "2．推行补贴申领“一网通办”，实现全程网上办理。",
            "public_service",
        ),
        ("3．建立补贴发放台账。", "organizational_leadership"),
        ("4．加强创业补贴政策宣传。", "publicity_guidance"),
        (
            "5．对补贴资金的使用情况进行监督检查。",
            "organizational_leadership",
        ),
        // a list of materials under a lead-in numbered 6．: its last item is no heading
        // over 7．, whose codes stay its own
        ("6．申请人应当提交以下材料：", ""),
        ("（一）经营场地租赁合同。", ""),
        // a technical training of practitioners is training (R32)
        ("7．定期组织从业人员技术培训。", "talent_training"),
        (
            "8．对首次创业的，给予一次性创业补贴5000元。",
            "fiscal_support",
        ),
    ];
    assert_lines_code_as("zh.txt", "创业补贴申领实施细则\n一、主要规定\n", &lines);
}

/// The built-in codebook on a building-energy regulation (coding manual R16, R26, R28,
/// R33): an article's one-sentence first paragraph is coded, a duty to build to a standard
/// withholds the buildings it names, the government bearing a cost is fiscal support.
#[test]
fn built_in_codebook_reads_a_building_energy_regulation() {
    let lines = [
        (
            "第十七条　符合条件的建筑节能项目，依法享受国家规定的税收优惠。",
            "tax_fee_reduction",
        ),
        (
            "鼓励金融机构对建筑节能改造、可再生能源建筑应用项目提供信贷支持，创新绿色信贷产品。",
            "financial_services",
        ),
        (
            "第十八条　政府投资的公益性建筑以及保障性住房，应当按照绿色建筑标准进行规划、设计和建设。",
            "",
        ),
        (
            "第十九条　既有居住建筑节能改造费用，由政府、建筑所有权人共同负担。",
            "fiscal_support",
        ),
        (
            "第二十条　各级人民政府应当加强建筑节能宣传教育，普及建筑节能知识。",
            "publicity_guidance",
        ),
        (
            "第二十一条　鼓励节能服务公司为公共建筑提供节能诊断和改造服务。",
            "intermediary_services",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "某市民用建筑节能条例\n第二章　新建建筑节能\n",
        &lines,
    );
}

/// The built-in codebook on a government-data sharing measure (coding manual R16, R19,
/// R20): sharing as the field of the work reported, assessed or trained for is no
/// cooperation; base databases listed by kind are internal IT; sparing firms a submission
/// is a service even with two parties named.
#[test]
fn built_in_codebook_reads_a_data_sharing_measure() {
    let lines = [
        (
            "第五条　市人民政府统一领导全市政务信息资源共享工作。",
            "organizational_leadership",
        ),
        (
            "第六条　政务信息资源目录是实现政务信息资源共享和业务协同的基础。",
            "",
        ),
        (
            "第七条　依托共享交换平台建设人口、法人单位、电子证照、社会信用等基础信息资源库。",
            "",
        ),
        (
            "第八条　各政务部门不得要求企业和群众重复提交材料。",
            "public_service",
        ),
        (
            "第九条　推动市、县、乡三级政务服务事项信息共享和业务协同。",
            "public_service;collaborative_operation",
        ),
        (
            "第十条　政务信息资源共享工作纳入年度绩效考核。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "某市政务信息资源共享管理办法\n第一章　总则\n",
        &lines,
    );
}

/// The built-in codebook on a new area's management measure (coding manual R19, R26, R29):
/// goods entered before declaration, moved across customs districts or held less long at
/// port, joint port inspection, an award of a set share.
#[test]
fn built_in_codebook_reads_a_new_areas_management_measure() {
    let lines = [
        (
            "第十一条　对进出新片区的国际中转货物，实行“先入区、后报关”，压缩货物在港停留时间。",
            "business_barriers",
        ),
        (
            "第十二条　对符合条件的企业开展保税燃料油跨关区直供。",
            "business_barriers",
        ),
        (
            "第十三条　对符合条件的外国籍船舶实行口岸联合查验一次办结。",
            "collaborative_operation",
        ),
        (
            "第十四条　对新设立的重点产业企业，由市财政按照其地方财政贡献给予一定比例的奖励。",
            "fiscal_support",
        ),
    ];
    assert_lines_code_as("zh.txt", "某新片区管理办法\n第二章　贸易便利\n", &lines);
}

/// The built-in codebook on a special area's management measure (coding manual R16, R20,
/// R28, R29, R31): years a tax benefit runs are its term, not a deadline; days to answer
/// are; a registration that dates an eligibility is no registration reform.
#[test]
fn built_in_codebook_reads_a_special_areas_measure() {
    let lines = [
        (
            "第十三条　对区内符合条件的企业，自设立之日起5年内减按15%的税率征收企业所得税。",
            "tax_fee_reduction",
        ),
        (
            "第十四条　提供部门应当自收到申请之日起十个工作日内予以答复。",
            "",
        ),
        (
            "第十五条　在我市首次创办小微企业，自工商登记注册之日起正常经营6个月以上的返乡创业人员，可申领一次性创业补贴。",
            "fiscal_support",
        ),
        (
            "第七条　在区内实施“一线放开、二线管住”的进出境管理制度。",
            "business_barriers",
        ),
        (
            "第十六条　支持仲裁机构为当事人提供商事纠纷仲裁和调解服务。",
            "public_service",
        ),
        (
            "第十七条　建设具有国际竞争力的高端产业集群。",
            "entrepreneurial_park",
        ),
    ];
    assert_lines_code_as("zh.txt", "某开放合作区管理办法\n第二章　开放措施\n", &lines);
}

/// The built-in codebook on a green-building opinion (coding manual R22, R25, R32): public
/// projects leading by example, industrialised building, the stages of a procedure named
/// where departments cooperate, a research centre built with universities.
#[test]
fn built_in_codebook_reads_a_green_building_opinion() {
    let lines = [
        (
            "（四）推动政府投资项目率先执行绿色建筑标准。",
            "demonstration",
        ),
        (
            "（七）推进建筑工业化，鼓励施工企业采用工业化建造方式。",
            "industrial_upgrading",
        ),
        (
            "（十三）各有关部门要密切配合，在立项、规划、土地出让、设计审查等环节形成工作合力。",
            "collaborative_operation",
        ),
        (
            "（十五）支持高等院校、科研院所与企业联合组建绿色建筑工程技术研究中心。",
            "innovation_entrepreneurship",
        ),
    ];
    assert_lines_code_as("zh.txt", "某市绿色建筑实施意见\n二、重点任务\n", &lines);
}

/// The built-in codebook on a government-data management measure (coding manual R17, R19,
/// R20, R21, R24): the government's own data infrastructure is internal IT, data made to
/// flow between levels is cooperation, one login for firms is a service and one for civil
/// servants is not, a contest's theme is no service.
#[test]
fn built_in_codebook_reads_a_government_data_management_measure() {
    let lines = [
        (
            "第三条　市数据管理局是本市政务数据的主管部门。",
            "organizational_leadership",
        ),
        (
            "第五条　运营中心承担全市政务数据基础设施的建设和运营维护工作。",
            "",
        ),
        (
            "第十一条　推进政务数据省市一体化共享，推动市、县、镇数据双向流动。",
            "collaborative_operation",
        ),
        (
            "第十三条　统一身份认证系统向企业和群众提供一次认证服务。",
            "public_service",
        ),
        (
            "第十四条　建设办公应用支撑平台，实现统一用户、统一身份认证管理。",
            "",
        ),
        (
            "第十五条　每年组织举办数据开放应用创新大赛。",
            "innovation_entrepreneurship",
        ),
    ];
    assert_lines_code_as("zh.txt", "某市政务数据管理办法\n第一章　总则\n", &lines);
}

/// The built-in codebook on finance and talent measures for an opening area (coding manual
/// R17, R26, R28, R29): registered capital as the base of an award, a subsidy of the income
/// tax paid above a benchmark (a grant, not a tax cut), departments carrying out their share.
#[test]
fn built_in_codebook_reads_finance_and_talent_measures() {
    let lines = [
        (
            "（四）对新设立的融资租赁公司，按照注册资本的1%给予一次性落户奖励。",
            "fiscal_support;financial_services",
        ),
        (
            "（八）对在片区工作的境外高端人才，其个人所得税税负差额部分由片区给予补贴。",
            "fiscal_support",
        ),
        (
            "（十二）片区管委会负责本措施的组织实施，各部门按照职责分工抓好落实。",
            "organizational_leadership",
        ),
        (
            "（十三）公共管理和服务机构应当根据本机构的职责分工编制数据采集清单。",
            "",
        ),
    ];
    assert_lines_code_as("zh.txt", "某片区支持措施\n一、政策措施\n", &lines);
}

/// The built-in codebook on an award fund's rules (coding manual R17, R26): money kept for
/// its purpose is a rule on its use, not a grant; bodies put in charge of a fund's budget and
/// of projects' applications are leadership.
#[test]
fn built_in_codebook_reads_an_award_funds_rules() {
    let lines = [
        (
            "第四条　市财政局负责奖励资金的预算安排、拨付和监督检查；市住房城乡建设局负责项目的组织申报、审核和验收。",
            "organizational_leadership",
        ),
        ("第十条　奖励资金应当专款专用。", ""),
        (
            "第十一条　项目资金实行专账核算，按照项目建设进度分批拨付。",
            "",
        ),
    ];
    assert_lines_code_as("zh.txt", "某市奖励资金管理暂行办法\n第一章　总则\n", &lines);
}

/// The built-in codebook on a county's return-home entrepreneurship opinion (coding manual
/// R1, R32, R33): the subjects of a training, named in a list closed by 等培训, are no
/// instruments of their own; e-commerce acted on still codes.
#[test]
fn built_in_codebook_reads_a_countys_return_home_opinion() {
    let lines = [
        (
            "（六）开展创业意识、创办企业和电商技能等培训，按规定给予培训补贴。",
            "fiscal_support;talent_training",
        ),
        ("（七）支持返乡人员开办网店、开展直播销售。", "e_commerce"),
    ];
    assert_lines_code_as("zh.txt", "某县返乡创业实施意见\n二、主要措施\n", &lines);
}

/// The built-in codebook on a business-environment regulation (coding manual R1, R18, R20,
/// R21, R27, R29): a time cut is a reform, not a deadline, and the matters it handles are
/// no instruments; bidders treated alike open the market; a fee list is a barrier lowered;
/// logistics as a cost is no infrastructure; a bridge loan is finance, not a public service;
/// the business environment assessed is leadership's object.
#[test]
fn built_in_codebook_reads_a_business_environment_regulation() {
    let lines = [
        (
            "第五条　将企业登记、公章刻制、申领发票、员工参保登记等事项压缩至一个工作日内办结。",
            "",
        ),
        (
            "第八条　招标投标和政府采购不得以不合理条件对不同所有制的市场主体实行差别待遇。",
            "business_barriers",
        ),
        (
            "第十条　实行涉企收费目录清单制度，降低企业用电、物流等成本。",
            "business_barriers",
        ),
        (
            "第十一条　建立中小企业应急转贷资金，为企业提供过桥服务。",
            "financial_services",
        ),
        (
            "第十三条　工程建设项目审批实行“一张蓝图、一个系统、一个窗口、一张表单”。",
            "business_barriers",
        ),
        ("第十八条　建立健全商事纠纷多元化解机制。", "public_service"),
        (
            "第十九条　市人民政府应当建立营商环境评价制度，评价结果纳入年度综合考核。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as("zh.txt", "某市优化营商环境条例\n第二章　市场环境\n", &lines);
}

/// The thirty-eighth sample's kinds: equal treatment of foreign firms with the areas it
/// covers (R29, not the instruments those areas name), money as one item of listed support
/// (R26), investment promotion through agencies and events (R33, R34, R35), schooling for
/// talent's children (R32), and a foreign-funded project that is served, not brought in.
#[test]
fn built_in_codebook_reads_a_foreign_investment_regulation() {
    let lines = [
        (
            "第八条　政府及其有关部门在政府资金安排、土地供应、税费减免等方面，应当依法平等对待外商投资企业和内资企业。",
            "business_barriers",
        ),
        (
            "第七条　对符合条件的外商投资项目给予用地、资金等方面的支持。",
            "fiscal_support;entrepreneurial_land",
        ),
        (
            "第十条　通过专业招商机构开展招商引资，支持举办投资推介活动。",
            "industrial_transfer;intermediary_services;publicity_guidance",
        ),
        (
            "第十三条　外籍人才子女可以按照规定就近入学。",
            "social_security",
        ),
        (
            "第十五条　建立重点外资项目服务专员制度，对重点外资项目实行全流程跟踪服务。",
            "public_service",
        ),
        (
            "第六条　编制并定期发布外商投资指引。",
            "publicity_guidance",
        ),
    ];
    assert_lines_code_as("zh.txt", "某省外商投资条例\n第二章　投资促进\n", &lines);
}

/// The thirty-ninth sample's kinds: a time target in a goals passage is no commitment to
/// create (R2), the steps a one-stop service joins are its subject (R20), firms named by
/// their trade and a note of who is responsible code nothing (R3, R21), connection costs cut
/// are a fee cut (R48), and the work bodies are told to heed is leadership's subject (R13).
#[test]
fn built_in_codebook_reads_a_plan_to_cut_transaction_costs() {
    let text = "某市降低市场主体制度性交易成本实施方案\n一、总体要求\n\
        到2023年底，企业开办时间压缩至1个工作日以内，工程建设项目审批时间压缩至60个工作日以内。\n\
        二、重点任务\n\
        2．推行企业登记、印章刻制、银行开户、社保登记一网通办、一日办结。（市市场监管局牵头）\n\
        6．降低水电气暖接入成本，由供水、供电、供气企业承担投资。（市住建局、市供电公司按职责分工负责）\n\
        三、保障措施\n\
        （一）加强组织领导。各部门要高度重视降低制度性交易成本工作，明确责任分工。\n";
    let units = code_one_text(text);
    let cats = |start: &str| unit_starting(&units, start)["categories"].clone();
    assert_eq!(cats("到2023年底"), "");
    assert_eq!(cats("2．推行企业登记"), "public_service");
    assert_eq!(cats("6．降低水电气暖"), "tax_fee_reduction");
    assert_eq!(cats("（一）加强组织领导"), "organizational_leadership");
}

/// The fortieth sample's kinds: new formats let into a market (R29, not integration), the
/// fields a rule excepts (除…金融、新闻等领域外), and industry-internet platforms cultivated
/// (R22), also as a counted commitment in a goals passage (R2).
#[test]
fn built_in_codebook_reads_a_platform_economy_opinion() {
    let lines = [
        (
            "（三）放宽新业态市场准入。对仅提供信息中介和交易撮合服务的平台，除国家另有规定的金融、新闻等领域外，原则上不要求办理相关业务许可。",
            "business_barriers",
        ),
        (
            "（七）培育产业互联网平台。每年培育省级行业产业互联网平台10个以上。",
            "industrial_upgrading",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "关于促进平台经济发展的实施意见\n二、优化发展环境\n",
        &lines,
    );
}

/// The forty-eighth sample's kinds: new farm businesses are new entities where a clause
/// cultivates them (R10), not where they are whom credit favours (向…倾斜), whose leaders are
/// trained, or whose work is put on the agenda (R1, R13); the kinds of service of the
/// organisations to cultivate are listed fields; land trusteeship is a service, not land.
#[test]
fn built_in_codebook_reads_new_farm_businesses() {
    let lines = [
        (
            "（四）发展农业社会化服务。培育农机作业、统防统治、烘干仓储等专业化服务组织，推广土地托管服务模式。",
            "new_entities",
        ),
        (
            "（六）推动农业信贷担保业务向新型农业经营主体倾斜。",
            "financial_services",
        ),
        (
            "（八）将新型农业经营主体带头人纳入高素质农民培育计划。",
            "talent_training",
        ),
        (
            "（九）各县要把培育新型农业经营主体工作摆上重要议事日程。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "关于加快培育新型农业经营主体的实施意见\n二、重点任务\n",
        &lines,
    );
}

/// The forty-seventh sample's kinds: government-funded projects adopting a practice first or
/// throughout lead by example (R47), prefabricated building promoted is upgrading (R22) but not
/// where it is a benefit's condition, the housing it is used for is no welfare measure, honours
/// in awards (评优评奖) are demonstration (R25), and a heading 创建目标 opens goals (R1).
#[test]
fn built_in_codebook_reads_a_green_building_campaign() {
    let lines = [
        (
            "（四）推广装配式建筑。在政府投资的公益性建筑和保障性住房中全面采用装配式建造方式。",
            "industrial_upgrading;demonstration",
        ),
        (
            "（二）对采用装配式建造方式的商品住房项目，其预制外墙面积可不计入容积率核算面积。",
            "",
        ),
        (
            "（三）对获得二星级以上标识的项目在评优评奖中优先推荐。",
            "demonstration",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "某省绿色建筑创建行动实施方案\n二、重点任务\n",
        &lines,
    );
    let t = "某省绿色建筑创建行动实施方案\n一、创建目标\n到2022年，培育一批装配式建筑产业基地。\n";
    let units = code_one_text(t);
    assert_eq!(unit_starting(&units, "到2022年")["role"], "goals");
}

/// The forty-sixth sample's kinds: a quoted name read past its quote names a field of work
/// (“跨省通办”工作纳入…考核, R18), what a clause publicises is mentioned in passing (R35), and
/// electronic licences recognised across regions are cooperation (R19).
#[test]
fn built_in_codebook_reads_a_cross_province_services_plan() {
    let lines = [
        (
            "（二）将“跨省通办”工作纳入政务服务工作年度考核，对工作推进缓慢的部门进行通报。",
            "organizational_leadership",
        ),
        (
            "（三）通过政府网站、新媒体等渠道，宣传“跨省通办”服务方式。",
            "publicity_guidance",
        ),
        (
            "（四）推动电子证照在川渝地区互通互认。",
            "public_service;collaborative_operation",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "某市推进政务服务“跨省通办”实施方案\n三、保障措施\n",
        &lines,
    );
}

/// The forty-fifth sample's kinds: simpler approval of land use is a land measure, not a
/// registration reform (R29, R30); unlawful land use punished is enforcement (R16); the field
/// whose ledger is kept is no instrument (R18).
#[test]
fn built_in_codebook_reads_land_measures() {
    let lines = [
        ("六、简化用地审批，压缩审批时限。", "entrepreneurial_land"),
        ("八、严禁违法违规占用耕地，对违法用地行为依法查处。", ""),
        (
            "九、各县自然资源部门要建立返乡入乡创业用地工作台账，每季度报送用地保障情况。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as("zh.txt", "关于保障返乡入乡创业用地的若干措施\n", &lines);
}

/// The forty-fourth sample's kinds: technology transfer's institutions, markets, pilot-scale
/// bases and first-of-a-kind equipment are innovation (R24), a pilot-scale base is no business
/// park (R31), funds tilted towards the best are a grant (R26), and telling every body to make
/// its own implementing rules is leadership (R17).
#[test]
fn built_in_codebook_reads_technology_transfer_measures() {
    let lines = [
        (
            "三、支持高校设立专业化技术转移机构，对经认定的省级技术转移示范机构，给予最高50万元的一次性奖励。",
            "fiscal_support;demonstration;innovation_entrepreneurship",
        ),
        (
            "五、布局建设一批中试基地，对新建的省级中试基地给予最高1000万元的补助。",
            "fiscal_support;innovation_entrepreneurship",
        ),
        (
            "七、对首次投放市场的首台（套）技术装备给予奖励。",
            "fiscal_support;innovation_entrepreneurship",
        ),
        (
            "十、对成果转化成效显著的单位在科研项目和经费安排上给予倾斜。",
            "fiscal_support",
        ),
        (
            "十二、各市要结合实际制定具体实施办法，确保各项措施落到实处。",
            "organizational_leadership",
        ),
    ];
    assert_lines_code_as("zh.txt", "某省促进科技成果转化若干措施\n", &lines);
}

/// The forty-third sample's kinds: support reckoned on the local fiscal revenue a firm brings
/// is a grant (R26), and a project newly brought in is investment attracted (R34).
#[test]
fn built_in_codebook_reads_investment_promotion_awards() {
    let lines = [(
        "第六条　对新引进的重大产业项目，自投产之日起3年内，按照其对本市地方财政贡献的50%给予扶持。",
        "fiscal_support;industrial_transfer",
    )];
    assert_lines_code_as(
        "zh.txt",
        "某市招商引资激励办法\n第二章　奖励对象和标准\n",
        &lines,
    );
}

/// The forty-second sample's kinds: firms' social-insurance contributions cut or deferred
/// are a fee cut, not insurance for people (R28); unemployment-insurance rebates to firms
/// keeping jobs are a rebate; an insurance fund is neither insurance nor an investment fund;
/// public-welfare jobs are a safety net (R32); more places in degree programmes are education.
#[test]
fn built_in_codebook_reads_an_employment_notice() {
    let lines = [
        (
            "（一）阶段性减免企业养老保险、失业保险、工伤保险单位缴费，可申请缓缴社会保险费。",
            "tax_fee_reduction",
        ),
        (
            "（二）加大稳岗返还力度，返还标准最高可提至上年度缴纳失业保险费的100%。",
            "tax_fee_reduction",
        ),
        (
            "（七）统筹用好城乡公益性岗位，对困难人员按规定予以安置。",
            "social_security",
        ),
        ("（八）扩大硕士研究生和专升本招生规模。", "talent_training"),
        (
            "（十二）加大就业补助资金投入力度，统筹用好失业保险基金。",
            "fiscal_support",
        ),
    ];
    assert_lines_code_as(
        "zh.txt",
        "关于做好稳就业工作的通知\n一、支持企业稳定岗位\n",
        &lines,
    );
}

/// The forty-first sample's kinds: the items of a list of what an assessment covers name
/// objects of assessing, no instrument; a third party commissioned to evaluate every unit
/// assesses government work (R18, R33); naming the leader in charge is leadership (R13).
#[test]
fn built_in_codebook_reads_an_assessment_scheme() {
    let text = "某市政务数据共享开放工作考核办法\n\
        第五条 考核内容包括：\n\
        （一）政务数据资源目录编制和更新情况；\n\
        （二）公共数据开放和开发利用情况。\n\
        第六条 市政务服务数据管理局可以委托第三方专业机构对各单位数据质量开展评估。\n\
        第七条 各单位应当建立数据共享开放工作机制，明确分管领导和数据专员。\n";
    let units = code_one_text(text);
    let unit = |start: &str| unit_starting(&units, start).clone();
    let item = unit("（二）公共数据开放");
    assert_eq!(item["categories"], "");
    assert_eq!(item["role"], "assessment");
    assert_eq!(
        unit("第六条")["categories"],
        "organizational_leadership;intermediary_services"
    );
    assert_eq!(unit("第七条")["categories"], "organizational_leadership");
}

/// Vocabulary of the built-in codebook read against the coding manual: leadership of a
/// named work (R13), honours (R25), a fee named after infrastructure (R21, R28), a firm
/// registering as a condition of eligibility, not a registration reform (R29).
#[test]
fn built_in_codebook_reads_leadership_honours_fees_and_registration() {
    let lines = [
        (
            "1．加强对公共数据管理工作的领导。",
            "organizational_leadership",
        ),
        ("2．对工作突出的单位予以通报表扬。", "demonstration"),
        ("3．减半征收城市基础设施配套费。", "tax_fee_reduction"),
        (
            "4．对在本区注册的企业给予一次性开办补贴。",
            "fiscal_support",
        ),
        ("5．推行企业注册登记全程电子化。", "business_barriers"),
        // A field of work that is led, inspected or rewarded is the policy's subject, not
        // an instrument; carrying the work out still codes it.
        (
            "6．加强对政务服务工作的领导，定期督查政务服务工作情况。",
            "organizational_leadership",
        ),
        (
            "7．对在政务服务工作中表现突出的个人给予表彰。",
            "demonstration",
        ),
        ("8．做好政务服务工作。", "public_service"),
        ("9．推行证明事项告知承诺制。", "public_service"),
        // A body named for the work it leads is a body (营商环境 is not a reform here).
        ("10．由市营商环境建设领导小组办公室负责解释。", ""),
    ];
    assert_lines_code_as("zh.txt", "关于支持创业的若干措施\n一、主要措施\n", &lines);
}

/// The items of an information lead-in take its codes (R46: behavioural-change programmes
/// with their items); their own matches (fiscal incentives) stay withheld, and the list ends
/// at the lead-in's next sibling.
#[test]
fn items_of_an_information_lead_in_take_its_codes() {
    let lines = [
        (
            "(a)\na range of instruments and policies to promote behavioural change which may include:",
            "publicity_guidance",
        ),
        ("(i)\nfiscal incentives;", "publicity_guidance"),
        ("(ii)\nworkplace activities;", "publicity_guidance"),
        ("(b)\nan annual report on the measures taken.", ""),
    ];
    assert_lines_code_as(
        "en.txt",
        "Article 12\nConsumer information programmes\n1.   Member States shall take measures to promote an efficient use of energy. These measures shall include:\n",
        &lines,
    );
}

/// The items of a list of what a fund pays for take its codes beside their own (R26: the
/// uses set the subsidy); the list ends at the next article.
#[test]
fn items_of_a_subsidy_uses_list_take_its_codes_beside_their_own() {
    let lines = [
        ("第五条　专项资金用于下列支出：", "fiscal_support"),
        ("（一）职业培训补贴；", "fiscal_support;talent_training"),
        ("（二）检验检测服务；", "fiscal_support"),
        (
            "（三）公共就业服务能力建设。",
            "fiscal_support;public_service",
        ),
        ("第六条　专项资金的使用情况向社会公开。", ""),
    ];
    assert_lines_code_as("zh.txt", "某市就业创业专项资金管理办法\n", &lines);
}

#[test]
fn taiwan_hong_kong_and_macao_in_a_manifest_are_places_outside_the_mainland_regions() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    let places = [
        ("台湾", "taiwan"),
        ("香港", "hong_kong"),
        ("澳门", "macao"),
        ("Taiwan", "taiwan"),
        ("Hong Kong", "hong_kong"),
        ("Macau", "macao"),
    ];
    let mut manifest = String::from("file,level,province,year\n");
    for (i, (name, _)) in places.iter().enumerate() {
        fs::write(
            corpus.join(format!("d{i}.txt")),
            format!("关于支持创业的通知\n一、对首次创业的人员给予一次性创业补贴{i}千元。\n"),
        )
        .unwrap();
        manifest.push_str(&format!("d{i}.txt,local,{name},2020\n"));
    }
    fs::write(
        corpus.join("d9.txt"),
        "关于支持创业的通知\n一、给予创业补贴。\n",
    )
    .unwrap();
    manifest.push_str("d9.txt,local,四川,2020\n");
    fs::write(corpus.join("metadata.csv"), manifest).unwrap();
    let out = dir.path().join("out");
    code(&[corpus.to_str().unwrap()], &out).code(0);
    let docs = read_csv(&out.join("documents.csv"));
    for (i, (name, id)) in places.iter().enumerate() {
        let d = docs
            .iter()
            .find(|d| d["file"].ends_with(&format!("d{i}.txt")))
            .unwrap();
        assert_eq!(
            (d["province"].as_str(), d["region"].as_str()),
            (*id, "outside_mainland"),
            "{name}"
        );
    }
    let sichuan = docs.iter().find(|d| d["file"].ends_with("d9.txt")).unwrap();
    assert_eq!(sichuan["region"], "west");
    // The same in a units file.
    let units = dir.path().join("u.csv");
    fs::write(
        &units,
        "id,text,province\n1,给予创业补贴。,香港\n2,给予创业补贴。,Macao\n",
    )
    .unwrap();
    let out = dir.path().join("out_units");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let rows = read_csv(&out.join("units.csv"));
    assert_eq!(
        rows.iter()
            .map(|r| (r["province"].as_str(), r["region"].as_str()))
            .collect::<Vec<_>>(),
        [
            ("hong_kong", "outside_mainland"),
            ("macao", "outside_mainland")
        ]
    );
}

#[test]
fn bad_argument_values_fail_before_any_file_is_read() {
    // The paths do not exist: a value error must come first (from the argument parser, the
    // accepted values listed; exit 1, as 2 means "some files skipped"), not a read error.
    let missing = "/nonexistent/policy-coder-corpus";
    for args in [
        vec!["keywords", missing, "--by", "bogus"],
        vec!["codebook", "export", "--format", "xml"],
        vec!["agree", missing, "--level", "bogus"],
        vec!["agree", missing, "--format", "yaml"],
        vec!["kwic", "补贴", missing, "--lang", "fr"],
        vec!["kwic", "补贴", missing, "--format", "json"],
        vec!["codebook", "audit", missing, "--format", "yaml"],
        vec!["evaluate", "--labeled", missing, "--format", "csv"],
    ] {
        bin()
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("invalid value"))
            .stderr(predicate::str::contains("possible values"))
            .stderr(predicate::str::contains("nonexistent").not());
    }
}

#[test]
fn keywords_out_refuses_an_occupied_folder_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kw");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keywords.csv"), "mine\n").unwrap();
    let samples = root().join("corpus-samples");
    let keywords = |force: bool| {
        let mut cmd = bin();
        cmd.arg("keywords")
            .arg(&samples)
            .args(["--by", "level", "--quiet", "--out"])
            .arg(&out);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    keywords(false)
        .code(1)
        .stderr(predicate::str::contains("not empty"));
    assert_eq!(
        fs::read_to_string(out.join("keywords.csv")).unwrap(),
        "mine\n"
    );
    keywords(true).code(0);
    let written = fs::read_to_string(out.join("keywords.csv")).unwrap();
    assert_ne!(written, "mine\n");
    assert!(out.join("keyness.csv").is_file() && out.join("run.json").is_file());
    assert!(!out.join(".policy-coder.partial").exists());
    // A second run into the now-written folder also needs --force.
    keywords(false).code(1);
    bin()
        .args(["keywords", "x", "--force"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn a_mistyped_region_scheme_is_an_argument_error_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["code", root().join("corpus-samples").to_str().unwrap()])
        .args(["--regions", "nsb", "--out"])
        .arg(dir.path().join("r"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown region scheme `nsb`"));
    assert!(!dir.path().join("r").exists());
}
