//! The file format: exactly what a scenario file may say, as serde types with SPEC defaults
//! filled in by serde. Every struct rejects unknown keys.
//!
//! Nothing here is validated, drawn at random or run; `validate` turns a document into
//! engine types. The format uses no engine configuration types: only plain values, and the two
//! plain-data enums of `economics` whose serde form *is* the file format (`AllocationId` as a key
//! of `[supply.allocations]`, `VestingSchedule`), which a mirror would only copy. A deserialized
//! and [`RawScenario::resolve`]d value is the fully resolved scenario recorded in run manifests.

mod amount;
mod chain;
mod economy;
mod events;
mod sweep;

pub use amount::RawAmount;
pub use chain::*;
pub use economy::*;
pub use events::*;
pub use sweep::*;

use std::collections::BTreeMap;

use economics::{AllocationId, VestingSchedule};
use serde::{Deserialize, Serialize};
use sim_core::Amount;

/// What a run simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The emission and vesting schedule only (SPEC §4.3, §6), one row a day.
    Schedule,
    /// The compute-power economy and campaign (SPEC §4–5) on an ideal chain: every day settles
    /// exactly at its boundary. Fit for multi-decade horizons.
    Economy,
    /// Congress consensus on a simulated network with the system contracts (SPEC §2–3).
    Consensus,
    /// Consensus, contracts and economy on one timeline: each day settles in the first block at
    /// or after its boundary; vote fees reach the validators.
    Coupled,
}

/// The whole scenario file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Name, seed, horizon, mode.
    #[serde(default)]
    pub run: RawRun,
    /// Supply, vesting and emission parameters (SPEC §4.3, §6).
    #[serde(default)]
    pub supply: RawSupply,
    /// Validators, network and faults (SPEC §2).
    #[serde(default)]
    pub consensus: RawConsensus,
    /// The system contracts and their behaviours (SPEC §3).
    #[serde(default)]
    pub contracts: RawContracts,
    /// The compute-power economy and super-node campaign (SPEC §4–5).
    #[serde(default)]
    pub economy: RawEconomy,
    /// What to write.
    #[serde(default)]
    pub outputs: RawOutputs,
    /// The timeline: shocks at given times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<RawEvent>,
    /// Parameter sweep and Monte Carlo seeds (only `dcfs-sim sweep` reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<RawSweep>,
    /// A threshold search over one key (only `dcfs-sim search` reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<RawSearch>,
}

/// `[run]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    /// A label for reports.
    #[serde(default = "default_name")]
    pub name: String,
    /// The run seed (Monte Carlo seeds of a sweep are `seed, seed+1, …`).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated days.
    #[serde(default = "default_horizon_days")]
    pub horizon_days: u64,
    /// What to simulate.
    #[serde(default = "default_mode")]
    pub mode: Mode,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            name: default_name(),
            seed: default_seed(),
            horizon_days: default_horizon_days(),
            mode: default_mode(),
        }
    }
}

fn default_name() -> String {
    "scenario".to_owned()
}
const fn default_seed() -> u64 {
    1
}
const fn default_horizon_days() -> u64 {
    365
}
const fn default_mode() -> Mode {
    Mode::Schedule
}

/// `[supply]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSupply {
    /// The mining pool at genesis.
    #[serde(default = "default_mining_pool")]
    pub mining_pool: RawAmount,
    /// Initial daily emission; default `floor(mining_pool / (2 · halving_period_days))`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e0: Option<RawAmount>,
    /// Days between halvings.
    #[serde(default = "default_halving_period_days")]
    pub halving_period_days: u64,
    /// Per-allocation overrides of size and schedule.
    #[serde(default)]
    pub allocations: BTreeMap<AllocationId, RawAllocation>,
}

impl Default for RawSupply {
    fn default() -> Self {
        RawSupply {
            mining_pool: default_mining_pool(),
            e0: None,
            halving_period_days: default_halving_period_days(),
            allocations: BTreeMap::new(),
        }
    }
}

fn default_mining_pool() -> RawAmount {
    RawAmount(economics::MINING_POOL)
}
const fn default_halving_period_days() -> u64 {
    economics::HALVING_PERIOD_DAYS
}

/// `[supply.allocations.<name>]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllocation {
    /// Size of the allocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<RawAmount>,
    /// Vesting schedule: `{ kind = "liquid_at_genesis" }`,
    /// `{ kind = "cliff_linear", cliff_days = 180, duration_days = 180 }` or
    /// `{ kind = "annual_rate", bps_per_year = 1500, start_day = 0 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<VestingSchedule>,
}

/// `[outputs]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutputs {
    /// Write the daily table.
    #[serde(default = "yes")]
    pub daily: bool,
    /// Write per-node totals (economy modes).
    #[serde(default = "yes")]
    pub nodes: bool,
    /// Write per-voter totals (economy modes).
    #[serde(default = "yes")]
    pub voters: bool,
    /// Sample the Gini and Nakamoto coefficients of node rewards (economy modes) and of
    /// validator stake (chain modes) every N settled days (0 = neither table). Weekly by
    /// default: each sample sorts every node's rewards, which daily costs about half again the
    /// settlement time of a 5,000-node economy (BENCHMARKS.md).
    #[serde(default = "seven")]
    pub inequality_every_days: u64,
    /// Write every node's figures every N settled days (economy modes; 0 = no `node_daily`
    /// table: it has nodes × days / N rows).
    #[serde(default)]
    pub node_daily_every_days: u64,
    /// Keep every N-th sealed block in `blocks.csv` (0 = no block table; chain modes).
    #[serde(default)]
    pub blocks_every: u64,
    /// Write the contracts' per-epoch validator records and event log (chain modes).
    #[serde(default = "yes")]
    pub contracts: bool,
    /// Keep the per-block fee distribution events in the event log (one per block; off by
    /// default so memory does not grow with every block — income is in the epoch records).
    #[serde(default)]
    pub fee_events: bool,
    /// Write per-term election results (economy modes).
    #[serde(default = "yes")]
    pub elections: bool,
}

impl Default for RawOutputs {
    fn default() -> Self {
        RawOutputs {
            daily: true,
            nodes: true,
            voters: true,
            inequality_every_days: 7,
            node_daily_every_days: 0,
            blocks_every: 0,
            contracts: true,
            fee_events: false,
            elections: true,
        }
    }
}

const fn yes() -> bool {
    true
}

const fn seven() -> u64 {
    7
}

impl RawScenario {
    /// Fills every default a file may omit (all nine allocations, E0), so that serializing the
    /// result records the complete parameter set of a run.
    pub fn resolve(&mut self) {
        self.fill_allocations();
        if self.supply.e0.is_none() && self.supply.halving_period_days > 0 {
            let days = u128::from(self.supply.halving_period_days) * 2;
            self.supply.e0 = Some(RawAmount(Amount::from_wei(
                self.supply.mining_pool.0.wei() / days,
            )));
        }
    }

    /// Fills the size and schedule of every allocation the file did not override, so a sweep can
    /// vary one field of a schedule. (E0 stays derived from the pool and halving period unless
    /// the file sets it, so sweeping the period keeps the series summing to the pool.)
    pub fn fill_allocations(&mut self) {
        for id in AllocationId::ALL {
            let (total, schedule) = id.spec_default();
            let entry = self.supply.allocations.entry(id).or_insert(RawAllocation {
                total: None,
                schedule: None,
            });
            entry.total.get_or_insert(RawAmount(total));
            entry.schedule.get_or_insert(schedule);
        }
    }
}
