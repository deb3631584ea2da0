//! `EconomyConfig`: every parameter of the compute-power economy and the super-node campaign
//! (SPEC §4–5) with SPEC defaults, the selectable alternatives of each **Choice**, and validation.

use sim_core::{Amount, WEI_PER_DCC};

use crate::supply::SupplyParams;

/// Milliseconds in one hour.
pub const MS_PER_HOUR: u64 = 3_600_000;

/// What a compute node contributes (SPEC §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PowerKind {
    /// ETHASH hash power.
    Ethash,
    /// A fixed-resource configuration.
    FixedResources,
}

/// An integer weight `num / den` (standardised = floor(raw · num / den)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerWeight {
    /// Numerator.
    pub num: u64,
    /// Denominator (non-zero).
    pub den: u64,
}

impl PowerWeight {
    /// Weight 1.
    pub const ONE: PowerWeight = PowerWeight { num: 1, den: 1 };
}

/// Daily adoption rate `a_i` in basis points (SPEC §4.4), clamped to `[0, 10,000]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoptionModel {
    /// The same rate every day.
    Constant(u32),
    /// A fresh uniform draw in `[low_bps, high_bps]` per node and day (from the node's stream).
    UniformDaily {
        /// Lowest rate.
        low_bps: u32,
        /// Highest rate.
        high_bps: u32,
    },
    /// One rate per day (day `d` uses `series[min(d, len − 1)]`); must not be empty. Shared:
    /// the nodes a timeline event splices alike hold one series, not a copy each.
    Series(std::sync::Arc<[u32]>),
}

/// Basis of the pledge (paper-vs-spec item 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeBasis {
    /// Standardised power (SPEC default).
    Standardised,
    /// Raw power.
    Raw,
}

/// Rounding of the pledge requirement (paper-vs-spec item 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeRounding {
    /// **Choice (default):** pro rata, `ceil(ratio · power / unit)` wei.
    ProRataCeil,
    /// Whole units: `ratio · ceil(power / unit)`.
    WholeUnits,
}

/// What a node does when its 180-day pledge term ends (SPEC §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepledgePolicy {
    /// **Choice (default):** re-pledge at once (from the operator's balance, after the return).
    Immediately,
    /// Never re-pledge: the node stops earning after its first term.
    Never,
}

/// When a forfeit reduces a pledge below the requirement (SPEC §4.5; the literal rule would
/// clear a node on its first forfeit, which contradicts "49 h costs two forfeits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearingRule {
    /// **Choice (default):** the operator tops the pledge back up from its liquid balance at
    /// once; only if it cannot is the pledge below the requirement, and the node is cleared.
    TopUpOrClear,
    /// Cleared only when the pledge is exhausted (zero).
    ClearWhenExhausted,
    /// Literal: cleared as soon as the pledge is below the requirement (any forfeit > 0).
    ClearBelowRequirement,
}

/// Where forfeited pledge goes (SPEC §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForfeitSink {
    /// **Choice (default):** burned.
    Burn,
    /// Returned to the mining pool.
    MiningPool,
}

/// What happens to basic and stability before the first super-node term (SPEC §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreElectionRule {
    /// **Choice (default):** basic and stability are burned in full, whoever is online.
    BurnAll,
    /// Burn only what would have been paid (rounding dust and empty categories stay in the pool).
    BurnWouldBePaid,
    /// No special rule: basic and stability are paid as after the first term.
    PayNormally,
}

/// Penalty parameters (SPEC §4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenaltyConfig {
    /// Grace period: an outage of at most this long (restored at or before it) and reported
    /// costs nothing. Exactly 24 h counts as "within 24 h" (paper-vs-spec item 17: strictly
    /// longer forfeits).
    pub grace_ms: u64,
    /// Time from the start of an outage to its first forfeit while still down (24 h; 48 h
    /// selectable for the "daily afterwards" reading).
    pub first_forfeit_ms: u64,
    /// Interval between further forfeits while still down (24 h).
    pub forfeit_interval_ms: u64,
    /// Days of reference reward per forfeit (3).
    pub forfeit_days: u32,
    /// Window of online days for the reference reward (7, at most [`MAX_REFERENCE_WINDOW`]).
    pub reference_window_days: u32,
    /// **Choice (default true):** an outage restored within the grace but not reported costs
    /// one forfeit (charged when it ends). False: unreported short outages are free too.
    pub unreported_short_outage_forfeits: bool,
    /// If true, the reference reward also counts super-node extra and election rewards
    /// received on online days (paper-vs-spec item 16; default false: basic + stability).
    pub reference_includes_super_node_rewards: bool,
    /// Literal paper mode (paper-vs-spec item 18): any outage of a pledged node forfeits the
    /// whole pledge and clears the node for good. Default false (SPEC's reconciliation).
    pub any_outage_forfeits_whole_pledge: bool,
    /// Clearing rule.
    pub clearing: ClearingRule,
    /// Forfeit sink.
    pub sink: ForfeitSink,
}

