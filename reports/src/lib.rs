//! reports: everything a run writes — CSV tables, run/sweep manifests and shard merging today; Parquet frames, charts and the HTML
//! report belong here too (the only crate allowed polars and plotters).

pub mod atomic;
pub mod chart;
pub mod charts;
pub mod csv;
pub mod emission;
pub mod frame;
pub mod output;
pub mod quantile;
pub mod report;

pub use atomic::{AtomicWriteError, write_atomically};
pub use emission::{EmissionCsvError, emission_header, write_emission_csv, write_emission_row};
