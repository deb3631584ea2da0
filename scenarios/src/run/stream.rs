//! Streaming outputs: tables that grow with the horizon (daily rows, blocks, epoch records,
//! contract events) leave the run in row batches while it goes, so a run's memory does not grow
//! with its horizon.
//!
//! A run hands the rows of each streamed table to a [`TableSink`] in batches of at most
//! [`crate::limits::BATCH_ROWS`] rows (the CLI's sink writes CSV and Parquet files as they come), or keeps them
//! in memory if it has no sink. Each table's digest is built batch by batch
//! ([`crate::tables::TableDigest`]), so a run's digest is the same with or without a sink and
//! for any batching.

use std::ops::ControlFlow;

use crate::limits::{BATCH_ROWS, MAX_STREAMED_ROWS};
use crate::tables::{Table, TableDigest};

/// What a sink reports when it cannot take a batch (for example an I/O or Parquet failure).
pub type SinkError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Takes the rows of a run's streamed tables while the run goes.
///
/// Contract: the first batch of each table fixes its columns (it may have no rows); every later
/// batch of that table has the same columns in the same order and continues its rows in order.
/// Batches of different tables interleave. Every streamed table gets at least one batch. The run
/// stops at the first error a sink returns.
pub trait TableSink {
    /// Takes the next rows of table `batch.name` (by value: a sink may keep or send it on).
    fn write_batch(&mut self, batch: Table) -> Result<(), SinkError>;
}

/// A streamed table went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The sink refused a batch.
    #[error("output table {table}: {source}")]
    Sink {
        /// The table.
        table: String,
        /// Why.
        #[source]
        source: SinkError,
    },
    /// A table outgrew [`crate::limits::MAX_STREAMED_ROWS`].
    #[error("output table {table} would exceed {MAX_STREAMED_ROWS} rows")]
    TooManyRows {
        /// The table.
        table: String,
    },
    /// A batch did not have its table's columns (a bug).
    #[error("output table {table}: a batch has other columns")]
    Schema {
        /// The table.
        table: String,
    },
}

/// One table's digest entry: name, rows and [`TableDigest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// Table name.
    pub name: String,
    /// Its rows.
    pub rows: u64,
    /// Its digest.
    pub digest: sim_core::Digest,
    /// True if its rows went to the sink (they are not in [`crate::RunOutput::tables`]).
    pub streamed: bool,
}

/// A streamed table in progress.
#[derive(Debug)]
pub(crate) struct Stream {
    digest: TableDigest,
    /// Rows not yet handed over (with a sink), or every row (without).
    pending: Table,
    /// Batches handed to the sink so far.
    batches: u64,
}

/// Index of a declared stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamId(usize);

impl StreamId {
    /// Its position in declaration order.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// Told after every simulated day of a run; the caller's way to show progress and to stop a
/// run (on SIGINT/SIGTERM, or Ctrl-C in a notebook) at a day boundary.
pub trait DayObserver {
    /// `days_done` of `horizon_days` simulated days are finished. [`ControlFlow::Break`] stops
    /// the run with [`crate::RunError::Interrupted`] before the next day.
    fn day_done(&mut self, days_done: u64, horizon_days: u64) -> ControlFlow<()>;
}

/// Never stops a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unobserved;

impl DayObserver for Unobserved {
    fn day_done(&mut self, _: u64, _: u64) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// What a run hands out while it goes: its streamed tables (and where they go) and the end of
/// each simulated day (to the caller's [`DayObserver`]).
pub(crate) struct Streams<'s> {
    sink: Option<&'s mut dyn TableSink>,
    streams: Vec<Stream>,
    observer: &'s mut dyn DayObserver,
}

impl<'s> Streams<'s> {
    /// Streams to `sink`, or keeps everything in memory without one.
    pub(crate) fn new(
        sink: Option<&'s mut dyn TableSink>,
        observer: &'s mut dyn DayObserver,
    ) -> Self {
        Streams {
            sink,
            streams: Vec::new(),
            observer,
        }
    }

