//! Criterion benches of the foundation: event-queue throughput and the 60-year emission + vesting timeline.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use economics::{SupplyParams, SupplyTimeline};
use sim_core::{Domain, EventQueue, SimTime, Streams};
use std::hint::black_box;

/// Hold-model throughput: with `pending` events in the queue, pop one and push one at a random
/// future time, the classic steady-state measure of a discrete-event queue.
fn event_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue_hold");
    const OPS: u64 = 100_000;
    group.throughput(Throughput::Elements(OPS));
    for pending in [1_000_u64, 100_000] {
        group.bench_with_input(
            BenchmarkId::from_parameter(pending),
            &pending,
            |b, &pending| {
                let mut rng = Streams::new(1).stream(Domain("bench-queue"), 0);
                let mut q: EventQueue<u64> = EventQueue::new(1_000_000);
                for i in 0..pending {
                    q.schedule_at(SimTime::from_ms(rng.below(1_000_000)), i)
                        .unwrap();
                }
                b.iter(|| {
                    for _ in 0..OPS {
                        let (_, ev) = q.pop().unwrap();
                        q.schedule_in(rng.below(1_000_000), black_box(ev)).unwrap();
                    }
                });
            },
        );
    }
    group.finish();
}

/// 60 years (21,900 days) of emission + vesting with the ledger checked every day.
fn emission_60_years(c: &mut Criterion) {
    let mut group = c.benchmark_group("emission_vesting");
    group.throughput(Throughput::Elements(21_900));
    group.bench_function("60_years", |b| {
        b.iter(|| {
            let mut t = SupplyTimeline::new(SupplyParams::default()).unwrap();
            let mut last = None;
            for _ in 0..21_900 {
                last = Some(t.next_day().unwrap());
            }
            black_box(last)
        });
    });
    group.finish();
}

criterion_group!(benches, event_queue, emission_60_years);
criterion_main!(benches);
