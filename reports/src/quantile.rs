//! Per-day quantiles across the Monte Carlo runs of a sweep, on exact integers.
//!
//! Definition (nearest rank): for `n` values sorted ascending `x_1 ≤ … ≤ x_n` and a percentile
//! `p` in 1..=100, the p-th percentile is `x_k` with `k = ceil(p·n / 100)` (so p50 of 4 values
//! is the 2nd, p95 of 20 values the 19th, p5 of 20 values the 1st). It is always one of the
//! values, exact to the wei, and needs no interpolation.
//!
//! Groups: runs are grouped by parameter point (`point_index`); within a point, the values of
//! day `d` of a column are those of every run of that point that has a row for day `d`, taken
//! in run index order (the order does not change a quantile, but it keeps the work deterministic).

use std::collections::BTreeMap;

use scenarios::{ColumnData, Float, Table};

/// The percentiles written for every numeric daily column.
pub const PERCENTILES: [u32; 3] = [5, 50, 95];
/// The most (point, day) rows a quantile table may hold.
pub const MAX_QUANTILE_ROWS: usize = 10_000_000;

/// A quantile problem.
#[derive(Debug, thiserror::Error)]
pub enum QuantileError {
    /// Runs of one point have daily tables with different numeric columns.
    #[error("run {run}: daily columns differ from the other runs of point {point}")]
    Columns {
        /// Run index.
        run: u64,
        /// Point index.
        point: u64,
    },
    /// A daily table has no `day` column of u64.
    #[error("run {0}: daily table has no u64 `day` column")]
    NoDay(u64),
    /// Too many rows.
    #[error("quantile table would exceed {MAX_QUANTILE_ROWS} rows")]
    TooLarge,
}

/// The nearest-rank `p`-th percentile (1..=100) of `sorted` (ascending); `None` if empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = u64::from(p.clamp(1, 100));
    let k = (p * n as u64).div_ceil(100).max(1);
    sorted
        .get(usize::try_from(k).ok()?.saturating_sub(1))
        .copied()
}

/// One run's daily table with where it belongs.
#[derive(Debug, Clone, Copy)]
pub struct RunDaily<'a> {
    /// Run index.
    pub run: u64,
    /// Parameter point.
    pub point: u64,
    /// Its daily table.
    pub daily: &'a Table,
}

/// The numeric (U64/U128) columns of `t` other than `day`, with whether each is U128.
fn numeric_columns(t: &Table) -> Vec<(&str, bool)> {
    t.columns
        .iter()
        .filter(|c| c.name != "day")
        .filter_map(|c| match c.data {
            ColumnData::U64(_) => Some((c.name.as_str(), false)),
            ColumnData::U128(_) => Some((c.name.as_str(), true)),
            _ => None,
        })
        .collect()
}

fn value(t: &Table, col: usize, row: usize) -> u128 {
    match &t.columns[col].data {
        ColumnData::U64(v) => u128::from(v[row]),
        ColumnData::U128(v) => v[row],
        _ => 0,
    }
}

