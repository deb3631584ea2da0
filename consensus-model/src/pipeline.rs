//! The end-of-block work on a second thread. What crosses the seam is one executed block going
//! in and, on epoch blocks only, the next active set coming out; so blocks can be handed over in
//! batches and the engine has to wait for the contracts only at epoch blocks (and when the
//! caller wants the source back). The contracts see exactly the same calls in the same order:
//! a run's bytes are the same on one thread or two (tests compare them).
//!
//! An error of a block that returns no set surfaces at the next block that waits (an epoch block,
//! [`Pipelined::get_mut`] or [`Pipelined::into_inner`]) as a [`Delayed`] naming the block that
//! failed, so the run stops with the same message; the blocks after it are not executed.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

use sim_core::{Amount, SimTime};

use crate::system::{BlockContext, EndBlockExecutor};
use crate::types::{Height, ValidatorId, is_epoch_block};

/// Blocks handed over at once (a batch is one message): small enough that the contracts
/// thread keeps up with the engine, large enough that a message costs nothing per block.
const BATCH_BLOCKS: usize = 32;

/// Rounds of 64 spin hints a waiting side spins before it blocks on its channel (counted, not
/// timed): waking a blocked thread took ~50 µs on the 2-core VM, as long as ~60 blocks.
const SPIN_ROUNDS: u32 = 2_048;

/// A waiting side yields its core once every this many spin rounds.
const YIELD_EVERY_ROUNDS: u32 = 64;

/// An error of the source, with the height of the block it came from.
#[derive(Debug)]
pub struct Delayed<E> {
    /// The block that failed.
    pub height: Height,
    /// What failed.
    pub error: E,
}

impl<E: std::fmt::Display> std::fmt::Display for Delayed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Delayed<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

type Failed<S> = Delayed<<S as EndBlockExecutor>::Error>;

/// A [`BlockContext`] the engine no longer holds.
#[derive(Debug, Clone)]
struct OwnedBlock {
    height: Height,
    time: SimTime,
    producer: ValidatorId,
    difficulty: u8,
    active_set: Arc<[ValidatorId]>,
    in_turn: ValidatorId,
    in_turn_signed_recently: bool,
    fees: Amount,
}

impl OwnedBlock {
    fn context(&self) -> BlockContext<'_> {
        BlockContext {
            height: self.height,
            time: self.time,
            producer: self.producer,
            difficulty: self.difficulty,
            active_set: &self.active_set,
            in_turn: self.in_turn,
            in_turn_signed_recently: self.in_turn_signed_recently,
            fees: self.fees,
        }
    }
}

enum ToWorker {
    /// Execute these in order; answer with the result of the last if `answer`.
    Blocks {
        blocks: Vec<OwnedBlock>,
        answer: bool,
    },
    /// Execute what is queued, then send the source back and stop.
    Return,
}

enum FromWorker<S: EndBlockExecutor> {
    Answer(Result<Option<Vec<ValidatorId>>, Failed<S>>),
    /// The source, and the first error of a block nobody waited for.
    Source(S, Option<Failed<S>>),
}

struct Worker<S: EndBlockExecutor> {
    to: Sender<ToWorker>,
    from: Receiver<FromWorker<S>>,
    handle: JoinHandle<()>,
}

enum Place<S: EndBlockExecutor> {
    Here(S),
    Worker(Worker<S>),
    /// Only while moving between the two.
    Moving,
}

/// An [`EndBlockExecutor`] that runs its source on a second thread when asked to.
pub struct Pipelined<S: EndBlockExecutor> {
    place: Place<S>,
    threaded: bool,
    batch: Vec<OwnedBlock>,
    /// The active set of the last block, shared by the blocks of a batch.
    set: Option<Arc<[ValidatorId]>>,
}

impl<S: EndBlockExecutor> std::fmt::Debug for Pipelined<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipelined")
            .field("threaded", &self.threaded)
            .field("queued", &self.batch.len())
            .finish()
    }
}

