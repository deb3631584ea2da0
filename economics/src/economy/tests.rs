//! Tests of the economy against SPEC §4–5 and §7.

use proptest::prelude::*;
use sim_core::{Amount, SimTime};

use super::*;
use crate::ledger::Bucket;

const DAY_MS: u64 = 86_400_000;
const H: u64 = MS_PER_HOUR;

/// `n` always-online nodes of 1M..=n M power (node i has (i+1)M), one operator each with
/// 1,000 + 16·i DCC (enough for the pledge), no voters; the campaign opens at `threshold` pledged nodes.
pub(super) fn base(n: u32, threshold: u32) -> EconomyConfig {
    EconomyConfig {
        operators: (0..n)
            .map(|i| OperatorSpec {
                endowment: Amount::from_dcc(1_000 + 16 * u128::from(i)),
            })
            .collect(),
        nodes: (0..n)
            .map(|i| NodeSpec::simple(u64::from(i + 1) * 1_000_000, i))
            .collect(),
        campaign: CampaignConfig {
            open_threshold_nodes: threshold,
            ..CampaignConfig::default()
        },
        ..EconomyConfig::default()
    }
}

/// One node, one voter voting everything for it: the first term starts on day 7.
pub(super) fn single_node(adoption_bps: u32) -> EconomyConfig {
    let mut cfg = base(1, 1);
    cfg.adoption = AdoptionModel::Constant(adoption_bps);
    cfg.voters = vec![VoterSpec {
        endowment: Amount::from_dcc(100),
        strategy: VoterStrategy::FollowPower,
        vote_bps: 10_000,
    }];
    cfg
}

pub(super) fn run(cfg: EconomyConfig, days: u64) -> (Economy, VecRecorder) {
    let mut e = Economy::new(cfg).unwrap();
    let mut rec = VecRecorder::default();
    e.run_ideal(days, &mut rec).unwrap();
    (e, rec)
}

fn paid(r: &DayRow) -> Amount {
    Amount::checked_sum([
        r.basic_paid,
        r.stability_paid,
        r.extra_paid,
        r.election_super_nodes_paid,
        r.election_voters_paid,
    ])
    .unwrap()
}

fn burned(r: &DayRow) -> Amount {
    r.burned_pre_election
        .checked_add(r.burned_unadopted)
        .unwrap()
}

#[test]
fn split_categories_sum_to_emission_minus_dust() {
    let mut cfg = base(40, 40);
    cfg.adoption = AdoptionModel::UniformDaily {
        low_bps: 0,
        high_bps: 10_000,
    };
    cfg.campaign.seats = 5;
    cfg.campaign.max_candidates = 10;
    cfg.voters = (0..20)
        .map(|v| VoterSpec {
            endowment: Amount::from_dcc(50 + v),
            strategy: VoterStrategy::Random,
            vote_bps: 5_000,
        })
        .collect();
    let (_, rec) = run(cfg, 40);
    let e0 = rec.days[0].emission;
    for r in &rec.days {
        let out = paid(r).checked_add(burned(r)).unwrap();
        assert_eq!(
            out.checked_add(r.emission_left_in_pool).unwrap(),
            r.emission
        );
        assert_eq!(r.emission, e0);
        if r.super_nodes > 0 {
            // Every category has recipients: only per-recipient flooring dust stays.
            assert!(r.emission_left_in_pool.wei() < 100, "{r:?}");
        }
    }
    // Pool: genesis − Σ(paid + burned) − forfeits, to the wei.
    let last = rec.days.last().unwrap();
    let out: u128 = rec
        .days
        .iter()
        .map(|r| paid(r).wei() + burned(r).wei())
        .sum();
    assert_eq!(last.pool_remaining.wei() + out, crate::MINING_POOL.wei());
}

#[test]
fn single_node_gets_basic_plus_stability() {
    let (e, rec) = run(single_node(10_000), 12);
    assert_eq!(e.first_term_start(), Some(7));
    let r = &rec.days[8];
    let emission = r.emission;
    assert_eq!(r.basic_paid, emission.mul_bps(6_400));
    assert_eq!(r.stability_paid, emission.mul_bps(2_000));
    assert_eq!(r.burned_unadopted, Amount::ZERO);
    assert_eq!(r.extra_paid, emission.mul_bps(640));
    // Node totals: exactly basic + stability on each day of the term so far (days 7..12).
    let t = e.node_totals(0).unwrap();
    let days = 5u128;
    assert_eq!(t.basic.wei(), emission.mul_bps(6_400).wei() * days);
    assert_eq!(t.stability.wei(), emission.mul_bps(2_000).wei() * days);
}

