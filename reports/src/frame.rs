//! Tables as polars DataFrames and Parquet files: exact wei as Decimal(38,0), a convenience
//! `*_dcc` Float64 beside every `*_wei` column, whole-table and batched (row-group) writers, and
//! a reader that gives back the exact [`scenarios::Table`].
//!
//! Column mapping (engine → Parquet → engine):
//! `ColumnData::U64` ↔ UInt64; `ColumnData::U128` ↔ Decimal(38,0) (exact; values ≥ 10^38 are
//! refused with an error — 500M DCC is 5·10^26 wei); `Bool` ↔ Boolean; `Str` ↔ String. For each
//! column named `<stem>_wei` a Float64 column `<stem>_dcc` (value / 10^18, for plotting and
//! quick looks only) follows it; the reader drops these derived columns.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use scenarios::tables::dictionary::TableDef;
use scenarios::{ColumnData, Table};

/// Decimal precision used for exact integers (the most Parquet's 16-byte decimal holds).
pub const DECIMAL_PRECISION: usize = 38;
/// The largest value a Decimal(38,0) column holds: 10^38 − 1.
pub const DECIMAL_MAX: u128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;
/// Wei per DCC.
pub const WEI_PER_DCC: u128 = 1_000_000_000_000_000_000;
/// The most rows one batch of a [`ParquetTableWriter`] may hold.
pub const MAX_BATCH_ROWS: usize = 1 << 22;

