//! A `metadata.csv` manifest beside the documents: per file, the title, issuer, level,
//! province, year, date and document number a researcher knows, read and checked whole
//! (errors name the file, line and column). The metadata stage prefers these fields to
//! what it infers.

use crate::error::{Error, Result};
use crate::geo::level::Level;
use crate::geo::province::{self, Province};
use std::collections::BTreeMap;
use std::path::Path;

/// One manifest row (every field optional).
#[derive(Debug, Clone, Default)]
pub struct ManifestRow {
    /// Title.
    pub title: String,
    /// Issuer.
    pub issuer: String,
    /// Level.
    pub level: Option<Level>,
    /// Province.
    pub province: Option<&'static Province>,
    /// Year.
    pub year: Option<i32>,
    /// Date as written.
    pub date: String,
    /// Document number.
    pub doc_number: String,
}

/// A `metadata.csv` manifest: rows keyed by the file path relative to its folder.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The manifest file.
    pub path: String,
    rows: BTreeMap<String, ManifestRow>,
}

fn key_of(rel: &str) -> String {
    rel.replace('\\', "/").trim_start_matches("./").to_string()
}

impl Manifest {
    /// Reads and validates a manifest. Columns `file,title,issuer,level,province,year,
    /// date,doc_number` are recognised (others ignored); only `file` is required.
    pub fn load(path: &Path) -> Result<Manifest> {
        // One reader for every CSV/TSV input: encodings, quotes, ragged rows with their line.
        let sheet = crate::util::sheet::read_sheet(path)?;
        let shown = sheet.path.as_str();
        let headers = &sheet.headers;
        let col = |name: &str| headers.iter().position(|h| h == name);
        let file_col = col("file")
            .ok_or_else(|| Error::csv(shown, 1, "file", "the manifest needs a `file` column"))?;
        let cols: BTreeMap<&str, Option<usize>> = [
            "title",
            "issuer",
            "level",
            "province",
            "year",
            "date",
            "doc_number",
        ]
        .into_iter()
        .map(|n| (n, col(n)))
        .collect();
        let mut rows = BTreeMap::new();
        for (line, rec) in &sheet.rows {
            let line = *line;
            let get = |n: &str| {
                cols[n]
                    .and_then(|c| rec.get(c))
                    .map_or("", |v| v.trim())
                    .to_string()
            };
            let file = rec.get(file_col).map_or("", |v| v.trim());
            if file.is_empty() {
                return Err(Error::csv(shown, line, "file", "empty file name"));
            }
            let level =
                Level::parse(&get("level")).map_err(|m| Error::csv(shown, line, "level", m))?;
            let p = get("province");
            let province = if p.is_empty() || p.eq_ignore_ascii_case("unknown") {
                None
            } else {
                Some(province::lookup_place(&p).ok_or_else(|| {
                    Error::csv(shown, line, "province", format!("unknown province `{p}`"))
                })?)
            };
            let y = get("year");
            let year = if y.is_empty() || y.eq_ignore_ascii_case("unknown") {
                None
            } else {
                match y.parse::<i32>() {
                    Ok(v) if (1949..=2100).contains(&v) => Some(v),
                    _ => {
                        return Err(Error::csv(
                            shown,
                            line,
                            "year",
                            format!("`{y}` is not a year"),
                        ))
                    }
                }
            };
            let row = ManifestRow {
                title: get("title"),
                issuer: get("issuer"),
                level,
                province,
                year,
                date: get("date"),
                doc_number: get("doc_number"),
            };
            if rows.insert(key_of(file), row).is_some() {
                return Err(Error::csv(
                    shown,
                    line,
                    "file",
                    format!("`{file}` is listed twice"),
                ));
            }
        }
        Ok(Manifest {
            path: sheet.path.clone(),
            rows,
        })
    }

    /// The row for a file path relative to the manifest's folder.
    pub fn get(&self, rel: &str) -> Option<&ManifestRow> {
        self.rows.get(&key_of(rel))
    }

    /// Listed files, as written.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.rows.keys().map(String::as_str)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the manifest has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_errors_name_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metadata.csv");
        std::fs::write(
            &p,
            "file,level,province,year\na.txt,local,四川,2015\nb.txt,regional,,\n",
        )
        .unwrap();
        let e = Manifest::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("metadata.csv:3: level: unknown level `regional`"),
            "{e}"
        );
        std::fs::write(
            &p,
            "file,level,province,year\na.txt,local,四川,2015\nb.txt,local,Atlantis,\n",
        )
        .unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains(":3: province"));
        std::fs::write(&p, "file,year\na.txt,20x5\n").unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains(":2: year"));
        std::fs::write(&p, "file,level\na.txt,local,extra\n").unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains("metadata.csv:2"));
    }
}
