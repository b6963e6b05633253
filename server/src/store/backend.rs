//! What a backend must provide: transactions, and the statements run inside
//! them. Every operation of the store (create, change, snapshot, prune...)
//! is an ordinary function over these traits, written once in
//! [`super::ops`]; a backend only says how its database does each step.
//!
//! A write transaction holds the store's counters from the moment it
//! begins until it commits or is dropped (which rolls it back), so writers
//! of every instance take turns and seqs are handed out in commit order.
//! A read transaction sees one consistent snapshot in all its statements.

use super::StoreError;
use super::rules::State;
use kds_protocol::{Event, EventKind, Order, Timestamp};
use std::future::Future;

/// A place to keep orders: `SQLite` or `PostgreSQL`.
pub trait Backend: Send + Sync {
    type Write: WriteTx;
    type Read: ReadTx;

    /// Begins a write transaction that holds the counters (see the module
    /// comment); `SQLite` takes its single writer, `PostgreSQL` locks the
    /// counters row.
    fn write(&self) -> impl Future<Output = Result<Self::Write, StoreError>> + Send;

    /// Begins a read transaction on one consistent snapshot.
    fn read(&self) -> impl Future<Output = Result<Self::Read, StoreError>> + Send;
}

/// An earlier answer kept for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Answer {
    /// The request it answered, in canonical form.
    pub request: String,
    /// The answer's JSON body.
    pub response: String,
}

/// The statements of a write transaction. Every method runs inside it;
/// nothing is visible to others before [`WriteTx::commit`].
pub trait WriteTx: Send {
    /// The counters as the transaction holds them: as they stood when it
    /// began, moved on by its own events and ticket numbers.
    fn state(&self) -> State;

    fn order(&mut self, id: &str)
    -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Stores a new order; `body` is its JSON, `created_seq` the seq of the
    /// event that creates it.
    fn insert_order(
        &mut self,
        order: &Order,
        body: &str,
        created_seq: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces an order with its changed state.
    fn update_order(
        &mut self,
        order: &Order,
        body: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends the event of a change as `seq` and moves the counter to it.
    fn append_event(
        &mut self,
        seq: i64,
        kind: EventKind,
        order: &Order,
        body: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records the last ticket number handed out.
    fn set_last_number(
        &mut self,
        number: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The answer kept for `key`, if any, whatever kind of request it answered.
    fn answer(
        &mut self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Answer>, StoreError>> + Send;

    /// Keeps the answer to a request that carried a key.
    fn keep_answer(
        &mut self,
        scope: &str,
        key: &str,
        answer: &Answer,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest seq of an event older than `before` (Unix ms).
    fn newest_event_before(
        &mut self,
        before: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// Deletes the events up to `floor` and records the new floor; returns
    /// how many went.
    fn drop_events_through(
        &mut self,
        floor: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes the idempotency answers kept since before `before`.
    fn drop_answers_before(
        &mut self,
        before: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes the orders completed before `before`.
    fn drop_completed_before(
        &mut self,
        before: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    fn commit(self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The statements of a read transaction.
pub trait ReadTx: Send {
    /// The counters as this snapshot sees them.
    fn state(&mut self) -> impl Future<Output = Result<State, StoreError>> + Send;

    fn order(&mut self, id: &str)
    -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Orders not completed, oldest first (`station` `None`: every station).
    fn open_orders(
        &mut self,
        station: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Order>, StoreError>> + Send;

    /// The last `limit` completed orders, newest first.
    fn recent_orders(
        &mut self,
        station: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Order>, StoreError>> + Send;

    /// Events with seq > `since`, ascending, at most `limit`.
    fn events_after(
        &mut self,
        station: Option<&str>,
        since: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// How many orders, not voided, entered ready at or after `since` (Unix
    /// ms), and their mean ticket time (creation to ready) in ms.
    fn ready_summary(
        &mut self,
        station: Option<&str>,
        since: i64,
    ) -> impl Future<Output = Result<(u64, Option<f64>), StoreError>> + Send;

    /// The ticket time in ms of rank `rank` (from 0, shortest first) among
    /// the same orders.
    fn ready_time_at_rank(
        &mut self,
        station: Option<&str>,
        since: i64,
        rank: u64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// How many orders are open (not completed, not voided), and how many
    /// of them were created before `late_before` (Unix ms).
    fn open_counts(
        &mut self,
        station: Option<&str>,
        late_before: i64,
    ) -> impl Future<Output = Result<(u64, u64), StoreError>> + Send;

    /// Ends the read.
    fn finish(self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
