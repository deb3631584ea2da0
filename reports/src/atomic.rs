//! Atomic file output: write to a temporary name beside the target, then rename, so a reader
//! never sees a half-written file and an error leaves whatever was there before untouched.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// Writes `path` atomically: `fill` writes into a buffered temporary file in the same directory,
/// which is flushed, synced and renamed over `path` only if `fill` succeeds. On any error the
/// temporary file is removed and `path` is unchanged.
pub fn write_atomically<E>(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
) -> Result<(), AtomicWriteError<E>> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| AtomicWriteError::Io(tmp.clone(), e))?;
        let mut w = BufWriter::new(file);
        fill(&mut w).map_err(AtomicWriteError::Fill)?;
        let file = w
            .into_inner()
            .map_err(|e| AtomicWriteError::Io(tmp.clone(), e.into_error()))?;
        file.sync_all()
            .map_err(|e| AtomicWriteError::Io(tmp.clone(), e))?;
        fs::rename(&tmp, path).map_err(|e| AtomicWriteError::Io(path.to_path_buf(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The hidden temporary name beside `path` that atomic and streamed writes use
/// (`.<file>.tmp-<pid>`).
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// An atomic write that failed.
#[derive(Debug, thiserror::Error)]
pub enum AtomicWriteError<E> {
    /// Creating, writing, syncing or renaming a file failed.
    #[error("cannot write {path}", path = .0.display())]
    Io(PathBuf, #[source] io::Error),
    /// The content producer failed.
    #[error("{0}")]
    Fill(E),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn failure_keeps_previous_content_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("dcfs-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.csv");
        fs::write(&target, "old").unwrap();
        let r: Result<(), AtomicWriteError<&str>> = write_atomically(&target, |w| {
            w.write_all(b"partial").unwrap();
            Err("boom")
        });
        assert!(matches!(r, Err(AtomicWriteError::Fill("boom"))));
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        write_atomically::<io::Error>(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        fs::remove_dir_all(&dir).unwrap();
    }
}
