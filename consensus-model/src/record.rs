//! Observables of a consensus run, streamed to a [`Recorder`] (never kept by the simulator):
//! every sealed block, every reorganisation, and per-day aggregates of the canonical chain.

use sim_core::{Digest, OutputDigest, SimTime};

use crate::types::{Height, ValidatorId};

/// Index of a block in the simulator's arena (0 = genesis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockId(pub u32);

/// One sealed block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRecord {
    /// Arena id.
    pub id: BlockId,
    /// Parent's id.
    pub parent: BlockId,
    /// Height.
    pub height: Height,
    /// Timestamp (SPEC §2.4: parent time + 6 s, or the sealer's "now" if later).
    pub time: SimTime,
    /// When it was broadcast (≥ `time`: out-of-turn delay and slowness).
    pub sealed_at: SimTime,
    /// Sealer.
    pub producer: ValidatorId,
    /// 2 in turn, 1 out of turn.
    pub difficulty: u8,
    /// Total difficulty of its chain (genesis has 0).
    pub total_difficulty: u64,
    /// True if sealed in turn.
    pub in_turn: bool,
}

/// A node switching to a head that does not extend its previous head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReorgRecord {
    /// When.
    pub time: SimTime,
    /// The node's index (validators in ascending id order, then full nodes).
    pub node: u32,
    /// Blocks dropped from the old chain (old head height − common ancestor height).
    pub depth: u64,
    /// Old head.
    pub old_head: BlockId,
    /// New head.
    pub new_head: BlockId,
}

/// Aggregates of one day `[day·86,400 s, (day+1)·86,400 s)`, judged on the canonical chain: the
/// heaviest chain of all sealed blocks (largest total difficulty; on a tie the lower height,
/// then the block sealed first) at the moment the day is emitted (`finality_lag_ms` after its
/// end, or at `finish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayStats {
    /// 0-based day.
    pub day: u64,
    /// End of the span covered (`(day+1)·86,400 s`, or the run's end for a partial last day).
    pub end: SimTime,
    /// Canonical blocks with a timestamp in the day.
    pub canonical_blocks: u64,
    /// Of which in turn.
    pub in_turn: u64,
    /// Of which out of turn.
    pub out_of_turn: u64,
    /// Turns missed by the in-turn validator (one per out-of-turn canonical block).
    pub missed_turns: u64,
    /// Blocks sealed in the day on any branch.
    pub sealed_blocks: u64,
    /// Heights that got a second block during the day (a fork).
    pub fork_heights: u64,
    /// Reorganisations of any node during the day.
    pub reorgs: u64,
    /// Deepest of them.
    pub deepest_reorg: u64,
    /// Longest time between consecutive canonical blocks where the later lies in the day, or
    /// from the last canonical block to the end of the span.
    pub longest_gap_ms: u64,
    /// True if `longest_gap_ms ≥ halt_gap_ms`.
    pub halted: bool,
}

/// Receives the observables as they happen.
pub trait Recorder {
    /// A block was sealed.
    fn block(&mut self, block: &BlockRecord);
    /// Block `id` is final: `canonical` tells whether it is on the canonical chain. Called once
    /// per block in id order (= sealing order; genesis, id 0, first): when the block falls
    /// below the pruning horizon (its height is then at or below the finalised height, so the
    /// answer never changes), and for the blocks still held when the run finishes, judged
    /// against the final canonical chain. Does nothing by default.
    fn finalized(&mut self, id: BlockId, canonical: bool) {
        let _ = (id, canonical);
    }
    /// A node reorganised.
    fn reorg(&mut self, reorg: &ReorgRecord);
    /// `node` made `block`, received at `at`, its head (its own sealed blocks are not
    /// reported: they are its head when sealed). For propagation statistics, as a block's
    /// delivery delays are these times less its sealing time. Does nothing by default.
    fn adopted(&mut self, node: u32, block: BlockId, at: SimTime) {
        let _ = (node, block, at);
    }
    /// A day was finalised.
    fn day(&mut self, day: &DayStats);
    /// The same day per validator (every validator, in index order), right after
    /// [`Recorder::day`]. Does nothing by default.
    fn validator_day(&mut self, day: u64, validators: &[ValidatorDay]) {
        let _ = (day, validators);
    }
}

/// One validator's share of a finalised day, judged on the same canonical chain as
/// [`DayStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorDay {
    /// The validator.
    pub validator: ValidatorId,
    /// Canonical blocks it sealed with a timestamp in the day.
    pub canonical_blocks: u64,
    /// Of which in turn.
    pub in_turn: u64,
    /// Canonical blocks of the day sealed out of turn while it was the in-turn validator.
    pub missed_turns: u64,
    /// Time offline within the day (scheduled intervals and crashes).
    pub offline_ms: u64,
}

