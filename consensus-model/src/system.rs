//! The seam between consensus and the system contracts (SPEC §3): what crosses it is one
//! executed block ([`BlockContext`]) going in and, on epoch blocks, the next active set coming out.

use sim_core::{Amount, SimTime};

use crate::types::{Height, ValidatorId};

/// What the system contracts see of one block, executed at its end in SPEC §3's order:
/// punish (if `difficulty != 2`), fee distribution, then on an epoch block the set update and
/// the missed-counter decay.
#[derive(Debug, Clone, Copy)]
pub struct BlockContext<'a> {
    /// The block's height.
    pub height: Height,
    /// The block's timestamp.
    pub time: SimTime,
    /// Who sealed it.
    pub producer: ValidatorId,
    /// 2 in turn, 1 out of turn.
    pub difficulty: u8,
    /// The active set the block was produced under, ascending by id.
    pub active_set: &'a [ValidatorId],
    /// The in-turn validator `active_set[height mod n]`.
    pub in_turn: ValidatorId,
    /// True if `in_turn` signed any of blocks `height − L … height − 1` on this chain (the
    /// Punish exemption of SPEC §3.5).
    pub in_turn_signed_recently: bool,
    /// Transaction fees collected in the block.
    pub fees: Amount,
}

/// Executes the end of every block (SPEC §3's end-of-block work: punish, fee split, and on epoch
/// blocks the set update), and so decides the next active set. The system contracts implement
/// it; a static set stands in for them where a scenario has no contracts.
pub trait EndBlockExecutor {
    /// Error raised by the source (e.g. an accounting invariant breach).
    type Error: std::error::Error + 'static;

    /// Runs the end-of-block work for `block`. On an epoch block returns the new active set
    /// (ascending ids, 1 to 21 validators), which takes effect from `height + 1`.
    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, Self::Error>;

    /// The height of the block that failed, if not the one `end_block` was called for (a
    /// source that executes blocks later, [`crate::Pipelined`], reports an error late).
    fn failed_at(_error: &Self::Error) -> Option<Height> {
        None
    }
}

/// A fixed set that never changes (no contracts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticSet(pub Vec<ValidatorId>);

impl EndBlockExecutor for StaticSet {
    type Error = std::convert::Infallible;

    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, Self::Error> {
        Ok(crate::types::is_epoch_block(block.height).then(|| self.0.clone()))
    }
}
