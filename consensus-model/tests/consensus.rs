//! End-to-end behaviour of the consensus simulator against SPEC §2: in-turn sealing, liveness
//! threshold, partitions and healing, determinism, epoch shrink with recents trimming, faults.

use consensus_model::{
    AncestorSync, BlockContext, BlockId, ConsensusConfig, ConsensusSim, CountingRecorder,
    CrashRepair, DigestRecorder, EndBlockExecutor, Latency, NodeRef, NullRecorder, Offline,
    Partition, RegionLatency, Slow, StaticSet, TieBreak, Topology, ValidatorId, recents_window,
};
use sim_core::time::MS_PER_DAY;
use sim_core::{Domain, SimTime, Streams};

fn ids(n: u32) -> Vec<ValidatorId> {
    (1..=n).map(ValidatorId).collect()
}

fn config(n: u32, latency: Latency) -> ConsensusConfig {
    let mut c = ConsensusConfig::with_validators(n).unwrap();
    c.latency = latency;
    c
}

fn sim<R: consensus_model::Recorder>(
    c: ConsensusConfig,
    seed: u64,
    rec: R,
) -> ConsensusSim<StaticSet, R> {
    let set = StaticSet(c.genesis_set.clone());
    ConsensusSim::new(c, seed, set, rec).unwrap()
}

/// All online, zero latency: every block in turn, difficulty 2, TD = 2 × height, no forks, no
/// reorgs; one block per 6 s exactly.
#[test]
fn zero_latency_all_in_turn_no_forks() {
    let c = config(21, Latency::Constant { ms: 0 });
    let mut s = sim(c, 7, CountingRecorder::default());
    s.run_until(SimTime::from_ms(MS_PER_DAY)).unwrap();
    let (rec, _, sum) = s.finish();
    assert_eq!(sum.canonical_height, 14_399);
    assert_eq!(sum.canonical_total_difficulty, 2 * 14_399);
    assert_eq!(sum.blocks_sealed, 14_399);
    assert_eq!(sum.fork_heights, 0);
    assert_eq!(sum.reorgs, 0);
    assert_eq!(rec.blocks, rec.blocks_in_turn);
    assert_eq!(rec.days, 1);
    let day = rec.last_day.unwrap();
    assert_eq!(day.canonical_blocks, 14_399);
    assert_eq!(day.in_turn, 14_399);
    assert_eq!(day.missed_turns, 0);
    assert_eq!(day.longest_gap_ms, 6_000);
    assert!(!day.halted);
}

/// Producers follow `sorted[N mod n]` when everyone is in turn.
#[test]
fn turn_order_is_sorted_by_id() {
    let c = config(5, Latency::Constant { ms: 0 });
    let mut s = sim(c, 1, NullRecorder);
    s.run_until(SimTime::from_secs(6 * 40 + 1)).unwrap();
    let head = s.canonical_head();
    assert_eq!(s.block(head).unwrap().height, 40);
    for h in 1..=40u64 {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        assert_eq!(b.producer, Some(ValidatorId((h % 5) as u32 + 1)));
        assert_eq!(b.difficulty, 2);
        assert_eq!(b.time, SimTime::from_secs(6 * h));
    }
}

/// SPEC §2.3: with k validators offline for good, the chain keeps growing iff
/// n − k ≥ floor(n/2) + 1, for every n = 1..21.
#[test]
fn liveness_threshold_for_every_n_and_k() {
    let mut pick = Streams::new(99).stream(Domain("test/offline"), 0);
    for n in 1..=21u32 {
        for k in 0..=n {
            // A pseudo-random set of k offline validators.
            let mut all = ids(n);
            let mut off = Vec::new();
            for _ in 0..k {
                let i = pick.below(all.len() as u64) as usize;
                off.push(all.remove(i));
            }
            let mut c = config(
                n,
                Latency::Uniform {
                    min_ms: 50,
                    max_ms: 300,
                },
            );
            c.faults.offline = off
                .iter()
                .map(|&v| Offline {
                    node: NodeRef::Validator(v),
                    start: SimTime::ZERO,
                    end: SimTime::MAX,
                })
                .collect();
            let mut s = sim(c, u64::from(n * 100 + k), NullRecorder);
            s.run_until(SimTime::from_secs(600)).unwrap();
            let h1 = s.canonical_height();
            s.run_until(SimTime::from_secs(1_200)).unwrap();
            let h2 = s.canonical_height();
            let live = (n - k) as u64 >= recents_window(n as usize);
            assert_eq!(h2 > h1, live, "n={n} k={k} h1={h1} h2={h2}");
            if live {
                assert!(h2 - h1 >= 80, "n={n} k={k} grew only {}", h2 - h1);
            } else {
                // Stalls after at most n − k blocks (each online signer once).
                assert!(h1 <= u64::from(n - k), "n={n} k={k} h1={h1}");
            }
        }
    }
}

