//! dcfs-sim: the command-line front end — parses flags, calls the library crates, reports errors.
//!
//! Exit codes: 0 success; 1 a run or output failure; 2 bad input (flags, scenario files, an
//! output directory that holds something else); 130 / 143 stopped by SIGINT / SIGTERM (finished
//! runs kept, nothing half-written left: run the same command again to resume).

mod check;
mod study;

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use economics::{SupplyParams, SupplyTimeline};
use reports::job::{self, Prepared, SweepDone, SweepOptions};
use reports::layout::{FileError, Manifest};
use reports::merge::merge;
use reports::output::{OutputError, RunManifest, read_manifest, rerender_run};
use scenarios::{DayObserver, ScenarioError, Shard};

use scenarios::limits::{MAX_SCHEDULE_DAYS as MAX_EMISSION_DAYS, MAX_THREADS};

/// Deterministic discrete-event simulator and economic model of the DCFS chain.
///
/// Same scenario + seed → the same output bytes, on any machine and thread count.
#[derive(Debug, Parser)]
#[command(name = "dcfs-sim", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the daily emission and vesting schedule of SPEC §4.3 and §6 as CSV.
    ///
    /// One row per day 0..N-1 with columns day, emission_wei, emission_cumulative_wei,
    /// vested_wei, vested_cumulative_wei, mining_pool_wei, then <allocation>_vested_wei for each
    /// of the nine allocations; after each `*_wei` column its `*_dcc` float (for plots, not for
    /// sums). Amounts are exact integers in wei (1 DCC = 10^18 wei). Every
    /// emitted wei counts as leaving the mining pool that day; allocations that are liquid at
    /// genesis never appear as vested. The SPEC §7 accounting invariant is checked every day.
    Emission {
        /// Number of days to write (rows 0..N-1), 1 to 1,000,000.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_EMISSION_DAYS))]
        days: u64,
        /// Output file; written atomically (temporary name, then rename). Default: standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a scenario file (and every point of its [sweep]) without running it.
    ///
    /// Prints the resolved scenario (every default filled in) as TOML on success. Errors name
    /// the file, line, column and key, and exit with code 2.
    Validate {
        /// Scenario file (.toml, or .json).
        file: PathBuf,
        /// Print nothing on success.
        #[arg(long)]
        quiet: bool,
    },
    /// Run one scenario and write its tables, summary and manifest into a directory.
    ///
    /// Everything (tables, charts, index.html, then manifest.json with the resolved scenario,
    /// seed, program version, output digest and every file's SHA-256) is written into a hidden
    /// sibling that replaces --out as a whole at the end: an earlier run there stays intact until
    /// then. --out must be missing, empty, or a run directory. A [sweep] section is ignored.
    Run {
        /// Scenario file (.toml, or .json).
        file: PathBuf,
        /// Override the scenario's run.seed (0 to 9223372036854775807).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=scenarios::limits::MAX_SEED))]
        seed: Option<u64>,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// Threads one run may use (default: the machine's cores): the economy's nodes are
        /// settled on up to a thread per 4,096 (in chunks that free threads take in turn); from
        /// 2 a chain run executes its contracts, and any run writes its table files, on threads
        /// of their own, and the report's charts are drawn in parallel. The outputs do not
        /// depend on it.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=economics::economy::MAX_SETTLEMENT_THREADS as u64))]
        threads: Option<u64>,
    },
    /// Run every point × seed of the scenario's [sweep] in parallel.
    ///
    /// --out belongs to one sweep: sweep.json records it before the first run, and a directory
    /// holding another sweep, a run or foreign files is refused (see --replace). Each run is
    /// written whole into runs/run_index=<index>/; summary.csv, the report and manifest.json follow when
    /// all runs are present. Results do not depend on --threads. An interrupted sweep resumes:
    /// finished runs whose files match their manifests are kept, others recomputed. With --shard
    /// K/N only runs with index % N == K are done; merge the shards with `dcfs-sim merge`.
    Sweep {
        /// Scenario file with a [sweep] section (.toml, or .json).
        file: PathBuf,
        #[command(flatten)]
        runs: RunsArgs,
        /// If --out holds another sweep, compute this one beside it and replace it when done
        /// (until then it stays intact). Not with --shard: give each shard its own --out.
        #[arg(long, conflicts_with = "shard")]
        replace: bool,
    },
    /// Find the threshold of one scenario key: the largest (or smallest) value at which the
    /// [search] predicate holds with the required probability over Monte Carlo seeds.
    ///
    /// Bisects the key's range, running batches of seeds at each value (the same seeds at every
    /// value) until a Wilson interval decides. Runs go into runs/run_index=<i>/ as a sweep's do
    /// (an interrupted search resumes); search.csv lists every evaluated value and search.json
    /// holds the answer as a bracket. Results do not depend on --threads. With --shard K/N on a
    /// shared --out, N processes split each batch and wait for each other.
    Search {
        /// Scenario file with a [search] section (.toml, or .json).
        file: PathBuf,
        #[command(flatten)]
        runs: RunsArgs,
    },
    /// Sensitivity indices of summary columns over a sampled sweep ([sweep.sample]).
    ///
    /// Sobol' designs give first-order (Saltelli 2010) and total (Jansen) indices, Morris
    /// designs μ*, μ and σ of the elementary effects, Latin hypercubes Spearman rank
    /// correlations; each with a 95% bootstrap interval. The indices are added to the sweep's
    /// sensitivity.csv, charts and index.html (and kept by later `dcfs-sim report`), and printed.
    Sensitivity {
        /// A finished sampled sweep directory.
        dir: PathBuf,
        /// A summary column (repeat for several).
        #[arg(long = "metric", value_name = "COLUMN", required = true)]
        metrics: Vec<String>,
    },
    /// Reunite the shards of a sweep into exactly what one machine would have written.
    ///
    /// Reads runs/*/manifest.json under each DIR, checks every file of every run against its
    /// manifest, that every run of the sweep is present (copies must be identical) and that all
    /// belong to the same sweep and program version, copies run folders into --out, and writes
    /// summary.csv, the report and manifest.json there.
    Merge {
        /// Shard output directories (or one shared directory).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Merged output directory (default: the first DIR).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Re-render the charts and index.html of a run or sweep directory from its written files.
    ///
    /// Every file is first checked against its manifest; a damaged directory is refused.
    /// A sweep directory (top-level manifest.json of a sweep) also gets its summary.parquet and
    /// daily quantiles recomputed from runs/*/ in index order; a run directory (e.g. a sweep's
    /// runs/run_index=3) gets charts/ and index.html from its tables.
    Report {
        /// Run or sweep output directory.
        dir: PathBuf,
    },
    /// Describe the output tables: every column's type, unit and meaning (the data dictionary).
    ///
    /// Without TABLE, lists every table; with it, that table's columns (one definition per run
    /// mode that writes it).
    Columns {
        /// A table name, e.g. daily, events, validators.
        table: Option<String>,
        /// Print the whole dictionary as Markdown (docs/columns.md).
        #[arg(long, conflicts_with_all = ["table", "json"])]
        markdown: bool,
        /// Print the whole dictionary as JSON (for scripts: a table's definitions, each with
        /// its columns' name, type, unit and meaning).
        #[arg(long, conflicts_with = "table")]
        json: bool,
    },
    /// Check that a scenario's outputs are reproducible on this machine.
    ///
    /// A run is computed on 1 thread and on --threads; a sweep with 1 thread, with --threads, and
    /// as 2 shards merged.
    /// Every table digest and file hash must agree; otherwise the first differing table or file
    /// is named and the exit code is 1.
    Check {
        /// Scenario file (.toml, or .json).
        file: PathBuf,
        /// Threads of the parallel run or sweep (default: all cores, at least 2).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
        threads: Option<u64>,
        /// Check a copy with run.horizon_days capped at N (for quick checks in CI).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_days: Option<u64>,
        /// Check a copy with consensus.full_nodes capped at N (a large gossip overlay is slow
        /// in a debug build; a smaller one runs the same code).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..))]
        max_full_nodes: Option<u64>,
        /// Keep the computed directories here (default: a temporary directory, removed).
        #[arg(long, value_name = "DIR")]
        work: Option<PathBuf>,
    },
}

/// What every multi-run command (sweep, search) takes besides its file; the command's
/// description says what --shard splits.
#[derive(Debug, clap::Args)]
struct RunsArgs {
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Worker threads (default: all cores). Never changes a result.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Do only shard K of N (0-based), e.g. 3/16 or "$SLURM_ARRAY_TASK_ID/16".
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Recompute every run even if a finished one is on disk.
    #[arg(long)]
    no_resume: bool,
}

impl RunsArgs {
    fn threads(&self) -> usize {
        self.threads
            .map_or_else(default_threads, |t| usize::try_from(t).unwrap_or(1))
    }
}

/// An error meant for the user, with its exit code.
#[derive(Debug)]
struct BadInput(ScenarioError);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for BadInput {}

/// A command-line value that names nothing (exit 2, like a bad flag).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Usage {}

/// The signal (SIGINT or SIGTERM) that asked this process to stop; 0 while none has.
static STOP_SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal, so that a second one ends the process at once.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// On SIGINT or SIGTERM, runs stop at the next simulated day and unwind (removing their
/// staging directories); a second signal exits at once, leaving leftovers that the next start
/// removes.
fn install_signal_handlers() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &STOPPING)?;
        signal_hook::flag::register_usize(signal, &STOP_SIGNAL, signal as usize)?;
        signal_hook::flag::register(signal, &STOPPING)?;
    }
    Ok(())
}

