//! The statements of `PostgreSQL` transactions (see [`super::super::backend`]).

use super::super::backend::{Answer, ReadTx, WriteTx};
use super::super::rules::State;
use super::super::{
    EventRow, StateRow, StoreError, events_of, kind_name, limit, orders_of, parse_order, sql,
};
use super::COMMITS_CHANNEL;
use kds_protocol::{Event, EventKind, Order, Timestamp};
use sqlx::{Postgres, Transaction};

/// There is no rowid: orders of one millisecond keep the order they were
/// created in by `created_seq`.
const OPEN_ORDERS: &str = "SELECT body FROM orders
     WHERE status IN ('pending', 'preparing', 'ready')
       AND ($1::text IS NULL OR station = $1)
     ORDER BY created_at, created_seq";
const RECENT_ORDERS: &str = "SELECT body FROM orders
     WHERE status = 'completed' AND ($1::text IS NULL OR station = $1)
     ORDER BY status_at DESC, created_seq DESC LIMIT $2";

/// A writer's transaction, holding the counters row (see `LOCK_STATE`).
pub struct PgWrite {
    pub(super) tx: Transaction<'static, Postgres>,
    pub(super) state: State,
}

/// A repeatable-read transaction: one snapshot for all its statements.
pub struct PgRead {
    pub(super) tx: Transaction<'static, Postgres>,
}

pub(super) async fn state(tx: &mut Transaction<'static, Postgres>) -> Result<State, StoreError> {
    let row: StateRow = sqlx::query_as(sql::STATE).fetch_one(&mut **tx).await?;
    Ok(row.into())
}

async fn order(
    tx: &mut Transaction<'static, Postgres>,
    id: &str,
) -> Result<Option<Order>, StoreError> {
    let body: Option<String> = sqlx::query_scalar(sql::ORDER)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    body.as_deref().map(parse_order).transpose()
}

impl WriteTx for PgWrite {
    fn state(&self) -> State {
        self.state
    }

    async fn order(&mut self, id: &str) -> Result<Option<Order>, StoreError> {
        order(&mut self.tx, id).await
    }

    /// Stores the seq of the order's creation, to break ties between orders
    /// of one millisecond (`SQLite` has the rowid for that).
    async fn insert_order(
        &mut self,
        order: &Order,
        body: &str,
        created_seq: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO orders (id, station, status, created_at, status_at, check_id,
                                 ready_at, voided_at, body, created_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&order.id)
        .bind(order.station.as_str())
        .bind(order.status.as_str())
        .bind(order.created_at.as_millis())
        .bind(order.status_at.as_millis())
        .bind(order.check_id.as_deref())
        .bind(order.ready_at.map(Timestamp::as_millis))
        .bind(order.voided_at.map(Timestamp::as_millis))
        .bind(body)
        .bind(created_seq)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn update_order(&mut self, order: &Order, body: &str) -> Result<(), StoreError> {
        sqlx::query(sql::UPDATE_ORDER)
            .bind(order.status.as_str())
            .bind(order.status_at.as_millis())
            .bind(order.ready_at.map(Timestamp::as_millis))
            .bind(order.voided_at.map(Timestamp::as_millis))
            .bind(body)
            .bind(&order.id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Appends the event, moves the counter and queues the notification,
    /// which `PostgreSQL` delivers to every listener only once the
    /// transaction commits (and never if it rolls back).
    async fn append_event(
        &mut self,
        seq: i64,
        kind: EventKind,
        order: &Order,
        body: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        // One round trip: data-modifying CTEs all run, whatever the SELECT reads.
        sqlx::query(
            "WITH appended AS (
                 INSERT INTO events (seq, station, kind, at, body) VALUES ($1, $2, $3, $4, $5)
             ), counted AS (
                 UPDATE store_state SET last_seq = $1 WHERE id = 1
             )
             SELECT pg_notify($6, $1::text)",
        )
        .bind(seq)
        .bind(order.station.as_str())
        .bind(kind_name(kind))
        .bind(at.as_millis())
        .bind(body)
        .bind(COMMITS_CHANNEL)
        .execute(&mut *self.tx)
        .await?;
        self.state.last_seq = seq;
        Ok(())
    }

    async fn set_last_number(&mut self, number: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE store_state SET last_number = $1 WHERE id = 1")
            .bind(number)
            .execute(&mut *self.tx)
            .await?;
        self.state.last_number = number;
        Ok(())
    }

    async fn answer(&mut self, key: &str) -> Result<Option<Answer>, StoreError> {
        Ok(sqlx::query_as(sql::ANSWER)
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    async fn keep_answer(
        &mut self,
        scope: &str,
        key: &str,
        answer: &Answer,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::KEEP_ANSWER)
            .bind(scope)
            .bind(key)
            .bind(&answer.request)
            .bind(&answer.response)
            .bind(at.as_millis())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn newest_event_before(&mut self, before: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(sql::NEWEST_EVENT_BEFORE)
            .bind(before)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    async fn drop_events_through(&mut self, floor: i64) -> Result<u64, StoreError> {
        let dropped = sqlx::query(sql::DROP_EVENTS_THROUGH)
            .bind(floor)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        sqlx::query(sql::SET_FLOOR)
            .bind(floor)
            .execute(&mut *self.tx)
            .await?;
        self.state.floor_seq = floor;
        Ok(dropped)
    }

    async fn drop_answers_before(&mut self, before: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql::DROP_ANSWERS_BEFORE)
            .bind(before)
            .execute(&mut *self.tx)
            .await?
            .rows_affected())
    }

    async fn drop_completed_before(&mut self, before: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql::DROP_COMPLETED_BEFORE)
            .bind(before)
            .execute(&mut *self.tx)
            .await?
            .rows_affected())
    }

    async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}

impl ReadTx for PgRead {
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
