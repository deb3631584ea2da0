//! Running the chain: consensus with the system contracts (`mode = "consensus"`), optionally
//! coupled with the economy on one timeline (`mode = "coupled"`): each day of the economy is
//! settled in the first executed block at or after its boundary (a halted chain delays it and
//! the delay is reported), and vote handling fees join that block's fees, so they reach the
//! validators through the contracts' fee split.
//!
//! One 500M ledger in coupled mode (SPEC §7 across economy and contracts):
//! - Genesis: the contracts' genesis balances and stakes are paid by the economy's
//!   foundation/market account ([`Economy::attach_chain`]; a run whose account cannot pay stops
//!   before the first block). Stakes land in `validator_stake`, balances stay `liquid`.
//! - Before every settlement (and once at the end of the run) the contracts' [`Accounting`] is
//!   mapped to SPEC §7 buckets by [`chain_holdings`] (liquid accounts + withdrawn income →
//!   liquid; bonded + unbonding → validator stake; unwithdrawn income + undistributed + pending
//!   fees → unwithdrawn income; confiscation burns → burned) and synced into the economy
//!   ([`Economy::sync_chain`]). The money that entered the contracts since the last sync
//!   (growth of their `expected_total`: inflows minus debits) is the vote fees handed over plus
//!   the users' fees (fee model and engine fees), which the market account pays. The economy
//!   checks that the holdings grew by exactly that, so every wei is traced.
//! - Each settled day the economy's invariant check includes the chain's holdings, and
//!   [`ChainSource::settled`] keeps the contracts' accounting at each settlement for
//!   inspection (the daily row's `chain` field is the economy's copy).

use consensus_model::contracts::Accounting;
use economics::economy::ChainHoldings;

use consensus_model::contracts::{
    ContractEvent, ContractsError, DrivenContracts, EpochRecord, ValidatorStatus,
};
use consensus_model::record::{BlockId, BlockRecord, DayStats, Recorder, ReorgRecord};
use consensus_model::{
    BlockContext, ConsensusConfig, ConsensusSim, ValidatorId, ValidatorSetSource,
};
use economics::economy::{DayRow, Economy, EconomyError, VecRecorder as EconomyLog};
use sim_core::{Amount, SimTime};

use crate::chain::{ContractLog, ContractsSetup, build_contracts};
use crate::table::{ColumnData, Field, Table};

/// Most contract events and most epoch records held between two takes of the records (a
/// simulated day in [`crate::run`]; the whole run with [`run_chain`]); the rest are counted as
/// dropped (`contract_events_dropped` in the summary).
pub const MAX_CONTRACT_RECORDS: usize = 2_000_000;
/// Most sampled block rows held (waiting for their canonical verdict, or to be taken); more are
/// counted in [`ChainLog::blocks_dropped`]. Pruning keeps the wait to a few simulated days.
pub const MAX_BLOCK_ROWS: usize = 2_000_000;

