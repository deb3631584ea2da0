//! `[economy]`: the economy's parameters (SPEC §4–5) into an `EconomyConfig` without agents, and
//! its node and voter populations into validated group descriptions that `build`
//! expands from the seed. Funding is checked here as far as it does not depend on the draws.

use economics::economy::{
    AdoptionModel, CampaignConfig, CandidateRanking, ClearingRule, EconomyConfig, ExtraRule,
    FailureModel, ForfeitSink, MS_PER_HOUR, PaperReadings, PenaltyConfig, PledgeBasis,
    PledgeRounding, PowerKind, PowerWeight, PreElectionRule, RepledgePolicy, SplitBps,
    VoterStrategy,
};
use economics::{Bucket, SupplyLedger, SupplyParams};
use sim_core::Amount;

use super::chain::ContractsSpec;
use crate::error::Issue;
use crate::format::{
    Dist, IntDist, RawAdoption, RawBasicWeight, RawCampaign, RawCandidateRanking, RawClearing,
    RawEconomy, RawExtraRule, RawKind, RawNodeGroup, RawPenalties, RawPledgeBasis,
    RawPledgeRounding, RawPreElection, RawReadings, RawRepledge, RawSink, RawStrategy,
    RawVoterGroup,
};
use crate::limits::{MAX_NODES, MAX_STABILITY_LUMP_DAYS, MAX_VOTERS};

/// A validated integer distribution (sampled with exact integer arithmetic by `build`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    /// The same value for every agent.
    Constant(u64),
    /// Uniform on `[low, high]`, `low ≤ high`.
    Uniform {
        /// Lowest value.
        low: u64,
        /// Highest value.
        high: u64,
    },
    /// Log-uniform on `[low, high]`, `1 ≤ low ≤ high`.
    LogUniform {
        /// Lowest value.
        low: u64,
        /// Highest value.
        high: u64,
    },
}

impl Draw {
    fn new(path: &str, d: IntDist) -> Result<Draw, Issue> {
        match d {
            IntDist::Constant(v) => Ok(Draw::Constant(v)),
            IntDist::Drawn(Dist::Uniform { low, high }) if low <= high => {
                Ok(Draw::Uniform { low, high })
            }
            IntDist::Drawn(Dist::LogUniform { low, high }) if low >= 1 && low <= high => {
                Ok(Draw::LogUniform { low, high })
            }
            IntDist::Drawn(_) => Err(Issue::range(
                path,
                "need low ≤ high (and low ≥ 1 for log_uniform)",
                "e.g. { dist = \"uniform\", low = 1, high = 10 }",
            )),
        }
    }

    /// The smallest and the largest value a draw can give.
    pub fn bounds(self) -> (u64, u64) {
        match self {
            Draw::Constant(v) => (v, v),
            Draw::Uniform { low, high } | Draw::LogUniform { low, high } => (low, high),
        }
    }
}

/// `count` compute nodes drawn alike; each node has its own operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGroup {
    /// Nodes in the group.
    pub count: u64,
    /// Kind of power.
    pub kind: PowerKind,
    /// Raw power per node.
    pub raw_power: Draw,
    /// Day each node joins.
    pub join_day: Draw,
    /// Liquid balance of each node's operator at genesis.
    pub operator_endowment: Amount,
    /// Random failures.
    pub failure: FailureModel,
    /// Chance a node exits for good at a uniform time within the horizon, bps.
    pub exit_bps: u32,
    /// Chance a node is caught attacking at a uniform time within the horizon, bps.
    pub attack_bps: u32,
    /// The group's adoption model (default: the economy's).
    pub adoption: Option<AdoptionModel>,
    /// With `from_csv`: one entry per node (`count` of them), its row's values where it has
    /// them and the group's keys elsewhere; empty for a drawn group.
    pub rows: Vec<NodeRow>,
}

/// One node of a group read from data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    /// Kind of power.
    pub kind: PowerKind,
    /// Raw power (`None`: drawn from the group's `raw_power`).
    pub raw_power: Option<u64>,
    /// Join day (`None`: drawn from the group's `join_day`).
    pub join_day: Option<u64>,
    /// Liquid balance of the node's operator at genesis.
    pub operator_endowment: Amount,
    /// Random failures.
    pub failure: FailureModel,
    /// Chance of exit, bps.
    pub exit_bps: u32,
    /// Chance of an attack, bps.
    pub attack_bps: u32,
}

