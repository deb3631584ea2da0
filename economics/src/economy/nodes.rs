//! Compute nodes as a struct of arrays (SPEC §4.1–4.2, 4.5): power, operator, life-cycle status,
//! pledge, outage state, the day's offline time, the reference-reward ring and cumulative totals.
//! Nothing here allocates per day.

use std::collections::BTreeMap;

use sim_core::{Amount, RandomStream};

use super::config::{AdoptionModel, EconomyConfig, FailureModel, MAX_REFERENCE_WINDOW};
use super::record::NodeStatus;

/// No settlement class.
pub(crate) const NO_CLASS: u32 = u32::MAX;
/// At most this many settlement classes (others are computed per node).
const MAX_CLASSES: usize = 1 << 16;

/// "Not down" marker for `down_since_ms`.
pub(crate) const UP: u64 = u64::MAX;

/// All per-node state, indexed by node id.
#[derive(Debug, Clone)]
pub(crate) struct Nodes {
    pub std_power: Vec<u64>,
    pub operator: Vec<u32>,
    pub status: Vec<NodeStatus>,
    pub pledge: Vec<Amount>,
    pub pledge_required: Vec<Amount>,
    /// First day after the current pledge term.
    pub pledge_end_day: Vec<u64>,
    pub down_since_ms: Vec<u64>,
    pub up_at_ms: Vec<u64>,
    pub reported: Vec<bool>,
    pub outage_id: Vec<u32>,
    pub fail_gen: Vec<u32>,
    pub failure: Vec<FailureModel>,
    /// Offline ms within the day being accumulated (≤ 86,400,000: `u32` halves the bytes
    /// the settlement loop reads).
    pub offline_ms_today: Vec<u32>,
    /// Constant adoption per node (bps) when its model is constant; else `u32::MAX`.
    pub adoption_const: Vec<u32>,
    /// Index into `adoption_models` for non-constant models.
    pub adoption_model: Vec<u32>,
    /// Settlement class: nodes with the same (standardised power, constant adoption) get the
    /// same shares on a day when fully online; `NO_CLASS` if adoption is not constant.
    pub class: Vec<u32>,
    /// Number of classes.
    pub class_count: usize,
    /// Flat `window × n` ring of daily basic+stability rewards over online days, slot-major
    /// (node `i`'s slot `k` at `k·n + i`): nodes writing the same slot on a day (all those
    /// online since the same day) write neighbouring entries.
    pub ring: Vec<Amount>,
    /// Ring state per node, one byte (see [`ring_slot`]): `s < window` while filling (`s`
    /// entries, next write at `s`); `window + p` once full (next write at `p`).
    pub ring_state: Vec<u8>,
    pub basic_total: Vec<Amount>,
    pub stability_total: Vec<Amount>,
    pub extra_total: Vec<Amount>,
    pub election_total: Vec<Amount>,
    pub forfeited_total: Vec<Amount>,
    pub forfeit_count: Vec<u32>,
    pub fail_stream: Vec<Option<RandomStream>>,
    pub adoption_stream: Vec<Option<RandomStream>>,
    pub window: usize,
}

impl Nodes {
    pub fn new(
        cfg: &EconomyConfig,
        streams: sim_core::Streams,
        models: &mut Vec<AdoptionModel>,
    ) -> Self {
        let n = cfg.nodes.len();
        let window = cfg.penalties.reference_window_days as usize;
        debug_assert!(window <= MAX_REFERENCE_WINDOW);
        let mut nodes = Nodes {
            std_power: Vec::with_capacity(n),
            operator: Vec::with_capacity(n),
            status: vec![NodeStatus::NotJoined; n],
            pledge: vec![Amount::ZERO; n],
            pledge_required: Vec::with_capacity(n),
            pledge_end_day: vec![u64::MAX; n],
            down_since_ms: vec![UP; n],
            up_at_ms: vec![0; n],
            reported: vec![false; n],
            outage_id: vec![0; n],
            fail_gen: vec![0; n],
            failure: Vec::with_capacity(n),
            offline_ms_today: vec![0; n],
            adoption_const: Vec::with_capacity(n),
            adoption_model: Vec::with_capacity(n),
            class: Vec::with_capacity(n),
            class_count: 0,
            ring: vec![Amount::ZERO; n * window],
            ring_state: vec![0; n],
            basic_total: vec![Amount::ZERO; n],
            stability_total: vec![Amount::ZERO; n],
            extra_total: vec![Amount::ZERO; n],
            election_total: vec![Amount::ZERO; n],
            forfeited_total: vec![Amount::ZERO; n],
            forfeit_count: vec![0; n],
            fail_stream: Vec::with_capacity(n),
            adoption_stream: Vec::with_capacity(n),
            window,
        };
        models.push(cfg.adoption.clone());
        let mut classes: BTreeMap<(u64, u32), u32> = BTreeMap::new();
        for (i, spec) in cfg.nodes.iter().enumerate() {
            nodes
                .std_power
                .push(cfg.standardised_power(spec.kind, spec.raw_power));
            nodes.operator.push(spec.operator);
            nodes
                .pledge_required
                .push(cfg.pledge_required(spec.kind, spec.raw_power));
            nodes.failure.push(spec.failure);
            let model = spec.adoption.as_ref().unwrap_or(&cfg.adoption);
            match model {
                AdoptionModel::Constant(b) => {
                    nodes.adoption_const.push((*b).min(10_000));
                    nodes.adoption_model.push(0);
                }
                other => {
                    nodes.adoption_const.push(u32::MAX);
                    // Neighbouring nodes (a group, a timeline event's targets) usually share
                    // their model: one entry for the run, not one per node.
                    let idx = if spec.adoption.is_none() {
                        0
                    } else if models.len() > 1 && models.last() == Some(other) {
                        models.len() - 1
                    } else {
                        models.push(other.clone());
                        models.len() - 1
                    };
                    nodes.adoption_model.push(u32::try_from(idx).unwrap_or(0));
                }
            }
            let key = (
                *nodes.std_power.last().unwrap_or(&0),
                *nodes.adoption_const.last().unwrap_or(&u32::MAX),
            );
            let class = if key.1 == u32::MAX {
                NO_CLASS
            } else if let Some(&c) = classes.get(&key) {
                c
            } else if classes.len() < MAX_CLASSES {
                let c = classes.len() as u32;
                classes.insert(key, c);
                c
            } else {
                NO_CLASS
            };
            nodes.class.push(class);
            let idx = i as u64;
            nodes.fail_stream.push(
                (spec.failure.mean_up_ms > 0)
                    .then(|| streams.stream(sim_core::Domain("economy.node.failure"), idx)),
            );
            nodes.adoption_stream.push(
                matches!(model, AdoptionModel::UniformDaily { .. })
                    .then(|| streams.stream(sim_core::Domain("economy.node.adoption"), idx)),
            );
        }
        nodes.class_count = classes.len();
        nodes
    }