fn side(range: std::ops::RangeInclusive<u32>) -> Vec<NodeRef> {
    range.map(|i| NodeRef::Validator(ValidatorId(i))).collect()
}

/// SPEC §2.6: a side grows only with ≥ L validators; on healing every node reorganises onto
/// the heavier chain.
#[test]
fn partition_majority_grows_minority_stalls_then_heals() {
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    let start = SimTime::from_secs(60);
    let heal = SimTime::from_secs(3_600);
    c.faults.partitions = vec![Partition {
        groups: vec![side(1..=11), side(12..=21)],
        start,
        end: heal,
    }];
    let mut s = sim(c, 5, CountingRecorder::default());
    s.run_until(heal).unwrap();
    let major = s.block(s.node_head(0).unwrap()).unwrap();
    let minor = s.block(s.node_head(20).unwrap()).unwrap();
    assert!(major.height > 500, "majority height {}", major.height);
    assert!(
        minor.height <= 10 + 10 + 1,
        "minority height {}",
        minor.height
    );
    for node in 11..21 {
        let h = s.block(s.node_head(node).unwrap()).unwrap();
        assert!(h.height < 25);
    }
    let reorgs_before = s.recorder().reorgs;
    s.run_until(heal.saturating_add_ms(60_000)).unwrap();
    let canon = s.canonical_head();
    let anchor = s
        .ancestor_at(canon, s.block(canon).unwrap().height - 3)
        .unwrap();
    for node in 0..s.node_count() {
        let head = s.node_head(node).unwrap();
        assert!(s.is_ancestor(anchor, head), "node {node} did not converge");
    }
    assert!(s.recorder().reorgs >= reorgs_before + 10);
    assert!(s.recorder().deepest_reorg >= 1);
}

/// No side of a three-way split holds L = 11 validators: nobody grows.
#[test]
fn partition_without_majority_halts_everyone() {
    let mut c = config(21, Latency::Constant { ms: 100 });
    c.faults.partitions = vec![Partition {
        groups: vec![side(1..=7), side(8..=14)],
        start: SimTime::from_secs(30),
        end: SimTime::from_secs(7_200),
    }];
    let mut s = sim(c, 2, CountingRecorder::default());
    s.run_until(SimTime::from_secs(3_600)).unwrap();
    let h = s.canonical_height();
    assert!(h <= 5 + 3 * 7, "height {h}");
    s.run_until(SimTime::from_secs(7_000)).unwrap();
    assert_eq!(s.canonical_height(), h);
    // After healing the chain resumes.
    s.run_until(SimTime::from_secs(7_800)).unwrap();
    assert!(s.canonical_height() > h + 50);
}

fn digest_of(seed: u64, c: ConsensusConfig) -> sim_core::Digest {
    let mut s = sim(c, seed, DigestRecorder::new());
    s.run_until(SimTime::from_secs(6 * 3_000)).unwrap();
    let (rec, _, _) = s.finish();
    rec.finish()
}

#[test]
fn same_seed_same_trace_different_seed_differs() {
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 3_600_000,
        mttr_ms: 36_000,
    });
    let a = digest_of(1, c.clone());
    assert_eq!(a, digest_of(1, c.clone()));
    assert_ne!(a, digest_of(2, c.clone()));
    // Where nothing is random (zero latency, no faults), seeds do not matter.
    let z = config(21, Latency::Constant { ms: 0 });
    assert_eq!(digest_of(1, z.clone()), digest_of(2, z));
}