/// Largest reference-reward window in days.
pub const MAX_REFERENCE_WINDOW: usize = 16;
/// The longest pledge lock: the economy keeps one expiry bucket per day of the lock.
pub const MAX_PLEDGE_LOCK_DAYS: u64 = 100_000;

impl Default for PenaltyConfig {
    fn default() -> Self {
        PenaltyConfig {
            grace_ms: 24 * MS_PER_HOUR,
            first_forfeit_ms: 24 * MS_PER_HOUR,
            forfeit_interval_ms: 24 * MS_PER_HOUR,
            forfeit_days: 3,
            reference_window_days: 7,
            unreported_short_outage_forfeits: true,
            reference_includes_super_node_rewards: false,
            any_outage_forfeits_whole_pledge: false,
            clearing: ClearingRule::TopUpOrClear,
            sink: ForfeitSink::Burn,
        }
    }
}

/// Daily split in basis points of E(d) (SPEC §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitBps {
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

impl Default for SplitBps {
    fn default() -> Self {
        SplitBps {
            basic: 6_400,
            stability: 2_000,
            extra: 640,
            election: 960,
            election_super_node_share: 2_000,
        }
    }
}

/// How candidates are ranked when voting opens (paper-vs-spec item 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateRanking {
    /// SPEC default: standardised power.
    StandardisedPower,
    /// The previous day's effective power (standardised power × seconds online).
    PreviousDayEffectivePower,
}

/// Which elected super nodes receive the extra reward on a day (paper-vs-spec item 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraRule {
    /// SPEC default: every elected node, online or not.
    EveryElected,
    /// Only elected nodes with effective power that day; unpaid shares stay in the pool.
    ActiveOnly,
}

/// Campaign parameters (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignConfig {
    /// Pledged nodes needed to open the first campaign (500).
    pub open_threshold_nodes: u32,
    /// Candidates locked at voting open (100).
    pub max_candidates: u32,
    /// Super nodes per term (33).
    pub seats: u32,
    /// Voting days (7).
    pub voting_days: u64,
    /// Term days (60), from voting close.
    pub term_days: u64,
    /// Days before term end at which the next voting opens (7 → contiguous terms, the
    /// **Choice**; 0 → voting opens at term end, leaving a voting-length gap).
    pub next_voting_lead_days: u64,
    /// Days after voting close at which losers' votes return (7).
    pub loser_release_days: u64,
    /// Days after voting close of the first winners' half (30).
    pub winner_first_half_days: u64,
    /// Days after voting close of the second winners' half (60).
    pub winner_second_half_days: u64,
    /// Minimum vote (1 DCC).
    pub min_vote: Amount,
    /// Votes are whole multiples of this (1 DCC: "1 DCC = 1 vote"; 1 wei selectable).
    pub vote_unit: Amount,
    /// Handling fee per vote transaction, paid as a chain transaction fee.
    pub vote_fee: Amount,
    /// If true, candidates with zero votes cannot win (default false: the top `seats` by
    /// votes, zero included, are elected when fewer received votes).
    pub require_votes_to_win: bool,
    /// Candidate ranking.
    pub ranking: CandidateRanking,
    /// A manual launch: the first campaign opens on this day even below the node threshold
    /// (paper-vs-spec item 23: "can be launched"); `None` (default) = threshold only.
    pub first_campaign_day: Option<u64>,
}

impl CampaignConfig {
    /// Whether `amount` can be one vote: positive, a whole number of vote units, at least the
    /// minimum vote (what a voter's own votes are rounded to).
    pub fn is_vote_amount(&self, amount: Amount) -> bool {
        let unit = self.vote_unit.wei().max(1);
        !amount.is_zero() && amount.wei().is_multiple_of(unit) && amount >= self.min_vote
    }
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            open_threshold_nodes: 500,
            max_candidates: 100,
            seats: 33,
            voting_days: 7,
            term_days: 60,
            next_voting_lead_days: 7,
            loser_release_days: 7,
            winner_first_half_days: 30,
            winner_second_half_days: 60,
            min_vote: Amount::from_dcc(1),
            vote_unit: Amount::from_dcc(1),
            vote_fee: Amount::from_wei(WEI_PER_DCC / 100),
            require_votes_to_win: false,
            ranking: CandidateRanking::StandardisedPower,
            first_campaign_day: None,
        }
    }
}

