//! `[consensus]` and `[contracts]`: validators, network and faults (SPEC §2) into a
//! `ConsensusConfig`; the contracts' rules, genesis, behaviours and fee model (SPEC §3) into a
//! [`ContractsSpec`] whose staker populations are expanded by `build`.

use consensus_model::ValidatorId;
use consensus_model::config::{
    AncestorSync, ConsensusConfig, CrashRepair, Latency, NodeRef, Offline, Partition, Propagation,
    RegionLatency, Slow, TieBreak, Topology,
};
use consensus_model::contracts::{
    AccountId, AdminPlan, Confiscation, ContractsConfig, FeeModel, FeeSplit, GenesisValidator,
    IncomePlan, IncomeWithdrawal, MinStakeRule, ProposerRule, RandomStaker, RankingRule,
    VoterPolicy,
};
use sim_core::{Amount, SimTime};

use crate::error::{ErrorKind, Issue};
use crate::format::{
    RawConfiscation, RawConsensus, RawContracts, RawFeeModel, RawFeeSplit, RawIncomeRule,
    RawIncomeWithdrawals, RawLatency, RawMinStakeRule, RawOffline, RawPartition, RawPropagation,
    RawProposer, RawRanking, RawStakerGroup, RawSync, RawTieBreak, RawTopology,
};
use crate::limits::{MAX_FULL_NODES, MAX_GENESIS_VALIDATORS, MAX_STAKERS, MAX_VALIDATOR_NODES};

/// The admin account of the paper's proposal rule.
pub const ADMIN_ACCOUNT: AccountId = AccountId(0);
/// The admin's liquid balance at genesis.
pub const ADMIN_ENDOWMENT_DCC: u128 = 1_000;

/// A validated chain: consensus and the contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSpec {
    /// Consensus (validators, network, faults), without the faults drawn from the seed: a run
    /// takes `build::consensus(chain, seed)`.
    pub consensus: ConsensusConfig,
    /// The system contracts.
    pub contracts: ContractsSpec,
    /// Timeline outages of validators chosen by count: `build::consensus` draws them.
    pub drawn_offline: Vec<DrawnOffline>,
}

/// `count` of the validators offline over `[start, end)`, drawn by selection sampling from
/// the timeline event's own stream `(seed, scenario.events, stream)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnOffline {
    /// The event's stream key.
    pub stream: u64,
    /// Validators to draw (at most all of them).
    pub count: u32,
    /// From.
    pub start: SimTime,
    /// Until (`SimTime::MAX`: for good).
    pub end: SimTime,
}

/// `count` random stakers alike, each with its own account and stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakerGroup {
    /// Stakers in the group.
    pub count: u64,
    /// Liquid balance of each at genesis.
    pub endowment: Amount,
    /// What each does.
    pub plan: RandomStaker,
}

/// Validated contracts inputs; `build` makes the contracts of a run from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractsSpec {
    /// Contract rules.
    pub config: ContractsConfig,
    /// Genesis validators.
    pub genesis: Vec<GenesisValidator>,
    /// Liquid balances at genesis of the admin and the validators' own accounts.
    pub balances: Vec<(AccountId, Amount)>,
    /// Staker populations, in account order.
    pub staker_groups: Vec<StakerGroup>,
    /// Admin proposals.
    pub admin: AdminPlan,
    /// Validator voting.
    pub voting: Option<VoterPolicy>,
    /// Validators' income withdrawals.
    pub income: IncomePlan,
    /// Per-transaction fee.
    pub tx_fee: Amount,
    /// Per-block fee model.
    pub fees: FeeModel,
    /// The timeline's contract transactions, in file order.
    pub timeline: Vec<super::events::ContractAction>,
    /// The timeline's fee-model changes.
    pub fee_changes: Vec<(SimTime, FeeModel)>,
    /// Everything the contracts hold at genesis (balances of every account and genesis stakes).
    pub genesis_total: Amount,
}

