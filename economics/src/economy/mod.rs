//! The compute-power economy and super-node campaign (SPEC §4–5, §7): compute nodes with
//! pledges, outages and penalties; daily settlement of the halving emission; the campaign with
//! voter agents; agent accounts reconciled with the supply ledger every simulated day.
//!
//! Entry points: [`EconomyConfig`] (validated, SPEC defaults), [`Economy::new`],
//! [`Economy::settle_day`] (chain layer) or [`Economy::run_ideal`] (settles exactly at each
//! boundary), and an [`EconomyRecorder`] receiving [`DayRow`]s and [`TermResult`]s.

pub mod campaign;
pub mod config;
mod divide;
pub mod nodes;
pub mod record;
pub mod sim;

#[cfg(test)]
mod tests;

pub use config::{
    AdoptionModel, CampaignConfig, ClearingRule, ConfigError, EconomyConfig, EconomyLimits,
    FailureModel, ForfeitSink, MS_PER_HOUR, NodeSpec, OperatorSpec, PenaltyConfig, PledgeBasis,
    PledgeRounding, PowerKind, PowerWeight, PreElectionRule, RepledgePolicy, ScheduledOutage,
    SplitBps, VoterSpec, VoterStrategy,
};
pub use record::{
    CandidateResult, DayRow, EconomyRecorder, NodeStatus, NodeTotals, NullRecorder, TermResult,
    VecRecorder,
};
pub use sim::{Economy, EconomyError, FOUNDATION_ACCOUNT};
