//! Configuration of a consensus run: validators, network latency and topology, faults, fork-choice
//! tie rule and limits. Plain structs with public fields; [`ConsensusConfig::validate`] checks them.

use sim_core::SimTime;

use crate::recents::{HeaderError, check_set};
use crate::types::{BLOCK_PERIOD_MS, ValidatorId};

/// Most validator nodes in one run (indices are stored in one byte; 255 marks "none").
pub const MAX_VALIDATOR_NODES: usize = 254;
/// Most non-validating full nodes in one run.
pub const MAX_FULL_NODES: usize = 100_000;
/// Largest one-way latency any distribution may produce (samples are clamped to it).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// Why a configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Validator nodes must be 1..=254 distinct ids.
    #[error("validator nodes must be 1..={MAX_VALIDATOR_NODES} distinct ids, got {0}")]
    Validators(usize),
    /// The genesis set is not a valid active set or names an unknown validator.
    #[error("invalid genesis set: {0}")]
    GenesisSet(String),
    /// Too many full nodes.
    #[error("at most {MAX_FULL_NODES} full nodes, got {0}")]
    FullNodes(usize),
    /// A latency parameter is out of range.
    #[error("invalid latency: {0}")]
    Latency(String),
    /// A gossip parameter is out of range.
    #[error("invalid gossip overlay: {0}")]
    Gossip(String),
    /// A fault entry names an unknown node or has an empty or inverted interval.
    #[error("invalid fault: {0}")]
    Fault(String),
    /// Partitions must name known nodes and must not overlap in time.
    #[error("invalid partition: {0}")]
    Partition(String),
    /// A limit is zero.
    #[error("invalid limit: {0}")]
    Limit(&'static str),
}

impl From<HeaderError> for ConfigError {
    fn from(e: HeaderError) -> Self {
        ConfigError::GenesisSet(e.to_string())
    }
}

/// How a node breaks a tie of equal total difficulty at equal height (SPEC §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieBreak {
    /// HECO: a fair coin from the node's own stream (default).
    #[default]
    Coin,
    /// Keep the block seen first.
    FirstSeen,
    /// EIP-3436 (Clique block choice rule, implemented by Besu) in place of the coin: at equal
    /// total difficulty and height, prefer the block whose signer's last in-turn assignment is
    /// least recent, `(height − signer's index in the active set) mod set size` largest, then
    /// the lowest block hash (here a fixed 64-bit mix of parent, height, time and signer that
    /// every node computes alike). Every node ranks competing heads the same way, so equal-TD
    /// forks cannot split the validators for good (see `docs/paper-vs-spec.md`).
    Eip3436,
}

/// One-way latency of a message on a link, sampled per message from the sender's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Latency {
    /// Always `ms`.
    Constant {
        /// Latency.
        ms: u64,
    },
    /// Uniform integer in `[min_ms, max_ms]`.
    Uniform {
        /// Lower bound.
        min_ms: u64,
        /// Upper bound (inclusive).
        max_ms: u64,
    },
    /// `min_ms` plus an exponential with mean `mean_extra_ms` (inverse transform with `libm::log`,
    /// floored to whole ms).
    ExponentialWithMin {
        /// Minimum.
        min_ms: u64,
        /// Mean of the exponential part.
        mean_extra_ms: u64,
    },
    /// Log-normal: `median_ms × exp(σ·Z)`, Z standard normal by Box–Muller with `libm`; σ is
    /// given in thousandths (`sigma_milli = 500` is σ = 0.5). Floored to whole ms.
    LogNormal {
        /// Median.
        median_ms: u64,
        /// σ × 1000.
        sigma_milli: u32,
    },
    /// Latency by region pair plus uniform jitter in `[0, jitter_ms]`.
    Regions(RegionLatency),
}

/// A region latency matrix and the region of every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionLatency {
    /// `matrix_ms[a][b]`: base one-way latency from region `a` to region `b` (square).
    pub matrix_ms: Vec<Vec<u64>>,
    /// Uniform extra latency in `[0, jitter_ms]`.
    pub jitter_ms: u64,
    /// Region of each validator node, parallel to [`ConsensusConfig::validators`] as given
    /// (same length).
    pub validator_regions: Vec<u16>,
    /// Region of each full node; if shorter than the number of full nodes, full node `i` gets
    /// region `i mod regions`.
    pub full_node_regions: Vec<u16>,
}

impl RegionLatency {
    /// Region of full node `f` (0-based): its entry in `full_node_regions`, else
    /// `f mod regions`.
    pub fn full_node_region(&self, f: usize) -> u16 {
        self.full_node_regions
            .get(f)
            .copied()
            .unwrap_or((f % self.matrix_ms.len().max(1)) as u16)
    }
}

