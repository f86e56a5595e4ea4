//! Library errors. Every variant names the file, and where it applies the line and field,
//! so a user can fix the input without reading code.

use std::fmt;

/// A problem found while validating a codebook, with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the codebook file (0 when unknown).
    pub line: usize,
    /// The id or field the problem is about.
    pub id: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.id, self.message)
    }
}

/// Errors of the policy-coder library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The codebook could not be parsed or failed validation.
    #[error("invalid codebook {path}:\n{}", .problems.iter().map(|p| format!("  {path}:{p}")).collect::<Vec<_>>().join("\n"))]
    Codebook {
        /// The codebook file.
        path: String,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// A CSV or TSV input (units, manifest, region mapping) is malformed.
    #[error(
        "{path}{at}: {field}{sep}{message}",
        at = if *.line == 0 { String::new() } else { format!(":{}", .line) },
        sep = if .field.is_empty() { "" } else { ": " }
    )]
    Csv {
        /// The file.
        path: String,
        /// 1-based line (the header is line 1; 0 when unknown).
        line: usize,
        /// The column concerned, or empty.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    // The cause is in the message and deliberately not a `source()` as well: the CLI
    // prints the whole chain, which said it twice.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// The output directory holds files and `--force` was not given.
    #[error(
        "output directory {0} is not empty; choose another with --out or pass --force to overwrite"
    )]
    OutputNotEmpty(String),
    /// Another run holds the output folder's lock.
    #[error(
        "output directory {out} is in use by another run (process {pid}); wait for it, or remove {lock} if no run is going"
    )]
    OutputLocked {
        /// The output folder.
        out: String,
        /// The lock file.
        lock: String,
        /// The process id recorded in the lock.
        pid: String,
    },
    /// Arguments that do not fit together, or name something that is not there.
    #[error("{0}")]
    Usage(String),
    /// A trained model or sentence-embedding model that cannot be loaded or does not fit
    /// the run (another codebook or embedder, a format version, a corrupt file).
    #[error("{0}")]
    Model(String),
    /// Input data the requested work cannot use: a training set without rows, fewer
    /// documents than folds, one coder, a word list that is not text, a codebook too large
    /// to compile.
    #[error("{0}")]
    Data(String),
    /// An output file could not be written (beyond plain I/O: a workbook's own errors).
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// A CSV error at `path:line` about `field`.
    pub fn csv(path: &str, line: usize, field: &str, message: impl Into<String>) -> Self {
        Error::Csv {
            path: path.to_string(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<std::path::Path>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            cause,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_show_the_line_only_when_known() {
        assert_eq!(
            Error::csv("a.csv", 3, "year", "`20x5` is not a year").to_string(),
            "a.csv:3: year: `20x5` is not a year"
        );
        assert_eq!(
            Error::csv("a.csv", 0, "", "undecodable text").to_string(),
            "a.csv: undecodable text"
        );
    }
}
