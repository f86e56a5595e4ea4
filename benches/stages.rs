//! Per-stage benchmarks on a fixed input (the sample corpus, read once): read+decode,
//! normalize, segment, tokenize, code, aggregate. `cargo bench --bench stages`;
//! CI runs them once each with `cargo bench --bench stages -- --test`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use policy_coder::code::tokenize::TokenStream;
use policy_coder::prepare::normalize::normalize;
use policy_coder::read::{read_file, readers};
use policy_coder::segment::{segment, UnitMode};
use policy_coder::tally::aggregate::{Aggregator, GroupKeys};
use policy_coder::util::lang::{self, Lang};
use policy_coder::{Codebook, Coder};
use std::hint::black_box;
use std::path::PathBuf;

/// The sample documents (`.txt`, `.docx`, `.pdf`, `.html`), in path order.
fn sample_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-samples");
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x != "csv"))
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

fn stages(c: &mut Criterion) {
    let files = sample_files();
    let readers = readers();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| read_file(f, &readers, u64::MAX).ok().map(|x| x.text))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let norms: Vec<(String, Lang)> = texts
        .iter()
        .map(|t| {
            let n = normalize(t).text;
            let l = lang::detect(&n);
            (n, l)
        })
        .collect();
    let units: Vec<(String, Lang)> = norms
        .iter()
        .flat_map(|(t, l)| {
            segment(t, *l, UnitMode::Auto)
                .into_iter()
                .map(move |s| (t[s.start..s.end].to_string(), *l))
        })
        .collect();
    let coder = Coder::new(Codebook::default_codebook()).expect("default codebook");

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("read+decode", |b| {
        b.iter(|| {
            for f in &files {
                black_box(read_file(f, &readers, u64::MAX).ok());
            }
        })
    });
    g.bench_function("normalize+lang", |b| {
        b.iter(|| {
            for t in &texts {
                let n = normalize(t);
                black_box(lang::detect(&n.text));
            }
        })
    });
    g.bench_function("segment", |b| {
        b.iter(|| {
            for (t, l) in &norms {
                black_box(segment(t, *l, UnitMode::Auto));
            }
        })
    });
    g.bench_function("tokenize", |b| {
        let mut buf = TokenStream::default();
        b.iter(|| {
            for (u, l) in &units {
                coder.tokenizer.tokenize(u, *l, &mut buf);
                black_box(buf.tokens.len());
            }
        })
    });
    g.bench_function("code", |b| {
        let mut buf = TokenStream::default();
        b.iter(|| {
            for (u, l) in &units {
                black_box(coder.code(u, *l, &mut buf));
            }
        })
    });
    let codes: Vec<Vec<usize>> = units
        .iter()
        .map(|(u, l)| coder.code(u, *l, &mut TokenStream::default()).categories)
        .collect();
    g.bench_function("aggregate", |b| {
        let keys = GroupKeys {
            level: "local".into(),
            region: "west".into(),
            province: "sichuan".into(),
            year: "2020".into(),
        };
        b.iter(|| {
            let mut agg = Aggregator::new(coder.codebook.categories.len());
            for c in &codes {
                agg.add_unit(&keys, c, false);
            }
            black_box(agg.overall().references.iter().sum::<u64>())
        })
    });
    g.finish();
    c.bench_function("startup (codebook compile + jieba dictionary)", |b| {
        b.iter(|| black_box(Coder::new(Codebook::default_codebook()).expect("codebook")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = stages
}
criterion_main!(benches);
