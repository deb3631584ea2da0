//! Inequality over time (SPEC §8): every K settled days, the Gini and Nakamoto coefficients of
//! what the compute nodes received over those days, and of the validators' bonded stake at the
//! last epoch block of the day.

use consensus_model::contracts::EpochRecord;
use economics::economy::{Economy, NodeStatus, NodeTotals};

use crate::tables::economy::rewards_total;
use crate::tables::inequality::{RewardSample, StakeSample};

/// What each node received since the previous look, for samplers with their own period.
#[derive(Debug, Default)]
pub(super) struct RewardWindow {
    /// Each node's rewards received since genesis at the previous look.
    earned_before: Vec<u128>,
}

impl RewardWindow {
    /// Every node's totals now and what it received since the previous call, in node order.
    pub(super) fn take(&mut self, economy: &Economy) -> Vec<(NodeTotals, u128)> {
        let mut out = Vec::with_capacity(economy.node_count());
        self.visit(economy, |t, got| out.push((*t, got)));
        out
    }

    /// What `take` returns, handed to `f` node by node without collecting it (a 10,000-node
    /// window was 1 MB of totals built and dropped every sample).
    fn visit(&mut self, economy: &Economy, mut f: impl FnMut(&NodeTotals, u128)) {
        let n = economy.node_count();
        self.earned_before.resize(n, 0);
        for (i, before) in self.earned_before.iter_mut().enumerate() {
            let Some(t) = economy.node_totals(i) else {
                break;
            };
            let earned = rewards_total(&t);
            f(&t, earned - *before);
            *before = earned;
        }
    }
}

/// Samples the nodes' rewards every `every_days` settled days.
#[derive(Debug)]
pub(super) struct RewardInequality {
    every_days: u64,
    window: RewardWindow,
    from_day: u64,
    samples: Vec<RewardSample>,
    /// The population's rewards of the window being sampled (kept to reuse its allocation).
    rewards: Vec<u128>,
    /// With more than one thread for the run: the thread that sorts and measures the windows.
    helper: Option<Helper>,
}

/// Windows waiting for the helper at most: bounds the memory of a run that samples faster than
/// the helper sorts (a window of 10,000 nodes is 160 KB).
const MAX_WINDOWS_QUEUED: usize = 4;

/// A window to measure: (from_day, day, the population's rewards in node order).
type Window = (u64, u64, Vec<u128>);

/// The thread that measures windows, in the order they are sent: the sort of a 10,000-node
/// window (~220 µs, every 7 days) was ~11% of an economy run's main thread, the part no other
/// thread shared.
#[derive(Debug)]
struct Helper {
    windows: std::sync::mpsc::SyncSender<Window>,
    /// Buffers back from the helper, to reuse.
    spent: std::sync::mpsc::Receiver<Vec<u128>>,
    thread: std::thread::JoinHandle<Vec<RewardSample>>,
}

impl Helper {
    fn spawn() -> Option<Helper> {
        let (windows, incoming) = std::sync::mpsc::sync_channel::<Window>(MAX_WINDOWS_QUEUED);
        let (give_back, spent) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("dcfs-inequality".into())
            .spawn(move || {
                let mut samples = Vec::new();
                for (from_day, day, mut rewards) in incoming {
                    samples.push(measure(from_day, day, &mut rewards));
                    let _ = give_back.send(rewards);
                }
                samples
            })
            // Without the thread the windows are measured on the run's own.
            .ok()?;
        Some(Helper {
            windows,
            spent,
            thread,
        })
    }
}

/// The sample of one window; sorts `rewards`.
fn measure(from_day: u64, day: u64, rewards: &mut [u128]) -> RewardSample {
    rewards.sort_unstable();
    // Rewards are part of the 500M: the sum cannot overflow.
    let total: u128 = rewards.iter().sum();
    RewardSample {
        from_day,
        day,
        nodes: rewards.len() as u64,
        nodes_rewarded: rewards.iter().filter(|&&r| r > 0).count() as u64,
        rewards_wei: total,
        gini: gini(rewards, total),
        nakamoto: nakamoto(rewards, total),
    }
}

impl RewardInequality {
    /// `None` when `every_days` is 0 (no table).
    pub(super) fn new(every_days: u64) -> Option<Self> {
        (every_days > 0).then(|| RewardInequality {
            every_days,
            window: RewardWindow::default(),
            from_day: 0,
            samples: Vec::new(),
            rewards: Vec::new(),
            helper: (sim_core::threads::run_threads() > 1)
                .then(Helper::spawn)
                .flatten(),
        })
    }

    /// Days `0..days_settled` are settled in `economy` (told once per new count): samples if a
    /// window ended.
    pub(super) fn settled(&mut self, economy: &Economy, days_settled: u64) {
        if !days_settled.is_multiple_of(self.every_days) {
            return;
        }
        // The population: nodes that have joined and not left, paid or not.
        let mut rewards = match &self.helper {
            Some(h) => h.spent.try_recv().unwrap_or_default(),
            None => std::mem::take(&mut self.rewards),
        };
        rewards.clear();
        self.window.visit(economy, |t, got| {
            if !matches!(t.status, NodeStatus::NotJoined | NodeStatus::Gone) || got > 0 {
                rewards.push(got);
            }
        });
        let (from_day, day) = (self.from_day, days_settled - 1);
        self.from_day = days_settled;
        if let Some(h) = &self.helper {
            match h.windows.send((from_day, day, rewards)) {
                Ok(()) => return,
                // The helper is gone (it panicked: `samples` re-raises it); measure here.
                Err(std::sync::mpsc::SendError(window)) => rewards = window.2,
            }
        }
        self.samples.push(measure(from_day, day, &mut rewards));
        self.rewards = rewards;
    }

    /// The samples so far, in window order (waits for the helper's).
    pub(super) fn samples(&mut self) -> &[RewardSample] {
        if let Some(h) = self.helper.take() {
            drop(h.windows);
            match h.thread.join() {
                // The helper's windows all came before any measured here.
                Ok(mut measured) => {
                    measured.append(&mut self.samples);
                    self.samples = measured;
                }
                // A bug: raise it here, as it would have been raised on this thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        &self.samples
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
            let day = r.time.day();
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

    pub(super) fn samples(&self) -> Vec<StakeSample> {
        self.days
            .iter()
            .map(|(&day, (height, stakes))| {
                let mut stakes = stakes.clone();
                stakes.sort_unstable();
                // Stake is part of the 500M: the sum cannot overflow.
                let total: u128 = stakes.iter().sum();
                StakeSample {
                    day,
                    height: *height,
                    validators: stakes.len() as u64,
                    stake_wei: total,
                    gini: gini(&stakes, total),
                    nakamoto: nakamoto(&stakes, total),
                }
            })
            .collect()
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
