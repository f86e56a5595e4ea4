//! The `code` job: read → metadata → segment → code → aggregate → write, streaming
//! documents in parallel batches so memory does not grow with the corpus.

use crate::code::classify::{self, Classifier, Mode};
use crate::code::coder::{Coder, UnitCodes};
use crate::code::tokenize::TokenStream;
use crate::codebook::roles::Role;
use crate::error::{Error, Result};
use crate::geo::level::Level;
use crate::geo::region::{self, RegionScheme};
use crate::prepare::metadata::{self, DocMeta};
use crate::prepare::normalize::{normalize, Normalized};
use crate::read::units_file::UnitsFile;
use crate::read::{self, Disposition, InputFile, Reader};
use crate::segment::{self, Kind, UnitMode};
use crate::tally::aggregate::{Aggregator, GroupKeys};
use crate::tally::keywords::{DocWords, Keywords, Stopwords, Vocabulary};
use crate::util::lang::{self, Lang};
use crate::write::tabular::{
    self, DocRecord, DocStatus, DocumentsWriter, RunCounts, RunSettings, UnitRecord, UnitText,
    UnitsWriter,
};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a run reports while it goes, for a front end to show: the library draws nothing
/// itself (the CLI implements this with a progress bar). Calls come from the one thread
/// that writes the outputs, in input order.
pub trait Progress: Send + Sync {
    /// The run has `files` input files to go through.
    fn start(&self, _files: usize) {}
    /// One input file is done: the units it gave and the bytes of text read.
    fn file(&self, _units: usize, _bytes: usize) {}
    /// The run has finished, or failed.
    fn finish(&self) {}
}

impl std::fmt::Debug for dyn Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Reports nothing: the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Calls [`Progress::finish`] when dropped, so that a failed run ends the report too.
struct Finish<'a>(&'a dyn Progress);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// What to code and how.
#[derive(Debug, Clone)]
pub struct CodeOptions {
    /// Files and folders to code.
    pub inputs: Vec<PathBuf>,
    /// Pre-segmented units instead of documents: the file and its text column.
    pub units: Option<(PathBuf, String)>,
    /// Output folder.
    pub out: PathBuf,
    /// Overwrite a non-empty output folder.
    pub force: bool,
    /// Region scheme.
    pub regions: RegionScheme,
    /// Unit granularity.
    pub unit_mode: UnitMode,
    /// Glob patterns of files to leave out (listed as excluded).
    pub exclude: Vec<String>,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
    /// Documents per parallel batch.
    pub batch: usize,
    /// A trained classifier and how to use it.
    pub model: Option<(std::sync::Arc<Classifier>, Mode)>,
    /// Which words count in keyword tables.
    pub stopwords: Arc<Stopwords>,
    /// Words per group in keyword tables.
    pub top: usize,
    /// Dimensions whose groups get word counts (the overall counts come free).
    pub keyword_dims: Vec<crate::tally::aggregate::Dim>,
    /// Also write `report.xlsx`.
    pub xlsx: bool,
    /// Told of each document as it is written (the CLI draws a progress bar).
    pub progress: Arc<dyn Progress>,
    /// Read links that lead outside the input folders (skipped by default).
    pub follow_links_outside: bool,
    /// Worker threads for this run (a pool of its own); `None`: rayon's global pool, one
    /// worker per core.
    pub threads: Option<usize>,
}

impl CodeOptions {
    /// Options with defaults for everything but inputs and output.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> Self {
        CodeOptions {
            inputs,
            units: None,
            out,
            force: false,
            regions: RegionScheme::three_belt(),
            unit_mode: UnitMode::Auto,
            exclude: Vec::new(),
            max_file_size: read::DEFAULT_MAX_FILE_SIZE,
            batch: 64,
            model: None,
            stopwords: Arc::new(Stopwords::default()),
            top: 30,
            keyword_dims: vec![
                crate::tally::aggregate::Dim::Level,
                crate::tally::aggregate::Dim::Region,
            ],
            xlsx: false,
            progress: Arc::new(Silent),
            follow_links_outside: false,
            threads: None,
        }
    }
}

enum Source {
    Files(Vec<InputFile>),
    Units(UnitsFile),
}

/// What a run counted: files, references per group, words per group.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// File and metadata counts.
    pub counts: RunCounts,
    /// References per group.
    pub agg: Aggregator,
    /// Words per group.
    pub keywords: Keywords,
}

