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
pub(super) mod steps;

use super::StoreError;
use super::rules::State;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use steps::lock_state;

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

    /// Runs `step` in a write transaction that holds the counters row (see
    /// [`steps::lock_state`]), with the counters as locked. Writers and the
    /// pruners of every instance take turns there, so two prune passes never
    /// race over the floor either.
    pub async fn write<T>(
        &self,
        step: impl for<'c> AsyncFnOnce(Transaction<'c, Postgres>, State) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = lock_state(&mut tx).await?;
        step(tx, state).await
    }

    /// A read transaction whose statements all see one snapshot.
    pub async fn read(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin_with(CONSISTENT_READ).await?)
    }

    /// A connection for a read of one statement.
    pub async fn reader(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        Ok(self.pool.acquire().await?)
    }
}
