//! Integer simulated time: milliseconds since genesis, plus the calendar constants of SPEC §1.

use serde::{Deserialize, Serialize};

/// Milliseconds in one second.
pub const MS_PER_SECOND: u64 = 1_000;
/// Seconds in one simulated day (SPEC §1).
pub const SECONDS_PER_DAY: u64 = 86_400;
/// Milliseconds in one simulated day.
pub const MS_PER_DAY: u64 = SECONDS_PER_DAY * MS_PER_SECOND;
/// Days in one simulated year (SPEC §1).
pub const DAYS_PER_YEAR: u64 = 365;

/// A point in simulated time: whole milliseconds since genesis.
///
/// Time is an integer so that event ordering never depends on floating-point rounding.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime {
    ms: u64,
}

impl SimTime {
    /// Genesis: time zero.
    pub const ZERO: SimTime = SimTime { ms: 0 };
    /// The largest representable time (about 584 million years).
    pub const MAX: SimTime = SimTime { ms: u64::MAX };

    /// A time `ms` milliseconds after genesis.
    pub const fn from_ms(ms: u64) -> Self {
        SimTime { ms }
    }

    /// A time `s` whole seconds after genesis (saturating).
    pub const fn from_secs(s: u64) -> Self {
        SimTime {
            ms: s.saturating_mul(MS_PER_SECOND),
        }
    }

    /// The start of 0-based day `day` (saturating).
    pub const fn from_day(day: u64) -> Self {
        SimTime {
            ms: day.saturating_mul(MS_PER_DAY),
        }
    }

    /// Milliseconds since genesis.
    pub const fn as_ms(self) -> u64 {
        self.ms
    }

    /// Whole seconds since genesis (floored).
    pub const fn as_secs(self) -> u64 {
        self.ms / MS_PER_SECOND
    }

    /// The 0-based day this instant falls in: day `d` covers `[d·86,400 s, (d+1)·86,400 s)`.
    pub const fn day(self) -> u64 {
        self.ms / MS_PER_DAY
    }

    /// `self + delta_ms`, or `None` on overflow.
    pub const fn checked_add_ms(self, delta_ms: u64) -> Option<SimTime> {
        match self.ms.checked_add(delta_ms) {
            Some(ms) => Some(SimTime { ms }),
            None => None,
        }
    }

    /// `self + delta_ms`, saturating at [`SimTime::MAX`].
    pub const fn saturating_add_ms(self, delta_ms: u64) -> SimTime {
        SimTime {
            ms: self.ms.saturating_add(delta_ms),
        }
    }

    /// Milliseconds from `earlier` to `self`, or `None` if `earlier` is later.
    pub const fn checked_since(self, earlier: SimTime) -> Option<u64> {
        self.ms.checked_sub(earlier.ms)
    }
}

impl std::fmt::Display for SimTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = self.day();
        let rem_ms = self.ms % MS_PER_DAY;
        let (h, m) = (rem_ms / 3_600_000, (rem_ms / 60_000) % 60);
        let (s, ms) = ((rem_ms / 1_000) % 60, rem_ms % 1_000);
        write!(f, "d{day}+{h:02}:{m:02}:{s:02}.{ms:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_boundaries_follow_spec() {
        assert_eq!(SimTime::from_secs(86_399).day(), 0);
        assert_eq!(SimTime::from_secs(86_400).day(), 1);
        assert_eq!(SimTime::from_day(3).as_secs(), 3 * 86_400);
        assert_eq!(SimTime::from_ms(90_061_001).to_string(), "d1+01:01:01.001");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(SimTime::MAX.checked_add_ms(1), None);
        assert_eq!(SimTime::MAX.saturating_add_ms(5), SimTime::MAX);
        assert_eq!(SimTime::from_ms(5).checked_since(SimTime::from_ms(7)), None);
        assert_eq!(
            SimTime::from_ms(7).checked_since(SimTime::from_ms(5)),
            Some(2)
        );
    }
}
