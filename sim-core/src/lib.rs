//! sim-core: the deterministic foundation of dcfs-sim — integer time, an event queue ordered by
//! (time, insertion sequence), seeded ChaCha streams per (seed, domain, index), exact `u128` wei
//! amounts, pro-rata splitting and stable output digests.
//!
//! There is deliberately no generic run loop: each engine drives its own queue (consensus a
//! calendar queue property-tested against [`queue::EventQueue`]'s order, the economy this queue
//! between daily settlements), because their loops interleave with work a generic loop cannot
//! see (per-day settlement, pruning, streaming).
//!
//! **Ordering guarantee.** [`queue::EventQueue`] pops events in ascending time, and events
//! with equal time in the order they were scheduled. Nothing else (payload, address, hash)
//! influences the order.
//!
//! This crate does no IO (but for asking the OS its core count once, [`threads`]) and never
//! reads the wall clock; with the same inputs and seed, every
//! function returns the same values on every platform and thread count.

pub mod amount;
pub mod digest;
pub mod hint;
pub mod queue;
pub mod rng;
pub mod split;
pub mod threads;
pub mod time;

pub use amount::{Amount, AmountError, BPS_DENOMINATOR, WEI_PER_DCC};
pub use digest::{Digest, OutputDigest};
pub use queue::{EventKey, EventQueue, ScheduleError};
pub use rng::{Domain, RandomStream, Streams};
pub use split::{
    ProRata, split_into, split_pro_rata, split_remainder_to_last, split_remainder_to_last_into,
};
pub use time::SimTime;
