//! Coupled mode keeps one 500M ledger (SPEC §7 across economy and system contracts): the
//! contracts' genesis is paid by the economy's market account, users' fees too, vote fees move
//! into the contracts without being counted twice, and at every settled day the buckets sum to
//! exactly 500M and the economy's copy of the chain's holdings equals the contracts' accounting.

use std::path::Path;

use consensus_model::contracts::ContractEvent;
use economics::economy::Economy;
use scenarios::run::{ChainOutputs, chain_holdings, run_chain};
use sim_core::Amount;

/// 5 genesis validators and a candidate the admin proposes, validator 3 offline for two hours
/// (punished, income confiscated and burned, jailed), random stakers with short unbonding,
/// sparse fees; 300 compute nodes and 30 voters, the campaign opening on day 0.
const SCENARIO: &str = r#"
[run]
name = "coupled-ledger"
mode = "coupled"
horizon_days = 2
seed = 11

[consensus]
validators = 6
genesis_validators = 5

[[consensus.offline]]
validator = 3
start_s = 3600
end_s = 10800

[contracts]
genesis_stake = "100 DCC"
confiscation = "burn"
unbonding_blocks = 600
fees = { kind = "sparse", busy_ppm = 300000, min = "0.001 DCC", max = "0.2 DCC" }
admin_proposals = [{ height = 20, validator = 6 }]

[[contracts.staker_groups]]
count = 12
endowment = "5000 DCC"
period_blocks = 300
stake_ppm = 600000
unstake_ppm = 300000
amount_min = "16 DCC"
amount_max = "500 DCC"

[[economy.node_groups]]
count = 300
raw_power = { dist = "log_uniform", low = 1000000, high = 20000000 }
join_day = 0
operator_endowment = "500 DCC"

[[economy.voter_groups]]
count = 30
endowment_dcc = { dist = "uniform", low = 10, high = 5000 }

[economy.campaign]
first_campaign_day = 0
open_threshold_nodes = 10
max_candidates = 20
seats = 5
voting_days = 1
next_voting_lead_days = 1
"#;