/// How a node gets the missing ancestors of a block it receives. A node holds the chain of its
/// head; a received block whose parent is not on that chain needs the blocks in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AncestorSync {
    /// It asks the peer that sent the block and adopts the block one round trip later (a
    /// latency draw each way on that link, from the node's own `consensus/sync` stream), if the
    /// block still beats its head then.
    #[default]
    RoundTrip,
    /// The ancestors come with the block (the model before round trips).
    Instant,
}

/// How a block travels a gossip overlay. A node acts on the first copy of a block to reach it
/// while it is online: later copies find the block adopted, outweighed, coin-tested or being
/// synced, and are ignored. The models differ in which later copies they draw and queue.
/// Full meshes do not relay (each node gets one copy, from the sealer), so there every model
/// draws and queues what [`Propagation::EveryCopy`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// A copy is drawn only if it could arrive first: not when the receiver already has the
    /// block (or a heavier head), nor when a copy of the block already on its way to it arrives
    /// no later than the sender's time plus the link's least latency; and it is queued only if
    /// it arrives before the copy on its way. A copy that reaches a node while it is down is
    /// forgotten, so copies sent after it are drawn again. The latencies of a block's copies
    /// come from the block's own stream (`consensus/relay`). Same distributions as the
    /// event-per-message model, different draws: runs agree with it statistically, not to the
    /// byte (`tests/first_arrival.rs` compares fork heights, reorgs, out-of-turn share and
    /// delivery delays).
    #[default]
    FirstArrival,
    /// Every copy is drawn (the event-per-message model's draws), and queued unless its
    /// receiver would ignore it whenever it arrived: the same runs, to the byte, as
    /// [`Propagation::EveryCopyQueued`], and slower than [`Propagation::FirstArrival`].
    EveryCopy,
    /// Every copy is drawn and queued: the event-per-message model itself, kept as the
    /// reference that [`Propagation::EveryCopy`] is tested against.
    EveryCopyQueued,
}

/// How nodes are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Topology {
    /// Every node sends its sealed blocks directly to every other node; nobody relays.
    #[default]
    FullMesh,
    /// A gossip overlay: a ring over all nodes plus `degree` random peers per node (from the
    /// seeded "consensus/topology" stream), plus a full mesh among validators if
    /// `validator_mesh`. A node relays a block to its peers when it adopts it as its head.
    Gossip {
        /// Random peers chosen by each node (links are undirected).
        degree: u32,
        /// Connect all validators directly to each other as well.
        validator_mesh: bool,
    },
}

/// A node named in faults and partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeRef {
    /// A validator node by id.
    Validator(ValidatorId),
    /// Full node number `i` (0-based).
    Full(u32),
}

/// A validator offline during `[start, end)`; `end = SimTime::MAX` is "for good".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offline {
    /// Who.
    pub node: NodeRef,
    /// From (inclusive).
    pub start: SimTime,
    /// Until (exclusive).
    pub end: SimTime,
}

/// Random crash/recover of every validator: up times exponential with mean `mtbf_ms`, down
/// times exponential with mean `mttr_ms`, from each validator's "consensus/faults" stream.
/// Downtime fraction ≈ mttr / (mtbf + mttr).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashRepair {
    /// Mean time between failures.
    pub mtbf_ms: u64,
    /// Mean time to repair.
    pub mttr_ms: u64,
}

/// A validator that broadcasts its sealed blocks `extra_ms` late (its timestamps are unchanged)
/// over `[start, end)`. A sealing attempt already scheduled when the window opens or closes
/// keeps its time; the next one follows the new delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slow {
    /// Who.
    pub validator: ValidatorId,
    /// Extra sealing delay.
    pub extra_ms: u64,
    /// From (`SimTime::ZERO`: from genesis).
    pub start: SimTime,
    /// Until (`SimTime::MAX`: for good).
    pub end: SimTime,
}

impl Slow {
    /// Slow for the whole run.
    pub fn always(validator: ValidatorId, extra_ms: u64) -> Self {
        Slow {
            validator,
            extra_ms,
            start: SimTime::ZERO,
            end: SimTime::MAX,
        }
    }
}

/// A network partition: while active, messages sent between nodes of different groups are
/// dropped (checked when a message is sent; messages already in flight arrive). Nodes in no
/// group form one more group; a node listed twice belongs to its first group. On healing, nodes
/// on different sides send each other their heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// The groups.
    pub groups: Vec<Vec<NodeRef>>,
    /// Start (inclusive).
    pub start: SimTime,
    /// End (exclusive): the heal time.
    pub end: SimTime,
}

