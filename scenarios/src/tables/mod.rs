//! Output tables: the only place table names and columns are spelled. Columnar [`Table`]s with
//! exact integer columns and their format-independent digest are defined here; each submodule
//! builds one family of tables from engine records, and the summaries' figures are named in
//! [`summary`]. Writers, charts and `dcfs-sim emission` take names and columns from here.

pub mod chain;
pub mod dictionary;
pub mod economy;
pub mod inequality;
pub mod summary;
pub mod supply;

/// Table names: also the file stems of a run's outputs (`daily` → `daily.csv`).
pub mod names {
    /// Daily rows: the supply schedule, or the economy's settled days.
    pub const DAILY: &str = "daily";
    /// The chain's daily statistics.
    pub const CHAIN_DAILY: &str = "chain_daily";
    /// Sampled blocks with their canonical verdict.
    pub const BLOCKS: &str = "blocks";
    /// The contracts' per-validator epoch records.
    pub const VALIDATORS: &str = "validators";
    /// The contracts' event log.
    pub const EVENTS: &str = "events";
    /// Reorganisations counted by depth.
    pub const REORG_DEPTHS: &str = "reorg_depths";
    /// Per-validator consensus figures per day.
    pub const VALIDATOR_DAILY: &str = "validator_daily";
    /// Per-validator consensus figures over the run.
    pub const VALIDATOR_STATS: &str = "validator_stats";
    /// Per-node totals at the end of the run.
    pub const NODES: &str = "nodes";
    /// Per-term election results.
    pub const ELECTIONS: &str = "elections";
    /// Gini and Nakamoto coefficients of node rewards, every K days.
    pub const REWARD_INEQUALITY: &str = "reward_inequality";
    /// Gini and Nakamoto coefficients of validator stake, every K days.
    pub const STAKE_INEQUALITY: &str = "stake_inequality";
    /// Every node's figures every K settled days.
    pub const NODE_DAILY: &str = "node_daily";
    /// Per-voter totals at the end of the run.
    pub const VOTERS: &str = "voters";
    /// A run's key figures (one row).
    pub const SUMMARY: &str = "summary";
    /// A search's evaluated values, one row each (`search.csv`; `search.json` holds the answer).
    pub const SEARCH: &str = "search";
    /// A sampled sweep's sensitivity indices (`sensitivity.csv`).
    pub const SENSITIVITY: &str = "sensitivity";
    /// The tables that grow with the horizon: streamed to a sink while a run goes.
    pub const STREAMED: [&str; 7] = [
        DAILY,
        CHAIN_DAILY,
        VALIDATOR_DAILY,
        BLOCKS,
        VALIDATORS,
        EVENTS,
        NODE_DAILY,
    ];
}

use sim_core::{Digest, OutputDigest};

/// A named column extractor: output column name and how to read it from a record.
pub type Field<R, T> = (&'static str, fn(&R) -> T);

/// The values of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnData {
    /// Unsigned 64-bit integers (days, heights, counts).
    U64(Vec<u64>),
    /// Exact wei amounts and other u128 integers.
    U128(Vec<u128>),
    /// Flags.
    Bool(Vec<bool>),
    /// Text.
    Str(Vec<String>),
    /// Unsigned 64-bit integers that may be absent (a field that a row's kind has not: an
    /// empty CSV cell, a Parquet null).
    OptU64(Vec<Option<u64>>),
    /// Exact amounts that may be absent.
    OptU128(Vec<Option<u128>>),
    /// Ratios and statistics computed for reading (a Gini coefficient): never fed back into
    /// the simulation. Finite values only; printed in the shortest form that reads back exactly.
    F64(Vec<Float>),
}

/// An `f64` that compares by its bits, so tables stay `Eq` (and a digest that is equal means
/// values that are equal).
#[derive(Debug, Clone, Copy)]
pub struct Float(pub f64);

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Float {}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::U64(v) => v.len(),
            ColumnData::U128(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Str(v) => v.len(),
            ColumnData::OptU64(v) => v.len(),
            ColumnData::OptU128(v) => v.len(),
            ColumnData::F64(v) => v.len(),
        }
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type tag used in digests: u64 1, u128 2, bool 3, text 4, optional u64 5, optional
    /// u128 6, f64 7.
    pub fn kind(&self) -> u64 {
        match self {
            ColumnData::U64(_) => 1,
            ColumnData::U128(_) => 2,
            ColumnData::Bool(_) => 3,
            ColumnData::Str(_) => 4,
            ColumnData::OptU64(_) => 5,
            ColumnData::OptU128(_) => 6,
            ColumnData::F64(_) => 7,
        }
    }

    /// Row `i` as text (exact integers).
    pub fn cell(&self, i: usize) -> String {
        let mut out = Vec::new();
        self.write_cell(i, &mut out);
        String::from_utf8(out).expect("a cell is text or ASCII digits")
    }

    /// Appends row `i` as [`ColumnData::cell`] gives it, without a `String` of its own (the CSV
    /// writer formats millions of cells this way).
    pub fn write_cell(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            ColumnData::U64(v) => push_u128(out, u128::from(v[i])),
            ColumnData::U128(v) => push_u128(out, v[i]),
            ColumnData::Bool(v) => out.extend_from_slice(if v[i] { b"true" } else { b"false" }),
            ColumnData::Str(v) => out.extend_from_slice(v[i].as_bytes()),
            ColumnData::OptU64(v) => {
                if let Some(x) = v[i] {
                    push_u128(out, u128::from(x));
                }
            }
            ColumnData::OptU128(v) => {
                if let Some(x) = v[i] {
                    push_u128(out, x);
                }
            }
            // Writing into a `Vec` cannot fail.
            ColumnData::F64(v) => {
                let _ = std::io::Write::write_fmt(out, format_args!("{}", v[i].0));
            }
        }
    }
}

