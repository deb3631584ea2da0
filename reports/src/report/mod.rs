//! Run and sweep reports from written files: Parquet frames beside the CSV tables, charts as SVG
//! and PNG under `charts/`, per-day quantiles and `summary.parquet` of a sweep, and a
//! self-contained `index.html` (inline CSS and SVG, relative links, no network).
//!
//! Everything here reads what a run or sweep directory holds (manifests, Parquet, or CSV when a
//! Parquet file is missing), so `dcfs-sim report DIR` re-renders exactly what `run`, `sweep` and
//! `merge` write. Sweep products are computed from `runs/run_index=<index>/` in index order, point by
//! point, so they are identical for any thread count and for merged shards.

mod chart_data;
mod error;
mod html;
mod quantiles;
mod read;

pub use error::ReportError;
pub use html::{MAX_SUMMARY_ROWS_SHOWN, Rendered, html_escape, write_charts};
pub use quantiles::{MAX_POINT_CELLS, QUANTILE_CHUNK_CELLS};
pub use read::{load_table, parse_csv_table};

use std::fmt::Write as _;

use std::path::{Path, PathBuf};

use scenarios::{ColumnData, Table};

use crate::charts::{fan_charts, run_charts, summary_charts};
use crate::csv::write_table_csv;
use crate::frame::table_to_parquet;
use crate::layout::{INDEX, MANIFEST, RunManifest, SweepManifest, read_run_manifest, run_dir};
use chart_data::*;
use error::*;
use html::*;
use quantiles::*;

/// Renders the charts and `index.html` of the run in `dir` from its manifest and tables.
pub fn render_run_report(dir: &Path) -> Result<(), ReportError> {
    let m = read_run_manifest(dir)
        .map_err(|e| ReportError::Bad {
            path: dir.join(MANIFEST),
            message: e.to_string(),
        })?
        .ok_or_else(|| ReportError::Bad {
            path: dir.join(MANIFEST),
            message: "no run manifest (unfinished run?)".into(),
        })?;
    let tables = run_tables(dir, &m)?;
    let rendered = write_charts(dir, run_charts(&tables))?;
    let name = scenario_name(&m);
    let mut facts = vec![
        ("scenario".to_owned(), name.clone()),
        ("scenario file".to_owned(), m.scenario_file.clone()),
        ("seed".to_owned(), m.seed.to_string()),
        (
            "run index".to_owned(),
            format!("{} of {}", m.run_index, m.sweep_runs),
        ),
        ("output digest".to_owned(), m.digest.clone()),
        ("scenario digest".to_owned(), m.scenario_digest.clone()),
        ("program".to_owned(), m.program.clone()),
    ];
    facts.extend(
        m.overrides
            .iter()
            .map(|(k, v)| (format!("swept {k}"), v.clone())),
    );
    let mut body = format!(
        "<h1>dcfs-sim run: {}</h1>\n<h2>Key figures</h2>\n{}",
        html_escape(&name),
        kv_table(&facts)
    );
    body.push_str("<h2>Summary</h2>\n");
    body.push_str(&kv_table(&m.summary));
    let _ = writeln!(
        body,
        "<p>Tables: {}.</p>",
        m.files
            .keys()
            .map(|f| format!("<code>{}</code>", html_escape(f.trim_end_matches(".csv"))))
            .collect::<Vec<_>>()
            .join(", ")
    );
    body.push_str(&charts_html(&rendered));
    body.push_str(&files_html(dir));
    write_bytes(
        &dir.join(INDEX),
        page(&format!("dcfs-sim run: {name}"), &body).as_bytes(),
    )
}

pub(super) fn summary_typed(t: &Table) -> Table {
    // summary.csv holds exact values as text; give Parquet integer columns where every value is one.
    let mut out = Table::new(&t.name);
    for c in &t.columns {
        let data = match &c.data {
            ColumnData::Str(v) if !v.is_empty() => {
                if !c.name.ends_with("_wei") && v.iter().all(|x| x.parse::<u64>().is_ok()) {
                    ColumnData::U64(v.iter().filter_map(|x| x.parse().ok()).collect())
                } else if v.iter().all(|x| x.parse::<u128>().is_ok()) {
                    ColumnData::U128(v.iter().filter_map(|x| x.parse().ok()).collect())
                } else {
                    c.data.clone()
                }
            }
            other => other.clone(),
        };
        out.push(&c.name, data);
    }
    out
}

