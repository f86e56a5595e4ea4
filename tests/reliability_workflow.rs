//! The reliability workflow end to end: stable unit ids (adding a file keeps the other
//! documents' ids), `agree --machine` checking that the sheets' ids point at their text,
//! codes read case-insensitively and as codebook labels, and the README's example
//! reproduced with the README's own commands.

mod common;
use common::*;

use predicates::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn code(corpus: &Path, out: &Path) -> Vec<BTreeMap<String, String>> {
    bin()
        .arg("code")
        .arg(corpus)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
        .code(0);
    read_csv(&out.join("units.csv"))
}

/// file → (unit_id, text) of its units.
fn ids_by_file(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut m: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in rows {
        m.entry(r["file"].clone())
            .or_default()
            .insert((r["unit_id"].clone(), r["text"].clone()));
    }
    m
}

#[test]
fn adding_files_keeps_the_other_documents_unit_ids() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&root().join("corpus-samples"), &corpus);
    let before = code(&corpus, &dir.path().join("a"));
    // A file that sorts before every other, and one in the middle of the local folder.
    fs::write(
        corpus.join("central/2000_first_notice.txt"),
        "关于支持返乡创业的通知\n\n一、给予创业补贴。对返乡创业人员给予一次性创业补贴。\n",
    )
    .unwrap();
    fs::write(
        corpus.join("local/2016_hunan_new_notice.txt"),
        "关于加强创业培训的通知\n\n一、开展创业培训。组织返乡人员参加创业培训。\n",
    )
    .unwrap();
    let after = code(&corpus, &dir.path().join("b"));
    let (a, b) = (ids_by_file(&before), ids_by_file(&after));
    assert_eq!(b.len(), a.len() + 2, "{:?}", b.keys());
    for (file, units) in &a {
        assert_eq!(units, &b[file], "{file}: unit ids moved");
    }
    // units.csv stays in path order, not in key order.
    let files: Vec<&String> = after.iter().map(|r| &r["file"]).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(after[0]["file"], "central/2000_first_notice.txt");
    // The id starts with the doc_id, which is the same for the whole document.
    for r in &after {
        assert!(
            r["unit_id"].starts_with(&format!("{}-", r["doc_id"])),
            "{r:?}"
        );
    }
    let keys: BTreeSet<&String> = after.iter().map(|r| &r["doc_id"]).collect();
    assert_eq!(keys.len(), b.len(), "one key per document");
}

#[test]
fn ids_are_the_same_bytes_on_one_thread_and_on_many() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, threads: &str| {
        let out = dir.path().join(name);
        bin()
            .arg("code")
            .arg(root().join("corpus-samples"))
            .args(["--quiet", "--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .code(0);
        (
            fs::read(out.join("units.csv")).unwrap(),
            fs::read(out.join("documents.csv")).unwrap(),
        )
    };
    assert!(run("one", "1") == run("two", "2"));
}

/// Writes a coding sheet (`unit_id,doc,text,code`).
fn sheet(path: &Path, rows: &[(&str, &str, &str, &str)]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["unit_id", "doc", "text", "code"]).unwrap();
    for r in rows {
        w.write_record([r.0, r.1, r.2, r.3]).unwrap();
    }
    w.flush().unwrap();
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn agree_checks_that_ids_point_at_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let units = code(&root().join("corpus-samples"), &out);
    let body: Vec<&BTreeMap<String, String>> = units
        .iter()
        .filter(|r| r["boilerplate"] == "false" && r["text"].chars().count() > 20)
        .collect();
    let u = |i: usize| {
        (
            body[i]["unit_id"].as_str(),
            body[i]["file"].as_str(),
            body[i]["text"].as_str(),
        )
    };
    // Three rows right; two whose ids point at other text (their text is under another
    // id); one id at nothing with a text found nowhere.
    let rows = [
        (u(0).0, u(0).1, u(0).2, "none"),
        (u(1).0, u(1).1, u(1).2, "fiscal_support"),
        (u(2).0, u(2).1, u(2).2, "none"),
        (u(3).0, u(3).1, u(4).2, "none"),
        (u(4).0, u(4).1, u(3).2, "none"),
        ("zzzzzz-9-9", "gone.txt", "这段文字不在任何文件里。", "none"),
    ];
    let a = dir.path().join("a.csv");
    sheet(&a, &rows);
    let run = bin()
        .arg("agree")
        .arg(&a)
        .arg("--machine")
        .arg(out.join("units.csv"))
        .args(["--bootstrap", "0"])
        .assert()
        .code(0);
    let err = stderr(&run);
    assert!(
        err.contains("3 of 6 unit ids of the sheets do not point at their text")
            && err.contains("2 at other text, 1 at nothing")
            && err.contains("2 found by their text")
            && err.contains(&format!("{} → {}", u(3).0, u(4).0))
            && err.contains("1 left without a machine code (zzzzzz-9-9)"),
        "{err}"
    );
    let text = stdout(&run);
    assert!(
        text.contains("5 of 6 sheet units paired with")
            && text.contains("3 by id and text, 2 by text under another id")
            && text.contains("1 without a machine code"),
        "{text}"
    );
    // Nothing is dropped: the unpaired unit stays, coded by the sheet's coder alone.
    assert!(text.contains("6 units"), "{text}");
    assert!(text.contains("zzzzzz-9-9 (coded by a only)"), "{text}");

    // When most ids point nowhere the sheets are refused: exit 3, nothing on stdout.
    let b = dir.path().join("b.csv");
    let wrong: Vec<(String, String)> = (0..4)
        .map(|i| (format!("qqqqqq-1-{i}"), format!("不存在的第{i}段文字。")))
        .collect();
    let mut rows: Vec<(&str, &str, &str, &str)> = wrong
        .iter()
        .map(|(id, t)| (id.as_str(), "", t.as_str(), "none"))
        .collect();
    rows.push((u(0).0, u(0).1, u(0).2, "none"));
    sheet(&b, &rows);
    bin()
        .arg("agree")
        .arg(&b)
        .arg("--machine")
        .arg(out.join("units.csv"))
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "4 of 5 units of the sheets could not be paired",
        ));
}

