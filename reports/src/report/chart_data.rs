//! What the run charts draw, read from long tables a chunk at a time: validators summed per
//! epoch (evenly spaced epochs kept) and per validator, block intervals counted over every
//! block, blocks and gaps per sub-day bucket, missed turns per validator and span of days.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use scenarios::{ColumnData, Table};

use super::error::*;
use super::read::*;
use crate::charts::MissedTurnGrid;
use crate::frame::{parquet_column_names, read_parquet_slice};
use crate::layout::RunManifest;

/// Tables charts read (whole unless [`run_tables`] reduces them a chunk at a time: validators,
/// validator_daily).
pub(super) const CHARTED_TABLES: [&str; 10] = [
    "daily",
    "chain_daily",
    "elections",
    "validators",
    "epochs",
    "reorgs",
    "reorg_depths",
    "validator_daily",
    "reward_inequality",
    "stake_inequality",
];

/// Columns of the `blocks` table the block-interval chart reads.
pub(super) const BLOCK_COLUMNS: [&str; 4] = ["block_id", "parent_id", "time_ms", "interval_ms"];

/// Loads the tables a run manifest lists (`<stem>.csv` in `files`) that charts use; the long
/// ones (`validators`, `blocks`) are read a chunk at a time and reduced to what their charts
/// draw, so memory does not grow with the horizon.
pub(super) fn run_tables(dir: &Path, m: &RunManifest) -> Result<Vec<Table>, ReportError> {
    let mut tables = charted_tables(dir, m)?;
    let pq = dir.join("blocks.parquet");
    if pq.is_file()
        && let Some(w) = sub_day_window(m, &tables)
    {
        tables.push(sub_day_blocks(&pq, "blocks", w, CHART_CHUNK_ROWS)?);
        tables.push(partitions_table(m));
    }
    Ok(tables)
}

fn charted_tables(dir: &Path, m: &RunManifest) -> Result<Vec<Table>, ReportError> {
    let mut tables = Vec::new();
    for f in m.files.keys() {
        let Some(stem) = f.strip_suffix(".csv") else {
            continue;
        };
        let pq = dir.join(format!("{stem}.parquet"));
        if stem == "validators" && pq.is_file() {
            tables.extend(validators_per_epoch(&pq, stem)?);
        } else if stem == "validator_daily"
            && pq.is_file()
            && let Some(days) = scenario_u64(m, &["run", "horizon_days"])
        {
            tables.push(missed_turns_per_span(&pq, stem, days, CHART_CHUNK_ROWS)?);
        } else if stem == "blocks" && pq.is_file() {
            tables.push(block_intervals_counted(&pq, stem)?);
        } else if (CHARTED_TABLES.contains(&stem) || stem == "blocks")
            && let Some(t) = load_table(dir, stem)?
        {
            tables.push(t);
        }
    }
    Ok(tables)
}

/// Column `name` of `t` if it holds u64s.
fn u64s<'a>(t: &'a Table, name: &str) -> Option<&'a [u64]> {
    match &t.columns.iter().find(|c| c.name == name)?.data {
        ColumnData::U64(v) => Some(v),
        _ => None,
    }
}

/// Column `name` of `t` if it holds u128s.
fn u128s<'a>(t: &'a Table, name: &str) -> Option<&'a [u128]> {
    match &t.columns.iter().find(|c| c.name == name)?.data {
        ColumnData::U128(v) => Some(v),
        _ => None,
    }
}

/// Column `name` of `t` if it holds flags.
fn bools<'a>(t: &'a Table, name: &str) -> Option<&'a [bool]> {
    match &t.columns.iter().find(|c| c.name == name)?.data {
        ColumnData::Bool(v) => Some(v),
        _ => None,
    }
}

/// Rows of a long table read at a time when a chart aggregates it.
pub(super) const CHART_CHUNK_ROWS: usize = 1 << 18;

/// Reads the columns `wanted` of Parquet file `pq` (table `stem`) `chunk_rows` rows at a time,
/// in file order, handing each chunk to `f` until the file ends or `f` breaks.
pub(super) fn for_each_chunk(
    pq: &Path,
    stem: &str,
    wanted: &[&str],
    chunk_rows: usize,
    mut f: impl FnMut(&Table) -> ControlFlow<()>,
) -> Result<(), ReportError> {
    let chunk_rows = chunk_rows.max(1);
    let mut offset = 0;
    loop {
        let chunk = read_parquet_slice(pq, stem, wanted, offset, chunk_rows).map_err(|source| {
            ReportError::Frame {
                path: pq.to_path_buf(),
                source,
            }
        })?;
        let rows = chunk.rows();
        if f(&chunk).is_break() || rows < chunk_rows {
            return Ok(());
        }
        offset += rows;
    }
}

