//! Run directories: a run's tables (CSV, the exact record, and Parquet), its charts and
//! `index.html` (a standalone run), and its sealed manifest listing every file with its SHA-256,
//! all written into a staging sibling that replaces the directory as a whole at the end.
//!
//! A run directory belongs to one run: `run` replaces an earlier run's directory, and refuses
//! one that holds a sweep or files that are not ours. Sweep directories are in [`crate::merge`].

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use scenarios::{Loaded, RunOutput, RunSpec};
use serde::Serialize;
use sim_core::Digest;

use crate::atomic::{AtomicWriteError, write_atomically};
use crate::csv::write_table_csv;
use crate::integrity::{hash_tree, list_dir, sha256_file, verify_run};
use crate::layout::{CHARTS, INDEX, SWEEP_IDENTITY, Sealed};
pub use crate::layout::{
    FileError, MANIFEST, Manifest, PROGRAM, RunManifest, SUMMARY, SweepManifest, TableDigestEntry,
    read_manifest, read_run_manifest, run_dir, scenario_digest,
};
use crate::staging::{StagedDir, create_dir, link_or_copy};

/// An output problem.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be read or written, does not match its manifest, or is not ours.
    #[error(transparent)]
    File(#[from] FileError),
    /// Shards or runs that do not belong together, or are missing.
    #[error("{0}")]
    Merge(String),
    /// Parquet frames could not be written.
    #[error(transparent)]
    Frame(#[from] crate::frame::FrameError),
    /// Charts or the HTML report could not be written.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}

pub(crate) fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), OutputError> {
    write_atomically(path, fill).map_err(|e| {
        OutputError::from(match e {
            AtomicWriteError::Io(path, source) => FileError::Write { path, source },
            AtomicWriteError::Fill(source) => FileError::Write {
                path: path.to_path_buf(),
                source,
            },
        })
    })
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| FileError::Write {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    })?;
    text.push('\n');
    write_file(path, |w| w.write_all(text.as_bytes()))
}

/// Where a run belongs.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// Scenario file name.
    pub scenario_file: &'a str,
    /// Sweep identity.
    pub sweep_id: &'a Digest,
    /// Number of runs in the sweep.
    pub sweep_runs: u64,
    /// The run.
    pub spec: &'a RunSpec,
    /// Its validated scenario.
    pub loaded: &'a Loaded,
}

/// Starts writing a standalone run into `target`, which must be missing, empty, or an earlier
/// run's directory (replaced as a whole when [`write_run`] finishes). Nothing in `target`
/// changes before then.
pub fn begin_run(target: &Path) -> Result<StagedDir, OutputError> {
    if target.exists() {
        check_run_target(target)?;
    }
    Ok(StagedDir::begin(target)?)
}

fn check_run_target(target: &Path) -> Result<(), FileError> {
    let not_ours = |message: &str| FileError::not_ours(target, message);
    if !target.is_dir() {
        return Err(not_ours(
            "exists and is not a directory; choose another --out",
        ));
    }
    if target.join(SWEEP_IDENTITY).exists() {
        return Err(not_ours(
            "holds a sweep; a run never goes into a sweep directory: choose another --out",
        ));
    }
    match read_manifest(target) {
        Ok(Some(Manifest::Run(_))) => Ok(()),
        Ok(Some(Manifest::Sweep(_))) => Err(not_ours(
            "holds a sweep; a run never goes into a sweep directory: choose another --out",
        )),
        Ok(None) if list_dir(target)?.iter().all(|(n, _)| n.starts_with('.')) => Ok(()),
        Ok(None) | Err(FileError::BadManifest { .. }) => Err(not_ours(
            "is not empty and holds no dcfs-sim run (no readable manifest.json); \
             choose another --out, or empty it",
        )),
        Err(e) => Err(e),
    }
}

/// Writes a run into `staged` — the tables it kept in memory (CSV and Parquet; `streamed` lists
/// the CSV hashes of those it streamed there, [`crate::stream::RunFiles::finish`]), for a
/// standalone run its charts and `index.html`, and last its sealed manifest — then puts the
/// directory in place of its target.
pub fn write_run(
    staged: StagedDir,
    ctx: RunContext<'_>,
    output: &RunOutput,
    streamed: BTreeMap<String, String>,
) -> Result<RunManifest, OutputError> {
    let dir = staged.path();
    if let Some(e) = output
        .entries
        .iter()
        .find(|e| e.streamed && !streamed.contains_key(&format!("{}.csv", e.name)))
    {
        return Err(OutputError::Merge(format!(
            "table {} was streamed but its file is missing",
            e.name
        )));
    }
    let mut files = streamed;
    // The run's summary is written as a one-row table too, beside the tables it sums up.
    let written: Vec<&scenarios::Table> = output.tables.iter().chain([&output.summary]).collect();
    for table in written.iter().copied() {
        let name = format!("{}.csv", table.name);
        let mut bytes = Vec::new();
        write_table_csv(&mut bytes, table).map_err(|source| FileError::Write {
            path: dir.join(&name),
            source,
        })?;
        write_file(&dir.join(&name), |w| w.write_all(&bytes))?;
        files.insert(name, Digest::of_bytes(&bytes).to_string());
    }
    crate::frame::write_frames(dir, &output.tables)?;
    crate::frame::write_frames(dir, std::slice::from_ref(&output.summary))?;
    let stems = output.entries.iter().map(|e| e.name.as_str());
    for stem in stems.chain([output.summary.name.as_str()]) {
        let name = format!("{stem}.parquet");
        let path = dir.join(&name);
        if path.is_file() {
            files.insert(name, sha256_file(&path)?);
        }
    }
    let manifest = run_manifest(ctx, output, files);
    let manifest = finish_run_dir(&staged, manifest, ctx.sweep_runs == 1)?;
    staged.commit()?;
    Ok(manifest)
}

