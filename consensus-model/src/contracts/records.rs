//! Outputs of the contracts: the event log (proposals, votes, stakes, unstakes, withdrawals, fee
//! distributions, punishments, status changes, set updates, refusals) and per-validator records
//! at each epoch block, streamed to a [`ContractRecorder`].

use serde::{Deserialize, Serialize};
use sim_core::{Amount, SimTime};

use super::{AccountId, SystemContracts, ValidatorStatus};
use crate::types::{Height, ProposalId, ValidatorId};

/// What a punishment did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PunishOutcome {
    /// Counter increased only.
    Counted,
    /// Counter reached a multiple of 24: income confiscated.
    IncomeConfiscated {
        /// The income taken.
        confiscated: Amount,
    },
    /// Counter reached a multiple of 48: income confiscated and jailed.
    Jailed {
        /// The income taken.
        confiscated: Amount,
    },
}

/// One entry of the contracts' event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ContractEvent {
    /// A proposal was created.
    ProposalCreated {
        /// Its id.
        id: ProposalId,
        /// The candidate.
        candidate: ValidatorId,
        /// The proposer.
        proposer: AccountId,
    },
    /// A vote was cast.
    Voted {
        /// The proposal.
        id: ProposalId,
        /// The voter.
        voter: ValidatorId,
        /// Agree or reject.
        agree: bool,
    },
    /// A proposal passed.
    ProposalPassed {
        /// The proposal.
        id: ProposalId,
        /// The approved candidate.
        candidate: ValidatorId,
    },
    /// A proposal was rejected.
    ProposalRejected {
        /// The proposal.
        id: ProposalId,
        /// The candidate.
        candidate: ValidatorId,
    },
    /// Coins were staked.
    Staked {
        /// The staker.
        staker: AccountId,
        /// The validator.
        validator: ValidatorId,
        /// Amount.
        amount: Amount,
    },
    /// A position was unstaked.
    Unstaked {
        /// The staker.
        staker: AccountId,
        /// The validator.
        validator: ValidatorId,
        /// Amount now unbonding.
        amount: Amount,
        /// First block at which it can be withdrawn.
        withdraw_from: Height,
    },
    /// Unbonded coins were withdrawn to the staker.
    StakeWithdrawn {
        /// The staker.
        staker: AccountId,
        /// The validator.
        validator: ValidatorId,
        /// Amount.
        amount: Amount,
    },
    /// A validator withdrew its income.
    IncomeWithdrawn {
        /// The validator.
        validator: ValidatorId,
        /// Amount.
        amount: Amount,
    },
    /// A block's fees were distributed.
    FeesDistributed {
        /// Fees of the block (model + transactions).
        total: Amount,
        /// Number of validators paid.
        recipients: u32,
        /// Part kept by the contract for lack of recipients.
        undistributed: Amount,
    },
    /// A validator was punished.
    Punished {
        /// The validator.
        validator: ValidatorId,
        /// Its counter after the increment.
        counter: u32,
        /// What happened.
        outcome: PunishOutcome,
    },
    /// A validator's status changed (`from` is `None` when it is first registered).
    StatusChanged {
        /// The validator.
        validator: ValidatorId,
        /// Old status.
        from: Option<ValidatorStatus>,
        /// New status.
        to: ValidatorStatus,
    },
    /// The epoch block wrote a new active set (effective from the next block).
    ActiveSetUpdated {
        /// The set, ascending.
        set: Vec<ValidatorId>,
    },
    /// Missed counters decayed.
    CountersDecayed {
        /// Subtracted from each counter (floored at 0).
        by: u32,
    },
    /// A transaction was refused (it changed nothing).
    TxRefused {
        /// Sender.
        from: AccountId,
        /// Call kind.
        kind: &'static str,
        /// The error.
        reason: String,
    },
}

/// One validator at the end of an epoch block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The epoch block.
    pub height: Height,
    /// Its time.
    pub time: SimTime,
    /// The validator.
    pub validator: ValidatorId,
    /// Bonded stake.
    pub stake_wei: Amount,
    /// Status.
    pub status: ValidatorStatus,
    /// In the set that takes effect from the next block.
    pub active_next: bool,
    /// Missed counter (after decay).
    pub missed: u32,
    /// Punishments ever.
    pub punishments_total: u64,
    /// Times jailed.
    pub jailings_total: u64,
    /// Unwithdrawn income.
    pub income_wei: Amount,
    /// Income ever earned.
    pub earned_total_wei: Amount,
    /// Income ever confiscated.
    pub confiscated_total_wei: Amount,
    /// Income ever withdrawn.
    pub withdrawn_total_wei: Amount,
}

/// Receives the contracts' outputs as they happen.
pub trait ContractRecorder {
    /// An event at block `height`, time `time`.
    fn on_event(&mut self, height: Height, time: SimTime, event: &ContractEvent);
    /// A per-validator record at an epoch block.
    fn on_epoch_record(&mut self, record: &EpochRecord);
}

/// Discards everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NullRecorder;

impl ContractRecorder for NullRecorder {
    fn on_event(&mut self, _: Height, _: SimTime, _: &ContractEvent) {}
    fn on_epoch_record(&mut self, _: &EpochRecord) {}
}

/// Collects everything into vectors, up to `max_items` of each; the rest is counted as dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecRecorder {
    /// Events with their height and time.
    pub events: Vec<(Height, SimTime, ContractEvent)>,
    /// Epoch records.
    pub epochs: Vec<EpochRecord>,
    /// Items not kept because a vector was full.
    pub dropped: u64,
    /// Capacity of each vector.
    pub max_items: usize,
}

impl VecRecorder {
    /// A recorder keeping at most `max_items` events and `max_items` records.
    pub fn new(max_items: usize) -> Self {
        VecRecorder {
            events: Vec::new(),
            epochs: Vec::new(),
            dropped: 0,
            max_items,
        }
    }
}

impl Default for VecRecorder {
    fn default() -> Self {
        VecRecorder::new(1_000_000)
    }
}

impl ContractRecorder for VecRecorder {
    fn on_event(&mut self, height: Height, time: SimTime, event: &ContractEvent) {
        if self.events.len() < self.max_items {
            self.events.push((height, time, event.clone()));
        } else {
            self.dropped += 1;
        }
    }

    fn on_epoch_record(&mut self, record: &EpochRecord) {
        if self.epochs.len() < self.max_items {
            self.epochs.push(record.clone());
        } else {
            self.dropped += 1;
        }
    }
}

impl<R: ContractRecorder> SystemContracts<R> {
    /// Emits one [`EpochRecord`] per registered validator, ascending by id.
    pub(crate) fn emit_epoch_records(&mut self, height: Height, time: SimTime) {
        for (&id, v) in &self.validators {
            let record = EpochRecord {
                height,
                time,
                validator: id,
                stake_wei: v.stake_wei,
                status: v.status,
                active_next: self.active_set.binary_search(&id).is_ok(),
                missed: v.missed,
                punishments_total: v.punishments_total,
                jailings_total: v.jailings_total,
                income_wei: v.income_wei,
                earned_total_wei: v.earned_total_wei,
                confiscated_total_wei: v.confiscated_total_wei,
                withdrawn_total_wei: v.withdrawn_total_wei,
            };
            self.recorder.on_epoch_record(&record);
        }
    }
}