/// A frame conversion or Parquet problem.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A frame file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A u128 value does not fit Decimal(38,0).
    #[error("column {column}: value {value} does not fit Decimal(38,0)")]
    TooLarge {
        /// Column name.
        column: String,
        /// The value.
        value: u128,
    },
    /// A column of a type this crate does not map back to a table.
    #[error("column {column}: unsupported type {dtype}")]
    Unsupported {
        /// Column name.
        column: String,
        /// Its polars type.
        dtype: String,
    },
    /// A null or negative value where the engine never writes one.
    #[error("column {column}: row {row} is null or negative")]
    BadValue {
        /// Column name.
        column: String,
        /// Row.
        row: usize,
    },
    /// A batch does not have the writer's columns, or is too long.
    #[error("batch does not match the table: {0}")]
    Schema(String),
    /// polars failed.
    #[error("polars: {0}")]
    Polars(#[from] PolarsError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// The name of the DCC convenience column of a `*_wei` column, if it is one.
pub fn dcc_name(wei_column: &str) -> Option<String> {
    wei_column
        .strip_suffix("_wei")
        .map(|stem| format!("{stem}_dcc"))
}

/// Wei as DCC for plotting (a report conversion: never feeds a decision).
pub fn wei_to_dcc(wei: u128) -> f64 {
    let whole = (wei / WEI_PER_DCC) as f64;
    let frac = (wei % WEI_PER_DCC) as f64 / WEI_PER_DCC as f64;
    whole + frac
}

/// `v` as the physical value of a Decimal(38,0) cell: refused above 10³⁸ − 1.
fn decimal_value(column: &str, v: u128) -> Result<i128, FrameError> {
    let too_large = || FrameError::TooLarge {
        column: column.to_owned(),
        value: v,
    };
    if v > DECIMAL_MAX {
        return Err(too_large());
    }
    // Cannot fail: v ≤ 10^38 − 1 < i128::MAX.
    i128::try_from(v).map_err(|_| too_large())
}

fn decimal_column(name: &str, values: &[u128]) -> Result<polars::prelude::Column, FrameError> {
    let phys = values
        .iter()
        .map(|&v| decimal_value(name, v))
        .collect::<Result<Vec<i128>, _>>()?;
    let ca = Int128Chunked::from_vec(name.into(), phys).into_decimal(DECIMAL_PRECISION, 0)?;
    Ok(ca.into_series().into_column())
}

/// The DataFrame of `table`: one column per table column, plus `*_dcc` after each `*_wei`.
pub fn table_to_frame(table: &Table) -> Result<DataFrame, FrameError> {
    let mut cols = Vec::with_capacity(table.columns.len() * 2);
    for c in &table.columns {
        let name = c.name.as_str();
        match &c.data {
            ColumnData::U64(v) => {
                cols.push(polars::prelude::Column::new(name.into(), v.as_slice()))
            }
            ColumnData::U128(v) => {
                cols.push(decimal_column(name, v)?);
                if let Some(dcc) = dcc_name(name) {
                    let f: Vec<f64> = v.iter().map(|&x| wei_to_dcc(x)).collect();
                    cols.push(polars::prelude::Column::new(dcc.as_str().into(), f));
                }
            }
            ColumnData::Bool(v) => {
                cols.push(polars::prelude::Column::new(name.into(), v.as_slice()));
            }
            ColumnData::Str(v) => cols.push(polars::prelude::Column::new(
                name.into(),
                v.iter().map(String::as_str).collect::<Vec<_>>(),
            )),
            ColumnData::OptU64(v) => {
                cols.push(polars::prelude::Column::new(name.into(), v.as_slice()));
            }
            ColumnData::F64(v) => {
                let f: Vec<f64> = v.iter().map(|x| x.0).collect();
                cols.push(polars::prelude::Column::new(name.into(), f));
            }
            ColumnData::OptU128(v) => {
                cols.push(optional_decimal_column(name, v)?);
                if let Some(dcc) = dcc_name(name) {
                    let f: Vec<Option<f64>> = v.iter().map(|x| x.map(wei_to_dcc)).collect();
                    cols.push(polars::prelude::Column::new(dcc.as_str().into(), f));
                }
            }
        }
    }
    Ok(DataFrame::new(table.rows(), cols)?)
}

fn optional_decimal_column(
    name: &str,
    values: &[Option<u128>],
) -> Result<polars::prelude::Column, FrameError> {
    let phys = values
        .iter()
        .map(|v| v.map(|v| decimal_value(name, v)).transpose())
        .collect::<Result<Vec<Option<i128>>, _>>()?;
    let ca: Int128Chunked = phys.into_iter().collect();
    let ca = ca
        .with_name(name.into())
        .into_decimal(DECIMAL_PRECISION, 0)?;
    Ok(ca.into_series().into_column())
}

fn bad(column: &str, row: usize) -> FrameError {
    FrameError::BadValue {
        column: column.to_owned(),
        row,
    }
}

/// The table `name` held by `frame`, dropping the derived `*_dcc` columns.
pub fn frame_to_table(name: &str, frame: &DataFrame) -> Result<Table, FrameError> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let derived = |n: &str| {
        n.strip_suffix("_dcc")
            .is_some_and(|stem| names.iter().any(|m| *m == format!("{stem}_wei")))
    };
    let optional = scenarios::tables::dictionary::optional_columns(name);
    let mut t = Table::new(name);
    for col in frame.columns() {
        let cname = col.name().to_string();
        if derived(&cname) && matches!(col.dtype(), DataType::Float64) {
            continue;
        }
        let data = match col.dtype() {
            DataType::UInt64 if optional.contains(&cname.as_str()) => {
                ColumnData::OptU64(col.u64()?.iter().collect())
            }
            DataType::Decimal(_, 0) if optional.contains(&cname.as_str()) => {
                let ca = col.decimal()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.physical().iter().enumerate() {
                    v.push(match x {
                        Some(x) => Some(u128::try_from(x).map_err(|_| bad(&cname, row))?),
                        None => None,
                    });
                }
                ColumnData::OptU128(v)
            }
            DataType::UInt64 => {
                let ca = col.u64()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.iter().enumerate() {
                    v.push(x.ok_or_else(|| bad(&cname, row))?);
                }
                ColumnData::U64(v)
            }
            DataType::Decimal(_, 0) => {
                let ca = col.decimal()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.physical().iter().enumerate() {
                    let x = x.ok_or_else(|| bad(&cname, row))?;
                    v.push(u128::try_from(x).map_err(|_| bad(&cname, row))?);
                }
                ColumnData::U128(v)
            }
            DataType::Boolean => {
                let ca = col.bool()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.iter().enumerate() {
                    v.push(x.ok_or_else(|| bad(&cname, row))?);
                }
                ColumnData::Bool(v)
            }
            DataType::Float64 => {
                let ca = col.f64()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.iter().enumerate() {
                    v.push(scenarios::Float(x.ok_or_else(|| bad(&cname, row))?));
                }
                ColumnData::F64(v)
            }
            DataType::String => {
                let ca = col.str()?;
                let mut v = Vec::with_capacity(ca.len());
                for (row, x) in ca.iter().enumerate() {
                    v.push(x.ok_or_else(|| bad(&cname, row))?.to_owned());
                }
                ColumnData::Str(v)
            }
            other => {
                return Err(FrameError::Unsupported {
                    column: cname,
                    dtype: other.to_string(),
                });
            }
        };
        t.push(&cname, data);
    }
    Ok(t)
}