#[test]
fn quarter_adoption_burns_three_quarters_of_stability() {
    let (_, rec) = run(single_node(2_500), 10);
    let r = &rec.days[8];
    let s = r.emission.mul_bps(2_000);
    assert_eq!(r.stability_paid.wei(), s.wei() / 4);
    assert_eq!(r.burned_unadopted.wei(), s.wei() - s.wei() / 4);
    assert_eq!(r.basic_paid, r.emission.mul_bps(6_400));
}

#[test]
fn before_first_term_basic_and_stability_are_burned() {
    let (e, rec) = run(base(10, 500), 30);
    assert!(e.first_term_start().is_none());
    let mut pool = crate::MINING_POOL;
    for r in &rec.days {
        assert_eq!(paid(r), Amount::ZERO);
        let bs = r
            .emission
            .mul_bps(6_400)
            .checked_add(r.emission.mul_bps(2_000))
            .unwrap();
        assert_eq!(r.burned_pre_election, bs);
        assert_eq!(burned(r), bs);
        pool = pool.checked_sub(bs).unwrap();
        assert_eq!(r.pool_remaining, pool);
        assert_eq!(
            r.total_supply.checked_add(r.burned_total).unwrap(),
            crate::TOTAL_SUPPLY
        );
        assert_eq!(r.nodes_active, 10);
    }
    for i in 0..10 {
        assert_eq!(e.node_totals(i).unwrap().basic, Amount::ZERO);
    }
    // Selectable: burn only what would have been paid, or pay normally.
    let mut cfg = base(10, 500);
    cfg.pre_election = PreElectionRule::PayNormally;
    let (_, rec) = run(cfg, 2);
    assert!(rec.days[1].basic_paid > Amount::ZERO && rec.days[1].burned_pre_election.is_zero());
    let mut cfg = base(10, 500);
    cfg.pre_election = PreElectionRule::BurnWouldBePaid;
    let (_, rec) = run(cfg, 2);
    let r = &rec.days[1];
    assert!(paid(r).is_zero());
    assert!(r.burned_pre_election <= r.emission.mul_bps(8_400));
    assert!(r.emission.mul_bps(8_400).wei() - r.burned_pre_election.wei() < 40);
}

/// Single node in office from day 7 with a 1M DCC pledge (so that forfeits of 3 days'
/// reward fit in it); an outage starting on day 20 at 06:00.
pub(super) fn outage_cfg(duration_ms: u64, reported: bool) -> EconomyConfig {
    let mut cfg = single_node(10_000);
    cfg.pledge_per_unit = Amount::from_dcc(1_000_000);
    cfg.operators[0].endowment = Amount::from_dcc(1_000_000);
    cfg.nodes[0].outages.push(ScheduledOutage {
        start_ms: 20 * DAY_MS + 6 * H,
        duration_ms,
        reported,
    });
    cfg
}

pub(super) fn reference(rec: &VecRecorder, day: usize) -> Amount {
    rec.days[day]
        .basic_paid
        .checked_add(rec.days[day].stability_paid)
        .unwrap()
}

#[test]
fn reported_short_outage_costs_nothing() {
    for d in [23 * H, 24 * H] {
        let (e, rec) = run(outage_cfg(d, true), 25);
        let t = e.node_totals(0).unwrap();
        assert_eq!(t.forfeited, Amount::ZERO, "{d}");
        assert_eq!(t.forfeit_count, 0);
        assert!(rec.days.iter().all(|r| r.burned_forfeits.is_zero()));
        // No rewards for time offline: the node was offline 23 h of day 20 and 21.
        assert!(rec.days[20].effective_power < rec.days[19].effective_power);
    }
}

#[test]
fn unreported_short_outage_costs_one_forfeit() {
    let (e, rec) = run(outage_cfg(23 * H, false), 25);
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeit_count, 1);
    assert_eq!(t.forfeited.wei(), 3 * reference(&rec, 15).wei());
    assert_eq!(rec.days[21].burned_forfeits, t.forfeited);
    let mut cfg = outage_cfg(23 * H, false);
    cfg.penalties.unreported_short_outage_forfeits = false;
    let (e, _) = run(cfg, 25);
    assert_eq!(e.node_totals(0).unwrap().forfeit_count, 0);
}

