//! Fees (SPEC §3.4): the per-block split among active non-jailed validators by stake (equal if
//! all stakes are 0; floors, remainder to the last), the optional staker share, and the fee
//! models a scenario uses to produce each block's fees.

use serde::{Deserialize, Serialize};
use sim_core::{
    Amount, AmountError, RandomStream, SimTime, split_pro_rata, split_remainder_to_last_into,
};

use super::records::{ContractEvent, ContractRecorder};
use super::{AccountId, ContractsError, FeeSplit, SplitScratch, SystemContracts, ValidatorStatus};
use crate::system::BlockContext;
use crate::types::ValidatorId;

/// How much a block's transactions pay in fees, before the fees of simulated transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeeModel {
    /// The same amount every block.
    Constant(Amount),
    /// Uniform in `[min, max]` wei every block.
    Uniform {
        /// Smallest fee.
        min: Amount,
        /// Largest fee.
        max: Amount,
    },
    /// With probability `busy_ppm` a block is uniform in `[min, max]`, otherwise it has no fees
    /// (mostly empty blocks with occasional traffic).
    Sparse {
        /// Probability of a non-empty block, parts per million.
        busy_ppm: u32,
        /// Smallest fee of a non-empty block.
        min: Amount,
        /// Largest fee of a non-empty block.
        max: Amount,
    },
}

impl Default for FeeModel {
    fn default() -> Self {
        FeeModel::Constant(Amount::ZERO)
    }
}

/// A fee model with its own random stream (domain `contracts.fees`, one per chain).
#[derive(Clone, Debug)]
pub struct FeeSource {
    model: FeeModel,
    stream: RandomStream,
    /// Model changes still to come, by time (a scenario timeline's `fee_model` events); the
    /// stream carries on across a change, so a change moves no other draw.
    changes: Vec<(SimTime, FeeModel)>,
}

/// The stream domain of [`FeeSource`].
pub const FEES_DOMAIN: sim_core::Domain = sim_core::Domain("contracts.fees");

impl FeeSource {
    /// A fee source drawing from `streams.stream(FEES_DOMAIN, index)`.
    pub fn new(model: FeeModel, streams: sim_core::Streams, index: u64) -> Self {
        FeeSource {
            model,
            stream: streams.stream(FEES_DOMAIN, index),
            changes: Vec::new(),
        }
    }

    /// Switches to each model from its time on (the first block at or after it).
    pub fn schedule(&mut self, mut changes: Vec<(SimTime, FeeModel)>) {
        // Stable: of two changes at one time, the later in the list wins.
        changes.sort_by_key(|&(at, _)| at);
        changes.reverse();
        self.changes = changes;
    }

    /// The fees of the next block, at `time` (call once per block, in height order): the
    /// model in force at `time` draws them.
    pub fn next_block_fees_at(&mut self, time: SimTime) -> Amount {
        while self.changes.last().is_some_and(|&(at, _)| at <= time) {
            if let Some((_, m)) = self.changes.pop() {
                self.model = m;
            }
        }
        self.next_block_fees()
    }

    /// The fees of the next block (call once per block, in height order).
    pub fn next_block_fees(&mut self) -> Amount {
        match self.model {
            FeeModel::Constant(a) => a,
            FeeModel::Uniform { min, max } => uniform_amount(&mut self.stream, min, max),
            FeeModel::Sparse { busy_ppm, min, max } => {
                if self.stream.chance_ppm(busy_ppm) {
                    uniform_amount(&mut self.stream, min, max)
                } else {
                    Amount::ZERO
                }
            }
        }
    }
}

/// A uniform amount in `[min, max]` (`min` if the range is empty), exact over all of `u128`.
pub fn uniform_amount(stream: &mut RandomStream, min: Amount, max: Amount) -> Amount {
    if max <= min {
        return min;
    }
    let span = max.wei() - min.wei();
    let offset = match u64::try_from(span) {
        Ok(s) => u128::from(stream.in_range(0, s)),
        Err(_) => {
            // Rejection sampling on the smallest power-of-two range covering the span.
            let bits = 128 - span.leading_zeros();
            let mask = if bits == 128 {
                u128::MAX
            } else {
                (1u128 << bits) - 1
            };
            loop {
                let hi = u128::from(stream.next_u64());
                let lo = u128::from(stream.next_u64());
                let x = ((hi << 64) | lo) & mask;
                if x <= span {
                    break x;
                }
            }
        }
    };
    Amount::from_wei(min.wei() + offset)
}

