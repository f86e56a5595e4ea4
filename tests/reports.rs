//! The analysis reports: chi-square, cross-tabs, keywords, Excel workbook, charts and the
//! HTML report, from a run on `corpus-samples/`.

mod common;
use common::{bin, read_csv, root};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Codes the samples once per test binary run into a fresh folder.
fn run(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    (dir, out)
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn chisq_csv_has_the_documented_columns_and_tables() {
    let (_d, out) = run(&[]);
    let text = fs::read_to_string(out.join("chisq.csv")).unwrap();
    assert!(text
        .starts_with("\u{feff}table,rows,columns,n,chi2,df,p_value,cramers_v,min_expected,note\n"));
    let rows = read_csv(&out.join("chisq.csv"));
    let names: Vec<&str> = rows.iter().map(|r| r["table"].as_str()).collect();
    for t in [
        "level x core",
        "level x category",
        "region x core",
        "region x category",
        "core x stage",
        "category x stage",
    ] {
        assert!(names.contains(&t), "{t} missing from {names:?}");
    }
    let region = rows.iter().find(|r| r["table"] == "region x core").unwrap();
    // Central documents have region `national`: left out of the region test, and said so.
    assert!(region["note"].contains("left out: national"), "{region:?}");
    let shares = read_csv(&out.join("shares_by_region.csv"));
    let known: u64 = shares
        .iter()
        .filter(|r| r["category"].is_empty() && r["group"] != "national" && r["group"] != "unknown")
        .map(|r| r["references"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(region["n"], known.to_string());
    let p: f64 = region["p_value"].parse().unwrap();
    assert!((0.0..=1.0).contains(&p));
    // Residuals exist for every cell of every tested table.
    let res = read_csv(&out.join("chisq_residuals.csv"));
    let cells = res.iter().filter(|r| r["table"] == "region x core").count();
    assert_eq!(cells, 9, "3 regions × 3 cores");
}

#[test]
fn stage_dimension_is_coded_and_cross_tabulated() {
    let (_d, out) = run(&[]);
    let units = read_csv(&out.join("units.csv"));
    let staged: Vec<_> = units.iter().filter(|u| !u["stage"].is_empty()).collect();
    assert!(!staged.is_empty(), "no unit has a stage");
    for u in &staged {
        assert!(u["evidence"].contains("stage."), "{u:?}");
    }
    let tab = read_csv(&out.join("crosstab_stage.csv"));
    // Core rows: the counts of each stage over cores add up to the category rows' counts.
    for stage in ["preparation", "startup", "growth"] {
        let sum = |level: &str| -> u64 {
            tab.iter()
                .filter(|r| r["level"] == level && r["stage"] == stage)
                .map(|r| r["units"].parse::<u64>().unwrap())
                .sum()
        };
        assert_eq!(sum("core"), sum("category"), "{stage}");
    }
    // Row shares of each instrument with any stage sum to 100.
    for core in ["supply", "demand", "environment"] {
        let rows: Vec<_> = tab
            .iter()
            .filter(|r| r["level"] == "core" && r["instrument"] == core)
            .collect();
        if rows.iter().any(|r| r["units"] != "0") {
            let s: f64 = rows
                .iter()
                .map(|r| r["row_share_pct"].parse::<f64>().unwrap())
                .sum();
            assert!((s - 100.0).abs() < 0.02, "{core}: {s}");
        }
    }
}

#[test]
fn keywords_command_prints_top_words_and_keyness() {
    let out = bin()
        .arg("keywords")
        .arg(root().join("corpus-samples"))
        .args(["--by", "level", "--top", "5"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("# Keyword frequencies by group"), "{text}");
    assert!(text.contains("| level | central | 1 |") && text.contains("| level | local | 1 |"));
    assert!(text.contains("# Keyness"));
    // Stop words never appear as keywords.
    assert!(!text.contains("| 的 |") && !text.contains("| the |"));
    bin()
        .arg("keywords")
        .arg(root().join("corpus-samples"))
        .args(["--by", "colour"])
        .assert()
        .code(1);
}

#[test]
fn user_stop_words_remove_words_from_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (_d, out) = run(&[]);
    let top = read_csv(&out.join("keywords.csv"));
    let first = top
        .iter()
        .find(|r| r["dimension"] == "overall" && r["rank"] == "1")
        .unwrap()["word"]
        .clone();
    let stop = dir.path().join("stop.txt");
    fs::write(&stop, format!("# ours\n{first}\n")).unwrap();
    let out2 = dir.path().join("kw");
    bin()
        .arg("keywords")
        .arg(root().join("corpus-samples"))
        .args(["--by", "overall", "--stopwords"])
        .arg(&stop)
        .arg("--out")
        .arg(&out2)
        .assert()
        .code(0);
    let again = read_csv(&out2.join("keywords.csv"));
    assert!(
        !again.iter().any(|r| r["word"] == first),
        "{first} still listed"
    );
}

#[test]
fn xlsx_has_a_sheet_per_table_numeric_percentages_and_chinese_text() {
    let (_d, out) = run(&["--xlsx"]);
    let path = out.join("report.xlsx");
    let wb = zip_entry(&path, "xl/workbook.xml");
    for sheet in [
        "shares_overall",
        "shares_by_level",
        "shares_by_region",
        "crosstab_stage",
        "chisq",
        "chisq_residuals",
        "keywords",
        "keyness",
        "units",
    ] {
        assert!(wb.contains(&format!("name=\"{sheet}\"")), "{sheet} missing");
    }
    let styles = zip_entry(&path, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.00%\""));
    let strings = zip_entry(&path, "xl/sharedStrings.xml");
    assert!(strings.contains("返乡") && strings.contains("fiscal_support"));
    // shares_overall (the sheet after summary): column I (share_pct) of row 2 is a number
    // (no t="s"), 0–1.
    let sheet = zip_entry(&path, "xl/worksheets/sheet2.xml");
    let cell = sheet.split("<c r=\"I2\"").nth(1).unwrap();
    let cell = &cell[..cell.find("</c>").unwrap()];
    assert!(!cell.contains("t=\"s\""), "{cell}");
    let v: f64 = cell
        .split("<v>")
        .nth(1)
        .unwrap()
        .split("</v>")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.0..=1.0).contains(&v));
    assert!(sheet.contains("<pane ySplit=\"1\""), "header row frozen");
    // The units sheet has a row per unit plus the header.
    let units = read_csv(&out.join("units.csv")).len();
    let position = wb
        .split("<sheet ")
        .position(|s| s.contains("name=\"units\""))
        .unwrap();
    let last = zip_entry(&path, &format!("xl/worksheets/sheet{position}.xml"));
    assert!(last.contains(&format!("<row r=\"{}\"", units + 1)));
}