/// A scheduled outage of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledOutage {
    /// Start, ms since genesis.
    pub start_ms: u64,
    /// Length in ms (> 0).
    pub duration_ms: u64,
    /// Whether the operator self-reports it.
    pub reported: bool,
}

/// Random failure and repair of a node: exponential times (sampled with `libm`, converted to
/// integer ms at once). `mean_up_ms = 0` disables random failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureModel {
    /// Mean time between failures while up, ms (0 = never fails).
    pub mean_up_ms: u64,
    /// Mean repair time, ms.
    pub mean_repair_ms: u64,
    /// Probability that the operator self-reports a failure, bps.
    pub report_bps: u32,
}

/// One compute node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Kind of power.
    pub kind: PowerKind,
    /// Raw power (1,000,000 = "1M").
    pub raw_power: u64,
    /// Operator account index (into [`EconomyConfig::operators`]).
    pub operator: u32,
    /// Day on which the node joins and first tries to pledge (at the start of the day).
    pub join_day: u64,
    /// Scheduled outages (non-overlapping with each other).
    pub outages: Vec<ScheduledOutage>,
    /// Random failures.
    pub failure: FailureModel,
    /// Voluntary exit for good at this time, if any.
    pub exit_at_ms: Option<u64>,
    /// Malicious attack detected at this time, if any (whole pledge forfeited, power cleared).
    pub attack_at_ms: Option<u64>,
    /// Per-node adoption override (else [`EconomyConfig::adoption`]).
    pub adoption: Option<AdoptionModel>,
}

impl NodeSpec {
    /// An always-online node of `raw_power` run by `operator`, joining on day 0.
    pub fn simple(raw_power: u64, operator: u32) -> Self {
        NodeSpec {
            kind: PowerKind::Ethash,
            raw_power,
            operator,
            join_day: 0,
            outages: Vec::new(),
            failure: FailureModel::default(),
            exit_at_ms: None,
            attack_at_ms: None,
            adoption: None,
        }
    }
}

/// How a voter picks a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoterStrategy {
    /// A uniformly drawn candidate among the `seats` most powerful.
    FollowPower,
    /// A uniformly drawn candidate among current super nodes (else like `FollowPower`).
    FollowIncumbents,
    /// A uniformly drawn candidate.
    Random,
}

/// One voter agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoterSpec {
    /// Liquid endowment at genesis, taken from the foundation/market account.
    pub endowment: Amount,
    /// Strategy.
    pub strategy: VoterStrategy,
    /// Share of its liquid balance it votes in each campaign (bps), rounded down to the unit.
    pub vote_bps: u32,
}

impl VoterSpec {
    /// A voter population: `count` ordinary voters with `endowment` each and strategies in
    /// rotation (follow power, follow incumbents, random), the first `whales` of them with
    /// `whale_endowment` instead; each votes `vote_bps` of its balance.
    pub fn population(
        count: u32,
        whales: u32,
        endowment: Amount,
        whale_endowment: Amount,
        vote_bps: u32,
    ) -> Vec<VoterSpec> {
        const ROTATION: [VoterStrategy; 3] = [
            VoterStrategy::FollowPower,
            VoterStrategy::FollowIncumbents,
            VoterStrategy::Random,
        ];
        (0..count)
            .map(|v| VoterSpec {
                endowment: if v < whales {
                    whale_endowment
                } else {
                    endowment
                },
                strategy: ROTATION[(v % 3) as usize],
                vote_bps,
            })
            .collect()
    }
}

/// One node operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorSpec {
    /// Liquid endowment at genesis, taken from the foundation/market account.
    pub endowment: Amount,
}

/// Bounds on everything (errors when exceeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EconomyLimits {
    /// Nodes.
    pub max_nodes: u32,
    /// Operators.
    pub max_operators: u32,
    /// Voters.
    pub max_voters: u32,
    /// Simulated days.
    pub max_days: u64,
    /// Pending node events.
    pub max_pending_events: usize,
    /// Node events handled in total.
    pub max_events: u64,
}

