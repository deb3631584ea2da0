//! Seeded random streams: one ChaCha12 stream per (seed, domain, index), plus unbiased integer samplers.
//!
//! A stream's key is SHA-256 of a version tag, the run seed and the domain name; its ChaCha
//! stream number (`set_stream`) is the index. Two consumers with different (domain, index)
//! never share draws, so adding a consumer never shifts another's numbers.
//!
//! Samplers here draw integers only (no `usize`, no floats), so the values are identical on
//! every platform. The golden-vector test below pins the first outputs: if a dependency
//! upgrade changes them, it fails loudly.

use rand_chacha::ChaCha12Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest as _, Sha256};

/// Domain-separation tag mixed into every stream key; bump only with a documented reason.
const KEY_TAG: &[u8] = b"dcfs-sim/rng/v1";

/// A named family of streams. Each simulated component owns one domain; individual actors
/// within it (validator 3, node 1,042, …) are told apart by the stream index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Domain(pub &'static str);

/// The factory of all random streams of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
}

impl Streams {
    /// All streams of a run with this seed.
    pub const fn new(seed: u64) -> Self {
        Streams { seed }
    }

    /// The run seed.
    pub const fn seed(self) -> u64 {
        self.seed
    }

    /// The stream for `index` within `domain`.
    pub fn stream(self, domain: Domain, index: u64) -> RandomStream {
        let mut hasher = Sha256::new();
        hasher.update(KEY_TAG);
        hasher.update(self.seed.to_le_bytes());
        hasher.update((domain.0.len() as u64).to_le_bytes());
        hasher.update(domain.0.as_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        let mut rng = ChaCha12Rng::from_seed(key);
        rng.set_stream(index);
        RandomStream { rng }
    }
}

/// One deterministic random stream with integer samplers.
#[derive(Clone, Debug)]
pub struct RandomStream {
    rng: ChaCha12Rng,
}

impl RandomStream {
    /// The next raw 64-bit word.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform integer in `[0, bound)`, without modulo bias (Lemire's method with rejection).
    /// Returns 0 when `bound` is 0.
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        // The low half decides rejection (below `2^64 mod bound`); the high half is the
        // sample. The threshold is below `bound`, so a low half at or above `bound` is
        // accepted without the division that computes it: the same draws as computing it
        // every time, without a hardware division in almost every call.
        let mut product = u128::from(self.next_u64()) * u128::from(bound);
        if (product as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (product as u64) < threshold {
                product = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (product >> 64) as u64
    }

    /// A uniform integer in `[low, high]` (inclusive); `low` if the range is empty.
    #[inline]
    pub fn in_range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.next_u64(),
        }
    }

    /// A fair coin.
    #[inline]
    pub fn coin(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }

    /// True with probability `ppm` parts per million (clamped to 1,000,000).
    pub fn chance_ppm(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm.min(1_000_000))
    }

    /// True with probability `bps` basis points (clamped to 10,000).
    pub fn chance_bps(&mut self, bps: u32) -> bool {
        self.below(10_000) < u64::from(bps.min(10_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vectors: pins rand_chacha's ChaCha12, our key derivation and `set_stream`.
    /// A failure here means every simulated result would change; do not update casually.
    #[test]
    fn golden_vectors() {
        let streams = Streams::new(42);
        let mut a = streams.stream(Domain("golden"), 0);
        let got: Vec<u64> = (0..3).map(|_| a.next_u64()).collect();
        assert_eq!(got, GOLDEN_SEED42_GOLDEN_0);
        let mut b = streams.stream(Domain("golden"), 7);
        assert_eq!(b.next_u64(), GOLDEN_SEED42_GOLDEN_7);
        let mut c = streams.stream(Domain("golden"), 0);
        assert_eq!(c.below(1_000), GOLDEN_BELOW_1000);
    }

    const GOLDEN_SEED42_GOLDEN_0: [u64; 3] = [
        8_226_404_243_097_684_911,
        15_365_210_357_847_977_361,
        5_914_404_005_706_555_737,
    ];
    const GOLDEN_SEED42_GOLDEN_7: u64 = 6_522_240_982_375_291_446;
    const GOLDEN_BELOW_1000: u64 = 445;

    #[test]
    fn streams_are_independent_of_other_consumers() {
        let streams = Streams::new(1);
        let mut first = streams.stream(Domain("latency"), 3);
        let expected: Vec<u64> = (0..4).map(|_| first.next_u64()).collect();
        // Drawing heavily from other domains and indices changes nothing.
        let mut other = streams.stream(Domain("faults"), 3);
        let mut sibling = streams.stream(Domain("latency"), 4);
        for _ in 0..100 {
            other.next_u64();
            sibling.next_u64();
        }
        let mut again = streams.stream(Domain("latency"), 3);
        let got: Vec<u64> = (0..4).map(|_| again.next_u64()).collect();
        assert_eq!(expected, got);
        assert_ne!(
            expected[0],
            Streams::new(2).stream(Domain("latency"), 3).next_u64()
        );
    }

    #[test]
    fn samplers_respect_bounds() {
        let mut s = Streams::new(9).stream(Domain("bounds"), 0);
        for bound in [1_u64, 2, 3, 7, 1_000, u64::MAX] {
            for _ in 0..200 {
                assert!(s.below(bound) < bound);
            }
        }
        assert_eq!(s.below(0), 0);
        for _ in 0..200 {
            let v = s.in_range(10, 12);
            assert!((10..=12).contains(&v));
        }
        assert_eq!(s.in_range(5, 5), 5);
        assert!(!s.chance_bps(0));
        assert!(s.chance_bps(10_000));
    }
}
