//! The shared store: `PostgreSQL`, for several server instances serving one
//! kitchen group behind a load balancer.
//!
//! Same tables and semantics as the `SQLite` store. Writers of every
//! instance take turns on the counters row (see [`steps::lock_state`] for
//! why that makes seqs visible in commit order), and each commit sends a
//! notification that wakes the feeds of all instances ([`listen`]). Reads
//! that must agree with themselves (snapshot, events page) run in one
//! repeatable-read transaction.

mod listen;
mod steps;

use super::rules::{Move, State, decide_move, millis_before, new_order, next_number, prune_floor};
use super::{
    EventsRead, IdempotencyKey, Outcome, PruneReport, StoreError, order_json, parse_kind,
    parse_order, station_filter,
};
use crate::config::Retention;
use kds_protocol::{
    Event, EventKind, EventsPage, Order, OrderDraft, RECENT_LIMIT, Snapshot, StationScope,
    StatusMove, Timestamp,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Connection, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
use steps::{append_event, load_order, lock_state, remember, replay, state};

/// The channel every commit notifies; channels are per database, so
/// instances on one database hear each other and no one else.
const COMMITS_CHANNEL: &str = "kds_events";
/// Connections per instance for requests, the tailer and the pruner. Kept
/// small: many instances share the server's `max_connections`.
const CONNECTIONS: u32 = 6;
/// How long a request waits for a connection (or to open one) before 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Per-session settings. A writer waiting for the counters row gives up
/// (503) rather than hang behind a stuck one, and a session left idle in a
/// transaction (an instance cut off mid-write) cannot hold the row forever.
const SESSION_SETTINGS: [(&str, &str); 2] = [
    ("lock_timeout", "10s"),
    ("idle_in_transaction_session_timeout", "60s"),
];
/// Repeatable read: every statement of the transaction sees one snapshot.
const CONSISTENT_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// One connection of its own for LISTEN, so it never takes a request's.
    listen_pool: PgPool,
}