#[test]
fn outage_of_49_hours_costs_two_forfeits() {
    let (e, rec) = run(outage_cfg(49 * H, true), 25);
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeit_count, 2);
    let r = reference(&rec, 15);
    assert_eq!(t.forfeited.wei(), 6 * r.wei());
    // Forfeits at hour 24 (day 21, 06:00) and hour 48 (day 22, 06:00), burned those days.
    assert_eq!(rec.days[21].burned_forfeits.wei(), 3 * r.wei());
    assert_eq!(rec.days[22].burned_forfeits.wei(), 3 * r.wei());
    // The operator topped the pledge back up (default clearing rule): still pledged.
    assert_eq!(t.status, NodeStatus::Pledged);
    assert_eq!(t.pledge, Amount::from_dcc(1_000_000));
    // Forfeits returned to the pool instead of burned (selectable).
    let mut cfg = outage_cfg(49 * H, true);
    cfg.penalties.sink = ForfeitSink::MiningPool;
    let (_, rec2) = run(cfg, 25);
    assert_eq!(rec2.days[21].forfeits_to_pool.wei(), 3 * r.wei());
    assert!(rec2.days[21].burned_forfeits.is_zero());
    // Reference reward including super-node rewards (selectable): larger forfeits.
    let mut cfg = outage_cfg(49 * H, true);
    cfg.penalties.reference_includes_super_node_rewards = true;
    let (e, rec3) = run(cfg, 25);
    let d = &rec3.days[15];
    let with_sn = Amount::checked_sum([
        d.basic_paid,
        d.stability_paid,
        d.extra_paid,
        d.election_super_nodes_paid,
    ])
    .unwrap();
    assert_eq!(e.node_totals(0).unwrap().forfeited.wei(), 6 * with_sn.wei());
    // First forfeit at hour 48 (selectable): one forfeit.
    let mut cfg = outage_cfg(49 * H, true);
    cfg.penalties.first_forfeit_ms = 48 * H;
    let (e, _) = run(cfg, 25);
    assert_eq!(e.node_totals(0).unwrap().forfeit_count, 1);
}

#[test]
fn exhausted_pledge_clears_the_node_and_rest_returns_at_term_end() {
    let mut cfg = outage_cfg(49 * H, true);
    cfg.pledge_per_unit = Amount::from_dcc(16);
    cfg.penalties.clearing = ClearingRule::ClearWhenExhausted;
    let (e, rec) = run(cfg, 25);
    let t = e.node_totals(0).unwrap();
    // 3 days' reward far exceeds a 16 DCC pledge: exhausted at hour 24, cleared, no more forfeits.
    assert_eq!(t.forfeited, Amount::from_dcc(16));
    assert_eq!(t.forfeit_count, 1);
    assert_eq!(t.status, NodeStatus::Cleared);
    assert_eq!(rec.days[23].nodes_pledged, 0);
    assert_eq!(rec.days[23].nodes_active, 0);

    // Literal rule with a large pledge: cleared below the requirement; the rest is returned
    // at the end of the pledge term (day 180).
    let mut cfg = outage_cfg(49 * H, true);
    cfg.penalties.clearing = ClearingRule::ClearBelowRequirement;
    let mut e = Economy::new(cfg).unwrap();
    let mut rec = VecRecorder::default();
    e.run_ideal(179, &mut rec).unwrap();
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.status, NodeStatus::Cleared);
    assert_eq!(t.forfeit_count, 1);
    let rest = Amount::from_dcc(1_000_000)
        .checked_sub(t.forfeited)
        .unwrap();
    assert_eq!(t.pledge, rest);
    let before = e.operator_balance(0).unwrap();
    e.run_ideal(181, &mut rec).unwrap();
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.status, NodeStatus::Gone);
    assert_eq!(t.pledge, Amount::ZERO);
    // Day 179 pays the operator only super-node rewards; the refund arrives at day 180's start.
    let extra = rec.days[179]
        .extra_paid
        .checked_add(rec.days[179].election_super_nodes_paid)
        .unwrap();
    assert_eq!(
        e.operator_balance(0).unwrap(),
        Amount::checked_sum([
            before,
            rest,
            extra,
            rec.days[180].extra_paid,
            rec.days[180].election_super_nodes_paid
        ])
        .unwrap()
    );
}

#[test]
fn exit_and_attack_forfeit_the_whole_pledge() {
    let mut cfg = base(3, 500);
    cfg.nodes[0].exit_at_ms = Some(10 * DAY_MS);
    cfg.nodes[1].attack_at_ms = Some(3 * DAY_MS + 5);
    let (e, rec) = run(cfg, 20);
    for i in 0..2 {
        let t = e.node_totals(i).unwrap();
        assert_eq!(t.status, NodeStatus::Gone);
        assert_eq!(t.forfeited, Amount::from_dcc(16 * (i as u128 + 1)));
    }
    assert_eq!(rec.days[3].burned_forfeits, Amount::from_dcc(32));
    assert_eq!(rec.days[10].burned_forfeits, Amount::from_dcc(16));
    assert_eq!(rec.days[19].nodes_pledged, 1);
}