/// Running in pieces gives the same trace as one run.
#[test]
fn resuming_runs_is_identical() {
    let c = config(
        21,
        Latency::ExponentialWithMin {
            min_ms: 30,
            mean_extra_ms: 400,
        },
    );
    let mut one = sim(c.clone(), 3, DigestRecorder::new());
    one.run_until(SimTime::from_secs(3_000)).unwrap();
    let mut two = sim(c, 3, DigestRecorder::new());
    for t in (300..=3_000).step_by(300) {
        two.run_until(SimTime::from_secs(t)).unwrap();
    }
    assert_eq!(one.finish().0.finish(), two.finish().0.finish());
}

/// A source that shrinks the set to its first five validators at block 200.
struct Shrink {
    calls: u64,
}

impl EndBlockExecutor for Shrink {
    type Error = std::convert::Infallible;
    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, Self::Error> {
        self.calls += 1;
        assert_eq!(
            block.height, self.calls,
            "executed once per height, in order"
        );
        Ok(match block.height {
            200 => Some(ids(5)),
            h if consensus_model::is_epoch_block(h) => Some(block.active_set.to_vec()),
            _ => None,
        })
    }
}

/// SPEC §2.7: 21 → 5 at block 200 keeps recents {198, 199, 200}; block 201 on is under the new
/// set and the chain stays live.
#[test]
fn epoch_shrink_trims_recents_and_stays_live() {
    let c = config(21, Latency::Constant { ms: 0 });
    let mut s = ConsensusSim::new(c, 4, Shrink { calls: 0 }, NullRecorder).unwrap();
    s.run_until(SimTime::from_secs(6 * 400 + 1)).unwrap();
    let head = s.canonical_head();
    assert_eq!(s.block(head).unwrap().height, 400);
    let b199 = s.block(s.ancestor_at(head, 199).unwrap()).unwrap();
    assert_eq!(b199.recents.len(), 11);
    let b200 = s.block(s.ancestor_at(head, 200).unwrap()).unwrap();
    let heights: Vec<u64> = b200.recents.iter().map(|(h, _)| *h).collect();
    assert_eq!(heights, vec![200, 199, 198]);
    assert_eq!(b200.next_set, ids(5));
    // Block 200 itself is produced under the old set: in turn is sorted21[200 mod 21].
    assert_eq!(b200.producer, Some(ValidatorId(200 % 21 + 1)));
    for h in 201..=400u64 {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        assert_eq!(
            b.producer,
            Some(ValidatorId((h % 5) as u32 + 1)),
            "height {h}"
        );
        assert_eq!(b.difficulty, 2);
    }
    assert_eq!(s.source().calls, 400);
    assert_eq!(s.summary().active_set, ids(5));
}

/// A source that grows 5 → 21 at block 200 (only the genesis five seal before).
struct Grow;
impl EndBlockExecutor for Grow {
    type Error = std::convert::Infallible;
    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, Self::Error> {
        Ok((block.height == 200).then(|| ids(21)))
    }
}

#[test]
fn epoch_growth_takes_effect_next_block() {
    let mut c = config(21, Latency::Constant { ms: 0 });
    c.genesis_set = ids(5);
    let mut s = ConsensusSim::new(c, 4, Grow, NullRecorder).unwrap();
    s.run_until(SimTime::from_secs(6 * 260 + 1)).unwrap();
    let head = s.canonical_head();
    assert_eq!(s.block(head).unwrap().height, 260);
    for h in 1..=200u64 {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        assert!(b.producer.unwrap().0 <= 5);
    }
    for h in 201..=209u64 {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        assert_eq!(
            b.producer,
            Some(ValidatorId((h % 21) as u32 + 1)),
            "height {h}"
        );
    }
    // v1 is in turn at 210 but signed block 200, within the new window of L = 11: it must
    // wait, so 210 is sealed out of turn (HECO keeps recents across a growth).
    let b210 = s.block(s.ancestor_at(head, 210).unwrap()).unwrap();
    assert_eq!(b210.difficulty, 1);
    assert_ne!(b210.producer, Some(ValidatorId(1)));
}

