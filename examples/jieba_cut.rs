//! Bare jieba-rs segmentation, the floor of policy-coder's cost: reads every .txt file under
//! a folder and cuts it line by line (HMM on), one thread, dictionary start included.
//!
//! `cargo run --release --example jieba_cut -- DIR`

use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: jieba_cut DIR");
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
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        bytes += text.len();
        files += 1;
        for line in text.lines() {
            tokens += jieba.cut(line, true).len();
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "jieba_cut: {files} files, {:.1} MB, {tokens} tokens in {secs:.2} s ({:.1} MB/s; dictionary {:.0} ms)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs,
        start.as_secs_f64() * 1e3
    );
}
