//! Behaviours a scenario can drive (SPEC §3): stakers acting on a schedule or at random (one
//! seeded stream per staker), an admin proposing validators over time, and active validators
//! voting on open proposals. [`ContractDriver::txs_for_block`] emits the transactions of a block;
//! validators going offline is the consensus engine's business.

use serde::{Deserialize, Serialize};
use sim_core::{Amount, Domain, RandomStream, SimTime, Streams};

use super::fees::uniform_amount;
use super::records::ContractRecorder;
use super::{AccountId, Call, ContractsError, SystemContracts, Tx};
use crate::types::{Height, ValidatorId};

/// Stream domain of random stakers (index = account id).
pub const STAKER_DOMAIN: Domain = Domain("contracts.staker");
/// Stream domain of voting validators (index = validator id).
pub const VOTER_DOMAIN: Domain = Domain("contracts.voter");

/// Largest number of transactions the driver emits for one block.
pub const MAX_TXS_PER_BLOCK: usize = 10_000;

/// A staker acting at random on a set of target validators, once every `period_blocks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomStaker {
    /// Validators it may stake to (one is drawn uniformly at each decision).
    pub targets: Vec<ValidatorId>,
    /// Decide every this many blocks (≥ 1).
    pub period_blocks: u64,
    /// Chance of staking to the drawn target when it holds nothing there, ppm.
    pub stake_ppm: u32,
    /// Chance of unstaking from the drawn target when bonded there, ppm.
    pub unstake_ppm: u32,
    /// Smallest stake.
    pub amount_min: Amount,
    /// Largest stake.
    pub amount_max: Amount,
}

/// What one staker does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StakerPlan {
    /// These calls at these heights (sorted or not; each fires at its height).
    Scripted(Vec<(Height, Call)>),
    /// Random decisions; matured unbonding positions are always withdrawn.
    Random(RandomStaker),
}

/// An admin proposing candidates at given heights.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPlan {
    /// The proposing account.
    pub admin: AccountId,
    /// `(height, candidate)` pairs.
    pub proposals: Vec<(Height, ValidatorId)>,
}

/// How active validators vote: each votes once on each open proposal, `delay_blocks` after its
/// creation, agreeing with probability `agree_ppm` (own stream per validator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterPolicy {
    /// Blocks after creation before voting.
    pub delay_blocks: u64,
    /// Chance of agreeing, ppm.
    pub agree_ppm: u32,
    /// Account paying validators' transaction fees (index = validator id if `None`).
    pub fee_payer: Option<AccountId>,
}

impl Default for VoterPolicy {
    fn default() -> Self {
        VoterPolicy {
            delay_blocks: 1,
            agree_ppm: 1_000_000,
            fee_payer: None,
        }
    }
}

/// When a validator withdraws its income (SPEC §3.4: at most once per
/// [`super::INCOME_WITHDRAW_PERIOD_BLOCKS`] blocks, the contract refuses sooner). The driver
/// only sends a withdrawal the contract will accept: income above zero and the period since the
/// last one passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncomeWithdrawal {
    /// Never (income accrues; a confiscation takes all of it).
    #[default]
    Never,
    /// At every height that is a multiple of this many blocks (≥ 1), once allowed.
    EveryBlocks(u64),
    /// As soon as the income reaches this amount and a withdrawal is allowed.
    WhenAtLeast(Amount),
}

/// Income withdrawals of the validators: one rule for all, optionally another per validator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomePlan {
    /// The rule of every validator without its own.
    pub default: IncomeWithdrawal,
    /// Per-validator rules.
    pub by_validator: std::collections::BTreeMap<ValidatorId, IncomeWithdrawal>,
    /// Account paying the withdrawals' fees (index = validator id if `None`).
    pub fee_payer: Option<AccountId>,
}