/// An in-turn validator offline for a while: its turns are taken out of turn (missed turns),
/// counted in the day's stats; the chain does not halt.
#[test]
fn offline_validator_turns_are_missed_and_counted() {
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    c.faults.offline = vec![Offline {
        node: NodeRef::Validator(ValidatorId(3)),
        start: SimTime::from_secs(600),
        end: SimTime::from_secs(6_000),
    }];
    c.finality_lag_ms = 0;
    let mut s = sim(c, 11, CountingRecorder::default());
    s.run_until(SimTime::from_ms(MS_PER_DAY + 1)).unwrap();
    let rec = *s.recorder();
    assert_eq!(rec.days, 1);
    let day = rec.last_day.unwrap();
    assert!(day.missed_turns >= 40, "missed {}", day.missed_turns);
    assert!(!day.halted);
    assert_eq!(day.canonical_blocks, day.in_turn + day.out_of_turn);
    assert!(day.canonical_blocks > 14_000);
    let stats = s.validator_stats();
    let v3 = stats[2];
    assert_eq!(v3.id, ValidatorId(3));
    assert_eq!(v3.downtime_ms, 5_400_000);
    assert!(v3.missed_turns >= 40 && v3.missed_turns <= 5_400 / 6 / 21 + 10);
    let missed: u64 = stats.iter().map(|v| v.missed_turns).sum();
    let out_of_turn: u64 = stats
        .iter()
        .map(|v| v.canonical - v.canonical_in_turn)
        .sum();
    assert_eq!(missed, out_of_turn);
    let canonical: u64 = stats.iter().map(|v| v.canonical).sum();
    assert_eq!(canonical, s.canonical_height());
    assert_eq!(
        stats.iter().map(|v| v.sealed).sum::<u64>(),
        s.summary().blocks_sealed
    );
}

/// ~1% random downtime: the chain is live, forks and reorgs are rare but happen, and every day
/// is accounted for when the run finishes.
#[test]
fn crash_recover_keeps_chain_live() {
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 99 * 600_000,
        mttr_ms: 600_000,
    });
    let mut s = sim(c, 21, CountingRecorder::default());
    s.run_until(SimTime::from_ms(2 * MS_PER_DAY)).unwrap();
    let (rec, _, sum) = s.finish();
    assert_eq!(rec.days, 2);
    assert_eq!(rec.halted_days, 0);
    assert_eq!(rec.canonical_blocks, sum.canonical_height);
    assert!(sum.canonical_height > 2 * 14_000);
    assert!(rec.missed_turns > 0);
    assert!(sum.fork_heights > 0);
}

/// A slow validator (10 s extra) always loses its turn to an out-of-turn sealer.
#[test]
fn slow_validator_loses_its_turns() {
    let mut c = config(7, Latency::Constant { ms: 20 });
    c.faults.slow = vec![Slow::always(ValidatorId(2), 10_000)];
    let mut s = sim(c, 3, NullRecorder);
    s.run_until(SimTime::from_secs(3_600)).unwrap();
    let head = s.canonical_head();
    let top = s.block(head).unwrap().height;
    let mut by_two = 0;
    for h in 1..=top {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        if b.producer == Some(ValidatorId(2)) {
            by_two += 1;
            assert_eq!(b.difficulty, 1);
        }
    }
    assert_eq!(by_two, 0);
}

/// Gossip overlay with 300 full nodes, region latencies and first-seen tie-breaking: the chain
/// grows, and full nodes follow it.
#[test]
fn gossip_overlay_with_regions_propagates() {
    let mut c = config(21, Latency::Constant { ms: 0 });
    c.full_nodes = 300;
    c.topology = Topology::Gossip {
        degree: 4,
        validator_mesh: false,
    };
    c.tie_break = TieBreak::FirstSeen;
    c.latency = Latency::Regions(RegionLatency {
        matrix_ms: vec![vec![20, 150, 250], vec![150, 20, 180], vec![250, 180, 20]],
        jitter_ms: 30,
        validator_regions: (0..21).map(|i| (i % 3) as u16).collect(),
        full_node_regions: vec![],
    });
    let mut s = sim(c, 8, CountingRecorder::default());
    s.run_until(SimTime::from_secs(3_600)).unwrap();
    let canon = s.canonical_head();
    let h = s.block(canon).unwrap().height;
    assert!(h > 550, "height {h}");
    let anchor = s.ancestor_at(canon, h - 5).unwrap();
    let following = (0..s.node_count())
        .filter(|&n| s.is_ancestor(anchor, s.node_head(n).unwrap()))
        .count();
    assert_eq!(following, s.node_count());
}