impl ContractsSpec {
    /// Consensus mode: the contracts cannot hold more than the whole supply at genesis.
    pub(super) fn check_within_supply(&self) -> Result<(), Issue> {
        let total = economics::TOTAL_SUPPLY;
        if self.genesis_total > total {
            return Err(Issue::cross(
                "contracts",
                format!(
                    "the contracts start with {} wei (balances and genesis stakes), more than the \
                     whole supply of {} wei",
                    self.genesis_total.wei(),
                    total.wei()
                ),
                "lower contracts.genesis_stake, validator_endowment or the staker endowments",
            ));
        }
        Ok(())
    }
}

pub(super) fn chain(
    consensus: &RawConsensus,
    contracts: &RawContracts,
) -> Result<ChainSpec, Issue> {
    Ok(ChainSpec {
        consensus: consensus_config(consensus)?,
        contracts: contracts_spec(contracts, consensus)?,
        drawn_offline: Vec::new(),
    })
}

/// The id of validator `id` at `path`, if the chain has it.
fn validator(raw: &RawConsensus, path: &str, id: u32) -> Result<ValidatorId, Issue> {
    validator_id(path, id, raw.validators)
}

/// Validator `id` of `validators` (ids 1..=validators), or the issue naming `path`: the one
/// check of every validator id a scenario names.
pub(super) fn validator_id(path: &str, id: u32, validators: u32) -> Result<ValidatorId, Issue> {
    if (1..=validators).contains(&id) {
        Ok(ValidatorId(id))
    } else {
        Err(Issue::cross(
            path,
            format!("validator {id} does not exist"),
            &format!("validator ids are 1 to {validators}"),
        ))
    }
}

fn check_counts(raw: &RawConsensus) -> Result<(), Issue> {
    if !(1..=MAX_VALIDATOR_NODES).contains(&raw.validators) {
        return Err(Issue::range(
            "consensus.validators",
            format!("{} validators", raw.validators),
            &format!("1 to {MAX_VALIDATOR_NODES} (consensus-model's limit)"),
        ));
    }
    if raw.genesis_validators == 0
        || raw.genesis_validators > MAX_GENESIS_VALIDATORS
        || raw.genesis_validators > raw.validators
    {
        return Err(Issue::cross(
            "consensus.genesis_validators",
            format!(
                "{} genesis validators of {}",
                raw.genesis_validators, raw.validators
            ),
            &format!("1 to {MAX_GENESIS_VALIDATORS}, and at most consensus.validators"),
        ));
    }
    if raw.full_nodes > MAX_FULL_NODES {
        return Err(Issue::range(
            "consensus.full_nodes",
            format!("{} full nodes", raw.full_nodes),
            &format!("0 to {MAX_FULL_NODES} (consensus-model's limit)"),
        ));
    }
    if let RawTopology::Gossip { degree: 0, .. } = raw.topology {
        return Err(Issue::range(
            "consensus.topology.degree",
            "a gossip overlay of degree 0 connects nobody",
            "a degree of at least 1 (e.g. 8)",
        ));
    }
    Ok(())
}

