//! The order store: orders, their event log and idempotency answers.
//!
//! [`Store`] is one face over two backends (`SQLite` embedded, `PostgreSQL`
//! for several instances) with the same semantics, which the contract
//! suite checks against both:
//! - every change writes the order and its event in one transaction, and is
//!   committed before the call returns;
//! - event seqs are handed out in commit order, so a reader that has seen
//!   seq N never later finds a new event with seq < N;
//! - events at or below `floor_seq` may be pruned; a read from before the
//!   floor (or beyond the newest seq) is [`EventsRead::Gone`].
//!
//! A backend states what it does in [`backend`]'s traits: how it opens its
//! transactions (that is where the guarantees come from) and the statements
//! run inside them. The operations are written once, in [`ops`], over those
//! traits; [`Store`] only hands each call to the backend it holds.

mod backend;
mod ops;
#[cfg(test)]
mod plans;
#[cfg(feature = "postgres")]
mod postgres;
mod rules;
mod sql;
mod sqlite;
#[cfg(test)]
pub(crate) mod tests;

use crate::config::Retention;
use kds_protocol::{
    CheckCreated, CheckDraft, Edit, Event, EventKind, EventsPage, Order, OrderDraft, Snapshot,
    StationScope, StationStats, Timestamp,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use rules::Refusal;
pub use sqlite::SqliteStore;

/// A backend behind one face.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

/// What a `postgres://` URL gets from a server built without that backend.
#[cfg(not(feature = "postgres"))]
const NO_POSTGRES: &str = "this kds-server was built without PostgreSQL (cargo feature `postgres`, \
     on by default); use a SQLite file, or a build with the feature";

/// Hands one call to the backend the store holds, the same call for each.
macro_rules! on_backend {
    ($store:expr, $backend:ident => $call:expr) => {
        match $store {
            Store::Sqlite($backend) => $call,
            #[cfg(feature = "postgres")]
            Store::Postgres($backend) => $call,
        }
    };
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A statement of the `SQLite` writer.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The `SQLite` writer's thread: busy past its wait, or stopped.
    #[error("database writer: {0}")]
    Writer(String),
    /// A `SQLite` write began from counters that another connection to the
    /// file has since moved; refused before it wrote anything, and run
    /// again ([`ops::retried`]).
    #[error("database: the counters moved under the write")]
    Stale,
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database URL: {0}")]
    Url(String),
}

impl StoreError {
    /// Whether the failure is the store's state (locked, full, gone) rather
    /// than a bug: answered 503 so clients retry.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(_)
                | StoreError::Sqlite(_)
                | StoreError::Writer(_)
                | StoreError::Stale
                | StoreError::Migrate(_)
        )
    }
}

/// The part of a request an `Idempotency-Key` answer is tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// What kind of request (`create`, `status`...), kept beside the key.
    /// A key answers one request of one kind: looked up by key alone.
    pub scope: &'static str,
    pub key: String,
    /// The request in canonical form; a repeat with another request is refused.
    pub request: String,
}

/// What a change of one order did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Committed; `event` is the change as the feed will carry it.
    Changed(Event),
    /// Nothing to change (already so): nothing written.
    Unchanged(Order),
    /// The key was seen with the same request: its first answer.
    Replayed(Order),
    /// The key was seen with a different request.
    KeyReused,
    NotFound,
    /// Refused; nothing written.
    Refused(Refusal),
}

/// What a creation did.
#[derive(Debug, Clone, PartialEq)]
pub enum Created<T> {
    /// Committed: the answer, and the `created` events in seq order.
    New(T, Vec<Event>),
    /// The key was seen with the same request: its first answer.
    Replayed(T),
    /// The key was seen with a different request.
    KeyReused,
}

/// The answer to an events read.
#[derive(Debug, Clone, PartialEq)]
pub enum EventsRead {
    Page(EventsPage),
    /// `since` is older than what is retained, or newer than anything stored.
    Gone,
}