/// Most epochs kept for the validator charts (twice what a chart draws, see
/// [`crate::chart::MAX_POINTS`]); longer runs keep evenly spaced epochs and the last one.
pub(super) const MAX_CHART_EPOCHS: usize = 2 * crate::chart::MAX_POINTS;

/// The per-validator-per-epoch table summed per epoch, with only the columns the validator
/// charts use (the epoch key, stakes, punishment and jailing counts), read a chunk at a time
/// and thinned to at most [`MAX_CHART_EPOCHS`] evenly spaced epochs (plus the last), so the
/// report's memory does not grow with the horizon.
pub(super) fn validators_per_epoch(pq: &Path, stem: &str) -> Result<Vec<Table>, ReportError> {
    validators_per_epoch_with(pq, stem, CHART_CHUNK_ROWS, MAX_CHART_EPOCHS)
}

/// One epoch as the validator charts read it: sums over validators, the epoch block's time,
/// and each validator's stake and income earned.
#[derive(Debug, Default)]
struct Epoch {
    sums: Vec<u128>,
    time_ms: Option<u64>,
    by_validator: BTreeMap<u64, (u128, u128)>,
}

/// Epochs kept with their ordinal (position among the table's epochs).
pub(super) struct EpochSums {
    kept: BTreeMap<u64, (u64, Epoch)>,
    current: Option<(u64, u64, Epoch)>,
    next_ordinal: u64,
    stride: u64,
    max: usize,
}

impl EpochSums {
    /// The epoch `key` (epochs arrive in file order, each in one run of rows), `width` sums wide.
    fn epoch(&mut self, key: u64, width: usize) -> &mut Epoch {
        if self.current.as_ref().is_none_or(|c| c.0 != key) {
            self.close();
            let epoch = Epoch {
                sums: vec![0; width],
                ..Epoch::default()
            };
            self.current = Some((key, self.next_ordinal, epoch));
            self.next_ordinal += 1;
        }
        let Some((_, _, epoch)) = self.current.as_mut() else {
            unreachable!("an epoch was just opened")
        };
        epoch
    }

    /// Files the current epoch if its ordinal is on the stride; halves the kept epochs (doubling
    /// the stride) when there are too many.
    fn close(&mut self) {
        let Some((key, ordinal, epoch)) = self.current.take() else {
            return;
        };
        if ordinal.is_multiple_of(self.stride) {
            self.kept.insert(key, (ordinal, epoch));
        }
        if self.kept.len() > self.max {
            self.stride *= 2;
            let stride = self.stride;
            self.kept.retain(|_, (o, _)| o.is_multiple_of(stride));
        }
    }

    /// The kept epochs and the last one, in key order.
    fn finish(self) -> BTreeMap<u64, Epoch> {
        let mut out: BTreeMap<u64, Epoch> =
            self.kept.into_iter().map(|(k, (_, v))| (k, v)).collect();
        if let Some((key, _, epoch)) = self.current {
            out.insert(key, epoch);
        }
        out
    }
}

