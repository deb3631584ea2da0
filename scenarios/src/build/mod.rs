//! Building: the only place the seed meets the scenario. A validated [`crate::validate::Spec`]
//! and a seed become the engines' inputs: compute nodes, operators and voters drawn from their
//! groups' streams, stakers given their accounts, the contracts set up with their behaviours'
//! streams. Each population has its own stream (`scenario.node_groups`, `scenario.voter_groups`,
//! indexed by group), so adding a group never shifts another group's draws.

mod contracts;
mod economy;

pub use contracts::{FIRST_STAKER_ACCOUNT, contracts};
pub use economy::economy;
