//! Excel-friendly outputs through the binary: the UTF-8 BOM (and `--no-bom`), BOM'd inputs,
//! `--excel-safe` in every CSV, typed xlsx cells, the 32,767-character note, equal shares
//! for equal counts, ISO dates and region ids that are not level ids.

mod common;

use common::{bin, read_csv, root};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn code(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .arg("--out")
        .arg(&out)
        .args(args)
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(3));
    (d, out)
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The worksheet XML of the sheet named `name`.
fn sheet_xml(xlsx: &Path, name: &str) -> String {
    let wb = zip_entry(xlsx, "xl/workbook.xml");
    let i = wb
        .split("<sheet ")
        .skip(1)
        .position(|s| s.contains(&format!("name=\"{name}\"")))
        .unwrap_or_else(|| panic!("no sheet {name}"));
    zip_entry(xlsx, &format!("xl/worksheets/sheet{}.xml", i + 1))
}

/// The XML of cell `r` (e.g. `B2`) in a sheet.
fn cell<'a>(sheet: &'a str, r: &str) -> &'a str {
    let c = sheet
        .split(&format!("<c r=\"{r}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no cell {r}"));
    let end = c.find("</c>").or_else(|| c.find("/>")).unwrap();
    &c[..end]
}

fn column_letter(headers_row: &str, name: &str, strings: &[String]) -> String {
    // Header cells are shared strings: find the one whose text is `name`.
    for part in headers_row.split("<c r=\"").skip(1) {
        let r: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(v) = part
            .split("<v>")
            .nth(1)
            .and_then(|v| v.split("</v>").next())
        {
            if strings
                .get(v.parse::<usize>().unwrap_or(usize::MAX))
                .map(String::as_str)
                == Some(name)
            {
                return r.trim_end_matches(char::is_numeric).to_string();
            }
        }
        if part.contains(&format!("<t>{name}</t>")) {
            return r.trim_end_matches(char::is_numeric).to_string();
        }
    }
    panic!("no column {name}");
}

fn shared_strings(xlsx: &Path) -> Vec<String> {
    zip_entry(xlsx, "xl/sharedStrings.xml")
        .split("<si>")
        .skip(1)
        .map(|s| {
            s.split("<t")
                .nth(1)
                .and_then(|t| t.split_once('>'))
                .map(|(_, t)| t.split("</t>").next().unwrap_or("").to_string())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_csv_starts_with_a_bom_unless_no_bom() {
    let (_d, out) = code(&[]);
    let files = csv_files(&out);
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        assert!(
            fs::read(f).unwrap().starts_with(BOM),
            "{} has no BOM",
            f.display()
        );
    }
    // The tool reads its own BOM'd output: diffusion and a coding sheet from units.csv.
    bin().arg("diffuse").arg(&out).assert().success();
    let sheet = out.join("sheet.csv");
    bin()
        .args(["sample"])
        .arg(out.join("units.csv"))
        .args(["--n", "5", "--seed", "1", "--sheet"])
        .arg(&sheet)
        .assert()
        .success();
    assert!(fs::read(&sheet).unwrap().starts_with(BOM));
    assert_eq!(read_csv(&sheet).len(), 5);
    assert!(fs::read(out.join("diffusion_adoption.csv"))
        .unwrap()
        .starts_with(BOM));

    let (_d2, plain) = code(&["--no-bom"]);
    for f in csv_files(&plain) {
        let b = fs::read(&f).unwrap();
        assert!(!b.starts_with(BOM), "{} has a BOM", f.display());
    }
    // Same content apart from the BOM.
    let a = fs::read(out.join("shares_overall.csv")).unwrap();
    assert_eq!(&a[3..], fs::read(plain.join("shares_overall.csv")).unwrap());
}

#[test]
fn inputs_with_a_bom_are_read() {
    let d = tempfile::tempdir().unwrap();
    // --units input
    let units = d.path().join("units.csv");
    fs::write(
        &units,
        "\u{feff}id,text\nu1,对返乡创业人员给予一次性创业补贴。\nu2,加强组织领导。\n",
    )
    .unwrap();
    let out = d.path().join("o");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    let rows = read_csv(&out.join("units.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0]["unit_id"], "u1",
        "the BOM'd `id` header was recognised"
    );
    assert!(rows[0]["categories"].contains("fiscal_support"));
    // agree: two BOM'd coding sheets
    let a = d.path().join("coder_a.csv");
    let b = d.path().join("coder_b.csv");
    fs::write(&a, "\u{feff}unit_id,code\n1,x\n2,y\n3,x\n4,y\n").unwrap();
    fs::write(&b, "\u{feff}unit_id,code\n1,x\n2,y\n3,x\n4,x\n").unwrap();
    let o = bin()
        .arg("agree")
        .arg(&a)
        .arg(&b)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("\"n_units\": 4") || text.contains("\"units\": 4"),
        "{text}"
    );
    // a manifest with a BOM
    let corpus = d.path().join("c");
    fs::create_dir_all(&corpus).unwrap();
    fs::write(
        corpus.join("a.txt"),
        "关于支持返乡创业的意见\n\n一、对返乡创业人员给予创业补贴。\n",
    )
    .unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "\u{feff}file,title,level,province,year\na.txt,清单标题,local,四川,2016\n",
    )
    .unwrap();
    let out2 = d.path().join("o2");
    bin()
        .arg("code")
        .arg(&corpus)
        .arg("--out")
        .arg(&out2)
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(3));
    let docs = read_csv(&out2.join("documents.csv"));
    let a = docs.iter().find(|r| r["file"] == "a.txt").unwrap();
    assert_eq!(
        (a["title"].as_str(), a["province"].as_str()),
        ("清单标题", "sichuan")
    );
}

