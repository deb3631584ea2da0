//! The bottom layer of a run or sweep directory: file names, manifests and where runs go.
//! Writers (`output`, `stream`) and renderers (`report`) both build on it, so neither imports
//! the other for a name.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use scenarios::RawScenario;
use serde::{Deserialize, Serialize};
use sim_core::Digest;

/// Program name and version recorded in manifests.
pub const PROGRAM: &str = concat!("dcfs-sim ", env!("CARGO_PKG_VERSION"));
/// Manifest file name.
pub const MANIFEST: &str = "manifest.json";
/// Sweep summary file name.
pub const SUMMARY: &str = "summary.csv";
/// The report page of a run or sweep directory.
pub const INDEX: &str = "index.html";
/// The folder of rendered charts.
pub const CHARTS: &str = "charts";
/// The sweep's per-day quantile table (file stem).
pub const QUANTILES: &str = "daily_quantiles";
/// A sweep directory's identity, written before any run is computed.
pub const SWEEP_IDENTITY: &str = "sweep.json";
/// The folder of a sweep's runs.
pub const RUNS: &str = "runs";

/// A file of a run or sweep directory could not be read or written, or is not ours.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A manifest is not what this program writes.
    #[error("{}: not a dcfs-sim manifest: {message}", path.display())]
    BadManifest {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file's content is not what its manifest recorded (truncated, edited or replaced).
    #[error(
        "{}: its SHA-256 is {found}, but {} recorded {expected}",
        path.display(),
        manifest.display()
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The manifest that lists it.
        manifest: PathBuf,
        /// The hash the manifest holds.
        expected: String,
        /// The hash of the file on disk.
        found: String,
    },
    /// A file a manifest lists is gone.
    #[error("{}: missing, but {} lists it", path.display(), manifest.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// The manifest that lists it.
        manifest: PathBuf,
    },
    /// A directory is not one this command may write into.
    #[error("{}: {message}", path.display())]
    NotOurs {
        /// The directory.
        path: PathBuf,
        /// What it holds and what to do.
        message: String,
    },
}

impl FileError {
    /// `path` holds something this command may not write into, or is not what it needs.
    pub fn not_ours(path: &Path, message: impl Into<String>) -> Self {
        FileError::NotOurs {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// The identity of a scenario: the digest of its resolved form as canonical JSON.
pub fn scenario_digest(resolved: &RawScenario) -> Digest {
    Digest::of_bytes(
        serde_json::to_string(resolved)
            .unwrap_or_default()
            .as_bytes(),
    )
}

/// What a run directory's `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    /// Program and version that wrote it.
    pub program: String,
    /// The scenario file's name (no directory, so shards on different machines agree).
    pub scenario_file: String,
    /// Identity of the whole sweep (the resolved base scenario with its `[sweep]`).
    pub sweep_id: String,
    /// Number of runs in the whole sweep (1 for a single run).
    pub sweep_runs: u64,
    /// Run index within the sweep (0 for a single run).
    pub run_index: u64,
    /// Parameter point index.
    pub point_index: u64,
    /// The run's seed.
    pub seed: u64,
    /// Swept parameters of this run (path → TOML value).
    pub overrides: BTreeMap<String, String>,
    /// Identity of this run's resolved scenario.
    pub scenario_digest: String,
    /// The resolved scenario (every default filled in).
    pub scenario: serde_json::Value,
    /// SHA-256 of each written table file.
    pub files: BTreeMap<String, String>,
    /// Digest of the run's outputs (format independent).
    pub digest: String,
    /// Each output table's name, rows and digest, in the order the run digest takes them
    /// (empty in manifests written before streaming outputs).
    #[serde(default)]
    pub tables: Vec<TableDigestEntry>,
    /// The run's summary row: column → exact value.
    pub summary: Vec<(String, String)>,
    /// SHA-256 of this manifest's canonical JSON with `seal` empty: an edited manifest (a
    /// summary value, a file hash) no longer matches it ([`Sealed`]).
    pub seal: String,
}

/// A manifest that carries a SHA-256 of its own canonical JSON (taken with the seal empty), so
/// that an edit to any value shows.
pub trait Sealed: Serialize + Clone {
    /// The seal field.
    fn seal_field(&mut self) -> &mut String;

    /// The manifest with its seal computed.
    fn sealed(mut self) -> Self {
        *self.seal_field() = String::new();
        let seal = seal_of(&self);
        *self.seal_field() = seal;
        self
    }

    /// True if the seal matches the rest of the manifest.
    fn seal_holds(&self) -> bool {
        let mut unsealed = self.clone();
        let recorded = std::mem::take(unsealed.seal_field());
        seal_of(&unsealed) == recorded
    }
}

impl Sealed for RunManifest {
    fn seal_field(&mut self) -> &mut String {
        &mut self.seal
    }
}

fn seal_of<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings, integers and maps cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    Digest::of_bytes(text.as_bytes()).to_string()
}

/// One output table in a run manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDigestEntry {
    /// Table name (file stem).
    pub name: String,
    /// Rows.
    pub rows: u64,
    /// The table's digest (`scenarios::TableDigest` layout).
    pub digest: String,
}

