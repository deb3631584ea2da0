//! The chain's tables (SPEC §8): `chain_daily` (statistics of each finalised day), `blocks`
//! (sampled blocks with their final canonical verdict), `validators` (the contracts' per-epoch
//! records), `events` (the contracts' log) and `reorg_depths`.

use consensus_model::contracts::{ContractEvent, EpochRecord, ValidatorStatus};
use consensus_model::record::{BlockRecord, DayStats};
use sim_core::{Amount, SimTime};

use super::{ColumnData, Field, Table, names};
use crate::run::ValidatorDayRow;

/// The chain's daily table.
pub fn chain_daily(days: &[DayStats]) -> Table {
    let mut t = Table::new(names::CHAIN_DAILY);
    let cols: [Field<DayStats, u64>; 10] = [
        ("day", |d| d.day),
        ("canonical_blocks", |d| d.canonical_blocks),
        ("in_turn", |d| d.in_turn),
        ("out_of_turn", |d| d.out_of_turn),
        ("missed_turns", |d| d.missed_turns),
        ("sealed_blocks", |d| d.sealed_blocks),
        ("fork_heights", |d| d.fork_heights),
        ("reorgs", |d| d.reorgs),
        ("deepest_reorg", |d| d.deepest_reorg),
        ("longest_gap_ms", |d| d.longest_gap_ms),
    ];
    for (name, get) in cols {
        t.push(name, ColumnData::U64(days.iter().map(get).collect()));
    }
    t.push(
        "halted",
        ColumnData::Bool(days.iter().map(|d| d.halted).collect()),
    );
    t
}

/// Sampled blocks with their final canonical verdict (SPEC §8: on the canonical chain at the
/// end of the run; a block below the pruning horizon keeps the verdict it got then).
pub fn blocks(rows: &[(BlockRecord, bool)]) -> Table {
    let ints: [Field<(BlockRecord, bool), u64>; 8] = [
        ("height", |(b, _)| b.height),
        ("time_ms", |(b, _)| b.time.as_ms()),
        ("sealed_at_ms", |(b, _)| b.sealed_at.as_ms()),
        ("producer", |(b, _)| u64::from(b.producer.0)),
        ("block_id", |(b, _)| u64::from(b.id.0)),
        ("parent_id", |(b, _)| u64::from(b.parent.0)),
        ("difficulty", |(b, _)| u64::from(b.difficulty)),
        ("total_difficulty", |(b, _)| b.total_difficulty),
    ];
    let flags: [Field<(BlockRecord, bool), bool>; 2] =
        [("in_turn", |(b, _)| b.in_turn), ("canonical", |(_, c)| *c)];
    let mut t = Table::new(names::BLOCKS);
    for (name, get) in ints {
        t.push(name, ColumnData::U64(rows.iter().map(get).collect()));
    }
    for (name, get) in flags {
        t.push(name, ColumnData::Bool(rows.iter().map(get).collect()));
    }
    t
}

fn status_name(s: ValidatorStatus) -> &'static str {
    match s {
        ValidatorStatus::Created => "created",
        ValidatorStatus::Staked => "staked",
        ValidatorStatus::Unstaked => "unstaked",
        ValidatorStatus::Jailed => "jailed",
    }
}

/// Per validator per epoch records of the contracts.
pub fn validators(e: &[EpochRecord]) -> Table {
    let ids: [Field<EpochRecord, u64>; 3] = [
        ("height", |r| r.height),
        ("time_ms", |r| r.time.as_ms()),
        ("validator", |r| u64::from(r.validator.0)),
    ];
    let counts: [Field<EpochRecord, u64>; 3] = [
        ("missed", |r| u64::from(r.missed)),
        ("punishments_total", |r| r.punishments_total),
        ("jailings_total", |r| r.jailings_total),
    ];
    let mut t = Table::new(names::VALIDATORS);
    for (name, get) in ids {
        t.push(name, ColumnData::U64(e.iter().map(get).collect()));
    }
    t.push(
        "status",
        ColumnData::Str(e.iter().map(|r| status_name(r.status).to_owned()).collect()),
    );
    t.push(
        "active_next",
        ColumnData::Bool(e.iter().map(|r| r.active_next).collect()),
    );
    for (name, get) in counts {
        t.push(name, ColumnData::U64(e.iter().map(get).collect()));
    }
    let amounts: [Field<EpochRecord, Amount>; 5] = [
        ("stake_wei", |r| r.stake_wei),
        ("income_wei", |r| r.income_wei),
        ("earned_total_wei", |r| r.earned_total_wei),
        ("confiscated_total_wei", |r| r.confiscated_total_wei),
        ("withdrawn_total_wei", |r| r.withdrawn_total_wei),
    ];
    for (name, get) in amounts {
        t.push(
            name,
            ColumnData::U128(e.iter().map(|r| get(r).wei()).collect()),
        );
    }
    t
}

