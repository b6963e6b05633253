//! The embedded store: one `SQLite` file in WAL mode.
//!
//! Writes go through a pool of exactly one connection and open with
//! `BEGIN IMMEDIATE`, so writers queue in the pool instead of meeting
//! `SQLITE_BUSY` on a lock upgrade, and seqs are handed out in commit order.
//! `synchronous=FULL` makes a commit durable before the 2xx is sent, even
//! against power loss. Reads use a small pool of their own; WAL lets them
//! run beside the writer, each transaction on one consistent snapshot.

pub(super) mod steps;

use super::StoreError;
use super::rules::State;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Transaction};
use std::str::FromStr;
use std::time::Duration;
use steps::state;

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

    /// Runs `step` in a write transaction, with the counters as it begins.
    /// `BEGIN IMMEDIATE` takes the write lock at once (see the module
    /// comment); a failed step's connection goes through [`Self::after_write`].
    pub async fn write<T>(
        &self,
        step: impl for<'c> AsyncFnOnce(Transaction<'c, Sqlite>, State) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.acquire().await?;
        let result = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let state = state(&mut tx).await?;
            step(tx, state).await
        }
        .await;
        self.after_write(&mut conn, &result);
        result
    }

    /// A read transaction: WAL gives all its statements one snapshot, beside
    /// the writer.
    pub async fn read(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.readers.begin().await?)
    }

    /// A connection for a read of one statement.
    pub async fn reader(&self) -> Result<PoolConnection<Sqlite>, StoreError> {
        Ok(self.readers.acquire().await?)
    }
}
