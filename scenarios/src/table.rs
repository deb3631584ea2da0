//! Columnar output tables with exact integer columns, and their format-independent digest.

use sim_core::OutputDigest;

/// A named column extractor: output column name and how to read it from a record.
pub(crate) type Field<R, T> = (&'static str, fn(&R) -> T);

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
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::U64(v) => v.len(),
            ColumnData::U128(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Str(v) => v.len(),
        }
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as text (exact integers).
    pub fn cell(&self, i: usize) -> String {
        match self {
            ColumnData::U64(v) => v[i].to_string(),
            ColumnData::U128(v) => v[i].to_string(),
            ColumnData::Bool(v) => v[i].to_string(),
            ColumnData::Str(v) => v[i].clone(),
        }
    }
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

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// Adds the table (name, column names and types, every value) to a digest.
    pub fn digest_into(&self, d: &mut OutputDigest) {
        d.str(&self.name)
            .u64(self.columns.len() as u64)
            .u64(self.rows() as u64);
        for c in &self.columns {
            d.str(&c.name);
            match &c.data {
                ColumnData::U64(v) => {
                    d.u64(1);
                    v.iter().for_each(|x| {
                        d.u64(*x);
                    });
                }
                ColumnData::U128(v) => {
                    d.u64(2);
                    v.iter().for_each(|x| {
                        d.u128(*x);
                    });
                }
                ColumnData::Bool(v) => {
                    d.u64(3);
                    v.iter().for_each(|x| {
                        d.bool(*x);
                    });
                }
                ColumnData::Str(v) => {
                    d.u64(4);
                    v.iter().for_each(|x| {
                        d.str(x);
                    });
                }
            }
        }
    }
}
