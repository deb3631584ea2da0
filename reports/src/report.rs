//! Run and sweep reports from written files: Parquet frames beside the CSV tables, charts as SVG
//! and PNG under `charts/`, per-day quantiles and `summary.parquet` of a sweep, and a
//! self-contained `index.html` (inline CSS and SVG, relative links, no network).
//!
//! Everything here reads what a run or sweep directory holds (manifests, Parquet, or CSV when a
//! Parquet file is missing), so `dcfs-sim report DIR` re-renders exactly what `run`, `sweep` and
//! `merge` write. Sweep products are computed from `runs/<index>/` in index order, point by
//! point, so they are identical for any thread count and for merged shards.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use scenarios::{ColumnData, Table};

use crate::atomic::{AtomicWriteError, write_atomically};
use crate::chart::{Chart, ChartError, render_png, render_svg};
use crate::charts::{fan_charts, run_charts, summary_charts};
use crate::csv::write_table_csv;
use crate::frame::{
    FrameError, parquet_column_names, parquet_row_count, read_parquet_slice, read_parquet_table,
    table_to_parquet, wei_to_dcc,
};
use crate::output::{MANIFEST, RunManifest, SUMMARY, SweepManifest, read_run_manifest, run_dir};
use crate::quantile::{QuantileError, RunDaily, daily_quantiles};

/// Report page file name.
pub const INDEX: &str = "index.html";
/// Charts folder name.
pub const CHARTS: &str = "charts";
/// The sweep's per-day quantile table stem for `daily` (other per-day tables `<name>_daily` get
/// `<name>_daily_quantiles`).
pub const QUANTILES: &str = "daily_quantiles";
/// The most rows of the summary shown in a sweep page (all are in summary.csv).
pub const MAX_SUMMARY_ROWS_SHOWN: usize = 200;
/// The most table cells of one parameter point held in memory for quantiles when its tables
/// cannot be read by day ranges (no Parquet, or days that are not one row each from day 0).
pub const MAX_POINT_CELLS: usize = 200_000_000;
/// The table cells of one parameter point read at a time for quantiles: longer sweeps (many
/// seeds × long horizons) are read a range of days at a time from every run's Parquet file.
pub const QUANTILE_CHUNK_CELLS: usize = 16_000_000;

