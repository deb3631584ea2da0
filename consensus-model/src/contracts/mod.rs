//! The DCFS system contracts (SPEC §3): Proposal, Validators (staking, ranking, fees) and Punish,
//! as one deterministic state machine driven block by block by the consensus engine.
//!
//! Entry points:
//! - [`SystemContracts::new`] from a [`ContractsConfig`], the genesis validators and the
//!   accounts' liquid balances;
//! - [`SystemContracts::apply_tx`] for the transactions of the block being built (stake, unstake,
//!   withdraw stake, withdraw income, propose, vote); a refused transaction returns a
//!   [`TxError`] and changes nothing;
//! - [`EndBlockExecutor::end_block`] for the end-of-block work in SPEC §3's order: punish
//!   (difficulty ≠ 2), fees, then on an epoch block the set update and the missed-counter decay;
//! - [`SystemContracts::accounting`] / [`SystemContracts::check_conservation`] for the money
//!   invariant (every wei in exactly one bucket);
//! - [`behaviour::ContractDriver`] and [`fees::FeeSource`] for scenarios, bundled with the
//!   contracts by [`behaviour::DrivenContracts`] (itself a `EndBlockExecutor`), and
//!   [`records::ContractRecorder`] for the event log and per-epoch records.
//!
//! Readings of SPEC where it leaves room (each alternative is a [`ContractsConfig`] field):
//! - Under the per-staker minimum (default) the validator-level threshold of SPEC §3.3 ("falls
//!   below the minimum by unstaking") is the same 16 DCC on the validator's bonded total; genesis
//!   validators start staked whatever their genesis stake, and are only re-checked when a staker
//!   unstakes from them.
//! - A validator becomes staked only through a stake transaction that leaves its total at or
//!   above the minimum (HECO `stake`), so a re-approved validator needs fresh stake even if old
//!   positions are still bonded.
//! - "Other eligible validators" for confiscated income means the current active set minus jailed
//!   validators minus the punished one (HECO `addProfitsToActiveValidatorsByStakePercentExcept`).
//!   Fees or income with no recipient stay in the contract (`undistributed`), as in HECO.
//! - Income withdrawal: the first one is allowed at any block, then at most once per 28,800 blocks
//!   (HECO starts its counter at block 0, which would forbid any withdrawal before block 28,800).
//! - Votes on a decided proposal are accepted and counted but change nothing (HECO).
//! - A refused transaction is treated as not included: no state change and no fee.
//! - Staker share (off by default) is paid straight to the stakers' liquid balances.

pub mod behaviour;
pub mod fees;
pub mod proposal;
pub mod punish;
pub mod ranking;
pub mod records;
pub mod staking;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::{Amount, AmountError, SimTime, WEI_PER_DCC};

use crate::system::{BlockContext, EndBlockExecutor};
use crate::types::{Height, MAX_ACTIVE_VALIDATORS, ValidatorId, is_epoch_block};

pub use crate::types::ProposalId;
pub use behaviour::{
    AdminPlan, ContractDriver, DrivenContracts, IncomePlan, IncomeWithdrawal, RandomStaker,
    StakerPlan, TimedCall, TimedTx, VoterPolicy,
};
pub use fees::{FeeModel, FeeSource};
pub use proposal::{Proposal, ProposalOutcome};
pub use records::{
    ContractEvent, ContractRecorder, EpochRecord, NullRecorder, PunishOutcome, VecRecorder,
};
pub use staking::Position;

/// Milliseconds in 7 days: the default proposal lifetime (SPEC §3.1).
pub const PROPOSAL_LIFETIME_MS: u64 = 7 * 86_400 * 1_000;
/// Blocks a staker waits after unstaking before it may withdraw (SPEC §3.2).
pub const UNBONDING_BLOCKS: u64 = 86_400;
/// Blocks between two income withdrawals of one validator (SPEC §3.4).
pub const INCOME_WITHDRAW_PERIOD_BLOCKS: u64 = 28_800;
/// Missed-turn count at which a validator's income is confiscated (SPEC §3.5).
pub const PUNISH_THRESHOLD: u32 = 24;
/// Missed-turn count at which a validator is jailed (SPEC §3.5).
pub const JAIL_THRESHOLD: u32 = 48;
/// The paper's minimum stake: 16 DCC.
pub const MIN_STAKE_PAPER_WEI: u128 = 16 * WEI_PER_DCC;
/// HECO's `MinimalStakingCoin`: 32 DCC on the validator's total.
pub const MIN_STAKE_HECO_WEI: u128 = 32 * WEI_PER_DCC;

