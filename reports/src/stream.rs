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
    parquet: ParquetTableWriter,
}

/// A run's open table files, by table name.
struct Files {
    dir: PathBuf,
    tables: BTreeMap<String, TableFiles>,
}

impl Files {
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
            parquet,
        })
    }

    fn write(&mut self, batch: &Table) -> Result<(), SinkError> {
        // The tests' stand-in for a bug in the writer.
        #[cfg(test)]
        assert!(batch.name != PANIC_TABLE, "the tests' panicking table");
        if !self.tables.contains_key(&batch.name) {
            let files = self.open(batch)?;
            self.tables.insert(batch.name.clone(), files);
        }
        let Some(files) = self.tables.get_mut(&batch.name) else {
            return Err(format!("table {} was not opened", batch.name).into());
        };
        write_csv_rows(&mut files.csv, batch).map_err(|e| with_path(&files.csv_tmp, e))?;
        files.parquet.write_batch(batch)?;
        Ok(())
    }

    /// Completes every file (CSV flushed and synced, Parquet footer written) and renames them
    /// into place; returns the SHA-256 of each CSV by file name. Tables not completed stay
    /// listed, so their temporary files are removed with the rest.
    fn finish(&mut self) -> Result<BTreeMap<String, String>, FileError> {
        let mut hashes = BTreeMap::new();
        while let Some((name, files)) = self.tables.pop_first() {
            let tmp = files.csv_tmp.clone();
            match self.complete(&name, files) {
                Ok(digest) => hashes.insert(format!("{name}.csv"), digest.to_string()),
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(e);
                }
            };
        }
        Ok(hashes)
    }

    fn complete(&self, name: &str, files: TableFiles) -> Result<Digest, FileError> {
        let TableFiles {
            mut csv,
            csv_tmp,
            parquet,
        } = files;
        let csv_path = self.dir.join(format!("{name}.csv"));
        let write_err = |source| FileError::Write {
            path: csv_path.clone(),
            source,
        };
        csv.flush().map_err(write_err)?;
        csv.inner.get_ref().sync_all().map_err(write_err)?;
        parquet.finish().map_err(|e| FileError::Write {
            path: self.dir.join(format!("{name}.parquet")),
            source: io::Error::other(e),
        })?;
        fs::rename(&csv_tmp, &csv_path).map_err(write_err)?;
        Ok(Digest(csv.hasher.finalize().into()))
    }

    /// Removes the temporary files of an unfinished run (Parquet writers remove their own when
    /// dropped unfinished).
    fn remove_temporaries(&self) {
        for files in self.tables.values() {
            let _ = fs::remove_file(&files.csv_tmp);
        }
    }
}

/// A table name `Files::write` panics on in tests.
#[cfg(test)]
const PANIC_TABLE: &str = "panics-in-tests";

/// Batches waiting for the writer thread at most: bounds the memory of a run whose tables are
/// made faster than they are written.
pub const MAX_BATCHES_QUEUED: usize = 4;

/// The writer thread of a [`RunFiles`] and the way to it.
struct Writer {
    batches: std::sync::mpsc::SyncSender<Table>,
    /// Gives the files back when the channel closes, with the error that stopped it if any.
    thread: std::thread::JoinHandle<(Files, Option<SinkError>)>,
}

/// Writes a run's streamed tables into a directory; a [`TableSink`] for
/// [`scenarios::run_streaming`].
///
/// With more than one thread allowed ([`sim_core::threads::run_threads`]) the files are
/// written on a thread of their own, in the order the batches came: CSV formatting and Parquet
/// encoding were a quarter of a consensus run's main thread. The bytes are the same either way.
pub struct RunFiles {
    dir: PathBuf,
    /// The files, when written on the calling thread (or once the writer has stopped).
    inline: Option<Files>,
    writer: Option<Writer>,
    /// A batch could not be written: the files are incomplete and must not be finished.
    failed: bool,
    finished: bool,
}

impl std::fmt::Debug for RunFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunFiles")
            .field("dir", &self.dir)
            .field("threaded", &self.writer.is_some())
            .finish()
    }
}

impl RunFiles {
    /// Streams into `dir` (created if missing), on a writer thread if the run may use more
    /// than one.
    pub fn create(dir: &Path) -> Result<Self, FileError> {
        Self::create_with(dir, sim_core::threads::run_threads() > 1)
    }

    /// As [`RunFiles::create`], with the writer thread or without.
    pub fn create_with(dir: &Path, threaded: bool) -> Result<Self, FileError> {
        fs::create_dir_all(dir).map_err(|source| FileError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = Files {
            dir: dir.to_path_buf(),
            tables: BTreeMap::new(),
        };
        let (inline, writer) = if threaded {
            (None, Some(spawn_writer(files, dir)?))
        } else {
            (Some(files), None)
        };
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            inline,
            writer,
            failed: false,
            finished: false,
        })
    }

    /// Waits for the writer thread (if any) to write everything sent; its error, if it
    /// stopped on one.
    fn join_writer(&mut self) -> Option<SinkError> {
        let w = self.writer.take()?;
        drop(w.batches);
        match w.thread.join() {
            Ok((files, error)) => {
                self.inline = Some(files);
                error
            }
            Err(_) => Some("the table writer thread panicked".into()),
        }
    }

    /// Completes every file (CSV flushed and synced, Parquet footer written) and renames them
    /// into place; returns the SHA-256 of each CSV by file name, as run manifests list them.
    pub fn finish(mut self) -> Result<BTreeMap<String, String>, FileError> {
        let error = self.join_writer().or_else(|| {
            self.failed
                .then(|| "an earlier batch could not be written".into())
        });
        if let Some(e) = error {
            return Err(FileError::Write {
                path: self.dir.clone(),
                source: io::Error::other(e),
            });
        }
        let hashes = match self.inline.as_mut() {
            Some(files) => files.finish()?,
            None => BTreeMap::new(),
        };
        self.finished = true;
        Ok(hashes)
    }
}

