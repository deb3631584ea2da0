//! SPEC §4.5's selectable paper readings, each pinned to the wei: the hourly offline deduction,
//! the error penalty, stability paid in periodic lumps, and basic weighted by occupancy.

use sim_core::Amount;

use super::tests::{base, outage_cfg, reference, run, single_node};
use super::*;

const DAY_MS: u64 = 86_400_000;
const H: u64 = MS_PER_HOUR;

/// 1% of the 1M DCC pledge of `outage_cfg`'s node per offline hour.
const PER_HOUR_DCC: u128 = 10_000;

#[test]
fn hourly_deduction_charges_whole_hours_and_carries_the_rest() {
    // Reported, restored in 5 h 30 min: free under SPEC, five whole hours under the reading.
    let mut cfg = outage_cfg(5 * H + 30 * 60_000, true);
    cfg.readings.offline_deduction_bps_per_hour = 100;
    // A second, 30-minute outage on day 22: with the 30 minutes carried, one more hour.
    cfg.nodes[0].outages.push(ScheduledOutage {
        start_ms: 22 * DAY_MS + 3 * H,
        duration_ms: 30 * 60_000,
        reported: true,
    });
    let (e, rec) = run(cfg, 25);
    assert_eq!(
        rec.days[20].burned_forfeits,
        Amount::from_dcc(5 * PER_HOUR_DCC)
    );
    assert!(rec.days[21].burned_forfeits.is_zero());
    assert_eq!(rec.days[22].burned_forfeits, Amount::from_dcc(PER_HOUR_DCC));
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeited, Amount::from_dcc(6 * PER_HOUR_DCC));
    assert_eq!(
        t.forfeit_count, 0,
        "no 3-day forfeit for a reported short outage"
    );
    // Topped back up by the operator (SPEC's clearing rule applies to the deduction too).
    assert_eq!(t.status, NodeStatus::Pledged);
    assert_eq!(t.pledge, Amount::from_dcc(1_000_000));
    // Off by default: the same outages cost nothing.
    let (e, _) = run(outage_cfg(5 * H + 30 * 60_000, true), 25);
    assert!(e.node_totals(0).unwrap().forfeited.is_zero());
}

#[test]
fn hourly_deduction_on_top_of_or_instead_of_the_forfeits() {
    // 49 h from day 20 06:00: 18 h on day 20, 24 h on day 21, 7 h on day 22.
    let hours = [(20, 18), (21, 24), (22, 7)];
    let mut cfg = outage_cfg(49 * H, true);
    cfg.readings.offline_deduction_bps_per_hour = 100;
    cfg.readings.offline_deduction_replaces_forfeits = true;
    let (e, rec) = run(cfg, 25);
    for (day, h) in hours {
        assert_eq!(
            rec.days[day].burned_forfeits,
            Amount::from_dcc(h * PER_HOUR_DCC),
            "day {day}"
        );
    }
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeited, Amount::from_dcc(49 * PER_HOUR_DCC));
    assert_eq!(t.forfeit_count, 0);

    let mut cfg = outage_cfg(49 * H, true);
    cfg.readings.offline_deduction_bps_per_hour = 100;
    let (e, rec) = run(cfg, 25);
    // The two forfeits of SPEC (hours 24 and 48, days 21 and 22) and the hours on top.
    let r = reference(&rec, 15).wei();
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeit_count, 2);
    assert_eq!(
        t.forfeited.wei(),
        Amount::from_dcc(49 * PER_HOUR_DCC).wei() + 6 * r
    );
    assert_eq!(
        rec.days[21].burned_forfeits.wei(),
        Amount::from_dcc(24 * PER_HOUR_DCC).wei() + 3 * r
    );
}

