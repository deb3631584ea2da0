//! scenarios: scenario files (TOML, or JSON) parsed into raw serde types, validated into the
//! engines' strong types, and run alone or as sweeps.
//!
//! The engines never see raw configuration: [`raw`] is what a file may say, [`validate`]
//! checks it and builds [`validate::Scenario`], [`load`] attaches file/line/key to every error.

pub mod chain;
pub mod chain_run;
pub mod economy;
pub mod error;
pub mod load;
pub mod raw;
pub mod run;
pub mod stream;
pub mod sweep;
pub mod table;
pub mod validate;

pub use error::{ErrorKind, ScenarioError};
pub use load::{Document, Loaded, load, load_document, load_point, read_document};
pub use raw::{Mode, RawScenario};
pub use run::{RunError, RunOutput, run, run_streaming};
pub use stream::{SinkError, TableEntry, TableSink};
pub use sweep::{RunSpec, Shard, SweepPlan, par_map_ordered, sweep_digest};
pub use table::{Column, ColumnData, Table, TableDigest};
pub use validate::{Scenario, validate};
