//! Jobs: a scenario run into a directory, a sweep (or one shard of it) into a directory — the
//! sequences the CLI and the Python package both perform, so both write the same bytes. Front
//! ends supply only how a job is watched: when to stop and how progress is shown.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use scenarios::{
    DayObserver, Document, Loaded, RunError, RunOutput, RunSpec, ScenarioError, Shard, SweepPlan,
};
use sim_core::Digest;

use crate::layout::{DesignRecord, FileError, PROGRAM, SweepIdentity, SweepManifest};
use crate::merge::{claim_sweep_dir, merge, read_identity, replace_with, replacement_dir};
use crate::output::{
    OutputError, Resume, RunContext, RunManifest, begin_run, resume_check, run_dir, run_manifest,
    scenario_digest, write_run,
};
use crate::staging::StagedDir;
use crate::stream::RunFiles;

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The scenario (or a sweep point) is invalid: the user's to fix.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run failed (or was stopped: [`RunError::Interrupted`]).
    #[error("run {index} of {file}: {source}")]
    Run {
        /// Its index in the sweep (0 for a single run).
        index: u64,
        /// The scenario file's name.
        file: String,
        /// Why.
        #[source]
        source: RunError,
    },
    /// Writing or checking the output directory failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A file of the output directory.
    #[error(transparent)]
    File(#[from] FileError),
    /// A sweep run was not started because the job is stopping.
    #[error("run {0} not started: interrupted")]
    NotStarted(u64),
}

impl JobError {
    /// True for the user's mistakes (an invalid scenario; an output directory holding
    /// something else), false for failures of the machine or the program.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            JobError::Scenario(_)
                | JobError::File(FileError::NotOurs { .. })
                | JobError::Output(OutputError::File(FileError::NotOurs { .. }))
        )
    }

    /// True if the job stopped because its watcher asked it to.
    pub fn is_interrupted(&self) -> bool {
        matches!(
            self,
            JobError::NotStarted(_)
                | JobError::Run {
                    source: RunError::Interrupted { .. },
                    ..
                }
        )
    }
}

/// A scenario read, parsed and validated once, with its sweep expanded.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The document as parsed (sweep points are applied to it).
    pub doc: Document,
    /// The base scenario, validated.
    pub base: Loaded,
    /// Its sweep (one run without a `[sweep]`).
    pub plan: SweepPlan,
    /// The scenario's identity (the digest of its resolved document).
    pub sweep_id: Digest,
    /// The file name manifests record.
    pub file_name: String,
}

impl Prepared {
    /// Validates `doc` and, with `points`, every point of its sweep; nothing is written before
    /// this succeeds.
    pub fn new(doc: Document, points: bool) -> Result<Self, ScenarioError> {
        let base = doc.load()?;
        let plan = SweepPlan::new(&base);
        if points {
            plan.validate_all(&doc)?;
        }
        let sweep_id = scenario_digest(&base.resolved);
        let file_name = doc.path.file_name().map_or_else(
            || doc.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Prepared {
            doc,
            base,
            plan,
            sweep_id,
            file_name,
        })
    }

    /// Where run `spec` (validated as `loaded`) of this scenario belongs: a sweep of
    /// `sweep_runs` runs (1 for a single run, which ignores the scenario's sweep).
    pub fn context<'a>(
        &'a self,
        spec: &'a RunSpec,
        loaded: &'a Loaded,
        sweep_runs: u64,
    ) -> RunContext<'a> {
        RunContext {
            scenario_file: &self.file_name,
            sweep_id: &self.sweep_id,
            sweep_runs,
            spec,
            loaded,
        }
    }

    /// The identity a sweep of this scenario writes to `sweep.json`.
    pub fn identity(&self) -> SweepIdentity {
        SweepIdentity {
            program: PROGRAM.to_owned(),
            scenario_file: self.file_name.clone(),
            sweep_id: self.sweep_id.to_string(),
            runs: self.plan.len(),
            design: self.base.resolved.sweep.as_ref().and_then(|s| {
                s.sample.clone().map(|sample| DesignRecord {
                    sample,
                    seed: self.base.spec.seed(),
                })
            }),
        }
    }
}