#[test]
fn coupled_run_keeps_one_500m_ledger_every_day() {
    let doc = scenarios::load::parse_document(Path::new("coupled-ledger.toml"), SCENARIO.into())
        .unwrap_or_else(|e| panic!("{e}"));
    let s = doc.load().unwrap_or_else(|e| panic!("{e}")).spec;
    let scenarios::Engines::Coupled {
        chain,
        economy: economy_spec,
    } = s.engines()
    else {
        panic!("a coupled scenario")
    };
    let setup = &chain.contracts;
    let cfg = scenarios::build::economy(economy_spec, s.seed(), s.horizon_days(), Some(setup))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let economy = Economy::new(cfg).unwrap();
    let market_before = economy.foundation_balance();
    let out = run_chain(
        &chain.consensus,
        setup,
        Some(economy),
        s.seed(),
        s.horizon_days(),
        ChainOutputs::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (economy, rec) = out.economy.as_ref().unwrap();
    let contracts = &out.contracts.contracts;

    // Every settled day: the SPEC §7 buckets sum to 500M, supply = 500M − burned, and the
    // chain's holdings the economy recorded equal the contracts' accounting at settlement.
    assert_eq!(rec.days.len(), 2);
    let total = Amount::from_dcc(500_000_000);
    assert_eq!(out.settled.len(), rec.days.len());
    for (row, (day, acc)) in rec.days.iter().zip(&out.settled) {
        assert_eq!(row.day, *day);
        let sum = Amount::checked_sum([
            row.pool_remaining,
            row.locked_unvested,
            row.circulating,
            row.locked_validator_stake,
            row.locked_node_pledges,
            row.locked_votes,
            row.unwithdrawn_income,
            row.burned_total,
        ])
        .unwrap();
        assert_eq!(sum, total, "day {day}");
        assert_eq!(
            row.total_supply,
            total.checked_sub(row.burned_total).unwrap()
        );
        let chain = chain_holdings(acc).unwrap();
        assert_eq!(row.chain, Some(chain), "day {day}");
        // The economy holds no stake of its own; the chain's income is inside the bucket.
        assert_eq!(row.locked_validator_stake, chain.stake);
        assert!(row.unwithdrawn_income >= chain.income);
        assert!(row.burned_total >= chain.burned);
    }

    // At the end (after a final sync): same holdings, both ledgers conserved, and every wei in
    // the contracts traced to the market account or to vote fees.
    let acc = contracts.accounting().unwrap();
    let chain = chain_holdings(&acc).unwrap();
    assert_eq!(economy.chain_holdings(), Some(chain));
    contracts.check_conservation().unwrap();
    economy.check_invariant(economy.next_day()).unwrap();
    let (paid_by_market, vote_fees_in) = economy.chain_funding().unwrap();
    assert_eq!(
        paid_by_market.checked_add(vote_fees_in).unwrap(),
        acc.total().unwrap()
    );
    assert_eq!(vote_fees_in, economy.vote_fees_total());
    let genesis = setup.genesis_total;
    assert!(paid_by_market > genesis, "users' fees were paid too");
    // The market account paid that (vesting releases are its only other inflow).
    let vested = Amount::checked_sum(rec.days.iter().map(|r| r.vested_released)).unwrap();
    assert_eq!(
        economy.foundation_balance(),
        market_before
            .checked_add(vested)
            .unwrap()
            .checked_sub(paid_by_market)
            .unwrap()
    );

    // The run exercised what the ledger must carry: vote fees, stakes beyond genesis,
    // proposals, punishment, jailing and a confiscation burn.
    assert!(!vote_fees_in.is_zero());
    assert!(chain.stake > Amount::from_dcc(500));
    assert!(!chain.burned.is_zero());
    let log = contracts.recorder();
    let has = |f: fn(&ContractEvent) -> bool| log.inner.events.iter().any(|(_, _, e)| f(e));
    assert!(has(|e| matches!(e, ContractEvent::ProposalPassed { .. })));
    assert!(has(|e| matches!(e, ContractEvent::Punished { .. })));
    assert!(has(|e| matches!(e, ContractEvent::StakeWithdrawn { .. })));
    assert!(has(|e| matches!(
        e,
        ContractEvent::StatusChanged {
            to: consensus_model::contracts::ValidatorStatus::Jailed,
            ..
        }
    )));
}

/// A market account too poor for the contracts' genesis is refused by validation, at the key.
#[test]
fn unpayable_genesis_is_a_clear_error() {
    let text = SCENARIO.replace(
        "genesis_stake = \"100 DCC\"",
        "genesis_stake = \"100000000 DCC\"",
    );
    let doc = scenarios::load::parse_document(Path::new("poor.toml"), text)
        .unwrap_or_else(|e| panic!("{e}"));
    let Err(err) = doc.load() else {
        panic!("a genesis the market account cannot pay must be refused");
    };
    assert_eq!(err.key_path, "contracts", "{err}");
    assert!(
        err.to_string().contains("foundation/market account holds"),
        "{err}"
    );
}

/// The coupled run's outputs show the chain's share of the buckets and what funded it.
#[test]
fn coupled_outputs_report_the_chain_share() {
    let doc = scenarios::load::parse_document(Path::new("coupled-ledger.toml"), SCENARIO.into())
        .unwrap_or_else(|e| panic!("{e}"));
    let s = doc.load().unwrap_or_else(|e| panic!("{e}")).spec;
    let out = scenarios::run(&s).unwrap_or_else(|e| panic!("{e}"));
    let col = |t: &scenarios::Table, name: &str| -> Vec<u128> {
        match t.columns.iter().find(|c| c.name == name).map(|c| &c.data) {
            Some(scenarios::ColumnData::U128(v)) => v.clone(),
            _ => panic!("column {name} missing"),
        }
    };
    let daily = out.tables.iter().find(|t| t.name == "daily").unwrap();
    assert_eq!(
        col(daily, "chain_stake_wei"),
        col(daily, "locked_validator_stake_wei")
    );
    assert!(col(daily, "chain_liquid_wei").iter().all(|&x| x > 0));
    assert!(col(&out.summary, "chain_paid_by_market_wei")[0] > 0);
    assert!(col(&out.summary, "chain_vote_fees_in_wei")[0] > 0);
}
