//! The output folder of a `code` run, written as one transaction.
//!
//! A run takes a lock in `--out` (a file created exclusively, so a second run into the
//! same folder is refused), writes every output into a private staging folder inside
//! `--out`, and only when everything is written moves the files into place: an
//! interrupted or failed run leaves the previous run's outputs as they were. While files
//! are being moved an `INCOMPLETE` marker stands in the folder, so a run killed in that
//! short window is never mistaken for a complete one. `--force` removes only the tool's
//! own outputs (the files the previous run listed in `run.json`, or known output names),
//! never other files, and outputs are renamed into place, so a symlink planted in the
//! folder is replaced, never written through.

use crate::error::{Error, Result};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The lock file, created exclusively in the output folder for the length of a run.
pub const LOCK: &str = ".policy-coder.lock";
/// The staging folder inside the output folder, where a run writes before committing.
pub const STAGING: &str = ".policy-coder.partial";
/// The marker standing in the output folder while outputs are being moved into place.
pub const INCOMPLETE: &str = "INCOMPLETE";
/// The run stamp: run id, command line, tool version and the files written.
pub const RUN_FILE: &str = "run.json";

/// Fixed names of outputs written by `code` (besides `shares_*`, `crosstab_*` and
/// `chisq*` tables and `charts/*.svg`) and by `diffuse` beside them (besides its
/// `diffusion_*.csv` tables).
const KNOWN: &[&str] = &[
    "units.csv",
    "documents.csv",
    "review.csv",
    "keywords.csv",
    "keyness.csv",
    "summary.json",
    "report.md",
    "report.html",
    "report.xlsx",
    "diffusion.md",
    "reuse_pairs.csv",
    "reuse_summary.csv",
    RUN_FILE,
    INCOMPLETE,
];

/// Whether `name` (a file name in the output folder, or `charts/<name>`) is one the
/// `code` command writes.
pub fn is_known_output(name: &str) -> bool {
    if let Some(chart) = name.strip_prefix("charts/") {
        return !chart.contains('/') && chart.ends_with(".svg");
    }
    KNOWN.contains(&name)
        || (name.ends_with(".csv")
            && (name.starts_with("shares_")
                || name.starts_with("crosstab_")
                || name.starts_with("chisq")
                // `diffuse` writes beside a code run's outputs by default: tables drawn
                // from the results a new run replaces must not outlive them.
                || name.starts_with("diffusion_")))
}

/// The tool's own bookkeeping files in the output folder (not counted as contents).
fn is_own_state(name: &std::ffi::OsStr) -> bool {
    name == LOCK || name == STAGING
}

/// An output folder being written. Dropped without [`OutputTxn::commit`], it removes its
/// staging folder and lock and leaves the folder as it was.
#[derive(Debug)]
pub struct OutputTxn {
    s: Staging,
}

/// What both kinds of transaction hold: the folder with its lock taken and an empty staging
/// folder inside it. Dropped before [`Staging::release`], it removes the staging folder, the
/// lock and the folder itself when the transaction created it (and it is still empty).
#[derive(Debug)]
struct Staging {
    out: PathBuf,
    staging: PathBuf,
    lock: PathBuf,
    created_out: bool,
    done: bool,
}

impl Staging {
    /// Takes the lock of `out` (which the caller created when `created_out`) and makes an
    /// empty staging folder.
    fn take(out: &Path, created_out: bool) -> Result<Self> {
        let lock = out.join(LOCK);
        if let Err(e) = take_lock(&lock, out) {
            if created_out {
                let _ = fs::remove_dir(out);
            }
            return Err(e);
        }
        let s = Staging {
            out: out.to_path_buf(),
            staging: out.join(STAGING),
            lock,
            created_out,
            done: false,
        };
        // Left by a run that was killed: we hold the lock, so nobody else uses it.
        remove_any(&s.staging)?;
        fs::create_dir(&s.staging).map_err(|e| Error::io(&s.staging, e))?;
        Ok(s)
    }

    /// The staged files, as sorted relative paths.
    fn staged_files(&self) -> Result<Vec<String>> {
        let mut files = Vec::new();
        list_files(&self.staging, &self.staging, &mut files)?;
        files.sort();
        Ok(files)
    }

    /// Renames the staged file `f` into place. A link where its folder (`charts/`) belongs
    /// is replaced by a real folder, and a link at `f` is replaced, never written through;
    /// a folder at `f` is not replaced.
    fn move_into_place(&self, f: &str) -> Result<()> {
        let from = self.staging.join(f);
        let to = self.out.join(f);
        if let Some(parent) = to.parent().filter(|p| *p != self.out) {
            if fs::symlink_metadata(parent).is_ok_and(|m| !m.is_dir()) {
                remove_any(parent)?;
            }
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            return Err(Error::Usage(format!(
                "{} is a folder: it is not replaced by the output of that name",
                to.display()
            )));
        }
        fs::rename(&from, &to).map_err(|e| Error::io(&to, e))
    }

