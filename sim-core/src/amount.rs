//! `Amount`: an exact number of wei (10⁻¹⁸ DCC) as `u128`, with checked arithmetic, exact
//! basis-point and ratio multiplication, and `1.5 DCC`-style parsing and printing.

use ethnum::U256;
use serde::{Deserialize, Serialize};

/// Wei in one DCC (18 decimals, SPEC §1).
pub const WEI_PER_DCC: u128 = 1_000_000_000_000_000_000;
/// The basis-point denominator.
pub const BPS_DENOMINATOR: u32 = 10_000;

/// Arithmetic on amounts that would leave `u128` or go below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The result would exceed `u128::MAX` wei.
    #[error("amount overflow: {0} wei {1} {2} wei")]
    Overflow(u128, &'static str, u128),
    /// The result would be negative.
    #[error("amount underflow: {0} wei - {1} wei")]
    Underflow(u128, u128),
    /// A ratio with a zero denominator.
    #[error("division by zero")]
    DivisionByZero,
}

/// Text that is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid amount {text:?}: {reason} (expected e.g. \"1.5 DCC\", \"16 DCC\" or \"1000 wei\")"
)]
pub struct ParseAmountError {
    text: String,
    reason: &'static str,
}

/// An exact, non-negative number of wei.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Amount(u128);

impl Amount {
    /// Zero wei.
    pub const ZERO: Amount = Amount(0);

    /// `wei` wei.
    pub const fn from_wei(wei: u128) -> Amount {
        Amount(wei)
    }

    /// `dcc` whole DCC. Panics at compile time (in const use) or run time if it overflows,
    /// which needs more than 3.4·10²⁰ DCC, far above any supply.
    pub const fn from_dcc(dcc: u128) -> Amount {
        match dcc.checked_mul(WEI_PER_DCC) {
            Some(w) => Amount(w),
            None => panic!("DCC amount overflows u128 wei"),
        }
    }

    /// The number of wei.
    pub const fn wei(self) -> u128 {
        self.0
    }

    /// True for zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + rhs`, or an error on overflow.
    pub const fn checked_add(self, rhs: Amount) -> Result<Amount, AmountError> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Ok(Amount(v)),
            None => Err(AmountError::Overflow(self.0, "+", rhs.0)),
        }
    }

    /// `self - rhs`, or an error if it would be negative.
    pub const fn checked_sub(self, rhs: Amount) -> Result<Amount, AmountError> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Ok(Amount(v)),
            None => Err(AmountError::Underflow(self.0, rhs.0)),
        }
    }

    /// `self - rhs`, or zero if it would be negative.
    pub const fn saturating_sub(self, rhs: Amount) -> Amount {
        Amount(self.0.saturating_sub(rhs.0))
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Amount) -> Amount {
        Amount(self.0.min(other.0))
    }

    /// `floor(self · bps / 10,000)`, exact for every input (no intermediate overflow).
    pub const fn mul_bps(self, bps: u32) -> Amount {
        let d = BPS_DENOMINATOR as u128;
        let b = bps as u128;
        // self = q·d + r  →  self·b/d = q·b + r·b/d, and r·b < d·2³² never overflows.
        let (q, r) = (self.0 / d, self.0 % d);
        match q.checked_mul(b) {
            Some(high) => match high.checked_add(r * b / d) {
                Some(v) => Amount(v),
                // Only reachable with bps > 10,000 and self near u128::MAX.
                None => Amount(u128::MAX),
            },
            None => Amount(u128::MAX),
        }
    }

    /// `floor(self · num / den)` computed exactly in 256 bits; errors if `den` is zero or the
    /// result does not fit `u128`.
    pub fn mul_ratio(self, num: u128, den: u128) -> Result<Amount, AmountError> {
        mul_div_floor(self.0, num, den).map(Amount)
    }

    /// Sum of amounts, or an error on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Amount>>(items: I) -> Result<Amount, AmountError> {
        items
            .into_iter()
            .try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// The amount as (lossy) DCC, for reports and charts only — never for state.
    #[allow(clippy::cast_precision_loss)]
    pub fn to_dcc_f64(self) -> f64 {
        let whole = (self.0 / WEI_PER_DCC) as f64;
        let frac = (self.0 % WEI_PER_DCC) as f64 / WEI_PER_DCC as f64;
        whole + frac
    }
}

/// `floor(a · b / den)` exactly, through a 256-bit intermediate.
pub fn mul_div_floor(a: u128, b: u128, den: u128) -> Result<u128, AmountError> {
    if den == 0 {
        return Err(AmountError::DivisionByZero);
    }
    if let Some(p) = a.checked_mul(b) {
        return Ok(p / den);
    }
    let q = U256::from(a) * U256::from(b) / U256::from(den);
    u128::try_from(q).map_err(|_| AmountError::Overflow(a, "*", b))
}

