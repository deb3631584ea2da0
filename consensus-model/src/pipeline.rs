//! The end-of-block work on a second thread. What crosses the seam is one executed block going
//! in and, on epoch blocks only, the next active set coming out; so blocks can be handed over in
//! batches and the engine has to wait for the contracts only at epoch blocks (and when the
//! caller wants the source back). The contracts see exactly the same calls in the same order:
//! a run's bytes are the same on one thread or two (tests compare them).
//!
//! An error of a block that returns no set surfaces at the next block that waits (an epoch block,
//! [`Pipelined::get_mut`] or [`Pipelined::into_inner`]) as a [`Delayed`] naming the block that
//! failed, so the run stops with the same message; the blocks after it are not executed.
//!
//! The source sits behind a lock, and whoever holds the lock executes the queued batches in
//! order: the second thread as they come, or the engine at an epoch block when the second
//! thread does not hold it. On a 2-core machine the second thread shares its core with the
//! table writer and is often descheduled; the engine used to wait 256 µs–8 ms for it at ~8% of
//! the epoch blocks (~280 ms of a 60-day run), and now executes what is left itself.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;

use sim_core::{Amount, SimTime};

use crate::system::{BlockContext, EndBlockExecutor};
use crate::types::{Height, ValidatorId, is_epoch_block};

/// Blocks handed over at once (a batch is one queue entry): small enough that the contracts
/// thread keeps up with the engine, large enough that a hand-over costs nothing per block.
const BATCH_BLOCKS: usize = 32;

/// Rounds of 64 spin hints a waiting side spins before it blocks (the engine on the source's
/// lock, the second thread parked; counted, not timed): waking a blocked thread took ~50 µs on
/// the 2-core VM, as long as ~60 blocks.
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

/// Blocks handed over together; the result of the last is kept if `answer`.
struct Batch {
    blocks: Vec<OwnedBlock>,
    answer: bool,
}

/// What the lock holder owns.
struct Inner<S: EndBlockExecutor> {
    source: S,
    /// The first error of a block nobody waited for yet.
    error: Option<Failed<S>>,
    /// The result of the last epoch block executed, until the engine takes it.
    answer: Option<Result<Option<Vec<ValidatorId>>, Failed<S>>>,
}

impl<S: EndBlockExecutor> Inner<S> {
    /// Executes `batch` as the blocks' own thread would (nothing after an error).
    fn execute(&mut self, batch: Batch) {
        let mut last = Ok(None);
        for b in &batch.blocks {
            if self.error.is_some() {
                break;
            }
            match self.source.end_block(&b.context()) {
                Ok(set) => last = Ok(set),
                Err(error) => {
                    self.error = Some(Delayed {
                        height: b.height,
                        error,
                    });
                    last = Ok(None);
                }
            }
        }
        if batch.answer {
            self.answer = Some(match self.error.take() {
                Some(e) => Err(e),
                None => last,
            });
        }
    }
}

/// What the engine and the second thread share.
struct Shared<S: EndBlockExecutor> {
    inner: Mutex<Inner<S>>,
    /// Batches not yet taken, in order; only the holder of `inner` takes them.
    queue: Mutex<VecDeque<Batch>>,
    /// `queue`'s length, read without its lock.
    queued: AtomicUsize,
    /// The engine wants the source back: the second thread executes what is queued and stops.
    stop: AtomicBool,
}

impl<S: EndBlockExecutor> Shared<S> {
    /// Executes every queued batch; the caller holds `inner`.
    fn drain(&self, inner: &mut Inner<S>) {
        loop {
            let next = relock(&self.queue).pop_front();
            let Some(batch) = next else {
                return;
            };
            self.queued.fetch_sub(1, Ordering::Release);
            inner.execute(batch);
        }
    }

    fn push(&self, batch: Batch) {
        relock(&self.queue).push_back(batch);
        self.queued.fetch_add(1, Ordering::Release);
    }
}

