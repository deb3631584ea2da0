//! `[consensus]` and `[contracts]`: the chain as a scenario section — validators, network,
//! faults (SPEC §2) and the system contracts with staker, admin and voting behaviours and a fee
//! model (SPEC §3) — validated into `ConsensusConfig` and `DrivenContracts`.

use consensus_model::config::{
    ConsensusConfig, CrashRepair, Latency, NodeRef, Offline, Partition, RegionLatency, Slow,
    TieBreak, Topology,
};
use consensus_model::contracts::{
    AccountId, AdminPlan, Confiscation, ContractDriver, ContractEvent, ContractRecorder,
    ContractsConfig, DrivenContracts, EpochRecord, FeeModel, FeeSource, FeeSplit, GenesisValidator,
    MinStakeRule, ProposerRule, RandomStaker, RankingRule, StakerPlan, SystemContracts,
    VecRecorder, VoterPolicy,
};
use consensus_model::{MAX_ACTIVE_VALIDATORS, ValidatorId};
use serde::{Deserialize, Serialize};
use sim_core::{Amount, SimTime, Streams};

use crate::error::ErrorKind;
use crate::raw::RawAmount;
use crate::validate::Issue;

/// Most validator nodes (active or not) a scenario may declare.
pub const MAX_VALIDATOR_NODES: u32 = 1_000;
/// Most full nodes.
pub const MAX_FULL_NODES: u32 = 100_000;
/// Most stakers.
pub const MAX_STAKERS: u64 = 100_000;
/// The admin account of the paper's proposal rule.
pub const ADMIN_ACCOUNT: AccountId = AccountId(0);
/// Stakers are accounts `FIRST_STAKER_ACCOUNT..`; validators' own accounts are their ids.
pub const FIRST_STAKER_ACCOUNT: u32 = 1_000_000;

/// `[consensus]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConsensus {
    /// Validator nodes, with ids 1..=validators (more than 21 lets candidates wait for a seat).
    pub validators: u32,
    /// The first this many ids form the genesis active set (1..=21).
    pub genesis_validators: u32,
    /// Non-validating full nodes (relays in a gossip overlay).
    pub full_nodes: u32,
    /// Fork-choice tie at equal height: `coin` (HECO default) or `first_seen`.
    pub tie_break: RawTieBreak,
    /// A node back online waits this long for peers' heads before sealing.
    pub resync_ms: u64,
    /// A day's chain statistics are judged this long after it ends.
    pub finality_lag_ms: u64,
    /// A day with a gap of at least this long between canonical blocks counts as halted.
    pub halt_gap_ms: u64,
    /// Most blocks in a run.
    pub max_blocks: u64,
    /// One-way link latency.
    pub latency: RawLatency,
    /// How nodes are connected.
    pub topology: RawTopology,
    /// Random crash/recover of every validator (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash: Option<RawCrash>,
    /// Offline intervals.
    pub offline: Vec<RawOffline>,
    /// Slow validators.
    pub slow: Vec<RawSlow>,
    /// Network partitions.
    pub partitions: Vec<RawPartition>,
}

impl Default for RawConsensus {
    fn default() -> Self {
        RawConsensus {
            validators: 21,
            genesis_validators: 21,
            full_nodes: 0,
            tie_break: RawTieBreak::Coin,
            resync_ms: 2_000,
            finality_lag_ms: sim_core::time::MS_PER_DAY,
            halt_gap_ms: 60_000,
            max_blocks: 100_000_000,
            latency: RawLatency::Uniform {
                min_ms: 50,
                max_ms: 300,
            },
            topology: RawTopology::FullMesh,
            crash: None,
            offline: Vec::new(),
            slow: Vec::new(),
            partitions: Vec::new(),
        }
    }
}

/// Fork-choice tie rule.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawTieBreak {
    Coin,
    FirstSeen,
    Eip3436,
}

