//! report.html: the paper tables (the numbers of report.md, the share tables and
//! summary.json), the
//! documents table, every body unit embedded (past the old cut at 20,000), the filters,
//! and, when Chromium is installed, the page as a browser renders it.

mod common;
use common::{bin, read_csv, root};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Codes the samples into a fresh folder.
fn run_samples() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    code_samples(&out, &[]);
    (dir, out)
}

/// Codes the samples into `out` with the options `args`; returns report.html.
fn code_samples(out: &Path, args: &[&str]) -> String {
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
        .code(0);
    fs::read_to_string(out.join("report.html")).unwrap()
}

/// Codes `n` generated clauses (every fifth one with no instrument term) from a units file.
fn run_clauses(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let terms = [
        "创业担保贷款",
        "税收优惠",
        "技能培训",
        "电子商务",
        "创业园区",
    ];
    let provinces = ["四川", "河南", "浙江", "甘肃"];
    let mut csv = String::from("id,text,level,province,year\n");
    for i in 0..n {
        let text = if i % 5 == 4 {
            format!("第{i}项 做好相关工作。")
        } else {
            format!("第{i}项 对返乡创业人员提供{}。", terms[i % terms.len()])
        };
        let level = if i % 7 == 0 { "central" } else { "local" };
        let province = if level == "central" {
            ""
        } else {
            provinces[i % provinces.len()]
        };
        csv.push_str(&format!(
            "c{i},{text},{level},{province},{}\n",
            2015 + i % 6
        ));
    }
    let input = dir.path().join("clauses.csv");
    fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("code")
        .arg("--units")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    (dir, out)
}

/// The text between `start` (included) and the first `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s.find(start).unwrap_or_else(|| panic!("{start} not found"));
    let rest = &s[a..];
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("{end} not found after {start}"))]
}

/// The embedded JSON of `<script id="{id}">`.
fn script_json(html: &str, id: &str) -> serde_json::Value {
    let open = format!("id=\"{id}\">");
    let body = &between(html, &open, "</script>")[open.len()..];
    serde_json::from_str(body).unwrap()
}

/// Rows of a paper table: `data-group` → the numbers of its `td.n` cells.
fn paper_rows(html: &str, table: &str) -> BTreeMap<String, Vec<String>> {
    let t = between(html, &format!("id=\"{table}\""), "</table>");
    t.split("<tr data-group=\"")
        .skip(1)
        .map(|r| {
            let group = r[..r.find('"').unwrap()].to_string();
            let cells = r
                .split("<td class=\"n\">")
                .skip(1)
                .map(|c| c[..c.find("</td>").unwrap()].to_string())
                .collect();
            (group, cells)
        })
        .collect()
}

/// Rows of a report.md group table (`| central | 3 | 34 | … |`) under `heading`.
fn markdown_rows(md: &str, heading: &str) -> BTreeMap<String, Vec<String>> {
    let section = &md[md.find(heading).unwrap()..];
    let section = &section[..section[heading.len()..]
        .find("\n## ")
        .map_or(section.len(), |i| i + heading.len())];
    let table = section
        .split("\n\n")
        .find(|b| b.contains("| documents |"))
        .unwrap();
    table
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].clone(), cells[1..].to_vec())
        })
        .collect()
}