impl PgStore {
    /// Connects and runs the migrations. `sqlx` holds an advisory lock while
    /// it migrates, so instances that start together take turns and each
    /// migration runs exactly once.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("kds-server")
            .options(SESSION_SETTINGS);
        // A connection of its own: if a migration fails, the session (and
        // the advisory lock it may still hold) ends here, not in the pool.
        let mut conn = options.connect().await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&mut conn)
            .await?;
        conn.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        Ok(Self { pool, listen_pool })
    }

    pub async fn close(&self) {
        self.listen_pool.close().await;
        self.pool.close().await;
    }

    /// A write transaction with the counters row locked.
    async fn write(&self) -> Result<(Transaction<'static, Postgres>, State), StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = lock_state(&mut tx).await?;
        Ok((tx, state))
    }

    pub async fn create_order(
        &self,
        draft: &OrderDraft,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let (mut tx, state) = self.write().await?;
        if let Some(done) = replay(&mut tx, key).await? {
            return Ok(done);
        }
        let number = next_number(state.last_number);
        let order = new_order(draft, number, now);
        let body = order_json(&order)?;
        sqlx::query(
            "INSERT INTO orders (id, station, status, created_at, status_at, created_seq, body)
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(&order.id)
        .bind(order.station.as_str())
        .bind(order.status.as_str())
        .bind(now.as_millis())
        // The seq `append_event` is about to take.
        .bind(state.last_seq + 1)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE store_state SET last_number = $1 WHERE id = 1")
            .bind(number)
            .execute(&mut *tx)
            .await?;
        let event = append_event(&mut tx, &state, EventKind::Created, order, &body, now).await?;
        remember(&mut tx, key, &body, now).await?;
        tx.commit().await?;
        Ok(Outcome::Changed(event))
    }

    pub async fn move_status(
        &self,
        id: &str,
        change: StatusMove,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let (mut tx, state) = self.write().await?;
        if let Some(done) = replay(&mut tx, key).await? {
            return Ok(done);
        }
        let Some(order) = load_order(&mut tx, id).await? else {
            return Ok(Outcome::NotFound);
        };
        let order = match decide_move(order, change, now) {
            Move::Apply(order) => order,
            Move::Refuse(outcome) => return Ok(outcome),
            Move::Same(order) => {
                // The answer is still kept so a repeat of the key gets the same.
                remember(&mut tx, key, &order_json(&order)?, now).await?;
                tx.commit().await?;
                return Ok(Outcome::Unchanged(order));
            }
        };
        let body = order_json(&order)?;
        sqlx::query("UPDATE orders SET status = $1, status_at = $2, body = $3 WHERE id = $4")
            .bind(order.status.as_str())
            .bind(now.as_millis())
            .bind(&body)
            .bind(&order.id)
            .execute(&mut *tx)
            .await?;
        let event =
            append_event(&mut tx, &state, EventKind::StatusChanged, order, &body, now).await?;
        remember(&mut tx, key, &body, now).await?;
        tx.commit().await?;
        Ok(Outcome::Changed(event))
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_order(&mut conn, id).await
    }

    pub async fn snapshot(&self, scope: &StationScope) -> Result<Snapshot, StoreError> {
        let mut tx = self.pool.begin_with(CONSISTENT_READ).await?;
        let state = state(&mut tx).await?;
        let station = station_filter(scope);
        let orders = sqlx::query(
            "SELECT body FROM orders
             WHERE status IN ('pending', 'preparing', 'ready')
               AND ($1::text IS NULL OR station = $1)
             ORDER BY created_at, created_seq",
        )
        .bind(station)
        .fetch_all(&mut *tx)
        .await?;
        let recent = sqlx::query(
            "SELECT body FROM orders
             WHERE status = 'completed' AND ($1::text IS NULL OR station = $1)
             ORDER BY status_at DESC, created_seq DESC LIMIT $2",
        )
        .bind(station)
        .bind(RECENT_LIMIT as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Snapshot {
            seq: state.last_seq,
            orders: bodies(&orders)?,
            recent: bodies(&recent)?,
        })
    }

    pub async fn events(
        &self,
        scope: &StationScope,
        since: i64,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        let mut tx = self.pool.begin_with(CONSISTENT_READ).await?;
        let state = state(&mut tx).await?;
        if since < state.floor_seq || since > state.last_seq {
            return Ok(EventsRead::Gone);
        }
        let rows = sqlx::query(
            "SELECT seq, kind, at, body FROM events
             WHERE seq > $1 AND ($2::text IS NULL OR station = $2)
             ORDER BY seq LIMIT $3",
        )
        .bind(since)
        .bind(station_filter(scope))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let events = rows.iter().map(event).collect::<Result<Vec<_>, _>>()?;
        let seq = events.last().map_or(state.last_seq, |last| last.seq);
        Ok(EventsRead::Page(EventsPage { seq, events }))
    }

    pub async fn newest_seq(&self) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(state(&mut conn).await?.last_seq)
    }

    /// Every instance runs a pruner; they take turns on the counters row
    /// like writers, so two passes never race over the floor.
    pub async fn prune(
        &self,
        retention: &Retention,
        now: Timestamp,
    ) -> Result<PruneReport, StoreError> {
        let (mut tx, state) = self.write().await?;
        let by_age: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE at < $1")
            .bind(millis_before(now, retention.max_age))
            .fetch_one(&mut *tx)
            .await?;
        let floor = prune_floor(state, retention, by_age);
        let mut report = PruneReport {
            floor,
            ..PruneReport::default()
        };
        if floor > state.floor_seq {
            report.events = sqlx::query("DELETE FROM events WHERE seq <= $1")
                .bind(floor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("UPDATE store_state SET floor_seq = $1 WHERE id = 1")
                .bind(floor)
                .execute(&mut *tx)
                .await?;
        }
        report.keys = sqlx::query("DELETE FROM idempotency WHERE created_at < $1")
            .bind(millis_before(now, retention.idempotency_for))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(report)
    }
}

fn bodies(rows: &[PgRow]) -> Result<Vec<Order>, StoreError> {
    rows.iter()
        .map(|row| parse_order(row.try_get("body")?))
        .collect()
}

fn event(row: &PgRow) -> Result<Event, StoreError> {
    Ok(Event {
        seq: row.try_get("seq")?,
        kind: parse_kind(row.try_get("kind")?)?,
        at: Timestamp::from_millis(row.try_get("at")?),
        order: parse_order(row.try_get("body")?)?,
    })
}
