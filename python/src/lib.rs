//! `dcfs_sim._native`: the Python package's bridge — scenario text in, validated scenarios,
//! runs and sweeps through the same jobs as the CLI, tables out as Arrow C streams.
//!
//! The model never calls back into Python: a job runs on a worker thread with the GIL released,
//! while the calling thread wakes every [`POLL_MS`] to check for Ctrl-C and to report progress.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};
use reports::job::{self, JobError, Prepared, SweepOptions};
use scenarios::limits::{MAX_SEED, MAX_THREADS};
use scenarios::{DayObserver, ScenarioError, Shard, Table};

/// How often the calling thread checks for Ctrl-C and reports progress while a job runs.
const POLL_MS: u64 = 50;

/// A validated scenario (and its sweep, if it has one).
#[pyclass(module = "dcfs_sim._native", name = "Scenario", frozen)]
struct PyScenario {
    prepared: Prepared,
}

/// A run's output held in memory, or the manifest of a run written to a directory.
#[pyclass(module = "dcfs_sim._native", name = "RunResult", frozen)]
struct PyRunResult {
    /// Table name → its rows (empty when the run was written to a directory).
    tables: Vec<Table>,
    summary: Table,
    manifest_json: String,
}

/// One table, handed over once through the Arrow C stream interface (`__arrow_c_stream__`).
#[pyclass(module = "dcfs_sim._native", name = "ArrowTable", frozen)]
struct PyArrowTable {
    table: Mutex<Option<Table>>,
}

fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("dcfs_sim")?.getattr("ScenarioError")?;
        let kw = PyDict::new(py);
        kw.set_item("kind", format!("{:?}", e.kind))?;
        kw.set_item("file", e.file.display().to_string())?;
        kw.set_item("line", e.location.map(|(l, _)| l))?;
        kw.set_item("column", e.location.map(|(_, c)| c))?;
        kw.set_item("key", e.key_path.as_str())?;
        kw.set_item("problem", e.message.as_str())?;
        kw.set_item("help", e.help.as_deref())?;
        Ok(PyErr::from_value(cls.call((e.to_string(),), Some(&kw))?))
    };
    build().unwrap_or_else(|err| err)
}

fn job_error(py: Python<'_>, e: JobError) -> PyErr {
    match e {
        JobError::Scenario(e) => scenario_error(py, &e),
        e if e.is_bad_input() => PyValueError::new_err(e.to_string()),
        e => PyRuntimeError::new_err(message(&e)),
    }
}

/// An error and its causes, each said once (as the CLI prints them).
fn message(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

/// Progress shared between a job's worker thread and the calling thread.
#[derive(Default)]
struct Progress {
    days: AtomicU64,
    stop: AtomicBool,
    /// Days a sweep's run counts when it is kept from an earlier attempt.
    horizon_days: u64,
}

impl DayObserver for &Progress {
    fn day_done(&mut self, _days_done: u64, _horizon_days: u64) -> ControlFlow<()> {
        self.days.fetch_add(1, Ordering::Relaxed);
        match self.stop.load(Ordering::Relaxed) {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        }
    }
}

impl job::SweepWatch for Progress {
    fn stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
    fn day_done(&self) {
        self.days.fetch_add(1, Ordering::Relaxed);
    }
    fn run_done(&self, _index: u64, kept: bool) {
        if kept {
            self.days.fetch_add(self.horizon_days, Ordering::Relaxed);
        }
    }
}

/// Runs `work` on a worker thread with the GIL released; meanwhile checks for Ctrl-C (which
/// stops the job at its next simulated day and is re-raised here) and calls
/// `progress(days_done, days_total)`.
fn watched<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    (days_total, horizon_days): (u64, u64),
    work: impl FnOnce(&Progress) -> Result<T, JobError> + Send,
) -> PyResult<T> {
    let shared = Progress {
        horizon_days,
        ..Progress::default()
    };
    let mut raised: Option<PyErr> = None;
    let result = std::thread::scope(|s| {
        let worker = s.spawn(|| work(&shared));
        let mut reported = u64::MAX;
        loop {
            let finished = py.detach(|| {
                std::thread::sleep(Duration::from_millis(POLL_MS));
                worker.is_finished()
            });
            if raised.is_none()
                && let Err(e) = py.check_signals()
            {
                shared.stop.store(true, Ordering::Relaxed);
                raised = Some(e);
            }
            let days = shared.days.load(Ordering::Relaxed).min(days_total);
            if let (Some(cb), None) = (progress, &raised)
                && (days != reported || finished)
            {
                reported = days;
                if let Err(e) = cb.call1((days, days_total)) {
                    shared.stop.store(true, Ordering::Relaxed);
                    raised = Some(e);
                }
            }
            if finished {
                break;
            }
        }
        worker.join()
    });
    let result = match result {
        Ok(r) => r,
        Err(_) => {
            return Err(PyRuntimeError::new_err(
                "the simulation thread panicked (a bug)",
            ));
        }
    };
    match (result, raised) {
        // Interrupted (or the progress callback failed): the job unwound, leaving no
        // half-written directory; raise what stopped it.
        (Err(e), Some(err)) if e.is_interrupted() => Err(err),
        (Err(e), _) => Err(job_error(py, e)),
        (Ok(_), Some(err)) => Err(err),
        (Ok(v), None) => Ok(v),
    }
}

