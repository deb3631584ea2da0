//! `[economy]` as a file says it: the compute-power economy and super-node campaign (SPEC §4–5)
//! with SPEC defaults, plus node and voter *populations* (counts and integer distributions) that
//! `build` expands into agents from the seed.

use economics::economy::{CampaignConfig, EconomyConfig, MS_PER_HOUR, PenaltyConfig, SplitBps};
use serde::{Deserialize, Serialize};
use sim_core::Amount;

use super::RawAmount;

/// An integer that is either fixed or drawn per agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntDist {
    /// The same value for every agent.
    Constant(u64),
    /// A distribution.
    Drawn(Dist),
}

/// Integer distributions (sampled with exact integer arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lowest value.
        low: u64,
        /// Highest value.
        high: u64,
    },
    /// Log-uniform on `[low, high]` (uniform exponent in powers of two, then uniform within the
    /// octave): heavy-tailed sizes such as mining power. `low ≥ 1`.
    LogUniform {
        /// Lowest value (≥ 1).
        low: u64,
        /// Highest value.
        high: u64,
    },
}

/// `[economy]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEconomy {
    /// Daily split of E(d) in basis points (SPEC §4.4).
    pub split_bps: RawSplit,
    /// Weight of ETHASH power as an integer ratio `[num, den]` (default `[1, 1]`).
    pub weight_ethash: [u64; 2],
    /// Weight of fixed-resource power `[num, den]` (default `[1, 1]`).
    pub weight_fixed: [u64; 2],
    /// Power per pledge unit ("1M" = 1,000,000).
    pub power_unit: u64,
    /// Pledge per unit of power (16 DCC).
    pub pledge_per_unit: RawAmount,
    /// Pledge lock in days (180).
    pub pledge_lock_days: u64,
    /// `standardised` (default) or `raw` power is pledged for.
    pub pledge_basis: RawPledgeBasis,
    /// `pro_rata_ceil` (default) or `whole_units`.
    pub pledge_rounding: RawPledgeRounding,
    /// `immediately` (default: re-pledge at term end) or `never`.
    pub repledge: RawRepledge,
    /// Before the first super-node term: `burn_all` (default), `burn_would_be_paid`, `pay_normally`.
    pub pre_election: RawPreElection,
    /// Pre-election rule ends when the first voting opens instead of when the first term starts.
    pub pre_election_ends_at_voting_open: bool,
    /// Super-node extra to `every_elected` (default, online or not) or `active_only`.
    pub super_node_extra: RawExtraRule,
    /// Default daily adoption rate of every node.
    pub adoption: RawAdoption,
    /// Check the SPEC §7 invariant every N days (1 = every day).
    pub invariant_check_interval_days: u64,
    /// Outage penalties (SPEC §4.5).
    pub penalties: RawPenalties,
    /// SPEC §4.5's selectable paper readings (all off by default).
    pub readings: RawReadings,
    /// Super-node campaign (SPEC §5).
    pub campaign: RawCampaign,
    /// Compute-node populations.
    pub node_groups: Vec<RawNodeGroup>,
    /// Voter populations.
    pub voter_groups: Vec<RawVoterGroup>,
}

impl Default for RawEconomy {
    fn default() -> Self {
        let d = EconomyConfig::default();
        RawEconomy {
            split_bps: RawSplit::default(),
            weight_ethash: [d.weight_ethash.num, d.weight_ethash.den],
            weight_fixed: [d.weight_fixed.num, d.weight_fixed.den],
            power_unit: d.power_unit,
            pledge_per_unit: RawAmount(d.pledge_per_unit),
            pledge_lock_days: d.pledge_lock_days,
            pledge_basis: RawPledgeBasis::Standardised,
            pledge_rounding: RawPledgeRounding::ProRataCeil,
            repledge: RawRepledge::Immediately,
            pre_election: RawPreElection::BurnAll,
            pre_election_ends_at_voting_open: d.pre_election_ends_at_voting_open,
            super_node_extra: RawExtraRule::EveryElected,
            adoption: RawAdoption::Constant { bps: 10_000 },
            invariant_check_interval_days: d.invariant_check_interval_days,
            penalties: RawPenalties::default(),
            readings: RawReadings::default(),
            campaign: RawCampaign::default(),
            node_groups: Vec::new(),
            voter_groups: Vec::new(),
        }
    }
}

/// `[economy.split_bps]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSplit {
    /// Basic reward (6,400).
    pub basic: u32,
    /// Stability reward (2,000).
    pub stability: u32,
    /// Super-node extra (640).
    pub extra: u32,
    /// Election reward (960).
    pub election: u32,
    /// Super nodes' share of the election reward (2,000; voters get the rest).
    pub election_super_node_share: u32,
}

impl Default for RawSplit {
    fn default() -> Self {
        let s = SplitBps::default();
        RawSplit {
            basic: s.basic,
            stability: s.stability,
            extra: s.extra,
            election: s.election,
            election_super_node_share: s.election_super_node_share,
        }
    }
}

