//! `[consensus]` and `[contracts]` as a file says them: validators, network and faults (SPEC §2),
//! the system contracts' rules, behaviours and fee model (SPEC §3).

use std::collections::BTreeMap;

use consensus_model::contracts::{ContractsConfig, VoterPolicy};
use serde::{Deserialize, Serialize};
use sim_core::Amount;

use super::{RawAmount, yes};

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
    /// How a full node gets a received block's missing ancestors: `round_trip` (default) or
    /// `instant`.
    pub full_node_sync: RawSync,
    /// How a block travels a gossip overlay: `first_arrival` (default) or `every_copy`.
    pub propagation: RawPropagation,
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
    /// Random crash/recover of every full node (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_node_crash: Option<RawCrash>,
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
            full_node_sync: RawSync::RoundTrip,
            propagation: RawPropagation::FirstArrival,
            finality_lag_ms: sim_core::time::MS_PER_DAY,
            halt_gap_ms: 60_000,
            max_blocks: 100_000_000,
            latency: RawLatency::Uniform {
                min_ms: 50,
                max_ms: 300,
            },
            topology: RawTopology::FullMesh,
            crash: None,
            full_node_crash: None,
            offline: Vec::new(),
            slow: Vec::new(),
            partitions: Vec::new(),
        }
    }
}

/// Ancestor sync of full nodes.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawSync {
    RoundTrip,
    Instant,
}

/// Block propagation on a gossip overlay.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPropagation {
    FirstArrival,
    EveryCopy,
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
    /// Full nodes `[first, last]` (0-based, inclusive), all offline alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_nodes: Option<[u32; 2]>,
    /// Every full node of this latency region (`consensus.latency` of kind `regions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_node_region: Option<u16>,
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
    /// From, seconds since genesis (absent: from genesis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_s: Option<u64>,
    /// Until, seconds (absent: for good).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<u64>,
}

/// `[[consensus.partitions]]`: validator groups that cannot reach each other in `[start_s, end_s)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartition {
    /// Groups of validator ids; nodes in no group form one more group.
    pub groups: Vec<Vec<u32>>,
    /// Full nodes of each group, as inclusive ranges `[first, last]`: entry `i` joins
    /// `groups[i]` (entries past `groups` are groups of full nodes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub full_node_groups: Vec<Vec<[u32; 2]>>,
    /// Latency regions of each group: entry `i` adds every validator and full node of those
    /// regions to group `i` (entries past the other lists are groups of their own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_groups: Vec<Vec<u16>>,
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
    /// When validators withdraw their income (SPEC §3.4).
    pub income_withdrawals: RawIncomeWithdrawals,
    /// Staker populations.
    pub staker_groups: Vec<RawStakerGroup>,
}

/// `[contracts.income_withdrawals]`: when each validator withdraws its income (the contract
/// allows it once per `income_withdraw_period_blocks`; a confiscation takes what is left).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawIncomeWithdrawals {
    /// Every validator's rule (default: never).
    pub default: RawIncomeRule,
    /// Rules of single validators, by id (`"3" = { rule = "never" }`).
    pub validators: BTreeMap<String, RawIncomeRule>,
}

/// One validator's income-withdrawal rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawIncomeRule {
    /// Never withdraw.
    #[default]
    Never,
    /// At every height that is a multiple of `blocks`, once allowed.
    EveryBlocks {
        /// The period (≥ 1).
        blocks: u64,
    },
    /// As soon as the income reaches `amount` and a withdrawal is allowed.
    WhenAtLeast {
        /// The threshold.
        amount: RawAmount,
    },
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
            income_withdrawals: RawIncomeWithdrawals::default(),
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