/// Latency models (integer ms; σ in thousandths).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawLatency {
    Constant {
        ms: u64,
    },
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    ExponentialWithMin {
        min_ms: u64,
        mean_extra_ms: u64,
    },
    LogNormal {
        median_ms: u64,
        sigma_milli: u32,
    },
    Regions {
        matrix_ms: Vec<Vec<u64>>,
        jitter_ms: u64,
        validator_regions: Vec<u16>,
        #[serde(default)]
        full_node_regions: Vec<u16>,
    },
}

/// Topology.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawTopology {
    FullMesh,
    Gossip {
        degree: u32,
        #[serde(default = "yes")]
        validator_mesh: bool,
    },
}

const fn yes() -> bool {
    true
}

/// `[consensus.crash]`: exponential up and down times per validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrash {
    /// Mean time between failures, seconds.
    pub mtbf_s: u64,
    /// Mean time to repair, seconds.
    pub mttr_s: u64,
}

/// `[[consensus.offline]]`: one validator (or full node) offline in `[start_s, end_s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOffline {
    /// Validator id (give this or `full_node`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<u32>,
    /// Full node number, 0-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_node: Option<u32>,
    /// Start, seconds since genesis.
    pub start_s: u64,
    /// End, seconds since genesis (absent: offline for good).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<u64>,
}

/// `[[consensus.slow]]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlow {
    /// Validator id.
    pub validator: u32,
    /// Extra broadcast delay, ms.
    pub extra_ms: u64,
}

/// `[[consensus.partitions]]`: validator groups that cannot reach each other in `[start_s, end_s)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartition {
    /// Groups of validator ids; nodes in no group form one more group.
    pub groups: Vec<Vec<u32>>,
    /// Start, seconds.
    pub start_s: u64,
    /// Heal time, seconds.
    pub end_s: u64,
}

/// `[contracts]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawContracts {
    /// `admin` (paper) or `anyone` (HECO) may propose.
    pub proposer: RawProposer,
    /// Days a proposal accepts votes (7).
    pub proposal_lifetime_days: u64,
    /// Staking minimum (16 DCC paper; HECO 32 DCC).
    pub min_stake: RawAmount,
    /// `per_staker` (paper, default), `per_transaction`, `validator_total` (HECO).
    pub min_stake_rule: RawMinStakeRule,
    /// Unbonding blocks (86,400).
    pub unbonding_blocks: u64,
    /// Blocks between income withdrawals (28,800).
    pub income_withdraw_period_blocks: u64,
    /// `top_by_stake` (default) or `heco_incremental`.
    pub ranking: RawRanking,
    /// Rank on the state at the end of block N−1 (SPEC §2.7).
    pub rank_on_parent_state: bool,
    /// `by_stake` (default) or `equal`.
    pub fee_split: RawFeeSplit,
    /// Share of fee income passed to stakers, bps (default 0).
    pub staker_share_bps: u32,
    /// Exempt recent signers from Punish (HECO).
    pub punish_exempt_recent_signers: bool,
    /// Missed turns that confiscate income (24).
    pub punish_threshold: u32,
    /// Missed turns that jail (48).
    pub jail_threshold: u32,
    /// Counter decay per epoch (2; 0 = off, the paper's letter).
    pub missed_decay_per_epoch: u32,
    /// `redistribute` (default) or `burn` confiscated income.
    pub confiscation: RawConfiscation,
    /// Confiscate income when jailing.
    pub confiscate_on_jail: bool,
    /// Genesis stake of each genesis validator (owned by its own account).
    pub genesis_stake: RawAmount,
    /// Liquid balance of each validator's own account at genesis.
    pub validator_endowment: RawAmount,
    /// Fee of every simulated transaction (stakes, votes, …).
    pub tx_fee: RawAmount,
    /// Transaction fees of each block.
    pub fees: RawFeeModel,
    /// The admin's proposals.
    pub admin_proposals: Vec<RawProposal>,
    /// How validators vote on proposals.
    pub voting: RawVoting,
    /// Staker populations.
    pub staker_groups: Vec<RawStakerGroup>,
}