/// Appends `v` in decimal, as `Display` writes it.
fn push_u128(out: &mut Vec<u8>, v: u128) {
    const TEN_19: u128 = 10_000_000_000_000_000_000;
    match u64::try_from(v) {
        Ok(small) => push_u64(out, small, 1),
        // Above u64 (amounts in wei): the high part, then the low 19 digits zero-padded, so
        // only one 128-bit division is made.
        Err(_) => {
            push_u128(out, v / TEN_19);
            push_u64(out, (v % TEN_19) as u64, 19);
        }
    }
}

/// Appends `v` in decimal with at least `width` digits (zero-padded).
fn push_u64(out: &mut Vec<u8>, mut v: u64, width: usize) {
    // u64::MAX has 20 digits.
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    while v > 0 {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&digits[at.min(digits.len() - width)..]);
}

/// A named column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name (units last, e.g. `emission_wei`).
    pub name: String,
    /// Its values.
    pub data: ColumnData,
}

/// A named table of equally long columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Table name; also the output file stem (`daily` → `daily.csv`).
    pub name: String,
    /// Columns in output order.
    pub columns: Vec<Column>,
}

impl Table {
    /// An empty table.
    pub fn new(name: &str) -> Self {
        Table {
            name: name.to_owned(),
            columns: Vec::new(),
        }
    }

    /// Appends a column (all columns must have the same length).
    pub fn push(&mut self, name: &str, data: ColumnData) {
        debug_assert!(
            self.columns
                .first()
                .is_none_or(|c| c.data.len() == data.len()),
            "ragged table {}",
            self.name
        );
        self.columns.push(Column {
            name: name.to_owned(),
            data,
        });
    }

    /// Appends a one-value `u64` column (a figure of a one-row table such as a run's summary).
    pub fn push_one_u64(&mut self, name: &str, value: u64) {
        self.push(name, ColumnData::U64(vec![value]));
    }