impl<S> Pipelined<S>
where
    S: EndBlockExecutor + Send + 'static,
    S::Error: Send,
{
    /// `source`, run on a second thread if `threaded` (else on the caller's, as if unwrapped).
    pub fn new(source: S, threaded: bool) -> Self {
        Pipelined {
            place: Place::Here(source),
            threaded,
            batch: Vec::with_capacity(BATCH_BLOCKS),
            set: None,
        }
    }

    /// The source, once every block handed over is executed; fails with the first error of
    /// a block that returned no set.
    pub fn get_mut(&mut self) -> Result<&mut S, Failed<S>> {
        self.bring_back()?;
        match &mut self.place {
            Place::Here(s) => Ok(s),
            _ => unreachable!("the source was just brought back"),
        }
    }

    /// The source, once every block handed over is executed (see [`Pipelined::get_mut`]).
    pub fn into_inner(mut self) -> Result<S, Failed<S>> {
        self.bring_back()?;
        match std::mem::replace(&mut self.place, Place::Moving) {
            Place::Here(s) => Ok(s),
            _ => unreachable!("the source was just brought back"),
        }
    }

    fn bring_back(&mut self) -> Result<(), Failed<S>> {
        if let Place::Here(source) = &mut self.place {
            // Blocks queued since the source came back (fewer than a batch): run them here.
            for b in std::mem::take(&mut self.batch) {
                source.end_block(&b.context()).map_err(|error| Delayed {
                    height: b.height,
                    error,
                })?;
            }
            return Ok(());
        }
        self.flush(false);
        let Place::Worker(w) = std::mem::replace(&mut self.place, Place::Moving) else {
            unreachable!("checked above");
        };
        // A closed channel means the worker panicked: the join below re-raises it.
        let _ = w.to.send(ToWorker::Return);
        let reply = wait(&w.from);
        let joined = w.handle.join();
        match (reply, joined) {
            (Some(FromWorker::Source(s, error)), Ok(())) => {
                self.place = Place::Here(s);
                error.map_or(Ok(()), Err)
            }
            (_, Err(panic)) => std::panic::resume_unwind(panic),
            _ => unreachable!("the worker answers Return with its source"),
        }
    }

    fn owned(&mut self, b: &BlockContext<'_>) -> OwnedBlock {
        let set = match &self.set {
            Some(s) if s[..] == *b.active_set => Arc::clone(s),
            _ => {
                let s: Arc<[ValidatorId]> = b.active_set.into();
                self.set = Some(Arc::clone(&s));
                s
            }
        };
        OwnedBlock {
            height: b.height,
            time: b.time,
            producer: b.producer,
            difficulty: b.difficulty,
            active_set: set,
            in_turn: b.in_turn,
            in_turn_signed_recently: b.in_turn_signed_recently,
            fees: b.fees,
        }
    }

    /// Hands the queued blocks over (starting the worker if the source is here).
    fn flush(&mut self, answer: bool) {
        if self.batch.is_empty() && !answer {
            return;
        }
        if let Place::Here(_) = self.place {
            let Place::Here(source) = std::mem::replace(&mut self.place, Place::Moving) else {
                unreachable!("checked above");
            };
            self.place = Place::Worker(spawn(source));
        }
        let Place::Worker(w) = &self.place else {
            unreachable!("the worker was just started");
        };
        let blocks = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_BLOCKS));
        // A closed channel means the worker panicked: the next wait re-raises it.
        let _ = w.to.send(ToWorker::Blocks { blocks, answer });
    }
}

impl<S> EndBlockExecutor for Pipelined<S>
where
    S: EndBlockExecutor + Send + 'static,
    S::Error: Send,
{
    type Error = Failed<S>;

    fn end_block(
        &mut self,
        block: &BlockContext<'_>,
    ) -> Result<Option<Vec<ValidatorId>>, Failed<S>> {
        if !self.threaded {
            let height = block.height;
            return self
                .get_mut()?
                .end_block(block)
                .map_err(|error| Delayed { height, error });
        }
        let owned = self.owned(block);
        self.batch.push(owned);
        if !is_epoch_block(block.height) {
            if self.batch.len() >= BATCH_BLOCKS {
                self.flush(false);
            }
            return Ok(None);
        }
        self.flush(true);
        let Place::Worker(w) = &self.place else {
            unreachable!("flush started the worker");
        };
        match wait(&w.from) {
            Some(FromWorker::Answer(result)) => result,
            // The worker is gone (it panicked): bring_back re-raises its panic.
            _ => {
                self.bring_back()?;
                unreachable!("a worker that stopped answering has panicked")
            }
        }
    }

    fn failed_at(error: &Failed<S>) -> Option<Height> {
        Some(error.height)
    }
}

/// The next message, spinning a while before blocking; `None` if the other side is gone.
fn wait<T>(rx: &Receiver<T>) -> Option<T> {
    for round in 0..SPIN_ROUNDS {
        match rx.try_recv() {
            Ok(m) => return Some(m),
            Err(TryRecvError::Disconnected) => return None,
            // Now and then offer the core: on a busy machine (a sweep, another run) the thread
            // this one waits for may be the one that needs it.
            Err(TryRecvError::Empty) if round % YIELD_EVERY_ROUNDS == YIELD_EVERY_ROUNDS - 1 => {
                std::thread::yield_now();
            }
            Err(TryRecvError::Empty) => {
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
            }
        }
    }
    rx.recv().ok()
}

fn spawn<S>(mut source: S) -> Worker<S>
where
    S: EndBlockExecutor + Send + 'static,
    S::Error: Send,
{
    let (to, inbox) = channel::<ToWorker>();
    let (outbox, from) = channel::<FromWorker<S>>();
    let handle = std::thread::Builder::new()
        .name("dcfs-contracts".to_owned())
        .spawn(move || {
            let mut error: Option<Failed<S>> = None;
            while let Some(message) = wait(&inbox) {
                match message {
                    ToWorker::Blocks { blocks, answer } => {
                        let mut last: Result<Option<Vec<ValidatorId>>, Failed<S>> = Ok(None);
                        for b in &blocks {
                            if error.is_some() {
                                break;
                            }
                            match source.end_block(&b.context()) {
                                Ok(set) => last = Ok(set),
                                Err(e) => {
                                    error = Some(Delayed {
                                        height: b.height,
                                        error: e,
                                    });
                                    last = Ok(None);
                                }
                            }
                        }
                        if answer {
                            let result = match error.take() {
                                Some(e) => Err(e),
                                None => last,
                            };
                            if outbox.send(FromWorker::Answer(result)).is_err() {
                                return;
                            }
                        }
                    }
                    ToWorker::Return => {
                        let _ = outbox.send(FromWorker::Source(source, error));
                        return;
                    }
                }
            }
        })
        // Without a thread the run cannot go on at all; the OS refusing one is not user input.
        .expect("spawning the contracts thread");
    Worker { to, from, handle }
}
