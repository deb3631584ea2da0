//! The report's charts, built from tables by column name: each renders only when its input
//! columns are present, so new tables light up charts without code changes here.
//!
//! Recognised inputs (any table unless named):
//! - supply breakdown (`daily`): `circulating_wei`, `locked_*_wei`, `pool_remaining_wei` or
//!   `mining_pool_wei`, `burned_total_wei`; with only the schedule columns: pool, cumulative
//!   emission, cumulative vesting and the rest of the 500M (liquid at genesis + unvested);
//! - emission and burns (`daily`): `emission_wei`, `burned_*_wei` (not `burned_total_wei`),
//!   halvings marked where `emission_wei` halves exactly;
//! - reward split (`daily`): every `*_paid_wei`, stacked;
//! - super-node votes (`daily`): `locked_votes_wei`, `votes_cast_wei`, `votes_released_wei`,
//!   `super_nodes`; turnover from a long `elections` table (`term`, `node`, `elected`: elected
//!   and newly elected per term), else its columns containing `turnover` or starting `new_`;
//! - validators (`validators` or `epochs`, rows summed per `epoch`, else per `height`):
//!   `*stake*_wei`, `*punish*`, `*jail*`;
//! - blocks per day (`chain_daily`): `canonical_blocks`, `in_turn`, `out_of_turn`, `missed_turns`;
//! - block intervals (`blocks`): `interval_ms`, else `time_ms` minus the parent's (`block_id`,
//!   `parent_id`), else successive `time_ms` differences;
//! - forks and reorgs: a depth histogram from `depth` of a `reorgs` table (one row per reorg)
//!   or `depth`, `reorgs` of a `reorg_depths` table (counts per depth); per day `reorgs`,
//!   `fork_heights` and `deepest_reorg` of `chain_daily` (or `daily`);
//! - Monte Carlo fans (`daily_quantiles`): every `<col>_p5/_p50/_p95` triple, one band per point.

use std::collections::{BTreeMap, BTreeSet};

use scenarios::{ColumnData, Table};

use crate::chart::{Band, Chart, ChartKind, NumberFormat, Series};
use crate::frame::{WEI_PER_DCC, wei_to_dcc};
use crate::quantile::{nearest_rank, quantile_column};

/// Total supply in wei (SPEC §4.1: 500M DCC), for the "rest of supply" area of the schedule.
const TOTAL_SUPPLY_WEI: u128 = 500_000_000 * WEI_PER_DCC;
/// Above this horizon the x axis is in years instead of days.
const YEARS_AFTER_DAYS: u64 = 730;
/// Most histogram bins.
const MAX_BINS: u64 = 60;
/// Most fan charts a sweep report draws.
pub const MAX_FAN_CHARTS: usize = 40;

/// A column's values as exact integers (u64 widened), if it is numeric.
fn ints(t: &Table, name: &str) -> Option<Vec<u128>> {
    let c = t.columns.iter().find(|c| c.name == name)?;
    match &c.data {
        ColumnData::U64(v) => Some(v.iter().map(|&x| u128::from(x)).collect()),
        ColumnData::U128(v) => Some(v.clone()),
        _ => None,
    }
}

fn has(t: &Table, name: &str) -> bool {
    t.columns.iter().any(|c| c.name == name)
}

fn names(t: &Table, keep: impl Fn(&str) -> bool) -> Vec<&str> {
    t.columns
        .iter()
        .filter(|c| matches!(c.data, ColumnData::U64(_) | ColumnData::U128(_)))
        .map(|c| c.name.as_str())
        .filter(|n| keep(n))
        .collect()
}

/// Plot value of an exact integer: DCC for `*_wei`, the number otherwise.
fn plot_value(name: &str, v: u128) -> f64 {
    if name.ends_with("_wei") {
        wei_to_dcc(v)
    } else {
        v as f64
    }
}

/// A readable label for a column: `burned_pre_election_wei` → `burned pre election`.
pub fn label(name: &str) -> String {
    let stem = ["_wei", "_ms", "_bps"]
        .iter()
        .find_map(|u| name.strip_suffix(u))
        .unwrap_or(name);
    stem.replace('_', " ")
}