/// The validators table as its charts read it: summed per epoch (the key, the epoch block's
/// `time_ms` when present, stakes, punishments, jailings) and, when the table names validators,
/// `validator_epochs`: each validator's `stake_wei` and `earned_total_wei` at the kept epochs.
pub(super) fn validators_per_epoch_with(
    pq: &Path,
    stem: &str,
    chunk_rows: usize,
    max_epochs: usize,
) -> Result<Vec<Table>, ReportError> {
    let frame_err = |source| ReportError::Frame {
        path: pq.to_path_buf(),
        source,
    };
    let names = parquet_column_names(pq).map_err(frame_err)?;
    let Some(key) = ["epoch", "height"]
        .into_iter()
        .find(|k| names.iter().any(|n| n == k))
    else {
        return Ok(vec![Table::new(stem)]);
    };
    let summed: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| {
            (n.contains("stake") && n.ends_with("_wei"))
                || n.contains("punish")
                || n.contains("jail")
        })
        .collect();
    let mut wanted = summed.clone();
    let extra = ["time_ms", "validator", "earned_total_wei", "stake_wei"];
    wanted.extend(extra.iter().filter(|n| names.iter().any(|m| m == *n)));
    wanted.push(key);
    let mut sums = EpochSums {
        kept: BTreeMap::new(),
        current: None,
        next_ordinal: 0,
        stride: 1,
        max: max_epochs.max(1),
    };
    let mut kinds: Vec<(String, bool)> = Vec::new();
    let mut keyed = true;
    for_each_chunk(pq, stem, &wanted, chunk_rows, |chunk| {
        let Some(keys) = u64s(chunk, key) else {
            keyed = false;
            return ControlFlow::Break(());
        };
        let cols: Vec<&scenarios::Column> = chunk
            .columns
            .iter()
            .filter(|c| summed.contains(&c.name.as_str()))
            .collect();
        if kinds.is_empty() {
            kinds = cols
                .iter()
                .map(|c| (c.name.clone(), matches!(c.data, ColumnData::U64(_))))
                .collect();
        }
        let (time, validator) = (u64s(chunk, "time_ms"), u64s(chunk, "validator"));
        let (stake, earned) = (u128s(chunk, "stake_wei"), u128s(chunk, "earned_total_wei"));
        for (row, k) in keys.iter().enumerate() {
            let epoch = sums.epoch(*k, cols.len());
            for (s, c) in epoch.sums.iter_mut().zip(&cols) {
                let v = match &c.data {
                    ColumnData::U64(v) => u128::from(v[row]),
                    ColumnData::U128(v) => v[row],
                    _ => 0,
                };
                *s = s.saturating_add(v);
            }
            if let Some(t) = time {
                epoch.time_ms = Some(epoch.time_ms.unwrap_or(0).max(t[row]));
            }
            if let Some(v) = validator {
                let at = |c: Option<&[u128]>| c.map_or(0, |c| c[row]);
                epoch.by_validator.insert(v[row], (at(stake), at(earned)));
            }
        }
        ControlFlow::Continue(())
    })?;
    if !keyed {
        return Ok(vec![Table::new(stem)]);
    }
    let epochs = sums.finish();
    let mut t = Table::new(stem);
    t.push(key, ColumnData::U64(epochs.keys().copied().collect()));
    let timed = epochs.values().all(|e| e.time_ms.is_some());
    if timed {
        let times = epochs.values().map(|e| e.time_ms.unwrap_or(0)).collect();
        t.push("time_ms", ColumnData::U64(times));
    }
    for (i, (name, is_u64)) in kinds.iter().enumerate() {
        let column = epochs.values().map(|e| e.sums[i]);
        t.push(
            name,
            if *is_u64 {
                ColumnData::U64(
                    column
                        .map(|x| u64::try_from(x).unwrap_or(u64::MAX))
                        .collect(),
                )
            } else {
                ColumnData::U128(column.collect())
            },
        );
    }
    let mut out = vec![t];
    if epochs.values().any(|e| !e.by_validator.is_empty()) {
        out.push(per_validator_table(key, timed, &epochs));
    }
    Ok(out)
}

/// `validator_epochs`: one row per kept epoch and validator.
fn per_validator_table(key: &str, timed: bool, epochs: &BTreeMap<u64, Epoch>) -> Table {
    let rows = || {
        epochs
            .iter()
            .flat_map(|(k, e)| e.by_validator.iter().map(move |(v, x)| (*k, e, *v, *x)))
    };
    let mut t = Table::new("validator_epochs");
    t.push(key, ColumnData::U64(rows().map(|r| r.0).collect()));
    if timed {
        let times = rows().map(|r| r.1.time_ms.unwrap_or(0)).collect();
        t.push("time_ms", ColumnData::U64(times));
    }
    t.push("validator", ColumnData::U64(rows().map(|r| r.2).collect()));
    t.push(
        "stake_wei",
        ColumnData::U128(rows().map(|r| r.3.0).collect()),
    );
    t.push(
        "earned_total_wei",
        ColumnData::U128(rows().map(|r| r.3.1).collect()),
    );
    t
}

/// Sampled blocks kept for finding a block's parent while reading a blocks table in chunks
/// (parents are a few blocks back; one further back is not counted).
pub(super) const PARENT_WINDOW_BLOCKS: usize = 1 << 18;

/// The block-interval histogram's input from a blocks table of any length: how many blocks had
/// each interval to their parent (`interval_ms`, `blocks`), read a chunk at a time. Only blocks
/// whose parent is in the table (every block with `blocks_every = 1`) have an interval.
pub(super) fn block_intervals_counted(pq: &Path, stem: &str) -> Result<Table, ReportError> {
    block_intervals_counted_with(pq, stem, CHART_CHUNK_ROWS)
}

