//! `policy-coder diffuse` through the binary: on planted diffusion corpora written by
//! `gen-corpus --diffusion` (recovery of the planted schedules, reuse and neighbour effect),
//! on the samples, and on bad input.

mod common;

use assert_cmd::Command;
use common::{bin, read_csv, root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Writes a planted corpus into `dir/corpus`, codes it into `dir/out` and runs `diffuse`;
/// returns diffuse's stdout.
fn planted(dir: &Path, seed: u64, random: bool) -> String {
    let corpus = dir.join("corpus");
    let out = dir.join("out");
    let mut g = Command::cargo_bin("gen-corpus").unwrap();
    g.arg("--diffusion")
        .arg("--out")
        .arg(&corpus)
        .args(["--seed", &seed.to_string()]);
    if random {
        g.arg("--random");
    }
    g.assert().success();
    bin()
        .arg("code")
        .arg(&corpus)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(0);
    let o = bin().arg("diffuse").arg(&out).assert().success();
    String::from_utf8(o.get_output().stdout.clone()).unwrap()
}

fn num(row: &BTreeMap<String, String>, k: &str) -> f64 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("{k} = `{}`", row[k]))
}

#[test]
fn planted_diffusion_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = planted(dir.path(), 3, false);
    let truth = dir.path().join("corpus/.truth");
    let out = dir.path().join("out");

    // Adoption events: exactly the planted (instrument, province, year) triples.
    let planted: BTreeSet<(String, String, String)> = read_csv(&truth.join("adoptions.csv"))
        .into_iter()
        .map(|r| {
            (
                r["instrument"].clone(),
                r["province"].clone(),
                r["year"].clone(),
            )
        })
        .collect();
    let found: BTreeSet<(String, String, String)> = read_csv(&out.join("diffusion_adoption.csv"))
        .into_iter()
        .filter(|r| r["government"] != "central")
        .map(|r| {
            (
                r["instrument"].clone(),
                r["government"].clone(),
                r["year"].clone(),
            )
        })
        .collect();
    assert_eq!(found, planted);

    // Curves: take-off and midpoint within one year of the planted ones.
    let curves: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&out.join("diffusion_curves.csv"))
            .into_iter()
            .map(|r| (r["instrument"].clone(), r))
            .collect();
    let schedules = read_csv(&truth.join("schedules.csv"));
    assert_eq!(schedules.len(), 5);
    for s in &schedules {
        let c = &curves[&s["instrument"]];
        assert!(
            (num(c, "midpoint") - num(s, "midpoint")).abs() <= 1.0,
            "{}: midpoint {} vs planted {}",
            s["instrument"],
            c["midpoint"],
            s["midpoint"]
        );
        assert!(
            (num(c, "takeoff_year") - num(s, "takeoff")).abs() <= 1.0,
            "{}: take-off {} vs planted {}",
            s["instrument"],
            c["takeoff_year"],
            s["takeoff"]
        );
    }

    // Reuse: document pairs against the planted copies, earlier → later.
    let pairs = |p: &Path| -> BTreeSet<(String, String)> {
        read_csv(p)
            .into_iter()
            .map(|r| (r["earlier_file"].clone(), r["later_file"].clone()))
            .collect()
    };
    let truth_pairs = pairs(&truth.join("reuse.csv"));
    let found_pairs = pairs(&out.join("reuse_pairs.csv"));
    let hits = truth_pairs.intersection(&found_pairs).count() as f64;
    let precision = hits / found_pairs.len() as f64;
    let recall = hits / truth_pairs.len() as f64;
    assert!(
        truth_pairs.len() >= 20,
        "{} planted pairs",
        truth_pairs.len()
    );
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}"
    );

    // Neighbour effect detected.
    let all = read_csv(&out.join("diffusion_neighbours.csv"))
        .into_iter()
        .find(|r| r["scope"] == "all")
        .unwrap();
    assert!(num(&all, "p_value") < 0.05, "{all:?}");
    assert!(num(&all, "share_pct") > num(&all, "expected_pct"));

    // The centre adopts each instrument in its midpoint year, after the first provinces:
    // every instrument of a central document is absorbed.
    for r in read_csv(&out.join("diffusion_vertical.csv")) {
        let s = schedules
            .iter()
            .find(|s| s["instrument"] == r["instrument"])
            .unwrap();
        assert_eq!(r["central_year"], s["central_year"]);
        assert_eq!(r["absorbed"], "yes", "{r:?}");
    }
    assert!(stdout.contains("neighbour effect:"), "{stdout}");
    assert!(out.join("charts/diffusion_curves.svg").is_file());
    assert!(out.join("diffusion.md").is_file());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Diffusion"));
}