fn consensus_config(raw: &RawConsensus) -> Result<ConsensusConfig, Issue> {
    check_counts(raw)?;
    let mut cfg = ConsensusConfig::with_validators(raw.genesis_validators)
        .map_err(|e| Issue::range("consensus", e.to_string(), "see scenarios/README.md"))?;
    cfg.validators = (1..=raw.validators).map(ValidatorId).collect();
    cfg.full_nodes = raw.full_nodes;
    cfg.tie_break = match raw.tie_break {
        RawTieBreak::Coin => TieBreak::Coin,
        RawTieBreak::FirstSeen => TieBreak::FirstSeen,
        RawTieBreak::Eip3436 => TieBreak::Eip3436,
    };
    cfg.resync_ms = raw.resync_ms;
    cfg.full_node_sync = match raw.full_node_sync {
        RawSync::RoundTrip => AncestorSync::RoundTrip,
        RawSync::Instant => AncestorSync::Instant,
    };
    cfg.propagation = match raw.propagation {
        RawPropagation::FirstArrival => Propagation::FirstArrival,
        RawPropagation::EveryCopy => Propagation::EveryCopy,
    };
    cfg.finality_lag_ms = raw.finality_lag_ms;
    cfg.halt_gap_ms = raw.halt_gap_ms;
    cfg.max_blocks = raw.max_blocks;
    cfg.latency = latency(&raw.latency);
    cfg.topology = match raw.topology {
        RawTopology::FullMesh => Topology::FullMesh,
        RawTopology::Gossip {
            degree,
            validator_mesh,
        } => Topology::Gossip {
            degree,
            validator_mesh,
        },
    };
    let rates = |c: crate::format::RawCrash| CrashRepair {
        mtbf_ms: c.mtbf_s.saturating_mul(1_000),
        mttr_ms: c.mttr_s.saturating_mul(1_000),
    };
    cfg.faults.crash = raw.crash.map(rates);
    cfg.faults.full_node_crash = raw.full_node_crash.map(rates);
    if raw.full_node_crash.is_some() && raw.full_nodes == 0 {
        return Err(Issue::cross(
            "consensus.full_node_crash",
            "full nodes crash, but there are none",
            "set consensus.full_nodes, or remove full_node_crash",
        ));
    }
    for (i, o) in raw.offline.iter().enumerate() {
        cfg.faults
            .offline
            .extend(offline(raw, &format!("consensus.offline[{i}]"), o)?);
    }
    for (i, s) in raw.slow.iter().enumerate() {
        let start = SimTime::from_secs(s.start_s.unwrap_or(0));
        let end = s.end_s.map_or(SimTime::MAX, SimTime::from_secs);
        if end <= start {
            return Err(Issue::cross(
                &format!("consensus.slow[{i}].end_s"),
                "ends before it starts",
                "end_s > start_s",
            ));
        }
        cfg.faults.slow.push(Slow {
            validator: validator(raw, &format!("consensus.slow[{i}].validator"), s.validator)?,
            extra_ms: s.extra_ms,
            start,
            end,
        });
    }
    for (i, part) in raw.partitions.iter().enumerate() {
        cfg.faults
            .partitions
            .push(partition(raw, &format!("consensus.partitions[{i}]"), part)?);
    }
    cfg.validate().map_err(|e| {
        Issue::cross(
            "consensus",
            e.to_string(),
            "see scenarios/README.md, [consensus]",
        )
    })?;
    Ok(cfg)
}

fn latency(raw: &RawLatency) -> Latency {
    match raw {
        RawLatency::Constant { ms } => Latency::Constant { ms: *ms },
        RawLatency::Uniform { min_ms, max_ms } => Latency::Uniform {
            min_ms: *min_ms,
            max_ms: *max_ms,
        },
        RawLatency::ExponentialWithMin {
            min_ms,
            mean_extra_ms,
        } => Latency::ExponentialWithMin {
            min_ms: *min_ms,
            mean_extra_ms: *mean_extra_ms,
        },
        RawLatency::LogNormal {
            median_ms,
            sigma_milli,
        } => Latency::LogNormal {
            median_ms: *median_ms,
            sigma_milli: *sigma_milli,
        },
        RawLatency::Regions {
            matrix_ms,
            jitter_ms,
            validator_regions,
            full_node_regions,
        } => Latency::Regions(RegionLatency {
            matrix_ms: matrix_ms.clone(),
            jitter_ms: *jitter_ms,
            validator_regions: validator_regions.clone(),
            full_node_regions: full_node_regions.clone(),
        }),
    }
}

/// An inclusive range of full nodes, checked against `consensus.full_nodes`.
fn full_node_range(
    raw: &RawConsensus,
    path: &str,
    [first, last]: [u32; 2],
) -> Result<std::ops::RangeInclusive<u32>, Issue> {
    if first > last || last >= raw.full_nodes {
        return Err(Issue::cross(
            path,
            format!(
                "full nodes [{first}, {last}] are not a range of the {} full nodes",
                raw.full_nodes
            ),
            "[first, last] with first <= last < consensus.full_nodes",
        ));
    }
    Ok(first..=last)
}