/// X axis of a daily table: (x values, label), in years after two years.
fn day_axis(t: &Table) -> Option<(Vec<f64>, String)> {
    let days = ints(t, "day")?;
    let last = days.last().copied().unwrap_or(0);
    if last > u128::from(YEARS_AFTER_DAYS) {
        Some((
            days.iter().map(|&d| d as f64 / 365.0).collect(),
            "years since genesis (365 days)".into(),
        ))
    } else {
        Some((days.iter().map(|&d| d as f64).collect(), "day".into()))
    }
}

fn series(t: &Table, x: &[f64], name: &str, legend: String) -> Option<Series> {
    let v = ints(t, name)?;
    Some(Series {
        name: legend,
        points: x
            .iter()
            .zip(&v)
            .map(|(&x, &y)| (x, plot_value(name, y)))
            .collect(),
    })
}

fn chart(id: &str, title: &str, x_label: String, y_label: &str, kind: ChartKind) -> Chart {
    Chart {
        id: id.into(),
        title: title.into(),
        x_label,
        y_label: y_label.into(),
        kind,
        markers: Vec::new(),
        y_format: NumberFormat::Si,
    }
}

fn supply_breakdown(daily: &Table) -> Option<Chart> {
    let (x, xl) = day_axis(daily)?;
    let pool = ["pool_remaining_wei", "mining_pool_wei"]
        .into_iter()
        .find(|n| has(daily, n));
    let mut s = Vec::new();
    if has(daily, "circulating_wei") {
        s.extend(series(daily, &x, "circulating_wei", "circulating".into()));
        for n in names(daily, |n| n.starts_with("locked_") && n.ends_with("_wei")) {
            s.extend(series(daily, &x, n, label(n)));
        }
        if let Some(p) = pool {
            s.extend(series(daily, &x, p, "mining pool".into()));
        }
        s.extend(series(daily, &x, "burned_total_wei", "burned".into()));
    } else {
        let (p, e, v) = (
            ints(daily, pool?)?,
            ints(daily, "emission_cumulative_wei")?,
            ints(daily, "vested_cumulative_wei")?,
        );
        let rest: Vec<u128> = p
            .iter()
            .zip(&e)
            .zip(&v)
            .map(|((p, e), v)| {
                TOTAL_SUPPLY_WEI
                    .saturating_sub(*p)
                    .saturating_sub(*e)
                    .saturating_sub(*v)
            })
            .collect();
        let mk = |name: &str, vals: &[u128]| Series {
            name: name.into(),
            points: x
                .iter()
                .zip(vals)
                .map(|(&x, &y)| (x, wei_to_dcc(y)))
                .collect(),
        };
        s.push(mk("emitted (cumulative)", &e));
        s.push(mk("vested (cumulative)", &v));
        s.push(mk("liquid at genesis + unvested", &rest));
        s.push(mk("mining pool", &p));
    }
    (!s.is_empty()).then(|| {
        chart(
            "supply_breakdown",
            "Supply breakdown",
            xl,
            "DCC",
            ChartKind::Stacked(s),
        )
    })
}

fn emission_and_burns(daily: &Table) -> Option<Chart> {
    let (x, xl) = day_axis(daily)?;
    let mut s = Vec::new();
    let mut markers = Vec::new();
    if let Some(e) = ints(daily, "emission_wei") {
        s.extend(series(daily, &x, "emission_wei", "emission".into()));
        let mut k = 0;
        for i in 1..e.len() {
            if e[i] > 0 && e[i] == e[i - 1] >> 1 {
                k += 1;
                markers.push((x[i], format!("halving {k}")));
            }
        }
    }
    for n in names(daily, |n| {
        n.starts_with("burned_") && n.ends_with("_wei") && n != "burned_total_wei"
    }) {
        s.extend(series(daily, &x, n, label(n)));
    }
    if s.is_empty() {
        return None;
    }
    let mut c = chart(
        "emission_burns",
        "Daily emission and burns",
        xl,
        "DCC per day",
        ChartKind::Lines(s),
    );
    c.markers = markers;
    Some(c)
}

fn reward_split(daily: &Table) -> Option<Chart> {
    let (x, xl) = day_axis(daily)?;
    let s: Vec<Series> = names(daily, |n| n.ends_with("_paid_wei"))
        .into_iter()
        .filter_map(|n| series(daily, &x, n, label(n)))
        .collect();
    (!s.is_empty()).then(|| {
        chart(
            "reward_split",
            "Rewards paid per day by category",
            xl,
            "DCC per day",
            ChartKind::Stacked(s),
        )
    })
}

