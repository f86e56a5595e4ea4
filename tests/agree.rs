//! Integration tests of `policy-coder sample` and `policy-coder agree`.

mod common;
use common::*;

use predicates::prelude::*;
use std::fs;
use std::path::PathBuf;

fn sheets() -> [PathBuf; 2] {
    let d = root().join("examples/reliability");
    [d.join("coder_a.csv"), d.join("coder_b.csv")]
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = bin()
        .arg("agree")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn two_sheets_report_every_coefficient_under_its_json_name() {
    let [a, b] = sheets();
    let j = json(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(j["n_units"], 30);
    assert_eq!(j["n_coders"], 2);
    for field in [
        "percent_agreement",
        "holsti",
        "cohen_kappa",
        "cohen_kappa_se",
        "cohen_kappa_ci",
        "scott_pi",
        "krippendorff_alpha",
        "krippendorff_alpha_ci",
        "fleiss_kappa",
        "fleiss_kappa_per_category",
        "krippendorff_alpha_masi",
        "per_code",
    ] {
        assert!(!j[field].is_null(), "{field} is null");
    }
    assert!(j["cohen_kappa_linear"].is_null(), "codes are not numbers");
    assert!(j.get("pairs").is_none(), "pairs are omitted for two coders");
    assert_eq!(j["units_single_coder"], 1);
    let k = j["cohen_kappa"].as_f64().unwrap();
    let ci = j["cohen_kappa_ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < k && k < ci[1].as_f64().unwrap());
    assert_eq!(j["per_code"]["tax_fee_reduction"]["more"], "coder_b");
}

#[test]
fn machine_as_third_coder_lists_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    bin()
        .args([
            "code",
            root().join("corpus-samples").to_str().unwrap(),
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0);
    let [a, b] = sheets();
    let j = json(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--machine",
        out.join("units.csv").to_str().unwrap(),
    ]);
    assert_eq!(j["n_coders"], 3);
    assert_eq!(j["pairs"].as_array().unwrap().len(), 3);
    assert!(j["cohen_kappa"].is_null() && j["percent_agreement_all"].is_number());
    let j = json(&[
        a.to_str().unwrap(),
        "--machine",
        out.join("units.csv").to_str().unwrap(),
        "--level",
        "core",
    ]);
    assert!(j["per_code"].get("supply").is_some() || j["per_code"].get("none").is_some());
}

#[test]
fn coded_only_drops_units_without_instruments() {
    let [a, b] = sheets();
    let all = json(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    let coded = json(&[a.to_str().unwrap(), b.to_str().unwrap(), "--coded-only"]);
    assert!(coded["n_units"].as_u64().unwrap() < all["n_units"].as_u64().unwrap());
    assert!(
        coded["percent_agreement"].as_f64().unwrap() < all["percent_agreement"].as_f64().unwrap()
    );
}

#[test]
fn text_csv_and_disagreements() {
    let [a, b] = sheets();
    bin()
        .args(["agree", a.to_str().unwrap(), b.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("Cohen's kappa")
                .and(predicate::str::contains("Landis & Koch"))
                .and(predicate::str::contains("Krippendorff's alpha (nominal)")),
        );
    bin()
        .args([
            "agree",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "code,used_coder_a,used_coder_b,percent_agreement,kappa,alpha,used_more_by",
        ));
    let dir = tempfile::tempdir().unwrap();
    let dis = dir.path().join("dis.csv");
    bin()
        .args([
            "agree",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--disagreements",
        ])
        .arg(&dis)
        .assert()
        .code(0);
    let text = fs::read_to_string(&dis).unwrap();
    assert!(text.starts_with("unit,text,coder_a,coder_b\n"));
    assert!(text.contains("1-2-9,（九）发展农村电子商务"), "{text}");
}

#[test]
fn ordinal_codes_get_weighted_kappas_and_other_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wide.csv");
    fs::write(&f, "unit,r1,r2\n1,1,1\n2,2,2\n3,3,3\n4,1,2\n5,2,3\n6,3,3\n").unwrap();
    let j = json(&[f.to_str().unwrap(), "--ordinal", "--metric", "interval"]);
    assert_eq!(
        (j["cohen_kappa_linear"].as_f64().unwrap() * 1000.0).round(),
        625.0
    );
    assert_eq!(
        (j["cohen_kappa_quadratic"].as_f64().unwrap() * 1000.0).round(),
        750.0
    );
    assert_eq!(j["krippendorff_metric"], "interval");
}

#[test]
fn bad_inputs_exit_1_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.csv");
    fs::write(&long, "unit,coder,code\n1,ann,a\n1,ann,b\n1,bob,a\n").unwrap();
    bin()
        .args(["agree"])
        .arg(&long)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unit `1` is coded twice by coder `ann`",
        ));
    let [a, _] = sheets();
    bin()
        .args(["agree"])
        .arg(&a)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("at least two coders"));
    let bad = dir.path().join("bad.csv");
    fs::write(&bad, "unit,ann,bob\n1,fiscal_support,subsidies\n2,none,\n").unwrap();
    bin()
        .args(["agree"])
        .arg(&bad)
        .args([
            "--codebook",
            root()
                .join("codebooks/return-migrant-entrepreneurship.toml")
                .to_str()
                .unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("codes not in codebook")
                .and(predicate::str::contains("subsidies")),
        );
    let ragged = dir.path().join("ragged.csv");
    fs::write(&ragged, "unit,ann,bob\n1,a,a\n2,b\n").unwrap();
    bin()
        .args(["agree"])
        .arg(&ragged)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ragged.csv:3"));
    let text = dir.path().join("nums.csv");
    fs::write(&text, "unit,ann,bob\n1,a,b\n2,b,b\n").unwrap();
    bin()
        .args(["agree"])
        .arg(&text)
        .args(["--metric", "ratio"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "needs every code to be a single number",
        ));
}

#[test]
fn sample_is_reproducible_and_stratified() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    bin()
        .args([
            "code",
            root().join("corpus-samples").to_str().unwrap(),
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0);
    let units = out.join("units.csv");
    let draw = |name: &str, seed: &str| {
        let sheet = dir.path().join(name);
        bin()
            .args(["sample"])
            .arg(&units)
            .args([
                "--n",
                "25",
                "--seed",
                seed,
                "--stratify",
                "level",
                "--exclude-boilerplate",
                "--sheet",
            ])
            .arg(&sheet)
            .assert()
            .code(0);
        fs::read_to_string(sheet).unwrap()
    };
    let a = draw("a.csv", "7");
    assert_eq!(a, draw("b.csv", "7"));
    assert_ne!(a, draw("c.csv", "8"));
    let mut r = csv::Reader::from_reader(a.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["unit_id", "doc", "text", "code"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 25);
    assert!(rows.iter().all(|r| r[3].is_empty()));
}

#[test]
fn machine_against_the_labelled_clauses() {
    let shared = root().join("../shared/labeled");
    if !shared.is_dir() {
        eprintln!(
            "skipping: ../shared is absent (it holds the labelled clauses beside the project)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let labels = shared.join("clauses_zh.tsv");
    bin()
        .args(["code", "--units"])
        .arg(&labels)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let j = json(&[
        labels.to_str().unwrap(),
        "--machine",
        out.join("units.csv").to_str().unwrap(),
    ]);
    assert_eq!(j["n_units"], 110);
    assert!(
        j["krippendorff_alpha"].as_f64().unwrap() >= 0.8,
        "{}",
        j["krippendorff_alpha"]
    );
}
