//! Criterion bench of the compute-power economy: 10,000 nodes × 30 years (10,950 days) of daily
//! settlement, penalties, pledges and campaigns, reported in node-days per second.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use economics::economy::{
    AdoptionModel, Economy, EconomyConfig, FailureModel, MS_PER_HOUR, NodeSpec, NullRecorder,
    OperatorSpec, PowerKind, VoterSpec, VoterStrategy,
};
use sim_core::Amount;
use std::hint::black_box;

const NODES: u32 = 10_000;
const DAYS: u64 = 10_950;
const DAY_MS: u64 = 86_400_000;

/// 10,000 nodes of 1M–100M power (one operator each), 1 in 10 failing at random (mean 90 days
/// up, 12 h repair), adoption 80%, 1,000 voters with mixed strategies; the campaign opens on day 0.
fn population() -> EconomyConfig {
    let nodes = (0..NODES)
        .map(|i| {
            let mut n = NodeSpec::simple(1_000_000 * u64::from(1 + (i * 7_919) % 100), i);
            if i % 2 == 1 {
                n.kind = PowerKind::FixedResources;
            }
            if i % 10 == 0 {
                n.failure = FailureModel {
                    mean_up_ms: 90 * DAY_MS,
                    mean_repair_ms: 12 * MS_PER_HOUR,
                    report_bps: 8_000,
                };
            }
            n
        })
        .collect();
    let strategies = [
        VoterStrategy::FollowPower,
        VoterStrategy::FollowIncumbents,
        VoterStrategy::Random,
    ];
    EconomyConfig {
        seed: 7,
        adoption: AdoptionModel::Constant(8_000),
        operators: vec![
            OperatorSpec {
                endowment: Amount::from_dcc(2_000),
            };
            NODES as usize
        ],
        nodes,
        voters: (0..1_000u32)
            .map(|v| VoterSpec {
                endowment: Amount::from_dcc(if v < 5 { 1_000_000 } else { 1_000 }),
                strategy: strategies[(v % 3) as usize],
                vote_bps: 5_000,
            })
            .collect(),
        ..EconomyConfig::default()
    }
}

fn economy_30_years(c: &mut Criterion) {
    let cfg = population();
    let mut group = c.benchmark_group("economy");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(NODES) * DAYS));
    group.bench_function("10k_nodes_30_years", |b| {
        b.iter_batched(
            || Economy::new(cfg.clone()).expect("valid bench config"),
            |mut e| {
                e.run_ideal(DAYS, &mut NullRecorder).expect("bench run");
                black_box(e.ledger().balance(economics::Bucket::Burned))
            },
            BatchSize::PerIteration,
        );
    });
    // One year: a quicker figure for iterating on the hot loop.
    group.throughput(Throughput::Elements(u64::from(NODES) * 365));
    group.bench_function("10k_nodes_1_year", |b| {
        b.iter_batched(
            || Economy::new(cfg.clone()).expect("valid bench config"),
            |mut e| {
                e.run_ideal(365, &mut NullRecorder).expect("bench run");
                black_box(e.ledger().balance(economics::Bucket::Burned))
            },
            BatchSize::PerIteration,
        );
    });
    // Worst case for the settlement memo: every node has a distinct power.
    let mut distinct = cfg.clone();
    for (i, n) in distinct.nodes.iter_mut().enumerate() {
        n.raw_power = 1_000_000 + 9_973 * i as u64;
    }
    group.bench_function("10k_distinct_powers_1_year", |b| {
        b.iter_batched(
            || Economy::new(distinct.clone()).expect("valid bench config"),
            |mut e| {
                e.run_ideal(365, &mut NullRecorder).expect("bench run");
                black_box(e.ledger().balance(economics::Bucket::Burned))
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, economy_30_years);
criterion_main!(benches);