impl Default for RawContracts {
    fn default() -> Self {
        let c = ContractsConfig::default();
        RawContracts {
            proposer: RawProposer::Admin,
            proposal_lifetime_days: c.proposal_lifetime_ms / sim_core::time::MS_PER_DAY,
            min_stake: RawAmount(c.min_stake_wei),
            min_stake_rule: RawMinStakeRule::PerStaker,
            unbonding_blocks: c.unbonding_blocks,
            income_withdraw_period_blocks: c.income_withdraw_period_blocks,
            ranking: RawRanking::TopByStake,
            rank_on_parent_state: c.rank_on_parent_state,
            fee_split: RawFeeSplit::ByStake,
            staker_share_bps: c.staker_share_bps,
            punish_exempt_recent_signers: c.punish_exempt_recent_signers,
            punish_threshold: c.punish_threshold,
            jail_threshold: c.jail_threshold,
            missed_decay_per_epoch: c.missed_decay_per_epoch,
            confiscation: RawConfiscation::Redistribute,
            confiscate_on_jail: c.confiscate_on_jail,
            genesis_stake: RawAmount(Amount::ZERO),
            validator_endowment: RawAmount(Amount::from_dcc(1_000)),
            tx_fee: RawAmount(Amount::from_wei(sim_core::WEI_PER_DCC / 1_000)),
            fees: RawFeeModel::Constant {
                amount: RawAmount(Amount::from_wei(sim_core::WEI_PER_DCC / 100)),
            },
            admin_proposals: Vec::new(),
            voting: RawVoting::default(),
            staker_groups: Vec::new(),
        }
    }
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Who may propose.
pub enum RawProposer {
    Admin,
    Anyone,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Minimum-stake rule.
pub enum RawMinStakeRule {
    PerStaker,
    PerTransaction,
    ValidatorTotal,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Ranking rule.
pub enum RawRanking {
    TopByStake,
    HecoIncremental,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Fee split.
pub enum RawFeeSplit {
    ByStake,
    Equal,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Confiscated income sink.
pub enum RawConfiscation {
    Redistribute,
    Burn,
}

/// Per-block fee model.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawFeeModel {
    Constant {
        amount: RawAmount,
    },
    Uniform {
        min: RawAmount,
        max: RawAmount,
    },
    Sparse {
        busy_ppm: u32,
        min: RawAmount,
        max: RawAmount,
    },
}

/// `[[contracts.admin_proposals]]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProposal {
    /// Block height at which the admin proposes.
    pub height: u64,
    /// Candidate validator id.
    pub validator: u32,
}

/// `[contracts.voting]`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawVoting {
    /// Validators vote on open proposals (default true).
    pub enabled: bool,
    /// Blocks after creation before voting.
    pub delay_blocks: u64,
    /// Chance of agreeing, ppm.
    pub agree_ppm: u32,
}

impl Default for RawVoting {
    fn default() -> Self {
        let v = VoterPolicy::default();
        RawVoting {
            enabled: true,
            delay_blocks: v.delay_blocks,
            agree_ppm: v.agree_ppm,
        }
    }
}

/// `[[contracts.staker_groups]]`: random stakers, each with its own stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStakerGroup {
    /// Number of stakers.
    pub count: u64,
    /// Liquid balance of each at genesis.
    pub endowment: RawAmount,
    /// Validator ids they stake to (empty: every validator).
    #[serde(default)]
    pub targets: Vec<u32>,
    /// Decide every this many blocks.
    #[serde(default = "default_period")]
    pub period_blocks: u64,
    /// Chance to stake when holding nothing on the drawn target, ppm.
    #[serde(default = "default_stake_ppm")]
    pub stake_ppm: u32,
    /// Chance to unstake when bonded on it, ppm.
    #[serde(default = "default_unstake_ppm")]
    pub unstake_ppm: u32,
    /// Smallest stake.
    #[serde(default = "default_amount_min")]
    pub amount_min: RawAmount,
    /// Largest stake.
    #[serde(default = "default_amount_max")]
    pub amount_max: RawAmount,
}

const fn default_period() -> u64 {
    14_400
}
const fn default_stake_ppm() -> u32 {
    500_000
}
const fn default_unstake_ppm() -> u32 {
    50_000
}
fn default_amount_min() -> RawAmount {
    RawAmount(Amount::from_dcc(16))
}
fn default_amount_max() -> RawAmount {
    RawAmount(Amount::from_dcc(1_000))
}

/// The validated consensus configuration.
pub fn consensus_to_engine(raw: &RawConsensus) -> Result<ConsensusConfig, Issue> {
    let p = "consensus";
    if !(1..=MAX_VALIDATOR_NODES).contains(&raw.validators) {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "consensus.validators",
            format!("{} validators", raw.validators),
            &format!("1 to {MAX_VALIDATOR_NODES}"),
        ));
    }
    if raw.genesis_validators == 0
        || raw.genesis_validators as usize > MAX_ACTIVE_VALIDATORS
        || raw.genesis_validators > raw.validators
    {
        return Err(Issue::new(
            ErrorKind::CrossField,
            "consensus.genesis_validators",
            format!(
                "{} genesis validators of {}",
                raw.genesis_validators, raw.validators
            ),
            "1 to 21, and at most consensus.validators",
        ));
    }
    if raw.full_nodes > MAX_FULL_NODES {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "consensus.full_nodes",
            format!("{}", raw.full_nodes),
            &format!("0 to {MAX_FULL_NODES}"),
        ));
    }
    let validator = |path: &str, id: u32| {
        if (1..=raw.validators).contains(&id) {
            Ok(ValidatorId(id))
        } else {
            Err(Issue::new(
                ErrorKind::CrossField,
                path,
                format!("validator {id} does not exist"),
                &format!("validator ids are 1 to {}", raw.validators),
            ))
        }
    };
    // Defaults for the genesis set, then every declared validator node (ids 1..=validators).
    let mut cfg = ConsensusConfig::with_validators(raw.genesis_validators).map_err(|e| {
        Issue::new(
            ErrorKind::OutOfRange,
            p,
            e.to_string(),
            "see scenarios/README.md",
        )
    })?;
    cfg.validators = (1..=raw.validators).map(ValidatorId).collect();
    cfg.full_nodes = raw.full_nodes;
    cfg.tie_break = match raw.tie_break {
        RawTieBreak::Coin => TieBreak::Coin,
        RawTieBreak::FirstSeen => TieBreak::FirstSeen,
        RawTieBreak::Eip3436 => TieBreak::Eip3436,
    };
    cfg.resync_ms = raw.resync_ms;
    cfg.finality_lag_ms = raw.finality_lag_ms;
    cfg.halt_gap_ms = raw.halt_gap_ms;
    cfg.max_blocks = raw.max_blocks;
    cfg.latency = match &raw.latency {
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
    };
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
    cfg.faults.crash = raw.crash.map(|c| CrashRepair {
        mtbf_ms: c.mtbf_s.saturating_mul(1_000),
        mttr_ms: c.mttr_s.saturating_mul(1_000),
    });
    for (i, o) in raw.offline.iter().enumerate() {
        let path = format!("consensus.offline[{i}]");
        let node = match (o.validator, o.full_node) {
            (Some(v), None) => NodeRef::Validator(validator(&format!("{path}.validator"), v)?),
            (None, Some(f)) if f < raw.full_nodes => NodeRef::Full(f),
            (None, Some(f)) => {
                return Err(Issue::new(
                    ErrorKind::CrossField,
                    &format!("{path}.full_node"),
                    format!("full node {f} does not exist"),
                    "full nodes are 0 to consensus.full_nodes - 1",
                ));
            }
            _ => {
                return Err(Issue::new(
                    ErrorKind::MissingKey,
                    &path,
                    "give exactly one of `validator` or `full_node`".into(),
                    "e.g. { validator = 3, start_s = 0 }",
                ));
            }
        };
        let end = o.end_s.map_or(SimTime::MAX, SimTime::from_secs);
        if end <= SimTime::from_secs(o.start_s) {
            return Err(Issue::new(
                ErrorKind::CrossField,
                &format!("{path}.end_s"),
                "ends before it starts".into(),
                "end_s > start_s",
            ));
        }
        cfg.faults.offline.push(Offline {
            node,
            start: SimTime::from_secs(o.start_s),
            end,
        });
    }
    for (i, s) in raw.slow.iter().enumerate() {
        cfg.faults.slow.push(Slow {
            validator: validator(&format!("consensus.slow[{i}].validator"), s.validator)?,
            extra_ms: s.extra_ms,
        });
    }
    for (i, part) in raw.partitions.iter().enumerate() {
        let path = format!("consensus.partitions[{i}]");
        let mut groups = Vec::new();
        for g in &part.groups {
            let mut nodes = Vec::new();
            for &v in g {
                nodes.push(NodeRef::Validator(validator(&format!("{path}.groups"), v)?));
            }
            groups.push(nodes);
        }
        cfg.faults.partitions.push(Partition {
            groups,
            start: SimTime::from_secs(part.start_s),
            end: SimTime::from_secs(part.end_s),
        });
    }
    cfg.validate().map_err(|e| {
        Issue::new(
            ErrorKind::CrossField,
            p,
            e.to_string(),
            "see scenarios/README.md, [consensus]",
        )
    })?;
    Ok(cfg)
}