/// A report problem.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A frame could not be built, written or read.
    #[error("{}: {source}", path.display())]
    Frame {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: FrameError,
    },
    /// A chart could not be rendered.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// Quantiles could not be computed.
    #[error(transparent)]
    Quantile(#[from] QuantileError),
    /// The directory is not a run or sweep written by this program, or a file in it is malformed.
    #[error("{}: {message}", path.display())]
    Bad {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomically(path, |w| w.write_all(bytes)).map_err(|e| match e {
        AtomicWriteError::Io(path, source) => ReportError::Io { path, source },
        AtomicWriteError::Fill(source) => ReportError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

fn mkdir(dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `<dir>/<table>.parquet` for each table (atomically).
pub fn write_frames(dir: &Path, tables: &[Table]) -> Result<(), ReportError> {
    for t in tables {
        let path = dir.join(format!("{}.parquet", t.name));
        let bytes = table_to_parquet(t).map_err(|source| ReportError::Frame {
            path: path.clone(),
            source,
        })?;
        write_bytes(&path, &bytes)?;
    }
    Ok(())
}

/// Loads table `stem` of `dir`: from `<stem>.parquet` (exact types), else from `<stem>.csv`
/// (types inferred: see [`parse_csv_table`]); `None` if neither exists.
pub fn load_table(dir: &Path, stem: &str) -> Result<Option<Table>, ReportError> {
    let pq = dir.join(format!("{stem}.parquet"));
    if pq.is_file() {
        return read_parquet_table(&pq, stem)
            .map(Some)
            .map_err(|source| ReportError::Frame { path: pq, source });
    }
    let csv = dir.join(format!("{stem}.csv"));
    match fs::read_to_string(&csv) {
        Ok(text) => parse_csv_table(stem, &text)
            .map(Some)
            .map_err(|message| ReportError::Bad { path: csv, message }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ReportError::Io { path: csv, source }),
    }
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cells.push(cur);
    cells
}

/// Parses a CSV written by [`write_table_csv`] (no line breaks inside cells). Column types:
/// u64 if every cell is a u64 and the name does not end in `_wei`; u128 if every cell is a
/// u128; bool if every cell is `true`/`false`; text otherwise.
pub fn parse_csv_table(name: &str, text: &str) -> Result<Table, String> {
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().ok_or("empty file")?);
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for (i, line) in lines.enumerate() {
        let cells = split_csv_line(line);
        if cells.len() != header.len() {
            return Err(format!(
                "line {}: {} cells, header has {}",
                i + 2,
                cells.len(),
                header.len()
            ));
        }
        for (c, v) in cols.iter_mut().zip(cells) {
            c.push(v);
        }
    }
    let mut t = Table::new(name);
    for (h, vals) in header.iter().zip(cols) {
        let data = if !h.ends_with("_wei") && vals.iter().all(|v| v.parse::<u64>().is_ok()) {
            ColumnData::U64(vals.iter().filter_map(|v| v.parse().ok()).collect())
        } else if vals.iter().all(|v| v.parse::<u128>().is_ok()) {
            ColumnData::U128(vals.iter().filter_map(|v| v.parse().ok()).collect())
        } else if vals.iter().all(|v| v == "true" || v == "false") {
            ColumnData::Bool(vals.iter().map(|v| v == "true").collect())
        } else {
            ColumnData::Str(vals)
        };
        t.push(h, data);
    }
    Ok(t)
}

/// A chart written to disk, with its SVG text for inlining.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The chart.
    pub chart: Chart,
    /// Its SVG document.
    pub svg: String,
}

/// Renders `charts` into `<dir>/charts/<id>.svg` and `.png` (atomically).
pub fn write_charts(dir: &Path, charts: Vec<Chart>) -> Result<Vec<Rendered>, ReportError> {
    let cdir = dir.join(CHARTS);
    mkdir(&cdir)?;
    let mut out = Vec::with_capacity(charts.len());
    for chart in charts {
        let svg = render_svg(&chart)?;
        write_bytes(&cdir.join(format!("{}.svg", chart.id)), svg.as_bytes())?;
        let png = render_png(&chart)?;
        write_bytes(&cdir.join(format!("{}.png", chart.id)), &png)?;
        out.push(Rendered { chart, svg });
    }
    Ok(out)
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1040px;color:#222;padding:0 1em}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}.exact{color:#777;font-size:.85em}\
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.9em;color:#555}\
.scroll{overflow-x:auto}code{font-size:.9em}";

/// A value cell: wei shown as DCC with the exact integer below.
fn value_cell(name: &str, value: &str) -> String {
    if name.ends_with("_wei")
        && let Ok(w) = value.parse::<u128>()
    {
        return format!(
            "<td class=\"n\">{} DCC<br><span class=\"exact\">{} wei</span></td>",
            html_escape(&crate::chart::format_si(wei_to_dcc(w))),
            html_escape(value)
        );
    }
    format!("<td class=\"n\">{}</td>", html_escape(value))
}

fn svg_inline(svg: &str) -> String {
    // Make the inline SVG scale with the page: give it a viewBox if it has none.
    if svg.contains("viewBox") {
        svg.to_owned()
    } else {
        svg.replacen(
            "<svg ",
            &format!(
                "<svg viewBox=\"0 0 {} {}\" ",
                crate::chart::WIDTH_PX,
                crate::chart::HEIGHT_PX
            ),
            1,
        )
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        html_escape(title)
    )
}

fn charts_html(rendered: &[Rendered]) -> String {
    let mut s = String::from("<h2>Charts</h2>\n");
    if rendered.is_empty() {
        s.push_str("<p>No chart applies to the tables of this output.</p>\n");
    }
    for r in rendered {
        let id = html_escape(&r.chart.id);
        let _ = writeln!(
            s,
            "<figure id=\"{id}\">\n{}\n<figcaption>{} — <a href=\"{CHARTS}/{id}.svg\">SVG</a> · <a href=\"{CHARTS}/{id}.png\">PNG</a></figcaption>\n</figure>",
            svg_inline(&r.svg),
            html_escape(&r.chart.title)
        );
    }
    s
}

fn files_html(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && n != INDEX)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut s = String::from("<h2>Files</h2>\n<ul>\n");
    for n in names {
        let n = html_escape(&n);
        let _ = writeln!(s, "<li><a href=\"{n}\">{n}</a></li>");
    }
    s.push_str("</ul>\n<p>CSV and Parquet hold exact integers (wei as Decimal(38,0) in Parquet, with <code>*_dcc</code> float columns for convenience); see the reports README for every column.</p>\n");
    s
}

fn kv_table(rows: &[(String, String)]) -> String {
    let mut s = String::from("<table class=\"kv\">\n");
    for (k, v) in rows {
        let _ = writeln!(
            s,
            "<tr><th>{}</th>{}</tr>",
            html_escape(k),
            value_cell(k, v)
        );
    }
    s.push_str("</table>\n");
    s
}

fn scenario_name(m: &RunManifest) -> String {
    m.scenario
        .get("run")
        .and_then(|r| r.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_owned()
}

/// Tables charts read whole (one row per day, term, candidate or validator epoch).
const CHARTED_TABLES: [&str; 7] = [
    "daily",
    "chain_daily",
    "elections",
    "validators",
    "epochs",
    "reorgs",
    "reorg_depths",
];
/// Columns of the `blocks` table the block-interval chart reads.
const BLOCK_COLUMNS: [&str; 4] = ["block_id", "parent_id", "time_ms", "interval_ms"];

/// Loads the tables a run manifest lists (`<stem>.csv` in `files`) that charts use; the long
/// ones (`validators`, `blocks`) are read a chunk at a time and reduced to what their charts
/// draw, so memory does not grow with the horizon.
fn run_tables(dir: &Path, m: &RunManifest) -> Result<Vec<Table>, ReportError> {
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
const CHART_CHUNK_ROWS: usize = 1 << 18;
/// Reads the columns `wanted` of Parquet file `pq` (table `stem`) `chunk_rows` rows at a time,
/// in file order, handing each chunk to `f` until the file ends or `f` breaks.
fn for_each_chunk(
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
const MAX_CHART_EPOCHS: usize = 2 * crate::chart::MAX_POINTS;

/// The per-validator-per-epoch table summed per epoch, with only the columns the validator
/// charts use (the epoch key, stakes, punishment and jailing counts), read a chunk at a time
/// and thinned to at most [`MAX_CHART_EPOCHS`] evenly spaced epochs (plus the last), so the
/// report's memory does not grow with the horizon.
fn validators_per_epoch(pq: &Path, stem: &str) -> Result<Table, ReportError> {
    validators_per_epoch_with(pq, stem, CHART_CHUNK_ROWS, MAX_CHART_EPOCHS)
}

/// Epoch sums kept with their ordinal (position among the table's epochs).
struct EpochSums {
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

fn validators_per_epoch_with(
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
const PARENT_WINDOW_BLOCKS: usize = 1 << 18;

/// The block-interval histogram's input from a blocks table of any length: how many blocks had
/// each interval to their parent (`interval_ms`, `blocks`), read a chunk at a time. Only blocks
/// whose parent is in the table (every block with `blocks_every = 1`) have an interval.
fn block_intervals_counted(pq: &Path, stem: &str) -> Result<Table, ReportError> {
    block_intervals_counted_with(pq, stem, CHART_CHUNK_ROWS)
}

fn block_intervals_counted_with(
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

fn summary_typed(t: &Table) -> Table {
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

/// Writes the sweep products of `dir` (a sweep directory whose `summary.csv` and `manifest.json`
/// exist): `summary.parquet`, `<table>_quantiles.csv` and `.parquet` for `daily` and every
/// `<name>_daily` table (per point and day, p5/p50/p95 of every numeric column), summary and
/// fan charts, and `index.html`.
pub fn render_sweep_report(dir: &Path) -> Result<(), ReportError> {
    let mpath = dir.join(MANIFEST);
    let text = fs::read_to_string(&mpath).map_err(|source| ReportError::Io {
        path: mpath.clone(),
        source,
    })?;
    let m: SweepManifest = serde_json::from_str(&text).map_err(|e| ReportError::Bad {
        path: mpath.clone(),
        message: e.to_string(),
    })?;
    let spath = dir.join(SUMMARY);
    let stext = fs::read_to_string(&spath).map_err(|source| ReportError::Io {
        path: spath.clone(),
        source,
    })?;
    let summary = parse_csv_table("summary", &stext).map_err(|message| ReportError::Bad {
        path: spath.clone(),
        message,
    })?;
    let typed = summary_typed(&summary);
    let sp = dir.join("summary.parquet");
    write_bytes(
        &sp,
        &table_to_parquet(&typed).map_err(|source| ReportError::Frame {
            path: sp.clone(),
            source,
        })?,
    )?;

    // Runs in index order, one parameter point at a time.
    let mut manifests = Vec::new();
    for i in 0..m.runs {
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
    let mut charts = summary_charts(&summary, &m.parameters);
    let mut skipped: Vec<(String, u64)> = Vec::new();
    for stem in daily_stems(&manifests) {
        let (quantiles, skip) = sweep_quantiles(dir, &manifests, &stem)?;
        skipped.extend(skip.into_iter().map(|p| (stem.clone(), p)));
        let Some(mut q) = quantiles else {
            continue;
        };
        q.name = format!("{stem}_quantiles");
        let mut csv = Vec::new();
        let qcsv = dir.join(format!("{}.csv", q.name));
        write_table_csv(&mut csv, &q).map_err(|source| ReportError::Io {
            path: qcsv.clone(),
            source,
        })?;
        write_bytes(&qcsv, &csv)?;
        write_frames(dir, std::slice::from_ref(&q))?;
        let label = |p: u64| point_label(&manifests, p);
        let mut fans = fan_charts(&q, label);
        if stem != "daily" {
            for c in &mut fans {
                c.id = c.id.replacen("fan_", &format!("fan_{stem}_"), 1);
                c.title = format!("{stem}: {}", c.title);
            }
        }
        charts.extend(fans);
    }
    let rendered = write_charts(dir, charts)?;

    let facts = vec![
        ("scenario file".to_owned(), m.scenario_file.clone()),
        ("runs".to_owned(), m.runs.to_string()),
        ("swept parameters".to_owned(), m.parameters.join(", ")),
        ("sweep digest".to_owned(), m.digest.clone()),
        ("sweep id".to_owned(), m.sweep_id.clone()),
        ("program".to_owned(), m.program.clone()),
    ];
    let name = manifests
        .first()
        .map(|(_, r)| scenario_name(r))
        .unwrap_or_default();
    let mut body = format!(
        "<h1>dcfs-sim sweep: {}</h1>\n<h2>Key figures</h2>\n{}",
        html_escape(&name),
        kv_table(&facts)
    );
    body.push_str(&summary_html(&summary));
    body.push_str(
        "<p>Fan charts: per parameter point and day, the band spans the p5 and p95 and the line is the p50 of the runs (nearest rank: the k-th smallest with k = ⌈p·n/100⌉, exact integers).</p>\n",
    );
    for (stem, point) in &skipped {
        let _ = writeln!(
            body,
            "<p>Point {point} has other <code>{}</code> columns than the first point; it is not in {}_quantiles.</p>",
            html_escape(stem),
            html_escape(stem)
        );
    }
    body.push_str(&charts_html(&rendered));
    body.push_str(&files_html(dir));
    write_bytes(
        &dir.join(INDEX),
        page(&format!("dcfs-sim sweep: {name}"), &body).as_bytes(),
    )
}

/// Per-day tables of the runs (`daily` and `<name>_daily`, with a `day` column), from the
/// first run's manifest, in name order.
fn daily_stems(manifests: &[(PathBuf, RunManifest)]) -> Vec<String> {
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
fn sweep_quantiles(
    dir: &Path,
    manifests: &[(PathBuf, RunManifest)],
    stem: &str,
) -> Result<(Option<Table>, Vec<u64>), ReportError> {
    sweep_quantiles_with(dir, manifests, stem, QUANTILE_CHUNK_CELLS)
}

/// The quantiles of one point's per-day tables `(run, table)` (tables without rows add
/// nothing); `None` if no run has a row.
fn point_quantiles(tables: &[(u64, Table)], point: u64) -> Result<Option<Table>, ReportError> {
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
struct RunParquet {
    run: u64,
    path: PathBuf,
    rows: usize,
    columns: Vec<String>,
}

/// Each run's `<stem>.parquet` of one point with its rows and columns, if every run has one.
fn point_parquets(
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
fn chunked_point_quantiles(
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

fn sweep_quantiles_with(
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
                Some(acc) if same_columns(&acc, &q) => {
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

fn point_label(manifests: &[(PathBuf, RunManifest)], p: u64) -> String {
    let Some((_, m)) = manifests.iter().find(|(_, m)| m.point_index == p) else {
        return format!("point {p}");
    };
    if m.overrides.is_empty() {
        return format!("point {p}");
    }
    m.overrides
        .iter()
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_html(summary: &Table) -> String {
    let mut s = format!(
        "<h2>Runs ({})</h2>\n<div class=\"scroll\"><table>\n<tr>",
        summary.rows()
    );
    for c in &summary.columns {
        let _ = write!(s, "<th>{}</th>", html_escape(&c.name));
    }
    s.push_str("</tr>\n");
    for row in 0..summary.rows().min(MAX_SUMMARY_ROWS_SHOWN) {
        s.push_str("<tr>");
        for c in &summary.columns {
            s.push_str(&value_cell(&c.name, &c.data.cell(row)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table></div>\n");
    if summary.rows() > MAX_SUMMARY_ROWS_SHOWN {
        let _ = writeln!(
            s,
            "<p>First {MAX_SUMMARY_ROWS_SHOWN} runs shown; all are in <a href=\"{SUMMARY}\">{SUMMARY}</a>.</p>"
        );
    }
    s
}

fn same_columns(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns.iter().zip(&b.columns).all(|(x, y)| {
            x.name == y.name && std::mem::discriminant(&x.data) == std::mem::discriminant(&y.data)
        })
}

/// `b`'s rows appended to `a` (same column names and types).
fn append_rows(mut a: Table, b: Table) -> Result<Table, String> {
    if a.columns.len() != b.columns.len() {
        return Err("parameter points have different daily columns".into());
    }
    for (x, y) in a.columns.iter_mut().zip(b.columns) {
        if x.name != y.name {
            return Err(format!("column {} vs {}", x.name, y.name));
        }
        match (&mut x.data, y.data) {
            (ColumnData::U64(p), ColumnData::U64(q)) => p.extend(q),
            (ColumnData::U128(p), ColumnData::U128(q)) => p.extend(q),
            (ColumnData::Bool(p), ColumnData::Bool(q)) => p.extend(q),
            (ColumnData::Str(p), ColumnData::Str(q)) => p.extend(q),
            _ => return Err(format!("column {} changes type between points", x.name)),
        }
    }
    Ok(a)
}

/// Re-renders the report of `dir`: a sweep if its manifest is a sweep manifest, else a run.
pub fn render_report(dir: &Path) -> Result<(), ReportError> {
    let mpath = dir.join(MANIFEST);
    let text = fs::read_to_string(&mpath).map_err(|source| ReportError::Io {
        path: mpath.clone(),
        source,
    })?;
    if serde_json::from_str::<SweepManifest>(&text).is_ok() {
        render_sweep_report(dir)
    } else {
        render_run_report(dir)
    }
}

#[cfg(test)]
mod tests {
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

    fn write_parquet(t: &Table, tag: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("dcfs-report-{tag}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let pq = dir.join("validators.parquet");
        fs::write(&pq, table_to_parquet(t).unwrap()).unwrap();
        (dir, pq)
    }

    #[test]
    fn validators_summed_per_epoch_in_chunks_give_the_same_charts() {
        let t = validators_table(1000);
        let (dir, pq) = write_parquet(&t, "val-chunks");
        // Chunks of 7 rows split epochs (3 rows each) across chunk boundaries.
        let summed = validators_per_epoch_with(&pq, "validators", 7, 5000).unwrap();
        assert_eq!(summed.rows(), 1000);
        assert_eq!(
            summed
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["height", "stake_wei", "punishments_total", "jailings_total"]
        );
        assert_eq!(run_charts(&[summed]), run_charts(&[t]));
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
        let dir = std::env::temp_dir().join(format!("dcfs-report-blk-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let pq = dir.join("blocks.parquet");
        fs::write(&pq, table_to_parquet(&t).unwrap()).unwrap();
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