fn votes(daily: &Table) -> Vec<Chart> {
    let mut out = Vec::new();
    let Some((x, xl)) = day_axis(daily) else {
        return out;
    };
    let s: Vec<Series> = ["locked_votes_wei", "votes_cast_wei", "votes_released_wei"]
        .into_iter()
        .filter_map(|n| series(daily, &x, n, label(n)))
        .collect();
    if !s.is_empty() {
        out.push(chart(
            "super_node_votes",
            "Super-node votes",
            xl.clone(),
            "DCC",
            ChartKind::Lines(s),
        ));
    }
    if let Some(s) = series(daily, &x, "super_nodes", "super nodes in office".into()) {
        let mut c = chart(
            "super_nodes",
            "Super nodes in office",
            xl,
            "nodes",
            ChartKind::Lines(vec![s]),
        );
        c.y_format = NumberFormat::Integer;
        out.push(c);
    }
    out
}

/// Sums the numeric columns `cols` of `t` per value of the key column (sorted by key).
fn per_key(t: &Table, key: &str, cols: &[&str]) -> Option<(Vec<f64>, Vec<Series>)> {
    let k = ints(t, key)?;
    let mut sums: BTreeMap<u128, Vec<u128>> = BTreeMap::new();
    let vals: Vec<Vec<u128>> = cols.iter().filter_map(|c| ints(t, c)).collect();
    for (row, key) in k.iter().enumerate() {
        let e = sums.entry(*key).or_insert_with(|| vec![0; vals.len()]);
        for (s, v) in e.iter_mut().zip(&vals) {
            *s = s.saturating_add(v[row]);
        }
    }
    let x: Vec<f64> = sums.keys().map(|&k| k as f64).collect();
    let series = cols
        .iter()
        .enumerate()
        .map(|(i, c)| Series {
            name: label(c),
            points: sums
                .iter()
                .map(|(k, v)| (*k as f64, plot_value(c, v[i])))
                .collect(),
        })
        .collect();
    Some((x, series))
}

fn validators(t: &Table) -> Vec<Chart> {
    let mut out = Vec::new();
    let stake = names(t, |n| n.contains("stake") && n.ends_with("_wei"));
    let punish = names(t, |n| n.contains("punish") || n.contains("jail"));
    for (id, title, cols, unit) in [
        (
            "validator_stake",
            "Validator stake per epoch (all validators)",
            stake,
            "DCC",
        ),
        (
            "validator_punishments",
            "Punishments and jailings per epoch (all validators)",
            punish,
            "count",
        ),
    ] {
        if cols.is_empty() {
            continue;
        }
        let Some(key) = ["epoch", "height"].into_iter().find(|k| has(t, k)) else {
            continue;
        };
        if let Some((_, s)) = per_key(t, key, &cols) {
            let xl = if key == "height" {
                "block height of the epoch boundary".to_owned()
            } else {
                key.to_owned()
            };
            out.push(chart(id, title, xl, unit, ChartKind::Lines(s)));
        }
    }
    out
}

fn histogram(id: &str, title: &str, x_label: &str, values: &[u128], width: u128) -> Chart {
    histogram_counted(id, title, x_label, values.iter().map(|&v| (v, 1)), width)
}

/// A histogram of `(value, how many times)` pairs.
fn histogram_counted(
    id: &str,
    title: &str,
    x_label: &str,
    values: impl Iterator<Item = (u128, u64)>,
    width: u128,
) -> Chart {
    let width = width.max(1);
    let mut bins: BTreeMap<u128, u64> = BTreeMap::new();
    let cap = u128::from(MAX_BINS - 1);
    for (v, n) in values {
        let bin = bins.entry((v / width).min(cap)).or_default();
        *bin = bin.saturating_add(n);
    }
    let scale = |b: u128| (b * width) as f64;
    let mut c = chart(
        id,
        title,
        x_label.into(),
        "count",
        ChartKind::Histogram(
            bins.iter()
                .map(|(&b, &n)| (scale(b), scale(b + 1), n))
                .collect(),
        ),
    );
    c.y_format = NumberFormat::Integer;
    c
}

