//! Inequality over time (SPEC §8): every K settled days, the Gini and Nakamoto coefficients of
//! what the compute nodes received over those days, and of the validators' bonded stake at the
//! last epoch block of the day.

use consensus_model::contracts::EpochRecord;
use economics::economy::{Economy, NodeStatus};

use crate::tables::{ColumnData, Float, Table, names};

/// One sample: the window `[from_day, day]` and its distribution of node rewards.
#[derive(Debug, Clone)]
struct Sample {
    from_day: u64,
    day: u64,
    nodes: u64,
    nodes_rewarded: u64,
    rewards_wei: u128,
    gini: f64,
    nakamoto: u64,
}

/// Samples the nodes' rewards every `every_days` settled days.
#[derive(Debug)]
pub(super) struct RewardInequality {
    every_days: u64,
    /// Each node's rewards received since genesis at the last sample.
    earned_before: Vec<u128>,
    from_day: u64,
    /// Days settled when last told (coupled mode tells after every simulated day).
    seen_days: u64,
    samples: Vec<Sample>,
}

impl RewardInequality {
    /// `None` when `every_days` is 0 (no table).
    pub(super) fn new(every_days: u64) -> Option<Self> {
        (every_days > 0).then(|| RewardInequality {
            every_days,
            earned_before: Vec::new(),
            from_day: 0,
            seen_days: 0,
            samples: Vec::new(),
        })
    }

    /// Days `0..days_settled` are settled in `economy`: samples if a window ended.
    pub(super) fn settled(&mut self, economy: &Economy, days_settled: u64) {
        if days_settled <= self.seen_days {
            return;
        }
        self.seen_days = days_settled;
        if !days_settled.is_multiple_of(self.every_days) {
            return;
        }
        let n = economy.node_count();
        self.earned_before.resize(n, 0);
        let mut rewards = Vec::with_capacity(n);
        for (i, before) in self.earned_before.iter_mut().enumerate() {
            let Some(t) = economy.node_totals(i) else {
                continue;
            };
            // Rewards are part of the 500M: these sums cannot overflow.
            let earned = t.basic.wei() + t.stability.wei() + t.extra.wei() + t.election.wei();
            let got = earned - *before;
            *before = earned;
            // The population: nodes that have joined and not left, paid or not.
            if !matches!(t.status, NodeStatus::NotJoined | NodeStatus::Gone) || got > 0 {
                rewards.push(got);
            }
        }
        let day = days_settled - 1;
        self.samples.push(sample(self.from_day, day, rewards));
        self.from_day = days_settled;
    }

    pub(super) fn table(&self) -> Table {
        let s = &self.samples;
        let mut t = Table::new(names::REWARD_INEQUALITY);
        t.push(
            "from_day",
            ColumnData::U64(s.iter().map(|x| x.from_day).collect()),
        );
        t.push("day", ColumnData::U64(s.iter().map(|x| x.day).collect()));
        t.push(
            "nodes",
            ColumnData::U64(s.iter().map(|x| x.nodes).collect()),
        );
        t.push(
            "nodes_rewarded",
            ColumnData::U64(s.iter().map(|x| x.nodes_rewarded).collect()),
        );
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
}

/// The validators' stake at the last epoch block of every K-th day.
#[derive(Debug)]
pub(super) struct StakeInequality {
    every_days: u64,
    horizon_days: u64,
    /// Day → the last epoch block seen in it and the validators' stakes there (only days that
    /// end a window and lie before the horizon).
    days: std::collections::BTreeMap<u64, (u64, Vec<u128>)>,
}

impl StakeInequality {
    /// `None` when `every_days` is 0 (no table).
    pub(super) fn new(every_days: u64, horizon_days: u64) -> Option<Self> {
        (every_days > 0).then(|| StakeInequality {
            every_days,
            horizon_days,
            days: std::collections::BTreeMap::new(),
        })
    }

