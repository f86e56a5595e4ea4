//! Reading: walking the input paths and turning each file into text.
//!
//! Every file under the inputs becomes an [`InputFile`]; each format has its own
//! [`Reader`], found by extension, so a new format is one new module.

#[cfg(unix)]
mod deep;
mod docx;
mod html;
mod html_flat;
pub mod manifest;
mod pdf;
mod text;
pub mod units_csv;
pub mod units_file;

use crate::error::{Error, Result};
use crate::read::manifest::Manifest;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default per-file size limit (50 MB): larger files are listed as skipped, not read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;

pub use docx::DocxReader;
pub use html::HtmlReader;
pub use pdf::PdfReader;
pub use text::TextReader;

/// Text extracted from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The text, decoded.
    pub text: String,
    /// The encoding it was read with (or the container format, e.g. `docx`).
    pub encoding: String,
    /// Metadata the format itself carries (`title`, `date` from HTML `<meta>`).
    pub hints: std::collections::BTreeMap<String, String>,
    /// What of the file could not be read (a PDF page that fails to parse), when the rest
    /// was: the document is coded without it, and `documents.csv` says so.
    pub incomplete: Option<String>,
}

/// A file format.
pub trait Reader: Send + Sync {
    /// Lower-case extensions this reader handles, without dots.
    fn extensions(&self) -> &'static [&'static str];
    /// Extracts the text from a file's bytes, or says why it cannot.
    fn read(&self, bytes: &[u8]) -> std::result::Result<Extracted, Skip>;
    /// [`Reader::read`] with the parts that expand when read (a `.docx`'s XML, a PDF's
    /// compressed streams) held to `max_expanded` bytes: a larger part is refused with a
    /// reason starting `too large (expanded)`, never cut short. Formats that do not expand
    /// read as [`Reader::read`].
    fn read_within(&self, bytes: &[u8], max_expanded: u64) -> std::result::Result<Extracted, Skip> {
        let _ = max_expanded;
        self.read(bytes)
    }
}

/// Why a file was not read: the `reason` of its `skipped` row in `documents.csv`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// No reader handles the extension.
    #[error("unsupported format ({shown}: {advice})")]
    Unsupported {
        /// `.ext`, or `no extension`.
        shown: String,
        /// What to do instead.
        advice: &'static str,
    },
    /// A device, FIFO or socket: never opened, as reading one may never end.
    #[error("not a regular file (device, FIFO or socket)")]
    NotRegularFile,
    /// The system refused to read it.
    #[error("cannot read: {0}")]
    CannotRead(String),
    /// Larger than `--max-file-size`.
    #[error("file too large ({size} bytes > limit {limit}; raise --max-file-size)")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Grew past the limit while read, or a size the system does not know.
    #[error("file too large (over the limit {limit} bytes when read; raise --max-file-size)")]
    TooLargeWhenRead {
        /// The limit.
        limit: u64,
    },
    /// A part that expands past the limit when decompressed (a `.docx`'s XML, a PDF stream).
    #[error("too large (expanded): {part} is over {limit} bytes when decompressed (the --max-file-size limit; raise it to read the file)")]
    TooLargeExpanded {
        /// The part.
        part: String,
        /// The limit.
        limit: u64,
    },
    /// Bytes that are no text in any encoding tried.
    #[error("{0}")]
    Undecodable(#[from] crate::util::decode::DecodeError),
    /// A package or file that does not parse.
    #[error("corrupt {format} ({detail})")]
    Corrupt {
        /// `docx`, `pdf`.
        format: &'static str,
        /// What the parser said.
        detail: String,
    },
    /// An encrypted PDF.
    #[error("encrypted pdf")]
    Encrypted,
    /// Read, but without any text (`no text in the page`, `no text layer (scanned PDF?)`).
    #[error("{0}")]
    NoText(&'static str),
    /// Any other reason.
    #[error("{0}")]
    Other(String),
}

impl Skip {
    /// A part that expands past `limit` bytes when decompressed.
    pub(crate) fn expanded(part: &str, limit: u64) -> Skip {
        Skip::TooLargeExpanded {
            part: part.to_string(),
            limit,
        }
    }
}

/// Formats recognised but not read, with the advice given in the skip reason.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("doc", "save as .docx or .txt"),
    ("wps", "save as .docx or .txt"),
    ("xls", "not a document"),
    ("xlsx", "not a document"),
    ("ppt", "not a document"),
    ("pptx", "not a document"),
    ("csv", "a table, not a document"),
    ("jpg", "image"),
    ("jpeg", "image"),
    ("png", "image"),
    ("gif", "image"),
    ("tif", "image"),
    ("zip", "archive: unpack it first"),
    ("rar", "archive: unpack it first"),
    ("7z", "archive: unpack it first"),
    ("gz", "archive: unpack it first"),
];

