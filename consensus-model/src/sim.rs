//! The consensus simulator: validators and full nodes, each with its own head over one shared
//! block arena, sealing per SPEC §2.4, fork choice per §2.5, a latency network with faults and
//! partitions (§2.6), epoch set changes with recents trimming (§2.7), and observables streamed
//! to a [`Recorder`].
//!
//! **Views.** Blocks live in one arena (`Vec` indexed by [`BlockId`]); a node's view is its head.
//! A node holds the chain of its head. A full node receiving a block whose parent is not on that
//! chain asks the sender for the blocks in between and considers the block one round trip later
//! ([`AncestorSync`]; instantaneous selectable); validators get missing ancestors with the block. A block that does not beat the head is ignored (kept in the arena, not relayed). A node
//! remembers its last [`SEEN_RING`] distinct received blocks and ignores repeats, so the
//! equal-difficulty coin is flipped at most once per block per node (as geth skips known blocks).
//! On a gossip overlay a node relays a block to all its peers when it adopts it as its head;
//! by default only the copies that can reach a peer first are drawn and queued
//! ([`Propagation`]: a node acts on the first copy of a block that reaches it online).
//!
//! **Events and ties.** Block deliveries and faults are queued events (a calendar queue with
//! sim-core's (time, insertion) order); a validator's pending sealing attempt is not an event but
//! a slot (its fire time) that a new head overwrites, so cancelled attempts cost nothing. At
//! equal milliseconds, queued events go first, then attempts (in turn before out of turn, lower
//! node index first): a zero-latency in-turn block cancels out-of-turn attempts due in the same
//! millisecond.
//!
//! **Contracts and forks.** The [`EndBlockExecutor`] is executed exactly once per height, in
//! height order, on the first block sealed at each height (the chain that first reaches the
//! height). An epoch block's new set is therefore a function of the height: every branch that
//! seals an epoch block at height N uses the set computed on the first branch to reach N. This
//! is exact whenever no fork spans an epoch boundary or outlives the contracts' view of a block;
//! blocks of losing branches are never executed (their fees and punishments are not seen).
//!
//! **Canonical.** The canonical chain is the heaviest of all sealed blocks: largest total
//! difficulty, on a tie the lower height, then the block sealed first. Days are judged on it
//! `finality_lag_ms` after they end (default one day) or at [`ConsensusSim::finish`].

use std::collections::BTreeMap;

use sim_core::time::MS_PER_DAY;
use sim_core::{Amount, Domain, RandomStream, ScheduleError, SimTime, Streams};

use crate::config::{
    AncestorSync, ConfigError, ConsensusConfig, Latency, NodeRef, Propagation, TieBreak, Topology,
};
use crate::network::{self, Overlay, gossip_overlay, sample_exponential_ms, sample_latency_ms};
use crate::queue::{BucketQueue, DEFAULT_RING_BITS};
use crate::recents::{CompactRecents, NO_SIGNER};
use crate::record::{BlockId, BlockRecord, DayStats, Recorder, ReorgRecord, ValidatorDay};
use crate::system::{BlockContext, EndBlockExecutor};
use crate::types::{
    BLOCK_PERIOD_MS, EPOCH_LENGTH, Height, ValidatorId, is_epoch_block, recents_window,
};
use crate::waves::{self, DONE, NONE, Waves};

type Q = BucketQueue<Event>;

/// Most distinct active sets in one run.
pub const MAX_DISTINCT_SETS: usize = 1_000_000;
/// Distinct received blocks each node remembers to ignore repeats (gossip delivers each block
/// once per peer; without this, equal-difficulty coin flips would flip and relay forever).
pub const SEEN_RING: usize = 16;
/// "No block" marker of a node's pending ancestor request.
const NO_BLOCK: u32 = u32::MAX;
/// The stream domain of a block's copies under first-arrival propagation (index: block id).
const RELAY: Domain = Domain("consensus/relay");
/// Out-of-turn delay unit: the window is `[0, L × 500 ms)` (SPEC §2.4).
pub const WIGGLE_MS: u64 = 500;
/// What `World::warm` starts loading for a delivery a few events ahead.
#[derive(Clone, Copy)]
enum Warm {
    /// The receiver's reach entry, state and peer-list offset.
    Far,
    /// Its peer list, found through the offset `Far` brought in.
    Mid,
}

/// How far behind the next event `run_until` warms each stage. Measured with the `gossip`
/// example, 100,000 nodes, a quarter hour (2026-12-08, in turns): (4, 2), (6, 3) and also
/// prefetching the peers' wave entries at 2 were equal within this VM's noise.
const WARM_STAGES: [(usize, Warm); 2] = [(4, Warm::Far), (2, Warm::Mid)];

/// Fewest overlay nodes for which `run_until` warms deliveries. Below, the nodes' state stays
/// in L2 and the hints only cost: 1,000 nodes ran ~6% slower with them (8 pairs, median).
const WARM_MIN_NODES: usize = 8_192;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The event queue refused an event (full or time overflow).
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// More blocks than `max_blocks`.
    #[error("block arena full: {limit} blocks")]
    TooManyBlocks {
        /// The limit.
        limit: u64,
    },
    /// More distinct active sets than [`MAX_DISTINCT_SETS`].
    #[error("more than {MAX_DISTINCT_SETS} distinct active sets")]
    TooManySets,
    /// The validator-set source failed.
    #[error("validator-set source failed at height {height}: {message}")]
    Source {
        /// The block.
        height: Height,
        /// Its error, formatted.
        message: String,
    },
    /// The source returned an invalid set.
    #[error("invalid set from the source at height {height}: {reason}")]
    InvalidSet {
        /// The epoch block.
        height: Height,
        /// What is wrong.
        reason: String,
    },
    /// A broken internal invariant (a bug).
    #[error("invariant broken: {0}")]
    Invariant(&'static str),
    /// `run_until` handled more than `max_events_per_run` events.
    #[error("event limit of {limit} reached at {at}")]
    EventLimit {
        /// The limit.
        limit: u64,
        /// When.
        at: SimTime,
    },
    /// `run_blocks` saw no canonical growth for a whole simulated day.
    #[error("chain halted at height {height} (no growth for a day, at {at})")]
    Halted {
        /// Canonical height.
        height: Height,
        /// When it gave up.
        at: SimTime,
    },
}

/// A block as stored in the arena (56 bytes).
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Validator nodes that may seal on this block (in its child set and not recent signers),
    /// bit per node index; valid only when there are at most 64 validator nodes
    /// (`World::eligible_cached`), else 0. Computed once at sealing so the ~20 attempts
    /// scheduled on each block test one bit.
    eligible: u64,
    parent: u32,
    child_set: u32,
    height: u64,
    time_ms: u64,
    td: u64,
    producer: u8,
    difficulty: u8,
    /// The validator in turn for this block's child (`next_set[(height + 1) mod n]`).
    next_in_turn: u8,
    /// Set when the block is known to be on the final canonical chain (by the pruning walk, or
    /// at the end of the run); fills padding, so the block stays 56 bytes.
    canonical: bool,
    recents: CompactRecents,
}

const _: () = assert!(std::mem::size_of::<Block>() == 56);