    /// Epoch records as the contracts wrote them (height order).
    pub(super) fn records(&mut self, epochs: &[EpochRecord]) {
        for r in epochs {
            let day = r.time.as_ms() / 86_400_000;
            if day >= self.horizon_days || !(day + 1).is_multiple_of(self.every_days) {
                continue;
            }
            let entry = self.days.entry(day).or_insert((r.height, Vec::new()));
            if r.height > entry.0 {
                *entry = (r.height, Vec::new());
            }
            if r.height == entry.0 && !r.stake_wei.is_zero() {
                entry.1.push(r.stake_wei.wei());
            }
        }
    }

    pub(super) fn table(&self) -> Table {
        let rows: Vec<(u64, u64, u64, u128, f64, u64)> = self
            .days
            .iter()
            .map(|(&day, (height, stakes))| {
                let mut stakes = stakes.clone();
                stakes.sort_unstable();
                // Stake is part of the 500M: the sum cannot overflow.
                let total: u128 = stakes.iter().sum();
                let n = stakes.len() as u64;
                (
                    day,
                    *height,
                    n,
                    total,
                    gini(&stakes, total),
                    nakamoto(&stakes, total),
                )
            })
            .collect();
        let r = &rows;
        let mut t = Table::new(names::STAKE_INEQUALITY);
        t.push("day", ColumnData::U64(r.iter().map(|x| x.0).collect()));
        t.push("height", ColumnData::U64(r.iter().map(|x| x.1).collect()));
        t.push(
            "validators",
            ColumnData::U64(r.iter().map(|x| x.2).collect()),
        );
        t.push(
            "stake_wei",
            ColumnData::U128(r.iter().map(|x| x.3).collect()),
        );
        t.push(
            "gini",
            ColumnData::F64(r.iter().map(|x| Float(x.4)).collect()),
        );
        t.push("nakamoto", ColumnData::U64(r.iter().map(|x| x.5).collect()));
        t
    }
}

fn sample(from_day: u64, day: u64, mut rewards: Vec<u128>) -> Sample {
    rewards.sort_unstable();
    let total: u128 = rewards.iter().sum();
    let n = rewards.len() as u64;
    Sample {
        from_day,
        day,
        nodes: n,
        nodes_rewarded: rewards.iter().filter(|&&r| r > 0).count() as u64,
        rewards_wei: total,
        gini: gini(&rewards, total),
        nakamoto: nakamoto(&rewards, total),
    }
}

/// Gini coefficient of ascending `x` summing to `total`: Σᵢ (2i − n − 1)·xᵢ / (n·Σx), i from 1;
/// 0 when nothing was paid. Summed in a fixed order, so the float is the same on every run.
fn gini(x: &[u128], total: u128) -> f64 {
    if total == 0 || x.is_empty() {
        return 0.0;
    }
    let n = x.len() as f64;
    let weighted: f64 = x
        .iter()
        .enumerate()
        .map(|(i, &v)| (2.0 * (i as f64 + 1.0) - n - 1.0) * v as f64)
        .sum();
    // +0.0 turns a -0.0 into 0.0, so equal distributions digest alike.
    (weighted / (n * total as f64)).max(0.0) + 0.0
}

/// Nakamoto coefficient of ascending `x`: the fewest nodes that received more than half of
/// `total` (exact integers); 0 when nothing was paid.
fn nakamoto(x: &[u128], total: u128) -> u64 {
    let mut top = 0_u128;
    for (k, &v) in x.iter().rev().enumerate() {
        top += v;
        if top * 2 > total {
            return k as u64 + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distributions() {
        // Exactly zero (bits compared: the digest sees the bits).
        assert_eq!(gini(&[5, 5, 5, 5], 20).to_bits(), 0);
        // One node of four gets everything: (2·4 − 5)·1 / (4·1) = 0.75.
        assert!((gini(&[0, 0, 0, 1], 1) - 0.75).abs() < 1e-12);
        assert_eq!(nakamoto(&[5, 5, 5, 5], 20), 3);
        assert_eq!(nakamoto(&[0, 0, 0, 1], 1), 1);
        assert_eq!(nakamoto(&[1, 1], 2), 2);
        assert_eq!((gini(&[], 0).to_bits(), nakamoto(&[], 0)), (0, 0));
    }
}
