//! Ranking at epoch blocks (SPEC §3.3): the top `max_active` eligible validators by bonded stake
//! (ties by ascending id), or HECO's incremental highest set; never empty.

use std::cmp::Reverse;

use super::records::ContractRecorder;
use super::{RankingRule, SystemContracts, ValidatorStatus};
use crate::types::ValidatorId;

/// The top `max_active` of `(id, stake)` candidates by stake descending, ties by ascending id,
/// returned ascending by id. Pure, for reuse and testing.
pub fn top_by_stake(candidates: &[(ValidatorId, u128)], max_active: usize) -> Vec<ValidatorId> {
    let mut ranked: Vec<(Reverse<u128>, ValidatorId)> =
        candidates.iter().map(|&(id, s)| (Reverse(s), id)).collect();
    ranked.sort_unstable();
    let mut set: Vec<ValidatorId> = ranked
        .into_iter()
        .take(max_active)
        .map(|(_, id)| id)
        .collect();
    set.sort_unstable();
    set
}

impl<R: ContractRecorder> SystemContracts<R> {
    /// True if `id` may be ranked: approved, staked, not jailed.
    pub fn is_eligible(&self, id: ValidatorId) -> bool {
        self.validators
            .get(&id)
            .is_some_and(|v| v.approved && v.status == ValidatorStatus::Staked)
    }

    /// The set an epoch block would write now (ascending ids); the current set if nobody is
    /// eligible, so it never empties.
    pub fn next_active_set(&self) -> Vec<ValidatorId> {
        let set = match self.config.ranking {
            RankingRule::TopByStake => {
                let eligible: Vec<(ValidatorId, u128)> = self
                    .validators
                    .iter()
                    .filter(|(id, _)| self.is_eligible(**id))
                    .map(|(&id, v)| (id, v.stake_wei.wei()))
                    .collect();
                top_by_stake(&eligible, self.config.max_active)
            }
            RankingRule::HecoIncremental => {
                let mut s: Vec<ValidatorId> = self
                    .highest_set
                    .iter()
                    .copied()
                    .filter(|&id| self.is_eligible(id))
                    .collect();
                s.sort_unstable();
                s
            }
        };
        if set.is_empty() {
            self.active_set.clone()
        } else {
            set
        }
    }

    /// The HECO highest set, in HECO's array order (incremental ranking only).
    pub fn highest_set(&self) -> &[ValidatorId] {
        &self.highest_set
    }

    /// HECO `tryAddValidatorToHighestSet`: append if there is room, else replace the first
    /// lowest-stake incumbent if the newcomer's stake is strictly greater.
    pub(crate) fn try_add_to_highest_set(&mut self, id: ValidatorId) {
        if self.highest_set.contains(&id) {
            return;
        }
        if self.highest_set.len() < self.config.max_active {
            self.highest_set.push(id);
            return;
        }
        let stake = |x: &ValidatorId| self.validators.get(x).map_or(0, |v| v.stake_wei.wei());
        let mut lowest: Option<(usize, u128)> = None;
        for (i, x) in self.highest_set.iter().enumerate() {
            let s = stake(x);
            if lowest.is_none_or(|(_, ls)| s < ls) {
                lowest = Some((i, s));
            }
        }
        if let Some((i, ls)) = lowest
            && stake(&id) > ls
        {
            self.highest_set[i] = id;
        }
    }
}