/// A stand-in for a block's hash (EIP-3436 rule 4): SplitMix64 over parent, height, time and
/// signer, so every node derives the same value for the same block.
fn block_hash(b: &Block) -> u64 {
    let mut z = u64::from(b.parent)
        ^ b.height.rotate_left(21)
        ^ b.time_ms.rotate_left(42)
        ^ u64::from(b.producer).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The block arena: ids are global and increasing; blocks below `base` have been pruned.
#[derive(Debug, Default)]
struct Arena {
    base: u32,
    blocks: Vec<Block>,
}

impl Arena {
    /// The id the next block gets (= blocks ever stored).
    fn next_id(&self) -> u64 {
        u64::from(self.base) + self.blocks.len() as u64
    }

    fn get(&self, id: u32) -> Option<&Block> {
        id.checked_sub(self.base)
            .and_then(|i| self.blocks.get(i as usize))
    }

    fn push(&mut self, block: Block) -> u32 {
        let id = self.next_id() as u32;
        self.blocks.push(block);
        id
    }

    fn get_mut(&mut self, id: u32) -> Option<&mut Block> {
        id.checked_sub(self.base)
            .and_then(|i| self.blocks.get_mut(i as usize))
    }

    /// Drops the longest prefix of blocks (in id order) lower than `height`, telling `finalized`
    /// each dropped block's id and whether it is canonical.
    fn prune_below(&mut self, height: Height, mut finalized: impl FnMut(BlockId, bool)) {
        let cut = self
            .blocks
            .iter()
            .position(|b| b.height >= height)
            .unwrap_or(self.blocks.len());
        if cut > 0 {
            for (i, b) in self.blocks.drain(..cut).enumerate() {
                finalized(BlockId(self.base + i as u32), b.canonical);
            }
            self.base += cut as u32;
        }
    }
}

/// Indexing a live block; pruned ids are never indexed (heads, in-flight blocks and walks stay
/// above the pruning horizon; walks that could cross it use `get`).
impl std::ops::Index<u32> for Arena {
    type Output = Block;
    fn index(&self, id: u32) -> &Block {
        &self.blocks[(id - self.base) as usize]
    }
}

/// An interned active set.
#[derive(Debug, Clone)]
struct ActiveSet {
    members: Vec<u8>,
    ids: Vec<ValidatorId>,
    mask: [u64; 4],
    limit: u64,
}

impl ActiveSet {
    fn contains(&self, v: u8) -> bool {
        self.mask[usize::from(v >> 6)] >> (v & 63) & 1 == 1
    }
}

/// A node's state. `repr(C)` keeps what a delivery reads in its first 97 bytes, in this order,
/// so that `World::warm` can prefetch it with three hints (bytes 0, 48 and 96).
#[derive(Debug, Clone)]
#[repr(C)]
struct Node {
    head: u32,
    down: u32,
    /// The block a full node awaits ancestors of ([`NO_BLOCK`]: none).
    syncing: u32,
    seen_next: u32,
    /// The last [`SEEN_RING`] distinct blocks received (a block received again is ignored).
    seen: [u32; SEEN_RING],
    /// Heaviest block received while online or sealed here: (total difficulty, lowest height
    /// at that difficulty). Read-only observable for the fork-choice invariant (SPEC §2.5).
    best_received: (u64, Height),
    validator: bool,
    generation: u32,
    attempt_time_ms: u64,
    /// When the node last went down (valid while `down > 0`).
    down_since_ms: u64,
    /// Completed downtime.
    downtime_ms: u64,
    /// Downtime before this instant is already attributed to days (validators only).
    offline_counted_to_ms: u64,
    /// Blocks this validator sealed (any branch).
    sealed: u64,
    slow_ms: u64,
    region: u16,
}

// The offsets `World::warm`'s three hints rely on: 48 bytes apart, bytes 0, 48 and 96 reach
// every cache line that holds any of bytes 0..=96.
const _: () = {
    assert!(std::mem::offset_of!(Node, head) == 0);
    assert!(std::mem::offset_of!(Node, seen) + 4 * (SEEN_RING / 2) == 48);
    assert!(std::mem::offset_of!(Node, best_received) + 16 == 96);
    assert!(std::mem::offset_of!(Node, validator) == 96);
};

/// A node's random streams, kept apart from [`Node`]: five ChaCha buffers are ~1.6 KB, and a
/// delivery reads the receiver's state but none of its streams, so with them inline every
/// copy sent on a large overlay missed the cache on a node it barely touches.
#[derive(Debug, Clone)]
struct NodeStreams {
    seal: RandomStream,
    tie: RandomStream,
    latency: RandomStream,
    fault: RandomStream,
    /// Round-trip draws of a full node's ancestor requests (`None` for validators, or with
    /// instantaneous sync).
    sync: Option<RandomStream>,
}

/// The closed event enum of the consensus model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A block arrives at a node.
    Deliver {
        /// Receiver.
        node: u32,
        /// Block.
        block: u32,
        /// Sender (the node a full node asks for missing ancestors).
        from: u32,
    },
    /// A full node has the ancestors it asked for of `block` (one round trip after receiving it).
    Synced {
        /// Node.
        node: u32,
        /// Block.
        block: u32,
        /// The node's head when it asked: unchanged, the decision made then stands.
        head: u32,
    },
    /// A recovered node stops waiting for its peers' heads.
    Resume {
        /// Node.
        node: u32,
        /// Generation at recovery.
        generation: u32,
    },
    /// An offline interval starts.
    Offline {
        /// Node.
        node: u32,
    },
    /// An offline interval ends.
    Online {
        /// Node.
        node: u32,
    },
    /// A random crash.
    Crash {
        /// Node.
        node: u32,
    },
    /// A repair after a crash.
    Repair {
        /// Node.
        node: u32,
    },
    /// A partition starts.
    PartitionStart {
        /// Index in the config.
        index: u32,
    },
    /// A partition heals.
    PartitionEnd {
        /// Index in the config.
        index: u32,
    },
    /// A slow window (`faults.slow[index]`) opens (`on`) or closes.
    Slow {
        /// Index in the config.
        index: u32,
        /// Opens.
        on: bool,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct DayAcc {
    sealed: u64,
    fork_heights: u64,
    reorgs: u64,
    deepest: u64,
}

/// Totals of a run so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Simulated time reached.
    pub now: SimTime,
    /// Blocks sealed on any branch.
    pub blocks_sealed: u64,
    /// Canonical head.
    pub canonical_head: BlockId,
    /// Its height.
    pub canonical_height: Height,
    /// Its total difficulty.
    pub canonical_total_difficulty: u64,
    /// Heights with more than one block.
    pub fork_heights: u64,
    /// Reorganisations of all nodes.
    pub reorgs: u64,
    /// Deepest of them.
    pub deepest_reorg: u64,
    /// Events handled.
    pub events: u64,
    /// Block copies not queued because their receiver would have ignored them whenever they
    /// arrived (see `World::ignores_forever`), or, under [`Propagation::FirstArrival`], because
    /// a copy on its way arrives first; the event-per-message model handled each.
    pub copies_not_sent: u64,
    /// Of those, copies not even drawn ([`Propagation::FirstArrival`] only).
    pub copies_not_drawn: u64,
    /// Active set in force after the canonical head.
    pub active_set: Vec<ValidatorId>,
}

/// Per-validator figures of a run (SPEC §8), judged on the canonical chain at the time asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorStats {
    /// The validator.
    pub id: ValidatorId,
    /// Blocks it sealed on any branch.
    pub sealed: u64,
    /// Of its blocks, those on the canonical chain.
    pub canonical: u64,
    /// Of those, sealed in turn.
    pub canonical_in_turn: u64,
    /// Canonical heights where it was in turn but another validator sealed.
    pub missed_turns: u64,
    /// Time spent offline (intervals and crashes), up to now.
    pub downtime_ms: u64,
}

/// A block's public view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInfo {
    /// Id.
    pub id: BlockId,
    /// Parent (genesis is its own parent).
    pub parent: BlockId,
    /// Height.
    pub height: Height,
    /// Timestamp.
    pub time: SimTime,
    /// Sealer (`None` for genesis).
    pub producer: Option<ValidatorId>,
    /// Difficulty (0 for genesis).
    pub difficulty: u8,
    /// Total difficulty.
    pub total_difficulty: u64,
    /// Active set in force for its children.
    pub next_set: Vec<ValidatorId>,
    /// Heights (descending) and signers in its recents snapshot.
    pub recents: Vec<(Height, ValidatorId)>,
}

struct World<S, R> {
    cfg: ConsensusConfig,
    ids: Vec<ValidatorId>,
    blocks: Arena,
    sets: Vec<ActiveSet>,
    set_index: BTreeMap<Vec<u8>, u32>,
    nodes: Vec<Node>,
    /// Each node's streams, indexed like `nodes`.
    rngs: Vec<NodeStreams>,
    /// True when there are at most 64 validator nodes, so `Block::eligible` is filled in.
    eligible_cached: bool,
    /// Per validator node: `fire_ms << 1 | out_of_turn` of its pending attempt, or `u64::MAX`.
    fire_key: Vec<u64>,
    /// A lexicographic lower bound on every validator's (key, node); it is the earliest
    /// attempt itself when `attempt_min_exact`. A lower bound suffices while queued events come
    /// before it, so the rescan of `fire_key` waits until an attempt could be next.
    attempt_min: (u64, u32),
    /// True when `attempt_min` is the earliest attempt, not only a lower bound.
    attempt_min_exact: bool,
    adjacency: Option<Overlay>,
    /// Blocks sealed per height (saturating), from height `per_height_base` up: only the
    /// heights above the pruning horizon are kept (nothing is sealed below a node's head).
    per_height: Vec<u8>,
    per_height_base: u64,
    best: u32,
    source: S,
    executed_height: u64,
    epoch_sets: Vec<u32>,
    recorder: R,
    partition_groups: Option<Vec<u16>>,
    day_acc: BTreeMap<u64, DayAcc>,
    /// Validators' offline time by (day, node index), until the day is finalised.
    offline_by_day: BTreeMap<(u64, usize), u64>,
    next_day: u64,
    next_finalize_ms: u64,
    fork_heights: u64,
    reorgs: u64,
    deepest_reorg: u64,
    events: u64,
    copies_not_sent: u64,
    copies_not_drawn: u64,
    /// [`Propagation::FirstArrival`] on an overlay.
    first_arrival: bool,
    /// Prefetch deliveries' state a few events ahead (`World::warm`): an overlay of at least
    /// [`WARM_MIN_NODES`] nodes.
    warm: bool,
    /// With `first_arrival`: per node, whether it ignores a block whatever its wave says (a
    /// heavier head), in one dense array (a relay visits scattered peers).
    reach: Vec<Reach>,
    /// With `first_arrival`: each recent block's copies on their way and nodes done with it.
    waves: Waves,
    /// The run's streams (first-arrival waves take one per block).
    streams: Streams,
    sealed_total: u64,
    /// Canonical heights ≤ this are final and pruned; their figures are in `final_tally`.
    finalized_height: Height,
    /// The canonical block at `finalized_height`.
    finalized_tip: u32,
    final_tally: Vec<ValidatorTally>,
}

/// A node as its senders see it (first-arrival propagation), kept by `World::sync_reach`.
#[derive(Debug, Clone, Copy)]
struct Reach {
    /// Total difficulty of its head.
    head_td: u64,
    /// `Node::head` if it is in the node's seen ring, else [`NO_BLOCK`].
    head_seen: u32,
    /// `Node::down == 0`.
    online: bool,
}

impl Reach {
    /// `World::ignores_forever` from this copy of the node's state.
    #[inline]
    fn ignores_forever(&self, block: u32, block_td: u64) -> bool {
        self.head_td > block_td || self.head_seen == block
    }

    /// True if a copy of `block` reaching the node now changes nothing but its wave entry
    /// (which becomes [`DONE`]): it is online and ignores the block forever. Then
    /// `World::deliver` returns at the head check, or `prefers` declines a lighter block
    /// without side effects and the heaviest-received pair, at least the head's TD, stays.
    /// About half of a gossip run's deliveries are such copies (one overtaken by an earlier
    /// copy of the same block): this decides them from the 16-byte entry, not from the
    /// ~150-byte node, which on a 100,000-node overlay is a cache miss.
    #[inline]
    fn takes_nothing_from(&self, block: u32, block_td: u64) -> bool {
        self.online && self.ignores_forever(block, block_td)
    }
}

/// Canonical per-validator counts.
#[derive(Debug, Clone, Copy, Default)]
struct ValidatorTally {
    canonical: u64,
    canonical_in_turn: u64,
    missed_turns: u64,
}

