//! The contracts of one run: genesis state, stakers with their accounts, and the behaviours
//! (stakers, admin, voting, fees) on their own streams of the run seed.

use consensus_model::contracts::{
    AccountId, ContractDriver, ContractRecorder, ContractsError, DrivenContracts, FeeSource,
    StakerPlan, SystemContracts,
};
use sim_core::Streams;

use crate::validate::ContractsSpec;

/// Stakers are accounts `FIRST_STAKER_ACCOUNT..`; validators' own accounts are their ids.
pub const FIRST_STAKER_ACCOUNT: u32 = 1_000_000;

/// The contracts with their behaviours for a run with `seed`, recording into `log`.
/// An error here is a validation gap: every rule was checked by `validate`.
pub fn contracts<R: ContractRecorder>(
    spec: &ContractsSpec,
    seed: u64,
    log: R,
) -> Result<DrivenContracts<R>, ContractsError> {
    let mut balances = spec.balances.clone();
    let mut stakers = Vec::new();
    let mut next = FIRST_STAKER_ACCOUNT;
    for group in &spec.staker_groups {
        for _ in 0..group.count {
            let account = AccountId(next);
            next += 1;
            balances.push((account, group.endowment));
            stakers.push((account, StakerPlan::Random(group.plan.clone())));
        }
    }
    let contracts = SystemContracts::new(spec.config.clone(), &spec.genesis, &balances, log)?;
    let streams = Streams::new(seed);
    let mut driver = ContractDriver::new(streams, spec.tx_fee);
    for (account, plan) in stakers {
        driver.add_staker(account, plan);
    }
    driver.set_admin(spec.admin.clone());
    if let Some(v) = spec.voting {
        driver.set_voters(v);
    }
    driver.set_income(spec.income.clone());
    Ok(DrivenContracts::new(
        contracts,
        driver,
        Some(FeeSource::new(spec.fees, streams, 0)),
    ))
}
