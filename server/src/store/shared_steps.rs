//! The steps of a transaction that both backends take the same way, written
//! once and expanded for each backend by [`shared_steps!`], so that a rule
//! changed here changes for both.
//!
//! Why a macro rather than functions generic over `sqlx::Database`: a generic
//! step needs bounds for every value it binds (`Encode`, `Type`), every
//! column it reads (`Decode`, `ColumnIndex`, `FromRow` for scalars), its
//! arguments (`IntoArguments`) and `Executor` on a reborrowed connection, on
//! every function and longer than the bodies. Expanded for one concrete
//! database, the same body needs none of them, and the compiler still checks
//! it against each backend.
//!
//! The SQL text is shared as well: sqlx-sqlite binds `$1, $2, ...` by their
//! number just as `PostgreSQL` does, and a repeated `$1` is one parameter in
//! both.
//!
//! What differs stays with the backend, whose module expands the macro and
//! must define:
//! - `insert_order(conn, order, body, created_seq)`: `PostgreSQL` stores
//!   the seq that created the order, to order orders of one millisecond;
//!   `SQLite` has the rowid for that.
//! - `write_event(conn, seq, kind, order, body, now)`: writes the event and
//!   moves the counter; `PostgreSQL` also queues the commit notification, in
//!   the same round trip.
//! - `OPEN_ORDERS` and `RECENT_ORDERS`: the snapshot queries, which break
//!   ties by those different columns.
//!
//! Opening a transaction differs too (`SQLite`'s single writer begins
//! `IMMEDIATE`; `PostgreSQL` writers lock the counters row, readers ask for
//! repeatable read), so a step takes the transaction its backend opened, and
//! for writes the counters as read inside it. The step ends the transaction:
//! it commits where the store changed or a read is done, and otherwise drops
//! it, which rolls back.

