//! Validation: a pure function of the resolved document. Every rule is checked here once, with
//! the engines' own limits (imported through [`crate::limits`]), and the result is a [`Spec`]:
//! engine parameters plus validated *population descriptions*. No agent is drawn here — the seed
//! is a number in the spec, and only `build` turns it into randomness — so a document is
//! valid or not whatever its seed, and a valid one never fails at run time on a limit.

mod chain;
mod economy;
mod events;
mod supply;
mod sweep;

pub use chain::{ChainSpec, ContractsSpec, DrawnOffline, StakerGroup};
pub use economy::{Draw, EconomySpec, NodeGroup, NodeRow, VoterGroup};
pub use events::{ContractAction, NodeShock, Pick, Senders, ShockKind};

use economics::SupplyParams;

use crate::error::Issue;
use crate::format::{Mode, RawScenario};
use crate::limits::{MAX_CHAIN_DAYS, MAX_ECONOMY_DAYS, MAX_SCHEDULE_DAYS, MAX_SEED};

/// What to write for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// The daily table.
    pub daily: bool,
    /// Per-node totals.
    pub nodes: bool,
    /// Per-voter totals.
    pub voters: bool,
    /// Reward inequality every N days (0 = none).
    pub inequality_every_days: u64,
    /// Per-node rows every N days (0 = none).
    pub node_daily_every_days: u64,
    /// Keep every N-th block (0 = none).
    pub blocks_every: u64,
    /// Contracts' validator records and events.
    pub contracts: bool,
    /// Keep per-block fee distribution events.
    pub fee_events: bool,
    /// Per-term election results.
    pub elections: bool,
}

/// The engines a mode runs, each with its validated configuration: a mode cannot lack the
/// configuration it needs.
// One Spec exists per run and is read, never copied in a loop: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engines {
    /// The emission and vesting schedule only.
    Schedule,
    /// The compute-power economy on an ideal chain.
    Economy(EconomySpec),
    /// Consensus with the system contracts.
    Consensus(ChainSpec),
    /// Consensus, contracts and economy on one timeline.
    Coupled {
        /// The chain.
        chain: ChainSpec,
        /// The economy.
        economy: EconomySpec,
    },
}

/// A validated scenario. Only [`validate`] makes one; `build` turns it into engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    name: String,
    seed: u64,
    horizon_days: u64,
    supply: SupplyParams,
    outputs: Outputs,
    engines: Engines,
}

impl Spec {
    /// Label for reports.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The run seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Simulated days (≥ 1).
    pub fn horizon_days(&self) -> u64 {
        self.horizon_days
    }
    /// Supply, vesting and emission.
    pub fn supply(&self) -> &SupplyParams {
        &self.supply
    }
    /// What to write.
    pub fn outputs(&self) -> &Outputs {
        &self.outputs
    }
    /// The engines and their configuration.
    pub fn engines(&self) -> &Engines {
        &self.engines
    }
    /// The mode the engines implement.
    pub fn mode(&self) -> Mode {
        match self.engines {
            Engines::Schedule => Mode::Schedule,
            Engines::Economy(_) => Mode::Economy,
            Engines::Consensus(_) => Mode::Consensus,
            Engines::Coupled { .. } => Mode::Coupled,
        }
    }
    /// Sets the seed (validated by the caller to be at most [`MAX_SEED`]).
    pub(crate) fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }
}

