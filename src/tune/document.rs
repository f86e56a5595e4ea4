//! Documents read, segmented and given section roles exactly as `code` does it, kept in
//! memory with their text, for the tools that show text rather than tables
//! ([`crate::tune::kwic`], [`crate::tune::audit`]).
//!
//! Files are found and keyed as `code` keys them (by path relative to the input folder,
//! [`crate::util::docid`]), so unit ids (`a6ayyu-2-1`) and character offsets are those of
//! `units.csv`.

use crate::code::coder::Coder;
use crate::codebook::roles::Role;
use crate::error::Result;
use crate::prepare::normalize::{normalize, simplify_if_traditional, Normalized};
use crate::read::{self, Disposition, InputFile};
use crate::segment::{self, Kind, UnitMode};
use crate::util::lang::{self, Lang};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// Which files to read and how to cut them into units.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Glob patterns of files to leave out.
    pub exclude: Vec<String>,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
    /// Unit granularity.
    pub unit_mode: UnitMode,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            exclude: Vec::new(),
            max_file_size: crate::read::DEFAULT_MAX_FILE_SIZE,
            unit_mode: UnitMode::Auto,
        }
    }
}

/// One unit of a document.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Unit id as in `units.csv` (`doc-section-item[-clause]`).
    pub id: String,
    /// Byte start in the document's normalised text.
    pub start: usize,
    /// Byte end in the document's normalised text.
    pub end: usize,
    /// Character start in the original text (the `start` column of `units.csv`).
    pub orig_start: usize,
    /// Character end in the original text.
    pub orig_end: usize,
    /// What the unit is (body text, heading, title, …).
    pub kind: Kind,
    /// What its passage is for.
    pub role: Role,
    /// Heading path (`一、总体要求 > （二）基本原则`).
    pub section: Arc<str>,
}

impl Unit {
    /// True for titles, headings, addressees, signatures: out of every share.
    pub fn is_boilerplate(&self) -> bool {
        self.kind.is_boilerplate()
    }
}

/// A document with its text and units.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path relative to its input folder, as in `units.csv`.
    pub file: String,
    /// File name without extension (the key of labelled units).
    pub stem: String,
    /// The document's key: the first part of its unit ids ([`crate::util::docid`]).
    pub doc_id: String,
    /// The text as read.
    pub original: String,
    /// The normalised text that is matched.
    pub norm: Normalized,
    /// Language detected.
    pub lang: Lang,
    /// Units in document order.
    pub units: Vec<Unit>,
    /// Byte offset of each character of `original` (and one past the end).
    char_bytes: Vec<u32>,
}

impl Document {
    /// Reads `text` as the document `file` keyed `doc_id`: normalised, segmented and
    /// given roles as `code` does.
    pub fn from_text(
        coder: &Coder,
        file: &str,
        doc_id: &str,
        text: String,
        unit_mode: UnitMode,
    ) -> Document {
        let mut norm = normalize(&text);
        simplify_if_traditional(&mut norm);
        let lang = lang::detect(&norm.text);
        let segments = segment::segment(&norm.text, lang, unit_mode);
        let roles = coder.roles.assign_all(lang, &norm.text, &segments);
        let sections = segment::section_paths(&norm.text, &segments);
        let units = segments
            .iter()
            .zip(roles.iter().zip(sections))
            .map(|(seg, (&role, section))| {
                let (orig_start, orig_end) = norm.original_span(seg.start, seg.end);
                Unit {
                    id: seg.id(doc_id),
                    start: seg.start,
                    end: seg.end,
                    orig_start,
                    orig_end,
                    kind: seg.kind,
                    role,
                    section,
                }
            })
            .collect();
        let mut char_bytes: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
        char_bytes.push(text.len() as u32);
        let stem = std::path::Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Document {
            file: file.to_string(),
            stem,
            doc_id: doc_id.to_string(),
            original: text,
            norm,
            lang,
            units,
            char_bytes,
        }
    }

    /// The normalised text of unit `u`.
    pub fn unit_text(&self, u: &Unit) -> &str {
        &self.norm.text[u.start..u.end]
    }

    /// Original character span of the byte span `[start, end)` of unit `u`'s normalised
    /// text (a hit's span): the offsets of `units.csv` evidence.
    pub fn original_span(&self, u: &Unit, start: usize, end: usize) -> (usize, usize) {
        self.norm.original_span(u.start + start, u.start + end)
    }

    /// Number of characters of the original text.
    pub fn chars(&self) -> usize {
        self.char_bytes.len() - 1
    }

    /// Byte offset of character `c` of the original text (clamped to its end).
    pub fn byte_of_char(&self, c: usize) -> usize {
        self.char_bytes[c.min(self.char_bytes.len() - 1)] as usize
    }

