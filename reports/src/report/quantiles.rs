//! Per-day Monte Carlo quantiles of a sweep, per parameter point, read from each run's files
//! (a range of days at a time for long points).

use std::path::{Path, PathBuf};

use scenarios::{ColumnData, Table};

use super::error::*;
use super::read::*;
use crate::frame::{parquet_column_names, parquet_row_count, read_parquet_slice};
use crate::layout::RunManifest;
use crate::quantile::{RunDaily, daily_quantiles};

/// The most table cells of one parameter point held in memory for quantiles when its tables
/// cannot be read by day ranges (no Parquet, or days that are not one row each from day 0).
pub const MAX_POINT_CELLS: usize = 200_000_000;

/// The table cells of one parameter point read at a time for quantiles: longer sweeps (many
/// seeds × long horizons) are read a range of days at a time from every run's Parquet file.
pub const QUANTILE_CHUNK_CELLS: usize = 16_000_000;

/// Per-day tables of the runs (`daily` and `<name>_daily`, with a `day` column), from the
/// first run's manifest, in name order.
pub(super) fn daily_stems(manifests: &[(PathBuf, RunManifest)]) -> Vec<String> {
    manifests.first().map_or_else(Vec::new, |(_, m)| {
        m.files
            .keys()
            .filter_map(|f| f.strip_suffix(".csv"))
            .filter(|s| *s == "daily" || s.ends_with("_daily"))
            .map(str::to_owned)
            .collect()
    })
}

/// Quantiles of table `stem` over the runs of each point (runs of a point are contiguous in
/// index order); points whose columns differ from the first point's are returned apart.
pub(super) fn sweep_quantiles(
    dir: &Path,
    manifests: &[(PathBuf, RunManifest)],
    stem: &str,
) -> Result<(Option<Table>, Vec<u64>), ReportError> {
    sweep_quantiles_with(dir, manifests, stem, QUANTILE_CHUNK_CELLS)
}

/// The quantiles of one point's per-day tables `(run, table)` (tables without rows add
/// nothing); `None` if no run has a row.
pub(super) fn point_quantiles(
    tables: &[(u64, Table)],
    point: u64,
) -> Result<Option<Table>, ReportError> {
    let runs: Vec<RunDaily<'_>> = tables
        .iter()
        .filter(|(_, t)| t.rows() > 0)
        .map(|(run, t)| RunDaily {
            run: *run,
            point,
            daily: t,
        })
        .collect();
    if runs.is_empty() {
        return Ok(None);
    }
    Ok(Some(daily_quantiles(&runs)?))
}

/// One run's per-day Parquet file.
pub(super) struct RunParquet {
    run: u64,
    path: PathBuf,
    rows: usize,
    columns: Vec<String>,
}

/// Each run's `<stem>.parquet` of one point with its rows and columns, if every run has one.
pub(super) fn point_parquets(
    runs: &[(PathBuf, RunManifest)],
    stem: &str,
) -> Result<Option<Vec<RunParquet>>, ReportError> {
    let mut out = Vec::new();
    for (rdir, rm) in runs {
        let pq = rdir.join(format!("{stem}.parquet"));
        if !pq.is_file() {
            return Ok(None);
        }
        let frame_err = |source| ReportError::Frame {
            path: pq.clone(),
            source,
        };
        let rows = parquet_row_count(&pq).map_err(frame_err)?;
        let names = parquet_column_names(&pq).map_err(frame_err)?;
        out.push(RunParquet {
            run: rm.run_index,
            path: pq,
            rows,
            columns: names,
        });
    }
    Ok(Some(out))
}