/// Longest min/max statistic kept for a text column chunk: a streamed file's footer holds the
/// statistics of every row group until it is written, and event details are long JSON texts.
pub const TEXT_STATISTICS_BYTES: u64 = 64;

/// The file-level Parquet metadata key holding a table's data-dictionary definition (its row,
/// SPEC section, and every column's type, unit and meaning) as JSON.
pub const DICTIONARY_KEY: &str = "dcfs_sim.table";

fn writer<W: Write>(w: W, table: &Table, schema: &Schema) -> ParquetWriter<W> {
    // The definition, so a file read alone says what its columns mean and their units; and
    // the Arrow schema with each field's unit and meaning, which Arrow readers (pyarrow,
    // DuckDB) show per column. The writer keeps an `ARROW:schema` entry it is given.
    let metadata = scenarios::tables::dictionary::definition_of(table).map(|d| {
        KeyValueMetadata::from_static(vec![
            arrow_schema_entry(schema, d),
            (DICTIONARY_KEY.to_owned(), d.to_json().to_string()),
        ])
    });
    // Serial, Zstd: the bytes depend only on the data.
    ParquetWriter::new(w)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions {
            binary_statistics_truncate_length: Some(TEXT_STATISTICS_BYTES),
            ..StatisticsOptions::default()
        })
        .with_key_value_metadata(metadata)
        .set_parallel(false)
}

/// Field metadata keys: a column's unit, its meaning and its dictionary type.
pub const FIELD_UNIT_KEY: &str = "unit";
/// See [`FIELD_UNIT_KEY`].
pub const FIELD_MEANING_KEY: &str = "description";
/// See [`FIELD_UNIT_KEY`].
pub const FIELD_TYPE_KEY: &str = "dcfs_sim.type";

/// The `ARROW:schema` entry of a frame with `schema`: polars' own Arrow schema (the one its
/// writer derives) with each field's unit, meaning and type from `def` as field metadata.
fn arrow_schema_entry(schema: &Schema, def: &TableDef) -> (String, String) {
    let mut arrow = schema.to_arrow(CompatLevel::newest());
    for field in arrow.iter_values_mut() {
        *field = with_meaning(field.clone(), def);
    }
    let kv = polars_parquet::write::schema_to_metadata_key(&arrow);
    // schema_to_metadata_key always fills the value.
    (kv.key, kv.value.unwrap_or_default())
}

/// `field` with its unit, meaning and dictionary type as metadata.
fn with_meaning(field: ArrowField, def: &TableDef) -> ArrowField {
    let (unit, meaning, ty) = field_meaning(def, &field.name);
    let mut md = polars_arrow::datatypes::Metadata::new();
    md.insert(FIELD_UNIT_KEY.into(), unit.as_str().into());
    md.insert(FIELD_MEANING_KEY.into(), meaning.as_str().into());
    md.insert(FIELD_TYPE_KEY.into(), ty.into());
    field.with_metadata(md)
}

/// The C stream interface's stream, re-exported for front ends that hand tables to Arrow
/// consumers (the Python package).
pub use polars_arrow::ffi::ArrowArrayStream;