impl<S: EndBlockExecutor, R: Recorder> World<S, R> {
    fn intern_set(&mut self, ids: &[ValidatorId], height: Height) -> Result<u32, ConsensusError> {
        crate::recents::check_set(ids).map_err(|e| ConsensusError::InvalidSet {
            height,
            reason: e.to_string(),
        })?;
        let mut members = Vec::with_capacity(ids.len());
        for id in ids {
            let idx = self
                .ids
                .binary_search(id)
                .map_err(|_| ConsensusError::InvalidSet {
                    height,
                    reason: format!("{id} is not a validator node"),
                })?;
            members.push(idx as u8);
        }
        if let Some(&i) = self.set_index.get(&members) {
            return Ok(i);
        }
        if self.sets.len() >= MAX_DISTINCT_SETS {
            return Err(ConsensusError::TooManySets);
        }
        let mut mask = [0u64; 4];
        for &m in &members {
            mask[usize::from(m >> 6)] |= 1 << (m & 63);
        }
        let i = self.sets.len() as u32;
        self.sets.push(ActiveSet {
            members: members.clone(),
            ids: ids.to_vec(),
            mask,
            limit: recents_window(ids.len()),
        });
        self.set_index.insert(members, i);
        Ok(i)
    }

    /// `Block::eligible` for a block with child set `set` and recents `recents`: the set's
    /// members minus the signers `CompactRecents::blocks` refuses (0 when not cached).
    fn eligible_mask(&self, set: u32, recents: &CompactRecents) -> u64 {
        if !self.eligible_cached {
            return 0;
        }
        let set = &self.sets[set as usize];
        set.mask[0] & !recents.blocked_mask64(set.limit)
    }

    fn day_acc(&mut self, now: SimTime) -> &mut DayAcc {
        self.day_acc.entry(now.day()).or_default()
    }

    fn link_ok(&self, a: usize, b: usize) -> bool {
        match &self.partition_groups {
            Some(g) => g[a] == g[b],
            None => true,
        }
    }

    fn send(
        &mut self,
        from: usize,
        to: usize,
        block: u32,
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        if !self.link_ok(from, to) {
            return Ok(());
        }
        if self.first_arrival {
            return self.send_first_arrival(from, to, block, q);
        }
        let ms = self.draw_latency_ms(from, to);
        // The draw is made either way, so the sender's stream is the same.
        if self.cfg.propagation != Propagation::EveryCopyQueued && self.ignores_forever(to, block) {
            self.copies_not_sent += 1;
            return Ok(());
        }
        queue_copy(q, ms, from, to as u32, block)?;
        Ok(())
    }

    /// [`Propagation::FirstArrival`]'s `send`: no draw for a receiver that has acted on the
    /// block, has a heavier head, or awaits a copy that the least latency cannot beat; no event
    /// for a copy that arrives after the awaited one (at equal times the one queued first goes
    /// first). Blocks too old for a wave are drawn and queued unless the receiver has them.
    fn send_first_arrival(
        &mut self,
        from: usize,
        to: usize,
        block: u32,
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        let now_ms = q.now().as_ms();
        let least_ms = self.least_latency_ms(from, to);
        let block_td = self.blocks[block].td;
        let (a, b) = (self.nodes[from].region, self.nodes[to].region);
        let mut wave = self.waves.get(block);
        let (sealed_ms, due) = wave
            .as_ref()
            .map_or((now_ms, NONE), |w| (w.sealed_ms, w.due[to]));
        if due == DONE
            || (due != NONE && u64::from(due) <= (now_ms + least_ms).saturating_sub(sealed_ms))
            || self.reach[to].ignores_forever(block, block_td)
        {
            self.copies_not_sent += 1;
            self.copies_not_drawn += 1;
            return Ok(());
        }
        // A block's copies draw from its wave's stream (hot, and independent of other blocks'
        // traffic); a block too old for a wave draws from the sender's.
        let rng = match &mut wave {
            Some(w) => &mut *w.rng,
            None => &mut self.rngs[from].latency,
        };
        let ms = draw_latency_ms(&self.cfg.latency, rng, a, b);
        let after_ms = (now_ms - sealed_ms).saturating_add(ms);
        if due != NONE && u64::from(due) <= after_ms {
            self.copies_not_sent += 1;
            return Ok(());
        }
        if let Some(w) = wave
            && let Some(d) = waves::due(after_ms)
        {
            w.due[to] = d;
        }
        queue_copy(q, ms, from, to as u32, block)?;
        Ok(())
    }

    /// The least one-way latency a draw from `from` to `to` can give.
    fn least_latency_ms(&self, from: usize, to: usize) -> u64 {
        match &self.cfg.latency {
            Latency::Constant { ms } => *ms,
            Latency::Uniform { min_ms, .. } | Latency::ExponentialWithMin { min_ms, .. } => *min_ms,
            Latency::LogNormal { .. } => 0,
            Latency::Regions(r) => {
                let (a, b) = (self.nodes[from].region, self.nodes[to].region);
                r.matrix_ms
                    .get(usize::from(a))
                    .and_then(|row| row.get(usize::from(b)))
                    .copied()
                    .unwrap_or(0)
            }
        }
    }

    /// One latency draw on the link, from the sender's stream.
    fn draw_latency_ms(&mut self, from: usize, to: usize) -> u64 {
        let (a, b) = (self.nodes[from].region, self.nodes[to].region);
        draw_latency_ms(&self.cfg.latency, &mut self.rngs[from].latency, a, b)
    }

    /// True if `node` would ignore a copy of `block` whenever it arrived: its head has a larger
    /// total difficulty, or is the block and remembered as seen. A head's TD never decreases (a
    /// node adopts only a heavier block or an equal-TD lower one), and a head is only left for
    /// a block preferred to it, so such a copy could neither become the head, nor raise the
    /// heaviest-received pair, nor flip a coin (a seen block is not tested again). A block a
    /// validator sealed itself is its head without being seen: a copy of it coming back after
    /// a coin moved the head away is flipped for, so it is queued. On a gossip overlay most
    /// copies are ignored ones (a node's peers mostly have the block already).
    ///
    /// Exact but for one case: a copy of a former head still in flight when 16 newer heads
    /// have pushed it out of the seen ring (16 adoptions within one latency draw) would have
    /// been flipped for again. Tests compare whole runs with [`Propagation::EveryCopyQueued`].
    fn ignores_forever(&self, node: usize, block: u32) -> bool {
        let n = &self.nodes[node];
        self.blocks[n.head].td > self.blocks[block].td
            || (n.head == block && n.seen.contains(&block))
    }

    /// [`Reach::takes_nothing_from`] for a copy of `block` reaching `node` (first-arrival
    /// propagation only: the others do not keep `reach`).
    #[inline]
    fn takes_nothing(&self, node: usize, block: u32) -> bool {
        match (self.reach.get(node), self.blocks.get(block)) {
            (Some(r), Some(b)) => r.takes_nothing_from(block, b.td),
            _ => false,
        }
    }

    /// Starts loading what a delivery to `node` reads first: its reach entry, its state and its
    /// peer list's offset ([`Warm::Far`]), then its peer list ([`Warm::Mid`]). On a large
    /// overlay these misses then overlap the events handled meanwhile instead of stalling each
    /// in turn. The node and its list are read once, so they come in non-temporally and do not
    /// push the dense arrays every relay reads (waves, reach) out of L2: 100,000 nodes ran
    /// 14% faster this way than with ordinary hints (5 pairs of 5). Hints only: nothing here can
    /// change a result.
    #[inline]
    fn warm(&self, node: usize, stage: Warm) {
        use sim_core::hint::{prefetch, prefetch_once, prefetch_prefix};
        match stage {
            Warm::Far => {
                if let Some(r) = self.reach.get(node) {
                    prefetch(r);
                }
                if let Some(n) = self.nodes.get(node) {
                    prefetch_once(&n.head);
                    prefetch_once(&n.seen[SEEN_RING / 2]);
                    prefetch_once(&n.validator);
                }
                if let Some(offset) = self.adjacency.as_ref().and_then(|a| a.offset_of(node)) {
                    prefetch(offset);
                }
            }
            Warm::Mid => {
                if let Some(adj) = &self.adjacency {
                    // A relay reads the whole list (~18 peers, 72 bytes).
                    prefetch_prefix(adj.peers(node), 128);
                }
            }
        }
    }

    /// Brings `reach[node]` up to date after its head or seen ring changed (first-arrival
    /// propagation only: the others do not read it).
    #[inline]
    fn sync_reach(&mut self, node: usize) {
        if !self.first_arrival {
            return;
        }
        let n = &self.nodes[node];
        let r = &mut self.reach[node];
        r.head_td = self.blocks[n.head].td;
        // One vector compare and one branch (`contains` compiled to a chain of 16 cmovs);
        // this runs at every adoption of a gossip run.
        let seen = n.seen.iter().map(|&s| u32::from(s == n.head)).sum::<u32>() != 0;
        r.head_seen = if seen { n.head } else { NO_BLOCK };
    }

    fn broadcast(&mut self, from: usize, block: u32, q: &mut Q) -> Result<(), ConsensusError> {
        // Fast path of the common case (full mesh, no partition, uniform latency): the same
        // draws and schedules in the same order as `send` to every other node, with the
        // per-send dispatch hoisted out of the loop.
        if self.adjacency.is_none()
            && self.partition_groups.is_none()
            && let Latency::Uniform { min_ms, max_ms } = self.cfg.latency
        {
            let count = self.nodes.len();
            let rng = &mut self.rngs[from].latency;
            for to in 0..count {
                if to != from {
                    let ms = network::in_range(rng, min_ms, max_ms);
                    queue_copy(q, ms, from, to as u32, block)?;
                }
            }
            return Ok(());
        }
        match self.adjacency.take() {
            None => {
                for to in 0..self.nodes.len() {
                    if to != from {
                        self.send(from, to, block, q)?;
                    }
                }
            }
            Some(adj) => {
                let result = match self.cfg.latency {
                    Latency::Uniform { min_ms, max_ms }
                        if self.first_arrival && self.partition_groups.is_none() =>
                    {
                        self.relay_first_arrival(from, block, adj.peers(from), (min_ms, max_ms), q)
                    }
                    _ => adj
                        .peers(from)
                        .iter()
                        .try_for_each(|&to| self.send(from, to as usize, block, q)),
                };
                self.adjacency = Some(adj);
                result?;
            }
        }
        Ok(())
    }