/// One contract event as the typed columns of `events`; what a kind has not stays empty
/// (`None`, an empty cell in CSV and a null in Parquet; empty text for text columns).
#[derive(Default)]
struct EventRow {
    kind: &'static str,
    validator: Option<u64>,
    account: Option<u64>,
    proposal: Option<u64>,
    voter: Option<u64>,
    vote: &'static str,
    amount: Option<u128>,
    undistributed: Option<u128>,
    recipients: Option<u64>,
    withdraw_from_height: Option<u64>,
    punish_counter: Option<u64>,
    punish_outcome: &'static str,
    status_from: &'static str,
    status_to: &'static str,
    active_set_size: Option<u64>,
    decayed_by: Option<u64>,
    tx_call: &'static str,
    refusal_reason: String,
}

fn validator(v: consensus_model::ValidatorId) -> Option<u64> {
    Some(u64::from(v.0))
}

fn account(a: consensus_model::contracts::AccountId) -> Option<u64> {
    Some(u64::from(a.0))
}

fn event_row(e: &ContractEvent) -> EventRow {
    use ContractEvent as E;
    match e {
        E::ProposalCreated {
            id,
            candidate,
            proposer,
        } => EventRow {
            kind: "ProposalCreated",
            proposal: Some(*id),
            validator: validator(*candidate),
            account: account(*proposer),
            ..EventRow::default()
        },
        E::Voted { id, voter, agree } => EventRow {
            kind: "Voted",
            proposal: Some(*id),
            voter: validator(*voter),
            vote: if *agree { "agree" } else { "reject" },
            ..EventRow::default()
        },
        E::ProposalPassed { id, candidate } | E::ProposalRejected { id, candidate } => EventRow {
            kind: if matches!(e, E::ProposalPassed { .. }) {
                "ProposalPassed"
            } else {
                "ProposalRejected"
            },
            proposal: Some(*id),
            validator: validator(*candidate),
            ..EventRow::default()
        },
        E::Staked {
            staker,
            validator: v,
            amount,
        } => stake_row("Staked", *staker, *v, *amount),
        E::Unstaked {
            staker,
            validator: v,
            amount,
            withdraw_from,
        } => EventRow {
            withdraw_from_height: Some(*withdraw_from),
            ..stake_row("Unstaked", *staker, *v, *amount)
        },
        E::StakeWithdrawn {
            staker,
            validator: v,
            amount,
        } => stake_row("StakeWithdrawn", *staker, *v, *amount),
        E::IncomeWithdrawn {
            validator: v,
            amount,
        } => EventRow {
            kind: "IncomeWithdrawn",
            validator: validator(*v),
            amount: Some(amount.wei()),
            ..EventRow::default()
        },
        E::FeesDistributed {
            total,
            recipients,
            undistributed,
        } => EventRow {
            kind: "FeesDistributed",
            amount: Some(total.wei()),
            recipients: Some(u64::from(*recipients)),
            undistributed: Some(undistributed.wei()),
            ..EventRow::default()
        },
        E::Punished {
            validator: v,
            counter,
            outcome,
        } => punished_row(*v, *counter, outcome),
        E::StatusChanged {
            validator: v,
            from,
            to,
        } => EventRow {
            kind: "StatusChanged",
            validator: validator(*v),
            status_from: from.map_or("", status_name),
            status_to: status_name(*to),
            ..EventRow::default()
        },
        E::ActiveSetUpdated { set } => EventRow {
            kind: "ActiveSetUpdated",
            active_set_size: Some(set.len() as u64),
            ..EventRow::default()
        },
        E::CountersDecayed { by } => EventRow {
            kind: "CountersDecayed",
            decayed_by: Some(u64::from(*by)),
            ..EventRow::default()
        },
        E::TxRefused { from, kind, reason } => EventRow {
            kind: "TxRefused",
            account: account(*from),
            tx_call: kind,
            refusal_reason: reason.clone(),
            ..EventRow::default()
        },
    }
}

fn stake_row(
    kind: &'static str,
    staker: consensus_model::contracts::AccountId,
    v: consensus_model::ValidatorId,
    amount: Amount,
) -> EventRow {
    EventRow {
        kind,
        account: account(staker),
        validator: validator(v),
        amount: Some(amount.wei()),
        ..EventRow::default()
    }
}

fn punished_row(
    v: consensus_model::ValidatorId,
    counter: u32,
    outcome: &consensus_model::contracts::PunishOutcome,
) -> EventRow {
    use consensus_model::contracts::PunishOutcome as P;
    let (name, confiscated) = match outcome {
        P::Counted => ("counted", None),
        P::IncomeConfiscated { confiscated } => ("income_confiscated", Some(confiscated.wei())),
        P::Jailed { confiscated } => ("jailed", Some(confiscated.wei())),
    };
    EventRow {
        kind: "Punished",
        validator: validator(v),
        punish_counter: Some(u64::from(counter)),
        punish_outcome: name,
        amount: confiscated,
        ..EventRow::default()
    }
}