/// All faults of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Faults {
    /// Offline intervals.
    pub offline: Vec<Offline>,
    /// Random crash/recover of validators.
    pub crash: Option<CrashRepair>,
    /// Random crash/recover of full nodes (their own rates; a crashed full node neither
    /// receives nor relays blocks, and catches up when it is repaired).
    pub full_node_crash: Option<CrashRepair>,
    /// Slow validators.
    pub slow: Vec<Slow>,
    /// Partitions (must not overlap in time).
    pub partitions: Vec<Partition>,
}

/// A consensus run's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusConfig {
    /// Every validator node (distinct ids, any order; nodes are indexed in ascending id order).
    pub validators: Vec<ValidatorId>,
    /// The genesis active set (SPEC §2.8), a subset of `validators`, ascending.
    pub genesis_set: Vec<ValidatorId>,
    /// Non-validating full nodes.
    pub full_nodes: u32,
    /// Link latency.
    pub latency: Latency,
    /// Topology.
    pub topology: Topology,
    /// Fork-choice tie rule.
    pub tie_break: TieBreak,
    /// Faults.
    pub faults: Faults,
    /// A node that comes back online waits this long for its peers' heads before it seals on
    /// its own (possibly stale) head.
    pub resync_ms: u64,
    /// How a full node gets the ancestors it lacks of a block it received.
    pub full_node_sync: AncestorSync,
    /// How a block travels a gossip overlay.
    pub propagation: Propagation,
    /// A day is emitted once the simulation is this far past its end (or at `finish`); the
    /// canonical chain is judged then.
    pub finality_lag_ms: u64,
    /// A day is "halted" if it holds a gap of at least this long without a canonical block.
    pub halt_gap_ms: u64,
    /// Blocks kept below the lowest node head (older blocks are dropped from the arena, their
    /// canonical figures folded into the totals first); `None` keeps every block (then
    /// [`crate::ConsensusSim::block`] can inspect the whole tree). Must cover
    /// `finality_lag_ms` plus one day of blocks at the 6 s period.
    pub prune_keep_blocks: Option<u64>,
    /// Most blocks sealed in one run (ids are `u32`).
    pub max_blocks: u64,
    /// Most pending events.
    pub max_pending_events: usize,
    /// Most events in one `run_until` call.
    pub max_events_per_run: u64,
}