#[test]
fn hourly_deduction_clears_a_node_whose_operator_cannot_top_up() {
    // A 16 DCC pledge and an operator with nothing else at first: 50% an hour takes it all in
    // two hours. On day 20 the operator has earned rewards since day 7 and tops up.
    let mut cfg = outage_cfg(2 * H, true);
    cfg.pledge_per_unit = Amount::from_dcc(16);
    cfg.operators[0].endowment = Amount::from_dcc(16);
    cfg.readings.offline_deduction_bps_per_hour = 5_000;
    let (e, rec) = run(cfg, 22);
    assert_eq!(rec.days[20].burned_forfeits, Amount::from_dcc(16));
    assert_eq!(e.node_totals(0).unwrap().status, NodeStatus::Pledged);
    // On day 2 nothing was received yet (pre-election burn): no top-up, the node is cleared.
    let mut cfg = outage_cfg(2 * H, true);
    cfg.pledge_per_unit = Amount::from_dcc(16);
    cfg.operators[0].endowment = Amount::from_dcc(16);
    cfg.readings.offline_deduction_bps_per_hour = 5_000;
    cfg.nodes[0].outages[0].start_ms = 2 * DAY_MS + 6 * H;
    let (e, rec) = run(cfg, 5);
    let t = e.node_totals(0).unwrap();
    // Before the first term nothing was received (pre-election burn): no top-up possible.
    assert_eq!(rec.days[2].burned_forfeits, Amount::from_dcc(16));
    assert_eq!(t.status, NodeStatus::Cleared);
    assert_eq!(rec.days[2].nodes_pledged, 0);
}

#[test]
fn error_penalty_takes_a_share_of_the_pledge_per_reported_outage() {
    let mut cfg = outage_cfg(2 * H, true);
    cfg.readings.error_penalty_bps = 250;
    let (e, rec) = run(cfg, 25);
    assert_eq!(rec.days[20].burned_forfeits, Amount::from_dcc(25_000));
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeited, Amount::from_dcc(25_000));
    assert_eq!(t.forfeit_count, 0);
    assert_eq!(t.pledge, Amount::from_dcc(1_000_000), "topped up");
    // Unreported: no error report, so no error penalty (one SPEC forfeit instead).
    let mut cfg = outage_cfg(2 * H, false);
    cfg.readings.error_penalty_bps = 250;
    let (e, rec) = run(cfg, 25);
    let t = e.node_totals(0).unwrap();
    assert_eq!(t.forfeit_count, 1);
    assert_eq!(t.forfeited.wei(), 3 * reference(&rec, 15).wei());
}

/// Stability accrued on day `d` by a lone, fully online node with adoption `a` bps.
fn lone_stability(rec: &VecRecorder, d: usize, a: u32) -> Amount {
    let s = rec.days[d].emission.mul_bps(2_000);
    Amount::from_wei(s.wei() * u128::from(a) / 10_000)
}

#[test]
fn stability_lump_pays_every_p_days_what_accrued() {
    let mut cfg = single_node(6_000);
    cfg.readings.stability_lump_days = 10;
    let (e, rec) = run(cfg, 30);
    // Days 0..=6 are before the first term (burned); accrual from day 7.
    for d in 7..30 {
        let r = &rec.days[d];
        assert_eq!(r.stability_paid, Amount::ZERO);
        assert_eq!(
            r.stability_accrued,
            lone_stability(&rec, d, 6_000),
            "day {d}"
        );
    }
    let sum = |days: std::ops::RangeInclusive<usize>| {
        Amount::checked_sum(days.map(|d| rec.days[d].stability_accrued)).unwrap()
    };
    assert_eq!(rec.days[9].stability_lump_paid, sum(7..=9));
    assert_eq!(rec.days[19].stability_lump_paid, sum(10..=19));
    assert_eq!(rec.days[29].stability_lump_paid, sum(20..=29));
    assert!(rec.days[8].stability_lump_paid.is_zero());
    assert_eq!(rec.days[8].stability_accrual_held, sum(7..=8));
    assert!(rec.days[9].stability_accrual_held.is_zero());
    // What the node received is what was paid in lumps; the left-over dust is as without the
    // reading, and the emission identity still holds with the accrual.
    assert_eq!(e.node_totals(0).unwrap().stability, sum(7..=29));
    let (_, daily) = run(single_node(6_000), 30);
    for d in 0..30 {
        let (a, b) = (&rec.days[d], &daily.days[d]);
        assert_eq!(a.stability_accrued, b.stability_paid, "day {d}");
        assert_eq!(a.emission_left_in_pool, b.emission_left_in_pool, "day {d}");
        assert_eq!(a.burned_unadopted, b.burned_unadopted, "day {d}");
    }
}