/// Codes everything and writes the outputs. Input errors (bad manifest, bad units file,
/// missing path, non-empty output folder) are found before anything is written.
///
/// The outputs are written as one transaction (see [`crate::write::outdir`]): into a staging
/// folder under a lock, moved into `opts.out` only when all are written, with `run.json`
/// recording the run id and command line.
pub fn run(coder: &Coder, opts: &CodeOptions) -> Result<RunCounts> {
    let stamp = crate::write::outdir::RunStamp::now();
    let mut inputs = opts.inputs.clone();
    inputs.extend(opts.units.iter().map(|(p, _)| p.clone()));
    crate::write::outdir::check_inputs(&opts.out, &inputs)?;
    let txn = crate::write::outdir::OutputTxn::begin(&opts.out, opts.force)?;
    let dir = txn.dir().to_path_buf();
    let pool = thread_pool(opts.threads)?;
    let a = analyze_into(coder, opts, Some(&dir), pool.as_ref())?;
    let settings = RunSettings {
        regions: opts.regions.name.clone(),
        unit: format!("{:?}", opts.unit_mode).to_lowercase(),
    };
    let report = tabular::Report {
        agg: &a.agg,
        keywords: &a.keywords,
        cb: &coder.codebook,
        counts: &a.counts,
        settings: &settings,
        top: opts.top,
    };
    let mut tables = crate::write::write_reports(&dir, &report)?;
    // Runs over at least two years and two provinces get a diffusion section in report.md,
    // report.html and report.xlsx.
    tables.extend(on_pool(pool.as_ref(), || {
        crate::tools::diffuse::append_to_report(&dir, &coder.codebook)
    })?);
    if opts.xlsx {
        crate::write::xlsx::write_workbook(
            &dir.join("report.xlsx"),
            &tables,
            &dir.join("units.csv"),
        )?;
    }
    txn.commit(stamp)?;
    Ok(a.counts)
}

/// Reads, codes and counts everything. With `records`, writes `units.csv`,
/// `documents.csv` (and `review.csv` with a model) into `opts.out` as it goes;
/// without, writes nothing (for `keywords`).
pub fn analyze(coder: &Coder, opts: &CodeOptions, records: bool) -> Result<Analysis> {
    let pool = thread_pool(opts.threads)?;
    analyze_into(
        coder,
        opts,
        records.then_some(opts.out.as_path()),
        pool.as_ref(),
    )
}

/// [`analyze`], writing the records into `records` (a folder) when given. The walk
/// leaves `opts.out` out when it lies inside an input folder.
fn analyze_into(
    coder: &Coder,
    opts: &CodeOptions,
    records: Option<&Path>,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Analysis> {
    let source = match &opts.units {
        Some((path, col)) => Source::Units(UnitsFile::open(path, col)?),
        None => {
            if opts.inputs.is_empty() {
                return Err(Error::Usage(
                    "nothing to code: give a PATH or --units FILE".into(),
                ));
            }
            let walk = read::Walk {
                out: (!opts.out.as_os_str().is_empty()).then(|| opts.out.clone()),
                follow_links_outside: opts.follow_links_outside,
            };
            Source::Files(read::collect_with(
                &opts.inputs,
                &read::exclude_set(&opts.exclude)?,
                &walk,
            )?)
        }
    };
    let out = if let Some(dir) = records {
        prepare_out_dir(dir, opts.force)?;
        dir.to_path_buf()
    } else {
        PathBuf::new()
    };
    let records = records.is_some();
    let file = |name: &str| {
        if records {
            out.join(name)
        } else {
            PathBuf::new()
        }
    };
    let mut agg = Aggregator::new(coder.codebook.categories.len());
    let mut keywords = Keywords::new(&opts.keyword_dims, opts.stopwords.clone());
    let mut counts = RunCounts::default();
    let dimension_ids: Vec<String> = coder
        .codebook
        .dimensions
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let mut extra = match &source {
        Source::Units(u) => carried_columns(u, &dimension_ids),
        Source::Files(_) => Vec::new(),
    };
    if opts.model.is_some() {
        extra.extend(["source".to_string(), "confidence".to_string()]);
    }
    let mut w = Writers {
        units: UnitsWriter::create(&file("units.csv"), &dimension_ids, &extra)?,
        docs: DocumentsWriter::create(&file("documents.csv"))?,
        review: match opts.model {
            Some(_) if records => Some(ReviewWriter::create(&file("review.csv"))?),
            _ => None,
        },
    };
    match source {
        Source::Files(files) => code_files(
            coder,
            opts,
            pool,
            &files,
            &mut agg,
            &mut keywords,
            &mut counts,
            &mut w,
        )?,
        Source::Units(u) => {
            let mut run = || {
                code_units(
                    coder,
                    opts,
                    &u,
                    &mut agg,
                    &mut keywords,
                    &mut counts,
                    &mut w,
                )
            };
            match &pool {
                Some(p) => p.install(run)?,
                None => run()?,
            }
        }
    }
    w.units.finish()?;
    w.docs.finish()?;
    if let Some(r) = w.review {
        r.finish()?;
    }
    Ok(Analysis {
        counts,
        agg,
        keywords,
    })
}

/// Adds the keywords of one unit's tokens (in `buf`, as the coder left them) to `words`:
/// unstemmed, so that keywords read as words.
fn count_words(vocabulary: &Vocabulary, buf: &TokenStream, words: &mut DocWords) {
    words.add_all(vocabulary, buf.words());
}

/// A document's fingerprint for finding duplicates within a run (never written out):
/// SipHash with fixed keys, several times faster than a byte-wise FNV over the text.
fn fingerprint(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text)
}

fn prepare_out_dir(out: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(Error::OutputNotEmpty(out.display().to_string()));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
        }
        Err(e) => Err(Error::io(out, e)),
    }
}

