//! Bare jieba-rs segmentation, the floor of policy-coder's cost: reads every .txt file under
//! a folder and cuts it line by line (HMM on), one thread, dictionary start included.
//!
//! With `--units`, each file is also decoded, normalised and split into units as `code`
//! does, and the units are cut one by one: the part of `code` that every output needs,
//! without coding, keyword counts, metadata or writing.
//!
//! `cargo run --release --example jieba_cut -- DIR [--units]`

use policy_coder::prepare::normalize;
use policy_coder::segment;
use policy_coder::util::{decode, lang};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), units) = (args.next(), args.next().as_deref() == Some("--units")) else {
        eprintln!("usage: jieba_cut DIR [--units]");
        std::process::exit(1);
    };
    let t0 = Instant::now();
    let jieba = jieba_rs::Jieba::new();
    let start = t0.elapsed();
    let (mut bytes, mut files, mut tokens) = (0usize, 0usize, 0usize);
    let mut paths: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    for p in paths {
        let Ok(raw) = std::fs::read(&p) else {
            continue;
        };
        bytes += raw.len();
        files += 1;
        if units {
            let Ok(text) = decode::decode(&raw) else {
                continue;
            };
            let n = normalize::normalize(&text.text);
            let lang = lang::detect(&n.text);
            for s in segment::segment(&n.text, lang, segment::UnitMode::Auto) {
                tokens += jieba.cut(&n.text[s.start..s.end], true).len();
            }
        } else {
            let Ok(text) = std::str::from_utf8(&raw) else {
                continue;
            };
            for line in text.lines() {
                tokens += jieba.cut(line, true).len();
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let what = if units {
        "jieba_cut --units"
    } else {
        "jieba_cut"
    };
    println!(
        "{what}: {files} files, {:.1} MB, {tokens} tokens in {secs:.2} s ({:.1} MB/s; dictionary {:.0} ms)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs,
        start.as_secs_f64() * 1e3
    );
}