    /// `send_first_arrival` to each of `peers` with uniform latency and no partition: the same
    /// decisions and draws, with everything that does not depend on the peer hoisted out of
    /// the loop (a relay visits ~18 peers, most of which already have the block).
    fn relay_first_arrival(
        &mut self,
        from: usize,
        block: u32,
        peers: &[u32],
        (min_ms, max_ms): (u64, u64),
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        let Some(wave) = self.waves.get(block) else {
            return peers
                .iter()
                .try_for_each(|&to| self.send_first_arrival(from, to as usize, block, q));
        };
        let now_ms = q.now().as_ms();
        let block_td = self.blocks[block].td;
        // Arrivals as kept in the wave: ms after sealing.
        let now_at = now_ms - wave.sealed_ms;
        // Below NONE and DONE, so that "due by then" is one comparison for any entry.
        let soonest_at = now_at.saturating_add(min_ms).min(u64::from(DONE) - 1);
        let rng = wave.rng;
        let mut not_drawn = 0;
        let mut not_sent = 0;
        // Most peers are done with the block or await an earlier copy, and which ones is a coin
        // toss to the branch predictor: sift the rest out first without branching (mispredicted
        // skips were most of a relay's time), then decide those few one by one.
        let mut rest = [0u32; 64];
        for chunk in peers.chunks(rest.len()) {
            let mut kept = 0;
            for &to in chunk {
                let d = u64::from(wave.due[to as usize]);
                rest[kept] = to;
                kept += usize::from((d > soonest_at) & (d != u64::from(DONE)));
            }
            not_drawn += (chunk.len() - kept) as u64;
            for &to in &rest[..kept] {
                let due = &mut wave.due[to as usize];
                let d = *due;
                if self.reach[to as usize].ignores_forever(block, block_td) {
                    not_drawn += 1;
                    continue;
                }
                let ms = network::in_range(rng, min_ms, max_ms);
                let at = now_at + ms;
                if d != NONE && u64::from(d) <= at {
                    not_sent += 1;
                    continue;
                }
                if let Some(d) = waves::due(at) {
                    *due = d;
                }
                queue_copy(q, ms, from, to, block)?;
            }
        }
        self.copies_not_drawn += not_drawn;
        self.copies_not_sent += not_drawn + not_sent;
        Ok(())
    }

    /// Sets `node`'s attempt key and keeps `attempt_min` a lower bound (exact when it was, unless
    /// the earliest attempt moved later).
    fn set_fire_key(&mut self, node: usize, key: u64) {
        let Some(slot) = self.fire_key.get_mut(node) else {
            return;
        };
        *slot = key;
        let (k, n) = self.attempt_min;
        if key < k || (key == k && (node as u32) < n) {
            // Below a lower bound of all the others: the earliest attempt.
            self.attempt_min = (key, node as u32);
            self.attempt_min_exact = true;
        } else if n as usize == node {
            self.attempt_min_exact = false;
        }
    }

    /// The earliest pending attempt as (key, node); `u64::MAX` key if none. Ties: in turn
    /// first, then the lower node index.
    fn next_attempt(&mut self) -> (u64, u32) {
        if self.attempt_min_exact {
            return self.attempt_min;
        }
        let mut best = (u64::MAX, 0u32);
        for (i, &k) in self.fire_key.iter().enumerate() {
            if k < best.0 {
                best = (k, i as u32);
            }
        }
        debug_assert!(best >= self.attempt_min || best.0 == u64::MAX);
        self.attempt_min = best;
        self.attempt_min_exact = true;
        best
    }

    /// The earliest pending attempt if it could come before a queued event at `queue_ms`,
    /// else a lower bound on it that is at least `queue_ms` (then the queue goes first either
    /// way: at equal milliseconds queued events win).
    #[inline(always)]
    fn attempt_before(&mut self, queue_ms: u64) -> (u64, u32) {
        let (k, n) = self.attempt_min;
        let lb_ms = if k == u64::MAX { u64::MAX } else { k >> 1 };
        if self.attempt_min_exact || lb_ms < queue_ms {
            self.next_attempt()
        } else {
            (k, n)
        }
    }

    /// Cancels `node`'s attempt and, if it may seal on its head, sets a new one.
    #[inline(always)]
    fn schedule_attempt(&mut self, node: usize, now: SimTime) {
        let n = &mut self.nodes[node];
        n.generation = n.generation.wrapping_add(1);
        let key = if !n.validator || n.down > 0 {
            u64::MAX
        } else {
            let head = &self.blocks[n.head];
            let set = &self.sets[head.child_set as usize];
            let me = node as u8;
            let eligible = if self.eligible_cached {
                debug_assert_eq!(
                    head.eligible >> me & 1 == 1,
                    set.contains(me) && !head.recents.blocks(me, set.limit)
                );
                head.eligible >> me & 1 == 1
            } else {
                set.contains(me) && !head.recents.blocks(me, set.limit)
            };
            if !eligible {
                u64::MAX
            } else {
                let in_turn = head.next_in_turn == me;
                let nominal = head
                    .time_ms
                    .saturating_add(BLOCK_PERIOD_MS)
                    .max(now.as_ms());
                let wiggle = if in_turn {
                    0
                } else {
                    network::below(&mut self.rngs[node].seal, set.limit * WIGGLE_MS)
                };
                n.attempt_time_ms = nominal;
                let fire = nominal
                    .saturating_add(wiggle)
                    .saturating_add(n.slow_ms)
                    .min(u64::MAX >> 2);
                fire << 1 | u64::from(!in_turn)
            }
        };
        self.set_fire_key(node, key);
    }

    /// Runs the set source for a new height and returns the set for the block's children.
    fn execute_source(
        &mut self,
        parent: &Block,
        height: Height,
        time_ms: u64,
        producer: u8,
        difficulty: u8,
    ) -> Result<u32, ConsensusError> {
        if height != self.executed_height + 1 {
            return Err(ConsensusError::Invariant(
                "source executed out of height order",
            ));
        }
        let set = &self.sets[parent.child_set as usize];
        let in_turn_idx = parent.next_in_turn;
        let ctx = BlockContext {
            height,
            time: SimTime::from_ms(time_ms),
            producer: self.ids[usize::from(producer)],
            difficulty,
            active_set: &set.ids,
            in_turn: self.ids[usize::from(in_turn_idx)],
            in_turn_signed_recently: parent.recents.contains(in_turn_idx),
            fees: Amount::ZERO,
        };
        let result = self.source.end_block(&ctx);
        let new_set = result.map_err(|e| ConsensusError::Source {
            height: S::failed_at(&e).unwrap_or(height),
            message: e.to_string(),
        })?;
        self.executed_height = height;
        let mut child_set = parent.child_set;
        if is_epoch_block(height) {
            if let Some(ids) = new_set {
                child_set = self.intern_set(&ids, height)?;
            }
            self.epoch_sets.push(child_set);
        }
        Ok(child_set)
    }

    fn seal(&mut self, node: usize, q: &mut Q) -> Result<(), ConsensusError> {
        let now = q.now();
        let parent_id = self.nodes[node].head;
        let parent = self.blocks[parent_id];
        let set = &self.sets[parent.child_set as usize];
        let me = node as u8;
        debug_assert!(set.contains(me) && !parent.recents.blocks(me, set.limit));
        let height = parent.height + 1;
        let in_turn = parent.next_in_turn == me;
        let limit = set.limit;
        let old_len = set.members.len();
        let difficulty: u8 = if in_turn { 2 } else { 1 };
        let time_ms = self.nodes[node].attempt_time_ms;
        if self.blocks.next_id() >= self.cfg.max_blocks {
            return Err(ConsensusError::TooManyBlocks {
                limit: self.cfg.max_blocks,
            });
        }
        // A timestamp never precedes parent + period (the attempt was made on this parent).
        let time_ms = time_ms.max(parent.time_ms + BLOCK_PERIOD_MS);
        let child_set = if height > self.executed_height {
            self.execute_source(&parent, height, time_ms, me, difficulty)?
        } else if is_epoch_block(height) {
            let epoch = (height / EPOCH_LENGTH - 1) as usize;
            *self
                .epoch_sets
                .get(epoch)
                .ok_or(ConsensusError::Invariant("missing epoch set"))?
        } else {
            parent.child_set
        };
        let resize =
            is_epoch_block(height).then(|| (old_len, self.sets[child_set as usize].members.len()));
        let next_members = &self.sets[child_set as usize].members;
        let next_in_turn = next_members[((height + 1) % next_members.len() as u64) as usize];
        let recents = parent.recents.child(me, limit, resize);
        let block = Block {
            eligible: self.eligible_mask(child_set, &recents),
            parent: parent_id,
            child_set,
            height,
            time_ms,
            td: parent.td + u64::from(difficulty),
            producer: me,
            difficulty,
            next_in_turn,
            canonical: false,
            recents,
        };
        let id = self.blocks.push(block);
        self.sealed_total += 1;
        debug_assert!(
            height >= self.per_height_base,
            "sealed below the pruning horizon"
        );
        let h = height.saturating_sub(self.per_height_base) as usize;
        if self.per_height.len() <= h {
            self.per_height.resize(h + 1, 0);
        }
        self.per_height[h] = self.per_height[h].saturating_add(1);
        let forked = self.per_height[h] == 2;
        if forked {
            self.fork_heights += 1;
        }
        let acc = self.day_acc(now);
        acc.sealed += 1;
        acc.fork_heights += u64::from(forked);
        self.recorder.block(&BlockRecord {
            id: BlockId(id),
            parent: BlockId(parent_id),
            height,
            time: SimTime::from_ms(block.time_ms),
            sealed_at: now,
            producer: self.ids[node],
            difficulty,
            total_difficulty: block.td,
            in_turn,
        });
        let best = &self.blocks[self.best];
        if block.td > best.td
            || (block.td == best.td
                && (block.height < best.height
                    || (block.height == best.height
                        && self.cfg.tie_break == TieBreak::Eip3436
                        && self.eip3436_prefers(id, self.best))))
        {
            self.best = id;
        }
        self.nodes[node].head = id;
        self.sync_reach(node);
        self.waves.start(id, now.as_ms(), || {
            self.streams.stream(RELAY, u64::from(id))
        });
        self.nodes[node].sealed += 1;
        note_received(&mut self.nodes[node].best_received, block.td, height);
        self.broadcast(node, id, q)?;
        self.schedule_attempt(node, q.now());
        Ok(())
    }

