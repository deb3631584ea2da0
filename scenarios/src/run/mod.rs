//! Running one validated scenario: [`crate::build`] makes the engines from the spec and its
//! seed, they are driven to the horizon, and their outputs are collected as tables plus a
//! one-row summary, with a digest over everything. Tables that grow with the horizon stream to a
//! [`TableSink`] while the run goes (`stream`).

mod chain;
mod chain_mode;
mod contract_log;
mod coupled;
mod economy;
mod error;
mod inequality;
mod schedule;
mod stream;

pub use chain::{
    ChainLog, ChainOutput, ChainOutputs, ChainRecords, ChainRun, ChainRunError, ValidatorDayRow,
    run_chain,
};
pub use contract_log::ContractLog;
pub use coupled::{ChainSource, ChainSourceError, chain_holdings};
pub use error::RunError;
pub use stream::{DayObserver, SinkError, StreamError, TableEntry, TableSink, Unobserved};

use sim_core::{Digest, OutputDigest};

use error::Piece;
use stream::Streams;

use crate::tables::Table;
use crate::validate::{Engines, Spec};

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// Output tables held in memory, in output order: every table of a run without a sink;
    /// with a [`TableSink`], only those that were not streamed to it.
    pub tables: Vec<Table>,
    /// Every output table (streamed or not) with its rows and digest, in output order.
    pub entries: Vec<TableEntry>,
    /// Key figures as a one-row table (`summary`), the row a sweep collects.
    pub summary: Table,
    /// Digest of every table and the summary: for each, in order, its name, rows and
    /// [`crate::tables::TableDigest`]. Independent of file formats, of the sink and of batching.
    pub digest: Digest,
}

/// Runs `spec` to its horizon, keeping every output table in memory (fine for short runs
/// and tests; use [`run_streaming`] for long ones).
pub fn run(spec: &Spec) -> Result<RunOutput, RunError> {
    run_with(spec, Streams::new(None, &mut Unobserved))
}

/// Runs `spec` to its horizon, handing the rows of the tables that grow with the horizon
/// (`daily`, `chain_daily`, `blocks`, `validators`, `events`) to `sink` in batches while it runs,
/// so memory stays flat; the other tables are returned in [`RunOutput::tables`]. The digest is
/// the one [`run`] gives.
pub fn run_streaming(spec: &Spec, sink: &mut dyn TableSink) -> Result<RunOutput, RunError> {
    run_with(spec, Streams::new(Some(sink), &mut Unobserved))
}

/// As [`run_streaming`], telling `observer` after every simulated day (which may stop the run:
/// [`RunError::Interrupted`]). Observing never changes an output.
pub fn run_observed(
    spec: &Spec,
    sink: &mut dyn TableSink,
    observer: &mut dyn DayObserver,
) -> Result<RunOutput, RunError> {
    run_with(spec, Streams::new(Some(sink), observer))
}

/// As [`run`] (every table in memory), telling `observer` after every simulated day.
pub fn run_observed_in_memory(
    spec: &Spec,
    observer: &mut dyn DayObserver,
) -> Result<RunOutput, RunError> {
    run_with(spec, Streams::new(None, observer))
}

fn run_with(spec: &Spec, mut streams: Streams<'_>) -> Result<RunOutput, RunError> {
    let (pieces, summary) = match spec.engines() {
        Engines::Schedule => schedule::run(spec, &mut streams)?,
        Engines::Economy(economy) => economy::run(spec, economy, &mut streams)?,
        Engines::Consensus(chain) => chain_mode::run(spec, chain, None, &mut streams)?,
        Engines::Coupled { chain, economy } => {
            chain_mode::run(spec, chain, Some(economy), &mut streams)?
        }
    };
    let mut finished: Vec<Option<(TableEntry, Option<Table>)>> =
        streams.finish()?.into_iter().map(Some).collect();
    let mut tables = Vec::new();
    let mut entries = Vec::new();
    for piece in pieces {
        let (entry, table) = match piece {
            Piece::Stream(id) => {
                finished[id.index()]
                    .take()
                    .ok_or_else(|| StreamError::Schema {
                        table: format!("stream {} listed twice", id.index()),
                    })?
            }
            Piece::Memory(t) => {
                crate::tables::dictionary::debug_assert_defined(&t);
                let (rows, digest) = t.digest();
                let entry = TableEntry {
                    name: t.name.clone(),
                    rows,
                    digest,
                    streamed: false,
                };
                (entry, Some(t))
            }
        };
        entries.push(entry);
        tables.extend(table);
    }
    crate::tables::dictionary::debug_assert_defined(&summary);
    let mut d = OutputDigest::new();
    let (summary_rows, summary_digest) = summary.digest();
    let all = entries
        .iter()
        .map(|e| (e.name.as_str(), e.rows, &e.digest))
        .chain([(summary.name.as_str(), summary_rows, &summary_digest)]);
    for (name, rows, digest) in all {
        d.str(name).u64(rows).bytes(&digest.0);
    }
    Ok(RunOutput {
        tables,
        entries,
        summary,
        digest: d.finish(),
    })
}