/// Input columns carried into `units.csv`: `id` (when the input has an id column) and
/// every other column, renamed `input_<name>` where it clashes with one of ours (the
/// fixed columns, the codebook's dimensions, `source`/`confidence`) or an earlier one, so
/// that the header never repeats a name: the tool's own `units.csv` codes again.
fn carried_columns(u: &UnitsFile, dimensions: &[String]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = crate::schema::UNIT_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(dimensions.iter().map(|d| d.to_lowercase()))
        .chain(["source".to_string(), "confidence".to_string()])
        .collect();
    u.headers
        .iter()
        .map(|h| {
            let lower = h.to_lowercase();
            let mut name = if lower == "id" || lower == "unit_id" {
                "id".to_string()
            } else {
                h.clone()
            };
            while !taken.insert(name.to_lowercase()) {
                name = format!("input_{name}");
            }
            name
        })
        .collect()
}

/// The keys of a document's groups.
fn keys_of(meta: &DocMeta) -> GroupKeys {
    GroupKeys {
        level: meta.level.as_str().to_string(),
        region: meta.region.clone(),
        province: meta.province_id().to_string(),
        year: meta.year_string(),
    }
}

struct Coded {
    /// Hash of the normalised text, to report duplicate documents.
    fingerprint: Option<u64>,
    record: DocRecord,
    units: Vec<UnitRecord>,
    review: Vec<Vec<String>>,
    keys: Option<Arc<GroupKeys>>,
    words: DocWords,
    /// Bytes of text read.
    bytes: usize,
}

/// The streaming outputs.
struct Writers {
    units: UnitsWriter,
    docs: DocumentsWriter,
    review: Option<ReviewWriter>,
}

/// Streams `review.csv`: units a human should check (rules and model disagree, or the
/// model coded the unit with low confidence).
struct ReviewWriter {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
}

/// Model probability below which a model-coded unit goes to review.
pub const REVIEW_CONFIDENCE: f32 = 0.5;

impl ReviewWriter {
    fn create(path: &Path) -> Result<Self> {
        let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut f = std::io::BufWriter::new(f);
        std::io::Write::write_all(&mut f, crate::util::csv::bom())
            .map_err(|e| Error::io(path, e))?;
        let mut w = csv::Writer::from_writer(f);
        w.write_record([
            "doc_id",
            "unit_id",
            "file",
            "reason",
            "rule_categories",
            "model_categories",
            "confidence",
            "text",
        ])
        .map_err(|e| Error::io(path, e.into()))?;
        Ok(ReviewWriter {
            w,
            path: path.to_path_buf(),
        })
    }

    fn write(&mut self, row: &[String]) -> Result<()> {
        self.w
            .write_record(
                row.iter()
                    .map(|c| crate::util::csv::cell(c))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|c| c.as_bytes()),
            )
            .map_err(|e| Error::io(&self.path, e.into()))
    }

    fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// Applies the model to a coded unit (rules already in `u`): sets categories, cores,
/// `source` and `confidence`, and returns a review row when a human should look.
fn apply_model(
    coder: &Coder,
    clf: &Classifier,
    mode: Mode,
    norm_text: &str,
    u: &mut UnitRecord,
) -> Option<Vec<String>> {
    let cb = &coder.codebook;
    if u.boilerplate && clf.embedder().is_some() {
        // Not embedded (see `code_file`): the rules' (empty) coding stands.
        u.extra.push(
            if u.category_idx.is_empty() {
                "none"
            } else {
                "rule"
            }
            .to_string(),
        );
        u.extra.push(String::new());
        return None;
    }
    let rule: Vec<String> = u
        .category_idx
        .iter()
        .map(|&k| cb.categories[k].id.clone())
        .collect();
    // The unit was coded in the document's language; when that is the language the model
    // would detect, reuse those rule matches instead of coding the unit a second time.
    let detected = lang::detect(norm_text);
    let pred = if detected.as_str() == u.lang {
        let cats: Vec<&str> = u.categories.split(';').filter(|x| !x.is_empty()).collect();
        let concepts: Vec<&str> = u.concepts.split(';').filter(|x| !x.is_empty()).collect();
        clf.predict_coded(coder, norm_text, detected, &cats, &concepts)
    } else {
        clf.predict(coder, norm_text)
    };
    let model_cats: Vec<String> = pred.categories.iter().map(|c| c.0.clone()).collect();
    let d = classify::hybrid(&rule, &pred);
    let (cats, source, confidence, disagree) = match mode {
        Mode::Rules => (
            rule.clone(),
            if rule.is_empty() { "none" } else { "rule" },
            d.confidence,
            d.disagree,
        ),
        Mode::Model => {
            let conf = if model_cats.is_empty() {
                pred.none
            } else {
                pred.categories.iter().map(|c| c.1).fold(0.0, f32::max)
            };
            (
                model_cats.clone(),
                if model_cats.is_empty() {
                    "none"
                } else {
                    "model"
                },
                conf,
                d.disagree,
            )
        }
        Mode::Hybrid => (d.categories.clone(), d.source, d.confidence, d.disagree),
    };
    let mut idx: Vec<usize> = cats.iter().filter_map(|c| cb.category_index(c)).collect();
    idx.sort_unstable();
    idx.dedup();
    let mut cores: Vec<usize> = idx.iter().map(|&k| cb.categories[k].core).collect();
    cores.sort_unstable();
    cores.dedup();
    u.categories = idx
        .iter()
        .map(|&k| cb.categories[k].id.as_str())
        .collect::<Vec<_>>()
        .join(";");
    u.cores = cores
        .iter()
        .map(|&c| cb.cores[c].id.as_str())
        .collect::<Vec<_>>()
        .join(";");
    u.category_idx = idx;
    if source == "withheld" {
        // The rules' evidence stays in the row, in the withheld column, marked by source.
        if !u.withheld.is_empty() && !u.evidence.is_empty() {
            u.withheld.push(';');
        }
        let evidence = std::mem::take(&mut u.evidence);
        u.withheld.push_str(&evidence);
        u.concepts.clear();
    }
    u.extra.push(source.to_string());
    u.extra.push(format!("{confidence:.3}"));
    let low = source == "model" && confidence < REVIEW_CONFIDENCE;
    (!u.boilerplate && (disagree || low)).then(|| {
        vec![
            u.doc_id.to_string(),
            u.unit_id.clone(),
            u.file.to_string(),
            if disagree {
                "rules and model disagree"
            } else {
                "low model confidence"
            }
            .to_string(),
            rule.join(";"),
            model_cats.join(";"),
            format!("{confidence:.3}"),
            u.text.as_str().to_string(),
        ]
    })
}

