//! Run and sweep output directories: tables as CSV, a manifest per run (resolved scenario, seed,
//! program version, digests, summary row) written last, and the sweep summary and manifest
//! built from run manifests — the same way for one machine, a resumed sweep, or merged shards.
//!
//! Layout of a sweep directory:
//! `runs/<index:06>/<table>.csv` and `.parquet`, `runs/<index:06>/manifest.json`, then
//! `summary.csv` and `manifest.json` at the top once every run is present, followed by the
//! derived `summary.parquet`, `daily_quantiles.{csv,parquet}`, `charts/` and `index.html`
//! (see [`crate::report`]). A single run writes its tables (CSV and Parquet) and
//! `manifest.json` straight into its directory, then `charts/` and `index.html`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use scenarios::{ColumnData, Loaded, RunOutput, RunSpec, Table};
use serde::Serialize;
use sim_core::Digest;

use crate::atomic::{AtomicWriteError, write_atomically};
use crate::csv::write_table_csv;
pub use crate::layout::{
    FileError, MANIFEST, PROGRAM, RunManifest, SUMMARY, SweepManifest, TableDigestEntry,
    read_run_manifest, run_dir, scenario_digest,
};

/// An output problem.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be read or written, or a manifest is not ours.
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

fn write_file(
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

/// Writes a run's tables (each atomically), then its manifest (last, atomically), into `dir`.
/// `streamed` lists the CSV files (name → SHA-256) of the tables the run streamed
/// ([`crate::stream::RunFiles::finish`]); the tables it kept in memory are written here.
pub fn write_run(
    dir: &Path,
    ctx: RunContext<'_>,
    output: &RunOutput,
    streamed: BTreeMap<String, String>,
) -> Result<RunManifest, OutputError> {
    fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
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
    for table in &output.tables {
        let name = format!("{}.csv", table.name);
        let mut bytes = Vec::new();
        write_table_csv(&mut bytes, table).map_err(|source| FileError::Write {
            path: dir.join(&name),
            source,
        })?;
        write_file(&dir.join(&name), |w| w.write_all(&bytes))?;
        files.insert(name, Digest::of_bytes(&bytes).to_string());
    }
    // Parquet frames beside the CSVs (not listed in `files`: the exact CSVs are the record).
    crate::frame::write_frames(dir, &output.tables)?;
    let summary = output
        .summary
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                if c.data.is_empty() {
                    String::new()
                } else {
                    c.data.cell(0)
                },
            )
        })
        .collect();
    let manifest = RunManifest {
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
            .map(|(k, v)| (k.clone(), v.to_string()))
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
    };
    write_json(&dir.join(MANIFEST), &manifest)?;
    // A standalone run gets its charts and index.html; runs of a sweep get the sweep's report
    // (render one with `dcfs-sim report runs/<index>`).
    if ctx.sweep_runs == 1 {
        crate::report::render_run_report(dir)?;
    }
    Ok(manifest)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| FileError::Write {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    })?;
    text.push('\n');
    write_file(path, |w| w.write_all(text.as_bytes()))
}

/// True if `dir` holds a finished run that is exactly `ctx` (same program, sweep, run and
/// scenario), so a resumed sweep can keep it instead of recomputing.
pub fn finished_run(dir: &Path, ctx: RunContext<'_>) -> Result<Option<RunManifest>, OutputError> {
    let Some(m) = read_run_manifest(dir)? else {
        return Ok(None);
    };
    let same = m.program == PROGRAM
        && m.sweep_id == ctx.sweep_id.to_string()
        && m.run_index == ctx.spec.index
        && m.scenario_digest == scenario_digest(&ctx.loaded.resolved).to_string();
    Ok(same.then_some(m))
}