/// Block intervals: from a counted table (`interval_ms` with `blocks`, as the report reads long
/// block tables), from `interval_ms`, or from each block's time minus its parent's.
fn block_intervals(blocks: &Table) -> Option<Chart> {
    let counted: Vec<(u128, u64)> =
        if let (Some(ms), Some(n)) = (ints(blocks, "interval_ms"), ints(blocks, "blocks")) {
            ms.into_iter()
                .zip(n)
                .map(|(v, n)| (v, u64::try_from(n).unwrap_or(u64::MAX)))
                .collect()
        } else {
            block_interval_values(blocks)?
                .into_iter()
                .map(|v| (v, 1))
                .collect()
        };
    let total: u64 = counted.iter().map(|(_, n)| *n).sum();
    if total == 0 {
        return None;
    }
    // Whole seconds per bin, or finer when every interval is short.
    let max = counted.iter().map(|(v, _)| *v).max().unwrap_or(0);
    let width = (max / u128::from(MAX_BINS)).max(if max < 10_000 { 100 } else { 1_000 });
    let mut c = histogram_counted(
        "block_intervals",
        "Block interval histogram",
        "interval to the parent block (s)",
        counted.into_iter(),
        width,
    );
    c.title = format!("Block interval histogram ({total} blocks)");
    if let ChartKind::Histogram(bins) = &mut c.kind {
        for b in bins.iter_mut() {
            *b = (b.0 / 1000.0, b.1 / 1000.0, b.2);
        }
    }
    Some(c)
}

/// Each block's interval to its parent, from the columns a blocks table has.
fn block_interval_values(blocks: &Table) -> Option<Vec<u128>> {
    Some(if let Some(v) = ints(blocks, "interval_ms") {
        v
    } else if let (Some(id), Some(parent), Some(t)) = (
        ints(blocks, "block_id"),
        ints(blocks, "parent_id"),
        ints(blocks, "time_ms"),
    ) {
        // Each block's time minus its parent's, for every block whose parent is in the table.
        let mut time_of: Vec<(u128, u128)> = id.iter().copied().zip(t.iter().copied()).collect();
        time_of.sort_unstable();
        let parent_time = |p: &u128| {
            time_of
                .binary_search_by_key(p, |e| e.0)
                .ok()
                .map(|i| time_of[i].1)
        };
        id.iter()
            .zip(&parent)
            .zip(&t)
            .filter(|((i, p), _)| i != p)
            .filter_map(|((_, p), t)| parent_time(p).map(|pt| t.saturating_sub(pt)))
            .collect()
    } else {
        let t = ints(blocks, "time_ms")?;
        t.windows(2).map(|w| w[1].saturating_sub(w[0])).collect()
    })
}

fn forks(tables: &[Table]) -> Vec<Chart> {
    let mut out = Vec::new();
    let find = |n: &str| tables.iter().find(|t| t.name == n);
    if let Some(r) = find("reorgs")
        && let Some(d) = ints(r, "depth")
    {
        out.push(histogram(
            "reorg_depth",
            "Reorganisation depth",
            "depth (blocks)",
            &d,
            1,
        ));
    } else if let Some(r) = find("reorg_depths")
        && let (Some(d), Some(n)) = (ints(r, "depth"), ints(r, "reorgs"))
    {
        // Already a histogram: reorgs per depth.
        let bins: Vec<(f64, f64, u64)> = d
            .iter()
            .zip(&n)
            .filter(|(_, n)| **n > 0)
            .map(|(&d, &n)| {
                (
                    d as f64,
                    d as f64 + 1.0,
                    u64::try_from(n).unwrap_or(u64::MAX),
                )
            })
            .collect();
        if !bins.is_empty() {
            let mut c = chart(
                "reorg_depth",
                "Reorganisation depth (all nodes)",
                "depth (blocks)".into(),
                "reorganisations",
                ChartKind::Histogram(bins),
            );
            c.y_format = NumberFormat::Si;
            out.push(c);
        }
    }
    let Some(daily) = find("chain_daily")
        .filter(|t| has(t, "reorgs"))
        .or_else(|| find("daily"))
    else {
        return out;
    };
    let Some((x, xl)) = day_axis(daily) else {
        return out;
    };
    for (id, title, cols, unit) in [
        (
            "forks_reorgs",
            "Forks and reorganisations per day",
            ["reorgs", "fork_heights"].as_slice(),
            "count",
        ),
        (
            "deepest_reorg",
            "Deepest reorganisation per day",
            ["deepest_reorg"].as_slice(),
            "depth (blocks)",
        ),
    ] {
        let s: Vec<Series> = cols
            .iter()
            .filter_map(|n| series(daily, &x, n, label(n)))
            .collect();
        if !s.is_empty() {
            let mut c = chart(id, title, xl.clone(), unit, ChartKind::Lines(s));
            c.y_format = NumberFormat::Integer;
            out.push(c);
        }
    }
    out
}

