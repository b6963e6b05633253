//! Applying events to the client model: `cargo bench --bench model`.
//!
//! 1,000 events of a lunch rush (a new order every third event, bumps
//! otherwise) on top of a board of 50 active orders, as the WebSocket
//! delivers them: one event per message (each followed by the model's
//! rebuild), and as one replay batch after a reconnect. And the expo's
//! work for one bump: 200 open orders in 60 checks, one part moved, the
//! cards of every check built again.

mod support;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kds::msg::Msg;
use kds::update::update;
use std::hint::black_box;

const EVENTS: usize = 1_000;
const BOARD: usize = 50;

fn apply_events(c: &mut Criterion) {
    let start = support::board(BOARD);
    let rush = support::rush(&start, BOARD as i64 + 1, EVENTS);
    let base = support::loaded(BOARD, 200, 50);

    let mut group = c.benchmark_group("model");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("apply_1000_events_one_per_message", |b| {
        b.iter_batched(
            || {
                let messages: Vec<Msg> = rush
                    .iter()
                    .map(|e| support::events(vec![e.clone()]))
                    .collect();
                (base.clone(), messages)
            },
            |(mut model, messages)| {
                for msg in messages {
                    black_box(update(&mut model, msg));
                }
                model
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("apply_1000_events_one_batch", |b| {
        b.iter_batched(
            || (base.clone(), support::events(rush.clone())),
            |(mut model, msg)| {
                black_box(update(&mut model, msg));
                model
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn expo_bump(c: &mut Criterion) {
    let base = support::expo(200, 60, 200, 50);
    let first = base
        .column(kds::model::Column::Pending)
        .first()
        .and_then(|ticket| base.order(&ticket.parts.first()?.order_id))
        .expect("the expo shows pending parts")
        .clone();
    let event = kds_protocol::Event {
        seq: 201,
        kind: kds_protocol::EventKind::StatusChanged,
        at: support::at(0),
        order: support::advanced(&first, 0),
    };
    let mut group = c.benchmark_group("model");
    group.bench_function("expo_one_bump_200_orders_60_checks", |b| {
        b.iter_batched(
            || (base.clone(), support::events(vec![event.clone()])),
            |(mut model, msg)| {
                black_box(update(&mut model, msg));
                model
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, apply_events, expo_bump);
criterion_main!(benches);