impl IncomePlan {
    /// The rule of validator `v`.
    pub fn rule(&self, v: ValidatorId) -> IncomeWithdrawal {
        self.by_validator.get(&v).copied().unwrap_or(self.default)
    }

    /// False when every validator's rule is `Never`.
    fn may_withdraw(&self) -> bool {
        self.default != IncomeWithdrawal::Never || !self.by_validator.is_empty()
    }

    /// True if `v`'s rule withdraws at `height` given its state (no draw: deterministic).
    fn withdraws(
        &self,
        v: ValidatorId,
        state: &super::ValidatorState,
        height: Height,
        period: u64,
    ) -> bool {
        let allowed = state
            .last_income_withdraw
            .is_none_or(|last| height >= last.saturating_add(period));
        if !allowed || state.income_wei.is_zero() {
            return false;
        }
        match self.rule(v) {
            IncomeWithdrawal::Never => false,
            IncomeWithdrawal::EveryBlocks(k) => height.is_multiple_of(k.max(1)),
            IncomeWithdrawal::WhenAtLeast(x) => state.income_wei >= x,
        }
    }
}

/// What a timeline transaction calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimedCall {
    /// This call, as is.
    Call(Call),
    /// `voter` votes on the newest open proposal of `candidate` (nothing is sent if there is
    /// none: proposal ids are only known once the proposal exists).
    VoteFor {
        /// The voting validator.
        voter: ValidatorId,
        /// The proposed validator.
        candidate: ValidatorId,
        /// Agree or reject.
        agree: bool,
    },
}

/// A transaction a scenario timeline sends in the first block at or after `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedTx {
    /// When.
    pub at: SimTime,
    /// The sending account (it pays the fee).
    pub from: AccountId,
    /// What it calls.
    pub call: TimedCall,
}

/// Emits the contract transactions of each block from the configured behaviours.
#[derive(Clone, Debug)]
pub struct ContractDriver {
    stakers: Vec<(AccountId, StakerPlan, RandomStream)>,
    admin: AdminPlan,
    voters: Option<VoterPolicy>,
    voter_streams: std::collections::BTreeMap<ValidatorId, RandomStream>,
    income: IncomePlan,
    /// Timeline transactions by time, and how many have been sent.
    timed: Vec<TimedTx>,
    timed_sent: usize,
    streams: Streams,
    tx_fee_wei: Amount,
}

impl ContractDriver {
    /// A driver with no behaviours; every emitted transaction pays `tx_fee_wei`.
    pub fn new(streams: Streams, tx_fee_wei: Amount) -> Self {
        ContractDriver {
            stakers: Vec::new(),
            admin: AdminPlan::default(),
            voters: None,
            voter_streams: std::collections::BTreeMap::new(),
            income: IncomePlan::default(),
            timed: Vec::new(),
            timed_sent: 0,
            streams,
            tx_fee_wei,
        }
    }

    /// Adds a staker (its random stream is `STAKER_DOMAIN`, index = account id).
    pub fn add_staker(&mut self, account: AccountId, plan: StakerPlan) {
        let stream = self.streams.stream(STAKER_DOMAIN, u64::from(account.0));
        self.stakers.push((account, plan, stream));
    }

    /// Sets the admin's proposal schedule.
    pub fn set_admin(&mut self, admin: AdminPlan) {
        self.admin = admin;
    }

    /// Makes active validators vote on open proposals.
    pub fn set_voters(&mut self, policy: VoterPolicy) {
        self.voters = Some(policy);
    }

    /// Sets when validators withdraw their income.
    pub fn set_income(&mut self, plan: IncomePlan) {
        self.income = plan;
    }

    /// Sets the timeline's transactions (sent in time order; of equal times, in list order).
    pub fn set_timed(&mut self, mut timed: Vec<TimedTx>) {
        timed.sort_by_key(|t| t.at);
        self.timed = timed;
        self.timed_sent = 0;
    }

