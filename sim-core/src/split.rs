//! Pro-rata splitting of an amount by integer weights: each share is floored and the
//! remainder (dust) is returned explicitly, so callers decide where it goes and no wei is lost.

use crate::amount::{Amount, AmountError, mul_div_floor};

/// The result of a pro-rata split: one floored share per weight, plus what is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProRata {
    /// `floor(total · wᵢ / Σw)` for each weight, in input order.
    pub shares: Vec<Amount>,
    /// `total − Σ shares`; equals `total` when every weight is zero or there are none.
    pub remainder: Amount,
}

/// Splits `total` in proportion to `weights`; see [`split_into`].
pub fn split_pro_rata(total: Amount, weights: &[u128]) -> Result<ProRata, AmountError> {
    let mut shares = vec![Amount::ZERO; weights.len()];
    let remainder = split_into(total, weights, &mut shares)?;
    Ok(ProRata { shares, remainder })
}

/// Writes `floor(total · wᵢ / Σw)` into `out[i]` and returns the remainder, without allocating.
///
/// With an empty or all-zero weight vector every share is zero and the remainder is `total`.
/// Errors only if `Σw` overflows `u128` (or `out` is shorter than `weights`, which is a bug).
pub fn split_into(
    total: Amount,
    weights: &[u128],
    out: &mut [Amount],
) -> Result<Amount, AmountError> {
    assert!(
        out.len() >= weights.len(),
        "split_into: output shorter than weights"
    );
    let weight_sum = weights.iter().try_fold(0_u128, |acc, &w| {
        acc.checked_add(w).ok_or(AmountError::Overflow(acc, "+", w))
    })?;
    if weight_sum == 0 {
        out[..weights.len()].fill(Amount::ZERO);
        return Ok(total);
    }
    let mut paid = 0_u128;
    for (slot, &w) in out.iter_mut().zip(weights) {
        // share ≤ total because w ≤ Σw, so it always fits.
        let share = mul_div_floor(total.wei(), w, weight_sum)?;
        paid += share;
        *slot = Amount::from_wei(share);
    }
    debug_assert!(paid <= total.wei());
    Ok(Amount::from_wei(total.wei() - paid))
}

/// Splits `total` by `weights` and gives the remainder to the last recipient — the HECO
/// `Validators.sol` fee rule. Equal shares when every weight is zero. Empty input is an error-free
/// no-op that returns `None`.
pub fn split_remainder_to_last(
    total: Amount,
    weights: &[u128],
) -> Result<Option<Vec<Amount>>, AmountError> {
    let mut shares = Vec::new();
    Ok(split_remainder_to_last_into(total, weights, &mut shares)?.then_some(shares))
}

/// [`split_remainder_to_last`] into `out` (cleared first; a caller splitting every block keeps
/// one buffer): false, and `out` empty, for empty input.
pub fn split_remainder_to_last_into(
    total: Amount,
    weights: &[u128],
    out: &mut Vec<Amount>,
) -> Result<bool, AmountError> {
    out.clear();
    if weights.is_empty() {
        return Ok(false);
    }
    out.resize(weights.len(), Amount::ZERO);
    let remainder = if weights.iter().all(|&w| w == 0) {
        // Weights of one each: floor(total / n) apiece.
        let n = weights.len() as u128;
        let share = total.wei() / n;
        out.fill(Amount::from_wei(share));
        Amount::from_wei(total.wei() - share * n)
    } else {
        split_into(total, weights, out)?
    };
    if let Some(last) = out.last_mut() {
        *last = last.checked_add(remainder)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heco_fee_vectors() {
        // HECO Validators.sol tests: 1e18 wei over three zero-stake validators.
        let fee = Amount::from_wei(1_000_000_000_000_000_000);
        let s = split_remainder_to_last(fee, &[0, 0, 0]).unwrap().unwrap();
        let w: Vec<u128> = s.iter().map(|a| a.wei()).collect();
        assert_eq!(
            w,
            [
                333_333_333_333_333_333,
                333_333_333_333_333_333,
                333_333_333_333_333_334
            ]
        );
        let stakes = [32, 33, 34].map(|d| Amount::from_dcc(d).wei());
        let s = split_remainder_to_last(fee, &stakes).unwrap().unwrap();
        let w: Vec<u128> = s.iter().map(|a| a.wei()).collect();
        assert_eq!(
            w,
            [
                323_232_323_232_323_232,
                333_333_333_333_333_333,
                343_434_343_434_343_435
            ]
        );
    }

    #[test]
    fn zero_weights_leave_everything() {
        let p = split_pro_rata(Amount::from_wei(7), &[0, 0]).unwrap();
        assert_eq!(p.remainder, Amount::from_wei(7));
        assert!(p.shares.iter().all(|s| s.is_zero()));
        assert_eq!(
            split_pro_rata(Amount::from_wei(7), &[])
                .unwrap()
                .remainder
                .wei(),
            7
        );
        assert!(split_pro_rata(Amount::from_wei(7), &[u128::MAX, 1]).is_err());
    }

    proptest! {
        #[test]
        fn split_conserves_every_wei(
            total in any::<u128>(),
            weights in proptest::collection::vec(0u128..=u128::MAX / 64, 0..40),
        ) {
            let p = split_pro_rata(Amount::from_wei(total), &weights).unwrap();
            let paid: u128 = p.shares.iter().map(|s| s.wei()).sum();
            prop_assert_eq!(paid + p.remainder.wei(), total);
            // Dust is less than one wei per recipient.
            prop_assert!(p.remainder.wei() < weights.len().max(1) as u128 || weights.iter().all(|&w| w == 0));
            for (s, &w) in p.shares.iter().zip(&weights) {
                if w == 0 { prop_assert!(s.is_zero()); }
            }
        }

        /// The allocation-free form gives the shares of the rule as first written: a pro-rata
        /// split (by ones when every weight is zero) with the remainder added to the last, and
        /// a reused buffer holds nothing of the previous split.
        #[test]
        fn remainder_to_last_into_is_the_rule(
            total in any::<u128>(),
            weights in proptest::collection::vec(prop_oneof![Just(0u64), any::<u64>()], 0..30),
            stale in proptest::collection::vec(any::<u128>(), 0..40),
        ) {
            let w: Vec<u128> = weights.iter().map(|&x| u128::from(x)).collect();
            let mut out: Vec<Amount> = stale.into_iter().map(Amount::from_wei).collect();
            let some = split_remainder_to_last_into(Amount::from_wei(total), &w, &mut out).unwrap();
            prop_assert_eq!(some, !w.is_empty());
            if w.is_empty() {
                prop_assert!(out.is_empty());
            } else {
                let by = if w.iter().all(|&x| x == 0) { vec![1; w.len()] } else { w.clone() };
                let mut want = split_pro_rata(Amount::from_wei(total), &by).unwrap();
                let last = want.shares.len() - 1;
                want.shares[last] = want.shares[last].checked_add(want.remainder).unwrap();
                prop_assert_eq!(out, want.shares);
            }
        }

        #[test]
        fn remainder_to_last_conserves(total in any::<u128>(), weights in proptest::collection::vec(any::<u64>(), 1..30)) {
            let w: Vec<u128> = weights.iter().map(|&x| u128::from(x)).collect();
            let s = split_remainder_to_last(Amount::from_wei(total), &w).unwrap().unwrap();
            prop_assert_eq!(s.iter().map(|a| a.wei()).sum::<u128>(), total);
        }
    }
}
