//! The economy run: daily settlement (SPEC §4.3–4.4), node penalties (SPEC §4.5), pledges
//! (SPEC §4.2), the super-node campaign (SPEC §5) and the SPEC §7 invariant, checked every day.
//!
//! **Driver.** A tight day loop, exactly equivalent to day events on sim-core's engine: node
//! events (outages, repairs, penalty checkpoints, exits, attacks) live in a sim-core
//! [`EventQueue`] and are processed in (time, seq) order up to each day's end; then the day is
//! settled by [`Economy::settle_day`], then the boundary work of the next day runs (pledge
//! expiries and re-pledges, joins, campaign transitions, votes). [`Economy::run_ideal`] settles
//! exactly at each boundary; a chain layer calls `settle_day(d, t)` from the first block at or
//! after the boundary and the delay is reported in the day's row.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::amount::mul_div_floor;
use sim_core::threads::run_threads;
use sim_core::time::MS_PER_DAY;
use sim_core::{
    Amount, AmountError, Domain, EventQueue, RandomStream, ScheduleError, SimTime, Streams,
};

use super::campaign::{Campaign, Term, Voting};
use super::config::{
    AdoptionModel, CandidateRanking, ClearingRule, ConfigError, EconomyConfig, ExtraRule,
    ForfeitSink, MS_PER_HOUR, PreElectionRule, RepledgePolicy, ScheduledVote, VoterStrategy,
};
use super::divide::DivU64;
use super::nodes::{NO_CLASS, Nodes, UP, exponential_ms, ring_next, ring_slot};
use super::record::{
    CandidateResult, ChainHoldings, DayRow, EconomyRecorder, NodeStatus, NodeTotals, TermResult,
    VoterTotals,
};
use crate::ledger::{Bucket, LedgerError, SupplyLedger};

/// Account index of the foundation/market account: it holds every liquid wei that no agent
/// holds (genesis-liquid allocations, vested releases) and funds the agents' endowments.
pub const FOUNDATION_ACCOUNT: usize = 0;

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EconomyError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A ledger transfer failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Arithmetic overflow or underflow.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// The node event queue refused an event.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// Days must be settled in order.
    #[error("settle_day out of order: expected day {expected}, got {got}")]
    DayOrder {
        /// Next day to settle.
        expected: u64,
        /// Requested.
        got: u64,
    },
    /// A day settled before its end.
    #[error("day {day} settled at {at}, before its end")]
    SettledEarly {
        /// Day.
        day: u64,
        /// Requested settlement time.
        at: SimTime,
    },
    /// A limit was exceeded.
    #[error("limit exceeded: {what} (limit {limit})")]
    Limit {
        /// What.
        what: &'static str,
        /// Limit.
        limit: u64,
    },
    /// The endowments exceed the foundation/market account.
    #[error("endowments need {needed}, the foundation/market account holds {available}")]
    Endowment {
        /// Needed.
        needed: Amount,
        /// Available.
        available: Amount,
    },
    /// The foundation/market account cannot pay what the chain needs (genesis balances and
    /// stakes at [`Economy::attach_chain`], users' fees at [`Economy::sync_chain`]).
    #[error("the chain needs {needed} from the foundation/market account, which holds {available}")]
    ChainFunding {
        /// Needed.
        needed: Amount,
        /// Available.
        available: Amount,
    },
    /// A chain attached twice, synced without being attached, or reporting holdings that do
    /// not follow from what was paid into it.
    #[error("chain coupling: {0}")]
    Chain(String),
    /// The SPEC §7 invariant (or an internal one) broke: the run stops.
    #[error("accounting invariant broken on day {day}: {detail}")]
    Invariant {
        /// Day.
        day: u64,
        /// What differs.
        detail: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeEvent {
    OutageStart {
        node: u32,
        end_ms: u64,
        reported: bool,
    },
    Fail {
        node: u32,
        generation: u32,
    },
    Repair {
        node: u32,
        outage: u32,
    },
    PenaltyCheck {
        node: u32,
        outage: u32,
    },
    Exit {
        node: u32,
    },
    Attack {
        node: u32,
    },
}

/// Per-row accumulators of events between settlements.
#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    burned_forfeits: Amount,
    forfeits_to_pool: Amount,
    vote_fees: Amount,
    votes_cast: Amount,
    votes_released: Amount,
}

/// The chain attached in coupled mode: its holdings as of the last sync, and the vote fees
/// handed to it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ChainLink {
    pub(super) holdings: ChainHoldings,
    /// Vote fees taken by the chain layer since the last sync (still counted economy-side).
    fees_in_transit: Amount,
    /// Vote fees synced into the chain's holdings (no longer counted economy-side).
    fees_to_chain: Amount,
    /// Genesis funding plus fees paid by the market account, since attaching.
    paid_by_market: Amount,
}

/// The compute-power economy and super-node campaign.
#[derive(Debug)]
pub struct Economy {
    cfg: EconomyConfig,
    ledger: SupplyLedger,
    liquid: Vec<Amount>,
    nodes: Nodes,
    adoption_models: Vec<AdoptionModel>,
    campaign: Campaign,
    events: EventQueue<NodeEvent>,
    events_handled: u64,
    next_day: u64,
    pledged_count: u32,
    /// Σ standardised power of pledged nodes (Σeff of a day without outages, per second).
    pledged_power: u128,
    /// Pledged nodes with non-zero power.
    pledged_nonzero: u32,
    down_set: BTreeSet<u32>,
    touched: Vec<u32>,
    join_order: Vec<u32>,
    join_ptr: usize,
    pending_pledge: Vec<u32>,
    expiry_buckets: Vec<Vec<u32>>,
    voter_streams: Vec<RandomStream>,
    voter_rewards: Vec<Amount>,
    /// Per voter: votes cast, DCC voted and vote fees paid since genesis (outputs only; no
    /// rule reads them).
    voter_casts: Vec<(u32, Amount, Amount)>,
    /// The vote fee in force (the campaign's, until a timeline change).
    vote_fee_now: Amount,
    fees_total: Amount,
    fees_untaken: Amount,
    pending: Pending,
    /// Whole seconds online on the last settled day of each node whose effective power that
    /// day was non-zero (else 0): its effective power is `std_power × eff_s` (4 bytes a node
    /// instead of 16).
    eff_s: Vec<u32>,
    split_out: Vec<Amount>,
    /// The voters' split of the last day paid: a pure function of (term, pot), reused while
    /// both stay the same (the pot only changes at halvings and when capped by the pool).
    voter_split: VoterSplit,
    /// One memo per settlement thread.
    memos: Vec<ChunkMemo>,
    /// What each node was paid on the last settled day (basic + stability; 0 when burned),
    /// for the operator payments made after the chunks.
    day_total: Vec<Amount>,
    operator_base: usize,
    voter_base: usize,
    pub(super) chain: Option<ChainLink>,
    /// Lump-sum reading ([`PaperReadings::stability_lump_days`]): each node's stability
    /// accrued since the last lump (empty when off); their sum, still in the mining pool.
    accrual: Vec<Amount>,
    accrual_held: Amount,
    /// Occupancy-weighted basic reading: each earning node's adoption of the day being settled
    /// (empty when off).
    adoption_today: Vec<u32>,
    /// Hourly-deduction reading: offline ms of each node not yet charged as a whole hour
    /// (empty when off).
    offline_carry_ms: Vec<u32>,
    /// The timeline's campaign votes by day, each day's in list order (a voting day looks up
    /// its own instead of scanning them all).
    votes_by_day: BTreeMap<u64, Vec<ScheduledVote>>,
}

/// `floor((q·D + r)·x / D) = q·x + floor(r·x / D)`; `None` on overflow (the caller falls back
/// to the 256-bit `mul_div_floor`).
#[inline(always)]
fn share(q: u128, r: u128, x: u128, by_d: &DivU64) -> Option<u128> {
    // All three fit u64 in practice: widening 64×64 products cannot overflow.
    let (q, r, x) = (
        u64::try_from(q).ok()?,
        u64::try_from(r).ok()?,
        u64::try_from(x).ok()?,
    );
    let hi = u128::from(q) * u128::from(x);
    hi.checked_add(by_d.div(u128::from(r) * u128::from(x)))
}

/// Adoption of a node with a non-constant model on `day`, clamped to 10,000 bps.
fn adoption_from_model(model: &AdoptionModel, stream: Option<&mut RandomStream>, day: u64) -> u32 {
    match model {
        AdoptionModel::Constant(b) => (*b).min(10_000),
        AdoptionModel::Series(s) => {
            let k = usize::try_from(day)
                .unwrap_or(usize::MAX)
                .min(s.len().saturating_sub(1));
            s.get(k).copied().unwrap_or(0).min(10_000)
        }
        AdoptionModel::UniformDaily { low_bps, high_bps } => match stream {
            Some(st) => st
                .in_range(u64::from(*low_bps), u64::from(*high_bps))
                .min(10_000) as u32,
            None => (*low_bps).min(10_000),
        },
    }
}

/// Seconds in a day (`eff_s` of a node online all day).
const FULL_DAY_S: u32 = (MS_PER_DAY / 1_000) as u32;

/// log2 of the number of memo slots of the settlement loop.
const MEMO_BITS: u32 = 10;

/// One memoised (eff, adoption) → (basic, stability before adoption, stability) of a day.
#[derive(Debug, Clone, Copy, Default)]
struct MemoSlot {
    /// `day + 1` of the day it belongs to (0 = empty).
    stamp: u64,
    eff: u128,
    adoption: u32,
    shares: (u128, u128, u128),
}

/// The day's constants of the per-node share formulas (SPEC §4.3–4.4).
struct DayShares {
    b: u128,
    s: u128,
    sum_eff: u128,
    den_a: u128,
    /// Σ of the basic reward's weights: Σeff (SPEC), or Σ eff·a with
    /// [`PaperReadings::basic_by_occupancy`] (0: nobody adopted anything, basic stays in
    /// the pool).
    basic_den: u128,
    basic_by_ea: bool,
    fast: Option<DivU64>,
    fast_basic: Option<DivU64>,
    by_bps: Option<DivU64>,
    qb: u128,
    rb: u128,
    qs: u128,
    rs: u128,
}

impl DayShares {
    /// `sum_ea`: `Some(Σ eff·a)` when the basic reward is weighted by occupancy.
    fn new(b: u128, s: u128, sum_eff: u128, sum_ea: Option<u128>) -> Result<Self, EconomyError> {
        let den_a = sum_eff
            .checked_mul(10_000)
            .ok_or(AmountError::Overflow(sum_eff, "*", 10_000))?;
        if sum_eff == 0 {
            return Err(AmountError::DivisionByZero.into());
        }
        let fast = u64::try_from(sum_eff).ok().and_then(DivU64::new);
        let basic_den = sum_ea.unwrap_or(sum_eff);
        // With nothing to share by (Σ eff·a = 0), q = r = 0 makes every share 0 whatever the
        // divisor, so the basic reward stays in the pool.
        let (qb, rb) = (
            b.checked_div(basic_den).unwrap_or(0),
            b.checked_rem(basic_den).unwrap_or(0),
        );
        Ok(DayShares {
            b,
            s,
            sum_eff,
            den_a,
            basic_den,
            basic_by_ea: sum_ea.is_some(),
            // Fast exact path (Σeff fits u64): C·x/D = q·x + (r·x)/D with C = q·D + r, the
            // division by D through a reciprocal, and floor(S·e·a/(D·10⁴)) computed as
            // floor(floor(S·e·a/D)/10⁴) (nested floors of positive integers compose).
            fast,
            fast_basic: match sum_ea {
                None => fast,
                Some(0) => fast,
                Some(d) => u64::try_from(d).ok().and_then(DivU64::new),
            },
            by_bps: DivU64::new(10_000),
            qb,
            rb,
            qs: s / sum_eff,
            rs: s % sum_eff,
        })
    }

    /// (basic, stability before adoption, stability) of a node with effective power `e`,
    /// `ea = e·a` and adoption `a` bps.
    #[inline(never)]
    fn compute(&self, e: u128, ea: u128, a: u32) -> Result<(u128, u128, u128), EconomyError> {
        let wb = if self.basic_by_ea { ea } else { e };
        let quick = match (self.fast, self.fast_basic, self.by_bps) {
            (Some(dv), Some(dvb), Some(dbps)) => share(self.qb, self.rb, wb, &dvb).and_then(|bi| {
                let full = share(self.qs, self.rs, e, &dv)?;
                let si = if a >= 10_000 {
                    full
                } else {
                    dbps.div(share(self.qs, self.rs, ea, &dv)?)
                };
                Some((bi, full, si))
            }),
            _ => None,
        };
        Ok(match quick {
            Some(t) => t,
            None => {
                let full = mul_div_floor(self.s, e, self.sum_eff)?;
                let si = if a >= 10_000 {
                    full
                } else {
                    mul_div_floor(self.s, ea, self.den_a)?
                };
                let bi = if self.basic_den == 0 {
                    0
                } else {
                    mul_div_floor(self.b, wb, self.basic_den)?
                };
                (bi, full, si)
            }
        })
    }