pub(super) fn block_intervals_counted_with(
    pq: &Path,
    stem: &str,
    chunk_rows: usize,
) -> Result<Table, ReportError> {
    let frame_err = |source| ReportError::Frame {
        path: pq.to_path_buf(),
        source,
    };
    let names = parquet_column_names(pq).map_err(frame_err)?;
    let given = names.iter().any(|n| n == "interval_ms");
    let mut counts: BTreeMap<u64, u64> = BTreeMap::new();
    let mut recent: std::collections::VecDeque<(u64, u64)> = std::collections::VecDeque::new();
    for_each_chunk(pq, stem, &BLOCK_COLUMNS, chunk_rows, |chunk| {
        let col = |name: &str| u64s(chunk, name);
        if given {
            for &ms in col("interval_ms").into_iter().flatten() {
                *counts.entry(ms).or_default() += 1;
            }
        } else if let (Some(ids), Some(parents), Some(times)) =
            (col("block_id"), col("parent_id"), col("time_ms"))
        {
            for ((&id, &parent), &time) in ids.iter().zip(parents).zip(times) {
                if id != parent
                    && let Ok(i) = recent.binary_search_by_key(&parent, |e| e.0)
                {
                    *counts.entry(time.saturating_sub(recent[i].1)).or_default() += 1;
                }
                if recent.back().is_none_or(|b| b.0 < id) {
                    recent.push_back((id, time));
                    if recent.len() > PARENT_WINDOW_BLOCKS {
                        recent.pop_front();
                    }
                }
            }
        }
        ControlFlow::Continue(())
    })?;
    let mut t = Table::new(stem);
    t.push(
        "interval_ms",
        ColumnData::U64(counts.keys().copied().collect()),
    );
    t.push(
        "blocks",
        ColumnData::U64(counts.values().copied().collect()),
    );
    Ok(t)
}

/// `validator_daily` (a row per validator and day) reduced to the heat map's grid over
/// `days` days, read a chunk at a time and only the columns it draws, so memory does not grow
/// with the horizon.
pub(super) fn missed_turns_per_span(
    pq: &Path,
    stem: &str,
    days: u64,
    chunk_rows: usize,
) -> Result<Table, ReportError> {
    let mut grid = MissedTurnGrid::new(days);
    let wanted = ["day", "validator", "missed_turns"];
    for_each_chunk(pq, stem, &wanted, chunk_rows, |chunk| {
        let (Some(day), Some(who), Some(missed)) = (
            u64s(chunk, "day"),
            u64s(chunk, "validator"),
            u64s(chunk, "missed_turns"),
        ) else {
            return ControlFlow::Break(());
        };
        for ((&d, &w), &m) in day.iter().zip(who).zip(missed) {
            grid.add(d, w, m);
        }
        ControlFlow::Continue(())
    })?;
    Ok(grid.to_table())
}

/// Horizons up to this many days get a sub-day block chart over the whole run; longer runs get
/// one around their first halted day, else around their first partition.
pub(super) const SUB_DAY_WHOLE_RUN_DAYS_MAX: u64 = 14;
/// Buckets of the sub-day chart: 10 minutes up to two days, else hours.
const SUB_DAY_FINE_DAYS_MAX: u64 = 2;

/// The part of the run the sub-day block chart shows: `[from_s, to_s)` in buckets of
/// `bucket_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SubDayWindow {
    pub from_s: u64,
    pub to_s: u64,
    pub bucket_s: u64,
}

/// A number in the manifest's resolved scenario at `path`.
fn scenario_u64(m: &RunManifest, path: &[&str]) -> Option<u64> {
    let mut v = &m.scenario;
    for p in path {
        v = v.get(p)?;
    }
    v.as_u64()
}