/// Elected and newly elected super nodes per term from a long `elections` table (one row per
/// candidate: `term`, `node`, `elected`).
fn elected_per_term(t: &Table) -> Option<Chart> {
    let term = ints(t, "term")?;
    let node = ints(t, "node")?;
    let elected = t
        .columns
        .iter()
        .find(|c| c.name == "elected")
        .and_then(|c| match &c.data {
            ColumnData::Bool(v) => Some(v),
            _ => None,
        })?;
    let mut winners: BTreeMap<u128, BTreeSet<u128>> = BTreeMap::new();
    for i in 0..term.len() {
        let e = winners.entry(term[i]).or_default();
        if elected[i] {
            e.insert(node[i]);
        }
    }
    let mut prev: Option<&BTreeSet<u128>> = None;
    let (mut all, mut new) = (Vec::new(), Vec::new());
    for (k, w) in &winners {
        let x = *k as f64;
        all.push((x, w.len() as f64));
        let fresh = prev.map_or(w.len(), |p| w.difference(p).count());
        new.push((x, fresh as f64));
        prev = Some(w);
    }
    let mut c = chart(
        "super_node_turnover",
        "Super nodes elected per term and turnover",
        "term".into(),
        "nodes",
        ChartKind::Lines(vec![
            Series {
                name: "elected".into(),
                points: all,
            },
            Series {
                name: "newly elected (not elected the term before)".into(),
                points: new,
            },
        ]),
    );
    c.y_format = NumberFormat::Integer;
    Some(c)
}

fn turnover(t: &Table) -> Option<Chart> {
    if let Some(c) = elected_per_term(t) {
        return Some(c);
    }
    let key = ["term", "election", "epoch"]
        .into_iter()
        .find(|k| has(t, k))?;
    let cols = names(t, |n| n.contains("turnover") || n.starts_with("new_"));
    if cols.is_empty() {
        return None;
    }
    let (_, s) = per_key(t, key, &cols)?;
    let mut c = chart(
        "super_node_turnover",
        "Super-node turnover per term",
        key.into(),
        "nodes",
        ChartKind::Lines(s),
    );
    c.y_format = NumberFormat::Integer;
    Some(c)
}

fn blocks_per_day(t: &Table) -> Option<Chart> {
    let (x, xl) = day_axis(t)?;
    let s: Vec<Series> = [
        ("canonical_blocks", "canonical"),
        ("in_turn", "in turn"),
        ("out_of_turn", "out of turn"),
        ("missed_turns", "missed turns"),
    ]
    .into_iter()
    .filter_map(|(n, l)| series(t, &x, n, l.into()))
    .collect();
    (!s.is_empty()).then(|| {
        let mut c = chart(
            "blocks_per_day",
            "Blocks per day",
            xl,
            "blocks",
            ChartKind::Lines(s),
        );
        c.y_format = NumberFormat::Integer;
        c
    })
}

/// Every chart the run's tables support, in report order.
pub fn run_charts(tables: &[Table]) -> Vec<Chart> {
    let mut out = Vec::new();
    let find = |n: &str| tables.iter().find(|t| t.name == n);
    if let Some(d) = find("daily") {
        out.extend(supply_breakdown(d));
        out.extend(emission_and_burns(d));
        out.extend(reward_split(d));
        out.extend(votes(d));
    }
    if let Some(e) = find("elections") {
        out.extend(turnover(e));
    }
    if let Some(v) = find("validators").or_else(|| find("epochs")) {
        out.extend(validators(v));
    }
    if let Some(c) = find("chain_daily") {
        out.extend(blocks_per_day(c));
    }
    if let Some(b) = find("blocks") {
        out.extend(block_intervals(b));
    }
    out.extend(forks(tables));
    out
}

