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
mod tx;

use super::backend::Backend;
use super::{StateRow, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;
use tx::{PgRead, PgWrite};

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
/// second in a kitchen, so taking turns costs nothing that matters. Writers
/// and the pruners of every instance take turns there, so two prune passes
/// never race over the floor either.
const LOCK_STATE: &str =
    "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1 FOR UPDATE";

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
}

impl Backend for PgStore {
    type Write = PgWrite;
    type Read = PgRead;

    async fn write(&self) -> Result<PgWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let state: StateRow = sqlx::query_as(LOCK_STATE).fetch_one(&mut *tx).await?;
        Ok(PgWrite {
            tx,
            state: state.into(),
        })
    }

    async fn read(&self) -> Result<PgRead, StoreError> {
        Ok(PgRead {
            tx: self.pool.begin_with(CONSISTENT_READ).await?,
        })
    }
}
