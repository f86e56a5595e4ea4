//! Safety of inputs and outputs, through the binary: a run never eats its inputs, never
//! reads what it was not given, never leaves outputs that lie about the run, and never
//! writes through links (issue 17).

mod common;
use common::*;

use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn samples() -> PathBuf {
    root().join("corpus-samples")
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The samples coded into `name` in a new temporary folder (kept while the first value lives).
fn samples_coded_into(name: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join(name);
    code()
        .arg(samples())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    (d, out)
}

/// Codes the English samples into `out` with `--force` (a second run into the folder).
fn recode_en_with_force(out: &Path) {
    code()
        .arg(samples().join("en"))
        .arg("--out")
        .arg(out)
        .arg("--force")
        .assert()
        .code(0);
}

fn code() -> assert_cmd::Command {
    let mut c = bin();
    c.arg("code").timeout(Duration::from_secs(120));
    c
}

fn coded_units(out: &Path) -> usize {
    read_csv(&out.join("units.csv")).len()
}

#[test]
fn a_units_file_is_not_coded_back_into_its_own_folder() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path().join("r2");
    code().arg(samples()).arg("--out").arg(&r).assert().code(0);
    let before = fs::read(r.join("units.csv")).unwrap();
    assert!(coded_units(&r) > 50);
    code()
        .arg("--units")
        .arg(r.join("units.csv"))
        .arg("--out")
        .arg(&r)
        .arg("--force")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is one of the outputs"));
    assert_eq!(
        fs::read(r.join("units.csv")).unwrap(),
        before,
        "input wiped"
    );
}

#[test]
fn out_equal_to_the_input_folder_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let same = d.path().join("same");
    fs::create_dir(&same).unwrap();
    fs::write(
        same.join("report.md"),
        "# My own report\n\n关于减税的通知。\n",
    )
    .unwrap();
    code()
        .arg(&same)
        .arg("--out")
        .arg(&same)
        .arg("--force")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the documents"));
    assert_eq!(
        fs::read_to_string(same.join("report.md")).unwrap(),
        "# My own report\n\n关于减税的通知。\n"
    );
    assert_eq!(fs::read_dir(&same).unwrap().count(), 1);
}

#[test]
fn an_output_folder_inside_the_input_is_not_coded_on_the_next_run() {
    let d = tempfile::tempdir().unwrap();
    let inside = d.path().join("inside");
    copy_dir(&samples(), &inside);
    let results = inside.join("results");
    code()
        .arg(&inside)
        .arg("--out")
        .arg(&results)
        .assert()
        .code(0);
    let first = fs::read(results.join("shares_overall.csv")).unwrap();
    let units = coded_units(&results);
    code()
        .arg(&inside)
        .arg("--out")
        .arg(&results)
        .arg("--force")
        .assert()
        .code(0);
    assert_eq!(coded_units(&results), units, "reports coded as documents");
    assert_eq!(fs::read(results.join("shares_overall.csv")).unwrap(), first);
    let docs = read_csv(&results.join("documents.csv"));
    let out_row = docs.iter().find(|r| r["file"] == "results").unwrap();
    assert_eq!(out_row["status"], "excluded");
    assert!(out_row["reason"].contains("output folder"));
    assert!(!docs.iter().any(|r| r["file"].starts_with("results/")));
}

