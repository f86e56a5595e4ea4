//! Files below a folder whose path is longer than the system accepts (`PATH_MAX`, 4,096
//! bytes on Linux): a walk by paths stops at such a folder, so the files under it were
//! never listed. Here they are found by opening one folder at a time relative to the
//! last (`openat`), with a single folder open at any moment however deep the tree, so
//! that each can be listed once with its reason.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{openat, statat, AtFlags, Dir, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;

/// Whether an I/O error says a path is longer than the system accepts.
pub fn is_too_long(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(Errno::NAMETOOLONG.raw_os_error())
}

/// One entry found below a too-long folder.
#[derive(Debug)]
pub struct Found {
    /// Its path (too long to open as such).
    pub path: PathBuf,
    /// Set for a folder that could not be opened or listed: the error.
    pub error: Option<String>,
}

fn open_dir<P: rustix::path::Arg, Fd: std::os::fd::AsFd>(
    at: Fd,
    name: P,
    nofollow: bool,
) -> rustix::io::Result<std::os::fd::OwnedFd> {
    let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if nofollow {
        flags |= OFlags::NOFOLLOW;
    }
    openat(at, name, flags, Mode::empty())
}

/// Opens `path` one component at a time, so its length does not matter.
fn open_long(path: &Path) -> rustix::io::Result<std::os::fd::OwnedFd> {
    let mut fd = open_dir(CWD, if path.is_absolute() { "/" } else { "." }, false)?;
    for c in path.components() {
        let name = match c {
            Component::Normal(n) => n,
            Component::ParentDir => "..".as_ref(),
            _ => continue,
        };
        // Links on the way were followed by the walk that reached this folder.
        fd = open_dir(&fd, name, false)?;
    }
    Ok(fd)
}

/// The folders and other entries (files, links) of an open folder, each sorted by
/// name, hidden names left out as in the walk.
fn list(fd: &std::os::fd::OwnedFd) -> rustix::io::Result<(Vec<OsString>, Vec<OsString>)> {
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for entry in Dir::read_from(fd)? {
        let entry = entry?;
        let bytes = entry.file_name().to_bytes();
        if bytes.first() == Some(&b'.') {
            continue;
        }
        let name = OsString::from(std::ffi::OsStr::from_bytes(bytes));
        let mut kind = entry.file_type();
        if kind == FileType::Unknown {
            kind = statat(fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| FileType::from_raw_mode(st.st_mode))
                .unwrap_or(FileType::Unknown);
        }
        if kind == FileType::Directory {
            dirs.push(name);
        } else {
            files.push(name);
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// Every entry below `dir` other than a folder (links are listed, not followed), and
/// every folder that could not be opened with the error, in no particular order.
/// Fails only when `dir` itself cannot be opened or listed.
pub fn below(dir: &Path) -> std::io::Result<Vec<Found>> {
    let mut fd = open_long(dir)?;
    let mut cur = dir.to_path_buf();
    let mut out = Vec::new();
    let (dirs, files) = list(&fd)?;
    out.extend(files.into_iter().map(|f| Found {
        path: cur.join(f),
        error: None,
    }));
    // The folders still to visit at each level, last name first.
    let mut pending: Vec<Vec<OsString>> = vec![dirs.into_iter().rev().collect()];
    while let Some(level) = pending.last_mut() {
        if let Some(name) = level.pop() {
            let entered = open_dir(&fd, name.as_os_str(), true).and_then(|child| {
                let listed = list(&child)?;
                Ok((child, listed))
            });
            match entered {
                Ok((child, (dirs, files))) => {
                    fd = child;
                    cur.push(&name);
                    out.extend(files.into_iter().map(|f| Found {
                        path: cur.join(f),
                        error: None,
                    }));
                    pending.push(dirs.into_iter().rev().collect());
                }
                Err(e) => out.push(Found {
                    path: cur.join(&name),
                    error: Some(std::io::Error::from(e).to_string()),
                }),
            }
        } else {
            pending.pop();
            if pending.is_empty() {
                break;
            }
            // Back up one level: the folder was entered without following a link, so
            // its `..` is the folder it was entered from.
            fd = open_dir(&fd, "..", false)?;
            cur.pop();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_file_below_a_folder_nested_past_the_path_limit() {
        let d = tempfile::tempdir().unwrap();
        let name = "d".repeat(200);
        // 30 levels of 200 bytes: 6,000 bytes, past Linux's 4,096.
        let mut fd = open_dir(CWD, d.path(), false).unwrap();
        let mut expect = Vec::new();
        let mut path = d.path().to_path_buf();
        for i in 0..30 {
            rustix::fs::mkdirat(&fd, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
            for f in [format!("f{i}.txt"), ".hidden".to_string()] {
                let file = openat(
                    &fd,
                    f.as_str(),
                    OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o644),
                )
                .unwrap();
                drop(file);
                if !f.starts_with('.') {
                    expect.push(path.join(&f));
                }
            }
            fd = open_dir(&fd, name.as_str(), false).unwrap();
            path.push(&name);
        }
        let mut found: Vec<PathBuf> = below(d.path())
            .unwrap()
            .into_iter()
            .map(|f| {
                assert!(f.error.is_none(), "{f:?}");
                f.path
            })
            .collect();
        found.sort();
        expect.sort();
        assert_eq!(found, expect);
        let deepest = found.iter().max_by_key(|p| p.as_os_str().len()).unwrap();
        assert!(deepest.as_os_str().len() > 4096);
        // The path itself cannot be opened; the error is recognised.
        let e = std::fs::metadata(deepest).unwrap_err();
        assert!(is_too_long(&e), "{e}");
    }
}