fn formula_corpus(dir: &Path) -> PathBuf {
    let c = dir.join("corpus");
    fs::create_dir_all(&c).unwrap();
    fs::write(
        c.join("doc.txt"),
        "=HYPERLINK(\"http://x\",\"click\")\n\n一、对返乡创业人员给予创业补贴。\n\n+1 加强组织领导。\n\n@SUM(A1) 落实创业补贴。\n",
    )
    .unwrap();
    c
}

#[test]
fn excel_safe_prefixes_every_formula_like_cell_of_every_csv() {
    let d = tempfile::tempdir().unwrap();
    let c = formula_corpus(d.path());
    let risky = |s: &str| s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err();
    let cells = |out: &Path| -> Vec<(String, String)> {
        let mut v = Vec::new();
        for f in csv_files(out) {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_path(&f)
                .unwrap();
            for rec in r.records() {
                for x in rec.unwrap().iter() {
                    v.push((
                        f.file_name().unwrap().to_string_lossy().into_owned(),
                        x.to_string(),
                    ));
                }
            }
        }
        v
    };
    let plain = d.path().join("plain");
    bin()
        .arg("code")
        .arg(&c)
        .arg("--out")
        .arg(&plain)
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(3));
    let raw = cells(&plain);
    assert!(
        raw.iter().any(|(_, x)| x.starts_with("=HYPERLINK")),
        "the raw text is kept without the flag"
    );
    let safe = d.path().join("safe");
    bin()
        .arg("code")
        .arg(&c)
        .arg("--out")
        .arg(&safe)
        .arg("--excel-safe")
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(3));
    let all = cells(&safe);
    let bad: Vec<_> = all.iter().filter(|(_, x)| risky(x)).collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert!(all
        .iter()
        .any(|(f, x)| f == "units.csv" && x.starts_with("'=HYPERLINK")));
    assert!(
        all.iter()
            .any(|(f, x)| f == "documents.csv" && x.starts_with("'=HYPERLINK")),
        "the title too"
    );
    // Numbers stay numbers: the chi-square residuals may be negative.
    assert!(all
        .iter()
        .all(|(_, x)| !x.starts_with("'-") || x[2..].parse::<f64>().is_err()));
    // Standard output under --excel-safe (no BOM there).
    let o = bin()
        .args(["kwic", "补贴"])
        .arg(&c)
        .args(["--format", "csv", "--excel-safe"])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(!text.as_bytes().starts_with(BOM));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    for rec in r.records() {
        assert!(rec.unwrap().iter().all(|x| !risky(x)));
    }
}