#[test]
fn paper_tables_hold_the_numbers_of_report_md_and_summary_json() {
    let (_d, out) = run_samples();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The paper tables come before the charts and the units.
    let paper = html.find("<section id=\"paper\">").unwrap();
    assert!(paper < html.find("<section id=\"charts\"").unwrap());
    assert!(paper < html.find("<section id=\"units-section\">").unwrap());
    let cores = ["supply", "demand", "environment"];
    for (dim, heading) in [
        ("level", "## By government level"),
        ("region", "## By region"),
    ] {
        let ours = paper_rows(&html, &format!("paper-{dim}-table"));
        let theirs = markdown_rows(&md, heading);
        let shares = read_csv(&out.join(format!("shares_by_{dim}.csv")));
        assert!(theirs.len() >= 2, "{theirs:?}");
        for (group, m) in &theirs {
            let h = ours
                .get(group)
                .unwrap_or_else(|| panic!("{dim} {group} missing"));
            // documents, body units, coded units, references, then n and % per core.
            assert_eq!(h[..4], m[..4], "{dim} {group}");
            for (i, core) in cores.iter().enumerate() {
                assert_eq!(h[5 + 2 * i], m[4 + i], "{dim} {group} {core} %");
                let n = &shares
                    .iter()
                    .find(|r| {
                        r["group"] == *group && r["core"] == *core && r["category"].is_empty()
                    })
                    .unwrap()["references"];
                assert_eq!(&h[4 + 2 * i], n, "{dim} {group} {core} n");
            }
        }
        // And a total row: the overall counts.
        let all = &ours["all"];
        assert_eq!(all[0], summary["documents"].to_string());
        assert_eq!(all[3], summary["references"].to_string());
    }
    // Chinese and English labels of levels, regions and core types.
    for label in [
        "中央",
        "地方",
        "东部",
        "西部",
        "供给型政策工具",
        "Supply-side instruments",
        "财政支持",
    ] {
        assert!(html.contains(label), "{label}");
    }
    // The category tables: a row per core type and category, n and % per group.
    let cats = between(&html, "id=\"paper-category-level-table\"", "</table>");
    assert!(cats.contains("<tr data-code=\"fiscal_support\">"));
    assert!(html.contains("\"Noto Sans CJK SC\"") && html.contains("\"Microsoft YaHei\""));
}

#[test]
fn documents_table_has_a_row_per_coded_document_and_the_units_read_without_script() {
    let (_d, out) = run_samples();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let docs = read_csv(&out.join("documents.csv"));
    let coded: Vec<_> = docs.iter().filter(|d| d["status"] == "coded").collect();
    let table = between(&html, "id=\"documents-table\"", "</table>");
    assert_eq!(
        table.matches("<tr>").count() - 1,
        coded.len(),
        "header + rows"
    );
    for d in &coded {
        assert!(
            table.contains(&d["title"].replace('&', "&amp;")),
            "{}",
            d["title"]
        );
    }
    // Filters for every field, hidden until the script shows them.
    for id in [
        "f-core",
        "f-category",
        "f-level",
        "f-region",
        "f-province",
        "f-year",
        "f-uncoded",
        "f-text",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("<option value=\"sichuan\">四川 sichuan</option>"));
    // Without JavaScript the first page is plain HTML: rows, highlighted terms, evidence.
    let units = read_csv(&out.join("units.csv"));
    let body: Vec<_> = units
        .iter()
        .filter(|u| u["boilerplate"] == "false")
        .collect();
    let tbody = between(&html, "id=\"units\"", "</table>");
    assert_eq!(tbody.matches("<tr>").count() - 1, body.len().min(200));
    assert!(
        tbody.contains("<mark title=\"public_budget\">财政支持</mark>"),
        "{tbody}"
    );
    assert!(tbody.contains("<div class=\"ev\">"));
    assert!(tbody.contains(&format!("<td class=\"uid\">{}</td>", body[0]["unit_id"])));
}

#[test]
fn every_unit_is_embedded_past_twenty_thousand() {
    let n = 20_500;
    let (_d, out) = run_clauses(n);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let data = script_json(&html, "units-data");
    let rows = data.as_array().unwrap();
    assert_eq!(rows.len(), n);
    let embedded: BTreeSet<&str> = rows.iter().map(|r| r[1].as_str().unwrap()).collect();
    let units = read_csv(&out.join("units.csv"));
    let ids: BTreeSet<&str> = units.iter().map(|u| u["unit_id"].as_str()).collect();
    assert_eq!(embedded, ids);
    // Texts and categories as in units.csv; evidence spans inside the text.
    let meta = script_json(&html, "report-data");
    let cats = meta["cats"].as_array().unwrap();
    for (r, u) in rows.iter().zip(&units).step_by(997) {
        assert_eq!(r[2], u["text"].as_str());
        let ids: Vec<&str> = r[3]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| cats[k.as_u64().unwrap() as usize][0].as_str().unwrap())
            .collect();
        assert_eq!(ids.join(";"), u["categories"]);
        let ev = r[4].as_array().unwrap();
        assert_eq!(ev.len() % 3, 0);
        let len = u["text"].encode_utf16().count() as u64;
        assert!(ev
            .chunks(3)
            .all(|s| s[1].as_u64() < s[2].as_u64() && s[2].as_u64().unwrap() <= len));
    }
    assert!(html.contains(&format!("<p id=\"count\">{n} of {n} units</p>")));
    assert!(!html.contains("20000 of"));
    assert_eq!(meta["pageSize"], 200);
}