/// A failure of the coupled source.
#[derive(Debug, thiserror::Error)]
pub enum ChainSourceError {
    /// The contracts refused the block or broke an invariant.
    #[error(transparent)]
    Contracts(#[from] ContractsError),
    /// The economy stopped.
    #[error(transparent)]
    Economy(#[from] EconomyError),
    /// Amount overflow.
    #[error(transparent)]
    Amount(#[from] sim_core::AmountError),
    /// The contracts and the economy disagree about the chain's money.
    #[error("coupling: {0}")]
    Coupling(String),
}

/// The SPEC §7 buckets of the contracts' accounting: liquid accounts and withdrawn income are
/// liquid; bonded and unbonding stake are validator stake; unwithdrawn income, undistributed
/// and pending fees are unwithdrawn income; confiscation burns are burned.
pub fn chain_holdings(acc: &Accounting) -> Result<ChainHoldings, sim_core::AmountError> {
    Ok(ChainHoldings {
        liquid: acc.liquid_wei.checked_add(acc.withdrawn_income_wei)?,
        stake: acc.bonded_wei.checked_add(acc.unbonding_wei)?,
        income: Amount::checked_sum([
            acc.unwithdrawn_income_wei,
            acc.undistributed_wei,
            acc.pending_fees_wei,
        ])?,
        burned: acc.burned_wei,
    })
}

/// The contracts, and optionally the economy, driven block by block by consensus.
pub struct ChainSource {
    /// Contracts with behaviours.
    pub contracts: DrivenContracts<ContractLog>,
    /// The economy and its outputs, in coupled mode.
    pub economy: Option<(Economy, EconomyLog)>,
    /// Days to settle.
    pub horizon_days: u64,
    /// Coupled mode: the contracts' accounting at each settlement, `(day, accounting)`.
    pub settled: Vec<(u64, Accounting)>,
    /// Coupled mode: the contracts' `expected_total` at the last sync.
    pub synced_expected: Amount,
    /// Coupled mode: vote fees handed to the contracts since the last sync.
    pub vote_fees_unsynced: Amount,
}

impl ChainSource {
    /// Coupled mode: the contracts' genesis, paid by the economy's market account.
    fn attach(&mut self) -> Result<(), ChainSourceError> {
        let contracts = &self.contracts.contracts;
        let genesis = chain_holdings(&contracts.accounting()?)?;
        self.synced_expected = contracts.expected_total()?;
        if let Some((economy, _)) = &mut self.economy {
            economy.attach_chain(genesis)?;
        }
        Ok(())
    }

    /// Coupled mode: syncs the contracts' holdings into the economy; the money that entered
    /// them since the last sync, minus the vote fees handed over, was paid by users (market).
    fn sync(&mut self) -> Result<(), ChainSourceError> {
        let Some((economy, _)) = &mut self.economy else {
            return Ok(());
        };
        let contracts = &self.contracts.contracts;
        let expected = contracts.expected_total()?;
        let entered = expected.checked_sub(self.synced_expected).map_err(|_| {
            ChainSourceError::Coupling(format!(
                "the contracts' money shrank from {} to {} wei (debits have no destination \
                 in coupled mode)",
                self.synced_expected.wei(),
                expected.wei()
            ))
        })?;
        let from_market = entered.checked_sub(self.vote_fees_unsynced).map_err(|_| {
            ChainSourceError::Coupling(format!(
                "{} wei entered the contracts, less than the {} wei of vote fees handed over",
                entered.wei(),
                self.vote_fees_unsynced.wei()
            ))
        })?;
        economy.sync_chain(chain_holdings(&contracts.accounting()?)?, from_market)?;
        self.synced_expected = expected;
        self.vote_fees_unsynced = Amount::ZERO;
        Ok(())
    }
}

impl ValidatorSetSource for ChainSource {
    type Error = ChainSourceError;

    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, ChainSourceError> {
        let mut fees = block.fees;
        let horizon_days = self.horizon_days;
        let due = |e: &Economy| {
            e.next_day() < horizon_days && block.time >= SimTime::from_day(e.next_day() + 1)
        };
        if self.economy.as_ref().is_some_and(|(e, _)| due(e)) {
            // Exact at the boundary: the contracts' state after the previous block.
            self.sync()?;
            let accounting = self.contracts.contracts.accounting()?;
            let holdings = chain_holdings(&accounting)?;
            if let Some((economy, log)) = &mut self.economy {
                while due(economy) {
                    let day = economy.next_day();
                    if economy.chain_holdings() != Some(holdings) {
                        return Err(ChainSourceError::Coupling(format!(
                            "day {day}: the economy recorded {:?}, the contracts hold {holdings:?}",
                            economy.chain_holdings()
                        )));
                    }
                    economy.settle_day(day, block.time, log)?;
                    self.settled.push((day, accounting));
                }
            }
        }
        if let Some((economy, _)) = &mut self.economy {
            let vote_fees = economy.take_vote_fees();
            self.vote_fees_unsynced = self.vote_fees_unsynced.checked_add(vote_fees)?;
            fees = fees.checked_add(vote_fees)?;
        }
        let ctx = BlockContext { fees, ..*block };
        Ok(self.contracts.end_block(&ctx)?)
    }
}

/// Collects chain observables: daily statistics and (sampled) blocks with their final
/// canonical verdict; reorg depths are counted.
#[derive(Debug, Default)]
pub struct ChainLog {
    /// Finalised days.
    pub days: Vec<DayStats>,
    /// Sampled blocks whose canonical verdict is final, in sealing order.
    pub blocks: Vec<(BlockRecord, bool)>,
    /// Sampled blocks waiting for their verdict (those above the pruning horizon).
    pub pending: std::collections::VecDeque<BlockRecord>,
    /// Keep every this many sealed blocks (0 = none).
    pub blocks_every: u64,
    /// Blocks sealed so far.
    pub sealed: u64,
    /// Sampled blocks not kept because [`MAX_BLOCK_ROWS`] were waiting.
    pub blocks_dropped: u64,
    /// Reorganisations by depth (index = depth, capped at the last bucket).
    pub reorg_depths: Vec<u64>,
}

impl Recorder for ChainLog {
    fn block(&mut self, block: &BlockRecord) {
        if self.blocks_every > 0 && self.sealed.is_multiple_of(self.blocks_every) {
            if self.blocks.len() + self.pending.len() < MAX_BLOCK_ROWS {
                self.pending.push_back(*block);
            } else {
                self.blocks_dropped += 1;
            }
        }
        self.sealed += 1;
    }
    fn finalized(&mut self, id: BlockId, canonical: bool) {
        // Verdicts come in id order, as the sampled blocks were sealed.
        if self.pending.front().is_some_and(|b| b.id == id)
            && let Some(b) = self.pending.pop_front()
        {
            self.blocks.push((b, canonical));
        }
    }
    fn reorg(&mut self, reorg: &ReorgRecord) {
        let depth = usize::try_from(reorg.depth).unwrap_or(usize::MAX).min(63);
        if self.reorg_depths.len() <= depth {
            self.reorg_depths.resize(depth + 1, 0);
        }
        self.reorg_depths[depth] += 1;
    }
    fn day(&mut self, day: &DayStats) {
        self.days.push(*day);
    }
}

/// A chain run's failure.
#[derive(Debug, thiserror::Error)]
pub enum ChainRunError {
    /// Consensus stopped (including a failure of the contracts or the economy).
    #[error(transparent)]
    Consensus(#[from] consensus_model::ConsensusError),
    /// The contracts could not be built.
    #[error(transparent)]
    Contracts(#[from] ContractsError),
    /// The contracts' money was not conserved.
    #[error("contracts ledger: {0}")]
    Conservation(String),
    /// Coupled mode: funding the contracts' genesis or the final reconciliation failed.
    #[error(transparent)]
    Coupling(#[from] ChainSourceError),
}

/// What a chain run produced (what was not taken while it ran).
pub struct ChainOutput {
    /// Chain observables.
    pub log: ChainLog,
    /// Contracts, driver and their log.
    pub contracts: DrivenContracts<ContractLog>,
    /// The economy and its outputs (coupled mode).
    pub economy: Option<(Economy, EconomyLog)>,
    /// Consensus summary.
    pub summary: consensus_model::Summary,
    /// Coupled mode: the contracts' accounting at each settlement, `(day, accounting)`.
    pub settled: Vec<(u64, Accounting)>,
    /// Days to settle.
    pub horizon_days: u64,
}

/// Observables recorded since they were last taken (see [`ChainRun::take_records`]).
#[derive(Debug, Default)]
pub struct ChainRecords {
    /// Finalised days before the horizon.
    pub days: Vec<DayStats>,
    /// Sampled blocks whose canonical verdict is final, with it.
    pub blocks: Vec<(BlockRecord, bool)>,
    /// The contracts' per-validator epoch records.
    pub epochs: Vec<EpochRecord>,
    /// The contracts' kept events with their height and time.
    pub events: Vec<(u64, SimTime, ContractEvent)>,
    /// Coupled mode: the economy's settled days.
    pub economy_days: Vec<DayRow>,
}

/// Takes the contracts' records and, coupled, the economy's settled days.
fn take_source(
    contracts: &mut DrivenContracts<ContractLog>,
    economy: Option<&mut (Economy, EconomyLog)>,
    into: &mut ChainRecords,
) {
    let inner = &mut contracts.contracts.recorder_mut().inner;
    into.epochs = std::mem::take(&mut inner.epochs);
    into.events = std::mem::take(&mut inner.events);
    into.economy_days = economy.map_or_else(Vec::new, |(_, rec)| std::mem::take(&mut rec.days));
}

/// Takes the finalised days before the horizon and the sampled blocks.
fn take_log(log: &mut ChainLog, horizon_days: u64, into: &mut ChainRecords) {
    into.days = std::mem::take(&mut log.days);
    into.days.retain(|d| d.day < horizon_days);
    into.blocks = std::mem::take(&mut log.blocks);
}

impl ChainOutput {
    /// Takes the observables not taken while the run went (all of them after [`run_chain`]).
    pub fn take_records(&mut self) -> ChainRecords {
        let mut r = ChainRecords::default();
        take_source(&mut self.contracts, self.economy.as_mut(), &mut r);
        take_log(&mut self.log, self.horizon_days, &mut r);
        r
    }
}

/// A chain run in progress: advance it a day at a time and take its observables as it goes, so
/// they never pile up ([`crate::run`] streams them out this way).
pub struct ChainRun {
    sim: ConsensusSim<ChainSource, ChainLog>,
    horizon_days: u64,
}

impl ChainRun {
    /// Builds consensus with the contracts (and the economy, if given) for `horizon_days`.
    pub fn start(
        consensus: &ConsensusConfig,
        setup: &ContractsSetup,
        economy: Option<Economy>,
        seed: u64,
        horizon_days: u64,
        outputs: ChainOutputs,
    ) -> Result<Self, ChainRunError> {
        let contracts =
            build_contracts(setup, seed, MAX_CONTRACT_RECORDS, outputs.keep_fee_events)?;
        let mut source = ChainSource {
            contracts,
            economy: economy.map(|e| (e, EconomyLog::default())),
            horizon_days,
            settled: Vec::new(),
            synced_expected: Amount::ZERO,
            vote_fees_unsynced: Amount::ZERO,
        };
        if source.economy.is_some() {
            source.attach()?;
        }
        let log = ChainLog {
            blocks_every: outputs.blocks_every,
            ..ChainLog::default()
        };
        let sim = ConsensusSim::new(consensus.clone(), seed, source, log)?;
        Ok(ChainRun { sim, horizon_days })
    }

    /// Simulates up to the start of `day` (stepping does not change the simulation).
    pub fn run_to_day(&mut self, day: u64) -> Result<(), ChainRunError> {
        self.sim.run_until(SimTime::from_day(day))?;
        Ok(())
    }

    /// Takes the observables recorded since the last call.
    pub fn take_records(&mut self) -> ChainRecords {
        let mut r = ChainRecords::default();
        let source = self.sim.source_mut();
        take_source(&mut source.contracts, source.economy.as_mut(), &mut r);
        take_log(self.sim.recorder_mut(), self.horizon_days, &mut r);
        r
    }

    /// Runs the last minute (the first block after the last boundary settles the last day),
    /// finalises the days, checks the contracts' conservation and, coupled, reconciles the
    /// chain's money with the economy once more.
    pub fn finish(mut self) -> Result<ChainOutput, ChainRunError> {
        let horizon_days = self.horizon_days;
        self.sim
            .run_until(SimTime::from_day(horizon_days).saturating_add_ms(60_000))?;
        let (log, mut source, summary) = self.sim.finish();
        source
            .contracts
            .contracts
            .check_conservation()
            .map_err(|e| ChainRunError::Conservation(e.to_string()))?;
        // Coupled mode: reconcile the blocks after the last settlement too.
        source.sync()?;
        if let Some((economy, _)) = &source.economy {
            economy
                .check_invariant(economy.next_day())
                .map_err(ChainSourceError::from)?;
        }
        Ok(ChainOutput {
            log,
            contracts: source.contracts,
            economy: source.economy,
            summary,
            settled: source.settled,
            horizon_days,
        })
    }
}

/// What a chain run records for its outputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChainOutputs {
    /// Keep every this many sealed blocks (0 = none).
    pub blocks_every: u64,
    /// Keep the per-block `FeesDistributed` events.
    pub keep_fee_events: bool,
}

/// Runs consensus with the contracts (and the economy, if given) for `horizon_days`, keeping
/// every observable in memory (take them with [`ChainOutput::take_records`]).
pub fn run_chain(
    consensus: &ConsensusConfig,
    setup: &ContractsSetup,
    economy: Option<Economy>,
    seed: u64,
    horizon_days: u64,
    outputs: ChainOutputs,
) -> Result<ChainOutput, ChainRunError> {
    let mut run = ChainRun::start(consensus, setup, economy, seed, horizon_days, outputs)?;
    for day in 1..=horizon_days {
        run.run_to_day(day)?;
    }
    run.finish()
}

/// The chain's daily table.
pub fn chain_daily_table(days: &[DayStats]) -> Table {
    let mut t = Table::new("chain_daily");
    let cols: [Field<DayStats, u64>; 10] = [
        ("day", |d| d.day),
        ("canonical_blocks", |d| d.canonical_blocks),
        ("in_turn", |d| d.in_turn),
        ("out_of_turn", |d| d.out_of_turn),
        ("missed_turns", |d| d.missed_turns),
        ("sealed_blocks", |d| d.sealed_blocks),
        ("fork_heights", |d| d.fork_heights),
        ("reorgs", |d| d.reorgs),
        ("deepest_reorg", |d| d.deepest_reorg),
        ("longest_gap_ms", |d| d.longest_gap_ms),
    ];
    for (name, get) in cols {
        t.push(name, ColumnData::U64(days.iter().map(get).collect()));
    }
    t.push(
        "halted",
        ColumnData::Bool(days.iter().map(|d| d.halted).collect()),
    );
    t
}

/// Sampled blocks with their final canonical verdict (SPEC §8: on the canonical chain at the
/// end of the run; a block below the pruning horizon keeps the verdict it got then).
pub fn blocks_table(rows: &[(BlockRecord, bool)]) -> Table {
    let ints: [Field<(BlockRecord, bool), u64>; 8] = [
        ("height", |(b, _)| b.height),
        ("time_ms", |(b, _)| b.time.as_ms()),
        ("sealed_at_ms", |(b, _)| b.sealed_at.as_ms()),
        ("producer", |(b, _)| u64::from(b.producer.0)),
        ("block_id", |(b, _)| u64::from(b.id.0)),
        ("parent_id", |(b, _)| u64::from(b.parent.0)),
        ("difficulty", |(b, _)| u64::from(b.difficulty)),
        ("total_difficulty", |(b, _)| b.total_difficulty),
    ];
    let flags: [Field<(BlockRecord, bool), bool>; 2] =
        [("in_turn", |(b, _)| b.in_turn), ("canonical", |(_, c)| *c)];
    let mut t = Table::new("blocks");
    for (name, get) in ints {
        t.push(name, ColumnData::U64(rows.iter().map(get).collect()));
    }
    for (name, get) in flags {
        t.push(name, ColumnData::Bool(rows.iter().map(get).collect()));
    }
    t
}

fn status_name(s: ValidatorStatus) -> &'static str {
    match s {
        ValidatorStatus::Created => "created",
        ValidatorStatus::Staked => "staked",
        ValidatorStatus::Unstaked => "unstaked",
        ValidatorStatus::Jailed => "jailed",
    }
}

/// Per validator per epoch records of the contracts.
pub fn validators_table(e: &[EpochRecord]) -> Table {
    let ids: [Field<EpochRecord, u64>; 3] = [
        ("height", |r| r.height),
        ("time_ms", |r| r.time.as_ms()),
        ("validator", |r| u64::from(r.validator.0)),
    ];
    let counts: [Field<EpochRecord, u64>; 3] = [
        ("missed", |r| u64::from(r.missed)),
        ("punishments_total", |r| r.punishments_total),
        ("jailings_total", |r| r.jailings_total),
    ];
    let mut t = Table::new("validators");
    for (name, get) in ids {
        t.push(name, ColumnData::U64(e.iter().map(get).collect()));
    }
    t.push(
        "status",
        ColumnData::Str(e.iter().map(|r| status_name(r.status).to_owned()).collect()),
    );
    t.push(
        "active_next",
        ColumnData::Bool(e.iter().map(|r| r.active_next).collect()),
    );
    for (name, get) in counts {
        t.push(name, ColumnData::U64(e.iter().map(get).collect()));
    }
    let amounts: [Field<EpochRecord, Amount>; 5] = [
        ("stake_wei", |r| r.stake_wei),
        ("income_wei", |r| r.income_wei),
        ("earned_total_wei", |r| r.earned_total_wei),
        ("confiscated_total_wei", |r| r.confiscated_total_wei),
        ("withdrawn_total_wei", |r| r.withdrawn_total_wei),
    ];
    for (name, get) in amounts {
        t.push(
            name,
            ColumnData::U128(e.iter().map(|r| get(r).wei()).collect()),
        );
    }
    t
}

/// The contracts' event log: height, time, kind and the event as JSON.
pub fn events_table(events: &[(u64, SimTime, ContractEvent)]) -> Table {
    let kind = |e: &ContractEvent| {
        let json = serde_json::to_value(e).unwrap_or(serde_json::Value::Null);
        match json {
            serde_json::Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
            serde_json::Value::String(s) => s,
            _ => String::new(),
        }
    };
    let mut t = Table::new("events");
    t.push(
        "height",
        ColumnData::U64(events.iter().map(|(h, _, _)| *h).collect()),
    );
    t.push(
        "time_ms",
        ColumnData::U64(events.iter().map(|(_, time, _)| time.as_ms()).collect()),
    );
    t.push(
        "kind",
        ColumnData::Str(events.iter().map(|(_, _, e)| kind(e)).collect()),
    );
    t.push(
        "detail",
        ColumnData::Str(
            events
                .iter()
                .map(|(_, _, e)| serde_json::to_string(e).unwrap_or_default())
                .collect(),
        ),
    );
    t
}
