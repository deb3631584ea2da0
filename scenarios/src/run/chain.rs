//! Running the chain: consensus with the system contracts, and in coupled mode the economy on
//! the same timeline, advanced a simulated day at a time so that observables leave memory as
//! they are made ([`ChainRun`]; stepping changes no output).

use consensus_model::contracts::{
    Accounting, ContractEvent, ContractsError, DrivenContracts, EpochRecord,
};
use consensus_model::pipeline::Delayed;
use consensus_model::record::{
    BlockId, BlockRecord, DayStats, Recorder, ReorgRecord, ValidatorDay,
};
use consensus_model::{ConsensusConfig, ConsensusSim, Pipelined};
use economics::economy::{DayRow, Economy, VecRecorder as EconomyLog};
use sim_core::{Amount, SimTime};

use super::contract_log::ContractLog;
use super::coupled::{ChainSource, ChainSourceError};
use crate::limits::{MAX_BLOCK_ROWS, MAX_CONTRACT_RECORDS};
use crate::validate::ContractsSpec;

/// Collects chain observables: daily statistics and (sampled) blocks with their final
/// canonical verdict; reorg depths are counted.
#[derive(Debug, Default)]
pub struct ChainLog {
    /// Finalised days.
    pub days: Vec<DayStats>,
    /// Finalised days per validator.
    pub validator_days: Vec<ValidatorDayRow>,
    /// Node index → validator id (validator nodes come first, in ascending id order).
    pub validator_ids: Vec<consensus_model::ValidatorId>,
    /// Blocks sealed and reorganisations seen per validator (node index) on each day not yet
    /// finalised, oldest first: both arrive in simulated-time order, once per sealed block or
    /// reorganisation, so this is an indexed add rather than a map lookup.
    pub activity: std::collections::VecDeque<(u64, Vec<(u64, u64)>)>,
    /// Reorganisations each validator's node went through, by node index.
    pub reorgs_seen: Vec<u64>,
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
        if let Ok(index) = self.validator_ids.binary_search(&block.producer)
            && let Some(a) = self.activity_of(block.sealed_at.day(), index)
        {
            a.0 += 1;
        }
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
        let node = usize::try_from(reorg.node).unwrap_or(usize::MAX);
        if let Some(a) = self.activity_of(reorg.time.day(), node) {
            a.1 += 1;
        }
        if let Some(r) = self.reorgs_seen.get_mut(node) {
            *r += 1;
        }
    }
    fn day(&mut self, day: &DayStats) {
        self.days.push(*day);
    }
    fn validator_day(&mut self, day: u64, validators: &[ValidatorDay]) {
        // Nothing of a finalised day can still come.
        while self.activity.front().is_some_and(|(d, _)| *d < day) {
            self.activity.pop_front();
        }
        let counts = match self.activity.front() {
            Some((d, _)) if *d == day => self.activity.pop_front().map(|(_, c)| c),
            _ => None,
        };
        // `validators` are in node-index order, like the counts.
        for (i, v) in validators.iter().enumerate() {
            let (sealed_blocks, reorgs) = counts
                .as_ref()
                .and_then(|c| c.get(i).copied())
                .unwrap_or_default();
            self.validator_days.push(ValidatorDayRow {
                day,
                day_stats: *v,
                sealed_blocks,
                reorgs,
            });
        }
    }
}

impl ChainLog {
    /// The counts of validator `index` on `day` (`None` for a node that is not a validator);
    /// `day` is never earlier than a day already counted.
    fn activity_of(&mut self, day: u64, index: usize) -> Option<&mut (u64, u64)> {
        if index >= self.validator_ids.len() {
            return None;
        }
        if self.activity.back().is_none_or(|(d, _)| *d < day) {
            let n = self.validator_ids.len();
            self.activity.push_back((day, vec![(0, 0); n]));
        }
        let (_, counts) = self.activity.iter_mut().rev().find(|(d, _)| *d == day)?;
        counts.get_mut(index)
    }
}

