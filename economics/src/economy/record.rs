//! Outputs of the economy: the SPEC §8 daily row (exact `Amount` fields), per-term election
//! results, and the recorder trait they are streamed to (with a `Vec` recorder for tests).

use sim_core::Amount;

/// Everything that happened in one settled day (SPEC §8 names). Burns and fees of events
/// processed during the day (forfeits, vote fees) are included; campaign transitions at the
/// boundary that opens day `d` are counted in day `d`'s row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayRow {
    /// 0-based day settled.
    pub day: u64,
    /// Settlement time minus the day's end boundary (0 on an ideal chain).
    pub settlement_delay_ms: u64,
    /// Scheduled E(d), capped by what the pool held.
    pub emission: Amount,
    /// Basic reward paid.
    pub basic_paid: Amount,
    /// Stability reward paid.
    pub stability_paid: Amount,
    /// Super-node extra paid.
    pub extra_paid: Amount,
    /// Election reward paid to super nodes.
    pub election_super_nodes_paid: Amount,
    /// Election reward paid to voters.
    pub election_voters_paid: Amount,
    /// Burned by the pre-election rule.
    pub burned_pre_election: Amount,
    /// Burned: the non-adopted part of stability.
    pub burned_unadopted: Amount,
    /// Burned: forfeited pledges.
    pub burned_forfeits: Amount,
    /// Forfeited pledges returned to the mining pool (the selectable sink).
    pub forfeits_to_pool: Amount,
    /// Emission that stayed in the pool (dust, empty categories, unsplit bps).
    pub emission_left_in_pool: Amount,
    /// Lump-sum reading: stability accrued today (owed, still in the mining pool).
    pub stability_accrued: Amount,
    /// Lump-sum reading: accrued stability paid today to nodes still pledged.
    pub stability_lump_paid: Amount,
    /// Lump-sum reading: accrued stability of nodes no longer pledged, burned today.
    pub burned_stability_accrual: Amount,
    /// Lump-sum reading: accrued stability owed after the day (in `pool_remaining`).
    pub stability_accrual_held: Amount,
    /// What the mining pool holds after the day.
    pub pool_remaining: Amount,
    /// Released by vesting this day.
    pub vested_released: Amount,
    /// Circulating supply: the liquid bucket.
    pub circulating: Amount,
    /// Unvested allocations.
    pub locked_unvested: Amount,
    /// Node pledges.
    pub locked_node_pledges: Amount,
    /// Locked votes.
    pub locked_votes: Amount,
    /// Validator stake (untouched by the economy-only run).
    pub locked_validator_stake: Amount,
    /// Unwithdrawn validator income (vote fees in economy-only mode).
    pub unwithdrawn_income: Amount,
    /// Burned since genesis.
    pub burned_total: Amount,
    /// Current total supply: 500M − burned (the cap stays 500M; paper-vs-spec item 32).
    pub total_supply: Amount,
    /// Vote handling fees collected this day.
    pub vote_fees: Amount,
    /// Votes cast this day (DCC locked).
    pub votes_cast: Amount,
    /// Votes released this day.
    pub votes_released: Amount,
    /// Nodes with effective power > 0 this day.
    pub nodes_active: u32,
    /// Nodes holding a valid pledge at settlement.
    pub nodes_pledged: u32,
    /// Σ effective power (standardised power × seconds online, pledged nodes).
    pub effective_power: u128,
    /// Super nodes in office this day.
    pub super_nodes: u32,
    /// Coupled mode: what the chain's system contracts held at settlement, by SPEC §7 bucket
    /// (already included in `circulating`, `locked_validator_stake`, `unwithdrawn_income` and
    /// `burned_total`); `None` without an attached chain.
    pub chain: Option<ChainHoldings>,
}

/// What the chain's system contracts hold of the 500M, by SPEC §7 bucket (coupled mode; see
/// [`super::Economy::attach_chain`] and [`super::Economy::sync_chain`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainHoldings {
    /// Liquid: account balances plus validators' withdrawn income (`Liquid` bucket).
    pub liquid: Amount,
    /// Validator stake, bonded or unbonding (`ValidatorStake` bucket).
    pub stake: Amount,
    /// Validators' unwithdrawn income, undistributed and pending fees (`UnwithdrawnIncome`).
    pub income: Amount,
    /// Confiscated income burned (`Burned`).
    pub burned: Amount,
}