fn stop_signal() -> Option<usize> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = install_signal_handlers() {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::FAILURE;
    }
    let result = run(cli);
    match (result, stop_signal()) {
        (Ok(()), _) => ExitCode::SUCCESS,
        (Err(_), Some(signal)) => {
            let name = if signal == 2 { "SIGINT" } else { "SIGTERM" };
            eprintln!(
                "interrupted by {name}: stopped at a simulated day boundary and removed its \
                 temporary files; the output directory is as it was (a sweep keeps its finished \
                 runs). Run the same command again to resume."
            );
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
        }
        (Err(e), None) => {
            eprintln!("error: {}", message(&e));
            if is_bad_input(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes, each said once (library errors name their cause in their own
/// message too, so printing every link would repeat an OS error).
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

/// Scenario errors and output directories that hold something else: the user's to fix.
fn is_bad_input(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<BadInput>()
            || c.is::<Usage>()
            || matches!(
                c.downcast_ref::<FileError>(),
                Some(FileError::NotOurs { .. })
            )
            || matches!(
                c.downcast_ref::<OutputError>(),
                Some(OutputError::File(FileError::NotOurs { .. }))
            )
            || c.downcast_ref::<job::JobError>()
                .is_some_and(job::JobError::is_bad_input)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Emission { days, out } => emission(days, out),
        Command::Validate { file, quiet } => validate(&file, quiet),
        Command::Run {
            file,
            seed,
            out,
            threads,
        } => {
            sim_core::threads::set_run_threads(
                threads.map_or(0, |t| usize::try_from(t).unwrap_or(1)),
            );
            let m = run_one(&file, seed, &out)?;
            println!("wrote {} (digest {})", out.display(), m.digest);
            Ok(())
        }
        Command::Sweep {
            file,
            runs,
            replace,
        } => {
            let (out, shard) = (runs.out.clone(), runs.shard);
            // Bounds the work outside the runs' pool too (the report's charts).
            sim_core::threads::set_run_threads(runs.threads());
            let opts = SweepOptions {
                threads: runs.threads(),
                shard,
                resume: !runs.no_resume,
                replace,
            };
            print_sweep(
                &sweep(&file, &out, &opts)?,
                &out,
                shard.filter(|s| s.count > 1),
            );
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let out = out.unwrap_or_else(|| dirs[0].clone());
            let m = merge(&out, &dirs)?;
            println!(
                "merged {} runs into {} ({} copied in; sweep digest {})",
                m.manifest.runs,
                out.display(),
                m.copied,
                m.manifest.digest
            );
            Ok(())
        }
        Command::Search { file, runs } => {
            let p = prepare(&file, false)?;
            sim_core::threads::set_run_threads(runs.threads());
            let opts = reports::search::SearchOptions {
                threads: runs.threads(),
                shard: runs.shard,
                resume: !runs.no_resume,
            };
            study::search(&p, &runs.out, &opts)
        }
        Command::Sensitivity { dir, metrics } => study::sensitivity(&dir, &metrics),
        Command::Report { dir } => report(&dir),
        Command::Columns {
            table,
            markdown,
            json,
        } => match json {
            true => say(&scenarios::tables::dictionary::json()),
            false => columns(table.as_deref(), markdown),
        },
        Command::Check {
            file,
            threads,
            max_days,
            max_full_nodes,
            work,
        } => {
            let threads = threads.map_or_else(
                || default_threads().max(2),
                |t| usize::try_from(t).unwrap_or(2),
            );
            let opts = check::CheckOptions {
                threads,
                max_days,
                max_full_nodes,
                work,
            };
            println!("{}", check::check(&file, &opts)?);
            Ok(())
        }
    }
}

fn report(dir: &Path) -> anyhow::Result<()> {
    let rendering = || format!("rendering the report of {}", dir.display());
    match read_manifest(dir).with_context(rendering)? {
        Some(Manifest::Run(_)) => drop(rerender_run(dir).with_context(rendering)?),
        Some(Manifest::Sweep(m)) => {
            drop(reports::merge::rerender_sweep(dir, &m).with_context(rendering)?);
        }
        None if !dir.is_dir() => anyhow::bail!("{}: no such directory", dir.display()),
        None => anyhow::bail!(
            "{}: holds no manifest.json (not a finished run or sweep; an unfinished sweep gets one from `dcfs-sim merge {}`)",
            dir.display(),
            dir.display()
        ),
    }
    println!("wrote {}", dir.join(reports::layout::INDEX).display());
    Ok(())
}

fn columns(table: Option<&str>, markdown: bool) -> anyhow::Result<()> {
    use scenarios::tables::dictionary::{TABLES, markdown as dictionary_markdown};
    use std::fmt::Write as _;
    if markdown {
        return say(&dictionary_markdown());
    }
    let mut text = String::new();
    let Some(name) = table else {
        for d in TABLES {
            let _ = writeln!(text, "{:<14} {:<46} one row: {}", d.name, d.modes, d.row);
        }
        return say(&text);
    };
    let defs: Vec<_> = TABLES.iter().filter(|d| d.name == name).collect();
    if defs.is_empty() {
        let mut known: Vec<&str> = TABLES.iter().map(|d| d.name).collect();
        known.dedup();
        return Err(anyhow::Error::new(Usage(format!(
            "no table `{name}`; the tables are {}",
            known.join(", ")
        ))));
    }
    for d in defs {
        let _ = writeln!(
            text,
            "{} ({}): one row is {}; SPEC {}",
            d.name, d.modes, d.row, d.spec
        );
        for c in d.all_columns() {
            let (n, t, u) = (c.name, c.ty.label(), c.unit);
            let _ = writeln!(text, "  {n:<32} {t:<36} {u:<8} {}", c.meaning);
        }
    }
    say(&text)
}

/// Writes `text` to standard output; a reader that closed the pipe (`| head`) is not an error.
fn say(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn bad(e: ScenarioError) -> anyhow::Error {
    anyhow::Error::new(BadInput(e))
}

/// Reads and validates a scenario and, with `points`, every point of its sweep; nothing is
/// written before this succeeds. `run` ignores the sweep, so it parses and validates once.
fn prepare(file: &Path, points: bool) -> anyhow::Result<Prepared> {
    let doc = scenarios::read_document(file).map_err(bad)?;
    Prepared::new(doc, points).map_err(bad)
}

fn validate(file: &Path, quiet: bool) -> anyhow::Result<()> {
    let p = prepare(file, true)?;
    if !quiet {
        let text = toml::to_string(&p.base.resolved).context("printing the resolved scenario")?;
        say(&format!(
            "# {}: valid; {} run(s)\n{text}\n",
            file.display(),
            p.plan.len()
        ))?;
    }
    Ok(())
}

/// Stops runs when a signal came, and moves a progress bar over simulated days.
struct Watch<'a> {
    bar: &'a indicatif::ProgressBar,
}

impl DayObserver for Watch<'_> {
    fn day_done(&mut self, days_done: u64, horizon_days: u64) -> ControlFlow<()> {
        if stop_signal().is_some() {
            return ControlFlow::Break(());
        }
        self.bar.set_length(horizon_days);
        self.bar.set_position(days_done);
        ControlFlow::Continue(())
    }
}

fn run_one(file: &Path, seed: Option<u64>, out: &Path) -> anyhow::Result<RunManifest> {
    let p = prepare(file, false)?;
    let bar = progress_bar(p.base.spec.horizon_days(), "simulated days");
    let m = job::run_one(&p, seed, out, &mut Watch { bar: &bar }).map_err(job_error)?;
    bar.finish_and_clear();
    Ok(m)
}

/// Stops a sweep when a signal came; moves a progress bar over the simulated days of all its
/// runs (a run kept from an earlier attempt counts its days at once and is counted as kept).
struct SweepBar {
    bar: indicatif::ProgressBar,
    horizon_days: u64,
    kept: std::sync::atomic::AtomicU64,
}

impl job::SweepWatch for SweepBar {
    fn stop(&self) -> bool {
        stop_signal().is_some()
    }
    fn day_done(&self) {
        self.bar.inc(1);
    }
    fn run_done(&self, _index: u64, kept: bool) {
        if kept {
            let k = self.kept.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.inc(self.horizon_days);
            self.bar
                .set_message(format!(" ({k} runs kept from an earlier attempt)"));
        }
    }
}

fn print_sweep(done: &SweepDone, out: &Path, shard: Option<Shard>) {
    let (kept, computed) = (done.kept, done.computed);
    match (&done.merged, shard) {
        (Some(m), _) => println!(
            "wrote {} runs to {} ({kept} kept from an earlier attempt, {computed} computed; sweep digest {})",
            m.runs,
            out.display(),
            m.digest
        ),
        (None, Some(s)) => println!(
            "shard {}/{} done: {} of {} runs in {} ({kept} kept from an earlier attempt, {computed} computed); when every shard is done run `dcfs-sim merge <dirs> --out <dir>`",
            s.index,
            s.count,
            done.runs,
            done.total,
            out.display()
        ),
        (None, None) => {}
    }
}

fn sweep(file: &Path, out: &Path, opts: &SweepOptions) -> anyhow::Result<SweepDone> {
    let p = prepare(file, true)?;
    let shard = opts.shard.unwrap_or(Shard { index: 0, count: 1 });
    let runs = shard.indices(p.plan.len()).len() as u64;
    // Every run's horizon is the base scenario's unless the sweep varies it (then the bar's
    // length is an estimate).
    let horizon_days = p.base.spec.horizon_days();
    let watch = SweepBar {
        bar: progress_bar(
            runs.saturating_mul(horizon_days),
            "simulated days (all runs)",
        ),
        horizon_days,
        kept: std::sync::atomic::AtomicU64::new(0),
    };
    let done = job::sweep(&p, out, opts, &watch).map_err(job_error)?;
    watch.bar.finish_and_clear();
    Ok(done)
}

/// A job's error, marked as bad input where it is the user's to fix.
fn job_error(e: job::JobError) -> anyhow::Error {
    match e {
        job::JobError::Scenario(e) => bad(e),
        e => anyhow::Error::new(e),
    }
}

/// A progress bar with ETA on an interactive terminal; hidden when piped or in CI.
fn progress_bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {unit}, ETA {{eta}}{{msg}}"
    )) {
        bar.set_style(style);
    }
    bar
}

