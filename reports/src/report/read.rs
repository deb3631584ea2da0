//! Reading a run's written tables back: Parquet with exact types, else CSV with inferred types.

use std::fs;
use std::io::{self};
use std::path::Path;

use scenarios::{ColumnData, Table};

use super::error::*;
use crate::frame::read_parquet_table;

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

pub(super) fn split_csv_line(line: &str) -> Vec<String> {
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
    // `*_dcc` floats beside `*_wei` columns are derived; the table is the exact integers.
    let derived = |h: &str| {
        h.strip_suffix("_dcc")
            .is_some_and(|stem| header.iter().any(|x| *x == format!("{stem}_wei")))
    };
    let optional = scenarios::tables::dictionary::optional_columns(name);
    for (h, vals) in header.iter().zip(cols) {
        if derived(h) {
            continue;
        }
        if optional.contains(&h.as_str()) {
            t.push(h, optional_column(h, &vals)?);
            continue;
        }
        if scenarios::tables::dictionary::column_type(name, h)
            == Some(scenarios::tables::dictionary::ColumnType::F64)
        {
            let parsed: Result<Vec<scenarios::Float>, String> = vals
                .iter()
                .map(|v| {
                    v.parse()
                        .map(scenarios::Float)
                        .map_err(|_| format!("column {h}: {v:?} is not a number"))
                })
                .collect();
            t.push(h, ColumnData::F64(parsed?));
            continue;
        }
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

/// An optional integer column read back: empty cells are absent values.
fn optional_column(name: &str, vals: &[String]) -> Result<ColumnData, String> {
    if name.ends_with("_wei") {
        optional_values(name, vals).map(ColumnData::OptU128)
    } else {
        optional_values(name, vals).map(ColumnData::OptU64)
    }
}

fn optional_values<T: std::str::FromStr>(
    name: &str,
    vals: &[String],
) -> Result<Vec<Option<T>>, String> {
    vals.iter()
        .map(|v| {
            (!v.is_empty())
                .then(|| {
                    v.parse()
                        .map_err(|_| format!("column {name}: {v:?} is not an integer"))
                })
                .transpose()
        })
        .collect()
}