/// All readers, by extension.
pub fn readers() -> Vec<Box<dyn Reader>> {
    vec![
        Box::new(TextReader),
        Box::new(DocxReader),
        Box::new(HtmlReader),
        Box::new(PdfReader),
    ]
}

/// What happens to a file found under the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// To be read and coded.
    Read,
    /// The folder's `metadata.csv`.
    Manifest,
    /// Matched an `--exclude` pattern.
    Excluded(String),
    /// Not read: could not be listed (symlink loop, permission), or a link leading
    /// outside the input folders.
    WalkError(String),
}

/// One file under the input paths.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path as found on disk.
    pub path: PathBuf,
    /// Path relative to its input folder (the file name for a file given directly),
    /// with `/` separators.
    pub rel: String,
    /// The manifest of its input folder, if any.
    pub manifest: Option<Arc<Manifest>>,
    /// What to do with it.
    pub disposition: Disposition,
}

fn rel_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel
        .components()
        .map(|c| match c {
            std::path::Component::RootDir => String::new(),
            c => shown(c.as_os_str()),
        })
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        path.file_name().map(shown).unwrap_or_default()
    } else {
        s
    }
}

/// A file name as text: bytes that are not UTF-8 are written `\xFF`, so that two
/// names differing only in such bytes stay apart (a lossy `�` made them identical).
fn shown(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// Builds the `--exclude` matcher.
pub fn exclude_set(patterns: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| Error::Usage(format!("--exclude {p}: {e}")))?);
    }
    b.build()
        .map_err(|e| Error::Usage(format!("--exclude: {e}")))
}

/// Lists every file under `paths` in sorted path order (the order of `units.csv`),
/// skipping hidden files and folders and following symlinks without looping; links
/// that lead outside the input folders are listed as skipped (see [`collect_with`]).
pub fn collect(paths: &[PathBuf], exclude: &GlobSet) -> Result<Vec<InputFile>> {
    collect_with(paths, exclude, &Walk::default())
}

/// How the walk treats the output folder and links.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// The run's output folder: when it lies inside an input folder it is not walked
    /// (its reports are not documents) and is listed once as `excluded`.
    pub out: Option<PathBuf>,
    /// Follow links whose target lies outside every input folder (by default such a
    /// link is listed as skipped, so that `notice.txt -> ~/.ssh/key` or `up -> ..` does
    /// not pull in files the user did not give).
    pub follow_links_outside: bool,
}

/// A link found by the walk that leads outside the input folders, or the output folder.
enum Cut {
    Outside(PathBuf, PathBuf),
    Out(PathBuf),
}

