//! The Punish contract (SPEC §3.5; HECO `Punish.sol`): the in-turn validator of an out-of-turn
//! block misses a turn; every 24 missed turns its income is confiscated, at 48 it is jailed; the
//! counters decay at every epoch block.

use sim_core::{Amount, SimTime};

use super::records::{ContractEvent, ContractRecorder, PunishOutcome};
use super::{Confiscation, ContractsError, SplitScratch, SystemContracts, ValidatorStatus};
use crate::system::BlockContext;
use crate::types::{Height, ValidatorId};

impl<R: ContractRecorder> SystemContracts<R> {
    /// Step (1) of the end of a block with difficulty ≠ 2: punish `block.in_turn` unless it
    /// signed one of the last `L` blocks (and the exemption is on). Called once per block.
    pub(crate) fn punish(&mut self, block: &BlockContext<'_>) -> Result<(), ContractsError> {
        let target = block.in_turn;
        if self.config.punish_exempt_recent_signers && block.in_turn_signed_recently {
            return Ok(());
        }
        let (jail_at, punish_at) = (self.config.jail_threshold, self.config.punish_threshold);
        let v = self
            .validators
            .get_mut(&target)
            .ok_or(ContractsError::UnknownValidator(target))?;
        v.missed = v.missed.saturating_add(1);
        v.punishments_total = v.punishments_total.saturating_add(1);
        let counter = v.missed;
        let outcome = if counter.is_multiple_of(jail_at) {
            let moved = if self.config.confiscate_on_jail {
                self.confiscate(target)?
            } else {
                Amount::ZERO
            };
            let from = self.jail(target)?;
            self.recorder.on_event(
                block.height,
                block.time,
                &ContractEvent::StatusChanged {
                    validator: target,
                    from: Some(from),
                    to: ValidatorStatus::Jailed,
                },
            );
            PunishOutcome::Jailed { confiscated: moved }
        } else if counter.is_multiple_of(punish_at) {
            PunishOutcome::IncomeConfiscated {
                confiscated: self.confiscate(target)?,
            }
        } else {
            PunishOutcome::Counted
        };
        self.recorder.on_event(
            block.height,
            block.time,
            &ContractEvent::Punished {
                validator: target,
                counter,
                outcome,
            },
        );
        Ok(())
    }

    /// Moves `target`'s unwithdrawn income to the other active non-jailed validators by stake
    /// (or burns it); with nobody to receive it, it stays in the contract (undistributed).
    fn confiscate(&mut self, target: ValidatorId) -> Result<Amount, ContractsError> {
        let v = self
            .validators
            .get_mut(&target)
            .ok_or(ContractsError::UnknownValidator(target))?;
        let income = v.income_wei;
        if income.is_zero() {
            return Ok(income);
        }
        v.income_wei = Amount::ZERO;
        v.confiscated_total_wei = v.confiscated_total_wei.checked_add(income)?;
        match self.config.confiscation {
            Confiscation::Burn => self.burned = self.burned.checked_add(income)?,
            Confiscation::Redistribute => {
                let mut split = SplitScratch::default();
                if self.split_among_active(income, Some(target), &mut split)? {
                    for (&o, &s) in split.recipients.iter().zip(&split.shares) {
                        self.credit_income(o, s)?;
                    }
                } else {
                    self.undistributed = self.undistributed.checked_add(income)?;
                }
            }
        }
        Ok(income)
    }

    /// Jails `target`: status jailed, approval revoked, counter reset, out of the ranking. It
    /// stays in the current consensus set until the next epoch block. Returns the old status.
    fn jail(&mut self, target: ValidatorId) -> Result<ValidatorStatus, ContractsError> {
        let v = self
            .validators
            .get_mut(&target)
            .ok_or(ContractsError::UnknownValidator(target))?;
        let from = v.status;
        v.status = ValidatorStatus::Jailed;
        v.approved = false;
        v.missed = 0;
        v.jailings_total = v.jailings_total.saturating_add(1);
        self.highest_set.retain(|&x| x != target);
        Ok(from)
    }

    /// Step (3b) of an epoch block: every counter `c` becomes `c − d` if `c > d`, else 0.
    pub(crate) fn decay_missed_counters(&mut self, height: Height, time: SimTime) {
        let d = self.config.missed_decay_per_epoch;
        if d == 0 {
            return;
        }
        for v in self.validators.values_mut() {
            v.missed = v.missed.saturating_sub(d);
        }
        self.recorder
            .on_event(height, time, &ContractEvent::CountersDecayed { by: d });
    }
}