    /// Ends the transaction: removes the (emptied) staging folder, then the lock.
    fn release(&mut self) -> Result<()> {
        remove_any(&self.staging)?;
        self.done = true;
        fs::remove_file(&self.lock).map_err(|e| Error::io(&self.lock, e))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let _ = fs::remove_dir_all(&self.staging);
        let _ = fs::remove_file(&self.lock);
        if self.created_out {
            let _ = fs::remove_dir(&self.out);
        }
    }
}

/// What `run.json` records about a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunStamp {
    /// Unique per run: UTC start time and process id, e.g. `20261126T140512Z-4242`.
    pub run_id: String,
    /// The tool and its version.
    pub tool: String,
    /// The command line, argument by argument.
    pub command: Vec<String>,
    /// Files written, relative to the output folder, sorted.
    pub files: Vec<String>,
}

impl RunStamp {
    /// A stamp for this process, started now, with the process's own command line.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        RunStamp {
            run_id: format!("{}-{}", utc_stamp(secs), std::process::id()),
            tool: format!("policy-coder {}", env!("CARGO_PKG_VERSION")),
            command: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            files: Vec::new(),
        }
    }
}

/// `YYYYMMDDTHHMMSSZ` for seconds since 1970 (UTC; proleptic Gregorian calendar).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Refuses inputs that the run would overwrite: `--out` equal to an input folder, or an
/// input file that is one of the outputs. (An output folder inside an input folder is
/// left out of the walk instead: see [`crate::read::collect_with`].)
pub fn check_inputs(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let out_r = crate::util::paths::resolve(out);
    for input in inputs {
        let r = crate::util::paths::resolve(input);
        if r == out_r {
            return Err(Error::Usage(format!(
                "--out {} is the input {}: the outputs would overwrite the documents; choose another output folder",
                out.display(),
                input.display()
            )));
        }
        if r.parent() == Some(out_r.as_path())
            && r.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_known_output)
        {
            return Err(Error::Usage(format!(
                "{} is one of the outputs this run writes into --out {}: copy it elsewhere or choose another output folder",
                input.display(),
                out.display()
            )));
        }
    }
    Ok(())
}

impl OutputTxn {
    /// Takes the output folder: refuses a non-empty one without `force`, and a folder
    /// another run holds; creates it and an empty staging folder.
    pub fn begin(out: &Path, force: bool) -> Result<Self> {
        let mut created_out = false;
        match fs::read_dir(out) {
            Ok(entries) => {
                let mut others = entries
                    .filter_map(|e| e.ok())
                    .filter(|e| !is_own_state(&e.file_name()));
                if others.next().is_some() && !force {
                    return Err(Error::OutputNotEmpty(out.display().to_string()));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
                created_out = true;
            }
            Err(e) => return Err(Error::io(out, e)),
        }
        Ok(OutputTxn {
            s: Staging::take(out, created_out)?,
        })
    }

    /// The folder to write outputs into.
    pub fn dir(&self) -> &Path {
        &self.s.staging
    }

    /// Moves the staged outputs into the output folder, after removing the previous
    /// run's outputs, and writes `run.json` (with `stamp`'s id and command line) last.
    pub fn commit(mut self, mut stamp: RunStamp) -> Result<()> {
        let files = self.s.staged_files()?;
        stamp.files = files.clone();
        stamp.files.push(RUN_FILE.to_string());
        stamp.files.sort();
        let out = self.s.out.clone();
        let marker = out.join(INCOMPLETE);
        remove_any(&marker)?;
        fs::write(
            &marker,
            "policy-coder is writing this folder; if no run is going, the outputs here are incomplete\n",
        )
        .map_err(|e| Error::io(&marker, e))?;
        self.remove_previous()?;
        for f in &files {
            self.s.move_into_place(f)?;
        }
        let run = out.join(RUN_FILE);
        let tmp = self.s.staging.join(RUN_FILE);
        let json = serde_json::to_string_pretty(&stamp).map_err(|e| Error::io(&run, e.into()))?;
        fs::write(&tmp, json + "\n").map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, &run).map_err(|e| Error::io(&run, e))?;
        remove_any(&self.s.staging)?;
        fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
        self.s.release()
    }

