//! The Proposal contract (SPEC §3.1; HECO `Proposal.sol`): propose a validator, active
//! validators vote once each, pass or reject at floor(active/2)+1, expire after 7 days.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sim_core::SimTime;

use super::records::{ContractEvent, ContractRecorder};
use super::{AccountId, ProposerRule, SystemContracts, TxError, ValidatorState, ValidatorStatus};
use crate::types::{Height, ProposalId, ValidatorId};

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalOutcome {
    /// No result yet (it may have expired: see [`Proposal::is_open`]).
    Pending,
    /// Passed: the candidate was approved.
    Passed,
    /// Rejected.
    Rejected,
}

/// One proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its id.
    pub id: ProposalId,
    /// The proposed validator.
    pub candidate: ValidatorId,
    /// Who proposed it.
    pub proposer: AccountId,
    /// Block of creation.
    pub created_height: Height,
    /// Block time of creation.
    pub created_time: SimTime,
    /// Agreeing votes.
    pub agree: u32,
    /// Rejecting votes.
    pub reject: u32,
    /// Who voted.
    pub voters: BTreeSet<ValidatorId>,
    /// Result.
    pub outcome: ProposalOutcome,
}

impl Proposal {
    /// True while votes are accepted: `time < created_time + lifetime_ms` (HECO's strict `<`).
    pub fn is_open(&self, time: SimTime, lifetime_ms: u64) -> bool {
        time < self.created_time.saturating_add_ms(lifetime_ms)
    }
}

impl<R: ContractRecorder> SystemContracts<R> {
    pub(crate) fn propose(
        &mut self,
        height: Height,
        time: SimTime,
        from: AccountId,
        candidate: ValidatorId,
    ) -> Result<(), TxError> {
        if let ProposerRule::Admin(admin) = self.config.proposer
            && admin != from
        {
            return Err(TxError::NotAdmin(from));
        }
        if self.validators.get(&candidate).is_some_and(|v| v.approved) {
            return Err(TxError::AlreadyApproved(candidate));
        }
        if self.proposals.len() >= self.config.limits.max_proposals {
            return Err(TxError::LimitExceeded("max_proposals"));
        }
        let id = self.proposals.len() as ProposalId;
        self.proposals.push(Proposal {
            id,
            candidate,
            proposer: from,
            created_height: height,
            created_time: time,
            agree: 0,
            reject: 0,
            voters: BTreeSet::new(),
            outcome: ProposalOutcome::Pending,
        });
        self.recorder.on_event(
            height,
            time,
            &ContractEvent::ProposalCreated {
                id,
                candidate,
                proposer: from,
            },
        );
        Ok(())
    }

    pub(crate) fn vote(
        &mut self,
        height: Height,
        time: SimTime,
        voter: ValidatorId,
        id: ProposalId,
        agree: bool,
    ) -> Result<(), TxError> {
        if !self.active_set.contains(&voter) {
            return Err(TxError::NotActiveValidator(voter));
        }
        let lifetime = self.config.proposal_lifetime_ms;
        let threshold = (self.active_set.len() / 2 + 1) as u32;
        let idx = usize::try_from(id).map_err(|_| TxError::UnknownProposal(id))?;
        let p = self
            .proposals
            .get(idx)
            .ok_or(TxError::UnknownProposal(id))?;
        if p.voters.contains(&voter) {
            return Err(TxError::AlreadyVoted {
                voter,
                proposal: id,
            });
        }
        if !p.is_open(time, lifetime) {
            return Err(TxError::ProposalExpired(id));
        }
        let candidate = p.candidate;
        let already_approved = self.validators.get(&candidate).is_some_and(|v| v.approved);
        let registering = !self.validators.contains_key(&candidate);
        let (agree_n, reject_n) = if agree {
            (p.agree + 1, p.reject)
        } else {
            (p.agree, p.reject + 1)
        };
        let decides = p.outcome == ProposalOutcome::Pending && !already_approved;
        let passes = decides && agree_n >= threshold;
        if passes && registering && self.validators.len() >= self.config.limits.max_validators {
            return Err(TxError::LimitExceeded("max_validators"));
        }
        // Validated: mutate.
        let p = &mut self.proposals[idx];
        p.voters.insert(voter);
        p.agree = agree_n;
        p.reject = reject_n;
        self.recorder
            .on_event(height, time, &ContractEvent::Voted { id, voter, agree });
        // HECO: once decided (or the candidate approved by another proposal) votes still count
        // but change nothing.
        if passes {
            self.proposals[idx].outcome = ProposalOutcome::Passed;
            self.approve(height, time, candidate);
            self.recorder.on_event(
                height,
                time,
                &ContractEvent::ProposalPassed { id, candidate },
            );
        } else if decides && reject_n >= threshold {
            self.proposals[idx].outcome = ProposalOutcome::Rejected;
            self.recorder.on_event(
                height,
                time,
                &ContractEvent::ProposalRejected { id, candidate },
            );
        }
        Ok(())
    }

    /// Approval: a new validator is registered as created; a jailed or unstaked one goes back to
    /// created with its missed counter cleared (HECO `tryReactive` + `cleanPunishRecord`). It
    /// needs a fresh stake to become staked again.
    fn approve(&mut self, height: Height, time: SimTime, candidate: ValidatorId) {
        match self.validators.get_mut(&candidate) {
            None => {
                self.validators.insert(
                    candidate,
                    ValidatorState::new(ValidatorStatus::Created, sim_core::Amount::ZERO),
                );
                self.recorder.on_event(
                    height,
                    time,
                    &ContractEvent::StatusChanged {
                        validator: candidate,
                        from: None,
                        to: ValidatorStatus::Created,
                    },
                );
            }
            Some(v) => {
                let from = v.status;
                v.approved = true;
                v.missed = 0;
                v.status = ValidatorStatus::Created;
                self.recorder.on_event(
                    height,
                    time,
                    &ContractEvent::StatusChanged {
                        validator: candidate,
                        from: Some(from),
                        to: ValidatorStatus::Created,
                    },
                );
            }
        }
    }

    /// Proposals still taking votes at `time`, with no result yet.
    pub fn open_proposals(&self, time: SimTime) -> impl Iterator<Item = &Proposal> {
        let lifetime = self.config.proposal_lifetime_ms;
        self.proposals
            .iter()
            .filter(move |p| p.outcome == ProposalOutcome::Pending && p.is_open(time, lifetime))
    }
}
