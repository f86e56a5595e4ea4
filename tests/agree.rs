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
    assert_eq!(j["per_code"]["business_barriers"]["more"], "coder_b");
    assert_eq!(j["n_units_compared"], 29);
    assert_eq!(
        j["units_single_coder_ids"][0],
        "a6ayyu-1-2 (coded by coder_a only)"
    );
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
    // A file for people: UTF-8 BOM first (--no-bom turns it off), then the header.
    assert!(
        text.starts_with("\u{feff}unit,text,coder_a,coder_b\n"),
        "{text}"
    );
    assert!(text.contains("a6ayyu-2-9,（九）发展农村电子商务"), "{text}");
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

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders × 12 units
/// (irrCAC's `cac.raw4raters`), as a wide CSV with each value written by `spell(coder, v)`.
fn krippendorff_wide(
    dir: &std::path::Path,
    name: &str,
    spell: impl Fn(usize, &str) -> String,
) -> PathBuf {
    let rows = [
        ["1", "1", "", "1"],
        ["2", "2", "3", "2"],
        ["3", "3", "3", "3"],
        ["3", "3", "3", "3"],
        ["2", "2", "2", "2"],
        ["1", "2", "3", "4"],
        ["4", "4", "4", "4"],
        ["1", "1", "2", "1"],
        ["2", "2", "2", "2"],
        ["", "5", "5", "5"],
        ["", "", "1", "1"],
        ["", "", "3", ""],
    ];
    let mut text = String::from("unit,r1,r2,r3,r4\n");
    for (u, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if v.is_empty() {
                    String::new()
                } else {
                    spell(c, v)
                }
            })
            .collect();
        text.push_str(&format!("{},{}\n", u + 1, cells.join(",")));
    }
    let f = dir.join(name);
    fs::write(&f, text).unwrap();
    f
}

fn round3(v: &serde_json::Value) -> f64 {
    (v.as_f64().unwrap() * 1000.0).round() / 1000.0
}

