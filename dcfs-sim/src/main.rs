//! dcfs-sim: the command-line front end — parses flags, calls the library crates, reports errors.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use economics::{SupplyParams, SupplyTimeline};

/// The longest emission table one command writes (about 2,700 years).
const MAX_EMISSION_DAYS: u64 = 1_000_000;

/// Deterministic discrete-event simulator and economic model of the DCFS chain.
#[derive(Debug, Parser)]
#[command(name = "dcfs-sim", version, about, long_about = None)]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Emission { days, out } => emission(days, out),
    }
}

fn emission(days: u64, out: Option<PathBuf>) -> anyhow::Result<()> {
    let mut timeline = SupplyTimeline::new(SupplyParams::default())?;
    match out {
        Some(path) => reports::write_atomically(&path, |w| {
            reports::write_emission_csv(w, &mut timeline, days)
        })
        .with_context(|| format!("writing {}", path.display())),
        None => {
            let stdout = io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            let written = reports::write_emission_csv(&mut w, &mut timeline, days)
                .map_err(anyhow::Error::from)
                .and_then(|()| w.flush().map_err(anyhow::Error::from));
            match written {
                // A closed pipe (e.g. `| head`) is not an error for the user.
                Err(e) if is_broken_pipe(&e) => Ok(()),
                other => other,
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
