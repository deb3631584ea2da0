//! Whether a directory holds what its manifest says: every file it owns hashed (SHA-256) when it
//! is written, and re-hashed before anything trusts it (resume, merge, report).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use sim_core::Digest;

use crate::layout::{FileError, MANIFEST, RunManifest, Sealed, SweepManifest};

/// Most files one directory level may hold before we refuse to hash it (a run writes a few
/// dozen; a sweep's top level a few hundred charts).
pub const MAX_DIR_ENTRIES: usize = 100_000;

/// The SHA-256 of a file's content, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, FileError> {
    let read_err = |source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(Digest(hasher.finalize().into()).to_string())
}

/// Every file under `dir` except `manifest.json` at its top, hidden names (temporaries) and the
/// top-level entries `skip` names, by path relative to `dir` ('/'-separated), with its SHA-256.
pub fn hash_tree(dir: &Path, skip: &[&str]) -> Result<BTreeMap<String, String>, FileError> {
    let mut out = BTreeMap::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        for (name, entry) in list_dir(&path)? {
            let top = prefix.is_empty();
            if name.starts_with('.') || (top && (name == MANIFEST || skip.contains(&&*name))) {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if entry.is_dir() {
                pending.push((entry, format!("{rel}/")));
            } else {
                out.insert(rel, sha256_file(&entry)?);
            }
        }
    }
    Ok(out)
}

/// The entries of `dir` by name, sorted.
pub fn list_dir(dir: &Path) -> Result<Vec<(String, PathBuf)>, FileError> {
    let read_err = |source| FileError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        if entries.len() >= MAX_DIR_ENTRIES {
            return Err(read_err(io::Error::other(format!(
                "more than {MAX_DIR_ENTRIES} entries"
            ))));
        }
        entries.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ));
    }
    entries.sort();
    Ok(entries)
}

/// Checks that each file of `files` under `dir` exists and has its recorded hash.
pub fn verify_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), FileError> {
    let manifest = dir.join(MANIFEST);
    for (rel, expected) in files {
        let path = dir.join(rel);
        if !path.is_file() {
            return Err(FileError::Missing { path, manifest });
        }
        let found = sha256_file(&path)?;
        if &found != expected {
            return Err(FileError::Mismatch {
                path,
                manifest,
                expected: expected.clone(),
                found,
            });
        }
    }
    Ok(())
}

fn edited(dir: &Path) -> FileError {
    FileError::BadManifest {
        path: dir.join(MANIFEST),
        message: "its seal does not match its content (edited or damaged); recompute the run"
            .to_owned(),
    }
}

/// Checks a run directory against its manifest: the seal, then every file it lists.
pub fn verify_run(dir: &Path, m: &RunManifest) -> Result<(), FileError> {
    verify_sealed(dir, m, &m.files)
}

/// Checks a sweep directory's top level against its manifest (each run has its own).
pub fn verify_sweep_top(dir: &Path, m: &SweepManifest) -> Result<(), FileError> {
    verify_sealed(dir, m, &m.files)
}

fn verify_sealed(
    dir: &Path,
    m: &impl Sealed,
    files: &BTreeMap<String, String>,
) -> Result<(), FileError> {
    if !m.seal_holds() {
        return Err(edited(dir));
    }
    verify_files(dir, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_missing_file_is_named() {
        let dir = std::env::temp_dir().join(format!("dcfs-integrity-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("charts")).unwrap();
        fs::write(dir.join("a.csv"), "x\n1\n").unwrap();
        fs::write(dir.join("charts/c.svg"), "<svg/>").unwrap();
        fs::write(dir.join(".a.csv.tmp-1"), "junk").unwrap();
        fs::write(dir.join(MANIFEST), "{}").unwrap();
        let files = hash_tree(&dir, &[]).unwrap();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["a.csv", "charts/c.svg"],
            "temporaries and the manifest are not owned files"
        );
        verify_files(&dir, &files).unwrap();
        fs::write(dir.join("a.csv"), "x\n1").unwrap();
        let e = verify_files(&dir, &files).unwrap_err();
        assert!(matches!(e, FileError::Mismatch { .. }), "{e}");
        assert!(e.to_string().contains("a.csv"), "{e}");
        fs::remove_file(dir.join("a.csv")).unwrap();
        let e = verify_files(&dir, &files).unwrap_err();
        assert!(matches!(e, FileError::Missing { .. }), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
