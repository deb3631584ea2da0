//! Runs the consensus bench scenario (21 validators, latency uniform 50–300 ms, ~1% random
//! downtime) for a number of simulated days and prints the blocks sealed. Time it with
//! `perf stat` or `time` to get blocks per CPU second on a loaded machine:
//! `cargo run --release -p benches --example throughput -- 30`. A second argument
//! `digest` also prints the SHA-256 of the block trace (a quick exactness check of engine
//! changes; it costs a hash per block, so leave it off when measuring). A second argument
//! `e2e` runs the engine alone (no contracts, no outputs) on issue #16's end-to-end setting
//! instead (`benches/scenarios/consensus-60d.toml`: crashes with mean 2 h up, 10 min repair),
//! the bound a whole `dcfs-sim run` of it cannot beat on the engine's thread.

use benches::{CONSENSUS_BENCH_SEED, consensus_bench_config};
use consensus_model::{
    ConsensusError, ConsensusSim, CountingRecorder, CrashRepair, DigestRecorder, Recorder,
    StaticSet,
};
use sim_core::SimTime;

fn run<R: Recorder>(
    days: u64,
    recorder: R,
) -> Result<(R, consensus_model::Summary), ConsensusError> {
    let mut c = consensus_bench_config();
    if std::env::args().nth(2).is_some_and(|a| a == "e2e") {
        c.faults.crash = Some(CrashRepair {
            mtbf_ms: 7_200_000,
            mttr_ms: 600_000,
        });
    }
    let set = StaticSet(c.genesis_set.clone());
    let mut sim = ConsensusSim::new(c, CONSENSUS_BENCH_SEED, set, recorder)?;
    sim.run_until(SimTime::from_day(days))?;
    let (rec, _, summary) = sim.finish();
    Ok((rec, summary))
}

fn main() -> Result<(), ConsensusError> {
    let days: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let digest = std::env::args().nth(2).is_some_and(|a| a == "digest");
    let (rec, summary, hash) = if digest {
        let ((rec, d), summary) = run(days, (CountingRecorder::default(), DigestRecorder::new()))?;
        (rec, summary, Some(d.finish()))
    } else {
        let (rec, summary) = run(days, CountingRecorder::default())?;
        (rec, summary, None)
    };
    println!(
        "days {days} blocks_sealed {} canonical {} fork_heights {} reorgs {} halted_days {} events {}",
        summary.blocks_sealed,
        summary.canonical_height,
        summary.fork_heights,
        rec.reorgs,
        rec.halted_days,
        summary.events,
    );
    if let Some(h) = hash {
        println!("digest {h:?}");
    }
    Ok(())
}
