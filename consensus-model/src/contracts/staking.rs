//! Staking in the Validators contract (SPEC §3.2): stake to an approved validator, unstake a
//! whole position, withdraw after 86,400 blocks; the validator's status follows its total stake.

use serde::{Deserialize, Serialize};
use sim_core::{Amount, SimTime};

use super::records::{ContractEvent, ContractRecorder};
use super::{AccountId, MinStakeRule, RankingRule, SystemContracts, TxError, ValidatorStatus};
use crate::types::{Height, ValidatorId};

/// One staker's coins on one validator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Bonded stake (counts for ranking and fees).
    pub bonded_wei: Amount,
    /// Unstaked coins waiting for withdrawal.
    pub unbonding_wei: Amount,
    /// Block of the unstake, while unbonding.
    pub unstake_height: Option<Height>,
}

impl Position {
    /// A bonded position.
    pub fn bonded(amount: Amount) -> Self {
        Position {
            bonded_wei: amount,
            ..Position::default()
        }
    }
}

impl<R: ContractRecorder> SystemContracts<R> {
    pub(crate) fn stake(
        &mut self,
        height: Height,
        time: SimTime,
        staker: AccountId,
        validator: ValidatorId,
        amount: Amount,
        fee: Amount,
    ) -> Result<(), TxError> {
        if amount.is_zero() {
            return Err(TxError::ZeroAmount);
        }
        let v = self
            .validators
            .get(&validator)
            .ok_or(TxError::UnknownValidator(validator))?;
        if !v.approved || v.status == ValidatorStatus::Jailed {
            return Err(TxError::NotApproved(validator));
        }
        let pos = self.positions.get(&(validator, staker)).copied();
        if pos.is_some_and(|p| p.unstake_height.is_some()) {
            return Err(TxError::StillUnbonding(validator));
        }
        if pos.is_none() && self.positions.len() >= self.config.limits.max_positions {
            return Err(TxError::LimitExceeded("max_positions"));
        }
        let bonded = pos.map_or(Amount::ZERO, |p| p.bonded_wei);
        let new_bonded = bonded.checked_add(amount)?;
        let min = self.config.min_stake_wei;
        match self.config.min_stake_rule {
            MinStakeRule::PerStaker if new_bonded < min => {
                return Err(TxError::BelowMinimum {
                    got: new_bonded,
                    min,
                });
            }
            MinStakeRule::PerTransaction if amount < min => {
                return Err(TxError::BelowMinimum { got: amount, min });
            }
            _ => {}
        }
        let needed = amount.checked_add(fee)?;
        let balance = self.balance(staker);
        if balance < needed {
            return Err(TxError::InsufficientBalance {
                account: staker,
                balance,
                needed,
            });
        }
        let new_total = v.stake_wei.checked_add(amount)?;
        let old_status = v.status;
        // Validated: mutate.
        self.balances.insert(staker, balance.checked_sub(amount)?);
        self.positions
            .insert((validator, staker), Position::bonded(new_bonded));
        let becomes_staked = new_total >= min && old_status != ValidatorStatus::Staked;
        if let Some(v) = self.validators.get_mut(&validator) {
            v.stake_wei = new_total;
            if becomes_staked {
                v.status = ValidatorStatus::Staked;
            }
        }
        self.recorder.on_event(
            height,
            time,
            &ContractEvent::Staked {
                staker,
                validator,
                amount,
            },
        );
        if becomes_staked {
            self.recorder.on_event(
                height,
                time,
                &ContractEvent::StatusChanged {
                    validator,
                    from: Some(old_status),
                    to: ValidatorStatus::Staked,
                },
            );
        }
        let now_staked = becomes_staked || old_status == ValidatorStatus::Staked;
        if now_staked && self.config.ranking == RankingRule::HecoIncremental {
            self.try_add_to_highest_set(validator);
        }
        Ok(())
    }