fn spawn_writer(mut files: Files, dir: &Path) -> Result<Writer, FileError> {
    let (batches, incoming) = std::sync::mpsc::sync_channel::<Table>(MAX_BATCHES_QUEUED);
    let thread = std::thread::Builder::new()
        .name("dcfs-tables".into())
        .spawn(move || {
            for batch in incoming {
                // A panic here is a bug; it still reaches the run (as a failed join), but the
                // temporary files, whose paths die with this thread, are removed first.
                let written =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| files.write(&batch)));
                match written {
                    Ok(Ok(())) => {}
                    // Dropping the receiver tells the run at its next batch.
                    Ok(Err(e)) => return (files, Some(e)),
                    Err(panic) => {
                        files.remove_temporaries();
                        std::panic::resume_unwind(panic)
                    }
                }
            }
            (files, None)
        })
        .map_err(|source| FileError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    Ok(Writer { batches, thread })
}

fn with_path(path: &Path, e: io::Error) -> SinkError {
    format!("cannot write {}: {e}", path.display()).into()
}

impl TableSink for RunFiles {
    fn write_batch(&mut self, batch: Table) -> Result<(), SinkError> {
        if let Some(w) = &self.writer {
            if w.batches.send(batch).is_ok() {
                return Ok(());
            }
            // The writer stopped: its error is the one to report.
            self.failed = true;
            return Err(self
                .join_writer()
                .unwrap_or_else(|| "the table writer stopped".into()));
        }
        if self.failed {
            return Err("an earlier batch could not be written".into());
        }
        let result = match self.inline.as_mut() {
            Some(files) => files.write(&batch),
            None => Err("the table files are closed".into()),
        };
        self.failed = result.is_err();
        result
    }
}

impl Drop for RunFiles {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.join_writer();
            if let Some(files) = &self.inline {
                files.remove_temporaries();
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
        for threaded in [false, true] {
            let dir = temp_dir(&format!("equal-{threaded}"));
            let mut files = RunFiles::create_with(&dir, threaded).unwrap();
            let mut whole = rows(0, 0);
            for (from, n) in [(0, 0), (0, 3), (3, 1000), (1003, 5)] {
                files.write_batch(rows(from, n)).unwrap();
                assert!(whole.append(rows(from, n)));
            }
            // Nothing is visible before finish.
            assert!(!dir.join("blocks.csv").exists());
            assert!(!dir.join("blocks.parquet").exists());
            let hashes = files.finish().unwrap();
            let mut expected = Vec::new();
            crate::csv::write_table_csv(&mut expected, &whole).unwrap();
            let written = fs::read(dir.join("blocks.csv")).unwrap();
            assert_eq!(written, expected, "threaded: {threaded}");
            assert_eq!(
                hashes["blocks.csv"],
                Digest::of_bytes(&expected).to_string()
            );
            let back =
                crate::frame::read_parquet_table(&dir.join("blocks.parquet"), "blocks").unwrap();
            assert_eq!(back, whole);
            assert_eq!(
                fs::read_dir(&dir).unwrap().count(),
                2,
                "no temporary files left"
            );
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    /// Runs `run` on `RunFiles` written inline and/or on a thread (`modes`) over a directory
    /// holding an earlier `blocks.csv`, which must be all that is left afterwards.
    fn leaves_earlier_output(tag: &str, modes: &[bool], run: impl Fn(RunFiles, bool)) {
        for &threaded in modes {
            let dir = temp_dir(&format!("{tag}-{threaded}"));
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("blocks.csv"), "old").unwrap();
            run(RunFiles::create_with(&dir, threaded).unwrap(), threaded);
            assert_eq!(fs::read_to_string(dir.join("blocks.csv")).unwrap(), "old");
            assert_eq!(
                fs::read_dir(&dir).unwrap().count(),
                1,
                "threaded: {threaded}"
            );
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn an_unfinished_run_leaves_earlier_files_and_no_temporaries() {
        leaves_earlier_output("drop", &[false, true], |mut files, _| {
            files.write_batch(rows(0, 10)).unwrap();
        });
    }

    /// A panic in the writer thread (a bug) fails the run without leaving temporary files.
    #[test]
    fn a_writer_panic_leaves_no_temporaries() {
        // Threaded only: inline, the panic would be the test's own.
        leaves_earlier_output("panic", &[true], |mut files, _| {
            files.write_batch(rows(0, 10)).unwrap();
            let mut failed = files.write_batch(Table::new(PANIC_TABLE)).is_err();
            for from in 10..20 {
                failed |= files.write_batch(rows(from, 1)).is_err();
            }
            failed |= files.finish().is_err();
            assert!(failed);
        });
    }

    /// A batch the writer thread cannot write fails the run (at a later batch or at finish,
    /// as it is written after it was handed over) and leaves earlier outputs as they were.
    #[test]
    fn a_writer_error_reaches_the_run() {
        leaves_earlier_output("error", &[false, true], |mut files, threaded| {
            files.write_batch(rows(0, 10)).unwrap();
            let mut other = Table::new("blocks");
            other.push("height", ColumnData::Str(vec!["x".into()]));
            let mut failed = files.write_batch(other).is_err();
            for from in 10..20 {
                failed |= files.write_batch(rows(from, 1)).is_err();
            }
            failed |= files.finish().is_err();
            assert!(failed, "threaded: {threaded}");
        });
    }
}