    /// `floor(S·ea / (Σeff·10⁴))`: the stability share after adoption, `ea = eff·a`, as in
    /// [`DayShares::compute`].
    #[inline]
    fn stability(&self, ea: u128) -> Result<u128, EconomyError> {
        if let (Some(dv), Some(dbps)) = (self.fast, self.by_bps)
            && let Some(x) = share(self.qs, self.rs, ea, &dv)
        {
            return Ok(dbps.div(x));
        }
        Ok(mul_div_floor(self.s, ea, self.den_a)?)
    }

    /// (basic, stability before adoption, memo hit) of effective power `e` through the day's
    /// eff memo; not for the occupancy reading (whose basic depends on the adoption).
    #[inline]
    fn by_power(
        &self,
        memo: &mut [PowerSlot],
        stamp: u64,
        e: u128,
    ) -> Result<(u128, u128, bool), EconomyError> {
        debug_assert!(!self.basic_by_ea);
        let h = (e as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let Some(slot) = memo.get_mut((h >> (64 - MEMO_BITS)) as usize) else {
            let (bi, full, _) = self.compute(e, e, 10_000)?;
            return Ok((bi, full, false));
        };
        if slot.stamp == stamp && slot.eff == e {
            return Ok((slot.basic, slot.full, true));
        }
        let (bi, full, _) = self.compute(e, e, 10_000)?;
        *slot = PowerSlot {
            stamp,
            eff: e,
            basic: bi,
            full,
        };
        Ok((bi, full, false))
    }

    /// [`DayShares::compute`] through the day's direct-mapped memo keyed by (eff, adoption).
    #[inline(never)]
    fn memoised(
        &self,
        memo: &mut [MemoSlot],
        stamp: u64,
        e: u128,
        a: u32,
    ) -> Result<(u128, u128, u128), EconomyError> {
        let h = ((e as u64) ^ (u64::from(a) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let Some(slot) = memo.get_mut((h >> (64 - MEMO_BITS)) as usize) else {
            return self.compute(e, e * u128::from(a), a);
        };
        if slot.stamp == stamp && slot.eff == e && slot.adoption == a {
            return Ok(slot.shares);
        }
        let shares = self.compute(e, e * u128::from(a), a)?;
        *slot = MemoSlot {
            stamp,
            eff: e,
            adoption: a,
            shares,
        };
        Ok(shares)
    }
}

/// A memoised [`split_fast`] of a term's voter pot over its voter weights.
#[derive(Debug, Clone, Default)]
struct VoterSplit {
    /// `(term index, pot)` the shares belong to; `None` before the first split.
    key: Option<(u32, Amount)>,
    /// What the split left over.
    left: Amount,
    shares: Vec<Amount>,
}

/// One settlement class's shares of a day (nodes fully online with the same standardised
/// power and constant adoption), and how many nodes took them.
#[derive(Debug, Clone, Copy, Default)]
struct ClassMemo {
    /// `day + 1` of the day it belongs to (0 = never).
    stamp: u64,
    /// Nodes of the class paid today.
    count: u64,
    basic: u128,
    full: u128,
    stability: u128,
    /// Reference-ring entry: basic + stability, or 0 when the day's shares are burned.
    ring: u128,
}

/// [`sim_core::split_into`] with the reciprocal fast path when `Σw` fits `u64`: the same
/// floored shares and remainder, without a hardware division per recipient.
fn split_fast(total: Amount, weights: &[u128], out: &mut [Amount]) -> Result<Amount, AmountError> {
    let sum = weights.iter().try_fold(0u128, |acc, &w| acc.checked_add(w));
    let Some(dv) = sum
        .and_then(|w| u64::try_from(w).ok())
        .and_then(DivU64::new)
    else {
        return sim_core::split_into(total, weights, out);
    };
    let w_sum = sum.unwrap_or(1);
    let (q, r) = (total.wei() / w_sum, total.wei() % w_sum);
    let mut paid = 0u128;
    for (slot, &w) in out.iter_mut().zip(weights) {
        let Some(v) = share(q, r, w, &dv) else {
            return sim_core::split_into(total, weights, out);
        };
        paid += v;
        *slot = Amount::from_wei(v);
    }
    total.checked_sub(Amount::from_wei(paid))
}

fn inv(day: u64, detail: impl Into<String>) -> EconomyError {
    EconomyError::Invariant {
        day,
        detail: detail.into(),
    }
}

impl Economy {
    /// Validates `cfg`, builds genesis (ledger, endowments from the foundation/market account,
    /// node arrays, scheduled node events) and runs the boundary work of day 0.
    pub fn new(cfg: EconomyConfig) -> Result<Self, EconomyError> {
        cfg.validate()?;
        let ledger = SupplyLedger::genesis(&cfg.supply)?;
        let streams = Streams::new(cfg.seed);
        let n_ops = cfg.operators.len();
        let n_voters = cfg.voters.len();
        let mut liquid = vec![Amount::ZERO; 1 + n_ops + n_voters];
        liquid[FOUNDATION_ACCOUNT] = ledger.balance(Bucket::Liquid);
        let endowments = cfg
            .operators
            .iter()
            .map(|o| o.endowment)
            .chain(cfg.voters.iter().map(|v| v.endowment));
        let needed = Amount::checked_sum(endowments.clone())?;
        if needed > liquid[FOUNDATION_ACCOUNT] {
            return Err(EconomyError::Endowment {
                needed,
                available: liquid[FOUNDATION_ACCOUNT],
            });
        }
        for (slot, e) in liquid[1..].iter_mut().zip(endowments) {
            *slot = e;
        }
        liquid[FOUNDATION_ACCOUNT] = liquid[FOUNDATION_ACCOUNT].checked_sub(needed)?;
        let mut adoption_models = Vec::new();
        let nodes = Nodes::new(&cfg, streams, &mut adoption_models);
        let n = nodes.len();
        let class_count = nodes.class_count;
        let mut join_order: Vec<u32> = (0..n as u32).collect();
        join_order.sort_by_key(|&i| (cfg.nodes[i as usize].join_day, i));
        let voter_streams = (0..n_voters as u64)
            .map(|v| streams.stream(Domain("economy.voter"), v))
            .collect();
        let lock = usize::try_from(cfg.pledge_lock_days).unwrap_or(usize::MAX);
        let mut econ = Economy {
            events: EventQueue::new(cfg.limits.max_pending_events),
            ledger,
            liquid,
            nodes,
            adoption_models,
            campaign: Campaign::default(),
            events_handled: 0,
            next_day: 0,
            pledged_count: 0,
            pledged_power: 0,
            pledged_nonzero: 0,
            down_set: BTreeSet::new(),
            touched: Vec::new(),
            join_order,
            join_ptr: 0,
            pending_pledge: Vec::new(),
            expiry_buckets: vec![Vec::new(); lock],
            voter_streams,
            voter_rewards: vec![Amount::ZERO; n_voters],
            voter_casts: vec![(0, Amount::ZERO, Amount::ZERO); n_voters],
            vote_fee_now: cfg.campaign.vote_fee,
            fees_total: Amount::ZERO,
            fees_untaken: Amount::ZERO,
            pending: Pending::default(),
            eff_s: vec![0; n],
            split_out: Vec::new(),
            voter_split: VoterSplit::default(),
            memos: vec![ChunkMemo::new(class_count)],
            day_total: vec![Amount::ZERO; n],
            operator_base: 1,
            voter_base: 1 + n_ops,
            chain: None,
            accrual: if cfg.readings.stability_lump_days > 0 {
                vec![Amount::ZERO; n]
            } else {
                Vec::new()
            },
            accrual_held: Amount::ZERO,
            adoption_today: Vec::new(),
            votes_by_day: cfg.timeline.votes.iter().fold(BTreeMap::new(), |mut m, v| {
                m.entry(v.day).or_insert_with(Vec::new).push(*v);
                m
            }),
            offline_carry_ms: if cfg.readings.offline_deduction_bps_per_hour > 0 {
                vec![0; n]
            } else {
                Vec::new()
            },
            cfg,
        };
        for (i, spec) in econ.cfg.nodes.iter().enumerate() {
            let node = i as u32;
            for o in &spec.outages {
                let end_ms = o.start_ms.saturating_add(o.duration_ms);
                econ.events.schedule_at(
                    SimTime::from_ms(o.start_ms),
                    NodeEvent::OutageStart {
                        node,
                        end_ms,
                        reported: o.reported,
                    },
                )?;
            }
            if let Some(t) = spec.exit_at_ms {
                econ.events
                    .schedule_at(SimTime::from_ms(t), NodeEvent::Exit { node })?;
            }
            if let Some(t) = spec.attack_at_ms {
                econ.events
                    .schedule_at(SimTime::from_ms(t), NodeEvent::Attack { node })?;
            }
        }
        for i in 0..n {
            econ.schedule_failure(i, 0)?;
        }
        let mut null = super::record::NullRecorder;
        econ.boundary(0, &mut null)?;
        econ.check_invariant(0)?;
        Ok(econ)
    }

    // ----- accessors -----

    /// The supply ledger.
    pub fn ledger(&self) -> &SupplyLedger {
        &self.ledger
    }

    /// The configuration.
    pub fn config(&self) -> &EconomyConfig {
        &self.cfg
    }

    /// The next day to settle.
    pub fn next_day(&self) -> u64 {
        self.next_day
    }

    /// Liquid balance of the foundation/market account.
    pub fn foundation_balance(&self) -> Amount {
        self.liquid[FOUNDATION_ACCOUNT]
    }

    /// Liquid balance of operator `op`.
    pub fn operator_balance(&self, op: usize) -> Option<Amount> {
        (op < self.voter_base - self.operator_base).then(|| self.liquid[self.operator_base + op])
    }

    /// Liquid balance of voter `v`.
    pub fn voter_balance(&self, v: usize) -> Option<Amount> {
        self.liquid.get(self.voter_base + v).copied()
    }

    /// Election rewards received by voter `v`.
    pub fn voter_reward(&self, v: usize) -> Option<Amount> {
        self.voter_rewards.get(v).copied()
    }

    /// Number of voters.
    pub fn voter_count(&self) -> usize {
        self.voter_rewards.len()
    }

    /// Every voter's figures now, in voter order: endowment, liquid balance, votes cast and DCC
    /// voted since genesis, DCC still locked, vote fees paid and election rewards received.
    /// One pass over the pending releases, so it is linear in voters and votes.
    pub fn voter_totals(&self) -> Vec<VoterTotals> {
        let mut locked = vec![Amount::ZERO; self.voter_count()];
        for (_, voter, amount) in self.pending_vote_releases() {
            if let Some(l) = locked.get_mut(voter as usize) {
                // Locked votes are part of the 500M: the sum cannot overflow.
                *l = Amount::from_wei(l.wei() + amount.wei());
            }
        }
        (0..self.voter_count())
            .map(|v| {
                let (votes, cast, fees) = self.voter_casts[v];
                VoterTotals {
                    endowment: self.cfg.voters[v].endowment,
                    balance: self.liquid[self.voter_base + v],
                    votes,
                    cast,
                    locked: locked[v],
                    fees,
                    rewards: self.voter_rewards[v],
                }
            })
            .collect()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Cumulative figures of node `i`.
    pub fn node_totals(&self, i: usize) -> Option<NodeTotals> {
        (i < self.nodes.len()).then(|| NodeTotals {
            basic: self.nodes.basic_total[i],
            stability: self.nodes.stability_total[i],
            extra: self.nodes.extra_total[i],
            election: self.nodes.election_total[i],
            forfeited: self.nodes.forfeited_total[i],
            pledge: self.nodes.pledge[i],
            status: self.nodes.status[i],
            forfeit_count: self.nodes.forfeit_count[i],
        })
    }

    /// Node `i`'s standardised power (SPEC §4.1).
    pub fn node_power(&self, i: usize) -> Option<u64> {
        self.nodes.std_power.get(i).copied()
    }

    /// Node `i`'s whole seconds online on the last settled day while holding a valid pledge
    /// (the seconds in its effective power, SPEC §4.3; 0 without pledge or power).
    pub fn node_online_pledged_s(&self, i: usize) -> Option<u64> {
        self.eff_s.get(i).map(|&s| u64::from(s))
    }

    /// Streams every node's totals and every voter's election reward to `recorder`, in id
    /// order (call at the end of a run).
    pub fn report_totals(&self, recorder: &mut dyn EconomyRecorder) {
        for i in 0..self.nodes.len() {
            if let Some(t) = self.node_totals(i) {
                recorder.node_totals(i as u32, &t);
            }
        }
        for (v, r) in self.voter_rewards.iter().enumerate() {
            recorder.voter_reward(v as u32, *r);
        }
    }

    /// Nodes holding a valid pledge now.
    pub fn pledged_nodes(&self) -> u32 {
        self.pledged_count
    }

    /// Super nodes in office on `day` (empty outside a term).
    pub fn super_nodes_on(&self, day: u64) -> &[u32] {
        self.campaign.super_nodes_on(day)
    }

    /// The term in office on `day`: (0-based term number, first day, first day after it).
    pub fn term_on(&self, day: u64) -> Option<(u32, u64, u64)> {
        self.campaign
            .term
            .as_ref()
            .filter(|t| t.start_day <= day && day < t.end_day)
            .map(|t| (t.index, t.start_day, t.end_day))
    }

    /// Candidates of the open voting period, if one is open.
    pub fn open_candidates(&self) -> Option<&[u32]> {
        self.campaign.voting.as_ref().map(|v| &v.candidates[..])
    }

    /// The first day of the first super-node term, once known.
    pub fn first_term_start(&self) -> Option<u64> {
        self.campaign.first_term_start
    }

    /// Read-only view of the scheduled vote releases not yet paid (SPEC §5.5), as
    /// `(release day, voter, amount)` in ascending release day (scheduling order within a
    /// day). With the open voting's votes they make up the locked-votes bucket; used by the
    /// protocol invariant suite (`economics/tests/invariants.rs`).
    pub fn pending_vote_releases(&self) -> impl Iterator<Item = (u64, u32, Amount)> + '_ {
        self.campaign
            .releases
            .iter()
            .flat_map(|(&day, list)| list.iter().map(move |&(v, a)| (day, v, a)))
    }

    /// Read-only: whether node `i` is online now (`None` for an unknown node). With
    /// [`Economy::node_totals`] it tells which nodes were eligible candidates at a voting
    /// opening (SPEC §5.2: pledged and online); used by the protocol invariant suite.
    pub fn node_online(&self, i: usize) -> Option<bool> {
        (i < self.nodes.len()).then(|| !self.nodes.is_down(i))
    }

    /// Vote handling fees collected since the last call: the chain layer passes them to the
    /// validators (economy-only mode leaves them in the unwithdrawn-income bucket). With an
    /// attached chain they stay counted economy-side until the next [`Economy::sync_chain`],
    /// which expects them in the chain's holdings.
    pub fn take_vote_fees(&mut self) -> Amount {
        let taken = std::mem::take(&mut self.fees_untaken);
        if let Some(link) = &mut self.chain {
            // Bounded by `fees_total`, itself bounded by the supply: cannot saturate (and a
            // saturated value would fail the next sync's check).
            link.fees_in_transit =
                Amount::from_wei(link.fees_in_transit.wei().saturating_add(taken.wei()));
        }
        taken
    }

    /// Coupled mode: funds the chain's genesis from the foundation/market account and makes
    /// its holdings part of the SPEC §7 accounts. `genesis.liquid` stays in the `Liquid`
    /// bucket (now held by the chain), `genesis.stake` moves to `ValidatorStake` and
    /// `genesis.income` to `UnwithdrawnIncome`; `genesis.burned` must be zero. Fails with
    /// [`EconomyError::ChainFunding`] (nothing changed) if the account cannot pay.
    pub fn attach_chain(&mut self, genesis: ChainHoldings) -> Result<(), EconomyError> {
        if self.chain.is_some() {
            return Err(EconomyError::Chain("a chain is already attached".into()));
        }
        if !genesis.burned.is_zero() {
            return Err(EconomyError::Chain(format!(
                "genesis holdings cannot include burned coins ({} wei)",
                genesis.burned.wei()
            )));
        }
        let needed = genesis.total()?;
        let available = self.liquid[FOUNDATION_ACCOUNT];
        if needed > available {
            return Err(EconomyError::ChainFunding { needed, available });
        }
        self.liquid[FOUNDATION_ACCOUNT] = available.checked_sub(needed)?;
        self.ledger
            .transfer(Bucket::Liquid, Bucket::ValidatorStake, genesis.stake)?;
        self.ledger
            .transfer(Bucket::Liquid, Bucket::UnwithdrawnIncome, genesis.income)?;
        self.chain = Some(ChainLink {
            holdings: genesis,
            paid_by_market: needed,
            ..ChainLink::default()
        });
        self.check_invariant(self.next_day)
    }

    /// Coupled mode: records the chain's new `holdings` after it received the vote fees taken
    /// since the last sync and `inflow_from_market` (users' fees, paid now by the
    /// foundation/market account). Checks that the holdings grew by exactly those two amounts
    /// and that burns never shrink, then moves the differences between the SPEC §7 buckets.
    /// Call it at least before every settlement so each day boundary is exact.
    pub fn sync_chain(
        &mut self,
        holdings: ChainHoldings,
        inflow_from_market: Amount,
    ) -> Result<(), EconomyError> {
        let Some(link) = self.chain else {
            return Err(EconomyError::Chain(
                "sync_chain without attach_chain".into(),
            ));
        };
        let old = link.holdings;
        let fees = link.fees_in_transit;
        let expected = Amount::checked_sum([old.total()?, fees, inflow_from_market])?;
        let got = holdings.total()?;
        if got != expected {
            return Err(inv(
                self.next_day,
                format!(
                    "chain holds {} wei, but held {} wei and received {} wei of vote fees and \
                     {} wei from the market",
                    got.wei(),
                    old.total()?.wei(),
                    fees.wei(),
                    inflow_from_market.wei()
                ),
            ));
        }
        if holdings.burned < old.burned {
            return Err(inv(self.next_day, "the chain's burned total went down"));
        }
        let available = self.liquid[FOUNDATION_ACCOUNT];
        if inflow_from_market > available {
            return Err(EconomyError::ChainFunding {
                needed: inflow_from_market,
                available,
            });
        }
        // Per bucket: the chain's new share minus its old share and what it received from
        // that bucket (market fees were liquid, vote fees unwithdrawn income).
        let moves = [
            (
                Bucket::Liquid,
                holdings.liquid,
                old.liquid.checked_add(inflow_from_market)?,
            ),
            (Bucket::ValidatorStake, holdings.stake, old.stake),
            (
                Bucket::UnwithdrawnIncome,
                holdings.income,
                old.income.checked_add(fees)?,
            ),
            (Bucket::Burned, holdings.burned, old.burned),
        ];
        let mut sources: Vec<(Bucket, Amount)> = Vec::with_capacity(4);
        let mut sinks: Vec<(Bucket, Amount)> = Vec::with_capacity(4);
        for (bucket, new, old) in moves {
            if new > old {
                sinks.push((bucket, new.checked_sub(old)?));
            } else if old > new {
                sources.push((bucket, old.checked_sub(new)?));
            }
        }
        self.liquid[FOUNDATION_ACCOUNT] = available.checked_sub(inflow_from_market)?;
        // Gains equal losses (checked above), so the greedy matching settles every wei.
        let mut k = 0;
        for (from, mut left) in sources {
            while !left.is_zero() {
                let Some(sink) = sinks.get_mut(k) else {
                    return Err(inv(self.next_day, "chain bucket moves do not balance"));
                };
                let m = left.min(sink.1);
                self.ledger.transfer(from, sink.0, m)?;
                left = left.checked_sub(m)?;
                sink.1 = sink.1.checked_sub(m)?;
                if sink.1.is_zero() {
                    k += 1;
                }
            }
        }
        self.chain = Some(ChainLink {
            holdings,
            fees_in_transit: Amount::ZERO,
            fees_to_chain: link.fees_to_chain.checked_add(fees)?,
            paid_by_market: link.paid_by_market.checked_add(inflow_from_market)?,
        });
        Ok(())
    }

    /// Coupled mode: the chain's holdings as of the last sync (`None` without a chain).
    pub fn chain_holdings(&self) -> Option<ChainHoldings> {
        self.chain.map(|c| c.holdings)
    }

    /// Coupled mode: what the foundation/market account paid into the chain (genesis funding
    /// plus users' fees) and the vote fees synced into it, since attaching.
    pub fn chain_funding(&self) -> Option<(Amount, Amount)> {
        self.chain.map(|c| (c.paid_by_market, c.fees_to_chain))
    }

    /// All vote handling fees ever collected.
    pub fn vote_fees_total(&self) -> Amount {
        self.fees_total
    }

    // ----- driving -----

    /// Settles every day up to (excluding) `end_day` exactly at its boundary (ideal chain).
    pub fn run_ideal(
        &mut self,
        end_day: u64,
        recorder: &mut dyn EconomyRecorder,
    ) -> Result<(), EconomyError> {
        while self.next_day < end_day {
            let d = self.next_day;
            self.settle_day(d, SimTime::from_day(d.saturating_add(1)), recorder)?;
        }
        Ok(())
    }

    /// Settles day `day` at `settlement_time` (≥ the day's end; the difference is the reported
    /// delay): processes node events up to the day's end, pays and burns the day's emission,
    /// records the row, runs the next day's boundary work and checks the SPEC §7 invariant.
    pub fn settle_day(
        &mut self,
        day: u64,
        settlement_time: SimTime,
        recorder: &mut dyn EconomyRecorder,
    ) -> Result<(), EconomyError> {
        if day != self.next_day {
            return Err(EconomyError::DayOrder {
                expected: self.next_day,
                got: day,
            });
        }
        if day >= self.cfg.limits.max_days {
            return Err(EconomyError::Limit {
                what: "max_days",
                limit: self.cfg.limits.max_days,
            });
        }
        let day_end = SimTime::from_day(day + 1);
        let Some(delay_ms) = settlement_time.checked_since(day_end) else {
            return Err(EconomyError::SettledEarly {
                day,
                at: settlement_time,
            });
        };
        self.process_events_before(day_end.as_ms())?;
        let mut row = self.settle(day)?;
        row.settlement_delay_ms = delay_ms;
        recorder.day(&row);
        self.next_day = day + 1;
        self.boundary(day + 1, recorder)?;
        if (day + 1).is_multiple_of(self.cfg.invariant_check_interval_days) {
            self.check_invariant(day)?;
        }
        Ok(())
    }

    // ----- node events -----

    fn schedule_failure(&mut self, i: usize, now_ms: u64) -> Result<(), EconomyError> {
        let f = self.nodes.failure[i];
        if f.mean_up_ms == 0 {
            return Ok(());
        }
        let Some(stream) = self.nodes.fail_stream[i].as_mut() else {
            return Ok(());
        };
        let dt = exponential_ms(stream, f.mean_up_ms);
        self.nodes.fail_gen[i] = self.nodes.fail_gen[i].wrapping_add(1);
        let generation = self.nodes.fail_gen[i];
        self.events.schedule_at(
            SimTime::from_ms(now_ms.saturating_add(dt)),
            NodeEvent::Fail {
                node: i as u32,
                generation,
            },
        )?;
        Ok(())
    }

    fn process_events_before(&mut self, end_ms: u64) -> Result<(), EconomyError> {
        while self.events.peek_time().is_some_and(|t| t.as_ms() < end_ms) {
            let Some((key, ev)) = self.events.pop() else {
                break;
            };
            self.events_handled += 1;
            if self.events_handled > self.cfg.limits.max_events {
                return Err(EconomyError::Limit {
                    what: "max_events",
                    limit: self.cfg.limits.max_events,
                });
            }
            self.handle(key.time.as_ms(), ev)?;
        }
        Ok(())
    }

    fn handle(&mut self, now: u64, ev: NodeEvent) -> Result<(), EconomyError> {
        match ev {
            NodeEvent::OutageStart {
                node,
                end_ms,
                reported,
            } => self.go_down(node as usize, now, end_ms, reported),
            NodeEvent::Fail { node, generation } => {
                let i = node as usize;
                if generation != self.nodes.fail_gen[i] || self.nodes.is_down(i) {
                    return Ok(());
                }
                let f = self.nodes.failure[i];
                let (repair, reported) = match self.nodes.fail_stream[i].as_mut() {
                    Some(s) => (
                        exponential_ms(s, f.mean_repair_ms),
                        s.chance_bps(f.report_bps),
                    ),
                    None => return Ok(()),
                };
                self.go_down(i, now, now.saturating_add(repair), reported)
            }
            NodeEvent::Repair { node, outage } => {
                let i = node as usize;
                if outage != self.nodes.outage_id[i]
                    || !self.nodes.is_down(i)
                    || self.nodes.up_at_ms[i] != now
                {
                    return Ok(());
                }
                self.go_up(i, now)
            }
            NodeEvent::PenaltyCheck { node, outage } => {
                let i = node as usize;
                if outage != self.nodes.outage_id[i]
                    || !self.nodes.is_down(i)
                    || now >= self.nodes.up_at_ms[i]
                {
                    return Ok(());
                }
                if self.nodes.status[i] == NodeStatus::Pledged {
                    self.forfeit_reference(i, now / MS_PER_DAY)?;
                }
                if matches!(
                    self.nodes.status[i],
                    NodeStatus::Pledged | NodeStatus::Unpledged | NodeStatus::NotJoined
                ) {
                    let next = now.saturating_add(self.cfg.penalties.forfeit_interval_ms);
                    self.events.schedule_at(
                        SimTime::from_ms(next),
                        NodeEvent::PenaltyCheck { node, outage },
                    )?;
                }
                Ok(())
            }
            NodeEvent::Exit { node } | NodeEvent::Attack { node } => {
                let i = node as usize;
                if matches!(
                    self.nodes.status[i],
                    NodeStatus::Pledged | NodeStatus::Cleared
                ) {
                    let all = self.nodes.pledge[i];
                    self.take_from_pledge(i, all)?;
                }
                if self.nodes.status[i] == NodeStatus::Pledged {
                    self.unpledged(i);
                }
                self.nodes.status[i] = NodeStatus::Gone;
                Ok(())
            }
        }
    }

    fn go_down(
        &mut self,
        i: usize,
        now: u64,
        end_ms: u64,
        reported: bool,
    ) -> Result<(), EconomyError> {
        if self.nodes.status[i] == NodeStatus::Gone || end_ms <= now {
            return Ok(());
        }
        let node = i as u32;
        if self.nodes.is_down(i) {
            // Overlapping outage: extend the current one.
            self.nodes.reported[i] &= reported;
            if end_ms > self.nodes.up_at_ms[i] {
                self.nodes.up_at_ms[i] = end_ms;
                let outage = self.nodes.outage_id[i];
                self.events
                    .schedule_at(SimTime::from_ms(end_ms), NodeEvent::Repair { node, outage })?;
            }
            return Ok(());
        }
        if self.cfg.penalties.any_outage_forfeits_whole_pledge
            && self.nodes.status[i] == NodeStatus::Pledged
        {
            // Literal P §5.5 item 4: any disconnection during the pledge term forfeits it all.
            let all = self.nodes.pledge[i];
            self.take_from_pledge(i, all)?;
            self.nodes.status[i] = NodeStatus::Gone;
            self.unpledged(i);
        }
        self.nodes.down_since_ms[i] = now;
        self.nodes.up_at_ms[i] = end_ms;
        self.nodes.reported[i] = reported;
        self.nodes.outage_id[i] = self.nodes.outage_id[i].wrapping_add(1);
        self.nodes.fail_gen[i] = self.nodes.fail_gen[i].wrapping_add(1);
        let outage = self.nodes.outage_id[i];
        self.down_set.insert(node);
        self.events
            .schedule_at(SimTime::from_ms(end_ms), NodeEvent::Repair { node, outage })?;
        let r = self.cfg.readings;
        if reported && r.error_penalty_bps > 0 && self.nodes.status[i] == NodeStatus::Pledged {
            // Error-penalty reading: the report itself costs a share of the pledge.
            let amount = self.nodes.pledge[i].mul_bps(r.error_penalty_bps);
            self.deduct(i, amount)?;
        }
        if !r.offline_deduction_replaces_forfeits {
            let check = now.saturating_add(self.cfg.penalties.first_forfeit_ms);
            self.events.schedule_at(
                SimTime::from_ms(check),
                NodeEvent::PenaltyCheck { node, outage },
            )?;
        }
        Ok(())
    }

    fn go_up(&mut self, i: usize, now: u64) -> Result<(), EconomyError> {
        let since = self.nodes.down_since_ms[i];
        let day_start = (now / MS_PER_DAY) * MS_PER_DAY;
        self.add_offline(i, now - since.max(day_start));
        self.nodes.down_since_ms[i] = UP;
        self.down_set.remove(&(i as u32));
        let duration = now - since;
        let p = &self.cfg.penalties;
        if duration <= p.grace_ms
            && !self.nodes.reported[i]
            && p.unreported_short_outage_forfeits
            && !self.cfg.readings.offline_deduction_replaces_forfeits
            && self.nodes.status[i] == NodeStatus::Pledged
        {
            self.forfeit_reference(i, now / MS_PER_DAY)?;
        }
        self.schedule_failure(i, now)
    }

    fn add_offline(&mut self, i: usize, ms: u64) {
        if ms == 0 {
            return;
        }
        if self.nodes.offline_ms_today[i] == 0 {
            self.touched.push(i as u32);
        }
        // ≤ 86,400,000 ms: fits u32.
        self.nodes.offline_ms_today[i] =
            (u64::from(self.nodes.offline_ms_today[i]) + ms).min(MS_PER_DAY) as u32;
    }

    // ----- pledges and penalties -----

    fn forfeit_reference(&mut self, i: usize, _day: u64) -> Result<(), EconomyError> {
        let reference = self.nodes.reference_reward(i);
        let amount = Amount::from_wei(
            reference
                .wei()
                .saturating_mul(u128::from(self.cfg.penalties.forfeit_days)),
        );
        self.nodes.forfeit_count[i] += 1;
        self.deduct(i, amount)
    }

    /// Takes `amount` (capped by the pledge) from pledged node `i`'s pledge into the forfeit
    /// sink, then applies the clearing rule (SPEC §4.5) if the pledge fell below the
    /// requirement.
    fn deduct(&mut self, i: usize, amount: Amount) -> Result<(), EconomyError> {
        debug_assert_eq!(self.nodes.status[i], NodeStatus::Pledged);
        let taken = amount.min(self.nodes.pledge[i]);
        self.take_from_pledge(i, taken)?;
        let required = self.nodes.pledge_required[i];
        let pledge = self.nodes.pledge[i];
        if pledge >= required {
            return Ok(());
        }
        let clear = match self.cfg.penalties.clearing {
            ClearingRule::TopUpOrClear => {
                let need = required.checked_sub(pledge)?;
                let acct = self.operator_base + self.nodes.operator[i] as usize;
                if self.liquid[acct] >= need {
                    self.liquid[acct] = self.liquid[acct].checked_sub(need)?;
                    self.ledger
                        .transfer(Bucket::Liquid, Bucket::NodePledges, need)?;
                    self.nodes.pledge[i] = required;
                    false
                } else {
                    true
                }
            }
            ClearingRule::ClearWhenExhausted => pledge.is_zero() && !required.is_zero(),
            ClearingRule::ClearBelowRequirement => true,
        };
        if clear {
            self.nodes.status[i] = NodeStatus::Cleared;
            self.unpledged(i);
        }
        Ok(())
    }

    /// Node `i`'s effective power today: standardised power × whole seconds online, if pledged.
    #[inline]
    fn node_eff(&self, i: usize) -> u128 {
        if self.nodes.status[i] == NodeStatus::Pledged {
            let online_s = (MS_PER_DAY - u64::from(self.nodes.offline_ms_today[i])) / 1_000;
            u128::from(self.nodes.std_power[i]) * u128::from(online_s)
        } else {
            0
        }
    }

    /// Bookkeeping of a node leaving the pledged state (its status is set by the caller).
    fn unpledged(&mut self, i: usize) {
        self.pledged_count -= 1;
        self.pledged_power -= u128::from(self.nodes.std_power[i]);
        self.pledged_nonzero -= u32::from(self.nodes.std_power[i] > 0);
    }

    /// Removes `amount` from node `i`'s pledge into the forfeit sink.
    fn take_from_pledge(&mut self, i: usize, amount: Amount) -> Result<(), EconomyError> {
        if amount.is_zero() {
            return Ok(());
        }
        self.nodes.pledge[i] = self.nodes.pledge[i].checked_sub(amount)?;
        self.nodes.forfeited_total[i] = self.nodes.forfeited_total[i].checked_add(amount)?;
        match self.cfg.penalties.sink {
            ForfeitSink::Burn => {
                self.ledger
                    .transfer(Bucket::NodePledges, Bucket::Burned, amount)?;
                self.pending.burned_forfeits = self.pending.burned_forfeits.checked_add(amount)?;
            }
            ForfeitSink::MiningPool => {
                self.ledger
                    .transfer(Bucket::NodePledges, Bucket::MiningPool, amount)?;
                self.pending.forfeits_to_pool =
                    self.pending.forfeits_to_pool.checked_add(amount)?;
            }
        }
        Ok(())
    }

    /// Pledges node `i` from its operator's balance at the start of `day`, if it can.
    fn try_pledge(&mut self, i: usize, day: u64) -> Result<bool, EconomyError> {
        let required = self.nodes.pledge_required[i];
        let acct = self.operator_base + self.nodes.operator[i] as usize;
        if self.liquid[acct] < required {
            self.nodes.status[i] = NodeStatus::Unpledged;
            return Ok(false);
        }
        self.liquid[acct] = self.liquid[acct].checked_sub(required)?;
        self.ledger
            .transfer(Bucket::Liquid, Bucket::NodePledges, required)?;
        self.nodes.pledge[i] = self.nodes.pledge[i].checked_add(required)?;
        self.nodes.status[i] = NodeStatus::Pledged;
        let end = day.saturating_add(self.cfg.pledge_lock_days);
        self.nodes.pledge_end_day[i] = end;
        let b = (end % self.expiry_buckets.len() as u64) as usize;
        self.expiry_buckets[b].push(i as u32);
        self.pledged_count += 1;
        self.pledged_power += u128::from(self.nodes.std_power[i]);
        self.pledged_nonzero += u32::from(self.nodes.std_power[i] > 0);
        Ok(true)
    }

    fn return_pledge(&mut self, i: usize) -> Result<(), EconomyError> {
        let amount = std::mem::take(&mut self.nodes.pledge[i]);
        let acct = self.operator_base + self.nodes.operator[i] as usize;
        self.liquid[acct] = self.liquid[acct].checked_add(amount)?;
        self.ledger
            .transfer(Bucket::NodePledges, Bucket::Liquid, amount)?;
        Ok(())
    }

    // ----- the day boundary -----

    fn boundary(
        &mut self,
        day: u64,
        recorder: &mut dyn EconomyRecorder,
    ) -> Result<(), EconomyError> {
        // 1. Pledge terms ending today: lump return, then re-pledge per policy.
        let b = (day % self.expiry_buckets.len() as u64) as usize;
        // Every entry of bucket `b` was pushed `pledge_lock_days` ago (ending today) or is stale
        // (the node left); re-pledges push into the emptied bucket again.
        let mut due = std::mem::take(&mut self.expiry_buckets[b]);
        for &node in &due {
            let i = node as usize;
            if self.nodes.pledge_end_day[i] != day {
                continue;
            }
            self.nodes.pledge_end_day[i] = u64::MAX;
            match self.nodes.status[i] {
                NodeStatus::Pledged => {
                    self.return_pledge(i)?;
                    self.unpledged(i);
                    match self.cfg.repledge {
                        RepledgePolicy::Immediately => {
                            if !self.try_pledge(i, day)? {
                                self.pending_pledge.push(node);
                            }
                        }
                        RepledgePolicy::Never => self.nodes.status[i] = NodeStatus::Lapsed,
                    }
                }
                NodeStatus::Cleared => {
                    self.return_pledge(i)?;
                    self.nodes.status[i] = NodeStatus::Gone;
                }
                _ => {}
            }
        }
        due.clear();
        due.append(&mut self.expiry_buckets[b]);
        self.expiry_buckets[b] = due;
        // 2. Joins.
        while self.join_ptr < self.join_order.len() {
            let i = self.join_order[self.join_ptr] as usize;
            if self.cfg.nodes[i].join_day > day {
                break;
            }
            self.join_ptr += 1;
            if self.nodes.status[i] == NodeStatus::NotJoined && !self.try_pledge(i, day)? {
                self.pending_pledge.push(i as u32);
            }
        }
        // 3. Retry nodes that could not pledge.
        if !self.pending_pledge.is_empty() {
            let list = std::mem::take(&mut self.pending_pledge);
            let mut still = Vec::new();
            for node in list {
                let i = node as usize;
                if self.nodes.status[i] != NodeStatus::Unpledged {
                    continue;
                }
                if !self.try_pledge(i, day)? {
                    still.push(node);
                }
            }
            self.pending_pledge = still;
        }
        // 4. Campaign.
        self.campaign_boundary(day, recorder)
    }

    fn campaign_boundary(
        &mut self,
        day: u64,
        recorder: &mut dyn EconomyRecorder,
    ) -> Result<(), EconomyError> {
        if self
            .campaign
            .term
            .as_ref()
            .is_some_and(|t| t.end_day <= day)
        {
            self.campaign.term = None;
        }
        for &(from, fee) in &self.cfg.timeline.vote_fees {
            if from == day {
                self.vote_fee_now = fee;
            }
        }
        let c = self.cfg.campaign.clone();
        if self
            .campaign
            .voting
            .as_ref()
            .is_some_and(|v| v.open_day + c.voting_days <= day)
        {
            self.close_voting(day, recorder)?;
        }
        // Vote releases due today, after the close so that a release delay of 0 days (due on
        // the closing day itself) is paid at once instead of staying locked for ever.
        if let Some(list) = self.campaign.releases.remove(&day) {
            for (v, amount) in list {
                let acct = self.voter_base + v as usize;
                self.liquid[acct] = self.liquid[acct].checked_add(amount)?;
                self.ledger
                    .transfer(Bucket::LockedVotes, Bucket::Liquid, amount)?;
                self.pending.votes_released = self.pending.votes_released.checked_add(amount)?;
            }
        }
        if self.campaign.voting.is_none() {
            let open = if self.campaign.started {
                self.campaign
                    .term
                    .as_ref()
                    .is_none_or(|t| day + c.next_voting_lead_days >= t.end_day)
            } else {
                self.pledged_count >= c.open_threshold_nodes
                    || c.first_campaign_day.is_some_and(|f| day >= f)
            };
            if open {
                self.open_voting(day);
            }
        }
        let Some(mut voting) = self.campaign.voting.take() else {
            return Ok(());
        };
        let offset = (day - voting.open_day) as usize;
        let today = std::mem::take(&mut voting.voters_by_day[offset]);
        let result = today
            .iter()
            .try_for_each(|&v| self.cast_vote(v, &mut voting))
            .and_then(|()| self.scheduled_votes(day, &mut voting));
        self.campaign.voting = Some(voting);
        result
    }

    fn open_voting(&mut self, day: u64) {
        let c = &self.cfg.campaign;
        let mut ids: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|&i| {
                self.nodes.status[i as usize] == NodeStatus::Pledged
                    && !self.nodes.is_down(i as usize)
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        let by_eff = c.ranking == CandidateRanking::PreviousDayEffectivePower;
        let key = |i: &u32| {
            let i = *i as usize;
            let rank = if by_eff {
                u128::from(self.nodes.std_power[i]) * u128::from(self.eff_s[i])
            } else {
                u128::from(self.nodes.std_power[i])
            };
            (std::cmp::Reverse(rank), i as u32)
        };
        let k = (c.max_candidates as usize).min(ids.len());
        if k < ids.len() {
            ids.select_nth_unstable_by_key(k - 1, key);
            ids.truncate(k);
        }
        ids.sort_unstable_by_key(key);
        let incumbents_now = self.campaign.super_nodes_on(day);
        let incumbents = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| incumbents_now.contains(id))
            .map(|(k, _)| k as u32)
            .collect();
        let days = c.voting_days as usize;
        let mut voters_by_day = vec![Vec::new(); days];
        for (v, s) in self.voter_streams.iter_mut().enumerate() {
            voters_by_day[s.below(c.voting_days) as usize].push(v as u32);
        }
        self.campaign.started = true;
        self.campaign.first_voting_open.get_or_insert(day);
        self.campaign.voting = Some(Voting {
            open_day: day,
            powers: ids
                .iter()
                .map(|&i| self.nodes.std_power[i as usize])
                .collect(),
            votes: vec![Amount::ZERO; ids.len()],
            candidates: ids,
            incumbents,
            voters_by_day,
            log: Vec::new(),
        });
    }

    fn cast_vote(&mut self, v: u32, voting: &mut Voting) -> Result<(), EconomyError> {
        let spec = self.cfg.voters[v as usize];
        let c = &self.cfg.campaign;
        let n = voting.candidates.len() as u64;
        let stream = &mut self.voter_streams[v as usize];
        let seats = u64::from(c.seats).min(n);
        let pick = match spec.strategy {
            VoterStrategy::Random => stream.below(n),
            VoterStrategy::FollowPower => stream.below(seats),
            VoterStrategy::FollowIncumbents => {
                if voting.incumbents.is_empty() {
                    stream.below(seats)
                } else {
                    u64::from(
                        voting.incumbents[stream.below(voting.incumbents.len() as u64) as usize],
                    )
                }
            }
        } as usize;
        let balance = self.liquid[self.voter_base + v as usize];
        let Ok(available) = balance.checked_sub(self.vote_fee_now) else {
            return Ok(());
        };
        let raw = available.mul_bps(spec.vote_bps);
        let amount = Amount::from_wei(raw.wei() / c.vote_unit.wei() * c.vote_unit.wei());
        if amount < c.min_vote || amount.is_zero() {
            return Ok(());
        }
        self.lock_vote(v, pick, amount, voting)
    }

    /// Voter `v` locks `amount` for candidate `pick` and pays the vote fee (the caller checked
    /// the balance covers both).
    fn lock_vote(
        &mut self,
        v: u32,
        pick: usize,
        amount: Amount,
        voting: &mut Voting,
    ) -> Result<(), EconomyError> {
        let fee = self.vote_fee_now;
        let acct = self.voter_base + v as usize;
        self.liquid[acct] = self.liquid[acct].checked_sub(fee)?.checked_sub(amount)?;
        self.ledger
            .transfer(Bucket::Liquid, Bucket::UnwithdrawnIncome, fee)?;
        self.ledger
            .transfer(Bucket::Liquid, Bucket::LockedVotes, amount)?;
        self.fees_total = self.fees_total.checked_add(fee)?;
        self.fees_untaken = self.fees_untaken.checked_add(fee)?;
        self.pending.vote_fees = self.pending.vote_fees.checked_add(fee)?;
        self.pending.votes_cast = self.pending.votes_cast.checked_add(amount)?;
        voting.votes[pick] = voting.votes[pick].checked_add(amount)?;
        voting.log.push((v, pick as u32, amount));
        let cast = &mut self.voter_casts[v as usize];
        *cast = (
            cast.0 + 1,
            cast.1.checked_add(amount)?,
            cast.2.checked_add(fee)?,
        );
        Ok(())
    }

    /// The timeline's votes of `day` (after the voters' own): each only if voting is open, the
    /// node is a candidate and the voter can pay.
    fn scheduled_votes(&mut self, day: u64, voting: &mut Voting) -> Result<(), EconomyError> {
        let Some(today) = self.votes_by_day.get(&day).cloned() else {
            return Ok(());
        };
        for sv in today {
            let Some(pick) = voting.candidates.iter().position(|&c| c == sv.node) else {
                continue;
            };
            let balance = self.liquid[self.voter_base + sv.voter as usize];
            if balance
                .checked_sub(self.vote_fee_now)
                .is_ok_and(|a| a >= sv.amount)
            {
                self.lock_vote(sv.voter, pick, sv.amount, voting)?;
            }
        }
        Ok(())
    }

    fn close_voting(
        &mut self,
        day: u64,
        recorder: &mut dyn EconomyRecorder,
    ) -> Result<(), EconomyError> {
        let Some(voting) = self.campaign.voting.take() else {
            return Ok(());
        };
        let c = self.cfg.campaign.clone();
        let n = voting.candidates.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&k| {
            (
                std::cmp::Reverse(voting.votes[k]),
                std::cmp::Reverse(voting.powers[k]),
                voting.candidates[k],
            )
        });
        let unit = c.vote_unit.wei().max(1);
        let mut elected = vec![false; n];
        let mut winners = Vec::new();
        let mut winner_votes = Vec::new();
        for &k in order.iter().take(c.seats as usize) {
            if c.require_votes_to_win && voting.votes[k].is_zero() {
                break;
            }
            elected[k] = true;
            winners.push(voting.candidates[k]);
            // Votes are whole multiples of the vote unit: weights in units give exactly the
            // same pro-rata shares with smaller numbers (no 256-bit products).
            winner_votes.push(voting.votes[k].wei() / unit);
        }
        let mut per_voter: BTreeMap<u32, u128> = BTreeMap::new();
        for &(v, k, amount) in &voting.log {
            if elected[k as usize] {
                // Odd wei: the first half is floor(x/2), the second half the rest.
                let first = Amount::from_wei(amount.wei() / 2);
                let second = amount.checked_sub(first)?;
                self.schedule_release(day + c.winner_first_half_days, v, first);
                self.schedule_release(day + c.winner_second_half_days, v, second);
                let w = per_voter.entry(v).or_insert(0);
                *w = w.saturating_add(amount.wei() / unit);
            } else {
                self.schedule_release(day + c.loser_release_days, v, amount);
            }
        }
        let index = self.campaign.terms_held;
        self.campaign.terms_held += 1;
        let result = TermResult {
            term: index,
            voting_open_day: voting.open_day,
            term_start_day: day,
            term_end_day: day + c.term_days,
            candidates: (0..n)
                .map(|k| CandidateResult {
                    node: voting.candidates[k],
                    power: voting.powers[k],
                    votes: voting.votes[k],
                    elected: elected[k],
                })
                .collect(),
            winners: winners.clone(),
            vote_count: u32::try_from(voting.log.len()).unwrap_or(u32::MAX),
        };
        recorder.term(&result);
        if winners.is_empty() {
            self.campaign.term = None;
            return Ok(());
        }
        self.campaign.first_term_start.get_or_insert(day);
        self.campaign.term = Some(Term {
            index,
            start_day: day,
            end_day: day + c.term_days,
            winners,
            winner_votes,
            voters: per_voter.keys().copied().collect(),
            voter_weights: per_voter.values().copied().collect(),
        });
        Ok(())
    }

    fn schedule_release(&mut self, day: u64, voter: u32, amount: Amount) {
        if !amount.is_zero() {
            self.campaign
                .releases
                .entry(day)
                .or_default()
                .push((voter, amount));
        }
    }

    // ----- settlement -----

    /// Pays (or, with `burn_instead`, only computes) each node's basic and stability shares of
    /// `day`; returns (Σ basic, Σ stability before adoption, Σ stability paid).
    ///
    /// The nodes are settled in chunks, in parallel on rayon's current pool when there are
    /// enough of them ([`settlement_split`]): each node's shares are a pure function of the
    /// day's constants and the node's own state and stream, the sums are exact integers (their
    /// order cannot matter), and payments to operator accounts — which nodes may share — are
    /// made afterwards in node order. So the chunk and thread counts never change a byte.
    fn pay_nodes(
        &mut self,
        day: u64,
        b: u128,
        s: u128,
        sum_eff: u128,
        burn_instead: bool,
    ) -> Result<(u128, u128, u128), EconomyError> {
        let sum_ea = if self.cfg.readings.basic_by_occupancy {
            Some(self.draw_adoptions(day)?)
        } else {
            None
        };
        let ctx = DayShares::new(b, s, sum_eff, sum_ea)?;
        let n = self.eff_s.len();
        let (threads, chunks) = settlement_split(n);
        while self.memos.len() < threads {
            self.memos.push(ChunkMemo::new(self.nodes.class_count));
        }
        self.day_total.resize(n, Amount::ZERO);
        let parts = split_nodes(
            &mut self.nodes,
            PerNode {
                eff_s: &mut self.eff_s,
                paid: &mut self.day_total,
                accrual: &mut self.accrual,
                adoption_today: &self.adoption_today,
            },
            chunks,
        );
        let models = &self.adoption_models;
        let day_ctx = PayDay {
            ctx: &ctx,
            day,
            stamp: day + 1,
            burn_instead,
            accrue_stability: self.cfg.readings.stability_lump_days > 0,
            models,
        };
        let sums = settle_chunks(parts, &mut self.memos[..threads], &day_ctx);
        if threads > 1 {
            keep_workers_warm(threads - 1);
        }
        let mut total = ChunkSums::default();
        for part in sums {
            let part = part?;
            total.basic = total
                .basic
                .checked_add(part.basic)
                .ok_or_else(|| inv(day, "basic sum overflow"))?;
            total.full = total
                .full
                .checked_add(part.full)
                .ok_or_else(|| inv(day, "stability sum overflow"))?;
            total.stability = total
                .stability
                .checked_add(part.stability)
                .ok_or_else(|| inv(day, "stability sum overflow"))?;
        }
        if !burn_instead {
            // Operators' accounts, in node order (unchecked like the per-node totals: bounded
            // by the supply).
            let liquid = &mut self.liquid[self.operator_base..];
            let operator = &self.nodes.operator[..n];
            for ((&e, paid), &op) in self.eff_s.iter().zip(&self.day_total).zip(operator) {
                if e > 0 {
                    let acct = op as usize;
                    liquid[acct] = Amount::from_wei(liquid[acct].wei() + paid.wei());
                }
            }
        }
        debug_assert!(total.basic <= b && total.full <= s && total.stability <= total.full);
        Ok((total.basic, total.full, total.stability))
    }

    /// Occupancy-weighted basic reading: draws today's adoption of every node that earns today
    /// (the draws `pay_chunk` would make, from the same per-node streams) and returns
    /// Σ eff·a, the basic reward's denominator.
    fn draw_adoptions(&mut self, day: u64) -> Result<u128, EconomyError> {
        let n = self.nodes.len();
        self.adoption_today.resize(n, 0);
        let mut sum = 0u128;
        for i in 0..n {
            let e = self.node_eff(i);
            if e == 0 {
                continue;
            }
            let a = match self.nodes.adoption_const[i] {
                u32::MAX => adoption_from_model(
                    &self.adoption_models[self.nodes.adoption_model[i] as usize],
                    self.nodes.adoption_stream[i].as_mut(),
                    day,
                ),
                a => a,
            };
            self.adoption_today[i] = a;
            sum = e
                .checked_mul(u128::from(a))
                .and_then(|ea| sum.checked_add(ea))
                .ok_or_else(|| inv(day, "occupancy-weighted power overflow"))?;
        }
        Ok(sum)
    }

    fn settle(&mut self, day: u64) -> Result<DayRow, EconomyError> {
        let day_start = day * MS_PER_DAY;
        let day_end = day_start + MS_PER_DAY;
        // Close the offline accounting of nodes still down at the day's end.
        for &node in &self.down_set {
            let i = node as usize;
            let from = self.nodes.down_since_ms[i].max(day_start);
            let ms = day_end - from;
            if ms > 0 {
                if self.nodes.offline_ms_today[i] == 0 {
                    self.touched.push(node);
                }
                self.nodes.offline_ms_today[i] =
                    (u64::from(self.nodes.offline_ms_today[i]) + ms).min(MS_PER_DAY) as u32;
            }
        }
        // Before the shares, so that the emission sees forfeits returned to the pool, like
        // those of the day's events; a node cleared by them earns nothing today.
        if self.cfg.readings.offline_deduction_bps_per_hour > 0 {
            self.deduct_offline_hours()?;
        }
        // Accrued stability (lump-sum reading) is still in the pool but owed: never emitted again.
        let pool = self
            .ledger
            .balance(Bucket::MiningPool)
            .checked_sub(self.accrual_held)?;
        let emission = self.cfg.supply.emission().capped(day, pool);
        let sp = self.cfg.split;
        let basic = emission.mul_bps(sp.basic);
        let stability = emission.mul_bps(sp.stability);
        let extra = emission.mul_bps(sp.extra);
        let election = emission.mul_bps(sp.election);
        let pre = self
            .campaign
            .before_first_term(day, self.cfg.pre_election_ends_at_voting_open);
        let rule = self.cfg.pre_election;

        // Effective power: Σ power of pledged nodes × 86,400 s, corrected for the nodes with
        // offline time today (the touched list), so no pass over all nodes is needed here.
        let n = self.nodes.len();
        let full_day_s = u128::from(MS_PER_DAY / 1_000);
        let mut sum_eff = self
            .pledged_power
            .checked_mul(full_day_s)
            .ok_or(AmountError::Overflow(self.pledged_power, "*", full_day_s))?;
        let mut active = self.pledged_nonzero;
        for &node in &self.touched {
            let i = node as usize;
            if self.nodes.status[i] != NodeStatus::Pledged {
                continue;
            }
            let online_s = (MS_PER_DAY - u64::from(self.nodes.offline_ms_today[i])) / 1_000;
            let missing = u128::from(self.nodes.std_power[i]) * (full_day_s - u128::from(online_s));
            sum_eff = sum_eff
                .checked_sub(missing)
                .ok_or_else(|| inv(day, "effective power below zero"))?;
            active -= u32::from(online_s == 0 && self.nodes.std_power[i] > 0);
        }
        #[cfg(debug_assertions)]
        {
            let (mut check, mut check_active) = (0u128, 0u32);
            for i in 0..n {
                let e = self.node_eff(i);
                check += e;
                check_active += u32::from(e > 0);
            }
            debug_assert_eq!(check, sum_eff, "incremental effective power");
            debug_assert_eq!(check_active, active, "active nodes");
        }

        let mut row = DayRow {
            day,
            emission,
            effective_power: sum_eff,
            nodes_active: active,
            ..DayRow::default()
        };
        let mut paid_to_accounts = Amount::ZERO;
        let burn_all = pre && rule == PreElectionRule::BurnAll;
        let burn_instead = pre && rule == PreElectionRule::BurnWouldBePaid;
        if burn_all {
            row.burned_pre_election = basic.checked_add(stability)?;
            for i in 0..n {
                let e = self.node_eff(i);
                self.eff_s[i] = if e > 0 {
                    ((MS_PER_DAY - u64::from(self.nodes.offline_ms_today[i])) / 1_000) as u32
                } else {
                    0
                };
                if e > 0 {
                    self.nodes.push_reference(i, Amount::ZERO);
                }
            }
        } else if sum_eff > 0 {
            let (b, s) = (basic.wei(), stability.wei());
            let (basic_sum, full_sum, stab_sum) =
                self.pay_nodes(day, b, s, sum_eff, burn_instead)?;
            if basic_sum > b || full_sum > s {
                return Err(inv(day, "pro-rata shares exceed their category"));
            }
            row.burned_unadopted = Amount::from_wei(full_sum - stab_sum);
            if burn_instead {
                row.burned_pre_election = Amount::from_wei(basic_sum + stab_sum);
            } else if self.cfg.readings.stability_lump_days > 0 {
                row.basic_paid = Amount::from_wei(basic_sum);
                row.stability_accrued = Amount::from_wei(stab_sum);
                self.accrual_held = self.accrual_held.checked_add(row.stability_accrued)?;
                paid_to_accounts = row.basic_paid;
            } else {
                row.basic_paid = Amount::from_wei(basic_sum);
                row.stability_paid = Amount::from_wei(stab_sum);
                paid_to_accounts = row.basic_paid.checked_add(row.stability_paid)?;
            }
        } else {
            // Nobody earns today: every effective power is zero.
            self.eff_s.fill(0);
        }

        // Super-node extra and election rewards (only within a term, never before the first).
        if !pre
            && let Some(term) = self.campaign.term.as_ref()
            && term.start_day <= day
            && day < term.end_day
            && !term.winners.is_empty()
        {
            row.super_nodes = term.winners.len() as u32;
            let each = Amount::from_wei(extra.wei() / term.winners.len() as u128);
            let active_only = self.cfg.super_node_extra == ExtraRule::ActiveOnly;
            let with_sn_in_reference = self.cfg.penalties.reference_includes_super_node_rewards
                && !burn_all
                && !burn_instead;
            for &w in &term.winners {
                let i = w as usize;
                if active_only && self.eff_s[i] == 0 {
                    continue;
                }
                let acct = self.operator_base + self.nodes.operator[i] as usize;
                self.liquid[acct] = self.liquid[acct].checked_add(each)?;
                self.nodes.extra_total[i] = self.nodes.extra_total[i].checked_add(each)?;
                row.extra_paid = row.extra_paid.checked_add(each)?;
                if with_sn_in_reference && self.eff_s[i] > 0 {
                    self.nodes.add_to_last_reference(i, each);
                }
            }
            let sn_pot = election.mul_bps(sp.election_super_node_share);
            let voter_pot = election.checked_sub(sn_pot)?;
            self.split_out
                .resize(term.winners.len().max(term.voters.len()), Amount::ZERO);
            let left = split_fast(sn_pot, &term.winner_votes, &mut self.split_out)?;
            row.election_super_nodes_paid = sn_pot.checked_sub(left)?;
            for (k, &w) in term.winners.iter().enumerate() {
                let share = self.split_out[k];
                let i = w as usize;
                let acct = self.operator_base + self.nodes.operator[i] as usize;
                self.liquid[acct] = self.liquid[acct].checked_add(share)?;
                self.nodes.election_total[i] = self.nodes.election_total[i].checked_add(share)?;
                if with_sn_in_reference && self.eff_s[i] > 0 {
                    self.nodes.add_to_last_reference(i, share);
                }
            }
            let vs = &mut self.voter_split;
            if vs.key != Some((term.index, voter_pot)) {
                vs.key = None;
                vs.shares.clear();
                vs.shares.resize(term.voter_weights.len(), Amount::ZERO);
                vs.left = split_fast(voter_pot, &term.voter_weights, &mut vs.shares)?;
                vs.key = Some((term.index, voter_pot));
            }
            row.election_voters_paid = voter_pot.checked_sub(vs.left)?;
            for (&v, &share) in term.voters.iter().zip(&vs.shares) {
                let acct = self.voter_base + v as usize;
                self.liquid[acct] = self.liquid[acct].checked_add(share)?;
                self.voter_rewards[v as usize] =
                    self.voter_rewards[v as usize].checked_add(share)?;
            }
            paid_to_accounts = Amount::checked_sum([
                paid_to_accounts,
                row.extra_paid,
                row.election_super_nodes_paid,
                row.election_voters_paid,
            ])?;
        }

        let burned = row.burned_pre_election.checked_add(row.burned_unadopted)?;
        let out = Amount::checked_sum([paid_to_accounts, burned, row.stability_accrued])?;
        if out > emission {
            return Err(inv(
                day,
                format!("paid + burned + accrued {out} exceeds emission {emission}"),
            ));
        }
        row.emission_left_in_pool = emission.checked_sub(out)?;
        self.ledger
            .transfer(Bucket::MiningPool, Bucket::Liquid, paid_to_accounts)?;
        self.ledger
            .transfer(Bucket::MiningPool, Bucket::Burned, burned)?;
        let lump = self.cfg.readings.stability_lump_days;
        if lump > 0 && (day + 1).is_multiple_of(lump) {
            self.pay_stability_lump(&mut row)?;
        }
        row.stability_accrual_held = self.accrual_held;

        // Vesting releases go to the foundation/market account.
        let mut vested = Amount::ZERO;
        for a in self.cfg.supply.allocations() {
            vested = vested.checked_add(a.schedule.vested_on(a.total, day))?;
        }
        self.ledger
            .transfer(Bucket::Unvested, Bucket::Liquid, vested)?;
        self.liquid[FOUNDATION_ACCOUNT] = self.liquid[FOUNDATION_ACCOUNT].checked_add(vested)?;
        row.vested_released = vested;

        for &node in &self.touched {
            self.nodes.offline_ms_today[node as usize] = 0;
        }
        self.touched.clear();

        let p = std::mem::take(&mut self.pending);
        row.burned_forfeits = p.burned_forfeits;
        row.forfeits_to_pool = p.forfeits_to_pool;
        row.vote_fees = p.vote_fees;
        row.votes_cast = p.votes_cast;
        row.votes_released = p.votes_released;
        row.nodes_pledged = self.pledged_count;
        row.pool_remaining = self.ledger.balance(Bucket::MiningPool);
        row.circulating = self.ledger.balance(Bucket::Liquid);
        row.locked_unvested = self.ledger.balance(Bucket::Unvested);
        row.locked_node_pledges = self.ledger.balance(Bucket::NodePledges);
        row.locked_votes = self.ledger.balance(Bucket::LockedVotes);
        row.locked_validator_stake = self.ledger.balance(Bucket::ValidatorStake);
        row.unwithdrawn_income = self.ledger.balance(Bucket::UnwithdrawnIncome);
        row.burned_total = self.ledger.balance(Bucket::Burned);
        row.total_supply = self.ledger.total_supply();
        row.chain = self.chain_holdings();
        Ok(row)
    }

    /// Lump-sum reading: pays every node's accrued stability to its operator if the node is
    /// still pledged, and burns it otherwise (cleared, lapsed, unpledged or gone meanwhile).
    fn pay_stability_lump(&mut self, row: &mut DayRow) -> Result<(), EconomyError> {
        let (mut paid, mut burned) = (Amount::ZERO, Amount::ZERO);
        for i in 0..self.accrual.len() {
            let a = std::mem::take(&mut self.accrual[i]);
            if a.is_zero() {
                continue;
            }
            if self.nodes.status[i] == NodeStatus::Pledged {
                let acct = self.operator_base + self.nodes.operator[i] as usize;
                self.liquid[acct] = self.liquid[acct].checked_add(a)?;
                self.nodes.stability_total[i] = self.nodes.stability_total[i].checked_add(a)?;
                paid = paid.checked_add(a)?;
            } else {
                burned = burned.checked_add(a)?;
            }
        }
        let total = paid.checked_add(burned)?;
        if total != self.accrual_held {
            return Err(inv(
                row.day,
                format!("accruals sum to {total}, {} recorded", self.accrual_held),
            ));
        }
        self.accrual_held = Amount::ZERO;
        self.ledger
            .transfer(Bucket::MiningPool, Bucket::Liquid, paid)?;
        self.ledger
            .transfer(Bucket::MiningPool, Bucket::Burned, burned)?;
        row.stability_lump_paid = paid;
        row.burned_stability_accrual = burned;
        Ok(())
    }

    /// Hourly-deduction reading, at the start of a day's settlement: each pledged node offline
    /// that day adds its offline time to its carry, and every whole hour of the carry deducts
    /// `bps_per_hour` of its required pledge (in the order nodes first went offline that day,
    /// which the event order fixes).
    fn deduct_offline_hours(&mut self) -> Result<(), EconomyError> {
        // 3,600,000 fits u32, like the day's offline time it divides.
        const MS_PER_HOUR_U32: u32 = MS_PER_HOUR as u32;
        let bps = self.cfg.readings.offline_deduction_bps_per_hour;
        let touched = std::mem::take(&mut self.touched);
        for &node in &touched {
            let i = node as usize;
            if self.nodes.status[i] != NodeStatus::Pledged {
                continue;
            }
            // carry < 1 h and today's offline time ≤ 24 h: the sum fits u32.
            let ms = self.offline_carry_ms[i] + self.nodes.offline_ms_today[i];
            let hours = ms / MS_PER_HOUR_U32;
            self.offline_carry_ms[i] = ms % MS_PER_HOUR_U32;
            if hours > 0 {
                let per_hour = self.nodes.pledge_required[i].mul_bps(bps);
                let amount = Amount::from_wei(per_hour.wei().saturating_mul(u128::from(hours)));
                self.deduct(i, amount)?;
            }
        }
        self.touched = touched;
        Ok(())
    }

    /// SPEC §7: the buckets sum to 500M, and every agent-level balance matches its bucket.
    pub fn check_invariant(&self, day: u64) -> Result<(), EconomyError> {
        self.ledger.check()?;
        // Wrapping sums vectorise; every balance is bounded by the supply, so a sum that
        // wrapped would itself be a (detected) break of the invariant.
        let sum = |xs: &[Amount]| {
            Amount::from_wei(xs.iter().fold(0u128, |acc, a| acc.wrapping_add(a.wei())))
        };
        let liquid = sum(&self.liquid);
        let pledges = sum(&self.nodes.pledge);
        let mut votes = Amount::checked_sum(
            self.campaign
                .releases
                .values()
                .flat_map(|l| l.iter().map(|&(_, a)| a)),
        )?;
        if let Some(v) = &self.campaign.voting {
            votes = votes.checked_add(Amount::checked_sum(v.log.iter().map(|&(_, _, a)| a))?)?;
        }
        // Coupled mode: the chain's holdings are part of the liquid, stake and income buckets,
        // and vote fees synced into the chain are counted there, not economy-side.
        let link = self.chain.unwrap_or_default();
        let chain = link.holdings;
        let fees_here = self.fees_total.checked_sub(link.fees_to_chain)?;
        let checks = [
            (
                "liquid accounts (with the chain's)",
                liquid.checked_add(chain.liquid)?,
                Bucket::Liquid,
            ),
            ("chain validator stake", chain.stake, Bucket::ValidatorStake),
            ("node pledges", pledges, Bucket::NodePledges),
            ("locked votes", votes, Bucket::LockedVotes),
            (
                "vote fees (with the chain's income)",
                fees_here.checked_add(chain.income)?,
                Bucket::UnwithdrawnIncome,
            ),
        ];
        for (what, agents, bucket) in checks {
            let b = self.ledger.balance(bucket);
            if agents != b {
                return Err(inv(
                    day,
                    format!(
                        "{what}: agents hold {} wei, bucket {} holds {} wei",
                        agents.wei(),
                        bucket.name(),
                        b.wei()
                    ),
                ));
            }
        }
        let accrued = Amount::checked_sum(self.accrual.iter().copied())?;
        let pool = self.ledger.balance(Bucket::MiningPool);
        if accrued != self.accrual_held || accrued > pool {
            return Err(inv(
                day,
                format!(
                    "accrued stability: nodes hold {} wei, {} wei recorded, the pool holds {} wei",
                    accrued.wei(),
                    self.accrual_held.wei(),
                    pool.wei()
                ),
            ));
        }
        let burned = self.ledger.balance(Bucket::Burned);
        if chain.burned > burned {
            return Err(inv(
                day,
                format!(
                    "the chain burned {} wei, the burned bucket holds {} wei",
                    chain.burned.wei(),
                    burned.wei()
                ),
            ));
        }
        Ok(())
    }
}

// ----- settlement in chunks -----

/// Fewest nodes per settlement thread: below twice this a day is settled on one thread. 4,096
/// nodes settle in ~0.1 ms; handing work to a pool worker kept awake between days
/// ([`keep_workers_warm`]) costs a few µs, so a 10,000-node economy settles on two threads.
pub const MIN_NODES_PER_THREAD: usize = 4_096;

/// Bumped when a day's chunks are handed out: it ends the warm-keeping tasks of the day before.
static SETTLEMENT_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long a pool worker waits, spinning, for the next day's chunk before it lets rayon put
/// it to sleep, in rounds of 64 spin hints (~0.5–7 ms, by the CPU's pause latency; counted,
/// not timed, so the crate never reads the clock). The work between two days of a 10,000-node
/// economy (events, rows, outputs) takes ~0.3 ms; waking a sleeping worker took ~0.1 ms a day
/// on the 2-core VM (a halted virtual CPU), as long as settling half of those nodes.
const WARM_SPIN_ROUNDS: u32 = 2_048;

/// Occupies `workers` pool workers with a spin until the next day's chunks are handed out (or
/// [`WARM_SPIN_ROUNDS`]), so they are awake to take them. When a chunk is taken never changes
/// what it computes.
fn keep_workers_warm(workers: usize) {
    use std::sync::atomic::Ordering;
    let generation = SETTLEMENT_GENERATION.load(Ordering::Acquire);
    for _ in 0..workers {
        rayon::spawn(move || {
            for _ in 0..WARM_SPIN_ROUNDS {
                if SETTLEMENT_GENERATION.load(Ordering::Acquire) != generation {
                    return;
                }
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
            }
        });
    }
}

/// (threads, chunks) for a day of `n` nodes: a thread for each [`MIN_NODES_PER_THREAD`] nodes,
/// up to the threads the run may use ([`run_threads`]); with more than one, [`CHUNKS_PER_THREAD`]
/// chunks a thread of at least [`MIN_NODES_PER_CHUNK`] nodes, taken in turn by whichever thread
/// is free, so a thread the OS preempts (this VM has two cores for the run, the pool's spare
/// worker, the table writer and the inequality helper) settles less of the day instead of
/// keeping the others waiting (two equal chunks left the calling thread spinning for the
/// worker's in 4.5–8.9% of a registry run's samples; four a thread, 1.6–2.3%).
fn settlement_split(n: usize) -> (usize, usize) {
    let threads = (n / MIN_NODES_PER_THREAD).clamp(1, run_threads().min(MAX_SETTLEMENT_THREADS));
    if threads == 1 {
        return (1, 1);
    }
    let chunks = (n / MIN_NODES_PER_CHUNK).clamp(threads, threads * CHUNKS_PER_THREAD);
    (threads, chunks)
}

/// Chunks a settlement thread takes on average (see [`settlement_split`]).
const CHUNKS_PER_THREAD: usize = 4;

/// Fewest nodes a chunk of a parallel settlement gets: its memo misses and its hand-out should
/// stay small beside its ~25 µs of work.
const MIN_NODES_PER_CHUNK: usize = 1_024;

/// Settles `parts` on `memos.len()` threads (this one and pool workers), each thread taking the
/// next chunk not yet taken, with its own memo (memos change no value); returns each chunk's
/// sums in chunk order, whoever settled it.
fn settle_chunks(
    parts: Vec<NodeChunk<'_>>,
    memos: &mut [ChunkMemo],
    day_ctx: &PayDay<'_>,
) -> Vec<Result<ChunkSums, EconomyError>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let chunks = parts.len();
    let Some((mine, others)) = memos.split_first_mut() else {
        unreachable!("at least one thread");
    };
    if others.is_empty() {
        return parts
            .into_iter()
            .map(|c| pay_chunk(c, mine, day_ctx))
            .collect();
    }
    let slots: Vec<Mutex<Option<NodeChunk<'_>>>> =
        parts.into_iter().map(|c| Mutex::new(Some(c))).collect();
    let results: Vec<Mutex<Option<Result<ChunkSums, EconomyError>>>> =
        (0..chunks).map(|_| Mutex::new(None)).collect();
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Takes chunks until none is left. A lock is held by one thread at a time (each chunk is
    // taken once): it is the way to hand a `&mut` across, not a point of contention.
    let take_chunks = |memo: &mut ChunkMemo| loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = slots.get(k) else {
            return;
        };
        let chunk = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(c) = chunk {
            let r = pay_chunk(c, memo, day_ctx);
            *results[k].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        }
        done.fetch_add(1, Ordering::Release);
    };
    rayon::in_place_scope(|scope| {
        for memo in others.iter_mut() {
            let take_chunks = &take_chunks;
            scope.spawn(move |_| take_chunks(memo));
        }
        // The chunks are queued: release the workers spinning since yesterday.
        SETTLEMENT_GENERATION.fetch_add(1, Ordering::Release);
        take_chunks(mine);
        // Spin for the chunks still being settled rather than sleep in the scope's latch:
        // waking this thread again cost ~30 µs a day, as long as settling 4,000 fully-online
        // nodes. Bounded, like the workers' spin: a pool busy with other work (a sweep in the
        // same process) may take long to start, and then the latch's sleep is better.
        for _ in 0..WARM_SPIN_ROUNDS * 64 {
            if done.load(Ordering::Acquire) >= chunks {
                break;
            }
            std::hint::spin_loop();
        }
    });
    // Every spawned job has run when the scope ends, and every chunk was taken by one.
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every chunk is settled")
        })
        .collect()
}