#[test]
fn xlsx_cells_are_typed_and_shares_have_no_float_noise() {
    let (_d, out) = code(&["--xlsx"]);
    let x = out.join("report.xlsx");
    let strings = shared_strings(&x);
    let wb = zip_entry(&x, "xl/workbook.xml");
    assert!(wb.find("name=\"summary\"").unwrap() < wb.find("name=\"shares_overall\"").unwrap());
    assert!(wb.contains("name=\"documents\""));
    // summary: counts are numbers
    let summary = sheet_xml(&x, "summary");
    assert!(summary.contains("<c r=\"B1\""));
    let docs_row = summary.split("<row ").find(|r| {
        r.split("<v>")
            .nth(1)
            .and_then(|v| v.split("</v>").next())
            .and_then(|v| v.parse::<usize>().ok())
            .and_then(|i| strings.get(i))
            .is_some_and(|s| s == "documents")
    });
    let docs_row = docs_row.expect("a documents row in summary");
    let b = cell(
        docs_row,
        &format!("B{}", docs_row.split('"').nth(1).unwrap()),
    );
    assert!(
        !b.contains("t=\"s\"") && !b.contains("t=\"inlineStr\""),
        "{b}"
    );
    // shares_overall: share_pct is a number equal to the CSV's 2 decimals / 100, no noise
    let sheet = sheet_xml(&x, "shares_overall");
    let header = sheet.split("<row r=\"2\"").next().unwrap();
    let col = column_letter(header, "share_pct", &strings);
    let csv = read_csv(&out.join("shares_overall.csv"));
    for (i, row) in csv.iter().enumerate().take(10) {
        let c = cell(&sheet, &format!("{col}{}", i + 2));
        assert!(!c.contains("t=\"s\""), "{c}");
        let v = c.split("<v>").nth(1).unwrap().split("</v>").next().unwrap();
        assert!(v.len() <= 8, "float noise: {v}");
        let pct: f64 = row["share_pct"].parse().unwrap();
        assert_eq!(
            v.parse::<f64>().unwrap(),
            format!("{pct:.2}").replace('.', "").parse::<f64>().unwrap() / 10000.0
        );
    }
    // documents: doc_id is text, year and units numbers
    let docs = sheet_xml(&x, "documents");
    let header = docs.split("<row r=\"2\"").next().unwrap();
    let rows = read_csv(&out.join("documents.csv"));
    let i = rows
        .iter()
        .position(|r| r["status"] == "coded" && !r["year"].is_empty())
        .unwrap()
        + 2;
    for (name, text) in [
        ("doc_id", true),
        ("year", false),
        ("units", false),
        ("file", true),
    ] {
        let c = cell(
            &docs,
            &format!("{}{i}", column_letter(header, name, &strings)),
        );
        assert_eq!(
            c.contains("t=\"inlineStr\"") || c.contains("t=\"s\""),
            text,
            "{name}: {c}"
        );
    }
}

#[test]
fn xlsx_notes_cells_cut_at_32767_characters() {
    let d = tempfile::tempdir().unwrap();
    let units = d.path().join("u.csv");
    let long = "对返乡创业人员给予创业补贴。".repeat(3000); // 42,000 characters
    fs::write(
        &units,
        format!("id,text\nlong,{long}\nshort,加强组织领导。\n"),
    )
    .unwrap();
    let out = d.path().join("o");
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .args(["--xlsx", "--quiet"])
        .assert()
        .success();
    let x = out.join("report.xlsx");
    let notes = sheet_xml(&x, "notes");
    let strings = shared_strings(&x);
    let all = format!("{notes}{}", strings.join("\n"));
    assert!(
        all.contains("units: ") && all.contains("cells were cut at 32767 characters"),
        "{notes}"
    );
    assert!(all.contains("units.csv"));

    let out2 = d.path().join("o2");
    fs::write(&units, "id,text\nshort,加强组织领导。\n").unwrap();
    bin()
        .args(["code", "--units"])
        .arg(&units)
        .arg("--out")
        .arg(&out2)
        .args(["--xlsx", "--quiet"])
        .assert()
        .success();
    assert!(!zip_entry(&out2.join("report.xlsx"), "xl/workbook.xml").contains("name=\"notes\""));
}

/// `part / whole` in percent, rounded half to even to 2 decimals, from integers.
fn half_even(part: u64, whole: u64) -> String {
    let (q, r) = (part * 10_000 / whole, part * 10_000 % whole);
    let q = if 2 * r > whole || (2 * r == whole && q % 2 == 1) {
        q + 1
    } else {
        q
    };
    format!("{}.{:02}", q / 100, q % 100)
}

