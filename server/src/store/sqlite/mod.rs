//! The embedded store: one `SQLite` file in WAL mode.
//!
//! Writes go through a pool of exactly one connection and open with
//! `BEGIN IMMEDIATE`, so writers queue in the pool instead of meeting
//! `SQLITE_BUSY` on a lock upgrade, and seqs are handed out in commit order.
//! `synchronous=FULL` makes a commit durable before the 2xx is sent, even
//! against power loss. Reads use a small pool of their own; WAL lets them
//! run beside the writer, each transaction on one consistent snapshot.

mod batch;
#[cfg(test)]
mod tests;
mod tx;

use super::StoreError;
use super::backend::Backend;
use sqlx::Executor;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
#[cfg(test)]
pub(super) use tx::{OPEN_ORDERS, RECENT_ORDERS};
use tx::{SqliteRead, SqliteWrite};

/// How long a request waits for the writer (or a reader) before 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const READERS: u32 = 4;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    /// Whether the writer's connection may hold an open transaction: set
    /// before a write's `BEGIN`, cleared by its `COMMIT`. The writer pool
    /// has one connection, so one flag is enough.
    open_write: Arc<AtomicBool>,
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
        // No ping before each acquire: it is one more round trip to the
        // worker thread on every write, and a broken connection fails the
        // statement that follows just as clearly (503, retried).
        let open_write = Arc::new(AtomicBool::new(false));
        let hook_open = open_write.clone();
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // An in-memory database lives only as long as its connection.
            .idle_timeout(None)
            .max_lifetime(None)
            // A write dropped before its COMMIT (refused, or failed: a full
            // disk) leaves its transaction open; it is rolled back here, on
            // the connection's way back to the pool, before the next write
            // can take it. A write that committed says so, which saves a
            // round trip to the worker thread after every commit. SQLite
            // refuses the ROLLBACK when nothing is open (a write dropped
            // before its BEGIN ran, or after its COMMIT did). Any other
            // failure closes the connection and the pool opens a fresh one
            // (an in-memory database is its connection: it is kept whatever
            // happens).
            .after_release(move |conn, _| {
                let open = hook_open.swap(false, Ordering::AcqRel);
                Box::pin(async move {
                    if !open {
                        return Ok(true);
                    }
                    match conn.execute("ROLLBACK").await {
                        Ok(_) => Ok(true),
                        Err(sqlx::Error::Database(err)) if nothing_open(&*err) => Ok(true),
                        Err(_) if in_memory => Ok(true),
                        Err(err) => Err(err),
                    }
                })
            })
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
                .test_before_acquire(false)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?
        };
        Ok(Self {
            writer,
            readers,
            open_write,
        })
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

/// `SQLite`'s answer to a `ROLLBACK` outside a transaction.
fn nothing_open(err: &dyn sqlx::error::DatabaseError) -> bool {
    err.message().contains("no transaction is active")
}

impl Backend for SqliteStore {
    type Write = SqliteWrite;
    type Read = SqliteRead;

    /// `BEGIN IMMEDIATE` takes the write lock at once (see the module
    /// comment).
    async fn write(&self) -> Result<SqliteWrite, StoreError> {
        SqliteWrite::begin(self.writer.acquire().await?, self.open_write.clone()).await
    }

    /// WAL gives all the statements of a read transaction one snapshot,
    /// beside the writer.
    async fn read(&self) -> Result<SqliteRead, StoreError> {
        Ok(SqliteRead {
            tx: self.readers.begin().await?,
        })
    }
}