/// `table` as an Arrow C stream of record batches (struct arrays), with the Parquet files'
/// column types (UInt64, Decimal(38,0) plus `*_dcc` Float64, Boolean, large UTF-8, Float64)
/// and, for dictionary tables, the same field metadata. Strings use the oldest Arrow layout so
/// that every consumer (pyarrow, polars, DuckDB) reads them.
pub fn arrow_stream(table: &Table) -> Result<ArrowArrayStream, FrameError> {
    let mut df = table_to_frame(table)?;
    df.rechunk_mut();
    let level = CompatLevel::oldest();
    let def = scenarios::tables::dictionary::definition_of(table);
    let fields: Vec<ArrowField> = df
        .schema()
        .to_arrow(level)
        .iter_values()
        .map(|f| match def {
            Some(d) => with_meaning(f.clone(), d),
            None => f.clone(),
        })
        .collect();
    let dtype = ArrowDataType::Struct(fields);
    let batches: Vec<PolarsResult<Box<dyn Array>>> = df
        .iter_chunks(level, false)
        .map(|rb| {
            let len = rb.height();
            let array = StructArray::try_new(dtype.clone(), len, rb.into_arrays(), None)?;
            Ok(Box::new(array) as Box<dyn Array>)
        })
        .collect();
    let field = ArrowField::new(table.name.as_str().into(), dtype, false);
    Ok(polars_arrow::ffi::export_iterator(
        Box::new(batches.into_iter()),
        field,
    ))
}

/// Unit, meaning and type of frame column `name`: a dictionary column, or the `*_dcc` partner
/// of one.
fn field_meaning(def: &TableDef, name: &str) -> (String, String, &'static str) {
    if let Some(c) = def.all_columns().find(|c| c.name == name) {
        return (c.unit.to_owned(), c.meaning.to_owned(), c.ty.short());
    }
    let wei = name.strip_suffix("_dcc").map(|stem| format!("{stem}_wei"));
    match wei.and_then(|w| def.all_columns().find(|c| c.name == w)) {
        Some(c) => (
            "DCC".to_owned(),
            format!(
                "{} / 10^18 as a float, for plotting (exact value: {})",
                c.name, c.name
            ),
            "dcc",
        ),
        // definition_of matched the table's columns, so every frame column is one of these.
        None => unreachable!("column {name} of {} not in its definition", def.name),
    }
}

/// `table` as Parquet bytes (one file, row groups of at most 512² rows).
pub fn table_to_parquet(table: &Table) -> Result<Vec<u8>, FrameError> {
    let mut df = table_to_frame(table)?;
    let mut bytes = Vec::new();
    let schema = df.schema().clone();
    writer(&mut bytes, table, &schema).finish(&mut df)?;
    Ok(bytes)
}

