//! What first-arrival propagation knows of each recent block's wave: for each node, the time
//! the earliest copy on its way arrives, or that the node has acted on the block. One `u32` per
//! node per block for the last [`WAVE_SLOTS`] blocks sealed, so the ~18 peer checks of a relay
//! read one small dense array (4 KB per block at 1,000 nodes) instead of the peers' state.
//! A block older than that has no wave; its copies are decided without one (drawn and queued
//! unless the receiver has it), which is rare and only costs work.

use sim_core::RandomStream;

/// Blocks with a wave: ~1.5 simulated minutes of blocks, far longer than one takes to spread.
pub const WAVE_SLOTS: usize = 32;

/// No copy on its way.
pub const NONE: u32 = u32::MAX;
/// The node acted on the block (or it is the sealer): later copies change nothing.
pub const DONE: u32 = u32::MAX - 1;

/// The waves of the last [`WAVE_SLOTS`] blocks; block `b` lives in slot `b % WAVE_SLOTS`.
#[derive(Debug, Default)]
pub struct Waves {
    nodes: usize,
    /// The block each slot holds ([`NONE`]: none yet).
    block: Vec<u32>,
    /// When each slot's block was sealed; arrivals are kept as ms after it.
    sealed_ms: Vec<u64>,
    /// `WAVE_SLOTS × nodes`: [`NONE`], [`DONE`], or an arrival in ms after sealing.
    due: Vec<u32>,
    /// Each slot's block's latency stream (`consensus/relay`, the block id).
    rng: Vec<Option<RandomStream>>,
}

/// One block's wave, borrowed.
pub struct Wave<'a> {
    /// When the block was sealed.
    pub sealed_ms: u64,
    /// Per node: [`NONE`], [`DONE`], or an arrival in ms after `sealed_ms`.
    pub due: &'a mut [u32],
    /// The latency draws of the block's copies.
    pub rng: &'a mut RandomStream,
}

impl Waves {
    /// Waves for `nodes` nodes (none: an empty table that never holds a wave).
    pub fn new(nodes: usize) -> Self {
        Waves {
            nodes,
            block: vec![NONE; WAVE_SLOTS],
            sealed_ms: vec![0; WAVE_SLOTS],
            due: vec![NONE; WAVE_SLOTS * nodes],
            rng: vec![None; WAVE_SLOTS],
        }
    }

    /// Starts `block`'s wave (sealed at `sealed_ms`, its copies drawn from `rng()`), dropping
    /// the oldest.
    pub fn start(&mut self, block: u32, sealed_ms: u64, rng: impl FnOnce() -> RandomStream) {
        if self.nodes == 0 {
            return;
        }
        let slot = block as usize % WAVE_SLOTS;
        self.rng[slot] = Some(rng());
        self.block[slot] = block;
        self.sealed_ms[slot] = sealed_ms;
        self.due[slot * self.nodes..(slot + 1) * self.nodes].fill(NONE);
    }

    /// `block`'s wave, if it is recent enough to have one.
    #[inline]
    pub fn get(&mut self, block: u32) -> Option<Wave<'_>> {
        let slot = block as usize % WAVE_SLOTS;
        if self.nodes == 0 || self.block[slot] != block {
            return None;
        }
        Some(Wave {
            sealed_ms: self.sealed_ms[slot],
            due: &mut self.due[slot * self.nodes..(slot + 1) * self.nodes],
            rng: self.rng[slot].as_mut()?,
        })
    }
}

/// An arrival `after_ms` after sealing as kept in a wave, if it fits (below [`DONE`]; ~49
/// days).
#[inline]
pub fn due(after_ms: u64) -> Option<u32> {
    u32::try_from(after_ms).ok().filter(|&o| o < DONE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::{Domain, Streams};

    fn rng() -> RandomStream {
        Streams::new(1).stream(Domain("t"), 0)
    }

    #[test]
    fn a_slot_is_reused_for_a_later_block_only() {
        let mut w = Waves::new(3);
        w.start(5, 1_000, rng);
        w.get(5).unwrap().due[1] = 40;
        assert!(w.get(5 + WAVE_SLOTS as u32).is_none());
        w.start(6, 1_200, rng);
        assert_eq!(w.get(5).unwrap().due[1], 40);
        w.start(5 + WAVE_SLOTS as u32, 9_000, rng);
        assert!(w.get(5).is_none());
        let later = w.get(5 + WAVE_SLOTS as u32).unwrap();
        assert_eq!((later.sealed_ms, later.due[1]), (9_000, NONE));
        assert!(Waves::new(0).get(0).is_none());
    }

    #[test]
    fn arrivals_fit_below_done() {
        assert_eq!(due(60), Some(60));
        assert_eq!(due(u64::from(DONE)), None);
        assert_eq!(due(u64::MAX), None);
        assert_eq!(due(u64::from(DONE) - 1), Some(DONE - 1));
    }
}
