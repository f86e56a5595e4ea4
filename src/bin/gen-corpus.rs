//! Benchmark corpus generator: realistic policy documents recombined from the structure and
//! clauses of `corpus-samples/` (and `../shared/corpus` when present), with varied numbering,
//! provinces, years and a `metadata.csv`. Same seed, same corpus.
//!
//! `cargo run --release --bin gen-corpus -- --size 200MB --out DIR [--seed 7] [--no-shared]`
//!
//! `gen-corpus --diffusion --out DIR [--seed 7] [--random]` instead writes a planted
//! diffusion process (see `policy_coder::tools::diffuse::plant`): instruments adopted on a
//! logistic schedule, neighbour-driven unless `--random`, with reused clauses, plus its truth
//! in the hidden folder `DIR/.truth/` (which `code` does not read): `schedules.csv`
//! (instrument, midpoint, scale, take-off, central year), `adoptions.csv` (instrument,
//! province, year) and `reuse.csv` (earlier file, later file).

use policy_coder::geo::province;
use policy_coder::util::decode::decode;
use policy_coder::util::rng::SplitMix64;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const ZH_NUM: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn zh_number(n: usize) -> String {
    match n {
        1..=10 => ZH_NUM[n - 1].to_string(),
        11..=19 => format!("十{}", ZH_NUM[n - 11]),
        _ => format!(
            "{}十{}",
            ZH_NUM[n / 10 - 1],
            if n.is_multiple_of(10) {
                ""
            } else {
                ZH_NUM[n % 10 - 1]
            }
        ),
    }
}

/// Sentences and titles gathered from the source documents.
#[derive(Default)]
struct Pool {
    zh: Vec<String>,
    en: Vec<String>,
    topics: Vec<String>,
}

fn is_cjk(s: &str) -> bool {
    s.chars().filter(|c| *c as u32 >= 0x4E00).count() * 3 > s.chars().count()
}

fn gather(dir: &Path, pool: &mut Pool) -> usize {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_type().is_file()
                && matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("txt") | Some("md")
                )
                && e.file_name() != "README.md"
        })
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let Ok(d) = decode(&bytes) else { continue };
        for line in d.text.lines() {
            let line = line.trim();
            if let Some(i) = line.find("关于") {
                if let Some(j) = line.rfind("的通知").or_else(|| line.rfind("的意见")) {
                    if j > i + 6 && j - i < 120 {
                        pool.topics.push(line[i + 6..j].to_string());
                    }
                }
            }
            if is_cjk(line) {
                for s in line.split_inclusive('。') {
                    // Whole sentences of body text only: no headings, numbers or dates.
                    let s = s.trim_start_matches(|c: char| {
                        c.is_whitespace()
                            || c.is_ascii_digit()
                            || "（）()一二三四五六七八九十、.．".contains(c)
                    });
                    if s.ends_with('。') && s.chars().count() >= 12 {
                        pool.zh.push(s.to_string());
                    }
                }
            } else if line.len() > 40 && line.is_ascii() {
                for s in line.split_inclusive(". ") {
                    let s = s.trim();
                    if s.len() > 30 && s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                        pool.en.push(s.to_string());
                    }
                }
            }
        }
    }
    files.len()
}

fn pick<'a>(rng: &mut SplitMix64, v: &'a [String]) -> &'a str {
    &v[rng.below(v.len())]
}

fn zh_document(
    rng: &mut SplitMix64,
    pool: &Pool,
    prov: Option<&province::Province>,
    year: u32,
) -> String {
    let (issuer, prefix) = match prov {
        Some(p) => (
            format!("{}人民政府办公厅", p.full),
            format!("{}政办发", p.abbr),
        ),
        None => ("国务院办公厅".to_string(), "国办发".to_string()),
    };
    let topic = if pool.topics.is_empty() {
        "支持农民工等人员返乡创业".to_string()
    } else {
        pick(rng, &pool.topics).to_string()
    };
    let mut s = format!(
        "{issuer}关于{topic}的通知\n{prefix}〔{year}〕{}号\n各有关单位：\n",
        1 + rng.below(120)
    );
    let style = rng.below(3);
    for sec in 1..=3 + rng.below(6) {
        let head = pick(rng, &pool.zh);
        let head: String = head
            .chars()
            .take_while(|c| !"，。；：".contains(*c))
            .take(14)
            .collect();
        let _ = writeln!(s, "{}、{head}", zh_number(sec));
        for item in 1..=2 + rng.below(5) {
            let mut body = String::new();
            for _ in 0..1 + rng.below(3) {
                body.push_str(pick(rng, &pool.zh));
            }
            let _ = match style {
                0 => writeln!(s, "（{}）{body}", zh_number(item)),
                1 => writeln!(s, "{item}.{body}"),
                _ => writeln!(s, "　　{body}"),
            };
        }
    }
    let _ = writeln!(
        s,
        "{issuer}\n{year}年{}月{}日",
        1 + rng.below(12),
        1 + rng.below(28)
    );
    s
}

fn en_document(rng: &mut SplitMix64, pool: &Pool, year: u32) -> String {
    let mut s = format!(
        "Directive {year}/{} on support for returning entrepreneurs\n",
        1 + rng.below(90)
    );
    for art in 1..=4 + rng.below(10) {
        let _ = writeln!(s, "Article {art}");
        for p in 1..=1 + rng.below(4) {
            let mut body = String::new();
            for _ in 0..1 + rng.below(3) {
                body.push_str(pick(rng, &pool.en));
                body.push(' ');
            }
            let _ = writeln!(s, "{p}. {}", body.trim_end());
        }
    }
    s
}

fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim().to_uppercase();
    for (suf, m) in [
        ("GB", 1u64 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("B", 1),
    ] {
        if let Some(n) = t.strip_suffix(suf) {
            return n.trim().parse::<u64>().ok().map(|n| n * m);
        }
    }
    t.parse().ok()
}

fn write_or_exit(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("{}: {e}", path.display());
        std::process::exit(1);
    }
}

fn diffusion(out: &Path, seed: u64, random: bool) {
    use policy_coder::tools::diffuse::plant::{documents, plant, PlantOptions};
    let p = plant(&PlantOptions {
        seed,
        neighbour_driven: !random,
        ..PlantOptions::default()
    });
    let docs = documents(&p);
    let mut meta = String::from("file,level,province,year\n");
    let mut reuse = String::from("earlier_file,later_file\n");
    for d in &docs {
        write_or_exit(&out.join(&d.file), &d.text);
        let _ = writeln!(
            meta,
            "{},{},{},{}",
            d.file,
            if d.province.is_some() {
                "local"
            } else {
                "central"
            },
            d.province.as_deref().unwrap_or(""),
            d.year
        );
        if let Some(s) = d.reuses {
            let _ = writeln!(reuse, "{},{}", docs[s].file, d.file);
        }
    }
    let mut sched = String::from("instrument,midpoint,scale,takeoff,central_year\n");
    let mut adopt = String::from("instrument,province,year\n");
    for s in &p.schedules {
        let _ = writeln!(
            sched,
            "{},{:.3},{},{},{}",
            s.instrument, s.midpoint, s.scale, s.takeoff, s.central_year
        );
        for (prov, y) in &s.adoptions {
            let _ = writeln!(adopt, "{},{prov},{y}", s.instrument);
        }
    }
    write_or_exit(&out.join("metadata.csv"), &meta);
    write_or_exit(&out.join(".truth/schedules.csv"), &sched);
    write_or_exit(&out.join(".truth/adoptions.csv"), &adopt);
    write_or_exit(&out.join(".truth/reuse.csv"), &reuse);
    eprintln!(
        "{} documents, {} instruments planted ({}), {} reused clauses, seed {seed}",
        docs.len(),
        p.schedules.len(),
        if random {
            "random adoption"
        } else {
            "neighbour-driven"
        },
        docs.iter().filter(|d| d.reuses.is_some()).count()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--diffusion") {
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        let Some(out) = value("--out") else {
            eprintln!("usage: gen-corpus --diffusion --out DIR [--seed 7] [--random]");
            std::process::exit(1);
        };
        let seed: u64 = value("--seed").and_then(|s| s.parse().ok()).unwrap_or(7);
        diffusion(Path::new(&out), seed, args.iter().any(|a| a == "--random"));
        return;
    }
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(size), Some(out)) = (value("--size").and_then(|s| parse_size(&s)), value("--out"))
    else {
        eprintln!("usage: gen-corpus --size 200MB --out DIR [--seed 7] [--no-shared]\n       gen-corpus --diffusion --out DIR [--seed 7] [--random]");
        std::process::exit(1);
    };
    let seed: u64 = value("--seed").and_then(|s| s.parse().ok()).unwrap_or(7);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut pool = Pool::default();
    let mut sources = gather(&root.join("corpus-samples"), &mut pool);
    let shared = root.join("../shared/corpus");
    if shared.is_dir() && !args.iter().any(|a| a == "--no-shared") {
        sources += gather(&shared, &mut pool);
    }
    if pool.zh.is_empty() || pool.en.is_empty() {
        eprintln!(
            "no source sentences found under {}",
            root.join("corpus-samples").display()
        );
        std::process::exit(1);
    }
    let out = PathBuf::from(out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("{}: {e}", out.display());
        std::process::exit(1);
    }
    let mut rng = SplitMix64::new(seed);
    let provinces = province::all();
    let mut meta = String::from("file,level,province,year\n");
    let (mut written, mut docs) = (0u64, 0usize);
    while written < size {
        docs += 1;
        let year = 2010 + rng.below(15) as u32;
        let central = rng.below(5) == 0;
        let english = central && rng.below(3) == 0;
        let prov = (!central).then(|| &provinces[rng.below(provinces.len())]);
        let text = if english {
            en_document(&mut rng, &pool, year)
        } else {
            zh_document(&mut rng, &pool, prov, year)
        };
        let folder = match prov {
            Some(p) => format!("local/{}", p.id),
            None => "central".to_string(),
        };
        let rel = format!("{folder}/{year}_{docs:07}.txt");
        let path = out.join(&rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        let _ = writeln!(
            meta,
            "{rel},{},{},{year}",
            if central { "central" } else { "local" },
            prov.map(|p| p.id).unwrap_or("")
        );
        written += text.len() as u64;
    }
    if let Err(e) = std::fs::write(out.join("metadata.csv"), meta) {
        eprintln!("metadata.csv: {e}");
        std::process::exit(1);
    }
    eprintln!(
        "{docs} documents, {:.1} MB, from {sources} source files ({} Chinese and {} English sentences), seed {seed}",
        written as f64 / 1e6,
        pool.zh.len(),
        pool.en.len()
    );
}