    /// Removes the outputs of an earlier run: the files its `run.json` lists and any file
    /// with a known output name. Nothing else in the folder is touched.
    fn remove_previous(&self) -> Result<()> {
        let mut names: Vec<String> = Vec::new();
        if let Ok(text) = fs::read_to_string(self.s.out.join(RUN_FILE)) {
            if let Ok(old) = serde_json::from_str::<RunStamp>(&text) {
                names.extend(old.files.into_iter().filter(|f| is_plain_relative(f)));
            }
        }
        for dir in [self.s.out.clone(), self.s.out.join("charts")] {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
                continue;
            }
            for e in entries.filter_map(|e| e.ok()) {
                let Some(name) = e.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                let rel = if dir == self.s.out {
                    name
                } else {
                    format!("charts/{name}")
                };
                if is_known_output(&rel) {
                    names.push(rel);
                }
            }
        }
        names.sort();
        names.dedup();
        for n in names {
            if n == INCOMPLETE {
                continue;
            }
            let p = self.s.out.join(&n);
            match fs::symlink_metadata(&p) {
                // A folder under an output's name is not ours to delete.
                Ok(m) if m.is_dir() => {}
                Ok(_) => fs::remove_file(&p).map_err(|e| Error::io(&p, e))?,
                Err(_) => {}
            }
        }
        let charts = self.s.out.join("charts");
        if fs::symlink_metadata(&charts).is_ok_and(|m| m.is_dir()) {
            // Only when empty: a user's own files there are kept.
            let _ = fs::remove_dir(&charts);
        }
        Ok(())
    }
}

/// Files added to a folder that holds other outputs (`diffuse` writing beside a `code`
/// run's), as one transaction under the same lock as a `code` run: written into the staging
/// folder, then renamed into place, replacing only files of the same names (a link planted
/// under such a name is replaced, never written through). Dropped before
/// [`AddedFiles::commit`], or failing in it before the first rename, it leaves the folder as
/// it was; while files are being renamed the [`INCOMPLETE`] marker stands in the folder.
pub struct AddedFiles {
    s: Staging,
}

impl AddedFiles {
    /// Takes `out` (created when missing) for the length of the write: refuses a folder a
    /// `code` run or another writer holds.
    pub fn begin(out: &Path) -> Result<Self> {
        let created_out = match fs::symlink_metadata(out) {
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
                true
            }
            Err(e) => return Err(Error::io(out, e)),
        };
        Ok(AddedFiles {
            s: Staging::take(out, created_out)?,
        })
    }

    /// The folder to write the files into (relative names, at most one folder deep).
    pub fn dir(&self) -> &Path {
        &self.s.staging
    }

    /// Moves the written files into place and releases the folder.
    pub fn commit(mut self) -> Result<()> {
        let files = self.s.staged_files()?;
        let marker = self.s.out.join(INCOMPLETE);
        let had_marker = fs::symlink_metadata(&marker).is_ok();
        if !had_marker {
            fs::write(
                &marker,
                "policy-coder is writing this folder; if no run is going, the outputs here are incomplete\n",
            )
            .map_err(|e| Error::io(&marker, e))?;
        }
        for f in &files {
            self.s.move_into_place(f)?;
        }
        remove_any(&self.s.staging)?;
        if !had_marker {
            fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
        }
        self.s.release()
    }
}

/// A relative path of normal components only (no `..`, no root), at most one folder deep.
fn is_plain_relative(p: &str) -> bool {
    let path = Path::new(p);
    let parts: Vec<_> = path.components().collect();
    !parts.is_empty() && parts.len() <= 2 && parts.iter().all(|c| matches!(c, Component::Normal(_)))
}