    /// Appends a one-value `u128` column (an exact amount of a one-row table).
    pub fn push_one_u128(&mut self, name: &str, value: u128) {
        self.push(name, ColumnData::U128(vec![value]));
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// An empty table with the same name and columns (names and types).
    pub fn empty_like(&self) -> Table {
        self.slice(0, 0)
    }

    /// Rows `start..end` as a new table.
    pub fn slice(&self, start: usize, end: usize) -> Table {
        Table {
            name: self.name.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    data: match &c.data {
                        ColumnData::U64(v) => ColumnData::U64(v[start..end].to_vec()),
                        ColumnData::U128(v) => ColumnData::U128(v[start..end].to_vec()),
                        ColumnData::Bool(v) => ColumnData::Bool(v[start..end].to_vec()),
                        ColumnData::Str(v) => ColumnData::Str(v[start..end].to_vec()),
                        ColumnData::OptU64(v) => ColumnData::OptU64(v[start..end].to_vec()),
                        ColumnData::OptU128(v) => ColumnData::OptU128(v[start..end].to_vec()),
                        ColumnData::F64(v) => ColumnData::F64(v[start..end].to_vec()),
                    },
                })
                .collect(),
        }
    }

    /// Splits the rows at `at`: `self` keeps rows `..at` in its own buffers (nothing of them is
    /// copied), the rows `at..` are returned.
    pub fn split_off(&mut self, at: usize) -> Table {
        let at = at.min(self.rows());
        Table {
            name: self.name.clone(),
            columns: self
                .columns
                .iter_mut()
                .map(|c| Column {
                    name: c.name.clone(),
                    data: match &mut c.data {
                        ColumnData::U64(v) => ColumnData::U64(v.split_off(at)),
                        ColumnData::U128(v) => ColumnData::U128(v.split_off(at)),
                        ColumnData::Bool(v) => ColumnData::Bool(v.split_off(at)),
                        ColumnData::Str(v) => ColumnData::Str(v.split_off(at)),
                        ColumnData::OptU64(v) => ColumnData::OptU64(v.split_off(at)),
                        ColumnData::OptU128(v) => ColumnData::OptU128(v.split_off(at)),
                        ColumnData::F64(v) => ColumnData::F64(v.split_off(at)),
                    },
                })
                .collect(),
        }
    }

    /// True if `other` has the same columns (names and types, in order).
    pub fn same_columns(&self, other: &Table) -> bool {
        self.columns.len() == other.columns.len()
            && self
                .columns
                .iter()
                .zip(&other.columns)
                .all(|(a, b)| a.name == b.name && a.data.kind() == b.data.kind())
    }

    /// Appends the rows of `other`, which must have the same columns ([`Table::same_columns`]);
    /// returns false, changing nothing, if it has not.
    #[must_use]
    pub fn append(&mut self, other: Table) -> bool {
        if !self.same_columns(&other) {
            return false;
        }
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            match (&mut a.data, b.data) {
                (ColumnData::U64(x), ColumnData::U64(y)) => x.extend(y),
                (ColumnData::U128(x), ColumnData::U128(y)) => x.extend(y),
                (ColumnData::Bool(x), ColumnData::Bool(y)) => x.extend(y),
                (ColumnData::Str(x), ColumnData::Str(y)) => x.extend(y),
                (ColumnData::OptU64(x), ColumnData::OptU64(y)) => x.extend(y),
                (ColumnData::OptU128(x), ColumnData::OptU128(y)) => x.extend(y),
                (ColumnData::F64(x), ColumnData::F64(y)) => x.extend(y),
                _ => unreachable!("kinds checked by same_columns"),
            }
        }
        true
    }

    /// The table's digest ([`TableDigest`] layout): the same whether the rows are digested at
    /// once or in batches as they are produced.
    pub fn digest(&self) -> (u64, Digest) {
        let mut d = TableDigest::new(self);
        d.add_rows(self);
        d.finish()
    }
}

/// A table's digest built batch by batch. Layout: name, column count, each column's name and
/// type tag ([`ColumnData::kind`]), then every row in order with its cells in column order
/// (integers little-endian at their width, bools one byte, text length-prefixed, an optional
/// value as a presence byte then the value if present), then the row count. Batch boundaries leave no trace, so a streamed table and the same table held
/// in memory have the same digest.
#[derive(Debug, Clone)]
pub struct TableDigest {
    digest: OutputDigest,
    rows: u64,
}

impl TableDigest {
    /// Starts the digest of a table with the name and columns of `schema` (its rows are not
    /// added).
    pub fn new(schema: &Table) -> Self {
        let mut digest = OutputDigest::new();
        digest.str(&schema.name).u64(schema.columns.len() as u64);
        for c in &schema.columns {
            digest.str(&c.name).u64(c.data.kind());
        }
        TableDigest { digest, rows: 0 }
    }

    /// Adds every row of `batch` (which has the table's columns), in order.
    pub fn add_rows(&mut self, batch: &Table) {
        let d = &mut self.digest;
        for row in 0..batch.rows() {
            for c in &batch.columns {
                match &c.data {
                    ColumnData::U64(v) => d.u64(v[row]),
                    ColumnData::U128(v) => d.u128(v[row]),
                    ColumnData::Bool(v) => d.bool(v[row]),
                    ColumnData::Str(v) => d.str(&v[row]),
                    ColumnData::OptU64(v) => match v[row] {
                        Some(x) => d.bool(true).u64(x),
                        None => d.bool(false),
                    },
                    ColumnData::OptU128(v) => match v[row] {
                        Some(x) => d.bool(true).u128(x),
                        None => d.bool(false),
                    },
                    // The bits, so the digest is exact; -0.0 and NaN are never written.
                    ColumnData::F64(v) => d.u64(v[row].0.to_bits()),
                };
            }
        }
        self.rows += batch.rows() as u64;
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The row count and the digest.
    pub fn finish(mut self) -> (u64, Digest) {
        self.digest.u64(self.rows);
        (self.rows, self.digest.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_display_writes_them() {
        let samples = vec![
            0,
            1,
            9,
            10,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            10_000_000_000_000_000_000,
            99_999_999_999_999_999_999,
            100_000_000_000_000_000_000_000_007,
            u128::MAX,
        ];
        let column = ColumnData::U128(samples.clone());
        let small = ColumnData::U64(vec![0, 7, u64::MAX]);
        for (i, v) in samples.iter().enumerate() {
            assert_eq!(column.cell(i), v.to_string());
        }
        for (i, v) in [0u64, 7, u64::MAX].iter().enumerate() {
            assert_eq!(small.cell(i), v.to_string());
        }
    }
}