#[test]
fn log_normal_latency_runs_and_is_deterministic() {
    let c = config(
        11,
        Latency::LogNormal {
            median_ms: 200,
            sigma_milli: 800,
        },
    );
    let a = digest_of(5, c.clone());
    assert_eq!(a, digest_of(5, c));
}

#[test]
fn run_blocks_and_halt_detection() {
    let c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    let mut s = sim(c, 9, NullRecorder);
    s.run_blocks(1_000).unwrap();
    assert!(s.canonical_height() >= 1_000);
    let mut dead = config(3, Latency::Constant { ms: 10 });
    dead.faults.offline = (1..=2)
        .map(|i| Offline {
            node: NodeRef::Validator(ValidatorId(i)),
            start: SimTime::ZERO,
            end: SimTime::MAX,
        })
        .collect();
    let mut s = sim(dead, 9, CountingRecorder::default());
    assert!(matches!(
        s.run_blocks(10),
        Err(consensus_model::ConsensusError::Halted { .. })
    ));
    let (rec, _, _) = s.finish();
    assert!(rec.halted_days >= 1);
}

#[test]
fn invalid_configs_are_refused() {
    let mut c = config(3, Latency::Constant { ms: 0 });
    c.genesis_set = vec![ValidatorId(9)];
    assert!(c.validate().is_err());
    let mut c = config(
        3,
        Latency::Uniform {
            min_ms: 10,
            max_ms: 5,
        },
    );
    assert!(c.validate().is_err());
    c.latency = Latency::Constant { ms: 0 };
    c.faults.partitions = vec![
        Partition {
            groups: vec![side(1..=1)],
            start: SimTime::from_secs(1),
            end: SimTime::from_secs(10),
        },
        Partition {
            groups: vec![side(2..=2)],
            start: SimTime::from_secs(5),
            end: SimTime::from_secs(20),
        },
    ];
    assert!(c.validate().is_err());
    assert!(ConsensusConfig::with_validators(0).is_err());
    assert!(ConsensusConfig::with_validators(300).is_err());
    // A source naming an unknown validator is an error, not a panic.
    struct Bad;
    impl EndBlockExecutor for Bad {
        type Error = std::convert::Infallible;
        fn end_block(
            &mut self,
            b: &BlockContext<'_>,
        ) -> Result<Option<Vec<ValidatorId>>, Self::Error> {
            Ok((b.height == 200).then(|| vec![ValidatorId(77)]))
        }
    }
    let c = config(3, Latency::Constant { ms: 0 });
    let mut s = ConsensusSim::new(c, 1, Bad, NullRecorder).unwrap();
    assert!(s.run_until(SimTime::from_secs(6 * 201)).is_err());
    let _ = BlockId(0);
}

/// The system contracts as the set source: an in-turn validator offline for good misses its
/// turns, is punished and jailed by the contracts (SPEC §3.5), and leaves the set at the next
/// epoch; the chain stays live throughout.
#[test]
fn contracts_jail_an_absent_validator_and_the_set_shrinks() {
    use consensus_model::contracts::AccountId;
    use consensus_model::contracts::{
        ContractsConfig, GenesisValidator, NullRecorder as NoEvents, SystemContracts,
    };
    let genesis: Vec<GenesisValidator> = ids(21)
        .into_iter()
        .map(|id| GenesisValidator {
            id,
            stake_wei: sim_core::Amount::ZERO,
            owner: AccountId(id.0),
        })
        .collect();
    let contracts =
        SystemContracts::new(ContractsConfig::default(), &genesis, &[], NoEvents).unwrap();
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 300,
        },
    );
    c.faults.offline = vec![Offline {
        node: NodeRef::Validator(ValidatorId(5)),
        start: SimTime::ZERO,
        end: SimTime::MAX,
    }];
    let mut s = ConsensusSim::new(c, 12, contracts, CountingRecorder::default()).unwrap();
    s.run_until(SimTime::from_secs(8 * 3_600)).unwrap();
    let v5 = s.source().validator(ValidatorId(5)).unwrap();
    assert!(v5.punishments_total >= 1, "{v5:?}");
    assert!(v5.jailings_total >= 1, "{v5:?}");
    let set = s.summary().active_set;
    assert_eq!(set.len(), 20);
    assert!(!set.contains(&ValidatorId(5)));
    assert!(s.canonical_height() > 4_500);
}

