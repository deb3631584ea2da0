//! Consensus and coupled modes: the chain run a simulated day at a time, its observables
//! streamed out as tables, and its figures (and coupled, the economy's) in the summary.

use consensus_model::record::DayStats;
use economics::economy::Economy;

use super::chain::{ChainOutput, ChainOutputs, ChainRecords, ChainRun};
use super::economy::EconomyDaily;
use super::error::{Piece, RunError};
use super::inequality::StakeInequality;
use super::stream::{StreamId, Streams};
use crate::tables::summary::ChainFigures;
use crate::tables::{Table, chain as tables, summary};
use crate::validate::{ChainSpec, EconomySpec, Spec};

/// The chain's streamed tables, as declared by the outputs.
struct ChainStreams {
    chain_daily: StreamId,
    validator_daily: StreamId,
    blocks: Option<StreamId>,
    contracts: Option<(StreamId, StreamId)>,
}

impl ChainStreams {
    fn declare(spec: &Spec, streams: &mut Streams<'_>) -> Self {
        let outputs = spec.outputs();
        ChainStreams {
            chain_daily: streams.declare(&tables::chain_daily(&[])),
            validator_daily: streams.declare(&tables::validator_daily(&[])),
            blocks: (outputs.blocks_every > 0).then(|| streams.declare(&tables::blocks(&[]))),
            contracts: outputs.contracts.then(|| {
                (
                    streams.declare(&tables::validators(&[])),
                    streams.declare(&tables::events(&[])),
                )
            }),
        }
    }

    fn pieces(&self) -> Vec<Piece> {
        let mut pieces = vec![
            Piece::Stream(self.chain_daily),
            Piece::Stream(self.validator_daily),
        ];
        pieces.extend(self.blocks.map(Piece::Stream));
        if let Some((validators, events)) = self.contracts {
            pieces.push(Piece::Stream(validators));
            pieces.push(Piece::Stream(events));
        }
        pieces
    }
}

/// Figures of the chain's daily statistics, for the summary (the rows stream).
#[derive(Debug, Default)]
struct DayTotals {
    in_turn: u64,
    out_of_turn: u64,
    longest_gap_ms: u64,
    halted_days: u64,
}

impl DayTotals {
    fn add(&mut self, days: &[DayStats]) {
        for d in days {
            self.in_turn += d.in_turn;
            self.out_of_turn += d.out_of_turn;
            self.longest_gap_ms = self.longest_gap_ms.max(d.longest_gap_ms);
            self.halted_days += u64::from(d.halted);
        }
    }
}

/// Hands one take of records to the streams.
struct Take {
    streams: ChainStreams,
    totals: DayTotals,
    economy_daily: Option<EconomyDaily>,
    stake_inequality: Option<StakeInequality>,
}

impl Take {
    fn take(&mut self, r: ChainRecords, streams: &mut Streams<'_>) -> Result<(), RunError> {
        self.totals.add(&r.days);
        if let Some(ineq) = &mut self.stake_inequality {
            ineq.records(&r.epochs);
        }
        streams.append(self.streams.chain_daily, tables::chain_daily(&r.days))?;
        streams.append(
            self.streams.validator_daily,
            tables::validator_daily(&r.validator_days),
        )?;
        if let Some(id) = self.streams.blocks {
            streams.append(id, tables::blocks(&r.blocks))?;
        }
        if let Some((validators, events)) = self.streams.contracts {
            streams.append(validators, tables::validators(&r.epochs))?;
            streams.append(events, tables::events(&r.events))?;
        }
        match &mut self.economy_daily {
            Some(daily) => daily.add(&r.economy_days, streams),
            None => Ok(()),
        }
    }
}

