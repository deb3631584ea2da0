//! Schedule mode: the emission and vesting timeline (SPEC §4.3, §6), one row a day.

use economics::SupplyTimeline;

use super::error::{APPEND_ROWS, Piece, RunError};
use super::stream::Streams;
use crate::tables::{Table, summary, supply};
use crate::validate::Spec;

pub(super) fn run(spec: &Spec, streams: &mut Streams<'_>) -> Result<(Vec<Piece>, Table), RunError> {
    let mut timeline = SupplyTimeline::new(spec.supply().clone())
        .map_err(|source| RunError::Ledger { day: 0, source })?;
    let daily = spec
        .outputs()
        .daily
        .then(|| streams.declare(&supply::daily(&[])));
    let days = spec.horizon_days();
    let mut buf = Vec::with_capacity(APPEND_ROWS);
    let mut last = None;
    for d in 0..days {
        let row = timeline
            .next_day()
            .map_err(|source| RunError::Ledger { day: d, source })?;
        if let Some(id) = daily {
            buf.push(row.clone());
            if buf.len() >= APPEND_ROWS || d + 1 == days {
                streams.append(id, supply::daily(&buf))?;
                buf.clear();
            }
        }
        last = Some(row);
        streams
            .day_done(d + 1, days)
            .map_err(RunError::interrupted)?;
    }
    let summary = summary::schedule(days, last.as_ref());
    Ok((daily.into_iter().map(Piece::Stream).collect(), summary))
}