/// The most threads one day's settlement uses.
pub const MAX_SETTLEMENT_THREADS: usize = 64;

/// A settlement thread's memos: the direct-mapped (eff, adoption) memo, the class shares, and
/// the direct-mapped eff → (basic, stability before adoption) memo of nodes with a fresh
/// random adoption each day.
#[derive(Debug, Clone)]
struct ChunkMemo {
    memo: Vec<MemoSlot>,
    class_memo: Vec<ClassMemo>,
    power: Vec<PowerSlot>,
    /// Probe `power` (decided from the last day's hit rate; never changes a value).
    power_on: bool,
}

impl ChunkMemo {
    fn new(class_count: usize) -> Self {
        ChunkMemo {
            memo: vec![MemoSlot::default(); 1 << MEMO_BITS],
            class_memo: vec![ClassMemo::default(); class_count],
            power: vec![PowerSlot::default(); 1 << MEMO_BITS],
            power_on: true,
        }
    }
}

/// One memoised eff → (basic, stability before adoption) of a day: both depend on the
/// effective power alone, and a registry's integer power units repeat (the 10,000-node
/// benchmark registry has a few hundred distinct powers), while the adoption drawn each day
/// makes the stability after adoption almost never repeat.
#[derive(Debug, Clone, Copy, Default)]
struct PowerSlot {
    /// `day + 1` of the day it belongs to (0 = empty).
    stamp: u64,
    eff: u128,
    basic: u128,
    full: u128,
}

