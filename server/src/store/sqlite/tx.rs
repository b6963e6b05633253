//! The statements of `SQLite` transactions (see [`super::super::backend`]).

use super::super::backend::{Answer, ReadTx, WriteTx};
use super::super::rules::State;
use super::super::{
    EventRow, StateRow, StoreError, events_of, kind_name, limit, orders_of, parse_order, sql,
};
use super::batch::{Batch, execute};
use super::writer::{Turn, Writer};
use kds_protocol::{Event, EventKind, Order, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use sqlx::sqlite::SqliteConnection;
use sqlx::{Sqlite, Transaction};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Orders of one millisecond keep the order they were created in by rowid.
pub(in super::super) const OPEN_ORDERS: &str = "SELECT body FROM orders
     WHERE status IN ('pending', 'preparing', 'ready') AND ($1 IS NULL OR station = $1)
     ORDER BY created_at, rowid";
pub(in super::super) const RECENT_ORDERS: &str = "SELECT body FROM orders
     WHERE status = 'completed' AND ($1 IS NULL OR station = $1)
     ORDER BY status_at DESC, rowid DESC LIMIT $2";

const INSERT_ORDER: &str = "INSERT INTO orders
     (id, station, status, created_at, status_at, check_id, ready_at, voided_at, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const APPEND_EVENT: &str =
    "INSERT INTO events (seq, station, kind, at, body) VALUES ($1, $2, $3, $4, $5)";
const SET_COUNTERS: &str = "UPDATE store_state SET last_seq = $1, last_number = $2 WHERE id = 1";

/// Every statement the writer runs, for the test of their parameters.
#[cfg(test)]
pub(super) const WRITER_STATEMENTS: [&str; 14] = [
    "BEGIN IMMEDIATE",
    sql::STATE,
    sql::ORDER,
    INSERT_ORDER,
    sql::UPDATE_ORDER,
    APPEND_EVENT,
    SET_COUNTERS,
    sql::ANSWER,
    sql::KEEP_ANSWER,
    sql::NEWEST_EVENT_BEFORE,
    sql::DROP_EVENTS_THROUGH,
    sql::SET_FLOOR,
    sql::DROP_ANSWERS_BEFORE,
    sql::DROP_COMPLETED_BEFORE,
];

/// The single writer's transaction, begun `IMMEDIATE` on the writer's
/// thread. Its writes wait in a [`Batch`] until a read or the commit needs
/// them sent, and go in the same job.
///
/// The counters the last commit left are kept ([`Known`]), so a write
/// starts from them without a round trip and sends its `BEGIN` with its
/// first job: a new order is one round trip to the thread, the `BEGIN`,
/// the writes and the `COMMIT`. That job first reads the counters again
/// under the write lock; if another connection to the file moved them
/// meanwhile, it refuses ([`StoreError::Stale`]) before it writes anything
/// and the write is run again from what it reads ([`super::super::ops`]).
pub struct SqliteWrite {
    /// Held until dropped: no other write runs meanwhile.
    turn: Turn,
    /// Set once a job with the `BEGIN` is sent, until the `COMMIT` has run:
    /// dropped while set, the write is rolled back.
    open: bool,
    /// The known counters this write started from, until the `BEGIN` that
    /// checks them is sent.
    unchecked: Option<State>,
    /// The counters as this transaction holds them.
    state: State,
    batch: Batch,
    /// Whether `state` moved since the counters row was last written.
    counters_moved: bool,
    known: Known,
}

/// The counters as this process's last commit left them; `None` at first
/// and after a write that did not commit, until a write reads them again.
pub(super) type Known = Arc<Mutex<Option<State>>>;

/// A read on one WAL snapshot.
pub struct SqliteRead {
    pub(super) tx: Transaction<'static, Sqlite>,
}

async fn state(conn: &mut SqliteConnection) -> Result<State, StoreError> {
    let row: StateRow = sqlx::query_as(sql::STATE).fetch_one(conn).await?;
    Ok(row.into())
}

async fn order(conn: &mut SqliteConnection, id: &str) -> Result<Option<Order>, StoreError> {
    let body: Option<String> = sqlx::query_scalar(sql::ORDER)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    body.as_deref().map(parse_order).transpose()
}

/// Begins, and reads the counters under the write lock.
fn begin_and_read(conn: &Connection) -> rusqlite::Result<State> {
    execute(conn, "BEGIN IMMEDIATE", &[])?;
    read_state(conn)
}

fn read_state(conn: &Connection) -> rusqlite::Result<State> {
    conn.prepare_cached(sql::STATE)?.query_row([], |row| {
        Ok(State {
            last_seq: row.get(0)?,
            floor_seq: row.get(1)?,
            last_number: row.get(2)?,
        })
    })
}

impl SqliteWrite {
    /// Waits for the writer's turn. With the counters known, that is all;
    /// else it begins and reads them, in one job.
    pub(super) async fn begin(writer: &Writer, known: &Known) -> Result<Self, StoreError> {
        let turn = writer.turn().await?;
        // Read inside the turn: the last commit set it before giving its
        // turn up.
        let state = *lock(known);
        let mut write = Self {
            turn,
            open: false,
            unchecked: state,
            state: state.unwrap_or(State {
                last_seq: 0,
                floor_seq: 0,
                last_number: 0,
            }),
            batch: Batch::default(),
            counters_moved: false,
            known: known.clone(),
        };
        if state.is_none() {
            write.open = true;
            write.state = write.turn.call(|conn| begin_and_read(conn)).await?;
        }
        Ok(write)
    }

    /// Sends the writes held back, then runs `then` after them, in one job
    /// (with the `BEGIN` first if it is not sent yet).
    async fn after_writes<T, F>(&mut self, then: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.hold_counters();
        let writes = self.batch.take();
        let begin = self.unchecked.take();
        // Dropped anywhere after this, the write is rolled back.
        self.open = true;
        let answer = self
            .turn
            .call(move |conn| {
                // Moved since this process's last commit: somebody else
                // wrote.
                if let Some(known) = begin
                    && begin_and_read(conn)? != known
                {
                    return Ok(None);
                }
                writes.run(conn)?;
                then(conn).map(Some)
            })
            .await?;
        answer.ok_or(StoreError::Stale)
    }

    /// A statement's count of changed rows, after the writes held back.
    async fn count(&mut self, statement: &'static str, arg: i64) -> Result<u64, StoreError> {
        let changed = self
            .after_writes(move |conn| execute(conn, statement, &[arg.into()]))
            .await?;
        Ok(changed as u64)
    }

    /// Adds the counters' `UPDATE` to the batch if they moved: one for
    /// however many events and numbers the transaction handed out.
    fn hold_counters(&mut self) {
        if self.counters_moved {
            self.batch.push(
                SET_COUNTERS,
                [self.state.last_seq.into(), self.state.last_number.into()],
            );
            self.counters_moved = false;
        }
    }
}

impl Drop for SqliteWrite {
    /// Queued before the turn is given up, so the next write's `BEGIN`
    /// comes after it. A write refused, failed (a full disk) or given up
    /// (its request gone) leaves nothing behind.
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // Whatever it left, the next write reads the counters afresh.
        *lock(&self.known) = None;
        let queued = self.turn.send(|conn| {
            // SQLite may have rolled back already (a full disk, an I/O
            // error); a BEGIN given up before it ran opened nothing.
            if !conn.is_autocommit()
                && let Err(err) = conn.execute_batch("ROLLBACK")
            {
                tracing::error!(%err, "rolling back a write that did not commit");
            }
        });
        if let Err(err) = queued {
            tracing::error!(%err, "rolling back a write that did not commit");
        }
    }
}

impl WriteTx for SqliteWrite {
    fn state(&self) -> State {
        self.state
    }

    async fn order(&mut self, id: &str) -> Result<Option<Order>, StoreError> {
        let id = id.to_owned();
        let body: Option<String> = self
            .after_writes(move |conn| {
                conn.prepare_cached(sql::ORDER)?
                    .query_row([id], |row| row.get(0))
                    .optional()
            })
            .await?;
        body.as_deref().map(parse_order).transpose()
    }

    /// Ties between orders of one millisecond are broken by rowid, so the
    /// creating seq is not stored.
    async fn insert_order(
        &mut self,
        order: &Order,
        body: &str,
        _created_seq: i64,
    ) -> Result<(), StoreError> {
        self.batch.push(
            INSERT_ORDER,
            [
                order.id.clone().into(),
                order.station.as_str().to_owned().into(),
                order.status.as_str().to_owned().into(),
                order.created_at.as_millis().into(),
                order.status_at.as_millis().into(),
                order.check_id.clone().into(),
                order.ready_at.map(Timestamp::as_millis).into(),
                order.voided_at.map(Timestamp::as_millis).into(),
                body.to_owned().into(),
            ],
        );
        Ok(())
    }

    async fn update_order(&mut self, order: &Order, body: &str) -> Result<(), StoreError> {
        self.batch.push(
            sql::UPDATE_ORDER,
            [
                order.status.as_str().to_owned().into(),
                order.status_at.as_millis().into(),
                order.ready_at.map(Timestamp::as_millis).into(),
                order.voided_at.map(Timestamp::as_millis).into(),
                body.to_owned().into(),
                order.id.clone().into(),
            ],
        );
        Ok(())
    }

    /// Inside the single writer's transaction, so seqs are in commit order.
    async fn append_event(
        &mut self,
        seq: i64,
        kind: EventKind,
        order: &Order,
        body: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.batch.push(
            APPEND_EVENT,
            [
                seq.into(),
                order.station.as_str().to_owned().into(),
                kind_name(kind).to_owned().into(),
                at.as_millis().into(),
                body.to_owned().into(),
            ],
        );
        self.state.last_seq = seq;
        self.counters_moved = true;
        Ok(())
    }

    async fn set_last_number(&mut self, number: i64) -> Result<(), StoreError> {
        self.state.last_number = number;
        self.counters_moved = true;
        Ok(())
    }

    async fn answer(&mut self, key: &str) -> Result<Option<Answer>, StoreError> {
        let key = key.to_owned();
        self.after_writes(move |conn| {
            conn.prepare_cached(sql::ANSWER)?
                .query_row([key], |row| {
                    Ok(Answer {
                        request: row.get(0)?,
                        response: row.get(1)?,
                    })
                })
                .optional()
        })
        .await
    }

    async fn keep_answer(
        &mut self,
        scope: &str,
        key: &str,
        answer: &Answer,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.batch.push(
            sql::KEEP_ANSWER,
            [
                scope.to_owned().into(),
                key.to_owned().into(),
                answer.request.clone().into(),
                answer.response.clone().into(),
                at.as_millis().into(),
            ],
        );
        Ok(())
    }

    async fn newest_event_before(&mut self, before: i64) -> Result<Option<i64>, StoreError> {
        self.after_writes(move |conn| {
            conn.prepare_cached(sql::NEWEST_EVENT_BEFORE)?
                .query_row([before], |row| row.get(0))
        })
        .await
    }

    async fn drop_events_through(&mut self, floor: i64) -> Result<u64, StoreError> {
        let dropped = self.count(sql::DROP_EVENTS_THROUGH, floor).await?;
        self.batch.push(sql::SET_FLOOR, [floor.into()]);
        self.state.floor_seq = floor;
        Ok(dropped)
    }

    async fn drop_answers_before(&mut self, before: i64) -> Result<u64, StoreError> {
        self.count(sql::DROP_ANSWERS_BEFORE, before).await
    }

    async fn drop_completed_before(&mut self, before: i64) -> Result<u64, StoreError> {
        self.count(sql::DROP_COMPLETED_BEFORE, before).await
    }

    /// The writes and `COMMIT` in one job; if a write fails, the
    /// statements after it (the `COMMIT` too) are not run, and the drop
    /// rolls back.
    async fn commit(mut self) -> Result<(), StoreError> {
        self.hold_counters();
        self.batch.push("COMMIT", []);
        self.after_writes(|_| Ok(())).await?;
        self.open = false;
        *lock(&self.known) = Some(self.state);
        Ok(())
    }
}

/// A panic while it was held cannot leave an `Option<State>` half
/// written: the value is good.
fn lock(known: &Known) -> MutexGuard<'_, Option<State>> {
    known.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ReadTx for SqliteRead {
    async fn state(&mut self) -> Result<State, StoreError> {
        state(&mut self.tx).await
    }

    async fn order(&mut self, id: &str) -> Result<Option<Order>, StoreError> {
        order(&mut self.tx, id).await
    }

    async fn open_orders(&mut self, station: Option<&str>) -> Result<Vec<Order>, StoreError> {
        let bodies: Vec<String> = sqlx::query_scalar(OPEN_ORDERS)
            .bind(station)
            .fetch_all(&mut *self.tx)
            .await?;
        orders_of(&bodies)
    }

    async fn recent_orders(
        &mut self,
        station: Option<&str>,
        count: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let bodies: Vec<String> = sqlx::query_scalar(RECENT_ORDERS)
            .bind(station)
            .bind(limit(count))
            .fetch_all(&mut *self.tx)
            .await?;
        orders_of(&bodies)
    }

    async fn events_after(
        &mut self,
        station: Option<&str>,
        since: i64,
        count: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<EventRow> = sqlx::query_as(sql::EVENTS_AFTER)
            .bind(since)
            .bind(station)
            .bind(limit(count))
            .fetch_all(&mut *self.tx)
            .await?;
        events_of(rows)
    }

    async fn ready_summary(
        &mut self,
        station: Option<&str>,
        since: i64,
    ) -> Result<(u64, Option<f64>), StoreError> {
        let (n, mean): (i64, Option<f64>) = sqlx::query_as(sql::READY_TIMES)
            .bind(since)
            .bind(station)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok((n.max(0) as u64, mean))
    }

    async fn ready_time_at_rank(
        &mut self,
        station: Option<&str>,
        since: i64,
        rank: u64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(sql::READY_TIME_AT_RANK)
            .bind(since)
            .bind(station)
            .bind(i64::try_from(rank).unwrap_or(i64::MAX))
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    async fn open_counts(
        &mut self,
        station: Option<&str>,
        late_before: i64,
    ) -> Result<(u64, u64), StoreError> {
        let (open, late): (i64, i64) = sqlx::query_as(sql::OPEN_COUNTS)
            .bind(late_before)
            .bind(station)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok((open.max(0) as u64, late.max(0) as u64))
    }

    async fn finish(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
