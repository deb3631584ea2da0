//! Identities, heights and the protocol constants of SPEC §1–2 shared by the chain and the contracts.

use serde::{Deserialize, Serialize};

/// Block period: 6 s (SPEC §1).
pub const BLOCK_PERIOD_MS: u64 = 6_000;
/// Blocks per simulated day at the nominal period.
pub const BLOCKS_PER_DAY: u64 = 14_400;
/// Epoch length in blocks (SPEC §1, §2.7).
pub const EPOCH_LENGTH: u64 = 200;
/// Largest active validator set (SPEC §2.1).
pub const MAX_ACTIVE_VALIDATORS: usize = 21;

/// A block height; the genesis block is height 0 and has no signer.
pub type Height = u64;

/// A proposal's id: its index in creation order (here, beside the other ids, so the Proposal
/// contract and the event records both use it without importing each other).
pub type ProposalId = u64;

/// A validator's address-like identity. The total order of ids is the "sorted" order of SPEC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidatorId(pub u32);

impl std::fmt::Display for ValidatorId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// The recents window `L = floor(n/2) + 1` for an active set of `n` validators (SPEC §2.3).
pub const fn recents_window(n: usize) -> u64 {
    (n / 2) as u64 + 1
}

/// True if height `h` is an epoch block (`h mod 200 == 0`, `h > 0`).
pub const fn is_epoch_block(h: Height) -> bool {
    h > 0 && h.is_multiple_of(EPOCH_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_epochs() {
        assert_eq!(recents_window(21), 11);
        assert_eq!(recents_window(1), 1);
        assert_eq!(recents_window(2), 2);
        assert_eq!(recents_window(5), 3);
        assert!(is_epoch_block(200) && !is_epoch_block(0) && !is_epoch_block(201));
    }
}