/// [`collect`] with the output folder left out and the link policy of `walk`.
pub fn collect_with(paths: &[PathBuf], exclude: &GlobSet, walk: &Walk) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    let roots: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let out_dir = walk.out.as_deref().map(crate::util::paths::resolve);
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
        if meta.is_file() {
            let rel = rel_of(root.parent().unwrap_or(Path::new("")), root);
            let disposition = if exclude.is_match(&rel) {
                Disposition::Excluded("matched --exclude".into())
            } else {
                Disposition::Read
            };
            out.push(InputFile {
                path: root.clone(),
                rel,
                manifest: None,
                disposition,
            });
            continue;
        }
        let manifest_path = root.join("metadata.csv");
        let manifest = if manifest_path.is_file() {
            Some(Arc::new(Manifest::load(&manifest_path)?))
        } else {
            None
        };
        let mut cuts: Vec<Cut> = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if is_hidden(e.file_name()) {
                    return false;
                }
                let is_dir = e.file_type().is_dir();
                if !is_dir && !e.path_is_symlink() {
                    return true;
                }
                let Ok(target) = e.path().canonicalize() else {
                    return true;
                };
                if is_dir && out_dir.as_ref() == Some(&target) {
                    cuts.push(Cut::Out(e.path().to_path_buf()));
                    return false;
                }
                if e.path_is_symlink()
                    && !walk.follow_links_outside
                    && !roots.iter().any(|r| target.starts_with(r))
                {
                    cuts.push(Cut::Outside(e.path().to_path_buf(), target));
                    return false;
                }
                true
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) => {
                    let rel = rel_of(root, e.path());
                    let disposition =
                        if e.depth() == 1 && rel == "metadata.csv" && manifest.is_some() {
                            Disposition::Manifest
                        } else if exclude.is_match(&rel) {
                            Disposition::Excluded("matched --exclude".into())
                        } else {
                            Disposition::Read
                        };
                    out.push(InputFile {
                        path: e.path().to_path_buf(),
                        rel,
                        manifest: manifest.clone(),
                        disposition,
                    });
                }
                Err(err) => {
                    let path = err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    if err.io_error().is_some_and(path_too_long) {
                        // A folder whose path is too long is not entered by the walk: the
                        // files under it are found another way and listed one by one.
                        for (path, reason) in too_long(&path) {
                            let rel = rel_of(root, &path);
                            let disposition = if exclude.is_match(&rel) {
                                Disposition::Excluded("matched --exclude".into())
                            } else {
                                Disposition::WalkError(reason)
                            };
                            out.push(InputFile {
                                rel,
                                path,
                                manifest: manifest.clone(),
                                disposition,
                            });
                        }
                        continue;
                    }
                    let reason = if err.loop_ancestor().is_some() {
                        "symlink loop".to_string()
                    } else {
                        err.io_error()
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| err.to_string())
                    };
                    out.push(InputFile {
                        rel: rel_of(root, &path),
                        path,
                        manifest: manifest.clone(),
                        disposition: Disposition::WalkError(reason),
                    });
                }
            }
        }
        for cut in cuts {
            let (path, disposition) = match cut {
                Cut::Out(p) => (
                    p,
                    Disposition::Excluded("the output folder of this run (--out)".into()),
                ),
                Cut::Outside(p, target) => (
                    p,
                    Disposition::WalkError(format!(
                        "link to {} outside the input folders (pass --follow-links-outside to read it)",
                        target.display()
                    )),
                ),
            };
            out.push(InputFile {
                rel: rel_of(root, &path),
                path,
                manifest: manifest.clone(),
                disposition,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

/// The system's limit on a path's length, as the reason names it.
const PATH_MAX: usize = 4096;

fn path_too_long(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        deep::is_too_long(e)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

fn too_long_reason(path: &Path) -> String {
    format!(
        "path too long ({} bytes; the system opens at most {PATH_MAX}): not read",
        path.as_os_str().len()
    )
}

/// The entries to list for a path the walk could not open because it is too long: the
/// path itself when it is a file, every file below it when it is a folder (a folder
/// below that cannot be listed is listed with its error).
fn too_long(path: &Path) -> Vec<(PathBuf, String)> {
    #[cfg(unix)]
    if let Ok(found) = deep::below(path) {
        return found
            .into_iter()
            .map(|f| {
                let reason = match f.error {
                    Some(e) => format!("{} ({e})", too_long_reason(&f.path)),
                    None => too_long_reason(&f.path),
                };
                (f.path, reason)
            })
            .collect();
    }
    vec![(path.to_path_buf(), too_long_reason(path))]
}

/// Reads one file with the reader for its extension, or says why it was skipped.
pub fn read_file(
    path: &Path,
    readers: &[Box<dyn Reader>],
    max_size: u64,
) -> std::result::Result<Extracted, Skip> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let Some(reader) = readers
        .iter()
        .find(|r| r.extensions().contains(&ext.as_str()))
    else {
        let advice = UNSUPPORTED
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|(_, a)| *a)
            .unwrap_or("not a document format policy-coder reads");
        let shown = if ext.is_empty() {
            "no extension".to_string()
        } else {
            format!(".{ext}")
        };
        return Err(Skip::Unsupported { shown, advice });
    };
    let meta = std::fs::metadata(path).map_err(|e| Skip::CannotRead(e.to_string()))?;
    if !meta.is_file() {
        // A device (/dev/zero), FIFO or socket, also behind a link: never opened, as
        // reading one may never end.
        return Err(Skip::NotRegularFile);
    }
    let size = meta.len();
    if size > max_size {
        return Err(Skip::TooLarge {
            size,
            limit: max_size,
        });
    }
    let bytes = read_capped(path, max_size).map_err(|e| Skip::CannotRead(e.to_string()))?;
    if bytes.len() as u64 > max_size {
        // Grew while read, or a file whose size the system does not know (/proc).
        return Err(Skip::TooLargeWhenRead { limit: max_size });
    }
    reader.read_within(&bytes, max_size)
}

/// Reads at most `max + 1` bytes of `path`, so that a file larger than it says (or
/// growing) cannot exhaust memory.
fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}
