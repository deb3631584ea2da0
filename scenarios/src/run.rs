//! Running one validated scenario: the engines are driven to the horizon and their outputs
//! collected as tables plus a one-row summary, with a digest over everything.

use economics::economy::{DayRow, Economy, EconomyConfig, EconomyError, NodeStatus, VecRecorder};
use economics::{
    AllocationId, LedgerError, SUPPLY_DAY_COLUMNS, SupplyDay, SupplyTimeline, allocation_column,
};
use sim_core::{Digest, OutputDigest};

use crate::raw::Mode;
use crate::stream::{StreamError, StreamId, Streams, TableEntry, TableSink};
use crate::table::{ColumnData, Field, Table};
use crate::validate::Scenario;

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
    /// [`crate::table::TableDigest`]. Independent of file formats, of the sink and of batching.
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
    /// The economy stopped (an invariant breach or a limit).
    #[error(transparent)]
    Economy(#[from] EconomyError),
    /// The chain stopped.
    #[error(transparent)]
    Chain(#[from] crate::chain_run::ChainRunError),
    /// A streamed output table could not be written or grew too long.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The scenario lacks a section its mode needs (a validation bug).
    #[error("mode {0:?} needs its configuration")]
    MissingConfig(Mode),
}

/// Runs `scenario` to its horizon, keeping every output table in memory (fine for short runs
/// and tests; use [`run_streaming`] for long ones).
pub fn run(scenario: &Scenario) -> Result<RunOutput, RunError> {
    run_with(scenario, Streams::new(None))
}

/// Runs `scenario` to its horizon, handing the rows of the tables that grow with the horizon
/// (`daily`, `chain_daily`, `blocks`, `validators`, `events`) to `sink` in batches while it runs,
/// so memory stays flat; the other tables are returned in [`RunOutput::tables`]. The digest is
/// the one [`run`] gives.
pub fn run_streaming(scenario: &Scenario, sink: &mut dyn TableSink) -> Result<RunOutput, RunError> {
    run_with(scenario, Streams::new(Some(sink)))
}

/// A piece of a run's output, in output order.
enum Piece {
    /// A streamed table.
    Stream(StreamId),
    /// A table built at the end.
    Memory(Table),
}

fn run_with(scenario: &Scenario, mut streams: Streams<'_>) -> Result<RunOutput, RunError> {
    let (pieces, summary) = match scenario.mode {
        Mode::Schedule => run_schedule(scenario, &mut streams)?,
        Mode::Economy => {
            let cfg = scenario
                .economy
                .as_ref()
                .ok_or(RunError::MissingConfig(Mode::Economy))?;
            run_economy(scenario, cfg, &mut streams)?
        }
        Mode::Consensus | Mode::Coupled => run_chain_mode(scenario, &mut streams)?,
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

/// Rows gathered before they are appended to a stream (a run appends at least every simulated
/// day in chain modes).
const APPEND_ROWS: usize = 1024;

fn run_schedule(
    scenario: &Scenario,
    streams: &mut Streams<'_>,
) -> Result<(Vec<Piece>, Table), RunError> {
    let mut timeline = SupplyTimeline::new(scenario.supply.clone())
        .map_err(|source| RunError::Ledger { day: 0, source })?;
    let daily = scenario
        .outputs
        .daily
        .then(|| streams.declare(&supply_daily_table(&[])));
    let mut buf = Vec::with_capacity(APPEND_ROWS);
    let mut last = None;
    for d in 0..scenario.horizon_days {
        let row = timeline
            .next_day()
            .map_err(|source| RunError::Ledger { day: d, source })?;
        if let Some(id) = daily {
            buf.push(row.clone());
            if buf.len() >= APPEND_ROWS || d + 1 == scenario.horizon_days {
                streams.append(id, supply_daily_table(&buf))?;
                buf.clear();
            }
        }
        last = Some(row);
    }
    let get = |f: fn(&SupplyDay) -> sim_core::Amount| last.as_ref().map_or(0, |r| f(r).wei());
    let mut summary = Table::new("summary");
    summary.push_one_u64("days", scenario.horizon_days);
    summary.push_one_u128("emission_cumulative_wei", get(|r| r.emission_cumulative));
    summary.push_one_u128("vested_cumulative_wei", get(|r| r.vested_cumulative));
    summary.push_one_u128("mining_pool_wei", get(|r| r.mining_pool));
    Ok((daily.into_iter().map(Piece::Stream).collect(), summary))
}

/// The supply timeline's daily rows as a table.
pub fn supply_daily_table(rows: &[SupplyDay]) -> Table {
    let mut daily = Table::new("daily");
    daily.push(
        SUPPLY_DAY_COLUMNS[0],
        ColumnData::U64(rows.iter().map(|r| r.day).collect()),
    );
    let amounts: [fn(&SupplyDay) -> sim_core::Amount; 5] = [
        |r| r.emission,
        |r| r.emission_cumulative,
        |r| r.vested,
        |r| r.vested_cumulative,
        |r| r.mining_pool,
    ];
    for (name, get) in SUPPLY_DAY_COLUMNS[1..].iter().zip(amounts) {
        daily.push(
            name,
            ColumnData::U128(rows.iter().map(|r| get(r).wei()).collect()),
        );
    }
    for (i, id) in AllocationId::ALL.into_iter().enumerate() {
        daily.push(
            &allocation_column(id),
            ColumnData::U128(
                rows.iter()
                    .map(|r| r.vested_by_allocation[i].wei())
                    .collect(),
            ),
        );
    }
    daily
}

/// Amount columns of the economy's daily table, in output order (SPEC §8 names, units last).
const DAY_AMOUNTS: [Field<DayRow, sim_core::Amount>; 23] = [
    ("emission_wei", |r| r.emission),
    ("basic_paid_wei", |r| r.basic_paid),
    ("stability_paid_wei", |r| r.stability_paid),
    ("extra_paid_wei", |r| r.extra_paid),
    ("election_super_nodes_paid_wei", |r| {
        r.election_super_nodes_paid
    }),
    ("election_voters_paid_wei", |r| r.election_voters_paid),
    ("burned_pre_election_wei", |r| r.burned_pre_election),
    ("burned_unadopted_wei", |r| r.burned_unadopted),
    ("burned_forfeits_wei", |r| r.burned_forfeits),
    ("forfeits_to_pool_wei", |r| r.forfeits_to_pool),
    ("emission_left_in_pool_wei", |r| r.emission_left_in_pool),
    ("pool_remaining_wei", |r| r.pool_remaining),
    ("vested_released_wei", |r| r.vested_released),
    ("circulating_wei", |r| r.circulating),
    ("locked_unvested_wei", |r| r.locked_unvested),
    ("locked_node_pledges_wei", |r| r.locked_node_pledges),
    ("locked_votes_wei", |r| r.locked_votes),
    ("locked_validator_stake_wei", |r| r.locked_validator_stake),
    ("unwithdrawn_income_wei", |r| r.unwithdrawn_income),
    ("burned_total_wei", |r| r.burned_total),
    ("vote_fees_wei", |r| r.vote_fees),
    ("votes_cast_wei", |r| r.votes_cast),
    ("votes_released_wei", |r| r.votes_released),
];

/// Count columns of the economy's daily table.
const DAY_COUNTS: [Field<DayRow, u64>; 4] = [
    ("settlement_delay_ms", |r| r.settlement_delay_ms),
    ("nodes_active", |r| u64::from(r.nodes_active)),
    ("nodes_pledged", |r| u64::from(r.nodes_pledged)),
    ("super_nodes", |r| u64::from(r.super_nodes)),
];

/// Coupled mode: the chain's share of the SPEC §7 buckets (already included in the bucket
/// columns), appended to the economy's daily table.
const DAY_CHAIN: [Field<DayRow, sim_core::Amount>; 4] = [
    ("chain_liquid_wei", |r| r.chain.unwrap_or_default().liquid),
    ("chain_stake_wei", |r| r.chain.unwrap_or_default().stake),
    ("chain_income_wei", |r| r.chain.unwrap_or_default().income),
    ("chain_burned_wei", |r| r.chain.unwrap_or_default().burned),
];

/// The economy's daily rows as a table (one row per settled day); `coupled` adds the chain's
/// bucket columns.
pub fn economy_daily_table(days: &[DayRow], coupled: bool) -> Table {
    let mut t = Table::new("daily");
    t.push("day", ColumnData::U64(days.iter().map(|r| r.day).collect()));
    for (name, get) in DAY_COUNTS {
        t.push(name, ColumnData::U64(days.iter().map(get).collect()));
    }
    t.push(
        "effective_power",
        ColumnData::U128(days.iter().map(|r| r.effective_power).collect()),
    );
    let chain: &[Field<DayRow, sim_core::Amount>] = if coupled { &DAY_CHAIN } else { &[] };
    for (name, get) in DAY_AMOUNTS.iter().chain(chain) {
        t.push(
            name,
            ColumnData::U128(days.iter().map(|r| get(r).wei()).collect()),
        );
    }
    t
}

/// Running figures of the economy's daily rows, for the summary (the rows themselves stream).
#[derive(Debug, Default)]
struct DayTotals {
    days: u64,
    max_settlement_delay_ms: u64,
    emission_wei: u128,
    paid_wei: u128,
    last: Option<DayRow>,
}

impl DayTotals {
    fn add(&mut self, rows: &[DayRow]) {
        for r in rows {
            self.days += 1;
            self.max_settlement_delay_ms = self.max_settlement_delay_ms.max(r.settlement_delay_ms);
            // Sums of at most the 500M supply: they cannot overflow u128.
            self.emission_wei += r.emission.wei();
            self.paid_wei += r.basic_paid.wei()
                + r.stability_paid.wei()
                + r.extra_paid.wei()
                + r.election_super_nodes_paid.wei()
                + r.election_voters_paid.wei();
        }
        if let Some(r) = rows.last() {
            self.last = Some(r.clone());
        }
    }
}

/// The economy's daily stream: declared if `outputs.daily`.
struct EconomyDaily {
    id: Option<StreamId>,
    coupled: bool,
    totals: DayTotals,
}

impl EconomyDaily {
    fn new(scenario: &Scenario, streams: &mut Streams<'_>, coupled: bool) -> Self {
        let id = scenario
            .outputs
            .daily
            .then(|| streams.declare(&economy_daily_table(&[], coupled)));
        EconomyDaily {
            id,
            coupled,
            totals: DayTotals::default(),
        }
    }

    fn add(&mut self, rows: &[DayRow], streams: &mut Streams<'_>) -> Result<(), RunError> {
        self.totals.add(rows);
        if let Some(id) = self.id {
            streams.append(id, economy_daily_table(rows, self.coupled))?;
        }
        Ok(())
    }
}

fn status_name(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::NotJoined => "not_joined",
        NodeStatus::Unpledged => "unpledged",
        NodeStatus::Pledged => "pledged",
        NodeStatus::Cleared => "cleared",
        NodeStatus::Lapsed => "lapsed",
        NodeStatus::Gone => "gone",
    }
}

fn run_economy(
    scenario: &Scenario,
    cfg: &EconomyConfig,
    streams: &mut Streams<'_>,
) -> Result<(Vec<Piece>, Table), RunError> {
    let mut economy = Economy::new(cfg.clone())?;
    let mut daily = EconomyDaily::new(scenario, streams, false);
    let mut rec = VecRecorder::default();
    let chunk_days = APPEND_ROWS as u64;
    while economy.next_day() < scenario.horizon_days {
        let end = economy
            .next_day()
            .saturating_add(chunk_days)
            .min(scenario.horizon_days);
        economy.run_ideal(end, &mut rec)?;
        daily.add(&std::mem::take(&mut rec.days), streams)?;
    }
    let mut summary = Table::new("summary");
    summary.push_one_u64("days", scenario.horizon_days);
    let pieces = economy_outputs(scenario, &economy, &rec, &daily, &mut summary);
    Ok((pieces, summary))
}

/// The economy's tables (the daily stream, then nodes and elections), and its key figures
/// appended to `summary`.
fn economy_outputs(
    scenario: &Scenario,
    economy: &Economy,
    rec: &VecRecorder,
    daily: &EconomyDaily,
    summary: &mut Table,
) -> Vec<Piece> {
    let mut tables = Vec::new();
    tables.extend(daily.id.map(Piece::Stream));
    if scenario.outputs.nodes {
        let totals: Vec<_> = (0..economy.node_count())
            .filter_map(|i| economy.node_totals(i))
            .collect();
        let mut t = Table::new("nodes");
        t.push("node", ColumnData::U64((0..totals.len() as u64).collect()));
        t.push(
            "status",
            ColumnData::Str(
                totals
                    .iter()
                    .map(|n| status_name(n.status).to_owned())
                    .collect(),
            ),
        );
        let amounts: [Field<economics::economy::NodeTotals, sim_core::Amount>; 6] = [
            ("basic_wei", |n| n.basic),
            ("stability_wei", |n| n.stability),
            ("extra_wei", |n| n.extra),
            ("election_wei", |n| n.election),
            ("forfeited_wei", |n| n.forfeited),
            ("pledge_wei", |n| n.pledge),
        ];
        for (name, get) in amounts {
            t.push(
                name,
                ColumnData::U128(totals.iter().map(|n| get(n).wei()).collect()),
            );
        }
        t.push(
            "forfeit_count",
            ColumnData::U64(totals.iter().map(|n| u64::from(n.forfeit_count)).collect()),
        );
        tables.push(Piece::Memory(t));
    }
    if scenario.outputs.elections {
        let mut t = Table::new("elections");
        let rows: Vec<(
            &economics::economy::TermResult,
            &economics::economy::CandidateResult,
        )> = rec
            .terms
            .iter()
            .flat_map(|term| term.candidates.iter().map(move |c| (term, c)))
            .collect();
        t.push(
            "term",
            ColumnData::U64(rows.iter().map(|(term, _)| u64::from(term.term)).collect()),
        );
        t.push(
            "voting_open_day",
            ColumnData::U64(rows.iter().map(|(term, _)| term.voting_open_day).collect()),
        );
        t.push(
            "term_start_day",
            ColumnData::U64(rows.iter().map(|(term, _)| term.term_start_day).collect()),
        );
        t.push(
            "term_end_day",
            ColumnData::U64(rows.iter().map(|(term, _)| term.term_end_day).collect()),
        );
        t.push(
            "node",
            ColumnData::U64(rows.iter().map(|(_, c)| u64::from(c.node)).collect()),
        );
        t.push(
            "power",
            ColumnData::U64(rows.iter().map(|(_, c)| c.power).collect()),
        );
        t.push(
            "votes_wei",
            ColumnData::U128(rows.iter().map(|(_, c)| c.votes.wei()).collect()),
        );
        t.push(
            "elected",
            ColumnData::Bool(rows.iter().map(|(_, c)| c.elected).collect()),
        );
        tables.push(Piece::Memory(t));
    }
    let totals = &daily.totals;
    let amount =
        |get: fn(&DayRow) -> sim_core::Amount| totals.last.as_ref().map_or(0, |r| get(r).wei());
    summary.push_one_u64("days_settled", totals.days);
    summary.push_one_u64("max_settlement_delay_ms", totals.max_settlement_delay_ms);
    summary.push_one_u64("nodes", economy.node_count() as u64);
    summary.push_one_u64("terms", rec.terms.len() as u64);
    summary.push(
        "first_term_start_day",
        ColumnData::Str(vec![
            economy
                .first_term_start()
                .map_or_else(String::new, |d| d.to_string()),
        ]),
    );
    summary.push_one_u128("emission_total_wei", totals.emission_wei);
    summary.push_one_u128("paid_total_wei", totals.paid_wei);
    summary.push_one_u128("burned_total_wei", amount(|r| r.burned_total));
    summary.push_one_u128("pool_remaining_wei", amount(|r| r.pool_remaining));
    summary.push_one_u128("circulating_wei", amount(|r| r.circulating));
    summary.push_one_u128("vote_fees_total_wei", economy.vote_fees_total().wei());
    tables
}

fn run_chain_mode(
    scenario: &Scenario,
    streams: &mut Streams<'_>,
) -> Result<(Vec<Piece>, Table), RunError> {
    use crate::chain_run::{
        ChainOutputs, ChainRecords, ChainRun, blocks_table, chain_daily_table, events_table,
        validators_table,
    };
    let consensus = scenario
        .consensus
        .as_ref()
        .ok_or(RunError::MissingConfig(scenario.mode))?;
    let contracts = scenario
        .contracts
        .as_ref()
        .ok_or(RunError::MissingConfig(scenario.mode))?;
    let economy = match (&scenario.mode, &scenario.economy) {
        (Mode::Coupled, Some(cfg)) => Some(Economy::new(cfg.clone())?),
        (Mode::Coupled, None) => return Err(RunError::MissingConfig(Mode::Coupled)),
        _ => None,
    };
    let outputs = &scenario.outputs;
    let chain_daily = streams.declare(&chain_daily_table(&[]));
    let blocks = (outputs.blocks_every > 0).then(|| streams.declare(&blocks_table(&[])));
    let contract_tables = outputs.contracts.then(|| {
        (
            streams.declare(&validators_table(&[])),
            streams.declare(&events_table(&[])),
        )
    });
    // Coupled mode: the economy's daily table (with the chain's bucket columns) comes after
    // the chain's tables, as it always has.
    let mut economy_daily = match economy {
        Some(_) => EconomyDaily::new(scenario, streams, true),
        None => EconomyDaily {
            id: None,
            coupled: false,
            totals: DayTotals::default(),
        },
    };
    let mut chain_totals = ChainDayTotals::default();
    let mut take = |r: ChainRecords, streams: &mut Streams<'_>| -> Result<(), RunError> {
        chain_totals.add(&r.days);
        streams.append(chain_daily, chain_daily_table(&r.days))?;
        if let Some(id) = blocks {
            streams.append(id, blocks_table(&r.blocks))?;
        }
        if let Some((validators, events)) = contract_tables {
            streams.append(validators, validators_table(&r.epochs))?;
            streams.append(events, events_table(&r.events))?;
        }
        economy_daily.add(&r.economy_days, streams)
    };
    let mut run = ChainRun::start(
        consensus,
        contracts,
        economy,
        scenario.seed,
        scenario.horizon_days,
        ChainOutputs {
            blocks_every: outputs.blocks_every,
            keep_fee_events: outputs.fee_events,
        },
    )?;
    // A simulated day at a time, so the observables leave memory as they are made.
    for day in 1..=scenario.horizon_days {
        run.run_to_day(day)?;
        take(run.take_records(), streams)?;
    }
    let mut out = run.finish()?;
    take(out.take_records(), streams)?;

    let mut pieces = vec![Piece::Stream(chain_daily)];
    pieces.extend(blocks.map(Piece::Stream));
    if let Some((validators, events)) = contract_tables {
        pieces.push(Piece::Stream(validators));
        pieces.push(Piece::Stream(events));
    }
    let mut reorgs = Table::new("reorg_depths");
    reorgs.push(
        "depth",
        ColumnData::U64((0..out.log.reorg_depths.len() as u64).collect()),
    );
    reorgs.push("reorgs", ColumnData::U64(out.log.reorg_depths.clone()));
    pieces.push(Piece::Memory(reorgs));
    let s = &out.summary;
    let clog = out.contracts.contracts.recorder();
    let mut summary = Table::new("summary");
    summary.push_one_u64("days", scenario.horizon_days);
    summary.push_one_u64("canonical_height", s.canonical_height);
    summary.push_one_u64("canonical_total_difficulty", s.canonical_total_difficulty);
    summary.push_one_u64("blocks_sealed", s.blocks_sealed);
    summary.push_one_u64("in_turn", chain_totals.in_turn);
    summary.push_one_u64("out_of_turn", chain_totals.out_of_turn);
    summary.push_one_u64("fork_heights", s.fork_heights);
    summary.push_one_u64("reorgs", s.reorgs);
    summary.push_one_u64("deepest_reorg", s.deepest_reorg);
    summary.push_one_u64("longest_gap_ms", chain_totals.longest_gap_ms);
    summary.push_one_u64("halted_days", chain_totals.halted_days);
    summary.push_one_u64("active_set_size", s.active_set.len() as u64);
    summary.push_one_u64("contract_events_dropped", clog.inner.dropped);
    summary.push_one_u64("fee_distributions", clog.fee_distributions);
    summary.push_one_u128("fees_distributed_wei", clog.fees_distributed.wei());
    summary.push_one_u64("txs_refused", out.contracts.refused_total);
    if let Some((economy, rec)) = &out.economy {
        pieces.extend(economy_outputs(
            scenario,
            economy,
            rec,
            &economy_daily,
            &mut summary,
        ));
        let (paid_by_market, vote_fees_in) = economy.chain_funding().unwrap_or_default();
        summary.push_one_u128("chain_paid_by_market_wei", paid_by_market.wei());
        summary.push_one_u128("chain_vote_fees_in_wei", vote_fees_in.wei());
    }
    Ok((pieces, summary))
}

/// Running figures of the chain's daily statistics, for the summary (the rows stream).
#[derive(Debug, Default)]
struct ChainDayTotals {
    in_turn: u64,
    out_of_turn: u64,
    longest_gap_ms: u64,
    halted_days: u64,
}

impl ChainDayTotals {
    fn add(&mut self, days: &[consensus_model::record::DayStats]) {
        for d in days {
            self.in_turn += d.in_turn;
            self.out_of_turn += d.out_of_turn;
            self.longest_gap_ms = self.longest_gap_ms.max(d.longest_gap_ms);
            self.halted_days += u64::from(d.halted);
        }
    }
}
