//! Turn order, the n/2 recent-signers rule and epoch trimming (SPEC §2.2, §2.3, §2.7): an exact
//! HECO-style reference snapshot, a header-verification function over signer sequences, and the
//! compact per-block recents summary the simulator stores in its block arena.

use std::collections::BTreeMap;

use crate::types::{Height, MAX_ACTIVE_VALIDATORS, ValidatorId, recents_window};

/// Why a header (a signed block) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The signer is not in the active set in force for this block.
    #[error("block {height}: {signer} is not an authorised validator")]
    Unauthorised {
        /// The block.
        height: Height,
        /// Its signer.
        signer: ValidatorId,
    },
    /// The signer signed one of the previous floor(n/2) blocks on this chain.
    #[error("block {height}: {signer} signed recently")]
    RecentlySigned {
        /// The block.
        height: Height,
        /// Its signer.
        signer: ValidatorId,
    },
    /// An active set must hold 1 to 21 distinct validators in ascending id order.
    #[error("invalid active set of {len} validators (must be 1..=21, ascending, distinct)")]
    InvalidSet {
        /// Its size.
        len: usize,
    },
}

/// Checks that `set` is a valid active set: 1..=21 ids, strictly ascending.
pub fn check_set(set: &[ValidatorId]) -> Result<(), HeaderError> {
    let ascending = set.windows(2).all(|w| w[0] < w[1]);
    if set.is_empty() || set.len() > MAX_ACTIVE_VALIDATORS || !ascending {
        return Err(HeaderError::InvalidSet { len: set.len() });
    }
    Ok(())
}

/// The consensus state after a block, exactly as HECO's `congress` snapshot keeps it: the active
/// set in force for the next block and the map height → signer of recent blocks.
///
/// This is the readable reference implementation; the simulator uses [`CompactRecents`], and a
/// property test checks that both agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Height of the last applied block (0 = genesis).
    pub number: Height,
    /// Active set in force for block `number + 1`, ascending.
    pub set: Vec<ValidatorId>,
    /// Recent signers by height.
    pub recents: BTreeMap<Height, ValidatorId>,
}

impl Snapshot {
    /// The snapshot at genesis (no signer yet).
    pub fn genesis(set: Vec<ValidatorId>) -> Result<Self, HeaderError> {
        check_set(&set)?;
        Ok(Snapshot {
            number: 0,
            set,
            recents: BTreeMap::new(),
        })
    }

    /// The validator in turn for the next block: `sorted[(number + 1) mod n]` (SPEC §2.2).
    pub fn in_turn(&self) -> ValidatorId {
        let n = self.set.len() as u64;
        self.set[((self.number + 1) % n) as usize]
    }

    /// Refusal reason if `signer` may not sign block `number + 1`, else `Ok`.
    pub fn check_signer(&self, signer: ValidatorId) -> Result<(), HeaderError> {
        let height = self.number + 1;
        if self.set.binary_search(&signer).is_err() {
            return Err(HeaderError::Unauthorised { height, signer });
        }
        let limit = recents_window(self.set.len());
        let blocked = self
            .recents
            .iter()
            .any(|(&seen, &who)| who == signer && (height < limit || seen > height - limit));
        if blocked {
            return Err(HeaderError::RecentlySigned { height, signer });
        }
        Ok(())
    }

    /// Applies block `number + 1` signed by `signer`, returning its difficulty (2 in turn, 1 out
    /// of turn). On an epoch block, `new_set` (if any) is written into it and takes effect from
    /// the next block, trimming recents as HECO does (SPEC §2.7).
    pub fn apply(
        &mut self,
        signer: ValidatorId,
        is_epoch: bool,
        new_set: Option<Vec<ValidatorId>>,
    ) -> Result<u8, HeaderError> {
        let number = self.number + 1;
        let limit = recents_window(self.set.len());
        if number >= limit {
            self.recents.remove(&(number - limit));
        }
        self.check_signer(signer)?;
        let difficulty = if self.in_turn() == signer { 2 } else { 1 };
        self.recents.insert(number, signer);
        if is_epoch && let Some(new_set) = new_set {
            check_set(&new_set)?;
            let new_limit = recents_window(new_set.len());
            let trims = (self.set.len() / 2).saturating_sub(new_set.len() / 2) as u64;
            for i in 0..trims {
                if let Some(h) = number.checked_sub(new_limit + i) {
                    self.recents.remove(&h);
                }
            }
            self.set = new_set;
        }
        self.number = number;
        Ok(difficulty)
    }
}

/// Verifies a chain given only its signers, clique-style: `signers[i]` signs block `i + 1` on top
/// of a genesis with `genesis_set`. Every `epoch_length` blocks, `set_at_epoch(height)` gives the
/// set written into that checkpoint (`None` = unchanged). Returns the difficulties, or the first
/// refusal.
pub fn verify_signers(
    genesis_set: &[ValidatorId],
    epoch_length: u64,
    signers: &[ValidatorId],
    mut set_at_epoch: impl FnMut(Height) -> Option<Vec<ValidatorId>>,
) -> Result<Vec<u8>, HeaderError> {
    let mut snap = Snapshot::genesis(genesis_set.to_vec())?;
    let mut out = Vec::with_capacity(signers.len());
    for &signer in signers {
        let height = snap.number + 1;
        let is_epoch = epoch_length > 0 && height.is_multiple_of(epoch_length);
        let new_set = if is_epoch { set_at_epoch(height) } else { None };
        out.push(snap.apply(signer, is_epoch, new_set)?);
    }
    Ok(out)
}

