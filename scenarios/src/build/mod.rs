//! Building: the only place the seed meets the scenario. A validated [`crate::validate::Spec`]
//! and a seed become the engines' inputs: compute nodes, operators and voters drawn from their
//! groups' streams, stakers given their accounts, the contracts set up with their behaviours'
//! streams. Each population has its own stream (`scenario.node_groups`, `scenario.voter_groups`,
//! indexed by group), so adding a group never shifts another group's draws.

mod contracts;
mod economy;

pub use contracts::{FIRST_STAKER_ACCOUNT, contracts};
pub use economy::economy;

use consensus_model::ValidatorId;
use consensus_model::config::{ConsensusConfig, NodeRef, Offline};

/// The chain's consensus configuration for `seed`: the validated one plus the timeline's
/// validator outages by count, each drawn from its event's stream `(seed, scenario.events, key)`.
pub fn consensus(chain: &crate::validate::ChainSpec, seed: u64) -> ConsensusConfig {
    let mut cfg = chain.consensus.clone();
    let streams = sim_core::Streams::new(seed);
    let n = cfg.validators.len() as u64;
    for d in &chain.drawn_offline {
        let mut rng = streams.stream(sim_core::Domain("scenario.events"), d.stream);
        // Validator ids are 1..=n (validation made them so).
        let picked: Vec<u64> = select(&mut rng, n, u64::from(d.count)).collect();
        cfg.faults
            .offline
            .extend(picked.into_iter().map(|k| Offline {
                node: NodeRef::Validator(ValidatorId(k as u32 + 1)),
                start: d.start,
                end: d.end,
            }));
    }
    cfg
}

/// Knuth's selection sampling: `want` of the indices `0..n`, ascending, each taken with
/// probability (still wanted) / (still left). One draw per index, taken or not, so the number
/// of draws depends only on `n`.
pub(crate) fn select(
    rng: &mut sim_core::RandomStream,
    n: u64,
    want: u64,
) -> impl Iterator<Item = u64> + '_ {
    let (mut want, mut left) = (want.min(n), n);
    (0..n).filter(move |_| {
        let take = rng.below(left) < want;
        left -= 1;
        want -= u64::from(take);
        take
    })
}