#[test]
fn report_units_limits_the_page_and_says_where_the_rest_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let html = code_samples(&out, &["--report-units", "10"]);
    let rows = script_json(&html, "units-data");
    let embedded: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap())
        .collect();
    // The first ten body units of units.csv, in its order; the page says how many there are.
    let units = read_csv(&out.join("units.csv"));
    let body: Vec<&str> = units
        .iter()
        .filter(|u| u["boilerplate"] == "false")
        .map(|u| u["unit_id"].as_str())
        .collect();
    assert!(body.len() > 10);
    assert_eq!(embedded, body[..10]);
    assert_eq!(script_json(&html, "report-data")["total"], body.len());
    let n = body.len();
    assert!(html.contains(&format!("The first 10 of {n} body units")));
    assert!(html.contains(&format!(
        "(the first 10 of the run's {n}; all are in units.csv)"
    )));
    assert!(html.contains("id=\"units-cut\""));
    assert!(html.contains(&format!(
        "JavaScript is off: the first 10 of {n} units are shown"
    )));

    // `all` and a limit above the count embed everything, without the note.
    let html = code_samples(&dir.path().join("all"), &["--report-units", "all"]);
    assert_eq!(
        script_json(&html, "units-data").as_array().unwrap().len(),
        n
    );
    assert!(!html.contains("units-cut") && html.contains(&format!("All {n} body units")));

    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .args(["--report-units", "many", "--out"])
        .arg(dir.path().join("bad"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "`many` is not a number of units or `all`",
        ));
    assert!(!dir.path().join("bad").exists());
}

/// Headless Chromium, if installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

const FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// The DOM of `url` after its scripts ran.
fn dump_dom(chromium: &str, profile: &Path, url: &str) -> String {
    let o = std::process::Command::new(chromium)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A 1280 × 1000 screenshot of `url` into `png`; checks it is a PNG with content.
fn screenshot(chromium: &str, profile: &Path, url: &str, png: &Path) {
    let o = std::process::Command::new(chromium)
        .args(FLAGS)
        .arg("--window-size=1280,1000")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let bytes = fs::read(png).unwrap();
    // A blank page compresses to a few kilobytes.
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 40_000,
        "{}: {} bytes",
        png.display(),
        bytes.len()
    );
}

