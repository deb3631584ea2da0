//! The chain↔economy seam (`mode = "coupled"`): the contracts' end-of-block executor that also
//! settles the economy on the chain's timeline. Each day of the economy is
//! settled in the first executed block at or after its boundary (a halted chain delays it and
//! the delay is reported), and vote handling fees join that block's fees, so they reach the
//! validators through the contracts' fee split.
//!
//! One 500M ledger in coupled mode (SPEC §7 across economy and contracts):
//! - Genesis: the contracts' genesis balances and stakes are paid by the economy's
//!   foundation/market account ([`Economy::attach_chain`]; a run whose account cannot pay stops
//!   before the first block). Stakes land in `validator_stake`, balances stay `liquid`.
//! - Before every settlement (and once at the end of the run) the contracts' [`Accounting`] is
//!   mapped to SPEC §7 buckets by [`chain_holdings`] (liquid accounts + withdrawn income →
//!   liquid; bonded + unbonding → validator stake; unwithdrawn income + undistributed + pending
//!   fees → unwithdrawn income; confiscation burns → burned) and synced into the economy
//!   ([`Economy::sync_chain`]). The money that entered the contracts since the last sync
//!   (growth of their `expected_total`: inflows minus debits) is the vote fees handed over plus
//!   the users' fees (fee model and engine fees), which the market account pays. The economy
//!   checks that the holdings grew by exactly that, so every wei is traced.
//! - Each settled day the economy's invariant check includes the chain's holdings, and
//!   `ChainSource::settled` keeps the contracts' accounting at each settlement for
//!   inspection (the daily row's `chain` field is the economy's copy).

use consensus_model::contracts::{Accounting, ContractsError, DrivenContracts};
use consensus_model::{BlockContext, EndBlockExecutor, ValidatorId};
use economics::economy::{ChainHoldings, Economy, EconomyError, VecRecorder as EconomyLog};
use sim_core::{Amount, SimTime};

use super::contract_log::ContractLog;

/// A failure of the coupled source.
#[derive(Debug, thiserror::Error)]
pub enum ChainSourceError {
    /// The contracts refused the block or broke an invariant.
    #[error(transparent)]
    Contracts(#[from] ContractsError),
    /// The economy stopped.
    #[error(transparent)]
    Economy(#[from] EconomyError),
    /// Amount overflow.
    #[error(transparent)]
    Amount(#[from] sim_core::AmountError),
    /// The contracts and the economy disagree about the chain's money.
    #[error("coupling: {0}")]
    Coupling(String),
}

/// The SPEC §7 buckets of the contracts' accounting: liquid accounts and withdrawn income are
/// liquid; bonded and unbonding stake are validator stake; unwithdrawn income, undistributed
/// and pending fees are unwithdrawn income; confiscation burns are burned.
pub fn chain_holdings(acc: &Accounting) -> Result<ChainHoldings, sim_core::AmountError> {
    Ok(ChainHoldings {
        liquid: acc.liquid_wei.checked_add(acc.withdrawn_income_wei)?,
        stake: acc.bonded_wei.checked_add(acc.unbonding_wei)?,
        income: Amount::checked_sum([
            acc.unwithdrawn_income_wei,
            acc.undistributed_wei,
            acc.pending_fees_wei,
        ])?,
        burned: acc.burned_wei,
    })
}

/// The contracts, and optionally the economy, driven block by block by consensus.
pub struct ChainSource {
    /// Contracts with behaviours.
    pub contracts: DrivenContracts<ContractLog>,
    /// The economy and its outputs, in coupled mode.
    pub economy: Option<(Economy, EconomyLog)>,
    /// Days to settle.
    pub horizon_days: u64,
    /// Coupled mode: the contracts' accounting at each settlement, `(day, accounting)`.
    pub settled: Vec<(u64, Accounting)>,
    /// Coupled mode: the contracts' `expected_total` at the last sync.
    pub synced_expected: Amount,
    /// Coupled mode: vote fees handed to the contracts since the last sync.
    pub vote_fees_unsynced: Amount,
}

impl ChainSource {
    /// Coupled mode: the contracts' genesis, paid by the economy's market account.
    pub(super) fn attach(&mut self) -> Result<(), ChainSourceError> {
        let contracts = &self.contracts.contracts;
        let genesis = chain_holdings(&contracts.accounting()?)?;
        self.synced_expected = contracts.expected_total()?;
        if let Some((economy, _)) = &mut self.economy {
            economy.attach_chain(genesis)?;
        }
        Ok(())
    }

    /// Coupled mode: syncs the contracts' holdings into the economy; the money that entered
    /// them since the last sync, minus the vote fees handed over, was paid by users (market).
    pub(super) fn sync(&mut self) -> Result<(), ChainSourceError> {
        let Some((economy, _)) = &mut self.economy else {
            return Ok(());
        };
        let contracts = &self.contracts.contracts;
        let expected = contracts.expected_total()?;
        let entered = expected.checked_sub(self.synced_expected).map_err(|_| {
            ChainSourceError::Coupling(format!(
                "the contracts' money shrank from {} to {} wei (debits have no destination \
                 in coupled mode)",
                self.synced_expected.wei(),
                expected.wei()
            ))
        })?;
        let from_market = entered.checked_sub(self.vote_fees_unsynced).map_err(|_| {
            ChainSourceError::Coupling(format!(
                "{} wei entered the contracts, less than the {} wei of vote fees handed over",
                entered.wei(),
                self.vote_fees_unsynced.wei()
            ))
        })?;
        economy.sync_chain(chain_holdings(&contracts.accounting()?)?, from_market)?;
        self.synced_expected = expected;
        self.vote_fees_unsynced = Amount::ZERO;
        Ok(())
    }
}

impl EndBlockExecutor for ChainSource {
    type Error = ChainSourceError;

    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, ChainSourceError> {
        let mut fees = block.fees;
        let horizon_days = self.horizon_days;
        let due = |e: &Economy| {
            e.next_day() < horizon_days && block.time >= SimTime::from_day(e.next_day() + 1)
        };
        if self.economy.as_ref().is_some_and(|(e, _)| due(e)) {
            // Exact at the boundary: the contracts' state after the previous block.
            self.sync()?;
            let accounting = self.contracts.contracts.accounting()?;
            let holdings = chain_holdings(&accounting)?;
            if let Some((economy, log)) = &mut self.economy {
                while due(economy) {
                    let day = economy.next_day();
                    if economy.chain_holdings() != Some(holdings) {
                        return Err(ChainSourceError::Coupling(format!(
                            "day {day}: the economy recorded {:?}, the contracts hold {holdings:?}",
                            economy.chain_holdings()
                        )));
                    }
                    economy.settle_day(day, block.time, log)?;
                    self.settled.push((day, accounting));
                }
            }
        }
        if let Some((economy, _)) = &mut self.economy {
            let vote_fees = economy.take_vote_fees();
            self.vote_fees_unsynced = self.vote_fees_unsynced.checked_add(vote_fees)?;
            fees = fees.checked_add(vote_fees)?;
        }
        let ctx = BlockContext { fees, ..*block };
        Ok(self.contracts.end_block(&ctx)?)
    }
}
