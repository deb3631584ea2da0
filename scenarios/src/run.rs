//! Running one validated scenario: the engines are driven to the horizon and their outputs
//! collected as tables plus a one-row summary, with a digest over everything.

use economics::economy::{DayRow, Economy, EconomyConfig, EconomyError, NodeStatus, VecRecorder};
use economics::{AllocationId, LedgerError, SUPPLY_DAY_COLUMNS, SupplyTimeline, allocation_column};
use sim_core::{Digest, OutputDigest};

use crate::raw::Mode;
use crate::table::{ColumnData, Field, Table};
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
    /// The economy stopped (an invariant breach or a limit).
    #[error(transparent)]
    Economy(#[from] EconomyError),
    /// The chain stopped.
    #[error(transparent)]
    Chain(#[from] crate::chain_run::ChainRunError),
    /// The scenario lacks a section its mode needs (a validation bug).
    #[error("mode {0:?} needs its configuration")]
    MissingConfig(Mode),
}

/// Runs `scenario` to its horizon.
pub fn run(scenario: &Scenario) -> Result<RunOutput, RunError> {
    let (tables, summary) = match scenario.mode {
        Mode::Schedule => run_schedule(scenario)?,
        Mode::Economy => {
            let cfg = scenario
                .economy
                .as_ref()
                .ok_or(RunError::MissingConfig(Mode::Economy))?;
            run_economy(scenario, cfg)?
        }
        Mode::Consensus | Mode::Coupled => run_chain_mode(scenario)?,
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

/// The economy's daily rows as a table (one row per settled day).
pub fn economy_daily_table(days: &[DayRow]) -> Table {
    let mut t = Table::new("daily");
    t.push("day", ColumnData::U64(days.iter().map(|r| r.day).collect()));
    for (name, get) in DAY_COUNTS {
        t.push(name, ColumnData::U64(days.iter().map(get).collect()));
    }
    t.push(
        "effective_power",
        ColumnData::U128(days.iter().map(|r| r.effective_power).collect()),
    );
    for (name, get) in DAY_AMOUNTS {
        t.push(
            name,
            ColumnData::U128(days.iter().map(|r| get(r).wei()).collect()),
        );
    }
    t
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

fn run_economy(scenario: &Scenario, cfg: &EconomyConfig) -> Result<(Vec<Table>, Table), RunError> {
    let mut economy = Economy::new(cfg.clone())?;
    let mut rec = VecRecorder::default();
    economy.run_ideal(scenario.horizon_days, &mut rec)?;
    let mut summary = Table::new("summary");
    summary.push("days", ColumnData::U64(vec![scenario.horizon_days]));
    let tables = economy_outputs(scenario, &economy, &rec, &mut summary);
    Ok((tables, summary))
}

/// The economy's tables, and its key figures appended to `summary`.
fn economy_outputs(
    scenario: &Scenario,
    economy: &Economy,
    rec: &VecRecorder,
    summary: &mut Table,
) -> Vec<Table> {
    let mut tables = Vec::new();
    if scenario.outputs.daily {
        tables.push(economy_daily_table(&rec.days));
    }
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
        tables.push(t);
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
        tables.push(t);
    }
    let last = rec.days.last();
    let amount = |get: fn(&DayRow) -> sim_core::Amount| last.map_or(0, |r| get(r).wei());
    let sum =
        |get: fn(&DayRow) -> sim_core::Amount| rec.days.iter().map(|r| get(r).wei()).sum::<u128>();
    summary.push("days_settled", ColumnData::U64(vec![rec.days.len() as u64]));
    summary.push(
        "max_settlement_delay_ms",
        ColumnData::U64(vec![
            rec.days
                .iter()
                .map(|r| r.settlement_delay_ms)
                .max()
                .unwrap_or(0),
        ]),
    );
    summary.push("nodes", ColumnData::U64(vec![economy.node_count() as u64]));
    summary.push("terms", ColumnData::U64(vec![rec.terms.len() as u64]));
    summary.push(
        "first_term_start_day",
        ColumnData::Str(vec![
            economy
                .first_term_start()
                .map_or_else(String::new, |d| d.to_string()),
        ]),
    );
    summary.push(
        "emission_total_wei",
        ColumnData::U128(vec![sum(|r| r.emission)]),
    );
    summary.push(
        "paid_total_wei",
        ColumnData::U128(vec![sum(|r| {
            sim_core::Amount::from_wei(
                r.basic_paid.wei()
                    + r.stability_paid.wei()
                    + r.extra_paid.wei()
                    + r.election_super_nodes_paid.wei()
                    + r.election_voters_paid.wei(),
            )
        })]),
    );
    summary.push(
        "burned_total_wei",
        ColumnData::U128(vec![amount(|r| r.burned_total)]),
    );
    summary.push(
        "pool_remaining_wei",
        ColumnData::U128(vec![amount(|r| r.pool_remaining)]),
    );
    summary.push(
        "circulating_wei",
        ColumnData::U128(vec![amount(|r| r.circulating)]),
    );
    summary.push(
        "vote_fees_total_wei",
        ColumnData::U128(vec![economy.vote_fees_total().wei()]),
    );
    tables
}

fn run_chain_mode(scenario: &Scenario) -> Result<(Vec<Table>, Table), RunError> {
    use crate::chain_run::{
        blocks_table, chain_daily_table, events_table, run_chain, validators_table,
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
    let out = run_chain(
        consensus,
        contracts,
        economy,
        scenario.seed,
        scenario.horizon_days,
        scenario.outputs.blocks_every,
        scenario.outputs.fee_events,
    )?;
    let mut tables = vec![chain_daily_table(&out.log.days)];
    if scenario.outputs.blocks_every > 0 {
        tables.push(blocks_table(&out.log.blocks));
    }
    let clog = out.contracts.contracts.recorder();
    if scenario.outputs.contracts {
        tables.push(validators_table(clog));
        tables.push(events_table(clog));
    }
    let mut reorgs = Table::new("reorg_depths");
    reorgs.push(
        "depth",
        ColumnData::U64((0..out.log.reorg_depths.len() as u64).collect()),
    );
    reorgs.push("reorgs", ColumnData::U64(out.log.reorg_depths.clone()));
    tables.push(reorgs);
    let s = &out.summary;
    let days = &out.log.days;
    let mut summary = Table::new("summary");
    summary.push("days", ColumnData::U64(vec![scenario.horizon_days]));
    summary.push(
        "canonical_height",
        ColumnData::U64(vec![s.canonical_height]),
    );
    summary.push(
        "canonical_total_difficulty",
        ColumnData::U64(vec![s.canonical_total_difficulty]),
    );
    summary.push("blocks_sealed", ColumnData::U64(vec![s.blocks_sealed]));
    summary.push(
        "in_turn",
        ColumnData::U64(vec![days.iter().map(|d| d.in_turn).sum()]),
    );
    summary.push(
        "out_of_turn",
        ColumnData::U64(vec![days.iter().map(|d| d.out_of_turn).sum()]),
    );
    summary.push("fork_heights", ColumnData::U64(vec![s.fork_heights]));
    summary.push("reorgs", ColumnData::U64(vec![s.reorgs]));
    summary.push("deepest_reorg", ColumnData::U64(vec![s.deepest_reorg]));
    summary.push(
        "longest_gap_ms",
        ColumnData::U64(vec![
            days.iter().map(|d| d.longest_gap_ms).max().unwrap_or(0),
        ]),
    );
    summary.push(
        "halted_days",
        ColumnData::U64(vec![days.iter().filter(|d| d.halted).count() as u64]),
    );
    summary.push(
        "active_set_size",
        ColumnData::U64(vec![s.active_set.len() as u64]),
    );
    summary.push(
        "contract_events_dropped",
        ColumnData::U64(vec![clog.inner.dropped]),
    );
    summary.push(
        "fee_distributions",
        ColumnData::U64(vec![clog.fee_distributions]),
    );
    summary.push(
        "fees_distributed_wei",
        ColumnData::U128(vec![clog.fees_distributed.wei()]),
    );
    summary.push(
        "txs_refused",
        ColumnData::U64(vec![out.contracts.refused_total]),
    );
    if let Some((economy, rec)) = &out.economy {
        let mut economy_tables = economy_outputs(scenario, economy, rec, &mut summary);
        // Coupled mode: the chain's share of the SPEC §7 buckets (already included in the
        // bucket columns) and what funded it.
        if let Some(daily) = economy_tables.iter_mut().find(|t| t.name == "daily") {
            let chain: [Field<DayRow, sim_core::Amount>; 4] = [
                ("chain_liquid_wei", |r| r.chain.unwrap_or_default().liquid),
                ("chain_stake_wei", |r| r.chain.unwrap_or_default().stake),
                ("chain_income_wei", |r| r.chain.unwrap_or_default().income),
                ("chain_burned_wei", |r| r.chain.unwrap_or_default().burned),
            ];
            for (name, get) in chain {
                daily.push(
                    name,
                    ColumnData::U128(rec.days.iter().map(|r| get(r).wei()).collect()),
                );
            }
        }
        tables.extend(economy_tables);
        let (paid_by_market, vote_fees_in) = economy.chain_funding().unwrap_or_default();
        summary.push(
            "chain_paid_by_market_wei",
            ColumnData::U128(vec![paid_by_market.wei()]),
        );
        summary.push(
            "chain_vote_fees_in_wei",
            ColumnData::U128(vec![vote_fees_in.wei()]),
        );
    }
    Ok((tables, summary))
}
