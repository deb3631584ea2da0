//! The supply ledger of SPEC §7: every wei of the 500M lies in exactly one bucket, and the
//! buckets always sum to the total. All movements are checked transfers between buckets.

use sim_core::{Amount, AmountError};

use crate::supply::{SupplyParams, TOTAL_SUPPLY};

/// Where a wei of the supply is (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Not yet emitted from the mining pool.
    MiningPool,
    /// Allocations not yet vested.
    Unvested,
    /// Liquid balances of any account.
    Liquid,
    /// Validator stake, bonded or unbonding.
    ValidatorStake,
    /// Compute-node pledges.
    NodePledges,
    /// DCC locked in super-node votes.
    LockedVotes,
    /// Validator fee income not yet withdrawn.
    UnwithdrawnIncome,
    /// Burned: out of the total supply for good.
    Burned,
}

impl Bucket {
    /// Every bucket, in report order.
    pub const ALL: [Bucket; 8] = [
        Bucket::MiningPool,
        Bucket::Unvested,
        Bucket::Liquid,
        Bucket::ValidatorStake,
        Bucket::NodePledges,
        Bucket::LockedVotes,
        Bucket::UnwithdrawnIncome,
        Bucket::Burned,
    ];

    /// The snake_case name used in outputs.
    pub const fn name(self) -> &'static str {
        match self {
            Bucket::MiningPool => "mining_pool",
            Bucket::Unvested => "unvested",
            Bucket::Liquid => "liquid",
            Bucket::ValidatorStake => "validator_stake",
            Bucket::NodePledges => "node_pledges",
            Bucket::LockedVotes => "locked_votes",
            Bucket::UnwithdrawnIncome => "unwithdrawn_income",
            Bucket::Burned => "burned",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// A ledger operation that would break the accounting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A transfer larger than the source bucket holds.
    #[error("cannot move {amount} from {from} to {to}: {from} holds only {available}")]
    Insufficient {
        /// Source bucket name.
        from: &'static str,
        /// Destination bucket name.
        to: &'static str,
        /// Requested.
        amount: Amount,
        /// Held.
        available: Amount,
    },
    /// Burned coins never come back.
    #[error("burned coins cannot be moved (requested {amount} to {to})")]
    FromBurned {
        /// Destination bucket name.
        to: &'static str,
        /// Requested.
        amount: Amount,
    },
    /// The buckets no longer sum to the total supply.
    #[error(
        "accounting invariant broken: buckets sum to {sum} wei, expected {expected} wei ({detail})"
    )]
    Conservation {
        /// Actual sum.
        sum: u128,
        /// 500M DCC in wei.
        expected: u128,
        /// Every bucket's balance.
        detail: String,
    },
    /// Arithmetic overflow.
    #[error(transparent)]
    Amount(#[from] AmountError),
}

/// Balances of every bucket of the supply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyLedger {
    balances: [Amount; 8],
}

impl SupplyLedger {
    /// The ledger at genesis: the mining pool, unvested allocations, and what is liquid at genesis.
    pub fn genesis(params: &SupplyParams) -> Result<Self, LedgerError> {
        let mut balances = [Amount::ZERO; 8];
        balances[Bucket::MiningPool.index()] = params.mining_pool();
        for a in params.allocations() {
            let liquid = a.schedule.genesis_release(a.total);
            let locked = a.total.checked_sub(liquid)?;
            let l = &mut balances[Bucket::Liquid.index()];
            *l = l.checked_add(liquid)?;
            let u = &mut balances[Bucket::Unvested.index()];
            *u = u.checked_add(locked)?;
        }
        let ledger = SupplyLedger { balances };
        ledger.check()?;
        Ok(ledger)
    }

    /// The balance of one bucket.
    pub fn balance(&self, bucket: Bucket) -> Amount {
        self.balances[bucket.index()]
    }

    /// Moves `amount` from one bucket to another; nothing changes on error.
    pub fn transfer(
        &mut self,
        from: Bucket,
        to: Bucket,
        amount: Amount,
    ) -> Result<(), LedgerError> {
        if from == Bucket::Burned && !amount.is_zero() {
            return Err(LedgerError::FromBurned {
                to: to.name(),
                amount,
            });
        }
        let available = self.balance(from);
        let new_from = available
            .checked_sub(amount)
            .map_err(|_| LedgerError::Insufficient {
                from: from.name(),
                to: to.name(),
                amount,
                available,
            })?;
        if from == to {
            return Ok(());
        }
        let new_to = self.balance(to).checked_add(amount)?;
        self.balances[from.index()] = new_from;
        self.balances[to.index()] = new_to;
        Ok(())
    }

    /// Total supply: 500M minus everything burned.
    pub fn total_supply(&self) -> Amount {
        TOTAL_SUPPLY.saturating_sub(self.balance(Bucket::Burned))
    }

    /// SPEC §7: the buckets sum to 500M exactly.
    pub fn check(&self) -> Result<(), LedgerError> {
        let sum = self
            .balances
            .iter()
            .try_fold(0_u128, |acc, a| acc.checked_add(a.wei()));
        if sum == Some(TOTAL_SUPPLY.wei()) {
            return Ok(());
        }
        let detail = Bucket::ALL
            .iter()
            .map(|b| format!("{}={}", b.name(), self.balance(*b).wei()))
            .collect::<Vec<_>>()
            .join(", ");
        Err(LedgerError::Conservation {
            sum: sum.unwrap_or(u128::MAX),
            expected: TOTAL_SUPPLY.wei(),
            detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_buckets() {
        let l = SupplyLedger::genesis(&SupplyParams::default()).unwrap();
        assert_eq!(l.balance(Bucket::MiningPool), Amount::from_dcc(270_000_000));
        assert_eq!(l.balance(Bucket::Unvested), Amount::from_dcc(55_000_000));
        assert_eq!(l.balance(Bucket::Liquid), Amount::from_dcc(175_000_000));
        assert_eq!(l.total_supply(), TOTAL_SUPPLY);
    }

    #[test]
    fn transfers_are_checked_and_atomic() {
        let mut l = SupplyLedger::genesis(&SupplyParams::default()).unwrap();
        let before = l.clone();
        assert!(matches!(
            l.transfer(Bucket::NodePledges, Bucket::Liquid, Amount::from_wei(1)),
            Err(LedgerError::Insufficient { .. })
        ));
        assert_eq!(l, before);
        l.transfer(Bucket::Liquid, Bucket::Burned, Amount::from_dcc(5))
            .unwrap();
        assert_eq!(
            l.total_supply(),
            TOTAL_SUPPLY.checked_sub(Amount::from_dcc(5)).unwrap()
        );
        assert!(matches!(
            l.transfer(Bucket::Burned, Bucket::Liquid, Amount::from_dcc(1)),
            Err(LedgerError::FromBurned { .. })
        ));
        l.check().unwrap();
    }
}