#[cfg(unix)]
#[test]
fn devices_fifos_and_links_outside_the_inputs_are_not_read() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let corpus = d.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), "国务院关于减税降费的通知。\n").unwrap();
    let secret = d.path().join("secret.txt");
    fs::write(&secret, "SECRET-KEY-MATERIAL 减税\n").unwrap();
    symlink(&secret, corpus.join("notice.txt")).unwrap();
    symlink("..", corpus.join("up")).unwrap();
    symlink("/dev/zero", corpus.join("zero.txt")).unwrap();
    let fifo = corpus.join("pipe.txt");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let out = d.path().join("out");
    code()
        .arg(&corpus)
        .arg("--out")
        .arg(&out)
        .arg("--max-file-size")
        .arg("1MB")
        .assert()
        .code(2);
    let units = fs::read_to_string(out.join("units.csv")).unwrap();
    assert!(
        !units.contains("SECRET"),
        "a file outside the inputs was read"
    );
    let docs = read_csv(&out.join("documents.csv"));
    let reason = |f: &str| {
        docs.iter()
            .find(|r| r["file"] == f)
            .unwrap_or_else(|| panic!("{f} not listed"))["reason"]
            .clone()
    };
    assert!(reason("notice.txt").contains("outside the input folders"));
    assert!(reason("up").contains("outside the input folders"));
    assert!(reason("zero.txt").contains("outside the input folders"));
    if made_fifo {
        assert!(reason("pipe.txt").contains("not a regular file"));
    } else {
        eprintln!("mkfifo not available: FIFO case not checked");
    }
    assert_eq!(docs.len(), 4 + usize::from(made_fifo), "{docs:?}");
    // Followed on request: the secret is read, /dev/zero is still refused as a device.
    let out2 = d.path().join("out2");
    code()
        .arg(&corpus)
        .arg("--out")
        .arg(&out2)
        .arg("--follow-links-outside")
        .arg("--exclude")
        .arg("up")
        .assert()
        .code(2);
    assert!(fs::read_to_string(out2.join("units.csv"))
        .unwrap()
        .contains("SECRET"));
    let docs = read_csv(&out2.join("documents.csv"));
    let zero = docs.iter().find(|r| r["file"] == "zero.txt").unwrap();
    assert!(zero["reason"].contains("not a regular file"), "{zero:?}");
}

#[cfg(unix)]
#[test]
fn a_folder_in_use_by_another_run_is_refused() {
    let (_d, out) = samples_coded_into("out");
    let before = fs::read(out.join("units.csv")).unwrap();
    // A lock held by a live process (this test).
    fs::write(
        out.join(".policy-coder.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    code()
        .arg(samples().join("en"))
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("in use by another run"));
    assert_eq!(fs::read(out.join("units.csv")).unwrap(), before);
    // A lock left by a process that is gone is taken over.
    fs::write(out.join(".policy-coder.lock"), "4294967295\n").unwrap();
    recode_en_with_force(&out);
    assert!(!out.join(".policy-coder.lock").exists());
}

#[test]
fn two_runs_at_once_never_mix_their_outputs() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("same");
    let spawn = |input: PathBuf| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("policy-coder"))
            .arg("code")
            .arg(input)
            .arg("--out")
            .arg(&out)
            .arg("--force")
            .arg("--quiet")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn(samples().join("local"));
    let b = spawn(samples().join("central"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() || b.status.success());
    for o in [&a, &b] {
        if !o.status.success() {
            assert!(String::from_utf8_lossy(&o.stderr).contains("in use by another run"));
        }
    }
    let text = fs::read(out.join("units.csv")).unwrap();
    let text = String::from_utf8(text).expect("units.csv is not UTF-8");
    let files: std::collections::BTreeSet<String> = csv_rows(&text)
        .into_iter()
        .map(|r| r["file"].split('/').next().unwrap_or("").to_string())
        .collect();
    let docs: Vec<_> = read_csv(&out.join("documents.csv"));
    let local = docs
        .iter()
        .any(|r| r["file"].contains("fanxiang_chuangye_shishi"));
    let central = docs.iter().any(|r| r["file"].contains("guoban"));
    assert!(local != central, "documents.csv mixes both corpora");
    assert!(!files.is_empty());
}