#[test]
fn pledge_returns_after_180_days_and_repledges() {
    let mut cfg = base(2, 500);
    cfg.repledge = RepledgePolicy::Never;
    cfg.nodes[1].join_day = 5;
    let (e, rec) = run(cfg, 190);
    assert_eq!(rec.days[179].nodes_pledged, 2);
    assert_eq!(rec.days[180].nodes_pledged, 1);
    assert_eq!(rec.days[185].nodes_pledged, 0);
    assert_eq!(e.node_totals(0).unwrap().status, NodeStatus::Lapsed);
    assert_eq!(e.operator_balance(0), Some(Amount::from_dcc(1_000)));
    let (e, rec) = run(base(2, 500), 190);
    assert_eq!(rec.days[189].nodes_pledged, 2);
    assert_eq!(e.operator_balance(1), Some(Amount::from_dcc(1_016 - 32)));
    // An operator without enough DCC cannot pledge: the node earns nothing.
    let mut cfg = base(2, 2);
    cfg.operators[1].endowment = Amount::from_dcc(31);
    let (e, rec) = run(cfg, 3);
    assert_eq!(e.node_totals(1).unwrap().status, NodeStatus::Unpledged);
    assert_eq!(rec.days[0].nodes_pledged, 1);
    assert!(e.open_candidates().is_none());
}

#[test]
fn votes_return_in_halves_for_winners_and_after_7_days_for_losers() {
    let fee = CampaignConfig::default().vote_fee;
    let mut found = false;
    for seed in 0..64 {
        let mut cfg = base(2, 2);
        cfg.seed = seed;
        cfg.campaign.seats = 1;
        cfg.voters = vec![
            VoterSpec {
                endowment: Amount::from_dcc(600).checked_add(fee).unwrap(),
                strategy: VoterStrategy::FollowPower,
                vote_bps: 10_000,
            },
            VoterSpec {
                endowment: Amount::from_dcc(100).checked_add(fee).unwrap(),
                strategy: VoterStrategy::Random,
                vote_bps: 10_000,
            },
        ];
        let (e, rec) = run(cfg, 70);
        let term = &rec.terms[0];
        // Node 1 (2M) leads by power; voter 0 put 600 DCC on it.
        assert_eq!(term.candidates[0].node, 1);
        assert_eq!(term.winners, vec![1]);
        if term.candidates[1].votes != Amount::from_dcc(100) {
            continue; // voter 1 also voted for the winner with this seed
        }
        found = true;
        assert_eq!(term.term_start_day, 7);
        let released: Vec<(u64, Amount)> = rec
            .days
            .iter()
            .filter(|r| !r.votes_released.is_zero())
            .map(|r| (r.day, r.votes_released))
            .collect();
        assert_eq!(
            released[..3],
            [
                (14, Amount::from_dcc(100)),
                (37, Amount::from_dcc(300)),
                (67, Amount::from_dcc(300)),
            ]
        );
        assert_eq!(rec.days[6].locked_votes, Amount::from_dcc(700));
        let first_campaign_fees: u128 = rec.days[..7].iter().map(|r| r.vote_fees.wei()).sum();
        assert_eq!(first_campaign_fees, 2 * fee.wei());
        assert_eq!(e.vote_fees_total().wei() % fee.wei(), 0);
        // The winner's voter shares the voters' pot alone.
        assert!(e.voter_reward(0).unwrap() > Amount::ZERO);
        assert!(e.voter_reward(1) < e.voter_reward(0));
        let mut totals = VecRecorder::default();
        e.report_totals(&mut totals);
        assert_eq!(totals.voter_rewards.len(), 2);
        assert_eq!(totals.nodes.len(), 2);
        assert!(totals.nodes[1].extra > Amount::ZERO && totals.nodes[0].extra.is_zero());
        assert_eq!(rec.days[10].election_voters_paid, {
            let v = rec.days[10].emission.mul_bps(960);
            v.checked_sub(v.mul_bps(2_000)).unwrap()
        });
        break;
    }
    assert!(found, "no seed had a vote for the loser");
}