/// Renders report.html in headless Chromium: screenshots of the top and of the units
/// table (into `$POLICY_CODER_SCREENSHOTS` when set, e.g. `/tmp`), and the DOM after the
/// inline script ran, unfiltered, filtered through the address and paged. Skipped when
/// Chromium is not installed.
#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("SKIPPED html_report_renders_in_headless_chromium: chromium not installed (apt-get install chromium)");
        return;
    };
    let (dir, out) = run_samples();
    let page = out.join("report.html");
    let url = format!("file://{}", page.display());
    let shots = std::env::var_os("POLICY_CODER_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let profile = |n: &str| dir.path().join(n);
    screenshot(
        chromium,
        &profile("p1"),
        &url,
        &shots.join("report-top.png"),
    );
    // Headless screenshots ignore the scroll position: the units table alone, for its
    // picture, by hiding what comes before it.
    let html = fs::read_to_string(&page).unwrap();
    let alone = html.replacen(
        "</head>",
        "<style>body>*:not(#units-section){display:none}</style></head>",
        1,
    );
    let alone_page = out.join("units-view.html");
    fs::write(&alone_page, alone).unwrap();
    screenshot(
        chromium,
        &profile("p2"),
        &format!("file://{}", alone_page.display()),
        &shots.join("report-units.png"),
    );

    let units = read_csv(&out.join("units.csv"));
    let body: Vec<_> = units
        .iter()
        .filter(|u| u["boilerplate"] == "false")
        .collect();
    let dom = dump_dom(chromium, &profile("p3"), &url);
    let n = body.len();
    assert!(
        dom.contains(&format!("<p id=\"count\">{n} of {n} units</p>")),
        "the script did not run"
    );
    let rows = between(&dom, "<table class=\"data\" id=\"units\"", "</table>");
    assert_eq!(rows.matches("<tr>").count() - 1, n.min(200));
    let marks = rows.matches("<mark title=").count();
    let spans: usize = body.iter().filter(|u| !u["evidence"].is_empty()).count();
    assert!(
        marks >= spans && spans > 0,
        "{marks} highlights for {spans} units with evidence"
    );
    assert!(rows.contains("<div class=\"ev\">"));
    assert!(dom.contains("<div id=\"filters\">"), "filters shown");
    // Filters read from the address: uncoded units only, and one core type.
    let uncoded = body.iter().filter(|u| u["categories"].is_empty()).count();
    let dom = dump_dom(chromium, &profile("p4"), &format!("{url}#units?uncoded=1"));
    assert!(
        dom.contains(&format!("<p id=\"count\">{uncoded} of {n} units</p>")),
        "{}",
        between(&dom, "<p id=\"count\">", "</p>")
    );
    let demand = body
        .iter()
        .filter(|u| u["cores"].split(';').any(|c| c == "demand"))
        .count();
    let dom = dump_dom(
        chromium,
        &profile("p5"),
        &format!("{url}#units?core=demand&year=2020"),
    );
    let demand_2020 = body
        .iter()
        .filter(|u| u["cores"].split(';').any(|c| c == "demand") && u["year"] == "2020")
        .count();
    assert!(demand_2020 < demand);
    assert!(
        dom.contains(&format!("<p id=\"count\">{demand_2020} of {n} units</p>")),
        "{}",
        between(&dom, "<p id=\"count\">", "</p>")
    );
    // More units than a page: 200 rows rendered, the second page from the address.
    let (dir2, out2) = run_clauses(450);
    let url2 = format!("file://{}", out2.join("report.html").display());
    let dom = dump_dom(
        chromium,
        &dir2.path().join("p6"),
        &format!("{url2}#units?page=3"),
    );
    assert!(dom.contains("<p id=\"count\">450 of 450 units</p>"));
    assert!(
        dom.contains("rows 401–450 · page 3 of 3"),
        "{}",
        between(&dom, "<span id=\"pageinfo\">", "</span>")
    );
    let rows = between(&dom, "<table class=\"data\" id=\"units\"", "</table>");
    assert_eq!(rows.matches("<tr>").count() - 1, 50);
    assert!(rows.contains("<td class=\"uid\">c400</td>"));
}

#[test]
fn markup_in_group_names_is_escaped_in_tables_filters_and_data() {
    let d = tempfile::tempdir().unwrap();
    let regions = d.path().join("regions.csv");
    fs::write(
        &regions,
        "province,region\nsichuan,<script>x</script>\nhenan,a&b\n",
    )
    .unwrap();
    let out = d.path().join("out");
    bin()
        .arg("code")
        .arg(root().join("corpus-samples"))
        .arg("--regions")
        .arg(&regions)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script>x"), "raw tag in report.html");
    // The region is a row of the paper table and a filter option, escaped.
    let rows = paper_rows(&html, "paper-region-table");
    assert!(
        rows.contains_key("&lt;script&gt;x&lt;/script&gt;"),
        "{rows:?}"
    );
    assert!(html.contains("<option value=\"a&amp;b\">a&amp;b</option>"));
    // And in the embedded data, as JSON escapes that parse back to the name.
    let meta = script_json(&html, "report-data");
    assert!(meta["docs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d[3] == "<script>x</script>"));
}