/// Partition intervals of the resolved scenario, in seconds.
fn partitions(m: &RunManifest) -> Vec<(u64, u64)> {
    m.scenario
        .get("consensus")
        .and_then(|c| c.get("partitions"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get("start_s")?.as_u64()?, p.get("end_s")?.as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// `partitions`: start_s and end_s of each scheduled partition (markers of the sub-day chart).
fn partitions_table(m: &RunManifest) -> Table {
    let p = partitions(m);
    let mut t = Table::new("partitions");
    t.push("start_s", ColumnData::U64(p.iter().map(|x| x.0).collect()));
    t.push("end_s", ColumnData::U64(p.iter().map(|x| x.1).collect()));
    t
}

/// Where a sub-day view says something: the whole of a short run; else three days from the day
/// before the first halted day, else from the day before the first partition. Only when every
/// block is in the blocks table (`outputs.blocks_every = 1`): counts of a sample would mislead.
pub(super) fn sub_day_window(m: &RunManifest, tables: &[Table]) -> Option<SubDayWindow> {
    const DAY_S: u64 = 86_400;
    if scenario_u64(m, &["outputs", "blocks_every"]) != Some(1) {
        return None;
    }
    let horizon = scenario_u64(m, &["run", "horizon_days"])?;
    if horizon <= SUB_DAY_WHOLE_RUN_DAYS_MAX {
        let fine = horizon <= SUB_DAY_FINE_DAYS_MAX;
        return Some(SubDayWindow {
            from_s: 0,
            to_s: horizon * DAY_S,
            bucket_s: if fine { 600 } else { 3_600 },
        });
    }
    let halted_day = tables
        .iter()
        .find(|t| t.name == "chain_daily")
        .and_then(|t| {
            let (day, halted) = (u64s(t, "day")?, bools(t, "halted")?);
            day.iter().zip(halted).find(|(_, h)| **h).map(|(d, _)| *d)
        });
    let first_day = halted_day.or_else(|| partitions(m).first().map(|p| p.0 / DAY_S))?;
    let from_s = first_day.saturating_sub(1) * DAY_S;
    Some(SubDayWindow {
        from_s,
        to_s: (from_s + 3 * DAY_S).min(horizon * DAY_S),
        bucket_s: 3_600,
    })
}

/// `blocks_sub_day`: per bucket of `w`, canonical blocks with a timestamp in it and the longest
/// time without a canonical block overlapping it (a gap counts in every bucket it spans, so a
/// two-hour halt shows as two hours wherever it lasted). Read a chunk at a time.
pub(super) fn sub_day_blocks(
    pq: &Path,
    stem: &str,
    w: SubDayWindow,
    chunk_rows: usize,
) -> Result<Table, ReportError> {
    let buckets = (w.to_s - w.from_s).div_ceil(w.bucket_s.max(1)) as usize;
    let (from_ms, to_ms, bucket_ms) = (w.from_s * 1000, w.to_s * 1000, w.bucket_s * 1000);
    let mut blocks = vec![0_u64; buckets];
    let mut gap_ms = vec![0_u64; buckets];
    let mut last: Option<u64> = None;
    let gap = |start: u64, end: u64, gap_ms: &mut [u64]| {
        // The gap [start, end) clipped to the window, recorded in each bucket it overlaps.
        let (a, b) = (start.max(from_ms), end.min(to_ms));
        if a >= b {
            return;
        }
        let first = ((a - from_ms) / bucket_ms) as usize;
        let last = ((b - 1 - from_ms) / bucket_ms) as usize;
        for g in &mut gap_ms[first..=last.min(buckets - 1)] {
            *g = (*g).max(end - start);
        }
    };
    for_each_chunk(pq, stem, &["time_ms", "canonical"], chunk_rows, |chunk| {
        let (Some(time), Some(canonical)) = (u64s(chunk, "time_ms"), bools(chunk, "canonical"))
        else {
            return ControlFlow::Break(());
        };
        for (&t, _) in time.iter().zip(canonical).filter(|(_, c)| **c) {
            if let Some(prev) = last {
                gap(prev, t, &mut gap_ms);
            }
            last = Some(last.map_or(t, |p| p.max(t)));
            if (from_ms..to_ms).contains(&t) {
                blocks[((t - from_ms) / bucket_ms) as usize] += 1;
            }
        }
        ControlFlow::Continue(())
    })?;
    // From the last canonical block to the window's end.
    gap(last.unwrap_or(0), to_ms, &mut gap_ms);
    let mut t = Table::new("blocks_sub_day");
    let starts = (0..buckets as u64).map(|i| w.from_s + i * w.bucket_s);
    t.push("from_s", ColumnData::U64(starts.collect()));
    t.push("bucket_s", ColumnData::U64(vec![w.bucket_s; buckets]));
    t.push("canonical_blocks", ColumnData::U64(blocks));
    t.push("longest_gap_ms", ColumnData::U64(gap_ms));
    Ok(t)
}