    /// Tells the observer `days_done` days are finished; `Err(days_done)` if it stops the run.
    pub(crate) fn day_done(&mut self, days_done: u64, horizon_days: u64) -> Result<(), u64> {
        match self.observer.day_done(days_done, horizon_days) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(days_done),
        }
    }

    /// Declares a streamed table with the name and columns of `schema` (whose rows are ignored).
    pub(crate) fn declare(&mut self, schema: &Table) -> StreamId {
        // (Not in this module's unit tests, which stream made-up tables.)
        #[cfg(not(test))]
        crate::tables::dictionary::debug_assert_defined(schema);
        self.streams.push(Stream {
            digest: TableDigest::new(schema),
            pending: schema.empty_like(),
            batches: 0,
        });
        StreamId(self.streams.len() - 1)
    }

    /// Appends `rows` (which have the declared columns) to stream `id`; full batches go to the
    /// sink.
    pub(crate) fn append(&mut self, id: StreamId, rows: Table) -> Result<(), StreamError> {
        let s = &mut self.streams[id.0];
        if rows.rows() == 0 {
            return Ok(());
        }
        if s.digest.rows() + rows.rows() as u64 > MAX_STREAMED_ROWS {
            return Err(StreamError::TooManyRows {
                table: rows.name.clone(),
            });
        }
        s.digest.add_rows(&rows);
        if !s.pending.same_columns(&rows) {
            return Err(StreamError::Schema {
                table: rows.name.clone(),
            });
        }
        if s.pending.rows() == 0 {
            // Taken as they are: copying a day's rows into an empty table only cost page faults.
            s.pending.columns = rows.columns;
        } else {
            let appended = s.pending.append(rows);
            debug_assert!(appended, "columns checked above");
        }
        if self.sink.is_some() && s.pending.rows() >= BATCH_ROWS {
            self.flush(id, false)?;
        }
        Ok(())
    }

    /// Hands the pending rows of `id` to the sink (in batches of at most [`crate::limits::BATCH_ROWS`]); with
    /// `last`, also an empty batch if the table never had one.
    fn flush(&mut self, id: StreamId, last: bool) -> Result<(), StreamError> {
        let Some(sink) = self.sink.as_deref_mut() else {
            return Ok(());
        };
        let s = &mut self.streams[id.0];
        let empty = s.pending.empty_like();
        let pending = std::mem::replace(&mut s.pending, empty);
        let mut batches = split_rows(pending, BATCH_ROWS);
        if batches.is_empty() && last && s.batches == 0 {
            batches.push(s.pending.empty_like());
        }
        for batch in batches {
            let table = batch.name.clone();
            sink.write_batch(batch)
                .map_err(|source| StreamError::Sink { table, source })?;
            s.batches += 1;
        }
        Ok(())
    }

    /// Finishes every stream: remaining rows go to the sink; returns each table's entry (in
    /// declaration order) and, without a sink, the tables themselves.
    pub(crate) fn finish(mut self) -> Result<Vec<(TableEntry, Option<Table>)>, StreamError> {
        let streamed = self.sink.is_some();
        for i in 0..self.streams.len() {
            self.flush(StreamId(i), true)?;
        }
        Ok(self
            .streams
            .into_iter()
            .map(|s| {
                let name = s.pending.name.clone();
                let (rows, digest) = s.digest.finish();
                let entry = TableEntry {
                    name,
                    rows,
                    digest,
                    streamed,
                };
                (entry, (!streamed).then_some(s.pending))
            })
            .collect())
    }
}

