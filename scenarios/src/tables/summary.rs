//! The `summary` table: a run's key figures as one row (the row a sweep collects). The figures
//! are gathered by the run while its tables stream; their column names are spelled here.

use economics::SupplyDay;
use economics::economy::DayRow;

use super::{ColumnData, Table, names};

/// Schedule mode: the last day's cumulative figures.
pub fn schedule(days: u64, last: Option<&SupplyDay>) -> Table {
    let get = |f: fn(&SupplyDay) -> sim_core::Amount| last.map_or(0, |r| f(r).wei());
    let mut t = new(days);
    t.push_one_u128("emission_cumulative_wei", get(|r| r.emission_cumulative));
    t.push_one_u128("vested_cumulative_wei", get(|r| r.vested_cumulative));
    t.push_one_u128("mining_pool_wei", get(|r| r.mining_pool));
    t
}

/// The economy's figures (economy and coupled modes).
#[derive(Debug, Clone, Default)]
pub struct EconomyFigures {
    /// Days settled.
    pub days_settled: u64,
    /// The longest wait of a day's settlement after its end.
    pub max_settlement_delay_ms: u64,
    /// Compute nodes.
    pub nodes: u64,
    /// Super-node terms held.
    pub terms: u64,
    /// Day the first term started, if any.
    pub first_term_start_day: Option<u64>,
    /// Emission over the run.
    pub emission_total_wei: u128,
    /// Rewards paid over the run.
    pub paid_total_wei: u128,
    /// The last settled day (its bucket figures end the run).
    pub last_day: Option<DayRow>,
    /// Vote handling fees over the run.
    pub vote_fees_total_wei: u128,
}

/// Appends the economy's figures to a summary.
pub fn push_economy(t: &mut Table, f: &EconomyFigures) {
    let amount =
        |get: fn(&DayRow) -> sim_core::Amount| f.last_day.as_ref().map_or(0, |r| get(r).wei());
    t.push_one_u64("days_settled", f.days_settled);
    t.push_one_u64("max_settlement_delay_ms", f.max_settlement_delay_ms);
    t.push_one_u64("nodes", f.nodes);
    t.push_one_u64("terms", f.terms);
    t.push(
        "first_term_start_day",
        ColumnData::OptU64(vec![f.first_term_start_day]),
    );
    t.push_one_u128("emission_total_wei", f.emission_total_wei);
    t.push_one_u128("paid_total_wei", f.paid_total_wei);
    t.push_one_u128("burned_total_wei", amount(|r| r.burned_total));
    t.push_one_u128("pool_remaining_wei", amount(|r| r.pool_remaining));
    t.push_one_u128("circulating_wei", amount(|r| r.circulating));
    t.push_one_u128("vote_fees_total_wei", f.vote_fees_total_wei);
}

/// The chain's figures (consensus and coupled modes).
#[derive(Debug, Clone, Default)]
pub struct ChainFigures {
    /// Height of the canonical head.
    pub canonical_height: u64,
    /// Its total difficulty.
    pub canonical_total_difficulty: u64,
    /// Blocks sealed by anyone.
    pub blocks_sealed: u64,
    /// Canonical blocks sealed in turn, over the finalised days.
    pub in_turn: u64,
    /// Canonical blocks sealed out of turn, over the finalised days.
    pub out_of_turn: u64,
    /// Heights with more than one block.
    pub fork_heights: u64,
    /// Reorganisations of every node.
    pub reorgs: u64,
    /// The deepest of them.
    pub deepest_reorg: u64,
    /// The longest gap between canonical blocks over the finalised days.
    pub longest_gap_ms: u64,
    /// Days counted as halted.
    pub halted_days: u64,
    /// Size of the final active set.
    pub active_set_size: u64,
    /// Contract events not kept (over the per-day limit).
    pub contract_events_dropped: u64,
    /// Fee distributions (one per executed block).
    pub fee_distributions: u64,
    /// Fees distributed in them.
    pub fees_distributed_wei: u128,
    /// Transactions the contracts refused.
    pub txs_refused: u64,
}

/// A summary that starts with the horizon in days (every mode's first column).
pub fn new(days: u64) -> Table {
    let mut t = Table::new(names::SUMMARY);
    t.push_one_u64("days", days);
    t
}

/// Appends the chain's figures (the economy's follow in coupled mode).
pub fn push_chain(t: &mut Table, f: &ChainFigures) {
    let counts = [
        ("canonical_height", f.canonical_height),
        ("canonical_total_difficulty", f.canonical_total_difficulty),
        ("blocks_sealed", f.blocks_sealed),
        ("in_turn", f.in_turn),
        ("out_of_turn", f.out_of_turn),
        ("fork_heights", f.fork_heights),
        ("reorgs", f.reorgs),
        ("deepest_reorg", f.deepest_reorg),
        ("longest_gap_ms", f.longest_gap_ms),
        ("halted_days", f.halted_days),
        ("active_set_size", f.active_set_size),
        ("contract_events_dropped", f.contract_events_dropped),
        ("fee_distributions", f.fee_distributions),
    ];
    for (name, v) in counts {
        t.push_one_u64(name, v);
    }
    t.push_one_u128("fees_distributed_wei", f.fees_distributed_wei);
    t.push_one_u64("txs_refused", f.txs_refused);
}

/// Coupled mode: what the market account paid into the chain and the vote fees it received.
pub fn push_coupling(t: &mut Table, paid_by_market_wei: u128, vote_fees_in_wei: u128) {
    t.push_one_u128("chain_paid_by_market_wei", paid_by_market_wei);
    t.push_one_u128("chain_vote_fees_in_wei", vote_fees_in_wei);
}