#[test]
fn campaign_opens_at_500_pledged_nodes_not_499() {
    let (e, rec) = run(base(499, 500), 20);
    assert!(rec.terms.is_empty() && e.open_candidates().is_none());
    let mut cfg = base(500, 500);
    cfg.nodes[499].join_day = 3;
    cfg.voters = (0..300)
        .map(|v| VoterSpec {
            endowment: Amount::from_dcc(10 + v),
            strategy: if v % 3 == 0 {
                VoterStrategy::Random
            } else {
                VoterStrategy::FollowIncumbents
            },
            vote_bps: 8_000,
        })
        .collect();
    let mut e = Economy::new(cfg).unwrap();
    let mut rec = VecRecorder::default();
    e.run_ideal(3, &mut rec).unwrap();
    // Day 3's boundary has run: the 500th node pledged and voting opened that day.
    let c = e.open_candidates().unwrap().to_vec();
    assert_eq!(c.len(), 100);
    assert_eq!(c[0], 499);
    assert!(c.windows(2).all(|w| w[0] > w[1]));
    e.run_ideal(200, &mut rec).unwrap();
    assert_eq!(rec.terms[0].voting_open_day, 3);
    assert_eq!(rec.terms[0].term_start_day, 10);
    for t in &rec.terms {
        assert!(t.candidates.len() <= 100);
        assert_eq!(t.winners.len(), 33);
    }
    // Contiguous terms: 10, 70, 130, 190.
    let starts: Vec<u64> = rec.terms.iter().map(|t| t.term_start_day).collect();
    assert_eq!(starts, [10, 70, 130, 190]);
    assert!(rec.days.iter().all(|r| r.super_nodes <= 33));
    assert!(rec.days[10..].iter().all(|r| r.super_nodes == 33));
}

#[test]
fn settle_day_reports_delay_and_rejects_misuse() {
    let mut e = Economy::new(base(3, 500)).unwrap();
    let mut rec = VecRecorder::default();
    assert!(matches!(
        e.settle_day(1, SimTime::from_day(2), &mut rec),
        Err(EconomyError::DayOrder { .. })
    ));
    assert!(matches!(
        e.settle_day(0, SimTime::from_ms(DAY_MS - 1), &mut rec),
        Err(EconomyError::SettledEarly { .. })
    ));
    e.settle_day(0, SimTime::from_ms(DAY_MS + 12_345), &mut rec)
        .unwrap();
    assert_eq!(rec.days[0].settlement_delay_ms, 12_345);
    assert!(
        EconomyConfig {
            split: SplitBps {
                basic: 9_000,
                ..SplitBps::default()
            },
            ..base(1, 1)
        }
        .validate()
        .is_err()
    );
    let mut cfg = base(3, 500);
    cfg.operators[0].endowment = Amount::from_dcc(200_000_000);
    assert!(matches!(
        Economy::new(cfg),
        Err(EconomyError::Endowment { .. })
    ));
}

#[test]
fn random_failures_are_deterministic() {
    let mut cfg = base(30, 10);
    for n in &mut cfg.nodes {
        n.failure = FailureModel {
            mean_up_ms: 5 * DAY_MS,
            mean_repair_ms: 20 * H,
            report_bps: 5_000,
        };
    }
    cfg.voters = vec![VoterSpec {
        endowment: Amount::from_dcc(1_000),
        strategy: VoterStrategy::Random,
        vote_bps: 5_000,
    }];
    let (e1, r1) = run(cfg.clone(), 60);
    let (e2, r2) = run(cfg, 60);
    assert_eq!(r1.days, r2.days);
    assert_eq!(r1.terms, r2.terms);
    assert!(r1.days.iter().any(|r| r.nodes_active < 30));
    assert!((0..30).any(|i| e1.node_totals(i).unwrap().forfeit_count > 0));
    assert_eq!(e1.ledger(), e2.ledger());
}