/// What a sweep directory's top-level `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepManifest {
    /// Program and version.
    pub program: String,
    /// Scenario file name.
    pub scenario_file: String,
    /// Sweep identity.
    pub sweep_id: String,
    /// Number of runs.
    pub runs: u64,
    /// Swept parameter paths.
    pub parameters: Vec<String>,
    /// Digest over every run's index and output digest (which covers its tables and summary),
    /// in index order.
    pub digest: String,
    /// SHA-256 of each file of the sweep's top level (summary, quantiles, charts, index.html,
    /// the identity), by path relative to the sweep directory; each run's files are in its own
    /// manifest.
    pub files: BTreeMap<String, String>,
    /// Summary columns whose sensitivity indices the report shows (a sampled sweep's
    /// `metrics`, and those `dcfs-sim sensitivity` added).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitivity: Vec<String>,
    /// As [`RunManifest::seal`].
    pub seal: String,
}

impl Sealed for SweepManifest {
    fn seal_field(&mut self) -> &mut String {
        &mut self.seal
    }
}

/// What a sweep directory is for, recorded in `sweep.json` before its first run is computed:
/// a sweep directory holds runs of this sweep and this program only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepIdentity {
    /// Program and version.
    pub program: String,
    /// Scenario file name.
    pub scenario_file: String,
    /// Sweep identity (digest of the resolved base scenario with its `[sweep]`).
    pub sweep_id: String,
    /// Number of runs.
    pub runs: u64,
    /// The sampled design the points come from (`[sweep.sample]` and the seed it is drawn
    /// from), so `dcfs-sim sensitivity` can tell each point's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignRecord>,
}

/// A sampled sweep's design as `sweep.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignRecord {
    /// `[sweep.sample]` as resolved.
    pub sample: scenarios::format::RawSample,
    /// The seed it is drawn from (`run.seed`).
    pub seed: u64,
}

impl DesignRecord {
    /// The design, or why the record is not one this program draws.
    pub fn design(&self) -> Result<scenarios::sample::Design, String> {
        scenarios::sample::Design::new(&self.sample, self.seed).map_err(|i| i.message)
    }
}

/// Most bytes of a manifest or identity file read (a manifest holds the resolved scenario, at
/// most 16 MiB, and a hash per file).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Reads a JSON file of ours; `Ok(None)` if it does not exist.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, FileError> {
    let read_err = |source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(read_err(source)),
    };
    let mut text = String::new();
    io::Read::read_to_string(&mut io::Read::take(file, MAX_MANIFEST_BYTES + 1), &mut text)
        .map_err(read_err)?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(FileError::BadManifest {
            path: path.to_path_buf(),
            message: format!("too large: more than {MAX_MANIFEST_BYTES} bytes"),
        });
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| FileError::BadManifest {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Reads a run manifest; `Ok(None)` if there is none yet (an unfinished or never started run).
pub fn read_run_manifest(dir: &Path) -> Result<Option<RunManifest>, FileError> {
    read_json(&dir.join(MANIFEST))
}

/// The directory of run `index` inside a sweep directory: `runs/run_index=<index>/`, hive-style,
/// so `runs/*/daily.parquet` read as one dataset (polars `hive_partitioning=True`, DuckDB by
/// default) has a `run_index` column to join the sweep's `summary` on.
pub fn run_dir(sweep_dir: &Path, index: u64) -> PathBuf {
    sweep_dir.join(RUNS).join(run_dir_name(index))
}

/// The folder name of run `index` (`run_index=<index>`).
pub fn run_dir_name(index: u64) -> String {
    format!("run_index={index}")
}

/// What a directory's manifest says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// A run directory.
    Run(Box<RunManifest>),
    /// A finished sweep directory.
    Sweep(Box<SweepManifest>),
}

/// Reads `dir/manifest.json` as a run or a sweep manifest; `Ok(None)` if there is none.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, FileError> {
    let path = dir.join(MANIFEST);
    let Some(value) = read_json::<serde_json::Value>(&path)? else {
        return Ok(None);
    };
    let bad = |e: serde_json::Error| FileError::BadManifest {
        path: path.clone(),
        message: e.to_string(),
    };
    // A sweep manifest is told apart by its `runs` count, which a run manifest lacks.
    if value.get("runs").is_some() {
        let m = serde_json::from_value(value).map_err(bad)?;
        Ok(Some(Manifest::Sweep(Box::new(m))))
    } else {
        let m = serde_json::from_value(value).map_err(bad)?;
        Ok(Some(Manifest::Run(Box::new(m))))
    }
}
