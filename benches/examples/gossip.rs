//! Runs issue #16's gossip setting (21 validators and N full nodes, 8 random peers each, latency
//! uniform 20–150 ms, no faults) for some simulated hours and prints what propagation cost:
//! `cargo run --release -p benches --example gossip -- 1000 24 [first_arrival|every_copy]`.
//! Time it with `time` or `perf stat`; the copy counts show where the model saves work.

use consensus_model::{ConsensusError, ConsensusSim, CountingRecorder, Propagation, StaticSet};
use sim_core::SimTime;

fn main() -> Result<(), ConsensusError> {
    let arg = |i: usize| std::env::args().nth(i);
    let full_nodes: u32 = arg(1).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    // Fractional hours are allowed (`0.25`), for quick profiles of large overlays.
    let hours: f64 = arg(2).and_then(|a| a.parse().ok()).unwrap_or(24.0);
    let propagation = match arg(3).as_deref() {
        Some("every_copy") => Propagation::EveryCopy,
        _ => Propagation::FirstArrival,
    };
    let c = benches::gossip_bench_config(full_nodes, propagation);
    let set = StaticSet(c.genesis_set.clone());
    let mut sim = ConsensusSim::new(c, 1, set, CountingRecorder::default())?;
    sim.run_until(SimTime::from_ms((hours * 3_600_000.0) as u64))?;
    let (rec, _, s) = sim.finish();
    println!(
        "full_nodes {full_nodes} hours {hours} {propagation:?}: canonical {} sealed {} \
         fork_heights {} reorgs {} events {} copies_not_sent {} copies_not_drawn {}",
        s.canonical_height,
        s.blocks_sealed,
        s.fork_heights,
        rec.reorgs,
        s.events,
        s.copies_not_sent,
        s.copies_not_drawn,
    );
    Ok(())
}