/// Validated contracts inputs (built into `DrivenContracts` per run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractsSetup {
    /// Contract rules.
    pub config: ContractsConfig,
    /// Genesis validators.
    pub genesis: Vec<GenesisValidator>,
    /// Liquid balances at genesis.
    pub balances: Vec<(AccountId, Amount)>,
    /// Staker behaviours.
    pub stakers: Vec<(AccountId, StakerPlan)>,
    /// Admin proposals.
    pub admin: AdminPlan,
    /// Validator voting.
    pub voting: Option<VoterPolicy>,
    /// Per-transaction fee.
    pub tx_fee: Amount,
    /// Per-block fee model.
    pub fees: FeeModel,
}

/// The validated contracts setup of a chain with `consensus` validators.
pub fn contracts_to_engine(
    raw: &RawContracts,
    consensus: &RawConsensus,
) -> Result<ContractsSetup, Issue> {
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
    let mut balances: Vec<(AccountId, Amount)> = vec![(ADMIN_ACCOUNT, Amount::from_dcc(1_000))];
    balances.extend((1..=n).map(|id| (AccountId(id), own)));
    let mut stakers = Vec::new();
    let total: u64 = raw
        .staker_groups
        .iter()
        .map(|g| g.count)
        .fold(0, u64::saturating_add);
    if total > MAX_STAKERS {
        return Err(Issue::new(
            ErrorKind::OutOfRange,
            "contracts.staker_groups",
            format!("{total} stakers"),
            &format!("at most {MAX_STAKERS}"),
        ));
    }
    let mut next = FIRST_STAKER_ACCOUNT;
    for (g, group) in raw.staker_groups.iter().enumerate() {
        let path = format!("contracts.staker_groups[{g}]");
        let targets: Vec<ValidatorId> = if group.targets.is_empty() {
            (1..=n).map(ValidatorId).collect()
        } else {
            let mut t = Vec::new();
            for &v in &group.targets {
                if !(1..=n).contains(&v) {
                    return Err(Issue::new(
                        ErrorKind::CrossField,
                        &format!("{path}.targets"),
                        format!("validator {v} does not exist"),
                        &format!("validator ids are 1 to {n}"),
                    ));
                }
                t.push(ValidatorId(v));
            }
            t
        };
        if group.period_blocks == 0 || group.amount_min.0 > group.amount_max.0 {
            return Err(Issue::new(
                ErrorKind::OutOfRange,
                &path,
                "need period_blocks ≥ 1 and amount_min ≤ amount_max".into(),
                "e.g. period_blocks = 14400",
            ));
        }
        for _ in 0..group.count {
            let account = AccountId(next);
            next += 1;
            balances.push((account, group.endowment.0));
            stakers.push((
                account,
                StakerPlan::Random(RandomStaker {
                    targets: targets.clone(),
                    period_blocks: group.period_blocks,
                    stake_ppm: group.stake_ppm,
                    unstake_ppm: group.unstake_ppm,
                    amount_min: group.amount_min.0,
                    amount_max: group.amount_max.0,
                }),
            ));
        }
    }
    let mut admin = AdminPlan {
        admin: ADMIN_ACCOUNT,
        proposals: Vec::new(),
    };
    for (i, prop) in raw.admin_proposals.iter().enumerate() {
        if !(1..=n).contains(&prop.validator) {
            return Err(Issue::new(
                ErrorKind::CrossField,
                &format!("contracts.admin_proposals[{i}].validator"),
                format!("validator {} does not exist", prop.validator),
                &format!("validator ids are 1 to {n}"),
            ));
        }
        admin
            .proposals
            .push((prop.height, ValidatorId(prop.validator)));
    }
    let fees = match raw.fees {
        RawFeeModel::Constant { amount } => FeeModel::Constant(amount.0),
        RawFeeModel::Uniform { min, max } => FeeModel::Uniform {
            min: min.0,
            max: max.0,
        },
        RawFeeModel::Sparse { busy_ppm, min, max } => FeeModel::Sparse {
            busy_ppm,
            min: min.0,
            max: max.0,
        },
    };
    let setup = ContractsSetup {
        config,
        genesis,
        balances,
        stakers,
        admin,
        voting: raw.voting.enabled.then_some(VoterPolicy {
            delay_blocks: raw.voting.delay_blocks,
            agree_ppm: raw.voting.agree_ppm,
            fee_payer: None,
        }),
        tx_fee: raw.tx_fee.0,
        fees,
    };
    // Build once so that every contract rule is checked before anything runs.
    build_contracts(&setup, 0, 1, false).map_err(|e| {
        Issue::new(
            ErrorKind::CrossField,
            "contracts",
            e.to_string(),
            "see scenarios/README.md, [contracts]",
        )
    })?;
    Ok(setup)
}