/// Writes the sweep products of sweep directory `dir` into `into` (the top-level staging
/// folder, [`crate::merge`]): `summary.parquet`, `<table>_quantiles.csv` and `.parquet` for
/// `daily` and every `<name>_daily` table (per point and day, p5/p50/p95 of every numeric
/// column), summary and fan charts, and `index.html`. Runs are read from `dir/runs/` in index
/// order, one point at a time.
pub fn render_sweep_products(
    dir: &Path,
    m: &SweepManifest,
    summary: &Table,
    into: &Path,
) -> Result<(), ReportError> {
    let sp = into.join("summary.parquet");
    write_bytes(
        &sp,
        &table_to_parquet(&summary_typed(summary)).map_err(|source| ReportError::Frame {
            path: sp.clone(),
            source,
        })?,
    )?;
    let manifests = sweep_runs(dir, m.runs)?;
    let design = sweep_design(dir)?;
    // A sampled design's hundreds of distinct points make per-parameter and fan charts
    // unreadable; its report shows sensitivity indices instead.
    let mut charts = if design.is_some() {
        Vec::new()
    } else {
        summary_charts(summary, &m.parameters)
    };
    let mut notes = Vec::new();
    let mut indices = None;
    if let Some(design) = &design
        && !m.sensitivity.is_empty()
    {
        let seeds = m.runs / design.points().unwrap_or(1).max(1);
        let (table, sc, why) =
            crate::sensitivity::sweep_sensitivity(design, summary, seeds, &m.sensitivity);
        write_quantiles(into, &table)?;
        charts.extend(sc);
        notes.extend(why);
        indices = Some(table);
    }
    let mut skipped: Vec<(String, u64)> = Vec::new();
    // A sampled design's points are each a single parameter combination, often with one seed:
    // per-point daily quantiles would be hundreds of points × every day (gigabytes for the
    // 448-point, 5-year example) and say nothing the runs' own daily tables do not.
    let stems = if design.is_some() {
        Vec::new()
    } else {
        daily_stems(&manifests)
    };
    for stem in stems {
        let (quantiles, skip) = sweep_quantiles(dir, &manifests, &stem)?;
        skipped.extend(skip.into_iter().map(|p| (stem.clone(), p)));
        if let Some(mut q) = quantiles {
            q.name = format!("{stem}_quantiles");
            write_quantiles(into, &with_parameters(q.clone(), &manifests))?;
            charts.extend(stem_fan_charts(&q, &stem, &manifests));
        }
    }
    let rendered = write_charts(into, charts)?;
    let name = manifests
        .first()
        .map(|(_, r)| scenario_name(r))
        .unwrap_or_default();
    let intro = design.as_ref().map_or_else(String::new, |d| {
        sensitivity_html(d, m, indices.as_ref(), &notes)
    });
    let body = sweep_body(m, &name, &intro, summary, &skipped, &rendered, into);
    write_bytes(
        &into.join(INDEX),
        page(&format!("dcfs-sim sweep: {name}"), &body).as_bytes(),
    )
}

/// `q` with one column per swept key after `point_index`: each row's point's value (integers
/// where every value is one, else text), so a quantile table joins or filters by parameter.
fn with_parameters(q: Table, manifests: &[(PathBuf, RunManifest)]) -> Table {
    let Some((_, first)) = manifests.first() else {
        return q;
    };
    let Some(ColumnData::U64(points)) = q
        .columns
        .iter()
        .find(|c| c.name == "point_index")
        .map(|c| &c.data)
    else {
        return q;
    };
    let value = |point: u64, key: &str| {
        manifests
            .iter()
            .find(|(_, m)| m.point_index == point)
            .and_then(|(_, m)| m.overrides.get(key).cloned())
            .unwrap_or_default()
    };
    let mut out = Table::new(&q.name);
    for c in &q.columns {
        out.push(&c.name, c.data.clone());
        if c.name != "point_index" {
            continue;
        }
        for key in first.overrides.keys() {
            let text: Vec<String> = points.iter().map(|&p| value(p, key)).collect();
            let data = match text.iter().map(|v| v.parse::<u64>()).collect() {
                Ok(ints) => ColumnData::U64(ints),
                Err(_) => ColumnData::Str(text),
            };
            out.push(key, data);
        }
    }
    out
}

