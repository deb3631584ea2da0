//! consensus-model: Congress consensus (SPEC §2) and the system contracts (SPEC §3) on sim-core's engine.
//!
//! Entry point: [`ConsensusConfig`] (validated) → [`ConsensusSim::new`] → `run_until` /
//! `run_blocks` → [`ConsensusSim::summary`] / [`ConsensusSim::finish`]. Observables stream to a
//! [`Recorder`] ([`DigestRecorder`], [`CountingRecorder`]). The turn-order and recents rules are
//! also available standalone in [`recents`] ([`verify_signers`]).

pub mod config;
pub mod contracts;
pub mod network;
pub mod pipeline;
pub mod queue;
pub mod recents;
pub mod record;
pub mod sim;
pub mod system;
pub mod types;
mod waves;

pub use config::{
    AncestorSync, ConfigError, ConsensusConfig, CrashRepair, Faults, Latency, NodeRef, Offline,
    Partition, Propagation, RegionLatency, Slow, TieBreak, Topology,
};
pub use pipeline::Pipelined;
pub use recents::{CompactRecents, HeaderError, Snapshot, verify_signers};
pub use record::{
    BlockId, BlockRecord, CountingRecorder, DayStats, DigestRecorder, NullRecorder, Recorder,
    ReorgRecord, ValidatorDay,
};
pub use sim::{BlockInfo, ConsensusError, ConsensusSim, Event, Summary, ValidatorStats};
pub use system::{BlockContext, EndBlockExecutor, StaticSet};
pub use types::{
    BLOCK_PERIOD_MS, BLOCKS_PER_DAY, EPOCH_LENGTH, Height, MAX_ACTIVE_VALIDATORS, ValidatorId,
    is_epoch_block, recents_window,
};