/// One offline entry, checked with its key path `path` (a `[[consensus.offline]]` entry or the
/// timeline event it comes from).
pub(super) fn offline(
    raw: &RawConsensus,
    path: &str,
    o: &RawOffline,
) -> Result<Vec<Offline>, Issue> {
    let path = path.to_owned();
    let nodes: Vec<NodeRef> = match (o.validator, o.full_node, o.full_nodes, o.full_node_region) {
        (Some(v), None, None, None) => {
            vec![NodeRef::Validator(validator(
                raw,
                &format!("{path}.validator"),
                v,
            )?)]
        }
        (None, Some(f), None, None) if f < raw.full_nodes => vec![NodeRef::Full(f)],
        (None, Some(f), None, None) => {
            return Err(Issue::cross(
                &format!("{path}.full_node"),
                format!("full node {f} does not exist"),
                "full nodes are 0 to consensus.full_nodes - 1",
            ));
        }
        (None, None, Some(r), None) => full_node_range(raw, &format!("{path}.full_nodes"), r)?
            .map(NodeRef::Full)
            .collect(),
        (None, None, None, Some(region)) => {
            let rpath = format!("{path}.full_node_region");
            let lat = regions(raw, &rpath, &[region])?;
            (0..raw.full_nodes)
                .filter(|&f| lat.full_node_region(f as usize) == region)
                .map(NodeRef::Full)
                .collect()
        }
        _ => {
            return Err(Issue::new(
                ErrorKind::MissingKey,
                &path,
                "give exactly one of `validator`, `full_node`, `full_nodes` or `full_node_region`",
                "e.g. { validator = 3, start_s = 0 } or { full_nodes = [0, 99], start_s = 0 }",
            ));
        }
    };
    let start = SimTime::from_secs(o.start_s);
    let end = o.end_s.map_or(SimTime::MAX, SimTime::from_secs);
    if end <= start {
        return Err(Issue::cross(
            &format!("{path}.end_s"),
            "ends before it starts",
            "end_s > start_s",
        ));
    }
    Ok(nodes
        .into_iter()
        .map(|node| Offline { node, start, end })
        .collect())
}

/// The region latency model, if `consensus.latency` is one and names every region in
/// `named` (checked at `path`).
fn regions(raw: &RawConsensus, path: &str, named: &[u16]) -> Result<RegionLatency, Issue> {
    let Latency::Regions(lat) = latency(&raw.latency) else {
        return Err(Issue::cross(
            path,
            "names latency regions, but consensus.latency has none",
            "set consensus.latency = { kind = \"regions\", … }",
        ));
    };
    if let Some(r) = named
        .iter()
        .find(|&&r| usize::from(r) >= lat.matrix_ms.len())
    {
        return Err(Issue::cross(
            path,
            format!("region {r} does not exist"),
            &format!(
                "regions are 0 to {} (the rows of consensus.latency.matrix_ms)",
                lat.matrix_ms.len().saturating_sub(1)
            ),
        ));
    }
    Ok(lat)
}

/// Adds each validator and full node of the regions `part.region_groups[g]` to group `g`
/// (refusing a region in two groups, and a node a group already holds by id or range).
fn region_groups(
    raw: &RawConsensus,
    path: &str,
    part: &RawPartition,
    groups: &mut Vec<Vec<NodeRef>>,
    (seen, full_seen): (
        &mut std::collections::BTreeSet<u32>,
        &mut std::collections::BTreeSet<u32>,
    ),
) -> Result<(), Issue> {
    let rpath = format!("{path}.region_groups");
    let named: Vec<u16> = part.region_groups.iter().flatten().copied().collect();
    let lat = regions(raw, &rpath, &named)?;
    let mut group_of = std::collections::BTreeMap::new();
    for (g, list) in part.region_groups.iter().enumerate() {
        if g >= groups.len() {
            groups.push(Vec::new());
        }
        for &r in list {
            if group_of.insert(r, g).is_some() {
                return Err(Issue::cross(
                    &rpath,
                    format!("region {r} is in two groups"),
                    "each region is in at most one group of a partition",
                ));
            }
        }
    }
    let twice = |what: String| {
        Issue::cross(
            &rpath,
            format!("{what} is in a group already"),
            "a node is in at most one group of a partition: by id, by range or by region",
        )
    };
    for (k, r) in lat.validator_regions.iter().enumerate() {
        let v = k as u32 + 1;
        if let Some(&g) = group_of.get(r) {
            if !seen.insert(v) {
                return Err(twice(format!("validator {v} (region {r})")));
            }
            groups[g].push(NodeRef::Validator(validator(raw, &rpath, v)?));
        }
    }
    for f in 0..raw.full_nodes {
        let r = lat.full_node_region(f as usize);
        if let Some(&g) = group_of.get(&r) {
            if !full_seen.insert(f) {
                return Err(twice(format!("full node {f} (region {r})")));
            }
            groups[g].push(NodeRef::Full(f));
        }
    }
    Ok(())
}

