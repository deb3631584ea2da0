//! The fixed 500,000,000 DCC supply (SPEC §6): the allocations, their default vesting schedules
//! and validated supply parameters whose parts always sum to the total.

use serde::{Deserialize, Serialize};
use sim_core::Amount;

use crate::emission::{EmissionSchedule, MINING_POOL};
use crate::vesting::VestingSchedule;

/// Total supply: 500,000,000 DCC, fixed; nothing is ever minted beyond it.
pub const TOTAL_SUPPLY: Amount = Amount::from_dcc(500_000_000);

/// The nine non-mining allocations of SPEC §6, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationId {
    /// World team: 2M, 360-day cliff, then 360 days linear.
    WorldTeam,
    /// O&M staff: 1.5M, 180-day cliff, then 180 days linear.
    OmStaff,
    /// Chain operators: 1.5M, 180-day cliff, then 180 days linear.
    ChainOperators,
    /// Airdrop: 5M, liquid at genesis (Choice).
    Airdrop,
    /// Community incentives: 10M, liquid at genesis (Choice).
    CommunityIncentives,
    /// DeFi pool: 60M, liquid at genesis (Choice).
    DefiPool,
    /// Ecosystem building: 100M, liquid at genesis (Choice).
    EcosystemBuilding,
    /// Foundation: 25M, 15% a year in equal daily amounts.
    Foundation,
    /// Joint labs: 25M, 15% a year in equal daily amounts.
    JointLabs,
}

impl AllocationId {
    /// All allocations in SPEC table order (the order of output columns).
    pub const ALL: [AllocationId; 9] = [
        AllocationId::WorldTeam,
        AllocationId::OmStaff,
        AllocationId::ChainOperators,
        AllocationId::Airdrop,
        AllocationId::CommunityIncentives,
        AllocationId::DefiPool,
        AllocationId::EcosystemBuilding,
        AllocationId::Foundation,
        AllocationId::JointLabs,
    ];

    /// The snake_case name used in scenario files and output columns.
    pub const fn name(self) -> &'static str {
        match self {
            AllocationId::WorldTeam => "world_team",
            AllocationId::OmStaff => "om_staff",
            AllocationId::ChainOperators => "chain_operators",
            AllocationId::Airdrop => "airdrop",
            AllocationId::CommunityIncentives => "community_incentives",
            AllocationId::DefiPool => "defi_pool",
            AllocationId::EcosystemBuilding => "ecosystem_building",
            AllocationId::Foundation => "foundation",
            AllocationId::JointLabs => "joint_labs",
        }
    }

    /// The SPEC default: (total, schedule).
    pub const fn spec_default(self) -> (Amount, VestingSchedule) {
        use VestingSchedule::{AnnualRate, CliffLinear, LiquidAtGenesis};
        match self {
            AllocationId::WorldTeam => (
                Amount::from_dcc(2_000_000),
                CliffLinear {
                    cliff_days: 360,
                    duration_days: 360,
                },
            ),
            AllocationId::OmStaff | AllocationId::ChainOperators => (
                Amount::from_dcc(1_500_000),
                CliffLinear {
                    cliff_days: 180,
                    duration_days: 180,
                },
            ),
            AllocationId::Airdrop => (Amount::from_dcc(5_000_000), LiquidAtGenesis),
            AllocationId::CommunityIncentives => (Amount::from_dcc(10_000_000), LiquidAtGenesis),
            AllocationId::DefiPool => (Amount::from_dcc(60_000_000), LiquidAtGenesis),
            AllocationId::EcosystemBuilding => (Amount::from_dcc(100_000_000), LiquidAtGenesis),
            AllocationId::Foundation | AllocationId::JointLabs => (
                Amount::from_dcc(25_000_000),
                AnnualRate {
                    bps_per_year: 1_500,
                    start_day: 0,
                },
            ),
        }
    }
}