/// A pool of `threads` workers for this run only, or none to use rayon's global pool
/// (one worker per core). A library caller's own pool is left alone either way.
fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>> {
    let Some(n) = threads else { return Ok(None) };
    if n == 0 {
        return Err(Error::Usage("threads: give at least 1".into()));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("policy-coder-{i}"))
        .build()
        .map(Some)
        .map_err(|e| Error::Usage(format!("threads: cannot start {n} worker threads: {e}")))
}

/// Runs `f` on the run's pool when it has one. Not for a caller that then waits on work
/// of the same pool (a one-thread pool would wait on itself): the writer thread of
/// [`code_files`] stays outside the pool.
fn on_pool<R: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

#[allow(clippy::too_many_arguments)]
fn code_files(
    coder: &Coder,
    opts: &CodeOptions,
    pool: Option<&rayon::ThreadPool>,
    files: &[InputFile],
    agg: &mut Aggregator,
    keywords: &mut Keywords,
    counts: &mut RunCounts,
    w: &mut Writers,
) -> Result<()> {
    counts.warnings.extend(unmatched_manifest_rows(files));
    let readers = read::readers();
    // Documents are keyed by their relative paths (crate::util::docid): adding or removing a
    // file leaves the other documents' unit ids as they were.
    let rels: Vec<&str> = files
        .iter()
        .filter(|f| f.disposition == Disposition::Read)
        .map(|f| f.rel.as_str())
        .collect();
    let mut keys = crate::util::docid::assign(&rels).into_iter();
    let indexed: Vec<(Arc<str>, &InputFile)> = files
        .iter()
        .map(|f| {
            let key = if f.disposition == Disposition::Read {
                keys.next().map(Arc::from).unwrap_or_else(|| Arc::from(""))
            } else {
                Arc::from("")
            };
            (key, f)
        })
        .collect();
    let mut seen: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    let progress = &*opts.progress;
    progress.start(files.len());
    let _finish = Finish(progress);
    let vocabulary = keywords.vocabulary().clone();
    let vocabulary = &*vocabulary;
    // Batches are coded in parallel on the pool while this thread writes the previous
    // batch; the channel holds one batch, so memory stays bounded by two batches.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Coded>>(1);
        let readers = &readers;
        let indexed = &indexed;
        scope.spawn(move || {
            let produce = move || {
                for batch in indexed.chunks(opts.batch.max(1)) {
                    let results: Vec<Coded> = batch
                        .par_iter()
                        .map(|(id, f)| code_file(coder, opts, vocabulary, readers, id, f))
                        .collect();
                    if tx.send(results).is_err() {
                        // The writer stopped on an error; it reports it.
                        return;
                    }
                }
            };
            // The run's own pool, when it has one, does the parallel coding.
            on_pool(pool, produce)
        });
        for results in rx {
            write_batch(results, agg, keywords, counts, w, &mut seen, progress)?;
        }
        Ok(())
    })
}

/// Tallies and writes one coded batch, in path order.
fn write_batch(
    results: Vec<Coded>,
    agg: &mut Aggregator,
    keywords: &mut Keywords,
    counts: &mut RunCounts,
    w: &mut Writers,
    seen: &mut std::collections::HashMap<u64, String>,
    progress: &dyn Progress,
) -> Result<()> {
    {
        for mut c in results {
            counts.files += 1;
            if let Some(fp) = c.fingerprint.take() {
                match seen.get(&fp) {
                    Some(first) => {
                        // The same text under another name is coded once, at its first path.
                        c.record = DocRecord {
                            file: c.record.file.clone(),
                            status: DocStatus::Skipped,
                            reason: format!("duplicate of {first}"),
                            encoding: c.record.encoding.clone(),
                            lang: c.record.lang.clone(),
                            doc_id: c.record.doc_id.clone(),
                            ..Default::default()
                        };
                        c.units.clear();
                        c.review.clear();
                        c.keys = None;
                        counts.duplicates += 1;
                    }
                    None => {
                        seen.insert(fp, c.record.file.clone());
                    }
                }
            }
            match c.record.status {
                DocStatus::Coded => counts.coded += 1,
                DocStatus::Manifest => counts.manifests += 1,
                DocStatus::Excluded => counts.excluded += 1,
                DocStatus::Skipped => {
                    counts.skipped += 1;
                    counts
                        .skipped_files
                        .push((c.record.file.clone(), c.record.reason.clone()));
                }
            }
            if let Some(keys) = &c.keys {
                tally_document(agg, counts, keys, &c.units);
                keywords.add_document(keys, &c.words);
            }
            progress.file(c.units.len(), c.bytes);
            for u in &c.units {
                w.units.write(u)?;
            }
            if let Some(r) = &mut w.review {
                for row in &c.review {
                    r.write(row)?;
                }
            }
            w.docs.write(&c.record)?;
        }
    }
    Ok(())
}

