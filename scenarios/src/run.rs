//! Running one validated scenario: the engines are driven to the horizon and their outputs
//! collected as tables plus a one-row summary, with a digest over everything.

use economics::{AllocationId, LedgerError, SUPPLY_DAY_COLUMNS, SupplyTimeline, allocation_column};
use sim_core::{Digest, OutputDigest};

use crate::raw::Mode;
use crate::table::{ColumnData, Table};
use crate::validate::Scenario;

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// Output tables (e.g. `daily`), in a fixed order.
    pub tables: Vec<Table>,
    /// Key figures as a one-row table (`summary`), the row a sweep collects.
    pub summary: Table,
    /// Digest of every table and the summary, independent of file formats.
    pub digest: Digest,
}

/// A run that stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The SPEC §7 accounting invariant or a ledger transfer failed (a model bug).
    #[error("day {day}: {source}")]
    Ledger {
        /// The simulated day.
        day: u64,
        /// What broke.
        #[source]
        source: LedgerError,
    },
}

/// Runs `scenario` to its horizon.
pub fn run(scenario: &Scenario) -> Result<RunOutput, RunError> {
    let (tables, summary) = match scenario.mode {
        Mode::Schedule => run_schedule(scenario)?,
    };
    let mut d = OutputDigest::new();
    for t in &tables {
        t.digest_into(&mut d);
    }
    summary.digest_into(&mut d);
    Ok(RunOutput {
        tables,
        summary,
        digest: d.finish(),
    })
}

fn run_schedule(scenario: &Scenario) -> Result<(Vec<Table>, Table), RunError> {
    let mut timeline = SupplyTimeline::new(scenario.supply.clone())
        .map_err(|source| RunError::Ledger { day: 0, source })?;
    let n = usize::try_from(scenario.horizon_days).unwrap_or(usize::MAX);
    let mut day = Vec::with_capacity(n);
    let mut cols: [Vec<u128>; 5] = Default::default();
    let mut per_alloc: [Vec<u128>; 9] = Default::default();
    for d in 0..scenario.horizon_days {
        let row = timeline
            .next_day()
            .map_err(|source| RunError::Ledger { day: d, source })?;
        day.push(row.day);
        for (c, v) in cols.iter_mut().zip([
            row.emission,
            row.emission_cumulative,
            row.vested,
            row.vested_cumulative,
            row.mining_pool,
        ]) {
            c.push(v.wei());
        }
        for (c, v) in per_alloc.iter_mut().zip(row.vested_by_allocation) {
            c.push(v.wei());
        }
    }
    let last = |c: &Vec<u128>| c.last().copied().unwrap_or(0);
    let mut summary = Table::new("summary");
    summary.push("days", ColumnData::U64(vec![scenario.horizon_days]));
    summary.push(
        "emission_cumulative_wei",
        ColumnData::U128(vec![last(&cols[1])]),
    );
    summary.push(
        "vested_cumulative_wei",
        ColumnData::U128(vec![last(&cols[3])]),
    );
    summary.push("mining_pool_wei", ColumnData::U128(vec![last(&cols[4])]));

    let mut tables = Vec::new();
    if scenario.outputs.daily {
        let mut daily = Table::new("daily");
        daily.push(SUPPLY_DAY_COLUMNS[0], ColumnData::U64(day));
        for (name, c) in SUPPLY_DAY_COLUMNS[1..].iter().zip(cols) {
            daily.push(name, ColumnData::U128(c));
        }
        for (id, c) in AllocationId::ALL.into_iter().zip(per_alloc) {
            daily.push(&allocation_column(id), ColumnData::U128(c));
        }
        tables.push(daily);
    }
    Ok((tables, summary))
}