/// One partition, checked with its key path `path` (a `[[consensus.partitions]]` entry or the
/// timeline event it comes from).
pub(super) fn partition(
    raw: &RawConsensus,
    path: &str,
    part: &RawPartition,
) -> Result<Partition, Issue> {
    let path = path.to_owned();
    let mut seen = std::collections::BTreeSet::new();
    let mut groups = Vec::new();
    for g in &part.groups {
        let mut nodes = Vec::new();
        for &v in g {
            let id = validator(raw, &format!("{path}.groups"), v)?;
            if !seen.insert(v) {
                return Err(Issue::cross(
                    &format!("{path}.groups"),
                    format!("validator {v} is in two groups"),
                    "each validator is in at most one group of a partition",
                ));
            }
            nodes.push(NodeRef::Validator(id));
        }
        groups.push(nodes);
    }
    let mut full_seen = std::collections::BTreeSet::new();
    for (g, ranges) in part.full_node_groups.iter().enumerate() {
        if g >= groups.len() {
            groups.push(Vec::new());
        }
        for &r in ranges {
            let fpath = format!("{path}.full_node_groups");
            for f in full_node_range(raw, &fpath, r)? {
                if !full_seen.insert(f) {
                    return Err(Issue::cross(
                        &fpath,
                        format!("full node {f} is in two groups"),
                        "each full node is in at most one group of a partition",
                    ));
                }
                groups[g].push(NodeRef::Full(f));
            }
        }
    }
    if !part.region_groups.is_empty() {
        region_groups(raw, &path, part, &mut groups, (&mut seen, &mut full_seen))?;
    }
    Ok(Partition {
        groups,
        start: SimTime::from_secs(part.start_s),
        end: SimTime::from_secs(part.end_s),
    })
}

fn contracts_config(raw: &RawContracts) -> Result<ContractsConfig, Issue> {
    let config = ContractsConfig {
        proposer: match raw.proposer {
            RawProposer::Admin => ProposerRule::Admin(ADMIN_ACCOUNT),
            RawProposer::Anyone => ProposerRule::Anyone,
        },
        proposal_lifetime_ms: raw
            .proposal_lifetime_days
            .saturating_mul(sim_core::time::MS_PER_DAY),
        min_stake_wei: raw.min_stake.0,
        min_stake_rule: match raw.min_stake_rule {
            RawMinStakeRule::PerStaker => MinStakeRule::PerStaker,
            RawMinStakeRule::PerTransaction => MinStakeRule::PerTransaction,
            RawMinStakeRule::ValidatorTotal => MinStakeRule::ValidatorTotal,
        },
        unbonding_blocks: raw.unbonding_blocks,
        income_withdraw_period_blocks: raw.income_withdraw_period_blocks,
        ranking: match raw.ranking {
            RawRanking::TopByStake => RankingRule::TopByStake,
            RawRanking::HecoIncremental => RankingRule::HecoIncremental,
        },
        rank_on_parent_state: raw.rank_on_parent_state,
        fee_split: match raw.fee_split {
            RawFeeSplit::ByStake => FeeSplit::ByStake,
            RawFeeSplit::Equal => FeeSplit::Equal,
        },
        staker_share_bps: raw.staker_share_bps,
        punish_exempt_recent_signers: raw.punish_exempt_recent_signers,
        punish_threshold: raw.punish_threshold,
        jail_threshold: raw.jail_threshold,
        missed_decay_per_epoch: raw.missed_decay_per_epoch,
        confiscation: match raw.confiscation {
            RawConfiscation::Redistribute => Confiscation::Redistribute,
            RawConfiscation::Burn => Confiscation::Burn,
        },
        confiscate_on_jail: raw.confiscate_on_jail,
        ..ContractsConfig::default()
    };
    config.validate().map_err(|e| {
        Issue::cross(
            "contracts",
            e.to_string(),
            "see scenarios/README.md, [contracts]",
        )
    })?;
    Ok(config)
}