fn tally_document(
    agg: &mut Aggregator,
    counts: &mut RunCounts,
    keys: &GroupKeys,
    units: &[UnitRecord],
) {
    agg.add_document(keys);
    counts.unknown_level += usize::from(keys.level == Level::Unknown.as_str());
    counts.unknown_province +=
        usize::from(keys.province == region::UNKNOWN && keys.level != Level::Central.as_str());
    counts.unknown_year += usize::from(keys.year == region::UNKNOWN);
    agg.add_units(
        keys,
        units
            .iter()
            .map(|u| (u.category_idx.as_slice(), u.boilerplate)),
    );
    for u in units {
        if !u.boilerplate {
            agg.add_dimension_values(&u.category_idx, &u.dimension_idx);
        }
    }
}

fn code_file(
    coder: &Coder,
    opts: &CodeOptions,
    vocabulary: &Vocabulary,
    readers: &[Box<dyn Reader>],
    doc_id: &Arc<str>,
    f: &InputFile,
) -> Coded {
    let mut record = DocRecord {
        file: f.rel.clone(),
        ..Default::default()
    };
    let skip = |mut record: DocRecord, status: DocStatus, reason: String| {
        record.status = status;
        record.reason = reason;
        Coded {
            fingerprint: None,
            record,
            units: Vec::new(),
            review: Vec::new(),
            keys: None,
            words: DocWords::default(),
            bytes: 0,
        }
    };
    match &f.disposition {
        Disposition::Manifest => {
            let n = f.manifest.as_ref().map(|m| m.len()).unwrap_or(0);
            return skip(
                record,
                DocStatus::Manifest,
                format!("metadata manifest ({n} rows)"),
            );
        }
        Disposition::Excluded(r) => return skip(record, DocStatus::Excluded, r.clone()),
        Disposition::WalkError(r) => return skip(record, DocStatus::Skipped, r.clone()),
        Disposition::Read => {}
    }
    record.doc_id = doc_id.to_string();
    let extracted = match read::read_file(&f.path, readers, opts.max_file_size) {
        Ok(x) => x,
        Err(reason) => return skip(record, DocStatus::Skipped, reason.to_string()),
    };
    let mut norm = normalize(&extracted.text);
    let traditional = crate::prepare::normalize::simplify_if_traditional(&mut norm);
    let lang = lang::detect(&norm.text);
    let manifest_row = f.manifest.as_ref().and_then(|m| m.get(&f.rel));
    let mut meta = metadata::infer(&norm.text, &f.rel, manifest_row, &opts.regions);
    metadata::apply_hints(&mut meta, &extracted.hints);
    // Database lines and a repeated title are metadata, not units.
    let seg_text = metadata::without_metadata_lines(&norm.text);
    let segments = segment::segment(&seg_text, lang, opts.unit_mode);
    let roles = coder.roles.assign_all(lang, &seg_text, &segments);
    let sections = segment::section_paths(&seg_text, &segments);
    // The document's units share one copy of its text.
    let doc_text: Arc<str> = Arc::from(extracted.text.as_str());
    let original = OriginalText::new(&doc_text);
    let mut buf = TokenStream::default();
    let keys = Arc::new(keys_of(&meta));
    let file: Arc<str> = Arc::from(f.rel.as_str());
    let mut review = Vec::new();
    let mut words = DocWords::default();
    if let Some((clf, _)) = opts.model.as_ref().filter(|(c, _)| c.embedder().is_some()) {
        // An embedding model sees the document's units in batches, before they are coded;
        // boilerplate (titles, dates, signatures) is never coded and is not embedded.
        let texts: Vec<&str> = segments
            .iter()
            .filter(|s| !s.kind.is_boilerplate())
            .map(|s| &norm.text[s.start..s.end])
            .collect();
        if let Err(e) = clf.prepare(&texts) {
            return skip(
                record,
                DocStatus::Skipped,
                format!("sentence embedding failed: {e}"),
            );
        }
    }
    let units: Vec<UnitRecord> = segments
        .iter()
        .zip(roles.iter().zip(&sections))
        .map(|(seg, (&role, section))| {
            let unit_text = &norm.text[seg.start..seg.end];
            let codes = coder.code(unit_text, lang, &mut buf);
            if !seg.kind.is_boilerplate() {
                count_words(vocabulary, &buf, &mut words);
            }
            let (codes, withheld) = gate_by_role(coder, codes, (role, seg.kind), lang, unit_text);
            let (os, oe) = norm.original_span(seg.start, seg.end);
            let mut u = unit_record(
                coder,
                (codes, &withheld),
                lang,
                seg.kind,
                UnitText::new(Arc::clone(&doc_text), original.byte_range(os, oe)),
                (&file, &keys),
                |h_start, h_end| {
                    let (s, e) = norm.original_span(seg.start + h_start, seg.start + h_end);
                    (s, e, original.slice(s, e))
                },
            );
            u.role = role.as_str();
            u.section = Arc::clone(section);
            (u.start, u.end) = (os, oe);
            u.doc_id = Arc::clone(doc_id);
            u.unit_id = seg.id(doc_id);
            if let Some((clf, mode)) = &opts.model {
                review.extend(apply_model(
                    coder,
                    clf,
                    *mode,
                    &norm.text[seg.start..seg.end],
                    &mut u,
                ));
            }
            u
        })
        .collect();
    record.status = DocStatus::Coded;
    record.encoding = if traditional {
        format!(
            "{} (traditional → simplified for matching)",
            extracted.encoding
        )
    } else {
        extracted.encoding
    };
    record.lang = lang.as_str().to_string();
    fill_meta(&mut record, &meta);
    record.units = units.len();
    record.coded_units = units
        .iter()
        .filter(|u| !u.boilerplate && !u.category_idx.is_empty())
        .count();
    Coded {
        fingerprint: Some(fingerprint(norm.text.trim())),
        record,
        units,
        review,
        keys: Some(keys),
        words,
        bytes: extracted.text.len(),
    }
}