impl EconomyLimits {
    /// The limits every run uses unless a test lowers them; scenario validation imports these
    /// figures so that a scenario within them never fails at run time on a count.
    pub const DEFAULT: EconomyLimits = EconomyLimits {
        max_nodes: 1_000_000,
        max_operators: 1_000_000,
        max_voters: 1_000_000,
        max_days: 200_000,
        max_pending_events: 10_000_000,
        max_events: 1_000_000_000,
    };
}

impl Default for EconomyLimits {
    fn default() -> Self {
        EconomyLimits::DEFAULT
    }
}

/// Every parameter of the economy. `Default` is SPEC's defaults with an empty population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EconomyConfig {
    /// Run seed for all random streams.
    pub seed: u64,
    /// Supply, vesting and emission (SPEC §4.3, §6).
    pub supply: SupplyParams,
    /// Daily split.
    pub split: SplitBps,
    /// Weight of ETHASH power.
    pub weight_ethash: PowerWeight,
    /// Weight of fixed-resource power.
    pub weight_fixed: PowerWeight,
    /// Power per pledge unit ("1M").
    pub power_unit: u64,
    /// Pledge per unit (16 DCC).
    pub pledge_per_unit: Amount,
    /// Pledge lock in days (180).
    pub pledge_lock_days: u64,
    /// Pledge basis.
    pub pledge_basis: PledgeBasis,
    /// Pledge rounding.
    pub pledge_rounding: PledgeRounding,
    /// Re-pledge policy.
    pub repledge: RepledgePolicy,
    /// Penalties.
    pub penalties: PenaltyConfig,
    /// Pre-election rule.
    pub pre_election: PreElectionRule,
    /// If true, the pre-election period ends when the first voting opens instead of when the
    /// first term starts (paper-vs-spec item 15). Default false.
    pub pre_election_ends_at_voting_open: bool,
    /// Who receives the super-node extra.
    pub super_node_extra: ExtraRule,
    /// Campaign.
    pub campaign: CampaignConfig,
    /// Default adoption model.
    pub adoption: AdoptionModel,
    /// Operators.
    pub operators: Vec<OperatorSpec>,
    /// Nodes.
    pub nodes: Vec<NodeSpec>,
    /// Voters.
    pub voters: Vec<VoterSpec>,
    /// Limits.
    pub limits: EconomyLimits,
    /// Check the SPEC §7 invariant every this many days (1 = every day, the SPEC rule).
    pub invariant_check_interval_days: u64,
    /// Scheduled campaign actions (a scenario timeline's votes and vote-fee changes).
    pub timeline: CampaignTimeline,
    /// SPEC §4.5's selectable paper readings (all off by default).
    pub readings: PaperReadings,
}

/// SPEC §4.5's selectable readings of passages where the paper contradicts itself or is vague.
/// Each is off by default (zero / false), and each only adds to SPEC's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaperReadings {
    /// Paper 3.7.5 ("deducting … according to the time they are offline"): every whole hour of
    /// a pledged node's accumulated offline time deducts this many bps of its required pledge,
    /// charged when the day settles (after the day's shares). 0: off.
    pub offline_deduction_bps_per_hour: u32,
    /// With the hourly deduction on: it replaces the 3-day forfeits (true) instead of adding
    /// to them (false).
    pub offline_deduction_replaces_forfeits: bool,
    /// Paper 5.3.1 ("deduct part of the pledged DCCs" on an error): a reported outage of a
    /// pledged node deducts this many bps of its current pledge when it starts. 0: off.
    pub error_penalty_bps: u32,
    /// Paper 5.3.1 item 3 ("issued periodically in a lump sum to the pledged account"): the
    /// stability reward accrues daily (staying in the mining pool) and is paid every this many
    /// days, at the settlement of days `d` with `(d + 1) % P == 0`, to nodes still pledged;
    /// the accrual of any other node is burned then. 0: paid daily (SPEC).
    pub stability_lump_days: u64,
    /// Paper 5.3.1 item 2 ("by contributing computing power as well as computing power
    /// occupancy"): the basic reward is shared by effective power × adoption instead of
    /// effective power alone.
    pub basic_by_occupancy: bool,
}

/// A campaign vote a scenario schedules: on `day`, `voter` locks `amount` for `node` if voting
/// is open and the node is a candidate, after the day's own votes (nothing otherwise, and
/// nothing if the voter cannot pay the amount and the fee).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledVote {
    /// Day.
    pub day: u64,
    /// Voter index.
    pub voter: u32,
    /// Node index.
    pub node: u32,
    /// Amount (a multiple of the vote unit, at least the minimum vote).
    pub amount: Amount,
}

