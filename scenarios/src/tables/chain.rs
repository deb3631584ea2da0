//! The chain's tables (SPEC §8): `chain_daily` (statistics of each finalised day), `blocks`
//! (sampled blocks with their final canonical verdict), `validators` (the contracts' per-epoch
//! records), `events` (the contracts' log) and `reorg_depths`.

use consensus_model::contracts::{ContractEvent, EpochRecord, ValidatorStatus};
use consensus_model::record::{BlockRecord, DayStats};
use sim_core::{Amount, SimTime};

use super::{ColumnData, Field, Table, names};

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

/// The contracts' event log: height, time, kind and the event as JSON.
pub fn events(events: &[(u64, SimTime, ContractEvent)]) -> Table {
    let kind = |e: &ContractEvent| {
        let json = serde_json::to_value(e).unwrap_or(serde_json::Value::Null);
        match json {
            serde_json::Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
            serde_json::Value::String(s) => s,
            _ => String::new(),
        }
    };
    let mut t = Table::new(names::EVENTS);
    t.push(
        "height",
        ColumnData::U64(events.iter().map(|(h, _, _)| *h).collect()),
    );
    t.push(
        "time_ms",
        ColumnData::U64(events.iter().map(|(_, time, _)| time.as_ms()).collect()),
    );
    t.push(
        "kind",
        ColumnData::Str(events.iter().map(|(_, _, e)| kind(e)).collect()),
    );
    t.push(
        "detail",
        ColumnData::Str(
            events
                .iter()
                .map(|(_, _, e)| serde_json::to_string(e).unwrap_or_default())
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
