//! The inequality tables (SPEC §8): `reward_inequality` (node rewards per window) and
//! `stake_inequality` (validator stake at a day's last epoch block). The samples are taken by
//! `run`; the columns are spelled here, like every other table's.

use super::{ColumnData, Field, Float, Table, names};

/// One window of node rewards and how unequally they were shared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RewardSample {
    /// First day of the window.
    pub from_day: u64,
    /// Last day of the window.
    pub day: u64,
    /// Nodes that had joined and not left (the population).
    pub nodes: u64,
    /// Of which received a reward in the window.
    pub nodes_rewarded: u64,
    /// What they received in the window.
    pub rewards_wei: u128,
    /// Gini coefficient of those rewards.
    pub gini: f64,
    /// Fewest nodes that received more than half of them.
    pub nakamoto: u64,
}

/// The validators' bonded stake at one day's last epoch block and how unequally it is held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StakeSample {
    /// The day.
    pub day: u64,
    /// Its last epoch block.
    pub height: u64,
    /// Validators with stake there.
    pub validators: u64,
    /// Their stake.
    pub stake_wei: u128,
    /// Gini coefficient of that stake.
    pub gini: f64,
    /// Fewest validators holding more than half of it.
    pub nakamoto: u64,
}

/// `reward_inequality`, one row per window.
pub fn reward_inequality(s: &[RewardSample]) -> Table {
    let counts: [Field<RewardSample, u64>; 4] = [
        ("from_day", |x| x.from_day),
        ("day", |x| x.day),
        ("nodes", |x| x.nodes),
        ("nodes_rewarded", |x| x.nodes_rewarded),
    ];
    let mut t = Table::new(names::REWARD_INEQUALITY);
    for (name, get) in counts {
        t.push(name, ColumnData::U64(s.iter().map(get).collect()));
    }
    t.push(
        "rewards_wei",
        ColumnData::U128(s.iter().map(|x| x.rewards_wei).collect()),
    );
    t.push(
        "gini",
        ColumnData::F64(s.iter().map(|x| Float(x.gini)).collect()),
    );
    t.push(
        "nakamoto",
        ColumnData::U64(s.iter().map(|x| x.nakamoto).collect()),
    );
    t
}

/// `stake_inequality`, one row per sampled day.
pub fn stake_inequality(s: &[StakeSample]) -> Table {
    let counts: [Field<StakeSample, u64>; 3] = [
        ("day", |x| x.day),
        ("height", |x| x.height),
        ("validators", |x| x.validators),
    ];
    let mut t = Table::new(names::STAKE_INEQUALITY);
    for (name, get) in counts {
        t.push(name, ColumnData::U64(s.iter().map(get).collect()));
    }
    t.push(
        "stake_wei",
        ColumnData::U128(s.iter().map(|x| x.stake_wei).collect()),
    );
    t.push(
        "gini",
        ColumnData::F64(s.iter().map(|x| Float(x.gini)).collect()),
    );
    t.push(
        "nakamoto",
        ColumnData::U64(s.iter().map(|x| x.nakamoto).collect()),
    );
    t
}