#[test]
fn random_adoption_shows_no_neighbour_effect_in_most_seeds() {
    let mut not_significant = 0;
    let seeds = [1u64, 2, 3, 4, 5, 6];
    for seed in seeds {
        let dir = tempfile::tempdir().unwrap();
        planted(dir.path(), seed, true);
        let all = read_csv(&dir.path().join("out/diffusion_neighbours.csv"))
            .into_iter()
            .find(|r| r["scope"] == "all")
            .unwrap();
        if num(&all, "p_value") > 0.05 {
            not_significant += 1;
        }
    }
    assert!(
        not_significant >= 4,
        "only {not_significant} of {} random seeds had p > 0.05",
        seeds.len()
    );
}

#[test]
fn samples_adoptions_are_the_first_coded_unit_of_each_government() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .arg("--xlsx")
        .assert()
        .code(0);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Diffusion"), "no diffusion section");
    // report.html has the section (charts and tables) before the coded units, and a link.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html
        .find("<section id=\"diffusion\"")
        .expect("no diffusion section in html");
    assert!(section < html.find("<section id=\"units-section\">").unwrap());
    assert!(html.contains("<a href=\"#diffusion\">"));
    assert!(html.contains("<section id=\"diffusion_neighbours\">"));
    assert!(html[section..].contains("<svg"));
    // report.xlsx has the diffusion tables as sheets.
    let xlsx = std::fs::File::open(out.join("report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(xlsx).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook)
        .unwrap();
    assert!(workbook.contains("name=\"diffusion_curves\""), "{workbook}");
    let d = dir.path().join("diff");
    let o = bin()
        .arg("diffuse")
        .arg(&out)
        .arg("--out")
        .arg(&d)
        .assert()
        .success();
    let stdout = String::from_utf8(o.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("text reuse:"), "{stdout}");

    // Recompute the adoption events from units.csv and documents.csv by hand.
    let docs: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("documents.csv"))
        .into_iter()
        .filter(|r| r["status"] == "coded")
        .map(|r| (r["file"].clone(), r))
        .collect();
    let mut first: BTreeMap<(String, String), i32> = BTreeMap::new();
    for u in read_csv(&out.join("units.csv")) {
        if u["boilerplate"] == "true" || u["year"].is_empty() || u["year"] == "unknown" {
            continue;
        }
        let doc = &docs[&u["file"]];
        let gov = if doc["level"] == "central" {
            "central".to_string()
        } else if doc["level"] == "local" && doc["province"] != "unknown" {
            doc["province"].clone()
        } else {
            continue;
        };
        let year: i32 = u["year"].parse().unwrap();
        for c in u["categories"].split(';').filter(|c| !c.is_empty()) {
            let e = first.entry((c.to_string(), gov.clone())).or_insert(year);
            *e = (*e).min(year);
        }
    }
    let found: BTreeMap<(String, String), i32> = read_csv(&d.join("diffusion_adoption.csv"))
        .into_iter()
        .map(|r| {
            (
                (r["instrument"].clone(), r["government"].clone()),
                r["year"].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, first);

    // The sample that reuses central wording is found, from the centre to the province.
    let reuse = read_csv(&d.join("reuse_pairs.csv"));
    assert!(
        reuse
            .iter()
            .any(|r| r["flow"] == "central→local" && r["earlier_year"] < r["later_year"]),
        "{reuse:?}"
    );
}

#[test]
fn diffuse_on_a_folder_without_results_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin().arg("diffuse").arg(dir.path()).assert().code(1);
    let err = String::from_utf8(o.get_output().stderr.clone()).unwrap();
    assert!(err.contains("documents.csv not found"), "{err}");
    std::fs::write(dir.path().join("documents.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(dir.path().join("units.csv"), "x\n").unwrap();
    let o = bin().arg("diffuse").arg(dir.path()).assert().code(1);
    let err = String::from_utf8(o.get_output().stderr.clone()).unwrap();
    assert!(err.contains("no `file` column"), "{err}");
}
