//! The contracts of one run: genesis state, stakers with their accounts, and the behaviours
//! (stakers, admin, voting, fees) on their own streams of the run seed.

use consensus_model::contracts::{
    AccountId, ContractDriver, ContractRecorder, ContractsError, DrivenContracts, FeeSource,
    StakerPlan, SystemContracts, TimedTx,
};
use sim_core::{Domain, Streams};

use crate::validate::{ContractAction, ContractsSpec, Pick, Senders};

/// Stakers are accounts `FIRST_STAKER_ACCOUNT..`; validators' own accounts are their ids.
pub const FIRST_STAKER_ACCOUNT: u32 = 1_000_000;

/// The account of staker `k` (0-based over every staker group, in file order); validation
/// bounds the stakers by `MAX_STAKERS`, so it fits.
fn staker_account(k: u64) -> AccountId {
    AccountId(FIRST_STAKER_ACCOUNT + k as u32)
}

/// The contracts with their behaviours for a run with `seed`, recording into `log`.
/// An error here is a validation gap: every rule was checked by `validate`.
pub fn contracts<R: ContractRecorder>(
    spec: &ContractsSpec,
    seed: u64,
    log: R,
) -> Result<DrivenContracts<R>, ContractsError> {
    let mut balances = spec.balances.clone();
    let mut stakers = Vec::new();
    let mut next = 0;
    for group in &spec.staker_groups {
        for _ in 0..group.count {
            let account = staker_account(next);
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
    driver.set_timed(
        spec.timeline
            .iter()
            .flat_map(|a| timed_txs(a, streams))
            .collect(),
    );
    let mut fees = FeeSource::new(spec.fees, streams, 0);
    fees.schedule(spec.fee_changes.clone());
    Ok(DrivenContracts::new(contracts, driver, Some(fees)))
}

/// One transaction per sender of `action`; a share of stakers is drawn by selection sampling
/// from the event's own stream `(seed, scenario.events, event)`.
fn timed_txs(action: &ContractAction, streams: Streams) -> Vec<TimedTx> {
    let accounts: Vec<AccountId> = match &action.from {
        Senders::Accounts(a) => a.clone(),
        Senders::Stakers { first, count, pick } => {
            let staker = |k: u64| staker_account(first + k);
            match *pick {
                Pick::All => (0..*count).map(staker).collect(),
                Pick::One(k) => vec![staker(k)],
                Pick::Share(bps) => {
                    let mut rng = streams.stream(Domain("scenario.events"), action.stream);
                    crate::build::select(&mut rng, *count, *count * u64::from(bps) / 10_000)
                        .map(staker)
                        .collect()
                }
            }
        }
    };
    accounts
        .into_iter()
        .map(|from| TimedTx {
            at: action.at,
            from,
            call: action.call.clone(),
        })
        .collect()
}
