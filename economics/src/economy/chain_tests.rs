//! Tests of the coupled-mode chain API (`attach_chain`, `sync_chain`): the chain's holdings
//! inside the SPEC §7 buckets, funded by the foundation/market account.

use sim_core::Amount;

use super::*;
use crate::ledger::Bucket;

fn dcc(x: u128) -> Amount {
    Amount::from_dcc(x)
}

/// Two always-online nodes, one voter; the campaign opens on day 0, so vote fees appear in the
/// first voting week.
fn cfg() -> EconomyConfig {
    EconomyConfig {
        operators: vec![
            OperatorSpec {
                endowment: dcc(1_000),
            },
            OperatorSpec {
                endowment: dcc(1_000),
            },
        ],
        nodes: vec![
            NodeSpec::simple(1_000_000, 0),
            NodeSpec::simple(2_000_000, 1),
        ],
        voters: vec![VoterSpec {
            endowment: dcc(100),
            strategy: VoterStrategy::FollowPower,
            vote_bps: 5_000,
        }],
        campaign: CampaignConfig {
            open_threshold_nodes: 1,
            first_campaign_day: Some(0),
            ..CampaignConfig::default()
        },
        ..EconomyConfig::default()
    }
}

fn genesis() -> ChainHoldings {
    ChainHoldings {
        liquid: dcc(5_000),
        stake: dcc(700),
        income: Amount::ZERO,
        burned: Amount::ZERO,
    }
}

fn sum_buckets(e: &Economy) -> Amount {
    Amount::checked_sum(Bucket::ALL.iter().map(|b| e.ledger().balance(*b))).unwrap()
}

#[test]
fn attach_funds_genesis_from_the_market_account_or_fails_cleanly() {
    let mut e = Economy::new(cfg()).unwrap();
    let before = e.foundation_balance();
    let ledger_before = e.ledger().clone();
    // More than the account holds: a clear error and nothing changed.
    let huge = ChainHoldings {
        liquid: before,
        stake: Amount::from_wei(1),
        ..ChainHoldings::default()
    };
    let err = e.attach_chain(huge).unwrap_err();
    assert!(
        matches!(err, EconomyError::ChainFunding { needed, available }
            if available == before && needed == before.checked_add(Amount::from_wei(1)).unwrap()),
        "{err}"
    );
    assert_eq!(e.foundation_balance(), before);
    assert_eq!(e.ledger(), &ledger_before);
    assert_eq!(e.chain_holdings(), None);
    // Burned coins cannot be a genesis holding.
    let burned = ChainHoldings {
        burned: Amount::from_wei(1),
        ..genesis()
    };
    assert!(matches!(
        e.attach_chain(burned),
        Err(EconomyError::Chain(_))
    ));
    // A payable genesis: stake moves to its bucket, the liquid part stays liquid.
    e.attach_chain(genesis()).unwrap();
    assert_eq!(
        e.foundation_balance(),
        before.checked_sub(dcc(5_700)).unwrap()
    );
    assert_eq!(e.ledger().balance(Bucket::ValidatorStake), dcc(700));
    assert_eq!(
        e.ledger().balance(Bucket::Liquid),
        ledger_before
            .balance(Bucket::Liquid)
            .checked_sub(dcc(700))
            .unwrap()
    );
    assert_eq!(e.chain_holdings(), Some(genesis()));
    assert_eq!(e.chain_funding(), Some((dcc(5_700), Amount::ZERO)));
    e.check_invariant(0).unwrap();
    // Only once.
    assert!(matches!(
        e.attach_chain(genesis()),
        Err(EconomyError::Chain(_))
    ));
}