/// `threads` and `shard = (index, count)` as a sweep or search takes them, or why not.
fn threads_and_shard(threads: u64, shard: Option<(u64, u64)>) -> PyResult<(usize, Option<Shard>)> {
    if threads == 0 || threads > MAX_THREADS {
        return Err(PyValueError::new_err(format!(
            "threads={threads}: from 1 to {MAX_THREADS}"
        )));
    }
    let shard = match shard {
        None => None,
        Some((index, count)) if count >= 1 && index < count => Some(Shard { index, count }),
        Some((index, count)) => {
            return Err(PyValueError::new_err(format!(
                "shard=({index}, {count}): a shard is (index, count) with 0 <= index < count"
            )));
        }
    };
    Ok((usize::try_from(threads).unwrap_or(1), shard))
}

fn check_seed(seed: Option<u64>) -> PyResult<()> {
    match seed {
        Some(s) if s > MAX_SEED => Err(PyValueError::new_err(format!(
            "seed={s}: a seed is at most {MAX_SEED}"
        ))),
        _ => Ok(()),
    }
}

#[pymethods]
impl PyScenario {
    /// The same scenario with dotted keys set (`[["economy.campaign.seats", "21"], ...]`: each
    /// value as JSON text), validated with its sweep points.
    fn with_overrides(&self, py: Python<'_>, overrides: Vec<(String, String)>) -> PyResult<Self> {
        let mut parsed = Vec::with_capacity(overrides.len());
        for (key, json) in overrides {
            let value: serde_json::Value = serde_json::from_str(&json)
                .map_err(|e| PyValueError::new_err(format!("override {key}: {e}")))?;
            let value = toml::Value::try_from(value).map_err(|e| {
                PyValueError::new_err(format!(
                    "override {key}: {e} (a scenario value is a number, string, bool, list or table; not None)"
                ))
            })?;
            parsed.push((key, value));
        }
        let doc = self
            .prepared
            .doc
            .with_overrides(&parsed)
            .map_err(|e| scenario_error(py, &e))?;
        let prepared = Prepared::new(doc, true).map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { prepared })
    }

    /// The resolved scenario (every default filled in) as JSON text.
    fn resolved_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.prepared.base.resolved)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The resolved scenario as TOML text (what `dcfs-sim validate` prints).
    fn resolved_toml(&self) -> PyResult<String> {
        toml::to_string(&self.prepared.base.resolved)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The file name manifests record.
    #[getter]
    fn file(&self) -> String {
        self.prepared.file_name.clone()
    }

    /// Runs in the scenario's sweep (1 without one).
    #[getter]
    fn runs(&self) -> u64 {
        self.prepared.plan.len()
    }

    /// Simulated days of a run.
    #[getter]
    fn horizon_days(&self) -> u64 {
        self.prepared.base.spec.horizon_days()
    }

    /// The run seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.prepared.base.spec.seed()
    }

    /// The scenario's identity (the digest of its resolved document).
    #[getter]
    fn scenario_id(&self) -> String {
        self.prepared.sweep_id.to_string()
    }

    /// Runs the base scenario: into directory `out` (as `dcfs-sim run`) or, without it, in
    /// memory. `progress(days_done, days_total)` is called from the calling thread.
    #[pyo3(signature = (seed=None, out=None, progress=None))]
    fn run(
        &self,
        py: Python<'_>,
        seed: Option<u64>,
        out: Option<PathBuf>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyRunResult> {
        check_seed(seed)?;
        let p = &self.prepared;
        let days = p.base.spec.horizon_days();
        match out {
            Some(out) => {
                let manifest = watched(py, progress.as_ref(), (days, days), |mut w| {
                    job::run_one(p, seed, &out, &mut w)
                })?;
                Ok(PyRunResult {
                    tables: Vec::new(),
                    summary: Table::new(scenarios::tables::names::SUMMARY),
                    manifest_json: to_json(&manifest)?,
                })
            }
            None => {
                let (output, manifest) = watched(py, progress.as_ref(), (days, days), |mut w| {
                    job::run_in_memory(p, seed, &mut w)
                })?;
                Ok(PyRunResult {
                    tables: output.tables,
                    summary: output.summary,
                    manifest_json: to_json(&manifest)?,
                })
            }
        }
    }

    /// Runs the sweep (or `shard` = (index, count) of it) into directory `out`, as
    /// `dcfs-sim sweep`; returns what it did as JSON text.
    #[pyo3(signature = (out, threads=1, shard=None, resume=true, replace=false, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn sweep(
        &self,
        py: Python<'_>,
        out: PathBuf,
        threads: u64,
        shard: Option<(u64, u64)>,
        resume: bool,
        replace: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let (threads, shard) = threads_and_shard(threads, shard)?;
        if shard.is_some_and(|s| s.count > 1) && replace {
            return Err(PyValueError::new_err(
                "replace=True cannot be combined with a shard: give each shard its own directory",
            ));
        }
        let opts = SweepOptions {
            threads,
            shard,
            resume,
            replace,
        };
        let p = &self.prepared;
        let runs = shard.map_or(p.plan.len(), |s| s.indices(p.plan.len()).len() as u64);
        let horizon_days = p.base.spec.horizon_days();
        let days = runs.saturating_mul(horizon_days);
        let done = watched(py, progress.as_ref(), (days, horizon_days), |w| {
            job::sweep(p, &out, &opts, w)
        })?;
        let merged = match &done.merged {
            Some(m) => {
                Some(serde_json::to_value(m).map_err(|e| PyRuntimeError::new_err(e.to_string()))?)
            }
            None => None,
        };
        to_json(&serde_json::json!({
            "runs": done.runs,
            "total": done.total,
            "kept": done.kept,
            "computed": done.computed,
            "dir": done.work.display().to_string(),
            "manifest": merged,
        }))
    }

    /// Runs the `[search]` into directory `out`, as `dcfs-sim search`; returns `search.json`'s
    /// content.
    #[pyo3(signature = (out, threads=1, shard=None, resume=true, progress=None))]
    fn search(
        &self,
        py: Python<'_>,
        out: PathBuf,
        threads: u64,
        shard: Option<(u64, u64)>,
        resume: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let (threads, shard) = threads_and_shard(threads, shard)?;
        let opts = reports::search::SearchOptions {
            threads,
            shard,
            resume,
        };
        let p = &self.prepared;
        let horizon_days = p.base.spec.horizon_days();
        let result = watched(py, progress.as_ref(), (0, horizon_days), |w| {
            reports::search::search(p, &out, &opts, w)
        })?;
        to_json(&result)
    }
}