/// `count` voters drawn alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterGroup {
    /// Voters in the group.
    pub count: u64,
    /// Liquid whole DCC per voter at genesis.
    pub endowment_dcc: Draw,
    /// How they vote.
    pub strategy: VoterStrategy,
    /// Share of its balance a voter votes each campaign, bps.
    pub vote_bps: u32,
}

/// The validated economy: parameters (no agents yet) and populations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EconomySpec {
    /// Every parameter; `operators`, `nodes` and `voters` are empty and `seed` is 0 until
    /// `build` fills them.
    pub params: EconomyConfig,
    /// Compute-node populations.
    pub node_groups: Vec<NodeGroup>,
    /// Voter populations.
    pub voter_groups: Vec<VoterGroup>,
    /// The timeline's events on compute nodes, in file order.
    pub shocks: Vec<super::events::NodeShock>,
}

pub(super) fn economy(raw: &RawEconomy, supply: &SupplyParams) -> Result<EconomySpec, Issue> {
    let params = params(raw, supply)?;
    params.validate().map_err(|e| config_issue(&e))?;
    check_totals(raw)?;
    let node_groups = raw.node_groups.iter().enumerate();
    let node_groups = node_groups
        .map(|(g, n)| node_group(g, n, raw.power_unit))
        .collect::<Result<_, _>>()?;
    let voter_groups = raw.voter_groups.iter().enumerate();
    let voter_groups = voter_groups
        .map(|(g, v)| voter_group(g, v))
        .collect::<Result<_, _>>()?;
    Ok(EconomySpec {
        params,
        node_groups,
        voter_groups,
        shocks: Vec::new(),
    })
}

/// The key path of an economy configuration error.
fn config_issue(e: &economics::economy::ConfigError) -> Issue {
    let field = match e {
        economics::economy::ConfigError::Invalid { field, .. } => {
            let field = field
                .strip_prefix("split")
                .map_or_else(|| (*field).to_owned(), |rest| format!("split_bps{rest}"));
            format!("economy.{field}")
        }
        economics::economy::ConfigError::Limit { .. } => "economy".to_owned(),
    };
    Issue::range(
        &field,
        e.to_string(),
        "see scenarios/README.md for allowed values",
    )
}

fn check_totals(raw: &RawEconomy) -> Result<(), Issue> {
    let nodes: u64 = raw
        .node_groups
        .iter()
        .map(|g| g.count)
        .fold(0, u64::saturating_add);
    let voters: u64 = raw
        .voter_groups
        .iter()
        .map(|g| g.count)
        .fold(0, u64::saturating_add);
    for (what, n, max) in [
        ("economy.node_groups", nodes, MAX_NODES),
        ("economy.voter_groups", voters, MAX_VOTERS),
    ] {
        if n > max {
            return Err(Issue::range(
                what,
                format!("{n} in all"),
                &format!("at most {max} (the economy engine's limit)"),
            ));
        }
    }
    Ok(())
}

fn check_bps(path: &str, bps: u32) -> Result<(), Issue> {
    if bps > 10_000 {
        return Err(Issue::range(path, format!("{bps} bps"), "0 to 10000 bps"));
    }
    Ok(())
}

fn adoption(path: &str, raw: &RawAdoption) -> Result<AdoptionModel, Issue> {
    let model = match raw {
        RawAdoption::Constant { bps } => AdoptionModel::Constant(*bps),
        RawAdoption::UniformDaily { low_bps, high_bps } => AdoptionModel::UniformDaily {
            low_bps: *low_bps,
            high_bps: *high_bps,
        },
        RawAdoption::Series { bps } => AdoptionModel::Series(bps.as_slice().into()),
    };
    model
        .check()
        .map_err(|m| Issue::range(path, m, "rates are 0 to 10000 bps"))?;
    Ok(model)
}

