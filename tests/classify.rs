//! Integration tests of `train`, `evaluate` and `code --model`.

mod common;
use common::*;

use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// A small labelled set written for the tests: three classes, five clauses each.
fn fixture(dir: &Path) -> PathBuf {
    let mut s = String::from("id\tcategories\ttext\n");
    for i in 0..5 {
        s.push_str(&format!("f{i}\tfinancial_services\t对返乡创业人员发放创业担保贷款{i}万元，由银行给予贴息支持。\n"));
        s.push_str(&format!(
            "t{i}\ttalent_training\t每年组织返乡人员参加创业培训{i}千人次，提高创业技能。\n"
        ));
        s.push_str(&format!("n{i}\tnone\t本办法自202{i}年1月1日起施行。\n"));
    }
    let p = dir.join("labels.tsv");
    fs::write(&p, s).unwrap();
    p
}

#[test]
fn train_then_code_in_hybrid_mode_keeps_every_rule_match() {
    let dir = tempfile::tempdir().unwrap();
    let labels = fixture(dir.path());
    let model = dir.path().join("model.json");
    bin()
        .args(["train", "--labeled"])
        .arg(&labels)
        .arg("--out")
        .arg(&model)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("trained on 15 clauses"));
    let samples = root().join("corpus-samples");
    let (rules, hybrid) = (dir.path().join("rules"), dir.path().join("hybrid"));
    bin()
        .args(["code", samples.to_str().unwrap(), "--out"])
        .arg(&rules)
        .assert()
        .code(0);
    bin()
        .args([
            "code",
            samples.to_str().unwrap(),
            "--mode",
            "hybrid",
            "--model",
        ])
        .arg(&model)
        .arg("--out")
        .arg(&hybrid)
        .assert()
        .code(0);
    let r = read_csv(&rules.join("units.csv"));
    let h = read_csv(&hybrid.join("units.csv"));
    assert_eq!(r.len(), h.len());
    for (a, b) in r.iter().zip(&h) {
        assert_eq!(a["unit_id"], b["unit_id"]);
        for c in a["categories"].split(';').filter(|c| !c.is_empty()) {
            assert!(
                b["categories"].split(';').any(|x| x == c),
                "{}: hybrid dropped {c}",
                a["unit_id"]
            );
        }
        assert!(["rule", "model", "both", "none"].contains(&b["source"].as_str()));
        let conf: f32 = b["confidence"].parse().unwrap();
        assert!((0.0..=1.0).contains(&conf));
    }
    let review = fs::read_to_string(hybrid.join("review.csv")).unwrap();
    assert!(review.starts_with(
        "\u{feff}doc_id,unit_id,file,reason,rule_categories,model_categories,confidence,text"
    ));
}