/// What one pruning pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub events: u64,
    pub keys: u64,
    /// Completed orders past `keep_completed`.
    pub orders: u64,
    pub floor: i64,
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`:
    /// `postgres://` or `postgresql://` for `PostgreSQL`, else `SQLite` (a
    /// bare path is taken as a `SQLite` file).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            #[cfg(feature = "postgres")]
            return Ok(Store::Postgres(PgStore::open(url).await?));
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::Url(NO_POSTGRES.to_owned()));
        }
        Ok(Store::Sqlite(SqliteStore::open(url).await?))
    }

    /// Calls `wake` whenever another process may have committed events,
    /// until `stop`: with the seq on every `PostgreSQL` notification, with
    /// `None` after every reconnect of the listener. A `SQLite` store has no
    /// other writers that announce themselves, so this just waits for `stop`.
    pub async fn follow_commits(
        &self,
        #[cfg_attr(
            not(feature = "postgres"),
            expect(unused_variables, reason = "only PostgreSQL announces commits")
        )]
        wake: impl Fn(Option<i64>) + Send,
        stop: CancellationToken,
    ) {
        match self {
            Store::Sqlite(_) => stop.cancelled().await,
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.follow_commits(wake, stop).await,
        }
    }

    pub async fn create_order(
        &self,
        draft: &OrderDraft,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<Order>, StoreError> {
        on_backend!(self, s => ops::retried(|| ops::create_order(s, draft, key, now)).await)
    }

    /// Creates every part of a check, all or none.
    pub async fn create_check(
        &self,
        check: &CheckDraft,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<CheckCreated>, StoreError> {
        on_backend!(self, s => ops::retried(|| ops::create_check(s, check, key, now)).await)
    }

    /// A status move, an edit, a void or a line done, on order `id`.
    pub async fn change(
        &self,
        id: &str,
        edit: &Edit,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        on_backend!(self, s => ops::retried(|| ops::change(s, id, edit, key, now)).await)
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        on_backend!(self, s => ops::order(s, id).await)
    }

    /// Open orders oldest first, the last completed newest first, and the
    /// newest seq they include, all from one consistent read.
    pub async fn snapshot(&self, scope: &StationScope) -> Result<Snapshot, StoreError> {
        on_backend!(self, s => ops::snapshot(s, scope).await)
    }

    /// Events of `scope` with seq > `since`, ascending, at most `limit`.
    /// The page's `seq` is the last event's, or for an empty page the newest
    /// seq in the store (nothing of `scope` lies between): paging on from it
    /// misses nothing.
    pub async fn events(
        &self,
        scope: &StationScope,
        since: i64,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        on_backend!(self, s => ops::events(s, scope, since, limit).await)
    }

    /// The newest event seq handed out (0 for an empty store).
    pub async fn newest_seq(&self) -> Result<i64, StoreError> {
        on_backend!(self, s => ops::newest_seq(s).await)
    }

    /// Speed of service: ticket times over `window` before `now`, and the
    /// open tickets older than `late_after`.
    pub async fn stats(
        &self,
        scope: &StationScope,
        window: Duration,
        late_after: Duration,
        now: Timestamp,
    ) -> Result<StationStats, StoreError> {
        on_backend!(self, s => ops::stats(s, scope, window, late_after, now).await)
    }

    /// Drops what `retention` no longer keeps: old events, expired
    /// idempotency answers, long-completed orders.
    pub async fn prune(
        &self,
        retention: &Retention,
        now: Timestamp,
    ) -> Result<PruneReport, StoreError> {
        on_backend!(self, s => ops::retried(|| ops::prune(s, retention, now)).await)
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        on_backend!(self, s => s.close().await);
    }
}

/// The station a query is limited to; `None` for every station.
fn station_filter(scope: &StationScope) -> Option<&str> {
    match scope {
        StationScope::All => None,
        StationScope::One(station) => Some(station.as_str()),
    }
}

/// The wire name of an event kind, as stored.
fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "created",
        EventKind::StatusChanged => "status_changed",
        EventKind::Updated => "updated",
    }
}

/// The counters row, as both backends read it.
#[derive(sqlx::FromRow)]
struct StateRow {
    last_seq: i64,
    floor_seq: i64,
    last_number: i64,
}

impl From<StateRow> for rules::State {
    fn from(row: StateRow) -> Self {
        Self {
            last_seq: row.last_seq,
            floor_seq: row.floor_seq,
            last_number: row.last_number,
        }
    }
}

/// An event row, as both backends read it.
#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    at: i64,
    body: String,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Event {
            seq: row.seq,
            kind: parse_kind(&row.kind)?,
            at: Timestamp::from_millis(row.at),
            order: parse_order(&row.body)?,
        })
    }
}

fn events_of(rows: Vec<EventRow>) -> Result<Vec<Event>, StoreError> {
    rows.into_iter().map(Event::try_from).collect()
}

fn orders_of(bodies: &[String]) -> Result<Vec<Order>, StoreError> {
    bodies.iter().map(|body| parse_order(body)).collect()
}

/// A `LIMIT` as both backends bind it.
fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn parse_kind(name: &str) -> Result<EventKind, StoreError> {
    match name {
        "created" => Ok(EventKind::Created),
        "status_changed" => Ok(EventKind::StatusChanged),
        "updated" => Ok(EventKind::Updated),
        other => Err(StoreError::Corrupt(format!("event kind {other:?}"))),
    }
}

/// An order as stored. Orders stored by a version 1.0 server get the
/// fields version 1.1 always sends.
fn parse_order(body: &str) -> Result<Order, StoreError> {
    let mut order: Order = serde_json::from_str(body)
        .map_err(|err| StoreError::Corrupt(format!("order body: {err}")))?;
    order.fill_v1_defaults();
    Ok(order)
}

fn order_json(order: &Order) -> Result<String, StoreError> {
    serde_json::to_string(order).map_err(|err| StoreError::Corrupt(format!("order body: {err}")))
}