/// A chunk's Σ basic, Σ stability before adoption, Σ stability paid.
#[derive(Debug, Clone, Copy, Default)]
struct ChunkSums {
    basic: u128,
    full: u128,
    stability: u128,
}

/// What every chunk of a day reads.
struct PayDay<'a> {
    ctx: &'a DayShares,
    day: u64,
    stamp: u64,
    burn_instead: bool,
    /// Stability accrues to the node instead of being paid (the lump-sum reading).
    accrue_stability: bool,
    models: &'a [AdoptionModel],
}

/// One chunk's nodes: its slices of the per-node arrays, and of each reference-ring slot row.
struct NodeChunk<'a> {
    eff_s: &'a mut [u32],
    paid: &'a mut [Amount],
    basic_total: &'a mut [Amount],
    stability_total: &'a mut [Amount],
    ring_rows: Vec<&'a mut [Amount]>,
    ring_state: &'a mut [u8],
    adoption_stream: &'a mut [Option<RandomStream>],
    adoption_const: &'a [u32],
    adoption_model: &'a [u32],
    class: &'a [u32],
    offline_ms_today: &'a [u32],
    status: &'a [NodeStatus],
    std_power: &'a [u64],
    /// Stability accrued and not yet paid (empty unless the lump-sum reading is on).
    accrual: &'a mut [Amount],
    /// Today's adoption of each earning node, drawn before the shares (empty unless the
    /// basic reward is weighted by occupancy).
    adoption_today: &'a [u32],
    window: usize,
}