    pub fn len(&self) -> usize {
        self.std_power.len()
    }

    pub fn is_down(&self, i: usize) -> bool {
        self.down_since_ms[i] != UP
    }

    /// Records one online day's basic+stability reward in the reference ring.
    #[inline]
    pub fn push_reference(&mut self, i: usize, reward: Amount) {
        let w = self.window;
        let st = self.ring_state[i];
        let n = self.len();
        self.ring[ring_slot(st, w) * n + i] = reward;
        self.ring_state[i] = ring_next(st, w);
    }

    /// Adds `extra` to the entry pushed last (today's, for a node online today).
    pub fn add_to_last_reference(&mut self, i: usize, extra: Amount) {
        let w = self.window;
        let last = (ring_slot(self.ring_state[i], w) + w - 1) % w;
        let n = self.len();
        let slot = &mut self.ring[last * n + i];
        *slot = Amount::from_wei(slot.wei().saturating_add(extra.wei()));
    }

    /// Mean daily basic+stability reward over the node's last `window` online days (floor; 0
    /// with no online day yet; fewer days average over what there is).
    pub fn reference_reward(&self, i: usize) -> Amount {
        let len = ring_len(self.ring_state[i], self.window);
        if len == 0 {
            return Amount::ZERO;
        }
        let w = self.window;
        // ≤ 16 rewards of < 2^124 wei each cannot overflow u128 in practice; saturate anyway.
        let n = self.len();
        let sum = (0..w)
            .filter_map(|k| self.ring.get(k * n + i))
            .fold(0u128, |acc, a| acc.saturating_add(a.wei()));
        Amount::from_wei(sum / len as u128)
    }
}

/// Next write position in a node's ring of `w` entries, from its state byte: while filling
/// (`state < w`) the ring holds `state` entries and the next write is at `state`; once full
/// the state is `w + pos`.
#[inline(always)]
pub(crate) fn ring_slot(state: u8, w: usize) -> usize {
    let s = usize::from(state);
    if s < w { s } else { s - w }
}

/// The state after one write (`w ≤ MAX_REFERENCE_WINDOW`, so `2w` fits `u8`).
#[inline(always)]
pub(crate) fn ring_next(state: u8, w: usize) -> u8 {
    let s = usize::from(state) + 1;
    (if s == 2 * w { w } else { s }) as u8
}

/// Number of entries held.
#[inline(always)]
pub(crate) fn ring_len(state: u8, w: usize) -> usize {
    usize::from(state).min(w)
}

/// An exponential sample with the given mean, in whole ms (≥ 1): `-ln(U)·mean` with `U` in
/// `(0, 1]` from 53 random bits, computed with `libm` (pure software, identical everywhere) and
/// converted to an integer immediately.
pub(crate) fn exponential_ms(stream: &mut RandomStream, mean_ms: u64) -> u64 {
    let bits = (stream.next_u64() >> 11) + 1; // 1 ..= 2^53
    let u = bits as f64 / 9_007_199_254_740_992.0; // (0, 1]
    let x = -libm::log(u) * mean_ms as f64;
    if x >= 1.8e19 {
        u64::MAX / 4
    } else {
        (x as u64).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-byte ring state walks exactly like a (position, length) pair with
    /// `pos = (pos + 1) % w` and `len = min(len + 1, w)`.
    #[test]
    fn ring_state_matches_position_and_length() {
        for w in 1..=MAX_REFERENCE_WINDOW {
            let (mut pos, mut len, mut st) = (0usize, 0usize, 0u8);
            for _ in 0..5 * w + 3 {
                assert_eq!(ring_slot(st, w), pos, "w {w}");
                assert_eq!(ring_len(st, w), len, "w {w}");
                st = ring_next(st, w);
                pos = (pos + 1) % w;
                len = (len + 1).min(w);
            }
        }
    }
}