/// An account (staker, admin, fee payer). Separate from [`ValidatorId`]: a staker is not a
/// validator.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AccountId(pub u32);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a{}", self.0)
    }
}

/// Who may create a proposal (SPEC §3.1 **Choice**).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposerRule {
    /// Only this admin account (the paper; default).
    Admin(AccountId),
    /// Any account (HECO).
    Anyone,
}

/// How the staking minimum is applied (SPEC §3.2 **Choice**).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MinStakeRule {
    /// Each staker's total on a validator must be at least the minimum (paper's wording; default).
    PerStaker,
    /// Each stake transaction must be at least the minimum (another reading of the paper).
    PerTransaction,
    /// Any amount; the validator becomes staked when its total reaches the minimum (HECO, 32 DCC).
    ValidatorTotal,
}

/// How the active set is computed at an epoch block (SPEC §3.3 **Choice**).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RankingRule {
    /// Top `max_active` eligible validators by bonded stake, ties by ascending id (default).
    TopByStake,
    /// HECO's incremental highest set: a newly staked validator replaces the lowest incumbent only
    /// if its stake is strictly greater; removals are not back-filled.
    HecoIncremental,
}

/// How fees (and confiscated income) are split among recipients (SPEC §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeeSplit {
    /// In proportion to bonded stake, equally if all stakes are 0 (HECO; default).
    ByStake,
    /// Equally, whatever the stakes (a literal reading of the paper).
    Equal,
}

/// Where confiscated income goes (SPEC §3.5; paper-vs-spec A.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Confiscation {
    /// To the other active, non-jailed validators by stake (HECO; default).
    Redistribute,
    /// Burned.
    Burn,
}

/// Upper bounds on the contracts' state; exceeding one is an error, never a silent drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractLimits {
    /// Registered validators (approved at least once).
    pub max_validators: usize,
    /// Accounts with a balance or a position.
    pub max_accounts: usize,
    /// Proposals ever created.
    pub max_proposals: usize,
    /// Open (staker, validator) positions.
    pub max_positions: usize,
}

impl Default for ContractLimits {
    fn default() -> Self {
        ContractLimits {
            max_validators: 10_000,
            max_accounts: 1_000_000,
            max_proposals: 100_000,
            max_positions: 1_000_000,
        }
    }
}

/// Every parameter of SPEC §3; `Default` is SPEC's default, [`ContractsConfig::heco`] HECO v0.
/// Deserializes with every field optional (missing fields take SPEC's default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractsConfig {
    /// Who may propose.
    pub proposer: ProposerRule,
    /// A proposal accepts votes while `time < created + proposal_lifetime_ms`.
    pub proposal_lifetime_ms: u64,
    /// The staking minimum (16 DCC paper, 32 DCC HECO).
    pub min_stake_wei: Amount,
    /// How the minimum applies.
    pub min_stake_rule: MinStakeRule,
    /// Withdrawal allowed at block ≥ unstake block + this.
    pub unbonding_blocks: u64,
    /// A validator withdraws its income at most once per this many blocks.
    pub income_withdraw_period_blocks: u64,
    /// Active-set rule.
    pub ranking: RankingRule,
    /// Rank on the state at the end of block N−1 (SPEC §2.7, HECO; default true). False ranks
    /// at the end of epoch block N itself, after its transactions, punishment and fees.
    pub rank_on_parent_state: bool,
    /// Largest active set.
    pub max_active: usize,
    /// Fee split rule.
    pub fee_split: FeeSplit,
    /// Share of each validator's fee income passed to its stakers by stake, in bps (default 0).
    pub staker_share_bps: u32,
    /// Exempt an in-turn validator that signed one of the last `L` blocks (HECO; default true).
    pub punish_exempt_recent_signers: bool,
    /// Missed count at which income is confiscated (24).
    pub punish_threshold: u32,
    /// Missed count at which the validator is jailed (48).
    pub jail_threshold: u32,
    /// Subtracted from every missed counter at each epoch block, floored at 0 (HECO 2; 0 = off).
    pub missed_decay_per_epoch: u32,
    /// Where confiscated income goes.
    pub confiscation: Confiscation,
    /// Confiscate income when jailing (HECO; default true). False follows the paper's letter,
    /// which removes the validator at 48 without mentioning its earnings.
    pub confiscate_on_jail: bool,
    /// State bounds.
    pub limits: ContractLimits,
}