    pub(crate) fn unstake(
        &mut self,
        height: Height,
        time: SimTime,
        staker: AccountId,
        validator: ValidatorId,
    ) -> Result<(), TxError> {
        let pos = self
            .positions
            .get(&(validator, staker))
            .copied()
            .ok_or(TxError::NothingStaked(validator))?;
        if pos.unstake_height.is_some() || pos.bonded_wei.is_zero() {
            return Err(TxError::NothingStaked(validator));
        }
        let v = self
            .validators
            .get(&validator)
            .ok_or(TxError::UnknownValidator(validator))?;
        let new_total = v.stake_wei.checked_sub(pos.bonded_wei)?;
        let old_status = v.status;
        // Validated: mutate.
        self.positions.insert(
            (validator, staker),
            Position {
                bonded_wei: Amount::ZERO,
                unbonding_wei: pos.bonded_wei,
                unstake_height: Some(height),
            },
        );
        let falls = old_status == ValidatorStatus::Staked && new_total < self.config.min_stake_wei;
        if let Some(v) = self.validators.get_mut(&validator) {
            v.stake_wei = new_total;
            if falls {
                // SPEC §3.3: below the minimum it stops being staked and needs a new proposal.
                v.status = ValidatorStatus::Unstaked;
                v.approved = false;
            }
        }
        self.recorder.on_event(
            height,
            time,
            &ContractEvent::Unstaked {
                staker,
                validator,
                amount: pos.bonded_wei,
                withdraw_from: height.saturating_add(self.config.unbonding_blocks),
            },
        );
        if falls {
            self.highest_set.retain(|&x| x != validator);
            self.recorder.on_event(
                height,
                time,
                &ContractEvent::StatusChanged {
                    validator,
                    from: Some(old_status),
                    to: ValidatorStatus::Unstaked,
                },
            );
        }
        Ok(())
    }

    pub(crate) fn withdraw_stake(
        &mut self,
        height: Height,
        time: SimTime,
        staker: AccountId,
        validator: ValidatorId,
    ) -> Result<(), TxError> {
        let pos = self
            .positions
            .get(&(validator, staker))
            .copied()
            .ok_or(TxError::NotUnbonding(validator))?;
        let unstaked_at = pos.unstake_height.ok_or(TxError::NotUnbonding(validator))?;
        let ready_at = unstaked_at.saturating_add(self.config.unbonding_blocks);
        if height < ready_at {
            return Err(TxError::UnbondingNotFinished { ready_at });
        }
        let balance = self.balance(staker).checked_add(pos.unbonding_wei)?;
        // Validated: mutate. The position is closed (it holds nothing bonded while unbonding).
        debug_assert!(pos.bonded_wei.is_zero());
        self.positions.remove(&(validator, staker));
        self.balances.insert(staker, balance);
        self.recorder.on_event(
            height,
            time,
            &ContractEvent::StakeWithdrawn {
                staker,
                validator,
                amount: pos.unbonding_wei,
            },
        );
        Ok(())
    }

    pub(crate) fn withdraw_income(
        &mut self,
        height: Height,
        time: SimTime,
        validator: ValidatorId,
    ) -> Result<(), TxError> {
        let period = self.config.income_withdraw_period_blocks;
        let v = self
            .validators
            .get(&validator)
            .ok_or(TxError::UnknownValidator(validator))?;
        if let Some(last) = v.last_income_withdraw {
            let ready_at = last.saturating_add(period);
            if height < ready_at {
                return Err(TxError::IncomeWithdrawTooSoon { ready_at });
            }
        }
        if v.income_wei.is_zero() {
            return Err(TxError::NoIncome(validator));
        }
        let amount = v.income_wei;
        let withdrawn = self.withdrawn_income.checked_add(amount)?;
        let v_withdrawn = v.withdrawn_total_wei.checked_add(amount)?;
        // Validated: mutate.
        self.withdrawn_income = withdrawn;
        if let Some(v) = self.validators.get_mut(&validator) {
            v.income_wei = Amount::ZERO;
            v.withdrawn_total_wei = v_withdrawn;
            v.last_income_withdraw = Some(height);
        }
        self.recorder.on_event(
            height,
            time,
            &ContractEvent::IncomeWithdrawn { validator, amount },
        );
        Ok(())
    }
}