fn emission(days: u64, out: Option<PathBuf>) -> anyhow::Result<()> {
    let mut timeline = SupplyTimeline::new(SupplyParams::default())?;
    match out {
        Some(path) => {
            reports::write_atomically(&path, |w| write_emission_csv(w, &mut timeline, days))
                .with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let stdout = io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            let written = write_emission_csv(&mut w, &mut timeline, days)
                .and_then(|()| w.flush().map_err(anyhow::Error::from));
            match written {
                // A closed pipe (e.g. `| head`) is not an error for the user.
                Err(e) if is_broken_pipe(&e) => Ok(()),
                other => other,
            }
        }
    }
}

/// Days of the schedule turned into one table before it is written.
const EMISSION_CHUNK_DAYS: usize = 1_024;

/// Writes days `0..days` of `timeline` as the schedule mode's `daily` table, as CSV.
fn write_emission_csv<W: Write>(
    w: &mut W,
    timeline: &mut SupplyTimeline,
    days: u64,
) -> anyhow::Result<()> {
    reports::csv::write_csv_header(w, &scenarios::tables::supply::daily(&[]))?;
    let mut rows = Vec::with_capacity(EMISSION_CHUNK_DAYS);
    for d in 0..days {
        rows.push(timeline.next_day()?);
        if rows.len() == EMISSION_CHUNK_DAYS || d + 1 == days {
            reports::csv::write_csv_rows(w, &scenarios::tables::supply::daily(&rows))?;
            rows.clear();
        }
    }
    Ok(())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