impl Default for ContractsConfig {
    fn default() -> Self {
        ContractsConfig {
            proposer: ProposerRule::Admin(AccountId(0)),
            proposal_lifetime_ms: PROPOSAL_LIFETIME_MS,
            min_stake_wei: Amount::from_wei(MIN_STAKE_PAPER_WEI),
            min_stake_rule: MinStakeRule::PerStaker,
            unbonding_blocks: UNBONDING_BLOCKS,
            income_withdraw_period_blocks: INCOME_WITHDRAW_PERIOD_BLOCKS,
            ranking: RankingRule::TopByStake,
            rank_on_parent_state: true,
            max_active: MAX_ACTIVE_VALIDATORS,
            fee_split: FeeSplit::ByStake,
            staker_share_bps: 0,
            punish_exempt_recent_signers: true,
            punish_threshold: PUNISH_THRESHOLD,
            jail_threshold: JAIL_THRESHOLD,
            missed_decay_per_epoch: JAIL_THRESHOLD / PUNISH_THRESHOLD,
            confiscation: Confiscation::Redistribute,
            confiscate_on_jail: true,
            limits: ContractLimits::default(),
        }
    }
}

impl ContractsConfig {
    /// HECO v0: anyone proposes, 32 DCC on the validator's total, incremental ranking.
    pub fn heco() -> Self {
        ContractsConfig {
            proposer: ProposerRule::Anyone,
            min_stake_wei: Amount::from_wei(MIN_STAKE_HECO_WEI),
            min_stake_rule: MinStakeRule::ValidatorTotal,
            ranking: RankingRule::HecoIncremental,
            ..ContractsConfig::default()
        }
    }

    /// Checks the rules alone (genesis is checked by [`SystemContracts::new`]).
    pub fn validate(&self) -> Result<(), ContractsError> {
        let bad = |what: &'static str| Err(ContractsError::InvalidConfig(what));
        if self.max_active == 0 || self.max_active > MAX_ACTIVE_VALIDATORS {
            return bad("max_active must be 1..=21");
        }
        if self.punish_threshold == 0 || self.jail_threshold == 0 {
            return bad("punish thresholds must be positive");
        }
        if self.staker_share_bps > 10_000 {
            return bad("staker_share_bps must be at most 10,000");
        }
        Ok(())
    }
}

/// A validator's status (SPEC §3.2–3.5; HECO `Validators.Status` without `NotExist`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ValidatorStatus {
    /// Approved by a proposal, not (yet, or again) staked.
    Created,
    /// Approved and staked: eligible for the ranking.
    Staked,
    /// Its stake fell below the minimum by unstaking; approval revoked.
    Unstaked,
    /// Jailed by Punish; approval revoked.
    Jailed,
}

/// One genesis validator (SPEC §2.8): approved, staked and active from block 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisValidator {
    /// Its id.
    pub id: ValidatorId,
    /// Its genesis stake (default 0), bonded from `owner`.
    pub stake_wei: Amount,
    /// The account owning the genesis stake.
    pub owner: AccountId,
}

/// What the contracts know of one validator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorState {
    /// Its status.
    pub status: ValidatorStatus,
    /// Approved by a passed proposal (or genesis) and not revoked since.
    pub approved: bool,
    /// Total bonded stake (not counting unbonding coins).
    pub stake_wei: Amount,
    /// Unwithdrawn fee income.
    pub income_wei: Amount,
    /// Punish's missed-turn counter.
    pub missed: u32,
    /// Punishments ever (each counts one missed turn).
    pub punishments_total: u64,
    /// Times jailed.
    pub jailings_total: u64,
    /// Fee income ever credited (including redistributed income of others).
    pub earned_total_wei: Amount,
    /// Income ever confiscated from it.
    pub confiscated_total_wei: Amount,
    /// Income ever withdrawn.
    pub withdrawn_total_wei: Amount,
    /// Block of its last income withdrawal.
    pub last_income_withdraw: Option<Height>,
}

impl ValidatorState {
    fn new(status: ValidatorStatus, stake_wei: Amount) -> Self {
        ValidatorState {
            status,
            approved: true,
            stake_wei,
            income_wei: Amount::ZERO,
            missed: 0,
            punishments_total: 0,
            jailings_total: 0,
            earned_total_wei: Amount::ZERO,
            confiscated_total_wei: Amount::ZERO,
            withdrawn_total_wei: Amount::ZERO,
            last_income_withdraw: None,
        }
    }
}

