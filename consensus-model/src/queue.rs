//! A calendar (bucket) event queue with exactly sim-core's ordering: ascending time, ties in
//! insertion order. Events less than one ring span (default 1,024 ms) ahead go to per-ms FIFO
//! buckets found through a bitmap; later events wait in a (time, seq) heap, so the order is
//! identical to `sim_core::EventQueue`'s. Ring entries need no sequence number: a bucket is FIFO,
//! and a heap event at time t was scheduled while `now < t − span`, strictly before any ring
//! event at t (scheduled while `now ≥ t − span`, and `now` never goes back), so at equal times
//! the heap goes first.
//!
//! It exists for speed: block propagation schedules dozens of events per block a few hundred
//! ms ahead, where a bucket push/pop is O(1) and a binary heap is not.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use sim_core::{ScheduleError, SimTime};

/// Default ring span exponent: 2^10 ms ≈ 1 s (block deliveries; later events use the heap).
pub const DEFAULT_RING_BITS: u32 = 10;

struct Far<E> {
    key: u128,
    event: E,
}
impl<E> PartialEq for Far<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Far<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The bucket queue. `E: Copy` keeps buckets plain vectors.
pub struct BucketQueue<E: Copy> {
    now: u64,
    next_seq: u64,
    mask: u64,
    buckets: Vec<Vec<E>>,
    heads: Vec<u32>,
    bits: Vec<u64>,
    ring_len: usize,
    /// Earliest time in the ring (`u64::MAX` if empty).
    ring_min: u64,
    far: BinaryHeap<Far<E>>,
    /// Time of the heap's first event (`u64::MAX` if empty), kept in step with `far`.
    far_min: u64,
    max_pending: usize,
}

impl<E: Copy> std::fmt::Debug for BucketQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketQueue")
            .field("now", &self.now)
            .field("pending", &self.len())
            .finish()
    }
}

impl<E: Copy> BucketQueue<E> {
    /// An empty queue at time zero holding at most `max_pending` events, with a ring of
    /// `2^ring_bits` ms (6 ≤ ring_bits ≤ 20).
    pub fn new(max_pending: usize, ring_bits: u32) -> Self {
        let ring = 1usize << ring_bits.clamp(6, 20);
        BucketQueue {
            now: 0,
            next_seq: 0,
            mask: ring as u64 - 1,
            buckets: (0..ring).map(|_| Vec::new()).collect(),
            heads: vec![0; ring],
            bits: vec![0; ring / 64],
            ring_len: 0,
            ring_min: u64::MAX,
            far: BinaryHeap::new(),
            far_min: u64::MAX,
            max_pending,
        }
    }

