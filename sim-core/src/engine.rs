//! The run loop: a [`Model`] with a closed event enum, driven by an [`EventQueue`] up to an end time.
//!
//! `run_until(end)` processes every event with time `< end` in the queue's (time, seq) order,
//! then sets the clock to `end`. Events at or after `end` stay pending, so a run can be
//! continued with a later end time and produces exactly what one longer run would.

use crate::queue::{EventQueue, ScheduleError};
use crate::time::SimTime;

/// A simulated system. Its events are a closed enum (`Self::Event`), dispatched by `match`
/// in [`Model::handle`]: no boxed closures in the hot path.
pub trait Model {
    /// Every kind of event this model reacts to.
    type Event;
    /// The model's own error type (invariant breaches, bad state).
    type Error: std::error::Error + 'static;

    /// Reacts to `event` at `queue.now()`, scheduling follow-up events on `queue`.
    fn handle(
        &mut self,
        event: Self::Event,
        queue: &mut EventQueue<Self::Event>,
    ) -> Result<(), Self::Error>;
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E: std::error::Error + 'static> {
    /// The model reported an error.
    #[error("model error at {at}: {source}")]
    Model {
        /// When it happened.
        at: SimTime,
        /// The model's error.
        #[source]
        source: E,
    },
    /// More events than the run's limit.
    #[error("event limit of {limit} reached at {at}")]
    EventLimit {
        /// The limit.
        limit: u64,
        /// When it was reached.
        at: SimTime,
    },
}

/// Counters of one `run_until` call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events handled.
    pub events: u64,
}

/// A model plus its event queue.
#[derive(Debug)]
pub struct Simulation<M: Model> {
    /// The model; public so callers can inspect and seed it between runs.
    pub model: M,
    /// The queue; public so callers can schedule initial events.
    pub queue: EventQueue<M::Event>,
    max_events: u64,
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` with an empty queue bounded at `max_pending` events, stopping
    /// with an error after `max_events` events in one `run_until` call.
    pub fn new(model: M, max_pending: usize, max_events: u64) -> Self {
        Simulation {
            model,
            queue: EventQueue::new(max_pending),
            max_events,
        }
    }

    /// Schedules an initial (or external) event.
    pub fn schedule_at(&mut self, at: SimTime, event: M::Event) -> Result<(), ScheduleError> {
        self.queue.schedule_at(at, event).map(|_| ())
    }

    /// Handles every event with time `< end` in order, then moves the clock to `end`.
    pub fn run_until(&mut self, end: SimTime) -> Result<RunStats, RunError<M::Error>> {
        let mut stats = RunStats::default();
        while self.queue.peek_time().is_some_and(|t| t < end) {
            if stats.events >= self.max_events {
                return Err(RunError::EventLimit {
                    limit: self.max_events,
                    at: self.queue.now(),
                });
            }
            let Some((key, event)) = self.queue.pop() else {
                break;
            };
            self.model
                .handle(event, &mut self.queue)
                .map_err(|source| RunError::Model {
                    at: key.time,
                    source,
                })?;
            stats.events += 1;
        }
        self.queue.advance_to(end);
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ticker that records when it fired and reschedules itself every `period_ms`.
    struct Ticker {
        period_ms: u64,
        fired: Vec<u64>,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("ticker error")]
    struct TickerError;

    impl Model for Ticker {
        type Event = u32;
        type Error = TickerError;
        fn handle(&mut self, _event: u32, queue: &mut EventQueue<u32>) -> Result<(), TickerError> {
            self.fired.push(queue.now().as_ms());
            queue
                .schedule_in(self.period_ms, 0)
                .map_err(|_| TickerError)?;
            Ok(())
        }
    }

    #[test]
    fn runs_half_open_and_resumes_identically() {
        let mut one = Simulation::new(
            Ticker {
                period_ms: 10,
                fired: vec![],
            },
            100,
            1_000,
        );
        one.schedule_at(SimTime::ZERO, 0).unwrap();
        one.run_until(SimTime::from_ms(50)).unwrap();
        assert_eq!(one.model.fired, [0, 10, 20, 30, 40]);
        assert_eq!(one.queue.now(), SimTime::from_ms(50));
        one.run_until(SimTime::from_ms(100)).unwrap();

        let mut two = Simulation::new(
            Ticker {
                period_ms: 10,
                fired: vec![],
            },
            100,
            1_000,
        );
        two.schedule_at(SimTime::ZERO, 0).unwrap();
        two.run_until(SimTime::from_ms(100)).unwrap();
        assert_eq!(one.model.fired, two.model.fired);
    }

    #[test]
    fn event_limit_is_an_error() {
        let mut sim = Simulation::new(
            Ticker {
                period_ms: 1,
                fired: vec![],
            },
            100,
            3,
        );
        sim.schedule_at(SimTime::ZERO, 0).unwrap();
        assert!(matches!(
            sim.run_until(SimTime::from_ms(100)),
            Err(RunError::EventLimit { limit: 3, .. })
        ));
    }
}
