//! What the reports of a `code` run keep of its units while `units.csv` is written, so
//! that nothing reads the file back: the HTML report's units (their JSON streamed to a
//! file of the staging folder) and, for the diffusion section, each document's first unit
//! of every category. Both are taken from the cells as the row holds them (after
//! `--excel-safe`), so they are what a reader of `units.csv` would read.

use crate::codebook::Codebook;
use crate::error::Result;
use crate::write::html::units::UnitsCollector;
use crate::write::written_unit::WrittenUnit;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Each file's first body unit of every category, in the order of `units.csv`: what the
/// diffusion section reads of the units. Kept compact (category ids interned, unit ids in
/// one arena), as it grows with the number of documents.
#[derive(Debug, Default)]
pub struct FirstUnits {
    files: HashMap<Box<str>, usize>,
    /// The file of the previous unit, and its index.
    last: Option<(Box<str>, usize)>,
    /// Category ids in order of first appearance (few: found by a linear search).
    categories: Vec<Box<str>>,
    /// Unit ids, end to end.
    ids: String,
    /// Per file: (category, start and length of the unit id in `ids`).
    per_file: Vec<Vec<(u32, usize, u32)>>,
}

impl FirstUnits {
    /// Adds one written row.
    pub fn add(&mut self, u: &WrittenUnit<'_>) {
        if u.boilerplate == "true" {
            return;
        }
        let mut cats = u
            .categories
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .peekable();
        let f = match &self.last {
            Some((name, f)) if **name == *u.file => *f,
            _ => {
                let f = match self.files.get(u.file) {
                    Some(&f) => f,
                    None => {
                        self.per_file.push(Vec::new());
                        self.files.insert(u.file.into(), self.per_file.len() - 1);
                        self.per_file.len() - 1
                    }
                };
                self.last = Some((u.file.into(), f));
                f
            }
        };
        if cats.peek().is_none() {
            return;
        }
        for c in cats {
            let k = match self.categories.iter().position(|k| **k == *c) {
                Some(k) => k as u32,
                None => {
                    self.categories.push(c.into());
                    self.categories.len() as u32 - 1
                }
            };
            let firsts = &mut self.per_file[f];
            if !firsts.iter().any(|e| e.0 == k) {
                firsts.push((k, self.ids.len(), u.unit_id.len() as u32));
                self.ids.push_str(u.unit_id);
            }
        }
    }

    /// The (category id, unit id) pairs of `file`, in the order first seen; none for a
    /// file without units.
    pub fn of_file<'a>(&'a self, file: &str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let firsts = match self.files.get(file) {
            Some(&f) => self.per_file[f].as_slice(),
            None => &[],
        };
        firsts.iter().map(|&(k, start, len)| {
            (
                &*self.categories[k as usize],
                &self.ids[start..start + len as usize],
            )
        })
    }
}

/// What the reports take from the units of a run, gathered as they are written.
pub struct RunUnits {
    pub(crate) html: UnitsCollector,
    /// For the diffusion section.
    pub firsts: FirstUnits,
}

impl std::fmt::Debug for RunUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunUnits").finish_non_exhaustive()
    }
}

impl RunUnits {
    /// Starts gathering for the reports of the output folder `dir` (the units' JSON goes
    /// to a file there until the HTML report takes it), embedding at most `report_units`
    /// body units in the page.
    pub fn create(dir: &Path, report_units: usize) -> Result<Self> {
        Ok(RunUnits {
            html: UnitsCollector::create(&json_path(dir), report_units)?,
            firsts: FirstUnits::default(),
        })
    }

    /// Adds one written row.
    pub fn add(&mut self, u: &WrittenUnit<'_>, cb: &Codebook) -> Result<()> {
        self.firsts.add(u);
        self.html.add(u, cb)
    }
}

/// Where the units' JSON waits for the HTML report.
fn json_path(dir: &Path) -> PathBuf {
    dir.join(".units-data.json.part")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit<'a>(
        file: &'a str,
        id: &'a str,
        cats: &'a str,
        boilerplate: &'a str,
    ) -> WrittenUnit<'a> {
        WrittenUnit {
            unit_id: id,
            file,
            level: "local",
            province: "henan",
            region: "central",
            year: "2020",
            boilerplate,
            text: "t",
            categories: cats,
            evidence: "",
            start: "0",
        }
    }

    #[test]
    fn first_unit_of_each_category_per_file() {
        let mut f = FirstUnits::default();
        f.add(&unit("a", "a-1", "x; y", "false"));
        f.add(&unit("a", "a-2", "y;z", "false"));
        f.add(&unit("b", "b-1", "z", "true"));
        f.add(&unit("b", "b-2", "", "false"));
        f.add(&unit("a", "a-3", "w", "false"));
        f.add(&unit("b", "b-3", "z", "false"));
        let a: Vec<_> = f.of_file("a").collect();
        assert_eq!(a, [("x", "a-1"), ("y", "a-1"), ("z", "a-2"), ("w", "a-3")]);
        assert_eq!(f.of_file("b").collect::<Vec<_>>(), [("z", "b-3")]);
        assert_eq!(f.of_file("c").count(), 0);
    }
}
