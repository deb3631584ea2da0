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
//! - validators (`validators` or `epochs`, rows summed per `epoch`, else per `height`; x in days
//!   from `time_ms`, hours on runs of up to two days): `*stake*_wei`, `*punish*`, `*jail*`;
//!   per validator (`validator_epochs` as the report reduces the table, or `validators` with a
//!   `validator` column): `stake_wei`, `earned_total_wei`, the 12 largest;
//! - blocks per day (`chain_daily`): `canonical_blocks`, `in_turn`, `out_of_turn`, `missed_turns`;
//!   `longest_gap_ms` per day; sub-day (`blocks_sub_day`, reduced from `blocks`, with scheduled
//!   `partitions` marked): canonical blocks per 10 minutes or hour and the longest gap;
//! - missed turns per validator per day (`validator_daily`): a heat map;
//! - settlement delay (`daily`): `settlement_delay_ms` when not 0 every day;
//! - inequality: `gini` and `nakamoto` of `reward_inequality` (node rewards) and
//!   `stake_inequality` (validator stake) over time;
//! - block intervals (`blocks`): `interval_ms`, else `time_ms` minus the parent's (`block_id`,
//!   `parent_id`), else successive `time_ms` differences;
//! - forks and reorgs: a depth histogram from `depth` of a `reorgs` table (one row per reorg)
//!   or `depth`, `reorgs` of a `reorg_depths` table (counts per depth); per day `reorgs`,
//!   `fork_heights` and `deepest_reorg` of `chain_daily` (or `daily`);
//! - Monte Carlo fans (`daily_quantiles`): every `<col>_p5/_p50/_p95` triple, one band per point
//!   labelled by its swept values (identifier columns excluded);
//! - sweep summary (`summary`): each result column against each swept key (see
//!   [`summary_charts`]).

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
/// Columns that name an actor or a row, not a quantity: never charted as values.
const ID_COLUMNS: [&str; 6] = ["validator", "node", "voter", "term", "height", "from_day"];
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
        y_zero: false,
        x_categories: Vec::new(),
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

/// The x axis of a table keyed by epoch (`key`: `epoch` or `height`): time since genesis from
/// `time_ms`, the epoch block's timestamp (the latest per key when a table has a row per
/// validator), in the unit [`days_label`] picks; the key itself without `time_ms`.
struct EpochAxis {
    days: Option<BTreeMap<u128, f64>>,
    scale: f64,
    label: String,
}

impl EpochAxis {
    fn of(t: &Table, key: &str) -> Self {
        let days = ints(t, key).zip(ints(t, "time_ms")).map(|(k, ms)| {
            let mut out: BTreeMap<u128, f64> = BTreeMap::new();
            for (k, ms) in k.iter().zip(&ms) {
                let d = *ms as f64 / 86_400_000.0;
                let e = out.entry(*k).or_insert(d);
                *e = e.max(d);
            }
            out
        });
        let (scale, label) = match &days {
            Some(d) => days_label(d.values().copied().fold(0.0, f64::max)),
            None if key == "height" => (1.0, "block height of the epoch boundary".to_owned()),
            None => (1.0, key.to_owned()),
        };
        EpochAxis { days, scale, label }
    }

    /// Where epoch `key` goes on the axis.
    fn x(&self, key: u128) -> f64 {
        let day = self.days.as_ref().and_then(|d| d.get(&key));
        day.map_or(key as f64, |d| d * self.scale)
    }
}

/// Runs up to this many days draw times of day (epoch blocks) in hours.
const HOURS_UP_TO_DAYS: f64 = 2.0;

/// The axis label of days (hours on short runs, years after two years) and the scale from days.
fn days_label(last_day: f64) -> (f64, String) {
    if last_day > YEARS_AFTER_DAYS as f64 {
        (1.0 / 365.0, "years since genesis (365 days)".into())
    } else if last_day <= HOURS_UP_TO_DAYS {
        (24.0, "hours since genesis".into())
    } else {
        (1.0, "day".into())
    }
}

