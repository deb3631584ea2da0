//! Sweep directories: one sweep each, claimed by `sweep.json` before its first run; runs
//! gathered from one directory or from shards, every file checked against its manifest; and
//! the top level (summary, quantiles, charts, index.html, sealed manifest) replaced as a set.
//!
//! Layout: `sweep.json`, `runs/run_index=<index>/` (each a run directory, [`crate::output`]), then,
//! once every run is present, `summary.csv`, `summary.parquet`, `<table>_quantiles.{csv,parquet}`,
//! `charts/`, `index.html` and last `manifest.json`. No `manifest.json` means "not finished":
//! `merge` (or re-running the sweep) builds it.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use scenarios::{ColumnData, Table};
use sim_core::Digest;

use crate::csv::write_table_csv;
use crate::integrity::{hash_tree, list_dir, sha256_file, verify_run, verify_sweep_top};
use crate::layout::{
    FileError, MANIFEST, Manifest, RUNS, RunManifest, SUMMARY, SWEEP_IDENTITY, Sealed,
    SweepIdentity, SweepManifest, read_json, read_manifest, read_run_manifest, run_dir,
};
use crate::output::{OutputError, write_file, write_json};
use crate::staging::{StagedDir, clean_leftovers, create_dir, link_or_copy, remove, split};

/// Makes `dir` the directory of sweep `identity`, before any run is computed: a missing or
/// empty directory is claimed (`sweep.json` written); one already claimed by the same sweep and
/// program is resumed; anything else is refused, naming what it holds.
///
/// Shards of one sweep may start at the same instant on one shared directory: `sweep.json` is
/// written (atomically) before anything else, so no shard ever sees a claimed directory without
/// it, and each re-reads what is there after writing.
pub fn claim_sweep_dir(dir: &Path, identity: &SweepIdentity) -> Result<(), OutputError> {
    if read_identity(dir)?.is_none() {
        check_claimable(dir)?;
        create_dir(dir)?;
        // Another shard may have claimed it since: its identity is then checked below.
        if !dir.join(SWEEP_IDENTITY).exists() {
            write_json(&dir.join(SWEEP_IDENTITY), identity)?;
        }
    }
    match read_identity(dir)? {
        Some(found) if &found == identity => create_dir(&dir.join(RUNS)).map_err(Into::into),
        Some(found) => Err(another_sweep(dir, &found, identity).into()),
        None => {
            Err(FileError::not_ours(dir, "sweep.json vanished while claiming the directory").into())
        }
    }
}

fn another_sweep(dir: &Path, found: &SweepIdentity, identity: &SweepIdentity) -> FileError {
    FileError::NotOurs {
        path: dir.to_path_buf(),
        message: format!(
            "holds another sweep (sweep id {}, {} runs, {}, from {}); this one is sweep id {} \
             ({} runs, {}). Use --replace to replace it once the new sweep is done, or choose \
             another --out",
            found.sweep_id,
            found.runs,
            found.program,
            found.scenario_file,
            identity.sweep_id,
            identity.runs,
            identity.program
        ),
    }
}

/// The identity `dir` was claimed with, if any.
pub fn read_identity(dir: &Path) -> Result<Option<SweepIdentity>, FileError> {
    read_json(&dir.join(SWEEP_IDENTITY))
}

fn check_claimable(dir: &Path) -> Result<(), FileError> {
    if !dir.exists() {
        return Ok(());
    }
    let not_ours = |message: &str| FileError::not_ours(dir, message);
    if !dir.is_dir() {
        return Err(not_ours(
            "exists and is not a directory; choose another --out",
        ));
    }
    if let Ok(Some(Manifest::Run(_))) = read_manifest(dir) {
        return Err(not_ours(
            "holds a run; a sweep never goes into a run directory: choose another --out",
        ));
    }
    // Another shard may claim it meanwhile: it writes sweep.json before anything else, so
    // entries seen here with a sweep.json there afterwards are its claim (compared by the
    // caller), not foreign files.
    let occupied = list_dir(dir)?
        .iter()
        .any(|(n, _)| !n.starts_with('.') && n != SWEEP_IDENTITY);
    if occupied && !dir.join(SWEEP_IDENTITY).is_file() {
        return Err(not_ours(
            "is not empty and is not a dcfs-sim sweep directory (no sweep.json); choose another \
             --out, or empty it",
        ));
    }
    Ok(())
}