/// A corpus that takes a debug build a few seconds: many copies of the samples.
fn slow_corpus(dir: &Path) {
    for i in 0..80 {
        copy_dir(&samples().join("local"), &dir.join(format!("c{i:02}")));
    }
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_previous_outputs_or_says_it_is_incomplete() {
    let d = tempfile::tempdir().unwrap();
    let corpus = d.path().join("corpus");
    slow_corpus(&corpus);
    let (_o, out) = samples_coded_into("out");
    let before = fs::read(out.join("units.csv")).unwrap();
    let old_id = fs::read_to_string(out.join("run.json")).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("policy-coder"))
        .arg("code")
        .arg(&corpus)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .arg("--quiet")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = child.kill();
    let status = child.wait().unwrap();
    if status.success() {
        eprintln!("the run finished before it could be killed: nothing interrupted");
        return;
    }
    let incomplete = out.join("INCOMPLETE").exists();
    let new_id = fs::read_to_string(out.join("run.json")).unwrap();
    let unchanged = fs::read(out.join("units.csv")).unwrap() == before && new_id == old_id;
    // Killed after its outputs were in place (while printing its summary): complete.
    let complete = new_id != old_id
        && read_csv(&out.join("documents.csv")).len()
            == walkdir::WalkDir::new(&corpus)
                .into_iter()
                .filter(|e| e.as_ref().unwrap().file_type().is_file())
                .count();
    assert!(
        incomplete || unchanged || complete,
        "an interrupted run left outputs that look complete"
    );
    // The next run is not blocked by the dead run's lock.
    recode_en_with_force(&out);
    assert!(!out.join("INCOMPLETE").exists());
    assert!(!out.join(".policy-coder.partial").exists());
}

#[test]
fn force_removes_stale_outputs_and_only_those() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    code()
        .arg(samples())
        .arg("--out")
        .arg(&out)
        .arg("--xlsx")
        .assert()
        .code(0);
    assert!(out.join("report.xlsx").is_file());
    fs::write(out.join("my notes.txt"), "keep me").unwrap();
    fs::write(out.join("crosstab_old_dimension.csv"), "a,b\n").unwrap();
    recode_en_with_force(&out);
    assert!(!out.join("report.xlsx").exists(), "stale report.xlsx left");
    assert!(!out.join("crosstab_old_dimension.csv").exists());
    assert_eq!(
        fs::read_to_string(out.join("my notes.txt")).unwrap(),
        "keep me"
    );
    let run: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert!(run["run_id"].as_str().is_some_and(|s| !s.is_empty()));
    let cmd: Vec<&str> = run["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(cmd.contains(&"--force") && cmd.contains(&"code"), "{cmd:?}");
    let files: Vec<&str> = run["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(files.contains(&"units.csv") && !files.contains(&"report.xlsx"));
}

/// `diffuse` writes beside the code run's outputs by default; a new code run with `--force`
/// must not leave a diffusion analysis of the results it replaces.
#[test]
fn force_removes_an_earlier_diffusion_analysis_of_the_replaced_results() {
    let (_d, out) = samples_coded_into("s");
    bin().arg("diffuse").arg(&out).assert().success();
    let written: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("diffusion") || n.starts_with("reuse_"))
        .collect();
    assert!(
        written.iter().any(|n| n == "diffusion.md") && written.iter().any(|n| n.ends_with(".csv")),
        "{written:?}"
    );
    fs::write(out.join("diffusion notes.txt"), "keep me").unwrap();
    recode_en_with_force(&out);
    for n in &written {
        assert!(!out.join(n).exists(), "stale {n} left");
    }
    assert!(out.join("diffusion notes.txt").is_file());
}