/// The contracts' log (SPEC §3), one typed row per event: `kind` names the event and each
/// column holds one field, empty where the kind has not that field.
pub fn events(events: &[(u64, SimTime, ContractEvent)]) -> Table {
    let rows: Vec<EventRow> = events.iter().map(|(_, _, e)| event_row(e)).collect();
    let mut t = Table::new(names::EVENTS);
    t.push(
        "height",
        ColumnData::U64(events.iter().map(|(h, _, _)| *h).collect()),
    );
    t.push(
        "time_ms",
        ColumnData::U64(events.iter().map(|(_, time, _)| time.as_ms()).collect()),
    );
    let text =
        |f: fn(&EventRow) -> &str| ColumnData::Str(rows.iter().map(|r| f(r).to_owned()).collect());
    let opt = |f: fn(&EventRow) -> Option<u64>| ColumnData::OptU64(rows.iter().map(f).collect());
    let wei = |f: fn(&EventRow) -> Option<u128>| ColumnData::OptU128(rows.iter().map(f).collect());
    t.push("kind", text(|r| r.kind));
    t.push("validator", opt(|r| r.validator));
    t.push("account", opt(|r| r.account));
    t.push("proposal", opt(|r| r.proposal));
    t.push("voter", opt(|r| r.voter));
    t.push("vote", text(|r| r.vote));
    t.push("amount_wei", wei(|r| r.amount));
    t.push("undistributed_wei", wei(|r| r.undistributed));
    t.push("recipients", opt(|r| r.recipients));
    t.push("withdraw_from_height", opt(|r| r.withdraw_from_height));
    t.push("punish_counter", opt(|r| r.punish_counter));
    t.push("punish_outcome", text(|r| r.punish_outcome));
    t.push("status_from", text(|r| r.status_from));
    t.push("status_to", text(|r| r.status_to));
    t.push("active_set_size", opt(|r| r.active_set_size));
    t.push("decayed_by", opt(|r| r.decayed_by));
    t.push("tx_call", text(|r| r.tx_call));
    t.push("refusal_reason", text(|r| &r.refusal_reason));
    t
}

/// Per-validator figures of each finalised day (SPEC §8): one row per day and validator.
pub fn validator_daily(rows: &[ValidatorDayRow]) -> Table {
    let cols: [Field<ValidatorDayRow, u64>; 9] = [
        ("day", |r| r.day),
        ("validator", |r| u64::from(r.day_stats.validator.0)),
        ("sealed_blocks", |r| r.sealed_blocks),
        ("canonical_blocks", |r| r.day_stats.canonical_blocks),
        ("in_turn", |r| r.day_stats.in_turn),
        ("out_of_turn", |r| {
            r.day_stats.canonical_blocks - r.day_stats.in_turn
        }),
        ("missed_turns", |r| r.day_stats.missed_turns),
        ("reorgs", |r| r.reorgs),
        ("offline_ms", |r| r.day_stats.offline_ms),
    ];
    let mut t = Table::new(names::VALIDATOR_DAILY);
    for (name, get) in cols {
        t.push(name, ColumnData::U64(rows.iter().map(get).collect()));
    }
    t
}

/// Per-validator consensus figures over the run (SPEC §8), ascending validator id;
/// `reorgs_seen` by the same index.
pub fn validator_stats(stats: &[consensus_model::ValidatorStats], reorgs_seen: &[u64]) -> Table {
    let cols: [Field<consensus_model::ValidatorStats, u64>; 7] = [
        ("validator", |v| u64::from(v.id.0)),
        ("sealed_blocks", |v| v.sealed),
        ("canonical_blocks", |v| v.canonical),
        ("canonical_in_turn", |v| v.canonical_in_turn),
        ("canonical_out_of_turn", |v| {
            v.canonical - v.canonical_in_turn
        }),
        ("missed_turns", |v| v.missed_turns),
        ("offline_ms", |v| v.downtime_ms),
    ];
    let mut t = Table::new(names::VALIDATOR_STATS);
    for (name, get) in cols {
        t.push(name, ColumnData::U64(stats.iter().map(get).collect()));
    }
    t.push(
        "reorgs_seen",
        ColumnData::U64(
            (0..stats.len())
                .map(|i| reorgs_seen.get(i).copied().unwrap_or(0))
                .collect(),
        ),
    );
    t
}

/// Reorganisations by depth (index = depth, the last bucket collecting deeper ones).
pub fn reorg_depths(counts: &[u64]) -> Table {
    let mut t = Table::new(names::REORG_DEPTHS);
    t.push("depth", ColumnData::U64((0..counts.len() as u64).collect()));
    t.push("reorgs", ColumnData::U64(counts.to_vec()));
    t
}
