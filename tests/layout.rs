//! The source tree is laid out as the pipeline: one folder per stage, and a stage uses only
//! the stages before it and the shared leaves. This test reads every `crate::` path in the
//! library's code (comments and doc links aside) and fails on one that points to a later
//! stage, or to a top-level module missing from the order below, so that the next
//! feature lands where it belongs instead of in whichever file is nearest.

use std::path::{Path, PathBuf};

/// Top-level modules in order: a module may use those of a lower rank and itself. Leaves
/// of equal rank do not use each other.
const ORDER: &[(&str, u32)] = &[
    // Shared leaves.
    ("error", 0),
    ("util", 1),
    ("schema", 1),
    ("stats", 2),
    ("reliability", 2),
    ("geo", 2),
    ("codebook", 3),
    // The stages.
    ("read", 10),
    ("prepare", 11),
    ("segment", 12),
    ("code", 13),
    ("tally", 14),
    ("report", 15),
    ("write", 16),
    ("tools", 17),
    ("pipeline", 18),
    ("tune", 19),
];

/// Names the crate root re-exports, and the modules they come from.
const ROOT_EXPORTS: &[(&str, &str)] = &[
    ("Coder", "code"),
    ("Codebook", "codebook"),
    ("Error", "error"),
    ("Result", "error"),
];

/// The module a `crate::` path names: itself, or where a root re-export comes from.
fn canonical(name: &str) -> &str {
    ROOT_EXPORTS
        .iter()
        .find(|(export, _)| *export == name)
        .map_or(name, |&(_, m)| m)
}

fn rank(module: &str) -> Option<u32> {
    let module = canonical(module);
    ORDER.iter().find(|(m, _)| *m == module).map(|&(_, r)| r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::name` in `line`, outside a trailing `//` comment.
fn crate_paths(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // `policy_coder::` style paths do not occur inside the library; skip
            // identifiers that merely end in `crate` (`subcrate::`).
            !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, m)| {
            let rest = &code[at + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn imports_run_only_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut seen_rooms = std::collections::BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("");
        let room = first.trim_end_matches(".rs");
        // The binaries (main.rs and its cli/ modules, bin/) sit on top of everything.
        if matches!(room, "main" | "lib" | "bin" | "cli") {
            continue;
        }
        seen_rooms.insert(room.to_string());
        let Some(own) = rank(room) else {
            problems.push(format!(
                "{}: top-level module `{room}` is not placed in tests/layout.rs ORDER",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("source is UTF-8");
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in crate_paths(line) {
                if canonical(target) == room {
                    continue;
                }
                match rank(target) {
                    None if target.is_empty() => problems.push(format!(
                        "{}:{}: write `use crate::{{..}}` as one `use` per module, so that this test sees it",
                        rel.display(),
                        i + 1
                    )),
                    None => problems.push(format!(
                        "{}:{}: `crate::{target}` is not a known top-level module",
                        rel.display(),
                        i + 1
                    )),
                    Some(r) if r >= own => problems.push(format!(
                        "{}:{}: `{room}` (rank {own}) uses `crate::{target}` (rank {r}), which does not come before it",
                        rel.display(),
                        i + 1
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "imports that run against the pipeline:\n{}",
        problems.join("\n")
    );
    // Every room of the order exists: a stale entry would hide a misplaced module.
    for (m, _) in ORDER {
        assert!(
            seen_rooms.contains(*m),
            "ORDER names `{m}`, which src/ does not hold"
        );
    }
}

#[test]
fn the_checker_sees_paths_and_skips_comments() {
    assert_eq!(
        crate_paths("use crate::code::coder::Coder; // crate::tune"),
        ["code"]
    );
    assert_eq!(
        crate_paths("let x = crate::util::paths::resolve(crate::read::X);"),
        ["util", "read"]
    );
    assert!(crate_paths("subcrate::x").is_empty());
    assert_eq!(rank("code"), Some(13));
    assert_eq!(rank("output"), None);
    assert_eq!(rank("Coder"), rank("code"));
}
