//! The supply schedule's daily table (SPEC §4.3, §6): the `daily` table of schedule runs and
//! the CSV of `dcfs-sim emission`.

use economics::{AllocationId, SUPPLY_DAY_COLUMNS, SupplyDay, allocation_column};

use super::{ColumnData, Table, names};

/// The supply timeline's daily rows as a table.
pub fn daily(rows: &[SupplyDay]) -> Table {
    let mut daily = Table::new(names::DAILY);
    daily.push(
        SUPPLY_DAY_COLUMNS[0],
        ColumnData::U64(rows.iter().map(|r| r.day).collect()),
    );
    let amounts: [fn(&SupplyDay) -> sim_core::Amount; 5] = [
        |r| r.emission,
        |r| r.emission_cumulative,
        |r| r.vested,
        |r| r.vested_cumulative,
        |r| r.mining_pool,
    ];
    for (name, get) in SUPPLY_DAY_COLUMNS[1..].iter().zip(amounts) {
        daily.push(
            name,
            ColumnData::U128(rows.iter().map(|r| get(r).wei()).collect()),
        );
    }
    for (i, id) in AllocationId::ALL.into_iter().enumerate() {
        daily.push(
            &allocation_column(id),
            ColumnData::U128(
                rows.iter()
                    .map(|r| r.vested_by_allocation[i].wei())
                    .collect(),
            ),
        );
    }
    daily
}