    /// Blocks dropped from `old`'s chain when switching to `new` (0 if `new` extends `old`).
    fn reorg_depth(&self, old: u32, new: u32) -> Result<u64, ConsensusError> {
        let get = |id: u32| {
            self.blocks.get(id).ok_or(ConsensusError::Invariant(
                "fork deeper than the pruning horizon",
            ))
        };
        let (mut a, mut b) = (new, old);
        if get(a)?.parent == b {
            return Ok(0);
        }
        while get(a)?.height > get(b)?.height {
            a = get(a)?.parent;
        }
        while get(b)?.height > get(a)?.height {
            b = get(b)?.parent;
        }
        while a != b {
            a = get(a)?.parent;
            b = get(b)?.parent;
        }
        Ok(get(old)?.height - get(a)?.height)
    }

    fn deliver(
        &mut self,
        node: usize,
        block: u32,
        from: usize,
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        // Gossip brings a block once per peer: one request for it is enough.
        let n = &self.nodes[node];
        // A node acts on the first copy that reaches it online; the rest change nothing. One
        // that finds it down is forgotten: copies sent after it are drawn again, as the node
        // may be back for them.
        if let Some(w) = self.waves.get(block) {
            w.due[node] = if n.down > 0 { NONE } else { DONE };
        }
        if n.down > 0 || n.head == block || n.syncing == block {
            return Ok(());
        }
        let better = self.prefers(node, block);
        if better && self.needs_ancestors(node, block) {
            // Not received until its ancestors are: the node cannot use it before.
            return self.request_ancestors(node, block, from, q);
        }
        self.note_received(node, block);
        if better {
            return self.adopt(node, block, q);
        }
        Ok(())
    }

    /// True if a full node must ask for ancestors of `block` first: round-trip sync is on and the
    /// block's parent is not on the chain of its head.
    fn needs_ancestors(&self, node: usize, block: u32) -> bool {
        let n = &self.nodes[node];
        if n.validator || self.cfg.full_node_sync == AncestorSync::Instant {
            return false;
        }
        let parent = self.blocks[block].parent;
        parent != n.head && !self.on_chain(parent, n.head)
    }

    /// True if block `a` is `tip` or one of its ancestors (false if either was pruned).
    fn on_chain(&self, a: u32, tip: u32) -> bool {
        let (Some(x), Some(mut b)) = (self.blocks.get(a), self.blocks.get(tip)) else {
            return false;
        };
        let mut id = tip;
        while b.height > x.height {
            id = b.parent;
            match self.blocks.get(id) {
                Some(p) => b = p,
                None => return false,
            }
        }
        id == a
    }

    /// Asks `from` for `block`'s missing ancestors: the answer arrives one round trip later (a
    /// draw each way on the link, from the node's sync stream).
    fn request_ancestors(
        &mut self,
        node: usize,
        block: u32,
        from: usize,
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        let (a, b) = (self.nodes[node].region, self.nodes[from].region);
        let head = self.nodes[node].head;
        let latency = &self.cfg.latency;
        let Some(rng) = self.rngs[node].sync.as_mut() else {
            return Err(ConsensusError::Invariant(
                "a full node without its sync stream",
            ));
        };
        let rtt = sample_latency_ms(latency, rng, a, b) + sample_latency_ms(latency, rng, b, a);
        self.nodes[node].syncing = block;
        q.schedule_in(
            rtt,
            Event::Synced {
                node: node as u32,
                block,
                head,
            },
        )
        .map_err(Into::into)
    }

    /// A full node got `block`'s ancestors: it adopts the block if its head has not moved since
    /// it asked, else if the block still beats the new head.
    fn synced(
        &mut self,
        node: usize,
        block: u32,
        head: u32,
        q: &mut Q,
    ) -> Result<(), ConsensusError> {
        if self.nodes[node].syncing == block {
            self.nodes[node].syncing = NO_BLOCK;
        }
        let n = &self.nodes[node];
        if n.down > 0 || n.head == block {
            return Ok(());
        }
        let better = n.head == head || self.prefers(node, block);
        self.note_received(node, block);
        if better {
            return self.adopt(node, block, q);
        }
        Ok(())
    }

    /// Folds `block` into `node`'s heaviest received block (the fork-choice observable).
    fn note_received(&mut self, node: usize, block: u32) {
        let b = &self.blocks[block];
        note_received(&mut self.nodes[node].best_received, b.td, b.height);
    }

    /// The fork choice of online `node` on receiving `block` (SPEC §2.5): true if it should
    /// become the head. Records the block as seen where a repeat must be ignored.
    fn prefers(&mut self, node: usize, block: u32) -> bool {
        let n = &self.nodes[node];
        let b = &self.blocks[block];
        let h = &self.blocks[n.head];
        // A head only ever moves to a heavier block or an equal-TD lower one, so a block seen
        // before can only matter again in the equal-TD, equal-height coin case: remember the
        // blocks adopted or coin-tested, and test membership only there.
        if b.td > h.td || (b.td == h.td && b.height < h.height) {
            self.remember_seen(node, block);
            return true;
        }
        if b.td != h.td || b.height != h.height || n.seen.contains(&block) {
            return false;
        }
        match self.cfg.tie_break {
            TieBreak::Coin => {
                self.remember_seen(node, block);
                self.rngs[node].tie.coin()
            }
            TieBreak::FirstSeen => false,
            // Every node ranks the two heads the same way.
            TieBreak::Eip3436 => {
                let head = n.head;
                self.eip3436_prefers(block, head)
            }
        }
    }

    /// Puts `block` in `node`'s seen ring (pushing out the oldest).
    fn remember_seen(&mut self, node: usize, block: u32) {
        let n = &mut self.nodes[node];
        let slot = &mut n.seen[n.seen_next as usize % SEEN_RING];
        let evicted = std::mem::replace(slot, block);
        n.seen_next = n.seen_next.wrapping_add(1);
        // `block` is never the head here (a node does not receive its head again), so the
        // head can only have left the ring.
        if self.first_arrival && self.reach[node].head_seen == evicted {
            self.sync_reach(node);
        }
    }

    /// EIP-3436 rules 3 and 4 for two blocks of equal total difficulty and height: true if `a`
    /// is preferred to `b` (its signer was in turn less recently; then the lower stand-in hash).
    fn eip3436_prefers(&self, a: u32, b: u32) -> bool {
        let key = |id: u32| {
            let Some(x) = self.blocks.get(id) else {
                return (0, u64::MAX);
            };
            // The set the block was sealed under is its parent's child set.
            let set = self
                .blocks
                .get(x.parent)
                .map_or(x.child_set, |p| p.child_set);
            let members = &self.sets[set as usize].members;
            let n = members.len().max(1) as u64;
            let index = members.iter().position(|&m| m == x.producer).unwrap_or(0) as u64;
            let since_in_turn = (x.height % n + n - index % n) % n;
            (since_in_turn, block_hash(x))
        };
        let (ka, kb) = (key(a), key(b));
        ka.0 > kb.0 || (ka.0 == kb.0 && ka.1 < kb.1)
    }

    /// Makes `block` the head of `node`: records a reorganisation if it does not extend the old
    /// head, relays it on a gossip overlay, and restarts the node's sealing attempt.
    fn adopt(&mut self, node: usize, block: u32, q: &mut Q) -> Result<(), ConsensusError> {
        let n = &self.nodes[node];
        let old = n.head;
        let depth = self.reorg_depth(old, block)?;
        self.nodes[node].head = block;
        self.sync_reach(node);
        if depth > 0 {
            let now = q.now();
            self.reorgs += 1;
            self.deepest_reorg = self.deepest_reorg.max(depth);
            let acc = self.day_acc(now);
            acc.reorgs += 1;
            acc.deepest = acc.deepest.max(depth);
            self.recorder.reorg(&ReorgRecord {
                time: now,
                node: node as u32,
                depth,
                old_head: BlockId(old),
                new_head: BlockId(block),
            });
        }
        self.recorder.adopted(node as u32, BlockId(block), q.now());
        if self.adjacency.is_some() {
            self.broadcast(node, block, q)?;
        }
        self.schedule_attempt(node, q.now());
        Ok(())
    }

    fn peers(&self, node: usize) -> Vec<usize> {
        match &self.adjacency {
            Some(adj) => adj.peers(node).iter().map(|&p| p as usize).collect(),
            None => (0..self.nodes.len()).filter(|&p| p != node).collect(),
        }
    }

    /// Attributes the offline span `[from, to)` of validator node `node` to the days it covers.
    fn count_offline(&mut self, node: usize, from: u64, to: u64) {
        let mut t = from;
        while t < to {
            let day = t / MS_PER_DAY;
            let day_end = (day + 1).saturating_mul(MS_PER_DAY).min(to);
            *self.offline_by_day.entry((day, node)).or_default() += day_end - t;
            t = day_end;
        }
    }

    /// Validator node `node`'s offline time in `[start, end)`, counting an outage still under
    /// way up to `end` (so that the rest of it is attributed to later days).
    fn offline_in_day(&mut self, node: usize, day: u64, start: u64, end: u64) -> u64 {
        let n = &self.nodes[node];
        if n.down > 0 {
            let from = n.down_since_ms.max(n.offline_counted_to_ms).max(start);
            if from < end {
                self.count_offline(node, from, end);
                self.nodes[node].offline_counted_to_ms = end;
            }
        }
        self.offline_by_day.remove(&(day, node)).unwrap_or(0)
    }

