//! Criterion bench of the consensus simulator: blocks per second with 21 validators, latency
//! uniform 50–300 ms and ~1% random downtime (crash/recover, MTBF 990 min, MTTR 10 min); and
//! the same with 1,000 relaying full nodes on a gossip overlay (degree 8).

use benches::{CONSENSUS_BENCH_SEED, consensus_bench_config};
use consensus_model::{ConsensusConfig, ConsensusSim, CountingRecorder, StaticSet, Topology};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_core::SimTime;
use std::hint::black_box;

/// Simulated span per iteration: 2 days (≈ 28,800 blocks).
const SPAN_MS: u64 = 2 * 86_400_000;

fn run() -> u64 {
    run_config(consensus_bench_config(), SPAN_MS)
}

/// 21 validators and 1,000 relaying full nodes (gossip degree 8), 2 simulated hours.
fn gossip_config() -> ConsensusConfig {
    let mut c = consensus_bench_config();
    c.full_nodes = 1_000;
    c.topology = Topology::Gossip {
        degree: 8,
        validator_mesh: true,
    };
    c
}

fn run_config(c: ConsensusConfig, span_ms: u64) -> u64 {
    let set = StaticSet(c.genesis_set.clone());
    let mut sim = ConsensusSim::new(c, CONSENSUS_BENCH_SEED, set, CountingRecorder::default())
        .expect("valid config");
    sim.run_until(SimTime::from_ms(span_ms)).expect("run");
    // Canonical blocks: a simulated year is 5.26M of them whatever the fork rate (this
    // scenario also seals ~30% extra out-of-turn blocks that lose).
    sim.summary().canonical_height
}

fn consensus_blocks(c: &mut Criterion) {
    let blocks = run();
    let mut group = c.benchmark_group("consensus");
    group.sample_size(10);
    group.throughput(Throughput::Elements(blocks));
    group.bench_function("21_validators_uniform_50_300ms_1pct_faults", |b| {
        b.iter(|| black_box(run()));
    });
    let gossip_span_ms = 2 * 3_600_000;
    let gossip_blocks = run_config(gossip_config(), gossip_span_ms);
    group.throughput(Throughput::Elements(gossip_blocks));
    group.bench_function("21_validators_1000_full_nodes_gossip_degree_8", |b| {
        b.iter(|| black_box(run_config(gossip_config(), gossip_span_ms)));
    });
    group.finish();
}

criterion_group!(benches, consensus_blocks);
criterion_main!(benches);