/// Removes a file, link or folder at `p` if there is one (a link itself, not its target).
fn remove_any(p: &Path) -> Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p).map_err(|e| Error::io(p, e)),
        Ok(_) => fs::remove_file(p).map_err(|e| Error::io(p, e)),
        Err(_) => Ok(()),
    }
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for e in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let p = e.path();
        if e.file_type().map_err(|e| Error::io(&p, e))?.is_dir() {
            list_files(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Creates the lock exclusively. A lock left by a process that no longer runs (on
/// Linux, where that can be told) is taken over.
fn take_lock(lock: &Path, out: &Path) -> Result<()> {
    use std::io::Write;
    for attempt in 0..2 {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(lock)
        {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = fs::read_to_string(lock)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                if attempt == 0 && pid.is_some_and(|p| !process_alive(p)) {
                    let _ = fs::remove_file(lock);
                    continue;
                }
                return Err(Error::OutputLocked {
                    out: out.display().to_string(),
                    lock: lock.display().to_string(),
                    pid: pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                });
            }
            Err(e) => return Err(Error::io(lock, e)),
        }
    }
    Err(Error::OutputLocked {
        out: out.display().to_string(),
        lock: lock.display().to_string(),
        pid: "?".into(),
    })
}

/// Whether process `pid` still runs: known on Linux (`/proc`); elsewhere assumed.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(utc_stamp(1_700_000_000), "20231114T221320Z");
    }

    #[test]
    fn known_outputs_and_others() {
        for n in [
            "units.csv",
            "crosstab_x.csv",
            "shares_by_year.csv",
            "chisq_residuals.csv",
            "charts/category_shares.svg",
            "report.xlsx",
            "diffusion.md",
            "diffusion_adoption.csv",
        ] {
            assert!(is_known_output(n), "{n}");
        }
        for n in [
            "notes.md",
            "units.tsv",
            "charts/a/b.svg",
            "data.csv",
            "diffusion.txt",
        ] {
            assert!(!is_known_output(n), "{n}");
        }
        assert!(!is_plain_relative("../x"));
        assert!(!is_plain_relative("/etc/passwd"));
        assert!(is_plain_relative("charts/a.svg"));
    }

    #[test]
    fn an_abandoned_run_leaves_the_folder_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("units.csv"), "old").unwrap();
        {
            let t = OutputTxn::begin(&out, true).unwrap();
            fs::write(t.dir().join("units.csv"), "new").unwrap();
            assert!(
                OutputTxn::begin(&out, true).is_err(),
                "second run not locked out"
            );
        }
        assert_eq!(fs::read_to_string(out.join("units.csv")).unwrap(), "old");
        assert!(!out.join(LOCK).exists() && !out.join(STAGING).exists());
        let t = OutputTxn::begin(&out, true).unwrap();
        fs::write(t.dir().join("units.csv"), "new").unwrap();
        t.commit(RunStamp::now()).unwrap();
        assert_eq!(fs::read_to_string(out.join("units.csv")).unwrap(), "new");
        let stamp: RunStamp =
            serde_json::from_str(&fs::read_to_string(out.join(RUN_FILE)).unwrap()).unwrap();
        assert_eq!(stamp.files, vec!["run.json", "units.csv"]);
    }

    #[test]
    fn added_files_replace_their_names_only_and_all_or_nothing() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("units.csv"), "run").unwrap();
        fs::write(out.join("adoption.csv"), "old").unwrap();
        #[cfg(unix)]
        {
            // a link planted under an output's name is replaced, not written through
            fs::write(d.path().join("target.txt"), "keep").unwrap();
            std::os::unix::fs::symlink(d.path().join("target.txt"), out.join("diffusion.md"))
                .unwrap();
        }
        {
            let t = AddedFiles::begin(&out).unwrap();
            fs::write(t.dir().join("adoption.csv"), "abandoned").unwrap();
            assert!(
                AddedFiles::begin(&out).is_err(),
                "a second writer is locked out"
            );
            assert!(OutputTxn::begin(&out, true).is_err(), "so is a code run");
        }
        assert_eq!(fs::read_to_string(out.join("adoption.csv")).unwrap(), "old");
        assert!(!out.join(LOCK).exists() && !out.join(STAGING).exists());
        let t = AddedFiles::begin(&out).unwrap();
        fs::write(t.dir().join("adoption.csv"), "new").unwrap();
        fs::write(t.dir().join("diffusion.md"), "md").unwrap();
        fs::create_dir(t.dir().join("charts")).unwrap();
        fs::write(t.dir().join("charts").join("a.svg"), "svg").unwrap();
        t.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("units.csv")).unwrap(), "run");
        assert_eq!(fs::read_to_string(out.join("adoption.csv")).unwrap(), "new");
        assert_eq!(fs::read_to_string(out.join("charts/a.svg")).unwrap(), "svg");
        assert_eq!(fs::read_to_string(out.join("diffusion.md")).unwrap(), "md");
        #[cfg(unix)]
        assert_eq!(
            fs::read_to_string(d.path().join("target.txt")).unwrap(),
            "keep"
        );
        let mut left: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["adoption.csv", "charts", "diffusion.md", "units.csv"]
        );
        // a missing folder is created, and removed again when nothing is committed
        let fresh = d.path().join("fresh");
        drop(AddedFiles::begin(&fresh).unwrap());
        assert!(!fresh.exists());
    }

    #[test]
    fn a_lock_of_a_dead_process_is_taken_over() {
        let d = tempfile::tempdir().unwrap();
        // Beyond any pid_max.
        fs::write(d.path().join(LOCK), "4294967295\n").unwrap();
        let t = OutputTxn::begin(d.path(), false);
        if cfg!(target_os = "linux") {
            assert!(t.is_ok());
        }
    }
}