/// Marker for an empty slot of [`CompactRecents`].
pub const NO_SIGNER: u8 = u8::MAX;
/// Slots kept by [`CompactRecents`]: enough for the largest window (11 for 21 validators).
pub const RECENT_SLOTS: usize = 12;

/// The recents map of a block's snapshot, stored in 12 bytes: slot `i` holds the index of the
/// signer of height `h − i` (h = the block's height), or [`NO_SIGNER`]. It holds exactly the
/// entries of HECO's map, which never spans more than the largest window of 11 heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactRecents(pub [u8; RECENT_SLOTS]);

impl CompactRecents {
    /// The genesis snapshot: no recent signers.
    pub const EMPTY: CompactRecents = CompactRecents([NO_SIGNER; RECENT_SLOTS]);

    /// True if signer `v` may not sign the next block, whose active set has window `limit`
    /// (the signer must not appear among the previous `limit − 1` heights).
    #[inline]
    pub fn blocks(&self, v: u8, limit: u64) -> bool {
        // SWAR: compare all 12 slots at once; bytes at or beyond the window are forced non-zero.
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let span = limit.saturating_sub(1).min(RECENT_SLOTS as u64);
        let s = &self.0;
        let lo = u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
        let hi = u64::from(u32::from_le_bytes([s[8], s[9], s[10], s[11]]));
        let pattern = ONES * u64::from(v);
        let keep_lo = if span >= 8 { 0 } else { u64::MAX << (8 * span) };
        let keep_hi = (u64::MAX << (8 * span.saturating_sub(8))) | 0xFFFF_FFFF_0000_0000;
        let x_lo = (lo ^ pattern) | keep_lo;
        let x_hi = (hi ^ pattern) | keep_hi;
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
        zero(x_lo) | zero(x_hi)
    }

    /// The signers below 64 that [`CompactRecents::blocks`] refuses under window `limit`, as a
    /// bit mask (bit `v` set ⇔ `blocks(v, limit)`, for every `v < 64`).
    #[inline]
    pub fn blocked_mask64(&self, limit: u64) -> u64 {
        let span = limit.saturating_sub(1).min(RECENT_SLOTS as u64) as usize;
        let mut mask = 0u64;
        for &v in &self.0[..span] {
            if v < 64 {
                mask |= 1 << v;
            }
        }
        mask
    }

    /// True if `v` appears anywhere in the map (the Punish exemption of SPEC §3.5 checks the
    /// parent snapshot's whole map, which covers the previous `L` heights).
    #[inline]
    pub fn contains(&self, v: u8) -> bool {
        self.0.contains(&v)
    }

