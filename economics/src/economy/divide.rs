//! Exact floor division of `u128` numerators by a divisor fixed for a whole day, through a
//! precomputed integer reciprocal (Möller & Granlund, "Improved division by invariant
//! integers", 2011, Algorithm 4). Pure integer arithmetic: the result is exactly
//! `x / d`, proven against `u128` division by the tests; it only replaces the slow hardware
//! division in the per-node settlement loop.

/// Floor division by a fixed non-zero `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DivU64 {
    /// The divisor shifted so that its top bit is set.
    dn: u64,
    /// Left shift applied to the divisor.
    shift: u32,
    /// Reciprocal: `floor((2^128 − 1) / dn) − 2^64`.
    v: u64,
}

impl DivU64 {
    /// The divider for `d` (`None` for zero).
    pub(crate) fn new(d: u64) -> Option<Self> {
        if d == 0 {
            return None;
        }
        let shift = d.leading_zeros();
        let dn = d << shift;
        // dn ≥ 2^63, so (2^128 − 1) / dn < 2^65 and the difference fits u64.
        let v = (u128::MAX / u128::from(dn) - (1u128 << 64)) as u64;
        Some(DivU64 { dn, shift, v })
    }

    /// `(u1:u0) / dn` and the remainder, for `u1 < dn`.
    #[inline(always)]
    fn div_2by1(&self, u1: u64, u0: u64) -> (u64, u64) {
        debug_assert!(u1 < self.dn);
        let q = u128::from(self.v) * u128::from(u1);
        let q = q.wrapping_add((u128::from(u1) << 64) | u128::from(u0));
        let mut q1 = ((q >> 64) as u64).wrapping_add(1);
        let q0 = q as u64;
        let mut r = u0.wrapping_sub(q1.wrapping_mul(self.dn));
        // Branch-free form of `if r > q0 { q1 -= 1; r += dn }` (unpredictable).
        let mask = 0u64.wrapping_sub(u64::from(r > q0));
        q1 = q1.wrapping_add(mask);
        r = r.wrapping_add(mask & self.dn);
        if r >= self.dn {
            q1 = q1.wrapping_add(1);
            r -= self.dn;
        }
        (q1, r)
    }

    /// `floor(x / d)` for any `x`.
    #[inline(always)]
    pub(crate) fn div(&self, x: u128) -> u128 {
        let s = self.shift;
        let (x1, x0) = ((x >> 64) as u64, x as u64);
        let (n2, n1, n0) = if s == 0 {
            (0, x1, x0)
        } else {
            (x1 >> (64 - s), (x1 << s) | (x0 >> (64 - s)), x0 << s)
        };
        let (q1, r) = if n2 == 0 && n1 < self.dn {
            (0, n1)
        } else {
            self.div_2by1(n2, n1)
        };
        let (q0, _) = self.div_2by1(r, n0);
        (u128::from(q1) << 64) | u128::from(q0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edge_cases() {
        assert!(DivU64::new(0).is_none());
        for d in [1u64, 2, 3, 7, 10_000, 1 << 63, u64::MAX, (1 << 32) + 1] {
            let div = DivU64::new(d).unwrap();
            for x in [
                0u128,
                1,
                u128::from(d) - 1,
                u128::from(d),
                u128::MAX,
                u128::MAX - 1,
                1 << 64,
                (1 << 64) - 1,
            ] {
                assert_eq!(div.div(x), x / u128::from(d), "{x} / {d}");
            }
        }
    }

    proptest! {
        #[test]
        fn matches_u128_division(d in 1u64.., x in any::<u128>(), small in 1u64..100_000, xs in any::<u64>()) {
            prop_assert_eq!(DivU64::new(d).unwrap().div(x), x / u128::from(d));
            prop_assert_eq!(DivU64::new(small).unwrap().div(x), x / u128::from(small));
            prop_assert_eq!(DivU64::new(d).unwrap().div(u128::from(xs)), u128::from(xs / d));
        }
    }
}
