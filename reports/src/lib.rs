//! reports: everything a run writes — CSV tables today; Parquet frames, charts and the HTML
//! report belong here too (the only crate allowed polars and plotters).

pub mod atomic;
pub mod emission;

pub use atomic::{AtomicWriteError, write_atomically};
pub use emission::{
    EMISSION_COLUMNS, EmissionCsvError, emission_header, write_emission_csv, write_emission_row,
};