#[test]
fn number_codes_written_1_and_1_0_are_one_code() {
    let dir = tempfile::tempdir().unwrap();
    let plain = krippendorff_wide(dir.path(), "plain.csv", |_, v| v.to_string());
    // Two coders write `1.0` (a spreadsheet column with a missing cell), one writes `01`.
    let mixed = krippendorff_wide(dir.path(), "mixed.csv", |c, v| match c {
        1 | 3 => format!("{v}.0"),
        2 => format!("0{v}"),
        _ => v.to_string(),
    });
    let args = |f: &PathBuf, extra: &[&str]| {
        let mut a = vec![
            f.to_str().unwrap().to_string(),
            "--metric".into(),
            "ordinal".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let p = run(args(&plain, &[]));
    let m = run(args(&mixed, &[]));
    // Krippendorff (2011): ordinal alpha .815.
    assert_eq!(round3(&p["krippendorff_alpha"]), 0.815);
    for field in [
        "krippendorff_alpha",
        "gwet_ac1",
        "fleiss_kappa",
        "conger_kappa",
        "percent_agreement",
    ] {
        assert_eq!(p[field], m[field], "{field}");
    }
    let notes = m["notes"].to_string();
    assert!(
        notes.contains("compared as numbers") && notes.contains("1.0 = 1"),
        "{notes}"
    );
    assert!(!p["notes"].to_string().contains("compared as numbers"));
    let s = run(args(&mixed, &["--strings"]));
    assert_ne!(
        round3(&s["krippendorff_alpha"]),
        0.815,
        "--strings keeps 1 ≠ 1.0"
    );
}

#[test]
fn ordered_labels_with_order() {
    let dir = tempfile::tempdir().unwrap();
    let labels = ["very low", "low", "mid", "high", "very high"];
    let f = krippendorff_wide(dir.path(), "labels.csv", |_, v| {
        labels[v.parse::<usize>().unwrap() - 1].to_string()
    });
    let order = "very low,low,mid,high,very high";
    let j = json(&[f.to_str().unwrap(), "--metric", "ordinal", "--order", order]);
    // Krippendorff (2011): ordinal alpha .815 for the values 1–5; labels in that order
    // give the same.
    assert_eq!(round3(&j["krippendorff_alpha"]), 0.815);
    // --order makes the weighted coefficients available; irrCAC's weighting vignette gives
    // AC2 (quadratic) 0.914 on these data.
    assert_eq!(round3(&j["gwet_ac2_quadratic"]), 0.914);
    let j = json(&[
        f.to_str().unwrap(),
        "--metric",
        "interval",
        "--order",
        order,
    ]);
    assert_eq!(round3(&j["krippendorff_alpha"]), 0.849);
    bin()
        .args(["agree"])
        .arg(&f)
        .args(["--metric", "ordinal"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "needs every code to be a single number",
        ));
    bin()
        .args(["agree"])
        .arg(&f)
        .args(["--metric", "ordinal", "--order", "very low,low,mid,high"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--order does not list the code `very high`",
        ));
}

#[test]
fn gwet_conger_and_brennan_prediger_equal_irrcac() {
    // irrCAC README, `cac.raw4raters` (the same 4 × 12 data): AC1 0.77544 (SE 0.14295),
    // Conger 0.76282 (SE 0.14917), Brennan-Prediger 0.77273 (SE 0.14472); the weighting
    // vignette with quadratic weights: AC2 0.914 (SE 0.10396).
    let dir = tempfile::tempdir().unwrap();
    let f = krippendorff_wide(dir.path(), "k.csv", |_, v| v.to_string());
    let j = json(&[f.to_str().unwrap(), "--ordinal"]);
    let pair = |name: &str| (round3(&j[name]), round3(&j[format!("{name}_se")]));
    assert_eq!(pair("gwet_ac1"), (0.775, 0.143));
    assert_eq!(pair("conger_kappa"), (0.763, 0.149));
    assert_eq!(pair("brennan_prediger"), (0.773, 0.145));
    assert_eq!(pair("gwet_ac2_quadratic"), (0.914, 0.104));
    assert!(j["light_kappa"].is_number() && j["gwet_ac2_ordinal"].is_number());
    assert!(
        j["cohen_kappa"].is_null() && j["pabak"].is_null(),
        "four coders"
    );
    for field in [
        "fleiss_kappa_se",
        "fleiss_kappa_ci",
        "fleiss_kappa_z",
        "fleiss_kappa_p",
    ] {
        assert!(!j[field].is_null(), "{field}");
    }
    bin().args(["agree"]).arg(&f).assert().code(0).stdout(
        predicate::str::contains("Chance-corrected, any number of coders")
            .and(predicate::str::contains("Conger's kappa"))
            .and(predicate::str::contains("Light's kappa"))
            .and(predicate::str::contains("Alpha family")),
    );
}

#[test]
fn two_coders_pabak_and_weighted_kappa_se() {
    let dir = tempfile::tempdir().unwrap();
    // Wikipedia's Cohen's kappa example: yes/yes 20, yes/no 5, no/yes 10, no/no 15;
    // p_o = .70, so PABAK = 2 × .70 − 1 = .40 (Byrt, Bishop & Carlin 1993).
    let mut text = String::from("unit,a,b\n");
    let mut u = 0;
    for (a, b, n) in [
        ("yes", "yes", 20),
        ("yes", "no", 5),
        ("no", "yes", 10),
        ("no", "no", 15),
    ] {
        for _ in 0..n {
            u += 1;
            text.push_str(&format!("{u},{a},{b}\n"));
        }
    }
    let f = dir.path().join("yn.csv");
    fs::write(&f, text).unwrap();
    let j = json(&[f.to_str().unwrap()]);
    assert_eq!(round3(&j["pabak"]), 0.400);
    assert_eq!(round3(&j["brennan_prediger"]), 0.400);
    assert_eq!(j["krippendorff_alpha_bootstrap"], "units");
    let out = bin()
        .args(["agree"])
        .arg(&f)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Chance-corrected, two coders") && text.contains("PABAK"),
        "{text}"
    );
    // Weighted kappa with its SE (irrCAC's kappa2.table formula, checked in the unit tests).
    let w = dir.path().join("w.csv");
    fs::write(&w, "unit,r1,r2\n1,1,1\n2,2,2\n3,3,3\n4,1,2\n5,2,3\n6,3,3\n").unwrap();
    let j = json(&[w.to_str().unwrap(), "--ordinal"]);
    assert!(j["cohen_kappa_linear_se"].as_f64().unwrap() > 0.0);
    let ci = j["cohen_kappa_quadratic_ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < 0.75 && 0.75 < ci[1].as_f64().unwrap());
}

#[test]
fn bootstrap_methods_and_interval_fields() {
    let [a, b] = sheets();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let units = json(&[a, b]);
    assert_eq!(units["krippendorff_alpha_bootstrap"], "units");
    assert!(units["krippendorff_alpha_masi_ci"].is_array());
    assert!(units["per_code"]["none"]["alpha_ci"].is_array());
    assert!(units["per_code"]["none"]["ac1"].is_number());
    let pairs = json(&[a, b, "--bootstrap-method", "pairs"]);
    assert_eq!(pairs["krippendorff_alpha_bootstrap"], "pairs");
    assert!(pairs["notes"].to_string().contains("Hayes & Krippendorff"));
    assert_ne!(
        units["krippendorff_alpha_ci"],
        pairs["krippendorff_alpha_ci"]
    );
    let none = json(&[a, b, "--bootstrap", "0"]);
    assert!(
        none["krippendorff_alpha_ci"].is_null() && none["krippendorff_alpha_bootstrap"].is_null()
    );
    bin()
        .args(["agree", a, b, "--bootstrap-method", "draws"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown bootstrap method"));
    bin()
        .args(["agree", a, b, "--format", "csv"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "code,used_coder_a,used_coder_b,percent_agreement,kappa,alpha,used_more_by,ac1,alpha_ci_low,alpha_ci_high",
        ));
}

#[test]
fn sample_names_the_line_of_a_bad_row_in_a_crlf_file() {
    let dir = tempfile::tempdir().unwrap();
    // Line 4 (the third data row) has a field too many; the csv crate's own count says 3
    // in a CRLF file.
    let body = "doc_id,unit_id,text,categories\r\nk,k-1-1,一,fiscal_support\r\nk,k-1-2,二,\r\nk,k-1-3,三,,extra\r\n";
    let units = dir.path().join("units.csv");
    fs::write(&units, body).unwrap();
    bin()
        .arg("sample")
        .arg(&units)
        .arg("--sheet")
        .arg(dir.path().join("sheet.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("units.csv:4:"));
}