impl ChainHoldings {
    /// Sum of the four buckets.
    pub fn total(&self) -> Result<Amount, sim_core::AmountError> {
        Amount::checked_sum([self.liquid, self.stake, self.income, self.burned])
    }
}

/// One candidate of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateResult {
    /// Node id.
    pub node: u32,
    /// Standardised power when voting opened.
    pub power: u64,
    /// Votes received (wei of DCC locked).
    pub votes: Amount,
    /// Elected.
    pub elected: bool,
}

/// The result of one campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermResult {
    /// 0-based term number.
    pub term: u32,
    /// Day voting opened.
    pub voting_open_day: u64,
    /// Day voting closed (= first day of the term).
    pub term_start_day: u64,
    /// First day after the term.
    pub term_end_day: u64,
    /// Candidates in rank order at voting open (power desc, id asc).
    pub candidates: Vec<CandidateResult>,
    /// Winners in election order.
    pub winners: Vec<u32>,
    /// Vote transactions.
    pub vote_count: u32,
}

/// Receives the outputs as they are produced.
pub trait EconomyRecorder {
    /// One settled day.
    fn day(&mut self, row: &DayRow);
    /// One closed campaign.
    fn term(&mut self, result: &TermResult);
    /// A node's cumulative figures, streamed by [`super::Economy::report_totals`].
    fn node_totals(&mut self, _node: u32, _totals: &NodeTotals) {}
    /// A voter's cumulative election reward, streamed by [`super::Economy::report_totals`].
    fn voter_reward(&mut self, _voter: u32, _reward: Amount) {}
}

/// Keeps everything in memory.
#[derive(Debug, Clone, Default)]
pub struct VecRecorder {
    /// Daily rows.
    pub days: Vec<DayRow>,
    /// Campaign results.
    pub terms: Vec<TermResult>,
    /// Per-node totals, in node order, once reported.
    pub nodes: Vec<NodeTotals>,
    /// Per-voter election rewards, in voter order, once reported.
    pub voter_rewards: Vec<Amount>,
}

impl EconomyRecorder for VecRecorder {
    fn day(&mut self, row: &DayRow) {
        self.days.push(row.clone());
    }
    fn term(&mut self, result: &TermResult) {
        self.terms.push(result.clone());
    }
    fn node_totals(&mut self, _node: u32, totals: &NodeTotals) {
        self.nodes.push(*totals);
    }
    fn voter_reward(&mut self, _voter: u32, reward: Amount) {
        self.voter_rewards.push(reward);
    }
}

/// Discards everything (benchmarks).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullRecorder;

impl EconomyRecorder for NullRecorder {
    fn day(&mut self, _row: &DayRow) {}
    fn term(&mut self, _result: &TermResult) {}
}

/// Per-node cumulative figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeTotals {
    /// Basic reward received.
    pub basic: Amount,
    /// Stability reward received.
    pub stability: Amount,
    /// Super-node extra received.
    pub extra: Amount,
    /// Election reward received as a super node.
    pub election: Amount,
    /// Pledge forfeited.
    pub forfeited: Amount,
    /// Pledge currently locked.
    pub pledge: Amount,
    /// Current status.
    pub status: NodeStatus,
    /// Forfeit events.
    pub forfeit_count: u32,
}

/// One voter's figures (SPEC §5, §8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoterTotals {
    /// Liquid endowment at genesis.
    pub endowment: Amount,
    /// Liquid balance now.
    pub balance: Amount,
    /// Votes cast since genesis.
    pub votes: u32,
    /// DCC voted since genesis.
    pub cast: Amount,
    /// DCC still locked in votes.
    pub locked: Amount,
    /// Vote handling fees paid.
    pub fees: Amount,
    /// Election rewards received.
    pub rewards: Amount,
}

/// Life-cycle state of a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeStatus {
    /// Not joined yet.
    #[default]
    NotJoined,
    /// Joined but without a pledge (its operator could not pay): earns nothing.
    Unpledged,
    /// Pledged: earns.
    Pledged,
    /// Cleared by penalties: power deregistered, pledge remainder returned at term end.
    Cleared,
    /// Pledge term ended without re-pledge.
    Lapsed,
    /// Left for good (exit, attack, or cleared and refunded).
    Gone,
}
