//! Directories replaced as a whole: a run is written into a hidden sibling and renamed into place
//! only when every file (tables, charts, index.html, manifest) is there, so a reader sees the old
//! directory or the new one, never a mixture.
//!
//! Names beside a target `X`: `.X.staging-<pid>` (being written), `.X.old-<pid>` (the previous
//! `X`, for the instant between the two renames of [`StagedDir::commit`]), and `.X.tmp-<pid>`
//! (one file being written, [`crate::atomic`]). A process killed with SIGKILL leaves them;
//! [`clean_leftovers`] removes those of dead processes at the next start, and puts a `.X.old-*`
//! back if a kill fell between the two renames.

use std::fs;
use std::path::{Path, PathBuf};

use crate::integrity::list_dir;
use crate::layout::FileError;

/// The kinds of hidden names this program leaves beside a target while it writes.
const LEFTOVER_KINDS: [&str; 3] = ["staging", "old", "tmp"];

/// A directory being written under a hidden sibling name, renamed over its target by
/// [`StagedDir::commit`]; dropped uncommitted, it is removed and the target is untouched.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    /// False for an adopted directory, which outlives a failed commit.
    remove_on_drop: bool,
}

impl StagedDir {
    /// Starts replacing `target`: clears what killed attempts left beside it and creates an
    /// empty staging directory.
    pub fn begin(target: &Path) -> Result<Self, FileError> {
        let (parent, name) = split(target)?;
        create_dir(&parent)?;
        clean_leftovers(&parent, Some(&name))?;
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            remove(&staging)?;
        }
        create_dir(&staging)?;
        Ok(StagedDir {
            target: parent.join(name),
            staging,
            committed: false,
            remove_on_drop: true,
        })
    }

    /// Stages an existing, finished directory `from` (a sibling of `target`) to replace
    /// `target`; kept if the commit fails.
    pub fn adopt(target: &Path, from: &Path) -> Result<Self, FileError> {
        let (parent, name) = split(target)?;
        clean_leftovers(&parent, Some(&name))?;
        Ok(StagedDir {
            target: parent.join(name),
            staging: from.to_path_buf(),
            committed: false,
            remove_on_drop: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The directory it will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the staging directory in place of the target; the previous target is removed.
    pub fn commit(mut self) -> Result<(), FileError> {
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            file_name(&self.target),
            std::process::id()
        ));
        let had_target = self.target.exists();
        if had_target {
            rename(&self.target, &old)?;
        }
        if let Err(e) = rename(&self.staging, &self.target) {
            if had_target {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.committed = true;
        sync_parent(&self.target);
        if had_target {
            // A failure here only leaves a hidden leftover, removed at the next start.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed && self.remove_on_drop {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes, in `dir`, the hidden staging directories, previous directories and temporary files
/// that processes no longer running left beside `only` (or beside any target); a previous
/// directory whose target is gone is put back.
///
/// Shards writing one shared directory from several machines each clean only their own runs'
/// names: a process on another machine looks dead from here.
pub fn clean_leftovers(dir: &Path, only: Option<&str>) -> Result<(), FileError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for (name, path) in list_dir(dir)? {
        let Some((target, kind, pid)) = parse_leftover(&name) else {
            continue;
        };
        if only.is_some_and(|o| o != target) || pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let target = dir.join(target);
        if kind == "old" && !target.exists() {
            rename(&path, &target)?;
        } else {
            remove(&path)?;
        }
    }
    Ok(())
}

/// `.<target>.<kind>-<pid>` → (target, kind, pid).
fn parse_leftover(name: &str) -> Option<(&str, &str, u32)> {
    let rest = name.strip_prefix('.')?;
    let (head, pid) = rest.rsplit_once('-')?;
    let (target, kind) = head.rsplit_once('.')?;
    let pid = pid.parse().ok()?;
    (!target.is_empty() && LEFTOVER_KINDS.contains(&kind)).then_some((target, kind, pid))
}

/// True if a process with this id runs on this machine (where `/proc` tells; elsewhere every
/// leftover counts as dead, which is safe while one process writes one target).
fn process_alive(pid: u32) -> bool {
    Path::new("/proc/self").exists() && Path::new(&format!("/proc/{pid}")).exists()
}

/// Hard-links `from` to `to` (records are never modified in place, so sharing is safe), or
/// copies it where links are not possible (another file system).
pub fn link_or_copy(from: &Path, to: &Path) -> Result<(), FileError> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)
        .map(drop)
        .map_err(|source| FileError::Write {
            path: to.to_path_buf(),
            source,
        })
}

/// `target` as (absolute parent, file name); refused for the root.
pub(crate) fn split(target: &Path) -> Result<(PathBuf, String), FileError> {
    let absolute = if target.exists() {
        fs::canonicalize(target).map_err(|source| FileError::Read {
            path: target.to_path_buf(),
            source,
        })?
    } else {
        std::path::absolute(target).map_err(|source| FileError::Read {
            path: target.to_path_buf(),
            source,
        })?
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => Ok((parent.to_path_buf(), name.to_string_lossy().into())),
        _ => Err(FileError::not_ours(
            target,
            "an output directory must have a parent (not the root)",
        )),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), FileError> {
    fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn rename(from: &Path, to: &Path) -> Result<(), FileError> {
    fs::rename(from, to).map_err(|source| FileError::Write {
        path: to.to_path_buf(),
        source,
    })
}

pub(crate) fn remove(path: &Path) -> Result<(), FileError> {
    let result = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    result.map_err(|source| FileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Makes the renames in a directory durable (best effort: not every file system can).
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent()
        && let Ok(dir) = fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dcfs-staging-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn commit_replaces_the_whole_directory() {
        let root = temp("commit");
        let target = root.join("out");
        fs::create_dir_all(target.join("charts")).unwrap();
        fs::write(target.join("nodes.csv"), "stale").unwrap();
        let staged = StagedDir::begin(&target).unwrap();
        fs::write(staged.path().join("daily.csv"), "new").unwrap();
        assert!(target.join("nodes.csv").exists(), "untouched until commit");
        staged.commit().unwrap();
        assert_eq!(list_dir(&target).unwrap().len(), 1, "no stale files");
        assert_eq!(list_dir(&root).unwrap().len(), 1, "no leftovers");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_uncommitted_stage_leaves_the_target_alone() {
        let root = temp("drop");
        let target = root.join("out");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("daily.csv"), "old").unwrap();
        {
            let staged = StagedDir::begin(&target).unwrap();
            fs::write(staged.path().join("daily.csv"), "half").unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("daily.csv")).unwrap(), "old");
        assert_eq!(list_dir(&root).unwrap().len(), 1);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn leftovers_of_dead_processes_are_cleared_and_a_lost_target_restored() {
        let root = temp("leftovers");
        // A pid far above any pid_max, so never alive.
        let dead = 4_000_000_000_u32;
        fs::create_dir_all(root.join(format!(".out.staging-{dead}"))).unwrap();
        fs::write(root.join(format!(".summary.csv.tmp-{dead}")), "x").unwrap();
        fs::create_dir_all(root.join(format!(".run.old-{dead}"))).unwrap();
        fs::write(root.join(format!(".run.old-{dead}/a")), "kept").unwrap();
        fs::write(root.join(".hidden-by-user"), "mine").unwrap();
        clean_leftovers(&root, None).unwrap();
        let names: Vec<String> = list_dir(&root).unwrap().into_iter().map(|e| e.0).collect();
        assert_eq!(names, [".hidden-by-user", "run"]);
        assert_eq!(fs::read_to_string(root.join("run/a")).unwrap(), "kept");
        fs::remove_dir_all(&root).unwrap();
    }
}