/// Where `--replace` computes a new sweep before it replaces `target`: a hidden sibling,
/// claimed like any sweep directory, so an interrupted replacement resumes there.
pub fn replacement_dir(target: &Path) -> Result<PathBuf, FileError> {
    let (parent, name) = split(target)?;
    Ok(parent.join(format!(".{name}.replacement")))
}

/// Puts the finished sweep in `from` in place of `target` (what was there is removed).
pub fn replace_with(target: &Path, from: &Path) -> Result<(), OutputError> {
    let staged = StagedDir::adopt(target, from)?;
    staged.commit()?;
    Ok(())
}

/// A merge's result.
#[derive(Debug)]
pub struct Merged {
    /// The sweep manifest written.
    pub manifest: SweepManifest,
    /// Runs copied in from other directories.
    pub copied: u64,
}

/// Gathers every run of one sweep from the `runs/` of `sources` (a sweep directory, or its
/// shards), checks each against its manifest, copies those found elsewhere into `out`, and
/// writes the top level of `out`. Refuses, writing nothing at the top level, a run that is
/// missing, damaged, from another sweep, or present twice with different content, and a
/// directory given twice.
pub fn merge(out: &Path, sources: &[PathBuf]) -> Result<Merged, OutputError> {
    merge_checked(out, sources, None, &[])
}

/// Re-renders the top level of sweep directory `dir` from its runs, after checking its manifest
/// and every run; refuses if the runs no longer give the recorded sweep digest.
pub fn rerender_sweep(dir: &Path, recorded: &SweepManifest) -> Result<Merged, OutputError> {
    verify_sweep_top(dir, recorded)?;
    merge_checked(dir, &[dir.to_path_buf()], Some(recorded), &[])
}

/// As [`rerender_sweep`], with the sensitivity indices of `metrics` added to the report (and
/// recorded in the manifest, so a later re-render keeps them). Only for a sampled sweep.
pub fn add_sensitivity(
    dir: &Path,
    recorded: &SweepManifest,
    metrics: &[String],
) -> Result<Merged, OutputError> {
    verify_sweep_top(dir, recorded)?;
    merge_checked(dir, &[dir.to_path_buf()], Some(recorded), metrics)
}

/// Checks that every one of `metrics` is a summary column of the runs of sweep `dir` (run 0
/// speaks for all: a sweep's runs share their columns); the error lists the columns.
pub fn check_metrics(dir: &Path, metrics: &[String]) -> Result<(), String> {
    let first = read_run_manifest(&run_dir(dir, 0))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: run 0 has no manifest", dir.display()))?;
    let columns: Vec<&str> = first.summary.iter().map(|(k, _)| k.as_str()).collect();
    match metrics.iter().find(|m| !columns.contains(&m.as_str())) {
        Some(m) => Err(format!(
            "metric `{m}`: the summary has no such column; its columns are {}",
            columns.join(", ")
        )),
        None => Ok(()),
    }
}

/// The metrics whose indices a sweep's report shows: the design's own, those an earlier
/// `dcfs-sim sensitivity` recorded, then `added`, each once, in that order.
fn sensitivity_metrics(
    identity: &SweepIdentity,
    recorded: Option<&SweepManifest>,
    added: &[String],
    out: &Path,
) -> Result<Vec<String>, OutputError> {
    let Some(design) = &identity.design else {
        if added.is_empty() {
            return Ok(Vec::new());
        }
        return Err(OutputError::Merge(format!(
            "{}: not a sampled sweep (its scenario has no [sweep.sample]); sensitivity \
             indices need a Sobol', Morris or Latin hypercube design",
            out.display()
        )));
    };
    let mut metrics: Vec<String> = Vec::new();
    let recorded = recorded.map_or(&[][..], |m| m.sensitivity.as_slice());
    for m in design.sample.metrics.iter().chain(recorded).chain(added) {
        if !metrics.contains(m) {
            metrics.push(m.clone());
        }
    }
    Ok(metrics)
}