    /// The transactions for block `height` at `time`, given the contracts' state before it.
    /// Order: admin proposals, votes (by proposal id, then validator id), income withdrawals
    /// (by validator id), stakers in the order they were added, then the timeline's
    /// transactions due at `time` (as many as the limit leaves room for). Transactions may still be refused when applied. Errors if
    /// more than [`MAX_TXS_PER_BLOCK`] would be emitted.
    pub fn txs_for_block<R: ContractRecorder>(
        &mut self,
        height: Height,
        time: SimTime,
        contracts: &SystemContracts<R>,
    ) -> Result<Vec<Tx>, ContractsError> {
        let fee = self.tx_fee_wei;
        let mut txs = Vec::new();
        for &(h, candidate) in &self.admin.proposals {
            if h == height {
                txs.push(Tx {
                    from: self.admin.admin,
                    fee_wei: fee,
                    call: Call::Propose { candidate },
                });
            }
        }
        if let Some(policy) = self.voters {
            for p in contracts.open_proposals(time) {
                if height < p.created_height.saturating_add(policy.delay_blocks) {
                    continue;
                }
                for &voter in contracts.active_set() {
                    if p.voters.contains(&voter) {
                        continue;
                    }
                    let stream = self
                        .voter_streams
                        .entry(voter)
                        .or_insert_with(|| self.streams.stream(VOTER_DOMAIN, u64::from(voter.0)));
                    let agree = stream.chance_ppm(policy.agree_ppm);
                    txs.push(Tx {
                        from: policy.fee_payer.unwrap_or(AccountId(voter.0)),
                        fee_wei: fee,
                        call: Call::Vote {
                            voter,
                            proposal: p.id,
                            agree,
                        },
                    });
                }
            }
        }
        let period = contracts.config().income_withdraw_period_blocks;
        // Every block: no walk over the validators when no rule can withdraw.
        let validators = self.income.may_withdraw().then(|| contracts.validators());
        for (v, state) in validators.into_iter().flatten() {
            if self.income.withdraws(v, state, height, period) {
                txs.push(Tx {
                    from: self.income.fee_payer.unwrap_or(AccountId(v.0)),
                    fee_wei: fee,
                    call: Call::WithdrawIncome { validator: v },
                });
            }
        }
        for (account, plan, stream) in &mut self.stakers {
            match plan {
                StakerPlan::Scripted(calls) => {
                    for (h, call) in calls.iter() {
                        if *h == height {
                            txs.push(Tx {
                                from: *account,
                                fee_wei: fee,
                                call: call.clone(),
                            });
                        }
                    }
                }
                StakerPlan::Random(r) => {
                    random_staker_txs(*account, r, stream, height, contracts, fee, &mut txs);
                }
            }
        }
        // A large wave (a whole staker group at once) spills into the next blocks rather than
        // exceed the per-block limit, as a real mempool would.
        while let Some(t) = self
            .timed
            .get(self.timed_sent)
            .filter(|t| t.at <= time && txs.len() < MAX_TXS_PER_BLOCK)
        {
            self.timed_sent += 1;
            let call = match t.call {
                TimedCall::Call(ref c) => c.clone(),
                TimedCall::VoteFor {
                    voter,
                    candidate,
                    agree,
                } => {
                    let newest = contracts
                        .open_proposals(time)
                        .filter(|p| p.candidate == candidate)
                        .map(|p| p.id)
                        .max();
                    let Some(proposal) = newest else { continue };
                    Call::Vote {
                        voter,
                        proposal,
                        agree,
                    }
                }
            };
            txs.push(Tx {
                from: t.from,
                fee_wei: fee,
                call,
            });
        }
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(ContractsError::LimitExceeded(
                "driver transactions per block",
            ));
        }
        Ok(txs)
    }
}

