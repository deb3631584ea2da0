//! economics: the DCFS token economy — the fixed 500M supply in buckets (SPEC §6–7), vesting
//! schedules, mining-pool emission with halving (SPEC §4.3), and the accounting invariant.
//!
//! Money is [`sim_core::Amount`] (u128 wei, checked arithmetic); rates are basis points.

pub mod economy;
pub mod emission;
pub mod ledger;
pub mod supply;
pub mod timeline;
pub mod vesting;

pub use emission::{DEFAULT_E0, EmissionSchedule, HALVING_PERIOD_DAYS, MINING_POOL};
pub use ledger::{Bucket, LedgerError, SupplyLedger};
pub use supply::{Allocation, AllocationId, SupplyError, SupplyParams, TOTAL_SUPPLY};
pub use timeline::{SUPPLY_DAY_COLUMNS, SupplyDay, SupplyTimeline, allocation_column};
pub use vesting::VestingSchedule;