/// Reads a Parquet file written by this crate back into the exact table `name`.
pub fn read_parquet_table(path: &Path, name: &str) -> Result<Table, FrameError> {
    let file = File::open(path).map_err(|source| FrameError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let df = ParquetReader::new(file).finish()?;
    frame_to_table(name, &df)
}

/// Reads at most `max_rows` rows of the columns of `path` named in `wanted` (those the file
/// has, with their `*_dcc` partners dropped), in file order: what a chart needs from a table
/// too long to load whole.
pub fn read_parquet_columns(
    path: &Path,
    name: &str,
    wanted: &[&str],
    max_rows: usize,
) -> Result<Table, FrameError> {
    read_parquet_slice(path, name, wanted, 0, max_rows)
}

fn open_file(path: &Path) -> Result<File, FrameError> {
    File::open(path).map_err(|source| FrameError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The column names of a Parquet file (derived `*_dcc` columns included).
pub fn parquet_column_names(path: &Path) -> Result<Vec<String>, FrameError> {
    let schema = ParquetReader::new(open_file(path)?).schema()?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// The number of rows of a Parquet file (from its footer).
pub fn parquet_row_count(path: &Path) -> Result<usize, FrameError> {
    Ok(ParquetReader::new(open_file(path)?).num_rows()?)
}

/// Reads rows `offset .. offset + len` (fewer at the end) of the columns named in `wanted`
/// (those the file has, in file order) back into an exact table: for reading a long table a
/// chunk at a time.
pub fn read_parquet_slice(
    path: &Path,
    name: &str,
    wanted: &[&str],
    offset: usize,
    len: usize,
) -> Result<Table, FrameError> {
    let columns: Vec<String> = parquet_column_names(path)?
        .into_iter()
        .filter(|n| wanted.contains(&n.as_str()))
        .collect();
    let df = ParquetReader::new(open_file(path)?)
        .with_columns(Some(columns))
        .with_slice(Some((offset, len)))
        .finish()?;
    frame_to_table(name, &df)
}

/// Reads Parquet bytes written by this crate back into the exact table `name`.
pub fn parquet_bytes_to_table(bytes: &[u8], name: &str) -> Result<Table, FrameError> {
    let df = ParquetReader::new(io::Cursor::new(bytes)).finish()?;
    frame_to_table(name, &df)
}

/// A Parquet file written in batches, each batch one or more row groups, so a table of any
/// length (a year of blocks) never has to sit in memory. The file appears at its path only when
/// [`ParquetTableWriter::finish`] succeeds (it is written under a temporary name, then renamed).
pub struct ParquetTableWriter {
    // Unbuffered (polars writes whole pages), so everything is in the file once `finish` returns.
    inner: polars::io::parquet::write::BatchedWriter<Arc<File>>,
    file: Arc<File>,
    /// The columns (names and types) every batch must have, without rows.
    schema: Table,
    tmp: PathBuf,
    path: PathBuf,
    rows: u64,
    /// Renamed into place: the temporary file is gone.
    done: bool,
}

impl Drop for ParquetTableWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl std::fmt::Debug for ParquetTableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetTableWriter")
            .field("path", &self.path)
            .field(
                "columns",
                &self
                    .schema
                    .columns
                    .iter()
                    .map(|c| &c.name)
                    .collect::<Vec<_>>(),
            )
            .field("rows", &self.rows)
            .finish()
    }
}

impl ParquetTableWriter {
    /// Starts `path`; `first` fixes the columns (names and types) every batch must have. The
    /// first batch is written too (it may be empty of rows).
    pub fn create(path: &Path, first: &Table) -> Result<Self, FrameError> {
        let tmp = crate::atomic::temp_path(path);
        let df = table_to_frame(first)?;
        let file = File::create(&tmp).map_err(|source| FrameError::Io {
            path: tmp.clone(),
            source,
        })?;
        let file = Arc::new(file);
        let inner = match writer(Arc::clone(&file), first, df.schema()).batched(df.schema()) {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        let mut w = ParquetTableWriter {
            inner,
            file,
            schema: first.empty_like(),
            tmp,
            path: path.to_path_buf(),
            rows: 0,
            done: false,
        };
        if first.rows() > 0 {
            w.write_frame(first, &df)?;
        }
        Ok(w)
    }

    /// Appends the rows of `batch` (same columns as the first batch) as a new row group.
    pub fn write_batch(&mut self, batch: &Table) -> Result<(), FrameError> {
        let same = self.schema.same_columns(batch);
        if !same {
            return Err(FrameError::Schema(format!(
                "{} has other columns than the first batch",
                batch.name
            )));
        }
        if batch.rows() == 0 {
            return Ok(());
        }
        let df = table_to_frame(batch)?;
        self.write_frame(batch, &df)
    }

    fn write_frame(&mut self, batch: &Table, df: &DataFrame) -> Result<(), FrameError> {
        if batch.rows() > MAX_BATCH_ROWS {
            return Err(FrameError::Schema(format!(
                "{} rows in one batch (at most {MAX_BATCH_ROWS})",
                batch.rows()
            )));
        }
        self.inner.write_batch(df)?;
        self.rows += batch.rows() as u64;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the footer, syncs and renames the file into place; returns the rows written.
    pub fn finish(mut self) -> Result<u64, FrameError> {
        // On any error the temporary file is removed when `self` drops.
        self.inner.finish()?;
        let io_err = |path: &Path, source| FrameError::Io {
            path: path.to_path_buf(),
            source,
        };
        self.file.sync_all().map_err(|e| io_err(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| io_err(&self.path, e))?;
        self.done = true;
        Ok(self.rows)
    }
}

/// Writes `<dir>/<table>.parquet` for each table (atomically).
pub fn write_frames(dir: &std::path::Path, tables: &[Table]) -> Result<(), FrameError> {
    for t in tables {
        let path = dir.join(format!("{}.parquet", t.name));
        let bytes = table_to_parquet(t)?;
        let written =
            crate::atomic::write_atomically(&path, |w| std::io::Write::write_all(w, &bytes));
        written.map_err(|e| {
            let (path, source) = match e {
                crate::atomic::AtomicWriteError::Io(p, source) => (p, source),
                crate::atomic::AtomicWriteError::Fill(source) => (path.clone(), source),
            };
            FrameError::Write { path, source }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new("daily");
        t.push("day", ColumnData::U64(vec![0, 1, u64::MAX]));
        t.push(
            "emission_wei",
            ColumnData::U128(vec![61_643_835_616_438_356_164_383, 0, DECIMAL_MAX]),
        );
        t.push("halted", ColumnData::Bool(vec![false, true, false]));
        t.push(
            "note",
            ColumnData::Str(vec!["a,b".into(), String::new(), "ü".into()]),
        );
        t
    }

    #[test]
    fn parquet_round_trip_is_exact() {
        let t = sample();
        let bytes = table_to_parquet(&t).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(parquet_bytes_to_table(&bytes, "daily").unwrap(), t);
        // Deterministic bytes.
        assert_eq!(table_to_parquet(&t).unwrap(), bytes);
    }

    #[test]
    fn frame_has_dcc_columns_after_wei_columns() {
        let df = table_to_frame(&sample()).unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(
            names,
            ["day", "emission_wei", "emission_dcc", "halted", "note"]
        );
        let dcc = df.column("emission_dcc").unwrap().f64().unwrap();
        let first = dcc.get(0).unwrap();
        assert!((first - 61_643.835_616_438_36).abs() < 1e-9);
        assert!(matches!(
            df.column("emission_wei").unwrap().dtype(),
            DataType::Decimal(38, 0)
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any table of engine column types survives Parquet exactly (wei up to 10^38 − 1).
        #[test]
        fn any_table_round_trips(
            rows in proptest::collection::vec(
                (proptest::prelude::any::<u64>(), 0..=DECIMAL_MAX, proptest::prelude::any::<bool>(), "[a-z,\"é ]{0,8}"),
                0..40,
            )
        ) {
            let mut t = Table::new("t");
            t.push("a", ColumnData::U64(rows.iter().map(|r| r.0).collect()));
            t.push("b_wei", ColumnData::U128(rows.iter().map(|r| r.1).collect()));
            t.push("c", ColumnData::Bool(rows.iter().map(|r| r.2).collect()));
            t.push("d", ColumnData::Str(rows.iter().map(|r| r.3.clone()).collect()));
            let bytes = table_to_parquet(&t).unwrap();
            proptest::prop_assert_eq!(parquet_bytes_to_table(&bytes, "t").unwrap(), t);
        }
    }

    #[test]
    fn too_large_for_decimal_is_an_error() {
        let mut t = Table::new("t");
        t.push("x_wei", ColumnData::U128(vec![DECIMAL_MAX + 1]));
        assert!(matches!(
            table_to_frame(&t),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn batched_writer_appends_row_groups() {
        let dir = std::env::temp_dir().join(format!("dcfs-frame-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("blocks.parquet");
        let batch = |from: u64| {
            let mut t = Table::new("blocks");
            t.push("height", ColumnData::U64((from..from + 1000).collect()));
            t.push(
                "fee_wei",
                ColumnData::U128(
                    (from..from + 1000)
                        .map(|h| u128::from(h) * 10_u128.pow(30))
                        .collect(),
                ),
            );
            t
        };
        let mut w = ParquetTableWriter::create(&path, &batch(0)).unwrap();
        assert!(!path.exists(), "visible before finish");
        for i in 1..5 {
            w.write_batch(&batch(i * 1000)).unwrap();
        }
        let mut wrong = Table::new("blocks");
        wrong.push("height", ColumnData::U128(vec![1]));
        assert!(matches!(w.write_batch(&wrong), Err(FrameError::Schema(_))));
        assert_eq!(w.finish().unwrap(), 5000);
        let back = read_parquet_table(&path, "blocks").unwrap();
        assert_eq!(back.rows(), 5000);
        let ColumnData::U128(fees) = &back.columns[1].data else {
            panic!("fee column type")
        };
        assert_eq!(fees[4321], 4321 * 10_u128.pow(30));
        let part = read_parquet_columns(&path, "blocks", &["fee_wei", "nope"], 1500).unwrap();
        assert_eq!(part.columns.len(), 1);
        assert_eq!(part.rows(), 1500);
        assert_eq!(
            part.columns[0].data,
            ColumnData::U128((0..1500).map(|h| h * 10_u128.pow(30)).collect())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
