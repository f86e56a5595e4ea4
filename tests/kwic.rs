//! Integration tests of `kwic` and `codebook audit`: the binary on small documents written
//! by each test, on the sample corpus, and on `../shared/corpus` when it is there.

mod common;
use common::*;

use predicates::prelude::*;
use std::fs;
use std::path::Path;

/// A Chinese policy with a goals section, a measures section and Windows line ends, so
/// that the normalised text and the original differ.
const ZH: &str = "关于支持返乡创业的意见\r\n\r\n一、总体要求\r\n（一）基本原则。坚持创业补贴与市场相结合。\r\n二、政策措施\r\n（一）给予创业补贴。对返乡人员给予创业补贴，每人５０００元。\r\n（二）开展培训。组织创业培训。\r\n";

const EN: &str = "Regulation on start-up support\n\nArticle 1\nMember States shall pay subsidies and grants to new firms.\n\nArticle 2\nA subsidy shall not exceed EUR 5000.\n";

fn corpus(dir: &Path) -> std::path::PathBuf {
    let c = dir.join("corpus");
    fs::create_dir_all(&c).unwrap();
    fs::write(c.join("a_zh.txt"), ZH).unwrap();
    fs::write(c.join("b_en.txt"), EN).unwrap();
    c
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn kwic_shows_every_match_with_its_role_status_and_original_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let a = bin()
        .args(["kwic", "创业补贴"])
        .arg(&c)
        .args(["--window", "4", "--format", "csv"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "3 matches of `创业补贴` in 1 of 1 zh documents",
        ));
    let rows = csv_rows(&stdout(&a));
    assert_eq!(rows.len(), 3, "{rows:?}");
    // position order; the goals section's principle is withheld, the measures are coded
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["withheld", "coded", "coded"]);
    assert_eq!(rows[0]["role"], "principles");
    assert!(rows[0]["section"].contains("总体要求"));
    assert_eq!(rows[2]["left"], "人员给予");
    assert_eq!(rows[2]["right"], "，每人５");
    // start and end are characters of the file as written (CRLF line ends included)
    let chars: Vec<char> = ZH.chars().collect();
    for r in &rows {
        let (s, e): (usize, usize) = (r["start"].parse().unwrap(), r["end"].parse().unwrap());
        assert_eq!(chars[s..e].iter().collect::<String>(), "创业补贴");
        // the document part is the key of the path `a_zh.txt` (see src/docid.rs)
        assert!(r["unit_id"].starts_with("k2gppa-"), "{r:?}");
    }
}

#[test]
fn kwic_filters_by_role_limits_lines_and_aligns_text() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let a = bin()
        .args(["kwic", "创业补贴"])
        .arg(&c)
        .args(["--role", "measure", "--max", "1"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("2 matches").and(predicate::str::contains("(1 shown)")));
    let out = stdout(&a);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("a_zh.txt k2gppa-2-1 measure coded"), "{out}");
    assert!(out.contains("| 创业补贴 |"), "{out}");
}

#[test]
fn kwic_lists_the_terms_characters_where_it_is_not_a_word_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    // 补贴 sits inside the codebook's longer term 创业补贴 three times in the measures and
    // the principle: never a word of its own, so never matched
    let a = bin()
        .args(["kwic", "补贴"])
        .arg(&c)
        .args(["--format", "csv"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "0 matches of `补贴` in 0 of 1 zh documents; 3 more occurrences not matched as a word (status unmatched)",
        ));
    let rows = csv_rows(&stdout(&a));
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in &rows {
        assert_eq!(
            (r["status"].as_str(), r["word"].as_str()),
            ("unmatched", "创业补贴"),
            "{r:?}"
        );
        assert_eq!(r["match"], "补贴");
    }
    // the measures' longer term is coded there, and says so
    assert!(rows[1]["codes"].contains("startup_subsidy"), "{rows:?}");
    let a = bin()
        .args(["kwic", "创业补贴", "--status", "coded"])
        .arg(&c)
        .args(["--format", "csv"])
        .assert()
        .code(0);
    let rows = csv_rows(&stdout(&a));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows
        .iter()
        .all(|r| r["status"] == "coded" && r["word"].is_empty()));
    bin()
        .args(["kwic", "补贴", "--status", "lost"])
        .arg(&c)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--status lost: expected one of coded, withheld, removed, boilerplate, unmatched",
        ));
}