/// Campaign actions on a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignTimeline {
    /// Votes, in any order (each fires on its day; of one day, in list order).
    pub votes: Vec<ScheduledVote>,
    /// `(day, fee)`: from that day on a vote costs `fee` (of one day, the last wins).
    pub vote_fees: Vec<(u64, Amount)>,
}

impl Default for EconomyConfig {
    fn default() -> Self {
        EconomyConfig {
            seed: 0,
            supply: SupplyParams::default(),
            split: SplitBps::default(),
            weight_ethash: PowerWeight::ONE,
            weight_fixed: PowerWeight::ONE,
            power_unit: 1_000_000,
            pledge_per_unit: Amount::from_dcc(16),
            pledge_lock_days: 180,
            pledge_basis: PledgeBasis::Standardised,
            pledge_rounding: PledgeRounding::ProRataCeil,
            repledge: RepledgePolicy::Immediately,
            penalties: PenaltyConfig::default(),
            pre_election: PreElectionRule::BurnAll,
            pre_election_ends_at_voting_open: false,
            super_node_extra: ExtraRule::EveryElected,
            campaign: CampaignConfig::default(),
            adoption: AdoptionModel::Constant(10_000),
            operators: Vec::new(),
            nodes: Vec::new(),
            voters: Vec::new(),
            limits: EconomyLimits::default(),
            invariant_check_interval_days: 1,
            timeline: CampaignTimeline::default(),
            readings: PaperReadings::default(),
        }
    }
}

/// A configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A parameter is out of range.
    #[error("invalid economy parameter {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A limit is exceeded.
    #[error("{what}: {count} exceeds the limit of {limit}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// How many.
        count: u64,
        /// The limit.
        limit: u64,
    },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn check_adoption(field: &'static str, a: &AdoptionModel) -> Result<(), ConfigError> {
    a.check().map_err(|reason| invalid(field, reason))
}

impl AdoptionModel {
    /// Checks the rates (each at most 10,000 bps; a series is not empty).
    pub fn check(&self) -> Result<(), &'static str> {
        match self {
            AdoptionModel::Constant(b) if *b > 10_000 => Err("above 10,000 bps"),
            AdoptionModel::UniformDaily { low_bps, high_bps }
                if low_bps > high_bps || *high_bps > 10_000 =>
            {
                Err("need low ≤ high ≤ 10,000 bps")
            }
            AdoptionModel::Series(s) if s.is_empty() || s.iter().any(|&b| b > 10_000) => {
                Err("series must be non-empty and ≤ 10,000 bps")
            }
            _ => Ok(()),
        }
    }
}

