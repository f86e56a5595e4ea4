//! The `code` job: read → metadata → segment → code → aggregate → write, streaming
//! documents in parallel batches so memory does not grow with the corpus.

use crate::code::classify::{self, Classifier, Mode};
use crate::code::coder::{Coder, Hit, RegexRun, UnitCodes};
use crate::code::tokenize::TokenStream;
use crate::code::unit::{Code, CodedUnit, Evidence, Review, ReviewReason, Source, UnitText};
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
use crate::write::run_units::RunUnits;
use crate::write::tabular::{
    self, DocRecord, DocStatus, DocumentsWriter, ReviewWriter, RunCounts, RunSettings, UnitsWriter,
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
    /// Documents coded in parallel and handed to the writer at a time (a lot), and the
    /// fewest a batch holds: a batch (read, prepared and searched by the codebook's regexes
    /// together) takes more, up to [`MAX_BATCH_DOCS`], while its files hold at most
    /// `batch_bytes` bytes.
    pub batch: usize,
    /// Bytes of files a batch holds before it stops taking more than `batch` documents.
    pub batch_bytes: u64,
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
    /// Most body units embedded in `report.html` (the first ones written).
    pub report_units: usize,
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
            batch_bytes: 8 << 20,
            model: None,
            stopwords: Arc::new(Stopwords::default()),
            top: 30,
            keyword_dims: vec![
                crate::tally::aggregate::Dim::Level,
                crate::tally::aggregate::Dim::Region,
            ],
            xlsx: false,
            report_units: crate::write::html::DEFAULT_REPORT_UNITS,
            progress: Arc::new(Silent),
            follow_links_outside: false,
            threads: None,
        }
    }
}

/// What a run codes: files, or the rows of a units file.
enum Input {
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
    let (a, units) = analyze_into(coder, opts, Some(&dir), pool.as_ref(), true)?;
    let units = units.ok_or_else(|| Error::Usage("no units gathered for the report".into()))?;
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
    // Runs over at least two years and two provinces get a diffusion section in report.md,
    // report.html and report.xlsx.
    let tables = crate::write::write_reports(&dir, &report, units, |firsts| {
        on_pool(pool.as_ref(), || {
            crate::tools::diffuse::append_to_report(&dir, &coder.codebook, firsts, opts.xlsx)
        })
    })?;
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
        false,
    )
    .map(|(a, _)| a)
}