    /// Original text of the characters `[start, end)`.
    pub fn slice(&self, start: usize, end: usize) -> &str {
        let s = self.byte_of_char(start);
        &self.original[s..self.byte_of_char(end).max(s)]
    }
}

/// Documents read from the input paths, and the files that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Documents in path order.
    pub documents: Vec<Document>,
    /// (file, reason) of files skipped: unreadable, unsupported, too large, duplicate.
    pub skipped: Vec<(String, String)>,
    /// (file, what could not be read) of documents read in part (a PDF page that failed).
    pub incomplete: Vec<(String, String)>,
}

/// Reads every document under `inputs` (files or folders) in parallel. A missing input
/// path is an error naming it; a file that cannot be read is listed in
/// [`Corpus::skipped`] with the reason, as `code` lists it in `documents.csv`.
pub fn read_corpus(coder: &Coder, inputs: &[PathBuf], opts: &ReadOptions) -> Result<Corpus> {
    if inputs.is_empty() {
        return Err(crate::Error::Usage(
            "no input: give a file or folder".into(),
        ));
    }
    let files = read::collect(inputs, &read::exclude_set(&opts.exclude)?)?;
    let readers = read::readers();
    let mut to_read = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        match &f.disposition {
            Disposition::Read => to_read.push(f),
            Disposition::WalkError(r) => skipped.push((f.rel.clone(), r.clone())),
            Disposition::Manifest | Disposition::Excluded(_) => {}
        }
    }
    let rels: Vec<&str> = to_read.iter().map(|f| f.rel.as_str()).collect();
    let keyed: Vec<(String, &InputFile)> = crate::util::docid::assign(&rels)
        .into_iter()
        .zip(to_read)
        .collect();
    type Read = std::result::Result<(Document, Option<String>), (String, String)>;
    let read: Vec<Read> = keyed
        .par_iter()
        .map(|(id, f)| {
            read::read_file(&f.path, &readers, opts.max_file_size)
                .map(|x| {
                    let doc = Document::from_text(coder, &f.rel, id, x.text, opts.unit_mode);
                    (doc, x.incomplete)
                })
                .map_err(|reason| (f.rel.clone(), reason.to_string()))
        })
        .collect();
    let mut documents = Vec::new();
    let mut incomplete = Vec::new();
    let mut seen: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    for r in read {
        match r {
            Ok((d, part)) => {
                use std::hash::{BuildHasher, BuildHasherDefault};
                let fp = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                    .hash_one(d.norm.text.trim());
                match seen.get(&fp) {
                    Some(first) => skipped.push((d.file.clone(), format!("duplicate of {first}"))),
                    None => {
                        seen.insert(fp, d.file.clone());
                        if let Some(what) = part {
                            incomplete.push((d.file.clone(), what));
                        }
                        documents.push(d);
                    }
                }
            }
            Err(s) => skipped.push(s),
        }
    }
    Ok(Corpus {
        documents,
        skipped,
        incomplete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Codebook;

    pub(crate) fn coder() -> &'static Coder {
        static C: std::sync::OnceLock<Coder> = std::sync::OnceLock::new();
        C.get_or_init(|| Coder::new(Codebook::default_codebook()).unwrap())
    }

    #[test]
    fn units_carry_ids_roles_sections_and_original_offsets() {
        let text = "关于支持返乡创业的意见\n\n一、总体要求\n（一）指导思想。坚持大众创业、万众创新。\n二、政策措施\n（一）给予创业补贴。对返乡创业人员给予一次性创业补贴。\n";
        let key = crate::util::docid::key("a/b.txt");
        let d = Document::from_text(coder(), "a/b.txt", &key, text.to_string(), UnitMode::Auto);
        assert_eq!((d.stem.as_str(), d.lang), ("b", Lang::Zh));
        assert!(d.units.iter().all(|u| u.id.starts_with(&format!("{key}-"))));
        let guiding = d
            .units
            .iter()
            .find(|u| d.unit_text(u).contains("万众创新"))
            .unwrap();
        assert_ne!(guiding.role, Role::Measure);
        assert!(guiding.section.contains("总体要求"), "{}", guiding.section);
        let measure = d
            .units
            .iter()
            .find(|u| d.unit_text(u).contains("一次性创业补贴"))
            .unwrap();
        assert_eq!(measure.role, Role::Measure);
        // offsets are characters of the original text
        assert!(d
            .slice(measure.orig_start, measure.orig_end)
            .contains("一次性创业补贴"));
    }

    #[test]
    fn missing_inputs_are_named() {
        let err = read_corpus(
            coder(),
            &[PathBuf::from("/no/such/folder")],
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/no/such/folder"), "{err}");
    }
}