pub(super) fn run(
    spec: &Spec,
    chain: &ChainSpec,
    economy_spec: Option<&EconomySpec>,
    streams: &mut Streams<'_>,
) -> Result<(Vec<Piece>, Table), RunError> {
    let (seed, days) = (spec.seed(), spec.horizon_days());
    let economy = match economy_spec {
        Some(e) => {
            let cfg = crate::build::economy(e, seed, days, Some(&chain.contracts))
                .map_err(RunError::Build)?;
            Some(Economy::new(cfg)?)
        }
        None => None,
    };
    let declared = ChainStreams::declare(spec, streams);
    // Coupled mode: the economy's daily table (with the chain's bucket columns) comes after
    // the chain's tables, as it always has.
    let economy_daily = economy
        .as_ref()
        .map(|_| EconomyDaily::new(spec, streams, true));
    let mut take = Take {
        streams: declared,
        totals: DayTotals::default(),
        economy_daily,
        stake_inequality: StakeInequality::new(spec.outputs().inequality_every_days, days),
    };
    let outputs = ChainOutputs {
        blocks_every: spec.outputs().blocks_every,
        keep_fee_events: spec.outputs().fee_events,
    };
    let consensus = crate::build::consensus(chain, seed);
    let mut run = ChainRun::start(&consensus, &chain.contracts, economy, seed, days, outputs)?;
    // A simulated day at a time, so the observables leave memory as they are made.
    for day in 1..=days {
        run.run_to_day(day)?;
        take.take(run.take_records()?, streams)?;
        if let Some(daily) = take.economy_daily.as_mut()
            && let Some(e) = run.economy()?
        {
            daily.settled(e, streams)?;
        }
        streams.day_done(day, days).map_err(RunError::interrupted)?;
    }
    let mut out = run.finish()?;
    take.take(out.take_records(), streams)?;
    // The last day settles in the first block after the horizon.
    if let (Some((e, _)), Some(daily)) = (&out.economy, take.economy_daily.as_mut()) {
        daily.settled(e, streams)?;
    }

    Ok(collect(spec, days, &out, take))
}

/// The run's tables in output order (the streams, the chain's end-of-run tables, then the
/// economy's) and its summary.
fn collect(spec: &Spec, days: u64, out: &ChainOutput, take: Take) -> (Vec<Piece>, Table) {
    let mut pieces = take.streams.pieces();
    pieces.push(Piece::Memory(tables::reorg_depths(&out.log.reorg_depths)));
    pieces.push(Piece::Memory(tables::validator_stats(
        &out.validator_stats,
        &out.log.reorgs_seen,
    )));
    if let Some(ineq) = &take.stake_inequality {
        let samples = ineq.samples();
        pieces.push(Piece::Memory(crate::tables::inequality::stake_inequality(
            &samples,
        )));
    }
    let s = &out.summary;
    let clog = out.contracts.contracts.recorder();
    let t = &take.totals;
    let mut summary = summary::new(days);
    summary::push_chain(
        &mut summary,
        &ChainFigures {
            canonical_height: s.canonical_height,
            canonical_total_difficulty: s.canonical_total_difficulty,
            blocks_sealed: s.blocks_sealed,
            in_turn: t.in_turn,
            out_of_turn: t.out_of_turn,
            fork_heights: s.fork_heights,
            reorgs: s.reorgs,
            deepest_reorg: s.deepest_reorg,
            longest_gap_ms: t.longest_gap_ms,
            halted_days: t.halted_days,
            active_set_size: s.active_set.len() as u64,
            contract_events_dropped: clog.inner.dropped,
            fee_distributions: clog.fee_distributions,
            fees_distributed_wei: clog.fees_distributed.wei(),
            txs_refused: out.contracts.refused_total,
        },
    );
    if let (Some((economy, rec)), Some(daily)) = (&out.economy, take.economy_daily) {
        pieces.extend(daily.finish(spec, economy, rec, &mut summary));
        let (paid_by_market, vote_fees_in) = economy.chain_funding().unwrap_or_default();
        summary::push_coupling(&mut summary, paid_by_market.wei(), vote_fees_in.wei());
    }
    (pieces, summary)
}