/// [`analyze`], writing the records into `records` (a folder) when given. The walk
/// leaves `opts.out` out when it lies inside an input folder. With `report_units` (and
/// `records`), also returns what the reports take from the units as they are written.
fn analyze_into(
    coder: &Coder,
    opts: &CodeOptions,
    records: Option<&Path>,
    pool: Option<&rayon::ThreadPool>,
    report_units: bool,
) -> Result<(Analysis, Option<RunUnits>)> {
    let source = match &opts.units {
        Some((path, col)) => Input::Units(UnitsFile::open(path, col)?),
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
            Input::Files(read::collect_with(
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
    let carried = match &source {
        Input::Units(u) => carried_columns(u, &dimension_ids),
        Input::Files(_) => Vec::new(),
    };
    let cb = &coder.codebook;
    let mut units = UnitsWriter::create(&file("units.csv"), cb, &carried, opts.model.is_some())?;
    if records && report_units {
        units = units.with_tap(RunUnits::create(&out, opts.report_units)?);
    }
    let mut w = Writers {
        units,
        docs: DocumentsWriter::create(&file("documents.csv"))?,
        review: match opts.model {
            Some(_) if records => Some(ReviewWriter::create(&file("review.csv"), cb)?),
            _ => None,
        },
    };
    match source {
        Input::Files(files) => code_files(
            coder,
            opts,
            pool,
            &files,
            &mut agg,
            &mut keywords,
            &mut counts,
            &mut w,
        )?,
        Input::Units(u) => {
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
    let units = w.units.finish()?;
    w.docs.finish()?;
    if let Some(r) = w.review {
        r.finish()?;
    }
    Ok((
        Analysis {
            counts,
            agg,
            keywords,
        },
        units,
    ))
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
    units: Vec<CodedUnit>,
    keys: Option<Arc<GroupKeys>>,
    words: DocWords,
    /// Bytes of text read.
    bytes: usize,
}

/// The streaming outputs.
struct Writers<'c> {
    units: UnitsWriter<'c>,
    docs: DocumentsWriter,
    review: Option<ReviewWriter<'c>>,
}

/// Model probability below which a model-coded unit goes to review.
pub const REVIEW_CONFIDENCE: f32 = 0.5;

/// Applies the model to a coded unit (rules already in `u`): sets its categories, cores,
/// `source` and `confidence`, and its review when a human should look.
fn apply_model(coder: &Coder, clf: &Classifier, mode: Mode, norm_text: &str, u: &mut CodedUnit) {
    let cb = &coder.codebook;
    if u.is_boilerplate() && clf.embedder().is_some() {
        // Not embedded (see `code_file`): the rules' (empty) coding stands.
        u.source = Some(if u.categories.is_empty() {
            Source::None
        } else {
            Source::Rule
        });
        u.confidence = None;
        return;
    }
    let rule: Vec<String> = u
        .categories
        .iter()
        .map(|&k| cb.categories[k].id.clone())
        .collect();
    // The unit was coded in the document's language; when that is the language the model
    // would detect, reuse those rule matches instead of coding the unit a second time.
    let detected = lang::detect(norm_text);
    let pred = if detected == u.lang {
        let cats: Vec<&str> = rule.iter().map(String::as_str).collect();
        let concepts: Vec<&str> = u
            .concepts
            .iter()
            .map(|&c| cb.concepts[c].id.as_str())
            .collect();
        clf.predict_coded(coder, norm_text, detected, &cats, &concepts)
    } else {
        clf.predict(coder, norm_text)
    };
    let model_cats: Vec<String> = pred.categories.iter().map(|c| c.0.clone()).collect();
    let d = classify::hybrid(&rule, &pred);
    let some_or_none = |cats: &[String], some| {
        if cats.is_empty() {
            Source::None
        } else {
            some
        }
    };
    let (cats, source, confidence, disagree) = match mode {
        Mode::Rules => {
            let source = some_or_none(&rule, Source::Rule);
            (rule, source, d.confidence, d.disagree)
        }
        Mode::Model => {
            let conf = if model_cats.is_empty() {
                pred.none
            } else {
                pred.categories.iter().map(|c| c.1).fold(0.0, f32::max)
            };
            (
                model_cats.clone(),
                some_or_none(&model_cats, Source::Model),
                conf,
                d.disagree,
            )
        }
        // `hybrid` names its sources as `Source` does.
        Mode::Hybrid => (
            d.categories,
            Source::from_name(d.source).unwrap_or(Source::None),
            d.confidence,
            d.disagree,
        ),
    };
    let mut idx: Vec<usize> = cats.iter().filter_map(|c| cb.category_index(c)).collect();
    idx.sort_unstable();
    idx.dedup();
    let mut cores: Vec<usize> = idx.iter().map(|&k| cb.categories[k].core).collect();
    cores.sort_unstable();
    cores.dedup();
    let rule_categories = std::mem::replace(&mut u.categories, idx);
    u.cores = cores;
    if source == Source::Withheld {
        // The rules' evidence stays in the row, in the withheld column, marked by source.
        let evidence = std::mem::take(&mut u.evidence);
        u.withheld.extend(evidence);
        u.concepts.clear();
    }
    u.source = Some(source);
    u.confidence = Some(f64::from(confidence));
    let low = source == Source::Model && confidence < REVIEW_CONFIDENCE;
    if !u.is_boilerplate() && (disagree || low) {
        u.review = Some(Review {
            reason: if disagree {
                ReviewReason::Disagree
            } else {
                ReviewReason::LowConfidence
            },
            rule_categories,
            model_categories: model_cats,
        });
    }
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
    // Batches are prepared and coded in parallel on the pool, lot by lot, while this
    // thread writes the previous lot; the channel holds one lot, so memory stays bounded
    // by a batch and two lots.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Coded>>(1);
        let readers = &readers;
        let indexed = &indexed;
        scope.spawn(move || {
            let produce = move || {
                let mut start = 0;
                while start < indexed.len() {
                    let end = batch_end(indexed, start, opts.batch, opts.batch_bytes);
                    let batch = &indexed[start..end];
                    start = end;
                    // Err: the writer stopped on an error; it reports it.
                    let send = |results| tx.send(results).is_ok();
                    if !code_batch(coder, opts, vocabulary, readers, batch, send) {
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

/// Most documents in one batch.
pub const MAX_BATCH_DOCS: usize = 1024;

/// Where the batch of `files` that starts at `start` ends: it takes at least `min_docs`
/// files, then more while its files hold at most `max_bytes` bytes, up to
/// [`MAX_BATCH_DOCS`]. Large batches let the codebook's regexes run one after another over
/// many documents ([`Coder::run_regexes`]); the byte bound keeps a batch of large files
/// small. Only the files of this batch are looked at (their sizes by `stat`), so a large
/// folder's first batch starts at once.
fn batch_end(
    files: &[(Arc<str>, &InputFile)],
    start: usize,
    min_docs: usize,
    max_bytes: u64,
) -> usize {
    let size = |i: usize| {
        let f = files[i].1;
        match f.disposition {
            Disposition::Read => std::fs::metadata(&f.path).map_or(0, |m| m.len()),
            _ => 0,
        }
    };
    end_by_size(
        start..files.len(),
        min_docs.max(1),
        MAX_BATCH_DOCS.max(min_docs),
        max_bytes,
        size,
    )
}

/// [`batch_end`] over the files' sizes (`size(i)` for file `i`), among files `range`.
fn end_by_size(
    range: std::ops::Range<usize>,
    min_docs: usize,
    max_docs: usize,
    max_bytes: u64,
    mut size: impl FnMut(usize) -> u64,
) -> usize {
    let mut bytes = 0u64;
    for i in range.clone() {
        let docs = i - range.start;
        if docs == max_docs {
            return i;
        }
        let s = size(i);
        if docs >= min_docs && bytes.saturating_add(s) > max_bytes {
            return i;
        }
        bytes = bytes.saturating_add(s);
    }
    range.end
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
                        c.keys = None;
                        counts.duplicates += 1;
                    }
                    None => {
                        seen.insert(fp, c.record.file.clone());
                    }
                }
            }
            match c.record.status {
                DocStatus::Coded => {
                    counts.coded += 1;
                    // A coded document with a reason was read in part (a PDF page failed).
                    if !c.record.reason.is_empty() {
                        counts
                            .incomplete_files
                            .push((c.record.file.clone(), c.record.reason.clone()));
                    }
                }
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
            if let Some(keys) = &c.keys {
                for u in &c.units {
                    w.units.write(keys, u)?;
                }
                if let Some(r) = &mut w.review {
                    for u in &c.units {
                        r.write(u)?;
                    }
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
    units: &[CodedUnit],
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
            .map(|u| (u.categories.as_slice(), u.is_boilerplate())),
    );
    for u in units {
        if !u.is_boilerplate() {
            agg.add_dimension_values(&u.categories, &u.dimension_values);
        }
    }
}

/// Codes a batch of files, in their order: each is read, normalised, segmented and given
/// roles (in parallel), the codebook's regexes run over the units of the whole batch one
/// regex after another ([`Coder::run_regexes`]), and then the files' units are coded (in
/// parallel), `opts.batch` files at a time, each lot handed to `send` as it is done (so
/// that writing overlaps coding). False when `send` refused a lot.
fn code_batch(
    coder: &Coder,
    opts: &CodeOptions,
    vocabulary: &Vocabulary,
    readers: &[Box<dyn Reader>],
    batch: &[(Arc<str>, &InputFile)],
    mut send: impl FnMut(Vec<Coded>) -> bool,
) -> bool {
    let prepared: Vec<Staged> = batch
        .par_iter()
        .map(|(id, f)| prepare_file(coder, opts, readers, id, f))
        .collect();
    // Every unit of the batch, numbered across its documents.
    let texts: Vec<&str> = prepared
        .iter()
        .flat_map(Staged::prepared)
        .flat_map(|p| p.unit_texts())
        .collect();
    let mut runs = Vec::new();
    let mut first = 0;
    for p in prepared.iter().flat_map(Staged::prepared) {
        runs.extend(p.regex_runs.iter().map(|r| RegexRun {
            regex: r.regex,
            text: r.text + first as u32,
        }));
        first += p.segments.len();
    }
    let mut hits = coder.run_regexes(&texts, runs).into_iter();
    drop(texts);
    let mut jobs = prepared.into_iter().zip(batch).map(|(p, file)| {
        let n = p.prepared().map_or(0, |p| p.segments.len());
        (p, hits.by_ref().take(n).collect::<Vec<_>>(), file)
    });
    loop {
        let lot: Vec<_> = jobs.by_ref().take(opts.batch.max(1)).collect();
        if lot.is_empty() {
            return true;
        }
        let results: Vec<Coded> = lot
            .into_par_iter()
            .map(|(p, hits, (id, f))| match p {
                Staged::Prepared(p) => finish_file(coder, opts, vocabulary, id, f, *p, &hits),
                Staged::Done(coded) => *coded,
            })
            .collect();
        if !send(results) {
            return false;
        }
    }
}

/// A file after [`prepare_file`].
enum Staged {
    /// Read and prepared: its units are to be coded.
    Prepared(Box<Prepared>),
    /// Not read (a manifest, excluded, unreadable): its record is final.
    Done(Box<Coded>),
}

impl Staged {
    fn prepared(&self) -> Option<&Prepared> {
        match self {
            Staged::Prepared(p) => Some(p),
            Staged::Done(_) => None,
        }
    }
}

/// A document read, normalised, segmented and given roles and sections: what coding its
/// units needs besides the matches of the codebook's regexes.
struct Prepared {
    record: DocRecord,
    extracted: read::Extracted,
    norm: Normalized,
    traditional: bool,
    lang: Lang,
    meta: DocMeta,
    segments: Vec<segment::Segment>,
    roles: Vec<Role>,
    sections: Vec<Arc<str>>,
    /// The codebook's regexes that could match each unit (units numbered in the document).
    regex_runs: Vec<RegexRun>,
}

impl Prepared {
    /// The units' normalised texts.
    fn unit_texts(&self) -> impl Iterator<Item = &str> {
        self.segments
            .iter()
            .map(|s| &self.norm.text[s.start..s.end])
    }
}

/// Reads, normalises, infers metadata, segments and assigns roles; a file that is not
/// read (a manifest, excluded, unreadable) comes back as its finished record.
fn prepare_file(
    coder: &Coder,
    opts: &CodeOptions,
    readers: &[Box<dyn Reader>],
    doc_id: &Arc<str>,
    f: &InputFile,
) -> Staged {
    let mut record = DocRecord {
        file: f.rel.clone(),
        ..Default::default()
    };
    let skip = |mut record: DocRecord, status: DocStatus, reason: String| {
        record.status = status;
        record.reason = reason;
        Box::new(Coded {
            fingerprint: None,
            record,
            units: Vec::new(),
            keys: None,
            words: DocWords::default(),
            bytes: 0,
        })
    };
    match &f.disposition {
        Disposition::Manifest => {
            let n = f.manifest.as_ref().map(|m| m.len()).unwrap_or(0);
            return Staged::Done(skip(
                record,
                DocStatus::Manifest,
                format!("metadata manifest ({n} rows)"),
            ));
        }
        Disposition::Excluded(r) => {
            return Staged::Done(skip(record, DocStatus::Excluded, r.clone()))
        }
        Disposition::WalkError(r) => {
            return Staged::Done(skip(record, DocStatus::Skipped, r.clone()))
        }
        Disposition::Read => {}
    }
    record.doc_id = doc_id.to_string();
    let extracted = match read::read_file(&f.path, readers, opts.max_file_size) {
        Ok(x) => x,
        Err(reason) => return Staged::Done(skip(record, DocStatus::Skipped, reason.to_string())),
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
    if let Some((clf, _)) = opts.model.as_ref().filter(|(c, _)| c.embedder().is_some()) {
        // An embedding model sees the document's units in batches, before they are coded;
        // boilerplate (titles, dates, signatures) is never coded and is not embedded.
        let texts: Vec<&str> = segments
            .iter()
            .filter(|s| !s.kind.is_boilerplate())
            .map(|s| &norm.text[s.start..s.end])
            .collect();
        if let Err(e) = clf.prepare(&texts) {
            return Staged::Done(skip(
                record,
                DocStatus::Skipped,
                format!("sentence embedding failed: {e}"),
            ));
        }
    }
    let mut p = Prepared {
        record,
        extracted,
        norm,
        traditional,
        lang,
        meta,
        segments,
        roles,
        sections,
        regex_runs: Vec::new(),
    };
    p.regex_runs = coder.regex_runs(&p.unit_texts().collect::<Vec<_>>());
    Staged::Prepared(Box::new(p))
}

/// Codes the units of a prepared document, given the matches of the codebook's regexes
/// in each unit.
fn finish_file(
    coder: &Coder,
    opts: &CodeOptions,
    vocabulary: &Vocabulary,
    doc_id: &Arc<str>,
    f: &InputFile,
    p: Prepared,
    regex_hits: &[Vec<Hit>],
) -> Coded {
    let mut record = p.record;
    let lang = p.lang;
    // The document's units share one copy of its text.
    let doc_text: Arc<str> = Arc::from(p.extracted.text.as_str());
    let doc = DocText {
        doc_id,
        file: &Arc::from(f.rel.as_str()),
        lang,
        norm: &p.norm,
        chars: &CharIndex::new(&doc_text),
        text: &doc_text,
    };
    let mut buf = TokenStream::default();
    let keys = Arc::new(keys_of(&p.meta));
    let mut words = DocWords::default();
    let mut units: Vec<CodedUnit> = p
        .segments
        .iter()
        .zip(p.roles.iter().zip(&p.sections))
        .zip(regex_hits)
        .map(|((seg, (&role, section)), regex_hits)| {
            let unit = UnitInput {
                range: seg.start..seg.end,
                whole: false,
                kind: seg.kind,
                role,
                section,
                unit_id: seg.id(doc_id),
                regex_hits: Some(regex_hits),
            };
            code_unit(coder, opts, vocabulary, &doc, unit, &mut buf, &mut words)
        })
        .collect();
    crate::code::unit::inherit_lead_in_codes(&mut units);
    record.status = DocStatus::Coded;
    if let Some(note) = &p.extracted.incomplete {
        record.reason = note.clone();
    }
    let bytes = p.extracted.text.len();
    record.encoding = if p.traditional {
        format!(
            "{} (traditional → simplified for matching)",
            p.extracted.encoding
        )
    } else {
        p.extracted.encoding
    };
    record.lang = lang.as_str().to_string();
    fill_meta(&mut record, &p.meta);
    record.units = units.len();
    record.coded_units = units.iter().filter(|u| u.is_coded()).count();
    Coded {
        fingerprint: Some(fingerprint(p.norm.text.trim())),
        record,
        units,
        keys: Some(keys),
        words,
        bytes,
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

/// A document, or a `--units` row, as its units are coded: its names, language and text
/// before and after normalisation.
struct DocText<'a> {
    /// The document's key ([`crate::util::docid`]).
    doc_id: &'a Arc<str>,
    /// Its path relative to the input folder (or the units file's name).
    file: &'a Arc<str>,
    lang: Lang,
    norm: &'a Normalized,
    /// The char → byte index of `text`.
    chars: &'a CharIndex,
    /// The original text, which the units' texts share.
    text: &'a Arc<str>,
}

/// One unit to code: where it is in its document's normalised text, and what the stages
/// before the coder said of it.
struct UnitInput<'a> {
    /// Byte range in the normalised text.
    range: std::ops::Range<usize>,
    /// The unit is the whole original text (a `--units` row): its span is all of it, not
    /// what normalisation kept.
    whole: bool,
    kind: Kind,
    role: Role,
    /// Its heading path.
    section: &'a Arc<str>,
    unit_id: String,
    /// The matches of the codebook's regexes, when found for a batch of documents at once
    /// ([`Coder::run_regexes`]).
    regex_hits: Option<&'a [crate::code::coder::Hit]>,
}

/// The per-unit path of `code`, shared by documents and `--units` rows: codes the unit,
/// counts its words into `words` (unless boilerplate), withholds what its role does not
/// code, maps the evidence to the original text and applies the model. `buf` is scratch
/// space reused from unit to unit.
fn code_unit(
    coder: &Coder,
    opts: &CodeOptions,
    vocabulary: &Vocabulary,
    doc: &DocText,
    unit: UnitInput,
    buf: &mut TokenStream,
    words: &mut DocWords,
) -> CodedUnit {
    let UnitInput {
        range,
        whole,
        kind,
        role,
        section,
        unit_id,
        regex_hits,
    } = unit;
    let unit_text = &doc.norm.text[range.clone()];
    let codes = match regex_hits {
        Some(found) => coder.code_with_regex_hits(unit_text, doc.lang, buf, found),
        None => coder.code(unit_text, doc.lang, buf),
    };
    if !kind.is_boilerplate() {
        count_words(vocabulary, buf, words);
    }
    let (codes, withheld) =
        crate::code::gate::gate_by_role(coder, codes, (role, kind), doc.lang, unit_text);
    let UnitCodes {
        concepts,
        categories,
        cores,
        hits,
        dimension_values,
        dimension_hits,
    } = codes;
    // A hit's byte range in the unit's normalised text, as characters and bytes of the
    // original.
    let evidence = |h: &Hit, code: Code| {
        let (start, end) = doc
            .norm
            .original_span(range.start + h.start, range.start + h.end);
        let bytes = doc.chars.byte_range(start, end);
        Evidence {
            code,
            start,
            end,
            bytes: (bytes.start, bytes.end),
        }
    };
    let mut all = Vec::with_capacity(hits.len() + dimension_hits.len());
    all.extend(hits.iter().map(|h| evidence(h, Code::Concept(h.concept))));
    all.extend(
        dimension_hits
            .iter()
            .map(|h| evidence(h, Code::DimensionValue(h.concept))),
    );
    let withheld = withheld
        .iter()
        .map(|h| evidence(h, Code::Concept(h.concept)))
        .collect();
    let (start, end, text) = if whole {
        let n = doc.text.len();
        (
            0,
            doc.text.chars().count(),
            UnitText::new(Arc::clone(doc.text), 0..n),
        )
    } else {
        let (s, e) = doc.norm.original_span(range.start, range.end);
        let bytes = doc.chars.byte_range(s, e);
        (s, e, UnitText::new(Arc::clone(doc.text), bytes))
    };
    let mut u = CodedUnit {
        doc_id: Arc::clone(doc.doc_id),
        unit_id,
        file: Arc::clone(doc.file),
        lang: doc.lang,
        kind,
        role,
        section: Arc::clone(section),
        start,
        end,
        text,
        concepts,
        categories,
        cores,
        dimension_values,
        evidence: all,
        withheld,
        source: None,
        confidence: None,
        review: None,
        carried: Vec::new(),
    };
    if let Some((clf, mode)) = &opts.model {
        apply_model(coder, clf, *mode, unit_text, &mut u);
    }
    u
}

/// The heading path of units outside any heading (shared, so a unit allocates none).
static EMPTY_SECTION: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from(""));

/// A char → byte index of the original text, to cut evidence by character offsets.
struct CharIndex {
    char_bytes: Vec<u32>,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let mut char_bytes: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
        char_bytes.push(text.len() as u32);
        CharIndex { char_bytes }
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
        type Row = (CodedUnit, Arc<GroupKeys>, DocWords);
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
                let text: Arc<str> = Arc::from(row.text.as_str());
                let doc = DocText {
                    doc_id: &doc_id,
                    file: &file,
                    lang,
                    norm: &norm,
                    chars: &CharIndex::new(&text),
                    text: &text,
                };
                // A pre-segmented clause has no headings: its role comes from its form.
                let unit = UnitInput {
                    range: 0..norm.text.len(),
                    whole: true,
                    kind: segment::classify_line(norm.text.trim(), lang),
                    role: coder.roles.text_role(lang, &norm.text).unwrap_or_default(),
                    section: &EMPTY_SECTION,
                    unit_id: row
                        .id
                        .clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| format!("{doc_id}-0-{}", row.line - 1)),
                    regex_hits: None,
                };
                let mut buf = TokenStream::default();
                let mut words = DocWords::default();
                let mut u = code_unit(coder, opts, vocabulary, &doc, unit, &mut buf, &mut words);
                u.carried = row.cells.clone();
                (u, keys, words)
            })
            .collect();
        for (u, keys, words) in &coded {
            keywords.add_document(keys, words);
            if !doc_keys_seen.replace(true) {
                agg.add_document(keys);
            }
            agg.add_unit(keys, &u.categories, u.is_boilerplate());
            if !u.is_boilerplate() {
                agg.add_dimension_values(&u.categories, &u.dimension_values);
            }
            n_units += 1;
            n_coded += usize::from(u.is_coded());
            langs.insert(u.lang.as_str());
            w.units.write(keys, u)?;
            if let Some(r) = &mut w.review {
                r.write(u)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_take_small_files_up_to_the_cap_and_large_ones_at_the_floor() {
        const MB: u64 = 1 << 20;
        // The batch ends over all of `sizes`, as the pipeline makes them.
        let ends = |sizes: &[u64], min: usize, max: usize, bytes: u64| {
            let (mut start, mut ends) = (0, Vec::new());
            while start < sizes.len() {
                start = end_by_size(start..sizes.len(), min, max, bytes, |i| sizes[i]);
                ends.push(start);
            }
            ends
        };
        // Small files: batches of the most documents a batch may hold.
        assert_eq!(ends(&[8 << 10; 3000], 64, 1024, 8 * MB), [1024, 2048, 3000]);
        // Large files: batches of the fewest.
        assert_eq!(ends(&[MB; 200], 64, 1024, 8 * MB), [64, 128, 192, 200]);
        // Small files fill a batch until a large one would take it over the bound.
        let mut sizes = vec![10 << 10; 100];
        sizes.extend([4 * MB; 70]);
        sizes.extend([10 << 10; 10]);
        assert_eq!(ends(&sizes, 64, 1024, 8 * MB), [101, 165, 180]);
        // Unknown sizes (0) never end a batch early; nothing to code, no batch.
        assert_eq!(ends(&[0; 5], 2, 3, 1), [3, 5]);
        assert!(ends(&[], 64, 1024, MB).is_empty());
        // Only the batch's own files and the one that ends it are looked at.
        let mut seen = Vec::new();
        let end = end_by_size(10..200, 2, 1024, 3 * MB, |i| {
            seen.push(i);
            MB
        });
        assert_eq!((end, seen), (13, vec![10, 11, 12, 13]));
    }
}
