//! Validation: a resolved [`RawScenario`] becomes a [`Scenario`] of strong engine types, or an
//! [`Issue`] naming the key path, what is wrong and what is allowed.

use economics::{EmissionSchedule, SupplyParams};

use crate::error::ErrorKind;
use crate::raw::{Mode, RawScenario};

/// The longest horizon a run accepts (about 2,700 years).
pub const MAX_HORIZON_DAYS: u64 = 1_000_000;
/// The longest horizon of the chain modes (every block is simulated): 10 years.
pub const MAX_CHAIN_HORIZON_DAYS: u64 = 3_650;
/// The largest seed (TOML's integer range).
pub const MAX_SEED: u64 = i64::MAX as u64;
/// The most Monte Carlo seeds per sweep point.
pub const MAX_SEEDS: u64 = 100_000;
/// The most runs one sweep may expand to.
pub const MAX_SWEEP_RUNS: u64 = 1_000_000;

/// A validation failure before a location is attached (the loader finds the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Error class.
    pub kind: ErrorKind,
    /// Dotted key path.
    pub key_path: String,
    /// What is wrong.
    pub message: String,
    /// What is allowed.
    pub help: Option<String>,
}

impl Issue {
    /// An issue at `key_path` with a hint of what is allowed.
    pub(crate) fn new(kind: ErrorKind, key_path: &str, message: String, help: &str) -> Self {
        Issue {
            kind,
            key_path: key_path.to_owned(),
            message,
            help: Some(help.to_owned()),
        }
    }
}

/// What to write for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// The daily table.
    pub daily: bool,
    /// Per-node totals.
    pub nodes: bool,
    /// Keep every N-th block (0 = none).
    pub blocks_every: u64,
    /// Contracts' validator records and events.
    pub contracts: bool,
    /// Keep per-block fee distribution events.
    pub fee_events: bool,
    /// Per-term election results.
    pub elections: bool,
}

/// A validated scenario: only engine types, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Label.
    pub name: String,
    /// Run seed.
    pub seed: u64,
    /// Simulated days (≥ 1).
    pub horizon_days: u64,
    /// What to simulate.
    pub mode: Mode,
    /// Supply, vesting and emission.
    pub supply: SupplyParams,
    /// The economy (economy and coupled modes).
    pub economy: Option<economics::economy::EconomyConfig>,
    /// Consensus (chain modes).
    pub consensus: Option<consensus_model::ConsensusConfig>,
    /// The contracts (chain modes).
    pub contracts: Option<crate::chain::ContractsSetup>,
    /// What to write.
    pub outputs: Outputs,
}