/// The signers and difficulties of the chain ending at `tip`, genesis excluded, in height order.
fn chain_of<S: EndBlockExecutor, R: consensus_model::Recorder>(
    s: &ConsensusSim<S, R>,
    tip: BlockId,
) -> (Vec<ValidatorId>, Vec<u8>) {
    let mut signers = Vec::new();
    let mut diffs = Vec::new();
    let mut id = tip;
    loop {
        let b = s.block(id).unwrap();
        if b.height == 0 {
            break;
        }
        signers.push(b.producer.unwrap());
        diffs.push(b.difficulty);
        id = b.parent;
    }
    signers.reverse();
    diffs.reverse();
    (signers, diffs)
}

/// Every chain the simulator builds under faults and races (the canonical one and every node's
/// head) passes the reference header verification with the difficulties it recorded.
#[test]
fn simulated_chains_pass_reference_verification() {
    let mut c = config(
        21,
        Latency::ExponentialWithMin {
            min_ms: 40,
            mean_extra_ms: 700,
        },
    );
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 3_600_000,
        mttr_ms: 400_000,
    });
    c.faults.slow = vec![Slow::always(ValidatorId(4), 700)];
    let mut s = ConsensusSim::new(c, 31, Shrink { calls: 0 }, NullRecorder).unwrap();
    s.run_until(SimTime::from_secs(6 * 1_500)).unwrap();
    assert!(s.summary().fork_heights > 0, "the run should have raced");
    let mut tips = vec![s.canonical_head()];
    tips.extend((0..s.node_count()).map(|n| s.node_head(n).unwrap()));
    for tip in tips {
        let (signers, diffs) = chain_of(&s, tip);
        // Shrink: 21 → 5 at block 200, unchanged at later epochs.
        let verified =
            consensus_model::verify_signers(&ids(21), 200, &signers, |_| Some(ids(5))).unwrap();
        assert_eq!(verified, diffs);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Zero latency, everyone online: every block in turn, TD = 2 × height, no forks, for any
    /// set size and seed.
    #[test]
    fn zero_latency_never_forks(n in 1u32..=21, seed in proptest::prelude::any::<u64>()) {
        let c = config(n, Latency::Constant { ms: 0 });
        let mut s = sim(c, seed, CountingRecorder::default());
        s.run_until(SimTime::from_secs(6 * 300 + 3)).unwrap();
        let sum = s.summary();
        proptest::prop_assert_eq!(sum.canonical_height, 300);
        proptest::prop_assert_eq!(sum.canonical_total_difficulty, 600);
        proptest::prop_assert_eq!(sum.blocks_sealed, 300);
        proptest::prop_assert_eq!(sum.fork_heights, 0);
        proptest::prop_assert_eq!(s.recorder().blocks_in_turn, 300);
    }
}

/// Gossip with racing out-of-turn blocks and coin tie-breaks: repeats of a block are ignored,
/// so equal-difficulty forks cannot flip and relay forever; everyone converges.
#[test]
fn gossip_with_coin_ties_converges() {
    let mut c = config(
        21,
        Latency::Uniform {
            min_ms: 50,
            max_ms: 900,
        },
    );
    c.full_nodes = 200;
    c.topology = Topology::Gossip {
        degree: 6,
        validator_mesh: false,
    };
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 1_800_000,
        mttr_ms: 120_000,
    });
    c.max_pending_events = 200_000;
    let mut s = sim(c, 17, CountingRecorder::default());
    s.run_until(SimTime::from_secs(3_600)).unwrap();
    assert!(s.summary().fork_heights > 0);
    assert!(s.recorder().reorgs > 0);
    let canon = s.canonical_head();
    let h = s.block(canon).unwrap().height;
    assert!(h > 500, "height {h}");
    let anchor = s.ancestor_at(canon, h - 10).unwrap();
    for n in 0..s.node_count() {
        if s.node_online(n) {
            assert!(s.is_ancestor(anchor, s.node_head(n).unwrap()), "node {n}");
        }
    }
}