#[test]
fn equal_counts_have_equal_shares_rounded_once() {
    let (_d, out) = code(&[]);
    let mut equal_pairs = 0;
    for f in [
        "shares_overall",
        "shares_by_level",
        "shares_by_region",
        "shares_by_year",
    ] {
        let rows = read_csv(&out.join(format!("{f}.csv")));
        let mut groups: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
        for r in &rows {
            groups.entry(r["group"].as_str()).or_default().push(r);
        }
        for (_, g) in groups {
            let cats: Vec<_> = g.iter().filter(|r| !r["category"].is_empty()).collect();
            let total: u64 = cats
                .iter()
                .map(|r| r["references"].parse::<u64>().unwrap())
                .sum();
            if total == 0 {
                continue;
            }
            for (i, a) in cats.iter().enumerate() {
                let n: u64 = a["references"].parse().unwrap();
                assert_eq!(a["share_pct"], half_even(n, total), "{f} {a:?}");
                for b in &cats[i + 1..] {
                    if a["references"] == b["references"] && n > 0 {
                        equal_pairs += 1;
                        assert_eq!(a["share_pct"], b["share_pct"]);
                    }
                }
            }
            // Labels beside the ids.
            assert!(cats
                .iter()
                .all(|r| !r["category_zh"].is_empty() && !r["category_en"].is_empty()));
        }
    }
    assert!(
        equal_pairs > 0,
        "the samples have categories with equal counts"
    );
    // The chart labels show the same rounded values.
    let svg = fs::read_to_string(out.join("charts/category_shares.svg"))
        .or_else(|_| fs::read_to_string(out.join("charts/category_bars.svg")))
        .unwrap();
    let overall = read_csv(&out.join("shares_overall.csv"));
    for r in overall
        .iter()
        .filter(|r| !r["category"].is_empty() && r["references"] != "0")
    {
        assert!(
            svg.contains(&format!(">{}</text>", r["share_pct"])),
            "{}",
            r["share_pct"]
        );
    }
    assert!(svg.contains("财政支持"), "Chinese labels in the chart");
}

#[test]
fn dates_are_iso_with_the_original_beside_them() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    fs::create_dir_all(&c).unwrap();
    for (i, f) in ["a.txt", "b.txt", "c.txt", "d.txt"].iter().enumerate() {
        let text = format!("关于支持返乡创业的意见（{i}）\n\n一、给予创业补贴{i}。\n");
        fs::write(c.join(f), text).unwrap();
    }
    fs::write(
        c.join("metadata.csv"),
        "file,level,province,date\na.txt,local,四川,2015-08-20\nb.txt,local,四川,2019年5月10日\nc.txt,central,,17 March 2016\nd.txt,local,河南,2018年3月\n",
    )
    .unwrap();
    let out = d.path().join("o");
    bin()
        .arg("code")
        .arg(&c)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(predicates::ord::lt(3));
    let docs = read_csv(&out.join("documents.csv"));
    let by: BTreeMap<&str, (&str, &str)> = docs
        .iter()
        .filter(|r| r["status"] == "coded")
        .map(|r| {
            (
                r["file"].as_str(),
                (r["date"].as_str(), r["date_original"].as_str()),
            )
        })
        .collect();
    assert_eq!(by["a.txt"], ("2015-08-20", "2015-08-20"));
    assert_eq!(by["b.txt"], ("2019-05-10", "2019年5月10日"));
    assert_eq!(by["c.txt"], ("2016-03-17", "17 March 2016"));
    assert_eq!(by["d.txt"], ("2018-03", "2018年3月"));
    // Henan's region is not spelled like the level `central`.
    let d_row = docs.iter().find(|r| r["file"] == "d.txt").unwrap();
    assert_eq!(d_row["region"], "central_region");
}

#[test]
fn region_ids_never_equal_level_ids() {
    for scheme in ["three-belt", "nbs"] {
        let (_d, out) = code(&["--regions", scheme]);
        let docs = read_csv(&out.join("documents.csv"));
        let regions: Vec<&str> = docs.iter().map(|r| r["region"].as_str()).collect();
        assert!(regions.contains(&"central_region"), "{scheme}: {regions:?}");
        assert!(
            !regions.iter().any(|r| *r == "central" || *r == "local"),
            "{scheme}"
        );
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains("| central_region |"), "{scheme}");
    }
}