fn check_ppm(path: &str, ppm: u32) -> Result<(), Issue> {
    if ppm > 1_000_000 {
        return Err(Issue::range(
            path,
            format!("{ppm} ppm"),
            "0 to 1000000 ppm (parts per million)",
        ));
    }
    Ok(())
}

/// The fee model at `path` (`contracts.fees`, or an event's `fees`).
pub(super) fn fee_model(path: &str, raw: &RawFeeModel) -> Result<FeeModel, Issue> {
    let range = |min: Amount, max: Amount| {
        if min > max {
            return Err(Issue::cross(
                &format!("{path}.min"),
                format!("min {} wei is above max {} wei", min.wei(), max.wei()),
                "min ≤ max",
            ));
        }
        Ok(())
    };
    Ok(match *raw {
        RawFeeModel::Constant { amount } => FeeModel::Constant(amount.0),
        RawFeeModel::Uniform { min, max } => {
            range(min.0, max.0)?;
            FeeModel::Uniform {
                min: min.0,
                max: max.0,
            }
        }
        RawFeeModel::Sparse { busy_ppm, min, max } => {
            check_ppm(&format!("{path}.busy_ppm"), busy_ppm)?;
            range(min.0, max.0)?;
            FeeModel::Sparse {
                busy_ppm,
                min: min.0,
                max: max.0,
            }
        }
    })
}

/// Checks one validator id against a chain of `n` validators.
fn staker_group(g: usize, group: &RawStakerGroup, n: u32) -> Result<StakerGroup, Issue> {
    let path = format!("contracts.staker_groups[{g}]");
    let targets = if group.targets.is_empty() {
        (1..=n).map(ValidatorId).collect()
    } else {
        let targets = group.targets.iter();
        targets
            .map(|&v| validator_id(&format!("{path}.targets"), v, n))
            .collect::<Result<Vec<_>, _>>()?
    };
    if group.period_blocks == 0 || group.amount_min.0 > group.amount_max.0 {
        return Err(Issue::range(
            &path,
            "need period_blocks ≥ 1 and amount_min ≤ amount_max",
            "e.g. period_blocks = 14400",
        ));
    }
    check_ppm(&format!("{path}.stake_ppm"), group.stake_ppm)?;
    check_ppm(&format!("{path}.unstake_ppm"), group.unstake_ppm)?;
    Ok(StakerGroup {
        count: group.count,
        endowment: group.endowment.0,
        plan: RandomStaker {
            targets,
            period_blocks: group.period_blocks,
            stake_ppm: group.stake_ppm,
            unstake_ppm: group.unstake_ppm,
            amount_min: group.amount_min.0,
            amount_max: group.amount_max.0,
        },
    })
}

fn staker_groups(raw: &RawContracts, n: u32) -> Result<Vec<StakerGroup>, Issue> {
    let total: u64 = raw
        .staker_groups
        .iter()
        .map(|g| g.count)
        .fold(0, u64::saturating_add);
    if total > MAX_STAKERS {
        return Err(Issue::range(
            "contracts.staker_groups",
            format!("{total} stakers"),
            &format!("at most {MAX_STAKERS}"),
        ));
    }
    let groups = raw.staker_groups.iter().enumerate();
    groups.map(|(g, group)| staker_group(g, group, n)).collect()
}

fn admin_plan(raw: &RawContracts, n: u32) -> Result<AdminPlan, Issue> {
    let mut admin = AdminPlan {
        admin: ADMIN_ACCOUNT,
        proposals: Vec::new(),
    };
    for (i, prop) in raw.admin_proposals.iter().enumerate() {
        let path = format!("contracts.admin_proposals[{i}].validator");
        admin
            .proposals
            .push((prop.height, validator_id(&path, prop.validator, n)?));
    }
    Ok(admin)
}