/// Adds the sensitivity indices of `metrics` to the finished sampled sweep in `dir`, as
/// `dcfs-sim sensitivity` does (the table is then `dir/sensitivity.csv`).
#[pyfunction]
fn add_sensitivity(dir: PathBuf, metrics: Vec<String>) -> PyResult<()> {
    let recorded = match reports::layout::read_manifest(&dir) {
        Ok(Some(reports::layout::Manifest::Sweep(m))) => m,
        Ok(_) => {
            return Err(PyValueError::new_err(format!(
                "{}: not a finished sweep directory (no sweep manifest.json)",
                dir.display()
            )));
        }
        Err(e) => return Err(PyRuntimeError::new_err(e.to_string())),
    };
    reports::merge::check_metrics(&dir, &metrics).map_err(PyValueError::new_err)?;
    reports::merge::add_sensitivity(&dir, &recorded, &metrics).map_err(|e| match e {
        reports::output::OutputError::Merge(m) => PyValueError::new_err(m),
        e => PyRuntimeError::new_err(e.to_string()),
    })?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[pymethods]
impl PyRunResult {
    /// The run's manifest as JSON text (for a run kept in memory: no files, no seal).
    #[getter]
    fn manifest_json(&self) -> String {
        self.manifest_json.clone()
    }

    /// Names of the tables held in memory, in output order.
    fn table_names(&self) -> Vec<String> {
        self.tables.iter().map(|t| t.name.clone()).collect()
    }

    /// Table `name` (or `summary`) as an Arrow C stream.
    fn table(&self, name: &str) -> PyResult<PyArrowTable> {
        let t = match name {
            n if n == self.summary.name && !self.summary.columns.is_empty() => &self.summary,
            n => self
                .tables
                .iter()
                .find(|t| t.name == n)
                .ok_or_else(|| PyKeyError::new_err(format!("no table {n}")))?,
        };
        Ok(PyArrowTable {
            table: Mutex::new(Some(t.clone())),
        })
    }
}

#[pymethods]
impl PyArrowTable {
    /// The Arrow PyCapsule interface: the table as an `ArrowArrayStream` (once).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is the dictionary's; a consumer asking for another casts afterwards.
        drop(requested_schema);
        let table = self
            .table
            .lock()
            .map_err(|_| PyRuntimeError::new_err("table lock poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this table was already handed over"))?;
        let stream = reports::frame::arrow_stream(&table)
            .map_err(|e| PyRuntimeError::new_err(message(&e)))?;
        // The consumer moves the stream out and marks it released; dropping the capsule then
        // releases only a stream nobody took.
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

/// Reads and validates scenario file `path` (TOML, or JSON by extension).
#[pyfunction]
fn load_file(py: Python<'_>, path: PathBuf) -> PyResult<PyScenario> {
    let doc = scenarios::read_document(&path).map_err(|e| scenario_error(py, &e))?;
    let prepared = Prepared::new(doc, true).map_err(|e| scenario_error(py, &e))?;
    Ok(PyScenario { prepared })
}

/// Parses and validates scenario text; `name` names it in errors and manifests and picks the
/// syntax (`.json` → JSON, else TOML).
#[pyfunction]
fn load_text(py: Python<'_>, text: String, name: String) -> PyResult<PyScenario> {
    if text.len() as u64 > scenarios::limits::MAX_FILE_BYTES {
        return Err(PyValueError::new_err(format!(
            "{name}: the scenario is too large: more than {} bytes (the limit)",
            scenarios::limits::MAX_FILE_BYTES
        )));
    }
    let doc = scenarios::parse_document(std::path::Path::new(&name), text)
        .map_err(|e| scenario_error(py, &e))?;
    let prepared = Prepared::new(doc, true).map_err(|e| scenario_error(py, &e))?;
    Ok(PyScenario { prepared })
}

/// The data dictionary (every table and column) as JSON text.
#[pyfunction]
fn dictionary_json() -> String {
    scenarios::tables::dictionary::json()
}

/// The program and version that write manifests.
#[pyfunction]
fn program() -> String {
    reports::layout::PROGRAM.to_owned()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScenario>()?;
    m.add_class::<PyRunResult>()?;
    m.add_class::<PyArrowTable>()?;
    m.add_function(wrap_pyfunction!(load_file, m)?)?;
    m.add_function(wrap_pyfunction!(load_text, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary_json, m)?)?;
    m.add_function(wrap_pyfunction!(program, m)?)?;
    m.add_function(wrap_pyfunction!(add_sensitivity, m)?)?;
    Ok(())
}
