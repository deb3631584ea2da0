//! Vesting schedules of the allocations (SPEC §6): liquid at genesis, cliff + linear daily,
//! or a fixed yearly percentage paid in equal daily amounts.

use serde::{Deserialize, Serialize};
use sim_core::Amount;

/// Days in a year for the annual-rate schedule (SPEC §1).
const DAYS_PER_YEAR: u128 = 365;

/// How an allocation is released. Day numbers are 0-based simulation days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum VestingSchedule {
    /// Everything is liquid at genesis, before day 0 (it never appears as vested on a day).
    LiquidAtGenesis,
    /// Nothing on days `< cliff_days`; then `floor(T / duration_days)` on each of
    /// `duration_days` days and the remainder on the last. `duration_days = 0` releases all of
    /// `T` on day `cliff_days`.
    CliffLinear {
        /// Days locked before the first release.
        cliff_days: u64,
        /// Days over which the total is released.
        duration_days: u64,
    },
    /// From `start_day`, `max(1, floor(T · bps_per_year / (10,000 · 365)))` a day until the total
    /// is reached; the last day pays what is left.
    AnnualRate {
        /// Share of the total released per year, in basis points (1..=10,000).
        bps_per_year: u32,
        /// First day of release.
        start_day: u64,
    },
}

impl VestingSchedule {
    /// What is released at genesis (before day 0).
    pub fn genesis_release(&self, total: Amount) -> Amount {
        match self {
            VestingSchedule::LiquidAtGenesis => total,
            _ => Amount::ZERO,
        }
    }

    /// Cumulative amount released by the schedule on days `0..=day` (genesis release excluded).
    pub fn vested_through(&self, total: Amount, day: u64) -> Amount {
        let t = total.wei();
        let wei = match *self {
            VestingSchedule::LiquidAtGenesis => 0,
            VestingSchedule::CliffLinear {
                cliff_days,
                duration_days,
            } => {
                if day < cliff_days {
                    0
                } else if duration_days == 0 {
                    t
                } else {
                    let elapsed = u128::from(day - cliff_days) + 1;
                    if elapsed >= u128::from(duration_days) {
                        t
                    } else {
                        elapsed * (t / u128::from(duration_days))
                    }
                }
            }
            VestingSchedule::AnnualRate {
                bps_per_year,
                start_day,
            } => {
                if day < start_day {
                    0
                } else {
                    let daily = Self::annual_daily(t, bps_per_year);
                    let elapsed = u128::from(day - start_day) + 1;
                    elapsed.saturating_mul(daily).min(t)
                }
            }
        };
        Amount::from_wei(wei)
    }

    /// The amount released on `day` alone.
    pub fn vested_on(&self, total: Amount, day: u64) -> Amount {
        let through = self.vested_through(total, day);
        let before = match day.checked_sub(1) {
            Some(prev) => self.vested_through(total, prev),
            None => Amount::ZERO,
        };
        through.saturating_sub(before)
    }

    /// The last day on which anything is released (`None` for liquid-at-genesis or a zero total).
    pub fn last_release_day(&self, total: Amount) -> Option<u64> {
        let t = total.wei();
        if t == 0 {
            return None;
        }
        match *self {
            VestingSchedule::LiquidAtGenesis => None,
            VestingSchedule::CliffLinear {
                cliff_days,
                duration_days,
            } => Some(cliff_days.saturating_add(duration_days.saturating_sub(1))),
            VestingSchedule::AnnualRate {
                bps_per_year,
                start_day,
            } => {
                let daily = Self::annual_daily(t, bps_per_year);
                let days = t.div_ceil(daily);
                u64::try_from(days - 1)
                    .ok()
                    .map(|d| start_day.saturating_add(d))
            }
        }
    }

    fn annual_daily(total_wei: u128, bps_per_year: u32) -> u128 {
        // floor(T·bps/(10,000·365)) ≤ T always fits, so the 256-bit ratio cannot fail; at least
        // 1 wei a day so that every schedule finishes.
        Amount::from_wei(total_wei)
            .mul_ratio(u128::from(bps_per_year), 10_000 * DAYS_PER_YEAR)
            .map_or(1, |a| a.wei())
            .max(1)
    }

    /// Checks the schedule's parameters.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            VestingSchedule::AnnualRate { bps_per_year, .. }
                if !(1..=10_000).contains(&bps_per_year) =>
            {
                Err(format!(
                    "bps_per_year must be 1..=10000, got {bps_per_year}"
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cliff_linear_pays_floor_then_remainder_on_last_day() {
        let total = Amount::from_wei(1_000);
        let s = VestingSchedule::CliffLinear {
            cliff_days: 10,
            duration_days: 3,
        };
        let daily: Vec<u128> = (8..15).map(|d| s.vested_on(total, d).wei()).collect();
        assert_eq!(daily, [0, 0, 333, 333, 334, 0, 0]);
        assert_eq!(s.last_release_day(total), Some(12));
    }

    #[test]
    fn annual_rate_matches_spec() {
        let total = Amount::from_dcc(25_000_000);
        let s = VestingSchedule::AnnualRate {
            bps_per_year: 1_500,
            start_day: 0,
        };
        let daily = total.mul_ratio(1_500, 3_650_000).unwrap();
        assert_eq!(s.vested_on(total, 0), daily);
        assert_eq!(s.vested_on(total, 2_432), daily);
        assert_eq!(s.last_release_day(total), Some(2_433));
        assert!(s.vested_on(total, 2_433) < daily && !s.vested_on(total, 2_433).is_zero());
        assert_eq!(s.vested_through(total, 2_433), total);
        assert_eq!(s.vested_on(total, 2_434), Amount::ZERO);
    }

    fn schedule() -> impl Strategy<Value = VestingSchedule> {
        prop_oneof![
            Just(VestingSchedule::LiquidAtGenesis),
            (0u64..500, 0u64..500).prop_map(|(c, d)| VestingSchedule::CliffLinear {
                cliff_days: c,
                duration_days: d
            }),
            (1u32..=10_000, 0u64..200).prop_map(|(b, s)| VestingSchedule::AnnualRate {
                bps_per_year: b,
                start_day: s
            }),
        ]
    }

    proptest! {
        /// Any schedule releases exactly its total (genesis + daily) and nothing before its cliff.
        #[test]
        fn releases_exactly_total_and_nothing_before_cliff(s in schedule(), total in 0u128..=10u128.pow(27)) {
            let total = Amount::from_wei(total);
            let horizon = s.last_release_day(total).unwrap_or(0) + 2;
            prop_assume!(horizon < 10_000);
            let mut sum = s.genesis_release(total).wei();
            for day in 0..=horizon {
                let v = s.vested_on(total, day).wei();
                match s {
                    VestingSchedule::CliffLinear { cliff_days, .. } if day < cliff_days => prop_assert_eq!(v, 0),
                    VestingSchedule::AnnualRate { start_day, .. } if day < start_day => prop_assert_eq!(v, 0),
                    _ => {}
                }
                if s.last_release_day(total).is_none_or(|last| day > last) {
                    prop_assert_eq!(v, 0);
                }
                sum += v;
            }
            prop_assert_eq!(sum, total.wei());
        }
    }
}