/// Builds `summary.csv` and `manifest.json` in `out` from the run manifests of all runs of one
/// sweep found under the `runs/` folders of `sources` (a sweep directory, or the directories of its
/// shards; run folders found elsewhere than `out` are copied into `out`). Fails, writing nothing
/// at the top level, if a run is missing, duplicated with different results, or from another sweep.
pub fn merge(out: &Path, sources: &[PathBuf]) -> Result<SweepManifest, OutputError> {
    let mut runs: BTreeMap<u64, (RunManifest, PathBuf)> = BTreeMap::new();
    for src in sources {
        let runs_dir = src.join("runs");
        let entries = fs::read_dir(&runs_dir).map_err(|source| FileError::Read {
            path: runs_dir.clone(),
            source,
        })?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let Some(m) = read_run_manifest(&dir)? else {
                continue;
            };
            if let Some((prev, _)) = runs.get(&m.run_index) {
                if prev.digest != m.digest || prev.sweep_id != m.sweep_id {
                    return Err(OutputError::Merge(format!(
                        "run {} appears twice with different results ({} and {})",
                        m.run_index,
                        dir.display(),
                        src.display()
                    )));
                }
                continue;
            }
            runs.insert(m.run_index, (m, dir));
        }
    }
    let Some((first, _)) = runs.values().next() else {
        return Err(OutputError::Merge("no finished runs found".to_owned()));
    };
    let (sweep_id, program, file) = (
        first.sweep_id.clone(),
        first.program.clone(),
        first.scenario_file.clone(),
    );
    let expected = first.sweep_runs;
    if let Some((m, dir)) = runs
        .values()
        .find(|(m, _)| m.sweep_id != sweep_id || m.program != program || m.sweep_runs != expected)
    {
        return Err(OutputError::Merge(format!(
            "{} belongs to another sweep or program version ({} / {}, expected {} / {})",
            dir.display(),
            m.sweep_id,
            m.program,
            sweep_id,
            program
        )));
    }
    let missing: Vec<u64> = (0..expected)
        .filter(|i| !runs.contains_key(i))
        .take(10)
        .collect();
    if !missing.is_empty() || runs.len() as u64 != expected {
        return Err(OutputError::Merge(format!(
            "{} of {expected} runs are finished; missing runs include {missing:?} (run the remaining shards, then merge again)",
            runs.len()
        )));
    }
    for (index, (_, dir)) in &runs {
        let target = run_dir(out, *index);
        if fs::canonicalize(dir).ok() != fs::canonicalize(&target).ok() {
            copy_dir(dir, &target)?;
        }
    }
    let manifests: Vec<&RunManifest> = runs.values().map(|(m, _)| m).collect();
    let summary = summary_table(&manifests)?;
    let mut bytes = Vec::new();
    write_table_csv(&mut bytes, &summary).map_err(|source| FileError::Write {
        path: out.join(SUMMARY),
        source,
    })?;
    write_file(&out.join(SUMMARY), |w| w.write_all(&bytes))?;
    let digests: Vec<(u64, Digest)> = manifests
        .iter()
        .map(|m| (m.run_index, parse_digest(&m.digest)))
        .collect();
    let sweep = SweepManifest {
        program,
        scenario_file: file,
        sweep_id,
        runs: expected,
        parameters: first.overrides.keys().cloned().collect(),
        digest: scenarios::sweep_digest(digests.iter().map(|(i, d)| (*i, d))).to_string(),
    };
    write_json(&out.join(MANIFEST), &sweep)?;
    // Derived products (summary.parquet, daily quantiles, fan charts, index.html), computed
    // from the run folders in index order after the summary and manifest are in place.
    crate::report::render_sweep_report(out)?;
    Ok(sweep)
}

fn parse_digest(hex: &str) -> Digest {
    let mut out = [0_u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    Digest(out)
}

/// One row per run: run_index, point_index, seed, each swept parameter, the summary columns, digest.
fn summary_table(manifests: &[&RunManifest]) -> Result<Table, OutputError> {
    let mut t = Table::new("summary");
    t.push(
        "run_index",
        ColumnData::U64(manifests.iter().map(|m| m.run_index).collect()),
    );
    t.push(
        "point_index",
        ColumnData::U64(manifests.iter().map(|m| m.point_index).collect()),
    );
    t.push(
        "seed",
        ColumnData::U64(manifests.iter().map(|m| m.seed).collect()),
    );
    let Some(first) = manifests.first() else {
        return Ok(t);
    };
    for key in first.overrides.keys() {
        let values = manifests
            .iter()
            .map(|m| m.overrides.get(key).cloned().unwrap_or_default())
            .collect();
        t.push(key, ColumnData::Str(values));
    }
    let columns: Vec<&String> = first.summary.iter().map(|(k, _)| k).collect();
    if let Some(m) = manifests
        .iter()
        .find(|m| m.summary.iter().map(|(k, _)| k).ne(columns.iter().copied()))
    {
        return Err(OutputError::Merge(format!(
            "run {} has different summary columns than run {} (is run.mode swept?)",
            m.run_index, first.run_index
        )));
    }
    for (i, name) in columns.iter().enumerate() {
        t.push(
            name,
            ColumnData::Str(manifests.iter().map(|m| m.summary[i].1.clone()).collect()),
        );
    }
    t.push(
        "digest",
        ColumnData::Str(manifests.iter().map(|m| m.digest.clone()).collect()),
    );
    Ok(t)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), OutputError> {
    fs::create_dir_all(to).map_err(|source| FileError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    let entries = fs::read_dir(from).map_err(|source| FileError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    // The manifest goes last so an interrupted copy is never taken for a finished run.
    files.sort_by_key(|p| (p.file_name().is_some_and(|n| n == MANIFEST), p.clone()));
    for f in files {
        let bytes = fs::read(&f).map_err(|source| FileError::Read {
            path: f.clone(),
            source,
        })?;
        let name = f.file_name().map(PathBuf::from).unwrap_or_default();
        write_file(&to.join(name), |w| w.write_all(&bytes))?;
    }
    Ok(())
}
