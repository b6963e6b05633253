//! The statements a `PostgreSQL` transaction is made of: the shared ones,
//! and those that differ from `SQLite` (see [`shared_steps`]).

use super::super::rules::State;
use super::super::shared_steps::shared_steps;
use super::super::{StoreError, kind_name};
use super::COMMITS_CHANNEL;
use kds_protocol::{EventKind, Order, Timestamp};
use sqlx::postgres::PgConnection;

shared_steps!(sqlx::Postgres);

const LOCK_STATE: &str =
    "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1 FOR UPDATE";

/// There is no rowid: orders of one millisecond keep the order they were
/// created in by `created_seq`. `$1::text` because `PostgreSQL` cannot tell
/// the type of a lone NULL parameter.
const OPEN_ORDERS: &str = "SELECT body FROM orders
     WHERE status IN ('pending', 'preparing', 'ready')
       AND ($1::text IS NULL OR station = $1)
     ORDER BY created_at, created_seq";
const RECENT_ORDERS: &str = "SELECT body FROM orders
     WHERE status = 'completed' AND ($1::text IS NULL OR station = $1)
     ORDER BY status_at DESC, created_seq DESC LIMIT $2";

/// The first statement of every write transaction: locks the counters row
/// until commit or rollback.
///
/// Why this makes seqs visible in order: every writer of every instance
/// waits here for the one before it to end, and `PostgreSQL` releases row
/// locks only after the commit is visible to new snapshots. So a writer's
/// statements (read committed: each takes a fresh snapshot) see everything
/// its predecessors wrote, it takes seq = last + 1, and the commit with
/// seq N is visible before the one with N + 1 can even be made. A reader's
/// snapshot therefore always holds a gapless prefix of the log: having seen
/// N, no later read can find a new event below N. Writes are a few per
/// second in a kitchen, so taking turns costs nothing that matters.
pub async fn lock_state(conn: &mut PgConnection) -> Result<State, StoreError> {
    shared::decode_state(&sqlx::query(LOCK_STATE).fetch_one(&mut *conn).await?)
}

/// Stores the seq of the order's creation, to break ties between orders of
/// one millisecond (`SQLite` has the rowid for that).
async fn insert_order(
    conn: &mut PgConnection,
    order: &Order,
    body: &str,
    created_seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO orders (id, station, status, created_at, status_at, created_seq, body)
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(&order.id)
    .bind(order.station.as_str())
    .bind(order.status.as_str())
    .bind(order.created_at.as_millis())
    .bind(created_seq)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes the event of a change, moves the counter to its seq and queues
/// the notification, which `PostgreSQL` delivers to every listener only
/// once the transaction commits (and never if it rolls back).
async fn write_event(
    conn: &mut PgConnection,
    seq: i64,
    kind: EventKind,
    order: &Order,
    body: &str,
    now: Timestamp,
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
    .bind(now.as_millis())
    .bind(body)
    .bind(COMMITS_CHANNEL)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