fn merge_checked(
    out: &Path,
    sources: &[PathBuf],
    recorded: Option<&SweepManifest>,
    added: &[String],
) -> Result<Merged, OutputError> {
    let expected_digest = recorded.map(|m| m.digest.as_str());
    let (identity, runs) = gather(sources)?;
    let sensitivity = sensitivity_metrics(&identity, recorded, added, out)?;
    claim_sweep_dir(out, &identity)?;
    clean_leftovers(out, None)?;
    let manifests: Vec<&RunManifest> = runs.values().map(|(m, _)| m).collect();
    let digests: Vec<(u64, Digest)> = manifests
        .iter()
        .map(|m| (m.run_index, parse_digest(&m.digest)))
        .collect();
    let digest = scenarios::sweep_digest(digests.iter().map(|(i, d)| (*i, d))).to_string();
    if let Some(expected) = expected_digest
        && expected != digest
    {
        return Err(OutputError::Merge(format!(
            "{}: the runs give sweep digest {digest}, but its manifest recorded {expected}; \
             run `dcfs-sim merge {}` to rebuild it from the runs",
            out.display(),
            out.display()
        )));
    }
    let summary = summary_table(&manifests)?;
    let mut copied = 0;
    for (index, (m, dir)) in &runs {
        let target = run_dir(out, *index);
        if !same_dir(dir, &target) {
            copy_run(dir, m, &target)?;
            copied += 1;
        }
    }
    let first = manifests[0];
    let manifest = SweepManifest {
        program: identity.program,
        scenario_file: identity.scenario_file,
        sweep_id: identity.sweep_id,
        runs: identity.runs,
        parameters: first.overrides.keys().cloned().collect(),
        digest,
        files: BTreeMap::new(),
        sensitivity,
        seal: String::new(),
    };
    let manifest = write_top_level(out, manifest, &summary)?;
    Ok(Merged { manifest, copied })
}

type Runs = BTreeMap<u64, (RunManifest, PathBuf)>;

/// Reads and checks every run of `sources`; all must belong to one sweep, each present once
/// (or in identical copies), none missing.
fn gather(sources: &[PathBuf]) -> Result<(SweepIdentity, Runs), OutputError> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut identity: Option<(SweepIdentity, PathBuf)> = None;
    let mut runs = Runs::new();
    for src in sources {
        let canonical = fs::canonicalize(src).map_err(|source| FileError::Read {
            path: src.clone(),
            source,
        })?;
        if seen.contains(&canonical) {
            return Err(OutputError::Merge(format!(
                "{} is given twice",
                src.display()
            )));
        }
        seen.push(canonical);
        let found = read_identity(src)?
            .ok_or_else(|| FileError::not_ours(src, "is not a sweep directory (no sweep.json)"))?;
        match &identity {
            Some((id, first)) if id != &found => {
                return Err(OutputError::Merge(format!(
                    "{} belongs to sweep {} ({}), but {} to sweep {} ({})",
                    src.display(),
                    found.sweep_id,
                    found.program,
                    first.display(),
                    id.sweep_id,
                    id.program
                )));
            }
            Some(_) => {}
            None => identity = Some((found, src.clone())),
        }
        gather_source(src, &mut runs)?;
    }
    let Some((identity, _)) = identity else {
        return Err(OutputError::Merge("no directories to merge".to_owned()));
    };
    check_runs(&identity, &runs)?;
    Ok((identity, runs))
}