fn fill_meta(record: &mut DocRecord, meta: &DocMeta) {
    record.title = meta.title.clone();
    record.level = meta.level.as_str().to_string();
    record.province = meta.province_id().to_string();
    record.province_zh = meta.province_zh().to_string();
    record.region = meta.region.clone();
    record.year = meta.year_string();
    record.issuer = meta.issuer.clone();
    record.doc_number = meta.doc_number.clone();
    record.date = crate::util::dates::iso_date(&meta.date).unwrap_or_default();
    record.date_original = meta.date.clone();
    record.metadata_sources = meta.origins_string();
    record.metadata_confidence = meta.confidence_string();
    record.metadata_candidates = meta.candidates_string();
    record.source_url = meta.source_url.clone();
    record.pkulaw_id = meta.pkulaw_id.clone();
}

/// Splits a unit's codes by its role: units in roles that hold no instrument keep only
/// the hits in a quantified commitment to create one (R2, where the role allows it); the
/// other hits are returned, to be shown as withheld. Boilerplate is coded for the record.
pub fn gate_by_role(
    coder: &Coder,
    codes: UnitCodes,
    (role, kind): (Role, Kind),
    lang: Lang,
    text: &str,
) -> (UnitCodes, Vec<crate::code::coder::Hit>) {
    if kind.is_boilerplate() || codes.hits.is_empty() {
        return (codes, Vec::new());
    }
    let (kept, withheld): (Vec<_>, Vec<_>) = if role.codes_instruments() {
        // A match in a clause that sets a deadline, a procedure or a ban is withheld
        // even inside a measure (R16), unless a clause rule of role `measure` comes first
        // (agencies negotiating a dispute, R19); each sentence is judged once.
        // Sentence ends are found once and each sentence judged once, so that a long
        // unit with many matches takes linear, not quadratic, time.
        let ends = crate::segment::role::Ends::sentences(text, lang);
        let mut judged: std::collections::HashMap<(usize, usize), bool> = Default::default();
        codes.hits.iter().partition(|h| {
            let b = ends.around(text, h.start);
            *judged.entry(b).or_insert_with(|| {
                coder
                    .roles
                    .clause_role(lang, &text[b.0..b.1])
                    .is_none_or(Role::codes_instruments)
            })
        })
    } else if role.keeps_commitments() {
        let clauses = crate::segment::role::Ends::clauses(text);
        let mut judged: std::collections::HashMap<(usize, usize), bool> = Default::default();
        codes.hits.iter().partition(|h| {
            let b = clauses.around(text, h.start);
            *judged
                .entry(b)
                .or_insert_with(|| crate::segment::role::is_commitment_at(text, &clauses, h.start))
        })
    } else {
        (Vec::new(), codes.hits.clone())
    };
    if withheld.is_empty() {
        return (codes, Vec::new());
    }
    let mut all = kept;
    all.extend(
        codes
            .dimension_hits
            .iter()
            .map(|h| crate::code::coder::Hit {
                concept: h.concept + coder.codebook.concepts.len(),
                ..*h
            }),
    );
    (coder.summarize(all), withheld)
}