/// Runs `loaded` into a staged directory (long tables streamed there as the run goes) and puts
/// it in place of its target.
pub fn compute_run(
    staged: StagedDir,
    ctx: RunContext<'_>,
    observer: &mut dyn DayObserver,
) -> Result<RunManifest, JobError> {
    let mut files = RunFiles::create(staged.path())?;
    let output =
        scenarios::run_observed(&ctx.loaded.spec, &mut files, observer).map_err(|source| {
            JobError::Run {
                index: ctx.spec.index,
                file: ctx.scenario_file.to_owned(),
                source,
            }
        })?;
    let streamed = files.finish()?;
    Ok(write_run(staged, ctx, &output, streamed)?)
}

/// The base scenario of `p` with run seed `seed` (if given), as a single run.
fn single_run(p: &Prepared, seed: Option<u64>) -> (Loaded, RunSpec) {
    let loaded: Loaded = match seed {
        Some(seed) => p.base.clone().with_seed(seed),
        None => p.base.clone(),
    };
    let spec = RunSpec {
        index: 0,
        point: 0,
        seed: loaded.spec.seed(),
        overrides: Vec::new(),
    };
    (loaded, spec)
}

/// The base scenario of `p` (with run seed `seed` if given; at most
/// [`scenarios::limits::MAX_SEED`]) run into `out`, which must be missing, empty or a run
/// directory; it is replaced only when the run is complete.
pub fn run_one(
    p: &Prepared,
    seed: Option<u64>,
    out: &Path,
    observer: &mut dyn DayObserver,
) -> Result<RunManifest, JobError> {
    let (loaded, spec) = single_run(p, seed);
    let staged = begin_run(out)?;
    compute_run(staged, p.context(&spec, &loaded, 1), observer)
}

/// As [`run_one`] with every table kept in memory and nothing written: the output and its
/// manifest (no files listed, unsealed). Same digest as [`run_one`].
pub fn run_in_memory(
    p: &Prepared,
    seed: Option<u64>,
    observer: &mut dyn DayObserver,
) -> Result<(RunOutput, RunManifest), JobError> {
    let (loaded, spec) = single_run(p, seed);
    let output = scenarios::run_observed_in_memory(&loaded.spec, observer).map_err(|source| {
        JobError::Run {
            index: 0,
            file: p.file_name.clone(),
            source,
        }
    })?;
    let manifest = run_manifest(p.context(&spec, &loaded, 1), &output, Default::default());
    Ok((output, manifest))
}

/// How a sweep runs.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Runs computed at once (the bytes written do not depend on it).
    pub threads: usize,
    /// This process's share of the runs (`None`: all, then merged).
    pub shard: Option<Shard>,
    /// Keep intact runs found on disk.
    pub resume: bool,
    /// Replace a different sweep found in the directory, once the new one is done.
    pub replace: bool,
}

/// How a sweep is watched: asked before each run and after each simulated day whether to
/// stop; told when a run is done. Called from the sweep's worker threads.
pub trait SweepWatch: Sync {
    /// True once the sweep should stop (runs in progress stop at their next simulated day).
    fn stop(&self) -> bool;
    /// Run `index` is finished: `kept` from an earlier attempt (no day of it was simulated
    /// now), or computed.
    fn run_done(&self, _index: u64, _kept: bool) {}
    /// A simulated day of some run is finished (for progress over simulated days).
    fn day_done(&self) {}
    /// A search evaluated a value (`line` says which and what it found).
    fn evaluated(&self, line: &str) {
        eprintln!("{line}");
    }
    /// A run found on disk is damaged and computed again (`why` names the file).
    fn recomputing(&self, index: u64, why: &str) {
        eprintln!("run {index}: recomputing: {why}");
    }
}

