//! Why a run stopped, and the pieces of a run's output in output order.

use economics::LedgerError;
use economics::economy::EconomyError;

use super::chain::ChainRunError;
use super::stream::{StreamError, StreamId};
use crate::error::Issue;
use crate::tables::Table;

/// A run that stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The SPEC §7 accounting invariant or a ledger transfer failed (a model bug).
    #[error("day {day}: {source}")]
    Ledger {
        /// The simulated day.
        day: u64,
        /// What broke.
        #[source]
        source: LedgerError,
    },
    /// The economy stopped (an invariant breach or a limit).
    #[error(transparent)]
    Economy(#[from] EconomyError),
    /// The chain stopped.
    #[error(transparent)]
    Chain(#[from] ChainRunError),
    /// A streamed output table could not be written or grew too long.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The seed's draws do not fit the scenario (voters' drawn endowments beyond the market
    /// account): found while building, before anything ran.
    #[error("{}: {}", .0.key_path, .0.message)]
    Build(Issue),
    /// The caller's [`super::DayObserver`] stopped the run after `days_done` simulated days.
    #[error("interrupted after {days_done} simulated days")]
    Interrupted {
        /// Days finished before it stopped.
        days_done: u64,
    },
}

impl RunError {
    pub(super) fn interrupted(days_done: u64) -> Self {
        RunError::Interrupted { days_done }
    }
}

/// A piece of a run's output, in output order.
pub(super) enum Piece {
    /// A streamed table.
    Stream(StreamId),
    /// A table built at the end.
    Memory(Table),
}

/// Rows gathered before they are appended to a stream (a run appends at least every simulated
/// day in chain modes).
pub(super) const APPEND_ROWS: usize = 1024;
