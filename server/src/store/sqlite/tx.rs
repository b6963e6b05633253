//! The statements of `SQLite` transactions (see [`super::super::backend`]).

use super::super::backend::{Answer, ReadTx, WriteTx};
use super::super::rules::State;
use super::super::{
    EventRow, StateRow, StoreError, events_of, kind_name, limit, orders_of, parse_order, sql,
};
use super::batch::Batch;
use kds_protocol::{Event, EventKind, Order, Timestamp};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Sqlite, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Orders of one millisecond keep the order they were created in by rowid.
pub(in super::super) const OPEN_ORDERS: &str = "SELECT body FROM orders
     WHERE status IN ('pending', 'preparing', 'ready') AND ($1 IS NULL OR station = $1)
     ORDER BY created_at, rowid";
pub(in super::super) const RECENT_ORDERS: &str = "SELECT body FROM orders
     WHERE status = 'completed' AND ($1 IS NULL OR station = $1)
     ORDER BY status_at DESC, rowid DESC LIMIT $2";

/// The single writer's transaction, begun `IMMEDIATE`. Its writes wait in
/// a [`Batch`] until a read or the commit needs them sent.
///
/// `BEGIN` and `COMMIT` are statements of its own batches rather than
/// sqlx's transaction calls, so that the begin travels with the counters'
/// read and the commit with the writes: a new order is two round trips to
/// the worker thread. A write dropped before its commit is rolled back by
/// the pool on the connection's way back (see [`super::SqliteStore::open`]).
pub struct SqliteWrite {
    conn: PoolConnection<Sqlite>,
    /// The store's flag for the pool: set from before `BEGIN` until the
    /// `COMMIT` has run.
    open: Arc<AtomicBool>,
    /// The counters as this transaction holds them.
    state: State,
    batch: Batch,
    /// Whether `state` moved since the counters row was last written.
    counters_moved: bool,
}

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

impl SqliteWrite {
    /// Begins on the writer's connection and reads the counters, in one call.
    pub(super) async fn begin(
        mut conn: PoolConnection<Sqlite>,
        open: Arc<AtomicBool>,
    ) -> Result<Self, StoreError> {
        // Before the BEGIN is sent: dropped anywhere after this, the write
        // is rolled back on release.
        open.store(true, Ordering::Release);
        let mut batch = Batch::default();
        batch.push("BEGIN IMMEDIATE");
        batch.push(sql::STATE);
        let (statements, args) = batch.take();
        let row: StateRow = sqlx::query_as_with(&statements, args)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Self {
            conn,
            open,
            state: row.into(),
            batch,
            counters_moved: false,
        })
    }

    /// Sends the writes held back, with one `UPDATE` of the counters for
    /// however many events and numbers they handed out.
    async fn flush(&mut self) -> Result<(), StoreError> {
        self.hold_counters()?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let (statements, args) = self.batch.take();
        sqlx::query_with(&statements, args)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// Adds the counters' `UPDATE` to the batch if they moved.
    fn hold_counters(&mut self) -> Result<(), StoreError> {
        if self.counters_moved {
            self.batch
                .push("UPDATE store_state SET last_seq = $1, last_number = $2 WHERE id = 1")
                .bind(self.state.last_seq)?
                .bind(self.state.last_number)?;
            self.counters_moved = false;
        }
        Ok(())
    }
}

impl WriteTx for SqliteWrite {
    fn state(&self) -> State {
        self.state
    }

    async fn order(&mut self, id: &str) -> Result<Option<Order>, StoreError> {
        self.flush().await?;
        order(&mut self.conn, id).await
    }

    /// Ties between orders of one millisecond are broken by rowid, so the
    /// creating seq is not stored.
    async fn insert_order(
        &mut self,
        order: &Order,
        body: &str,
        _created_seq: i64,
    ) -> Result<(), StoreError> {
        self.batch
            .push(
                "INSERT INTO orders
                     (id, station, status, created_at, status_at, check_id, ready_at, voided_at,
                      body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(order.id.clone())?
            .bind(order.station.as_str().to_owned())?
            .bind(order.status.as_str())?
            .bind(order.created_at.as_millis())?
            .bind(order.status_at.as_millis())?
            .bind(order.check_id.clone())?
            .bind(order.ready_at.map(Timestamp::as_millis))?
            .bind(order.voided_at.map(Timestamp::as_millis))?
            .bind(body.to_owned())?;
        Ok(())
    }

    async fn update_order(&mut self, order: &Order, body: &str) -> Result<(), StoreError> {
        self.batch
            .push(sql::UPDATE_ORDER)
            .bind(order.status.as_str())?
            .bind(order.status_at.as_millis())?
            .bind(order.ready_at.map(Timestamp::as_millis))?
            .bind(order.voided_at.map(Timestamp::as_millis))?
            .bind(body.to_owned())?
            .bind(order.id.clone())?;
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
        self.batch
            .push("INSERT INTO events (seq, station, kind, at, body) VALUES ($1, $2, $3, $4, $5)")
            .bind(seq)?
            .bind(order.station.as_str().to_owned())?
            .bind(kind_name(kind))?
            .bind(at.as_millis())?
            .bind(body.to_owned())?;
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
        self.flush().await?;
        Ok(sqlx::query_as(sql::ANSWER)
            .bind(key)
            .fetch_optional(&mut *self.conn)
            .await?)
    }

    async fn keep_answer(
        &mut self,
        scope: &str,
        key: &str,
        answer: &Answer,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.batch
            .push(sql::KEEP_ANSWER)
            .bind(scope.to_owned())?
            .bind(key.to_owned())?
            .bind(answer.request.clone())?
            .bind(answer.response.clone())?
            .bind(at.as_millis())?;
        Ok(())
    }

    async fn newest_event_before(&mut self, before: i64) -> Result<Option<i64>, StoreError> {
        self.flush().await?;
        Ok(sqlx::query_scalar(sql::NEWEST_EVENT_BEFORE)
            .bind(before)
            .fetch_one(&mut *self.conn)
            .await?)
    }

    /// The deletes are counted, so each is sent on its own.
    async fn drop_events_through(&mut self, floor: i64) -> Result<u64, StoreError> {
        self.flush().await?;
        let dropped = sqlx::query(sql::DROP_EVENTS_THROUGH)
            .bind(floor)
            .execute(&mut *self.conn)
            .await?
            .rows_affected();
        sqlx::query(sql::SET_FLOOR)
            .bind(floor)
            .execute(&mut *self.conn)
            .await?;
        self.state.floor_seq = floor;
        Ok(dropped)
    }

    async fn drop_answers_before(&mut self, before: i64) -> Result<u64, StoreError> {
        self.flush().await?;
        Ok(sqlx::query(sql::DROP_ANSWERS_BEFORE)
            .bind(before)
            .execute(&mut *self.conn)
            .await?
            .rows_affected())
    }

    async fn drop_completed_before(&mut self, before: i64) -> Result<u64, StoreError> {
        self.flush().await?;
        Ok(sqlx::query(sql::DROP_COMPLETED_BEFORE)
            .bind(before)
            .execute(&mut *self.conn)
            .await?
            .rows_affected())
    }

    /// The writes and `COMMIT` in one call; if a write fails, the
    /// statements after it (the `COMMIT` too) are not run.
    async fn commit(mut self) -> Result<(), StoreError> {
        // The counters' UPDATE before the COMMIT, not after it.
        self.hold_counters()?;
        self.batch.push("COMMIT");
        self.flush().await?;
        self.open.store(false, Ordering::Release);
        Ok(())
    }
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