/// A contract call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    /// Stake `amount` from the sender to `validator`.
    Stake {
        /// Target validator.
        validator: ValidatorId,
        /// Amount moved from the sender's liquid balance to bonded stake.
        amount: Amount,
    },
    /// Unstake the sender's whole stake on `validator`.
    Unstake {
        /// The validator.
        validator: ValidatorId,
    },
    /// Withdraw the sender's unbonded stake on `validator`.
    WithdrawStake {
        /// The validator.
        validator: ValidatorId,
    },
    /// Withdraw `validator`'s unwithdrawn fee income.
    WithdrawIncome {
        /// The validator.
        validator: ValidatorId,
    },
    /// Propose `candidate` as a validator.
    Propose {
        /// The candidate.
        candidate: ValidatorId,
    },
    /// An active validator votes on a proposal.
    Vote {
        /// The voter.
        voter: ValidatorId,
        /// The proposal.
        proposal: ProposalId,
        /// Agree (true) or reject.
        agree: bool,
    },
}

impl Call {
    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Call::Stake { .. } => "stake",
            Call::Unstake { .. } => "unstake",
            Call::WithdrawStake { .. } => "withdraw_stake",
            Call::WithdrawIncome { .. } => "withdraw_income",
            Call::Propose { .. } => "propose",
            Call::Vote { .. } => "vote",
        }
    }
}

/// A transaction: a call, its sender and the fee the sender pays (which goes to the validators
/// with the block's other fees).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tx {
    /// Sender, who pays `fee_wei`.
    pub from: AccountId,
    /// Transaction fee.
    pub fee_wei: Amount,
    /// The call.
    pub call: Call,
}

