//! The statements a transaction is made of, shared by the store's operations.

use super::super::{IdempotencyKey, Outcome, StoreError, kind_name, parse_order};
use kds_protocol::{Event, EventKind, Order, Timestamp};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;

pub use super::super::rules::State;

pub async fn state(conn: &mut SqliteConnection) -> Result<State, StoreError> {
    let row = sqlx::query("SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(State {
        last_seq: row.try_get("last_seq")?,
        floor_seq: row.try_get("floor_seq")?,
        last_number: row.try_get("last_number")?,
    })
}

pub async fn load_order(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<Order>, StoreError> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM orders WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    body.as_deref().map(parse_order).transpose()
}

/// Writes the event of a change and takes the next seq; inside the writer's
/// transaction, so the seq is in commit order.
pub async fn append_event(
    conn: &mut SqliteConnection,
    state: &State,
    kind: EventKind,
    order: Order,
    body: &str,
    now: Timestamp,
) -> Result<Event, StoreError> {
    let seq = state.last_seq + 1;
    sqlx::query("INSERT INTO events (seq, station, kind, at, body) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(seq)
        .bind(order.station.as_str())
        .bind(kind_name(kind))
        .bind(now.as_millis())
        .bind(body)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE store_state SET last_seq = ?1 WHERE id = 1")
        .bind(seq)
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
    conn: &mut SqliteConnection,
    key: Option<&IdempotencyKey>,
) -> Result<Option<Outcome>, StoreError> {
    let Some(key) = key else { return Ok(None) };
    let row =
        sqlx::query("SELECT request, response FROM idempotency WHERE scope = ?1 AND key = ?2")
            .bind(key.scope)
            .bind(&key.key)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let request: String = row.try_get("request")?;
    if request != key.request {
        return Ok(Some(Outcome::KeyReused));
    }
    Ok(Some(Outcome::Replayed(parse_order(
        row.try_get("response")?,
    )?)))
}

pub async fn remember(
    conn: &mut SqliteConnection,
    key: Option<&IdempotencyKey>,
    response: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(key) = key else { return Ok(()) };
    sqlx::query(
        "INSERT INTO idempotency (scope, key, request, response, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
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
