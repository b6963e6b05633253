//! The statements a `SQLite` transaction is made of: the shared ones, and
//! the few that differ from `PostgreSQL` (see [`shared_steps`]).

use super::super::shared_steps::shared_steps;
use super::super::{StoreError, kind_name};
use kds_protocol::{EventKind, Order, Timestamp};
use sqlx::sqlite::SqliteConnection;

shared_steps!(sqlx::Sqlite);

/// Orders of one millisecond keep the order they were created in by rowid.
const OPEN_ORDERS: &str = "SELECT body FROM orders
     WHERE status IN ('pending', 'preparing', 'ready') AND ($1 IS NULL OR station = $1)
     ORDER BY created_at, rowid";
const RECENT_ORDERS: &str = "SELECT body FROM orders
     WHERE status = 'completed' AND ($1 IS NULL OR station = $1)
     ORDER BY status_at DESC, rowid DESC LIMIT $2";

/// Ties between orders of one millisecond are broken by rowid, so the
/// creating seq is not stored.
async fn insert_order(
    conn: &mut SqliteConnection,
    order: &Order,
    body: &str,
    _created_seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO orders (id, station, status, created_at, status_at, body)
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(&order.id)
    .bind(order.station.as_str())
    .bind(order.status.as_str())
    .bind(order.created_at.as_millis())
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes the event of a change and moves the counter to its seq; inside
/// the single writer's transaction, so seqs are in commit order.
async fn write_event(
    conn: &mut SqliteConnection,
    seq: i64,
    kind: EventKind,
    order: &Order,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO events (seq, station, kind, at, body) VALUES ($1, $2, $3, $4, $5)")
        .bind(seq)
        .bind(order.station.as_str())
        .bind(kind_name(kind))
        .bind(now.as_millis())
        .bind(body)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE store_state SET last_seq = $1 WHERE id = 1")
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