    fn go_down(&mut self, node: usize, now: SimTime) {
        let n = &mut self.nodes[node];
        if n.down == 0 {
            n.down_since_ms = now.as_ms();
        }
        n.down += 1;
        n.generation = n.generation.wrapping_add(1);
        if let Some(r) = self.reach.get_mut(node) {
            r.online = false;
        }
        self.set_fire_key(node, u64::MAX);
    }

    fn go_up(&mut self, node: usize, q: &mut Q) -> Result<(), ConsensusError> {
        let n = &mut self.nodes[node];
        n.down = n
            .down
            .checked_sub(1)
            .ok_or(ConsensusError::Invariant("node up more often than down"))?;
        if n.down > 0 {
            return Ok(());
        }
        if let Some(r) = self.reach.get_mut(node) {
            r.online = true;
        }
        let n = &mut self.nodes[node];
        n.downtime_ms += q.now().as_ms().saturating_sub(n.down_since_ms);
        n.generation = n.generation.wrapping_add(1);
        let generation = n.generation;
        let offline_from = n.validator.then(|| {
            let from = n.down_since_ms.max(n.offline_counted_to_ms);
            n.offline_counted_to_ms = q.now().as_ms();
            from
        });
        if let Some(from) = offline_from {
            self.count_offline(node, from, q.now().as_ms());
        }
        for p in self.peers(node) {
            if self.nodes[p].down == 0 {
                let head = self.nodes[p].head;
                self.send(p, node, head, q)?;
            }
        }
        q.schedule_in(
            self.cfg.resync_ms,
            Event::Resume {
                node: node as u32,
                generation,
            },
        )?;
        Ok(())
    }

    fn slow_change(&mut self, index: usize, on: bool) -> Result<(), ConsensusError> {
        let s = *self
            .cfg
            .faults
            .slow
            .get(index)
            .ok_or(ConsensusError::Invariant("unknown slow window"))?;
        let node = self.cfg.node_index(NodeRef::Validator(s.validator)).ok_or(
            ConsensusError::Invariant("slow window of an unknown validator"),
        )?;
        let n = &mut self.nodes[node];
        n.slow_ms = if on {
            n.slow_ms.saturating_add(s.extra_ms)
        } else {
            n.slow_ms
                .checked_sub(s.extra_ms)
                .ok_or(ConsensusError::Invariant("slow window closed twice"))?
        };
        Ok(())
    }

    fn partition_start(&mut self, index: usize) -> Result<(), ConsensusError> {
        let p = self
            .cfg
            .faults
            .partitions
            .get(index)
            .ok_or(ConsensusError::Invariant("unknown partition"))?;
        let rest = p.groups.len() as u16;
        let mut groups = vec![rest; self.nodes.len()];
        for (g, members) in p.groups.iter().enumerate() {
            for &r in members {
                if let Some(i) = self.cfg.node_index(r)
                    && groups[i] == rest
                {
                    groups[i] = g as u16;
                }
            }
        }
        self.partition_groups = Some(groups);
        Ok(())
    }

    fn partition_end(&mut self, q: &mut Q) -> Result<(), ConsensusError> {
        let Some(groups) = self.partition_groups.take() else {
            return Ok(());
        };
        for a in 0..self.nodes.len() {
            if self.nodes[a].down > 0 {
                continue;
            }
            for b in self.peers(a) {
                if groups[a] != groups[b] && self.nodes[b].down == 0 {
                    let head = self.nodes[a].head;
                    self.send(a, b, head, q)?;
                }
            }
        }
        Ok(())
    }

    fn finalize_days(&mut self, now: SimTime, at_end: bool) {
        let lag = self.cfg.finality_lag_ms;
        loop {
            let d = self.next_day;
            let start = d.saturating_mul(MS_PER_DAY);
            let end = start.saturating_add(MS_PER_DAY);
            let ready = if at_end {
                start < now.as_ms()
            } else {
                now.as_ms() >= end.saturating_add(lag)
            };
            if !ready {
                break;
            }
            let span_end = end.min(now.as_ms());
            let (mut stats, mut validators) = self.day_stats(d, start, end, span_end);
            // Validator nodes come first, in the order of `validators`.
            for (node, v) in validators.iter_mut().enumerate() {
                v.offline_ms = self.offline_in_day(node, d, start, span_end);
            }
            let acc = self.day_acc.remove(&d).unwrap_or_default();
            stats.sealed_blocks = acc.sealed;
            stats.fork_heights = acc.fork_heights;
            stats.reorgs = acc.reorgs;
            stats.deepest_reorg = acc.deepest;
            self.recorder.day(&stats);
            self.recorder.validator_day(d, &validators);
            self.next_day += 1;
        }
        self.next_finalize_ms = self
            .next_day
            .saturating_add(1)
            .saturating_mul(MS_PER_DAY)
            .saturating_add(lag);
    }

    /// The day's figures, overall and per validator (index order), from its canonical blocks.
    fn day_stats(
        &self,
        day: u64,
        start: u64,
        end: u64,
        span_end: u64,
    ) -> (DayStats, Vec<ValidatorDay>) {
        let mut per: Vec<ValidatorDay> = self
            .ids
            .iter()
            .map(|&validator| ValidatorDay {
                validator,
                canonical_blocks: 0,
                in_turn: 0,
                missed_turns: 0,
                offline_ms: 0,
            })
            .collect();
        let mut b = &self.blocks[self.best];
        while b.time_ms >= end {
            match self.blocks.get(b.parent) {
                Some(p) => b = p,
                None => break,
            }
        }
        let mut stats = DayStats {
            day,
            end: SimTime::from_ms(span_end),
            longest_gap_ms: span_end.saturating_sub(b.time_ms),
            ..DayStats::default()
        };
        while b.height > 0 && b.time_ms >= start {
            let Some(parent) = self.blocks.get(b.parent) else {
                break;
            };
            stats.canonical_blocks += 1;
            if let Some(v) = per.get_mut(usize::from(b.producer)) {
                v.canonical_blocks += 1;
                v.in_turn += u64::from(b.difficulty == 2);
            }
            if b.difficulty == 2 {
                stats.in_turn += 1;
            } else {
                stats.out_of_turn += 1;
                if let Some(v) = per.get_mut(usize::from(parent.next_in_turn)) {
                    v.missed_turns += 1;
                }
            }
            stats.longest_gap_ms = stats.longest_gap_ms.max(b.time_ms - parent.time_ms);
            b = parent;
        }
        stats.missed_turns = stats.out_of_turn;
        stats.halted = stats.longest_gap_ms >= self.cfg.halt_gap_ms;
        (stats, per)
    }

    /// Adds canonical block `b`'s figures to per-validator `acc` (indexed by validator node).
    fn account_canonical(&self, b: &Block, acc: &mut [ValidatorTally]) {
        let Some(parent) = self.blocks.get(b.parent) else {
            return;
        };
        let in_turn = parent.next_in_turn;
        if let Some(v) = acc.get_mut(usize::from(b.producer)) {
            v.canonical += 1;
            v.canonical_in_turn += u64::from(b.difficulty == 2);
        }
        if b.difficulty != 2
            && let Some(v) = acc.get_mut(usize::from(in_turn))
        {
            v.missed_turns += 1;
        }
    }

    /// Prunes blocks more than `prune_keep_blocks` below the lowest node head, first folding
    /// the canonical blocks being dropped into the final per-validator tallies.
    fn prune(&mut self) -> Result<(), ConsensusError> {
        let Some(keep) = self.cfg.prune_keep_blocks else {
            return Ok(());
        };
        let lowest_head = self
            .nodes
            .iter()
            .map(|n| self.blocks[n.head].height)
            .min()
            .unwrap_or(0)
            .min(self.blocks[self.best].height);
        let Some(cut) = lowest_head.checked_sub(keep) else {
            return Ok(());
        };
        if cut <= self.finalized_height + 1 {
            return Ok(());
        }
        // Canonical blocks with heights in (finalized_height, cut) become final.
        let mut id = self.best;
        let mut tally = std::mem::take(&mut self.final_tally);
        loop {
            let b = *self.blocks.get(id).ok_or(ConsensusError::Invariant(
                "canonical chain reorganised below the pruning horizon",
            ))?;
            if b.height <= self.finalized_height {
                if id != self.finalized_tip {
                    return Err(ConsensusError::Invariant(
                        "canonical chain reorganised below the pruning horizon",
                    ));
                }
                break;
            }
            if b.height < cut {
                self.account_canonical(&b, &mut tally);
                if let Some(block) = self.blocks.get_mut(id) {
                    block.canonical = true;
                }
            }
            id = b.parent;
        }
        self.final_tally = tally;
        let mut tip = self.best;
        while self.blocks[tip].height >= cut {
            tip = self.blocks[tip].parent;
        }
        self.finalized_tip = tip;
        self.finalized_height = cut - 1;
        let recorder = &mut self.recorder;
        self.blocks
            .prune_below(cut - 1, |id, canonical| recorder.finalized(id, canonical));
        let drop = (cut - 1).saturating_sub(self.per_height_base) as usize;
        self.per_height.drain(..drop.min(self.per_height.len()));
        self.per_height_base += drop as u64;
        Ok(())
    }

    /// At the end of the run: marks the canonical chain above the finalised height and tells
    /// the recorder, in id order, whether each block still held is canonical.
    fn finalize_blocks(&mut self) {
        let mut id = self.best;
        while let Some(b) = self.blocks.get_mut(id) {
            if b.canonical {
                break;
            }
            b.canonical = true;
            if b.height == 0 {
                break;
            }
            id = b.parent;
        }
        let recorder = &mut self.recorder;
        self.blocks.prune_below(Height::MAX, |id, canonical| {
            recorder.finalized(id, canonical)
        });
    }

    /// The crash rates of `node`: validators' or full nodes' (nodes are validators first).
    fn crash_rates(&self, node: usize) -> Option<crate::CrashRepair> {
        if node < self.cfg.validators.len() {
            self.cfg.faults.crash
        } else {
            self.cfg.faults.full_node_crash
        }
    }