impl std::fmt::Display for Amount {
    /// Prints DCC with only the significant decimals: `1.5 DCC`, `16 DCC`, `0.000000000000000001 DCC`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whole = self.0 / WEI_PER_DCC;
        let frac = self.0 % WEI_PER_DCC;
        if frac == 0 {
            write!(f, "{whole} DCC")
        } else {
            let digits = format!("{frac:018}");
            write!(f, "{whole}.{} DCC", digits.trim_end_matches('0'))
        }
    }
}

impl std::str::FromStr for Amount {
    type Err = ParseAmountError;

    /// Accepts `1.5 DCC`, `1.5DCC`, `16` (DCC), `1000 wei`; underscores group digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ParseAmountError {
            text: s.to_owned(),
            reason,
        };
        let t = s.trim();
        let (number, unit_wei) = if let Some(n) = strip_suffix_ci(t, "wei") {
            (n.trim_end(), true)
        } else if let Some(n) = strip_suffix_ci(t, "dcc") {
            (n.trim_end(), false)
        } else {
            (t, false)
        };
        let number: String = number.chars().filter(|&c| c != '_').collect();
        if number.is_empty() {
            return Err(err("no digits"));
        }
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number.as_str(), ""),
        };
        let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !all_digits(frac) || (whole.is_empty() && frac.is_empty()) {
            return Err(err("not a non-negative decimal number"));
        }
        if unit_wei {
            if !frac.is_empty() {
                return Err(err("wei amounts are whole numbers"));
            }
            return whole
                .parse::<u128>()
                .map(Amount)
                .map_err(|_| err("too large"));
        }
        if frac.len() > 18 {
            return Err(err("more than 18 decimals"));
        }
        let whole_wei = if whole.is_empty() {
            0
        } else {
            whole
                .parse::<u128>()
                .ok()
                .and_then(|w| w.checked_mul(WEI_PER_DCC))
                .ok_or_else(|| err("too large"))?
        };
        let frac_wei = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<18}");
            padded.parse::<u128>().map_err(|_| err("bad decimals"))?
        };
        whole_wei
            .checked_add(frac_wei)
            .map(Amount)
            .ok_or_else(|| err("too large"))
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_print() {
        let a: Amount = "1.5 DCC".parse().unwrap();
        assert_eq!(a.wei(), 1_500_000_000_000_000_000);
        assert_eq!(a.to_string(), "1.5 DCC");
        assert_eq!("16".parse::<Amount>().unwrap(), Amount::from_dcc(16));
        assert_eq!(
            "1_000 wei".parse::<Amount>().unwrap(),
            Amount::from_wei(1000)
        );
        assert_eq!(Amount::from_wei(1).to_string(), "0.000000000000000001 DCC");
        assert_eq!(".5dcc".parse::<Amount>().unwrap().wei(), WEI_PER_DCC / 2);
        for bad in [
            "",
            "DCC",
            "-1 DCC",
            "1.2.3",
            "1e18",
            "0.0000000000000000001",
            "1.5 wei",
            "x",
        ] {
            assert!(bad.parse::<Amount>().is_err(), "{bad:?} should not parse");
        }
        assert!("400000000000000000000000 DCC".parse::<Amount>().is_err());
    }

    #[test]
    fn checked_arithmetic() {
        let max = Amount::from_wei(u128::MAX);
        assert!(max.checked_add(Amount::from_wei(1)).is_err());
        assert!(Amount::ZERO.checked_sub(Amount::from_wei(1)).is_err());
        assert_eq!(Amount::from_wei(10).mul_bps(2_500), Amount::from_wei(2));
        assert_eq!(max.mul_bps(10_000), max);
        assert_eq!(max.mul_bps(5_000), Amount::from_wei(u128::MAX / 2));
        assert_eq!(max.mul_ratio(3, 3).unwrap(), max);
        assert!(max.mul_ratio(2, 1).is_err());
        assert!(max.mul_ratio(1, 0).is_err());
    }

    proptest! {
        #[test]
        fn mul_bps_matches_wide_arithmetic(wei in any::<u128>(), bps in 0u32..=10_000) {
            let wide = U256::from(wei) * U256::from(bps) / U256::from(10_000u32);
            prop_assert_eq!(U256::from(Amount::from_wei(wei).mul_bps(bps).wei()), wide);
        }

        #[test]
        fn display_parse_round_trip(wei in any::<u128>()) {
            let a = Amount::from_wei(wei);
            prop_assert_eq!(a.to_string().parse::<Amount>().unwrap(), a);
        }

        #[test]
        fn mul_ratio_is_floor(a in any::<u128>(), num in any::<u128>(), den in 1u128..) {
            let wide = U256::from(a) * U256::from(num) / U256::from(den);
            match Amount::from_wei(a).mul_ratio(num, den) {
                Ok(v) => prop_assert_eq!(U256::from(v.wei()), wide),
                Err(_) => prop_assert!(wide > U256::from(u128::MAX)),
            }
        }
    }
}