/// Pruning the arena changes nothing observable: same block trace, same days, same
/// per-validator figures, same summary; only fewer blocks held.
#[test]
fn pruning_is_exact() {
    let run = |prune: Option<u64>| {
        let mut c = config(
            21,
            Latency::Uniform {
                min_ms: 50,
                max_ms: 600,
            },
        );
        c.faults.crash = Some(CrashRepair {
            mtbf_ms: 6 * 3_600_000,
            mttr_ms: 1_800_000,
        });
        c.finality_lag_ms = 3_600_000;
        c.prune_keep_blocks = prune;
        let mut s = sim(c, 77, (DigestRecorder::new(), CountingRecorder::default()));
        s.run_until(SimTime::from_ms(2 * MS_PER_DAY + 40_000_000))
            .unwrap();
        let stats = s.validator_stats();
        let held = s.blocks_held();
        let ((digest, counts), _, summary) = s.finish();
        (digest.finish(), counts, stats, summary, held)
    };
    let full = run(None);
    let pruned = run(Some(15_002));
    assert_eq!(full.0, pruned.0);
    assert_eq!(full.1, pruned.1);
    assert_eq!(full.2, pruned.2);
    assert_eq!(full.3, pruned.3);
    assert_eq!(full.1.days, 3);
    assert!(full.3.fork_heights > 0 && full.3.reorgs > 0);
    assert!(3 * pruned.4 < 2 * full.4, "{} {}", pruned.4, full.4);
    let mut c = config(3, Latency::Constant { ms: 0 });
    c.prune_keep_blocks = Some(100);
    assert!(c.validate().is_err());
}

/// Keeps every sealed block and every finality verdict.
#[derive(Default)]
struct FinalityLog {
    sealed: Vec<consensus_model::BlockRecord>,
    finalized: Vec<(BlockId, bool)>,
}

impl consensus_model::Recorder for FinalityLog {
    fn block(&mut self, block: &consensus_model::BlockRecord) {
        self.sealed.push(*block);
    }
    fn reorg(&mut self, _: &consensus_model::ReorgRecord) {}
    fn day(&mut self, _: &consensus_model::DayStats) {}
    fn finalized(&mut self, id: BlockId, canonical: bool) {
        self.finalized.push((id, canonical));
    }
}

#[test]
fn every_block_gets_one_final_canonical_verdict_and_they_form_the_chain() {
    let run = |prune: Option<u64>| {
        let mut c = config(
            7,
            Latency::Uniform {
                min_ms: 50,
                max_ms: 900,
            },
        );
        c.finality_lag_ms = 3_600_000;
        c.prune_keep_blocks = prune;
        let mut s = sim(c, 5, FinalityLog::default());
        s.run_until(SimTime::from_ms(2 * MS_PER_DAY + 40_000_000))
            .unwrap();
        let (log, _, summary) = s.finish();
        (log, summary)
    };
    let (full, summary) = run(None);
    let (pruned, _) = run(Some(15_002));
    // Pruning changes when verdicts arrive, never what they are.
    assert_eq!(full.finalized, pruned.finalized);
    // Once per block, in id order, genesis first.
    let n = full.sealed.len() + 1;
    assert_eq!(full.finalized.len(), n);
    assert!(
        full.finalized
            .iter()
            .enumerate()
            .all(|(i, (id, _))| id.0 as usize == i)
    );
    assert_eq!(full.finalized[0], (BlockId(0), true));
    // The canonical blocks are one chain from genesis to the canonical head.
    let canonical: Vec<&consensus_model::BlockRecord> = full
        .sealed
        .iter()
        .filter(|b| full.finalized[b.id.0 as usize].1)
        .collect();
    assert_eq!(canonical.len() as u64, summary.canonical_height);
    let mut parent = BlockId(0);
    for (h, b) in canonical.iter().enumerate() {
        assert_eq!((b.height, b.parent), (h as u64 + 1, parent));
        parent = b.id;
    }
    assert_eq!(parent, summary.canonical_head);
    assert!(canonical.len() < full.sealed.len(), "no forks to judge");
}