#[test]
fn stability_lump_burns_the_accrual_of_a_node_gone_meanwhile() {
    // Nodes of 1M and 2M, both in office from day 7; node 1 leaves on day 15 at 01:00.
    let mut cfg = base(2, 2);
    cfg.readings.stability_lump_days = 10;
    cfg.nodes[1].exit_at_ms = Some(15 * DAY_MS + H);
    let (e, rec) = run(cfg, 20);
    // Days 10..=14: node 1 holds 2/3 of the effective power; day 15 on: node 0 alone.
    let s = |d: usize| rec.days[d].emission.mul_bps(2_000).wei();
    let node1: u128 = (10..=14).map(|d| s(d) * 2 / 3).sum();
    let node0: u128 = (10..=14).map(|d| s(d) / 3).sum::<u128>() + (15..=19).map(s).sum::<u128>();
    assert_eq!(rec.days[19].burned_stability_accrual.wei(), node1);
    assert_eq!(rec.days[19].stability_lump_paid.wei(), node0);
    assert_eq!(
        e.node_totals(1).unwrap().stability,
        rec.days[9]
            .stability_lump_paid
            .checked_sub(Amount::from_wei((7..=9).map(|d| s(d) / 3).sum()))
            .unwrap()
    );
    // The day's burns count in the burned total.
    let before = rec.days[18].burned_total.wei();
    let today = &rec.days[19];
    assert_eq!(
        today.burned_total.wei(),
        before + today.burned_unadopted.wei() + today.burned_stability_accrual.wei()
    );
}

#[test]
fn basic_by_occupancy_weights_power_by_adoption() {
    // Node 0: 1M at 100% adoption; node 1: 2M at 50%: equal weights 1·10⁴ = 2·5·10³.
    let mut cfg = base(2, 2);
    cfg.nodes[0].adoption = Some(AdoptionModel::Constant(10_000));
    cfg.nodes[1].adoption = Some(AdoptionModel::Constant(5_000));
    cfg.readings.basic_by_occupancy = true;
    let (e, rec) = run(cfg.clone(), 8);
    let b = rec.days[7].emission.mul_bps(6_400).wei();
    assert_eq!(e.node_totals(0).unwrap().basic.wei(), b / 2);
    assert_eq!(e.node_totals(1).unwrap().basic.wei(), b / 2);
    assert_eq!(rec.days[7].basic_paid.wei(), b / 2 * 2);
    // SPEC: by power alone.
    cfg.readings.basic_by_occupancy = false;
    let (e, _) = run(cfg, 8);
    assert_eq!(e.node_totals(0).unwrap().basic.wei(), b / 3);
    assert_eq!(e.node_totals(1).unwrap().basic.wei(), b * 2 / 3);
}

#[test]
fn basic_by_occupancy_keeps_the_stability_draws_and_pays_nothing_when_nobody_adopts() {
    // Random daily adoption: the reading draws each node's adoption once, before the shares,
    // so stability (whose formula it does not change) is the same to the wei.
    let mut cfg = base(40, 40);
    cfg.adoption = AdoptionModel::UniformDaily {
        low_bps: 0,
        high_bps: 10_000,
    };
    cfg.nodes[3].outages.push(ScheduledOutage {
        start_ms: 9 * DAY_MS + 5 * H,
        duration_ms: 7 * H,
        reported: true,
    });
    let (_, spec) = run(cfg.clone(), 14);
    cfg.readings.basic_by_occupancy = true;
    let (_, occ) = run(cfg, 14);
    for d in 7..14 {
        assert_eq!(
            occ.days[d].stability_paid, spec.days[d].stability_paid,
            "day {d}"
        );
        assert_eq!(occ.days[d].burned_unadopted, spec.days[d].burned_unadopted);
        assert!(occ.days[d].basic_paid.wei() + 40 > occ.days[d].emission.mul_bps(6_400).wei());
    }
    assert_ne!(
        occ.days[8].basic_paid, spec.days[8].basic_paid,
        "a different split leaves different dust"
    );
    // Nobody adopts: basic stays in the pool.
    let mut cfg = base(2, 2);
    cfg.adoption = AdoptionModel::Constant(0);
    cfg.readings.basic_by_occupancy = true;
    let (_, rec) = run(cfg, 8);
    let r = &rec.days[7];
    assert!(r.basic_paid.is_zero());
    assert_eq!(
        r.emission_left_in_pool.wei(),
        r.emission.wei()
            - r.extra_paid.wei()
            - r.election_super_nodes_paid.wei()
            - r.election_voters_paid.wei()
            - r.burned_unadopted.wei()
    );
}