fn validators(t: &Table) -> Vec<Chart> {
    let mut out = Vec::new();
    let stake = names(t, |n| n.contains("stake") && n.ends_with("_wei"));
    let punish = names(t, |n| n.contains("punish") || n.contains("jail"));
    let Some(key) = ["epoch", "height"].into_iter().find(|k| has(t, k)) else {
        return out;
    };
    // One time axis for every chart: days (from the epoch blocks' timestamps) where known.
    let axis = EpochAxis::of(t, key);
    for (id, title, cols, unit) in [
        (
            "validator_stake",
            "Validator stake per epoch (all validators)",
            stake,
            "DCC",
        ),
        (
            "validator_punishments",
            "Punishments and jailings since genesis (all validators)",
            punish,
            "count",
        ),
    ] {
        if cols.is_empty() {
            continue;
        }
        let Some((_, mut s)) = per_key(t, key, &cols) else {
            continue;
        };
        if unit == "DCC" && s.iter().all(|s| s.points.iter().all(|p| p.1 == 0.0)) {
            // No stake bonded (a consensus run without staking): nothing to draw.
            continue;
        }
        for p in s.iter_mut().flat_map(|s| &mut s.points) {
            p.0 = axis.x(p.0 as u128);
        }
        let mut c = chart(id, title, axis.label.clone(), unit, ChartKind::Lines(s));
        if unit == "count" {
            c.y_format = NumberFormat::Integer;
        }
        out.push(c);
    }
    out
}

/// Most validators drawn one line each (those with the largest final value; the title says so).
const MAX_VALIDATOR_LINES: usize = 12;

/// Stake and income earned per validator over time, from a table with a row per validator and
/// epoch (`validator_epochs` as the report reduces it, or the raw `validators` table).
fn per_validator(t: &Table) -> Vec<Chart> {
    let mut out = Vec::new();
    let Some(key) = ["epoch", "height"].into_iter().find(|k| has(t, k)) else {
        return out;
    };
    let (Some(keys), Some(who)) = (ints(t, key), ints(t, "validator")) else {
        return out;
    };
    let axis = EpochAxis::of(t, key);
    for (id, title, col) in [
        ("validator_stake_each", "Stake per validator", "stake_wei"),
        (
            "validator_income_each",
            "Income earned per validator (since genesis)",
            "earned_total_wei",
        ),
    ] {
        let Some(v) = ints(t, col) else { continue };
        let mut by: BTreeMap<u128, Vec<(f64, f64)>> = BTreeMap::new();
        for ((k, w), v) in keys.iter().zip(&who).zip(&v) {
            by.entry(*w).or_default().push((axis.x(*k), wei_to_dcc(*v)));
        }
        let total = by.len();
        let mut ranked: Vec<(u128, Vec<(f64, f64)>)> = by.into_iter().collect();
        ranked.sort_by(|a, b| {
            let last = |s: &Vec<(f64, f64)>| s.last().map_or(0.0, |p| p.1);
            last(&b.1).total_cmp(&last(&a.1)).then(a.0.cmp(&b.0))
        });
        ranked.truncate(MAX_VALIDATOR_LINES);
        ranked.sort_by_key(|r| r.0);
        if ranked.iter().all(|r| r.1.iter().all(|p| p.1 == 0.0)) {
            continue;
        }
        let title = if total > MAX_VALIDATOR_LINES {
            format!("{title} (the {MAX_VALIDATOR_LINES} largest of {total})")
        } else {
            title.to_owned()
        };
        let series = ranked
            .into_iter()
            .map(|(w, points)| Series {
                name: format!("validator {w}"),
                points,
            })
            .collect();
        out.push(chart(
            id,
            &title,
            axis.label.clone(),
            "DCC",
            ChartKind::Lines(series),
        ));
    }
    out
}

/// Most rows of the missed-turn heat map (validators with the most missed turns, by id).
const MAX_HEAT_ROWS: usize = 40;
/// Most columns of the heat map (days are grouped beyond this).
const MAX_HEAT_COLUMNS: u64 = 120;