/// A warning for every manifest row that names no file found under its folder (a typo
/// in `metadata.csv` would otherwise leave that document's metadata to inference
/// without a word).
fn unmatched_manifest_rows(files: &[InputFile]) -> Vec<String> {
    let mut found: std::collections::BTreeMap<&str, (&crate::read::manifest::Manifest, Vec<&str>)> =
        Default::default();
    for f in files {
        if let Some(m) = &f.manifest {
            found
                .entry(m.path.as_str())
                .or_insert((m, Vec::new()))
                .1
                .push(&f.rel);
        }
    }
    let mut warnings = Vec::new();
    for (path, (m, rels)) in found {
        let matched: std::collections::HashSet<*const crate::read::manifest::ManifestRow> = rels
            .iter()
            .filter_map(|r| m.get(r).map(|row| row as *const _))
            .collect();
        for name in m.files() {
            if m.get(name)
                .is_some_and(|row| !matched.contains(&(row as *const _)))
            {
                warnings.push(format!(
                    "{path}: row for `{name}` matches no file under its folder (a typo?); its metadata is not used"
                ));
            }
        }
    }
    warnings
}

/// Builds a unit row; `(file, keys)` are its document's, shared by its units; `span` maps a
/// hit's byte range in the unit's normalised text to original (char start, char end, text).
fn unit_record<'t>(
    coder: &Coder,
    (codes, withheld): (UnitCodes, &[crate::code::coder::Hit]),
    lang: Lang,
    kind: Kind,
    text: UnitText,
    (file, keys): (&Arc<str>, &Arc<GroupKeys>),
    span: impl Fn(usize, usize) -> (usize, usize, &'t str),
) -> UnitRecord {
    use std::fmt::Write as _;
    let cb = &coder.codebook;
    // `;`-joined ids, written straight into one string sized for a few ids.
    let join = |ids: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, id) in ids.enumerate() {
            if i == 0 {
                out.reserve(4 * (id.len() + 1));
            }
            if i > 0 {
                out.push(';');
            }
            out.push_str(id);
        }
        out
    };
    // `concept:term@start-end` is rarely over 48 bytes.
    let mut evidence = String::with_capacity(48 * (codes.hits.len() + codes.dimension_hits.len()));
    let item =
        |evidence: &mut String, name: &str, sub: Option<&str>, h: &crate::code::coder::Hit| {
            let (s, e, t) = span(h.start, h.end);
            if !evidence.is_empty() {
                evidence.push(';');
            }
            evidence.push_str(name);
            if let Some(sub) = sub {
                evidence.push('.');
                evidence.push_str(sub);
            }
            evidence.push(':');
            if t.contains([';', '\n']) {
                evidence.push_str(&t.replace([';', '\n'], " "));
            } else {
                evidence.push_str(t);
            }
            let _ = write!(evidence, "@{s}-{e}");
        };
    for h in &codes.hits {
        item(&mut evidence, &cb.concepts[h.concept].id, None, h);
    }
    // Dimension evidence is named `dimension.value`, e.g. `stage.startup:初创@3-5`.
    for h in &codes.dimension_hits {
        let v = &cb.dimension_values[h.concept];
        item(
            &mut evidence,
            &cb.dimensions[v.dimension].id,
            Some(&v.id),
            h,
        );
    }
    let mut withheld_evidence = String::new();
    for h in withheld {
        item(&mut withheld_evidence, &cb.concepts[h.concept].id, None, h);
    }
    let withheld = withheld_evidence;
    let n_dimensions = if codes.dimension_values.is_empty() {
        0
    } else {
        cb.dimensions.len()
    };
    let dimensions = (0..n_dimensions)
        .map(|d| {
            join(
                &mut codes
                    .dimension_values
                    .iter()
                    .filter(|&&v| cb.dimension_values[v].dimension == d)
                    .map(|&v| cb.dimension_values[v].id.as_str()),
            )
        })
        .collect();
    // Every field set here: `..Default::default()` would allocate a default `Arc` per unit.
    UnitRecord {
        doc_id: Arc::from(""),
        unit_id: String::new(),
        file: Arc::clone(file),
        keys: Arc::clone(keys),
        lang: lang.as_str(),
        boilerplate: kind.is_boilerplate(),
        kind: kind.as_str(),
        text,
        concepts: join(&mut codes.concepts.iter().map(|&c| cb.concepts[c].id.as_str())),
        categories: join(
            &mut codes
                .categories
                .iter()
                .map(|&k| cb.categories[k].id.as_str()),
        ),
        cores: join(&mut codes.cores.iter().map(|&c| cb.cores[c].id.as_str())),
        evidence,
        category_idx: codes.categories,
        dimensions,
        dimension_idx: codes.dimension_values,
        extra: Vec::new(),
        role: Role::Measure.as_str(),
        section: Arc::clone(&EMPTY_SECTION),
        start: 0,
        end: 0,
        withheld,
    }
}

/// The heading path of units outside any heading (shared, so a unit allocates none).
static EMPTY_SECTION: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from(""));

/// The original text with a char → byte index, to cut evidence by character offsets.
struct OriginalText<'a> {
    text: &'a str,
    char_bytes: Vec<u32>,
}

impl<'a> OriginalText<'a> {
    fn new(text: &'a str) -> Self {
        let mut char_bytes: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
        char_bytes.push(text.len() as u32);
        OriginalText { text, char_bytes }
    }

    fn slice(&self, start_char: usize, end_char: usize) -> &'a str {
        &self.text[self.byte_range(start_char, end_char)]
    }

    /// Byte range of characters `start_char..end_char` (clamped to the text).
    fn byte_range(&self, start_char: usize, end_char: usize) -> std::ops::Range<usize> {
        let last = self.char_bytes.len() - 1;
        let s = self.char_bytes[start_char.min(last)] as usize;
        let e = self.char_bytes[end_char.min(last)] as usize;
        s..e.max(s)
    }
}

