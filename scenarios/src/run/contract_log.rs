//! The contracts' log as a run keeps it (a `ContractRecorder`).

use consensus_model::contracts::{ContractEvent, ContractRecorder, EpochRecord, VecRecorder};
use sim_core::{Amount, SimTime};

/// The contracts' log as the scenario keeps it: every event and epoch record, except that the
/// per-block `FeesDistributed` events (one per block, the bulk of a long run) are only counted
/// and summed unless `keep_fee_events` — per-validator income is in the epoch records anyway —
/// so memory does not grow with every block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractLog {
    /// Kept events and epoch records.
    pub inner: VecRecorder,
    /// Keep `FeesDistributed` events too.
    pub keep_fee_events: bool,
    /// Fee distributions seen (kept or not).
    pub fee_distributions: u64,
    /// Fees distributed in them.
    pub fees_distributed: Amount,
}

impl ContractRecorder for ContractLog {
    fn on_event(&mut self, height: u64, time: SimTime, event: &ContractEvent) {
        if let ContractEvent::FeesDistributed { total, .. } = event {
            self.fee_distributions += 1;
            self.fees_distributed = self
                .fees_distributed
                .checked_add(*total)
                .unwrap_or(Amount::from_wei(u128::MAX));
            if !self.keep_fee_events {
                return;
            }
        }
        self.inner.on_event(height, time, event);
    }

    fn on_epoch_record(&mut self, record: &EpochRecord) {
        self.inner.on_epoch_record(record);
    }
}