/// Checks every field and cross-field rule of a resolved document.
pub fn validate(raw: &RawScenario) -> Result<Spec, Issue> {
    check_horizon(raw.run.mode, raw.run.horizon_days)?;
    check_seed(raw)?;
    let supply = supply::supply(&raw.supply)?;
    if let Some(s) = &raw.sweep {
        sweep::sweep_shape(s, raw.run.seed)?;
        if let Some(sample) = &s.sample {
            sweep::sample_metrics(sample, raw.run.mode)?;
        }
    }
    if let Some(s) = &raw.search {
        crate::search::Search::new(s, raw.run.mode, raw.run.seed)?;
    }
    let days = raw.run.horizon_days;
    events::check_modes(raw)?;
    let economy_with_shocks = || -> Result<EconomySpec, Issue> {
        let mut e = economy::economy(&raw.economy, &supply)?;
        let adoption = |g: usize| {
            e.node_groups[g]
                .adoption
                .clone()
                .unwrap_or_else(|| e.params.adoption.clone())
        };
        e.shocks = events::node_shocks(raw, &adoption)?;
        events::campaign_timeline(raw, &mut e)?;
        Ok(e)
    };
    let chain_with_events = || -> Result<ChainSpec, Issue> {
        let mut chain = chain::chain(&events::with_chain_events(raw)?, &raw.contracts)?;
        events::contract_timeline(raw, &mut chain.contracts)?;
        chain.drawn_offline = events::drawn_offline(raw);
        Ok(chain)
    };
    let engines = match raw.run.mode {
        Mode::Schedule => Engines::Schedule,
        Mode::Economy => {
            let economy = economy_with_shocks()?;
            economy.check_funding(None)?;
            Engines::Economy(economy)
        }
        Mode::Consensus => {
            let chain = chain_with_events()?;
            chain.contracts.check_within_supply()?;
            Engines::Consensus(chain)
        }
        Mode::Coupled => {
            let chain = chain_with_events()?;
            let economy = economy_with_shocks()?;
            economy.check_funding(Some(&chain.contracts))?;
            Engines::Coupled { chain, economy }
        }
    };
    let o = &raw.outputs;
    Ok(Spec {
        name: raw.run.name.clone(),
        seed: raw.run.seed,
        horizon_days: days,
        supply,
        outputs: Outputs {
            daily: o.daily,
            nodes: o.nodes,
            voters: o.voters,
            inequality_every_days: o.inequality_every_days,
            node_daily_every_days: o.node_daily_every_days,
            blocks_every: o.blocks_every,
            contracts: o.contracts,
            fee_events: o.fee_events,
            elections: o.elections,
        },
        engines,
    })
}

/// The longest horizon of `mode`.
pub const fn max_horizon_days(mode: Mode) -> u64 {
    match mode {
        Mode::Schedule => MAX_SCHEDULE_DAYS,
        Mode::Economy => MAX_ECONOMY_DAYS,
        Mode::Consensus | Mode::Coupled => MAX_CHAIN_DAYS,
    }
}

fn check_horizon(mode: Mode, days: u64) -> Result<(), Issue> {
    let max = max_horizon_days(mode);
    if days == 0 {
        return Err(Issue::range(
            "run.horizon_days",
            "horizon must be at least 1 day, got 0",
            &format!("allowed: 1 to {max} days"),
        ));
    }
    if days > max {
        let why = match mode {
            Mode::Schedule => "the schedule's limit".to_owned(),
            Mode::Economy => "the economy engine's day limit".to_owned(),
            Mode::Consensus | Mode::Coupled => {
                "chain modes simulate every block (use mode = \"economy\" for longer horizons)"
                    .to_owned()
            }
        };
        return Err(Issue::range(
            "run.horizon_days",
            format!("the horizon is too long: {days} days"),
            &format!("allowed: 1 to {max} days in {mode:?} mode: {why}"),
        ));
    }
    Ok(())
}

fn check_seed(raw: &RawScenario) -> Result<(), Issue> {
    let seeds = raw.sweep.as_ref().map_or(1, |s| s.seeds.max(1));
    let seed = raw.run.seed;
    if seed
        .checked_add(seeds - 1)
        .is_none_or(|last| last > MAX_SEED)
    {
        return Err(Issue::range(
            "run.seed",
            format!(
                "seed {seed} (plus {} Monte Carlo seeds) exceeds {MAX_SEED}",
                seeds - 1
            ),
            "seeds are 0 to 9223372036854775807 (TOML's integer range)",
        ));
    }
    Ok(())
}