/// The quantile table: columns `point_index`, `day`, `runs` (how many runs had that day), then
/// `<column>_p5`, `<column>_p50`, `<column>_p95` for every numeric daily column (same integer
/// type as the column; a `_wei` suffix stays last: `emission_wei` → `emission_p50_wei`).
/// Rows are ordered by point, then day. `runs` must be in run index order.
pub fn daily_quantiles(runs: &[RunDaily<'_>]) -> Result<Table, QuantileError> {
    let mut out = Table::new("daily_quantiles");
    let Some(first) = runs.first() else {
        return Ok(out);
    };
    let columns = numeric_columns(first.daily);
    // point → day → run positions (index into `runs`, row in its table)
    let mut by_point: BTreeMap<u64, BTreeMap<u64, Vec<(usize, usize)>>> = BTreeMap::new();
    let mut col_index: Vec<Vec<usize>> = Vec::with_capacity(runs.len());
    for (i, r) in runs.iter().enumerate() {
        let cols = numeric_columns(r.daily);
        if cols != columns {
            return Err(QuantileError::Columns {
                run: r.run,
                point: r.point,
            });
        }
        let days = r
            .daily
            .columns
            .iter()
            .find(|c| c.name == "day")
            .and_then(|c| match &c.data {
                ColumnData::U64(v) => Some(v),
                _ => None,
            })
            .ok_or(QuantileError::NoDay(r.run))?;
        col_index.push(
            columns
                .iter()
                .filter_map(|(n, _)| r.daily.columns.iter().position(|c| c.name == *n))
                .collect(),
        );
        let point = by_point.entry(r.point).or_default();
        for (row, d) in days.iter().enumerate() {
            point.entry(*d).or_default().push((i, row));
        }
    }
    let rows: usize = by_point.values().map(BTreeMap::len).sum();
    if rows > MAX_QUANTILE_ROWS {
        return Err(QuantileError::TooLarge);
    }
    let mut point_col = Vec::with_capacity(rows);
    let mut day_col = Vec::with_capacity(rows);
    let mut runs_col = Vec::with_capacity(rows);
    let mut q: Vec<[Vec<u128>; 3]> = (0..columns.len()).map(|_| Default::default()).collect();
    let mut moments: Vec<(Vec<Float>, Vec<Float>)> = vec![Default::default(); columns.len()];
    let mut scratch = Vec::new();
    for (point, days) in &by_point {
        for (day, members) in days {
            point_col.push(*point);
            day_col.push(*day);
            runs_col.push(members.len() as u64);
            for (c, out) in q.iter_mut().enumerate() {
                scratch.clear();
                scratch.extend(
                    members
                        .iter()
                        .map(|&(i, row)| value(runs[i].daily, col_index[i][c], row)),
                );
                scratch.sort_unstable();
                for (slot, p) in out.iter_mut().zip(PERCENTILES) {
                    slot.push(nearest_rank(&scratch, p).unwrap_or(0));
                }
                let (mean, sd) = mean_sd(&scratch);
                moments[c].0.push(Float(mean));
                moments[c].1.push(Float(sd));
            }
        }
    }
    out.push("point_index", ColumnData::U64(point_col));
    out.push("day", ColumnData::U64(day_col));
    out.push("runs", ColumnData::U64(runs_col));
    for (((name, wide), values), (mean, sd)) in columns.iter().zip(q).zip(moments) {
        for (p, v) in PERCENTILES.iter().zip(values) {
            let qname = quantile_column(name, *p);
            let data = if *wide {
                ColumnData::U128(v)
            } else {
                // Values came from u64 columns, so they fit.
                ColumnData::U64(
                    v.into_iter()
                        .map(|x| u64::try_from(x).unwrap_or(u64::MAX))
                        .collect(),
                )
            };
            out.push(&qname, data);
        }
        out.push(&stat_column(name, "mean"), ColumnData::F64(mean));
        out.push(&stat_column(name, "sd"), ColumnData::F64(sd));
    }
    Ok(out)
}

/// Mean and sample standard deviation (0 for one value) of ascending `x`: the sum is exact,
/// the rest is f64 in a fixed order, so the floats are the same on every run and thread count.
fn mean_sd(x: &[u128]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    // Values of one column over at most a million runs: the sum fits in u128.
    let n = x.len() as f64;
    let mean = x.iter().sum::<u128>() as f64 / n;
    if x.len() < 2 {
        return (mean, 0.0);
    }
    let squares: f64 = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

/// The name of the `p`-th percentile column of `column` (units stay last).
pub fn quantile_column(column: &str, p: u32) -> String {
    stat_column(column, &format!("p{p}"))
}

/// The name of statistic `stat` (p50, mean, sd) of `column`: units stay last
/// (`emission_wei` → `emission_mean_wei`).
pub fn stat_column(column: &str, stat: &str) -> String {
    for unit in ["_wei", "_ms", "_bps", "_ppm"] {
        if let Some(stem) = column.strip_suffix(unit) {
            return format!("{stem}_{stat}{unit}");
        }
    }
    format!("{column}_{stat}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_known_data() {
        let v: Vec<u128> = (1..=20).collect();
        assert_eq!(nearest_rank(&v, 5), Some(1));
        assert_eq!(nearest_rank(&v, 50), Some(10));
        assert_eq!(nearest_rank(&v, 95), Some(19));
        assert_eq!(nearest_rank(&v, 100), Some(20));
        assert_eq!(nearest_rank(&[7_u128], 5), Some(7));
        assert_eq!(nearest_rank(&[1_u128, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1_u128, 2, 3, 4], 51), Some(3));
        assert_eq!(nearest_rank::<u128>(&[], 50), None);
        // Exact beyond f64 precision.
        let big = [u128::MAX - 2, u128::MAX - 1, u128::MAX];
        assert_eq!(nearest_rank(&big, 50), Some(u128::MAX - 1));
    }

    fn daily(days: &[u64], x: &[u128], n: &[u64]) -> Table {
        let mut t = Table::new("daily");
        t.push("day", ColumnData::U64(days.to_vec()));
        t.push("x_wei", ColumnData::U128(x.to_vec()));
        t.push("count", ColumnData::U64(n.to_vec()));
        t.push("flag", ColumnData::Bool(vec![false; days.len()]));
        t
    }

    #[test]
    fn per_point_per_day_quantiles() {
        // Point 0: 20 runs with x = run+1 on day 0 and 2·(run+1) on day 1; point 1: one run.
        let tables: Vec<Table> = (0..20_u128)
            .map(|r| daily(&[0, 1], &[r + 1, 2 * (r + 1)], &[r as u64, 0]))
            .chain([daily(&[0], &[5], &[9])])
            .collect();
        let runs: Vec<RunDaily<'_>> = tables
            .iter()
            .enumerate()
            .map(|(i, t)| RunDaily {
                run: i as u64,
                point: u64::from(i == 20),
                daily: t,
            })
            .collect();
        let q = daily_quantiles(&runs).unwrap();
        let names: Vec<&str> = q.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "point_index",
                "day",
                "runs",
                "x_p5_wei",
                "x_p50_wei",
                "x_p95_wei",
                "x_mean_wei",
                "x_sd_wei",
                "count_p5",
                "count_p50",
                "count_p95",
                "count_mean",
                "count_sd"
            ]
        );
        assert_eq!(q.rows(), 3);
        assert_eq!(q.columns[0].data, ColumnData::U64(vec![0, 0, 1]));
        assert_eq!(q.columns[2].data, ColumnData::U64(vec![20, 20, 1]));
        assert_eq!(q.columns[3].data, ColumnData::U128(vec![1, 2, 5]));
        assert_eq!(q.columns[4].data, ColumnData::U128(vec![10, 20, 5]));
        assert_eq!(q.columns[5].data, ColumnData::U128(vec![19, 38, 5]));
        assert_eq!(q.columns[9].data, ColumnData::U64(vec![9, 0, 9]));
        // Mean and sample sd of 1..=20: 10.5 and √35 = 5.916…; one run: sd 0.
        let ColumnData::F64(mean) = &q.columns[6].data else {
            panic!("mean is a float");
        };
        let ColumnData::F64(sd) = &q.columns[7].data else {
            panic!("sd is a float");
        };
        assert!((mean[0].0 - 10.5).abs() < 1e-12 && (mean[1].0 - 21.0).abs() < 1e-12);
        assert!((sd[0].0 - 35_f64.sqrt()).abs() < 1e-12);
        assert!(sd[2].0.abs() < f64::MIN_POSITIVE);
    }

    #[test]
    fn mismatched_columns_are_refused() {
        let a = daily(&[0], &[1], &[1]);
        let mut b = Table::new("daily");
        b.push("day", ColumnData::U64(vec![0]));
        let runs = [
            RunDaily {
                run: 0,
                point: 0,
                daily: &a,
            },
            RunDaily {
                run: 1,
                point: 0,
                daily: &b,
            },
        ];
        assert!(matches!(
            daily_quantiles(&runs),
            Err(QuantileError::Columns { run: 1, .. })
        ));
    }
}