/// One validator on one finalised day: the canonical figures with what it sealed on any branch
/// and the reorganisations its node went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorDayRow {
    /// The day.
    pub day: u64,
    /// Its canonical figures.
    pub day_stats: ValidatorDay,
    /// Blocks it sealed in the day on any branch.
    pub sealed_blocks: u64,
    /// Reorganisations of its node in the day.
    pub reorgs: u64,
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
    /// Per-validator consensus figures, ascending id.
    pub validator_stats: Vec<consensus_model::ValidatorStats>,
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
    /// The same days per validator.
    pub validator_days: Vec<ValidatorDayRow>,
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
    into.validator_days = std::mem::take(&mut log.validator_days);
    into.validator_days.retain(|r| r.day < horizon_days);
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
/// they never pile up ([`mod@crate::run`] streams them out this way).
pub struct ChainRun {
    /// The contracts (and the economy) run on a thread of their own when the run may use two
    /// ([`sim_core::threads::run_threads`]); the bytes are the same either way.
    sim: ConsensusSim<Pipelined<ChainSource>, ChainLog>,
    horizon_days: u64,
}

impl ChainRun {
    /// Builds consensus with the contracts (and the economy, if given) for `horizon_days`.
    pub fn start(
        consensus: &ConsensusConfig,
        setup: &ContractsSpec,
        economy: Option<Economy>,
        seed: u64,
        horizon_days: u64,
        outputs: ChainOutputs,
    ) -> Result<Self, ChainRunError> {
        let log = ContractLog {
            inner: consensus_model::contracts::VecRecorder::new(MAX_CONTRACT_RECORDS),
            keep_fee_events: outputs.keep_fee_events,
            ..ContractLog::default()
        };
        let contracts = crate::build::contracts(setup, seed, log)?;
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
        let threaded = sim_core::threads::run_threads() > 1;
        let source = Pipelined::new(source, threaded);
        let mut sim = ConsensusSim::new(consensus.clone(), seed, source, log)?;
        let ids = sim.validator_stats().iter().map(|v| v.id).collect();
        let log = sim.recorder_mut();
        log.validator_ids = ids;
        log.reorgs_seen = vec![0; log.validator_ids.len()];
        Ok(ChainRun { sim, horizon_days })
    }

    /// The economy (coupled mode), as settled so far.
    pub fn economy(&mut self) -> Result<Option<&Economy>, ChainRunError> {
        let source = self.sim.source_mut().get_mut().map_err(stopped)?;
        Ok(source.economy.as_ref().map(|(e, _)| e))
    }

    /// Simulates up to the start of `day` (stepping does not change the simulation).
    pub fn run_to_day(&mut self, day: u64) -> Result<(), ChainRunError> {
        self.sim.run_until(SimTime::from_day(day))?;
        Ok(())
    }

    /// Takes the observables recorded since the last call.
    pub fn take_records(&mut self) -> Result<ChainRecords, ChainRunError> {
        let mut r = ChainRecords::default();
        let source = self.sim.source_mut().get_mut().map_err(stopped)?;
        take_source(&mut source.contracts, source.economy.as_mut(), &mut r);
        take_log(self.sim.recorder_mut(), self.horizon_days, &mut r);
        Ok(r)
    }

    /// Runs the last minute (the first block after the last boundary settles the last day),
    /// finalises the days, checks the contracts' conservation and, coupled, reconciles the
    /// chain's money with the economy once more.
    pub fn finish(mut self) -> Result<ChainOutput, ChainRunError> {
        let horizon_days = self.horizon_days;
        self.sim
            .run_until(SimTime::from_day(horizon_days).saturating_add_ms(60_000))?;
        let validator_stats = self.sim.validator_stats();
        let (log, source, summary) = self.sim.finish();
        let mut source = source.into_inner().map_err(stopped)?;
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
            validator_stats,
            settled: source.settled,
            horizon_days,
        })
    }
}

/// A failure of the contracts found when their thread is waited for: the error the engine
/// would have stopped with had it executed the block itself.
fn stopped(e: Delayed<ChainSourceError>) -> ChainRunError {
    ChainRunError::Consensus(consensus_model::ConsensusError::Source {
        height: e.height,
        message: e.error.to_string(),
    })
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
    setup: &ContractsSpec,
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
