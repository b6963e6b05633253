//! Every operation of the store, written once over [`Backend`]: each is an
//! ordinary function that opens a transaction, runs the backend's
//! statements and the rules of [`super::rules`], and ends it. A write
//! commits exactly when it changed something (or keeps an idempotency
//! answer); a refused write is dropped, which rolls it back.

use super::backend::{Answer, Backend, ReadTx, WriteTx};
use super::rules::{
    self, CheckPart, Decision, State, millis_before, new_order, next_number, prune_floor,
};
use super::{
    Created, EventsRead, IdempotencyKey, Outcome, PruneReport, StoreError, order_json, sql,
    station_filter,
};
use crate::config::Retention;
use kds_protocol::{
    CheckCreated, CheckDraft, Edit, Event, EventKind, EventsPage, Order, OrderDraft, RECENT_LIMIT,
    Snapshot, StationScope, StationStats, Timestamp,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Runs a write once more if it was refused as [`StoreError::Stale`]
/// (`SQLite`: begun from counters another connection to the file has moved
/// since). The store then knows no counters, so the second run reads them
/// under its write lock and is not refused again.
pub async fn retried<T, F>(mut write: impl FnMut() -> F) -> Result<T, StoreError>
where
    F: Future<Output = Result<T, StoreError>>,
{
    match write().await {
        Err(StoreError::Stale) => write().await,
        done => done,
    }
}

/// What an earlier request with the same key says, if there was one.
enum Replay<T> {
    /// The same request: its first answer.
    Answer(T),
    /// Another request under the same key.
    KeyReused,
}

async fn replay<T: DeserializeOwned>(
    tx: &mut impl WriteTx,
    key: Option<&IdempotencyKey>,
) -> Result<Option<Replay<T>>, StoreError> {
    let Some(key) = key else { return Ok(None) };
    let Some(answer) = tx.answer(&key.key).await? else {
        return Ok(None);
    };
    if answer.request != key.request {
        return Ok(Some(Replay::KeyReused));
    }
    let body = serde_json::from_str(&answer.response)
        .map_err(|err| StoreError::Corrupt(format!("kept answer: {err}")))?;
    Ok(Some(Replay::Answer(body)))
}

async fn keep<T: Serialize>(
    tx: &mut impl WriteTx,
    key: Option<&IdempotencyKey>,
    response: &T,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(key) = key else { return Ok(()) };
    let response = serde_json::to_string(response)
        .map_err(|err| StoreError::Corrupt(format!("answer: {err}")))?;
    let answer = Answer {
        request: key.request.clone(),
        response,
    };
    tx.keep_answer(key.scope, &key.key, &answer, now).await
}

/// Seqs for the events of one transaction, from the counters it holds.
struct Seqs(i64);

impl Seqs {
    fn after(state: State) -> Self {
        Self(state.last_seq)
    }

    fn next(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }
}

/// Writes a new order and its `created` event.
async fn insert(
    tx: &mut impl WriteTx,
    seqs: &mut Seqs,
    order: Order,
    now: Timestamp,
) -> Result<Event, StoreError> {
    let body = order_json(&order)?;
    let seq = seqs.next();
    tx.insert_order(&order, &body, seq).await?;
    tx.append_event(seq, EventKind::Created, &order, &body, now)
        .await?;
    Ok(Event {
        seq,
        kind: EventKind::Created,
        at: now,
        order,
    })
}

/// Creates one order with the next ticket number.
pub async fn create_order(
    backend: &impl Backend,
    draft: &OrderDraft,
    key: Option<&IdempotencyKey>,
    now: Timestamp,
) -> Result<Created<Order>, StoreError> {
    let mut tx = backend.write().await?;
    match replay(&mut tx, key).await? {
        Some(Replay::Answer(order)) => return Ok(Created::Replayed(order)),
        Some(Replay::KeyReused) => return Ok(Created::KeyReused),
        None => {}
    }
    let state = tx.state();
    let number = next_number(state.last_number);
    let mut seqs = Seqs::after(state);
    let event = insert(&mut tx, &mut seqs, new_order(draft, number, None, now), now).await?;
    tx.set_last_number(number).await?;
    keep(&mut tx, key, &event.order, now).await?;
    tx.commit().await?;
    Ok(Created::New(event.order.clone(), vec![event]))
}

/// Creates every part of a check in one transaction: one ticket number,
/// one `check_id`, one `created` event per part.
pub async fn create_check(
    backend: &impl Backend,
    check: &CheckDraft,
    key: Option<&IdempotencyKey>,
    now: Timestamp,
) -> Result<Created<CheckCreated>, StoreError> {
    let mut tx = backend.write().await?;
    match replay(&mut tx, key).await? {
        Some(Replay::Answer(answer)) => return Ok(Created::Replayed(answer)),
        Some(Replay::KeyReused) => return Ok(Created::KeyReused),
        None => {}
    }
    let state = tx.state();
    let number = next_number(state.last_number);
    let mut seqs = Seqs::after(state);
    let check_id = rules::new_id();
    let stations: Vec<_> = check.parts.iter().map(|p| p.station.clone()).collect();
    let mut events = Vec::with_capacity(check.parts.len());
    for part in &check.parts {
        let place = CheckPart {
            check_id: check_id.clone(),
            also_at: rules::also_at(&stations, &part.station),
        };
        let order = new_order(part, number, Some(place), now);
        events.push(insert(&mut tx, &mut seqs, order, now).await?);
    }
    tx.set_last_number(number).await?;
    let answer = CheckCreated {
        check_id,
        number,
        orders: events.iter().map(|e| e.order.clone()).collect(),
    };
    keep(&mut tx, key, &answer, now).await?;
    tx.commit().await?;
    Ok(Created::New(answer, events))
}

/// Applies one change to one order (see [`rules::apply`]).
pub async fn change(
    backend: &impl Backend,
    id: &str,
    edit: &Edit,
    key: Option<&IdempotencyKey>,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    let mut tx = backend.write().await?;
    match replay(&mut tx, key).await? {
        Some(Replay::Answer(order)) => return Ok(Outcome::Replayed(order)),
        Some(Replay::KeyReused) => return Ok(Outcome::KeyReused),
        None => {}
    }
    let Some(order) = tx.order(id).await? else {
        return Ok(Outcome::NotFound);
    };
    match rules::apply(order, edit, now) {
        Decision::Apply(order, kind) => {
            let body = order_json(&order)?;
            tx.update_order(&order, &body).await?;
            let seq = Seqs::after(tx.state()).next();
            tx.append_event(seq, kind, &order, &body, now).await?;
            keep(&mut tx, key, &order, now).await?;
            tx.commit().await?;
            Ok(Outcome::Changed(Event {
                seq,
                kind,
                at: now,
                order,
            }))
        }
        Decision::Same(order) => {
            // The answer is still kept so a repeat of the key gets the same.
            keep(&mut tx, key, &order, now).await?;
            tx.commit().await?;
            Ok(Outcome::Unchanged(order))
        }
        Decision::Refuse(refusal) => Ok(Outcome::Refused(refusal)),
    }
}

/// Drops events beyond `retention`, expired idempotency answers and
/// orders completed longer ago than `keep_completed`. A pruned order's
/// events and answers are all older than its completion, so they go with
/// it: nothing is kept longer than `keep_completed`.
pub async fn prune(
    backend: &impl Backend,
    retention: &Retention,
    now: Timestamp,
) -> Result<PruneReport, StoreError> {
    let mut tx = backend.write().await?;
    let state = tx.state();
    let kept = |age: Duration| millis_before(now, age.min(retention.keep_completed));
    let by_age = tx.newest_event_before(kept(retention.max_age)).await?;
    let floor = prune_floor(state, retention, by_age);
    let mut report = PruneReport {
        floor,
        ..PruneReport::default()
    };
    if floor > state.floor_seq {
        report.events = tx.drop_events_through(floor).await?;
    }
    report.keys = tx
        .drop_answers_before(kept(retention.idempotency_for))
        .await?;
    report.orders = tx
        .drop_completed_before(millis_before(now, retention.keep_completed))
        .await?;
    tx.commit().await?;
    Ok(report)
}

pub async fn order(backend: &impl Backend, id: &str) -> Result<Option<Order>, StoreError> {
    let mut tx = backend.read().await?;
    let order = tx.order(id).await?;
    tx.finish().await?;
    Ok(order)
}

/// Seq, open and recent orders, all from one snapshot.
pub async fn snapshot(
    backend: &impl Backend,
    scope: &StationScope,
) -> Result<Snapshot, StoreError> {
    let mut tx = backend.read().await?;
    let state = tx.state().await?;
    let station = station_filter(scope);
    let orders = tx.open_orders(station).await?;
    let recent = tx.recent_orders(station, RECENT_LIMIT).await?;
    tx.finish().await?;
    Ok(Snapshot {
        seq: state.last_seq,
        orders,
        recent,
    })
}

/// Events of `scope` after `since`; see [`super::Store::events`].
pub async fn events(
    backend: &impl Backend,
    scope: &StationScope,
    since: i64,
    limit: usize,
) -> Result<EventsRead, StoreError> {
    let mut tx = backend.read().await?;
    let state = tx.state().await?;
    if since < state.floor_seq || since > state.last_seq {
        return Ok(EventsRead::Gone);
    }
    let events = tx.events_after(station_filter(scope), since, limit).await?;
    tx.finish().await?;
    let seq = events.last().map_or(state.last_seq, |last| last.seq);
    Ok(EventsRead::Page(EventsPage { seq, events }))
}

pub async fn newest_seq(backend: &impl Backend) -> Result<i64, StoreError> {
    let mut tx = backend.read().await?;
    let state = tx.state().await?;
    tx.finish().await?;
    Ok(state.last_seq)
}

/// Speed of service of `scope` over the `window` before `now`.
pub async fn stats(
    backend: &impl Backend,
    scope: &StationScope,
    window: Duration,
    late_after: Duration,
    now: Timestamp,
) -> Result<StationStats, StoreError> {
    let station = station_filter(scope);
    let since = millis_before(now, window);
    let mut tx = backend.read().await?;
    let (completed, mean_ms) = tx.ready_summary(station, since).await?;
    let p90_ms = if completed == 0 {
        None
    } else {
        tx.ready_time_at_rank(station, since, sql::p90_rank(completed))
            .await?
    };
    let (open, late) = tx
        .open_counts(station, millis_before(now, late_after))
        .await?;
    tx.finish().await?;
    let seconds = |ms: f64| ms / 1000.0;
    Ok(StationStats {
        window_s: u32::try_from(window.as_secs()).unwrap_or(u32::MAX),
        completed,
        avg_ready_s: mean_ms.filter(|_| completed > 0).map(seconds),
        p90_ready_s: p90_ms.map(|ms| seconds(ms as f64)),
        open,
        late,
    })
}
