//! consensus-model: Congress consensus (SPEC §2) and the system contracts (SPEC §3) on sim-core's engine.

pub mod contracts;
pub mod system;
pub mod types;

pub use system::{BlockContext, StaticSet, ValidatorSetSource};
pub use types::{
    BLOCK_PERIOD_MS, BLOCKS_PER_DAY, EPOCH_LENGTH, Height, MAX_ACTIVE_VALIDATORS, ValidatorId,
    is_epoch_block, recents_window,
};