#[test]
fn sync_moves_market_fees_vote_fees_stake_and_burns_between_buckets() {
    let mut e = Economy::new(cfg()).unwrap();
    e.attach_chain(genesis()).unwrap();
    let mut rec = VecRecorder::default();
    // Run until the voter has voted (and paid the fee).
    while e.vote_fees_total().is_zero() {
        let d = e.next_day();
        assert!(d < 7, "the voter votes within the voting week");
        e.run_ideal(d + 1, &mut rec).unwrap();
    }
    let fee = e.take_vote_fees();
    assert_eq!(fee, CampaignConfig::default().vote_fee);
    // Taken but not yet synced: still counted economy-side.
    e.check_invariant(e.next_day()).unwrap();
    let before = e.ledger().clone();
    let market = e.foundation_balance();
    // The chain received `fee` and 2 DCC of users' fees; a staker bonded 300 DCC and the
    // fees became income.
    let market_fees = dcc(2);
    let h1 = ChainHoldings {
        liquid: dcc(5_000 - 300),
        stake: dcc(700 + 300),
        income: fee.checked_add(market_fees).unwrap(),
        burned: Amount::ZERO,
    };
    e.sync_chain(h1, market_fees).unwrap();
    assert_eq!(
        e.foundation_balance(),
        market.checked_sub(market_fees).unwrap()
    );
    let delta = |b: Bucket| {
        (
            e.ledger().balance(b).wei() as i128,
            before.balance(b).wei() as i128,
        )
    };
    let (now, was) = delta(Bucket::Liquid);
    assert_eq!(
        now - was,
        -(dcc(300).wei() as i128) - market_fees.wei() as i128
    );
    let (now, was) = delta(Bucket::ValidatorStake);
    assert_eq!(now - was, dcc(300).wei() as i128);
    let (now, was) = delta(Bucket::UnwithdrawnIncome);
    assert_eq!(
        now - was,
        market_fees.wei() as i128,
        "vote fees not counted twice"
    );
    assert_eq!(e.chain_funding(), Some((dcc(5_702), fee)));
    e.check_invariant(e.next_day()).unwrap();
    // Confiscated income burned, stake unbonding (still stake), income withdrawn (liquid).
    let h2 = ChainHoldings {
        liquid: h1.liquid.checked_add(Amount::from_wei(10)).unwrap(),
        stake: h1.stake,
        income: h1.income.checked_sub(Amount::from_wei(11)).unwrap(),
        burned: Amount::from_wei(1),
    };
    let burned_before = e.ledger().balance(Bucket::Burned);
    e.sync_chain(h2, Amount::ZERO).unwrap();
    assert_eq!(
        e.ledger().balance(Bucket::Burned),
        burned_before.checked_add(Amount::from_wei(1)).unwrap()
    );
    assert_eq!(
        e.ledger().total_supply(),
        crate::supply::TOTAL_SUPPLY
            .checked_sub(e.ledger().balance(Bucket::Burned))
            .unwrap()
    );
    // The days go on with the chain inside the invariant, and rows report its share.
    let d = e.next_day();
    e.run_ideal(d + 3, &mut rec).unwrap();
    let row = rec.days.last().unwrap();
    assert_eq!(row.chain, Some(h2));
    assert_eq!(row.locked_validator_stake, h2.stake);
    assert_eq!(sum_buckets(&e), crate::supply::TOTAL_SUPPLY);
}

#[test]
fn broken_chain_accounting_is_detected() {
    let mut e = Economy::new(cfg()).unwrap();
    // Not attached.
    assert!(matches!(
        e.sync_chain(genesis(), Amount::ZERO),
        Err(EconomyError::Chain(_))
    ));
    e.attach_chain(genesis()).unwrap();
    // One wei from nowhere.
    let extra = ChainHoldings {
        liquid: dcc(5_000).checked_add(Amount::from_wei(1)).unwrap(),
        ..genesis()
    };
    assert!(matches!(
        e.sync_chain(extra, Amount::ZERO),
        Err(EconomyError::Invariant { .. })
    ));
    // Burns never come back.
    let burn = ChainHoldings {
        liquid: dcc(4_999),
        burned: dcc(1),
        ..genesis()
    };
    e.sync_chain(burn, Amount::ZERO).unwrap();
    assert!(matches!(
        e.sync_chain(genesis(), Amount::ZERO),
        Err(EconomyError::Invariant { .. })
    ));
    // The market account cannot pay more than it holds.
    let market = e.foundation_balance();
    let rich = ChainHoldings {
        liquid: dcc(4_999)
            .checked_add(market)
            .unwrap()
            .checked_add(dcc(1))
            .unwrap(),
        ..burn
    };
    let huge = market.checked_add(dcc(1)).unwrap();
    assert!(matches!(
        e.sync_chain(rich, huge),
        Err(EconomyError::ChainFunding { .. })
    ));
    e.check_invariant(0).unwrap();
    // Corrupted holdings: the daily check names the bucket.
    if let Some(link) = e.chain.as_mut() {
        link.holdings.stake = link
            .holdings
            .stake
            .checked_add(Amount::from_wei(1))
            .unwrap();
    }
    let err = e.check_invariant(0).unwrap_err();
    assert!(
        matches!(&err, EconomyError::Invariant { detail, .. } if detail.contains("stake")),
        "{err}"
    );
    let mut rec = VecRecorder::default();
    assert!(matches!(
        e.run_ideal(1, &mut rec),
        Err(EconomyError::Invariant { .. })
    ));
}