/// Seals and writes the manifest into the staged directory; with `report`, renders the charts
/// and `index.html` from it first and lists them too.
fn finish_run_dir(
    staged: &StagedDir,
    mut manifest: RunManifest,
    report: bool,
) -> Result<RunManifest, OutputError> {
    let dir = staged.path();
    manifest = manifest.sealed();
    write_json(&dir.join(MANIFEST), &manifest)?;
    if report {
        crate::report::render_run_report(dir)?;
        let known: Vec<&str> = manifest.files.keys().map(String::as_str).collect();
        let added = hash_tree(dir, &known)?;
        manifest.files.extend(added);
        manifest = manifest.sealed();
        write_json(&dir.join(MANIFEST), &manifest)?;
    }
    Ok(manifest)
}

/// The manifest of run `output` in `ctx`, unsealed, listing `files` (none for a run kept in
/// memory).
pub fn run_manifest(
    ctx: RunContext<'_>,
    output: &RunOutput,
    files: BTreeMap<String, String>,
) -> RunManifest {
    let summary = output
        .summary
        .columns
        .iter()
        .map(|c| {
            let cell = if c.data.is_empty() {
                String::new()
            } else {
                c.data.cell(0)
            };
            (c.name.clone(), cell)
        })
        .collect();
    RunManifest {
        program: PROGRAM.to_owned(),
        scenario_file: ctx.scenario_file.to_owned(),
        sweep_id: ctx.sweep_id.to_string(),
        sweep_runs: ctx.sweep_runs,
        run_index: ctx.spec.index,
        point_index: ctx.spec.point,
        seed: ctx.spec.seed,
        overrides: ctx
            .spec
            .overrides
            .iter()
            .map(|(k, v)| (k.clone(), plain_value(v)))
            .collect(),
        scenario_digest: scenario_digest(&ctx.loaded.resolved).to_string(),
        scenario: serde_json::to_value(&ctx.loaded.resolved).unwrap_or(serde_json::Value::Null),
        files,
        digest: output.digest.to_string(),
        tables: output
            .entries
            .iter()
            .map(|e| TableDigestEntry {
                name: e.name.clone(),
                rows: e.rows,
                digest: e.digest.to_string(),
            })
            .collect(),
        summary,
        seal: String::new(),
    }
}

/// A swept value as a reader wants it in a table cell: text without TOML quotes, numbers and
/// booleans as written, lists and tables as JSON text.
pub fn plain_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) | toml::Value::Table(_) => {
            serde_json::to_string(v).unwrap_or_else(|_| v.to_string())
        }
    }
}

/// What a resumed sweep finds in a run's directory.
#[derive(Debug)]
pub enum Resume {
    /// A finished, intact run that is exactly the one asked for: keep it.
    Keep(Box<RunManifest>),
    /// Nothing there yet.
    Absent,
    /// Something there that must be recomputed, and why.
    Recompute(String),
}

/// Whether `dir` holds a finished run that is exactly `ctx` (same program, sweep, run and
/// scenario) with every file as its manifest recorded.
pub fn resume_check(dir: &Path, ctx: RunContext<'_>) -> Resume {
    let m = match read_run_manifest(dir) {
        Ok(Some(m)) => m,
        Ok(None) if !dir.exists() => return Resume::Absent,
        Ok(None) => return Resume::Recompute("it has no manifest".to_owned()),
        Err(e) => return Resume::Recompute(e.to_string()),
    };
    let same = m.program == PROGRAM
        && m.sweep_id == ctx.sweep_id.to_string()
        && m.run_index == ctx.spec.index
        && m.scenario_digest == scenario_digest(&ctx.loaded.resolved).to_string();
    if !same {
        return Resume::Recompute("it is another run, sweep or program version".to_owned());
    }
    match verify_run(dir, &m) {
        Ok(()) => Resume::Keep(Box::new(m)),
        Err(e) => Resume::Recompute(e.to_string()),
    }
}

/// Re-renders the charts and `index.html` of the run in `dir` after checking every file against
/// its manifest; the directory is replaced as a whole, its tables shared (hard links).
pub fn rerender_run(dir: &Path) -> Result<RunManifest, OutputError> {
    let mut m = read_run_manifest(dir)?.ok_or_else(|| {
        FileError::not_ours(dir, "holds no manifest.json (not a finished run or sweep)")
    })?;
    verify_run(dir, &m)?;
    let staged = StagedDir::begin(dir)?;
    m.files
        .retain(|rel, _| rel != INDEX && !rel.starts_with(&format!("{CHARTS}/")));
    for rel in m.files.keys() {
        let to = staged.path().join(rel);
        if let Some(parent) = to.parent() {
            create_dir(parent)?;
        }
        link_or_copy(&dir.join(rel), &to)?;
    }
    let m = finish_run_dir(&staged, m, true)?;
    staged.commit()?;
    Ok(m)
}
