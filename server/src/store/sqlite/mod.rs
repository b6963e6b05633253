//! The embedded store: one `SQLite` file in WAL mode.
//!
//! Writes go through a pool of exactly one connection and open with
//! `BEGIN IMMEDIATE`, so writers queue in the pool instead of meeting
//! `SQLITE_BUSY` on a lock upgrade, and seqs are handed out in commit order.
//! `synchronous=FULL` makes a commit durable before the 2xx is sent, even
//! against power loss. Reads use a small pool of their own; WAL lets them
//! run beside the writer, each transaction on one consistent snapshot.

mod steps;

use super::rules::{Move, decide_move, millis_before, new_order, next_number, prune_floor};
use super::{
    EventsRead, IdempotencyKey, Outcome, PruneReport, StoreError, order_json, parse_kind,
    parse_order, station_filter,
};
use crate::config::Retention;
use kds_protocol::{
    Event, EventKind, EventsPage, Order, OrderDraft, RECENT_LIMIT, Snapshot, StationScope,
    StatusMove, Timestamp,
};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;
use steps::{append_event, load_order, remember, replay, state};

/// How long a request waits for the writer (or a reader) before 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const READERS: u32 = 4;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    /// The writer's connection is the whole database: never dropped.
    in_memory: bool,
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if !in_memory {
            options = options.journal_mode(SqliteJournalMode::Wal);
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|err| {
                    StoreError::Url(format!("cannot create {}: {err}", dir.display()))
                })?;
            }
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // An in-memory database lives only as long as its connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        // A second pool would open a second, empty in-memory database: there
        // the one connection serves reads too.
        let readers = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READERS)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?
        };
        Ok(Self {
            writer,
            readers,
            in_memory,
        })
    }

    /// After a failed write the connection may be stuck in a transaction as
    /// far as sqlx knows: when a COMMIT fails (a full disk), `SQLite` rolls
    /// back by itself, sqlx's ROLLBACK then fails and its depth stays at
    /// one, so every later BEGIN would be refused until a restart. Such a
    /// connection is closed instead of going back to the pool, which opens
    /// a fresh one for the next write.
    fn after_write<T>(&self, conn: &mut PoolConnection<Sqlite>, result: &Result<T, StoreError>) {
        if result.is_err() && !self.in_memory {
            conn.close_on_drop();
        }
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    pub async fn create_order(
        &self,
        draft: &OrderDraft,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let mut conn = self.writer.acquire().await?;
        let result: Result<Outcome, StoreError> = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            if let Some(done) = replay(&mut tx, key).await? {
                return Ok(done);
            }
            let state = state(&mut tx).await?;
            let number = next_number(state.last_number);
            let order = new_order(draft, number, now);
            let body = order_json(&order)?;
            sqlx::query(
                "INSERT INTO orders (id, station, status, created_at, status_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            )
            .bind(&order.id)
            .bind(order.station.as_str())
            .bind(order.status.as_str())
            .bind(now.as_millis())
            .bind(&body)
            .execute(&mut *tx)
            .await?;
            let event =
                append_event(&mut tx, &state, EventKind::Created, order, &body, now).await?;
            sqlx::query("UPDATE store_state SET last_number = ?1 WHERE id = 1")
                .bind(number)
                .execute(&mut *tx)
                .await?;
            remember(&mut tx, key, &body, now).await?;
            tx.commit().await?;
            Ok(Outcome::Changed(event))
        }
        .await;
        self.after_write(&mut conn, &result);
        result
    }

    pub async fn move_status(
        &self,
        id: &str,
        change: StatusMove,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let mut conn = self.writer.acquire().await?;
        let result: Result<Outcome, StoreError> = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
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
            sqlx::query("UPDATE orders SET status = ?1, status_at = ?2, body = ?3 WHERE id = ?4")
                .bind(order.status.as_str())
                .bind(now.as_millis())
                .bind(&body)
                .bind(&order.id)
                .execute(&mut *tx)
                .await?;
            let state = state(&mut tx).await?;
            let event =
                append_event(&mut tx, &state, EventKind::StatusChanged, order, &body, now).await?;
            remember(&mut tx, key, &body, now).await?;
            tx.commit().await?;
            Ok(Outcome::Changed(event))
        }
        .await;
        self.after_write(&mut conn, &result);
        result
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let mut conn = self.readers.acquire().await?;
        load_order(&mut conn, id).await
    }

    pub async fn snapshot(&self, scope: &StationScope) -> Result<Snapshot, StoreError> {
        let mut conn = self.readers.acquire().await?;
        // One read transaction: seq, open and recent orders from the same snapshot.
        let mut tx = conn.begin().await?;
        let state = state(&mut tx).await?;
        let station = station_filter(scope);
        let orders = sqlx::query(
            "SELECT body FROM orders
             WHERE status IN ('pending', 'preparing', 'ready') AND (?1 IS NULL OR station = ?1)
             ORDER BY created_at, rowid",
        )
        .bind(station)
        .fetch_all(&mut *tx)
        .await?;
        let recent = sqlx::query(
            "SELECT body FROM orders
             WHERE status = 'completed' AND (?1 IS NULL OR station = ?1)
             ORDER BY status_at DESC, rowid DESC LIMIT ?2",
        )
        .bind(station)
        .bind(RECENT_LIMIT as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let bodies = |rows: Vec<sqlx::sqlite::SqliteRow>| {
            rows.iter()
                .map(|row| parse_order(row.try_get("body")?))
                .collect::<Result<Vec<_>, StoreError>>()
        };
        Ok(Snapshot {
            seq: state.last_seq,
            orders: bodies(orders)?,
            recent: bodies(recent)?,
        })
    }

    pub async fn events(
        &self,
        scope: &StationScope,
        since: i64,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        let mut conn = self.readers.acquire().await?;
        let mut tx = conn.begin().await?;
        let state = state(&mut tx).await?;
        if since < state.floor_seq || since > state.last_seq {
            return Ok(EventsRead::Gone);
        }
        let rows = sqlx::query(
            "SELECT seq, kind, at, body FROM events
             WHERE seq > ?1 AND (?2 IS NULL OR station = ?2)
             ORDER BY seq LIMIT ?3",
        )
        .bind(since)
        .bind(station_filter(scope))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let events = rows
            .iter()
            .map(|row| {
                Ok(Event {
                    seq: row.try_get("seq")?,
                    kind: parse_kind(row.try_get("kind")?)?,
                    at: Timestamp::from_millis(row.try_get("at")?),
                    order: parse_order(row.try_get("body")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let seq = events.last().map_or(state.last_seq, |last| last.seq);
        Ok(EventsRead::Page(EventsPage { seq, events }))
    }

    pub async fn newest_seq(&self) -> Result<i64, StoreError> {
        let mut conn = self.readers.acquire().await?;
        Ok(state(&mut conn).await?.last_seq)
    }

    pub async fn prune(
        &self,
        retention: &Retention,
        now: Timestamp,
    ) -> Result<PruneReport, StoreError> {
        let mut conn = self.writer.acquire().await?;
        let result: Result<PruneReport, StoreError> = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let state = state(&mut tx).await?;
            let by_age: Option<i64> =
                sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE at < ?1")
                    .bind(millis_before(now, retention.max_age))
                    .fetch_one(&mut *tx)
                    .await?;
            let floor = prune_floor(state, retention, by_age);
            let mut report = PruneReport {
                floor,
                ..PruneReport::default()
            };
            if floor > state.floor_seq {
                report.events = sqlx::query("DELETE FROM events WHERE seq <= ?1")
                    .bind(floor)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query("UPDATE store_state SET floor_seq = ?1 WHERE id = 1")
                    .bind(floor)
                    .execute(&mut *tx)
                    .await?;
            }
            report.keys = sqlx::query("DELETE FROM idempotency WHERE created_at < ?1")
                .bind(millis_before(now, retention.idempotency_for))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(report)
        }
        .await;
        self.after_write(&mut conn, &result);
        result
    }
}