impl<R: ContractRecorder> SystemContracts<R> {
    /// Fills `scratch` with the active, non-jailed validators but `except` (set order) and their
    /// weights under the configured rule, one look-up each (this runs every block), then splits
    /// `total` among them: floors, remainder to the last. False if there is nobody.
    pub(crate) fn split_among_active(
        &self,
        total: Amount,
        except: Option<ValidatorId>,
        scratch: &mut SplitScratch,
    ) -> Result<bool, AmountError> {
        scratch.recipients.clear();
        scratch.weights.clear();
        for &v in &self.active_set {
            let Some(state) = self.validators.get(&v) else {
                continue;
            };
            if Some(v) == except || state.status == ValidatorStatus::Jailed {
                continue;
            }
            scratch.recipients.push(v);
            scratch.weights.push(match self.config.fee_split {
                FeeSplit::ByStake => state.stake_wei.wei(),
                // All-zero weights are split equally by split_remainder_to_last_into.
                FeeSplit::Equal => 0,
            });
        }
        split_remainder_to_last_into(total, &scratch.weights, &mut scratch.shares)
    }

    /// Credits `amount` of income to `validator`.
    pub(crate) fn credit_income(
        &mut self,
        validator: ValidatorId,
        amount: Amount,
    ) -> Result<(), ContractsError> {
        let v = self
            .validators
            .get_mut(&validator)
            .ok_or(ContractsError::UnknownValidator(validator))?;
        v.income_wei = v.income_wei.checked_add(amount)?;
        v.earned_total_wei = v.earned_total_wei.checked_add(amount)?;
        Ok(())
    }

    /// Step (2) of the end of a block: split `fees` among the active, non-jailed validators.
    pub(crate) fn distribute_fees(
        &mut self,
        block: &BlockContext<'_>,
        fees: Amount,
    ) -> Result<(), ContractsError> {
        if fees.is_zero() {
            return Ok(());
        }
        // Buffers kept between blocks (this runs every block); an error loses them, and the run.
        let mut scratch = std::mem::take(&mut self.split_scratch);
        if !self.split_among_active(fees, None, &mut scratch)? {
            self.undistributed = self.undistributed.checked_add(fees)?;
            self.recorder.on_event(
                block.height,
                block.time,
                &ContractEvent::FeesDistributed {
                    total: fees,
                    recipients: 0,
                    undistributed: fees,
                },
            );
            self.split_scratch = scratch;
            return Ok(());
        }
        for (&v, &share) in scratch.recipients.iter().zip(&scratch.shares) {
            let kept = self.pay_stakers(v, share)?;
            self.credit_income(v, kept)?;
        }
        let count = scratch.recipients.len();
        self.split_scratch = scratch;
        self.recorder.on_event(
            block.height,
            block.time,
            &ContractEvent::FeesDistributed {
                total: fees,
                recipients: count as u32,
                undistributed: Amount::ZERO,
            },
        );
        Ok(())
    }

    /// Pays `staker_share_bps` of `share` to `validator`'s bonded stakers by stake (floored,
    /// straight to their liquid balances); returns what the validator keeps (the rest and the
    /// dust).
    fn pay_stakers(
        &mut self,
        validator: ValidatorId,
        share: Amount,
    ) -> Result<Amount, ContractsError> {
        let bps = self.config.staker_share_bps;
        if bps == 0 || share.is_zero() {
            return Ok(share);
        }
        let pot = share.mul_bps(bps);
        let stakers: Vec<(AccountId, u128)> = self
            .positions
            .range((validator, AccountId(0))..=(validator, AccountId(u32::MAX)))
            .filter(|(_, p)| !p.bonded_wei.is_zero())
            .map(|(&(_, a), p)| (a, p.bonded_wei.wei()))
            .collect();
        if stakers.is_empty() {
            return Ok(share);
        }
        let weights: Vec<u128> = stakers.iter().map(|&(_, w)| w).collect();
        let split = split_pro_rata(pot, &weights)?;
        let mut paid = Amount::ZERO;
        for (&(a, _), &s) in stakers.iter().zip(&split.shares) {
            let b = self.balances.entry(a).or_default();
            *b = b.checked_add(s)?;
            paid = paid.checked_add(s)?;
        }
        Ok(share.checked_sub(paid)?)
    }
}