/// Missed turns per validator summed over spans of days (one day, or more on long runs so that
/// there are at most [`MAX_HEAT_COLUMNS`]): what the heat map draws. Filled from
/// `validator_daily` rows in any order — whole, or a chunk at a time by the report, which hands
/// the charts [`MissedTurnGrid::to_table`] instead of the long table.
pub struct MissedTurnGrid {
    days: u64,
    span_days: u64,
    rows: BTreeMap<u64, Vec<u64>>,
}

impl MissedTurnGrid {
    /// An empty grid over days `0..days`.
    pub fn new(days: u64) -> Self {
        MissedTurnGrid {
            days,
            span_days: days.div_ceil(MAX_HEAT_COLUMNS).max(1),
            rows: BTreeMap::new(),
        }
    }

    /// Adds `missed` turns of `validator` on `day` (a day outside the grid is not drawn).
    pub fn add(&mut self, day: u64, validator: u64, missed: u64) {
        let columns = self.days.div_ceil(self.span_days) as usize;
        let c = (day / self.span_days) as usize;
        if c < columns {
            let row = self
                .rows
                .entry(validator)
                .or_insert_with(|| vec![0; columns]);
            row[c] = row[c].saturating_add(missed);
        }
    }

    /// The grid as a `validator_daily` table the heat map reads: a row per span and validator
    /// (`day` the span's first day), with the grid's `days`.
    pub fn to_table(&self) -> Table {
        let cells = || {
            self.rows.iter().flat_map(|(v, row)| {
                let span = self.span_days;
                row.iter()
                    .enumerate()
                    .map(move |(c, m)| (c as u64 * span, *v, *m))
            })
        };
        let mut t = Table::new("validator_daily");
        t.push("day", ColumnData::U64(cells().map(|c| c.0).collect()));
        t.push("validator", ColumnData::U64(cells().map(|c| c.1).collect()));
        t.push(
            "missed_turns",
            ColumnData::U64(cells().map(|c| c.2).collect()),
        );
        t.push(
            "days",
            ColumnData::U64(cells().map(|_| self.days).collect()),
        );
        t
    }

    /// The grid of a `validator_daily` table: the whole table, or one [`Self::to_table`] made.
    fn of(t: &Table) -> Option<Self> {
        let (day, who, missed) = (
            ints(t, "day")?,
            ints(t, "validator")?,
            ints(t, "missed_turns")?,
        );
        let days = match ints(t, "days") {
            Some(d) => *d.first()?,
            None => day.iter().copied().max()? + 1,
        };
        let mut grid = MissedTurnGrid::new(u64::try_from(days).ok()?);
        let narrow = |x: &u128| u64::try_from(*x).unwrap_or(u64::MAX);
        for ((d, w), m) in day.iter().zip(&who).zip(&missed) {
            grid.add(narrow(d), narrow(w), narrow(m));
        }
        Some(grid)
    }
}

/// Missed turns per validator and span of days as a heat map (the 40 that missed most), from
/// `validator_daily`.
fn missed_turn_heat(t: &Table) -> Option<Chart> {
    let MissedTurnGrid {
        days,
        span_days: width,
        rows: grid,
    } = MissedTurnGrid::of(t)?;
    let columns = days.div_ceil(width) as usize;
    let total = grid.len();
    let mut rows: Vec<(u64, Vec<u64>)> = grid.into_iter().collect();
    rows.sort_by(|a, b| {
        let sum = |r: &Vec<u64>| r.iter().sum::<u64>();
        sum(&b.1).cmp(&sum(&a.1)).then(a.0.cmp(&b.0))
    });
    rows.truncate(MAX_HEAT_ROWS);
    rows.sort_by_key(|r| r.0);
    let span = if width == 1 {
        "day".to_owned()
    } else {
        format!("{width} days")
    };
    let darkest = rows.iter().flat_map(|r| &r.1).copied().max().unwrap_or(0);
    let mut title = format!("Missed turns per validator per {span} (darkest: {darkest})");
    if total > MAX_HEAT_ROWS {
        title.push_str(&format!(
            " (the {MAX_HEAT_ROWS} that missed most of {total})"
        ));
    }
    Some(chart(
        "missed_turns_heat",
        &title,
        "day".into(),
        "",
        ChartKind::Heat {
            rows: rows.iter().map(|r| format!("validator {}", r.0)).collect(),
            columns: (0..columns as u64)
                .map(|i| ((i * width) as f64, ((i + 1) * width).min(days) as f64))
                .collect(),
            cells: rows.into_iter().map(|r| r.1).collect(),
        },
    ))
}

