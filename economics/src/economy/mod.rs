//! The compute-power economy and super-node campaign (SPEC §4–5, §7): compute nodes with
//! pledges, outages and penalties; daily settlement of the halving emission; the campaign with
//! voter agents; agent accounts reconciled with the supply ledger every simulated day.
//!
//! Entry points: [`EconomyConfig`] (validated, SPEC defaults), [`Economy::new`],
//! [`Economy::settle_day`] (chain layer: settle day `d` at the first block at or after its
//! end; the delay is reported) or [`Economy::run_ideal`] (settles exactly at each boundary),
//! an [`EconomyRecorder`] receiving [`DayRow`]s, [`TermResult`]s and, via
//! [`Economy::report_totals`], per-node totals and voter rewards.
//!
//! # Driver
//! A tight day loop, exactly equivalent to day events on sim-core's engine: node events
//! (outage start, random failure, repair, penalty checkpoint, exit, attack) sit in a sim-core
//! `EventQueue` and run in (time, seq) order up to each day's end; then the day is settled;
//! then the boundary work of the next day runs in this order: pledge terms ending (lump
//! return, re-pledge), joins, retries of unpledged nodes, term end, voting close (election),
//! vote releases (after the close, so a 0-day release delay pays at the close), campaign
//! opening check, the day's votes. Boundary work of day `d` is
//! counted in day `d`'s row. With a delayed settlement, node events are still cut at the day's
//! end, and the boundary work happens logically at the boundary. Node events at exactly a
//! boundary instant belong to the day starting there and run after that boundary's work (a
//! node repaired exactly at the boundary is still down for candidate selection).
//!
//! # SPEC readings (defaults; alternatives selectable in [`EconomyConfig`])
//! - Power: weights are integer ratios per kind (default 1/1); standardised power =
//!   `floor(raw·num/den)`. `eff_i` = standardised power × whole seconds online that day
//!   (`floor(online_ms / 1000)`), for nodes holding a valid pledge at settlement.
//! - Pledge: 16 DCC per 1M standardised power, pro rata rounded up to the wei
//!   ([`PledgeRounding::WholeUnits`] and [`PledgeBasis::Raw`] selectable); taken at the start
//!   of the join day from the operator's liquid balance; an operator short of DCC leaves the
//!   node unpledged (earning nothing) and retries every day. 180-day lock, lump return at the
//!   start of day `pledge_day + 180`, then re-pledge at once ([`RepledgePolicy::Never`]).
//! - Stability: `a_i ∈ [0, 10,000]` bps; `floor(S·eff·a/(Σeff·10⁴))` paid, `Σ floor(S·eff/Σeff)
//!   − Σ paid` burned; exact via 256-bit or reciprocal integer division (proven equal).
//! - Pre-election: before the first term starts (voting *close*), basic + stability are burned
//!   in full, extra and election stay in the pool ([`PreElectionRule`]). Between later terms
//!   (only with the non-contiguous alternative) basic and stability are paid; extra and
//!   election have no recipients and stay in the pool. Reference rewards of pre-election days
//!   are 0 (nothing was received). `pre_election_ends_at_voting_open` moves the cut-off to
//!   the first voting's opening.
//! - Outages: an outage restored at or before 24 h (exactly 24 h included) and self-reported
//!   is free; not reported: one forfeit when it ends (Choice, selectable off). Still down at
//!   hour 24 (selectable 48) and every 24 h after: forfeit 3 × reference reward (mean
//!   basic+stability over the node's last 7 *online days* — days with any online time while
//!   pledged — fewer if it has fewer, 0 if none; window and inclusion of super-node rewards
//!   selectable), capped by the pledge.
//! - Clearing (the literal rule would clear a node on its first forfeit, contradicting "49 h
//!   costs two forfeits"): the operator tops the pledge back up at once from its liquid
//!   balance, and the node is cleared only if it cannot ([`ClearingRule`]; "clear when
//!   exhausted" and the literal rule selectable). A cleared node earns nothing more, its
//!   remaining pledge returns at its pledge term end, and it never re-registers.
//! - Exit / attack: the whole remaining pledge is forfeited if within a pledge term (with
//!   immediate re-pledge a node is always within one); the node is gone for good.
//!   `any_outage_forfeits_whole_pledge` selects the paper's literal "any disconnection" rule.
//! - Forfeits are burned ([`ForfeitSink::MiningPool`] selectable).
//! - Paper readings ([`PaperReadings`], each off by default): a deduction per whole offline
//!   hour (on top of or instead of the forfeits), an error penalty on each reported outage,
//!   stability accrued daily and paid in a lump every P days (a node not pledged then has its
//!   accrual burned; the accrual stays in the mining pool meanwhile and is never emitted
//!   again), and the basic reward weighted by effective power × adoption.
//! - Campaign: the first opens at the start of the first day with ≥ 500 pledged nodes; later
//!   campaigns re-rank candidates (top 100 pledged nodes online at the boundary, power desc,
//!   id asc) and do not re-check the 500 threshold. Voting days `[open, open+7)`, term
//!   `[open+7, open+67)`, next voting opens at term end − 7 (contiguous) or at term end
//!   (`next_voting_lead_days = 0`). If no node is eligible the opening is retried daily.
//! - Winners: top 33 by votes, then power, then lower id; zero-vote candidates fill empty
//!   seats (selectable: `require_votes_to_win`). Super-node extra is paid to every elected
//!   node's operator every term day, online or not, even if it left ([`ExtraRule::ActiveOnly`]
//!   selectable). Candidates rank by standardised power ([`CandidateRanking`]: previous day's
//!   effective power selectable); `first_campaign_day` forces a manual launch.
//! - Votes: whole multiples of `vote_unit` (1 DCC = 1 vote; 1 wei selectable), at least
//!   `min_vote`; each voter votes once per campaign on a day drawn from its own stream, with
//!   `vote_bps` of its liquid balance after the fee; the fee is a chain fee (unwithdrawn
//!   validator income; [`Economy::take_vote_fees`] hands it to a chain layer). Losers' DCC
//!   returns 7 days after close; winners' in halves at 30 and 60 days: the first half is
//!   `floor(x/2)`, the second the rest (odd wei go to the second half). Votes for winners
//!   count in the voters' pot for the whole term.
//! - Accounts: account 0 is the foundation/market (all genesis-liquid DCC and vested
//!   releases; it funds operator and voter endowments), then operators, then voters.
//!   SPEC §7 is checked every day: ledger buckets sum to 500M, Σ accounts = liquid bucket,
//!   Σ node pledges = pledge bucket, pending vote locks = locked-votes bucket, vote fees =
//!   unwithdrawn-income bucket; a break stops the run with [`EconomyError::Invariant`].
//! - Coupled mode ([`Economy::attach_chain`], [`Economy::sync_chain`]): the chain's system
//!   contracts hold part of the 500M as a [`ChainHoldings`] snapshot (liquid, stake, income,
//!   burned). Their genesis balances and stakes, and users' fees, are paid by the
//!   foundation/market account; vote fees taken by the chain leave the economy-side count at
//!   the next sync. The daily check then reads: Σ accounts + chain liquid = liquid bucket,
//!   chain stake = validator-stake bucket, economy-side vote fees + chain income =
//!   unwithdrawn-income bucket, chain burns ≤ burned bucket.

mod campaign;
pub mod config;
mod divide;
mod nodes;
pub mod record;
pub mod sim;

#[cfg(test)]
mod chain_tests;
#[cfg(test)]
mod readings_tests;
#[cfg(test)]
mod tests;

pub use config::{
    AdoptionModel, CampaignConfig, CampaignTimeline, CandidateRanking, ClearingRule, ConfigError,
    EconomyConfig, EconomyLimits, ExtraRule, FailureModel, ForfeitSink, MAX_PLEDGE_LOCK_DAYS,
    MS_PER_HOUR, NodeSpec, OperatorSpec, PaperReadings, PenaltyConfig, PledgeBasis, PledgeRounding,
    PowerKind, PowerWeight, PreElectionRule, RepledgePolicy, ScheduledOutage, ScheduledVote,
    SplitBps, VoterSpec, VoterStrategy,
};
pub use record::{
    CandidateResult, ChainHoldings, DayRow, EconomyRecorder, NodeStatus, NodeTotals, NullRecorder,
    TermResult, VecRecorder, VoterTotals,
};
pub use sim::{
    Economy, EconomyError, FOUNDATION_ACCOUNT, MAX_SETTLEMENT_THREADS, MIN_NODES_PER_THREAD,
};