impl ConsensusConfig {
    /// Defaults for `n` validators with ids 1..=n, all in the genesis set (n ≤ 21), full mesh,
    /// latency uniform 50–300 ms, no faults.
    pub fn with_validators(n: u32) -> Result<Self, ConfigError> {
        let validators: Vec<ValidatorId> = (1..=n).map(ValidatorId).collect();
        let cfg = ConsensusConfig {
            genesis_set: validators.clone(),
            validators,
            full_nodes: 0,
            latency: Latency::Uniform {
                min_ms: 50,
                max_ms: 300,
            },
            topology: Topology::FullMesh,
            tie_break: TieBreak::Coin,
            faults: Faults::default(),
            resync_ms: 2_000,
            full_node_sync: AncestorSync::RoundTrip,
            propagation: Propagation::FirstArrival,
            finality_lag_ms: sim_core::time::MS_PER_DAY,
            halt_gap_ms: 10 * BLOCK_PERIOD_MS,
            prune_keep_blocks: Some(3 * crate::types::BLOCKS_PER_DAY),
            max_blocks: u64::from(u32::MAX),
            max_pending_events: 50_000_000,
            max_events_per_run: u64::MAX,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Number of nodes (validators first, then full nodes).
    pub fn node_count(&self) -> usize {
        self.validators.len() + self.full_nodes as usize
    }

    /// The node index of `r` (validators in ascending id order, then full nodes), if it exists.
    pub fn node_index(&self, r: NodeRef) -> Option<usize> {
        let mut sorted = self.validators.clone();
        sorted.sort_unstable();
        match r {
            NodeRef::Validator(id) => sorted.binary_search(&id).ok(),
            NodeRef::Full(i) => (i < self.full_nodes).then(|| self.validators.len() + i as usize),
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut sorted = self.validators.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.is_empty()
            || sorted.len() != self.validators.len()
            || sorted.len() > MAX_VALIDATOR_NODES
        {
            return Err(ConfigError::Validators(self.validators.len()));
        }
        check_set(&self.genesis_set)?;
        if let Some(v) = self
            .genesis_set
            .iter()
            .find(|v| sorted.binary_search(v).is_err())
        {
            return Err(ConfigError::GenesisSet(format!(
                "{v} is not a validator node"
            )));
        }
        if self.full_nodes as usize > MAX_FULL_NODES {
            return Err(ConfigError::FullNodes(self.full_nodes as usize));
        }
        self.validate_latency()?;
        if let Topology::Gossip { degree, .. } = self.topology
            && (degree as usize >= self.node_count().max(1) || degree > 1_000)
        {
            return Err(ConfigError::Gossip(format!(
                "degree {degree} must be below the node count and at most 1000"
            )));
        }
        self.validate_faults()?;
        if self.max_blocks == 0 || self.max_blocks > u64::from(u32::MAX) {
            return Err(ConfigError::Limit("max_blocks must be 1..=u32::MAX"));
        }
        if self.max_pending_events == 0 || self.max_events_per_run == 0 {
            return Err(ConfigError::Limit("event limits must be positive"));
        }
        if let Some(keep) = self.prune_keep_blocks {
            let needed = self
                .finality_lag_ms
                .saturating_add(sim_core::time::MS_PER_DAY)
                / BLOCK_PERIOD_MS
                + 2;
            if keep < needed {
                return Err(ConfigError::Limit(
                    "prune_keep_blocks must cover finality_lag_ms plus one day of blocks",
                ));
            }
        }
        if self.halt_gap_ms == 0 {
            return Err(ConfigError::Limit("halt_gap_ms must be positive"));
        }
        Ok(())
    }

    fn validate_latency(&self) -> Result<(), ConfigError> {
        let bad = |s: String| Err(ConfigError::Latency(s));
        match &self.latency {
            Latency::Constant { ms } if *ms > MAX_LATENCY_MS => bad(format!("{ms} ms too large")),
            Latency::Uniform { min_ms, max_ms } if min_ms > max_ms || *max_ms > MAX_LATENCY_MS => {
                bad(format!("uniform [{min_ms}, {max_ms}]"))
            }
            Latency::ExponentialWithMin {
                min_ms,
                mean_extra_ms,
            } if *min_ms > MAX_LATENCY_MS || *mean_extra_ms > MAX_LATENCY_MS => {
                bad(format!("exponential min {min_ms} mean {mean_extra_ms}"))
            }
            Latency::LogNormal {
                median_ms,
                sigma_milli,
            } if *median_ms > MAX_LATENCY_MS || *sigma_milli > 5_000 => {
                bad(format!("log-normal median {median_ms} sigma {sigma_milli}"))
            }
            Latency::Regions(r) => {
                let k = r.matrix_ms.len();
                if k == 0
                    || k > usize::from(u16::MAX)
                    || r.matrix_ms.iter().any(|row| row.len() != k)
                {
                    return bad("region matrix must be square and non-empty".into());
                }
                if r.matrix_ms.iter().flatten().any(|&ms| ms > MAX_LATENCY_MS)
                    || r.jitter_ms > MAX_LATENCY_MS
                {
                    return bad("region latency too large".into());
                }
                if r.validator_regions.len() != self.validators.len() {
                    return bad("validator_regions must list every validator".into());
                }
                if r.validator_regions
                    .iter()
                    .chain(&r.full_node_regions)
                    .any(|&g| usize::from(g) >= k)
                {
                    return bad("region index out of range".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn validate_faults(&self) -> Result<(), ConfigError> {
        let f = &self.faults;
        for o in &f.offline {
            if self.node_index(o.node).is_none() || o.start >= o.end {
                return Err(ConfigError::Fault(format!("offline {:?}", o)));
            }
        }
        if let Some(c) = f.full_node_crash
            && (c.mtbf_ms == 0 || c.mttr_ms == 0)
        {
            return Err(ConfigError::Fault(
                "full-node crash rates must be positive".into(),
            ));
        }
        if let Some(c) = f.crash
            && (c.mtbf_ms == 0 || c.mttr_ms == 0)
        {
            return Err(ConfigError::Fault("crash rates must be positive".into()));
        }
        for s in &f.slow {
            if self.node_index(NodeRef::Validator(s.validator)).is_none()
                || s.extra_ms > MAX_LATENCY_MS
                || s.start >= s.end
            {
                return Err(ConfigError::Fault(format!("slow {:?}", s)));
            }
        }
        let mut spans: Vec<(SimTime, SimTime)> = Vec::new();
        for p in &f.partitions {
            if p.start >= p.end || p.groups.is_empty() {
                return Err(ConfigError::Partition("empty interval or no groups".into()));
            }
            if let Some(bad) = p
                .groups
                .iter()
                .flatten()
                .find(|r| self.node_index(**r).is_none())
            {
                return Err(ConfigError::Partition(format!("unknown node {bad:?}")));
            }
            spans.push((p.start, p.end));
        }
        spans.sort_unstable();
        if spans.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err(ConfigError::Partition("partitions overlap in time".into()));
        }
        Ok(())
    }
}