/// Pledge basis.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPledgeBasis {
    Standardised,
    Raw,
}

/// Pledge rounding.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPledgeRounding {
    ProRataCeil,
    WholeUnits,
}

/// Re-pledge policy.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawRepledge {
    Immediately,
    Never,
}

/// Pre-election rule.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPreElection {
    BurnAll,
    BurnWouldBePaid,
    PayNormally,
}

/// Which super nodes receive the extra reward.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawExtraRule {
    EveryElected,
    ActiveOnly,
}

/// Candidate ranking when voting opens.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawCandidateRanking {
    StandardisedPower,
    PreviousDayEffectivePower,
}

/// Adoption rate model (basis points, 0..=10,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawAdoption {
    /// The same rate every day.
    Constant {
        /// Rate in bps.
        bps: u32,
    },
    /// A fresh uniform draw per node and day.
    UniformDaily {
        /// Lowest rate.
        low_bps: u32,
        /// Highest rate.
        high_bps: u32,
    },
    /// One rate per day; the last repeats.
    Series {
        /// Rates in bps.
        bps: Vec<u32>,
    },
}

/// Clearing rule.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawClearing {
    TopUpOrClear,
    ClearWhenExhausted,
    ClearBelowRequirement,
}

/// Forfeit sink.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawSink {
    Burn,
    MiningPool,
}

/// `[economy.penalties]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPenalties {
    /// Reported outages up to this long cost nothing (24 h).
    pub grace_hours: u64,
    /// First forfeit this long into an outage (24 h; 48 for the "daily afterwards" reading).
    pub first_forfeit_hours: u64,
    /// Further forfeits every this many hours while down (24).
    pub forfeit_interval_hours: u64,
    /// Days of reference reward per forfeit (3).
    pub forfeit_days: u32,
    /// Online days averaged for the reference reward (7).
    pub reference_window_days: u32,
    /// Short but unreported outages cost one forfeit (true).
    pub unreported_short_outage_forfeits: bool,
    /// The reference reward also counts super-node rewards (false).
    pub reference_includes_super_node_rewards: bool,
    /// Any outage forfeits the whole pledge (the paper's 5.5 item 4 read strictly; false).
    pub any_outage_forfeits_whole_pledge: bool,
    /// `top_up_or_clear` (default), `clear_when_exhausted`, `clear_below_requirement`.
    pub clearing: RawClearing,
    /// `burn` (default) or `mining_pool`.
    pub sink: RawSink,
}

impl Default for RawPenalties {
    fn default() -> Self {
        let p = PenaltyConfig::default();
        RawPenalties {
            grace_hours: p.grace_ms / MS_PER_HOUR,
            first_forfeit_hours: p.first_forfeit_ms / MS_PER_HOUR,
            forfeit_interval_hours: p.forfeit_interval_ms / MS_PER_HOUR,
            forfeit_days: p.forfeit_days,
            reference_window_days: p.reference_window_days,
            unreported_short_outage_forfeits: p.unreported_short_outage_forfeits,
            reference_includes_super_node_rewards: p.reference_includes_super_node_rewards,
            any_outage_forfeits_whole_pledge: p.any_outage_forfeits_whole_pledge,
            clearing: RawClearing::TopUpOrClear,
            sink: RawSink::Burn,
        }
    }
}

/// `[economy.readings]`: SPEC §4.5's selectable readings of the paper, each off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawReadings {
    /// Bps of the required pledge deducted per whole offline hour (paper 3.7.5; 0: off).
    pub offline_deduction_bps_per_hour: u32,
    /// The hourly deduction replaces the 3-day forfeits instead of adding to them.
    pub offline_deduction_replaces_forfeits: bool,
    /// Bps of the pledge deducted when a reported outage starts (paper 5.3.1; 0: off).
    pub error_penalty_bps: u32,
    /// Stability paid in a lump every this many days (paper 5.3.1 item 3; 0: daily).
    pub stability_lump_days: u64,
    /// `power` (default) or `power_times_adoption` (paper 5.3.1 item 2).
    pub basic_weight: RawBasicWeight,
}

/// What the basic reward is shared by.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawBasicWeight {
    #[default]
    Power,
    PowerTimesAdoption,
}