    fn crash_draw(&mut self, node: usize, mean_ms: u64) -> u64 {
        sample_exponential_ms(&mut self.rngs[node].fault, mean_ms)
    }

    /// Fires `node`'s pending attempt at `now` (the queue is at that time).
    fn fire_attempt(&mut self, node: usize, q: &mut Q) -> Result<(), ConsensusError> {
        self.events += 1;
        if q.now().as_ms() >= self.next_finalize_ms {
            self.finalize_days(q.now(), false);
            self.prune()?;
        }
        self.seal(node, q)
    }

    fn handle(&mut self, event: Event, q: &mut Q) -> Result<(), ConsensusError> {
        self.events += 1;
        if q.now().as_ms() >= self.next_finalize_ms {
            self.finalize_days(q.now(), false);
            self.prune()?;
        }
        match event {
            Event::Deliver { node, block, from } => {
                if self.takes_nothing(node as usize, block) {
                    debug_assert!({
                        let n = &self.nodes[node as usize];
                        n.down == 0
                            && (n.head == block || self.blocks[n.head].td > self.blocks[block].td)
                    });
                    if let Some(w) = self.waves.get(block) {
                        w.due[node as usize] = DONE;
                    }
                    return Ok(());
                }
                self.deliver(node as usize, block, from as usize, q)
            }
            Event::Synced { node, block, head } => self.synced(node as usize, block, head, q),
            Event::Resume { node, generation } => {
                if self.nodes[node as usize].generation == generation {
                    self.schedule_attempt(node as usize, q.now());
                }
                Ok(())
            }
            Event::Offline { node } => {
                self.go_down(node as usize, q.now());
                Ok(())
            }
            Event::Online { node } => self.go_up(node as usize, q),
            Event::Crash { node } => {
                self.go_down(node as usize, q.now());
                let mttr = self.crash_rates(node as usize).map_or(1, |c| c.mttr_ms);
                let dt = self.crash_draw(node as usize, mttr);
                q.schedule_in(dt, Event::Repair { node })?;
                Ok(())
            }
            Event::Repair { node } => {
                let mtbf = self.crash_rates(node as usize).map_or(1, |c| c.mtbf_ms);
                let dt = self.crash_draw(node as usize, mtbf);
                q.schedule_in(dt, Event::Crash { node })?;
                self.go_up(node as usize, q)
            }
            Event::PartitionStart { index } => self.partition_start(index as usize),
            Event::PartitionEnd { .. } => self.partition_end(q),
            Event::Slow { index, on } => self.slow_change(index as usize, on),
        }
    }
}

/// Queues the copy of `block` that `from` sends to `to`, arriving in `ms`.
#[inline]
fn queue_copy(q: &mut Q, ms: u64, from: usize, to: u32, block: u32) -> Result<(), ScheduleError> {
    q.schedule_in(
        ms,
        Event::Deliver {
            node: to,
            block,
            from: from as u32,
        },
    )
}

/// One latency draw on a link between regions `a` and `b` (uniform draws inlined: the hot path).
#[inline]
fn draw_latency_ms(latency: &Latency, rng: &mut RandomStream, a: u16, b: u16) -> u64 {
    match *latency {
        Latency::Constant { ms } => ms,
        Latency::Uniform { min_ms, max_ms } => network::in_range(rng, min_ms, max_ms),
        ref other => sample_latency_ms(other, rng, a, b),
    }
}

/// Folds a received block's (total difficulty, height) into a node's heaviest-received pair:
/// larger TD wins; at equal TD the lower height is kept.
fn note_received(best: &mut (u64, Height), td: u64, height: Height) {
    if td > best.0 || (td == best.0 && height < best.1) {
        *best = (td, height);
    }
}

/// A consensus run: build with [`ConsensusSim::new`], advance with [`ConsensusSim::run_until`]
/// or [`ConsensusSim::run_blocks`], inspect with [`ConsensusSim::summary`], end with
/// [`ConsensusSim::finish`].
pub struct ConsensusSim<S: EndBlockExecutor, R: Recorder> {
    world: World<S, R>,
    queue: Q,
}

impl<S: EndBlockExecutor, R: Recorder> std::fmt::Debug for ConsensusSim<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsensusSim")
            .field("now", &self.queue.now())
            .field("blocks", &self.world.blocks.next_id())
            .finish()
    }
}

impl<S: EndBlockExecutor, R: Recorder> ConsensusSim<S, R> {
    /// Builds a run at genesis. Streams are derived from `seed` per node and purpose
    /// ("consensus/seal", "consensus/tie", "consensus/latency", "consensus/faults",
    /// "consensus/sync", "consensus/topology"), and under first-arrival propagation per block
    /// ("consensus/relay": the latencies of the block's copies).
    pub fn new(
        mut config: ConsensusConfig,
        seed: u64,
        source: S,
        recorder: R,
    ) -> Result<Self, ConsensusError> {
        config.validate()?;
        let mut ids = config.validators.clone();
        ids.sort_unstable();
        // Region order follows the config's validator order; re-key it to sorted order.
        if let Latency::Regions(r) = &mut config.latency {
            let mut pairs: Vec<(ValidatorId, u16)> = config
                .validators
                .iter()
                .copied()
                .zip(r.validator_regions.iter().copied())
                .collect();
            pairs.sort_unstable();
            r.validator_regions = pairs.into_iter().map(|(_, g)| g).collect();
        }
        config.validators = ids.clone();
        let streams = Streams::new(seed);
        let v = ids.len();
        let total = config.node_count();
        let mut nodes = Vec::with_capacity(total);
        let mut rngs = Vec::with_capacity(total);
        for i in 0..total {
            let region = match &config.latency {
                Latency::Regions(r) if i < v => r.validator_regions[i],
                Latency::Regions(r) => r.full_node_region(i - v),
                _ => 0,
            };
            let slow_ms = match ids.get(i) {
                Some(&id) => config
                    .faults
                    .slow
                    .iter()
                    .filter(|s| s.validator == id && s.start == SimTime::ZERO)
                    .map(|s| s.extra_ms)
                    .sum(),
                None => 0,
            };
            let idx = i as u64;
            nodes.push(Node {
                head: 0,
                down: 0,
                generation: 0,
                attempt_time_ms: 0,
                seen: [0; SEEN_RING],
                seen_next: 0,
                best_received: (0, 0),
                down_since_ms: 0,
                downtime_ms: 0,
                offline_counted_to_ms: 0,
                sealed: 0,
                validator: i < v,
                syncing: NO_BLOCK,
                slow_ms,
                region,
            });
            rngs.push(NodeStreams {
                seal: streams.stream(Domain("consensus/seal"), idx),
                tie: streams.stream(Domain("consensus/tie"), idx),
                latency: streams.stream(Domain("consensus/latency"), idx),
                fault: streams.stream(Domain("consensus/faults"), idx),
                sync: (i >= v && config.full_node_sync == AncestorSync::RoundTrip)
                    .then(|| streams.stream(Domain("consensus/sync"), idx)),
            });
        }
        let adjacency = match config.topology {
            Topology::FullMesh => None,
            Topology::Gossip {
                degree,
                validator_mesh,
            } => Some(gossip_overlay(streams, total, v, degree, validator_mesh)),
        };
        let first_arrival = adjacency.is_some() && config.propagation == Propagation::FirstArrival;
        let warm = adjacency.is_some() && total >= WARM_MIN_NODES;
        let mut world = World {
            ids,
            blocks: Arena::default(),
            sets: Vec::new(),
            set_index: BTreeMap::new(),
            nodes,
            rngs,
            eligible_cached: v <= 64,
            fire_key: vec![u64::MAX; v],
            attempt_min: (0, 0),
            attempt_min_exact: false,
            adjacency,
            per_height: vec![1],
            per_height_base: 0,
            best: 0,
            source,
            executed_height: 0,
            epoch_sets: Vec::new(),
            recorder,
            partition_groups: None,
            day_acc: BTreeMap::new(),
            offline_by_day: BTreeMap::new(),
            next_day: 0,
            next_finalize_ms: MS_PER_DAY.saturating_add(config.finality_lag_ms),
            fork_heights: 0,
            reorgs: 0,
            deepest_reorg: 0,
            events: 0,
            copies_not_sent: 0,
            copies_not_drawn: 0,
            first_arrival,
            warm,
            reach: vec![
                Reach {
                    head_td: 0,
                    head_seen: NO_BLOCK,
                    online: true,
                };
                if first_arrival { total } else { 0 }
            ],
            waves: Waves::new(if first_arrival { total } else { 0 }),
            streams,
            sealed_total: 0,
            finalized_height: 0,
            finalized_tip: 0,
            final_tally: vec![ValidatorTally::default(); v],
            cfg: config,
        };
        let genesis_set = world.cfg.genesis_set.clone();
        let set0 = world.intern_set(&genesis_set, 0)?;
        let eligible = world.eligible_mask(set0, &CompactRecents::EMPTY);
        world.blocks.push(Block {
            eligible,
            parent: 0,
            child_set: set0,
            height: 0,
            time_ms: 0,
            td: 0,
            producer: NO_SIGNER,
            difficulty: 0,
            next_in_turn: world.sets[set0 as usize].members
                [1 % world.sets[set0 as usize].members.len()],
            canonical: true,
            recents: CompactRecents::EMPTY,
        });
        let queue = BucketQueue::new(world.cfg.max_pending_events, DEFAULT_RING_BITS);
        let mut sim = ConsensusSim { world, queue };
        sim.schedule_faults()?;
        for i in 0..v {
            sim.world.schedule_attempt(i, SimTime::ZERO);
        }
        Ok(sim)
    }

