//! The end-of-block work on a second thread ([`Pipelined`]) gives the same runs as on the
//! engine's thread, and a failure stops the run with the same message naming the same block.

use consensus_model::{
    BlockContext, ConsensusConfig, ConsensusSim, CrashRepair, DigestRecorder, EndBlockExecutor,
    Latency, Pipelined, ValidatorId, is_epoch_block,
};
use sim_core::SimTime;

/// Rotates the set at each epoch (drops one validator, then adds it back) and digests every
/// block it is given; fails at `fail_at`.
struct Rotating {
    all: Vec<ValidatorId>,
    epochs: u64,
    seen: sim_core::OutputDigest,
    fail_at: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
#[error("refused block {0}")]
struct Refused(u64);

impl EndBlockExecutor for Rotating {
    type Error = Refused;

    fn end_block(&mut self, b: &BlockContext<'_>) -> Result<Option<Vec<ValidatorId>>, Refused> {
        if self.fail_at == Some(b.height) {
            return Err(Refused(b.height));
        }
        self.seen
            .u64(b.height)
            .u64(b.time.as_ms())
            .u64(u64::from(b.producer.0))
            .u64(u64::from(b.difficulty))
            .u64(u64::from(b.in_turn_signed_recently))
            .u64(b.active_set.len() as u64);
        if !is_epoch_block(b.height) {
            return Ok(None);
        }
        self.epochs += 1;
        let mut set = self.all.clone();
        if self.epochs % 2 == 1 {
            set.remove((self.epochs as usize / 2) % set.len());
        }
        Ok(Some(set))
    }
}

fn run(threaded: bool, fail_at: Option<u64>) -> Result<(String, String, u64), String> {
    let mut c = ConsensusConfig::with_validators(21).unwrap();
    c.latency = Latency::Uniform {
        min_ms: 50,
        max_ms: 900,
    };
    c.faults.crash = Some(CrashRepair {
        mtbf_ms: 3_600_000,
        mttr_ms: 300_000,
    });
    let source = Rotating {
        all: c.genesis_set.clone(),
        epochs: 0,
        seen: sim_core::OutputDigest::new(),
        fail_at,
    };
    let source = Pipelined::new(source, threaded);
    let mut sim = ConsensusSim::new(c, 11, source, DigestRecorder::new()).unwrap();
    sim.run_until(SimTime::from_secs(6 * 3_600))
        .map_err(|e| e.to_string())?;
    // Mid-run access brings the source back; the run goes on after it.
    let epochs_midway = sim
        .source_mut()
        .get_mut()
        .map_err(|e| e.to_string())?
        .epochs;
    assert!(epochs_midway > 5);
    sim.run_until(SimTime::from_secs(12 * 3_600))
        .map_err(|e| e.to_string())?;
    let (rec, source, _) = sim.finish();
    let source = source.into_inner().map_err(|e| e.to_string())?;
    Ok((
        rec.finish().to_string(),
        source.seen.finish().to_string(),
        source.epochs,
    ))
}

#[test]
fn a_second_thread_gives_the_same_run() {
    let direct = run(false, None).unwrap();
    let threaded = run(true, None).unwrap();
    assert!(direct.2 > 20, "epochs {}", direct.2);
    assert_eq!(direct, threaded);
}

#[test]
fn a_failure_names_the_same_block_on_either_thread() {
    // A block in the middle of a batch, an epoch block, and one in the second half of the run.
    for height in [57, 400, 6_001] {
        let direct = run(false, Some(height)).unwrap_err();
        let threaded = run(true, Some(height)).unwrap_err();
        assert!(direct.contains(&format!("height {height}")), "{direct}");
        assert!(
            direct.contains(&format!("refused block {height}")),
            "{direct}"
        );
        assert_eq!(direct, threaded);
    }
}
