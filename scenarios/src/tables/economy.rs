//! The economy's tables (SPEC §8): `daily` (one row per settled day, SPEC §7 buckets included),
//! `nodes` (per-node totals at the end) and `elections` (per-term candidates).

use economics::economy::{
    CandidateResult, DayRow, NodeStatus, NodeTotals, TermResult, VoterTotals,
};
use sim_core::Amount;

use super::{ColumnData, Field, Table, names};

/// Amount columns of the economy's daily table, in output order (SPEC §8 names, units last).
const DAY_AMOUNTS: [Field<DayRow, Amount>; 23] = [
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
const DAY_CHAIN: [Field<DayRow, Amount>; 4] = [
    ("chain_liquid_wei", |r| r.chain.unwrap_or_default().liquid),
    ("chain_stake_wei", |r| r.chain.unwrap_or_default().stake),
    ("chain_income_wei", |r| r.chain.unwrap_or_default().income),
    ("chain_burned_wei", |r| r.chain.unwrap_or_default().burned),
];

/// The lump-sum reading's columns, appended to the economy's daily table when it is on.
const DAY_LUMP: [Field<DayRow, Amount>; 4] = [
    ("stability_accrued_wei", |r| r.stability_accrued),
    ("stability_lump_paid_wei", |r| r.stability_lump_paid),
    ("burned_stability_accrual_wei", |r| {
        r.burned_stability_accrual
    }),
    ("stability_accrual_held_wei", |r| r.stability_accrual_held),
];

/// Which optional column groups the economy's daily table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyColumns {
    /// The chain's bucket columns (coupled mode).
    pub coupled: bool,
    /// The lump-sum reading's columns.
    pub lump: bool,
}

/// The economy's daily rows as a table (one row per settled day), with the optional groups.
pub fn daily(days: &[DayRow], with: DailyColumns) -> Table {
    let mut t = Table::new(names::DAILY);
    t.push("day", ColumnData::U64(days.iter().map(|r| r.day).collect()));
    for (name, get) in DAY_COUNTS {
        t.push(name, ColumnData::U64(days.iter().map(get).collect()));
    }
    t.push(
        "effective_power",
        ColumnData::U128(days.iter().map(|r| r.effective_power).collect()),
    );
    let chain: &[Field<DayRow, Amount>] = if with.coupled { &DAY_CHAIN } else { &[] };
    let lump: &[Field<DayRow, Amount>] = if with.lump { &DAY_LUMP } else { &[] };
    for (name, get) in DAY_AMOUNTS.iter().chain(chain).chain(lump) {
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

/// Per-node totals at the end of the run, in node order.
pub fn nodes(totals: &[NodeTotals]) -> Table {
    let mut t = Table::new(names::NODES);
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
    let amounts: [Field<NodeTotals, Amount>; 6] = [
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
    t
}

/// One sample of every node (`node_daily`): the day, then per node its status, power, pledge,
/// rewards in the window since the previous sample, and totals since genesis.
pub struct NodeSample<'a> {
    /// The sampled day (settled).
    pub day: u64,
    /// Each node's totals, standardised power and seconds online while pledged that day.
    pub nodes: &'a [(NodeTotals, u64, u64)],
    /// Each node's rewards in the window.
    pub window_wei: &'a [u128],
}

/// Rows of `node_daily` for one sample, in node order.
pub fn node_daily(s: &NodeSample<'_>) -> Table {
    let n = s.nodes.len();
    let mut t = Table::new(names::NODE_DAILY);
    t.push("day", ColumnData::U64(vec![s.day; n]));
    t.push("node", ColumnData::U64((0..n as u64).collect()));
    t.push(
        "status",
        ColumnData::Str(
            s.nodes
                .iter()
                .map(|(x, _, _)| status_name(x.status).to_owned())
                .collect(),
        ),
    );
    t.push(
        "power",
        ColumnData::U64(s.nodes.iter().map(|(_, p, _)| *p).collect()),
    );
    t.push(
        "online_pledged_s",
        ColumnData::U64(s.nodes.iter().map(|(_, _, o)| *o).collect()),
    );
    t.push(
        "pledge_wei",
        ColumnData::U128(s.nodes.iter().map(|(x, _, _)| x.pledge.wei()).collect()),
    );
    t.push("rewards_wei", ColumnData::U128(s.window_wei.to_vec()));
    t.push(
        "rewards_total_wei",
        ColumnData::U128(s.nodes.iter().map(|(x, _, _)| rewards_total(x)).collect()),
    );
    t.push(
        "forfeited_total_wei",
        ColumnData::U128(s.nodes.iter().map(|(x, _, _)| x.forfeited.wei()).collect()),
    );
    t.push(
        "forfeit_count",
        ColumnData::U64(
            s.nodes
                .iter()
                .map(|(x, _, _)| u64::from(x.forfeit_count))
                .collect(),
        ),
    );
    t
}

/// What a node received since genesis: basic + stability + extra + election (part of the
/// 500M, so the sum cannot overflow).
pub fn rewards_total(t: &NodeTotals) -> u128 {
    t.basic.wei() + t.stability.wei() + t.extra.wei() + t.election.wei()
}

/// Per-voter totals at the end of the run (SPEC §5, §8), in voter order.
pub fn voters(totals: &[VoterTotals]) -> Table {
    let mut t = Table::new(names::VOTERS);
    t.push("voter", ColumnData::U64((0..totals.len() as u64).collect()));
    t.push(
        "votes",
        ColumnData::U64(totals.iter().map(|v| u64::from(v.votes)).collect()),
    );
    let amounts: [Field<VoterTotals, Amount>; 6] = [
        ("endowment_wei", |v| v.endowment),
        ("balance_wei", |v| v.balance),
        ("voted_wei", |v| v.cast),
        ("locked_wei", |v| v.locked),
        ("fees_paid_wei", |v| v.fees),
        ("rewards_wei", |v| v.rewards),
    ];
    for (name, get) in amounts {
        t.push(
            name,
            ColumnData::U128(totals.iter().map(|v| get(v).wei()).collect()),
        );
    }
    t
}

/// One row per candidate of every term, in term order.
pub fn elections(terms: &[TermResult]) -> Table {
    let mut t = Table::new(names::ELECTIONS);
    let rows: Vec<(&TermResult, &CandidateResult)> = terms
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
    t
}