impl std::fmt::Display for AllocationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One allocation with its size and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// Which allocation.
    pub id: AllocationId,
    /// Its size.
    pub total: Amount,
    /// How it is released.
    pub schedule: VestingSchedule,
}

/// Supply parameters that violate SPEC §6.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupplyError {
    /// The allocations plus the mining pool do not equal the total supply.
    #[error(
        "allocations ({allocations}) + mining pool ({pool}) = {sum}, but the total supply is {total}"
    )]
    DoesNotSum {
        /// Sum of the allocations.
        allocations: Amount,
        /// The mining pool.
        pool: Amount,
        /// Their sum (saturating).
        sum: Amount,
        /// The fixed total.
        total: Amount,
    },
    /// A schedule's parameters are out of range.
    #[error("allocation {id}: {message}")]
    BadSchedule {
        /// Which allocation.
        id: AllocationId,
        /// What is wrong.
        message: String,
    },
}

/// Validated supply parameters: allocations + mining pool = 500M exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyParams {
    allocations: [Allocation; 9],
    mining_pool: Amount,
    emission: EmissionSchedule,
}

impl Default for SupplyParams {
    fn default() -> Self {
        let allocations = AllocationId::ALL.map(|id| {
            let (total, schedule) = id.spec_default();
            Allocation {
                id,
                total,
                schedule,
            }
        });
        SupplyParams {
            allocations,
            mining_pool: MINING_POOL,
            emission: EmissionSchedule::default(),
        }
    }
}

impl SupplyParams {
    /// Validates a full set of parameters. `allocations` is indexed like [`AllocationId::ALL`].
    pub fn new(
        allocations: [(Amount, VestingSchedule); 9],
        mining_pool: Amount,
        emission: EmissionSchedule,
    ) -> Result<Self, SupplyError> {
        let mut built = SupplyParams::default().allocations;
        for (slot, (total, schedule)) in built.iter_mut().zip(allocations) {
            schedule
                .validate()
                .map_err(|message| SupplyError::BadSchedule {
                    id: slot.id,
                    message,
                })?;
            slot.total = total;
            slot.schedule = schedule;
        }
        let alloc_sum = built.iter().fold(Amount::ZERO, |acc, a| {
            acc.checked_add(a.total)
                .unwrap_or(Amount::from_wei(u128::MAX))
        });
        let sum = alloc_sum
            .checked_add(mining_pool)
            .unwrap_or(Amount::from_wei(u128::MAX));
        if sum != TOTAL_SUPPLY {
            return Err(SupplyError::DoesNotSum {
                allocations: alloc_sum,
                pool: mining_pool,
                sum,
                total: TOTAL_SUPPLY,
            });
        }
        Ok(SupplyParams {
            allocations: built,
            mining_pool,
            emission,
        })
    }

    /// The allocations in [`AllocationId::ALL`] order.
    pub fn allocations(&self) -> &[Allocation; 9] {
        &self.allocations
    }

    /// The mining pool at genesis.
    pub fn mining_pool(&self) -> Amount {
        self.mining_pool
    }

    /// The emission schedule.
    pub fn emission(&self) -> EmissionSchedule {
        self.emission
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_sum_to_500m() {
        let p = SupplyParams::default();
        let sum =
            p.allocations().iter().map(|a| a.total.wei()).sum::<u128>() + p.mining_pool().wei();
        assert_eq!(sum, TOTAL_SUPPLY.wei());
        let rebuilt = SupplyParams::new(
            p.allocations().map(|a| (a.total, a.schedule)),
            p.mining_pool(),
            p.emission(),
        );
        assert_eq!(rebuilt, Ok(p));
    }

    #[test]
    fn rejects_parts_that_do_not_sum() {
        let p = SupplyParams::default();
        let mut parts = p.allocations().map(|a| (a.total, a.schedule));
        parts[0].0 = Amount::from_dcc(1);
        assert!(matches!(
            SupplyParams::new(parts, p.mining_pool(), p.emission()),
            Err(SupplyError::DoesNotSum { .. })
        ));
    }
}
