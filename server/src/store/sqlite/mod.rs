//! The embedded store: one `SQLite` file in WAL mode.
//!
//! Writes run on one connection of their own, on its own thread
//! ([`writer`]), and open with `BEGIN IMMEDIATE`: writers take turns there
//! instead of meeting `SQLITE_BUSY` on a lock upgrade, and seqs are handed
//! out in commit order. `synchronous=FULL` makes a commit durable before
//! the 2xx is sent, even against power loss. Reads use a small sqlx pool
//! of their own; WAL lets them run beside the writer, each transaction on
//! one consistent snapshot.

mod batch;
#[cfg(test)]
mod tests;
mod tx;
mod writer;

use super::StoreError;
use super::backend::Backend;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tx::{Known, SqliteRead, SqliteWrite};
#[cfg(test)]
pub(super) use tx::{OPEN_ORDERS, RECENT_ORDERS};
use writer::{Place, Writer};

/// How long a read waits for a connection before 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const READERS: u32 = 4;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: Writer,
    /// The counters the writer's last commit left (see [`SqliteWrite`]).
    known: Known,
    readers: SqlitePool,
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let parsed = SqliteConnectOptions::from_str(&url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let (place, options) = if in_memory {
            // One database in this process's memory, named for this store,
            // that the writer and the readers open alike (sqlx's own
            // in-memory database is a shared cache, with table locks that
            // do not wait).
            static STORES: AtomicU64 = AtomicU64::new(0);
            let name = format!("/kds-memory-{}", STORES.fetch_add(1, Ordering::Relaxed));
            let options = SqliteConnectOptions::new()
                .filename(&name)
                .vfs("memdb")
                .journal_mode(SqliteJournalMode::Memory);
            (Place::Memory(name), options)
        } else {
            let path = parsed.get_filename().to_owned();
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|err| {
                    StoreError::Url(format!("cannot create {}: {err}", dir.display()))
                })?;
            }
            (
                Place::File(path),
                parsed.journal_mode(SqliteJournalMode::Wal),
            )
        };
        // The writer first: it creates the file (or the database in memory,
        // which lives as long as the writer's connection).
        let writer = Writer::open(place).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            // No ping before each acquire: a broken connection fails the
            // statement that follows just as clearly (503, retried).
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                options
                    .create_if_missing(true)
                    // The migrations run here.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(writer::BUSY_TIMEOUT)
                    .foreign_keys(true),
            )
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&readers).await?;
        Ok(Self {
            writer,
            known: Known::default(),
            readers,
        })
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

impl Backend for SqliteStore {
    type Write = SqliteWrite;
    type Read = SqliteRead;

    /// Takes the writer's turn; `BEGIN IMMEDIATE` takes the write lock with
    /// the write's first job (see the module comment and [`SqliteWrite`]).
    async fn write(&self) -> Result<SqliteWrite, StoreError> {
        SqliteWrite::begin(&self.writer, &self.known).await
    }

    /// WAL gives all the statements of a read transaction one snapshot,
    /// beside the writer.
    async fn read(&self) -> Result<SqliteRead, StoreError> {
        Ok(SqliteRead {
            tx: self.readers.begin().await?,
        })
    }
}
