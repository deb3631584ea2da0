//! The emission + vesting timeline: one row per day of scheduled emission and vesting releases,
//! moved through the [`SupplyLedger`] with the accounting invariant checked every day.
//!
//! This is the schedule view used by `dcfs-sim emission`: every emitted wei is counted as
//! leaving the pool that day (paid or burned is decided by the full economy, not here).

use sim_core::Amount;

use crate::ledger::{Bucket, LedgerError, SupplyLedger};
use crate::supply::SupplyParams;

/// Names of the fixed leading columns of a [`SupplyDay`] row, in output order; one
/// `<allocation>_vested_wei` column per allocation follows (see [`allocation_column`]).
pub const SUPPLY_DAY_COLUMNS: [&str; 6] = [
    "day",
    "emission_wei",
    "emission_cumulative_wei",
    "vested_wei",
    "vested_cumulative_wei",
    "mining_pool_wei",
];

/// The column name of an allocation's daily vesting release: `<allocation>_vested_wei`.
pub fn allocation_column(id: crate::AllocationId) -> String {
    format!("{}_vested_wei", id.name())
}

/// The figures of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyDay {
    /// 0-based day.
    pub day: u64,
    /// Emitted from the mining pool this day: `min(E(d), pool)`.
    pub emission: Amount,
    /// Emitted on days `0..=day`.
    pub emission_cumulative: Amount,
    /// Released by vesting schedules this day (genesis-liquid allocations never count).
    pub vested: Amount,
    /// Released by vesting on days `0..=day`.
    pub vested_cumulative: Amount,
    /// What the mining pool holds at the end of the day.
    pub mining_pool: Amount,
    /// This day's vesting release per allocation, in [`crate::AllocationId::ALL`] order.
    pub vested_by_allocation: [Amount; 9],
}

/// Iterates days `0, 1, 2, …` of the emission and vesting schedules.
#[derive(Debug, Clone)]
pub struct SupplyTimeline {
    params: SupplyParams,
    ledger: SupplyLedger,
    next_day: u64,
    emission_cumulative: Amount,
    vested_cumulative: Amount,
}

impl SupplyTimeline {
    /// A timeline starting at genesis.
    pub fn new(params: SupplyParams) -> Result<Self, LedgerError> {
        let ledger = SupplyLedger::genesis(&params)?;
        Ok(SupplyTimeline {
            params,
            ledger,
            next_day: 0,
            emission_cumulative: Amount::ZERO,
            vested_cumulative: Amount::ZERO,
        })
    }

    /// The ledger after the last computed day.
    pub fn ledger(&self) -> &SupplyLedger {
        &self.ledger
    }

    /// Computes the next day; the ledger's invariant is checked before returning.
    pub fn next_day(&mut self) -> Result<SupplyDay, LedgerError> {
        let day = self.next_day;
        let emission = self
            .params
            .emission()
            .capped(day, self.ledger.balance(Bucket::MiningPool));
        self.ledger
            .transfer(Bucket::MiningPool, Bucket::Liquid, emission)?;
        let mut vested_by_allocation = [Amount::ZERO; 9];
        let mut vested = Amount::ZERO;
        for (slot, a) in vested_by_allocation
            .iter_mut()
            .zip(self.params.allocations())
        {
            *slot = a.schedule.vested_on(a.total, day);
            vested = vested.checked_add(*slot)?;
        }
        self.ledger
            .transfer(Bucket::Unvested, Bucket::Liquid, vested)?;
        self.ledger.check()?;
        self.emission_cumulative = self.emission_cumulative.checked_add(emission)?;
        self.vested_cumulative = self.vested_cumulative.checked_add(vested)?;
        self.next_day += 1;
        Ok(SupplyDay {
            day,
            emission,
            emission_cumulative: self.emission_cumulative,
            vested,
            vested_cumulative: self.vested_cumulative,
            mining_pool: self.ledger.balance(Bucket::MiningPool),
            vested_by_allocation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emission::DEFAULT_E0;

    #[test]
    fn spec_figures_to_the_wei() {
        let mut t = SupplyTimeline::new(SupplyParams::default()).unwrap();
        let days: Vec<SupplyDay> = (0..3_000).map(|_| t.next_day().unwrap()).collect();
        assert_eq!(days[0].emission.wei(), 61_643_835_616_438_356_164_383);
        assert_eq!(days[2_190].emission.wei(), DEFAULT_E0.wei() / 2);
        // Scheduled allocations (55M) are fully vested on day 2,433 and not before.
        assert!(days[2_432].vested_cumulative < Amount::from_dcc(55_000_000));
        assert_eq!(days[2_433].vested_cumulative, Amount::from_dcc(55_000_000));
        assert_eq!(days[2_999].vested_cumulative, Amount::from_dcc(55_000_000));
        assert_eq!(t.ledger().balance(Bucket::Unvested), Amount::ZERO);
        let pool_plus_emitted = days[2_999]
            .mining_pool
            .checked_add(days[2_999].emission_cumulative)
            .unwrap();
        assert_eq!(pool_plus_emitted, Amount::from_dcc(270_000_000));
    }
}