/// One fan chart per numeric daily column of a `daily_quantiles` table (at most
/// [`MAX_FAN_CHARTS`]); `point_label` names each parameter point in the legend.
pub fn fan_charts(q: &Table, point_label: impl Fn(u64) -> String) -> Vec<Chart> {
    let Some((x, xl)) = day_axis(q) else {
        return Vec::new();
    };
    let Some(points) = ints(q, "point_index") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in &q.columns {
        let p50 = &c.name;
        let Some(base) = fan_base(p50) else { continue };
        let (Some(lo), Some(mid), Some(hi)) = (
            ints(q, &quantile_column(&base, 5)),
            ints(q, p50),
            ints(q, &quantile_column(&base, 95)),
        ) else {
            continue;
        };
        if hi.iter().all(|&v| v == 0) {
            // A column that is zero in every run (e.g. a category this scenario never pays).
            continue;
        }
        let mut bands: BTreeMap<u128, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
        for i in 0..x.len() {
            bands.entry(points[i]).or_default().push((
                x[i],
                plot_value(&base, lo[i]),
                plot_value(&base, mid[i]),
                plot_value(&base, hi[i]),
            ));
        }
        let unit = if base.ends_with("_wei") {
            "DCC".to_owned()
        } else if base.ends_with("_ms") {
            "ms".to_owned()
        } else {
            label(&base)
        };
        out.push(chart(
            &format!("fan_{base}"),
            &format!("{} across Monte Carlo runs", label(&base)),
            xl.clone(),
            &unit,
            ChartKind::Fan(
                bands
                    .into_iter()
                    .map(|(p, points)| Band {
                        name: point_label(u64::try_from(p).unwrap_or(u64::MAX)),
                        points,
                    })
                    .collect(),
            ),
        ));
        if out.len() >= MAX_FAN_CHARTS {
            break;
        }
    }
    out
}

/// One chart per numeric summary column of a sweep: per parameter point (x), the p50 of its
/// runs as a line and their p5 to p95 as a band. `exclude` names columns that are not results
/// (swept parameters); `run_index`, `point_index` and `seed` are never charted.
pub fn summary_charts(summary: &Table, exclude: &[String]) -> Vec<Chart> {
    let Some(points) = ints(summary, "point_index") else {
        return Vec::new();
    };
    let skip = |n: &str| {
        ["run_index", "point_index", "seed"].contains(&n) || exclude.iter().any(|e| e == n)
    };
    let mut out = Vec::new();
    for name in names(summary, |n| !skip(n)) {
        let Some(v) = ints(summary, name) else {
            continue;
        };
        if v.iter().all(|x| Some(x) == v.first()) {
            // The same in every run (e.g. the horizon): nothing to compare.
            continue;
        }
        let mut by_point: BTreeMap<u128, Vec<u128>> = BTreeMap::new();
        for (p, x) in points.iter().zip(&v) {
            by_point.entry(*p).or_default().push(*x);
        }
        let band: Vec<(f64, f64, f64, f64)> = by_point
            .into_iter()
            .map(|(p, mut xs)| {
                xs.sort_unstable();
                let q = |pc| plot_value(name, nearest_rank(&xs, pc).unwrap_or(0));
                (p as f64, q(5), q(50), q(95))
            })
            .collect();
        let unit = if name.ends_with("_wei") {
            "DCC".to_owned()
        } else {
            label(name)
        };
        let mut c = chart(
            &format!("summary_{name}"),
            &format!("{} by parameter point (end of run)", label(name)),
            "parameter point (see the runs table)".into(),
            &unit,
            ChartKind::Fan(vec![Band {
                name: "runs of the point".into(),
                points: band,
            }]),
        );
        c.y_format = NumberFormat::Si;
        out.push(c);
        if out.len() >= MAX_FAN_CHARTS {
            break;
        }
    }
    out
}