/// A full node back online receives its peers' heads, whose ancestors it missed: with
/// round-trip sync it adopts the head one round trip (2 × 100 ms) after it arrives, with
/// instantaneous sync when it arrives. Validators are unaffected by the setting.
#[test]
fn a_rejoining_full_node_syncs_in_one_round_trip() {
    let run = |sync: AncestorSync, until_ms: u64| {
        let mut c = config(5, Latency::Constant { ms: 100 });
        c.full_nodes = 1;
        c.full_node_sync = sync;
        c.faults.offline.push(Offline {
            node: NodeRef::Full(0),
            start: SimTime::from_secs(100),
            end: SimTime::from_secs(400),
        });
        let mut s = sim(c, 3, NullRecorder);
        s.run_until(SimTime::from_ms(until_ms)).unwrap();
        let full = s.block(s.node_head(5).unwrap()).unwrap().height;
        (full, s.canonical_height(), s.node_head(0))
    };
    // Back at 400 s; the heads arrive at 400.1 s.
    let (full, canonical, _) = run(AncestorSync::Instant, 400_150);
    assert_eq!(full, canonical);
    let (full, canonical, _) = run(AncestorSync::RoundTrip, 400_150);
    assert!(full < canonical, "still syncing: {full} < {canonical}");
    let (full, canonical, _) = run(AncestorSync::RoundTrip, 400_350);
    assert_eq!(full, canonical);
    // The validators' view does not depend on how full nodes sync.
    let with_rtt = run(AncestorSync::RoundTrip, 3_600_000);
    let instant = run(AncestorSync::Instant, 3_600_000);
    assert_eq!(with_rtt.1, instant.1);
    assert_eq!(with_rtt.2, instant.2);
}

/// On a gossip overlay, where a full node often hears of a block before its parent, round-trip
/// sync keeps the chain's figures (a full node never seals) and every node still follows the
/// chain within a few blocks; runs are deterministic.
#[test]
fn round_trip_sync_on_a_gossip_overlay_keeps_the_chain() {
    let gossip = |sync: AncestorSync| {
        let mut c = config(
            21,
            Latency::Uniform {
                min_ms: 20,
                max_ms: 150,
            },
        );
        c.full_nodes = 200;
        c.full_node_sync = sync;
        c.topology = Topology::Gossip {
            degree: 8,
            validator_mesh: true,
        };
        c
    };
    let mut s = sim(gossip(AncestorSync::RoundTrip), 12, NullRecorder);
    s.run_until(SimTime::from_secs(3_600)).unwrap();
    let canon = s.canonical_head();
    let h = s.block(canon).unwrap().height;
    assert!(h >= 590, "height {h}");
    let anchor = s.ancestor_at(canon, h - 3).unwrap();
    assert!((0..s.node_count()).all(|n| s.is_ancestor(anchor, s.node_head(n).unwrap())));
    assert_eq!(
        digest_of(12, gossip(AncestorSync::RoundTrip)),
        digest_of(12, gossip(AncestorSync::RoundTrip))
    );
}

/// A slow window delays a validator's blocks only within it: 21 validators with zero latency
/// seal every block in turn, except that validator 2, 10 s late from 1 h to 2 h, loses its
/// turns then (others seal out of turn) and keeps them before and after.
#[test]
fn a_slow_window_delays_only_within_it() {
    let mut c = config(21, Latency::Constant { ms: 0 });
    c.faults.slow = vec![Slow {
        validator: ValidatorId(2),
        extra_ms: 10_000,
        start: SimTime::from_secs(3_600),
        end: SimTime::from_secs(7_200),
    }];
    let mut s = sim(c, 3, NullRecorder);
    s.run_until(SimTime::from_secs(3 * 3_600)).unwrap();
    let head = s.canonical_head();
    let top = s.block(head).unwrap().height;
    let (mut before, mut during, mut after) = (0, 0, 0);
    for h in 1..=top {
        let b = s.block(s.ancestor_at(head, h).unwrap()).unwrap();
        if b.producer == Some(ValidatorId(2)) {
            let t = b.time.as_ms();
            // A window's edge may catch an attempt scheduled before it: leave a block's margin.
            if t < 3_590_000 {
                before += 1;
            } else if (3_620_000..7_190_000).contains(&t) {
                during += 1;
            } else if t > 7_220_000 {
                after += 1;
            }
        }
    }
    assert!(before > 20 && after > 20, "{before} {after}");
    assert_eq!(during, 0);
}