fn code_units(
    coder: &Coder,
    opts: &CodeOptions,
    u: &UnitsFile,
    agg: &mut Aggregator,
    keywords: &mut Keywords,
    counts: &mut RunCounts,
    w: &mut Writers,
) -> Result<()> {
    let file = u
        .path
        .file_name()
        .map(|n| Arc::from(n.to_string_lossy().as_ref()))
        .unwrap_or_else(|| Arc::from(""));
    // The units file is one document, keyed by its name; its rows keep their own ids.
    let doc_id: Arc<str> = Arc::from(crate::util::docid::key(&file));
    let mut n_units = 0usize;
    let mut n_coded = 0usize;
    let mut langs = std::collections::BTreeSet::new();
    let mut rows = u.iter()?;
    let vocabulary = keywords.vocabulary().clone();
    let vocabulary = &*vocabulary;
    let doc_keys_seen = std::cell::Cell::new(false);
    loop {
        let batch: Vec<_> = rows
            .by_ref()
            .take(opts.batch.max(1) * 64)
            .collect::<Result<Vec<_>>>()?;
        if batch.is_empty() {
            break;
        }
        if let Some((clf, _)) = opts.model.as_ref().filter(|(c, _)| c.embedder().is_some()) {
            // Sentence embeddings are computed in batches before the rows are coded.
            let texts: Vec<String> = batch
                .iter()
                .map(|row| {
                    let mut norm = normalize(&row.text);
                    crate::prepare::normalize::simplify_if_traditional(&mut norm);
                    norm.text
                })
                .collect();
            clf.prepare(&texts.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        type Row = (UnitRecord, Option<Vec<String>>, DocWords);
        let coded: Vec<Row> = batch
            .par_iter()
            .map(|row| {
                let mut norm: Normalized = normalize(&row.text);
                crate::prepare::normalize::simplify_if_traditional(&mut norm);
                let lang = lang::detect(&norm.text);
                let meta = DocMeta {
                    level: row.level.unwrap_or(if row.province.is_some() {
                        Level::Local
                    } else {
                        Level::Unknown
                    }),
                    province: row.province,
                    year: row.year,
                    ..Default::default()
                };
                let region = match (meta.province, meta.level) {
                    (Some(p), _) => opts.regions.region_of(p.id).to_string(),
                    (None, Level::Central) => region::NATIONAL.to_string(),
                    _ => region::UNKNOWN.to_string(),
                };
                let keys = Arc::new(GroupKeys {
                    region,
                    ..keys_of(&meta)
                });
                let kind = segment::classify_line(norm.text.trim(), lang);
                // A pre-segmented clause has no headings: its role comes from its form.
                let role = coder.roles.text_role(lang, &norm.text).unwrap_or_default();
                let mut buf = TokenStream::default();
                let codes = coder.code(&norm.text, lang, &mut buf);
                let (codes, withheld) = gate_by_role(coder, codes, (role, kind), lang, &norm.text);
                let mut words = DocWords::default();
                if !kind.is_boilerplate() {
                    count_words(vocabulary, &buf, &mut words);
                }
                let original = OriginalText::new(&row.text);
                let mut rec = unit_record(
                    coder,
                    (codes, &withheld),
                    lang,
                    kind,
                    row.text.clone().into(),
                    (&file, &keys),
                    |s, e| {
                        let (s, e) = norm.original_span(s, e);
                        (s, e, original.slice(s, e))
                    },
                );
                rec.doc_id = Arc::clone(&doc_id);
                rec.role = role.as_str();
                rec.end = row.text.chars().count();
                rec.unit_id = row
                    .id
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("{doc_id}-0-{}", row.line - 1));
                rec.extra = row.cells.clone();
                let review = opts
                    .model
                    .as_ref()
                    .and_then(|(clf, mode)| apply_model(coder, clf, *mode, &norm.text, &mut rec));
                (rec, review, words)
            })
            .collect();
        for (rec, review, words) in &coded {
            let keys = &rec.keys;
            keywords.add_document(keys, words);
            if !doc_keys_seen.replace(true) {
                agg.add_document(keys);
            }
            agg.add_unit(keys, &rec.category_idx, rec.boilerplate);
            if !rec.boilerplate {
                agg.add_dimension_values(&rec.category_idx, &rec.dimension_idx);
            }
            n_units += 1;
            n_coded += usize::from(!rec.boilerplate && !rec.category_idx.is_empty());
            langs.insert(rec.lang);
            w.units.write(rec)?;
            if let (Some(r), Some(row)) = (&mut w.review, review) {
                r.write(row)?;
            }
        }
    }
    counts.files = 1;
    counts.coded = 1;
    w.docs.write(&DocRecord {
        file: file.to_string(),
        status: DocStatus::Coded,
        encoding: "UTF-8".into(),
        lang: langs.into_iter().collect::<Vec<_>>().join(";"),
        level: String::new(),
        units: n_units,
        coded_units: n_coded,
        doc_id: doc_id.to_string(),
        metadata_sources: "units file columns".into(),
        ..Default::default()
    })?;
    Ok(())
}