/// `evaluate --format json` on `labels` (5 folds, word features), parsed.
fn evaluate_json(labels: &Path) -> serde_json::Value {
    let out = bin()
        .args(["evaluate", "--labeled"])
        .arg(labels)
        .args(["--folds", "5", "--format", "json", "--features", "words"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// Clauses in two languages: the cross-validation also scores each language apart (the
/// multilingual model is trained on both).
#[test]
fn evaluate_scores_each_language_of_a_mixed_set() {
    let dir = tempfile::tempdir().unwrap();
    let labels = fixture(dir.path());
    let mut s = fs::read_to_string(&labels).unwrap();
    for i in 0..5 {
        s.push_str(&format!(
            "e{i}\ttalent_training\tThe region trains {i}00 returnees in vocational training courses every year.\n"
        ));
    }
    fs::write(&labels, s).unwrap();
    let j = evaluate_json(&labels);
    assert_eq!(j["clauses_by_language"]["zh"], 15);
    assert_eq!(j["clauses_by_language"]["en"], 5);
    for l in ["zh", "en"] {
        for c in ["rules", "model", "hybrid"] {
            let f1 = j["micro_f1_by_language"][l][c].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&f1), "{l} {c}");
        }
    }
    // one language: no breakdown
    let j = evaluate_json(&fixture(dir.path()));
    assert!(j.get("micro_f1_by_language").is_none());
}

#[test]
fn evaluate_reports_three_coders() {
    let dir = tempfile::tempdir().unwrap();
    let labels = fixture(dir.path());
    let j = evaluate_json(&labels);
    for c in ["rules", "model", "hybrid"] {
        let f1 = j["coders"][c]["micro_f1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f1), "{c}");
    }
    assert_eq!(j["n"], 15);
    assert!(
        j["coders"]["model"]["micro_f1"].as_f64().unwrap() > 0.9,
        "a separable fixture cross-validates well"
    );
    bin()
        .args(["evaluate", "--labeled"])
        .arg(&labels)
        .args(["--folds", "3"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("micro F1")
                .and(predicate::str::contains("Core-level confusion")),
        );
}

#[test]
fn bad_training_inputs_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        fs::write(&p, text).unwrap();
        p
    };
    let no_text = write("a.tsv", "id\tcategories\tbody\n1\tnone\tx\n");
    bin()
        .args(["train", "--labeled"])
        .arg(&no_text)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no `text` column"));
    let unknown = write("b.tsv", "id\tcategories\ttext\n1\tsubsidies\tx\n");
    bin()
        .args(["train", "--labeled"])
        .arg(&unknown)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "b.tsv:2: categories: labels not in the codebook: subsidies",
        ));
    let empty = write("c.tsv", "id\tcategories\ttext\n");
    bin()
        .args(["train", "--labeled"])
        .arg(&empty)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("training set is empty"));
    let labels = fixture(dir.path());
    bin()
        .args(["evaluate", "--labeled"])
        .arg(&labels)
        .args(["--folds", "6"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fewer than the 6 folds"));
    let corrupt = write("m.json", "{\"format\":");
    bin()
        .args([
            "code",
            root().join("corpus-samples").to_str().unwrap(),
            "--model",
        ])
        .arg(&corrupt)
        .arg("--out")
        .arg(dir.path().join("o"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("corrupt"));
    // A model trained with one codebook is refused with another.
    let model = dir.path().join("good.json");
    bin()
        .args(["train", "--labeled"])
        .arg(&labels)
        .arg("--out")
        .arg(&model)
        .args(["--features", "words", "--threshold", "0.4"])
        .assert()
        .code(0);
    let cb = write(
        "other.toml",
        &fs::read_to_string(root().join("codebooks/return-migrant-entrepreneurship.toml"))
            .unwrap()
            .replace("version = \"1.0\"", "version = \"1.1\""),
    );
    bin()
        .args([
            "code",
            root().join("corpus-samples").to_str().unwrap(),
            "--codebook",
        ])
        .arg(&cb)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(dir.path().join("o2"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("trained with codebook"));
}

#[test]
fn hybrid_is_not_worse_than_rules_on_the_labelled_clauses() {
    let shared = root().join("../shared/labeled");
    if !shared.is_dir() {
        eprintln!(
            "skipping: ../shared is absent (it holds the labelled clauses beside the project)"
        );
        return;
    }
    let out = bin()
        .args(["evaluate", "--labeled"])
        .arg(shared.join("clauses_zh.tsv"))
        .arg(shared.join("clauses_en.tsv"))
        .args(["--folds", "5", "--seed", "7", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let f = |c: &str| j["coders"][c]["micro_f1"].as_f64().unwrap();
    eprintln!(
        "micro F1: rules {:.3}, model {:.3}, hybrid {:.3}",
        f("rules"),
        f("model"),
        f("hybrid")
    );
    assert!(f("hybrid") >= f("rules") - 1e-9);
    assert!(f("rules") >= 0.85);
}

/// The README's classifier commands that use the shipped labelled example
/// (`examples/labeled/`), run as written from the repository root, with `--out` and
/// `--model` files moved to a temporary folder. They must run without `../shared`.
#[test]
fn readme_train_and_evaluate_examples_run_on_the_shipped_labels() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .filter(|l| {
            // Example commands, not the synopses (`<PATH>...`, `[--mode ...]`).
            l.starts_with("policy-coder ")
                && !l.contains(['<', '['])
                && (l.contains("examples/labeled/") || l.contains("--model model.json"))
        })
        .collect();
    for sub in ["train", "evaluate --labeled", "evaluate --corpus", "code"] {
        assert!(
            commands
                .iter()
                .any(|c| c.starts_with(&format!("policy-coder {sub} "))),
            "README has no `policy-coder {sub}` example on examples/labeled: {commands:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    // In README order: train writes the model that `code --model` reads.
    for line in commands {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        let mut redirect = false;
        for w in words {
            if redirect {
                args.push(dir.path().join(w).into_os_string());
            } else {
                args.push(w.into());
            }
            redirect = w == "--out" || w == "--model";
        }
        let out = bin()
            .current_dir(root())
            .args(&args)
            .assert()
            .code(0)
            .get_output()
            .clone();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        if line.starts_with("policy-coder evaluate") {
            assert!(text.contains("micro"), "{line}:\n{text}");
        }
        if line.starts_with("policy-coder train") {
            assert!(text.contains("trained on 141 clauses"), "{line}:\n{text}");
        }
    }
    assert!(dir.path().join("model.json").is_file());
}

/// `evaluate --corpus --cv` on the samples with the example labels, its JSON report.
fn corpus_cv(extra: &[&str]) -> serde_json::Value {
    let o = bin()
        .current_dir(root())
        .args([
            "evaluate",
            "--corpus",
            "corpus-samples",
            "--labeled",
            "examples/labeled/units_zh.tsv",
            "--cv",
            "2",
            "--bootstrap",
            "0",
            "--format",
            "json",
        ])
        .args(extra)
        .assert()
        .success();
    serde_json::from_slice(&o.get_output().stdout).unwrap()
}

#[test]
fn cross_validation_by_document_can_train_on_extra_files_it_never_scores() {
    let plain = &corpus_cv(&[])["cross_validated"];
    let extra = &corpus_cv(&["--train-extra", "examples/labeled/units_en.tsv"])["cross_validated"];
    assert_eq!(plain["train_extra"], serde_json::json!([]));
    assert_eq!(
        extra["train_extra"],
        serde_json::json!([["examples/labeled/units_en.tsv", 21]])
    );
    // The same labelled units are scored (the extra ones are not), and the rules do not
    // depend on training.
    for c in ["rules", "model", "hybrid"] {
        assert_eq!(
            extra["coders"][c]["units"], plain["coders"][c]["units"],
            "{c}"
        );
    }
    assert_eq!(extra["coders"]["rules"], plain["coders"]["rules"]);
    assert_eq!(extra["fold_documents"], plain["fold_documents"]);

    // Only with --cv, and a file that cannot be read is named.
    bin()
        .current_dir(root())
        .args(["evaluate", "--corpus", "corpus-samples", "--labeled"])
        .args(["examples/labeled/units_zh.tsv", "--train-extra", "x.tsv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--cv"));
    bin()
        .current_dir(root())
        .args(["evaluate", "--corpus", "corpus-samples", "--labeled"])
        .args([
            "examples/labeled/units_zh.tsv",
            "--cv",
            "2",
            "--train-extra",
            "missing.tsv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.tsv"));
}