#[cfg(unix)]
#[test]
fn links_planted_in_the_output_folder_are_replaced_not_written_through() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = d.path().join("victim.md");
    fs::write(&victim, "precious").unwrap();
    symlink(&victim, out.join("report.md")).unwrap();
    let victim_dir = d.path().join("victim_dir");
    fs::create_dir(&victim_dir).unwrap();
    symlink(&victim_dir, out.join("charts")).unwrap();
    recode_en_with_force(&out);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fs::read_dir(&victim_dir).unwrap().count(), 0);
    assert!(!fs::symlink_metadata(out.join("report.md"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(out.join("charts").is_dir() && !out.join("charts").is_symlink());
}

#[test]
fn threads_zero_is_refused_and_huge_counts_are_capped() {
    let d = tempfile::tempdir().unwrap();
    code()
        .arg(samples().join("en"))
        .arg("--out")
        .arg(d.path().join("a"))
        .args(["--threads", "0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--threads 0"));
    code()
        .arg(samples().join("en"))
        .arg("--out")
        .arg(d.path().join("b"))
        .args(["--threads", "100000"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("capped to"));
}

#[test]
fn a_multi_megabyte_unbroken_line_is_coded_in_linear_time() {
    // Before: matches were judged by rescanning their sentence, quadratic in its length
    // (an 8 MB line took 74 s); now a few seconds even in a debug build. The timeout of
    // `code()` is the only limit: no timing is asserted.
    let d = tempfile::tempdir().unwrap();
    let corpus = d.path().join("long");
    fs::create_dir(&corpus).unwrap();
    let zh =
        "对返乡创业人员给予减税降费和创业担保贷款支持，不得收取费用，并提供培训服务".repeat(30_000);
    fs::write(corpus.join("zh.txt"), &zh).unwrap();
    let en = "fees and charges are waived for returnee entrepreneurs with loans and training, not charged ".repeat(20_000);
    fs::write(corpus.join("en.txt"), &en).unwrap();
    let out = d.path().join("out");
    code().arg(&corpus).arg("--out").arg(&out).assert().code(0);
    let docs = read_csv(&out.join("documents.csv"));
    assert!(docs.iter().all(|r| r["status"] == "coded"), "{docs:?}");
    assert!(coded_units(&out) >= 2);
}

/// A small valid codebook with a dimension, `{dim}` as its id and `{term}` as a term.
fn codebook_with(dim: &str, term: &str) -> String {
    format!(
        r#"
[[core]]
id = "env"
label = {{ zh = "环境", en = "Environment" }}
[[category]]
id = "tax"
core = "env"
label = {{ zh = "税收", en = "Tax" }}
[[concept]]
id = "tax"
category = "tax"
label = {{ zh = "税", en = "tax" }}
zh = ["减税", {term}]
[[dimension]]
id = {dim}
label = {{ zh = "阶段", en = "Stage" }}
[[dimension.value]]
id = "start"
label = {{ zh = "初创", en = "Start" }}
zh = ["初创"]
"#
    )
}

#[test]
fn codebook_ids_outside_a_safe_set_and_terms_without_letters_are_rejected() {
    let d = tempfile::tempdir().unwrap();
    let check = |name: &str, text: String| {
        let f = d.path().join(name);
        fs::write(&f, text).unwrap();
        bin()
            .args(["codebook", "check"])
            .arg(&f)
            .timeout(Duration::from_secs(60))
            .assert()
    };
    check("ok.toml", codebook_with(r#""stage""#, r#""创业""#)).code(0);
    // Row 9: an id with `/` would write crosstab_x/../../PWNED.csv outside --out.
    check(
        "slash.toml",
        codebook_with(r#""x/../../PWNED""#, r#""创业""#),
    )
    .code(1)
    .stderr(predicate::str::contains("slash.toml:15:"))
    .stderr(predicate::str::contains("letters, digits"));
    // Row 18: a control character breaks SVG and xlsx XML.
    check("ctrl.toml", codebook_with(r#""st\u0001age""#, r#""创业""#))
        .code(1)
        .stderr(predicate::str::contains("ctrl.toml:15:"));
    // Row 26: terms that match only punctuation or nothing visible.
    check("dot.toml", codebook_with(r#""stage""#, r#"".""#))
        .code(1)
        .stderr(predicate::str::contains("dot.toml:10:"))
        .stderr(predicate::str::contains("no letter or digit"));
    check("zwsp.toml", codebook_with(r#""stage""#, r#""\u200B""#))
        .code(1)
        .stderr(predicate::str::contains("no letter or digit"));
    // And `code` refuses such a codebook before writing anything.
    let out = d.path().join("out");
    bin()
        .arg("code")
        .arg(samples().join("en"))
        .arg("--codebook")
        .arg(d.path().join("slash.toml"))
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(1);
    assert!(!d.path().join("PWNED.csv").exists() && !out.exists());
}

#[test]
fn an_unterminated_quote_in_a_csv_input_is_an_error_at_its_line() {
    let d = tempfile::tempdir().unwrap();
    let units = d.path().join("clauses.csv");
    fs::write(
        &units,
        "id,text\n1,对返乡创业人员给予减税\n2,\"unterminated 提供培训\n3,给予创业担保贷款\n4,减免费用\n",
    )
    .unwrap();
    code()
        .arg("--units")
        .arg(&units)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("clauses.csv:3:"))
        .stderr(predicate::str::contains("never closes"));
    assert!(!d.path().join("out").exists());
    // The same in a folder's metadata.csv.
    let corpus = d.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), "国务院关于减税的通知。\n").unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,title\na.txt,\"关于减税的通知\nb.txt,other\n",
    )
    .unwrap();
    code()
        .arg(&corpus)
        .arg("--out")
        .arg(d.path().join("out2"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("metadata.csv:2:"));
}

#[test]
fn report_escaping_holds_against_markup_and_formulas_in_the_text() {
    let d = tempfile::tempdir().unwrap();
    let units = d.path().join("clauses.csv");
    fs::write(
        &units,
        "id,text,region_note\n\
         1,\"=HYPERLINK(\"\"http://x\"\",\"\"给予减税\"\")\",a\n\
         2,<!--<script>alert(1)</script> 给予创业担保贷款,b\n\
         3,对返乡创业人员给予减税 & 降费 > 0,c\n",
    )
    .unwrap();
    let out = d.path().join("out");
    code()
        .arg("--units")
        .arg(&units)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    // Row 16: the JSON embedded in report.html has no raw < > & left.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let start = html.find("id=\"units-data\">").unwrap() + "id=\"units-data\">".len();
    let json = &html[start..start + html[start..].find("</script>").unwrap()];
    assert!(
        !json.contains('<') && !json.contains('>') && !json.contains('&'),
        "{json}"
    );
    let rows: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert!(json.contains("\\u003c!--\\u003cscript\\u003e"));
    // Row 17: the coding sheet does not hand a formula to Excel.
    let sheet = d.path().join("sheet.csv");
    bin()
        .arg("sample")
        .arg(out.join("units.csv"))
        .args(["--n", "3", "--seed", "7", "--sheet"])
        .arg(&sheet)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(0);
    let rows = read_csv(&sheet);
    let f = rows
        .iter()
        .find(|r| r["text"].contains("HYPERLINK"))
        .unwrap();
    assert!(f["text"].starts_with("'=HYPERLINK"), "{f:?}");
}

#[test]
fn markdown_report_escapes_pipes_and_tags_in_region_names() {
    let d = tempfile::tempdir().unwrap();
    let regions = d.path().join("regions.csv");
    fs::write(
        &regions,
        "province,region\nsichuan,<script>x</script>\nhenan,a|b\n",
    )
    .unwrap();
    let out = d.path().join("out");
    code()
        .arg(samples())
        .arg("--regions")
        .arg(&regions)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        !md.replace("\\<", "").contains("<script>"),
        "raw tag in report.md"
    );
    assert!(md.contains("\\<script>x\\</script>"));
    assert!(md.contains("a\\|b"));
    assert!(!md.contains(" a|b "));
}

#[test]
fn manifest_rows_that_match_no_file_are_warned_about() {
    let d = tempfile::tempdir().unwrap();
    let corpus = d.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), "关于减税的通知。\n").unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,level,year\na.txt,central,2019\nb.txtt,local,2020\n",
    )
    .unwrap();
    code()
        .arg(&corpus)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("warning:"))
        .stderr(predicate::str::contains("`b.txtt` matches no file"))
        .stderr(predicate::str::contains("`a.txt`").not());
}

#[test]
fn the_tools_own_units_csv_codes_again() {
    let d = tempfile::tempdir().unwrap();
    let first = d.path().join("first");
    code()
        .arg(samples())
        .arg("--out")
        .arg(&first)
        .assert()
        .code(0);
    let copy = d.path().join("units.csv");
    fs::copy(first.join("units.csv"), &copy).unwrap();
    let second = d.path().join("second");
    code()
        .arg("--units")
        .arg(&copy)
        .arg("--out")
        .arg(&second)
        .assert()
        .code(0);
    let text = fs::read_to_string(second.join("units.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let distinct: std::collections::BTreeSet<&str> = header.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        header.len(),
        "duplicate headers: {header:?}"
    );
    assert_eq!(
        read_csv(&second.join("units.csv")).len(),
        coded_units(&first)
    );
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_stay_distinct() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let corpus = d.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    let a = corpus.join(std::ffi::OsStr::from_bytes(b"bad\xff\xfe.txt"));
    let b = corpus.join(std::ffi::OsStr::from_bytes(b"bad\xff\xfd.txt"));
    if fs::write(&a, "关于减税的通知。\n").is_err() {
        eprintln!("this file system refuses non-UTF-8 names: not checked");
        return;
    }
    fs::write(&b, "关于创业担保贷款的通知。\n").unwrap();
    let out = d.path().join("out");
    code().arg(&corpus).arg("--out").arg(&out).assert().code(0);
    let files: Vec<String> = read_csv(&out.join("documents.csv"))
        .into_iter()
        .map(|r| r["file"].clone())
        .collect();
    assert_eq!(files, vec!["bad\\xFF\\xFD.txt", "bad\\xFF\\xFE.txt"]);
}

/// documents.csv of a run, by file.
fn documents(
    out: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    read_csv(&out.join("documents.csv"))
        .into_iter()
        .map(|r| (r["file"].clone(), r))
        .collect()
}

#[test]
fn a_page_nested_200000_deep_is_read_in_seconds() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    fs::create_dir(&input).unwrap();
    let depth = 200_000;
    fs::write(
        input.join("nested.html"),
        format!(
            "<html><body>{}对返乡创业人员给予一次性创业补贴。{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        ),
    )
    .unwrap();
    let out = d.path().join("out");
    let t = std::time::Instant::now();
    code()
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(0);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let doc = &documents(&out)["nested.html"];
    assert_eq!(doc["status"], "coded");
    assert!(doc["encoding"].contains("read as flat text"), "{doc:?}");
    let units = read_csv(&out.join("units.csv"));
    assert!(units
        .iter()
        .any(|u| u["text"].contains("对返乡创业人员给予一次性创业补贴")));
}

/// A .docx package whose word/document.xml is `xml`.
fn docx_with(xml: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("word/document.xml", opts).unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

fn document_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
}

#[test]
fn a_docx_that_expands_past_max_file_size_is_skipped_not_read_into_memory() {
    // 30 MB of XML packed into some tens of KB: under --max-file-size on disk, far over
    // it once decompressed.
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    fs::create_dir(&input).unwrap();
    let xml = document_xml(&format!(
        "<w:p><w:r><w:t>落实税费减免政策。{}</w:t></w:r></w:p>",
        " ".repeat(30 << 20)
    ));
    let bytes = docx_with(&xml);
    assert!(bytes.len() < 1 << 20, "{}", bytes.len());
    fs::write(input.join("bomb.docx"), &bytes).unwrap();
    fs::write(input.join("ok.txt"), "对返乡创业人员给予一次性创业补贴。\n").unwrap();
    let out = d.path().join("out");
    code()
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--max-file-size")
        .arg("1MB")
        .assert()
        .code(2);
    let docs = documents(&out);
    assert_eq!(docs["bomb.docx"]["status"], "skipped");
    assert!(
        docs["bomb.docx"]["reason"].starts_with("too large (expanded)"),
        "{:?}",
        docs["bomb.docx"]
    );
    assert_eq!(docs["ok.txt"]["status"], "coded");
}

#[test]
fn a_docx_over_the_expanded_limit_is_never_cut_and_coded_as_complete() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    fs::create_dir(&input).unwrap();
    // About 400 KB of XML; the last paragraph is the one a cut would lose.
    let mut body = "<w:p><w:r><w:t>各地要加强返乡创业服务。</w:t></w:r></w:p>".repeat(6_000);
    body.push_str("<w:p><w:r><w:t>最后一条：对返乡创业人员给予一次性创业补贴。</w:t></w:r></w:p>");
    let xml = document_xml(&body);
    assert!(
        xml.len() > 300 << 10 && xml.len() < 1 << 20,
        "{}",
        xml.len()
    );
    fs::write(input.join("long.docx"), docx_with(&xml)).unwrap();
    // Under a limit below the XML's size: skipped whole, with the reason.
    let small = d.path().join("small");
    code()
        .arg(&input)
        .arg("--out")
        .arg(&small)
        .arg("--max-file-size")
        .arg("200KB")
        .assert()
        .code(2);
    let doc = &documents(&small)["long.docx"];
    assert_eq!(doc["status"], "skipped", "{doc:?}");
    assert!(doc["reason"].starts_with("too large (expanded)"), "{doc:?}");
    assert!(doc["reason"].contains("word/document.xml"), "{doc:?}");
    // Under a limit above it: read whole, to its last paragraph.
    let big = d.path().join("big");
    code()
        .arg(&input)
        .arg("--out")
        .arg(&big)
        .arg("--max-file-size")
        .arg("1MB")
        .assert()
        .code(0);
    assert_eq!(documents(&big)["long.docx"]["status"], "coded");
    assert!(read_csv(&big.join("units.csv"))
        .iter()
        .any(|u| u["text"].contains("最后一条")));
}

#[cfg(unix)]
#[test]
fn files_below_the_path_length_limit_are_each_listed_with_the_reason() {
    // 30 folders of 200 bytes: the deeper files' paths pass Linux's 4,096 bytes.
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    let mut dir = input.clone();
    let name = "d".repeat(200);
    let mut files = Vec::new();
    fs::create_dir(&input).unwrap();
    // Created relative to an open folder, as paths past the limit cannot be given whole.
    use rustix::fs::{mkdirat, openat, Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut fd = openat(rustix::fs::CWD, &input, flags, Mode::empty()).unwrap();
    for i in 0..30 {
        let f = format!("f{i}.txt");
        let content = format!("第{i}条 对返乡创业人员给予一次性创业补贴。\n");
        let file = openat(
            &fd,
            f.as_str(),
            OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )
        .unwrap();
        rustix::io::write(&file, content.as_bytes()).unwrap();
        mkdirat(&fd, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
        fd = openat(&fd, name.as_str(), flags, Mode::empty()).unwrap();
        let rel = dir.strip_prefix(&input).unwrap().join(&f);
        files.push(rel.to_string_lossy().into_owned());
        dir.push(&name);
    }
    let out = d.path().join("out");
    code().arg(&input).arg("--out").arg(&out).assert().code(2);
    let docs = documents(&out);
    let mut coded = 0;
    let mut too_long = 0;
    for f in &files {
        let doc = docs
            .get(f)
            .unwrap_or_else(|| panic!("not listed: {}", &f[f.len() - 20..]));
        let full = input.join(f).as_os_str().len();
        if full < 4096 {
            assert_eq!(doc["status"], "coded", "{doc:?}");
            coded += 1;
        } else {
            assert_eq!(doc["status"], "skipped", "{doc:?}");
            assert!(doc["reason"].starts_with("path too long"), "{doc:?}");
            too_long += 1;
        }
    }
    assert!(coded > 10 && too_long > 5, "{coded} {too_long}");
    // Every file once, and nothing else (the folders are not files).
    assert_eq!(docs.len(), files.len());
}

/// A PDF whose page tree is nested `depth` levels deep above one page with `text`,
/// its content stream compressed.
fn pdf_nested(depth: usize, text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let font = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let mut ops = Vec::new();
    for (i, line) in text.lines().enumerate() {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
        ops.push(Operation::new(
            "Td",
            vec![72.into(), (720 - 14 * (i as i64 % 50)).into()],
        ));
        ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
        ops.push(Operation::new("ET", vec![]));
    }
    let mut stream = Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    );
    stream.compress().unwrap();
    let content = doc.add_object(stream);
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let ids: Vec<_> = (0..=depth).map(|_| doc.new_object_id()).collect();
    doc.objects.insert(
        ids[depth],
        Object::Dictionary(dictionary! {
            "Type" => "Page", "Parent" => ids[depth - 1], "Contents" => content,
            "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    for level in (0..depth).rev() {
        let mut node =
            dictionary! { "Type" => "Pages", "Kids" => vec![ids[level + 1].into()], "Count" => 1 };
        if level > 0 {
            node.set("Parent", ids[level - 1]);
        }
        doc.objects.insert(ids[level], Object::Dictionary(node));
    }
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => ids[0] });
    doc.trailer.set("Root", catalog);
    let mut buf = Vec::new();
    doc.save_to(&mut buf).unwrap();
    buf
}

#[test]
fn pdfs_that_fail_or_expand_too_far_say_so_instead_of_no_text_layer() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    fs::create_dir(&input).unwrap();
    let line = "Member States shall provide start-up grants to returnees.";
    // Read: a text layer under a page tree nested 5 deep.
    fs::write(input.join("ok.pdf"), pdf_nested(5, line)).unwrap();
    // A page tree nested past the parser's depth limit: no page is found.
    fs::write(input.join("nested.pdf"), pdf_nested(400, line)).unwrap();
    // A page whose content expands past --max-file-size (2 MB of text in a few KB).
    let long = format!("{line}\n").repeat(35_000);
    let bomb = pdf_nested(2, &long);
    assert!(bomb.len() < 256 << 10, "{}", bomb.len());
    fs::write(input.join("expands.pdf"), &bomb).unwrap();
    // Not a PDF at all past its header.
    fs::write(
        input.join("broken.pdf"),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog",
    )
    .unwrap();
    // A page with no text: the only case for `no text layer`.
    fs::write(input.join("scanned.pdf"), pdf_nested(1, "")).unwrap();
    let out = d.path().join("out");
    code()
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--max-file-size")
        .arg("1MB")
        .assert()
        .code(2);
    let docs = documents(&out);
    let reason = |f: &str| docs[f]["reason"].clone();
    assert_eq!(docs["ok.pdf"]["status"], "coded", "{:?}", docs["ok.pdf"]);
    assert!(
        reason("nested.pdf").starts_with("corrupt pdf"),
        "{}",
        reason("nested.pdf")
    );
    assert!(
        reason("expands.pdf").starts_with("too large (expanded)"),
        "{}",
        reason("expands.pdf")
    );
    assert!(
        reason("broken.pdf").starts_with("corrupt pdf ("),
        "{}",
        reason("broken.pdf")
    );
    assert_eq!(reason("scanned.pdf"), "no text layer (scanned PDF?)");
    for f in ["nested.pdf", "expands.pdf", "broken.pdf"] {
        assert!(!reason(f).contains("no text layer"), "{f}: {}", reason(f));
    }
}
