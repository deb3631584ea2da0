//! Mining-pool emission with halving (SPEC §4.3): `E(d) = E0 >> floor(d / 2190)`, capped by the pool.

use sim_core::Amount;

/// The mining pool's size: 270,000,000 DCC (SPEC §6).
pub const MINING_POOL: Amount = Amount::from_dcc(270_000_000);
/// Days between halvings: 6 years of 365 days (SPEC §4.3).
pub const HALVING_PERIOD_DAYS: u64 = 2_190;
/// `E0 = floor(270,000,000 DCC / 4,380)` wei per day: the infinite halving series
/// `E0 · 2190 · (1 + 1/2 + …) = E0 · 4380` sums to the pool.
pub const DEFAULT_E0: Amount =
    Amount::from_wei(MINING_POOL.wei() / (2 * HALVING_PERIOD_DAYS as u128));

/// The daily emission schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmissionSchedule {
    e0: Amount,
    halving_period_days: u64,
}

impl Default for EmissionSchedule {
    fn default() -> Self {
        EmissionSchedule {
            e0: DEFAULT_E0,
            halving_period_days: HALVING_PERIOD_DAYS,
        }
    }
}

impl EmissionSchedule {
    /// A schedule with initial daily emission `e0` halving every `halving_period_days`
    /// (`None` if the period is 0).
    pub fn new(e0: Amount, halving_period_days: u64) -> Option<Self> {
        (halving_period_days > 0).then_some(EmissionSchedule {
            e0,
            halving_period_days,
        })
    }

    /// Initial daily emission.
    pub fn e0(&self) -> Amount {
        self.e0
    }

    /// Days between halvings.
    pub fn halving_period_days(&self) -> u64 {
        self.halving_period_days
    }

    /// The scheduled emission `E(d) = E0 >> floor(d / period)` of 0-based day `day`, before the
    /// pool cap. Zero once the shift reaches 128 bits.
    pub fn scheduled(&self, day: u64) -> Amount {
        let halvings = day / self.halving_period_days;
        if halvings >= 128 {
            Amount::ZERO
        } else {
            Amount::from_wei(self.e0.wei() >> halvings)
        }
    }

    /// The emission of `day` given what the pool still holds: `min(E(d), pool)`.
    pub fn capped(&self, day: u64, pool: Amount) -> Amount {
        self.scheduled(day).min(pool)
    }

    /// True if `day` is the first day of a new halving period (day 0 excluded).
    pub fn is_halving_day(&self, day: u64) -> bool {
        day > 0 && day.is_multiple_of(self.halving_period_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_figures() {
        let s = EmissionSchedule::default();
        assert_eq!(s.scheduled(0).wei(), 61_643_835_616_438_356_164_383);
        assert_eq!(s.scheduled(2_189).wei(), 61_643_835_616_438_356_164_383);
        assert_eq!(s.scheduled(2_190).wei(), 61_643_835_616_438_356_164_383 / 2);
        assert_eq!(s.scheduled(4_380).wei(), 61_643_835_616_438_356_164_383 / 4);
        assert!(s.is_halving_day(2_190) && !s.is_halving_day(0) && !s.is_halving_day(2_191));
        assert_eq!(s.scheduled(u64::MAX), Amount::ZERO);
        assert!(EmissionSchedule::new(Amount::ZERO, 0).is_none());
    }

    proptest! {
        /// Cumulative emission never exceeds the pool, whatever E0 and period.
        #[test]
        fn cumulative_never_exceeds_pool(
            e0 in 0u128..=MINING_POOL.wei(),
            period in 1u64..3_000,
            pool in 0u128..=MINING_POOL.wei(),
        ) {
            let s = EmissionSchedule::new(Amount::from_wei(e0), period).unwrap();
            let mut left = Amount::from_wei(pool);
            let mut emitted = 0u128;
            for day in 0..4_000 {
                let e = s.capped(day, left);
                left = left.checked_sub(e).unwrap();
                emitted += e.wei();
                prop_assert!(emitted <= pool);
            }
        }
    }
}
