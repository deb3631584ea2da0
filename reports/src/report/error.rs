//! Report errors and the two file helpers every renderer uses.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::atomic::{AtomicWriteError, write_atomically};
use crate::chart::ChartError;
use crate::frame::FrameError;
use crate::quantile::QuantileError;

/// A report problem.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A frame could not be built, written or read.
    #[error("{}: {source}", path.display())]
    Frame {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: FrameError,
    },
    /// A chart could not be rendered.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// Quantiles could not be computed.
    #[error(transparent)]
    Quantile(#[from] QuantileError),
    /// The directory is not a run or sweep written by this program, or a file in it is malformed.
    #[error("{}: {message}", path.display())]
    Bad {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

pub(super) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomically(path, |w| w.write_all(bytes)).map_err(|e| match e {
        AtomicWriteError::Io(path, source) => ReportError::Io { path, source },
        AtomicWriteError::Fill(source) => ReportError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

pub(super) fn mkdir(dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })
}