#[test]
fn charts_and_html_report_contain_every_table_and_nothing_remote() {
    let (_d, out) = run(&[]);
    for c in [
        "core_shares_by_level.svg",
        "core_shares_by_region.svg",
        "category_shares.svg",
        "references_by_year.svg",
    ] {
        let svg = fs::read_to_string(out.join("charts").join(c)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{c}"
        );
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let csvs: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".csv") && n != "units.csv" && n != "documents.csv")
        .collect();
    assert!(csvs.len() >= 10, "{csvs:?}");
    for name in &csvs {
        let id = name.trim_end_matches(".csv");
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "{id} missing from report.html"
        );
        let header = fs::read_to_string(out.join(name)).unwrap();
        let first = header
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        assert!(
            html.contains(&format!("<th>{first}</th>")),
            "{id}: <th>{first}</th>"
        );
    }
    // Every chart written is inline: the four of every run, and the two diffusion charts
    // of a run over several years and provinces (the samples are one).
    let charts = fs::read_dir(out.join("charts")).unwrap().count();
    assert_eq!(charts, 6);
    assert_eq!(html.matches("<svg").count(), charts);
    // Self-contained: no external script, style, image or font.
    for bad in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(bad), "{bad}");
    }
    assert!(html.contains("id=\"units-data\"") && html.contains("f-category"));
}

#[test]
fn codebook_export_import_and_yaml_dictionaries_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let qdc = dir.path().join("cb.qdc");
    bin()
        .args(["codebook", "export", "--format", "qdc", "--out"])
        .arg(&qdc)
        .assert()
        .code(0);
    let toml = dir.path().join("back.toml");
    bin()
        .args(["codebook", "import"])
        .arg(&qdc)
        .arg("--out")
        .arg(&toml)
        .assert()
        .code(0);
    let back = fs::read_to_string(&toml).unwrap();
    assert!(back.contains("id = \"fiscal_support\"") && !back.contains("TODO: terms"));
    // The imported codebook is the same codebook: it checks clean, the stage dimension is
    // still a dimension, and every export format gives back the same bytes.
    bin()
        .args(["codebook", "check"])
        .arg(&toml)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("3 cores, 21 categories"));
    assert!(back.contains("[[dimension]]\nid = \"stage\""));
    for format in ["qdc", "md", "csv"] {
        let export = |file: Option<&std::path::Path>| {
            let mut cmd = bin();
            cmd.args(["codebook", "export"]);
            if let Some(f) = file {
                cmd.arg(f);
            }
            cmd.args(["--format", format])
                .assert()
                .code(0)
                .get_output()
                .stdout
                .clone()
        };
        assert_eq!(
            String::from_utf8(export(None)).unwrap(),
            String::from_utf8(export(Some(&toml))).unwrap(),
            "--format {format} differs after the round trip"
        );
    }
    // CSV and Markdown exports are one-way: import says so instead of guessing.
    let csv = dir.path().join("cb.csv");
    bin()
        .args(["codebook", "export", "--format", "csv", "--out"])
        .arg(&csv)
        .assert()
        .code(0);
    bin()
        .args(["codebook", "import"])
        .arg(&csv)
        .assert()
        .code(predicates::ord::ne(0))
        .stderr(predicates::str::contains("not a REFI-QDA codebook"));
    let md = bin()
        .args(["codebook", "export", "--format", "md"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(md)
        .unwrap()
        .contains("| 供给型政策工具 / Supply-side instruments |"));
    let yml = dir.path().join("dict.yml");
    fs::write(
        &yml,
        "central:\n  pilot: [试点]\n  reform: [改革]\nlocal:\n  service: [服务]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .arg("--codebook")
        .arg(&yml)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let shares = read_csv(&out.join("shares_overall.csv"));
    let cores: Vec<&str> = shares
        .iter()
        .filter(|r| r["category"].is_empty())
        .map(|r| r["core"].as_str())
        .collect();
    assert_eq!(cores, ["central", "local"]);
}
