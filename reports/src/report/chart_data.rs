//! What the run charts draw, read from long tables a chunk at a time: validators summed per
//! epoch (evenly spaced epochs kept), block intervals counted over every block.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use scenarios::{ColumnData, Table};

use super::error::*;
use super::read::*;
use crate::frame::{parquet_column_names, read_parquet_slice};
use crate::layout::RunManifest;

/// Tables charts read whole (one row per day, term, candidate or validator epoch).
pub(super) const CHARTED_TABLES: [&str; 7] = [
    "daily",
    "chain_daily",
    "elections",
    "validators",
    "epochs",
    "reorgs",
    "reorg_depths",
];

/// Columns of the `blocks` table the block-interval chart reads.
pub(super) const BLOCK_COLUMNS: [&str; 4] = ["block_id", "parent_id", "time_ms", "interval_ms"];

/// Loads the tables a run manifest lists (`<stem>.csv` in `files`) that charts use; the long
/// ones (`validators`, `blocks`) are read a chunk at a time and reduced to what their charts
/// draw, so memory does not grow with the horizon.
pub(super) fn run_tables(dir: &Path, m: &RunManifest) -> Result<Vec<Table>, ReportError> {
    let mut tables = Vec::new();
    for f in m.files.keys() {
        let Some(stem) = f.strip_suffix(".csv") else {
            continue;
        };
        let pq = dir.join(format!("{stem}.parquet"));
        if stem == "validators" && pq.is_file() {
            tables.push(validators_per_epoch(&pq, stem)?);
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
pub(super) fn validators_per_epoch(pq: &Path, stem: &str) -> Result<Table, ReportError> {
    validators_per_epoch_with(pq, stem, CHART_CHUNK_ROWS, MAX_CHART_EPOCHS)
}

/// Epoch sums kept with their ordinal (position among the table's epochs).
pub(super) struct EpochSums {
    kept: BTreeMap<u64, (u64, Vec<u128>)>,
    current: Option<(u64, u64, Vec<u128>)>,
    next_ordinal: u64,
    stride: u64,
    max: usize,
}

impl EpochSums {
    /// Adds `values` to epoch `key` (epochs arrive in file order, each in one run of rows).
    fn add(&mut self, key: u64, values: impl Iterator<Item = u128>, width: usize) {
        if self.current.as_ref().is_none_or(|c| c.0 != key) {
            self.close();
            self.current = Some((key, self.next_ordinal, vec![0; width]));
            self.next_ordinal += 1;
        }
        if let Some((_, _, sums)) = self.current.as_mut() {
            for (s, v) in sums.iter_mut().zip(values) {
                *s = s.saturating_add(v);
            }
        }
    }

    /// Files the current epoch if its ordinal is on the stride; halves the kept epochs (doubling
    /// the stride) when there are too many.
    fn close(&mut self) {
        let Some((key, ordinal, sums)) = self.current.take() else {
            return;
        };
        if ordinal.is_multiple_of(self.stride) {
            self.kept.insert(key, (ordinal, sums));
        }
        if self.kept.len() > self.max {
            self.stride *= 2;
            let stride = self.stride;
            self.kept.retain(|_, (o, _)| o.is_multiple_of(stride));
        }
    }

    /// The kept epochs and the last one, in key order.
    fn finish(self) -> BTreeMap<u64, Vec<u128>> {
        let mut out: BTreeMap<u64, Vec<u128>> =
            self.kept.into_iter().map(|(k, (_, v))| (k, v)).collect();
        if let Some((key, _, sums)) = self.current {
            out.insert(key, sums);
        }
        out
    }
}

pub(super) fn validators_per_epoch_with(
    pq: &Path,
    stem: &str,
    chunk_rows: usize,
    max_epochs: usize,
) -> Result<Table, ReportError> {
    let frame_err = |source| ReportError::Frame {
        path: pq.to_path_buf(),
        source,
    };
    let names = parquet_column_names(pq).map_err(frame_err)?;
    let Some(key) = ["epoch", "height"]
        .into_iter()
        .find(|k| names.iter().any(|n| n == k))
    else {
        return Ok(Table::new(stem));
    };
    let mut wanted: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| {
            (n.contains("stake") && n.ends_with("_wei"))
                || n.contains("punish")
                || n.contains("jail")
        })
        .collect();
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
        let Some(ColumnData::U64(keys)) = chunk
            .columns
            .iter()
            .find(|c| c.name == key)
            .map(|c| &c.data)
        else {
            keyed = false;
            return ControlFlow::Break(());
        };
        let cols: Vec<&scenarios::Column> =
            chunk.columns.iter().filter(|c| c.name != key).collect();
        if kinds.is_empty() {
            kinds = cols
                .iter()
                .map(|c| (c.name.clone(), matches!(c.data, ColumnData::U64(_))))
                .collect();
        }
        for (row, k) in keys.iter().enumerate() {
            let values = cols.iter().map(|c| match &c.data {
                ColumnData::U64(v) => u128::from(v[row]),
                ColumnData::U128(v) => v[row],
                _ => 0,
            });
            sums.add(*k, values, cols.len());
        }
        ControlFlow::Continue(())
    })?;
    if !keyed {
        return Ok(Table::new(stem));
    }
    let sums = sums.finish();
    let mut t = Table::new(stem);
    t.push(key, ColumnData::U64(sums.keys().copied().collect()));
    for (i, (name, is_u64)) in kinds.iter().enumerate() {
        let column = sums.values().map(|v| v[i]);
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
    Ok(t)
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
        let col = |name: &str| match chunk.columns.iter().find(|c| c.name == name) {
            Some(scenarios::Column {
                data: ColumnData::U64(v),
                ..
            }) => Some(v),
            _ => None,
        };
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