/// The contracts' log as the scenario keeps it: every event and epoch record, except that the
/// per-block `FeesDistributed` events (one per block, the bulk of a long run) are only counted
/// and summed unless `keep_fee_events` — per-validator income is in the epoch records anyway —
/// so memory does not grow with every block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractLog {
    /// Kept events and epoch records.
    pub inner: VecRecorder,
    /// Keep `FeesDistributed` events too.
    pub keep_fee_events: bool,
    /// Fee distributions seen (kept or not).
    pub fee_distributions: u64,
    /// Fees distributed in them.
    pub fees_distributed: Amount,
}

impl ContractRecorder for ContractLog {
    fn on_event(&mut self, height: u64, time: SimTime, event: &ContractEvent) {
        if let ContractEvent::FeesDistributed { total, .. } = event {
            self.fee_distributions += 1;
            self.fees_distributed = self
                .fees_distributed
                .checked_add(*total)
                .unwrap_or(Amount::from_wei(u128::MAX));
            if !self.keep_fee_events {
                return;
            }
        }
        self.inner.on_event(height, time, event);
    }

    fn on_epoch_record(&mut self, record: &EpochRecord) {
        self.inner.on_epoch_record(record);
    }
}

/// Builds the contracts with their behaviours for a run with `seed`.
pub fn build_contracts(
    setup: &ContractsSetup,
    seed: u64,
    max_events: usize,
    keep_fee_events: bool,
) -> Result<DrivenContracts<ContractLog>, consensus_model::contracts::ContractsError> {
    let log = ContractLog {
        inner: VecRecorder::new(max_events),
        keep_fee_events,
        ..ContractLog::default()
    };
    let contracts =
        SystemContracts::new(setup.config.clone(), &setup.genesis, &setup.balances, log)?;
    let streams = Streams::new(seed);
    let mut driver = ContractDriver::new(streams, setup.tx_fee);
    for (account, plan) in &setup.stakers {
        driver.add_staker(*account, plan.clone());
    }
    driver.set_admin(setup.admin.clone());
    if let Some(v) = setup.voting {
        driver.set_voters(v);
    }
    Ok(DrivenContracts::new(
        contracts,
        driver,
        Some(FeeSource::new(setup.fees, streams, 0)),
    ))
}