fn random_staker_txs<R: ContractRecorder>(
    account: AccountId,
    r: &RandomStaker,
    stream: &mut RandomStream,
    height: Height,
    contracts: &SystemContracts<R>,
    fee: Amount,
    txs: &mut Vec<Tx>,
) {
    if r.targets.is_empty() || !height.is_multiple_of(r.period_blocks.max(1)) {
        return;
    }
    let tx = |call| Tx {
        from: account,
        fee_wei: fee,
        call,
    };
    // Withdraw every matured unbonding position (no draw: deterministic housekeeping).
    let unbonding = contracts.config().unbonding_blocks;
    for &v in &r.targets {
        if let Some(p) = contracts.position(account, v)
            && let Some(at) = p.unstake_height
            && height >= at.saturating_add(unbonding)
        {
            txs.push(tx(Call::WithdrawStake { validator: v }));
        }
    }
    // Draws (target, chance, amount) come only from this staker's stream, so its choices do not
    // shift when other consumers are added.
    let idx = stream.below(r.targets.len() as u64);
    let Some(&v) = usize::try_from(idx).ok().and_then(|i| r.targets.get(i)) else {
        return;
    };
    match contracts.position(account, v) {
        None => {
            if stream.chance_ppm(r.stake_ppm) {
                let amount = uniform_amount(stream, r.amount_min, r.amount_max);
                txs.push(tx(Call::Stake {
                    validator: v,
                    amount,
                }));
            }
        }
        Some(p) if p.unstake_height.is_none() => {
            if stream.chance_ppm(r.unstake_ppm) {
                txs.push(tx(Call::Unstake { validator: v }));
            }
        }
        Some(_) => {}
    }
}

/// Applies every transaction of `txs` to block `height`; returns how many were refused (each
/// refusal is logged as a `TxRefused` event by the contracts).
pub fn apply_all<R: ContractRecorder>(
    contracts: &mut SystemContracts<R>,
    height: Height,
    time: SimTime,
    txs: &[Tx],
) -> usize {
    txs.iter()
        .filter(|tx| contracts.apply_tx(height, time, tx).is_err())
        .count()
}

/// The contracts with their scenario behaviours attached, as one [`EndBlockExecutor`](crate::system::EndBlockExecutor) the
/// consensus engine can drive: at the end of each block it first applies the driver's
/// transactions for that block, adds the fee model's fees to the engine's, then runs the
/// contracts' end-of-block work.
#[derive(Clone, Debug)]
pub struct DrivenContracts<R = super::NullRecorder> {
    /// The contracts.
    pub contracts: SystemContracts<R>,
    /// The behaviours.
    pub driver: ContractDriver,
    /// The fee model (`None`: only the engine's `BlockContext::fees` and transaction fees).
    pub fees: Option<super::FeeSource>,
    /// Transactions refused so far (each is also logged as a `TxRefused` event).
    pub refused_total: u64,
}

impl<R: ContractRecorder> DrivenContracts<R> {
    /// Bundles contracts, driver and an optional fee source.
    pub fn new(
        contracts: SystemContracts<R>,
        driver: ContractDriver,
        fees: Option<super::FeeSource>,
    ) -> Self {
        DrivenContracts {
            contracts,
            driver,
            fees,
            refused_total: 0,
        }
    }
}

impl<R: ContractRecorder> crate::system::EndBlockExecutor for DrivenContracts<R> {
    type Error = super::ContractsError;

    fn end_block(
        &mut self,
        block: &crate::system::BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, super::ContractsError> {
        let txs = self
            .driver
            .txs_for_block(block.height, block.time, &self.contracts)?;
        let refused = apply_all(&mut self.contracts, block.height, block.time, &txs);
        self.refused_total = self.refused_total.saturating_add(refused as u64);
        let model_fees = self
            .fees
            .as_mut()
            .map_or(Amount::ZERO, |f| f.next_block_fees_at(block.time));
        let ctx = crate::system::BlockContext {
            fees: block.fees.checked_add(model_fees)?,
            ..*block
        };
        self.contracts.end_block(&ctx)
    }
}