/// Why a transaction was refused. A refused transaction changes no state and pays no fee.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Transactions must be applied to the block after the last finished one.
    #[error("transaction for block {got}, but the open block is {open}")]
    WrongHeight {
        /// The open block.
        open: Height,
        /// The height given.
        got: Height,
    },
    /// A transaction's time is before the last finished block's.
    #[error("transaction time {got} before the last block's time {last}")]
    TimeWentBack {
        /// The last block's time.
        last: SimTime,
        /// The time given.
        got: SimTime,
    },
    /// Only the admin may propose.
    #[error("{0} is not the admin")]
    NotAdmin(AccountId),
    /// The candidate is already approved.
    #[error("{0} is already approved")]
    AlreadyApproved(ValidatorId),
    /// No such proposal.
    #[error("no proposal {0}")]
    UnknownProposal(ProposalId),
    /// Votes are taken while `time < created + lifetime`.
    #[error("proposal {0} expired")]
    ProposalExpired(ProposalId),
    /// One vote per validator per proposal.
    #[error("{voter} already voted on proposal {proposal}")]
    AlreadyVoted {
        /// The voter.
        voter: ValidatorId,
        /// The proposal.
        proposal: ProposalId,
    },
    /// Only active validators vote.
    #[error("{0} is not an active validator")]
    NotActiveValidator(ValidatorId),
    /// Unknown validator.
    #[error("unknown validator {0}")]
    UnknownValidator(ValidatorId),
    /// Stake only to approved validators.
    #[error("{0} is not approved")]
    NotApproved(ValidatorId),
    /// Zero amount.
    #[error("zero amount")]
    ZeroAmount,
    /// Below the staking minimum.
    #[error("stake {got} below the minimum {min}")]
    BelowMinimum {
        /// The amount that counts.
        got: Amount,
        /// The minimum.
        min: Amount,
    },
    /// Not enough liquid balance.
    #[error("{account} has {balance}, needs {needed}")]
    InsufficientBalance {
        /// The payer.
        account: AccountId,
        /// Its liquid balance.
        balance: Amount,
        /// What the transaction needs (amount + fee).
        needed: Amount,
    },
    /// Cannot stake to a validator while unbonding from it.
    #[error("still unbonding from {0}")]
    StillUnbonding(ValidatorId),
    /// Nothing bonded to unstake.
    #[error("nothing staked on {0}")]
    NothingStaked(ValidatorId),
    /// Nothing unbonding to withdraw.
    #[error("nothing unbonding from {0}")]
    NotUnbonding(ValidatorId),
    /// Unbonding not finished.
    #[error("unbonding until block {ready_at}")]
    UnbondingNotFinished {
        /// First block at which withdrawal is allowed.
        ready_at: Height,
    },
    /// No income to withdraw.
    #[error("{0} has no income")]
    NoIncome(ValidatorId),
    /// Income withdrawn too recently.
    #[error("income withdrawable again at block {ready_at}")]
    IncomeWithdrawTooSoon {
        /// First block at which withdrawal is allowed.
        ready_at: Height,
    },
    /// A state limit would be exceeded.
    #[error("limit exceeded: {0}")]
    LimitExceeded(&'static str),
    /// Arithmetic overflow.
    #[error(transparent)]
    Amount(#[from] AmountError),
}

/// A failure of the contracts themselves (bad input from the engine, broken invariant, limits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractsError {
    /// A configuration value out of range.
    #[error("invalid contracts config: {0}")]
    InvalidConfig(&'static str),
    /// Bad genesis.
    #[error("invalid genesis: {0}")]
    InvalidGenesis(&'static str),
    /// `end_block` must be called once per height, in order.
    #[error("end_block for height {got}, expected {expected}")]
    HeightOutOfOrder {
        /// The expected height.
        expected: Height,
        /// The height given.
        got: Height,
    },
    /// Block time went backwards.
    #[error("block time {got} before {last}")]
    TimeWentBack {
        /// The last block's time.
        last: SimTime,
        /// The time given.
        got: SimTime,
    },
    /// The engine's active set differs from the contracts'.
    #[error("block {height}: engine active set differs from the contracts' set")]
    ActiveSetMismatch {
        /// The block.
        height: Height,
    },
    /// `in_turn` is not `active_set[height mod n]`.
    #[error("block {height}: in-turn validator {got} should be {expected}")]
    InTurnMismatch {
        /// The block.
        height: Height,
        /// The in-turn validator by SPEC §2.2.
        expected: ValidatorId,
        /// The one given.
        got: ValidatorId,
    },
    /// A validator the contracts do not know.
    #[error("unknown validator {0}")]
    UnknownValidator(ValidatorId),
    /// A state limit would be exceeded.
    #[error("limit exceeded: {0}")]
    LimitExceeded(&'static str),
    /// Money was created or lost.
    #[error(
        "accounting broken: buckets hold {buckets} wei, inflows minus outflows are {expected} wei"
    )]
    AccountingBroken {
        /// Sum of all buckets.
        buckets: u128,
        /// What they should hold.
        expected: u128,
    },
    /// A validator's stake differs from the sum of its positions.
    #[error("stake of {0} differs from the sum of its positions")]
    StakeMismatch(ValidatorId),
    /// Arithmetic overflow.
    #[error(transparent)]
    Amount(#[from] AmountError),
}

/// Where every wei held by the contracts' world is (SPEC §7 subset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    /// Accounts' liquid balances.
    pub liquid_wei: Amount,
    /// Bonded stake.
    pub bonded_wei: Amount,
    /// Unbonding stake (unstaked, not yet withdrawn).
    pub unbonding_wei: Amount,
    /// Validators' unwithdrawn income.
    pub unwithdrawn_income_wei: Amount,
    /// Validators' withdrawn income (left the contracts to the validators' fee accounts).
    pub withdrawn_income_wei: Amount,
    /// Fees or confiscated income with no eligible recipient, held by the contract (HECO keeps
    /// them in the contract's balance).
    pub undistributed_wei: Amount,
    /// Confiscated income burned ([`Confiscation::Burn`]).
    pub burned_wei: Amount,
    /// Fees of transactions applied in the open block, distributed at its end.
    pub pending_fees_wei: Amount,
}

impl Accounting {
    /// Sum of all buckets.
    pub fn total(&self) -> Result<Amount, AmountError> {
        Amount::checked_sum([
            self.liquid_wei,
            self.bonded_wei,
            self.unbonding_wei,
            self.unwithdrawn_income_wei,
            self.withdrawn_income_wei,
            self.undistributed_wei,
            self.burned_wei,
            self.pending_fees_wei,
        ])
    }
}

/// The system contracts' state, generic over the recorder that receives events and records.
#[derive(Clone, Debug)]
pub struct SystemContracts<R = NullRecorder> {
    pub(crate) config: ContractsConfig,
    pub(crate) validators: BTreeMap<ValidatorId, ValidatorState>,
    /// Positions keyed (validator, staker) so a validator's stakers are a range.
    pub(crate) positions: BTreeMap<(ValidatorId, AccountId), Position>,
    pub(crate) balances: BTreeMap<AccountId, Amount>,
    pub(crate) proposals: Vec<Proposal>,
    /// The active set in force for the next block, ascending.
    pub(crate) active_set: Vec<ValidatorId>,
    /// HECO's highest set (incremental ranking), in HECO's array order.
    pub(crate) highest_set: Vec<ValidatorId>,
    /// The last finished block (0 = genesis).
    pub(crate) last_height: Height,
    pub(crate) last_time: SimTime,
    pub(crate) pending_fees: Amount,
    /// The ranking as of the end of the block before an epoch block.
    pub(crate) parent_ranking: Option<Vec<ValidatorId>>,
    pub(crate) withdrawn_income: Amount,
    pub(crate) undistributed: Amount,
    pub(crate) burned: Amount,
    /// Money that entered (genesis balances and stake, credits, external fees).
    pub(crate) inflow: Amount,
    /// Money that left (debits).
    pub(crate) outflow: Amount,
    pub(crate) recorder: R,
    /// Buffers of the fee split, kept between blocks.
    pub(crate) split_scratch: SplitScratch,
}

/// Buffers a fee split fills: recipients, their weights and shares.
#[derive(Debug, Clone, Default)]
pub(crate) struct SplitScratch {
    pub(crate) recipients: Vec<ValidatorId>,
    pub(crate) weights: Vec<u128>,
    pub(crate) shares: Vec<Amount>,
}

impl<R: ContractRecorder> SystemContracts<R> {
    /// Genesis: `genesis` validators approved, staked and active; `balances` liquid.
    pub fn new(
        config: ContractsConfig,
        genesis: &[GenesisValidator],
        balances: &[(AccountId, Amount)],
        recorder: R,
    ) -> Result<Self, ContractsError> {
        config.validate()?;
        if genesis.is_empty() || genesis.len() > config.max_active {
            return Err(ContractsError::InvalidGenesis(
                "1 to max_active genesis validators",
            ));
        }
        let mut validators = BTreeMap::new();
        let mut positions = BTreeMap::new();
        let mut inflow = Amount::ZERO;
        for g in genesis {
            if validators
                .insert(
                    g.id,
                    ValidatorState::new(ValidatorStatus::Staked, g.stake_wei),
                )
                .is_some()
            {
                return Err(ContractsError::InvalidGenesis(
                    "duplicate genesis validator",
                ));
            }
            if !g.stake_wei.is_zero() {
                positions.insert((g.id, g.owner), Position::bonded(g.stake_wei));
            }
            inflow = inflow.checked_add(g.stake_wei)?;
        }
        let mut bal = BTreeMap::new();
        for &(a, amt) in balances {
            let slot: &mut Amount = bal.entry(a).or_default();
            *slot = slot.checked_add(amt)?;
            inflow = inflow.checked_add(amt)?;
        }
        if bal.len() > config.limits.max_accounts || positions.len() > config.limits.max_positions {
            return Err(ContractsError::LimitExceeded(
                "genesis accounts or positions",
            ));
        }
        let active_set: Vec<ValidatorId> = validators.keys().copied().collect();
        Ok(SystemContracts {
            config,
            validators,
            positions,
            balances: bal,
            proposals: Vec::new(),
            highest_set: active_set.clone(),
            active_set,
            last_height: 0,
            last_time: SimTime::ZERO,
            pending_fees: Amount::ZERO,
            parent_ranking: None,
            withdrawn_income: Amount::ZERO,
            undistributed: Amount::ZERO,
            burned: Amount::ZERO,
            inflow,
            outflow: Amount::ZERO,
            recorder,
            split_scratch: SplitScratch::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ContractsConfig {
        &self.config
    }

    /// The height of the block transactions are applied to now.
    pub fn open_height(&self) -> Height {
        self.last_height + 1
    }

    /// The active set in force for the open block, ascending by id.
    pub fn active_set(&self) -> &[ValidatorId] {
        &self.active_set
    }

    /// One validator's state.
    pub fn validator(&self, id: ValidatorId) -> Option<&ValidatorState> {
        self.validators.get(&id)
    }

    /// All validators, ascending by id.
    pub fn validators(&self) -> impl Iterator<Item = (ValidatorId, &ValidatorState)> {
        self.validators.iter().map(|(&id, s)| (id, s))
    }

    /// An account's liquid balance.
    pub fn balance(&self, account: AccountId) -> Amount {
        self.balances.get(&account).copied().unwrap_or_default()
    }

    /// A staker's position on a validator.
    pub fn position(&self, staker: AccountId, validator: ValidatorId) -> Option<&Position> {
        self.positions.get(&(validator, staker))
    }

    /// All proposals, by id.
    pub fn proposals(&self) -> &[Proposal] {
        &self.proposals
    }

    /// The recorder.
    pub fn recorder(&self) -> &R {
        &self.recorder
    }

    /// The recorder, mutably (e.g. to drain it).
    pub fn recorder_mut(&mut self) -> &mut R {
        &mut self.recorder
    }

    /// Gives the recorder back.
    pub fn into_recorder(self) -> R {
        self.recorder
    }

    /// Adds `amount` to `account`'s liquid balance from outside (e.g. the economy's ledger).
    pub fn credit(&mut self, account: AccountId, amount: Amount) -> Result<(), ContractsError> {
        if !self.balances.contains_key(&account)
            && self.balances.len() >= self.config.limits.max_accounts
        {
            return Err(ContractsError::LimitExceeded("max_accounts"));
        }
        let new_inflow = self.inflow.checked_add(amount)?;
        let slot = self.balances.entry(account).or_default();
        *slot = slot.checked_add(amount)?;
        self.inflow = new_inflow;
        Ok(())
    }

    /// Takes `amount` out of `account`'s liquid balance (e.g. to pay a compute pledge).
    pub fn debit(&mut self, account: AccountId, amount: Amount) -> Result<(), TxError> {
        let balance = self.balance(account);
        let rest = balance
            .checked_sub(amount)
            .map_err(|_| TxError::InsufficientBalance {
                account,
                balance,
                needed: amount,
            })?;
        self.outflow = self.outflow.checked_add(amount)?;
        self.balances.insert(account, rest);
        Ok(())
    }

    /// Where every wei is now.
    pub fn accounting(&self) -> Result<Accounting, AmountError> {
        let mut bonded = Amount::ZERO;
        let mut unbonding = Amount::ZERO;
        for p in self.positions.values() {
            bonded = bonded.checked_add(p.bonded_wei)?;
            unbonding = unbonding.checked_add(p.unbonding_wei)?;
        }
        Ok(Accounting {
            liquid_wei: Amount::checked_sum(self.balances.values().copied())?,
            bonded_wei: bonded,
            unbonding_wei: unbonding,
            unwithdrawn_income_wei: Amount::checked_sum(
                self.validators.values().map(|v| v.income_wei),
            )?,
            withdrawn_income_wei: self.withdrawn_income,
            undistributed_wei: self.undistributed,
            burned_wei: self.burned,
            pending_fees_wei: self.pending_fees,
        })
    }

    /// Money that should be in the buckets: inflows (genesis, credits, external fees) − debits.
    pub fn expected_total(&self) -> Result<Amount, AmountError> {
        self.inflow.checked_sub(self.outflow)
    }

    /// Checks that the buckets hold exactly what came in minus what went out, and that every
    /// validator's stake equals the sum of its positions.
    pub fn check_conservation(&self) -> Result<(), ContractsError> {
        let buckets = self.accounting()?.total()?;
        let expected = self.expected_total()?;
        if buckets != expected {
            return Err(ContractsError::AccountingBroken {
                buckets: buckets.wei(),
                expected: expected.wei(),
            });
        }
        for (&id, v) in &self.validators {
            let sum = Amount::checked_sum(
                self.positions
                    .range((id, AccountId(0))..=(id, AccountId(u32::MAX)))
                    .map(|(_, p)| p.bonded_wei),
            )?;
            // Genesis stake counts as a position, so equality holds for every validator.
            if sum != v.stake_wei {
                return Err(ContractsError::StakeMismatch(id));
            }
        }
        Ok(())
    }

    /// Applies `tx` to the open block at `height` (which must be [`Self::open_height`]) and
    /// block time `time`. A refused transaction changes nothing, pays no fee and is logged.
    pub fn apply_tx(&mut self, height: Height, time: SimTime, tx: &Tx) -> Result<(), TxError> {
        let result = self.try_apply(height, time, tx);
        if let Err(e) = &result {
            self.recorder.on_event(
                height,
                time,
                &ContractEvent::TxRefused {
                    from: tx.from,
                    kind: tx.call.kind(),
                    reason: e.to_string(),
                },
            );
        }
        result
    }

    fn try_apply(&mut self, height: Height, time: SimTime, tx: &Tx) -> Result<(), TxError> {
        if height != self.open_height() {
            return Err(TxError::WrongHeight {
                open: self.open_height(),
                got: height,
            });
        }
        if time < self.last_time {
            return Err(TxError::TimeWentBack {
                last: self.last_time,
                got: time,
            });
        }
        // Check the fee first (a transaction must at least pay for itself), then the call; each
        // call validates everything before it mutates, so a refusal leaves no trace.
        let balance = self.balance(tx.from);
        if balance < tx.fee_wei {
            return Err(TxError::InsufficientBalance {
                account: tx.from,
                balance,
                needed: tx.fee_wei,
            });
        }
        let new_pending = self.pending_fees.checked_add(tx.fee_wei)?;
        match tx.call {
            Call::Stake { validator, amount } => {
                self.stake(height, time, tx.from, validator, amount, tx.fee_wei)?
            }
            Call::Unstake { validator } => self.unstake(height, time, tx.from, validator)?,
            Call::WithdrawStake { validator } => {
                self.withdraw_stake(height, time, tx.from, validator)?
            }
            Call::WithdrawIncome { validator } => self.withdraw_income(height, time, validator)?,
            Call::Propose { candidate } => self.propose(height, time, tx.from, candidate)?,
            Call::Vote {
                voter,
                proposal,
                agree,
            } => self.vote(height, time, voter, proposal, agree)?,
        }
        // The call succeeded; charge the fee (stake already checked balance ≥ amount + fee).
        let b = self.balances.entry(tx.from).or_default();
        *b = b.checked_sub(tx.fee_wei)?;
        self.pending_fees = new_pending;
        Ok(())
    }

    fn check_block(&self, block: &BlockContext<'_>) -> Result<(), ContractsError> {
        if block.height != self.open_height() {
            return Err(ContractsError::HeightOutOfOrder {
                expected: self.open_height(),
                got: block.height,
            });
        }
        if block.time < self.last_time {
            return Err(ContractsError::TimeWentBack {
                last: self.last_time,
                got: block.time,
            });
        }
        if block.active_set != self.active_set.as_slice() {
            return Err(ContractsError::ActiveSetMismatch {
                height: block.height,
            });
        }
        let n = self.active_set.len() as u64;
        if n == 0 {
            // Unreachable by construction (genesis is non-empty and the set never empties).
            return Err(ContractsError::InvalidGenesis("empty active set"));
        }
        let idx = usize::try_from(block.height % n)
            .map_err(|_| ContractsError::LimitExceeded("active set index"))?;
        let expected = self.active_set[idx];
        if expected != block.in_turn {
            return Err(ContractsError::InTurnMismatch {
                height: block.height,
                expected,
                got: block.in_turn,
            });
        }
        Ok(())
    }
}

impl<R: ContractRecorder> EndBlockExecutor for SystemContracts<R> {
    type Error = ContractsError;

    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, ContractsError> {
        self.check_block(block)?;
        // (1) Punish, at most once per block (end_block runs once per height).
        if block.difficulty != 2 {
            self.punish(block)?;
        }
        // (2) Fees: the scenario's fee model plus the fees of transactions applied in the block.
        self.inflow = self.inflow.checked_add(block.fees)?;
        let fees = block.fees.checked_add(self.pending_fees)?;
        self.pending_fees = Amount::ZERO;
        self.distribute_fees(block, fees)?;
        // (3) Epoch: set update, then decay.
        let new_set = if is_epoch_block(block.height) {
            // SPEC §2.7: the set is computed from the contracts as of the end of block N−1
            // (HECO computes it in `Prepare`), so block N's own stakes and jailings count from
            // the next epoch on.
            let set = match self.parent_ranking.take() {
                Some(set) if self.config.rank_on_parent_state => set,
                _ => self.next_active_set(),
            };
            self.recorder.on_event(
                block.height,
                block.time,
                &ContractEvent::ActiveSetUpdated { set: set.clone() },
            );
            self.decay_missed_counters(block.height, block.time);
            self.active_set = set.clone();
            self.check_conservation()?;
            self.emit_epoch_records(block.height, block.time);
            Some(set)
        } else {
            None
        };
        if self.config.rank_on_parent_state && is_epoch_block(block.height + 1) {
            self.parent_ranking = Some(self.next_active_set());
        }
        self.last_height = block.height;
        self.last_time = block.time;
        Ok(new_set)
    }
}