/// Checks every field and cross-field rule of a resolved raw scenario.
pub fn validate(raw: &RawScenario) -> Result<Scenario, Issue> {
    let run = &raw.run;
    if !(1..=MAX_HORIZON_DAYS).contains(&run.horizon_days) {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "run.horizon_days",
            format!("horizon must be at least 1 day, got {}", run.horizon_days),
            &format!("allowed: 1 to {MAX_HORIZON_DAYS} days"),
        ));
    }
    let seeds = raw.sweep.as_ref().map_or(1, |s| s.seeds.max(1));
    if run
        .seed
        .checked_add(seeds - 1)
        .is_none_or(|last| last > MAX_SEED)
    {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "run.seed",
            format!(
                "seed {} (plus {} Monte Carlo seeds) exceeds {MAX_SEED}",
                run.seed,
                seeds - 1
            ),
            "seeds are 0 to 9223372036854775807 (TOML's integer range)",
        ));
    }
    let supply = &raw.supply;
    let Some(e0) = supply.e0 else {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "supply.halving_period_days",
            "halving period must be at least 1 day, got 0".to_owned(),
            "allowed: 1 or more days (SPEC default 2190)",
        ));
    };
    let emission = EmissionSchedule::new(e0.0, supply.halving_period_days).ok_or_else(|| {
        Issue::new(
            ErrorKind::OutOfRange,
            "supply.halving_period_days",
            "halving period must be at least 1 day, got 0".to_owned(),
            "allowed: 1 or more days (SPEC default 2190)",
        )
    })?;
    let mut parts = economics::AllocationId::ALL.map(|id| id.spec_default());
    for (slot, id) in parts.iter_mut().zip(economics::AllocationId::ALL) {
        if let Some(a) = supply.allocations.get(&id) {
            if let Some(t) = a.total {
                slot.0 = t.0;
            }
            if let Some(s) = a.schedule {
                s.validate().map_err(|m| {
                    Issue::new(
                        ErrorKind::OutOfRange,
                        &format!("supply.allocations.{id}.schedule"),
                        m,
                        "bps_per_year is 1..=10000 (1500 = 15% a year)",
                    )
                })?;
                slot.1 = s;
            }
        }
    }
    let supply_params = SupplyParams::new(parts, supply.mining_pool.0, emission).map_err(|e| {
        Issue::new(
            ErrorKind::CrossField,
            "supply",
            e.to_string(),
            "the nine allocations plus supply.mining_pool must sum to exactly 500000000 DCC",
        )
    })?;
    if let Some(sweep) = &raw.sweep {
        validate_sweep_shape(sweep)?;
    }
    let economy = match run.mode {
        Mode::Schedule | Mode::Consensus => None,
        Mode::Economy | Mode::Coupled => Some(crate::economy::to_engine(
            &raw.economy,
            &supply_params,
            run.seed,
            run.horizon_days,
        )?),
    };
    let (consensus, contracts) = match run.mode {
        Mode::Schedule | Mode::Economy => (None, None),
        Mode::Consensus | Mode::Coupled => {
            if run.horizon_days > MAX_CHAIN_HORIZON_DAYS {
                return Err(Issue::new(
                    ErrorKind::OutOfRange,
                    "run.horizon_days",
                    format!("{} days of full consensus", run.horizon_days),
                    &format!(
                        "chain modes simulate every block: at most {MAX_CHAIN_HORIZON_DAYS} days (use mode = \"economy\" for longer horizons)"
                    ),
                ));
            }
            let c = crate::chain::consensus_to_engine(&raw.consensus)?;
            let k = crate::chain::contracts_to_engine(&raw.contracts, &raw.consensus)?;
            (Some(c), Some(k))
        }
    };
    Ok(Scenario {
        name: run.name.clone(),
        seed: run.seed,
        horizon_days: run.horizon_days,
        mode: run.mode,
        supply: supply_params,
        economy,
        consensus,
        contracts,
        outputs: Outputs {
            daily: raw.outputs.daily,
            nodes: raw.outputs.nodes,
            blocks_every: raw.outputs.blocks_every,
            contracts: raw.outputs.contracts,
            fee_events: raw.outputs.fee_events,
            elections: raw.outputs.elections,
        },
    })
}

fn validate_sweep_shape(sweep: &crate::raw::RawSweep) -> Result<(), Issue> {
    if !(1..=MAX_SEEDS).contains(&sweep.seeds) {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "sweep.seeds",
            format!("seeds per point must be at least 1, got {}", sweep.seeds),
            &format!("allowed: 1 to {MAX_SEEDS}"),
        ));
    }
    for (table, entries) in [("grid", &sweep.grid), ("zip", &sweep.zip)] {
        for (key, values) in entries {
            if values.is_empty() {
                return Err(Issue::new(
                    ErrorKind::OutOfRange,
                    &format!("sweep.{table}.{key}"),
                    "an empty list of values".to_owned(),
                    "give at least one value",
                ));
            }
            if key == "sweep" || key.starts_with("sweep.") || key.split('.').any(str::is_empty) {
                return Err(Issue::new(
                    ErrorKind::OutOfRange,
                    &format!("sweep.{table}.{key}"),
                    format!("`{key}` is not a parameter path"),
                    "a dotted path to a scenario key, e.g. \"supply.halving_period_days\"",
                ));
            }
        }
    }
    let mut lengths = sweep.zip.iter().map(|(k, v)| (k, v.len()));
    if let Some((first_key, first_len)) = lengths.next()
        && let Some((k, len)) = lengths.find(|(_, l)| *l != first_len)
    {
        return Err(Issue::new(
            ErrorKind::CrossField,
            &format!("sweep.zip.{k}"),
            format!("has {len} values but `{first_key}` has {first_len}"),
            "zipped lists must all have the same length",
        ));
    }
    let points = sweep
        .grid
        .values()
        .try_fold(1_u64, |acc, v| acc.checked_mul(v.len() as u64))
        .and_then(|g| g.checked_mul(sweep.zip.values().next().map_or(1, |v| v.len() as u64)))
        .and_then(|p| p.checked_mul(sweep.seeds));
    match points {
        Some(n) if n <= MAX_SWEEP_RUNS => Ok(()),
        _ => Err(Issue::new(
            ErrorKind::OutOfRange,
            "sweep",
            "the sweep expands to too many runs".to_owned(),
            &format!("at most {MAX_SWEEP_RUNS} runs (points × seeds)"),
        )),
    }
}