/// A lock whose holder panicked is still the data: that panic is re-raised by the join.
fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Worker<S: EndBlockExecutor> {
    shared: Arc<Shared<S>>,
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
        w.shared.stop.store(true, Ordering::Release);
        w.handle.thread().unpark();
        if let Err(panic) = w.handle.join() {
            std::panic::resume_unwind(panic);
        }
        let Ok(shared) = Arc::try_unwrap(w.shared) else {
            unreachable!("the second thread has stopped");
        };
        let mut inner = shared.inner.into_inner().unwrap_or_else(|p| p.into_inner());
        // The second thread drained the queue before it stopped; nothing is left.
        debug_assert!(relock(&shared.queue).is_empty());
        debug_assert!(inner.answer.is_none(), "every answer was taken");
        let error = inner.error.take();
        self.place = Place::Here(inner.source);
        error.map_or(Ok(()), Err)
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
        w.shared.push(Batch { blocks, answer });
        // Cheap unless the thread is parked (an atomic swap).
        w.handle.thread().unpark();
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
        match take_answer(&w.shared) {
            Some(answer) => answer,
            // The second thread panicked holding the source: bring_back re-raises it.
            None => {
                self.bring_back()?;
                unreachable!("a poisoned lock means the second thread panicked")
            }
        }
    }

    fn failed_at(error: &Failed<S>) -> Option<Height> {
        Some(error.height)
    }
}

/// The answer of the epoch block just queued. The engine takes the source's lock as soon as it
/// is free and executes whatever the second thread has not (the epoch block included); it
/// blocks on the lock only after spinning a while, when the second thread holds it and is
/// descheduled mid-batch. `None` if that thread panicked holding it.
fn take_answer<S: EndBlockExecutor>(
    shared: &Shared<S>,
) -> Option<Result<Option<Vec<ValidatorId>>, Failed<S>>> {
    let mut inner = None;
    for round in 0..SPIN_ROUNDS {
        match shared.inner.try_lock() {
            Ok(guard) => {
                inner = Some(guard);
                break;
            }
            Err(TryLockError::Poisoned(_)) => return None,
            Err(TryLockError::WouldBlock) => pause(round),
        }
    }
    let mut inner = match inner {
        Some(guard) => guard,
        None => shared.inner.lock().ok()?,
    };
    shared.drain(&mut inner);
    // The epoch batch was queued before the lock was taken, so it has been executed.
    Some(
        inner
            .answer
            .take()
            .expect("the epoch block was executed before the lock was free"),
    )
}

/// One round of waiting: spin hints, and now and then the core offered to another thread (on a
/// busy machine the thread this one waits for may be the one that needs it).
fn pause(round: u32) {
    if round % YIELD_EVERY_ROUNDS == YIELD_EVERY_ROUNDS - 1 {
        std::thread::yield_now();
    } else {
        for _ in 0..64 {
            std::hint::spin_loop();
        }
    }
}

fn spawn<S>(source: S) -> Worker<S>
where
    S: EndBlockExecutor + Send + 'static,
    S::Error: Send,
{
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            source,
            error: None,
            answer: None,
        }),
        queue: Mutex::new(VecDeque::new()),
        queued: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    let theirs = Arc::clone(&shared);
    let handle = std::thread::Builder::new()
        .name("dcfs-contracts".to_owned())
        .spawn(move || work(&theirs))
        // Without a thread the run cannot go on at all; the OS refusing one is not user input.
        .expect("spawning the contracts thread");
    Worker { shared, handle }
}

/// The second thread: executes batches as they are queued, spinning a while between them and
/// then parking, until asked to stop (after executing what is queued).
fn work<S: EndBlockExecutor>(shared: &Shared<S>) {
    let mut idle_rounds = 0u32;
    loop {
        if shared.queued.load(Ordering::Acquire) > 0 {
            let mut inner = relock(&shared.inner);
            shared.drain(&mut inner);
            idle_rounds = 0;
            continue;
        }
        if shared.stop.load(Ordering::Acquire) {
            // The engine queues nothing once it has asked to stop; one last look.
            let mut inner = relock(&shared.inner);
            shared.drain(&mut inner);
            return;
        }
        if idle_rounds < SPIN_ROUNDS {
            pause(idle_rounds);
            idle_rounds += 1;
        } else {
            // Woken by the next batch or the stop (an unpark before this park ends it at once).
            std::thread::park();
        }
    }
}
