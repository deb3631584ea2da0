//! `[supply]`: the nine allocations with their schedules, the mining pool and the halving
//! emission (SPEC §4.3, §6), which must sum to exactly 500M.

use economics::{AllocationId, EmissionSchedule, SupplyParams};

use crate::error::Issue;
use crate::format::RawSupply;

pub(super) fn supply(raw: &RawSupply) -> Result<SupplyParams, Issue> {
    let halving = || {
        Issue::range(
            "supply.halving_period_days",
            "halving period must be at least 1 day, got 0",
            "allowed: 1 or more days (SPEC default 2190)",
        )
    };
    let e0 = raw.e0.ok_or_else(halving)?;
    let emission = EmissionSchedule::new(e0.0, raw.halving_period_days).ok_or_else(halving)?;
    if e0.0 > raw.mining_pool.0 {
        return Err(Issue::cross(
            "supply.e0",
            format!(
                "the first day's emission ({} wei) exceeds the mining pool ({} wei)",
                e0.0.wei(),
                raw.mining_pool.0.wei()
            ),
            "e0 is at most supply.mining_pool (default: mining_pool / (2 · halving_period_days))",
        ));
    }
    let mut parts = AllocationId::ALL.map(|id| id.spec_default());
    for (slot, id) in parts.iter_mut().zip(AllocationId::ALL) {
        let Some(a) = raw.allocations.get(&id) else {
            continue;
        };
        if let Some(t) = a.total {
            slot.0 = t.0;
        }
        if let Some(s) = a.schedule {
            s.validate().map_err(|m| {
                Issue::range(
                    &format!("supply.allocations.{id}.schedule"),
                    m,
                    "bps_per_year is 1..=10000 (1500 = 15% a year)",
                )
            })?;
            slot.1 = s;
        }
    }
    SupplyParams::new(parts, raw.mining_pool.0, emission).map_err(|e| {
        Issue::cross(
            "supply",
            e.to_string(),
            "the nine allocations plus supply.mining_pool must sum to exactly 500000000 DCC",
        )
    })
}
