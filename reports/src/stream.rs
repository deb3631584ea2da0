//! The files of a run's streamed tables, written while the run goes: `<table>.csv` (the exact
//! record, hashed as it is written) and `<table>.parquet` (one or more row groups per batch).
//!
//! Both live under temporary names (`.<file>.tmp-<pid>`) until [`RunFiles::finish`] renames
//! them into place, so an interrupted or failed run leaves earlier outputs untouched; dropping
//! an unfinished [`RunFiles`] removes its temporary files.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use scenarios::{SinkError, Table, TableSink};
use sha2::{Digest as _, Sha256};
use sim_core::Digest;

use crate::atomic::temp_path;
use crate::csv::{write_csv_header, write_csv_rows};
use crate::frame::ParquetTableWriter;
use crate::layout::FileError;

/// Most streamed tables one run may open.
pub const MAX_STREAMED_TABLES: usize = 64;

/// A writer that hashes every byte it passes on.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The two files of one streamed table.
struct TableFiles {
    csv: Hashing<BufWriter<File>>,
    csv_tmp: PathBuf,
    parquet: Option<ParquetTableWriter>,
}

/// Writes a run's streamed tables into a directory; a [`TableSink`] for
/// [`scenarios::run_streaming`].
pub struct RunFiles {
    dir: PathBuf,
    tables: BTreeMap<String, TableFiles>,
    finished: bool,
}

impl std::fmt::Debug for RunFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunFiles")
            .field("dir", &self.dir)
            .field("tables", &self.tables.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RunFiles {
    /// Streams into `dir` (created if missing).
    pub fn create(dir: &Path) -> Result<Self, FileError> {
        fs::create_dir_all(dir).map_err(|source| FileError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            tables: BTreeMap::new(),
            finished: false,
        })
    }

    fn open(&mut self, first: &Table) -> Result<TableFiles, SinkError> {
        if self.tables.len() >= MAX_STREAMED_TABLES {
            return Err(format!("more than {MAX_STREAMED_TABLES} streamed tables").into());
        }
        let csv_path = self.dir.join(format!("{}.csv", first.name));
        let csv_tmp = temp_path(&csv_path);
        let file = File::create(&csv_tmp).map_err(|e| with_path(&csv_tmp, e))?;
        let mut csv = Hashing {
            inner: BufWriter::new(file),
            hasher: Sha256::new(),
        };
        write_csv_header(&mut csv, first).map_err(|e| with_path(&csv_tmp, e))?;
        let pq_path = self.dir.join(format!("{}.parquet", first.name));
        let parquet = ParquetTableWriter::create(&pq_path, &first.empty_like())?;
        Ok(TableFiles {
            csv,
            csv_tmp,
            parquet: Some(parquet),
        })
    }

    /// Completes every file (CSV flushed and synced, Parquet footer written) and renames them
    /// into place; returns the SHA-256 of each CSV by file name, as run manifests list them.
    pub fn finish(mut self) -> Result<BTreeMap<String, String>, FileError> {
        let mut hashes = BTreeMap::new();
        let tables = std::mem::take(&mut self.tables);
        for (name, mut files) in tables {
            let csv_path = self.dir.join(format!("{name}.csv"));
            let write_err = |source| FileError::Write {
                path: csv_path.clone(),
                source,
            };
            files.csv.flush().map_err(write_err)?;
            let digest = Digest(files.csv.hasher.finalize().into());
            let file = files
                .csv
                .inner
                .into_inner()
                .map_err(|e| write_err(e.into_error()))?;
            file.sync_all().map_err(write_err)?;
            if let Some(pq) = files.parquet.take() {
                pq.finish().map_err(|e| FileError::Write {
                    path: self.dir.join(format!("{name}.parquet")),
                    source: io::Error::other(e),
                })?;
            }
            fs::rename(&files.csv_tmp, &csv_path).map_err(write_err)?;
            hashes.insert(format!("{name}.csv"), digest.to_string());
        }
        self.finished = true;
        Ok(hashes)
    }
}

fn with_path(path: &Path, e: io::Error) -> SinkError {
    format!("cannot write {}: {e}", path.display()).into()
}

impl TableSink for RunFiles {
    fn write_batch(&mut self, batch: &Table) -> Result<(), SinkError> {
        if !self.tables.contains_key(&batch.name) {
            let files = self.open(batch)?;
            self.tables.insert(batch.name.clone(), files);
        }
        let Some(files) = self.tables.get_mut(&batch.name) else {
            return Err(format!("table {} was not opened", batch.name).into());
        };
        let tmp = files.csv_tmp.clone();
        write_csv_rows(&mut files.csv, batch).map_err(|e| with_path(&tmp, e))?;
        if let Some(pq) = files.parquet.as_mut() {
            pq.write_batch(batch)?;
        }
        Ok(())
    }
}

impl Drop for RunFiles {
    fn drop(&mut self) {
        if !self.finished {
            // Parquet writers remove their own temporary files when dropped unfinished.
            for files in self.tables.values() {
                let _ = fs::remove_file(&files.csv_tmp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scenarios::ColumnData;

    fn rows(from: u64, n: u64) -> Table {
        let mut t = Table::new("blocks");
        t.push("height", ColumnData::U64((from..from + n).collect()));
        t.push(
            "stake_wei",
            ColumnData::U128((from..from + n).map(|x| u128::from(x) << 80).collect()),
        );
        t.push(
            "note",
            ColumnData::Str((from..from + n).map(|x| format!("a,{x}")).collect()),
        );
        t
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dcfs-runfiles-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn streamed_files_equal_whole_table_files() {
        let dir = temp_dir("equal");
        let mut files = RunFiles::create(&dir).unwrap();
        let mut whole = rows(0, 0);
        for (from, n) in [(0, 0), (0, 3), (3, 1000)] {
            files.write_batch(&rows(from, n)).unwrap();
            assert!(whole.append(rows(from, n)));
        }
        // Nothing is visible before finish.
        assert!(!dir.join("blocks.csv").exists());
        assert!(!dir.join("blocks.parquet").exists());
        let hashes = files.finish().unwrap();
        let mut expected = Vec::new();
        crate::csv::write_table_csv(&mut expected, &whole).unwrap();
        let written = fs::read(dir.join("blocks.csv")).unwrap();
        assert_eq!(written, expected);
        assert_eq!(
            hashes["blocks.csv"],
            Digest::of_bytes(&expected).to_string()
        );
        let back = crate::frame::read_parquet_table(&dir.join("blocks.parquet"), "blocks").unwrap();
        assert_eq!(back, whole);
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            2,
            "no temporary files left"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unfinished_run_leaves_earlier_files_and_no_temporaries() {
        let dir = temp_dir("drop");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("blocks.csv"), "old").unwrap();
        {
            let mut files = RunFiles::create(&dir).unwrap();
            files.write_batch(&rows(0, 10)).unwrap();
        }
        assert_eq!(fs::read_to_string(dir.join("blocks.csv")).unwrap(), "old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