    fn schedule_faults(&mut self) -> Result<(), ConsensusError> {
        let cfg = self.world.cfg.clone();
        let sim = &mut self.queue;
        for (i, p) in cfg.faults.partitions.iter().enumerate() {
            let index = i as u32;
            sim.schedule_at(p.start, Event::PartitionStart { index })?;
            sim.schedule_at(p.end, Event::PartitionEnd { index })?;
        }
        for (i, s) in cfg.faults.slow.iter().enumerate() {
            let index = i as u32;
            // Windows from genesis are in the nodes' initial delay.
            if s.start != SimTime::ZERO {
                sim.schedule_at(s.start, Event::Slow { index, on: true })?;
            }
            if s.end != SimTime::MAX {
                sim.schedule_at(s.end, Event::Slow { index, on: false })?;
            }
        }
        for o in &cfg.faults.offline {
            let node = cfg
                .node_index(o.node)
                .ok_or(ConsensusError::Invariant("unknown offline node"))?
                as u32;
            sim.schedule_at(o.start, Event::Offline { node })?;
            if o.end != SimTime::MAX {
                sim.schedule_at(o.end, Event::Online { node })?;
            }
        }
        if let Some(c) = cfg.faults.crash {
            for node in 0..cfg.validators.len() {
                let dt = self.world.crash_draw(node, c.mtbf_ms);
                sim.schedule_at(SimTime::from_ms(dt), Event::Crash { node: node as u32 })?;
            }
        }
        if let Some(c) = cfg.faults.full_node_crash {
            for node in cfg.validators.len()..self.world.nodes.len() {
                let dt = self.world.crash_draw(node, c.mtbf_ms);
                sim.schedule_at(SimTime::from_ms(dt), Event::Crash { node: node as u32 })?;
            }
        }
        Ok(())
    }

    /// Handles every event before `end` in time order (at equal times: queued events first,
    /// then sealing attempts, in-turn before out-of-turn, lower node index first); days whose
    /// judgement is due are emitted.
    pub fn run_until(&mut self, end: SimTime) -> Result<(), ConsensusError> {
        let end_ms = end.as_ms();
        let limit = self.world.cfg.max_events_per_run;
        let mut handled = 0u64;
        loop {
            let queue_ms = self.queue.peek_ms();
            let (key, node) = self.world.attempt_before(queue_ms);
            let attempt_ms = if key == u64::MAX { u64::MAX } else { key >> 1 };
            let next_ms = queue_ms.min(attempt_ms);
            if next_ms >= end_ms {
                break;
            }
            if handled >= limit {
                return Err(ConsensusError::EventLimit {
                    limit,
                    at: self.queue.now(),
                });
            }
            handled += 1;
            if attempt_ms < queue_ms {
                self.queue.advance_to(SimTime::from_ms(attempt_ms));
                self.world.fire_attempt(node as usize, &mut self.queue)?;
            } else if let Some((_, event)) = self.queue.pop() {
                if self.world.warm {
                    for (ahead, stage) in WARM_STAGES {
                        if let Some(Event::Deliver { node, .. }) = self.queue.ring_ahead(ahead) {
                            self.world.warm(node as usize, stage);
                        }
                    }
                }
                self.world.handle(event, &mut self.queue)?;
            }
        }
        if end_ms > self.queue.now().as_ms() {
            self.queue.advance_to(end);
        }
        if end.as_ms() >= self.world.next_finalize_ms {
            self.world.finalize_days(end, false);
            self.world.prune()?;
        }
        Ok(())
    }

    /// Runs until the canonical chain has grown by `n` blocks (in steps of simulated time);
    /// fails with [`ConsensusError::Halted`] after a simulated day without growth.
    pub fn run_blocks(&mut self, n: u64) -> Result<(), ConsensusError> {
        let target = self.canonical_height().saturating_add(n);
        let mut last_height = self.canonical_height();
        let mut stalled_ms = 0u64;
        while self.canonical_height() < target {
            let missing = target - self.canonical_height();
            let step_ms = missing
                .saturating_mul(BLOCK_PERIOD_MS)
                .clamp(BLOCK_PERIOD_MS, MS_PER_DAY);
            let end = self.now().saturating_add_ms(step_ms);
            self.run_until(end)?;
            let h = self.canonical_height();
            if h == last_height {
                stalled_ms += step_ms;
                if stalled_ms >= MS_PER_DAY {
                    return Err(ConsensusError::Halted {
                        height: h,
                        at: self.now(),
                    });
                }
            } else {
                stalled_ms = 0;
                last_height = h;
            }
        }
        Ok(())
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Height of the canonical head.
    pub fn canonical_height(&self) -> Height {
        self.world.blocks[self.world.best].height
    }

    /// The canonical head.
    pub fn canonical_head(&self) -> BlockId {
        BlockId(self.world.best)
    }

    /// Number of nodes (validators in ascending id order, then full nodes).
    pub fn node_count(&self) -> usize {
        self.world.nodes.len()
    }

    /// The head of node `node`, if it exists.
    pub fn node_head(&self, node: usize) -> Option<BlockId> {
        self.world.nodes.get(node).map(|n| BlockId(n.head))
    }

    /// The heaviest block node `node` has received (delivered while it was online) or sealed
    /// itself, as (total difficulty, lowest height among such blocks at that total difficulty);
    /// `(0, 0)` (genesis) before any. Read-only; the fork-choice invariant of SPEC §2.5 says the
    /// node's head is never lighter than it, and at equal weight never higher.
    pub fn node_best_received(&self, node: usize) -> Option<(u64, Height)> {
        self.world.nodes.get(node).map(|n| n.best_received)
    }

    /// True if node `node` is currently online.
    pub fn node_online(&self, node: usize) -> bool {
        self.world.nodes.get(node).is_some_and(|n| n.down == 0)
    }

    /// Number of blocks ever stored (genesis included), pruned ones too.
    pub fn block_count(&self) -> u64 {
        self.world.blocks.next_id()
    }

    /// Number of blocks currently held in the arena.
    pub fn blocks_held(&self) -> usize {
        self.world.blocks.blocks.len()
    }

    /// A block's public view.
    pub fn block(&self, id: BlockId) -> Option<BlockInfo> {
        let w = &self.world;
        let b = w.blocks.get(id.0)?;
        let recents = b
            .recents
            .0
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != NO_SIGNER)
            .map(|(i, &v)| (b.height - i as u64, w.ids[usize::from(v)]))
            .collect();
        Some(BlockInfo {
            id,
            parent: BlockId(b.parent),
            height: b.height,
            time: SimTime::from_ms(b.time_ms),
            producer: (b.producer != NO_SIGNER).then(|| w.ids[usize::from(b.producer)]),
            difficulty: b.difficulty,
            total_difficulty: b.td,
            next_set: w.sets[b.child_set as usize].ids.clone(),
            recents,
        })
    }

    /// The block at `height` on the chain ending at `tip`.
    pub fn ancestor_at(&self, tip: BlockId, height: Height) -> Option<BlockId> {
        let w = &self.world;
        let mut id = tip.0;
        let mut b = w.blocks.get(id)?;
        if b.height < height {
            return None;
        }
        while b.height > height {
            id = b.parent;
            b = w.blocks.get(id)?;
        }
        Some(BlockId(id))
    }

    /// True if `a` is `b` or one of its ancestors.
    pub fn is_ancestor(&self, a: BlockId, b: BlockId) -> bool {
        self.world.on_chain(a.0, b.0)
    }

    /// The recorder.
    pub fn recorder(&self) -> &R {
        &self.world.recorder
    }

    /// The validator-set source.
    pub fn source(&self) -> &S {
        &self.world.source
    }

    /// The recorder, mutably: for taking the observables recorded so far between
    /// [`ConsensusSim::run_until`] calls (streaming outputs). The engine never reads it.
    pub fn recorder_mut(&mut self) -> &mut R {
        &mut self.world.recorder
    }

    /// The validator-set source, mutably: for taking outputs the source recorded so far between
    /// [`ConsensusSim::run_until`] calls. Changing the source's state changes the simulation;
    /// draining its logs does not.
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.world.source
    }

    /// Totals so far.
    pub fn summary(&self) -> Summary {
        let w = &self.world;
        let best = &w.blocks[w.best];
        Summary {
            now: self.now(),
            blocks_sealed: w.sealed_total,
            canonical_head: BlockId(w.best),
            canonical_height: best.height,
            canonical_total_difficulty: best.td,
            fork_heights: w.fork_heights,
            reorgs: w.reorgs,
            deepest_reorg: w.deepest_reorg,
            events: w.events,
            copies_not_sent: w.copies_not_sent,
            copies_not_drawn: w.copies_not_drawn,
            active_set: w.sets[best.child_set as usize].ids.clone(),
        }
    }

    /// Per-validator figures in ascending id order, walking the canonical chain (O(height)).
    pub fn validator_stats(&self) -> Vec<ValidatorStats> {
        let w = &self.world;
        let now = self.now().as_ms();
        let mut out: Vec<ValidatorStats> = w
            .ids
            .iter()
            .zip(&w.nodes)
            .map(|(&id, n)| ValidatorStats {
                id,
                sealed: n.sealed,
                canonical: 0,
                canonical_in_turn: 0,
                missed_turns: 0,
                downtime_ms: n.downtime_ms
                    + if n.down > 0 {
                        now.saturating_sub(n.down_since_ms)
                    } else {
                        0
                    },
            })
            .collect();
        let mut tally = w.final_tally.clone();
        let mut id = w.best;
        while let Some(b) = w.blocks.get(id) {
            if b.height <= w.finalized_height {
                break;
            }
            w.account_canonical(b, &mut tally);
            id = b.parent;
        }
        for (v, t) in out.iter_mut().zip(tally) {
            v.canonical = t.canonical;
            v.canonical_in_turn = t.canonical_in_turn;
            v.missed_turns = t.missed_turns;
        }
        out
    }

    /// Emits every remaining day (the last one partial) and returns the recorder, the source
    /// and the final summary.
    pub fn finish(mut self) -> (R, S, Summary) {
        let now = self.now();
        self.world.finalize_days(now, true);
        let summary = self.summary();
        self.world.finalize_blocks();
        let w = self.world;
        (w.recorder, w.source, summary)
    }
}