#[test]
fn codes_are_read_case_insensitively_and_labels_as_ids() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("ann.csv");
    let b = dir.path().join("bob.csv");
    fs::write(
        &a,
        "unit_id,code\nu1,fiscal_support\nu2,talent_training;financial_services\nu3,none\nu4,supply\n",
    )
    .unwrap();
    fs::write(
        &b,
        "unit_id,code\nu1,财政支持\nu2,Talent training;FINANCIAL_SERVICES\nu3,None\nu4,供给型政策工具\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = bin()
            .arg("agree")
            .arg(&a)
            .arg(&b)
            .args(["--format", "json", "--bootstrap", "0"])
            .args(extra)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<serde_json::Value>(&out).unwrap()
    };
    // The built-in codebook by default.
    let j = run(&[]);
    assert_eq!(j["percent_agreement"], 1.0, "{j}");
    assert!(j["per_code"].get("fiscal_support").is_some());
    assert!(j["per_code"].get("财政支持").is_none());
    let note = j["notes"].as_array().unwrap();
    assert!(
        note.iter()
            .any(|n| n.as_str().unwrap().contains("财政支持 = fiscal_support")),
        "{note:?}"
    );
    // A codebook given: its labels, and unknown codes are still refused.
    let cb = root().join("codebooks/return-migrant-entrepreneurship.toml");
    let j = run(&["--codebook", cb.to_str().unwrap()]);
    assert_eq!(j["percent_agreement"], 1.0);
    fs::write(
        &b,
        "unit_id,code\nu1,财政支持\nu2,Talent trainig\nu3,none\nu4,supply\n",
    )
    .unwrap();
    bin()
        .arg("agree")
        .arg(&a)
        .arg(&b)
        .arg("--codebook")
        .arg(&cb)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("talent trainig"));
}

/// The fenced block that follows the README line containing `marker`.
fn readme_block(marker: &str) -> String {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let at = readme.find(marker).expect(marker);
    let rest = &readme[at..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn the_readme_reliability_example_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    copy_dir(
        &root().join("examples/reliability"),
        &cwd.join("examples/reliability"),
    );
    let commands = readme_block("## Checking reliability");
    let args_of = |prefix: &str| -> Vec<String> {
        let line = commands
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in the README"));
        line.split_whitespace().skip(1).map(String::from).collect()
    };
    // cargo run --release -- code corpus-samples --out results
    let code_line = commands
        .lines()
        .find(|l| l.contains(" code corpus-samples"))
        .unwrap();
    assert!(
        code_line.ends_with("code corpus-samples --out results"),
        "{code_line}"
    );
    bin()
        .current_dir(cwd)
        .arg("code")
        .arg(root().join("corpus-samples"))
        .args(["--out", "results", "--quiet"])
        .assert()
        .code(0);
    let sample = args_of("policy-coder sample");
    bin()
        .current_dir(cwd)
        .args(&sample)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("30 units written to coder_b.csv"));
    // The drawn sheet is the example's sheets without their codes.
    let drawn = read_csv(&cwd.join("coder_b.csv"));
    for coder in ["coder_a", "coder_b"] {
        let example = read_csv(&root().join(format!("examples/reliability/{coder}.csv")));
        assert_eq!(example.len(), drawn.len(), "{coder}");
        for (e, d) in example.iter().zip(&drawn) {
            for col in ["unit_id", "doc", "text"] {
                assert_eq!(e[col], d[col], "{coder} {col}");
            }
            assert_eq!(d["code"], "");
        }
    }
    // The last command prints exactly what the README shows.
    let agree = args_of("policy-coder agree examples/reliability/coder_a.csv examples/reliability/coder_b.csv --machine");
    let run = bin().current_dir(cwd).args(&agree).assert().code(0);
    // (Compared line by line without trailing spaces, which editors strip from a README.)
    let trimmed = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
    assert_eq!(
        trimmed(&stdout(&run)),
        trimmed(&readme_block("The last command prints:"))
    );
    assert_eq!(stderr(&run), "", "every id points at its text");
    let dis = args_of("policy-coder agree examples/reliability/coder_a.csv examples/reliability/coder_b.csv --disagreements");
    let run = bin().current_dir(cwd).args(&dis).assert().code(0);
    let shown = readme_block("prints the coefficients of the two coders, starting:");
    let shown = shown.trim_end().strip_suffix('…').unwrap();
    assert!(
        trimmed(&stdout(&run)).starts_with(&trimmed(shown)),
        "{}",
        stdout(&run)
    );
    assert_eq!(read_csv(&cwd.join("to_reconcile.csv")).len(), 8);
}