/// A column as plot values (floats too: Gini coefficients).
fn floats(t: &Table, name: &str) -> Option<Vec<f64>> {
    let c = t.columns.iter().find(|c| c.name == name)?;
    match &c.data {
        ColumnData::F64(v) => Some(v.iter().map(|f| f.0).collect()),
        _ => ints(t, name).map(|v| v.iter().map(|&x| plot_value(name, x)).collect()),
    }
}

/// Series of column `col` of `t` against its `day` column.
fn day_series(t: &Table, col: &str, name: &str, scale: f64) -> Option<Series> {
    let (d, v) = (ints(t, "day")?, floats(t, col)?);
    Some(Series {
        name: name.into(),
        points: d
            .iter()
            .zip(v)
            .map(|(&d, v)| (d as f64 * scale, v))
            .collect(),
    })
}

/// Gini and Nakamoto coefficients over time: of node rewards per window (`reward_inequality`)
/// and of validator stake (`stake_inequality`).
fn inequality(tables: &[Table]) -> Vec<Chart> {
    let find = |n: &str| tables.iter().find(|t| t.name == n);
    let sources = [
        ("reward_inequality", "node rewards", "nodes"),
        ("stake_inequality", "validator stake", "validators"),
    ];
    let last_day = sources
        .iter()
        .filter_map(|(n, _, _)| ints(find(n)?, "day")?.last().copied())
        .max();
    let Some(last_day) = last_day else {
        return Vec::new();
    };
    let (scale, xl) = days_label(last_day as f64);
    let mut out = Vec::new();
    let gini: Vec<Series> = sources
        .iter()
        .filter_map(|(n, what, _)| day_series(find(n)?, "gini", what, scale))
        .collect();
    if !gini.is_empty() {
        out.push(chart(
            "inequality_gini",
            "Inequality over time: Gini coefficient (0 = all equal, 1 = one takes all)",
            xl.clone(),
            "Gini",
            ChartKind::Lines(gini),
        ));
    }
    for (n, what, unit) in sources {
        if let Some(s) = find(n).and_then(|t| day_series(t, "nakamoto", what, scale)) {
            let mut c = chart(
                &format!("nakamoto_{n}"),
                &format!("Nakamoto coefficient of {what}: fewest {unit} holding over half"),
                xl.clone(),
                unit,
                ChartKind::Lines(vec![s]),
            );
            c.y_format = NumberFormat::Integer;
            out.push(c);
        }
    }
    out
}

/// A per-day duration column in seconds (settlement delay, longest gap), when it is not 0 on
/// every day.
fn seconds_per_day(t: &Table, col: &str, id: &str, title: &str, legend: &str) -> Option<Chart> {
    let (x, xl) = day_axis(t)?;
    let ms = ints(t, col)?;
    if ms.iter().all(|&v| v == 0) {
        return None;
    }
    let points = x.iter().zip(&ms).map(|(&x, &v)| (x, v as f64 / 1000.0));
    let mut c = chart(
        id,
        title,
        xl,
        "seconds",
        ChartKind::Lines(vec![Series {
            name: legend.into(),
            points: points.collect(),
        }]),
    );
    // A duration's zero means something: 6.06 s must not look twice 6.00 s.
    c.y_zero = true;
    Some(c)
}