/// The sampled design of sweep directory `dir`, if its `sweep.json` records one.
fn sweep_design(dir: &Path) -> Result<Option<scenarios::sample::Design>, ReportError> {
    let path = dir.join(crate::layout::SWEEP_IDENTITY);
    let identity: Option<crate::layout::SweepIdentity> =
        crate::layout::read_json(&path).map_err(|e| ReportError::Bad {
            path: path.clone(),
            message: e.to_string(),
        })?;
    match identity.and_then(|i| i.design) {
        Some(record) => record
            .design()
            .map(Some)
            .map_err(|message| ReportError::Bad { path, message }),
        None => Ok(None),
    }
}

/// The page's opening note on a sampled sweep: its design, where the indices are, and why any
/// metric has none.
fn sensitivity_html(
    design: &scenarios::sample::Design,
    m: &SweepManifest,
    indices: Option<&Table>,
    notes: &[String],
) -> String {
    let mut out = format!(
        "<h2>Sensitivity</h2>\n<p>Sampled design: {:?}, {} points over {} keys ({}); no \
         per-point daily quantiles (read <code>runs/*/daily.parquet</code> as one dataset). ",
        design.method(),
        design.points().unwrap_or(0),
        design.factors(),
        html_escape(&design.keys().join(", "))
    );
    if m.sensitivity.is_empty() {
        out.push_str(
            "No sensitivity metrics yet: run <code>dcfs-sim sensitivity DIR --metric COLUMN</code>.</p>\n",
        );
    } else {
        let _ = writeln!(
            out,
            "Sensitivity indices of {} are in <a href=\"sensitivity.csv\">sensitivity.csv</a> \
             (estimate and {}% bootstrap interval of {} resamples) and charted below.</p>",
            html_escape(&m.sensitivity.join(", ")),
            crate::sensitivity::INTERVAL_PERCENT,
            crate::sensitivity::BOOTSTRAP_RESAMPLES
        );
    }
    for n in notes {
        let _ = writeln!(out, "<p>No indices for {}.</p>", html_escape(n));
    }
    if let Some(t) = indices.filter(|t| t.rows() > 0) {
        out.push_str(
            "<table><tr><th>metric</th><th>key</th><th>index</th><th>estimate</th><th>interval</th></tr>\n",
        );
        for (metric, key, index, est, lo, hi) in crate::sensitivity::rows_of(t) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td></tr>",
                html_escape(&metric),
                html_escape(&key),
                html_escape(&index),
                short_float(est),
                short_float(lo),
                short_float(hi)
            );
        }
        out.push_str("</table>\n");
    }
    out
}