/// What a sweep (or one shard of it) did.
#[derive(Debug, Clone)]
pub struct SweepDone {
    /// Runs this invocation was responsible for.
    pub runs: u64,
    /// Runs in the whole sweep.
    pub total: u64,
    /// Runs kept from an earlier attempt.
    pub kept: u64,
    /// Runs computed now.
    pub computed: u64,
    /// The merged sweep's manifest (none for one shard of several).
    pub merged: Option<SweepManifest>,
    /// Where the runs are (differs from `out` only while a replacement is being built).
    pub work: PathBuf,
}

/// The sweep of `p` (or `opts.shard` of it) run into `out`.
pub fn sweep(
    p: &Prepared,
    out: &Path,
    opts: &SweepOptions,
    watch: &dyn SweepWatch,
) -> Result<SweepDone, JobError> {
    let identity = p.identity();
    // With `replace` a different sweep in `out` stays intact until the new one is done beside it.
    let work = match read_identity(out) {
        Ok(Some(found)) if opts.replace && found != identity => replacement_dir(out)?,
        Err(_) if opts.replace => replacement_dir(out)?,
        _ => out.to_path_buf(),
    };
    claim_sweep_dir(&work, &identity)?;
    let total = p.plan.len();
    let shard = opts.shard.unwrap_or(Shard { index: 0, count: 1 });
    let indices = shard.indices(total);
    let (kept, computed) = (AtomicU64::new(0), AtomicU64::new(0));
    scenarios::par_map_ordered(&indices, opts.threads, |i| {
        let done = sweep_run(p, &work, i, opts.resume, watch)?;
        match done {
            Done::Kept => kept.fetch_add(1, Ordering::SeqCst),
            Done::Computed => computed.fetch_add(1, Ordering::SeqCst),
        };
        watch.run_done(i, matches!(done, Done::Kept));
        Ok::<_, JobError>(())
    })?;
    let merged = if shard.count > 1 {
        None
    } else {
        let m = merge(&work, std::slice::from_ref(&work))?;
        if work != out {
            replace_with(out, &work)?;
        }
        Some(m.manifest)
    };
    Ok(SweepDone {
        runs: indices.len() as u64,
        total,
        kept: kept.load(Ordering::SeqCst),
        computed: computed.load(Ordering::SeqCst),
        merged,
        work: if shard.count > 1 {
            work
        } else {
            out.to_path_buf()
        },
    })
}

pub(crate) enum Done {
    Kept,
    Computed,
}

/// Adapts a [`SweepWatch`] to one run's [`DayObserver`].
struct RunWatch<'a>(&'a dyn SweepWatch);

impl DayObserver for RunWatch<'_> {
    fn day_done(&mut self, _days_done: u64, _horizon_days: u64) -> ControlFlow<()> {
        self.0.day_done();
        if self.0.stop() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// One run of a sweep: kept if an intact copy is on disk (with `resume`), else computed.
fn sweep_run(
    p: &Prepared,
    work: &Path,
    i: u64,
    resume: bool,
    watch: &dyn SweepWatch,
) -> Result<Done, JobError> {
    if watch.stop() {
        return Err(JobError::NotStarted(i));
    }
    let spec = p.plan.spec(i);
    let loaded = p.plan.load_run(&p.doc, &spec)?;
    let ctx = p.context(&spec, &loaded, p.plan.len());
    Ok(keep_or_compute(work, ctx, resume, watch)?.0)
}

/// Run `ctx` of the sweep (or search) in `work`: kept if an intact copy is on disk (with
/// `resume`), else computed; with its manifest.
pub(crate) fn keep_or_compute(
    work: &Path,
    ctx: RunContext<'_>,
    resume: bool,
    watch: &dyn SweepWatch,
) -> Result<(Done, RunManifest), JobError> {
    let i = ctx.spec.index;
    let dir = run_dir(work, i);
    if resume {
        match resume_check(&dir, ctx) {
            Resume::Keep(m) => return Ok((Done::Kept, *m)),
            Resume::Absent => {}
            Resume::Recompute(why) => watch.recomputing(i, &why),
        }
    }
    let m = compute_run(StagedDir::begin(&dir)?, ctx, &mut RunWatch(watch))?;
    Ok((Done::Computed, m))
}
