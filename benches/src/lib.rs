//! benches: criterion benchmarks live in `benches/`; this library holds the scenarios they share
//! with the measurement examples in `examples/`, so a bench and its instruction count measure
//! the same thing.

use consensus_model::{ConsensusConfig, CrashRepair, Latency, Propagation, Topology};

/// The consensus throughput scenario (BENCHMARKS.md): 21 validators, one-way latency uniform in
/// 50–300 ms, random crash/repair with 1% downtime (MTBF 990 min, MTTR 10 min); seed 2026.
pub fn consensus_bench_config() -> ConsensusConfig {
    let mut c = ConsensusConfig::with_validators(21).expect("21 validators are valid");
    c.latency = Latency::Uniform {
        min_ms: 50,
        max_ms: 300,
    };
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 99 * 600_000,
        mttr_ms: 600_000,
    });
    c
}

/// The seed of the consensus throughput scenario.
pub const CONSENSUS_BENCH_SEED: u64 = 2026;

/// Issue #16's gossip setting: 21 validators and `full_nodes` full nodes in a gossip overlay of
/// 8 random peers per node, latency uniform 20–150 ms, no faults.
pub fn gossip_bench_config(full_nodes: u32, propagation: Propagation) -> ConsensusConfig {
    let mut c = ConsensusConfig::with_validators(21).expect("21 validators are valid");
    c.full_nodes = full_nodes;
    c.topology = Topology::Gossip {
        degree: 8,
        validator_mesh: false,
    };
    c.latency = Latency::Uniform {
        min_ms: 20,
        max_ms: 150,
    };
    c.propagation = propagation;
    c
}