/// Expands, in the calling module, the shared steps for database `$db`.
macro_rules! shared_steps {
    ($db:ty) => {
        mod shared {
            use super::{OPEN_ORDERS, RECENT_ORDERS, insert_order, write_event};
            use kds_protocol::{
                Event, EventKind, EventsPage, Order, OrderDraft, RECENT_LIMIT, Snapshot,
                StationScope, StatusMove, Timestamp,
            };
            use sqlx::{Row, Transaction};
            use $crate::config::Retention;
            use $crate::store::rules::{
                Move, State, decide_move, millis_before, new_order, next_number, prune_floor,
            };
            use $crate::store::{
                EventsRead, IdempotencyKey, Outcome, PruneReport, StoreError, order_json,
                parse_kind, parse_order, station_filter,
            };

            type Connection = <$db as sqlx::Database>::Connection;
            type DbRow = <$db as sqlx::Database>::Row;

            pub fn decode_state(row: &DbRow) -> Result<State, StoreError> {
                Ok(State {
                    last_seq: row.try_get("last_seq")?,
                    floor_seq: row.try_get("floor_seq")?,
                    last_number: row.try_get("last_number")?,
                })
            }

            /// The counters as this statement sees them.
            pub async fn state(conn: &mut Connection) -> Result<State, StoreError> {
                let row = sqlx::query(
                    "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1",
                )
                .fetch_one(&mut *conn)
                .await?;
                decode_state(&row)
            }

            pub async fn load_order(
                conn: &mut Connection,
                id: &str,
            ) -> Result<Option<Order>, StoreError> {
                let body: Option<String> =
                    sqlx::query_scalar("SELECT body FROM orders WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?;
                body.as_deref().map(parse_order).transpose()
            }

            /// The earlier answer to this key, if there is one.
            async fn replay(
                conn: &mut Connection,
                key: Option<&IdempotencyKey>,
            ) -> Result<Option<Outcome>, StoreError> {
                let Some(key) = key else { return Ok(None) };
                let row = sqlx::query(
                    "SELECT request, response FROM idempotency WHERE scope = $1 AND key = $2",
                )
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

            async fn remember(
                conn: &mut Connection,
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

            /// Ends a change whose order row is written: logs it as event
            /// `seq`, keeps the answer for the idempotency key, commits, and
            /// returns the event as the feed will carry it.
            async fn finish_change(
                mut tx: Transaction<'_, $db>,
                seq: i64,
                kind: EventKind,
                order: Order,
                body: &str,
                key: Option<&IdempotencyKey>,
                now: Timestamp,
            ) -> Result<Outcome, StoreError> {
                write_event(&mut tx, seq, kind, &order, body, now).await?;
                remember(&mut tx, key, body, now).await?;
                tx.commit().await?;
                Ok(Outcome::Changed(Event {
                    seq,
                    kind,
                    at: now,
                    order,
                }))
            }

            pub async fn create_order(
                mut tx: Transaction<'_, $db>,
                state: State,
                draft: &OrderDraft,
                key: Option<&IdempotencyKey>,
                now: Timestamp,
            ) -> Result<Outcome, StoreError> {
                if let Some(done) = replay(&mut tx, key).await? {
                    return Ok(done);
                }
                let number = next_number(state.last_number);
                let order = new_order(draft, number, now);
                let body = order_json(&order)?;
                let seq = state.next_seq();
                insert_order(&mut tx, &order, &body, seq).await?;
                sqlx::query("UPDATE store_state SET last_number = $1 WHERE id = 1")
                    .bind(number)
                    .execute(&mut *tx)
                    .await?;
                finish_change(tx, seq, EventKind::Created, order, &body, key, now).await
            }

            pub async fn move_status(
                mut tx: Transaction<'_, $db>,
                state: State,
                id: &str,
                change: StatusMove,
                key: Option<&IdempotencyKey>,
                now: Timestamp,
            ) -> Result<Outcome, StoreError> {
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
                sqlx::query(
                    "UPDATE orders SET status = $1, status_at = $2, body = $3 WHERE id = $4",
                )
                .bind(order.status.as_str())
                .bind(now.as_millis())
                .bind(&body)
                .bind(&order.id)
                .execute(&mut *tx)
                .await?;
                let seq = state.next_seq();
                finish_change(tx, seq, EventKind::StatusChanged, order, &body, key, now).await
            }

            pub async fn prune(
                mut tx: Transaction<'_, $db>,
                state: State,
                retention: &Retention,
                now: Timestamp,
            ) -> Result<PruneReport, StoreError> {
                let by_age: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE at < $1")
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

            /// Seq, open and recent orders, all from the snapshot `tx` reads.
            pub async fn snapshot(
                mut tx: Transaction<'_, $db>,
                scope: &StationScope,
            ) -> Result<Snapshot, StoreError> {
                let state = state(&mut tx).await?;
                let station = station_filter(scope);
                let orders = sqlx::query(OPEN_ORDERS)
                    .bind(station)
                    .fetch_all(&mut *tx)
                    .await?;
                let recent = sqlx::query(RECENT_ORDERS)
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
                mut tx: Transaction<'_, $db>,
                scope: &StationScope,
                since: i64,
                limit: usize,
            ) -> Result<EventsRead, StoreError> {
                let state = state(&mut tx).await?;
                if since < state.floor_seq || since > state.last_seq {
                    return Ok(EventsRead::Gone);
                }
                // CAST: `PostgreSQL` cannot tell the type of a lone NULL parameter.
                let rows = sqlx::query(
                    "SELECT seq, kind, at, body FROM events
                     WHERE seq > $1 AND (CAST($2 AS TEXT) IS NULL OR station = $2)
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

            fn bodies(rows: &[DbRow]) -> Result<Vec<Order>, StoreError> {
                rows.iter()
                    .map(|row| parse_order(row.try_get("body")?))
                    .collect()
            }

            fn event(row: &DbRow) -> Result<Event, StoreError> {
                Ok(Event {
                    seq: row.try_get("seq")?,
                    kind: parse_kind(row.try_get("kind")?)?,
                    at: Timestamp::from_millis(row.try_get("at")?),
                    order: parse_order(row.try_get("body")?)?,
                })
            }
        }

        pub use shared::{create_order, events, load_order, move_status, prune, snapshot, state};
    };
}

pub(super) use shared_steps;