fn node_group(g: usize, group: &RawNodeGroup, power_unit: u64) -> Result<NodeGroup, Issue> {
    let path = format!("economy.node_groups[{g}]");
    if group.count == 0 && group.from_csv.is_none() {
        return Err(Issue::range(
            &format!("{path}.count"),
            "a node group needs nodes",
            "count = N (1 or more), or from_csv = \"nodes.csv\" for one node per row",
        ));
    }
    for (name, bps) in [
        ("report_bps", group.report_bps),
        ("exit_bps", group.exit_bps),
        ("attack_bps", group.attack_bps),
    ] {
        check_bps(&format!("{path}.{name}"), bps)?;
    }
    if group.mean_up_hours > 0 && group.mean_repair_hours == 0 {
        return Err(Issue::range(
            &format!("{path}.mean_repair_hours"),
            "nodes that fail must take some time to repair",
            "at least 1 hour when mean_up_hours > 0",
        ));
    }
    let adoption = match &group.adoption {
        Some(a) => Some(adoption(&format!("{path}.adoption"), a)?),
        None => None,
    };
    Ok(NodeGroup {
        count: group.count,
        kind: match group.kind {
            RawKind::Ethash => PowerKind::Ethash,
            RawKind::FixedResources => PowerKind::FixedResources,
        },
        raw_power: Draw::new(&format!("{path}.raw_power"), group.raw_power)?,
        join_day: Draw::new(&format!("{path}.join_day"), group.join_day)?,
        operator_endowment: group.operator_endowment.0,
        failure: FailureModel {
            mean_up_ms: group.mean_up_hours.saturating_mul(MS_PER_HOUR),
            mean_repair_ms: group.mean_repair_hours.saturating_mul(MS_PER_HOUR),
            report_bps: group.report_bps,
        },
        exit_bps: group.exit_bps,
        attack_bps: group.attack_bps,
        adoption,
        rows: match &group.csv_rows {
            Some(rows) => rows
                .iter()
                .map(|r| node_row(&path, group, r, power_unit))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
    })
}

fn kind_of(kind: RawKind) -> PowerKind {
    match kind {
        RawKind::Ethash => PowerKind::Ethash,
        RawKind::FixedResources => PowerKind::FixedResources,
    }
}

/// A CSV row with the group's keys filled in where the row is silent. Cells were checked as
/// they were read; here only what involves the group's keys too.
fn node_row(
    path: &str,
    group: &RawNodeGroup,
    r: &crate::node_csv::CsvNode,
    power_unit: u64,
) -> Result<NodeRow, Issue> {
    let file = group.from_csv.as_deref().unwrap_or_default();
    let at = |m: String, help: &str| {
        Issue::range(
            &format!("{path}.from_csv"),
            format!("{file} line {}: {m}", r.line),
            help,
        )
    };
    let raw_power = match (r.power_units, r.raw_power) {
        (Some(units), _) => Some(units.checked_mul(power_unit).ok_or_else(|| {
            at(
                format!("{units} power units overflow raw power"),
                "power_units × economy.power_unit must fit in 64 bits",
            )
        })?),
        (None, raw) => raw,
    };
    let up = r.mean_up_hours.unwrap_or(group.mean_up_hours);
    let repair = r.mean_repair_hours.unwrap_or(group.mean_repair_hours);
    if up > 0 && repair == 0 {
        return Err(at(
            "a node that fails (mean_up_hours > 0) needs mean_repair_hours ≥ 1".to_owned(),
            "give mean_repair_hours in the row or the group",
        ));
    }
    Ok(NodeRow {
        kind: kind_of(r.kind.unwrap_or(group.kind)),
        raw_power,
        join_day: r.join_day,
        operator_endowment: r.operator_endowment.unwrap_or(group.operator_endowment.0),
        failure: FailureModel {
            mean_up_ms: up.saturating_mul(MS_PER_HOUR),
            mean_repair_ms: repair.saturating_mul(MS_PER_HOUR),
            report_bps: r.report_bps.unwrap_or(group.report_bps),
        },
        exit_bps: r.exit_bps.unwrap_or(group.exit_bps),
        attack_bps: r.attack_bps.unwrap_or(group.attack_bps),
    })
}

fn voter_group(g: usize, group: &RawVoterGroup) -> Result<VoterGroup, Issue> {
    let path = format!("economy.voter_groups[{g}]");
    check_bps(&format!("{path}.vote_bps"), group.vote_bps)?;
    Ok(VoterGroup {
        count: group.count,
        endowment_dcc: Draw::new(&format!("{path}.endowment_dcc"), group.endowment_dcc)?,
        strategy: match group.strategy {
            RawStrategy::FollowPower => VoterStrategy::FollowPower,
            RawStrategy::FollowIncumbents => VoterStrategy::FollowIncumbents,
            RawStrategy::Random => VoterStrategy::Random,
        },
        vote_bps: group.vote_bps,
    })
}

/// `count × each`, saturating (a saturated figure is beyond any account anyway).
fn times(each: Amount, count: u64) -> u128 {
    each.wei().saturating_mul(u128::from(count))
}

impl EconomySpec {
    /// What the foundation/market account holds at genesis: everything liquid at genesis.
    pub fn market_at_genesis(&self) -> Amount {
        SupplyLedger::genesis(&self.params.supply)
            .map_or(Amount::ZERO, |l| l.balance(Bucket::Liquid))
    }

    /// Operators' endowments: constants, so known exactly before anything is drawn.
    pub fn operator_endowments_wei(&self) -> u128 {
        let groups = self.node_groups.iter();
        groups.fold(0, |acc, g| {
            let each = if g.rows.is_empty() {
                times(g.operator_endowment, g.count)
            } else {
                g.rows
                    .iter()
                    .fold(0_u128, |a, r| a.saturating_add(r.operator_endowment.wei()))
            };
            acc.saturating_add(each)
        })
    }

    /// The least and the most the voters' drawn endowments can need.
    pub fn voter_endowments_wei(&self) -> (u128, u128) {
        self.voter_groups.iter().fold((0, 0), |(lo, hi), g| {
            let (min, max) = g.endowment_dcc.bounds();
            let group = |dcc: u64| times(Amount::from_dcc(1), dcc).saturating_mul(g.count.into());
            (lo.saturating_add(group(min)), hi.saturating_add(group(max)))
        })
    }

    /// The market account must fund the operators, the voters and, coupled, the chain's genesis.
    /// Refuses what cannot fit whatever the draws; where only some draws fit, `build`
    /// checks the drawn endowments before anything runs.
    pub(super) fn check_funding(&self, chain: Option<&ContractsSpec>) -> Result<(), Issue> {
        let market = self.market_at_genesis().wei();
        let operators = self.operator_endowments_wei();
        let (voters_min, _) = self.voter_endowments_wei();
        let chain_wei = chain.map_or(0, |c| c.genesis_total.wei());
        let needs = [
            ("economy.node_groups", operators, "operator endowments"),
            (
                "economy.voter_groups",
                operators.saturating_add(voters_min),
                "operator and least voter endowments",
            ),
            (
                "contracts",
                operators
                    .saturating_add(voters_min)
                    .saturating_add(chain_wei),
                "endowments and the chain's genesis balances and stakes",
            ),
        ];
        if let Some((key, need, what)) = needs.into_iter().find(|(_, need, _)| *need > market) {
            return Err(Issue::cross(
                key,
                format!(
                    "the {what} need {need} wei; the foundation/market account holds {market} wei \
                     (what is liquid at genesis)"
                ),
                "lower the endowments or the counts, or make more of the supply liquid at genesis",
            ));
        }
        Ok(())
    }
}

fn params(raw: &RawEconomy, supply: &SupplyParams) -> Result<EconomyConfig, Issue> {
    Ok(EconomyConfig {
        seed: 0,
        supply: supply.clone(),
        split: SplitBps {
            basic: raw.split_bps.basic,
            stability: raw.split_bps.stability,
            extra: raw.split_bps.extra,
            election: raw.split_bps.election,
            election_super_node_share: raw.split_bps.election_super_node_share,
        },
        weight_ethash: ratio("economy.weight_ethash", raw.weight_ethash)?,
        weight_fixed: ratio("economy.weight_fixed", raw.weight_fixed)?,
        power_unit: raw.power_unit,
        pledge_per_unit: raw.pledge_per_unit.0,
        pledge_lock_days: raw.pledge_lock_days,
        pledge_basis: match raw.pledge_basis {
            RawPledgeBasis::Standardised => PledgeBasis::Standardised,
            RawPledgeBasis::Raw => PledgeBasis::Raw,
        },
        pledge_rounding: match raw.pledge_rounding {
            RawPledgeRounding::ProRataCeil => PledgeRounding::ProRataCeil,
            RawPledgeRounding::WholeUnits => PledgeRounding::WholeUnits,
        },
        repledge: match raw.repledge {
            RawRepledge::Immediately => RepledgePolicy::Immediately,
            RawRepledge::Never => RepledgePolicy::Never,
        },
        penalties: penalties(&raw.penalties),
        pre_election: match raw.pre_election {
            RawPreElection::BurnAll => PreElectionRule::BurnAll,
            RawPreElection::BurnWouldBePaid => PreElectionRule::BurnWouldBePaid,
            RawPreElection::PayNormally => PreElectionRule::PayNormally,
        },
        campaign: campaign(&raw.campaign),
        pre_election_ends_at_voting_open: raw.pre_election_ends_at_voting_open,
        super_node_extra: match raw.super_node_extra {
            RawExtraRule::EveryElected => ExtraRule::EveryElected,
            RawExtraRule::ActiveOnly => ExtraRule::ActiveOnly,
        },
        adoption: adoption("economy.adoption", &raw.adoption)?,
        invariant_check_interval_days: raw.invariant_check_interval_days,
        readings: readings(&raw.readings)?,
        ..EconomyConfig::default()
    })
}

fn readings(r: &RawReadings) -> Result<PaperReadings, Issue> {
    let path = |key: &str| format!("economy.readings.{key}");
    check_bps(
        &path("offline_deduction_bps_per_hour"),
        r.offline_deduction_bps_per_hour,
    )?;
    check_bps(&path("error_penalty_bps"), r.error_penalty_bps)?;
    if r.offline_deduction_replaces_forfeits && r.offline_deduction_bps_per_hour == 0 {
        return Err(Issue::cross(
            &path("offline_deduction_replaces_forfeits"),
            "replaces the forfeits by an hourly deduction of 0 bps",
            "set offline_deduction_bps_per_hour > 0, or leave the forfeits in place",
        ));
    }
    if r.stability_lump_days > MAX_STABILITY_LUMP_DAYS {
        return Err(Issue::range(
            &path("stability_lump_days"),
            format!("{} days", r.stability_lump_days),
            &format!("0 (paid daily) to {MAX_STABILITY_LUMP_DAYS} days"),
        ));
    }
    Ok(PaperReadings {
        offline_deduction_bps_per_hour: r.offline_deduction_bps_per_hour,
        offline_deduction_replaces_forfeits: r.offline_deduction_replaces_forfeits,
        error_penalty_bps: r.error_penalty_bps,
        stability_lump_days: r.stability_lump_days,
        basic_by_occupancy: r.basic_weight == RawBasicWeight::PowerTimesAdoption,
    })
}

fn ratio(path: &str, r: [u64; 2]) -> Result<PowerWeight, Issue> {
    if r[1] == 0 {
        return Err(Issue::range(
            path,
            "denominator is 0",
            "a ratio [num, den] with den ≥ 1",
        ));
    }
    Ok(PowerWeight {
        num: r[0],
        den: r[1],
    })
}

fn penalties(p: &RawPenalties) -> PenaltyConfig {
    PenaltyConfig {
        grace_ms: p.grace_hours.saturating_mul(MS_PER_HOUR),
        first_forfeit_ms: p.first_forfeit_hours.saturating_mul(MS_PER_HOUR),
        forfeit_interval_ms: p.forfeit_interval_hours.saturating_mul(MS_PER_HOUR),
        forfeit_days: p.forfeit_days,
        reference_window_days: p.reference_window_days,
        unreported_short_outage_forfeits: p.unreported_short_outage_forfeits,
        reference_includes_super_node_rewards: p.reference_includes_super_node_rewards,
        any_outage_forfeits_whole_pledge: p.any_outage_forfeits_whole_pledge,
        clearing: match p.clearing {
            RawClearing::TopUpOrClear => ClearingRule::TopUpOrClear,
            RawClearing::ClearWhenExhausted => ClearingRule::ClearWhenExhausted,
            RawClearing::ClearBelowRequirement => ClearingRule::ClearBelowRequirement,
        },
        sink: match p.sink {
            RawSink::Burn => ForfeitSink::Burn,
            RawSink::MiningPool => ForfeitSink::MiningPool,
        },
    }
}

fn campaign(c: &RawCampaign) -> CampaignConfig {
    CampaignConfig {
        open_threshold_nodes: c.open_threshold_nodes,
        max_candidates: c.max_candidates,
        seats: c.seats,
        voting_days: c.voting_days,
        term_days: c.term_days,
        next_voting_lead_days: c.next_voting_lead_days,
        loser_release_days: c.loser_release_days,
        winner_first_half_days: c.winner_first_half_days,
        winner_second_half_days: c.winner_second_half_days,
        min_vote: c.min_vote.0,
        vote_unit: c.vote_unit.0,
        vote_fee: c.vote_fee.0,
        require_votes_to_win: c.require_votes_to_win,
        ranking: match c.ranking {
            RawCandidateRanking::StandardisedPower => CandidateRanking::StandardisedPower,
            RawCandidateRanking::PreviousDayEffectivePower => {
                CandidateRanking::PreviousDayEffectivePower
            }
        },
        first_campaign_day: c.first_campaign_day,
    }
}