impl<R: Recorder + ?Sized> Recorder for &mut R {
    fn block(&mut self, block: &BlockRecord) {
        (**self).block(block);
    }
    fn finalized(&mut self, id: BlockId, canonical: bool) {
        (**self).finalized(id, canonical);
    }
    fn reorg(&mut self, reorg: &ReorgRecord) {
        (**self).reorg(reorg);
    }
    fn adopted(&mut self, node: u32, block: BlockId, at: SimTime) {
        (**self).adopted(node, block, at);
    }
    fn day(&mut self, day: &DayStats) {
        (**self).day(day);
    }
    fn validator_day(&mut self, day: u64, validators: &[ValidatorDay]) {
        (**self).validator_day(day, validators);
    }
}

impl<A: Recorder, B: Recorder> Recorder for (A, B) {
    fn block(&mut self, block: &BlockRecord) {
        self.0.block(block);
        self.1.block(block);
    }
    fn finalized(&mut self, id: BlockId, canonical: bool) {
        self.0.finalized(id, canonical);
        self.1.finalized(id, canonical);
    }
    fn reorg(&mut self, reorg: &ReorgRecord) {
        self.0.reorg(reorg);
        self.1.reorg(reorg);
    }
    fn adopted(&mut self, node: u32, block: BlockId, at: SimTime) {
        self.0.adopted(node, block, at);
        self.1.adopted(node, block, at);
    }
    fn day(&mut self, day: &DayStats) {
        self.0.day(day);
        self.1.day(day);
    }
    fn validator_day(&mut self, day: u64, validators: &[ValidatorDay]) {
        self.0.validator_day(day, validators);
        self.1.validator_day(day, validators);
    }
}

/// Discards everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullRecorder;

impl Recorder for NullRecorder {
    fn block(&mut self, _: &BlockRecord) {}
    fn reorg(&mut self, _: &ReorgRecord) {}
    fn day(&mut self, _: &DayStats) {}
}

/// SHA-256 over the block trace: for every sealed block, in sealing order, id, parent, height,
/// time, sealed_at, producer, difficulty and total difficulty (each as little-endian u64).
#[derive(Debug, Clone, Default)]
pub struct DigestRecorder {
    digest: OutputDigest,
    blocks: u64,
}

impl DigestRecorder {
    /// An empty digest.
    pub fn new() -> Self {
        Self::default()
    }
    /// Blocks digested so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }
    /// The digest of the trace so far.
    pub fn finish(self) -> Digest {
        self.digest.finish()
    }
}

impl Recorder for DigestRecorder {
    fn block(&mut self, b: &BlockRecord) {
        self.blocks += 1;
        self.digest
            .u64(u64::from(b.id.0))
            .u64(u64::from(b.parent.0))
            .u64(b.height)
            .u64(b.time.as_ms())
            .u64(b.sealed_at.as_ms())
            .u64(u64::from(b.producer.0))
            .u64(u64::from(b.difficulty))
            .u64(b.total_difficulty);
    }
    fn reorg(&mut self, _: &ReorgRecord) {}
    fn day(&mut self, _: &DayStats) {}
}

/// Totals over a run (constant memory), plus the last day's stats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountingRecorder {
    /// Blocks sealed on any branch.
    pub blocks: u64,
    /// Of which in turn.
    pub blocks_in_turn: u64,
    /// Reorganisations.
    pub reorgs: u64,
    /// Deepest reorganisation.
    pub deepest_reorg: u64,
    /// Days emitted.
    pub days: u64,
    /// Sum of the days' canonical blocks.
    pub canonical_blocks: u64,
    /// Sum of the days' in-turn canonical blocks.
    pub canonical_in_turn: u64,
    /// Sum of the days' missed turns.
    pub missed_turns: u64,
    /// Sum of the days' fork heights.
    pub fork_heights: u64,
    /// Longest gap seen in any day.
    pub longest_gap_ms: u64,
    /// Days flagged halted.
    pub halted_days: u64,
    /// The last day emitted.
    pub last_day: Option<DayStats>,
}

impl Recorder for CountingRecorder {
    fn block(&mut self, b: &BlockRecord) {
        self.blocks += 1;
        self.blocks_in_turn += u64::from(b.in_turn);
    }
    fn reorg(&mut self, r: &ReorgRecord) {
        self.reorgs += 1;
        self.deepest_reorg = self.deepest_reorg.max(r.depth);
    }
    fn day(&mut self, d: &DayStats) {
        self.days += 1;
        self.canonical_blocks += d.canonical_blocks;
        self.canonical_in_turn += d.in_turn;
        self.missed_turns += d.missed_turns;
        self.fork_heights += d.fork_heights;
        self.longest_gap_ms = self.longest_gap_ms.max(d.longest_gap_ms);
        self.halted_days += u64::from(d.halted);
        self.last_day = Some(*d);
    }
}
