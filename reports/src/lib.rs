//! reports: everything a run writes — exact CSV tables, Parquet frames (polars), run/sweep
//! manifests and shard merging, the run and sweep jobs the CLI and Python share, sweep quantiles, charts (plotters, SVG + PNG) and the HTML report.
//! The only crate allowed polars and plotters. See README.md for files, columns and units.

pub mod atomic;
pub mod chart;
pub mod charts;
pub mod csv;
pub mod frame;
pub mod integrity;
pub mod job;
pub mod layout;
pub mod merge;
pub mod output;
pub mod quantile;
pub mod report;
pub mod search;
pub mod sensitivity;
pub mod staging;
pub mod stream;

pub use atomic::{AtomicWriteError, write_atomically};