impl EconomyConfig {
    /// Checks every parameter; the simulation only runs validated configurations.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.split;
        let total = u64::from(s.basic)
            + u64::from(s.stability)
            + u64::from(s.extra)
            + u64::from(s.election);
        if total > 10_000 {
            return Err(invalid("split", format!("sums to {total} bps > 10,000")));
        }
        if s.election_super_node_share > 10_000 {
            return Err(invalid("split.election_super_node_share", "above 10,000"));
        }
        for (f, w) in [
            ("weight_ethash", self.weight_ethash),
            ("weight_fixed", self.weight_fixed),
        ] {
            if w.den == 0 {
                return Err(invalid(f, "zero denominator"));
            }
        }
        if self.power_unit == 0 {
            return Err(invalid("power_unit", "must be > 0"));
        }
        if self.pledge_lock_days == 0 || self.pledge_lock_days > MAX_PLEDGE_LOCK_DAYS {
            return Err(invalid(
                "pledge_lock_days",
                format!("must be 1..={MAX_PLEDGE_LOCK_DAYS}"),
            ));
        }
        let p = &self.penalties;
        if p.forfeit_interval_ms == 0 || p.first_forfeit_ms == 0 {
            return Err(invalid("penalties", "forfeit times must be > 0"));
        }
        if p.reference_window_days == 0 || p.reference_window_days as usize > MAX_REFERENCE_WINDOW {
            return Err(invalid("penalties.reference_window_days", "must be 1..=16"));
        }
        let c = &self.campaign;
        if c.seats == 0 || c.max_candidates < c.seats {
            return Err(invalid("campaign", "need 0 < seats ≤ max_candidates"));
        }
        if c.voting_days == 0 || c.term_days == 0 || c.next_voting_lead_days > c.term_days {
            return Err(invalid(
                "campaign",
                "need voting_days, term_days > 0 and lead ≤ term",
            ));
        }
        if c.next_voting_lead_days > 0 && c.next_voting_lead_days != c.voting_days {
            return Err(invalid(
                "campaign.next_voting_lead_days",
                "must be 0 (gap) or equal to voting_days (contiguous terms)",
            ));
        }
        if c.winner_first_half_days > c.winner_second_half_days {
            return Err(invalid(
                "campaign",
                "first half must not be after the second",
            ));
        }
        if c.vote_unit.is_zero() {
            return Err(invalid("campaign.vote_unit", "must be > 0"));
        }
        let r = &self.readings;
        if r.offline_deduction_bps_per_hour > 10_000 || r.error_penalty_bps > 10_000 {
            return Err(invalid("readings", "a deduction above 10,000 bps"));
        }
        if r.offline_deduction_replaces_forfeits && r.offline_deduction_bps_per_hour == 0 {
            return Err(invalid(
                "readings.offline_deduction_replaces_forfeits",
                "needs offline_deduction_bps_per_hour > 0",
            ));
        }
        if self.invariant_check_interval_days == 0 {
            return Err(invalid("invariant_check_interval_days", "must be > 0"));
        }
        check_adoption("adoption", &self.adoption)?;
        let l = &self.limits;
        let lim = |what, count: usize, limit: u32| {
            if count as u64 > u64::from(limit) {
                Err(ConfigError::Limit {
                    what,
                    count: count as u64,
                    limit: u64::from(limit),
                })
            } else {
                Ok(())
            }
        };
        lim("nodes", self.nodes.len(), l.max_nodes)?;
        lim("operators", self.operators.len(), l.max_operators)?;
        lim("voters", self.voters.len(), l.max_voters)?;
        for n in &self.nodes {
            if n.operator as usize >= self.operators.len() {
                return Err(invalid(
                    "nodes.operator",
                    format!("no operator {}", n.operator),
                ));
            }
            if let Some(a) = &n.adoption {
                check_adoption("nodes.adoption", a)?;
            }
            if n.outages.iter().any(|o| o.duration_ms == 0) {
                return Err(invalid("nodes.outages", "zero-length outage"));
            }
            if n.failure.mean_up_ms > 0 && n.failure.mean_repair_ms == 0 {
                return Err(invalid("nodes.failure", "mean_repair_ms must be > 0"));
            }
        }
        for v in &self.voters {
            if v.vote_bps > 10_000 {
                return Err(invalid("voters.vote_bps", "above 10,000"));
            }
        }
        for v in &self.timeline.votes {
            if v.voter as usize >= self.voters.len() || v.node as usize >= self.nodes.len() {
                return Err(invalid("timeline.votes", "no such voter or node"));
            }
            if !self.campaign.is_vote_amount(v.amount) {
                return Err(invalid(
                    "timeline.votes.amount",
                    "a positive multiple of the vote unit, at least the minimum vote",
                ));
            }
        }
        Ok(())
    }

    /// Standardised power of a node: `floor(raw · num / den)` by kind.
    pub fn standardised_power(&self, kind: PowerKind, raw_power: u64) -> u64 {
        let w = match kind {
            PowerKind::Ethash => self.weight_ethash,
            PowerKind::FixedResources => self.weight_fixed,
        };
        let v = u128::from(raw_power) * u128::from(w.num) / u128::from(w.den.max(1));
        u64::try_from(v).unwrap_or(u64::MAX)
    }

    /// The pledge a node needs (SPEC §4.2 with the configured basis and rounding).
    pub fn pledge_required(&self, kind: PowerKind, raw_power: u64) -> Amount {
        let power = match self.pledge_basis {
            PledgeBasis::Standardised => self.standardised_power(kind, raw_power),
            PledgeBasis::Raw => raw_power,
        };
        let unit = u128::from(self.power_unit.max(1));
        let ratio = self.pledge_per_unit.wei();
        let wei = match self.pledge_rounding {
            PledgeRounding::ProRataCeil => {
                let fl = sim_core::amount::mul_div_floor(ratio, u128::from(power), unit)
                    .unwrap_or(u128::MAX);
                let exact = ratio
                    .checked_mul(u128::from(power))
                    .is_none_or(|p| p % unit == 0);
                if exact { fl } else { fl.saturating_add(1) }
            }
            PledgeRounding::WholeUnits => ratio.saturating_mul(u128::from(power).div_ceil(unit)),
        };
        Amount::from_wei(wei)
    }
}