fn gather_source(src: &Path, runs: &mut Runs) -> Result<(), OutputError> {
    let runs_dir = src.join(RUNS);
    if !runs_dir.is_dir() {
        return Ok(());
    }
    for (name, dir) in list_dir(&runs_dir)? {
        if name.starts_with('.') || !dir.is_dir() {
            continue;
        }
        let Some(m) = read_run_manifest(&dir)? else {
            continue;
        };
        if name != crate::layout::run_dir_name(m.run_index) {
            return Err(OutputError::Merge(format!(
                "{} holds run {} (moved or renamed?)",
                dir.display(),
                m.run_index
            )));
        }
        verify_run(&dir, &m)?;
        if let Some((prev, prev_dir)) = runs.get(&m.run_index) {
            if prev.digest != m.digest || prev.files != m.files {
                return Err(OutputError::Merge(format!(
                    "run {} appears twice with different content: {} (digest {}) and {} \
                     (digest {})",
                    m.run_index,
                    prev_dir.display(),
                    prev.digest,
                    dir.display(),
                    m.digest
                )));
            }
            continue;
        }
        runs.insert(m.run_index, (m, dir));
    }
    Ok(())
}

fn check_runs(identity: &SweepIdentity, runs: &Runs) -> Result<(), OutputError> {
    if let Some((m, dir)) = runs.values().find(|(m, _)| {
        m.sweep_id != identity.sweep_id
            || m.program != identity.program
            || m.sweep_runs != identity.runs
    }) {
        return Err(OutputError::Merge(format!(
            "{} belongs to another sweep or program version ({} / {}, expected {} / {})",
            dir.display(),
            m.sweep_id,
            m.program,
            identity.sweep_id,
            identity.program
        )));
    }
    let expected = identity.runs;
    let missing: Vec<u64> = (0..expected)
        .filter(|i| !runs.contains_key(i))
        .take(10)
        .collect();
    if !missing.is_empty() || runs.len() as u64 != expected {
        return Err(OutputError::Merge(format!(
            "{} of {expected} runs are finished; missing runs include {missing:?} (run the \
             remaining shards, then merge again)",
            runs.len()
        )));
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies (hard-links where possible) the files a run's manifest lists, then the manifest, into
/// a staged directory that replaces `target` as a whole.
fn copy_run(from: &Path, m: &RunManifest, target: &Path) -> Result<(), OutputError> {
    let staged = StagedDir::begin(target)?;
    for rel in m.files.keys().map(String::as_str).chain([MANIFEST]) {
        let to = staged.path().join(rel);
        if let Some(parent) = to.parent() {
            create_dir(parent)?;
        }
        link_or_copy(&from.join(rel), &to)?;
    }
    staged.commit()?;
    Ok(())
}

/// Writes the sweep's top level: everything but the manifest is made in a staging folder and
/// moved in (stale products of an earlier report removed), then the sealed manifest, last.
fn write_top_level(
    out: &Path,
    mut manifest: SweepManifest,
    summary: &Table,
) -> Result<SweepManifest, OutputError> {
    let products = StagedDir::begin(&out.join("products"))?;
    let mut bytes = Vec::new();
    write_table_csv(&mut bytes, summary).map_err(|source| FileError::Write {
        path: out.join(SUMMARY),
        source,
    })?;
    write_file(&products.path().join(SUMMARY), |w| w.write_all(&bytes))?;
    crate::report::render_sweep_products(out, &manifest, summary, products.path())?;
    manifest.files = hash_tree(products.path(), &[])?;
    manifest.files.insert(
        SWEEP_IDENTITY.to_owned(),
        sha256_file(&out.join(SWEEP_IDENTITY))?,
    );
    let manifest = manifest.sealed();
    // From here until the manifest is written the top level is "unfinished" (no manifest).
    let mpath = out.join(MANIFEST);
    if mpath.exists() {
        remove(&mpath)?;
    }
    let new: Vec<(String, PathBuf)> = list_dir(products.path())?;
    for (name, path) in list_dir(out)? {
        let ours = name == RUNS || name == SWEEP_IDENTITY || name.starts_with('.');
        if !ours || new.iter().any(|(n, _)| n == &name) {
            remove(&path)?;
        }
    }
    for (name, path) in new {
        fs::rename(&path, out.join(&name)).map_err(|source| FileError::Write {
            path: out.join(&name),
            source,
        })?;
    }
    write_json(&mpath, &manifest)?;
    Ok(manifest)
}

pub(crate) fn parse_digest(hex: &str) -> Digest {
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
