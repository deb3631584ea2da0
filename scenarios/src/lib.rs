//! scenarios: scenario files (TOML, or JSON) read, validated, built into engines and run, alone
//! or as sweeps.
//!
//! The crate is laid out by phase, and each phase imports only the ones before it:
//! [`error`] (the leaf) → [`limits`] → [`mod@format`] (what a file may say: serde types only) →
//! [`mod@load`] (read and parse once; overrides applied once) → [`mod@validate`] (a pure function of the
//! document, giving a [`Spec`]) → [`build`] (the only place the seed meets the scenario) →
//! [`mod@run`] (drive the engines; `coupled` holds the chain↔economy seam) → [`tables`] (the only
//! place table names and columns are spelled, used by `run` and by every writer). [`sweep`]
//! expands grids (or [`sample`] designs) × seeds over `load` and `validate`; [`search`] holds a
//! `[search]`'s verdicts and bisection, over [`predicate`]s of the run summary.

pub mod build;
pub mod error;
pub mod format;
pub mod limits;
pub mod load;
pub mod node_csv;
pub mod predicate;
pub mod run;
pub mod sample;
pub mod search;
pub mod sweep;
pub mod tables;
pub mod validate;

pub use error::{ErrorKind, Issue, ScenarioError};
pub use format::{Mode, RawScenario};
pub use load::{Document, Loaded, load, parse_document, read_document};
pub use run::{
    DayObserver, RunError, RunOutput, SinkError, TableEntry, TableSink, Unobserved, run,
    run_observed, run_observed_in_memory, run_streaming,
};
pub use sweep::{RunSpec, Shard, SweepPlan, par_map_ordered, sweep_digest};
pub use tables::{Column, ColumnData, Float, Table, TableDigest};
pub use validate::{Engines, Spec, validate};
