//! Economy mode: the compute-power economy and campaign on an ideal chain (every day settles
//! exactly at its boundary), run in chunks of days so its daily rows stream out; and the
//! economy's outputs, shared with coupled mode.

use economics::economy::{DayRow, Economy, VecRecorder};

use super::error::{APPEND_ROWS, Piece, RunError};
use super::inequality::{RewardInequality, RewardWindow};
use super::stream::{StreamId, Streams};
use crate::tables::summary::EconomyFigures;
use crate::tables::{Table, economy as tables, summary};
use crate::validate::{EconomySpec, Engines, Spec};

/// The economy's daily stream (declared if `outputs.daily`) and the figures gathered from its
/// rows for the summary (the rows themselves stream).
pub(super) struct EconomyDaily {
    id: Option<StreamId>,
    columns: tables::DailyColumns,
    figures: EconomyFigures,
    inequality: Option<RewardInequality>,
    node_daily: Option<NodeDaily>,
    /// Days settled when last told (coupled mode tells after every simulated day).
    seen_days: u64,
}

/// The `node_daily` stream: every node, every `every_days` settled days.
struct NodeDaily {
    id: StreamId,
    every_days: u64,
    window: RewardWindow,
}

impl EconomyDaily {
    pub(super) fn new(spec: &Spec, streams: &mut Streams<'_>, coupled: bool) -> Self {
        let columns = tables::DailyColumns {
            coupled,
            lump: match spec.engines() {
                Engines::Economy(e) | Engines::Coupled { economy: e, .. } => {
                    e.params.readings.stability_lump_days > 0
                }
                Engines::Schedule | Engines::Consensus(_) => false,
            },
        };
        let id = spec
            .outputs()
            .daily
            .then(|| streams.declare(&tables::daily(&[], columns)));
        EconomyDaily {
            id,
            columns,
            figures: EconomyFigures::default(),
            inequality: RewardInequality::new(spec.outputs().inequality_every_days),
            node_daily: (spec.outputs().node_daily_every_days > 0).then(|| NodeDaily {
                id: streams.declare(&tables::node_daily(&tables::NodeSample {
                    day: 0,
                    nodes: &[],
                    window_wei: &[],
                })),
                every_days: spec.outputs().node_daily_every_days,
                window: RewardWindow::default(),
            }),
            seen_days: 0,
        }
    }

    pub(super) fn add(
        &mut self,
        rows: &[DayRow],
        streams: &mut Streams<'_>,
    ) -> Result<(), RunError> {
        let f = &mut self.figures;
        for r in rows {
            f.days_settled += 1;
            f.max_settlement_delay_ms = f.max_settlement_delay_ms.max(r.settlement_delay_ms);
            // Sums of at most the 500M supply: they cannot overflow u128.
            f.emission_total_wei += r.emission.wei();
            f.paid_total_wei += r.basic_paid.wei()
                + r.stability_paid.wei()
                + r.stability_lump_paid.wei()
                + r.extra_paid.wei()
                + r.election_super_nodes_paid.wei()
                + r.election_voters_paid.wei();
        }
        if let Some(r) = rows.last() {
            f.last_day = Some(r.clone());
        }
        if let Some(id) = self.id {
            streams.append(id, tables::daily(rows, self.columns))?;
        }
        Ok(())
    }

    /// Days `0..next_day` are settled in `economy`: samples the per-node stream and the reward
    /// inequality if a window ended.
    pub(super) fn settled(
        &mut self,
        economy: &Economy,
        streams: &mut Streams<'_>,
    ) -> Result<(), RunError> {
        let days = economy.next_day();
        if days <= self.seen_days {
            return Ok(());
        }
        self.seen_days = days;
        if let Some(inequality) = &mut self.inequality {
            inequality.settled(economy, days);
        }
        let Some(nd) = &mut self.node_daily else {
            return Ok(());
        };
        if !days.is_multiple_of(nd.every_days) {
            return Ok(());
        }
        let (nodes, window): (Vec<_>, Vec<u128>) = nd
            .window
            .take(economy)
            .into_iter()
            .enumerate()
            .map(|(i, (t, got))| {
                let power = economy.node_power(i).unwrap_or(0);
                let online = economy.node_online_pledged_s(i).unwrap_or(0);
                ((t, power, online), got)
            })
            .unzip();
        let sample = tables::NodeSample {
            day: days - 1,
            nodes: &nodes,
            window_wei: &window,
        };
        streams.append(nd.id, tables::node_daily(&sample))?;
        Ok(())
    }

    /// The economy's tables (the daily stream, then nodes and elections) and its figures
    /// appended to `summary`.
    pub(super) fn finish(
        mut self,
        spec: &Spec,
        economy: &Economy,
        rec: &VecRecorder,
        summary_table: &mut Table,
    ) -> Vec<Piece> {
        let mut pieces: Vec<Piece> = self.id.map(Piece::Stream).into_iter().collect();
        pieces.extend(self.node_daily.as_ref().map(|nd| Piece::Stream(nd.id)));
        if spec.outputs().nodes {
            let totals: Vec<_> = (0..economy.node_count())
                .filter_map(|i| economy.node_totals(i))
                .collect();
            pieces.push(Piece::Memory(tables::nodes(&totals)));
        }
        if let Some(inequality) = &mut self.inequality {
            let samples = inequality.samples();
            pieces.push(Piece::Memory(crate::tables::inequality::reward_inequality(
                samples,
            )));
        }
        if spec.outputs().voters {
            pieces.push(Piece::Memory(tables::voters(&economy.voter_totals())));
        }
        if spec.outputs().elections {
            pieces.push(Piece::Memory(tables::elections(&rec.terms)));
        }
        let f = &mut self.figures;
        f.nodes = economy.node_count() as u64;
        f.terms = rec.terms.len() as u64;
        f.first_term_start_day = economy.first_term_start();
        f.vote_fees_total_wei = economy.vote_fees_total().wei();
        summary::push_economy(summary_table, f);
        pieces
    }
}

pub(super) fn run(
    spec: &Spec,
    economy_spec: &EconomySpec,
    streams: &mut Streams<'_>,
) -> Result<(Vec<Piece>, Table), RunError> {
    let cfg = crate::build::economy(economy_spec, spec.seed(), spec.horizon_days(), None)
        .map_err(RunError::Build)?;
    let mut economy = Economy::new(cfg)?;
    let mut daily = EconomyDaily::new(spec, streams, false);
    let mut rec = VecRecorder::default();
    let horizon = spec.horizon_days();
    // A day at a time (so a caller can stop the run at any day), rows appended in chunks.
    while economy.next_day() < horizon {
        let day = economy.next_day() + 1;
        economy.run_ideal(day, &mut rec)?;
        if rec.days.len() >= APPEND_ROWS || day == horizon {
            daily.add(&std::mem::take(&mut rec.days), streams)?;
        }
        daily.settled(&economy, streams)?;
        streams
            .day_done(day, horizon)
            .map_err(RunError::interrupted)?;
    }
    let mut summary = summary::new(horizon);
    let pieces = daily.finish(spec, &economy, &rec, &mut summary);
    Ok((pieces, summary))
}