/// `[economy.campaign]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCampaign {
    /// Pledged nodes that open the first campaign (500).
    pub open_threshold_nodes: u32,
    /// Candidates (100).
    pub max_candidates: u32,
    /// Super nodes per term (33).
    pub seats: u32,
    /// Voting days (7).
    pub voting_days: u64,
    /// Term days (60).
    pub term_days: u64,
    /// Next voting opens this many days before term end (7: contiguous terms).
    pub next_voting_lead_days: u64,
    /// Losers' votes return this many days after voting closes (7).
    pub loser_release_days: u64,
    /// Winners' first half returns after (30) days.
    pub winner_first_half_days: u64,
    /// Winners' second half returns after (60) days.
    pub winner_second_half_days: u64,
    /// Minimum vote (1 DCC).
    pub min_vote: RawAmount,
    /// Vote unit (1 DCC = 1 vote).
    pub vote_unit: RawAmount,
    /// Handling fee per vote (0.01 DCC).
    pub vote_fee: RawAmount,
    /// Candidates without votes cannot win.
    pub require_votes_to_win: bool,
    /// Candidates ranked by `standardised_power` (default) or `previous_day_effective_power`.
    pub ranking: RawCandidateRanking,
    /// Open the first campaign on this day instead of at the node threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_campaign_day: Option<u64>,
}

impl Default for RawCampaign {
    fn default() -> Self {
        let c = CampaignConfig::default();
        RawCampaign {
            open_threshold_nodes: c.open_threshold_nodes,
            max_candidates: c.max_candidates,
            seats: c.seats,
            voting_days: c.voting_days,
            term_days: c.term_days,
            next_voting_lead_days: c.next_voting_lead_days,
            loser_release_days: c.loser_release_days,
            winner_first_half_days: c.winner_first_half_days,
            winner_second_half_days: c.winner_second_half_days,
            min_vote: RawAmount(c.min_vote),
            vote_unit: RawAmount(c.vote_unit),
            vote_fee: RawAmount(c.vote_fee),
            require_votes_to_win: c.require_votes_to_win,
            ranking: RawCandidateRanking::StandardisedPower,
            first_campaign_day: c.first_campaign_day,
        }
    }
}

/// Kind of compute power.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawKind {
    Ethash,
    FixedResources,
}

/// `[[economy.node_groups]]`: `count` nodes drawn alike, or one node per row of a CSV file
/// (`from_csv`, whose columns override the group's keys); each node has its own operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeGroup {
    /// Number of nodes (with `from_csv`: its rows; filled in when the file is read).
    #[serde(default)]
    pub count: u64,
    /// A CSV file of nodes, one per row, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_csv: Option<String>,
    /// SHA-256 of that file: recorded when it is read; if the scenario gives it, the file must
    /// match (pins the data a study used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv_sha256: Option<String>,
    /// The rows of `from_csv`, attached by `load` (never written: the hash stands for them).
    #[serde(skip)]
    pub csv_rows: Option<std::sync::Arc<Vec<crate::node_csv::CsvNode>>>,
    /// `ethash` (default) or `fixed_resources`.
    #[serde(default = "default_kind")]
    pub kind: RawKind,
    /// Raw power per node (1,000,000 = 1M).
    #[serde(default = "default_power")]
    pub raw_power: IntDist,
    /// Day each node joins.
    #[serde(default = "zero_dist")]
    pub join_day: IntDist,
    /// Liquid DCC each node's operator starts with (taken from the market account).
    #[serde(default = "default_operator_endowment")]
    pub operator_endowment: RawAmount,
    /// Mean hours between random failures (0 = never fails).
    #[serde(default)]
    pub mean_up_hours: u64,
    /// Mean repair hours.
    #[serde(default = "default_repair_hours")]
    pub mean_repair_hours: u64,
    /// Probability an outage is self-reported, bps.
    #[serde(default = "default_report_bps")]
    pub report_bps: u32,
    /// Probability a node exits for good at a uniform time within the horizon, bps.
    #[serde(default)]
    pub exit_bps: u32,
    /// Probability a node is caught attacking at a uniform time within the horizon, bps.
    #[serde(default)]
    pub attack_bps: u32,
    /// Adoption model of this group (default: `economy.adoption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption: Option<RawAdoption>,
}

fn default_kind() -> RawKind {
    RawKind::Ethash
}
fn default_power() -> IntDist {
    IntDist::Constant(1_000_000)
}
fn zero_dist() -> IntDist {
    IntDist::Constant(0)
}
fn default_operator_endowment() -> RawAmount {
    RawAmount(Amount::from_dcc(1_000))
}
const fn default_repair_hours() -> u64 {
    6
}
const fn default_report_bps() -> u32 {
    10_000
}

/// Voter strategy.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawStrategy {
    FollowPower,
    FollowIncumbents,
    Random,
}

/// `[[economy.voter_groups]]`: `count` voters (use a small count with a large endowment for whales).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVoterGroup {
    /// Number of voters.
    pub count: u64,
    /// Liquid DCC per voter at genesis, in whole DCC (drawn per voter).
    pub endowment_dcc: IntDist,
    /// `follow_power` (default), `follow_incumbents` or `random`.
    #[serde(default = "default_strategy")]
    pub strategy: RawStrategy,
    /// Share of its balance a voter votes each campaign, bps.
    #[serde(default = "default_vote_bps")]
    pub vote_bps: u32,
}

fn default_strategy() -> RawStrategy {
    RawStrategy::FollowPower
}
const fn default_vote_bps() -> u32 {
    5_000
}