    /// Current time.
    pub fn now(&self) -> SimTime {
        SimTime::from_ms(self.now)
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.ring_len + self.far.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `event` at `at` (≥ now).
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<(), ScheduleError> {
        let t = at.as_ms();
        if t < self.now {
            return Err(ScheduleError::InThePast {
                at,
                now: self.now(),
            });
        }
        if self.len() >= self.max_pending {
            return Err(ScheduleError::Full {
                limit: self.max_pending,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if t - self.now <= self.mask {
            let b = (t & self.mask) as usize;
            self.buckets[b].push(event);
            self.bits[b >> 6] |= 1 << (b & 63);
            self.ring_len += 1;
            self.ring_min = self.ring_min.min(t);
        } else {
            self.far.push(Far {
                key: (u128::from(t) << 64) | u128::from(seq),
                event,
            });
            self.far_min = self.far_min.min(t);
        }
        Ok(())
    }

    /// Schedules `event` `delay_ms` after now.
    #[inline(always)]
    pub fn schedule_in(&mut self, delay_ms: u64, event: E) -> Result<(), ScheduleError> {
        let Some(t) = self.now.checked_add(delay_ms) else {
            return Err(ScheduleError::TimeOverflow {
                now: self.now(),
                delay_ms,
            });
        };
        if delay_ms <= self.mask && self.len() < self.max_pending {
            // The ring case of `schedule_at`, without its re-checks (t ≥ now here).
            self.next_seq += 1;
            let b = (t & self.mask) as usize;
            self.buckets[b].push(event);
            self.bits[b >> 6] |= 1 << (b & 63);
            self.ring_len += 1;
            self.ring_min = self.ring_min.min(t);
            return Ok(());
        }
        self.schedule_at(SimTime::from_ms(t), event)
    }

    /// Time of the next event (`u64::MAX` if none).
    #[inline]
    pub fn peek_ms(&self) -> u64 {
        debug_assert_eq!(
            self.far_min,
            self.far.peek().map_or(u64::MAX, |f| (f.key >> 64) as u64)
        );
        self.ring_min.min(self.far_min)
    }

    /// Removes the next event in (time, seq) order and moves `now` to its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // At equal times the heap goes first (see the module docs), so the ring's head is taken
        // only when it is strictly earlier than the heap's.
        if self.ring_len > 0 && (self.ring_min < self.far_min || self.far.is_empty()) {
            let t = self.ring_min;
            let b = (t & self.mask) as usize;
            let bucket = &mut self.buckets[b];
            let head = self.heads[b] as usize;
            let event = bucket[head];
            self.ring_len -= 1;
            self.now = t;
            if head + 1 == bucket.len() {
                bucket.clear();
                self.heads[b] = 0;
                self.bits[b >> 6] &= !(1 << (b & 63));
                self.ring_min = self.scan_from(t);
            } else {
                self.heads[b] = (head + 1) as u32;
            }
            return Some((self.now(), event));
        }
        let Far { key, event } = self.far.pop()?;
        self.far_min = self.far.peek().map_or(u64::MAX, |f| (f.key >> 64) as u64);
        self.now = (key >> 64) as u64;
        Some((self.now(), event))
    }

    /// The event `k` places behind the next one in the earliest ring bucket, if there is one:
    /// a hint of what is coming (it need not be the (k+1)-th next event), so that a caller can
    /// start loading the state it will touch while it handles the current one.
    #[inline]
    pub fn ring_ahead(&self, k: usize) -> Option<E> {
        if self.ring_len == 0 {
            return None;
        }
        let b = (self.ring_min & self.mask) as usize;
        self.buckets[b].get(self.heads[b] as usize + k).copied()
    }

    /// The earliest ring time after `t` (whose bucket just emptied), by a bitmap scan.
    fn scan_from(&self, t: u64) -> u64 {
        if self.ring_len == 0 {
            return u64::MAX;
        }
        let start = ((t + 1) & self.mask) as usize;
        let words_mask = self.bits.len() - 1;
        let mut w = start >> 6;
        let mut word = self.bits[w] & (u64::MAX << (start & 63));
        for _ in 0..=self.bits.len() {
            if word != 0 {
                let pos = (w << 6) as u64 + u64::from(word.trailing_zeros());
                let offset = pos.wrapping_sub(start as u64) & self.mask;
                return t + 1 + offset;
            }
            w = (w + 1) & words_mask;
            word = self.bits[w];
        }
        debug_assert!(false, "ring_len > 0 but no bucket set");
        u64::MAX
    }

    /// Moves `now` forward to `t` (never back, never past a pending event).
    pub fn advance_to(&mut self, t: SimTime) {
        let t = t.as_ms().min(self.peek_ms());
        self.now = self.now.max(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sim_core::EventQueue;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Same pops as sim-core's heap queue for any interleaving of pushes (near, far, equal
        /// times) and pops.
        #[test]
        fn same_order_as_sim_core(ops in proptest::collection::vec((0u8..4, 0u64..3_000), 1..400)) {
            let mut a: BucketQueue<u32> = BucketQueue::new(10_000, 8);
            let mut b: EventQueue<u32> = EventQueue::new(10_000);
            for (i, (op, d)) in ops.into_iter().enumerate() {
                if op == 0 {
                    let x = a.pop();
                    let y = b.pop().map(|(k, e)| (k.time, e));
                    prop_assert_eq!(x, y);
                } else {
                    let delay = if op == 1 { d % 4 } else { d };
                    a.schedule_in(delay, i as u32).unwrap();
                    b.schedule_in(delay, i as u32).unwrap();
                }
                prop_assert_eq!(a.peek_ms(), b.peek_time().map_or(u64::MAX, |t| t.as_ms()));
            }
            while let Some(y) = b.pop() {
                prop_assert_eq!(a.pop(), Some((y.0.time, y.1)));
            }
            prop_assert!(a.pop().is_none());
        }
    }

    /// A heap event and a later-scheduled ring event at the same time pop heap first.
    #[test]
    fn equal_time_far_before_ring() {
        let mut q: BucketQueue<u8> = BucketQueue::new(10, 6);
        q.schedule_at(SimTime::from_ms(100), 1).unwrap();
        q.schedule_at(SimTime::from_ms(50), 0).unwrap();
        assert_eq!(q.pop(), Some((SimTime::from_ms(50), 0)));
        q.schedule_at(SimTime::from_ms(100), 2).unwrap();
        q.schedule_at(SimTime::from_ms(u64::MAX), 3).unwrap();
        assert_eq!(q.pop(), Some((SimTime::from_ms(100), 1)));
        assert_eq!(q.pop(), Some((SimTime::from_ms(100), 2)));
        assert_eq!(q.pop(), Some((SimTime::from_ms(u64::MAX), 3)));
        assert_eq!(q.pop(), None);
    }

    /// `ring_ahead` shows events of the earliest bucket behind the next one, and only those.
    #[test]
    fn ring_ahead_looks_into_the_next_bucket_only() {
        let mut q: BucketQueue<u8> = BucketQueue::new(10, 6);
        assert_eq!(q.ring_ahead(0), None);
        for (ms, e) in [(5, 1), (5, 2), (5, 3), (7, 4)] {
            q.schedule_in(ms, e).unwrap();
        }
        assert_eq!(q.ring_ahead(0), Some(1));
        assert_eq!(q.ring_ahead(2), Some(3));
        assert_eq!(q.ring_ahead(3), None);
        assert_eq!(q.pop(), Some((SimTime::from_ms(5), 1)));
        assert_eq!(q.ring_ahead(1), Some(3));
        q.pop();
        q.pop();
        assert_eq!(q.ring_ahead(0), Some(4));
    }

    #[test]
    fn limits_and_past() {
        let mut q: BucketQueue<u8> = BucketQueue::new(2, 8);
        q.schedule_at(SimTime::from_ms(5), 1).unwrap();
        q.schedule_at(SimTime::from_ms(1_000_000), 2).unwrap();
        assert!(matches!(
            q.schedule_at(SimTime::from_ms(6), 3),
            Err(ScheduleError::Full { .. })
        ));
        assert_eq!(q.pop(), Some((SimTime::from_ms(5), 1)));
        assert!(q.schedule_at(SimTime::from_ms(1), 3).is_err());
        q.advance_to(SimTime::from_ms(2_000_000));
        assert_eq!(q.now(), SimTime::from_ms(1_000_000));
        assert_eq!(q.pop(), Some((SimTime::from_ms(1_000_000), 2)));
    }
}
