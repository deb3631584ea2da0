//! dcfs-sim: the command-line front end — parses flags, calls the library crates, reports errors.
//!
//! Exit codes: 0 success; 1 a run or output failure; 2 bad input (flags or scenario files).

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use economics::{SupplyParams, SupplyTimeline};
use reports::output::{RunContext, RunManifest, finished_run, merge, run_dir, write_run};
use reports::stream::RunFiles;
use scenarios::{Document, Loaded, RunSpec, ScenarioError, Shard, SweepPlan};
use sim_core::Digest;

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
    /// of the nine allocations. Amounts are exact integers in wei (1 DCC = 10^18 wei). Every
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
    /// Files are written atomically; manifest.json (resolved scenario, seed, program version,
    /// output digest) is written last. A [sweep] section in the file is ignored (use `sweep`).
    Run {
        /// Scenario file (.toml, or .json).
        file: PathBuf,
        /// Override the scenario's run.seed (0 to 9223372036854775807).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=scenarios::limits::MAX_SEED))]
        seed: Option<u64>,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
    },
    /// Run every point × seed of the scenario's [sweep] in parallel.
    ///
    /// Each run writes runs/<index>/ under --out; summary.csv and manifest.json are written when
    /// all runs are present. Results do not depend on --threads. An interrupted sweep resumes:
    /// finished runs (same program, sweep and scenario) are kept, not recomputed. With --shard
    /// K/N only runs with index % N == K are done; merge the shards with `dcfs-sim merge`.
    Sweep {
        /// Scenario file with a [sweep] section (.toml, or .json).
        file: PathBuf,
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
    },
    /// Reunite the shards of a sweep into exactly what one machine would have written.
    ///
    /// Reads runs/*/manifest.json under each DIR, checks that every run of the sweep is present
    /// once and that all belong to the same sweep and program version, copies run folders into
    /// --out, and writes summary.csv and manifest.json there.
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
    /// A sweep directory (top-level manifest.json of a sweep) also gets its summary.parquet and
    /// daily quantiles recomputed from runs/*/ in index order; a run directory (e.g. a sweep's
    /// runs/000003) gets charts/ and index.html from its tables.
    Report {
        /// Run or sweep output directory.
        dir: PathBuf,
    },
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<BadInput>().is_some() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Emission { days, out } => emission(days, out),
        Command::Validate { file, quiet } => validate(&file, quiet),
        Command::Run { file, seed, out } => run_one(&file, seed, &out),
        Command::Sweep {
            file,
            out,
            threads,
            shard,
            no_resume,
        } => {
            let threads = threads.map_or_else(default_threads, |t| usize::try_from(t).unwrap_or(1));
            sweep(&file, &out, threads, shard, !no_resume)
        }
        Command::Merge { dirs, out } => {
            let out = out.unwrap_or_else(|| dirs[0].clone());
            let m = merge(&out, &dirs)?;
            println!(
                "merged {} runs into {} (sweep digest {})",
                m.runs,
                out.display(),
                m.digest
            );
            Ok(())
        }
        Command::Report { dir } => {
            reports::report::render_report(&dir)
                .with_context(|| format!("rendering the report of {}", dir.display()))?;
            println!("wrote {}", dir.join(reports::layout::INDEX).display());
            Ok(())
        }
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn bad(e: ScenarioError) -> anyhow::Error {
    anyhow::Error::new(BadInput(e))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A scenario read, parsed and validated once, with its sweep expanded and every point checked.
struct Prepared {
    doc: Document,
    base: Loaded,
    plan: SweepPlan,
    sweep_id: Digest,
}

/// Reads and validates a scenario and, with `points`, every point of its sweep; nothing is
/// written before this succeeds. `run` ignores the sweep, so it parses and validates once.
fn prepare(file: &Path, points: bool) -> anyhow::Result<Prepared> {
    let doc = scenarios::read_document(file).map_err(bad)?;
    let base = doc.load().map_err(bad)?;
    let plan = SweepPlan::new(&base);
    if points {
        plan.validate_all(&doc).map_err(bad)?;
    }
    let sweep_id = reports::output::scenario_digest(&base.resolved);
    Ok(Prepared {
        doc,
        base,
        plan,
        sweep_id,
    })
}

fn validate(file: &Path, quiet: bool) -> anyhow::Result<()> {
    let p = prepare(file, true)?;
    if !quiet {
        let text = toml::to_string(&p.base.resolved).context("printing the resolved scenario")?;
        println!(
            "# {}: valid; {} run(s)\n{text}",
            file.display(),
            p.plan.len()
        );
    }
    Ok(())
}

fn run_one(file: &Path, seed: Option<u64>, out: &Path) -> anyhow::Result<()> {
    let Prepared { base, sweep_id, .. } = prepare(file, false)?;
    let loaded = match seed {
        Some(seed) => base.with_seed(seed),
        None => base,
    };
    let spec = RunSpec {
        index: 0,
        point: 0,
        seed: loaded.spec.seed(),
        overrides: Vec::new(),
    };
    // Long tables stream into `out` as the run goes (under temporary names until it ends).
    let mut files = RunFiles::create(out)?;
    let output = scenarios::run_streaming(&loaded.spec, &mut files)
        .with_context(|| format!("running {}", file.display()))?;
    let streamed = files.finish()?;
    let name = file_name(file);
    let ctx = RunContext {
        scenario_file: &name,
        sweep_id: &sweep_id,
        sweep_runs: 1,
        spec: &spec,
        loaded: &loaded,
    };
    let m = write_run(out, ctx, &output, streamed)?;
    println!("wrote {} (digest {})", out.display(), m.digest);
    Ok(())
}

fn sweep(
    file: &Path,
    out: &Path,
    threads: usize,
    shard: Option<Shard>,
    resume: bool,
) -> anyhow::Result<()> {
    let Prepared {
        doc,
        plan,
        sweep_id,
        ..
    } = prepare(file, true)?;
    let total = plan.len();
    let indices = shard.unwrap_or(Shard { index: 0, count: 1 }).indices(total);
    let name = file_name(file);
    let bar = progress_bar(indices.len() as u64);
    let run_index = |i: u64| -> anyhow::Result<RunManifest> {
        let spec = plan.spec(i);
        let loaded = plan.load_run(&doc, &spec).map_err(bad)?;
        let dir = run_dir(out, i);
        let ctx = RunContext {
            scenario_file: &name,
            sweep_id: &sweep_id,
            sweep_runs: total,
            spec: &spec,
            loaded: &loaded,
        };
        if resume && let Some(m) = finished_run(&dir, ctx)? {
            bar.inc(1);
            return Ok(m);
        }
        let mut files = RunFiles::create(&dir)?;
        let output = scenarios::run_streaming(&loaded.spec, &mut files)
            .with_context(|| format!("run {i} of {}", file.display()))?;
        let streamed = files.finish()?;
        let m = write_run(&dir, ctx, &output, streamed)?;
        bar.inc(1);
        Ok(m)
    };
    scenarios::par_map_ordered(&indices, threads, run_index)?;
    bar.finish_and_clear();
    match shard {
        Some(s) if s.count > 1 => {
            println!(
                "shard {}/{} done: {} of {total} runs in {}; when every shard is done run `dcfs-sim merge <dirs> --out <dir>`",
                s.index,
                s.count,
                indices.len(),
                out.display()
            );
        }
        _ => {
            let m = merge(out, &[out.to_path_buf()])?;
            println!(
                "wrote {} runs to {} (sweep digest {})",
                m.runs,
                out.display(),
                m.digest
            );
        }
    }
    Ok(())
}

/// A progress bar with ETA on an interactive terminal; hidden when piped or in CI.
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, ETA {eta}")
    {
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
