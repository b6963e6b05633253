//! The order store: orders, their event log and idempotency answers.
//!
//! [`Store`] is an enum over backends (`SQLite` embedded, `PostgreSQL` for
//! several instances) with the same semantics, which the contract suite
//! checks against both:
//! - every change writes the order and its event in one transaction, and is
//!   committed before the call returns;
//! - event seqs are handed out in commit order, so a reader that has seen
//!   seq N never later finds a new event with seq < N;
//! - events at or below `floor_seq` may be pruned; a read from before the
//!   floor (or beyond the newest seq) is [`EventsRead::Gone`].
//!
//! The backends differ in how they open connections and transactions (that
//! is what gives them those guarantees); what runs inside is written once,
//! in [`shared_steps`], and [`Store`] hands the one to the other.

mod postgres;
mod rules;
mod shared_steps;
mod sqlite;
#[cfg(test)]
mod tests;

use crate::config::Retention;
use kds_protocol::{
    Event, EventKind, EventsPage, Order, OrderDraft, Snapshot, StationScope, StatusMove, Timestamp,
};
use tokio_util::sync::CancellationToken;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A backend behind one face.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Runs `$call` on whichever backend `$store` is. In the second form,
/// `$steps` names that backend's expansion of the shared steps
/// ([`shared_steps`]): the backend opens the connection or transaction
/// (that is where they differ), the step does the work.
macro_rules! on_backend {
    ($store:expr, $backend:ident => $call:expr) => {
        match $store {
            Store::Sqlite($backend) => $call,
            Store::Postgres($backend) => $call,
        }
    };
    ($store:expr, $backend:ident, $steps:ident => $call:expr) => {
        match $store {
            Store::Sqlite($backend) => {
                use sqlite::steps as $steps;
                $call
            }
            Store::Postgres($backend) => {
                use postgres::steps as $steps;
                $call
            }
        }
    };
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
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
        matches!(self, StoreError::Database(_) | StoreError::Migrate(_))
    }
}

/// The part of a request an `Idempotency-Key` answer is tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// What kind of request (`create`, `status`): keys do not clash across kinds.
    pub scope: &'static str,
    pub key: String,
    /// The request in canonical form; a repeat with another request is refused.
    pub request: String,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Committed; `event` is the change as the feed will carry it.
    Changed(Event),
    /// Asked for the status it already had: nothing written.
    Unchanged(Order),
    /// The key was seen with the same request: its first answer.
    Replayed(Order),
    /// The key was seen with a different request.
    KeyReused,
    NotFound,
    /// `from` did not match; the order as it stands.
    Conflict(Order),
    /// Not one step; the order as it stands.
    InvalidTransition(Order),
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
    pub floor: i64,
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`:
    /// `postgres://` or `postgresql://` for `PostgreSQL`, else `SQLite` (a
    /// bare path is taken as a `SQLite` file).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            return Ok(Store::Postgres(PgStore::open(url).await?));
        }
        Ok(Store::Sqlite(SqliteStore::open(url).await?))
    }

    /// Calls `wake` whenever another process may have committed events,
    /// until `stop`: on every `PostgreSQL` notification and after every
    /// reconnect of the listener. A `SQLite` store has no other writers
    /// that announce themselves, so this just waits for `stop`.
    pub async fn follow_commits(&self, wake: impl Fn() + Send, stop: CancellationToken) {
        match self {
            Store::Sqlite(_) => stop.cancelled().await,
            Store::Postgres(s) => s.follow_commits(wake, stop).await,
        }
    }

    pub async fn create_order(
        &self,
        draft: &OrderDraft,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        on_backend!(self, s, steps => {
            s.write(async |tx, state| steps::create_order(tx, state, draft, key, now).await)
                .await
        })
    }

    pub async fn move_status(
        &self,
        id: &str,
        change: StatusMove,
        key: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        on_backend!(self, s, steps => {
            s.write(async |tx, state| steps::move_status(tx, state, id, change, key, now).await)
                .await
        })
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        on_backend!(self, s, steps => steps::load_order(&mut *s.reader().await?, id).await)
    }

    /// Open orders oldest first, the last completed newest first, and the
    /// newest seq they include, all from one consistent read.
    pub async fn snapshot(&self, scope: &StationScope) -> Result<Snapshot, StoreError> {
        on_backend!(self, s, steps => steps::snapshot(s.read().await?, scope).await)
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
        on_backend!(self, s, steps => steps::events(s.read().await?, scope, since, limit).await)
    }

    /// The newest event seq handed out (0 for an empty store).
    pub async fn newest_seq(&self) -> Result<i64, StoreError> {
        on_backend!(self, s, steps => Ok(steps::state(&mut *s.reader().await?).await?.last_seq))
    }

    /// Drops events beyond `retention` and expired idempotency answers.
    pub async fn prune(
        &self,
        retention: &Retention,
        now: Timestamp,
    ) -> Result<PruneReport, StoreError> {
        on_backend!(self, s, steps => {
            s.write(async |tx, state| steps::prune(tx, state, retention, now).await)
                .await
        })
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

fn parse_kind(name: &str) -> Result<EventKind, StoreError> {
    match name {
        "created" => Ok(EventKind::Created),
        "status_changed" => Ok(EventKind::StatusChanged),
        "updated" => Ok(EventKind::Updated),
        other => Err(StoreError::Corrupt(format!("event kind {other:?}"))),
    }
}

fn parse_order(body: &str) -> Result<Order, StoreError> {
    serde_json::from_str(body).map_err(|err| StoreError::Corrupt(format!("order body: {err}")))
}

fn order_json(order: &Order) -> Result<String, StoreError> {
    serde_json::to_string(order).map_err(|err| StoreError::Corrupt(format!("order body: {err}")))
}