#[test]
fn kwic_matches_english_by_stem_or_exact_form_with_word_context() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let a = bin()
        .args(["kwic", "subsidy"])
        .arg(&c)
        .args(["--window", "2", "--format", "csv"])
        .assert()
        .code(0);
    let rows = csv_rows(&stdout(&a));
    let kw: Vec<&str> = rows.iter().map(|r| r["match"].as_str()).collect();
    assert_eq!(kw, ["subsidies", "subsidy"]);
    assert_eq!(
        (rows[0]["left"].as_str(), rows[0]["right"].as_str()),
        ("shall pay ", " and grants")
    );
    let a = bin()
        .args(["kwic", "=subsidy", "--format", "csv"])
        .arg(&c)
        .assert()
        .code(0);
    assert_eq!(csv_rows(&stdout(&a)).len(), 1);
}

#[test]
fn kwic_and_audit_name_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    bin()
        .args(["kwic", "创业补贴", "/no/such/corpus"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/no/such/corpus"));
    bin()
        .args(["kwic", "创业补贴"])
        .arg(&c)
        .args(["--role", "slogan"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--role slogan"));
    bin()
        .args(["kwic", "——"])
        .arg(&c)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no word"));
    bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .args(["--labeled", "/no/labels.tsv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/no/labels.tsv"));
    let labels = dir.path().join("bad.tsv");
    fs::write(
        &labels,
        "id\tcategories\ttext\na_zh#k2gppa-2-1\tslogans\t组织创业培训。\n",
    )
    .unwrap();
    bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .arg("--labeled")
        .arg(&labels)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.tsv:2").and(predicate::str::contains("slogans")));
    bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .args(["--format", "xml"])
        .assert()
        .code(1);
}

#[test]
fn audit_scores_terms_against_labels_worst_first() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let labels = dir.path().join("labels.tsv");
    fs::write(
        &labels,
        "id\tcategories\ttext\n\
         a_zh#k2gppa-2-1\tfiscal_support\t对返乡人员给予创业补贴，每人５０００元。\n\
         a_zh#k2gppa-1-1\tnone\t（一）基本原则。坚持创业补贴与市场相结合。\n\
         a_zh#k2gppa-2-2\tnone\t（二）开展培训。组织创业培训。\n",
    )
    .unwrap();
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .arg("--labeled")
        .arg(&labels)
        .args(["--format", "json", "--kwic", "2"])
        .assert()
        .code(0);
    let r: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(
        (r["labelled_units"].as_u64(), r["labelled_found"].as_u64()),
        (Some(3), Some(3))
    );
    let terms = r["terms"].as_array().unwrap();
    let term = |t: &str| {
        terms
            .iter()
            .find(|x| x["term"] == t)
            .unwrap_or_else(|| panic!("{t}"))
    };
    let s = term("创业补贴");
    assert_eq!(
        (s["matches"].as_u64(), s["units"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (s["coded"].as_u64(), s["withheld"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (s["labelled"].as_u64(), s["correct"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(s["roles"]["principles"].as_u64(), Some(1));
    // the labels call the training term wrong: it comes first, with a wrong example
    let first = &terms[0];
    assert_eq!(first["precision"].as_f64(), Some(0.0), "{first}");
    assert_eq!(first["examples"][0]["label"], "wrong");
    assert!(terms
        .iter()
        .all(|t| t["examples"].as_array().unwrap().len() <= 2));
    // text and csv carry the same rows
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .arg("--labeled")
        .arg(&labels)
        .args(["--format", "csv"])
        .assert()
        .code(0);
    let rows = csv_rows(&stdout(&a));
    assert_eq!(rows.len(), terms.len());
    assert_eq!(rows[0]["term"], first["term"].as_str().unwrap());
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .arg("--labeled")
        .arg(&labels)
        .assert()
        .code(0);
    let text = stdout(&a);
    assert!(
        text.contains("Labels: ") && text.contains("(3 units, 3 found"),
        "{text}"
    );
    assert!(text.contains("创业补贴 (zh)"), "{text}");
    // held-out documents' labels are not read
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .arg("--labeled")
        .arg(&labels)
        .args(["--holdout", "a_zh", "--format", "json"])
        .assert()
        .code(0);
    let r: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(r["labelled_units"].as_u64(), Some(0));
    assert_eq!(r["held_out"][0], "a_zh");
    // --min-units leaves out terms seen in fewer units
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&c)
        .args(["--format", "json", "--min-units", "2"])
        .assert()
        .code(0);
    let r: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert!(r["terms"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["units"].as_u64().unwrap() >= 2));
}

/// The audit's coded and withheld matches are the evidence `code` writes: every coded
/// match of a body unit is one evidence item of units.csv, every withheld one an item of
/// its `withheld` column.
#[test]
fn audit_counts_agree_with_the_evidence_of_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let samples = root().join("corpus-samples");
    bin()
        .arg("code")
        .arg(&samples)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(0);
    let mut evidence = 0;
    let mut withheld = 0;
    for u in read_csv(&out.join("units.csv")) {
        if u["boilerplate"] == "true" {
            continue;
        }
        let items = |col: &str| {
            u[col]
                .split(';')
                .filter(|x| !x.is_empty())
                .filter(|x| x.split(':').next().is_some_and(|c| !c.contains('.')))
                .count()
        };
        evidence += items("evidence");
        withheld += items("withheld");
    }
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&samples)
        .args(["--format", "csv", "--kwic", "0"])
        .assert()
        .code(0);
    let rows = csv_rows(&stdout(&a));
    let sum = |col: &str| -> usize { rows.iter().map(|r| r[col].parse::<usize>().unwrap()).sum() };
    assert_eq!(sum("coded"), evidence);
    assert_eq!(sum("withheld"), withheld);
    assert!(evidence > 50);
}

#[test]
fn audit_and_kwic_on_the_shared_real_documents() {
    let shared = root().join("../shared");
    let (corpus, labels) = (shared.join("corpus"), shared.join("labeled/real_zh.tsv"));
    if !corpus.is_dir() || !labels.is_file() {
        eprintln!("skipping: ../shared is absent (it holds the real documents and their labels beside the project)");
        return;
    }
    let a = bin()
        .args(["codebook", "audit"])
        .arg(&corpus)
        .arg("--labeled")
        .arg(&labels)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let r: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let found = r["labelled_found"].as_u64().unwrap();
    assert!(
        found * 100 >= r["labelled_units"].as_u64().unwrap() * 95,
        "{found}"
    );
    let terms = r["terms"].as_array().unwrap();
    assert!(terms.len() > 50);
    assert!(terms.iter().any(|t| t["labelled"].as_u64().unwrap() > 0));
    // worst first: wrong labelled matches never increase down the list
    let wrong: Vec<u64> = terms
        .iter()
        .map(|t| t["labelled"].as_u64().unwrap() - t["correct"].as_u64().unwrap())
        .collect();
    assert!(wrong.windows(2).all(|w| w[0] >= w[1]));
    let a = bin()
        .args(["kwic", "数据", "--max", "5", "--format", "csv"])
        .arg(&corpus)
        .assert()
        .code(0);
    assert!(!csv_rows(&stdout(&a)).is_empty());
}