/// One point's quantiles computed a range of days at a time, or `None` if its tables cannot be
/// read that way (then the caller loads them whole).
pub(super) fn chunked_point_quantiles(
    parquets: &[RunParquet],
    stem: &str,
    point: u64,
    budget_cells: usize,
) -> Result<Option<Table>, ReportError> {
    let max_rows = parquets.iter().map(|p| p.rows).max().unwrap_or(0);
    let width: usize = parquets
        .iter()
        .map(|p| p.columns.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let days_per_chunk = (budget_cells / parquets.len().max(1) / width).max(1);
    let mut out: Option<Table> = None;
    let mut first_day = 0;
    while first_day < max_rows {
        let mut tables = Vec::with_capacity(parquets.len());
        for RunParquet {
            run,
            path: pq,
            columns: names,
            ..
        } in parquets
        {
            let wanted: Vec<&str> = names.iter().map(String::as_str).collect();
            let t = read_parquet_slice(pq, stem, &wanted, first_day, days_per_chunk).map_err(
                |source| ReportError::Frame {
                    path: pq.clone(),
                    source,
                },
            )?;
            // Row i must be day first_day + i, or day ranges would split a day across chunks.
            let days_in_order = match t.columns.iter().find(|c| c.name == "day").map(|c| &c.data) {
                Some(ColumnData::U64(d)) => d
                    .iter()
                    .enumerate()
                    .all(|(i, &day)| day == (first_day + i) as u64),
                _ => false,
            };
            if !days_in_order {
                return Ok(None);
            }
            tables.push((*run, t));
        }
        if let Some(q) = point_quantiles(&tables, point)? {
            out = match out {
                None => Some(q),
                Some(acc) => Some(append_rows(acc, q).map_err(|message| ReportError::Bad {
                    path: parquets[0].path.clone(),
                    message,
                })?),
            };
        }
        first_day += days_per_chunk;
    }
    Ok(out)
}

pub(super) fn sweep_quantiles_with(
    dir: &Path,
    manifests: &[(PathBuf, RunManifest)],
    stem: &str,
    budget_cells: usize,
) -> Result<(Option<Table>, Vec<u64>), ReportError> {
    let mut quantiles: Option<Table> = None;
    let mut skipped = Vec::new();
    let mut start = 0;
    while start < manifests.len() {
        let point = manifests[start].1.point_index;
        let end = start
            + manifests[start..]
                .iter()
                .take_while(|(_, r)| r.point_index == point)
                .count();
        let point_runs = &manifests[start..end];
        start = end;
        // Large points are read a range of days at a time, so memory stays within the budget
        // whatever the number of seeds and the horizon.
        let mut q = None;
        if let Some(parquets) = point_parquets(point_runs, stem)? {
            let cells: usize = parquets
                .iter()
                .map(|p| p.rows.saturating_mul(p.columns.len()))
                .fold(0, usize::saturating_add);
            if cells > budget_cells {
                q = chunked_point_quantiles(&parquets, stem, point, budget_cells)?;
            }
        }
        if q.is_none() {
            let mut tables = Vec::new();
            let mut cells = 0_usize;
            for (rdir, rm) in point_runs {
                if let Some(t) = load_table(rdir, stem)? {
                    cells = cells.saturating_add(t.rows().saturating_mul(t.columns.len()));
                    if cells > MAX_POINT_CELLS {
                        return Err(ReportError::Bad {
                            path: rdir.clone(),
                            message: format!(
                                "{stem} tables of point {point} exceed {MAX_POINT_CELLS} cells"
                            ),
                        });
                    }
                    tables.push((rm.run_index, t));
                }
            }
            q = point_quantiles(&tables, point)?;
        }
        if let Some(q) = q {
            quantiles = match quantiles {
                None => Some(q),
                Some(acc) if acc.same_columns(&q) => {
                    Some(append_rows(acc, q).map_err(|message| ReportError::Bad {
                        path: dir.to_path_buf(),
                        message,
                    })?)
                }
                Some(acc) => {
                    // A swept parameter changed the columns: keep the sweep usable.
                    skipped.push(point);
                    Some(acc)
                }
            };
        }
    }
    Ok((quantiles, skipped))
}

/// `b`'s rows appended to `a` (same column names and types, else an error naming the cause).
pub(super) fn append_rows(mut a: Table, b: Table) -> Result<Table, String> {
    if a.append(b) {
        Ok(a)
    } else {
        Err("parameter points have different daily columns".into())
    }
}