/// Splits `v` into pieces at the chunk boundaries `bounds` (ascending, from 0 to its length).
fn pieces_mut<'a, T>(mut v: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut v).split_at_mut(w[1] - w[0]);
        out.push(head);
        v = tail;
    }
    out
}

fn pieces<'a, T>(v: &'a [T], bounds: &[usize]) -> Vec<&'a [T]> {
    bounds.windows(2).map(|w| &v[w[0]..w[1]]).collect()
}

/// The economy's per-node arrays a settlement writes or reads besides [`Nodes`].
struct PerNode<'a> {
    eff_s: &'a mut [u32],
    paid: &'a mut [Amount],
    accrual: &'a mut [Amount],
    adoption_today: &'a [u32],
}

/// The nodes split into `chunks` contiguous chunks of (nearly) equal size.
fn split_nodes<'a>(
    nodes: &'a mut Nodes,
    per_node: PerNode<'a>,
    chunks: usize,
) -> Vec<NodeChunk<'a>> {
    let PerNode {
        eff_s,
        paid,
        accrual,
        adoption_today,
    } = per_node;
    let n = eff_s.len();
    let bounds: Vec<usize> = (0..=chunks).map(|k| k * n / chunks).collect();
    let w = nodes.window;
    // The ring is slot-major (`slot·n + i`): each slot row is split at the same bounds.
    let mut rows: Vec<std::vec::IntoIter<&mut [Amount]>> = nodes.ring[..n * w]
        .chunks_mut(n.max(1))
        .map(|row| pieces_mut(row, &bounds).into_iter())
        .collect();
    let mut eff = pieces_mut(eff_s, &bounds).into_iter();
    let mut paid = pieces_mut(paid, &bounds).into_iter();
    let mut basic = pieces_mut(&mut nodes.basic_total[..n], &bounds).into_iter();
    let mut stab = pieces_mut(&mut nodes.stability_total[..n], &bounds).into_iter();
    let mut ring_state = pieces_mut(&mut nodes.ring_state[..n], &bounds).into_iter();
    let mut streams = pieces_mut(&mut nodes.adoption_stream[..n], &bounds).into_iter();
    let adoption_const = pieces(&nodes.adoption_const[..n], &bounds);
    let adoption_model = pieces(&nodes.adoption_model[..n], &bounds);
    let class = pieces(&nodes.class[..n], &bounds);
    let offline = pieces(&nodes.offline_ms_today[..n], &bounds);
    let status = pieces(&nodes.status[..n], &bounds);
    let power = pieces(&nodes.std_power[..n], &bounds);
    // The readings' arrays are empty when off: each chunk gets an empty piece.
    let mut accrual = if accrual.is_empty() {
        (0..chunks).map(|_| &mut [][..]).collect()
    } else {
        pieces_mut(accrual, &bounds)
    }
    .into_iter();
    let adoption_today = if adoption_today.is_empty() {
        vec![&[][..]; chunks]
    } else {
        pieces(adoption_today, &bounds)
    };
    let mut out = Vec::with_capacity(chunks);
    for k in 0..chunks {
        // Every iterator holds exactly `chunks` pieces.
        let (Some(eff_s), Some(paid), Some(basic_total), Some(stability_total)) =
            (eff.next(), paid.next(), basic.next(), stab.next())
        else {
            unreachable!("chunk {k} of {chunks}");
        };
        let (Some(ring_state), Some(adoption_stream), Some(accrual)) =
            (ring_state.next(), streams.next(), accrual.next())
        else {
            unreachable!("chunk {k} of {chunks}");
        };
        out.push(NodeChunk {
            eff_s,
            paid,
            basic_total,
            stability_total,
            ring_rows: rows.iter_mut().filter_map(Iterator::next).collect(),
            ring_state,
            adoption_stream,
            adoption_const: adoption_const[k],
            adoption_model: adoption_model[k],
            class: class[k],
            offline_ms_today: offline[k],
            status: status[k],
            std_power: power[k],
            accrual,
            adoption_today: adoption_today[k],
            window: w,
        });
    }
    out
}