/// The daily column a `_p50` quantile column belongs to (`emission_p50_wei` → `emission_wei`).
fn fan_base(name: &str) -> Option<String> {
    for unit in ["_wei", "_ms", "_bps", "_ppm", ""] {
        if let Some(stem) = name.strip_suffix(unit).and_then(|s| s.strip_suffix("_p50")) {
            return Some(format!("{stem}{unit}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule_daily(days: u64) -> Table {
        let mut t = Table::new("daily");
        t.push("day", ColumnData::U64((0..days).collect()));
        let e: Vec<u128> = (0..days)
            .map(|d| (1_000 * WEI_PER_DCC) >> (d / 100))
            .collect();
        let cum: Vec<u128> = e
            .iter()
            .scan(0, |s, x| {
                *s += x;
                Some(*s)
            })
            .collect();
        t.push("emission_wei", ColumnData::U128(e));
        t.push("emission_cumulative_wei", ColumnData::U128(cum.clone()));
        t.push("vested_cumulative_wei", ColumnData::U128(cum.clone()));
        t.push(
            "mining_pool_wei",
            ColumnData::U128(cum.iter().map(|c| 200_000_000 * WEI_PER_DCC - c).collect()),
        );
        t
    }

    #[test]
    fn schedule_tables_give_supply_and_emission_charts_with_halvings() {
        let charts = run_charts(&[schedule_daily(350)]);
        let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["supply_breakdown", "emission_burns"]);
        assert_eq!(
            charts[1].markers.iter().map(|m| m.0).collect::<Vec<_>>(),
            [100.0, 200.0, 300.0]
        );
    }

    #[test]
    fn charts_appear_only_with_their_columns() {
        let mut d = schedule_daily(3);
        d.push("basic_paid_wei", ColumnData::U128(vec![1, 2, 3]));
        d.push("burned_forfeits_wei", ColumnData::U128(vec![0, 1, 0]));
        d.push("super_nodes", ColumnData::U64(vec![0, 21, 21]));
        let mut blocks = Table::new("blocks");
        blocks.push("block_id", ColumnData::U64(vec![0, 1, 2, 3]));
        blocks.push("parent_id", ColumnData::U64(vec![0, 0, 1, 1]));
        blocks.push("time_ms", ColumnData::U64(vec![0, 3_000, 6_100, 6_500]));
        let mut reorgs = Table::new("reorgs");
        reorgs.push("depth", ColumnData::U64(vec![1, 1, 2]));
        let mut epochs = Table::new("validators");
        epochs.push("epoch", ColumnData::U64(vec![0, 0, 1]));
        epochs.push("stake_wei", ColumnData::U128(vec![WEI_PER_DCC; 3]));
        epochs.push("jailed", ColumnData::U64(vec![0, 1, 0]));
        let ids: Vec<String> = run_charts(&[d, blocks, reorgs, epochs])
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            ids,
            [
                "supply_breakdown",
                "emission_burns",
                "reward_split",
                "super_nodes",
                "validator_stake",
                "validator_punishments",
                "block_intervals",
                "reorg_depth"
            ]
        );
        assert!(run_charts(&[Table::new("daily")]).is_empty());
        // Intervals to the parent (genesis excluded): 3000, 3100 and a fork sibling at 3500.
        let mut b = Table::new("blocks");
        b.push("block_id", ColumnData::U64(vec![0, 1, 2, 3]));
        b.push("parent_id", ColumnData::U64(vec![0, 0, 1, 1]));
        b.push("time_ms", ColumnData::U64(vec![0, 3_000, 6_100, 6_500]));
        let c = block_intervals(&b).unwrap();
        let ChartKind::Histogram(bins) = c.kind else {
            panic!("not a histogram")
        };
        assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), 3);
        // Bins of 100 ms, shown in seconds.
        let ms: Vec<(u64, u64)> = bins
            .iter()
            .map(|b| ((b.0 * 1000.0).round() as u64, b.2))
            .collect();
        assert_eq!(ms, [(3000, 1), (3100, 1), (3500, 1)]);
    }

    #[test]
    fn fan_chart_per_quantile_triple() {
        let d = schedule_daily(10);
        let runs = [crate::quantile::RunDaily {
            run: 0,
            point: 0,
            daily: &d,
        }];
        let q = crate::quantile::daily_quantiles(&runs).unwrap();
        let fans = fan_charts(&q, |p| format!("point {p}"));
        assert_eq!(fans.len(), 4);
        assert_eq!(fans[0].id, "fan_emission_wei");
        let ChartKind::Fan(b) = &fans[0].kind else {
            panic!("not a fan")
        };
        assert_eq!(b[0].name, "point 0");
        assert_eq!(b[0].points[0], (0.0, 1000.0, 1000.0, 1000.0));
    }
}
