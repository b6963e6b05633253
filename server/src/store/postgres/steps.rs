//! The statements a `PostgreSQL` transaction is made of.

use super::super::rules::State;
use super::super::{IdempotencyKey, Outcome, StoreError, kind_name, parse_order};
use super::COMMITS_CHANNEL;
use kds_protocol::{Event, EventKind, Order, Timestamp};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

const STATE: &str = "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1";
const LOCK_STATE: &str =
    "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1 FOR UPDATE";

fn decode_state(row: &PgRow) -> Result<State, StoreError> {
    Ok(State {
        last_seq: row.try_get("last_seq")?,
        floor_seq: row.try_get("floor_seq")?,
        last_number: row.try_get("last_number")?,
    })
}

/// The counters as this statement's snapshot sees them.
pub async fn state(conn: &mut PgConnection) -> Result<State, StoreError> {
    decode_state(&sqlx::query(STATE).fetch_one(&mut *conn).await?)
}

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
    decode_state(&sqlx::query(LOCK_STATE).fetch_one(&mut *conn).await?)
}

pub async fn load_order(conn: &mut PgConnection, id: &str) -> Result<Option<Order>, StoreError> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    body.as_deref().map(parse_order).transpose()
}

/// Writes the event of a change with the next seq, moves the counter and
/// queues the notification, which `PostgreSQL` delivers to every listener
/// only once the transaction commits (and never if it rolls back).
pub async fn append_event(
    conn: &mut PgConnection,
    state: &State,
    kind: EventKind,
    order: Order,
    body: &str,
    now: Timestamp,
) -> Result<Event, StoreError> {
    let seq = state.last_seq + 1;
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
    Ok(Event {
        seq,
        kind,
        at: now,
        order,
    })
}

/// The earlier answer to this key, if there is one.
pub async fn replay(
    conn: &mut PgConnection,
    key: Option<&IdempotencyKey>,
) -> Result<Option<Outcome>, StoreError> {
    let Some(key) = key else { return Ok(None) };
    let row =
        sqlx::query("SELECT request, response FROM idempotency WHERE scope = $1 AND key = $2")
            .bind(key.scope)
            .bind(&key.key)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let request: String = row.try_get("request")?;
    if request != key.request {
        return Ok(Some(Outcome::KeyReused));
    }
    let response: String = row.try_get("response")?;
    Ok(Some(Outcome::Replayed(parse_order(&response)?)))
}

pub async fn remember(
    conn: &mut PgConnection,
    key: Option<&IdempotencyKey>,
    response: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(key) = key else { return Ok(()) };
    sqlx::query(
        "INSERT INTO idempotency (scope, key, request, response, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key.scope)
    .bind(&key.key)
    .bind(&key.request)
    .bind(response)
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