/// Settles one chunk: each node's shares (paid into its totals and ring, recorded in `paid`
/// for its operator), and the chunk's sums (its classes' part included).
fn pay_chunk(
    c: NodeChunk<'_>,
    memo: &mut ChunkMemo,
    d: &PayDay<'_>,
) -> Result<ChunkSums, EconomyError> {
    let NodeChunk {
        eff_s,
        paid,
        basic_total,
        stability_total,
        mut ring_rows,
        ring_state,
        adoption_stream,
        adoption_const,
        adoption_model,
        class,
        offline_ms_today,
        status,
        std_power,
        accrual,
        adoption_today,
        window: w,
    } = c;
    let n = eff_s.len();
    let (paid, basic_total, stability_total) = (
        &mut paid[..n],
        &mut basic_total[..n],
        &mut stability_total[..n],
    );
    let (ring_state, adoption_stream) = (&mut ring_state[..n], &mut adoption_stream[..n]);
    let (adoption_const, adoption_model, class) =
        (&adoption_const[..n], &adoption_model[..n], &class[..n]);
    let (offline_ms_today, status, std_power) =
        (&offline_ms_today[..n], &status[..n], &std_power[..n]);
    let ChunkMemo {
        memo,
        class_memo,
        power: power_memo,
        power_on,
    } = memo;
    let (mut power_hits, mut power_probes) = (0u32, 0u32);
    let (ctx, stamp, burn_instead) = (d.ctx, d.stamp, d.burn_instead);
    let accrue = d.accrue_stability && !burn_instead;
    let occupancy = !adoption_today.is_empty();
    let full_day_s = u128::from(MS_PER_DAY / 1_000);
    let mut sums = ChunkSums::default();
    for i in 0..n {
        if status[i] != NodeStatus::Pledged {
            eff_s[i] = 0;
            continue;
        }
        let off = u64::from(offline_ms_today[i]);
        let c = class[i];
        let (bi, si, ring_value) = if off == 0 && c != NO_CLASS {
            // Fully online with a constant adoption: the node's class shares (same
            // eff = power × 86,400 s and same adoption), computed once a day per chunk; the
            // class sums are taken after the loop.
            let power = std_power[i];
            if power == 0 {
                eff_s[i] = 0;
                continue;
            }
            let e = u128::from(power) * full_day_s;
            eff_s[i] = FULL_DAY_S;
            let m = &mut class_memo[c as usize];
            if m.stamp != stamp {
                let a = adoption_const[i];
                let (bi, full, si) = ctx.compute(e, e * u128::from(a), a)?;
                *m = ClassMemo {
                    stamp,
                    count: 0,
                    basic: bi,
                    full,
                    stability: si,
                    ring: if burn_instead { 0 } else { bi + si },
                };
            }
            m.count += 1;
            (m.basic, m.stability, m.ring)
        } else {
            let online_s = (MS_PER_DAY - off) / 1_000;
            let e = u128::from(std_power[i]) * u128::from(online_s);
            if e == 0 {
                eff_s[i] = 0;
                continue;
            }
            eff_s[i] = online_s as u32;
            let (bi, full, si) = match adoption_const[i] {
                // Drawn before the shares (the basic reward's denominator needed them all).
                _ if occupancy => {
                    let a = adoption_today[i];
                    ctx.compute(e, e * u128::from(a), a)?
                }
                // A fresh random adoption each day: (eff, adoption) almost never repeats, so
                // the memo would only cost a probe and a store.
                u32::MAX if adoption_stream[i].is_some() => {
                    let a = adoption_from_model(
                        &d.models[adoption_model[i] as usize],
                        adoption_stream[i].as_mut(),
                        d.day,
                    );
                    if *power_on {
                        power_probes += 1;
                        let (bi, full, hit) = ctx.by_power(power_memo, stamp, e)?;
                        power_hits += u32::from(hit);
                        let si = if a >= 10_000 {
                            full
                        } else {
                            ctx.stability(e * u128::from(a))?
                        };
                        (bi, full, si)
                    } else {
                        ctx.compute(e, e * u128::from(a), a)?
                    }
                }
                // Others with the same (eff, adoption) get the same shares too: a small
                // direct-mapped memo of the day.
                u32::MAX => {
                    let a = adoption_from_model(&d.models[adoption_model[i] as usize], None, d.day);
                    ctx.memoised(memo, stamp, e, a)?
                }
                a => ctx.memoised(memo, stamp, e, a)?,
            };
            debug_assert!(si <= full && bi <= ctx.b && full <= ctx.s);
            sums.basic += bi;
            sums.full += full;
            sums.stability += si;
            (bi, si, if burn_instead { 0 } else { bi + si })
        };
        if accrue {
            // The operator is paid the basic reward now, the stability at the next lump.
            paid[i] = Amount::from_wei(bi);
            basic_total[i] = Amount::from_wei(basic_total[i].wei() + bi);
            accrual[i] = Amount::from_wei(accrual[i].wei() + si);
        } else {
            paid[i] = Amount::from_wei(ring_value);
            if !burn_instead {
                basic_total[i] = Amount::from_wei(basic_total[i].wei() + bi);
                stability_total[i] = Amount::from_wei(stability_total[i].wei() + si);
            }
        }
        // Reference ring (see `Nodes::push_reference`).
        let st = ring_state[i];
        ring_rows[ring_slot(st, w)][i] = Amount::from_wei(ring_value);
        ring_state[i] = ring_next(st, w);
    }
    // Keep probing while at least half the probes hit; retry a switched-off memo every 32 days
    // (powers change as nodes join, leave and go offline).
    *power_on = if *power_on {
        power_hits.saturating_mul(2) >= power_probes
    } else {
        d.day.is_multiple_of(32)
    };
    // The classes' part of the sums: count × shares (each product is at most the category's
    // total, so nothing overflows; checked anyway).
    let of = |x: u128, k: u128| x.checked_mul(k).ok_or(AmountError::Overflow(x, "*", k));
    let over = |what: &str| inv(d.day, format!("{what} sum overflow"));
    // The memo is the thread's, used for its next chunk of the day too: its counts restart.
    for m in class_memo
        .iter_mut()
        .filter(|m| m.stamp == stamp && m.count > 0)
    {
        debug_assert!(m.stability <= m.full && m.basic <= ctx.b && m.full <= ctx.s);
        let k = u128::from(std::mem::take(&mut m.count));
        sums.basic = sums
            .basic
            .checked_add(of(m.basic, k)?)
            .ok_or_else(|| over("basic"))?;
        sums.full = sums
            .full
            .checked_add(of(m.full, k)?)
            .ok_or_else(|| over("stability"))?;
        sums.stability = sums
            .stability
            .checked_add(of(m.stability, k)?)
            .ok_or_else(|| over("stability"))?;
    }
    Ok(sums)
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use crate::economy::{NodeSpec, OperatorSpec, VecRecorder};
    use ethnum::U256;
    use proptest::prelude::*;

    /// A broken SPEC §7 invariant stops the run with a diagnostic naming the bucket.
    #[test]
    fn broken_invariant_stops_the_run() {
        let cfg = EconomyConfig {
            operators: vec![OperatorSpec {
                endowment: Amount::from_dcc(100),
            }],
            nodes: vec![NodeSpec::simple(1_000_000, 0)],
            ..EconomyConfig::default()
        };
        let mut e = Economy::new(cfg).unwrap();
        let mut rec = VecRecorder::default();
        e.run_ideal(3, &mut rec).unwrap();
        e.liquid[1] = e.liquid[1].checked_add(Amount::from_wei(1)).unwrap();
        let err = e.run_ideal(4, &mut rec).unwrap_err();
        assert!(
            matches!(&err, EconomyError::Invariant { day: 3, detail } if detail.contains("liquid")),
            "{err}"
        );
        e.liquid[1] = e.liquid[1].checked_sub(Amount::from_wei(1)).unwrap();
        e.nodes.pledge[0] = Amount::ZERO;
        assert!(matches!(
            e.check_invariant(4),
            Err(EconomyError::Invariant { .. })
        ));
    }

    proptest! {
        /// The fast split equals sim-core's.
        #[test]
        fn split_fast_equals_split_into(
            total in any::<u128>(),
            weights in proptest::collection::vec(0u128..1u128 << 70, 0..20),
            small in proptest::collection::vec(0u128..1_000_000, 0..20),
        ) {
            for w in [&weights, &small] {
                let mut a = vec![Amount::ZERO; w.len()];
                let mut b = vec![Amount::ZERO; w.len()];
                let ra = split_fast(Amount::from_wei(total), w, &mut a);
                let rb = sim_core::split_into(Amount::from_wei(total), w, &mut b);
                prop_assert_eq!(ra, rb);
                if rb.is_ok() {
                    prop_assert_eq!(a, b);
                }
            }
        }

        /// Every share of a day, with the basic reward weighted by power or by power ×
        /// adoption, equals SPEC's formulas computed in 256 bits.
        #[test]
        fn day_shares_equal_256_bit_formulas(
            (b, s) in (0u128..=10u128.pow(30), 0u128..=10u128.pow(30)),
            sum_eff in prop_oneof![1u128..=u128::from(u64::MAX), 1u128..=1u128 << 90],
            e_frac in any::<u128>(),
            a in 0u32..=10_000,
            occupancy in any::<bool>(),
            spare in 0u128..=1u128 << 80,
        ) {
            let e = e_frac % sum_eff + 1;
            let ea = e * u128::from(a);
            // Σ eff·a ≥ the node's own e·a (0 allowed only when it is 0).
            let sum_ea = occupancy.then_some(ea.saturating_add(spare));
            let ctx = DayShares::new(b, s, sum_eff, sum_ea).unwrap();
            let (bi, full, si) = ctx.compute(e, ea, a).unwrap();
            let wide = |c: u128, x: u128, den: U256| U256::from(c) * U256::from(x) / den;
            let basic = match sum_ea {
                None => wide(b, e, U256::from(sum_eff)),
                Some(0) => U256::ZERO,
                Some(d) => wide(b, ea, U256::from(d)),
            };
            prop_assert_eq!(U256::from(bi), basic);
            prop_assert_eq!(U256::from(full), wide(s, e, U256::from(sum_eff)));
            prop_assert_eq!(
                U256::from(si),
                wide(s, ea, U256::from(sum_eff) * U256::from(10_000u32))
            );
        }

        /// The settlement fast path equals SPEC's formulas computed in 256 bits.
        #[test]
        fn fast_shares_equal_256_bit_formulas(
            c in 0u128..=10u128.pow(30),
            d in 1u64..,
            e_frac in any::<u64>(),
            a in 0u32..=10_000,
        ) {
            let e = u128::from(e_frac % d) + 1;
            let e = e.min(u128::from(d));
            let dv = DivU64::new(d).unwrap();
            let dbps = DivU64::new(10_000).unwrap();
            let (q, r) = (c / u128::from(d), c % u128::from(d));
            let wide = |x: u128, den: U256| U256::from(c) * U256::from(x) / den;
            if let Some(v) = share(q, r, e, &dv) {
                prop_assert_eq!(U256::from(v), wide(e, U256::from(d)));
            }
            let ea = e * u128::from(a);
            if let Some(y) = share(q, r, ea, &dv) {
                prop_assert_eq!(U256::from(dbps.div(y)), wide(ea, U256::from(d) * U256::from(10_000u32)));
            }
        }

        /// The split used for nodes with a fresh adoption each day (basic and stability before
        /// adoption through the eff memo, stability after adoption alone) equals `compute`,
        /// on the fast path and off it, on a memo hit and on a miss.
        #[test]
        fn power_memo_split_equals_compute(
            b in 0u128..=10u128.pow(30),
            s in 0u128..=10u128.pow(30),
            sum_eff in 1u128..=u128::from(u64::MAX) * 4,
            e_frac in any::<u64>(),
            a in 0u32..=10_000,
        ) {
            let e = (u128::from(e_frac) % sum_eff) + 1;
            let ctx = DayShares::new(b, s, sum_eff, None).unwrap();
            let want = ctx.compute(e, e * u128::from(a), a).unwrap();
            let mut memo = vec![PowerSlot::default(); 1 << MEMO_BITS];
            for expect_hit in [false, true] {
                let (bi, full, hit) = ctx.by_power(&mut memo, 7, e).unwrap();
                prop_assert_eq!(hit, expect_hit);
                let si = if a >= 10_000 { full } else { ctx.stability(e * u128::from(a)).unwrap() };
                prop_assert_eq!((bi, full, si), want);
            }
        }
    }
}