/// Splits `table` into tables of at most `max_rows` rows each (none if it has no rows). The
/// first keeps `table`'s buffers and the others are cut off from the end, so only the rows
/// after the first batch are copied, once (a day of a consensus run's blocks is ~14,400 rows).
pub(crate) fn split_rows(mut table: Table, max_rows: usize) -> Vec<Table> {
    let rows = table.rows();
    if rows == 0 {
        return Vec::new();
    }
    let max_rows = max_rows.max(1);
    let mut tail = Vec::new();
    let mut start = (rows - 1) / max_rows * max_rows;
    while start > 0 {
        tail.push(table.split_off(start));
        start -= max_rows;
    }
    tail.push(table);
    tail.reverse();
    tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::ColumnData;

    /// A `&mut` observer that outlives the `Streams` built in a `let` (a leaked zero-size box).
    fn quiet() -> &'static mut Unobserved {
        Box::leak(Box::new(Unobserved))
    }

    struct Collect(Vec<Table>);
    impl TableSink for Collect {
        fn write_batch(&mut self, batch: Table) -> Result<(), SinkError> {
            self.0.push(batch);
            Ok(())
        }
    }

    fn rows(from: u64, n: u64) -> Table {
        let mut t = Table::new("t");
        t.push("a", ColumnData::U64((from..from + n).collect()));
        t.push(
            "b_wei",
            ColumnData::U128((from..from + n).map(|x| u128::from(x) << 70).collect()),
        );
        t.push(
            "c",
            ColumnData::Str((from..from + n).map(|x| x.to_string()).collect()),
        );
        t
    }

    #[test]
    fn digest_and_rows_do_not_depend_on_sink_or_batching() {
        let whole = rows(0, 40_000);
        let mut sink = Collect(Vec::new());
        let mut with = Streams::new(Some(&mut sink), quiet());
        let id = with.declare(&whole);
        let mut without = Streams::new(None, quiet());
        let id2 = without.declare(&whole);
        for (from, n) in [(0, 1), (1, 20_000), (20_001, 0), (20_001, 19_999)] {
            with.append(id, rows(from, n)).unwrap();
            without.append(id2, rows(from, n)).unwrap();
        }
        let a = with.finish().unwrap();
        let b = without.finish().unwrap();
        assert_eq!(a[0].0.digest, whole.digest().1);
        assert_eq!(b[0].0.digest, whole.digest().1);
        assert_eq!(a[0].0.rows, 40_000);
        assert!(a[0].1.is_none() && a[0].0.streamed);
        assert_eq!(b[0].1.as_ref().unwrap(), &whole);
        let mut joined = whole.empty_like();
        for batch in &sink.0 {
            assert!(batch.rows() <= BATCH_ROWS);
            assert!(joined.append(batch.clone()));
        }
        assert_eq!(joined, whole);
    }

    /// Batches are the table's rows in order, each of `max` rows but the last (cut without
    /// copying the first: the same as slicing).
    #[test]
    fn split_rows_cuts_like_slices() {
        for (n, max) in [(0, 4), (1, 4), (4, 4), (5, 4), (12, 4), (13, 4), (7, 1)] {
            let t = rows(0, n);
            let expected: Vec<Table> = (0..n.div_ceil(max))
                .map(|k| t.slice((k * max) as usize, ((k + 1) * max).min(n) as usize))
                .collect();
            assert_eq!(split_rows(t, max as usize), expected, "{n} rows by {max}");
        }
    }

    #[test]
    fn an_empty_table_still_reaches_the_sink() {
        let mut sink = Collect(Vec::new());
        let mut s = Streams::new(Some(&mut sink), quiet());
        s.declare(&rows(0, 0));
        s.finish().unwrap();
        assert_eq!(sink.0.len(), 1);
        assert_eq!(sink.0[0].rows(), 0);
        assert_eq!(sink.0[0].columns.len(), 3);
    }

    #[test]
    fn other_columns_are_refused() {
        let mut s = Streams::new(None, quiet());
        let id = s.declare(&rows(0, 0));
        let mut other = Table::new("t");
        other.push("a", ColumnData::U64(vec![1]));
        assert!(matches!(
            s.append(id, other),
            Err(StreamError::Schema { .. })
        ));
    }
}
