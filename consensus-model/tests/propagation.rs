//! Block propagation on gossip overlays: not queueing the copies a receiver would ignore
//! ([`Propagation::EveryCopy`]) gives exactly the runs of the event-per-message model
//! ([`Propagation::EveryCopyQueued`]): the same blocks, reorgs
//! (time, node, depth, heads), days and per-validator figures, under each tie rule, with
//! crashes, outages, a partition and round-trip ancestor sync.

use consensus_model::{
    AncestorSync, BlockRecord, ConsensusConfig, ConsensusSim, CrashRepair, DayStats, Latency,
    NodeRef, Offline, Partition, Propagation, Recorder, ReorgRecord, StaticSet, TieBreak, Topology,
    ValidatorDay, ValidatorId,
};
use sim_core::SimTime;

/// Everything a run reports, in order.
#[derive(Debug, Default, PartialEq)]
struct Trace {
    blocks: Vec<String>,
    reorgs: Vec<String>,
    days: Vec<String>,
    validator_days: Vec<String>,
    finalized: Vec<(u32, bool)>,
}

impl Recorder for Trace {
    fn block(&mut self, b: &BlockRecord) {
        self.blocks.push(format!("{b:?}"));
    }
    fn finalized(&mut self, id: consensus_model::BlockId, canonical: bool) {
        self.finalized.push((id.0, canonical));
    }
    fn reorg(&mut self, r: &ReorgRecord) {
        self.reorgs.push(format!("{r:?}"));
    }
    fn day(&mut self, d: &DayStats) {
        self.days.push(format!("{d:?}"));
    }
    fn validator_day(&mut self, day: u64, v: &[ValidatorDay]) {
        self.validator_days.push(format!("{day} {v:?}"));
    }
}

struct Case {
    tie: TieBreak,
    sync: AncestorSync,
    latency: Latency,
    full_nodes: u32,
    degree: u32,
}

/// Runs `case` for `hours` with faults of every kind; returns the trace and the copies not
/// queued.
fn run(case: &Case, seed: u64, every_copy: bool, hours: u64) -> (Trace, u64, u64) {
    let mut c = ConsensusConfig::with_validators(21).unwrap();
    c.latency = case.latency.clone();
    c.full_nodes = case.full_nodes;
    c.topology = Topology::Gossip {
        degree: case.degree,
        validator_mesh: false,
    };
    c.tie_break = case.tie;
    c.full_node_sync = case.sync;
    c.propagation = if every_copy {
        Propagation::EveryCopyQueued
    } else {
        Propagation::EveryCopy
    };
    c.finality_lag_ms = 3_600_000;
    c.prune_keep_blocks = Some(20_000);
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 2 * 3_600_000,
        mttr_ms: 600_000,
    });
    c.faults.full_node_crash = Some(CrashRepair {
        mtbf_ms: 3 * 3_600_000,
        mttr_ms: 900_000,
    });
    c.faults.offline.push(Offline {
        node: NodeRef::Full(3),
        start: SimTime::from_secs(1_800),
        end: SimTime::from_secs(5_400),
    });
    let (west, east): (Vec<u32>, Vec<u32>) = (1..=21).partition(|&v| v <= 14);
    let mut groups: Vec<Vec<NodeRef>> = vec![
        west.into_iter()
            .map(|v| NodeRef::Validator(ValidatorId(v)))
            .collect(),
        east.into_iter()
            .map(|v| NodeRef::Validator(ValidatorId(v)))
            .collect(),
    ];
    groups[1].extend((0..case.full_nodes / 3).map(NodeRef::Full));
    c.faults.partitions.push(Partition {
        groups,
        start: SimTime::from_secs(7_200),
        end: SimTime::from_secs(9_000),
    });
    c.max_pending_events = 2_000_000;
    let set = StaticSet(c.genesis_set.clone());
    let mut s = ConsensusSim::new(c, seed, set, Trace::default()).unwrap();
    s.run_until(SimTime::from_secs(hours * 3_600)).unwrap();
    let (trace, _, summary) = s.finish();
    (trace, summary.copies_not_sent, summary.fork_heights)
}

fn same_runs(case: &Case, seeds: std::ops::Range<u64>, hours: u64) {
    let mut skipped_all = 0;
    let mut forks_all = 0;
    for seed in seeds {
        let (every, none, _) = run(case, seed, true, hours);
        let (fast, skipped, forks) = run(case, seed, false, hours);
        assert_eq!(none, 0, "the reference queues every copy");
        assert!(skipped > 0, "seed {seed}: no copy skipped");
        assert!(
            every.reorgs.len() > 10,
            "seed {seed}: too few reorgs to compare"
        );
        assert_eq!(every.blocks, fast.blocks, "seed {seed}: blocks");
        assert_eq!(every.reorgs, fast.reorgs, "seed {seed}: reorgs");
        assert_eq!(every.days, fast.days, "seed {seed}: days");
        assert_eq!(every.validator_days, fast.validator_days, "seed {seed}");
        assert_eq!(every.finalized, fast.finalized, "seed {seed}: finalized");
        skipped_all += skipped;
        forks_all += forks;
    }
    assert!(forks_all > 0, "no forks: equal-TD ties untested");
    assert!(skipped_all > 0);
}

/// The HECO coin (the default), round-trip sync, uniform latencies: many equal-TD forks.
#[test]
fn coin_ties_and_round_trip_sync_give_the_same_runs() {
    let case = Case {
        tie: TieBreak::Coin,
        sync: AncestorSync::RoundTrip,
        latency: Latency::Uniform {
            min_ms: 20,
            max_ms: 900,
        },
        full_nodes: 60,
        degree: 4,
    };
    same_runs(&case, 1..4, 3);
}

/// First-seen and EIP-3436 ties, instantaneous sync, exponential latencies.
#[test]
fn other_tie_rules_give_the_same_runs() {
    for tie in [TieBreak::FirstSeen, TieBreak::Eip3436] {
        let case = Case {
            tie,
            sync: AncestorSync::Instant,
            latency: Latency::ExponentialWithMin {
                min_ms: 20,
                mean_extra_ms: 300,
            },
            full_nodes: 40,
            degree: 3,
        };
        same_runs(&case, 5..7, 3);
    }
}
