//! Golden outputs: the SHA-256 of every file a fixed set of command lines writes, compared
//! with `tests/golden/outputs.sha256`. A refactor keeps them byte for byte; a change of
//! output is made in a commit of its own that says why and re-blesses the file with
//! `POLICY_CODER_BLESS=1 cargo test --test golden`.
//!
//! `run.json` (a run id with the time and the command line) is the one output that differs
//! between runs by design and is left out.

mod common;

use common::{bin, root};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Output files not compared: they name the run, not its results.
const UNSTAMPED: &[&str] = &["run.json"];

/// Runs `policy-coder ARGS` in `dir` and fails with its stderr if it does not succeed.
fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = bin().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "policy-coder {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes every file under `path` (or `path` itself) as `case/relative path` → SHA-256.
fn hash_outputs(case: &str, path: &Path, into: &mut BTreeMap<String, String>) {
    if path.is_file() {
        into.insert(case.to_string(), sha256(&std::fs::read(path).unwrap()));
        return;
    }
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(path)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if UNSTAMPED.contains(&rel.as_str()) {
                continue;
            }
            into.insert(format!("{case}/{rel}"), sha256(&std::fs::read(&p).unwrap()));
        }
    }
}

/// Every golden case, run in a fresh folder; returns name → hash.
fn outputs() -> BTreeMap<String, String> {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let samples = root().join("corpus-samples");
    let samples = samples.to_str().unwrap();
    let reliability = root().join("examples/reliability");
    let coder = |name: &str| reliability.join(name).to_string_lossy().into_owned();
    let mut h = BTreeMap::new();

    // code: plain (one and two threads), with the workbook, from its own units, with a model
    run(
        d,
        &[
            "code",
            samples,
            "--out",
            "plain",
            "--threads",
            "1",
            "--quiet",
        ],
    );
    hash_outputs("code", &d.join("plain"), &mut h);
    run(
        d,
        &["code", samples, "--out", "two", "--threads", "2", "--quiet"],
    );
    let mut two = BTreeMap::new();
    hash_outputs("code", &d.join("two"), &mut two);
    assert_eq!(two, h, "two threads wrote other bytes than one");
    run(d, &["code", samples, "--out", "xlsx", "--xlsx", "--quiet"]);
    hash_outputs("code_xlsx", &d.join("xlsx"), &mut h);
    run(
        d,
        &[
            "code",
            "--units",
            "plain/units.csv",
            "--out",
            "units",
            "--quiet",
        ],
    );
    hash_outputs("code_units", &d.join("units"), &mut h);
    run(
        d,
        &[
            "train",
            "--labeled",
            "plain/units.csv",
            "--out",
            "model.json",
        ],
    );
    hash_outputs("train", &d.join("model.json"), &mut h);
    run(
        d,
        &[
            "code",
            samples,
            "--model",
            "model.json",
            "--out",
            "model",
            "--quiet",
        ],
    );
    hash_outputs("code_model", &d.join("model"), &mut h);

    // keywords
    let stdout = run(d, &["keywords", samples, "--by", "region", "--out", "kw"]);
    h.insert("keywords/stdout".into(), sha256(&stdout));
    hash_outputs("keywords", &d.join("kw"), &mut h);

    // codebook export in every format, and the QDC imported back
    for format in ["qdc", "md", "csv"] {
        let file = format!("codebook.{format}");
        run(
            d,
            &["codebook", "export", "--format", format, "--out", &file],
        );
        hash_outputs(&format!("codebook_export_{format}"), &d.join(&file), &mut h);
    }
    run(
        d,
        &[
            "codebook",
            "import",
            "codebook.qdc",
            "--out",
            "imported.toml",
        ],
    );
    hash_outputs("codebook_import", &d.join("imported.toml"), &mut h);

    // sample, agree in every format, evaluate
    run(
        d,
        &[
            "sample",
            "plain/units.csv",
            "--n",
            "25",
            "--stratify",
            "core",
            "--sheet",
            "sheet.csv",
        ],
    );
    hash_outputs("sample", &d.join("sheet.csv"), &mut h);
    let (a, b) = (coder("coder_a.csv"), coder("coder_b.csv"));
    for format in ["text", "json", "csv"] {
        let stdout = run(
            d,
            &[
                "agree",
                &a,
                &b,
                "--machine",
                "plain/units.csv",
                "--format",
                format,
            ],
        );
        h.insert(format!("agree_{format}/stdout"), sha256(&stdout));
    }
    let stdout = run(
        d,
        &[
            "evaluate",
            "--labeled",
            "plain/units.csv",
            "--target",
            "core",
            "--folds",
            "3",
            "--format",
            "json",
        ],
    );
    h.insert("evaluate_json/stdout".into(), sha256(&stdout));
    h
}

fn golden_file() -> PathBuf {
    root().join("tests/golden/outputs.sha256")
}

#[test]
fn outputs_match_the_golden_hashes() {
    let got = outputs();
    let text: String = got.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    if std::env::var_os("POLICY_CODER_BLESS").is_some() {
        std::fs::create_dir_all(golden_file().parent().unwrap()).unwrap();
        std::fs::write(golden_file(), &text).unwrap();
        eprintln!(
            "blessed {} outputs into {}",
            got.len(),
            golden_file().display()
        );
        return;
    }
    let want: BTreeMap<String, String> = std::fs::read_to_string(golden_file())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once("  ")
                .map(|(h, k)| (k.to_string(), h.to_string()))
        })
        .collect();
    let mut problems = Vec::new();
    for (k, v) in &got {
        match want.get(k) {
            None => problems.push(format!("new output {k}")),
            Some(w) if w != v => problems.push(format!("changed {k}")),
            Some(_) => {}
        }
    }
    for k in want.keys().filter(|k| !got.contains_key(*k)) {
        problems.push(format!("missing output {k}"));
    }
    assert!(
        problems.is_empty(),
        "outputs differ from tests/golden/outputs.sha256 (re-bless with POLICY_CODER_BLESS=1 \
         cargo test --test golden in a commit that says why):\n  {}",
        problems.join("\n  ")
    );
}