fn arb_config() -> impl Strategy<Value = (EconomyConfig, u64)> {
    (
        1u32..25,
        prop::collection::vec((1u64..50_000_000, 0u64..20, 0u32..10_001), 25),
        prop::collection::vec((0u64..60 * DAY_MS, 1u64..4 * DAY_MS, any::<bool>()), 0..12),
        prop::collection::vec((1u128..2_000, 0u8..3, 0u32..10_001), 0..8),
        any::<u64>(),
        (any::<bool>(), any::<bool>(), 0u8..3),
        40u64..90,
    )
        .prop_map(
            |(n, specs, outages, voters, seed, (sink, gap, rule), days)| {
                let mut cfg = base(n, n.div_ceil(2));
                cfg.seed = seed;
                cfg.campaign.seats = 3;
                cfg.campaign.max_candidates = 5;
                if gap {
                    cfg.campaign.next_voting_lead_days = 0;
                }
                if sink {
                    cfg.penalties.sink = ForfeitSink::MiningPool;
                }
                cfg.penalties.clearing = [
                    ClearingRule::TopUpOrClear,
                    ClearingRule::ClearWhenExhausted,
                    ClearingRule::ClearBelowRequirement,
                ][rule as usize];
                for (i, node) in cfg.nodes.iter_mut().enumerate() {
                    let (power, join, adoption) = specs[i];
                    node.raw_power = power;
                    node.join_day = join;
                    node.adoption = Some(AdoptionModel::Constant(adoption));
                    node.failure = FailureModel {
                        mean_up_ms: if i % 3 == 0 { 7 * DAY_MS } else { 0 },
                        mean_repair_ms: 30 * H,
                        report_bps: 5_000,
                    };
                }
                for (k, (start, len, rep)) in outages.into_iter().enumerate() {
                    cfg.nodes[k % n as usize].outages.push(ScheduledOutage {
                        start_ms: start,
                        duration_ms: len,
                        reported: rep,
                    });
                }
                cfg.nodes[0].exit_at_ms = Some(30 * DAY_MS + 7);
                cfg.voters = voters
                    .into_iter()
                    .map(|(dcc, s, bps)| VoterSpec {
                        endowment: Amount::from_dcc(dcc),
                        strategy: [
                            VoterStrategy::FollowPower,
                            VoterStrategy::FollowIncumbents,
                            VoterStrategy::Random,
                        ][s as usize],
                        vote_bps: bps,
                    })
                    .collect();
                (cfg, days)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Conservation: the engine checks SPEC §7 every day (a break is an error); in addition
    /// each day's emission is exactly paid + burned + left in the pool, and the buckets add up.
    #[test]
    fn conservation_over_random_populations((cfg, days) in arb_config(), delay_ms in 0u64..3 * H) {
        let mut e = Economy::new(cfg.clone()).unwrap();
        let mut rec = VecRecorder::default();
        e.run_ideal(days, &mut rec).unwrap();
        // A chain settling late (same delay every day) gets the same figures, delay reported.
        let mut late = Economy::new(cfg).unwrap();
        let mut late_rec = VecRecorder::default();
        for d in 0..days {
            let at = SimTime::from_ms((d + 1) * DAY_MS + delay_ms);
            late.settle_day(d, at, &mut late_rec).unwrap();
        }
        for (a, b) in rec.days.iter().zip(&late_rec.days) {
            prop_assert_eq!(b.settlement_delay_ms, delay_ms);
            prop_assert_eq!(&DayRow { settlement_delay_ms: 0, ..b.clone() }, a);
        }
        prop_assert_eq!(late.ledger(), e.ledger());
        let mut forfeits_to_pool = 0u128;
        for r in &rec.days {
            let out = paid(r).checked_add(burned(r)).unwrap();
            prop_assert_eq!(out.checked_add(r.emission_left_in_pool).unwrap(), r.emission);
            prop_assert!(r.super_nodes <= 3);
            forfeits_to_pool += r.forfeits_to_pool.wei();
        }
        let out: u128 = rec.days.iter().map(|r| paid(r).wei() + burned(r).wei()).sum();
        prop_assert_eq!(
            e.ledger().balance(Bucket::MiningPool).wei() + out,
            crate::MINING_POOL.wei() + forfeits_to_pool
        );
        let burned_total: u128 = rec.days.iter().map(|r| burned(r).wei() + r.burned_forfeits.wei()).sum();
        prop_assert_eq!(e.ledger().balance(Bucket::Burned).wei(), burned_total);
        e.check_invariant(days).unwrap();
        for t in &rec.terms {
            prop_assert!(t.candidates.len() <= 5 && t.winners.len() <= 3);
        }
    }
}

#[test]
fn odd_wei_votes_split_floor_first_then_rest() {
    let mut cfg = base(2, 2);
    cfg.campaign.seats = 2;
    cfg.campaign.vote_unit = Amount::from_wei(1);
    cfg.campaign.min_vote = Amount::from_wei(1);
    cfg.campaign.vote_fee = Amount::ZERO;
    cfg.voters = vec![VoterSpec {
        endowment: Amount::from_wei(601),
        strategy: VoterStrategy::FollowPower,
        vote_bps: 10_000,
    }];
    let (_, rec) = run(cfg, 40);
    assert_eq!(rec.terms[0].term_start_day, 7);
    assert_eq!(rec.days[6].locked_votes, Amount::from_wei(601));
    assert_eq!(rec.days[37].votes_released, Amount::from_wei(300));
    assert_eq!(rec.days[38].locked_votes, Amount::from_wei(301));
}

#[test]
fn huge_power_takes_the_256_bit_path_and_conserves() {
    // Σeff = 3 · 10^15 · 86,400 > u64::MAX: the reciprocal fast path is not used.
    let mut cfg = base(3, 1);
    for n in &mut cfg.nodes {
        n.raw_power = 1_000_000_000_000_000;
    }
    cfg.pledge_per_unit = Amount::from_wei(1);
    cfg.adoption = AdoptionModel::Constant(3_333);
    cfg.voters = VoterSpec::population(6, 1, Amount::from_dcc(10), Amount::from_dcc(1_000), 9_000);
    let (e, rec) = run(cfg, 12);
    let r = &rec.days[10];
    assert!(r.effective_power > u128::from(u64::MAX));
    assert_eq!(
        paid(r)
            .checked_add(burned(r))
            .unwrap()
            .checked_add(r.emission_left_in_pool)
            .unwrap(),
        r.emission
    );
    let b = r.emission.mul_bps(6_400).wei();
    let s = r.emission.mul_bps(2_000).wei();
    assert_eq!(r.basic_paid.wei(), 3 * (b / 3));
    assert_eq!(r.stability_paid.wei(), 3 * (s * 3_333 / 30_000));
    assert_eq!(
        r.burned_unadopted.wei(),
        3 * (s / 3) - r.stability_paid.wei()
    );
    let t: Vec<NodeTotals> = (0..3).map(|i| e.node_totals(i).unwrap()).collect();
    assert!(t.windows(2).all(|w| w[0].basic == w[1].basic));
}

#[test]
fn adoption_series_and_uniform_draws_are_used() {
    let mut cfg = single_node(10_000);
    cfg.adoption = AdoptionModel::Series(vec![10_000; 8].into_iter().chain([5_000]).collect());
    let (_, rec) = run(cfg, 10);
    assert!(rec.days[7].burned_unadopted.is_zero());
    let s = rec.days[8].emission.mul_bps(2_000).wei();
    assert_eq!(rec.days[8].stability_paid.wei(), s / 2);
    assert_eq!(rec.days[9].stability_paid.wei(), s / 2);
    let mut cfg = base(4, 1);
    cfg.voters = VoterSpec::population(3, 0, Amount::from_dcc(10), Amount::ZERO, 5_000);
    cfg.adoption = AdoptionModel::UniformDaily {
        low_bps: 1_000,
        high_bps: 9_000,
    };
    let (_, rec) = run(cfg, 12);
    let burned: Vec<Amount> = rec.days[7..].iter().map(|r| r.burned_unadopted).collect();
    assert!(burned.iter().all(|b| !b.is_zero()));
    assert!(burned.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn config_validation_rejects_bad_parameters() {
    let ok = base(2, 1);
    ok.validate().unwrap();
    let mut c = ok.clone();
    c.nodes[0].operator = 9;
    assert!(c.validate().is_err());
    let mut c = ok.clone();
    c.campaign.seats = 101;
    assert!(c.validate().is_err());
    let mut c = ok.clone();
    c.adoption = AdoptionModel::Constant(10_001);
    assert!(c.validate().is_err());
    let mut c = ok.clone();
    c.limits.max_nodes = 1;
    assert!(matches!(c.validate(), Err(ConfigError::Limit { .. })));
    let mut c = ok.clone();
    c.campaign.next_voting_lead_days = 3;
    assert!(c.validate().is_err());
    let mut c = ok;
    c.limits.max_days = 5;
    let mut e = Economy::new(c).unwrap();
    assert!(matches!(
        e.run_ideal(6, &mut NullRecorder),
        Err(EconomyError::Limit {
            what: "max_days",
            ..
        })
    ));
}

#[test]
fn selectable_campaign_alternatives() {
    // Manual launch below the threshold.
    let mut cfg = base(3, 500);
    cfg.campaign.first_campaign_day = Some(4);
    cfg.campaign.seats = 2;
    let (e, rec) = run(cfg.clone(), 12);
    assert_eq!(rec.terms[0].voting_open_day, 4);
    assert_eq!(e.first_term_start(), Some(11));
    // Extra only for active super nodes: node 2 (a winner by power) is down on day 12.
    cfg.nodes[2].outages.push(ScheduledOutage {
        start_ms: 12 * DAY_MS,
        duration_ms: DAY_MS,
        reported: true,
    });
    cfg.super_node_extra = ExtraRule::ActiveOnly;
    let (_, rec) = run(cfg.clone(), 14);
    let x = rec.days[12].emission.mul_bps(640).wei();
    assert_eq!(rec.days[12].extra_paid.wei(), x / 2);
    assert_eq!(rec.days[13].extra_paid.wei(), 2 * (x / 2));
    // Ranking by the previous day's effective power: node 2 was down for all but the last
    // second of day 3.
    let mut cfg = base(3, 500);
    cfg.campaign.first_campaign_day = Some(4);
    cfg.campaign.ranking = CandidateRanking::PreviousDayEffectivePower;
    cfg.nodes[2].outages.push(ScheduledOutage {
        start_ms: 3 * DAY_MS,
        duration_ms: DAY_MS - 1_000,
        reported: true,
    });
    let mut e = Economy::new(cfg).unwrap();
    e.run_ideal(4, &mut NullRecorder).unwrap();
    assert_eq!(e.open_candidates(), Some(&[1, 0, 2][..]));
}

#[test]
fn settlement_shortcuts_do_not_change_results() {
    // Constant adoption uses per-class shares; the same rate given as a series takes the
    // per-node path. Rows and node totals must be identical to the wei.
    let mut cfg = base(60, 20);
    for (i, n) in cfg.nodes.iter_mut().enumerate() {
        n.raw_power = 1_000_000 * (1 + (i as u64 % 4));
        if i % 7 == 0 {
            n.failure = FailureModel {
                mean_up_ms: 4 * DAY_MS,
                mean_repair_ms: 6 * H,
                report_bps: 9_000,
            };
        }
    }
    cfg.voters = VoterSpec::population(10, 2, Amount::from_dcc(50), Amount::from_dcc(5_000), 7_000);
    cfg.adoption = AdoptionModel::Constant(7_321);
    let (e1, r1) = run(cfg.clone(), 40);
    cfg.adoption = AdoptionModel::Series([7_321].into());
    let (e2, r2) = run(cfg, 40);
    assert_eq!(r1.days, r2.days);
    for i in 0..60 {
        assert_eq!(e1.node_totals(i), e2.node_totals(i));
    }
}

#[test]
fn literal_paper_alternatives() {
    // Pre-election period ending at voting open: basic is paid from day 0 (voting opens on
    // day 0), while extra and election wait for the term.
    let mut cfg = single_node(10_000);
    cfg.pre_election_ends_at_voting_open = true;
    let (_, rec) = run(cfg, 9);
    assert_eq!(rec.days[0].basic_paid, rec.days[0].emission.mul_bps(6_400));
    assert!(rec.days[0].burned_pre_election.is_zero() && rec.days[0].extra_paid.is_zero());
    assert!(!rec.days[8].extra_paid.is_zero());
    // Any outage forfeits the whole pledge.
    let mut cfg = outage_cfg(H, true);
    cfg.penalties.any_outage_forfeits_whole_pledge = true;
    let (e, rec) = run(cfg, 22);
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.status, NodeStatus::Gone);
    assert_eq!(t.forfeited, Amount::from_dcc(1_000_000));
    assert_eq!(rec.days[20].burned_forfeits, Amount::from_dcc(1_000_000));
    assert_eq!(rec.days[21].nodes_pledged, 0);
}

/// Settlement in parallel chunks: the same records, to the wei, whatever the thread count
/// (1: one chunk; 3: twelve chunks of ~1,000 nodes taken by three threads in whatever order
/// they come free, each with its own memos). The nodes mix every path of the settlement loop:
/// random daily adoption, constant adoption in shared classes, a series, random failures, and
/// operators shared across chunk boundaries.
#[test]
fn chunked_settlement_does_not_depend_on_threads() {
    let n = 3 * super::sim::MIN_NODES_PER_THREAD as u32 + 17;
    let mut cfg = base(n, n / 2);
    cfg.operators.truncate(97);
    for (i, node) in cfg.nodes.iter_mut().enumerate() {
        let i = i as u32;
        node.operator = i % 97;
        node.raw_power = u64::from(1 + i % 5) * 1_000_000;
        node.adoption = match i % 3 {
            0 => Some(AdoptionModel::UniformDaily {
                low_bps: 5_000,
                high_bps: 10_000,
            }),
            1 => Some(AdoptionModel::Constant(8_000)),
            _ => Some(AdoptionModel::Series([10_000, 7_000, 9_000].into())),
        };
        if i.is_multiple_of(4) {
            node.failure = FailureModel {
                mean_up_ms: 10 * DAY_MS,
                mean_repair_ms: 6 * H,
                report_bps: 5_000,
            };
        }
    }
    for o in &mut cfg.operators {
        o.endowment = Amount::from_dcc(1_000_000);
    }
    let in_pool = |threads: usize| {
        sim_core::threads::set_run_threads(threads);
        let (e, rec) = run(cfg.clone(), 12);
        let totals: Vec<_> = (0..e.node_count())
            .filter_map(|i| e.node_totals(i))
            .collect();
        (rec.days, totals, e.voter_totals())
    };
    let one = in_pool(1);
    assert!(one.0.iter().any(|d| d.basic_paid.wei() > 0));
    assert_eq!(one, in_pool(3));
    assert_eq!(one, in_pool(2));
    // Inside a rayon pool (a sweep's run) one chunk, the same records.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    assert_eq!(one, pool.install(|| in_pool(3)));
    sim_core::threads::set_run_threads(0);
}