    /// The child's recents after `signer` signs the next block under window `limit`; if the
    /// block is an epoch block that changes the set size from `old_len` to `new_len`, trims as
    /// SPEC §2.7 says.
    #[inline]
    pub fn child(&self, signer: u8, limit: u64, resize: Option<(usize, usize)>) -> CompactRecents {
        let mut s = [NO_SIGNER; RECENT_SLOTS];
        s[0] = signer;
        s[1..].copy_from_slice(&self.0[..RECENT_SLOTS - 1]);
        // HECO deletes height `number − limit` before inserting; older entries are already gone.
        for slot in s.iter_mut().skip(limit as usize) {
            *slot = NO_SIGNER;
        }
        if let Some((old_len, new_len)) = resize {
            let new_limit = recents_window(new_len) as usize;
            let trims = (old_len / 2).saturating_sub(new_len / 2);
            for i in 0..trims {
                if let Some(slot) = s.get_mut(new_limit + i) {
                    *slot = NO_SIGNER;
                }
            }
        }
        CompactRecents(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(v: &[u32]) -> Vec<ValidatorId> {
        v.iter().map(|&i| ValidatorId(i)).collect()
    }
    const A: ValidatorId = ValidatorId(1);
    const B: ValidatorId = ValidatorId(2);
    const C: ValidatorId = ValidatorId(3);

    /// clique's public vector: signers {A,B}, A then A is refused as recently signed.
    #[test]
    fn clique_two_signers_a_then_a_refused() {
        assert_eq!(verify_signers(&[A, B], 30_000, &[A], |_| None), Ok(vec![1]));
        assert_eq!(
            verify_signers(&[A, B], 30_000, &[A, A], |_| None),
            Err(HeaderError::RecentlySigned {
                height: 2,
                signer: A
            })
        );
        // Alternating is fine; B is in turn at odd heights with sorted [A, B].
        assert_eq!(
            verify_signers(&[A, B], 30_000, &[B, A, B, A], |_| None),
            Ok(vec![2, 2, 2, 2])
        );
    }

    /// clique's public vector: epoch 3, {A,B,C}: A, B, A (checkpoint), A is refused: the
    /// checkpoint does not reset recents.
    #[test]
    fn clique_checkpoint_does_not_reset_recents() {
        let set = [A, B, C];
        let same = |_| Some(vec![A, B, C]);
        assert!(verify_signers(&set, 3, &[A, B, A], same).is_ok());
        assert_eq!(
            verify_signers(&set, 3, &[A, B, A, A], same),
            Err(HeaderError::RecentlySigned {
                height: 4,
                signer: A
            })
        );
    }

    #[test]
    fn unauthorised_signer_refused() {
        assert_eq!(
            verify_signers(&[A, B], 200, &[C], |_| None),
            Err(HeaderError::Unauthorised {
                height: 1,
                signer: C
            })
        );
    }

    /// SPEC §2.7's worked example: 21 → 5 at block 200 keeps {198, 199, 200} of {190 … 200}.
    #[test]
    fn spec_shrink_example() {
        let big = ids(&(1..=21).collect::<Vec<_>>());
        let small = ids(&[1, 2, 3, 4, 5]);
        let mut snap = Snapshot::genesis(big.clone()).unwrap();
        for h in 1..=200u64 {
            let signer = big[(h % 21) as usize];
            let new = (h == 200).then(|| small.clone());
            assert_eq!(snap.apply(signer, h == 200, new).unwrap(), 2);
            if h == 199 {
                let heights: Vec<_> = snap.recents.keys().copied().collect();
                assert_eq!(heights, (189..=199).collect::<Vec<_>>());
            }
        }
        let heights: Vec<_> = snap.recents.keys().copied().collect();
        assert_eq!(heights, vec![198, 199, 200]);
        // The recent signers (ids 10, 11, 12) are not in the new set: all five may sign 201.
        for v in &small {
            assert!(snap.check_signer(*v).is_ok());
        }
    }

    /// Applies a random valid chain to both the reference snapshot and the compact summary and
    /// checks they agree on eligibility and contents at every height.
    fn run_pair(choices: &[(u8, u8)]) {
        let universe: Vec<ValidatorId> = (0..25).map(ValidatorId).collect();
        let mut set: Vec<u8> = (0..21).collect();
        let mut snap =
            Snapshot::genesis(set.iter().map(|&i| universe[i as usize]).collect()).unwrap();
        let mut compact = CompactRecents::EMPTY;
        for (step, &(pick, resize)) in choices.iter().enumerate() {
            let height = step as u64 + 1;
            let limit = recents_window(set.len());
            let eligible: Vec<u8> = set
                .iter()
                .copied()
                .filter(|&v| !compact.blocks(v, limit))
                .collect();
            for &v in &set {
                assert_eq!(
                    snap.check_signer(universe[v as usize]).is_ok(),
                    !compact.blocks(v, limit),
                    "height {height} validator {v}"
                );
            }
            if eligible.is_empty() {
                return;
            }
            let signer = eligible[pick as usize % eligible.len()];
            let is_epoch = height.is_multiple_of(5);
            let new_set: Option<Vec<u8>> = is_epoch.then(|| {
                (0..(1 + resize % 25))
                    .filter(|x| x % 2 == 0 || resize > 100)
                    .take(21)
                    .collect()
            });
            let new_set = new_set.filter(|s| !s.is_empty());
            let resize_pair = new_set.as_ref().map(|s| (set.len(), s.len()));
            snap.apply(
                universe[signer as usize],
                is_epoch,
                new_set
                    .as_ref()
                    .map(|s| s.iter().map(|&i| universe[i as usize]).collect()),
            )
            .unwrap();
            compact = compact.child(signer, limit, resize_pair);
            if let Some(s) = new_set {
                set = s;
            }
            let mut from_compact: Vec<(u64, ValidatorId)> = compact
                .0
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != NO_SIGNER)
                .map(|(i, &v)| (height - i as u64, universe[v as usize]))
                .collect();
            from_compact.sort();
            let reference: Vec<(u64, ValidatorId)> =
                snap.recents.iter().map(|(&h, &v)| (h, v)).collect();
            assert_eq!(from_compact, reference, "height {height}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The SWAR `blocks` equals a plain scan of the window.
        #[test]
        fn blocks_matches_scan(slots in proptest::array::uniform12(0u8..6), v in 0u8..6, limit in 0u64..16) {
            let r = CompactRecents(slots);
            let span = (limit.saturating_sub(1) as usize).min(RECENT_SLOTS);
            prop_assert_eq!(r.blocks(v, limit), slots[..span].contains(&v));
        }

        /// The blocked mask agrees with `blocks` for every signer below 64.
        #[test]
        fn blocked_mask_matches_blocks(slots in proptest::array::uniform12(prop_oneof![0u8..70, Just(NO_SIGNER)]), limit in 0u64..16) {
            let r = CompactRecents(slots);
            let m = r.blocked_mask64(limit);
            for v in 0u8..64 {
                prop_assert_eq!(m >> v & 1 == 1, r.blocks(v, limit));
            }
        }

        #[test]
        fn compact_matches_reference(choices in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..120)) {
            run_pair(&choices);
        }
    }
}
