//! Every limit a scenario can reach, in one place: the scenario's own bounds are defined here,
//! the engines' bounds are imported from the engine crates (never copied), and `validate` checks
//! each of them with file:line:key, so a scenario that validates never fails at run time on a
//! count, a horizon or a size. README.md and scenarios/README.md quote these figures.

use economics::economy::EconomyLimits;

/// The largest scenario file accepted, counted in bytes actually read (pipes and devices too).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The largest seed (TOML's integer range).
pub const MAX_SEED: u64 = i64::MAX as u64;

/// The longest horizon of the schedule mode and of `dcfs-sim emission` (about 2,700 years).
pub const MAX_SCHEDULE_DAYS: u64 = 1_000_000;
/// The longest horizon of the economy mode: the economy engine's own day limit.
pub const MAX_ECONOMY_DAYS: u64 = EconomyLimits::DEFAULT.max_days;
/// The longest horizon of the chain modes (every block is simulated): 10 years.
pub const MAX_CHAIN_DAYS: u64 = 3_650;

/// Validator nodes (active or waiting) one chain may have: consensus-model's limit.
pub const MAX_VALIDATOR_NODES: u32 = consensus_model::config::MAX_VALIDATOR_NODES as u32;
/// The genesis active set: at most the protocol's 21.
pub const MAX_GENESIS_VALIDATORS: u32 = consensus_model::MAX_ACTIVE_VALIDATORS as u32;
/// Full nodes: consensus-model's limit.
pub const MAX_FULL_NODES: u32 = consensus_model::config::MAX_FULL_NODES as u32;
/// Random stakers of all staker groups together.
pub const MAX_STAKERS: u64 = 100_000;

/// Compute nodes of all node groups together (each node has its own operator): the economy's limit.
pub const MAX_NODES: u64 = EconomyLimits::DEFAULT.max_nodes as u64;
/// Voters of all voter groups together: the economy's limit.
pub const MAX_VOTERS: u64 = EconomyLimits::DEFAULT.max_voters as u64;

/// Transactions the timeline's contract events send, all events together (a `stake` from a
/// whole staker group counts one per staker): bounds what the run holds in memory.
pub const MAX_TIMELINE_TXS: u64 = 1_000_000;

/// Longest stability lump period (`economy.readings.stability_lump_days`): ten years, far
/// past what the paper's "periodically" suggests.
pub const MAX_STABILITY_LUMP_DAYS: u64 = 3_650;

/// Monte Carlo seeds per sweep point.
pub const MAX_SEEDS: u64 = 100_000;
/// Runs one sweep may expand to (points × seeds).
pub const MAX_SWEEP_RUNS: u64 = 1_000_000;
/// Worker threads of a sweep.
pub const MAX_THREADS: u64 = 1_024;

/// Rows one streamed table may have (a run exceeding it stops with an error naming the table;
/// for blocks, raise `outputs.blocks_every`).
pub const MAX_STREAMED_ROWS: u64 = 500_000_000;
/// The most rows handed to a sink in one batch.
pub const BATCH_ROWS: usize = 16_384;
/// Contract events and epoch records held between two takes of the records (a simulated day);
/// the rest are counted as dropped (`contract_events_dropped` in the summary).
pub const MAX_CONTRACT_RECORDS: usize = 2_000_000;
/// Sampled block rows held while they wait for their canonical verdict; more are counted as
/// dropped. Pruning keeps the wait to a few simulated days.
pub const MAX_BLOCK_ROWS: usize = 2_000_000;