/// Everything the contracts hold at genesis, or an issue if it overflows.
fn genesis_total(
    genesis: &[GenesisValidator],
    balances: &[(AccountId, Amount)],
    stakers: &[StakerGroup],
) -> Result<Amount, Issue> {
    let overflow = || {
        Issue::range(
            "contracts",
            "the genesis balances and stakes overflow",
            "amounts of at most 500000000 DCC in all",
        )
    };
    let mut total = Amount::ZERO;
    let stakes = genesis.iter().map(|g| g.stake_wei);
    for amount in stakes.chain(balances.iter().map(|b| b.1)) {
        total = total.checked_add(amount).map_err(|_| overflow())?;
    }
    for g in stakers {
        let group = g
            .endowment
            .wei()
            .checked_mul(u128::from(g.count))
            .ok_or_else(overflow)?;
        let group = Amount::from_wei(group);
        total = total.checked_add(group).map_err(|_| overflow())?;
    }
    Ok(total)
}

fn contracts_spec(raw: &RawContracts, consensus: &RawConsensus) -> Result<ContractsSpec, Issue> {
    let config = contracts_config(raw)?;
    let n = consensus.validators;
    let genesis: Vec<GenesisValidator> = (1..=consensus.genesis_validators)
        .map(|id| GenesisValidator {
            id: ValidatorId(id),
            stake_wei: raw.genesis_stake.0,
            owner: AccountId(id),
        })
        .collect();
    // The genesis stake is bonded by the contracts at genesis on top of the owner's liquid
    // endowment (it is not debited from it), so the own account holds just the endowment.
    let own = raw.validator_endowment.0;
    let mut balances = vec![(ADMIN_ACCOUNT, Amount::from_dcc(ADMIN_ENDOWMENT_DCC))];
    balances.extend((1..=n).map(|id| (AccountId(id), own)));
    let staker_groups = staker_groups(raw, n)?;
    check_ppm("contracts.voting.agree_ppm", raw.voting.agree_ppm)?;
    let genesis_total = genesis_total(&genesis, &balances, &staker_groups)?;
    Ok(ContractsSpec {
        config,
        genesis,
        balances,
        staker_groups,
        admin: admin_plan(raw, n)?,
        voting: raw.voting.enabled.then_some(VoterPolicy {
            delay_blocks: raw.voting.delay_blocks,
            agree_ppm: raw.voting.agree_ppm,
            fee_payer: None,
        }),
        tx_fee: raw.tx_fee.0,
        fees: fee_model("contracts.fees", &raw.fees)?,
        timeline: Vec::new(),
        fee_changes: Vec::new(),
        income: income_plan(&raw.income_withdrawals, n)?,
        genesis_total,
    })
}

fn income_plan(raw: &RawIncomeWithdrawals, n: u32) -> Result<IncomePlan, Issue> {
    let rule = |path: &str, r: RawIncomeRule| match r {
        RawIncomeRule::Never => Ok(IncomeWithdrawal::Never),
        RawIncomeRule::EveryBlocks { blocks: 0 } => Err(Issue::range(
            &format!("{path}.blocks"),
            "a period of 0 blocks",
            "at least 1 (the contract allows one withdrawal per income_withdraw_period_blocks)",
        )),
        RawIncomeRule::EveryBlocks { blocks } => Ok(IncomeWithdrawal::EveryBlocks(blocks)),
        RawIncomeRule::WhenAtLeast { amount } => Ok(IncomeWithdrawal::WhenAtLeast(amount.0)),
    };
    let base = "contracts.income_withdrawals";
    let mut plan = IncomePlan {
        default: rule(&format!("{base}.default"), raw.default)?,
        ..IncomePlan::default()
    };
    for (key, r) in &raw.validators {
        let path = format!("{base}.validators.{key}");
        let id = key
            .parse::<u32>()
            .ok()
            .filter(|id| (1..=n).contains(id))
            .ok_or_else(|| {
                Issue::range(
                    &path,
                    format!("`{key}` is not a validator id"),
                    &format!("validator ids are 1 to {n} (consensus.validators)"),
                )
            })?;
        plan.by_validator.insert(ValidatorId(id), rule(&path, *r)?);
    }
    Ok(plan)
}
