//! `[sweep]`: seeds per point, grid and zip lists or a sampled design, and the number of runs
//! they expand to.

use crate::error::Issue;
use crate::format::RawSweep;
use crate::limits::{MAX_SEEDS, MAX_SWEEP_RUNS};
use crate::sample::Design;

pub(super) fn sweep_shape(sweep: &RawSweep, seed: u64) -> Result<(), Issue> {
    if !(1..=MAX_SEEDS).contains(&sweep.seeds) {
        return Err(Issue::range(
            "sweep.seeds",
            format!(
                "seeds per point must be 1 to {MAX_SEEDS}, got {}",
                sweep.seeds
            ),
            &format!("allowed: 1 to {MAX_SEEDS}"),
        ));
    }
    for (table, entries) in [("grid", &sweep.grid), ("zip", &sweep.zip)] {
        for (key, values) in entries {
            check_entry(table, key, values)?;
        }
    }
    if let Some(key) = sweep.grid.keys().find(|k| sweep.zip.contains_key(*k)) {
        return Err(Issue::cross(
            &format!("sweep.zip.{key}"),
            format!("`{key}` is in both sweep.grid and sweep.zip"),
            "sweep each key in one of them",
        ));
    }
    let mut lengths = sweep.zip.iter().map(|(k, v)| (k, v.len()));
    if let Some((first_key, first_len)) = lengths.next()
        && let Some((k, len)) = lengths.find(|(_, l)| *l != first_len)
    {
        return Err(Issue::cross(
            &format!("sweep.zip.{k}"),
            format!("has {len} values but `{first_key}` has {first_len}"),
            "zipped lists must all have the same length",
        ));
    }
    let points = match &sweep.sample {
        Some(sample) => sampled_points(sweep, sample, seed)?,
        None => grid_points(sweep),
    };
    match points.and_then(|p| p.checked_mul(sweep.seeds)) {
        Some(n) if n <= MAX_SWEEP_RUNS => Ok(()),
        _ => Err(Issue::range(
            "sweep",
            "the sweep expands to too many runs",
            &format!("at most {MAX_SWEEP_RUNS} runs (points × seeds)"),
        )),
    }
}

/// Keys the engines choose the mode by: sweeping them would mix runs of different modes, whose
/// tables cannot be compared or reduced together.
const UNSWEEPABLE: [&str; 1] = ["run.mode"];

fn check_entry(table: &str, key: &str, values: &[toml::Value]) -> Result<(), Issue> {
    let path = format!("sweep.{table}.{key}");
    if values.is_empty() {
        return Err(Issue::range(
            &path,
            "an empty list of values",
            "give at least one value",
        ));
    }
    if key == "sweep" || key.starts_with("sweep.") || key.split('.').any(str::is_empty) {
        return Err(Issue::range(
            &path,
            format!("`{key}` is not a parameter path"),
            "a dotted path to a scenario key, e.g. \"supply.halving_period_days\"",
        ));
    }
    if UNSWEEPABLE.contains(&key) {
        return Err(Issue::range(
            &path,
            format!("`{key}` cannot be swept: every run of a sweep has the same mode"),
            "write one scenario file per mode",
        ));
    }
    Ok(())
}

/// Points of a grid and zip, or `None` on overflow.
fn grid_points(sweep: &RawSweep) -> Option<u64> {
    sweep
        .grid
        .values()
        .try_fold(1_u64, |acc, v| acc.checked_mul(v.len() as u64))
        .and_then(|g| g.checked_mul(sweep.zip.values().next().map_or(1, |v| v.len() as u64)))
}

/// Points of a sampled design (which replaces the grid and zip), or `None` on overflow.
fn sampled_points(
    sweep: &RawSweep,
    sample: &crate::format::RawSample,
    seed: u64,
) -> Result<Option<u64>, Issue> {
    if !sweep.grid.is_empty() || !sweep.zip.is_empty() {
        return Err(Issue::cross(
            "sweep.sample",
            "a sampled sweep cannot also have sweep.grid or sweep.zip",
            "move fixed choices into the scenario (one file per choice), or sample every key",
        ));
    }
    for (key, values) in &sample.ranges {
        check_entry("sample.ranges", key, values)?;
    }
    Ok(Design::new(sample, seed)?.points())
}

/// The metrics a sampled sweep's report shows must be summary columns of its mode.
pub(super) fn sample_metrics(
    sample: &crate::format::RawSample,
    mode: crate::Mode,
) -> Result<(), Issue> {
    let columns = crate::tables::dictionary::summary_columns(mode);
    match sample
        .metrics
        .iter()
        .find(|m| !columns.contains(&m.as_str()))
    {
        Some(m) => Err(Issue::range(
            "sweep.sample.metrics",
            format!("the {mode:?} summary has no column `{m}`"),
            &format!("columns: {}", columns.join(", ")),
        )),
        None => Ok(()),
    }
}
