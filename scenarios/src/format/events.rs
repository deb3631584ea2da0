//! `[[events]]`: the scenario timeline — shocks at given times (a share of a node group going
//! dark, leaving or caught attacking, an adoption level change, validators offline, a
//! partition, stakes moved, income withdrawn, proposals and votes, fee changes), each entry one
//! action with its own time and target.

use serde::{Deserialize, Serialize};

use super::{RawAmount, RawFeeModel};

/// Who sends a staking transaction: stakers of a `[[contracts.staker_groups]]` group (all,
/// one by index, or a share drawn from the event's stream) or a validator's own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSender {
    /// Staker group index (0-based, file order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staker_group: Option<u64>,
    /// One staker of the group, by its index in the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staker: Option<u64>,
    /// A share of the group's stakers, bps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction_bps: Option<u32>,
    /// The own account of this validator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
}

/// One timeline entry, told apart by `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawEvent {
    /// A share of a node group goes dark at the start of `day` for `duration_hours` (SPEC §4.5
    /// penalties apply as to any outage).
    NodeOutage {
        /// Start day.
        day: u64,
        /// Length, hours.
        duration_hours: u64,
        /// Node group index (`[[economy.node_groups]]`, 0-based).
        group: u64,
        /// Share of the group, bps (the nodes are drawn from the event's own stream).
        fraction_bps: u32,
        /// Whether the operators report the outage.
        #[serde(default)]
        reported: bool,
    },
    /// A join wave: a share of a node group joins (and first tries to pledge) on `day`, in
    /// place of its own join day.
    NodeJoin {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// A share of a node group exits for good at the start of `day`.
    NodeExit {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// A share of a node group is caught attacking at the start of `day` (whole pledge
    /// forfeited, SPEC §4.5).
    NodeAttack {
        /// Day.
        day: u64,
        /// Node group index.
        group: u64,
        /// Share of the group, bps.
        fraction_bps: u32,
    },
    /// The adoption rate of a group's nodes (or of every group's) is `bps` from `day` until
    /// `until_day` (exclusive; absent: for good), then returns to the group's own.
    Adoption {
        /// First day.
        day: u64,
        /// Day it ends (exclusive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_day: Option<u64>,
        /// Node group index (absent: every group).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<u64>,
        /// The rate, bps.
        bps: u32,
    },
    /// Validators broadcast their blocks `extra_ms` late from `at_s` for `duration_hours`
    /// (absent: for good).
    ValidatorSlow {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_hours: Option<u64>,
        /// Validator ids.
        validators: Vec<u32>,
        /// Extra delay, ms.
        extra_ms: u64,
    },
    /// Full nodes go offline at `at_s` for `duration_hours` (absent: for good): a range
    /// `full_nodes = [first, last]` or every full node of `full_node_region`.
    FullNodeOffline {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_hours: Option<u64>,
        /// Full nodes `[first, last]`, 0-based, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        full_nodes: Option<[u32; 2]>,
        /// A latency region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        full_node_region: Option<u16>,
    },
    /// Validators go offline at `at_s` for `duration_hours` (absent: for good): those listed,
    /// or `count` of them drawn from the event's stream.
    ValidatorOffline {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_hours: Option<u64>,
        /// Validator ids.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        validators: Vec<u32>,
        /// How many validators, drawn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
    },
    /// A partition at `at_s` for `duration_hours`, as `[[consensus.partitions]]` describes one.
    Partition {
        /// Start, seconds since genesis.
        at_s: u64,
        /// Length, hours.
        duration_hours: u64,
        /// Groups of validator ids.
        #[serde(default)]
        groups: Vec<Vec<u32>>,
        /// Full nodes of each group, as inclusive ranges.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        full_node_groups: Vec<Vec<[u32; 2]>>,
        /// Latency regions of each group (all their validators and full nodes).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        region_groups: Vec<Vec<u16>>,
    },
    /// Stake `amount` on `validator` (each sender stakes the amount).
    Stake {
        /// Time, seconds since genesis (the first block at or after it).
        at_s: u64,
        /// Who stakes.
        from: RawSender,
        /// Target validator id.
        validator: u32,
        /// Amount per sender.
        amount: RawAmount,
    },
    /// Unstake everything the senders hold on `validator` (unbonding starts).
    Unstake {
        /// Time, seconds.
        at_s: u64,
        /// Who unstakes.
        from: RawSender,
        /// Validator id.
        validator: u32,
    },
    /// Withdraw the senders' unbonded stake on `validator` (refused before the unbonding ends).
    WithdrawStake {
        /// Time, seconds.
        at_s: u64,
        /// Who withdraws.
        from: RawSender,
        /// Validator id.
        validator: u32,
    },
    /// These validators withdraw their fee income (refused within the withdrawal period).
    WithdrawIncome {
        /// Time, seconds.
        at_s: u64,
        /// Validator ids.
        validators: Vec<u32>,
    },
    /// The admin proposes `validator` (SPEC §3.1).
    Proposal {
        /// Time, seconds.
        at_s: u64,
        /// Candidate validator id.
        validator: u32,
    },
    /// These validators vote on the newest open proposal of `candidate` (nothing if none).
    ValidatorVote {
        /// Time, seconds.
        at_s: u64,
        /// Voting validator ids.
        validators: Vec<u32>,
        /// Candidate validator id.
        candidate: u32,
        /// Agree (default) or reject.
        #[serde(default = "yes")]
        agree: bool,
    },
    /// From `at_s` on, each block's fees follow this model (`[contracts.fees]`'s form).
    FeeModel {
        /// Time, seconds.
        at_s: u64,
        /// The model.
        fees: RawFeeModel,
    },
    /// A super-node campaign vote of `amount` by `voter` for `node`, cast on `day` if voting is
    /// open and the node is a candidate (nothing otherwise), on top of the voter's own votes.
    CampaignVote {
        /// Day.
        day: u64,
        /// Voter index (voters of `[[economy.voter_groups]]` in file order, 0-based).
        voter: u64,
        /// Node index (nodes of `[[economy.node_groups]]` in file order, 0-based).
        node: u64,
        /// Amount locked (a multiple of the vote unit; the vote fee on top).
        amount: RawAmount,
    },
    /// From `day` on, a campaign vote costs `amount` in fees.
    VoteFee {
        /// Day.
        day: u64,
        /// The fee per vote.
        amount: RawAmount,
    },
}

const fn yes() -> bool {
    true
}