/// Four significant digits (indices and effects are estimates, not exact figures).
fn short_float(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

fn sweep_runs(dir: &Path, runs: u64) -> Result<Vec<(PathBuf, RunManifest)>, ReportError> {
    let mut manifests = Vec::new();
    for i in 0..runs {
        let rdir = run_dir(dir, i);
        let rm = read_run_manifest(&rdir)
            .map_err(|e| ReportError::Bad {
                path: rdir.clone(),
                message: e.to_string(),
            })?
            .ok_or_else(|| ReportError::Bad {
                path: rdir.clone(),
                message: "run is missing".into(),
            })?;
        manifests.push((rdir, rm));
    }
    Ok(manifests)
}

fn write_quantiles(into: &Path, q: &Table) -> Result<(), ReportError> {
    let mut csv = Vec::new();
    let qcsv = into.join(format!("{}.csv", q.name));
    write_table_csv(&mut csv, q).map_err(|source| ReportError::Io {
        path: qcsv.clone(),
        source,
    })?;
    write_bytes(&qcsv, &csv)?;
    crate::frame::write_frames(into, std::slice::from_ref(q)).map_err(|source| ReportError::Frame {
        path: into.join(format!("{}.parquet", q.name)),
        source,
    })
}

fn stem_fan_charts(
    q: &Table,
    stem: &str,
    manifests: &[(PathBuf, RunManifest)],
) -> Vec<crate::chart::Chart> {
    let labels = point_labels(manifests);
    let label = |p: u64| {
        labels
            .get(&p)
            .cloned()
            .unwrap_or_else(|| format!("point {p}"))
    };
    let mut fans = fan_charts(q, label);
    if stem != "daily" {
        for c in &mut fans {
            c.id = c.id.replacen("fan_", &format!("fan_{stem}_"), 1);
            c.title = format!("{stem}: {}", c.title);
        }
    }
    fans
}

fn sweep_body(
    m: &SweepManifest,
    name: &str,
    intro: &str,
    summary: &Table,
    skipped: &[(String, u64)],
    rendered: &[Rendered],
    into: &Path,
) -> String {
    let facts = vec![
        ("scenario file".to_owned(), m.scenario_file.clone()),
        ("runs".to_owned(), m.runs.to_string()),
        ("swept parameters".to_owned(), m.parameters.join(", ")),
        ("sweep digest".to_owned(), m.digest.clone()),
        ("sweep id".to_owned(), m.sweep_id.clone()),
        ("program".to_owned(), m.program.clone()),
    ];
    let mut body = format!(
        "<h1>dcfs-sim sweep: {}</h1>\n<h2>Key figures</h2>\n{}",
        html_escape(name),
        kv_table(&facts)
    );
    body.push_str(intro);
    body.push_str(&summary_html(summary, &m.parameters));
    body.push_str(
        "<p>Fan charts: per parameter point and day, the band spans the p5 and p95 and the line is the p50 of the runs (nearest rank: the k-th smallest with k = ⌈p·n/100⌉, exact integers).</p>\n",
    );
    for (stem, point) in skipped {
        let _ = writeln!(
            body,
            "<p>Point {point} has other <code>{}</code> columns than the first point; it is not in {}_quantiles.</p>",
            html_escape(stem),
            html_escape(stem)
        );
    }
    body.push_str(&charts_html(rendered));
    body.push_str(&files_html(into));
    body
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use crate::layout::RunManifest;

    use super::*;

    fn validators_table(epochs: u64) -> Table {
        let n = 3 * epochs;
        let mut t = Table::new("validators");
        t.push(
            "height",
            ColumnData::U64((0..n).map(|i| i / 3 * 200).collect()),
        );
        t.push(
            "validator",
            ColumnData::U64((0..n).map(|i| i % 3).collect()),
        );
        t.push(
            "status",
            ColumnData::Str((0..n).map(|_| "staked".to_owned()).collect()),
        );
        t.push(
            "stake_wei",
            ColumnData::U128((0..n).map(|i| u128::from(i) << 64).collect()),
        );
        t.push(
            "punishments_total",
            ColumnData::U64((0..n).map(|i| i % 7).collect()),
        );
        t.push(
            "jailings_total",
            ColumnData::U64((0..n).map(|i| i % 2).collect()),
        );
        t
    }

    /// `t` written as `<its name>.parquet` in a fresh directory named by `tag`.
    fn write_parquet(t: &Table, tag: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("dcfs-report-{tag}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let pq = dir.join(format!("{}.parquet", t.name));
        fs::write(&pq, table_to_parquet(t).unwrap()).unwrap();
        (dir, pq)
    }

    #[test]
    fn validators_summed_per_epoch_in_chunks_give_the_same_charts() {
        let t = validators_table(1000);
        let (dir, pq) = write_parquet(&t, "val-chunks");
        // Chunks of 7 rows split epochs (3 rows each) across chunk boundaries.
        let reduced = validators_per_epoch_with(&pq, "validators", 7, 5000).unwrap();
        let summed = &reduced[0];
        assert_eq!(summed.rows(), 1000);
        assert_eq!(
            summed
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["height", "stake_wei", "punishments_total", "jailings_total"]
        );
        assert_eq!(reduced[1].name, "validator_epochs");
        assert_eq!(reduced[1].rows(), 3000);
        assert_eq!(run_charts(&reduced), run_charts(&[t]));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn block_intervals_counted_in_chunks_give_the_same_chart() {
        // Forks: every 5th block has a sibling; ids in sealing order, parents a few ids back.
        let mut ids = Vec::new();
        let mut parents = Vec::new();
        let mut times = Vec::new();
        let mut tip = 0_u64;
        for i in 1..3000_u64 {
            ids.push(i);
            parents.push(tip);
            times.push(i * 6_000 + (i * 7919) % 5_500);
            if i % 5 != 0 {
                tip = i;
            }
        }
        let mut t = Table::new("blocks");
        t.push("height", ColumnData::U64(ids.clone()));
        t.push("time_ms", ColumnData::U64(times));
        t.push("block_id", ColumnData::U64(ids));
        t.push("parent_id", ColumnData::U64(parents));
        let (dir, pq) = write_parquet(&t, "blk");
        let counted = block_intervals_counted_with(&pq, "blocks", 97).unwrap();
        let (a, b) = (run_charts(&[counted]), run_charts(&[t]));
        assert_eq!(a.len(), 1);
        assert_eq!(a, b);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn manifest(run: u64, point: u64) -> RunManifest {
        RunManifest {
            program: "t".into(),
            scenario_file: "s.toml".into(),
            sweep_id: "x".into(),
            sweep_runs: 6,
            run_index: run,
            point_index: point,
            seed: run,
            overrides: Default::default(),
            scenario_digest: String::new(),
            scenario: serde_json::Value::Null,
            files: Default::default(),
            digest: String::new(),
            tables: Vec::new(),
            summary: Vec::new(),
            seal: String::new(),
        }
    }

    #[test]
    fn sweep_quantiles_read_by_day_ranges_equal_whole_tables() {
        let dir = std::env::temp_dir().join(format!("dcfs-report-q-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut manifests = Vec::new();
        for run in 0..6_u64 {
            let days = 500 - 7 * run; // runs of different lengths
            let mut t = Table::new("daily");
            // Run 5 skips day 3: its rows are not its days, so its point is read whole.
            let day: Vec<u64> = (0..days).filter(|&d| run != 5 || d != 3).collect();
            t.push(
                "x_wei",
                ColumnData::U128(
                    day.iter()
                        .map(|d| u128::from((d * 7919 + run * 104_729) % 1000) << 60)
                        .collect(),
                ),
            );
            t.push(
                "n",
                ColumnData::U64(day.iter().map(|d| (d + run) % 17).collect()),
            );
            t.push("day", ColumnData::U64(day));
            let rdir = dir.join(format!("{run}"));
            fs::create_dir_all(&rdir).unwrap();
            fs::write(rdir.join("daily.parquet"), table_to_parquet(&t).unwrap()).unwrap();
            manifests.push((rdir, manifest(run, run / 3)));
        }
        let whole = sweep_quantiles_with(&dir, &manifests, "daily", usize::MAX).unwrap();
        let chunked = sweep_quantiles_with(&dir, &manifests, "daily", 3 * 3 * 40).unwrap();
        assert!(whole.0.as_ref().unwrap().rows() > 900);
        assert_eq!(whole, chunked);
        // The chunked path is taken for point 0 (contiguous days): same result with any budget.
        let point0 = &manifests[..3];
        let parquets = point_parquets(point0, "daily").unwrap().unwrap();
        let q = chunked_point_quantiles(&parquets, "daily", 0, 100)
            .unwrap()
            .unwrap();
        let (all, _) = sweep_quantiles_with(&dir, point0, "daily", usize::MAX).unwrap();
        assert_eq!(Some(q), all);
        // Point 1 has a missing day: not readable by day ranges.
        let parquets = point_parquets(&manifests[3..], "daily").unwrap().unwrap();
        assert!(
            chunked_point_quantiles(&parquets, "daily", 1, 100)
                .unwrap()
                .is_none()
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_validator_tables_keep_evenly_spaced_epochs_and_the_last() {
        let t = validators_table(10_001);
        let (dir, pq) = write_parquet(&t, "val-thin");
        let full = validators_per_epoch_with(&pq, "validators", 1 << 20, usize::MAX).unwrap();
        let thin = validators_per_epoch_with(&pq, "validators", 1000, 100).unwrap();
        let (full, thin) = (full[0].clone(), thin[0].clone());
        assert!(
            thin.rows() <= 101 && thin.rows() > 50,
            "{} epochs",
            thin.rows()
        );
        let heights = |t: &Table| match &t.columns[0].data {
            ColumnData::U64(v) => v.clone(),
            _ => unreachable!(),
        };
        let (hf, ht) = (heights(&full), heights(&thin));
        assert_eq!(ht.first(), hf.first());
        assert_eq!(ht.last(), hf.last());
        // Every kept epoch has exactly its full sums; spacing is even (one stride) but for the last.
        for (i, h) in ht.iter().enumerate() {
            let j = hf.binary_search(h).unwrap();
            for (cf, ct) in full.columns.iter().zip(&thin.columns) {
                assert_eq!(cf.data.cell(j), ct.data.cell(i));
            }
        }
        let gaps: Vec<u64> = ht.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[..gaps.len() - 1].iter().all(|g| *g == gaps[0]));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sub_day_blocks_count_canonical_blocks_and_spread_gaps_over_buckets() {
        // A block every 6 s for the first hour, none for 2 h, then every 6 s again; a forked
        // (non-canonical) block inside the gap is not counted.
        let mut time = Vec::new();
        let mut canonical = Vec::new();
        for i in 0..600_u64 {
            time.push(i * 6_000);
            canonical.push(true);
        }
        time.push(4_000_000);
        canonical.push(false);
        for i in 0..600_u64 {
            time.push(10_800_000 + i * 6_000);
            canonical.push(true);
        }
        let mut t = Table::new("blocks");
        t.push("time_ms", ColumnData::U64(time));
        t.push("canonical", ColumnData::Bool(canonical));
        let (dir, pq) = write_parquet(&t, "subday");
        let w = SubDayWindow {
            from_s: 0,
            to_s: 5 * 3600,
            bucket_s: 3600,
        };
        let whole = sub_day_blocks(&pq, "blocks", w, 1 << 20).unwrap();
        assert_eq!(whole, sub_day_blocks(&pq, "blocks", w, 77).unwrap());
        let col = |n: &str| match &whole.columns.iter().find(|c| c.name == n).unwrap().data {
            ColumnData::U64(v) => v.clone(),
            _ => unreachable!(),
        };
        assert_eq!(col("canonical_blocks"), [600, 0, 0, 600, 0]);
        // The 2 h 6 s gap (last block at 3,594 s, next at 10,800 s) shows in hours 0 to 2; the
        // last block (14,394 s) is 3,606 s before the window's end, in hours 3 and 4.
        let gap = 10_800_000 - 599 * 6_000;
        assert_eq!(col("longest_gap_ms"), [gap, gap, gap, 3_606_000, 3_606_000]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missed_turns_read_in_chunks_give_the_same_heat_map() {
        // 300 days × 25 validators: days grouped in spans of 3 (at most 120 columns).
        let n = 300 * 25_u64;
        let mut t = Table::new("validator_daily");
        t.push("day", ColumnData::U64((0..n).map(|i| i / 25).collect()));
        t.push(
            "validator",
            ColumnData::U64((0..n).map(|i| i % 25).collect()),
        );
        t.push(
            "missed_turns",
            ColumnData::U64((0..n).map(|i| i * 7919 % 13).collect()),
        );
        t.push("offline_ms", ColumnData::U64(vec![0; n as usize]));
        let (dir, pq) = write_parquet(&t, "missed");
        let reduced = missed_turns_per_span(&pq, "validator_daily", 300, 1000).unwrap();
        assert!(reduced.rows() <= 100 * 25, "{} rows", reduced.rows());
        let (a, b) = (run_charts(&[reduced]), run_charts(&[t]));
        assert_eq!(a.len(), 1);
        assert_eq!(a, b);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_parse_infers_exact_types() {
        let mut t = Table::new("daily");
        t.push("day", ColumnData::U64(vec![0, 1]));
        t.push("x_wei", ColumnData::U128(vec![u128::MAX, 0]));
        t.push("ok", ColumnData::Bool(vec![true, false]));
        t.push("note", ColumnData::Str(vec!["a,\"b\"".into(), "c".into()]));
        let mut csv = Vec::new();
        write_table_csv(&mut csv, &t).unwrap();
        let back = parse_csv_table("daily", std::str::from_utf8(&csv).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