/// Block production at sub-day resolution (`blocks_sub_day`, as the report reduces the blocks
/// table): canonical blocks per bucket and the longest time without one, partitions marked.
fn sub_day(t: &Table, partitions: Option<&Table>) -> Vec<Chart> {
    let (Some(from), Some(bucket), Some(blocks), Some(gap)) = (
        ints(t, "from_s"),
        ints(t, "bucket_s"),
        ints(t, "canonical_blocks"),
        ints(t, "longest_gap_ms"),
    ) else {
        return Vec::new();
    };
    let Some(&bucket_s) = bucket.first() else {
        return Vec::new();
    };
    let hours = |s: u128| s as f64 / 3600.0;
    let per = if bucket_s == 3600 {
        "hour".to_owned()
    } else {
        format!("{} minutes", bucket_s / 60)
    };
    let mut markers = Vec::new();
    if let Some(p) = partitions
        && let (Some(starts), Some(ends)) = (ints(p, "start_s"), ints(p, "end_s"))
    {
        let (lo, hi) = (
            from.first().copied().unwrap_or(0),
            from.last().map_or(0, |l| l + bucket_s),
        );
        for (s, e) in starts.iter().zip(&ends) {
            if (lo..=hi).contains(s) {
                markers.push((hours(*s), "partition".to_owned()));
            }
            if (lo..=hi).contains(e) {
                markers.push((hours(*e), "healed".to_owned()));
            }
        }
    }
    let xl = "hours since genesis".to_owned();
    let line = |v: &[u128], name: &str, unit_scale: f64| Series {
        name: name.into(),
        points: from
            .iter()
            .zip(v)
            .map(|(&f, &v)| (hours(f), v as f64 * unit_scale))
            .collect(),
    };
    let mut produced = chart(
        "blocks_sub_day",
        &format!("Canonical blocks per {per}"),
        xl.clone(),
        "blocks",
        ChartKind::Lines(vec![line(
            &blocks,
            &format!("canonical blocks per {per}"),
            1.0,
        )]),
    );
    produced.y_format = NumberFormat::Integer;
    produced.markers = markers.clone();
    let mut gaps = chart(
        "gaps_sub_day",
        "Longest time without a canonical block",
        xl,
        "seconds",
        ChartKind::Lines(vec![line(
            &gap,
            "longest gap overlapping the bucket",
            0.001,
        )]),
    );
    gaps.markers = markers;
    gaps.y_zero = true;
    vec![produced, gaps]
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
    if let Some(v) = find("validator_epochs").or_else(|| find("validators")) {
        out.extend(per_validator(v));
    }
    if let Some(c) = find("chain_daily") {
        out.extend(blocks_per_day(c));
        out.extend(seconds_per_day(
            c,
            "longest_gap_ms",
            "longest_gap",
            "Longest gap between canonical blocks per day",
            "longest gap",
        ));
    }
    if let Some(t) = find("blocks_sub_day") {
        out.extend(sub_day(t, find("partitions")));
    }
    if let Some(v) = find("validator_daily") {
        out.extend(missed_turn_heat(v));
    }
    if let Some(d) = find("daily") {
        out.extend(seconds_per_day(
            d,
            "settlement_delay_ms",
            "settlement_delay",
            "Settlement delay: first block after the day boundary",
            "settlement delay",
        ));
    }
    out.extend(inequality(tables));
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
        if ID_COLUMNS.contains(&base.as_str()) {
            // Quantiles of an identifier (validator ids of validator_daily) mean nothing.
            continue;
        }
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

/// A summary cell as a number to plot: DCC for `*_wei`, else the number it reads as.
fn summary_value(name: &str, text: &str) -> Option<f64> {
    if name.ends_with("_wei") {
        return text.parse::<u128>().ok().map(wei_to_dcc);
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The text cells of column `name` (any type).
fn cells(t: &Table, name: &str) -> Option<Vec<String>> {
    let c = t.columns.iter().find(|c| c.name == name)?;
    Some((0..c.data.len()).map(|i| c.data.cell(i)).collect())
}

/// Longest shortened value, in characters.
const SHORT_VALUE_CHARS: usize = 28;

/// Short texts that still tell `values` apart, one per value: values are kept when short; long
/// lists of different lengths become `N items`; otherwise what all distinct values share at the
/// start and the end is cut (`…` marks the cut); if that is still ambiguous, `value K`.
pub fn short_values(values: &[String]) -> Vec<String> {
    let mut distinct: Vec<&String> = Vec::new();
    for v in values {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    let injective = |f: &dyn Fn(&str) -> String| {
        let mut seen = BTreeSet::new();
        distinct.iter().all(|v| seen.insert(f(v)))
    };
    if distinct
        .iter()
        .all(|v| v.chars().count() <= SHORT_VALUE_CHARS)
    {
        return values.to_vec();
    }
    let items = |v: &str| match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::Array(a)) => format!("{} items", a.len()),
        _ => v.to_owned(),
    };
    if injective(&items)
        && distinct
            .iter()
            .all(|v| items(v).chars().count() <= SHORT_VALUE_CHARS)
    {
        return values.iter().map(|v| items(v)).collect();
    }
    let chars: Vec<Vec<char>> = distinct.iter().map(|v| v.chars().collect()).collect();
    let shortest = chars.iter().map(Vec::len).min().unwrap_or(0);
    let same = |f: &dyn Fn(&Vec<char>, usize) -> char, i: usize| {
        chars.iter().all(|c| f(c, i) == f(&chars[0], i))
    };
    let prefix = (0..shortest).take_while(|&i| same(&|c, i| c[i], i)).count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| same(&|c, i| c[c.len() - 1 - i], i))
        .count();
    let cut = |v: &str| {
        let c: Vec<char> = v.chars().collect();
        let mid: String = c[prefix..c.len() - suffix].iter().collect();
        let mid = if mid.chars().count() > SHORT_VALUE_CHARS {
            format!(
                "{}…",
                mid.chars().take(SHORT_VALUE_CHARS - 1).collect::<String>()
            )
        } else {
            mid
        };
        format!(
            "{}{mid}{}",
            if prefix > 0 { "…" } else { "" },
            if suffix > 0 { "…" } else { "" }
        )
    };
    if injective(&cut) {
        return values.iter().map(|v| cut(v)).collect();
    }
    values
        .iter()
        .map(|v| {
            let k = distinct.iter().position(|d| *d == v).unwrap_or(0);
            format!("value {}", k + 1)
        })
        .collect()
}

/// The last part of a dotted scenario key (`economy.campaign.seats` → `seats`).
pub fn key_tail(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// A swept parameter's positions on the x axis: numbers when every value reads as one (x is
/// the value), else categories in order of first appearance (x is the category's index).
struct ParameterAxis {
    x: Vec<f64>,
    categories: Vec<String>,
}

fn parameter_axis(values: &[String]) -> ParameterAxis {
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    if let Some(x) = numbers {
        return ParameterAxis {
            x,
            categories: Vec::new(),
        };
    }
    let short = short_values(values);
    let mut categories: Vec<String> = Vec::new();
    let x = short
        .iter()
        .map(|s| {
            let i = categories.iter().position(|c| c == s).unwrap_or_else(|| {
                categories.push(s.clone());
                categories.len() - 1
            });
            i as f64
        })
        .collect();
    ParameterAxis { x, categories }
}

/// Sweep summary charts: each numeric result column against each swept parameter. Per value of
/// the parameter, a dot at the p50 of its runs and a bar from p5 to p95 (a line joins the
/// medians on a numeric axis); with several swept parameters, one series per combination of the
/// others, labelled by their values. `run_index`, `point_index`, `seed`, the parameters and
/// columns equal in every run are not charted.
pub fn summary_charts(summary: &Table, parameters: &[String]) -> Vec<Chart> {
    let rows = summary.rows();
    let params: Vec<(&String, Vec<String>)> = parameters
        .iter()
        .filter_map(|p| cells(summary, p).map(|v| (p, v)))
        .collect();
    if rows == 0 || params.is_empty() {
        return Vec::new();
    }
    let skip = |n: &str| {
        ["run_index", "point_index", "seed", "digest"].contains(&n)
            || parameters.iter().any(|e| e == n)
    };
    let mut out = Vec::new();
    for c in summary.columns.iter().filter(|c| !skip(&c.name)) {
        let name = c.name.as_str();
        let values: Option<Vec<f64>> = (0..rows)
            .map(|i| summary_value(name, &c.data.cell(i)))
            .collect();
        let Some(values) = values else { continue };
        if values.iter().all(|v| v.to_bits() == values[0].to_bits()) {
            // The same in every run (e.g. the horizon): nothing to compare.
            continue;
        }
        for (i, (key, pv)) in params.iter().enumerate() {
            out.push(parameter_chart(name, &values, key, pv, &params, i));
            if out.len() >= MAX_FAN_CHARTS {
                return out;
            }
        }
    }
    out
}

/// One metric against parameter `params[which]` (see [`summary_charts`]).
fn parameter_chart(
    name: &str,
    values: &[f64],
    key: &str,
    pv: &[String],
    params: &[(&String, Vec<String>)],
    which: usize,
) -> Chart {
    let axis = parameter_axis(pv);
    // The other parameters' values label the series.
    let others: Vec<(&str, Vec<String>)> = params
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != which)
        .map(|(_, (k, v))| (key_tail(k), short_values(v)))
        .collect();
    let series_of = |row: usize| -> String {
        others
            .iter()
            .map(|(k, v)| format!("{k}={}", v[row]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Series in order of first appearance (row order: run index).
    let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (row, (&x, &y)) in axis.x.iter().zip(values).enumerate() {
        let s = series_of(row);
        if !groups.contains_key(&s) {
            order.push(s.clone());
        }
        groups.entry(s).or_default().push((x, y));
    }
    let bands: Vec<Band> = order
        .iter()
        .map(|s| {
            let mut pts = groups.remove(s).unwrap_or_default();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            // Runs at one x: p5, p50, p95 by nearest rank, as the per-day quantiles.
            let points = pts
                .chunk_by(|a, b| a.0.to_bits() == b.0.to_bits())
                .map(|at_x| {
                    let mut ys: Vec<f64> = at_x.iter().map(|p| p.1).collect();
                    ys.sort_unstable_by(f64::total_cmp);
                    let q = |pc| nearest_rank(&ys, pc).unwrap_or(0.0);
                    (at_x[0].0, q(5), q(50), q(95))
                })
                .collect();
            let name = if s.is_empty() {
                "runs".to_owned()
            } else {
                s.clone()
            };
            Band { name, points }
        })
        .collect();
    let unit = if name.ends_with("_wei") {
        "DCC".to_owned()
    } else {
        label(name)
    };
    let mut c = chart(
        &format!("summary_{name}_by_{}", key.replace('.', "_")),
        &format!("{} by {} (end of run)", label(name), key_tail(key)),
        key.to_owned(),
        &unit,
        ChartKind::Points(bands),
    );
    c.x_categories = axis.categories;
    c
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
    fn short_values_stay_distinct() {
        let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        // Short values are kept.
        assert_eq!(
            short_values(&v(&["coin", "eip3436"])),
            v(&["coin", "eip3436"])
        );
        // Long lists of different lengths: their lengths.
        let ten = format!("[{}]", ["{\"start_s\":0,\"validator\":1}"; 10].join(","));
        let eleven = format!("[{}]", ["{\"start_s\":0,\"validator\":1}"; 11].join(","));
        assert_eq!(
            short_values(&[ten.clone(), eleven.clone(), ten.clone()]),
            v(&["10 items", "11 items", "10 items"])
        );
        // Long values differing in the middle: what they share is cut.
        let a = format!("{}A{}", "x".repeat(30), "y".repeat(30));
        let b = format!("{}B{}", "x".repeat(30), "y".repeat(30));
        assert_eq!(short_values(&[a, b]), v(&["…A…", "…B…"]));
    }

    fn sweep_summary() -> Table {
        // 2 tie-break rules × 2 seats × 3 seeds; halted days depend on the rule only.
        let mut t = Table::new("summary");
        let rows = 12_u64;
        let text = |f: &dyn Fn(u64) -> String| ColumnData::Str((0..rows).map(f).collect());
        t.push("run_index", text(&|r| r.to_string()));
        t.push("point_index", text(&|r| (r / 3).to_string()));
        t.push("seed", text(&|r| (r % 3).to_string()));
        t.push(
            "consensus.tie_break",
            text(&|r| ["coin", "eip3436"][(r / 6) as usize].into()),
        );
        t.push(
            "economy.campaign.seats",
            text(&|r| ["21", "33"][(r / 3 % 2) as usize].into()),
        );
        t.push(
            "halted_days",
            text(&|r| {
                if r < 6 {
                    (r % 3).to_string()
                } else {
                    "0".into()
                }
            }),
        );
        t.push("days", text(&|_| "365".into()));
        t.push("digest", text(&|r| format!("d{r}")));
        t
    }

    #[test]
    fn sweep_results_are_charted_against_each_parameter() {
        let params = [
            "consensus.tie_break".to_owned(),
            "economy.campaign.seats".to_owned(),
        ];
        let charts = summary_charts(&sweep_summary(), &params);
        // Only halted_days varies: one chart per parameter.
        let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "summary_halted_days_by_consensus_tie_break",
                "summary_halted_days_by_economy_campaign_seats"
            ]
        );
        // Categorical: x positions 0 and 1 named by the values, one series per seat count.
        let by_rule = &charts[0];
        assert_eq!(by_rule.x_categories, ["coin", "eip3436"]);
        let ChartKind::Points(bands) = &by_rule.kind else {
            panic!("not points")
        };
        let names: Vec<&str> = bands.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["seats=21", "seats=33"]);
        // Seeds 0, 1, 2 halted 0, 1, 2 days under the coin: p5 0, p50 1, p95 2.
        assert_eq!(
            bands[0].points,
            [(0.0, 0.0, 1.0, 2.0), (1.0, 0.0, 0.0, 0.0)]
        );
        // Numeric: the seat counts are the x values.
        let by_seats = &charts[1];
        assert!(by_seats.x_categories.is_empty());
        let ChartKind::Points(bands) = &by_seats.kind else {
            panic!("not points")
        };
        assert_eq!(bands[0].name, "tie_break=coin");
        assert_eq!(
            bands[0].points.iter().map(|p| p.0).collect::<Vec<_>>(),
            [21.0, 33.0]
        );
        let svg = crate::chart::render_svg(by_rule).unwrap();
        // Tick labels are the values (plotters writes a text's content on its own line).
        assert!(svg.contains("\ncoin\n</text>") && svg.contains("\neip3436\n</text>"));
        assert!(svg.contains(
            "<title>seats=21\nconsensus.tie_break: coin\nhalted days: p50 1 (p5 0 to p95 2)</title>"
        ));
    }

    #[test]
    fn durations_per_day_keep_zero_in_view() {
        let mut t = Table::new("chain_daily");
        t.push("day", ColumnData::U64(vec![0, 1, 2]));
        t.push("longest_gap_ms", ColumnData::U64(vec![6_000, 6_060, 6_000]));
        let c = seconds_per_day(&t, "longest_gap_ms", "longest_gap", "t", "gap").unwrap();
        assert!(c.y_zero);
        let mut zero = t.clone();
        zero.columns[1].data = ColumnData::U64(vec![0; 3]);
        assert!(seconds_per_day(&zero, "longest_gap_ms", "longest_gap", "t", "gap").is_none());
    }

    #[test]
    fn missed_turns_become_a_heat_map_of_validators_by_day() {
        let mut t = Table::new("validator_daily");
        t.push("day", ColumnData::U64(vec![0, 0, 1, 1]));
        t.push("validator", ColumnData::U64(vec![1, 2, 1, 2]));
        t.push("missed_turns", ColumnData::U64(vec![0, 5, 3, 0]));
        let c = missed_turn_heat(&t).unwrap();
        let ChartKind::Heat {
            rows,
            columns,
            cells,
        } = &c.kind
        else {
            panic!("not a heat map")
        };
        assert_eq!(rows, &["validator 1", "validator 2"]);
        assert_eq!(columns, &[(0.0, 1.0), (1.0, 2.0)]);
        assert_eq!(cells, &[vec![0, 3], vec![5, 0]]);
        assert!(c.title.contains("darkest: 5"));
        // The report's reduced table (grid cells, not days) draws the same chart.
        let grid = MissedTurnGrid::of(&t).unwrap();
        assert_eq!(missed_turn_heat(&grid.to_table()), Some(c.clone()));
        let svg = crate::chart::render_svg(&c).unwrap();
        assert!(svg.contains("validator 2"));
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
